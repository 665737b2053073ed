#!/usr/bin/env python3
"""x86emu-headless boots Debian's stock i386 kernel to a busybox shell and is typed into.

Issue 11's reference workload (docs/LINUX_BOOT.md): the guest is fetched through
scripts/fetch_guest.sh (cached after the first time; a failed fetch fails the test, it never
skips) and booted directly with QEMU's spelling (-kernel/-initrd/-append/-m/-nographic,
-serial stdio) on the PC platform. The test plays the user at the serial console through the
runner's stdin and stdout (scripts/linux_guest.py, shared with bench/boot_bench.py):
  1. waits for the initramfs's "x86emu: initramfs ready" line and a shell that answers,
  2. types the commands of linux_devices.SECTIONS one line at a time (uname -a, /proc/cpuinfo,
     ls /, dmesg, /proc/interrupts, /proc/ioports, /proc/iomem, the PCI devices in sysfs, the
     RTC, ttyS0, the clocksources, ACPI, and /proc/interrupts again a second later) and writes
     their framed output to WORK_DIR/linux_transcript.txt,
  3. checks uname, cpuinfo and ls / (the kernel's version string, the P6 model's CPUID as Linux
     reports it, the initramfs's root directory),
  4. types `poweroff -f` and expects the run to end with exit 0, stop reason powered_off
     (ACPI S5, docs/devices/acpi.md), and the sector the "disks" section wrote to /dev/sda to
     be in the -hda image file (a 4 MiB -hda and a 1 MiB -cdrom are attached, made by
     linux_devices.make_disk_images).
It is the CTest fixture (linux_guest) of the per-device tests linux_device_<name>
(check_linux_devices.py), which read the transcript; it deletes the transcript first, so a
failed boot never leaves an old one behind.
Input is typed only once the shell has answered, as a person would (bytes typed before the
serial port is opened are lost on a real 16550 too: the driver resets its FIFOs at open).
It prints the boot-to-shell wall time, the guest instructions and MIPS.

Usage: check_debian_kernel.py --binary PATH --fetch-script PATH --work-dir DIR
Standard library only.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "scripts"))
import linux_guest  # noqa: E402  (scripts/linux_guest.py)
import linux_devices  # noqa: E402

CYCLE_LIMIT = 200_000_000_000   # a runaway guest ends the run (exit 4) rather than the timeout
BOOT_TIMEOUT_S = 900            # host seconds until the shell answers
COMMAND_TIMEOUT_S = 300         # host seconds for each section's output
TRANSCRIPT = "linux_transcript.txt"


def fail(what, transcript=b""):
    if transcript:
        print("---- serial console (last 3000 bytes) ----")
        print(transcript[-3000:].decode("utf-8", "replace"))
        print("------------------------------------------")
    print(f"FAILED: {what}", file=sys.stderr)
    sys.exit(1)


def run_sections(console, at):
    """Types each section's command line; returns the console text of all of them and the offset after."""
    begin = at
    for name, command in linux_devices.SECTIONS:
        console.type(linux_devices.section_command(name, command))
        at = console.wait_for(linux_devices.end_pattern(name), time.monotonic() + COMMAND_TIMEOUT_S, at)
    return console.text()[begin:at], at


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--fetch-script", required=True)
    parser.add_argument("--work-dir", required=True)
    args = parser.parse_args()
    os.makedirs(args.work_dir, exist_ok=True)
    report_path = os.path.join(args.work_dir, "debian_kernel_report.json")
    stderr_path = os.path.join(args.work_dir, "debian_kernel_stderr.txt")
    transcript_path = os.path.join(args.work_dir, TRANSCRIPT)
    for path in (report_path, stderr_path, transcript_path):
        if os.path.exists(path):
            os.remove(path)
    try:
        paths = linux_guest.fetch_guest(args.fetch_script)
    except linux_guest.GuestError as error:
        fail(str(error))

    disk_path = os.path.join(args.work_dir, "disk.img")
    cdrom_path = os.path.join(args.work_dir, "cdrom.iso")
    linux_devices.make_disk_images(disk_path, cdrom_path)
    command = linux_guest.x86emu_command(args.binary, paths["kernel"], paths["initrd"], report_path,
                                         ["--max-cycles", str(CYCLE_LIMIT), "-hda", disk_path, "-cdrom", cdrom_path])
    started = time.monotonic()
    try:
        process = linux_guest.start_process(command, subprocess.PIPE, subprocess.PIPE, stderr_path)
    except linux_guest.GuestError as error:
        fail(str(error))
    console = linux_guest.Console.piped(process)
    try:
        try:
            at = linux_guest.boot_to_shell(console, started + BOOT_TIMEOUT_S)
            boot_seconds = time.monotonic() - started
            print(f"boot to shell: {boot_seconds:.1f} s host time")
            sections_started = time.monotonic()
            transcript, at = run_sections(console, at)
            print(f"device transcript: {len(transcript)} bytes in {time.monotonic() - sections_started:.1f} s host time")
        except linux_guest.GuestError as error:
            fail(str(error), console.text())
        sections = linux_devices.parse_transcript(transcript.decode("utf-8", "replace"))
        missing = [name for name, _ in linux_devices.SECTIONS if name not in sections]
        if missing:
            fail(f"sections without output: {missing}", console.text())
        answer = "\n".join(sections[name] for name in ("uname", "cpuinfo", "ls_root"))
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

        # Written only now: the device tests find a transcript only after a boot that got this far.
        with open(transcript_path, "wb") as file:
            file.write(transcript)

        console.type("poweroff -f")
        if not linux_guest.wait_for_exit(process, COMMAND_TIMEOUT_S):
            fail("the runner did not end after poweroff -f", console.text())
        console.reader.join(timeout=10)
    finally:
        linux_guest.stop_process(process)
        # The whole serial console, kept as the test's artifact.
        console.save(os.path.join(args.work_dir, "serial_console.txt"))
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
        file.seek(linux_devices.DISK_WRITE_SECTOR * 512)
        if not file.read(512).startswith(b"x86emu-disk-write\n"):
            fail("the sector written with dd to /dev/sda is not in the image file")
    print("ok: the sector the guest wrote to /dev/sda is in the image file")
    print(f"powered off after {total_seconds:.1f} s host time: {report['instructions']} instructions, "
          f"{report['cycles']} cycles ({report['emulated_seconds']:.2f} s emulated), "
          f"{report['instructions'] / report['wall_seconds'] / 1e6:.1f} MIPS")
    print("passed")


if __name__ == "__main__":
    main()
