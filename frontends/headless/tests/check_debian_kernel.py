#!/usr/bin/env python3
"""x86emu-headless on Debian's stock i386 kernel (issue 11's reference workload, docs/LINUX_BOOT.md).

Fetches the guest through scripts/fetch_guest.sh (cached after the first time; a failed fetch
fails the test, it never skips), boots it directly with --kernel/--initrd/--append for a fixed
cycle budget and checks that the kernel ran: the decompressor ran, the kernel proper took over
(paging on, EIP in the kernel's virtual range, CS/DS its own GDT's __KERNEL_CS/__USER_DS), and
the run ended on the budget, not with a triple fault or a halt. Until the PIT, PIC and UART
exist (issue 11's devices) the kernel cannot get further than its delay-loop calibration, which
waits for a timer tick; this test is the guard that it keeps getting that far.

Usage: check_debian_kernel.py --binary PATH --fetch-script PATH --work-dir DIR
Standard library only.
"""
import argparse
import json
import os
import subprocess
import sys
import time

# The kernel proper needs about 3.5e9 cycles (2.3e9 instructions, most of them the xz
# decompressor) to be in charge; 5e9 leaves room for timing-table changes.
CYCLE_BUDGET = 5_000_000_000
KERNEL_CS, USER_DS = 0x60, 0x7B  # arch/x86/include/asm/segment.h, 32-bit: GDT entries 12 and 15


def fail(what):
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--fetch-script", required=True)
    parser.add_argument("--work-dir", required=True)
    args = parser.parse_args()
    os.makedirs(args.work_dir, exist_ok=True)
    paths = fetch(args.fetch_script)

    report_path = os.path.join(args.work_dir, "debian_kernel_report.json")
    if os.path.exists(report_path):
        os.remove(report_path)
    command = [args.binary, "-kernel", paths["kernel"], "-initrd", paths["initrd"],
               "-append", "console=ttyS0 earlyprintk=serial,ttyS0,115200", "-m", "128M",
               "-nographic", "-no-reboot", "-serial", "stdio",
               "--max-cycles", str(CYCLE_BUDGET), "--progress", "10", "--report", report_path]
    print("$", " ".join(command))
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True)
    print(f"exit code {done.returncode} after {time.monotonic() - started:.1f} s")
    print("stderr:", done.stderr.rstrip())
    if not os.path.exists(report_path):
        fail("no report written")
    with open(report_path, encoding="utf-8") as file:
        report = json.load(file)
    registers = report["registers"]
    print(f"instructions {report['instructions']}, cycles {report['cycles']}, eip {registers['eip']:#x}, "
          f"cr0 {registers['cr0']:#x}, cs {registers['cs']['selector']:#x}")
    if done.returncode == 3:
        fail("the kernel triple-faulted")
    if done.returncode != 4:
        fail(f"exit code {done.returncode}, expected 4 (the cycle budget; the kernel waits for a timer tick)")
    if report["model"] != "p6" or report["memory_mib"] != 128:
        fail(f"model {report['model']} / {report['memory_mib']} MiB, expected p6 / 128")
    if not registers["cr0"] & 0x80000000:
        fail("paging is off: the kernel proper never set up its page tables")
    if registers["eip"] < 0xC0000000:
        fail(f"EIP {registers['eip']:#x} is not in the kernel's virtual range (>= 0xC0000000)")
    if registers["cs"]["selector"] != KERNEL_CS or registers["ds"]["selector"] != USER_DS:
        fail("CS/DS are not the kernel's own __KERNEL_CS/__USER_DS")
    print("passed")


if __name__ == "__main__":
    main()
