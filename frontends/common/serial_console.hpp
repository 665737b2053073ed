// x86emu frontends — the host side of a serial port (--serial stdio | file:PATH | none): where a
// UART's transmitted bytes go and where its received bytes come from. It knows no device: it is
// connected to a UART through SerialHostInterface, two functions the platform's UART provides
// (docs/HEADLESS.md, "Serial console").
//
// stdio: output is written unbuffered to standard output (write(2), every byte at once). When
// standard input is a terminal it is put into raw mode (no echo, no line editing, no CR/LF
// translation; ISIG stays on, so Ctrl-C still ends the run like QEMU's -serial stdio) and restored
// on every exit path: the destructor, an atexit handler, and restore_terminal_from_signal() for a
// signal handler. Standard input is read on its own thread (poll(2) on stdin and a wake-up pipe)
// and handed to push_input, which must be thread-safe (HostInputQueue::push); end of input stops
// the thread. file:PATH: output to the file, no input. none: nothing. vc (Kind::Pane): output
// is queued under a mutex for the frontend that draws the pane (take_pane_output, any thread),
// and the frontend sends what is typed there with send_input (any thread).
#pragma once
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "options.hpp"

namespace x86emu::frontend {

// What a UART offers its host side.
struct SerialHostInterface {
    // Installs the function the UART calls (on the CPU's thread) with each byte it transmits.
    std::function<void(std::function<void(std::uint8_t)>)> set_output;
    // Queues bytes for the UART's receiver; called from the input thread, so thread-safe.
    std::function<void(std::span<const std::uint8_t>)> push_input;
};

class SerialConsole {
public:
    // Opens the host side (the file for file:PATH: UsageError if it cannot be written; raw mode
    // for stdio on a TTY). Nothing is read before connect().
    explicit SerialConsole(const SerialSpec& spec);
    ~SerialConsole();
    SerialConsole(const SerialConsole&) = delete;
    SerialConsole& operator=(const SerialConsole&) = delete;

    // Wires the console to a UART and starts the input thread (stdio). Once.
    void connect(const SerialHostInterface& uart);
    // Stops the input thread, flushes and closes the output, restores the terminal. Idempotent;
    // false if output could not be written completely.
    bool finish();

    SerialSpec::Kind kind() const { return spec_.kind; }
    // The bytes the UART sent so far (for the report).
    std::uint64_t bytes_out() const { return bytes_out_; }

    // vc: appends the bytes the UART sent since the last call to `out`. The queue keeps at most
    // kPaneQueueLimit bytes; older ones beyond it are dropped (pane_bytes_dropped counts them).
    void take_pane_output(std::vector<std::uint8_t>& out);
    std::uint64_t pane_bytes_dropped();
    // vc: queues bytes for the UART's receiver, as if typed on a terminal; nothing before connect().
    void send_input(std::span<const std::uint8_t> bytes);
    static constexpr std::size_t kPaneQueueLimit = 1 << 20;

private:
    void put(std::uint8_t byte);
    void read_input(std::function<void(std::span<const std::uint8_t>)> push);

    SerialSpec spec_;
    std::FILE* file_ = nullptr;
    bool ok_ = true;
    std::uint64_t bytes_out_ = 0;
    int wake_pipe_[2] = {-1, -1};
    std::function<void(std::span<const std::uint8_t>)> push_input_;  // vc: the UART's receiver
    std::mutex pane_mutex_;
    std::vector<std::uint8_t> pane_queue_;
    std::uint64_t pane_dropped_ = 0;
    std::thread input_thread_;
};

// Restores the terminal if a SerialConsole put it into raw mode; async-signal-safe (tcsetattr),
// for a SIGINT/SIGTERM handler.
void restore_terminal_from_signal();

}  // namespace x86emu::frontend
