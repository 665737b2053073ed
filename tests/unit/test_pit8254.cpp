// x86emu unit tests — the 8254 (devices/pit8254.hpp) on a Scheduler with a fake clock: every
// mode's OUT waveform and count sequence at exact CLK pulses, OUT0's IRQ0 edges as scheduled
// events (also when dispatched late), BCD, the counter latch and read-back commands with the
// status byte and null count, GATE (port 61h for counter 2), port 61h's bits, the exact
// cycle <-> CLK conversion.
#include <doctest/doctest.h>

#include <cstdint>
#include <stdexcept>
#include <utility>
#include <vector>

#include "devices/pit8254.hpp"
#include "x86emu/io_ports.hpp"
#include "x86emu/scheduler.hpp"

using x86emu::Scheduler;
using x86emu::devices::Pit8254;

namespace {

// At 13125 kHz one CLK pulse is exactly 11 cycles: pulse j happens at cycle 11 j.
constexpr std::uint32_t kKhz = 13125;
constexpr std::uint64_t kCyclesPerPulse = 11;

struct Rig {
    std::uint64_t clock = 0;
    Scheduler scheduler{kKhz, [this] { return clock; }};
    std::vector<std::pair<std::uint64_t, bool>> irq0;  // (cycle, level) of every change
    Pit8254 pit{scheduler, [this](bool level) { irq0.emplace_back(clock, level); }};

    void at_pulse(std::uint64_t pulse) {
        // Fire every event due on the way, each at its own cycle, like a Machine does.
        const std::uint64_t target = pulse * kCyclesPerPulse;
        while (auto next = scheduler.next_deadline()) {
            if (*next > target) break;
            clock = std::max(clock, *next);
            scheduler.run_due();
        }
        clock = target;
        scheduler.run_due();
    }
    void program(unsigned counter, std::uint8_t control, std::uint16_t count) {
        pit.write_port(0x43, control);
        const unsigned access = (control >> 4) & 3;
        if (access != 2) pit.write_port(static_cast<std::uint16_t>(0x40 + counter), static_cast<std::uint8_t>(count));
        if (access != 1) pit.write_port(static_cast<std::uint16_t>(0x40 + counter), static_cast<std::uint8_t>(count >> 8));
    }
    std::uint16_t read16(unsigned counter) {
        const std::uint8_t low = pit.read_port(static_cast<std::uint16_t>(0x40 + counter));
        return static_cast<std::uint16_t>(low | pit.read_port(static_cast<std::uint16_t>(0x40 + counter)) << 8);
    }
    // OUT and the count at each pulse from `first` to `last` (counter in LSB/MSB access).
    std::vector<bool> outs(unsigned counter, std::uint64_t first, std::uint64_t last) {
        std::vector<bool> result;
        for (std::uint64_t p = first; p <= last; ++p) {
            at_pulse(p);
            result.push_back(pit.out(counter));
        }
        return result;
    }
    std::vector<std::uint16_t> counts(unsigned counter, std::uint64_t first, std::uint64_t last) {
        std::vector<std::uint16_t> result;
        for (std::uint64_t p = first; p <= last; ++p) {
            at_pulse(p);
            result.push_back(read16(counter));
        }
        return result;
    }
};

}  // namespace

TEST_CASE("8254: the CLK is 315/264 MHz counted exactly from cycles") {
    CHECK(Pit8254::pulses_at(11, kKhz) == 1);
    CHECK(Pit8254::pulses_at(10, kKhz) == 0);
    CHECK(Pit8254::cycle_of_pulse(7, kKhz) == 77);
    // One second at 200 MHz: 1193181.8... pulses, rounded down.
    CHECK(Pit8254::pulses_at(200'000'000, 200'000) == 1'193'181);
    CHECK(Pit8254::pulses_at(2'000'000'000, 200'000) == 11'931'818);
    for (std::uint32_t khz : {4'770u, 33'000u, 200'000u, 3'000'000u}) {
        for (std::uint64_t pulse : {1ull, 2ull, 1193ull, 65536ull, 123456789ull, 1ull << 40}) {
            const std::uint64_t cycle = Pit8254::cycle_of_pulse(pulse, khz);
            CHECK(Pit8254::pulses_at(cycle, khz) >= pulse);
            CHECK(Pit8254::pulses_at(cycle - 1, khz) < pulse);
        }
    }
}

TEST_CASE("8254 mode 0: OUT low from the control word, high when the count reaches 0; the count wraps") {
    Rig rig;
    rig.at_pulse(10);
    rig.program(0, 0x30, 4);  // loaded at pulse 11, terminal count at 15
    CHECK_FALSE(rig.pit.out(0));
    CHECK(rig.outs(0, 11, 16) == std::vector<bool>{false, false, false, false, true, true});
    Rig counts;
    counts.at_pulse(10);
    counts.program(0, 0x30, 4);
    CHECK(counts.counts(0, 11, 16) == std::vector<std::uint16_t>{4, 3, 2, 1, 0, 0xFFFF});
    // IRQ0 went high once, at the cycle of pulse 15.
    CHECK(rig.irq0 == std::vector<std::pair<std::uint64_t, bool>>{{15 * kCyclesPerPulse, true}});
    // Writing the first byte of a new count stops counting and drives OUT low again.
    rig.pit.write_port(0x40, 0x02);
    CHECK_FALSE(rig.pit.out(0));
    rig.pit.write_port(0x40, 0x00);
    CHECK(rig.outs(0, 17, 19) == std::vector<bool>{false, false, true});
}

TEST_CASE("8254 mode 2: a one-pulse low every N pulses, both IRQ0 edges at exact cycles") {
    Rig rig;
    rig.program(0, 0x34, 5);  // at pulse 0; loaded at pulse 1
    CHECK(rig.pit.out(0));
    CHECK(rig.outs(0, 1, 11) ==
          std::vector<bool>{true, true, true, true, false, true, true, true, true, false, true});
    const std::vector<std::pair<std::uint64_t, bool>> expected{
        {0, true}, {55, false}, {66, true}, {110, false}, {121, true}};
    CHECK(rig.irq0 == expected);
    Rig counts;
    counts.program(0, 0x34, 5);
    CHECK(counts.counts(0, 1, 7) == std::vector<std::uint16_t>{5, 4, 3, 2, 1, 5, 4});
}

TEST_CASE("8254 mode 2: late dispatch still gives the low pulse; a new count waits for the period's end") {
    Rig rig;
    rig.program(0, 0x34, 5);
    rig.clock = 70;  // past the fall (55) and the rise (66) before anything ran
    rig.scheduler.run_due();
    CHECK(rig.irq0 == std::vector<std::pair<std::uint64_t, bool>>{{0, true}, {70, false}, {70, true}});

    Rig change;
    change.program(0, 0x34, 5);  // periods start at pulses 1, 6, 11, ...
    change.at_pulse(3);
    change.pit.write_port(0x40, 3);
    change.pit.write_port(0x40, 0);
    CHECK(change.counts(0, 4, 12) == std::vector<std::uint16_t>{2, 1, 3, 2, 1, 3, 2, 1, 3});

    // From a count of 1 (no edges) to 4: the new period's first low pulse still gets its event.
    Rig from_one;
    from_one.program(0, 0x34, 1);
    from_one.at_pulse(5);
    from_one.pit.write_port(0x40, 4);
    from_one.pit.write_port(0x40, 0);  // takes over at pulse 6: low at 9, high at 10
    CHECK(from_one.outs(0, 6, 10) == std::vector<bool>{true, true, true, false, true});
    CHECK(from_one.irq0 == std::vector<std::pair<std::uint64_t, bool>>{{0, true}, {99, false}, {110, true}});
}

TEST_CASE("8254 mode 3: square waves for even and odd counts") {
    Rig even;
    even.program(0, 0x36, 6);
    CHECK(even.outs(0, 1, 13) ==
          std::vector<bool>{true, true, true, false, false, false, true, true, true, false, false, false, true});
    Rig even_counts;
    even_counts.program(0, 0x36, 6);
    CHECK(even_counts.counts(0, 1, 7) == std::vector<std::uint16_t>{6, 4, 2, 6, 4, 2, 6});

    Rig odd;
    odd.program(0, 0x36, 5);  // high 3 pulses, low 2
    CHECK(odd.outs(0, 1, 11) == std::vector<bool>{true, true, true, false, false, true, true, true, false, false, true});
    Rig odd_counts;
    odd_counts.program(0, 0x36, 5);
    CHECK(odd_counts.counts(0, 1, 6) == std::vector<std::uint16_t>{4, 2, 0, 4, 2, 4});
    CHECK(odd.irq0.size() == 5);  // high at the control word, then 2 falls and 2 rises
}

TEST_CASE("8254 mode 4: a one-pulse strobe N pulses after the count is loaded, once") {
    Rig rig;
    rig.program(0, 0x38, 3);  // loaded at 1, strobe at 4
    CHECK(rig.outs(0, 1, 7) == std::vector<bool>{true, true, true, false, true, true, true});
    CHECK(rig.irq0 == std::vector<std::pair<std::uint64_t, bool>>{{0, true}, {44, false}, {55, true}});
}

TEST_CASE("8254 modes 1 and 5: GATE triggers (counter 2, port 61h bit 0)") {
    Rig one;
    one.program(2, 0xB2, 3);
    CHECK(one.outs(2, 1, 3) == std::vector<bool>{true, true, true});  // waits for the trigger
    one.pit.write_port(0x61, 0x01);  // GATE2 rises at pulse 3: loaded at 4, OUT low 4..6
    CHECK(one.outs(2, 4, 8) == std::vector<bool>{false, false, false, true, true});
    one.pit.write_port(0x61, 0x00);
    one.pit.write_port(0x61, 0x01);  // retrigger at 8
    CHECK(one.outs(2, 9, 12) == std::vector<bool>{false, false, false, true});
    // A retrigger while OUT is low keeps it low and restarts the count.
    one.pit.write_port(0x61, 0x00);
    one.pit.write_port(0x61, 0x01);  // at 12
    one.at_pulse(14);
    one.pit.write_port(0x61, 0x00);
    one.pit.write_port(0x61, 0x01);  // at 14: loaded at 15, high at 18
    CHECK(one.outs(2, 14, 18) == std::vector<bool>{false, false, false, false, true});

    Rig five;
    five.program(2, 0xBA, 3);
    five.at_pulse(2);
    five.pit.write_port(0x61, 0x01);  // loaded at 3, strobe at 6
    CHECK(five.outs(2, 3, 8) == std::vector<bool>{true, true, true, false, true, true});
    CHECK(five.counts(2, 9, 9) == std::vector<std::uint16_t>{0xFFFD});
}

TEST_CASE("8254: GATE low holds modes 0 and 4, forces OUT high and reloads in modes 2 and 3") {
    Rig zero;
    zero.pit.write_port(0x61, 0x01);
    zero.program(2, 0xB0, 5);  // loaded at 1, would end at 6
    zero.at_pulse(3);          // count 3
    zero.pit.write_port(0x61, 0x00);
    CHECK(zero.counts(2, 4, 6) == std::vector<std::uint16_t>{3, 3, 3});
    zero.pit.write_port(0x61, 0x01);  // resumes at 6: 2 at 7, 0 at 9
    CHECK(zero.outs(2, 7, 9) == std::vector<bool>{false, false, true});

    Rig two;
    two.pit.write_port(0x61, 0x01);
    two.program(2, 0xB4, 4);  // loaded at 1, low at 4
    two.at_pulse(4);
    CHECK_FALSE(two.pit.out(2));
    two.pit.write_port(0x61, 0x00);
    CHECK(two.pit.out(2));
    CHECK(two.outs(2, 5, 9) == std::vector<bool>{true, true, true, true, true});
    two.pit.write_port(0x61, 0x01);  // at 9: reloaded at 10, low at 13
    CHECK(two.outs(2, 10, 14) == std::vector<bool>{true, true, true, false, true});

    // Mode 2 written while GATE is low waits for the rising edge.
    Rig waiting;
    waiting.program(2, 0xB4, 2);
    CHECK(waiting.outs(2, 1, 5) == std::vector<bool>{true, true, true, true, true});
    waiting.pit.write_port(0x61, 0x01);
    CHECK(waiting.outs(2, 6, 8) == std::vector<bool>{true, false, true});
}

TEST_CASE("8254: BCD counting, LSB-only and MSB-only access") {
    Rig rig;
    rig.program(0, 0x35, 0x0012);  // mode 2, BCD 12
    CHECK(rig.counts(0, 1, 4) == std::vector<std::uint16_t>{0x0012, 0x0011, 0x0010, 0x0009});
    Rig wrap;
    wrap.program(0, 0x31, 0x0002);  // mode 0, BCD: 2, 1, 0, 9999
    CHECK(wrap.counts(0, 1, 4) == std::vector<std::uint16_t>{0x0002, 0x0001, 0x0000, 0x9999});
    Rig zero;
    zero.program(0, 0x31, 0x0000);  // BCD 0 is 10^4 pulses
    zero.at_pulse(10'001);
    CHECK(zero.pit.out(0));
    zero.at_pulse(1);
    Rig lsb;
    lsb.program(1, 0x50, 0x07);  // counter 1, LSB only, mode 0
    lsb.at_pulse(3);
    CHECK(lsb.pit.read_port(0x41) == 5);
    Rig msb;
    msb.program(1, 0x60, 0x0200);  // MSB only: count 200h
    msb.at_pulse(1);
    CHECK(msb.pit.read_port(0x41) == 0x02);
    msb.at_pulse(2);
    CHECK(msb.pit.read_port(0x41) == 0x01);  // 1FFh
}

TEST_CASE("8254: counter latch holds the count until read; read-back latches status and count") {
    Rig rig;
    rig.program(0, 0x34, 1000);
    rig.at_pulse(11);  // count 990
    rig.pit.write_port(0x43, 0x00);
    rig.at_pulse(50);
    rig.pit.write_port(0x43, 0x00);  // a second latch before the read is ignored
    CHECK(rig.read16(0) == 990);
    CHECK(rig.read16(0) == 1000 - 49);  // unlatched again

    // Read-back of counter 2's status: null count until the count is loaded.
    Rig rb;
    rb.pit.write_port(0x43, 0xB6);  // counter 2, LSB/MSB, mode 3, binary
    rb.pit.write_port(0x43, 0xE8);  // read-back: status of counter 2
    CHECK(rb.pit.read_port(0x42) == (0x80 | 0x40 | 0x30 | 0x06));
    rb.pit.write_port(0x42, 0x10);
    rb.pit.write_port(0x42, 0x00);
    rb.pit.write_port(0x61, 0x01);
    rb.at_pulse(3);
    rb.pit.write_port(0x43, 0xC8);  // read-back: count and status of counter 2
    CHECK(rb.pit.read_port(0x42) == (0x80 | 0x30 | 0x06));  // status first, null count clear
    CHECK(rb.read16(2) == 0x10 - 4);  // then the count (mode 3 counts by two)
    // Mode 0 status: OUT low until the terminal count.
    rb.pit.write_port(0x43, 0x30);
    rb.pit.write_port(0x43, 0xE2);
    CHECK(rb.pit.read_port(0x40) == (0x40 | 0x30));
}

TEST_CASE("8254: port 61h bits: GATE2 and speaker data read back, refresh toggles, OUT2") {
    Rig rig;
    CHECK((rig.pit.read_port(0x61) & 0x3F) == 0x00);
    rig.pit.write_port(0x61, 0xF3);  // only bits 0-3 are writable
    CHECK((rig.pit.read_port(0x61) & 0x0F) == 0x03);
    CHECK(rig.pit.state().counters[2].gate);
    rig.program(2, 0xB6, 4);  // square wave: high 1-2, low 3-4
    rig.at_pulse(1);
    CHECK((rig.pit.read_port(0x61) & 0x20) != 0);
    CHECK(rig.pit.speaker());
    rig.at_pulse(3);
    CHECK((rig.pit.read_port(0x61) & 0x20) == 0);
    CHECK_FALSE(rig.pit.speaker());
    // Refresh request: 15.085 us per toggle.
    rig.clock = rig.scheduler.cycles_from_ns(Pit8254::kRefreshToggleNs) - 1;
    CHECK((rig.pit.read_port(0x61) & 0x10) == 0);
    rig.clock = rig.scheduler.cycles_from_ns(Pit8254::kRefreshToggleNs);
    CHECK((rig.pit.read_port(0x61) & 0x10) != 0);
    rig.clock = rig.scheduler.cycles_from_ns(2 * Pit8254::kRefreshToggleNs);
    CHECK((rig.pit.read_port(0x61) & 0x10) == 0);
}

TEST_CASE("8254: attach, restore re-arms the OUT0 event, reset, bad counter numbers") {
    Rig rig;
    x86emu::IoPortMap ports;
    rig.pit.attach(ports);
    ports.write(0x43, 1, 0x34);
    ports.write(0x40, 1, 0x0A);
    ports.write(0x40, 1, 0x00);
    CHECK(ports.read(0x43, 1) == 0xFF);
    CHECK(rig.scheduler.pending_count() == 1);
    const Pit8254::State saved = rig.pit.state();
    rig.pit.reset();
    CHECK(rig.scheduler.pending_count() == 0);
    CHECK_FALSE(rig.irq0.back().second);
    rig.pit.restore_state(saved);
    CHECK(rig.pit.state() == saved);
    CHECK(rig.scheduler.pending_count() == 1);
    rig.at_pulse(10);  // loaded at 1: low at 10
    CHECK_FALSE(rig.irq0.back().second);
    CHECK(rig.irq0.back().first == 110);
    CHECK_THROWS_AS(rig.pit.set_gate(3, true), std::invalid_argument);
    CHECK_THROWS_AS(static_cast<void>(rig.pit.out(3)), std::invalid_argument);
}

TEST_CASE("8254: random port traffic over time never breaks the invariants") {
    // Any byte to any port, at any time: no exception, at most the one OUT0 event, always in
    // the future of the last dispatch, IRQ0 changing only when OUT0 does, and reads answered.
    // (A count of 1 in mode 2 with a new count pending once left OUT0 without its next event.)
    for (const std::uint64_t first_seed : {12345ull, 999ull, 31337ull}) {
        CAPTURE(first_seed);
        std::uint64_t seed = first_seed;
        auto next = [&seed] {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            return static_cast<std::uint32_t>(seed >> 33);
        };
        Rig rig;
        const std::uint16_t ports[] = {0x40, 0x41, 0x42, 0x43, 0x61};
        std::uint64_t pulse = 0;
        for (int i = 0; i < 20'000; ++i) {
            const std::uint16_t port = ports[next() % 5];
            if (next() % 3 == 0) {
                static_cast<void>(rig.pit.read_port(port));
            } else {
                rig.pit.write_port(port, static_cast<std::uint8_t>(next()));
            }
            pulse += next() % 40;
            rig.at_pulse(pulse);
            REQUIRE(rig.scheduler.pending_count() <= 1);
            if (auto deadline = rig.scheduler.next_deadline()) REQUIRE(*deadline > rig.clock);
            const auto& c0 = rig.pit.state().counters[0];
            CAPTURE(i);
            CAPTURE(port);
            CAPTURE(pulse);
            CAPTURE(static_cast<int>(c0.mode));
            CAPTURE(c0.base_pulse);
            CAPTURE(c0.base_value);
            CAPTURE(c0.period);
            CAPTURE(c0.armed);
            CAPTURE(c0.terminal_reached);
            CAPTURE(c0.next_period_at.value_or(0));
            CAPTURE(rig.pit.state().irq0_event_pulse.value_or(0));
            REQUIRE(rig.pit.state().irq0_level == rig.pit.out(0));
        }
        for (std::size_t i = 1; i < rig.irq0.size(); ++i) REQUIRE(rig.irq0[i].second != rig.irq0[i - 1].second);
    }
}
