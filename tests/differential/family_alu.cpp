// x86emu differential tests — the "alu" family: ADD OR ADC SBB AND SUB XOR CMP in every
// encoding (Eb,Gb Ev,Gv Gb,Eb Gv,Ev AL/eAX,imm 80 81 83), TEST, NOT, NEG, INC and DEC (the FE/FF
// forms: 40h-4Fh are REX prefixes on the host), TEST's undocumented F6/F7 /1 alias, and ADC on
// every register pair. Flags: Intel SDM vol. 2 under each mnemonic;
// only AND, OR, XOR and TEST leave one flag undefined (AF).
#include "integer_family.hpp"

namespace differential {

namespace {

constexpr std::uint32_t kAF = 0x10;

struct BinaryOp {
    const char* name;
    unsigned code;  // the reg field of 80/81/83 and the row of 00-3F
    bool logical;   // AND OR XOR: OF = CF = 0, AF undefined
};
constexpr BinaryOp kBinary[] = {{"add", 0, false}, {"or", 1, true},  {"adc", 2, false}, {"sbb", 3, false},
                                {"and", 4, true},  {"sub", 5, false}, {"xor", 6, true},  {"cmp", 7, false}};

void add(std::vector<IntegerForm>& out, IntegerForm f, bool af_undefined) {
    if (af_undefined) f.undefined = flags_undefined(kAF);
    out.push_back(std::move(f));
}

}  // namespace

std::unique_ptr<Family> make_alu_family() {
    std::vector<IntegerForm> forms;
    for (unsigned w : {8u, 16u, 32u}) {
        const bool b = w == 8;
        const unsigned imm = b ? 1 : w / 8;  // Ib, Iw or Id
        // Register choices: for bytes they include high halves (DH, AH, BH, CH).
        const Operand e = Operand::r(1, w);            // CL / CX / ECX
        const Operand g = Operand::r(b ? 6 : 2, w);    // DH / DX / EDX
        const Operand same = Operand::r(b ? 7 : 5, w); // BH / BP / EBP
        const Operand g2 = Operand::r(b ? 4 : 6, w);   // AH / SI / ESI
        const Operand e2 = Operand::r(b ? 3 : 7, w);   // BL / DI / EDI
        const Operand mem = Operand::m(w);
        const Operand imm_rm = Operand::r(b ? 5 : 7, w);  // CH / DI / EDI
        for (const BinaryOp& op : kBinary) {
            const std::uint8_t eg = static_cast<std::uint8_t>(op.code * 8 + (b ? 0 : 1));
            const std::uint8_t ge = static_cast<std::uint8_t>(eg + 2), acc = static_cast<std::uint8_t>(eg + 4);
            auto two = [&](Operand d, Operand s) { return std::string(op.name) + " " + operand_name(d) + ", " + operand_name(s); };
            add(forms, integer_form(two(e, g), w, {eg, modrm_for(g.reg, e)}), op.logical);
            add(forms, integer_form(two(same, same), w, {eg, modrm_for(same.reg, same)}), op.logical);
            add(forms, integer_form(two(g2, e2), w, {ge, modrm_for(g2.reg, e2)}), op.logical);
            add(forms, integer_form(two(mem, g), w, {eg, modrm_for(g.reg, mem)}, 0, true), op.logical);
            add(forms, integer_form(two(g, mem), w, {ge, modrm_for(g.reg, mem)}, 0, true), op.logical);
            add(forms, integer_form(std::string(op.name) + " " + reg_name(w, 0) + ", imm" + std::to_string(w), w, {acc}, imm),
                op.logical);
            const std::uint8_t grp = b ? 0x80 : 0x81;
            add(forms, integer_form(std::string(op.name) + " " + operand_name(imm_rm) + ", imm" + std::to_string(w), w,
                                    {grp, modrm_for(op.code, imm_rm)}, imm),
                op.logical);
            add(forms, integer_form(std::string(op.name) + " " + operand_name(mem) + ", imm" + std::to_string(w), w,
                                    {grp, modrm_for(op.code, mem)}, imm, true),
                op.logical);
            if (!b) {  // 83 /op: a sign-extended imm8
                add(forms, integer_form(std::string(op.name) + " " + operand_name(g2) + ", simm8", w,
                                        {0x83, modrm_for(op.code, g2)}, 1),
                    op.logical);
            }
        }
        // TEST: flags as AND, nothing written.
        const std::uint8_t test = b ? 0x84 : 0x85, test_acc = b ? 0xA8 : 0xA9, grp3 = b ? 0xF6 : 0xF7;
        add(forms, integer_form("test " + operand_name(e) + ", " + operand_name(g), w, {test, modrm_for(g.reg, e)}), true);
        add(forms, integer_form("test " + operand_name(same) + ", " + operand_name(same), w, {test, modrm_for(same.reg, same)}), true);
        add(forms, integer_form("test " + operand_name(mem) + ", " + operand_name(g), w, {test, modrm_for(g.reg, mem)}, 0, true), true);
        add(forms, integer_form("test " + reg_name(w, 0) + ", imm" + std::to_string(w), w, {test_acc}, imm), true);
        add(forms, integer_form("test " + operand_name(imm_rm) + ", imm" + std::to_string(w), w, {grp3, modrm_for(0, imm_rm)}, imm), true);
        add(forms, integer_form("test " + operand_name(mem) + ", imm" + std::to_string(w), w, {grp3, modrm_for(0, mem)}, imm, true), true);
        // F6/F7 /1: not in the SDM's opcode map, decoded as TEST by Intel and AMD parts alike
        // (and by the emulator, opcode_table.inc "UNDOC: /1 aliases /0").
        add(forms, integer_form("test(/1) " + operand_name(imm_rm) + ", imm" + std::to_string(w), w, {grp3, modrm_for(1, imm_rm)}, imm), true);
        // NOT (no flags), NEG (all defined: CF = operand != 0), INC/DEC (CF unchanged).
        const std::uint8_t grp45 = b ? 0xFE : 0xFF;
        struct Unary { const char* name; std::uint8_t opcode; unsigned reg; };
        const Unary unary[] = {{"not", grp3, 2}, {"neg", grp3, 3}, {"inc", grp45, 0}, {"dec", grp45, 1}};
        for (const Unary& u : unary) {
            add(forms, integer_form(std::string(u.name) + " " + operand_name(e), w, {u.opcode, modrm_for(u.reg, e)}), false);
            add(forms, integer_form(std::string(u.name) + " " + operand_name(g), w, {u.opcode, modrm_for(u.reg, g)}), false);
            add(forms, integer_form(std::string(u.name) + " " + operand_name(mem), w, {u.opcode, modrm_for(u.reg, mem)}, 0, true), false);
        }
    }
    // ADC r, r on every register pair (ESP aside) in 8 and 32 bits: each ModRM register encoding
    // as source and destination, the byte halves included, with a carry in.
    for (unsigned w : {8u, 32u})
        for (unsigned d = 0; d < 8; ++d)
            for (unsigned s = 0; s < 8; ++s) {
                if (w == 32 && (d == 4 || s == 4)) continue;
                add(forms, integer_form("adc " + reg_name(w, d) + ", " + reg_name(w, s), w,
                                        {static_cast<std::uint8_t>(w == 8 ? 0x10 : 0x11), modrm_rr(s, d)}),
                    false);
            }
    return std::make_unique<IntegerFamily>("alu", std::move(forms));
}

}  // namespace differential
