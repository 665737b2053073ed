// x86emu — PhysicalMemoryMap: a Bus built from RAM, ROM and MMIO regions at chosen physical
// addresses, aliases of them, an A20 gate and defined behaviour for unmapped addresses. Machine
// builds its PC layout with one; an embedder with its own layout can put a Cpu straight on one.
//
// Rules:
//   * Granularity: RAM, ROM and aliases of them start and end on 4 KiB pages (the granule of
//     Bus::host_page); MMIO regions, and aliases of MMIO, may start and end on any byte.
//   * Overlaps are refused: a region that would overlap a mapped one throws
//     std::invalid_argument naming both ranges, and nothing changes. To put a region over part
//     of another one (VGA memory over the RAM at A0000h, say), unmap that part first.
//   * Addresses: every address is masked to the address bus given at construction (`address_mask`,
//     e.g. 0xFFFFF, 0xFFFFFF or 0xFFFFFFFF) and then, while the A20 gate is off, has bit 20
//     cleared, as the PC/AT's gate does (0x100000-0x10FFFF shows 0x0-0xFFFF again). Accesses
//     wrap at the top of the address bus. Regions must lie inside the address bus.
//   * RAM reads and writes host memory (a host page for the CPU's fast path); ROM is read-only
//     (a host page for reads; writes go nowhere and are reported to the ROM-write hook);
//     MMIO calls its handler with the access's size and its offset in the region.
//   * Unmapped addresses are open bus: reads see all ones, writes go nowhere; both are reported
//     to the unmapped hook, which may supply the value a read sees.
//   * An access is delivered whole when it lies in one region (or one unmapped gap) and one
//     4 KiB page; otherwise it is split at those boundaries into natural pieces
//     (for_each_natural_piece in x86emu/bus.hpp), lowest address first.
//   * Code tracking: backing_page() names the storage behind a physical page (for RAM and ROM,
//     the page where that storage was first mapped; for MMIO and open bus the page itself, after
//     masking and the A20 gate), so a CPU sees that an alias or the A20 wrap shows code it decoded
//     elsewhere. Every change of the map (map_*, unmap, set_a20) tells the listeners
//     (map_changed: Cpu::flush_host_pointers), and write_physical tells them which bytes it wrote
//     (memory_written: Cpu::invalidate_code), so DMA and embedder writes invalidate decoded code
//     themselves. Code executed from MMIO is cached like any other: a device whose readable
//     contents change other than through writes must have the CPU's decoded code invalidated.
//   * Handlers and hooks may change the map while they run; the change applies from the next
//     access on (the running one finishes with the regions it started with).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "x86emu/bus.hpp"

namespace x86emu {

class Cpu;
class IoPortMap;

// A memory-mapped device. `offset` is the access's distance from the start of the region as
// mapped by map_mmio (an alias passes the same offsets, so the device never sees where it is
// seen); `size` is 1, 2, 4 or 8. A read returns the value little-endian in the low `size` bytes
// (higher bits are dropped); a write's value has no bits above them. An empty read function reads
// all ones, an empty write function ignores the write.
struct MmioHandler {
    std::function<std::uint64_t(std::uint32_t offset, unsigned size)> read;
    std::function<void(std::uint32_t offset, unsigned size, std::uint64_t value)> write;
};

// An access the hooks are told of. `paddr` is the address on the bus (masked, A20 applied). For
// an unmapped read, `value` starts as all ones of `size` bytes and the hook may change it.
struct MemoryAccess {
    std::uint32_t paddr = 0;
    unsigned size = 1;
    bool write = false;
    std::uint64_t value = 0;
};

// Told of changes that make a CPU's caches stale. add_listener(Cpu&) wires both to that CPU.
struct MemoryMapListener {
    // A region was mapped or unmapped, or the A20 gate switched: host pointers and decoded
    // instructions obtained before are stale (Cpu::flush_host_pointers).
    std::function<void()> map_changed;
    // write_physical stored into [paddr, paddr + length) (bus addresses, inside one page):
    // decoded instructions there are stale (Cpu::invalidate_code).
    std::function<void(std::uint32_t paddr, std::uint32_t length)> memory_written;
};

enum class MemoryKind : std::uint8_t { Ram, Rom, Mmio };

struct MemoryRegionInfo {
    std::uint32_t base = 0;
    std::uint64_t size = 0;
    MemoryKind kind = MemoryKind::Ram;
    bool alias = false;  // made by map_alias (or a part of one left by unmap)
};

class PhysicalMemoryMap final : public Bus {
public:
    static constexpr std::uint32_t kPageBytes = 4096;

    // An empty map (all open bus) over an address bus of `address_mask` + 1 bytes; the mask must
    // be 2^n - 1 with n of 20 to 32 (std::invalid_argument otherwise). The A20 gate starts on.
    explicit PhysicalMemoryMap(std::uint32_t address_mask = 0xFFFFFFFFu);
    ~PhysicalMemoryMap() override;
    PhysicalMemoryMap(const PhysicalMemoryMap&) = delete;
    PhysicalMemoryMap& operator=(const PhysicalMemoryMap&) = delete;

    std::uint32_t address_mask() const { return address_mask_; }

    // ---- regions (std::invalid_argument on a bad range or an overlap; see the rules above) ----
    // RAM owned by the map, zero-filled lazily (calloc: untouched guest memory costs nothing);
    // std::bad_alloc if the host cannot reserve it.
    void map_ram(std::uint32_t base, std::uint64_t size);
    // RAM in the embedder's memory, which must outlive the mapping (and aliases of it). The
    // embedder's own stores into it are not seen by the CPU's code tracking: follow them with
    // Cpu::invalidate_code, or store through write_physical.
    void map_ram(std::uint32_t base, std::span<std::uint8_t> memory);
    // ROM holding a copy of `image` (a non-empty multiple of 4 KiB).
    void map_rom(std::uint32_t base, std::span<const std::uint8_t> image);
    void map_mmio(std::uint32_t base, std::uint64_t size, MmioHandler handler);
    // [base, base + size) shows the same storage (or device) as [target_base, target_base +
    // size), which must lie inside one mapped region (an alias of an alias resolves to the
    // original). The alias keeps the storage alive if the original is unmapped later.
    void map_alias(std::uint32_t base, std::uint64_t size, std::uint32_t target_base);
    // Every byte of [base, base + size) becomes open bus; regions partly inside are cut (the
    // parts left keep their storage and MMIO offsets). A cut through RAM or ROM must fall on a
    // page boundary (std::invalid_argument otherwise, nothing changed). Unmapping open bus (or
    // nothing, size 0) is allowed and changes nothing.
    void unmap(std::uint32_t base, std::uint64_t size);
    // The regions, by address.
    std::vector<MemoryRegionInfo> regions() const;

    // ---- inputs, hooks, listeners ----
    // The A20 gate: off forces physical address bit 20 to 0 for every access through the map.
    void set_a20(bool enabled);
    bool a20() const { return a20_mask_ == ~0u; }
    void set_unmapped_hook(std::function<void(MemoryAccess&)> hook);
    void set_rom_write_hook(std::function<void(const MemoryAccess&)> hook);
    using ListenerId = std::uint64_t;
    ListenerId add_listener(MemoryMapListener listener);
    ListenerId add_listener(Cpu& cpu);  // map_changed -> flush_host_pointers, memory_written -> invalidate_code
    void remove_listener(ListenerId id);
    // Where io_read/io_write go; without one every port is unclaimed (all ones, writes dropped).
    void set_io_ports(IoPortMap* ports) { ports_ = ports; }

    // ---- accesses by the embedder or a DMA master ----
    // As the CPU's own accesses through the map would be (RAM, ROM, MMIO handlers, the hooks),
    // in pieces of at most 8 bytes outside RAM and ROM; addresses wrap at the top of the bus.
    // write_physical tells the listeners what it wrote, so decoded code there is invalidated.
    void read_physical(std::uint32_t paddr, std::span<std::uint8_t> out);
    void write_physical(std::uint32_t paddr, std::span<const std::uint8_t> data);

    // ---- Bus ----
    std::uint8_t read8(std::uint32_t paddr) override { return static_cast<std::uint8_t>(read(paddr, 1)); }
    void write8(std::uint32_t paddr, std::uint8_t value) override { write(paddr, 1, value); }
    // size 1 to 8 (std::invalid_argument otherwise).
    std::uint64_t read(std::uint32_t paddr, unsigned size) override;
    void write(std::uint32_t paddr, unsigned size, std::uint64_t value) override;
    // A pointer only for a page wholly inside RAM (read or write) or ROM (read only); never for
    // MMIO or open bus.
    std::uint8_t* host_page(std::uint32_t page_paddr, bool for_write) override;
    // The host bytes of the RAM page at page_paddr as mapped, whatever the A20 gate says (for
    // whole-memory walks such as machine snapshots), or nullptr where that page is not RAM.
    std::uint8_t* ram_page(std::uint32_t page_paddr);
    std::uint32_t backing_page(std::uint32_t page_paddr) override;
    std::uint32_t io_read(std::uint16_t port, unsigned size) override;
    void io_write(std::uint16_t port, unsigned size, std::uint32_t value) override;

private:
    struct Backing;  // the storage or device behind a region and its aliases
    struct Region {
        std::uint32_t base = 0;
        std::uint64_t end = 0;  // exclusive
        std::shared_ptr<Backing> backing;
        std::uint64_t offset = 0;  // of `base` in the backing
        bool alias = false;
    };

    std::uint32_t decode(std::uint32_t paddr) const { return paddr & address_mask_ & a20_mask_; }
    const Region* find(std::uint32_t address) const;
    // The region holding decoded address `a` (nullptr: open bus) and how many of the `wanted`
    // bytes from `a` stay in it, in its page and before the top of the bus.
    const Region* run_at(std::uint32_t a, std::uint64_t wanted, std::uint32_t& run) const;
    std::uint64_t read_piece(std::uint32_t a, const Region* region, unsigned size);
    void write_piece(std::uint32_t a, const Region* region, unsigned size, std::uint64_t value);
    void read_bytes(std::uint32_t paddr, std::uint8_t* out, std::uint64_t length);
    void write_bytes(std::uint32_t paddr, const std::uint8_t* data, std::uint64_t length, bool notify);

    void check_range(std::uint32_t base, std::uint64_t size, bool page_granular, const char* what) const;
    void insert(Region region);
    void notify_map_changed();

    std::uint32_t address_mask_;
    std::uint32_t a20_mask_ = ~0u;
    std::vector<Region> regions_;  // sorted by base, never overlapping
    std::function<void(MemoryAccess&)> unmapped_hook_;
    std::function<void(const MemoryAccess&)> rom_write_hook_;
    std::vector<std::pair<ListenerId, MemoryMapListener>> listeners_;
    ListenerId next_listener_id_ = 1;
    IoPortMap* ports_ = nullptr;
};

}  // namespace x86emu
