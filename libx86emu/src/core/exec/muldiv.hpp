// x86emu — MUL, IMUL (one, two and three operands), DIV, IDIV.
// Semantics: Intel SDM vol. 2 (MUL, IMUL, DIV, IDIV); divide-error rules and the 8086's
// quotient range from the 8086 User's Manual ch. 2 and the 80286 PRM appendix B.
//
// The "undefined" flags are reproduced per model from the hardware captures (SingleStepTests):
// the 8086 leaves the flags of its microcode ALU steps (Intel patent 4,363,091 and the
// reverse-engineered microcode: CORX multiply loop, CORD divide loop, NEGATE, IMULCOF/MULCOF),
// the 80286 leaves those of its multiply/divide hardware, the 386 and later are left as they were.
#pragma once
#include <limits>

#include "core/exec/common.hpp"

namespace x86emu::exec {

// Wider type for products and dividends.
template <class T> using Wide = std::conditional_t<sizeof(T) == 4, u64, u32>;

// AL/AX/EAX and AH/DX/EDX views for the implicit operands.
template <class T> inline T acc_low(const CpuCore& c) { return c.reg<T>(EAX); }
template <class T> inline T acc_high(const CpuCore& c) { return sizeof(T) == 1 ? c.reg<T>(4) : c.reg<T>(EDX); }
template <class T> inline void set_acc_pair(CpuCore& c, T low, T high) {
    if constexpr (sizeof(T) == 1) {
        c.set_reg<u16>(EAX, static_cast<u16>(low | (high << 8)));
    } else {
        c.set_reg<T>(EAX, low);
        c.set_reg<T>(EDX, high);
    }
}

template <class T> inline bool msb(Wide<T> v) { return (v >> (kBits<T> - 1)) & 1; }

// ---- multiplication flags --------------------------------------------------------------------

// CF = OF = `overflow`; SF/ZF/PF/AF are undefined and follow the model. Always inlined (the
// chained forms of the IMUL handlers inline them, chain.hpp); the 386 and later's flags, those of
// the low half with AF clear, are kept lazily (CpuCore::lazy): CF and OF are both bits 31 of the
// carries word and 30 clear.
template <class T> [[gnu::always_inline]] inline void mul_flags(CpuCore& c, bool is_signed, bool overflow, T low, T high) {
    if (c.traits.has386) [[likely]] {
        c.set_lazy<T>(low, overflow ? 0x80000000u : 0u);
        return;
    }
    u32 f = 0;
    if (c.traits.is8086) {
        if (is_signed) {
            // QUIRK(8086): IMULCOF adds the sign of the low half to the high half (ADC tmpa, 0)
            // and sets SF/ZF/PF/AF from that sum; CF = OF = (sum != 0).
            T sum = static_cast<T>(high + (msb<T>(low) ? 1 : 0));
            f = CpuCore::szp_flags<T>(sum) | ((high ^ sum) & 0x10 ? eflags::AF : 0u);
        } else {
            // QUIRK(8086): MULCOF passes the high half through the ALU: SF/ZF/PF from it, AF = 0.
            f = CpuCore::szp_flags<T>(high);
        }
    } else {
        // QUIRK(80286): SF/ZF/PF from the high half of the product, AF always set.
        f = CpuCore::szp_flags<T>(high) | eflags::AF;
    }
    if (overflow) f |= eflags::CF | eflags::OF;
    c.set_arith_flags(f);
}

struct Mul {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        Wide<T> p = Wide<T>{acc_low<T>(c)} * Wide<T>{c.read_E<T>(i)};
        // QUIRK(8086): a REP prefix negates the product (microcode reuses the sign flag).
        if (c.traits.is8086 && i.rep != Insn::kNoRep) p = Wide<T>(0) - p;
        T low = static_cast<T>(p), high = static_cast<T>(p >> kBits<T>);
        set_acc_pair<T>(c, low, high);
        mul_flags<T>(c, false, high != 0, low, high);
    }
};

struct Imul {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        using S = Signed<T>;
        using SW = std::make_signed_t<Wide<T>>;
        SW p = SW{static_cast<S>(acc_low<T>(c))} * SW{static_cast<S>(c.read_E<T>(i))};
        if (c.traits.is8086 && i.rep != Insn::kNoRep) p = -p;  // QUIRK(8086): see Mul
        T low = static_cast<T>(p), high = static_cast<T>(static_cast<Wide<T>>(p) >> kBits<T>);
        set_acc_pair<T>(c, low, high);
        mul_flags<T>(c, true, p != SW{static_cast<S>(low)}, low, high);
    }
};

// Always inlined: a call left in the chained IMUL costs it a saved-register frame (chain.hpp).
template <class T> [[gnu::always_inline]] inline T imul_truncating(CpuCore& c, T a, T b) {
    using S = Signed<T>;
    std::int64_t p = std::int64_t{static_cast<S>(a)} * std::int64_t{static_cast<S>(b)};
    T low = static_cast<T>(p), high = static_cast<T>(static_cast<u64>(p) >> kBits<T>);
    mul_flags<T>(c, true, p != std::int64_t{static_cast<S>(low)}, low, high);
    return low;
}

// The two-operand forms also have a `fast` part for a decoded memory form (chain.hpp).
struct ImulGvEvI {  // IMUL r, r/m, imm (69, 6B)
    template <class T, EaForm F = EaForm::Any> static void run(CpuCore& c, const Insn& i) {
        c.set_reg<T>(i.reg, imul_truncating<T>(c, c.read_E<T, F>(i), static_cast<T>(i.imm)));
    }
    template <class T, EaForm F> static bool fast(CpuCore& c, const Insn& i) {
        return c.try_use_E_fast<T, F>(i, [&](T v) { c.set_reg<T>(i.reg, imul_truncating<T>(c, v, static_cast<T>(i.imm))); });
    }
};
struct ImulGvEv {  // IMUL r, r/m (0F AF)
    template <class T, EaForm F = EaForm::Any> static void run(CpuCore& c, const Insn& i) {
        c.set_reg<T>(i.reg, imul_truncating<T>(c, c.reg<T>(i.reg), c.read_E<T, F>(i)));
    }
    template <class T, EaForm F> static bool fast(CpuCore& c, const Insn& i) {
        return c.try_use_E_fast<T, F>(i, [&](T v) { c.set_reg<T>(i.reg, imul_truncating<T>(c, c.reg<T>(i.reg), v)); });
    }
};

// ---- division --------------------------------------------------------------------------------

// Flags of a w-bit subtraction a - b as the ALU forms them (all six).
template <class T> inline u32 sub_flags(u32 a, u32 b) {
    u32 r = (a - b) & mask_of<T>;
    u32 f = CpuCore::szp_flags<T>(r);
    if (b > a) f |= eflags::CF;
    if ((a ^ b ^ r) & 0x10) f |= eflags::AF;
    if ((a ^ b) & (a ^ r) & msb_of<T>) f |= eflags::OF;
    return f;
}

// QUIRK(8086): the CORD microcode loop (restoring division of tmpa:tmpc by tmpb). Its first
// SUBT (tmpa - tmpb) must borrow or the quotient overflows: #DE with that subtraction's flags.
// Each later SUBT whose shift-out carry was clear also latches its flags; at the end CF is the
// last rotate's carry-out. Returns false (flags already written) on overflow.
template <class T> inline bool cord_8086(CpuCore& c, u32& tmpa, u32 tmpb, u32& tmpc, bool& carry) {
    constexpr u32 m = mask_of<T>;
    constexpr unsigned top = kBits<T> - 1;
    u32 flags = sub_flags<T>(tmpa, tmpb);
    c.set_arith_flags(flags);
    if (!(flags & eflags::CF)) return false;
    carry = true;
    for (unsigned n = 0; n < kBits<T>; ++n) {
        u32 cin = carry;
        carry = (tmpc >> top) & 1;
        tmpc = ((tmpc << 1) | cin) & m;
        cin = carry;
        carry = (tmpa >> top) & 1;
        tmpa = ((tmpa << 1) | cin) & m;
        u32 diff = (tmpa - tmpb) & m;
        if (carry) {
            carry = false;
            tmpa = diff;
        } else {
            flags = sub_flags<T>(tmpa, tmpb);
            carry = flags & eflags::CF;
            if (!carry) tmpa = diff;
        }
    }
    u32 cin = carry;
    carry = (tmpc >> top) & 1;
    tmpc = ((tmpc << 1) | cin) & m;
    carry = (tmpc >> top) & 1;  // the final LRCY only produces a carry
    c.set_arith_flags((flags & ~eflags::CF) | (carry ? eflags::CF : 0u));
    return true;
}

// QUIRK(8086): DIV/IDIV run through the microcode, whose flags survive (also into the #DE
// frame). IDIV divides magnitudes (PREIDIV/NEGATE) and POSTIDIV fixes signs: the quotient is
// formed as NOT tmpc (+1 when negative), so a quotient of -80h/-8000h overflows, and a REP
// prefix flips the internal sign flag F1 and so negates the quotient.
template <class T> inline void divide_8086(CpuCore& c, const Insn& i, bool is_signed) {
    constexpr u32 m = mask_of<T>;
    const u32 hi = acc_high<T>(c), lo = acc_low<T>(c);
    u32 tmpa = hi, tmpc = lo, tmpb = c.read_E<T>(i);
    bool negate = i.rep != Insn::kNoRep;
    if (is_signed) {
        if (hi & msb_of<T>) {  // negative dividend: negate tmpa:tmpc
            tmpc = (0 - tmpc) & m;
            tmpa = tmpc ? (~tmpa & m) : ((0 - tmpa) & m);
            negate = !negate;
        }
        if (tmpb & msb_of<T>) {
            tmpb = (0 - tmpb) & m;
            negate = !negate;
        }
    }
    bool carry = false;
    if (!cord_8086<T>(c, tmpa, tmpb, tmpc, carry)) divide_error(c, i);
    u32 quotient = ~tmpc & m;
    if (is_signed) {
        if (!carry) divide_error(c, i);
        if (hi & msb_of<T>) tmpa = (0 - tmpa) & m;  // remainder takes the dividend's sign
        quotient = negate ? ((tmpc + 1) & m) : (~tmpc & m);
        c.set_arith_flags(c.arith_flags() & ~(eflags::CF | eflags::OF));
    }
    set_acc_pair<T>(c, static_cast<T>(quotient), static_cast<T>(tmpa));
}

// Flags of a completed 80286 DIV.
// QUIRK(80286): SF/ZF/PF from the remainder, AF always set, CF = OF = borrow of the last
// trial subtraction of the divide loop (low w bits of the last partial remainder - divisor).
template <class T> inline void div_flags_286(CpuCore& c, u32 quotient, u32 remainder, u32 divisor) {
    u32 last_partial = (remainder + ((quotient & 1) ? divisor : 0)) & mask_of<T>;
    u32 f = CpuCore::szp_flags<T>(remainder) | eflags::AF;
    if (last_partial < divisor) f |= eflags::CF | eflags::OF;
    c.set_arith_flags(f);
}

// QUIRK(80286): a divide overflow (including division by zero) is only reported after the
// divide loop has run, and the flags it leaves are those of the loop's last-but-one trial
// subtraction. The loop starts from the partial remainder hi - divisor (the overflow test),
// then per step shifts in the next dividend bit and subtracts the divisor when the (w+1)-bit
// shifted value allows it; step w-1 (of w) sets all six flags as a w-bit SUB of the low w bits.
template <class T> inline u32 div_overflow_flags_286(u32 hi, u32 lo, u32 divisor) {
    constexpr u32 m = mask_of<T>;
    u32 partial = (hi - divisor) & m;
    for (unsigned step = 0;; ++step) {
        u32 shifted = (partial << 1) | ((lo >> (kBits<T> - 1 - step)) & 1);
        if (step == kBits<T> - 2) return sub_flags<T>(shifted & m, divisor);
        partial = shifted >= divisor ? (shifted - divisor) & m : shifted & m;
    }
}

struct Div {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        if (c.traits.is8086) return divide_8086<T>(c, i, false);
        T divisor = c.read_E<T>(i);
        Wide<T> dividend = (Wide<T>{acc_high<T>(c)} << kBits<T>) | acc_low<T>(c);
        if (divisor == 0 || dividend / divisor > mask_of<T>) {
            if (!c.traits.has386) c.set_arith_flags(div_overflow_flags_286<T>(acc_high<T>(c), acc_low<T>(c), divisor));
            divide_error(c, i);
        }
        Wide<T> q = dividend / divisor;
        T r = static_cast<T>(dividend % divisor);
        set_acc_pair<T>(c, static_cast<T>(q), r);
        if (!c.traits.has386) div_flags_286<T>(c, static_cast<u32>(q), r, divisor);
    }
};

// QUIRK(80286): IDIV divides magnitudes with a w-step restoring loop over a w-bit partial
// remainder that starts at the high half of the dividend magnitude. Each step shifts the next
// dividend bit in and subtracts the divisor magnitude when the shifted value reaches it; the bit
// shifted out of the top is dropped, except in the last step with a non-negative divisor, where
// the trial subtraction is w+1 bits wide. There is no overflow test before the loop: #DE comes
// from the loop's own w-bit quotient not fitting the signed range, so a dividend whose dropped
// bits hide the overflow gives a result (AX = 9C71h / 47h: AL = 80h, AH = F1h, as if bit 14 of
// AX were clear). This one rule reproduces every captured IDIV r/m8 and r/m16 sample (284 with
// a non-zero divisor, 171 of them #DE) and the quotient-80h cases of SingleStepTests/80386
// issue 3, which its author also found in the 80286 suite. Not covered by any capture: a
// dividend magnitude of exactly 2^(2w-1) (AX = 8000h, DX:AX = 80000000h), whose top bit the
// first shift drops, so the rule yields quotient 0 there where the reporter's formula says #DE.
struct IdivLoop286 { u32 quotient, remainder; };
template <class T> inline IdivLoop286 idiv_loop_286(u64 dividend_mag, u32 divisor_mag, bool divisor_negative) {
    constexpr u32 m = mask_of<T>;
    const u32 lo = static_cast<u32>(dividend_mag) & m;
    u32 partial = static_cast<u32>(dividend_mag >> kBits<T>) & m;
    u32 quotient = 0;
    for (unsigned step = 0; step < kBits<T>; ++step) {
        u32 shifted = (partial << 1) | ((lo >> (kBits<T> - 1 - step)) & 1);  // w+1 bits
        const bool wide = step == kBits<T> - 1 && !divisor_negative;
        if (!wide) shifted &= m;
        const bool take = shifted >= divisor_mag;
        partial = (take ? shifted - divisor_mag : shifted) & m;
        quotient = (quotient << 1) | (take ? 1u : 0u);
    }
    return {quotient & m, partial};
}

// QUIRK(80286): flags after IDIV, also those pushed by its #DE: SF/ZF/PF from the remainder
// given the dividend's sign, AF set, CF = OF from comparing the remainder magnitude with the
// signed divisor (SUB when divisor >= 0, ADD when negative): (|r| < |divisor|) XOR divisor < 0.
// A correct remainder always gives CF = OF = divisor >= 0.
template <class T> inline u32 idiv_flags_286(u32 remainder_mag, u32 divisor_mag, bool dividend_negative,
                                             bool divisor_negative) {
    T remainder = static_cast<T>(dividend_negative ? 0 - remainder_mag : remainder_mag);
    u32 f = CpuCore::szp_flags<T>(remainder) | eflags::AF;
    if ((remainder_mag < divisor_mag) != divisor_negative) f |= eflags::CF | eflags::OF;
    return f;
}

struct Idiv {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        if (c.traits.is8086) return divide_8086<T>(c, i, true);
        const bool is286 = !c.traits.has386;
        const T raw_divisor = c.read_E<T>(i);
        const T lo = acc_low<T>(c), hi = acc_high<T>(c);
        const bool dividend_negative = hi & msb_of<T>;
        const bool divisor_negative = raw_divisor & msb_of<T>;
        // Magnitudes of the 2w-bit dividend and the w-bit divisor.
        u64 dividend = (u64{hi} << kBits<T>) | lo;
        u64 wide_mask = ~u64{0};  // the 2w bits of the dividend (all 64 for a 32-bit IDIV)
        if constexpr (sizeof(T) < 4) wide_mask = (u64{1} << (2 * kBits<T>)) - 1;
        u64 dividend_mag = dividend_negative ? ((u64{0} - dividend) & wide_mask) : dividend;
        u32 divisor_mag = divisor_negative ? static_cast<u32>(u64{1} << kBits<T>) - raw_divisor : raw_divisor;
        if (divisor_mag == 0) {
            // QUIRK(80286): IDIV by zero leaves SF/ZF/PF of the (unchanged) low dividend half,
            // AF set, CF = OF = 0.
            if (is286) c.set_arith_flags(CpuCore::szp_flags<T>(lo) | eflags::AF);
            divide_error(c, i);
        }
        const bool quotient_negative = dividend_negative != divisor_negative;
        u64 q_mag;
        u32 r_mag;
        if (is286) {
            // The 286's own divide loop decides the quotient, and with it whether #DE follows.
            const IdivLoop286 loop = idiv_loop_286<T>(dividend_mag, divisor_mag, divisor_negative);
            c.set_arith_flags(idiv_flags_286<T>(loop.remainder, divisor_mag, dividend_negative, divisor_negative));
            q_mag = loop.quotient;
            r_mag = loop.remainder;
        } else {
            q_mag = dividend_mag / divisor_mag;
            r_mag = static_cast<u32>(dividend_mag % divisor_mag);
        }
        // A quotient outside the signed range faults (this also covers one too wide for w bits).
        const u64 q_limit = quotient_negative ? u64{msb_of<T>} : u64{msb_of<T>} - 1;
        if (q_mag > q_limit) divide_error(c, i);
        T q = static_cast<T>(quotient_negative ? 0 - q_mag : q_mag);
        T r = static_cast<T>(dividend_negative ? 0 - r_mag : r_mag);
        set_acc_pair<T>(c, q, r);
    }
};

}  // namespace x86emu::exec
