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
Screenshots stay in --work-dir (under build/) as artifacts.

Usage: check_sdl.py --binary PATH --work-dir DIR [--rom PATH] [--fetch-script PATH] graphics|planar|text|linux
Standard library only; the caller runs it under xvfb-run.
"""
import argparse
import json
import os
import struct
import subprocess
import sys
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


def linux(args):
    os.makedirs(args.work_dir, exist_ok=True)
    listing = run([args.fetch_script], 900)
    if listing.returncode != 0:
        fail("the guest could not be fetched")
    paths = dict(line.split(": ", 1) for line in listing.stdout.splitlines() if line.startswith(("kernel: ", "initrd: ")))
    shot = os.path.join(args.work_dir, "linux_shell.png")
    text = os.path.join(args.work_dir, "linux_shell.txt")
    script = os.path.join(args.work_dir, "linux.script")
    stats = os.path.join(args.work_dir, "linux_stats.json")
    for path in (shot, text):
        if os.path.exists(path):
            os.remove(path)
    with open(script, "w") as out:
        out.write("wait-text initramfs ready\nsleep 300\nmark shell\n"
                  "type echo $((6*7))x\\n\nwait-text 42x\nmark answered\n"
                  f"screenshot {shot}\ndump-text {text}\nquit\n")
    # --max-speed: the boot's idle waits cost no host time, which keeps the test short (run.sh paces).
    done = run([args.binary, "--max-speed", "--kernel", paths["kernel"], "--initrd", paths["initrd"],
                "--append", "console=ttyS0,115200 console=tty0 cryptomgr.notests",
                "--serial", "file:" + os.path.join(args.work_dir, "linux_serial.txt"),
                "--max-seconds", "240", "--script", script, "--stats", stats], 300)
    if done.returncode != 0:
        fail(f"x86emu-sdl exited {done.returncode}")
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
    result = json.load(open(stats))
    print(f"frames {result['frames']}, fps {result['fps']:.1f}, realtime {result['realtime_percent']:.0f}%, "
          f"latency (emulated us) {result['latency_emulated_us']}, (host ms) {result['latency_host_ms']}, "
          f"marks {result['marks']}")
    if not result["latency_emulated_us"]:
        fail("no key reached the guest's port 60h read (no latency measured)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--rom")
    parser.add_argument("--fetch-script")
    parser.add_argument("case", choices=["graphics", "planar", "text", "linux"])
    args = parser.parse_args()
    {"graphics": graphics, "planar": planar, "text": text, "linux": linux}[args.case](args)


if __name__ == "__main__":
    main()
