// x86emu — the opcode table as data: rows (from opcode_table.inc), the decode shape derived from
// each row's operand notation, and the per-model dispatch tables built from the rows.
// Opcode map: Intel SDM vol. 2 Appendix A; model availability from the 80186/80286/80386
// programmer's references the i486 Programmer's Reference Manual and the Pentium Processor Family Developer's Manual
// vol. 3 and Pentium Pro Family Developer's Manual vol. 2 (instruction set summaries).
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/decode/insn.hpp"
#include "core/timing/timing.hpp"
#include "x86emu/model.hpp"

namespace x86emu {

// Which models decode a row.
inline constexpr std::uint8_t kModel8086 = 1u << 0;
inline constexpr std::uint8_t kModel286 = 1u << 1;
inline constexpr std::uint8_t kModel386 = 1u << 2;
inline constexpr std::uint8_t kModel486 = 1u << 3;
inline constexpr std::uint8_t kModelP5 = 1u << 4;
inline constexpr std::uint8_t kModelP6 = 1u << 5;
inline constexpr std::uint8_t kModelAll = kModel8086 | kModel286 | kModel386 | kModel486 | kModelP5 | kModelP6;
inline constexpr std::uint8_t kModel186Up = kModel286 | kModel386 | kModel486 | kModelP5 | kModelP6;  // no separate 80186 model
inline constexpr std::uint8_t kModel286Up = kModel286 | kModel386 | kModel486 | kModelP5 | kModelP6;
inline constexpr std::uint8_t kModel386Up = kModel386 | kModel486 | kModelP5 | kModelP6;
inline constexpr std::uint8_t kModel486Up = kModel486 | kModelP5 | kModelP6;
inline constexpr std::uint8_t kModelP5Up = kModelP5 | kModelP6;
inline constexpr std::uint8_t kModelP6Up = kModelP6;

std::uint8_t model_bit(CpuModel model);

enum class OperandWidth : std::uint8_t { B, V, W, N };

// What follows the opcode, derived from the operand notation (see opcode_table.inc).
enum class ImmKind : std::uint8_t {
    None,
    Byte,       // Ib, Jb (Jb/Ibs sign-extended, see sign_extend)
    Word,       // Iw
    Sized,      // Iz, Iv, Jz: 16 or 32 bits by operand size
    FarPointer, // Ap: offset (16/32 by operand size) then a 16-bit selector
    Moffs,      // Ob/Ov: 16 or 32 bits by address size, stored as the displacement
};

struct DecodeShape {
    bool modrm = false;
    bool memory_only = false;    // M, Mp, Ma: a register form is invalid
    bool register_only = false;  // R, C, D: mod is ignored, the form is always a register
    bool reg_in_opcode = false;  // Zb/Zv
    bool relative = false;       // J: the immediate is a branch displacement
    bool sign_extend = false;    // Ibs, Jb, Jz(16): sign-extend the first immediate
    ImmKind imm1 = ImmKind::None;
    ImmKind imm2 = ImmKind::None;
};

constexpr DecodeShape shape_from_operands(std::string_view ops) {
    DecodeShape s{};
    while (!ops.empty()) {
        std::size_t comma = ops.find(',');
        std::string_view tok = ops.substr(0, comma);
        ops = comma == std::string_view::npos ? std::string_view{} : ops.substr(comma + 1);
        bool fixed = tok == "AL" || tok == "CL" || tok == "DX" || tok == "eAX" || tok == "1" ||
                     tok == "ES" || tok == "CS" || tok == "SS" || tok == "DS" || tok == "FS" ||
                     tok == "GS";
        if (fixed || tok.empty()) continue;
        ImmKind kind = ImmKind::None;
        switch (tok[0]) {
        case 'E': case 'G': case 'S':
            s.modrm = true;
            break;
        case 'R': case 'C': case 'D': case 'T':
            s.modrm = true;
            s.register_only = true;
            break;
        case 'M':
            s.modrm = true;
            s.memory_only = true;
            break;
        case 'Z': s.reg_in_opcode = true; break;
        case 'I':
            if (tok == "Ib") kind = ImmKind::Byte;
            else if (tok == "Ibs") { kind = ImmKind::Byte; s.sign_extend = true; }
            else if (tok == "Iw") kind = ImmKind::Word;
            else kind = ImmKind::Sized;  // Iz, Iv
            break;
        case 'J':
            s.relative = true;
            s.sign_extend = true;
            kind = tok == "Jb" ? ImmKind::Byte : ImmKind::Sized;
            break;
        case 'A': kind = ImmKind::FarPointer; break;
        case 'O': kind = ImmKind::Moffs; break;
        default: break;
        }
        if (kind != ImmKind::None) (s.imm1 == ImmKind::None ? s.imm1 : s.imm2) = kind;
    }
    return s;
}

// A row's mnemonic column: NAME or NAME16_NAME32 (see opcode_table.inc); `second` selects the
// 32-bit name (the same as the first when there is only one).
constexpr std::string_view mnemonic_name(std::string_view column, bool second) {
    std::size_t split = column.find('_');
    if (split == std::string_view::npos) return column;
    return second ? column.substr(split + 1) : column.substr(0, split);
}

// Whether an instruction of this class may be followed by another in the same decoded block
// (decoded_blocks.cpp): true for the classes whose handlers only compute, load and store (a
// fault they raise leaves the block by the exception, as it leaves the per-instruction path).
// Everything else ends its block: transfers, segment loads (MOV/POP SS starts an interrupt
// shadow, any load may change the windows), flag loads (POPF, STI, CLI, IRET), I/O, HLT, x87
// (WAIT and FERR freeze, #MF) and system instructions. (A REP prefix and #UD end a block too:
// the decoder gives those no chained handler.)
constexpr bool runs_inside_block(TimingClass timing) {
    switch (timing) {
    case TimingClass::AluRegRM: case TimingClass::AluMemReg: case TimingClass::AluRMImm:
    case TimingClass::AluAccImm: case TimingClass::CmpMemReg: case TimingClass::CmpRMImm:
    case TimingClass::TestRM: case TimingClass::TestRMImm: case TimingClass::TestAccImm:
    case TimingClass::MovLoad: case TimingClass::MovStore: case TimingClass::MovRegImm:
    case TimingClass::MovRMImm: case TimingClass::MovAccMoffs: case TimingClass::MovMoffsAcc:
    case TimingClass::MovRMSreg: case TimingClass::Lea: case TimingClass::IncDecReg:
    case TimingClass::IncDecRM: case TimingClass::NotNegRM: case TimingClass::XchgRM:
    case TimingClass::XchgAcc: case TimingClass::Nop: case TimingClass::PushReg:
    case TimingClass::PushSreg: case TimingClass::PushRM: case TimingClass::PushImm:
    case TimingClass::PopReg: case TimingClass::PopRM: case TimingClass::Pusha:
    case TimingClass::Popa: case TimingClass::Pushf: case TimingClass::Enter:
    case TimingClass::Leave: case TimingClass::Cbw: case TimingClass::Cwd:
    case TimingClass::Sahf: case TimingClass::Lahf: case TimingClass::FlagOp:
    case TimingClass::Shift1: case TimingClass::ShiftCL: case TimingClass::ShiftImm:
    case TimingClass::RotateCarry: case TimingClass::Mul8: case TimingClass::Mul16:
    case TimingClass::Mul32: case TimingClass::Imul8: case TimingClass::Imul16:
    case TimingClass::Imul32: case TimingClass::ImulRegRM: case TimingClass::Div8:
    case TimingClass::Div16: case TimingClass::Div32: case TimingClass::Idiv8:
    case TimingClass::Idiv16: case TimingClass::Idiv32: case TimingClass::Daa:
    case TimingClass::Aaa: case TimingClass::Aam: case TimingClass::Aad:
    case TimingClass::Salc: case TimingClass::Xlat: case TimingClass::Bound:
    case TimingClass::Movs: case TimingClass::Cmps: case TimingClass::Scas:
    case TimingClass::Lods: case TimingClass::Stos: case TimingClass::BitTest:
    case TimingClass::BitTestModify: case TimingClass::BitTestImm: case TimingClass::BitTestModifyImm:
    case TimingClass::BitScan: case TimingClass::DoubleShift: case TimingClass::Setcc:
    case TimingClass::MovExtend: case TimingClass::Bswap: case TimingClass::Xadd:
    case TimingClass::Cmpxchg: case TimingClass::Cmpxchg8b: case TimingClass::Cmov:
        return true;
    default:
        return false;
    }
}

// Whether an instruction of a class that runs inside a block may stop the block's chain itself
// (exec::chained: then EIP is stored before it and a test follows it), in its register form
// (`register_form`) or in every form: by a memory access, which may reach a device, decoded
// code, a watch or a hook (and raise a signal), by clocks charged beyond its base ones
// (CpuCore::charge: shifts by CL, BSF/BSR, ENTER, CMPXCHG to memory), or by a fault, which
// reads EIP (DIV, IDIV and AAM raise #DE from registers alone). The classes listed first touch
// registers alone in every form (LEA and the multi-byte NOP compute an address but do not
// access it).
constexpr bool may_stop_chain(TimingClass timing, bool register_form) {
    switch (timing) {
    case TimingClass::AluAccImm: case TimingClass::IncDecReg: case TimingClass::MovRegImm:
    case TimingClass::XchgAcc: case TimingClass::Cbw: case TimingClass::Cwd:
    case TimingClass::Sahf: case TimingClass::Lahf: case TimingClass::FlagOp:
    case TimingClass::Nop: case TimingClass::Bswap: case TimingClass::Salc:
    case TimingClass::Daa: case TimingClass::Aaa: case TimingClass::Aad:
    case TimingClass::Lea:
        return false;
    case TimingClass::ShiftCL: case TimingClass::BitScan: case TimingClass::Aam:
    case TimingClass::Div8: case TimingClass::Div16: case TimingClass::Div32:
    case TimingClass::Idiv8: case TimingClass::Idiv16: case TimingClass::Idiv32:
        return true;
    default:
        return !register_form;
    }
}

// A handler and, for the classes that run inside a block (runs_inside_block), its chained form
// (exec/chain.hpp, Insn::chain); null for the others. A near transfer that can be made without a
// call (Jcc, JMP rel, CALL rel, RET) has a linked form instead (exec::linked), which build_block
// gives its record when it ends a block.
// A form that may run inside a block untested also has, when its handler type gives them
// (exec/alu.hpp, "flags nobody reads"), whether it leaves the flags alone and, a register form,
// the chained form without its flags and whether it writes all six arithmetic flags reading
// none, which build_block uses to leave out flags that a later record overwrites unread.
struct HandlerPair {
    Handler exec;
    Handler chain;
    Handler linked = nullptr;
    Handler unflagged = nullptr;
    bool sets_all_flags = false;
    bool leaves_flags = false;
};

// The per-form instantiations of a row's handler (EaForm, insn.hpp), for the handlers that take
// the form as a template argument; the decoder picks one by the decoded ModRM.
struct FormHandlers {
    HandlerPair narrow[kEaFormCount];  // 8/16-bit, indexed by EaForm
    HandlerPair wide[kEaFormCount];    // 32-bit
};

struct OpcodeRow {
    std::uint8_t map;
    std::uint8_t opcode;
    std::int8_t ext;  // group ModRM.reg or -1
    std::string_view mnemonic;     // the 16-bit name (the only one for most rows)
    std::string_view mnemonic32;   // the 32-bit operand-size (JCXZ: address-size) name
    std::string_view operands;
    HandlerPair narrow;  // 8/16-bit instantiation
    HandlerPair wide;    // 32-bit instantiation (same as narrow for B/W/N rows)
    OperandWidth width;
    std::uint8_t models;
    TimingClass timing;
    DecodeShape shape;
    bool is_prefix;
    const FormHandlers* forms;  // null: the handler tests the form itself
};

std::span<const OpcodeRow> opcode_rows();
// The handlers of a shift or rotate by an immediate count that the 186 and later mask to zero
// (exec::ShiftByZero), for a B or V row, by form: the decoder gives them to those encodings so
// that Shift's own handlers by an immediate need not test the count.
const FormHandlers& shift_by_zero_forms(OperandWidth width);
// The handler pair the decoder took `insn`'s handler from (by form where the row has them), or
// null (an x87 instruction, #UD, a shift by zero).
const HandlerPair* handler_pair_of(const Insn& insn);

// One slot per (map, opcode): a plain row, a group of eight rows, a prefix, or nothing (#UD).
inline constexpr std::uint16_t kNoRow = 0xFFFF;
struct DispatchSlot {
    std::uint16_t row = kNoRow;
    bool is_group = false;
    std::uint16_t group[8] = {kNoRow, kNoRow, kNoRow, kNoRow, kNoRow, kNoRow, kNoRow, kNoRow};
};
struct DispatchTable {
    DispatchSlot slots[512];  // map * 256 + opcode
};
const DispatchTable& dispatch_table(CpuModel model);

// The x87 escape map (x87_table.inc): with an FPU present, the decoder resolves an ESC
// instruction (D8-DF) through these tables to the row of its memory form (by ModRM.reg) or its
// register form (by the low six bits of ModRM).
struct X87Row {
    enum Form : std::uint8_t { kMemory, kRegisterGroup, kRegisterOne };
    std::uint8_t escape;  // D8-DF
    Form form;
    std::uint8_t index;   // ModRM.reg, or the whole ModRM byte for kRegisterOne
    std::string_view mnemonic;
    std::string_view operands;
    Handler handler;
    std::uint8_t models;
    TimingClass timing;
};
std::span<const X87Row> x87_rows();
struct X87Dispatch {
    std::array<std::uint16_t, 8> memory[8];      // [escape - D8][ModRM.reg]
    std::array<std::uint16_t, 64> registers[8];  // [escape - D8][ModRM & 3F]
};
const X87Dispatch& x87_dispatch(CpuModel model);

// The handler run for an undecodable instruction (raises #UD; a no-op on the 8086).
Handler undefined_opcode_handler(CpuModel model);

}  // namespace x86emu
