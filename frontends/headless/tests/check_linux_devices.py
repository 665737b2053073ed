#!/usr/bin/env python3
"""What Linux reports about one PC device, from the transcript of the linux_debian_kernel boot.

The boot (check_debian_kernel.py, the CTest fixture linux_guest) types the commands of
linux_devices.SECTIONS into the guest's shell and writes their output to
linux_transcript.txt; this script checks the lines linux_devices.DEVICES[DEVICE] expects there
(the kernel's messages, /proc and sysfs) and fails, naming each one missing. "list" prints the
device names (CMake registers linux_device_<name> from it).

Usage: check_linux_devices.py --transcript FILE DEVICE
       check_linux_devices.py list
Standard library only.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import linux_devices  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcript")
    parser.add_argument("device", help="a name from linux_devices.DEVICES, or list")
    args = parser.parse_args()
    if args.device == "list":
        print("\n".join(linux_devices.DEVICES))
        return 0
    if args.device not in linux_devices.DEVICES:
        parser.error(f"unknown device {args.device!r}: one of {', '.join(linux_devices.DEVICES)}")
    if not args.transcript:
        parser.error("--transcript is required")
    try:
        with open(args.transcript, encoding="utf-8", errors="replace") as file:
            sections = linux_devices.parse_transcript(file.read())
    except OSError as error:
        print(f"FAILED: no transcript ({error}): the linux_debian_kernel boot (the fixture) did not get that far")
        return 1
    checker = linux_devices.Checker(sections)
    linux_devices.DEVICES[args.device](checker)
    if checker.failures:
        print(f"FAILED: {len(checker.failures)} expectation(s) about {args.device}")
        return 1
    print("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
