// examples/debug_hooks.cpp — the debugger-style hooks (x86emu/debug_hooks.hpp) driving a tiny
// real-mode 386 guest that sums an array, stores the sum, then runs INT3 and an undefined opcode
// before halting. The embedder runs it a few instructions at a time (RunLimits), stops at a
// breakpoint on the loop, watches the store of the sum, lets INT3 pass without delivery
// (interrupt hook: Suppress) and skips the undefined opcode (invalid-opcode hook: Skip). The
// guest is a few hand-assembled bytes, so the example needs no assembler.
#include <x86emu/bus.hpp>
#include <x86emu/cpu.hpp>
#include <x86emu/debug_hooks.hpp>
#include <x86emu/model.hpp>
#include <x86emu/state.hpp>

#include <array>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace {

using x86emu::Register;
using x86emu::StopReason;

constexpr std::uint32_t kLoadAddress = 0x7C00, kArray = 0x7E00, kSum = 0x0500;

// Real-mode guest at 0000:7C00.
const std::vector<std::uint8_t> kGuest = {
    0x31, 0xC0,        // 7C00 xor ax,ax
    0xBE, 0x00, 0x7E,  // 7C02 mov si,7E00h
    0xB9, 0x04, 0x00,  // 7C05 mov cx,4
    0x03, 0x04,        // 7C08 add ax,[si]     ; the loop
    0x83, 0xC6, 0x02,  // 7C0A add si,2
    0xE2, 0xF9,        // 7C0D loop 7C08h
    0xA3, 0x00, 0x05,  // 7C0F mov [0500h],ax
    0xCC,              // 7C12 int3
    0x0F, 0x0B,        // 7C13 (undefined on the 386: #UD)
    0xF4,              // 7C15 hlt
};

class GuestBus final : public x86emu::Bus {
public:
    std::vector<std::uint8_t> ram = std::vector<std::uint8_t>(0x10000, 0);
    std::uint8_t read8(std::uint32_t paddr) override { return paddr < ram.size() ? ram[paddr] : 0xFF; }
    void write8(std::uint32_t paddr, std::uint8_t value) override {
        if (paddr < ram.size()) ram[paddr] = value;
    }
};

}  // namespace

int main() {
    GuestBus bus;
    for (std::size_t k = 0; k < kGuest.size(); ++k) bus.ram[kLoadAddress + k] = kGuest[k];
    for (std::uint8_t k = 0; k < 4; ++k) bus.ram[kArray + 2 * k] = static_cast<std::uint8_t>(k + 1);
    x86emu::Cpu cpu(x86emu::CpuModel::i80386, bus);
    x86emu::CpuState state = cpu.state();
    for (auto& segment : state.seg) {
        segment.selector = 0;
        segment.base = 0;
    }
    state.eip = kLoadAddress;
    state.gpr[x86emu::ESP] = kLoadAddress;
    cpu.set_state(state);

    // INT3 is handled here: not delivered, the guest goes on after it.
    cpu.add_interrupt_hook([](const x86emu::InterruptEvent& event) {
        if (event.vector != 3) return x86emu::InterruptAction::Deliver;
        std::printf("INT3 suppressed, execution goes on at %04X\n", event.return_eip);
        return x86emu::InterruptAction::Suppress;
    });
    // An undefined opcode becomes a two-byte no-op.
    cpu.add_invalid_opcode_hook([](const x86emu::InvalidOpcodeEvent& event) {
        std::printf("#UD at %04X (bytes %02X %02X) skipped\n", event.eip, event.bytes.at(0), event.bytes.at(1));
        return x86emu::InvalidOpcodeAction::skip(2);
    });

    // A few instructions at a time, as a debugger's "step 2".
    x86emu::RunLimits two;
    two.max_instructions = 2;
    x86emu::RunResult r = cpu.run(two);
    std::printf("instruction limit: %llu instructions, EIP %04X\n",
                static_cast<unsigned long long>(r.instructions), cpu.reg(Register::EIP));

    // A breakpoint on the loop body: stops before it with EIP on it; the next run goes on.
    const x86emu::HookHandle loop = cpu.add_breakpoint(kLoadAddress + 8);
    for (int hit = 0; hit < 2; ++hit) {
        r = cpu.run(1'000'000);
        if (r.reasons != StopReason::Breakpoint) return 1;
        std::printf("breakpoint at %04X: CX=%u AX=%u\n", r.stop.linear, cpu.reg(Register::CX), cpu.reg(Register::AX));
    }
    cpu.remove_hook(loop);

    // Watch the store of the sum: the run stops after the storing instruction.
    cpu.add_watchpoint(x86emu::MemoryAccessKinds::writes(), {kSum, kSum + 1});
    r = cpu.run(1'000'000);
    if (!any(r.reasons, StopReason::Watchpoint)) return 1;
    std::array<std::uint8_t, 2> sum{};
    if (!cpu.read_virtual(kSum, sum)) return 1;
    std::printf("watchpoint: [%04X] = %u, EIP %04X\n", r.stop.linear, sum[0] | (sum[1] << 8), cpu.reg(Register::EIP));

    r = cpu.run(1'000'000);
    std::printf("status: %s\n", any(r.reasons, StopReason::Halted) ? "halted" : "running");
    return any(r.reasons, StopReason::Halted) ? 0 : 1;
}
