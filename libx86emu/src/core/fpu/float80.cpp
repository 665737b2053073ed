// x86emu — software 80-bit extended-precision arithmetic for the x87 FPU (fpu/float80.hpp).
// Intel SDM vol. 1 §4.2 (formats), §4.8 (NaNs, indefinites, rounding, table 4-7 NaN rules),
// §4.9 (exception conditions), §8.1.5-§8.1.7 (precision/rounding control, C1), §8.2.2
// (unsupported double-extended encodings), §8.3.8 (constants), §8.5 (x87 exceptions, masked and
// unmasked responses); vol. 2 FADD, FSUB, FMUL, FDIV, FSQRT, FRNDINT, FSCALE, FXTRACT, FPREM,
// FPREM1, FCOM/FUCOM, FIST, FLD, FST, FBLD, FBSTP, FLD1/FLDPI/....
//
// Everything is integer arithmetic. A finite nonzero value travels as (sign, exponent, significand)
// with the exponent biased like the 80-bit format but unbounded (int32) and the significand
// normalised at the top of a 64- or 128-bit word; only the final rounding step (round_to_format)
// decides what fits in the destination. Where the manuals leave a choice to the implementation
// (tininess, C1 after overflow, the FPREM reduction step, NaN tie-breaks) the behaviour here is
// the one measured on a host x87 by tests/unit/test_float80.cpp; each such place says so.
#include "core/fpu/float80.hpp"

#include <bit>

namespace x86emu::fpu {

namespace {

constexpr std::uint64_t kIntegerBit = 1ull << 63;
constexpr std::uint64_t kQuietBit = 1ull << 62;
constexpr std::int32_t kMaxExponent = 0x7FFF;
// Unmasked overflow/underflow with a register destination: the exponent is wrapped by this much
// (SDM vol. 1 §8.5.3/§8.5.4: 24576 = 3 * 2^13).
constexpr std::int32_t kWrapBias = 24576;

Float80 make(bool sign, std::uint32_t exponent, std::uint64_t significand) {
    return Float80{significand, static_cast<std::uint16_t>((sign ? 0x8000u : 0u) | (exponent & 0x7FFFu))};
}
Float80 infinity(bool sign) { return make(sign, kMaxExponent, kIntegerBit); }
Float80 zero(bool sign) { return make(sign, 0, 0); }

bool is_nan(Class c) { return c == Class::QuietNaN || c == Class::SignalingNaN; }
bool is_denormal(Class c) { return c == Class::Denormal || c == Class::PseudoDenormal; }

// An operand an instruction returns as itself, without rounding (FPREM by an infinity, FSCALE
// by a zero): unchanged, except that Intel silicon writes a pseudo-denormal in its normal
// encoding (same value, exponent 1; measured on Rocket Lake, docs/X87_CHOICES.md).
Float80 returned_as_is(Float80 a, Class ca) {
    return ca == Class::PseudoDenormal ? make(a.sign(), 1, a.significand) : a;
}

// A finite nonzero operand, normalised: value = significand / 2^63 * 2^(exponent - bias), bit 63
// set. Denormals and pseudo-denormals both have the weight of exponent 1 (SDM vol. 1 §8.2.2: a
// pseudo-denormal is read as if its exponent were 1), so their exponent here drops below 1.
struct Unpacked {
    bool sign;
    std::int32_t exponent;
    std::uint64_t significand;
};
Unpacked unpack(Float80 v) {
    std::int32_t exponent = v.exponent() == 0 ? 1 : static_cast<std::int32_t>(v.exponent());
    std::uint64_t significand = v.significand;
    const int shift = std::countl_zero(significand);
    significand <<= shift;
    exponent -= shift;
    return {v.sign(), exponent, significand};
}

// Shifts right by `count`, OR-ing every bit shifted out into bit 0 ("sticky"), so that rounding
// still sees that the value was inexact and on which side of the halfway point it lies.
Uint128 shift_right_sticky(Uint128 value, std::int64_t count) {
    if (count <= 0) return value;
    if (count >= 128) return value != 0 ? 1 : 0;
    const Uint128 lost = value << (128 - count);
    return (value >> count) | (lost != 0 ? 1 : 0);
}

// Rounds `value` (nonzero in bits 127..0) to its top `keep` bits per the rounding mode.
struct RoundedBits {
    Uint128 kept;     // the kept bits, right-aligned (may have carried to 2^keep)
    bool inexact;
    bool incremented;  // the kept part was increased (magnitude rounded away from zero)
};
RoundedBits round_bits(Uint128 value, int keep, Rounding rounding, bool sign) {
    const int dropped = 128 - keep;
    const Uint128 rest = value & ((Uint128{1} << dropped) - 1);
    const Uint128 half = Uint128{1} << (dropped - 1);
    Uint128 kept = value >> dropped;
    bool increment = false;
    switch (rounding) {
    case Rounding::Nearest: increment = rest > half || (rest == half && (kept & 1)); break;
    case Rounding::Down: increment = rest != 0 && sign; break;
    case Rounding::Up: increment = rest != 0 && !sign; break;
    case Rounding::TowardZero: break;
    }
    kept += increment ? 1 : 0;
    return {kept, rest != 0, increment};
}

// A destination format: `precision` significand bits (integer bit included), normal biased
// exponents [1, max_exponent] with the given bias. `register_destination` selects the x87
// responses to unmasked OE/UE: wrap the exponent by 24576 and deliver (register), or deliver
// nothing (memory: the caller stores nothing, the returned value is the masked response).
struct Format {
    int precision;
    std::int32_t bias;
    std::int32_t max_exponent;
    bool register_destination;
};

// The result in the destination's terms: biased exponent (0 for zero/denormal, max_exponent + 1
// for infinity) and the significand top-aligned in 64 bits (bit 63 = integer bit).
struct Packed {
    bool sign;
    std::int32_t exponent;
    std::uint64_t significand;
};

// The one rounding step. Input: value = (-1)^sign * significand / 2^127 * 2^(exponent - 16383),
// significand with bit 127 set, exponent unbounded.
Packed round_to_format(bool sign, std::int32_t exponent, Uint128 significand, const Format& format, Env& env) {
    // Re-bias to the destination format.
    const std::int64_t biased = static_cast<std::int64_t>(exponent) - kExponentBias + format.bias;
    const RoundedBits normal = round_bits(significand, format.precision, env.rounding, sign);
    std::int64_t rounded_exponent = biased;
    Uint128 kept = normal.kept;
    if (kept >> format.precision) {  // carried into a new leading bit: 1.11..1 -> 10.00..0
        kept >>= 1;
        ++rounded_exponent;
    }
    const auto top_align = [&](Uint128 bits) { return static_cast<std::uint64_t>(bits << (64 - format.precision)); };

    if (rounded_exponent > format.max_exponent) {
        if (!(env.masks & exception::Overflow)) {
            env.flags |= exception::Overflow;
            // Memory destination: nothing is stored, and the host raises OE alone (no PE, C1 0).
            if (!format.register_destination) return {sign, format.max_exponent + 1, kIntegerBit};
            const std::int64_t wrapped = rounded_exponent - kWrapBias;
            if (wrapped > format.max_exponent) {
                // Too large even after wrapping (only FSCALE gets here): infinity, whatever the
                // rounding mode, with PE and C1 (measured on the host).
                env.flags |= exception::Precision;
                env.rounded_up = true;
                return {sign, format.max_exponent + 1, kIntegerBit};
            }
            // Unmasked overflow: the correctly rounded significand with the exponent wrapped.
            if (normal.inexact) env.flags |= exception::Precision;
            env.rounded_up = normal.incremented;
            return {sign, static_cast<std::int32_t>(wrapped), top_align(kept)};
        }
        env.flags |= exception::Overflow | exception::Precision;
        // Masked response (SDM vol. 1 table 4-10): infinity when the rounding direction points
        // away from zero, else the largest finite value of the destination precision. C1 is set
        // only for infinity (measured on the host).
        const bool to_infinity = env.rounding == Rounding::Nearest || (env.rounding == Rounding::Up && !sign) ||
                                 (env.rounding == Rounding::Down && sign);
        env.rounded_up = to_infinity;
        if (to_infinity) return {sign, format.max_exponent + 1, kIntegerBit};
        const Uint128 all_ones = (Uint128{1} << format.precision) - 1;
        return {sign, format.max_exponent, top_align(all_ones)};
    }

    // Tininess is detected after rounding (measured on the host x87: a product that is below
    // 2^-16382 but rounds to it at the destination precision raises no UE, masked or unmasked).
    if (rounded_exponent >= 1) {
        if (normal.inexact) env.flags |= exception::Precision;
        env.rounded_up = normal.incremented;
        return {sign, static_cast<std::int32_t>(rounded_exponent), top_align(kept)};
    }

    if (!(env.masks & exception::Underflow)) {
        env.flags |= exception::Underflow;
        // Memory destination: nothing is stored, and the host raises UE alone (no PE, C1 0).
        if (!format.register_destination) return {sign, 0, 0};
        const std::int64_t wrapped = rounded_exponent + kWrapBias;
        if (wrapped < 1) {
            // Too small even after wrapping (only FSCALE gets here): a zero of the same sign with
            // PE, C1 clear whatever the rounding mode (measured on the host).
            env.flags |= exception::Precision;
            env.rounded_up = false;
            return {sign, 0, 0};
        }
        // Unmasked underflow: deliver the normal-precision rounding with the exponent wrapped up.
        if (normal.inexact) env.flags |= exception::Precision;
        env.rounded_up = normal.incremented;
        return {sign, static_cast<std::int32_t>(wrapped), top_align(kept)};
    }
    // Masked underflow: denormalise to the smallest exponent, then round at the same fixed bit
    // position a normal of that exponent would (for precision control < 64 this is the 24th/53rd
    // bit of the 64-bit field, measured on the host).
    const Uint128 denormal = shift_right_sticky(significand, 1 - biased);
    const RoundedBits tiny = round_bits(denormal, format.precision, env.rounding, sign);
    if (tiny.inexact) env.flags |= exception::Underflow | exception::Precision;
    env.rounded_up = tiny.incremented;
    // A carry into the integer bit makes it the smallest normal (exponent 1).
    const bool became_normal = (tiny.kept >> (format.precision - 1)) != 0;
    return {sign, became_normal ? 1 : 0, top_align(tiny.kept)};
}

int leading_zeros128(Uint128 v) {
    const auto high = static_cast<std::uint64_t>(v >> 64);
    return high != 0 ? std::countl_zero(high) : 64 + std::countl_zero(static_cast<std::uint64_t>(v));
}

Float80 to_float80(const Packed& p) { return make(p.sign, static_cast<std::uint32_t>(p.exponent), p.significand); }

int precision_bits(Precision precision) {
    switch (precision) {
    case Precision::Single: return 24;
    case Precision::Double: return 53;
    // The reserved setting behaves as extended precision on the host.
    case Precision::Reserved:
    case Precision::Extended: break;
    }
    return 64;
}

// The operand check shared by the arithmetic operations (SDM vol. 1 §8.5.1, table 4-7): returns
// true with `result` set when an operand decides the result (unsupported encoding, NaN).
// An unsupported encoding is invalid and gives the real indefinite. Of two NaNs, the one with the
// larger significand wins; an SNaN is quietened and raises IE.
bool nan_or_unsupported(Float80 a, Class ca, Float80 b, Class cb, Env& env, Float80& result) {
    if (ca == Class::Unsupported || cb == Class::Unsupported) {
        env.flags |= exception::Invalid;
        result = kRealIndefinite;
        return true;
    }
    if (!is_nan(ca) && !is_nan(cb)) return false;
    if (ca == Class::SignalingNaN || cb == Class::SignalingNaN) env.flags |= exception::Invalid;
    if (is_nan(ca) && is_nan(cb)) {
        // Compared as they are: a QNaN's quiet bit makes it beat any SNaN (the host agrees with
        // table 4-7's "QNaN source operand" for an SNaN/QNaN pair).
        const std::uint64_t sa = a.significand, sb = b.significand;
        if (sa != sb)
            result = sa > sb ? a : b;
        else
            result = a.sign() ? b : a;  // equal significands: the positive one (measured)
    } else {
        result = is_nan(ca) ? a : b;
    }
    result.significand |= kQuietBit;
    return true;
}
bool nan_or_unsupported(Float80 a, Class ca, Env& env, Float80& result) {
    if (ca == Class::Unsupported) {
        env.flags |= exception::Invalid;
        result = kRealIndefinite;
        return true;
    }
    if (!is_nan(ca)) return false;
    if (ca == Class::SignalingNaN) env.flags |= exception::Invalid;
    result = a;
    result.significand |= kQuietBit;
    return true;
}

Float80 invalid(Env& env) {
    env.flags |= exception::Invalid;
    return kRealIndefinite;
}

// Exact zero result of an addition: +0, or -0 in round-down (SDM vol. 1 §4.8.3.8 / IEEE 754).
Float80 exact_zero_sum(bool sign_a, bool sign_b, Rounding rounding) {
    if (sign_a == sign_b) return zero(sign_a);
    return zero(rounding == Rounding::Down);
}

Float80 add_signed(Float80 a, Float80 b, bool negate_b, Env& env) {
    const Class ca = classify(a), cb = classify(b);
    Float80 special;
    if (nan_or_unsupported(a, ca, b, cb, env, special)) return special;
    const bool sign_a = a.sign(), sign_b = b.sign() != negate_b;
    if (ca == Class::Infinity || cb == Class::Infinity) {
        if (ca == Class::Infinity && cb == Class::Infinity && sign_a != sign_b) return invalid(env);
        if (is_denormal(ca) || is_denormal(cb)) env.flags |= exception::Denormal;
        return infinity(ca == Class::Infinity ? sign_a : sign_b);
    }
    if (is_denormal(ca) || is_denormal(cb)) {
        env.flags |= exception::Denormal;
        if (env.unmasked(exception::Denormal)) return a;
    }
    if (ca == Class::Zero && cb == Class::Zero) return exact_zero_sum(sign_a, sign_b, env.rounding);
    const Format format{precision_bits(env.precision), kExponentBias, kMaxExponent - 1, true};
    if (ca == Class::Zero || cb == Class::Zero) {
        // x + 0 is x, still rounded to the precision control.
        const Unpacked x = unpack(ca == Class::Zero ? b : a);
        const bool sign = ca == Class::Zero ? sign_b : sign_a;
        return to_float80(round_to_format(sign, x.exponent, Uint128{x.significand} << 64, format, env));
    }
    Unpacked x = unpack(a), y = unpack(b);
    x.sign = sign_a;
    y.sign = sign_b;
    if (x.exponent < y.exponent || (x.exponent == y.exponent && x.significand < y.significand)) std::swap(x, y);
    // |x| >= |y|. Significands at bit 126 (one spare bit above for the carry of an addition), 62
    // bits below for alignment; what falls off the bottom is kept as a sticky bit.
    const Uint128 big = Uint128{x.significand} << 63;
    const Uint128 small = shift_right_sticky(Uint128{y.significand} << 63, static_cast<std::int64_t>(x.exponent) - y.exponent);
    Uint128 sum = x.sign == y.sign ? big + small : big - small;
    if (sum == 0) return exact_zero_sum(x.sign, y.sign, env.rounding);
    const int shift = leading_zeros128(sum);
    // The sum's value is sum / 2^126 * 2^(x.exponent - bias); normalise to bit 127.
    sum <<= shift;
    return to_float80(round_to_format(x.sign, x.exponent + 1 - shift, sum, format, env));
}

}  // namespace

Class classify(Float80 v) {
    const unsigned exponent = v.exponent();
    const bool integer_bit = v.significand & kIntegerBit;
    if (exponent == 0) {
        if (v.significand == 0) return Class::Zero;
        return integer_bit ? Class::PseudoDenormal : Class::Denormal;
    }
    if (!integer_bit) return Class::Unsupported;  // unnormal, pseudo-infinity, pseudo-NaN
    if (exponent == kMaxExponent) {
        if ((v.significand & ~kIntegerBit) == 0) return Class::Infinity;
        return (v.significand & kQuietBit) ? Class::QuietNaN : Class::SignalingNaN;
    }
    return Class::Normal;
}

Float80 round_and_pack(bool sign, std::int32_t exponent, Uint128 significand, bool use_precision_control, Env& env) {
    if (significand == 0) return zero(sign);
    if (const int shift = leading_zeros128(significand); shift != 0) {
        // Callers with a not-quite-normalised wide result: the value is what counts.
        significand <<= shift;
        exponent -= shift;
    }
    const int precision = use_precision_control ? precision_bits(env.precision) : 64;
    return to_float80(
        round_to_format(sign, exponent, significand, Format{precision, kExponentBias, kMaxExponent - 1, true}, env));
}

Float80 add(Float80 a, Float80 b, Env& env) { return add_signed(a, b, false, env); }
Float80 sub(Float80 a, Float80 b, Env& env) { return add_signed(a, b, true, env); }

Float80 mul(Float80 a, Float80 b, Env& env) {
    const Class ca = classify(a), cb = classify(b);
    Float80 special;
    if (nan_or_unsupported(a, ca, b, cb, env, special)) return special;
    const bool sign = a.sign() != b.sign();
    if (ca == Class::Infinity || cb == Class::Infinity) {
        if (ca == Class::Zero || cb == Class::Zero) return invalid(env);
        if (is_denormal(ca) || is_denormal(cb)) env.flags |= exception::Denormal;
        return infinity(sign);
    }
    if (is_denormal(ca) || is_denormal(cb)) {
        env.flags |= exception::Denormal;
        if (env.unmasked(exception::Denormal)) return a;
    }
    if (ca == Class::Zero || cb == Class::Zero) return zero(sign);
    const Unpacked x = unpack(a), y = unpack(b);
    Uint128 product = Uint128{x.significand} * y.significand;  // value product / 2^126, in [1, 4)
    std::int32_t exponent = x.exponent + y.exponent - kExponentBias;
    if (product >> 127)
        ++exponent;
    else
        product <<= 1;
    const Format format{precision_bits(env.precision), kExponentBias, kMaxExponent - 1, true};
    return to_float80(round_to_format(sign, exponent, product, format, env));
}

Float80 div(Float80 a, Float80 b, Env& env) {
    const Class ca = classify(a), cb = classify(b);
    Float80 special;
    if (nan_or_unsupported(a, ca, b, cb, env, special)) return special;
    const bool sign = a.sign() != b.sign();
    if (ca == Class::Infinity) {
        if (cb == Class::Infinity) return invalid(env);
        if (is_denormal(cb)) env.flags |= exception::Denormal;
        return infinity(sign);
    }
    if (cb == Class::Infinity) {
        if (is_denormal(ca)) env.flags |= exception::Denormal;
        return zero(sign);
    }
    if (ca == Class::Zero && cb == Class::Zero) return invalid(env);
    if (cb == Class::Zero) {
        // Checked before the denormal operand: a denormal divided by zero raises ZE only (host).
        env.flags |= exception::ZeroDivide;
        return infinity(sign);
    }
    if (is_denormal(ca) || is_denormal(cb)) {
        env.flags |= exception::Denormal;
        if (env.unmasked(exception::Denormal)) return a;
    }
    if (ca == Class::Zero) return zero(sign);
    const Unpacked x = unpack(a), y = unpack(b);
    // Long division in two 64-bit steps: 128 quotient bits with the leading one at bit 127, the
    // final remainder as the sticky bit.
    std::int32_t exponent = x.exponent - y.exponent + kExponentBias;
    Uint128 numerator;
    if (x.significand >= y.significand) {
        numerator = Uint128{x.significand} << 63;
    } else {
        numerator = Uint128{x.significand} << 64;
        --exponent;
    }
    const Uint128 high = numerator / y.significand;
    const Uint128 remainder = numerator % y.significand;
    const Uint128 low_numerator = remainder << 64;
    const Uint128 low = low_numerator / y.significand;
    const bool sticky = (low_numerator % y.significand) != 0;
    const Uint128 quotient = (high << 64) | low | (sticky ? 1 : 0);
    const Format format{precision_bits(env.precision), kExponentBias, kMaxExponent - 1, true};
    return to_float80(round_to_format(sign, exponent, quotient, format, env));
}

Float80 sqrt(Float80 a, Env& env) {
    const Class ca = classify(a);
    Float80 special;
    if (nan_or_unsupported(a, ca, env, special)) return special;
    if (ca == Class::Zero) return a;  // sqrt(-0) = -0
    if (a.sign()) return invalid(env);
    if (ca == Class::Infinity) return a;
    if (is_denormal(ca)) {
        env.flags |= exception::Denormal;
        if (env.unmasked(exception::Denormal)) return a;
    }
    const Unpacked x = unpack(a);
    // value = significand / 2^63 * 2^e, e = exponent - bias. Make e even by doubling the
    // radicand; the radicand then has two integer bits and 64 fraction bits (66 bits).
    std::int32_t e = x.exponent - kExponentBias;
    Uint128 radicand = Uint128{x.significand} << 1;  // value radicand / 2^64
    if (e & 1) {
        radicand <<= 1;
        e -= 1;
    }
    // Bit-by-bit square root: each step brings down two radicand bits (zeros after the 66 given)
    // and decides one root bit. 68 root bits leave 4 bits below the 64th for rounding; the final
    // remainder says whether anything is left beyond them.
    constexpr int kRootBits = 68;
    Uint128 root = 0, remainder = 0;
    for (int i = 0; i < kRootBits; ++i) {
        const int pair_shift = 64 - 2 * i;  // the radicand's pair i counts from the top (bits 65-64 first)
        const unsigned pair = pair_shift >= 0 ? static_cast<unsigned>((radicand >> pair_shift) & 3) : 0;
        remainder = (remainder << 2) | pair;
        const Uint128 trial = (root << 2) | 1;
        if (remainder >= trial) {
            remainder -= trial;
            root = (root << 1) | 1;
        } else {
            root <<= 1;
        }
    }
    // root / 2^67 in [1, 2).
    Uint128 significand = (root << (128 - kRootBits)) | (remainder != 0 ? 1 : 0);
    const Format format{precision_bits(env.precision), kExponentBias, kMaxExponent - 1, true};
    return to_float80(round_to_format(false, e / 2 + kExponentBias, significand, format, env));
}

}  // namespace x86emu::fpu

namespace x86emu::fpu {

namespace {

// Rounds a finite nonzero value to an integer per the rounding mode: the magnitude (at most
// 2^63 for the inputs this is called with, exponent below 63) and whether it was inexact/rounded up.
RoundedBits round_to_integer(const Unpacked& x, Rounding rounding) {
    const std::int32_t e = x.exponent - kExponentBias;  // the leading bit is 2^e; callers ensure e < 63
    const Uint128 top = Uint128{x.significand} << 64;
    if (e >= 0) return round_bits(top, e + 1, rounding, x.sign);
    // Below 1: move the binary point to just under bit 127 so that one kept bit is the integer part.
    return round_bits(shift_right_sticky(top, -static_cast<std::int64_t>(e)), 1, rounding, x.sign);
}

// An exact nonzero integer magnitude as a Float80.
Float80 from_magnitude(bool sign, std::uint64_t magnitude) {
    const int shift = std::countl_zero(magnitude);
    return make(sign, static_cast<std::uint32_t>(kExponentBias + 63 - shift), magnitude << shift);
}

// The constants with 128 significand bits (value = significand / 2^127 * 2^exponent), computed
// from their mathematical definitions; the x87 holds them with more than 64 bits and rounds on
// load (SDM vol. 1 §8.3.8).
struct WideConstant {
    std::int32_t exponent;
    std::uint64_t high, low;
};
constexpr WideConstant kLog2Ten{1, 0xD49A784BCD1B8AFEull, 0x492BF6FF4DAFDB4Cull};
constexpr WideConstant kLog2E{0, 0xB8AA3B295C17F0BBull, 0xBE87FED0691D3E88ull};
constexpr WideConstant kPi{1, 0xC90FDAA22168C234ull, 0xC4C6628B80DC1CD1ull};
constexpr WideConstant kLog10Two{-2, 0x9A209A84FBCFF798ull, 0x8F8959AC0B7C9178ull};
constexpr WideConstant kLnTwo{-1, 0xB17217F7D1CF79ABull, 0xC9E3B39803F2F6AFull};

constexpr std::uint32_t kFloat32Indefinite = 0xFFC00000u;
constexpr std::uint64_t kFloat64Indefinite = 0xFFF8000000000000ull;

}  // namespace

Float80 round_to_integral(Float80 a, Env& env) {
    const Class ca = classify(a);
    Float80 special;
    if (nan_or_unsupported(a, ca, env, special)) return special;
    if (ca == Class::Zero || ca == Class::Infinity) return a;
    if (is_denormal(ca)) {
        env.flags |= exception::Denormal;
        if (env.unmasked(exception::Denormal)) return a;
    }
    const Unpacked x = unpack(a);
    if (x.exponent - kExponentBias >= 63) return a;  // already integral
    const RoundedBits r = round_to_integer(x, env.rounding);
    if (r.inexact) env.flags |= exception::Precision;
    env.rounded_up = r.incremented;
    if (r.kept == 0) return zero(x.sign);
    return from_magnitude(x.sign, static_cast<std::uint64_t>(r.kept));
}

Float80 scale(Float80 a, Float80 b, Env& env) {
    const Class ca = classify(a), cb = classify(b);
    Float80 special;
    if (nan_or_unsupported(a, ca, b, cb, env, special)) return special;
    if (cb == Class::Infinity) {
        // a * 2^+inf and a * 2^-inf (SDM vol. 2 FSCALE table): 0 * 2^+inf and inf * 2^-inf are invalid.
        if (!b.sign()) {
            if (ca == Class::Zero) return invalid(env);
            if (is_denormal(ca)) env.flags |= exception::Denormal;
            return infinity(a.sign());
        }
        if (ca == Class::Infinity) return invalid(env);
        if (is_denormal(ca)) env.flags |= exception::Denormal;
        return zero(a.sign());
    }
    if (is_denormal(ca) || is_denormal(cb)) {
        env.flags |= exception::Denormal;
        if (env.unmasked(exception::Denormal)) return a;
    }
    if (ca == Class::Zero || ca == Class::Infinity) return a;
    // A zero scale factor: the FSCALE table of SDM vol. 2 gives the operand itself, and Intel
    // silicon (measured on Rocket Lake) returns a denormal untouched with DE alone even with UE
    // unmasked, a pseudo-denormal in its normal encoding; any other factor, including one that
    // truncates to 0, goes through the rounding below (UE and the wrap when unmasked). AMD Zen 4
    // rounds for a zero factor too (docs/X87_CHOICES.md).
    if (cb == Class::Zero) return returned_as_is(a, ca);
    const Unpacked x = unpack(a);
    // trunc(b), clamped: any |n| beyond 2^17 overflows or underflows every 80-bit value anyway.
    std::int64_t n = 0;
    if (cb != Class::Zero) {
        const Unpacked y = unpack(b);
        const std::int32_t e = y.exponent - kExponentBias;
        if (e >= 17)
            n = 1 << 17;
        else if (e >= 0)
            n = static_cast<std::int64_t>(y.significand >> (63 - e));
        n = y.sign ? -n : n;
    }
    const std::int32_t exponent = static_cast<std::int32_t>(x.exponent + n);
    return round_and_pack(x.sign, exponent, Uint128{x.significand} << 64, false, env);
}

std::pair<Float80, Float80> extract(Float80 a, Env& env) {
    const Class ca = classify(a);
    Float80 special;
    if (nan_or_unsupported(a, ca, env, special)) return {special, special};
    if (ca == Class::Zero) {
        env.flags |= exception::ZeroDivide;
        return {infinity(true), a};
    }
    if (ca == Class::Infinity) return {infinity(false), a};
    if (is_denormal(ca)) env.flags |= exception::Denormal;
    const Unpacked x = unpack(a);
    return {from_int(x.exponent - kExponentBias), make(x.sign, kExponentBias, x.significand)};
}

RemainderResult partial_remainder(Float80 a, Float80 b, bool ieee, Env& env) {
    const Class ca = classify(a), cb = classify(b);
    RemainderResult result;
    if (nan_or_unsupported(a, ca, b, cb, env, result.remainder)) return result;
    if (ca == Class::Infinity || cb == Class::Zero) {
        result.remainder = invalid(env);
        return result;
    }
    if (is_denormal(ca) || is_denormal(cb)) {
        env.flags |= exception::Denormal;
        if (env.unmasked(exception::Denormal)) {
            result.remainder = a;
            return result;
        }
    }
    if (ca == Class::Zero) {
        result.remainder = a;
        return result;
    }
    if (cb == Class::Infinity) {
        // A finite dividend over an infinite divisor: the FPREM/FPREM1 tables of SDM vol. 2 give
        // "ST(0)", the dividend itself, with no remainder computed, so a denormal dividend raises
        // DE only and no UE even when UE is unmasked. The one change Intel silicon makes
        // (measured on a Rocket Lake host) is to write a pseudo-denormal in its normal encoding
        // (same value, exponent 1). AMD Zen 4 instead rounds the dividend like any result and
        // raises UE with the wrapped value for a true denormal (docs/X87_CHOICES.md).
        result.remainder = returned_as_is(a, ca);
        return result;
    }
    const Unpacked x = unpack(a);
    const Unpacked y = unpack(b);
    const std::int32_t distance = x.exponent - y.exponent;
    if (distance < -1 || (distance == -1 && !ieee)) {  // |a| < |b| (/2 for FPREM1): quotient 0
        result.remainder = round_and_pack(x.sign, x.exponent, Uint128{x.significand} << 64, false, env);
        return result;
    }
    // One step reduces the exponent by at most 63. A longer reduction stops at an exponent
    // distance that is a multiple of 32 (N = 32 + D mod 32 of the SDM's "between 32 and 63",
    // measured on the host) with a truncated quotient for FPREM1 too.
    const bool partial = distance >= 64;
    const int step = partial ? 32 + (distance & 31) : distance;
    bool sign = x.sign;
    Uint128 quotient = 0, remainder = 0;
    if (step >= 0) {
        const Uint128 numerator = Uint128{x.significand} << step;
        quotient = numerator / y.significand;
        remainder = numerator % y.significand;
    } else {  // FPREM1 with |a| in [|b|/2, |b|): the quotient is 0 or 1
        remainder = x.significand;  // at half the weight of b's significand
    }
    // The remainder's weight: significand units of b shifted by what is left of the distance.
    std::int32_t exponent = y.exponent + (partial ? distance - step : 0);
    if (ieee && !partial) {
        // Round the quotient to nearest, ties to even: compare the remainder with b/2.
        const Uint128 twice = step >= 0 ? remainder * 2 : remainder;
        const Uint128 divisor = y.significand;
        if (twice > divisor || (twice == divisor && (quotient & 1))) {
            ++quotient;
            // b - r (in the same units; r was at half weight when step < 0).
            if (step >= 0) {
                remainder = divisor - remainder;
            } else {
                remainder = Uint128{divisor} * 2 - remainder;
                --exponent;
            }
            sign = !sign;
        } else if (step < 0) {
            --exponent;
        }
    }
    if (partial) {
        result.complete = false;
    } else {
        result.quotient_low = static_cast<unsigned>(quotient & 7);
    }
    if (remainder == 0) {
        result.remainder = zero(x.sign);
        return result;
    }
    // remainder / 2^63 * 2^(exponent - bias); exact, so rounding only matters when it is tiny.
    const int shift = leading_zeros128(remainder);
    result.remainder = round_and_pack(sign, exponent + 64 - shift, remainder << shift, false, env);
    return result;
}

Ordering compare(Float80 a, Float80 b, bool quiet, Env& env) {
    const Class ca = classify(a), cb = classify(b);
    if (ca == Class::Unsupported || cb == Class::Unsupported) {
        env.flags |= exception::Invalid;
        return Ordering::Unordered;
    }
    if (is_nan(ca) || is_nan(cb)) {
        if (!quiet || ca == Class::SignalingNaN || cb == Class::SignalingNaN) env.flags |= exception::Invalid;
        return Ordering::Unordered;
    }
    if (is_denormal(ca) || is_denormal(cb)) env.flags |= exception::Denormal;
    if (ca == Class::Zero && cb == Class::Zero) return Ordering::Equal;
    // Order by sign, then by magnitude (infinity above every finite value, zero below).
    const auto magnitude_order = [](Float80 v, Class c) -> std::pair<std::int64_t, std::uint64_t> {
        if (c == Class::Zero) return {INT64_MIN, 0};
        if (c == Class::Infinity) return {INT64_MAX, 0};
        const Unpacked u = unpack(v);
        return {u.exponent, u.significand};
    };
    const auto ma = magnitude_order(a, ca), mb = magnitude_order(b, cb);
    const bool sa = ca != Class::Zero && a.sign(), sb = cb != Class::Zero && b.sign();
    if (sa != sb) return sa ? Ordering::Less : Ordering::Greater;
    if (ma == mb) return Ordering::Equal;
    const bool a_larger_magnitude = ma > mb;
    return a_larger_magnitude != sa ? Ordering::Greater : Ordering::Less;
}

Float80 from_int(std::int64_t value) {
    if (value == 0) return kPositiveZero;
    const bool sign = value < 0;
    const std::uint64_t magnitude = sign ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
    return from_magnitude(sign, magnitude);
}

std::int64_t to_int(Float80 a, unsigned bits, Env& env) {
    // The integer indefinite, -2^(bits-1): built in unsigned arithmetic, since negating
    // 2^63 as an int64_t overflows (the conversion back is modular from C++20 on).
    const std::int64_t indefinite = static_cast<std::int64_t>(~std::uint64_t{0} << (bits - 1));
    const Class ca = classify(a);
    if (ca == Class::Unsupported || is_nan(ca) || ca == Class::Infinity) {
        env.flags |= exception::Invalid;
        return indefinite;
    }
    if (ca == Class::Zero) return 0;
    const Unpacked x = unpack(a);
    const std::int32_t e = x.exponent - kExponentBias;
    std::uint64_t magnitude;
    if (e >= 63) {
        // Integral already; only -2^63 fits (in 64 bits).
        if (e > 63 || x.significand != kIntegerBit) {
            env.flags |= exception::Invalid;
            return indefinite;
        }
        magnitude = kIntegerBit;
    } else {
        const RoundedBits r = round_to_integer(x, env.rounding);
        magnitude = static_cast<std::uint64_t>(r.kept);
        const std::uint64_t limit = (std::uint64_t{1} << (bits - 1)) - (x.sign ? 0 : 1);
        if (magnitude > limit) {
            env.flags |= exception::Invalid;
            return indefinite;
        }
        if (r.inexact) env.flags |= exception::Precision;
        env.rounded_up = r.incremented;
    }
    if (magnitude > (std::uint64_t{1} << (bits - 1)) - (x.sign ? 0 : 1)) {
        env.flags |= exception::Invalid;
        return indefinite;
    }
    return x.sign ? static_cast<std::int64_t>(0 - magnitude) : static_cast<std::int64_t>(magnitude);
}

namespace {

// FLD m32fp/m64fp: `fraction_bits` explicit significand bits, `exponent_bits` exponent bits.
Float80 from_binary(std::uint64_t bits, int fraction_bits, int exponent_bits, Env& env) {
    const bool sign = (bits >> (fraction_bits + exponent_bits)) & 1;
    const std::uint64_t max_exponent = (std::uint64_t{1} << exponent_bits) - 1;
    const std::uint64_t exponent = (bits >> fraction_bits) & max_exponent;
    const std::uint64_t fraction = bits & ((std::uint64_t{1} << fraction_bits) - 1);
    const std::int32_t bias = static_cast<std::int32_t>(max_exponent >> 1);
    const int align = 63 - fraction_bits;  // the fraction's top bit lands on bit 62
    if (exponent == max_exponent) {
        if (fraction == 0) return infinity(sign);
        Float80 nan = make(sign, kMaxExponent, kIntegerBit | (fraction << align));
        if (!(nan.significand & kQuietBit)) {
            env.flags |= exception::Invalid;
            nan.significand |= kQuietBit;
        }
        return nan;
    }
    if (exponent == 0) {
        if (fraction == 0) return zero(sign);
        // A denormal of the smaller format is a normal extended value.
        env.flags |= exception::Denormal;
        const int shift = std::countl_zero(fraction);
        return make(sign, static_cast<std::uint32_t>(kExponentBias - bias + 1 - (shift - (63 - fraction_bits)) ),
                    fraction << shift);
    }
    return make(sign, static_cast<std::uint32_t>(static_cast<std::int32_t>(exponent) - bias + kExponentBias),
                kIntegerBit | (fraction << align));
}

// FST m32fp/m64fp: round to the format's precision and exponent range. Returns the bits, or the
// format's indefinite for an invalid operand. Unmasked OE/UE: the caller stores nothing.
std::uint64_t to_binary(Float80 a, int fraction_bits, int exponent_bits, std::uint64_t indefinite, Env& env) {
    const std::uint64_t max_exponent = (std::uint64_t{1} << exponent_bits) - 1;
    const std::uint64_t sign_bit = std::uint64_t{1} << (fraction_bits + exponent_bits);
    const int align = 63 - fraction_bits;
    const Class ca = classify(a);
    const std::uint64_t sign = a.sign() ? sign_bit : 0;
    if (ca == Class::Unsupported) {
        env.flags |= exception::Invalid;
        return indefinite;
    }
    if (is_nan(ca)) {
        if (ca == Class::SignalingNaN) env.flags |= exception::Invalid;
        // The payload's top bits survive; the quiet bit is set.
        return sign | (max_exponent << fraction_bits) | ((a.significand | kQuietBit) & ~kIntegerBit) >> align;
    }
    if (ca == Class::Infinity) return sign | (max_exponent << fraction_bits);
    if (ca == Class::Zero) return sign;
    // A denormal operand raises no DE here (measured on the host): FST m32/m64 only reports the
    // rounding exceptions of the conversion.
    const Unpacked x = unpack(a);
    const Format format{fraction_bits + 1, static_cast<std::int32_t>(max_exponent >> 1),
                        static_cast<std::int32_t>(max_exponent - 1), false};
    const Packed p = round_to_format(x.sign, x.exponent, Uint128{x.significand} << 64, format, env);
    return sign | (static_cast<std::uint64_t>(p.exponent) << fraction_bits) | ((p.significand & ~kIntegerBit) >> align);
}

}  // namespace

Float80 from_float32(std::uint32_t bits, Env& env) { return from_binary(bits, 23, 8, env); }
Float80 from_float64(std::uint64_t bits, Env& env) { return from_binary(bits, 52, 11, env); }
std::uint32_t to_float32(Float80 a, Env& env) {
    return static_cast<std::uint32_t>(to_binary(a, 23, 8, kFloat32Indefinite, env));
}
std::uint64_t to_float64(Float80 a, Env& env) { return to_binary(a, 52, 11, kFloat64Indefinite, env); }

Float80 from_bcd(const std::uint8_t bytes[10]) {
    std::uint64_t value = 0;
    for (int i = 8; i >= 0; --i) {
        value = value * 10 + (bytes[i] >> 4);
        value = value * 10 + (bytes[i] & 0x0F);
    }
    const bool sign = bytes[9] & 0x80;
    if (value == 0) return zero(sign);
    return from_magnitude(sign, value);
}

void to_bcd(Float80 a, std::uint8_t bytes[10], Env& env) {
    const auto store_indefinite = [&] {
        env.flags |= exception::Invalid;
        // The packed-BCD indefinite: FFFF C000000000000000 as its 10 bytes (SDM vol. 1 §4.7).
        for (int i = 0; i < 7; ++i) bytes[i] = 0;
        bytes[7] = 0xC0;
        bytes[8] = 0xFF;
        bytes[9] = 0xFF;
    };
    const Class ca = classify(a);
    if (ca == Class::Unsupported || is_nan(ca) || ca == Class::Infinity) return store_indefinite();
    std::uint64_t magnitude = 0;
    if (ca != Class::Zero) {
        // No DE for a denormal operand (measured on the host, like FIST).
        const Unpacked x = unpack(a);
        if (x.exponent - kExponentBias >= 60) return store_indefinite();  // >= 2^60 > 10^18
        const RoundedBits r = round_to_integer(x, env.rounding);
        magnitude = static_cast<std::uint64_t>(r.kept);
        if (magnitude >= 1000000000000000000ull) return store_indefinite();
        if (r.inexact) env.flags |= exception::Precision;
        env.rounded_up = r.incremented;
    }
    for (int i = 0; i < 9; ++i) {
        const unsigned low = static_cast<unsigned>(magnitude % 10);
        magnitude /= 10;
        const unsigned high = static_cast<unsigned>(magnitude % 10);
        magnitude /= 10;
        bytes[i] = static_cast<std::uint8_t>(high << 4 | low);
    }
    bytes[9] = a.sign() ? 0x80 : 0x00;
}

Float80 load_constant(Constant which, Rounding rounding) {
    WideConstant c{};
    switch (which) {
    case Constant::One: return kPositiveOne;
    case Constant::Zero: return kPositiveZero;
    case Constant::Log2Ten: c = kLog2Ten; break;
    case Constant::Log2E: c = kLog2E; break;
    case Constant::Pi: c = kPi; break;
    case Constant::Log10Two: c = kLog10Two; break;
    case Constant::LnTwo: c = kLnTwo; break;
    }
    const Uint128 wide = (Uint128{c.high} << 64) | c.low;
    // None of the five has 64 one bits at the top, so rounding never carries into a new exponent.
    const RoundedBits r = round_bits(wide, 64, rounding, false);
    return make(false, static_cast<std::uint32_t>(kExponentBias + c.exponent), static_cast<std::uint64_t>(r.kept));
}

}  // namespace x86emu::fpu
