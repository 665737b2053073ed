// x86emu unit tests — the 8042 keyboard controller with its PS/2 keyboard and mouse
// (devices/kbc8042.hpp), port 92h and the A20 gate (devices/system_control_port.hpp), driven
// through an IoPortMap as a guest would: self tests, the command byte, A20 via D1 and via 92h,
// reset via FEh, D1 and 92h, keyboard commands and ACKs, set-2 -> set-1 translation of make and
// break codes (E0 keys, Pause, Print Screen), aux commands, mouse packets with sign and
// overflow bits, the IntelliMouse ID, and IRQ1/IRQ12 against the command byte's enables.
#include <doctest/doctest.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "devices/kbc8042.hpp"
#include "emu_test_support.hpp"
#include "x86emu/cpu.hpp"
#include "x86emu/memory_map.hpp"
#include "devices/system_control_port.hpp"
#include "x86emu/io_ports.hpp"

using namespace x86emu;

namespace {

using Bytes = std::vector<std::uint8_t>;

struct Rig {
    IoPortMap ports;
    std::vector<bool> irq1, irq12;  // every level driven, in order
    std::vector<bool> memory_a20;   // what the gate told the memory map
    int resets = 0;
    A20Gate gate{[this](bool on) { memory_a20.push_back(on); }};
    Kbc8042 kbc{Kbc8042::Wiring{[this](bool l) { irq1.push_back(l); }, [this](bool l) { irq12.push_back(l); },
                                [this](bool on) { gate.set_kbc(on); }, [this] { ++resets; }}};
    SystemControlPortA port92{[this](bool on) { gate.set_port92(on); }, [this] { ++resets; }};

    Rig() {
        kbc.attach(ports);
        port92.attach(ports);
    }
    std::uint8_t status() { return static_cast<std::uint8_t>(ports.read(0x64, 1)); }
    void command(std::uint8_t c) { ports.write(0x64, 1, c); }
    void data(std::uint8_t d) { ports.write(0x60, 1, d); }
    std::uint8_t read_data() { return static_cast<std::uint8_t>(ports.read(0x60, 1)); }
    // Everything waiting in the output buffer, as a driver polling OBF reads it.
    Bytes drain() {
        Bytes out;
        for (int guard = 0; guard < 1000 && (status() & Kbc8042::kStatusObf); ++guard) out.push_back(read_data());
        return out;
    }
    Bytes command_reply(std::uint8_t c) {
        command(c);
        return drain();
    }
    Bytes to_keyboard(std::uint8_t d) {
        data(d);
        return drain();
    }
    Bytes to_mouse(std::uint8_t d) {
        command(0xD4);
        data(d);
        return drain();
    }
    void set_command_byte(std::uint8_t value) {
        command(0x60);
        data(value);
    }
};

}  // namespace

TEST_CASE("kbc8042: self tests, interface tests, status bits") {
    Rig rig;
    CHECK(rig.status() == (Kbc8042::kStatusNotInhibited | Kbc8042::kStatusSys));  // 14h: no data, SYS, not inhibited
    CHECK(rig.command_reply(0xAA) == Bytes{0x55});
    CHECK((rig.status() & Kbc8042::kStatusA2) != 0);  // the last write went to 64h
    CHECK(rig.command_reply(0xAB) == Bytes{0x00});
    CHECK(rig.command_reply(0xA9) == Bytes{0x00});
    CHECK(rig.command_reply(0xA4) == Bytes{0xF1});
    CHECK(rig.command_reply(0xC0) == Bytes{Kbc8042::kInputPort});
    CHECK(rig.command_reply(0xE0) == Bytes{0x00});
    rig.command(0xAA);
    CHECK((rig.status() & (Kbc8042::kStatusObf | Kbc8042::kStatusAuxData)) == Kbc8042::kStatusObf);
    CHECK(rig.read_data() == 0x55);
    CHECK((rig.status() & Kbc8042::kStatusObf) == 0);
    CHECK((rig.status() & Kbc8042::kStatusIbf) == 0);
    rig.command(0x99);  // unknown: ignored, nothing to read
    CHECK(rig.drain().empty());
}

TEST_CASE("kbc8042: the command byte and its RAM, enable/disable commands") {
    Rig rig;
    CHECK(rig.command_reply(0x20) == Bytes{Kbc8042::kResetCommandByte});
    rig.set_command_byte(0x03);  // both IRQs, SYS off, no translation
    CHECK(rig.command_reply(0x20) == Bytes{0x03});
    CHECK((rig.status() & Kbc8042::kStatusSys) == 0);
    rig.set_command_byte(0xFF);  // bit 7 is reserved: kept 0
    CHECK(rig.command_reply(0x20) == Bytes{0x7F});
    rig.command(0xA7);
    rig.command(0xAD);
    rig.set_command_byte(0x00);
    rig.command(0xA7);
    CHECK(rig.command_reply(0x20) == Bytes{0x20});
    rig.command(0xAD);
    CHECK(rig.command_reply(0x20) == Bytes{0x30});
    rig.command(0xA8);
    rig.command(0xAE);
    CHECK(rig.command_reply(0x20) == Bytes{0x00});
    // Other RAM bytes: 61h writes byte 1, 21h reads it.
    rig.command(0x61);
    rig.data(0x5A);
    CHECK(rig.command_reply(0x21) == Bytes{0x5A});
    CHECK(rig.command_reply(0x20) == Bytes{0x00});
    // A command abandons one still waiting for its data: 60h then AAh, the next 60h byte goes to the keyboard.
    rig.command(0x60);
    CHECK(rig.command_reply(0xAA) == Bytes{0x55});
    CHECK(rig.to_keyboard(0xEE) == Bytes{0xEE});  // echo: it reached the keyboard
    CHECK(rig.command_reply(0x20) == Bytes{0x00});
}

TEST_CASE("kbc8042: A20 through the output port (D1) and port 92h, combined by OR") {
    Rig rig;
    CHECK(rig.kbc.a20());
    CHECK(rig.gate.enabled());
    CHECK(rig.command_reply(0xD0) == Bytes{0xCF});
    rig.command(0xD1);
    rig.data(0xCD);  // A20 off (bit 1 = 0), reset bit stays 1
    CHECK_FALSE(rig.kbc.a20());
    CHECK(rig.memory_a20 == std::vector<bool>{false});
    CHECK(rig.command_reply(0xD0) == Bytes{0xCD});
    CHECK(rig.resets == 0);
    rig.ports.write(0x92, 1, 0x02);  // fast A20 on
    CHECK(rig.memory_a20 == std::vector<bool>{false, true});
    CHECK(rig.ports.read(0x92, 1) == 0x02);
    rig.command(0xD1);
    rig.data(0xCF);  // kbc on as well: no change of the combined gate
    CHECK(rig.memory_a20.size() == 2);
    rig.ports.write(0x92, 1, 0x00);  // 92h off, kbc still on
    CHECK(rig.memory_a20.size() == 2);
    CHECK(rig.gate.enabled());
    rig.command(0xD1);
    rig.data(0xCD);  // both off now
    CHECK(rig.memory_a20 == std::vector<bool>{false, true, false});
    // Reserved bits of 92h read 0.
    rig.ports.write(0x92, 1, 0xFC);
    CHECK(rig.ports.read(0x92, 1) == 0xC8);
    CHECK(rig.memory_a20.back() == false);
}

TEST_CASE("kbc8042: reset through FEh, the F0-FF pulses, D1 bit 0 and port 92h bit 0") {
    Rig rig;
    rig.command(0xFE);
    CHECK(rig.resets == 1);
    rig.command(0xFF);  // pulses nothing
    rig.command(0xFD);  // pulses bit 1 (A20) only
    CHECK(rig.resets == 1);
    CHECK(rig.kbc.a20());
    rig.command(0xF0);  // all four bits, bit 0 among them
    CHECK(rig.resets == 2);
    rig.command(0xD1);
    rig.data(0xCE);  // bit 0 = 0: reset asserted
    CHECK(rig.resets == 3);
    CHECK((rig.command_reply(0xD0)[0] & 0x01) == 0x01);  // released again after the pulse
    rig.ports.write(0x92, 1, 0x01);  // 0 -> 1: fast reset
    CHECK(rig.resets == 4);
    rig.ports.write(0x92, 1, 0x01);  // no transition
    CHECK(rig.resets == 4);
    rig.ports.write(0x92, 1, 0x00);
    rig.ports.write(0x92, 1, 0x03);
    CHECK(rig.resets == 5);
    rig.port92.reset();
    CHECK(rig.ports.read(0x92, 1) == 0x00);
}

TEST_CASE("kbc8042: keyboard commands and their answers") {
    Rig rig;
    rig.set_command_byte(0x04);  // no translation: the keyboard's own bytes
    CHECK(rig.to_keyboard(0xFF) == Bytes{0xFA, 0xAA});
    CHECK(rig.to_keyboard(0xF2) == Bytes{0xFA, 0xAB, 0x83});
    CHECK(rig.to_keyboard(0xEE) == Bytes{0xEE});
    CHECK(rig.to_keyboard(0xED) == Bytes{0xFA});
    CHECK(rig.to_keyboard(0x07) == Bytes{0xFA});
    CHECK(rig.kbc.keyboard().state().leds == 0x07);
    CHECK(rig.to_keyboard(0xF3) == Bytes{0xFA});
    CHECK(rig.to_keyboard(0x20) == Bytes{0xFA});
    CHECK(rig.kbc.keyboard().state().typematic == 0x20);
    CHECK(rig.to_keyboard(0xF0) == Bytes{0xFA});
    CHECK(rig.to_keyboard(0x00) == Bytes{0xFA, 0x02});  // get: set 2
    CHECK(rig.to_keyboard(0xF0) == Bytes{0xFA});
    CHECK(rig.to_keyboard(0x03) == Bytes{0xFE});  // no set 3
    CHECK(rig.to_keyboard(0xF0) == Bytes{0xFA});
    CHECK(rig.to_keyboard(0x01) == Bytes{0xFA});
    CHECK(rig.kbc.keyboard().state().scancode_set == 1);
    CHECK(rig.to_keyboard(0xF0) == Bytes{0xFA});
    CHECK(rig.to_keyboard(0x00) == Bytes{0xFA, 0x01});
    CHECK(rig.to_keyboard(0xF6) == Bytes{0xFA});  // defaults: set 2, typematic 2Bh
    CHECK(rig.kbc.keyboard().state().scancode_set == 2);
    CHECK(rig.kbc.keyboard().state().typematic == 0x2B);
    CHECK(rig.to_keyboard(0xFE) == Bytes{0xFA});  // resend: the last byte again
    CHECK(rig.to_keyboard(0x12) == Bytes{0xFE});  // not a command
    // A command where a parameter was expected starts that command.
    CHECK(rig.to_keyboard(0xED) == Bytes{0xFA});
    CHECK(rig.to_keyboard(0xF2) == Bytes{0xFA, 0xAB, 0x83});
    CHECK(rig.kbc.keyboard().state().leds == 0x07);
    // F5 disables scanning: keys are dropped; F4 enables it again.
    CHECK(rig.to_keyboard(0xF5) == Bytes{0xFA});
    rig.kbc.key_down(Bytes{0x1C});
    CHECK(rig.drain().empty());
    CHECK(rig.to_keyboard(0xF4) == Bytes{0xFA});
    rig.kbc.key_down(Bytes{0x1C});
    CHECK(rig.drain() == Bytes{0x1C});
    // With translation on, the ID's 83h reads as 41h (the translated form Linux expects).
    rig.set_command_byte(0x45);
    CHECK(rig.to_keyboard(0xF2) == Bytes{0xFA, 0xAB, 0x41});
}

TEST_CASE("kbc8042: scan codes, set 2 as sent and translated to set 1") {
    Rig rig;
    SUBCASE("translation on (command byte bit 6)") {
        rig.kbc.key_down(Bytes{0x1C});  // A
        rig.kbc.key_up(Bytes{0x1C});
        CHECK(rig.drain() == Bytes{0x1E, 0x9E});
        rig.kbc.key_down(Bytes{0xE0, 0x14});  // right Ctrl
        rig.kbc.key_up(Bytes{0xE0, 0x14});
        CHECK(rig.drain() == Bytes{0xE0, 0x1D, 0xE0, 0x9D});
        rig.kbc.key_down(Bytes{0xE0, 0x75});  // cursor up
        rig.kbc.key_up(Bytes{0xE0, 0x75});
        CHECK(rig.drain() == Bytes{0xE0, 0x48, 0xE0, 0xC8});
        rig.kbc.key_down(Bytes{0x83});  // F7, the one code above 7Fh
        CHECK(rig.drain() == Bytes{0x41});
        rig.kbc.press_pause();
        CHECK(rig.drain() == Bytes{0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5});
        rig.kbc.keyboard().press_print_screen();
        rig.kbc.poll();
        CHECK(rig.drain() == Bytes{0xE0, 0x2A, 0xE0, 0x37});
        rig.kbc.keyboard().release_print_screen();
        rig.kbc.poll();
        CHECK(rig.drain() == Bytes{0xE0, 0xB7, 0xE0, 0xAA});
        rig.kbc.key_down(Bytes{0xE0, 0x1F});  // left Windows key
        CHECK(rig.drain() == Bytes{0xE0, 0x5B});
    }
    SUBCASE("translation off: the keyboard's set 2") {
        rig.set_command_byte(0x05);
        rig.kbc.key_down(Bytes{0x1C});
        rig.kbc.key_up(Bytes{0x1C});
        rig.kbc.key_down(Bytes{0xE0, 0x75});
        rig.kbc.key_up(Bytes{0xE0, 0x75});
        CHECK(rig.drain() == Bytes{0x1C, 0xF0, 0x1C, 0xE0, 0x75, 0xE0, 0xF0, 0x75});
        rig.kbc.press_pause();
        CHECK(rig.drain() == Bytes{0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77});
    }
    SUBCASE("translation off, keyboard in set 1: the keyboard sends set 1 itself") {
        rig.set_command_byte(0x05);
        CHECK(rig.to_keyboard(0xF0) == Bytes{0xFA});
        CHECK(rig.to_keyboard(0x01) == Bytes{0xFA});
        rig.kbc.key_down(Bytes{0xE0, 0x11});  // right Alt
        rig.kbc.key_up(Bytes{0xE0, 0x11});
        CHECK(rig.drain() == Bytes{0xE0, 0x38, 0xE0, 0xB8});
    }
    SUBCASE("the keyboard's buffer overruns into one overrun code") {
        rig.set_command_byte(0x05);
        for (int k = 0; k < 20; ++k) rig.kbc.keyboard().key_down(Bytes{0x1C});
        rig.kbc.poll();
        // 15 keys, then the overrun code 00h (set 2) in the 16th place, once.
        Bytes expected(Ps2Keyboard::kBufferBytes, 0x1C);
        expected.back() = 0x00;
        CHECK(rig.drain() == expected);
        rig.kbc.key_down(Bytes{0x1C});  // room again
        CHECK(rig.drain() == Bytes{0x1C});
    }
    SUBCASE("bad make sequences are refused") {
        CHECK_THROWS_AS(rig.kbc.key_down(Bytes{}), std::invalid_argument);
        CHECK_THROWS_AS(rig.kbc.key_down(Bytes{0xF0}), std::invalid_argument);
        CHECK_THROWS_AS(rig.kbc.key_down(Bytes{0xE1, 0x14}), std::invalid_argument);
        CHECK_THROWS_AS(rig.kbc.key_down(Bytes{0x1C, 0x1C}), std::invalid_argument);
        CHECK_THROWS_AS(rig.kbc.key_up(Bytes{0xE0, 0xE0}), std::invalid_argument);
        CHECK_THROWS_AS(rig.kbc.key_down(Bytes{0xA0}), std::invalid_argument);
    }
}

TEST_CASE("kbc8042: the keyboard disabled by the command byte keeps its data until enabled") {
    Rig rig;
    rig.command(0xAD);
    rig.kbc.key_down(Bytes{0x1C});
    CHECK(rig.drain().empty());
    rig.command(0xAE);
    CHECK(rig.drain() == Bytes{0x1E});
}

TEST_CASE("kbc8042: D2/D3 write the output buffer as keyboard / aux data") {
    Rig rig;
    rig.set_command_byte(0x07);
    rig.command(0xD2);
    rig.data(0x5A);
    CHECK((rig.status() & (Kbc8042::kStatusObf | Kbc8042::kStatusAuxData)) == Kbc8042::kStatusObf);
    CHECK(rig.irq1.back());
    CHECK(rig.read_data() == 0x5A);
    CHECK_FALSE(rig.irq1.back());
    rig.command(0xD3);
    rig.data(0xA5);
    CHECK((rig.status() & (Kbc8042::kStatusObf | Kbc8042::kStatusAuxData)) ==
          (Kbc8042::kStatusObf | Kbc8042::kStatusAuxData));
    CHECK(rig.irq12.back());
    CHECK(rig.read_data() == 0xA5);
    CHECK_FALSE(rig.irq12.back());
}

TEST_CASE("kbc8042: aux (mouse) commands through D4") {
    Rig rig;
    rig.set_command_byte(0x47);
    CHECK(rig.to_mouse(0xFF) == Bytes{0xFA, 0xAA, 0x00});
    CHECK(rig.to_mouse(0xF2) == Bytes{0xFA, 0x00});
    CHECK(rig.to_mouse(0xE9) == Bytes{0xFA, 0x00, 0x02, 100});
    CHECK(rig.to_mouse(0xE8) == Bytes{0xFA});
    CHECK(rig.to_mouse(0x03) == Bytes{0xFA});
    CHECK(rig.to_mouse(0xE8) == Bytes{0xFA});
    CHECK(rig.to_mouse(0x04) == Bytes{0xFE});  // resolution 0-3 only
    CHECK(rig.to_mouse(0xF3) == Bytes{0xFA});
    CHECK(rig.to_mouse(40) == Bytes{0xFA});
    CHECK(rig.to_mouse(0xF3) == Bytes{0xFA});
    CHECK(rig.to_mouse(41) == Bytes{0xFE});  // not a valid rate
    CHECK(rig.to_mouse(0xE7) == Bytes{0xFA});
    CHECK(rig.to_mouse(0xF4) == Bytes{0xFA});
    CHECK(rig.to_mouse(0xE9) == Bytes{0xFA, 0x30, 0x03, 40});  // enabled, 2:1
    CHECK(rig.to_mouse(0xE6) == Bytes{0xFA});
    CHECK(rig.to_mouse(0xF5) == Bytes{0xFA});
    CHECK(rig.to_mouse(0xE9) == Bytes{0xFA, 0x00, 0x03, 40});
    CHECK(rig.to_mouse(0xF6) == Bytes{0xFA});
    CHECK(rig.to_mouse(0xE9) == Bytes{0xFA, 0x00, 0x02, 100});
    CHECK(rig.to_mouse(0x12) == Bytes{0xFE});
    // Wrap mode echoes until EC.
    CHECK(rig.to_mouse(0xEE) == Bytes{0xFA});
    CHECK(rig.to_mouse(0x12) == Bytes{0x12});
    CHECK(rig.to_mouse(0xF2) == Bytes{0xF2});
    CHECK(rig.to_mouse(0xEC) == Bytes{0xFA});
    CHECK(rig.to_mouse(0xF2) == Bytes{0xFA, 0x00});
    // The aux port disabled (A7): replies wait until A8.
    rig.command(0xA7);
    rig.command(0xD4);
    rig.data(0xF2);
    CHECK(rig.drain().empty());
    rig.command(0xA8);
    CHECK(rig.drain() == Bytes{0xFA, 0x00});
}

TEST_CASE("kbc8042: mouse movement packets: signs, overflow, scaling, remote mode") {
    Rig rig;
    rig.set_command_byte(0x47);
    rig.kbc.mouse_move(5, 5, 0, 0);  // reporting is off after power-on: nothing
    CHECK(rig.drain().empty());
    CHECK(rig.to_mouse(0xF4) == Bytes{0xFA});
    rig.kbc.mouse_move(10, -3, 0, Ps2Mouse::kButtonLeft);
    CHECK(rig.drain() == Bytes{0x29, 0x0A, 0xFD});  // left, bit 3, Y sign
    rig.kbc.mouse_move(-1, 2, 0, Ps2Mouse::kButtonRight | Ps2Mouse::kButtonMiddle);
    CHECK(rig.drain() == Bytes{0x1E, 0xFF, 0x02});
    rig.kbc.mouse_move(300, -400, 0, 0);  // both overflow: clamped, overflow bits
    CHECK(rig.drain() == Bytes{0xE8, 0xFF, 0x00});
    rig.kbc.mouse_move(-256, 255, 0, 0);  // the extremes still fit
    CHECK(rig.drain() == Bytes{0x18, 0x00, 0xFF});
    CHECK(rig.to_mouse(0xE7) == Bytes{0xFA});  // 2:1 scaling
    rig.kbc.mouse_move(2, 4, 0, 0);
    CHECK(rig.drain() == Bytes{0x08, 0x01, 0x06});
    rig.kbc.mouse_move(-10, 0, 0, 0);
    CHECK(rig.drain() == Bytes{0x18, 0xEC, 0x00});
    CHECK(rig.to_mouse(0xE6) == Bytes{0xFA});
    // Remote mode: counts accumulate until EB.
    CHECK(rig.to_mouse(0xF0) == Bytes{0xFA});
    rig.kbc.mouse_move(3, 1, 0, 0);
    rig.kbc.mouse_move(4, 1, 0, Ps2Mouse::kButtonLeft);
    CHECK(rig.drain().empty());
    CHECK(rig.to_mouse(0xEB) == Bytes{0xFA, 0x09, 0x07, 0x02});
    CHECK(rig.to_mouse(0xEB) == Bytes{0xFA, 0x09, 0x00, 0x00});
    CHECK(rig.to_mouse(0xE9) == Bytes{0xFA, 0x64, 0x02, 100});  // remote, enabled, left
    // Extreme host values do not overflow anything.
    rig.kbc.mouse_move(INT32_MAX, INT32_MIN, INT32_MAX, 0);
    rig.kbc.mouse_move(INT32_MAX, INT32_MIN, INT32_MAX, 0);
    CHECK(rig.to_mouse(0xEB) == Bytes{0xFA, 0xE8, 0xFF, 0x00});  // both overflow, Y negative
}

TEST_CASE("kbc8042: the IntelliMouse sequence 200, 100, 80 gives ID 3 and 4-byte packets") {
    Rig rig;
    rig.set_command_byte(0x47);
    for (std::uint8_t rate : {200, 100, 40}) {  // a wrong sequence: still ID 0
        rig.to_mouse(0xF3);
        rig.to_mouse(rate);
    }
    CHECK(rig.to_mouse(0xF2) == Bytes{0xFA, 0x00});
    for (std::uint8_t rate : {200, 100, 80}) {
        CHECK(rig.to_mouse(0xF3) == Bytes{0xFA});
        CHECK(rig.to_mouse(rate) == Bytes{0xFA});
    }
    CHECK(rig.to_mouse(0xF2) == Bytes{0xFA, 0x03});
    CHECK(rig.to_mouse(0xF4) == Bytes{0xFA});
    rig.kbc.mouse_move(1, 1, 2, 0);
    CHECK(rig.drain() == Bytes{0x08, 0x01, 0x01, 0x02});
    rig.kbc.mouse_move(0, 0, -20, 0);  // wheel clamped to -8
    CHECK(rig.drain() == Bytes{0x08, 0x00, 0x00, 0xF8});
    CHECK(rig.to_mouse(0xFF) == Bytes{0xFA, 0xAA, 0x00});  // reset forgets the ID
    CHECK(rig.to_mouse(0xF2) == Bytes{0xFA, 0x00});
}

TEST_CASE("kbc8042: IRQ1 and IRQ12 follow the output buffer and the command byte enables") {
    Rig rig;
    rig.set_command_byte(0x04);  // both IRQs off, no translation
    rig.kbc.key_down(Bytes{0x1C});
    CHECK(rig.irq1.empty());
    CHECK((rig.status() & Kbc8042::kStatusObf) != 0);
    rig.set_command_byte(0x05);  // IRQ1 on with data waiting: the line rises
    CHECK(rig.irq1 == std::vector<bool>{true});
    CHECK(rig.read_data() == 0x1C);
    CHECK(rig.irq1 == std::vector<bool>{true, false});

    // Two bytes (F0 1C): the line drops on each read and rises for the next byte, an edge per byte.
    rig.irq1.clear();
    rig.kbc.key_up(Bytes{0x1C});
    CHECK(rig.irq1 == std::vector<bool>{true});
    CHECK(rig.read_data() == 0xF0);
    CHECK(rig.irq1 == std::vector<bool>{true, false, true});
    CHECK(rig.read_data() == 0x1C);
    CHECK(rig.irq1 == std::vector<bool>{true, false, true, false});

    // Aux data raises IRQ12, not IRQ1, and only with command byte bit 1.
    CHECK(rig.to_mouse(0xF4) == Bytes{0xFA});
    rig.irq1.clear();
    rig.irq12.clear();
    rig.kbc.mouse_move(1, 0, 0, 0);
    CHECK(rig.irq12.empty());
    CHECK(rig.irq1.empty());
    CHECK((rig.status() & Kbc8042::kStatusAuxData) != 0);
    rig.set_command_byte(0x07);
    CHECK(rig.irq12 == std::vector<bool>{true});
    CHECK(rig.irq1.empty());
    CHECK(rig.drain() == Bytes{0x08, 0x01, 0x00});
    CHECK(rig.irq12 == std::vector<bool>{true, false, true, false, true, false});
    CHECK(rig.irq1.empty());

    // The output port shows the IRQ lines in bits 4/5: D0's own reply is controller data (IRQ1).
    rig.command(0xD0);
    CHECK((rig.read_data() & (Kbc8042::kOutKbdFull | Kbc8042::kOutAuxFull)) == 0);  // read before it was loaded
    rig.command(0xD3);
    rig.data(0x11);
    rig.command(0xD0);  // queued behind the aux byte in the buffer
    CHECK(rig.read_data() == 0x11);
    CHECK((rig.read_data() & (Kbc8042::kOutKbdFull | Kbc8042::kOutAuxFull)) == Kbc8042::kOutAuxFull);

    // Keyboard before mouse when both have data; mouse bytes are never translated.
    rig.set_command_byte(0x47);
    rig.kbc.mouse().move(-1, 0, 0, 0);
    rig.kbc.keyboard().key_down(Bytes{0x1C});
    rig.kbc.poll();
    CHECK(rig.drain() == Bytes{0x1E, 0x18, 0xFF, 0x00});

    // Reset drops the lines.
    rig.kbc.key_down(Bytes{0x1C});
    CHECK(rig.irq1.back());
    rig.kbc.reset();
    CHECK_FALSE(rig.irq1.back());
    CHECK((rig.status() & Kbc8042::kStatusObf) == 0);
}

TEST_CASE("kbc8042: odd guest accesses never crash") {
    Rig rig;
    for (unsigned v = 0; v < 256; ++v) {
        rig.command(static_cast<std::uint8_t>(v));
        if (v == 0xD1) continue;  // keep the reset callback count sane; D1 data tested elsewhere
        rig.data(static_cast<std::uint8_t>(v ^ 0x5A));
        rig.drain();
    }
    for (unsigned v = 0; v < 256; ++v) {
        rig.to_keyboard(static_cast<std::uint8_t>(v));
        rig.to_mouse(static_cast<std::uint8_t>(v));
    }
    // Reading an empty buffer returns the latch again and does not raise anything.
    rig.drain();
    const std::uint8_t again = rig.read_data();
    CHECK(rig.read_data() == again);
    // A word read splits into 60h (the latch) and 61h (not ours: all ones).
    CHECK(rig.ports.read(0x60, 2) == (0xFF00u | again));
}

TEST_CASE("kbc8042: a guest program gates A20 through the 8042 and port 92h and runs the self test") {
    // Real mode on a 386: the byte at FFFF:0510 (1 MiB + 500h) shows 0000:0500 while A20 is off.
    PhysicalMemoryMap map;
    map.map_ram(0, 0x200000);
    IoPortMap ports;
    map.set_io_ports(&ports);
    A20Gate gate([&](bool on) { map.set_a20(on); });
    Kbc8042 kbc(Kbc8042::Wiring{{}, {}, [&](bool on) { gate.set_kbc(on); }, {}});
    SystemControlPortA port92([&](bool on) { gate.set_port92(on); }, {});
    kbc.attach(ports);
    port92.attach(ports);
    Cpu cpu(CpuModel::i80386, map);
    map.add_listener(cpu);
    const std::vector<std::uint8_t> code = {
        0xB8, 0xFF, 0xFF, 0x8E, 0xC0,              // mov ax, FFFFh; mov es, ax
        0xC6, 0x06, 0x00, 0x05, 0x11,              // mov byte [0500h], 11h
        0x26, 0xC6, 0x06, 0x10, 0x05, 0x22,        // mov byte es:[0510h], 22h (A20 on: 100500h)
        0xB0, 0xD1, 0xE6, 0x64,                    // mov al, D1h; out 64h, al   (write output port)
        0xB0, 0xCD, 0xE6, 0x60,                    // mov al, CDh; out 60h, al   (A20 off, no reset)
        0x26, 0x8A, 0x1E, 0x10, 0x05,              // mov bl, es:[0510h]         (wraps: 11h)
        0xB0, 0x02, 0xE6, 0x92,                    // mov al, 2; out 92h, al     (fast A20 on)
        0x26, 0x8A, 0x3E, 0x10, 0x05,              // mov bh, es:[0510h]         (22h)
        0xB0, 0xAA, 0xE6, 0x64,                    // mov al, AAh; out 64h, al   (self test)
        0xE4, 0x60,                                // in al, 60h                 (55h)
        0xF4,                                      // hlt
    };
    map.write_physical(0x1000, code);
    CpuState s;
    s.eip = 0x1000;
    s.seg[CS] = x86emu_test::real_seg(0, 0x9B);
    for (unsigned r : {DS, ES, FS, GS}) s.seg[r] = x86emu_test::real_seg(0);
    s.seg[SS] = x86emu_test::real_seg(0x7000);
    s.gpr[ESP] = 0x1000;
    s.idtr.limit = 0x3FF;
    cpu.set_state(s);
    cpu.run(100'000);
    const CpuState end = cpu.state();
    CHECK(end.halted);
    CHECK((end.gpr[EBX] & 0xFF) == 0x11);
    CHECK(((end.gpr[EBX] >> 8) & 0xFF) == 0x22);
    CHECK((end.gpr[EAX] & 0xFF) == 0x55);
    CHECK_FALSE(kbc.a20());
    CHECK(gate.enabled());
}

TEST_CASE("kbc8042: the plain states copied to another controller continue the same byte stream") {
    Rig a, b;
    a.set_command_byte(0x47);
    a.to_mouse(0xF4);
    a.kbc.press_pause();
    a.kbc.mouse().move(3, -2, 0, Ps2Mouse::kButtonLeft);
    a.command(0xD0);  // a controller reply queued behind the keyboard byte in the buffer
    b.kbc.state() = a.kbc.state();
    b.kbc.keyboard().state() = a.kbc.keyboard().state();
    b.kbc.mouse().state() = a.kbc.mouse().state();
    b.irq1.clear();
    b.kbc.state_restored();
    CHECK(b.irq1 == std::vector<bool>{true});  // the restored level is driven
    CHECK(b.kbc.state() == a.kbc.state());
    const Bytes from_a = a.drain();
    CHECK(from_a.size() == 6 + 1 + 3);  // Pause translated (6), the D0 reply, the mouse packet (3)
    CHECK(b.drain() == from_a);
}
