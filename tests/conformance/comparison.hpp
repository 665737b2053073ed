// x86emu conformance — comparing the CPU's final state with a test's expected final state:
// every register exactly (undefined flags included), every listed RAM byte, stray writes.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "test_bus.hpp"
#include "test_case.hpp"
#include "x86emu/state.hpp"

namespace conformance {

struct Difference {
    enum class Kind : std::uint8_t {
        Register,         // a 16-bit register (flags included) differs
        SegmentBase,      // a hidden segment base is not selector << 4 after the instruction
        Ram,              // a byte listed in final.ram differs
        UnexpectedWrite,  // the CPU changed a byte the test does not list as changed
        Execution,        // the instruction could not be run to its end (no HLT, shutdown, ...)
    };
    Kind kind;
    std::string description;
    // For Kind::Register on flags: both values, to tell masked-flag-only failures apart.
    bool is_flags = false;
    std::uint16_t ours = 0;
    std::uint16_t expected = 0;
    // CS:IP differs or execution stopped early: our CPU took another path than the hardware,
    // so its cycle count measures something else.
    bool diverges_control_flow = false;
};

std::vector<Difference> compare_final_state(const TestCase& test, const x86emu::CpuState& state,
                                            const TestBus& bus);

// True when the only differences are in flags that `documented_flags_mask` leaves out, i.e. the
// failure is about flags the suite's metadata lists as undefined for the opcode.
bool differs_only_in_masked_flags(const std::vector<Difference>& differences,
                                  std::optional<std::uint16_t> documented_flags_mask);

bool diverges_control_flow(const std::vector<Difference>& differences);

// "ax: ours 1234h, expected 1235h; ..." — at most `max_items` differences, then a count.
std::string describe(const std::vector<Difference>& differences, std::size_t max_items = 8);

}  // namespace conformance
