// x86emu unit tests — the PC platform's devices in machine snapshots (devices/device_snapshots.hpp,
// docs/SNAPSHOTS.md "devices"):
//   * the random-point round trip on a PC-platform Machine running guests/device_snapshot_guest.asm
//     (PIT mode 2 on IRQ0, the RTC's periodic interrupt on IRQ8, COM1 sending with THRE interrupts
//     on IRQ4, VGA text writes, A20 toggled through port 92h, HLT between interrupts): snapshots at
//     seeded random points are each restored into a fresh PC Machine that runs on to the end; the
//     CpuState, cycles, instructions, RAM, the serial bytes (the prefix's then the continuation's),
//     the VGA text cells and the final snapshot's bytes must be those of the uninterrupted run;
//   * bad device parts: a field removed or out of range is refused by name (InvalidField) and
//     changes nothing; a Bare machine's snapshot in a PC machine is a Mismatch (its devices are
//     missing), and the reverse too (devices the Bare machine does not have);
//   * the VGA's LFB is mapped where the restored BAR0 says, with the restored video memory.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/snapshot_format.hpp"
#include "x86emu/display.hpp"
#include "x86emu/machine.hpp"
#include "x86emu/scheduler.hpp"
#include "x86emu/snapshot.hpp"

using namespace x86emu;
using snapshot::json;

namespace {

std::vector<std::uint8_t> device_guest() {
    std::ifstream in(X86EMU_DEVICE_SNAPSHOT_GUEST, std::ios::binary);
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE_MESSAGE(bytes.size() == 0x10000, "the guest ROM was not built");
    return bytes;
}

MachineConfig pc_config(Platform platform = Platform::PC) {
    MachineConfig config;
    config.model = CpuModel::i80386;
    config.memory_mib = 2;
    config.platform = platform;
    config.bios_image = device_guest();
    return config;
}

std::uint64_t fnv1a64(std::span<const std::uint8_t> bytes) {
    std::uint64_t h = 0xCBF29CE484222325ull;
    for (std::uint8_t b : bytes) h = (h ^ b) * 0x100000001B3ull;
    return h;
}

// A PC machine and the bytes COM1 has sent, starting from `prefix`.
struct PcRun {
    std::unique_ptr<Machine> machine;
    std::vector<std::uint8_t> serial;
    explicit PcRun(std::vector<std::uint8_t> prefix = {}) : machine(std::make_unique<Machine>(pc_config())), serial(std::move(prefix)) {
        machine->set_serial_output(0, [this](std::uint8_t b) { serial.push_back(b); });
    }
    void run_to(std::uint64_t end) {
        while (machine->cpu().cycles() < end) {
            const RunResult r = machine->run(end - machine->cpu().cycles());
            REQUIRE_FALSE(any(r.reasons, StopReason::Shutdown));
            REQUIRE((any(r.reasons, StopReason::BudgetExhausted) || machine->cpu().cycles() >= end));
        }
    }
};

std::uint16_t guest_word(Machine& m, std::uint32_t address) {
    std::uint8_t b[2];
    m.read_physical(address, b);
    return static_cast<std::uint16_t>(b[0] | (b[1] << 8));
}

struct Outcome {
    CpuState state;
    std::uint64_t cycles = 0, instructions = 0, ram_hash = 0;
    std::vector<std::uint8_t> serial;
    std::vector<TextCell> text;
    std::vector<std::uint8_t> snapshot;
};
Outcome outcome_of(PcRun& run) {
    Machine& m = *run.machine;
    Outcome o;
    o.state = m.cpu().state();
    o.cycles = m.cpu().cycles();
    o.instructions = m.cpu().instructions();
    std::vector<std::uint8_t> ram(m.memory_map().ram_bytes);
    m.read_physical(0, ram);
    o.ram_hash = fnv1a64(ram);
    o.serial = run.serial;
    o.text = m.display()->text_cells();
    o.snapshot = m.save_snapshot();
    return o;
}

// Every pending scheduler event's cycle, in firing order.
std::vector<std::uint64_t> pending_deadlines(Machine& m) {
    std::vector<std::uint64_t> cycles;
    for (EventId id : m.scheduler().pending_events()) cycles.push_back(m.scheduler().deadline_of(id).value_or(0));
    return cycles;
}

// The snapshot's body, editable, and back.
json body_of(const std::vector<std::uint8_t>& bytes) { return snapshot::decode_document(bytes, snapshot::kKindMachine); }
std::vector<std::uint8_t> with_body(const json& body) { return snapshot::encode_document(snapshot::kKindMachine, body); }

void expect_refused(Machine& target, const std::vector<std::uint8_t>& bytes, SnapshotErrorKind kind, const std::string& text) {
    const std::vector<std::uint8_t> before = target.save_snapshot();
    try {
        target.restore_snapshot(bytes);
        FAIL("accepted: " << text);
    } catch (const SnapshotError& e) {
        CHECK_MESSAGE(e.kind() == kind, e.what());
        CHECK_MESSAGE(std::string(e.what()).find(text) != std::string::npos, e.what());
    }
    CHECK(target.save_snapshot() == before);  // nothing changed: CPU, RAM, every device
}

constexpr std::uint64_t kRunMilliseconds = 40;
constexpr std::size_t kUartFifoBytes = 16;

}  // namespace

TEST_CASE("PC devices: snapshots at random points continue in fresh PC machines to the identical end") {
    PcRun straight;
    const std::uint64_t end = std::uint64_t{straight.machine->cpu().clock_khz()} * kRunMilliseconds;
    straight.run_to(end);
    const Outcome expected = outcome_of(straight);
    Machine& s = *straight.machine;
    // The guest did what the test is about: every interrupt source fired many times.
    const std::uint16_t ticks = guest_word(s, 0x500), rtc_ticks = guest_word(s, 0x502), sent = guest_word(s, 0x504);
    MESSAGE("IRQ0 ticks ", ticks, ", IRQ8 ticks ", rtc_ticks, ", COM1 bytes ", sent, ", snapshot ", expected.snapshot.size(), " bytes");
    CHECK(ticks >= kRunMilliseconds - 2);
    CHECK(rtc_ticks >= kRunMilliseconds);
    CHECK(sent >= 100);
    CHECK(expected.serial.size() >= 100);
    CHECK(expected.serial.size() <= sent);
    CHECK(expected.serial.size() + kUartFifoBytes + 1 >= sent);  // the rest is in the FIFO
    const auto written = std::count_if(expected.text.begin(), expected.text.end(), [](const TextCell& c) { return c.attribute & 1; });
    CHECK(written >= 50);

    std::mt19937_64 rng(0xDE51CE5);
    std::vector<std::uint64_t> points;
    for (int i = 0; i < 24; ++i) points.push_back(1 + rng() % (end - 1));
    std::sort(points.begin(), points.end());

    PcRun prefix;
    std::size_t restored = 0;
    bool saw_a20_off = false;
    for (std::uint64_t point : points) {
        prefix.run_to(point);
        saw_a20_off = saw_a20_off || !prefix.machine->memory().a20();
        const std::vector<std::uint8_t> bytes = prefix.machine->save_snapshot();
        PcRun fresh(prefix.serial);
        fresh.machine->restore_snapshot(bytes);
        CHECK(fresh.machine->save_snapshot() == bytes);  // restored exactly, events included
        // The devices' pending events are re-armed at the same cycles, none lost or added.
        CHECK(pending_deadlines(*fresh.machine) == pending_deadlines(*prefix.machine));
        fresh.run_to(end);
        const Outcome got = outcome_of(fresh);
        INFO("snapshot at cycle ", prefix.machine->cpu().cycles());
        CHECK(got.state == expected.state);
        CHECK(got.cycles == expected.cycles);
        CHECK(got.instructions == expected.instructions);
        CHECK(got.ram_hash == expected.ram_hash);
        CHECK(got.serial == expected.serial);
        CHECK(got.text == expected.text);
        CHECK(got.snapshot == expected.snapshot);
        ++restored;
    }
    CHECK(restored == points.size());
    CHECK(saw_a20_off);  // some snapshot was taken with A20 off (port 92h)
}

TEST_CASE("PC devices: a device part missing a field or out of range is refused by name, changing nothing") {
    PcRun source;
    source.run_to(std::uint64_t{source.machine->cpu().clock_khz()} * 5);
    const std::vector<std::uint8_t> good = source.machine->save_snapshot();
    const json body = body_of(good);
    REQUIRE(body["machine"]["devices"].size() == 13);

    PcRun target;
    target.run_to(std::uint64_t{target.machine->cpu().clock_khz()} * 2);

    json missing = body;
    missing["machine"]["devices"]["pit"]["counters"][0].erase("mode");
    expect_refused(*target.machine, with_body(missing), SnapshotErrorKind::InvalidField,
                   "machine.devices.pit.counters[0].mode: missing");

    json head = body;
    head["machine"]["devices"]["com1"]["rx_head"] = 16;
    expect_refused(*target.machine, with_body(head), SnapshotErrorKind::InvalidField,
                   "machine.devices.com1.rx_head: 16 is out of range (0 to 15)");

    json deadline = body;
    deadline["machine"]["devices"]["rtc"]["event_at"] = "soon";
    expect_refused(*target.machine, with_body(deadline), SnapshotErrorKind::InvalidField,
                   "machine.devices.rtc.event_at: expected an unsigned integer");

    json vram = body;
    vram["machine"]["devices"]["vga"]["video_memory"]["pages"][0][1] = json::binary(std::vector<std::uint8_t>(100));
    expect_refused(*target.machine, with_body(vram), SnapshotErrorKind::InvalidField,
                   "machine.devices.vga.video_memory.pages[0][1]: a page is 4096 bytes");

    json mouse = body;
    mouse["machine"]["devices"]["kbc"]["mouse"]["dx"] = -5000000000LL;
    expect_refused(*target.machine, with_body(mouse), SnapshotErrorKind::InvalidField, "machine.devices.kbc.mouse.dx");

    json pic = body;
    pic["machine"]["devices"]["pic"]["chips"][1]["vector_base"] = 0x71;
    expect_refused(*target.machine, with_body(pic), SnapshotErrorKind::InvalidField, "machine.devices.pic.chips[1].vector_base");

    json ata = body;
    ata["machine"]["devices"]["ide"]["primary"]["drives"][0]["multiple"] = 17;
    expect_refused(*target.machine, with_body(ata), SnapshotErrorKind::InvalidField,
                   "machine.devices.ide.primary.drives[0].multiple: 17 is out of range (0 to 16)");
    json pending = body;
    pending["machine"]["devices"]["ide"]["secondary"]["drives"][1]["pending"] = 1;
    expect_refused(*target.machine, with_body(pending), SnapshotErrorKind::InvalidField,
                   "machine.devices.ide.secondary.drives[1].pending_at");

    json gone = body;
    gone["machine"]["devices"].erase("acpi_pm");
    expect_refused(*target.machine, with_body(gone), SnapshotErrorKind::Mismatch, "machine.devices.acpi_pm: missing");

    // The unmodified snapshot is accepted by the same target.
    target.machine->restore_snapshot(good);
    CHECK(target.machine->save_snapshot() == good);
}

TEST_CASE("PC devices: a Bare machine's snapshot does not restore into a PC machine, nor the reverse") {
    Machine bare(pc_config(Platform::Bare));
    const std::vector<std::uint8_t> bare_bytes = bare.save_snapshot();
    CHECK(body_of(bare_bytes)["machine"]["devices"].empty());
    PcRun pc;
    expect_refused(*pc.machine, bare_bytes, SnapshotErrorKind::Mismatch, "missing (the snapshot was taken on a machine without this device)");
    expect_refused(bare, pc.machine->save_snapshot(), SnapshotErrorKind::Mismatch, "this machine does not have");
    // A Bare snapshot still restores into a Bare machine (version 1 documents stay valid).
    Machine other_bare(pc_config(Platform::Bare));
    other_bare.restore_snapshot(bare_bytes);
    CHECK(other_bare.save_snapshot() == bare_bytes);
}

TEST_CASE("PC devices: the VGA's LFB follows a restored BAR0, with the video memory behind it") {
    auto move_bar0 = [](Machine& m, std::uint32_t base) {
        m.ports().write(0xCF8, 4, 0x8000'1010u);  // 00:02.0, BAR0
        m.ports().write(0xCFC, 4, base);
    };
    PcRun original;
    move_bar0(*original.machine, 0xD000'0000u);
    const std::uint8_t pixels[4] = {0x12, 0x34, 0x56, 0x78};
    original.machine->write_physical(0xD000'0000u + 0x40'0000u, pixels);  // 4 MiB into the LFB
    const std::vector<std::uint8_t> bytes = original.machine->save_snapshot();

    PcRun fresh;  // its BAR0 still at the default E0000000h
    fresh.machine->restore_snapshot(bytes);
    std::uint8_t seen[4] = {};
    fresh.machine->read_physical(0xD000'0000u + 0x40'0000u, seen);
    CHECK(std::equal(std::begin(seen), std::end(seen), std::begin(pixels)));
    fresh.machine->read_physical(0xE000'0000u + 0x40'0000u, seen);  // the old place decodes nothing now
    CHECK_FALSE(std::equal(std::begin(seen), std::end(seen), std::begin(pixels)));
    CHECK(fresh.machine->ports().read(0xCFC, 4) == original.machine->ports().read(0xCFC, 4));
    CHECK(fresh.machine->save_snapshot() == bytes);
}
