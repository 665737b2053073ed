// x86emu unit tests — shared fixture for protected-mode tests: a flat 32-bit world in RAM. GDT at
// 0x10000, IDT at 0x11000 whose every vector is a ring-0 interrupt gate to a HLT stub at
// 0x12000 + 16 * vector, a 386 TSS at 0x13000 (ring-0 stack at 0x90000), code at 0x1000, ring-3
// stack at 0x80000; page directory/table slots at 0x20000/0x21000 for paging tests. The CPU model
// is a parameter (the 386 unless a test says otherwise).
#pragma once
#include <cstdint>
#include <vector>

#include "emu_test_support.hpp"

namespace x86emu_test {

using namespace x86emu;

constexpr std::uint32_t kGdt = 0x10000, kIdt = 0x11000, kStubs = 0x12000, kTss = 0x13000, kCode = 0x1000;
constexpr std::uint32_t kRing0Stack = 0x90000, kRing3Stack = 0x80000, kPageDir = 0x20000, kPageTable = 0x21000;

// Selectors of the fixture's GDT.
constexpr std::uint16_t kCode0 = 0x08, kData0 = 0x10, kCode3 = 0x18 | 3, kData3 = 0x20 | 3, kTssSel = 0x28,
                        kReadOnly = 0x30, kExpandDown = 0x38, kNotPresent = 0x40, kStack16 = 0x50;

struct ProtectedMachine {
    RamBus bus;
    Cpu cpu;

    void put32(std::uint32_t a, std::uint32_t v) {
        for (unsigned k = 0; k < 4; ++k) bus.mem[a + k] = static_cast<std::uint8_t>(v >> (8 * k));
    }
    std::uint32_t get32(std::uint32_t a) const {
        std::uint32_t v = 0;
        for (unsigned k = 0; k < 4; ++k) v |= std::uint32_t{bus.mem[a + k]} << (8 * k);
        return v;
    }
    void descriptor(std::uint16_t selector, std::uint32_t base, std::uint32_t limit, std::uint8_t access,
                    std::uint8_t flags) {
        std::uint32_t at = kGdt + (selector & ~7u);
        put32(at, (limit & 0xFFFF) | (base << 16));
        put32(at + 4, ((base >> 16) & 0xFF) | (std::uint32_t{access} << 8) | (limit & 0xF0000) |
                          (std::uint32_t{flags} << 20) | (base & 0xFF000000u));
    }

    explicit ProtectedMachine(CpuModel model = CpuModel::i80386) : cpu(model, bus) {
        descriptor(kCode0, 0, 0xFFFFF, 0x9B, 0xC);
        descriptor(kData0, 0, 0xFFFFF, 0x93, 0xC);
        descriptor(kCode3, 0, 0xFFFFF, 0xFB, 0xC);
        descriptor(kData3, 0, 0xFFFFF, 0xF3, 0xC);
        descriptor(kTssSel, kTss, 0x67, 0x8B, 0x0);
        descriptor(kReadOnly, 0x40000, 0xFFF, 0x90, 0xC);  // read-only, not yet accessed, 4 KiB granular
        descriptor(kExpandDown, 0x50000, 0x0FFF, 0x97, 0x0);  // 16-bit expand-down: 1000h..FFFFh
        descriptor(kNotPresent, 0, 0xFFFFF, 0x13, 0xC);
        descriptor(kStack16, 0, 0xFFFFF, 0x93, 0x8);  // flat, B = 0: a 16-bit stack
        for (unsigned v = 0; v < 256; ++v) {
            std::uint32_t stub = kStubs + 16 * v;
            bus.mem[stub] = 0xF4;  // HLT
            put32(kIdt + 8 * v, (stub & 0xFFFF) | (std::uint32_t{kCode0} << 16));
            put32(kIdt + 8 * v + 4, (stub & 0xFFFF0000u) | 0x8E00);  // 386 interrupt gate, DPL 0
        }
        put32(kTss + 4, kRing0Stack);
        put32(kTss + 8, kData0);
        bus.mem[kTss + 0x66] = 0x68;  // I/O bitmap base at the TSS limit: no bitmap
    }

    static SegmentState flat(std::uint16_t selector, std::uint16_t access) {
        SegmentState s;
        s.selector = selector;
        s.base = 0;
        s.limit = 0xFFFFFFFF;
        s.attributes = static_cast<std::uint16_t>(access | 0xC000);
        return s;
    }

    // Enters 32-bit protected mode at `cpl` (0 or 3) with `code` at kCode.
    void start(const std::vector<std::uint8_t>& code, unsigned cpl, std::uint32_t extra_eflags = 0,
               std::uint32_t cr0_extra = 0, std::uint32_t cr3 = 0) {
        for (std::size_t k = 0; k < code.size(); ++k) bus.mem[kCode + k] = code[k];
        cpu.invalidate_code(kCode, static_cast<std::uint32_t>(code.size() + 16));
        CpuState s;
        s.eip = kCode;
        s.eflags = 0x2 | extra_eflags;
        s.cr0 = 0x11 | cr0_extra;
        s.cr3 = cr3;
        s.gdtr = {kGdt, 0x57};
        s.idtr = {kIdt, 0x7FF};
        s.tr.selector = kTssSel;
        s.tr.base = kTss;
        s.tr.limit = 0x67;
        s.tr.attributes = 0x8B;
        s.ldtr.attributes = 0;
        std::uint16_t code_sel = cpl == 3 ? kCode3 : kCode0;
        std::uint16_t data_sel = cpl == 3 ? kData3 : kData0;
        s.seg[CS] = flat(code_sel, cpl == 3 ? 0xFB : 0x9B);
        for (unsigned r : {ES, SS, DS, FS, GS}) s.seg[r] = flat(data_sel, cpl == 3 ? 0xF3 : 0x93);
        s.gpr[ESP] = cpl == 3 ? kRing3Stack : kRing0Stack;
        cpu.set_state(s);
    }

    // Runs until the CPU halts; returns the vector whose stub it halted in (or -1).
    int run_to_halt() {
        RunResult r = cpu.run(1'000'000);
        if (!any(r.reasons, StopReason::Halted)) return -1;
        std::uint32_t eip = cpu.state().eip - 1;  // HLT has executed
        if (eip < kStubs || eip >= kStubs + 16 * 256) return -1;
        return static_cast<int>((eip - kStubs) / 16);
    }
    // The exception frame on the ring-0 stack: error code (if any), EIP, CS, EFLAGS.
    std::uint32_t frame(unsigned slot) const { return get32(cpu.state().gpr[ESP] + 4 * slot); }
};

}  // namespace x86emu_test
