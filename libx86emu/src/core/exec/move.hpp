// x86emu — data movement: MOV (all forms), XCHG, LEA, CBW/CWD, LAHF/SAHF, XLAT, LDS/LES/LSS/
// LFS/LGS, MOVZX/MOVSX, SETcc. Intel SDM vol. 2 under each mnemonic.
#pragma once
#include "core/exec/common.hpp"

namespace x86emu::exec {

// MOV r/m, reg and MOV reg, r/m, the two hottest moves: a memory form tries the flat, TLB-hit
// fast path inline (`fast`, also the fast part of the chained form, chain.hpp) and otherwise
// tail-calls the general form (`general`, out of line).
struct MovEG {
    static constexpr bool kLeavesFlags = true;  // alu.hpp, "flags nobody reads"
    template <class T, EaForm F = EaForm::Any> static void run(CpuCore& c, const Insn& i) {
        if constexpr (F != EaForm::Any && F != EaForm::Reg) {
            if (fast<T, F>(c, i)) return;
            return general<T>(c, i);
        }
        c.write_E<T, F>(i, c.reg<T>(i.reg));
    }
    template <class T, EaForm F> static bool fast(CpuCore& c, const Insn& i) {
        return c.try_write_E_fast<T, F>(i, c.reg<T>(i.reg));
    }
    template <class T> [[gnu::noipa]] static void general(CpuCore& c, const Insn& i) { run<T>(c, i); }
};
struct MovGE {
    static constexpr bool kLeavesFlags = true;  // alu.hpp, "flags nobody reads"
    template <class T, EaForm F = EaForm::Any> static void run(CpuCore& c, const Insn& i) {
        if constexpr (F != EaForm::Any && F != EaForm::Reg) {
            if (fast<T, F>(c, i)) return;
            return general<T>(c, i);
        }
        c.set_reg<T>(i.reg, c.read_E<T, F>(i));
    }
    template <class T, EaForm F> static bool fast(CpuCore& c, const Insn& i) {
        return c.try_use_E_fast<T, F>(i, [&](T v) { c.set_reg<T>(i.reg, v); });
    }
    template <class T> [[gnu::noipa]] static void general(CpuCore& c, const Insn& i) { run<T>(c, i); }
};
struct MovEI {
    static constexpr bool kLeavesFlags = true;  // alu.hpp, "flags nobody reads"
    template <class T, EaForm F = EaForm::Any> static void run(CpuCore& c, const Insn& i) { c.write_E<T, F>(i, static_cast<T>(i.imm)); }
    template <class T, EaForm F> static bool fast(CpuCore& c, const Insn& i) {
        return c.try_write_E_fast<T, F>(i, static_cast<T>(i.imm));
    }
};
struct MovRegImm {
    static constexpr bool kLeavesFlags = true;  // alu.hpp, "flags nobody reads"
    template <class T> static void run(CpuCore& c, const Insn& i) { c.set_reg<T>(i.reg, static_cast<T>(i.imm)); }
};
struct MovAccMoffs {
    template <class T> static void run(CpuCore& c, const Insn& i) { c.set_reg<T>(EAX, c.read_mem<T>(i.seg, i.disp)); }
};
struct MovMoffsAcc {
    template <class T> static void run(CpuCore& c, const Insn& i) { c.write_mem<T>(i.seg, i.disp, c.reg<T>(EAX)); }
};

// The segment register named by ModRM.reg: QUIRK(8086) only two bits decode, so 4-7 alias 0-3;
// the 80286 has four and the 80386 six segment registers, the rest are #UD.
inline unsigned sreg_index(const CpuCore& c, const Insn& i) {
    if (c.traits.is8086) return i.reg & 3;
    if (i.reg > (c.traits.has386 ? 5 : 3)) raise_fault(Vector::UD);
    return i.reg;
}

struct MovESw {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        u16 sel = c.seg[sreg_index(c, i)].selector;
        if (i.is_reg()) c.set_reg<T>(i.rm, static_cast<T>(sel));  // 32-bit register: zero-extended
        else c.write_mem<u16>(i.seg, c.effective_address(i), sel);
    }
};
struct MovSwE {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        unsigned s = sreg_index(c, i);
        if (s == CS && !c.traits.is8086) raise_fault(Vector::UD);  // MOV CS is only legal on the 8086
        u16 sel = c.read_E<u16>(i);
        c.load_segment(s, sel);
        if (s == SS) c.inhibit_interrupts = true;  // SS:SP loaded as a pair (SDM vol. 3 §6.8.3)
    }
};

struct Lea {  // M only: the decoder never gives it the register form
    static constexpr bool kLeavesFlags = true;
    template <class T, EaForm F = EaForm::Any> static void run(CpuCore& c, const Insn& i) {
        c.set_reg<T>(i.reg, static_cast<T>(c.effective_address_as<F>(i)));
    }
};

struct XchgEG {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        T r = c.reg<T>(i.reg);
        if (i.is_reg()) {
            c.set_reg<T>(i.reg, c.reg<T>(i.rm));
            c.set_reg<T>(i.rm, r);
        } else {
            u32 off = c.effective_address(i);
            T m = c.read_mem<T>(i.seg, off);
            c.write_mem<T>(i.seg, off, r);
            c.set_reg<T>(i.reg, m);
        }
    }
};
struct XchgAcc {
    static constexpr bool kLeavesFlags = true;  // alu.hpp, "flags nobody reads"
    template <class T> static void run(CpuCore& c, const Insn& i) {
        T a = c.reg<T>(EAX);
        c.set_reg<T>(EAX, c.reg<T>(i.reg));
        c.set_reg<T>(i.reg, a);
    }
};

struct Cbw {  // CBW / CWDE
    static constexpr bool kLeavesFlags = true;
    template <class T> static void run(CpuCore& c, const Insn&) {
        if constexpr (sizeof(T) == 2) c.set_reg<u16>(EAX, static_cast<u16>(static_cast<std::int8_t>(c.reg<u8>(EAX))));
        else c.gpr[EAX] = static_cast<u32>(static_cast<std::int16_t>(c.reg<u16>(EAX)));
    }
};
struct Cwd {  // CWD / CDQ
    static constexpr bool kLeavesFlags = true;
    template <class T> static void run(CpuCore& c, const Insn&) {
        T sign = (c.reg<T>(EAX) & msb_of<T>) ? static_cast<T>(~T{0}) : T{0};
        c.set_reg<T>(EDX, sign);
    }
};

struct Lahf {
    static void run(CpuCore& c, const Insn&) {
        // Bits 1 (always 1), 3 and 5 (always 0) come along with SF ZF AF PF CF.
        c.set_reg<u8>(4, static_cast<u8>((c.arith_flags() & 0xD5) | 0x02));
    }
};
struct Sahf {
    static void run(CpuCore& c, const Insn&) {
        u32 f = c.arith_flags();
        c.set_arith_flags((f & ~0xD5u) | (c.reg<u8>(4) & 0xD5u));
    }
};

struct Xlat {
    static void run(CpuCore& c, const Insn& i) {
        u32 base = i.addr32() ? c.gpr[EBX] : (c.gpr[EBX] & 0xFFFF);
        u32 off = base + c.reg<u8>(EAX);
        if (!i.addr32()) off &= 0xFFFF;
        c.set_reg<u8>(EAX, c.read_mem<u8>(i.seg, off));
    }
};

template <unsigned S> struct LoadFarPointer {  // LES LDS LSS LFS LGS
    template <class T> static void run(CpuCore& c, const Insn& i) {
        u32 off = c.effective_address(i);
        T offset = c.read_mem<T>(i.seg, off);
        u32 sel_off = off + sizeof(T);
        if (!i.addr32()) sel_off &= 0xFFFF;
        u16 sel = c.read_mem<u16>(i.seg, sel_off);
        c.load_segment(S, sel);
        c.set_reg<T>(i.reg, offset);
        if (S == SS) c.inhibit_interrupts = true;
    }
};

template <class Src, bool SignExtend> struct MovExtend {
    static constexpr bool kLeavesFlags = true;
    template <class T, EaForm F = EaForm::Any> static void run(CpuCore& c, const Insn& i) {
        with_source<T>(c, i, c.read_E<Src, F>(i));
    }
    template <class T, EaForm F> static bool fast(CpuCore& c, const Insn& i) {  // chain.hpp
        return c.try_use_E_fast<Src, F>(i, [&](Src v) { with_source<T>(c, i, v); });
    }
    template <class T> static void with_source(CpuCore& c, const Insn& i, Src v) {
        if constexpr (SignExtend) c.set_reg<T>(i.reg, static_cast<T>(static_cast<Signed<T>>(static_cast<Signed<Src>>(v))));
        else c.set_reg<T>(i.reg, static_cast<T>(v));
    }
};

using MovzxByte = MovExtend<std::uint8_t, false>;
using MovzxWord = MovExtend<std::uint16_t, false>;
using MovsxByte = MovExtend<std::uint8_t, true>;
using MovsxWord = MovExtend<std::uint16_t, true>;

template <unsigned CC> struct Setcc {
    static void run(CpuCore& c, const Insn& i) { c.write_E<u8>(i, condition(c, CC) ? 1 : 0); }
};

}  // namespace x86emu::exec
