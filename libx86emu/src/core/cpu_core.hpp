// x86emu — CpuCore: the interpreter's logic over its plain state (core/cpu_core_state.hpp) and its
// rebuildable caches (core/cpu_core_caches.hpp), and the primitives every instruction handler uses.
//
// Implements: register file and 8/16/32-bit register views (Intel SDM vol. 1 §3.4.1),
// real-address-mode segmentation with segment-limit checks (SDM vol. 3 §20.1; 80286 PRM §5-§6:
// a word at offset 0FFFFh raises #GP/#SS on the 286 and later, wraps on the 8086),
// lazily evaluated arithmetic flags (SDM vol. 1 §3.4.3, Appendix A),
// protected-mode segment access rights and limits (SDM vol. 3 §5.3-§5.6: expand-down, read-only
// data, execute-only code, null selectors), paging through a software TLB (SDM vol. 3 §4.3, §4.10)
// whose entries carry host pointers so that a hit never leaves this header,
// and the host-pointer page cache that is the fast path of every memory access,
// alignment checking on the 486 (SDM vol. 3 §6.15, interrupt 17, #AC), kept off that fast path:
// while it can fire, user-level TLB entries carry no host pointer; and the Pentium's time-stamp
// counter and CPUID data (SDM vol. 2 RDTSC, CPUID).
//
// Faults travel by one mechanism: a handler calls raise_fault; inside run() it leaves by
// _longjmp to the run loop's jump point (FaultJump below), which delivers the exception at the
// instruction boundary; outside run() it throws CpuFault. Handlers commit architectural state
// only after every check that can fault has passed, so a faulting instruction leaves no trace;
// the few that must commit or undo something when an access faults register a FaultFixup.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <csetjmp>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <type_traits>
#include <vector>

#include "core/cpu_core_caches.hpp"
#include "core/cpu_core_state.hpp"
#include "core/decode/insn.hpp"
#include "core/fpu/x87_state.hpp"
#include "core/hook_registry.hpp"
#include "core/timing/timing.hpp"
#include "x86emu/bus.hpp"
#include "x86emu/cpu.hpp"
#include "x86emu/cpuid.hpp"
#include "x86emu/hooks.hpp"
#include "x86emu/model.hpp"
#include "x86emu/state.hpp"

static_assert(std::endian::native == std::endian::little,
              "register byte views assume a little-endian host");

namespace x86emu {

// Exception vectors (SDM vol. 3 table 6-1).
enum class Vector : std::uint8_t {
    DE = 0, DB = 1, NMI = 2, BP = 3, OF = 4, BR = 5, UD = 6, NM = 7, DF = 8,
    TS = 10, NP = 11, SS = 12, GP = 13, PF = 14, MF = 16, AC = 17,
};

// CR0 bits (SDM vol. 3 §2.5); which of them a model lets MOV CR0 change is in exec/system.hpp.
inline constexpr std::uint32_t kCr0PE = 1u << 0, kCr0MP = 1u << 1, kCr0EM = 1u << 2, kCr0TS = 1u << 3,
                               kCr0ET = 1u << 4, kCr0NE = 1u << 5, kCr0WP = 1u << 16, kCr0AM = 1u << 18,
                               kCr0NW = 1u << 29, kCr0CD = 1u << 30, kCr0PG = 1u << 31;

// CR4 bits (SDM vol. 3 §2.5); which of them a model lets software set is in exec/system.hpp.
namespace cr4 {
inline constexpr std::uint32_t VME = 1u << 0, PVI = 1u << 1, TSD = 1u << 2, DE = 1u << 3, PSE = 1u << 4,
                               MCE = 1u << 6, PGE = 1u << 7, PCE = 1u << 8;
}

struct CpuFault {
    Vector vector;
    bool has_error_code = false;
    std::uint32_t error_code = 0;
};

// The run loop's jump point (CpuCore::run_armed): a C++ throw costs 20,000-40,000 host
// instructions per fault here (the unwinder's two passes over every frame between the handler
// and the run loop, docs/BENCHMARKS.md "Fault benchmark"), a _longjmp about a hundred. A
// longjmp is only defined when no frame it leaves holds an object with a non-trivial
// destructor (C++ [csetjmp.syn]); the frames between the run loop and any raise_fault hold
// none (the audit in docs/ARCHITECTURE.md "Faults", redone by scripts/fault_path_audit.sh).
// Code that is not the core's, the embedder's Bus, hooks, intercepts, interrupt controller and
// FERR# handler, runs with the point disarmed (call_embedder): an exception there stays a C++
// exception, and a fault raised there (a Cpu call from a callback) throws.
struct FaultJump {
    std::jmp_buf buffer;
    // Where raise_fault stores what it raised: in the core, not in the frame that armed the
    // point, whose locals changed between _setjmp and _longjmp would be indeterminate after it.
    CpuFault* raised;
};
// The armed point of this thread's running core, or null (outside run(), or in embedder code).
extern constinit thread_local FaultJump* armed_fault_jump;

[[noreturn]] inline void raise_fault(const CpuFault& fault) {
    if (FaultJump* const jump = armed_fault_jump) {
        *jump->raised = fault;
        _longjmp(jump->buffer, 1);
    }
    throw fault;
}
[[noreturn]] inline void raise_fault(Vector v) { raise_fault(CpuFault{v}); }
[[noreturn]] inline void raise_fault(Vector v, std::uint32_t error_code) {
    raise_fault(CpuFault{v, true, error_code});
}

// Runs `call` (embedder code) with the jump point disarmed. Not a guard object, so that the
// handlers it is inlined into stay free of clean-ups (the audit's criterion): an exception out
// of `call` leaves the point disarmed, and nothing on the run path catches one but run()
// itself, where run_armed's exit restores the point it found.
template <class F> inline decltype(auto) call_embedder(F&& call) {
    FaultJump* const armed = armed_fault_jump;
    armed_fault_jump = nullptr;
    if constexpr (std::is_void_v<decltype(call())>) {
        call();
        armed_fault_jump = armed;
    } else {
        decltype(auto) result = call();
        armed_fault_jump = armed;
        return result;
    }
}

// What the landing of a fault must still do for the instruction that raised it: the 80286
// string instructions' partial commit (exec/string.hpp), PopE's SP restore (exec/stack.hpp),
// the boundary's reset before a fault of the instruction's fetch (debug_hooks.cpp). Set just
// before the access that may fault and cleared after it; the landing applies it first.
struct FaultFixup {
    void (*apply)(class CpuCore& c, const FaultFixup& fixup) = nullptr;
    const Insn* insn = nullptr;
    std::uint32_t value = 0;
};

template <class T> inline constexpr std::uint32_t msb_of = std::uint32_t{1} << (8 * sizeof(T) - 1);
template <class T> inline constexpr std::uint32_t mask_of = static_cast<std::uint32_t>(T(~T{0}));

// Properties of a model the handlers branch on. Kept as plain data so a handler's QUIRK is one
// readable test (`if (c.traits.is8086)`) rather than a virtual call.
struct ModelTraits {
    CpuModel model;
    bool is8086;             // QUIRK(8086): no #UD, no segment-limit faults, FLAGS[15:12] = 1
    bool has186;             // 80186 instruction additions (PUSHA, ENTER, shifts by imm, ...)
    bool has286;             // 80286 additions (0F 00/01 system group, MSW)
    bool has386;             // 32-bit operands/addresses, FS/GS, 0F map of the 386
    bool has486;             // BSWAP/XADD/CMPXCHG/INVD/WBINVD/INVLPG, CR0.WP/AM/NE/NW/CD, EFLAGS.AC
    bool has_p5;             // Pentium: CPUID, RDTSC, RDMSR/WRMSR, CMPXCHG8B, CR4, EFLAGS.ID
    bool has_p6;             // Pentium Pro: CMOVcc, RDPMC, long NOP, CR4.PGE/PCE, 32-bit TSC writes
    std::uint32_t address_mask;  // physical address bus width
    unsigned max_insn_length;    // 0 = unlimited (8086)
    // EFLAGS bits POPF/IRET/task switches can load (in protected mode; the rest read as fixed
    // values). QUIRK(80486): AC (bit 18) is writable; on the 386 it stays 0, which is how
    // software tells the two apart (Intel's documented processor identification sequence).
    std::uint32_t eflags_loadable;
};

ModelTraits traits_for(CpuModel model);

// The logic. The state it runs on is the public base CpuCoreState (core/cpu_core_state.hpp), so
// handlers read and write `c.gpr[...]`, `c.cycles` directly; the caches that make it fast are the
// private base CpuCoreCaches (core/cpu_core_caches.hpp), rebuilt from the state by
// rebuild_caches(). The members below are configuration and per-run working variables.
class CpuCore : public CpuCoreState, private CpuCoreCaches {
public:
    CpuCore(CpuModel model, Bus& bus, bool fpu = false);
    // Not copyable or movable: caches point into the core itself (tlb_user_ into tlb_), so a
    // copy would read and fill the original's TLB.
    CpuCore(const CpuCore&) = delete;
    CpuCore& operator=(const CpuCore&) = delete;

    // ---- configuration -------------------------------------------------------------------
    const ModelTraits traits;
    const TimingTable& timing;
    // The embedder's Bus, every call made with the jump point disarmed (call_embedder).
    class EmbedderBus {
    public:
        explicit EmbedderBus(Bus& bus) : bus_(bus) {}
        std::uint8_t read8(std::uint32_t paddr) const { return call_embedder([&] { return bus_.read8(paddr); }); }
        std::uint64_t read(std::uint32_t paddr, unsigned size) const {
            return call_embedder([&] { return bus_.read(paddr, size); });
        }
        void write(std::uint32_t paddr, unsigned size, std::uint64_t value) const {
            call_embedder([&] { bus_.write(paddr, size, value); });
        }
        std::uint8_t* host_page(std::uint32_t page_paddr, bool for_write) const {
            return call_embedder([&] { return bus_.host_page(page_paddr, for_write); });
        }
        std::uint32_t backing_page(std::uint32_t page_paddr) const {
            return call_embedder([&] { return bus_.backing_page(page_paddr); });
        }
        std::uint32_t io_read(std::uint16_t port, unsigned size) const {
            return call_embedder([&] { return bus_.io_read(port, size); });
        }
        void io_write(std::uint16_t port, unsigned size, std::uint32_t value) const {
            call_embedder([&] { bus_.io_write(port, size, value); });
        }

    private:
        Bus& bus_;
    };
    EmbedderBus bus;
    InterruptController* interrupt_controller = nullptr;

    // TSC = cycles + tsc_offset (see CpuCoreState::tsc_offset).
    std::uint64_t time_stamp_counter() const { return current_cycles() + tsc_offset; }
    // What CPUID answers (models with CPUID: the built-in data for the model, or the embedder's
    // table from Cpu::set_cpuid).
    CpuidTable cpuid_table;
    // The embedder's trap-and-emulate hooks (Cpu::set_intercepts); the handlers of the
    // intercepted instructions ask them through core/exec/intercept.hpp.
    InterceptHandlers intercepts;

    // The x87 FPU (core/fpu, exec/x87_*.hpp): present or not is fixed at construction.
    const bool has_fpu;
    std::function<void(bool)> ferr_handler;      // told of every FERR# change
    void set_ferr(bool asserted) {
        if (asserted == ferr) return;
        ferr = asserted;
        if (ferr_handler) call_embedder([&] { ferr_handler(asserted); });
    }
    // ES and B summarise "some exception flag is set that the control word does not mask" (SDM
    // vol. 1 §8.1.3.3); recomputed whenever flags or masks change (arithmetic, FLDCW, FLDENV,
    // FRSTOR, FCLEX, set_fpu_state). FERR# follows ES while CR0.NE is clear.
    void update_fpu_error_summary();

    // Run control (not state: requests and per-instruction working variables).
    // rep_in_progress (CpuCoreState) as the executing instruction found it.
    bool rep_resume = false;
    // See FaultFixup; empty (apply null) between instructions.
    FaultFixup fault_fixup;

    // ---- signals and deadline (time and threads, docs/ARCHITECTURE.md "Time") ---------------
    // What can end or interrupt the instruction stream from outside it, in one atomic word: the
    // run loop tests it with one load per instruction (any_signal(), its only check for these)
    // and looks closer only when a bit is set; a set bit says "look", the slow path decides (IF,
    // the interrupt shadow, NMI blocking). Being atomic, it may be set by another thread while
    // run() executes: Cpu::request_stop, set_intr and raise_nmi are thread-safe through it (the
    // setter's release pairs with the acquire of read_signals() on the slow path). Everything
    // else in CpuCore belongs to the thread that runs it. Not plain state: a snapshot reads the
    // INTR and NMI bits through intr_line() / nmi_pending() (CpuState::nmi_pending).
    enum Signal : std::uint32_t {
        kSignalStop = 1u << 0,      // request_stop(): end run() at the next instruction boundary
        kSignalNmi = 1u << 1,       // the NMI latch: set by raise_nmi (an edge), cleared by delivery
        kSignalIntr = 1u << 2,      // the INTR line's level
        kSignalDeadline = 1u << 3,  // end_cycle_ was pulled in (pull_deadline): reload it
        // A hook or Cpu::stop() asked to stop (pending_stop_ says why); CPU thread only.
        kSignalHookStop = 1u << 4,
        // Something a running decoded block relies on may have changed (its code was written,
        // the memory map or a data breakpoint fired): end the block after this instruction and
        // take the full boundary. CPU thread only.
        kSignalBlockEnd = 1u << 5,
    };
    std::atomic<std::uint32_t> signals{0};
    // The cycle at which the fast path leaves its blocks (run_plain_instructions): the run's end
    // while no signal is raised, 0 from the moment one is, so that one comparison per
    // instruction tests both the budget and the signals. A raise on the CPU's own thread (a
    // device line moved by an access) is seen at the next instruction, as before; one from
    // another thread at the latest with the signal word, once per block.
    std::atomic<std::uint64_t> fast_stop_cycle_{0};
    // The decoded block whose chain (exec/chain.hpp) the fast path is running and the EIP it
    // entered it at, or null. The loop charges the block's clocks and counts its instructions
    // once for the whole block, not one by one: while this is set, `cycles` already holds the
    // clocks of its instructions after the one at EIP, and `instructions` lacks those before it.
    // The exact figures are current_cycles() and retired_instructions(); a fault or an embedder
    // exception out of the instruction running makes them the stored ones (settle_running_block),
    // as the loop does when the chain stops at a boundary (settle_running_block_at_boundary).
    // Inside the chain, EIP is stored only where something may read it (exec/chain.hpp):
    // running_record_eip() is what it is.
    const DecodedBlock* running_block_ = nullptr;
    std::uint32_t running_block_eip_ = 0;
    // The EIP of the running block's record `i` (Insn::block_offset): what EIP is while it runs.
    std::uint32_t running_record_eip(const Insn& i) const { return running_block_eip_ + i.block_offset; }
    // How far the running block's chain got: the record at EIP, the instructions before it and
    // their clocks.
    struct BlockProgress {
        const Insn* at;
        std::uint64_t done;
        std::uint32_t cycles_done;
    };
    BlockProgress running_block_progress() const {
        std::uint32_t ip = running_block_eip_;
        BlockProgress p{running_block_->first, 0, 0};
        for (; p.at != running_block_->last && ip != eip; ++p.at) {
            ip += p.at->length;
            ++p.done;
            p.cycles_done += p.at->cycles;
        }
        return p;
    }
    // The clocks charged in advance for the block's instructions that have not begun: those after
    // the one at EIP while it runs (it is charged as it starts, like any instruction), those from
    // it on at the boundary before it.
    std::uint32_t running_block_unrun_cycles(const BlockProgress& p, bool at_boundary) const {
        const std::uint32_t begun = p.cycles_done + (at_boundary ? 0u : p.at->cycles);
        return running_block_->cycles - begun;
    }
    std::uint64_t retired_instructions() const {
        return instructions + (running_block_ ? running_block_progress().done : 0);
    }
    // The clock as the instruction running sees it (Cpu::cycles, the TSC, a snapshot).
    std::uint64_t current_cycles() const {
        if (!running_block_) return cycles;
        return cycles - running_block_unrun_cycles(running_block_progress(), false);
    }
    void settle_running_block(bool at_boundary = false) {
        if (!running_block_) return;
        const BlockProgress p = running_block_progress();
        instructions += p.done;
        cycles -= running_block_unrun_cycles(p, at_boundary);
        running_block_ = nullptr;
    }
    void settle_running_block_at_boundary() { settle_running_block(true); }
    void raise_signal(std::uint32_t bits) {
        signals.fetch_or(bits, std::memory_order_release);
        fast_stop_cycle_.store(0, std::memory_order_relaxed);
    }
    void clear_signal(std::uint32_t bits) { signals.fetch_and(~bits, std::memory_order_release); }
    std::uint32_t read_signals() const { return signals.load(std::memory_order_acquire); }
    bool signal_set(std::uint32_t bit) const { return (read_signals() & bit) != 0; }
    // The hot paths' test "is any bit set?", which only decides whether to read_signals(). GCC
    // treats every atomic builtin, even a relaxed load, as a barrier to the memory around it,
    // and a REP string loop pays ~17 host instructions per iteration in reloads for it
    // (callgrind, bench/ workload: REP MOVSB 134 -> 151); on x86 an aligned 32-bit MOV is the
    // load itself, and this asm tells the compiler it reads `signals` and nothing else. Other
    // compilers and hosts take the relaxed load.
    std::uint32_t signal_word() const {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
        std::uint32_t word;
        asm volatile("movl %1, %0" : "=r"(word) : "m"(signals));
        return word;
#else
        return signals.load(std::memory_order_relaxed);
#endif
    }
    bool any_signal() const { return signal_word() != 0; }
    // Whether the fast path must leave its blocks for a signal: any bit but INTR, or INTR while
    // IF = 1. A masked INTR changes nothing at a boundary (it waits for IF), and only an
    // instruction that ends its block can set IF, after which this is tested again; so a guest
    // running with IF = 0 while a request is pending (an interrupt handler, a CLI section) stays
    // on the fast path.
    bool plain_path_signal() const {
        const std::uint32_t word = signal_word();
        return word != 0 && (word != kSignalIntr || interrupts_enabled());
    }
    // fast_stop_cycle_ read as any_signal reads `signals` (a plain load the compiler may not
    // move, without the barrier GCC makes of an atomic builtin).
    std::uint64_t fast_stop_cycle() const {
#if defined(__GNUC__) && defined(__x86_64__)
        std::uint64_t cycle;
        asm volatile("movq %1, %0" : "=r"(cycle) : "m"(fast_stop_cycle_));
        return cycle;
#else
        return fast_stop_cycle_.load(std::memory_order_relaxed);
#endif
    }
    // cycles >= fast_stop_cycle(): the fast path's one test per instruction, as one comparison
    // with the value in memory (the asm above would load it into a register first).
    bool reached_fast_stop() const {
#if defined(__GNUC__) && defined(__x86_64__)
        bool reached;
        asm volatile("cmpq %1, %2" : "=@ccae"(reached) : "m"(fast_stop_cycle_), "r"(cycles));
        return reached;
#else
        return cycles >= fast_stop_cycle();
#endif
    }
    bool intr_line() const { return signal_set(kSignalIntr); }
    bool nmi_pending() const { return signal_set(kSignalNmi); }
    void set_intr_line(bool asserted) { asserted ? raise_signal(kSignalIntr) : clear_signal(kSignalIntr); }
    void set_nmi_pending(bool latched) { latched ? raise_signal(kSignalNmi) : clear_signal(kSignalNmi); }
    // The running run()'s end moves to `cycle` if that is earlier (Cpu::pull_deadline, for an
    // event scheduled from inside an instruction): a REP sees it between iterations
    // (rep_should_pause reads end_cycle_), the loop at the next boundary (kSignalDeadline).
    // Only from the running thread (a callback of the current instruction) or between runs.
    void pull_deadline(std::uint64_t cycle) {
        if (cycle >= end_cycle_) return;
        end_cycle_ = cycle;
        raise_signal(kSignalDeadline);
    }
    // Emulated time passing while halted (Cpu::idle_until): the clock, and with it the TSC,
    // moves forward to `cycle`; nothing executes.
    void idle_until(std::uint64_t cycle) {
        if (cycle > cycles) cycles = cycle;
    }
    // ---- end of signals and deadline ------------------------------------------------------

    bool protected_mode() const { return cr0 & 1; }
    bool v86() const { return eflags_ & eflags::VM; }
    // Protected mode proper: descriptor-based segmentation and privilege checks apply.
    bool pm() const { return (cr0 & 1) && !(eflags_ & eflags::VM); }
    unsigned iopl() const { return (eflags_ >> 12) & 3; }
    bool paging() const { return cr0 & 0x80000000u; }

    // ---- flags ---------------------------------------------------------------------------
    std::uint32_t get_flags();
    void set_flags(std::uint32_t value);  // raw: caller applies model rules (see write_flags)
    // POPF/IRET/SAHF-style write honouring the model's fixed and writable bits.
    void write_flags(std::uint32_t value, std::uint32_t writable_mask);
    std::uint32_t flags_word_for_push();

    // Lazy arithmetic flags (SDM vol. 1 §3.4.3, Appendix A). While flags_lazy_ is set, OSZAPC
    // are not in eflags_ but in two words written by the last instruction that set them:
    //   lazy_result_   its result sign-extended from the operand width to 32 bits, so that
    //                  ZF = (word == 0), SF = bit 31, PF = even parity of bits 0-7 for every width;
    //   lazy_carries_  bit 31 = CF, bit 31 XOR bit 30 = OF, bit 3 = AF; the other bits mean
    //                  nothing. For ADD/SUB and friends it is the vector of carries (borrows)
    //                  out of every bit position, moved so that the MSB's lands in bit 31: OF is
    //                  the carry into the MSB XOR the carry out of it, AF the carry out of bit 3.
    // Instructions with their own CF/OF/AF rules (INC/DEC keep CF, shifts, rotates) write
    // those bits directly, so no handler computes flags it is about to overwrite, and every
    // reader (Jcc, SETcc, PUSHF, ...) tests one word without a switch.
    bool cf() const { return (lazy_carries_ >> 31) != 0; }  // lazy or not (CpuCoreState::store_flags)
    bool zf() const { return lazy_result_ == 0; }  // lazy or not (CpuCoreState::store_flags)
    bool sf() const { return flags_lazy_ ? (lazy_result_ >> 31) != 0 : (eflags_ & eflags::SF) != 0; }
    bool of() const {
        return flags_lazy_ ? ((lazy_carries_ ^ (lazy_carries_ << 1)) >> 31) != 0 : (eflags_ & eflags::OF) != 0;
    }
    bool pf() const {
        return flags_lazy_ ? !(std::popcount(lazy_result_ & 0xFFu) & 1) : (eflags_ & eflags::PF) != 0;
    }
    bool af() const { return flags_lazy_ ? (lazy_carries_ & 0x8u) != 0 : (eflags_ & eflags::AF) != 0; }
    bool df() const { return eflags_ & eflags::DF; }
    bool interrupts_enabled() const { return eflags_ & eflags::IF; }
    std::uint32_t raw_flags() const { return eflags_; }  // non-arithmetic bits are always current
    // EFLAGS with the lazily kept arithmetic flags computed, without materialising them (inline:
    // materialize_flags() is on the hot path).
    std::uint32_t current_flags() const {
        if (!flags_lazy_) return eflags_;
        std::uint32_t f = eflags_ & ~(eflags::CF | eflags::PF | eflags::AF | eflags::ZF | eflags::SF | eflags::OF);
        if (cf()) f |= eflags::CF;
        if (pf()) f |= eflags::PF;
        if (af()) f |= eflags::AF;
        if (zf()) f |= eflags::ZF;
        if (sf()) f |= eflags::SF;
        if (of()) f |= eflags::OF;
        return f;
    }

    // Records the flags of `kind` (a constant at every call site, so one case survives) for a, b
    // and r = a op b, of width T. For Add and Sub, r is the untruncated 64-bit result of the
    // zero-extended operands (with the carry or borrow in, for ADC/SBB), so that the bit above
    // the operand width is the carry (borrow) out of the MSB.
    template <class T> void lazy(LazyKind kind, std::uint32_t a, std::uint32_t b, std::uint64_t r) {
        std::uint32_t carries = 0;  // Logic: CF = OF = AF = 0
        if (kind == LazyKind::Add || kind == LazyKind::Sub) {
            // Each result bit is a XOR b XOR the carry (borrow) into that bit, so a ^ b ^ r is
            // the vector of carries into every bit; one position down it is the vector of
            // carries out of every bit, the MSB's included (bit `width` of r). Three operations
            // where the majority formula (a & b) | ((a | b) & ~r) takes five.
            const std::uint64_t into = std::uint64_t{a ^ b} ^ r;
            carries = static_cast<std::uint32_t>(into >> 1);
            if constexpr (sizeof(T) < 4)
                carries = static_cast<std::uint32_t>(into << (31 - 8 * sizeof(T))) | (carries & 0x8u);
        }
        // b = 1: adding one carries out of exactly a's trailing ones, subtracting one borrows
        // out of exactly its trailing zeros (the same vectors, in two operations).
        else if (kind == LazyKind::Inc || kind == LazyKind::Dec) {
            const std::uint32_t r32 = static_cast<std::uint32_t>(r);
            carries = kind == LazyKind::Inc ? a & ~r32 : ~a & r32;
            if constexpr (sizeof(T) < 4) carries = (carries << (32 - 8 * sizeof(T))) | (carries & 0x8u);
        }
        // CF survives INC/DEC: where the old CF (bit 31 of lazy_carries_, lazy or not) differs
        // from the carry out, bits 31 and 30 both flip, which replaces CF and keeps OF (their
        // XOR).
        if (kind == LazyKind::Inc || kind == LazyKind::Dec)
            carries ^= static_cast<std::uint32_t>(static_cast<std::int32_t>(carries ^ lazy_carries_) >> 31) & 0xC0000000u;
        set_lazy<T>(static_cast<std::uint32_t>(r), carries);
    }
    // CF and OF replaced, SF ZF AF PF kept as they are (rotates), lazy or not.
    void set_cf_of(bool carry, bool overflow) {
        if (flags_lazy_) {
            lazy_carries_ = (lazy_carries_ & 0x3FFFFFFFu) | (carry ? 0x80000000u : 0u) | (carry != overflow ? 0x40000000u : 0u);
        } else {
            store_flags((eflags_ & ~(eflags::CF | eflags::OF)) | (carry ? eflags::CF : 0u) | (overflow ? eflags::OF : 0u));
        }
    }
    // A result of width T with its carries word as lazy() describes it (shifts form their own).
    template <class T> void set_lazy(std::uint32_t r, std::uint32_t carries) {
        lazy_result_ = static_cast<std::uint32_t>(static_cast<std::int32_t>(static_cast<std::make_signed_t<T>>(static_cast<T>(r))));
        lazy_carries_ = carries;
        flags_lazy_ = true;
    }
    // Eager write of the six arithmetic flags (bits outside OSZAPC in `value` are ignored).
    void set_arith_flags(std::uint32_t value) {
        constexpr std::uint32_t arith = eflags::CF | eflags::PF | eflags::AF | eflags::ZF |
                                        eflags::SF | eflags::OF;
        // All six are replaced, so the lazily kept ones need not be computed first: dropping
        // the lazy state is what materialising and overwriting them would leave.
        store_flags((eflags_ & ~arith) | (value & arith));
    }
    std::uint32_t arith_flags() {
        materialize_flags();
        return eflags_;
    }
    void set_flag(std::uint32_t bit, bool on) {
        materialize_flags();
        store_flags(on ? (eflags_ | bit) : (eflags_ & ~bit));
    }
    // Flags for a result of width T: SF, ZF, PF from r (others untouched).
    template <class T> static std::uint32_t szp_flags(std::uint32_t r) {
        std::uint32_t f = 0;
        if ((r & mask_of<T>) == 0) f |= eflags::ZF;
        if (r & msb_of<T>) f |= eflags::SF;
        if (!(std::popcount(r & 0xFFu) & 1)) f |= eflags::PF;
        return f;
    }

    // ---- registers -----------------------------------------------------------------------
    template <class T> T reg(unsigned index) const {
        if constexpr (sizeof(T) == 1) {
            return reinterpret_cast<const std::uint8_t*>(&gpr[index & 3])[index >> 2];
        } else {
            return static_cast<T>(gpr[index]);
        }
    }
    template <class T> void set_reg(unsigned index, T value) {
        if constexpr (sizeof(T) == 1) {
            reinterpret_cast<std::uint8_t*>(&gpr[index & 3])[index >> 2] = value;
        } else if constexpr (sizeof(T) == 2) {
            std::memcpy(&gpr[index], &value, 2);
        } else {
            gpr[index] = value;
        }
    }

    // ---- segments and memory -------------------------------------------------------------
    // Real-mode segment load: selector and base change, the descriptor cache limit/attributes
    // stay as they were (which is what makes "unreal mode" possible on the 386).
    void load_segment_real(unsigned s, std::uint16_t selector) {
        seg[s].selector = selector;
        seg[s].base = std::uint32_t{selector} << 4;
        update_flat_segment(s);
        if (s == CS) code_segment_changed();
    }
    // MOV/POP/LxS into a segment register: real-mode, virtual-8086 or protected-mode rules.
    void load_segment(unsigned s, std::uint16_t selector);
    // Installs a descriptor cache (already checked) and recomputes what depends on it.
    void set_segment_cache(unsigned s, const SegmentState& cache) {
        seg[s] = cache;
        refresh_segment(s);
    }
    void refresh_segment(unsigned s);   // access windows (+ code size for CS)
    // flat_segment_ (CpuCoreCaches) from the window and the base; after every change of either.
    void update_flat_segment(unsigned s) {
        for (unsigned write = 0; write < 2; ++write) {
            const SegmentCheck& c = checks_[s][write];
            flat_segment_[s][write] = seg[s].base == 0 && c.first == 0 && c.starts[1] == (std::uint64_t{1} << 32);
        }
    }
    // The offsets an access may touch in a segment: the limit check, expand-down, read-only
    // data, execute-only code and null selectors all reduce to one window (empty when
    // first > last), computed when a segment register is loaded.
    struct AccessWindow {
        std::uint32_t first = 0, last = 0xFFFF;
    };
    static AccessWindow window_of(const SegmentState& d, bool write, bool protected_rules);
    void refresh_all_segments();        // after a mode change (PE, VM)
    void code_segment_changed() {
        code32_ = (seg[CS].attributes & 0x4000) != 0;
        ip_mask_ = code32_ ? 0xFFFFFFFFu : 0xFFFFu;
        // 16-bit code reaches offset FFFFh at most: past it the 80286 and later raise #GP and
        // the 8086 wraps IP (an instruction that wraps is never cached).
        const std::uint32_t limit = traits.is8086 ? 0xFFFFu : code32_ ? seg[CS].limit : std::min(seg[CS].limit, 0xFFFFu);
        // Block links were found under the old limit (linked_block).
        if (limit != fetch_limit_) new_link_epoch();
        fetch_limit_ = limit;
    }
    bool code32() const { return code32_; }
    bool stack32() const { return (seg[SS].attributes & 0x4000) != 0; }

    std::uint32_t effective_address(const Insn& i) const {
        std::uint32_t a = gpr[i.ea_base] + (gpr[i.ea_index] << i.ea_scale) + i.disp;
        return i.addr32() ? a : (a & 0xFFFF);
    }
    // The same address for a form the decoder fixed (EaForm): no address-size test, and no
    // index for [base+disp32]. 16-bit forms never scale (SDM vol. 2 table 2-1).
    template <EaForm F> std::uint32_t effective_address_as(const Insn& i) const {
        if constexpr (F == EaForm::Mem32Base) return gpr[i.ea_base] + i.disp;
        else if constexpr (F == EaForm::Mem32) return gpr[i.ea_base] + (gpr[i.ea_index] << i.ea_scale) + i.disp;
        else if constexpr (F == EaForm::Mem16) return (gpr[i.ea_base] + gpr[i.ea_index] + i.disp) & 0xFFFF;
        else return effective_address(i);
    }

    // A flat segment (flat_segment_: base 0, every offset inside the window) needs no segment
    // check on the TLB's fast path: an access that fits in one page cannot wrap past 4 GiB, and
    // one that crosses a page takes the checked path below.
    template <class T> [[gnu::always_inline]] T read_mem(unsigned s, std::uint32_t offset) {
        if (flat_segment_[s][0]) return read_linear<T>(offset);
        if (!segment_access_ok(s, false, offset, sizeof(T))) return read_mem_slow<T>(s, offset);
        return read_linear<T>(seg[s].base + offset);
    }
    template <class T> [[gnu::always_inline]] void write_mem(unsigned s, std::uint32_t offset, T value) {
        if (flat_segment_[s][1]) return write_linear<T>(offset, value);
        if (!segment_access_ok(s, true, offset, sizeof(T))) return write_mem_slow<T>(s, offset, value);
        write_linear<T>(seg[s].base + offset, value);
    }
    // Only the fast path of read_mem/write_mem: a flat segment and a TLB hit with a host
    // pointer; false leaves everything untouched for the full access. A handler that then
    // tail-calls its out-of-line general form keeps no registers across a call.
    template <class T> [[gnu::always_inline]] bool try_read_mem_fast(unsigned s, std::uint32_t offset, T& value) const {
        return flat_segment_[s][0] && try_read_linear_fast<T>(tlb_user_[0], offset, value);
    }
    template <class T> [[gnu::always_inline]] bool try_write_mem_fast(unsigned s, std::uint32_t offset, T value) {
        return flat_segment_[s][1] && try_write_linear_fast<T>(tlb_user_[1], offset, value);
    }
    // The same fast paths for the memory operand of a decoded form F (EaForm, not Any or Reg):
    // what the split handlers' `fast` parts use (exec/chain.hpp). Each does the access and
    // returns true, or returns false having done nothing. try_use_E_fast hands the value read
    // to `use`; a read-modify-write takes the fast path only where modify_mem would (a flat
    // segment, a write-TLB hit: every check the write needs passed).
    template <class T, EaForm F> [[gnu::always_inline]] bool try_read_E_fast(const Insn& i, T& value) const {
        return try_read_mem_fast<T>(i.seg, effective_address_as<F>(i), value);
    }
    template <class T, EaForm F, class U> [[gnu::always_inline]] bool try_use_E_fast(const Insn& i, U&& use) {
        T v;
        if (!try_read_E_fast<T, F>(i, v)) return false;
        use(v);
        return true;
    }
    template <class T, EaForm F> [[gnu::always_inline]] bool try_write_E_fast(const Insn& i, T value) {
        return try_write_mem_fast<T>(i.seg, effective_address_as<F>(i), value);
    }
    template <class T, EaForm F, class U> [[gnu::always_inline]] bool try_modify_E_fast(const Insn& i, U&& update) {
        return flat_segment_[i.seg][1] && try_modify_linear_fast<T>(effective_address_as<F>(i), update);
    }
    // modify_mem's fast path, for both: a write-TLB hit with a host pointer updates in place.
    template <class T, class U> [[gnu::always_inline]] bool try_modify_linear_fast(std::uint32_t linear, U& update) {
        std::uint8_t* p;
        if (!tlb_host<T>(tlb_user_[1], linear, p)) return false;
        T v;
        std::memcpy(&v, p, sizeof(T));
        v = update(v);
        std::memcpy(p, &v, sizeof(T));
        return true;
    }
    // Read-modify-write of a memory operand: every check the write needs (segment rights, page
    // rights) is made before `update` runs, so a faulting write leaves flags and memory as they
    // were, and the instruction restarts cleanly.
    template <class T, class F> void modify_mem(unsigned s, std::uint32_t offset, F&& update) {
        if (!flat_segment_[s][1] && !segment_access_ok(s, true, offset, sizeof(T))) {
            if (!traits.is8086) segment_fault(s);
            write_mem<T>(s, offset, update(read_mem<T>(s, offset)));  // QUIRK(8086): wraps
            return;
        }
        std::uint32_t linear = seg[s].base + offset;
        if (try_modify_linear_fast<T>(linear, update)) return;
        probe_write_linear(linear, sizeof(T));
        write_linear<T>(linear, update(read_linear<T>(linear)));
    }
    // Every check a write of `size` bytes at s:offset would make (segment, then page rights),
    // without writing: for instructions whose rules fault on a write they never perform (ENTER
    // checks its final stack pointer, SDM ENTER).
    void probe_write(unsigned s, std::uint32_t offset, unsigned size) {
        check_access(s, offset, size, true);
        probe_write_linear(seg[s].base + offset, size);
    }
    void probe_write_linear(std::uint32_t linear, unsigned size) {
        // The first page is checked first: a fault inside it reports the access's own address
        // in CR2, one on the second page that page's first byte.
        (void)physical_for(linear, true, user_);
        std::uint32_t last = linear + size - 1;
        if ((last ^ linear) & ~0xFFFu) (void)physical_for(last & ~0xFFFu, true, user_);
    }

    // The segment check of an access of `size` bytes at s:offset, without the access (for
    // instructions whose operand goes elsewhere than the CPU's own bus cycles, like ESC).
    void check_access(unsigned s, std::uint32_t offset, unsigned size, bool write = false) const {
        if (!traits.is8086 && !segment_access_ok(s, write, offset, size)) segment_fault(s);
    }

    // Operand access through the decoded ModRM (register when mod == 3), for a form the decoder
    // fixed or (EaForm::Any) decided at run time.
    template <class T, EaForm F = EaForm::Any> T read_E(const Insn& i) {
        if constexpr (F == EaForm::Reg) return reg<T>(i.rm);
        else if constexpr (F == EaForm::Any) return i.is_reg() ? reg<T>(i.rm) : read_mem<T>(i.seg, effective_address(i));
        else return read_mem<T>(i.seg, effective_address_as<F>(i));
    }
    template <class T, EaForm F = EaForm::Any> void write_E(const Insn& i, T value) {
        if constexpr (F == EaForm::Reg) set_reg<T>(i.rm, value);
        else if constexpr (F == EaForm::Any) {
            if (i.is_reg()) set_reg<T>(i.rm, value);
            else write_mem<T>(i.seg, effective_address(i), value);
        } else write_mem<T>(i.seg, effective_address_as<F>(i), value);
    }

    // Linear accesses at the current privilege (user = CPL 3, SDM vol. 3 §4.6) or, for the
    // descriptor tables, the TSS and interrupt stack frames, at an explicit one.
    // The ordinary ones index the TLB half through tlb_user_ (one load instead of user_'s
    // arithmetic); the explicit ones through `user`. Both share the one fast path below.
    template <class T> [[gnu::always_inline]] T read_linear(std::uint32_t linear) {
        T v;
        if (try_read_linear_fast<T>(tlb_user_[0], linear, v)) return v;
        return read_linear_slow<T>(linear, user_);
    }
    template <class T> [[gnu::always_inline]] void write_linear(std::uint32_t linear, T value) {
        if (!try_write_linear_fast<T>(tlb_user_[1], linear, value)) write_linear_slow<T>(linear, value, user_);
    }
    template <class T> [[gnu::always_inline]] T read_linear_as(std::uint32_t linear, unsigned user) {
        T v;
        if (try_read_linear_fast<T>(tlb_[user][0], linear, v)) return v;
        return read_linear_slow<T>(linear, user);
    }
    template <class T> [[gnu::always_inline]] void write_linear_as(std::uint32_t linear, T value, unsigned user) {
        if (!try_write_linear_fast<T>(tlb_[user][1], linear, value)) write_linear_slow<T>(linear, value, user);
    }
    // The fast path of every data access: a TLB hit with a host pointer in `table` (one half's
    // read or write entries) copies the value; false leaves everything untouched for the slow
    // path (miss, Bus page, page crossing).
    template <class T> [[gnu::always_inline]] bool try_read_linear_fast(const TlbEntry* table, std::uint32_t linear,
                                                                       T& value) const {
        std::uint8_t* p;
        if (!tlb_host<T>(table, linear, p)) return false;
        std::memcpy(&value, p, sizeof(T));
        return true;
    }
    template <class T> [[gnu::always_inline]] bool try_write_linear_fast(const TlbEntry* table, std::uint32_t linear,
                                                                        T value) {
        std::uint8_t* p;
        if (!tlb_host<T>(table, linear, p)) return false;
        std::memcpy(p, &value, sizeof(T));
        return true;
    }
    // The TLB's hit test: whether a T-sized access at `linear` stays inside a page whose
    // translation `table` caches with a host pointer, and if so where in host memory it lies
    // (`host`; a bool, not a null pointer, says which, so that no test of the address follows).
    // One compare answers all three: the entry is the one of linear's page, and its tag (no
    // kTlbNoHost) must equal the page of the access's last byte. Were that the next page (a
    // crossing), or page 0 after a wrap past 4 GiB, it would belong to the next slot, not this
    // one.
    template <class T> [[gnu::always_inline]] static bool tlb_host(const TlbEntry* table, std::uint32_t linear,
                                                                  std::uint8_t*& host) {
        // table[(linear >> 12) % kTlbSize], its byte offset formed in two operations, not three.
        static_assert(sizeof(TlbEntry) == 16);
        const TlbEntry& e = *reinterpret_cast<const TlbEntry*>(reinterpret_cast<const unsigned char*>(table) +
                                                               ((linear >> 8) & ((kTlbSize - 1) << 4)));
        const std::uint32_t last = linear + static_cast<std::uint32_t>(sizeof(T) - 1);  // wraps at 4 GiB
        if (e.tag != (last >> 12)) return false;
        host = reinterpret_cast<std::uint8_t*>(e.host_bias + linear);
        return true;
    }
    // Linear to physical for one byte, through the TLB (page walk and #PF on a miss).
    std::uint32_t physical_for(std::uint32_t linear, bool write, unsigned user) {
        std::uint32_t phys;
        if (tlb_translation(linear, write, user, phys)) return phys;
        TlbEntry& e = tlb_[user][write][(linear >> 12) % kTlbSize];
        fill_tlb(e, linear, write, user);
        return (e.physical_page << 12) | (linear & 0xFFF);
    }
    // physical_for's hit half: the translation the TLB holds for this access, if it holds one.
    bool tlb_translation(std::uint32_t linear, bool write, unsigned user, std::uint32_t& phys) const {
        const TlbEntry& e = tlb_[user][write][(linear >> 12) % kTlbSize];
        if (!e.translates(linear >> 12)) return false;
        phys = (e.physical_page << 12) | (linear & 0xFFF);
        return true;
    }

    // ---- stack ---------------------------------------------------------------------------
    std::uint32_t sp_value() const { return stack32() ? gpr[ESP] : (gpr[ESP] & 0xFFFF); }
    void set_sp_value(std::uint32_t v) {
        if (stack32()) gpr[ESP] = v;
        else set_reg<std::uint16_t>(ESP, static_cast<std::uint16_t>(v));
    }
    std::uint32_t stack_offset(std::uint32_t v) const { return stack32() ? v : (v & 0xFFFF); }
    template <class T> void push(T value) {
        if (!try_push_fast<T>(value)) push_general<T>(value);
    }
    template <class T> T pop() {
        T v;
        if (!try_pop_fast<T>(v)) v = pop_general<T>();
        return v;
    }
    // The common case of both, without a call: a 32-bit stack in a flat SS (no limit to check)
    // whose page the TLB holds (the 8086 has no 32-bit stack). False having done nothing
    // otherwise.
    template <class T> [[gnu::always_inline]] bool try_push_fast(T value) {
        if (!stack32()) return false;
        const std::uint32_t sp = gpr[ESP] - sizeof(T);
        if (!try_write_mem_fast<T>(SS, sp, value)) return false;
        gpr[ESP] = sp;
        return true;
    }
    template <class T> [[gnu::always_inline]] bool try_pop_fast(T& value) {
        if (!stack32()) return false;
        const std::uint32_t sp = gpr[ESP];
        if (!try_read_mem_fast<T>(SS, sp, value)) return false;
        gpr[ESP] = sp + sizeof(T);
        return true;
    }
    template <class T> [[gnu::noinline]] void push_general(T value) {
        std::uint32_t sp = stack_offset(sp_value() - sizeof(T));
        write_mem<T>(SS, sp, value);
        set_sp_value(sp);
    }
    template <class T> [[gnu::noinline]] T pop_general() {
        std::uint32_t sp = sp_value();
        T v = read_mem<T>(SS, sp);
        set_sp_value(stack_offset(sp + sizeof(T)));
        return v;
    }
    // Reads the stack `depth` bytes above SP without moving it (for instructions that must
    // check every pop before committing any).
    template <class T> T peek(std::uint32_t depth) { return read_mem<T>(SS, stack_offset(sp_value() + depth)); }

    // ---- I/O -----------------------------------------------------------------------------
    template <class T> T io_in(std::uint16_t port) {
        return static_cast<T>(bus.io_read(port, sizeof(T)));
    }
    template <class T> void io_out(std::uint16_t port, T value) { bus.io_write(port, sizeof(T), value); }

    // ---- control flow --------------------------------------------------------------------
    std::uint32_t ip_mask() const { return ip_mask_; }
    void jump_near(std::uint32_t target) { next_eip = target & ip_mask(); }
    // Far transfers (SDM vol. 2 JMP, CALL, RET, IRET; vol. 3 §5.8 privilege-level changes,
    // §7.3 task switching). Each does the real-mode, virtual-8086 or protected-mode form and
    // commits nothing until every check has passed.
    void jump_far(std::uint16_t selector, std::uint32_t offset, bool op32);
    void call_far(std::uint16_t selector, std::uint32_t offset, bool op32);
    void return_far(bool op32, std::uint16_t release_bytes);
    void interrupt_return(bool op32);

    // What raised an interrupt: decides the gate-DPL check, the saved EIP and the EXT bit.
    enum class EventKind : std::uint8_t {
        SoftwareInt,   // INT n: gate DPL checked; IOPL-sensitive in virtual-8086 mode
        SoftwareTrap,  // INT3, INTO: gate DPL checked
        Exception,     // CPU-detected fault or trap, incl. ICEBP
        External,      // INTR, NMI: error codes get EXT set
    };
    // Delivers an interrupt or exception through the IVT (real mode) or the IDT.
    void interrupt(std::uint8_t vector, std::uint32_t return_eip, EventKind kind = EventKind::SoftwareInt,
                   bool has_error_code = false, std::uint32_t error_code = 0);

    // Privilege and I/O permission checks shared by the instruction handlers.
    // IN/OUT/INS/OUTS: IOPL, then the TSS I/O permission bitmap (SDM vol. 1 §19.5).
    // Also applies the protected-mode timing of the I/O instructions: the 386 documents them
    // 6 clocks faster than in real mode when CPL <= IOPL, 14 slower when the bitmap is read.
    void check_io(std::uint16_t port, unsigned size) {
        if (!protected_mode()) return;
        const TimingEntry& t = timing[TimingClass::IoProtected];
        if (cpl > iopl() || v86()) {
            check_io_bitmap(port, size);
            cycles += t.reg;
        } else {
            cycles -= t.mem;
        }
    }
    void check_io_bitmap(std::uint16_t port, unsigned size);
    // Instructions only CPL 0 may execute (LGDT, MOV CRn, HLT, ...): #GP(0) otherwise.
    void require_cpl0() const {
        if (protected_mode() && cpl != 0) raise_fault(Vector::GP, 0);
    }
    // Segment descriptors, for LAR/LSL/VERR/VERW, LLDT/LTR and the transfers.
    struct Descriptor {
        std::uint32_t low = 0, high = 0;
        std::uint8_t access() const { return static_cast<std::uint8_t>(high >> 8); }
        unsigned type() const { return (high >> 8) & 0xF; }
        unsigned dpl() const { return (high >> 13) & 3; }
        bool present() const { return high & 0x8000; }
        bool is_segment() const { return high & 0x1000; }  // code/data (S = 1)
        bool is_code() const { return is_segment() && (high & 0x800); }
        bool is_data() const { return is_segment() && !(high & 0x800); }
        bool conforming() const { return is_code() && (high & 0x400); }
        bool readable() const { return !is_code() || (high & 0x200); }
        bool writable() const { return is_data() && (high & 0x200); }
        std::uint16_t gate_selector() const { return static_cast<std::uint16_t>(low >> 16); }
        std::uint32_t gate_offset(bool gate32) const {
            return gate32 ? ((high & 0xFFFF0000u) | (low & 0xFFFF)) : (low & 0xFFFF);
        }
        unsigned gate_param_count() const { return (high >> 0) & 0x1F; }
    };
    // Reads the descriptor a selector names; #GP(selector) (or `vector`) when it lies outside
    // its table. `selector` must not be null.
    Descriptor read_descriptor(std::uint16_t selector, Vector vector = Vector::GP);
    bool try_read_descriptor(std::uint16_t selector, Descriptor& d);  // false when out of table
    SegmentState cache_from(std::uint16_t selector, const Descriptor& d) const;
    void set_accessed(std::uint16_t selector, Descriptor& d);
    void load_ldtr(std::uint16_t selector);
    void load_task_register(std::uint16_t selector);

    // Debug registers (SDM vol. 3 §17.2): data breakpoints are checked on the slow path, so a
    // page holding an armed data breakpoint never gets a host pointer in the TLB.
    void debug_registers_changed();

    // ---- execution -----------------------------------------------------------------------
    RunResult run(std::uint64_t cycle_budget, bool single_step);
    void reset();
    CpuState state();
    void set_state(const CpuState& s);
    // Recomputes every cache that depends on the state (segment windows and CS size, the
    // privilege half, the #AC and breakpoint summaries) and empties the TLB: the one way the
    // caches follow a wholesale change of the state (reset, set_state, a snapshot restore).
    void rebuild_caches();
    // Forgets every decoded instruction: memory was replaced as a whole (a snapshot restore).
    void invalidate_all_code();
    void invalidate_code(std::uint32_t paddr, std::uint32_t length);
    void flush_host_pointers();

    // A REP loop asks between iterations whether to give the run loop back control: step()
    // and the single-step trap (TF) take one iteration at a time (SDM vol. 3 §17.3.1.4: the
    // trap follows each iteration), run() stops at its budget or for a pending event.
    bool rep_should_pause() const { return rep_pauses_every_iteration() || rep_pause_due(); }
    // Its two halves: what no iteration can change (step(), TF), tested once by a loop that runs
    // many iterations at a time (exec::repeat_fast), and what it tests after each.
    bool rep_pauses_every_iteration() const { return single_step_ || (eflags_ & eflags::TF); }
    bool rep_pause_due() const { return cycles >= end_cycle_ || (any_signal() && signals_pause_rep()); }
    // Out of line, so that the loop around it sees a call, not an atomic (see any_signal).
    bool signals_pause_rep() const;
    bool events_pending() const {
        const std::uint32_t s = read_signals();
        return (s & (kSignalStop | kSignalHookStop)) || ((s & kSignalNmi) && !nmi_blocked) || ((s & kSignalIntr) && interrupts_enabled());
    }

    // Charged by handlers for the variable part of an instruction (shift counts, ENTER's
    // levels, ...). Inside a block's chain the clocks of the whole chain are charged before it
    // runs (run_plain_instructions), in the knowledge that they end before the fast path's stop;
    // clocks beyond those may reach it, and then the chain must stop at the next boundary, where
    // the loop finds what the budget says (a stop by zero, as for a signal).
    void charge(std::uint32_t n) {
        cycles += n;
        if (cycles >= fast_stop_cycle()) fast_stop_cycle_.store(0, std::memory_order_relaxed);
    }
    // For an instruction that never runs in a chain (a transfer, a REP string): no test needed.
    void charge_outside_chain(std::uint32_t n) { cycles += n; }
    // The test between two chained instructions: a signal was raised, or charge() found the
    // budget reached.
    bool chain_must_stop() const {
#if defined(__GNUC__) && defined(__x86_64__)
        bool zero;  // one comparison with the value in memory, as reached_fast_stop
        asm volatile("cmpq $0, %1" : "=@ccz"(zero) : "m"(fast_stop_cycle_));
        return zero;
#else
        return fast_stop_cycle() == 0;
#endif
    }
    // The linked form of a block's last instruction, a near transfer (exec::linked, chain.hpp),
    // at the boundary before it (at EIP `here`) with nothing of it done: the block the run loop,
    // having run it, would go on to at `target` straight by the running block's link
    // (link_block: what the lookup would find there) and charge whole (its clocks, after the
    // `extra` ones the transfer adds, end before the fast path's stop, which is 0 when a signal
    // is raised); null if none. `charged`: the clock once it is charged.
    [[gnu::always_inline]] const DecodedBlock* linked_successor(std::uint32_t here, std::uint32_t target,
                                                                std::uint32_t extra, std::uint64_t& charged) const {
        const DecodedBlock& from = *running_block_;
        if (from.link_epoch != link_epoch_ || from.link_ip != here) return nullptr;
        const DecodedBlock* to;
        if (target == from.link_eip[0]) to = from.link_to[0];
        else if (target == from.link_eip[1]) to = from.link_to[1];
        else return nullptr;
        charged = cycles + extra + to->cycles;
        if (charged >= fast_stop_cycle()) return nullptr;
        return to;
    }
    // Then, the transfer done: it retires as the loop would retire it, with the block's other
    // instructions, and `to` (linked_successor's) becomes the running block, charged; returns its
    // first record.
    [[gnu::always_inline]] const Insn& enter_linked_block(const DecodedBlock& to, std::uint32_t target,
                                                          std::uint64_t charged) {
        cycles = charged;
        instructions += running_block_->insns_before_last + 1u;
        eip = target;
        running_block_ = &to;
        running_block_eip_ = target;
        return *to.first;
    }

private:
    void materialize_flags();

    std::uint64_t end_cycle_ = 0;
    bool single_step_ = false;  // the current run() is a step()
    // `instructions` when the current run() began: the run's count (RunResult::instructions) is
    // the difference, so the loops count each instruction once.
    std::uint64_t run_start_instructions_ = 0;

    bool segment_access_ok(unsigned s, bool write, std::uint32_t offset, unsigned size) const {
        const SegmentCheck& c = checks_[s][write];
        return std::uint64_t{offset - c.first} < c.starts[size];
    }
    template <class T> [[gnu::noinline]] T read_mem_slow(unsigned s, std::uint32_t offset) {
        if (traits.is8086) {
            // QUIRK(8086): no limit checks; each byte's offset wraps within the 64 KiB segment.
            T v = 0;
            for (unsigned k = 0; k < sizeof(T); ++k)
                v |= static_cast<T>(T{read_linear<std::uint8_t>(seg[s].base + ((offset + k) & 0xFFFF))} << (8 * k));
            return v;
        }
        segment_fault(s);
    }
    template <class T> [[gnu::noinline]] void write_mem_slow(unsigned s, std::uint32_t offset, T value) {
        if (traits.is8086) {
            for (unsigned k = 0; k < sizeof(T); ++k)
                write_linear<std::uint8_t>(seg[s].base + ((offset + k) & 0xFFFF),
                                           static_cast<std::uint8_t>(value >> (8 * k)));
            return;
        }
        segment_fault(s);
    }
    // #SS(0) for the stack segment, #GP(0) otherwise (SDM vol. 3 §20.1.3 real-mode exceptions;
    // §6.15 #GP/#SS: limit violations and null-selector uses take error code 0).
    // QUIRK(80286): in real mode every segment overrun is interrupt 13, the stack segment's
    // included (80286 PRM, real-address-mode exceptions: "Interrupt 13 for operand at offset
    // 0FFFFH"; the SingleStepTests captures of POP, LEAVE, RETF and [BP+..] operands at SS:FFFFh
    // all take vector 13, none 12). In protected mode the 286 raises #SS like the 386.
    [[noreturn]] void segment_fault(unsigned s) const {
        raise_fault(s == SS && (traits.has386 || protected_mode()) ? Vector::SS : Vector::GP, 0);
    }

    // #AC(0): a misaligned data access at CPL 3 with CR0.AM and EFLAGS.AC set (word not at an
    // even address, dword not at a multiple of 4). Only reached on the slow path, which every
    // user-level access takes while `alignment_check_active_` is set (see fill_tlb). Only data
    // and stack accesses at CPL 3 are checked (SDM vol. 3 §6.15, interrupt 17): the
    // supervisor-level accesses to descriptor tables, the TSS and interrupt frames (user == 0)
    // and instruction fetches never are. Multi-part operands (far pointers, SGDT's 6 bytes) are
    // checked per part.
    template <class T> void check_alignment(std::uint32_t linear, unsigned user) const {
        if constexpr (sizeof(T) > 1) {
            if (alignment_check_active_ && user && (linear & (sizeof(T) - 1))) raise_fault(Vector::AC, 0);
        }
    }
    // The slow paths of linear accesses. While data breakpoints or memory hooks are armed they
    // go through an out-of-line copy that reports the access (access_watched), so that the
    // unwatched slow path carries no call and no extra live values. It hands the Bus one sized access per page (Bus::read/write): an access inside
    // one page is one call of its own size; a page-crossing one is split at the boundary, each
    // part in natural pieces (for_each_natural_piece). Both pages are translated (and may fault)
    // before either is touched: the first page first, so a fault inside it reports the access's
    // own address in CR2, one on the second page that page's first byte; a #PF on the second
    // page leaves memory untouched and no device sees a partial access.
    template <class T> [[gnu::noinline]] T read_linear_slow(std::uint32_t linear, unsigned user) {
        if (access_watch_active_) return read_linear_watched<T>(linear, user);
        return read_linear_bytes<T>(linear, user);
    }
    template <class T> [[gnu::noinline]] T read_linear_watched(std::uint32_t linear, unsigned user) {
        T v = read_linear_bytes<T>(linear, user);
        access_watched(MemoryAccessKind::Read, linear, sizeof(T), v, user);
        return v;
    }
    template <class T> [[gnu::noinline]] void write_linear_slow(std::uint32_t linear, T value, unsigned user) {
        if (access_watch_active_) return write_linear_watched<T>(linear, value, user);
        write_linear_bytes<T>(linear, value, user);
    }
    template <class T> [[gnu::noinline]] void write_linear_watched(std::uint32_t linear, T value, unsigned user) {
        write_linear_bytes<T>(linear, value, user);
        access_watched(MemoryAccessKind::Write, linear, sizeof(T), value, user);
    }
    template <class T> T read_linear_bytes(std::uint32_t linear, unsigned user) {
        check_alignment<T>(linear, user);
        const std::uint32_t first = physical_for(linear, false, user);
        T v;
        const std::uint32_t low_bytes = 0x1000 - (linear & 0xFFF);
        if (sizeof(T) == 1 || low_bytes >= sizeof(T)) {
            v = static_cast<T>(bus.read(first, sizeof(T)));
        } else {
            const std::uint32_t second = physical_for(linear + low_bytes, false, user);
            v = static_cast<T>(read_physical_pieces(first, low_bytes) |
                               (read_physical_pieces(second, sizeof(T) - low_bytes) << (8 * low_bytes)));
        }
        return v;
    }
    template <class T> void write_linear_bytes(std::uint32_t linear, T value, unsigned user) {
        check_alignment<T>(linear, user);
        const std::uint32_t first = physical_for(linear, true, user);
        const std::uint32_t low_bytes = 0x1000 - (linear & 0xFFF);
        if (sizeof(T) == 1 || low_bytes >= sizeof(T)) {
            write_physical(first, sizeof(T), value);
        } else {
            const std::uint32_t second = physical_for(linear + low_bytes, true, user);
            write_physical_pieces(first, low_bytes, value);
            write_physical_pieces(second, sizeof(T) - low_bytes, std::uint64_t{value} >> (8 * low_bytes));
        }
    }

    // The fetch page (CpuCoreCaches): one compare per instruction instead of a TLB lookup.
    std::uint32_t fetch_physical(std::uint32_t linear) {
        if ((linear >> 12) != fetch_page_) {
            std::uint32_t phys = physical_for(linear, false, user_);
            adopt_fetch_page(linear, phys);
            return phys;
        }
        return (fetch_physical_page_ << 12) | (linear & 0xFFF);
    }
    // The fetch page becomes that of `linear`, which translates to `phys` (its TLB entry for
    // reads at the current privilege holds it, and the backing page beside it).
    void adopt_fetch_page(std::uint32_t linear, std::uint32_t phys) {
        fetch_page_ = linear >> 12;
        fetch_physical_page_ = phys >> 12;
        fetch_backing_page_ = tlb_backing_page_[user_][0][(linear >> 12) % kTlbSize];
        fetch_generation_ = &page_generation_[fetch_backing_page_];
    }
    void fill_tlb(TlbEntry& e, std::uint32_t linear, bool write, unsigned user);
    // The page walk (SDM vol. 3 §4.3): returns the physical page number or raises #PF, setting
    // the accessed and dirty bits on the way.
    std::uint32_t walk_page_tables(std::uint32_t linear, bool write, unsigned user);
    // What the walk reads and decides, without side effects (walk_page_tables commits it;
    // Cpu::translate and read/write_virtual only look). `check_rights` false: any present page.
    struct PageLookup {
        std::uint32_t pde_addr = 0, pde = 0, pte_addr = 0, pte = 0;
        bool large = false;
        bool faults = false;
        std::uint32_t error_code = 0;  // #PF error code when `faults`
        std::uint32_t physical_page = 0;
    };
    PageLookup look_up_page(std::uint32_t linear, bool write, unsigned user, bool check_rights) const;

    std::uint8_t read_physical8(std::uint32_t paddr) {
        return bus.read8(paddr);
    }
    // Every store of the CPU to the Bus goes through write_physical: it invalidates decoded
    // code of the written backing page first. The pieces forms split a part of `length` bytes
    // (inside one page) into natural pieces.
    void write_physical(std::uint32_t paddr, unsigned size, std::uint64_t value);
    std::uint64_t read_physical_pieces(std::uint32_t paddr, std::uint32_t length);
    void write_physical_pieces(std::uint32_t paddr, std::uint32_t length, std::uint64_t value);
    std::uint32_t backing_page_of(std::uint32_t paddr) {
        return bus.backing_page(paddr & ~0xFFFu) & (traits.address_mask >> 12);
    }
    std::uint32_t read_physical32(std::uint32_t paddr) const;
    void write_physical32(std::uint32_t paddr, std::uint32_t value);

public:
    void flush_tlb(bool keep_global);
    void invalidate_tlb_page(std::uint32_t linear);
    void privilege_changed() {
        user_ = cpl == 3 ? 1u : 0u;
        tlb_user_ = tlb_[user_];
        fetch_page_ = 0xFFFFFFFF;
        update_alignment_check();
    }
    // Alignment checking can fire only at CPL 3 with CR0.AM and EFLAGS.AC set (486 and later);
    // recomputed whenever one of them changes. Entering or leaving that state drops the
    // user-level translations, so that they are refilled with (or without) host pointers.
    void update_alignment_check() {
        bool active = traits.has486 && (cr0 & kCr0AM) && (eflags_ & eflags::AC) && cpl == 3;
        if (active == alignment_check_active_) return;
        alignment_check_active_ = active;
        flush_user_tlb();
    }
    void flush_user_tlb();
    // CR0.PE or EFLAGS.VM changed: derives CPL where the mode fixes it, recomputes the segment
    // windows. (Paging changes flush the TLB separately.)
    void mode_changed();
    [[noreturn]] void page_fault(std::uint32_t linear, std::uint32_t error_code);

private:
    // ---- decoded-instruction cache (CpuCoreCaches) ---------------------------------------
    std::uint32_t decode_mode() const { return code32_ ? 1u : 0u; }

    const Insn& fetch_decoded();
    const Insn* cached_decoded();           // the hit path alone (null: not cached or not usable)
    // Decoded blocks (decoded_blocks.cpp): the lookup's hit path (null: none usable here), the
    // miss path that decodes one (null: not even its first instruction can be), and forgetting
    // them all.
    const DecodedBlock* cached_block();
    const DecodedBlock* cached_block_in_new_page();
    [[gnu::noinline]] const DecodedBlock* build_block();
    // The block at `phys` (CS:EIP's physical address through the current fetch page) if its
    // tags hold and its last byte lies within the CS limit.
    const DecodedBlock* usable_block(std::uint32_t phys) const {
        const DecodedBlock& block = blocks_[block_slot_of(phys)];
        if (block.paddr != phys || block.generation != *fetch_generation_ || block.mode != decode_mode()) return nullptr;
        if (eip + block.bytes - 1 > fetch_limit_) return nullptr;
        return &block;
    }
    static std::uint32_t block_slot_of(std::uint32_t paddr) { return (paddr ^ (paddr >> 15)) & (kBlockTableSize - 1); }
    void forget_blocks();
    void new_link_epoch();
    // Block links (decoded_blocks.cpp): records that after `from`, whose last instruction was at
    // `last_ip`, the lookup found `to` for the current EIP.
    void link_block(const DecodedBlock& from, std::uint32_t last_ip, const DecodedBlock& to);
    [[gnu::noinline]] const Insn& fetch_and_decode();  // the miss path: fetch, decode, fill the slot
    static std::uint32_t decode_slot_of(std::uint32_t paddr) { return (paddr ^ (paddr >> 15)) & (kDecodeCacheSize - 1); }
    void mark_code_page(std::uint32_t backing_page);
    void code_page_written(std::uint32_t backing_page);
    void forget_decoded_code();

    // Fault delivery (cpu_core.cpp). run() arms the jump point in run_armed; a raised fault
    // lands in continue_after_fault -> fault_landed, which applies fault_fixup and delivers:
    // deliver_fault for the fault of an instruction (or of an external event's delivery),
    // the double-fault rule (SDM vol. 3 §6.15) when delivering_ says the fault came from a
    // delivery, delivering_fault_ being the event that one delivered.
    void run_armed(bool single_step, RunResult& result, const CpuFault* thrown);
    bool continue_after_fault(CpuFault fault, bool single_step, RunResult& result);
    void fault_landed(CpuFault raised);
    void deliver_fault(const CpuFault& fault);
    void deliver_exception(const CpuFault& fault);
    CpuFault raised_fault_{};
    bool delivering_ = false;
    CpuFault delivering_fault_{};
    std::uint32_t delivery_return_eip_ = 0;
    bool service_events();
    // INTR is asserted and recognised (IF = 1, outside an interrupt shadow) but no
    // InterruptController is there to supply the vector.
    bool intr_without_controller() const {
        return intr_line() && interrupts_enabled() && !interrupt_controller && !(nmi_pending() && !nmi_blocked);
    }

    // ---- protected mode (protected_mode.cpp) ----------------------------------------------
    enum class TaskSwitchSource : std::uint8_t { Jmp, Call, Int, Iret };
    void load_segment_protected(unsigned s, std::uint16_t selector);
    void load_segment_v86(unsigned s, std::uint16_t selector);
    void interrupt_real(std::uint8_t vector, std::uint32_t return_eip);
    void interrupt_protected(std::uint8_t vector, std::uint32_t return_eip, EventKind kind,
                             bool has_error_code, std::uint32_t error_code);
    void far_transfer_protected(std::uint16_t selector, std::uint32_t offset, bool is_call, bool op32);
    void return_far_protected(bool op32, std::uint16_t release_bytes);
    void iret_protected(bool op32);
    void task_switch(std::uint16_t selector, Descriptor tss, TaskSwitchSource source,
                     std::uint32_t return_eip);
    // Reads SS:ESP for privilege level `level` from the current TSS (SDM vol. 3 §7.2.1).
    void stack_from_tss(unsigned level, std::uint16_t& ss, std::uint32_t& esp);
    // Checks a stack segment selector for a privilege change to `level`; `vector` is #TS for
    // stacks taken from the TSS and #GP for stacks popped by RET/IRET.
    SegmentState checked_stack_segment(std::uint16_t selector, unsigned level, Vector vector,
                                       std::uint32_t ext);
    // DS, ES, FS, GS are nulled when returning to an outer level they are not usable at.
    void invalidate_segments_for_outer_level();
    // Data breakpoints or memory hooks (access_watch_active_, CpuCoreCaches): the slow path of
    // linear accesses calls access_watched() (debug_hooks.cpp), which checks both.
    void access_watched(MemoryAccessKind kind, std::uint32_t linear, unsigned size, std::uint64_t value,
                        unsigned user);
    void check_instruction_breakpoint();
    void check_data_breakpoint(std::uint32_t linear, unsigned size, bool write);
    void execute_loop(std::uint64_t end_cycle, bool single_step, RunResult& result);
    // The common case of execute_loop: instructions at boundaries where nothing rare is pending
    // (plain_boundary); returns, without executing, at the first boundary that needs more.
    void run_plain_instructions(std::uint64_t end_cycle);
    void execute_plain(const Insn& insn);  // one instruction of it, the last of its block
    void execute_charged(const Insn& insn);
    void leave_plain_path();
    void leave_chain_at_boundary();
    bool run_records_one_by_one(const Insn* first, const Insn* last);
    // #DB after an instruction: the single-step trap (TF was set before it) and/or the data
    // breakpoints it hit (pending_debug_status).
    void deliver_debug_traps(bool single_step_trap);
    bool plain_boundary() const {
        // Bitwise, not logical: one branch for all of them.
        return !(halted | inhibit_interrupts | rep_in_progress | shutdown_ | instruction_watch_ |
                 (pending_debug_status != 0) | ((eflags_ & (eflags::TF | eflags::RF)) != 0));
    }

    // ---- hook configuration (debug_hooks.cpp): the embedder's settings, NOT guest state --------
    // Not in CpuState snapshots; reset() and set_state() keep them. The three flags summarise the
    // lists so that the hot paths test one bool each, at places that already branch rarely:
    //   instruction_watch_    execute_loop, once per instruction (it replaced the test of
    //                         code_watch_active_ there): DR7 instruction breakpoints, code hooks,
    //                         breakpoints, fetch hooks, this run's instruction limit / stop address
    //   memory_hooks_active_  read/write_linear_slow only; fill_tlb keeps hooked pages off the
    //                         fast path (like armed data breakpoints)
    //   interrupt_hooks_active_  interrupt() and service_events(), once per delivery
    HookRegistry hooks_;
    bool instruction_watch_ = false;
    bool memory_hooks_active_ = false;
    bool interrupt_hooks_active_ = false;
    unsigned in_hook_ = 0;  // > 0 while a hook runs: what it must not do throws std::logic_error
    std::optional<std::uint64_t> run_max_instructions_;  // RunLimits of the current run()
    std::optional<std::uint32_t> run_stop_address_;
    // The boundary the last run stopped before (Breakpoint, StopAtAddress, a code hook): the next
    // run executes that instruction instead of stopping there again.
    struct ResumePoint {
        bool valid = false;
        std::uint32_t linear = 0;
        bool code_hooks_done = false;  // a code hook stopped it: they saw this instruction already
    } resume_;
    StopReason pending_stop_ = StopReason::None;  // why kSignalHookStop was raised
    StopDetail pending_stop_detail_{};
    bool watched_boundary(RunResult& result);
    static void leave_boundary(CpuCore& c, const FaultFixup& fixup);  // its fault fix-up
    void memory_accessed(MemoryAccessKind kind, std::uint32_t linear, unsigned size, std::uint64_t value,
                         unsigned user);
    bool interrupt_allowed(std::uint8_t vector, InterruptKind kind, bool has_error_code, std::uint32_t error_code,
                           std::uint32_t return_eip);
    bool invalid_opcode_handled();  // the #UD hooks: true when they skipped or stopped it
    void report_requested_stop(RunResult& result);
    std::optional<std::uint32_t> peek_physical(std::uint32_t linear, bool write, unsigned user, bool check_rights) const;

public:
    void update_hook_flags();
    void request_stop_for(StopReason why, const StopDetail& detail);
    void require_outside_hook(const char* what) const;
    HookHandle add_code_hook(AddressRange range, std::function<HookAction(const CodeEvent&)> hook);
    HookHandle add_memory_hook(MemoryAccessKinds kinds, AddressRange range,
                               std::function<HookAction(const MemoryEvent&)> hook);
    HookHandle add_interrupt_hook(std::function<InterruptAction(const InterruptEvent&)> hook);
    HookHandle add_invalid_opcode_hook(std::function<InvalidOpcodeAction(const InvalidOpcodeEvent&)> hook);
    HookHandle add_breakpoint(std::uint32_t linear);
    bool remove_hook(HookHandle handle);
    void set_stop_on_exception(bool on);
    RunResult run_limited(const RunLimits& limits);
    std::uint32_t register_value(Register r);
    void set_register(Register r, std::uint32_t value);
    std::optional<std::uint32_t> translate(std::uint32_t linear, Access access, std::optional<unsigned> cpl) const;
    bool read_virtual(std::uint32_t linear, std::span<std::uint8_t> bytes) const;
    bool write_virtual(std::uint32_t linear, std::span<const std::uint8_t> bytes);

private:
    friend struct InstructionFetcher;
};

}  // namespace x86emu
