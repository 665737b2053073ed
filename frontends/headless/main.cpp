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

#include "machine_setup.hpp"
#include "options.hpp"
#include "realtime_pacer.hpp"
#include "guest_ports.hpp"
#include "report.hpp"
#include "serial_console.hpp"

namespace x86emu::headless {

using namespace x86emu::frontend;  // the shared command line and serial consoles (frontends/common)

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
        ports_ = std::make_unique<GuestPorts>(options_, report_.post_codes);
        serial_ = open_serial_consoles(options_);
        BuiltMachine built = build_machine(options_);
        machine_ = std::move(built.machine);
        if (built.linux_boot) {
            report_.linux_entry = built.linux_boot->entry_point;
            report_.linux_protocol = built.linux_boot->header.protocol_version;
        }
        ports_->attach(*machine_);
        connect_serial_consoles(*machine_, serial_);
        machine_->set_stop_on_guest_reset(options_.no_reboot);
        return run_slices();
    }

    // Flushes the debug console and the serial consoles (restoring the terminal); false if output
    // could not be written completely.
    bool finish_output() {
        bool ok = ports_ ? ports_->finish() : true;
        for (auto& console : serial_)
            if (console && !console->finish()) ok = false;
        return ok;
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
        if (machine_) record_machine(report_, *machine_);
    }

private:
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

    Outcome run_slices() {
        const auto start = std::chrono::steady_clock::now();
        RealtimePacer pacer;  // --realtime
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
            if (options_.realtime) pacer.pace(cpu.emulated_nanoseconds());
            if (ports_->post_reached()) return ports_->post_outcome(cpu.cycles());
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
    std::unique_ptr<GuestPorts> ports_;
    SerialConsoles serial_;
    std::unique_ptr<Machine> machine_;
};

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
            emit_report(report, outcome, report_path, start, kProgram);
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

    RunReport report = report_for(options);

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
    if (!report_path.empty() && !emit_report(report, outcome, report_path, start, kProgram) && outcome.code == ExitCode::Success)
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
