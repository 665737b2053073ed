// x86emu frontends — serialises RunReport (report.hpp) with nlohmann_json. Register values are plain JSON
// integers (not hex strings) so that scripts compare them without parsing.
#include "report.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>
#include <stdexcept>

namespace x86emu::frontend {

namespace {

nlohmann::json segment_json(const SegmentState& segment) {
    return {{"selector", segment.selector},
            {"base", segment.base},
            {"limit", segment.limit},
            {"attributes", segment.attributes}};
}

nlohmann::json registers_json(const CpuState& state) {
    static constexpr const char* kGprNames[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    static constexpr const char* kSegmentNames[6] = {"es", "cs", "ss", "ds", "fs", "gs"};
    nlohmann::json registers = nlohmann::json::object();
    for (unsigned k = 0; k < 8; ++k) registers[kGprNames[k]] = state.gpr[k];
    registers["eip"] = state.eip;
    registers["eflags"] = state.eflags;
    for (unsigned k = 0; k < 6; ++k) registers[kSegmentNames[k]] = segment_json(state.seg[k]);
    registers["cr0"] = state.cr0;
    registers["cr2"] = state.cr2;
    registers["cr3"] = state.cr3;
    registers["cr4"] = state.cr4;
    return registers;
}

}  // namespace

RunReport report_for(const Options& options) {
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
    return report;
}

void record_machine(RunReport& report, Machine& machine) {
    report.cycles = machine.cpu().cycles();
    report.instructions = machine.cpu().instructions();
    report.emulated_seconds = static_cast<double>(machine.cpu().emulated_nanoseconds()) / 1e9;
    report.registers = machine.cpu().state();
}

bool emit_report(RunReport& report, const Outcome& outcome, const std::string& path,
                 std::chrono::steady_clock::time_point start, const char* program) {
    report.exit_code = static_cast<int>(outcome.code);
    report.stop_reason = outcome.stop_reason;
    report.message = outcome.message;
    report.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    try {
        write_report(report, path);
        return true;
    } catch (const std::exception& error) {
        std::cerr << program << ": error: " << error.what() << '\n';
        return false;
    }
}

void write_report(const RunReport& report, const std::string& path) {
    nlohmann::json json = {
        {"model", report.model},
        {"fpu", report.fpu},
        {"clock_mhz", report.clock_mhz},
        {"bios", report.bios_path},
        {"kernel", report.kernel_path},
        {"initrd", report.initrd_path},
        {"append", report.append},
        {"linux_entry", report.linux_entry ? nlohmann::json(*report.linux_entry) : nlohmann::json(nullptr)},
        {"linux_protocol", report.linux_protocol ? nlohmann::json(*report.linux_protocol) : nlohmann::json(nullptr)},
        {"memory_mib", report.memory_mib},
        {"no_reboot", report.no_reboot},
        {"exit_code", report.exit_code},
        {"stop_reason", report.stop_reason},
        {"message", report.message},
        {"until_post", report.until_post ? nlohmann::json(*report.until_post) : nlohmann::json(nullptr)},
        {"last_post", report.post_codes.last() ? nlohmann::json(*report.post_codes.last()) : nlohmann::json(nullptr)},
        {"post_codes", report.post_codes.kept()},
        {"post_code_count", report.post_codes.count()},
        {"cycles", report.cycles},
        {"emulated_seconds", report.emulated_seconds},
        {"instructions", report.instructions},
        {"wall_seconds", report.wall_seconds},
        // Guest instructions per host microsecond over the whole run (0 for an empty run).
        {"mips", report.wall_seconds > 0 ? static_cast<double>(report.instructions) / report.wall_seconds / 1e6 : 0.0},
        {"realtime", report.realtime},
        {"registers", report.registers ? registers_json(*report.registers) : nlohmann::json(nullptr)},
    };
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    if (!file) throw std::runtime_error("cannot open report file '" + path + "' for writing");
    // Invalid UTF-8 in the message (a path, say) must not turn into an exception here.
    file << json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    file.flush();
    if (!file) throw std::runtime_error("cannot write report file '" + path + "'");
}

}  // namespace x86emu::frontend
