// x86emu — PUSH/POP (registers, segment registers, r/m, immediates), PUSHA/POPA, PUSHF/POPF,
// ENTER/LEAVE, BOUND. Intel SDM vol. 2 under each mnemonic; 80186/80286 PRM for ENTER/BOUND.
#pragma once
#include "core/exec/common.hpp"

namespace x86emu::exec {

struct PushReg {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        T v = c.reg<T>(i.reg);
        // QUIRK(8086): PUSH SP stores the already decremented SP; the 80286 and later store the
        // value SP had before the instruction.
        if (c.traits.is8086 && i.reg == ESP) v = static_cast<T>(v - sizeof(T));
        c.push<T>(v);
    }
    // The push without a call where it can be made so (CpuCore::try_push_fast).
    template <class T> static bool fast(CpuCore& c, const Insn& i) { return c.try_push_fast<T>(c.reg<T>(i.reg)); }
};
struct PopReg {
    template <class T> static void run(CpuCore& c, const Insn& i) { c.set_reg<T>(i.reg, c.pop<T>()); }
    // As PushReg::fast. ESP moves before the register is written: POP ESP loads the value read.
    template <class T> static bool fast(CpuCore& c, const Insn& i) {
        T v;
        if (!c.try_pop_fast<T>(v)) return false;
        c.set_reg<T>(i.reg, v);
        return true;
    }
};

template <unsigned S> struct PushSreg {
    template <class T> static void run(CpuCore& c, const Insn&) {
        if constexpr (sizeof(T) == 4) {
            // QUIRK(80386): a 32-bit PUSH of a segment register moves ESP by 4 but writes only
            // the selector's 16 bits, leaving the slot's upper half as it was (SDM PUSH notes
            // this for later processors; test386's 386 checks expect it too).
            u32 sp = c.stack_offset(c.sp_value() - 4);
            c.write_mem<u16>(SS, sp, c.seg[S].selector);
            c.set_sp_value(sp);
        } else {
            c.push<T>(c.seg[S].selector);
        }
    }
};
template <unsigned S> struct PopSreg {
    template <class T> static void run(CpuCore& c, const Insn&) {
        u16 sel = static_cast<u16>(c.peek<T>(0));
        // The increment uses the stack size in force when the value was read: POP SS from a
        // 16-bit stack into a 32-bit one wraps SP and keeps ESP's upper half (SDM POP).
        const bool old_stack32 = c.stack32();
        const u32 old_esp = c.gpr[ESP];
        c.load_segment(S, sel);
        if (old_stack32) c.gpr[ESP] = old_esp + sizeof(T);
        else c.gpr[ESP] = (old_esp & 0xFFFF0000u) | ((old_esp + sizeof(T)) & 0xFFFF);
        if (S == SS) c.inhibit_interrupts = true;
    }
};

struct PushImm {
    template <class T> static void run(CpuCore& c, const Insn& i) { c.push<T>(static_cast<T>(i.imm)); }
};
struct PushE {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        T v = c.read_E<T>(i);
        // QUIRK(8086): PUSH SP via FF /6 also stores the decremented value.
        if (c.traits.is8086 && i.is_reg() && i.rm == ESP) v = static_cast<T>(v - sizeof(T));
        c.push<T>(v);
    }
};
struct PopE {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        // The destination address is computed after SP has been incremented (SDM POP).
        u32 old_sp = c.sp_value();
        T v = c.pop<T>();
        // QUIRK(80286): a destination that overruns its segment faults with SP already
        // incremented (the capture of POP [SI] with SI = FFFFh pushes the #GP frame 2 bytes
        // higher); the 80386 restores SP so that the instruction restarts cleanly (a fault fix-up,
        // applied when the fault lands).
        if (c.traits.has386) {
            c.fault_fixup = {&restore_sp, &i, old_sp};
            c.write_E<T>(i, v);
            c.fault_fixup = {};
        } else {
            c.write_E<T>(i, v);
        }
    }
    static void restore_sp(CpuCore& c, const FaultFixup& fixup) { c.set_sp_value(fixup.value); }
};

struct Pusha {
    template <class T> static void run(CpuCore& c, const Insn&) {
        T sp = c.reg<T>(ESP);
        // All eight stores are checked before SP moves: write from the top down at fixed depths.
        u32 base = c.sp_value();
        for (unsigned r = 0; r < 8; ++r) {
            T v = r == ESP ? sp : c.reg<T>(r);
            c.write_mem<T>(SS, c.stack_offset(base - (r + 1) * sizeof(T)), v);
        }
        c.set_sp_value(c.stack_offset(base - 8 * sizeof(T)));
    }
};
struct Popa {
    template <class T> static void run(CpuCore& c, const Insn&) {
        T v[8];
        for (unsigned r = 0; r < 8; ++r) v[7 - r] = c.peek<T>(r * sizeof(T));
        for (unsigned r = 0; r < 8; ++r)
            if (r != ESP) c.set_reg<T>(r, v[r]);
        c.set_sp_value(c.stack_offset(c.sp_value() + 8 * sizeof(T)));
        if constexpr (sizeof(T) == 4) {
            // QUIRK(80386): POPAD on a 16-bit stack (SS.B = 0) does pop the ESP image: ESP's
            // upper half is taken from it, only SP is then set to the incremented pointer
            // (test386's TEST_UNDEF check; its README describes the i386 so). The 486 and
            // later discard the image (SDM POPA/POPAD), so ESP[31:16] stays as it was.
            if (c.traits.model == CpuModel::i80386 && !c.stack32())
                c.gpr[ESP] = (v[ESP] & 0xFFFF0000u) | (c.gpr[ESP] & 0xFFFFu);
        }
    }
};

// PUSHF/POPF are IOPL-sensitive only in virtual-8086 mode (SDM vol. 3 §20.2.7); in protected
// mode they never fault, and POPF silently keeps IF and IOPL where the CPL may not change them.
inline void require_v86_iopl3(const CpuCore& c) {
    if (c.v86() && c.iopl() < 3) raise_fault(Vector::GP, 0);
}
struct Pushf {
    template <class T> static void run(CpuCore& c, const Insn&) {
        require_v86_iopl3(c);
        // VM and RF are never copied to the stack image (SDM PUSHF).
        c.push<T>(static_cast<T>(c.flags_word_for_push() & ~(eflags::VM | eflags::RF)));
    }
};
struct Popf {
    template <class T> static void run(CpuCore& c, const Insn&) {
        require_v86_iopl3(c);
        T v = c.pop<T>();
        u32 writable = sizeof(T) == 2 ? 0xFFFFu : 0xFFFFFFFFu;
        c.write_flags((c.raw_flags() & ~writable) | v, writable);
    }
};

struct Enter {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        u32 size = i.imm & 0xFFFF;
        unsigned level = i.imm2 & 0x1F;
        u32 sp = c.sp_value();
        auto bp_value = [&] { return c.stack32() ? c.gpr[EBP] : (c.gpr[EBP] & 0xFFFF); };
        // Build the frame with explicit offsets so nothing is committed until all stores pass.
        sp = c.stack_offset(sp - sizeof(T));
        c.write_mem<T>(SS, sp, c.reg<T>(EBP));
        // FrameTemp is ESP after the push when the operand size is 32, even on a 16-bit stack,
        // whose ESP keeps its upper half (SDM ENTER).
        u32 frame = c.stack32() ? sp : ((c.gpr[ESP] & 0xFFFF0000u) | sp);
        u32 bp = bp_value();
        if (level > 0) {
            for (unsigned k = 1; k < level; ++k) {
                bp = c.stack_offset(bp - sizeof(T));
                T v = c.read_mem<T>(SS, bp);
                sp = c.stack_offset(sp - sizeof(T));
                c.write_mem<T>(SS, sp, v);
            }
            sp = c.stack_offset(sp - sizeof(T));
            c.write_mem<T>(SS, sp, static_cast<T>(frame));
            const TimingEntry& t = c.timing[TimingClass::Enter];
            c.charge(t.mem - t.reg + (level - 1) * t.extra);
        }
        // The final stack pointer must be writable even when nothing is stored there (SDM
        // ENTER: #SS(0)/#PF "if a write using the final value of the stack pointer would").
        const u32 final_sp = c.stack_offset(sp - size);
        if (!c.traits.is8086) c.probe_write(SS, final_sp, sizeof(T));
        c.set_reg<T>(EBP, static_cast<T>(frame));
        c.set_sp_value(final_sp);
    }
};
struct Leave {
    template <class T> static void run(CpuCore& c, const Insn&) {
        u32 bp = c.stack32() ? c.gpr[EBP] : (c.gpr[EBP] & 0xFFFF);
        T v = c.read_mem<T>(SS, bp);
        c.set_sp_value(c.stack_offset(bp + sizeof(T)));
        c.set_reg<T>(EBP, v);
    }
};

struct Bound {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        using S = Signed<T>;
        u32 off = c.effective_address(i);
        S lower = static_cast<S>(c.read_mem<T>(i.seg, off));
        u32 upper_off = off + sizeof(T);
        if (!i.addr32()) upper_off &= 0xFFFF;
        S upper = static_cast<S>(c.read_mem<T>(i.seg, upper_off));
        S index = static_cast<S>(c.reg<T>(i.reg));
        if (index < lower || index > upper) raise_fault(Vector::BR);
    }
};

}  // namespace x86emu::exec
