// x86emu unit tests — the MC146818A RTC/CMOS (devices/rtc146818.hpp) over a Scheduler on a
// test-owned clock: the deterministic start epoch, BCD and binary, 12- and 24-hour modes, calendar
// rollovers (cross-checked against the epoch conversion), setting the time under SET, the update
// cycle and its UIP window, every periodic rate exact in emulated cycles (also at a clock that is
// no multiple of 32.768 kHz), the alarm with don't-care bytes, the update-ended interrupt,
// register C clearing IRQ8, the divider reset, NVRAM, the NMI mask bit, the PC/AT CMOS layout
// bytes and checksum, state copies, random guest writes.
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

#include "devices/rtc146818.hpp"
#include "x86emu/io_ports.hpp"
#include "x86emu/scheduler.hpp"

using x86emu::IoPortMap;
using x86emu::Scheduler;
using x86emu::devices::PcCmosLayout;
using x86emu::devices::Rtc146818;

namespace {

// 32.768 MHz: one divider tick is exactly 1000 cycles.
constexpr std::uint32_t kClockKhz = 32'768;
constexpr std::uint64_t kTick = 1000;
constexpr std::uint64_t kSecond = 32'768 * kTick;

struct Rig {
    explicit Rig(std::int64_t epoch = Rtc146818::kDefaultEpoch, std::uint32_t khz = kClockKhz)
        : scheduler(khz, [this] { return clock; }), rtc(scheduler, [this](bool level) { irq = level; }, epoch) {
        rtc.attach(ports);
    }
    std::uint64_t clock = 0;
    Scheduler scheduler;
    bool irq = false;
    Rtc146818 rtc;
    IoPortMap ports;

    std::uint8_t get(std::uint8_t index) {
        ports.write(0x70, 1, index);
        return static_cast<std::uint8_t>(ports.read(0x71, 1));
    }
    void put(std::uint8_t index, std::uint8_t value) {
        ports.write(0x70, 1, index);
        ports.write(0x71, 1, value);
    }
    void advance_to(std::uint64_t cycle) {
        clock = cycle;
        scheduler.run_due();
    }
    std::vector<std::uint8_t> time_bytes() {
        return {get(0), get(2), get(4), get(6), get(7), get(8), get(9), get(0x32)};
    }
};

using Bytes = std::vector<std::uint8_t>;

}  // namespace

TEST_CASE("RTC: the deterministic default start, and a given epoch, in BCD 24-hour mode") {
    Rig rig;  // 2024-01-01 00:00:00 UTC, a Monday
    CHECK(rig.time_bytes() == Bytes{0x00, 0x00, 0x00, 0x02, 0x01, 0x01, 0x24, 0x20});
    CHECK(rig.get(0x0A) == 0x26);
    CHECK(rig.get(0x0B) == 0x02);
    CHECK(rig.get(0x0D) == 0x80);
    Rig other(1'700'000'000);  // 2023-11-14 22:13:20 UTC, a Tuesday
    CHECK(other.time_bytes() == Bytes{0x20, 0x13, 0x22, 0x03, 0x14, 0x11, 0x23, 0x20});
    Rig old(-1);  // 1969-12-31 23:59:59, a Wednesday
    CHECK(old.time_bytes() == Bytes{0x59, 0x59, 0x23, 0x04, 0x31, 0x12, 0x69, 0x19});
    CHECK_THROWS_AS(Rig(-2'300'000'000), std::invalid_argument);  // 1897
    CHECK_THROWS_AS(Rig(253'402'300'800), std::invalid_argument);  // 10000-01-01
    CHECK(rig.scheduler.pending_count() == 0);  // no interrupt enabled: nothing scheduled
}

TEST_CASE("RTC: binary mode and 12-hour mode") {
    Rig rig(1'700'000'000);
    rig.put(0x0B, 0x86);  // SET, binary, 24-hour
    rig.rtc.set_time(1'700'000'000);
    rig.put(0x0B, 0x06);
    CHECK(rig.time_bytes() == Bytes{20, 13, 22, 3, 14, 11, 23, 20});
    rig.put(0x0B, 0x84);  // binary 12-hour
    rig.rtc.set_time(1'700'000'000);
    CHECK(rig.get(4) == (0x80 | 10));  // 10 PM
    rig.put(0x0B, 0x80);  // BCD 12-hour
    rig.rtc.set_time(1'700'000'000 - 22 * 3600);  // midnight: 12 AM
    CHECK(rig.get(4) == 0x12);
    rig.rtc.set_time(1'700'000'000 - 10 * 3600);  // noon: 12 PM
    CHECK(rig.get(4) == 0x92);
    // 11:59:59 PM -> 12:00:00 AM of the next day.
    rig.rtc.set_time(1'700'000'000 + 2 * 3600 - 1 - 13 * 60 - 20 + 3600 - 3600);
    CHECK(rig.time_bytes() == Bytes{0x59, 0x59, 0x91, 0x03, 0x14, 0x11, 0x23, 0x20});
    rig.put(0x0B, 0x00);
    rig.advance_to(kSecond);
    CHECK(rig.time_bytes() == Bytes{0x00, 0x00, 0x12, 0x04, 0x15, 0x11, 0x23, 0x20});
    // 11:59:59 AM -> 12:00:00 PM.
    rig.put(0x0B, 0x80);
    rig.put(0, 0x59);
    rig.put(2, 0x59);
    rig.put(4, 0x11);
    rig.put(0x0B, 0x00);
    rig.advance_to(2 * kSecond);
    CHECK(rig.get(4) == 0x92);
    CHECK(rig.get(0) == 0x00);
}

TEST_CASE("RTC: calendar rollovers: year 1999 -> 2000 (century byte), leap and common Februaries") {
    SUBCASE("new year 2000") {
        Rig rig(946'684'799);  // 1999-12-31 23:59:59, a Friday
        CHECK(rig.time_bytes() == Bytes{0x59, 0x59, 0x23, 0x06, 0x31, 0x12, 0x99, 0x19});
        rig.advance_to(kSecond);
        CHECK(rig.time_bytes() == Bytes{0x00, 0x00, 0x00, 0x07, 0x01, 0x01, 0x00, 0x20});
    }
    SUBCASE("2024-02-28 -> 29") {
        Rig rig(1'709'164'799);  // 2024-02-28 23:59:59
        rig.advance_to(kSecond);
        CHECK(rig.get(7) == 0x29);
        CHECK(rig.get(8) == 0x02);
    }
    SUBCASE("2023-02-28 -> 03-01") {
        Rig rig(1'677'628'799);  // 2023-02-28 23:59:59
        rig.advance_to(kSecond);
        CHECK(rig.get(7) == 0x01);
        CHECK(rig.get(8) == 0x03);
    }
    SUBCASE("Saturday -> Sunday (day of week 7 -> 1)") {
        Rig rig(1'704'585'599);  // 2024-01-06 23:59:59, a Saturday
        CHECK(rig.get(6) == 0x07);
        rig.advance_to(kSecond);
        CHECK(rig.get(6) == 0x01);
    }
}

TEST_CASE("RTC: time advances with emulated time and matches the epoch conversion after long gaps") {
    for (const std::uint64_t seconds : {1ull, 59ull, 3'600ull, 86'399ull, 86'401ull, 400ull * 86'400 + 12'345,
                                        10ull * 365 * 86'400 + 7}) {
        CAPTURE(seconds);
        Rig rig(1'700'000'000);
        rig.advance_to(seconds * kSecond + kSecond / 2);
        Rig expected(1'700'000'000 + static_cast<std::int64_t>(seconds));
        CHECK(rig.time_bytes() == expected.time_bytes());
    }
}

TEST_CASE("RTC: SET stops updates while the guest writes the time; clearing it resumes from there") {
    Rig rig;
    rig.put(0x0B, 0x12);  // UIE
    rig.put(0x0B, 0x82);  // SET: updates stop, UIE is cleared
    CHECK(rig.get(0x0B) == 0x82);
    rig.put(0, 0x30);
    rig.put(2, 0x45);
    rig.put(4, 0x07);
    rig.advance_to(5 * kSecond + 100);
    CHECK(rig.get(0) == 0x30);  // held
    CHECK((rig.get(0x0C) & 0x10) == 0);  // no update-ended flag either
    rig.put(0x0B, 0x02);
    rig.advance_to(6 * kSecond);  // the divider kept its phase: the next update is at 6 s
    CHECK(rig.get(0) == 0x31);
    CHECK(rig.get(2) == 0x45);
    CHECK(rig.get(4) == 0x07);
}

TEST_CASE("RTC: UIP is 1 from 244 us before the update until the update cycle's end") {
    Rig rig;
    // The update ends at tick 32768 (1 s); UIP rises 8 + 65 ticks before.
    rig.advance_to((32'768 - 74) * kTick);
    CHECK(rig.get(0x0A) == 0x26);
    rig.advance_to((32'768 - 73) * kTick);
    CHECK(rig.get(0x0A) == 0xA6);
    rig.advance_to(32'768 * kTick - 1);
    CHECK(rig.get(0x0A) == 0xA6);
    CHECK(rig.get(0) == 0x00);  // the old second until the cycle ends
    rig.advance_to(32'768 * kTick);
    CHECK(rig.get(0x0A) == 0x26);
    CHECK(rig.get(0) == 0x01);
    // In the window again, SET clears UIP.
    rig.advance_to(2 * kSecond - 10 * kTick);
    CHECK(rig.get(0x0A) == 0xA6);
    rig.put(0x0B, 0x82);
    CHECK(rig.get(0x0A) == 0x26);
    // UIP is read only.
    rig.put(0x0A, 0xA6);
    CHECK(rig.rtc.state().bytes[0x0A] == 0x26);
}

TEST_CASE("RTC: every periodic rate raises IRQ8 at the exact emulated cycle") {
    // RS -> period in divider ticks (datasheet Table 5 for the 32.768 kHz time base).
    const std::uint64_t kPeriod[16] = {0, 128, 256, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384};
    for (const std::uint32_t khz : {kClockKhz, 33'000u}) {
        for (unsigned rate = 1; rate < 16; ++rate) {
            CAPTURE(khz);
            CAPTURE(rate);
            Rig rig(Rtc146818::kDefaultEpoch, khz);
            const std::uint64_t hz = std::uint64_t{khz} * 1000;
            auto cycle_of_tick = [&](std::uint64_t t) { return (t * hz + 32'767) / 32'768; };  // ceil
            rig.put(0x0A, static_cast<std::uint8_t>(0x20 | rate));
            rig.put(0x0B, 0x42);  // PIE
            CHECK(rig.get(0x0C) == 0x00);
            for (std::uint64_t n = 1; n <= 3; ++n) {
                const std::uint64_t due = cycle_of_tick(n * kPeriod[rate]);
                rig.advance_to(due - 1);
                CHECK_FALSE(rig.irq);
                rig.advance_to(due);
                CHECK(rig.irq);
                CHECK((rig.get(0x0C) & 0xE0) == 0xC0);  // IRQF | PF (UF too at a second), the read lowers IRQ8
                CHECK_FALSE(rig.irq);
            }
        }
    }
}

TEST_CASE("RTC: RS = 0 gives no periodic flag; PF without PIE does not interrupt until PIE is set") {
    Rig rig;
    rig.put(0x0A, 0x20);
    rig.put(0x0B, 0x42);
    rig.advance_to(kSecond / 4);
    CHECK(rig.get(0x0C) == 0x00);
    rig.put(0x0B, 0x02);
    rig.put(0x0A, 0x26);  // 1024 Hz, no PIE
    rig.advance_to(kSecond / 2);
    CHECK_FALSE(rig.irq);
    CHECK(rig.scheduler.pending_count() == 0);
    rig.put(0x0B, 0x42);  // the flag is already set: IRQF at once
    CHECK(rig.irq);
    CHECK(rig.get(0x0C) == 0xC0);
    CHECK_FALSE(rig.irq);
    CHECK(rig.get(0x0C) == 0x00);  // read cleared it
}

TEST_CASE("RTC: update-ended interrupt once a second") {
    Rig rig;
    rig.put(0x0A, 0x20);  // no periodic flag in the way
    rig.put(0x0B, 0x12);  // UIE
    rig.advance_to(kSecond - 1);
    CHECK_FALSE(rig.irq);
    rig.advance_to(kSecond);
    CHECK(rig.irq);
    CHECK(rig.get(0x0C) == 0x90);
    CHECK_FALSE(rig.irq);
    rig.advance_to(2 * kSecond - 1);
    CHECK_FALSE(rig.irq);
    rig.advance_to(2 * kSecond);
    CHECK(rig.irq);
    // Left unacknowledged, IRQ8 stays high and nothing more is scheduled for it.
    CHECK(rig.scheduler.pending_count() == 0);
    rig.advance_to(5 * kSecond);
    CHECK(rig.irq);
    CHECK(rig.get(0x0C) == 0x90);
    CHECK(rig.scheduler.pending_count() == 1);
}

TEST_CASE("RTC: alarm with don't-care bytes, and an exact alarm") {
    SUBCASE("every minute at second 5") {
        Rig rig;
        rig.put(0x0A, 0x20);
        rig.put(1, 0x05);
        rig.put(3, 0xC0);
        rig.put(5, 0xFF);
        rig.put(0x0B, 0x22);  // AIE
        rig.advance_to(5 * kSecond - 1);
        CHECK_FALSE(rig.irq);
        rig.advance_to(5 * kSecond);
        CHECK(rig.irq);
        CHECK(rig.get(0x0C) == 0xB0);  // IRQF, AF, UF
        rig.advance_to(65 * kSecond - 1);
        CHECK_FALSE(rig.irq);
        CHECK((rig.get(0x0C) & 0x20) == 0);
        rig.advance_to(65 * kSecond);
        CHECK(rig.irq);
        CHECK(rig.get(0x0C) == 0xB0);
    }
    SUBCASE("01:00:00 exactly") {
        Rig rig(Rtc146818::kDefaultEpoch + 3600 - 2);  // 00:59:58
        rig.put(0x0A, 0x20);
        rig.put(1, 0x00);
        rig.put(3, 0x00);
        rig.put(5, 0x01);
        rig.put(0x0B, 0x22);
        rig.advance_to(kSecond);
        CHECK_FALSE(rig.irq);
        rig.advance_to(2 * kSecond);
        CHECK(rig.irq);
        CHECK(rig.get(0x0C) == 0xB0);
        rig.advance_to(3 * kSecond);
        CHECK_FALSE(rig.irq);
    }
    SUBCASE("a matched alarm without AIE only sets AF, found lazily") {
        Rig rig;
        rig.put(1, 0xC0);  // register A keeps RS = 6: PF is found lazily as well
        rig.put(3, 0xC0);
        rig.put(5, 0xC0);
        rig.advance_to(3 * kSecond);
        CHECK_FALSE(rig.irq);
        CHECK(rig.get(0x0C) == 0x70);  // PF | AF | UF, no IRQF
    }
}

TEST_CASE("RTC: holding the divider in reset stops the clock; the first update comes 500 ms after release") {
    Rig rig;
    rig.advance_to(kSecond / 4);
    rig.put(0x0A, 0x76);  // divider reset
    rig.advance_to(10 * kSecond);
    CHECK(rig.get(0) == 0x00);
    CHECK((rig.get(0x0A) & 0x80) == 0);
    rig.put(0x0A, 0x26);
    rig.advance_to(10 * kSecond + kSecond / 2 - 1);
    CHECK(rig.get(0) == 0x00);
    rig.advance_to(10 * kSecond + kSecond / 2);
    CHECK(rig.get(0) == 0x01);
}

TEST_CASE("RTC: registers C and D are read only; the 114 NVRAM bytes keep what is written") {
    Rig rig;
    rig.put(0x0C, 0xFF);
    rig.put(0x0D, 0x00);
    CHECK(rig.get(0x0C) == 0x00);
    CHECK(rig.get(0x0D) == 0x80);
    for (unsigned i = 0x0E; i < 0x80; ++i) rig.put(static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(i * 7 + 1));
    for (unsigned i = 0x0E; i < 0x80; ++i) CHECK(rig.get(static_cast<std::uint8_t>(i)) == static_cast<std::uint8_t>(i * 7 + 1));
    // Bit 7 of the index is the NMI mask, not an address bit.
    rig.put(0x8E, 0x42);
    CHECK(rig.get(0x0E) == 0x42);
    CHECK(rig.ports.read(0x70, 1) == 0xFF);  // the index port is write only
}

TEST_CASE("RTC: port 70h bit 7 is recorded as the NMI mask, the listener told of changes") {
    Rig rig;
    std::vector<bool> told;
    rig.rtc.set_nmi_mask_listener([&](bool masked) { told.push_back(masked); });
    CHECK_FALSE(rig.rtc.nmi_masked());
    rig.ports.write(0x70, 1, 0x8F);
    CHECK(rig.rtc.nmi_masked());
    rig.ports.write(0x70, 1, 0x80);
    rig.ports.write(0x70, 1, 0x0D);
    CHECK_FALSE(rig.rtc.nmi_masked());
    CHECK(told == std::vector<bool>{true, false});
    CHECK(rig.rtc.state().index == 0x0D);
}

TEST_CASE("RTC: the PC/AT CMOS layout bytes and checksum") {
    Rig rig;
    PcCmosLayout layout;
    layout.memory_bytes = 128ull << 20;
    layout.floppy_a_type = 4;
    layout.fpu_present = true;
    layout.hard_disk_0_type = 47;
    x86emu::devices::write_pc_cmos_layout(rig.rtc, layout);
    CHECK(rig.get(0x10) == 0x40);
    CHECK(rig.get(0x12) == 0xF0);
    CHECK(rig.get(0x19) == 47);
    CHECK(rig.get(0x14) == 0x03);  // one floppy, FPU, VGA
    CHECK(rig.get(0x15) == 0x80);
    CHECK(rig.get(0x16) == 0x02);  // 640 KiB
    CHECK(rig.get(0x17) == 0xFF);
    CHECK(rig.get(0x18) == 0xFF);  // 127 MiB in KiB does not fit: capped
    CHECK(rig.get(0x30) == 0xFF);
    CHECK(rig.get(0x31) == 0xFF);
    CHECK(rig.get(0x34) == 0x00);
    CHECK(rig.get(0x35) == 0x07);  // 112 MiB above 16 MiB = 1792 x 64 KiB
    CHECK(rig.get(0x5B) == 0);
    CHECK(rig.get(0x5C) == 0);
    CHECK(rig.get(0x5D) == 0);
    CHECK(rig.get(0x32) == 0x20);  // century from the RTC
    unsigned sum = 0;
    for (unsigned i = 0x10; i <= 0x2D; ++i) sum += rig.get(static_cast<std::uint8_t>(i));
    CHECK(((rig.get(0x2E) << 8) | rig.get(0x2F)) == (sum & 0xFFFF));
    CHECK(x86emu::devices::pc_cmos_checksum(rig.rtc) == (sum & 0xFFFF));

    layout.memory_bytes = 32ull << 20;
    layout.floppy_b_type = 2;
    layout.display = 3;
    layout.hard_disk_0_type = 2;
    layout.hard_disk_1_type = 1;
    x86emu::devices::write_pc_cmos_layout(rig.rtc, layout);
    CHECK(rig.get(0x10) == 0x42);
    CHECK(rig.get(0x12) == 0x21);
    CHECK(rig.get(0x19) == 0);
    CHECK(rig.get(0x14) == 0x73);  // two floppies (01b in bits 6-7), mono, FPU, floppy present
    CHECK(rig.get(0x17) == 0x00);
    CHECK(rig.get(0x18) == 0x7C);  // 31744 KiB
    CHECK(rig.get(0x34) == 0x00);
    CHECK(rig.get(0x35) == 0x01);  // 256 x 64 KiB
    layout.memory_bytes = 6ull << 30;
    x86emu::devices::write_pc_cmos_layout(rig.rtc, layout);
    CHECK(rig.get(0x5B) == 0x00);
    CHECK(rig.get(0x5C) == 0x80);
    CHECK(rig.get(0x5D) == 0x00);  // 2 GiB above 4 GiB = 32768 x 64 KiB
    // Changing a byte in the range changes the checksum the helper computes.
    const std::uint16_t before = x86emu::devices::pc_cmos_checksum(rig.rtc);
    rig.put(0x20, static_cast<std::uint8_t>(rig.get(0x20) + 5));
    CHECK(x86emu::devices::pc_cmos_checksum(rig.rtc) == static_cast<std::uint16_t>(before + 5));
}

TEST_CASE("RTC: state copies into a second RTC, whose re-armed event fires the same way") {
    Rig a, b;
    a.put(0x0B, 0x52);  // PIE | UIE
    a.advance_to(kSecond / 3);
    b.clock = a.clock;
    b.rtc.set_state(a.rtc.state());
    b.rtc.rearm_events();
    b.rtc.rebuild();
    CHECK(b.rtc.state() == a.rtc.state());
    CHECK(b.irq == a.irq);
    for (const std::uint64_t at : {kSecond / 3 + 5 * kTick, kSecond, 3 * kSecond}) {
        a.advance_to(at);
        b.advance_to(at);
        CHECK(a.irq == b.irq);
        CHECK(a.get(0x0C) == b.get(0x0C));
        CHECK(a.time_bytes() == b.time_bytes());
    }
}

TEST_CASE("RTC: random guest writes never break it") {
    Rig rig;
    std::mt19937 random(5);
    for (int i = 0; i < 100'000; ++i) {
        const auto index = static_cast<std::uint8_t>(random());
        const auto value = static_cast<std::uint8_t>(random());
        if (random() % 2) rig.put(index, value);
        else rig.get(index);
        rig.advance_to(rig.clock + random() % (kSecond / 8));
    }
    CHECK(rig.scheduler.pending_count() <= 1);
    // Back to a sane configuration, it keeps time.
    rig.put(0x0A, 0x26);
    rig.put(0x0B, 0x82);
    rig.rtc.set_time(Rtc146818::kDefaultEpoch);
    rig.put(0x0B, 0x02);
    rig.get(0x0C);
    rig.advance_to(rig.clock + 2 * kSecond);
    CHECK(rig.get(0) >= 0x01);
    CHECK(rig.get(0) <= 0x02);
}
