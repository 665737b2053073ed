// x86emu — x87 operations on the stack top: FCHS FABS FSQRT FRNDINT FXAM FSCALE FXTRACT FPREM
// FPREM1, the transcendental instructions F2XM1 FYL2X FYL2XP1 FPTAN FPATAN FSIN FCOS FSINCOS,
// and the stack housekeeping FINCSTP FDECSTP FFREE FNOP. Intel SDM vol. 2 (each instruction's
// page), vol. 1 §8.3.9 (FXAM), §8.3.10 (transcendental instructions), §8.1.3.4 (C2 of the
// partial remainders and of the trigonometric instructions' range check).
#pragma once
#include "core/exec/x87_common.hpp"

namespace x86emu::exec::x87 {

// FCHS / FABS: sign changes only; C1 = 0, no exception but the stack underflow.
template <bool Absolute> struct SignOperation {
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i)) return;
        Env env = make_env(c);
        bool ok = true;
        Float80 v = operand(c, 0, env, ok);
        if (!commit(c, env)) return;
        if (ok) v.sign_exponent = static_cast<u16>(Absolute ? (v.sign_exponent & 0x7FFF) : (v.sign_exponent ^ 0x8000));
        set_st(c, 0, v);
    }
};

// ST(0) = f(ST(0)) for FSQRT, FRNDINT, F2XM1.
template <Float80 (*F)(Float80, Env&)> struct UnaryOperation {
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i)) return;
        Env env = make_env(c);
        bool ok = true;
        Float80 v = operand(c, 0, env, ok);
        Float80 r = ok ? F(v, env) : fpu::kRealIndefinite;
        if (!commit(c, env)) return;
        set_st(c, 0, r);
    }
};

// ST(1) = f(ST(1), ST(0)), then pop: FYL2X, FYL2XP1, FPATAN (whose arguments are y = ST(1),
// x = ST(0)).
template <Float80 (*F)(Float80, Float80, Env&)> struct BinaryPopOperation {
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i)) return;
        Env env = make_env(c);
        bool ok = true;
        Float80 x = operand(c, 0, env, ok);
        Float80 y = operand(c, 1, env, ok);
        Float80 r = ok ? F(y, x, env) : fpu::kRealIndefinite;
        if (!commit(c, env)) return;
        set_st(c, 1, r);
        pop(c);
    }
};

// FSCALE: ST(0) = ST(0) * 2^trunc(ST(1)); no pop.
struct Scale {
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i)) return;
        Env env = make_env(c);
        bool ok = true;
        Float80 a = operand(c, 0, env, ok);
        Float80 b = operand(c, 1, env, ok);
        Float80 r = ok ? fpu::scale(a, b, env) : fpu::kRealIndefinite;
        if (!commit(c, env)) return;
        set_st(c, 0, r);
    }
};

// FPREM / FPREM1: ST(0) = partial remainder of ST(0) / ST(1). C2 = 1 while incomplete; when
// complete C0, C3, C1 hold quotient bits 2, 1, 0 (SDM vol. 2 FPREM).
template <bool Ieee> struct PartialRemainder {
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i)) return;
        Env env = make_env(c);
        bool ok = true;
        Float80 a = operand(c, 0, env, ok);
        Float80 b = operand(c, 1, env, ok);
        fpu::RemainderResult r{fpu::kRealIndefinite, 0, true};
        if (ok) r = fpu::partial_remainder(a, b, Ieee, env);
        // No quotient (a stack underflow, an invalid operation, a NaN operand, an unmasked DE
        // that stops it): C1 = C2 = 0 and
        // C0 C3 are left alone, masked or not (SDM vol. 2 FPREM defines C1 for the underflow
        // only; the rest measured on the host).
        const auto nan = [](Float80 v) {
            const fpu::Class k = fpu::classify(v);
            return k == fpu::Class::QuietNaN || k == fpu::Class::SignalingNaN;
        };
        const bool no_quotient = !ok || (env.flags & fx::Invalid) || nan(a) || nan(b) || env.unmasked(fx::PreComputation);
        const bool proceed = commit(c, env);
        if (no_quotient) c.x87.status = static_cast<u16>(c.x87.status & ~(sw::C1 | sw::C2));
        if (!proceed) return;
        set_st(c, 0, r.remainder);
        if (no_quotient) return;
        if (r.complete) set_condition(c, r.quotient_low & 2, false, r.quotient_low & 1, r.quotient_low & 4);
        else set_condition(c, false, true, false, false);
    }
};

// FXTRACT: ST(0) = exponent, then push the significand.
struct Extract {
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i)) return;
        Env env = make_env(c);
        bool ok = true;
        Float80 v = operand(c, 0, env, ok);
        bool room = push_has_room(c, env);
        std::pair<Float80, Float80> r{fpu::kRealIndefinite, fpu::kRealIndefinite};
        if (ok && room) r = fpu::extract(v, env);
        const bool proceed = commit(c, env);
        if (!ok) set_c1(c, false);  // underflow and overflow at once: the underflow (C1 = 0) wins
        if (!proceed) return;
        if (!room) {
            // Masked overflow: both ST(0) and the new top hold the indefinite.
            set_st(c, 0, fpu::kRealIndefinite);
            push(c, fpu::kRealIndefinite);
            return;
        }
        set_st(c, 0, r.first);
        push(c, r.second);
    }
};

// FSIN, FCOS (one result) and FPTAN, FSINCOS (ST(0) replaced, a second value pushed). Out of
// range (|x| >= 2^63) sets C2 and leaves the stack as it was.
template <fpu::TrigResult (*F)(Float80, Env&), bool Pushes> struct Trigonometric {
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i)) return;
        Env env = make_env(c);
        bool ok = true;
        Float80 v = operand(c, 0, env, ok);
        bool room = !Pushes || push_has_room(c, env);
        fpu::TrigResult r{fpu::kRealIndefinite, fpu::kRealIndefinite, true};
        if (ok && room) r = F(v, env);
        const bool proceed = commit(c, env);
        if (!ok) set_c1(c, false);  // underflow and overflow at once: the underflow (C1 = 0) wins
        // C2 tells the range even when an unmasked exception stops the instruction (the host
        // clears it after an unmasked stack underflow too).
        c.x87.status = static_cast<u16>(r.in_range ? (c.x87.status & ~sw::C2) : (c.x87.status | sw::C2));
        if (!proceed || !r.in_range) return;
        if (!room) {
            set_st(c, 0, fpu::kRealIndefinite);
            push(c, fpu::kRealIndefinite);
            return;
        }
        set_st(c, 0, r.first);
        if (Pushes) push(c, r.second);
    }
};

// FXAM (SDM vol. 2 FXAM table): C1 = sign; C3 C2 C0 = class. It never faults, not even on an
// empty register (class 101).
struct Examine {
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i)) return;
        const Float80& v = st(c, 0);
        bool sign = v.sign();
        if (empty(c, 0)) {
            set_condition(c, true, false, sign, true);
            return;
        }
        using fpu::Class;
        switch (fpu::classify(v)) {
        case Class::Unsupported: set_condition(c, false, false, sign, false); break;
        case Class::QuietNaN:
        case Class::SignalingNaN: set_condition(c, false, false, sign, true); break;
        case Class::Normal: set_condition(c, false, true, sign, false); break;
        case Class::Infinity: set_condition(c, false, true, sign, true); break;
        case Class::Zero: set_condition(c, true, false, sign, false); break;
        case Class::Denormal:
        case Class::PseudoDenormal: set_condition(c, true, true, sign, false); break;
        }
    }
};

// FINCSTP / FDECSTP: TOP +/- 1 without touching tags; C1 = 0.
template <int Step> struct StepTop {
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i)) return;
        c.x87.set_top(static_cast<unsigned>(static_cast<int>(c.x87.top()) + Step));
        set_c1(c, false);
    }
};
// FFREE ST(i): tags the register empty; FFREEP (DF C0+i, documented by Intel as reserved but
// present since the 287) also pops.
template <bool Pop> struct Free {
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i)) return;
        c.x87.empty = static_cast<u8>(c.x87.empty | (1u << c.x87.physical_index(i.rm)));
        if (Pop) pop(c);
    }
};
struct Fnop {
    static void run(CpuCore& c, const Insn& i) { (void)enter(c, i); }
};

}  // namespace x86emu::exec::x87
