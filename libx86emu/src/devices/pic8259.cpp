// x86emu — the 8259A pair: priority resolution, the INTA sequence, ICW/OCW decoding and ELCR
// (the datasheet sections are listed in pic8259.hpp).
#include "devices/pic8259.hpp"

#include <stdexcept>
#include <string>
#include <utility>

namespace x86emu::devices {

namespace {
constexpr unsigned kMaster = 0, kSlave = 1;
constexpr std::uint8_t bit(unsigned input) { return static_cast<std::uint8_t>(1u << input); }
}  // namespace

Pic8259Pair::Pic8259Pair(IrqLine intr) : intr_(std::move(intr)) {}

bool Pic8259Pair::is_level(unsigned chip, unsigned input) const {
    const Chip& c = state_.chips[chip];
    return c.level_triggered || (c.elcr & bit(input));
}

// The highest-priority request that may interrupt now: unmasked, and above every in-service
// level (fully nested mode). In special mask mode an in-service level that is masked does not
// block lower ones. In special fully nested mode the master lets a cascade input interrupt
// while it is itself in service (a higher slave request nests inside a lower one).
std::optional<unsigned> Pic8259Pair::highest_request(unsigned chip) const {
    const Chip& c = state_.chips[chip];
    const std::uint8_t pending = c.irr & ~c.imr;
    if (pending == 0) return std::nullopt;
    const std::uint8_t blocking = c.special_mask ? static_cast<std::uint8_t>(c.isr & ~c.imr) : c.isr;
    for (unsigned rank = 0; rank < 8; ++rank) {
        const unsigned input = (c.lowest_priority + 1 + rank) & 7;
        if (blocking & bit(input)) {
            const bool nested_cascade = chip == kMaster && c.special_fully_nested && !c.single &&
                                        (c.icw3 & bit(input)) && (pending & bit(input));
            return nested_cascade ? std::optional<unsigned>(input) : std::nullopt;
        }
        if (pending & bit(input)) return input;
    }
    return std::nullopt;
}

void Pic8259Pair::set_input(unsigned chip, unsigned input, bool level) {
    Chip& c = state_.chips[chip];
    const bool was_high = c.lines & bit(input);
    if (level) {
        c.lines |= bit(input);
        if (!was_high || is_level(chip, input)) c.irr |= bit(input);
    } else {
        c.lines &= static_cast<std::uint8_t>(~bit(input));
        c.irr &= static_cast<std::uint8_t>(~bit(input));  // a request that goes away is not serviced
    }
}

void Pic8259Pair::set_irq(unsigned irq, bool level) {
    if (irq > 15 || irq == kCascadeInput)
        throw std::invalid_argument("8259A: IRQ " + std::to_string(irq) +
                                    " cannot be driven (IRQ 0-15 except the cascade IRQ 2)");
    set_input(irq >> 3, irq & 7, level);
    update_outputs();
}

// The slave's INT output drives the master's IR2 as a level (set while the slave requests,
// cleared when it stops, whatever the ELCR says), then the master's INT output goes to the CPU
// when it changed.
void Pic8259Pair::update_outputs() {
    Chip& master = state_.chips[kMaster];
    if (!master.single) {
        if (chip_interrupt_output(kSlave)) {
            master.lines |= bit(kCascadeInput);
            master.irr |= bit(kCascadeInput);
        } else {
            master.lines &= static_cast<std::uint8_t>(~bit(kCascadeInput));
            master.irr &= static_cast<std::uint8_t>(~bit(kCascadeInput));
        }
    }
    const bool intr = chip_interrupt_output(kMaster);
    if (intr == state_.intr) return;
    state_.intr = intr;
    if (intr_) intr_(intr);
}

// The first INTA pulse for `input`: its IRR bit is cleared (a level-triggered input that is
// still high keeps requesting) and its ISR bit set, or, in automatic EOI mode, not set (with
// rotation if enabled: the serviced level becomes the lowest).
void Pic8259Pair::take_request(unsigned chip, unsigned input) {
    Chip& c = state_.chips[chip];
    c.irr &= static_cast<std::uint8_t>(~bit(input));
    if (is_level(chip, input) && (c.lines & bit(input))) c.irr |= bit(input);
    if (c.auto_eoi) {
        if (c.rotate_on_auto_eoi) c.lowest_priority = static_cast<std::uint8_t>(input);
    } else {
        c.isr |= bit(input);
    }
}

std::uint8_t Pic8259Pair::acknowledge() {
    Chip& master = state_.chips[kMaster];
    const std::optional<unsigned> request = highest_request(kMaster);
    std::uint8_t vector;
    if (!request) {
        vector = static_cast<std::uint8_t>(master.vector_base + 7);  // default IR7, no ISR bit
    } else {
        take_request(kMaster, *request);
        const bool to_slave = !master.single && *request == kCascadeInput && (master.icw3 & bit(kCascadeInput));
        if (to_slave) {
            Chip& slave = state_.chips[kSlave];
            const std::optional<unsigned> slave_request = highest_request(kSlave);
            if (!slave_request) {
                vector = static_cast<std::uint8_t>(slave.vector_base + 7);  // the slave's default IR7
            } else {
                take_request(kSlave, *slave_request);
                vector = static_cast<std::uint8_t>(slave.vector_base + *slave_request);
            }
        } else {
            vector = static_cast<std::uint8_t>(master.vector_base + *request);
        }
    }
    update_outputs();
    return vector;
}

std::uint8_t Pic8259Pair::poll(unsigned chip) {
    const std::optional<unsigned> request = highest_request(chip);
    if (!request) return 0x00;
    take_request(chip, *request);
    update_outputs();
    return static_cast<std::uint8_t>(0x80 | *request);
}

void Pic8259Pair::end_of_interrupt(unsigned chip, std::uint8_t value) {
    Chip& c = state_.chips[chip];
    const unsigned level = value & 7;
    switch (value >> 5) {
    case 0b000: c.rotate_on_auto_eoi = false; break;
    case 0b100: c.rotate_on_auto_eoi = true; break;
    case 0b001:    // non-specific EOI
    case 0b101: {  // rotate on non-specific EOI
        // The highest-priority in-service level; in special mask mode masked levels are skipped
        // (datasheet: their ISR bits are not reset by a non-specific EOI).
        const std::uint8_t candidates = c.special_mask ? static_cast<std::uint8_t>(c.isr & ~c.imr) : c.isr;
        for (unsigned rank = 0; rank < 8; ++rank) {
            const unsigned input = (c.lowest_priority + 1 + rank) & 7;
            if (!(candidates & bit(input))) continue;
            c.isr &= static_cast<std::uint8_t>(~bit(input));
            if (value & 0x80) c.lowest_priority = static_cast<std::uint8_t>(input);
            break;
        }
        break;
    }
    case 0b011: c.isr &= static_cast<std::uint8_t>(~bit(level)); break;  // specific EOI
    case 0b111:  // rotate on specific EOI
        c.isr &= static_cast<std::uint8_t>(~bit(level));
        c.lowest_priority = static_cast<std::uint8_t>(level);
        break;
    case 0b110: c.lowest_priority = static_cast<std::uint8_t>(level); break;  // set priority
    default: break;  // 010: no operation
    }
}

void Pic8259Pair::write_command(unsigned chip, std::uint8_t value) {
    Chip& c = state_.chips[chip];
    if (value & 0x10) {  // ICW1: starts the initialisation sequence
        c.icw4_expected = value & 0x01;
        c.single = value & 0x02;
        c.level_triggered = value & 0x08;
        c.init_step = 2;
        // Datasheet, "Initialization command words": the edge sense circuit is reset, the IMR
        // cleared, IR7 gets the lowest priority, special mask mode off, status read = IRR, and
        // without IC4 every ICW4 function is cleared. The ISR is cleared too (a new sequence
        // abandons what was in service).
        c.imr = 0;
        c.isr = 0;
        c.irr = 0;
        for (unsigned input = 0; input < 8; ++input)
            if (is_level(chip, input) && (c.lines & bit(input))) c.irr |= bit(input);
        c.lowest_priority = 7;
        c.special_mask = false;
        c.read_isr = false;
        c.poll_pending = false;
        c.rotate_on_auto_eoi = false;
        if (!c.icw4_expected) {
            c.auto_eoi = false;
            c.special_fully_nested = false;
        }
    } else if (value & 0x08) {  // OCW3
        if (value & 0x40) c.special_mask = value & 0x20;
        if (value & 0x04) c.poll_pending = true;
        if (value & 0x02) c.read_isr = value & 0x01;
    } else {  // OCW2
        end_of_interrupt(chip, value);
    }
    update_outputs();
}

void Pic8259Pair::write_data(unsigned chip, std::uint8_t value) {
    Chip& c = state_.chips[chip];
    switch (c.init_step) {
    case 2:  // ICW2: T7-T3 of the vector (8086 mode)
        c.vector_base = value & 0xF8;
        c.init_step = c.single ? (c.icw4_expected ? 4 : 0) : 3;
        break;
    case 3:  // ICW3: the master's slave inputs, or the slave's ID
        c.icw3 = value;
        c.init_step = c.icw4_expected ? 4 : 0;
        break;
    case 4:  // ICW4: uPM (always 8086 mode here), AEOI, BUF/M-S (no effect on a PC), SFNM
        c.auto_eoi = value & 0x02;
        c.special_fully_nested = value & 0x10;
        c.init_step = 0;
        break;
    default: c.imr = value; break;  // OCW1
    }
    update_outputs();
}

std::uint8_t Pic8259Pair::read_port(std::uint16_t port) {
    switch (port) {
    case 0x20:
    case 0xA0: {
        const unsigned chip = port == 0x20 ? kMaster : kSlave;
        Chip& c = state_.chips[chip];
        if (c.poll_pending) {
            c.poll_pending = false;
            return poll(chip);
        }
        return c.read_isr ? c.isr : c.irr;
    }
    case 0x21: return state_.chips[kMaster].imr;
    case 0xA1: return state_.chips[kSlave].imr;
    case 0x4D0: return state_.chips[kMaster].elcr;
    case 0x4D1: return state_.chips[kSlave].elcr;
    default: return 0xFF;
    }
}

void Pic8259Pair::write_port(std::uint16_t port, std::uint8_t value) {
    switch (port) {
    case 0x20: write_command(kMaster, value); break;
    case 0xA0: write_command(kSlave, value); break;
    case 0x21: write_data(kMaster, value); break;
    case 0xA1: write_data(kSlave, value); break;
    case 0x4D0:
    case 0x4D1: {
        const unsigned chip = port == 0x4D0 ? kMaster : kSlave;
        Chip& c = state_.chips[chip];
        const std::uint8_t old_elcr = c.elcr;
        c.elcr = value & (chip == kMaster ? kElcrWritableMaster : kElcrWritableSlave);
        // An input that became level-triggered requests while it is high.
        c.irr |= static_cast<std::uint8_t>(c.elcr & ~old_elcr & c.lines);
        update_outputs();
        break;
    }
    default: break;
    }
}

void Pic8259Pair::attach(IoPortMap& ports) {
    PortHandler handler{[this](std::uint16_t port) { return read_port(port); },
                        [this](std::uint16_t port, std::uint8_t value) { write_port(port, value); }};
    ports.add_isa8(0x20, 0x21, handler);
    ports.add_isa8(0xA0, 0xA1, handler);
    ports.add_isa8(0x4D0, 0x4D1, handler);
}

void Pic8259Pair::reset() {
    const std::uint8_t master_lines = state_.chips[kMaster].lines, slave_lines = state_.chips[kSlave].lines;
    const bool intr = state_.intr;
    state_ = State{};
    state_.chips[kMaster].lines = master_lines;
    state_.chips[kSlave].lines = slave_lines;
    state_.intr = intr;
    update_outputs();
}

void Pic8259Pair::restore_state(const State& state) {
    state_ = state;
    if (intr_) intr_(state_.intr);
}

}  // namespace x86emu::devices
