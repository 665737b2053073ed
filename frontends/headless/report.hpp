// x86emu-headless — the JSON run report (--report FILE.json): how the run ended, the POST codes,
// the counters and the final registers. Field list: docs/HEADLESS.md.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <x86emu/state.hpp>

#include "options.hpp"

namespace x86emu::headless {

// The shared command line (frontends/common) is the headless runner's own.
using namespace x86emu::frontend;

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
    std::vector<std::uint8_t> post_codes;
    std::uint64_t cycles = 0;
    double emulated_seconds = 0;  // cycles at clock_mhz: the guest-visible time of the run
    std::uint64_t instructions = 0;
    double wall_seconds = 0;
    bool realtime = false;  // --realtime pacing
    std::optional<CpuState> registers;  // absent when no machine was built
};

// Writes the report to `path`; throws std::runtime_error if the file cannot be written.
void write_report(const RunReport& report, const std::string& path);

}  // namespace x86emu::headless
