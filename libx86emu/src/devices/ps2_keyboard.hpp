// x86emu devices — a PS/2 (MF II) keyboard as the 8042 keyboard controller sees it, after the
// IBM PS/2 Hardware Interface Technical Reference, "Keyboards (101- and 102-Key)": the commands
// a system sends (ED set LEDs, EE echo, F0 select scan code set, F2 read ID -> AB 83, F3 set
// typematic rate/delay, F4 enable, F5 default disable, F6 set default, F7-FD set-3 key types,
// FE resend, FF reset -> FA AA), its answers (FA acknowledge, FE resend, EE echo, AA BAT
// completion, 00 overrun in set 2 / FF in set 1) and its output buffer of 16 bytes.
//
// Keys come from the host as PS/2 scan code set 2 *make* sequences (one byte, or E0 and a byte);
// the keyboard derives break sequences (F0 before the last byte) and, when scan code set 1 is
// selected, sends the set-1 form (set2_to_set1 below, the same table the 8042 uses to
// translate). Pause and Print Screen have their documented multi-byte sequences
// (kSet2PauseMake, press_print_screen).
//
// Not implemented: scan code set 3 (F0 03 is answered FE, as on keyboards without set 3);
// typematic repeat (the rate is stored and reported, but the host sends repeated makes itself);
// the timing of the serial link (bytes are available to the controller at once).
#pragma once
#include <cstdint>
#include <deque>
#include <span>

namespace x86emu {

// The 8042's scan code translation (set 2 as the keyboard sends it -> set 1 as the system sees
// it) for one byte: 0xF0 (the set-2 break prefix) yields nothing and sets `break_pending`, which
// puts bit 7 into the next translated byte. Returns -1 when nothing is passed on.
int set2_to_set1(std::uint8_t byte, bool& break_pending);

// Whether `make` is one key's set-2 make sequence as key_down takes it: {code} or {0xE0, code},
// code below 0x80 (or F7's 83h, Alt+SysRq's 84h) and no prefix byte; std::invalid_argument
// saying what is wrong otherwise.
void check_set2_make(std::span<const std::uint8_t> make);

// Documented multi-byte keys (set 2): Pause has no break sequence; Print Screen (unshifted)
// is E0 12 E0 7C to make and E0 F0 7C E0 F0 12 to break.
inline constexpr std::uint8_t kSet2PauseMake[8] = {0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77};
inline constexpr std::uint8_t kSet2PrintScreenMake[4] = {0xE0, 0x12, 0xE0, 0x7C};
inline constexpr std::uint8_t kSet2PrintScreenBreak[6] = {0xE0, 0xF0, 0x7C, 0xE0, 0xF0, 0x12};

class Ps2Keyboard {
public:
    static constexpr std::size_t kBufferBytes = 16;  // the keyboard's own output buffer
    static constexpr std::uint8_t kAck = 0xFA, kResend = 0xFE, kEcho = 0xEE, kBatOk = 0xAA;

    struct State {
        bool scanning = true;            // F4 enable / F5 disable
        std::uint8_t scancode_set = 2;   // 1 or 2
        std::uint8_t leds = 0;           // ED: bit 0 Scroll, 1 Num, 2 Caps Lock
        std::uint8_t typematic = 0x2B;   // F3: 10.9 characters/s, 500 ms (the default)
        std::uint8_t awaiting = 0;       // a command (ED, F0, F3) waiting for its parameter; 0 none
        std::uint8_t last_sent = kAck;   // for FE (resend)
        std::deque<std::uint8_t> output; // bytes for the controller, oldest first
        friend bool operator==(const State&, const State&) = default;
    };

    Ps2Keyboard() = default;

    // A byte the controller sends to the keyboard (a command or a command's parameter).
    void receive(std::uint8_t byte);
    // The controller takes bytes one at a time when its output buffer is free.
    bool has_output() const { return !state_.output.empty(); }
    std::uint8_t take_output();

    // Host side. `set2_make` is one key's set-2 make sequence: {code} or {0xE0, code} with code
    // below 0x80 and neither 0xE0, 0xE1 nor 0xF0 (std::invalid_argument otherwise; use
    // press_pause / press_print_screen for those keys). Keys are dropped while scanning is
    // disabled; a sequence that does not fit in the buffer is dropped whole and an overrun code
    // is queued in its place (if it fits).
    void key_down(std::span<const std::uint8_t> set2_make);
    void key_up(std::span<const std::uint8_t> set2_make);
    void press_pause();
    void press_print_screen();
    void release_print_screen();

    // Power-on state (and the effect of FF after the ACK).
    void reset() { state_ = State{}; }

    const State& state() const { return state_; }
    State& state() { return state_; }

private:
    void send(std::uint8_t byte);
    void send_sequence(std::span<const std::uint8_t> set2_bytes);
    void set_defaults();
    void command(std::uint8_t byte);

    State state_;
};

}  // namespace x86emu
