// x86emu — how a machine's devices take part in snapshots (docs/SNAPSHOTS.md, "devices"): each
// device implements Snapshottable and is registered with the Machine's SnapshotRegistry under a
// unique name; a machine snapshot's "devices" map holds each one's state under that name.
// Library-internal (nlohmann::json is not part of the public API); the public API is bytes.
#pragma once
#include <string_view>
#include <vector>

#include "core/snapshot_format.hpp"

namespace x86emu {

class Snapshottable {
public:
    virtual ~Snapshottable() = default;
    // The key of this device's state in "devices": stable across versions (renaming it is a
    // format change), unique in a machine.
    virtual std::string_view snapshot_name() const = 0;
    // The device's complete state: plain values, no host pointers.
    virtual snapshot::json save_state() const = 0;
    // Throws SnapshotError (Field::invalid names the path) unless `state` is one this device can
    // take; must not change the device. restore_state() is only called after it accepted.
    virtual void check_state(const snapshot::Field& state) const = 0;
    virtual void restore_state(const snapshot::json& state) = 0;
};

class SnapshotRegistry {
public:
    // Throws std::invalid_argument for a name already registered. The device must outlive the
    // registry (a machine registers the devices it owns).
    void add(Snapshottable& device);
    snapshot::json save() const;
    // Every registered device's state is present and accepted, and no other is there.
    void check(const snapshot::Field& devices) const;
    void restore(const snapshot::json& devices);  // after check()

private:
    std::vector<Snapshottable*> devices_;
};

}  // namespace x86emu
