// x86emu — the x87 FPU's register state (Intel SDM vol. 1 §8.1: the data registers as a stack,
// the status word §8.1.3, the control word §8.1.5, the tag word §8.1.7, the last instruction
// opcode and pointers §8.1.8-§8.1.9).
#pragma once
#include <cstdint>

#include "core/fpu/float80.hpp"

namespace x86emu::fpu {

// Status word bits (SDM vol. 1 figure 8-4).
namespace sw {
inline constexpr std::uint16_t IE = 1u << 0, DE = 1u << 1, ZE = 1u << 2, OE = 1u << 3, UE = 1u << 4,
                               PE = 1u << 5, SF = 1u << 6, ES = 1u << 7, C0 = 1u << 8, C1 = 1u << 9,
                               C2 = 1u << 10, C3 = 1u << 14, B = 1u << 15;
inline constexpr std::uint16_t TopMask = 7u << 11;
inline constexpr std::uint16_t ConditionCodes = C0 | C1 | C2 | C3;
}  // namespace sw

// Tag values (SDM vol. 1 figure 8-7).
enum class Tag : std::uint8_t { Valid = 0, Zero = 1, Special = 2, Empty = 3 };

struct X87State {
    Float80 physical[8];             // R0-R7; ST(i) is physical[(TOP + i) & 7]
    std::uint16_t control = 0x037F;  // FNINIT value: all exceptions masked, 64-bit precision, RN
    std::uint16_t status = 0;
    // One bit per physical register: 1 = empty. The 2-bit tags FSTENV/FSAVE store are derived
    // from the contents (SDM vol. 1 §8.1.7: the processor computes them from the register
    // values); FLDENV/FRSTOR only distinguish empty from non-empty here, as the P6 family does.
    std::uint8_t empty = 0xFF;
    // Last non-control instruction (SDM vol. 1 §8.1.8-§8.1.9): CS:EIP of the instruction, its
    // opcode (low 3 bits of the first byte and the ModRM byte: 11 bits) and its memory
    // operand's segment:offset.
    std::uint32_t last_ip = 0;
    std::uint16_t last_cs = 0;
    std::uint16_t last_opcode = 0;
    std::uint32_t last_dp = 0;
    std::uint16_t last_ds = 0;

    unsigned top() const { return (status >> 11) & 7; }
    void set_top(unsigned t) { status = static_cast<std::uint16_t>((status & ~sw::TopMask) | ((t & 7) << 11)); }
    unsigned physical_index(unsigned i) const { return (top() + i) & 7; }
    bool is_empty(unsigned i) const { return empty & (1u << physical_index(i)); }
    Float80& st(unsigned i) { return physical[physical_index(i)]; }
    const Float80& st(unsigned i) const { return physical[physical_index(i)]; }

    Rounding rounding() const { return static_cast<Rounding>((control >> 10) & 3); }
    Precision precision() const { return static_cast<Precision>((control >> 8) & 3); }
    std::uint8_t masks() const { return static_cast<std::uint8_t>(control & 0x3F); }

    static Tag tag_of(const Float80& v) {
        switch (classify(v)) {
        case Class::Zero: return Tag::Zero;
        case Class::Normal: return Tag::Valid;
        default: return Tag::Special;
        }
    }
    std::uint16_t full_tag_word() const {
        std::uint16_t tw = 0;
        for (unsigned r = 0; r < 8; ++r) {
            Tag t = (empty & (1u << r)) ? Tag::Empty : tag_of(physical[r]);
            tw = static_cast<std::uint16_t>(tw | (static_cast<unsigned>(t) << (2 * r)));
        }
        return tw;
    }
    void load_tag_word(std::uint16_t tw) {
        empty = 0;
        for (unsigned r = 0; r < 8; ++r)
            if (((tw >> (2 * r)) & 3) == 3) empty = static_cast<std::uint8_t>(empty | (1u << r));
    }
    // FNINIT (SDM vol. 2 FINIT): control 037Fh, status 0, all empty, pointers cleared.
    void initialize() {
        control = 0x037F;
        status = 0;
        empty = 0xFF;
        last_ip = last_dp = 0;
        last_cs = last_ds = last_opcode = 0;
    }
};

}  // namespace x86emu::fpu
