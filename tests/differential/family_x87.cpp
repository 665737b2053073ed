// x86emu differential tests — the x87 families: real x87 instruction bytes through the whole
// emulator (decoder, handlers, register stack, status word, memory formats) against the same
// bytes on the host's FPU. Every form is
//   FNINIT; FRSTOR [ebx]; <the instruction(s) under test>; FNSAVE [ebx+144]
// so one 108-byte image sets the whole initial state (control word with RC/PC/masks, status word
// with TOP and sticky flags, tags, all eight registers) and another captures the final one.
// FNSAVE is non-waiting and reinitialises the FPU, so an unmasked exception raised by the
// instruction under test stays pending (ES, B) without trapping on the host, and nothing leaks
// into the next case. The emulator runs with CR0.NE = 1: a #MF would show up as vector 16.
// Intel SDM vol. 1 §8.1 (FPU state, figure 8-4 status word, 8-6 control word, 8-7 tag word),
// §8.1.10 and figure 8-10 (the 32-bit protected-mode FSAVE image), §8.2 (formats), §8.5 (exception
// conditions), §8.6 (synchronisation, non-waiting instructions); vol. 2 each instruction's
// "FPU Flags Affected" (which of C0-C3 are undefined) and Appendix A.4 (escape opcode maps);
// vol. 1 §8.1.9/§8.1.9.1 (FOP, and the Pentium 4's fopcode compatibility sub-mode, which decides
// where FOP can be compared on an Intel host). Host-vendor masks: docs/DIFFERENTIAL.md.
// The host runs these bytes in 64-bit mode, where FNSAVE/FRSTOR without REX.W use the same
// 32-bit protected-mode layout (SDM vol. 1 §8.1.10, vol. 2 FSAVE "64-bit mode" note).
#include "x87_family.hpp"

#include <algorithm>
#include <cstdio>

#include "../common/host_cpu.hpp"
#include "integer_family.hpp"

namespace differential {

namespace {

// Offsets from the base register (EBX) in the memory block.
constexpr unsigned kImageIn = 0;     // FRSTOR source
constexpr unsigned kOp = 112;        // the memory operand (up to 10 bytes; also store destinations)
constexpr unsigned kOp2 = 124;       // a second memory operand (sequences)
constexpr unsigned kImageOut = 144;  // FNSAVE destination
constexpr unsigned kImageBytes = 108;
constexpr unsigned kRegs = 28;       // ST(0)..ST(7), ten bytes each, in stack order
static_assert(kMemBase + kImageOut + kImageBytes <= kMemBytes, "the FNSAVE image must fit the block");

constexpr std::uint16_t kC0 = 0x0100, kC1 = 0x0200, kC2 = 0x0400, kC3 = 0x4000;
constexpr std::uint16_t kC023 = kC0 | kC2 | kC3, kCAll = kC023 | kC1;

// What the generator puts at kOp / kOp2 (random bytes otherwise: store destinations).
enum class Mem : std::uint8_t { Random, F32, F64, F80, I16, I32, I64, Bcd, Cw, CwMasked };

// How ST(0)/ST(1) are biased for a form (the domain where the instruction does something
// interesting), on top of the general edge-biased values.
enum class Shape : std::uint8_t { None, Integer, Scale, Sqrt, Exp, Log, Log1p, Trig, Atan, Prem };

struct X87Form {
    Form form;
    Mem op1 = Mem::Random, op2 = Mem::Random;
    std::uint16_t c_undefined = kC023;  // condition codes the SDM leaves undefined after it
    Shape shape = Shape::None;
    bool masked_only = false;  // a later instruction is waiting: keep all exceptions masked
    bool tolerance = false;    // transcendental: results may differ by 1 ulp (docs/CONFORMANCE.md)
    bool compare_codes = false;  // FCOM family: C3 C2 C0 carry the comparison
    bool to_eflags = false;      // FCOMI family: ZF PF CF carry it
    bool no_check_empty = false; // D9 D8+i: the host's undocumented form (see compare())
    bool load_denormal = false;  // FLD m32/m64: see compare(), host difference (5)
    // FPREM/FPREM1 (ST(1) infinite) and FSCALE (ST(1) zero) return ST(0) itself: host difference (7)
    enum class Identity : std::uint8_t { None, RemainderByInfinity, ScaleByZero } identity = Identity::None;
    // FSIN, FSINCOS, FPTAN and FPATAN(y, +1) of a tiny argument, which Intel returns unrounded:
    // host difference (8)
    enum class Tiny : std::uint8_t { None, Sin, Sincos, Tan, Atan } tiny = Tiny::None;
    bool exact_log = false;  // FYL2X: host difference (9)
};

struct F80 {
    std::uint64_t sig = 0;
    std::uint16_t se = 0;  // sign and exponent
    unsigned exponent() const { return se & 0x7FFFu; }
};

// ---- value generators --------------------------------------------------------------------------

std::uint64_t normal_sig(Rng& r) {
    switch (r.below(6)) {
    case 0: return 0x8000000000000000ull;                        // a power of two
    case 1: return ~0ull;                                        // all ones: rounds up to the next binade
    case 2: return 0x8000000000000000ull | r.below(4096);        // just above a power of two
    case 3: return 0x8000000000000000ull | (r.next64() & 0xFFFFFFFFFF000000ull);  // short (exact in fewer bits)
    default: return 0x8000000000000000ull | r.next64();
    }
}

// An extended value with edge bias. `unsupported`: also pseudo-denormals, unnormals, pseudo-
// infinities and pseudo-NaNs (encodings only an m80 load can bring in, SDM vol. 1 §8.2.2).
F80 f80_value(Rng& r, bool unsupported) {
    const std::uint16_t sign = r.chance(50) ? 0x8000 : 0;
    const std::uint64_t m = r.next64();
    auto make = [&](std::uint64_t sig, unsigned exp) { return F80{sig, static_cast<std::uint16_t>(sign | exp)}; };
    switch (r.below(unsupported ? 22 : 19)) {
    case 0: return make(0, 0);
    case 1: return make(std::max<std::uint64_t>(1, (m & 0x7FFFFFFFFFFFFFFFull) >> r.below(63)), 0);  // denormal
    case 2: return make(0x8000000000000000ull, 0x7FFF);                                              // infinity
    case 3: return r.chance(30) ? F80{0xC000000000000000ull, 0xFFFF}                                 // indefinite
                                : make(0xC000000000000000ull | (m & 0x3FFFFFFFFFFFFFFFull), 0x7FFF);  // QNaN
    case 4: return make(0x8000000000000000ull | std::max<std::uint64_t>(1, m & 0x3FFFFFFFFFFFFFFFull >> r.below(62)), 0x7FFF);  // SNaN
    case 5: return make(normal_sig(r), 0x7FFE - r.below(3));  // near overflow
    case 6: return make(normal_sig(r), 1 + r.below(3));       // near underflow
    case 7: return make(normal_sig(r), 16382 + r.below(3));   // around 1
    case 8: {                                                 // a small integer
        std::uint64_t k = 1 + r.below(1000);
        int msb = 63 - __builtin_clzll(k);
        return make(k << (63 - msb), static_cast<unsigned>(16383 + msb));
    }
    case 9: return make(normal_sig(r), 16383 + r.below(66));  // the integer range (FIST, FBSTP, FRNDINT)
    case 10: {                                                // k + 1/2: rounding ties
        std::uint64_t k = r.below(1000) * 2 + 1;              // (2k+1)/2
        int msb = 63 - __builtin_clzll(k);
        return make(k << (63 - msb), static_cast<unsigned>(16382 + msb));
    }
    case 11: return make(normal_sig(r), 16383 + (r.chance(50) ? 126 + r.below(4) : -(126 + static_cast<int>(r.below(26)))));  // single limits
    case 12: return make(normal_sig(r), 16383 + (r.chance(50) ? 1022 + r.below(4) : -(1022 + static_cast<int>(r.below(55)))));  // double limits
    case 13: return make(normal_sig(r), 1 + r.below(0x7FFE));  // anywhere
    case 19: return make(0x8000000000000000ull | m, 0);         // pseudo-denormal
    case 20: return make(m & 0x7FFFFFFFFFFFFFFFull, 1 + r.below(0x7FFE));  // unnormal (or pseudo-zero)
    case 21: return make(m & 0x7FFFFFFFFFFFFFFFull, 0x7FFF);    // pseudo-infinity / pseudo-NaN
    default: return make(normal_sig(r), 16383 - 40 + r.below(80));  // ordinary
    }
}

// An IEEE single or double (ExponentBits, FractionBits) with edge bias.
template <unsigned E, unsigned F>
std::uint64_t ieee_value(Rng& r) {
    constexpr std::uint64_t frac_mask = (std::uint64_t{1} << F) - 1, quiet = std::uint64_t{1} << (F - 1);
    constexpr unsigned emax = (1u << E) - 1, bias = emax >> 1;
    const std::uint64_t sign = r.chance(50) ? std::uint64_t{1} << (E + F) : 0;
    std::uint64_t frac = r.next64() & frac_mask;
    unsigned exp;
    switch (r.below(12)) {
    case 0: exp = 0; frac = 0; break;
    case 1: exp = 0; frac = std::max<std::uint64_t>(1, frac >> r.below(F)); break;  // denormal
    case 2: exp = emax; frac = 0; break;                                             // infinity
    case 3: exp = emax; frac |= quiet; break;                                        // QNaN
    case 4: exp = emax; frac = std::max<std::uint64_t>(1, frac & (quiet - 1)); break;  // SNaN
    case 5: exp = emax - 1 - r.below(2); if (r.chance(50)) frac = frac_mask; break;  // near the largest
    case 6: exp = 1 + r.below(2); break;                                             // near the smallest normal
    case 7: exp = bias - 1 + r.below(3); frac &= r.chance(50) ? 0xFF : frac_mask; break;  // around 1
    case 8: exp = bias + r.below(F + 2); frac &= ~(frac_mask >> r.below(F)); break;  // integers and halves
    default: exp = bias - 40 + r.below(80); break;
    }
    return sign | (std::uint64_t{exp} << F) | frac;
}

std::uint64_t int_value(Rng& r, unsigned width) {
    const std::uint64_t mask = width == 64 ? ~0ull : (std::uint64_t{1} << width) - 1;
    const std::uint64_t sign = std::uint64_t{1} << (width - 1);
    switch (r.below(8)) {
    case 0: return 0;
    case 1: return r.below(10);
    case 2: return (0 - std::uint64_t{r.below(10)}) & mask;
    case 3: return sign;       // the minimum: also the integer indefinite
    case 4: return sign - 1;   // the maximum
    case 5: return (std::uint64_t{1} << r.below(width)) & mask;
    default: return r.next64() & (mask >> r.below(width));
    }
}

void put(State& s, unsigned offset, std::uint64_t v, unsigned bytes) {
    for (unsigned k = 0; k < bytes; ++k) s.mem[kMemBase + offset + k] = static_cast<std::uint8_t>(v >> (8 * k));
}
std::uint64_t get(const State& s, unsigned offset, unsigned bytes) {
    std::uint64_t v = 0;
    for (unsigned k = 0; k < bytes; ++k) v |= std::uint64_t{s.mem[kMemBase + offset + k]} << (8 * k);
    return v;
}
void put_f80(State& s, unsigned offset, F80 v) {
    put(s, offset, v.sig, 8);
    put(s, offset + 8, v.se, 2);
}
F80 get_f80(const State& s, unsigned offset) {
    return F80{get(s, offset, 8), static_cast<std::uint16_t>(get(s, offset + 8, 2))};
}

std::uint16_t control_word(Rng& r, bool masked_only) {
    unsigned masks;
    if (masked_only) masks = 0x3F;
    else switch (r.below(20)) {
        case 0: case 1: case 2: case 3: masks = 0x00; break;              // all unmasked
        case 4: case 5: case 6: case 7: case 8: masks = r.below(64); break;
        default: masks = 0x3F; break;
        }
    static constexpr unsigned kPc[10] = {3, 3, 3, 3, 3, 2, 2, 0, 0, 1};  // 1 is reserved
    return static_cast<std::uint16_t>(masks | 0x40 | (kPc[r.below(10)] << 8) | (r.below(4) << 10));
}

void operand(Rng& r, State& s, unsigned offset, Mem kind) {
    switch (kind) {
    case Mem::Random: break;  // the block is already random
    case Mem::F32: put(s, offset, ieee_value<8, 23>(r), 4); break;
    case Mem::F64: put(s, offset, ieee_value<11, 52>(r), 8); break;
    case Mem::F80: put_f80(s, offset, f80_value(r, r.chance(25))); break;
    case Mem::I16: put(s, offset, int_value(r, 16), 2); break;
    case Mem::I32: put(s, offset, int_value(r, 32), 4); break;
    case Mem::I64: put(s, offset, int_value(r, 64), 8); break;
    case Mem::Bcd: {  // 18 packed digits (valid: invalid digits give an undefined result) and a sign
        std::uint64_t digits = 0;
        const unsigned n = r.chance(20) ? 18 : r.below(19);
        for (unsigned k = 0; k < n; ++k) digits |= std::uint64_t{r.chance(10) ? 9u : r.below(10)} << (4 * k);
        put(s, offset, digits, 8);
        put(s, offset + 8, r.chance(50) ? 0x0000 : 0x8000, 2);
        break;
    }
    case Mem::Cw: put(s, offset, control_word(r, false), 2); break;
    case Mem::CwMasked: put(s, offset, control_word(r, true), 2); break;
    }
}

// The tag a register's contents imply (SDM vol. 1 §8.1.7): 0 valid, 1 zero, 2 special.
unsigned tag_of(F80 v) {
    const unsigned e = v.exponent();
    if (e == 0) return v.sig == 0 ? 1 : 2;
    if (e == 0x7FFF) return 2;
    return (v.sig >> 63) ? 0 : 2;
}

// ST(0)/ST(1) in the domain a form cares about.
F80 shaped(Rng& r, Shape shape, unsigned st) {
    const std::uint16_t sign = r.chance(50) ? 0x8000 : 0;
    auto make = [&](int exp, std::uint16_t sgn) { return F80{normal_sig(r), static_cast<std::uint16_t>(sgn | (16383 + exp))}; };
    switch (shape) {
    case Shape::Integer: return st == 0 ? make(static_cast<int>(r.below(66)) - 2, sign) : f80_value(r, false);
    case Shape::Scale:
        if (st == 1) {
            if (r.chance(20)) return make(14 + static_cast<int>(r.below(3)), sign);  // |n| around 2^15: out of range
            std::uint64_t k = 1 + r.below(70);
            int msb = 63 - __builtin_clzll(k);
            return F80{k << (63 - msb), static_cast<std::uint16_t>(sign | (16383 + msb))};
        }
        return f80_value(r, false);
    case Shape::Sqrt: return st == 0 ? make(static_cast<int>(r.below(200)) - 100, 0) : f80_value(r, false);
    case Shape::Exp: return st == 0 ? make(-static_cast<int>(r.below(70)) - 1, sign) : f80_value(r, false);
    case Shape::Log: return make(static_cast<int>(r.below(200)) - 100, st == 0 ? 0 : sign);
    case Shape::Log1p: return st == 0 ? make(-static_cast<int>(r.below(70)) - 2, sign) : make(static_cast<int>(r.below(40)) - 20, sign);
    case Shape::Trig:
        if (st != 0) return f80_value(r, false);
        if (r.chance(10)) return make(63 + static_cast<int>(r.below(3)), sign);  // |x| >= 2^63: C2
        return make(static_cast<int>(r.below(75)) - 70, sign);
    case Shape::Atan: return make(static_cast<int>(r.below(80)) - 40, sign);
    case Shape::Prem: return st == 0 ? make(static_cast<int>(r.below(100)) - 10, sign) : make(static_cast<int>(r.below(40)) - 10, sign);
    case Shape::None: break;
    }
    return f80_value(r, false);
}

// ---- forms -------------------------------------------------------------------------------------

std::string hex(std::uint64_t v, int digits) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%0*llX", digits, static_cast<unsigned long long>(v));
    return buf;
}

std::vector<std::uint8_t> with_frame(const std::vector<std::uint8_t>& body) {
    std::vector<std::uint8_t> c = {0xDB, 0xE3, 0xDD, modrm(0, 4, 3)};  // fninit; frstor [ebx]
    c.insert(c.end(), body.begin(), body.end());
    c.insert(c.end(), {0xDD, modrm(2, 6, 3)});                          // fnsave [ebx+disp32]
    for (unsigned k = 0; k < 4; ++k) c.push_back(static_cast<std::uint8_t>(kImageOut >> (8 * k)));
    return c;
}

// esc /reg with [ebx+disp8].
std::vector<std::uint8_t> mem_form(std::uint8_t esc, unsigned reg, unsigned disp = kOp) {
    return {esc, modrm(1, reg, 3), static_cast<std::uint8_t>(disp)};
}

class X87Family final : public Family {
public:
    X87Family(std::string name, std::vector<X87Form> forms) : name_(std::move(name)), forms_(std::move(forms)) {}
    std::string_view name() const override { return name_; }
    std::size_t form_count() const override { return forms_.size(); }
    const Form& form(std::size_t index) const override { return forms_[index].form; }
    void generate(std::size_t index, Rng& rng, Case& c) const override;
    Verdict compare(std::size_t index, const Case& c, const Outcome& native, const Outcome& emulated) const override;

private:
    std::string name_;
    std::vector<X87Form> forms_;
};

void X87Family::generate(std::size_t index, Rng& r, Case& c) const {
    const X87Form& f = forms_[index];
    c = Case{};
    for (unsigned g = 0; g < 8; ++g) c.in.gpr[g] = g == 4 ? 0 : r.next32();
    c.in.eflags = r.next32() & kStatusFlags;
    for (auto& b : c.in.mem) b = static_cast<std::uint8_t>(r.next32());

    // The control word, and a status word with TOP, random C0-C3 and some sticky flags that the
    // control word masks (an unmasked one would be pending and trap the first waiting instruction).
    const std::uint16_t cw = control_word(r, f.masked_only);
    const unsigned top = r.below(8);
    std::uint16_t status = static_cast<std::uint16_t>((top << 11) | (r.next32() & kCAll));
    if (r.chance(30)) status = static_cast<std::uint16_t>(status | (r.below(64) & cw & 0x3F));
    if ((status & 1) && r.chance(50)) status |= 0x40;  // SF goes with IE

    // Which registers hold values: a stack of random depth (ST(0)..ST(d-1)), sometimes a random
    // pattern; values edge-biased, ST(0)/ST(1) shaped for the form.
    unsigned used = 0;
    if (r.chance(20)) {
        used = r.below(256);
    } else {
        static constexpr unsigned kDepth[12] = {0, 1, 2, 2, 3, 3, 4, 5, 6, 7, 8, 8};
        const unsigned d = kDepth[r.below(12)];
        used = (1u << d) - 1;
    }
    const bool wrong_tags = r.chance(15);  // non-empty tags that do not match the contents
    std::uint16_t tags = 0;
    for (unsigned st = 0; st < 8; ++st) {
        F80 v = (st < 2 && f.shape != Shape::None && r.chance(85)) ? shaped(r, f.shape, st) : f80_value(r, false);
        put_f80(c.in, kImageIn + kRegs + 10 * st, v);
        const unsigned phys = (top + st) & 7;
        const unsigned tag = !(used & (1u << st)) ? 3 : wrong_tags ? r.below(3) : tag_of(v);
        tags = static_cast<std::uint16_t>(tags | (tag << (2 * phys)));
    }
    put(c.in, kImageIn + 0, 0xFFFF0000u | cw, 4);
    put(c.in, kImageIn + 4, 0xFFFF0000u | status, 4);
    put(c.in, kImageIn + 8, 0xFFFF0000u | tags, 4);
    operand(r, c.in, kOp, f.op1);
    operand(r, c.in, kOp2, f.op2);
}

// Distance in units in the last place between two finite extended values of the same sign and
// class, or a large number. Across a binade boundary the smaller value's ulp is the unit.
std::uint64_t ulp_distance(F80 a, F80 b) {
    if ((a.se & 0x8000) != (b.se & 0x8000)) return ~0ull;
    if (a.exponent() == 0x7FFF || b.exponent() == 0x7FFF) return ~0ull;
    if (a.exponent() > b.exponent() || (a.exponent() == b.exponent() && a.sig > b.sig)) std::swap(a, b);
    if (a.exponent() == b.exponent()) return b.sig - a.sig;
    if (b.exponent() == a.exponent() + 1 && (a.sig >> 63) && (b.sig >> 63)) {
        // b - a in a's ulps: (2 * b.sig) - a.sig, where the doubled significand overflows 64 bits.
        const std::uint64_t b_low = b.sig & 0x7FFFFFFFFFFFFFFFull;  // b.sig - 2^63
        if (b_low > (1ull << 60)) return ~0ull;
        return 2 * b_low + (0 - a.sig);                                // 2^64 + 2*b_low - a.sig
    }
    return ~0ull;
}

std::string f80_text(F80 v) { return hex(v.se, 4) + ":" + hex(v.sig, 16); }

std::string image_text(const State& s, unsigned at) {
    std::string t = "CW=" + hex(get(s, at, 2), 4) + " SW=" + hex(get(s, at + 4, 2), 4) + " TW=" + hex(get(s, at + 8, 2), 4) +
                    " FOP=" + hex(get(s, at + 18, 2), 4) + "\n           ";
    for (unsigned st = 0; st < 8; ++st)
        t += "ST" + std::to_string(st) + "=" + f80_text(get_f80(s, at + kRegs + 10 * st)) + (st == 3 ? "\n           " : " ");
    return t;
}

// The host-vendor masks of compare(), by the names the run's summary counts them under.
constexpr const char* kMaskFstpnce = "(1) Intel+AMD: D9 D8+i with ST(0) empty (FSTPNCE)";
constexpr const char* kMaskIa = "(2) Intel+AMD: condition codes/EFLAGS set after an unmasked #IA";
constexpr const char* kMaskFcomiC1 = "(3) Intel+AMD: FCOMI/FUCOMI(P) leave C1";
constexpr const char* kMaskAmdFop = "(4) AMD: FOP 0 after a context switch without ES";
constexpr const char* kMaskFldDenormal = "(5) Intel+AMD: FLD m32/m64 denormal loaded with DE unmasked";
constexpr const char* kMaskIntelFop = "(6) Intel P4+: FOP recorded only with an unmasked exception";
constexpr const char* kMaskAmdIdentity = "(7) AMD: FPREM by infinity / FSCALE by 0 of a denormal rounded with UE unmasked";
constexpr const char* kMaskIntelTiny = "(8) Intel: FSIN/FSINCOS/FPTAN/FPATAN(y,1) of a tiny argument return it unrounded";

// The representable neighbour of a finite nonzero extended value (true denormal or normal), one
// step toward zero or away from it; across the denormal/normal boundary too (0000:7FFFFFFFFFFFFFFF
// and 0001:8000000000000000 are neighbours). A step toward zero from the smallest denormal is 0.
F80 neighbour(F80 v, bool toward_zero) {
    const std::uint16_t sign = v.se & 0x8000;
    const unsigned exp = v.exponent();
    constexpr std::uint64_t kIntBit = 0x8000000000000000ull;
    if (toward_zero) {
        if (exp == 0 || v.sig != kIntBit) return F80{v.sig - 1, v.se};
        return exp == 1 ? F80{kIntBit - 1, sign} : F80{~0ull, static_cast<std::uint16_t>(sign | (exp - 1))};
    }
    if (exp == 0) return v.sig + 1 == kIntBit ? F80{kIntBit, static_cast<std::uint16_t>(sign | 1)} : F80{v.sig + 1, v.se};
    return v.sig == ~0ull ? F80{kIntBit, static_cast<std::uint16_t>(sign | (exp + 1))} : F80{v.sig + 1, v.se};
}

// (8) Intel: for a tiny argument x the host returns x itself (FSIN, FSINCOS's sine, FPTAN's
// tangent, FPATAN(x, +1)), unrounded, with C1 = 0, in every RC (and cos x = 1, tan's pushed 1):
// docs/CONFORMANCE.md, "Small arguments returned unrounded" (below 2^-69 for sine, 2^-33 for the
// tangent, 2^-41 for FPATAN(y, 1), measured on Rocket Lake; the committed capture
// tests/unit/data/x87_transcendental_specials_intel.inc has the smallest normal and the
// denormals). The emulator rounds the exact value once (docs/X87_CHOICES.md): in the RC toward
// the exact value that is x's neighbour, which can be tiny where x is not (UE; wrapped by 2^24576
// when UE is unmasked), zero where x is the smallest denormal, or normal where x is the largest
// denormal, so the tag and UE then differ and not only the last bit. What the emulator must give
// instead of the host's x: the correct rounding of x (1 - e) (sine, arctangent) or x (1 + e)
// (tangent), 0 < e < 2^-65, which is x in round-to-nearest and its neighbour in the RC that
// points from x toward the exact value. Nothing if the case is not that pattern. FCOS needs no
// mask: cos x = 1 against our 1 - 2^-64 is a 1-ulp difference of a normal, which the tolerance
// covers (and FSINCOS's cosine likewise).
struct TinyExpectation {
    bool applies = false;
    unsigned reg = 0;         // the result's ST index in the FNSAVE image
    F80 result;               // the emulator's correctly rounded result
    bool tiny = false;        // its UE: tiny after rounding with an unbounded exponent
};
TinyExpectation tiny_expectation(X87Form::Tiny kind, const State& in, const State& host) {
    TinyExpectation t;
    if (kind == X87Form::Tiny::None) return t;
    const std::uint16_t cw = static_cast<std::uint16_t>(get(in, kImageIn, 2));
    const std::uint16_t sw_in = static_cast<std::uint16_t>(get(in, kImageIn + 4, 2));
    const unsigned top = (sw_in >> 11) & 7, tags = get(in, kImageIn + 8, 2);
    auto tag = [&](unsigned st) { return (tags >> (2 * ((top + st) & 7))) & 3; };
    const F80 one{0x8000000000000000ull, 0x3FFF};
    auto same = [](F80 a, F80 b) { return a.se == b.se && a.sig == b.sig; };
    // The argument, the threshold (its unbiased exponent must be below it) and where the host's
    // copy of it lands; FSINCOS/FPTAN push (ST(7) must be empty), FPATAN pops.
    F80 x = get_f80(in, kImageIn + kRegs);
    int below = -69;
    bool toward_zero = true;  // |sin x|, |atan x| < |x| < |tan x|
    switch (kind) {
    case X87Form::Tiny::Sin: t.reg = 0; break;
    case X87Form::Tiny::Sincos: t.reg = 1; break;
    case X87Form::Tiny::Tan: t.reg = 1; below = -33; toward_zero = false; break;
    case X87Form::Tiny::Atan:
        if (!same(x, one) || tag(1) == 3) return t;  // FPATAN(y, x) = atan(y / x): x = +1 only
        x = get_f80(in, kImageIn + kRegs + 10);
        below = -41;
        break;
    case X87Form::Tiny::None: return t;
    }
    if (tag(0) == 3 || ((kind == X87Form::Tiny::Sincos || kind == X87Form::Tiny::Tan) && tag(7) != 3)) return t;
    const bool denormal = x.exponent() == 0 && x.sig != 0 && !(x.sig >> 63);
    const bool normal = x.exponent() != 0 && x.exponent() != 0x7FFF && (x.sig >> 63);
    if (!(denormal || normal) || static_cast<int>(x.exponent()) - 16383 >= below) return t;
    if (denormal && !(cw & 0x02)) return t;  // unmasked DE: nothing is computed
    // The host's side of the pattern: x itself (and 1 beside it), C1 = 0, PE.
    const std::uint16_t sw_host = static_cast<std::uint16_t>(get(host, kImageOut + 4, 2));
    if (!same(get_f80(host, kImageOut + kRegs + 10 * t.reg), x) || (sw_host & kC1) || !(sw_host & 0x20)) return t;
    if (t.reg == 1 && !same(get_f80(host, kImageOut + kRegs), one)) return t;
    if (((sw_host & 0x10) != 0) != ((sw_in & 0x10) || denormal)) return t;  // UE: sticky, or x's own
    // The correct rounding. RC: 0 nearest, 1 down, 2 up, 3 toward zero.
    const unsigned rc = (cw >> 10) & 3;
    const bool negative = x.se & 0x8000;
    const bool moves = toward_zero ? (rc == 3 || (rc == 1 && !negative) || (rc == 2 && negative))
                                   : ((rc == 2 && !negative) || (rc == 1 && negative));
    // With an unbounded exponent (SDM vol. 1 §4.9.1.5: tininess after rounding so): x normalised
    // to a 64-bit significand s * 2^(e - 16383 - 63), then the neighbour.
    const int shift = denormal ? __builtin_clzll(x.sig) : 0;
    std::uint64_t s = x.sig << shift;
    int e = (denormal ? 1 : static_cast<int>(x.exponent())) - shift;
    if (moves && toward_zero) {
        if (s == 0x8000000000000000ull) { s = ~0ull; --e; } else { --s; }
    } else if (moves) {
        if (s == ~0ull) { s = 0x8000000000000000ull; ++e; } else { ++s; }
    }
    t.tiny = e < 1;
    const std::uint16_t sign = x.se & 0x8000;
    if (t.tiny && !(cw & 0x10)) {
        // UE unmasked: that value with its exponent wrapped by 24576 (SDM vol. 1 §8.5.5).
        t.result = F80{s, static_cast<std::uint16_t>(sign | (e + 24576))};
    } else {
        // Masked (or not tiny): the representable neighbour, denormals included.
        t.result = moves ? neighbour(x, toward_zero) : x;
    }
    t.applies = true;
    return t;
}

constexpr const char* kMaskIntelExactLog = "(9) Intel: exact FYL2X(y, 2^k) = +-2^-16382 delivered as a denormal (UE)";

// (9) Intel: FYL2X(y, 2^k) = k y is exact, yet Intel flags it as rounded: its internal log2 x
// lies a little below |k|, so in the RC toward zero it delivers the neighbour of k y toward zero,
// C1 = 0 (docs/CONFORMANCE.md, "Exact results flagged as rounded"; the committed Intel capture:
// FYL2X(2^-16382, 1/2) with RC up or chop is -(2^-16382 - 2^-16445) with UE). The emulator
// returns the exact k y (docs/X87_CHOICES.md: one rounding of the exact value). Usually 1 ulp,
// which the tolerance covers; for k y = +-2^-16382 the host's neighbour is a denormal (UE, another
// tag; wrapped by 2^24576 with UE unmasked). True only for that pattern: x = +2^k (k != 0), y
// finite and nonzero (DE masked if a denormal), the emulator's result exactly +-2^-16382 = k y,
// the RC toward zero from it, and the host's result that neighbour with UE and PE, C1 = 0.
bool fyl2x_exact_flagged(const State& in, const State& host, const State& emu) {
    const std::uint16_t cw = static_cast<std::uint16_t>(get(in, kImageIn, 2));
    const std::uint16_t sw_in = static_cast<std::uint16_t>(get(in, kImageIn + 4, 2));
    const unsigned top = (sw_in >> 11) & 7, tags = get(in, kImageIn + 8, 2);
    if (((tags >> (2 * top)) & 3) == 3 || ((tags >> (2 * ((top + 1) & 7))) & 3) == 3) return false;
    const F80 x = get_f80(in, kImageIn + kRegs), y = get_f80(in, kImageIn + kRegs + 10);
    if (x.sig != 0x8000000000000000ull || x.se == 0x3FFF || x.se == 0 || x.se >= 0x7FFF) return false;  // +2^k, k != 0
    const bool y_denormal = y.exponent() == 0 && y.sig != 0 && !(y.sig >> 63);
    const bool y_normal = y.exponent() != 0 && y.exponent() != 0x7FFF && (y.sig >> 63);
    if (!(y_normal || (y_denormal && (cw & 0x02)))) return false;
    const int k = static_cast<int>(x.se) - 16383;
    const F80 ours = get_f80(emu, kImageOut + kRegs);
    const std::uint16_t sign = static_cast<std::uint16_t>((y.se ^ (k < 0 ? 0x8000 : 0)) & 0x8000);
    if (ours.sig != 0x8000000000000000ull || ours.se != (sign | 1)) return false;
    // k y = 2^-16382 exactly: y = s 2^(e - 16383 - 63), normalised, times |k|, is 2^63 2^(1 - 16383 - 63).
    const int shift = y_denormal ? __builtin_clzll(y.sig) : 0;
    const std::uint64_t s = y.sig << shift;
    const int e = (y_denormal ? 1 : static_cast<int>(y.exponent())) - shift;
    const unsigned mag = static_cast<unsigned>(k < 0 ? -k : k);
    if (mag & (mag - 1)) return false;  // |k| s must be a power of two: |k| one too
    if (s != 0x8000000000000000ull || e + __builtin_ctz(mag) != 1) return false;
    const unsigned rc = (cw >> 10) & 3;
    const bool toward_zero = rc == 3 || (rc == 1 && !sign) || (rc == 2 && sign);
    if (!toward_zero) return false;
    // The host: the neighbour toward zero, the largest denormal, or with UE unmasked that value
    // rounded with an unbounded exponent (2^-16383 (2 - 2^-63)) and wrapped by 24576; UE, PE, C1 = 0.
    const F80 expected = (cw & 0x10) ? F80{0x7FFFFFFFFFFFFFFFull, sign} : F80{~0ull, static_cast<std::uint16_t>(sign | 24576)};
    const F80 theirs = get_f80(host, kImageOut + kRegs);
    const std::uint16_t sw_host = static_cast<std::uint16_t>(get(host, kImageOut + 4, 2));
    return theirs.se == expected.se && theirs.sig == expected.sig && (sw_host & 0x30) == 0x30 && !(sw_host & kC1);
}

Verdict X87Family::compare(std::size_t index, const Case& c, const Outcome& native, const Outcome& emulated) const {
    const X87Form& f = forms_[index];
    static const char* const kGprNames[8] = {"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"};
    Verdict v;
    // Which host-vendor masks apply (docs/DIFFERENTIAL.md, "x87 host differences"): (1), (2),
    // (3) and (5) were measured the same on AMD Zen 4 and Intel Rocket Lake; (4) and (7) are
    // AMD's, (6) and (8) Intel's. On a host of another vendor nothing is masked.
    const x86emu_test::HostCpu& host = x86emu_test::host_cpu();
    const bool amd = host.amd();
    const bool both = host.amd() || host.intel();
    auto report = [&](const std::string& what) {
        v.mismatch = true;
        v.detail += "  " + what + "\n";
    };
    auto note = [&](const std::string& what) {
        v.undefined_differs = true;
        v.undefined_detail += "  " + what + "\n";
    };
    // A difference hidden by host-vendor mask `name` (one count per case and mask).
    auto masked = [&](const char* name, const std::string& what) {
        note(what);
        if (std::find(v.host_masked.begin(), v.host_masked.end(), name) == v.host_masked.end()) v.host_masked.push_back(name);
    };
    // (7) AMD: FPREM/FPREM1 of a true denormal by an infinity and FSCALE of one by a zero, DE
    //     masked and UE unmasked: the SDM's tables give ST(0) itself, which Intel returns
    //     untouched (DE only) and the emulator models; Zen 4 rounds it like any result (UE,
    //     the exponent wrapped by 24576, ES), measured by tests/unit/test_float80.cpp. Nothing
    //     but the exception vector is compared then, on AMD hosts only.
    if (f.identity != X87Form::Identity::None && amd && native.vector == emulated.vector) {
        const unsigned top = (get(c.in, kImageIn + 4, 2) >> 11) & 7, tags = get(c.in, kImageIn + 8, 2);
        const F80 st0 = get_f80(c.in, kImageIn + kRegs), st1 = get_f80(c.in, kImageIn + kRegs + 10);
        const bool full = ((tags >> (2 * top)) & 3) != 3 && ((tags >> (2 * ((top + 1) & 7))) & 3) != 3;
        const bool denormal = st0.exponent() == 0 && st0.sig != 0 && !(st0.sig >> 63);
        const bool divisor = f.identity == X87Form::Identity::RemainderByInfinity
                                 ? st1.exponent() == 0x7FFF && st1.sig == 0x8000000000000000ull
                                 : st1.exponent() == 0 && st1.sig == 0;
        const std::uint16_t cw = static_cast<std::uint16_t>(get(c.in, kImageIn, 2));
        if (full && denormal && divisor && (cw & 0x02) && !(cw & 0x10)) {
            bool differs = native.state.gpr != emulated.state.gpr;
            for (std::size_t k = 0; k < kMemBytes; ++k) differs = differs || native.state.mem[k] != emulated.state.mem[k];
            if (differs) masked(kMaskAmdIdentity, "AMD: a denormal ST(0) delivered rounded (UE) where the SDM's result is ST(0) itself");
            return v;
        }
    }
    if (native.vector != emulated.vector) {
        report("exception: native " + std::to_string(native.vector) + ", emulated " + std::to_string(emulated.vector) +
               " (-1 none, -2 no HLT reached)");
    }
    for (unsigned g = 0; g < 8; ++g) {
        if (g == 4 || g == 3) continue;  // ESP, and EBX the base
        const std::uint16_t sw_host = static_cast<std::uint16_t>(get(native.state, kImageOut + 4, 2));
        const bool ia = (sw_host & 0x01) && !(sw_host & 0x40) && !(get(c.in, kImageIn, 2) & 0x01);
        // FNSTSW AX after a comparison with an unmasked #IA: the codes are undefined (see below).
        const std::uint32_t mask = (g == 0 && f.compare_codes && ia && both) ? ~std::uint32_t{kC023} : ~0u;
        if ((native.state.gpr[g] ^ emulated.state.gpr[g]) & ~mask)
            masked(kMaskIa, "EAX condition codes after an unmasked #IA");
        if ((native.state.gpr[g] ^ emulated.state.gpr[g]) & mask)
            report(std::string(kGprNames[g]) + ": native " + hex(native.state.gpr[g], 8) + ", emulated " + hex(emulated.state.gpr[g], 8));
    }
    {
        const std::uint16_t sw_host = static_cast<std::uint16_t>(get(native.state, kImageOut + 4, 2));
        const bool ia = (sw_host & 0x01) && !(sw_host & 0x40) && !(get(c.in, kImageIn, 2) & 0x01);
        if (native.state.eflags != emulated.state.eflags) {
            if (f.to_eflags && ia && both)
                masked(kMaskIa, "EFLAGS after an unmasked #IA: native " + hex(native.state.eflags, 3) + ", emulated " + hex(emulated.state.eflags, 3));
            else
                report("EFLAGS status flags: native " + hex(native.state.eflags, 3) + ", emulated " + hex(emulated.state.eflags, 3));
        }
    }
    // Everything in the block but the FNSAVE image: the input image, operands, store destinations.
    for (std::size_t k = 0; k < kMemBytes; ++k) {
        if (k >= kMemBase + kImageOut && k < kMemBase + kImageOut + kImageBytes) continue;
        if (native.state.mem[k] != emulated.state.mem[k])
            report("mem[base" + (k >= kMemBase ? "+" + std::to_string(k - kMemBase) : "-" + std::to_string(kMemBase - k)) +
                   "]: native " + hex(native.state.mem[k], 2) + ", emulated " + hex(emulated.state.mem[k], 2));
    }

    const State& e = emulated.state;
    const unsigned o = kImageOut;
    // (8) Intel: a tiny argument returned unrounded (tiny_expectation() above). Where the host
    //     shows exactly that pattern and the emulator's result is the correct rounding, the host's
    //     image is compared as if it held that rounding: the result register, its tag, UE, and
    //     ES/B as the flags then imply. Only if that changes more than a 1-ulp difference (which
    //     the tolerance covers); everything else is compared as usual.
    State host_view = native.state;
    bool tiny_view = false;  // host_view is not the host's image
    // Compare host register `reg` as `result` (its tag too), UE as the input's sticky UE or
    // `tiny`, ES/B as the flags then imply; kept only if that changes more than a 1-ulp
    // difference, which the tolerance covers as for any result.
    auto view_as = [&](unsigned reg, F80 result, bool tiny, const char* mask, const std::string& what) {
        const F80 theirs = get_f80(native.state, o + kRegs + 10 * reg);
        put_f80(host_view, o + kRegs + 10 * reg, result);
        const unsigned top_out = (get(native.state, o + 4, 2) >> 11) & 7, phys = (top_out + reg) & 7;
        std::uint16_t tw = static_cast<std::uint16_t>(get(native.state, o + 8, 2));
        tw = static_cast<std::uint16_t>((tw & ~(3u << (2 * phys))) | (tag_of(result) << (2 * phys)));
        put(host_view, o + 8, tw, 2);
        const std::uint16_t sw_in = static_cast<std::uint16_t>(get(c.in, kImageIn + 4, 2));
        const std::uint16_t sw_native = static_cast<std::uint16_t>(get(native.state, o + 4, 2));
        std::uint16_t sw = static_cast<std::uint16_t>((sw_native & ~0x0010) | (sw_in & 0x0010) | (tiny ? 0x0010 : 0));
        const bool es = sw & ~get(c.in, kImageIn, 2) & 0x3F;  // an unmasked exception flag (SF goes with IE)
        sw = static_cast<std::uint16_t>(es ? (sw | 0x8080) : (sw & ~0x8080));
        put(host_view, o + 4, sw, 2);
        if (tw != get(native.state, o + 8, 2) || ((sw ^ sw_native) & ~kC1) || ulp_distance(theirs, result) > 1) {
            masked(mask, what + ": native " + f80_text(theirs) + ", emulated " + f80_text(result));
            tiny_view = true;
        } else {
            host_view = native.state;
        }
    };
    if (f.tiny != X87Form::Tiny::None && host.intel() && native.vector == emulated.vector) {
        const TinyExpectation t = tiny_expectation(f.tiny, c.in, native.state);
        const F80 ours = get_f80(e, o + kRegs + 10 * t.reg);
        if (t.applies && ours.se == t.result.se && ours.sig == t.result.sig)
            view_as(t.reg, t.result, t.tiny, kMaskIntelTiny, "Intel: tiny argument returned unrounded, emulated its correct rounding");
    }
    // (9) Intel: FYL2X(y, 2^k) = -2^-16382 exactly, delivered as its neighbour toward zero
    //     (fyl2x_exact_flagged() above).
    if (f.exact_log && host.intel() && native.vector == emulated.vector && fyl2x_exact_flagged(c.in, native.state, e))
        view_as(0, get_f80(e, o + kRegs), false, kMaskIntelExactLog, "Intel: exact FYL2X(y, 2^k) = +-2^-16382 delivered as its neighbour toward zero");
    const State& n = host_view;
    const std::uint16_t sn = static_cast<std::uint16_t>(get(n, o + 4, 2)), se = static_cast<std::uint16_t>(get(e, o + 4, 2));
    const std::uint16_t cw_in = static_cast<std::uint16_t>(get(c.in, kImageIn, 2));
    // Host-vendor differences (docs/DIFFERENTIAL.md, "x87 host differences"), masked narrowly:
    // (1) Intel and AMD: D9 D8+i with an empty ST(0): the SDM lists the encoding as reserved;
    //     Zen 4 and Rocket Lake pop without a stack fault and store nothing (Intel's XED calls it
    //     FSTPNCE), the emulator executes the 387's FSTP alias. Nothing of the FPU image is
    //     compared then.
    const unsigned top_in = (get(c.in, kImageIn + 4, 2) >> 11) & 7;
    const bool st0_empty_in = ((get(c.in, kImageIn + 8, 2) >> (2 * top_in)) & 3) == 3;
    if (f.no_check_empty && st0_empty_in && both) {
        for (unsigned k = 0; k < kImageBytes; ++k)
            if (n.mem[kMemBase + o + k] != e.mem[kMemBase + o + k]) {
                masked(kMaskFstpnce, "FPU image differs: D9 D8+i with ST(0) empty (reserved encoding, host-specific)");
                break;
            }
        return v;
    }
    // (2) Intel and AMD: an unmasked #IA (IE without SF) in a comparison: the SDM says the codes
    //     (FCOMI: ZF PF CF) are not set (vol. 2 FCOM/FCOMI "unordered"; vol. 1 §8.5.1 operands
    //     unchanged); both hosts set them. Undefined for this comparison.
    const bool ia_unmasked = (sn & 0x01) && !(sn & 0x40) && !(cw_in & 0x01);
    std::uint16_t host_undefined = 0;
    if ((f.compare_codes || f.to_eflags) && ia_unmasked && both) host_undefined |= f.compare_codes ? kC023 : 0;
    // (5) Intel and AMD: FLD m32/m64 of a denormal with DE unmasked: the SDM's unmasked-DE
    //     response leaves TOP and the stack alone (vol. 1 §8.5.2; the emulator does); Zen 4 and
    //     Rocket Lake complete the load and flag DE. Only the stack, TOP and C1 are masked then;
    //     the flags must still agree.
    if (f.load_denormal && (sn & 0x02) && !(cw_in & 0x02) && both) {
        bool differs = get(n, o + 8, 2) != get(e, o + 8, 2) || ((sn ^ se) & 0x3A00);
        for (unsigned k = kRegs; k < kImageBytes; ++k) differs = differs || n.mem[kMemBase + o + k] != e.mem[kMemBase + o + k];
        if ((sn ^ se) & ~0x3A00 & ~kC023)
            report("status word: native " + hex(sn, 4) + ", emulated " + hex(se, 4));
        else if (differs)
            masked(kMaskFldDenormal, "FLD of a denormal with DE unmasked: the host loads it, the emulator does not");
        return v;
    }
    // (3) Intel and AMD: FCOMI/FUCOMI(P): the SDM says C1 = 0 (vol. 2 FCOMI "FPU Flags
    //     Affected"); both hosts leave C1 as it was.
    if (f.to_eflags && both) host_undefined |= kC1;
    // The registers: exact, or within 1 ulp for the transcendental forms.
    bool ulp_off = false;
    for (unsigned st = 0; st < 8; ++st) {
        F80 a = get_f80(n, o + kRegs + 10 * st), b = get_f80(e, o + kRegs + 10 * st);
        if (a.sig == b.sig && a.se == b.se) continue;
        if (f.tolerance && ulp_distance(a, b) <= 1) {
            ulp_off = true;
            continue;
        }
        report("ST(" + std::to_string(st) + "): native " + f80_text(a) + ", emulated " + f80_text(b));
    }
    // Control and tag words exactly; the status word but for the condition codes the SDM leaves
    // undefined after this instruction (and C1, "rounded up", where a 1-ulp difference is allowed).
    if (get(n, o, 2) != get(e, o, 2)) report("control word: native " + hex(get(n, o, 2), 4) + ", emulated " + hex(get(e, o, 2), 4));
    if (get(n, o + 8, 2) != get(e, o + 8, 2)) report("tag word: native " + hex(get(n, o + 8, 2), 4) + ", emulated " + hex(get(e, o + 8, 2), 4));
    // The transcendentals' C1 ("rounded up") may differ with the 1-ulp tolerance, and does
    // on a few identical inexact results too (docs/CONFORMANCE.md: C1 agrees on 99.0-99.8%).
    const std::uint16_t tolerated = f.tolerance ? kC1 : 0;
    const std::uint16_t undefined = static_cast<std::uint16_t>(f.c_undefined | host_undefined | tolerated);
    if ((sn ^ se) & ~undefined)
        report("status word: native " + hex(sn, 4) + ", emulated " + hex(se, 4) + " (differing " + hex((sn ^ se) & ~undefined, 4) + ")");
    else if ((sn ^ se) & (f.c_undefined | host_undefined))
        note("status word: native " + hex(sn, 4) + ", emulated " + hex(se, 4) + " (undefined condition codes)");
    if ((sn ^ se) & host_undefined & kC023) masked(kMaskIa, "condition codes after an unmasked #IA");
    if ((sn ^ se) & host_undefined & kC1) masked(kMaskFcomiC1, "FCOMI C1 left as it was");
    if ((sn ^ se) & tolerated) ulp_off = true;
    // FOP (bits 0-10 of the word at +18); the instruction and data pointers are addresses on
    // different machines and are not compared (docs/DIFFERENTIAL.md). The emulated P6 and 486
    // record FOP for every non-control instruction, which is what is compared, except where the
    // host's vendor documents that it does not (each only on that vendor's hosts):
    // (4) AMD: Zen saves and restores FOP (like FIP/FDP) only while ES is set (AMD APM vol. 2
    //     §11.4.4 and FXSAVE/XSAVE: "x87 pointers saved only if an exception is pending"): a
    //     context switch between the instruction and FNSAVE leaves FOP = 0 on the host. Rare.
    // (6) Intel, Pentium 4 and later: FOP is recorded only for an instruction that raises an
    //     unmasked exception (SDM vol. 1 §8.1.9.1, fopcode compatibility sub-mode off, the
    //     default; recent parts do not have the sub-mode). Without ES in the result the host
    //     keeps the FOP that FRSTOR loaded, which is what is checked instead (a note when the
    //     emulated one differs); with ES it must be the emulator's.
    const unsigned fop_n = get(n, o + 18, 2) & 0x7FF, fop_e = get(e, o + 18, 2) & 0x7FF;
    const unsigned fop_in = get(c.in, kImageIn + 18, 2) & 0x7FF;
    // Whether the host recorded FOP depends on its own ES, not on host difference (8)'s view.
    const bool es_host = get(native.state, o + 4, 2) & 0x80;
    const bool fop_lost = amd && fop_n == 0 && !es_host;
    const bool fop_not_recorded = x86emu_test::host_cpu().intel_fop_on_unmasked_exception_only() && !es_host;
    if (fop_n == fop_e) {
        // the same (on an Intel host without ES: an unmasked exception cleared by FNCLEX, or
        // the loaded FOP happens to be the instruction's)
    } else if (fop_lost) {
        masked(kMaskAmdFop, "FOP: native 0 (AMD: not kept across a context switch without ES), emulated " + hex(fop_e, 3));
    } else if (fop_not_recorded && fop_n == fop_in) {
        masked(kMaskIntelFop, "FOP: native " + hex(fop_n, 3) + " as loaded (Intel: recorded only with an unmasked exception), emulated " + hex(fop_e, 3));
    } else if (fop_not_recorded) {
        report("FOP: native " + hex(fop_n, 3) + ", neither the loaded " + hex(fop_in, 3) + " (Intel without an unmasked exception) nor the emulated " + hex(fop_e, 3));
    } else {
        report("FOP: native " + hex(fop_n, 3) + ", emulated " + hex(fop_e, 3));
    }
    if (v.mismatch) {
        v.detail += "  input image: " + image_text(c.in, kImageIn) + "\n  operand: ";
        for (unsigned k = 0; k < 10; ++k) v.detail += hex(c.in.mem[kMemBase + kOp + k], 2) + " ";
        v.detail += "\n  native:    " + image_text(native.state, o) + "\n  emulated:  " + image_text(e, o) + "\n";
        if (tiny_view) v.detail += "  (compared against the host's image with host difference (8) applied: " + image_text(n, o) + ")\n";
    } else if (ulp_off) {
        v.tolerated = true;
    }
    return v;
}

// ---- the form lists ----------------------------------------------------------------------------

X87Form form(std::string name, std::vector<std::uint8_t> body, Mem op1 = Mem::Random, std::uint16_t c_undefined = kC023,
             Shape shape = Shape::None, x86emu::CpuModel first = x86emu::CpuModel::i80486) {
    X87Form f;
    f.form.name = std::move(name);
    f.form.code = with_frame(body);
    f.form.memory = true;
    f.form.first_model = first;
    f.op1 = op1;
    f.c_undefined = c_undefined;
    f.shape = shape;
    return f;
}

std::string st(unsigned i) { return "st" + std::to_string(i); }

std::vector<X87Form> arith_forms() {
    std::vector<X87Form> v;
    struct Op { const char* name; unsigned reg; };
    static constexpr Op kOps[6] = {{"fadd", 0}, {"fmul", 1}, {"fsub", 4}, {"fsubr", 5}, {"fdiv", 6}, {"fdivr", 7}};
    static constexpr Op kIntOps[6] = {{"fiadd", 0}, {"fimul", 1}, {"fisub", 4}, {"fisubr", 5}, {"fidiv", 6}, {"fidivr", 7}};
    for (unsigned k = 0; k < 6; ++k) {
        const Op op = kOps[k];
        const std::string n = op.name;
        v.push_back(form(n + " dword [ebx+112]", mem_form(0xD8, op.reg), Mem::F32));
        v.push_back(form(n + " qword [ebx+112]", mem_form(0xDC, op.reg), Mem::F64));
        v.push_back(form(std::string(kIntOps[k].name) + " dword [ebx+112]", mem_form(0xDA, op.reg), Mem::I32));
        v.push_back(form(std::string(kIntOps[k].name) + " word [ebx+112]", mem_form(0xDE, op.reg), Mem::I16));
        for (unsigned i : {0u, 1u, 3u, 7u}) {
            v.push_back(form(n + " st0, " + st(i), {0xD8, modrm(3, op.reg, i)}));
            // DC and DE swap the SUB/SUBR and DIV/DIVR reg fields (SDM vol. 2 table A-11 note).
            const unsigned swapped = op.reg >= 4 ? (op.reg ^ 1) : op.reg;
            v.push_back(form(n + " " + st(i) + ", st0", {0xDC, modrm(3, swapped, i)}));
            v.push_back(form(n + "p " + st(i) + ", st0", {0xDE, modrm(3, swapped, i)}));
        }
    }
    constexpr std::uint16_t kNone = 0;
    v.push_back(form("fsqrt", {0xD9, 0xFA}, Mem::Random, kC023, Shape::Sqrt));
    v.push_back(form("fabs", {0xD9, 0xE1}));
    v.push_back(form("fchs", {0xD9, 0xE0}));
    v.push_back(form("frndint", {0xD9, 0xFC}, Mem::Random, kC023, Shape::Integer));
    v.push_back(form("fscale", {0xD9, 0xFD}, Mem::Random, kC023, Shape::Scale));
    v.push_back(form("fxtract", {0xD9, 0xF4}));
    v.push_back(form("fprem", {0xD9, 0xF8}, Mem::Random, kNone, Shape::Prem));
    v.push_back(form("fprem1", {0xD9, 0xF5}, Mem::Random, kNone, Shape::Prem));
    v[v.size() - 1].identity = v[v.size() - 2].identity = X87Form::Identity::RemainderByInfinity;
    for (X87Form& x : v)
        if (x.form.name == "fscale") x.identity = X87Form::Identity::ScaleByZero;
    return v;
}

std::vector<X87Form> compare_forms() {
    using x86emu::CpuModel;
    std::vector<X87Form> v;
    // FCOM/FUCOM/FICOM/FTST set C0 C2 C3 and clear C1 (SDM vol. 2 FCOM "FPU Flags Affected"):
    // nothing is undefined. FXAM defines all four.
    constexpr std::uint16_t kNone = 0;
    v.push_back(form("fcom dword [ebx+112]", mem_form(0xD8, 2), Mem::F32, kNone));
    v.push_back(form("fcomp dword [ebx+112]", mem_form(0xD8, 3), Mem::F32, kNone));
    v.push_back(form("fcom qword [ebx+112]", mem_form(0xDC, 2), Mem::F64, kNone));
    v.push_back(form("fcomp qword [ebx+112]", mem_form(0xDC, 3), Mem::F64, kNone));
    v.push_back(form("ficom dword [ebx+112]", mem_form(0xDA, 2), Mem::I32, kNone));
    v.push_back(form("ficomp dword [ebx+112]", mem_form(0xDA, 3), Mem::I32, kNone));
    v.push_back(form("ficom word [ebx+112]", mem_form(0xDE, 2), Mem::I16, kNone));
    v.push_back(form("ficomp word [ebx+112]", mem_form(0xDE, 3), Mem::I16, kNone));
    for (unsigned i : {0u, 1u, 7u}) {
        v.push_back(form("fcom " + st(i), {0xD8, modrm(3, 2, i)}, Mem::Random, kNone));
        v.push_back(form("fcomp " + st(i), {0xD8, modrm(3, 3, i)}, Mem::Random, kNone));
        v.push_back(form("fucom " + st(i), {0xDD, modrm(3, 4, i)}, Mem::Random, kNone));
        v.push_back(form("fucomp " + st(i), {0xDD, modrm(3, 5, i)}, Mem::Random, kNone));
        // FCOMI and friends: ZF PF CF from the comparison, C1 cleared, C0 C2 C3 unchanged.
        v.push_back(form("fcomi st0, " + st(i), {0xDB, modrm(3, 6, i)}, Mem::Random, kNone, Shape::None, CpuModel::p6));
        v.push_back(form("fcomip st0, " + st(i), {0xDF, modrm(3, 6, i)}, Mem::Random, kNone, Shape::None, CpuModel::p6));
        v.push_back(form("fucomi st0, " + st(i), {0xDB, modrm(3, 5, i)}, Mem::Random, kNone, Shape::None, CpuModel::p6));
        v.push_back(form("fucomip st0, " + st(i), {0xDF, modrm(3, 5, i)}, Mem::Random, kNone, Shape::None, CpuModel::p6));
    }
    v.push_back(form("fcompp", {0xDE, 0xD9}, Mem::Random, kNone));
    v.push_back(form("fucompp", {0xDA, 0xE9}, Mem::Random, kNone));
    v.push_back(form("ftst", {0xD9, 0xE4}, Mem::Random, kNone));
    v.push_back(form("fxam", {0xD9, 0xE5}, Mem::Random, kNone));
    for (X87Form& f : v) f.compare_codes = f.form.name != "fxam";
    // The reserved aliases the 387 and later execute (SDM vol. 2 table A-10 ff. list them as
    // reserved; x87_table.inc decodes them as FCOM/FCOMP).
    v.push_back(form("fcom2 st1 (dc d1)", {0xDC, 0xD1}, Mem::Random, kNone));
    v.push_back(form("fcomp3 st1 (dc d9)", {0xDC, 0xD9}, Mem::Random, kNone));
    v.push_back(form("fcomp5 st1 (de d1)", {0xDE, 0xD1}, Mem::Random, kNone));
    for (std::size_t k = v.size() - 3; k < v.size(); ++k) v[k].compare_codes = true;
    for (X87Form& f : v)
        if (f.form.name.rfind("fcomi", 0) == 0 || f.form.name.rfind("fucomi", 0) == 0) {
            f.to_eflags = true;
            f.compare_codes = false;
        }
    // FCMOVcc: C1 cleared (or set on underflow), C0 C2 C3 undefined.
    static constexpr const char* kCc[8] = {"b", "e", "be", "u", "nb", "ne", "nbe", "nu"};
    for (unsigned cc = 0; cc < 8; ++cc)
        for (unsigned i : {1u, 5u})
            v.push_back(form(std::string("fcmov") + kCc[cc] + " st0, " + st(i), {static_cast<std::uint8_t>(cc < 4 ? 0xDA : 0xDB), modrm(3, cc & 3, i)},
                             Mem::Random, kC023, Shape::None, CpuModel::p6));
    return v;
}

std::vector<X87Form> load_store_forms() {
    std::vector<X87Form> v;
    v.push_back(form("fld dword [ebx+112]", mem_form(0xD9, 0), Mem::F32));
    v.push_back(form("fld qword [ebx+112]", mem_form(0xDD, 0), Mem::F64));
    v[0].load_denormal = v[1].load_denormal = true;
    v.push_back(form("fld tword [ebx+112]", mem_form(0xDB, 5), Mem::F80));
    v.push_back(form("fst dword [ebx+112]", mem_form(0xD9, 2)));
    v.push_back(form("fst qword [ebx+112]", mem_form(0xDD, 2)));
    v.push_back(form("fstp dword [ebx+112]", mem_form(0xD9, 3)));
    v.push_back(form("fstp qword [ebx+112]", mem_form(0xDD, 3)));
    v.push_back(form("fstp tword [ebx+112]", mem_form(0xDB, 7)));
    v.push_back(form("fild word [ebx+112]", mem_form(0xDF, 0), Mem::I16));
    v.push_back(form("fild dword [ebx+112]", mem_form(0xDB, 0), Mem::I32));
    v.push_back(form("fild qword [ebx+112]", mem_form(0xDF, 5), Mem::I64));
    v.push_back(form("fist word [ebx+112]", mem_form(0xDF, 2), Mem::Random, kC023, Shape::Integer));
    v.push_back(form("fist dword [ebx+112]", mem_form(0xDB, 2), Mem::Random, kC023, Shape::Integer));
    v.push_back(form("fistp word [ebx+112]", mem_form(0xDF, 3), Mem::Random, kC023, Shape::Integer));
    v.push_back(form("fistp dword [ebx+112]", mem_form(0xDB, 3), Mem::Random, kC023, Shape::Integer));
    v.push_back(form("fistp qword [ebx+112]", mem_form(0xDF, 7), Mem::Random, kC023, Shape::Integer));
    v.push_back(form("fbld tword [ebx+112]", mem_form(0xDF, 4), Mem::Bcd));
    v.push_back(form("fbstp tword [ebx+112]", mem_form(0xDF, 6), Mem::Random, kC023, Shape::Integer));
    for (unsigned i : {0u, 1u, 7u}) {
        v.push_back(form("fld " + st(i), {0xD9, modrm(3, 0, i)}));
        v.push_back(form("fst " + st(i), {0xDD, modrm(3, 2, i)}));
        v.push_back(form("fstp " + st(i), {0xDD, modrm(3, 3, i)}));
        v.push_back(form("fxch " + st(i), {0xD9, modrm(3, 1, i)}));
        v.push_back(form("ffree " + st(i), {0xDD, modrm(3, 0, i)}, Mem::Random, kCAll));
    }
    static constexpr struct { const char* name; std::uint8_t op; } kConstants[7] = {
        {"fld1", 0xE8}, {"fldl2t", 0xE9}, {"fldl2e", 0xEA}, {"fldpi", 0xEB}, {"fldlg2", 0xEC}, {"fldln2", 0xED}, {"fldz", 0xEE}};
    for (auto k : kConstants) v.push_back(form(k.name, {0xD9, k.op}));
    v.push_back(form("fincstp", {0xD9, 0xF7}));
    v.push_back(form("fdecstp", {0xD9, 0xF6}));
    v.push_back(form("fnop", {0xD9, 0xD0}, Mem::Random, kCAll));
    // Reserved aliases (x87_table.inc): FXCH4, FXCH7, FSTP1, FSTP8, FSTP9, FFREEP.
    v.push_back(form("fxch4 st1 (dd c9)", {0xDD, 0xC9}));
    v.push_back(form("fxch7 st1 (df c9)", {0xDF, 0xC9}));
    v.push_back(form("fstp1 st1 (d9 d9)", {0xD9, 0xD9}));
    v.back().no_check_empty = true;
    v.push_back(form("fstp8 st1 (df d1)", {0xDF, 0xD1}));
    v.push_back(form("fstp9 st1 (df d9)", {0xDF, 0xD9}));
    v.push_back(form("ffreep st1 (df c1)", {0xDF, 0xC1}, Mem::Random, kCAll));
    // Control: all four condition codes undefined after FSTSW/FSTCW/FLDCW (SDM vol. 2); FNCLEX
    // leaves them undefined too.
    v.push_back(form("fnstsw ax", {0xDF, 0xE0}, Mem::Random, kCAll));
    v.push_back(form("fnstsw word [ebx+112]", mem_form(0xDD, 7), Mem::Random, kCAll));
    v.push_back(form("fnstcw word [ebx+112]", mem_form(0xD9, 7), Mem::Random, kCAll));
    v.push_back(form("fldcw word [ebx+112]", mem_form(0xD9, 5), Mem::Cw, kCAll));
    v.push_back(form("fnclex", {0xDB, 0xE2}, Mem::Random, kCAll));
    return v;
}

std::vector<X87Form> transcendental_forms() {
    std::vector<X87Form> v;
    // C1 from the rounding, C2 for FPTAN/FSIN/FCOS/FSINCOS out of range; C0 C3 (and C2 where
    // not listed) undefined (SDM vol. 2 each page).
    v.push_back(form("f2xm1", {0xD9, 0xF0}, Mem::Random, kC023, Shape::Exp));
    v.push_back(form("fyl2x", {0xD9, 0xF1}, Mem::Random, kC023, Shape::Log));
    v.push_back(form("fyl2xp1", {0xD9, 0xF9}, Mem::Random, kC023, Shape::Log1p));
    v.push_back(form("fpatan", {0xD9, 0xF3}, Mem::Random, kC023, Shape::Atan));
    v.push_back(form("fptan", {0xD9, 0xF2}, Mem::Random, kC0 | kC3, Shape::Trig));
    v.push_back(form("fsin", {0xD9, 0xFE}, Mem::Random, kC0 | kC3, Shape::Trig));
    v.push_back(form("fcos", {0xD9, 0xFF}, Mem::Random, kC0 | kC3, Shape::Trig));
    v.push_back(form("fsincos", {0xD9, 0xFB}, Mem::Random, kC0 | kC3, Shape::Trig));
    for (X87Form& f : v) f.tolerance = true;
    for (X87Form& f : v) {
        if (f.form.name == "fsin") f.tiny = X87Form::Tiny::Sin;
        if (f.form.name == "fsincos") f.tiny = X87Form::Tiny::Sincos;
        if (f.form.name == "fptan") f.tiny = X87Form::Tiny::Tan;
        if (f.form.name == "fpatan") f.tiny = X87Form::Tiny::Atan;
        if (f.form.name == "fyl2x") f.exact_log = true;
    }
    return v;
}

std::vector<X87Form> sequence_forms() {
    using x86emu::CpuModel;
    std::vector<X87Form> v;
    auto seq = [&](std::string name, std::vector<std::uint8_t> body, Mem op1, Mem op2, std::uint16_t undefined, bool masked,
                   CpuModel first = CpuModel::i80486) {
        X87Form f = form(std::move(name), std::move(body), op1, undefined, Shape::None, first);
        f.op2 = op2;
        f.masked_only = masked;
        v.push_back(f);
    };
    // Operand kinds of a sequence's memory: kOp (disp 112) and kOp2 (disp 124).
    auto m = [](std::uint8_t esc, unsigned reg, unsigned disp) { return mem_form(esc, reg, disp); };
    auto cat = [](std::initializer_list<std::vector<std::uint8_t>> parts) {
        std::vector<std::uint8_t> c;
        for (const auto& p : parts) c.insert(c.end(), p.begin(), p.end());
        return c;
    };
    seq("fld qword [ebx+112]; fmulp st1, st0; fstp dword [ebx+124]",
        cat({m(0xDD, 0, kOp), {0xDE, 0xC9}, m(0xD9, 3, kOp2)}), Mem::F64, Mem::Random, kC023, true);
    seq("fld tword [ebx+112]; fadd st0, st1", cat({m(0xDB, 5, kOp), {0xD8, 0xC1}}), Mem::F80, Mem::Random, kC023, true);
    seq("fld tword [ebx+112]; fsqrt", cat({m(0xDB, 5, kOp), {0xD9, 0xFA}}), Mem::F80, Mem::Random, kC023, true);
    seq("fld tword [ebx+112]; fstp qword [ebx+124]", cat({m(0xDB, 5, kOp), m(0xDD, 3, kOp2)}), Mem::F80, Mem::Random, kC023, true);
    seq("fld tword [ebx+112]; fcom st1; fnstsw ax", cat({m(0xDB, 5, kOp), {0xD8, 0xD1, 0xDF, 0xE0}}), Mem::F80, Mem::Random, kCAll, true);
    seq("fild dword [ebx+112]; fistp word [ebx+124]", cat({m(0xDB, 0, kOp), m(0xDF, 3, kOp2)}), Mem::I32, Mem::Random, kC023, true);
    seq("fld1; faddp st1, st0; fsqrt", {0xD9, 0xE8, 0xDE, 0xC1, 0xD9, 0xFA}, Mem::Random, Mem::Random, kC023, true);
    seq("fxch st1; fsubp st1, st0", {0xD9, 0xC9, 0xDE, 0xE9}, Mem::Random, Mem::Random, kC023, true);
    seq("fld st0; fmul st0, st0; fsubrp st1, st0", {0xD9, 0xC0, 0xD8, 0xC8, 0xDE, 0xE1}, Mem::Random, Mem::Random, kC023, true);
    seq("fdecstp; ffree st0; fincstp", {0xD9, 0xF6, 0xDD, 0xC0, 0xD9, 0xF7}, Mem::Random, Mem::Random, kCAll, true);
    // FLDCW before a waiting FADD: the loaded control word keeps every exception masked too.
    seq("fldcw word [ebx+112]; fadd st0, st1", cat({m(0xD9, 5, kOp), {0xD8, 0xC1}}), Mem::CwMasked, Mem::Random, kC023, true);
    // Only non-waiting instructions after the one that may raise: any masks.
    seq("fcom st1; fnstsw ax", {0xD8, 0xD1, 0xDF, 0xE0}, Mem::Random, Mem::Random, kCAll, false);
    v.back().compare_codes = true;
    seq("fprem; fnstsw ax", {0xD9, 0xF8, 0xDF, 0xE0}, Mem::Random, Mem::Random, kCAll, false);
    v.back().identity = X87Form::Identity::RemainderByInfinity;
    seq("fdiv st0, st1; fnstsw ax; fnclex", {0xD8, 0xF1, 0xDF, 0xE0, 0xDB, 0xE2}, Mem::Random, Mem::Random, kCAll, false);
    seq("fucomip st0, st1; fcmovb st0, st2", {0xDF, 0xE9, 0xDA, 0xC2}, Mem::Random, Mem::Random, kC023, true, CpuModel::p6);
    v.back().to_eflags = true;  // FUCOMIP's C1 (host difference (3) in compare())
    return v;
}

}  // namespace

std::vector<std::unique_ptr<Family>> make_x87_families() {
    std::vector<std::unique_ptr<Family>> f;
    f.push_back(std::make_unique<X87Family>("x87_arith", arith_forms()));
    f.push_back(std::make_unique<X87Family>("x87_compare", compare_forms()));
    f.push_back(std::make_unique<X87Family>("x87_load_store", load_store_forms()));
    f.push_back(std::make_unique<X87Family>("x87_transcendental", transcendental_forms()));
    f.push_back(std::make_unique<X87Family>("x87_sequence", sequence_forms()));
    return f;
}

}  // namespace differential
