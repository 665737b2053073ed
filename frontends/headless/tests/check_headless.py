#!/usr/bin/env python3
"""x86emu-headless tests — runs the runner on the test ROMs and checks its exit code, stderr,
debug console output and JSON report against the contract in docs/HEADLESS.md.

Usage: check_headless.py --binary PATH --rom-dir DIR --work-dir DIR CASE
CASE is one of the names in CASES (CTest registers one test per case); "list" prints them.
Standard library only.
"""
import argparse
import json
import os
import signal
import struct
import subprocess
import sys
import time

# What the test ROM writes to the debug console (see test_rom.asm): the greeting with its
# non-ASCII bytes, then "OK" (the K is the high byte of a word OUT to port 0xE8), then a newline.
GREETING = b"hello from the headless test ROM\n\x01\xc3\xa9\x7f\nOK\n"


class CheckFailed(Exception):
    pass


def expect(condition, what):
    if not condition:
        raise CheckFailed(what)


class Runner:
    def __init__(self, binary, rom_dir, work_dir, case):
        self.binary = binary
        self.rom_dir = rom_dir
        self.work_dir = os.path.join(work_dir, case)
        os.makedirs(self.work_dir, exist_ok=True)

    def rom(self, name):
        return os.path.join(self.rom_dir, name)

    def path(self, name):
        full = os.path.join(self.work_dir, name)
        if os.path.exists(full):
            os.remove(full)  # never read a stale file left by an earlier run
        return full

    def run(self, *args, timeout=60):
        command = [self.binary, *args]
        print("$", " ".join(command))
        started = time.monotonic()
        done = subprocess.run(command, capture_output=True, timeout=timeout)
        self.elapsed = time.monotonic() - started
        self.stdout = done.stdout
        self.stderr = done.stderr.decode("utf-8", "replace")
        print("exit code:", done.returncode)
        print("stderr:", self.stderr.rstrip())
        return done.returncode

    def expect_exit(self, expected, *args, **kwargs):
        code = self.run(*args, **kwargs)
        expect(code == expected, f"exit code {code}, expected {expected}")

    def expect_stderr(self, text):
        expect(text in self.stderr, f"stderr lacks {text!r}")

    def report(self, path):
        expect(os.path.exists(path), f"no report written at {path}")
        with open(path, encoding="utf-8") as file:
            return json.load(file)


def check_registers(report, model):
    registers = report["registers"]
    expect(isinstance(registers, dict), "report has no registers")
    for name in ("eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eip", "eflags",
                 "cr0", "cr2", "cr3", "cr4"):
        expect(isinstance(registers.get(name), int), f"register {name} missing or not a number")
    for segment in ("es", "cs", "ss", "ds", "fs", "gs"):
        fields = registers.get(segment)
        expect(isinstance(fields, dict), f"segment {segment} missing")
        for field in ("selector", "base", "limit", "attributes"):
            expect(isinstance(fields.get(field), int), f"{segment}.{field} missing or not a number")
    # The ROM far-jumps to F000:start, so CS is the low BIOS copy whatever the reset base was.
    expect(registers["cs"]["selector"] == 0xF000, "CS is not F000")
    expect(registers["cs"]["base"] == 0xF0000, "CS base is not 0xF0000")
    expect(registers["esp"] == 0x7C00, "SP is not the ROM's 0x7C00")
    expect(report["model"] == model, f"model {report['model']!r}, expected {model!r}")
    expect(report["cycles"] > 0 and report["instructions"] > 0, "no cycles or instructions counted")


# ---- synthetic Linux kernels (the boot protocol's setup header, docs/LINUX_BOOT.md) ------------

# 32-bit code the loader's entry state makes work: ESI points at boot_params, DS is flat; it
# copies the command line (cmd_line_ptr at boot_params + 0x228) to the debug console port, then
# the initrd's size (ramdisk_size, + 0x21C) as four raw bytes, and halts.
KERNEL_CODE = bytes([
    0x8B, 0x8E, 0x1C, 0x02, 0x00, 0x00,  # mov ecx, [esi + 0x21C]   (ramdisk_size)
    0x8B, 0xB6, 0x28, 0x02, 0x00, 0x00,  # mov esi, [esi + 0x228]   (cmd_line_ptr)
    0xAC,                                # next: lodsb
    0x84, 0xC0,                          # test al, al
    0x74, 0x04,                          # jz done
    0xE6, 0xE9,                          # out 0xE9, al
    0xEB, 0xF7,                          # jmp next
    0x89, 0xC8,                          # done: mov eax, ecx
    0xB1, 0x04,                          # mov cl, 4
    0xE6, 0xE9,                          # size: out 0xE9, al
    0xC1, 0xE8, 0x08,                    # shr eax, 8
    0xFE, 0xC9,                          # dec cl
    0x75, 0xF7,                          # jnz size
    0xF4,                                # hlt
])


def synthetic_kernel(pref_address=0x400000, init_size=0x300000, cmdline_size=2047, magic=b"HdrS"):
    setup = bytearray(5 * 512)  # boot sector + 4 setup sectors
    body = KERNEL_CODE + b"\x90" * (8192 - len(KERNEL_CODE))
    struct.pack_into("<B", setup, 0x1F1, 4)
    struct.pack_into("<I", setup, 0x1F4, len(body) // 16)
    struct.pack_into("<H", setup, 0x1FE, 0xAA55)
    struct.pack_into("<BB", setup, 0x200, 0xEB, 0x26C - 0x202)
    setup[0x202:0x206] = magic
    struct.pack_into("<H", setup, 0x206, 0x020F)
    struct.pack_into("<B", setup, 0x211, 0x01)  # LOADED_HIGH
    struct.pack_into("<I", setup, 0x214, 0x100000)
    struct.pack_into("<I", setup, 0x22C, 0x7FFFFFFF)
    struct.pack_into("<IB", setup, 0x230, 0x200000, 1)  # kernel_alignment, relocatable
    struct.pack_into("<I", setup, 0x238, cmdline_size)
    struct.pack_into("<QI", setup, 0x258, pref_address, init_size)
    return bytes(setup) + body


def write_file(r, name, contents):
    path = r.path(name)
    with open(path, "wb") as file:
        file.write(contents)
    return path


def case_kernel_boot(r):
    kernel = write_file(r, "kernel.bin", synthetic_kernel())
    initrd = write_file(r, "initrd.img", b"\x5A" * 70000)
    report_path = r.path("report.json")
    r.expect_exit(0, "--kernel", kernel, "--initrd", initrd, "--append", "console=ttyS0 quiet",
                  "--report", report_path)
    expect(r.stdout == b"console=ttyS0 quiet" + struct.pack("<I", 70000), f"debug console was {r.stdout!r}")
    r.expect_stderr("halted")
    report = r.report(report_path)
    expect(report["model"] == "p6", f"--kernel did not imply p6: {report['model']!r}")
    expect(report["memory_mib"] == 128, f"--kernel did not imply 128 MiB: {report['memory_mib']}")
    expect(report["kernel"] == kernel and report["initrd"] == initrd, "kernel/initrd paths not reported")
    expect(report["append"] == "console=ttyS0 quiet", f"append {report['append']!r}")
    expect(report["bios"] == "", "a BIOS path reported although none was given")
    expect(report["linux_entry"] == 0x400000, f"linux_entry {report['linux_entry']}")
    expect(report["linux_protocol"] == 0x020F, f"linux_protocol {report['linux_protocol']}")
    registers = report["registers"]
    expect(registers["cs"]["selector"] == 0x10 and registers["ds"]["selector"] == 0x18, "not the boot segments")
    expect(registers["cr0"] & 1 == 1 and registers["cr0"] & 0x80000000 == 0, f"cr0 {registers['cr0']:#x}")


def case_kernel_qemu_spellings(r):
    kernel = write_file(r, "kernel.bin", synthetic_kernel())
    initrd = write_file(r, "initrd.img", b"\x01" * 3)
    report_path = r.path("report.json")
    r.expect_exit(0, "-kernel", kernel, "-initrd", initrd, "-append", "root=/dev/ram0", "-m", "64M",
                  "-nographic", "-no-reboot", "-serial", "stdio", "--report", report_path)
    expect(r.stdout == b"root=/dev/ram0" + struct.pack("<I", 3), f"debug console was {r.stdout!r}")
    report = r.report(report_path)
    expect(report["memory_mib"] == 64, f"-m 64M gave {report['memory_mib']} MiB")
    expect(report["no_reboot"] is True, "-no-reboot not recorded")
    # No initrd and an empty command line: the size is 0 and nothing precedes it.
    r.expect_exit(0, "-kernel", kernel, "-m", "1G", "--model", "486", "--report", report_path)
    expect(r.stdout == struct.pack("<I", 0), f"debug console was {r.stdout!r}")
    report = r.report(report_path)
    expect(report["memory_mib"] == 1024 and report["model"] == "486", "-m 1G / --model 486 not applied")
    expect(report["no_reboot"] is False, "no_reboot recorded although not given")
    # --memory takes the same suffixes, and hex as before.
    for text, mib in (("32m", 32), ("0x20", 32), ("2g", 2048)):
        r.expect_exit(0, "--kernel", kernel, "--memory", text, "--report", report_path)
        expect(r.report(report_path)["memory_mib"] == mib, f"--memory {text}")


def kernel_error(*args, stderr_text, kernel=None, initrd=None):
    """A kernel run that must fail with exit 2: KERNEL and INITRD in args are replaced by files
    written from `kernel` (default: a valid synthetic one) and `initrd` bytes."""
    def case(r):
        paths = {"KERNEL": write_file(r, "kernel.bin", synthetic_kernel() if kernel is None else kernel)}
        if initrd is not None:
            paths["INITRD"] = write_file(r, "initrd.img", initrd)
        report_path = r.path("report.json")
        r.expect_exit(2, *[paths.get(a, a) for a in args], "--report", report_path)
        r.expect_stderr(stderr_text)
        report = r.report(report_path)
        expect(report["exit_code"] == 2 and stderr_text in report["message"], "report lacks the error")
    return case


def case_kernel_output_is_input(r):
    kernel = write_file(r, "kernel.bin", synthetic_kernel())
    initrd = write_file(r, "initrd.img", b"x")
    for option, target, name in (("--report", kernel, "--kernel"), ("--debugcon-file", initrd, "--initrd")):
        r.expect_exit(2, "--kernel", kernel, "--initrd", initrd, option, target)
        r.expect_stderr(f"is the {name} file")
    with open(kernel, "rb") as file:
        expect(file.read() == synthetic_kernel(), "the kernel file changed")


# ---- the cases ------------------------------------------------------------------------------

def case_serial_file_is_bios(r):
    rom = r.rom("halt.rom")
    r.expect_exit(2, "--bios", rom, "--serial", "file:" + rom)
    r.expect_stderr("is the --bios file")


def case_serial_and_rtc_options(r):
    """The serial and RTC options parse and run; a file: console is created (and left empty by a
    guest that never touches the UART), none and an explicit epoch change nothing visible."""
    serial_path = r.path("com1.txt")
    r.expect_exit(0, "--bios", r.rom("halt.rom"), "--serial", "file:" + serial_path, "--serial2", "none",
                  "--rtc-epoch", "1700000000")
    expect(os.path.exists(serial_path), "--serial file: did not create the file")
    r.expect_exit(0, "--bios", r.rom("halt.rom"), "-serial", "none", "--rtc-host-time")
    r.expect_exit(0, "--bios", r.rom("halt.rom"), "--serial", "stdio", "--rtc-epoch=-86400")
    expect(r.stdout == GREETING, f"stdout with --serial stdio was {r.stdout!r}")


def case_serial_stdio_tty_restored(r):
    """--serial stdio on a terminal: raw mode (no echo, no canonical input) while running, the
    settings restored when SIGINT ends the run (exit 6)."""
    import pty, signal, termios
    pid, master = pty.fork()
    if pid == 0:  # the child: the runner on the pty's slave side
        os.execv(r.binary, [r.binary, "--bios", r.rom("loop.rom"), "--serial", "stdio", "--max-seconds", "30"])
    try:
        before = None
        deadline = time.monotonic() + 20
        raw_seen = False
        while time.monotonic() < deadline:
            lflag = termios.tcgetattr(master)[3]
            if not lflag & termios.ECHO and not lflag & termios.ICANON:
                raw_seen = True
                break
            time.sleep(0.05)
        expect(raw_seen, "the terminal never went to raw mode")
        os.kill(pid, signal.SIGINT)
        _, status = os.waitpid(pid, 0)
        expect(os.WIFEXITED(status) and os.WEXITSTATUS(status) == 6, f"wait status {status:#x}, expected exit 6")
        lflag = termios.tcgetattr(master)[3]
        expect(lflag & termios.ECHO and lflag & termios.ICANON, "the terminal settings were not restored")
    finally:
        try:
            os.close(master)
        except OSError:
            pass


def case_help(r):
    r.expect_exit(0, "--help")
    text = r.stdout.decode()
    for needle in ("--bios", "--until-post", "--max-cycles", "Exit codes", "triple fault", "--kernel", "--initrd",
                   "--append", "-kernel", "-serial", "--serial2", "file:PATH", "--rtc-epoch", "--rtc-host-time"):
        expect(needle in text, f"--help lacks {needle!r}")


def halt_on(model):
    def case(r):
        r.expect_exit(0, "--bios", r.rom("halt.rom"), "--model", model)
        expect(r.stdout == GREETING, f"debug console on stdout was {r.stdout!r}")
        r.expect_stderr("halted")
    return case


def case_fpu_report(r):
    for extra, model, wanted in ((["--fpu", "yes"], "386", True), ([], "386", False), ([], "p6", True),
                                 (["--fpu", "no"], "486", False)):
        report_path = r.path("report.json")
        r.expect_exit(0, "--bios", r.rom("halt.rom"), "--model", model, *extra, "--report", report_path)
        report = r.report(report_path)
        expect(report["fpu"] is wanted, f"--model {model} {extra}: report fpu {report['fpu']!r}, expected {wanted}")


def case_clock_report(r):
    # The same run at two clock rates: identical cycles, emulated time in proportion.
    seen = {}
    for mhz, wanted_mhz in (("4.77", 4.77), (None, 33.0)):
        report_path = r.path("report.json")
        extra = ["--mhz", mhz] if mhz else []
        r.expect_exit(0, "--bios", r.rom("halt.rom"), "--model", "386", *extra, "--report", report_path)
        report = r.report(report_path)
        expect(abs(report["clock_mhz"] - wanted_mhz) < 1e-9, f"clock_mhz {report['clock_mhz']}, expected {wanted_mhz}")
        expected_seconds = report["cycles"] / (wanted_mhz * 1e6)
        expect(abs(report["emulated_seconds"] - expected_seconds) <= 1e-9 + 1e-6 * expected_seconds,
               f"emulated_seconds {report['emulated_seconds']}, expected {expected_seconds}")
        seen[wanted_mhz] = report["cycles"]
    expect(seen[4.77] == seen[33.0], f"cycle counts differ with the clock rate: {seen}")


def case_pc_until_post(r):
    # --pc: the PC platform owns port 80h; its writes still reach the report and --until-post.
    report_path = r.path("report.json")
    r.expect_exit(0, "--bios", r.rom("halt.rom"), "--pc", "--until-post", "0x22", "--report", report_path)
    report = r.report(report_path)
    expect(report["stop_reason"] == "post_code_reached", f"stop_reason {report['stop_reason']!r}")
    expect(report["post_codes"] == [0x11, 0x22], f"post_codes {report['post_codes']}")


def case_realtime_pacing(r):
    # --realtime: loop.rom spins for 9.9 M cycles, 0.3 s of a 33 MHz 386; paced, the run cannot end
    # before 0.3 s of host time have passed (a lower bound only: no speed is asserted). The cycle
    # count is the same as without pacing, and --deterministic with --realtime is refused.
    cycles = 9_900_000
    results = {}
    for flag in ("--realtime", "--deterministic"):
        report_path = r.path("report.json")
        r.expect_exit(4, "--bios", r.rom("loop.rom"), "--model", "386", flag, "--max-cycles", str(cycles),
                      "--report", report_path)
        results[flag] = r.report(report_path)
    paced = results["--realtime"]
    expect(paced["realtime"] is True, "report's realtime is not true with --realtime")
    expect(paced["emulated_seconds"] >= 0.29, f"emulated_seconds {paced['emulated_seconds']}")
    expect(paced["wall_seconds"] >= paced["emulated_seconds"] - 0.01,
           f"--realtime ran {paced['emulated_seconds']} s of guest time in {paced['wall_seconds']} s")
    expect(paced["cycles"] == results["--deterministic"]["cycles"], "pacing changed the cycle count")
    expect("mips" in paced, "the report has no mips field")
    r.expect_exit(2, "--bios", r.rom("loop.rom"), "--realtime", "--deterministic")
    r.expect_stderr("--realtime and --deterministic exclude each other")


def case_pc_no_reboot(r):
    # -no-reboot ends the run at a guest reset; a synthetic ROM: out 0CF9h, 06h (hard reset).
    rom = bytearray([0xF4] * 4096)
    rom[0xFF0:0xFF7] = bytes([0xB0, 0x06, 0xBA, 0xF9, 0x0C, 0xEE, 0xF4])  # mov al,6; mov dx,0CF9h; out dx,al; hlt
    rom_path = r.path("reset.rom")
    with open(rom_path, "wb") as file:
        file.write(rom)
    report_path = r.path("report.json")
    r.expect_exit(0, "--bios", rom_path, "--pc", "-no-reboot", "--max-cycles", "1000000", "--report", report_path)
    report = r.report(report_path)
    expect(report["stop_reason"] == "guest_reset", f"stop_reason {report['stop_reason']!r}")
    # Without -no-reboot the reset restarts the ROM, which resets again: the cycle limit ends it.
    r.expect_exit(4, "--bios", rom_path, "--pc", "--max-cycles", "1000000")


def case_until_post_met(r):
    report_path, console_path = r.path("report.json"), r.path("console.bin")
    r.expect_exit(0, "--bios", r.rom("halt.rom"), "--until-post", "0x22", "--report", report_path,
                  "--debugcon-file", console_path)
    expect(r.stdout == b"", "stdout is not empty although the console went to a file")
    with open(console_path, "rb") as file:
        console = file.read()
    expect(console == GREETING, f"debug console file holds {console!r}")
    report = r.report(report_path)
    expect(report["stop_reason"] == "post_code_reached", f"stop_reason {report['stop_reason']!r}")
    expect(report["exit_code"] == 0, "report exit_code is not 0")
    # Stopped right after the OUT of 0x22: the 0x55 that follows is never written.
    expect(report["post_codes"] == [0x11, 0x22], f"post_codes {report['post_codes']}")
    expect(report["last_post"] == 0x22, f"last_post {report['last_post']}")
    expect(report["until_post"] == 0x22, "until_post not recorded")
    expect(report["registers"]["eax"] & 0xFF == 0x22, "AL does not hold the code just written")
    check_registers(report, "386")


def case_until_post_decimal(r):
    report_path = r.path("report.json")
    r.expect_exit(0, "--bios", r.rom("halt.rom"), "--model", "286", "--until-post", "85",
                  "--report", report_path)
    report = r.report(report_path)
    expect(report["post_codes"] == [0x11, 0x22, 0x55], f"post_codes {report['post_codes']}")
    check_registers(report, "286")


def case_halt_before_post(r):
    report_path = r.path("report.json")
    r.expect_exit(1, "--bios", r.rom("halt.rom"), "--until-post", "0x99", "--report", report_path)
    r.expect_stderr("before POST code 0x99")
    report = r.report(report_path)
    expect(report["stop_reason"] == "halted", f"stop_reason {report['stop_reason']!r}")
    expect(report["exit_code"] == 1, "report exit_code is not 1")
    expect(report["post_codes"] == [0x11, 0x22, 0x55], f"post_codes {report['post_codes']}")
    expect(report["last_post"] == 0x55, f"last_post {report['last_post']}")
    check_registers(report, "386")


def case_post_port(r):
    report_path = r.path("report.json")
    r.expect_exit(0, "--bios", r.rom("halt.rom"), "--post-port", "0x190", "--report", report_path)
    report = r.report(report_path)
    expect(report["post_codes"] == [0x42], f"post_codes {report['post_codes']}")


def case_no_post(r):
    report_path = r.path("report.json")
    r.expect_exit(0, "--bios", r.rom("halt.rom"), "--post-port", "0x1234", "--report", report_path)
    report = r.report(report_path)
    expect(report["post_codes"] == [] and report["last_post"] is None, "POST codes recorded on an unused port")


def case_max_cycles(r):
    report_path = r.path("report.json")
    r.expect_exit(4, "--bios", r.rom("loop.rom"), "--max-cycles", "250000", "--until-post", "0x55",
                  "--report", report_path)
    r.expect_stderr("--max-cycles 250000")
    report = r.report(report_path)
    expect(report["stop_reason"] == "max_cycles", f"stop_reason {report['stop_reason']!r}")
    expect(report["exit_code"] == 4, "report exit_code is not 4")
    # An instruction is never split, so the count may pass the limit by one instruction only.
    expect(250000 <= report["cycles"] < 250100, f"cycles {report['cycles']}")
    expect(report["post_codes"] == [0x11, 0x22, 0x33], f"post_codes {report['post_codes']}")
    check_registers(report, "386")


def case_max_seconds(r):
    report_path = r.path("report.json")
    r.expect_exit(5, "--bios", r.rom("loop.rom"), "--max-seconds", "0.5", "--report", report_path)
    r.expect_stderr("--max-seconds")
    expect(r.elapsed >= 0.5, f"stopped after {r.elapsed:.2f} s, before the limit")
    expect(r.elapsed < 20, f"stopped only after {r.elapsed:.2f} s")
    report = r.report(report_path)
    expect(report["stop_reason"] == "max_seconds", f"stop_reason {report['stop_reason']!r}")
    expect(report["wall_seconds"] >= 0.5, f"wall_seconds {report['wall_seconds']}")


def case_progress(r):
    r.expect_exit(5, "--bios", r.rom("loop.rom"), "--max-seconds", "1", "--progress", "0.2")
    lines = [line for line in r.stderr.splitlines() if ": progress: " in line]
    expect(len(lines) >= 2, f"{len(lines)} progress lines in 1 s at one per 0.2 s")
    expect(" instructions, " in lines[0] and "EIP 0x" in lines[0] and "paging off" in lines[0], f"line {lines[0]!r}")


def case_interrupted(r):
    """SIGTERM mid-run: exit 6, the report says so, and no debug console byte is lost."""
    report_path, console_path = r.path("report.json"), r.path("console.bin")
    command = [r.binary, "--bios", r.rom("loop.rom"), "--debugcon-file", console_path, "--report", report_path]
    print("$", " ".join(command))
    process = subprocess.Popen(command, stderr=subprocess.PIPE)
    try:
        # The greeting ends in a newline, at which the runner flushes: once it is in the file the
        # guest is in its endless loop.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if os.path.exists(console_path) and os.path.getsize(console_path) >= len(GREETING):
                break
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    print("exit code:", process.returncode)
    expect(process.returncode == 6, f"exit code {process.returncode}, expected 6")
    expect(b"interrupted by signal" in stderr, "stderr lacks the interruption message")
    with open(console_path, "rb") as file:
        expect(file.read() == GREETING, "debug console output lost or altered")
    report = r.report(report_path)
    expect(report["stop_reason"] == "interrupted" and report["exit_code"] == 6, "report does not record the signal")
    expect(report["post_codes"] == [0x11, 0x22, 0x33], f"post_codes {report['post_codes']}")


def triple_fault_on(model):
    def case(r):
        report_path = r.path("report.json")
        r.expect_exit(3, "--bios", r.rom("triple.rom"), "--model", model, "--report", report_path)
        r.expect_stderr("triple fault (shutdown)")
        report = r.report(report_path)
        expect(report["stop_reason"] == "shutdown", f"stop_reason {report['stop_reason']!r}")
        expect(report["exit_code"] == 3, "report exit_code is not 3")
        expect(report["post_codes"] == [0x11, 0x22, 0x33], f"post_codes {report['post_codes']}")
        check_registers(report, model)
    return case


def usage_error(*args, stderr_text):
    def case(r):
        r.expect_exit(2, *[r.rom(a[len("ROM:"):]) if a.startswith("ROM:") else a for a in args])
        r.expect_stderr(stderr_text)
    return case


def bad_bios_file(contents, stderr_text):
    def case(r):
        bios = r.path("bios.bin")
        with open(bios, "wb") as file:
            file.write(contents)
        report_path = r.path("report.json")
        r.expect_exit(2, "--bios", bios, "--report", report_path)
        r.expect_stderr(stderr_text)
        report = r.report(report_path)
        expect(report["stop_reason"] == "error" and report["exit_code"] == 2, "report does not record the error")
        expect(report["registers"] is None, "registers reported although no machine was built")
    return case


def case_missing_bios_report(r):
    report_path = r.path("report.json")
    r.expect_exit(2, "--bios", r.path("does-not-exist.rom"), "--report", report_path)
    r.expect_stderr("does not exist")
    report = r.report(report_path)
    expect(report["stop_reason"] == "error", "report does not record the error")
    expect("does not exist" in report["message"], "report message lacks the reason")


def case_bad_model_report(r):
    report_path = r.path("report.json")
    r.expect_exit(2, "--bios", r.rom("halt.rom"), "--model", "68000", "--report", report_path)
    report = r.report(report_path)
    expect(report["exit_code"] == 2 and "unknown CPU model" in report["message"], "report lacks the error")


def case_output_is_bios(r):
    """--report or --debugcon-file naming the --bios file, by any path, is refused before any
    output is opened: the ROM stays intact (it used to be truncated before it was read)."""
    with open(r.rom("halt.rom"), "rb") as file:
        rom = file.read()
    bios = r.path("bios.bin")
    hard_link = r.path("hard-link.bin")
    symbolic_link = os.path.join(r.work_dir, "symbolic-link.bin")
    if os.path.lexists(symbolic_link):  # r.path() would miss a link left dangling by the last run
        os.remove(symbolic_link)
    with open(bios, "wb") as file:
        file.write(rom)
    os.link(bios, hard_link)
    os.symlink(bios, symbolic_link)
    other_spelling = os.path.join(r.work_dir, "..", os.path.basename(r.work_dir), "bios.bin")
    for option in ("--report", "--debugcon-file"):
        for output in (bios, other_spelling, hard_link, symbolic_link):
            r.expect_exit(2, "--bios", bios, option, output)
            r.expect_stderr(f"{option} '{output}' is the --bios file")
            with open(bios, "rb") as file:
                expect(file.read() == rom, f"{option} {output} changed the BIOS file")
    # The ROM given through the link and the output as the plain name: refused the same way.
    r.expect_exit(2, "--bios", hard_link, "--report", bios)
    r.expect_stderr("is the --bios file")
    # Both outputs in one file would overwrite each other.
    shared = r.path("shared.out")
    r.expect_exit(2, "--bios", bios, "--report", shared, "--debugcon-file", shared)
    r.expect_stderr("--report and --debugcon-file name the same file")
    expect(not os.path.exists(shared), "an output was created although the command line was refused")
    with open(bios, "rb") as file:
        expect(file.read() == rom, "the BIOS file changed")
    # The debug console file is the BIOS but the report is elsewhere: the report records the error.
    report_path = r.path("report.json")
    r.expect_exit(2, "--bios", bios, "--debugcon-file", hard_link, "--report", report_path)
    report = r.report(report_path)
    expect(report["exit_code"] == 2 and "is the --bios file" in report["message"], "report lacks the error")
    # A distinct output still works.
    report_path = r.path("report.json")
    r.expect_exit(0, "--bios", bios, "--report", report_path)
    expect(r.report(report_path)["stop_reason"] == "halted", "the ordinary run did not halt")


CASES = {
    "output_is_bios": case_output_is_bios,
    "help": case_help,
    "halt_8086": halt_on("8086"),
    "halt_286": halt_on("286"),
    "halt_386": halt_on("386"),
    "fpu_report": case_fpu_report,
    "clock_report": case_clock_report,
    "until_post_met": case_until_post_met,
    "until_post_decimal": case_until_post_decimal,
    "pc_until_post": case_pc_until_post,
    "pc_no_reboot": case_pc_no_reboot,
    "realtime_pacing": case_realtime_pacing,
    "pc_port_taken": usage_error("--bios", "ROM:halt.rom", "--pc", "--debugcon", "0x61", stderr_text="--post-port/--debugcon"),
    "halt_before_post": case_halt_before_post,
    "post_port": case_post_port,
    "no_post": case_no_post,
    "max_cycles": case_max_cycles,
    "max_seconds": case_max_seconds,
    "interrupted": case_interrupted,
    "progress": case_progress,
    "bad_progress": usage_error("--bios", "ROM:halt.rom", "--progress", "0", stderr_text="--progress: '0' is not a positive"),
    "triple_fault_286": triple_fault_on("286"),
    "triple_fault_386": triple_fault_on("386"),
    "bad_flag": usage_error("--bios", "ROM:halt.rom", "--frobnicate", stderr_text="frobnicate"),
    "no_bios": usage_error("--model", "386", stderr_text="--bios FILE (or --kernel bzImage, or --pc or a disk for the built-in BIOS) is required"),
    "builtin_bios_8086": usage_error("--pc", "--model", "8086", stderr_text="the built-in BIOS needs a 386 or later"),
    "stray_argument": usage_error("--bios", "ROM:halt.rom", "extra", stderr_text="extra"),
    "unwritable_report": usage_error("--bios", "ROM:halt.rom", "--report", "/nonexistent-dir/r.json",
                                     stderr_text="cannot open report file"),
    "bad_model": usage_error("--bios", "ROM:halt.rom", "--model", "68000", stderr_text="unknown CPU model '68000'"),
    "bad_mhz": usage_error("--bios", "ROM:halt.rom", "--mhz", "fast", stderr_text="--mhz"),
    "mhz_too_big": usage_error("--bios", "ROM:halt.rom", "--mhz", "20000", stderr_text="outside"),
    "bad_fpu": usage_error("--bios", "ROM:halt.rom", "--fpu", "maybe", stderr_text="expected yes or no"),
    "fpu_8086": usage_error("--bios", "ROM:halt.rom", "--model", "8086", "--fpu", "yes", stderr_text="no FPU"),
    "bad_number": usage_error("--bios", "ROM:halt.rom", "--post-port", "0x1G", stderr_text="not a number"),
    "port_too_big": usage_error("--bios", "ROM:halt.rom", "--debugcon", "70000", stderr_text="too large"),
    "post_code_too_big": usage_error("--bios", "ROM:halt.rom", "--until-post", "0x100", stderr_text="too large"),
    "negative_cycles": usage_error("--bios", "ROM:halt.rom", "--max-cycles", "-5", stderr_text="not a number"),
    "bad_seconds": usage_error("--bios", "ROM:halt.rom", "--max-seconds", "soon", stderr_text="--max-seconds"),
    "same_ports": usage_error("--bios", "ROM:halt.rom", "--post-port", "0xE9", stderr_text="different ports"),
    "memory_8086": usage_error("--bios", "ROM:halt.rom", "--model", "8086", "--memory", "16",
                               stderr_text="8086's address space of 1 MiB"),
    "memory_zero": usage_error("--bios", "ROM:halt.rom", "--memory", "0", stderr_text="at least 1 MiB"),
    "bios_directory": usage_error("--bios", "/", stderr_text="is a directory"),
    "missing_bios_report": case_missing_bios_report,
    "bad_model_report": case_bad_model_report,
    "kernel_boot": case_kernel_boot,
    "kernel_qemu_spellings": case_kernel_qemu_spellings,
    "kernel_output_is_input": case_kernel_output_is_input,
    "kernel_missing": usage_error("--kernel", "/nonexistent/bzImage", stderr_text="--kernel: '/nonexistent/bzImage' does not exist"),
    "kernel_directory": usage_error("-kernel", "/", stderr_text="is a directory"),
    "kernel_empty": kernel_error("--kernel", "KERNEL", kernel=b"", stderr_text="is empty"),
    "kernel_truncated": kernel_error("--kernel", "KERNEL", kernel=synthetic_kernel()[:0x300], stderr_text="truncated"),
    "kernel_bad_magic": kernel_error("--kernel", "KERNEL", kernel=synthetic_kernel(magic=b"HdrX"),
                                     stderr_text="bad magic"),
    "kernel_too_big": kernel_error("--kernel", "KERNEL", "-m", "4", stderr_text="larger than RAM"),
    "initrd_missing": usage_error("--kernel", "ROM:halt.rom", "--initrd", "/nonexistent/initrd",
                                  stderr_text="--initrd: '/nonexistent/initrd' does not exist"),
    "initrd_too_big": kernel_error("--kernel", "KERNEL", "--initrd", "INITRD", "-m", "8", initrd=b"\0" * (2 << 20),
                                   stderr_text="initrd too large"),
    "cmdline_too_long": kernel_error("--kernel", "KERNEL", "--append", "x" * 40, kernel=synthetic_kernel(cmdline_size=32),
                                     stderr_text="command line too long: 40 bytes, at most 32"),
    "kernel_on_286": kernel_error("--kernel", "KERNEL", "--model", "286", "--memory", "16",
                                  stderr_text="32-bit protected mode"),
    "initrd_without_kernel": usage_error("--bios", "ROM:halt.rom", "--initrd", "x", stderr_text="--initrd needs --kernel"),
    "append_without_kernel": usage_error("--bios", "ROM:halt.rom", "-append", "x", stderr_text="--append needs --kernel"),
    "serial_unknown": usage_error("--bios", "ROM:halt.rom", "-serial", "pty", stderr_text="expected stdio, file:PATH or none"),
    "serial_empty_file": usage_error("--bios", "ROM:halt.rom", "--serial", "file:", stderr_text="needs a path"),
    "serial_two_stdio": usage_error("--bios", "ROM:halt.rom", "--serial", "stdio", "--serial2", "stdio",
                                    stderr_text="both stdio"),
    "serial_file_is_bios": case_serial_file_is_bios,
    "serial_and_rtc_options": case_serial_and_rtc_options,
    "serial_stdio_tty_restored": case_serial_stdio_tty_restored,
    "rtc_epoch_bad": usage_error("--bios", "ROM:halt.rom", "--rtc-epoch", "soon", stderr_text="--rtc-epoch: 'soon' is not a number"),
    "rtc_epoch_early": usage_error("--bios", "ROM:halt.rom", "--rtc-epoch=-2300000000", stderr_text="before 1900"),
    "rtc_epoch_and_host": usage_error("--bios", "ROM:halt.rom", "--rtc-epoch", "0", "--rtc-host-time",
                                      stderr_text="both given"),
    "memory_bad_suffix": usage_error("--bios", "ROM:halt.rom", "-m", "12X", stderr_text="-m: '12X' is not a size"),
    "memory_both_spellings": usage_error("--bios", "ROM:halt.rom", "-m", "16", "--memory", "16",
                                         stderr_text="--memory and -m both given"),
    "memory_too_big": usage_error("--bios", "ROM:halt.rom", "-m", "4G", stderr_text="too large (at most 3072 MiB)"),
    "empty_bios": bad_bios_file(b"", "is empty"),
    "odd_size_bios": bad_bios_file(b"\xf4" * 1000, "multiple of 4096"),
    "huge_bios": bad_bios_file(b"\xf4" * (256 * 1024), "at most 131072"),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary")
    parser.add_argument("--rom-dir")
    parser.add_argument("--work-dir")
    parser.add_argument("case")
    args = parser.parse_args()
    if args.case == "list":
        print("\n".join(CASES))
        return 0
    if args.case not in CASES:
        print(f"unknown case {args.case!r}", file=sys.stderr)
        return 2
    runner = Runner(args.binary, args.rom_dir, args.work_dir, args.case)
    try:
        CASES[args.case](runner)
    except CheckFailed as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        return 1
    print("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
