#!/usr/bin/env python3
"""bench/boot_bench.py — Linux boot-to-shell wall time: x86emu against QEMU (TCG) and Bochs.

Issue 11's benchmark (a benchmark, not a test: CI never runs it). Each emulator boots the same
Debian i386 kernel and busybox initramfs (scripts/fetch_guest.sh) with the same kernel command
line and 128 MiB, one after the other, in one run. For each the script plays the user at the
serial console: it waits for the initramfs's "x86emu: initramfs ready" line, types
`echo shell-$((6*7))` and stops the clock when "shell-42" comes back (only the shell's answer
says 42; the echo of the typed line does not). Boot-to-shell time is host wall time from
starting the emulator's process to that answer. Then it types `poweroff -f` and waits for the
emulator to exit (ACPI S5), killing it after a grace period.

  x86emu   x86emu-headless -kernel/-initrd/-append, -serial stdio; --report JSON gives the guest
           instructions, cycles and wall seconds of the whole run (boot, the probe, poweroff).
  QEMU     qemu-system-i386 -accel tcg -cpu pentium2 (QEMU has no Pentium Pro model; the
           Pentium II is the closest P6), -kernel/-initrd/-append, -nographic (which already puts
           COM1 on stdio: adding -serial stdio would claim stdio twice), -no-reboot.
  Bochs    Bochs 2.7 cannot load a bzImage, so an El Torito ISO is built here (genisoimage, with
           ISOLINUX) holding the same kernel and initramfs; Bochs' BIOS boots it from an ATAPI
           CD-ROM. CPU p2_klamath (the closest P6 model Bochs has), COM1 as a TCP socket server
           that this script connects to. Its time includes the BIOS and ISOLINUX loading the
           files from the CD, which the other two skip (they load the kernel directly).

Ratios are time ratios, x86emu's boot-to-shell time / the other emulator's: below 1 x86emu
reached the shell sooner, above 1 it needed that many times as long (lower is better for
x86emu). Every emulator run has a timeout; an emulator that cannot be run or times out is
reported as "not measured: <why>", never with a made-up number. The table also gives the guest
kernel's own clock when it ran /init (printk time), which shows how much guest time each took.

The boot, the console and the typing are scripts/linux_guest.py's, shared with the test
(frontends/headless/tests/check_debian_kernel.py).

Usage: boot_bench.py --x86emu PATH --kernel K --initrd I [--work-dir DIR] [--timeout S]
                     [--only x86emu,qemu,bochs]
Standard library only.
"""
import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from linux_guest import (APPEND, MEMORY_MIB, Console, GuestError, boot_to_shell as shell_answers,  # noqa: E402
                         start_process, stop_process, wait_for_exit as exited_within, x86emu_command)

POWEROFF_GRACE_S = 60          # host seconds for the emulator to exit after `poweroff -f`
QEMU_CPU = "pentium2"
BOCHS_CPU = "p2_klamath"
# Bochs runs with its clock not synced to the host (clock: sync=none): guest time advances by
# instructions / ips. 50 M is about what Bochs 2.7 executes per host second here (bench/README.md),
# so guest time runs roughly at host speed, as it does for QEMU (host clock) and x86emu (cycles).
BOCHS_IPS = 50_000_000


class NotMeasured(Exception):
    """An emulator could not be measured; the message says why."""


def boot_to_shell(console, started, timeout_s):
    """Seconds from `started` to the shell's answer; then powers the guest off."""
    try:
        shell_answers(console, started + timeout_s)
    except GuestError as error:
        raise NotMeasured(f"{error} (--timeout, host seconds from the start)") from error
    seconds = time.monotonic() - started
    console.type("poweroff -f")
    return seconds


def wait_for_exit(process):
    """True if the emulator ended by itself within the grace period after poweroff."""
    return exited_within(process, POWEROFF_GRACE_S)


def start_emulator(command, stdin, stdout, stderr_path):
    """linux_guest.start_process, with a failure to start reported as not measured."""
    try:
        return start_process(command, stdin, stdout, stderr_path)
    except GuestError as error:
        raise NotMeasured(str(error)) from error


def save_console(console, work_dir, name):
    console.save(os.path.join(work_dir, f"{name}-serial.txt"))


def run_piped(name, command, work_dir, timeout_s):
    """An emulator whose serial console is its stdin/stdout. Returns (seconds, exited_by_itself)."""
    started = time.monotonic()
    process = start_emulator(command, subprocess.PIPE, subprocess.PIPE, os.path.join(work_dir, f"{name}-stderr.txt"))
    console = Console.piped(process)
    try:
        seconds = boot_to_shell(console, started, timeout_s)
        exited = wait_for_exit(process)
        return seconds, exited, process.returncode
    finally:
        stop_process(process)
        console.reader.join(timeout=5)
        save_console(console, work_dir, name)


def measure_x86emu(args):
    report_path = os.path.join(args.work_dir, "x86emu-report.json")
    if os.path.exists(report_path):
        os.remove(report_path)
    command = x86emu_command(args.x86emu, args.kernel, args.initrd, report_path)
    seconds, exited, returncode = run_piped("x86emu", command, args.work_dir, args.timeout)
    result = {"seconds": seconds, "detail": "model p6 (Pentium Pro), direct Linux boot"}
    if not exited or returncode != 0:
        result["note"] = f"did not power off cleanly (exit {returncode})"
        return result
    with open(report_path, encoding="utf-8") as file:
        report = json.load(file)
    result.update(instructions=report["instructions"], cycles=report["cycles"],
                  emulated_seconds=report["emulated_seconds"],
                  run_wall_seconds=report["wall_seconds"], stop_reason=report["stop_reason"],
                  mips=report["instructions"] / report["wall_seconds"] / 1e6)
    return result


def measure_qemu(args):
    binary = shutil.which("qemu-system-i386")
    if not binary:
        raise NotMeasured("qemu-system-i386 is not installed (Debian package qemu-system-x86)")
    command = [binary, "-accel", "tcg", "-cpu", QEMU_CPU, "-m", str(MEMORY_MIB), "-kernel", args.kernel,
               "-initrd", args.initrd, "-append", APPEND, "-nographic", "-no-reboot"]
    seconds, exited, returncode = run_piped("qemu", command, args.work_dir, args.timeout)
    result = {"seconds": seconds, "detail": f"-cpu {QEMU_CPU}, direct Linux boot (SeaBIOS + linuxboot ROM)"}
    if not exited:
        result["note"] = "did not exit after poweroff -f (killed)"
    return result


def build_boot_iso(args):
    """An El Torito ISO (no emulation, ISOLINUX) with the kernel, the initramfs and our command line."""
    tool = shutil.which("genisoimage")
    isolinux_bin = "/usr/lib/ISOLINUX/isolinux.bin"
    ldlinux = "/usr/lib/syslinux/modules/bios/ldlinux.c32"
    if not tool:
        raise NotMeasured("genisoimage is not installed (Debian package genisoimage)")
    for path, package in ((isolinux_bin, "isolinux"), (ldlinux, "syslinux-common")):
        if not os.path.isfile(path):
            raise NotMeasured(f"{path} is missing (Debian package {package})")
    tree = os.path.join(args.work_dir, "bochs-iso")
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(os.path.join(tree, "isolinux"))
    shutil.copy(isolinux_bin, os.path.join(tree, "isolinux"))
    shutil.copy(ldlinux, os.path.join(tree, "isolinux"))
    shutil.copy(args.kernel, os.path.join(tree, "vmlinuz"))
    shutil.copy(args.initrd, os.path.join(tree, "initrd.gz"))
    with open(os.path.join(tree, "isolinux", "isolinux.cfg"), "w", encoding="ascii") as file:
        # No menu and no timeout: ISOLINUX boots the one entry at once.
        file.write(f"DEFAULT linux\nPROMPT 0\nTIMEOUT 0\nLABEL linux\n  KERNEL /vmlinuz\n"
                   f"  APPEND initrd=/initrd.gz {APPEND}\n")
    iso = os.path.join(args.work_dir, "bochs-boot.iso")
    done = subprocess.run([tool, "-quiet", "-o", iso, "-b", "isolinux/isolinux.bin", "-c", "isolinux/boot.cat",
                           "-no-emul-boot", "-boot-load-size", "4", "-boot-info-table", "-J", "-R", tree],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise NotMeasured(f"genisoimage failed: {done.stderr.strip()[-300:]}")
    return iso


def free_tcp_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def find_file(*candidates):
    return next((path for path in candidates if os.path.isfile(path)), None)


def measure_bochs(args):
    binary = shutil.which("bochs")
    if not binary:
        raise NotMeasured("bochs is not installed (Debian packages bochs, bochsbios, vgabios, bochs-term)")
    bios = find_file("/usr/share/bochs/BIOS-bochs-latest")
    vgabios = find_file("/usr/share/vgabios/vgabios.bin", "/usr/share/bochs/VGABIOS-lgpl-latest")
    if not bios or not vgabios:
        raise NotMeasured("the Bochs BIOS or VGA BIOS is missing (Debian packages bochsbios, vgabios)")
    iso = build_boot_iso(args)
    port = free_tcp_port()
    bochsrc = os.path.join(args.work_dir, "bochsrc")
    with open(bochsrc, "w", encoding="ascii") as file:
        file.write(f"""# written by bench/boot_bench.py: Bochs boots the benchmark's ISO, COM1 on a TCP socket
megs: {MEMORY_MIB}
cpu: model={BOCHS_CPU}, count=1, ips={BOCHS_IPS}, reset_on_triple_fault=0
romimage: file={bios}
vgaromimage: file={vgabios}
pci: enabled=1, chipset=i440fx
ata0-master: type=cdrom, path={iso}, status=inserted
boot: cdrom
# Debian's Bochs has no 'nogui'; 'term' draws the VGA text screen on a pty of its own.
display_library: term
com1: enabled=1, mode=socket-server, dev=localhost:{port}
clock: sync=none, time0=local
# Without a dummy sound driver Debian's Bochs 2.7 aborts at start on a host without a sound card
# ("buffer overflow detected" after the ALSA plugin loads).
sound: driver=dummy
speaker: enabled=0
mouse: enabled=0
log: {os.path.join(args.work_dir, "bochs.log")}
panic: action=fatal
error: action=ignore
info: action=ignore
debug: action=ignore
""")
    continue_rc = os.path.join(args.work_dir, "bochs-continue.rc")
    with open(continue_rc, "w", encoding="ascii") as file:
        file.write("continue\n")  # Debian's Bochs has the debugger built in: start running at once
    started = time.monotonic()
    # Bochs' own stdout (its banner) goes to a file; the guest's serial console is the socket.
    with open(os.path.join(args.work_dir, "bochs-stdout.txt"), "wb") as stdout:
        process = start_emulator([binary, "-q", "-f", bochsrc, "-rc", continue_rc], subprocess.DEVNULL, stdout,
                                os.path.join(args.work_dir, "bochs-stderr.txt"))
    try:
        # Bochs opens the listening socket while it sets up its devices and waits for a client.
        connection = None
        while connection is None:
            if process.poll() is not None:
                raise NotMeasured(f"bochs exited ({process.returncode}) before opening COM1's socket; "
                                  f"see {args.work_dir}/bochs-stderr.txt and bochs.log")
            if time.monotonic() - started > 60:
                raise NotMeasured(f"bochs did not open COM1's socket (port {port}) within 60 s")
            try:
                connection = socket.create_connection(("127.0.0.1", port), timeout=1)
            except OSError:
                time.sleep(0.05)
        connection.settimeout(None)
        console = Console(lambda: connection.recv(4096), connection.sendall, process)
        try:
            seconds = boot_to_shell(console, started, args.timeout)
            exited = wait_for_exit(process)
        finally:
            connection.close()
            console.reader.join(timeout=5)
            save_console(console, args.work_dir, "bochs")
    finally:
        stop_process(process)
    result = {"seconds": seconds, "detail": f"cpu {BOCHS_CPU}, ips {BOCHS_IPS}, BIOS + ISOLINUX from an ATAPI CD"}
    if not exited:
        result["note"] = "did not exit after poweroff -f (killed)"
    return result


def kernel_clock_at_init(work_dir, name):
    """The kernel's printk timestamp on its "Run /init" line in that emulator's console, or None."""
    try:
        with open(os.path.join(work_dir, f"{name}-serial.txt"), "rb") as file:
            match = re.search(rb"\[\s*(\d+\.\d+)\] Run /init", file.read())
    except OSError:
        return None
    return float(match.group(1)) if match else None


def package_version(package):
    done = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", package], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else "unknown version"


def machine_description():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as file:
            for line in file:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return f"{model}, {os.cpu_count()} CPUs, load average {load}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--x86emu", required=True, help="path of x86emu-headless")
    parser.add_argument("--kernel", required=True)
    parser.add_argument("--initrd", required=True)
    parser.add_argument("--work-dir", default="build/bench/boot")
    parser.add_argument("--timeout", type=float, default=900, help="host seconds per emulator to reach the shell")
    parser.add_argument("--only", default="x86emu,qemu,bochs", help="comma-separated subset of x86emu,qemu,bochs")
    args = parser.parse_args()
    emulators = [name.strip() for name in args.only.split(",") if name.strip()]
    measures = {"x86emu": measure_x86emu, "qemu": measure_qemu, "bochs": measure_bochs}
    unknown = [name for name in emulators if name not in measures]
    if unknown or not emulators:
        parser.error(f"--only takes x86emu, qemu and bochs, not {','.join(unknown) or 'nothing'}")
    for path in (args.x86emu, args.kernel, args.initrd):
        if not os.path.isfile(path):
            parser.error(f"{path} does not exist")
    os.makedirs(args.work_dir, exist_ok=True)

    print(f"machine: {machine_description()}")
    print(f"guest: {args.kernel} + {args.initrd}, -append \"{APPEND}\", {MEMORY_MIB} MiB")
    labels = {"x86emu": "x86emu",
              "qemu": f"QEMU {package_version('qemu-system-x86')} TCG",
              "bochs": f"Bochs {package_version('bochs')}"}
    results = {}
    for name in emulators:
        print(f"==> {labels[name]}", flush=True)
        try:
            results[name] = measures[name](args)
            print(f"    boot to shell: {results[name]['seconds']:.1f} s", flush=True)
        except NotMeasured as why:
            results[name] = {"not_measured": str(why)}
            print(f"    not measured: {why}", flush=True)

    print()
    width = max(len(labels[name]) for name in emulators) + 2
    print(f"{'emulator':<{width}} {'boot to shell':>14}  {'x86emu/this':>11}  {'/init at':>9}  notes")
    ours = results.get("x86emu", {}).get("seconds")
    for name in emulators:
        result = results[name]
        if "not_measured" in result:
            print(f"{labels[name]:<{width}} {'not measured':>14}  {'-':>11}  {'-':>9}  {result['not_measured']}")
            continue
        ratio = f"{ours / result['seconds']:.3f}" if ours else "-"
        at_init = kernel_clock_at_init(args.work_dir, name)
        at_init = f"{at_init:.2f} s" if at_init is not None else "-"
        notes = "; ".join(filter(None, [result.get("detail"), result.get("note")]))
        print(f"{labels[name]:<{width}} {result['seconds']:>12.1f} s  {ratio:>11}  {at_init:>9}  {notes}")
    ours_result = results.get("x86emu", {})
    if "instructions" in ours_result:
        print(f"x86emu whole run (boot, probe, poweroff): {ours_result['instructions']} guest instructions, "
              f"{ours_result['cycles']} cycles ({ours_result['emulated_seconds']:.1f} s emulated), "
              f"{ours_result['run_wall_seconds']:.1f} s host, {ours_result['mips']:.1f} MIPS")
    print("x86emu/this = x86emu's boot-to-shell time divided by this emulator's (a time ratio): "
          "below 1 x86emu is faster, above 1 it needs that many times as long.")
    print("/init at = the guest kernel's own clock (printk time) when it ran /init: guest time, not host time.")
    with open(os.path.join(args.work_dir, "results.json"), "w", encoding="utf-8") as file:
        json.dump(results, file, indent=2)
    return 0 if all("not_measured" not in result for result in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
