// x86emu — the 8254: control words, count writes and reads, latches, read-back, the six modes
// as closed forms over CLK pulses, GATE, port 61h, and the OUT0 edge events (pit8254.hpp).
#include "devices/pit8254.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "x86emu/emulated_time.hpp"

namespace x86emu::devices {

namespace {

std::uint32_t modulus_of(const Pit8254::Counter& c) { return c.bcd ? 10000u : 65536u; }

std::uint32_t decode(const Pit8254::Counter& c, std::uint16_t raw) {
    if (!c.bcd) return raw;
    // Digits above 9 are not valid BCD; they count with their face value, kept below 10^4.
    const std::uint32_t value = ((raw >> 12) & 15u) * 1000 + ((raw >> 8) & 15u) * 100 + ((raw >> 4) & 15u) * 10 + (raw & 15u);
    return value % 10000u;
}

std::uint16_t encode(const Pit8254::Counter& c, std::uint32_t value) {
    if (!c.bcd) return static_cast<std::uint16_t>(value);
    value %= 10000u;
    return static_cast<std::uint16_t>((value / 1000) << 12 | (value / 100 % 10) << 8 | (value / 10 % 10) << 4 | (value % 10));
}

// The number of CLK pulses a count stands for: 0 is the largest (65536, or 10^4 in BCD).
std::uint32_t pulses_for(const Pit8254::Counter& c, std::uint32_t value) { return value == 0 ? modulus_of(c) : value; }

}  // namespace

std::uint64_t Pit8254::pulses_at(std::uint64_t cycle, std::uint32_t clock_khz) {
    const std::uint64_t denominator = kClockDenominatorPerKhz * clock_khz;
    return cycle / denominator * kClockNumerator + cycle % denominator * kClockNumerator / denominator;
}

std::uint64_t Pit8254::cycle_of_pulse(std::uint64_t pulse, std::uint32_t clock_khz) {
    const std::uint64_t denominator = kClockDenominatorPerKhz * clock_khz;
    const std::uint64_t q = pulse / kClockNumerator, r = pulse % kClockNumerator;
    if (q > (UINT64_MAX - denominator) / denominator) return UINT64_MAX;
    return q * denominator + (r * denominator + kClockNumerator - 1) / kClockNumerator;
}

Pit8254::Pit8254(Scheduler& scheduler, IrqLine irq0) : scheduler_(scheduler), irq0_(std::move(irq0)) { reset(); }

Pit8254::~Pit8254() { scheduler_.cancel(irq0_event_); }

std::uint64_t Pit8254::now_pulse() const { return pulses_at(scheduler_.now(), scheduler_.clock_khz()); }

// A count written in mode 2/3 while counting becomes the period at the end of the current one.
void Pit8254::settle(Counter& c, std::uint64_t pulse) const {
    if (c.next_period_at && pulse >= *c.next_period_at) {
        c.base_pulse = *c.next_period_at;
        c.period = c.next_period;
        c.next_period_at.reset();
    }
    if (c.null_count && c.null_count_clears_at && pulse >= *c.null_count_clears_at) {
        c.null_count = false;
        c.null_count_clears_at.reset();
    }
}

Pit8254::Counter& Pit8254::settled(unsigned index) {
    Counter& c = state_.counters[index];
    settle(c, now_pulse());
    return c;
}

bool Pit8254::out_at(const Counter& c, std::uint64_t pulse) const {
    const bool loaded = c.armed && pulse >= c.base_pulse;
    const std::uint64_t elapsed = loaded ? pulse - c.base_pulse : 0;
    const std::uint64_t remaining = pulses_for(c, c.base_value);
    switch (c.mode) {
    case 0:  // interrupt on terminal count: low until the count reaches 0, then high
        if (c.terminal_reached) return true;
        return loaded && !c.suspended && elapsed >= remaining;
    case 1:  // hardware one-shot: low from the load after a trigger until the count reaches 0
        if (!c.armed) return true;
        if (pulse < c.base_pulse) return c.out_before_base;
        return elapsed >= remaining;
    case 4:  // software strobe: low for the one pulse at which the count reaches 0
    case 5:  // hardware strobe: the same after a GATE trigger
        if (c.terminal_reached || !loaded || c.suspended) return true;
        return elapsed != remaining;
    case 2: {  // rate generator: low for one pulse when the count reaches 1
        if (!loaded || c.period == 1) return true;
        return elapsed % c.period != c.period - 1;
    }
    default: {  // 3, square wave: high for ceil(N/2) pulses, low for floor(N/2)
        if (!loaded) return true;
        return elapsed % c.period < (c.period + 1) / 2;
    }
    }
}

std::uint32_t Pit8254::value_at(const Counter& c, std::uint64_t pulse) const {
    const std::uint32_t modulus = modulus_of(c);
    if (!c.armed || pulse < c.base_pulse || c.suspended) return c.base_value % modulus;
    const std::uint64_t elapsed = pulse - c.base_pulse;
    switch (c.mode) {
    case 2: return static_cast<std::uint32_t>((c.period - elapsed % c.period) % modulus);
    case 3: {
        const std::uint32_t position = static_cast<std::uint32_t>(elapsed % c.period);
        const std::uint32_t high = (c.period + 1) / 2;
        const std::uint32_t in_half = position < high ? position : position - high;
        // Even counts go N, N-2, ..., 2; odd ones N-1, N-3, ..., 0 (high) and N-1, ..., 2 (low).
        const std::uint32_t start = (c.period % 2 == 0) ? c.period : c.period - 1;
        return (start - 2 * in_half) % modulus;
    }
    default: {  // 0, 1, 4, 5: down by one per pulse, wrapping
        const std::uint32_t down = static_cast<std::uint32_t>(elapsed % modulus);
        return (c.base_value + modulus - down) % modulus;
    }
    }
}

// The first pulse after `pulse` at which OUT differs from OUT at `pulse` (nullopt: never, as
// things stand). `c` must be settled at `pulse`. A pending mode 2/3 period change happens at the
// end of a period; past it the new period's edges count (a period of 1 has none before it).
std::optional<std::uint64_t> Pit8254::next_out_change(const Counter& c, std::uint64_t pulse) const {
    const std::optional<std::uint64_t> before = next_out_change_within_period(c, pulse);
    if (!c.next_period_at || (before && *before <= *c.next_period_at)) return before;
    const std::uint64_t change_at = *c.next_period_at;  // > pulse, or settle would have applied it
    Counter after = c;
    settle(after, change_at);
    if (out_at(after, change_at) != out_at(c, change_at - 1)) return change_at;
    return next_out_change_within_period(after, change_at);
}

std::optional<std::uint64_t> Pit8254::next_out_change_within_period(const Counter& c, std::uint64_t pulse) const {
    if (!c.armed || c.suspended) return std::nullopt;
    const std::uint64_t base = c.base_pulse;
    const std::uint64_t remaining = pulses_for(c, c.base_value);
    auto first_after = [pulse](std::initializer_list<std::uint64_t> candidates) -> std::optional<std::uint64_t> {
        for (std::uint64_t candidate : candidates)
            if (candidate > pulse) return candidate;
        return std::nullopt;
    };
    switch (c.mode) {
    case 0:
        if (c.terminal_reached) return std::nullopt;
        return first_after({base + remaining});
    case 1:
        if (c.out_before_base) return first_after({base, base + remaining});
        return first_after({base + remaining});
    case 4:
    case 5:
        if (c.terminal_reached) return std::nullopt;
        return first_after({base + remaining, base + remaining + 1});
    case 2: {
        if (c.period == 1) return std::nullopt;
        if (pulse < base) return base + c.period - 1;
        const std::uint64_t start = base + (pulse - base) / c.period * c.period;
        return first_after({start + c.period - 1, start + c.period});
    }
    default: {
        const std::uint64_t high = (c.period + 1) / 2;
        if (high == c.period) return std::nullopt;
        if (pulse < base) return base + high;
        const std::uint64_t start = base + (pulse - base) / c.period * c.period;
        return first_after({start + high, start + c.period});
    }
    }
}

std::uint8_t Pit8254::status_of(const Counter& c, std::uint64_t pulse) const {
    return static_cast<std::uint8_t>((out_at(c, pulse) ? 0x80 : 0) | (c.null_count ? 0x40 : 0) | (c.access << 4) |
                                     (c.mode << 1) | (c.bcd ? 1 : 0));
}

bool Pit8254::out(unsigned counter) const {
    if (counter > 2) throw std::invalid_argument("8254: there are counters 0-2");
    Counter c = state_.counters[counter];
    const std::uint64_t pulse = now_pulse();
    settle(c, pulse);
    return out_at(c, pulse);
}

bool Pit8254::speaker() const { return out(2) && (state_.port61_low_bits & 0x02); }

void Pit8254::set_gate(unsigned counter, bool level) {
    if (counter > 2) throw std::invalid_argument("8254: there are counters 0-2");
    const std::uint64_t pulse = now_pulse();
    Counter& c = settled(counter);
    if (level == c.gate) return;
    c.gate = level;
    if (level) {  // a rising edge: triggers modes 1, 2, 3, 5; resumes 0 and 4
        switch (c.mode) {
        case 0:
        case 4:
            if (c.armed && c.suspended) {
                c.suspended = false;
                c.base_pulse = std::max(pulse, c.base_pulse);
            }
            break;
        case 1:
        case 5:
            if (!c.count_written) break;
            c.out_before_base = out_at(c, pulse);
            c.armed = true;
            c.terminal_reached = false;
            c.base_pulse = pulse + 1;
            c.base_value = decode(c, c.count_register);
            c.null_count_clears_at = pulse + 1;
            break;
        default:  // 2, 3: reload on the next pulse
            if (!c.count_written) break;
            c.armed = true;
            c.base_pulse = pulse + 1;
            c.period = pulses_for(c, decode(c, c.count_register));
            c.next_period_at.reset();
            c.null_count_clears_at = pulse + 1;
            break;
        }
    } else {  // low: holds modes 0 and 4; stops 2 and 3 with OUT high
        switch (c.mode) {
        case 0:
        case 4:
            if (c.armed && !c.suspended) {
                const bool passed = pulse >= c.base_pulse && pulse - c.base_pulse >= pulses_for(c, c.base_value);
                c.base_value = value_at(c, pulse);
                c.terminal_reached = c.terminal_reached || passed;
                c.suspended = true;
            }
            break;
        case 2:
        case 3:
            c.base_value = value_at(c, pulse);
            c.armed = false;
            c.next_period_at.reset();
            break;
        default: break;
        }
    }
    if (counter == 0) update_irq0(pulse);
}

void Pit8254::write_control(std::uint8_t value) {
    const std::uint64_t pulse = now_pulse();
    const unsigned select = value >> 6;
    if (select == 3) {  // read-back: bit 5 clear latches counts, bit 4 clear latches status
        for (unsigned index = 0; index < 3; ++index) {
            if (!(value & (2u << index))) continue;
            Counter& c = settled(index);
            if (!(value & 0x20)) latch_count(index);
            if (!(value & 0x10) && !c.status_latched) {
                c.latched_status = status_of(c, pulse);
                c.status_latched = true;
            }
        }
        return;
    }
    const unsigned access = (value >> 4) & 3;
    if (access == 0) {  // counter latch command
        settled(select);
        latch_count(select);
        return;
    }
    Counter& c = settled(select);
    c.mode = static_cast<std::uint8_t>((value >> 1) & 7);
    if (c.mode > 5) c.mode = static_cast<std::uint8_t>(c.mode - 4);  // 6, 7 are 2, 3
    c.access = static_cast<std::uint8_t>(access);
    c.bcd = value & 1;
    // "When a control word is written to a counter, all control logic is immediately reset and
    // OUT goes to a known initial state" (low in mode 0, high otherwise); counting waits for a count.
    c.count_written = false;
    c.write_msb_next = false;
    c.read_msb_next = false;
    c.count_latched = false;
    c.status_latched = false;
    c.null_count = true;
    c.null_count_clears_at.reset();
    c.armed = false;
    c.suspended = false;
    c.terminal_reached = false;
    c.next_period_at.reset();
    c.out_before_base = true;
    if (select == 0) update_irq0(pulse);
}

// CR complete: moves into CE at the next pulse (modes 0, 4; 2 and 3 unless counting, when the
// new count waits for the end of the period); modes 1 and 5 wait for a GATE trigger.
void Pit8254::load_count(unsigned index) {
    const std::uint64_t pulse = now_pulse();
    Counter& c = settled(index);
    const std::uint32_t value = decode(c, c.count_register);
    c.count_written = true;
    c.null_count = true;
    c.null_count_clears_at.reset();
    switch (c.mode) {
    case 0:
    case 4:
        c.armed = true;
        c.terminal_reached = false;
        c.base_pulse = pulse + 1;
        c.base_value = value;
        c.suspended = !c.gate;
        c.null_count_clears_at = pulse + 1;
        break;
    case 1:
    case 5: break;
    default:
        if (c.armed && pulse >= c.base_pulse) {
            const std::uint64_t end = c.base_pulse + ((pulse - c.base_pulse) / c.period + 1) * c.period;
            c.next_period_at = end;
            c.next_period = pulses_for(c, value);
            c.null_count_clears_at = end;
        } else if (c.gate) {
            c.armed = true;
            c.base_pulse = pulse + 1;
            c.period = pulses_for(c, value);
            c.next_period_at.reset();
            c.null_count_clears_at = pulse + 1;
        }
        break;
    }
    if (index == 0) update_irq0(pulse);
}

void Pit8254::write_count(unsigned index, std::uint8_t value) {
    Counter& c = settled(index);
    switch (c.access) {
    case 1: c.count_register = value; break;
    case 2: c.count_register = static_cast<std::uint16_t>(value << 8); break;
    default:
        if (!c.write_msb_next) {
            c.count_register = static_cast<std::uint16_t>((c.count_register & 0xFF00) | value);
            c.write_msb_next = true;
            // Mode 0: writing the first byte stops the count and drives OUT low.
            if (c.mode == 0) {
                c.armed = false;
                c.terminal_reached = false;
                if (index == 0) update_irq0(now_pulse());
            }
            return;
        }
        c.count_register = static_cast<std::uint16_t>((c.count_register & 0x00FF) | (value << 8));
        c.write_msb_next = false;
        break;
    }
    load_count(index);
}

void Pit8254::latch_count(unsigned index) {
    Counter& c = state_.counters[index];
    if (c.count_latched) return;  // a second latch before the read is ignored
    c.latched_count = encode(c, value_at(c, now_pulse()));
    c.count_latched = true;
}

std::uint8_t Pit8254::read_counter(unsigned index) {
    Counter& c = settled(index);
    if (c.status_latched) {
        c.status_latched = false;
        return c.latched_status;
    }
    const std::uint16_t value = c.count_latched ? c.latched_count : encode(c, value_at(c, now_pulse()));
    bool msb;
    bool last;
    switch (c.access) {
    case 1: msb = false; last = true; break;
    case 2: msb = true; last = true; break;
    default:
        msb = c.read_msb_next;
        c.read_msb_next = !c.read_msb_next;
        last = msb;
        break;
    }
    if (last) c.count_latched = false;
    return static_cast<std::uint8_t>(msb ? value >> 8 : value);
}

std::uint8_t Pit8254::read_port(std::uint16_t port) {
    switch (port) {
    case 0x40:
    case 0x41:
    case 0x42: return read_counter(port - 0x40u);
    case 0x61: {
        const bool refresh = (scheduler_.ns_from_cycles(scheduler_.now()) / kRefreshToggleNs) & 1;
        return static_cast<std::uint8_t>((state_.port61_low_bits & 0x0F) | (refresh ? 0x10 : 0) | (out(2) ? 0x20 : 0));
    }
    default: return 0xFF;  // 43h is write-only
    }
}

void Pit8254::write_port(std::uint16_t port, std::uint8_t value) {
    switch (port) {
    case 0x40:
    case 0x41:
    case 0x42: write_count(port - 0x40u, value); break;
    case 0x43: write_control(value); break;
    case 0x61:
        state_.port61_low_bits = value & 0x0F;
        set_gate(2, value & 0x01);
        break;
    default: break;
    }
}

void Pit8254::attach(IoPortMap& ports) {
    PortHandler handler{[this](std::uint16_t port) { return read_port(port); },
                        [this](std::uint16_t port, std::uint8_t value) { write_port(port, value); }};
    ports.add_isa8(0x40, 0x43, handler);
    ports.add_isa8(0x61, 0x61, handler);
}

// OUT0 at `pulse` goes to IRQ0 if it changed, and the event for its next edge is (re)armed.
void Pit8254::update_irq0(std::uint64_t pulse) {
    Counter& c = state_.counters[0];
    settle(c, pulse);
    const bool level = out_at(c, pulse);
    if (level != state_.irq0_level) {
        state_.irq0_level = level;
        if (irq0_) irq0_(level);
    }
    state_.irq0_event_pulse = next_out_change(c, pulse);
    rearm_events();
}

void Pit8254::rearm_events() {
    scheduler_.cancel(irq0_event_);
    irq0_event_ = {};
    if (!state_.irq0_event_pulse) return;
    const std::uint64_t pulse = *state_.irq0_event_pulse;
    // The callback evaluates OUT0 at the edge's own pulse, not at now(): a late dispatch must not
    // skip the one-pulse low of mode 2.
    irq0_event_ = scheduler_.schedule_at(cycle_of_pulse(pulse, scheduler_.clock_khz()),
                                         [this, pulse](std::uint64_t) { update_irq0(pulse); });
}

void Pit8254::reset() {
    const bool irq0_was = state_.irq0_level;  // so that IRQ0 hears the change to OUT0's power-on level
    state_ = State{};
    state_.irq0_level = irq0_was;
    state_.counters[2].gate = false;  // port 61h bit 0 is 0
    update_irq0(now_pulse());
}

void Pit8254::restore_state(const State& state) {
    state_ = state;
    if (irq0_) irq0_(state_.irq0_level);
    rearm_events();
}

}  // namespace x86emu::devices
