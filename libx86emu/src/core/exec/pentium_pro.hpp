// x86emu — the Pentium Pro's (P6) additions to the integer instruction set: CMOVcc, RDPMC and the
// long NOP (UD2 has no handler: its slot has no row, so it raises #UD on every model). Intel SDM
// vol. 2 under each mnemonic; Pentium Pro Family Developer's Manual vol. 2 (instruction set) and
// vol. 3 (performance-monitoring counters, CR4). The x87 additions of the P6 (FCMOVcc, FCOMI,
// FCOMIP, FUCOMI, FUCOMIP) are not here: there is no x87 yet.
#pragma once
#include "core/exec/common.hpp"

namespace x86emu::exec {


// CMOVcc r16/32, r/m16/32 (SDM vol. 2 CMOVcc): the source is read whatever the condition, so a
// memory operand faults (#GP/#SS/#PF) even when nothing is moved. When the condition is false
// the destination is unchanged: the zero-extension of a false 32-bit CMOV applies to 64-bit mode
// only, which no model here has.
template <unsigned CC> struct Cmov {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        const T value = c.read_E<T>(i);
        if (condition(c, CC)) c.set_reg<T>(i.reg, value);
    }
};

// NOP r/m16/32 (0F 1F /0, SDM vol. 2 NOP): the ModRM, SIB and displacement only make it longer;
// no memory is accessed, so it never faults.
struct NopEv {
    template <class T> static void run(CpuCore&, const Insn&) {}
};

// RDPMC (SDM vol. 2 RDPMC; Pentium Pro Developer's Manual vol. 3, performance-monitoring
// counters): EDX:EAX = counter ECX. The P6 has two counters, 0 and 1; any other ECX is #GP(0).
// With CR4.PCE clear only CPL 0 may read them (#GP(0) otherwise, virtual-8086 mode included).
// The counters are not modelled (no events are counted and PerfEvtSel0/1 are not MSRs here):
// they read as zero.
struct Rdpmc {
    static void run(CpuCore& c, const Insn&) {
        if (!(c.cr4 & cr4::PCE) && c.protected_mode() && c.cpl != 0) raise_fault(Vector::GP, 0);
        if (c.gpr[ECX] > 1) raise_fault(Vector::GP, 0);
        c.gpr[EAX] = 0;
        c.gpr[EDX] = 0;
    }
};

}  // namespace x86emu::exec
