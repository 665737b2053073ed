// x86emu — machine snapshots (machine/machine_snapshot.hpp, docs/SNAPSHOTS.md): the
// configuration check, RAM as non-zero pages, the device registry, around the CPU part.
#include "machine/machine_snapshot.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "core/cpu_internals.hpp"
#include "core/cpu_snapshot.hpp"

namespace x86emu {

using snapshot::fail;
using snapshot::Field;
using snapshot::json;

namespace {

constexpr std::size_t kPageBytes = 4096;
constexpr std::uint32_t kOneMib = 1u << 20;

// The one place snapshots reach guest RAM: page `page` of [0, ram_bytes) as the map holds it
// (whatever the A20 gate says), or nullptr where that page is not RAM (under the BIOS, an MMIO
// window a device mapped).
std::uint8_t* ram_page(const MachineSnapshotParts& m, std::size_t page) {
    return m.memory.ram_page(static_cast<std::uint32_t>(page * kPageBytes));
}
std::size_t ram_page_count(const MachineSnapshotParts& m) { return m.ram_bytes / kPageBytes; }

bool page_is_zero(const std::uint8_t* page) {
    return std::all_of(page, page + kPageBytes, [](std::uint8_t b) { return b == 0; });
}

json config_json(const MachineSnapshotParts& m) {
    return {{"model", cpu_model_name(m.cpu.model())},
            {"memory_mib", m.ram_bytes / kOneMib},
            {"bios_bytes", m.bios.size()},
            {"bios_fnv1a64", snapshot::fnv1a64(m.bios)}};
}

void check_config(const Field& config, const MachineSnapshotParts& m) {
    const Cpu& cpu = m.cpu;
    const std::string model = config["model"].string();
    const std::string target_model{cpu_model_name(cpu.model())};
    if (model != target_model)
        fail(SnapshotErrorKind::Mismatch, "taken on a " + model + " machine, restored into a " + target_model + " one");
    const std::uint32_t mib = config["memory_mib"].uint<std::uint32_t>();
    if (mib != m.ram_bytes / kOneMib)
        fail(SnapshotErrorKind::Mismatch, "taken on a machine with " + std::to_string(mib) + " MiB of RAM, restored into one with " +
                                              std::to_string(m.ram_bytes / kOneMib) + " MiB");
    const std::uint64_t bios_bytes = config["bios_bytes"].uint<std::uint64_t>();
    const std::uint64_t bios_hash = config["bios_fnv1a64"].uint<std::uint64_t>();
    if (bios_bytes != m.bios.size() || bios_hash != snapshot::fnv1a64(m.bios))
        fail(SnapshotErrorKind::Mismatch, "taken on a machine with another BIOS image (" + std::to_string(bios_bytes) +
                                              " bytes; this one has " + std::to_string(m.bios.size()) +
                                              " bytes or different contents)");
}

json ram_json(const MachineSnapshotParts& m) {
    json pages = json::array();
    for (std::size_t page = 0; page < ram_page_count(m); ++page) {
        const std::uint8_t* bytes = ram_page(m, page);
        if (!bytes || page_is_zero(bytes)) continue;
        pages.push_back({page, json::binary(std::vector<std::uint8_t>(bytes, bytes + kPageBytes))});
    }
    return {{"page_bytes", kPageBytes}, {"pages", pages}};
}

// The validated pages: (page number, its bytes inside the decoded document), ascending.
struct PreparedPage {
    std::size_t page;
    const std::vector<std::uint8_t>* bytes;
};
std::vector<PreparedPage> check_ram(const Field& ram, const MachineSnapshotParts& m) {
    if (ram["page_bytes"].uint<std::size_t>() != kPageBytes) ram["page_bytes"].invalid("must be 4096");
    const Field pages = ram["pages"];
    const std::size_t page_count = ram_page_count(m);
    std::vector<PreparedPage> prepared;
    prepared.reserve(pages.array_size());
    for (std::size_t k = 0; k < pages.array_size(); ++k) {
        const Field entry = pages.at(k);
        entry.expect_size(2);
        const std::size_t page = entry.at(0).uint<std::size_t>(page_count - 1);
        if (!ram_page(m, page)) entry.at(0).invalid("page " + std::to_string(page) + " is not RAM in this machine");
        if (!prepared.empty() && page <= prepared.back().page)
            entry.at(0).invalid("pages must be in ascending order, each once");
        const std::vector<std::uint8_t>& bytes = entry.at(1).bytes();
        if (bytes.size() != kPageBytes)
            entry.at(1).invalid("a page is 4096 bytes, this one " + std::to_string(bytes.size()));
        prepared.push_back({page, &bytes});
    }
    return prepared;
}

void restore_ram(const MachineSnapshotParts& m, const std::vector<PreparedPage>& pages) {
    // Pages not in the snapshot are zero there; only those that are not zero now are written,
    // so untouched (lazily allocated) host memory stays untouched.
    auto next = pages.begin();
    for (std::size_t page = 0; page < ram_page_count(m); ++page) {
        std::uint8_t* bytes = ram_page(m, page);
        if (!bytes) continue;
        if (next != pages.end() && next->page == page) {
            std::memcpy(bytes, next->bytes->data(), kPageBytes);
            ++next;
        } else if (!page_is_zero(bytes)) {
            std::memset(bytes, 0, kPageBytes);
        }
    }
}

}  // namespace

// ---- the device registry ------------------------------------------------------------------------

void SnapshotRegistry::add(Snapshottable& device) {
    for (const Snapshottable* d : devices_)
        if (d->snapshot_name() == device.snapshot_name())
            throw std::invalid_argument("snapshot registry: a device named \"" + std::string(device.snapshot_name()) +
                                        "\" is already registered");
    devices_.push_back(&device);
}

json SnapshotRegistry::save() const {
    json devices = json::object();
    for (const Snapshottable* d : devices_) devices[std::string(d->snapshot_name())] = d->save_state();
    return devices;
}

void SnapshotRegistry::check(const Field& devices) const {
    if (!devices.value().is_object()) devices.invalid("expected a map");
    for (const Snapshottable* d : devices_) {
        // A device this machine has and the snapshot lacks: taken on another configuration (a
        // Bare machine's snapshot restored into a PC one), or a version without that device.
        if (!devices.has(d->snapshot_name()))
            fail(SnapshotErrorKind::Mismatch, devices.path() + "." + std::string(d->snapshot_name()) +
                                                  ": missing (the snapshot was taken on a machine without this device)");
        d->check_state(devices[d->snapshot_name()]);
    }
    for (const auto& item : devices.value().items()) {
        const std::string& name = item.key();
        const bool known = std::any_of(devices_.begin(), devices_.end(),
                                       [&](const Snapshottable* d) { return d->snapshot_name() == name; });
        if (!known)
            fail(SnapshotErrorKind::Mismatch, "the snapshot has a device \"" + name + "\" this machine does not have");
    }
}

void SnapshotRegistry::restore(const json& devices) {
    for (Snapshottable* d : devices_) d->restore_state(devices.at(std::string(d->snapshot_name())));
}

// ---- the machine snapshot ---------------------------------------------------------------------

std::vector<std::uint8_t> save_machine_snapshot(const MachineSnapshotParts& m) {
    const Cpu& cpu = m.cpu;
    json machine = {{"config", config_json(m)}, {"ram", ram_json(m)}, {"a20", m.memory.a20()}, {"devices", m.devices.save()}};
    json body = {{"library_version", snapshot::library_version()},
                 {"cpu", snapshot::CpuStateCodec::save(CpuInternals::core(cpu), CpuInternals::clock_khz(cpu))},
                 {"machine", machine}};
    return snapshot::encode_document(snapshot::kKindMachine, body);
}

void restore_machine_snapshot(std::span<const std::uint8_t> bytes, const MachineSnapshotParts& m) {
    Cpu& cpu = m.cpu;
    const json body = snapshot::decode_document(bytes, snapshot::kKindMachine);
    const Field root(body, "");
    const Field machine = root["machine"];
    // Everything is checked first ...
    check_config(machine["config"], m);
    const bool a20 = machine["a20"].boolean();
    const snapshot::PreparedCpu prepared_cpu =
        snapshot::CpuStateCodec::prepare(CpuInternals::core(cpu), CpuInternals::clock_khz(cpu), root["cpu"]);
    // The devices before RAM: a snapshot of another platform is a Mismatch (its devices), not
    // an invalid page (the VGA window that is RAM on the Bare platform).
    const Field device_states = machine["devices"];
    m.devices.check(device_states);
    const std::vector<PreparedPage> pages = check_ram(machine["ram"], m);
    // ... then everything is changed; none of this can fail. Memory first, then the CPU, whose
    // commit drops every decoded instruction and translation made from the old memory and sets
    // the time base (cycles, the scheduler's now()), then the devices: their re-arming and
    // rebuilding read now() (the UART's character timeout, the ACPI timer's status), and the
    // map changes they make (the A20 gate's set_a20, the VGA's LFB at the restored BAR0) reach
    // the CPU through its memory-map listener like any guest-made change. The PIC, restored
    // last, drives INTR to the level the CPU part recorded.
    restore_ram(m, pages);
    if (m.memory.a20() != a20) m.memory.set_a20(a20);  // tells the CPU (its listener) to drop its caches
    snapshot::CpuStateCodec::commit(CpuInternals::core(cpu), prepared_cpu);
    m.devices.restore(device_states.value());
}

}  // namespace x86emu
