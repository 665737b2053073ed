// x86emu — ADD OR ADC SBB AND SUB XOR CMP, TEST, INC DEC NOT NEG.
// Semantics and flags: Intel SDM vol. 2 (ADD, ADC, ..., NEG); 8086 User's Manual ch. 2 table 2-21.
// QUIRK(8086/80286): AF after AND/OR/XOR/TEST is architecturally undefined; both chips clear it
// (observed in the SingleStepTests captures), which LazyKind::Logic reproduces.
#pragma once
#include "core/exec/common.hpp"

namespace x86emu::exec {

enum class AluOp : std::uint8_t { Add, Or, Adc, Sbb, And, Sub, Xor, Cmp };

// Computes op(a, b) and records its flags. Returns the result; CMP's result is discarded.
template <AluOp Op, class T> inline T alu(CpuCore& c, T a, T b) {
    // 64 bits: the carry or borrow out of a 32-bit operation is bit 32 (see CpuCore::lazy).
    u64 A = a, B = b, r;
    switch (Op) {
    case AluOp::Add: r = A + B; c.lazy<T>(LazyKind::Add, a, b, r); break;
    case AluOp::Adc: r = A + B + (c.cf() ? 1 : 0); c.lazy<T>(LazyKind::Add, a, b, r); break;
    case AluOp::Sub:
    case AluOp::Cmp: r = A - B; c.lazy<T>(LazyKind::Sub, a, b, r); break;
    case AluOp::Sbb: r = A - B - (c.cf() ? 1 : 0); c.lazy<T>(LazyKind::Sub, a, b, r); break;
    case AluOp::And: r = A & B; c.lazy<T>(LazyKind::Logic, A, B, r); break;
    case AluOp::Or: r = A | B; c.lazy<T>(LazyKind::Logic, A, B, r); break;
    case AluOp::Xor: r = A ^ B; c.lazy<T>(LazyKind::Logic, A, B, r); break;
    }
    return static_cast<T>(r);
}

// op(a, b) alone, no flags: the result of the unflagged register forms below.
template <AluOp Op, class T> inline T alu_result(const CpuCore& c, T a, T b) {
    const u32 A = a, B = b;
    switch (Op) {
    case AluOp::Add: return static_cast<T>(A + B);
    case AluOp::Adc: return static_cast<T>(A + B + (c.cf() ? 1 : 0));
    case AluOp::Sub: case AluOp::Cmp: return static_cast<T>(A - B);
    case AluOp::Sbb: return static_cast<T>(A - B - (c.cf() ? 1 : 0));
    case AluOp::And: return static_cast<T>(A & B);
    case AluOp::Or: return static_cast<T>(A | B);
    case AluOp::Xor: return static_cast<T>(A ^ B);
    }
    return 0;
}

// The flags of a block's instructions that nobody reads (build_block, "flags nobody reads"):
//   run_unflagged<T>  the register form without its flags (CMP's does nothing), for a record
//                     whose flags the next one overwrites before anything can see them;
//   kSetsAllFlags     the register form writes OF SF ZF AF PF CF whatever they were, reading
//                     none of them (not ADC/SBB, which read CF), so it is such a next one;
//   kLeavesFlags      the instruction neither reads nor writes a flag (MOV, LEA, NOT, ...), so
//                     an untested one may stand between the two.
template <AluOp Op> inline constexpr bool kAluSetsAllFlags = Op != AluOp::Adc && Op != AluOp::Sbb;

// Applies a unary/binary update to the r/m operand, computing the address once; `Form` is the
// operand's form when the decoder fixed it (EaForm), Any when it is tested here.
// The register index is read once, before `f` stores the flags: those stores could alias the
// Insn (it may live in the CpuCore), so `i.rm` named after them would be loaded again.
template <class T, EaForm Form = EaForm::Any, class F> inline void modify_E(CpuCore& c, const Insn& i, F&& f) {
    if constexpr (Form == EaForm::Reg) {
        const unsigned rm = i.rm;
        c.set_reg<T>(rm, f(c.reg<T>(rm)));
    } else if constexpr (Form == EaForm::Any) {
        const unsigned rm = i.rm;
        if (i.is_reg()) c.set_reg<T>(rm, f(c.reg<T>(rm)));
        else c.modify_mem<T>(i.seg, c.effective_address(i), f);
    } else {
        c.modify_mem<T>(i.seg, c.effective_address_as<Form>(i), f);
    }
}

// The handlers below whose r/m operand may be memory also have a `fast` part for a decoded
// memory form F (chain.hpp, chained_split): the whole instruction through the memory fast path
// (CpuCore::try_use_E_fast, try_modify_E_fast), or false with nothing changed.

template <AluOp Op> struct AluEG {  // op r/m, reg
    template <class T, EaForm F = EaForm::Any> static void run(CpuCore& c, const Insn& i) {
        if constexpr (Op == AluOp::Cmp) {
            alu<Op, T>(c, c.read_E<T, F>(i), c.reg<T>(i.reg));
        } else {
            T src = c.reg<T>(i.reg);
            modify_E<T, F>(c, i, [&](T dst) { return alu<Op, T>(c, dst, src); });
        }
    }
    template <class T, EaForm F> static bool fast(CpuCore& c, const Insn& i) {
        if constexpr (Op == AluOp::Cmp) {
            return c.try_use_E_fast<T, F>(i, [&](T dst) { alu<Op, T>(c, dst, c.reg<T>(i.reg)); });
        } else {
            T src = c.reg<T>(i.reg);
            return c.try_modify_E_fast<T, F>(i, [&](T dst) { return alu<Op, T>(c, dst, src); });
        }
    }
    static constexpr bool kSetsAllFlags = kAluSetsAllFlags<Op>;
    template <class T> static void run_unflagged(CpuCore& c, const Insn& i) {
        if constexpr (Op != AluOp::Cmp) {
            const unsigned rm = i.rm;
            c.set_reg<T>(rm, alu_result<Op, T>(c, c.reg<T>(rm), c.reg<T>(i.reg)));
        }
    }
};

template <AluOp Op> struct AluGE {  // op reg, r/m
    template <class T, EaForm F = EaForm::Any> static void run(CpuCore& c, const Insn& i) {
        with_source<T>(c, i, c.read_E<T, F>(i));
    }
    template <class T, EaForm F> static bool fast(CpuCore& c, const Insn& i) {
        return c.try_use_E_fast<T, F>(i, [&](T v) { with_source<T>(c, i, v); });
    }
    template <class T> static void with_source(CpuCore& c, const Insn& i, T v) {
        const unsigned reg = i.reg;  // read once, as in modify_E
        T r = alu<Op, T>(c, c.reg<T>(reg), v);
        if constexpr (Op != AluOp::Cmp) c.set_reg<T>(reg, r);
    }
    static constexpr bool kSetsAllFlags = kAluSetsAllFlags<Op>;
    template <class T> static void run_unflagged(CpuCore& c, const Insn& i) {
        if constexpr (Op != AluOp::Cmp) {
            const unsigned reg = i.reg;
            c.set_reg<T>(reg, alu_result<Op, T>(c, c.reg<T>(reg), c.reg<T>(i.rm)));
        }
    }
};

template <AluOp Op> struct AluAccImm {  // op AL/eAX, imm
    template <class T> static void run(CpuCore& c, const Insn& i) {
        T r = alu<Op, T>(c, c.reg<T>(EAX), static_cast<T>(i.imm));
        if constexpr (Op != AluOp::Cmp) c.set_reg<T>(EAX, r);
    }
    static constexpr bool kSetsAllFlags = kAluSetsAllFlags<Op>;
    template <class T> static void run_unflagged(CpuCore& c, const Insn& i) {
        if constexpr (Op != AluOp::Cmp) c.set_reg<T>(EAX, alu_result<Op, T>(c, c.reg<T>(EAX), static_cast<T>(i.imm)));
    }
};

template <AluOp Op> struct AluEI {  // group 1: op r/m, imm
    template <class T, EaForm F = EaForm::Any> static void run(CpuCore& c, const Insn& i) {
        if constexpr (Op == AluOp::Cmp) {
            alu<Op, T>(c, c.read_E<T, F>(i), static_cast<T>(i.imm));
        } else {
            modify_E<T, F>(c, i, [&](T dst) { return alu<Op, T>(c, dst, static_cast<T>(i.imm)); });
        }
    }
    template <class T, EaForm F> static bool fast(CpuCore& c, const Insn& i) {
        if constexpr (Op == AluOp::Cmp) {
            return c.try_use_E_fast<T, F>(i, [&](T dst) { alu<Op, T>(c, dst, static_cast<T>(i.imm)); });
        } else {
            return c.try_modify_E_fast<T, F>(i, [&](T dst) { return alu<Op, T>(c, dst, static_cast<T>(i.imm)); });
        }
    }
    static constexpr bool kSetsAllFlags = kAluSetsAllFlags<Op>;
    template <class T> static void run_unflagged(CpuCore& c, const Insn& i) {
        if constexpr (Op != AluOp::Cmp) {
            const unsigned rm = i.rm;
            c.set_reg<T>(rm, alu_result<Op, T>(c, c.reg<T>(rm), static_cast<T>(i.imm)));
        }
    }
};

struct TestEG {
    static constexpr bool kSetsAllFlags = true;
    template <class T> static void run_unflagged(CpuCore&, const Insn&) {}
    template <class T, EaForm F = EaForm::Any> static void run(CpuCore& c, const Insn& i) {
        alu<AluOp::And, T>(c, c.read_E<T, F>(i), c.reg<T>(i.reg));
    }
    template <class T, EaForm F> static bool fast(CpuCore& c, const Insn& i) {
        return c.try_use_E_fast<T, F>(i, [&](T v) { alu<AluOp::And, T>(c, v, c.reg<T>(i.reg)); });
    }
};
struct TestEI {
    static constexpr bool kSetsAllFlags = true;
    template <class T> static void run_unflagged(CpuCore&, const Insn&) {}
    template <class T, EaForm F = EaForm::Any> static void run(CpuCore& c, const Insn& i) {
        alu<AluOp::And, T>(c, c.read_E<T, F>(i), static_cast<T>(i.imm));
    }
    template <class T, EaForm F> static bool fast(CpuCore& c, const Insn& i) {
        return c.try_use_E_fast<T, F>(i, [&](T v) { alu<AluOp::And, T>(c, v, static_cast<T>(i.imm)); });
    }
};
struct TestAccImm {
    static constexpr bool kSetsAllFlags = true;
    template <class T> static void run_unflagged(CpuCore&, const Insn&) {}
    template <class T> static void run(CpuCore& c, const Insn& i) {
        alu<AluOp::And, T>(c, c.reg<T>(EAX), static_cast<T>(i.imm));
    }
};

template <class T> inline T inc_value(CpuCore& c, T v) {
    u32 r = u32{v} + 1;
    c.lazy<T>(LazyKind::Inc, v, 1, r);
    return static_cast<T>(r);
}
template <class T> inline T dec_value(CpuCore& c, T v) {
    u32 r = u32{v} - 1;
    c.lazy<T>(LazyKind::Dec, v, 1, r);
    return static_cast<T>(r);
}

// The register index is read once: the flag stores could alias the Insn (it may live in the
// CpuCore), so `i.reg` named after them would be loaded again.
struct IncReg {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        const unsigned r = i.reg;
        c.set_reg<T>(r, inc_value<T>(c, c.reg<T>(r)));
    }
    template <class T> static void run_unflagged(CpuCore& c, const Insn& i) {
        const unsigned r = i.reg;
        c.set_reg<T>(r, static_cast<T>(c.reg<T>(r) + 1u));
    }
};
struct DecReg {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        const unsigned r = i.reg;
        c.set_reg<T>(r, dec_value<T>(c, c.reg<T>(r)));
    }
    template <class T> static void run_unflagged(CpuCore& c, const Insn& i) {
        const unsigned r = i.reg;
        c.set_reg<T>(r, static_cast<T>(c.reg<T>(r) - 1u));
    }
};
struct IncE {
    template <class T, EaForm F = EaForm::Any> static void run(CpuCore& c, const Insn& i) {
        modify_E<T, F>(c, i, [&](T v) { return inc_value<T>(c, v); });
    }
    template <class T, EaForm F> static bool fast(CpuCore& c, const Insn& i) {
        return c.try_modify_E_fast<T, F>(i, [&](T v) { return inc_value<T>(c, v); });
    }
};
struct DecE {
    template <class T, EaForm F = EaForm::Any> static void run(CpuCore& c, const Insn& i) {
        modify_E<T, F>(c, i, [&](T v) { return dec_value<T>(c, v); });
    }
    template <class T, EaForm F> static bool fast(CpuCore& c, const Insn& i) {
        return c.try_modify_E_fast<T, F>(i, [&](T v) { return dec_value<T>(c, v); });
    }
};
struct Not {
    static constexpr bool kLeavesFlags = true;
    template <class T, EaForm F = EaForm::Any> static void run(CpuCore& c, const Insn& i) {
        modify_E<T, F>(c, i, [](T v) { return static_cast<T>(~v); });
    }
};
struct Neg {
    template <class T, EaForm F = EaForm::Any> static void run(CpuCore& c, const Insn& i) {
        modify_E<T, F>(c, i, [&](T v) { return alu<AluOp::Sub, T>(c, 0, v); });
    }
};

}  // namespace x86emu::exec
