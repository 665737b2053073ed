// x86emu differential tests — the emulator side. Descriptor formats: Intel SDM vol. 3 §3.4.5
// (segment descriptors) and §6.11 (IDT gate descriptors); exception delivery through a ring-0
// interrupt gate needs no TSS (§6.12.1: no privilege change).
#include "emu_runner.hpp"

#include <cstring>

#include "x86emu/state.hpp"

namespace differential {

namespace {

// The memory map: code, the State::mem block, the IDT and one HLT stub per vector (the vector
// is read back from where the CPU halted), the GDT, and a stack for exception frames.
constexpr std::uint32_t kCode = 0x1000, kData = 0x3000, kIdt = 0x5000, kStubs = 0x6000, kGdt = 0x7000;
constexpr std::uint32_t kStackTop = 0x9000, kRamBytes = 0x10000;
constexpr unsigned kVectors = 32;
constexpr std::uint16_t kCodeSel = 0x08, kDataSel = 0x10;

x86emu::SegmentState flat(std::uint16_t selector, std::uint16_t access) {
    x86emu::SegmentState s;
    s.selector = selector;
    s.base = 0;
    s.limit = 0xFFFFFFFF;
    s.attributes = static_cast<std::uint16_t>(access | 0xC000);  // G = 1, D/B = 1
    return s;
}

}  // namespace

// RAM handed to the CPU page by page (its fast path); code writes go through invalidate_code.
struct EmulatorRunner::Ram final : x86emu::Bus {
    std::vector<std::uint8_t> mem = std::vector<std::uint8_t>(kRamBytes, 0);
    std::uint8_t read8(std::uint32_t a) override { return a < mem.size() ? mem[a] : 0xFF; }
    void write8(std::uint32_t a, std::uint8_t v) override {
        if (a < mem.size()) mem[a] = v;
    }
    std::uint8_t* host_page(std::uint32_t page, bool) override {
        return page + 0x1000 <= mem.size() ? &mem[page] : nullptr;
    }
    void put32(std::uint32_t a, std::uint32_t v) {
        for (unsigned k = 0; k < 4; ++k) mem[a + k] = static_cast<std::uint8_t>(v >> (8 * k));
    }
};

EmulatorRunner::EmulatorRunner(x86emu::CpuModel model)
    : model_(model), ram_(std::make_unique<Ram>()), cpu_(std::make_unique<x86emu::Cpu>(model, *ram_)) {
    Ram& r = *ram_;
    // Flat 4 GiB ring-0 code (type B: execute/read, accessed) and data (3: read/write, accessed).
    r.put32(kGdt + kCodeSel, 0x0000FFFF);
    r.put32(kGdt + kCodeSel + 4, 0x00CF9B00);
    r.put32(kGdt + kDataSel, 0x0000FFFF);
    r.put32(kGdt + kDataSel + 4, 0x00CF9300);
    for (unsigned v = 0; v < kVectors; ++v) {
        std::uint32_t stub = kStubs + 16 * v;
        r.mem[stub] = 0xF4;  // HLT
        r.put32(kIdt + 8 * v, (stub & 0xFFFF) | (std::uint32_t{kCodeSel} << 16));
        r.put32(kIdt + 8 * v + 4, (stub & 0xFFFF0000u) | 0x8E00);  // present 32-bit interrupt gate, DPL 0
    }
}

EmulatorRunner::~EmulatorRunner() = default;

void EmulatorRunner::load(const Form& form) {
    std::uint32_t at = kCode;
    for (std::uint8_t b : form.code) ram_->mem[at++] = b;
    imm_at_ = at;
    imm_bytes_ = form.imm_bytes;
    base_ = form.memory ? form.base : -1;
    at += form.imm_bytes;
    ram_->mem[at++] = 0xF4;  // HLT: where a run without an exception stops
    cpu_->invalidate_code(kCode, at - kCode);
}

Outcome EmulatorRunner::run(const Case& c) {
    if (imm_bytes_ != 0) {
        for (unsigned k = 0; k < imm_bytes_; ++k) ram_->mem[imm_at_ + k] = static_cast<std::uint8_t>(c.imm >> (8 * k));
        cpu_->invalidate_code(imm_at_, imm_bytes_);
    }
    std::memcpy(&ram_->mem[kData], c.in.mem.data(), kMemBytes);

    x86emu::CpuState s;
    s.gpr = c.in.gpr;
    s.gpr[x86emu::ESP] = kStackTop;
    if (base_ >= 0) s.gpr[base_] = kData + kMemBase;
    s.eip = kCode;
    s.eflags = 0x2 | (c.in.eflags & kStatusFlags);
    // PE, ET, NE: an unmasked x87 exception is reported as #MF (vector 16) by the next waiting
    // instruction, so a run that reaches one shows up as an exception rather than a FERR# freeze.
    s.cr0 = 0x31;
    s.gdtr = {kGdt, 0x17};
    s.idtr = {kIdt, kVectors * 8 - 1};
    s.tr.attributes = 0x8B;
    s.ldtr.attributes = 0;
    s.seg[x86emu::CS] = flat(kCodeSel, 0x9B);
    for (unsigned seg : {x86emu::ES, x86emu::SS, x86emu::DS, x86emu::FS, x86emu::GS}) s.seg[seg] = flat(kDataSel, 0x93);
    cpu_->set_state(s);
    x86emu::RunResult result = cpu_->run(100000);

    Outcome out;
    x86emu::CpuState f = cpu_->state();
    out.state.gpr = f.gpr;
    out.state.gpr[x86emu::ESP] = c.in.gpr[x86emu::ESP];
    if (base_ >= 0) out.state.gpr[base_] = c.in.gpr[base_];
    out.state.eflags = f.eflags & kStatusFlags;
    std::memcpy(out.state.mem.data(), &ram_->mem[kData], kMemBytes);
    std::uint32_t halted_at = f.eip - 1;  // HLT has executed
    if (!x86emu::any(result.reasons, x86emu::StopReason::Halted)) {
        out.vector = -2;  // did not halt: reported as a mismatch by every comparator
    } else if (halted_at >= kStubs && halted_at < kStubs + 16 * kVectors) {
        out.vector = static_cast<int>((halted_at - kStubs) / 16);
    }
    return out;
}

}  // namespace differential
