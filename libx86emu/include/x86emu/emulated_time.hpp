// x86emu — emulated time: conversions between CPU clock cycles and nanoseconds of guest time at a
// clock rate given in kHz (CpuOptions::clock_khz). Exact integer arithmetic, no floating point,
// no 128-bit products: with cycles = q * khz + r (r < khz <= 10^7), cycles * 10^6 / khz equals
// q * 10^6 + r * 10^6 / khz exactly, and r * 10^6 < 10^13 fits 64 bits; the same split works the
// other way round. Results that do not fit 64 bits saturate at UINT64_MAX (after ~584 years of
// guest time at 1 GHz) instead of wrapping.
#pragma once
#include <cstdint>
#include <limits>

namespace x86emu {

inline constexpr std::uint64_t kNanosecondsPerMillisecond = 1'000'000;  // kHz = cycles per ms

// Guest nanoseconds that `cycles` clocks stand for at `clock_khz`, rounded down (a partly
// elapsed nanosecond has not elapsed). `clock_khz` must be non-zero.
constexpr std::uint64_t nanoseconds_from_cycles(std::uint64_t cycles, std::uint32_t clock_khz) {
    const std::uint64_t q = cycles / clock_khz, r = cycles % clock_khz;
    constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
    if (q > (kMax - kNanosecondsPerMillisecond) / kNanosecondsPerMillisecond) return kMax;
    return q * kNanosecondsPerMillisecond + r * kNanosecondsPerMillisecond / clock_khz;
}

// Clock cycles needed for `ns` guest nanoseconds at `clock_khz`, rounded up, so that an event
// placed `ns` from now never fires before that much guest time has passed:
// nanoseconds_from_cycles(cycles_from_nanoseconds(ns, k), k) >= ns for every ns and k.
// `clock_khz` must be non-zero.
constexpr std::uint64_t cycles_from_nanoseconds(std::uint64_t ns, std::uint32_t clock_khz) {
    const std::uint64_t q = ns / kNanosecondsPerMillisecond, r = ns % kNanosecondsPerMillisecond;
    constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
    if (q > (kMax - clock_khz) / clock_khz) return kMax;
    return q * clock_khz + (r * clock_khz + kNanosecondsPerMillisecond - 1) / kNanosecondsPerMillisecond;
}

}  // namespace x86emu
