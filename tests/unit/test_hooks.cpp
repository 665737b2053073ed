// x86emu unit tests — the debugger-style hooks (x86emu/debug_hooks.hpp): code, memory (read,
// write, fetch), interrupt and invalid-opcode hooks with their event fields and ranges, several
// at once and removal by handle; breakpoints, watchpoints, run limits and every new stop reason
// with its detail and resume rule; Cpu::reg/set_reg; translate() and read/write_virtual() with
// paging off and on. Real-mode fixture (code at 1000:0100 = linear 10100h, DS = 2000h) unless a
// test says otherwise; the 386 model throughout.
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "protected_test_support.hpp"
#include "x86emu/debug_hooks.hpp"

using namespace x86emu;
using x86emu_test::kCodeIp;
using x86emu_test::kCodePhys;
using x86emu_test::Machine;
using x86emu_test::ProtectedMachine;

namespace {

constexpr std::uint32_t kData = 0x20000;  // DS base of the fixture
constexpr std::uint8_t kNop = 0x90, kHlt = 0xF4;

struct HookMachine : Machine {
    explicit HookMachine(const std::vector<std::uint8_t>& code, bool host_pages = true) : Machine(CpuModel::i80386) {
        bus.host_pages = host_pages;  // hooks must also see accesses the TLB would serve from host pointers
        load(code);
    }
    std::uint32_t eip() const { return cpu.state().eip; }
    std::uint16_t cs() const { return cpu.state().seg[CS].selector; }
};

}  // namespace

TEST_CASE("Code hook: called before each instruction in its range, with address and length") {
    // 10100: NOP; 10101: MOV AX, 1234h (3 bytes); 10104: NOP; 10105: HLT
    HookMachine m({kNop, 0xB8, 0x34, 0x12, kNop, kHlt});
    std::vector<CodeEvent> seen;
    std::vector<std::uint32_t> ax_seen;
    m.cpu.add_code_hook({0x10101, 0x10104}, [&](const CodeEvent& e) {
        seen.push_back(e);
        ax_seen.push_back(m.cpu.reg(Register::AX));  // before the instruction executes
        return HookAction::Continue;
    });
    RunResult r = m.cpu.run(1000);
    CHECK(any(r.reasons, StopReason::Halted));
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].linear == 0x10101);
    CHECK(seen[0].eip == 0x101);
    CHECK(seen[0].length == 3);
    CHECK(seen[1].linear == 0x10104);
    CHECK(seen[1].length == 1);
    CHECK(ax_seen == std::vector<std::uint32_t>{0, 0x1234});
}

TEST_CASE("Several hooks at once; remove_hook by handle; stale handles") {
    HookMachine m({kNop, kNop, kNop, kHlt});
    int first = 0, second = 0;
    HookHandle a = m.cpu.add_code_hook(AddressRange::all(), [&](const CodeEvent&) {
        ++first;
        return HookAction::Continue;
    });
    HookHandle b = m.cpu.add_code_hook(AddressRange::at(0x10101), [&](const CodeEvent&) {
        ++second;
        return HookAction::Continue;
    });
    CHECK(a != b);
    m.cpu.run(1000);
    CHECK(first == 4);
    CHECK(second == 1);

    CHECK(m.cpu.remove_hook(a));
    CHECK_FALSE(m.cpu.remove_hook(a));            // stale: removed already
    CHECK_FALSE(m.cpu.remove_hook(HookHandle{}));  // names nothing
    m.cpu.set_state(Machine::base_state());
    m.cpu.run(1000);
    CHECK(first == 4);
    CHECK(second == 2);
    CHECK(m.cpu.remove_hook(b));
    m.cpu.set_state(Machine::base_state());
    m.cpu.run(1000);
    CHECK(second == 2);
}

TEST_CASE("Memory hooks: reads and writes in range with linear, physical, size, value; fetch once per instruction") {
    // 10100: MOV BL, [0011h]; 10104: MOV [0030h], AX; 10107: MOV AX, [0010h]; 1010A: MOV [0020h], AX;
    // 1010D: HLT. The first two warm the TLB for the data page (reads and writes), so the hooked
    // accesses after them would take the host-pointer fast path if the page were not kept off it.
    HookMachine m({0x8A, 0x1E, 0x11, 0x00, 0xA3, 0x30, 0x00, 0xA1, 0x10, 0x00, 0xA3, 0x20, 0x00, kHlt});
    m.bus.put_word(kData + 0x10, 0xBEEF);
    std::vector<MemoryEvent> reads, writes, fetches;
    m.cpu.add_memory_hook(MemoryAccessKinds::reads(), {kData + 0x10, kData + 0x10}, [&](const MemoryEvent& e) {
        reads.push_back(e);
        return HookAction::Continue;
    });
    m.cpu.add_memory_hook(MemoryAccessKinds::writes(), {kData + 0x21, kData + 0x2F}, [&](const MemoryEvent& e) {
        writes.push_back(e);
        return HookAction::Continue;
    });
    m.cpu.add_memory_hook(MemoryAccessKinds::fetches(), {0x10105, 0x10106}, [&](const MemoryEvent& e) {
        fetches.push_back(e);
        return HookAction::Continue;
    });
    RunResult r = m.cpu.run(1000);
    CHECK(any(r.reasons, StopReason::Halted));
    // The word read at 20010h meets the one-byte range; the byte read at 20011h does not.
    REQUIRE(reads.size() == 1);
    CHECK(reads[0].kind == MemoryAccessKind::Read);
    CHECK(reads[0].linear == kData + 0x10);
    CHECK(reads[0].physical == kData + 0x10);
    CHECK(reads[0].size == 2);
    CHECK(reads[0].value == 0xBEEF);
    // The store at 20020h (its second byte is in range) is seen, the one at 20030h is not.
    REQUIRE(writes.size() == 1);
    CHECK(writes[0].kind == MemoryAccessKind::Write);
    CHECK(writes[0].linear == kData + 0x20);
    CHECK(writes[0].physical == kData + 0x20);
    CHECK(writes[0].size == 2);
    CHECK(writes[0].value == 0xBEEF);
    CHECK(m.bus.word(kData + 0x20) == 0xBEEF);
    // Only the instruction at 10104 (bytes 10104-10106) meets the fetch range.
    REQUIRE(fetches.size() == 1);
    CHECK(fetches[0].kind == MemoryAccessKind::Fetch);
    CHECK(fetches[0].linear == 0x10104);
    CHECK(fetches[0].physical == 0x10104);
    CHECK(fetches[0].size == 3);
}

TEST_CASE("Memory hook removal gives the page back to the fast path and stops the calls") {
    HookMachine m({0xA1, 0x10, 0x00, kHlt});
    int calls = 0;
    HookHandle h = m.cpu.add_memory_hook(MemoryAccessKinds::data(), AddressRange::all(), [&](const MemoryEvent&) {
        ++calls;
        return HookAction::Continue;
    });
    m.cpu.run(1000);
    CHECK(calls == 1);
    CHECK(m.cpu.remove_hook(h));
    m.cpu.set_state(Machine::base_state());
    m.cpu.run(1000);
    CHECK(calls == 1);
}

TEST_CASE("Watchpoint: stops after the accessing instruction, with the hook and the address") {
    // MOV [0030h], AX (warms the TLB); MOV [0020h], AX; NOP; HLT
    HookMachine m({0xA3, 0x30, 0x00, 0xA3, 0x20, 0x00, kNop, kHlt});
    HookHandle w = m.cpu.add_watchpoint(MemoryAccessKinds::writes(), {kData + 0x20, kData + 0x21});
    RunResult r = m.cpu.run(1000);
    CHECK(any(r.reasons, StopReason::Watchpoint));
    CHECK_FALSE(any(r.reasons, StopReason::Halted));
    CHECK(r.instructions == 2);
    CHECK(m.eip() == 0x106);
    CHECK(r.stop.hook == w);
    CHECK(r.stop.linear == kData + 0x20);
    r = m.cpu.run(1000);  // nothing writes there again
    CHECK(r.reasons == StopReason::Halted);
    CHECK(r.instructions == 2);
}

TEST_CASE("Interrupt hook: INT n seen before delivery; Suppress continues after it, Deliver goes to the handler") {
    // INT 21h; NOP; HLT
    const std::vector<std::uint8_t> code{0xCD, 0x21, kNop, kHlt};
    {
        HookMachine m(code);
        std::vector<InterruptEvent> seen;
        m.cpu.add_interrupt_hook([&](const InterruptEvent& e) {
            seen.push_back(e);
            return InterruptAction::Suppress;
        });
        m.cpu.run(1000);
        REQUIRE(seen.size() == 1);
        CHECK(seen[0].vector == 0x21);
        CHECK(seen[0].kind == InterruptKind::Software);
        CHECK_FALSE(seen[0].has_error_code);
        CHECK(seen[0].return_eip == 0x102);
        CHECK(m.cs() == x86emu_test::kCodeSeg);
        CHECK(m.eip() == 0x104);  // NOP and HLT ran
        CHECK(m.cpu.state().gpr[ESP] == x86emu_test::kStackTop);  // no frame pushed
    }
    {
        HookMachine m(code);
        m.cpu.add_interrupt_hook([](const InterruptEvent&) { return InterruptAction::Deliver; });
        m.cpu.run(1000);
        CHECK(Machine::at_vector(m.cpu.state(), 0x21) == false);  // the HLT there has run: one past it
        CHECK(m.cs() == x86emu_test::kHandlerSeg);
        CHECK(m.eip() == x86emu_test::handler_ip(0x21) + 1);
    }
}

TEST_CASE("Interrupt hook: a suppressed fault restarts the instruction; Stop stops after delivery") {
    // XOR BL, BL; DIV BL; HLT: #DE while BL = 0
    const std::vector<std::uint8_t> code{0x30, 0xDB, 0xF6, 0xF3, kHlt};
    {
        HookMachine m(code);
        std::vector<InterruptEvent> seen;
        m.cpu.add_interrupt_hook([&](const InterruptEvent& e) {
            seen.push_back(e);
            m.cpu.set_reg(Register::BL, 2);  // fix the cause; general registers may be set in hooks
            return InterruptAction::Suppress;
        });
        m.cpu.set_reg(Register::AX, 10);
        m.cpu.run(1000);
        REQUIRE(seen.size() == 1);
        CHECK(seen[0].vector == 0);
        CHECK(seen[0].kind == InterruptKind::Exception);
        CHECK(seen[0].return_eip == 0x102);  // the DIV itself
        CHECK(m.cpu.reg(Register::AL) == 5);   // the DIV ran again, by 2
        CHECK(m.eip() == 0x105);
    }
    {
        HookMachine m(code);
        HookHandle h = m.cpu.add_interrupt_hook([](const InterruptEvent&) { return InterruptAction::Stop; });
        RunResult r = m.cpu.run(1000);
        CHECK(any(r.reasons, StopReason::Exception));
        CHECK(r.stop.hook == h);
        CHECK(r.stop.vector == 0);
        CHECK(Machine::at_vector(m.cpu.state(), 0));  // delivered, handler not yet run
        r = m.cpu.run(1000);
        CHECK(any(r.reasons, StopReason::Halted));
    }
}

TEST_CASE("Interrupt hook: NMI and INTR are seen as such; stop on exception") {
    HookMachine m({kNop, kNop, kHlt});
    std::vector<InterruptEvent> seen;
    m.cpu.add_interrupt_hook([&](const InterruptEvent& e) {
        seen.push_back(e);
        return InterruptAction::Suppress;
    });
    m.cpu.raise_nmi();
    m.cpu.run(1000);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].kind == InterruptKind::Nmi);
    CHECK(seen[0].vector == 2);
    CHECK(seen[0].return_eip == kCodeIp);
    CHECK(m.eip() == 0x103);  // not delivered: the code ran to its HLT

    HookMachine u({0x0F, 0x0B, kHlt});  // #UD on the 386
    u.cpu.set_stop_on_exception(true);
    RunResult r = u.cpu.run(1000);
    CHECK(any(r.reasons, StopReason::Exception));
    CHECK(r.stop.vector == 6);
    CHECK(Machine::at_vector(u.cpu.state(), 6));
}

TEST_CASE("Invalid-opcode hook: address and bytes; Skip(length) continues; Stop leaves EIP on it") {
    const std::vector<std::uint8_t> code{0x0F, 0x0B, kNop, kHlt};
    {
        HookMachine m(code);
        std::vector<InvalidOpcodeEvent> seen;
        int interrupts = 0;
        m.cpu.add_interrupt_hook([&](const InterruptEvent&) {
            ++interrupts;
            return InterruptAction::Deliver;
        });
        m.cpu.add_invalid_opcode_hook([&](const InvalidOpcodeEvent& e) {
            seen.push_back(e);
            return InvalidOpcodeAction::skip(2);
        });
        m.cpu.run(1000);
        REQUIRE(seen.size() == 1);
        CHECK(seen[0].linear == kCodePhys);
        CHECK(seen[0].eip == kCodeIp);
        REQUIRE(seen[0].bytes.size() == 15);
        CHECK(seen[0].bytes[0] == 0x0F);
        CHECK(seen[0].bytes[1] == 0x0B);
        CHECK(seen[0].bytes[2] == kNop);
        CHECK(interrupts == 0);   // skipped: no #UD at all
        CHECK(m.eip() == 0x104);  // NOP, HLT ran
    }
    {
        HookMachine m(code);
        HookHandle h = m.cpu.add_invalid_opcode_hook([](const InvalidOpcodeEvent&) { return InvalidOpcodeAction::stop(); });
        RunResult r = m.cpu.run(1000);
        CHECK(any(r.reasons, StopReason::Exception));
        CHECK(r.stop.hook == h);
        CHECK(r.stop.vector == 6);
        CHECK(m.cs() == x86emu_test::kCodeSeg);
        CHECK(m.eip() == kCodeIp);
        CHECK(r.instructions == 0);
    }
    {
        HookMachine m(code);
        m.cpu.add_invalid_opcode_hook([](const InvalidOpcodeEvent&) { return InvalidOpcodeAction::skip(0); });
        CHECK_THROWS_AS(m.cpu.run(1000), std::invalid_argument);
    }
}

TEST_CASE("Breakpoint: stops before the instruction, the next run executes it") {
    HookMachine m({kNop, kNop, kNop, kHlt});
    HookHandle bp = m.cpu.add_breakpoint(0x10102);
    RunResult r = m.cpu.run(1000);
    CHECK(r.reasons == StopReason::Breakpoint);
    CHECK(r.stop.hook == bp);
    CHECK(r.stop.linear == 0x10102);
    CHECK(r.instructions == 2);
    CHECK(m.eip() == 0x102);
    r = m.cpu.run(1000);
    CHECK(r.reasons == StopReason::Halted);
    CHECK(r.instructions == 2);  // the NOP at the breakpoint and the HLT
}

TEST_CASE("Code hook Stop: Breakpoint before the instruction, not reported twice on resume") {
    HookMachine m({kNop, kNop, kNop, kHlt});
    std::vector<std::uint32_t> seen;
    HookHandle h = m.cpu.add_code_hook(AddressRange::all(), [&](const CodeEvent& e) {
        seen.push_back(e.linear);
        return e.linear == 0x10101 ? HookAction::Stop : HookAction::Continue;
    });
    RunResult r = m.cpu.run(1000);
    CHECK(r.reasons == StopReason::Breakpoint);
    CHECK(r.stop.hook == h);
    CHECK(m.eip() == 0x101);
    r = m.cpu.run(1000);
    CHECK(any(r.reasons, StopReason::Halted));
    CHECK(seen == std::vector<std::uint32_t>{0x10100, 0x10101, 0x10102, 0x10103});
}

TEST_CASE("Instruction limit: exact count, 0 executes nothing, the cycle budget still applies") {
    HookMachine m({kNop, kNop, kNop, kNop, kNop, kNop, kHlt});
    RunLimits limits;
    limits.max_instructions = 4;
    RunResult r = m.cpu.run(limits);
    CHECK(r.reasons == StopReason::InstructionLimit);
    CHECK(r.instructions == 4);
    CHECK(m.eip() == 0x104);
    limits.max_instructions = 0;
    r = m.cpu.run(limits);
    CHECK(r.reasons == StopReason::InstructionLimit);
    CHECK(r.instructions == 0);
    CHECK(m.eip() == 0x104);
    // The limit is for that run only.
    r = m.cpu.run(1000);
    CHECK(any(r.reasons, StopReason::Halted));
    CHECK(r.instructions == 3);
}

TEST_CASE("Instruction limit counts a REP once and keeps a paused REP resumable") {
    // MOV CX, 5; REP STOSB; NOP; HLT
    HookMachine m({0xB9, 0x05, 0x00, 0xF3, 0xAA, kNop, kHlt});
    RunLimits limits;
    limits.max_instructions = 2;
    RunResult r = m.cpu.run(limits);
    CHECK(r.reasons == StopReason::InstructionLimit);
    CHECK(r.instructions == 2);
    CHECK(m.cpu.reg(Register::CX) == 0);
    CHECK(m.eip() == 0x105);
}

TEST_CASE("Stop at address: stops before it and resumes from it") {
    HookMachine m({kNop, kNop, kNop, kNop, kNop, kHlt});
    RunLimits limits;
    limits.stop_address = 0x10103;
    RunResult r = m.cpu.run(limits);
    CHECK(r.reasons == StopReason::StopAtAddress);
    CHECK(r.stop.linear == 0x10103);
    CHECK(r.instructions == 3);
    CHECK(m.eip() == 0x103);
    r = m.cpu.run(limits);  // the same stop address: the instruction there runs now
    CHECK(any(r.reasons, StopReason::Halted));
    CHECK(r.instructions == 3);
}

TEST_CASE("Embedder stop from a hook carries its code; request_stop stays StopRequested") {
    HookMachine m({kNop, kNop, kNop, kHlt});
    m.cpu.add_code_hook(AddressRange::at(0x10101), [&](const CodeEvent&) {
        m.cpu.stop(42);
        return HookAction::Continue;
    });
    RunResult r = m.cpu.run(1000);
    CHECK(r.reasons == StopReason::EmbedderStop);
    CHECK(r.stop.embedder_code == 42);
    CHECK(r.instructions == 2);  // the hooked instruction completes first
    CHECK(m.eip() == 0x102);

    m.cpu.request_stop();
    r = m.cpu.run(1000);
    CHECK(r.reasons == StopReason::StopRequested);
    CHECK(r.stop.embedder_code == 0);
}

TEST_CASE("Hook misuse is refused with documented errors") {
    HookMachine m({kNop, kHlt});
    CHECK_THROWS_AS(m.cpu.add_code_hook({5, 4}, [](const CodeEvent&) { return HookAction::Continue; }),
                    std::invalid_argument);
    CHECK_THROWS_AS(m.cpu.add_code_hook(AddressRange::all(), nullptr), std::invalid_argument);
    CHECK_THROWS_AS(m.cpu.add_memory_hook(MemoryAccessKinds{}, AddressRange::all(),
                                          [](const MemoryEvent&) { return HookAction::Continue; }),
                    std::invalid_argument);
    CHECK_THROWS_AS(m.cpu.translate(0, Access::Read, 4), std::invalid_argument);
    m.cpu.add_code_hook(AddressRange::all(), [&](const CodeEvent&) {
        m.cpu.add_breakpoint(0);
        return HookAction::Continue;
    });
    CHECK_THROWS_AS(m.cpu.run(1000), std::logic_error);
}

TEST_CASE("Registers: get/set round trip over the views, EIP, EFLAGS, selectors, CR and DR") {
    HookMachine m({kNop, kNop, kHlt});
    m.cpu.set_reg(Register::EAX, 0x12345678);
    CHECK(m.cpu.reg(Register::AX) == 0x5678);
    CHECK(m.cpu.reg(Register::AL) == 0x78);
    CHECK(m.cpu.reg(Register::AH) == 0x56);
    m.cpu.set_reg(Register::AH, 0xAB);
    m.cpu.set_reg(Register::BX, 0xFFFF1234);
    m.cpu.set_reg(Register::BH, 0x99);
    m.cpu.set_reg(Register::SI, 0x4321);
    CpuState s = m.cpu.state();
    CHECK(s.gpr[EAX] == 0x1234AB78);
    CHECK(s.gpr[EBX] == 0x9934);
    CHECK(s.gpr[ESI] == 0x4321);
    CHECK(m.cpu.reg(Register::EBX) == 0x9934);

    m.cpu.set_reg(Register::EFLAGS, eflags::CF | eflags::ZF);
    CHECK(m.cpu.reg(Register::EFLAGS) == (eflags::CF | eflags::ZF | 0x2));
    m.cpu.set_reg(Register::ES, 0x1234);  // real mode: the base follows
    CHECK(m.cpu.reg(Register::ES) == 0x1234);
    CHECK(m.cpu.state().seg[ES].base == 0x12340);
    m.cpu.set_reg(Register::CR3, 0x5000);
    CHECK(m.cpu.reg(Register::CR3) == 0x5000);
    m.cpu.set_reg(Register::CR2, 0xDEAD);
    CHECK(m.cpu.state().cr2 == 0xDEAD);

    // EIP moves the next instruction; a DR0/DR7 instruction breakpoint is armed at once.
    m.cpu.set_reg(Register::EIP, 0x101);
    CHECK(m.cpu.reg(Register::EIP) == 0x101);
    m.cpu.set_reg(Register::DR0, 0x10101);
    m.cpu.set_reg(Register::DR7, 0x1);  // L0, execute, 1 byte
    CHECK(m.cpu.reg(Register::DR0) == 0x10101);
    CHECK(m.cpu.reg(Register::DR7) == 0x1);
    m.cpu.run(1000);
    CHECK(Machine::at_vector(m.cpu.state(), 1) == false);
    CHECK(m.cs() == x86emu_test::kHandlerSeg);  // #DB delivered before the NOP at 0101h
    CHECK(m.eip() == x86emu_test::handler_ip(1) + 1);
}

TEST_CASE("translate with paging off, read_virtual/write_virtual and decoded-code invalidation") {
    HookMachine m({kNop, kNop, kHlt});
    CHECK(m.cpu.translate(0x12345, Access::Read) == 0x12345u);
    CHECK(m.cpu.translate(0xFFFFF000u, Access::Write) == 0xFFFFF000u);  // the 386 has 32 address lines

    // Run the NOP at 0100h once (now decoded and cached), then overwrite it with a HLT.
    m.cpu.step();
    const std::array<std::uint8_t, 1> hlt{kHlt};
    CHECK(m.cpu.write_virtual(kCodePhys, hlt));
    m.cpu.set_reg(Register::EIP, kCodeIp);
    RunResult r = m.cpu.run(1000);
    CHECK(any(r.reasons, StopReason::Halted));
    CHECK(m.eip() == kCodeIp + 1);
    std::array<std::uint8_t, 3> back{};
    CHECK(m.cpu.read_virtual(kCodePhys, back));
    CHECK(back == std::array<std::uint8_t, 3>{kHlt, kNop, kHlt});
}

TEST_CASE("translate and read/write_virtual with paging on: rights, unmapped pages, page boundaries, no A/D") {
    using namespace x86emu_test;
    ProtectedMachine m;
    constexpr std::uint32_t P = 1, W = 2, U = 4, A = 0x20;
    // Linear 400000h -> 30000h (user, read-only), 401000h -> 50000h (user, writable); 402000h unmapped.
    m.put32(kPageDir + 4 * 1, kPageTable | P | W | U);
    m.put32(kPageTable + 0, 0x30000 | P | U);
    m.put32(kPageTable + 4, 0x50000 | P | W | U);
    m.start({kHlt}, 0, 0, 0x80000000u, kPageDir);

    CHECK(m.cpu.translate(0x400123, Access::Read) == 0x30123u);
    CHECK(m.cpu.translate(0x401FFF, Access::Write, 3) == 0x50FFFu);
    CHECK_FALSE(m.cpu.translate(0x400000, Access::Write, 3));  // read-only at CPL 3
    CHECK(m.cpu.translate(0x400000, Access::Write, 0) == 0x30000u);  // supervisor, CR0.WP clear
    CHECK_FALSE(m.cpu.translate(0x402000, Access::Read));
    CHECK_FALSE(m.cpu.translate(0x800000, Access::Fetch));  // no page table at all
    CHECK((m.get32(kPageDir + 4) & A) == 0);  // no accessed bits
    CHECK((m.get32(kPageTable) & A) == 0);

    // Across the boundary of two pages that are not physically adjacent; write_virtual ignores
    // the read-only bit.
    const std::array<std::uint8_t, 4> bytes{1, 2, 3, 4};
    CHECK(m.cpu.write_virtual(0x400FFE, bytes));
    CHECK(m.bus.mem[0x30FFE] == 1);
    CHECK(m.bus.mem[0x30FFF] == 2);
    CHECK(m.bus.mem[0x50000] == 3);
    CHECK(m.bus.mem[0x50001] == 4);
    std::array<std::uint8_t, 4> back{};
    CHECK(m.cpu.read_virtual(0x400FFE, back));
    CHECK(back == bytes);
    CHECK((m.get32(kPageTable) & A) == 0);
    CHECK((m.get32(kPageTable + 4) & (A | 0x40)) == 0);

    // A range reaching an unmapped page fails as a whole.
    const std::array<std::uint8_t, 4> other{9, 9, 9, 9};
    CHECK_FALSE(m.cpu.write_virtual(0x401FFE, other));
    CHECK(m.bus.mem[0x50FFE] == 0);
    CHECK_FALSE(m.cpu.read_virtual(0x401FFE, back));
}

TEST_CASE("Interrupt hook: INTR is seen after acknowledge with its vector; a suppressed one is dropped") {
    struct Controller final : InterruptController {
        int acknowledged = 0;
        std::uint8_t acknowledge() override {
            ++acknowledged;
            return 0x48;
        }
    } pic;
    HookMachine m({kNop, kNop, kHlt});
    std::vector<InterruptEvent> seen;
    m.cpu.add_interrupt_hook([&](const InterruptEvent& e) {
        seen.push_back(e);
        m.cpu.set_intr(false);  // the device withdraws its request once acknowledged
        return InterruptAction::Suppress;
    });
    m.cpu.set_interrupt_controller(&pic);
    m.cpu.set_reg(Register::EFLAGS, eflags::IF);
    m.cpu.set_intr(true);
    m.cpu.run(1000);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].kind == InterruptKind::External);
    CHECK(seen[0].vector == 0x48);
    CHECK(pic.acknowledged == 1);
    CHECK(m.cs() == x86emu_test::kCodeSeg);
    CHECK(m.eip() == 0x103);
}

TEST_CASE("Memory hooks see both halves of a read-modify-write") {
    // MOV [0030h], AX (warms the TLB); ADD [0020h], AX; HLT
    HookMachine m({0xA3, 0x30, 0x00, 0x01, 0x06, 0x20, 0x00, kHlt});
    m.bus.put_word(kData + 0x20, 0x0100);
    m.cpu.set_reg(Register::AX, 0x0023);
    std::vector<MemoryEvent> seen;
    m.cpu.add_memory_hook(MemoryAccessKinds::data(), {kData + 0x20, kData + 0x21}, [&](const MemoryEvent& e) {
        seen.push_back(e);
        return HookAction::Continue;
    });
    m.cpu.run(1000);
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].kind == MemoryAccessKind::Read);
    CHECK(seen[0].value == 0x0100);
    CHECK(seen[1].kind == MemoryAccessKind::Write);
    CHECK(seen[1].value == 0x0123);
    CHECK(m.bus.word(kData + 0x20) == 0x0123);
}

TEST_CASE("A stop before an instruction keeps the interrupt shadow and a paused REP") {
    {
        // MOV SS, AX; NOP (in the shadow); HLT, with a breakpoint on the NOP
        HookMachine m({0x8E, 0xD0, kNop, kHlt});
        m.cpu.set_reg(Register::AX, x86emu_test::kStackSeg);
        m.cpu.add_breakpoint(0x10102);
        RunResult r = m.cpu.run(1000);
        CHECK(r.reasons == StopReason::Breakpoint);
        CHECK(m.cpu.state().interrupt_shadow);
    }
    {
        // MOV CX, 100; REP STOSB; HLT: the budget pauses the REP, then a breakpoint on it must
        // not fire in the middle (it was passed when the REP started), and a stop address on it
        // neither.
        HookMachine m({0xB9, 0x64, 0x00, 0xF3, 0xAA, kHlt});
        RunLimits first;
        first.cycles = 60;
        RunResult r = m.cpu.run(first);
        REQUIRE(any(r.reasons, StopReason::RepInProgress));
        const std::uint32_t left = m.cpu.reg(Register::CX);
        CHECK(left > 0);
        CHECK(left < 100);
        m.cpu.add_breakpoint(0x10103);
        int code_hook_calls = 0;
        m.cpu.add_code_hook(AddressRange::at(0x10103), [&](const CodeEvent&) {
            ++code_hook_calls;
            return HookAction::Continue;
        });
        RunLimits rest;
        rest.stop_address = 0x10103;
        r = m.cpu.run(rest);
        CHECK(any(r.reasons, StopReason::Halted));
        CHECK(m.cpu.reg(Register::CX) == 0);
        CHECK(code_hook_calls == 0);
    }
}

TEST_CASE("An instruction-limit stop is no resume point: the hooks see the next instruction once") {
    HookMachine m({kNop, kNop, kNop, kHlt});
    std::vector<std::uint32_t> seen;
    m.cpu.add_code_hook(AddressRange::all(), [&](const CodeEvent& e) {
        seen.push_back(e.linear);
        return HookAction::Continue;
    });
    RunLimits one;
    one.max_instructions = 1;
    for (int k = 0; k < 3; ++k) CHECK(m.cpu.run(one).reasons == StopReason::InstructionLimit);
    CHECK(seen == std::vector<std::uint32_t>{0x10100, 0x10101, 0x10102});
    m.cpu.add_breakpoint(0x10103);
    CHECK(m.cpu.run(one).reasons == StopReason::Breakpoint);  // the limit allows it; the breakpoint stops it
    CHECK(m.cpu.run(one).reasons == (StopReason::Halted));
}

TEST_CASE("Several stop requests in one instruction: every reason, the hook's detail, the embedder's code") {
    HookMachine m({0xA3, 0x20, 0x00, kNop, kHlt});
    HookHandle h = m.cpu.add_memory_hook(MemoryAccessKinds::writes(), AddressRange::all(), [&](const MemoryEvent&) {
        m.cpu.request_stop();
        m.cpu.stop(7);
        return HookAction::Stop;
    });
    RunResult r = m.cpu.run(1000);
    CHECK(r.reasons == (StopReason::StopRequested | StopReason::EmbedderStop | StopReason::Watchpoint));
    CHECK(r.stop.hook == h);
    CHECK(r.stop.linear == kData + 0x20);
    CHECK(r.stop.embedder_code == 7);
    CHECK(m.eip() == 0x103);
}

TEST_CASE("Memory hooks with paging: linear range, physical address of the mapped page") {
    using namespace x86emu_test;
    ProtectedMachine m;
    constexpr std::uint32_t P = 1, W = 2, U = 4;
    // The first 4 MiB identity-mapped; linear 400000h -> physical 30000h.
    m.put32(kPageDir, kPageTable | P | W | U);
    for (std::uint32_t k = 0; k < 1024; ++k) m.put32(kPageTable + 4 * k, (k << 12) | P | W | U);
    m.put32(kPageDir + 4, (kPageTable + 0x1000) | P | W | U);
    m.put32(kPageTable + 0x1000, 0x30000 | P | W | U);
    m.put32(0x30010, 0xCAFEF00D);
    // MOV EAX, [400010h]; MOV [400020h], EAX; MOV [1800h], EAX (same value, unwatched); HLT
    m.start({0xA1, 0x10, 0x00, 0x40, 0x00, 0xA3, 0x20, 0x00, 0x40, 0x00, 0xA3, 0x00, 0x18, 0x00, 0x00, 0xF4}, 0, 0,
            0x80000000u, kPageDir);
    m.bus.host_pages = true;
    std::vector<MemoryEvent> seen;
    m.cpu.add_memory_hook(MemoryAccessKinds::data(), {0x400000, 0x400FFF}, [&](const MemoryEvent& e) {
        seen.push_back(e);
        return HookAction::Continue;
    });
    CHECK(m.run_to_halt() == -1);  // halted in the guest's own HLT, not in a stub
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].kind == MemoryAccessKind::Read);
    CHECK(seen[0].linear == 0x400010);
    CHECK(seen[0].physical == 0x30010);
    CHECK(seen[0].size == 4);
    CHECK(seen[0].value == 0xCAFEF00D);
    CHECK(seen[1].kind == MemoryAccessKind::Write);
    CHECK(seen[1].linear == 0x400020);
    CHECK(seen[1].physical == 0x30020);
    CHECK(m.get32(0x30020) == 0xCAFEF00D);
    CHECK(m.get32(0x1800) == 0xCAFEF00D);
    CHECK(m.cpu.state().eip == kCode + 16);
}
