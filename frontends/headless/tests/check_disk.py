#!/usr/bin/env python3
"""x86emu-headless with an ATA disk (--hda): no write the guest saw complete is ever lost.

The guest (disk_writer.asm) writes sector n mod 64 for n = 0, 1, 2, ... with a pattern naming n,
reads it back, and prints "Wxxxx" (n in hex) on the debug console once the write is complete.
Cases (one CTest test each, named headless_disk_<case>):
  kill      SIGKILL mid-run: every write the guest reported is in the image, and every sector
            holds exactly one whole write (or the original bytes): never a torn sector, never an
            older write than the last one reported for it.
  sigterm   SIGTERM mid-run: exit 6 (interrupted), the image as above, and the runner flushed it.
  snapshot  --snapshot (QEMU's -snapshot spelling): the guest reads back its own writes (it
            checks every one), yet the image file is byte for byte unchanged at the end.
  errors    a missing image, one that is not whole sectors, a directory, --snapshot without a
            disk, an image that is also the --debugcon-file: exit 2 with a message naming it.
Usage: check_disk.py --binary PATH --rom PATH --work-dir DIR CASE | list
Standard library only.
"""
import argparse
import hashlib
import os
import signal
import struct
import subprocess
import sys
import time

SECTORS = 64
CASES = ("kill", "sigterm", "snapshot", "errors")


def fail(what):
    print(f"FAILED: {what}", file=sys.stderr)
    sys.exit(1)


def original_sector(lba):
    return struct.pack("<H", 0xFFFF) + bytes([lba]) * 510


def make_image(path):
    with open(path, "wb") as f:
        for lba in range(SECTORS):
            f.write(original_sector(lba))


def written_sector(n):
    """The bytes of write number n, as disk_writer.asm makes them."""
    lba, generation = n % SECTORS, (n // SECTORS + 1) & 0xFF
    return struct.pack("<H", n & 0xFFFF) + struct.pack("<H", lba << 8 | generation) * 255


def reported_writes(log_path):
    """The n of every complete "Wxxxx" line (a line cut by the kill is not counted)."""
    with open(log_path, "rb") as f:
        text = f.read().decode("ascii", "replace")
    done = []
    for line in text.split("\n")[:-1]:
        if line in ("E", "X"):
            fail(f"the guest reported {'a failed command' if line == 'E' else 'a read-back mismatch'} after {len(done)} writes")
        if not line.startswith("W") or len(line) != 5:
            fail(f"unexpected debug console line {line!r}")
        done.append(int(line[1:], 16))
    # Reports are 16-bit; the run is short enough not to wrap, and they must count up from 0.
    if done != list(range(len(done))):
        fail("the reports are not 0, 1, 2, ... in order")
    return len(done)


def check_image(image, completed):
    """Every write reported complete is there; each sector is one whole write or the original."""
    with open(image, "rb") as f:
        data = f.read()
    if len(data) != SECTORS * 512:
        fail(f"the image changed size to {len(data)} bytes")
    for lba in range(SECTORS):
        sector = data[lba * 512:(lba + 1) * 512]
        # The last write to this sector the guest saw complete, and the one after it that may
        # have been under way (complete in the file, not yet reported) when the run ended.
        last = max((n for n in range(lba, completed, SECTORS)), default=None)
        allowed = [last, (last + SECTORS) if last is not None else lba]
        candidates = {n: written_sector(n) for n in allowed}
        if last is None:
            candidates["original"] = original_sector(lba)
        if sector not in candidates.values():
            fail(f"sector {lba}: neither write {allowed} nor {'the original' if last is None else 'nothing older'}; "
                 f"found {sector[:8].hex()}... (torn or lost)")


def run_until_reports(binary, rom, image, log, minimum, extra=()):
    if os.path.exists(log):
        os.remove(log)  # a previous run's lines must not count
    command = [binary, "--bios", rom, "--hda", image, "--debugcon-file", log, "--max-seconds", "60", *extra]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            fail(f"the runner ended early with {process.returncode}: {process.stderr.read().decode()}")
        try:
            with open(log, "rb") as f:
                if f.read().count(b"\n") >= minimum:
                    return process
        except FileNotFoundError:
            pass
        time.sleep(0.02)
    process.kill()
    fail(f"fewer than {minimum} writes reported in 30 s")


def case_kill(args, work):
    image, log = os.path.join(work, "kill.img"), os.path.join(work, "kill.log")
    make_image(image)
    process = run_until_reports(args.binary, args.rom, image, log, 300)
    process.send_signal(signal.SIGKILL)
    process.wait()
    if process.returncode != -signal.SIGKILL:
        fail(f"the runner was not killed (returned {process.returncode})")
    completed = reported_writes(log)
    check_image(image, completed)
    print(f"kill: {completed} writes reported before SIGKILL, all in the image, no torn sector")


def case_sigterm(args, work):
    image, log = os.path.join(work, "term.img"), os.path.join(work, "term.log")
    make_image(image)
    process = run_until_reports(args.binary, args.rom, image, log, 300)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    if process.returncode != 6:
        fail(f"SIGTERM: expected exit 6, got {process.returncode}: {err.decode()}")
    completed = reported_writes(log)
    check_image(image, completed)
    print(f"sigterm: exit 6, {completed} writes reported, all in the image")


def case_snapshot(args, work):
    image, log = os.path.join(work, "snap.img"), os.path.join(work, "snap.log")
    make_image(image)
    with open(image, "rb") as f:
        before = hashlib.sha256(f.read()).hexdigest()
    done = subprocess.run([args.binary, "--bios", args.rom, "-hda", image, "-snapshot", "--debugcon-file", log,
                           "--max-cycles", "40000000"], capture_output=True, timeout=60)
    if done.returncode != 4:
        fail(f"--snapshot run: expected exit 4 (--max-cycles), got {done.returncode}: {done.stderr.decode()}")
    completed = reported_writes(log)
    if completed < 2 * SECTORS:
        fail(f"only {completed} writes in the --snapshot run: the overlay was hardly exercised")
    with open(image, "rb") as f:
        after = hashlib.sha256(f.read()).hexdigest()
    if after != before:
        fail("--snapshot modified the image file")
    print(f"snapshot: {completed} writes read back by the guest, the image file unchanged")


def expect_usage_error(args, extra, text):
    done = subprocess.run([args.binary, "--bios", args.rom, *extra], capture_output=True, timeout=30)
    err = done.stderr.decode()
    if done.returncode != 2 or text not in err:
        fail(f"{extra}: expected exit 2 naming '{text}', got {done.returncode}: {err}")


def case_errors(args, work):
    good = os.path.join(work, "good.img")
    make_image(good)
    odd = os.path.join(work, "odd.img")
    with open(odd, "wb") as f:
        f.write(b"x" * 1000)
    expect_usage_error(args, ["--hda", os.path.join(work, "missing.img")], "does not exist")
    expect_usage_error(args, ["--hda", odd], "not a multiple of 512")
    expect_usage_error(args, ["--hdb", work], "directory")
    expect_usage_error(args, ["--cdrom", odd], "not a multiple of 2048")
    expect_usage_error(args, ["--snapshot"], "--snapshot needs a hard disk")
    expect_usage_error(args, ["--hda", good, "--hdb", good], "name the same file")
    expect_usage_error(args, ["--hda", good, "--debugcon-file", good], "writing it would destroy the disk")
    print("errors: every bad disk option exits 2 with its reason")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary")
    parser.add_argument("--rom")
    parser.add_argument("--work-dir")
    parser.add_argument("case", choices=CASES + ("list",))
    args = parser.parse_args()
    if args.case == "list":
        print("\n".join(CASES))
        return
    work = os.path.join(args.work_dir, args.case)
    os.makedirs(work, exist_ok=True)
    globals()[f"case_{args.case}"](args, work)


if __name__ == "__main__":
    main()
