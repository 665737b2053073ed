// x86emu conformance — TestRunner: per-test setup, execution and comparison.
#include "test_runner.hpp"

#include <exception>
#include <string>

#include "register_mapping.hpp"

namespace conformance {
namespace {

using x86emu::CpuModel;
using x86emu::StopReason;

unsigned address_bits_of(CpuModel model) {
    switch (model) {
        case CpuModel::i8086: return 20;
        case CpuModel::i80286: return 24;
        case CpuModel::i80386: return 32;
        case CpuModel::i80486: return 32;
        case CpuModel::p5: return 32;
        case CpuModel::p6: return 32;
    }
    return 32;
}

// run() calls are small so that a runaway core is noticed early; the longest 80286 trace of the
// suite (REP string instructions) is a few thousand clocks, far below the cap.
constexpr std::uint64_t kRunBudget = 2000;
constexpr std::uint64_t kMaxCyclesPerTest = 200'000;

Difference execution_problem(std::string description) {
    Difference difference{Difference::Kind::Execution, std::move(description)};
    difference.diverges_control_flow = true;
    return difference;
}

}  // namespace

TestRunner::TestRunner(CpuModel model)
    : model_(model), bus_(address_bits_of(model)), cpu_(model, bus_) {}

void TestRunner::prepare(const std::vector<RamByte>& ram, const RegisterValues& registers,
                         std::optional<Difference>& problem) {
    // The previous test's bytes change behind the CPU's back: forget any code decoded there.
    bus_.restore([this](std::uint32_t address) { cpu_.invalidate_code(address, 1); });
    bus_.load(ram);
    for (const RamByte& byte : ram) cpu_.invalidate_code(byte.address, 1);

    // reset() first so that nothing of the previous test (halted state, pending events)
    // survives; set_state() then installs the test's registers.
    cpu_.reset();
    cpu_.set_state(cpu_state_from_registers(registers));
    if (cpu_.halted()) {
        problem = execution_problem("the CPU is still halted after reset() and set_state()");
    }
}

TestRunner::Execution TestRunner::execute() {
    if (model_ != CpuModel::i8086) return run_until_halt();
    // One instruction: step() takes a REP string instruction one iteration at a time, so steps
    // continue while it reports the instruction unfinished (CX bounds them at 65535 on the 8086).
    for (std::uint32_t steps = 0;; ++steps) {
        const x86emu::RunResult result = cpu_.step();
        if (any(result.reasons, StopReason::Shutdown)) {
            return {false, execution_problem("the CPU shut down (triple fault)")};
        }
        if (!any(result.reasons, StopReason::RepInProgress)) return {true, std::nullopt};
        if (steps > 0x10000) {
            return {false, execution_problem("the REP instruction was still running after " +
                                             std::to_string(steps) + " iterations")};
        }
    }
}

TestRunner::Execution TestRunner::run_until_halt() {
    std::uint64_t consumed = 0;
    for (;;) {
        const x86emu::RunResult result = cpu_.run(kRunBudget);
        consumed += result.cycles;
        if (any(result.reasons, StopReason::Halted)) return {true, std::nullopt};
        if (any(result.reasons, StopReason::Shutdown)) {
            return {false, execution_problem("the CPU shut down (triple fault) before the HLT")};
        }
        if (consumed >= kMaxCyclesPerTest) {
            return {false, execution_problem("did not reach the terminating HLT within " +
                                             std::to_string(consumed) + " cycles")};
        }
        if (result.cycles == 0 && result.instructions == 0) {
            return {false, execution_problem("run() made no progress and did not halt")};
        }
    }
}

TestOutcome TestRunner::run(const TestCase& test) {
    TestOutcome outcome;
    std::optional<Difference> problem;
    try {
        prepare(test.initial_ram, test.initial_registers, problem);
        if (!problem) {
            const std::uint64_t cycles_before = cpu_.cycles();
            const Execution execution = execute();
            outcome.cycles = cpu_.cycles() - cycles_before;
            outcome.ran_to_end = execution.ran_to_end;
            problem = execution.problem;
        }
        outcome.differences = compare_final_state(test, cpu_.state(), bus_);
    } catch (const std::exception& e) {
        problem = execution_problem(std::string("the core threw an exception: ") + e.what());
        outcome.ran_to_end = false;
    } catch (...) {
        problem = execution_problem("the core threw a non-standard exception");
        outcome.ran_to_end = false;
    }
    if (problem) outcome.differences.insert(outcome.differences.begin(), *problem);
    return outcome;
}

std::optional<std::uint64_t> TestRunner::measure_lone_hlt_cycles() {
    constexpr std::uint32_t kHltAddress = 0x00400;
    constexpr std::uint8_t kHltOpcode = 0xF4;
    RegisterValues registers{};
    registers[static_cast<std::size_t>(TestRegister::ip)] = kHltAddress;
    registers[static_cast<std::size_t>(TestRegister::flags)] = 0x0002;
    std::optional<Difference> problem;
    try {
        prepare({{kHltAddress, kHltOpcode}}, registers, problem);
        if (problem) return std::nullopt;
        const std::uint64_t cycles_before = cpu_.cycles();
        if (!run_until_halt().ran_to_end) return std::nullopt;
        return cpu_.cycles() - cycles_before;
    } catch (...) {
        return std::nullopt;
    }
}

}  // namespace conformance
