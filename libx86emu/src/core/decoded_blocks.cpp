// x86emu — decoded blocks (CpuCoreCaches, "decoded blocks"): straight-line runs of instructions
// decoded once from one page, which the run loop's fast path executes with one lookup per
// block instead of one per instruction (docs/ARCHITECTURE.md, "The run loop"). What a block may
// hold follows from what the fast path stops testing inside it: an instruction in the middle of
// a block must leave CS:EIP sequential, CS, the paging structures, EFLAGS.TF/RF/IF, the
// interrupt shadow and the halt state alone, and must not pause as a REP does. The instruction
// bytes are those of the fetch page's host storage (RAM or ROM, never MMIO, whose reads may have
// side effects), limited by the CS limit and, for 16-bit code, the 64 KiB IP range, exactly as
// InstructionFetcher would read them (Intel SDM vol. 3 §5.3 limit checking, vol. 2 §2.3.11
// instruction length). A block that ends in a near transfer is linked to the blocks the lookup
// found after it (link_block), so that the run loop follows a link instead of the lookup while
// the link can only give the lookup's answer.
#include <algorithm>

#include "core/cpu_core.hpp"
#include "core/decode/decoder.hpp"
#include "core/decode/opcode_table.hpp"
#include "core/exec/chain.hpp"

namespace x86emu {

namespace {

// Whether the instruction after `insn` may run in the same block: its class runs inside blocks
// (runs_inside_block, opcode_table.hpp), which the decoder records by giving it a chained
// handler, and it has no REP prefix (a REP string instruction pauses between iterations). An
// x87 instruction and #UD (a hook may skip it) have no chained handler.
bool continues_block(const Insn& insn) { return insn.chain != nullptr && insn.rep == Insn::kNoRep; }

// Flags nobody reads: a record followed, past records that leave the flags alone
// (HandlerPair::leaves_flags: MOV, LEA, MOVZX, NOT, ...), by one that writes all six arithmetic
// flags reading none (sets_all_flags) runs its chained form without its own flags (unflagged).
// All of them are untested forms (may_stop_chain), so between the first and the writer no
// fault, callback, hook or stop can see the flags; the writer must not be the block's last,
// which the run loop runs after a boundary test (or a linked jump after its own), where the
// chain may stop. Where the block runs record by record (a budget inside it), the records' own
// handlers run, with flags. One pass from the end, each record's pair looked up once.
void leave_out_unread_flags(Insn* records, unsigned count) {
    // Whether the flags as record k + 1 finds them are overwritten, unread, before the last.
    bool overwritten = false;
    for (unsigned k = count - 1; k-- > 0;) {
        const HandlerPair* pair = handler_pair_of(records[k]);
        if (!pair || records[k].chain != pair->chain) {  // tested, or no pair: may see them
            overwritten = false;
            continue;
        }
        if (overwritten && pair->unflagged) records[k].chain = pair->unflagged;
        overwritten = pair->sets_all_flags || (pair->leaves_flags && overwritten);
    }
}

// Near transfers (Jcc, JMP, CALL, RET, LOOP, JCXZ within CS): they end a block, since EIP moves
// by more than their length, but like the instructions inside one they change none of what
// plain_boundary() tests.
bool near_transfer(const Insn& insn) {
    switch (opcode_rows()[insn.row].timing) {
    case TimingClass::Jcc: case TimingClass::Loop: case TimingClass::Loope:
    case TimingClass::Loopne: case TimingClass::Jcxz: case TimingClass::JmpNear:
    case TimingClass::JmpRM: case TimingClass::CallNear: case TimingClass::CallRM:
    case TimingClass::RetNear: case TimingClass::RetNearImm:
        return true;
    default:
        return false;
    }
}

// The linked form of a block's last record (exec::linked), if it has one: that of the handler
// pair the decoder took its handler from (a V row's wide one for 32-bit operands).
Handler linked_form(const Insn& insn) {
    const OpcodeRow& row = opcode_rows()[insn.row];
    const HandlerPair& pair = row.width == OperandWidth::V && insn.op32() ? row.wide : row.narrow;
    return pair.exec == insn.exec ? pair.linked : nullptr;
}

}  // namespace

// The miss path of the block lookup: translates the fetch page of CS:EIP, then takes the block
// there if the table holds a usable one (the lookup missed only for the fetch page: code moved to
// another page), or decodes one into the table slot of its physical address. Null when not even its first instruction can be decoded from the fetch
// page's storage (MMIO, a page- or limit-crossing instruction, one beyond the maximum length):
// the run loop then takes that instruction through fetch_and_decode, which raises what the
// fetch raises. The fetch page's translation is made here first, so a #PF on the fetch is raised
// where the per-instruction path raises it.
const CpuCoreCaches::DecodedBlock* CpuCore::build_block() {
    const std::uint32_t phys = fetch_physical(seg[CS].base + eip);
    if (const DecodedBlock* cached = usable_block(phys)) return cached;
    const std::uint8_t* page = bus.host_page(phys & ~0xFFFu, false);
    if (!page) return nullptr;
    if (block_insns_.size() + kMaxBlockInsns > kBlockInsnPoolSize) {
        forget_blocks();
        block_insns_.clear();
    }
    const Handler undefined = undefined_opcode_handler(traits.model);
    const DecodeContext context{traits, timing, code32(), has_fpu};
    // The last offset an instruction byte may have: the CS limit (fetch_limit_ already stops
    // 16-bit code at FFFFh).
    const std::uint32_t last_offset = fetch_limit_;
    const std::uint32_t first = static_cast<std::uint32_t>(block_insns_.size());
    std::uint32_t bytes = 0;
    unsigned count = 0;
    std::uint32_t block_cycles = 0;  // of the records so far
    for (;;) {
        const std::uint32_t in_page = (phys & 0xFFF) + bytes;
        const std::uint32_t offset = eip + bytes;
        if (in_page >= 0x1000 || offset < eip || offset > last_offset) break;
        const std::uint32_t available = static_cast<std::uint32_t>(
            std::min<std::uint64_t>(0x1000 - in_page, std::uint64_t{last_offset} - offset + 1));
        BufferFetcher fetcher{page + in_page, available, traits.max_insn_length};
        Insn& insn = block_insns_.emplace_back();
        decode_with(context, fetcher, insn);
        if (fetcher.stop != BufferFetcher::Stop::None) {  // the page or the CS limit cut it
            block_insns_.pop_back();
            break;
        }
        // The block's clocks must fit DecodedBlock::cycles (one instruction's always do).
        if (count > 0 && block_cycles + insn.cycles > 0xFFFF) {
            block_insns_.pop_back();
            break;
        }
        insn.block_offset = static_cast<std::uint16_t>(bytes);
        bytes += insn.length;
        ++count;
        block_cycles += insn.cycles;
        if (count == kMaxBlockInsns || !continues_block(insn)) break;
    }
    if (count == 0) return nullptr;
    leave_out_unread_flags(&block_insns_[first], count);
    Insn& last = block_insns_.back();
    const bool plain_end = continues_block(last) ||
                           (last.rep == Insn::kNoRep && last.exec != undefined && near_transfer(last));
    mark_code_page(fetch_backing_page_);
    DecodedBlock& block = blocks_[block_slot_of(phys)];
    // Links to the block this slot held, and its own, name what it no longer holds.
    new_link_epoch();
    block.link_epoch = 0;
    block.paddr = phys;
    block.generation = *fetch_generation_;
    block.mode = static_cast<std::uint8_t>(decode_mode());
    block.bytes = static_cast<std::uint16_t>(bytes);
    block.insns_before_last = static_cast<std::uint16_t>(count - 1);
    block.cycles = static_cast<std::uint16_t>(block_cycles);
    block.first = &block_insns_[first];
    block.last = &block_insns_.back();
    block.plain_end = plain_end;
    // The chain of the records before the last ends at the last, which the run loop runs, unless
    // it is a near transfer that may follow the block's links itself.
    const Handler linked = plain_end && last.rep == Insn::kNoRep ? linked_form(last) : nullptr;
    last.chain = linked ? linked : &exec::end_of_chain;
    return &block;
}

// Only the tags: a block may be running (a map change from inside an instruction); its records
// stay where they are until the pool is next emptied, between blocks (build_block).
void CpuCore::forget_blocks() {
    for (unsigned k = 0; k < kBlockTableSize; ++k) blocks_[k].mode = 0xFF;
    new_link_epoch();
}

void CpuCore::new_link_epoch() {
    if (++link_epoch_ != 0) return;
    // Wrapped: the old epochs come round again, so no block may keep one.
    for (unsigned k = 0; k < kBlockTableSize; ++k) blocks_[k].link_epoch = 0;
    link_epoch_ = 1;
}

// Block links. After a plain_end block `from` whose last instruction was at EIP `last_ip` (the
// block was entered at a fixed distance before it), the run loop found `to` for the current EIP
// by a hit of cached_block (never after build_block, which may have written any slot, `from`'s
// too). From then on, at the end of `from` with its last instruction at `last_ip` again, the same
// EIP gives the same answer without the lookup, for as long as the epoch lasts:
//  - the translation: cached_block takes only blocks of the fetch page, which was the linear page
//    `from` starts in (its lookup made it so; nothing in a plain_end block moves it or CS, and a
//    map change raises kSignalBlockEnd, tested before any link is followed). So `to` lies in that
//    page, at a fixed distance from `from`, whatever CS's base is: `from` passed the lookup (or
//    was reached by a link from a block that did, and so on) under the present translation, and
//    the lookup would translate `to`'s EIP to the same physical page, as it did then.
//  - the slot: no slot was written or forgotten since (build_block, forget_blocks end the epoch),
//    so `to` still holds the address, the generation and the mode it held when it matched. Its
//    generation is that of `from`'s page, which `from` matched on entry (a write to that page
//    while `from` ran raised kSignalBlockEnd); its mode is the one `from` was decoded in, which
//    `from` matched on entry.
//  - the CS limit `to` was checked against: a change ends the epoch (code_segment_changed).
void CpuCore::link_block(const DecodedBlock& from, std::uint32_t last_ip, const DecodedBlock& to) {
    if (&from == &no_links_) return;
    DecodedBlock& slot = blocks_[&from - blocks_.get()];
    if (slot.link_epoch != link_epoch_ || slot.link_ip != last_ip) {
        slot.link_epoch = link_epoch_;
        slot.link_ip = last_ip;
        slot.link_eip[1] = slot.link_eip[0] = eip;
        slot.link_to[1] = slot.link_to[0] = &to;
        return;
    }
    // A second successor (the other way of a Jcc): the older link moves to the second place.
    slot.link_eip[1] = slot.link_eip[0];
    slot.link_to[1] = slot.link_to[0];
    slot.link_eip[0] = eip;
    slot.link_to[0] = &to;
}

}  // namespace x86emu
