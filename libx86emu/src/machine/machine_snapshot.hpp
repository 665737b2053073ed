// x86emu — the machine part of a snapshot (docs/SNAPSHOTS.md, "machine"): the configuration a
// snapshot must be restored into, RAM as its non-zero 4 KiB pages, and the devices, around the
// CPU part (core/cpu_snapshot.hpp). Restore validates everything before it changes anything.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "machine/machine_bus.hpp"
#include "machine/snapshottable.hpp"
#include "x86emu/cpu.hpp"

namespace x86emu {

std::vector<std::uint8_t> save_machine_snapshot(MachineBus& bus, const Cpu& cpu, const SnapshotRegistry& devices);
void restore_machine_snapshot(std::span<const std::uint8_t> bytes, MachineBus& bus, Cpu& cpu,
                              SnapshotRegistry& devices);

}  // namespace x86emu
