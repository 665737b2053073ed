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
// the thread. file:PATH: output to the file, no input. none: nothing.
#pragma once
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <span>
#include <thread>

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

    // The bytes the UART sent so far (for the report).
    std::uint64_t bytes_out() const { return bytes_out_; }

private:
    void put(std::uint8_t byte);
    void read_input(std::function<void(std::span<const std::uint8_t>)> push);

    SerialSpec spec_;
    std::FILE* file_ = nullptr;
    bool ok_ = true;
    std::uint64_t bytes_out_ = 0;
    int wake_pipe_[2] = {-1, -1};
    std::thread input_thread_;
};

// Restores the terminal if a SerialConsole put it into raw mode; async-signal-safe (tcsetattr),
// for a SIGINT/SIGTERM handler.
void restore_terminal_from_signal();

}  // namespace x86emu::frontend
