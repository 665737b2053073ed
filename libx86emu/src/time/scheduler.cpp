// x86emu — Scheduler: events on emulated time kept in an indexed binary min-heap ordered by
// (cycle, scheduling order). Each heap entry is a slot index and each slot remembers its heap
// position, so cancel and reschedule reach an event in O(1) and repair the heap in O(log n).
// Semantics: x86emu/scheduler.hpp.
#include "x86emu/scheduler.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <utility>

#include "x86emu/emulated_time.hpp"

namespace x86emu {

namespace {
std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
    return b > std::numeric_limits<std::uint64_t>::max() - a ? std::numeric_limits<std::uint64_t>::max() : a + b;
}
}  // namespace

Scheduler::Scheduler(std::uint32_t clock_khz, TimeSource now) : clock_khz_(clock_khz), now_(std::move(now)) {
    if (clock_khz_ == 0) throw std::invalid_argument("Scheduler: the clock rate must be at least 1 kHz");
    if (!now_) throw std::invalid_argument("Scheduler: the time source is empty");
}

Scheduler::~Scheduler() = default;

std::uint64_t Scheduler::now() const { return now_(); }
std::uint64_t Scheduler::cycles_from_ns(std::uint64_t ns) const { return cycles_from_nanoseconds(ns, clock_khz_); }
std::uint64_t Scheduler::ns_from_cycles(std::uint64_t cycles) const {
    return nanoseconds_from_cycles(cycles, clock_khz_);
}

// ---- the heap -------------------------------------------------------------------------------

bool Scheduler::fires_before(std::uint32_t a, std::uint32_t b) const {
    const Slot& x = slots_[a];
    const Slot& y = slots_[b];
    return x.cycle != y.cycle ? x.cycle < y.cycle : x.order < y.order;
}

void Scheduler::place(std::uint32_t position, std::uint32_t slot) {
    heap_[position] = slot;
    slots_[slot].heap_position = position;
}

void Scheduler::sift_up(std::uint32_t position) {
    const std::uint32_t slot = heap_[position];
    while (position > 0) {
        const std::uint32_t parent = (position - 1) / 2;
        if (!fires_before(slot, heap_[parent])) break;
        place(position, heap_[parent]);
        position = parent;
    }
    place(position, slot);
}

void Scheduler::sift_down(std::uint32_t position) {
    const std::uint32_t slot = heap_[position];
    const std::uint32_t size = static_cast<std::uint32_t>(heap_.size());
    for (;;) {
        std::uint32_t child = 2 * position + 1;
        if (child >= size) break;
        if (child + 1 < size && fires_before(heap_[child + 1], heap_[child])) ++child;
        if (!fires_before(heap_[child], slot)) break;
        place(position, heap_[child]);
        position = child;
    }
    place(position, slot);
}

// Takes the entry at `position` out of the heap and frees its slot (the callback stays in the
// slot for the caller to move out first, if it wants it).
void Scheduler::remove_at(std::uint32_t position) {
    const std::uint32_t slot = heap_[position];
    const std::uint32_t last = heap_.back();
    heap_.pop_back();
    if (position < heap_.size()) {
        place(position, last);
        // The moved entry may belong above or below its new place.
        sift_up(position);
        sift_down(slots_[last].heap_position);
    }
    Slot& s = slots_[slot];
    s.serial = 0;
    s.callback = nullptr;
    free_slots_.push_back(slot);
}

// ---- events ---------------------------------------------------------------------------------

Scheduler::Slot* Scheduler::find(EventId id) {
    if (id.serial == 0 || id.slot >= slots_.size() || slots_[id.slot].serial != id.serial) return nullptr;
    return &slots_[id.slot];
}

const Scheduler::Slot* Scheduler::find(EventId id) const {
    return const_cast<Scheduler*>(this)->find(id);
}

void Scheduler::tell_if_earlier(std::optional<std::uint64_t> before) {
    const std::uint64_t earliest = slots_[heap_.front()].cycle;
    if (deadline_hook_ && (!before || earliest < *before)) deadline_hook_(earliest);
}

EventId Scheduler::schedule_at(std::uint64_t cycle, Callback callback) {
    if (!callback) throw std::invalid_argument("Scheduler::schedule_at: the callback is empty");
    if (heap_.size() >= std::numeric_limits<std::uint32_t>::max())
        throw std::length_error("Scheduler::schedule_at: too many pending events");
    const std::optional<std::uint64_t> before = next_deadline();
    std::uint32_t slot;
    if (free_slots_.empty()) {
        slot = static_cast<std::uint32_t>(slots_.size());
        slots_.emplace_back();
    } else {
        slot = free_slots_.back();
        free_slots_.pop_back();
    }
    Slot& s = slots_[slot];
    s.cycle = cycle;
    s.order = next_order_++;
    s.serial = next_serial_++;
    s.callback = std::move(callback);
    heap_.push_back(slot);
    sift_up(static_cast<std::uint32_t>(heap_.size() - 1));
    tell_if_earlier(before);
    return EventId{slot, s.serial};
}

EventId Scheduler::schedule_in(std::uint64_t cycles, Callback callback) {
    return schedule_at(saturating_add(now(), cycles), std::move(callback));
}

EventId Scheduler::schedule_in_ns(std::uint64_t ns, Callback callback) {
    return schedule_at(saturating_add(now(), cycles_from_ns(ns)), std::move(callback));
}

bool Scheduler::reschedule(EventId id, std::uint64_t cycle) {
    Slot* s = find(id);
    if (!s) return false;
    const std::optional<std::uint64_t> before = next_deadline();
    s->cycle = cycle;
    s->order = next_order_++;
    // Later in both keys or earlier in the cycle: one of the two moves does nothing.
    const std::uint32_t position = s->heap_position;
    sift_up(position);
    sift_down(slots_[id.slot].heap_position);
    tell_if_earlier(before);
    return true;
}

bool Scheduler::cancel(EventId id) {
    const Slot* s = find(id);
    if (!s) return false;
    remove_at(s->heap_position);
    return true;
}

bool Scheduler::pending(EventId id) const { return find(id) != nullptr; }

std::optional<std::uint64_t> Scheduler::deadline_of(EventId id) const {
    const Slot* s = find(id);
    if (!s) return std::nullopt;
    return s->cycle;
}

std::optional<std::uint64_t> Scheduler::next_deadline() const {
    if (heap_.empty()) return std::nullopt;
    return slots_[heap_.front()].cycle;
}

std::vector<EventId> Scheduler::pending_events() const {
    std::vector<std::uint32_t> order = heap_;
    std::sort(order.begin(), order.end(), [this](std::uint32_t a, std::uint32_t b) { return fires_before(a, b); });
    std::vector<EventId> ids;
    ids.reserve(order.size());
    for (std::uint32_t slot : order) ids.push_back(EventId{slot, slots_[slot].serial});
    return ids;
}

std::size_t Scheduler::run_due() {
    std::size_t fired = 0;
    // now() is read again after each callback: for a Machine it is the CPU's cycle count, which
    // stands still during dispatch, but an embedder's time source may move.
    while (!heap_.empty() && slots_[heap_.front()].cycle <= now()) {
        const std::uint32_t slot = heap_.front();
        const std::uint64_t cycle = slots_[slot].cycle;
        Callback callback = std::move(slots_[slot].callback);
        remove_at(0);
        ++fired;
        callback(cycle);
    }
    return fired;
}

}  // namespace x86emu
