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
  3. types `poweroff -f` and expects the run to end with exit 0, stop reason powered_off
     (ACPI S5, docs/devices/acpi.md).
It prints the boot-to-shell wall time, the guest instructions and MIPS.

Usage: check_debian_kernel.py --binary PATH --fetch-script PATH --work-dir DIR
Standard library only.
"""
import argparse
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import linux_guest  # noqa: E402  (beside this script)

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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--fetch-script", required=True)
    parser.add_argument("--work-dir", required=True)
    args = parser.parse_args()
    paths = linux_guest.fetch_guest(args.fetch_script)
    command = [args.binary, "-kernel", paths["kernel"], "-initrd", paths["initrd"],
               "-append", linux_guest.APPEND, "-m", "128M", "-nographic", "-serial", "stdio"]
    report = linux_guest.boot_and_power_off(command, args.work_dir, "uname -a; cat /proc/cpuinfo; ls /",
                                            EXPECTATIONS)
    if report["model"] != "p6" or report["memory_mib"] != 128:
        linux_guest.fail(f"model {report['model']} / {report['memory_mib']} MiB, expected p6 / 128")
    print("passed")


if __name__ == "__main__":
    main()
