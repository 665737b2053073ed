// x86emu unit tests — the 16550A UART (devices/uart16550.hpp) through an IoPortMap over a
// Scheduler on a test-owned clock: reset values, the divisor latch, FIFOs and trigger levels,
// each interrupt source with its clearing rule and their priorities, transmission timing at the
// programmed baud rate in emulated cycles, loopback with MSR mirroring, OUT2 gating of the IRQ,
// receive overrun, the character timeout, the host input queue (10 KB without loss, from another
// thread too), snapshot state, random guest writes; and a small guest program on a Machine.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "devices/uart16550.hpp"
#include "x86emu/io_ports.hpp"
#include "x86emu/machine.hpp"
#include "x86emu/scheduler.hpp"

using x86emu::IoPortMap;
using x86emu::Scheduler;
using x86emu::devices::HostInputQueue;
using x86emu::devices::Uart16550;

namespace {

constexpr std::uint16_t kBase = 0x3F8;
// 18.432 MHz: one 8N1 character (10 bits) at divisor 1 (115200 baud) is exactly 1600 cycles.
constexpr std::uint32_t kClockKhz = 18'432;
constexpr std::uint64_t kChar = 1600;

enum : std::uint16_t { RBR = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

struct Rig {
    std::uint64_t clock = 0;
    Scheduler scheduler{kClockKhz, [this] { return clock; }};
    std::vector<bool> irq_edges;  // every level the device drove
    bool irq = false;
    Uart16550 uart{scheduler, [this](bool level) {
                       irq = level;
                       irq_edges.push_back(level);
                   }};
    IoPortMap ports;
    std::string output;

    Rig() {
        uart.attach(ports, kBase);
        uart.set_output([this](std::uint8_t byte) { output.push_back(static_cast<char>(byte)); });
        // 115200 8N1.
        out(LCR, 0x80);
        out(RBR, 1);
        out(IER, 0);
        out(LCR, 0x03);
    }
    std::uint8_t in(std::uint16_t reg) { return static_cast<std::uint8_t>(ports.read(kBase + reg, 1)); }
    void out(std::uint16_t reg, std::uint8_t value) { ports.write(kBase + reg, 1, value); }
    void advance_to(std::uint64_t cycle) {
        clock = cycle;
        scheduler.run_due();
    }
    void advance(std::uint64_t cycles) { advance_to(clock + cycles); }
};

}  // namespace

TEST_CASE("UART: reset values and the scratch register") {
    Rig rig;
    CHECK(rig.in(IER) == 0x00);
    CHECK(rig.in(IIR) == 0x01);  // no interrupt pending, no FIFOs
    CHECK(rig.in(LCR) == 0x03);
    CHECK(rig.in(MCR) == 0x00);
    CHECK(rig.in(LSR) == 0x60);  // THRE and TEMT
    CHECK(rig.in(MSR) == 0xB0);  // CTS, DSR, DCD of the default "connected terminal", no deltas
    rig.out(SCR, 0x5A);
    CHECK(rig.in(SCR) == 0x5A);
    rig.out(IER, 0xFF);
    CHECK(rig.in(IER) == 0x0F);  // the upper four bits are always 0
    rig.out(MCR, 0xFF);
    CHECK(rig.in(MCR) == 0x1F);
    CHECK_FALSE(rig.irq);
}

TEST_CASE("UART: DLAB switches offsets 0 and 1 to the divisor latch, which sets the character time") {
    Rig rig;
    rig.out(IER, 0x05);
    rig.out(LCR, 0x83);
    rig.out(RBR, 0x34);
    rig.out(IER, 0x12);
    CHECK(rig.in(RBR) == 0x34);
    CHECK(rig.in(IER) == 0x12);
    CHECK(rig.uart.state().divisor == 0x1234);
    rig.out(LCR, 0x03);
    CHECK(rig.in(IER) == 0x05);  // IER itself was untouched
    CHECK(rig.uart.character_cycles() == kChar * 0x1234);
    // The frame: 7E1 with two stop bits is 1 + 7 + 1 + 2 = 11 bits; 5 data bits with "2" stop bits
    // take 1.5: 1 + 5 + 1.5 = 7.5 bits.
    rig.out(LCR, 0x80);
    rig.out(RBR, 12);
    rig.out(IER, 0);
    rig.out(LCR, 0x0E);
    CHECK(rig.uart.character_cycles() == 12 * 1760);
    rig.out(LCR, 0x04);
    CHECK(rig.uart.character_cycles() == 12 * 1200);
    // Divisor 0 acts as 65536 instead of dividing by zero.
    rig.out(LCR, 0x80);
    rig.out(RBR, 0);
    rig.out(LCR, 0x03);
    CHECK(rig.uart.character_cycles() == kChar * 65536);
}

TEST_CASE("UART: a character leaves after 10 bit times; THRE and TEMT follow the holding and shift registers") {
    Rig rig;
    rig.out(RBR, 'A');
    CHECK(rig.in(LSR) == 0x20);  // 'A' went straight to the shift register: THR empty, not TEMT
    rig.out(RBR, 'B');
    CHECK(rig.in(LSR) == 0x00);  // 'B' waits in THR
    rig.advance_to(kChar - 1);
    CHECK(rig.output.empty());
    rig.advance_to(kChar);
    CHECK(rig.output == "A");
    CHECK(rig.in(LSR) == 0x20);  // 'B' shifting now
    rig.advance_to(2 * kChar - 1);
    CHECK(rig.output == "A");
    rig.advance_to(2 * kChar);
    CHECK(rig.output == "AB");
    CHECK(rig.in(LSR) == 0x60);
    CHECK(rig.scheduler.pending_count() == 0);  // nothing is scheduled while idle

    // At 9600 baud (divisor 12) it takes twelve times as long.
    rig.out(LCR, 0x80);
    rig.out(RBR, 12);
    rig.out(LCR, 0x03);
    const std::uint64_t start = rig.clock;
    rig.out(RBR, 'C');
    rig.advance_to(start + 12 * kChar - 1);
    CHECK(rig.output == "AB");
    rig.advance_to(start + 12 * kChar);
    CHECK(rig.output == "ABC");
}

TEST_CASE("UART: the transmit FIFO holds 16 characters besides the shift register; more are lost") {
    Rig rig;
    rig.out(FCR, 0x01);
    for (int i = 0; i < 18; ++i) rig.out(RBR, static_cast<std::uint8_t>('a' + i));
    CHECK((rig.in(LSR) & 0x20) == 0);
    rig.advance(17 * kChar);
    CHECK(rig.output == "abcdefghijklmnopq");  // 1 shifting + 16 queued; 'r' found the FIFO full
    CHECK(rig.in(LSR) == 0x60);
    // Resetting the transmit FIFO drops what waits (the shifting character still goes).
    for (int i = 0; i < 5; ++i) rig.out(RBR, static_cast<std::uint8_t>('0' + i));
    rig.out(FCR, 0x05);
    CHECK(rig.in(LSR) == 0x20);
    rig.advance(10 * kChar);
    CHECK(rig.output == "abcdefghijklmnopq0");
}

TEST_CASE("UART: FCR enables the FIFOs (IIR bits 6-7), bit 0 = 0 programs nothing else") {
    Rig rig;
    rig.out(FCR, 0xC7);
    CHECK(rig.in(IIR) == 0xC1);
    rig.out(FCR, 0xC6);  // bit 0 clear: FIFOs off, trigger not kept
    CHECK(rig.in(IIR) == 0x01);
    CHECK(rig.uart.state().fcr == 0);
    // Toggling bit 0 empties the receiver FIFO.
    rig.out(FCR, 0x01);
    rig.uart.receive_line_byte('x');
    CHECK((rig.in(LSR) & 1) == 1);
    rig.out(FCR, 0x00);
    CHECK((rig.in(LSR) & 1) == 0);
    // FCR bit 1 resets the receiver FIFO.
    rig.out(FCR, 0x01);
    rig.uart.receive_line_byte('y');
    rig.uart.receive_line_byte('z');
    rig.out(FCR, 0x03);
    CHECK((rig.in(LSR) & 1) == 0);
}

TEST_CASE("UART: received-data interrupt at each FIFO trigger level, cleared below it") {
    for (unsigned code = 0; code < 4; ++code) {
        const unsigned level = std::vector<unsigned>{1, 4, 8, 14}[code];
        CAPTURE(level);
        Rig rig;
        rig.out(MCR, 0x08);  // OUT2: the IRQ reaches the bus
        rig.out(FCR, static_cast<std::uint8_t>(0x01 | code << 6));
        rig.out(IER, 0x01);
        for (unsigned i = 1; i < level; ++i) rig.uart.receive_line_byte(static_cast<std::uint8_t>(i));
        CHECK(rig.in(IIR) == 0xC1);
        CHECK_FALSE(rig.irq);
        rig.uart.receive_line_byte(static_cast<std::uint8_t>(level));
        CHECK(rig.in(IIR) == 0xC4);
        CHECK(rig.irq);
        CHECK(rig.in(RBR) == 1);  // one below the trigger: cleared
        CHECK(rig.in(IIR) == 0xC1);
        CHECK_FALSE(rig.irq);
    }
}

TEST_CASE("UART: without FIFOs the received-data interrupt follows DR") {
    Rig rig;
    rig.out(MCR, 0x08);
    rig.out(IER, 0x01);
    rig.uart.receive_line_byte('k');
    CHECK(rig.in(IIR) == 0x04);
    CHECK(rig.irq);
    CHECK(rig.in(LSR) == 0x61);
    CHECK(rig.in(RBR) == 'k');
    CHECK(rig.in(IIR) == 0x01);
    CHECK_FALSE(rig.irq);
    CHECK(rig.in(RBR) == 'k');  // RBR keeps the last character, DR stays 0
    CHECK(rig.in(LSR) == 0x60);
}

TEST_CASE("UART: overrun sets OE and the line status interrupt; reading LSR clears both") {
    SUBCASE("FIFO mode: the FIFO keeps its 16 characters, the 17th is lost") {
        Rig rig;
        rig.out(MCR, 0x08);
        rig.out(FCR, 0xC1);
        rig.out(IER, 0x04);
        for (int i = 0; i < 17; ++i) rig.uart.receive_line_byte(static_cast<std::uint8_t>(i));
        CHECK(rig.in(IIR) == 0xC6);
        CHECK(rig.irq);
        CHECK(rig.in(LSR) == (0x01 | 0x02 | 0x60));
        CHECK(rig.in(LSR) == 0x61);  // OE cleared by the read
        CHECK(rig.in(IIR) == 0xC1);
        CHECK_FALSE(rig.irq);
        for (int i = 0; i < 16; ++i) CHECK(rig.in(RBR) == i);
        CHECK(rig.in(LSR) == 0x60);
    }
    SUBCASE("no FIFOs: the new character overwrites RBR") {
        Rig rig;
        rig.uart.receive_line_byte('1');
        rig.uart.receive_line_byte('2');
        CHECK(rig.in(LSR) == 0x63);
        CHECK(rig.in(RBR) == '2');
        CHECK(rig.in(LSR) == 0x60);
    }
}

TEST_CASE("UART: a break is received as a zero character with BI; LSR bit 7 flags it in the FIFO") {
    Rig rig;
    rig.out(FCR, 0x01);
    rig.uart.receive_line_byte('a');
    rig.uart.receive_break();
    CHECK(rig.in(LSR) == 0xE1);  // DR, THRE, TEMT, and an error somewhere in the FIFO; BI not yet at the top
    CHECK(rig.in(RBR) == 'a');
    CHECK(rig.in(LSR) == 0xF1);  // the break character at the top: BI
    CHECK(rig.in(LSR) == 0xE1);  // BI read-cleared, the character still in the FIFO
    CHECK(rig.in(RBR) == 0);
    CHECK(rig.in(LSR) == 0x60);
}

TEST_CASE("UART: the character timeout comes 4 character times after the last FIFO activity") {
    Rig rig;
    rig.out(MCR, 0x08);
    rig.out(FCR, 0x41);  // trigger level 4
    rig.out(IER, 0x01);
    rig.advance_to(1000);
    rig.uart.receive_line_byte('p');
    rig.advance_to(2000);
    rig.uart.receive_line_byte('q');
    rig.advance_to(2000 + 4 * kChar - 1);
    CHECK(rig.in(IIR) == 0xC1);
    CHECK_FALSE(rig.irq);
    rig.advance_to(2000 + 4 * kChar);
    CHECK(rig.irq);  // by the scheduled event, before anyone looked
    CHECK(rig.in(IIR) == 0xCC);
    CHECK(rig.in(RBR) == 'p');  // a read clears it and restarts the timer
    CHECK_FALSE(rig.irq);
    const std::uint64_t read_at = rig.clock;
    rig.advance_to(read_at + 4 * kChar - 1);
    CHECK_FALSE(rig.irq);
    rig.advance_to(read_at + 4 * kChar);
    CHECK(rig.in(IIR) == 0xCC);
    CHECK(rig.in(RBR) == 'q');
    rig.advance(100 * kChar);
    CHECK(rig.in(IIR) == 0xC1);  // an empty FIFO never times out
    CHECK(rig.scheduler.pending_count() == 0);

    // With the interrupt disabled nothing is scheduled, but IIR still shows the timeout once enabled.
    rig.out(IER, 0x00);
    rig.uart.receive_line_byte('r');
    CHECK(rig.scheduler.pending_count() == 0);
    rig.advance(4 * kChar);
    rig.out(IER, 0x01);
    CHECK(rig.in(IIR) == 0xCC);
}

TEST_CASE("UART: THRE interrupt: set when THR empties or ETBEI is enabled, cleared by IIR read or THR write") {
    Rig rig;
    rig.out(MCR, 0x08);
    rig.out(IER, 0x02);  // THR is empty: interrupt at once
    CHECK(rig.irq);
    CHECK(rig.in(IIR) == 0x02);
    CHECK_FALSE(rig.irq);  // reading IIR with THRE the source cleared it
    CHECK(rig.in(IIR) == 0x01);
    rig.out(RBR, 'x');  // THR -> shift register at once: THR empty again
    CHECK(rig.irq);
    rig.out(RBR, 'y');  // the write clears it; 'y' waits
    CHECK_FALSE(rig.irq);
    rig.advance_to(kChar - 1);
    CHECK_FALSE(rig.irq);
    rig.advance_to(kChar);  // 'x' gone, 'y' to the shift register: THR empty
    CHECK(rig.irq);
    CHECK(rig.in(IIR) == 0x02);
    CHECK_FALSE(rig.irq);
    // Disabling and re-enabling ETBEI with THR empty raises it again (what drivers rely on).
    rig.out(IER, 0x00);
    rig.out(IER, 0x02);
    CHECK(rig.irq);
}

TEST_CASE("UART: interrupt priority RLS > RDA > THRE > MS, each cleared by its own rule") {
    Rig rig;
    rig.out(MCR, 0x08);
    rig.out(IER, 0x0F);
    rig.uart.receive_line_byte('1');
    rig.uart.receive_line_byte('2');          // overrun: RLS
    rig.uart.set_modem_inputs(0x30);          // DCD drops: MS
    CHECK(rig.in(IIR) == 0x06);
    CHECK(rig.in(IIR) == 0x06);               // reading IIR does not clear RLS
    CHECK(rig.in(LSR) == 0x63);
    CHECK(rig.in(IIR) == 0x04);
    CHECK(rig.in(RBR) == '2');
    CHECK(rig.in(IIR) == 0x02);               // THRE (set when ETBEI was enabled), cleared by this read
    CHECK(rig.in(IIR) == 0x00);               // modem status
    CHECK(rig.irq);
    CHECK(rig.in(MSR) == 0x38);               // CTS, DSR; DDCD
    CHECK(rig.in(IIR) == 0x01);
    CHECK_FALSE(rig.irq);
}

TEST_CASE("UART: modem status deltas, TERI only on the trailing edge of RI") {
    Rig rig;
    rig.uart.set_modem_inputs(0xF0);  // RI rises: no delta
    CHECK(rig.in(MSR) == 0xF0);
    rig.uart.set_modem_inputs(0xB0);  // RI falls: TERI
    CHECK(rig.in(MSR) == 0xB4);
    rig.uart.set_modem_inputs(0x00);
    CHECK(rig.in(MSR) == 0x0B);
    CHECK(rig.in(MSR) == 0x00);
}

TEST_CASE("UART: loopback mirrors MCR into MSR, loops the transmitter into the receiver, and gates the IRQ") {
    Rig rig;
    rig.out(MCR, 0x10);  // loopback, all outputs off: CTS, DSR, DCD drop
    CHECK(rig.in(MSR) == 0x0B);
    rig.out(MCR, 0x1F);  // RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD
    CHECK(rig.in(MSR) == 0xFB);
    rig.out(MCR, 0x1B);  // OUT1 off: RI falls, TERI
    CHECK(rig.in(MSR) == 0xB4);
    rig.out(MCR, 0x1A);
    CHECK(rig.in(MSR) == 0x92);  // what Linux's 8250 probe checks: MCR 1Ah (loop, RTS, OUT2) gives 90h + DDSR

    rig.out(IER, 0x01);
    rig.out(RBR, 'L');
    rig.advance(kChar);
    CHECK(rig.output.empty());  // not sent to the host
    CHECK(rig.in(LSR) == 0x61);
    CHECK(rig.in(IIR) == 0x04);
    CHECK_FALSE(rig.irq);  // OUT2's driver is off in loopback
    CHECK(rig.in(RBR) == 'L');
    // Line input is disconnected in loopback.
    rig.uart.receive_line_byte('z');
    CHECK(rig.in(LSR) == 0x60);
    // Leaving loopback: the outputs' state is back on the pins, the modem inputs in MSR.
    rig.out(MCR, 0x0B);
    CHECK((rig.in(MSR) & 0xF0) == 0xB0);
}

TEST_CASE("UART: OUT2 gates the interrupt onto the bus") {
    Rig rig;
    rig.out(IER, 0x02);
    CHECK(rig.uart.state().thre_interrupt);
    CHECK_FALSE(rig.irq);  // pending (IIR would say so) but OUT2 = 0
    rig.out(MCR, 0x08);
    CHECK(rig.irq);
    rig.out(MCR, 0x00);
    CHECK_FALSE(rig.irq);
    rig.out(MCR, 0x0B);
    CHECK(rig.irq);
    CHECK(rig.in(IIR) == 0x02);
    CHECK_FALSE(rig.irq);
    CHECK(rig.irq_edges == std::vector<bool>{true, false, true, false});
}

TEST_CASE("UART: host input is fed at the line rate without loss, 10 KB with a slow reader") {
    Rig rig;
    rig.out(FCR, 0xC1);
    std::vector<std::uint8_t> input(10 * 1024);
    std::mt19937 random(7);
    for (auto& byte : input) byte = static_cast<std::uint8_t>(random());
    rig.uart.receive(input);
    CHECK(rig.uart.host_input().size() == input.size());

    // First a slow reader: the FIFO fills to 16 and waits, no overrun, and the feed stops.
    rig.advance(100 * kChar);
    CHECK(rig.uart.state().rx_count == 16);
    CHECK(rig.scheduler.pending_count() == 0);
    CHECK(rig.uart.host_input().size() == input.size() - 16);

    // Then a reader that polls LSR every character time and drains the FIFO.
    std::vector<std::uint8_t> received;
    std::uint64_t steps = 0;
    while (received.size() < input.size() && steps < 100'000) {
        while (rig.in(LSR) & 0x01) received.push_back(rig.in(RBR));
        CHECK((rig.uart.state().lsr_errors & 0x02) == 0);
        rig.advance(kChar);
        ++steps;
    }
    CHECK(received == input);
    CHECK(rig.in(LSR) == 0x60);  // never an overrun
    CHECK(rig.uart.host_input().empty());
    CHECK(rig.uart.host_input().dropped() == 0);
    // One character per character time: the 10224 bytes after the first 16 took about as many.
    CHECK(steps >= input.size() - 16);
    CHECK(steps <= input.size() + 2);
    CHECK(rig.scheduler.pending_count() == 0);
}

TEST_CASE("UART: host input pushed from another thread arrives complete and in order") {
    Rig rig;
    rig.out(FCR, 0x01);
    std::vector<std::uint8_t> input(10 * 1024);
    for (std::size_t i = 0; i < input.size(); ++i) input[i] = static_cast<std::uint8_t>(i * 31 + 7);
    std::atomic<int> notified{0};
    rig.uart.host_input().set_notifier([&] { notified.fetch_add(1); });
    std::thread producer([&] {
        for (std::size_t at = 0; at < input.size(); at += 100) {
            const std::size_t n = std::min<std::size_t>(100, input.size() - at);
            rig.uart.host_input().push(std::span(input).subspan(at, n));
            std::this_thread::yield();
        }
    });
    std::vector<std::uint8_t> received;
    // The CPU thread's loop: poll the host queue between slices, the guest drains the FIFO.
    for (std::uint64_t slice = 0; received.size() < input.size() && slice < 10'000'000; ++slice) {
        rig.uart.poll_host_input();
        rig.advance(kChar);
        while (rig.in(LSR) & 0x01) received.push_back(rig.in(RBR));
        if (received.size() < input.size() && rig.uart.host_input().empty() && rig.scheduler.pending_count() == 0)
            std::this_thread::yield();
    }
    producer.join();
    CHECK(received == input);
    CHECK(notified.load() == 103);  // one per push that took bytes
    CHECK((rig.uart.state().lsr_errors & 0x02) == 0);
}

TEST_CASE("UART: the host queue is capped; what does not fit is refused and counted") {
    HostInputQueue queue(4);
    int notified = 0;
    queue.set_notifier([&] { ++notified; });
    const std::uint8_t bytes[] = {1, 2, 3, 4, 5, 6};
    CHECK(queue.push(bytes) == 4);
    CHECK(queue.dropped() == 2);
    CHECK(queue.push(bytes) == 0);
    CHECK(notified == 1);
    CHECK(queue.pop() == std::optional<std::uint8_t>(1));
    CHECK(queue.push(std::span(bytes).subspan(5)) == 1);
    CHECK(queue.size() == 4);
    queue.clear();
    CHECK(queue.empty());
    CHECK_FALSE(queue.pop().has_value());
}

TEST_CASE("UART: host input waits while in loopback and flows again after it") {
    Rig rig;
    rig.out(MCR, 0x10);
    const std::uint8_t text[] = {'o', 'k'};
    rig.uart.receive(text);
    rig.advance(10 * kChar);
    CHECK((rig.in(LSR) & 1) == 0);
    rig.out(MCR, 0x00);
    rig.advance(kChar);
    CHECK(rig.in(RBR) == 'o');
    rig.advance(kChar);
    CHECK(rig.in(RBR) == 'k');
}

TEST_CASE("UART: state copies into a second UART, whose re-armed events continue the same way") {
    Rig a, b;
    a.out(MCR, 0x08);
    a.out(IER, 0x03);
    a.out(FCR, 0x01);
    a.out(RBR, 'x');
    a.out(RBR, 'y');
    a.uart.receive_line_byte('r');
    a.advance(kChar / 2);
    b.clock = a.clock;
    b.uart.set_state(a.uart.state());
    b.uart.rearm_events();
    b.uart.rebuild();
    CHECK(b.uart.state() == a.uart.state());
    CHECK(b.irq == a.irq);
    a.advance(3 * kChar);
    b.advance(3 * kChar);
    CHECK(a.output == "xy");
    CHECK(b.output == a.output);
    CHECK(b.uart.state() == a.uart.state());
    CHECK(b.in(RBR) == 'r');
}

TEST_CASE("UART: random guest accesses and host input never break it") {
    Rig rig;
    std::mt19937 random(11);
    std::uint64_t reads = 0;
    for (int i = 0; i < 200'000; ++i) {
        const auto reg = static_cast<std::uint16_t>(random() % 8);
        const auto value = static_cast<std::uint8_t>(random());
        if (reg == LCR && (value & 0x80) && random() % 4 == 0) {
            rig.out(LCR, value);
            rig.out(RBR, static_cast<std::uint8_t>(random() % 4));  // a small divisor, so time passes
            rig.out(IER, 0);
        } else if (random() % 2) {
            rig.out(reg, value);
        } else {
            reads += rig.in(reg);
        }
        if (random() % 64 == 0) {
            const std::uint8_t byte = value;
            rig.uart.receive(std::span(&byte, 1));
        }
        if (random() % 16 == 0) rig.uart.receive_line_byte(value);
        rig.advance(random() % 3000);
    }
    CHECK(reads > 0);
    CHECK(rig.scheduler.pending_count() <= 3);
    // Still a working UART after it all.
    rig.uart.reset();
    rig.out(LCR, 0x83);
    rig.out(RBR, 1);
    rig.out(IER, 0);
    rig.out(LCR, 0x03);
    rig.output.clear();
    rig.uart.host_input().clear();
    rig.out(RBR, '!');
    rig.advance(kChar);
    CHECK(rig.output == "!");
}

TEST_CASE("UART: attach claims eight ports; a second UART at the same base is refused") {
    Rig rig;
    Uart16550 other(rig.scheduler, {});
    CHECK_THROWS_AS(other.attach(rig.ports, kBase + 4), std::invalid_argument);
    other.attach(rig.ports, 0x2F8);
    rig.ports.write(0x2FF, 1, 0x77);
    CHECK(other.read(7) == 0x77);
    CHECK(rig.in(SCR) != 0x77);
    // A word write is split into bytes: DLL then DLM.
    rig.out(LCR, 0x80);
    rig.ports.write(kBase, 2, 0x0102);
    CHECK(rig.uart.state().divisor == 0x0102);
}

TEST_CASE("UART: a real-mode guest on a Machine polls THRE and sends two characters") {
    x86emu::MachineConfig config;
    config.model = x86emu::CpuModel::i80386;
    config.memory_mib = 1;
    config.bios_image.assign(0x10000, 0xF4);
    // At F000:0000: program 115200 8N1, send 'H' and 'i' polling THRE, wait for TEMT, HLT.
    const std::vector<std::uint8_t> code = {
        0xBA, 0xFB, 0x03, 0xB0, 0x83, 0xEE,  // mov dx,3FBh; mov al,83h; out dx,al (DLAB)
        0xBA, 0xF8, 0x03, 0xB0, 0x01, 0xEE,  // mov dx,3F8h; mov al,1; out dx,al (DLL = 1)
        0xBA, 0xFB, 0x03, 0xB0, 0x03, 0xEE,  // mov dx,3FBh; mov al,3; out dx,al (8N1)
        0xBA, 0xFD, 0x03, 0xEC, 0xA8, 0x20, 0x74, 0xFB,  // mov dx,3FDh; l1: in al,dx; test al,20h; jz l1
        0xBA, 0xF8, 0x03, 0xB0, 'H', 0xEE,   // mov dx,3F8h; mov al,'H'; out dx,al
        0xBA, 0xFD, 0x03, 0xEC, 0xA8, 0x20, 0x74, 0xFB,  // wait for THRE
        0xBA, 0xF8, 0x03, 0xB0, 'i', 0xEE,   // send 'i'
        0xBA, 0xFD, 0x03, 0xEC, 0xA8, 0x40, 0x74, 0xFB,  // wait for TEMT
        0xF4,                                // hlt
    };
    std::copy(code.begin(), code.end(), config.bios_image.begin());
    const std::uint8_t jump_far_f000_0000[] = {0xEA, 0x00, 0x00, 0x00, 0xF0};
    std::copy(std::begin(jump_far_f000_0000), std::end(jump_far_f000_0000), config.bios_image.begin() + 0xFFF0);
    x86emu::Machine machine(config);
    Uart16550 uart(machine.scheduler(), {});
    uart.attach(machine.ports(), 0x3F8);
    std::string output;
    std::vector<std::uint64_t> sent_at;
    uart.set_output([&](std::uint8_t byte) {
        output.push_back(static_cast<char>(byte));
        sent_at.push_back(machine.cpu().cycles());
    });
    const x86emu::RunResult result = machine.run(10'000'000);
    CHECK(any(result.reasons, x86emu::StopReason::Halted));
    CHECK(output == "Hi");
    REQUIRE(sent_at.size() == 2);
    // The second character leaves one character time after the first (at most an instruction late).
    const std::uint64_t character = uart.character_cycles();
    CHECK(sent_at[1] - sent_at[0] >= character);
    CHECK(sent_at[1] - sent_at[0] < character + 50);
}
