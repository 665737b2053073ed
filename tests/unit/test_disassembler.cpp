// x86emu unit tests — the disassembler (x86emu/opcodes.hpp: disassemble, describe_instruction).
//
// 1. Agreement with the CPU's decoder: for every row of the opcode table and of the x87 table,
//    on every model that has it (and on the models that do not), in 16- and 32-bit code, with
//    prefixes and a spread of ModR/M/SIB forms, the disassembled length and validity equal what
//    decode_instruction() on a CpuCore gives (#UD exactly where the decoder faults), and the
//    printed mnemonic is the row's. A sweep over every opcode slot and ModR/M.reg does the same
//    for the encodings no row claims.
// 2. Hand-written expectations: a few dozen encodings assembled by hand from Intel SDM vol. 2
//    (appendix A opcode maps, tables 2-1 to 2-3 for the ModR/M and SIB forms, the instruction
//    pages for the x87 forms) with the text the documented output format gives for them.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/decode/opcode_table.hpp"
#include "decoder_test_support.hpp"
#include "x86emu/opcodes.hpp"

using namespace x86emu;
using x86emu_test::CoreDecoder;
using x86emu_test::hex_bytes;

namespace {

constexpr CpuModel kModels[] = {CpuModel::i8086, CpuModel::i80286, CpuModel::i80386,
                                CpuModel::i80486, CpuModel::p5,    CpuModel::p6};

bool has386(CpuModel m) { return m != CpuModel::i8086 && m != CpuModel::i80286; }

std::string lower(std::string_view s) {
    std::string out{s};
    for (char& ch : out)
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    return out;
}

// The text up to the first operand: mnemonic words after any prefix words.
std::string strip_prefix_words(std::string text) {
    static constexpr std::string_view kWords[] = {"lock ", "rep ", "repe ", "repne ", "es ", "cs ", "ss ",
                                                  "ds ",   "fs ",  "gs ",   "o16 ",   "o32 ", "a16 ", "a32 "};
    for (bool again = true; again;) {
        again = false;
        for (std::string_view w : kWords)
            if (text.starts_with(w)) {
                text.erase(0, w.size());
                again = true;
            }
    }
    return text;
}

// Tracks agreement of disassemble() with the CPU's decoder over many encodings.
struct Agreement {
    long checked = 0, valid = 0, invalid = 0, disagreements = 0, wrong_names = 0;
    std::string first;

    // Returns the disassembly of `bytes` after checking it against `dec`.
    Disassembly check(CpuModel model, CoreDecoder& dec, const std::vector<std::uint8_t>& bytes,
                      const DisassemblyOptions& options) {
        const Insn insn = dec.decode(bytes);
        const Disassembly dis = disassemble(model, bytes.data(), bytes.size(), options);
        ++checked;
        const bool decoder_valid = !dec.is_undefined(insn);
        (decoder_valid ? valid : invalid) += 1;
        if (dis.length != insn.length || dis.valid() != decoder_valid) {
            if (disagreements++ == 0)
                first = std::string(cpu_model_name(model)) + ": " + hex_bytes(bytes) + "-> disassembler length " +
                        std::to_string(dis.length) + (dis.valid() ? " valid" : " invalid") + ", decoder length " +
                        std::to_string(insn.length) + (decoder_valid ? " valid" : " invalid") + " \"" + dis.text + "\"";
        }
        return dis;
    }
    void name_mismatch(const std::string& what) {
        if (wrong_names++ == 0 && first.empty()) first = what;
    }
};

// ModR/M forms: register, 16-bit and 32-bit memory forms with SIB and displacements. The bytes
// after the ModR/M are a SIB (used when the form takes one) and then displacement/immediate
// filler; the decoder takes what the form needs.
std::vector<std::uint8_t> modrm_samples(unsigned reg) {
    std::vector<std::uint8_t> out;
    // mod 0 rm 0/4/5/6/7, mod 1 rm 2/4, mod 2 rm 4/6, mod 3 rm 0/3/7.
    const unsigned forms[][2] = {{0, 0}, {0, 4}, {0, 5}, {0, 6}, {0, 7}, {1, 2}, {1, 4},
                                 {2, 4}, {2, 6}, {3, 0}, {3, 3}, {3, 7}};
    for (auto& f : forms) out.push_back(static_cast<std::uint8_t>((f[0] << 6) | (reg << 3) | f[1]));
    return out;
}

const std::vector<std::vector<std::uint8_t>>& prefix_sets() {
    static const std::vector<std::vector<std::uint8_t>> sets = {
        {}, {0x66}, {0x67}, {0xF0}, {0x2E}, {0xF3}, {0x66, 0x67, 0x26}, {0xF2}};
    return sets;
}

std::vector<std::uint8_t> with_tail(std::vector<std::uint8_t> bytes, std::uint8_t sib) {
    bytes.push_back(sib);
    for (std::uint8_t k = 1; bytes.size() < 16; ++k) bytes.push_back(static_cast<std::uint8_t>(0x11 * k));
    return bytes;
}

// The mnemonic the row names for this decoded form (the 16/32-bit name by operand size, JCXZ's
// by address size), as the format prints it.
std::string expected_name(const OpcodeRow& row, bool op32, bool addr32, unsigned reg_in_opcode) {
    if (row.map == 0 && row.opcode == 0x90 && reg_in_opcode == 0) return "nop";
    if (row.map == 0 && row.opcode >= 0xD8 && row.opcode <= 0xDF) return "esc";
    std::string_view name = row.mnemonic;
    if (row.mnemonic32 != row.mnemonic)
        name = (row.width == OperandWidth::V ? op32 : addr32) ? row.mnemonic32 : row.mnemonic;
    if (name == "CALLF") return "call far";
    if (name == "JMPF") return "jmp far";
    return lower(name);
}

}  // namespace

TEST_CASE("disassembler agrees with the decoder on every opcode-table row, model and mode") {
    long rows_checked = 0;
    for (CpuModel model : kModels) {
        for (bool code32 : {false, true}) {
            if (code32 && !has386(model)) continue;
            // Without an FPU here: the escapes as the ESC row (the x87 rows have their own test).
            CoreDecoder dec(model, false, code32);
            DisassemblyOptions options;
            options.mode = code32 ? CodeMode::Bits32 : CodeMode::Bits16;
            options.fpu = false;
            Agreement a;
            const auto rows = opcode_rows();
            for (std::size_t r = 0; r < rows.size(); ++r) {
                const OpcodeRow& row = rows[r];
                if (row.is_prefix) continue;
                if (row.map == 0 && row.opcode == 0x0F && model != CpuModel::i8086) continue;
                const bool decodes = (row.models & model_bit(model)) != 0;
                ++rows_checked;
                const unsigned span = row.shape.reg_in_opcode ? 8 : 1;
                for (unsigned k = 0; k < span; ++k) {
                    std::vector<std::uint8_t> opcode;
                    if (row.map == 1) opcode.push_back(0x0F);
                    opcode.push_back(static_cast<std::uint8_t>(row.opcode + k));
                    std::vector<std::uint8_t> modrms;
                    if (row.shape.modrm || row.ext >= 0)
                        for (unsigned reg = 0; reg < 8; ++reg) {
                            if (row.ext >= 0 && reg != static_cast<unsigned>(row.ext)) continue;
                            for (std::uint8_t m : modrm_samples(reg)) modrms.push_back(m);
                        }
                    else
                        modrms.push_back(0x00);  // no ModR/M: a filler byte
                    for (const auto& prefixes : prefix_sets()) {
                        for (std::uint8_t m : modrms) {
                            std::vector<std::uint8_t> bytes = prefixes;
                            bytes.insert(bytes.end(), opcode.begin(), opcode.end());
                            bytes.push_back(m);
                            bytes = with_tail(bytes, 0x8D);  // SIB: [ebp+ecx*4] / [ecx*4+disp32]
                            const Insn insn = dec.decode(bytes);
                            const Disassembly dis = a.check(model, dec, bytes, options);
                            if (!dis.valid() || insn.row != r) continue;
                            CHECK(decodes);
                            bool op32 = insn.op32(), addr32 = insn.addr32();
                            std::string name = expected_name(row, op32, addr32, k);
                            std::string body = strip_prefix_words(dis.text);
                            if (!(body == name || body.starts_with(name + " ")))
                                a.name_mismatch(hex_bytes(bytes) + "-> \"" + dis.text + "\", expected " + name);
                        }
                    }
                }
            }
            INFO(cpu_model_name(model), code32 ? " 32-bit" : " 16-bit", ": ", a.first);
            CHECK(a.disagreements == 0);
            CHECK(a.wrong_names == 0);
            CHECK(a.valid > 1000);
            if (model != CpuModel::i8086) CHECK(a.invalid > 10);  // the 8086 has no #UD
            MESSAGE(cpu_model_name(model), code32 ? " 32-bit: " : " 16-bit: ", a.checked, " encodings (", a.valid,
                    " valid, ", a.invalid, " #UD)");
        }
    }
    MESSAGE(rows_checked, " (row, model, mode) combinations");
}

TEST_CASE("disassembler agrees with the decoder on every opcode slot and ModR/M.reg") {
    for (CpuModel model : kModels) {
        for (bool code32 : {false, true}) {
            if (code32 && !has386(model)) continue;
            for (bool fpu : {false, true}) {
                if (fpu && model == CpuModel::i8086) continue;
                CoreDecoder dec(model, fpu, code32);
                DisassemblyOptions options;
                options.mode = code32 ? CodeMode::Bits32 : CodeMode::Real;
                options.fpu = fpu;
                Agreement a;
                for (unsigned map = 0; map < 2; ++map) {
                    for (unsigned op = 0; op < 256; ++op) {
                        for (unsigned reg = 0; reg < 8; ++reg) {
                            for (std::uint8_t m : modrm_samples(reg)) {
                                for (const auto& prefixes : prefix_sets()) {
                                    std::vector<std::uint8_t> bytes = prefixes;
                                    if (map == 1) bytes.push_back(0x0F);
                                    bytes.push_back(static_cast<std::uint8_t>(op));
                                    bytes.push_back(m);
                                    a.check(model, dec, with_tail(bytes, 0x25), options);
                                }
                            }
                        }
                    }
                }
                INFO(cpu_model_name(model), code32 ? " 32-bit" : " 16-bit", fpu ? " FPU" : "", ": ", a.first);
                CHECK(a.disagreements == 0);
                CHECK(a.checked > 300000);
            }
        }
    }
}

TEST_CASE("disassembler agrees with the decoder on every x87-table row and model") {
    long checked = 0;
    for (CpuModel model : kModels) {
        if (model == CpuModel::i8086) continue;  // no FPU model
        for (bool code32 : {false, true}) {
            if (code32 && !has386(model)) continue;
            CoreDecoder dec(model, true, code32);
            DisassemblyOptions options;
            options.mode = code32 ? CodeMode::Bits32 : CodeMode::Bits16;
            Agreement a;
            for (const X87Row& row : x87_rows()) {
                const bool decodes = (row.models & model_bit(model)) != 0;
                std::vector<std::vector<std::uint8_t>> encodings;
                switch (row.form) {
                case X87Row::kMemory:
                    for (std::uint8_t m : modrm_samples(row.index))
                        if ((m >> 6) != 3) encodings.push_back({row.escape, m});
                    break;
                case X87Row::kRegisterGroup:
                    for (unsigned i = 0; i < 8; ++i)
                        encodings.push_back({row.escape, static_cast<std::uint8_t>(0xC0 | (row.index << 3) | i)});
                    break;
                case X87Row::kRegisterOne: encodings.push_back({row.escape, row.index}); break;
                }
                for (const auto& e : encodings) {
                    for (const auto& prefixes : prefix_sets()) {
                        // 66 and 67 are prefixes from the 80386 (the 80286 has no such opcodes).
                        bool sizes = false;
                        for (std::uint8_t p : prefixes) sizes = sizes || p == 0x66 || p == 0x67;
                        if (sizes && !has386(model)) continue;
                        std::vector<std::uint8_t> bytes = prefixes;
                        bytes.insert(bytes.end(), e.begin(), e.end());
                        bytes = with_tail(bytes, 0x8D);
                        const Disassembly dis = a.check(model, dec, bytes, options);
                        const bool locked = bytes[0] == 0xF0 && has386(model);  // LOCK on an escape: #UD
                        CHECK_MESSAGE(dis.valid() == (decodes && !locked), hex_bytes(bytes), " \"", dis.text, "\"");
                        if (!dis.valid()) continue;
                        std::string body = strip_prefix_words(dis.text);
                        std::string name = lower(row.mnemonic);
                        if (!(body == name || body.starts_with(name + " ")))
                            a.name_mismatch(hex_bytes(bytes) + "-> \"" + dis.text + "\", expected " + name);
                        // The register operand names ModR/M.rm.
                        if (row.form == X87Row::kRegisterGroup && row.operands.find("ST(i)") != std::string_view::npos)
                            CHECK(dis.text.find("st(" + std::to_string(e[1] & 7) + ")") != std::string::npos);
                    }
                }
            }
            INFO(cpu_model_name(model), code32 ? " 32-bit" : " 16-bit", ": ", a.first);
            CHECK(a.disagreements == 0);
            CHECK(a.wrong_names == 0);
            checked += a.checked;
        }
    }
    MESSAGE(checked, " x87 encodings checked");
    CHECK(checked > 10000);
}

TEST_CASE("disassembly of hand-assembled instructions (Intel SDM vol. 2)") {
    using S = Disassembly::Status;
    struct Case {
        CpuModel model;
        CodeMode mode;
        std::vector<std::uint8_t> bytes;
        const char* text;
        std::size_t length;
        S status = S::Valid;
        std::uint32_t address = 0;
    };
    const CpuModel k386 = CpuModel::i80386, k486 = CpuModel::i80486;
    const CodeMode R = CodeMode::Real, B16 = CodeMode::Bits16, B32 = CodeMode::Bits32;
    const Case cases[] = {
        // The three encodings the old table-only describer got wrong.
        {k386, R, {0x8D, 0xC0}, "(bad)", 2, S::Invalid},      // LEA with a register operand: #UD
        {k386, R, {0xF0, 0x90}, "(bad)", 2, S::Invalid},      // LOCK NOP: #UD (SDM vol. 2 LOCK)
        {k386, R, {0xDB, 0x6E, 0xF8}, "fld tword [bp-8]", 3}, // DB /5 FLD m80fp, [BP+disp8]
        {CpuModel::i8086, R, {0x8D, 0xC0}, "lea ax, ax", 2},   // the 8086 has no #UD
        {CpuModel::i8086, R, {0xF0, 0x90}, "lock nop", 2},
        // ALU forms, ModR/M register and memory, SIB.
        {k386, R, {0x00, 0xD8}, "add al, bl", 2},
        {k386, B32, {0x03, 0x44, 0xB3, 0x10}, "add eax, [ebx+esi*4+10h]", 4},
        {k386, R, {0x81, 0x06, 0x34, 0x12, 0x78, 0x56}, "add word [1234h], 5678h", 6},
        {k386, R, {0x83, 0xC0, 0xFF}, "add ax, 0FFFFh", 3},  // Ib sign-extended to 16 bits
        {k386, B32, {0x6A, 0xFF}, "push 0FFFFFFFFh", 2},
        {k386, R, {0xF6, 0xC3, 0x80}, "test bl, 80h", 3},
        {k486, B32, {0xF0, 0x0F, 0xB1, 0x08}, "lock cmpxchg [eax], ecx", 4},
        {k386, R, {0xF0, 0x01, 0x07}, "lock add [bx], ax", 3},
        {k386, R, {0xF0, 0x01, 0xC0}, "(bad)", 3, S::Invalid},  // LOCK needs a memory destination
        // 16-bit ModR/M forms (SDM table 2-1) and segment overrides.
        {k386, R, {0x8B, 0x00}, "mov ax, [bx+si]", 2},
        {k386, R, {0x8B, 0x46, 0xFE}, "mov ax, [bp-2]", 3},
        {k386, R, {0x8B, 0x46, 0x00}, "mov ax, [bp]", 3},
        {k386, R, {0x8B, 0x1E, 0x34, 0x12}, "mov bx, [1234h]", 4},
        {k386, R, {0x8B, 0x81, 0x00, 0x80}, "mov ax, [bx+di-8000h]", 4},
        {k386, R, {0x26, 0x8B, 0x07}, "mov ax, es:[bx]", 3},
        {k386, R, {0x2E, 0xA0, 0x34, 0x12}, "mov al, cs:[1234h]", 4},
        {k386, R, {0xA1, 0x34, 0x12}, "mov ax, [1234h]", 3},
        {k386, R, {0x2E, 0x90}, "cs nop", 2},
        {k386, R, {0xC6, 0x07, 0x05}, "mov byte [bx], 5", 3},
        {k386, R, {0xFF, 0x07}, "inc word [bx]", 2},
        {k386, R, {0x66, 0xFF, 0x07}, "inc dword [bx]", 3},
        {k386, R, {0x8F, 0x07}, "pop word [bx]", 2},
        {k386, R, {0x8F, 0x0F}, "(bad)", 2, S::Invalid},  // 8F /1 is unassigned
        {k386, R, {0xFE, 0x17}, "(bad)", 2, S::Invalid},  // FE /2 likewise
        {k386, R, {0x8E, 0xD8}, "mov ds, ax", 2},
        {k386, R, {0x8C, 0xD8}, "mov ax, ds", 2},
        {k386, R, {0x87, 0xD8}, "xchg ax, bx", 2},
        {k386, R, {0x93}, "xchg bx, ax", 1},
        // 32-bit ModR/M and SIB forms (SDM tables 2-2, 2-3) and the size prefixes.
        {k386, B32, {0x8B, 0x04, 0x24}, "mov eax, [esp]", 3},
        {k386, B32, {0x8B, 0x04, 0x8D, 0x00, 0x10, 0x00, 0x00}, "mov eax, [ecx*4+1000h]", 7},
        {k386, B32, {0x8B, 0x05, 0x78, 0x56, 0x34, 0x12}, "mov eax, [12345678h]", 6},
        {k386, B32, {0x8B, 0x04, 0x25, 0x78, 0x56, 0x34, 0x12}, "mov eax, [12345678h]", 7},
        {k386, B32, {0x64, 0x8B, 0x03}, "mov eax, fs:[ebx]", 3},
        {k386, R, {0x67, 0x8B, 0x03}, "mov ax, [ebx]", 3},
        {k386, B32, {0x66, 0x50}, "push ax", 2},
        // QUIRK(80386): SIB index none with scale 2 scales the base; the 486 ignores the scale.
        {k386, B32, {0x8B, 0x04, 0x60}, "mov eax, [eax*2]", 3},
        {k486, B32, {0x8B, 0x04, 0x60}, "mov eax, [eax]", 3},
        // Names by operand size (SDM: CBW/CWDE, CWD/CDQ, MOVS/MOVSW/MOVSD, PUSHA/PUSHAD).
        {k386, R, {0x98}, "cbw", 1},
        {k386, R, {0x66, 0x98}, "cwde", 2},
        {k386, B32, {0x99}, "cdq", 1},
        {k386, B32, {0xA5}, "movsd", 1},
        {k386, R, {0x66, 0x60}, "pushad", 2},
        {k386, R, {0x66, 0xC3}, "o32 ret", 2},
        {k386, R, {0xF3, 0xA4}, "rep movsb", 2},
        {k386, R, {0xF3, 0xA7}, "repe cmpsw", 2},
        {k386, R, {0xF2, 0xAE}, "repne scasb", 2},
        // Immediates, shifts, three-operand forms.
        {k386, R, {0xC8, 0x08, 0x00, 0x01}, "enter 8, 1", 4},
        {k386, R, {0xD1, 0xE0}, "shl ax, 1", 2},
        {k386, R, {0xD2, 0x27}, "shl byte [bx], cl", 2},
        {k386, R, {0xC1, 0xE8, 0x03}, "shr ax, 3", 3},
        {k386, R, {0x69, 0xC3, 0x34, 0x12}, "imul ax, bx, 1234h", 4},
        {k386, R, {0x0F, 0xA4, 0xD8, 0x04}, "shld ax, bx, 4", 4},
        {k386, R, {0x0F, 0xA5, 0xD8}, "shld ax, bx, cl", 3},
        {k386, R, {0x62, 0x07}, "bound ax, [bx]", 2},
        {k386, R, {0x62, 0xC0}, "(bad)", 2, S::Invalid},  // BOUND needs memory
        {k386, R, {0xCD, 0x21}, "int 21h", 2},
        {k386, R, {0xE4, 0x60}, "in al, 60h", 2},
        {k386, R, {0xEE}, "out dx, al", 1},
        // Relative targets: address + length + displacement, wrapped at the operand size.
        {k386, R, {0xEB, 0xFE}, "jmp 100h", 2, S::Valid, 0x100},
        {k386, R, {0xE8, 0x00, 0x00}, "call 3", 3},
        {k386, R, {0x0F, 0x84, 0xFE, 0xFF}, "jz 102h", 4, S::Valid, 0x100},
        {k386, R, {0x67, 0xE3, 0xFE}, "jecxz 101h", 3, S::Valid, 0x100},
        {k386, R, {0x67, 0xE2, 0xFE}, "a32 loop 101h", 3, S::Valid, 0x100},
        {k386, B32, {0x66, 0xE9, 0xFE, 0xFF}, "o16 jmp 1002h", 4, S::Valid, 0x1000},  // EIP cut to 16 bits
        {k386, R, {0x66, 0xE9, 0xFB, 0xFF, 0xFF, 0xFF}, "o32 jmp 1", 6},
        {k386, R, {0xEA, 0x78, 0x56, 0x34, 0x12}, "jmp far 1234h:5678h", 5},
        {k386, B32, {0xEA, 0x78, 0x56, 0x34, 0x12, 0x34, 0x12}, "jmp far 1234h:12345678h", 7},
        {k386, R, {0xF0, 0x86, 0x07}, "lock xchg [bx], al", 3},
        {k386, R, {0xFF, 0x1F}, "call far [bx]", 2},
        // 0F map.
        {k386, R, {0x0F, 0xB6, 0xC3}, "movzx ax, bl", 3},
        {k386, B32, {0x0F, 0xBE, 0x03}, "movsx eax, byte [ebx]", 3},
        {k386, R, {0x0F, 0x20, 0xC0}, "mov eax, cr0", 3},
        {k386, R, {0x0F, 0x22, 0xD8}, "mov cr3, eax", 3},
        {k386, R, {0x0F, 0x94, 0xC0}, "setz al", 3},
        {CpuModel::i80286, R, {0x0F, 0x01, 0x16, 0x00, 0x10}, "lgdt [1000h]", 5},
        {k486, B32, {0x0F, 0xC8}, "bswap eax", 2},
        {k486, R, {0x0F, 0xA2}, "(bad)", 2, S::Invalid},  // CPUID is a Pentium addition
        {CpuModel::p5, R, {0x0F, 0xA2}, "cpuid", 2},
        {CpuModel::p5, R, {0x0F, 0xC7, 0x0E, 0x00, 0x10}, "cmpxchg8b qword [1000h]", 5},
        {CpuModel::p5, R, {0x0F, 0xC7, 0xC8}, "(bad)", 3, S::Invalid},
        // The long NOP is a P6 addition; before it 0F 1F is an unassigned opcode, whose ModR/M
        // is not decoded (#UD is raised before it matters).
        {CpuModel::p5, R, {0x0F, 0x1F, 0x00}, "(bad)", 2, S::Invalid},
        {CpuModel::p6, R, {0x0F, 0x1F, 0x00}, "nop word [bx+si]", 3},
        {CpuModel::p6, R, {0x0F, 0x0B}, "(bad)", 2, S::Invalid},  // UD2
        // The 8086's own map.
        {CpuModel::i8086, R, {0x0F}, "pop cs", 1},
        {CpuModel::i8086, R, {0x65, 0x10}, "jnz 12h", 2},
        {CpuModel::i8086, R, {0xD9, 0x06, 0x00, 0x10}, "esc 8, [1000h]", 4},
        // x87: register forms, memory forms of each operand type (SDM vol. 2 appendix A.4).
        {k386, R, {0xD8, 0xC1}, "fadd st(0), st(1)", 2},
        {k386, R, {0xDC, 0xC1}, "fadd st(1), st(0)", 2},
        {k386, R, {0xDE, 0xC9}, "fmulp st(1), st(0)", 2},
        {k386, R, {0xD9, 0xC9}, "fxch st(1)", 2},
        {k386, R, {0xD9, 0xE8}, "fld1", 2},
        {k386, R, {0xDF, 0xE0}, "fnstsw ax", 2},
        {k386, R, {0xDB, 0xE3}, "fninit", 2},
        {k386, R, {0xDD, 0x5E, 0xF8}, "fstp qword [bp-8]", 3},
        {k386, R, {0xD9, 0x07}, "fld dword [bx]", 2},
        {k386, R, {0xDF, 0x2F}, "fild qword [bx]", 2},
        {k386, R, {0xDE, 0x07}, "fiadd word [bx]", 2},
        {k386, R, {0xD9, 0x7E, 0xFE}, "fnstcw word [bp-2]", 3},
        {k386, R, {0xD9, 0x36, 0x00, 0x10}, "fnstenv [1000h]", 4},
        {k386, B32, {0xDD, 0x04, 0x24}, "fld qword [esp]", 3},
        {k386, R, {0xD9, 0xD1}, "(bad)", 2, S::Invalid},  // D9 D1-D7 are unassigned
        {k386, R, {0xD9, 0x0F}, "(bad)", 2, S::Invalid},  // D9 /1 memory is unassigned
        {k386, R, {0xF0, 0xD8, 0xC1}, "(bad)", 3, S::Invalid},
        {CpuModel::i80286, R, {0xD9, 0xFF}, "(bad)", 2, S::Invalid},  // FCOS is a 387 addition
        {k386, R, {0xD9, 0xFF}, "fcos", 2},
        {k486, R, {0xDA, 0xC1}, "(bad)", 2, S::Invalid},  // FCMOVcc from the P6
        {CpuModel::p6, R, {0xDA, 0xC1}, "fcmovb st(0), st(1)", 2},
        {CpuModel::p6, R, {0xDB, 0xE9}, "fucomi st(0), st(1)", 2},
        // The ends: bytes running out, and the model's length limit (#GP(0)).
        {k386, R, {0x8B}, "(truncated)", 1, S::Truncated},
        {k386, R, {0xB8, 0x34}, "(truncated)", 2, S::Truncated},
        {k386, R, {0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x90},
         "(bad)", 15, S::TooLong},
        {k386, R, {0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x90},
         "es nop", 15},
        {CpuModel::i80286, B16, {0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x90}, "(bad)", 10,
         S::TooLong},
    };
    for (const Case& c : cases) {
        CAPTURE(cpu_model_name(c.model));
        CAPTURE(hex_bytes(c.bytes));
        DisassemblyOptions o;
        o.mode = c.mode;
        o.address = c.address;
        const Disassembly d = disassemble(c.model, c.bytes.data(), c.bytes.size(), o);
        CHECK(d.text == c.text);
        CHECK(d.length == c.length);
        CHECK(d.status == c.status);
    }
    // describe_instruction is the real-mode text.
    const std::uint8_t lea[] = {0x8D, 0x00};
    CHECK(describe_instruction(CpuModel::i80386, lea, sizeof lea) == "lea ax, [bx+si]");
}

TEST_CASE("disassembler: Bits32 on a model without 32-bit code decodes as 16-bit") {
    const std::uint8_t mov[] = {0x8B, 0x07};
    DisassemblyOptions o;
    o.mode = CodeMode::Bits32;
    CHECK(disassemble(CpuModel::i80286, mov, sizeof mov, o).text == "mov ax, [bx]");
    CHECK(disassemble(CpuModel::i80386, mov, sizeof mov, o).text == "mov eax, [edi]");
}
