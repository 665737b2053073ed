// x86emu — the public CPU: create one over a Bus, give it a cycle budget, read why it stopped.
// Execution model: Intel SDM vol. 3 §6 (interrupts and exceptions), vol. 1 §6-§7.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "x86emu/bus.hpp"
#include "x86emu/cpuid.hpp"
#include "x86emu/hooks.hpp"
#include "x86emu/model.hpp"
#include "x86emu/snapshot.hpp"
#include "x86emu/state.hpp"

namespace x86emu {

class CpuCore;  // the implementation, private to the library
struct CpuInternals;  // the library's own access to the implementation (machine snapshots)

// Why run() or step() returned. Several may be set at once.
enum class StopReason : std::uint32_t {
    None = 0,
    BudgetExhausted = 1u << 0,  // the cycle budget was used up
    Halted = 1u << 1,           // HLT executed with nothing pending that could wake the CPU
    Shutdown = 1u << 2,         // triple fault / shutdown cycle: the CPU cannot continue
    StopRequested = 1u << 3,    // request_stop() was called (from a hook or another callback)
    Stepped = 1u << 4,          // step() finished its one instruction, iteration or delivery
    // EIP is on a REP string instruction stopped between iterations (by the budget, step(), a
    // pending event): the next run() or step() continues it. Set together with the reason
    // that stopped it.
    RepInProgress = 1u << 5,
    // INTR is asserted and would be taken here (IF = 1, no interrupt shadow) but no
    // InterruptController was set to supply the vector: run() and step() return at this
    // instruction boundary without executing anything, every time, until a controller is set,
    // INTR is deasserted or IF is cleared (by set_state). A halted CPU stays halted (Halted is
    // set as well).
    NoInterruptController = 1u << 6,
};
constexpr StopReason operator|(StopReason a, StopReason b) {
    return static_cast<StopReason>(static_cast<std::uint32_t>(a) | static_cast<std::uint32_t>(b));
}
constexpr bool any(StopReason set, StopReason bits) {
    return (static_cast<std::uint32_t>(set) & static_cast<std::uint32_t>(bits)) != 0;
}

struct RunResult {
    StopReason reasons = StopReason::None;
    std::uint64_t cycles = 0;        // cycles consumed by this call
    std::uint64_t instructions = 0;  // instructions retired by this call
};

// Construction-time choices beyond the model.
struct CpuOptions {
    // The x87 FPU. Unset means the model's usual configuration: on chip for the 486, P5 and P6,
    // absent for the 8086, 286 and 386. `true` on the 286 or 386 adds a 287 or 387 coprocessor
    // (the 387 instruction set in both cases, minus the 387's additions on the 286);
    // `false` on the 486 gives a 486SX-style CPU. The 8086 has no FPU option (no 8087 model):
    // asking for one throws std::invalid_argument.
    std::optional<bool> fpu;
    // The model's clock in kHz: how emulated cycles map to guest-visible time (emulated_time,
    // and through it the platform's timers). The TSC still counts one tick per emulated clock,
    // so every run stays reproducible; only the time those clocks stand for changes. Unset
    // means the model's typical part: 8086 4.77 MHz, 286 12 MHz, 386 33 MHz, 486 66 MHz
    // (a DX2-66), P5 100 MHz, P6 200 MHz. Accepted: 1 kHz to 10 GHz (std::invalid_argument
    // otherwise).
    std::optional<std::uint32_t> clock_khz;
};

// The default clock of a model (see CpuOptions::clock_khz).
std::uint32_t default_clock_khz(CpuModel model);

class Cpu {
public:
    Cpu(CpuModel model, Bus& bus, const CpuOptions& options = {});
    ~Cpu();
    Cpu(const Cpu&) = delete;
    Cpu& operator=(const Cpu&) = delete;

    CpuModel model() const;

    // Power-on reset: CS:IP = F000:FFF0 (FFFF:0000 on the 8086), flags cleared.
    void reset();

    // Runs until at least `cycle_budget` cycles have been consumed or another stop reason occurs.
    // An instruction is never split, except a REP string instruction, which stops between
    // iterations (RepInProgress); the last instruction or iteration may overshoot the budget.
    // Every run with a non-zero budget makes progress (at least one instruction, iteration or
    // delivery) unless it returns Halted, Shutdown, StopRequested or NoInterruptController.
    RunResult run(std::uint64_t cycle_budget);
    // Executes one instruction, one iteration of a REP string instruction (as the single-step
    // trap does, SDM vol. 3 §17.3.1.4: EIP stays on it, RepInProgress, until the count or the
    // REPE/REPNE condition ends it), or one interrupt delivery. Splitting a run into steps
    // changes neither the final state nor the cycle total.
    RunResult step();

    // state() is a complete snapshot of the CPU between instructions (the x87 registers aside:
    // fpu_state()); set_state() of it on a fresh Cpu of the same model, over a Bus with the same
    // memory, continues exactly as this one would. set_state() takes the run state (halted,
    // interrupt shadow, NMI latch and blocking, a paused REP, CPL, TSC) from the CpuState and
    // clears a pending shutdown; the registers are taken as given (an embedder may load FLAGS
    // bits this model cannot hold). It throws std::invalid_argument, changing nothing, for a
    // CPL or TSC the CpuState cannot hold on this model (see CpuState).
    CpuState state() const;
    void set_state(const CpuState& state);

    std::uint64_t cycles() const;        // total since creation
    // The clock rate, and the guest-visible time the cycles since creation stand for at it
    // (cycles * 10^6 / clock_khz nanoseconds, rounded down).
    std::uint32_t clock_khz() const;
    std::uint64_t emulated_nanoseconds() const;
    // Total since creation. A REP string instruction counts once, however many iterations, when
    // its last iteration completes (RunResult::instructions likewise).
    std::uint64_t instructions() const;
    bool halted() const;

    // Interrupt lines. INTR is taken through the controller, which supplies the vector
    // (InterruptController::acknowledge); with INTR asserted and no controller, run() and step()
    // stop with NoInterruptController where the interrupt would be taken.
    void set_interrupt_controller(InterruptController* controller);
    void set_intr(bool asserted);
    void raise_nmi();

    // Makes run() return with StopRequested at the next instruction boundary: called from a Bus
    // callback (an I/O port write, say), the current instruction completes first. Called during
    // step(), that step reports StopRequested with Stepped and the request is consumed.
    void request_stop();

    // What CPUID answers (x86emu/cpuid.hpp). A model with CPUID (the P5) starts with its built-in
    // data; set_cpuid() presents another CPU to the guest, e.g. from load_cpuid_json(). Throws
    // std::invalid_argument on a model without CPUID or for a table whose leaf 0 does not give
    // its own maximum leaf. Reset keeps the table.
    void set_cpuid(const CpuidTable& table);
    const CpuidTable& cpuid() const;

    // Trap-and-emulate hooks for CPUID, RDTSC, RDMSR/WRMSR, IN/OUT (and INS/OUTS), HLT and MOV
    // to CRn (x86emu/hooks.hpp). Replaces every handler at once; pass {} to remove them all.
    // A hook runs after the instruction's privilege checks, so it only sees what the guest is
    // allowed to attempt. Reset keeps the handlers. Not to be called from inside a hook.
    void set_intercepts(InterceptHandlers handlers);

    // ---- the x87 FPU ----
    bool has_fpu() const;
    // Save/restore of the FPU registers (throws std::logic_error on a CPU without an FPU).
    FpuState fpu_state() const;
    void set_fpu_state(const FpuState& state);
    // FERR# output: asserted while an unmasked x87 exception is pending and CR0.NE is clear
    // (SDM vol. 1 §8.7). A PC routes it to IRQ13 through the interrupt controller; the handler
    // is called on every change. IGNNE# input: while asserted, a waiting FPU instruction that
    // finds an exception pending (with CR0.NE clear) proceeds instead of freezing until an
    // interrupt arrives (a PC asserts it after software writes port F0h).
    void set_ferr_handler(std::function<void(bool asserted)> handler);
    void set_ignne(bool asserted);

    // ---- snapshots (x86emu/snapshot.hpp, docs/SNAPSHOTS.md) ----
    // The complete CPU between instructions: every register with its hidden parts, the run
    // state (halt, interrupt shadow, NMI latch and blocking, a paused REP, CPL, shutdown), the
    // INTR, IGNNE# and FERR# levels, the x87, cycles, instructions and the TSC offset, plus
    // the CPUID table and what the snapshot must be restored into (model, FPU, clock). Not the
    // memory behind the Bus (a Machine snapshot has RAM), the hooks, the handlers or the
    // interrupt controller, which are the embedder's wiring, nor a pending request_stop().
    // Taken between instructions: call it when run() or step() has returned, not from a hook or
    // Bus callback (where an instruction is half done).
    std::vector<std::uint8_t> save_snapshot() const;
    // Makes this Cpu the one the snapshot was taken of, so that it continues exactly (same
    // final state, same cycle count), given the same memory: an embedder restores its own
    // Bus's memory first. Decoded instructions and translations are dropped and rebuilt. The
    // FERR# handler is not called for the restored level. Throws SnapshotError, changing
    // nothing, for bytes that are not a complete, valid "cpu" snapshot of this model with this
    // FPU and clock. Not to be called from inside run() (a hook or Bus callback).
    void restore_snapshot(std::span<const std::uint8_t> bytes);

    // Memory changed behind the CPU's back (DMA, the embedder): forget decoded instructions there.
    void invalidate_code(std::uint32_t paddr, std::uint32_t length);
    // The Bus changed its memory map: forget every host pointer obtained from host_page().
    void flush_host_pointers();

private:
    friend struct CpuInternals;
    std::unique_ptr<CpuCore> core_;
    std::uint32_t clock_khz_;
};

}  // namespace x86emu
