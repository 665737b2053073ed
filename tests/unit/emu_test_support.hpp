// x86emu unit tests — shared fixture: a flat RAM bus and a Cpu in real mode with a known layout
// (code at 1000:0100, an IVT whose vector n points at 0800:(n*16), each handler a HLT).
#pragma once
#include <cstdint>
#include <initializer_list>
#include <vector>

#include <doctest/doctest.h>

#include "x86emu/bus.hpp"
#include "x86emu/cpu.hpp"
#include "x86emu/state.hpp"

namespace x86emu_test {

struct RamBus final : x86emu::Bus {
    std::vector<std::uint8_t> mem = std::vector<std::uint8_t>(0x200000, 0);
    bool record = false;
    std::vector<std::uint32_t> reads;
    // Off by default so that every access is seen by read8/write8; tests of the CPU's own
    // fast path (host pointers in the TLB) turn it on.
    bool host_pages = false;
    std::uint8_t* host_page(std::uint32_t page_paddr, bool) override {
        return host_pages && page_paddr + 0x1000 <= mem.size() ? &mem[page_paddr] : nullptr;
    }
    std::uint8_t read8(std::uint32_t a) override {
        if (record) reads.push_back(a);
        return a < mem.size() ? mem[a] : 0xFF;
    }
    void write8(std::uint32_t a, std::uint8_t v) override {
        if (a < mem.size()) mem[a] = v;
    }
    std::uint16_t word(std::uint32_t a) const { return static_cast<std::uint16_t>(mem[a] | (mem[a + 1] << 8)); }
    void put_word(std::uint32_t a, std::uint16_t v) {
        mem[a] = static_cast<std::uint8_t>(v);
        mem[a + 1] = static_cast<std::uint8_t>(v >> 8);
    }
};

// CpuOptions with one field set (aggregate initialisation would warn about the others).
inline x86emu::CpuOptions with_fpu(bool on) {
    x86emu::CpuOptions o;
    o.fpu = on;
    return o;
}
inline x86emu::CpuOptions with_clock(std::uint32_t khz) {
    x86emu::CpuOptions o;
    o.clock_khz = khz;
    return o;
}

inline constexpr std::uint16_t kCodeSeg = 0x1000, kCodeIp = 0x0100;
inline constexpr std::uint16_t kDataSeg = 0x2000, kExtraSeg = 0x3000, kStackSeg = 0x5000;
inline constexpr std::uint16_t kFsSeg = 0x6000, kGsSeg = 0x7000, kHandlerSeg = 0x0800;
inline constexpr std::uint32_t kCodePhys = (std::uint32_t{kCodeSeg} << 4) + kCodeIp;
inline constexpr std::uint16_t kStackTop = 0x1000;

inline std::uint16_t handler_ip(unsigned vector) { return static_cast<std::uint16_t>(vector * 16); }

inline x86emu::SegmentState real_seg(std::uint16_t sel, std::uint16_t attributes = 0x93) {
    x86emu::SegmentState s;
    s.selector = sel;
    s.base = std::uint32_t{sel} << 4;
    s.limit = 0xFFFF;
    s.attributes = attributes;
    return s;
}

// The real-mode IVT of the fixtures: vector v goes to kHandlerSeg:handler_ip(v), a HLT.
inline void install_hlt_handlers(RamBus& bus) {
    for (unsigned v = 0; v < 256; ++v) {
        bus.put_word(v * 4, handler_ip(v));
        bus.put_word(v * 4 + 2, kHandlerSeg);
        bus.mem[(std::uint32_t{kHandlerSeg} << 4) + handler_ip(v)] = 0xF4;  // HLT
    }
}

struct Machine {
    RamBus bus;
    x86emu::Cpu cpu;

    explicit Machine(x86emu::CpuModel model, const x86emu::CpuOptions& options = {}) : cpu(model, bus, options) {
        install_hlt_handlers(bus);
        cpu.set_state(base_state());
    }

    static x86emu::CpuState base_state() {
        x86emu::CpuState s;
        s.eip = kCodeIp;
        s.eflags = 0x0002;
        s.seg[x86emu::CS] = real_seg(kCodeSeg, 0x9B);
        s.seg[x86emu::DS] = real_seg(kDataSeg);
        s.seg[x86emu::ES] = real_seg(kExtraSeg);
        s.seg[x86emu::SS] = real_seg(kStackSeg);
        s.seg[x86emu::FS] = real_seg(kFsSeg);
        s.seg[x86emu::GS] = real_seg(kGsSeg);
        s.gpr[x86emu::ESP] = kStackTop;
        s.idtr.base = 0;
        s.idtr.limit = 0x3FF;
        return s;
    }

    // Places code at 1000:0100 and tells the CPU the bytes changed.
    void load(const std::vector<std::uint8_t>& code) {
        for (std::size_t k = 0; k < code.size(); ++k) bus.mem[kCodePhys + k] = code[k];
        cpu.invalidate_code(kCodePhys, static_cast<std::uint32_t>(code.size() + 16));
    }

    // Loads `code`, sets `state` and executes one instruction (every iteration of a REP string
    // instruction, which step() takes one at a time); returns the new state.
    x86emu::CpuState run_one(const std::vector<std::uint8_t>& code, const x86emu::CpuState& state) {
        load(code);
        cpu.set_state(state);
        while (any(cpu.step().reasons, x86emu::StopReason::RepInProgress)) {
        }
        return cpu.state();
    }

    std::uint32_t stack_phys(std::uint32_t sp) const { return (std::uint32_t{kStackSeg} << 4) + (sp & 0xFFFF); }

    // True when the CPU now sits at the IVT handler of `vector` (i.e. it went through IVT[vector]).
    static bool at_vector(const x86emu::CpuState& s, unsigned vector) {
        return s.seg[x86emu::CS].selector == kHandlerSeg && s.eip == handler_ip(vector);
    }
};

// An opcode a model added: on every model in `lacking` it is #UD, taken through the IVT with
// the instruction's own IP saved; on `having` it executes (in real mode, CPL 0) and falls
// through to the next instruction.
inline void check_added_opcode(const std::vector<std::uint8_t>& bytes,
                               std::initializer_list<x86emu::CpuModel> lacking, x86emu::CpuModel having) {
    for (x86emu::CpuModel model : lacking) {
        CAPTURE(x86emu::cpu_model_name(model));
        Machine m(model);
        x86emu::CpuState after = m.run_one(bytes, Machine::base_state());
        CHECK(Machine::at_vector(after, 6));
        CHECK(m.bus.word(m.stack_phys(kStackTop - 6)) == kCodeIp);
    }
    Machine m(having);
    x86emu::CpuState after = m.run_one(bytes, Machine::base_state());
    CHECK_FALSE(Machine::at_vector(after, 6));
    CHECK(after.eip == kCodeIp + bytes.size());
}

// CPUID leaf 0 of an Intel part: the maximum leaf in EAX, "GenuineIntel" in EBX, EDX, ECX.
inline void check_genuine_intel_leaf0(const x86emu::CpuState& leaf0, std::uint32_t max_leaf) {
    CHECK(leaf0.gpr[x86emu::EAX] == max_leaf);
    CHECK(leaf0.gpr[x86emu::EBX] == 0x756E6547);  // "Genu"
    CHECK(leaf0.gpr[x86emu::EDX] == 0x49656E69);  // "ineI"
    CHECK(leaf0.gpr[x86emu::ECX] == 0x6C65746E);  // "ntel"
}

}  // namespace x86emu_test
