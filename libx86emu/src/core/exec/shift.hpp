// x86emu — ROL ROR RCL RCR SHL SHR SAL SAR (group 2), SHLD/SHRD.
// Semantics: Intel SDM vol. 2 (RCL/RCR/ROL/ROR, SAL/SAR/SHL/SHR, SHLD, SHRD);
// 8086 User's Manual ch. 2 (shift counts are not masked on the 8086).
// The flags the manuals leave undefined for counts above one come out as the last single-bit
// step of the chips' microcode leaves them (checked against the SingleStepTests captures).
// Every shift and rotate computes in one operation the result and the CF and OF the last of
// its single-bit steps would leave (issue 13: the bit loop cost ~80 host instructions).
#pragma once
#include "core/exec/alu.hpp"

#include <algorithm>
#include <type_traits>

namespace x86emu::exec {

enum class ShiftOp : std::uint8_t { Rol, Ror, Rcl, Rcr, Shl, Shr, Sal, Sar };
enum class ShiftCount : std::uint8_t { One, CL, Imm };
// SHL/SAL/SHR/SAR: they rewrite all six arithmetic flags; the rotates only CF and OF.
template <ShiftOp Op> inline constexpr bool kArithmeticShift =
    Op == ShiftOp::Shl || Op == ShiftOp::Sal || Op == ShiftOp::Shr || Op == ShiftOp::Sar;

template <ShiftCount Count> inline unsigned shift_count(const CpuCore& c, const Insn& i) {
    // C0/C1 exist from the 80186 on, which masks: no model test for them.
    if constexpr (Count == ShiftCount::Imm) return i.imm & 0x1F;
    unsigned n = Count == ShiftCount::One ? 1u : Count == ShiftCount::CL ? (c.gpr[ECX] & 0xFF) : (i.imm & 0xFF);
    // QUIRK(8086): the count is used as is (up to 255 iterations); the 80186 and later mask it
    // to five bits to bound the instruction's duration.
    return c.traits.is8086 ? n : (n & 0x1F);
}

// Shifts v by n (n > 0) and sets the flags; returns the result. Always inlined: the handlers'
// chained forms (chain.hpp) inline the handler, and a call left in one costs it a frame.
// ByImmediate: n came from C0/C1's immediate, so it is 1 to 31 (the decoder gives a masked count
// of 0 to ShiftByZero) and the CPU is not an 8086 (which has no C0/C1); the range tests and the
// 8086's AF rule then drop out (issue 13: SHR by an immediate paid 35 host instructions).
template <ShiftOp Op, class T, bool ByImmediate = false>
[[gnu::always_inline]] inline T shift_value(CpuCore& c, T v, unsigned n) {
    if constexpr (ByImmediate) n &= 0x1F;  // already so; tells the compiler n < 32
    constexpr u32 msb = msb_of<T>;
    constexpr bool arithmetic = kArithmeticShift<Op>;
    // An arithmetic shift rewrites all six arithmetic flags, so it needs none of the old ones;
    // a rotate keeps SF/ZF/AF/PF as they are, lazy or not (and RCL/RCR shift CF in).
    bool cf = arithmetic ? false : c.cf();
    bool of = false;
    u32 x = v;
    // The arithmetic shifts' CF and OF as the lazy carries word holds them (CpuCore::lazy):
    // bit 31 = CF, bit 30 = CF XOR OF.
    auto carries_of = [](bool carry, bool overflow) {
        return (carry ? 0x80000000u : 0u) | (carry != overflow ? 0x40000000u : 0u);
    };
    u32 carries = 0;
    if constexpr (Op == ShiftOp::Shl || Op == ShiftOp::Sal) {
        // n single-bit steps: the last bit out is bit (width - n) of v (none once n > width),
        // OF = the result's MSB != CF as after the last step. n reaches 255 on the 8086.
        const std::uint64_t wide = ByImmediate || n < 64 ? std::uint64_t{v} << n : 0;
        x = static_cast<u32>(wide) & mask_of<T>;
        cf = (wide >> kBits<T>) & 1;
        of = ((x & msb) != 0) != cf;
        // The carries word without the two booleans: CF is bit `width` of wide and CF XOR OF
        // is the result's MSB, bit `width` - 1; moved to bits 31 and 30.
        carries = static_cast<u32>((wide << (32 - kBits<T>)) >> 1) & 0xC0000000u;
    } else if constexpr (Op == ShiftOp::Shr) {
        // The last bit out is bit n-1 of v; OF = the MSB before the last step, which only a
        // single-bit shift still has.
        if constexpr (ByImmediate) {
            x = u32{v} >> n;
            cf = (u32{v} >> ((n - 1) & 0x1F)) & 1;
        } else {
            x = n < 32 ? v >> n : 0;
            cf = n - 1 < 32 ? (v >> (n - 1)) & 1 : 0;
        }
        of = n == 1 && (v & msb);
    } else if constexpr (Op == ShiftOp::Sar) {
        // Sign-filling shift of the operand's width; past the width every step repeats the sign.
        const std::int64_t s = static_cast<std::int64_t>(static_cast<std::make_signed_t<T>>(static_cast<T>(v)));
        x = static_cast<u32>(s >> (ByImmediate ? n : std::min(n, 63u))) & mask_of<T>;
        cf = (s >> (ByImmediate ? (n - 1) & 0x1F : std::min(n - 1, 63u))) & 1;
        of = false;
    }
    if constexpr (Op == ShiftOp::Rol || Op == ShiftOp::Ror) {
        // n single-bit steps rotate by n mod width. CF is the bit the last step moved round
        // (ROL: now bit 0, ROR: now the MSB); OF as the last step leaves it: ROL the result's
        // MSB != CF, ROR the XOR of the result's two top bits.
        const unsigned k = n % kBits<T>;
        if (k) {
            x = Op == ShiftOp::Rol ? (x << k) | (x >> (kBits<T> - k)) : (x >> k) | (x << (kBits<T> - k));
            x &= mask_of<T>;
        }
        if constexpr (Op == ShiftOp::Rol) {
            cf = x & 1;
            of = ((x & msb) != 0) != cf;
        } else {
            cf = (x & msb) != 0;
            of = ((x ^ (x << 1)) & msb) != 0;
        }
    } else if constexpr (Op == ShiftOp::Rcl || Op == ShiftOp::Rcr) {
        // Through CF: a rotation of the width + 1 bits CF:v by n mod (width + 1). OF as the
        // last step leaves it: RCL the result's MSB != the new CF; RCR the old MSB != the old
        // CF of that step, which are now the result's bit width - 2 and its MSB.
        constexpr unsigned w1 = kBits<T> + 1;
        const unsigned k = n % w1;
        std::uint64_t y = (std::uint64_t{cf} << kBits<T>) | x;
        if (k) {
            y = Op == ShiftOp::Rcl ? (y << k) | (y >> (w1 - k)) : (y >> k) | (y << (w1 - k));
            y &= (std::uint64_t{1} << w1) - 1;
        }
        x = static_cast<u32>(y) & mask_of<T>;
        cf = (y >> kBits<T>) & 1;
        if constexpr (Op == ShiftOp::Rcl) of = ((x & msb) != 0) != cf;
        else of = ((x ^ (x << 1)) & msb) != 0;
    }
    if constexpr (Op == ShiftOp::Shl || Op == ShiftOp::Sal || Op == ShiftOp::Shr) {
        // A 32-bit operand shifted by an immediate never reaches its width.
        if (!(ByImmediate && kBits<T> == 32) && c.traits.has386 && n >= kBits<T>) {
            // QUIRK(80386): a byte or word shifted by its width or more (8/16/24, 16) does not
            // end with CF = 0: the 386SX leaves CF = the bit the shifter would take from the
            // operand repeated across 32 bits (SHR: bit (n-1) mod width, SHL: bit -n mod
            // width), and OF follows that CF (test386's hardware-validated 386 checks).
            unsigned bit = Op == ShiftOp::Shr ? (n - 1) % kBits<T> : (kBits<T> - n % kBits<T>) % kBits<T>;
            cf = (v >> bit) & 1;
            if constexpr (Op != ShiftOp::Shr) of = ((x & msb) != 0) != cf;
            carries = carries_of(cf, of);
        }
    }
    if constexpr (!arithmetic) {
        c.set_cf_of(cf, of);
    } else {
        // Shifts set SF/ZF/PF from the result; AF is documented as undefined.
        u32 af = 0;  // bit 3 of the carries word
        if (c.traits.has386) {
            // QUIRK(80386): every shift by a non-zero count sets AF (test386's 386SX checks).
            af = 0x8u;
        } else if constexpr (Op == ShiftOp::Shl || Op == ShiftOp::Sal) {
            // SHL: the 8086 and 286 leave AF = bit 4 of the result (the ALU adds the operand
            // to itself, so AF is the carry out of bit 3), whatever the count.
            af = (x >> 1) & 0x8u;
        } else if (ByImmediate || !c.traits.is8086) {
            // QUIRK(80286): SHR/SAR by a non-zero count always set AF (every capture of
            // C0-D3 /5 and /7 with count & 1Fh != 0 has AF = 1).
            af = 0x8u;
        }
        // QUIRK(8086): SHR/SAR by a non-zero count always clear AF (every capture of
        // D0-D3 /5 and /7 with count != 0 has AF = 0).
        if constexpr (Op != ShiftOp::Shl && Op != ShiftOp::Sal) carries = carries_of(cf, of);
        c.set_lazy<T>(x, carries | af);
    }
    return static_cast<T>(x);
}

// Any shift or rotate by a zero count: it changes nothing, not even flags; the memory operand
// is still read (and may fault). The decoder gives it to C0/C1 with a masked count of zero.
struct ShiftByZero {
    template <class T, EaForm F = EaForm::Any> static void run(CpuCore& c, const Insn& i) {
        if (F != EaForm::Reg && !i.is_reg()) (void)c.read_E<T, F>(i);
    }
};

template <ShiftOp Op, ShiftCount Count> struct Shift {
    template <class T, EaForm F = EaForm::Any> static void run(CpuCore& c, const Insn& i) {
        unsigned n = shift_count<Count>(c, i);
        // (C0/C1, the shifts by an immediate, do not exist on the 8086.)
        if (Op == ShiftOp::Sal && Count != ShiftCount::Imm && c.traits.is8086) {
            // UNDOC(8086): /6 is SETMO (by 1) / SETMOC (by CL): the operand becomes all ones,
            // flags as for OR with all ones.
            if (n == 0) return;
            modify_E<T, F>(c, i, [&](T) {
                T r = static_cast<T>(~T{0});
                c.set_arith_flags(CpuCore::szp_flags<T>(r));
                return r;
            });
            return;
        }
        // By CL: per-bit clocks; by an immediate the decoder has added them to Insn::cycles.
        if constexpr (Count == ShiftCount::CL) c.charge(n * c.timing[TimingClass::ShiftCL].extra);
        // An immediate count the 186 and later mask to zero gets ShiftByZero instead (the
        // decoder picks it), so only the counts that come at run time are tested here.
        if (Count != ShiftCount::Imm && n == 0) return ShiftByZero::run<T, F>(c, i);
        modify_E<T, F>(c, i, [&](T v) { return shift_value<Op, T, Count == ShiftCount::Imm>(c, v, n); });
    }
    // By an immediate (never 0 here: ShiftByZero), SHL/SHR/SAR/SAL write all six arithmetic
    // flags from the operand and count alone (alu.hpp, "flags nobody reads"); the result without
    // them for a register whose flags the next instruction overwrites.
    static constexpr bool kSetsAllFlags = Count == ShiftCount::Imm && kArithmeticShift<Op>;
    template <class T>
        requires(kSetsAllFlags)
    static void run_unflagged(CpuCore& c, const Insn& i) {
        const unsigned n = i.imm & 0x1F, rm = i.rm;
        const u32 v = c.reg<T>(rm);
        u32 r;
        if constexpr (Op == ShiftOp::Shr) r = v >> n;
        else if constexpr (Op == ShiftOp::Sar) r = static_cast<u32>(static_cast<std::int32_t>(static_cast<std::make_signed_t<T>>(static_cast<T>(v))) >> n);
        else r = v << n;
        c.set_reg<T>(rm, static_cast<T>(r));
    }
};

template <ShiftOp Op> using ShiftBy1 = Shift<Op, ShiftCount::One>;
template <ShiftOp Op> using ShiftByCL = Shift<Op, ShiftCount::CL>;
template <ShiftOp Op> using ShiftByImm = Shift<Op, ShiftCount::Imm>;

}  // namespace x86emu::exec
