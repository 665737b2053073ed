#!/usr/bin/env python3
"""x86emu-headless boots Debian's stock i386 kernel to a busybox shell and is typed into.

Issue 11's reference workload (docs/LINUX_BOOT.md): the guest is fetched through
scripts/fetch_guest.sh (cached after the first time; a failed fetch fails the test, it never
skips) and booted directly with QEMU's spelling (-kernel/-initrd/-append/-m/-nographic,
-serial stdio) on the PC platform. The test plays the user at the serial console through the
runner's stdin and stdout:
  1. waits for the initramfs's "x86emu: initramfs ready" line and a shell that answers,
  2. types `uname -a; cat /proc/cpuinfo; ls /` and checks the answers (the kernel's version
     string, the P6 model's CPUID as Linux reports it, the initramfs's root directory),
  3. with a 4 MiB -hda disk and a 1 MiB -cdrom image attached (docs/devices/ata.md): checks that
     dmesg shows ata_piix at 00:01.1, "[sda] 8192 512-byte logical blocks" and sr0, reads a
     sector of /dev/sda and a block of /dev/sr0 with dd and writes one sector of /dev/sda,
  4. types `poweroff -f` and expects the run to end with exit 0, stop reason powered_off
     (ACPI S5, docs/devices/acpi.md), and the written sector to be in the image file.
Input is typed only once the shell has answered, as a person would (bytes typed before the
serial port is opened are lost on a real 16550 too: the driver resets its FIFOs at open).
The command line skips the kernel's crypto self-tests (cryptomgr.notests), which otherwise take
most of the boot, and sets the console to 115200 baud: Linux's default of 9600 makes every
kernel message cost about 1 ms of emulated time per character on the modelled 16550A. It prints the boot-to-shell wall time, the guest instructions and MIPS.

Usage: check_debian_kernel.py --binary PATH --fetch-script PATH --work-dir DIR
Standard library only.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time

APPEND = "console=ttyS0,115200 cryptomgr.notests"
CYCLE_LIMIT = 200_000_000_000   # a runaway guest ends the run (exit 4) rather than the timeout
BOOT_TIMEOUT_S = 900            # host seconds until the shell answers
COMMAND_TIMEOUT_S = 300
DISK_SECTORS = 8192             # the -hda image: 4 MiB


def fail(what, transcript=b""):
    if transcript:
        print("---- serial console (last 3000 bytes) ----")
        print(transcript[-3000:].decode("utf-8", "replace"))
        print("------------------------------------------")
    print(f"FAILED: {what}", file=sys.stderr)
    sys.exit(1)


def fetch(script):
    print("$", script)
    done = subprocess.run([script], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    print(done.stdout.rstrip())
    print(done.stderr.rstrip(), file=sys.stderr)
    if done.returncode != 0:
        fail(f"{script} exited {done.returncode}: the guest could not be fetched (see above)")
    paths = {}
    for line in done.stdout.splitlines():
        key, _, value = line.partition(":")
        if key in ("kernel", "initrd"):
            paths[key] = value.strip()
    for key in ("kernel", "initrd"):
        if not paths.get(key) or not os.path.isfile(paths[key]):
            fail(f"{script} printed no existing {key} path")
    return paths


class Console:
    """The runner's stdout collected by a thread, searched by the test; stdin typed into."""

    def __init__(self, process):
        self.process = process
        self.output = bytearray()
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        while True:
            chunk = self.process.stdout.read1(4096)
            if not chunk:
                return
            with self.lock:
                self.output += chunk

    def text(self):
        with self.lock:
            return bytes(self.output)

    def wait_for(self, pattern, timeout, start=0):
        """The offset just past the first match of `pattern` (bytes regex) at or after `start`."""
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while time.monotonic() < deadline:
            match = regex.search(self.text(), start)
            if match:
                return match.end()
            if self.process.poll() is not None and not self.reader.is_alive():
                fail(f"the runner exited ({self.process.returncode}) before {pattern!r} appeared", self.text())
            time.sleep(0.2)
        fail(f"{pattern!r} did not appear within {timeout} s", self.text())

    def type(self, line):
        self.process.stdin.write(line.encode() + b"\n")
        self.process.stdin.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--fetch-script", required=True)
    parser.add_argument("--work-dir", required=True)
    args = parser.parse_args()
    os.makedirs(args.work_dir, exist_ok=True)
    paths = fetch(args.fetch_script)

    report_path = os.path.join(args.work_dir, "debian_kernel_report.json")
    stderr_path = os.path.join(args.work_dir, "debian_kernel_stderr.txt")
    for path in (report_path, stderr_path):
        if os.path.exists(path):
            os.remove(path)
    disk_path = os.path.join(args.work_dir, "disk.img")
    cdrom_path = os.path.join(args.work_dir, "cdrom.iso")
    with open(disk_path, "wb") as file:
        file.write(b"".join((b"SECTOR%08d" % i).ljust(512, b".") for i in range(DISK_SECTORS)))
    with open(cdrom_path, "wb") as file:
        file.write(b"".join((b"CDBLOCK%07d" % i).ljust(2048, b"-") for i in range(512)))
    command = [args.binary, "-kernel", paths["kernel"], "-initrd", paths["initrd"], "-append", APPEND,
               "-m", "128M", "-nographic", "-serial", "stdio", "-hda", disk_path, "-cdrom", cdrom_path,
               "--max-cycles", str(CYCLE_LIMIT), "--report", report_path]
    print("$", " ".join(command))
    started = time.monotonic()
    with open(stderr_path, "wb") as stderr:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr)
    console = Console(process)
    try:
        at = console.wait_for(rb"x86emu: initramfs ready", BOOT_TIMEOUT_S)
        # The shell answers: `$((6*7))` is echoed as typed, only the shell's output says 42.
        console.type("echo shell-$((6*7))")
        at = console.wait_for(rb"shell-42", BOOT_TIMEOUT_S, at)
        boot_seconds = time.monotonic() - started
        print(f"boot to shell: {boot_seconds:.1f} s host time")

        console.type("uname -a; cat /proc/cpuinfo; ls /; echo done-$((6*8))")
        end = console.wait_for(rb"done-48", COMMAND_TIMEOUT_S, at)
        answer = console.text()[at:end].decode("utf-8", "replace")
        expectations = [
            (r"Linux \S+ 6\.1\.\S+-686\S* #1 SMP .*Debian.* i686", "uname -a names Debian's 6.1 686 kernel"),
            (r"vendor_id\s*: GenuineIntel", "cpuinfo vendor GenuineIntel (the P6 model's CPUID)"),
            (r"cpu family\s*: 6\b", "cpuinfo family 6"),
            (r"model\s*: 1\b", "cpuinfo model 1 (Pentium Pro)"),
            (r"fpu\s*: yes", "cpuinfo FPU present"),
            (r"flags\s*:.*\bcx8\b.*\bcmov\b", "cpuinfo flags with CX8 and CMOV"),
        ]
        # ls prints the root directory in columns: each name on its own.
        expectations += [(rf"(?m)(^|\s){name}(\s|$)", f"ls / shows {name}") for name in ("bin", "init", "proc", "sys")]
        for pattern, what in expectations:
            if not re.search(pattern, answer):
                fail(f"{what}: /{pattern}/ not in the answer", console.text())
            print(f"ok: {what}")

        # The disks: sd and sr probe asynchronously after insmod, so wait for the nodes first.
        console.type("for i in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/sda ] && [ -b /dev/sr0 ] && break; sleep 1; done; "
                     "dmesg | grep -E 'ata_piix|ata[12]|\\[sda\\]|\\[sr0\\]'; "
                     "dd if=/dev/sda bs=512 skip=3 count=1 2>/dev/null | head -c 14; echo; "
                     "echo x86emu-disk-write | dd of=/dev/sda bs=512 seek=5 count=1 conv=sync,fsync 2>/dev/null; "
                     "dd if=/dev/sr0 bs=2048 skip=2 count=1 2>/dev/null | head -c 14; echo; echo done-$((6*9))")
        at = end
        end = console.wait_for(rb"done-54", COMMAND_TIMEOUT_S, at)
        answer = console.text()[at:end].decode("utf-8", "replace")
        for pattern, what in [
            (r"ata_piix 0000:00:01\.1", "dmesg: ata_piix bound the PIIX3 IDE function"),
            (r"ata1\.00: ATA-6: X86EMU HARDDISK", "dmesg: the disk identified on ata1"),
            (rf"sd 0:0:0:0: \[sda\] {DISK_SECTORS} 512-byte logical blocks", "dmesg: sda with the image's size"),
            (r"sr 1:0:0:0: \[sr0\]", "dmesg: the CD-ROM as sr0"),
            (r"(?m)^SECTOR00000003", "dd read sector 3 of /dev/sda"),
            (r"(?m)^CDBLOCK0000002", "dd read block 2 of /dev/sr0"),
        ]:
            if not re.search(pattern, answer):
                fail(f"{what}: /{pattern}/ not in the answer", console.text())
            print(f"ok: {what}")

        console.type("poweroff -f")
        try:
            process.wait(timeout=COMMAND_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            fail("the runner did not end after poweroff -f", console.text())
        console.reader.join(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        # The whole serial console, kept as the test's artifact.
        with open(os.path.join(args.work_dir, "serial_console.txt"), "wb") as file:
            file.write(console.text())
    total_seconds = time.monotonic() - started
    if process.returncode != 0:
        with open(stderr_path, encoding="utf-8", errors="replace") as file:
            print("stderr:", file.read()[-2000:])
        fail(f"exit code {process.returncode} after poweroff -f, expected 0", console.text())
    with open(report_path, encoding="utf-8") as file:
        report = json.load(file)
    if report["stop_reason"] != "powered_off":
        fail(f"stop reason {report['stop_reason']}, expected powered_off", console.text())
    if report["model"] != "p6" or report["memory_mib"] != 128:
        fail(f"model {report['model']} / {report['memory_mib']} MiB, expected p6 / 128")
    with open(disk_path, "rb") as file:
        file.seek(5 * 512)
        if not file.read(512).startswith(b"x86emu-disk-write\n"):
            fail("the sector written with dd to /dev/sda is not in the image file")
    print("ok: the sector the guest wrote to /dev/sda is in the image file")
    print(f"powered off after {total_seconds:.1f} s host time: {report['instructions']} instructions, "
          f"{report['cycles']} cycles ({report['emulated_seconds']:.2f} s emulated), "
          f"{report['instructions'] / report['wall_seconds'] / 1e6:.1f} MIPS")
    print("passed")


if __name__ == "__main__":
    main()
