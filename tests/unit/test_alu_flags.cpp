// x86emu unit tests — exhaustive 8-bit ALU flags: every operand pair for ADD ADC SBB SUB CMP AND
// OR XOR and every operand for INC DEC NEG, executed in the emulator on each model and compared
// with a reference computed here from the textbook definitions (Intel SDM vol. 1 §3.4.3.1 and
// Appendix A; vol. 2 under each mnemonic). AF is undefined after AND/OR/XOR and is not compared.
#include <doctest/doctest.h>

#include <bit>
#include <cstdio>
#include <string>

#include "emu_test_support.hpp"

using namespace x86emu;
using x86emu_test::Machine;

namespace {

constexpr std::uint32_t kCF = eflags::CF, kPF = eflags::PF, kAF = eflags::AF, kZF = eflags::ZF,
                        kSF = eflags::SF, kOF = eflags::OF;
constexpr std::uint32_t kArith = kCF | kPF | kAF | kZF | kSF | kOF;

enum class Op { Add, Adc, Sub, Sbb, Cmp, And, Or, Xor, Inc, Dec, Neg };

struct Expect {
    std::uint8_t result;
    std::uint32_t flags;  // arithmetic flags
    std::uint32_t compared;  // which arithmetic flags are defined
};

std::uint32_t szp(std::uint8_t r) {
    std::uint32_t f = 0;
    if (r == 0) f |= kZF;
    if (r & 0x80) f |= kSF;
    if (std::popcount(static_cast<unsigned>(r)) % 2 == 0) f |= kPF;
    return f;
}

bool sign(unsigned v) { return (v & 0x80) != 0; }

Expect reference(Op op, unsigned a, unsigned b, unsigned cin) {
    switch (op) {
    case Op::Add:
    case Op::Adc: {
        unsigned c = op == Op::Adc ? cin : 0;
        unsigned full = a + b + c;
        auto r = static_cast<std::uint8_t>(full);
        std::uint32_t f = szp(r);
        if (full > 0xFF) f |= kCF;
        if ((a & 0xF) + (b & 0xF) + c > 0xF) f |= kAF;
        if (sign(a) == sign(b) && sign(r) != sign(a)) f |= kOF;
        return {r, f, kArith};
    }
    case Op::Sub:
    case Op::Sbb:
    case Op::Cmp: {
        unsigned c = op == Op::Sbb ? cin : 0;
        auto r = static_cast<std::uint8_t>(a - b - c);
        std::uint32_t f = szp(r);
        if (a < b + c) f |= kCF;
        if ((a & 0xF) < (b & 0xF) + c) f |= kAF;
        if (sign(a) != sign(b) && sign(r) != sign(a)) f |= kOF;
        return {op == Op::Cmp ? static_cast<std::uint8_t>(a) : r, f, kArith};
    }
    case Op::And:
    case Op::Or:
    case Op::Xor: {
        unsigned v = op == Op::And ? (a & b) : op == Op::Or ? (a | b) : (a ^ b);
        auto r = static_cast<std::uint8_t>(v);
        return {r, szp(r), kArith & ~kAF};  // CF = OF = 0; AF undefined
    }
    case Op::Inc:
    case Op::Dec: {
        auto r = static_cast<std::uint8_t>(op == Op::Inc ? a + 1 : a - 1);
        std::uint32_t f = szp(r) | (cin ? kCF : 0);  // CF not affected
        if (op == Op::Inc) {
            if ((a & 0xF) == 0xF) f |= kAF;
            if (a == 0x7F) f |= kOF;
        } else {
            if ((a & 0xF) == 0) f |= kAF;
            if (a == 0x80) f |= kOF;
        }
        return {r, f, kArith};
    }
    case Op::Neg: {
        auto r = static_cast<std::uint8_t>(0u - a);
        std::uint32_t f = szp(r);
        if (a != 0) f |= kCF;
        if ((a & 0xF) != 0) f |= kAF;
        if (a == 0x80) f |= kOF;
        return {r, f, kArith};
    }
    }
    return {};
}

std::vector<std::uint8_t> encoding(Op op) {
    switch (op) {
    case Op::Add: return {0x00, 0xD8};  // ADD AL,BL
    case Op::Adc: return {0x10, 0xD8};  // ADC AL,BL
    case Op::Sub: return {0x28, 0xD8};  // SUB AL,BL
    case Op::Sbb: return {0x18, 0xD8};  // SBB AL,BL
    case Op::Cmp: return {0x38, 0xD8};  // CMP AL,BL
    case Op::And: return {0x20, 0xD8};  // AND AL,BL
    case Op::Or: return {0x08, 0xD8};   // OR AL,BL
    case Op::Xor: return {0x30, 0xD8};  // XOR AL,BL
    case Op::Inc: return {0xFE, 0xC0};  // INC AL
    case Op::Dec: return {0xFE, 0xC8};  // DEC AL
    case Op::Neg: return {0xF6, 0xD8};  // NEG AL
    }
    return {};
}

const char* name(Op op) {
    static const char* names[] = {"ADD", "ADC", "SUB", "SBB", "CMP", "AND", "OR", "XOR", "INC", "DEC", "NEG"};
    return names[static_cast<int>(op)];
}

// Runs every case of `op` on `model`; returns the number of compared (result, flag) cases.
std::uint64_t run_op(Machine& m, Op op) {
    const bool binary = op != Op::Inc && op != Op::Dec && op != Op::Neg;
    const bool uses_cf = op == Op::Adc || op == Op::Sbb || op == Op::Inc || op == Op::Dec;
    const std::vector<std::uint8_t> code = encoding(op);
    m.load(code);
    CpuState base = Machine::base_state();
    std::uint64_t compared = 0, mismatches = 0;
    std::string first;
    for (unsigned cin = 0; cin <= (uses_cf ? 1u : 0u); ++cin) {
        for (unsigned a = 0; a < 256; ++a) {
            for (unsigned b = 0; b < (binary ? 256u : 1u); ++b) {
                CpuState s = base;
                s.gpr[EAX] = 0xABCD0000u | (0x5Au << 8) | a;  // AH = 5A must survive
                s.gpr[EBX] = 0x12340000u | (0xC3u << 8) | b;
                // Start with the undefined-by-the-op flags in a pattern that varies per case so
                // that a flag the instruction fails to write is noticed.
                std::uint32_t noise = ((a ^ b) & 1) ? (kPF | kAF | kZF | kSF | kOF) : 0;
                s.eflags = 0x0002 | noise | (cin ? kCF : 0);
                m.cpu.set_state(s);
                m.cpu.step();
                CpuState after = m.cpu.state();
                Expect e = reference(op, a, b, cin);
                ++compared;
                std::uint8_t al = static_cast<std::uint8_t>(after.gpr[EAX]);
                bool ok = al == e.result && (after.gpr[EAX] & 0xFFFFFF00u) == (s.gpr[EAX] & 0xFFFFFF00u) &&
                          after.gpr[EBX] == s.gpr[EBX] && ((after.eflags ^ e.flags) & e.compared) == 0 &&
                          after.eip == x86emu_test::kCodeIp + code.size();
                if (!ok) {
                    if (mismatches == 0) {
                        char buf[200];
                        std::snprintf(buf, sizeof buf,
                                      "%s a=%02X b=%02X cf_in=%u: got AL=%02X flags=%03X eip=%X, want AL=%02X flags=%03X (mask %03X)",
                                      name(op), a, b, cin, al, after.eflags & kArith, after.eip, e.result, e.flags,
                                      e.compared);
                        first = buf;
                    }
                    ++mismatches;
                }
            }
        }
    }
    INFO(first);
    CHECK_MESSAGE(mismatches == 0, name(op), ": ", mismatches, " of ", compared, " cases differ");
    return compared;
}

}  // namespace

TEST_CASE("8-bit ALU results and flags match the SDM definitions for every operand (all models)") {
    std::uint64_t total = 0;
    for (CpuModel model : {CpuModel::i8086, CpuModel::i80286, CpuModel::i80386}) {
        CAPTURE(cpu_model_name(model));
        Machine m(model);
        for (Op op : {Op::Add, Op::Adc, Op::Sub, Op::Sbb, Op::Cmp, Op::And, Op::Or, Op::Xor, Op::Inc, Op::Dec,
                      Op::Neg})
            total += run_op(m, op);
    }
    MESSAGE("compared ", total, " ALU cases");
    CHECK(total == 3u * (6u * 65536u + 2u * 2u * 65536u + 2u * 2u * 256u + 256u));
}

TEST_CASE("reference self-check: a few hand-computed SDM examples") {
    // Guards the reference itself against a silly mistake.
    CHECK(reference(Op::Add, 0x7F, 0x01, 0).flags == (kAF | kOF | kSF));
    CHECK(reference(Op::Add, 0xFF, 0x01, 0).flags == (kCF | kAF | kZF | kPF));
    CHECK(reference(Op::Sub, 0x80, 0x01, 0).flags == (kAF | kOF));
    CHECK(reference(Op::Sbb, 0x00, 0xFF, 1).result == 0x00);
    CHECK(reference(Op::Sbb, 0x00, 0xFF, 1).flags == (kCF | kAF | kZF | kPF));
    CHECK(reference(Op::Neg, 0x80, 0, 0).flags == (kCF | kOF | kSF));
    CHECK(reference(Op::Dec, 0x00, 0, 1).flags == (kCF | kAF | kSF | kPF));
}

// ---- 16- and 32-bit operands ------------------------------------------------------------------
// The same definitions for any width, checked on edge values and pseudo-random operands, in the
// register/register and register/immediate forms, with the carry in given two ways: eagerly
// (set_state) and lazily, by a CMP just before the instruction (so that ADC/SBB/INC/DEC read
// it from the lazy flag state that every ALU operation leaves).

namespace {

struct WideExpect {
    std::uint32_t result;
    std::uint32_t flags;
    std::uint32_t compared;
};

WideExpect wide_reference(Op op, std::uint32_t a, std::uint32_t b, unsigned cin, unsigned bits) {
    const std::uint64_t mask = (std::uint64_t{1} << bits) - 1, msb = std::uint64_t{1} << (bits - 1);
    auto szp_w = [&](std::uint64_t r) {
        std::uint32_t f = 0;
        if ((r & mask) == 0) f |= kZF;
        if (r & msb) f |= kSF;
        if (std::popcount(static_cast<unsigned>(r & 0xFF)) % 2 == 0) f |= kPF;
        return f;
    };
    auto sgn = [&](std::uint64_t v) { return (v & msb) != 0; };
    const std::uint64_t A = a & mask, B = b & mask;
    switch (op) {
    case Op::Add:
    case Op::Adc: {
        unsigned c = op == Op::Adc ? cin : 0;
        std::uint64_t full = A + B + c, r = full & mask;
        std::uint32_t f = szp_w(r);
        if (full > mask) f |= kCF;
        if ((A & 0xF) + (B & 0xF) + c > 0xF) f |= kAF;
        if (sgn(A) == sgn(B) && sgn(r) != sgn(A)) f |= kOF;
        return {static_cast<std::uint32_t>(r), f, kArith};
    }
    case Op::Sub:
    case Op::Sbb:
    case Op::Cmp: {
        unsigned c = op == Op::Sbb ? cin : 0;
        std::uint64_t r = (A - B - c) & mask;
        std::uint32_t f = szp_w(r);
        if (A < B + c) f |= kCF;
        if ((A & 0xF) < (B & 0xF) + c) f |= kAF;
        if (sgn(A) != sgn(B) && sgn(r) != sgn(A)) f |= kOF;
        return {static_cast<std::uint32_t>(op == Op::Cmp ? A : r), f, kArith};
    }
    case Op::And:
    case Op::Or:
    case Op::Xor: {
        std::uint64_t r = op == Op::And ? (A & B) : op == Op::Or ? (A | B) : (A ^ B);
        return {static_cast<std::uint32_t>(r), szp_w(r), kArith & ~kAF};
    }
    case Op::Inc:
    case Op::Dec: {
        std::uint64_t r = (op == Op::Inc ? A + 1 : A - 1) & mask;
        std::uint32_t f = szp_w(r) | (cin ? kCF : 0);
        if (op == Op::Inc) {
            if ((A & 0xF) == 0xF) f |= kAF;
            if (A == msb - 1) f |= kOF;
        } else {
            if ((A & 0xF) == 0) f |= kAF;
            if (A == msb) f |= kOF;
        }
        return {static_cast<std::uint32_t>(r), f, kArith};
    }
    case Op::Neg: {
        std::uint64_t r = (0 - A) & mask;
        std::uint32_t f = szp_w(r);
        if (A != 0) f |= kCF;
        if ((A & 0xF) != 0) f |= kAF;
        if (A == msb) f |= kOF;
        return {static_cast<std::uint32_t>(r), f, kArith};
    }
    }
    return {};
}

// `form` 0: op AX,BX (or INC/DEC AX, NEG AX through ModRM); 1: op AX,imm (81 /n) or INC/DEC
// through the one-byte 40+r / 48+r opcodes; NEG has one form.
std::vector<std::uint8_t> wide_encoding(Op op, int form, std::uint32_t imm, unsigned bits) {
    std::vector<std::uint8_t> code;
    if (bits == 32) code.push_back(0x66);
    auto add_imm = [&] {
        for (unsigned k = 0; k < bits / 8; ++k) code.push_back(static_cast<std::uint8_t>(imm >> (8 * k)));
    };
    static const std::uint8_t eg[] = {0x01, 0x11, 0x29, 0x19, 0x39, 0x21, 0x09, 0x31};  // Add..Xor
    static const std::uint8_t group1[] = {0, 2, 5, 3, 7, 4, 1, 6};                      // /n, same order
    const int k = static_cast<int>(op);
    switch (op) {
    case Op::Inc: code.insert(code.end(), form == 0 ? std::initializer_list<std::uint8_t>{0xFF, 0xC0}
                                                    : std::initializer_list<std::uint8_t>{0x40}); break;
    case Op::Dec: code.insert(code.end(), form == 0 ? std::initializer_list<std::uint8_t>{0xFF, 0xC8}
                                                    : std::initializer_list<std::uint8_t>{0x48}); break;
    case Op::Neg: code.insert(code.end(), {0xF7, 0xD8}); break;
    default:
        if (form == 0) {
            code.insert(code.end(), {eg[k], 0xD8});
        } else {
            code.insert(code.end(), {0x81, static_cast<std::uint8_t>(0xC0 | (group1[k] << 3))});
            add_imm();
        }
    }
    return code;
}

std::uint64_t run_wide(Machine& m, CpuModel model, Op op, unsigned bits) {
    const bool binary = op != Op::Inc && op != Op::Dec && op != Op::Neg;
    const bool uses_cf = op == Op::Adc || op == Op::Sbb || op == Op::Inc || op == Op::Dec;
    const std::uint32_t mask = bits == 32 ? 0xFFFFFFFFu : 0xFFFFu, msb = bits == 32 ? 0x80000000u : 0x8000u;
    std::vector<std::uint32_t> values = {0, 1, 2, 0xF, 0x10, 0x7F, 0x80, 0xFF, 0x100, msb - 1, msb, msb + 1,
                                         mask - 1, mask, mask - 0xF, msb - 0x10};
    std::uint64_t x = 0x9E3779B97F4A7C15ull ^ (bits * 131 + static_cast<unsigned>(op));
    for (int k = 0; k < 48; ++k) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        values.push_back(static_cast<std::uint32_t>(x) & mask);
    }
    std::uint64_t compared = 0, mismatches = 0;
    std::string first;
    const CpuState base = Machine::base_state();
    for (int form = 0; form < (op == Op::Neg ? 1 : 2); ++form)
        for (unsigned lazy_in = 0; lazy_in < 2; ++lazy_in)
            for (unsigned cin = 0; cin <= (uses_cf ? 1u : 0u); ++cin)
                for (std::uint32_t a : values)
                    for (std::uint32_t b : binary ? values : std::vector<std::uint32_t>{0}) {
                        std::vector<std::uint8_t> code;
                        // CMP SI,DI with SI = 0, DI = cin: CF = cin, kept lazily.
                        if (lazy_in) code = {0x39, 0xFE};
                        const std::vector<std::uint8_t> op_code = wide_encoding(op, form, b, bits);
                        code.insert(code.end(), op_code.begin(), op_code.end());
                        m.load(code);
                        CpuState s = base;
                        const std::uint32_t upper = bits == 16 ? 0xABCD0000u : 0;  // must survive
                        s.gpr[EAX] = upper | a;
                        s.gpr[EBX] = (bits == 16 ? 0x12340000u : 0) | b;
                        s.gpr[ESI] = 0;
                        s.gpr[EDI] = cin;
                        std::uint32_t noise = ((a ^ b ^ static_cast<std::uint32_t>(compared)) & 1)
                                                  ? (kPF | kAF | kZF | kSF | kOF) : 0;
                        s.eflags = 0x0002 | noise | (cin && !lazy_in ? kCF : 0);
                        m.cpu.set_state(s);
                        if (lazy_in) m.cpu.step();
                        m.cpu.step();
                        CpuState after = m.cpu.state();
                        WideExpect e = wide_reference(op, a, b, cin, bits);
                        ++compared;
                        bool ok = (after.gpr[EAX] & mask) == e.result && (after.gpr[EAX] & ~mask) == upper &&
                                  after.gpr[EBX] == s.gpr[EBX] && ((after.eflags ^ e.flags) & e.compared) == 0 &&
                                  after.eip == x86emu_test::kCodeIp + code.size();
                        if (!ok && mismatches++ == 0) {
                            char buf[240];
                            std::snprintf(buf, sizeof buf,
                                          "%s/%u form %d lazy_in %u a=%X b=%X cf_in=%u: got %X flags=%03X eip=%X, "
                                          "want %X flags=%03X (mask %03X)",
                                          name(op), bits, form, lazy_in, a, b, cin, after.gpr[EAX] & mask,
                                          after.eflags & kArith, after.eip, e.result, e.flags, e.compared);
                            first = buf;
                        }
                    }
    INFO(cpu_model_name(model), ": ", first);
    CHECK_MESSAGE(mismatches == 0, std::string(name(op)), "/", bits, ": ", mismatches, " of ", compared, " cases differ");
    return compared;
}

}  // namespace

TEST_CASE("16- and 32-bit ALU results and flags match the SDM definitions (edge and random operands)") {
    std::uint64_t total = 0;
    for (CpuModel model : {CpuModel::i8086, CpuModel::i80286, CpuModel::i80386, CpuModel::i80486, CpuModel::p6}) {
        Machine m(model);
        for (unsigned bits : {16u, 32u}) {
            if (bits == 32 && (model == CpuModel::i8086 || model == CpuModel::i80286)) continue;
            for (Op op : {Op::Add, Op::Adc, Op::Sub, Op::Sbb, Op::Cmp, Op::And, Op::Or, Op::Xor, Op::Inc, Op::Dec,
                          Op::Neg})
                total += run_wide(m, model, op, bits);
        }
    }
    MESSAGE("compared ", total, " wide ALU cases");
    CHECK(total > 100000);
}
