// x86emu conformance — CycleMapping calibration and CycleStats.
#include "cycle_mapping.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace conformance {
namespace {

// iAPX 286 Programmer's Reference Manual, instruction set appendix: NOP takes 3 clocks.
constexpr double kDocumented80286NopClocks = 3;
// What the sample data gives (every NOP trace has 12 rows: 12 - 1 byte - 3 clocks); used only
// when the suite's 90.json.gz is not available.
constexpr double kDefault80286TraceOverhead = 8;
// The 286 manual's HLT time, used only if our own core cannot be measured.
constexpr double kDocumented80286HltClocks = 2;

std::string clocks(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
}

}  // namespace

CycleMapping CycleMapping::for_8086() {
    CycleMapping mapping;
    mapping.description_ =
        "8086: hardware = rows of the cycles trace (queue prefilled, ends when the next "
        "instruction's first byte is taken); ours = Cpu::cycles() delta of one step()";
    return mapping;
}

CycleMapping CycleMapping::for_80286(const std::vector<TestCase>& nop_tests,
                                     std::optional<std::uint64_t> our_lone_hlt_cycles) {
    CycleMapping mapping;
    mapping.subtract_length_ = true;

    std::vector<double> overheads;
    for (const TestCase& test : nop_tests) {
        if (test.bytes.size() < 2) continue;  // NOP + HLT expected
        const double instruction_length = static_cast<double>(test.bytes.size() - 1);
        overheads.push_back(static_cast<double>(test.hardware_cycles) - instruction_length -
                            kDocumented80286NopClocks);
    }
    std::string overhead_source;
    if (overheads.empty()) {
        mapping.hardware_overhead_ = kDefault80286TraceOverhead;
        overhead_source = "default (90.json.gz unavailable)";
    } else {
        std::nth_element(overheads.begin(), overheads.begin() + overheads.size() / 2,
                         overheads.end());
        mapping.hardware_overhead_ = overheads[overheads.size() / 2];
        overhead_source = "median over " + std::to_string(overheads.size()) + " NOP tests";
    }
    mapping.our_overhead_ = our_lone_hlt_cycles ? static_cast<double>(*our_lone_hlt_cycles)
                                                : kDocumented80286HltClocks;
    mapping.description_ =
        "80286: hardware = trace rows - instruction length - " +
        clocks(mapping.hardware_overhead_) + " (HLT and halt-cycle overhead, " + overhead_source +
        "); ours = Cpu::cycles() delta - " + clocks(mapping.our_overhead_) +
        (our_lone_hlt_cycles ? " (our lone HLT, measured)"
                             : " (documented HLT time: our core did not halt on a lone HLT)");
    return mapping;
}

std::optional<double> CycleMapping::hardware_instruction_cycles(const TestCase& test) const {
    double cycles = static_cast<double>(test.hardware_cycles) - hardware_overhead_;
    if (subtract_length_ && !test.bytes.empty()) {
        cycles -= static_cast<double>(test.bytes.size() - 1);  // the last byte is the HLT
    }
    if (cycles < 1) return std::nullopt;
    return cycles;
}

double CycleMapping::our_instruction_cycles(std::uint64_t cycles_consumed) const {
    return static_cast<double>(cycles_consumed) - our_overhead_;
}

void CycleStats::add(double ours, double hardware) {
    const double error = std::fabs(ours - hardware) / hardware;
    ++tests_;
    // A small epsilon so that an exact 10 % (e.g. 11 vs 10 clocks) counts as within.
    if (error <= 0.10 + 1e-9) ++within_10pct_;
    if (error <= 0.20 + 1e-9) ++within_20pct_;
    sum_abs_pct_error_ += 100.0 * error;
}

}  // namespace conformance
