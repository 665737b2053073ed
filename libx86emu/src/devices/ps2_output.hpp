// x86emu devices — the output side every PS/2 device has (IBM PS/2 Technical Reference, keyboard
// and auxiliary device interfaces): a bounded FIFO of bytes for the controller, oldest first, and
// the last byte sent, which the Resend command (FEh) repeats. One copy for the keyboard and the
// mouse; each keeps the FIFO and the byte in its own plain State.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>

namespace x86emu {

// The next byte for the controller, or 0 when there is none.
inline std::uint8_t ps2_take_output(std::deque<std::uint8_t>& output) {
    if (output.empty()) return 0;
    const std::uint8_t byte = output.front();
    output.pop_front();
    return byte;
}

// Queues `byte` (dropped when `capacity` bytes already wait, as the device's buffer overflows)
// and remembers it for Resend.
inline void ps2_send(std::deque<std::uint8_t>& output, std::uint8_t& last_sent, std::size_t capacity,
                     std::uint8_t byte) {
    last_sent = byte;
    if (output.size() < capacity) output.push_back(byte);
}

}  // namespace x86emu
