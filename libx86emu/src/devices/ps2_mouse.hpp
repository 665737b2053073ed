// x86emu devices — a PS/2 mouse (IBM PS/2 Hardware Interface Technical Reference, "Pointing
// Device"), optionally answering as a Microsoft IntelliMouse (wheel, 4-byte packets).
//
// Commands: FF reset -> FA AA 00; FE resend; F6 set defaults; F5 disable / F4 enable data
// reporting; F3 xx set sample rate; F2 read device type -> 00, or 03 once the sample-rate
// sequence 200, 100, 80 has been set (IntelliMouse); F0 remote mode; EE wrap mode / EC reset
// wrap mode; EB read data (a packet, in any mode); EA stream mode; E9 status request (3 bytes);
// E8 xx set resolution (0-3); E7 / E6 scaling 2:1 / 1:1. Anything else, or a bad parameter,
// is answered FE.
//
// Movement packets: byte 0 = buttons (bit 0 left, 1 right, 2 middle), bit 3 always 1, bits 4/5
// the X/Y sign, bits 6/7 the X/Y overflow; bytes 1 and 2 the low 8 bits of the 9-bit X and Y
// counts (clamped to -256..255 when they overflow); with the IntelliMouse ID a fourth byte, the
// wheel count (-8..7). In stream mode with reporting enabled every move() sends a packet (2:1
// scaling applied); in remote mode the counts accumulate until EB.
//
// Not implemented: the 5-button IntelliMouse Explorer ID (04, sequence 200-200-80); sample-rate
// pacing (packets go out as the host reports movement); the serial link timing.
#pragma once
#include <cstdint>
#include <deque>

namespace x86emu {

class Ps2Mouse {
public:
    static constexpr std::size_t kBufferBytes = 64;  // room for 16 packets of 4 bytes
    static constexpr std::uint8_t kAck = 0xFA, kResend = 0xFE;
    static constexpr std::uint8_t kButtonLeft = 1, kButtonRight = 2, kButtonMiddle = 4;

    struct State {
        bool reporting = false;        // F4 / F5
        bool remote = false;           // F0 remote / EA stream
        bool wrap = false;             // EE / EC
        bool scaling_2to1 = false;     // E7 / E6
        std::uint8_t sample_rate = 100;
        std::uint8_t resolution = 2;   // 0-3: 1, 2, 4, 8 counts/mm
        std::uint8_t device_id = 0;    // 0, or 3 (IntelliMouse)
        std::uint8_t rate_history[3] = {0, 0, 0};  // the last three sample rates set, oldest first
        std::uint8_t buttons = 0;
        std::int32_t dx = 0, dy = 0, dz = 0;       // counts not yet reported (remote mode)
        std::uint8_t awaiting = 0;     // F3 or E8 waiting for its parameter; 0 none
        std::uint8_t last_sent = kAck;
        std::deque<std::uint8_t> output;
        friend bool operator==(const State&, const State&) = default;
    };

    Ps2Mouse() = default;

    void receive(std::uint8_t byte);  // a byte the controller sends (8042 command D4)
    bool has_output() const { return !state_.output.empty(); }
    std::uint8_t take_output();

    // Host side: relative motion in mouse counts, dy positive = away from the user (up), dz
    // positive = wheel turned towards the user; `buttons` a mask of kButton*. A packet that
    // does not fit in the buffer is dropped (its motion is lost, as a mouse whose host stops
    // reading loses it).
    void move(int dx, int dy, int dz, std::uint8_t buttons);

    void reset() { state_ = State{}; }
    const State& state() const { return state_; }
    State& state() { return state_; }

private:
    void send(std::uint8_t byte);
    void send_packet(int dx, int dy, int dz);
    void set_defaults();
    void command(std::uint8_t byte);

    State state_;
};

}  // namespace x86emu
