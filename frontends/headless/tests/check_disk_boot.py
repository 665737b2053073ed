#!/usr/bin/env python3
"""x86emu-headless boots a hard-disk image through its BIOS: a boot sector, or a boot loader to Linux.

Issue 11's disk-boot path (docs/LINUX_BOOT.md, "Booting from a disk image"), tested against clients
we did not write:
  syslinux, grub  scripts/make_boot_disk.sh builds (and caches) a disk image with Debian's SYSLINUX
                  or GRUB 2 and the reference kernel and initramfs of scripts/fetch_guest.sh. The
                  runner boots it (`-hda IMG -snapshot`, so the cached image is never written) to
                  the busybox shell on COM1; the test checks the loader's own console lines (on
                  COM1: SYSLINUX's SERIAL, GRUB's serial terminal), that the kernel got the
                  BIOS's E820 map and the command line, types `uname -a; cat
                  /proc/cmdline /proc/partitions` and checks the kernel, the command line the
                  loader passed and that Linux (ata_piix) sees the disk and its partition, then `poweroff -f` (exit 0, powered_off). Prints the boot-to-shell seconds.
  boot-sector     boot_sector.asm (assembled by CMake) as sector 0 of a 1 MiB image: the BIOS must
                  load it at 0000:7C00 and jump to it with DL = 80h within HOST_SECONDS_LIMIT of
                  host time (the boot sector prints what it got to COM1, then halts).
Usage: check_disk_boot.py --binary PATH --work-dir DIR [--bios FILE]
           (--disk-script PATH --loader syslinux|grub | --boot-sector FILE)
--bios is passed to the runner (for a runner that has no built-in default BIOS).
Standard library only.
"""
import argparse
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "scripts"))
import linux_guest  # noqa: E402  (scripts/linux_guest.py, shared with check_debian_kernel.py and the boot bench)


def fail(what):
    print(f"FAILED: {what}", file=sys.stderr)
    sys.exit(1)

# QEMU's spelling only: a disk run defaults to the P6 (the 686 kernel needs CMOV) and 128 MiB.
RUNNER_DISK_ARGS = ["-m", "128M", "-nographic", "-serial", "stdio"]
# The BIOS's POST and the boot sector take a few million instructions: far under a second.
HOST_SECONDS_LIMIT = 1.0

# Printed on COM1 before "x86emu: initramfs ready": the loader ran from the disk and read its
# configuration; both entries used (SYSLINUX's LINUX, GRUB's linux16) enter the kernel's real-mode
# setup code, so reaching the kernel proves it ran under the BIOS. (What goes only through INT 10h,
# "GRUB loading." and the setup code's "Probing EDD", is on the screen, not COM1, unless a BIOS
# copies its teletype output there: not checked.)
COMMON_BOOT_EXPECTATIONS = [
    (r"BIOS-e820: \[mem 0x0000000000000000-0x", "the kernel got an E820 map from the BIOS"),
    (r"Kernel command line: .*console=ttyS0,115200 cryptomgr\.notests", "the loader passed the command line"),
]
LOADERS = {
    "syslinux": {
        "boot": [
            # On COM1 only once syslinux.cfg's SERIAL line has been read.
            (r"SYSLINUX 6\.\d+", "SYSLINUX read syslinux.cfg (its banner on COM1)"),
            (r"Loading vmlinuz\.\.\. ?ok", "SYSLINUX loaded the kernel from the FAT partition"),
            (r"Loading initrd\.\.\. ?ok", "SYSLINUX loaded the initramfs"),
        ],
        "cmdline": r"BOOT_IMAGE=vmlinuz\b",
    },
    "grub": {
        "boot": [
            (r"x86emu: grub\.cfg read", "boot.img and diskboot.img loaded core.img, which read grub.cfg from the FAT partition"),
            (r"x86emu: grub linux16 /boot/vmlinuz", "GRUB booted the linux16 entry"),
        ],
        "cmdline": r"BOOT_IMAGE=/boot/vmlinuz\b",
    },
}


def bios_args(args):
    return ["--bios", args.bios] if args.bios else []


def check_loader(args):
    loader = LOADERS[args.loader]
    image = linux_guest.run_script(args.disk_script, ["--loader", args.loader], (args.loader,))[args.loader]
    command = [args.binary, "-hda", image, "-snapshot", *RUNNER_DISK_ARGS, *bios_args(args)]
    expectations = [
        (linux_guest.UNAME_PATTERN, "uname -a names Debian's 6.1 686 kernel"),
        (loader["cmdline"], f"/proc/cmdline has {args.loader}'s BOOT_IMAGE"),
        (r"console=ttyS0,115200 cryptomgr\.notests", "/proc/cmdline has the configured arguments"),
        # The initramfs loads ata_piix (fetch_guest.sh): Linux sees the disk it booted from, with
        # its FAT partition (66528 sectors = 33264 KiB, the partition 32240 KiB).
        (r"(?m)^\s*8\s+0\s+33264\s+sda\s*$", "/proc/partitions has the boot disk sda (33264 KiB)"),
        (r"(?m)^\s*8\s+1\s+32240\s+sda1\s*$", "/proc/partitions has its FAT partition sda1"),
    ]
    report = linux_guest.boot_and_power_off(command, args.work_dir,
                                            [("uname -a; cat /proc/cmdline /proc/partitions", expectations)],
                                            COMMON_BOOT_EXPECTATIONS + loader["boot"])
    print(f"{args.loader}: boot to shell {report['boot_seconds']:.1f} s host time, "
          f"{report['emulated_seconds']:.2f} s emulated until poweroff")
    print("passed")


def check_boot_sector(args):
    os.makedirs(args.work_dir, exist_ok=True)
    image = os.path.join(args.work_dir, "boot_sector_disk.img")
    with open(args.boot_sector, "rb") as file:
        sector = file.read()
    if len(sector) != 512 or sector[510:] != b"\x55\xaa":
        fail(f"{args.boot_sector} is not a 512-byte boot sector ending 55AAh")
    with open(image, "wb") as file:
        file.write(sector)
        file.truncate(1024 * 1024)   # 2048 sectors: a small disk the BIOS must still accept
    command = [args.binary, "-hda", image, "-snapshot", *RUNNER_DISK_ARGS, *bios_args(args)]
    print("$", " ".join(command))
    started = time.monotonic()
    try:
        done = subprocess.run(command, capture_output=True, stdin=subprocess.DEVNULL, timeout=60)
    except subprocess.TimeoutExpired:
        fail("the runner did not stop within 60 s")
    seconds = time.monotonic() - started
    output = done.stdout
    print(output.decode("utf-8", "replace")[-2000:])
    if done.returncode != 0:
        print(done.stderr.decode("utf-8", "replace")[-2000:])
        fail(f"exit code {done.returncode}, expected 0 (the boot sector halts)")
    try:
        linux_guest.check_answers(output.decode("utf-8", "replace"), [
            (r"x86emu: boot sector at 0000:7C00 DL=80", "the BIOS jumped to the boot sector at 0000:7C00 with DL=80h"),
        ])
    except linux_guest.GuestError as error:
        fail(str(error))
    print(f"boot sector reached and halted after {seconds:.3f} s host time")
    if seconds >= HOST_SECONDS_LIMIT:
        fail(f"{seconds:.3f} s host time, expected under {HOST_SECONDS_LIMIT} s")
    print("passed")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--disk-script")
    parser.add_argument("--loader", choices=sorted(LOADERS))
    parser.add_argument("--boot-sector")
    parser.add_argument("--bios")
    args = parser.parse_args()
    if args.boot_sector:
        check_boot_sector(args)
    elif args.loader and args.disk_script:
        try:
            check_loader(args)
        except linux_guest.GuestError as error:
            fail(str(error))
    else:
        parser.error("give --boot-sector FILE, or --disk-script PATH with --loader")


if __name__ == "__main__":
    main()
