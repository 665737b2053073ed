// x86emu conformance — one SingleStepTests test case as the harness uses it, independent of
// which suite (8086 or 80286 JSON schema) it was read from.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace conformance {

// Thrown for anything wrong with the input files (missing, corrupt gzip, bad JSON, bad schema),
// so that main can print one clear message instead of crashing.
class InputError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The 16-bit registers a test specifies, in the order the report prints them.
enum class TestRegister : std::uint8_t { ax, bx, cx, dx, sp, bp, si, di, cs, ds, es, ss, ip, flags };
inline constexpr std::size_t kTestRegisterCount = 14;
inline constexpr std::array<std::string_view, kTestRegisterCount> kTestRegisterNames = {
    "ax", "bx", "cx", "dx", "sp", "bp", "si", "di", "cs", "ds", "es", "ss", "ip", "flags"};

std::optional<TestRegister> test_register_from_name(std::string_view name);
inline std::string_view test_register_name(TestRegister reg) {
    return kTestRegisterNames[static_cast<std::size_t>(reg)];
}

using RegisterValues = std::array<std::uint16_t, kTestRegisterCount>;
// The final state lists only the registers an instruction changed.
using PartialRegisterValues = std::array<std::optional<std::uint16_t>, kTestRegisterCount>;

struct RamByte {
    std::uint32_t address;
    std::uint8_t value;
};

struct TestCase {
    std::string name;       // disassembly, e.g. "add cl, ah"
    std::string hash;       // test_hash (8086) or hash (80286): the key of the revocation list
    std::int64_t index = 0; // test_num (8086) or idx (80286)
    std::vector<std::uint8_t> bytes;  // instruction bytes; on the 80286 followed by the HLT
    RegisterValues initial_registers{};
    std::vector<RamByte> initial_ram;
    PartialRegisterValues final_registers{};
    std::vector<RamByte> final_ram;
    std::size_t hardware_cycles = 0;  // rows of the `cycles` trace: one row per clock
    std::optional<int> exception_vector;  // 80286 `exception.number`, when the test raised one

    std::uint16_t expected_final(TestRegister reg) const {
        const auto i = static_cast<std::size_t>(reg);
        return final_registers[i].value_or(initial_registers[i]);
    }
};

}  // namespace conformance
