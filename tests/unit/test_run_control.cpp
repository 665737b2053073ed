// x86emu unit tests — run control: step() and REP string instructions (one iteration per step,
// as the single-step trap takes them, SDM vol. 3 §17.3.1.4), cycle totals that do not depend on
// how a run is sliced, INTR without an interrupt controller.
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

// In the fixture's handler of `vector`, after its HLT.
bool halted_in_handler(const CpuState& s, unsigned vector) {
    return s.seg[CS].selector == kHandlerSeg && s.eip == handler_ip(vector) + 1u;
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
