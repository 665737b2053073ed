// bench/bochs_driver.cpp — x86emu-bench-bochs: times the benchmark guest inside another emulator
// (Bochs, or QEMU with its port-0xE9 debug console on stdout). It starts the given command with
// its stdout on a pipe, reads the port-0xE9 stream byte by byte, and measures host wall time
// between the guest's START and END marker bytes, so emulator start-up, BIOS POST and the boot
// loader are not counted. The emulator never exits by itself (the guest halts with interrupts
// off), so it is killed once the guest has finished.
#include <boost/program_options.hpp>

#include <chrono>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <exception>
#include <iomanip>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using Clock = std::chrono::steady_clock;
constexpr char kStartMarker = 0x02;  // must match workload.asm
constexpr char kEndMarker = 0x03;

std::runtime_error system_error(const std::string& what) {
    return std::runtime_error(what + ": " + std::strerror(errno));
}

// The emulator process, in its own process group so that killing it also kills any wrapper
// (Debian's `bochs` is a shell script that execs bochs-bin).
class ChildProcess {
public:
    ChildProcess(const std::vector<std::string>& command, const std::string& stderr_path) {
        int pipe_fds[2];
        if (pipe(pipe_fds) != 0) throw system_error("pipe");
        pid_ = fork();
        if (pid_ < 0) throw system_error("fork");
        if (pid_ == 0) {
            setpgid(0, 0);
            const int null_in = open("/dev/null", O_RDONLY);
            const int err_out = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (null_in >= 0) dup2(null_in, STDIN_FILENO);
            if (err_out >= 0) dup2(err_out, STDERR_FILENO);
            dup2(pipe_fds[1], STDOUT_FILENO);
            close(pipe_fds[0]);
            close(pipe_fds[1]);
            std::vector<char*> argv;
            for (const auto& word : command) argv.push_back(const_cast<char*>(word.c_str()));
            argv.push_back(nullptr);
            execvp(argv[0], argv.data());
            const std::string message = "x86emu-bench-bochs: error: cannot run '" + command[0] + "': " + std::strerror(errno) + "\n";
            (void)!write(STDERR_FILENO, message.data(), message.size());
            _exit(127);
        }
        setpgid(pid_, pid_);  // also here, so there is no window in which the group is missing
        close(pipe_fds[1]);
        stdout_fd_ = pipe_fds[0];
    }
    ~ChildProcess() {
        kill_and_reap();
        if (stdout_fd_ >= 0) close(stdout_fd_);
    }
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    int stdout_fd() const { return stdout_fd_; }

    // Returns the exit status text if the child has already exited (after its stdout closed).
    std::string reap_status() {
        int status = 0;
        if (pid_ <= 0 || waitpid(pid_, &status, 0) != pid_) return "unknown status";
        pid_ = -1;
        if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
        if (WIFSIGNALED(status)) return std::string("signal ") + strsignal(WTERMSIG(status));
        return "unknown status";
    }

    void kill_and_reap() {
        if (pid_ <= 0) return;
        kill(-pid_, SIGKILL);  // Bochs ignores SIGTERM while its simulation loop runs
        int status = 0;
        waitpid(pid_, &status, 0);
        pid_ = -1;
    }

private:
    pid_t pid_ = -1;
    int stdout_fd_ = -1;
};

// Reads what is available within `timeout`: nullopt when nothing arrived (timeout or an
// interrupted wait), an empty string at end of file.
std::optional<std::string> read_some(int fd, std::chrono::milliseconds timeout) {
    pollfd poll_fd{fd, POLLIN, 0};
    const int ready = poll(&poll_fd, 1, static_cast<int>(timeout.count()));
    if (ready < 0) {
        if (errno == EINTR) return std::nullopt;
        throw system_error("poll");
    }
    if (ready == 0) return std::nullopt;
    char buffer[4096];
    const ssize_t count = read(fd, buffer, sizeof buffer);
    if (count < 0) {
        if (errno == EINTR) return std::nullopt;
        throw system_error("read");
    }
    return std::string(buffer, static_cast<std::size_t>(count));
}

int run(int argc, char** argv) {
    namespace po = boost::program_options;
    std::uint64_t instructions = 0;
    unsigned timeout_seconds = 0;
    std::string stderr_path;
    std::vector<std::string> command;
    po::options_description options(
        "Usage: x86emu-bench-bochs [options] -- COMMAND [ARGS...]\n"
        "Example: x86emu-bench-bochs --instructions 96000000 -- bochs -q -f bochsrc -rc continue.rc\nOptions");
    options.add_options()
        ("help,h", "show this help")
        ("instructions", po::value(&instructions)->default_value(0), "guest instructions in the measured part (from x86emu-bench), to compute MIPS")
        ("timeout", po::value(&timeout_seconds)->default_value(900), "give up after this many seconds")
        ("stderr-log", po::value(&stderr_path)->default_value("/dev/null"), "file that receives the emulator's stderr")
        ("command", po::value(&command), "the emulator command line (after --)");
    po::positional_options_description positional;
    positional.add("command", -1);
    po::variables_map args;
    po::store(po::command_line_parser(argc, argv).options(options).positional(positional).run(), args);
    if (args.count("help")) {
        std::cout << options << '\n';
        return 0;
    }
    po::notify(args);
    if (command.empty()) throw std::runtime_error("no emulator command given (put it after --)");

    ChildProcess emulator(command, stderr_path);
    const auto deadline = Clock::now() + std::chrono::seconds(timeout_seconds);
    std::optional<Clock::time_point> start_time, end_time;
    std::string guest_text;  // everything after the end marker: the checksum line

    while (!end_time || guest_text.find('\n') == std::string::npos) {
        const auto now = Clock::now();
        if (now >= deadline)
            throw std::runtime_error(std::string("timed out after ") + std::to_string(timeout_seconds) + " s waiting for the " +
                                     (!start_time ? "start marker" : !end_time ? "end marker" : "checksum line") +
                                     " (emulator stderr: " + stderr_path + ")");
        const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
        const std::optional<std::string> chunk = read_some(emulator.stdout_fd(), std::min(wait, std::chrono::milliseconds(1000)));
        if (!chunk) continue;
        // Timestamp as soon as the bytes arrive; the emulator flushes after every port-0xE9 byte.
        const auto arrival = Clock::now();
        if (chunk->empty()) {
            const std::string status = emulator.reap_status();
            if (status == "exit code 127") throw std::runtime_error("cannot run '" + command[0] + "' (is it installed?)");
            throw std::runtime_error("the emulator exited (" + status + ") before the guest finished; see " + stderr_path);
        }
        for (const char byte : *chunk) {
            if (byte == kStartMarker && !start_time) start_time = arrival;
            else if (byte == kEndMarker && start_time && !end_time) end_time = arrival;
            else if (end_time) guest_text.push_back(byte);
        }
    }
    emulator.kill_and_reap();

    while (!guest_text.empty() && (guest_text.back() == '\n' || guest_text.back() == '\r')) guest_text.pop_back();
    const double seconds = std::chrono::duration<double>(*end_time - *start_time).count();
    std::cout << std::fixed << "guest output: " << guest_text << '\n'
              << std::setprecision(3) << "host seconds: " << seconds << '\n';
    if (instructions > 0)
        std::cout << "guest instructions: " << instructions << '\n'
                  << std::setprecision(2) << "guest MIPS: " << static_cast<double>(instructions) / seconds / 1e6 << '\n';
    // The emulator has been reaped: the largest child's peak resident memory is the emulator's
    // (Debian's `bochs` wrapper script execs bochs-bin, so it is the same process).
    rusage usage{};
    if (getrusage(RUSAGE_CHILDREN, &usage) == 0) std::cout << "emulator max RSS KiB: " << usage.ru_maxrss << '\n';
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& error) {
        std::cerr << "x86emu-bench-bochs: error: " << error.what() << '\n';
        return 2;
    }
}
