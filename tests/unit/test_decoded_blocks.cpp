// x86emu unit tests — decoded blocks (libx86emu/src/core/decoded_blocks.cpp): with host pages
// on, run() executes straight-line code as blocks decoded once; every result must be exactly
// that of the per-instruction path (host pages off: no block can be built), in registers,
// EIP, cycles and instruction counts, also where a block is cut short: a store into its own
// code, a data breakpoint, the budget, the CS limit and the 64 KiB IP range (Intel SDM vol. 3
// §5.3, §17.2.4), and the pool being emptied and refilled.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include <doctest/doctest.h>

#include "emu_test_support.hpp"

using namespace x86emu;
using namespace x86emu_test;

namespace {

struct Outcome {
    CpuState state;
    std::uint64_t cycles = 0;
    std::uint64_t instructions = 0;
    StopReason reasons = StopReason::None;
};

struct Scenario {
    CpuModel model = CpuModel::i80386;
    std::vector<std::pair<std::uint32_t, std::vector<std::uint8_t>>> code;  // physical address, bytes
    CpuState state = x86emu_test::Machine::base_state();
    // One run() each, after setting the state when one is given.
    struct Run {
        std::uint64_t budget;
        std::optional<CpuState> state = std::nullopt;
    };
    std::vector<Run> runs = {{1000000}};
    bool intr = false;  // INTR asserted from the start (no interrupt controller)

    Outcome run(bool blocks) const {
        x86emu_test::Machine m(model);
        m.bus.host_pages = blocks;
        for (const auto& [at, bytes] : code)
            for (std::size_t k = 0; k < bytes.size(); ++k) m.bus.mem[at + k] = bytes[k];
        m.cpu.invalidate_code(0, 0x200000);
        m.cpu.set_state(state);
        if (intr) m.cpu.set_intr(true);
        Outcome o;
        for (const Run& run : runs) {
            if (run.state) m.cpu.set_state(*run.state);
            const RunResult r = m.cpu.run(run.budget);
            o.instructions += r.instructions;
            o.reasons = r.reasons;
        }
        o.state = m.cpu.state();
        o.cycles = m.cpu.cycles();
        return o;
    }
};

// Runs the scenario both ways and checks they agree; returns the block path's outcome.
Outcome run_both_ways(const Scenario& s) {
    const Outcome per_instruction = s.run(false);
    const Outcome blocks = s.run(true);
    CHECK(blocks.cycles == per_instruction.cycles);
    CHECK(blocks.instructions == per_instruction.instructions);
    CHECK(blocks.reasons == per_instruction.reasons);
    CHECK(blocks.state.eip == per_instruction.state.eip);
    CHECK(blocks.state.eflags == per_instruction.state.eflags);
    CHECK(blocks.state.seg[CS].selector == per_instruction.state.seg[CS].selector);
    for (unsigned r = 0; r < 8; ++r) {
        CAPTURE(r);
        CHECK(blocks.state.gpr[r] == per_instruction.state.gpr[r]);
    }
    CHECK(blocks.state.dr[6] == per_instruction.state.dr[6]);
    return blocks;
}

// After the fixture's handler of `vector` ran: its HLT is done.
bool halted_in_handler(const CpuState& s, unsigned vector) {
    return s.seg[CS].selector == kHandlerSeg && s.eip == handler_ip(vector) + 1u && s.halted;
}

constexpr std::uint8_t kIncAx = 0x40, kIncBx = 0x43, kNop = 0x90, kHlt = 0xF4;

std::vector<std::uint8_t> repeated(std::uint8_t byte, std::size_t n, std::vector<std::uint8_t> tail = {}) {
    std::vector<std::uint8_t> v(n, byte);
    v.insert(v.end(), tail.begin(), tail.end());
    return v;
}

}  // namespace

TEST_CASE("decoded blocks: a store into the running block's own code takes effect at the next instruction") {
    // MOV BYTE [CS:0109h], 40h rewrites the NOP at 0109h, three instructions further on in the
    // same block, into INC AX. (The first instruction after the code is loaded runs alone: the
    // load's invalidation ends any block; the block starts at the MOV.)
    Scenario s;
    s.code = {{kCodePhys, {kNop, 0x2E, 0xC6, 0x06, 0x09, 0x01, kIncAx, kNop, kNop, kNop, kHlt}}};
    const Outcome o = run_both_ways(s);
    CHECK(o.state.gpr[EAX] == 1);
    CHECK(o.instructions == 6);
    CHECK(any(o.reasons, StopReason::Halted));
}

TEST_CASE("decoded blocks: a run's budget stops inside a block at the exact instruction") {
    Scenario s;
    s.code = {{kCodePhys, repeated(kIncAx, 40, {kHlt})}};
    for (std::uint64_t budget = 1; budget <= 90; budget += 7) {
        CAPTURE(budget);
        s.runs = {{budget}, {budget}, {3}};
        const Outcome o = run_both_ways(s);
        CHECK(o.state.gpr[EAX] == std::min<std::uint64_t>(o.instructions, 40));  // then the HLT
    }
}

TEST_CASE("decoded blocks: a data breakpoint's #DB follows the instruction that hit it, not its block") {
    // DR0 = 20000h (DS:0000), write, one byte; the #DB handler (vector 1) is a HLT.
    Scenario s;
    s.state.dr[0] = 0x20000;
    s.state.dr[7] = 0x00010001;
    s.code = {{kCodePhys, {kIncAx, 0xA2, 0x00, 0x00, kIncBx, kIncBx, kHlt}}};  // MOV [0000h], AL
    const Outcome o = run_both_ways(s);
    CHECK(halted_in_handler(o.state, 1));
    CHECK(o.state.gpr[EBX] == 0);
    CHECK((o.state.dr[6] & 1) == 1);

    // The same for the near CALL that ends a block: its push hits DR0 = 5000:0FFE (two bytes).
    s.state.dr[0] = 0x50FFE;
    s.state.dr[7] = 0x00050001;
    s.code = {{kCodePhys, {kIncAx, kIncAx, 0xE8, 0x00, 0x00, kIncBx, kIncBx, kHlt}}};  // CALL to the next instruction
    const Outcome call = run_both_ways(s);
    CHECK(halted_in_handler(call.state, 1));
    CHECK(call.state.gpr[EBX] == 0);
    CHECK((call.state.dr[6] & 1) == 1);
}

TEST_CASE("decoded blocks: code reached through another CS:IP whose block would pass offset FFFFh") {
    // 15 INC AX, MOV AL,5 and a HLT at 10100h, run once from 1000:0100 (a block from 10101h: the
    // first instruction runs alone), then entered again at that block by JMP FAR 0011:FFF1 from
    // 1000:0200 (the same fetch page): the MOV starts at offset FFFFh and its immediate would be
    // at 10000h, past the 64 KiB an IP reaches. The 80386 raises #GP (vector 13, a HLT) there;
    // the 8086 wraps IP to 0000h and takes the immediate from 0011:0000 (the fixture's IVT),
    // then runs on.
    for (CpuModel model : {CpuModel::i80386, CpuModel::i8086}) {
        CAPTURE(cpu_model_name(model));
        Scenario s;
        s.model = model;
        s.code = {{kCodePhys, repeated(kIncAx, 15, {0xB0, 0x05, kHlt})},
                  {0x10200, {0xEA, 0xF1, 0xFF, 0x11, 0x00}}};
        CpuState jump = x86emu_test::Machine::base_state();
        jump.eip = 0x0200;
        s.runs = {{1000}, {200, jump}};
        const Outcome o = run_both_ways(s);
        if (model == CpuModel::i80386) {
            CHECK(o.state.gpr[EAX] == 14);
            CHECK(halted_in_handler(o.state, 13));
        }
    }
}

TEST_CASE("decoded blocks: the pool of decoded instructions is emptied and refilled without changing results") {
    // 61440 INC AX from 1000:0000, then DEC CX / JZ to a HLT / JMP 0001h: the second pass starts
    // every block one byte later, so more instructions are decoded than the pool holds.
    std::vector<std::uint8_t> code = repeated(kIncAx, 0xF000);
    // At F003h, JMP rel16 to 0001h: F006h + 0FFBh wraps to 0001h.
    const std::vector<std::uint8_t> tail = {0x49, 0x74, 0x03, 0xE9, 0xFB, 0x0F, kHlt};
    code.insert(code.end(), tail.begin(), tail.end());
    Scenario s;
    s.code = {{0x10000, code}};
    s.state.eip = 0;
    s.state.gpr[ECX] = 2;
    s.runs = {{10000000}};
    const Outcome o = run_both_ways(s);
    CHECK(o.state.gpr[EAX] == ((0xF000 + 0xEFFF) & 0xFFFF));
    CHECK(any(o.reasons, StopReason::Halted));
}

TEST_CASE("decoded blocks: INTR asserted while IF = 0 waits for STI, which ends its block") {
    // 40 INC AX with IF = 0 and INTR high (no controller to supply a vector), then STI, one more
    // INC AX in STI's shadow, and a HLT: the run stops at the boundary after the shadow, where the
    // interrupt would be taken, with AX = 41, on both paths.
    Scenario s;
    s.intr = true;
    s.code = {{kCodePhys, repeated(kIncAx, 40, {0xFB, kIncAx, kHlt})}};
    for (std::uint64_t budget : {7u, 100u, 1000u}) {
        CAPTURE(budget);
        s.runs = {{budget}, {1000}};
        const Outcome o = run_both_ways(s);
        CHECK(o.state.gpr[EAX] == 41);
        CHECK(any(o.reasons, StopReason::NoInterruptController));
    }
}
