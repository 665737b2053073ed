// x86emu — CpuCoreState: everything a CPU holds between two instructions that is not derived from
// something else, as one plain, copyable aggregate. CpuCore inherits it publicly, so handlers
// keep writing `c.gpr[...]`, `c.cycles`, `c.x87`; a snapshot (core/cpu_snapshot.cpp) is this
// struct plus memory plus devices. What is *not* here, and why:
//   * configuration fixed or chosen by the embedder: the model (traits, timing), the Bus, the
//     FPU's presence, the CPUID table, the hooks, the FERR# handler, the interrupt controller;
//   * the rebuildable caches (core/cpu_core_caches.hpp), recomputed from this state by
//     CpuCore::rebuild_caches();
//   * run-control working variables that only live inside one run() or one instruction
//     (the budget, step mode, a stop request, rep_resume).
// Registers: Intel SDM vol. 1 §3.4, vol. 3 §2.1-§2.5 (system registers), §3.4.3 (segment
// descriptor caches), §17.2 (debug registers); the x87: vol. 1 §8.1.
#pragma once

#include <cstdint>

#include "core/fpu/x87_state.hpp"
#include "x86emu/state.hpp"

namespace x86emu {

// The operation whose arithmetic flags CpuCore::lazy records (how its carries are formed).
enum class LazyKind : std::uint8_t {
    Add,     // r = a + b (+ carry): ADD, ADC
    Sub,     // r = a - b (- borrow): SUB, SBB, CMP, NEG (a = 0)
    Logic,   // AND, OR, XOR, TEST: CF = OF = AF = 0
    Inc,     // like Add with b = 1, CF kept from before
    Dec,     // like Sub with b = 1, CF kept from before
};

namespace snapshot {
struct CpuStateCodec;  // core/cpu_snapshot.cpp: reads and writes the protected part
}

struct CpuCoreState {
    // ---- architectural registers ---------------------------------------------------------
    // gpr[8] is always zero: the decoder names it for an absent base/index register so that
    // effective addresses are computed without branches.
    std::uint32_t gpr[9] = {};
    std::uint32_t eip = 0;       // address of the instruction being executed
    std::uint32_t next_eip = 0;  // where execution continues; control transfers overwrite it
    SegmentState seg[6];
    std::uint32_t cr0 = 0, cr2 = 0, cr3 = 0, cr4 = 0;
    TableRegister gdtr{}, idtr{};
    SegmentState ldtr{}, tr{};
    std::uint32_t dr[8] = {};
    std::uint32_t test_registers[8] = {};  // TR6/TR7 on the 386, TR3-TR7 on the 486

    // ---- time ----------------------------------------------------------------------------
    std::uint64_t cycles = 0;
    std::uint64_t instructions = 0;
    // Pentium time-stamp counter: it ticks once per emulated clock, so it is `cycles` plus an
    // offset that reset and WRMSR 10h set (TSC = cycles + tsc_offset, modulo 2^64). Counting
    // emulated clocks rather than host time keeps every run reproducible; the configured clock
    // rate (CpuOptions::clock_khz) only says how much guest time those clocks stand for.
    std::uint64_t tsc_offset = 0;

    // ---- the x87 FPU (used only when CpuCore::has_fpu) and its two pins -----------------
    fpu::X87State x87;
    bool ignne = false;  // IGNNE# input
    bool ferr = false;   // FERR# output

    // ---- interrupt and run state at an instruction boundary -------------------------------
    bool halted = false;
    // The INTR line and the NMI latch live in CpuCore's atomic signal word (so that other
    // threads may set them); a snapshot reads them through intr_line() / nmi_pending().
    bool nmi_blocked = false;  // from NMI delivery until the next IRET (SDM vol. 3 §6.7.1)
    bool inhibit_interrupts = false;  // MOV SS / POP SS / STI shadow for the next instruction
    // A REP string instruction stopped between iterations (budget, step(), TF, a pending event):
    // EIP still points at it and its fixed cost is paid, so the next execution continues it
    // charging only iterations. Cleared when anything else runs first (an interrupt delivery,
    // another instruction).
    bool rep_in_progress = false;
    // Current privilege level: 0 in real mode, 3 in virtual-8086 mode, CS.RPL otherwise. Kept
    // explicitly because during a transfer CS is loaded before the rest of the new context.
    unsigned cpl = 0;
    std::uint32_t pending_debug_status = 0;  // DR6 bits of data/IO hits, reported after the instruction

protected:
    // Only CpuCore's flag and delivery logic touches these (and the snapshot codec, which stores
    // the flags materialised).
    // Lazy flag state: the arithmetic flags are eflags_ unless flags_lazy_ says they are in
    // lazy_result_ and lazy_carries_ (see CpuCore::cf()). Bit 31 of lazy_carries_ is CF and
    // lazy_result_ == 0 is ZF in both cases, so that reading CF or ZF never tests flags_lazy_:
    // every eager write of EFLAGS goes through store_flags(), which mirrors them there.
    std::uint32_t eflags_ = 0x2;
    bool flags_lazy_ = false;
    std::uint32_t lazy_result_ = 1, lazy_carries_ = 0;  // as store_flags(0x2) leaves them
    void store_flags(std::uint32_t value) {
        eflags_ = value;
        flags_lazy_ = false;
        lazy_carries_ = value << 31;                 // CF is bit 0
        lazy_result_ = (~value >> 6) & 1;            // ZF is bit 6: 0 when set, 1 when clear
    }
    bool shutdown_ = false;           // a fault while delivering #DF: the CPU cannot continue
    std::uint32_t delivery_ext_ = 0;  // EXT bit (1) while delivering an external event
    bool push_rf_ = false;            // the exception being delivered is a fault: saved RF = 1

    friend struct snapshot::CpuStateCodec;
};

}  // namespace x86emu
