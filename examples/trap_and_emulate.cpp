// examples/trap_and_emulate.cpp — the interception hooks (x86emu/hooks.hpp) as a tiny VMM: a P5
// guest asks CPUID for the vendor, prints it on port 0xE9 with REP OUTSB, reads an MSR the P5
// model does not implement (the local APIC base, 1Bh) and halts. The embedder presents its own
// vendor string (Result), supplies the MSR (Result; without it the guest would take #GP), turns
// the port writes into text without the Bus ever seeing them (Skip) and counts the HLT (Run).
// The guest is a few hand-assembled bytes, so the example needs no assembler.
#include <x86emu/bus.hpp>
#include <x86emu/cpu.hpp>
#include <x86emu/hooks.hpp>
#include <x86emu/model.hpp>
#include <x86emu/state.hpp>

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace {

constexpr std::uint32_t kLoadAddress = 0x7C00;
constexpr std::uint16_t kDebugPort = 0xE9;
constexpr std::uint32_t kApicBaseMsr = 0x1B;

// Real-mode guest at 0000:7C00.
const std::vector<std::uint8_t> kGuest = {
    0x31, 0xC0,                          // xor ax,ax
    0x8E, 0xD8,                          // mov ds,ax
    0x66, 0x31, 0xC0,                    // xor eax,eax
    0x0F, 0xA2,                          // cpuid              ; leaf 0: the vendor in EBX, EDX, ECX
    0x66, 0x89, 0x1E, 0x00, 0x05,        // mov [0500h],ebx
    0x66, 0x89, 0x16, 0x04, 0x05,        // mov [0504h],edx
    0x66, 0x89, 0x0E, 0x08, 0x05,        // mov [0508h],ecx
    0xBE, 0x00, 0x05,                    // mov si,0500h
    0xB9, 0x0C, 0x00,                    // mov cx,12
    0xBA, 0xE9, 0x00,                    // mov dx,0E9h
    0xFC,                                // cld
    0xF3, 0x6E,                          // rep outsb          ; the vendor, to the debug port
    0x66, 0xB9, 0x1B, 0x00, 0x00, 0x00,  // mov ecx,1Bh
    0x0F, 0x32,                          // rdmsr              ; not a P5 MSR: the VMM answers
    0xF4,                                // hlt
};

// 64 KiB of plain RAM; ports are left to the default (open bus), so anything that reaches them
// is visible as a count.
class GuestBus final : public x86emu::Bus {
public:
    std::vector<std::uint8_t> ram = std::vector<std::uint8_t>(0x10000, 0);
    unsigned port_writes_seen = 0;
    std::uint8_t read8(std::uint32_t paddr) override { return paddr < ram.size() ? ram[paddr] : 0xFF; }
    void write8(std::uint32_t paddr, std::uint8_t value) override {
        if (paddr < ram.size()) ram[paddr] = value;
    }
    void io_write(std::uint16_t, unsigned, std::uint32_t) override { ++port_writes_seen; }
};

// Four ASCII characters as CPUID returns them in one register (first character lowest).
constexpr std::uint32_t chars(const char (&text)[5]) {
    return std::uint32_t(std::uint8_t(text[0])) | std::uint32_t(std::uint8_t(text[1])) << 8 |
           std::uint32_t(std::uint8_t(text[2])) << 16 | std::uint32_t(std::uint8_t(text[3])) << 24;
}

}  // namespace

int main() {
    GuestBus bus;
    for (std::size_t k = 0; k < kGuest.size(); ++k) bus.ram[kLoadAddress + k] = kGuest[k];
    x86emu::Cpu cpu(x86emu::CpuModel::p5, bus);

    std::string console;
    unsigned halts = 0;
    x86emu::InterceptHandlers vmm;
    vmm.cpuid = [](const x86emu::CpuidEvent& event) {
        // Only the vendor leaf is ours; every other leaf is the model's own data.
        if (event.leaf != 0) return x86emu::Intercept::run();
        return x86emu::Intercept::result({.eax = 1, .ebx = chars("Trap"), .ecx = chars("ated"), .edx = chars("Emul")});
    };
    vmm.msr_read = [](const x86emu::MsrReadEvent& event) {
        if (event.index == kApicBaseMsr) return x86emu::Intercept::result(0xFEE00000u);
        return x86emu::Intercept::run();  // the model decides: its MSRs, or #GP(0)
    };
    vmm.port_out = [&](const x86emu::PortOutEvent& event) {
        if (event.port != kDebugPort) return x86emu::Intercept::run();
        console.push_back(static_cast<char>(event.value));
        return x86emu::Intercept::skip();  // handled here: the Bus never sees it
    };
    vmm.hlt = [&](const x86emu::HltEvent&) {
        ++halts;
        return x86emu::Intercept::run();
    };
    cpu.set_intercepts(std::move(vmm));

    x86emu::CpuState state = cpu.state();
    for (auto& segment : state.seg) {
        segment.selector = 0;
        segment.base = 0;
    }
    state.eip = kLoadAddress;
    state.gpr[x86emu::ESP] = kLoadAddress;
    cpu.set_state(state);

    cpu.run(1'000'000);
    const x86emu::CpuState after = cpu.state();
    std::printf("guest vendor: %s\n", console.c_str());
    std::printf("APIC base MSR read by the guest: EDX:EAX = %08X:%08X\n", after.gpr[x86emu::EDX],
                after.gpr[x86emu::EAX]);
    std::printf("port writes that reached the Bus: %u\n", bus.port_writes_seen);
    std::printf("HLT intercepted: %u, status: %s\n", halts, cpu.halted() ? "halted" : "running");
    return cpu.halted() ? 0 : 1;
}
