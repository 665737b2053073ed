// x86emu conformance — final-state comparison and the wording of its differences.
#include "comparison.hpp"

#include <algorithm>
#include <cstdio>

#include "register_mapping.hpp"

namespace conformance {
namespace {

std::string hex(std::uint32_t value, int digits) {
    char text[16];
    std::snprintf(text, sizeof text, "%0*Xh", digits, value);
    return text;
}

// Names of the FLAGS bits that differ, so "flags" diffs read at a glance ("AF OF").
std::string differing_flag_names(std::uint16_t a, std::uint16_t b) {
    static constexpr const char* kBitNames[16] = {"CF", "bit1", "PF", "bit3", "AF", "bit5",
                                                  "ZF", "SF",   "TF", "IF",   "DF", "OF",
                                                  "IOPL0", "IOPL1", "NT", "bit15"};
    std::string names;
    const std::uint16_t differing = a ^ b;
    for (int bit = 0; bit < 16; ++bit) {
        if (differing & (1u << bit)) {
            if (!names.empty()) names += ' ';
            names += kBitNames[bit];
        }
    }
    return names;
}

std::uint8_t initial_value(const TestCase& test, std::uint32_t address) {
    // Later entries win, as they would when loading the list in order.
    std::uint8_t value = 0;
    for (const RamByte& byte : test.initial_ram) {
        if (byte.address == address) value = byte.value;
    }
    return value;
}

}  // namespace

std::vector<Difference> compare_final_state(const TestCase& test, const x86emu::CpuState& state,
                                            const TestBus& bus) {
    std::vector<Difference> differences;

    const RegisterValues ours = registers_from_cpu_state(state);
    for (std::size_t i = 0; i < kTestRegisterCount; ++i) {
        const auto reg = static_cast<TestRegister>(i);
        const std::uint16_t expected = test.expected_final(reg);
        if (ours[i] == expected) continue;
        Difference difference{Difference::Kind::Register,
                              std::string(test_register_name(reg)) + ": ours " + hex(ours[i], 4) +
                                  ", expected " + hex(expected, 4)};
        difference.diverges_control_flow = reg == TestRegister::cs || reg == TestRegister::ip;
        if (reg == TestRegister::flags) {
            difference.is_flags = true;
            difference.ours = ours[i];
            difference.expected = expected;
            difference.description += " (" + differing_flag_names(ours[i], expected) + ")";
        }
        differences.push_back(std::move(difference));
    }

    // The 8086 and 80286 have a 16-bit IP: a core that lets EIP run past FFFFh would fetch the
    // next instruction from the wrong place even though the low 16 bits match.
    if (state.eip > 0xFFFF) {
        Difference difference{Difference::Kind::Register,
                              "eip: ours " + hex(state.eip, 8) + " does not fit 16 bits"};
        difference.diverges_control_flow = true;
        differences.push_back(std::move(difference));
    }

    // A real-mode segment load sets the hidden base to selector << 4; a core that forgets would
    // pass this test and fail the next instruction, so the harness checks the hidden part too.
    static constexpr struct {
        x86emu::SegmentRegister segment;
        const char* name;
    } kSegments[] = {{x86emu::ES, "es"}, {x86emu::CS, "cs"}, {x86emu::SS, "ss"}, {x86emu::DS, "ds"}};
    for (const auto& [segment, name] : kSegments) {
        const auto& loaded = state.seg[segment];
        const std::uint32_t expected_base = std::uint32_t{loaded.selector} << 4;
        if (loaded.base != expected_base) {
            differences.push_back({Difference::Kind::SegmentBase,
                                   std::string(name) + ".base: ours " + hex(loaded.base, 6) +
                                       ", expected " + hex(expected_base, 6) + " (selector << 4)"});
        }
    }

    for (const RamByte& byte : test.final_ram) {
        const std::uint8_t actual = bus.peek(byte.address);
        if (actual != byte.value) {
            differences.push_back({Difference::Kind::Ram, "ram[" + hex(byte.address, 6) +
                                                              "]: ours " + hex(actual, 2) +
                                                              ", expected " + hex(byte.value, 2)});
        }
    }

    const auto& written = bus.cpu_written_addresses();
    if (!written.empty()) {
        std::vector<std::uint32_t> listed;
        listed.reserve(test.final_ram.size());
        for (const RamByte& byte : test.final_ram) listed.push_back(byte.address);
        std::sort(listed.begin(), listed.end());
        for (const std::uint32_t address : written) {
            if (std::binary_search(listed.begin(), listed.end(), address)) continue;
            const std::uint8_t before = initial_value(test, address);
            const std::uint8_t after = bus.peek(address);
            if (after != before) {
                differences.push_back({Difference::Kind::UnexpectedWrite,
                                       "unexpected write ram[" + hex(address, 6) + "]: " +
                                           hex(before, 2) + " -> " + hex(after, 2)});
            }
        }
    }
    return differences;
}

bool differs_only_in_masked_flags(const std::vector<Difference>& differences,
                                  std::optional<std::uint16_t> documented_flags_mask) {
    if (!documented_flags_mask || differences.empty()) return false;
    return std::all_of(differences.begin(), differences.end(), [&](const Difference& d) {
        return d.is_flags && ((d.ours ^ d.expected) & *documented_flags_mask) == 0;
    });
}

bool diverges_control_flow(const std::vector<Difference>& differences) {
    return std::any_of(differences.begin(), differences.end(),
                       [](const Difference& d) { return d.diverges_control_flow; });
}

std::string describe(const std::vector<Difference>& differences, std::size_t max_items) {
    std::string text;
    for (std::size_t i = 0; i < differences.size() && i < max_items; ++i) {
        if (!text.empty()) text += "; ";
        text += differences[i].description;
    }
    if (differences.size() > max_items) {
        text += "; ... and " + std::to_string(differences.size() - max_items) + " more";
    }
    return text;
}

}  // namespace conformance
