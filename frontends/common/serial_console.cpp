// x86emu frontends — the serial console's host side: output, raw terminal mode and its restoring,
// the stdin thread (serial_console.hpp).
#include "serial_console.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>

#include <poll.h>
#include <termios.h>
#include <unistd.h>

namespace x86emu::frontend {

namespace {

// The terminal's settings before raw mode; restored at most once per raw mode. Plain globals, so
// that the signal handler and atexit can reach them.
struct termios g_saved_termios;
volatile std::sig_atomic_t g_terminal_raw = 0;

void restore_terminal() {
    if (!g_terminal_raw) return;
    g_terminal_raw = 0;
    tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_termios);
}

void enter_raw_mode() {
    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &g_saved_termios) != 0) return;
    static bool atexit_registered = false;
    if (!atexit_registered) {
        std::atexit(restore_terminal);
        atexit_registered = true;
    }
    struct termios raw = g_saved_termios;
    // cfmakeraw's changes, but ISIG kept: Ctrl-C and Ctrl-\ still signal the runner.
    raw.c_iflag &= static_cast<tcflag_t>(~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON));
    raw.c_oflag &= static_cast<tcflag_t>(~OPOST);
    raw.c_lflag &= static_cast<tcflag_t>(~(ECHO | ECHONL | ICANON | IEXTEN));
    raw.c_cflag &= static_cast<tcflag_t>(~(CSIZE | PARENB));
    raw.c_cflag |= CS8;
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0) g_terminal_raw = 1;
}

bool write_all(int fd, const std::uint8_t* data, std::size_t size) {
    while (size) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

void restore_terminal_from_signal() { restore_terminal(); }

SerialConsole::SerialConsole(const SerialSpec& spec) : spec_(spec) {
    if (spec_.kind == SerialSpec::Kind::File) {
        file_ = std::fopen(spec_.path.c_str(), "wb");
        if (!file_) throw UsageError("--serial file:" + spec_.path + ": cannot open for writing");
    } else if (spec_.kind == SerialSpec::Kind::Stdio) {
        enter_raw_mode();
    }
}

SerialConsole::~SerialConsole() { finish(); }

void SerialConsole::connect(const SerialHostInterface& uart) {
    if (spec_.kind == SerialSpec::Kind::None) return;
    if (uart.set_output) uart.set_output([this](std::uint8_t byte) { put(byte); });
    if (spec_.kind == SerialSpec::Kind::Pane) push_input_ = uart.push_input;
    if (spec_.kind != SerialSpec::Kind::Stdio || !uart.push_input || input_thread_.joinable()) return;
    if (::pipe(wake_pipe_) != 0) {
        wake_pipe_[0] = wake_pipe_[1] = -1;
        return;  // no input then; output still works
    }
    input_thread_ = std::thread([this, push = uart.push_input] { read_input(push); });
}

void SerialConsole::put(std::uint8_t byte) {
    ++bytes_out_;
    if (spec_.kind == SerialSpec::Kind::Stdio) {
        if (!write_all(STDOUT_FILENO, &byte, 1)) ok_ = false;
    } else if (spec_.kind == SerialSpec::Kind::Pane) {
        std::lock_guard lock(pane_mutex_);
        if (pane_queue_.size() >= kPaneQueueLimit) {  // nobody drains it: keep the newest half
            const std::size_t drop = pane_queue_.size() / 2;
            pane_queue_.erase(pane_queue_.begin(), pane_queue_.begin() + static_cast<std::ptrdiff_t>(drop));
            pane_dropped_ += drop;
        }
        pane_queue_.push_back(byte);
    } else if (file_) {
        if (std::fputc(byte, file_) == EOF) ok_ = false;
        if (byte == '\n') std::fflush(file_);  // complete lines survive a kill
    }
}

void SerialConsole::take_pane_output(std::vector<std::uint8_t>& out) {
    std::lock_guard lock(pane_mutex_);
    out.insert(out.end(), pane_queue_.begin(), pane_queue_.end());
    pane_queue_.clear();
}

std::uint64_t SerialConsole::pane_bytes_dropped() {
    std::lock_guard lock(pane_mutex_);
    return pane_dropped_;
}

void SerialConsole::send_input(std::span<const std::uint8_t> bytes) {
    if (push_input_ && !bytes.empty()) push_input_(bytes);
}

void SerialConsole::read_input(std::function<void(std::span<const std::uint8_t>)> push) {
    std::uint8_t buffer[4096];
    for (;;) {
        struct pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (fds[1].revents) return;  // finish() asked us to stop
        if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) return;  // end of input
        push(std::span<const std::uint8_t>(buffer, static_cast<std::size_t>(n)));
    }
}

bool SerialConsole::finish() {
    if (input_thread_.joinable()) {
        const std::uint8_t stop = 1;
        write_all(wake_pipe_[1], &stop, 1);
        input_thread_.join();
    }
    for (int& fd : wake_pipe_) {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
    if (file_) {
        if (std::fflush(file_) != 0 || std::ferror(file_)) ok_ = false;
        if (std::fclose(file_) != 0) ok_ = false;
        file_ = nullptr;
    }
    if (spec_.kind == SerialSpec::Kind::Stdio) restore_terminal();
    return ok_;
}

}  // namespace x86emu::frontend
