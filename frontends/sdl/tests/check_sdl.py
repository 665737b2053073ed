#!/usr/bin/env python3
"""x86emu-sdl under Xvfb: screenshots compared pixel-exact, and Linux typed into through --script.

  graphics  pattern_rom.asm draws a mode 13h pattern and a DISPI 640x480x32 pattern; the window
            takes a PNG of each (--screenshot-at for the first, a --script step for the second)
            and this script decodes the PNGs (zlib, stdlib) and compares every pixel with the
            pattern computed here.
  planar    planar_rom.asm draws mode 12h through write modes 2 and 0 with its own attribute
            palette and DAC, then DISPI 1024x768x32; both PNGs compared pixel-exact the same way.
  text      text_rom.asm fills mode 03h with its own font and attributes and puts the cursor;
            three PNGs (cursor on/off, blinking characters shown/hidden) compared pixel-exact.
  linux     the reference guest (scripts/fetch_guest.sh) booted with its console on the VGA
            (console=tty0): the script waits for the shell, types `echo $((6*7))x` with key
            events through SDL's event queue, waits for the answer, takes a PNG and dumps the
            text screen; the answer must be in the VGA text buffer on a line of its own.
  serial    the reference guest with its shell on COM1 (console=tty0 console=ttyS0) and
            --serial vc: the script switches to the COM1 pane with Ctrl+Alt+2, waits for the
            shell there, types `echo $((6*7))x`, waits for the answer in the pane, takes a PNG of
            the pane and dumps its text (dump-serial-pane), then goes back to the VGA with
            Ctrl+Alt+1 and dumps that; the answer must be in the pane on a line of its own, the
            PNG 640x400 with ink exactly in the character rows the dump says hold text, and the
            typed command must not have reached the VGA console. Then busybox vi edits a file in
            the pane: its screen must show the typed line and ~ rows, and the file must hold it.
  report    report_rom.asm writes "sdl debugcon\n" to port E9h and POST codes 11h, 55h, then loops:
            --until-post 0x55 (exit 0), a script's quit (the window closed, exit 0), --max-cycles
            (exit 4) and SIGINT (exit 6) must each give the headless runner's exit code and a
            --report with its schema, the stop_reason and the POST codes, and --debugcon-file the
            exact bytes.
  hotkeys   scancode_rom.asm writes every byte the keyboard sends to port E9h; a script holds
            Ctrl and Alt (key-down) and presses G, S and F, then presses G alone: Ctrl and Alt
            reach the guest, the hotkey letters neither pressed nor released, the lone G does;
            --stats must say the mouse is grabbed (and the title so), the window fullscreen, and
            Ctrl+Alt+S must have written a PNG of the frame in the working directory.
  typematic typematic_rom.asm programs F3h 2Ch (500 ms delay, 100.08 ms period) and logs every
            keyboard byte with its RDTSC; the script holds A for 950 emulated ms: exactly 5
            repeats, the first 500 ms after the make, each next one 100.08 ms later (within 1.5 ms,
            one slice plus rounding; their mean within 0.3 ms), then the break.
  mouse     mouse_rom.asm enables the PS/2 mouse through the 8042 (A8h, D4h F4h) and logs every byte
            with its source; the script moves, clicks and turns the wheel (mouse-* steps, SDL
            events) before the grab, grabbed (Ctrl+Alt+G) and after releasing it: only the grabbed
            ones may arrive, as packets with the right buttons, signs, overflow and y direction.
  resize    pattern_rom.asm's mode 13h picture (no black pixel in it) in a window resized by the
            script (window-size) to 800x300 and 400x600; window-shot reads the whole window back:
            the picture must be exactly the 4:3 rectangle centred in it (400x300 at x 200, then at
            y 150), every pixel in it lit, every pixel outside black.
Screenshots stay in --work-dir (under build/) as artifacts.

Usage: check_sdl.py --binary PATH --work-dir DIR [--rom PATH] [--fetch-script PATH]
       graphics|planar|text|linux|serial|report|hotkeys|typematic|mouse|resize
Standard library only; the caller runs it under xvfb-run.
"""
import argparse
import json
import os
import signal
import struct
import subprocess
import sys
import time
import zlib


def fail(what):
    print(f"FAILED: {what}", file=sys.stderr)
    sys.exit(1)


def read_png(path):
    """(width, height, rows of (r, g, b) tuples) of an 8-bit RGB, non-interlaced PNG."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail(f"{path} is not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour != 2 or interlace != 0:
        fail(f"{path}: expected 8-bit RGB, not depth {depth} colour type {colour}")
    raw = zlib.decompress(idat)
    stride = width * 3
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - 3] if i >= 3 else 0
            up = previous[i]
            up_left = previous[i - 3] if i >= 3 else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else up_left)) & 255
        rows.append(line)
        previous = line
    return width, height, rows


def compare(path, width, height, expected):
    got_w, got_h, rows = read_png(path)
    if (got_w, got_h) != (width, height):
        fail(f"{path}: {got_w}x{got_h}, expected {width}x{height}")
    wrong = 0
    for y in range(height):
        for x in range(width):
            got = tuple(rows[y][3 * x:3 * x + 3])
            want = expected(x, y)
            if got != want:
                if wrong < 5:
                    print(f"{path}: pixel ({x}, {y}) is {got}, expected {want}")
                wrong += 1
    if wrong:
        fail(f"{path}: {wrong} of {width * height} pixels differ")
    print(f"{path}: {width}x{height}, all pixels as expected")


def widen(v):  # a 6-bit DAC component as the VGA widens it to 8 bits
    return (v << 2) | (v >> 4)


def run(command, timeout):
    print("$", " ".join(command))
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    print(done.stdout, end="")
    print(done.stderr, end="", file=sys.stderr)
    return done


def screenshots_of_rom(args, name, shots, timeout, extra=()):
    """Runs the ROM in the window with --max-speed and takes the PNGs shots lists as (file, cycle):
    all but the last through --screenshot-at, the last through a --script step, then quit; returns
    the PNG paths in the same order."""
    os.makedirs(args.work_dir, exist_ok=True)
    paths = [os.path.join(args.work_dir, png) for png, _ in shots]
    script = os.path.join(args.work_dir, f"{name}.script")
    stats = os.path.join(args.work_dir, f"{name}_stats.json")
    for path in paths:
        if os.path.exists(path):
            os.remove(path)
    with open(script, "w") as out:
        out.write(f"# the ROM has drawn its last pattern by then\nat {shots[-1][1]}\nscreenshot {paths[-1]}\nquit\n")
    command = [args.binary, "--bios", args.rom, "--model", "p6", "--max-speed", *extra]
    for path, (_, at) in zip(paths[:-1], shots[:-1]):
        command += ["--screenshot-at", f"{at}:{path}"]
    done = run(command + ["--script", script, "--stats", stats], timeout)
    if done.returncode != 0:
        fail(f"x86emu-sdl exited {done.returncode}")
    print("stats:", open(stats).read().strip())
    return paths


def graphics(args):
    mode13, dispi = screenshots_of_rom(args, "graphics", [("mode13h.png", 5000000), ("dispi_640x480x32.png", 300000000)], 120)

    def palette(i):
        return (widen(i & 63), widen((i >> 2) & 63), widen(63 - (i & 63)))

    compare(mode13, 320, 200, lambda x, y: palette((x + 2 * y) & 255))
    compare(dispi, 640, 480, lambda x, y: (x & 255, y & 255, (x ^ y) & 255))


def planar(args):
    """planar_rom.asm: mode 12h drawn through write modes 2 and 0, then DISPI 1024x768x32."""
    mode12, dispi = screenshots_of_rom(args, "planar", [("mode12h.png", 40000000), ("dispi_1024x768x32.png", 400000000)], 240)

    def colour(c):  # the attribute palette entry of colour c, through the ROM's DAC
        i = (5 * c + 3) & 63
        return (widen(i), widen(63 - i), widen((3 * i) & 63))

    def mode12_pixel(x, y):
        if y < 240:
            return colour((x + y) & 15)
        column, bit = x >> 3, 7 - (x & 7)
        return colour(sum((((column * (2 * p + 1) + y) & 255) >> bit & 1) << p for p in range(4)))

    compare(mode12, 640, 480, mode12_pixel)
    compare(dispi, 1024, 768, lambda x, y: (x >> 2, y >> 2, (x + y) & 255))


def text(args):
    """text_rom.asm: 80x25 with its own font, attributes and the cursor on and off, then 80x50."""
    mhz = 200
    # Mode 03h timing (IBM's CRTC values, 28.322 MHz dot clock): (5Fh + 5) characters of 9 dots a
    # line, vertical total 1BFh + 2 lines a frame; the cursor is on for 8 frames, off for 8.
    frame_ns = (0x5F + 5) * 9 * (0x1BF + 2) / 28.322e6 * 1e9

    # Blinking characters are shown for 16 frames, hidden for 16.
    def phase_on_at(cycle, frames):
        return (int(cycle * 1000 / mhz / frame_ns) // frames) % 2 == 0

    on_at, off_at, shown_at, hidden_at = 10_000_000, 34_000_000, 200_000_000, 240_000_000
    if not phase_on_at(on_at, 8) or phase_on_at(off_at, 8):
        fail("the screenshot cycles do not fall in a cursor-on and a cursor-off phase")
    if not phase_on_at(shown_at, 16) or phase_on_at(hidden_at, 16):
        fail("the screenshot cycles do not fall in a blink-on and a blink-off phase")
    on, off, shown, hidden = screenshots_of_rom(
        args, "text", [("text80x25_cursor_on.png", on_at), ("text80x25_cursor_off.png", off_at),
                       ("text80x50_blink_on.png", shown_at), ("text80x50_blink_off.png", hidden_at)],
        120, ["--mhz", str(mhz)])
    attribute_palette = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07,
                         0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F]

    def colour(c):  # attribute palette entry, then the ROM's DAC entry i = (i, 63 - i, 3i & 63)
        i = attribute_palette[c]
        return (widen(i), widen(63 - i), widen((3 * i) & 63))

    def text_pixel(scan_lines, cell, cursor_cell, blink=None):
        """blink None: attribute bit 7 is a bright background; True/False: bit 7 blinks, now
        shown/hidden, and backgrounds have three bits."""
        def pixel(x, y):
            column, dot, row, line = x // 9, x % 9, y // scan_lines, y % scan_lines
            i = row * 80 + column
            character, attribute = cell(i)
            glyph = (5 * character + 29 * line) & 255
            background = attribute >> 4
            if blink is not None:
                background &= 7
                if attribute & 0x80 and not blink:
                    glyph = 0
            if i == cursor_cell and 0x0D <= line <= 0x0E:
                glyph = 0xFF  # the cursor's scan lines: all eight dots in the foreground colour
            if dot < 8:
                lit = (glyph >> (7 - dot)) & 1
            else:  # the 9th dot repeats the 8th for the line-drawing characters (attribute 10h bit 2)
                lit = 0xC0 <= character <= 0xDF and (glyph & 1)
            return colour(attribute & 15 if lit else background)
        return pixel

    def cell25(i):
        return (7 * i) & 255, (3 * i) & 255

    compare(on, 720, 400, text_pixel(16, cell25, 1000))
    compare(off, 720, 400, text_pixel(16, cell25, None))
    def cell50(i):
        return (11 * i) & 255, (5 * i + 1) & 255

    compare(shown, 720, 400, text_pixel(8, cell50, None, blink=True))
    compare(hidden, 720, 400, text_pixel(8, cell50, None, blink=False))


def fetch_guest(args):
    listing = run([args.fetch_script], 900)
    if listing.returncode != 0:
        fail("the guest could not be fetched")
    return dict(line.split(": ", 1) for line in listing.stdout.splitlines() if line.startswith(("kernel: ", "initrd: ")))


def boot_guest(args, name, outputs, steps, append, serial):
    """Boots the reference guest in the window with `steps` as its --script (`{key}` in them names
    outputs[key], a file in the work dir, removed first); fails unless it exits 0. Returns the
    outputs' paths and the --stats JSON."""
    os.makedirs(args.work_dir, exist_ok=True)
    paths = fetch_guest(args)
    files = {key: os.path.join(args.work_dir, file) for key, file in outputs.items()}
    for path in files.values():
        if os.path.exists(path):
            os.remove(path)
    script = os.path.join(args.work_dir, f"{name}.script")
    stats = os.path.join(args.work_dir, f"{name}_stats.json")
    with open(script, "w") as out:
        out.write(steps.format(**files))
    # --max-speed: the boot's idle waits cost no host time, which keeps the test short (run.sh paces).
    # The limits leave room for a loaded 2-core host: the boot takes about 100 s alone, and 216 s
    # was seen with the machine at load average 6.5; CTest's own limit is 400 s.
    done = run([args.binary, "--max-speed", "--kernel", paths["kernel"], "--initrd", paths["initrd"],
                "--append", append, *serial, "--max-seconds", "340", "--script", script, "--stats", stats], 380)
    if done.returncode != 0:
        fail(f"x86emu-sdl exited {done.returncode}")
    return files, json.load(open(stats))


def linux(args):
    files, result = boot_guest(
        args, "linux", {"shot": "linux_shell.png", "text": "linux_shell.txt"},
        "wait-text initramfs ready\nsleep 300\nmark shell\ntype echo $((6*7))x\\n\nwait-text 42x\nmark answered\n"
        "screenshot {shot}\ndump-text {text}\nquit\n",
        "console=ttyS0,115200 console=tty0 cryptomgr.notests",
        ["--serial", "file:" + os.path.join(args.work_dir, "linux_serial.txt")])
    shot, text = files["shot"], files["text"]
    screen = open(text).read()
    print("---- VGA text screen ----\n" + screen + "-------------------------")
    lines = [line.strip() for line in screen.splitlines()]
    if "42x" not in lines:
        fail("the answer 42x is not on a line of its own in the VGA text buffer")
    if not any("echo $((6*7))x" in line for line in lines):
        fail("the typed command is not on the screen")
    width, height, _ = read_png(shot)
    if (width, height) != (720, 400):
        fail(f"{shot}: {width}x{height}, expected the 720x400 text mode")
    print(f"frames {result['frames']}, fps {result['fps']:.1f}, realtime {result['realtime_percent']:.0f}%, "
          f"latency (emulated us) {result['latency_emulated_us']}, (host ms) {result['latency_host_ms']}, "
          f"marks {result['marks']}")
    if not result["latency_emulated_us"]:
        fail("no key reached the guest's port 60h read (no latency measured)")


def serial(args):
    files, result = boot_guest(
        args, "serial", {"shot": "serial_pane.png", "text": "serial_pane.txt", "vga": "serial_vga.txt",
                                  "vi_shot": "serial_pane_vi.png", "vi": "serial_pane_vi.txt", "after": "serial_pane_after.txt"},
        "key Ctrl+Alt+2\nwait-text initramfs ready\nsleep 300\nmark shell\n"
        "type echo $((6*7))x\\n\nwait-text 42x\nmark answered\n"
        "screenshot {shot}\ndump-serial-pane {text}\n"
        # busybox vi: full-screen editing through cursor addressing and erases
        "type vi /tmp/pane.txt\\n\nwait-text ~\ntype ihello pane\nwait-text hello pane\nkey Escape\n"
        "sleep 200\nscreenshot {vi_shot}\ndump-serial-pane {vi}\ntype :wq\\n\n"
        "type echo x$(cat /tmp/pane.txt)x\\n\nwait-text xhello panex\ndump-serial-pane {after}\n"
        "key Ctrl+Alt+1\ndump-text {vga}\nquit\n",
        "console=tty0 console=ttyS0,115200 cryptomgr.notests", ["-serial", "vc"])
    shot, text, vga = files["shot"], files["text"], files["vga"]
    pane = open(text).read()
    print("---- COM1 pane ----\n" + pane + "-------------------")
    lines = pane.split("\n")[:-1]
    if len(lines) != 25:
        fail(f"the pane dump has {len(lines)} rows, not 25")
    if "42x" not in [line.strip() for line in lines]:
        fail("the answer 42x is not on a line of its own in the COM1 pane")
    if not any("echo $((6*7))x" in line for line in lines):
        fail("the typed command is not in the COM1 pane")
    if "echo $((6*7))x" in open(vga).read():
        fail("the typed command reached the VGA console too")
    width, height, rows = read_png(shot)
    if (width, height) != (640, 400):
        fail(f"{shot}: {width}x{height}, expected the pane's 640x400")
    # Each character row of the PNG has ink (pixels unlike the black background) exactly where
    # the dump has text (the cursor is drawn after the prompt, on a row with text).
    for row in range(25):
        inked = any(any(rows[y]) for y in range(16 * row, 16 * row + 16))
        if inked != bool(lines[row].strip()):
            fail(f"{shot}: character row {row} is {'inked' if inked else 'blank'}, the dump says {lines[row]!r}")
    print(f"{shot}: 640x400, ink in exactly the rows with text")
    vi = open(files["vi"]).read()
    print("---- COM1 pane in vi ----\n" + vi + "-------------------------")
    vi_lines = vi.split("\n")[:-1]
    if vi_lines[0] != "hello pane":
        fail(f"vi's first line in the pane is {vi_lines[0]!r}, not the text typed")
    if sum(line == "~" for line in vi_lines) < 20 or any("initramfs ready" in line for line in vi_lines):
        fail("vi did not clear the pane and mark the lines past the end with ~")
    if read_png(files["vi_shot"])[:2] != (640, 400):
        fail(f"{files['vi_shot']}: not 640x400")
    after = open(files["after"]).read()
    if "xhello panex" not in [line.strip() for line in after.splitlines()]:
        fail("the file vi wrote does not hold the text typed (no 'xhello panex' line)")
    print("vi in the pane: the typed line, ~ past the end, the file written")
    print(f"frames {result['frames']}, fps {result['fps']:.1f}, realtime {result['realtime_percent']:.0f}%, marks {result['marks']}")


def report(args):
    os.makedirs(args.work_dir, exist_ok=True)
    debugcon = os.path.join(args.work_dir, "report_debugcon.txt")
    report_path = os.path.join(args.work_dir, "report.json")
    quit_script = os.path.join(args.work_dir, "report_quit.script")
    with open(quit_script, "w") as out:
        out.write("at 100000\nquit\n")
    # The headless runner's fields (docs/HEADLESS.md, "The JSON report"), all of them.
    fields = {"model", "fpu", "clock_mhz", "bios", "kernel", "initrd", "append", "linux_entry", "linux_protocol",
              "memory_mib", "no_reboot", "exit_code", "stop_reason", "message", "until_post", "last_post",
              "post_codes", "post_code_count", "cycles", "emulated_seconds", "instructions", "wall_seconds", "mips",
              "realtime", "registers"}
    base = [args.binary, "--bios", args.rom, "--max-speed", "--debugcon-file", debugcon, "--report", report_path]

    def check(extra, want_code, want_reason, signal_after=None):
        for path in (debugcon, report_path):
            if os.path.exists(path):
                os.remove(path)
        command = base + extra
        print("$", " ".join(command))
        if signal_after is None:
            code = subprocess.run(command, timeout=60, stdin=subprocess.DEVNULL).returncode
        else:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
            deadline = time.time() + 30
            while time.time() < deadline and not (os.path.exists(debugcon) and os.path.getsize(debugcon)):
                time.sleep(0.1)
            time.sleep(signal_after)
            process.send_signal(signal.SIGINT)
            code = process.wait(timeout=30)
        if code != want_code:
            fail(f"{extra}: exit {code}, expected {want_code}")
        got = json.load(open(report_path))
        if set(got) != fields:
            fail(f"{extra}: report fields differ: {sorted(set(got) ^ fields)}")
        if got["exit_code"] != want_code or got["stop_reason"] != want_reason:
            fail(f"{extra}: report says {got['exit_code']}/{got['stop_reason']}, expected {want_code}/{want_reason}")
        if got["post_codes"] != [0x11, 0x55] or got["last_post"] != 0x55 or got["registers"] is None:
            fail(f"{extra}: report POST codes {got['post_codes']}, registers {got['registers'] is not None}")
        data = open(debugcon, "rb").read()
        if data != b"sdl debugcon\n":
            fail(f"{extra}: debug console file holds {data!r}")
        print(f"  exit {code}, stop_reason {want_reason}, message '{got['message']}', {got['cycles']} cycles")
        return got

    got = check(["--until-post", "0x55"], 0, "post_code_reached")
    if got["until_post"] != 0x55 or got["cycles"] > 1000:
        fail(f"--until-post: until_post {got['until_post']}, {got['cycles']} cycles (the run goes on past the OUT)")
    check(["--script", quit_script], 0, "window_closed")
    got = check(["--max-cycles", "5000000"], 4, "max_cycles")
    if got["cycles"] < 5000000:
        fail(f"--max-cycles: only {got['cycles']} cycles")
    check([], 6, "interrupted", signal_after=0.5)
    # A bad value after --report: still a report (exit 2, stop_reason error), as the headless runner.
    if os.path.exists(report_path):
        os.remove(report_path)
    code = subprocess.run([args.binary, "--report", report_path, "--bios", args.rom, "--model", "z80"],
                          timeout=60, stdin=subprocess.DEVNULL).returncode
    got = json.load(open(report_path))
    if code != 2 or got["exit_code"] != 2 or got["stop_reason"] != "error":
        fail(f"--model z80: exit {code}, report {got['exit_code']}/{got['stop_reason']}")
    print("report: all cases as expected")


def hotkeys(args):
    work = os.path.join(args.work_dir, "hotkeys")
    os.makedirs(work, exist_ok=True)
    for name in os.listdir(work):
        os.remove(os.path.join(work, name))
    with open(os.path.join(work, "hotkeys.script"), "w") as out:
        out.write("at 1000000\nkey-down Left Ctrl\nkey-down Left Alt\nkey-down G\nkey-up G\nkey-down S\nkey-up S\n"
                  "key-down F\nkey-up F\nkey-up Left Alt\nkey-up Left Ctrl\nkey G\nsleep 100\nquit\n")
    print("$ (in", work, ")", args.binary, "--bios", args.rom, "...")
    code = subprocess.run([args.binary, "--bios", args.rom, "--max-speed", "--debugcon-file", "keys.txt",
                           "--script", "hotkeys.script", "--stats", "stats.json"],
                          cwd=work, timeout=60, stdin=subprocess.DEVNULL).returncode
    if code != 0:
        fail(f"x86emu-sdl exited {code}")
    # Set 1 (the 8042 translates): Ctrl 1D, Alt 38, their breaks B8 9D; then the lone G: 22 A2.
    keys = open(os.path.join(work, "keys.txt")).read().split()
    if keys != ["1D", "38", "B8", "9D", "22", "A2"]:
        fail(f"the guest read {keys}, expected Ctrl and Alt and the lone G only: 1D 38 B8 9D 22 A2")
    stats = json.load(open(os.path.join(work, "stats.json")))
    if not stats["grabbed"] or "mouse grabbed" not in stats["title"]:
        fail(f"Ctrl+Alt+G: grabbed {stats['grabbed']}, title '{stats['title']}'")
    if not stats["fullscreen"]:
        fail("Ctrl+Alt+F: the window is not fullscreen")
    shot = os.path.join(work, "x86emu-screenshot-1.png")
    if not os.path.exists(shot):
        fail("Ctrl+Alt+S wrote no x86emu-screenshot-1.png")
    width, height, _ = read_png(shot)
    if width < 320 or height < 200:
        fail(f"{shot}: {width}x{height}")
    print(f"hotkeys: guest read {' '.join(keys)}; title '{stats['title']}'; fullscreen; {shot} {width}x{height}")


def typematic(args):
    os.makedirs(args.work_dir, exist_ok=True)
    log = os.path.join(args.work_dir, "typematic.txt")
    script = os.path.join(args.work_dir, "typematic.script")
    with open(script, "w") as out:
        out.write("at 1000000\nkey-down A\nsleep 950\nkey-up A\nsleep 100\nquit\n")
    done = run([args.binary, "--bios", args.rom, "--model", "p6", "--mhz", "200", "--max-speed",
                "--debugcon-file", log, "--script", script], 60)
    if done.returncode != 0:
        fail(f"x86emu-sdl exited {done.returncode}")
    lines = open(log).read().split("\n")
    if lines[0] != "ready":
        fail(f"the guest did not program the typematic byte: {lines[:2]}")
    events = [(code, int(tsc, 16) / 200_000) for code, tsc in (line.split() for line in lines[1:] if line)]
    codes = [code for code, _ in events]
    if codes != ["1E"] * 6 + ["9E"]:
        fail(f"the guest read {codes}, expected A's make, 5 repeats and its break")
    times = [ms for _, ms in events[:6]]
    gaps = [b - a for a, b in zip(times, times[1:])]
    print("typematic: delay %.2f ms, periods %s ms" % (gaps[0], ", ".join("%.2f" % g for g in gaps[1:])))
    if abs(gaps[0] - 500) > 1.5:
        fail(f"delay {gaps[0]:.2f} ms, programmed 500")
    if any(abs(g - 100.08) > 1.5 for g in gaps[1:]) or abs(sum(gaps[1:]) / 4 - 100.08) > 0.3:
        fail(f"periods {gaps[1:]}, programmed 100.08 ms")


def mouse(args):
    os.makedirs(args.work_dir, exist_ok=True)
    log = os.path.join(args.work_dir, "mouse.txt")
    script = os.path.join(args.work_dir, "mouse.script")
    grab = "key-down Left Ctrl\nkey-down Left Alt\nkey G\nkey-up Left Alt\nkey-up Left Ctrl\n"
    untouched = "mouse-move 5 5\nmouse-button 1 down\nmouse-button 1 up\nmouse-wheel 1\n"
    with open(script, "w") as out:
        out.write("at 1000000\n" + untouched + grab +
                  "mouse-move 10 -3\nmouse-move -20 7\nmouse-move 300 -400\nmouse-button 1 down\n"
                  "mouse-button 3 down\nmouse-button 1 up\nmouse-button 2 down\nmouse-button 3 up\n"
                  "mouse-button 2 up\nmouse-wheel 1\n" + grab + untouched + "sleep 20\nquit\n")
    done = run([args.binary, "--bios", args.rom, "--max-speed", "--debugcon-file", log, "--script", script], 60)
    if done.returncode != 0:
        fail(f"x86emu-sdl exited {done.returncode}")
    got = open(log).read().split()
    hotkey = ["k1D", "k38", "kB8", "k9D"]  # Ctrl, Alt and their breaks (set 1); G stays the host's
    packets = [
        ["m08", "m0A", "m03"],  # +10 right, SDL's -3 (up) is PS/2's +3
        ["m38", "mEC", "mF9"],  # -20, SDL's +7 (down) is -7: both sign bits
        ["mC8", "mFF", "mFF"],  # +300, +400: both overflow bits, counts clamped
        ["m09", "m00", "m00"],  # left
        ["m0B", "m00", "m00"],  # left + right
        ["m0A", "m00", "m00"],  # right
        ["m0E", "m00", "m00"],  # right + middle
        ["m0C", "m00", "m00"],  # middle
        ["m08", "m00", "m00"],  # none
        ["m08", "m00", "m00"],  # the wheel: a standard mouse (ID 0) sends a 3-byte packet without it
    ]
    want = ["mFA"] + hotkey + [byte for packet in packets for byte in packet] + hotkey
    if got != want:
        fail(f"the guest read\n  {' '.join(got)}\nexpected\n  {' '.join(want)}")
    print(f"mouse: {len(packets)} packets as expected, none before the grab or after its release")


def resize(args):
    os.makedirs(args.work_dir, exist_ok=True)
    script = os.path.join(args.work_dir, "resize.script")
    cases = [(800, 300, (200, 0, 400, 300)), (400, 600, (0, 150, 400, 300))]
    shots = [os.path.join(args.work_dir, f"window_{w}x{h}.png") for w, h, _ in cases]
    for path in shots:
        if os.path.exists(path):
            os.remove(path)
    with open(script, "w") as out:
        out.write("# the mode 13h picture is up from about 5 M cycles until the ROM's delay loop ends\nat 6000000\n")
        for (w, h, _), path in zip(cases, shots):
            out.write(f"window-size {w} {h}\nwindow-shot {path}\n")
        out.write("quit\n")
    done = run([args.binary, "--bios", args.rom, "--model", "p6", "--max-speed", "--script", script], 60)
    if done.returncode != 0:
        fail(f"x86emu-sdl exited {done.returncode}")
    for (w, h, (left, top, pw, ph)), path in zip(cases, shots):
        got_w, got_h, rows = read_png(path)
        if (got_w, got_h) != (w, h):
            fail(f"{path}: the window is {got_w}x{got_h}, not the {w}x{h} asked for")
        wrong = 0
        for y in range(h):
            for x in range(w):
                inside = left <= x < left + pw and top <= y < top + ph
                if any(rows[y][3 * x:3 * x + 3]) != inside:
                    if wrong < 5:
                        print(f"{path}: pixel ({x}, {y}) is {tuple(rows[y][3 * x:3 * x + 3])}, expected "
                              f"{'the picture' if inside else 'black'}")
                    wrong += 1
        if wrong:
            fail(f"{path}: {wrong} pixels off the {pw}x{ph} picture at ({left}, {top})")
        print(f"{path}: {w}x{h} window, picture {pw}x{ph} at ({left}, {top}), letterbox black")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--rom")
    parser.add_argument("--fetch-script")
    parser.add_argument("case", choices=["graphics", "planar", "text", "linux", "serial", "report", "hotkeys",
                                         "typematic", "mouse", "resize"])
    args = parser.parse_args()
    {"graphics": graphics, "planar": planar, "text": text, "linux": linux, "serial": serial, "report": report,
     "hotkeys": hotkeys, "typematic": typematic, "mouse": mouse, "resize": resize}[args.case](args)


if __name__ == "__main__":
    main()
