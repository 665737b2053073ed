// x86emu — decimal adjust: DAA DAS AAA AAS AAM AAD, and SALC.
// Semantics: Intel SDM vol. 2 (AAA, AAD, AAM, AAS, DAA, DAS).
// QUIRK(8086): AAA/AAS adjust AL and AH separately (AL += 6, AH += 1); the 80286 and later add
// 106h to AX so that a carry out of AL propagates into AH.
#pragma once
#include "core/exec/common.hpp"
#include "core/exec/muldiv.hpp"

namespace x86emu::exec {

template <bool Subtract> inline void decimal_adjust(CpuCore& c) {
    u8 al = c.reg<u8>(EAX);
    const u8 old_al = al;
    const bool old_cf = c.cf();
    const bool old_af = c.af();
    bool cf = false, af = false;
    if ((al & 0x0F) > 9 || old_af) {
        u32 t = Subtract ? u32{al} - 6 : u32{al} + 6;
        al = static_cast<u8>(t);
        // QUIRK(8086): the carry/borrow of the low-nibble adjustment does not reach CF (only
        // the high-nibble step sets it); e.g. DAS of AL=02h with AF=1, CF=0 leaves CF clear.
        cf = old_cf || (!c.traits.is8086 && t > 0xFF);
        af = true;
    }
    // The 8086 and later compare the original AL against 99h (9Fh when AF was set on the 8086,
    // per the captured behaviour of these chips).
    u8 limit = (c.traits.is8086 && old_af) ? 0x9F : 0x99;
    if (old_al > limit || old_cf) {
        al = static_cast<u8>(Subtract ? al - 0x60 : al + 0x60);
        cf = true;
    }
    c.set_reg<u8>(EAX, al);
    // OF is undefined: these chips leave it as the signed overflow of the net adjustment.
    u32 f = CpuCore::szp_flags<u8>(al);
    if (cf) f |= eflags::CF;
    if (af) f |= eflags::AF;
    u8 delta = static_cast<u8>(Subtract ? old_al - al : al - old_al);
    bool of = Subtract ? (((old_al ^ delta) & (old_al ^ al)) & 0x80) : ((~(old_al ^ delta) & (old_al ^ al)) & 0x80);
    if (of) f |= eflags::OF;
    c.set_arith_flags(f);
}

struct Daa { static void run(CpuCore& c, const Insn&) { decimal_adjust<false>(c); } };
struct Das { static void run(CpuCore& c, const Insn&) { decimal_adjust<true>(c); } };

// QUIRK(8086): QUIRK(80286): AAA/AAS leave SF, ZF, PF and OF (undefined) as the 8-bit ALU
// forms them for AL + 6 / AL - 6 (AL + 0 / AL - 0 when no adjustment is made), before the
// high nibble is masked off; CF = AF = adjustment made.
template <bool Subtract> inline u32 ascii_adjust_flags(u8 old_al, bool adjust) {
    const u8 addend = adjust ? 6 : 0;
    const u8 r = static_cast<u8>(Subtract ? old_al - addend : old_al + addend);
    u32 f = CpuCore::szp_flags<u8>(r);
    const bool of = Subtract ? ((old_al ^ addend) & (old_al ^ r) & 0x80) : (~(old_al ^ addend) & (old_al ^ r) & 0x80);
    if (of) f |= eflags::OF;
    if (adjust) f |= eflags::CF | eflags::AF;
    return f;
}

template <bool Subtract> inline void ascii_adjust(CpuCore& c) {
    u16 ax = c.reg<u16>(EAX);
    u8 al = static_cast<u8>(ax), ah = static_cast<u8>(ax >> 8);
    const u8 old_al = al;
    bool adjust = (al & 0x0F) > 9 || c.af();
    if (adjust) {
        if (c.traits.is8086) {
            al = static_cast<u8>(Subtract ? al - 6 : al + 6);
            ah = static_cast<u8>(Subtract ? ah - 1 : ah + 1);
        } else {
            ax = static_cast<u16>(Subtract ? ax - 0x106 : ax + 0x106);
            al = static_cast<u8>(ax);
            ah = static_cast<u8>(ax >> 8);
        }
    }
    c.set_reg<u16>(EAX, static_cast<u16>((al & 0x0F) | (ah << 8)));
    c.set_arith_flags(ascii_adjust_flags<Subtract>(old_al, adjust));
}

struct Aaa { static void run(CpuCore& c, const Insn&) { ascii_adjust<false>(c); } };
struct Aas { static void run(CpuCore& c, const Insn&) { ascii_adjust<true>(c); } };

struct Aam {
    static void run(CpuCore& c, const Insn& i) {
        u8 base = static_cast<u8>(i.imm);
        if (base == 0) {
            // QUIRK(8086): AAM divides with the CORD microcode, whose first step SUBT 0 - imm
            // latches its flags before the divide error: 0 - 0 gives ZF, PF, the rest clear.
            if (c.traits.is8086) c.set_arith_flags(CpuCore::szp_flags<u8>(0));
            // QUIRK(80286): AAM divides 00:AL by the immediate with the DIV r/m8 divider, and a
            // zero immediate ends like DIV r/m8 by zero: the loop runs, the #DE frame carries the
            // flags of its last-but-one trial subtraction (SF/ZF/PF of AL >> 1, AF = CF = OF =
            // 0) and AX is left as it was. Derived from the captured DIV r/m8 by zero (the
            // samples hold no AAM 0); a completed AAM's logic-op flags come from a final pass of
            // AL through the ALU, a step the fault skips.
            if (!c.traits.is8086 && !c.traits.has386)
                c.set_arith_flags(div_overflow_flags_286<u8>(0, c.reg<u8>(EAX), 0));
            divide_error(c, i);
        }
        u8 al = c.reg<u8>(EAX);
        u8 q = al / base, r = al % base;
        c.set_reg<u16>(EAX, static_cast<u16>(r | (q << 8)));
        c.lazy<u8>(LazyKind::Logic, r, 0, r);
    }
};

struct Aad {
    static void run(CpuCore& c, const Insn& i) {
        u8 al = c.reg<u8>(EAX), ah = c.reg<u8>(4);
        u8 product = static_cast<u8>(ah * static_cast<u8>(i.imm));
        // The chips form AL + AH*imm with their adder: its flags are what remains visible.
        u32 r = u32{al} + product;
        c.set_reg<u16>(EAX, static_cast<u8>(r));
        c.lazy<u8>(LazyKind::Add, al, product, r);
        // QUIRK(80286): OF is the carry out of that addition (so OF = CF), not its overflow.
        if (!c.traits.is8086 && !c.traits.has386) c.set_flag(eflags::OF, r > 0xFF);
    }
};

struct Salc {
    static void run(CpuCore& c, const Insn&) { c.set_reg<u8>(EAX, c.cf() ? 0xFF : 0x00); }
};

}  // namespace x86emu::exec
