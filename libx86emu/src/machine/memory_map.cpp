// x86emu — PhysicalMemoryMap: decoding physical addresses to RAM, ROM, MMIO and open bus, the A20
// gate, aliases, and the backing-page names the CPU's code tracking keys on (the rules are in
// x86emu/memory_map.hpp). The A20 gate follows the IBM PC/AT: address line 20 forced low while
// the gate is off, so real-mode FFFF:0010 and above wrap to 0 as on an 8086.
#include "x86emu/memory_map.hpp"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

#include "x86emu/cpu.hpp"
#include "x86emu/io_ports.hpp"

static_assert(std::endian::native == std::endian::little, "RAM and ROM accesses copy little-endian values");

namespace x86emu {

namespace {

std::string hex(std::uint64_t value) {
    std::ostringstream text;
    text << "0x" << std::hex << std::uppercase << value;
    return text.str();
}

std::string range_text(std::uint64_t base, std::uint64_t end) { return hex(base) + "-" + hex(end - 1); }

const char* kind_name(MemoryKind kind) {
    switch (kind) {
    case MemoryKind::Ram: return "RAM";
    case MemoryKind::Rom: return "ROM";
    case MemoryKind::Mmio: return "MMIO";
    }
    return "?";
}

std::uint64_t all_ones(unsigned size) { return size >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * size)) - 1; }

struct FreeDeleter {
    void operator()(std::uint8_t* bytes) const { std::free(bytes); }
};

}  // namespace

struct PhysicalMemoryMap::Backing {
    MemoryKind kind = MemoryKind::Ram;
    std::uint8_t* bytes = nullptr;  // RAM and ROM
    std::uint64_t size = 0;
    // The physical address its byte 0 was first mapped at: backing_page() names its pages by
    // that address, which no other storage used at the time.
    std::uint32_t home_base = 0;
    // calloc'd rather than a std::vector so that gigabytes of guest RAM cost nothing until the
    // guest touches them (the kernel hands out zero pages lazily).
    std::unique_ptr<std::uint8_t, FreeDeleter> owned_ram;
    std::vector<std::uint8_t> rom;
    MmioHandler mmio;
};

PhysicalMemoryMap::PhysicalMemoryMap(std::uint32_t address_mask) : address_mask_(address_mask) {
    if (address_mask < 0xFFFFFu || (address_mask & (address_mask + 1)) != 0)
        throw std::invalid_argument("memory map: address mask " + hex(address_mask) +
                                    " is not 2^n - 1 with 20 to 32 address bits");
}

PhysicalMemoryMap::~PhysicalMemoryMap() = default;

// ---- regions -------------------------------------------------------------------------------

void PhysicalMemoryMap::check_range(std::uint32_t base, std::uint64_t size, bool page_granular, const char* what) const {
    const std::uint64_t end = std::uint64_t{base} + size;
    if (size == 0) throw std::invalid_argument(std::string("memory map: ") + what + " at " + hex(base) + " is empty");
    if (end > std::uint64_t{address_mask_} + 1)
        throw std::invalid_argument(std::string("memory map: ") + what + " " + hex(base) + " + " + hex(size) +
                                    " reaches past the address bus (top " + hex(address_mask_) + ")");
    if (page_granular && (base % kPageBytes != 0 || size % kPageBytes != 0))
        throw std::invalid_argument(std::string("memory map: ") + what + " " + range_text(base, end) +
                                    " must start and end on a 4 KiB page boundary");
    for (const Region& r : regions_) {
        if (r.base < end && r.end > base)
            throw std::invalid_argument(std::string("memory map: ") + what + " " + range_text(base, end) +
                                        " overlaps the " + kind_name(r.backing->kind) +
                                        (r.alias ? " alias " : " region ") + range_text(r.base, r.end));
    }
}

void PhysicalMemoryMap::insert(Region region) {
    auto at = std::upper_bound(regions_.begin(), regions_.end(), region.base,
                               [](std::uint32_t base, const Region& r) { return base < r.base; });
    regions_.insert(at, std::move(region));
    notify_map_changed();
}

void PhysicalMemoryMap::map_ram(std::uint32_t base, std::uint64_t size) {
    check_range(base, size, true, "RAM");
    auto backing = std::make_shared<Backing>();
    backing->owned_ram.reset(static_cast<std::uint8_t*>(std::calloc(static_cast<std::size_t>(size), 1)));
    if (!backing->owned_ram) throw std::bad_alloc();
    backing->bytes = backing->owned_ram.get();
    backing->size = size;
    backing->home_base = base;
    insert(Region{base, std::uint64_t{base} + size, std::move(backing), 0, false});
}

void PhysicalMemoryMap::map_ram(std::uint32_t base, std::span<std::uint8_t> memory) {
    check_range(base, memory.size(), true, "RAM");
    auto backing = std::make_shared<Backing>();
    backing->bytes = memory.data();
    backing->size = memory.size();
    backing->home_base = base;
    insert(Region{base, std::uint64_t{base} + memory.size(), std::move(backing), 0, false});
}

void PhysicalMemoryMap::map_rom(std::uint32_t base, std::span<const std::uint8_t> image) {
    check_range(base, image.size(), true, "ROM");
    auto backing = std::make_shared<Backing>();
    backing->kind = MemoryKind::Rom;
    backing->rom.assign(image.begin(), image.end());
    backing->bytes = backing->rom.data();
    backing->size = image.size();
    backing->home_base = base;
    insert(Region{base, std::uint64_t{base} + image.size(), std::move(backing), 0, false});
}

void PhysicalMemoryMap::map_mmio(std::uint32_t base, std::uint64_t size, MmioHandler handler) {
    check_range(base, size, false, "MMIO");
    auto backing = std::make_shared<Backing>();
    backing->kind = MemoryKind::Mmio;
    backing->size = size;
    backing->home_base = base;
    backing->mmio = std::move(handler);
    insert(Region{base, std::uint64_t{base} + size, std::move(backing), 0, false});
}

void PhysicalMemoryMap::map_alias(std::uint32_t base, std::uint64_t size, std::uint32_t target_base) {
    const Region* target = find(target_base);
    if (size == 0 || !target || std::uint64_t{target_base} + size > target->end)
        throw std::invalid_argument("memory map: alias target " + hex(target_base) + " + " + hex(size) +
                                    " does not lie inside one mapped region");
    const bool page_granular = target->backing->kind != MemoryKind::Mmio;
    if (page_granular && target_base % kPageBytes != 0)
        throw std::invalid_argument("memory map: alias target " + hex(target_base) + " of a " +
                                    kind_name(target->backing->kind) + " region must be page aligned");
    Region alias{base, std::uint64_t{base} + size, target->backing, target->offset + (target_base - target->base), true};
    check_range(base, size, page_granular, "alias");
    insert(std::move(alias));
}

void PhysicalMemoryMap::unmap(std::uint32_t base, std::uint64_t size) {
    if (size == 0) return;
    const std::uint64_t end = std::uint64_t{base} + size;
    if (end > std::uint64_t{address_mask_} + 1)
        throw std::invalid_argument("memory map: unmap " + hex(base) + " + " + hex(size) +
                                    " reaches past the address bus (top " + hex(address_mask_) + ")");
    // Check every cut before changing anything.
    for (const Region& r : regions_) {
        if (r.base >= end || r.end <= base || r.backing->kind == MemoryKind::Mmio) continue;
        for (std::uint64_t cut : {std::uint64_t{base}, end}) {
            if (cut > r.base && cut < r.end && cut % kPageBytes != 0)
                throw std::invalid_argument("memory map: unmap cuts the " + std::string(kind_name(r.backing->kind)) +
                                            " region " + range_text(r.base, r.end) + " at " + hex(cut) +
                                            ", inside a 4 KiB page");
        }
    }
    std::vector<Region> kept, removed;  // removed storage is released after the listeners ran
    bool changed = false;
    for (Region& r : regions_) {
        if (r.base >= end || r.end <= base) {
            kept.push_back(std::move(r));
            continue;
        }
        changed = true;
        if (r.base < base) kept.push_back(Region{r.base, base, r.backing, r.offset, r.alias});
        if (r.end > end)
            kept.push_back(Region{static_cast<std::uint32_t>(end), r.end, r.backing, r.offset + (end - r.base), r.alias});
        removed.push_back(std::move(r));
    }
    regions_ = std::move(kept);  // still sorted: parts replace their region in place
    if (changed) notify_map_changed();
}

std::vector<MemoryRegionInfo> PhysicalMemoryMap::regions() const {
    std::vector<MemoryRegionInfo> info;
    for (const Region& r : regions_) info.push_back({r.base, r.end - r.base, r.backing->kind, r.alias});
    return info;
}

const PhysicalMemoryMap::Region* PhysicalMemoryMap::find(std::uint32_t address) const {
    auto after = std::upper_bound(regions_.begin(), regions_.end(), address,
                                  [](std::uint32_t a, const Region& r) { return a < r.base; });
    if (after == regions_.begin()) return nullptr;
    const Region& r = *(after - 1);
    return address < r.end ? &r : nullptr;
}

const PhysicalMemoryMap::Region* PhysicalMemoryMap::run_at(std::uint32_t a, std::uint64_t wanted, std::uint32_t& run) const {
    std::uint64_t limit = (std::uint64_t{a} & ~std::uint64_t{kPageBytes - 1}) + kPageBytes;  // page end
    const Region* r = find(a);
    if (r) {
        limit = std::min(limit, r->end);
    } else {
        // Open bus up to the next region.
        auto next = std::upper_bound(regions_.begin(), regions_.end(), a,
                                     [](std::uint32_t x, const Region& region) { return x < region.base; });
        if (next != regions_.end()) limit = std::min<std::uint64_t>(limit, next->base);
    }
    run = static_cast<std::uint32_t>(std::min<std::uint64_t>(wanted, limit - a));
    return r;
}

// ---- inputs and listeners ------------------------------------------------------------------

void PhysicalMemoryMap::set_a20(bool enabled) {
    const std::uint32_t mask = enabled ? ~0u : ~(1u << 20);
    if (mask == a20_mask_) return;
    a20_mask_ = mask;
    notify_map_changed();
}

void PhysicalMemoryMap::set_unmapped_hook(std::function<void(MemoryAccess&)> hook) { unmapped_hook_ = std::move(hook); }
void PhysicalMemoryMap::set_rom_write_hook(std::function<void(const MemoryAccess&)> hook) { rom_write_hook_ = std::move(hook); }

PhysicalMemoryMap::ListenerId PhysicalMemoryMap::add_listener(MemoryMapListener listener) {
    const ListenerId id = next_listener_id_++;
    listeners_.emplace_back(id, std::move(listener));
    return id;
}

PhysicalMemoryMap::ListenerId PhysicalMemoryMap::add_listener(Cpu& cpu) {
    return add_listener(MemoryMapListener{[&cpu] { cpu.flush_host_pointers(); },
                                          [&cpu](std::uint32_t paddr, std::uint32_t length) { cpu.invalidate_code(paddr, length); }});
}

void PhysicalMemoryMap::remove_listener(ListenerId id) {
    std::erase_if(listeners_, [id](const auto& entry) { return entry.first == id; });
}

void PhysicalMemoryMap::notify_map_changed() {
    // By index: a listener may add or remove listeners.
    for (std::size_t k = 0; k < listeners_.size(); ++k)
        if (auto& f = listeners_[k].second.map_changed) f();
}

// ---- accesses ------------------------------------------------------------------------------

std::uint64_t PhysicalMemoryMap::read_piece(std::uint32_t a, const Region* region, unsigned size) {
    if (!region) {
        MemoryAccess access{a, size, false, all_ones(size)};
        if (unmapped_hook_) unmapped_hook_(access);
        return access.value & all_ones(size);
    }
    const Backing& backing = *region->backing;
    const std::uint64_t offset = region->offset + (a - region->base);
    if (backing.bytes) {
        std::uint64_t value = 0;
        std::memcpy(&value, backing.bytes + offset, size);
        return value;
    }
    if (!backing.mmio.read) return all_ones(size);
    // The handler may unmap its own region: keep the device alive while it runs.
    const std::shared_ptr<Backing> device = region->backing;
    return device->mmio.read(static_cast<std::uint32_t>(offset), size) & all_ones(size);
}

void PhysicalMemoryMap::write_piece(std::uint32_t a, const Region* region, unsigned size, std::uint64_t value) {
    value &= all_ones(size);
    if (!region) {
        MemoryAccess access{a, size, true, value};
        if (unmapped_hook_) unmapped_hook_(access);
        return;
    }
    const Backing& backing = *region->backing;
    const std::uint64_t offset = region->offset + (a - region->base);
    switch (backing.kind) {
    case MemoryKind::Ram: std::memcpy(backing.bytes + offset, &value, size); return;
    case MemoryKind::Rom:
        if (rom_write_hook_) rom_write_hook_(MemoryAccess{a, size, true, value});
        return;
    case MemoryKind::Mmio:
        if (backing.mmio.write) {
            const std::shared_ptr<Backing> device = region->backing;
            device->mmio.write(static_cast<std::uint32_t>(offset), size, value);
        }
        return;
    }
}

void PhysicalMemoryMap::read_bytes(std::uint32_t paddr, std::uint8_t* out, std::uint64_t length) {
    std::uint64_t done = 0;
    while (done < length) {
        const std::uint32_t a = decode(static_cast<std::uint32_t>(paddr + done));
        std::uint32_t run = 0;
        const Region* r = run_at(a, length - done, run);
        if (r && r->backing->bytes) {
            std::memcpy(out + done, r->backing->bytes + r->offset + (a - r->base), run);
        } else {
            // Copied: a handler or hook may change the map (and move regions_) while it runs.
            const std::optional<Region> region = r ? std::optional<Region>(*r) : std::nullopt;
            for_each_natural_piece(a, run, [&](std::uint32_t at, unsigned size, std::uint32_t offset) {
                const std::uint64_t value = read_piece(at, region ? &*region : nullptr, size);
                std::memcpy(out + done + offset, &value, size);
            });
        }
        done += run;
    }
}

void PhysicalMemoryMap::write_bytes(std::uint32_t paddr, const std::uint8_t* data, std::uint64_t length, bool notify) {
    std::uint64_t done = 0;
    while (done < length) {
        const std::uint32_t a = decode(static_cast<std::uint32_t>(paddr + done));
        std::uint32_t run = 0;
        const Region* r = run_at(a, length - done, run);
        if (r && r->backing->kind == MemoryKind::Ram) {
            std::memcpy(r->backing->bytes + r->offset + (a - r->base), data + done, run);
        } else {
            const std::optional<Region> region = r ? std::optional<Region>(*r) : std::nullopt;
            for_each_natural_piece(a, run, [&](std::uint32_t at, unsigned size, std::uint32_t offset) {
                std::uint64_t value = 0;
                std::memcpy(&value, data + done + offset, size);
                write_piece(at, region ? &*region : nullptr, size, value);
            });
        }
        if (notify) {
            for (std::size_t k = 0; k < listeners_.size(); ++k)
                if (auto& f = listeners_[k].second.memory_written) f(a, run);
        }
        done += run;
    }
}

std::uint64_t PhysicalMemoryMap::read(std::uint32_t paddr, unsigned size) {
    if (size < 1 || size > 8) throw std::invalid_argument("memory map: a read of " + std::to_string(size) + " bytes (1 to 8)");
    const std::uint32_t a = decode(paddr);
    std::uint32_t run = 0;
    const Region* r = run_at(a, size, run);
    if (run == size && std::has_single_bit(size)) return read_piece(a, r, size);
    std::uint8_t bytes[8] = {};
    read_bytes(paddr, bytes, size);
    std::uint64_t value = 0;
    std::memcpy(&value, bytes, size);
    return value;
}

void PhysicalMemoryMap::write(std::uint32_t paddr, unsigned size, std::uint64_t value) {
    if (size < 1 || size > 8) throw std::invalid_argument("memory map: a write of " + std::to_string(size) + " bytes (1 to 8)");
    const std::uint32_t a = decode(paddr);
    std::uint32_t run = 0;
    const Region* r = run_at(a, size, run);
    if (run == size && std::has_single_bit(size)) return write_piece(a, r, size, value);
    std::uint8_t bytes[8];
    std::memcpy(bytes, &value, 8);
    write_bytes(paddr, bytes, size, false);  // the CPU's stores: it tracks its code itself
}

void PhysicalMemoryMap::read_physical(std::uint32_t paddr, std::span<std::uint8_t> out) {
    read_bytes(paddr, out.data(), out.size());
}

void PhysicalMemoryMap::write_physical(std::uint32_t paddr, std::span<const std::uint8_t> data) {
    write_bytes(paddr, data.data(), data.size(), true);
}

std::uint8_t* PhysicalMemoryMap::host_page(std::uint32_t page_paddr, bool for_write) {
    const std::uint32_t a = decode(page_paddr);
    if (a % kPageBytes != 0) return nullptr;
    const Region* r = find(a);
    // RAM and ROM regions are whole pages, so a page that starts inside one ends inside it.
    if (!r || !r->backing->bytes || (for_write && r->backing->kind != MemoryKind::Ram)) return nullptr;
    return r->backing->bytes + r->offset + (a - r->base);
}

std::uint8_t* PhysicalMemoryMap::ram_page(std::uint32_t page_paddr) {
    const std::uint32_t a = page_paddr & address_mask_;
    if (a % kPageBytes != 0) return nullptr;
    const Region* r = find(a);
    if (!r || !r->backing->bytes || r->backing->kind != MemoryKind::Ram) return nullptr;
    return r->backing->bytes + r->offset + (a - r->base);
}

std::uint32_t PhysicalMemoryMap::backing_page(std::uint32_t page_paddr) {
    const std::uint32_t a = decode(page_paddr) & ~(kPageBytes - 1);
    const Region* r = find(a);
    if (!r || !r->backing->bytes) return a >> 12;
    return static_cast<std::uint32_t>((r->backing->home_base + r->offset + (a - r->base)) >> 12);
}

std::uint32_t PhysicalMemoryMap::io_read(std::uint16_t port, unsigned size) {
    return ports_ ? ports_->read(port, size) : Bus::io_read(port, size);
}

void PhysicalMemoryMap::io_write(std::uint16_t port, unsigned size, std::uint32_t value) {
    if (ports_) ports_->write(port, size, value);
}

}  // namespace x86emu
