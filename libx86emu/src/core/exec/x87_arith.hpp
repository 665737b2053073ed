// x86emu — x87 arithmetic and comparisons: FADD FSUB FSUBR FMUL FDIV FDIVR (and their P forms
// and integer-operand forms FIADD...), FCOM FCOMP FCOMPP FUCOM FUCOMP FUCOMPP FICOM FICOMP FTST,
// and the P6's FCOMI FCOMIP FUCOMI FUCOMIP. Intel SDM vol. 2 (each instruction's page), vol. 1
// §8.3.5-§8.3.7 (basic arithmetic, comparison), table 8-6 (condition codes of the comparisons).
#pragma once
#include "core/exec/x87_common.hpp"

namespace x86emu::exec::x87 {

// The ModRM.reg order of D8 / DA / DC (memory) / DE (memory): SDM vol. 2 table A-7.
enum class ArithOp : u8 { Add, Mul, Com, Comp, Sub, Subr, Div, Divr };

inline Float80 compute(ArithOp op, Float80 a, Float80 b, Env& env) {
    switch (op) {
    case ArithOp::Add: return fpu::add(a, b, env);
    case ArithOp::Mul: return fpu::mul(a, b, env);
    case ArithOp::Sub: return fpu::sub(a, b, env);
    case ArithOp::Subr: return fpu::sub(b, a, env);
    case ArithOp::Div: return fpu::div(a, b, env);
    case ArithOp::Divr: return fpu::div(b, a, env);
    default: return a;
    }
}

// Memory operands of the arithmetic and comparison instructions, converted exactly.
struct M32fp {
    static Float80 load(CpuCore& c, const Insn& i, Env& env) { return widen_float32(c.read_mem<u32>(i.seg, operand_offset(c, i)), env); }
};
struct M64fp {
    static Float80 load(CpuCore& c, const Insn& i, Env& env) { return widen_float64(read_u64(c, i.seg, operand_offset(c, i)), env); }
};
struct M16int {
    static Float80 load(CpuCore& c, const Insn& i, Env&) {
        return fpu::from_int(static_cast<std::int16_t>(c.read_mem<u16>(i.seg, operand_offset(c, i))));
    }
};
struct M32int {
    static Float80 load(CpuCore& c, const Insn& i, Env&) {
        return fpu::from_int(static_cast<std::int32_t>(c.read_mem<u32>(i.seg, operand_offset(c, i))));
    }
};

// Writes an arithmetic result (or, after a masked stack underflow, the real indefinite) to ST(dest).
inline void store_result(CpuCore& c, unsigned dest, Float80 r, const Env& env, bool operands_ok) {
    if (!commit(c, env)) return;
    set_st(c, dest, operands_ok ? r : fpu::kRealIndefinite);
}

// The DE a denormal m32fp/m64fp operand raised while being widened (widen() in x87_common.hpp)
// belongs to the operation, so it follows the operation's precedence (SDM vol. 1 §8.5, §4.9.2):
// a stack underflow of ST(0) is reported alone (the memory operand is never examined), a NaN or
// an unsupported ST(0) takes precedence over DE, and an unmasked DE stops the operation before
// it computes anything (no PE, no result). Measured on the host: docs/DIFFERENTIAL.md.
inline void merge_source_denormal(const Env& source, Float80 st0, bool st0_ok, Env& env) {
    if (!st0_ok || !(source.flags & fx::Denormal)) return;
    const fpu::Class k = fpu::classify(st0);
    if (k == fpu::Class::QuietNaN || k == fpu::Class::SignalingNaN || k == fpu::Class::Unsupported) return;
    env.flags |= fx::Denormal;
}

// FADD/FMUL/FSUB/FSUBR/FDIV/FDIVR ST(0), memory (D8, DC, DA, DE memory forms).
template <class Source, ArithOp Op> struct ArithMemory {
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i)) return;
        Env env = make_env(c);
        Env source = make_env(c);
        Float80 b = Source::load(c, i, source);  // the read (and its faults) come first
        bool ok = true;
        Float80 a = operand(c, 0, env, ok);
        // A denormal divided by zero raises ZE only (fpu::div's rule, measured on the host).
        if (!(Op == ArithOp::Divr && ok && fpu::classify(a) == fpu::Class::Zero)) merge_source_denormal(source, a, ok, env);
        Float80 r = ok && !env.unmasked(fx::Denormal) ? compute(Op, a, b, env) : fpu::kRealIndefinite;
        store_result(c, 0, r, env, ok);
    }
};

// Register forms. D8: ST(0) = ST(0) op ST(i). DC/DE: ST(i) = ST(i) op ST(0), then DE pops.
template <ArithOp Op, bool ToStI, bool Pop> struct ArithRegister {
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i)) return;
        Env env = make_env(c);
        bool ok = true;
        unsigned dest = ToStI ? i.rm : 0, src = ToStI ? 0 : i.rm;
        Float80 a = operand(c, dest, env, ok);
        Float80 b = operand(c, src, env, ok);
        Float80 r = ok ? compute(Op, a, b, env) : fpu::kRealIndefinite;
        if (!commit(c, env)) return;
        set_st(c, dest, ok ? r : fpu::kRealIndefinite);
        if (Pop) pop(c);
    }
};

// ---- comparisons ---------------------------------------------------------------------------

// C3 C2 C0 of FCOM/FUCOM/FTST/FICOM (SDM vol. 2 FCOM table): > 000, < 001, = 100, unordered 111.
inline void set_compare_codes(CpuCore& c, fpu::Ordering o) {
    using fpu::Ordering;
    set_condition(c, o == Ordering::Equal || o == Ordering::Unordered, o == Ordering::Unordered, false,
                  o == Ordering::Less || o == Ordering::Unordered);
}

// The shared body: compares ST(0) with `b` (a stack underflow compares as unordered), sets the
// codes unless an unmasked invalid operation forbids it (SDM vol. 2 FCOM: "If an unmasked
// invalid-arithmetic-operand exception is raised, the condition code flags are not set"), and
// pops `Pops` times unless an unmasked exception stopped the instruction.
// The footnote covers #IA only: after an unmasked stack underflow (#IS) the codes still say
// "unordered", and an unmasked DE still compares (both measured on the host, which also sets
// them for an unmasked #IA; docs/DIFFERENTIAL.md).
template <unsigned Pops, class SetCodes>
void compare_st0(CpuCore& c, Env& env, Float80 b, bool b_ok, bool quiet, SetCodes&& set_codes,
                 const Env* source = nullptr) {
    bool ok = b_ok;
    Float80 a = operand(c, 0, env, ok);
    if (source) merge_source_denormal(*source, a, ok, env);
    const bool stack_fault = !ok;
    fpu::Ordering o = ok ? fpu::compare(a, b, quiet, env) : fpu::Ordering::Unordered;
    bool proceed = commit(c, env);  // also sets C1 = 0 (comparisons never round)
    set_c1(c, false);
    if (!stack_fault && env.unmasked(fx::Invalid)) return;
    set_codes(o);
    if (!proceed) return;
    for (unsigned k = 0; k < Pops; ++k) pop(c);
}

template <class Source, unsigned Pops> struct CompareMemory {
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i)) return;
        Env env = make_env(c);
        Env source = make_env(c);
        Float80 b = Source::load(c, i, source);
        compare_st0<Pops>(c, env, b, true, false, [&](fpu::Ordering o) { set_compare_codes(c, o); }, &source);
    }
};
// FCOM/FCOMP/FUCOM/FUCOMP ST(i) (and FCOMPP / FUCOMPP with ST(1) and two pops).
template <bool Quiet, unsigned Pops> struct CompareRegister {
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i)) return;
        Env env = make_env(c);
        // FCOMPP (DE D9) and FUCOMPP (DA E9) always compare with ST(1); their rm field is 1.
        bool ok = true;
        Float80 b = operand(c, i.rm, env, ok);
        compare_st0<Pops>(c, env, b, ok, Quiet, [&](fpu::Ordering o) { set_compare_codes(c, o); });
    }
};
// FTST: ST(0) against +0.0.
struct Ftst {
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i)) return;
        Env env = make_env(c);
        compare_st0<0>(c, env, fpu::kPositiveZero, true, false, [&](fpu::Ordering o) { set_compare_codes(c, o); });
    }
};
// FCOMI/FCOMIP/FUCOMI/FUCOMIP (P6): the result goes to ZF, PF, CF (same encoding as C3, C2,
// C0); OF, SF and AF are cleared (SDM vol. 2 FCOMI).
template <bool Quiet, bool Pop> struct CompareToEflags {
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i)) return;
        Env env = make_env(c);
        bool ok = true;
        Float80 b = operand(c, i.rm, env, ok);
        compare_st0<Pop ? 1 : 0>(c, env, b, ok, Quiet, [&](fpu::Ordering o) {
            using fpu::Ordering;
            u32 f = 0;
            if (o == Ordering::Equal || o == Ordering::Unordered) f |= eflags::ZF;
            if (o == Ordering::Unordered) f |= eflags::PF;
            if (o == Ordering::Less || o == Ordering::Unordered) f |= eflags::CF;
            c.set_arith_flags(f);
        });
    }
};

}  // namespace x86emu::exec::x87
