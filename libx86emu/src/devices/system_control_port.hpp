// x86emu devices — port 92h, "System Control Port A" of the PS/2 (IBM PS/2 Hardware Interface
// Technical Reference, "System Control Port A"), the "fast A20" and fast-reset port every later
// chipset kept; and A20Gate, which combines the two A20 sources of a PC.
//
// Port 92h: bit 0 alternate hot reset (a 0 -> 1 transition pulses the CPU reset; the bit reads
// back as written), bit 1 alternate gate A20 (1 = A20 on), bit 3 security lock latch, bits 6/7
// the fixed-disk activity light; bits 2, 4 and 5 are reserved and read 0.
//
// A20Gate: a chipset drives the CPU's A20M# from the OR of the 8042 output port's A20 bit and
// port 92h bit 1 (Intel's PIIX3/PIIX4 datasheets: A20M# is asserted only while both the
// keyboard controller's A20GATE input and port 92h bit 1 are 0), so either source can turn A20
// on, and it is off only when both are off. The gate calls its output (the platform passes
// PhysicalMemoryMap::set_a20) when the combined value changes.
#pragma once
#include <cstdint>
#include <functional>

namespace x86emu {

class IoPortMap;

class A20Gate {
public:
    struct State {
        bool from_kbc = true;     // Kbc8042's output port bit 1 (reset value: on)
        bool from_port92 = false; // port 92h bit 1
        friend bool operator==(const State&, const State&) = default;
    };

    explicit A20Gate(std::function<void(bool on)> output) : output_(std::move(output)) {}

    void set_kbc(bool on) { set(on, state_.from_port92); }
    void set_port92(bool on) { set(state_.from_kbc, on); }
    bool enabled() const { return state_.from_kbc || state_.from_port92; }

    void reset() { set(State{}.from_kbc, State{}.from_port92); }
    const State& state() const { return state_; }
    State& state() { return state_; }
    // Drives the output from the state (after a restore).
    void state_restored() {
        if (output_) output_(enabled());
    }

private:
    void set(bool kbc, bool port92) {
        const bool before = enabled();
        state_ = State{kbc, port92};
        if (enabled() != before && output_) output_(enabled());
    }

    std::function<void(bool)> output_;
    State state_;
};

class SystemControlPortA {
public:
    static constexpr std::uint16_t kPort = 0x92;
    static constexpr std::uint8_t kFastReset = 0x01, kA20 = 0x02, kSecurityLock = 0x08, kDiskLights = 0xC0;
    static constexpr std::uint8_t kWritable = kFastReset | kA20 | kSecurityLock | kDiskLights;

    struct State {
        std::uint8_t value = 0;
        friend bool operator==(const State&, const State&) = default;
    };

    // `a20`: bit 1 changed (A20Gate::set_port92); `reset`: bit 0 went from 0 to 1. Either may be
    // empty.
    SystemControlPortA(std::function<void(bool on)> a20, std::function<void()> reset)
        : a20_(std::move(a20)), reset_(std::move(reset)) {}

    void attach(IoPortMap& ports);

    std::uint8_t read() const { return state_.value; }
    void write(std::uint8_t value);

    void reset() { state_ = State{}; }
    const State& state() const { return state_; }
    State& state() { return state_; }

private:
    std::function<void(bool)> a20_;
    std::function<void()> reset_;
    State state_;
};

}  // namespace x86emu
