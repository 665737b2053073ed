// x86emu — debugger-style hooks: watch what the guest executes, reads and writes, see interrupts
// and exceptions before they are delivered, and stop the run where the embedder wants.
//
// The vocabulary is that of unicorn (code hooks, memory hooks, interrupt hooks, invalid-opcode
// hooks, one handle per hook), but each hook kind has its own typed event and its own answer.
// These hooks observe; the trap-and-emulate intercepts of x86emu/hooks.hpp (CPUID, IN/OUT, ...)
// stay the way to replace what an instruction does.
//
// Registration is on Cpu (add_code_hook, add_memory_hook, add_interrupt_hook,
// add_invalid_opcode_hook, add_breakpoint, add_watchpoint; remove_hook). Any number of each kind
// may be set; hooks of one kind are called in the order they were added. A hook may read
// registers (Cpu::reg, Cpu::state) and guest memory (Cpu::read_virtual), write general registers,
// and call Cpu::request_stop() or Cpu::stop(code). It must not add or remove hooks, nor call
// run(), step(), set_state(), write_virtual() or set_reg() of anything but EAX..EDI and their
// views: those throw std::logic_error from inside a hook. An exception a hook throws propagates
// out of run()/step() and may leave the instruction half done: set_state() before running on.
//
// Cost: with no hook of a kind set, that kind costs nothing per instruction or per access (see
// docs/ARCHITECTURE.md, "Debugger hooks"). Memory hooks put only the pages they overlap on the
// slow path; code hooks, breakpoints and fetch hooks make every instruction boundary take one
// out-of-line check.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

namespace x86emu {

// A range of linear addresses, both ends included (so one range can cover all 4 GiB).
// first > last is rejected with std::invalid_argument where a range is passed in.
struct AddressRange {
    std::uint32_t first = 0;
    std::uint32_t last = 0xFFFFFFFFu;

    static constexpr AddressRange all() { return {}; }
    static constexpr AddressRange at(std::uint32_t address) { return {address, address}; }
    constexpr bool contains(std::uint32_t address) const { return first <= address && address <= last; }
    // Does [start, start + size - 1] (size >= 1, not wrapping past 4 GiB) meet the range?
    constexpr bool overlaps(std::uint32_t start, std::uint32_t size) const {
        return start <= last && first <= start + (size - 1);
    }
    friend constexpr bool operator==(const AddressRange&, const AddressRange&) = default;
};

// Names one added hook, breakpoint or watchpoint. Ids are never reused within a Cpu, so a
// handle of a removed hook stays stale forever; the default handle (id 0) names nothing.
struct HookHandle {
    std::uint64_t id = 0;
    constexpr bool valid() const { return id != 0; }
    friend constexpr bool operator==(const HookHandle&, const HookHandle&) = default;
};

// The answer of a code or memory hook.
enum class HookAction : std::uint8_t {
    Continue,
    Stop,  // end the run: see the hook kinds for where exactly it stops
};

// ---- code hooks --------------------------------------------------------------------------
// Called before each instruction whose first byte's linear address (CS base + EIP) lies in the
// hook's range, after the instruction is fetched and decoded (so `length` is known) and before
// it executes (after breakpoints and the stop address, and after a DR7 instruction breakpoint,
// which faults first). A REP string instruction is reported once, before its first iteration,
// not again when a paused REP resumes. An instruction fetch that faults (#PF, #GP at the CS
// limit) is not reported. Stop: run() returns with StopReason::Breakpoint before the instruction
// executes (EIP on it, interrupt shadow and paused REP kept; the other code hooks are still
// called for it).
// Resume rule, for every stop before an instruction (Breakpoint, StopAtAddress, a code hook's
// Stop): if the next run() or step() starts at the same linear address, it executes that
// instruction without stopping there again: breakpoints and the stop address are not checked
// for it, and after a code hook's Stop the code hooks are not called for it again (they were).
// Starting elsewhere (the embedder moved EIP) forgets the point; so does adding a code hook or
// breakpoint. InstructionLimit stops are not resume points (nothing reported the instruction).
struct CodeEvent {
    std::uint32_t linear = 0;  // CS base + EIP
    std::uint32_t eip = 0;
    unsigned length = 0;       // of the decoded instruction, prefixes included
};

// ---- memory hooks ------------------------------------------------------------------------
enum class MemoryAccessKind : std::uint8_t { Read, Write, Fetch };
// Which kinds a memory hook wants; combine with |, e.g. MemoryAccessKinds::read | write.
struct MemoryAccessKinds {
    bool read = false, write = false, fetch = false;
    static constexpr MemoryAccessKinds reads() { return {true, false, false}; }
    static constexpr MemoryAccessKinds writes() { return {false, true, false}; }
    static constexpr MemoryAccessKinds fetches() { return {false, false, true}; }
    static constexpr MemoryAccessKinds data() { return {true, true, false}; }
    static constexpr MemoryAccessKinds any() { return {true, true, true}; }
    constexpr bool includes(MemoryAccessKind kind) const {
        return kind == MemoryAccessKind::Read ? read : kind == MemoryAccessKind::Write ? write : fetch;
    }
    friend constexpr MemoryAccessKinds operator|(MemoryAccessKinds a, MemoryAccessKinds b) {
        return {a.read || b.read, a.write || b.write, a.fetch || b.fetch};
    }
};
// Read and Write: every linear data access of the CPU whose bytes meet the range, as the
// instruction makes it (an operand, a stack push, a string element, and the CPU's own accesses to
// descriptor tables, the TSS and interrupt frames), reported after the access succeeded: an
// access that faults (#PF, #AC) is not reported. `value` is the value read or written (the low
// `size` bytes); `physical` that of the first byte. An access straddling two pages is one event.
// Fetch: once per executed instruction whose bytes meet the range, before it executes (after the
// code hooks), as one event over the whole instruction (`size` = its length, `value` 0); not
// again for the later iterations of a REP. Physical addresses are those of the CPU's address
// bus; x87 operands of 8 or 10 bytes arrive in the parts the instruction accesses them in.
// Stop (a watchpoint): the run ends with StopReason::Watchpoint at the next instruction boundary,
// i.e. after the accessing instruction completed (or, if it faulted afterwards, after that
// exception's delivery; a REP stops after the current iteration, RepInProgress). For a fetch the
// instruction still executes; the stop comes after it.
struct MemoryEvent {
    MemoryAccessKind kind = MemoryAccessKind::Read;
    std::uint32_t linear = 0;
    std::uint32_t physical = 0;
    unsigned size = 0;
    std::uint64_t value = 0;
};

// ---- interrupt hooks ---------------------------------------------------------------------
enum class InterruptKind : std::uint8_t {
    Exception,  // detected by the CPU (faults, traps such as #DB and ICEBP, aborts such as #DF)
    Software,   // INT n, INT3, INTO
    External,   // INTR, after the InterruptController supplied the vector
    Nmi,
};
// Called before each delivery attempt (a fault while delivering is another event, as is the
// double fault it may turn into), before the IVT/IDT is read.
struct InterruptEvent {
    std::uint8_t vector = 0;
    InterruptKind kind = InterruptKind::Exception;
    bool has_error_code = false;
    std::uint32_t error_code = 0;
    // Where the handler's IRET would return: the faulting instruction for faults, the next
    // instruction for traps and INT n, the interrupted instruction for INTR and NMI.
    std::uint32_t return_eip = 0;
};
// Deliver: go on (the next hook is asked; delivery happens when none suppresses).
// Suppress: nothing is delivered and execution continues at return_eip, as if a handler had
//           returned at once without touching anything: after INT n / INT3 / INTO / a trap, the
//           next instruction; after a fault, the faulting instruction again (it faults again
//           unless the hook changed what made it fault, e.g. mapped the page). A suppressed INTR
//           was already acknowledged at the controller and is dropped; a suppressed NMI is dropped
//           and does not block later NMIs. Later hooks are not asked.
// Stop:     run() returns with StopReason::Exception at the next instruction boundary:
//           RunResult::stop names the vector, error code and hook. The event itself is treated
//           as Deliver (later hooks are asked and may still suppress it): delivered, the run
//           stops before the handler's first instruction; suppressed, at return_eip.
enum class InterruptAction : std::uint8_t { Deliver, Suppress, Stop };

// ---- invalid-opcode hooks ----------------------------------------------------------------
// Called for every #UD an instruction raises (undefined encodings, LOCK where it is not allowed,
// a register operand where memory is required, an instruction the model lacks, an intercept's
// Intercept::fault(6)), before the interrupt hooks see the #UD.
struct InvalidOpcodeEvent {
    std::uint32_t linear = 0;  // CS base + EIP of the instruction
    std::uint32_t eip = 0;
    // Up to 15 bytes from `linear` on, read without side effects (fewer where a page is not
    // mapped or the CS limit ends).
    std::vector<std::uint8_t> bytes;
};
// Deliver: the #UD goes on to the interrupt hooks and delivery.
// Skip:    no #UD; execution continues `length` bytes on (EIP + length, wrapped to the operand
//          size of CS), as if the instruction had been a no-op of that length.
// Stop:    no #UD; run() returns with StopReason::Exception (vector 6 in RunResult::stop) with
//          EIP on the instruction, which has changed nothing; the next run() executes it again
//          (and asks the hooks again).
struct InvalidOpcodeAction {
    enum class Kind : std::uint8_t { Deliver, Skip, Stop };
    Kind kind = Kind::Deliver;
    unsigned length = 0;  // Skip: 1..15

    static constexpr InvalidOpcodeAction deliver() { return {}; }
    static constexpr InvalidOpcodeAction skip(unsigned length) { return {Kind::Skip, length}; }
    static constexpr InvalidOpcodeAction stop() { return {Kind::Stop, 0}; }
};

// ---- run limits --------------------------------------------------------------------------
// Cpu::run(RunLimits): the cycle budget of run(uint64_t) plus optional limits for this run only.
struct RunLimits {
    std::uint64_t cycles = ~std::uint64_t{0};
    // Return with StopReason::InstructionLimit once this run has retired exactly this many
    // instructions (counted as RunResult::instructions: a REP once, interrupt deliveries not at
    // all), at the boundary before the next one. 0 returns at the first boundary without
    // executing an instruction (an interrupt pending there is still delivered first).
    std::optional<std::uint64_t> max_instructions{};
    // Return with StopReason::StopAtAddress before executing the instruction at this linear
    // address (CS base + EIP); the next run resumes from it as from a breakpoint.
    std::optional<std::uint32_t> stop_address{};
};

// ---- why a run stopped, in detail --------------------------------------------------------
// Filled for the first of Breakpoint, Watchpoint, Exception, StopAtAddress, EmbedderStop that
// ended the run (the others leave it default).
struct StopDetail {
    HookHandle hook{};           // the hook, breakpoint or watchpoint that stopped (if one did)
    std::uint32_t linear = 0;    // Breakpoint / StopAtAddress: the instruction; Watchpoint: the access
    std::uint8_t vector = 0;     // Exception
    bool has_error_code = false;
    std::uint32_t error_code = 0;
    std::uint32_t embedder_code = 0;  // EmbedderStop: the code given to Cpu::stop()
};

// ---- per-register access -----------------------------------------------------------------
// Cpu::reg / Cpu::set_reg. The 16- and 8-bit names are views of the 32-bit registers.
enum class Register : std::uint8_t {
    EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI,
    AX, CX, DX, BX, SP, BP, SI, DI,
    AL, CL, DL, BL, AH, CH, DH, BH,
    EIP, EFLAGS,
    ES, CS, SS, DS, FS, GS,  // the selectors
    CR0, CR2, CR3, CR4,
    DR0, DR1, DR2, DR3, DR4, DR5, DR6, DR7,
};

// Cpu::translate: the access a linear address is translated for.
enum class Access : std::uint8_t { Read, Write, Fetch };

}  // namespace x86emu
