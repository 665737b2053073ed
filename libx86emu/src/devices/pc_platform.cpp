// x86emu — the PC platform: device construction, IRQ wiring, the FERR#/IRQ13 latch, POST port
// 80h and the reset control register CF9h (pc_platform.hpp).
#include "devices/pc_platform.hpp"

#include "devices/device_snapshots.hpp"

#include <exception>
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
    add_storage_devices();
    if (wiring_.snapshots) register_device_snapshots(*this, *wiring_.snapshots, snapshot_adapters_);
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
    com1_->reset();
    com2_->reset();
    kbc_->reset();
    port92_->reset();
    a20_gate_->reset();
    acpi_pm_->reset();
    for (auto& channel : ata_) channel->reset();
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

// 16550A UARTs: COM1 3F8h-3FFh on IRQ4, COM2 2F8h-2FFh on IRQ3; the MC146818 RTC/CMOS at
// 70h-71h on IRQ8 with the PC/AT CMOS bytes a BIOS would have written.
void PcPlatform::add_serial_and_rtc_devices() {
    com1_ = std::make_unique<Uart16550>(wiring_.scheduler, irq_line(4));
    com1_->attach(wiring_.ports, 0x3F8);
    com2_ = std::make_unique<Uart16550>(wiring_.scheduler, irq_line(3));
    com2_->attach(wiring_.ports, 0x2F8);
    rtc_ = std::make_unique<Rtc146818>(wiring_.scheduler, irq_line(8),
                                       wiring_.rtc_start_epoch.value_or(Rtc146818::kDefaultEpoch));
    rtc_->attach(wiring_.ports);
    PcCmosLayout cmos;
    cmos.memory_bytes = wiring_.ram_bytes;
    cmos.fpu_present = wiring_.fpu_present;
    write_pc_cmos_layout(*rtc_, cmos);
}

Uart16550& PcPlatform::serial(unsigned index) {
    if (index == 0) return *com1_;
    if (index == 1) return *com2_;
    throw std::out_of_range("PC platform: no serial port " + std::to_string(index) + " (0 = COM1, 1 = COM2)");
}

// The 8042 with keyboard and mouse, port 92h, the A20 gate both drive, ACPI PM and its tables.
void PcPlatform::add_keyboard_and_power_devices() {
    PhysicalMemoryMap& memory = wiring_.memory;
    a20_gate_ = std::make_unique<A20Gate>([&memory](bool on) {
        if (memory.a20() != on) memory.set_a20(on);
    });
    kbc_ = std::make_unique<Kbc8042>(Kbc8042::Wiring{irq_line(1), irq_line(12),
                                                     [this](bool on) { a20_gate_->set_kbc(on); },
                                                     [this] { request_reset(ResetKind::Soft); }});
    kbc_->attach(wiring_.ports);
    port92_ = std::make_unique<SystemControlPortA>([this](bool on) { a20_gate_->set_port92(on); },
                                                   [this] { request_reset(ResetKind::Soft); });
    port92_->attach(wiring_.ports);
    acpi_pm_ = std::make_unique<AcpiPm>(wiring_.scheduler, AcpiPm::Config{},
                                        AcpiPm::Wiring{irq_line(9), [this] {
                                                           if (wiring_.power_off) wiring_.power_off();
                                                       }});
    acpi_pm_->attach(wiring_.ports);
    AcpiTableConfig tables;
    tables.pm_base = acpi_pm_->base();
    tables.timer_32bit = acpi_pm_->timer_32bit();
    tables.pci_host_bridge = true;  // Linux scans PCI only below a PNP0A03 device (acpi_tables.hpp)
    acpi_tables_ = build_acpi_tables(tables);
}

// PCI mechanism #1, its two bridges and the VGA on it.
void PcPlatform::add_video_and_pci_devices() {
    pci_ = std::make_unique<PciBus>();
    host_bridge_ = std::make_unique<PciHostBridge440fx>();
    isa_bridge_ = std::make_unique<PciIsaBridgePiix3>();
    pci_->add(0, 0, *host_bridge_);
    pci_->add(1, 0, *isa_bridge_);
    // The VGA window replaces the RAM the Machine maps there (640K-768K is video memory on a PC).
    wiring_.memory.unmap(Vga::kLegacyWindowBase, Vga::kLegacyWindowSize);
    vga_ = std::make_unique<Vga>(wiring_.scheduler);
    vga_->attach(wiring_.ports, wiring_.memory);
    pci_->add(Vga::kPciDevice, 0, vga_->pci_function());
    pci_->attach(wiring_.ports);
}

// The PIIX3 IDE function and its channels in compatibility mode (82371SB §2.3, §2.6): primary
// 1F0h-1F7h/3F6h on IRQ14, secondary 170h-177h/376h on IRQ15.
void PcPlatform::add_storage_devices() {
    static constexpr std::uint16_t kBase[2] = {0x1F0, 0x170}, kControl[2] = {0x3F6, 0x376};
    static constexpr unsigned kIrq[2] = {14, 15};
    for (unsigned channel = 0; channel < 2; ++channel) {
        ata_[channel] = std::make_unique<AtaChannel>(wiring_.scheduler, irq_line(kIrq[channel]), channel);
        for (unsigned device = 0; device < 2; ++device)
            ata_[channel]->set_drive(device, wiring_.ide_drives[2 * channel + device]);
        ata_[channel]->attach(wiring_.ports, kBase[channel], kControl[channel]);
    }
    ide_ = std::make_unique<PciIdePiix3>([this](unsigned channel, bool enabled) {
        ata_[channel]->set_decode_enabled(enabled);
        ata_[channel]->rebuild();
    });
    ide_->report_decode();
    pci_->add(1, 1, *ide_);
}

void PcPlatform::flush_disks() {
    std::exception_ptr first;
    for (auto& channel : ata_)
        for (unsigned device = 0; device < 2; ++device)
            if (DiskImage* image = channel->drive_image(device)) {
                try {
                    image->flush();
                } catch (const DiskImageError&) {
                    if (!first) first = std::current_exception();
                }
            }
    if (first) std::rethrow_exception(first);
}

}  // namespace x86emu::devices
