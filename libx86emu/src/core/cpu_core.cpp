// x86emu — CpuCore: the run loop, exception and interrupt delivery in real-address mode
// (SDM vol. 3 §20.1.4: the IVT, FLAGS/CS/IP pushed, IF and TF cleared), flag-register rules
// per model (8086 User's Manual §2.3; 80286 PRM §3; SDM vol. 1 §3.4.3), the host-pointer page
// cache and the decoded-instruction cache with its write invalidation.
#include "core/cpu_core.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "core/decode/decoder.hpp"
#include "core/exec/chain.hpp"

namespace x86emu {

ModelTraits traits_for(CpuModel model) {
    switch (model) {
    case CpuModel::i8086: return {model, true, false, false, false, false, false, false, 0x000FFFFF, 0, 0x0FD5};
    case CpuModel::i80286: return {model, false, true, true, false, false, false, false, 0x00FFFFFF, 10, 0x7FD5};
    case CpuModel::i80386: return {model, false, true, true, true, false, false, false, 0xFFFFFFFF, 15, 0x00037FD5};
    case CpuModel::i80486: return {model, false, true, true, true, true, false, false, 0xFFFFFFFF, 15, 0x00077FD5};
    // QUIRK(P5): EFLAGS.ID (bit 21) is loadable: software detects CPUID by toggling it (SDM
    // vol. 1 §3.4.3.3). VIF/VIP (19, 20) belong to VME/PVI, which this model does not offer.
    case CpuModel::p5: return {model, false, true, true, true, true, true, false, 0xFFFFFFFF, 15, 0x00277FD5};
    // The P6 keeps the P5's loadable EFLAGS bits (no VME here either). 32 physical address lines:
    // the silicon's 36 need PAE, which this model does not offer.
    case CpuModel::p6: return {model, false, true, true, true, true, true, true, 0xFFFFFFFF, 15, 0x00277FD5};
    }
    return {model, false, true, true, true, false, false, false, 0xFFFFFFFF, 15, 0x00037FD5};
}

CpuCore::CpuCore(CpuModel model, Bus& b, bool fpu)
    : CpuCoreCaches(traits_for(model).address_mask), traits(traits_for(model)), timing(timing_table_for(model)),
      bus(b), has_fpu(fpu) {
    if (model_has_cpuid(model)) {
        cpuid_table = builtin_cpuid(model);
        // A P5/P6 built without its FPU (CpuOptions) must not announce one (CPUID.1:EDX.FPU).
        if (!has_fpu && cpuid_table.leaves.size() > 1) cpuid_table.leaves[1].edx &= ~1u;
    }
    reset();
}

void CpuCore::reset() {
    settle_running_block();
    std::fill(std::begin(gpr), std::end(gpr), 0u);
    for (auto& s : seg) s = SegmentState{};
    // Reset vector: FFFF:0000 on the 8086, F000:FFF0 with CS base FFFF0000 on the 386
    // (SDM vol. 3 §9.1.4); the 286 starts at F000:FFF0 with CS base FF0000.
    if (traits.is8086) {
        seg[CS].selector = 0xFFFF;
        seg[CS].base = 0xFFFF0;
        eip = 0;
    } else {
        seg[CS].selector = 0xF000;
        seg[CS].base = traits.has386 ? 0xFFFF0000u : 0xFF0000u;
        eip = 0xFFF0;
    }
    seg[CS].attributes = 0x9B;
    next_eip = eip;
    store_flags(traits.is8086 ? 0xF002u : 0x2u);
    cr0 = traits.has386 ? 0x10u : (traits.has286 ? 0xFFF0u & 0 : 0u);
    // QUIRK(80486): the cache comes out of reset disabled, CD = NW = 1 (SDM vol. 3 table 9-1).
    if (traits.has486) cr0 = 0x60000010u;
    cr2 = cr3 = cr4 = 0;
    // The FPU after RESET (SDM vol. 3 table 9-1): control word 0040h, status 0, every register
    // +0.0 and tagged valid-zero (tag word 5555h), pointers cleared. Software runs FNINIT next.
    x87 = fpu::X87State{};
    x87.control = 0x0040;
    x87.empty = 0;
    for (auto& r : x87.physical) r = fpu::kPositiveZero;
    set_ferr(false);
    // The time-stamp counter is cleared by reset (Pentium Developer's Manual vol. 3, the
    // time-stamp counter in the model-specific registers chapter; SDM vol. 3 "Time-Stamp
    // Counter"); `cycles` itself keeps counting since creation.
    tsc_offset = 0 - cycles;
    gdtr = TableRegister{0, 0xFFFF};
    idtr = TableRegister{0, 0x3FF};
    ldtr = SegmentState{};
    tr = SegmentState{};
    std::fill(std::begin(dr), std::end(dr), 0u);
    halted = false;
    set_nmi_pending(false);
    nmi_blocked = false;
    inhibit_interrupts = false;
    rep_in_progress = false;
    shutdown_ = false;
    pending_debug_status = 0;
    rebuild_caches();
}

void CpuCore::rebuild_caches() {
    mode_changed();             // the CPL the mode fixes, the privilege half, #AC, segment windows
    debug_registers_changed();  // the breakpoint summaries; empties the whole TLB and the fetch page
}

void CpuCore::invalidate_all_code() {
    // A new generation for every page that holds decoded code drops all its cached
    // instructions; the write side of the TLB must then be refilled with host pointers.
    for (std::uint32_t page = 0; page < page_has_code_.size(); ++page)
        if (page_has_code_[page]) code_page_written(page);
    flush_tlb(false);
}

// ---- flags ---------------------------------------------------------------------------------

void CpuCore::materialize_flags() {
    if (!flags_lazy_) return;
    eflags_ = current_flags();
    flags_lazy_ = false;
}

std::uint32_t CpuCore::get_flags() {
    materialize_flags();
    return eflags_;
}

void CpuCore::set_flags(std::uint32_t value) {
    store_flags(value);
    update_alignment_check();
}

void CpuCore::write_flags(std::uint32_t value, std::uint32_t writable_mask) {
    materialize_flags();
    std::uint32_t v = (eflags_ & ~writable_mask) | (value & writable_mask);
    if (traits.is8086) {
        // QUIRK(8086): bits 12-15 always read as 1; bits 1 fixed 1, 3 and 5 fixed 0.
        v = (v & 0x0FD5u) | 0xF002u;
    } else if (!traits.has386) {
        // QUIRK(80286): in real mode IOPL and NT cannot be set (they read as 0); bit 15 is 0.
        v = (v & (protected_mode() ? 0x7FD5u : 0x0FD5u)) | 0x0002u;
    } else {
        // 80386: bits 15 and 18-31 are reserved 0; VM and RF are unaffected by POPF/IRET in
        // real mode; IOPL and NT are writable in real mode. QUIRK(80486): AC (18) is writable.
        v = (v & traits.eflags_loadable) | 0x2u;
        v = (v & ~(eflags::VM | eflags::RF)) | (eflags_ & (eflags::VM | eflags::RF));
    }
    if (protected_mode()) {
        // POPF/IRET privilege rules (SDM vol. 2 POPF, IRET): only CPL 0 changes IOPL, and IF
        // changes only when CPL <= IOPL; otherwise those bits keep their value, silently.
        if (cpl > 0) v = (v & ~eflags::IOPL) | (eflags_ & eflags::IOPL);
        if (cpl > iopl()) v = (v & ~eflags::IF) | (eflags_ & eflags::IF);
    }
    store_flags(v);
    update_alignment_check();
}

std::uint32_t CpuCore::flags_word_for_push() {
    materialize_flags();
    return eflags_;
}

// ---- exceptions -----------------------------------------------------------------------------

namespace {
// Exception classes for the double-fault rule (SDM vol. 3 §6.15: table 6-4 classes, table 6-5
// conditions). Contributory are exactly #DE #TS #NP #SS #GP; #AC (17), like #UD, #NM and #MF, is
// in table 6-4's benign list, so a #AC during another delivery (or vice versa) is handled
// serially, never as #DF.
enum class FaultClass { Benign, Contributory, PageFault };
FaultClass class_of(Vector v) {
    switch (v) {
    case Vector::DE: case Vector::TS: case Vector::NP: case Vector::SS: case Vector::GP:
        return FaultClass::Contributory;
    case Vector::PF: return FaultClass::PageFault;
    default: return FaultClass::Benign;
    }
}
bool makes_double_fault(Vector first, Vector second) {
    FaultClass a = class_of(first), b = class_of(second);
    if (a == FaultClass::Contributory) return b == FaultClass::Contributory;
    if (a == FaultClass::PageFault) return b != FaultClass::Benign;
    return false;
}
}  // namespace

constinit thread_local FaultJump* armed_fault_jump = nullptr;

void CpuCore::deliver_fault(const CpuFault& first) {
    // Faults restart the instruction: the saved IP is the faulting instruction's own address.
    // QUIRK(8086): the divide error is a trap after the instruction (saved IP = next one, which
    // exec::divide_error stored: the fast path leaves next_eip alone inside a block).
    std::uint32_t return_eip = eip;
    if (traits.is8086 && first.vector == Vector::DE) return_eip = next_eip;
    if (first.vector == Vector::UD && !hooks_.invalid_opcode.empty() && invalid_opcode_handled()) return;
    delivery_return_eip_ = return_eip;
    deliver_exception(first);
}

// One attempt to deliver `fault`. A fault raised during it lands in fault_landed with
// delivering_ set, which applies the double-fault rule and makes the next attempt.
void CpuCore::deliver_exception(const CpuFault& fault) {
    cycles += timing[TimingClass::Exception].reg;
    // Fault-class exceptions save RF = 1 so that IRET restarts the instruction without
    // re-triggering its instruction breakpoint (SDM vol. 3 §17.3.1.1); #DB does not.
    push_rf_ = traits.has386 && fault.vector != Vector::DB && fault.vector != Vector::DF;
    delivering_ = true;
    delivering_fault_ = fault;
    next_eip = delivery_return_eip_;
    interrupt(static_cast<std::uint8_t>(fault.vector), delivery_return_eip_, EventKind::Exception,
              fault.has_error_code, fault.error_code);
    delivering_ = false;
    eip = next_eip;
    delivery_ext_ = 0;
    push_rf_ = false;
}

void CpuCore::fault_landed(CpuFault raised) {
    settle_running_block();  // the instructions of a block before the one that faulted retired
    if (fault_fixup.apply) {
        const FaultFixup fixup = fault_fixup;
        fault_fixup = {};
        fixup.apply(*this, fixup);
    }
    if (!delivering_) {
        // A fault of an instruction, of its fetch or of an external event's delivery. EXT is 0
        // outside a delivery (interrupt_protected restores it on its way out; a fault leaves
        // before that).
        halted = false;
        rep_resume = false;
        delivery_ext_ = 0;
        deliver_fault(raised);
        return;
    }
    // A fault while delivering the double fault shuts the processor down; the
    // contributory/page-fault pairs become #DF(0); anything else is handled serially.
    // Errors raised during delivery carry EXT (SDM vol. 3 §6.13).
    delivering_ = false;
    push_rf_ = false;
    delivery_ext_ = 1;
    if (delivering_fault_.vector == Vector::DF) {
        shutdown_ = true;
        delivery_ext_ = 0;
        return;
    }
    deliver_exception(makes_double_fault(delivering_fault_.vector, raised.vector) ? CpuFault{Vector::DF, true, 0}
                                                                                   : raised);
}

// ---- memory ---------------------------------------------------------------------------------

void CpuCore::write_physical(std::uint32_t paddr, unsigned size, std::uint64_t value) {
    const std::uint32_t page = backing_page_of(paddr);
    if (page_has_code_[page]) code_page_written(page);
    bus.write(paddr, size, value);
}

std::uint64_t CpuCore::read_physical_pieces(std::uint32_t paddr, std::uint32_t length) {
    std::uint64_t value = 0;
    for_each_natural_piece(paddr, length, [&](std::uint32_t at, unsigned size, std::uint32_t offset) {
        value |= bus.read(at, size) << (8 * offset);
    });
    return value;
}

void CpuCore::write_physical_pieces(std::uint32_t paddr, std::uint32_t length, std::uint64_t value) {
    for_each_natural_piece(paddr, length, [&](std::uint32_t at, unsigned size, std::uint32_t offset) {
        write_physical(at, size, value >> (8 * offset));
    });
}

void CpuCore::mark_code_page(std::uint32_t backing_page) {
    if (page_has_code_[backing_page]) return;
    page_has_code_[backing_page] = 1;
    // Every writable translation onto this storage loses its host pointer, whichever physical
    // page (alias, A20 wrap) it goes through.
    for (unsigned user = 0; user < 2; ++user)
        for (unsigned k = 0; k < kTlbSize; ++k)
            if (tlb_backing_page_[user][1][k] == backing_page) tlb_[user][1][k].tag = kTlbInvalid;
}

void CpuCore::code_page_written(std::uint32_t backing_page) {
    ++page_generation_[backing_page];
    page_has_code_[backing_page] = 0;
    raise_signal(kSignalBlockEnd);  // the running block may be this code
}

void CpuCore::invalidate_code(std::uint32_t paddr, std::uint32_t length) {
    if (length == 0) return;
    std::uint32_t first = (paddr & traits.address_mask) >> 12;
    std::uint32_t last = ((paddr + length - 1) & traits.address_mask) >> 12;
    for (std::uint32_t p = first;; p = (p + 1) % page_generation_.size()) {
        ++page_generation_[backing_page_of(p << 12)];
        if (p == last) break;
    }
    raise_signal(kSignalBlockEnd);
}

void CpuCore::forget_decoded_code() {
    // Only the tags: the instruction being executed may be one of these slots.
    for (unsigned k = 0; k < kDecodeCacheSize; ++k) decode_cache_[k].mode = 0xFF;
    forget_blocks();
    raise_signal(kSignalBlockEnd);
}

// The map changed: which storage a physical page shows may have changed with it, so the decoded
// instructions go too (their generations belong to the old backing pages), not only the
// host pointers.
void CpuCore::flush_host_pointers() {
    flush_tlb(false);
    forget_decoded_code();
}

// ---- fetch and decode -----------------------------------------------------------------------

std::uint8_t InstructionFetcher::next() {
    CpuCore& c = cpu;
    if (c.traits.max_insn_length && count >= c.traits.max_insn_length) raise_fault(Vector::GP, 0);
    std::uint32_t offset = c.eip + count;
    if (c.traits.is8086) {
        offset &= 0xFFFF;  // QUIRK(8086): IP wraps inside the code segment
    } else if (offset > c.seg[CS].limit || (!c.code32() && offset > 0xFFFF)) {
        raise_fault(Vector::GP, 0);
    }
    std::uint32_t phys = c.physical_for(c.seg[CS].base + offset, false, c.user_);
    if (count == 0) first_physical = phys;
    else if (phys != first_physical + count || (phys >> 12) != (first_physical >> 12)) cacheable = false;
    ++count;
    return c.read_physical8(phys);
}

// The hit path of fetch_decoded, inlined into the run loop: the fetch page's translation, one
// slot, its three tags, and the CS limit (a cached instruction's last byte must still lie in CS).
// Null when any of them fails; fetch_decoded then does the full fetch.
inline const Insn* CpuCore::cached_decoded() {
    const std::uint32_t linear = seg[CS].base + eip;
    if ((linear >> 12) != fetch_page_) return nullptr;
    const std::uint32_t phys = (fetch_physical_page_ << 12) | (linear & 0xFFF);
    const CachedInsn& slot = decode_cache_[decode_slot_of(phys)];
    if (slot.paddr != phys || slot.generation != *fetch_generation_ || slot.mode != decode_mode()) return nullptr;
    if (eip + slot.insn.length - 1 > fetch_limit_) return nullptr;
    return &slot.insn;
}

// The hit path of the block lookup, inlined into the run loop: cached_decoded's tests, once per
// block, with the CS limit applied to the block's last byte; null when the fetch page is not
// that of CS:EIP or the block there is not usable (build_block then looks again, after the
// fetch page is translated, and decodes one if need be).
inline const CpuCoreCaches::DecodedBlock* CpuCore::cached_block() {
    const std::uint32_t linear = seg[CS].base + eip;
    if ((linear >> 12) != fetch_page_) return nullptr;
    return usable_block((fetch_physical_page_ << 12) | (linear & 0xFFF));
}

// The lookup when CS:EIP has left the fetch page (a call or jump to another page): when the TLB
// holds the new page's translation, it becomes the fetch page as fetch_physical would make it,
// and the block there is looked up as above; null otherwise (build_block translates, with the
// page walk and its faults). A block found so is not linked to (links stay in one fetch page:
// link_block).
inline const CpuCoreCaches::DecodedBlock* CpuCore::cached_block_in_new_page() {
    const std::uint32_t linear = seg[CS].base + eip;
    if ((linear >> 12) == fetch_page_) return nullptr;
    std::uint32_t phys;
    if (!tlb_translation(linear, false, user_, phys)) return nullptr;
    adopt_fetch_page(linear, phys);
    return usable_block(phys);
}

const Insn& CpuCore::fetch_decoded() {
    if (const Insn* hit = cached_decoded()) return *hit;
    return fetch_and_decode();
}

const Insn& CpuCore::fetch_and_decode() {
    std::uint32_t phys = fetch_physical(seg[CS].base + eip);
    std::uint32_t page = fetch_backing_page_;
    CachedInsn& slot = decode_cache_[decode_slot_of(phys)];
    if (slot.paddr == phys && slot.generation == page_generation_[page] && slot.mode == decode_mode()) {
        // Cached, but beyond the CS limit now: decoding again raises the #GP where it belongs.
        if (eip + slot.insn.length - 1 <= fetch_limit_) return slot.insn;
    }
    InstructionFetcher f{*this};
    decode_instruction(*this, f, scratch_insn_);
    if (!f.cacheable) return scratch_insn_;
    mark_code_page(page);
    slot.paddr = phys;
    slot.generation = page_generation_[page];
    slot.mode = static_cast<std::uint8_t>(decode_mode());
    slot.insn = scratch_insn_;
    return slot.insn;
}

void CpuCore::update_fpu_error_summary() {
    bool pending = (x87.status & 0x3F & ~x87.control) != 0;
    x87.status = pending ? static_cast<std::uint16_t>(x87.status | fpu::sw::ES | fpu::sw::B)
                         : static_cast<std::uint16_t>(x87.status & ~(fpu::sw::ES | fpu::sw::B));
    set_ferr(pending && !(cr0 & kCr0NE));
}

// ---- run loop -------------------------------------------------------------------------------

bool CpuCore::signals_pause_rep() const { return events_pending(); }

bool CpuCore::service_events() {
    // Returns true when an interrupt was delivered (which also wakes a halted CPU).
    if (nmi_pending() && !nmi_blocked) {
        set_nmi_pending(false);
        halted = false;
        rep_in_progress = false;  // the REP restarts (and pays its setup again) after the handler
        if (interrupt_hooks_active_ && !interrupt_allowed(2, InterruptKind::Nmi, false, 0, eip)) return true;
        nmi_blocked = true;
        next_eip = eip;
        interrupt(2, eip, EventKind::External);
        eip = next_eip;
        return true;
    }
    if (intr_line() && interrupts_enabled() && interrupt_controller) {
        halted = false;
        rep_in_progress = false;
        std::uint8_t vector = call_embedder([&] { return interrupt_controller->acknowledge(); });
        if (interrupt_hooks_active_ && !interrupt_allowed(vector, InterruptKind::External, false, 0, eip)) return true;
        next_eip = eip;
        interrupt(vector, eip, EventKind::External);
        eip = next_eip;
        cycles += timing[TimingClass::Exception].reg;
        return true;
    }
    return false;
}

void CpuCore::deliver_debug_traps(bool single_step_trap) {
    // Debug traps after the instruction (SDM vol. 3 §17.3.1): single step (BS) and data
    // breakpoints (Bn) are reported together in DR6.
    dr[6] = (dr[6] & ~0xFu) | pending_debug_status | (single_step_trap ? 0x4000u : 0u);
    pending_debug_status = 0;
    rep_in_progress = false;
    next_eip = eip;
    interrupt(1, eip, EventKind::Exception);
    eip = next_eip;
}

inline void CpuCore::execute_plain(const Insn& insn) {
    cycles += insn.cycles;
    execute_charged(insn);
}

// One instruction whose base clocks are charged already (its block's: run_plain_instructions).
inline void CpuCore::execute_charged(const Insn& insn) {
    next_eip = (eip + insn.length) & ip_mask();
    insn.exec(*this, insn);
    eip = next_eip;
}

// After an instruction that left a rare condition at the boundary: it retired unless its REP
// paused, and the data breakpoints it hit trap after it (TF was clear before it).
void CpuCore::leave_plain_path() {
    if (!rep_in_progress) ++instructions;
    if (pending_debug_status) deliver_debug_traps(false);
}

// The chain stopped at a boundary before the block's last instruction (a signal, or the budget
// reached by clocks charged beyond the chain's own): those before it retired, the clocks of
// those from it on were not spent, and the slow iteration takes that boundary as it left it.
void CpuCore::leave_chain_at_boundary() {
    settle_running_block_at_boundary();
    next_eip = eip;  // as the slow iteration leaves it (CpuState snapshots hold it)
    // A data breakpoint's trap follows the instruction that hit it.
    if (pending_debug_status) deliver_debug_traps(false);
}

// A block's instructions before its last, when the budget may end between two of them: each
// charged, run and counted as it goes, with the test at every boundary. False at a stop (the
// budget, or a signal), with the boundary left as leave_chain_at_boundary leaves it.
bool CpuCore::run_records_one_by_one(const Insn* first, const Insn* last) {
    for (const Insn* insn = first; insn != last; ++insn) {
        execute_plain(*insn);
        ++instructions;
        if (reached_fast_stop()) {
            if (pending_debug_status) deliver_debug_traps(false);
            return false;
        }
    }
    return true;
}

// The fast path of execute_loop: the exact effect of its slow iteration when, at the boundary,
// no TF, RF, interrupt shadow, paused REP, pending debug trap, halt, shutdown or instruction
// watch is pending and no signal is raised but a masked INTR (plain_path_signal): then that
// iteration's tests and bookkeeping are
// no-ops, and what is left is fetch, charge, execute, retire. It runs decoded blocks
// (decoded_blocks.cpp): inside one, an instruction cannot create any of those conditions except
// through a signal (a data breakpoint, a write to code: kSignalBlockEnd), so between two of its
// instructions only the budget and the signals are tested (one comparison: fast_stop_cycle_),
// exactly where the slow iteration tests them; the block's last instruction, which may change anything, is followed by the whole
// test. An instruction that leaves a rare condition behind finishes as the slow iteration would
// (retired unless its REP paused, its data-breakpoint trap delivered); then, as for a signal or
// the budget, the slow iteration handles the next boundary exactly as before.
void CpuCore::run_plain_instructions(std::uint64_t end_cycle) {
    if (!plain_boundary()) return;
    // Stored before the signal word is read: a signal raised from here on zeroes it.
    fast_stop_cycle_.store(end_cycle, std::memory_order_relaxed);
    // The block just run if its links may be followed (plain_end), else no_links_, and the EIP of
    // its last instruction, which keys its links (link_block).
    const DecodedBlock* block = &no_links_;
    std::uint32_t ip = 0;
    // What the slow iteration tests before it would begin an instruction: any signal but a masked
    // INTR, and the budget. A plain end cannot change IF or start an instruction watch, so after
    // one only the signals raised since fast_stop_cycle_ was stored (which zero it) and the
    // budget remain: one comparison.
    auto stops_here = [&] { return plain_path_signal() || cycles >= end_cycle; };
    if (stops_here()) return;
    for (;;) {
        if (block->link_epoch == link_epoch_ && block->link_ip == ip && eip == block->link_eip[0]) {
            block = block->link_to[0];
        } else if (block->link_epoch == link_epoch_ && block->link_ip == ip && eip == block->link_eip[1]) {
            block = block->link_to[1];
        } else if (const DecodedBlock* found = cached_block()) {
            link_block(*block, ip, *found);
            block = found;
        } else if (const DecodedBlock* other = cached_block_in_new_page()) {
            block = other;
        } else if (const DecodedBlock* built = build_block()) [[likely]] {
            block = built;
        } else {
            // Not decodable as a block: one instruction as before.
            execute_plain(fetch_and_decode());
            if (!plain_boundary()) [[unlikely]] return leave_plain_path();
            ++instructions;
            block = &no_links_;
            if (stops_here()) break;
            continue;
        }
        const Insn* const first = block->first;
        const Insn* const last = block->last;
        // The instructions before the last run by their chained handlers (exec/chain.hpp), each
        // dispatching the next, until the last or a signal at a boundary between them. None of
        // them can change CS:EIP but by its length, and none reaches past the CS limit
        // (cached_block), so IP cannot wrap before the last either. Nor does any of them read
        // next_eip (only transfers do, and the #DE of DIV and AAM, which stores it:
        // exec::divide_error), so it is not stored for them; EIP itself is stored only where
        // it may be read (exec/chain.hpp), and is the last record's when the chain returns.
        if (cycles + block->cycles < fast_stop_cycle()) [[likely]] {
            // Its base clocks end before the budget: charged at once, they leave only the
            // signals (and clocks charged beyond them: CpuCore::charge) to test between its
            // instructions.
            cycles += block->cycles;
            if (first != last || last->chain != &exec::end_of_chain) {
                running_block_ = block;
                running_block_eip_ = eip;
                first->chain(*this, *first);
                // The chain returns at the last record of the block it ran (this one, or one
                // its linked last records went on to: exec::linked), or at the boundary where a
                // signal (or charge()) stopped it: the same test, made again, tells which (a
                // signal from another thread raised since then stops here too, as at any
                // boundary).
                if (chain_must_stop()) [[unlikely]] return leave_chain_at_boundary();
                block = running_block_;
                running_block_ = nullptr;
                instructions += block->insns_before_last;
            }
            ip = eip;
            execute_charged(*block->last);
        } else {
            // The budget may end inside the block, or a signal is raised.
            if (!run_records_one_by_one(first, last)) return;
            ip = eip;
            execute_plain(*last);
        }
        if (block->plain_end) [[likely]] {
            ++instructions;
            if (reached_fast_stop()) break;
            continue;
        }
        // The last counts as the slow iteration would count it.
        if (!plain_boundary()) [[unlikely]] return leave_plain_path();
        ++instructions;
        block = &no_links_;
        if (stops_here()) break;
    }
    // A block's plain end skipped plain_boundary(): a data breakpoint its last instruction hit
    // (a CALL's push, a RET's pop) traps now, after it.
    if (pending_debug_status) deliver_debug_traps(false);
}

void CpuCore::execute_loop(std::uint64_t end_cycle, bool single_step, RunResult& result) {
    for (;;) {
        if (!single_step) run_plain_instructions(end_cycle);
        if (shutdown_) {
            result.reasons = result.reasons | StopReason::Shutdown;
            return;
        }
        // The one test per instruction for a stop request, NMI, INTR and a moved deadline.
        if (any_signal()) [[unlikely]] {
            const std::uint32_t raised = read_signals();
            if (raised & (kSignalStop | kSignalHookStop)) {
                report_requested_stop(result);
                return;
            }
            if (raised & kSignalBlockEnd) clear_signal(kSignalBlockEnd);
            if (raised & kSignalDeadline) {
                clear_signal(kSignalDeadline);
                end_cycle = end_cycle_;
            }
            if (!inhibit_interrupts && events_pending()) {
                if (service_events()) {
                    if (single_step) {
                        result.reasons = result.reasons | StopReason::Stepped;
                        return;
                    }
                    // An interrupt hook stops before the handler runs.
                    if (signal_set(kSignalHookStop)) continue;
                } else if (intr_without_controller()) {
                    // Nothing can supply the vector: stop here rather than run on as if the line
                    // were low (or spin in a REP that keeps pausing for it).
                    result.reasons = result.reasons | StopReason::NoInterruptController;
                    if (halted) result.reasons = result.reasons | StopReason::Halted;
                    return;
                }
            }
        }
        if (halted) {
            result.reasons = result.reasons | StopReason::Halted;
            return;
        }
        if (cycles >= end_cycle) {
            result.reasons = result.reasons | StopReason::BudgetExhausted;
            return;
        }
        // The one per-instruction test for breakpoints of every kind (DR7 ones included), code
        // and fetch hooks and this run's limits (debug_hooks.cpp); false: stopped before this
        // instruction, which is left exactly as it was (shadow, paused REP).
        if (instruction_watch_ && !watched_boundary(result)) return;
        inhibit_interrupts = false;
        rep_resume = rep_in_progress;
        rep_in_progress = false;
        const bool trap = eflags_ & eflags::TF;
        const bool resume = eflags_ & eflags::RF;
        const Insn& insn = fetch_decoded();
        next_eip = (eip + insn.length) & ip_mask();
        cycles += insn.cycles;
        insn.exec(*this, insn);
        eip = next_eip;
        rep_resume = false;
        // RF lasts for one completed instruction (an IRET that loads it set sees it kept).
        if (resume) eflags_ &= ~eflags::RF;
        // A REP instruction stopped between iterations has not retired yet: it counts once, when
        // its last iteration is done.
        if (!rep_in_progress) {
            ++instructions;
        }
        // Single-step trap after the instruction (SDM vol. 3 §17.3.1.4).
        if (trap || pending_debug_status) deliver_debug_traps(trap);
        if (single_step) {
            result.reasons = result.reasons | StopReason::Stepped;
            return;
        }
    }
}

// The jump point: armed once per run(), it stays valid for as long as this frame lives, so a
// delivered fault goes back into execute_loop without arming again. Nothing in this frame
// changes after _setjmp (C++ [csetjmp.syn], C 7.13.2.1: such locals would be indeterminate
// after the jump); the raised fault is in raised_fault_.
void CpuCore::run_armed(bool single_step, RunResult& result, const CpuFault* thrown) {
    FaultJump jump;
    jump.raised = &raised_fault_;
    struct Restore {  // also when an embedder exception leaves run()
        FaultJump* previous;
        ~Restore() { armed_fault_jump = previous; }
    } restore{armed_fault_jump};
    armed_fault_jump = &jump;
    if (_setjmp(jump.buffer) != 0) {
        if (!continue_after_fault(raised_fault_, single_step, result)) return;
    } else if (thrown) {
        if (!continue_after_fault(*thrown, single_step, result)) return;
    }
    execute_loop(end_cycle_, single_step, result);
}

bool CpuCore::continue_after_fault(CpuFault fault, bool single_step, RunResult& result) {
    fault_landed(fault);
    if (shutdown_) {
        result.reasons = result.reasons | StopReason::Shutdown;
        return false;
    }
    if (single_step) {
        result.reasons = result.reasons | StopReason::Stepped;
        return false;
    }
    return true;
}

RunResult CpuCore::run(std::uint64_t cycle_budget, bool single_step) {
    RunResult result;
    std::uint64_t start = cycles;
    settle_running_block();  // an embedder exception may have left the last run inside a block
    run_start_instructions_ = instructions;
    // Saturated: a budget of "forever" (UINT64_MAX) must not wrap to an end in the past.
    end_cycle_ = single_step || cycle_budget > ~cycles ? ~std::uint64_t{0} : cycles + cycle_budget;
    single_step_ = single_step;
    if (halted && !events_pending()) {
        result.reasons = StopReason::Halted;
        return result;
    }
    // What an embedder exception out of a delivery or an access left behind (interrupt_protected
    // restores EXT only on its normal ways out): outside one, EXT is 0 and no fix-up is due.
    delivering_ = false;
    delivery_ext_ = 0;
    fault_fixup = {};
    // A CpuFault thrown rather than jumped (raised inside embedder code, where the point is
    // disarmed, and let out of it) is delivered as before the jump point existed.
    CpuFault thrown{};
    bool have_thrown = false;
    for (;;) {
        try {
            run_armed(single_step, result, have_thrown ? &thrown : nullptr);
            break;
        } catch (const CpuFault& fault) {
            thrown = fault;
            have_thrown = true;
        }
    }
    // A stop requested during step()'s instruction (from a hook or Bus callback) is reported by
    // that step: left pending, it would end the next run() before its first instruction.
    if (single_step && (read_signals() & (kSignalStop | kSignalHookStop))) report_requested_stop(result);
    if (rep_in_progress) result.reasons = result.reasons | StopReason::RepInProgress;
    result.cycles = cycles - start;
    result.instructions = instructions - run_start_instructions_;
    return result;
}

// ---- state ----------------------------------------------------------------------------------

CpuState CpuCore::state() {
    CpuState s;
    for (unsigned r = 0; r < 8; ++r) s.gpr[r] = gpr[r];
    s.eip = eip;
    s.eflags = get_flags();
    for (unsigned k = 0; k < 6; ++k) s.seg[k] = seg[k];
    s.cr0 = cr0;
    s.cr2 = cr2;
    s.cr3 = cr3;
    s.cr4 = cr4;
    s.gdtr = gdtr;
    s.idtr = idtr;
    s.ldtr = ldtr;
    s.tr = tr;
    for (unsigned k = 0; k < 8; ++k) s.dr[k] = dr[k];
    for (unsigned k = 0; k < 8; ++k) s.test_registers[k] = test_registers[k];
    s.cpl = static_cast<std::uint8_t>(cpl);
    s.halted = halted;
    s.interrupt_shadow = inhibit_interrupts;
    s.nmi_pending = nmi_pending();
    s.nmi_blocked = nmi_blocked;
    s.rep_in_progress = rep_in_progress;
    if (traits.has_p5) s.tsc = time_stamp_counter();
    return s;
}

void CpuCore::set_state(const CpuState& s) {
    settle_running_block();  // before EIP changes: the block's progress is read from it
    // Everything that can be refused is checked before anything is changed.
    if (s.cpl) {
        const std::string given = "CpuState::cpl: " + std::to_string(*s.cpl);
        if (*s.cpl > 3) throw std::invalid_argument(given + " is not a privilege level (0-3)");
    }
    if (s.tsc && !traits.has_p5)
        throw std::invalid_argument("CpuState::tsc: CPU model " + std::string(cpu_model_name(traits.model)) +
                                    " has no time-stamp counter");
    for (unsigned r = 0; r < 8; ++r) gpr[r] = s.gpr[r];
    gpr[8] = 0;
    eip = next_eip = s.eip;
    store_flags(s.eflags | 0x2u);
    for (unsigned k = 0; k < 6; ++k) seg[k] = s.seg[k];
    cr0 = s.cr0;
    cr2 = s.cr2;
    cr3 = s.cr3;
    cr4 = s.cr4;
    gdtr = s.gdtr;
    idtr = s.idtr;
    ldtr = s.ldtr;
    tr = s.tr;
    for (unsigned k = 0; k < 8; ++k) dr[k] = s.dr[k];
    for (unsigned k = 0; k < 8; ++k) test_registers[k] = s.test_registers[k];
    halted = s.halted;
    shutdown_ = false;
    inhibit_interrupts = s.interrupt_shadow;
    set_nmi_pending(s.nmi_pending);
    nmi_blocked = s.nmi_blocked;
    rep_in_progress = s.rep_in_progress;
    rep_resume = false;
    pending_debug_status = 0;
    if (s.tsc) tsc_offset = *s.tsc - cycles;  // TSC = cycles + offset, modulo 2^64
    // Unless given: in protected mode the CPL is CS.RPL (SDM vol. 3 §5.5); real and V86 mode
    // fix it (rebuild_caches).
    cpl = s.cpl ? *s.cpl : (seg[CS].selector & 3u);
    rebuild_caches();
}

}  // namespace x86emu
