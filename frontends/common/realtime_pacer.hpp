// x86emu frontends — real-time pacing (x86emu-headless --realtime, x86emu-sdl's default): emulated
// time is held back to the host's clock, so that guest timers run at their real rate. The
// frontend runs the machine in slices and calls pace() after each; it sleeps while the guest is
// ahead of the host time since start. A slice is where the guest may get ahead between checks;
// idle slices (HLT fast-forward) are where the sleeping happens.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <thread>

namespace x86emu::frontend {

class RealtimePacer {
public:
    using Clock = std::chrono::steady_clock;

    // `max_lag`: when the guest falls further behind the host than this (a slow stretch of
    // emulation), the baseline moves up instead of letting the guest race to catch up later; an
    // interactive frontend wants that, the headless runner (none) keeps one baseline for the run.
    explicit RealtimePacer(std::uint64_t emulated_ns_now = 0, std::optional<Clock::duration> max_lag = std::nullopt)
        : max_lag_(max_lag) {
        restart(emulated_ns_now);
    }

    // A new baseline: `emulated_ns_now` corresponds to the host's now (after a pause, or when
    // pacing is switched back on).
    void restart(std::uint64_t emulated_ns_now) {
        host_start_ = Clock::now();
        emulated_start_ns_ = emulated_ns_now;
    }

    // Sleeps until the host clock has caught up with `emulated_ns` (the CPU's emulated time).
    void pace(std::uint64_t emulated_ns) {
        const auto emulated = std::chrono::nanoseconds(emulated_ns - emulated_start_ns_);
        const auto elapsed = Clock::now() - host_start_;
        if (emulated > elapsed) {
            std::this_thread::sleep_for(emulated - elapsed);
        } else if (max_lag_ && elapsed - emulated > *max_lag_) {
            restart(emulated_ns);
        }
    }

private:
    std::optional<Clock::duration> max_lag_;
    Clock::time_point host_start_;
    std::uint64_t emulated_start_ns_ = 0;
};

}  // namespace x86emu::frontend
