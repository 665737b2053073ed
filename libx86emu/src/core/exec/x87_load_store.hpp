// x86emu — x87 data transfer: FLD FST FSTP (single, double, extended, register), FILD FIST
// FISTP (16/32/64-bit integers), FBLD FBSTP (packed BCD), FXCH, the constants (FLD1 FLDL2T
// FLDL2E FLDPI FLDLG2 FLDLN2 FLDZ) and the P6's FCMOVcc. Intel SDM vol. 2 (each instruction's
// page), vol. 1 §8.3.3 (data transfer instructions), §8.3.4 (constants), §8.5.1.1 (stack
// overflow and underflow), §4.8.3.7 (the indefinites stored by masked invalid operations).
#pragma once
#include "core/exec/x87_common.hpp"

namespace x86emu::exec::x87 {

// ---- loads: push a value --------------------------------------------------------------------
// Pushes `v` unless an unmasked exception (a stack overflow, or IE/DE raised by the conversion)
// stops the instruction; after a masked stack overflow the real indefinite is pushed.
inline void push_loaded(CpuCore& c, Env& env, Float80 v) {
    bool room = push_has_room(c, env);
    // A stack overflow is reported alone: the operand's DE is not (measured on the host).
    if (!room) env.flags &= ~fx::Denormal;
    if (!commit(c, env)) return;
    push(c, room ? v : fpu::kRealIndefinite);
}

template <class Load> struct LoadPush {
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i)) return;
        Env env = make_env(c);
        Float80 v = Load::load(c, i, env);
        push_loaded(c, env, v);
    }
};
// The loads' conversions (SDM vol. 2 FLD, FILD, FBLD): m32/m64 are exact with SNaN -> IE and
// quietened, denormal -> DE; m80 moves the bits as they are with no exception at all.
struct LoadM32fp {
    static Float80 load(CpuCore& c, const Insn& i, Env& env) { return fpu::from_float32(c.read_mem<u32>(i.seg, operand_offset(c, i)), env); }
};
struct LoadM64fp {
    static Float80 load(CpuCore& c, const Insn& i, Env& env) { return fpu::from_float64(read_u64(c, i.seg, operand_offset(c, i)), env); }
};
struct LoadM80fp {
    static Float80 load(CpuCore& c, const Insn& i, Env&) { return read_f80(c, i.seg, operand_offset(c, i)); }
};
struct LoadM16int {
    static Float80 load(CpuCore& c, const Insn& i, Env&) { return fpu::from_int(static_cast<std::int16_t>(c.read_mem<u16>(i.seg, operand_offset(c, i)))); }
};
struct LoadM32int {
    static Float80 load(CpuCore& c, const Insn& i, Env&) { return fpu::from_int(static_cast<std::int32_t>(c.read_mem<u32>(i.seg, operand_offset(c, i)))); }
};
struct LoadM64int {
    static Float80 load(CpuCore& c, const Insn& i, Env&) { return fpu::from_int(static_cast<std::int64_t>(read_u64(c, i.seg, operand_offset(c, i)))); }
};
struct LoadBcd {
    static Float80 load(CpuCore& c, const Insn& i, Env&) {
        u8 bytes[10];
        u32 offset = operand_offset(c, i);
        u64 low = read_u64(c, i.seg, offset);
        u16 high = c.read_mem<u16>(i.seg, offset + 8);
        for (unsigned k = 0; k < 8; ++k) bytes[k] = static_cast<u8>(low >> (8 * k));
        bytes[8] = static_cast<u8>(high);
        bytes[9] = static_cast<u8>(high >> 8);
        return fpu::from_bcd(bytes);
    }
};

// FLD ST(i): pushes a copy; an empty ST(i) is a stack underflow (the masked response pushes the
// real indefinite). The value is copied as it is (no SNaN check, SDM vol. 2 FLD).
struct LoadRegister {
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i)) return;
        Env env = make_env(c);
        bool ok = true;
        Float80 v = operand(c, i.rm, env, ok);
        bool room = push_has_room(c, env);
        const bool proceed = commit(c, env);
        // The source is examined first: with both an empty ST(i) and a full stack the fault is
        // the underflow, C1 = 0, masked or not (measured on the host; SDM vol. 1 §8.5.1.1).
        set_c1(c, ok && !room);
        if (!proceed) return;
        push(c, room && ok ? v : fpu::kRealIndefinite);
    }
};

// FLD1 ... FLDZ (D9 E8-EE). The 387 and later round the internal constants per RC.
template <fpu::Constant Which> struct LoadConstant {
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i)) return;
        Env env = make_env(c);
        push_loaded(c, env, fpu::load_constant(Which, c.x87.rounding()));
    }
};

// ---- stores -----------------------------------------------------------------------------------
// The common shape of FST/FIST/FBSTP to memory: convert ST(0) (the masked response to an empty
// ST(0) converts the real indefinite, giving the format's own indefinite), probe the destination,
// write unless an unmasked exception forbids it, pop for the P forms.
template <class Store, bool Pop> struct StoreMemory {
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i)) return;
        Env env = make_env(c);
        bool ok = true;
        Float80 v = operand(c, 0, env, ok);
        const u32 offset = operand_offset(c, i);
        probe_write_range(c, i.seg, offset, Store::kSize);
        typename Store::Value out = Store::convert(v, env);
        if (!commit_to_memory(c, env)) return;
        Store::write(c, i.seg, offset, out);
        if (Pop) pop(c);
    }
};
struct StoreM32fp {
    static constexpr unsigned kSize = 4;
    using Value = u32;
    static Value convert(Float80 v, Env& env) { return fpu::to_float32(v, env); }
    static void write(CpuCore& c, unsigned s, u32 offset, Value v) { c.write_mem<u32>(s, offset, v); }
};
struct StoreM64fp {
    static constexpr unsigned kSize = 8;
    using Value = u64;
    static Value convert(Float80 v, Env& env) { return fpu::to_float64(v, env); }
    static void write(CpuCore& c, unsigned s, u32 offset, Value v) { write_u64(c, s, offset, v); }
};
// FSTP m80 stores the register bits unchanged (no exception besides the stack underflow).
struct StoreM80fp {
    static constexpr unsigned kSize = 10;
    using Value = Float80;
    static Value convert(Float80 v, Env&) { return v; }
    static void write(CpuCore& c, unsigned s, u32 offset, Value v) { write_f80(c, s, offset, v); }
};
template <unsigned Bits> struct StoreInt {
    static constexpr unsigned kSize = Bits / 8;
    using Value = std::int64_t;
    static Value convert(Float80 v, Env& env) { return fpu::to_int(v, Bits, env); }
    static void write(CpuCore& c, unsigned s, u32 offset, Value v) {
        if constexpr (Bits == 16) c.write_mem<u16>(s, offset, static_cast<u16>(v));
        else if constexpr (Bits == 32) c.write_mem<u32>(s, offset, static_cast<u32>(v));
        else write_u64(c, s, offset, static_cast<u64>(v));
    }
};
struct StoreBcd {
    static constexpr unsigned kSize = 10;
    struct Value { u8 bytes[10]; };
    static Value convert(Float80 v, Env& env) {
        Value out{};
        fpu::to_bcd(v, out.bytes, env);
        return out;
    }
    static void write(CpuCore& c, unsigned s, u32 offset, const Value& v) {
        for (unsigned k = 0; k < 10; ++k) c.write_mem<u8>(s, offset + k, v.bytes[k]);
    }
};

// FST/FSTP ST(i): copies ST(0) (no conversion, no exception but the stack underflow).
template <bool Pop> struct StoreRegister {
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i)) return;
        Env env = make_env(c);
        bool ok = true;
        Float80 v = operand(c, 0, env, ok);
        if (!commit(c, env)) return;
        set_st(c, i.rm, ok ? v : fpu::kRealIndefinite);
        if (Pop) pop(c);
    }
};

// FXCH ST(i): an empty register takes part as the real indefinite after a masked underflow.
struct Exchange {
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i)) return;
        Env env = make_env(c);
        bool ok = true;
        Float80 a = operand(c, 0, env, ok);
        Float80 b = operand(c, i.rm, env, ok);
        if (!commit(c, env)) return;
        set_st(c, 0, b);
        set_st(c, i.rm, a);
    }
};

// FCMOVcc ST(0), ST(i) (P6, SDM vol. 2 FCMOVcc): DA C0-DF B/E/BE/U, DB C0-DF NB/NE/NBE/NU.
template <unsigned Condition, bool Negate> struct ConditionalMove {
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i)) return;
        Env env = make_env(c);
        bool ok = true;
        Float80 a = operand(c, 0, env, ok);
        Float80 b = operand(c, i.rm, env, ok);
        (void)a;
        // C1 is "set to 0 if stack underflow occurred" (SDM vol. 2 FCMOVcc) and otherwise left
        // alone (the host leaves it).
        const bool c1 = c.x87.status & sw::C1;
        if (!commit(c, env)) return;
        if (ok) set_c1(c, c1);
        bool take;
        switch (Condition) {
        case 0: take = c.cf(); break;             // B
        case 1: take = c.zf(); break;             // E
        case 2: take = c.cf() || c.zf(); break;   // BE
        default: take = c.pf(); break;            // U
        }
        if (Negate) take = !take;
        if (!ok) set_st(c, 0, fpu::kRealIndefinite);
        else if (take) set_st(c, 0, b);
    }
};

}  // namespace x86emu::exec::x87
