// x86emu — the PC platform: device construction, IRQ wiring, the FERR#/IRQ13 latch, POST port
// 80h and the reset control register CF9h (pc_platform.hpp).
#include "devices/pc_platform.hpp"

#include <stdexcept>
#include <string>
#include <utility>

namespace x86emu::devices {

PcPlatform::PcPlatform(Wiring wiring)
    : wiring_(std::move(wiring)),
      pic_([cpu = &wiring_.cpu](bool level) { cpu->set_intr(level); }),
      pit_(wiring_.scheduler, [this](bool level) { pic_.set_irq(0, level); }) {
    IoPortMap& ports = wiring_.ports;
    pic_.attach(ports);
    pit_.attach(ports);
    ports.add_isa8(0x80, 0x80,
                   PortHandler{[this](std::uint16_t) -> std::uint8_t { return state_.last_post_code.value_or(0xFF); },
                               [this](std::uint16_t, std::uint8_t code) {
                                   state_.last_post_code = code;
                                   if (post_code_handler_) post_code_handler_(code);
                               }});
    ports.add_isa8(0xF0, 0xF0, PortHandler{{}, [this](std::uint16_t, std::uint8_t value) { write_coprocessor_port(value); }});
    ports.add_isa8(0xCF9, 0xCF9,
                   PortHandler{[this](std::uint16_t) -> std::uint8_t { return state_.reset_control; },
                               [this](std::uint16_t, std::uint8_t value) {
                                   state_.reset_control = value & 0x0A;
                                   if (value & 0x04) request_reset((value & 0x02) ? ResetKind::Hard : ResetKind::Soft);
                               }});
    wiring_.cpu.set_interrupt_controller(&pic_);
    wiring_.cpu.set_ferr_handler([this](bool asserted) { on_ferr(asserted); });

    add_serial_and_rtc_devices();
    add_keyboard_and_power_devices();
    add_video_and_pci_devices();
}

PcPlatform::~PcPlatform() {
    wiring_.cpu.set_interrupt_controller(nullptr);
    wiring_.cpu.set_ferr_handler({});
    wiring_.cpu.set_intr(false);
}

IrqLine PcPlatform::irq_line(unsigned irq) {
    if (irq > 15 || irq == Pic8259Pair::kCascadeInput)
        throw std::invalid_argument("PC platform: no IRQ line " + std::to_string(irq) + " (0-15 except the cascade IRQ 2)");
    return [this, irq](bool level) { pic_.set_irq(irq, level); };
}

void PcPlatform::request_reset(ResetKind kind) {
    if (wiring_.request_reset) wiring_.request_reset(kind);
}

void PcPlatform::reset_devices() {
    pic_.reset();
    pit_.reset();
    state_ = State{};
    pic_.set_irq(13, false);
    wiring_.cpu.set_ignne(false);
}

// FERR# sets the IRQ13 latch; its deassertion (the handler cleared the exception) ends IGNNE#.
void PcPlatform::on_ferr(bool asserted) {
    if (asserted) {
        state_.ferr_latch = true;
        pic_.set_irq(13, true);
    } else {
        wiring_.cpu.set_ignne(false);
    }
}

// Port F0h: any write clears the busy/IRQ13 latch and asserts IGNNE#.
void PcPlatform::write_coprocessor_port(std::uint8_t) {
    state_.ferr_latch = false;
    pic_.set_irq(13, false);
    wiring_.cpu.set_ignne(true);
}

// ---- hook points for the other issue-11 devices (wired by the coordinator when merging) ----
// Each device takes what it needs from here: irq_line(n), wiring_.scheduler, wiring_.ports,
// wiring_.memory, request_reset(); it is owned by a std::unique_ptr member added next to pic_
// and pit_, and its reset goes into reset_devices().

// 16550A UARTs: COM1 3F8h-3FFh on irq_line(4), COM2 2F8h-2FFh on irq_line(3);
// MC146818 RTC/CMOS: 70h-71h on irq_line(8).
void PcPlatform::add_serial_and_rtc_devices() {}

// 8042 keyboard controller: 60h/64h, irq_line(1) (keyboard) and irq_line(12) (PS/2 mouse), its
// output port's A20 through wiring_.memory.set_a20 and its reset pulse through
// request_reset(ResetKind::Hard); port 92h (fast A20, bit 0 fast reset); ACPI power-off.
void PcPlatform::add_keyboard_and_power_devices() {}

// VGA: 3B0h-3DFh and the A0000h-BFFFFh window (wiring_.memory.map_mmio after unmapping RAM);
// PCI configuration mechanism #1: CF8h (alone, dword) and CFCh-CFFh, not CF9h.
void PcPlatform::add_video_and_pci_devices() {}

}  // namespace x86emu::devices
