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
    unsigned points = 0, random = 0, rep = 0, halted = 0, nmi_pending = 0, protected_mode = 0;
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
            if (next % 3 == 0) {
                // Step on to the next REP instruction paused between iterations.
                for (int s = 0; s < 100000; ++s) {
                    RunResult st = m.cpu().step();
                    if (any(st.reasons, StopReason::Halted)) {
                        m.cpu().raise_nmi();
                        continue;
                    }
                    if (any(st.reasons, StopReason::RepInProgress)) break;
                }
                REQUIRE(m.cpu().state().rep_in_progress);
                continue_from(m, "inside a paused REP");
                ++tally.rep;
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
        {CpuModel::p6, true, 4, X86EMU_SNAPSHOT_GUEST_386, 40'000'000},
    };
    Tally tally;
    for (const RoundTripCase& c : cases) round_trip(c, tally);
    MESSAGE("snapshot points: ", tally.points, " (random ", tally.random, ", in a paused REP ", tally.rep,
            ", halted ", tally.halted, ", NMI pending ", tally.nmi_pending, ", in protected mode ",
            tally.protected_mode, ")");
    CHECK(tally.points >= 50);
    CHECK(tally.rep >= 5);
    CHECK(tally.halted >= 5);
    CHECK(tally.nmi_pending >= 5);
    CHECK(tally.protected_mode >= 10);
}
