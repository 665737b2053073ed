// x86emu — the instruction decoder: prefixes, opcode, ModR/M, SIB, displacement, immediates
// (Intel SDM vol. 2 §2.1-§2.2, tables 2-1 and 2-2 for 16/32-bit addressing forms), driven by the
// decode shape of the opcode-table row. Produces an Insn; never executes anything.
#include "core/decode/decoder.hpp"

#include "core/cpu_core.hpp"
#include "core/decode/opcode_table.hpp"

namespace x86emu {

namespace {

// 16-bit r/m encodings: base, index, default segment (SDM vol. 2 table 2-1).
struct Ea16 { std::uint8_t base, index, seg; };
constexpr Ea16 kEa16[8] = {
    {EBX, ESI, DS}, {EBX, EDI, DS}, {EBP, ESI, SS}, {EBP, EDI, SS},
    {ESI, 8, DS},   {EDI, 8, DS},   {EBP, 8, SS},   {EBX, 8, DS},
};

// 8086 EA clock counts by addressing form (8086 User's Manual table 2-20).
unsigned ea_cycles_8086(const TimingTable& t, const Insn& i, unsigned mod, unsigned rm) {
    if (mod == 0 && rm == 6) return t.ea_disp_only;
    bool two = rm < 4;
    bool fast = rm == 0 || rm == 3;  // BX+SI and BP+DI: 7 clocks; BX+DI and BP+SI: 8
    if (mod == 0) return two ? (fast ? t.ea_base_index_fast : t.ea_base_index_slow) : t.ea_base_or_index;
    (void)i;
    return two ? (fast ? t.ea_disp_base_index_fast : t.ea_disp_base_index_slow) : t.ea_disp_base_or_index;
}

bool lockable(const OpcodeRow& row) {
    static constexpr std::string_view kLockable[] = {"ADD", "OR", "ADC", "SBB", "AND", "SUB", "XOR",
                                                     "XCHG", "INC", "DEC", "NOT", "NEG", "BTS", "BTR", "BTC",
                                                     "XADD", "CMPXCHG", "CMPXCHG8B"};
    // A memory destination: E, or M for CMPXCHG8B's m64 (SDM vol. 2 LOCK lists CMPXCHG8B).
    if (row.operands.empty() || (row.operands[0] != 'E' && row.operands[0] != 'M')) return false;
    for (std::string_view m : kLockable)
        if (row.mnemonic == m) return true;
    return false;
}

// Little-endian words from the byte stream (SDM vol. 1 §1.3.1).
template <class Fetcher> std::uint16_t next16(Fetcher& f) {
    std::uint16_t lo = f.next();
    return static_cast<std::uint16_t>(lo | (f.next() << 8));
}
template <class Fetcher> std::uint32_t next32(Fetcher& f) {
    std::uint32_t lo = next16(f);
    return lo | (std::uint32_t{next16(f)} << 16);
}

}  // namespace

template <class Fetcher> void decode_with(const DecodeContext& c, Fetcher& f, Insn& out) {
    const DispatchTable& table = dispatch_table(c.traits.model);
    out = Insn{};
    bool op32 = c.code32, addr32 = c.code32;
    int seg_override = -1;
    unsigned prefixes = 0;
    std::uint8_t b;
    // ---- prefixes ----
    for (;;) {
        b = f.next();
        bool is_prefix = true;
        switch (b) {
        case 0x26: seg_override = ES; break;
        case 0x2E: seg_override = CS; break;
        case 0x36: seg_override = SS; break;
        case 0x3E: seg_override = DS; break;
        case 0x64: if (c.traits.has386) seg_override = FS; else is_prefix = false; break;
        case 0x65: if (c.traits.has386) seg_override = GS; else is_prefix = false; break;
        case 0x66: if (c.traits.has386) op32 = !c.code32; else is_prefix = false; break;
        case 0x67: if (c.traits.has386) addr32 = !c.code32; else is_prefix = false; break;
        case 0xF0: out.flags |= Insn::kLock; break;
        case 0xF1: if (c.traits.is8086) out.flags |= Insn::kLock; else is_prefix = false; break;
        case 0xF2: out.rep = Insn::kRepNE; break;
        case 0xF3: out.rep = Insn::kRepE; break;
        default: is_prefix = false; break;
        }
        if (!is_prefix) break;
        ++prefixes;
    }
    out.prefix_count = static_cast<std::uint8_t>(prefixes > 255 ? 255 : prefixes);
    if (op32) out.flags |= Insn::kOperand32;
    if (addr32) out.flags |= Insn::kAddress32;

    unsigned map = 0;
    if (b == 0x0F && c.traits.has286) {
        map = 1;
        b = f.next();
    }
    out.opcode = b;
    const DispatchSlot& slot = table.slots[map * 256 + b];
    std::uint16_t row_index = slot.row;
    bool have_modrm = false;
    std::uint8_t modrm = 0;
    if (slot.is_group) {
        modrm = f.next();
        have_modrm = true;
        row_index = slot.group[(modrm >> 3) & 7];
    }
    if (row_index == kNoRow) {
        out.exec = undefined_opcode_handler(c.traits.model);
        out.cycles = c.timing[TimingClass::UndefinedOpcode].reg;
        out.length = static_cast<std::uint8_t>(f.length());
        out.row = kNoRow;
        return;
    }
    const OpcodeRow& row = opcode_rows()[row_index];
    const DecodeShape& shape = row.shape;
    out.row = row_index;
    if (shape.reg_in_opcode) out.reg = b & 7;

    unsigned ea_cost = 0;
    if (shape.modrm) {
        if (!have_modrm) modrm = f.next();
        out.modrm = modrm;
        unsigned mod = modrm >> 6, reg = (modrm >> 3) & 7, rm = modrm & 7;
        out.reg = static_cast<std::uint8_t>(reg);
        out.rm = static_cast<std::uint8_t>(rm);
        if (mod == 3 || shape.register_only) {
            if (shape.memory_only && !c.traits.is8086) {
                out.exec = undefined_opcode_handler(c.traits.model);
                out.cycles = c.timing[TimingClass::UndefinedOpcode].reg;
                out.length = static_cast<std::uint8_t>(f.length());
                return;
            }
        } else {
            out.flags |= Insn::kMemory;
            std::uint8_t default_seg = DS;
            if (!addr32) {
                if (mod == 0 && rm == 6) {
                    out.disp = next16(f);
                } else {
                    out.ea_base = kEa16[rm].base;
                    out.ea_index = kEa16[rm].index;
                    default_seg = kEa16[rm].seg;
                    if (mod == 1) out.disp = static_cast<std::uint32_t>(static_cast<std::int8_t>(f.next()));
                    else if (mod == 2) out.disp = next16(f);
                }
                if (c.traits.is8086) ea_cost = ea_cycles_8086(c.timing, out, mod, rm);
                else if (mod != 0 && rm < 4) ea_cost = c.timing.ea_three_component;
            } else {
                unsigned base = rm;
                unsigned sib_scale = 0;
                if (rm == 4) {
                    std::uint8_t sib = f.next();
                    unsigned scale = sib >> 6, index = (sib >> 3) & 7;
                    sib_scale = scale;
                    base = sib & 7;
                    if (index != 4) {
                        out.ea_index = static_cast<std::uint8_t>(index);
                        out.ea_scale = static_cast<std::uint8_t>(scale);
                    }
                    if (base == 5 && mod == 0) {
                        out.disp = next32(f);
                        base = 8;
                    }
                } else if (rm == 5 && mod == 0) {
                    out.disp = next32(f);
                    base = 8;
                }
                out.ea_base = static_cast<std::uint8_t>(base);
                if (base == ESP || base == EBP) default_seg = SS;
                if (rm == 4 && sib_scale != 0 && out.ea_index == 8 && base != 8 &&
                    c.traits.model == CpuModel::i80386) {
                    // QUIRK(80386): a SIB byte with index 100b (no index) and a non-zero scale
                    // scales the base register instead (test386's TEST_UNDEF LEA table and its
                    // README's i386 description); the default segment still follows the base
                    // field. The 486 and later ignore the scale: SDM vol. 2 table 2-3 lists
                    // index 100b as "none" in every SS row.
                    out.ea_index = out.ea_base;
                    out.ea_scale = static_cast<std::uint8_t>(sib_scale);
                    out.ea_base = 8;
                }
                if (mod == 1) out.disp = static_cast<std::uint32_t>(static_cast<std::int8_t>(f.next()));
                else if (mod == 2) out.disp = next32(f);
                if (out.ea_index != 8 && out.ea_base != 8 && mod != 0) ea_cost = c.timing.ea_three_component;
            }
            out.seg = default_seg;
        }
    }
    if (seg_override >= 0) {
        out.seg = static_cast<std::uint8_t>(seg_override);
        out.flags |= Insn::kSegOverride;
        if (c.traits.is8086) ea_cost += c.timing.ea_segment_override;
    }

    auto read_imm = [&](ImmKind kind, bool sign_extend) -> std::uint32_t {
        switch (kind) {
        case ImmKind::None: return 0;
        case ImmKind::Byte: {
            std::uint8_t v = f.next();
            return sign_extend ? static_cast<std::uint32_t>(static_cast<std::int8_t>(v)) : v;
        }
        case ImmKind::Word: return next16(f);
        case ImmKind::Sized:
            if (op32) return next32(f);
            else {
                std::uint16_t v = next16(f);
                return sign_extend ? static_cast<std::uint32_t>(static_cast<std::int16_t>(v)) : v;
            }
        case ImmKind::FarPointer: return op32 ? next32(f) : next16(f);
        case ImmKind::Moffs: return addr32 ? next32(f) : next16(f);
        }
        return 0;
    };
    if (shape.imm1 == ImmKind::Moffs) {
        out.disp = read_imm(ImmKind::Moffs, false);
        out.seg = static_cast<std::uint8_t>(seg_override >= 0 ? seg_override : DS);
        out.flags |= Insn::kMemory;
    } else {
        out.imm = read_imm(shape.imm1, shape.sign_extend);
        if (shape.imm1 == ImmKind::FarPointer) out.imm2 = next16(f);
    }
    if (shape.imm2 != ImmKind::None) out.imm2 = static_cast<std::uint16_t>(read_imm(shape.imm2, false));
    if (shape.modrm == false && shape.imm1 != ImmKind::Moffs && seg_override >= 0) out.seg = static_cast<std::uint8_t>(seg_override);
    if (!shape.modrm && shape.imm1 != ImmKind::Moffs && seg_override < 0) out.seg = DS;

    // Timing: use the 32-bit MUL/DIV class for 32-bit operands.
    TimingClass cls = row.timing;
    if (op32 && row.width == OperandWidth::V) {
        switch (cls) {
        case TimingClass::Mul16: cls = TimingClass::Mul32; break;
        case TimingClass::Imul16: cls = TimingClass::Imul32; break;
        case TimingClass::Div16: cls = TimingClass::Div32; break;
        case TimingClass::Idiv16: cls = TimingClass::Idiv32; break;
        default: break;
        }
    }
    const TimingEntry& te = c.timing[cls];
    out.cycles = static_cast<std::uint16_t>((out.flags & Insn::kMemory ? te.mem : te.reg) + ea_cost);
    // Costs the handler would otherwise look up each time it runs: the per-bit clocks of a
    // shift by an immediate (C0/C1 exist from the 80186 on, which masks the count to 5 bits),
    // and what a taken Jcc adds.
    if (cls == TimingClass::ShiftImm) out.cycles = static_cast<std::uint16_t>(out.cycles + (out.imm & 0x1F) * te.extra);
    if (cls == TimingClass::Jcc) out.taken_cycles = static_cast<std::uint16_t>(te.extra > te.reg ? te.extra - te.reg : 0);
    // 80386: LOCK is only valid on read-modify-write instructions with a memory destination
    // (SDM vol. 2 LOCK); the 8086 and 80286 accept it anywhere.
    if ((out.flags & Insn::kLock) && c.traits.has386 && !(lockable(row) && (out.flags & Insn::kMemory))) {
        out.exec = undefined_opcode_handler(c.traits.model);
        out.length = static_cast<std::uint8_t>(f.length());
        return;
    }
    bool wide = row.width == OperandWidth::V && op32;
    const HandlerPair* handlers = wide ? &row.wide : &row.narrow;
    if (row.forms && shape.modrm) {
        // The handler instantiated for this operand form: no register/memory or address-size
        // test when it runs.
        EaForm form = !(out.flags & Insn::kMemory) ? EaForm::Reg
                      : !addr32                    ? EaForm::Mem16
                      : out.ea_index != 8          ? EaForm::Mem32
                                                   : EaForm::Mem32Base;
        const FormHandlers& forms = cls == TimingClass::ShiftImm && (out.imm & 0x1F) == 0
                                        ? shift_by_zero_forms(row.width)
                                        : *row.forms;
        handlers = &(wide ? forms.wide : forms.narrow)[static_cast<unsigned>(form)];
    }
    out.exec = handlers->exec;
    out.chain = handlers->chain;
    out.length = static_cast<std::uint8_t>(f.length());
    // With an FPU, an escape (D8-DF) is resolved here to its x87 row: the handler and the clock
    // count of that instruction form (x87_table.inc); an unassigned form raises #UD.
    if (map == 0 && b >= 0xD8 && b <= 0xDF && c.has_fpu) {
        const X87Dispatch& x87 = x87_dispatch(c.traits.model);
        const unsigned escape = b - 0xD8u;
        std::uint16_t x = out.is_reg() ? x87.registers[escape][out.modrm & 0x3F] : x87.memory[escape][out.reg];
        out.chain = nullptr;  // an x87 instruction ends its block
        if (x == kNoRow) {
            out.exec = undefined_opcode_handler(c.traits.model);
            out.cycles = c.timing[TimingClass::UndefinedOpcode].reg;
        } else {
            const X87Row& xrow = x87_rows()[x];
            const TimingEntry& xt = c.timing[xrow.timing];
            out.exec = xrow.handler;
            out.x87_row = x;
            out.cycles = static_cast<std::uint16_t>((out.is_reg() ? xt.reg : xt.mem) + ea_cost);
        }
    }
}

template void decode_with<InstructionFetcher>(const DecodeContext&, InstructionFetcher&, Insn&);
template void decode_with<BufferFetcher>(const DecodeContext&, BufferFetcher&, Insn&);

void decode_instruction(CpuCore& c, InstructionFetcher& f, Insn& out) {
    decode_with(DecodeContext{c.traits, c.timing, c.code32(), c.has_fpu}, f, out);
}

}  // namespace x86emu
