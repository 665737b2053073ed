// x86emu — MachineBus, the Bus behind a Machine: RAM in host memory, the BIOS ROM at its two
// addresses, open bus elsewhere, and a 64 Ki-entry table routing I/O ports to PortHandlers.
// Private to the library; the memory map it implements is documented on x86emu::MemoryMap.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <vector>

#include "x86emu/bus.hpp"
#include "x86emu/machine.hpp"

namespace x86emu {

class MachineBus final : public Bus {
public:
    // The layout must already be validated (Machine does it); bios_image.size() == bios_bytes.
    MachineBus(const MemoryMap& layout, std::vector<std::uint8_t> bios_image);

    std::uint8_t read8(std::uint32_t paddr) override;
    void write8(std::uint32_t paddr, std::uint8_t value) override;
    std::uint8_t* host_page(std::uint32_t page_paddr, bool for_write) override;
    std::uint32_t io_read(std::uint16_t port, unsigned size) override;
    void io_write(std::uint16_t port, unsigned size, std::uint32_t value) override;

    void add_port_handler(std::uint16_t first, std::uint16_t last, PortHandler handler);
    const MemoryMap& layout() const { return layout_; }
    // All of RAM (shadowed parts included) and the ROM image, for machine snapshots.
    std::span<std::uint8_t> ram() { return {ram_.get(), layout_.ram_bytes}; }
    std::span<const std::uint8_t> rom() const { return rom_; }

private:
    static constexpr std::uint32_t kPageBytes = 4096;
    static constexpr std::uint32_t kNoHandler = 0;

    // Returns the ROM byte offset of paddr, or -1 when paddr is not in either BIOS copy.
    std::int64_t rom_offset(std::uint32_t paddr) const;
    std::uint8_t read_port_byte(std::uint16_t port);
    void write_port_byte(std::uint16_t port, std::uint8_t value);

    struct FreeDeleter {
        void operator()(std::uint8_t* bytes) const { std::free(bytes); }
    };

    MemoryMap layout_;
    // calloc'd rather than a std::vector so that gigabytes of guest RAM cost nothing until the
    // guest touches them (the kernel hands out zero pages lazily).
    std::unique_ptr<std::uint8_t, FreeDeleter> ram_;
    std::vector<std::uint8_t> rom_;
    std::vector<PortHandler> port_handlers_;
    // port -> 1 + index into port_handlers_, or kNoHandler. A flat table makes every IN/OUT one
    // load, and checking a new range for overlap a scan of that range.
    std::vector<std::uint32_t> port_owner_;
};

}  // namespace x86emu
