// x86emu — the 16550A UART (PC16550D datasheet; what is and is not modelled: uart16550.hpp).
#include "devices/uart16550.hpp"

#include <algorithm>
#include <utility>

namespace x86emu::devices {

namespace {

// LSR bits (datasheet 8.8).
constexpr std::uint8_t kLsrDataReady = 0x01, kLsrOverrun = 0x02, kLsrBreak = 0x10, kLsrThrEmpty = 0x20,
                       kLsrTransmitterEmpty = 0x40, kLsrFifoError = 0x80, kLsrErrorBits = 0x1E;
// IER bits (8.6).
constexpr std::uint8_t kIerRxData = 0x01, kIerThrEmpty = 0x02, kIerLineStatus = 0x04, kIerModemStatus = 0x08;
// IIR interrupt identification (Table IV), bit 0 = 0 meaning "pending".
constexpr std::uint8_t kIirNone = 0x01, kIirLineStatus = 0x06, kIirRxData = 0x04, kIirCharTimeout = 0x0C,
                       kIirThrEmpty = 0x02, kIirModemStatus = 0x00;
// MCR bits (8.7).
constexpr std::uint8_t kMcrDtr = 0x01, kMcrRts = 0x02, kMcrOut1 = 0x04, kMcrOut2 = 0x08, kMcrLoop = 0x10;
// MSR bits (8.9).
constexpr std::uint8_t kMsrCts = 0x10, kMsrDsr = 0x20, kMsrRi = 0x40, kMsrDcd = 0x80;
constexpr std::uint8_t kMsrDcts = 0x01, kMsrDdsr = 0x02, kMsrTeri = 0x04, kMsrDdcd = 0x08;

}  // namespace

// ---- HostInputQueue ------------------------------------------------------------------------

std::size_t HostInputQueue::push(std::span<const std::uint8_t> bytes) {
    std::size_t taken = 0;
    std::function<void()> notifier;
    {
        std::lock_guard lock(mutex_);
        taken = std::min(bytes.size(), capacity_ - std::min(capacity_, bytes_.size()));
        bytes_.insert(bytes_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(taken));
        dropped_ += bytes.size() - taken;
        notifier = notifier_;
    }
    if (taken && notifier) notifier();
    return taken;
}

std::optional<std::uint8_t> HostInputQueue::pop() {
    std::lock_guard lock(mutex_);
    if (bytes_.empty()) return std::nullopt;
    const std::uint8_t byte = bytes_.front();
    bytes_.pop_front();
    return byte;
}

bool HostInputQueue::empty() const {
    std::lock_guard lock(mutex_);
    return bytes_.empty();
}

std::size_t HostInputQueue::size() const {
    std::lock_guard lock(mutex_);
    return bytes_.size();
}

std::uint64_t HostInputQueue::dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
}

void HostInputQueue::clear() {
    std::lock_guard lock(mutex_);
    bytes_.clear();
}

void HostInputQueue::set_notifier(std::function<void()> notifier) {
    std::lock_guard lock(mutex_);
    notifier_ = std::move(notifier);
}

// ---- Uart16550 -----------------------------------------------------------------------------

Uart16550::Uart16550(Scheduler& scheduler, IrqLine irq) : scheduler_(scheduler), irq_(std::move(irq)) {
    reset();
}

Uart16550::~Uart16550() { cancel_events(); }

void Uart16550::attach(IoPortMap& ports, std::uint16_t base) {
    ports.add_isa8(base, static_cast<std::uint16_t>(base + 7),
                   PortHandler{[this, base](std::uint16_t port) { return read(static_cast<std::uint8_t>(port - base)); },
                               [this, base](std::uint16_t port, std::uint8_t value) {
                                   write(static_cast<std::uint8_t>(port - base), value);
                               }});
}

void Uart16550::cancel_events() {
    scheduler_.cancel(tx_done_event_);
    scheduler_.cancel(rx_feed_event_);
    scheduler_.cancel(rx_timeout_event_);
    tx_done_event_ = rx_feed_event_ = rx_timeout_event_ = EventId{};
}

void Uart16550::reset() {
    cancel_events();
    const std::uint8_t inputs = state_.modem_inputs;
    state_ = State{};
    state_.modem_inputs = inputs;
    state_.last_rx_activity = scheduler_.now();
    update_modem_lines();
    state_.msr_deltas = 0;  // MR clears the delta bits
    update_irq();
    // Input that waited in the host queue keeps flowing.
    poll_host_input();
}

std::uint64_t Uart16550::character_cycles() const {
    // Frame in half bits: start, 5-8 data bits, optional parity, 1 stop bit, or 2 (1.5 with
    // 5-bit words).
    const unsigned data_bits = 5 + (state_.lcr & 3);
    const unsigned stop_half_bits = (state_.lcr & 4) ? (data_bits == 5 ? 3 : 4) : 2;
    const unsigned half_bits = 2 * (1 + data_bits + ((state_.lcr & 8) ? 1 : 0)) + stop_half_bits;
    const std::uint64_t divisor = state_.divisor ? state_.divisor : 65536;
    // One bit = 16 * divisor input clocks of 1/1843200 s; cycles = half_bits/2 * 16 * divisor *
    // clock_khz * 1000 / 1843200 = half_bits * divisor * clock_khz * 5 / 1152, rounded up.
    const std::uint64_t numerator = half_bits * divisor * scheduler_.clock_khz() * 5;
    return std::max<std::uint64_t>(1, (numerator + 1151) / 1152);
}

unsigned Uart16550::rx_trigger() const {
    static constexpr unsigned kLevels[4] = {1, 4, 8, 14};
    return kLevels[state_.fcr >> 6];
}

bool Uart16550::char_timeout_due() const {
    return fifo_enabled() && state_.rx_count > 0 &&
           scheduler_.now() >= state_.last_rx_activity + 4 * character_cycles();
}

std::uint8_t Uart16550::line_status() const {
    std::uint8_t lsr = state_.lsr_errors;
    if (state_.rx_count) lsr |= kLsrDataReady;
    if (state_.tx_count == 0) lsr |= kLsrThrEmpty;
    if (state_.tx_count == 0 && !state_.shifting) lsr |= kLsrTransmitterEmpty;
    if (fifo_enabled())
        for (std::size_t i = 0; i < state_.rx_count; ++i)
            if (state_.rx[(state_.rx_head + i) % kFifoDepth].errors) lsr |= kLsrFifoError;
    return lsr;
}

std::uint8_t Uart16550::interrupt_id() const {
    const std::uint8_t ier = state_.ier;
    if ((ier & kIerLineStatus) && (state_.lsr_errors & kLsrErrorBits)) return kIirLineStatus;
    if (ier & kIerRxData) {
        if (fifo_enabled() ? state_.rx_count >= rx_trigger() : state_.rx_count > 0) return kIirRxData;
        if (char_timeout_due()) return kIirCharTimeout;
    }
    if ((ier & kIerThrEmpty) && state_.thre_interrupt) return kIirThrEmpty;
    if ((ier & kIerModemStatus) && state_.msr_deltas) return kIirModemStatus;
    return kIirNone;
}

void Uart16550::update_irq() {
    const bool level = interrupt_id() != kIirNone && (state_.mcr & kMcrOut2) && !loopback();
    if (level == irq_level_) return;
    irq_level_ = level;
    if (irq_) irq_(level);
}

void Uart16550::rebuild() {
    irq_level_ = !(interrupt_id() != kIirNone && (state_.mcr & kMcrOut2) && !loopback());
    update_irq();  // drives the line even when it did not change, so the PIC agrees
}

// ---- receiver ------------------------------------------------------------------------------

void Uart16550::note_rx_activity(std::uint64_t at) {
    state_.last_rx_activity = at;
    arm_rx_timeout();
}

// The character timeout matters only when it can interrupt; otherwise IIR computes it lazily.
void Uart16550::arm_rx_timeout() {
    scheduler_.cancel(rx_timeout_event_);
    rx_timeout_event_ = EventId{};
    state_.rx_timeout_at.reset();
    if (!fifo_enabled() || state_.rx_count == 0 || !(state_.ier & kIerRxData)) return;
    const std::uint64_t due = state_.last_rx_activity + 4 * character_cycles();
    state_.rx_timeout_at = due;
    rx_timeout_event_ = scheduler_.schedule_at(due, [this](std::uint64_t cycle) { on_rx_timeout(cycle); });
}

void Uart16550::on_rx_timeout(std::uint64_t) {
    rx_timeout_event_ = EventId{};
    state_.rx_timeout_at.reset();
    update_irq();
}

void Uart16550::push_rx(std::uint8_t data, std::uint8_t errors, std::uint64_t at) {
    data &= static_cast<std::uint8_t>((1u << (5 + (state_.lcr & 3))) - 1);
    if (state_.rx_count == rx_capacity()) {
        state_.lsr_errors |= kLsrOverrun;
        // Without FIFOs the new character overwrites RBR; with them the FIFO keeps its contents
        // and the character in the shift register is lost.
        if (!fifo_enabled()) state_.rx[state_.rx_head] = RxEntry{data, errors};
    } else {
        state_.rx[(state_.rx_head + state_.rx_count) % kFifoDepth] = RxEntry{data, errors};
        if (++state_.rx_count == 1) state_.lsr_errors |= errors;  // at the top: visible in LSR
    }
    note_rx_activity(at);
    update_irq();
}

std::uint8_t Uart16550::pop_rx() {
    if (state_.rx_count == 0)  // RBR keeps the last character
        return state_.rx[(state_.rx_head + kFifoDepth - (fifo_enabled() ? 1 : 0)) % kFifoDepth].data;
    const std::uint8_t data = state_.rx[state_.rx_head].data;
    if (fifo_enabled()) {
        state_.rx_head = static_cast<std::uint8_t>((state_.rx_head + 1) % kFifoDepth);
        --state_.rx_count;
        if (state_.rx_count) state_.lsr_errors |= state_.rx[state_.rx_head].errors;
    } else {
        state_.rx_count = 0;
    }
    note_rx_activity(scheduler_.now());
    if (!state_.rx_feed_at) poll_host_input();  // room again: host bytes that waited may follow
    return data;
}

void Uart16550::receive_line_byte(std::uint8_t byte) {
    if (loopback()) return;
    push_rx(byte, 0, scheduler_.now());
}

void Uart16550::receive_break() {
    if (loopback()) return;
    push_rx(0, kLsrBreak, scheduler_.now());
}

void Uart16550::receive(std::span<const std::uint8_t> bytes) {
    host_input_.push(bytes);
    poll_host_input();
}

void Uart16550::poll_host_input() {
    if (state_.rx_feed_at || host_input_.empty()) return;
    schedule_feed(scheduler_.now() + character_cycles());
}

void Uart16550::schedule_feed(std::uint64_t cycle) {
    state_.rx_feed_at = cycle;
    rx_feed_event_ = scheduler_.schedule_at(cycle, [this](std::uint64_t at) { on_rx_feed(at); });
}

// One host byte per character time, and only into a receiver with room (see the header).
void Uart16550::on_rx_feed(std::uint64_t cycle) {
    rx_feed_event_ = EventId{};
    state_.rx_feed_at.reset();
    if (loopback() || state_.rx_count >= rx_capacity()) return;  // pop_rx / an MCR write resume it
    // The line is continuous: the next character follows this one's scheduled arrival, even when
    // this event fired late (a due event fires in the same dispatch).
    if (const auto byte = host_input_.pop()) push_rx(*byte, 0, cycle);
    if (!host_input_.empty()) schedule_feed(cycle + character_cycles());
}

void Uart16550::reset_rx_fifo() {
    state_.rx_head = state_.rx_count = 0;
    state_.lsr_errors &= static_cast<std::uint8_t>(~kLsrBreak);
    arm_rx_timeout();
}

// ---- transmitter ---------------------------------------------------------------------------

void Uart16550::start_transmitter(std::uint64_t at) {
    if (state_.shifting || state_.tx_count == 0) return;
    state_.shift_data = state_.tx[state_.tx_head];
    state_.tx_head = static_cast<std::uint8_t>((state_.tx_head + 1) % kFifoDepth);
    --state_.tx_count;
    state_.shifting = true;
    if (state_.tx_count == 0) state_.thre_interrupt = true;  // THR (the FIFO) just emptied
    const std::uint64_t done = at + character_cycles();
    state_.tx_done_at = done;
    tx_done_event_ = scheduler_.schedule_at(done, [this](std::uint64_t cycle) { on_tx_done(cycle); });
}

void Uart16550::on_tx_done(std::uint64_t cycle) {
    tx_done_event_ = EventId{};
    state_.tx_done_at.reset();
    state_.shifting = false;
    const std::uint8_t data = state_.shift_data & static_cast<std::uint8_t>((1u << (5 + (state_.lcr & 3))) - 1);
    if (loopback()) push_rx(data, 0, cycle);
    else if (output_) output_(data);
    start_transmitter(cycle);  // back to back: the next start bit follows this stop bit
    update_irq();
}

void Uart16550::reset_tx_fifo() {
    state_.tx_head = state_.tx_count = 0;
    state_.thre_interrupt = true;
}

// ---- modem lines ---------------------------------------------------------------------------

void Uart16550::update_modem_lines() {
    std::uint8_t lines = state_.modem_inputs & 0xF0;
    if (loopback()) {
        lines = 0;
        if (state_.mcr & kMcrRts) lines |= kMsrCts;
        if (state_.mcr & kMcrDtr) lines |= kMsrDsr;
        if (state_.mcr & kMcrOut1) lines |= kMsrRi;
        if (state_.mcr & kMcrOut2) lines |= kMsrDcd;
    }
    const std::uint8_t changed = lines ^ state_.msr_lines;
    if (changed & kMsrCts) state_.msr_deltas |= kMsrDcts;
    if (changed & kMsrDsr) state_.msr_deltas |= kMsrDdsr;
    if ((changed & kMsrRi) && !(lines & kMsrRi)) state_.msr_deltas |= kMsrTeri;  // trailing edge only
    if (changed & kMsrDcd) state_.msr_deltas |= kMsrDdcd;
    state_.msr_lines = lines;
}

void Uart16550::set_modem_inputs(std::uint8_t msr_high_bits) {
    state_.modem_inputs = msr_high_bits & 0xF0;
    update_modem_lines();
    update_irq();
}

// ---- registers -----------------------------------------------------------------------------

void Uart16550::write_fcr(std::uint8_t value) {
    const bool was_enabled = fifo_enabled();
    if (!(value & 1)) {
        // Bit 0 = 0: FIFOs off; the other bits are not programmed (8.4).
        state_.fcr = 0;
    } else {
        state_.fcr = value & 0xC9;
    }
    if (was_enabled != fifo_enabled()) {
        reset_rx_fifo();
        reset_tx_fifo();
    } else if (value & 1) {
        if (value & 2) reset_rx_fifo();
        if (value & 4) reset_tx_fifo();
    }
    arm_rx_timeout();
    poll_host_input();
}

std::uint8_t Uart16550::read(std::uint8_t offset) {
    std::uint8_t value = 0xFF;
    switch (offset & 7) {
    case kData:
        if (state_.lcr & 0x80) return static_cast<std::uint8_t>(state_.divisor);
        value = pop_rx();
        break;
    case kIer:
        if (state_.lcr & 0x80) return static_cast<std::uint8_t>(state_.divisor >> 8);
        return state_.ier;
    case kIirFcr: {
        const std::uint8_t id = interrupt_id();
        if (id == kIirThrEmpty) state_.thre_interrupt = false;  // reading IIR is the clearing event
        value = static_cast<std::uint8_t>(id | (fifo_enabled() ? 0xC0 : 0));
        break;
    }
    case kLcr: return state_.lcr;
    case kMcr: return state_.mcr;
    case kLsr:
        value = line_status();
        state_.lsr_errors = 0;
        break;
    case kMsr:
        value = static_cast<std::uint8_t>(state_.msr_lines | state_.msr_deltas);
        state_.msr_deltas = 0;
        break;
    case kScr: return state_.scr;
    }
    update_irq();
    return value;
}

void Uart16550::write(std::uint8_t offset, std::uint8_t value) {
    switch (offset & 7) {
    case kData:
        if (state_.lcr & 0x80) {
            state_.divisor = static_cast<std::uint16_t>((state_.divisor & 0xFF00) | value);
            return;
        }
        state_.thre_interrupt = false;
        if (state_.tx_count < tx_capacity()) {
            state_.tx[(state_.tx_head + state_.tx_count) % kFifoDepth] = value;
            ++state_.tx_count;
        }  // else: writing a full FIFO loses the character
        start_transmitter(scheduler_.now());
        break;
    case kIer:
        if (state_.lcr & 0x80) {
            state_.divisor = static_cast<std::uint16_t>((state_.divisor & 0x00FF) | (value << 8));
            return;
        }
        // Enabling ETBEI while THR is empty interrupts at once (the THRE latch is set).
        if ((value & kIerThrEmpty) && !(state_.ier & kIerThrEmpty) && state_.tx_count == 0)
            state_.thre_interrupt = true;
        state_.ier = value & 0x0F;
        arm_rx_timeout();
        break;
    case kIirFcr: write_fcr(value); break;
    case kLcr: state_.lcr = value; break;
    case kMcr: {
        const bool was_loopback = loopback();
        state_.mcr = value & 0x1F;
        update_modem_lines();
        if (was_loopback && !loopback()) poll_host_input();
        break;
    }
    case kLsr: break;  // factory test register on the 16550: writes ignored
    case kMsr: break;
    case kScr: state_.scr = value; break;
    }
    update_irq();
}

void Uart16550::rearm_events() {
    cancel_events();
    if (state_.tx_done_at)
        tx_done_event_ = scheduler_.schedule_at(*state_.tx_done_at, [this](std::uint64_t c) { on_tx_done(c); });
    if (state_.rx_feed_at)
        rx_feed_event_ = scheduler_.schedule_at(*state_.rx_feed_at, [this](std::uint64_t c) { on_rx_feed(c); });
    if (state_.rx_timeout_at)
        rx_timeout_event_ = scheduler_.schedule_at(*state_.rx_timeout_at, [this](std::uint64_t c) { on_rx_timeout(c); });
}

}  // namespace x86emu::devices
