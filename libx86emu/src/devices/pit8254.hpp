// x86emu — the 8254 programmable interval timer (Intel 8254 datasheet, order no. 231164:
// "Control word format", "Write operations", "Read operations" (simple read, counter latch
// command, read-back command, status byte, null count), "Mode definitions" modes 0-5, "Operations
// common to all modes" (GATE, counter loading on the next CLK pulse, BCD counting)) and the PC/AT
// system control port B at 61h (the timer-2 gate, speaker data, the refresh toggle, OUT2).
//
// PC wiring: CLK of all three counters is 14.31818 MHz / 12 (315/264 MHz = 1.1931818... MHz);
// counters 0 and 1 have GATE tied high, counter 2's GATE is bit 0 of port 61h. OUT0 drives IRQ0
// (an IrqLine), OUT1 (DRAM refresh on the AT) is only readable, OUT2 drives the speaker and reads
// back as bit 5 of port 61h.
//
// Time: nothing ticks. The number of CLK pulses since cycle 0 is computed from the Scheduler's
// cycle count exactly, pulses(c) = floor(c * 13125 / (11 * clock_khz)) (13125 / 11 kHz =
// 315/264 MHz; the CLK pulse j happens at the first cycle c with pulses(c) >= j, i.e. rounded
// up). A counter is a closed-form function of the pulses since its count was loaded (or its
// gate changed); only OUT0's edges (both, so that the PIC sees each rising edge as one) are
// scheduled as events, one per edge, at the cycle of the CLK pulse that makes it.
//
// Deviations (documented, not modelled): a count written in mode 3 while counting takes effect
// at the end of the current full cycle (the datasheet says half-cycle); count 1 in modes 2 and
// 3 (illegal per the datasheet) keeps OUT high; the CE value before the first load (or a mode
// 1/5 trigger) reads as the last count loaded/written; the OUT/counter state at power-on is mode
// 0 uncounted (OUT low) for all three counters.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <optional>

#include "devices/irq_line.hpp"
#include "x86emu/io_ports.hpp"
#include "x86emu/scheduler.hpp"

namespace x86emu::devices {

class Pit8254 {
public:
    // The PIT's input clock as a ratio to kHz: pulses per cycle = kClockNumerator /
    // (kClockDenominatorPerKhz * clock_khz).
    static constexpr std::uint64_t kClockNumerator = 13125, kClockDenominatorPerKhz = 11;
    // Port 61h bit 4 toggles with each DRAM refresh request, every 15.085 us (the AT's period).
    static constexpr std::uint64_t kRefreshToggleNs = 15085;

    // One counter: the programmed mode, the read/write byte toggles and latches, and where its
    // count element stands as (base_pulse, base_value) plus what happens from there.
    struct Counter {
        std::uint8_t mode = 0;           // 0-5 (control word modes 6 and 7 are 2 and 3)
        std::uint8_t access = 3;         // RW field: 1 LSB, 2 MSB, 3 LSB then MSB
        bool bcd = false;
        std::uint16_t count_register = 0;  // CR as written (BCD digits in BCD mode)
        bool count_written = false;      // a complete count has been written since the control word
        bool write_msb_next = false;     // LSB then MSB: the LSB has been written
        bool read_msb_next = false;      // LSB then MSB: the LSB has been read
        bool count_latched = false;
        std::uint16_t latched_count = 0; // encoded as read (BCD in BCD mode)
        bool status_latched = false;
        std::uint8_t latched_status = 0;
        bool gate = true;
        bool null_count = true;          // CR written and not yet moved into CE...
        std::optional<std::uint64_t> null_count_clears_at;  // ...until this pulse (if known)
        bool armed = false;              // counting: a count is loaded (modes 1/5: triggered)
        bool suspended = false;          // modes 0/4: GATE low holds the count
        std::uint64_t base_pulse = 0;    // the CLK pulse at which CE held base_value
        std::uint32_t base_value = 0;    // CE then (binary, 0 .. modulus-1)
        std::uint32_t period = 1;        // modes 2/3: the reload count (1 .. modulus)
        std::optional<std::uint64_t> next_period_at;  // modes 2/3: a new count takes over here
        std::uint32_t next_period = 1;
        bool terminal_reached = false;   // modes 0/4: terminal count passed before base_pulse
        bool out_before_base = true;     // mode 1: OUT between a (re)trigger and its load pulse
        friend bool operator==(const Counter&, const Counter&) = default;
    };
    struct State {
        std::array<Counter, 3> counters;
        std::uint8_t port61_low_bits = 0;  // port 61h bits 0-3 as written (bit 0: GATE2, bit 1: speaker data)
        bool irq0_level = false;           // OUT0 as last given to the IRQ line
        std::optional<std::uint64_t> irq0_event_pulse;  // the pending OUT0-edge event's pulse
        friend bool operator==(const State&, const State&) = default;
    };

    // `irq0` receives OUT0's level on every change (it may be empty).
    Pit8254(Scheduler& scheduler, IrqLine irq0);
    ~Pit8254();
    Pit8254(const Pit8254&) = delete;
    Pit8254& operator=(const Pit8254&) = delete;

    // Ports 40h-42h (counters), 43h (control word; reads FFh), 61h (port B); others read FFh.
    std::uint8_t read_port(std::uint16_t port);
    void write_port(std::uint16_t port, std::uint8_t value);
    void attach(IoPortMap& ports);  // claims 40h-43h and 61h

    // OUT of `counter` (0-2) now; its GATE input (counter 2's is port 61h bit 0, which calls this).
    bool out(unsigned counter) const;
    void set_gate(unsigned counter, bool level);
    // The speaker's input: OUT2 AND port 61h bit 1.
    bool speaker() const;

    void reset();  // power-on state; IRQ0 follows
    const State& state() const { return state_; }
    void restore_state(const State& state);  // then re-arms the OUT0 event
    void rearm_events();

    // The exact conversions (see the header): CLK pulses completed by `cycle`, and the first
    // cycle at which pulse `pulse` has happened.
    static std::uint64_t pulses_at(std::uint64_t cycle, std::uint32_t clock_khz);
    static std::uint64_t cycle_of_pulse(std::uint64_t pulse, std::uint32_t clock_khz);

private:
    std::uint64_t now_pulse() const;
    void settle(Counter& c, std::uint64_t pulse) const;
    bool out_at(const Counter& c, std::uint64_t pulse) const;
    std::uint32_t value_at(const Counter& c, std::uint64_t pulse) const;
    std::optional<std::uint64_t> next_out_change(const Counter& c, std::uint64_t pulse) const;
    std::optional<std::uint64_t> next_out_change_within_period(const Counter& c, std::uint64_t pulse) const;
    std::uint8_t status_of(const Counter& c, std::uint64_t pulse) const;
    void write_control(std::uint8_t value);
    void write_count(unsigned index, std::uint8_t value);
    void load_count(unsigned index);
    std::uint8_t read_counter(unsigned index);
    void latch_count(unsigned index);
    void update_irq0(std::uint64_t pulse);
    Counter& settled(unsigned index);

    Scheduler& scheduler_;
    IrqLine irq0_;
    State state_;
    EventId irq0_event_;
};

}  // namespace x86emu::devices
