// x86emu — the 486's exchange instructions: BSWAP, XADD, CMPXCHG. Intel SDM vol. 2 under each
// mnemonic; vol. 1 §7.3.1.2 (exchange instructions). Flags: XADD sets them as ADD of the two
// operands, CMPXCHG as CMP of the accumulator with the destination; both use the lazy ALU flags.
// The memory forms are read-modify-write through modify_E: every check the write needs is made
// before anything is computed, so a faulting write leaves registers, flags and memory untouched.
#pragma once
#include "core/exec/alu.hpp"

namespace x86emu::exec {

struct Bswap {  // 0F C8+r
    static constexpr bool kLeavesFlags = true;  // alu.hpp, "flags nobody reads"
    template <class T> static void run(CpuCore& c, const Insn& i) {
        if constexpr (sizeof(T) == 4) {
            c.set_reg<u32>(i.reg, __builtin_bswap32(c.reg<u32>(i.reg)));
        } else {
            // UNDOC: BSWAP with a 16-bit operand is undefined (SDM BSWAP: "use XCHG"). Our
            // choice: the low word becomes 0 and the upper half is kept, the result reported
            // for Intel and AMD processors (not verified on a 486 here); never the swapped bytes,
            // so that software relying on either undefined outcome sees a consistent one.
            c.set_reg<u16>(i.reg, 0);
        }
    }
};

// XADD r/m, r: TEMP = SRC + DEST; SRC = DEST; DEST = TEMP. With the same register as both
// operands the sum wins, because DEST is written last.
struct Xadd {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        T src = c.reg<T>(i.reg);
        if (i.is_reg()) {
            T dst = c.reg<T>(i.rm);
            T sum = alu<AluOp::Add, T>(c, dst, src);
            c.set_reg<T>(i.reg, dst);
            c.set_reg<T>(i.rm, sum);
            return;
        }
        T old = 0;
        c.modify_mem<T>(i.seg, c.effective_address(i), [&](T dst) {
            old = dst;
            return alu<AluOp::Add, T>(c, dst, src);
        });
        c.set_reg<T>(i.reg, old);
    }
};

// CMPXCHG r/m, r: compares AL/AX/EAX with the destination (flags as CMP accumulator, DEST).
// Equal: DEST = SRC. Different: accumulator = DEST, and DEST is written back with its own value:
// the 486 always performs the write cycle, so a read-only page or segment faults either way
// (SDM CMPXCHG: "the destination operand is written back if the comparison fails").
// QUIRK(80486): the earliest 486 steppings decoded CMPXCHG at 0F A6/A7; the rows follow the
// final encoding (0F B0/B1) that every later processor kept.
struct Cmpxchg {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        T acc = c.reg<T>(EAX);
        T src = c.reg<T>(i.reg);
        T seen = 0;
        bool equal = false;
        modify_E<T>(c, i, [&](T dst) {
            seen = dst;
            alu<AluOp::Cmp, T>(c, acc, dst);
            equal = acc == dst;
            return equal ? src : dst;
        });
        if (!equal) {
            c.set_reg<T>(EAX, seen);
            if (!i.is_reg()) c.charge(c.timing[TimingClass::Cmpxchg].extra);
        }
    }
};

}  // namespace x86emu::exec
