// x86emu — x87 control instructions: FLDCW FSTCW FSTSW (memory and AX) FCLEX FINIT FLDENV
// FSTENV FRSTOR FSAVE, and the 8087/287 leftovers FENI FDISI FSETPM (no-ops from the 387 on). Intel SDM vol. 2 (each instruction's page), vol. 1 §8.1.10
// (saving the FPU state: figures 8-9 to 8-12, the four environment layouts), §8.6 (WAIT and
// exception synchronisation), vol. 3 §2.5 (CR0.MP and TS for WAIT).
#pragma once
#include "core/exec/x87_common.hpp"

namespace x86emu::exec::x87 {

struct LoadControlWord {
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i, true, true)) return;
        u16 cw = c.read_mem<u16>(i.seg, operand_offset(c, i));
        // Bit 6 reads as 1 and bits 13-15 as 0 (reserved; SDM vol. 1 figure 8-6); bit 12 (the
        // 287's infinity control) is kept for compatibility.
        c.x87.control = static_cast<u16>((cw & 0x1F3F) | 0x0040);
        update_error_summary(c);  // unmasking a flagged exception makes it pending
    }
};
struct StoreControlWord {
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i, false, true)) return;
        c.write_mem<u16>(i.seg, operand_offset(c, i), c.x87.control);
    }
};
struct StoreStatusWord {
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i, false, true)) return;
        c.write_mem<u16>(i.seg, operand_offset(c, i), c.x87.status);
    }
};
struct StoreStatusWordAx {  // FNSTSW AX (DF E0), 287 and later
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i, false, true)) return;
        c.set_reg<u16>(EAX, c.x87.status);
    }
};
// FNCLEX: clears the exception flags, SF, ES and B (SDM vol. 2 FCLEX); FERR# drops.
struct ClearExceptions {
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i, false, true)) return;
        c.x87.status = static_cast<u16>(c.x87.status & ~(0x3Fu | sw::SF | sw::ES | sw::B));
        update_error_summary(c);
    }
};
struct Initialize {
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i, false, true)) return;
        c.x87.initialize();
        update_error_summary(c);
    }
};
// FENI/FDISI (8087 interrupt masks) and FSETPM (287 protected mode): no-ops on the 387 and
// later (SDM vol. 2, Appendix A note on DB E0/E1/E4).
struct ObsoleteControl {
    static void run(CpuCore& c, const Insn& i) { (void)enter(c, i, false, true); }
};

// ---- the environment (SDM vol. 1 figures 8-9 to 8-12) ----------------------------------------
// 14 bytes with a 16-bit operand size, 28 with a 32-bit one; in real and virtual-8086 mode the
// instruction and operand pointers are stored as linear addresses, with the opcode beside
// FIP's high bits; in protected mode as selector:offset with the opcode beside FCS.
inline unsigned environment_size(const Insn& i) { return i.op32() ? 28 : 14; }

inline void store_environment(CpuCore& c, const Insn& i, u32 offset) {
    fpu::X87State& f = c.x87;
    const bool real = !c.pm();
    u32 ip = f.last_ip, dp = f.last_dp;
    if (real) {
        ip = (u32{f.last_cs} << 4) + f.last_ip;
        dp = (u32{f.last_ds} << 4) + f.last_dp;
    }
    u16 words[7];
    u32 dwords[7];
    const u16 tw = f.full_tag_word();
    if (i.op32()) {
        // The reserved upper halves of the first three dwords read as FFFFh on Intel processors.
        dwords[0] = 0xFFFF0000u | f.control;
        dwords[1] = 0xFFFF0000u | f.status;
        dwords[2] = 0xFFFF0000u | tw;
        if (real) {
            dwords[3] = ip & 0xFFFF;
            dwords[4] = ((ip >> 16) << 12) | (f.last_opcode & 0x7FF);
            dwords[5] = dp & 0xFFFF;
            dwords[6] = (dp >> 16) << 12;
        } else {
            dwords[3] = ip;
            dwords[4] = (u32{f.last_opcode & 0x7FFu} << 16) | f.last_cs;
            dwords[5] = dp;
            dwords[6] = f.last_ds;
        }
        probe_write_range(c, i.seg, offset, 28);
        for (unsigned k = 0; k < 7; ++k) c.write_mem<u32>(i.seg, offset + 4 * k, dwords[k]);
    } else {
        words[0] = f.control;
        words[1] = f.status;
        words[2] = tw;
        if (real) {
            words[3] = static_cast<u16>(ip);
            words[4] = static_cast<u16>((((ip >> 16) & 0xF) << 12) | (f.last_opcode & 0x7FF));
            words[5] = static_cast<u16>(dp);
            words[6] = static_cast<u16>(((dp >> 16) & 0xF) << 12);
        } else {
            words[3] = static_cast<u16>(ip);
            words[4] = f.last_cs;
            words[5] = static_cast<u16>(dp);
            words[6] = f.last_ds;
        }
        probe_write_range(c, i.seg, offset, 14);
        for (unsigned k = 0; k < 7; ++k) c.write_mem<u16>(i.seg, offset + 2 * k, words[k]);
    }
}

// Reads the whole environment before changing anything, so a fault leaves the FPU as it was.
inline void load_environment(CpuCore& c, const Insn& i, u32 offset) {
    fpu::X87State& f = c.x87;
    const bool real = !c.pm();
    u32 v[7];
    for (unsigned k = 0; k < 7; ++k)
        v[k] = i.op32() ? c.read_mem<u32>(i.seg, offset + 4 * k) : c.read_mem<u16>(i.seg, offset + 2 * k);
    f.control = static_cast<u16>((v[0] & 0x1F3F) | 0x0040);
    f.status = static_cast<u16>(v[1]);
    f.load_tag_word(static_cast<u16>(v[2]));
    if (real) {
        const u32 high_bits = i.op32() ? 0xFFFF : 0xF;
        f.last_cs = f.last_ds = 0;
        f.last_ip = (v[3] & 0xFFFF) | (((v[4] >> 12) & high_bits) << 16);
        f.last_opcode = static_cast<u16>(v[4] & 0x7FF);
        f.last_dp = (v[5] & 0xFFFF) | (((v[6] >> 12) & high_bits) << 16);
    } else {
        f.last_ip = i.op32() ? v[3] : (v[3] & 0xFFFF);
        f.last_cs = static_cast<u16>(v[4]);
        f.last_opcode = static_cast<u16>(i.op32() ? ((v[4] >> 16) & 0x7FF) : f.last_opcode);
        f.last_dp = i.op32() ? v[5] : (v[5] & 0xFFFF);
        f.last_ds = static_cast<u16>(v[6]);
    }
    update_error_summary(c);
}

struct StoreEnvironment {  // FNSTENV: then masks every exception (SDM vol. 2 FSTENV)
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i, false, true)) return;
        store_environment(c, i, operand_offset(c, i));
        c.x87.control |= 0x3F;
        update_error_summary(c);
    }
};
struct LoadEnvironment {
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i, true, true)) return;
        load_environment(c, i, operand_offset(c, i));
    }
};
// FNSAVE: the environment, then ST(0)..ST(7) as 10-byte values, then FNINIT.
struct SaveState {
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i, false, true)) return;
        const u32 offset = operand_offset(c, i);
        const unsigned env = environment_size(i);
        probe_write_range(c, i.seg, offset, env + 80);
        store_environment(c, i, offset);
        for (unsigned r = 0; r < 8; ++r) write_f80(c, i.seg, offset + env + 10 * r, c.x87.st(r));
        c.x87.initialize();
        update_error_summary(c);
    }
};
struct RestoreState {
    static void run(CpuCore& c, const Insn& i) {
        if (!enter(c, i, true, true)) return;
        const u32 offset = operand_offset(c, i);
        const unsigned env = environment_size(i);
        Float80 regs[8];
        for (unsigned r = 0; r < 8; ++r) regs[r] = read_f80(c, i.seg, offset + env + 10 * r);
        load_environment(c, i, offset);
        for (unsigned r = 0; r < 8; ++r) c.x87.st(r) = regs[r];
    }
};

}  // namespace x86emu::exec::x87
