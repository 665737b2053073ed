// x86emu — MUL, IMUL (one, two and three operands), DIV, IDIV.
// Semantics: Intel SDM vol. 2 (MUL, IMUL, DIV, IDIV); divide-error rules and the 8086's
// quotient range from the 8086 User's Manual ch. 2 and the 80286 PRM appendix B.
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

template <class T> inline void mul_flags(CpuCore& c, bool overflow, T low) {
    // CF = OF = upper half significant; SF/ZF/PF are undefined: set from the low half here.
    u32 f = CpuCore::szp_flags<T>(low);
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
        mul_flags<T>(c, high != 0, low);
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
        mul_flags<T>(c, p != SW{static_cast<S>(low)}, low);
    }
};

template <class T> inline T imul_truncating(CpuCore& c, T a, T b) {
    using S = Signed<T>;
    std::int64_t p = std::int64_t{static_cast<S>(a)} * std::int64_t{static_cast<S>(b)};
    T low = static_cast<T>(p);
    mul_flags<T>(c, p != std::int64_t{static_cast<S>(low)}, low);
    return low;
}

struct ImulGvEvI {  // IMUL r, r/m, imm (69, 6B)
    template <class T> static void run(CpuCore& c, const Insn& i) {
        c.set_reg<T>(i.reg, imul_truncating<T>(c, c.read_E<T>(i), static_cast<T>(i.imm)));
    }
};
struct ImulGvEv {  // IMUL r, r/m (0F AF)
    template <class T> static void run(CpuCore& c, const Insn& i) {
        c.set_reg<T>(i.reg, imul_truncating<T>(c, c.reg<T>(i.reg), c.read_E<T>(i)));
    }
};

// #DE: on the 8086 the saved IP is that of the next instruction (handled in fault delivery).
[[noreturn]] inline void divide_error() { raise_fault(Vector::DE); }

struct Div {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        T divisor = c.read_E<T>(i);
        if (divisor == 0) divide_error();
        Wide<T> dividend = (Wide<T>{acc_high<T>(c)} << kBits<T>) | acc_low<T>(c);
        Wide<T> q = dividend / divisor;
        if (q > mask_of<T>) divide_error();
        set_acc_pair<T>(c, static_cast<T>(q), static_cast<T>(dividend % divisor));
    }
};

struct Idiv {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        using S = Signed<T>;
        using SW = std::make_signed_t<Wide<T>>;
        S divisor = static_cast<S>(c.read_E<T>(i));
        if (divisor == 0) divide_error();
        SW dividend = static_cast<SW>((Wide<T>{acc_high<T>(c)} << kBits<T>) | acc_low<T>(c));
        if (dividend == std::numeric_limits<SW>::min() && divisor == -1) divide_error();
        SW q = dividend / divisor;
        SW r = dividend % divisor;
        // QUIRK(8086): the most negative quotient (-80h / -8000h) faults on the 8086; the 80286
        // and later accept it.
        SW lowest = c.traits.is8086 ? SW{std::numeric_limits<S>::min()} + 1 : SW{std::numeric_limits<S>::min()};
        if (q > SW{std::numeric_limits<S>::max()} || q < lowest) divide_error();
        // QUIRK(8086): a REP prefix negates the quotient.
        if (c.traits.is8086 && i.rep != Insn::kNoRep) q = -q;
        set_acc_pair<T>(c, static_cast<T>(q), static_cast<T>(r));
    }
};

}  // namespace x86emu::exec
