// x86emu — CpuCoreCaches: what CpuCore keeps only to go fast, every bit of it derived from the
// state (core/cpu_core_state.hpp) or from memory, so none of it is ever saved: the software TLB
// (SDM vol. 3 §4.10) and the fetch page, the segment access windows, the code size of CS, the
// privilege half in use, the "some breakpoint is armed" and "#AC can fire" summaries, and the
// decoded-instruction cache with its page generations. CpuCore::rebuild_caches() recomputes the
// state-derived part (after set_state, reset and a snapshot restore); invalidate_all_code()
// forgets the memory-derived part (after memory is replaced). CpuCore inherits this privately:
// only its own fast paths read it.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/decode/insn.hpp"

namespace x86emu {

struct CpuCoreCaches {
    explicit CpuCoreCaches(std::uint32_t address_mask)
        : decode_cache_(std::make_unique<CachedInsn[]>(kDecodeCacheSize)),
          page_generation_((std::size_t{address_mask} + 1) >> 12, 0),
          page_has_code_((std::size_t{address_mask} + 1) >> 12, 0) {
        block_insns_.reserve(kBlockInsnPoolSize);
    }

    // ---- segment access windows ----------------------------------------------------------
    // Each window as "offset - first < starts[size]": one subtraction and one comparison per
    // access, whatever the window (starts[n] counts the offsets an n-byte access may begin at;
    // 64 bits because a 4 GiB window has 2^32 of them for bytes).
    struct SegmentCheck {
        std::uint32_t first = 0;
        std::uint64_t starts[5] = {};
    };
    SegmentCheck checks_[6][2];
    // Per segment and access kind (read, write): base 0 and a window of all 2^32 offsets, so an
    // access inside one page needs no segment check (CpuCore::read_mem).
    bool flat_segment_[6][2] = {};
    bool code32_ = false;  // CS.D
    std::uint32_t ip_mask_ = 0xFFFF;  // what EIP wraps at: FFFFh for 16-bit code (code32_)

    // ---- the software TLB ----------------------------------------------------------------
    // Per privilege (user/supervisor) and access kind (read/write), a direct-mapped array of
    // linear-page translations whose permission checks have passed. With paging off it caches
    // the identity mapping. An entry has no host pointer when the page is not plain RAM (or
    // holds decoded code, for the write side): the access then goes byte by byte to the Bus.
    // The tag says both at once, so that the fast path (CpuCore::tlb_host) makes one compare:
    // the linear page number, with kTlbNoHost added when there is no host pointer. Linear page
    // numbers have 20 bits, so neither a tag with kTlbNoHost nor kTlbInvalid equals one.
    static constexpr std::uint32_t kTlbNoHost = 1u << 20, kTlbInvalid = 0xFFFFFFFF;
    struct TlbEntry {  // 16 bytes: four entries per host cache line
        std::uint32_t tag = kTlbInvalid;
        std::uint32_t physical_page : 31 = 0;
        std::uint32_t global : 1 = 0;
        // The host address of the page's byte 0 minus the page's linear address, so that a
        // linear address plus this is its host address, without masking the offset (unsigned
        // arithmetic, which wraps; meaningful only without kTlbNoHost).
        std::uintptr_t host_bias = 0;
        bool translates(std::uint32_t linear_page) const { return (tag & ~kTlbNoHost) == linear_page; }
    };
    static constexpr unsigned kTlbSize = 256;
    TlbEntry tlb_[2][2][kTlbSize];
    unsigned user_ = 0;  // 1 at CPL 3: selects the TLB half used by ordinary accesses
    // tlb_[user_], kept with it (CpuCore::privilege_changed), so that the ordinary accesses'
    // fast path indexes from one load.
    TlbEntry (*tlb_user_)[kTlbSize] = tlb_[0];
    // The translation of the linear page instructions were last fetched from: one compare per
    // instruction instead of a TLB lookup. Reset with the TLB and on privilege changes.
    std::uint32_t fetch_page_ = 0xFFFFFFFF, fetch_physical_page_ = 0, fetch_backing_page_ = 0;
    // The fetch page's generation counter (in page_generation_, which never moves), so that a
    // lookup loads the generation without indexing; valid while fetch_page_ is.
    const std::uint32_t* fetch_generation_ = nullptr;
    // The last offset a cached instruction may reach: CS's limit, or none on the 8086 (its IP
    // wraps instead, and a wrapping instruction is never cached). Set with code32_.
    std::uint32_t fetch_limit_ = 0xFFFFFFFF;
    // Decoded code is tracked per backing page (page_generation_, page_has_code_), not per
    // physical page, so that an alias or the A20 gate cannot hide a write to code. Beside each
    // TLB entry, the backing page of its physical page, asked of the Bus when the entry is
    // filled: fetch_decoded and mark_code_page read it here instead of calling the Bus.
    std::uint32_t tlb_backing_page_[2][2][kTlbSize] = {};

    // ---- summaries of the state, so that the hot paths test one flag ---------------------
    bool data_watch_active_ = false;       // some DR7 data breakpoint is armed
    bool code_watch_active_ = false;       // some DR7 instruction breakpoint is armed
    bool access_watch_active_ = false;     // data breakpoints or memory hooks: see access_watched
    bool alignment_check_active_ = false;  // #AC can fire: see CpuCore::update_alignment_check

    // ---- decoded-instruction cache -------------------------------------------------------
    // Direct-mapped, keyed by the physical address of the first byte plus the decode mode.
    // Each backing page (Bus::backing_page: the storage behind a physical page, shared by its
    // aliases) has a generation; writing to a backing page that holds decoded code bumps it,
    // which invalidates every cached instruction of that storage at once, whichever physical
    // address it was decoded through.
    struct CachedInsn {
        std::uint32_t paddr = 0xFFFFFFFF;
        std::uint32_t generation = 0;
        std::uint8_t mode = 0xFF;
        Insn insn;
    };
    static constexpr unsigned kDecodeCacheSize = 1u << 15;
    std::unique_ptr<CachedInsn[]> decode_cache_;
    std::vector<std::uint32_t> page_generation_;
    std::vector<std::uint8_t> page_has_code_;
    Insn scratch_insn_;  // instructions that cannot be cached (page- or wrap-crossing)

    // ---- decoded blocks (decoded_blocks.cpp) ---------------------------------------------
    // The run loop's fast path executes straight-line runs of instructions decoded once: a
    // block starts at a physical address, lies in one page, and ends after its first
    // instruction that can change what the rest would assume (a transfer, a mode or paging
    // change, an interrupt shadow, a REP, I/O, x87: continues_block), or at kMaxBlockInsns.
    // Checked once per block like a cached instruction (the three tags and the CS limit for
    // its last byte); keyed and invalidated exactly like decode_cache_ (the backing page's
    // generation). A jump into the middle of a block starts a block of its own.
    struct DecodedBlock {  // 64 bytes: one host cache line
        std::uint32_t paddr = 0xFFFFFFFF;
        std::uint32_t generation = 0;
        std::uint8_t mode = 0xFF;
        // The last instruction cannot leave a rare condition at the boundary after it either (it
        // is a near transfer, or the block ended at its size or page): the run loop skips
        // plain_boundary() there, and may follow the block's links.
        bool plain_end = false;
        std::uint16_t bytes = 0;   // the instructions' total length
        std::uint16_t insns_before_last = 0;  // how many it holds, less one
        // The base clocks of all its instructions (their Insn::cycles), charged as it starts;
        // build_block ends a block before they would pass 65535.
        std::uint16_t cycles = 0;
        // The first and the last instruction, in block_insns_ (which never moves).
        const Insn* first = nullptr;
        const Insn* last = nullptr;
        // Links (CpuCore::link_block): up to two blocks the lookup found after this one, by the
        // EIP this one ended at, valid while link_epoch equals CpuCoreCaches::link_epoch_ and
        // this block's last instruction was at link_ip (0 link_epoch: none).
        std::uint32_t link_epoch = 0;
        std::uint32_t link_ip = 0;
        std::uint32_t link_eip[2] = {};
        const DecodedBlock* link_to[2] = {};
    };
    static constexpr unsigned kBlockTableSize = 1u << 15;
    static constexpr unsigned kMaxBlockInsns = 32;
    // The decoded instructions of every block, in order; when full, every block is forgotten
    // and it starts again empty (only between blocks: no block is running then). Reserved
    // once and never reallocated, so that a running block's records cannot move.
    static constexpr unsigned kBlockInsnPoolSize = 1u << 16;
    std::unique_ptr<DecodedBlock[]> blocks_ = std::make_unique<DecodedBlock[]>(kBlockTableSize);
    // The links' epoch: a link found at one epoch says what the lookup returns as long as no
    // slot of blocks_ is written or forgotten and the CS limit stays (CpuCore::linked_block);
    // each of those starts a new epoch (new_link_epoch), which kills every link at once. Never 0,
    // the value of a block that has no links.
    std::uint32_t link_epoch_ = 1;
    // What the run loop follows the links of when the block it ran has none to follow.
    const DecodedBlock no_links_{};
    std::vector<Insn> block_insns_;
};

}  // namespace x86emu
