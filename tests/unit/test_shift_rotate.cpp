// x86emu unit tests — ROL ROR RCL RCR SHL SHR SAR computed in one operation (core/exec/shift.hpp)
// against the definition they shortcut: the count applied one bit at a time, as Intel SDM vol. 2
// (RCL/RCR/ROL/ROR, SAL/SAR/SHL/SHR: "Operation") writes it, with CF and OF as the last
// single-bit step leaves them (the emulator's rule for the counts where the SDM leaves OF
// undefined). Every count up to 40 (the 8086 does not mask it) plus a few up to 255, edge and
// pseudo-random operands, CF in 0 and 1, byte/word/dword, on the 8086, the 286 and the 386.
// Not compared: what the models' own QUIRK rules fix instead (the 386's CF/OF for a byte or word
// SHL/SHR by its width or more, AF after shifts: test_model_differences.cpp covers them).
#include <doctest/doctest.h>

#include <bit>
#include <cstdio>
#include <string>
#include <vector>

#include "emu_test_support.hpp"

using namespace x86emu;
using x86emu_test::Machine;

namespace {

constexpr std::uint32_t kCF = eflags::CF, kPF = eflags::PF, kAF = eflags::AF, kZF = eflags::ZF,
                        kSF = eflags::SF, kOF = eflags::OF;

enum class Rot : unsigned { Rol = 0, Ror = 1, Rcl = 2, Rcr = 3, Shl = 4, Shr = 5, Sar = 7 };

struct Stepped {
    std::uint32_t result;
    bool cf, of;
};

Stepped step_by_step(Rot op, std::uint32_t v, unsigned n, bool cf, unsigned bits) {
    const std::uint32_t mask = bits == 32 ? 0xFFFFFFFFu : (1u << bits) - 1, msb = 1u << (bits - 1);
    std::uint32_t x = v & mask;
    bool of = false;
    for (unsigned k = 0; k < n; ++k) {
        bool out;
        switch (op) {
        case Rot::Rol: out = x & msb; x = ((x << 1) | out) & mask; cf = out; of = ((x & msb) != 0) != cf; break;
        case Rot::Ror: out = x & 1; x = (x >> 1) | (out ? msb : 0); cf = out; of = ((x ^ (x << 1)) & msb) != 0; break;
        case Rot::Rcl: out = x & msb; x = ((x << 1) | cf) & mask; cf = out; of = ((x & msb) != 0) != cf; break;
        case Rot::Rcr: out = x & 1; of = ((x & msb) != 0) != cf; x = (x >> 1) | (cf ? msb : 0); cf = out; break;
        case Rot::Shl: cf = x & msb; x = (x << 1) & mask; of = ((x & msb) != 0) != cf; break;
        case Rot::Shr: cf = x & 1; of = (x & msb) != 0; x >>= 1; break;
        case Rot::Sar: cf = x & 1; x = (x >> 1) | (x & msb); of = false; break;
        }
    }
    return {x, cf, of};
}

const char* rot_name(Rot op) {
    switch (op) {
    case Rot::Rol: return "ROL";
    case Rot::Ror: return "ROR";
    case Rot::Rcl: return "RCL";
    case Rot::Rcr: return "RCR";
    case Rot::Shl: return "SHL";
    case Rot::Shr: return "SHR";
    case Rot::Sar: return "SAR";
    }
    return "?";
}

// op AL/AX/EAX,CL (D2/D3) or, from the 286 on, op r,imm8 (C0/C1).
std::uint64_t run_rotates(CpuModel model, Rot op, unsigned bits, bool by_imm) {
    Machine m(model);
    const bool is8086 = model == CpuModel::i8086, is386 = model == CpuModel::i80386;
    const std::uint32_t mask = bits == 32 ? 0xFFFFFFFFu : (1u << bits) - 1, msb = 1u << (bits - 1);
    std::vector<std::uint32_t> values = {0, 1, 2, 0x55555555u & mask, 0xAAAAAAAAu & mask, msb, msb | 1, msb - 1,
                                         mask, mask - 1, 0x80808080u & mask, 0x01010101u & mask};
    std::uint64_t x = 0xD1B54A32D192ED03ull ^ (bits * 977 + static_cast<unsigned>(op) * 31 + (by_imm ? 7 : 0));
    for (int k = 0; k < 20; ++k) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        values.push_back(static_cast<std::uint32_t>(x) & mask);
    }
    std::vector<unsigned> counts;
    for (unsigned n = 0; n <= 40; ++n) counts.push_back(n);
    for (unsigned n : {63u, 64u, 65u, 100u, 128u, 200u, 255u}) counts.push_back(n);
    std::uint64_t compared = 0, mismatches = 0;
    std::string first;
    for (unsigned count : counts)
        for (std::uint32_t v : values)
            for (unsigned cin = 0; cin < 2; ++cin) {
                std::vector<std::uint8_t> code;
                if (bits == 32) code.push_back(0x66);
                const std::uint8_t modrm = static_cast<std::uint8_t>(0xC0 | (static_cast<unsigned>(op) << 3));
                if (by_imm) code.insert(code.end(), {static_cast<std::uint8_t>(bits == 8 ? 0xC0 : 0xC1), modrm,
                                                     static_cast<std::uint8_t>(count)});
                else code.insert(code.end(), {static_cast<std::uint8_t>(bits == 8 ? 0xD2 : 0xD3), modrm});
                const std::uint32_t upper = bits == 32 ? 0 : 0x5A5A5A5Au & ~mask;
                CpuState s = Machine::base_state();
                s.gpr[EAX] = upper | v;
                s.gpr[ECX] = 0x1234FF00u | count;
                const std::uint32_t noise = ((v ^ count) & 1) ? (kPF | kAF | kZF | kSF | kOF) : kOF;
                s.eflags = 0x0002 | noise | (cin ? kCF : 0);
                CpuState after = m.run_one(code, s);
                const unsigned n = is8086 ? count : (count & 0x1F);
                const bool arithmetic = op == Rot::Shl || op == Rot::Shr || op == Rot::Sar;
                if (is386 && arithmetic && op != Rot::Sar && bits < 32 && n >= bits) continue;  // 386 QUIRK
                Stepped e = n ? step_by_step(op, v, n, cin, bits) : Stepped{v, cin != 0, (noise & kOF) != 0};
                std::uint32_t want = (e.cf ? kCF : 0) | (e.of ? kOF : 0), compare = kCF | kOF;
                if (!arithmetic || n == 0) {
                    want |= noise & (kPF | kAF | kZF | kSF);  // kept
                    compare |= kPF | kAF | kZF | kSF;
                } else {
                    const std::uint32_t r = e.result;
                    if (r == 0) want |= kZF;
                    if (r & msb) want |= kSF;
                    if (std::popcount(r & 0xFFu) % 2 == 0) want |= kPF;
                    compare |= kPF | kZF | kSF;
                }
                ++compared;
                bool ok = (after.gpr[EAX] & mask) == e.result && (after.gpr[EAX] & ~mask) == upper &&
                          ((after.eflags ^ want) & compare) == 0;
                if (!ok && mismatches++ == 0) {
                    char buf[200];
                    std::snprintf(buf, sizeof buf, "%s/%u by %s %u v=%X cf_in=%u: got %X flags %03X, want %X flags %03X (mask %03X)",
                                  rot_name(op), bits, by_imm ? "imm" : "CL", count, v, cin, after.gpr[EAX] & mask,
                                  after.eflags & 0xFFF, e.result, want, compare);
                    first = buf;
                }
            }
    INFO(cpu_model_name(model), ": ", first);
    CHECK_MESSAGE(mismatches == 0, std::string(rot_name(op)), "/", bits, ": ", mismatches, " of ", compared, " differ");
    return compared;
}

}  // namespace

TEST_CASE("shifts and rotates in one operation equal the count applied one bit at a time (8086, 286, 386)") {
    std::uint64_t total = 0;
    for (CpuModel model : {CpuModel::i8086, CpuModel::i80286, CpuModel::i80386}) {
        CAPTURE(cpu_model_name(model));
        for (unsigned bits : {8u, 16u, 32u}) {
            if (bits == 32 && model != CpuModel::i80386) continue;
            for (Rot op : {Rot::Rol, Rot::Ror, Rot::Rcl, Rot::Rcr, Rot::Shl, Rot::Shr, Rot::Sar}) {
                total += run_rotates(model, op, bits, false);
                if (model != CpuModel::i8086) total += run_rotates(model, op, bits, true);
            }
        }
    }
    MESSAGE("compared ", total, " shift and rotate cases");
    CHECK(total > 100000);
}

TEST_CASE("shift reference self-check") {
    CHECK(step_by_step(Rot::Rcl, 0x80, 1, false, 8).result == 0x00);
    CHECK(step_by_step(Rot::Rcl, 0x80, 1, false, 8).cf);
    CHECK(step_by_step(Rot::Rcr, 0x01, 9, true, 8).result == 0x01);  // nine steps: back to the start
    CHECK(step_by_step(Rot::Ror, 0x01, 1, false, 16).result == 0x8000);
    CHECK(step_by_step(Rot::Sar, 0x80, 3, false, 8).result == 0xF0);
}
