// x86emu — the only window the CPU core has on the outside world.
// The core turns every guest access into physical memory or I/O port accesses on a Bus; it knows
// nothing of devices, files or windows. Physical addresses are already masked to the model's
// address bus width (20 bits on 8086, 24 on 80286, 32 on 80386).
//
// A ready-made Bus with RAM, ROM, MMIO regions, aliases and an A20 gate is
// x86emu::PhysicalMemoryMap (x86emu/memory_map.hpp), with sized I/O ports from
// x86emu::IoPortMap (x86emu/io_ports.hpp); Machine uses both.
#pragma once
#include <cstdint>

namespace x86emu {

// How an access that has to be split is cut (the CPU splits at a 4 KiB page boundary, a
// PhysicalMemoryMap at a region boundary): into naturally aligned pieces of 1, 2, 4 or 8 bytes,
// lowest address first, each the largest power of two that is aligned at its address and fits
// what is left. A dword at page offset FFEh becomes a word at FFEh and a word at the next page;
// at FFFh a byte, then a word and a byte at the next page; at FFDh a byte and a word, then a
// byte. `piece(paddr, size, offset)` gets each piece's address, size and offset in the access.
template <class Piece> constexpr void for_each_natural_piece(std::uint32_t paddr, std::uint32_t length, Piece&& piece) {
    std::uint32_t done = 0;
    while (done < length) {
        const std::uint32_t at = paddr + done;
        unsigned size = 8;
        while (size > 1 && ((at & (size - 1)) != 0 || size > length - done)) size >>= 1;
        piece(at, size, done);
        done += size;
    }
}

class Bus {
public:
    virtual ~Bus() = default;

    // Byte accesses are the slow, always-correct path (MMIO, ROM, sparse test memory).
    virtual std::uint8_t read8(std::uint32_t paddr) = 0;
    virtual void write8(std::uint32_t paddr, std::uint8_t value) = 0;

    // Sized accesses of 1, 2, 4 or 8 bytes, little-endian: what the CPU uses for every data
    // access that does not go through a host page. An access that stays inside one 4 KiB page
    // arrives as one call of its own size (a word MOV as size 2, a dword MOV as size 4, even when
    // misaligned); one that crosses a page is split at the boundary and each part arrives in
    // natural pieces (for_each_natural_piece above), lowest address first. No instruction makes
    // an 8-byte access today: FLD/FST m64, FILD m64, CMPXCHG8B arrive as two dword accesses.
    // Instruction fetch and the 8086's wrapping word accesses stay byte-wise.
    // The defaults compose bytes through read8/write8, so a Bus that only has those keeps working.
    virtual std::uint64_t read(std::uint32_t paddr, unsigned size) {
        std::uint64_t value = 0;
        for (unsigned k = 0; k < size; ++k) value |= std::uint64_t{read8(paddr + k)} << (8 * k);
        return value;
    }
    virtual void write(std::uint32_t paddr, unsigned size, std::uint64_t value) {
        for (unsigned k = 0; k < size; ++k) write8(paddr + k, static_cast<std::uint8_t>(value >> (8 * k)));
    }

    // Fast path: a host pointer to the 4 KiB page that starts at page_paddr when that page is
    // plain RAM (writable when for_write), or nullptr to route every access through read/write.
    // A pointer handed out stays valid until the embedder calls Cpu::flush_host_pointers().
    // Two physical pages that show the same storage must hand out the same pointer.
    virtual std::uint8_t* host_page(std::uint32_t page_paddr, bool for_write) {
        (void)page_paddr;
        (void)for_write;
        return nullptr;
    }

    // The storage behind the 4 KiB physical page at page_paddr, as a page number (below
    // 2^(address bits - 12)): the CPU tracks decoded instructions per backing page, so that a
    // write through one physical address invalidates code decoded through another one showing
    // the same bytes. Pages that share storage (an alias, the A20 gate off) must return the same
    // number; different storage should return different numbers (a shared number only costs
    // needless re-decoding). Like host pointers, the answers may change only together with a
    // Cpu::flush_host_pointers(). The default, every page its own storage, fits any Bus without
    // aliases.
    virtual std::uint32_t backing_page(std::uint32_t page_paddr) { return page_paddr >> 12; }

    // I/O ports; size is 1, 2 or 4 bytes. An unclaimed port reads as all ones, as on a PC bus.
    virtual std::uint32_t io_read(std::uint16_t port, unsigned size) {
        (void)port;
        return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
    }
    virtual void io_write(std::uint16_t port, unsigned size, std::uint32_t value) {
        (void)port;
        (void)size;
        (void)value;
    }
};

// The interrupt controller side of the INTR line: asked for a vector when the CPU accepts INTR.
class InterruptController {
public:
    virtual ~InterruptController() = default;
    virtual std::uint8_t acknowledge() = 0;
};

}  // namespace x86emu
