// x86emu conformance — how a hardware bus trace maps to the clocks our core charges, and the
// statistics of the comparison. The reasoning behind the mapping is in docs/CONFORMANCE.md.
//
// 8086: the trace starts with the prefetch queue filled and ends when the next instruction's
//   first byte leaves the queue, so its row count is the instruction's clock count as the
//   8086 manual defines it (NOP 3, CLC 2, MOV r,imm 4): compared directly.
// 80286: the trace starts with an empty queue and ends with the bus cycle of the HLT that follows
//   the instruction. Over the whole suite, rows = instruction clocks + instruction length (the
//   fetch the empty queue cannot hide) + a fixed overhead (the HLT and its halt bus cycle).
//   The overhead is measured from the NOP tests (documented 3 clocks, 1 byte); our side
//   subtracts the clocks our core charges for a lone HLT.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "test_case.hpp"
#include "x86emu/model.hpp"

namespace conformance {

class CycleMapping {
public:
    static CycleMapping for_8086();
    // nop_tests: the suite's NOP (90) tests, empty if unavailable (then a default is used).
    static CycleMapping for_80286(const std::vector<TestCase>& nop_tests,
                                  std::optional<std::uint64_t> our_lone_hlt_cycles);

    // Clocks the hardware spent on the instruction itself; nullopt when the trace holds none
    // (the instruction under test is the HLT itself).
    std::optional<double> hardware_instruction_cycles(const TestCase& test) const;
    // The same quantity from our Cpu::cycles() delta for the test.
    double our_instruction_cycles(std::uint64_t cycles_consumed) const;

    const std::string& description() const { return description_; }
    double hardware_overhead() const { return hardware_overhead_; }
    double our_overhead() const { return our_overhead_; }
    bool subtracts_instruction_length() const { return subtract_length_; }

private:
    double hardware_overhead_ = 0;
    double our_overhead_ = 0;
    bool subtract_length_ = false;
    std::string description_;
};

// Accumulates |ours - hw| / hw over tests.
class CycleStats {
public:
    void add(double ours, double hardware);
    std::size_t tests() const { return tests_; }
    double within_10pct() const { return fraction(within_10pct_); }
    double within_20pct() const { return fraction(within_20pct_); }
    double mean_abs_pct_error() const { return tests_ ? sum_abs_pct_error_ / tests_ : 0.0; }

private:
    double fraction(std::size_t count) const {
        return tests_ ? static_cast<double>(count) / static_cast<double>(tests_) : 0.0;
    }
    std::size_t tests_ = 0;
    std::size_t within_10pct_ = 0;
    std::size_t within_20pct_ = 0;
    double sum_abs_pct_error_ = 0;
};

}  // namespace conformance
