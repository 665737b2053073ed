// x86emu unit tests — instruction lengths and opcode availability per model, for every slot of
// the one-byte map and the 0F map, decoded through decode_instruction() on a CpuCore.
//
// The expected encoding of each opcode (ModR/M present? which immediate?) is written out below
// independently of opcode_table.inc, from Intel SDM vol. 2 Appendix A (opcode map) and §2.1
// (instruction format), the 8086 User's Manual (opcode aliases of the 8086) and the 80286 /
// 80386 Programmer's Reference Manuals (which opcodes each model adds). The expected length is
// prefixes + opcode + ModR/M + SIB + displacement + immediates, computed here by those rules.
#include <doctest/doctest.h>

#include <array>
#include <cstdio>
#include <set>
#include <string>

#include "core/cpu_core.hpp"
#include "core/decode/decoder.hpp"
#include "core/decode/opcode_table.hpp"
#include "decoder_test_support.hpp"
#include "emu_test_support.hpp"
#include "x86emu/opcodes.hpp"

using namespace x86emu;
using x86emu_test::Machine;

namespace {

enum class Avail { Valid, Invalid, DontCare };
enum class Imm { None, Ib, Iw, Iz, Ap, Moffs, IwIb };

struct Spec {
    Avail avail = Avail::Invalid;
    bool modrm = false;
    Imm imm = Imm::None;
    bool mem_only = false;     // M, Mp, Ma operands: the register form is #UD (80286+)
    bool mod_ignored = false;  // MOV to/from CRn/DRn: always a register form, no displacement
    bool group = false;        // ModR/M.reg selects the instruction
};

Spec valid(bool modrm, Imm imm = Imm::None) {
    Spec s;
    s.avail = Avail::Valid;
    s.modrm = modrm;
    s.imm = imm;
    return s;
}
Spec invalid() { return Spec{}; }
Spec dont_care() {
    Spec s;
    s.avail = Avail::DontCare;
    return s;
}

bool is_prefix(CpuModel model, unsigned op) {
    switch (op) {
    case 0x26: case 0x2E: case 0x36: case 0x3E: case 0xF0: case 0xF2: case 0xF3: return true;
    case 0x64: case 0x65: case 0x66: case 0x67: return model == CpuModel::i80386;
    case 0xF1: return model == CpuModel::i8086;
    default: return false;
    }
}

// One-byte map. `reg` is ModR/M.reg (only meaningful for group opcodes).
Spec one_byte(CpuModel model, unsigned op, unsigned reg) {
    const bool i8086 = model == CpuModel::i8086;
    const bool i386 = model == CpuModel::i80386;
    if (op < 0x40) {
        if (op == 0x0F) return i8086 ? valid(false) : dont_care();  // POP CS / escape (tested apart)
        switch (op & 7) {
        case 0: case 1: case 2: case 3: return valid(true);
        case 4: return valid(false, Imm::Ib);
        case 5: return valid(false, Imm::Iz);
        default: return valid(false);  // PUSH/POP sreg, DAA DAS AAA AAS
        }
    }
    if (op < 0x60) return valid(false);
    if (op < 0x70) {
        if (i8086) return valid(false, Imm::Ib);  // aliases of 70-7F
        switch (op) {
        case 0x60: case 0x61: return valid(false);
        case 0x62: { Spec s = valid(true); s.mem_only = true; return s; }  // BOUND Gv,Ma
        case 0x63: return valid(true);  // ARPL Ew,Gw (decodes; #UD when executed in real mode)
        case 0x64: case 0x65: case 0x66: case 0x67: return invalid();  // 80286: not prefixes
        case 0x68: return valid(false, Imm::Iz);
        case 0x69: return valid(true, Imm::Iz);
        case 0x6A: return valid(false, Imm::Ib);
        case 0x6B: return valid(true, Imm::Ib);
        default: return valid(false);  // INS/OUTS
        }
    }
    if (op < 0x80) return valid(false, Imm::Ib);
    switch (op) {
    case 0x80: case 0x82: case 0x83: { Spec s = valid(true, Imm::Ib); s.group = true; return s; }
    case 0x81: { Spec s = valid(true, Imm::Iz); s.group = true; return s; }
    case 0x8D: { Spec s = valid(true); s.mem_only = true; return s; }
    case 0x8F: {
        if (reg != 0 && !i8086) return dont_care();
        Spec s = valid(true);
        s.group = true;
        return s;
    }
    case 0x9A: return valid(false, Imm::Ap);
    case 0xA0: case 0xA1: case 0xA2: case 0xA3: return valid(false, Imm::Moffs);
    case 0xA8: return valid(false, Imm::Ib);
    case 0xA9: return valid(false, Imm::Iz);
    case 0xC0: if (i8086) return valid(false, Imm::Iw); [[fallthrough]];
    case 0xC1:
        if (i8086) return valid(false);
        { Spec s = valid(true, Imm::Ib); s.group = true; return s; }
    case 0xC2: case 0xCA: return valid(false, Imm::Iw);
    case 0xC4: case 0xC5: { Spec s = valid(true); s.mem_only = true; return s; }
    case 0xC6: case 0xC7: {
        if (reg != 0 && !i8086) return dont_care();
        Spec s = valid(true, op == 0xC6 ? Imm::Ib : Imm::Iz);
        s.group = true;
        return s;
    }
    case 0xC8: return i8086 ? valid(false, Imm::Iw) : valid(false, Imm::IwIb);
    case 0xCD: return valid(false, Imm::Ib);
    case 0xD0: case 0xD1: case 0xD2: case 0xD3: { Spec s = valid(true); s.group = true; return s; }
    case 0xD4: case 0xD5: return valid(false, Imm::Ib);
    case 0xD8: case 0xD9: case 0xDA: case 0xDB: case 0xDC: case 0xDD: case 0xDE: case 0xDF: return valid(true);
    case 0xE0: case 0xE1: case 0xE2: case 0xE3: case 0xE4: case 0xE5: case 0xE6: case 0xE7: case 0xEB:
        return valid(false, Imm::Ib);
    case 0xE8: case 0xE9: return valid(false, Imm::Iz);
    case 0xEA: return valid(false, Imm::Ap);
    case 0xF1: return i386 ? valid(false) : dont_care();  // 80386: INT1 (ICEBP)
    case 0xF6: case 0xF7: {
        Spec s = valid(true, reg < 2 ? (op == 0xF6 ? Imm::Ib : Imm::Iz) : Imm::None);
        s.group = true;
        return s;
    }
    case 0xFE: {
        if (reg >= 2) return i8086 ? dont_care() : invalid();
        Spec s = valid(true);
        s.group = true;
        return s;
    }
    case 0xFF: {
        if (reg == 7) {
            if (!i8086) return invalid();
        }
        Spec s = valid(true);
        s.group = true;
        s.mem_only = reg == 3 || reg == 5;  // CALLF/JMPF Mp
        return s;
    }
    default: break;
    }
    if (op >= 0xB0 && op < 0xB8) return valid(false, Imm::Ib);
    if (op >= 0xB8 && op < 0xC0) return valid(false, Imm::Iz);
    if (op >= 0x84 && op < 0x8F) return valid(true);
    return valid(false);  // everything else: no operand bytes
}

// Two-byte map (0F xx) of the 80286 and 80386.
Spec two_byte(CpuModel model, unsigned op, unsigned reg) {
    const bool i386 = model == CpuModel::i80386;
    auto grp = [](Spec s) { s.group = true; return s; };
    switch (op) {
    case 0x00: return reg <= 5 ? grp(valid(true)) : dont_care();
    case 0x01:
        if (reg <= 3) { Spec s = grp(valid(true)); s.mem_only = true; return s; }
        if (reg == 4 || reg == 6) return grp(valid(true));
        if (reg == 7) return invalid();  // INVLPG is an 80486 addition
        return dont_care();
    case 0x02: case 0x03: return valid(true);
    case 0x04: case 0x05: case 0x07: return dont_care();  // LOADALL variants
    case 0x06: return valid(false);
    default: break;
    }
    if (op >= 0x08 && op <= 0x0F) return invalid();
    if (op >= 0x10 && op <= 0x1F) return dont_care();
    if (op >= 0x20 && op <= 0x23) {
        if (!i386) return invalid();
        Spec s = valid(true);
        s.mod_ignored = true;
        return s;
    }
    if (op >= 0x24 && op <= 0x27) return i386 ? dont_care() : invalid();  // MOV TRn (not modelled)
    if (op >= 0x28 && op <= 0x7F) return invalid();
    if (!i386) return invalid();  // everything from 80 up is an 80386 addition
    if (op >= 0x80 && op <= 0x8F) return valid(false, Imm::Iz);
    if (op >= 0x90 && op <= 0x9F) return valid(true);
    switch (op) {
    case 0xA0: case 0xA1: case 0xA8: case 0xA9: return valid(false);
    case 0xA3: case 0xAB: case 0xB3: case 0xBB: case 0xA5: case 0xAD: case 0xAF:
    case 0xB6: case 0xB7: case 0xBE: case 0xBF: case 0xBC: case 0xBD:
        return valid(true);
    case 0xA4: case 0xAC: return valid(true, Imm::Ib);
    case 0xB2: case 0xB4: case 0xB5: { Spec s = valid(true); s.mem_only = true; return s; }
    case 0xBA: return reg >= 4 ? grp(valid(true, Imm::Ib)) : invalid();
    case 0xA6: case 0xA7: case 0xAA: return dont_care();  // XBTS/IBTS (early steppings), RSM
    default: return invalid();  // A2 CPUID, B0/B1 CMPXCHG, C0-CF XADD/BSWAP...: later CPUs
    }
}

struct ModrmForm {
    std::vector<std::uint8_t> bytes;  // ModR/M (reg = 0) [SIB] [disp]
    unsigned mod;
    unsigned extra;  // SIB + displacement bytes by the addressing rules
};

std::vector<ModrmForm> modrm_forms(bool addr32) {
    std::vector<ModrmForm> forms;
    for (unsigned mod = 0; mod < 4; ++mod) {
        for (unsigned rm = 0; rm < 8; ++rm) {
            std::uint8_t m = static_cast<std::uint8_t>((mod << 6) | rm);
            if (!addr32) {
                // SDM table 2-1: mod 0 rm 6 = disp16; mod 1 = disp8; mod 2 = disp16.
                unsigned disp = mod == 1 ? 1 : mod == 2 ? 2 : (mod == 0 && rm == 6) ? 2 : 0;
                std::vector<std::uint8_t> b{m};
                for (unsigned k = 0; k < disp; ++k) b.push_back(static_cast<std::uint8_t>(0xA1 + k));
                forms.push_back({b, mod, disp});
                continue;
            }
            // SDM tables 2-2/2-3: rm 4 = SIB; mod 0 rm 5 = disp32; SIB base 5 with mod 0 = disp32.
            std::vector<std::uint8_t> sibs = rm == 4 && mod != 3 ? std::vector<std::uint8_t>{0x00, 0x05, 0x25, 0xE4, 0x8D, 0x7B}
                                                                 : std::vector<std::uint8_t>{0xFF};
            for (std::uint8_t sib : sibs) {
                std::vector<std::uint8_t> b{m};
                unsigned extra = 0;
                unsigned disp = mod == 1 ? 1 : mod == 2 ? 4 : 0;
                if (mod != 3 && rm == 4) {
                    b.push_back(sib);
                    extra = 1;
                    if (mod == 0 && (sib & 7) == 5) disp = 4;
                }
                if (mod == 0 && rm == 5) disp = 4;
                for (unsigned k = 0; k < disp; ++k) b.push_back(static_cast<std::uint8_t>(0xB1 + k));
                forms.push_back({b, mod, extra + disp});
            }
        }
    }
    return forms;
}

unsigned imm_size(Imm imm, bool op32, bool addr32) {
    switch (imm) {
    case Imm::None: return 0;
    case Imm::Ib: return 1;
    case Imm::Iw: return 2;
    case Imm::Iz: return op32 ? 4 : 2;
    case Imm::Ap: return (op32 ? 4 : 2) + 2;
    case Imm::Moffs: return addr32 ? 4 : 2;
    case Imm::IwIb: return 3;
    }
    return 0;
}

using Decoder = x86emu_test::CoreDecoder;
using x86emu_test::hex_bytes;
std::string hex(const std::vector<std::uint8_t>& v) { return hex_bytes(v); }

struct Totals {
    long lengths = 0, valid_slots = 0, invalid_slots = 0, ud_executed = 0, disassembly_mismatches = 0;
};

void check_model(CpuModel model, Totals& t) {
    Decoder dec(model);
    const bool i386 = model == CpuModel::i80386;
    std::set<std::uint16_t> rows_seen;
    std::vector<std::vector<std::uint8_t>> prefix_sets = {{}, {0x2E}, {0xF3, 0x26}};
    if (i386) prefix_sets = {{}, {0x66}, {0x67}, {0x66, 0x67}, {0x3E, 0x67, 0x66}, {0x2E}};
    std::vector<std::vector<std::uint8_t>> invalid_encodings;
    long mismatches = 0;
    std::string first;

    for (unsigned map = 0; map < (model == CpuModel::i8086 ? 1u : 2u); ++map) {
        for (unsigned op = 0; op < 256; ++op) {
            if (map == 0 && is_prefix(model, op)) continue;
            if (map == 0 && op == 0x0F && model != CpuModel::i8086) continue;  // the escape itself
            for (unsigned reg = 0; reg < 8; ++reg) {
                Spec spec = map == 0 ? one_byte(model, op, reg) : two_byte(model, op, reg);
                if (spec.avail == Avail::DontCare) continue;
                if (spec.avail == Avail::Valid && !spec.group && !spec.modrm && reg > 0) continue;
                if (spec.avail == Avail::Valid && !spec.group && reg > 0 && reg != 5) continue;
                std::vector<std::uint8_t> opcode;
                if (map == 1) opcode.push_back(0x0F);
                opcode.push_back(static_cast<std::uint8_t>(op));
                if (spec.avail == Avail::Invalid) {
                    // A ModR/M with this reg value (relevant for groups, harmless otherwise).
                    std::vector<std::uint8_t> bytes = opcode;
                    bytes.push_back(static_cast<std::uint8_t>(0xC0 | (reg << 3)));
                    Insn insn = dec.decode(bytes);
                    CAPTURE(hex(bytes));
                    CHECK_MESSAGE(dec.is_undefined(insn), "expected #UD: ", hex(bytes));
                    CHECK(disassemble(model, bytes.data(), bytes.size()).text == "(bad)");
                    ++t.invalid_slots;
                    if (reg == 0 || (map == 0 && (op == 0xFE || op == 0xFF)) || (map == 1 && (op <= 0x01 || op == 0xBA)))
                        invalid_encodings.push_back(bytes);
                    continue;
                }
                ++t.valid_slots;
                for (const auto& prefixes : prefix_sets) {
                    bool op32 = false, addr32 = false;
                    for (auto p : prefixes) {
                        if (p == 0x66) op32 = true;
                        if (p == 0x67) addr32 = true;
                    }
                    std::vector<ModrmForm> forms;
                    if (spec.modrm) forms = modrm_forms(addr32);
                    else forms.push_back({{}, 0, 0});
                    for (const ModrmForm& form : forms) {
                        std::vector<std::uint8_t> bytes = prefixes;
                        bytes.insert(bytes.end(), opcode.begin(), opcode.end());
                        unsigned expected = static_cast<unsigned>(bytes.size());
                        if (spec.modrm) {
                            std::vector<std::uint8_t> m = form.bytes;
                            m[0] = static_cast<std::uint8_t>(m[0] | (reg << 3));
                            bytes.insert(bytes.end(), m.begin(), m.end());
                            expected += 1 + (spec.mod_ignored ? 0 : form.extra);
                            if (spec.mod_ignored) bytes.resize(bytes.size() - form.extra);
                        }
                        unsigned imm = imm_size(spec.imm, op32, addr32);
                        for (unsigned k = 0; k < imm; ++k) bytes.push_back(static_cast<std::uint8_t>(0x11 * (k + 1)));
                        expected += imm;
                        Insn insn = dec.decode(bytes);
                        if (spec.modrm && spec.mem_only && form.mod == 3 && !spec.mod_ignored) {
                            // Register form of a memory-only operand: #UD on the 80286/80386.
                            if (model != CpuModel::i8086) {
                                CAPTURE(hex(bytes));
                                CHECK(dec.is_undefined(insn));
                                CHECK(disassemble(model, bytes.data(), bytes.size()).status ==
                                      Disassembly::Status::Invalid);  // no escape is memory-only
                            }
                            continue;
                        }
                        ++t.lengths;
                        // The disassembler decodes the same bytes to the same, independently
                        // expected, length (it shares the decoder; this checks the buffer path).
                        DisassemblyOptions no_fpu;  // as the decoder above: no FPU
                        no_fpu.fpu = false;
                        Disassembly dis = disassemble(model, bytes.data(), bytes.size(), no_fpu);
                        if (dis.length != expected || !dis.valid()) ++t.disassembly_mismatches;
                        bool ok = insn.length == expected && !dec.is_undefined(insn);
                        if (!ok) {
                            if (mismatches == 0) {
                                char buf[160];
                                std::snprintf(buf, sizeof buf, "%s: %s-> length %u (undefined=%d), expected %u",
                                              std::string(cpu_model_name(model)).c_str(), hex(bytes).c_str(),
                                              insn.length, dec.is_undefined(insn) ? 1 : 0, expected);
                                first = buf;
                            }
                            ++mismatches;
                        } else {
                            rows_seen.insert(insn.row);
                        }
                    }
                }
            }
        }
    }
    {
        INFO(first);
        CHECK_MESSAGE(mismatches == 0, mismatches, " instruction lengths differ");
        CHECK_MESSAGE(t.disassembly_mismatches == 0, t.disassembly_mismatches, " disassembled lengths differ");
    }

    // Every non-prefix row the table declares for this model was decoded by some form above.
    const auto rows = opcode_rows();
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const OpcodeRow& row = rows[r];
        if (!(row.models & model_bit(model)) || row.is_prefix) continue;
        if (row.map == 0 && row.opcode == 0x0F && model != CpuModel::i8086) continue;
        // Rows the independent spec leaves open (8F/C6/C7 /1-7 aliases, LOADALL, ...) are allowed
        // only where the spec says DontCare.
        if (rows_seen.count(static_cast<std::uint16_t>(r))) continue;
        Spec spec = row.map == 0 ? one_byte(model, row.opcode, row.ext < 0 ? 0 : row.ext)
                                 : two_byte(model, row.opcode, row.ext < 0 ? 0 : row.ext);
        CAPTURE(row.mnemonic);
        CAPTURE(row.operands);
        CAPTURE(static_cast<int>(row.map));
        CAPTURE(static_cast<int>(row.opcode));
        CAPTURE(static_cast<int>(row.ext));
        CHECK_MESSAGE(spec.avail == Avail::DontCare, "table row never decoded as a valid instruction");
    }

    // Executing an invalid encoding raises #UD: the CPU goes through IVT vector 6 and the saved
    // IP is the instruction's own address (80286/80386; the 8086 has no #UD).
    if (model != CpuModel::i8086) {
        Machine m(model);
        for (const auto& bytes : invalid_encodings) {
            CAPTURE(hex(bytes));
            CpuState after = m.run_one(bytes, Machine::base_state());
            bool ok = Machine::at_vector(after, 6) &&
                      m.bus.word(m.stack_phys(x86emu_test::kStackTop - 6)) == x86emu_test::kCodeIp;
            CHECK(ok);
            ++t.ud_executed;
        }
    }
}

}  // namespace

TEST_CASE("decoded lengths and opcode availability: 8086") {
    Totals t;
    check_model(CpuModel::i8086, t);
    MESSAGE("8086: ", t.lengths, " lengths, ", t.valid_slots, " valid slots, ", t.invalid_slots, " invalid");
    CHECK(t.lengths > 5000);
}

TEST_CASE("decoded lengths and opcode availability: 80286") {
    Totals t;
    check_model(CpuModel::i80286, t);
    MESSAGE("286: ", t.lengths, " lengths, ", t.valid_slots, " valid slots, ", t.invalid_slots, " invalid, ",
            t.ud_executed, " #UD executed");
    CHECK(t.lengths > 5000);
    CHECK(t.ud_executed > 100);
}

TEST_CASE("decoded lengths and opcode availability: 80386 (16/32-bit operand and address sizes)") {
    Totals t;
    check_model(CpuModel::i80386, t);
    MESSAGE("386: ", t.lengths, " lengths, ", t.valid_slots, " valid slots, ", t.invalid_slots, " invalid, ",
            t.ud_executed, " #UD executed");
    CHECK(t.lengths > 20000);
    CHECK(t.ud_executed > 100);
}

TEST_CASE("spot checks of lengths with hand-assembled instructions") {
    struct Case { CpuModel model; std::vector<std::uint8_t> bytes; unsigned length; };
    const Case cases[] = {
        {CpuModel::i8086, {0x0F}, 1},                                   // POP CS
        {CpuModel::i8086, {0x65, 0x10}, 2},                             // JNZ alias
        {CpuModel::i8086, {0xC0, 0x04, 0x00}, 3},                       // RET 4 alias
        {CpuModel::i8086, {0xC8, 0x04, 0x00}, 3},                       // RETF 4 alias
        {CpuModel::i80286, {0xC8, 0x04, 0x00, 0x01}, 4},                // ENTER 4,1
        {CpuModel::i80286, {0x81, 0x86, 0x34, 0x12, 0x78, 0x56}, 6},    // ADD [BP+1234],5678
        {CpuModel::i80286, {0x0F, 0x01, 0x16, 0x00, 0x10}, 5},          // LGDT [1000]
        {CpuModel::i80386, {0x66, 0x81, 0xC0, 1, 2, 3, 4}, 7},          // ADD EAX,04030201
        {CpuModel::i80386, {0x67, 0x8B, 0x04, 0x25, 1, 2, 3, 4}, 8},    // MOV AX,[disp32] via SIB
        {CpuModel::i80386, {0x67, 0x8B, 0x44, 0x24, 0x08}, 5},          // MOV AX,[ESP+8]
        {CpuModel::i80386, {0x67, 0xA1, 1, 2, 3, 4}, 6},                // MOV AX,[moffs32]
        {CpuModel::i80386, {0x66, 0xEA, 1, 2, 3, 4, 5, 6}, 8},          // JMP FAR ptr16:32
        {CpuModel::i80386, {0x0F, 0x84, 0x10, 0x00}, 4},                // JZ rel16
        {CpuModel::i80386, {0x66, 0x0F, 0x84, 1, 2, 3, 4}, 7},          // JZ rel32
        {CpuModel::i80386, {0x0F, 0x20, 0x06}, 3},                      // MOV ESI,CR0 (mod ignored)
        {CpuModel::i80386, {0x66, 0x67, 0x69, 0x84, 0x88, 1, 2, 3, 4, 5, 6, 7, 8}, 13},  // IMUL r,[sib+d32],i32
    };
    for (const Case& c : cases) {
        CAPTURE(hex(c.bytes));
        Decoder dec(c.model);
        Insn insn = dec.decode(c.bytes);
        CHECK(insn.length == c.length);
        CHECK_FALSE(dec.is_undefined(insn));
    }
}
