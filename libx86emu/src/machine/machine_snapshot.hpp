// x86emu — the machine part of a snapshot (docs/SNAPSHOTS.md, "machine"): the configuration a
// snapshot must be restored into, RAM as its non-zero 4 KiB pages, and the devices, around the
// CPU part (core/cpu_snapshot.hpp). Restore validates everything before it changes anything.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "machine/snapshottable.hpp"
#include "x86emu/cpu.hpp"
#include "x86emu/memory_map.hpp"

namespace x86emu {

// What a machine snapshot covers: the RAM pages of the memory map below ram_bytes (pages that
// are not RAM there, the BIOS's and MMIO windows, are skipped) and its A20 gate, the BIOS image
// it must be restored with, the CPU and the registered devices.
struct MachineSnapshotParts {
    PhysicalMemoryMap& memory;
    std::uint32_t ram_bytes;
    std::span<const std::uint8_t> bios;
    Cpu& cpu;
    SnapshotRegistry& devices;
};

std::vector<std::uint8_t> save_machine_snapshot(const MachineSnapshotParts& machine);
void restore_machine_snapshot(std::span<const std::uint8_t> bytes, const MachineSnapshotParts& machine);

}  // namespace x86emu
