// x86emu conformance — TestRunner: runs one test case on an x86emu::Cpu over a TestBus.
// 8086 tests: one Cpu::step() (the whole instruction with prefixes, REP iterations and any
// exception it raises). 80286 tests: Cpu::run() until the HLT that follows the instruction.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "comparison.hpp"
#include "test_bus.hpp"
#include "test_case.hpp"
#include "x86emu/cpu.hpp"

namespace conformance {

struct TestOutcome {
    std::vector<Difference> differences;  // empty = passed
    bool ran_to_end = false;  // false: the cycle count is meaningless (no HLT, shutdown, ...)
    std::uint64_t cycles = 0;  // Cpu::cycles() consumed by the test
};

class TestRunner {
public:
    explicit TestRunner(x86emu::CpuModel model);

    TestOutcome run(const TestCase& test);

    // Cycles our core charges for a HLT on its own (80286 mapping calibration); nullopt if the
    // core does not stop on it.
    std::optional<std::uint64_t> measure_lone_hlt_cycles();

private:
    struct Execution {
        bool ran_to_end = false;
        std::optional<Difference> problem;
    };
    void prepare(const std::vector<RamByte>& ram, const RegisterValues& registers,
                 std::optional<Difference>& problem);
    Execution execute();
    Execution run_until_halt();

    x86emu::CpuModel model_;
    TestBus bus_;
    x86emu::Cpu cpu_;
};

}  // namespace conformance
