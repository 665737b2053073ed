// x86emu differential tests — the "bit" family: BT BTS BTR BTC (register and immediate bit
// offsets, register and memory operands), BSF/BSR, BSWAP, SETcc and CMOVcc. Intel SDM vol. 2
// under each mnemonic: BTx define CF only (ZF unaffected; OF SF AF PF undefined); a register bit
// offset addresses memory beyond the operand (bit-string addressing) while an immediate one is
// taken modulo the width; BSF/BSR define ZF only, and leave the destination undefined for a
// zero source; SETcc, CMOVcc and BSWAP touch no flag (BSWAP of a 16-bit register is undefined
// and not tested). Condition codes: SDM vol. 1 Appendix B.
#include "integer_family.hpp"

namespace differential {

namespace {

constexpr std::uint32_t kCF = 0x1, kPF = 0x4, kAF = 0x10, kSF = 0x80, kOF = 0x800;
constexpr const char* kConditions[16] = {"o", "no", "b", "ae", "e", "ne", "be", "a",
                                         "s", "ns", "p", "np", "l", "ge", "le", "g"};

// A bit offset for a memory operand: signed and small enough that the accessed unit stays in
// State::mem on both sides ([-256, 255] bits is -32..+31 bytes around EBX).
Shaper memory_bit_offset(Operand offset) {
    return [offset](Rng& rng, Case& c) {
        std::int32_t bit = rng.chance(50) ? static_cast<std::int32_t>(rng.below(64)) : static_cast<std::int32_t>(rng.below(512)) - 256;
        write_operand(c.in, offset, static_cast<std::uint32_t>(bit));
    };
}

// A register bit offset: mostly 0..width+8, sometimes anything (only the low bits count).
Shaper register_bit_offset(Operand offset) {
    return [offset](Rng& rng, Case& c) {
        if (rng.chance(70)) write_operand(c.in, offset, rng.below(offset.width + 9));
    };
}

// A scan source: zero, one bit, or an edge value.
Shaper scan_source(Operand src) {
    return [src](Rng& rng, Case& c) {
        switch (rng.below(4)) {
        case 0: write_operand(c.in, src, 0); break;
        case 1: write_operand(c.in, src, 1u << rng.below(src.width)); break;
        default: break;
        }
    };
}

}  // namespace

std::unique_ptr<Family> make_bit_family() {
    std::vector<IntegerForm> forms;
    struct BitOp { const char* name; std::uint8_t opcode_eg; unsigned reg_ib; };
    const BitOp ops[] = {{"bt", 0xA3, 4}, {"bts", 0xAB, 5}, {"btr", 0xB3, 6}, {"btc", 0xBB, 7}};
    for (unsigned w : {16u, 32u}) {
        const Operand base = Operand::r(7, w), offset = Operand::r(6, w), mem = Operand::m(w);  // EDI, ESI
        for (const BitOp& op : ops) {
            IntegerForm rr = integer_form(std::string(op.name) + " " + operand_name(base) + ", " + operand_name(offset), w,
                                          {0x0F, op.opcode_eg, modrm_for(offset.reg, base)});
            rr.shape = register_bit_offset(offset);
            rr.undefined = flags_undefined(kOF | kSF | kAF | kPF);
            forms.push_back(std::move(rr));
            IntegerForm mr = integer_form(std::string(op.name) + " " + operand_name(mem) + ", " + operand_name(offset), w,
                                          {0x0F, op.opcode_eg, modrm_for(offset.reg, mem)}, 0, true);
            mr.shape = memory_bit_offset(offset);
            mr.undefined = flags_undefined(kOF | kSF | kAF | kPF);
            forms.push_back(std::move(mr));
            for (Operand o : {base, mem}) {
                IntegerForm ib = integer_form(std::string(op.name) + " " + operand_name(o) + ", imm8", w,
                                              {0x0F, 0xBA, modrm_for(op.reg_ib, o)}, 1, o.is_mem());
                ib.shape = [](Rng& rng, Case& c) { c.imm = rng.chance(70) ? rng.below(40) : rng.below(256); };
                ib.undefined = flags_undefined(kOF | kSF | kAF | kPF);
                forms.push_back(std::move(ib));
            }
        }
        // BSF/BSR Gv, Ev.
        const Operand dest = Operand::r(2, w), src = Operand::r(1, w);  // EDX, ECX
        for (bool reverse : {false, true}) {
            for (Operand o : {src, mem}) {
                IntegerForm f = integer_form(std::string(reverse ? "bsr " : "bsf ") + operand_name(dest) + ", " + operand_name(o),
                                             w, {0x0F, static_cast<std::uint8_t>(reverse ? 0xBD : 0xBC), modrm_for(dest.reg, o)},
                                             0, o.is_mem());
                f.shape = scan_source(o);
                f.undefined = [dest, o](const Case& c) {
                    Undefined u;
                    u.flags = kCF | kOF | kSF | kAF | kPF;
                    if (read_operand(c.in, o) == 0) u.operand(dest);
                    return u;
                };
                forms.push_back(std::move(f));
            }
        }
        // CMOVcc Gv, Ev (the P6's addition): register forms in both widths, memory in 32 bits.
        for (unsigned cc = 0; cc < 16; ++cc) {
            for (Operand o : {src, mem}) {
                if (o.is_mem() && w == 16) continue;
                forms.push_back(integer_form("cmov" + std::string(kConditions[cc]) + " " + operand_name(dest) + ", " + operand_name(o),
                                             w, {0x0F, static_cast<std::uint8_t>(0x40 + cc), modrm_for(dest.reg, o)}, 0,
                                             o.is_mem(), x86emu::CpuModel::p6));
            }
        }
    }
    // SETcc Eb: DH for every condition, and one memory form.
    for (unsigned cc = 0; cc < 16; ++cc)
        forms.push_back(integer_form("set" + std::string(kConditions[cc]) + " dh", 8,
                                     {0x0F, static_cast<std::uint8_t>(0x90 + cc), modrm_rr(0, 6)}));
    forms.push_back(integer_form("setle byte [ebx]", 8, {0x0F, 0x9E, modrm_mem(0)}, 0, true));
    // BSWAP r32 (486), every register but ESP.
    for (unsigned r = 0; r < 8; ++r) {
        if (r == 4) continue;
        forms.push_back(integer_form("bswap " + reg_name(32, r), 32, {0x0F, static_cast<std::uint8_t>(0xC8 + r)}, 0, false,
                                     x86emu::CpuModel::i80486));
    }
    return std::make_unique<IntegerFamily>("bit", std::move(forms));
}

}  // namespace differential
