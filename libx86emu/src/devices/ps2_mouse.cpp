// x86emu devices — the PS/2 mouse (ps2_mouse.hpp). Command set and packet format after the
// IBM PS/2 Hardware Interface Technical Reference, "Pointing Device"; the IntelliMouse wheel
// extension after Microsoft's documented detection sequence (sample rates 200, 100, 80, then
// read ID 03; packets grow a fourth byte holding the wheel count).
#include "devices/ps2_mouse.hpp"
#include "devices/ps2_output.hpp"

#include <algorithm>
#include <array>

namespace x86emu {
namespace {

// 2:1 scaling as the reference tabulates it for stream mode: 0, 1, 1, 3, 6, 9, then 2 x count.
int scale_2to1(int count) {
    static constexpr int kSmall[6] = {0, 1, 1, 3, 6, 9};
    const int magnitude = count < 0 ? -count : count;
    const int scaled = magnitude < 6 ? kSmall[magnitude] : 2 * magnitude;
    return count < 0 ? -scaled : scaled;
}

}  // namespace

std::uint8_t Ps2Mouse::take_output() { return ps2_take_output(state_.output); }

void Ps2Mouse::send(std::uint8_t byte) { ps2_send(state_.output, state_.last_sent, kBufferBytes, byte); }

void Ps2Mouse::send_packet(int dx, int dy, int dz) {
    const bool wheel = state_.device_id == 3;
    const std::size_t bytes = wheel ? 4 : 3;
    if (state_.output.size() + bytes > kBufferBytes) return;
    const bool x_overflow = dx < -256 || dx > 255, y_overflow = dy < -256 || dy > 255;
    dx = std::clamp(dx, -256, 255);
    dy = std::clamp(dy, -256, 255);
    const std::uint8_t head = static_cast<std::uint8_t>((state_.buttons & 0x07) | 0x08 | (dx < 0 ? 0x10 : 0) |
                                                        (dy < 0 ? 0x20 : 0) | (x_overflow ? 0x40 : 0) |
                                                        (y_overflow ? 0x80 : 0));
    state_.output.push_back(head);
    state_.output.push_back(static_cast<std::uint8_t>(dx & 0xFF));
    state_.output.push_back(static_cast<std::uint8_t>(dy & 0xFF));
    state_.last_sent = static_cast<std::uint8_t>(dy & 0xFF);
    if (wheel) {
        const int z = std::clamp(dz, -8, 7);
        state_.output.push_back(static_cast<std::uint8_t>(z & 0xFF));
        state_.last_sent = static_cast<std::uint8_t>(z & 0xFF);
    }
}

void Ps2Mouse::move(int dx, int dy, int dz, std::uint8_t buttons) {
    // Counts are kept within a range wider than a packet can carry, so that sums cannot overflow.
    constexpr std::int32_t kLimit = 1 << 20;
    state_.buttons = buttons & 0x07;
    state_.dx = std::clamp<std::int32_t>(state_.dx + std::clamp(dx, -kLimit, kLimit), -kLimit, kLimit);
    state_.dy = std::clamp<std::int32_t>(state_.dy + std::clamp(dy, -kLimit, kLimit), -kLimit, kLimit);
    state_.dz = std::clamp<std::int32_t>(state_.dz + std::clamp(dz, -kLimit, kLimit), -kLimit, kLimit);
    if (state_.remote || state_.wrap) return;
    if (state_.reporting) {
        const int x = state_.scaling_2to1 ? scale_2to1(state_.dx) : state_.dx;
        const int y = state_.scaling_2to1 ? scale_2to1(state_.dy) : state_.dy;
        send_packet(x, y, state_.dz);
    }
    state_.dx = state_.dy = state_.dz = 0;  // with reporting off, stream mode motion is not kept
}

void Ps2Mouse::set_defaults() {
    state_.sample_rate = 100;
    state_.resolution = 2;
    state_.scaling_2to1 = false;
    state_.reporting = false;
    state_.remote = false;
    state_.dx = state_.dy = state_.dz = 0;
    state_.output.clear();
}

void Ps2Mouse::receive(std::uint8_t byte) {
    if (state_.wrap && byte != 0xEC && byte != 0xFF) {
        send(byte);  // wrap mode echoes everything but "reset wrap mode" and "reset"
        return;
    }
    if (const std::uint8_t awaiting = state_.awaiting; awaiting != 0) {
        state_.awaiting = 0;
        if (awaiting == 0xE8) {
            if (byte > 3) {
                send(kResend);
                return;
            }
            state_.resolution = byte;
            send(kAck);
            return;
        }
        // F3: the valid rates are 10, 20, 40, 60, 80, 100 and 200.
        static constexpr std::array<std::uint8_t, 7> kRates = {10, 20, 40, 60, 80, 100, 200};
        if (std::find(kRates.begin(), kRates.end(), byte) == kRates.end()) {
            send(kResend);
            return;
        }
        state_.sample_rate = byte;
        state_.rate_history[0] = state_.rate_history[1];
        state_.rate_history[1] = state_.rate_history[2];
        state_.rate_history[2] = byte;
        if (state_.rate_history[0] == 200 && state_.rate_history[1] == 100 && state_.rate_history[2] == 80)
            state_.device_id = 3;
        send(kAck);
        return;
    }
    command(byte);
}

void Ps2Mouse::command(std::uint8_t byte) {
    switch (byte) {
    case 0xE6: state_.scaling_2to1 = false; send(kAck); break;
    case 0xE7: state_.scaling_2to1 = true; send(kAck); break;
    case 0xE8: case 0xF3: state_.awaiting = byte; send(kAck); break;
    case 0xE9: {
        const std::uint8_t b = state_.buttons;
        // Status byte 1: bit 6 remote, 5 enabled, 4 scaling 2:1, 2 left, 1 middle, 0 right.
        const std::uint8_t status = static_cast<std::uint8_t>(
            (state_.remote ? 0x40 : 0) | (state_.reporting ? 0x20 : 0) | (state_.scaling_2to1 ? 0x10 : 0) |
            ((b & kButtonLeft) ? 0x04 : 0) | ((b & kButtonMiddle) ? 0x02 : 0) | ((b & kButtonRight) ? 0x01 : 0));
        send(kAck);
        send(status);
        send(state_.resolution);
        send(state_.sample_rate);
        break;
    }
    case 0xEA: state_.remote = false; state_.dx = state_.dy = state_.dz = 0; send(kAck); break;
    case 0xEB:
        send(kAck);
        send_packet(state_.dx, state_.dy, state_.dz);
        state_.dx = state_.dy = state_.dz = 0;
        break;
    case 0xEC: state_.wrap = false; send(kAck); break;
    case 0xEE: state_.wrap = true; state_.dx = state_.dy = state_.dz = 0; send(kAck); break;
    case 0xF0: state_.remote = true; state_.dx = state_.dy = state_.dz = 0; send(kAck); break;
    case 0xF2: send(kAck); send(state_.device_id); break;
    case 0xF4: state_.reporting = true; send(kAck); break;
    case 0xF5: state_.reporting = false; send(kAck); break;
    case 0xF6: set_defaults(); send(kAck); break;
    case 0xFE: {
        const std::uint8_t again = state_.last_sent;
        if (state_.output.size() < kBufferBytes) state_.output.push_back(again);
        break;
    }
    case 0xFF:
        reset();
        send(kAck);
        send(0xAA);  // BAT completed
        send(0x00);  // device ID
        break;
    default: send(kResend); break;
    }
}

}  // namespace x86emu
