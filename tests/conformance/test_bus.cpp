// x86emu conformance — TestBus: flat memory with touched-byte tracking, all-ones I/O reads.
#include "test_bus.hpp"

namespace conformance {

TestBus::TestBus(unsigned address_bits)
    : address_mask_(static_cast<std::uint32_t>((std::uint64_t{1} << address_bits) - 1)),
      memory_(std::size_t{address_mask_} + 1, 0),
      touch_state_(std::size_t{address_mask_} + 1, 0) {}

void TestBus::mark_touched(std::uint32_t address) {
    if ((touch_state_[address] & kTouched) == 0) {
        touch_state_[address] |= kTouched;
        touched_.push_back(address);
    }
}

void TestBus::load(std::span<const RamByte> bytes) {
    for (const RamByte& byte : bytes) {
        const std::uint32_t address = byte.address & address_mask_;
        mark_touched(address);
        memory_[address] = byte.value;
    }
}

void TestBus::write8(std::uint32_t paddr, std::uint8_t value) {
    const std::uint32_t address = paddr & address_mask_;
    mark_touched(address);
    if ((touch_state_[address] & kWrittenByCpu) == 0) {
        touch_state_[address] |= kWrittenByCpu;
        cpu_written_.push_back(address);
    }
    memory_[address] = value;
}

std::uint32_t TestBus::io_read(std::uint16_t, unsigned size) {
    return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
}

}  // namespace conformance
