// x86emu differential tests — the "shift" family: ROL ROR RCL RCR SHL SHR SAL SAR by 1 (D0/D1),
// by CL (D2/D3) and by imm8 (C0/C1), and SHLD/SHRD by imm8 and CL. Counts and flags: Intel SDM
// vol. 2 "RCL/RCR/ROL/ROR", "SAL/SAR/SHL/SHR", "SHLD", "SHRD": the count is masked to five bits;
// a masked count of 0 changes nothing; OF is defined only for a masked count of 1; shifts leave
// AF undefined; SHL/SHR leave CF undefined for counts >= the operand width; rotates never touch
// SF ZF AF PF; SHLD/SHRD with a count above the operand width leave the result and every flag
// undefined. /6 (SAL) is the undocumented alias of /4 the hardware decodes as SHL.
#include "integer_family.hpp"

namespace differential {

namespace {

constexpr std::uint32_t kCF = 0x1, kPF = 0x4, kAF = 0x10, kZF = 0x40, kSF = 0x80, kOF = 0x800;

enum class CountFrom : std::uint8_t { One, CL, Imm };

unsigned raw_count(CountFrom from, const Case& c) {
    return from == CountFrom::One ? 1u : from == CountFrom::CL ? (c.in.gpr[1] & 0xFF) : (c.imm & 0xFF);
}

Shaper count_shaper(CountFrom from) {
    if (from == CountFrom::One) return {};
    return [from](Rng& rng, Case& c) {
        std::uint32_t n = count_value(rng);
        if (from == CountFrom::CL) c.in.gpr[1] = (c.in.gpr[1] & ~0xFFu) | n;
        else c.imm = n;
    };
}

struct ShiftOp {
    const char* name;
    unsigned reg;  // the group-2 reg field
    bool rotate;
};
constexpr ShiftOp kOps[] = {{"rol", 0, true},  {"ror", 1, true},  {"rcl", 2, true},  {"rcr", 3, true},
                            {"shl", 4, false}, {"shr", 5, false}, {"sal", 6, false}, {"sar", 7, false}};

UndefinedRule shift_rule(ShiftOp op, unsigned width, CountFrom from) {
    return [op, width, from](const Case& c) {
        Undefined u;
        unsigned n = raw_count(from, c) & 0x1F;
        if (n == 0) return u;  // nothing changes, nothing is undefined
        if (n != 1) u.flags |= kOF;
        if (!op.rotate) {
            u.flags |= kAF;
            // CF is undefined for SHL and SHR counts >= the width; SAR's CF is the sign (defined).
            if (op.reg != 7 && n >= width) u.flags |= kCF;
        }
        return u;
    };
}

UndefinedRule double_shift_rule(unsigned width, CountFrom from, Operand dest) {
    return [width, from, dest](const Case& c) {
        Undefined u;
        unsigned n = raw_count(from, c) & 0x1F;
        if (n == 0) return u;
        if (n > width) {  // "bad parameters": result and flags undefined
            u.flags = kCF | kPF | kAF | kZF | kSF | kOF;
            u.operand(dest);
            return u;
        }
        u.flags = kAF | (n != 1 ? kOF : 0);
        return u;
    };
}

}  // namespace

std::unique_ptr<Family> make_shift_family() {
    std::vector<IntegerForm> forms;
    for (unsigned w : {8u, 16u, 32u}) {
        const bool b = w == 8;
        const Operand reg = Operand::r(b ? 6 : 2, w);  // DH / DX / EDX (not CL: that is the count)
        const Operand mem = Operand::m(w);
        for (const ShiftOp& op : kOps) {
            struct Variant { CountFrom from; Operand dest; };
            const Variant variants[] = {{CountFrom::One, reg}, {CountFrom::CL, reg}, {CountFrom::Imm, reg},
                                        {CountFrom::CL, mem},  {CountFrom::Imm, mem}, {CountFrom::One, mem}};
            for (const Variant& v : variants) {
                std::uint8_t opcode = v.from == CountFrom::One ? 0xD0 : v.from == CountFrom::CL ? 0xD2 : 0xC0;
                if (!b) ++opcode;
                const char* count = v.from == CountFrom::One ? "1" : v.from == CountFrom::CL ? "cl" : "imm8";
                IntegerForm f = integer_form(std::string(op.name) + " " + operand_name(v.dest) + ", " + count, w,
                                             {opcode, modrm_for(op.reg, v.dest)}, v.from == CountFrom::Imm ? 1 : 0,
                                             v.dest.is_mem());
                f.shape = count_shaper(v.from);
                f.undefined = shift_rule(op, w, v.from);
                forms.push_back(std::move(f));
            }
        }
    }
    // SHLD/SHRD Ev, Gv, Ib|CL (0F A4/A5, 0F AC/AD).
    for (unsigned w : {16u, 32u}) {
        const Operand dest_reg = Operand::r(7, w), fill = Operand::r(6, w), mem = Operand::m(w);  // EDI, ESI
        for (bool left : {true, false}) {
            for (CountFrom from : {CountFrom::Imm, CountFrom::CL}) {
                for (Operand dest : {dest_reg, mem}) {
                    std::uint8_t opcode = static_cast<std::uint8_t>((left ? 0xA4 : 0xAC) + (from == CountFrom::CL ? 1 : 0));
                    IntegerForm f = integer_form(std::string(left ? "shld " : "shrd ") + operand_name(dest) + ", " +
                                                     operand_name(fill) + (from == CountFrom::CL ? ", cl" : ", imm8"),
                                                 w, {0x0F, opcode, modrm_for(fill.reg, dest)},
                                                 from == CountFrom::Imm ? 1 : 0, dest.is_mem());
                    f.shape = count_shaper(from);
                    f.undefined = double_shift_rule(w, from, dest);
                    forms.push_back(std::move(f));
                }
            }
        }
    }
    return std::make_unique<IntegerFamily>("shift", std::move(forms));
}

}  // namespace differential
