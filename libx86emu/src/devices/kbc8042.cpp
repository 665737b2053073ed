// x86emu devices — the 8042 keyboard controller (kbc8042.hpp). Register, command and port
// semantics after the IBM PS/2 Hardware Interface Technical Reference, "Keyboard/Auxiliary
// Device Controller" (status register, command byte, commands, input and output ports).
#include "devices/kbc8042.hpp"

#include "x86emu/io_ports.hpp"

namespace x86emu {

Kbc8042::Kbc8042(Wiring wiring) : wiring_(std::move(wiring)) {}

void Kbc8042::attach(IoPortMap& ports) {
    const PortHandler handler{[this](std::uint16_t port) { return read_port(port); },
                              [this](std::uint16_t port, std::uint8_t value) { write_port(port, value); }};
    ports.add_isa8(kDataPort, kDataPort, handler);
    ports.add_isa8(kStatusPort, kStatusPort, handler);
}

void Kbc8042::reset() {
    const bool irq1_was = state_.irq1_level, irq12_was = state_.irq12_level;
    state_ = State{};
    keyboard_.reset();
    mouse_.reset();
    if (irq1_was && wiring_.irq1) wiring_.irq1(false);
    if (irq12_was && wiring_.irq12) wiring_.irq12(false);
}

void Kbc8042::state_restored() {
    // Drive both lines from the restored state, whatever was driven before.
    if (wiring_.irq1) wiring_.irq1(state_.irq1_level);
    if (wiring_.irq12) wiring_.irq12(state_.irq12_level);
    poll();
}

std::uint8_t Kbc8042::status() const {
    std::uint8_t s = kStatusNotInhibited;
    if (state_.output_full) s |= kStatusObf;
    if (state_.output_full && state_.output_source == Source::Aux) s |= kStatusAuxData;
    if (state_.ram[0] & kCmdSys) s |= kStatusSys;
    if (state_.a2) s |= kStatusA2;
    return s;
}

std::uint8_t Kbc8042::read_port(std::uint16_t port) {
    if (port == kStatusPort) return status();
    const std::uint8_t value = state_.output_buffer;  // reads the last byte again when empty, as the latch does
    if (state_.output_full && state_.output_source == Source::Keyboard && keyboard_read_observer_)
        keyboard_read_observer_();
    state_.output_full = false;
    update_irqs();  // the line drops ...
    poll();         // ... and rises again if more data is waiting: an edge per byte
    return value;
}

void Kbc8042::write_port(std::uint16_t port, std::uint8_t value) {
    if (port == kStatusPort) {
        state_.a2 = true;
        state_.pending_command = 0;  // a new command abandons one still waiting for its data
        controller_command(value);
    } else {
        state_.a2 = false;
        if (const std::uint8_t command = state_.pending_command; command != 0) {
            state_.pending_command = 0;
            command_data(command, value);
        } else {
            keyboard_.receive(value);
        }
    }
    poll();
}

void Kbc8042::reply(std::uint8_t byte, Source source) { state_.replies.push_back({byte, source}); }

void Kbc8042::controller_command(std::uint8_t command) {
    if (command >= 0x20 && command <= 0x3F) {
        reply(state_.ram[command & 0x1F]);
        return;
    }
    if ((command >= 0x60 && command <= 0x7F) || (command >= 0xD1 && command <= 0xD4)) {
        state_.pending_command = command;
        return;
    }
    if (command >= 0xF0) {
        // Pulse output port bits 0-3 whose command bit is 0 (for about 6 us). Only bit 0, the
        // CPU reset, has a lasting effect; a pulse of the A20 bit is too short to matter.
        if ((command & kOutReset) == 0 && wiring_.reset) wiring_.reset();
        return;
    }
    switch (command) {
    case 0xA4: reply(0xF1); break;  // no password installed
    case 0xA7: state_.ram[0] |= kCmdAuxDisable; break;
    case 0xA8: state_.ram[0] &= static_cast<std::uint8_t>(~kCmdAuxDisable); break;
    case 0xA9: reply(0x00); break;  // aux clock and data lines test: no error
    case 0xAA: reply(0x55); break;  // self test passed
    case 0xAB: reply(0x00); break;  // keyboard clock and data lines test: no error
    case 0xAD: state_.ram[0] |= kCmdKbdDisable; break;
    case 0xAE: state_.ram[0] &= static_cast<std::uint8_t>(~kCmdKbdDisable); break;
    case 0xC0: reply(kInputPort); break;
    case 0xD0: {
        std::uint8_t port = state_.output_port & static_cast<std::uint8_t>(~(kOutKbdFull | kOutAuxFull));
        if (state_.irq1_level) port |= kOutKbdFull;
        if (state_.irq12_level) port |= kOutAuxFull;
        reply(port);
        break;
    }
    case 0xE0: reply(0x00); break;  // test inputs T0/T1 (keyboard clock and data): low
    default: break;                 // not a command this controller knows: ignored
    }
}

void Kbc8042::command_data(std::uint8_t command, std::uint8_t value) {
    if (command >= 0x60 && command <= 0x7F) {
        state_.ram[command & 0x1F] = static_cast<std::uint8_t>(command == 0x60 ? value & 0x7F : value);
        if (command == 0x60) update_irqs();  // the enables may have changed
        return;
    }
    switch (command) {
    case 0xD1: write_output_port(value); break;
    case 0xD2: reply(value, Source::Keyboard); break;
    case 0xD3: reply(value, Source::Aux); break;
    case 0xD4: mouse_.receive(value); break;
    default: break;
    }
}

void Kbc8042::write_output_port(std::uint8_t value) {
    const bool a20_before = a20();
    // Bits 4 and 5 are the IRQ outputs, driven by the controller, not by the write.
    state_.output_port = static_cast<std::uint8_t>((value & ~(kOutKbdFull | kOutAuxFull)) |
                                                   (state_.output_port & (kOutKbdFull | kOutAuxFull)));
    if (a20() != a20_before && wiring_.a20) wiring_.a20(a20());
    if ((value & kOutReset) == 0) {
        // The reset line goes active; the CPU comes out of reset with the line released again.
        state_.output_port |= kOutReset;
        if (wiring_.reset) wiring_.reset();
    }
}

void Kbc8042::poll() {
    while (!state_.output_full) {
        if (!state_.replies.empty()) {
            const State::Reply r = state_.replies.front();
            state_.replies.pop_front();
            state_.output_buffer = r.byte;
            state_.output_source = r.source == Source::Aux ? Source::Aux : Source::Keyboard;
            state_.output_full = true;
            break;
        }
        if (!(state_.ram[0] & kCmdKbdDisable) && keyboard_.has_output()) {
            const std::uint8_t byte = keyboard_.take_output();
            if (state_.ram[0] & kCmdTranslate) {
                const int translated = set2_to_set1(byte, state_.translate_break_pending);
                if (translated < 0) continue;  // an F0 break prefix: folded into the next byte
                state_.output_buffer = static_cast<std::uint8_t>(translated);
            } else {
                state_.output_buffer = byte;
            }
            state_.output_source = Source::Keyboard;
            state_.output_full = true;
            break;
        }
        if (!(state_.ram[0] & kCmdAuxDisable) && mouse_.has_output()) {
            state_.output_buffer = mouse_.take_output();
            state_.output_source = Source::Aux;
            state_.output_full = true;
            break;
        }
        break;
    }
    update_irqs();
}

void Kbc8042::update_irqs() {
    const bool aux = state_.output_source == Source::Aux;
    const bool irq1 = state_.output_full && !aux && (state_.ram[0] & kCmdKbdIrq);
    const bool irq12 = state_.output_full && aux && (state_.ram[0] & kCmdAuxIrq);
    if (irq1 != state_.irq1_level) {
        state_.irq1_level = irq1;
        if (wiring_.irq1) wiring_.irq1(irq1);
    }
    if (irq12 != state_.irq12_level) {
        state_.irq12_level = irq12;
        if (wiring_.irq12) wiring_.irq12(irq12);
    }
}

}  // namespace x86emu
