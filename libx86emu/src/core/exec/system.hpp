// x86emu — flag instructions (CLC STC CMC CLD STD CLI STI), WAIT and coprocessor escapes without
// a coprocessor, and the system instructions: SGDT SIDT LGDT LIDT SMSW LMSW CLTS, MOV to/from
// CRn/DRn/TRn, SLDT STR LLDT LTR VERR VERW LAR LSL ARPL, and the 486's INVD WBINVD INVLPG.
// Intel SDM vol. 2 under each mnemonic,
// vol. 3 §2.5-§2.7 (control registers), §5.9-§5.10 (privileged instructions, pointer
// validation), §17.2 (debug registers); 80286 PRM §10 (MSW). The descriptor instructions raise
// #UD in real and virtual-8086 mode (SDM vol. 3 §20.1, §20.2.7); the privileged ones #GP(0) at
// CPL > 0. The store instructions (SGDT, SIDT, SLDT, STR, SMSW) are deliberately unprivileged,
// as on the silicon. 486 control-register bits (CR0.NE/WP/AM/NW/CD): SDM vol. 3 §2.5 and the
// i486 Programmer's Reference Manual (control registers); the NW/CD rule: SDM vol. 2 MOV CRn.
#pragma once
#include "core/exec/common.hpp"
#include "core/exec/x87_common.hpp"
#include "core/exec/intercept.hpp"

namespace x86emu::exec {

struct Clc { static void run(CpuCore& c, const Insn&) { c.set_flag(eflags::CF, false); } };
struct Stc { static void run(CpuCore& c, const Insn&) { c.set_flag(eflags::CF, true); } };
struct Cmc { static void run(CpuCore& c, const Insn&) { c.set_flag(eflags::CF, !c.cf()); } };
struct Cld { static void run(CpuCore& c, const Insn&) { c.set_flag(eflags::DF, false); } };
struct Std { static void run(CpuCore& c, const Insn&) { c.set_flag(eflags::DF, true); } };
// CLI/STI are IOPL-sensitive: #GP(0) when CPL > IOPL (in virtual-8086 mode: IOPL < 3).
inline void require_iopl(const CpuCore& c) {
    if (c.protected_mode() && c.cpl > c.iopl()) raise_fault(Vector::GP, 0);
}
struct Cli {
    static void run(CpuCore& c, const Insn&) {
        require_iopl(c);
        c.set_flag(eflags::IF, false);
    }
};
struct Sti {
    static void run(CpuCore& c, const Insn&) {
        require_iopl(c);
        // Interrupts are recognised only after the instruction following STI (SDM STI).
        if (!c.interrupts_enabled()) c.inhibit_interrupts = true;
        c.set_flag(eflags::IF, true);
    }
};

// The CR0 bits MOV CR0 can change; ET is fixed at 1 (a 387 or the 486's own FPU interface).
inline constexpr std::uint32_t kCr0Writable386 = kCr0PG | kCr0PE | kCr0MP | kCr0EM | kCr0TS;
// QUIRK(80486): NE, WP, AM, NW and CD exist (SDM vol. 3 §2.5); the 386 ignores those bits.
inline constexpr std::uint32_t kCr0Writable486 = kCr0Writable386 | kCr0NE | kCr0WP | kCr0AM | kCr0NW | kCr0CD;

// CR4 appears with the Pentium (SDM vol. 3 §2.5; Pentium Developer's Manual vol. 3, control
// registers):
// VME 0, PVI 1, TSD 2, DE 3, PSE 4, MCE 6; PGE 7 came with the P6.
// The bits MOV CR4 accepts on the P5 model; every other bit is reserved and raises #GP(0)
// (SDM vol. 2 MOV CRn). A bit is writable only if the model implements what it enables:
//   TSD  RDTSC restricted to CPL 0 (Rdtsc)            PSE  4 MiB pages (paging.cpp)
//   MCE  machine-check exception enable: no machine check is ever signalled here, so the bit
//        is honoured trivially
// Not offered, though the silicon has them, and so reserved here (CPUID reports them absent):
// VME and PVI (virtual-8086 mode extensions), DE (debugging extensions: DR4/DR5 #UD and I/O
// breakpoints). PGE is absent from the P5 itself.
inline constexpr std::uint32_t kCr4WritableP5 = cr4::TSD | cr4::PSE | cr4::MCE;
// The P6 adds PGE (global pages) and PCE (RDPMC at any CPL); PAE (5) stays reserved here.
inline constexpr std::uint32_t kCr4WritableP6 = kCr4WritableP5 | cr4::PGE | cr4::PCE;

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
// WAIT/FWAIT: #NM when MP and TS are both set (SDM vol. 3 §2.5); with an FPU it then reports a
// pending unmasked x87 exception (#MF, or FERR# and the freeze: exec/x87_common.hpp).
struct Wait {
    static void run(CpuCore& c, const Insn&) {
        if (!c.traits.is8086 && (c.cr0 & (kCr0MP | kCr0TS)) == (kCr0MP | kCr0TS)) raise_fault(Vector::NM);
        if (c.has_fpu) (void)x87::take_pending_error(c);
    }
};

// The descriptor instructions exist only in protected mode proper.
inline void require_protected(const CpuCore& c) {
    if (!c.pm()) raise_fault(Vector::UD);
}
// SLDT/STR store a selector: a register destination takes it zero-extended to the operand size.
template <class T> inline void store_selector(CpuCore& c, const Insn& i, u16 selector) {
    if (i.is_reg()) c.set_reg<T>(i.rm, static_cast<T>(selector));
    else c.write_mem<u16>(i.seg, c.effective_address(i), selector);
}
struct Sldt {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        require_protected(c);
        store_selector<T>(c, i, c.ldtr.selector);
    }
};
struct Str {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        require_protected(c);
        store_selector<T>(c, i, c.tr.selector);
    }
};
struct Lldt {
    static void run(CpuCore& c, const Insn& i) {
        require_protected(c);
        c.require_cpl0();
        c.load_ldtr(c.read_E<u16>(i));
    }
};
struct Ltr {
    static void run(CpuCore& c, const Insn& i) {
        require_protected(c);
        c.require_cpl0();
        c.load_task_register(c.read_E<u16>(i));
    }
};

// Pointer validation (SDM vol. 3 §5.10): these never fault on a bad selector, they report
// through ZF. A descriptor is visible when it is conforming code, or when its DPL is at least
// both CPL and the selector's RPL.
inline bool descriptor_visible(const CpuCore& c, u16 selector, const CpuCore::Descriptor& d) {
    if (d.conforming()) return true;
    return d.dpl() >= c.cpl && d.dpl() >= (selector & 3u);
}
template <bool Write> struct VerifySegment {  // VERR / VERW
    static void run(CpuCore& c, const Insn& i) {
        require_protected(c);
        u16 selector = c.read_E<u16>(i);
        CpuCore::Descriptor d;
        bool ok = (selector & 0xFFFC) != 0 && c.try_read_descriptor(selector, d) && d.is_segment() &&
                  descriptor_visible(c, selector, d) && (Write ? d.writable() : d.readable());
        c.set_flag(eflags::ZF, ok);
    }
};
using Verr = VerifySegment<false>;
using Verw = VerifySegment<true>;

// Which system descriptor types LAR and LSL accept (SDM vol. 2 LAR, LSL): TSSs, LDTs and, for
// LAR only, call and task gates; interrupt and trap gates never.
inline bool lar_accepts(const CpuCore& c, const CpuCore::Descriptor& d, bool for_limit) {
    if (d.is_segment()) return true;
    switch (d.type()) {
    case 1: case 2: case 3: return true;
    case 9: case 11: return c.traits.has386;
    case 4: case 5: return !for_limit;
    case 12: return !for_limit && c.traits.has386;
    default: return false;
    }
}
// LAR loads the access-rights bytes, LSL the expanded limit; both set ZF only for a selector
// whose descriptor is visible at the CPL and of a type they accept.
template <bool Limit> struct LoadDescriptorInfo {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        require_protected(c);
        u16 selector = c.read_E<u16>(i);
        CpuCore::Descriptor d;
        bool ok = (selector & 0xFFFC) != 0 && c.try_read_descriptor(selector, d) && lar_accepts(c, d, Limit) &&
                  descriptor_visible(c, selector, d);
        c.set_flag(eflags::ZF, ok);
        if (!ok) return;
        u32 value = Limit ? c.cache_from(selector, d).limit : (d.high & 0x00FFFF00u);
        c.set_reg<T>(i.reg, static_cast<T>(value));
    }
};
using Lar = LoadDescriptorInfo<false>;
using Lsl = LoadDescriptorInfo<true>;
struct Arpl {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        require_protected(c);
        u16 dest = c.read_E<u16>(i);
        u16 source_rpl = c.reg<u16>(i.reg) & 3;
        bool raise = (dest & 3) < source_rpl;
        if (raise) {
            u16 adjusted = static_cast<u16>((dest & ~3u) | source_rpl);
            if (i.is_reg()) c.set_reg<u16>(i.rm, adjusted);
            else c.write_mem<u16>(i.seg, c.effective_address(i), adjusted);
        }
        c.set_flag(eflags::ZF, raise);
    }
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
        c.require_cpl0();
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
// MOV to CR0/LMSW: a change of PE re-derives the mode; PE/PG/WP changes flush the TLB; AM
// decides, with EFLAGS.AC and the CPL, whether alignment checks can fire.
inline void write_cr0(CpuCore& c, u32 value) {
    u32 old = c.cr0;
    c.cr0 = value;
    if ((old ^ value) & kCr0PE) c.mode_changed();
    if ((old ^ value) & (kCr0PE | kCr0PG | kCr0WP)) c.flush_tlb(false);
    if ((old ^ value) & kCr0AM) c.update_alignment_check();
}
struct Lmsw {
    static void run(CpuCore& c, const Insn& i) {
        c.require_cpl0();
        u16 v = c.read_E<u16>(i);
        // Loads PE MP EM TS; PE can be set but not cleared this way (SDM LMSW).
        write_cr0(c, (c.cr0 & ~0xEu) | (v & 0xEu) | ((c.cr0 | v) & kCr0PE));
    }
};
struct Clts {
    static void run(CpuCore& c, const Insn&) {
        c.require_cpl0();
        c.cr0 &= ~kCr0TS;
    }
};

struct MovRdCd {
    static void run(CpuCore& c, const Insn& i) {
        c.require_cpl0();
        u32 v;
        switch (i.reg) {
        case 0: v = c.cr0; break;
        case 2: v = c.cr2; break;
        case 3: v = c.cr3; break;
        case 4:
            if (!c.traits.has_p5) raise_fault(Vector::UD);  // CR4 is new with the Pentium
            v = c.cr4;
            break;
        default: raise_fault(Vector::UD);
        }
        c.gpr[i.rm] = v;
    }
};
struct MovCdRd {
    static void run(CpuCore& c, const Insn& i) {
        c.require_cpl0();
        u32 v = c.gpr[i.rm];
        // Only registers the model has reach the hook (CR4 from the Pentium on); the checks of
        // the value (PG without PE, NW without CD, reserved CR4 bits) belong to Run.
        const bool exists = i.reg == 0 || i.reg == 2 || i.reg == 3 || (i.reg == 4 && c.traits.has_p5);
        if (exists && c.intercepts.cr_write &&
            ask_intercept(c.intercepts.cr_write, CrWriteEvent{i.reg, v}).kind != Intercept::Kind::Run)
            return;  // Skip (or a Result, which MOV CRn has none of): the register keeps its value
        switch (i.reg) {
        case 0:
            // Paging without protection is invalid (SDM vol. 3 §2.5: #GP(0)).
            if ((v & kCr0PG) && !(v & kCr0PE)) raise_fault(Vector::GP, 0);
            if (c.traits.has486) {
                // No write-through (NW = 1) with the cache enabled (CD = 0) is the one invalid
                // combination (SDM vol. 2 MOV CRn: #GP(0)).
                if ((v & kCr0NW) && !(v & kCr0CD)) raise_fault(Vector::GP, 0);
                write_cr0(c, (v & kCr0Writable486) | kCr0ET);
            } else {
                write_cr0(c, (v & kCr0Writable386) | kCr0ET);  // 386: ET reads as 1 with a 387
            }
            break;
        case 2: c.cr2 = v; break;
        case 3:
            c.cr3 = v & 0xFFFFF018u;  // PDBR plus PWT/PCD
            c.flush_tlb(true);
            break;
        case 4: {
            if (!c.traits.has_p5) raise_fault(Vector::UD);  // CR4 is new with the Pentium
            if (v & ~(c.traits.has_p6 ? kCr4WritableP6 : kCr4WritableP5)) raise_fault(Vector::GP, 0);
            u32 old = c.cr4;
            c.cr4 = v;
            // Page size and global-page rules change what a cached translation means: flush
            // everything, global entries included (SDM vol. 3 §4.10.4.1).
            if ((old ^ v) & (cr4::PSE | cr4::PGE)) c.flush_tlb(false);
            break;
        }
        default: raise_fault(Vector::UD);
        }
    }
};
// DR4 and DR5 are aliases of DR6 and DR7 on the 386 (SDM vol. 3 §17.2.2).
inline unsigned debug_register_index(unsigned n) { return n == 4 || n == 5 ? n + 2 : n; }
// DR7.GD: the next MOV to or from a debug register is a #DB fault with DR6.BD set, and GD is
// cleared so the handler can use them (SDM vol. 3 §17.2.4, §17.3.1.2).
inline void check_general_detect(CpuCore& c) {
    if (!(c.dr[7] & 0x2000u)) return;
    c.dr[6] |= 0x2000u;
    c.dr[7] &= ~0x2000u;
    raise_fault(Vector::DB);
}
struct MovRdDd {
    static void run(CpuCore& c, const Insn& i) {
        c.require_cpl0();
        check_general_detect(c);
        c.gpr[i.rm] = c.dr[debug_register_index(i.reg)];
    }
};
struct MovDdRd {
    static void run(CpuCore& c, const Insn& i) {
        c.require_cpl0();
        check_general_detect(c);
        unsigned n = debug_register_index(i.reg);
        c.dr[n] = c.gpr[i.rm];
        if (n == 7) c.debug_registers_changed();
    }
};

// The 386's TLB test registers: only TR6 and TR7 exist (80386 PRM §12.2); the TLB test function
// itself is not modelled, the registers just hold what is written.
// QUIRK(80486): TR3-TR5, the cache test registers, exist as well (i486 PRM, testability).
inline void require_test_register(const CpuCore& c, const Insn& i) {
    unsigned lowest = c.traits.has486 ? 3 : 6;
    if (i.reg < lowest) raise_fault(Vector::UD);
}
struct MovRdTd {
    static void run(CpuCore& c, const Insn& i) {
        c.require_cpl0();
        require_test_register(c, i);
        c.gpr[i.rm] = c.test_registers[i.reg];
    }
};
struct MovTdRd {
    static void run(CpuCore& c, const Insn& i) {
        c.require_cpl0();
        require_test_register(c, i);
        c.test_registers[i.reg] = c.gpr[i.rm];
    }
};

// ---- 486 cache and TLB control ------------------------------------------------------------
// INVD and WBINVD (SDM vol. 2 INVD, WBINVD): CPL 0 only (#GP(0) otherwise, also in
// virtual-8086 mode, whose CPL is 3). There is no cache to invalidate or write back: every
// memory access of the emulator already reaches memory.
struct InvalidateCache {
    static void run(CpuCore& c, const Insn&) { c.require_cpl0(); }
};
// INVLPG m (SDM vol. 2 INVLPG): drops the TLB entry of the page holding the operand's linear
// address. The operand is only an address: no segment limit check, no memory access, no page
// fault. The register form is #UD (the row's "M" operand makes the decoder raise it).
struct Invlpg {
    static void run(CpuCore& c, const Insn& i) {
        c.require_cpl0();
        c.invalidate_tlb_page(c.seg[i.seg].base + c.effective_address(i));
    }
};

}  // namespace x86emu::exec
