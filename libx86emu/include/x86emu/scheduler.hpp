// x86emu — the event scheduler: devices (timers, disk and keyboard controllers, ...) ask to be
// called back at a point of emulated time instead of being ticked every cycle.
//
// Time is counted in whole CPU clock cycles, the Cpu's cycles() (which TSC = cycles + offset
// follows), read through a time source given at construction; a Machine passes its Cpu's
// cycles() (Machine::scheduler()), an embedder with a bare Cpu may do the same, and a test may
// pass its own counter. The Scheduler does not know the Cpu: it only reads the time source and
// tells a deadline hook when its earliest deadline moved earlier, which is how a Machine makes
// the running CPU stop in time for an event scheduled from inside an instruction (a port
// handler called by OUT). Nanoseconds convert at the clock rate given at construction
// (x86emu/emulated_time.hpp: to cycles rounded up, from cycles rounded down).
//
// Order: events fire in order of their cycle, and events at the same cycle in the order they
// were scheduled (schedule_* and reschedule each take the next place in that order), so a run is
// reproducible. Each callback receives the cycle it was scheduled for; it is called at the first
// dispatch (run_due) at which now() has reached that cycle, which for a Machine is the first
// instruction boundary at or after it (instructions are never split, so a callback may run a
// few cycles late: now() - scheduled_cycle says by how much). A cycle already past is allowed
// and fires at the next dispatch.
//
// Inside a callback everything may be used: scheduling (a periodic timer re-arms itself at
// scheduled_cycle + period), rescheduling or cancelling any event. Events that become due while
// run_due is dispatching fire in the same call, in order; so a callback that keeps scheduling
// itself at or before now() never lets run_due return (an embedder bug, like a loop in the
// callback).
//
// Handles: an EventId names one scheduled event until it fires or is cancelled; after that it
// is stale for good (ids are never reused), and cancel() / reschedule() of a stale or null id
// are no-ops that return false, pending() says false. Cost: O(log n) to schedule, reschedule,
// cancel or fire (an indexed binary heap), O(1) for next_deadline(); nothing happens per cycle.
//
// Threads: not thread-safe. Use it from the thread that runs the CPU (callbacks, port
// handlers, between runs). Another thread that must wake the guest uses Cpu::set_intr /
// raise_nmi / request_stop, which are (x86emu/cpu.hpp).
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace x86emu {

// Names one scheduled event: where it is kept and a serial number no other event of the same
// Scheduler ever gets. A default-constructed EventId is the null id (serial 0).
struct EventId {
    std::uint32_t slot = 0;
    std::uint64_t serial = 0;
    explicit operator bool() const { return serial != 0; }
    friend bool operator==(EventId, EventId) = default;
};

class Scheduler {
public:
    using TimeSource = std::function<std::uint64_t()>;
    // Called with the cycle the event was scheduled for (not the current one: now()).
    using Callback = std::function<void(std::uint64_t scheduled_cycle)>;
    // Called with the new earliest deadline whenever scheduling or rescheduling makes it earlier
    // than it was (or gives a first one), also from inside callbacks.
    using DeadlineHook = std::function<void(std::uint64_t earliest_cycle)>;

    // `clock_khz`: the CPU's clock rate, for the nanosecond conversions; `now`: the current
    // cycle. Throws std::invalid_argument for a zero clock or an empty time source.
    Scheduler(std::uint32_t clock_khz, TimeSource now);
    ~Scheduler();
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    std::uint64_t now() const;
    std::uint32_t clock_khz() const { return clock_khz_; }
    std::uint64_t cycles_from_ns(std::uint64_t ns) const;   // rounded up (emulated_time.hpp)
    std::uint64_t ns_from_cycles(std::uint64_t cycles) const;  // rounded down

    // Schedules `callback` at `cycle` (absolute), `cycles` after now(), or `ns` guest
    // nanoseconds after now() (rounded up to whole cycles). The sums saturate at UINT64_MAX
    // ("never" in practice). Throws std::invalid_argument for an empty callback.
    EventId schedule_at(std::uint64_t cycle, Callback callback);
    EventId schedule_in(std::uint64_t cycles, Callback callback);
    EventId schedule_in_ns(std::uint64_t ns, Callback callback);

    // Moves a pending event to `cycle`, keeping its callback; it takes the next place among
    // events at that cycle. Returns false, changing nothing, if `id` is not pending (fired,
    // cancelled or null).
    bool reschedule(EventId id, std::uint64_t cycle);
    // Drops a pending event. Returns false, changing nothing, if `id` is not pending.
    bool cancel(EventId id);
    bool pending(EventId id) const;
    // The cycle a pending event is scheduled for; nullopt if it is not pending.
    std::optional<std::uint64_t> deadline_of(EventId id) const;

    // The earliest pending event's cycle; nullopt when nothing is scheduled.
    std::optional<std::uint64_t> next_deadline() const;
    std::size_t pending_count() const { return heap_.size(); }
    // Every pending event in the order it would fire (cycle, then scheduling order). A snapshot
    // records each device event's place in it, so that on restore the devices can re-arm their
    // events (schedule_at) in that order and ties at one cycle fire as before. O(n log n).
    std::vector<EventId> pending_events() const;

    // Fires, in order, every event whose cycle is at or before now(), including those that
    // callbacks schedule meanwhile; returns how many fired. An event is removed (its id goes
    // stale) before its callback runs. An exception thrown by a callback propagates out; the
    // remaining events stay scheduled.
    std::size_t run_due();

    void set_deadline_hook(DeadlineHook hook) { deadline_hook_ = std::move(hook); }

private:
    // One event; `heap_position` is its index in heap_, kept up to date by every heap move so
    // that cancel and reschedule find it in O(1).
    struct Slot {
        std::uint64_t cycle = 0;
        std::uint64_t order = 0;   // scheduling order, for ties at the same cycle
        std::uint64_t serial = 0;  // the EventId's serial; 0 while the slot is free
        std::uint32_t heap_position = 0;
        Callback callback;
    };
    bool fires_before(std::uint32_t a, std::uint32_t b) const;
    void place(std::uint32_t position, std::uint32_t slot);
    void sift_up(std::uint32_t position);
    void sift_down(std::uint32_t position);
    void remove_at(std::uint32_t position);
    Slot* find(EventId id);
    const Slot* find(EventId id) const;
    void tell_if_earlier(std::optional<std::uint64_t> before);

    std::uint32_t clock_khz_;
    TimeSource now_;
    DeadlineHook deadline_hook_;
    std::vector<Slot> slots_;
    std::vector<std::uint32_t> free_slots_;
    std::vector<std::uint32_t> heap_;  // slot indices, a binary min-heap by (cycle, order)
    std::uint64_t next_order_ = 0;   // the next scheduling order number
    std::uint64_t next_serial_ = 1;  // the next EventId serial (0 is the null id)
};

}  // namespace x86emu
