// tests/package/consumer/main.cpp — what a program embedding the installed x86emu package looks
// like, and the check that such a program builds, links and runs: a Pentium over a 64 KiB RAM Bus
// runs a few real-mode instructions, among them CPUID (whose data the library embeds, so the
// installed archive must carry it), and the registers must hold the expected values; its
// snapshot, restored into a second CPU, must give the same state (the CBOR code is inside the
// archive too). Every installed header is included, so each must compile on its own install.
// Built by tests/package through find_package(x86emu) and through pkg-config (x86emu-core).
#include <x86emu/bus.hpp>
#include <x86emu/cpu.hpp>
#include <x86emu/cpuid.hpp>
#include <x86emu/debug_hooks.hpp>
#include <x86emu/emulated_time.hpp>
#include <x86emu/hooks.hpp>
#include <x86emu/io_ports.hpp>
#include <x86emu/linux_boot.hpp>
#include <x86emu/machine.hpp>
#include <x86emu/memory_map.hpp>
#include <x86emu/model.hpp>
#include <x86emu/opcodes.hpp>
#include <x86emu/scheduler.hpp>
#include <x86emu/snapshot.hpp>
#include <x86emu/state.hpp>

#include <cstdint>
#include <cstdio>
#include <vector>

namespace {

constexpr std::uint32_t kLoadAddress = 0x7C00;

const std::vector<std::uint8_t> kGuest = {
    0xB8, 0x34, 0x12,  // mov ax,1234h
    0x89, 0xC6,        // mov si,ax      ; SI, because CPUID overwrites EAX, EBX, ECX and EDX
    0x46,              // inc si
    0x66, 0x31, 0xC0,  // xor eax,eax
    0x0F, 0xA2,        // cpuid          ; leaf 0: EBX = "Genu" on the P5 model
    0xF4,              // hlt
};

class RamBus final : public x86emu::Bus {
public:
    std::vector<std::uint8_t> ram = std::vector<std::uint8_t>(0x10000, 0);
    std::uint8_t read8(std::uint32_t paddr) override { return paddr < ram.size() ? ram[paddr] : 0xFF; }
    void write8(std::uint32_t paddr, std::uint8_t value) override {
        if (paddr < ram.size()) ram[paddr] = value;
    }
};

}  // namespace

int main() {
    RamBus bus;
    for (std::size_t k = 0; k < kGuest.size(); ++k) bus.ram[kLoadAddress + k] = kGuest[k];
    x86emu::Cpu cpu(x86emu::CpuModel::p5, bus);

    // Start at 0000:7C00 with flat real-mode segments instead of the reset vector.
    x86emu::CpuState state = cpu.state();
    for (auto& segment : state.seg) {
        segment.selector = 0;
        segment.base = 0;
    }
    state.eip = kLoadAddress;
    cpu.set_state(state);

    const x86emu::RunResult result = cpu.run(10'000);
    const x86emu::CpuState after = cpu.state();
    const std::uint16_t si = static_cast<std::uint16_t>(after.gpr[x86emu::ESI]);
    const std::uint32_t ebx = after.gpr[x86emu::EBX];
    std::printf("SI=%04X EBX=%08X instructions=%llu halted=%d\n", si, ebx,
                static_cast<unsigned long long>(result.instructions), cpu.halted() ? 1 : 0);
    RamBus second_bus;
    second_bus.ram = bus.ram;
    x86emu::Cpu second(x86emu::CpuModel::p5, second_bus);
    second.restore_snapshot(cpu.save_snapshot());
    const bool restored = second.state() == after && second.cycles() == cpu.cycles();
    std::printf("snapshot restored: %s\n", restored ? "same state" : "DIFFERENT");
    const bool ok = si == 0x1235 && ebx == 0x756E6547 && result.instructions == 6 && cpu.halted() && restored;
    std::puts(ok ? "x86emu package consumer: ok" : "x86emu package consumer: WRONG RESULT");
    return ok ? 0 : 1;
}
