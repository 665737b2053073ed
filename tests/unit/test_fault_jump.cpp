// x86emu unit tests — the fault path's jump point (core/cpu_core.hpp, raise_fault and FaultJump):
// a fault leaves the instruction by _longjmp to the run loop, which must deliver it exactly as
// the C++ throw it replaced did. These cover what the jump changes: the fix-ups that used to be
// catch blocks (PopE's SP restore on the 386, where the 286 keeps SP incremented; the reset of
// the interrupt shadow when a watched instruction's fetch faults; the 286 strings' partial
// commit is checked by conformance_286), a CPU run from inside another CPU's Bus callback (each
// run() has its own point, not one per thread), and embedder exceptions out of a run (they stay C++ exceptions, and what they
// interrupted does not leak into the next run: not the "delivering" state, which would turn the
// next fault into a double fault).
#include <doctest/doctest.h>

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <vector>

#include "emu_test_support.hpp"
#include "x86emu/debug_hooks.hpp"

using namespace x86emu;
using namespace x86emu_test;

namespace {

constexpr std::uint8_t kHlt = 0xF4;

// A RamBus whose port writes call `on_out` (the embedder's code inside a run).
struct CallbackBus final : Bus {
    RamBus ram;
    std::function<void()> on_out;
    std::uint8_t read8(std::uint32_t a) override { return ram.read8(a); }
    void write8(std::uint32_t a, std::uint8_t v) override { ram.write8(a, v); }
    void io_write(std::uint16_t, unsigned, std::uint32_t) override {
        if (on_out) on_out();
    }
};

void load_at_code(RamBus& bus, const std::vector<std::uint8_t>& code) {
    for (std::size_t k = 0; k < code.size(); ++k) bus.mem[kCodePhys + k] = code[k];
}

}  // namespace

TEST_CASE("POP to memory that overruns DS: the 386 restores SP before the #GP frame, the 286 does not") {
    // POP WORD [FFFFh]: the word at DS:FFFF crosses the 64 KiB limit, #GP(0) after the pop.
    const std::vector<std::uint8_t> code{0x8F, 0x06, 0xFF, 0xFF, kHlt};
    for (CpuModel model : {CpuModel::i80286, CpuModel::i80386}) {
        CAPTURE(cpu_model_name(model));
        Machine m(model);
        const CpuState after = m.run_one(code, Machine::base_state());
        REQUIRE(Machine::at_vector(after, 13));
        // The frame: FLAGS, CS, IP below the SP the fault saw.
        const std::uint32_t sp_at_fault = model == CpuModel::i80386 ? kStackTop : kStackTop + 2;
        CHECK(after.gpr[ESP] == sp_at_fault - 6);
        CHECK(m.bus.word(m.stack_phys(sp_at_fault - 6)) == kCodeIp);
        CHECK(m.bus.word(m.stack_phys(sp_at_fault - 4)) == kCodeSeg);
    }
}

TEST_CASE("a CPU run inside another CPU's Bus callback: both deliver their own faults") {
    // Outer: OUT 80h, AL (the callback runs the inner CPU), then UD2; inner: UD2.
    CallbackBus outer_bus;
    install_hlt_handlers(outer_bus.ram);
    load_at_code(outer_bus.ram, {0xE6, 0x80, 0x0F, 0x0B, kHlt});
    Cpu outer(CpuModel::i80386, outer_bus);
    outer.set_state(Machine::base_state());

    Machine inner(CpuModel::i80386);
    inner.load({0x0F, 0x0B, kHlt});
    unsigned inner_runs = 0;
    outer_bus.on_out = [&] {
        ++inner_runs;
        inner.cpu.run(1000);
    };

    outer.run(1000);
    CHECK(inner_runs == 1);
    // Each took its #UD through its own IVT with UD2's IP saved, then halted in the handler.
    CHECK(inner.cpu.state().seg[CS].selector == kHandlerSeg);
    CHECK(inner.cpu.state().eip == handler_ip(6) + 1);
    CHECK(inner.bus.word(inner.stack_phys(kStackTop - 6)) == kCodeIp);
    CHECK(outer.state().seg[CS].selector == kHandlerSeg);
    CHECK(outer.state().eip == handler_ip(6) + 1);
    CHECK(outer_bus.ram.word((std::uint32_t{kStackSeg} << 4) + kStackTop - 6) == kCodeIp + 2);
}

TEST_CASE("an embedder exception out of a Bus callback leaves run() as itself; the next run delivers faults") {
    CallbackBus bus;
    install_hlt_handlers(bus.ram);
    load_at_code(bus.ram, {0xE6, 0x80, 0x0F, 0x0B, kHlt});  // OUT 80h, AL; UD2
    Cpu cpu(CpuModel::i80386, bus);
    cpu.set_state(Machine::base_state());
    bus.on_out = [] { throw std::runtime_error("device failed"); };
    CHECK_THROWS_AS(cpu.run(1000), std::runtime_error);
    bus.on_out = nullptr;
    CpuState s = Machine::base_state();
    s.eip = kCodeIp + 2;
    cpu.set_state(s);
    cpu.run(1000);
    CHECK(cpu.state().seg[CS].selector == kHandlerSeg);
    CHECK(cpu.state().eip == handler_ip(6) + 1);
}

TEST_CASE("an interrupt hook that throws during a fault's delivery does not make the next fault a double fault") {
    // MOV AX, [FFFFh]: #GP(0) in real mode on the 386 (the word overruns DS).
    Machine m(CpuModel::i80386);
    m.load({0x8B, 0x06, 0xFF, 0xFF, kHlt});
    bool fail = true;
    std::vector<unsigned> seen;
    m.cpu.add_interrupt_hook([&](const InterruptEvent& e) {
        seen.push_back(e.vector);
        if (fail) throw std::runtime_error("hook failed");
        return InterruptAction::Deliver;
    });
    CHECK_THROWS_AS(m.cpu.run(1000), std::runtime_error);
    fail = false;
    m.cpu.set_state(Machine::base_state());
    m.cpu.run(1000);
    CHECK(seen == std::vector<unsigned>{13, 13});
    CHECK(m.cpu.state().seg[CS].selector == kHandlerSeg);
    CHECK(m.cpu.state().eip == handler_ip(13) + 1);  // not #DF's handler
}

TEST_CASE("a watched instruction whose fetch faults leaves the boundary as an unwatched one does") {
    // MOV AX, AX at 1000:FFFF: its second byte lies beyond the CS limit, #GP(0) on the fetch.
    // A code hook makes the boundary decode it first (watched_boundary); the fault must clear the
    // interrupt shadow there as the run loop's own fetch would have.
    for (bool hooked : {false, true}) {
        CAPTURE(hooked);
        Machine m(CpuModel::i80386);
        m.bus.mem[(std::uint32_t{kCodeSeg} << 4) + 0xFFFF] = 0x89;
        m.cpu.invalidate_code((std::uint32_t{kCodeSeg} << 4) + 0xFFF0, 0x20);
        if (hooked) m.cpu.add_code_hook(AddressRange::all(), [](const CodeEvent&) { return HookAction::Continue; });
        CpuState s = Machine::base_state();
        s.eip = 0xFFFF;
        s.interrupt_shadow = true;
        m.cpu.set_state(s);
        m.cpu.step();
        const CpuState after = m.cpu.state();
        CHECK(Machine::at_vector(after, 13));
        CHECK(m.bus.word(m.stack_phys(kStackTop - 6)) == 0xFFFF);
        CHECK_FALSE(after.interrupt_shadow);
    }
}
