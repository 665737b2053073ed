// x86emu — chained handlers (handler chaining, "threaded code"): the form of a handler that runs
// its instruction inside a decoded block and then dispatches the block's next record itself, so
// that the instructions before a block's last one run without a return to the run loop between
// them (docs/ARCHITECTURE.md, "The run loop"). What one does is exactly what the run loop's
// block iteration did for it: charge the instruction's clocks, execute it, move EIP past it (it
// is sequential: runs_inside_block, opcode_table.hpp), and stop at the boundary after it when a
// signal is raised or the budget reached (CpuCore::chain_must_stop). Its clocks are not charged
// here: the run loop charges those of the whole chain before it starts.
//
// EIP is not moved instruction by instruction either. It is stored where something may read it:
// before an instruction that may stop the chain or fault (the tested ones: may_stop_chain,
// opcode_table.hpp; the general part of a split one), whose fault, callback or hook, and the
// boundary it may stop at, see the EIP of the per-instruction path; and at the chain's end, where
// the run loop or the linked form takes over. In between, the instructions that cannot (register
// forms, fast parts through the TLB's host pages) read and change registers and memory alone, and
// EIP is the block's entry EIP plus the record's offset (CpuCore::running_record_eip).
#pragma once
#include "core/cpu_core.hpp"
#include "core/exec/common.hpp"

// The dispatch of the next record is a call in tail position, which GCC and Clang compile to a
// jump when optimising: a block runs in the run loop's one call. Clang is told to guarantee it;
// where a compiler does not make it a jump (-O0), a block nests at most kMaxBlockInsns - 1 frames.
#if defined(__clang__)
#define X86EMU_TAIL_CALL [[clang::musttail]]
#else
#define X86EMU_TAIL_CALL
#endif

// GCC computes the next record's address into a scratch register and then moves it into the
// argument register, beside the load of its handler: four instructions where two do. Asking for
// the pointer in the second argument's register (RSI in the System V ABI) at once saves one or
// two on every chained instruction.
#if defined(__GNUC__) && defined(__x86_64__) && !defined(_WIN32)
#define X86EMU_IN_ARG_REGISTER(p) asm("" : "+S"(p))
#else
#define X86EMU_IN_ARG_REGISTER(p) ((void)0)
#endif

// The boundary after record `i` of a block: the next record's chained handler
// (exec::end_of_chain after the last but one) unless a signal is raised or the budget reached
// (when `tested`, EIP stored at `i`: see chained), where EIP is moved past it for the run loop.
// A macro, not a function, so that the dispatch stays a tail call of the handler itself.
#define X86EMU_CONTINUE_CHAIN(c, i, tested)                          \
    do {                                                             \
        if ((tested) && (c).chain_must_stop()) [[unlikely]] {        \
            (c).eip += (i).length;                                   \
            return;                                                  \
        }                                                            \
        const Insn* next_ = &(i) + 1; /* records are contiguous */  \
        X86EMU_IN_ARG_REGISTER(next_);                               \
        X86EMU_TAIL_CALL return next_->chain((c), *next_);           \
    } while (false)

namespace x86emu::exec {

// The chained form of handler Run, which the compiler inlines here when it can. The test after
// it and the EIP before it are left out (Tested false: may_stop_chain, opcode_table.hpp) for an
// instruction that can neither raise a signal on the CPU's own thread, nor charge clocks beyond
// its base ones, nor fault: one that touches no memory but through the TLB's host pages, which
// reach no device, decoded code, watch or hook (fill_tlb gives those no host pointer), calls no
// charge() and raises no #DE. Between such
// instructions nothing can have changed that the test would see but a signal from another
// thread, which, as documented for the fast path (CpuCore::fast_stop_cycle_), need only be seen
// once per block: at the next tested boundary or the block's end, where the run loop and the
// linked jump (enter_linked_block) look at fast_stop_cycle_ again.
template <Handler Run, bool Tested = true> void chained(CpuCore& c, const Insn& i) {
    if constexpr (Tested) c.eip = c.running_record_eip(i);
    Run(c, i);
    X86EMU_CONTINUE_CHAIN(c, i, Tested);
}

// For a handler type H with a fast part Fast (the common case without a call: it does the whole
// instruction or returns false having changed nothing): `fast<T, F>` for a memory form F of
// run<T, F>, or `fast<T>` of run<T> (PUSH and POP of a register), the chained form of that
// instantiation; when the fast part cannot, the general run<T> (EaForm::Any) does the
// instruction. A call inside a chained handler makes the compiler keep the CPU and the
// record in saved registers across it, a frame that costs the handler a third; here the fast
// path calls nothing, and the general one goes on from its own frame.
// The fast parts touch memory through the TLB's host pages alone, charge nothing and cannot
// fault, so they need no EIP and no test follows them (see chained); the general part is tested.
template <class H, class T> [[gnu::noinline]] void general_then_continue(CpuCore& c, const Insn& i) {
    c.eip = c.running_record_eip(i);
    H::template run<T>(c, i);
    X86EMU_CONTINUE_CHAIN(c, i, true);
}
using FastPart = bool (*)(CpuCore&, const Insn&);
template <class H, class T, FastPart Fast> void chained_split(CpuCore& c, const Insn& i) {
    if (!Fast(c, i)) [[unlikely]] {
        X86EMU_TAIL_CALL return general_then_continue<H, T>(c, i);
    }
    X86EMU_CONTINUE_CHAIN(c, i, false);
}

// The chained handler of a block's last record: back to the run loop, which runs that
// instruction itself (it may change anything, so the whole boundary test follows it), at its
// EIP.
inline void end_of_chain(CpuCore& c, const Insn& i) { c.eip = c.running_record_eip(i); }

// Whether a block that ends in a near transfer may dispatch the next block itself (exec::linked):
// blocks then follow each other in one chain, as long as the budget lasts, which is safe only
// where each dispatch is a jump, not a call that nests a frame. Clang guarantees it
// (musttail); GCC makes every sibling call a jump when it optimises (-O2, -Os, and -O1 with
// -foptimize-sibling-calls, which the library's build adds), never at -O0.
#if defined(__clang__) || (defined(__GNUC__) && defined(__OPTIMIZE__))
inline constexpr bool kLinkedBlocks = true;
#else
inline constexpr bool kLinkedBlocks = false;
#endif

// The linked form of a block's last record when it is a near transfer that can be made without a
// call (Transfer::destination<T>: where it goes and the clocks it adds, false when it cannot
// tell without one; Transfer::commit<T>: its side effect, e.g. a push through the TLB, false
// having done nothing when it cannot): where the run loop, having run it, would follow the
// block's link and charge the next block whole, this does both (CpuCore::linked_successor,
// enter_linked_block) and dispatches that block's first record, so that the loop is not
// returned to between the two blocks; otherwise it leaves the transfer to the loop, undone, at
// its EIP, as end_of_chain does.
template <class Transfer, class T> void linked(CpuCore& c, const Insn& i) {
    const std::uint32_t here = c.running_record_eip(i);
    const std::uint32_t sequential = (here + i.length) & c.ip_mask();
    Destination to;
    std::uint64_t charged;
    const CpuCoreCaches::DecodedBlock* block;
    if (!Transfer::template destination<T>(c, i, sequential, to) ||
        !(block = c.linked_successor(here, to.eip, to.extra_cycles, charged)) ||
        !Transfer::template commit<T>(c, sequential)) {
        c.eip = here;
        return;
    }
    const Insn* next_ = &c.enter_linked_block(*block, to.eip, charged);
    X86EMU_IN_ARG_REGISTER(next_);
    X86EMU_TAIL_CALL return next_->chain(c, *next_);
}

}  // namespace x86emu::exec

#undef X86EMU_CONTINUE_CHAIN
#undef X86EMU_IN_ARG_REGISTER
#undef X86EMU_TAIL_CALL
