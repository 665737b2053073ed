// x86emu — a 16550A UART (COM1 at 3F8h/IRQ4, COM2 at 2F8h/IRQ3 on a PC), after the National
// Semiconductor / TI PC16550D datasheet ("Universal Asynchronous Receiver/Transmitter with FIFOs"):
//   * Table II, registers: RBR/THR, IER, IIR/FCR, LCR, MCR, LSR, MSR, SCR at offsets 0-7 and the
//     divisor latch DLL/DLM at offsets 0/1 while LCR.DLAB = 1;
//   * 8.4 FCR: FIFO enable (a change of bit 0 empties both FIFOs), receiver/transmitter FIFO reset,
//     receiver trigger level 1/4/8/14; other FCR bits are not programmed while bit 0 is written 0;
//   * 8.5 IIR (Table IV): priorities RLS > RDA / character timeout > THRE > modem status, bits
//     6-7 = 11b in FIFO mode; 8.6 IER; 8.6.1 FIFO interrupt mode (trigger level, the character
//     timeout after 4 character times without FIFO activity); the THRE interrupt is set when the
//     transmitter holding register (FIFO) empties or when ETBEI is enabled with it empty, and
//     cleared by reading IIR while THRE is the source, or by writing THR;
//   * 8.7 MCR: DTR, RTS, OUT1, OUT2, LOOP; loopback: the transmitter shift register feeds the
//     receiver, SIN is disconnected, MSR bits 4-7 mirror RTS, DTR, OUT1, OUT2;
//   * 8.8 LSR: DR, OE, BI, THRE, TEMT, bit 7 (an error in the receiver FIFO); reading LSR clears
//     bits 1-4 and the RLS interrupt; 8.9 MSR with the delta bits (DCTS, DDSR, TERI, DDCD),
//     cleared by reading MSR; 8.10 SCR.
// Timing is emulated time at the programmed baud rate, 1.8432 MHz / (16 x divisor): a character
// occupies the line for start + data + parity + stop bits. Events are scheduled only while a
// character is being shifted out, host input is being fed in, or a character timeout is armed
// with its interrupt enabled; nothing ticks.
//
// The PC wiring: the chip's INTRPT reaches the ISA IRQ line through a driver enabled by the OUT2
// pin, so the IrqLine is high only while an enabled interrupt is pending, MCR.OUT2 = 1 and
// MCR.LOOP = 0 (loopback forces the modem outputs, OUT2 included, inactive).
//
// Not implemented: parity and framing errors (PE and FE stay 0: host bytes are always clean),
// sending a break (LCR bit 6 is stored only), the DMA mode signals (FCR bit 3 stored only), the
// 16750's 64-byte FIFO. Reset values: divisor 12 (9600 baud) instead of "undefined".
//
// Host side:
//   * output: every character the transmitter finishes (not in loopback) goes to the callback
//     given by set_output(), on the CPU's thread, cut to the programmed word length;
//   * input: host_input() is a thread-safe queue (a mutex around a deque, at most
//     kHostQueueCapacity bytes; bytes beyond that are refused and counted). The device drains it
//     at the line rate, one character per character time, and only while the receiver has room
//     (the FIFO has fewer than 16 bytes, or RBR is empty without FIFOs): pasting a lot of text
//     never overruns the receiver, it waits in the host queue until the guest reads. The queue is
//     looked at from the CPU's thread only in poll_host_input() (the platform or the frontend
//     calls it between run slices) and from the feed event itself, so the pushing thread never
//     touches the Scheduler; a notifier (HostInputQueue::set_notifier) called after each push on
//     the pushing thread can end the running slice early (Machine::request_stop is thread-safe)
//     for a lower latency.
//   * receive_line_byte() models a character arriving on the wire right now (no flow control:
//     it can overrun, setting OE), for tests and embedders that time the line themselves.
#pragma once
#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <span>

#include "devices/irq_line.hpp"
#include "x86emu/io_ports.hpp"
#include "x86emu/scheduler.hpp"

namespace x86emu::devices {

// Thread-safe byte queue from the host (a terminal's stdin thread) to a UART.
class HostInputQueue {
public:
    explicit HostInputQueue(std::size_t capacity) : capacity_(capacity) {}
    // Appends as many bytes as fit under the capacity; returns how many were taken (the rest are
    // counted in dropped()). Any thread. Calls the notifier (outside the lock) if anything was
    // taken.
    std::size_t push(std::span<const std::uint8_t> bytes);
    // Removes and returns the oldest byte; nullopt when empty. Any thread.
    std::optional<std::uint8_t> pop();
    bool empty() const;
    std::size_t size() const;
    std::uint64_t dropped() const;
    void clear();
    // Called after a push that took bytes, on the pushing thread; it must be thread-safe itself
    // (e.g. Machine::request_stop). Set it before other threads push.
    void set_notifier(std::function<void()> notifier);

private:
    mutable std::mutex mutex_;
    std::deque<std::uint8_t> bytes_;
    std::size_t capacity_;
    std::uint64_t dropped_ = 0;
    std::function<void()> notifier_;
};

class Uart16550 {
public:
    static constexpr std::size_t kFifoDepth = 16;
    static constexpr std::size_t kHostQueueCapacity = 1 << 20;  // 1 MiB of pending host input
    static constexpr std::uint32_t kInputClockHz = 1'843'200;   // the PC's UART crystal

    // Register offsets from the base port.
    enum Register : std::uint8_t { kData = 0, kIer = 1, kIirFcr = 2, kLcr = 3, kMcr = 4, kLsr = 5, kMsr = 6, kScr = 7 };

    // One receiver FIFO entry: the character and its error bits (LSR bit positions, only BI here).
    struct RxEntry {
        std::uint8_t data = 0;
        std::uint8_t errors = 0;
        friend bool operator==(const RxEntry&, const RxEntry&) = default;
    };

    // Everything the guest can observe, plus the absolute deadlines of pending events.
    struct State {
        std::uint16_t divisor = 12;
        std::uint8_t ier = 0, lcr = 0, mcr = 0, scr = 0;
        std::uint8_t fcr = 0;            // the programmed bits: 0 FIFO enable, 3 DMA mode, 6-7 trigger
        std::uint8_t lsr_errors = 0;     // OE, PE, FE, BI (LSR bits 1-4), cleared by reading LSR
        std::uint8_t msr_deltas = 0;     // DCTS, DDSR, TERI, DDCD (MSR bits 0-3), cleared by reading MSR
        std::uint8_t msr_lines = 0;      // CTS, DSR, RI, DCD as MSR bits 4-7 (effective: loopback or inputs)
        std::uint8_t modem_inputs = 0xB0;  // the host side's CTS, DSR, RI, DCD (MSR bit positions)
        bool thre_interrupt = false;     // the THRE interrupt latch (see the header comment)
        std::array<RxEntry, kFifoDepth> rx{};
        std::uint8_t rx_head = 0, rx_count = 0;
        std::array<std::uint8_t, kFifoDepth> tx{};
        std::uint8_t tx_head = 0, tx_count = 0;
        bool shifting = false;           // the transmitter shift register holds a character
        std::uint8_t shift_data = 0;
        std::uint64_t last_rx_activity = 0;  // cycle of the last character received or read
        std::optional<std::uint64_t> tx_done_at;      // the shifting character leaves the line
        std::optional<std::uint64_t> rx_feed_at;      // the next host byte arrives
        std::optional<std::uint64_t> rx_timeout_at;   // the character timeout becomes due
        friend bool operator==(const State&, const State&) = default;
    };

    // `irq`: the ISA IRQ line (may be empty: no interrupt output).
    Uart16550(Scheduler& scheduler, IrqLine irq);
    ~Uart16550();
    Uart16550(const Uart16550&) = delete;
    Uart16550& operator=(const Uart16550&) = delete;

    // Claims base..base+7 as an 8-bit ISA device (std::invalid_argument if taken).
    void attach(IoPortMap& ports, std::uint16_t base);

    // Register access at `offset` 0-7 (higher bits ignored), as the guest's IN/OUT.
    std::uint8_t read(std::uint8_t offset);
    void write(std::uint8_t offset, std::uint8_t value);

    // Power-on / MR pin: every register to its reset value, FIFOs and host queue left alone
    // (the host queue is the host's), pending events cancelled.
    void reset();

    // ---- host side ----
    void set_output(std::function<void(std::uint8_t)> output) { output_ = std::move(output); }
    HostInputQueue& host_input() { return host_input_; }
    // CPU thread: starts draining the host queue if it has bytes and is not being drained.
    void poll_host_input();
    // CPU thread: convenience for host_input().push(bytes) then poll_host_input().
    void receive(std::span<const std::uint8_t> bytes);
    // CPU thread: a character (or, with receive_break, a break) arrives on SIN now; it can
    // overrun. Ignored in loopback (SIN is disconnected).
    void receive_line_byte(std::uint8_t byte);
    void receive_break();
    // The modem inputs CTS, DSR, RI, DCD as MSR bits 4-7 (other bits ignored). Default: CTS,
    // DSR and DCD asserted, as a connected terminal.
    void set_modem_inputs(std::uint8_t msr_high_bits);

    // Cycles one character takes on the line at the programmed divisor and frame (LCR).
    std::uint64_t character_cycles() const;
    bool irq_level() const { return irq_level_; }

    // ---- snapshot support ----
    const State& state() const { return state_; }
    // Replaces the state (no events are touched): call rearm_events() and rebuild() after it.
    void set_state(const State& state) { state_ = state; }
    // Schedules the events whose deadlines State records (after a restore).
    void rearm_events();
    // Drives the IRQ line from the state.
    void rebuild();

private:
    bool fifo_enabled() const { return state_.fcr & 1; }
    bool loopback() const { return state_.mcr & 0x10; }
    std::size_t rx_capacity() const { return fifo_enabled() ? kFifoDepth : 1; }
    std::size_t tx_capacity() const { return fifo_enabled() ? kFifoDepth : 1; }
    unsigned rx_trigger() const;
    bool char_timeout_due() const;
    // The pending interrupt as IIR bits 0-3 (1 = none).
    std::uint8_t interrupt_id() const;
    std::uint8_t line_status() const;
    void update_irq();
    // `at`: the cycle the character arrived (an event's scheduled cycle, or now).
    void push_rx(std::uint8_t data, std::uint8_t errors, std::uint64_t at);
    std::uint8_t pop_rx();
    void note_rx_activity(std::uint64_t at);
    void arm_rx_timeout();
    void start_transmitter(std::uint64_t at);
    void on_tx_done(std::uint64_t cycle);
    void on_rx_feed(std::uint64_t cycle);
    void on_rx_timeout(std::uint64_t cycle);
    void schedule_feed(std::uint64_t cycle);
    void update_modem_lines();
    void write_fcr(std::uint8_t value);
    void reset_rx_fifo();
    void reset_tx_fifo();
    void cancel_events();

    Scheduler& scheduler_;
    IrqLine irq_;
    State state_;
    bool irq_level_ = false;
    EventId tx_done_event_, rx_feed_event_, rx_timeout_event_;
    std::function<void(std::uint8_t)> output_;
    HostInputQueue host_input_{kHostQueueCapacity};
};

}  // namespace x86emu::devices
