// x86emu — MachineBus: physical memory decoding (ROM over RAM over open bus) and I/O port routing
// for a Machine.
#include "machine/machine_bus.hpp"

#include <new>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace x86emu {

namespace {

constexpr std::uint8_t kOpenBusByte = 0xFF;

std::string hex(std::uint32_t value) {
    std::ostringstream text;
    text << "0x" << std::hex << std::uppercase << value;
    return text.str();
}

}  // namespace

MachineBus::MachineBus(const MemoryMap& layout, std::vector<std::uint8_t> bios_image)
    : layout_(layout),
      ram_(static_cast<std::uint8_t*>(std::calloc(layout.ram_bytes, 1))),
      rom_(std::move(bios_image)),
      port_owner_(0x10000, kNoHandler) {
    if (!ram_) throw std::bad_alloc();
}

std::int64_t MachineBus::rom_offset(std::uint32_t paddr) const {
    // Unsigned differences: an address below a base wraps to a huge offset and fails the test.
    if (std::uint32_t offset = paddr - layout_.bios_low_base; offset < layout_.bios_bytes) return offset;
    if (std::uint32_t offset = paddr - layout_.bios_high_base; offset < layout_.bios_bytes) return offset;
    return -1;
}

std::uint8_t MachineBus::read8(std::uint32_t paddr) {
    paddr &= layout_.address_mask;
    if (std::int64_t offset = rom_offset(paddr); offset >= 0) return rom_[static_cast<std::size_t>(offset)];
    if (paddr < layout_.ram_bytes) return ram_.get()[paddr];
    return kOpenBusByte;
}

void MachineBus::write8(std::uint32_t paddr, std::uint8_t value) {
    paddr &= layout_.address_mask;
    if (rom_offset(paddr) >= 0) return;  // ROM: the write goes nowhere
    if (paddr < layout_.ram_bytes) ram_.get()[paddr] = value;
}

std::uint8_t* MachineBus::host_page(std::uint32_t page_paddr, bool for_write) {
    page_paddr &= layout_.address_mask;
    if (page_paddr % kPageBytes != 0) return nullptr;
    // The ROM is a multiple of 4 KiB and its bases are 4 KiB aligned, so a page is either all ROM
    // or no ROM. ROM pages are readable directly (instruction fetch from the BIOS stays fast);
    // writes get nullptr so that they reach write8, which drops them.
    if (std::int64_t offset = rom_offset(page_paddr); offset >= 0)
        return for_write ? nullptr : rom_.data() + offset;
    // RAM is a whole number of MiB, so a page that starts inside it ends inside it.
    if (page_paddr < layout_.ram_bytes) return ram_.get() + page_paddr;
    return nullptr;
}

std::uint8_t MachineBus::read_port_byte(std::uint16_t port) {
    std::uint32_t owner = port_owner_[port];
    if (owner == kNoHandler) return kOpenBusByte;
    const PortHandler& handler = port_handlers_[owner - 1];
    return handler.read ? handler.read(port) : kOpenBusByte;
}

void MachineBus::write_port_byte(std::uint16_t port, std::uint8_t value) {
    std::uint32_t owner = port_owner_[port];
    if (owner == kNoHandler) return;
    const PortHandler& handler = port_handlers_[owner - 1];
    if (handler.write) handler.write(port, value);
}

std::uint32_t MachineBus::io_read(std::uint16_t port, unsigned size) {
    std::uint32_t value = 0;
    for (unsigned k = 0; k < size; ++k)
        value |= std::uint32_t{read_port_byte(static_cast<std::uint16_t>(port + k))} << (8 * k);
    return value;
}

void MachineBus::io_write(std::uint16_t port, unsigned size, std::uint32_t value) {
    for (unsigned k = 0; k < size; ++k)
        write_port_byte(static_cast<std::uint16_t>(port + k), static_cast<std::uint8_t>(value >> (8 * k)));
}

void MachineBus::add_port_handler(std::uint16_t first, std::uint16_t last, PortHandler handler) {
    if (first > last)
        throw std::invalid_argument("port handler range " + hex(first) + "-" + hex(last) +
                                    " is empty (first port above last)");
    for (std::uint32_t port = first; port <= last; ++port) {
        if (port_owner_[port] != kNoHandler)
            throw std::invalid_argument("port handler range " + hex(first) + "-" + hex(last) +
                                        " overlaps an existing handler at port " + hex(port));
    }
    port_handlers_.push_back(std::move(handler));
    const auto owner = static_cast<std::uint32_t>(port_handlers_.size());
    for (std::uint32_t port = first; port <= last; ++port) port_owner_[port] = owner;
}

}  // namespace x86emu
