"""scripts/linux_guest.py — the reference Linux guest's boot and serial console, shared by the
test (frontends/headless/tests/check_debian_kernel.py) and the boot benchmark (bench/boot_bench.py).

What both do the same way: fetch the guest through scripts/fetch_guest.sh, boot it with the same
kernel command line and RAM, collect the serial console in a thread, wait for the initramfs's
"x86emu: initramfs ready" line, type `echo shell-$((6*7))` and wait for the shell's "shell-42"
(only the shell's answer says 42; the echo of the typed line does not), type commands, power off.
Errors are GuestError with a message saying what was awaited; each caller turns it into a test
failure or a "not measured" line. Standard library only.
"""
import os
import re
import shlex
import signal
import subprocess
import threading
import time

# console=ttyS0,115200: Linux's default of 9600 baud makes every console character cost about
# 1 ms of emulated time on the modelled 16550A. cryptomgr.notests skips the crypto self-tests,
# which otherwise take most of the boot.
APPEND = "console=ttyS0,115200 cryptomgr.notests"
MEMORY_MIB = 128
READY_PATTERN = rb"x86emu: initramfs ready"
PROBE_COMMAND = "echo shell-$((6*7))"
PROBE_ANSWER = rb"shell-42"


class GuestError(Exception):
    """The guest could not be fetched, booted or driven; the message says why."""


def fetch_guest(script, extra_args=()):
    """Runs scripts/fetch_guest.sh; returns {"kernel": path, "initrd": path}."""
    return run_script(script, list(extra_args), ("kernel", "initrd"))


def x86emu_command(binary, kernel, initrd, report_path=None, extra=()):
    """x86emu-headless booting the guest with QEMU's spelling, COM1 on stdin/stdout."""
    command = [binary, "-kernel", kernel, "-initrd", initrd, "-append", APPEND,
               "-m", f"{MEMORY_MIB}M", "-nographic", "-serial", "stdio", *extra]
    if report_path:
        command += ["--report", report_path]
    return command


def start_process(command, stdin, stdout, stderr_path):
    """The emulator in its own session, so that killing its group also ends any wrapper script."""
    print("$", shlex.join(command), flush=True)
    with open(stderr_path, "wb") as stderr:
        try:
            return subprocess.Popen(command, stdin=stdin, stdout=stdout, stderr=stderr, start_new_session=True)
        except OSError as error:
            raise GuestError(f"cannot run {command[0]}: {error}") from error


def stop_process(process):
    """Kills the emulator's process group if it still runs, and reaps it."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait()


class Console:
    """The guest's serial output collected by a thread from `read_chunk`; typed into with `write_bytes`."""

    def __init__(self, read_chunk, write_bytes, process):
        self.read_chunk = read_chunk
        self.write_bytes = write_bytes
        self.process = process
        self.output = bytearray()
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    @classmethod
    def piped(cls, process):
        """The console of an emulator whose serial port is its stdin/stdout."""
        def write_bytes(data):
            process.stdin.write(data)
            process.stdin.flush()
        return cls(lambda: process.stdout.read1(4096), write_bytes, process)

    def _read(self):
        while True:
            try:
                chunk = self.read_chunk()
            except OSError:
                return
            if not chunk:
                return
            with self.lock:
                self.output += chunk

    def text(self):
        with self.lock:
            return bytes(self.output)

    def search(self, pattern, deadline, start=0):
        """The first match of `pattern` (bytes regex) at or after `start`, before `deadline`
        (time.monotonic() seconds); GuestError if the emulator exits or the deadline passes."""
        regex = re.compile(pattern)
        while True:
            match = regex.search(self.text(), start)
            if match:
                return match
            if self.process.poll() is not None and not self.reader.is_alive():
                raise GuestError(f"the emulator exited ({self.process.returncode}) before "
                                 f"{pattern.decode(errors='replace')!r} appeared")
            if time.monotonic() >= deadline:
                raise GuestError(f"{pattern.decode(errors='replace')!r} did not appear in time")
            time.sleep(0.05)

    def wait_for(self, pattern, deadline, start=0):
        """The offset just past the first match of `pattern` at or after `start`."""
        return self.search(pattern, deadline, start).end()

    def type(self, line):
        self.write_bytes(line.encode() + b"\n")

    def save(self, path):
        with open(path, "wb") as file:
            file.write(self.text())


def boot_to_shell(console, deadline):
    """Waits for the initramfs and a shell that answers; returns the offset past its answer."""
    at = console.wait_for(READY_PATTERN, deadline)
    console.type(PROBE_COMMAND)
    return console.wait_for(PROBE_ANSWER, deadline, at)


def wait_for_exit(process, timeout):
    """True if the emulator ended by itself within `timeout` host seconds (after poweroff)."""
    try:
        process.wait(timeout=timeout)
        return True
    except subprocess.TimeoutExpired:
        return False


# `uname -a` of Debian's 6.1 686 kernel (the version is resolved, never pinned: fetch_guest.sh).
UNAME_PATTERN = r"Linux \S+ 6\.1\.\S+-686\S* #1 SMP .*Debian.* i686"
CYCLE_LIMIT = 200_000_000_000   # a runaway guest ends the run (exit 4) rather than a test timeout
BOOT_TIMEOUT_S = 900            # host seconds until the shell answers
COMMAND_TIMEOUT_S = 300         # host seconds for each typed command's answer


def run_script(script, args, keys):
    """Runs a helper script (fetch_guest.sh, make_boot_disk.sh); returns the existing file paths
    it printed as "key: PATH" lines for each of `keys`. GuestError on a failure or a missing path."""
    print("$", shlex.join([script, *args]), flush=True)
    done = subprocess.run([script, *args], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    print(done.stdout.rstrip())
    if done.stderr.strip():
        print(done.stderr.rstrip())
    if done.returncode != 0:
        raise GuestError(f"{script} exited {done.returncode} (see above)")
    paths = {}
    for line in done.stdout.splitlines():
        key, _, value = line.partition(":")
        if key in keys:
            paths[key] = value.strip()
    for key in keys:
        if not paths.get(key) or not os.path.isfile(paths[key]):
            raise GuestError(f"{script} printed no existing {key} path")
    return paths


def check_answers(text, expectations):
    """Each (regex, description) of `expectations` must match `text`; prints ok lines, GuestError otherwise."""
    for pattern, what in expectations:
        if not re.search(pattern, text):
            raise GuestError(f"{what}: /{pattern}/ not in the answer")
        print(f"ok: {what}")


def boot_and_power_off(command, work_dir, rounds, boot_expectations=()):
    """Runs `command` (the runner with -serial stdio; --max-cycles and --report are added) to the
    shell, checks `boot_expectations` against everything printed before "x86emu: initramfs ready",
    then for each (commands, expectations) of `rounds` types `commands` (one shell line) and checks
    `expectations` against its answer, then powers off and expects exit 0 with stop reason
    powered_off. Returns the runner's JSON report with "boot_seconds" (host seconds to a shell that
    answers) and "total_seconds" added. The serial console is kept as WORK_DIR/serial_console.txt;
    on a GuestError its end is printed first."""
    import json
    os.makedirs(work_dir, exist_ok=True)
    report_path = os.path.join(work_dir, "report.json")
    stderr_path = os.path.join(work_dir, "stderr.txt")
    for path in (report_path, stderr_path):
        if os.path.exists(path):
            os.remove(path)
    command = [*command, "--max-cycles", str(CYCLE_LIMIT), "--report", report_path]
    started = time.monotonic()
    process = start_process(command, subprocess.PIPE, subprocess.PIPE, stderr_path)
    console = Console.piped(process)
    try:
        at = console.wait_for(READY_PATTERN, started + BOOT_TIMEOUT_S)
        check_answers(console.text()[:at].decode("utf-8", "replace"), boot_expectations)
        at = boot_to_shell(console, started + BOOT_TIMEOUT_S)
        boot_seconds = time.monotonic() - started
        print(f"boot to shell: {boot_seconds:.1f} s host time")
        for number, (commands, expectations) in enumerate(rounds):
            # The marker is computed by the shell, so the echo of the typed line does not match.
            console.type(f"{commands}; echo done-$((6*8+{number}))")
            end = console.wait_for(rb"done-%d" % (48 + number), time.monotonic() + COMMAND_TIMEOUT_S, at)
            check_answers(console.text()[at:end].decode("utf-8", "replace"), expectations)
            at = end
        console.type("poweroff -f")
        if not wait_for_exit(process, COMMAND_TIMEOUT_S):
            raise GuestError("the runner did not end after poweroff -f")
        console.reader.join(timeout=10)
        if process.returncode != 0:
            with open(stderr_path, encoding="utf-8", errors="replace") as file:
                print("stderr:", file.read()[-2000:])
            raise GuestError(f"exit code {process.returncode} after poweroff -f, expected 0")
    except GuestError:
        print("---- serial console (last 3000 bytes) ----")
        print(console.text()[-3000:].decode("utf-8", "replace"))
        print("------------------------------------------")
        raise
    finally:
        stop_process(process)
        console.save(os.path.join(work_dir, "serial_console.txt"))
    total_seconds = time.monotonic() - started
    with open(report_path, encoding="utf-8") as file:
        report = json.load(file)
    if report["stop_reason"] != "powered_off":
        raise GuestError(f"stop reason {report['stop_reason']}, expected powered_off")
    print(f"powered off after {total_seconds:.1f} s host time: {report['instructions']} instructions, "
          f"{report['cycles']} cycles ({report['emulated_seconds']:.2f} s emulated), "
          f"{report['instructions'] / report['wall_seconds'] / 1e6:.1f} MIPS")
    report["boot_seconds"] = boot_seconds
    report["total_seconds"] = total_seconds
    return report
