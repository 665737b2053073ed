// x86emu frontends — the command line every frontend shares (x86emu-headless, x86emu-sdl): the
// machine configuration and the run's limits, and how to parse them. A frontend adds its own
// options through FrontendFlags. The contract (options, defaults, exit codes) is documented in
// docs/HEADLESS.md (docs/SDL.md for the window's own) and --help.
#pragma once
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include <x86emu/model.hpp>

namespace boost::program_options {
class options_description;
}

namespace x86emu::frontend {

// Process exit codes; docs/HEADLESS.md and --help list the same table.
enum class ExitCode : int {
    Success = 0,          // the awaited POST code was written, or the guest halted and none was awaited
    EndedEarly = 1,       // the guest halted before writing the --until-post code
    UsageError = 2,       // bad command line, unreadable or invalid BIOS, unwritable output file
    TripleFault = 3,      // the CPU shut down (triple fault)
    MaxCycles = 4,        // --max-cycles reached
    MaxSeconds = 5,       // --max-seconds of wall-clock time elapsed
    Interrupted = 6,      // SIGINT or SIGTERM
};

// A problem with what the user asked for: reported as "error: ..." with exit code 2.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A serial port's host side: --serial stdio | file:PATH | none, and in a frontend with a window
// vc (QEMU's name for a virtual console): a terminal pane in the window (docs/SDL.md).
struct SerialSpec {
    enum class Kind { None, Stdio, File, Pane } kind = Kind::None;
    std::string path;  // Kind::File
};

// "stdio", "file:PATH", "none" and, if `panes` (the frontend draws serial panes), "vc" ->
// SerialSpec; UsageError naming `option` otherwise.
SerialSpec parse_serial_spec(const std::string& text, const std::string& option, bool panes = false);

// The IDE drives (--hda, --hdb, --cdrom, --snapshot; docs/HEADLESS.md): raw image paths, empty
// for none. --hda is the primary master, --hdb the primary slave, --cdrom the secondary master
// (QEMU's places for them).
struct DiskOptions {
    std::string hda, hdb, cdrom;
    bool snapshot = false;  // the hard disks' writes go to a host-memory overlay, not the files
    bool any() const { return !hda.empty() || !hdb.empty() || !cdrom.empty(); }
};

struct Options {
    bool show_help = false;
    std::string help_text;  // filled when show_help

    std::string bios_path;  // empty with --kernel: a HLT stub ROM (linux_direct_boot_rom) instead
    // Direct Linux boot (x86emu/linux_boot.hpp): the bzImage, its initrd and command line.
    std::string kernel_path;  // empty: a ROM run from the reset vector
    std::string initrd_path;
    std::string append;
    // QEMU spellings accepted for scripts written for it: -no-reboot is recorded (a triple fault
    // already ends the run, exit 3); -nographic has no effect; -serial is --serial.
    bool no_reboot = false;
    // --pc: the PC platform's devices (Platform::PC) for a ROM run; a --kernel run always has them.
    bool pc = false;
    // --realtime: emulated time paced to the host clock (the default, --deterministic, runs as
    // fast as it can and idles in no host time).
    bool realtime = false;
    bool nographic = false;
    // Where COM1 (--serial, -serial) and COM2 (--serial2) are connected (docs/HEADLESS.md).
    SerialSpec serial;
    SerialSpec serial2;
    // The RTC's start (Unix seconds): --rtc-epoch, or the host's clock with --rtc-host-time;
    // neither: the device's fixed default (deterministic).
    std::optional<std::int64_t> rtc_epoch;
    bool rtc_host_time = false;
    CpuModel model = CpuModel::i80386;
    std::optional<bool> fpu;  // unset: the model's usual configuration
    std::optional<std::uint32_t> clock_khz;  // unset: the model's default clock
    std::uint32_t memory_mib = 16;
    std::uint16_t post_port = 0x80;
    std::optional<std::uint8_t> until_post;
    std::uint16_t debugcon_port = 0xE9;
    std::string debugcon_path;  // empty: standard output
    std::optional<double> max_seconds;
    std::optional<double> progress_seconds;  // --progress: a status line on stderr this often
    std::optional<std::uint64_t> max_cycles;
    std::string report_path;  // empty: no report
    DiskOptions disks;        // a drive implies the PC platform
};

// What one frontend adds to the shared command line: its name and what it does (the usage lines
// of --help), and its own options, parsed in the same pass (their values land where the
// descriptions point; the frontend checks them afterwards).
struct FrontendFlags {
    std::string program = "x86emu-headless";
    std::string summary = "without a display and reports how it ended";
    const boost::program_options::options_description* extra = nullptr;
    bool serial_panes = false;  // --serial vc: the frontend draws a serial port as a terminal pane
};

// Parses argv. Throws UsageError (or a boost::program_options error, also a usage error) with a
// message fit for the user. `report_path_seen` receives --report as soon as it is known, so that a
// later semantic error can still be recorded in the report.
Options parse_command_line(int argc, const char* const* argv, std::string& report_path_seen,
                           const FrontendFlags& frontend = {});

// The Unix time the platform's RTC starts at: --rtc-epoch, the host's clock now with
// --rtc-host-time, nullopt for the device's fixed default.
std::optional<std::int64_t> rtc_start_epoch(const Options& options);

// A memory size in MiB as --memory and QEMU's -m take it: "64", "64M", "1G" (suffix M or G,
// either case) -> MiB. Throws UsageError naming `what` for anything else, 0, or above `max_mib`.
std::uint32_t parse_memory_mib(const std::string& text, const std::string& what, std::uint32_t max_mib);

// "0x1F" or "31" -> 31. Throws UsageError naming `what` for anything else or above `max`.
std::uint64_t parse_unsigned(const std::string& text, const std::string& what, std::uint64_t max);

}  // namespace x86emu::frontend
