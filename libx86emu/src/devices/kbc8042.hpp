// x86emu devices — the 8042 keyboard controller of a PC/AT / PS/2 (IBM PS/2 Hardware Interface
// Technical Reference, "Keyboard/Auxiliary Device Controller"), with a PS/2 keyboard and a PS/2
// mouse on its two ports.
//
// Ports: 60h data (read: the output buffer; write: to the keyboard, or the parameter of a
// controller command), 64h status (read) / command (write). Status: bit 0 OBF output buffer full,
// 1 IBF input buffer full (always 0: writes are taken at once), 2 SYS (command byte bit 2),
// 3 A2 (last write was to 64h), 4 INH (1 = keyboard not inhibited by the key lock), 5 AUXB
// (the output buffer holds auxiliary-device data), 6 general time-out, 7 parity error (neither
// ever happens here).
// Command byte: bit 0 keyboard interrupt (IRQ1) enable, 1 auxiliary interrupt (IRQ12) enable,
// 2 system flag, 4 disable keyboard (clock inhibited), 5 disable auxiliary device, 6 translate
// (set 2 -> set 1, ps2_keyboard.hpp set2_to_set1). Commands: 20h-3Fh read / 60h-7Fh write
// controller RAM (byte 0 = the command byte), A4 password installed? (F1: no), A7/A8
// disable/enable aux, A9 aux interface test (00), AA self test (55), AB keyboard interface test
// (00), AD/AE disable/enable keyboard, C0 read input port, D0/D1 read/write output port, D2/D3
// write keyboard/aux output buffer (as if the device had sent the byte), D4 write to the aux
// device, E0 read test inputs, F0-FF pulse output port bits 0-3 (a 0 bit pulses; bit 0 is the
// CPU reset, so FEh resets). Unknown commands are ignored.
// Output port: bit 0 system reset (writing 0 resets the CPU), bit 1 A20 gate, bit 4 "output
// buffer full" (the IRQ1 line), bit 5 the IRQ12 line; bits 2, 3, 6 and 7 (the clock and data
// lines) read back as written.
//
// IRQs: IRQ1 = OBF with keyboard (or controller) data and command byte bit 0; IRQ12 = OBF with
// aux data and bit 1; both are levels that drop when port 60h is read. Arbitration: when the
// output buffer is empty the controller loads, in this order, its own pending reply, the
// keyboard's next byte (unless the keyboard is disabled), the mouse's next byte (unless the aux
// port is disabled). Data is available at once (no serial-link delay), which keeps runs
// deterministic without the scheduler.
//
// Reset state: as a BIOS leaves the controller for an operating system, since the direct Linux
// boot runs none: command byte 45h (keyboard IRQ, system flag, translation; aux enabled, its
// IRQ off), output port CFh (not in reset, A20 on — the PhysicalMemoryMap's A20 starts on too).
// Not implemented: the password / security commands beyond A4, C1/C2 (input port polling into
// the status bits), the PS/2 model 30's 8042 differences, parity and time-out errors.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>

#include "devices/irq_line.hpp"
#include "devices/ps2_keyboard.hpp"
#include "devices/ps2_mouse.hpp"

namespace x86emu {

class IoPortMap;

class Kbc8042 {
public:
    static constexpr std::uint16_t kDataPort = 0x60, kStatusPort = 0x64;
    static constexpr std::uint8_t kStatusObf = 0x01, kStatusIbf = 0x02, kStatusSys = 0x04, kStatusA2 = 0x08,
                                  kStatusNotInhibited = 0x10, kStatusAuxData = 0x20, kStatusTimeout = 0x40,
                                  kStatusParity = 0x80;
    static constexpr std::uint8_t kCmdKbdIrq = 0x01, kCmdAuxIrq = 0x02, kCmdSys = 0x04, kCmdKbdDisable = 0x10,
                                  kCmdAuxDisable = 0x20, kCmdTranslate = 0x40;
    static constexpr std::uint8_t kOutReset = 0x01, kOutA20 = 0x02, kOutKbdFull = 0x10, kOutAuxFull = 0x20;
    static constexpr std::uint8_t kResetCommandByte = 0x45, kResetOutputPort = 0xCF;
    static constexpr std::uint8_t kInputPort = 0xA0;  // bit 7 keyboard not inhibited, bit 5 no manufacturing jumper

    // Who the guest sees as having sent a queued controller reply.
    enum class Source : std::uint8_t { Controller, Keyboard, Aux };

    struct Wiring {
        IrqLine irq1;                          // keyboard
        IrqLine irq12;                         // auxiliary device (mouse)
        std::function<void(bool on)> a20;      // output port bit 1 changed (A20Gate::set_kbc)
        std::function<void()> reset;           // the CPU reset line was pulsed (D1 bit 0 = 0, FEh)
    };

    struct State {
        std::uint8_t ram[32] = {kResetCommandByte};  // controller RAM; byte 0 is the command byte
        std::uint8_t output_port = kResetOutputPort;
        bool a2 = false;                   // status bit 3
        bool output_full = false;
        std::uint8_t output_buffer = 0;
        Source output_source = Source::Controller;
        std::uint8_t pending_command = 0;  // a command waiting for its byte at 60h (60-7F, D1-D4); 0 none
        bool translate_break_pending = false;   // an F0 seen by the translation
        struct Reply {
            std::uint8_t byte = 0;
            Source source = Source::Controller;
            friend bool operator==(const Reply&, const Reply&) = default;
        };
        std::deque<Reply> replies;         // controller replies waiting for the output buffer
        bool irq1_level = false, irq12_level = false;  // the levels last driven
        friend bool operator==(const State&, const State&) = default;
    };

    // Empty callbacks are allowed (nothing is told).
    explicit Kbc8042(Wiring wiring);

    void attach(IoPortMap& ports);  // claims 60h and 64h (8-bit)

    std::uint8_t read_port(std::uint16_t port);
    void write_port(std::uint16_t port, std::uint8_t value);

    // The devices, for the host side (key_down, move, ...). After feeding them call poll(), which
    // moves data into a free output buffer and raises the IRQ.
    Ps2Keyboard& keyboard() { return keyboard_; }
    Ps2Mouse& mouse() { return mouse_; }
    void poll();

    // Host conveniences: feed the device and poll().
    void key_down(std::span<const std::uint8_t> set2_make) { keyboard_.key_down(set2_make); poll(); }
    void key_up(std::span<const std::uint8_t> set2_make) { keyboard_.key_up(set2_make); poll(); }
    void press_pause() { keyboard_.press_pause(); poll(); }
    void mouse_move(int dx, int dy, int dz, std::uint8_t buttons) { mouse_.move(dx, dy, dz, buttons); poll(); }
    void press_print_screen() { keyboard_.press_print_screen(); poll(); }
    void release_print_screen() { keyboard_.release_print_screen(); poll(); }

    // Called (from inside the IN) whenever the guest reads a keyboard byte from port 60h: the
    // host side measures input latency with it. Wiring, not state: no snapshot holds it.
    void set_keyboard_read_observer(std::function<void()> observer) { keyboard_read_observer_ = std::move(observer); }

    // Machine reset (power-on state of controller, keyboard and mouse); the IRQ lines drop. The
    // A20 and reset callbacks are not called: whoever resets the machine resets the gate.
    void reset();

    bool a20() const { return (state_.output_port & kOutA20) != 0; }
    std::uint8_t command_byte() const { return state_.ram[0]; }
    std::uint8_t status() const;

    const State& state() const { return state_; }
    State& state() { return state_; }
    // After state() (or a device's state) was overwritten: drive the IRQ lines to match.
    void state_restored();

private:
    void controller_command(std::uint8_t command);
    void command_data(std::uint8_t command, std::uint8_t value);
    void reply(std::uint8_t byte, Source source = Source::Controller);
    void write_output_port(std::uint8_t value);
    void update_irqs();

    Wiring wiring_;
    State state_;
    Ps2Keyboard keyboard_;
    Ps2Mouse mouse_;
    std::function<void()> keyboard_read_observer_;
};

}  // namespace x86emu
