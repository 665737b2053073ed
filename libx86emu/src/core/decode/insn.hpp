// x86emu — the decoded instruction record.
// Decoding happens once per instruction address (and again only when its code page is written);
// handlers read everything they need from this record and never look at instruction bytes.
// Fields follow the instruction format of Intel SDM vol. 2 §2.1 (prefixes, opcode, ModR/M,
// SIB, displacement, immediate).
#pragma once
#include <cstdint>

namespace x86emu {

class CpuCore;
struct Insn;
using Handler = void (*)(CpuCore&, const Insn&);

// The ModRM operand's form, fixed when the instruction is decoded, for the handlers that are
// instantiated per form (opcode_rows.cpp): a register, or a memory operand by how its address
// is computed (SDM vol. 2 tables 2-1 to 2-3). Any decides at run time.
enum class EaForm : std::uint8_t {
    Any,
    Reg,        // mod = 3
    Mem16,      // 16-bit address size: (base + index + disp) mod 64 KiB
    Mem32,      // 32-bit, with an index register (SIB)
    Mem32Base,  // 32-bit, base (or none) plus displacement
};
inline constexpr unsigned kEaFormCount = 5;

struct Insn {
    enum Flag : std::uint8_t {
        kMemory = 1u << 0,       // ModRM names memory (mod != 3)
        kOperand32 = 1u << 1,    // effective operand size is 32 bits
        kAddress32 = 1u << 2,    // effective address size is 32 bits
        kSegOverride = 1u << 3,  // a segment-override prefix was present
        kLock = 1u << 4,
        kCacheable = 1u << 5,    // the bytes lie in one physical page and do not wrap
    };
    enum Rep : std::uint8_t { kNoRep = 0, kRepE = 1, kRepNE = 2 };

    Handler exec = nullptr;
    // The chained form of `exec` (exec/chain.hpp) for an instruction that may run before the last
    // of a decoded block, null for one that ends its block; in a block's last record, the block's
    // end (exec::end_of_chain).
    Handler chain = nullptr;
    std::uint32_t disp = 0;  // displacement of the memory operand (or moffs)
    std::uint32_t imm = 0;   // first immediate (sign-extended when the row says so)
    std::uint16_t imm2 = 0;  // second immediate: ENTER level, far pointer selector
    std::uint16_t row = 0;   // index of the opcode-table row (names, timing, coverage)
    std::uint16_t x87_row = 0xFFFF;  // index of the x87-table row of an ESC resolved with an FPU (names)
    std::uint16_t cycles = 0;  // base cycle cost for this form on this model, EA included
    std::uint8_t length = 0;
    std::uint8_t opcode = 0;   // last opcode byte
    std::uint8_t modrm = 0;
    std::uint8_t reg = 0;      // ModRM.reg, or the register encoded in the opcode's low bits
    std::uint8_t rm = 0;       // ModRM.rm (register forms)
    std::uint8_t ea_base = 8;  // register index or 8 (the always-zero register)
    std::uint8_t ea_index = 8;
    std::uint8_t ea_scale = 0;
    std::uint8_t seg = 3;      // segment of the memory operand (DS unless BP/ESP/EBP-based or overridden)
    std::uint8_t flags = 0;
    std::uint8_t rep = kNoRep;
    std::uint8_t prefix_count = 0;
    std::uint16_t taken_cycles = 0;  // Jcc: the extra clocks of a taken branch on this model
    // In a decoded block: how far the instruction lies from the block's first byte, from which
    // its chained form computes EIP where something may read it (exec/chain.hpp).
    std::uint16_t block_offset = 0;

    bool is_reg() const { return !(flags & kMemory); }
    bool op32() const { return flags & kOperand32; }
    bool addr32() const { return flags & kAddress32; }
    bool has_seg_override() const { return flags & kSegOverride; }
};

// Three records to 144 bytes: a decoded block's records are read one after another.
static_assert(sizeof(Insn) == 48, "a field added to Insn should fit its padding");

}  // namespace x86emu
