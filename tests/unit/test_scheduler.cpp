// x86emu unit tests — the event scheduler on its own (x86emu/scheduler.hpp) over a test-owned
// clock: order by cycle then by scheduling order, cancel and reschedule (and their no-op on
// stale ids), events scheduling events from callbacks, the deadline hook, the exact
// cycle/nanosecond conversions (x86emu/emulated_time.hpp), and wired by hand to a bare Cpu.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "emu_test_support.hpp"
#include "x86emu/cpu.hpp"
#include "x86emu/emulated_time.hpp"
#include "x86emu/scheduler.hpp"

using x86emu::EventId;
using x86emu::Scheduler;

namespace {

constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();

// A scheduler over a clock the test moves by hand, recording what fired: (name, scheduled
// cycle, the clock at the call).
struct Rig {
    std::uint64_t clock = 0;
    Scheduler scheduler{33'000, [this] { return clock; }};
    struct Fired {
        std::string name;
        std::uint64_t scheduled = 0, at = 0;
        friend bool operator==(const Fired&, const Fired&) = default;
    };
    std::vector<Fired> fired;

    Scheduler::Callback record(std::string name) {
        return [this, name](std::uint64_t scheduled) { fired.push_back({name, scheduled, clock}); };
    }
    std::vector<std::string> names() const {
        std::vector<std::string> out;
        for (const Fired& f : fired) out.push_back(f.name);
        return out;
    }
    std::size_t advance_to(std::uint64_t cycle) {
        clock = cycle;
        return scheduler.run_due();
    }
};

using Names = std::vector<std::string>;

}  // namespace

TEST_CASE("Scheduler: events fire by cycle, then in scheduling order, each told its own cycle") {
    Rig rig;
    rig.scheduler.schedule_at(300, rig.record("c300"));
    rig.scheduler.schedule_at(100, rig.record("a100"));
    rig.scheduler.schedule_at(200, rig.record("b200-first"));
    rig.scheduler.schedule_at(200, rig.record("b200-second"));
    rig.scheduler.schedule_at(100, rig.record("a100-later"));
    CHECK(rig.scheduler.pending_count() == 5);
    CHECK(rig.scheduler.next_deadline() == 100);

    CHECK(rig.advance_to(99) == 0);
    CHECK(rig.fired.empty());
    CHECK(rig.advance_to(250) == 4);  // late dispatch: each callback still gets its own cycle
    CHECK(rig.names() == Names{"a100", "a100-later", "b200-first", "b200-second"});
    CHECK(rig.fired[0].scheduled == 100);
    CHECK(rig.fired[2].scheduled == 200);
    CHECK(rig.fired[2].at == 250);
    CHECK(rig.scheduler.next_deadline() == 300);
    CHECK(rig.advance_to(300) == 1);  // due exactly at its cycle
    CHECK(rig.scheduler.pending_count() == 0);
    CHECK_FALSE(rig.scheduler.next_deadline().has_value());
}

TEST_CASE("Scheduler: schedule_in and schedule_in_ns count from now(); sums saturate") {
    Rig rig;
    rig.clock = 1'000;
    const EventId in = rig.scheduler.schedule_in(500, rig.record("in"));
    CHECK(rig.scheduler.deadline_of(in) == 1'500);
    // 33 MHz: 1 ms is 33,000 cycles; 1 ns is 0.033 cycles, rounded up to 1.
    const EventId ms = rig.scheduler.schedule_in_ns(1'000'000, rig.record("ms"));
    CHECK(rig.scheduler.deadline_of(ms) == 34'000);
    const EventId ns = rig.scheduler.schedule_in_ns(1, rig.record("ns"));
    CHECK(rig.scheduler.deadline_of(ns) == 1'001);
    const EventId far = rig.scheduler.schedule_in(kNever, rig.record("never"));
    CHECK(rig.scheduler.deadline_of(far) == kNever);
    // 2^64 - 1 ns (584 years) is 608,742,554,432,415,203.295 cycles at 33 MHz: rounded up.
    const EventId far_ns = rig.scheduler.schedule_in_ns(kNever, rig.record("584 years"));
    CHECK(rig.scheduler.deadline_of(far_ns) == 1'000 + 608'742'554'432'415'204);
    // A cycle already past is allowed and fires at the next dispatch.
    rig.scheduler.schedule_at(10, rig.record("past"));
    CHECK(rig.scheduler.run_due() == 1);
    CHECK(rig.fired.front() == Rig::Fired{"past", 10, 1'000});
}

TEST_CASE("Scheduler: cancel and reschedule; stale and null ids are no-ops") {
    Rig rig;
    const EventId a = rig.scheduler.schedule_at(100, rig.record("a"));
    const EventId b = rig.scheduler.schedule_at(200, rig.record("b"));
    const EventId c = rig.scheduler.schedule_at(300, rig.record("c"));
    CHECK(a != b);
    CHECK(rig.scheduler.pending(b));

    CHECK(rig.scheduler.cancel(b));
    CHECK_FALSE(rig.scheduler.pending(b));
    CHECK_FALSE(rig.scheduler.deadline_of(b).has_value());
    CHECK_FALSE(rig.scheduler.cancel(b));  // cancelled twice: nothing happens
    CHECK_FALSE(rig.scheduler.reschedule(b, 50));
    CHECK(rig.scheduler.pending_count() == 2);

    // Moving c before a, then a after c again at the same cycle: a takes the later place.
    CHECK(rig.scheduler.reschedule(c, 50));
    CHECK(rig.scheduler.next_deadline() == 50);
    CHECK(rig.scheduler.reschedule(a, 50));
    CHECK(rig.advance_to(60) == 2);
    CHECK(rig.names() == Names{"c", "a"});
    CHECK(rig.fired[1].scheduled == 50);
    // Fired ids are stale for good.
    CHECK_FALSE(rig.scheduler.pending(a));
    CHECK_FALSE(rig.scheduler.cancel(a));
    CHECK_FALSE(rig.scheduler.reschedule(c, 1000));
    CHECK(rig.scheduler.pending_count() == 0);

    // A new event reuses a freed slot but not an id: the old ids stay stale.
    const EventId d = rig.scheduler.schedule_at(70, rig.record("d"));
    CHECK(d != a);
    CHECK(d != b);
    CHECK(d != c);
    CHECK_FALSE(rig.scheduler.pending(a));
    CHECK_FALSE(rig.scheduler.cancel(c));
    CHECK(rig.scheduler.pending(d));

    const EventId null_id;
    CHECK_FALSE(null_id);
    CHECK_FALSE(rig.scheduler.pending(null_id));
    CHECK_FALSE(rig.scheduler.cancel(null_id));
    CHECK_FALSE(rig.scheduler.reschedule(null_id, 5));
    CHECK(rig.scheduler.pending(d));
}

TEST_CASE("Scheduler: callbacks schedule, reschedule and cancel; due ones fire in the same dispatch, in order") {
    Rig rig;
    EventId victim, moved;
    // A periodic event re-arming itself from its scheduled cycle (not from now, so lateness
    // does not accumulate), three times.
    int ticks = 0;
    std::function<void(std::uint64_t)> tick = [&](std::uint64_t scheduled) {
        rig.fired.push_back({"tick", scheduled, rig.clock});
        if (++ticks < 3) rig.scheduler.schedule_at(scheduled + 40, tick);
    };
    rig.scheduler.schedule_at(100, tick);
    victim = rig.scheduler.schedule_at(130, rig.record("victim"));
    moved = rig.scheduler.schedule_at(125, rig.record("moved"));
    rig.scheduler.schedule_at(110, [&](std::uint64_t scheduled) {
        rig.fired.push_back({"killer", scheduled, rig.clock});
        CHECK(rig.scheduler.cancel(victim));
        CHECK(rig.scheduler.reschedule(moved, 145));
        // Scheduled in the past from a callback: still fires in this dispatch, in time order.
        rig.scheduler.schedule_at(105, rig.record("late-child"));
        rig.scheduler.schedule_in(0, rig.record("child-now"));
    });
    CHECK(rig.advance_to(150) == 6);
    CHECK(rig.names() == Names{"tick", "killer", "late-child", "tick", "moved", "child-now"});
    CHECK(rig.fired[2].scheduled == 105);
    CHECK(rig.fired[3].scheduled == 140);  // the first re-arm
    CHECK(rig.fired[4].scheduled == 145);
    CHECK(rig.fired[5].scheduled == 150);  // schedule_in(0) at now() = 150
    CHECK(rig.scheduler.next_deadline() == 180);  // the second re-arm waits for its cycle
    CHECK(rig.advance_to(200) == 1);
    CHECK(rig.fired.back() == Rig::Fired{"tick", 180, 200});
    CHECK(ticks == 3);
    CHECK(rig.scheduler.pending_count() == 0);
}

TEST_CASE("Scheduler: the deadline hook hears of every earlier earliest deadline, and only of those") {
    Rig rig;
    std::vector<std::uint64_t> told;
    rig.scheduler.set_deadline_hook([&](std::uint64_t earliest) { told.push_back(earliest); });
    const EventId a = rig.scheduler.schedule_at(500, rig.record("a"));  // the first: told
    rig.scheduler.schedule_at(700, rig.record("b"));                    // later: not told
    rig.scheduler.schedule_at(500, rig.record("c"));                    // same: not told
    const EventId d = rig.scheduler.schedule_at(300, rig.record("d"));  // earlier: told
    CHECK(rig.scheduler.reschedule(a, 200));                           // earlier: told
    CHECK(rig.scheduler.reschedule(a, 900));                           // later: not told
    CHECK(rig.scheduler.cancel(d));                                    // later: not told
    CHECK(told == std::vector<std::uint64_t>{500, 300, 200});
    // From inside a callback too.
    rig.scheduler.schedule_at(10, [&](std::uint64_t) { rig.scheduler.schedule_at(20, rig.record("e")); });
    CHECK(told.back() == 10);
    rig.advance_to(15);
    CHECK(told.back() == 20);
}

TEST_CASE("Scheduler: bad arguments are refused; a throwing callback leaves the rest scheduled") {
    std::uint64_t clock = 0;
    CHECK_THROWS_AS(Scheduler(0, [&] { return clock; }), std::invalid_argument);
    CHECK_THROWS_AS(Scheduler(1000, Scheduler::TimeSource{}), std::invalid_argument);
    Rig rig;
    CHECK_THROWS_AS(rig.scheduler.schedule_at(5, Scheduler::Callback{}), std::invalid_argument);
    CHECK(rig.scheduler.pending_count() == 0);
    rig.scheduler.schedule_at(5, [](std::uint64_t) { throw std::runtime_error("device failed"); });
    const EventId after = rig.scheduler.schedule_at(6, rig.record("after"));
    CHECK_THROWS_AS(rig.advance_to(10), std::runtime_error);
    CHECK(rig.scheduler.pending(after));
    CHECK(rig.scheduler.run_due() == 1);
    CHECK(rig.names() == Names{"after"});
}

TEST_CASE("Scheduler: random schedules, reschedules and cancels fire exactly as a sorted list says") {
    // The heap against the obvious model: every pending event with its (cycle, order) key.
    std::mt19937_64 random(12345);
    Rig rig;
    struct Expected {
        EventId id;
        std::uint64_t cycle, order;
        std::string name;
    };
    std::vector<Expected> model;
    std::uint64_t order = 0;
    std::vector<std::string> expected_names;
    for (int round = 0; round < 200; ++round) {
        for (int k = 0; k < 20; ++k) {
            const unsigned what = random() % 4;
            if (what <= 1 || model.empty()) {
                const std::uint64_t cycle = rig.clock + random() % 500;
                const std::string name = std::to_string(round) + "." + std::to_string(k);
                model.push_back({rig.scheduler.schedule_at(cycle, rig.record(name)), cycle, order++, name});
            } else if (what == 2) {
                Expected& e = model[random() % model.size()];
                e.cycle = rig.clock + random() % 500;
                e.order = order++;
                CHECK(rig.scheduler.reschedule(e.id, e.cycle));
            } else {
                const std::size_t victim = random() % model.size();
                CHECK(rig.scheduler.cancel(model[victim].id));
                model.erase(model.begin() + static_cast<std::ptrdiff_t>(victim));
            }
        }
        const std::uint64_t until = rig.clock + random() % 300;
        std::sort(model.begin(), model.end(), [](const Expected& x, const Expected& y) {
            return x.cycle != y.cycle ? x.cycle < y.cycle : x.order < y.order;
        });
        while (!model.empty() && model.front().cycle <= until) {
            expected_names.push_back(model.front().name);
            model.erase(model.begin());
        }
        rig.advance_to(until);
        REQUIRE(rig.names() == expected_names);
        CHECK(rig.scheduler.pending_count() == model.size());
        if (!model.empty()) CHECK(rig.scheduler.next_deadline() == model.front().cycle);
        std::vector<EventId> model_order;
        for (const Expected& e : model) model_order.push_back(e.id);
        CHECK(rig.scheduler.pending_events() == model_order);  // the firing order, as the model has it
    }
    CHECK(expected_names.size() > 500);  // the dispatches did fire (973 with this seed)
}

TEST_CASE("emulated time: cycles and nanoseconds convert exactly, rounding as documented") {
    using x86emu::cycles_from_nanoseconds;
    using x86emu::nanoseconds_from_cycles;
    // 4.77 MHz: one cycle is 209.64 ns.
    CHECK(nanoseconds_from_cycles(1, 4'770) == 209);          // down
    CHECK(cycles_from_nanoseconds(209, 4'770) == 1);          // 0.997 cycles, up
    CHECK(cycles_from_nanoseconds(210, 4'770) == 2);          // 1.002 cycles, up
    CHECK(cycles_from_nanoseconds(0, 4'770) == 0);
    CHECK(cycles_from_nanoseconds(1'000'000, 4'770) == 4'770);  // exactly 1 ms
    CHECK(nanoseconds_from_cycles(4'770, 4'770) == 1'000'000);
    // 1000 s at 66 MHz, and at 10 GHz (0.1 ns per cycle), no overflow in between.
    CHECK(cycles_from_nanoseconds(1'000'000'000'000, 66'000) == 66'000'000'000);
    CHECK(nanoseconds_from_cycles(66'000'000'000, 66'000) == 1'000'000'000'000);
    CHECK(cycles_from_nanoseconds(1, 10'000'000) == 10);
    CHECK(nanoseconds_from_cycles(9, 10'000'000) == 0);
    // Saturation instead of wrapping.
    CHECK(cycles_from_nanoseconds(kNever, 10'000'000) == kNever);
    CHECK(nanoseconds_from_cycles(kNever, 1) == kNever);
    CHECK(nanoseconds_from_cycles(kNever, 10'000'000) == kNever / 10);  // 0.1 ns per cycle, no saturation
    // The round trip never comes back early, and rounding up adds less than one cycle.
    std::mt19937_64 random(7);
    for (std::uint32_t khz : {1u, 4'770u, 12'000u, 33'000u, 66'666u, 100'000u, 200'000u, 9'999'991u}) {
        for (int k = 0; k < 2000; ++k) {
            const std::uint64_t ns = random() >> (random() % 40 + 20);
            const std::uint64_t cycles = cycles_from_nanoseconds(ns, khz);
            CAPTURE(khz);
            CAPTURE(ns);
            CHECK(nanoseconds_from_cycles(cycles, khz) >= ns);
            if (cycles > 0) CHECK(nanoseconds_from_cycles(cycles - 1, khz) < ns);
        }
    }
    Rig rig;  // 33 MHz
    CHECK(rig.scheduler.cycles_from_ns(1'000'000) == 33'000);
    CHECK(rig.scheduler.ns_from_cycles(33) == 1'000);
}

namespace {
// A bare Cpu's bus with one output port, for an embedder that wires the Scheduler itself.
struct PortBus final : x86emu::Bus {
    std::vector<std::uint8_t> mem = std::vector<std::uint8_t>(0x110000, 0);
    std::function<void(std::uint16_t)> on_out;
    std::uint8_t read8(std::uint32_t a) override { return a < mem.size() ? mem[a] : 0xFF; }
    void write8(std::uint32_t a, std::uint8_t v) override {
        if (a < mem.size()) mem[a] = v;
    }
    void io_write(std::uint16_t port, unsigned, std::uint32_t) override {
        if (on_out) on_out(port);
    }
};
}  // namespace

TEST_CASE("Scheduler over a bare Cpu: the embedder wires time source and deadline hook, and events fire on time") {
    using namespace x86emu;
    PortBus bus;
    Cpu cpu(CpuModel::i80386, bus);
    Scheduler scheduler(cpu.clock_khz(), [&] { return cpu.cycles(); });
    scheduler.set_deadline_hook([&](std::uint64_t earliest) { cpu.pull_deadline(earliest); });
    // At 1000:0100: out 40h, al; spin: jmp spin
    const std::uint8_t code[] = {0xE6, 0x40, 0xEB, 0xFE};
    std::copy(std::begin(code), std::end(code), bus.mem.begin() + 0x10100);
    CpuState s = x86emu_test::Machine::base_state();
    cpu.set_state(s);
    std::vector<std::uint64_t> fired_at;
    bus.on_out = [&](std::uint16_t) {
        scheduler.schedule_in(10, [&](std::uint64_t scheduled) {
            CHECK(cpu.cycles() >= scheduled);
            fired_at.push_back(cpu.cycles());
        });
    };
    // The embedder's loop: run to the next deadline, fire, go on.
    const RunResult first = cpu.run(1'000'000);
    CHECK(first.reasons == StopReason::BudgetExhausted);
    CHECK(first.cycles < 50);  // the OUT pulled the run's end in to its event
    CHECK(scheduler.run_due() == 1);
    REQUIRE(fired_at.size() == 1);
    CHECK(fired_at[0] == cpu.cycles());
    CHECK_FALSE(scheduler.next_deadline().has_value());
}
