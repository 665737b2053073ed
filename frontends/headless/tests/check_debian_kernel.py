#!/usr/bin/env python3
"""x86emu-headless boots Debian's stock i386 kernel to a busybox shell and is typed into.

Issue 11's reference workload (docs/LINUX_BOOT.md): the guest is fetched through
scripts/fetch_guest.sh (cached after the first time; a failed fetch fails the test, it never
skips) and booted directly with QEMU's spelling (-kernel/-initrd/-append/-m/-nographic,
-serial stdio) on the PC platform. The test plays the user at the serial console through the
runner's stdin and stdout (linux_guest.py, shared with the disk-boot test):
  1. waits for the initramfs's "x86emu: initramfs ready" line and a shell that answers,
  2. types `uname -a; cat /proc/cpuinfo; ls /` and checks the answers (the kernel's version
     string, the P6 model's CPUID as Linux reports it, the initramfs's root directory),
  3. with a 4 MiB -hda disk and a 1 MiB -cdrom image attached (docs/devices/ata.md): checks that
     dmesg shows ata_piix at 00:01.1, "[sda] 8192 512-byte logical blocks" and sr0, reads a
     sector of /dev/sda and a block of /dev/sr0 with dd and writes one sector of /dev/sda,
  4. types `poweroff -f` and expects the run to end with exit 0, stop reason powered_off
     (ACPI S5, docs/devices/acpi.md), and the written sector to be in the image file.
It prints the boot-to-shell wall time, the guest instructions and MIPS.

Usage: check_debian_kernel.py --binary PATH --fetch-script PATH --work-dir DIR
Standard library only.
"""
import argparse
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import linux_guest  # noqa: E402  (beside this script)

DISK_SECTORS = 8192             # the -hda image: 4 MiB

EXPECTATIONS = [
    (linux_guest.UNAME_PATTERN, "uname -a names Debian's 6.1 686 kernel"),
    (r"vendor_id\s*: GenuineIntel", "cpuinfo vendor GenuineIntel (the P6 model's CPUID)"),
    (r"cpu family\s*: 6\b", "cpuinfo family 6"),
    (r"model\s*: 1\b", "cpuinfo model 1 (Pentium Pro)"),
    (r"fpu\s*: yes", "cpuinfo FPU present"),
    (r"flags\s*:.*\bcx8\b.*\bcmov\b", "cpuinfo flags with CX8 and CMOV"),
] + [
    # ls prints the root directory in columns: each name on its own.
    (rf"(?m)(^|\s){name}(\s|$)", f"ls / shows {name}") for name in ("bin", "init", "proc", "sys")
]

# The disks: sd and sr probe asynchronously after insmod, so wait for the nodes first.
DISK_COMMANDS = ("for i in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/sda ] && [ -b /dev/sr0 ] && break; sleep 1; done; "
                 "dmesg | grep -E 'ata_piix|ata[12]|\\[sda\\]|\\[sr0\\]'; "
                 "dd if=/dev/sda bs=512 skip=3 count=1 2>/dev/null | head -c 14; echo; "
                 "echo x86emu-disk-write | dd of=/dev/sda bs=512 seek=5 count=1 conv=sync,fsync 2>/dev/null; "
                 "dd if=/dev/sr0 bs=2048 skip=2 count=1 2>/dev/null | head -c 14; echo")
DISK_EXPECTATIONS = [
    (r"ata_piix 0000:00:01\.1", "dmesg: ata_piix bound the PIIX3 IDE function"),
    (r"ata1\.00: ATA-6: X86EMU HARDDISK", "dmesg: the disk identified on ata1"),
    (rf"sd 0:0:0:0: \[sda\] {DISK_SECTORS} 512-byte logical blocks", "dmesg: sda with the image's size"),
    (r"sr 1:0:0:0: \[sr0\]", "dmesg: the CD-ROM as sr0"),
    (r"(?m)^SECTOR00000003", "dd read sector 3 of /dev/sda"),
    (r"(?m)^CDBLOCK0000002", "dd read block 2 of /dev/sr0"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--fetch-script", required=True)
    parser.add_argument("--work-dir", required=True)
    args = parser.parse_args()
    paths = linux_guest.fetch_guest(args.fetch_script)
    os.makedirs(args.work_dir, exist_ok=True)
    disk_path = os.path.join(args.work_dir, "disk.img")
    cdrom_path = os.path.join(args.work_dir, "cdrom.iso")
    with open(disk_path, "wb") as file:
        file.write(b"".join((b"SECTOR%08d" % i).ljust(512, b".") for i in range(DISK_SECTORS)))
    with open(cdrom_path, "wb") as file:
        file.write(b"".join((b"CDBLOCK%07d" % i).ljust(2048, b"-") for i in range(512)))
    command = [args.binary, "-kernel", paths["kernel"], "-initrd", paths["initrd"],
               "-append", linux_guest.APPEND, "-m", "128M", "-nographic", "-serial", "stdio",
               "-hda", disk_path, "-cdrom", cdrom_path]
    report = linux_guest.boot_and_power_off(command, args.work_dir, [
        ("uname -a; cat /proc/cpuinfo; ls /", EXPECTATIONS),
        (DISK_COMMANDS, DISK_EXPECTATIONS),
    ])
    if report["model"] != "p6" or report["memory_mib"] != 128:
        linux_guest.fail(f"model {report['model']} / {report['memory_mib']} MiB, expected p6 / 128")
    with open(disk_path, "rb") as file:
        file.seek(5 * 512)
        if not file.read(512).startswith(b"x86emu-disk-write\n"):
            linux_guest.fail("the sector written with dd to /dev/sda is not in the image file")
    print("ok: the sector the guest wrote to /dev/sda is in the image file")
    print("passed")


if __name__ == "__main__":
    main()
