// x86emu — what every x87 instruction handler shares: the entry checks (CR0.EM/TS -> #NM, a
// pending unmasked exception -> #MF or FERR#), the register stack with its overflow and
// underflow rules, the exception bookkeeping of the status word, and memory operands.
// Intel SDM vol. 1 §8.1 (FPU state), §8.5 (x87 exception conditions, masked responses), §8.6
// (exception synchronisation), §8.7 (handling exceptions in software: FERR#, IGNNE#, CR0.NE);
// vol. 3 §2.5 (CR0.MP/EM/TS/NE), §6.15 (interrupts 7 and 16).
// The arithmetic itself lives in core/fpu/float80.hpp; these handlers only move values around
// and apply the instruction-level rules.
#pragma once
#include <bit>

#include "core/exec/common.hpp"
#include "core/fpu/float80.hpp"
#include "core/fpu/x87_state.hpp"

namespace x86emu::exec::x87 {

using fpu::Env;
using fpu::Float80;
namespace sw = fpu::sw;
namespace fx = fpu::exception;


// ES and B summarise "some exception flag is set that the control word does not mask" (SDM vol. 1
// §8.1.3.3). They are recomputed whenever flags or masks change (arithmetic, FLDCW, FLDENV,
// FRSTOR, FCLEX), and FERR# follows ES.
inline void update_error_summary(CpuCore& c) { c.update_fpu_error_summary(); }

// A waiting instruction that finds an unmasked exception pending (SDM vol. 1 §8.6, §8.7):
// with CR0.NE set it raises #MF before doing anything. With NE clear (the PC-compatible mode)
// FERR# is already asserted for the chipset, which raises IRQ13; unless IGNNE# is asserted the
// processor freezes at this instruction until an interrupt arrives, then retries it (i486
// PRM §15.5 "numeric error reporting"). The freeze is modelled as a halt that resumes at this
// instruction rather than after it. Returns false when the instruction must not execute.
inline bool take_pending_error(CpuCore& c) {
    if (!(c.x87.status & sw::ES)) return true;
    if (c.cr0 & kCr0NE) raise_fault(Vector::MF);
    if (c.ignne) return true;
    c.next_eip = c.eip;
    c.halted = true;
    return false;
}

// Entry of every FPU instruction. `waiting` is false for the FN* control forms (FNINIT, FNCLEX,
// FNSTCW, FNSTSW, FNSTENV, FNSAVE), which never report a pending exception. `control` marks the
// instructions that leave the last-instruction pointers alone (SDM vol. 1 §8.1.8: FLDCW, FSTCW,
// FSTSW, FSTENV, FLDENV, FSAVE, FRSTOR, FCLEX, FINIT, FWAIT).
inline bool enter(CpuCore& c, const Insn& i, bool waiting = true, bool control = false) {
    if (c.cr0 & (kCr0EM | kCr0TS)) raise_fault(Vector::NM);
    if (waiting && !take_pending_error(c)) return false;
    if (!control) {
        fpu::X87State& f = c.x87;
        f.last_cs = c.seg[CS].selector;
        f.last_ip = c.eip;
        f.last_opcode = static_cast<u16>(((i.opcode & 7u) << 8) | i.modrm);
        if (!i.is_reg()) {
            f.last_ds = c.seg[i.seg].selector;
            f.last_dp = c.effective_address(i);
        }
    }
    return true;
}

inline Env make_env(const CpuCore& c) {
    Env env;
    env.rounding = c.x87.rounding();
    env.precision = c.x87.precision();
    env.masks = c.x87.masks();
    return env;
}

inline void set_c1(CpuCore& c, bool on) {
    c.x87.status = on ? static_cast<u16>(c.x87.status | sw::C1) : static_cast<u16>(c.x87.status & ~sw::C1);
}
inline void set_condition(CpuCore& c, bool c3, bool c2, bool c1, bool c0) {
    u16 s = static_cast<u16>(c.x87.status & ~sw::ConditionCodes);
    if (c3) s |= sw::C3;
    if (c2) s |= sw::C2;
    if (c1) s |= sw::C1;
    if (c0) s |= sw::C0;
    c.x87.status = s;
}

// Merges an operation's exceptions into the status word and sets C1 from the rounding. Returns
// false when an unmasked exception forbids writing a register destination (IE, DE, ZE are
// detected before the operation; an unmasked OE/UE still delivers the scaled result there).
inline bool commit(CpuCore& c, const Env& env) {
    c.x87.status = static_cast<u16>(c.x87.status | (env.flags & fx::All));
    set_c1(c, env.rounded_up);
    if (env.flags & ~env.masks & fx::All) update_error_summary(c);
    return !env.unmasked(fx::PreComputation);
}
// The same for a memory destination, which an unmasked OE or UE leaves untouched too (SDM vol. 1
// §8.5.3, §8.5.4).
inline bool commit_to_memory(CpuCore& c, const Env& env) {
    bool reg_ok = commit(c, env);
    return reg_ok && !env.unmasked(fx::Overflow | fx::Underflow);
}

// Stack faults (SDM vol. 1 §8.5.1.1): IE with SF, C1 = 0 for underflow and 1 for overflow.
inline void stack_underflow(CpuCore& c, Env& env) {
    env.flags |= fx::Invalid;
    env.rounded_up = false;  // C1 = 0
    c.x87.status |= sw::SF;
}
inline void stack_overflow(CpuCore& c, Env& env) {
    env.flags |= fx::Invalid;
    env.rounded_up = true;  // C1 = 1
    c.x87.status |= sw::SF;
}

// Register access by stack position.
inline bool empty(const CpuCore& c, unsigned i) { return c.x87.is_empty(i); }
inline Float80& st(CpuCore& c, unsigned i) { return c.x87.st(i); }
inline void set_st(CpuCore& c, unsigned i, Float80 v) {
    unsigned p = c.x87.physical_index(i);
    c.x87.physical[p] = v;
    c.x87.empty = static_cast<u8>(c.x87.empty & ~(1u << p));
}
inline void pop(CpuCore& c) {
    c.x87.empty = static_cast<u8>(c.x87.empty | (1u << c.x87.physical_index(0)));
    c.x87.set_top(c.x87.top() + 1);
}
// Whether a push has room; on overflow records the stack fault. The caller pushes the real
// indefinite when the invalid-operation exception is masked and nothing when it is unmasked.
inline bool push_has_room(CpuCore& c, Env& env) {
    if (empty(c, 7)) return true;
    stack_overflow(c, env);
    return false;
}
inline void push(CpuCore& c, Float80 v) {
    c.x87.set_top(c.x87.top() - 1);
    set_st(c, 0, v);
}

// Operand fetch of ST(i) for an operation: an empty register is a stack underflow; `ok` turns
// false and the masked response (the real indefinite as the result) is up to the caller.
inline Float80 operand(CpuCore& c, unsigned i, Env& env, bool& ok) {
    if (empty(c, i)) {
        stack_underflow(c, env);
        ok = false;
        return fpu::kRealIndefinite;
    }
    return st(c, i);
}

// ---- memory operands ---------------------------------------------------------------------------
// Operands wider than a dword are accessed as dwords and words: the segment checks cover every
// part, and stores probe every part (segment and page rights) before writing any, so a fault
// leaves memory and the FPU unchanged.
inline u32 operand_offset(const CpuCore& c, const Insn& i) { return c.effective_address(i); }

inline u64 read_u64(CpuCore& c, unsigned s, u32 offset) {
    u64 low = c.read_mem<u32>(s, offset);
    u64 high = c.read_mem<u32>(s, offset + 4);
    return low | (high << 32);
}
inline Float80 read_f80(CpuCore& c, unsigned s, u32 offset) {
    Float80 v;
    v.significand = read_u64(c, s, offset);
    v.sign_exponent = c.read_mem<u16>(s, offset + 8);
    return v;
}
inline void probe_write_range(CpuCore& c, unsigned s, u32 offset, unsigned size) {
    for (unsigned k = 0; k < size; k += 4) c.probe_write(s, offset + k, size - k >= 4 ? 4 : size - k);
}
inline void write_u64(CpuCore& c, unsigned s, u32 offset, u64 v) {
    c.write_mem<u32>(s, offset, static_cast<u32>(v));
    c.write_mem<u32>(s, offset + 4, static_cast<u32>(v >> 32));
}
inline void write_f80(CpuCore& c, unsigned s, u32 offset, Float80 v) {
    write_u64(c, s, offset, v.significand);
    c.write_mem<u16>(s, offset + 8, v.sign_exponent);
}

// Exact widening of single/double operands of the arithmetic instructions. Unlike FLD, an SNaN
// stays signalling here, because the NaN rules of the operation (SDM vol. 1 table 4-7: an SNaN
// and a QNaN give the QNaN) need to see which operand was which; the operation raises IE for it.
// Denormal singles/doubles raise DE here and become normal extended values.
template <unsigned ExponentBits, unsigned FractionBits>
Float80 widen(u64 bits, Env& env) {
    constexpr int bias = (1 << (ExponentBits - 1)) - 1;
    constexpr unsigned max_exponent = (1u << ExponentBits) - 1;
    const bool sign = (bits >> (ExponentBits + FractionBits)) & 1;
    const unsigned exponent = static_cast<unsigned>(bits >> FractionBits) & max_exponent;
    const u64 fraction = bits & ((u64{1} << FractionBits) - 1);
    const u16 sign_bit = sign ? 0x8000 : 0;
    Float80 v;
    if (exponent == 0) {
        if (fraction == 0) return Float80{0, sign_bit};
        env.flags |= fx::Denormal;
        // fraction * 2^(1 - bias - FractionBits), normalised so that its top bit is bit 63.
        const int msb = 63 - std::countl_zero(fraction);
        v.significand = fraction << (63 - msb);
        v.sign_exponent = static_cast<u16>(sign_bit | (msb + 1 - bias - static_cast<int>(FractionBits) + fpu::kExponentBias));
        return v;
    }
    v.significand = (u64{1} << 63) | (fraction << (63 - FractionBits));
    v.sign_exponent = static_cast<u16>(
        sign_bit | (exponent == max_exponent ? 0x7FFF : static_cast<int>(exponent) - bias + fpu::kExponentBias));
    return v;
}
inline Float80 widen_float32(u32 bits, Env& env) { return widen<8, 23>(bits, env); }
inline Float80 widen_float64(u64 bits, Env& env) { return widen<11, 52>(bits, env); }

}  // namespace x86emu::exec::x87
