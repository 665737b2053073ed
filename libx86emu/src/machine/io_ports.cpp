// x86emu — IoPortMap: port routing for sized handlers and the byte splits an 8-bit ISA device
// sees (the rules are in x86emu/io_ports.hpp).
#include "x86emu/io_ports.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace x86emu {

namespace {

std::string hex(std::uint32_t value) {
    std::ostringstream text;
    text << "0x" << std::hex << std::uppercase << value;
    return text.str();
}

std::uint32_t all_ones(unsigned size) { return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1; }

void check_size(unsigned size) {
    if (size != 1 && size != 2 && size != 4)
        throw std::invalid_argument("I/O port access of " + std::to_string(size) + " bytes (1, 2 or 4)");
}

}  // namespace

IoPortMap::IoPortMap() : owner_(0x10000, kUnclaimed) {}

void IoPortMap::claim(std::uint16_t first, std::uint16_t last, Claim claim) {
    if (first > last)
        throw std::invalid_argument("port handler range " + hex(first) + "-" + hex(last) +
                                    " is empty (first port above last)");
    for (std::uint32_t port = first; port <= last; ++port) {
        if (owner_[port] != kUnclaimed)
            throw std::invalid_argument("port handler range " + hex(first) + "-" + hex(last) +
                                        " overlaps an existing handler at port " + hex(port));
    }
    claim.first = first;
    claim.last = last;
    // A slot freed by remove() is taken again, so devices that keep moving do not grow the list.
    auto slot = std::find(claims_.begin(), claims_.end(), nullptr);
    if (slot == claims_.end()) slot = claims_.insert(claims_.end(), nullptr);
    *slot = std::make_shared<const Claim>(std::move(claim));
    const auto index = static_cast<std::uint32_t>(slot - claims_.begin()) + 1;
    for (std::uint32_t port = first; port <= last; ++port) owner_[port] = index;
}

void IoPortMap::add(std::uint16_t first, std::uint16_t last, IoPortHandler handler) {
    Claim c;
    c.sized = true;
    c.sized_handler = std::move(handler);
    claim(first, last, std::move(c));
}

void IoPortMap::add_isa8(std::uint16_t first, std::uint16_t last, PortHandler handler) {
    Claim c;
    c.byte_handler = std::move(handler);
    claim(first, last, std::move(c));
}

void IoPortMap::remove(std::uint16_t first, std::uint16_t last) {
    const std::uint32_t index = owner_[first];
    if (index == kUnclaimed || claims_[index - 1]->first != first || claims_[index - 1]->last != last)
        throw std::invalid_argument("no port handler claims exactly the range " + hex(first) + "-" + hex(last));
    for (std::uint32_t port = first; port <= last; ++port) owner_[port] = kUnclaimed;
    claims_[index - 1].reset();
}

void IoPortMap::set_unclaimed_hook(std::function<void(PortAccess&)> hook) { unclaimed_hook_ = std::move(hook); }

std::shared_ptr<const IoPortMap::Claim> IoPortMap::owner(std::uint16_t port) const {
    const std::uint32_t index = owner_[port];
    return index == kUnclaimed ? nullptr : claims_[index - 1];
}

bool IoPortMap::any_claimed(std::uint16_t port, unsigned size) const {
    for (unsigned k = 0; k < size; ++k)
        if (owner_[static_cast<std::uint16_t>(port + k)] != kUnclaimed) return true;
    return false;
}

std::uint32_t IoPortMap::unclaimed_read(std::uint16_t port, unsigned size) {
    PortAccess access{port, size, false, all_ones(size)};
    if (unclaimed_hook_) unclaimed_hook_(access);
    return access.value & all_ones(size);
}

void IoPortMap::unclaimed_write(std::uint16_t port, unsigned size, std::uint32_t value) {
    if (!unclaimed_hook_) return;
    PortAccess access{port, size, true, value};
    unclaimed_hook_(access);
}

std::uint8_t IoPortMap::read_byte(std::uint16_t port) {
    const auto c = owner(port);
    if (!c) return static_cast<std::uint8_t>(unclaimed_read(port, 1));
    if (c->sized) return c->sized_handler.read ? static_cast<std::uint8_t>(c->sized_handler.read(port, 1)) : 0xFF;
    return c->byte_handler.read ? c->byte_handler.read(port) : 0xFF;
}

void IoPortMap::write_byte(std::uint16_t port, std::uint8_t value) {
    const auto c = owner(port);
    if (!c) return unclaimed_write(port, 1, value);
    if (c->sized) {
        if (c->sized_handler.write) c->sized_handler.write(port, 1, value);
    } else if (c->byte_handler.write) {
        c->byte_handler.write(port, value);
    }
}

std::uint32_t IoPortMap::read(std::uint16_t port, unsigned size) {
    check_size(size);
    if (const auto c = owner(port); c && c->sized)
        return c->sized_handler.read ? c->sized_handler.read(port, size) & all_ones(size) : all_ones(size);
    if (!any_claimed(port, size)) return unclaimed_read(port, size);
    std::uint32_t value = 0;
    for (unsigned k = 0; k < size; ++k)
        value |= std::uint32_t{read_byte(static_cast<std::uint16_t>(port + k))} << (8 * k);
    return value;
}

void IoPortMap::write(std::uint16_t port, unsigned size, std::uint32_t value) {
    check_size(size);
    value &= all_ones(size);
    if (const auto c = owner(port); c && c->sized) {
        if (c->sized_handler.write) c->sized_handler.write(port, size, value);
        return;
    }
    if (!any_claimed(port, size)) return unclaimed_write(port, size, value);
    for (unsigned k = 0; k < size; ++k)
        write_byte(static_cast<std::uint16_t>(port + k), static_cast<std::uint8_t>(value >> (8 * k)));
}

}  // namespace x86emu
