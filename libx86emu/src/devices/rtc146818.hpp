// x86emu — the MC146818A real-time clock and CMOS RAM of the PC/AT (ports 70h/71h, IRQ8), after
// the Motorola MC146818A datasheet:
//   * address map (Figure 3): 14 clock/control bytes and 50 bytes of RAM on the chip; the PC's
//     compatible parts (and this model) have 128 bytes, so 114 bytes 0Eh-7Fh are RAM;
//   * time, calendar and alarm bytes 0-9 in BCD or binary (register B DM) with 12- or 24-hour
//     hours (register B 24/12; 12-hour mode: bit 7 = PM); alarm bytes with both top bits set
//     (C0h-FFh) match any value ("don't care");
//   * register A: UIP (read only), DV2-0 (only 010b, the 32.768 kHz time base, runs the clock;
//     11xb holds the divider chain in reset; the first update comes 500 ms after it is released;
//     other values stop it), RS3-0 periodic rates (Table 5: none, 3.90625 ms, 7.8125 ms,
//     122.070 us ... 500 ms);
//   * register B: SET (inhibits updates; setting it clears UIP and UIE), PIE, AIE, UIE, SQWE
//     (stored: the SQW pin is not connected on a PC), DM, 24/12, DSE (stored only: no daylight
//     saving switches);
//   * register C: IRQF, PF, AF, UF; reading clears it and lowers IRQ; register D: VRT = 1;
//   * the update cycle once a second: UIP is 1 from 244 us before the update cycle until its end
//     1984 us later (the datasheet's "UIP = 0 means at least 244 us before an update"); the
//     time and date registers take their new values at the end of the update cycle, where UF
//     is set and the alarm is compared.
// The year register counts 00-99 and every fourth year is a leap year, as on the chip. As a PC
// convenience (what PC chipsets' RTCs do), the century byte 32h is incremented when the year
// wraps from 99 to 00.
//
// Time: everything follows emulated time (Scheduler::now()) through the 32.768 kHz divider,
// computed lazily at each access ("catching up" whole ticks); exact integer conversions between
// cycles and divider ticks. Scheduler events are used only while an enabled interrupt (PIE, AIE,
// UIE) could raise IRQ8 and it is not already raised. The calendar starts at a Unix time given at
// construction (deterministic by default: the platform passes a fixed epoch, or host time in a
// documented realtime mode).
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <optional>

#include "devices/irq_line.hpp"
#include "x86emu/io_ports.hpp"
#include "x86emu/scheduler.hpp"

namespace x86emu::devices {

class Rtc146818 {
public:
    static constexpr std::uint32_t kDividerHz = 32'768;
    // The default start: 2024-01-01 00:00:00 UTC, a fixed point for deterministic runs.
    static constexpr std::int64_t kDefaultEpoch = 1'704'067'200;

    // Register indices.
    enum : std::uint8_t {
        kSeconds = 0, kSecondsAlarm = 1, kMinutes = 2, kMinutesAlarm = 3, kHours = 4, kHoursAlarm = 5,
        kDayOfWeek = 6, kDayOfMonth = 7, kMonth = 8, kYear = 9,
        kRegisterA = 0x0A, kRegisterB = 0x0B, kRegisterC = 0x0C, kRegisterD = 0x0D,
        kCentury = 0x32,  // PC/AT CMOS layout
    };

    struct State {
        std::array<std::uint8_t, 128> bytes{};  // A holds no UIP bit, C the flags without IRQF, D unused
        std::uint8_t index = 0;                 // the last index written to port 70h, bits 0-6
        bool nmi_masked = false;                // port 70h bit 7 (the platform gates NMI with it)
        std::int64_t divider_origin = 0;        // tick from which seconds and periodic edges count
        std::uint64_t caught_up_tick = 0;       // divider ticks applied to the registers so far
        std::optional<std::uint64_t> event_at;  // the pending interrupt event's cycle
        friend bool operator==(const State&, const State&) = default;
    };

    // `irq`: IRQ8 (may be empty). `start_epoch`: Unix seconds the calendar starts at (UTC), as
    // of the scheduler's current cycle. Registers A = 26h (32.768 kHz, 1024 Hz periodic rate)
    // and B = 02h (24-hour BCD), what a PC BIOS programs. Throws std::invalid_argument for an
    // epoch before 1900 or from year 10000 on.
    Rtc146818(Scheduler& scheduler, IrqLine irq, std::int64_t start_epoch = kDefaultEpoch);
    ~Rtc146818();
    Rtc146818(const Rtc146818&) = delete;
    Rtc146818& operator=(const Rtc146818&) = delete;

    // Claims ports 70h (index, write only: reads FFh) and 71h (data) as an 8-bit ISA device.
    void attach(IoPortMap& ports);

    void write_index(std::uint8_t value);  // port 70h
    std::uint8_t read_data();               // port 71h
    void write_data(std::uint8_t value);

    // The register at `index` (0-127) as the guest would see it through 71h, with its side effects
    // (reading C clears it).
    std::uint8_t read_register(std::uint8_t index);
    void write_register(std::uint8_t index, std::uint8_t value);

    // Raw CMOS bytes for the platform's layout (no side effects, no clock catch-up): bytes
    // 0Eh-7Fh are plain RAM; writes to 0-0Dh here bypass the register rules.
    std::uint8_t cmos_byte(std::uint8_t index) const { return state_.bytes[index & 0x7F]; }
    void set_cmos_byte(std::uint8_t index, std::uint8_t value) { state_.bytes[index & 0x7F] = value; }

    // Sets the time and date registers (in the current DM and 24/12 modes) and the century
    // byte to `epoch` Unix seconds; std::invalid_argument outside 1900..9999.
    void set_time(std::int64_t epoch);

    bool nmi_masked() const { return state_.nmi_masked; }
    // Called when port 70h bit 7 changes (the platform masks NMI with it).
    void set_nmi_mask_listener(std::function<void(bool masked)> listener) { nmi_listener_ = std::move(listener); }
    bool irq_level() const { return irq_level_; }

    // Brings the registers up to the scheduler's current time (the accessors do it themselves).
    void catch_up();

    // ---- snapshot support ----
    const State& state() const { return state_; }
    void set_state(const State& state) { state_ = state; }
    void rearm_events();
    void rebuild();

private:
    std::uint64_t tick_at(std::uint64_t cycle) const;
    std::uint64_t cycle_of_tick(std::uint64_t tick) const;
    bool divider_running() const { return (state_.bytes[kRegisterA] & 0x70) == 0x20; }
    std::uint64_t periodic_ticks() const;  // 0 when RS = 0
    bool update_in_progress();
    void catch_up_to(std::uint64_t tick);
    void advance_seconds(std::uint64_t seconds);
    void advance_one_second();
    void advance_one_day();
    bool alarm_matches() const;
    std::uint8_t irq_flags() const;  // register C bits 4-6 that are enabled in B
    void update_irq();
    void arm_event();
    void on_event(std::uint64_t cycle);
    unsigned decode(std::uint8_t value) const;
    std::uint8_t encode(unsigned value) const;
    unsigned hours24() const;
    void set_hours24(unsigned hours);

    Scheduler& scheduler_;
    IrqLine irq_;
    State state_;
    bool irq_level_ = false;
    EventId event_;
    std::function<void(bool)> nmi_listener_;
};

// ---- the PC/AT CMOS layout (IBM PC/AT Technical Reference, and the bytes later BIOSes added) ----
struct PcCmosLayout {
    std::uint64_t memory_bytes = 0;            // all RAM, from 0
    std::uint8_t floppy_a_type = 0;            // 0 none, 1 360K, 2 1.2M, 3 720K, 4 1.44M, 5 2.88M
    std::uint8_t floppy_b_type = 0;
    std::uint8_t hard_disk_0_type = 0;         // 0 none, 1-14, or above (extended type in 19h/1Ah)
    std::uint8_t hard_disk_1_type = 0;
    bool fpu_present = false;
    std::uint8_t display = 0;                  // equipment bits 4-5: 0 EGA/VGA, 1 CGA 40, 2 CGA 80, 3 mono
};

// Fills the standard bytes: 10h floppy types, 12h (19h/1Ah) hard disk types, 14h equipment,
// 15h/16h base memory (640 KiB), 17h/18h and 30h/31h extended memory above 1 MiB in KiB (at most
// FFFFh), 34h/35h memory above 16 MiB in 64 KiB units (at most FFFFh), 5Bh-5Dh memory above
// 4 GiB in 64 KiB units, then the checksum 2Eh/2Fh. The century byte 32h is the RTC's own.
void write_pc_cmos_layout(Rtc146818& rtc, const PcCmosLayout& layout);
// The PC/AT checksum: the 16-bit sum of bytes 10h-2Dh, stored big-endian at 2Eh (high), 2Fh.
std::uint16_t pc_cmos_checksum(const Rtc146818& rtc);
void update_pc_cmos_checksum(Rtc146818& rtc);

}  // namespace x86emu::devices
