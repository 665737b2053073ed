// x86emu devices — the PS/2 keyboard (ps2_keyboard.hpp). Command semantics after the IBM PS/2
// Hardware Interface Technical Reference, "Keyboards (101- and 102-Key)", "Commands from the
// System" and "Commands to the System"; the set-1/set-2 code pairs are those of its scan code
// tables (keyboard positions of the 101/102-key layout plus the three Windows keys).
#include "devices/ps2_keyboard.hpp"
#include "devices/ps2_output.hpp"

#include <array>
#include <stdexcept>

namespace x86emu {
namespace {

// {set-2 code, set-1 code} of every key position (E0-prefixed keys reuse these: E0 14 is E0 1D,
// right Ctrl). Codes of keys beyond a 104-key keyboard are not listed and pass unchanged.
constexpr std::uint8_t kCodePairs[][2] = {
    {0x76, 0x01}, {0x16, 0x02}, {0x1E, 0x03}, {0x26, 0x04}, {0x25, 0x05}, {0x2E, 0x06}, {0x36, 0x07},
    {0x3D, 0x08}, {0x3E, 0x09}, {0x46, 0x0A}, {0x45, 0x0B}, {0x4E, 0x0C}, {0x55, 0x0D}, {0x66, 0x0E},
    {0x0D, 0x0F}, {0x15, 0x10}, {0x1D, 0x11}, {0x24, 0x12}, {0x2D, 0x13}, {0x2C, 0x14}, {0x35, 0x15},
    {0x3C, 0x16}, {0x43, 0x17}, {0x44, 0x18}, {0x4D, 0x19}, {0x54, 0x1A}, {0x5B, 0x1B}, {0x5A, 0x1C},
    {0x14, 0x1D}, {0x1C, 0x1E}, {0x1B, 0x1F}, {0x23, 0x20}, {0x2B, 0x21}, {0x34, 0x22}, {0x33, 0x23},
    {0x3B, 0x24}, {0x42, 0x25}, {0x4B, 0x26}, {0x4C, 0x27}, {0x52, 0x28}, {0x0E, 0x29}, {0x12, 0x2A},
    {0x5D, 0x2B}, {0x1A, 0x2C}, {0x22, 0x2D}, {0x21, 0x2E}, {0x2A, 0x2F}, {0x32, 0x30}, {0x31, 0x31},
    {0x3A, 0x32}, {0x41, 0x33}, {0x49, 0x34}, {0x4A, 0x35}, {0x59, 0x36}, {0x7C, 0x37}, {0x11, 0x38},
    {0x29, 0x39}, {0x58, 0x3A}, {0x05, 0x3B}, {0x06, 0x3C}, {0x04, 0x3D}, {0x0C, 0x3E}, {0x03, 0x3F},
    {0x0B, 0x40}, {0x83, 0x41}, {0x0A, 0x42}, {0x01, 0x43}, {0x09, 0x44}, {0x77, 0x45}, {0x7E, 0x46},
    {0x6C, 0x47}, {0x75, 0x48}, {0x7D, 0x49}, {0x7B, 0x4A}, {0x6B, 0x4B}, {0x73, 0x4C}, {0x74, 0x4D},
    {0x79, 0x4E}, {0x69, 0x4F}, {0x72, 0x50}, {0x7A, 0x51}, {0x70, 0x52}, {0x71, 0x53}, {0x84, 0x54},
    {0x61, 0x56}, {0x78, 0x57}, {0x07, 0x58}, {0x1F, 0x5B}, {0x27, 0x5C}, {0x2F, 0x5D},
    {0x00, 0xFF},  // overrun / key detection error
};

constexpr std::array<std::uint8_t, 256> make_translation() {
    std::array<std::uint8_t, 256> table{};
    for (unsigned k = 0; k < 256; ++k) table[k] = static_cast<std::uint8_t>(k);
    for (const auto& pair : kCodePairs) table[pair[0]] = pair[1];
    return table;
}
constexpr std::array<std::uint8_t, 256> kSet2ToSet1 = make_translation();

constexpr std::uint8_t kBreakPrefix = 0xF0, kExtendedPrefix = 0xE0, kPausePrefix = 0xE1;

}  // namespace

void check_set2_make(std::span<const std::uint8_t> make) {
    const bool plain = make.size() == 1;
    const bool extended = make.size() == 2 && make[0] == kExtendedPrefix;
    if (!plain && !extended)
        throw std::invalid_argument("ps2 keyboard: a key's set-2 make sequence is {code} or {0xE0, code}");
    const std::uint8_t code = make.back();
    if (code >= 0x80 && code != 0x83 && code != 0x84)  // F7 (83) and Alt+SysRq (84) are the only codes above 7F
        throw std::invalid_argument("ps2 keyboard: set-2 make code out of range");
    if (code == kExtendedPrefix || code == kPausePrefix || code == kBreakPrefix)
        throw std::invalid_argument("ps2 keyboard: a prefix byte is not a make code");
}

int set2_to_set1(std::uint8_t byte, bool& break_pending) {
    if (byte == kBreakPrefix) {
        break_pending = true;
        return -1;
    }
    std::uint8_t out = kSet2ToSet1[byte];
    if (break_pending) out = static_cast<std::uint8_t>(out | 0x80);
    break_pending = false;
    return out;
}

std::uint8_t Ps2Keyboard::take_output() { return ps2_take_output(state_.output); }

void Ps2Keyboard::send(std::uint8_t byte) { ps2_send(state_.output, state_.last_sent, kBufferBytes, byte); }

void Ps2Keyboard::send_sequence(std::span<const std::uint8_t> set2_bytes) {
    if (!state_.scanning) return;
    // Converted first, so that the room check sees the bytes that will really be queued.
    std::array<std::uint8_t, 16> bytes{};
    std::size_t count = 0;
    bool break_pending = false;
    for (const std::uint8_t b : set2_bytes) {
        if (state_.scancode_set == 2) {
            bytes[count++] = b;
        } else if (const int translated = set2_to_set1(b, break_pending); translated >= 0) {
            bytes[count++] = static_cast<std::uint8_t>(translated);
        }
    }
    // Overrun: the last place of the buffer is kept for the overrun code, which replaces what
    // does not fit (once, until the buffer has room again).
    if (state_.output.size() + count > kBufferBytes - 1) {
        const std::uint8_t overrun = state_.scancode_set == 2 ? 0x00 : 0xFF;
        if (state_.output.size() < kBufferBytes && (state_.output.empty() || state_.output.back() != overrun))
            state_.output.push_back(overrun);
        return;
    }
    for (std::size_t k = 0; k < count; ++k) state_.output.push_back(bytes[k]);
    if (count != 0) state_.last_sent = bytes[count - 1];
}

void Ps2Keyboard::key_down(std::span<const std::uint8_t> set2_make) {
    check_set2_make(set2_make);
    send_sequence(set2_make);
}

void Ps2Keyboard::key_up(std::span<const std::uint8_t> set2_make) {
    check_set2_make(set2_make);
    std::array<std::uint8_t, 3> seq{};
    std::size_t n = 0;
    if (set2_make.size() == 2) seq[n++] = kExtendedPrefix;
    seq[n++] = kBreakPrefix;
    seq[n++] = set2_make.back();
    send_sequence(std::span<const std::uint8_t>(seq.data(), n));
}

void Ps2Keyboard::press_pause() { send_sequence(kSet2PauseMake); }
void Ps2Keyboard::press_print_screen() { send_sequence(kSet2PrintScreenMake); }
void Ps2Keyboard::release_print_screen() { send_sequence(kSet2PrintScreenBreak); }

void Ps2Keyboard::set_defaults() {
    state_.typematic = State{}.typematic;
    state_.scancode_set = 2;
    state_.output.clear();  // F5/F6 clear the output buffer
}

void Ps2Keyboard::receive(std::uint8_t byte) {
    if (const std::uint8_t awaiting = state_.awaiting; awaiting != 0) {
        state_.awaiting = 0;
        // A command byte instead of the expected parameter starts that command.
        const bool valid = awaiting == 0xF0 ? byte <= 3 : byte < 0x80;
        if (valid) {
            switch (awaiting) {
            case 0xED: state_.leds = byte & 0x07; send(kAck); return;
            case 0xF3: state_.typematic = byte; send(kAck); return;
            case 0xF0:
                if (byte == 0) {
                    send(kAck);
                    send(state_.scancode_set);
                } else if (byte == 3) {
                    send(kResend);  // no set 3 on this keyboard
                } else {
                    state_.output.clear();
                    state_.scancode_set = byte;
                    send(kAck);
                }
                return;
            default: break;
            }
        }
        if (awaiting == 0xF0 && byte < 0x80) {
            send(kResend);
            return;
        }
    }
    command(byte);
}

void Ps2Keyboard::command(std::uint8_t byte) {
    switch (byte) {
    case 0xED: case 0xF0: case 0xF3:
        state_.awaiting = byte;
        send(kAck);
        break;
    case 0xEE: send(kEcho); break;
    case 0xF2: send(kAck); send(0xAB); send(0x83); break;
    case 0xF4: state_.scanning = true; send(kAck); break;
    case 0xF5: set_defaults(); state_.scanning = false; send(kAck); break;
    case 0xF6: set_defaults(); state_.scanning = true; send(kAck); break;
    case 0xF7: case 0xF8: case 0xF9: case 0xFA: case 0xFB: case 0xFC: case 0xFD:
        send(kAck);  // set-3 key type commands: accepted, meaningless without set 3
        break;
    case 0xFE: {
        const std::uint8_t again = state_.last_sent;
        if (state_.output.size() < kBufferBytes) state_.output.push_back(again);
        break;
    }
    case 0xFF:
        reset();
        state_.output.clear();
        send(kAck);
        send(kBatOk);
        break;
    default: send(kResend); break;  // not a command: ask again
    }
}

}  // namespace x86emu
