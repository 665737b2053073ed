// x86emu — architectural register state, as an embedder reads and writes it.
// Register layout and EFLAGS bit positions: Intel SDM vol. 1 §3.4 (basic execution registers),
// segment descriptor caches: Intel SDM vol. 3 §3.4.3 (hidden part of segment registers).
#pragma once
#include <array>
#include <cstdint>
#include <optional>

namespace x86emu {

enum Gpr : std::uint8_t { EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI };
enum SegmentRegister : std::uint8_t { ES, CS, SS, DS, FS, GS };

namespace eflags {
inline constexpr std::uint32_t CF = 1u << 0, PF = 1u << 2, AF = 1u << 4, ZF = 1u << 6, SF = 1u << 7,
                               TF = 1u << 8, IF = 1u << 9, DF = 1u << 10, OF = 1u << 11,
                               IOPL = 3u << 12, NT = 1u << 14, RF = 1u << 16, VM = 1u << 17,
                               AC = 1u << 18;
}

// The visible selector plus the hidden descriptor cache the CPU loads with it.
struct SegmentState {
    std::uint16_t selector = 0;
    std::uint32_t base = 0;
    std::uint32_t limit = 0xFFFF;
    std::uint16_t attributes = 0x93;  // access byte (bits 0-7), D/B (bit 14), G (bit 15)
    friend bool operator==(const SegmentState&, const SegmentState&) = default;
};

struct TableRegister {
    std::uint32_t base = 0;
    std::uint16_t limit = 0x3FF;
    friend bool operator==(const TableRegister&, const TableRegister&) = default;
};

struct CpuState {
    std::array<std::uint32_t, 8> gpr{};  // indexed by Gpr
    std::uint32_t eip = 0;
    std::uint32_t eflags = 0x2;
    std::array<SegmentState, 6> seg{};   // indexed by SegmentRegister
    std::uint32_t cr0 = 0, cr2 = 0, cr3 = 0, cr4 = 0;
    TableRegister gdtr{}, idtr{};
    SegmentState ldtr{}, tr{};
    std::array<std::uint32_t, 8> dr{};
    // The test registers by number (MOV TRn): TR6-TR7 on the 386, TR3-TR7 on the 486; the
    // other slots stay 0.
    std::array<std::uint32_t, 8> test_registers{};

    // ---- what a running CPU carries between instructions besides its registers ----------
    // state() fills all of it, so that set_state() on a fresh Cpu continues exactly where the
    // snapshot was taken (same final state, same cycle total). The defaults describe a CPU at
    // an ordinary instruction boundary, so a state built from scratch needs none of them.
    //
    // The current privilege level. Normally CS.RPL in protected mode, but not between a
    // MOV CR0 that sets PE and the far jump that reloads CS (the CPL is still 0 there, whatever
    // CS holds), nor while a transfer is half done. Unset: set_state() derives it from the mode,
    // CS.RPL in protected mode. Real mode fixes it at 0 and virtual-8086 mode at 3, whatever is
    // given here; a value above 3 is rejected (std::invalid_argument). An embedder that edits a
    // snapshot into another protected-mode context should set or reset this field with CS.
    std::optional<std::uint8_t> cpl;
    bool halted = false;            // stopped by HLT (or an x87 error freeze) until an event
    // The instruction after MOV SS/POP SS, or after an STI that set IF, runs before any
    // interrupt is recognised (SDM vol. 3 §6.8.3): true at the boundary inside that shadow.
    bool interrupt_shadow = false;
    bool nmi_pending = false;       // an NMI raised (Cpu::raise_nmi) and not yet delivered
    bool nmi_blocked = false;       // inside an NMI handler: further NMIs wait for the next IRET
    // EIP is on a REP string instruction stopped between iterations whose fixed cost is paid
    // (Cpu::run(), StopReason::RepInProgress); false restarts it, charging that cost again.
    bool rep_in_progress = false;
    // The time-stamp counter (RDTSC, MSR 10h) on models that have one (P5, P6); unset on the
    // others. Unset in set_state() leaves the counter running as it is; set on a model without
    // one is rejected (std::invalid_argument).
    std::optional<std::uint64_t> tsc;
    // Not here, because they are inputs or requests rather than CPU state: the INTR line
    // (Cpu::set_intr), IGNNE#, request_stop(), the interrupt controller, the hooks. The x87
    // registers travel separately (FpuState).

    friend bool operator==(const CpuState&, const CpuState&) = default;
};

// The x87 FPU's state (SDM vol. 1 §8.1), as an embedder saves and restores it. Registers are
// the physical R0-R7 (ST(i) is R[(TOP + i) mod 8], TOP = status bits 13-11), each as the 64-bit
// significand with its explicit integer bit and the sign/exponent word. The tag word is the
// full two-bit form FSTENV stores; only "empty" (11b) versus "not empty" is taken from it on
// load, the other tags being derived from the register contents as the hardware does.
struct FpuRegister {
    std::uint64_t significand = 0;
    std::uint16_t sign_exponent = 0;
    friend bool operator==(const FpuRegister&, const FpuRegister&) = default;
};
struct FpuState {
    std::array<FpuRegister, 8> physical{};
    std::uint16_t control = 0x0040;
    std::uint16_t status = 0;
    std::uint16_t tag = 0x5555;
    std::uint32_t last_ip = 0;    // last non-control instruction: offset (linear in real mode)
    std::uint16_t last_cs = 0;
    std::uint16_t last_opcode = 0;  // 11 bits
    std::uint32_t last_dp = 0;    // its memory operand
    std::uint16_t last_ds = 0;
};

}  // namespace x86emu
