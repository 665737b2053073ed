// x86emu conformance — TestBus: the flat, quickly restorable memory a conformance test runs on.
// One byte array covers the model's whole physical address space; the bus remembers every byte
// a test loaded or the CPU wrote so that restoring it costs per touched byte, not per MiB.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "test_case.hpp"
#include "x86emu/bus.hpp"

namespace conformance {

class TestBus final : public x86emu::Bus {
public:
    explicit TestBus(unsigned address_bits);

    // Test setup: writes the bytes without counting them as CPU writes.
    void load(std::span<const RamByte> bytes);
    std::uint8_t peek(std::uint32_t address) const { return memory_[address & address_mask_]; }

    // Addresses the CPU wrote since the last restore (each once, in first-write order).
    const std::vector<std::uint32_t>& cpu_written_addresses() const { return cpu_written_; }

    // Zeroes every byte touched since the last restore and calls changed(address) for each,
    // so that the caller can tell the CPU its decoded-code cache may be stale there.
    template <class OnChanged>
    void restore(OnChanged&& changed) {
        for (const std::uint32_t address : touched_) {
            memory_[address] = 0;
            touch_state_[address] = 0;
            changed(address);
        }
        touched_.clear();
        cpu_written_.clear();
    }

    std::uint8_t read8(std::uint32_t paddr) override { return peek(paddr); }
    void write8(std::uint32_t paddr, std::uint8_t value) override;
    // No host_page(): every access must come through write8 so that it is recorded.

    // Port reads: the captured hardware had nothing on its I/O bus. The suites' IN/INS tests
    // (E4, E5, EC, ED, 6C, 6D) all end with AL = FFh, AX = FFFFh or FFh-filled buffers.
    std::uint32_t io_read(std::uint16_t port, unsigned size) override;
    void io_write(std::uint16_t, unsigned, std::uint32_t) override {}

private:
    enum TouchBits : std::uint8_t { kTouched = 1, kWrittenByCpu = 2 };
    void mark_touched(std::uint32_t address);

    std::uint32_t address_mask_;
    std::vector<std::uint8_t> memory_;
    std::vector<std::uint8_t> touch_state_;  // TouchBits per byte
    std::vector<std::uint32_t> touched_;
    std::vector<std::uint32_t> cpu_written_;
};

}  // namespace conformance
