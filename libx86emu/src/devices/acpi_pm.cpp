// x86emu devices — ACPI PM1 event/control registers and the PM timer (acpi_pm.hpp), after the
// ACPI Specification 6.x §4.8.3 (PM1 event and control registers, their bit tables) and
// §4.8.3.3 (the power management timer: 3.579545 MHz, TMR_STS on each change of the counter's
// top bit, 24 or 32 bits).
#include "devices/acpi_pm.hpp"

#include <cstdint>
#include <stdexcept>

#include "x86emu/io_ports.hpp"

namespace x86emu {

AcpiPm::AcpiPm(Scheduler& scheduler, Config config, Wiring wiring)
    : scheduler_(scheduler), config_(config), wiring_(std::move(wiring)) {
    if (std::uint32_t{config_.base} + kBlockPorts - 1 > 0xFFFF)
        throw std::invalid_argument("acpi pm: the 16-port block must end at or below port FFFFh");
    reset();
}

AcpiPm::~AcpiPm() { scheduler_.cancel(timer_event_); }

void AcpiPm::attach(IoPortMap& ports) {
    ports.add(config_.base, static_cast<std::uint16_t>(config_.base + kBlockPorts - 1),
              IoPortHandler{[this](std::uint16_t port, unsigned size) {
                                return read(static_cast<std::uint16_t>(port - config_.base), size);
                            },
                            [this](std::uint16_t port, unsigned size, std::uint32_t value) {
                                write(static_cast<std::uint16_t>(port - config_.base), size, value);
                            }});
}

void AcpiPm::reset() {
    scheduler_.cancel(timer_event_);
    timer_event_ = {};
    state_ = State{};
    state_.tmr_sts_checked_tick = ticks();
    update_sci();
}

// ---- time -------------------------------------------------------------------------------------

// ticks = floor(cycle * 3579545 / clock_hz), exact: split into quotient and remainder of
// clock_hz so that no product passes 64 bits (remainder < 2^32 * 1000, times 3579545 < 2^64).
std::uint64_t AcpiPm::ticks_at(std::uint64_t cycle) const {
    const std::uint64_t clock_hz = std::uint64_t{scheduler_.clock_khz()} * 1000;
    const std::uint64_t q = cycle / clock_hz, r = cycle % clock_hz;
    return q * kTimerHz + r * kTimerHz / clock_hz;
}

// The first cycle with ticks_at(cycle) >= tick: ceil(tick * clock_hz / 3579545), saturating.
std::uint64_t AcpiPm::cycle_of_tick(std::uint64_t tick) const {
    const std::uint64_t clock_hz = std::uint64_t{scheduler_.clock_khz()} * 1000;
    const std::uint64_t q = tick / kTimerHz, r = tick % kTimerHz;
    if (q > (UINT64_MAX - clock_hz) / clock_hz) return UINT64_MAX;
    return q * clock_hz + (r * clock_hz + kTimerHz - 1) / kTimerHz;
}

std::uint64_t AcpiPm::ticks() const { return ticks_at(scheduler_.now()); }

std::uint32_t AcpiPm::timer_value() const {
    const std::uint64_t t = ticks();
    return config_.timer_32bit ? static_cast<std::uint32_t>(t) : static_cast<std::uint32_t>(t & 0xFFFFFF);
}

// ---- status and SCI ---------------------------------------------------------------------------

std::uint16_t AcpiPm::pm1_sts() {
    // The counter's top bit changes every 2^23 (2^31) ticks: a change happened since the last
    // check when the two tick counts lie in different such periods.
    const std::uint64_t now = ticks();
    if ((now >> msb_shift()) != (state_.tmr_sts_checked_tick >> msb_shift())) state_.tmr_sts = true;
    state_.tmr_sts_checked_tick = now;
    return static_cast<std::uint16_t>(state_.sts | (state_.tmr_sts ? kTmrSts : 0));
}

void AcpiPm::update_sci() {
    const bool level = (state_.cnt & kSciEn) && (pm1_sts() & state_.en) != 0;
    if (level != state_.sci_level) {
        state_.sci_level = level;
        if (wiring_.sci) wiring_.sci(level);
    }
    arm_timer_event();
}

void AcpiPm::arm_timer_event() {
    // Only an enabled timer interrupt needs an event; without it TMR_STS is computed on reads.
    const bool wanted = (state_.en & kTmrEn) && !state_.tmr_sts;
    if (!wanted) {
        scheduler_.cancel(timer_event_);
        timer_event_ = {};
        state_.timer_event_cycle.reset();
        return;
    }
    const std::uint64_t period = std::uint64_t{1} << msb_shift();
    const std::uint64_t next_change = (state_.tmr_sts_checked_tick / period + 1) * period;
    const std::uint64_t cycle = cycle_of_tick(next_change);
    if (state_.timer_event_cycle == cycle && scheduler_.pending(timer_event_)) return;
    scheduler_.cancel(timer_event_);
    state_.timer_event_cycle = cycle;
    timer_event_ = scheduler_.schedule_at(cycle, [this](std::uint64_t) {
        timer_event_ = {};
        state_.timer_event_cycle.reset();
        update_sci();  // pm1_sts() sees the change of the top bit and sets TMR_STS
    });
}

void AcpiPm::rearm_events() {
    scheduler_.cancel(timer_event_);
    timer_event_ = {};
    if (const auto cycle = state_.timer_event_cycle) {
        timer_event_ = scheduler_.schedule_at(*cycle, [this](std::uint64_t) {
            timer_event_ = {};
            state_.timer_event_cycle.reset();
            update_sci();
        });
    }
    if (wiring_.sci) wiring_.sci(state_.sci_level);
    update_sci();
}

void AcpiPm::press_power_button() {
    state_.sts |= kPwrBtnSts;
    update_sci();
}

// ---- registers --------------------------------------------------------------------------------

std::uint16_t AcpiPm::read16(std::uint16_t offset) {
    switch (offset) {
    case kEvtOffset: return pm1_sts();
    case kEvtOffset + 2: return state_.en;
    case kCntOffset: return state_.cnt;
    case kTmrOffset: return static_cast<std::uint16_t>(timer_value());
    case kTmrOffset + 2: return static_cast<std::uint16_t>(timer_value() >> 16);
    default: return 0;  // reserved ports of the block
    }
}

void AcpiPm::write16(std::uint16_t offset, std::uint16_t value) {
    switch (offset) {
    case kEvtOffset:
        pm1_sts();  // bring TMR_STS up to date before clearing it
        if (value & kTmrSts) state_.tmr_sts = false;
        state_.sts = static_cast<std::uint16_t>(state_.sts & ~(value & kStsBits));
        break;
    case kEvtOffset + 2: state_.en = value & kEnBits; break;
    case kCntOffset: {
        // SCI_EN stays set: without SMI_CMD the machine cannot leave ACPI mode (§4.8.2.5).
        state_.cnt = static_cast<std::uint16_t>((value & (kBmRld | kSlpTypMask)) | kSciEn);
        // GBL_RLS would signal firmware that the OS released the global lock: there is none.
        const unsigned slp_typ = (value & kSlpTypMask) >> kSlpTypShift;
        if ((value & kSlpEn) && slp_typ == kSlpTypS5 && wiring_.power_off) wiring_.power_off();
        break;
    }
    default: break;  // the timer is read-only; reserved ports ignore writes
    }
    update_sci();
}

std::uint32_t AcpiPm::read(std::uint16_t offset, unsigned size) {
    std::uint32_t value = 0;
    for (unsigned k = 0; k < size; ++k) {
        const std::uint16_t at = static_cast<std::uint16_t>(offset + k);
        if (at >= kBlockPorts) break;  // an access reaching past the block reads 0 there
        const std::uint16_t word = read16(static_cast<std::uint16_t>(at & ~1u));
        value |= std::uint32_t{static_cast<std::uint8_t>(word >> (8 * (at & 1)))} << (8 * k);
    }
    return value;
}

void AcpiPm::write(std::uint16_t offset, unsigned size, std::uint32_t value) {
    // Each 16-bit register touched is written once. A byte write keeps the register's other byte
    // as it reads, except in PM1_STS, where keeping would clear the bits that read 1.
    const unsigned end = offset + size;
    for (unsigned reg = offset & ~1u; reg < end && reg < kBlockPorts; reg += 2) {
        std::uint16_t word = reg == kEvtOffset ? 0 : read16(static_cast<std::uint16_t>(reg));
        for (unsigned half = 0; half < 2; ++half) {
            const unsigned port = reg + half;
            if (port < offset || port >= end) continue;
            const std::uint16_t byte = static_cast<std::uint16_t>((value >> (8 * (port - offset))) & 0xFF);
            word = static_cast<std::uint16_t>((word & ~(0xFF << (8 * half))) | (byte << (8 * half)));
        }
        write16(static_cast<std::uint16_t>(reg), word);
    }
}

}  // namespace x86emu
