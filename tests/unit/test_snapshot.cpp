// x86emu unit tests — snapshots (x86emu/snapshot.hpp, docs/SNAPSHOTS.md):
//   * the random-point round trip: a long guest run (tests/unit/guests/snapshot_guest.asm) on a
//     Machine of each model, snapshotted at seeded random points, at paused REP instructions, while
//     halted and with an NMI pending; each snapshot is restored into a fresh Machine that runs on
//     to the end, and must end exactly as the uninterrupted run: CpuState, FpuState, cycles,
//     instructions, RAM and the final snapshot's bytes;
//   * a Cpu-level round trip over the tests' own Bus;
//   * bad input: every truncation, every flipped bit of a small snapshot, wrong version, kind,
//     model, configuration, fields out of range; each raises SnapshotError and changes nothing.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "emu_test_support.hpp"
#include "machine/snapshottable.hpp"
#include "x86emu/machine.hpp"
#include "x86emu/snapshot.hpp"

using namespace x86emu;

namespace {

std::vector<std::uint8_t> read_guest(const char* path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE_MESSAGE(bytes.size() == 0x4000, "the guest ROM ", path, " was not built");
    return bytes;
}

std::uint64_t fnv1a64(std::span<const std::uint8_t> bytes) {
    std::uint64_t h = 0xCBF29CE484222325ull;
    for (std::uint8_t b : bytes) h = (h ^ b) * 0x100000001B3ull;
    return h;
}

// A Machine with the guest's two peripherals. Neither has state of its own: the INTR level they
// drive is the CPU's, so the CPU's part of the snapshot carries it.
struct Rig {
    struct Controller final : InterruptController {
        Cpu* cpu = nullptr;
        std::uint8_t acknowledge() override {
            cpu->set_intr(false);
            return 0x41;
        }
    };
    Controller controller;
    Machine machine;

    explicit Rig(const MachineConfig& config) : machine(config) {
        controller.cpu = &machine.cpu();
        machine.cpu().set_interrupt_controller(&controller);
        PortHandler raise_intr;
        raise_intr.write = [this](std::uint16_t, std::uint8_t) { machine.cpu().set_intr(true); };
        machine.add_port_handler(0x80, 0x80, raise_intr);
    }
    Rig(const Rig&) = delete;
    Rig& operator=(const Rig&) = delete;
};

// One step of the test's driving loop: a run towards `until`; a HLT is answered with an NMI,
// as in every run of the test, so the answer is part of the deterministic run.
RunResult run_towards(Machine& m, std::uint64_t until) {
    RunResult r = m.run(until - m.cpu().cycles());
    REQUIRE_FALSE(any(r.reasons, StopReason::Shutdown));
    if (any(r.reasons, StopReason::Halted)) m.cpu().raise_nmi();
    return r;
}
void run_to(Machine& m, std::uint64_t end) {
    while (m.cpu().cycles() < end) run_towards(m, end);
}

// Everything a continuation must reproduce.
struct Outcome {
    CpuState state;
    std::optional<FpuState> fpu;
    std::uint64_t cycles = 0, instructions = 0, ram_hash = 0;
    std::vector<std::uint8_t> snapshot;
};
Outcome outcome_of(Machine& m) {
    Outcome o;
    o.state = m.cpu().state();
    if (m.cpu().has_fpu()) o.fpu = m.cpu().fpu_state();
    o.cycles = m.cpu().cycles();
    o.instructions = m.cpu().instructions();
    std::vector<std::uint8_t> ram(m.memory_map().ram_bytes);
    m.read_physical(0, ram);
    o.ram_hash = fnv1a64(ram);
    o.snapshot = m.save_snapshot();
    return o;
}
void check_same_fpu(const std::optional<FpuState>& a, const std::optional<FpuState>& b) {
    REQUIRE(a.has_value() == b.has_value());
    if (!a) return;
    CHECK(a->physical == b->physical);
    CHECK(a->control == b->control);
    CHECK(a->status == b->status);
    CHECK(a->tag == b->tag);
    CHECK(a->last_ip == b->last_ip);
    CHECK(a->last_cs == b->last_cs);
    CHECK(a->last_opcode == b->last_opcode);
    CHECK(a->last_dp == b->last_dp);
    CHECK(a->last_ds == b->last_ds);
}
void check_same(const Outcome& a, const Outcome& b) {
    CHECK(a.state == b.state);
    check_same_fpu(a.fpu, b.fpu);
    CHECK(a.cycles == b.cycles);
    CHECK(a.instructions == b.instructions);
    CHECK(a.ram_hash == b.ram_hash);
    CHECK(a.snapshot == b.snapshot);
}

// The guest's own counters (snapshot_guest.asm, variables at 500h).
std::uint32_t guest_word(Machine& m, std::uint32_t address) {
    std::uint8_t b[4];
    m.read_physical(address, b);
    return b[0] | (b[1] << 8) | (b[2] << 16) | (std::uint32_t{b[3]} << 24);
}

struct RoundTripCase {
    CpuModel model;
    bool fpu;
    std::uint32_t memory_mib;
    const char* guest;
    std::uint64_t end_cycles;
};

struct Tally {
    unsigned points = 0, random = 0, rep = 0, shadow = 0, halted = 0, nmi_pending = 0, protected_mode = 0;
};

void round_trip(const RoundTripCase& c, Tally& tally) {
    CAPTURE(cpu_model_name(c.model));
    MachineConfig config;
    config.model = c.model;
    config.cpu_options.fpu = c.fpu;
    config.memory_mib = c.memory_mib;
    config.bios_image = read_guest(c.guest);

    // A: straight through.
    auto a = std::make_unique<Rig>(config);
    run_to(a->machine, c.end_cycles);
    const Outcome expected = outcome_of(a->machine);
    // The guest did what it is there for.
    REQUIRE(guest_word(a->machine, 0x50C) > 4);   // NMIs (one per HLT)
    REQUIRE(guest_word(a->machine, 0x510) > 50);  // external interrupts
    REQUIRE(guest_word(a->machine, 0x514) > 50);  // INT 40h
    MESSAGE(cpu_model_name(c.model), ": ", expected.instructions, " instructions, ", expected.cycles, " cycles, ",
            guest_word(a->machine, 0x50C), " HLT/NMI, ", guest_word(a->machine, 0x518), " page faults, snapshot ",
            expected.snapshot.size(), " bytes");

    // B: the same run, snapshotted along the way; each snapshot continues in a fresh Machine.
    std::mt19937_64 random(0x5eed0000u + static_cast<unsigned>(c.model));
    std::vector<std::uint64_t> points;
    for (int k = 0; k < 10; ++k) points.push_back(random() % c.end_cycles);
    std::sort(points.begin(), points.end());

    auto continue_from = [&](Machine& b, const char* why) {
        CAPTURE(why);
        CAPTURE(b.cpu().cycles());
        const std::vector<std::uint8_t> bytes = b.save_snapshot();
        auto fresh = std::make_unique<Rig>(config);
        fresh->machine.restore_snapshot(bytes);
        CHECK(fresh->machine.cpu().state() == b.cpu().state());
        run_to(fresh->machine, c.end_cycles);
        check_same(outcome_of(fresh->machine), expected);
        ++tally.points;
        if (b.cpu().state().cr0 & 1) ++tally.protected_mode;
    };

    auto b = std::make_unique<Rig>(config);
    Machine& m = b->machine;
    std::size_t next = 0;
    unsigned halted_points = 0, nmi_points = 0;
    while (m.cpu().cycles() < c.end_cycles) {
        const std::uint64_t until = next < points.size() ? std::max(points[next], m.cpu().cycles() + 1) : c.end_cycles;
        RunResult r = m.run(std::min(until, c.end_cycles) - m.cpu().cycles());
        REQUIRE_FALSE(any(r.reasons, StopReason::Shutdown));
        if (any(r.reasons, StopReason::Halted)) {
            // A few of the halts, chosen at random, are snapshotted too: before the NMI and after.
            if (halted_points < 2 && random() % 16 == 0) {
                REQUIRE(m.cpu().halted());
                continue_from(m, "halted");
                ++halted_points;
                ++tally.halted;
            }
            m.cpu().raise_nmi();
            if (nmi_points < 2 && random() % 16 == 0) {
                continue_from(m, "halted with an NMI pending");
                ++nmi_points;
                ++tally.nmi_pending;
            }
            continue;
        }
        if (next < points.size() && m.cpu().cycles() >= points[next]) {
            // Step on (steps change nothing: slicing is invisible) to a state that plain
            // random points rarely hit.
            auto step_until = [&](auto&& reached) {
                for (int s = 0; s < 100000 && !reached(); ++s)
                    if (any(m.cpu().step().reasons, StopReason::Halted)) m.cpu().raise_nmi();
                REQUIRE(reached());
            };
            if (next % 3 == 0) {
                step_until([&] { return m.cpu().state().rep_in_progress; });
                continue_from(m, "inside a paused REP");
                ++tally.rep;
            } else if (next % 3 == 1) {
                // Right after the guest's STI (its OUT just raised INTR): in the interrupt
                // shadow, with the INTR line up.
                step_until([&] { return m.cpu().state().interrupt_shadow; });
                continue_from(m, "in the STI shadow with INTR asserted");
                ++tally.shadow;
            } else {
                continue_from(m, any(r.reasons, StopReason::RepInProgress) ? "random point (in a REP)" : "random point");
                if (any(r.reasons, StopReason::RepInProgress)) ++tally.rep;
                ++tally.random;
            }
            ++next;
        }
    }
    // B itself, snapshotted and stepped as it was, ends like A.
    check_same(outcome_of(m), expected);
}

}  // namespace

TEST_CASE("snapshots at random points of long runs continue in fresh machines to the identical end") {
    const RoundTripCase cases[] = {
        {CpuModel::i8086, false, 1, X86EMU_SNAPSHOT_GUEST_8086, 60'000'000},
        {CpuModel::i80286, true, 4, X86EMU_SNAPSHOT_GUEST_8086, 40'000'000},
        {CpuModel::i80386, true, 4, X86EMU_SNAPSHOT_GUEST_386, 60'000'000},
        {CpuModel::i80486, true, 4, X86EMU_SNAPSHOT_GUEST_386, 40'000'000},
        {CpuModel::p5, true, 4, X86EMU_SNAPSHOT_GUEST_P5, 40'000'000},
        {CpuModel::p6, true, 4, X86EMU_SNAPSHOT_GUEST_P5, 40'000'000},
    };
    Tally tally;
    for (const RoundTripCase& c : cases) round_trip(c, tally);
    MESSAGE("snapshot points: ", tally.points, " (random ", tally.random, ", in a paused REP ", tally.rep,
            ", in the STI shadow with INTR up ", tally.shadow, ", halted ", tally.halted, ", NMI pending ", tally.nmi_pending, ", in protected mode ",
            tally.protected_mode, ")");
    CHECK(tally.points >= 80);
    CHECK(tally.rep >= 5);
    CHECK(tally.shadow >= 5);
    CHECK(tally.halted >= 5);
    CHECK(tally.nmi_pending >= 5);
    CHECK(tally.protected_mode >= 10);
}

// ---- the Cpu alone, over the tests' own Bus -------------------------------------------------

namespace {

using x86emu_test::kCodeIp;

// A real-mode loop at 1000:0100 touching lazy flags, REP MOVSB, the x87, RDTSC and memory.
std::vector<std::uint8_t> cpu_loop_code() {
    std::vector<std::uint8_t> code = {
        0x01, 0xD8,                    // add ax, bx
        0x81, 0xD3, 0x34, 0x12,        // adc bx, 1234h
        0xB9, 0x10, 0x00,              // mov cx, 16
        0xBE, 0x00, 0x00,              // mov si, 0
        0xBF, 0x00, 0x01,              // mov di, 100h
        0xF3, 0xA4,                    // rep movsb
        0xDF, 0x06, 0x00, 0x03,        // fild word [300h]
        0xD9, 0xFA,                    // fsqrt
        0xDD, 0x1E, 0x08, 0x03,        // fstp qword [308h]
        0xFF, 0x06, 0x00, 0x03,        // inc word [300h]
        0x0F, 0x31,                    // rdtsc
        0x31, 0x06, 0x10, 0x03,        // xor [310h], ax
    };
    code.push_back(0xEB);  // jmp back to the start
    code.push_back(static_cast<std::uint8_t>(-static_cast<int>(code.size() + 1)));
    return code;
}

CpuidTable custom_cpuid() {
    CpuidTable t = builtin_cpuid(CpuModel::p5);
    t.leaves[1].ebx = 0xC0FFEE;
    return t;
}

}  // namespace

TEST_CASE("a Cpu snapshot over the embedder's Bus continues exactly, with the CPUID table and the TSC") {
    x86emu_test::Machine a(CpuModel::p5);
    a.load(cpu_loop_code());
    a.cpu.set_cpuid(custom_cpuid());
    CpuState with_tsc = a.cpu.state();
    with_tsc.tsc = 0x123456789ABull;  // a TSC offset a fresh Cpu does not have
    a.cpu.set_state(with_tsc);
    a.cpu.run(12'345);
    a.cpu.step();  // the ADD or another instruction: lazily kept flags are likely pending
    const std::vector<std::uint8_t> bytes = a.cpu.save_snapshot();
    CHECK(a.cpu.save_snapshot() == bytes);  // saving changes nothing

    x86emu_test::Machine b(CpuModel::p5);
    b.bus.mem = a.bus.mem;  // the embedder restores its own memory first
    b.cpu.restore_snapshot(bytes);
    CHECK(b.cpu.state() == a.cpu.state());
    CHECK(b.cpu.cycles() == a.cpu.cycles());
    CHECK(b.cpu.instructions() == a.cpu.instructions());
    CHECK(b.cpu.cpuid().leaves == custom_cpuid().leaves);
    check_same_fpu(a.cpu.fpu_state(), b.cpu.fpu_state());

    for (int slice = 0; slice < 50; ++slice) {
        a.cpu.run(997);
        b.cpu.run(997);
    }
    CHECK(b.cpu.state() == a.cpu.state());
    check_same_fpu(a.cpu.fpu_state(), b.cpu.fpu_state());
    CHECK(b.cpu.cycles() == a.cpu.cycles());
    CHECK(b.cpu.instructions() == a.cpu.instructions());
    CHECK(b.bus.mem == a.bus.mem);
    CHECK(b.cpu.save_snapshot() == a.cpu.save_snapshot());
    CHECK(a.cpu.state().tsc.value() > 0);
}

// ---- bad input ------------------------------------------------------------------------------

namespace {

using nlohmann::json;

// Takes a snapshot apart (the outer document and its body) and puts it back together with a
// correct checksum, so that a test can change one field and see the field's own error.
struct Document {
    json outer, body;
    explicit Document(const std::vector<std::uint8_t>& bytes) {
        outer = json::from_cbor(bytes);
        body = json::from_cbor(outer["body"].get_binary());
    }
    std::vector<std::uint8_t> bytes() const {
        json o = outer;
        std::vector<std::uint8_t> b = json::to_cbor(body);
        o["body_fnv1a64"] = fnv1a64(b);
        o["body"] = json::binary(std::move(b));
        return json::to_cbor(o);
    }
};

// Restoring `bytes` raises SnapshotError of `kind` whose message contains `text`, and leaves the
// Cpu exactly as it was.
void check_refused(Cpu& cpu, const std::vector<std::uint8_t>& bytes, SnapshotErrorKind kind, const std::string& text) {
    const std::vector<std::uint8_t> before = cpu.save_snapshot();
    try {
        cpu.restore_snapshot(bytes);
        FAIL("restore_snapshot accepted it (expected: ", text, ")");
    } catch (const SnapshotError& e) {
        CHECK_MESSAGE(e.kind() == kind, std::string(e.what()));
        CHECK_MESSAGE(std::string(e.what()).find(text) != std::string::npos, std::string(e.what()));
    }
    CHECK(cpu.save_snapshot() == before);
}

MachineConfig small_machine(CpuModel model = CpuModel::i80386) {
    MachineConfig config;
    config.model = model;
    config.memory_mib = 1;
    config.bios_image = std::vector<std::uint8_t>(4096, 0xF4);  // HLT everywhere
    return config;
}

}  // namespace

TEST_CASE("every truncation and every flipped bit of a snapshot is refused, changing nothing") {
    x86emu_test::Machine source(CpuModel::i8086);
    source.load(cpu_loop_code());
    source.cpu.run(5000);
    const std::vector<std::uint8_t> bytes = source.cpu.save_snapshot();

    x86emu_test::Machine target(CpuModel::i8086);
    target.load({0x40, 0xEB, 0xFD});  // inc ax; jmp $-1
    target.cpu.run(777);
    const std::vector<std::uint8_t> before = target.cpu.save_snapshot();
    const CpuState state_before = target.cpu.state();

    unsigned truncations = 0;
    for (std::size_t length = 0; length < bytes.size(); ++length) {
        CAPTURE(length);
        try {
            target.cpu.restore_snapshot(std::span(bytes.data(), length));
            FAIL("a truncated snapshot was accepted");
        } catch (const SnapshotError& e) {
            CHECK(e.kind() == SnapshotErrorKind::Truncated);
            ++truncations;
        }
    }
    unsigned flips = 0;
    std::vector<std::uint8_t> damaged = bytes;
    for (std::size_t at = 0; at < bytes.size(); ++at) {
        for (unsigned bit = 0; bit < 8; ++bit) {
            CAPTURE(at);
            CAPTURE(bit);
            damaged[at] = static_cast<std::uint8_t>(bytes[at] ^ (1u << bit));
            try {
                target.cpu.restore_snapshot(damaged);
                FAIL("a damaged snapshot was accepted");
            } catch (const SnapshotError&) {
                ++flips;
            }
            damaged[at] = bytes[at];
        }
    }
    MESSAGE("snapshot of ", bytes.size(), " bytes: ", truncations, " truncations and ", flips,
            " single-bit flips refused");
    CHECK(target.cpu.save_snapshot() == before);
    CHECK(target.cpu.state() == state_before);
    // The intact snapshot is still accepted.
    target.cpu.restore_snapshot(bytes);
    CHECK(target.cpu.state() == source.cpu.state());
}

TEST_CASE("snapshot errors: not a snapshot, version, kind, model, configuration") {
    x86emu_test::Machine m(CpuModel::i80386, x86emu_test::with_fpu(true));
    m.cpu.run(100);
    const std::vector<std::uint8_t> good = m.cpu.save_snapshot();
    x86emu_test::Machine target(CpuModel::i80386, x86emu_test::with_fpu(true));

    check_refused(target.cpu, {}, SnapshotErrorKind::Truncated, "empty");
    check_refused(target.cpu, {0xFF, 0x00, 0x13}, SnapshotErrorKind::Corrupt, "not valid CBOR");
    check_refused(target.cpu, json::to_cbor(json{{"format", "something else"}}), SnapshotErrorKind::NotASnapshot,
                  "x86emu-snapshot");
    check_refused(target.cpu, json::to_cbor(json::array({1, 2, 3})), SnapshotErrorKind::NotASnapshot, "not a snapshot");
    std::vector<std::uint8_t> trailing = good;
    trailing.push_back(0);
    check_refused(target.cpu, trailing, SnapshotErrorKind::Corrupt, "not valid CBOR");

    Document newer(good);
    newer.outer["version"] = kSnapshotFormatVersion + 1;
    check_refused(target.cpu, newer.bytes(), SnapshotErrorKind::UnsupportedVersion, "newer");
    Document zero(good);
    zero.outer["version"] = 0;
    check_refused(target.cpu, zero.bytes(), SnapshotErrorKind::UnsupportedVersion, "version 0");

    Machine machine(small_machine());
    check_refused(target.cpu, machine.save_snapshot(), SnapshotErrorKind::WrongKind, "\"machine\" snapshot");
    try {
        machine.restore_snapshot(good);
        FAIL("a cpu snapshot was accepted by a Machine");
    } catch (const SnapshotError& e) {
        CHECK(e.kind() == SnapshotErrorKind::WrongKind);
    }

    x86emu_test::Machine i486(CpuModel::i80486);
    check_refused(i486.cpu, good, SnapshotErrorKind::Mismatch, "taken on CPU model 386, restored into a 486");
    x86emu_test::Machine no_fpu(CpuModel::i80386);
    check_refused(no_fpu.cpu, good, SnapshotErrorKind::Mismatch, "without");
    x86emu::CpuOptions slow = x86emu_test::with_clock(16'000);
    slow.fpu = true;
    x86emu_test::Machine other_clock(CpuModel::i80386, slow);
    check_refused(other_clock.cpu, good, SnapshotErrorKind::Mismatch, "16000 kHz");

    // Machines: every configuration item is checked, and nothing changes.
    Machine bigger([] { auto c = small_machine(); c.memory_mib = 2; return c; }());
    Machine other_bios([] { auto c = small_machine(); c.bios_image[17] = 0x90; return c; }());
    const std::vector<std::uint8_t> machine_bytes = machine.save_snapshot();
    for (Machine* target_machine : {&bigger, &other_bios}) {
        const std::vector<std::uint8_t> before = target_machine->save_snapshot();
        try {
            target_machine->restore_snapshot(machine_bytes);
            FAIL("a snapshot of another machine was accepted");
        } catch (const SnapshotError& e) {
            CHECK(e.kind() == SnapshotErrorKind::Mismatch);
            MESSAGE(std::string(e.what()));
        }
        CHECK(target_machine->save_snapshot() == before);
    }
}

TEST_CASE("snapshot fields missing, mistyped or out of range are refused by name") {
    x86emu_test::Machine m(CpuModel::i80386, x86emu_test::with_fpu(true));
    m.cpu.run(100);
    const std::vector<std::uint8_t> good = m.cpu.save_snapshot();
    x86emu_test::Machine target(CpuModel::i80386, x86emu_test::with_fpu(true));

    struct Edit {
        const char* expected;
        void (*apply)(json& body);
    };
    const Edit edits[] = {
        {"cpu.state.eip: missing", [](json& b) { b["cpu"]["state"].erase("eip"); }},
        {"cpu.state.cpl: 4 is out of range (0 to 3)", [](json& b) { b["cpu"]["state"]["cpl"] = 4; }},
        {"cpu.state.cpl: must be 0 in real mode", [](json& b) { b["cpu"]["state"]["cpl"] = 3; }},
        {"cpu.state.seg[2].selector: 65536 is out of range", [](json& b) { b["cpu"]["state"]["seg"][2]["selector"] = 65536; }},
        {"cpu.state.gpr: expected 8 elements, found 7", [](json& b) { b["cpu"]["state"]["gpr"].erase(7); }},
        {"cpu.state.halted: expected true or false", [](json& b) { b["cpu"]["state"]["halted"] = 1; }},
        {"cpu.state.cycles: expected an unsigned integer", [](json& b) { b["cpu"]["state"]["cycles"] = -1; }},
        {"cpu.state.x87.last_opcode: 2048 is out of range (0 to 2047)",
         [](json& b) { b["cpu"]["state"]["x87"]["last_opcode"] = 0x800; }},
        {"cpu.state.x87.physical[3]: expected 2 elements", [](json& b) { b["cpu"]["state"]["x87"]["physical"][3] = {1}; }},
        {"cpu.state.delivery_ext: 2 is out of range (0 to 1)", [](json& b) { b["cpu"]["state"]["delivery_ext"] = 2; }},
        {"cpu.state: expected a map", [](json& b) { b["cpu"]["state"] = "registers"; }},
        {"cpu.cpuid: CPU model 386 has no CPUID", [](json& b) { b["cpu"]["cpuid"] = json::array(); }},
        {"cpu: missing", [](json& b) { b.erase("cpu"); }},
    };
    for (const Edit& edit : edits) {
        const std::string expected = edit.expected;
        CAPTURE(expected);
        Document d(good);
        edit.apply(d.body);
        check_refused(target.cpu, d.bytes(), SnapshotErrorKind::InvalidField, edit.expected);
    }

    // A P5's CPUID table must have the shape set_cpuid requires.
    x86emu_test::Machine p5(CpuModel::p5);
    Document bad_cpuid(p5.cpu.save_snapshot());
    bad_cpuid.body["cpu"]["cpuid"][0][0] = 7;
    check_refused(p5.cpu, bad_cpuid.bytes(), SnapshotErrorKind::InvalidField, "cpu.cpuid: leaf 0 EAX must be the maximum leaf");
}

TEST_CASE("a machine snapshot with a bad RAM part changes neither the CPU nor RAM (all or nothing)") {
    Machine source(small_machine());
    const std::uint8_t pattern[] = {1, 2, 3, 4};
    source.write_physical(0x3000, pattern);
    source.run(1000);
    const std::vector<std::uint8_t> good = source.save_snapshot();

    Machine target(small_machine());
    const std::uint8_t other[] = {9, 9};
    target.write_physical(0x5000, other);
    const std::vector<std::uint8_t> before = target.save_snapshot();

    struct Edit {
        const char* expected;
        void (*apply)(json& body);
    };
    const Edit edits[] = {
        {"machine.ram.pages[0][0]: 256 is out of range (0 to 255)", [](json& b) { b["machine"]["ram"]["pages"][0][0] = 256; }},
        {"machine.ram.pages[0][1]: a page is 4096 bytes, this one 3",
         [](json& b) { b["machine"]["ram"]["pages"][0][1] = json::binary({1, 2, 3}); }},
        {"machine.ram.pages[1][0]: pages must be in ascending order",
         [](json& b) { b["machine"]["ram"]["pages"].push_back(b["machine"]["ram"]["pages"][0]); }},
        {"machine.ram.page_bytes: must be 4096", [](json& b) { b["machine"]["ram"]["page_bytes"] = 512; }},
        {"machine.devices: missing", [](json& b) { b["machine"].erase("devices"); }},
        {"device \"pit\" this machine does not have", [](json& b) { b["machine"]["devices"]["pit"] = json::object(); }},
    };
    for (const Edit& edit : edits) {
        const std::string expected = edit.expected;
        CAPTURE(expected);
        Document d(good);
        edit.apply(d.body);
        try {
            target.restore_snapshot(d.bytes());
            FAIL("accepted");
        } catch (const SnapshotError& e) {
            CHECK_MESSAGE(std::string(e.what()).find(edit.expected) != std::string::npos, std::string(e.what()));
        }
        CHECK(target.save_snapshot() == before);
    }
    target.restore_snapshot(good);
    CHECK(target.save_snapshot() == good);
    std::uint8_t read_back[4] = {};
    target.read_physical(0x3000, read_back);
    CHECK(std::equal(std::begin(read_back), std::end(read_back), std::begin(pattern)));
    std::uint8_t cleared[2] = {0xAA, 0xAA};
    target.read_physical(0x5000, cleared);
    CHECK(cleared[0] == 0);  // a page that is zero in the snapshot is zeroed
    CHECK(cleared[1] == 0);
}

TEST_CASE("snapshot files: written whole, read back, missing files reported") {
    const std::filesystem::path dir = std::filesystem::temp_directory_path() / "x86emu-snapshot-test";
    std::filesystem::create_directories(dir);
    Machine m(small_machine());
    m.run(100);
    const std::vector<std::uint8_t> bytes = m.save_snapshot();
    write_snapshot_file(dir / "a.x86snap", bytes);
    CHECK(read_snapshot_file(dir / "a.x86snap") == bytes);
    CHECK_FALSE(std::filesystem::exists(dir / "a.x86snap.partial"));
    try {
        read_snapshot_file(dir / "missing.x86snap");
        FAIL("a missing file was read");
    } catch (const SnapshotError& e) {
        CHECK(e.kind() == SnapshotErrorKind::Io);
        CHECK(std::string(e.what()).find("missing.x86snap") != std::string::npos);
    }
    std::filesystem::remove_all(dir);
}

// ---- the device interface (library-internal: the devices of the platform issue use it) ------

namespace {

struct CounterDevice final : Snapshottable {
    std::string name;
    std::uint32_t value = 0;
    explicit CounterDevice(std::string n) : name(std::move(n)) {}
    std::string_view snapshot_name() const override { return name; }
    json save_state() const override { return {{"value", value}}; }
    void check_state(const snapshot::Field& state) const override { state["value"].uint<std::uint32_t>(1000); }
    void restore_state(const json& state) override { value = state["value"].get<std::uint32_t>(); }
};

}  // namespace

TEST_CASE("the device registry saves every device by name and restores all or none") {
    CounterDevice pit("pit"), pic("pic");
    SnapshotRegistry registry;
    registry.add(pit);
    registry.add(pic);
    CounterDevice another_pit("pit");
    CHECK_THROWS_AS(registry.add(another_pit), std::invalid_argument);

    pit.value = 7;
    pic.value = 9;
    const json saved = registry.save();
    CHECK(saved == json{{"pit", {{"value", 7u}}}, {"pic", {{"value", 9u}}}});

    auto refused = [&](const json& devices, const std::string& text) {
        pit.value = 1;
        pic.value = 2;
        try {
            registry.check(snapshot::Field(devices, "machine.devices"));
            FAIL("accepted");
        } catch (const SnapshotError& e) {
            CHECK_MESSAGE(std::string(e.what()).find(text) != std::string::npos, std::string(e.what()));
        }
        CHECK(pit.value == 1);
        CHECK(pic.value == 2);
    };
    refused(json{{"pit", {{"value", 7u}}}}, "machine.devices.pic: missing");
    refused(json{{"pit", {{"value", 7u}}}, {"pic", {{"value", 1001u}}}}, "machine.devices.pic.value: 1001 is out of range");
    refused(json{{"pit", {{"value", 7u}}}, {"pic", {{"value", 9u}}}, {"dma", json::object()}}, "device \"dma\"");

    registry.check(snapshot::Field(saved, "machine.devices"));
    registry.restore(saved);
    CHECK(pit.value == 7);
    CHECK(pic.value == 9);
}

// ---- the caches follow every wholesale change of the state ------------------------------------

TEST_CASE("reset rebuilds the caches: no translation made with paging on survives it") {
    // The reset vector's linear page FFFFF000h, mapped by paging to RAM page 20000h holding
    // other code, is fetched from; after reset (paging off) the fetch must reach the ROM.
    MachineConfig config = small_machine();
    config.memory_mib = 4;
    const std::uint8_t rom_code[] = {0xB8, 0x34, 0x12, 0xF4};  // mov ax, 1234h; hlt (16-bit)
    std::copy(std::begin(rom_code), std::end(rom_code), config.bios_image.begin() + 0xFF0);
    Machine m(config);
    auto put32 = [&](std::uint32_t address, std::uint32_t value) {
        const std::uint8_t b[4] = {static_cast<std::uint8_t>(value), static_cast<std::uint8_t>(value >> 8),
                                   static_cast<std::uint8_t>(value >> 16), static_cast<std::uint8_t>(value >> 24)};
        m.write_physical(address, b);
    };
    put32(0x10000 + 1023 * 4, 0x11000 | 3);  // PDE for FFC00000h-FFFFFFFFh
    put32(0x11000 + 1023 * 4, 0x20000 | 3);  // PTE for FFFFF000h -> 20000h
    const std::uint8_t ram_code[] = {0x66, 0xB8, 0x78, 0x56, 0xF4};  // mov ax, 5678h; hlt (32-bit)
    m.write_physical(0x20FF0, ram_code);

    CpuState s = m.cpu().state();
    SegmentState code{0x08, 0, 0xFFFFFFFF, 0xC09B}, data{0x10, 0, 0xFFFFFFFF, 0xC093};
    for (auto& seg : s.seg) seg = data;
    s.seg[CS] = code;
    s.cr0 = 0x80000011;
    s.cr3 = 0x10000;
    s.eip = 0xFFFFFFF0;
    s.cpl = 0;
    m.cpu().set_state(s);
    CHECK(any(m.run(100).reasons, StopReason::Halted));
    CHECK((m.cpu().state().gpr[EAX] & 0xFFFF) == 0x5678);

    m.reset();
    CHECK(any(m.run(100).reasons, StopReason::Halted));
    CHECK((m.cpu().state().gpr[EAX] & 0xFFFF) == 0x1234);
}

TEST_CASE("a snapshot of a shut-down CPU restores shut down (set_state would clear it)") {
    // INT 10h with an IVT limit of 3: #GP, then #DF, both beyond the limit too: shutdown.
    x86emu_test::Machine a(CpuModel::i80386);
    CpuState s = x86emu_test::Machine::base_state();
    s.idtr.limit = 3;
    a.load({0xCD, 0x10});
    a.cpu.set_state(s);
    CHECK(any(a.cpu.run(1000).reasons, StopReason::Shutdown));
    const std::vector<std::uint8_t> bytes = a.cpu.save_snapshot();

    x86emu_test::Machine b(CpuModel::i80386);
    b.bus.mem = a.bus.mem;
    b.cpu.restore_snapshot(bytes);
    const RunResult r = b.cpu.run(1000);
    CHECK(any(r.reasons, StopReason::Shutdown));
    CHECK(r.cycles == 0);
    CHECK(b.cpu.save_snapshot() == bytes);
}

TEST_CASE("Machine snapshot: RAM pages are read whatever the A20 gate says, and the gate is restored") {
    // With A20 off, physical 100000h shows page 0; the snapshot must still carry page 100h's own
    // bytes, and the fresh machine must come back with the gate off.
    x86emu::MachineConfig config;
    config.model = x86emu::CpuModel::i80386;
    config.memory_mib = 2;
    config.bios_image.assign(4096, 0xF4);
    x86emu::Machine original(config);
    const std::uint8_t low[2] = {0x11, 0x22}, high[2] = {0x33, 0x44};
    original.write_physical(0x000000, low);
    original.write_physical(0x100000, high);
    original.memory().set_a20(false);
    const std::vector<std::uint8_t> bytes = original.save_snapshot();

    x86emu::Machine fresh(config);
    fresh.restore_snapshot(bytes);
    CHECK_FALSE(fresh.memory().a20());
    std::uint8_t seen[2] = {};
    fresh.read_physical(0x100000, seen);  // A20 off: this is page 0
    CHECK(seen[0] == 0x11);
    fresh.memory().set_a20(true);
    fresh.read_physical(0x100000, seen);
    CHECK(seen[0] == 0x33);
    CHECK(seen[1] == 0x44);
    CHECK(fresh.save_snapshot().size() > 0);
}
