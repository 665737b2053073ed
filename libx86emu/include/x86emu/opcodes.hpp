// x86emu — read-only view of the opcode table a model decodes (for documentation and coverage
// reports), and the disassembler built on the same table and the CPU's own decoder. Rows use the
// Intel manual's operand notation (SDM vol. 2 Appendix A), e.g. {0x00, map 0, "ADD", "Eb,Gb"}.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "x86emu/model.hpp"

namespace x86emu {

struct OpcodeInfo {
    std::uint8_t map;     // 0 = one-byte opcodes, 1 = 0F xx
    std::uint8_t opcode;  // first opcode of the row (Zb/Zv rows cover opcode..opcode+7)
    int group_reg;        // ModRM.reg for group rows, -1 otherwise
    std::string_view mnemonic;
    std::string_view operands;
    bool is_prefix;
    // "80.1", "0F.A3", "D0.6": the key used by test suites and reports.
    std::string key() const;
};

// Rows the model decodes (prefix rows included), in table order.
std::vector<OpcodeInfo> opcode_map(CpuModel model);

// ---- disassembly -----------------------------------------------------------------------------
// One instruction decoded by the emulator's own decoder (the one the CPU runs, with the model's
// rules: which opcodes exist, #UD for register forms of memory-only operands and for LOCK on
// anything but a locked read-modify-write, the x87 escapes resolved through the x87 table) and
// printed in Intel syntax, lower case, numbers in hex with an h suffix (0-9 in decimal):
//   "add eax, [ebx+esi*4+10h]"   "fld tword [bp-8]"   "lock cmpxchg [eax], ecx"
//   "mov ax, es:[bx+si]"  "inc byte [bx]"  "rep movsb"  "jmp far 1234h:5678h"  "fadd st(0), st(3)"
// A memory operand carries a size keyword (byte word dword qword tword) when no register operand
// of the same size implies it. Prefixes that no operand shows are printed as words in front: a
// segment override without a memory operand ("cs nop"), REP/REPE/REPNE, and o16/o32, a16/a32
// when an operand- or address-size prefix changes the instruction but no operand or mnemonic
// shows it ("o32 ret").
// An encoding the decoder rejects prints as "(bad)" (status Invalid: the CPU raises #UD there;
// the 8086, which has no #UD, executes it as a no-operation). Faults the handler raises when the
// instruction executes are not the decoder's and so not shown: MOV with segment register 6 or 7
// (printed "sreg6"/"sreg7"; the 8086 aliases them to reg & 3) or FS/GS on the 80286, MOV to CS,
// CR1/CR5-CR7, and the protected-mode-only system instructions in real mode print as decoded.

// The default operand and address size (CS.D): Real and Bits16 decode alike; Bits32 needs an
// 80386 or later (an older model has no 32-bit code and decodes it as Bits16).
enum class CodeMode : std::uint8_t { Real, Bits16, Bits32 };

struct DisassemblyOptions {
    CodeMode mode = CodeMode::Real;
    std::uint32_t address = 0;  // offset of the instruction in CS: the base of relative targets
    // Decode D8-DF through the x87 table (the 80286 and later). Without, and always on the 8086
    // (no FPU model), an escape prints as Intel's 8086 ESC: "esc 2Dh, [bx]".
    bool fpu = true;
};

struct Disassembly {
    enum class Status : std::uint8_t {
        Valid,
        Invalid,    // the decoder raises #UD (text "(bad)")
        TooLong,    // longer than the model's limit: the CPU raises #GP(0) (text "(bad)")
        Truncated,  // the bytes end inside the instruction (text "(truncated)")
    };
    Status status = Status::Truncated;
    std::size_t length = 0;  // bytes the decoder consumed (all of them when Truncated)
    std::string text;
    bool valid() const { return status == Status::Valid; }
};

Disassembly disassemble(CpuModel model, const std::uint8_t* bytes, std::size_t size,
                        const DisassemblyOptions& options = {});

// disassemble(model, bytes, size).text: real mode, address 0, FPU present.
std::string describe_instruction(CpuModel model, const std::uint8_t* bytes, std::size_t size);

}  // namespace x86emu
