// x86emu unit tests — decoded blocks (libx86emu/src/core/decoded_blocks.cpp): with host pages
// on, run() executes straight-line code as blocks decoded once; every result must be exactly
// that of the per-instruction path (host pages off: no block can be built), in registers,
// EIP, cycles and instruction counts, also where a block is cut short: a store into its own
// code, a data breakpoint, the budget, the CS limit and the 64 KiB IP range (Intel SDM vol. 3
// §5.3, §17.2.4), and the pool being emptied and refilled; and block links, which must die
// with every condition of the lookup they replace (a slot rebuilt, code written, the CS limit,
// the code size, the EIP the block ran at, a page mapped elsewhere).
#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include <doctest/doctest.h>

#include "emu_test_support.hpp"
#include "protected_test_support.hpp"

using namespace x86emu;
using namespace x86emu_test;

namespace {

struct Outcome {
    CpuState state;
    std::uint64_t cycles = 0;
    std::uint64_t instructions = 0;
    StopReason reasons = StopReason::None;
    // Each run's own figures: where each budget stopped it.
    std::vector<std::uint64_t> run_instructions, run_cycles;
    std::uint16_t stack_word = 0;  // the word at SS:SP after the last run (an interrupt's IP)
    std::uint16_t stack_flags = 0;  // the word at SS:SP+4 (an interrupt's FLAGS image)
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
            o.run_instructions.push_back(r.instructions);
            o.run_cycles.push_back(r.cycles);
        }
        o.state = m.cpu.state();
        o.cycles = m.cpu.cycles();
        o.stack_word = m.bus.word(o.state.seg[SS].base + (o.state.gpr[ESP] & 0xFFFF));
        o.stack_flags = m.bus.word(o.state.seg[SS].base + ((o.state.gpr[ESP] + 4) & 0xFFFF));
        return o;
    }
};

// Runs the scenario both ways and checks they agree; returns the block path's outcome.
Outcome run_both_ways(const Scenario& s) {
    const Outcome per_instruction = s.run(false);
    const Outcome blocks = s.run(true);
    CHECK(blocks.cycles == per_instruction.cycles);
    CHECK(blocks.instructions == per_instruction.instructions);
    CHECK(blocks.run_instructions == per_instruction.run_instructions);
    CHECK(blocks.run_cycles == per_instruction.run_cycles);
    CHECK(blocks.reasons == per_instruction.reasons);
    CHECK(blocks.state.eip == per_instruction.state.eip);
    CHECK(blocks.state.eflags == per_instruction.state.eflags);
    CHECK(blocks.state.seg[CS].selector == per_instruction.state.seg[CS].selector);
    for (unsigned r = 0; r < 8; ++r) {
        CAPTURE(r);
        CHECK(blocks.state.gpr[r] == per_instruction.state.gpr[r]);
    }
    CHECK(blocks.state.dr[6] == per_instruction.state.dr[6]);
    CHECK(blocks.stack_word == per_instruction.stack_word);
    CHECK(blocks.stack_flags == per_instruction.stack_flags);
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

TEST_CASE("decoded blocks: a MOV whose fast access cannot be made runs its general path and the block goes on") {
    // In real mode no segment is flat, so each MOV to or from memory here leaves its chained
    // form's fast part for the general one (exec::chained_split), from which the block's chain
    // continues; the budget stops it at every boundary in turn, also right after such a MOV.
    Scenario s;
    s.code = {{kCodePhys, {0x8B, 0x07,         // mov ax, [bx]
                           kIncAx,             // inc ax
                           0x89, 0x47, 0x02,   // mov [bx+2], ax
                           kIncAx,             // inc ax
                           0x8B, 0x4F, 0x02,   // mov cx, [bx+2]
                           0x01, 0xC1,         // add cx, ax
                           kHlt}},
              {(std::uint32_t{kDataSeg} << 4) + 0x400, {0x34, 0x12}}};
    s.state.gpr[EBX] = 0x400;
    for (std::uint64_t budget = 1; budget <= 40; budget += 2) {
        CAPTURE(budget);
        s.runs = {{budget}, {budget}, {1000}};
        const Outcome o = run_both_ways(s);
        CHECK(o.state.gpr[EAX] == 0x1236);
        CHECK(o.state.gpr[ECX] == 0x1235 + 0x1236);
        CHECK(o.instructions == 7);
    }
}

TEST_CASE("decoded blocks: clocks an instruction charges beyond its base stop a block at the exact boundary") {
    // A block's chain is charged its instructions' base clocks before it runs; SHL by CL, BSF,
    // ENTER and CMPXCHG to memory charge more as they run (CpuCore::charge), so the budget can
    // end among them although the base clocks fit: stopped at every boundary in turn, the block
    // must agree with the per-instruction path in clocks, count and state. Tested after each of
    // them for that reason, unlike the other register forms (may_stop_chain, opcode_table.hpp).
    for (CpuModel model : {CpuModel::i80486, CpuModel::p6}) {
        CAPTURE(cpu_model_name(model));
        Scenario s;
        s.model = model;
        s.code = {{kCodePhys, {0xB1, 0x1F,              // mov cl, 31
                               0xD3, 0xE0,              // shl ax, cl
                               0x0F, 0xBC, 0xD3,        // bsf dx, bx
                               0xC8, 0x08, 0x00, 0x03,  // enter 8, 3
                               0x0F, 0xB1, 0x17,        // cmpxchg [bx], dx
                               0xD3, 0xE3,              // shl bx, cl
                               kIncAx,                  // inc ax
                               kHlt}},
                  {(std::uint32_t{kDataSeg} << 4) + 0x400, {0x34, 0x12}}};
        s.state.gpr[EAX] = 1;
        s.state.gpr[EBX] = 0x400;
        const std::uint64_t whole = s.run(false).cycles;
        for (std::uint64_t budget = 1; budget <= whole; ++budget) {
            CAPTURE(budget);
            s.runs = {{budget}, {budget}, {1000}};
            const Outcome o = run_both_ways(s);
            CHECK(o.instructions == 8);
            CHECK(o.cycles == whole);
        }
    }
    // The 8086 and the 80286 charge shifts by CL per bit (the later models a flat count).
    for (CpuModel model : {CpuModel::i8086, CpuModel::i80286}) {
        CAPTURE(cpu_model_name(model));
        Scenario s;
        s.model = model;
        s.code = {{kCodePhys, {0xB1, 0x0F,  // mov cl, 15
                               0xD3, 0xE0,  // shl ax, cl
                               kIncAx,
                               0xD3, 0xE3,  // shl bx, cl
                               kIncBx,
                               kHlt}}};
        s.state.gpr[EAX] = 1;
        s.state.gpr[EBX] = 1;
        const std::uint64_t whole = s.run(false).cycles;
        for (std::uint64_t budget = 1; budget <= whole; ++budget) {
            CAPTURE(budget);
            s.runs = {{budget}, {budget}, {1000}};
            const Outcome o = run_both_ways(s);
            CHECK(o.instructions == 6);
            CHECK(o.state.gpr[EAX] == 0x8001);
            CHECK(o.cycles == whole);
        }
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

TEST_CASE("decoded blocks: the 8086's divide error inside a block saves the IP after the DIV") {
    // INC AX x2; DIV BL (BL = 0) or AAM 0; INC BX; HLT. On the 8086 #DE is a trap: the handler's
    // return IP is that of the INC BX (the fast path, which does not store the next IP for
    // instructions inside a block, must still give it to this fault); from the 286 on it is the
    // DIV's or AAM's own (nor is EIP stored for the INCs before it: the fault must see it).
    for (std::uint8_t second : {std::uint8_t{0xF3}, std::uint8_t{0x00}}) {
        const std::uint8_t first = second == 0xF3 ? 0xF6 : 0xD4;  // DIV BL, AAM 0
        CAPTURE(first);
        Scenario s;
        s.code = {{kCodePhys, {kIncAx, kIncAx, first, second, kIncBx, kHlt}}};
        for (CpuModel model : {CpuModel::i8086, CpuModel::i80286, CpuModel::i80386}) {
            CAPTURE(model);
            s.model = model;
            const Outcome o = run_both_ways(s);
            CHECK(halted_in_handler(o.state, 0));
            CHECK(o.state.gpr[EBX] == 0);
            CHECK(o.stack_word == kCodeIp + (model == CpuModel::i8086 ? 4 : 2));
        }
    }
}

namespace {
// RAM in host pages but for one page (30000h-30FFFh), whose reads reach read8: there a callback
// runs in the middle of an instruction and records what Cpu::instructions() and Cpu::cycles()
// say at that moment.
struct CountingBus final : Bus {
    std::vector<std::uint8_t> mem = std::vector<std::uint8_t>(0x100000, 0);
    Cpu* cpu = nullptr;
    bool blocks = true;
    std::vector<std::uint64_t> seen;
    std::vector<std::uint64_t> seen_cycles;
    static bool device_page(std::uint32_t a) { return (a & ~0xFFFu) == 0x30000; }
    std::uint8_t* host_page(std::uint32_t page, bool) override {
        return blocks && page + 0x1000 <= mem.size() && !device_page(page) ? &mem[page] : nullptr;
    }
    std::uint8_t read8(std::uint32_t a) override {
        if (device_page(a)) {
            seen.push_back(cpu->instructions());
            seen_cycles.push_back(cpu->cycles());
        }
        return a < mem.size() ? mem[a] : 0xFF;
    }
    void write8(std::uint32_t a, std::uint8_t v) override {
        if (a < mem.size()) mem[a] = v;
    }
};
}  // namespace

TEST_CASE("decoded blocks: the instruction count and the clock are exact in a bus callback and after a fault inside a block") {
    // The fast path adds up a block's instructions when the block ends, and charges the clocks of
    // its chain when it starts. A callback in the middle of one (device reads by its 5th and 8th
    // instructions) must still see the exact count and clock, and a fault inside one (#DE of its
    // 10th) must leave the count and clocks of those before it: as on the per-instruction path
    // (no host pages, no blocks).
    std::vector<std::vector<std::uint64_t>> seen, seen_cycles;
    std::vector<std::uint64_t> totals, run_counts, total_cycles;
    for (bool blocks : {false, true}) {
        CAPTURE(blocks);
        CountingBus bus;
        bus.blocks = blocks;
        // INC AX x4; MOV AL,[0000]; INC AX x2; MOV AL,[0001]; INC AX; DIV BL (BL = 0).
        const std::vector<std::uint8_t> code = {kIncAx, kIncAx, kIncAx, kIncAx, 0xA0, 0x00, 0x00, kIncAx,
                                                kIncAx, 0xA0, 0x01, 0x00, kIncAx, 0xF6, 0xF3};
        std::copy(code.begin(), code.end(), bus.mem.begin() + kCodePhys);
        bus.mem[2] = 0x00;  // vector 0 -> 0800:0000, a HLT
        bus.mem[3] = 0x08;
        bus.mem[0x8000] = kHlt;
        Cpu cpu(CpuModel::i80386, bus);
        bus.cpu = &cpu;
        CpuState state = x86emu_test::Machine::base_state();
        state.seg[DS] = real_seg(0x3000);
        cpu.set_state(state);
        const RunResult r = cpu.run(1000000);
        CHECK(any(r.reasons, StopReason::Halted));
        seen.push_back(bus.seen);
        seen_cycles.push_back(bus.seen_cycles);
        totals.push_back(cpu.instructions());
        total_cycles.push_back(cpu.cycles());
        run_counts.push_back(r.instructions);
    }
    CHECK(seen[1] == seen[0]);
    CHECK(seen[1] == std::vector<std::uint64_t>{4, 7});
    CHECK(seen_cycles[1] == seen_cycles[0]);
    CHECK(seen_cycles[1].size() == 2);
    CHECK(total_cycles[1] == total_cycles[0]);
    CHECK(totals[1] == totals[0]);
    CHECK(totals[1] == 10);  // nine before the DIV, then the handler's HLT
    CHECK(run_counts[1] == run_counts[0]);
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

// ---- block links: a block that ends in a near transfer goes straight to the block the lookup
// found after it last time, while nothing that lookup tested can have changed. Each case below
// changes one such thing after a link was made and follows the same path again.

TEST_CASE("decoded blocks: a link dies when its target's table slot is rebuilt for other code") {
    // A at 1000:0100 (INC AX; DEC CX; JNZ 0120h) and B at 0120h (INC BX; JMP 0100h) loop, which
    // links A to B; when CX runs out, C at 1000:8121h (physical 18121h, the table slot of B's
    // 10120h) is decoded into B's slot, sets CX = 3 and returns to A, whose link to B must not
    // lead to C's instructions. The second time, C halts.
    Scenario s;
    s.code = {{kCodePhys, {kIncAx, 0x49, 0x75, 0x1C, 0xE9, 0x1A, 0x80}},
              {0x10120, {kIncBx, 0xEB, 0xDD}},
              {0x18121, {0x42, 0xB9, 0x03, 0x00, 0x83, 0xFA, 0x02, 0x73, 0x03, 0xE9, 0xD3, 0x7F, kHlt}}};
    s.state.gpr[ECX] = 5;
    const Outcome o = run_both_ways(s);
    CHECK(o.state.gpr[EAX] == 8);
    CHECK(o.state.gpr[EBX] == 6);
    CHECK(o.state.gpr[EDX] == 2);
}

TEST_CASE("decoded blocks: a link dies when the code it leads to is written") {
    // A1 (INC AX; CMP AX,3; JNE A3), A2 (MOV BYTE [CS:0120h],43h; JMP A3), A3 (DEC CX; JNZ
    // 0120h) and B at 0120h (NOP; JMP 0100h), all in one page: in the third pass A2 turns B's NOP
    // into INC BX; A3, decoded again, must not keep its link to the B decoded before.
    Scenario s;
    s.code = {{kCodePhys, {kIncAx, 0x83, 0xF8, 0x03, 0x75, 0x08, 0x2E, 0xC6, 0x06, 0x20, 0x01, 0x43, 0xEB, 0x00,
                           0x49, 0x75, 0x0F, kHlt}},
              {0x10120, {kNop, 0xEB, 0xDD}}};
    s.state.gpr[ECX] = 6;
    const Outcome o = run_both_ways(s);
    CHECK(o.state.gpr[EAX] == 6);
    CHECK(o.state.gpr[EBX] == 3);
    CHECK(any(o.reasons, StopReason::Halted));
}

TEST_CASE("decoded blocks: a link dies when the CS limit no longer holds its target") {
    // A (INC AX; DEC CX; JNZ 0120h) and B at 0120h (INC BX; JMP 0100h) loop until the budget ends
    // the run, A linked to B; the next run starts at A again with CS's limit at 011Fh: A still
    // fits, B does not, and going to it raises #GP (vector 13).
    Scenario s;
    s.code = {{kCodePhys, {kIncAx, 0x49, 0x75, 0x1C, kHlt}}, {0x10120, {kIncBx, 0xEB, 0xDD}}};
    s.state.gpr[ECX] = 1000;
    CpuState limited = s.state;
    limited.seg[CS].limit = 0x011F;
    s.runs = {{300}, {1000, limited}};
    const Outcome o = run_both_ways(s);
    CHECK(halted_in_handler(o.state, 13));
    CHECK(o.state.gpr[EBX] == 0);
}

TEST_CASE("decoded blocks: a link dies when the code size of CS changes") {
    // The loop of A (INC AX; DEC CX; JNZ 0120h) and B at 0120h, first as 16-bit code (B: MOV
    // AX,5; INC BX; INC BX; JMP 0100h) until the budget ends the run, then as 32-bit code from A
    // again (B: MOV EAX,43430005h; JMP 0100h): B must be decoded again for it.
    Scenario s;
    s.code = {{kCodePhys, {kIncAx, 0x49, 0x75, 0x1C, kHlt}}, {0x10120, {0xB8, 0x05, 0x00, kIncBx, kIncBx, 0xEB, 0xD9}}};
    s.state.gpr[ECX] = 1000;
    CpuState code32 = s.state;
    code32.seg[CS].attributes |= 0x4000;
    code32.gpr[ECX] = 3;
    s.runs = {{300}, {1000, code32}};
    const Outcome o = run_both_ways(s);
    CHECK(o.state.gpr[EAX] == 0x43430006);
    CHECK(o.state.gpr[EBX] == 0);
    CHECK(any(o.reasons, StopReason::Halted));
}

TEST_CASE("decoded blocks: a link belongs to the EIP its block ran at, not only to its code") {
    // A at physical 10100h (INC AX; RET) is called three times as 1000:0100 from 1000:0300 and
    // returns to 1000:0303 (a DEC CX; JNZ loop), which links A to that block; then F at 1000:0400
    // pushes 0303h and jumps to A as 0FF0:0200, so that its RET goes to 0FF0:0303, physical
    // 10203h: D (INC BX; DEC SI; JZ to a HLT; MOV CX,3; JMP FAR 1000:0300). Twice, so that the
    // second time every block is decoded already.
    Scenario s;
    s.code = {{kCodePhys, {kIncAx, 0xC3}},
              {0x10300, {0xE8, 0xFD, 0xFD, 0x49, 0x75, 0xFA, 0xEA, 0x00, 0x05, 0xF0, 0x0F}},
              {0x10400, {0x68, 0x03, 0x03, 0xE9, 0xFA, 0xFC}},
              {0x10203, {kIncBx, 0x4E, 0x74, 0x08, 0xB9, 0x03, 0x00, 0xEA, 0x00, 0x03, 0x00, 0x10, kHlt}}};
    s.state.eip = 0x0300;
    s.state.gpr[ECX] = 3;
    s.state.gpr[ESI] = 2;
    const Outcome o = run_both_ways(s);
    CHECK(o.state.gpr[EAX] == 8);
    CHECK(o.state.gpr[EBX] == 2);
    CHECK(any(o.reasons, StopReason::Halted));
}

TEST_CASE("decoded blocks: no link leads into a page whose mapping can change under it") {
    // Flat 32-bit code with paging, at 1000h: A (DEC ECX; JNZ 5000h) and B at linear 5000h
    // (INC EBX; JMP 1000h) loop twice; then C flips the page table entry of 5000h between
    // physical 5000h and 6000h (where B' is INC EDX; JMP 1000h), reloads CR3, sets ECX = 3 and
    // returns to A, six times. Once every block is decoded, A's successor at EIP 5000h is B one
    // time and B' the next: A may not be linked to either. Both ways of running agree, and
    // EBX = EDX = 6.
    struct Result {
        CpuState state;
        std::uint64_t cycles = 0, instructions = 0;
    };
    auto run = [](bool blocks) {
        ProtectedMachine m;
        m.bus.host_pages = blocks;
        m.put32(kPageDir, kPageTable | 0x7);
        for (std::uint32_t p = 0; p < 1024; ++p) m.put32(kPageTable + 4 * p, (p << 12) | 0x7);
        const std::uint32_t pte = kPageTable + 4 * 5;
        const std::vector<std::uint8_t> b = {0x43, 0xE9, 0xFA, 0xBF, 0xFF, 0xFF}, b2 = {0x42, 0xE9, 0xFA, 0xBF, 0xFF, 0xFF};
        for (std::size_t k = 0; k < b.size(); ++k) {
            m.bus.mem[0x5000 + k] = b[k];
            m.bus.mem[0x6000 + k] = b2[k];
        }
        m.cpu.invalidate_code(0x5000, 0x2000);
        m.start({0x49, 0x0F, 0x85, 0xF9, 0x3F, 0x00, 0x00,                      // A
                 0x81, 0x35, static_cast<std::uint8_t>(pte), static_cast<std::uint8_t>(pte >> 8),
                 static_cast<std::uint8_t>(pte >> 16), 0x00, 0x00, 0x30, 0x00, 0x00,  // xor [pte],3000h
                 0x0F, 0x20, 0xD8, 0x0F, 0x22, 0xD8,                            // mov eax,cr3; mov cr3,eax
                 0xB9, 0x03, 0x00, 0x00, 0x00, 0x4E,                            // mov ecx,3; dec esi
                 0x0F, 0x85, 0xDD, 0xFF, 0xFF, 0xFF, 0xF4},                     // jnz A; hlt
                0, 0, 0x80000000u, kPageDir);
        CpuState s = m.cpu.state();
        s.gpr[ECX] = 3;
        s.gpr[ESI] = 6;
        m.cpu.set_state(s);
        const RunResult r = m.cpu.run(1'000'000);
        CHECK(any(r.reasons, StopReason::Halted));
        return Result{m.cpu.state(), m.cpu.cycles(), r.instructions};
    };
    const Result per_instruction = run(false), blocks = run(true);
    CHECK(blocks.cycles == per_instruction.cycles);
    CHECK(blocks.instructions == per_instruction.instructions);
    for (unsigned r = 0; r < 8; ++r) {
        CAPTURE(r);
        CHECK(blocks.state.gpr[r] == per_instruction.state.gpr[r]);
    }
    CHECK(blocks.state.gpr[EBX] == 6);
    CHECK(blocks.state.gpr[EDX] == 6);
}

namespace {
// Flat 32-bit protected mode (ProtectedMachine): `code` at CPL 0 with EAX = `eax`, run by
// run(budget) until it halts; each run's clocks and count, then the state and the physical
// bytes [memory_first, memory_end). Both ways (host pages on: blocks and the TLB fast paths;
// off: neither), checked to agree; the block path's outcome is returned.
struct ProtectedOutcome {
    CpuState state;
    std::vector<std::uint64_t> cycles, instructions;
    std::vector<std::uint8_t> memory;
};
ProtectedOutcome run_protected(const std::vector<std::uint8_t>& code, bool blocks, std::uint64_t budget,
                               std::uint32_t eax, std::uint32_t memory_first, std::uint32_t memory_end) {
    ProtectedMachine m;
    m.bus.host_pages = blocks;
    m.start(code, 0);
    CpuState s = m.cpu.state();
    s.gpr[EAX] = eax;
    m.cpu.set_state(s);
    ProtectedOutcome o;
    for (int k = 0; k < 200; ++k) {
        const RunResult r = m.cpu.run(budget);
        o.cycles.push_back(r.cycles);
        o.instructions.push_back(r.instructions);
        if (any(r.reasons, StopReason::Halted)) break;
    }
    o.state = m.cpu.state();
    o.memory.assign(m.bus.mem.begin() + memory_first, m.bus.mem.begin() + memory_end);
    return o;
}
ProtectedOutcome run_protected_both_ways(const std::vector<std::uint8_t>& code, std::uint64_t budget, std::uint32_t eax,
                                         std::uint32_t memory_first = 0, std::uint32_t memory_end = 0) {
    const ProtectedOutcome per_instruction = run_protected(code, false, budget, eax, memory_first, memory_end);
    const ProtectedOutcome blocks = run_protected(code, true, budget, eax, memory_first, memory_end);
    CHECK(blocks.cycles == per_instruction.cycles);
    CHECK(blocks.instructions == per_instruction.instructions);
    CHECK(blocks.memory == per_instruction.memory);
    for (unsigned r = 0; r < 8; ++r) {
        CAPTURE(r);
        CHECK(blocks.state.gpr[r] == per_instruction.state.gpr[r]);
    }
    CHECK(blocks.state.eip == per_instruction.state.eip);
    CHECK(blocks.state.eflags == per_instruction.state.eflags);
    CHECK(blocks.state.halted);
    return blocks;
}
}  // namespace

TEST_CASE("decoded blocks: PUSH and POP on a flat 32-bit stack take their fast parts, and the general ones across a page") {
    // Flat 32-bit protected mode, ESP = 90000h: PUSH EAX, PUSH ESP (the value before it), POP EBX
    // (the first push and pop fill the TLB), PUSH EAX, POP EDX, PUSH AX, POP CX (the fast parts),
    // MOV EDI, ESP, then ESP = 21002h by PUSH imm32 / POP ESP, and PUSH EAX / POP ESI across the
    // page boundary at 21000h (no fast part there: the general push and pop). Stopped by the
    // budget at every boundary in turn, both ways of running agree.
    const std::vector<std::uint8_t> code = {0x50, 0x54, 0x5B, 0x50, 0x5A, 0x66, 0x50, 0x66, 0x59, 0x89, 0xE7,
                                            0x68, 0x02, 0x10, 0x02, 0x00, 0x5C, 0x50, 0x5E, kHlt};
    for (std::uint64_t budget = 1; budget <= 40; ++budget) {
        CAPTURE(budget);
        const ProtectedOutcome o = run_protected_both_ways(code, budget, 0x89ABCDEF);
        CHECK(o.state.gpr[EBX] == 0x90000 - 4);
        CHECK(o.state.gpr[EDI] == 0x90000 - 4);
        CHECK((o.state.gpr[ECX] & 0xFFFF) == 0xCDEF);
        CHECK(o.state.gpr[EDX] == 0x89ABCDEF);
        CHECK(o.state.gpr[ESI] == 0x89ABCDEF);
        CHECK(o.state.gpr[ESP] == 0x21002);
    }
}

TEST_CASE("decoded blocks: REP STOS and MOVS through the TLB fast paths agree with the general iterations") {
    // Flat 32-bit protected mode: REP STOSD of 12 dwords across the page boundary at 31000h, an
    // overlapping REP MOVSB forward by one byte (each byte copies the one just written), and a
    // REP MOVSD with DF = 1 across the boundary at 32000h. With host pages the iterations whose
    // accesses hit the TLB run by repeat_fast, without them every one by the general loop; the
    // budget pauses the REPs at every few iterations in turn, and memory, registers, cycles and
    // counts agree.
    const std::vector<std::uint8_t> code = {
        0xBF, 0xF0, 0x0F, 0x03, 0x00, 0xB9, 0x0C, 0x00, 0x00, 0x00, 0xB8, 0x44, 0x33, 0x22, 0x11,
        0xF3, 0xAB,                                                   // rep stosd
        0xBE, 0xF0, 0x0F, 0x03, 0x00, 0xBF, 0xF1, 0x0F, 0x03, 0x00, 0xB9, 0x28, 0x00, 0x00, 0x00,
        0xF3, 0xA4,                                                   // rep movsb
        0xFD, 0xBE, 0x10, 0x10, 0x03, 0x00, 0xBF, 0x08, 0x20, 0x03, 0x00, 0xB9, 0x06, 0x00, 0x00, 0x00,
        0xF3, 0xA5,                                                   // std; rep movsd
        0xFC, kHlt};
    for (std::uint64_t budget : {1u, 2u, 3u, 5u, 8u, 13u, 21u, 34u, 55u, 1000u}) {
        CAPTURE(budget);
        const ProtectedOutcome o = run_protected_both_ways(code, budget, 0, 0x30FF0, 0x32010);
        CHECK(o.memory[0x31000 - 0x30FF0] == 0x44);  // the STOSD past the boundary
        CHECK(o.memory[40] == 0x44);                 // the MOVSB's replicated byte
        CHECK(o.state.gpr[ECX] == 0);
    }
}

TEST_CASE("decoded blocks: a block that ends in a jump enters its linked successor itself, exact at every budget") {
    // A (INC AX; DEC CX; JNZ B) and B (INC BX; JMP A) loop six times; once linked, each one's
    // jump charges and enters the other without the run loop (exec::linked), A's with the taken
    // branch's clocks. Stopped at every cycle in turn, three times over, the runs agree with
    // the per-instruction path in each one's clocks and count.
    std::vector<std::uint8_t> code = {kIncAx, 0x49, 0x75, 0x0C, kHlt};  // A at 0100h, HLT at 0104h
    code.resize(0x10, kNop);
    code.insert(code.end(), {kIncBx, 0xEB, 0xED});  // B at 0110h
    Scenario s;
    s.code = {{kCodePhys, code}};
    s.state.gpr[ECX] = 6;
    const std::uint64_t whole = s.run(false).cycles;
    for (std::uint64_t budget = 1; budget <= whole / 2; ++budget) {
        CAPTURE(budget);
        s.runs = {{budget}, {budget}, {budget}, {1000}};
        const Outcome o = run_both_ways(s);
        CHECK(o.state.gpr[EAX] == 6);
        CHECK(o.state.gpr[EBX] == 5);
        CHECK(o.cycles == whole);
        CHECK(any(o.reasons, StopReason::Halted));
    }
}

TEST_CASE("decoded blocks: the count and the clock are exact in a bus callback inside a block entered by a link") {
    // A (INC AX; DEC CX; JNZ B) and B (INC BX; MOV DL,[0000]; INC BX; JMP A) loop four times; B
    // reads a device page, whose callback reads the instruction count and the clock. From the
    // third pass on, B is entered by A's linked jump (exec::linked), which makes B the running
    // block: the figures must be those of the per-instruction path.
    std::vector<std::vector<std::uint64_t>> seen, seen_cycles;
    std::vector<std::uint64_t> total_cycles;
    for (bool blocks : {false, true}) {
        CAPTURE(blocks);
        CountingBus bus;
        bus.blocks = blocks;
        std::vector<std::uint8_t> code = {kIncAx, 0x49, 0x75, 0x0C, kHlt};
        code.resize(0x10, kNop);
        code.insert(code.end(), {kIncBx, 0x8A, 0x16, 0x00, 0x00, kIncBx, 0xEB, 0xE8});
        std::copy(code.begin(), code.end(), bus.mem.begin() + kCodePhys);
        Cpu cpu(CpuModel::i80386, bus);
        bus.cpu = &cpu;
        CpuState state = x86emu_test::Machine::base_state();
        state.seg[DS] = real_seg(0x3000);
        state.gpr[ECX] = 5;
        cpu.set_state(state);
        const RunResult r = cpu.run(1000000);
        CHECK(any(r.reasons, StopReason::Halted));
        CHECK(cpu.instructions() == 5 * 3 + 4 * 4 + 1);  // the HLT counts
        seen.push_back(bus.seen);
        seen_cycles.push_back(bus.seen_cycles);
        total_cycles.push_back(cpu.cycles());
    }
    CHECK(seen[1] == seen[0]);
    CHECK(seen[1] == std::vector<std::uint64_t>{4, 11, 18, 25});
    CHECK(seen_cycles[1] == seen_cycles[0]);
    CHECK(total_cycles[1] == total_cycles[0]);
}

TEST_CASE("decoded blocks: a jump follows its block's link only from the EIP the link was made at") {
    // A at physical 10100h (DEC CX; JZ +100h) runs as 1000:0100, where it goes on at 0105h
    // (INC AX; JMP A) or 0205h (INC BX; DEC DX; JS H; MOV CX,2; JNZ A; JMP FAR 0FF0:0200):
    // linked, A's successors are EIP 0105h and 0205h. As 0FF0:0200, A's sequential EIP is
    // 0205h, physical 10105h: the link made for EIP 0205h at 1000:0100 (physical 10205h) must
    // not be taken for it. The second run starts over with every block decoded, so that the
    // links made in it are still alive when the far jump comes.
    std::vector<std::uint8_t> code = {0x49, 0x0F, 0x84, 0x00, 0x01, kIncAx, 0xEB, 0xF8};
    code.resize(0x105, kNop);
    code.insert(code.end(), {kIncBx, 0x4A, 0x78, 0x0C, 0xB9, 0x02, 0x00, 0x0F, 0x85, 0xF0, 0xFE,
                             0xEA, 0x00, 0x02, 0xF0, 0x0F, kHlt});
    Scenario s;
    s.code = {{kCodePhys, code}};
    s.state.gpr[ECX] = 2;
    s.state.gpr[EDX] = 2;
    s.runs = {{1000000}, {1000000, s.state}};
    const Outcome o = run_both_ways(s);
    CHECK(o.state.gpr[EAX] == 3);
    CHECK(o.state.gpr[EBX] == 3);
    CHECK((o.state.gpr[ECX] & 0xFFFF) == 0);
    CHECK(o.state.seg[CS].selector == 0x0FF0);
    CHECK(any(o.reasons, StopReason::Halted));
}

TEST_CASE("decoded blocks: a long run of linked blocks does not grow the host stack") {
    // DEC ECX; JNZ back: one block linked to itself, 3,000,000 times in one run. Each block
    // enters the next by a call in tail position (exec::linked), which must be a jump: a frame
    // per block would overflow the host stack.
    Scenario s;
    s.code = {{kCodePhys, {0x66, 0x49, 0x75, 0xFC, kHlt}}};
    s.state.gpr[ECX] = 3000000;
    s.runs = {{100000000}};
    const Outcome o = s.run(true);
    CHECK(o.state.gpr[ECX] == 0);
    CHECK(o.instructions == 2 * 3000000 + 1);
    CHECK(any(o.reasons, StopReason::Halted));
}

TEST_CASE("decoded blocks: CALL and RET enter their linked successors with the fast push and pop, and the general ones where those cannot") {
    // Flat 32-bit protected mode, ESP = 90000h: CALL F (INC EAX; INC EBX; RET) and a CALL of H
    // (INC EDX; RET) with 16-bit operands, five times in a DEC ECX / JNZ loop, so that the CALLs,
    // the RETs and the JNZ each enter the block they are linked to themselves (exec::linked, the
    // push and pop through the TLB), ESP back at 90000h after it; then, with ESP = 21002h, a
    // CALL of F whose push and pop cross the page boundary at 21000h (the general ones, by the
    // run loop). Stopped by the budget at every boundary in turn, both ways of running agree.
    const std::vector<std::uint8_t> code = {
        0xB9, 0x05, 0x00, 0x00, 0x00,  // mov ecx, 5
        0xE8, 0x16, 0x00, 0x00, 0x00,  // call F
        0x66, 0xE8, 0x1A, 0x00,        // call H (16-bit)
        0x49, 0x75, 0xF4,              // dec ecx; jnz back to the first call
        0x89, 0xE7,                    // mov edi, esp (each RET popped what its CALL pushed)
        0xBC, 0x02, 0x10, 0x02, 0x00,  // mov esp, 21002h
        0xE8, 0x03, 0x00, 0x00, 0x00,  // call F
        kHlt, kNop, kNop,
        0x40, 0x43, 0xC3,              // F at 1020h: inc eax; inc ebx; ret
        kNop, kNop, kNop, kNop, kNop,
        0x42, 0x66, 0xC3};             // H at 1028h: inc edx; ret (16-bit)
    for (std::uint64_t budget = 1; budget <= 160; ++budget) {
        CAPTURE(budget);
        const ProtectedOutcome o = run_protected_both_ways(code, budget, 0, 0x20FF0, 0x21010);
        CHECK(o.state.gpr[EAX] == 6);
        CHECK(o.state.gpr[EBX] == 6);
        CHECK(o.state.gpr[EDX] == 5);
        CHECK(o.state.gpr[EDI] == 0x90000);
        CHECK(o.state.gpr[ESP] == 0x21002);
        CHECK(o.memory[0x20FFE - 0x20FF0] == 0x1D);  // the last CALL's return address, 101Dh
        CHECK(o.memory[0x20FFF - 0x20FF0] == 0x10);
    }
}

TEST_CASE("decoded blocks: flags that the next instruction overwrites unread are left out, exact at every budget") {
    // A loop body in which some register instructions' flags are overwritten by the next one
    // unread (their records then run without flags: build_block, "flags nobody reads") and others'
    // are read: by ADC/SBB/RCL (CF), by PUSHF, by INC/DEC that keep CF, by the JNZ at the block's
    // end. Stopped at every cycle in turn, the runs agree with the per-instruction path in every
    // register and EFLAGS, and so does the whole run.
    const std::vector<std::uint8_t> body = {
        0x01, 0xD8,              // ADD AX,BX     (XOR overwrites its flags)
        0x31, 0xD1,              // XOR CX,DX     (SUB overwrites)
        0x83, 0xEE, 0x01,        // SUB SI,1      (SHL overwrites)
        0xC1, 0xE7, 0x03,        // SHL DI,3      (ADC reads its CF)
        0x11, 0xC8,              // ADC AX,CX     (CMP overwrites)
        0x39, 0xD8,              // CMP AX,BX     (AND overwrites)
        0x83, 0xE3, 0x7F,        // AND BX,7Fh    (INC keeps its CF)
        0x43,                    // INC BX
        0x19, 0xD1,              // SBB CX,DX     (TEST overwrites)
        0x85, 0xC1,              // TEST CX,AX    (OR overwrites)
        0x0D, 0x01, 0x80,        // OR AX,8001h   (RCL reads its CF)
        0xD1, 0xD2,              // RCL DX,1
        0x66, 0x01, 0xD8,        // ADD EAX,EBX   (SAR overwrites)
        0x66, 0xC1, 0xF9, 0x05,  // SAR ECX,5     (DEC keeps its CF)
        0x4E,                    // DEC SI
        0x9C,                    // PUSHF
        0x5A,                    // POP DX
        0x01, 0xD7,              // ADD DI,DX     (the flags' image in a register)
    };
    std::vector<std::uint8_t> code = body;
    // Past records that leave the flags alone: MOV r,r, LEA, MOVZX r,r, NOT, MOV r,imm.
    const std::vector<std::uint8_t> between = {
        0x01, 0xD8,              // ADD AX,BX     (the XOR after the five overwrites its flags)
        0x89, 0xC6,              // MOV SI,AX
        0x8D, 0x79, 0x03,        // LEA DI,[BX+DI+3]
        0x0F, 0xB6, 0xD0,        // MOVZX DX,AL
        0xF7, 0xD2,              // NOT DX
        0xBE, 0x34, 0x12,        // MOV SI,1234h
        0x31, 0xD1,              // XOR CX,DX
        0x11, 0xF8,              // ADC AX,DI     (reads XOR's CF)
        0x01, 0xC3,              // ADD BX,AX     (MOVs then SBB: read)
        0x89, 0xDA,              // MOV DX,BX
        0x19, 0xC1,              // SBB CX,AX
        0x4D,                    // DEC BP
    };
    code.insert(code.end(), between.begin(), between.end());
    code.push_back(0x75);  // JNZ back to the body
    code.push_back(static_cast<std::uint8_t>(-static_cast<int>(code.size() + 1)));
    code.push_back(kHlt);
    Scenario s;
    s.code = {{kCodePhys, code}};
    s.state.gpr[EAX] = 0x1234F00D;
    s.state.gpr[EBX] = 0x8765ABCD;
    s.state.gpr[ECX] = 0xFFFF0001;
    s.state.gpr[EDX] = 0x00C0FFEE;
    s.state.gpr[ESI] = 0x5;
    s.state.gpr[EDI] = 0x3333;
    s.state.gpr[EBP] = 7;
    const Outcome whole = run_both_ways(s);
    CHECK(whole.state.gpr[EBP] == 0);
    REQUIRE(any(whole.reasons, StopReason::Halted));
    for (std::uint64_t budget = 1; budget <= whole.cycles / 3 + 1; budget += 3) {
        CAPTURE(budget);
        s.runs = {{budget}, {budget}, {budget}, {100000}};
        const Outcome o = run_both_ways(s);
        CHECK(o.state.gpr[EDI] == whole.state.gpr[EDI]);
        CHECK(o.cycles == whole.cycles);
    }
}

TEST_CASE("decoded blocks: an instruction that may fault keeps the flags before it, however they are overwritten after") {
    // ADD's flags are overwritten by the XOR two instructions on, but the MOV between reads a word
    // at DS:FFFFh, past the real-mode limit: #GP (#13), whose FLAGS image on the stack must be the
    // ADD's (the 8086 has no limit: it wraps, and the XOR's flags stand). The NOP runs alone (the
    // code's load ended any block), the block starts at the ADD.
    Scenario s;
    s.code = {{kCodePhys, {kNop, 0x01, 0xD8, 0x8B, 0x0E, 0xFF, 0xFF, 0x31, 0xD2, kIncBx, kHlt}}};
    s.state.gpr[EAX] = 0xFFFF;
    s.state.gpr[EBX] = 0x0001;
    s.state.gpr[EDX] = 0x1234;
    for (CpuModel model : {CpuModel::i8086, CpuModel::i80286, CpuModel::i80386}) {
        CAPTURE(model);
        s.model = model;
        const Outcome o = run_both_ways(s);
        if (model == CpuModel::i8086) {
            CHECK(o.state.gpr[EDX] == 0);
        } else {
            CHECK(halted_in_handler(o.state, 13));
            CHECK(o.stack_word == kCodeIp + 3);
            CHECK((o.stack_flags & 0x41) == 0x41);  // ZF and CF of 0FFFFh + 1
        }
    }
}
