// x86emu — flag instructions (CLC STC CMC CLD STD CLI STI), WAIT and coprocessor escapes without
// a coprocessor, and the system instructions usable in real mode: SGDT SIDT LGDT LIDT SMSW LMSW
// CLTS, MOV to/from CRn/DRn. Intel SDM vol. 2 and vol. 3 §2.5-§2.7 (control registers), 80286
// PRM §10 (MSW). Protected-mode-only instructions raise #UD in real mode (SDM vol. 3 §20.1).
#pragma once
#include "core/exec/common.hpp"

namespace x86emu::exec {

struct Clc { static void run(CpuCore& c, const Insn&) { c.set_flag(eflags::CF, false); } };
struct Stc { static void run(CpuCore& c, const Insn&) { c.set_flag(eflags::CF, true); } };
struct Cmc { static void run(CpuCore& c, const Insn&) { c.set_flag(eflags::CF, !c.cf()); } };
struct Cld { static void run(CpuCore& c, const Insn&) { c.set_flag(eflags::DF, false); } };
struct Std { static void run(CpuCore& c, const Insn&) { c.set_flag(eflags::DF, true); } };
struct Cli { static void run(CpuCore& c, const Insn&) { c.set_flag(eflags::IF, false); } };
struct Sti {
    static void run(CpuCore& c, const Insn&) {
        // Interrupts are recognised only after the instruction following STI (SDM STI).
        if (!c.interrupts_enabled()) c.inhibit_interrupts = true;
        c.set_flag(eflags::IF, true);
    }
};

inline constexpr std::uint32_t kCr0PE = 1u << 0, kCr0MP = 1u << 1, kCr0EM = 1u << 2, kCr0TS = 1u << 3;

struct Esc {  // D8-DF with no coprocessor present
    static void run(CpuCore& c, const Insn& i) {
        if (!c.traits.is8086 && (c.cr0 & (kCr0EM | kCr0TS))) raise_fault(Vector::NM);
        if (i.is_reg()) return;
        if (c.traits.has286 && !c.traits.has386) {
            // QUIRK(80286): no memory cycle: the 286 sends the opcode, CS:IP and the operand's
            // address to the coprocessor through I/O ports F8h/FCh (the captures show those
            // writes and no read). It still checks the operand against the segment limit as a
            // word: the captures raise #GP for an operand at FFFFh (none covers FFFDh/FFFEh).
            c.check_access(i.seg, c.effective_address(i), 2);
            return;
        }
        // The CPU still computes the operand address (8086: and reads it for the coprocessor).
        (void)c.read_mem<u8>(i.seg, c.effective_address(i));
    }
};
struct Wait {
    static void run(CpuCore& c, const Insn&) {
        if (!c.traits.is8086 && (c.cr0 & (kCr0MP | kCr0TS)) == (kCr0MP | kCr0TS)) raise_fault(Vector::NM);
    }
};

struct ProtectedOnly {
    static void run(CpuCore&, const Insn&) { raise_fault(Vector::UD); }
};
struct Arpl {
    template <class T> static void run(CpuCore&, const Insn&) { raise_fault(Vector::UD); }
};
struct Prefix {  // never dispatched: the decoder consumes prefixes
    static void run(CpuCore&, const Insn&) { raise_fault(Vector::UD); }
};

template <unsigned Which> struct StoreTableRegister {  // 0 = GDTR, 1 = IDTR
    static void run(CpuCore& c, const Insn& i) {
        if (i.is_reg()) raise_fault(Vector::UD);
        const TableRegister& t = Which == 0 ? c.gdtr : c.idtr;
        u32 off = c.effective_address(i);
        u32 base = t.base;
        // QUIRK(80286): the sixth byte reads FFh; the 386 stores 00h with a 16-bit operand.
        if (!i.op32()) base = c.traits.has386 ? (base & 0x00FFFFFF) : ((base & 0x00FFFFFF) | 0xFF000000u);
        c.write_mem<u16>(i.seg, off, t.limit);
        c.write_mem<u32>(i.seg, i.addr32() ? off + 2 : ((off + 2) & 0xFFFF), base);
    }
};
template <unsigned Which> struct LoadTableRegister {
    static void run(CpuCore& c, const Insn& i) {
        if (i.is_reg()) raise_fault(Vector::UD);
        u32 off = c.effective_address(i);
        u16 limit = c.read_mem<u16>(i.seg, off);
        u32 base = c.read_mem<u32>(i.seg, i.addr32() ? off + 2 : ((off + 2) & 0xFFFF));
        if (!i.op32()) base &= 0x00FFFFFF;  // 24-bit base with a 16-bit operand
        TableRegister& t = Which == 0 ? c.gdtr : c.idtr;
        t.base = base;
        t.limit = limit;
    }
};

struct Smsw {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        // QUIRK(80286): the undefined MSW bits 4-15 read as ones; the 386 returns CR0's bits.
        u32 msw = c.traits.has386 ? c.cr0 : (0xFFF0u | (c.cr0 & 0xF));
        if (i.is_reg()) c.set_reg<T>(i.rm, static_cast<T>(msw));
        else c.write_mem<u16>(i.seg, c.effective_address(i), static_cast<u16>(msw));
    }
};
struct Lmsw {
    static void run(CpuCore& c, const Insn& i) {
        u16 v = c.read_E<u16>(i);
        // Loads PE MP EM TS; PE can be set but not cleared this way (SDM LMSW).
        c.cr0 = (c.cr0 & ~0xEu) | (v & 0xEu) | ((c.cr0 | v) & kCr0PE);
    }
};
struct Clts {
    static void run(CpuCore& c, const Insn&) { c.cr0 &= ~kCr0TS; }
};

struct MovRdCd {
    static void run(CpuCore& c, const Insn& i) {
        u32 v;
        switch (i.reg) {
        case 0: v = c.cr0; break;
        case 2: v = c.cr2; break;
        case 3: v = c.cr3; break;
        default: raise_fault(Vector::UD);
        }
        c.gpr[i.rm] = v;
    }
};
struct MovCdRd {
    static void run(CpuCore& c, const Insn& i) {
        u32 v = c.gpr[i.rm];
        switch (i.reg) {
        case 0: c.cr0 = (v & 0x8000001Fu) | 0x10u; break;  // 386: ET (bit 4) reads as 1 with a 387
        case 2: c.cr2 = v; break;
        case 3: c.cr3 = v & 0xFFFFF000u; break;
        default: raise_fault(Vector::UD);
        }
    }
};
struct MovRdDd {
    static void run(CpuCore& c, const Insn& i) { c.gpr[i.rm] = c.dr[i.reg]; }
};
struct MovDdRd {
    static void run(CpuCore& c, const Insn& i) { c.dr[i.reg] = c.gpr[i.rm]; }
};

// The 386's TLB test registers: only TR6 and TR7 exist (80386 PRM §12.2); the TLB test function
// itself is not modelled, the registers just hold what is written.
inline void require_test_register(const Insn& i) {
    if (i.reg != 6 && i.reg != 7) raise_fault(Vector::UD);
}
struct MovRdTd {
    static void run(CpuCore& c, const Insn& i) {
        require_test_register(i);
        c.gpr[i.rm] = c.test_registers[i.reg];
    }
};
struct MovTdRd {
    static void run(CpuCore& c, const Insn& i) {
        require_test_register(i);
        c.test_registers[i.reg] = c.gpr[i.rm];
    }
};

}  // namespace x86emu::exec
