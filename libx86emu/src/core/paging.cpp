// x86emu — linear-to-physical translation: the software TLB and the page walk.
//
// Implements: 32-bit paging with two-level 4 KiB pages and, when CR4.PSE is set, 4 MiB pages
// (Intel SDM vol. 3 §4.3), the U/S and R/W protection rules at each privilege level with CR0.WP
// (§4.6), accessed and dirty bits (§4.8), #PF error codes and CR2 (§4.7, §6.15 interrupt 14),
// TLB invalidation by MOV CR3 / INVLPG / CR0 and CR4 writes with global pages kept across CR3
// loads when CR4.PGE is set (§4.10.4), and the segment access windows derived from the
// descriptor caches (§5.3 limit checking, §5.5 type checking).
// Debug data breakpoints (§17.2.4): matched on the slow path of linear accesses.
#include "core/cpu_core.hpp"

namespace x86emu {

namespace {
constexpr std::uint32_t kPteP = 1u << 0, kPteW = 1u << 1, kPteU = 1u << 2, kPteA = 1u << 5,
                        kPteD = 1u << 6, kPtePS = 1u << 7, kPteG = 1u << 8;
}  // namespace

std::uint32_t CpuCore::read_physical32(std::uint32_t paddr) const {
    paddr &= traits.address_mask;
    if (std::uint8_t* host = bus.host_page(paddr & ~0xFFFu, false); host && (paddr & 3) == 0) {
        std::uint32_t v;
        std::memcpy(&v, host + (paddr & 0xFFF), 4);
        return v;
    }
    // Page-directory and page-table entries are dword aligned: one sized access.
    return static_cast<std::uint32_t>(bus.read(paddr, 4));
}

void CpuCore::write_physical32(std::uint32_t paddr, std::uint32_t value) {
    write_physical(paddr & traits.address_mask, 4, value);
}

void CpuCore::page_fault(std::uint32_t linear, std::uint32_t error_code) {
    cr2 = linear;
    raise_fault(Vector::PF, error_code);
}

CpuCore::PageLookup CpuCore::look_up_page(std::uint32_t linear, bool write, unsigned user,
                                          bool check_rights) const {
    // #PF error code: P (protection violation, not absence), W/R, U/S (SDM vol. 3 §4.7).
    const std::uint32_t access_bits = (write ? 2u : 0u) | (user ? 4u : 0u);
    PageLookup w;
    auto fail = [&](std::uint32_t error_code) {
        w.faults = true;
        w.error_code = error_code;
        return w;
    };
    w.pde_addr = (cr3 & 0xFFFFF000u) | ((linear >> 20) & 0xFFC);
    w.pde = read_physical32(w.pde_addr);
    if (!(w.pde & kPteP)) return fail(access_bits);

    w.large = (w.pde & kPtePS) && (cr4 & cr4::PSE);
    w.pte = w.pde;
    if (!w.large) {
        w.pte_addr = (w.pde & 0xFFFFF000u) | ((linear >> 10) & 0xFFC);
        w.pte = read_physical32(w.pte_addr);
        if (!(w.pte & kPteP)) return fail(access_bits);
    }
    // The effective rights are the stricter of the directory and table entries (§4.6).
    const std::uint32_t rights = w.pde & w.pte;
    if (!check_rights) {
    } else if (user) {
        if (!(rights & kPteU) || (write && !(rights & kPteW))) return fail(access_bits | 1);
    } else if (write && !(rights & kPteW) && (cr0 & kCr0WP)) {
        // Supervisor writes ignore R/W unless CR0.WP is set (486 and later; the 386 has no WP).
        return fail(access_bits | 1);
    }
    w.physical_page = w.large ? ((w.pde & 0xFFC00000u) | (linear & 0x003FF000u)) >> 12 : w.pte >> 12;
    return w;
}

std::uint32_t CpuCore::walk_page_tables(std::uint32_t linear, bool write, unsigned user) {
    const PageLookup w = look_up_page(linear, write, user, true);
    if (w.faults) page_fault(linear, w.error_code);
    // Accessed bits on the way down, dirty on the final entry for writes (§4.8).
    if (!(w.pde & kPteA) || (w.large && write && !(w.pde & kPteD))) {
        write_physical32(w.pde_addr, w.pde | kPteA | (w.large && write ? kPteD : 0));
    }
    if (!w.large && (!(w.pte & kPteA) || (write && !(w.pte & kPteD)))) {
        write_physical32(w.pte_addr, w.pte | kPteA | (write ? kPteD : 0));
    }
    return w.physical_page;
}

void CpuCore::fill_tlb(TlbEntry& e, std::uint32_t linear, bool write, unsigned user) {
    std::uint32_t phys_page;
    bool global = false;
    if (paging()) {
        phys_page = walk_page_tables(linear, write, user);
        if (cr4 & cr4::PGE) {
            // Only the final entry's G bit counts; re-reading it is cheaper than threading it
            // out of the walk, and misses are rare.
            std::uint32_t pde = read_physical32((cr3 & 0xFFFFF000u) | ((linear >> 20) & 0xFFC));
            if ((pde & kPtePS) && (cr4 & cr4::PSE)) global = pde & kPteG;
            else global = read_physical32((pde & 0xFFFFF000u) | ((linear >> 10) & 0xFFC)) & kPteG;
        }
    } else {
        phys_page = (linear & traits.address_mask) >> 12;
    }
    phys_page &= traits.address_mask >> 12;
    e.tag = linear >> 12;
    e.physical_page = phys_page;
    e.global = global ? 1u : 0u;
    std::uint32_t paddr = phys_page << 12;
    // Code tracking goes by the storage behind the page (Bus::backing_page), kept beside the entry.
    const std::uint32_t backing = backing_page_of(paddr);
    tlb_backing_page_[user][write][(linear >> 12) % kTlbSize] = backing;
    e.tag |= kTlbNoHost;  // until a host pointer is found below
    e.host_bias = 0;
    if (data_watch_active_) {
        // A page with an armed data breakpoint stays on the slow path, where it is matched.
        for (unsigned n = 0; n < 4; ++n) {
            bool enabled = (dr[7] >> (2 * n)) & 3;
            unsigned rw = (dr[7] >> (16 + 4 * n)) & 3;
            if (enabled && (rw & 1) && (dr[n] >> 12) == (linear >> 12)) return;
        }
    }
    // A page a memory hook watches stays on the slow path, where the hook is called.
    if (memory_hooks_active_ && hooks_.page_hooked(linear & ~0xFFFu, write)) return;
    // While alignment checks can fire, user accesses take the slow path, where they are made.
    if (user && alignment_check_active_) return;
    // Pages holding decoded code are written through the slow path so the write invalidates them.
    std::uint8_t* host = nullptr;
    if (write) host = page_has_code_[backing] ? nullptr : bus.host_page(paddr, true);
    else host = bus.host_page(paddr, false);
    if (!host) return;
    e.tag = linear >> 12;
    e.host_bias = reinterpret_cast<std::uintptr_t>(host) - (linear & ~0xFFFu);
}

void CpuCore::flush_tlb(bool keep_global) {
    fetch_page_ = 0xFFFFFFFF;
    for (auto& half : tlb_)
        for (auto& kind : half)
            for (TlbEntry& e : kind)
                if (!(keep_global && e.global)) e = TlbEntry{};
}

void CpuCore::flush_user_tlb() {
    fetch_page_ = 0xFFFFFFFF;
    for (auto& kind : tlb_[1])
        for (TlbEntry& e : kind) e = TlbEntry{};
}

void CpuCore::invalidate_tlb_page(std::uint32_t linear) {
    fetch_page_ = 0xFFFFFFFF;
    for (auto& half : tlb_)
        for (auto& kind : half) {
            TlbEntry& e = kind[(linear >> 12) % kTlbSize];
            if (e.translates(linear >> 12)) e = TlbEntry{};
        }
}

void CpuCore::mode_changed() {
    if (!protected_mode()) cpl = 0;
    else if (v86()) cpl = 3;
    privilege_changed();
    refresh_all_segments();
}

// ---- segment access windows ----------------------------------------------------------------

CpuCore::AccessWindow CpuCore::window_of(const SegmentState& d, bool write, bool protected_rules) {
    const AccessWindow full{0, d.limit};
    const AccessWindow none{1, 0};
    // Real and virtual-8086 mode: only the limit applies (types are not checked).
    if (!protected_rules) return full;
    if (!(d.attributes & 0x80)) return none;  // null selector or unusable cache
    if (d.attributes & 0x08) {
        // Code: never writable through CS or an override; readable only if R is set.
        return (!write && (d.attributes & 0x02)) ? full : none;
    }
    if (write && !(d.attributes & 0x02)) return none;  // read-only data
    if (d.attributes & 0x04) {
        // Expand-down: valid offsets lie above the limit, up to FFFFh or FFFFFFFFh (B bit).
        std::uint32_t top = (d.attributes & 0x4000) ? 0xFFFFFFFFu : 0xFFFFu;
        return d.limit >= top ? none : AccessWindow{d.limit + 1, top};
    }
    return full;
}

void CpuCore::refresh_segment(unsigned s) {
    for (unsigned write = 0; write < 2; ++write) {
        AccessWindow w = window_of(seg[s], write, pm());
        SegmentCheck& c = checks_[s][write];
        c.first = w.first;
        std::uint64_t span = w.first > w.last ? 0 : std::uint64_t{w.last} - w.first + 1;
        for (unsigned n = 1; n <= 4; ++n) c.starts[n] = span >= n ? span - n + 1 : 0;
    }
    update_flat_segment(s);
    if (s == CS) code_segment_changed();
}

void CpuCore::refresh_all_segments() {
    for (unsigned s = 0; s < 6; ++s) refresh_segment(s);
}

// ---- debug registers ---------------------------------------------------------------------------

void CpuCore::debug_registers_changed() {
    bool data = false, code = false;
    for (unsigned n = 0; n < 4; ++n) {
        bool enabled = (dr[7] >> (2 * n)) & 3;
        unsigned rw = (dr[7] >> (16 + 4 * n)) & 3;
        if (enabled && (rw & 1)) data = true;  // 01 = data write, 11 = data read/write
        if (enabled && rw == 0) code = true;   // 00 = instruction execution
    }
    data_watch_active_ = data;
    code_watch_active_ = code;
    update_hook_flags();
    flush_tlb(false);
}

void CpuCore::check_instruction_breakpoint() {
    // Instruction breakpoints are faults taken before the instruction executes, unless RF says
    // the instruction is being restarted (SDM vol. 3 §17.3.1.1).
    if (eflags_ & eflags::RF) return;
    std::uint32_t linear = seg[CS].base + eip;
    std::uint32_t hits = 0;
    for (unsigned n = 0; n < 4; ++n) {
        if (((dr[7] >> (2 * n)) & 3) && ((dr[7] >> (16 + 4 * n)) & 3) == 0 && dr[n] == linear) hits |= 1u << n;
    }
    if (hits) {
        dr[6] = (dr[6] & ~0xFu) | hits;
        raise_fault(Vector::DB);
    }
}

void CpuCore::check_data_breakpoint(std::uint32_t linear, unsigned size, bool write) {
    for (unsigned n = 0; n < 4; ++n) {
        if (!((dr[7] >> (2 * n)) & 3)) continue;
        unsigned rw = (dr[7] >> (16 + 4 * n)) & 3;
        if (!(rw & 1) || (rw == 1 && !write)) continue;
        // LEN 00/01/11 = 1/2/4 bytes; the breakpoint address is aligned to its length.
        unsigned len = ((dr[7] >> (18 + 4 * n)) & 3) + 1;
        if (len == 3) len = 4;
        std::uint32_t first = dr[n] & ~(len - 1);
        if (linear <= first + len - 1 && first <= linear + size - 1) {
            pending_debug_status |= 1u << n;
            raise_signal(kSignalBlockEnd);  // the trap follows this instruction, not its block
        }
    }
}

}  // namespace x86emu
