// x86emu unit tests — run control: step() and REP string instructions (one iteration per step,
// as the single-step trap takes them, SDM vol. 3 §17.3.1.4), cycle totals that do not depend on
// how a run is sliced, INTR without an interrupt controller, and state()/set_state() carrying a
// running CPU (CPL, halt, interrupt shadow, NMI latch and blocking, a paused REP, TSC, TRn)
// into a fresh Cpu.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "emu_test_support.hpp"

using namespace x86emu;
using namespace x86emu_test;

namespace {

constexpr CpuModel kAllModels[] = {CpuModel::i8086, CpuModel::i80286, CpuModel::i80386,
                                   CpuModel::i80486, CpuModel::p5,     CpuModel::p6};

std::uint32_t data_phys(std::uint16_t offset) { return (std::uint32_t{kDataSeg} << 4) + offset; }
std::uint32_t extra_phys(std::uint16_t offset) { return (std::uint32_t{kExtraSeg} << 4) + offset; }

// What a run ends with: everything a difference in slicing could change.
struct Outcome {
    CpuState state;
    std::vector<std::uint8_t> memory;
    std::uint64_t cycles = 0;
    std::uint64_t instructions = 0;
};

void check_same(const Outcome& a, const Outcome& b) {
    CHECK(a.state == b.state);
    CHECK(a.state.gpr == b.state.gpr);  // shown on failure, which == alone does not
    CHECK(a.state.eip == b.state.eip);
    CHECK(a.memory == b.memory);
    CHECK(a.cycles == b.cycles);
    CHECK(a.instructions == b.instructions);
}

// String-instruction programs at 1000:0100, each ending in HLT, with the registers they need.
struct RepProgram {
    const char* name;
    std::vector<std::uint8_t> code;
    std::uint16_t cx;
};
const RepProgram kRepPrograms[] = {
    {"rep movsb", {0xF3, 0xA4, 0xF4}, 7},
    {"rep stosw", {0xF3, 0xAB, 0xF4}, 5},
    {"repe cmpsb (ends early)", {0xF3, 0xA6, 0xF4}, 9},
    {"repne scasb (ends early)", {0xF2, 0xAE, 0xF4}, 9},
    {"rep lodsb with a segment override", {0x26, 0xF3, 0xAC, 0xF4}, 6},
    {"rep movsb, CX = 0", {0xF3, 0xA4, 0xF4}, 0},
    {"two REPs", {0xF3, 0xA4, 0xF3, 0xAA, 0xF4}, 4},
};

void prepare_rep(Machine& m, const RepProgram& p) {
    m.load(p.code);
    for (unsigned k = 0; k < 16; ++k) {
        m.bus.mem[data_phys(0x40 + k)] = static_cast<std::uint8_t>(k < 3 ? 0x11 : 0x20 + k);
        m.bus.mem[extra_phys(0x80 + k)] = static_cast<std::uint8_t>(k < 3 ? 0x11 : 0x90 + k);
    }
    CpuState s = Machine::base_state();
    s.gpr[ECX] = p.cx;
    s.gpr[ESI] = 0x40;
    s.gpr[EDI] = 0x80;
    s.gpr[EAX] = 0x1125;  // AL = 25h: SCASB finds it at ES:0085h (9 bytes would pass it)
    m.bus.mem[extra_phys(0x85)] = 0x25;
    m.cpu.set_state(s);
}

Outcome outcome_of(Machine& m) { return {m.cpu.state(), m.bus.mem, m.cpu.cycles(), m.cpu.instructions()}; }

}  // namespace

TEST_CASE("step() runs one REP iteration at a time; run(), step() and 1-cycle slices agree exactly") {
    for (CpuModel model : kAllModels) {
        for (const RepProgram& p : kRepPrograms) {
            CAPTURE(cpu_model_name(model));
            const std::string name = p.name;
            CAPTURE(name);
            Machine whole(model);
            prepare_rep(whole, p);
            const RunResult r = whole.cpu.run(1'000'000);
            REQUIRE(any(r.reasons, StopReason::Halted));
            const Outcome expected = outcome_of(whole);

            // Steps: a REP takes one step per iteration, with EIP on it until the last.
            Machine stepped(model);
            prepare_rep(stepped, p);
            unsigned steps = 0, paused = 0;
            for (;;) {
                const std::uint32_t eip_before = stepped.cpu.state().eip;
                const RunResult s = stepped.cpu.step();
                if (any(s.reasons, StopReason::Halted) && s.instructions == 0) break;
                REQUIRE(++steps < 100);
                if (any(s.reasons, StopReason::RepInProgress)) {
                    ++paused;
                    CHECK(s.instructions == 0);
                    CHECK(stepped.cpu.state().eip == eip_before);
                    CHECK(stepped.cpu.state().rep_in_progress);
                } else {
                    CHECK(s.instructions == 1);
                }
            }
            check_same(outcome_of(stepped), expected);
            // CX counts the iterations: all but each REP's last one paused.
            if (p.cx > 1) CHECK(paused > 0);
            if (p.cx == 0) CHECK(paused == 0);
            if (p.cx > 0 && p.code.size() == 3 && (p.code[1] == 0xA4 || p.code[1] == 0xAB)) CHECK(paused == p.cx - 1u);

            // 1-cycle budgets: every run makes progress, and the total is unchanged.
            Machine sliced(model);
            prepare_rep(sliced, p);
            unsigned runs = 0;
            for (;;) {
                const RunResult s = sliced.cpu.run(1);
                if (any(s.reasons, StopReason::Halted)) break;
                CHECK(s.cycles > 0);
                REQUIRE(++runs < 100);
            }
            check_same(outcome_of(sliced), expected);
        }
    }
}

TEST_CASE("one step of a32 rep lodsb with ECX = FFFFFFFFh is one iteration") {
    for (CpuModel model : {CpuModel::i80386, CpuModel::p6}) {
        CAPTURE(cpu_model_name(model));
        Machine m(model);
        m.load({0x67, 0xF3, 0xAC, 0xF4});  // a32 rep lodsb; hlt
        CpuState s = Machine::base_state();
        s.gpr[ECX] = 0xFFFFFFFFu;
        s.gpr[ESI] = 0x40;
        m.cpu.set_state(s);
        const auto start = std::chrono::steady_clock::now();
        RunResult r = m.cpu.step();
        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
        CHECK(took.count() < 1.0);  // was 25.8 s: the whole loop in one step
        CHECK(any(r.reasons, StopReason::Stepped));
        CHECK(any(r.reasons, StopReason::RepInProgress));
        CHECK(r.instructions == 0);
        CpuState after = m.cpu.state();
        CHECK(after.gpr[ECX] == 0xFFFFFFFEu);
        CHECK(after.gpr[ESI] == 0x41);
        CHECK(after.eip == kCodeIp);
        CHECK(after.rep_in_progress);
        const std::uint64_t first = r.cycles;
        // Further steps cost one iteration each: less than the first, which paid the setup.
        r = m.cpu.step();
        CHECK(r.cycles <= first);
        CHECK(m.cpu.state().gpr[ECX] == 0xFFFFFFFDu);
        const std::uint64_t per_iteration = r.cycles;
        r = m.cpu.step();
        CHECK(r.cycles == per_iteration);
        // A budgeted run stops between iterations, near its budget.
        r = m.cpu.run(1000);
        CHECK(any(r.reasons, StopReason::BudgetExhausted));
        CHECK(any(r.reasons, StopReason::RepInProgress));
        CHECK(r.cycles < 1000 + first);
        CHECK(m.cpu.instructions() == 0);
    }
}

TEST_CASE("TF traps after each REP iteration, with the saved IP on the REP instruction") {
    Machine m(CpuModel::i80386);
    m.load({0xF3, 0xAC, 0xF4});  // rep lodsb; hlt
    CpuState s = Machine::base_state();
    s.gpr[ECX] = 3;
    s.gpr[ESI] = 0x40;
    s.eflags = 0x0002 | eflags::TF;
    m.cpu.set_state(s);
    m.cpu.step();
    const CpuState after = m.cpu.state();
    CHECK(Machine::at_vector(after, 1));
    CHECK(after.gpr[ECX] == 2);
    CHECK(after.gpr[ESI] == 0x41);
    CHECK(m.bus.word(m.stack_phys(kStackTop - 6)) == kCodeIp);  // saved IP: the REP itself
    CHECK((after.dr[6] & 0x4000u) != 0);                        // BS
    CHECK_FALSE(after.rep_in_progress);  // the handler runs first: the REP restarts after IRET
}

namespace {
struct OneShotPic final : InterruptController {
    bool asserted = false;
    std::uint8_t vector = 0x20;
    std::uint8_t acknowledge() override {
        asserted = false;
        return vector;
    }
};

// Halted in the fixture's handler of `vector` (its HLT executed).
bool halted_in_handler(const CpuState& s, unsigned vector) {
    return s.halted && s.seg[CS].selector == kHandlerSeg && s.eip == handler_ip(vector) + 1u;
}
}  // namespace

TEST_CASE("INTR without an interrupt controller: run() and step() stop with NoInterruptController") {
    for (CpuModel model : kAllModels) {
        CAPTURE(cpu_model_name(model));
        SUBCASE("at an ordinary boundary nothing executes") {
            Machine m(model);
            m.load({0x40, 0xF4});  // inc ax; hlt
            CpuState s = Machine::base_state();
            s.eflags |= eflags::IF;
            m.cpu.set_state(s);
            m.cpu.set_intr(true);
            RunResult r = m.cpu.run(10'000);
            CHECK(r.reasons == StopReason::NoInterruptController);
            CHECK(r.instructions == 0);
            r = m.cpu.step();
            CHECK(r.reasons == StopReason::NoInterruptController);
            CHECK(m.cpu.state().gpr[EAX] == 0);
            // With IF clear the line is not recognised and the program runs.
            s.eflags &= ~eflags::IF;
            m.cpu.set_state(s);
            r = m.cpu.run(10'000);
            CHECK(any(r.reasons, StopReason::Halted));
            CHECK(m.cpu.state().gpr[EAX] == 1);
        }
        SUBCASE("a REP inside the STI shadow makes progress, then stops; a controller resumes it") {
            Machine m(model);
            m.load({0xFB, 0xF3, 0xAC, 0xF4});  // sti; rep lodsb; hlt
            CpuState s = Machine::base_state();
            s.gpr[ECX] = 50;
            s.gpr[ESI] = 0x40;
            m.cpu.set_state(s);
            m.cpu.set_intr(true);
            RunResult r = m.cpu.run(1'000'000);  // spun without progress until the budget
            CHECK(any(r.reasons, StopReason::NoInterruptController));
            CHECK(any(r.reasons, StopReason::RepInProgress));
            CHECK_FALSE(any(r.reasons, StopReason::BudgetExhausted));
            CHECK(m.cpu.state().gpr[ECX] == 49);  // the shadowed instruction's first iteration
            OneShotPic pic;
            pic.asserted = true;
            m.cpu.set_interrupt_controller(&pic);
            r = m.cpu.run(1'000'000);
            CHECK(any(r.reasons, StopReason::Halted));
            CHECK(halted_in_handler(m.cpu.state(), 0x20));
            CHECK(m.bus.word(m.stack_phys(kStackTop - 6)) == kCodeIp + 1);  // back to the REP
        }
        SUBCASE("a halted CPU stays halted and says why it cannot wake") {
            Machine m(model);
            m.load({0xF4, 0x40, 0xF4});  // hlt; inc ax; hlt
            CpuState s = Machine::base_state();
            s.eflags |= eflags::IF;
            m.cpu.set_state(s);
            CHECK(any(m.cpu.run(1000).reasons, StopReason::Halted));
            m.cpu.set_intr(true);
            const RunResult r = m.cpu.run(1000);
            CHECK(r.reasons == (StopReason::NoInterruptController | StopReason::Halted));
            CHECK(m.cpu.halted());
            CHECK(m.cpu.state().gpr[EAX] == 0);
        }
    }
}

// ---- state()/set_state() carries a running CPU -------------------------------------------

namespace {

// A scripted run: memory, registers, and what the embedder does before each step (NMIs, the
// INTR line). Played in one Cpu, or split at a step into a fresh Cpu through state() and
// set_state(); the two must end the same, cycles and instructions included.
struct Script {
    CpuModel model = CpuModel::i80386;
    std::function<void(RamBus&)> memory;
    CpuState initial;
    unsigned steps = 0;
    std::function<void(Cpu&, unsigned step, OneShotPic&)> before_step;
};

struct Rig {
    RamBus bus;
    Cpu cpu;
    explicit Rig(CpuModel model) : cpu(model, bus) {}
};

Outcome play(const Script& script, std::optional<unsigned> split_at) {
    auto rig = std::make_unique<Rig>(script.model);
    script.memory(rig->bus);
    rig->cpu.set_state(script.initial);
    OneShotPic pic;
    std::uint64_t cycles = 0, instructions = 0;
    for (unsigned n = 0; n < script.steps; ++n) {
        if (split_at && *split_at == n) {
            const CpuState snapshot = rig->cpu.state();
            cycles += rig->cpu.cycles();
            instructions += rig->cpu.instructions();
            auto fresh = std::make_unique<Rig>(script.model);
            fresh->bus.mem = rig->bus.mem;
            fresh->cpu.set_state(snapshot);
            rig = std::move(fresh);
        }
        rig->cpu.set_interrupt_controller(&pic);
        if (script.before_step) script.before_step(rig->cpu, n, pic);
        rig->cpu.set_intr(pic.asserted);
        rig->cpu.step();
    }
    return {rig->cpu.state(), rig->bus.mem, cycles + rig->cpu.cycles(), instructions + rig->cpu.instructions()};
}

// Real-mode scripts use the Machine fixture's layout (IVT handlers are HLTs).
void fixture_memory(RamBus& bus, const std::vector<std::uint8_t>& code) {
    install_hlt_handlers(bus);
    for (std::size_t k = 0; k < code.size(); ++k) bus.mem[kCodePhys + k] = code[k];
}

void check_every_split(const Script& script) {
    const Outcome whole = play(script, std::nullopt);
    for (unsigned k = 0; k <= script.steps; ++k) {
        CAPTURE(k);
        check_same(play(script, k), whole);
    }
}

}  // namespace

TEST_CASE("state()/set_state(): a snapshot between MOV CR0 (PE = 1) and the far JMP keeps CPL 0") {
    // CS = 0001h: in real mode its RPL bits mean nothing, but a CPL derived from them would be 1,
    // and the JMP to the DPL-0 code segment would fault (and shut down, with no protected-mode IDT).
    constexpr std::uint32_t kGdtAt = 0x10000, kCodeAt = 0x1000, kTargetAt = 0x2000;
    Script s;
    s.model = CpuModel::i80386;
    s.memory = [](RamBus& bus) {
        const std::uint8_t code[] = {0x0F, 0x20, 0xC0,              // mov eax, cr0
                                     0x0C, 0x01,                    // or al, 1
                                     0x0F, 0x22, 0xC0,              // mov cr0, eax
                                     0xEA, 0x00, 0x20, 0x08, 0x00};  // jmp 0008:2000
        for (std::size_t k = 0; k < sizeof code; ++k) bus.mem[kCodeAt + k] = code[k];
        bus.mem[kTargetAt] = 0xF4;  // hlt
        // GDT entry 1: flat 32-bit ring-0 code.
        const std::uint8_t descriptor[] = {0xFF, 0xFF, 0x00, 0x00, 0x00, 0x9B, 0xCF, 0x00};
        for (std::size_t k = 0; k < 8; ++k) bus.mem[kGdtAt + 8 + k] = descriptor[k];
    };
    s.initial.seg[CS] = real_seg(0x0001, 0x9B);
    s.initial.eip = kCodeAt - 0x10;
    s.initial.gdtr = {kGdtAt, 0x0F};
    s.initial.cr0 = 0x10;
    s.steps = 6;
    const Outcome whole = play(s, std::nullopt);
    CHECK(whole.state.halted);
    CHECK(whole.state.seg[CS].selector == 0x0008);
    CHECK(whole.state.eip == kTargetAt + 1);
    CHECK(whole.state.cpl == 0);
    check_every_split(s);
}

TEST_CASE("state()/set_state(): halted, the interrupt shadow, NMI latch and blocking, a paused REP") {
    for (CpuModel model : kAllModels) {
        CAPTURE(cpu_model_name(model));
        SUBCASE("halted") {
            Script s;
            s.model = model;
            s.memory = [](RamBus& bus) { fixture_memory(bus, {0xF4, 0x40, 0xF4}); };  // hlt; inc ax; hlt
            s.initial = Machine::base_state();
            s.steps = 4;
            const Outcome whole = play(s, std::nullopt);
            CHECK(whole.state.halted);
            CHECK(whole.state.gpr[EAX] == 0);
            check_every_split(s);
        }
        SUBCASE("STI shadow") {
            Script s;
            s.model = model;
            s.memory = [](RamBus& bus) { fixture_memory(bus, {0xFB, 0x40, 0x43, 0xF4}); };  // sti; inc ax; inc bx
            s.initial = Machine::base_state();
            s.steps = 5;
            s.before_step = [](Cpu&, unsigned n, OneShotPic& pic) {
                if (n == 0) pic.asserted = true;
            };
            const Outcome whole = play(s, std::nullopt);
            CHECK(halted_in_handler(whole.state, 0x20));
            CHECK(whole.state.gpr[EAX] == 1);  // the shadowed INC AX ran before the interrupt
            CHECK(whole.state.gpr[EBX] == 0);
            check_every_split(s);
        }
        SUBCASE("MOV SS shadow") {
            Script s;
            s.model = model;
            s.memory = [](RamBus& bus) { fixture_memory(bus, {0x90, 0x8E, 0xD2, 0x40, 0x43, 0xF4}); };  // nop; mov ss, dx
            s.initial = Machine::base_state();
            s.initial.eflags |= eflags::IF;
            s.initial.gpr[EDX] = kStackSeg;
            s.steps = 5;
            s.before_step = [](Cpu&, unsigned n, OneShotPic& pic) {
                if (n == 2) pic.asserted = true;  // raised just after MOV SS
            };
            const Outcome whole = play(s, std::nullopt);
            CHECK(halted_in_handler(whole.state, 0x20));
            CHECK(whole.state.gpr[EAX] == 1);
            CHECK(whole.state.gpr[EBX] == 0);
            check_every_split(s);
        }
        SUBCASE("NMI blocked in its handler, a second one latched until IRET") {
            Script s;
            s.model = model;
            s.memory = [](RamBus& bus) {
                fixture_memory(bus, {0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0xF4});
                // NMI handler: mov [bx+0300h], sp; inc bx; inc bx; iret -- logs its stack depth.
                const std::uint8_t handler[] = {0x89, 0xA7, 0x00, 0x03, 0x43, 0x43, 0xCF};
                for (std::size_t k = 0; k < sizeof handler; ++k)
                    bus.mem[(std::uint32_t{kHandlerSeg} << 4) + handler_ip(2) + k] = handler[k];
            };
            s.initial = Machine::base_state();
            s.steps = 24;
            s.before_step = [](Cpu& cpu, unsigned n, OneShotPic&) {
                if (n == 1 || n == 3) cpu.raise_nmi();  // the second one arrives inside the handler
            };
            const Outcome whole = play(s, std::nullopt);
            CHECK(whole.state.gpr[EBX] == 4);  // both NMIs handled
            // Not nested: both handler entries saw the same stack depth.
            CHECK(whole.memory[data_phys(0x300)] == whole.memory[data_phys(0x302)]);
            CHECK(whole.state.halted);
            check_every_split(s);
        }
        SUBCASE("a REP paused between iterations") {
            Script s;
            s.model = model;
            s.memory = [](RamBus& bus) { fixture_memory(bus, {0xF3, 0xAC, 0x40, 0xF4}); };  // rep lodsb; inc ax
            s.initial = Machine::base_state();
            s.initial.gpr[ECX] = 5;
            s.steps = 8;
            const Outcome whole = play(s, std::nullopt);
            CHECK(whole.state.halted);
            CHECK(whole.state.gpr[ECX] == 0);
            check_every_split(s);
        }
    }
}

TEST_CASE("state()/set_state(): the time-stamp counter and the test registers") {
    for (CpuModel model : {CpuModel::p5, CpuModel::p6}) {
        CAPTURE(cpu_model_name(model));
        Script s;
        s.model = model;
        s.memory = [](RamBus& bus) { fixture_memory(bus, {0x90, 0x90, 0x0F, 0x31, 0xF4}); };  // nop; nop; rdtsc
        s.initial = Machine::base_state();
        s.steps = 4;
        const Outcome whole = play(s, std::nullopt);
        CHECK(whole.state.gpr[EAX] != 0);
        REQUIRE(whole.state.tsc.has_value());
        check_every_split(s);
    }
    {
        Script s;
        s.model = CpuModel::i80386;
        // mov tr6, eax; mov ebx, tr6; hlt
        s.memory = [](RamBus& bus) { fixture_memory(bus, {0x0F, 0x26, 0xF0, 0x0F, 0x24, 0xF3, 0xF4}); };
        s.initial = Machine::base_state();
        s.initial.gpr[EAX] = 0x12345678;
        s.steps = 3;
        const Outcome whole = play(s, std::nullopt);
        CHECK(whole.state.test_registers[6] == 0x12345678);
        CHECK(whole.state.gpr[EBX] == 0x12345678);
        check_every_split(s);
    }
}

TEST_CASE("set_state(): a CPL above 3 or a TSC on a model without one is refused, changing nothing") {
    Machine m(CpuModel::i80386);
    const CpuState before = m.cpu.state();
    CHECK_FALSE(before.tsc.has_value());
    CpuState bad = Machine::base_state();
    bad.gpr[EAX] = 7;
    bad.cpl = 4;
    CHECK_THROWS_AS(m.cpu.set_state(bad), std::invalid_argument);
    bad.cpl.reset();
    bad.tsc = 5;
    CHECK_THROWS_AS(m.cpu.set_state(bad), std::invalid_argument);
    CHECK(m.cpu.state() == before);
    // A state built from scratch (cpl unset) still takes its CPL from CS.RPL in protected mode.
    Machine p(CpuModel::p5);
    CpuState s = Machine::base_state();
    s.cr0 = 0x11;
    s.seg[CS] = real_seg(0x001B, 0xFB);
    p.cpu.set_state(s);
    CHECK(p.cpu.state().cpl == 3);
    s.tsc = 0x123456789ull;
    p.cpu.set_state(s);
    CHECK(*p.cpu.state().tsc == 0x123456789ull);
}
