// x86emu unit tests — the PC devices as guest programs see them: one small real-mode guest per
// device (tests/unit/guests/devices/*.asm, assembled at build time, frame pc_guest.inc) runs on a
// PC-platform Machine (P6, so RDTSC counts the CPU's cycles) until it halts; it programs its
// device through the ports as a BIOS or an OS would, measures rates against the TSC and leaves
// its observations in RAM at 600h, which these tests check against the datasheets:
//   * 8259A (231468): OCW1 masks read back, IRR/ISR reads, the poll command, masking, EOI,
//     fixed priority and OCW2 set-priority with two pending sources, AEOI;
//   * 8254 (231164): mode 2 and mode 3 periods on IRQ0 and counter 2's mode 0 through port 61h,
//     each against the TSC; the counter latch (a second latch ignored), the read-back status;
//   * MC146818: NVRAM, the periodic, update-ended and alarm interrupts (rates against the TSC);
//   * 8042: self-test, interface test, the command byte, A20 through D1h and port 92h (memory
//     wrap at 1 MiB), the keyboard's echo and reset answers;
//   * 16550A: scratch, loopback, the FIFO, IIR's FIFO bits, the THRE interrupt, the character
//     time at 9600 baud against the TSC;
//   * VGA: text memory (and what the Display shows), the DAC write/read indexes and state, the
//     DISPI ID and video memory size;
//   * PCI: a configuration mechanism #1 scan of bus 0 (440FX, PIIX3, VGA) and BAR0 sizing;
//   * ACPI: the PM timer's rate against the TSC, S5 through PM1a_CNT; port 80h read back;
//     CF9h soft and hard resets.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "x86emu/display.hpp"
#include "x86emu/machine.hpp"

using namespace x86emu;

namespace {

constexpr std::uint32_t kResult = 0x600;
constexpr double kPitHz = 14318181.818181818 / 12;  // the 8254's CLK: 14.31818 MHz / 12
constexpr double kPmTimerHz = 14318181.818181818 / 4;  // the ACPI PM timer: 3.579545 MHz

std::vector<std::uint8_t> guest_rom(const std::string& name) {
    const std::string path = std::string(X86EMU_DEVICE_GUESTS_DIR) + "/" + name + ".bin";
    std::ifstream in(path, std::ios::binary);
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE_MESSAGE(bytes.size() == 0x10000, "the guest ROM " << path << " was not built");
    return bytes;
}

// A PC machine running one device guest to its final HLT (or S5), with what it sent to COM1 and
// every POST code it wrote.
struct GuestRun {
    std::unique_ptr<Machine> machine;
    std::vector<std::uint8_t> serial;
    std::vector<std::uint8_t> post_codes;
    RunResult last{};
    std::vector<TextCell> text_at_post_1;  // the Display's text cells when POST code 01h was written

    explicit GuestRun(const std::string& name) {
        MachineConfig config;
        config.model = CpuModel::p6;
        config.memory_mib = 2;
        config.platform = Platform::PC;
        config.bios_image = guest_rom(name);
        machine = std::make_unique<Machine>(std::move(config));
        machine->set_serial_output(0, [this](std::uint8_t b) { serial.push_back(b); });
        machine->set_post_code_handler([this](std::uint8_t code) {
            post_codes.push_back(code);
            if (code == 0x01) text_at_post_1 = machine->display()->text_cells();
        });
    }
    // Runs until the guest halts or powers off; fails past `max_ms` of emulated time.
    void run(double max_ms) {
        const std::uint64_t end = static_cast<std::uint64_t>(max_ms * machine->cpu().clock_khz());
        while (machine->cpu().cycles() < end) {
            last = machine->run(end - machine->cpu().cycles());
            REQUIRE_FALSE(any(last.reasons, StopReason::Shutdown));
            if (any(last.reasons, StopReason::Halted) || any(last.reasons, StopReason::PoweredOff)) return;
        }
        FAIL("the guest did not finish within " << max_ms << " ms of emulated time (post codes: " << post_codes.size() << ")");
    }
    std::uint32_t read(std::uint32_t offset, unsigned bytes) const {
        std::uint8_t b[4] = {};
        machine->read_physical(kResult + offset, std::span<std::uint8_t>(b, bytes));
        return static_cast<std::uint32_t>(b[0] | (b[1] << 8) | (b[2] << 16) | (std::uint32_t{b[3]} << 24));
    }
    std::uint8_t u8(std::uint32_t offset) const { return static_cast<std::uint8_t>(read(offset, 1)); }
    std::uint16_t u16(std::uint32_t offset) const { return static_cast<std::uint16_t>(read(offset, 2)); }
    std::uint32_t u32(std::uint32_t offset) const { return read(offset, 4); }
    double cycles_per_second() const { return machine->cpu().clock_khz() * 1000.0; }
};

// `measured` TSC cycles against `seconds` of device time, within `tolerance` (relative) plus
// `slack` cycles (interrupt latency).
void check_cycles(const char* what, std::uint32_t measured, double seconds, double cycles_per_second,
                  double tolerance, double slack) {
    const double expected = seconds * cycles_per_second;
    MESSAGE(std::string(what), ": ", measured, " cycles, expected ", expected, " (", (measured - expected) / expected * 1e6, " ppm)");
    CHECK_MESSAGE(std::fabs(measured - expected) <= expected * tolerance + slack, what);
}

}  // namespace

TEST_CASE("device guest 8259A: masks, IRR/ISR, poll, EOI, priority and rotation, AEOI") {
    GuestRun g("pic_guest");
    g.run(50);
    CHECK(g.u8(0) == 0xA5);
    CHECK(g.u8(1) == 0x5A);
    CHECK(g.u8(2) == 0x01);  // IRR: IRQ0 requested
    CHECK(g.u8(3) == 0x80);  // poll word: a request at level 0
    CHECK(g.u8(4) == 0x01);  // the poll acknowledged it: ISR bit 0
    CHECK(g.u8(5) == 0x00);  // non-specific EOI cleared it
    CHECK(g.u8(6) == 0);     // masked: not taken
    CHECK(g.u8(7) == 1);     // unmasked: taken at once
    CHECK(g.u8(8) == 0x01);  // in service inside the handler
    CHECK(g.u8(9) == 0x00);  // fixed priority: IRQ0 before IRQ8 (the cascade IR2)
    CHECK(g.u8(10) == 0x08);
    CHECK(g.u8(11) == 0x08);  // IR0 lowest: the cascade first
    CHECK(g.u8(12) == 0x00);
    CHECK(g.u8(13) == 0x00);  // AEOI: no in-service bit in the handler
    CHECK(g.u8(14) == 0x01);  // the slave's IRR held the RTC's request
}

TEST_CASE("device guest 8254: mode 2 and 3 periods and counter 2 against the TSC, latch, read-back") {
    GuestRun g("pit_guest");
    g.run(600);
    constexpr double kCount = 11932;
    // From the first IRQ0 to the 21st: 20 periods of N CLK pulses; latency differs by a few
    // hundred cycles at most (the HLT wake-up is the same each time).
    check_cycles("mode 2, 20 periods", g.u32(0), 20 * kCount / kPitHz, g.cycles_per_second(), 1e-5, 400);
    check_cycles("mode 3, 20 periods", g.u32(4), 20 * kCount / kPitHz, g.cycles_per_second(), 1e-5, 400);
    // Mode 0 on counter 2, loaded while GATE2 was low: OUT2 rises N pulses after GATE2 goes high
    // (plus the part of a pulse until the first, and the poll loop's latency).
    check_cycles("counter 2 mode 0 to OUT2", g.u32(8), kCount / kPitHz, g.cycles_per_second(), 1e-5, 400);
    const std::uint16_t first = g.u16(12), second = g.u16(14);
    MESSAGE("latched ", first, " then ", second);
    CHECK(first < 0xFFFF);
    CHECK(second < first);
    // The second latch command was ignored: the value read is the first latch's, from before
    // 2000 LOOPs (several thousand cycles, 167.6 cycles per pulse); honoured, it would be
    // within a pulse or two of the next latch.
    CHECK(first - second > 20);
    CHECK(g.u8(16) == 0x30);  // mode 0 counting: OUT low, RW LSB/MSB, mode 0, binary
    CHECK(g.u8(17) == 0xB0);  // after the terminal count: OUT high
    CHECK((g.u8(18) & 0x20) == 0);
}

TEST_CASE("device guest MC146818: NVRAM, periodic, update-ended and alarm interrupts against the TSC") {
    GuestRun g("rtc_guest");
    g.run(5000);
    CHECK(g.u8(0) == 0);     // every NVRAM byte read back
    CHECK(g.u8(1) == 0x80);  // VRT
    check_cycles("64 periodic interrupts at 1024 Hz", g.u32(4), 64 / 1024.0, g.cycles_per_second(), 1e-6, 400);
    check_cycles("update-ended to update-ended", g.u32(8), 1.0, g.cycles_per_second(), 1e-6, 400);
    MESSAGE("alarm set for second ", int(g.u8(13)), " (BCD), taken at ", int(g.u8(12)));
    CHECK(g.u8(12) == g.u8(13));
    CHECK((g.u8(14) & 0xA0) == 0xA0);  // IRQF and AF
    CHECK((g.u8(15) & 0xC0) == 0xC0);  // IRQF and PF
}

TEST_CASE("device guest 8042: self-test, command byte, A20 through D1h and port 92h, keyboard answers, IRQ1") {
    GuestRun g("kbc_guest");
    g.run(50);
    CHECK(g.u8(0) == 0x45);  // the command byte a BIOS leaves: IRQ1, SYS, translation
    CHECK(g.u8(1) == 0x55);
    CHECK(g.u8(2) == 0x00);
    CHECK((g.u8(3) & 0x03) == 0x03);  // output port: not in reset, A20 on
    CHECK((g.u8(4) & 0x03) == 0x01);  // A20 off after D1h CDh
    CHECK(g.u8(5) == 1);
    CHECK(g.u8(6) == 0);
    CHECK((g.u8(7) & 0x02) == 0x02);
    CHECK(g.u8(8) == 1);
    CHECK(g.u8(9) == 0);
    CHECK(g.u8(10) == 0xEE);
    CHECK(g.u8(11) == 0xFA);
    CHECK(g.u8(12) == 0xAA);
    CHECK(g.u8(13) == 0xFA);
    CHECK(g.u8(14) == 0xAB);
    CHECK(g.u8(15) == 0x41);
    CHECK(g.u8(16) == 1);
    CHECK(g.u8(17) == 0xEE);
    CHECK(g.machine->guest_resets() == 0);  // no write of the output port reset the CPU
}

TEST_CASE("device guest 16550A: scratch, loopback, FIFO, THRE interrupt, character time against the TSC") {
    GuestRun g("uart_guest");
    g.run(100);
    CHECK(g.u8(0) == 0x5A);
    CHECK(g.u8(1) == 0);
    CHECK(g.u8(2) == 0xC1);  // FIFOs enabled, no interrupt pending
    CHECK(g.u8(3) == 16);
    CHECK(g.u8(4) == 0);
    CHECK(g.u8(5) == 0x02);  // THRE
    CHECK(g.u8(6) == 4);
    // Loopback sends nothing to the host; the four THRE interrupts each sent one 'T'.
    CHECK(g.serial == std::vector<std::uint8_t>{'T', 'T', 'T', 'T'});
    // From the THR write to TEMT: one 10-bit frame at 9600 baud (the poll loop adds a little).
    check_cycles("one 8N1 character at 9600 baud", g.u32(8), 10 / 9600.0, g.cycles_per_second(), 1e-4, 400);
}

TEST_CASE("device guest PCI: configuration mechanism #1 finds the 440FX, the PIIX3 and the VGA; BAR0 sizing") {
    GuestRun g("pci_guest");
    g.run(50);
    CHECK(g.u8(0) == 3);
    CHECK(g.u32(4 + 0 * 4) == 0x12378086u);  // 00:00.0 440FX
    CHECK(g.u32(4 + 1 * 4) == 0x70008086u);  // 00:01.0 PIIX3
    CHECK(g.u32(4 + 2 * 4) == 0x11111234u);  // 00:02.0 VGA
    for (unsigned device = 3; device < 32; ++device) CHECK(g.u32(4 + device * 4) == 0xFFFFFFFFu);
    CHECK((g.u32(132) >> 8) == 0x060000u);  // host bridge
    CHECK((g.u32(136) >> 8) == 0x060100u);  // ISA bridge
    CHECK((g.u32(140) >> 8) == 0x030000u);  // VGA
    CHECK(g.u32(156) == 0x80001008u);
    CHECK((g.u32(144) & 0xFFFFFFF0u) == 0xE0000000u);  // the LFB at E0000000h, prefetchable memory
    CHECK(g.u32(148) == (0xFF000000u | (g.u32(144) & 0xF)));  // 16 MiB: address bits 31-24 writable
    CHECK(g.u32(152) == g.u32(144));
}

TEST_CASE("device guest ACPI and platform ports: PM timer against the TSC, port 80h, CF9h soft and hard resets, S5") {
    GuestRun g("acpi_guest");
    g.run(200);
    CHECK(any(g.last.reasons, StopReason::PoweredOff));
    CHECK(g.machine->powered_off());
    CHECK(g.u8(9) == 3);  // three boots: the soft and the hard reset each restarted the guest
    CHECK(g.machine->guest_resets() == 2);
    CHECK(g.u8(8) == 0x42);
    CHECK(g.u8(10) == 0x0A);
    CHECK(g.post_codes == std::vector<std::uint8_t>{0x42});
    // The PM timer and the TSC over the same interval: ticks / 3.579545 MHz = cycles / clock.
    const double pm_seconds = g.u32(0) / kPmTimerHz, tsc_seconds = g.u32(4) / g.cycles_per_second();
    MESSAGE("PM timer ", g.u32(0), " ticks = ", pm_seconds * 1e3, " ms; TSC ", g.u32(4), " cycles = ", tsc_seconds * 1e3,
            " ms (", (tsc_seconds - pm_seconds) / pm_seconds * 1e6, " ppm)");
    CHECK(std::fabs(tsc_seconds - pm_seconds) <= pm_seconds * 1e-4);
}

TEST_CASE("device guest VGA: text memory and the Display, the DAC, the DISPI ID and memory size") {
    GuestRun g("vga_guest");
    g.run(50);
    CHECK(g.u8(0) == 'V');
    CHECK(g.u8(1) == 'G');
    CHECK(g.u8(2) == 'A');
    CHECK(g.u8(3) == '!');
    CHECK(g.u8(4) == 0x1F);
    REQUIRE(g.text_at_post_1.size() == 80u * 25u);  // the power-on 80x25 text mode
    const char* expected = "VGA!";
    for (unsigned k = 0; k < 4; ++k) {
        CHECK(g.text_at_post_1[k].character == static_cast<std::uint8_t>(expected[k]));
        CHECK(g.text_at_post_1[k].attribute == 0x1F);
    }
    CHECK(g.u8(5) == 0x11);
    CHECK(g.u8(6) == 0x22);
    CHECK(g.u8(7) == 0x33);
    CHECK(g.u8(8) == 3);  // DAC state after a read index
    CHECK(g.u16(10) == 0xB0C5);
    CHECK(g.u16(12) == 256);  // 16 MiB of video memory in 64 KiB units
}
