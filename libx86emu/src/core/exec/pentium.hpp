// x86emu — the Pentium's additions to the integer instruction set: CPUID, RDTSC, RDMSR, WRMSR,
// CMPXCHG8B. Intel SDM vol. 2 under each mnemonic; Pentium Processor Family Developer's Manual
// vol. 3 (Architecture and Programming Manual): the instruction set chapter and the
// model-specific registers chapter and appendix (the time-stamp counter, P5_MC_ADDR, P5_MC_TYPE).
// RSM (0F AA) has no row: without System Management Mode it raises #UD, as it does on the
// silicon outside SMM (SDM vol. 2 RSM: "#UD if an attempt is made to execute this instruction
// when the processor is not in SMM").
#pragma once
#include "core/exec/common.hpp"
#include "core/exec/intercept.hpp"

namespace x86emu::exec {

// CPUID (SDM vol. 2 CPUID): EAX selects the leaf; EAX, EBX, ECX, EDX get its data. Not
// privileged. The answers are data: CpuCore::cpuid_table (x86emu/cpuid.hpp).
struct Cpuid {
    static void run(CpuCore& c, const Insn&) {
        if (c.intercepts.cpuid) {
            Intercept d = ask_intercept(c.intercepts.cpuid, CpuidEvent{c.gpr[EAX], c.gpr[ECX]});
            if (d.kind == Intercept::Kind::Skip) return;
            if (d.kind == Intercept::Kind::Result) {
                c.gpr[EAX] = d.cpuid.eax;
                c.gpr[EBX] = d.cpuid.ebx;
                c.gpr[ECX] = d.cpuid.ecx;
                c.gpr[EDX] = d.cpuid.edx;
                return;
            }
        }
        CpuidLeaf leaf = c.cpuid_table.query(c.gpr[EAX]);
        c.gpr[EAX] = leaf.eax;
        c.gpr[EBX] = leaf.ebx;
        c.gpr[ECX] = leaf.ecx;
        c.gpr[EDX] = leaf.edx;
    }
};

// RDTSC (SDM vol. 2 RDTSC): EDX:EAX = TSC. With CR4.TSD set only CPL 0 may read it (#GP(0)
// otherwise, which includes virtual-8086 mode).
struct Rdtsc {
    static void run(CpuCore& c, const Insn&) {
        if ((c.cr4 & cr4::TSD) && c.protected_mode() && c.cpl != 0) raise_fault(Vector::GP, 0);
        std::uint64_t tsc = c.time_stamp_counter();
        if (c.intercepts.rdtsc) {
            Intercept d = ask_intercept(c.intercepts.rdtsc, RdtscEvent{});
            if (d.kind == Intercept::Kind::Skip) return;
            if (d.kind == Intercept::Kind::Result) tsc = d.value;
        }
        c.gpr[EAX] = static_cast<u32>(tsc);
        c.gpr[EDX] = static_cast<u32>(tsc >> 32);
    }
};

// The model-specific registers the P5 model documents (Pentium Developer's Manual vol. 3,
// "Model-Specific Registers" and its MSR appendix). The silicon has more (TR1-TR12 test
// registers, the CESR/CTR0/CTR1 performance counters at 11h-13h); they are not modelled, and
// like an address the processor does not implement they raise #GP(0).
enum class P5Msr : u32 {
    McAddr = 0x00,          // P5_MC_ADDR: address of the last machine-check cycle; no machine
                            // checks happen here, so it reads 0
    McType = 0x01,          // P5_MC_TYPE: type of that cycle; reads 0 (CHK bit clear)
    TimeStampCounter = 0x10,
    // QUIRK(P6): IA32_BIOS_SIGN_ID (SDM vol. 4, table 2-2; vol. 3 §9.11.7.1 "Determining the
    // Signature"): software writes 0, executes CPUID leaf 1, and reads the loaded microcode
    // update's signature from the high half. No update is ever loaded here, so the signature
    // is 0 whatever was written: writes are accepted and reads return 0 (P6 model only).
    BiosSignId = 0x8B,
};

// RDMSR (SDM vol. 2 RDMSR): EDX:EAX = MSR[ECX]; CPL 0 only, #GP(0) for an unknown MSR.
struct Rdmsr {
    static void run(CpuCore& c, const Insn&) {
        c.require_cpl0();
        std::uint64_t value = 0;
        // Asked before the MSR is looked up, so an embedder can supply MSRs the model lacks.
        if (c.intercepts.msr_read) {
            Intercept d = ask_intercept(c.intercepts.msr_read, MsrReadEvent{c.gpr[ECX]});
            if (d.kind == Intercept::Kind::Skip) return;
            if (d.kind == Intercept::Kind::Result) {
                c.gpr[EAX] = static_cast<u32>(d.value);
                c.gpr[EDX] = static_cast<u32>(d.value >> 32);
                return;
            }
        }
        switch (static_cast<P5Msr>(c.gpr[ECX])) {
        case P5Msr::McAddr:
        case P5Msr::McType: value = 0; break;
        case P5Msr::TimeStampCounter: value = c.time_stamp_counter(); break;
        case P5Msr::BiosSignId:
            if (!c.traits.has_p6) raise_fault(Vector::GP, 0);
            value = 0;
            break;
        default: raise_fault(Vector::GP, 0);
        }
        c.gpr[EAX] = static_cast<u32>(value);
        c.gpr[EDX] = static_cast<u32>(value >> 32);
    }
};

// WRMSR (SDM vol. 2 WRMSR): MSR[ECX] = EDX:EAX; CPL 0 only, #GP(0) for an unknown MSR.
// Writing the TSC sets all 64 bits and the counter continues from the written value. (The SDM's
// "Time-Stamp Counter" section limits WRMSR to the low 32 bits, clearing the high ones, on P6
// family and later processors only; the P5 model does not apply that rule, the P6 model does.
// Not verified on a Pentium here.) The machine-
// check registers are treated as read-only here (writes #GP(0)): the manual describes them as
// status the processor latches, and no guest has a reason to write them.
struct Wrmsr {
    static void run(CpuCore& c, const Insn&) {
        c.require_cpl0();
        std::uint64_t value = (std::uint64_t{c.gpr[EDX]} << 32) | c.gpr[EAX];
        if (c.intercepts.msr_write &&
            ask_intercept(c.intercepts.msr_write, MsrWriteEvent{c.gpr[ECX], value}).kind != Intercept::Kind::Run)
            return;  // Skip (or a Result, which WRMSR has none of): the MSR keeps its value
        switch (static_cast<P5Msr>(c.gpr[ECX])) {
        case P5Msr::TimeStampCounter:
            // QUIRK(P6): only the low 32 bits are written, the high 32 are cleared (SDM vol. 3
            // "Time-Stamp Counter": P6 family processors).
            if (c.traits.has_p6) value &= 0xFFFFFFFFu;
            c.tsc_offset = value - c.current_cycles();
            break;
        case P5Msr::BiosSignId:
            if (!c.traits.has_p6) raise_fault(Vector::GP, 0);
            break;  // the signature stays that of "no update loaded" (see P5Msr::BiosSignId)
        default: raise_fault(Vector::GP, 0);
        }
    }
};

// CMPXCHG8B m64 (SDM vol. 2 CMPXCHG8B/CMPXCHG16B): compares EDX:EAX with the quadword; equal:
// m64 = ECX:EBX and ZF = 1; different: EDX:EAX = m64 and ZF = 0. The other flags are unchanged.
// Like CMPXCHG, the destination is always written (with its own value when the comparison
// fails), so a read-only destination faults either way. The register form is #UD (the row's
// "Mq" makes the decoder raise it). All checks (segment limit for 8 bytes, both pages' write
// rights) are made before anything is read or written, so a fault leaves no trace.
struct Cmpxchg8b {
    static void run(CpuCore& c, const Insn& i) {
        const u32 offset = c.effective_address(i);
        // The segment windows cover accesses of up to 4 bytes: check the quadword as two halves.
        c.check_access(i.seg, offset, 4, true);
        c.check_access(i.seg, offset + 4, 4, true);
        c.probe_write_linear(c.seg[i.seg].base + offset, 8);
        const u32 low = c.read_mem<u32>(i.seg, offset);
        const u32 high = c.read_mem<u32>(i.seg, offset + 4);
        const bool equal = low == c.gpr[EAX] && high == c.gpr[EDX];
        if (equal) {
            c.write_mem<u32>(i.seg, offset, c.gpr[EBX]);
            c.write_mem<u32>(i.seg, offset + 4, c.gpr[ECX]);
        } else {
            c.write_mem<u32>(i.seg, offset, low);
            c.write_mem<u32>(i.seg, offset + 4, high);
            c.gpr[EAX] = low;
            c.gpr[EDX] = high;
        }
        c.set_flags((c.get_flags() & ~eflags::ZF) | (equal ? eflags::ZF : 0u));
    }
};

}  // namespace x86emu::exec
