// x86emu frontends — the run's own guest-visible ports, shared by x86emu-headless and x86emu-sdl
// (docs/HEADLESS.md): the POST code port (--post-port; every byte recorded, --until-post stops the
// run once its code is written) and the debug console port (--debugcon; bytes copied verbatim to
// --debugcon-file or standard output, reads return E9h as guests expect).
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>

#include <x86emu/machine.hpp>

#include "options.hpp"
#include "report.hpp"

namespace x86emu::frontend {

// Bytes the guest writes to the debug console port, passed through unchanged. The stream is
// flushed at every newline (so complete lines survive even a kill -9) and when the run ends.
class DebugConsole {
public:
    // Standard output for an empty path; UsageError if the file cannot be opened.
    explicit DebugConsole(const std::string& path);
    ~DebugConsole() { finish(); }
    DebugConsole(const DebugConsole&) = delete;
    DebugConsole& operator=(const DebugConsole&) = delete;

    void put(std::uint8_t byte);
    // Flushes (and closes a file we opened); false if any write failed.
    bool finish();

private:
    std::FILE* out_ = nullptr;
    bool owned_ = false;
    bool ok_ = true;
};

// The POST and debug console ports of one run: opens the debug console and, once attached,
// records POST codes into `post_codes` and asks the machine to stop at the --until-post code
// (the OUT completes, nothing after it runs). Everything runs on the CPU's thread.
class GuestPorts {
public:
    GuestPorts(const Options& options, PostCodeLog& post_codes)
        : options_(options), post_codes_(post_codes), debugcon_(options.debugcon_path) {}
    // UsageError for a port the PC platform's devices claim.
    void attach(Machine& machine);
    bool post_reached() const { return post_reached_; }
    // The Outcome of reaching the --until-post code after `cycles`.
    Outcome post_outcome(std::uint64_t cycles) const;
    bool finish() { return debugcon_.finish(); }

private:
    void on_post(std::uint8_t code);

    const Options& options_;
    PostCodeLog& post_codes_;
    DebugConsole debugcon_;
    Machine* machine_ = nullptr;
    bool post_reached_ = false;
};

// "0x5A": a byte as the runners' messages show it.
std::string hex_byte(std::uint8_t value);

}  // namespace x86emu::frontend
