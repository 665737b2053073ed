// x86emu — IoPortMap: the I/O port side of a PC bus, with sized (8/16/32-bit) port handlers and an
// adapter for 8-bit ISA devices.
//
// On a PC an IN/OUT of a word or dword is one bus cycle for a device that decodes it at that
// width (the ATA data port 1F0h moves 16 bits per access, the PCI configuration ports CF8h/CFCh
// take 32), while an 8-bit ISA device sees the bus controller split it into byte cycles at
// consecutive ports, low byte at the lowest port first. IoPortMap models both: a sized handler
// gets the access whole; an 8-bit handler (add_isa8) gets the byte cycles.
//
// Routing of an access of `size` bytes at `port`:
//   * the handler that claims `port` is sized: it gets the whole access (port, size[, value]),
//     even where the access reaches past its last port (a device decodes the first address);
//   * otherwise, when no port of [port, port + size) is claimed: one unclaimed access;
//   * otherwise the access is split into byte accesses at port, port + 1, ... (wrapping at
//     FFFFh), each routed alone: an 8-bit handler's read8/write8, a sized handler with size 1,
//     or an unclaimed byte.
// Unclaimed reads see all ones (the PC bus floats high), unclaimed writes go nowhere; both are
// reported to the unclaimed hook when one is set. A claimed port whose handler lacks the
// function reads all ones / ignores the write, without the hook.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace x86emu {

// Byte-wide handlers for a range of I/O ports (an 8-bit ISA device); both receive the port being
// accessed. An empty read function reads 0xFF, an empty write function ignores the write.
struct PortHandler {
    std::function<std::uint8_t(std::uint16_t port)> read;
    std::function<void(std::uint16_t port, std::uint8_t value)> write;
};

// Sized handlers: `port` is the first port of the access, `size` 1, 2 or 4. The value a read
// returns is cut to `size` bytes; a write's value has no bits above them. An empty read
// function reads all ones, an empty write function ignores the write.
struct IoPortHandler {
    std::function<std::uint32_t(std::uint16_t port, unsigned size)> read;
    std::function<void(std::uint16_t port, unsigned size, std::uint32_t value)> write;
};

// An access nobody claims, as the unclaimed hook sees it. For a read, `value` starts as all ones
// of `size` bytes and the hook may change it (what the CPU then reads); for a write it is the
// value written.
struct PortAccess {
    std::uint16_t port = 0;
    unsigned size = 1;
    bool write = false;
    std::uint32_t value = 0;
};

class IoPortMap {
public:
    IoPortMap();

    // Claim ports first..last (inclusive). Throw std::invalid_argument if first > last or if a
    // port of the range is claimed already (the message names the port); nothing changes then.
    void add(std::uint16_t first, std::uint16_t last, IoPortHandler handler);
    void add_isa8(std::uint16_t first, std::uint16_t last, PortHandler handler);
    // Release the range claimed by one add/add_isa8 with exactly these bounds (a device moving
    // its ports, e.g. a PCI BAR); std::invalid_argument if no handler claims exactly that range.
    void remove(std::uint16_t first, std::uint16_t last);

    // Called for every unclaimed access (see PortAccess); {} removes it.
    void set_unclaimed_hook(std::function<void(PortAccess&)> hook);

    // An access as the CPU makes it (size 1, 2 or 4; std::invalid_argument otherwise), routed as
    // described at the top of this file.
    std::uint32_t read(std::uint16_t port, unsigned size);
    void write(std::uint16_t port, unsigned size, std::uint32_t value);

private:
    struct Claim {
        std::uint16_t first = 0, last = 0;
        bool sized = false;
        IoPortHandler sized_handler;
        PortHandler byte_handler;
    };
    static constexpr std::uint32_t kUnclaimed = 0;

    void claim(std::uint16_t first, std::uint16_t last, Claim claim);
    // A handler may add or remove handlers (its own included) while it runs: the caller holds
    // the claim it is calling.
    std::shared_ptr<const Claim> owner(std::uint16_t port) const;
    bool any_claimed(std::uint16_t port, unsigned size) const;
    std::uint32_t unclaimed_read(std::uint16_t port, unsigned size);
    void unclaimed_write(std::uint16_t port, unsigned size, std::uint32_t value);
    std::uint8_t read_byte(std::uint16_t port);
    void write_byte(std::uint16_t port, std::uint8_t value);

    std::vector<std::shared_ptr<const Claim>> claims_;  // a removed claim's slot is null until reused
    // port -> 1 + index into claims_, or kUnclaimed. A flat table makes every IN/OUT one load,
    // and checking a new range for overlap a scan of that range.
    std::vector<std::uint32_t> owner_;
    std::function<void(PortAccess&)> unclaimed_hook_;
};

}  // namespace x86emu
