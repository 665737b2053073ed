// x86emu unit tests — effective addresses of every ModR/M (and SIB) form, executed on the 80386
// model in real mode: LEA gives the offset, MOV AX,[ea] shows which physical bytes were read
// (so the default segment and segment overrides are checked too).
// Sources: Intel SDM vol. 2 §2.1.5, tables 2-1 (16-bit) and 2-2/2-3 (32-bit ModR/M and SIB);
// vol. 1 §3.7.5 (default segment SS for BP/ESP/EBP-based addresses); vol. 3 §20.1.3 (real-mode
// offsets beyond FFFFh raise #GP, or #SS for the stack segment).
#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <string>

#include "emu_test_support.hpp"

using namespace x86emu;
using x86emu_test::Machine;
using x86emu_test::kCodeIp;
using x86emu_test::kCodePhys;

namespace {

struct Override {
    std::optional<std::uint8_t> prefix;
    int seg;  // -1: default
};
const Override kOverrides[] = {{std::nullopt, -1}, {0x26, ES}, {0x2E, CS}, {0x36, SS},
                               {0x3E, DS},         {0x64, FS}, {0x65, GS}};

std::uint32_t seg_base(const CpuState& s, int seg) { return s.seg[seg].base; }

std::vector<std::uint32_t> data_reads(const x86emu_test::RamBus& bus) {
    std::vector<std::uint32_t> r;
    for (std::uint32_t a : bus.reads)
        if (a < kCodePhys || a >= kCodePhys + 32) r.push_back(a);
    std::sort(r.begin(), r.end());
    return r;
}

void fill_pattern(x86emu_test::RamBus& bus) {
    for (std::uint32_t p = 0x8000 + 0x1000; p < 0x110000; ++p)
        bus.mem[p] = static_cast<std::uint8_t>((p * 0x9E3779B1u) >> 24);
    // keep the IVT handlers (HLT at 0800:xxxx) intact
    for (unsigned v = 0; v < 256; ++v) bus.mem[0x8000 + v * 16] = 0xF4;
}

// 16-bit r/m forms (SDM vol. 2 table 2-1), written out independently of the decoder.
struct Form16 { int base, index; bool stack; };
const Form16 kForms16[8] = {
    {EBX, ESI, false}, {EBX, EDI, false}, {EBP, ESI, true}, {EBP, EDI, true},
    {ESI, -1, false},  {EDI, -1, false},  {EBP, -1, true},  {EBX, -1, false},
};

int checks_done = 0;

// Executes MOV AX,[ea] (8B /0) and LEA AX,[ea] (8D /0) for one encoded memory operand and checks
// the offset, the bytes read and the loaded value. `operand` is ModRM [SIB] [disp].
void check_form(Machine& m, const CpuState& s, const std::vector<std::uint8_t>& prefixes,
                const std::vector<std::uint8_t>& operand, std::uint32_t ea, int seg, bool addr32) {
    // LEA: the offset, truncated to the 16-bit operand (EAX's upper half unchanged).
    std::vector<std::uint8_t> code = prefixes;
    code.push_back(0x8D);
    code.insert(code.end(), operand.begin(), operand.end());
    CpuState after = m.run_one(code, s);
    CHECK(after.eip == kCodeIp + code.size());
    CHECK(after.gpr[EAX] == ((s.gpr[EAX] & 0xFFFF0000u) | (ea & 0xFFFF)));
    ++checks_done;

    // LEA with a 32-bit operand (66h on top): the full address (a 16-bit address zero-extended).
    if (m.cpu.model() == CpuModel::i80386) {
        code = prefixes;
        code.insert(code.begin(), 0x66);
        code.push_back(0x8D);
        code.insert(code.end(), operand.begin(), operand.end());
        after = m.run_one(code, s);
        CHECK(after.gpr[EAX] == ea);
        ++checks_done;
    }

    // MOV AX,[ea]: where the data came from.
    code = prefixes;
    code.push_back(0x8B);
    code.insert(code.end(), operand.begin(), operand.end());
    m.bus.reads.clear();
    m.bus.record = true;
    m.load(code);
    m.cpu.set_state(s);
    m.cpu.step();
    m.bus.record = false;
    after = m.cpu.state();
    if (ea > 0xFFFE) {
        // The word would end beyond the segment limit: #SS for SS, #GP otherwise.
        REQUIRE(addr32);
        CHECK(Machine::at_vector(after, seg == SS ? 12 : 13));
        CHECK(m.bus.word(m.stack_phys(s.gpr[ESP] - 6)) == kCodeIp);
        ++checks_done;
        return;
    }
    std::uint32_t phys = seg_base(s, seg) + ea;
    CHECK(after.eip == kCodeIp + code.size());
    CHECK((after.gpr[EAX] & 0xFFFF) == m.bus.word(phys));
    if (phys + 1 < kCodePhys || phys >= kCodePhys + 32) {
        CHECK(data_reads(m.bus) == std::vector<std::uint32_t>{phys, phys + 1});
    }
    ++checks_done;
}

std::string hex(const std::vector<std::uint8_t>& v) {
    std::string s;
    char b[4];
    for (auto x : v) {
        std::snprintf(b, sizeof b, "%02X ", x);
        s += b;
    }
    return s;
}

}  // namespace

TEST_CASE("16-bit ModR/M: all 24 memory forms, default segments and every segment override (all models)") {
    checks_done = 0;
    for (CpuModel model : {CpuModel::i8086, CpuModel::i80286, CpuModel::i80386}) {
        CAPTURE(cpu_model_name(model));
        Machine m(model);
        fill_pattern(m.bus);
        struct Regs { std::uint32_t bx, bp, si, di; };
        const Regs reg_sets[] = {
            {0x1110, 0x2220, 0x0303, 0x0404},
            {0xFF00, 0xFE10, 0x0230, 0x0340},  // sums wrap around 64 KiB
            {0x12340010, 0xABCD0020, 0x55550030, 0x77770040},  // upper halves must be ignored
        };
        for (const Regs& r : reg_sets) {
            CpuState s = Machine::base_state();
            s.gpr[EAX] = 0xCAFE0000u;
            s.gpr[EBX] = r.bx;
            s.gpr[EBP] = r.bp;
            s.gpr[ESI] = r.si;
            s.gpr[EDI] = r.di;
            for (unsigned mod = 0; mod < 3; ++mod) {
                for (unsigned rm = 0; rm < 8; ++rm) {
                    std::vector<std::vector<std::uint8_t>> disps;
                    if (mod == 0) disps = {{}};
                    if (mod == 0 && rm == 6) disps = {{0x21, 0x43}, {0xF0, 0xFF}};
                    if (mod == 1) disps = {{0x05}, {0x80}, {0x7F}};
                    if (mod == 2) disps = {{0x34, 0x12}, {0xF0, 0xFF}};
                    for (const auto& d : disps) {
                        for (const Override& o : kOverrides) {
                            if ((o.seg == FS || o.seg == GS) && model != CpuModel::i80386) continue;
                            std::uint32_t ea;
                            bool stack;
                            if (mod == 0 && rm == 6) {
                                ea = d[0] | (d[1] << 8);
                                stack = false;
                            } else {
                                const Form16& f = kForms16[rm];
                                ea = s.gpr[f.base] + (f.index >= 0 ? s.gpr[f.index] : 0);
                                if (mod == 1) ea += static_cast<std::uint32_t>(static_cast<std::int8_t>(d[0]));
                                if (mod == 2) ea += d[0] | (d[1] << 8);
                                stack = f.stack;
                            }
                            ea &= 0xFFFF;
                            if (ea == 0xFFFF) continue;
                            int seg = o.seg >= 0 ? o.seg : (stack ? SS : DS);
                            std::vector<std::uint8_t> prefixes;
                            if (o.prefix) prefixes.push_back(*o.prefix);
                            // Reserved up front: GCC 12 warns (-Warray-bounds, a false positive)
                            // when insert() has to grow a one-element vector.
                            std::vector<std::uint8_t> operand;
                            operand.reserve(1 + d.size());
                            operand.push_back(static_cast<std::uint8_t>((mod << 6) | rm));
                            operand.insert(operand.end(), d.begin(), d.end());
                            CAPTURE(hex(operand));
                            CAPTURE(hex(prefixes));
                            CAPTURE(r.bx);
                            check_form(m, s, prefixes, operand, ea, seg, false);
                        }
                    }
                }
            }
        }
    }
    MESSAGE("16-bit forms checked: ", checks_done);
    CHECK(checks_done > 3000);
}

TEST_CASE("32-bit ModR/M and SIB: every scale/index/base, disp8/disp32, no-index, base=5 (386, 67h)") {
    Machine m(CpuModel::i80386);
    fill_pattern(m.bus);
    checks_done = 0;
    CpuState s = Machine::base_state();
    const std::uint32_t values[8] = {0x0011, 0x0120, 0x0203, 0x0310, 0x0400, 0x0508, 0x0600, 0x0710};
    for (unsigned r = 0; r < 8; ++r) s.gpr[r] = values[r];
    auto disp_bytes = [](std::uint32_t v, unsigned n) {
        std::vector<std::uint8_t> d;
        for (unsigned k = 0; k < n; ++k) d.push_back(static_cast<std::uint8_t>(v >> (8 * k)));
        return d;
    };
    for (unsigned mod = 0; mod < 3; ++mod) {
        for (unsigned rm = 0; rm < 8; ++rm) {
            for (unsigned sib = 0; sib < (rm == 4 ? 256u : 1u); ++sib) {
                unsigned scale = sib >> 6, index = (sib >> 3) & 7, sbase = sib & 7;
                // Displacement size of this form.
                unsigned disp_size = mod == 1 ? 1 : mod == 2 ? 4 : 0;
                int base;
                if (rm == 4) base = (mod == 0 && sbase == 5) ? -1 : static_cast<int>(sbase);
                else base = (mod == 0 && rm == 5) ? -1 : static_cast<int>(rm);
                if (mod == 0 && ((rm == 5) || (rm == 4 && sbase == 5))) disp_size = 4;
                std::vector<std::uint32_t> disps;
                if (disp_size == 0) disps = {0};
                if (disp_size == 1) disps = {0x7F, 0xFFFFFF80u};  // +127, -128
                if (disp_size == 4) disps = {0x00001234, 0xFFFFFFF0u};
                for (std::uint32_t disp : disps) {
                    std::uint32_t ea = disp;
                    // QUIRK(80386): with no index (100b) a non-zero scale applies to the base
                    // (test_model_differences.cpp checks that the 486 and later ignore it).
                    const bool no_index = rm == 4 && index == 4;
                    if (base >= 0) ea += s.gpr[base] << (no_index ? scale : 0);
                    if (rm == 4 && index != 4) ea += s.gpr[index] << scale;
                    bool stack = base == ESP || base == EBP;
                    std::vector<std::uint8_t> operand{static_cast<std::uint8_t>((mod << 6) | rm)};
                    if (rm == 4) operand.push_back(static_cast<std::uint8_t>(sib));
                    auto d = disp_bytes(disp, disp_size);
                    operand.insert(operand.end(), d.begin(), d.end());
                    for (const Override& o : kOverrides) {
                        // Keep the run time small: overrides on a subset of SIB bytes.
                        if (o.prefix && rm == 4 && (sib % 7) != 0 && index != 4) continue;
                        int seg = o.seg >= 0 ? o.seg : (stack ? SS : DS);
                        std::vector<std::uint8_t> prefixes;
                        if (o.prefix) prefixes.push_back(*o.prefix);
                        prefixes.push_back(0x67);
                        CAPTURE(hex(operand));
                        CAPTURE(hex(prefixes));
                        check_form(m, s, prefixes, operand, ea, seg, true);
                    }
                }
            }
        }
    }
    MESSAGE("32-bit forms checked: ", checks_done);
    CHECK(checks_done > 3000);
}

TEST_CASE("32-bit addresses are not truncated: LEA with large registers wraps modulo 2^32 (386)") {
    Machine m(CpuModel::i80386);
    CpuState s = Machine::base_state();
    const std::uint32_t values[8] = {0x11111111, 0x82345678, 0x9ABCDEF0, 0x7FFFFFF0,
                                     0x00001000, 0xF0000008, 0x40000001, 0xC0000010};
    for (unsigned r = 0; r < 8; ++r) s.gpr[r] = values[r];
    int checked = 0;
    for (unsigned sib = 0; sib < 256; ++sib) {
        unsigned scale = sib >> 6, index = (sib >> 3) & 7, base = sib & 7;
        // 66 67 8D 84 sib disp32 = LEA EAX,[base + index*scale + disp32]
        std::uint32_t disp = 0x89ABCDEF;
        // QUIRK(80386): no index (100b) scales the base instead.
        std::uint32_t ea = index != 4 ? s.gpr[base] + disp + (s.gpr[index] << scale) : (s.gpr[base] << scale) + disp;
        std::vector<std::uint8_t> code{0x66, 0x67, 0x8D, 0x84, static_cast<std::uint8_t>(sib), 0xEF, 0xCD, 0xAB, 0x89};
        CpuState after = m.run_one(code, s);
        CAPTURE(sib);
        CHECK(after.gpr[EAX] == ea);
        CHECK(after.eip == kCodeIp + code.size());
        ++checked;
    }
    // mod 0, base = 5: no base register, just disp32 (EBP must not be added).
    CpuState after = m.run_one({0x66, 0x67, 0x8D, 0x04, 0x8D, 0x78, 0x56, 0x34, 0x12}, s);  // [ECX*4 + disp32]
    CHECK(after.gpr[EAX] == 0x12345678u + (values[ECX] << 2));
    after = m.run_one({0x66, 0x67, 0x8D, 0x05, 0x78, 0x56, 0x34, 0x12}, s);  // [disp32]
    CHECK(after.gpr[EAX] == 0x12345678u);
    after = m.run_one({0x66, 0x67, 0x8D, 0x04, 0x25, 0x78, 0x56, 0x34, 0x12}, s);  // no index, no base
    CHECK(after.gpr[EAX] == 0x12345678u);
    CHECK(checked == 256);
}
