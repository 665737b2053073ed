"""Driving issue 11's Linux guest at the serial console of x86emu-headless (a shared module).

Used by check_debian_kernel.py (the kernel booted directly, -kernel/-initrd) and
check_disk_boot.py (the same kernel booted from a disk image through the BIOS and a boot loader):
both start the runner with `-serial stdio`, wait for the initramfs's "x86emu: initramfs ready" and
a shell that answers, type commands and check the answers, then `poweroff -f` and expect exit 0
with stop reason powered_off in the runner's JSON report.

Input is typed only once the shell has answered, as a person would (bytes typed before the serial
port is opened are lost on a real 16550 too: the driver resets its FIFOs at open).
Standard library only.
"""
import json
import os
import re
import subprocess
import sys
import threading
import time

# The kernel command line of every test: skips the kernel's crypto self-tests (most of the boot
# otherwise) and sets the console to 115200 baud (Linux's default of 9600 makes every kernel
# message cost about 1 ms of emulated time per character on the modelled 16550A).
APPEND = "console=ttyS0,115200 cryptomgr.notests"
CYCLE_LIMIT = 200_000_000_000   # a runaway guest ends the run (exit 4) rather than the timeout
BOOT_TIMEOUT_S = 900            # host seconds until the shell answers
COMMAND_TIMEOUT_S = 300
# `uname -a` of Debian's 6.1 686 kernel (the version is resolved, never pinned: fetch_guest.sh).
UNAME_PATTERN = r"Linux \S+ 6\.1\.\S+-686\S* #1 SMP .*Debian.* i686"


def fail(what, transcript=b""):
    if transcript:
        print("---- serial console (last 3000 bytes) ----")
        print(transcript[-3000:].decode("utf-8", "replace"))
        print("------------------------------------------")
    print(f"FAILED: {what}", file=sys.stderr)
    sys.exit(1)


def run_script(script, args, keys):
    """Runs a helper script (fetch_guest.sh, make_boot_disk.sh) and returns the existing file paths
    it printed as "key: PATH" lines for each of `keys`; a failure or a missing path fails."""
    print("$", script, *args)
    done = subprocess.run([script, *args], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    print(done.stdout.rstrip())
    print(done.stderr.rstrip(), file=sys.stderr)
    if done.returncode != 0:
        fail(f"{script} exited {done.returncode} (see above)")
    paths = {}
    for line in done.stdout.splitlines():
        key, _, value = line.partition(":")
        if key in keys:
            paths[key] = value.strip()
    for key in keys:
        if not paths.get(key) or not os.path.isfile(paths[key]):
            fail(f"{script} printed no existing {key} path")
    return paths


def fetch_guest(script):
    """The kernel and initrd paths of scripts/fetch_guest.sh (which fetches and caches them)."""
    return run_script(script, [], ("kernel", "initrd"))


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


def check_all(text, expectations, transcript):
    """Each (regex, description) of `expectations` must match `text`; prints ok lines."""
    for pattern, what in expectations:
        if not re.search(pattern, text):
            fail(f"{what}: /{pattern}/ not in the answer", transcript)
        print(f"ok: {what}")


def boot_and_power_off(command, work_dir, rounds, boot_expectations=()):
    """Runs `command` (the runner with -serial stdio; --max-cycles and --report are added) to the
    shell, checks `boot_expectations` against everything printed before "x86emu: initramfs ready",
    then for each (commands, expectations) of `rounds` types `commands` (one shell line) and checks
    `expectations` against its answer, then powers off. Returns the runner's JSON report with "boot_seconds" (host seconds to a shell that
    answers) and "total_seconds" added. The serial console is kept as serial_console.txt."""
    os.makedirs(work_dir, exist_ok=True)
    report_path = os.path.join(work_dir, "report.json")
    stderr_path = os.path.join(work_dir, "stderr.txt")
    for path in (report_path, stderr_path):
        if os.path.exists(path):
            os.remove(path)
    command = [*command, "--max-cycles", str(CYCLE_LIMIT), "--report", report_path]
    print("$", " ".join(command))
    started = time.monotonic()
    with open(stderr_path, "wb") as stderr:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr)
    console = Console(process)
    try:
        at = console.wait_for(rb"x86emu: initramfs ready", BOOT_TIMEOUT_S)
        check_all(console.text()[:at].decode("utf-8", "replace"), boot_expectations, console.text())
        # The shell answers: `$((6*7))` is echoed as typed, only the shell's output says 42.
        console.type("echo shell-$((6*7))")
        at = console.wait_for(rb"shell-42", BOOT_TIMEOUT_S, at)
        boot_seconds = time.monotonic() - started
        print(f"boot to shell: {boot_seconds:.1f} s host time")

        for number, (commands, expectations) in enumerate(rounds):
            # The marker is computed by the shell, so the echo of the typed line does not match.
            console.type(f"{commands}; echo done-$((6*8+{number}))")
            end = console.wait_for(rb"done-%d" % (48 + number), COMMAND_TIMEOUT_S, at)
            check_all(console.text()[at:end].decode("utf-8", "replace"), expectations, console.text())
            at = end

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
        with open(os.path.join(work_dir, "serial_console.txt"), "wb") as file:
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
    print(f"powered off after {total_seconds:.1f} s host time: {report['instructions']} instructions, "
          f"{report['cycles']} cycles ({report['emulated_seconds']:.2f} s emulated), "
          f"{report['instructions'] / report['wall_seconds'] / 1e6:.1f} MIPS")
    report["boot_seconds"] = boot_seconds
    report["total_seconds"] = total_seconds
    return report
