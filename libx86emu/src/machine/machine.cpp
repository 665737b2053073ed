// x86emu — Machine: configuration checks, the PC memory layout derived from them, and the thin
// pass-throughs to the Cpu and the MachineBus it owns.
#include "x86emu/machine.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

#include "machine/machine_bus.hpp"
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
    Impl(const MemoryMap& layout, CpuModel model, const CpuOptions& options, std::vector<std::uint8_t> bios_image)
        : bus(layout, std::move(bios_image)), cpu(model, bus, options) {}

    MachineBus bus;
    Cpu cpu;  // declared after the bus it holds a reference to
    SnapshotRegistry devices;  // the devices' part of a snapshot (none yet)
};

Machine::Machine(MachineConfig config) {
    const MemoryMap layout = layout_for(config);
    impl_ = std::make_unique<Impl>(layout, config.model, config.cpu_options, std::move(config.bios_image));
    impl_->cpu.reset();
}

Machine::~Machine() = default;

CpuModel Machine::model() const { return impl_->cpu.model(); }
const MemoryMap& Machine::memory_map() const { return impl_->bus.layout(); }
Cpu& Machine::cpu() { return impl_->cpu; }
const Cpu& Machine::cpu() const { return impl_->cpu; }
void Machine::reset() { impl_->cpu.reset(); }
RunResult Machine::run(std::uint64_t cycle_budget) { return impl_->cpu.run(cycle_budget); }
void Machine::request_stop() { impl_->cpu.request_stop(); }

std::vector<std::uint8_t> Machine::save_snapshot() const {
    return save_machine_snapshot(impl_->bus, impl_->cpu, impl_->devices);
}
void Machine::restore_snapshot(std::span<const std::uint8_t> bytes) {
    restore_machine_snapshot(bytes, impl_->bus, impl_->cpu, impl_->devices);
}

void Machine::add_port_handler(std::uint16_t first, std::uint16_t last, PortHandler handler) {
    impl_->bus.add_port_handler(first, last, std::move(handler));
}

void Machine::read_physical(std::uint32_t paddr, std::span<std::uint8_t> out) const {
    for (std::size_t k = 0; k < out.size(); ++k)
        out[k] = impl_->bus.read8(paddr + static_cast<std::uint32_t>(k));
}

void Machine::write_physical(std::uint32_t paddr, std::span<const std::uint8_t> data) {
    const std::uint32_t mask = impl_->bus.layout().address_mask;
    std::size_t done = 0;
    while (done < data.size()) {
        // One page-bounded chunk at a time, so the invalidation never spans an address wrap.
        const std::uint32_t chunk_start = (paddr + static_cast<std::uint32_t>(done)) & mask;
        const std::size_t room_in_page = 4096 - (chunk_start & 0xFFF);
        const std::size_t chunk = std::min(room_in_page, data.size() - done);
        for (std::size_t k = 0; k < chunk; ++k)
            impl_->bus.write8(chunk_start + static_cast<std::uint32_t>(k), data[done + k]);
        impl_->cpu.invalidate_code(chunk_start, static_cast<std::uint32_t>(chunk));
        done += chunk;
    }
}

}  // namespace x86emu
