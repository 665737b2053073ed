// x86emu differential tests — generator and comparator of the integer families. ModRM encoding:
// Intel SDM vol. 2 §2.1.5; register numbering in ModRM (AL..BH for 8-bit operands): vol. 2
// §3.1.1.1, table 3-1.
#include "integer_family.hpp"

#include <cstdio>

namespace differential {

namespace {

std::uint32_t mask_of(unsigned width) { return width == 32 ? 0xFFFFFFFFu : (1u << width) - 1; }

// A register operand's place in State::gpr: the Gpr and the bit position of its low bit.
void locate(Operand o, unsigned& gpr, unsigned& shift) {
    gpr = o.width == 8 ? (o.reg & 3u) : o.reg;
    shift = (o.width == 8 && o.reg >= 4) ? 8 : 0;
}

std::string hex(std::uint32_t v, unsigned digits = 8) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%0*X", static_cast<int>(digits), v);
    return buf;
}

std::string flag_names(std::uint32_t f) {
    static constexpr struct { std::uint32_t bit; const char* name; } kNames[] = {
        {0x800, "OF"}, {0x80, "SF"}, {0x40, "ZF"}, {0x10, "AF"}, {0x4, "PF"}, {0x1, "CF"}};
    std::string s;
    for (auto [bit, name] : kNames)
        if (f & bit) s += std::string(s.empty() ? "" : " ") + name;
    return s.empty() ? "-" : s;
}

}  // namespace

std::uint32_t read_operand(const State& s, Operand o) {
    if (o.is_mem()) {
        std::uint32_t v = 0;
        for (unsigned k = 0; k < o.width / 8; ++k) v |= std::uint32_t{s.mem[kMemBase + k]} << (8 * k);
        return v;
    }
    unsigned g, shift;
    locate(o, g, shift);
    return (s.gpr[g] >> shift) & mask_of(o.width);
}

void write_operand(State& s, Operand o, std::uint32_t value) {
    value &= mask_of(o.width);
    if (o.is_mem()) {
        for (unsigned k = 0; k < o.width / 8; ++k) s.mem[kMemBase + k] = static_cast<std::uint8_t>(value >> (8 * k));
        return;
    }
    unsigned g, shift;
    locate(o, g, shift);
    s.gpr[g] = (s.gpr[g] & ~(mask_of(o.width) << shift)) | (value << shift);
}

void Undefined::operand(Operand o) {
    if (o.is_mem()) {
        for (unsigned k = 0; k < o.width / 8; ++k) mem[kMemBase + k] = 0xFF;
        return;
    }
    unsigned g, shift;
    locate(o, g, shift);
    gpr[g] |= mask_of(o.width) << shift;
}

std::uint32_t edge_value(Rng& rng, unsigned width) {
    const std::uint32_t m = mask_of(width), sign = 1u << (width - 1);
    const std::uint32_t pow2 = 1u << rng.below(width);
    switch (rng.below(16)) {
    case 0: return 0;
    case 1: return 1;
    case 2: return m;               // -1
    case 3: return m - 1;           // -2
    case 4: return sign;            // minimum signed
    case 5: return sign - 1;        // maximum signed
    case 6: return sign + 1;
    case 7: return pow2;
    case 8: return (pow2 - 1) & m;
    case 9: return (0u - pow2) & m;
    case 10: return (pow2 + 1) & m;
    case 11: return rng.below(17);  // small
    case 12: return (0u - rng.below(17)) & m;  // small negative
    default: return rng.next32() & m;
    }
}

std::uint32_t count_value(Rng& rng) {
    static constexpr std::uint8_t kInteresting[] = {0, 1, 2, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 63, 255};
    switch (rng.below(4)) {
    case 0: return kInteresting[rng.below(sizeof kInteresting)];
    case 1:
    case 2: return rng.below(34);
    default: return rng.below(256);
    }
}

void IntegerFamily::generate(std::size_t index, Rng& rng, Case& c) const {
    const IntegerForm& f = forms_[index];
    c = Case{};
    for (unsigned r = 0; r < 8; ++r) {
        if (r == 4) continue;  // ESP: the host's stack pointer, never an operand
        std::uint32_t v = rng.next32();
        if (rng.chance(60)) v = (v & ~mask_of(f.width)) | edge_value(rng, f.width);
        if (f.width == 8 && rng.chance(60)) v = (v & ~0xFF00u) | (edge_value(rng, 8) << 8);  // AH..BH
        c.in.gpr[r] = v;
    }
    c.in.eflags = rng.next32() & kStatusFlags;
    // Only the integer part of the block: the same draws as before the x87 families enlarged it.
    for (std::size_t k = 0; k < kIntegerMemBytes; ++k) c.in.mem[k] = static_cast<std::uint8_t>(rng.next32());
    if (rng.chance(60)) write_operand(c.in, Operand::m(f.width), edge_value(rng, f.width));
    if (f.form.imm_bytes != 0) c.imm = edge_value(rng, 8 * f.form.imm_bytes);
    if (f.shape) f.shape(rng, c);
}

Verdict IntegerFamily::compare(std::size_t index, const Case& c, const Outcome& native,
                               const Outcome& emulated) const {
    static const char* const kRegs[8] = {"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"};
    const IntegerForm& f = forms_[index];
    Verdict v;
    auto report = [&](const std::string& what) {
        v.mismatch = true;
        v.detail += "  " + what + "\n";
    };
    auto note = [&](const std::string& what) {
        v.undefined_differs = true;
        v.undefined_detail += "  " + what + "\n";
    };
    if (native.vector != emulated.vector) {
        auto name = [](int vec) { return vec == -1 ? std::string("none") : vec == -2 ? std::string("no HLT reached") : "vector " + std::to_string(vec); };
        report("exception: native " + name(native.vector) + ", emulated " + name(emulated.vector));
        return v;
    }
    Undefined u = f.undefined ? f.undefined(c) : Undefined{};
    for (unsigned r = 0; r < 8; ++r) {
        std::uint32_t diff = native.state.gpr[r] ^ emulated.state.gpr[r];
        if (diff & ~u.gpr[r])
            report(std::string(kRegs[r]) + ": native " + hex(native.state.gpr[r]) + ", emulated " +
                   hex(emulated.state.gpr[r]) + (u.gpr[r] ? " (undefined bits " + hex(u.gpr[r]) + ")" : ""));
        else if (diff)
            note(std::string(kRegs[r]) + ": native " + hex(native.state.gpr[r]) + ", emulated " +
                 hex(emulated.state.gpr[r]) + " (undefined bits " + hex(u.gpr[r]) + ")");
    }
    std::uint32_t fdiff = (native.state.eflags ^ emulated.state.eflags) & kStatusFlags;
    if (fdiff & ~u.flags)
        report("flags: native " + flag_names(native.state.eflags) + ", emulated " + flag_names(emulated.state.eflags) +
               "; defined and different: " + flag_names(fdiff & ~u.flags) +
               (u.flags ? " (undefined here: " + flag_names(u.flags) + ")" : ""));
    else if (fdiff)
        note("flags: native " + flag_names(native.state.eflags) + ", emulated " + flag_names(emulated.state.eflags) +
             "; undefined and different: " + flag_names(fdiff));
    for (std::size_t k = 0; k < kIntegerMemBytes; ++k) {
        std::uint8_t diff = native.state.mem[k] ^ emulated.state.mem[k];
        if (diff & ~u.mem[k]) {
            std::string where(k >= kMemBase ? "+" : "-");
            where += std::to_string(k >= kMemBase ? k - kMemBase : kMemBase - k);
            report("mem[base" + where + "]: native " + hex(native.state.mem[k], 2) + ", emulated " +
                   hex(emulated.state.mem[k], 2));
        } else if (diff) {
            note("mem[" + std::to_string(k) + "]: native " + hex(native.state.mem[k], 2) + ", emulated " +
                 hex(emulated.state.mem[k], 2) + " (undefined)");
        }
    }
    return v;
}

std::uint8_t modrm(unsigned mod, unsigned reg, unsigned rm) {
    return static_cast<std::uint8_t>((mod << 6) | ((reg & 7) << 3) | (rm & 7));
}

std::string reg_name(unsigned width, unsigned reg) {
    static const char* const k8[8] = {"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"};
    static const char* const k16[8] = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
    static const char* const k32[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    return width == 8 ? k8[reg & 7] : width == 16 ? k16[reg & 7] : k32[reg & 7];
}

std::string operand_name(Operand o) {
    if (!o.is_mem()) return reg_name(o.width, o.reg);
    return std::string(o.width == 8 ? "byte" : o.width == 16 ? "word" : "dword") + " [ebx]";
}

std::vector<std::uint8_t> size_prefix(unsigned width) {
    return width == 16 ? std::vector<std::uint8_t>{0x66} : std::vector<std::uint8_t>{};
}

std::uint8_t modrm_for(unsigned reg_field, Operand rm) {
    return rm.is_mem() ? modrm_mem(reg_field) : modrm_rr(reg_field, rm.reg);
}

IntegerForm integer_form(std::string name, unsigned width, std::vector<std::uint8_t> code, unsigned imm_bytes,
                         bool memory, x86emu::CpuModel first_model) {
    IntegerForm f;
    f.form.name = std::move(name);
    f.form.code = size_prefix(width);
    f.form.code.insert(f.form.code.end(), code.begin(), code.end());
    f.form.imm_bytes = imm_bytes;
    f.form.memory = memory;
    f.form.first_model = first_model;
    f.width = width;
    return f;
}

UndefinedRule flags_undefined(std::uint32_t flags) {
    return [flags](const Case&) {
        Undefined u;
        u.flags = flags;
        return u;
    };
}

}  // namespace differential
