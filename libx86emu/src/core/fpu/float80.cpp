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
        if (format.register_destination && !(env.masks & exception::Overflow)) {
            // Unmasked overflow: the correctly rounded significand with the exponent wrapped.
            env.flags |= exception::Overflow;
            if (normal.inexact) env.flags |= exception::Precision;
            env.rounded_up = normal.incremented;
            return {sign, static_cast<std::int32_t>(rounded_exponent - kWrapBias), top_align(kept)};
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
        if (format.register_destination) {
            // Unmasked underflow: deliver the normal-precision rounding with the exponent wrapped up.
            if (normal.inexact) env.flags |= exception::Precision;
            env.rounded_up = normal.incremented;
            return {sign, static_cast<std::int32_t>(rounded_exponent + kWrapBias), top_align(kept)};
        }
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
