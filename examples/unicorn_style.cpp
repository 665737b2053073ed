// examples/unicorn_style.cpp — x86emu embedded the way a unicorn user works: a bare CPU over a
// physical memory map the embedder builds (x86emu/memory_map.hpp: RAM and an MMIO region), code
// and memory hooks (x86emu/debug_hooks.hpp), a run that stops at an address, a snapshot of the
// CPU (x86emu/snapshot.hpp) plus the embedder's own RAM, restored into a second instance that
// continues, and both instances compared at the end.
//
// The guest is 32-bit flat protected-mode code, entered directly through Cpu::set_state (no
// boot code): it sums ten dwords, writes each partial sum to a memory-mapped "output register"
// at 10000000h, stores the total at 3000h and halts. Hand-assembled, so no assembler is needed.
#include <x86emu/cpu.hpp>
#include <x86emu/debug_hooks.hpp>
#include <x86emu/memory_map.hpp>
#include <x86emu/model.hpp>
#include <x86emu/snapshot.hpp>
#include <x86emu/state.hpp>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <vector>

namespace {

constexpr std::uint32_t kCode = 0x1000, kData = 0x2000, kTotal = 0x3000;
constexpr std::uint32_t kRamBytes = 1u << 20;
constexpr std::uint32_t kMmioBase = 0x10000000, kMmioBytes = 0x1000;
constexpr std::uint32_t kStoreToMmio = 0x1011;  // the MOV [10000000h],EAX of the loop

const std::vector<std::uint8_t> kGuest = {
    0xBE, 0x00, 0x20, 0x00, 0x00,  // 1000 mov esi,2000h
    0x31, 0xC0,                    // 1005 xor eax,eax
    0xB9, 0x0A, 0x00, 0x00, 0x00,  // 1007 mov ecx,10
    0x03, 0x06,                    // 100C add eax,[esi]        ; the loop
    0x83, 0xC6, 0x04,              // 100E add esi,4
    0xA3, 0x00, 0x00, 0x00, 0x10,  // 1011 mov [10000000h],eax  ; MMIO output register
    0xE2, 0xF4,                    // 1016 loop 100Ch
    0xA3, 0x00, 0x30, 0x00, 0x00,  // 1018 mov [3000h],eax
    0xF4,                          // 101D hlt
};

// One emulated system: the embedder's memory map with 1 MiB of RAM at 0 and a 4 KiB MMIO
// region whose handler records the dwords the guest writes, and a P6 CPU on it.
struct System {
    x86emu::PhysicalMemoryMap memory;
    std::vector<std::uint32_t> output;  // what the guest wrote to the output register
    std::unique_ptr<x86emu::Cpu> cpu;
    const char* name;

    explicit System(const char* system_name) : name(system_name) {
        memory.map_ram(0, kRamBytes);
        memory.map_mmio(kMmioBase, kMmioBytes,
                        {[](std::uint32_t, unsigned) -> std::uint64_t { return 0; },
                         [this](std::uint32_t offset, unsigned size, std::uint64_t value) {
                             if (offset == 0 && size == 4) output.push_back(static_cast<std::uint32_t>(value));
                         }});
        cpu = std::make_unique<x86emu::Cpu>(x86emu::CpuModel::p6, memory);
        memory.add_listener(*cpu);  // map changes and write_physical keep the CPU's caches right
    }

    std::vector<std::uint8_t> ram() {
        std::vector<std::uint8_t> bytes(kRamBytes);
        memory.read_physical(0, bytes);
        return bytes;
    }
};

// 32-bit flat protected mode: CS and DS/ES/SS cover 4 GiB from 0 (SDM vol. 3 §3.4.5).
x86emu::CpuState flat_protected_mode_entry() {
    x86emu::CpuState s;
    s.cr0 = 1;  // PE
    s.eflags = 0x2;
    for (unsigned k = 0; k < 6; ++k) s.seg[k] = {0x10, 0, 0xFFFFFFFF, 0xC093};  // data, D/B, G
    s.seg[x86emu::CS] = {0x08, 0, 0xFFFFFFFF, 0xC09B};                        // code, D, G
    s.eip = kCode;
    s.gpr[x86emu::ESP] = 0x8000;
    s.cpl = 0;
    return s;
}

}  // namespace

int main() {
    System first("first");
    first.memory.write_physical(kCode, kGuest);
    for (std::uint32_t k = 0; k < 10; ++k) {
        const std::uint32_t value = (k + 1) * 100;
        const std::uint8_t bytes[4] = {static_cast<std::uint8_t>(value), static_cast<std::uint8_t>(value >> 8), 0, 0};
        first.memory.write_physical(kData + 4 * k, bytes);
    }
    first.cpu->set_state(flat_protected_mode_entry());

    // A code hook on the loop head and a memory hook on the data the loop reads.
    unsigned loop_heads = 0, data_reads = 0;
    first.cpu->add_code_hook({0x100C, 0x100C}, [&](const x86emu::CodeEvent&) {
        ++loop_heads;
        return x86emu::HookAction::Continue;
    });
    first.cpu->add_memory_hook(x86emu::MemoryAccessKinds::reads(), {kData, kData + 4 * 10 - 1}, [&](const x86emu::MemoryEvent& e) {
        ++data_reads;
        if (data_reads == 1) std::printf("first read of the array: [%05X] = %llu (%u bytes)\n", e.linear,
                                         static_cast<unsigned long long>(e.value), e.size);
        return x86emu::HookAction::Continue;
    });

    // Stop before the third store to the output register.
    x86emu::RunLimits limits;
    limits.cycles = 1'000'000;
    limits.stop_address = kStoreToMmio;
    x86emu::RunResult r{};
    for (int stops = 0; stops < 3; ++stops) {
        r = first.cpu->run(limits);
        if (!any(r.reasons, x86emu::StopReason::StopAtAddress)) {
            std::printf("error: the run did not stop at %X\n", kStoreToMmio);
            return 1;
        }
    }
    std::printf("stopped at %X: EAX=%u, %zu values on the output register\n", first.cpu->reg(x86emu::Register::EIP),
                first.cpu->reg(x86emu::Register::EAX), first.output.size());

    // Snapshot: the CPU's complete state as bytes; the RAM is the embedder's to copy.
    const std::vector<std::uint8_t> snapshot = first.cpu->save_snapshot();
    const std::vector<std::uint8_t> ram = first.ram();
    std::printf("snapshot: %zu bytes of CPU state\n", snapshot.size());

    System second("second");
    second.memory.write_physical(0, ram);
    second.cpu->restore_snapshot(snapshot);

    // Both continue to the HLT (no more stop address).
    x86emu::RunLimits to_end;
    to_end.cycles = 1'000'000;
    for (System* s : {&first, &second}) {
        const x86emu::RunResult end = s->cpu->run(to_end);
        std::uint8_t total[4] = {};
        s->memory.read_physical(kTotal, total);
        std::printf("%s: %s, total %u, output register got %zu more values, cycles %llu\n", s->name,
                    any(end.reasons, x86emu::StopReason::Halted) ? "halted" : "not halted",
                    total[0] | (total[1] << 8) | (total[2] << 16) | (total[3] << 24),
                    s == &first ? first.output.size() - 2 : second.output.size(),
                    static_cast<unsigned long long>(s->cpu->cycles()));
    }
    std::printf("code hook: %u loop heads, memory hook: %u reads (first instance)\n", loop_heads, data_reads);
    const bool same = first.cpu->state() == second.cpu->state() && first.cpu->cycles() == second.cpu->cycles() &&
                      first.cpu->instructions() == second.cpu->instructions() && first.ram() == second.ram();
    std::printf("the two instances are %s\n", same ? "identical" : "DIFFERENT");
    return same ? 0 : 1;
}
