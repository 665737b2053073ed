// x86emu — the MC146818A RTC/CMOS (what is and is not modelled: rtc146818.hpp).
#include "devices/rtc146818.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace x86emu::devices {

namespace {

// Register A/B/C bits (datasheet "Register A" .. "Register C").
constexpr std::uint8_t kAUip = 0x80;
constexpr std::uint8_t kBSet = 0x80, kBPie = 0x40, kBAie = 0x20, kBUie = 0x10, kBBinary = 0x04, kB24Hour = 0x02;
constexpr std::uint8_t kCIrqf = 0x80, kCPf = 0x40, kCAf = 0x20, kCUf = 0x10;
constexpr std::uint8_t kDVrt = 0x80;

constexpr std::int64_t kTicksPerSecond = Rtc146818::kDividerHz;
// UIP rises 244 us (8 ticks) before the update cycle, which lasts 1984 us (65 ticks).
constexpr std::int64_t kUipLeadTicks = 8, kUpdateCycleTicks = 65;
constexpr std::int64_t kSecondsPerDay = 86'400;

// Days since 1970-01-01 -> civil date (proleptic Gregorian), after the era/day-of-era method.
struct CivilDate {
    std::int64_t year;
    unsigned month, day;
};
CivilDate civil_from_days(std::int64_t days) {
    days += 719'468;  // shift the origin to 0000-03-01
    const std::int64_t era = (days >= 0 ? days : days - 146'096) / 146'097;
    const std::int64_t day_of_era = days - era * 146'097;
    const std::int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36'524 - day_of_era / 146'096) / 365;
    const std::int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    const std::int64_t shifted_month = (5 * day_of_year + 2) / 153;  // 0 = March
    const unsigned day = static_cast<unsigned>(day_of_year - (153 * shifted_month + 2) / 5 + 1);
    const unsigned month = static_cast<unsigned>(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
    return {year_of_era + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

// The chip's calendar: every fourth year of the 00-99 counter is a leap year.
unsigned days_in_month(unsigned month, unsigned year) {
    static constexpr unsigned kDays[13] = {31, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && year % 4 == 0) return 29;
    return month <= 12 ? kDays[month] : 31;
}

}  // namespace

Rtc146818::Rtc146818(Scheduler& scheduler, IrqLine irq, std::int64_t start_epoch)
    : scheduler_(scheduler), irq_(std::move(irq)) {
    state_.bytes[kRegisterA] = 0x26;
    state_.bytes[kRegisterB] = kB24Hour;
    const std::uint64_t now_tick = tick_at(scheduler_.now());
    state_.divider_origin = static_cast<std::int64_t>(now_tick);
    state_.caught_up_tick = now_tick;
    set_time(start_epoch);
}

Rtc146818::~Rtc146818() { scheduler_.cancel(event_); }

void Rtc146818::attach(IoPortMap& ports) {
    ports.add_isa8(0x70, 0x71,
                   PortHandler{[this](std::uint16_t port) -> std::uint8_t { return port == 0x71 ? read_data() : 0xFF; },
                               [this](std::uint16_t port, std::uint8_t value) {
                                   if (port == 0x70) write_index(value);
                                   else write_data(value);
                               }});
}

// ---- time base: cycles <-> 32.768 kHz ticks, exact -----------------------------------------

std::uint64_t Rtc146818::tick_at(std::uint64_t cycle) const {
    const std::uint64_t hz = std::uint64_t{scheduler_.clock_khz()} * 1000;
    return cycle / hz * kDividerHz + cycle % hz * kDividerHz / hz;
}

std::uint64_t Rtc146818::cycle_of_tick(std::uint64_t tick) const {
    const std::uint64_t hz = std::uint64_t{scheduler_.clock_khz()} * 1000;
    return tick / kDividerHz * hz + (tick % kDividerHz * hz + kDividerHz - 1) / kDividerHz;
}

std::uint64_t Rtc146818::periodic_ticks() const {
    const unsigned rate = state_.bytes[kRegisterA] & 0x0F;
    if (rate == 0) return 0;
    if (rate <= 2) return 64u << rate;  // 1: 128 ticks (3.90625 ms), 2: 256 (7.8125 ms)
    return 1u << (rate - 1);            // 3: 4 ticks (122.070 us) ... 15: 16384 (500 ms)
}

// ---- BCD/binary and 12/24 hours --------------------------------------------------------------

unsigned Rtc146818::decode(std::uint8_t value) const {
    if (state_.bytes[kRegisterB] & kBBinary) return value;
    return (value >> 4) * 10u + (value & 0x0F);
}

std::uint8_t Rtc146818::encode(unsigned value) const {
    if (state_.bytes[kRegisterB] & kBBinary) return static_cast<std::uint8_t>(value);
    return static_cast<std::uint8_t>(((value / 10) << 4) | (value % 10));
}

unsigned Rtc146818::hours24() const {
    const std::uint8_t raw = state_.bytes[kHours];
    if (state_.bytes[kRegisterB] & kB24Hour) return decode(raw);
    const unsigned hour12 = decode(raw & 0x7F) % 12;  // 12 AM is 0, 12 PM is 12
    return hour12 + ((raw & 0x80) ? 12 : 0);
}

void Rtc146818::set_hours24(unsigned hours) {
    if (state_.bytes[kRegisterB] & kB24Hour) {
        state_.bytes[kHours] = encode(hours);
        return;
    }
    const unsigned hour12 = hours % 12 == 0 ? 12 : hours % 12;
    state_.bytes[kHours] = static_cast<std::uint8_t>(encode(hour12) | (hours >= 12 ? 0x80 : 0));
}

void Rtc146818::set_time(std::int64_t epoch) {
    const std::int64_t days = (epoch >= 0 ? epoch : epoch - (kSecondsPerDay - 1)) / kSecondsPerDay;
    const std::int64_t second_of_day = epoch - days * kSecondsPerDay;
    const CivilDate date = civil_from_days(days);
    if (date.year < 1900 || date.year > 9999)
        throw std::invalid_argument("RTC start time " + std::to_string(epoch) +
                                    " is outside the years 1900-9999 the CMOS century byte can hold");
    state_.bytes[kSeconds] = encode(static_cast<unsigned>(second_of_day % 60));
    state_.bytes[kMinutes] = encode(static_cast<unsigned>(second_of_day / 60 % 60));
    set_hours24(static_cast<unsigned>(second_of_day / 3600));
    state_.bytes[kDayOfWeek] = encode(static_cast<unsigned>(((days % 7 + 7 + 4) % 7) + 1));  // 1970-01-01: Thursday; Sunday = 1
    state_.bytes[kDayOfMonth] = encode(date.day);
    state_.bytes[kMonth] = encode(date.month);
    state_.bytes[kYear] = encode(static_cast<unsigned>(date.year % 100));
    state_.bytes[kCentury] = encode(static_cast<unsigned>(date.year / 100));
}

// ---- the update cycle ----------------------------------------------------------------------

void Rtc146818::advance_one_second() {
    auto& b = state_.bytes;
    const unsigned seconds = decode(b[kSeconds]) + 1;
    if (seconds < 60) {
        b[kSeconds] = encode(seconds);
        return;
    }
    b[kSeconds] = encode(0);
    const unsigned minutes = decode(b[kMinutes]) + 1;
    if (minutes < 60) {
        b[kMinutes] = encode(minutes);
        return;
    }
    b[kMinutes] = encode(0);
    const unsigned hours = hours24() + 1;
    if (hours < 24) {
        set_hours24(hours);
        return;
    }
    set_hours24(0);
    advance_one_day();
}

void Rtc146818::advance_one_day() {
    auto& b = state_.bytes;
    const unsigned weekday = decode(b[kDayOfWeek]);
    b[kDayOfWeek] = encode(weekday >= 7 ? 1 : weekday + 1);
    const unsigned month = decode(b[kMonth]), year = decode(b[kYear]);
    const unsigned day = decode(b[kDayOfMonth]) + 1;
    if (day <= days_in_month(month, year)) {
        b[kDayOfMonth] = encode(day);
        return;
    }
    b[kDayOfMonth] = encode(1);
    if (month < 12) {
        b[kMonth] = encode(month + 1);
        return;
    }
    b[kMonth] = encode(1);
    if (year < 99) {
        b[kYear] = encode(year + 1);
        return;
    }
    b[kYear] = encode(0);
    b[kCentury] = encode((decode(b[kCentury]) + 1) % 100);
}

bool Rtc146818::alarm_matches() const {
    const auto& b = state_.bytes;
    auto matches = [&](std::uint8_t alarm, std::uint8_t value) { return (alarm & 0xC0) == 0xC0 || alarm == value; };
    return matches(b[kSecondsAlarm], b[kSeconds]) && matches(b[kMinutesAlarm], b[kMinutes]) &&
           matches(b[kHoursAlarm], b[kHours]);
}

// `seconds` update cycles in a row. Every alarm pattern repeats within a day, so beyond the last
// day only whole days are stepped (quickly) and only the last day is compared second by second.
void Rtc146818::advance_seconds(std::uint64_t seconds) {
    if (seconds == 0) return;
    std::uint64_t stepped = 0;
    const std::uint64_t compare_from = seconds > 2 * kSecondsPerDay ? seconds - kSecondsPerDay : 0;
    while (stepped + kSecondsPerDay <= compare_from) {
        advance_one_day();
        stepped += kSecondsPerDay;
    }
    for (; stepped < seconds; ++stepped) {
        advance_one_second();
        if (alarm_matches()) state_.bytes[kRegisterC] |= kCAf;
    }
    state_.bytes[kRegisterC] |= kCUf;
}

void Rtc146818::catch_up() { catch_up_to(tick_at(scheduler_.now())); }

void Rtc146818::catch_up_to(std::uint64_t tick) {
    const std::uint64_t from = state_.caught_up_tick;
    if (tick <= from) return;
    state_.caught_up_tick = tick;
    if (!divider_running()) return;
    const std::int64_t origin = state_.divider_origin;
    const std::int64_t d1 = static_cast<std::int64_t>(from) - origin, d2 = static_cast<std::int64_t>(tick) - origin;
    if (const std::uint64_t period = periodic_ticks()) {
        const auto p = static_cast<std::int64_t>(period);
        if (d2 / p > d1 / p) state_.bytes[kRegisterC] |= kCPf;
    }
    const std::int64_t updates = d2 / kTicksPerSecond - d1 / kTicksPerSecond;
    if (updates > 0 && !(state_.bytes[kRegisterB] & kBSet)) advance_seconds(static_cast<std::uint64_t>(updates));
}

bool Rtc146818::update_in_progress() {
    if (!divider_running() || (state_.bytes[kRegisterB] & kBSet)) return false;
    const std::int64_t into_second =
        (static_cast<std::int64_t>(state_.caught_up_tick) - state_.divider_origin) % kTicksPerSecond;
    return into_second >= kTicksPerSecond - kUipLeadTicks - kUpdateCycleTicks;
}

// ---- interrupts ----------------------------------------------------------------------------

std::uint8_t Rtc146818::irq_flags() const {
    return state_.bytes[kRegisterC] & state_.bytes[kRegisterB] & (kCPf | kCAf | kCUf);
}

void Rtc146818::update_irq() {
    const bool level = irq_flags() != 0;
    if (level == irq_level_) return;
    irq_level_ = level;
    if (irq_) irq_(level);
}

void Rtc146818::rebuild() {
    irq_level_ = irq_flags() == 0;
    update_irq();
}

// The next divider tick at which an enabled flag, not yet raised, will be set; an event there.
void Rtc146818::arm_event() {
    scheduler_.cancel(event_);
    event_ = EventId{};
    state_.event_at.reset();
    if (!divider_running() || irq_level_) return;  // IRQ8 stays high until register C is read
    const std::uint8_t b = state_.bytes[kRegisterB];
    const std::int64_t now = static_cast<std::int64_t>(state_.caught_up_tick) - state_.divider_origin;
    std::optional<std::int64_t> next;
    if ((b & kBPie) && periodic_ticks()) {
        const auto p = static_cast<std::int64_t>(periodic_ticks());
        next = (now / p + 1) * p;
    }
    if ((b & (kBUie | kBAie)) && !(b & kBSet)) {
        const std::int64_t update = (now / kTicksPerSecond + 1) * kTicksPerSecond;
        next = next ? std::min(*next, update) : update;
    }
    if (!next) return;
    // cycle_of_tick rounds up, so the tick has been reached there; never at or before now, which
    // would make the event re-arm itself in one dispatch for ever.
    const std::uint64_t cycle =
        std::max(cycle_of_tick(static_cast<std::uint64_t>(*next + state_.divider_origin)), scheduler_.now() + 1);
    state_.event_at = cycle;
    event_ = scheduler_.schedule_at(cycle, [this](std::uint64_t at) { on_event(at); });
}

void Rtc146818::on_event(std::uint64_t) {
    event_ = EventId{};
    state_.event_at.reset();
    catch_up();
    update_irq();
    arm_event();
}

void Rtc146818::rearm_events() {
    scheduler_.cancel(event_);
    event_ = EventId{};
    if (state_.event_at) event_ = scheduler_.schedule_at(*state_.event_at, [this](std::uint64_t at) { on_event(at); });
}

// ---- registers -----------------------------------------------------------------------------

void Rtc146818::write_index(std::uint8_t value) {
    state_.index = value & 0x7F;
    const bool masked = value & 0x80;
    if (masked == state_.nmi_masked) return;
    state_.nmi_masked = masked;
    if (nmi_listener_) nmi_listener_(masked);
}

std::uint8_t Rtc146818::read_data() { return read_register(state_.index); }
void Rtc146818::write_data(std::uint8_t value) { write_register(state_.index, value); }

std::uint8_t Rtc146818::read_register(std::uint8_t index) {
    index &= 0x7F;
    catch_up();
    switch (index) {
    case kRegisterA:
        return static_cast<std::uint8_t>((state_.bytes[kRegisterA] & 0x7F) | (update_in_progress() ? kAUip : 0));
    case kRegisterC: {
        const std::uint8_t value =
            static_cast<std::uint8_t>((state_.bytes[kRegisterC] & 0x70) | (irq_flags() ? kCIrqf : 0));
        state_.bytes[kRegisterC] = 0;
        update_irq();
        arm_event();
        return value;
    }
    case kRegisterD: return kDVrt;
    default: return state_.bytes[index];
    }
}

void Rtc146818::write_register(std::uint8_t index, std::uint8_t value) {
    index &= 0x7F;
    catch_up();
    switch (index) {
    case kRegisterA: {
        const bool was_running = divider_running();
        state_.bytes[kRegisterA] = value & 0x7F;
        if (!was_running && divider_running()) {
            // Released from reset (or a stopped oscillator): the first update follows 500 ms later.
            state_.divider_origin = static_cast<std::int64_t>(state_.caught_up_tick) - kTicksPerSecond / 2;
        }
        break;
    }
    case kRegisterB:
        if (value & kBSet) value &= static_cast<std::uint8_t>(~kBUie);  // SET going high clears UIE
        state_.bytes[kRegisterB] = value;
        break;
    case kRegisterC:
    case kRegisterD: return;  // read only
    default: state_.bytes[index] = value; return;
    }
    update_irq();
    arm_event();
}

// ---- PC/AT CMOS layout ---------------------------------------------------------------------

std::uint16_t pc_cmos_checksum(const Rtc146818& rtc) {
    std::uint16_t sum = 0;
    for (std::uint8_t i = 0x10; i <= 0x2D; ++i) sum = static_cast<std::uint16_t>(sum + rtc.cmos_byte(i));
    return sum;
}

void update_pc_cmos_checksum(Rtc146818& rtc) {
    const std::uint16_t sum = pc_cmos_checksum(rtc);
    rtc.set_cmos_byte(0x2E, static_cast<std::uint8_t>(sum >> 8));
    rtc.set_cmos_byte(0x2F, static_cast<std::uint8_t>(sum));
}

void write_pc_cmos_layout(Rtc146818& rtc, const PcCmosLayout& layout) {
    auto put16 = [&](std::uint8_t low_index, std::uint64_t value) {
        const auto v = static_cast<std::uint16_t>(std::min<std::uint64_t>(value, 0xFFFF));
        rtc.set_cmos_byte(low_index, static_cast<std::uint8_t>(v));
        rtc.set_cmos_byte(static_cast<std::uint8_t>(low_index + 1), static_cast<std::uint8_t>(v >> 8));
    };
    constexpr std::uint64_t kMiB = 1 << 20;
    rtc.set_cmos_byte(0x10, static_cast<std::uint8_t>((layout.floppy_a_type & 0x0F) << 4 | (layout.floppy_b_type & 0x0F)));
    auto disk_nibble = [](std::uint8_t type) -> std::uint8_t { return type > 14 ? 0x0F : type; };
    rtc.set_cmos_byte(0x12, static_cast<std::uint8_t>(disk_nibble(layout.hard_disk_0_type) << 4 |
                                                      disk_nibble(layout.hard_disk_1_type)));
    rtc.set_cmos_byte(0x19, layout.hard_disk_0_type > 14 ? layout.hard_disk_0_type : 0);
    rtc.set_cmos_byte(0x1A, layout.hard_disk_1_type > 14 ? layout.hard_disk_1_type : 0);
    const unsigned floppies = (layout.floppy_a_type ? 1 : 0) + (layout.floppy_b_type ? 1 : 0);
    std::uint8_t equipment = static_cast<std::uint8_t>((layout.display & 3) << 4);
    if (floppies) equipment |= static_cast<std::uint8_t>(0x01 | (floppies - 1) << 6);
    if (layout.fpu_present) equipment |= 0x02;
    rtc.set_cmos_byte(0x14, equipment);
    put16(0x15, 640);
    const std::uint64_t extended_kib = layout.memory_bytes > kMiB ? (layout.memory_bytes - kMiB) / 1024 : 0;
    put16(0x17, extended_kib);
    put16(0x30, extended_kib);
    const std::uint64_t above_16m = layout.memory_bytes > 16 * kMiB ? (layout.memory_bytes - 16 * kMiB) / 65536 : 0;
    put16(0x34, above_16m);
    const std::uint64_t above_4g = layout.memory_bytes > (4096 * kMiB) ? (layout.memory_bytes - 4096 * kMiB) / 65536 : 0;
    const auto high = static_cast<std::uint32_t>(std::min<std::uint64_t>(above_4g, 0xFFFFFF));
    rtc.set_cmos_byte(0x5B, static_cast<std::uint8_t>(high));
    rtc.set_cmos_byte(0x5C, static_cast<std::uint8_t>(high >> 8));
    rtc.set_cmos_byte(0x5D, static_cast<std::uint8_t>(high >> 16));
    update_pc_cmos_checksum(rtc);
}

}  // namespace x86emu::devices
