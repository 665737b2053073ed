// x86emu — the only window the CPU core has on the outside world.
// The core turns every guest access into physical memory or I/O port accesses on a Bus; it knows
// nothing of devices, files or windows. Physical addresses are already masked to the model's
// address bus width (20 bits on 8086, 24 on 80286, 32 on 80386).
#pragma once
#include <cstdint>

namespace x86emu {

class Bus {
public:
    virtual ~Bus() = default;

    // Byte accesses are the slow, always-correct path (MMIO, ROM, sparse test memory).
    virtual std::uint8_t read8(std::uint32_t paddr) = 0;
    virtual void write8(std::uint32_t paddr, std::uint8_t value) = 0;

    // Fast path: a host pointer to the 4 KiB page that starts at page_paddr when that page is
    // plain RAM (writable when for_write), or nullptr to route every access through read8/write8.
    // A pointer handed out stays valid until the embedder calls Cpu::flush_host_pointers().
    virtual std::uint8_t* host_page(std::uint32_t page_paddr, bool for_write) {
        (void)page_paddr;
        (void)for_write;
        return nullptr;
    }

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
