// x86emu — 80386 bit instructions: BT/BTS/BTR/BTC (register and immediate offsets), BSF/BSR,
// SHLD/SHRD. Intel SDM vol. 2 under each mnemonic; 80386 PRM §17 for the memory bit-offset rule.
#pragma once
#include "core/exec/shift.hpp"

namespace x86emu::exec {

enum class BitOp : std::uint8_t { Test, Set, Reset, Complement };

template <BitOp Op, class T> inline T apply_bit(CpuCore& c, T v, unsigned bit) {
    T m = static_cast<T>(T{1} << bit);
    c.set_flag(eflags::CF, (v & m) != 0);
    if (c.traits.model == CpuModel::i80386) {
        // QUIRK(80386): OF (undefined) is what RCR by bit+1 with CF = 0 would leave: bit
        // (W-1+bit) xor bit (W+bit) of the W+1-bit value CF:v (test386's 386SX checks).
        constexpr unsigned w = kBits<T>;
        auto wide_bit = [&](unsigned j) { return j == w ? 0u : static_cast<unsigned>((u64{v} >> j) & 1); };
        c.set_flag(eflags::OF, wide_bit((w - 1 + bit) % (w + 1)) != wide_bit((w + bit) % (w + 1)));
    }
    switch (Op) {
    case BitOp::Test: return v;
    case BitOp::Set: return static_cast<T>(v | m);
    case BitOp::Reset: return static_cast<T>(v & ~m);
    case BitOp::Complement: return static_cast<T>(v ^ m);
    }
    return v;
}

template <BitOp Op> struct BitOpEG {  // BT r/m, reg: a memory operand addresses any bit
    template <class T> static void run(CpuCore& c, const Insn& i) {
        if (i.is_reg()) {
            unsigned bit = c.reg<T>(i.reg) & (kBits<T> - 1);
            T r = apply_bit<Op, T>(c, c.reg<T>(i.rm), bit);
            if (Op != BitOp::Test) c.set_reg<T>(i.rm, r);
            return;
        }
        using S = Signed<T>;
        std::int32_t offset = static_cast<S>(c.reg<T>(i.reg));
        std::int32_t unit = offset >= 0 ? offset / static_cast<std::int32_t>(kBits<T>)
                                        : -((-offset + static_cast<std::int32_t>(kBits<T>) - 1) / static_cast<std::int32_t>(kBits<T>));
        u32 addr = c.effective_address(i) + static_cast<u32>(unit * static_cast<std::int32_t>(sizeof(T)));
        if (!i.addr32()) addr &= 0xFFFF;
        unsigned bit = static_cast<unsigned>(offset) & (kBits<T> - 1);
        if (Op == BitOp::Test) apply_bit<Op, T>(c, c.read_mem<T>(i.seg, addr), bit);
        else c.modify_mem<T>(i.seg, addr, [&](T v) { return apply_bit<Op, T>(c, v, bit); });
    }
};

template <BitOp Op> struct BitOpEI {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        unsigned bit = i.imm & (kBits<T> - 1);
        if constexpr (Op == BitOp::Test) apply_bit<Op, T>(c, c.read_E<T>(i), bit);
        else modify_E<T>(c, i, [&](T v) { return apply_bit<Op, T>(c, v, bit); });
    }
};

template <bool Reverse> struct BitScan {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        T v = c.read_E<T>(i);
        if (v == 0) {
            c.set_flag(eflags::ZF, true);  // destination left unchanged
            return;
        }
        unsigned bit = Reverse ? (kBits<T> - 1 - std::countl_zero(v)) : std::countr_zero(v);
        c.charge(c.timing[TimingClass::BitScan].extra * (Reverse ? (kBits<T> - bit) : (bit + 1)));
        c.set_reg<T>(i.reg, static_cast<T>(bit));
        c.set_flag(eflags::ZF, false);
    }
};

template <bool Left, ShiftCount Count> struct DoubleShift {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        unsigned n = (Count == ShiftCount::CL ? c.gpr[ECX] : i.imm) & 0x1F;
        if (n == 0) return;
        T fill = c.reg<T>(i.reg);
        modify_E<T>(c, i, [&](T v) {
            u64 r;
            bool cf;
            if constexpr (Left) {
                // v:fill shifted left; the last bit out is bit (2 * width - n) of the pair.
                // (A 16-bit count above 16 is architecturally undefined.)
                u64 wide = (u64{v} << kBits<T>) | fill;
                cf = (wide >> (2 * kBits<T> - n)) & 1;
                r = (wide << n) >> kBits<T>;
            } else {
                u64 wide = (u64{fill} << kBits<T>) | v;
                cf = (wide >> (n - 1)) & 1;
                r = wide >> n;
            }
            T res = static_cast<T>(r);
            u32 f = CpuCore::szp_flags<T>(res);
            if (cf) f |= eflags::CF;
            if (((res ^ v) & msb_of<T>) != 0) f |= eflags::OF;
            c.set_arith_flags(f);
            return res;
        });
    }
};

using ShldImm = DoubleShift<true, ShiftCount::Imm>;
using ShldCL = DoubleShift<true, ShiftCount::CL>;
using ShrdImm = DoubleShift<false, ShiftCount::Imm>;
using ShrdCL = DoubleShift<false, ShiftCount::CL>;

}  // namespace x86emu::exec
