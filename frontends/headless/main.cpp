// x86emu-headless — runs a BIOS image (or boots a Linux bzImage directly, x86emu/linux_boot.hpp)
// on a Machine with no display: records POST codes, copies
// the debug console port to a file, stops on a POST code, HLT, triple fault or a cycle/time limit,
// and says how it ended through its exit code, stderr and an optional JSON report.
// The contract is docs/HEADLESS.md; exit codes are ExitCode in options.hpp.
#include <x86emu/disk_image.hpp>
#include <x86emu/linux_boot.hpp>
#include <x86emu/machine.hpp>

#include <boost/program_options/errors.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <thread>
#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "options.hpp"
#include "report.hpp"
#include "serial_console.hpp"

namespace x86emu::headless {

namespace {

constexpr const char* kProgram = "x86emu-headless";
// Cycles per Machine::run call: small enough that the wall clock and signals are checked every
// few milliseconds, large enough that the checks cost nothing measurable.
constexpr std::uint64_t kSliceCycles = 1'000'000;

volatile std::sig_atomic_t g_interrupt_signal = 0;
extern "C" void note_interrupt_signal(int signal_number) {
    g_interrupt_signal = signal_number;
    restore_terminal_from_signal();  // a raw-mode terminal is given back even if the run is stuck
}

std::string hex_byte(std::uint8_t value) {
    char text[8];
    std::snprintf(text, sizeof text, "0x%02X", value);
    return text;
}

// Bytes the guest writes to the debug console port, passed through unchanged. The stream is
// flushed at every newline (so complete lines survive even a kill -9) and when the run ends.
class DebugConsole {
public:
    explicit DebugConsole(const std::string& path) {
        if (path.empty()) {
            out_ = stdout;
            return;
        }
        out_ = std::fopen(path.c_str(), "wb");
        if (!out_) throw UsageError("--debugcon-file: cannot open '" + path + "' for writing");
        owned_ = true;
    }
    ~DebugConsole() { finish(); }
    DebugConsole(const DebugConsole&) = delete;
    DebugConsole& operator=(const DebugConsole&) = delete;

    void put(std::uint8_t byte) {
        std::fputc(byte, out_);
        if (byte == '\n') std::fflush(out_);
    }
    // Flushes (and closes a file we opened); false if any write failed.
    bool finish() {
        if (!out_) return ok_;
        if (std::fflush(out_) != 0 || std::ferror(out_)) ok_ = false;
        if (owned_ && std::fclose(out_) != 0) ok_ = false;
        out_ = nullptr;
        return ok_;
    }

private:
    std::FILE* out_ = nullptr;
    bool owned_ = false;
    bool ok_ = true;
};

// The largest inputs read: the BIOS by the ROM area's size, a kernel and an initrd by what a
// 32-bit guest could use (a stock bzImage is under 10 MiB, a busybox initramfs about 1 MiB).
constexpr std::uint64_t kMaxKernelBytes = 256ull << 20, kMaxInitrdBytes = 1024ull << 20;

// Reads a whole input file for `option` (whose contents are `kind`); every failure is a
// UsageError naming the option and the path.
std::vector<std::uint8_t> read_input_file(const std::string& option, const std::string& path, const char* kind,
                                          std::uint64_t max_bytes, const char* max_text) {
    namespace fs = std::filesystem;
    std::error_code error;
    const fs::file_status status = fs::status(path, error);
    if (!fs::exists(status)) throw UsageError(option + ": '" + path + "' does not exist");
    if (fs::is_directory(status)) throw UsageError(option + ": '" + path + "' is a directory, not " + kind);
    if (fs::is_regular_file(status)) {
        // Refuse an oversized file before reading it all into memory.
        const std::uintmax_t bytes = fs::file_size(path, error);
        if (!error && bytes > max_bytes)
            throw UsageError(option + ": '" + path + "' is " + std::to_string(bytes) + " bytes; " + kind +
                             " is at most " + max_text);
    }
    std::ifstream file(path, std::ios::binary);
    if (!file) throw UsageError(option + ": cannot open '" + path + "' for reading");
    std::vector<std::uint8_t> image;
    char chunk[65536];
    while (file.read(chunk, sizeof chunk) || file.gcount() > 0) {
        image.insert(image.end(), chunk, chunk + file.gcount());
        if (image.size() > max_bytes)  // a device or pipe that never ends
            throw UsageError(option + ": '" + path + "' is larger than " + max_text);
    }
    if (file.bad()) throw UsageError(option + ": error reading '" + path + "'");
    if (image.empty()) throw UsageError(option + ": '" + path + "' is empty");
    return image;
}

std::vector<std::uint8_t> load_bios_image(const std::string& path) {
    return read_input_file("--bios", path, "a BIOS image", kMaxBiosBytes, "131072 bytes (128 KiB)");
}

struct Outcome {
    ExitCode code = ExitCode::Success;
    std::string stop_reason;
    std::string message;
};

// The run proper: builds the machine, wires the ports, and runs it slice by slice.
class HeadlessRun {
public:
    HeadlessRun(const Options& options, RunReport& report) : options_(options), report_(report) {}
    // The consoles' input threads stop before the machine (and its UARTs) goes.
    ~HeadlessRun() {
        for (auto& console : serial_)
            if (console) console->finish();
    }
    HeadlessRun(const HeadlessRun&) = delete;
    HeadlessRun& operator=(const HeadlessRun&) = delete;

    Outcome run() {
        debugcon_ = std::make_unique<DebugConsole>(options_.debugcon_path);
        open_serial_consoles();
        MachineConfig config;
        config.model = options_.model;
        config.cpu_options.fpu = options_.fpu;
        config.cpu_options.clock_khz = options_.clock_khz;
        config.memory_mib = options_.memory_mib;
        // The PC platform's devices for --pc, a kernel, or a serial port to connect (the UARTs
        // are PC devices); a plain --bios run keeps the bare machine it always had.
        const bool wants_serial =
            options_.serial.kind != SerialSpec::Kind::None || options_.serial2.kind != SerialSpec::Kind::None;
        config.platform = (options_.pc || !options_.kernel_path.empty() || wants_serial || options_.disks.any())
                              ? Platform::PC
                              : Platform::Bare;
        open_disks(config);
        config.rtc_start_epoch = rtc_start_epoch(options_);
        // A kernel run without --bios gets a HLT stub: the CPU starts at the kernel, not the ROM.
        // A --pc run without --bios gets the built-in BIOS (an empty image on the PC platform).
        if (!options_.bios_path.empty())
            config.bios_image = load_bios_image(options_.bios_path);
        else if (!options_.kernel_path.empty())
            config.bios_image = linux_direct_boot_rom();
        std::vector<std::uint8_t> kernel, initrd;
        if (!options_.kernel_path.empty()) {
            kernel = read_input_file("--kernel", options_.kernel_path, "a kernel image", kMaxKernelBytes, "256 MiB");
            if (!options_.initrd_path.empty())
                initrd = read_input_file("--initrd", options_.initrd_path, "an initrd", kMaxInitrdBytes, "1 GiB");
        }
        try {
            machine_ = std::make_unique<Machine>(std::move(config));
        } catch (const std::invalid_argument& error) {
            throw UsageError(error.what());
        }
        if (!options_.kernel_path.empty()) {
            try {
                const LinuxBootInfo boot = load_linux(*machine_, kernel, initrd, options_.append, machine_->firmware_tables());
                report_.linux_entry = boot.entry_point;
                report_.linux_protocol = boot.header.protocol_version;
            } catch (const std::invalid_argument& error) {
                throw UsageError("--kernel '" + options_.kernel_path + "': " + error.what());
            }
        }
        attach_ports();
        if (machine_->platform() == Platform::PC) {
            for (unsigned com = 0; com < 2; ++com) {
                Machine& machine = *machine_;
                connect_serial(com, SerialHostInterface{
                                        [&machine, com](std::function<void(std::uint8_t)> output) {
                                            machine.set_serial_output(com, std::move(output));
                                        },
                                        [&machine, com](std::span<const std::uint8_t> bytes) {
                                            machine.push_serial_input(com, bytes);
                                        }});
            }
        }
        machine_->set_stop_on_guest_reset(options_.no_reboot);
        return run_slices();
    }

    // Flushes the debug console and the serial consoles (restoring the terminal); false if output
    // could not be written completely.
    bool finish_output() {
        bool ok = debugcon_ ? debugcon_->finish() : true;
        for (auto& console : serial_)
            if (console && !console->finish()) ok = false;
        return ok;
    }

    // ---- serial glue (issue 11) ----------------------------------------------------------------
    // The platform's UARTs connect here: COM1 (`com` 0) and COM2 (1), each with its host interface
    // (serial_console.hpp), e.g. {[&](auto sink) { uart.set_output(std::move(sink)); },
    //                             [&](auto bytes) { uart.host_input().push(bytes); }}.
    // The platform drains the queued input on the CPU's thread (Uart16550::poll_host_input between
    // slices). A port given as none has no console and ignores this.
    void connect_serial(unsigned com, const SerialHostInterface& uart) {
        if (com < serial_.size() && serial_[com]) serial_[com]->connect(uart);
    }

    // Makes the disks' writes durable (fdatasync) at the end of the run, whatever ended it; an
    // empty string, or what failed.
    std::string finish_disks() {
        if (!machine_) return {};
        try {
            machine_->flush_disks();
        } catch (const DiskImageError& error) {
            return error.what();
        }
        return {};
    }

    // The machine's final counters and registers go into the report, if there is a machine.
    void fill_report() {
        if (!machine_) return;
        report_.cycles = machine_->cpu().cycles();
        report_.instructions = machine_->cpu().instructions();
        report_.emulated_seconds = static_cast<double>(machine_->cpu().emulated_nanoseconds()) / 1e9;
        report_.registers = machine_->cpu().state();
    }

private:
    // --hda, --hdb (primary master, slave), --cdrom (secondary master); a file that is missing,
    // unreadable, unwritable (without --snapshot), locked or not whole sectors: exit 2.
    void open_disks(MachineConfig& config) {
        const DiskOptions& disks = options_.disks;
        const DiskWriteMode hard_disk_mode = disks.snapshot ? DiskWriteMode::Overlay : DiskWriteMode::WriteThrough;
        const auto add = [&](const std::string& path, const char* option, IdeSlot slot, IdeDeviceKind kind) {
            if (path.empty()) return;
            try {
                auto image = kind == IdeDeviceKind::Cdrom ? DiskImage::open_file(path, DiskWriteMode::ReadOnly, 2048)
                                                          : DiskImage::open_file(path, hard_disk_mode);
                config.ide_drives.push_back({slot, kind, std::move(image)});
            } catch (const DiskImageError& error) {
                throw UsageError(std::string(option) + ": " + error.what());
            }
        };
        add(disks.hda, "--hda", IdeSlot::PrimaryMaster, IdeDeviceKind::HardDisk);
        add(disks.hdb, "--hdb", IdeSlot::PrimarySlave, IdeDeviceKind::HardDisk);
        add(disks.cdrom, "--cdrom", IdeSlot::SecondaryMaster, IdeDeviceKind::Cdrom);
    }

    void open_serial_consoles() {
        const SerialSpec* specs[] = {&options_.serial, &options_.serial2};
        for (unsigned com = 0; com < 2; ++com)
            if (specs[com]->kind != SerialSpec::Kind::None) serial_[com] = std::make_unique<SerialConsole>(*specs[com]);
    }

    void attach_ports() {
        try {
            // The PC platform owns port 80h and passes its writes on.
            if (machine_->platform() == Platform::PC && options_.post_port == 0x80)
                machine_->set_post_code_handler([this](std::uint8_t code) { on_post(code); });
            else
                machine_->add_port_handler(options_.post_port, options_.post_port,
                                           PortHandler{{}, [this](std::uint16_t, std::uint8_t code) { on_post(code); }});
            // Reading the port back gives 0xE9, the value guests use to detect a debug console.
            machine_->add_port_handler(options_.debugcon_port, options_.debugcon_port,
                                       PortHandler{[](std::uint16_t) -> std::uint8_t { return 0xE9; },
                                                   [this](std::uint16_t, std::uint8_t byte) { debugcon_->put(byte); }});
        } catch (const std::invalid_argument& error) {  // a port the PC platform's devices claim
            throw UsageError(std::string("--post-port/--debugcon: ") + error.what());
        }
    }

    void on_post(std::uint8_t code) {
        report_.post_codes.push_back(code);
        if (options_.until_post && code == *options_.until_post && !post_reached_) {
            post_reached_ = true;
            machine_->request_stop();  // the OUT completes, then run() returns
        }
    }

    std::string cycles_text() const { return std::to_string(machine_->cpu().cycles()) + " cycles"; }
    std::string awaited_text() const {
        return options_.until_post ? " before POST code " + hex_byte(*options_.until_post) : std::string{};
    }

    // --progress: one line with the counters and where the guest is, so a long run shows it lives.
    void print_progress(double elapsed_seconds) {
        const CpuState state = machine_->cpu().state();
        char line[200];
        std::snprintf(line, sizeof line, "%s: progress: %.1f s, %llu instructions, %llu cycles, EIP 0x%08X, paging %s\n",
                      kProgram, elapsed_seconds, static_cast<unsigned long long>(machine_->cpu().instructions()),
                      static_cast<unsigned long long>(machine_->cpu().cycles()), state.eip,
                      (state.cr0 & 0x80000000u) ? "on" : "off");
        std::fputs(line, stderr);
    }

    // --realtime: sleeps while emulated time is ahead of the host time since the start, so that
    // guest timers run at their real rate. A slice is 1 M cycles (5 ms at 200 MHz), which bounds
    // how far ahead the guest gets between checks; idle slices (HLT fast-forward) are where the
    // sleeping happens.
    void pace_to_host_clock(std::chrono::steady_clock::time_point start) {
        const auto emulated = std::chrono::nanoseconds(machine_->cpu().emulated_nanoseconds());
        const auto elapsed = std::chrono::steady_clock::now() - start;
        if (emulated > elapsed) std::this_thread::sleep_for(emulated - elapsed);
    }

    Outcome run_slices() {
        const auto start = std::chrono::steady_clock::now();
        double next_progress = options_.progress_seconds.value_or(0);
        Cpu& cpu = machine_->cpu();
        for (;;) {
            std::uint64_t budget = kSliceCycles;
            if (options_.max_cycles) {
                if (cpu.cycles() >= *options_.max_cycles)
                    return {ExitCode::MaxCycles, "max_cycles",
                            "--max-cycles " + std::to_string(*options_.max_cycles) + " reached (" + cycles_text() +
                                ")" + awaited_text()};
                budget = std::min(budget, *options_.max_cycles - cpu.cycles());
            }
            const RunResult result = machine_->run(budget);
            if (options_.realtime) pace_to_host_clock(start);
            if (post_reached_)
                return {ExitCode::Success, "post_code_reached",
                        "POST code " + hex_byte(*options_.until_post) + " reached after " + cycles_text()};
            // -no-reboot: a reset the guest asked for (CF9h on the PC platform) ends the run, as in QEMU.
            if (options_.no_reboot && machine_->guest_resets() > 0)
                return {ExitCode::Success, "guest_reset", "the guest reset the machine (-no-reboot) after " + cycles_text()};
            if (any(result.reasons, StopReason::PoweredOff))
                return {ExitCode::Success, "powered_off", "the guest powered the machine off (ACPI S5) after " + cycles_text()};
            if (any(result.reasons, StopReason::Shutdown))
                return {ExitCode::TripleFault, "shutdown", "triple fault (shutdown) after " + cycles_text()};
            if (any(result.reasons, StopReason::Halted)) {
                if (options_.until_post)
                    return {ExitCode::EndedEarly, "halted", "the guest halted" + awaited_text() + " (" + cycles_text() + ")"};
                return {ExitCode::Success, "halted", "the guest halted after " + cycles_text()};
            }
            if (g_interrupt_signal != 0)
                return {ExitCode::Interrupted, "interrupted",
                        "interrupted by signal " + std::to_string(g_interrupt_signal) + " after " + cycles_text()};
            if (options_.progress_seconds) {
                const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
                if (elapsed.count() >= next_progress) {
                    print_progress(elapsed.count());
                    next_progress = elapsed.count() + *options_.progress_seconds;
                }
            }
            if (options_.max_seconds) {
                const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
                if (elapsed.count() >= *options_.max_seconds) {
                    std::ostringstream message;
                    message << "--max-seconds " << *options_.max_seconds << " reached (" << cycles_text() << ")"
                            << awaited_text();
                    return {ExitCode::MaxSeconds, "max_seconds", message.str()};
                }
            }
        }
    }

    const Options& options_;
    RunReport& report_;
    std::unique_ptr<DebugConsole> debugcon_;
    std::array<std::unique_ptr<SerialConsole>, 2> serial_;  // COM1, COM2
    std::unique_ptr<Machine> machine_;
    bool post_reached_ = false;
};

// Fills in how the run ended and writes the report; false (after saying why) if it could not.
bool emit_report(RunReport& report, const Outcome& outcome, const std::string& path,
                 std::chrono::steady_clock::time_point start) {
    report.exit_code = static_cast<int>(outcome.code);
    report.stop_reason = outcome.stop_reason;
    report.message = outcome.message;
    report.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    try {
        write_report(report, path);
        return true;
    } catch (const std::exception& error) {
        std::cerr << kProgram << ": error: " << error.what() << '\n';
        return false;
    }
}

int run_headless(int argc, const char* const* argv) {
    const auto start = std::chrono::steady_clock::now();
    Options options;
    std::string report_path;  // known as soon as the command line parsed, even if a value was bad
    try {
        options = parse_command_line(argc, argv, report_path);
    } catch (const std::exception& error) {  // UsageError or a boost::program_options error
        std::cerr << kProgram << ": error: " << error.what() << "\n(see " << kProgram << " --help)\n";
        const Outcome outcome{ExitCode::UsageError, "error", error.what()};
        if (!report_path.empty()) {
            RunReport report;
            emit_report(report, outcome, report_path, start);
        }
        return static_cast<int>(outcome.code);
    }
    if (options.show_help) {
        std::cout << options.help_text;
        return 0;
    }

    // Find out now, not after a long run, whether the report can be written at all.
    if (!report_path.empty() && !std::ofstream(report_path, std::ios::binary | std::ios::trunc)) {
        std::cerr << kProgram << ": error: cannot open report file '" << report_path << "' for writing\n";
        return static_cast<int>(ExitCode::UsageError);
    }

    std::signal(SIGINT, note_interrupt_signal);
    std::signal(SIGTERM, note_interrupt_signal);

    RunReport report;
    report.model = std::string(cpu_model_name(options.model));
    report.fpu = options.fpu.value_or(options.model == CpuModel::i80486 || options.model == CpuModel::p5 ||
                                      options.model == CpuModel::p6);
    report.bios_path = options.bios_path;
    report.kernel_path = options.kernel_path;
    report.initrd_path = options.initrd_path;
    report.append = options.append;
    report.memory_mib = options.memory_mib;
    report.no_reboot = options.no_reboot;
    report.realtime = options.realtime;
    report.clock_mhz = static_cast<double>(options.clock_khz.value_or(default_clock_khz(options.model))) / 1000.0;
    report.until_post = options.until_post;

    Outcome outcome;
    HeadlessRun run(options, report);
    try {
        outcome = run.run();
    } catch (const UsageError& error) {
        outcome = {ExitCode::UsageError, "error", error.what()};
    } catch (const std::exception& error) {
        // Not the user's fault (out of memory, say), but still a run that never got going.
        outcome = {ExitCode::UsageError, "error", std::string("internal error: ") + error.what()};
    }
    if (const std::string failed = run.finish_disks(); !failed.empty()) {
        if (outcome.code == ExitCode::Success) outcome = {ExitCode::UsageError, "error", failed};
        else std::cerr << kProgram << ": error: " << failed << '\n';
    }
    if (!run.finish_output()) {
        const std::string lost = "the debug console output could not be written completely";
        if (outcome.code == ExitCode::Success) outcome = {ExitCode::UsageError, "error", lost};
        else std::cerr << kProgram << ": error: " << lost << '\n';
    }
    run.fill_report();

    const bool is_error = outcome.stop_reason == "error";
    std::cerr << kProgram << ": " << (is_error ? "error: " : "") << outcome.message << '\n';
    if (!report_path.empty() && !emit_report(report, outcome, report_path, start) && outcome.code == ExitCode::Success)
        outcome.code = ExitCode::UsageError;
    return static_cast<int>(outcome.code);
}

}  // namespace

}  // namespace x86emu::headless

int main(int argc, char** argv) {
    try {
        return x86emu::headless::run_headless(argc, argv);
    } catch (const std::exception& error) {
        // Only reached if reporting itself failed unexpectedly; the exit code still says "error".
        std::cerr << "x86emu-headless: error: " << error.what() << '\n';
        return static_cast<int>(x86emu::headless::ExitCode::UsageError);
    }
}
