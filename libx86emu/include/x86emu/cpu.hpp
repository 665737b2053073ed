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
#include "x86emu/debug_hooks.hpp"
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
    BudgetExhausted = 1u << 0,  // the cycle budget was used up (or the cycle pull_deadline set)
    Halted = 1u << 1,           // HLT executed with nothing pending that could wake the CPU
    Shutdown = 1u << 2,         // triple fault / shutdown cycle: the CPU cannot continue
    StopRequested = 1u << 3,    // request_stop() was called (from a hook, a callback, another thread)
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
    // The debugger-style stops (x86emu/debug_hooks.hpp); RunResult::stop says which hook, address,
    // vector or code. Boundary stops (Breakpoint, StopAtAddress, InstructionLimit) leave EIP on
    // the instruction, not executed; the next run() or step() executes it without stopping for
    // it again.
    Breakpoint = 1u << 7,        // Cpu::add_breakpoint, or a code hook returned Stop
    Watchpoint = 1u << 8,        // a memory hook returned Stop / a watchpoint was hit
    Exception = 1u << 9,         // an interrupt hook (or stop_on_exception) / invalid-opcode hook stopped
    InstructionLimit = 1u << 10, // RunLimits::max_instructions reached
    StopAtAddress = 1u << 11,    // RunLimits::stop_address reached
    EmbedderStop = 1u << 12,     // Cpu::stop(code)
    // Machine::run only: the platform powered off (the PC's ACPI S5, e.g. Linux's poweroff -f);
    // every later run() returns it at once, without running, until Machine::reset().
    PoweredOff = 1u << 13,
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
    StopDetail stop{};               // which hook / address / vector / code ended it (debug_hooks.hpp)
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
    // delivery) unless it returns Halted, Shutdown, StopRequested, NoInterruptController or a
    // stop before an instruction (Breakpoint, StopAtAddress, InstructionLimit, debug_hooks.hpp).
    RunResult run(std::uint64_t cycle_budget);
    // run() with an instruction-count limit and/or a stop address for this run (RunLimits).
    RunResult run(const RunLimits& limits);
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
    // (cycles * 10^6 / clock_khz nanoseconds, rounded down: nanoseconds_from_cycles in
    // x86emu/emulated_time.hpp).
    std::uint32_t clock_khz() const;
    std::uint64_t emulated_nanoseconds() const;
    // Total since creation. A REP string instruction counts once, however many iterations, when
    // its last iteration completes (RunResult::instructions likewise).
    std::uint64_t instructions() const;
    bool halted() const;
    bool interrupts_enabled() const;  // EFLAGS.IF: whether a halted CPU can be woken by INTR

    // ---- emulated time (docs/ARCHITECTURE.md "Time"; the event queue: x86emu/scheduler.hpp) ----
    // Ends the current run() at the first instruction boundary (or REP iteration) at or after
    // `cycle`, if that is earlier than where its budget ends: for a device callback, called
    // during an instruction, that schedules an event sooner than the run would otherwise stop
    // (it returns BudgetExhausted there). A `cycle` already reached still lets the current
    // instruction or iteration complete. Between runs it has no effect (the next run's budget
    // decides). Only from the thread that runs the CPU.
    void pull_deadline(std::uint64_t cycle);
    // Lets emulated time pass while the CPU is halted (HLT, or the x87 error freeze): cycles(),
    // and with it the TSC, jumps forward to `cycle` without executing anything (a `cycle` not
    // after cycles() changes nothing); instructions() does not change. The idle loop of an
    // embedder that knows when the next interrupt will come (Machine::run does this). Throws
    // std::logic_error, changing nothing, when the CPU is not halted.
    void idle_until(std::uint64_t cycle);

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
    // Like request_stop(), reported as StopReason::EmbedderStop with RunResult::stop.embedder_code
    // = `embedder_code` (the last code wins if called twice before the boundary).
    void stop(std::uint32_t embedder_code);

    // Threads: set_intr(), raise_nmi() and request_stop() (and Machine::request_stop) may be
    // called from any thread, also while run() or step() executes on another: the CPU sees them
    // at its next instruction boundary (a REP between iterations), and writes the calling thread
    // made before them are visible to the CPU's thread from there on (release/acquire; e.g. the
    // state an InterruptController's acknowledge() reads). acknowledge() itself runs on the
    // CPU's thread, so a controller shared between threads must synchronise its own state.
    // Every other member, of Cpu as of Machine and Scheduler, belongs to the thread that runs
    // the CPU (or, between runs, to whoever owns it).

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

    // ---- debugger-style hooks (x86emu/debug_hooks.hpp) ----
    // Each add_* returns a handle for remove_hook(); ranges are linear and inclusive (first > last
    // throws std::invalid_argument, as does an empty std::function). Reset and set_state keep the
    // hooks. Adding or removing a memory hook or watchpoint drops the TLB's host pointers.
    HookHandle add_code_hook(AddressRange linear_range, std::function<HookAction(const CodeEvent&)> hook);
    HookHandle add_memory_hook(MemoryAccessKinds kinds, AddressRange linear_range,
                               std::function<HookAction(const MemoryEvent&)> hook);
    HookHandle add_interrupt_hook(std::function<InterruptAction(const InterruptEvent&)> hook);
    HookHandle add_invalid_opcode_hook(std::function<InvalidOpcodeAction(const InvalidOpcodeEvent&)> hook);
    // Stop before the instruction at this linear address (StopReason::Breakpoint).
    HookHandle add_breakpoint(std::uint32_t linear);
    // Stop after an instruction that accessed the range in one of the kinds (StopReason::Watchpoint),
    // as a memory hook returning Stop does.
    HookHandle add_watchpoint(MemoryAccessKinds kinds, AddressRange linear_range);
    // Removes a hook, breakpoint or watchpoint. Returns false, changing nothing, for a handle that
    // names nothing (removed already, the default handle, another Cpu's).
    bool remove_hook(HookHandle handle);
    // With `on`, every exception (InterruptKind::Exception) stops the run after its delivery, as an
    // interrupt hook returning Stop does; hooks that suppress it come first.
    void set_stop_on_exception(bool on);

    // ---- registers and guest memory for debuggers ----
    // One register (debug_hooks.hpp: Register); 16- and 8-bit views zero-extended. set_reg writes
    // it raw, as set_state does (no model masking of the value): EFLAGS bit 1 reads as 1 and a VM
    // change switches the mode; CR0/CR3/CR4 take effect at once (mode, TLB flush); a DR7 change
    // re-arms the breakpoints; EIP moves the next instruction (a paused REP is abandoned).
    // A segment selector is set *raw*: in real mode the base follows (selector * 16) as a real-mode
    // load does, in protected and virtual-8086 mode only the visible selector changes and the
    // descriptor cache is kept (use set_state to load a whole cache). From inside a hook only the
    // general registers may be set (std::logic_error otherwise).
    std::uint32_t reg(Register r) const;
    void set_reg(Register r, std::uint32_t value);
    // Linear to physical for an access of this kind at privilege `cpl` (default: the current CPL),
    // through the guest's page tables as the CPU would walk them (rights and CR0.WP included), but
    // without side effects: no accessed/dirty bits, no #PF, no TLB entry. Unset when the access
    // would page-fault. With paging off: the linear address on the model's address bus. Throws
    // std::invalid_argument for a cpl above 3.
    std::optional<std::uint32_t> translate(std::uint32_t linear, Access access,
                                           std::optional<unsigned> cpl = std::nullopt) const;
    // Guest virtual memory, for debuggers: translated page by page like translate() at CPL 0, except
    // that page protection is ignored (any present page can be read and written). Returns false,
    // touching nothing, if any byte's page is not present; wraps at 4 GiB. The bytes go through
    // the Bus as physical accesses (a device register responds as to the CPU); writes forget the
    // decoded instructions they overwrite. Neither sets accessed/dirty bits nor faults the guest,
    // nor calls memory hooks. write_virtual throws std::logic_error from inside a hook.
    bool read_virtual(std::uint32_t linear, std::span<std::uint8_t> bytes) const;
    bool write_virtual(std::uint32_t linear, std::span<const std::uint8_t> bytes);

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

    // Memory changed behind the CPU's back (DMA, the embedder): forget decoded instructions there,
    // wherever else the same storage shows (Bus::backing_page). PhysicalMemoryMap::write_physical
    // calls it through the map's listener.
    void invalidate_code(std::uint32_t paddr, std::uint32_t length);
    // The Bus changed its memory map: forget every host pointer obtained from host_page(), every
    // backing_page() answer, and so every decoded instruction. A PhysicalMemoryMap calls it on
    // each change through its listener.
    void flush_host_pointers();

private:
    friend struct CpuInternals;
    std::unique_ptr<CpuCore> core_;
    std::uint32_t clock_khz_;
};

}  // namespace x86emu
