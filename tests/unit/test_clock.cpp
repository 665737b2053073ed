// x86emu unit tests — the configurable clock rate (CpuOptions::clock_khz): defaults per model,
// validation, and emulated time as cycles at that rate while cycles and the TSC stay the same.
#include <stdexcept>

#include "emu_test_support.hpp"

TEST_CASE("Cpu clock: per-model defaults, validation, emulated time follows cycles at the clock") {
    x86emu_test::RamBus bus;
    CHECK(x86emu::Cpu(x86emu::CpuModel::i8086, bus).clock_khz() == 4770);
    CHECK(x86emu::Cpu(x86emu::CpuModel::p6, bus).clock_khz() == 200000);
    CHECK_THROWS_AS(x86emu::Cpu(x86emu::CpuModel::i80386, bus, x86emu_test::with_clock(0)), std::invalid_argument);
    CHECK_THROWS_AS(x86emu::Cpu(x86emu::CpuModel::i80386, bus, x86emu_test::with_clock(10000001)), std::invalid_argument);
    // The same guest at 1 MHz and at 2 MHz: identical cycles and TSC, half the emulated time.
    std::uint64_t cycles[2], ns[2];
    for (unsigned k = 0; k < 2; ++k) {
        x86emu::Cpu cpu(x86emu::CpuModel::p5, bus, x86emu_test::with_clock(1000u * (k + 1)));
        for (unsigned a = 0; a < 64; ++a) bus.mem[0x1000 + a] = 0x90;  // NOPs
        bus.mem[0x1040] = 0xF4;
        x86emu::CpuState s;
        s.eip = 0x1000;
        s.seg[x86emu::CS].selector = 0;
        s.seg[x86emu::CS].base = 0;
        s.seg[x86emu::CS].attributes = 0x9B;
        cpu.set_state(s);
        cpu.run(10000);
        cycles[k] = cpu.cycles();
        ns[k] = cpu.emulated_nanoseconds();
        CHECK(ns[k] == cycles[k] * 1000 / (k + 1));
    }
    CHECK(cycles[0] == cycles[1]);
    CHECK(ns[0] == 2 * ns[1]);
}
