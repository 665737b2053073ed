// x86emu — the PC platform: the devices of an AT-compatible PC around the CPU, owned and wired
// together in one place (MachineConfig::platform = Platform::PC builds one inside the Machine).
//
// Wiring:
//   * the 8259A pair (pic8259.hpp) is the Cpu's InterruptController, its INT output the Cpu's
//     INTR (Cpu::set_intr); every device gets its ISA IRQ as an IrqLine (irq_line(n) ->
//     Pic8259Pair::set_irq(n, level));
//   * the 8254 (pit8254.hpp) on 40h-43h and port B (61h), OUT0 on IRQ0;
//   * the x87's FERR# on IRQ13 through the AT's latch: FERR# asserted sets the latch (IRQ13
//     high); a write to port F0h clears it (IRQ13 low) and asserts IGNNE# until FERR# goes
//     inactive, so that DOS-style handlers that write F0h and re-execute the FPU instruction
//     proceed (PC/AT technical reference, the coprocessor ports F0h/F1h);
//   * POST port 80h: every write recorded (last_post_code, the post-code handler), reads give
//     the last value written (FFh before any);
//   * the reset control register CF9h (Intel PIIX/PIIX4, "RC - Reset Control Register"): a
//     write with bit 2 (RCPU) set starts a reset, hard when bit 1 (SRST) is set too (CPU and
//     every platform device to power-on state), soft otherwise (the CPU alone, like INIT); the
//     reset is done by the Machine at the next instruction boundary (request_reset). Bit 2
//     reads back 0 afterwards, so each write with it set resets; bits 1 and 3 read back.
//
//   * the 16550A UARTs (uart16550.hpp): COM1 at 3F8h on IRQ4, COM2 at 2F8h on IRQ3; the
//     MC146818 RTC/CMOS (rtc146818.hpp) at 70h/71h on IRQ8, its CMOS filled with the PC/AT
//     memory-size and equipment bytes;
//   * the 8042 (kbc8042.hpp) on 60h/64h, IRQ1 and IRQ12; port 92h (system_control_port.hpp);
//     the A20 line is the OR of the 8042's output-port bit and port 92h bit 1 (A20Gate), driving
//     the memory map's A20 input; the 8042's reset pulse and port 92h's fast reset are soft
//     resets (they drive the CPU's reset line, not the chipset's);
//   * ACPI power management (acpi_pm.hpp) at 600h-60Fh with the SCI on IRQ 9 (level, through
//     the ELCR the guest programs), S5 ends the run; the tables describing it (acpi_tables());
//   * PCI mechanism #1 (CF8h dword, CFCh-CFFh) with the 440FX host bridge, the PIIX3 ISA bridge
//     and the VGA (vga.hpp: 3B4h-3DAh, 1CEh/1CFh DISPI, A0000h-BFFFFh unmapped from RAM and
//     mapped as the VGA's MMIO, the LFB at BAR0).
//   * the PIIX3's IDE function at 00:01.1 (pci_bus.hpp) with two ATA channels (ata_channel.hpp):
//     primary 1F0h-1F7h + 3F6h on IRQ14, secondary 170h-177h + 376h on IRQ15, each with the
//     master/slave drives of Wiring::ide_drives; IDETIM's decode enable gates the ports.
//
// Ports claimed: 20h-21h, A0h-A1h, 4D0h-4D1h (PIC, ELCR), 40h-43h, 61h (PIT, port B), 60h, 64h,
// 92h, 70h-71h, 2F8h-2FFh, 3F8h-3FFh, 80h, F0h, CF8h, CF9h, CFCh-CFFh, 600h-60Fh, the VGA's,
// 1F0h-1F7h, 3F6h, 170h-177h, 376h. A
// hard reset puts the PIC, PIT, UARTs, 8042, port 92h, A20, ACPI and the ATA drives back to power-on state (the
// RTC and its CMOS run on, battery-backed); the VGA and PCI configuration keep theirs
// (they have no reset input here).

#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "devices/acpi_pm.hpp"
#include "devices/acpi_tables.hpp"
#include "devices/ata_channel.hpp"
#include "devices/kbc8042.hpp"
#include "devices/pci_bus.hpp"
#include "devices/pic8259.hpp"
#include "devices/pit8254.hpp"
#include "devices/rtc146818.hpp"
#include "devices/system_control_port.hpp"
#include "devices/uart16550.hpp"
#include "devices/vga.hpp"
#include "x86emu/cpu.hpp"
#include "x86emu/io_ports.hpp"
#include "x86emu/memory_map.hpp"
#include "x86emu/scheduler.hpp"

namespace x86emu {
class SnapshotRegistry;
class Snapshottable;
}  // namespace x86emu

namespace x86emu::devices {

class PcPlatform;
// device_snapshots.hpp: the devices' snapshot adapters reach the platform's members.
void register_device_snapshots(PcPlatform& platform, SnapshotRegistry& registry,
                               std::vector<std::unique_ptr<Snapshottable>>& adapters);

enum class ResetKind { Soft, Hard };

class PcPlatform {
public:
    // What the platform is wired to. `request_reset` performs a reset of the given kind at the
    // next instruction boundary (the Machine's; it must not reset the CPU from inside the call,
    // which comes from a port handler during an instruction).
    struct Wiring {
        Cpu& cpu;
        Scheduler& scheduler;
        PhysicalMemoryMap& memory;
        IoPortMap& ports;
        std::function<void(ResetKind)> request_reset;
        // The guest entered ACPI S5 (soft off): the Machine ends the run (StopReason::PoweredOff).
        std::function<void()> power_off;
        // For the CMOS memory-size bytes and the RTC's start (Unix seconds; unset: a fixed date).
        std::uint64_t ram_bytes = 0;
        std::optional<std::int64_t> rtc_start_epoch;
        bool fpu_present = false;
        // The Machine's snapshot registry: every device is registered with it (device_snapshots.hpp)
        // under its "devices" key. Null: the devices are not part of any snapshot.
        SnapshotRegistry* snapshots = nullptr;
        // The IDE drives: primary master, primary slave, secondary master, secondary slave
        // (kind None: no drive there).
        std::array<AtaChannel::DriveConfig, 4> ide_drives{};
    };

    // Builds and attaches every device; the CPU gets the PIC as its interrupt controller and
    // the FERR# handler. Throws std::invalid_argument if a port it claims is taken already.
    explicit PcPlatform(Wiring wiring);
    // Detaches the PIC and the FERR# handler from the CPU (the ports stay claimed: the
    // IoPortMap is the Machine's and goes with it).
    ~PcPlatform();
    PcPlatform(const PcPlatform&) = delete;
    PcPlatform& operator=(const PcPlatform&) = delete;

    Pic8259Pair& pic() { return pic_; }
    Pit8254& pit() { return pit_; }
    Kbc8042& keyboard_controller() { return *kbc_; }
    // COM1 (index 0, 3F8h, IRQ4) and COM2 (index 1, 2F8h, IRQ3); std::out_of_range otherwise.
    Uart16550& serial(unsigned index);
    Rtc146818& rtc() { return *rtc_; }
    // Called by the Machine between run slices, on the CPU's thread: the UARTs take bytes the
    // host queued (from any thread) into their receivers.
    void between_slices() {
        com1_->poll_host_input();
        com2_->poll_host_input();
    }
    AcpiPm& acpi() { return *acpi_pm_; }
    Vga& vga() { return *vga_; }
    PciBus& pci() { return *pci_; }
    // The IDE channels: 0 primary, 1 secondary (std::out_of_range otherwise).
    AtaChannel& ata(unsigned channel) { return *ata_.at(channel); }
    PciIdePiix3& ide_function() { return *ide_; }
    // Flushes every drive's image (DiskImage::flush); the first DiskImageError propagates after
    // all were tried.
    void flush_disks();
    // The ACPI tables (RSDP, RSDT, FADT, FACS, DSDT) describing this platform, for the loader
    // to place in RAM at their base (E0000h) as firmware would (docs/devices/acpi.md).
    const AcpiTables& acpi_tables() const { return acpi_tables_; }
    // The ISA IRQ input `irq` of the PIC as a device's output line. std::invalid_argument for
    // irq > 15 or the cascade IRQ 2.
    IrqLine irq_line(unsigned irq);

    // The platform's own guest-visible state (the devices keep theirs: pic().state(), ...).
    struct State {
        std::optional<std::uint8_t> last_post_code;  // port 80h
        std::uint8_t reset_control = 0;              // CF9h bits 1 and 3
        bool ferr_latch = false;                     // IRQ13
        friend bool operator==(const State&, const State&) = default;
    };
    const State& state() const { return state_; }

    // POST port 80h (see the top).
    std::optional<std::uint8_t> last_post_code() const { return state_.last_post_code; }
    void set_post_code_handler(std::function<void(std::uint8_t)> handler) { post_code_handler_ = std::move(handler); }

    // For devices that reset the machine (CF9h here; port 92h and the 8042's pulse elsewhere).
    void request_reset(ResetKind kind);
    // Every platform device to its power-on state (a hard reset; the Machine resets the CPU).
    void reset_devices();

private:
    friend void register_device_snapshots(PcPlatform&, SnapshotRegistry&, std::vector<std::unique_ptr<Snapshottable>>&);

    // Hook points where the other issue-11 devices are constructed and attached.
    void add_serial_and_rtc_devices();
    void add_keyboard_and_power_devices();
    void add_video_and_pci_devices();
    void add_storage_devices();
    void on_ferr(bool asserted);
    void write_coprocessor_port(std::uint8_t value);

    Wiring wiring_;
    Pic8259Pair pic_;
    Pit8254 pit_;
    // The serial ports and the RTC/CMOS.
    std::unique_ptr<Uart16550> com1_, com2_;
    std::unique_ptr<Rtc146818> rtc_;
    // The keyboard controller, port 92h and the A20 gate they share (its output is the memory
    // map's A20 input), ACPI power management and its tables.
    std::unique_ptr<A20Gate> a20_gate_;
    std::unique_ptr<Kbc8042> kbc_;
    std::unique_ptr<SystemControlPortA> port92_;
    std::unique_ptr<AcpiPm> acpi_pm_;
    AcpiTables acpi_tables_;
    // PCI mechanism #1 with the 440FX host bridge (00:00.0), the PIIX3 ISA bridge (00:01.0) and
    // the VGA with its Bochs DISPI LFB (00:02.0).
    std::unique_ptr<PciBus> pci_;
    std::unique_ptr<PciHostBridge440fx> host_bridge_;
    std::unique_ptr<PciIsaBridgePiix3> isa_bridge_;
    std::unique_ptr<Vga> vga_;
    // The PIIX3 IDE function (00:01.1) and its two channels.
    std::array<std::unique_ptr<AtaChannel>, 2> ata_;
    std::unique_ptr<PciIdePiix3> ide_;
    std::function<void(std::uint8_t)> post_code_handler_;
    State state_;
    std::vector<std::unique_ptr<Snapshottable>> snapshot_adapters_;  // registered with Wiring::snapshots
};

}  // namespace x86emu::devices
