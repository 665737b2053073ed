// x86emu differential tests — the "muldiv" family: MUL, IMUL (one operand F6/F7 /5, two
// operands 0F AF, three operands 69 and 6B), DIV and IDIV. Intel SDM vol. 2 "MUL", "IMUL",
// "DIV", "IDIV": MUL and IMUL define only CF and OF (SF ZF AF PF undefined); DIV and IDIV leave
// every status flag undefined and raise #DE for a zero divisor or a quotient outside the
// destination (IDIV: the signed range, so a quotient of -2^(w-1) is valid).
#include "integer_family.hpp"

namespace differential {

namespace {

constexpr std::uint32_t kSZAP = 0x80 | 0x40 | 0x10 | 0x4;
constexpr std::uint32_t kAllStatus = kStatusFlags;

std::uint64_t mask64(unsigned width) { return width == 32 ? 0xFFFFFFFFull : (1ull << width) - 1; }
std::int64_t sign_extend(std::uint64_t v, unsigned width) {
    const std::uint64_t sign = 1ull << (width - 1);
    v &= mask64(width);
    return static_cast<std::int64_t>((v ^ sign) - sign);
}

// The implicit dividend: AX for bytes, DX:AX for words, EDX:EAX for dwords.
void set_dividend(Case& c, unsigned width, std::uint64_t v) {
    if (width == 8) {
        write_operand(c.in, Operand::r(0, 16), static_cast<std::uint32_t>(v));
    } else {
        write_operand(c.in, Operand::r(0, width), static_cast<std::uint32_t>(v));
        write_operand(c.in, Operand::r(2, width), static_cast<std::uint32_t>(v >> width));
    }
}

// Mostly valid divisions built from (quotient, divisor, remainder), so quotients cover their
// edge values; some with a zero divisor, some overflowing, some left as generated.
Shaper divide_shaper(unsigned width, Operand divisor, bool is_signed) {
    return [=](Rng& rng, Case& c) {
        const unsigned roll = rng.below(100);
        if (roll < 5) {
            write_operand(c.in, divisor, 0);
            return;
        }
        if (roll < 12) return;  // as generated: the high half usually makes the quotient overflow
        if (is_signed && roll < 17) {  // the one overflow that is not a big dividend: min / -1
            write_operand(c.in, divisor, static_cast<std::uint32_t>(mask64(width)));
            set_dividend(c, width, static_cast<std::uint64_t>(sign_extend(1ull << (width - 1), width)));
            return;
        }
        std::uint64_t d = edge_value(rng, width);
        if (d == 0) d = 1;
        std::uint64_t q = edge_value(rng, width);
        if (!is_signed) {
            std::uint64_t r = rng.next64() % d;
            set_dividend(c, width, q * d + r);
        } else {
            std::int64_t sd = sign_extend(d, width), sq = sign_extend(q, width);
            std::int64_t product = sq * sd;  // |product| <= 2^62
            std::int64_t r = static_cast<std::int64_t>(rng.next64() % static_cast<std::uint64_t>(sd < 0 ? -sd : sd));
            // The remainder takes the dividend's sign (truncating division).
            if (product < 0 || (product == 0 && rng.chance(50))) r = -r;
            set_dividend(c, width, static_cast<std::uint64_t>(product + r));
        }
        write_operand(c.in, divisor, static_cast<std::uint32_t>(d));
    };
}

}  // namespace

std::unique_ptr<Family> make_muldiv_family() {
    std::vector<IntegerForm> forms;
    for (unsigned w : {8u, 16u, 32u}) {
        const bool b = w == 8;
        const std::uint8_t grp3 = b ? 0xF6 : 0xF7;
        const Operand src = Operand::r(b ? 5 : 1, w);  // CH / CX / ECX: clear of the implicit operands
        for (Operand o : {src, Operand::m(w)}) {
            IntegerForm mul = integer_form("mul " + operand_name(o), w, {grp3, modrm_for(4, o)}, 0, o.is_mem());
            mul.undefined = flags_undefined(kSZAP);
            forms.push_back(std::move(mul));
            IntegerForm imul = integer_form("imul " + operand_name(o), w, {grp3, modrm_for(5, o)}, 0, o.is_mem());
            imul.undefined = flags_undefined(kSZAP);
            forms.push_back(std::move(imul));
            for (bool is_signed : {false, true}) {
                IntegerForm div = integer_form(std::string(is_signed ? "idiv " : "div ") + operand_name(o), w,
                                               {grp3, modrm_for(is_signed ? 7 : 6, o)}, 0, o.is_mem());
                div.shape = divide_shaper(w, o, is_signed);
                div.undefined = flags_undefined(kAllStatus);
                forms.push_back(std::move(div));
            }
        }
        if (b) continue;
        const Operand dest = Operand::r(2, w), dest3 = Operand::r(6, w), src3 = Operand::r(7, w);  // EDX; ESI, EDI
        for (Operand o : {src, Operand::m(w)}) {
            IntegerForm two = integer_form("imul " + operand_name(dest) + ", " + operand_name(o), w,
                                           {0x0F, 0xAF, modrm_for(dest.reg, o)}, 0, o.is_mem());
            two.undefined = flags_undefined(kSZAP);
            forms.push_back(std::move(two));
        }
        for (Operand o : {src3, Operand::m(w)}) {
            IntegerForm iz = integer_form("imul " + operand_name(dest3) + ", " + operand_name(o) + ", imm" + std::to_string(w),
                                          w, {0x69, modrm_for(dest3.reg, o)}, w / 8, o.is_mem());
            iz.undefined = flags_undefined(kSZAP);
            forms.push_back(std::move(iz));
            IntegerForm ib = integer_form("imul " + operand_name(dest3) + ", " + operand_name(o) + ", simm8", w,
                                          {0x6B, modrm_for(dest3.reg, o)}, 1, o.is_mem());
            ib.undefined = flags_undefined(kSZAP);
            forms.push_back(std::move(ib));
        }
    }
    return std::make_unique<IntegerFamily>("muldiv", std::move(forms));
}

}  // namespace differential
