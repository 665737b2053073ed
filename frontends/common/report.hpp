// x86emu frontends — the JSON run report (--report FILE.json) of x86emu-headless and x86emu-sdl:
// how the run ended, the POST codes, the counters and the final registers. Field list:
// docs/HEADLESS.md ("The JSON report"); one writer for both frontends.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include <x86emu/machine.hpp>
#include <x86emu/state.hpp>

#include "options.hpp"

namespace x86emu::frontend {

// The POST codes of a run, bounded: the last kKept in the order written, and how many there were.
// Linux's io_delay alone writes port 80h about 120,000 times in a boot, and a guest looping on
// an OUT would otherwise grow the runner's memory and the report without limit (measured: a
// 10 s loop of OUT 80h made a 900 MB report and 4.9 GB of resident memory).
class PostCodeLog {
public:
    static constexpr std::size_t kKept = 256;
    void record(std::uint8_t code) {
        if (kept_.size() == kKept) kept_.pop_front();
        kept_.push_back(code);
        ++count_;
    }
    const std::deque<std::uint8_t>& kept() const { return kept_; }  // oldest first
    std::uint64_t count() const { return count_; }
    std::optional<std::uint8_t> last() const { return kept_.empty() ? std::nullopt : std::optional<std::uint8_t>(kept_.back()); }

private:
    std::deque<std::uint8_t> kept_;
    std::uint64_t count_ = 0;
};

struct RunReport {
    std::string model;          // cpu_model_name, or the text given when it was not understood
    bool fpu = false;           // whether the CPU had an x87 FPU
    double clock_mhz = 0;       // the emulated clock rate
    std::string bios_path;      // empty for a kernel run without --bios
    std::string kernel_path;    // --kernel, empty for a ROM run
    std::string initrd_path;
    std::string append;
    std::optional<std::uint32_t> linux_entry;     // the kernel's 32-bit entry, once loaded
    std::optional<std::uint16_t> linux_protocol;  // its boot protocol version, e.g. 0x20F
    std::uint32_t memory_mib = 0;
    bool no_reboot = false;     // -no-reboot was given
    std::optional<std::uint8_t> until_post;
    int exit_code = 0;
    std::string stop_reason;    // post_code_reached, halted, shutdown, max_cycles, max_seconds,
                                // interrupted, error
    std::string message;        // the line printed on stderr
    PostCodeLog post_codes;
    std::uint64_t cycles = 0;
    double emulated_seconds = 0;  // cycles at clock_mhz: the guest-visible time of the run
    std::uint64_t instructions = 0;
    double wall_seconds = 0;
    bool realtime = false;  // --realtime pacing
    std::optional<CpuState> registers;  // absent when no machine was built
};

// How a run ended: the exit code, the report's stop_reason and the line printed on stderr.
struct Outcome {
    ExitCode code = ExitCode::Success;
    std::string stop_reason;
    std::string message;
};

// A report with what the parsed command line says (model, FPU, clock, paths, memory, flags).
RunReport report_for(const Options& options);

// The machine's final counters and registers.
void record_machine(RunReport& report, Machine& machine);

// Writes the report to `path`; throws std::runtime_error if the file cannot be written.
void write_report(const RunReport& report, const std::string& path);

// Fills in how the run ended and the wall time since `start`, and writes the report; false
// (after saying why on stderr, as `program`) if it could not.
bool emit_report(RunReport& report, const Outcome& outcome, const std::string& path,
                 std::chrono::steady_clock::time_point start, const char* program);

}  // namespace x86emu::frontend
