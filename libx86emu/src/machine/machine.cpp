// x86emu — Machine: configuration checks, the PC memory layout derived from them, built on a
// PhysicalMemoryMap and an IoPortMap, the thin pass-throughs to the Cpu, and the run loop over
// the CPU and the event scheduler (slices ending at event deadlines, idle time skipped while
// halted).
#include "x86emu/machine.hpp"

#include "x86emu/bios.hpp"

#include "devices/pc_platform.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "machine/machine_snapshot.hpp"
#include "machine/snapshottable.hpp"

namespace x86emu {

namespace {

constexpr std::uint32_t kOneMib = 1u << 20;

std::uint32_t address_mask_for(CpuModel model) {
    switch (model) {
    case CpuModel::i8086: return 0xFFFFFu;      // 20 address lines
    case CpuModel::i80286: return 0xFFFFFFu;    // 24 address lines
    case CpuModel::i80386: return 0xFFFFFFFFu;  // 32 address lines
    case CpuModel::i80486: return 0xFFFFFFFFu;  // 32 address lines, like the 386
    case CpuModel::p5: return 0xFFFFFFFFu;      // 32 address lines (no PAE/PSE-36 on the P5)
    case CpuModel::p6: return 0xFFFFFFFFu;      // 32 here: the P6's 36 need PAE, not modelled
    }
    throw std::invalid_argument("machine config: unknown CPU model");
}

// Checks every MachineConfig rule and derives the memory map from it.
MemoryMap layout_for(const MachineConfig& config) {
    const std::uint32_t address_mask = address_mask_for(config.model);
    const std::string model_name{cpu_model_name(config.model)};

    if (config.memory_mib < 1 || config.memory_mib > kMaxMachineMemoryMib)
        throw std::invalid_argument("machine config: memory size " + std::to_string(config.memory_mib) +
                                    " MiB is out of range (1 to " + std::to_string(kMaxMachineMemoryMib) +
                                    " MiB)");
    // The mask + 1 of the 386 is 4 GiB, which the 3072 MiB cap already keeps us below.
    const std::uint64_t address_space_mib = (std::uint64_t{address_mask} + 1) / kOneMib;
    if (config.memory_mib > address_space_mib)
        throw std::invalid_argument("machine config: memory size " + std::to_string(config.memory_mib) +
                                    " MiB exceeds the " + model_name + "'s address space of " +
                                    std::to_string(address_space_mib) + " MiB");

    const std::size_t bios_bytes = config.bios_image.size();
    if (bios_bytes == 0) throw std::invalid_argument("machine config: the BIOS image is empty");
    if (bios_bytes % kBiosGranuleBytes != 0)
        throw std::invalid_argument("machine config: the BIOS image is " + std::to_string(bios_bytes) +
                                    " bytes; its size must be a multiple of 4096 bytes (4 KiB)");
    if (bios_bytes > kMaxBiosBytes)
        throw std::invalid_argument("machine config: the BIOS image is " + std::to_string(bios_bytes) +
                                    " bytes; at most 131072 bytes (128 KiB) fit the ROM area "
                                    "0xE0000-0xFFFFF");

    MemoryMap layout;
    layout.address_mask = address_mask;
    layout.ram_bytes = config.memory_mib * kOneMib;  // at most 3 GiB: fits 32 bits
    layout.bios_bytes = static_cast<std::uint32_t>(bios_bytes);
    layout.bios_low_base = kOneMib - layout.bios_bytes;
    layout.bios_high_base = address_mask - layout.bios_bytes + 1;
    return layout;
}

}  // namespace

struct Machine::Impl {
    Impl(const MemoryMap& layout_in, CpuModel model, const CpuOptions& options, const std::vector<std::uint8_t>& bios_image)
        : layout(layout_in), memory(layout.address_mask), cpu(model, memory, options),
          scheduler(cpu.clock_khz(), [this] { return cpu.cycles(); }) {
        // An event scheduled during an instruction (a port handler programming a timer) must
        // end the running slice early enough to fire on time.
        scheduler.set_deadline_hook([this](std::uint64_t earliest) { cpu.pull_deadline(earliest); });
        // RAM up to the BIOS, RAM above 1 MiB up to the BIOS's top copy, the BIOS and its alias
        // (see MemoryMap). The BIOS shadows the RAM below 1 MiB it covers.
        memory.map_ram(0, layout.bios_low_base);
        const std::uint64_t high_ram_end = std::min<std::uint64_t>(layout.ram_bytes, layout.bios_high_base);
        if (high_ram_end > kOneMib) memory.map_ram(kOneMib, high_ram_end - kOneMib);
        memory.map_rom(layout.bios_low_base, bios_image);
        if (layout.bios_high_base != layout.bios_low_base)
            memory.map_alias(layout.bios_high_base, layout.bios_bytes, layout.bios_low_base);
        memory.set_io_ports(&ports);
        memory.add_listener(cpu);
        bios = bios_image;
    }

    // Builds the PC platform's devices (MachineConfig::platform). A guest reset request (CF9h)
    // is carried out by run() at the next instruction boundary: pull_deadline ends the slice.
    void build_pc_platform() {
        platform = std::make_unique<devices::PcPlatform>(devices::PcPlatform::Wiring{
            cpu, scheduler, memory, ports, [this](devices::ResetKind kind) {
                pending_reset = kind;
                cpu.pull_deadline(cpu.cycles());
            },
            [this] {
                powered_off = true;
                cpu.pull_deadline(cpu.cycles());  // ends the slice after the OUT
            },
            layout.ram_bytes, rtc_start_epoch, cpu.has_fpu(), &devices, ide_drives});
    }
    // A reset the guest requested, done between slices; true if one was.
    bool carry_out_pending_reset() {
        if (!pending_reset) return false;
        if (*pending_reset == devices::ResetKind::Hard && platform) {
            platform->reset_devices();
            place_firmware_tables();
        }
        pending_reset.reset();
        cpu.reset();
        ++guest_resets;
        return true;
    }

    // With the built-in BIOS (a 64 KiB ROM at F0000h) E0000h-EFFFFh is RAM: the platform's ACPI
    // tables are written there at power-on and at every hard reset, as firmware would build
    // them, and the BIOS reports the range reserved in E820 (docs/BIOS.md).
    void place_firmware_tables() {
        if (!builtin_bios || !platform) return;
        const auto& acpi = platform->acpi_tables();
        memory.write_physical(acpi.base, acpi.bytes);
    }

    bool builtin_bios = false;
    MemoryMap layout;
    IoPortMap ports;
    PhysicalMemoryMap memory;
    Cpu cpu;              // declared after the map it holds a reference to
    Scheduler scheduler;  // and this after the CPU whose cycles are its time
    std::vector<std::uint8_t> bios;  // the image as configured (a machine snapshot checks its hash)
    SnapshotRegistry devices;        // the devices' part of a snapshot (the PC platform's register)
    std::unique_ptr<devices::PcPlatform> platform;  // after everything it is wired to
    std::optional<devices::ResetKind> pending_reset;
    std::uint64_t guest_resets = 0;
    bool stop_on_guest_reset = false;
    bool powered_off = false;
    std::optional<std::int64_t> rtc_start_epoch;
    std::array<devices::AtaChannel::DriveConfig, 4> ide_drives{};
};

namespace {

// MachineConfig::ide_drives -> the platform's four positions, checking the rules.
std::array<devices::AtaChannel::DriveConfig, 4> ide_wiring(const MachineConfig& config) {
    std::array<devices::AtaChannel::DriveConfig, 4> slots{};
    if (!config.ide_drives.empty() && config.platform != Platform::PC)
        throw std::invalid_argument("machine config: ide_drives need the PC platform (platform = Platform::PC)");
    for (const IdeDrive& drive : config.ide_drives) {
        const auto slot = static_cast<unsigned>(drive.slot);
        if (slot > 3) throw std::invalid_argument("machine config: ide_drives: unknown slot");
        if (slots[slot].kind != devices::AtaDriveKind::None)
            throw std::invalid_argument("machine config: ide_drives: slot " + std::to_string(slot) + " given twice");
        if (!drive.image) throw std::invalid_argument("machine config: ide_drives: a drive without an image");
        const bool cdrom = drive.kind == IdeDeviceKind::Cdrom;
        if (cdrom && (drive.image->writable() || drive.image->size_bytes() % 2048 != 0))
            throw std::invalid_argument("machine config: ide_drives: the CD-ROM image '" + drive.image->name() +
                                        "' must be ReadOnly and a whole number of 2048-byte blocks");
        slots[slot] = {cdrom ? devices::AtaDriveKind::Cdrom : devices::AtaDriveKind::HardDisk, drive.image};
    }
    return slots;
}

}  // namespace

Machine::Machine(MachineConfig config) {
    // A PC without a BIOS image of its own gets the built-in one, which needs 32-bit registers.
    const bool builtin_bios = config.bios_image.empty() && config.platform == Platform::PC;
    if (builtin_bios) {
        if (config.model == CpuModel::i8086 || config.model == CpuModel::i80286)
            throw std::invalid_argument("machine config: the built-in BIOS needs a 386 or later; give a bios_image");
        const auto image = builtin_bios_image();
        config.bios_image.assign(image.begin(), image.end());
    }
    const MemoryMap layout = layout_for(config);
    if (config.platform != Platform::Bare && config.platform != Platform::PC)
        throw std::invalid_argument("machine config: unknown platform");
    impl_ = std::make_unique<Impl>(layout, config.model, config.cpu_options, config.bios_image);
    impl_->rtc_start_epoch = config.rtc_start_epoch;
    impl_->builtin_bios = builtin_bios;
    impl_->ide_drives = ide_wiring(config);
    if (config.platform == Platform::PC) impl_->build_pc_platform();
    impl_->place_firmware_tables();
    impl_->cpu.reset();
}

Machine::~Machine() = default;

CpuModel Machine::model() const { return impl_->cpu.model(); }
const MemoryMap& Machine::memory_map() const { return impl_->layout; }
Cpu& Machine::cpu() { return impl_->cpu; }
const Cpu& Machine::cpu() const { return impl_->cpu; }
PhysicalMemoryMap& Machine::memory() { return impl_->memory; }
IoPortMap& Machine::ports() { return impl_->ports; }
void Machine::reset() {
    if (impl_->powered_off) impl_->place_firmware_tables();  // power-on again
    impl_->powered_off = false;
    impl_->cpu.reset();
}
Scheduler& Machine::scheduler() { return impl_->scheduler; }
const Scheduler& Machine::scheduler() const { return impl_->scheduler; }

// Slices the budget at event deadlines; halted with IF = 1, jumps to the next one (machine.hpp).
RunResult Machine::run(std::uint64_t cycle_budget) {
    Cpu& cpu = impl_->cpu;
    Scheduler& events = impl_->scheduler;
    const std::uint64_t start = cpu.cycles();
    const std::uint64_t end = cycle_budget > UINT64_MAX - start ? UINT64_MAX : start + cycle_budget;
    // What Cpu::run returns when it reached the slice's end or halted; anything else ends this
    // run as it is.
    constexpr std::uint32_t kSliceEnds = static_cast<std::uint32_t>(
        StopReason::BudgetExhausted | StopReason::RepInProgress | StopReason::Halted);
    RunResult total;
    for (;;) {
        if (impl_->powered_off) {
            total.reasons = StopReason::PoweredOff;
            break;
        }
        events.run_due();
        if (impl_->platform) impl_->platform->between_slices();
        if (impl_->carry_out_pending_reset() && impl_->stop_on_guest_reset) {
            total.reasons = StopReason::StopRequested;
            break;
        }
        const std::uint64_t now = cpu.cycles();
        if (now >= end) {
            total.reasons = total.reasons | StopReason::BudgetExhausted;
            break;
        }
        // run_due() left no deadline at or before now, so the slice is never empty.
        const std::uint64_t slice_end = std::min(end, events.next_deadline().value_or(end));
        const RunResult slice = cpu.run(slice_end - now);
        total.instructions += slice.instructions;
        total.reasons = any(slice.reasons, StopReason::RepInProgress) ? StopReason::RepInProgress : StopReason::None;
        if (static_cast<std::uint32_t>(slice.reasons) & ~kSliceEnds) {
            total.reasons = slice.reasons;
            total.stop = slice.stop;
            break;
        }
        if (!any(slice.reasons, StopReason::Halted)) continue;  // at a deadline or the end
        // Halted: only an interrupt can wake the CPU (an NMI pending would have been taken), so
        // with IF = 0 nothing will, and with IF = 1 nothing happens until the next event.
        const std::optional<std::uint64_t> next = events.next_deadline();
        if (!cpu.interrupts_enabled() || !next) {
            total.reasons = total.reasons | StopReason::Halted;
            break;
        }
        cpu.idle_until(std::min(*next, end));
    }
    total.cycles = cpu.cycles() - start;
    return total;
}
void Machine::request_stop() { impl_->cpu.request_stop(); }

std::vector<std::uint8_t> Machine::save_snapshot() const {
    return save_machine_snapshot({impl_->memory, impl_->layout.ram_bytes, impl_->bios, impl_->cpu, impl_->devices});
}
void Machine::restore_snapshot(std::span<const std::uint8_t> bytes) {
    restore_machine_snapshot(bytes, {impl_->memory, impl_->layout.ram_bytes, impl_->bios, impl_->cpu, impl_->devices});
}
Platform Machine::platform() const { return impl_->platform ? Platform::PC : Platform::Bare; }
std::optional<std::uint8_t> Machine::post_code() const {
    return impl_->platform ? impl_->platform->last_post_code() : std::nullopt;
}
void Machine::set_post_code_handler(std::function<void(std::uint8_t)> handler) {
    if (!impl_->platform) throw std::logic_error("Machine::set_post_code_handler: the Bare platform has no port 80h device");
    impl_->platform->set_post_code_handler(std::move(handler));
}
std::uint64_t Machine::guest_resets() const { return impl_->guest_resets; }
void Machine::set_stop_on_guest_reset(bool stop) { impl_->stop_on_guest_reset = stop; }
bool Machine::powered_off() const { return impl_->powered_off; }
Machine::FirmwareTables Machine::firmware_tables() const {
    if (!impl_->platform) return {};
    const AcpiTables& acpi = impl_->platform->acpi_tables();
    return {acpi.base, acpi.bytes, acpi.rsdp};
}
Display* Machine::display() { return impl_->platform ? &impl_->platform->vga() : nullptr; }
void Machine::set_serial_output(unsigned index, std::function<void(std::uint8_t)> output) {
    if (!impl_->platform) throw std::logic_error("Machine::set_serial_output: the Bare platform has no serial ports");
    impl_->platform->serial(index).set_output(std::move(output));
}
void Machine::push_serial_input(unsigned index, std::span<const std::uint8_t> bytes) {
    if (!impl_->platform) throw std::logic_error("Machine::push_serial_input: the Bare platform has no serial ports");
    impl_->platform->serial(index).host_input().push(bytes);
}

void Machine::flush_disks() {
    if (impl_->platform) impl_->platform->flush_disks();
}

void Machine::add_port_handler(std::uint16_t first, std::uint16_t last, PortHandler handler) {
    impl_->ports.add_isa8(first, last, std::move(handler));
}

void Machine::read_physical(std::uint32_t paddr, std::span<std::uint8_t> out) const {
    impl_->memory.read_physical(paddr, out);
}

void Machine::write_physical(std::uint32_t paddr, std::span<const std::uint8_t> data) {
    impl_->memory.write_physical(paddr, data);
}

}  // namespace x86emu
