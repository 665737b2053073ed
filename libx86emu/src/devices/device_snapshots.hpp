// x86emu — the PC platform's devices in machine snapshots (docs/SNAPSHOTS.md, "devices"): one
// Snapshottable adapter per device, over the device's plain State (and the VGA's video memory,
// the PCI functions' configuration spaces). Each adapter has one decoder that reads and checks
// every field of its "devices" entry into a State; check_state() runs it and drops the result,
// restore_state() runs it again and hands the State to the device, followed by the device's own
// rearm/rebuild (which cancels its pending scheduler events and schedules those the State
// records, at their recorded cycles). The device classes themselves keep no snapshot code.
#pragma once
#include <memory>
#include <vector>

#include "machine/snapshottable.hpp"

namespace x86emu::devices {

class PcPlatform;

// Creates the adapters for every device of `platform` (kept by the platform) and registers them
// with `registry` in their restore order: the devices that drive IRQ lines first and the PIC,
// whose state says what it has latched from them, last. Called once, by the PcPlatform
// constructor.
void register_device_snapshots(PcPlatform& platform, SnapshotRegistry& registry,
                               std::vector<std::unique_ptr<Snapshottable>>& adapters);

}  // namespace x86emu::devices
