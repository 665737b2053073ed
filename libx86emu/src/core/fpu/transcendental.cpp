// x86emu — the x87 transcendental instructions on integers: F2XM1, FYL2X, FYL2XP1, FPATAN, FSIN,
// FCOS, FSINCOS, FPTAN.
// Implements Intel SDM vol. 2 (the instruction pages of F2XM1, FYL2X, FYL2XP1, FPATAN, FSIN, FCOS,
// FSINCOS, FPTAN: domains, special-operand tables, C1/C2), vol. 1 §8.3.10 (transcendental
// instructions, the pi used for argument reduction), §8.5 (exception conditions: IE, DE, ZE, UE,
// PE and their masked responses) and §4.8.3 (NaN propagation, table 4-7).
//
// How: every result is computed in a small internal format with a 128-bit significand (`Wide`)
// with truncating arithmetic that keeps a sticky bit ("round to odd"), evaluated by power series
// after argument reduction, and rounded to 64 bits once by round_and_pack(). The series keep about
// 120 correct bits, so the final rounding is correct except when the exact value lies within about
// 2^-120 (relative) of a rounding boundary; the cases where that happens systematically (tiny
// arguments: sin x ~ x, cos x ~ 1, tan x ~ x) are handled explicitly so that directed rounding
// and C1 still go the right way. The host's floating point is never used.
//
// Hardware facts we reproduce on purpose (measured on AMD Zen 4 and Intel Rocket Lake x87s, see
// docs/CONFORMANCE.md; where the two differ we follow Intel, whose parts we emulate):
//  - FSIN/FCOS/FSINCOS/FPTAN reduce their argument modulo pi/2 using pi rounded to 66 bits, not
//    the true pi (Intel documents this: the x87 "uses a 66-bit approximation of pi" for argument
//    reduction). Near multiples of pi/2 the result therefore differs from the true function; we
//    reduce with exactly that 66-bit constant and exact integer arithmetic, which is what the
//    silicon returns.
//  - Outside the documented domains (|x| > 1 for F2XM1, x <= -1 for FYL2XP1) the manual leaves the
//    result undefined. We return what silicon returns (the same on the AMD and the Intel host).
//  - PE is raised for every finite nonzero result, even an exact one (FYL2X(1, 2) = 1 sets PE on
//    the host); exact zero results (log2(1), sin(0)) raise nothing.
#include <bit>
#include <cstdint>
#include <utility>

#include "core/fpu/float80.hpp"

namespace x86emu::fpu {
namespace {

constexpr Uint128 kTop = Uint128{1} << 127;

// ---- a 128-bit-significand number ----------------------------------------------------------
// value = (-1)^neg * sig / 2^127 * 2^exp; sig has bit 127 set unless the value is zero. The
// exponent is unbounded in practice (int32): intermediate values of tiny or huge operands never
// overflow or underflow here; only round_and_pack() applies the format's range.
struct Wide {
    Uint128 sig = 0;
    std::int32_t exp = 0;
    bool neg = false;
    bool zero() const { return sig == 0; }
};

int leading_zeros(Uint128 v) {
    const auto hi = static_cast<std::uint64_t>(v >> 64);
    if (hi != 0) return std::countl_zero(hi);
    return 64 + std::countl_zero(static_cast<std::uint64_t>(v));
}

Wide normalised(bool neg, std::int32_t exp, Uint128 sig) {
    if (sig == 0) return Wide{0, 0, neg};
    const int shift = leading_zeros(sig);
    return Wide{sig << shift, exp - shift, neg};
}

Wide negated(Wide a) {
    a.neg = !a.neg;
    return a;
}
Wide magnitude(Wide a) {
    a.neg = false;
    return a;
}
Wide scaled(Wide a, std::int32_t power_of_two) {
    if (!a.zero()) a.exp += power_of_two;
    return a;
}

// An integer as a Wide value (exact).
Wide from_integer(std::int64_t v) {
    const bool neg = v < 0;
    const std::uint64_t m = neg ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
    return normalised(neg, 127, Uint128{m});
}
const Wide kOne = from_integer(1);

// A finite nonzero Float80 (normal, denormal or pseudo-denormal) as a Wide value (exact). Denormals
// use the exponent 1 - bias, the same as the smallest normal (SDM vol. 1 §4.8.3.2).
Wide from_float80(Float80 a) {
    const int field = a.exponent() == 0 ? 1 : static_cast<int>(a.exponent());
    return normalised(a.sign(), field - kExponentBias, Uint128{a.significand} << 64);
}

// 128 x 128 -> 256-bit product as (hi, lo).
std::pair<Uint128, Uint128> multiply_full(Uint128 a, Uint128 b) {
    const Uint128 mask = (Uint128{1} << 64) - 1;
    const Uint128 a0 = a & mask, a1 = a >> 64, b0 = b & mask, b1 = b >> 64;
    const Uint128 p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    const Uint128 middle = (p00 >> 64) + (p01 & mask) + (p10 & mask);
    const Uint128 lo = (p00 & mask) | (middle << 64);
    const Uint128 hi = p11 + (p01 >> 64) + (p10 >> 64) + (middle >> 64);
    return {hi, lo};
}

// Every operation below truncates to 128 bits and ORs the lost bits into bit 0 (a sticky bit).
// Truncation keeps the error below one unit of bit 0 and one-sided, and the sticky bit keeps "not
// exact" visible to the final rounding, so a value that is exact (log2(8) = 3) stays exact and one
// that merely lies close to a float80 (1 - 2^-90) still rounds in the right direction.
Wide multiply(Wide a, Wide b) {
    if (a.zero() || b.zero()) return Wide{0, 0, a.neg != b.neg};
    auto [hi, lo] = multiply_full(a.sig, b.sig);
    // Both factors are in [1, 2): the product is in [1, 4), bit 255 or bit 254 leading.
    std::int32_t exp = a.exp + b.exp;
    if (hi >> 127) {
        ++exp;
    } else {
        hi = (hi << 1) | (lo >> 127);
        lo <<= 1;
    }
    return Wide{hi | (lo != 0 ? 1 : 0), exp, a.neg != b.neg};
}

Wide add(Wide a, Wide b) {
    if (a.zero()) return b;
    if (b.zero()) return a;
    if (b.exp > a.exp || (b.exp == a.exp && b.sig > a.sig)) std::swap(a, b);  // |a| >= |b|
    // a occupies the high half of a 256-bit window; b is aligned below it. Bits of b below the
    // window only contribute a sticky bit.
    const std::int64_t distance = static_cast<std::int64_t>(a.exp) - b.exp;
    Uint128 b_hi = 0, b_lo = 0;
    bool sticky = false;
    if (distance == 0) {
        b_hi = b.sig;
    } else if (distance < 128) {
        b_hi = b.sig >> distance;
        b_lo = b.sig << (128 - distance);
    } else if (distance == 128) {
        b_lo = b.sig;
    } else if (distance < 256) {
        b_lo = b.sig >> (distance - 128);
        sticky = (b.sig << (256 - distance)) != 0;
    } else {
        sticky = true;
    }
    Uint128 hi, lo;
    std::int32_t exp = a.exp;
    if (a.neg == b.neg) {
        lo = b_lo;  // a's low half is zero
        hi = a.sig + b_hi;
        if (hi < a.sig) {  // carry out of bit 127: the sum is in [2, 4)
            sticky = sticky || (lo & 1);
            lo = (lo >> 1) | (hi << 127);
            hi = (hi >> 1) | kTop;
            ++exp;
        }
    } else {
        // |a| - |b|; a sticky b means b was slightly larger than (b_hi, b_lo), so the true
        // difference is slightly smaller: subtract one more unit and keep the sticky bit.
        const Uint128 borrow_in = sticky ? 1 : 0;
        lo = Uint128{0} - b_lo - borrow_in;
        const Uint128 borrow = (b_lo != 0 || borrow_in != 0) ? 1 : 0;
        hi = a.sig - b_hi - borrow;
        if (hi == 0 && lo == 0 && !sticky) return Wide{0, 0, false};  // exact cancellation: +0
        int shift = 0;
        if (hi == 0) {
            hi = lo;
            lo = 0;
            shift = 128;
        }
        const int z = leading_zeros(hi);
        if (z != 0) {
            hi = (hi << z) | (lo >> (128 - z));
            lo <<= z;
        }
        exp -= shift + z;
    }
    return Wide{hi | ((lo != 0 || sticky) ? 1 : 0), exp, a.neg};
}

Wide subtract(Wide a, Wide b) { return add(a, negated(b)); }

// a / b by restoring division, one quotient bit per step; `exact` reports a zero remainder.
Wide divide(Wide a, Wide b, bool* exact = nullptr) {
    std::int32_t exp = a.exp - b.exp;
    Uint128 remainder = a.sig;
    bool carry = false;  // bit 128 of the running remainder
    if (a.sig < b.sig) {
        // The quotient is in (1/2, 1): start from 2a so that the first quotient bit is 1.
        carry = (remainder >> 127) != 0;
        remainder <<= 1;
        --exp;
    }
    Uint128 quotient = 0;
    for (int i = 0; i < 128; ++i) {
        quotient <<= 1;
        if (carry || remainder >= b.sig) {
            remainder -= b.sig;  // wraps correctly when carry is set: the true value is < b
            quotient |= 1;
        }
        carry = (remainder >> 127) != 0;
        remainder <<= 1;
    }
    const bool is_exact = remainder == 0 && !carry;
    if (exact) *exact = is_exact;
    return Wide{quotient | (is_exact ? 0 : 1), exp, a.neg != b.neg};
}

// a / n for a small positive integer n (the series coefficients): 192-bit by 64-bit long
// division, cheaper than divide().
Wide divide_small(Wide a, std::uint64_t n) {
    if (a.zero()) return a;
    const auto hi = static_cast<std::uint64_t>(a.sig >> 64), lo = static_cast<std::uint64_t>(a.sig);
    const std::uint64_t q2 = hi / n;
    Uint128 r = hi % n;
    Uint128 t = (r << 64) | lo;
    const auto q1 = static_cast<std::uint64_t>(t / n);
    r = t % n;
    t = r << 64;
    const auto q0 = static_cast<std::uint64_t>(t / n);
    r = t % n;
    // The quotient q2:q1:q0 = a.sig * 2^64 / n; q2 != 0 since a.sig >= 2^127 and n < 2^63.
    const int z = std::countl_zero(q2);  // bit (191 - z) leads
    Uint128 sig = (Uint128{q2} << (64 + z)) | (Uint128{q1} << z);
    Uint128 rest = q0;
    if (z != 0) {
        sig |= q0 >> (64 - z);
        rest = static_cast<std::uint64_t>(q0 << z);
    }
    const bool sticky = rest != 0 || r != 0;
    return Wide{sig | (sticky ? 1 : 0), a.exp - z, a.neg};
}

// True when `term` can no longer change `sum` above its sticky bit: the series stop after adding
// it (so its sign still reaches the sticky bit).
bool negligible(const Wide& term, const Wide& sum) { return term.zero() || term.exp < sum.exp - 132; }

// ---- power series ---------------------------------------------------------------------------
// e^t - 1 = t + t^2/2! + t^3/3! + ...   (|t| <= ln 2 here: about 33 terms at most)
Wide expm1_series(Wide t) {
    Wide sum = t, term = t;
    for (std::uint64_t n = 2;; ++n) {
        term = divide_small(multiply(term, t), n);
        sum = add(sum, term);
        if (negligible(term, sum)) return sum;
    }
}

// artanh s = s + s^3/3 + s^5/5 + ...  and  arctan u = u - u^3/3 + u^5/5 - ...
Wide odd_power_series(Wide s, bool alternating) {
    const Wide s2 = multiply(s, s);
    Wide power = s, sum = s;
    for (std::uint64_t k = 1;; ++k) {
        power = multiply(power, s2);
        if (alternating) power = negated(power);
        const Wide term = divide_small(power, 2 * k + 1);
        sum = add(sum, term);
        if (negligible(term, sum)) return sum;
    }
}
Wide artanh_series(Wide s) { return odd_power_series(s, false); }
Wide arctan_series(Wide u) { return odd_power_series(u, true); }

// sin r = r - r^3/3! + ...  and  cos r = 1 - r^2/2! + ...   (|r| <= pi/4: about 15 terms)
Wide sin_series(Wide r) {
    const Wide r2 = multiply(r, r);
    Wide term = r, sum = r;
    for (std::uint64_t n = 1;; ++n) {
        term = negated(divide_small(multiply(term, r2), (2 * n) * (2 * n + 1)));
        sum = add(sum, term);
        if (negligible(term, sum)) return sum;
    }
}
Wide cos_series(Wide r) {
    const Wide r2 = multiply(r, r);
    Wide term = kOne, sum = kOne;
    for (std::uint64_t n = 1;; ++n) {
        term = negated(divide_small(multiply(term, r2), (2 * n - 1) * (2 * n)));
        sum = add(sum, term);
        if (negligible(term, sum)) return sum;
    }
}

// ---- constants ------------------------------------------------------------------------------
// Computed once from their defining series rather than transcribed, so that no digit can be
// mistyped: ln 2 = 2 artanh(1/3); pi = 16 arctan(1/5) - 4 arctan(1/239) (Machin's formula);
// arctan(k/8) for the table that reduces FPATAN's argument.
struct Constants {
    Wide ln2;
    Wide pi;
    Wide arctan_eighths[9];  // arctan(k/8), k = 0..8
};

Constants compute_constants() {
    Constants c;
    c.ln2 = scaled(artanh_series(divide_small(kOne, 3)), 1);
    c.pi = subtract(scaled(arctan_series(divide_small(kOne, 5)), 4), scaled(arctan_series(divide_small(kOne, 239)), 2));
    const Wide quarter_pi = scaled(c.pi, -2);
    c.arctan_eighths[0] = Wide{};
    for (int k = 1; k <= 4; ++k) c.arctan_eighths[k] = arctan_series(divide_small(from_integer(k), 8));
    // For k = 5..7 the direct series converges slowly; arctan(k/8) + arctan((8-k)/(8+k)) = pi/4
    // (the tangent addition formula gives exactly 1), and (8-k)/(8+k) <= 3/13.
    for (int k = 5; k <= 7; ++k)
        c.arctan_eighths[k] =
            subtract(quarter_pi, arctan_series(divide_small(from_integer(8 - k), static_cast<std::uint64_t>(8 + k))));
    c.arctan_eighths[8] = quarter_pi;
    return c;
}

const Constants& constants() {
    static const Constants c = compute_constants();
    return c;
}

// ---- kernels --------------------------------------------------------------------------------
// log2 of a positive finite value: x = 2^e * m with m in [sqrt(1/2), sqrt(2)), so that
// s = (m - 1)/(m + 1) is at most 0.172 and ln m = 2 artanh(s) converges by a factor 34 per term.
// log2 x = e + ln(m)/ln 2; |e| >= 1 whenever e != 0 and |log2 m| <= 1/2, so the sum never cancels.
Wide log2_positive(Wide x) {
    std::int32_t e = x.exp;
    Wide m{x.sig, 0, false};
    // The split point only has to be near sqrt(2) (sqrt(2) * 2^127 truncated); any value there
    // keeps s small.
    const Uint128 sqrt2 = (Uint128{0xB504F333F9DE6484ull} << 64) | 0x597D89B3754ABE9Full;
    if (m.sig > sqrt2) {
        m.exp = -1;
        ++e;
    }
    const Wide numerator = subtract(m, kOne);  // exact: m and 1 are within a factor 2
    const Wide integer_part = from_integer(e);
    if (numerator.zero()) return integer_part;  // x is a power of two: log2 is exact
    const Wide s = divide(numerator, add(m, kOne));
    const Wide ln_m = scaled(artanh_series(s), 1);
    return add(integer_part, divide(ln_m, constants().ln2));
}

// log2(1 + x) for x > -1. Near 0 (|x| < 1/2), 1 + x would lose x's low bits, so use
// ln(1 + x) = 2 artanh(x / (2 + x)) with x kept exact; elsewhere 1 + x loses nothing that
// matters and log2_positive applies.
Wide log2_1p(Wide x) {
    if (x.exp < -1) {
        const Wide s = divide(x, add(from_integer(2), x));
        return divide(scaled(artanh_series(s), 1), constants().ln2);
    }
    return log2_positive(add(kOne, x));
}

// arctan t for 0 <= t <= 1: t = c + d with c = k/8 the nearest eighth; then
// arctan t = arctan c + arctan((t - c)/(1 + t c)) and the reduced argument is at most 1/16.
Wide arctan_unit(Wide t) {
    if (t.zero() || t.exp < -4) return arctan_series(t);  // t < 1/16 already
    // k = round(8t): t * 2^(exp + 3) read off the significand.
    const int shift = 127 - (t.exp + 3);
    const auto k = static_cast<std::int64_t>(((t.sig >> (shift - 1)) + 1) >> 1);
    const Wide c = divide_small(from_integer(k), 8);
    const Wide u = divide(subtract(t, c), add(kOne, multiply(t, c)));
    return add(constants().arctan_eighths[k], arctan_series(u));
}

// Moves a value that the series would only nudge below its sticky bit: the exact result lies
// strictly between `value` (whose low bits are zero) and its neighbour towards zero/away.
Wide nudged_towards_zero(Wide v) {
    if (v.sig == kTop) return Wide{~Uint128{0}, v.exp - 1, v.neg};
    v.sig -= 1;
    return v;
}
Wide nudged_away_from_zero(Wide v) {
    v.sig |= 1;
    return v;
}

// ---- argument reduction for FSIN/FCOS/FSINCOS/FPTAN ----------------------------------------
// pi rounded to 66 bits, the x87's reduction constant (Intel: the FSIN/FCOS/FPTAN argument
// reduction uses "a 66-bit approximation of pi"): pi = 3.243F6A8885A308D3|13.. hex, and the bits
// after the 66th start with 0, so rounding and truncation agree. kPi66 = that value * 2^64.
const Uint128 kPi66 = (Uint128{0x3} << 64) | 0x243F6A8885A308D3ull;

struct Reduced {
    Wide r;                // |x| - q * pi66/2, with |r| <= pi66/4
    unsigned quadrant = 0;  // q mod 4
};

// |x| = q * (pi66 / 2) + r with q the nearest integer, computed exactly: for |x| >= 1/2 the
// value |x| * 2^66 is an integer N (x's last bit weighs at least 2^-64), pi66/2 * 2^66 is the
// integer D = 2 * kPi66, and N mod D comes from shift-and-subtract, like FPREM. r = R / 2^66 is
// exact, so what follows evaluates sin/cos of exactly the argument the silicon reduced to.
Reduced reduce(Float80 a) {
    const unsigned field = a.exponent();
    if (field < kExponentBias - 1) return Reduced{magnitude(from_float80(a)), 0};  // |x| < 1/2 < pi/4
    const Uint128 divisor = kPi66 << 1;
    const unsigned shift = field - (kExponentBias - 3);  // |x| * 2^66 = significand << shift; <= 65
    Uint128 remainder = a.significand;
    std::uint64_t quotient = 0;
    for (unsigned i = 0; i < shift; ++i) {
        remainder <<= 1;
        quotient <<= 1;
        if (remainder >= divisor) {
            remainder -= divisor;
            quotient |= 1;
        }
    }
    // Round the quotient to nearest. remainder == kPi66 (a tie) cannot happen: kPi66 is odd and
    // N is even.
    bool negative = false;
    if (remainder > kPi66) {
        remainder = divisor - remainder;
        negative = true;
        ++quotient;
    }
    return Reduced{normalised(negative, 127 - 66, remainder), static_cast<unsigned>(quotient & 3)};
}

// Below this, sin r, cos r and tan r differ from r, 1 and r by less than 2^-80 relative: the
// 128-bit series would hide the difference below its sticky bit (and the product and quotient
// in FPTAN would even flip its direction), so these results are formed directly.
constexpr std::int32_t kTinyExponent = -40;

Wide sin_reduced(Wide r) { return r.exp < kTinyExponent ? nudged_towards_zero(r) : sin_series(r); }
Wide cos_reduced(Wide r) {
    return r.exp < kTinyExponent ? Wide{~Uint128{0}, -1, false} : cos_series(r);  // 1 - 2^-128
}

// ---- operand handling -----------------------------------------------------------------------
Float80 quietened(Float80 a) {
    a.significand |= 0x4000000000000000ull;
    return a;
}

bool is_nan(Class c) { return c == Class::QuietNaN || c == Class::SignalingNaN; }
bool is_denormal(Class c) { return c == Class::Denormal || c == Class::PseudoDenormal; }

Float80 invalid(Env& env) {
    env.flags |= exception::Invalid;
    return kRealIndefinite;
}

// One NaN operand: an SNaN raises IE and is returned quietened.
Float80 nan_result(Float80 a, Class c, Env& env) {
    if (c == Class::SignalingNaN) env.flags |= exception::Invalid;
    return quietened(a);
}

// Two operands, at least one a NaN (SDM vol. 1 table 4-7): an SNaN against a QNaN gives the QNaN;
// two SNaNs or two QNaNs give the one with the larger significand and, on equal significands, the
// positive one (measured on the host).
Float80 nan_result(Float80 a, Class ca, Float80 b, Class cb, Env& env) {
    if (ca == Class::SignalingNaN || cb == Class::SignalingNaN) env.flags |= exception::Invalid;
    if (!is_nan(cb)) return quietened(a);
    if (!is_nan(ca)) return quietened(b);
    if (ca != cb) return ca == Class::QuietNaN ? a : b;
    const Float80 qa = quietened(a), qb = quietened(b);
    if (qa.significand != qb.significand) return qa.significand > qb.significand ? qa : qb;
    return qa.sign() ? qb : qa;
}

// Raises DE for a denormal operand. True when DE is unmasked: a pre-computation exception, so
// the instruction stops there (destination unchanged, no other flag) and the caller stores nothing.
bool denormal_stops(Class c, Env& env) {
    if (!is_denormal(c)) return false;
    env.flags |= exception::Denormal;
    return env.unmasked(exception::Denormal);
}

Float80 infinity(bool sign) { return Float80{0x8000000000000000ull, static_cast<std::uint16_t>(sign ? 0xFFFF : 0x7FFF)}; }
Float80 zero(bool sign) { return sign ? kNegativeZero : kPositiveZero; }

// Rounds a nonzero wide result once (precision control does not apply to these instructions)
// and raises PE whatever the rounding found: the host x87 flags every such result as inexact.
// Consequently a tiny result also raises a masked UE even when it happens to be exact
// (FYL2XP1(denormal, 3) = 2 * denormal sets UE on the host); round_and_pack only does that for
// inexact ones.
Float80 finish(Wide w, Env& env) {
    const Float80 result = round_and_pack(w.neg, w.exp + kExponentBias, w.sig, false, env);
    env.flags |= exception::Precision;
    if (result.exponent() == 0) env.flags |= exception::Underflow;
    return result;
}

// y * log2(x) once the invalid combinations and DE are dealt with (FYL2X, FYL2XP1): the
// logarithm is an exact zero or an infinity of sign `log_negative`, or the finite `log`.
enum class LogKind { Zero, Finite, Infinite };
Float80 multiply_log(Float80 y, Class cy, LogKind kind, bool log_negative, const Wide& log, Env& env) {
    const bool sign = y.sign() != log_negative;
    if (kind == LogKind::Zero || cy == Class::Zero) return zero(sign);
    if (kind == LogKind::Infinite || cy == Class::Infinity) return infinity(sign);
    return finish(multiply(from_float80(y), log), env);
}

}  // namespace

// ---- F2XM1 ----------------------------------------------------------------------------------
// 2^x - 1 = e^(x ln 2) - 1, summed directly so that small x keeps full relative precision.
Float80 f2xm1(Float80 a, Env& env) {
    const Class c = classify(a);
    switch (c) {
    case Class::Unsupported: return invalid(env);
    case Class::QuietNaN:
    case Class::SignalingNaN: return nan_result(a, c, env);
    case Class::Zero: return a;
    case Class::Infinity: return a.sign() ? Float80{0x8000000000000000ull, 0xBFFF} : a;  // -inf -> -1
    default: break;
    }
    if (denormal_stops(c, env)) return a;
    // Outside -1..+1 the SDM leaves the result undefined; the host x87 returns the operand
    // unchanged with PE set (C1 clear), and so do we.
    if (a.exponent() > kExponentBias || (a.exponent() == kExponentBias && a.significand != 0x8000000000000000ull)) {
        env.flags |= exception::Precision;
        env.rounded_up = false;
        return a;
    }
    // x = +-1 are the only nonzero operands with a rational result (2^x is irrational for every
    // other x in the domain): 1 and -1/2 exactly. The series would leave its sticky bit set and
    // round them away in the directed modes (C1 set); Intel silicon returns them exact.
    if (a.significand == 0x8000000000000000ull && a.exponent() == kExponentBias)
        return finish(a.sign() ? scaled(negated(kOne), -1) : kOne, env);
    return finish(expm1_series(multiply(from_float80(a), constants().ln2)), env);
}

// ---- FYL2X ----------------------------------------------------------------------------------
// The SDM's table is y * log2(x) with IEEE products of zeros and infinities: log2(+0 or -0) is
// -inf (ZE when y is finite nonzero), log2(1) is an exact +0, log2(+inf) = +inf, and a negative
// x (not -0) is invalid.
Float80 fyl2x(Float80 y, Float80 x, Env& env) {
    const Class cy = classify(y), cx = classify(x);
    if (cy == Class::Unsupported || cx == Class::Unsupported) return invalid(env);
    if (is_nan(cy) || is_nan(cx)) return nan_result(y, cy, x, cx, env);
    const bool x_is_one = x == kPositiveOne;
    if ((cx != Class::Zero && x.sign()) || (cx == Class::Zero && cy == Class::Zero) ||
        (cx == Class::Infinity && cy == Class::Zero) || (x_is_one && cy == Class::Infinity))
        return invalid(env);
    // log2(0) = -inf: a division by zero unless y is infinite (the SDM's "**" entries). The host
    // decides it before looking for denormals: a denormal y then raises ZE alone.
    if (cx == Class::Zero && cy != Class::Infinity) {
        env.flags |= exception::ZeroDivide;
        return env.unmasked(exception::ZeroDivide) ? x : infinity(!y.sign());
    }
    // Both operands are checked (no short circuit): the host flags DE for either.
    if (denormal_stops(cy, env) | denormal_stops(cx, env)) return x;
    if (cx == Class::Zero) return infinity(!y.sign());
    if (cx == Class::Infinity) return multiply_log(y, cy, LogKind::Infinite, false, Wide{}, env);
    if (x_is_one) return multiply_log(y, cy, LogKind::Zero, false, Wide{}, env);
    const Wide log = log2_positive(from_float80(x));
    return multiply_log(y, cy, LogKind::Finite, log.neg, log, env);
}

// ---- FYL2XP1 --------------------------------------------------------------------------------
// y * log2(x + 1); log2(1 + (+-0)) = +-0 gives the SDM's signed zeros. The SDM defines x only for
// |x| < 1 - sqrt(2)/2; the host computes the logarithm for every x > -1, and so do we.
Float80 fyl2xp1(Float80 y, Float80 x, Env& env) {
    const Class cy = classify(y), cx = classify(x);
    if (cy == Class::Unsupported || cx == Class::Unsupported) return invalid(env);
    if (is_nan(cy) || is_nan(cx)) return nan_result(y, cy, x, cx, env);
    if ((cx == Class::Infinity && x.sign()) || (cx == Class::Zero && cy == Class::Infinity) ||
        (cx == Class::Infinity && cy == Class::Zero))
        return invalid(env);
    if (denormal_stops(cy, env) | denormal_stops(cx, env)) return x;
    if (cx == Class::Zero) return multiply_log(y, cy, LogKind::Zero, x.sign(), Wide{}, env);
    if (cx == Class::Infinity) return multiply_log(y, cy, LogKind::Infinite, false, Wide{}, env);
    const Wide wx = from_float80(x);
    if (x.sign() && wx.exp >= 0) {
        // x <= -1: no logarithm. The host x87 returns x itself for a finite nonzero y (PE set,
        // C1 clear), and a zero or infinity with the sign of x * y for a zero or infinite y.
        if (cy == Class::Zero) return zero(!y.sign());
        if (cy == Class::Infinity) return infinity(!y.sign());
        env.flags |= exception::Precision;
        env.rounded_up = false;
        return x;
    }
    const Wide log = log2_1p(wx);
    return multiply_log(y, cy, LogKind::Finite, log.neg, log, env);
}

// ---- FPATAN ---------------------------------------------------------------------------------
// arctan(y/x) in the quadrant of (x, y), -pi..+pi; the SDM's table is the usual atan2 one: exact
// signed zeros for y = 0 with x > 0 or x = +0, +-pi for y = 0 with x < 0 or x = -0, +-pi/2 for
// x = 0, and multiples of pi/4 for two infinities. No operand combination is invalid.
Float80 fpatan(Float80 y, Float80 x, Env& env) {
    const Class cy = classify(y), cx = classify(x);
    if (cy == Class::Unsupported || cx == Class::Unsupported) return invalid(env);
    if (is_nan(cy) || is_nan(cx)) return nan_result(y, cy, x, cx, env);
    if (denormal_stops(cy, env) | denormal_stops(cx, env)) return x;
    const Constants& k = constants();
    const bool sign = y.sign();
    Wide angle;  // the magnitude of the result
    if (cy == Class::Zero || (cx == Class::Infinity && cy != Class::Infinity)) {
        if (!x.sign()) return zero(sign);  // +-0 (exact, no PE)
        angle = k.pi;
    } else if (cx == Class::Zero || (cy == Class::Infinity && cx != Class::Infinity)) {
        angle = scaled(k.pi, -1);
    } else if (cy == Class::Infinity) {  // both infinite
        angle = x.sign() ? subtract(k.pi, scaled(k.pi, -2)) : scaled(k.pi, -2);
    } else {
        const Wide wy = magnitude(from_float80(y)), wx = magnitude(from_float80(x));
        const bool y_larger = wy.exp > wx.exp || (wy.exp == wx.exp && wy.sig > wx.sig);
        if (y_larger) {
            angle = subtract(scaled(k.pi, -1), arctan_unit(divide(wx, wy)));  // pi/2 - arctan(x/y)
        } else {
            angle = arctan_unit(divide(wy, wx));
        }
        if (x.sign()) angle = subtract(k.pi, angle);
    }
    angle.neg = sign;
    return finish(angle, env);
}

// ---- FSIN, FCOS, FSINCOS, FPTAN -------------------------------------------------------------
namespace {

enum class Trig { Sin, Cos, SinCos, Tan };

TrigResult trig(Float80 a, Trig which, Env& env) {
    const Class c = classify(a);
    TrigResult result;
    // FPTAN and FSINCOS push a second result; for a NaN or invalid operand both are that NaN.
    const auto both = [&](Float80 v) {
        result.first = v;
        result.second = v;
        return result;
    };
    switch (c) {
    case Class::Unsupported:
    case Class::Infinity: return both(invalid(env));
    case Class::QuietNaN:
    case Class::SignalingNaN: return both(nan_result(a, c, env));
    case Class::Zero:
        // sin(+-0) = +-0, cos(+-0) = +1, tan(+-0) = +-0 (and FPTAN's 1.0), all exact.
        result.first = which == Trig::Cos ? kPositiveOne : a;
        result.second = kPositiveOne;
        return result;
    default: break;
    }
    // |x| >= 2^63: C2 = 1 and the operand stays (SDM vol. 2 FSIN: "out of range"), no exception.
    if (a.exponent() >= kExponentBias + 63) {
        result.in_range = false;
        result.first = a;
        result.second = a;
        return result;
    }
    if (denormal_stops(c, env)) return both(a);

    const Reduced reduced = reduce(a);
    const Wide& r = reduced.r;
    const unsigned q = reduced.quadrant;
    // sin(q pi/2 + r) = sin r, cos r, -sin r, -cos r for q = 0..3; cos(q pi/2 + r) = cos r, -sin r,
    // -cos r, sin r. sin and tan are odd: the operand's sign is applied last.
    const auto sine = [&] {
        Wide v = (q & 1) ? cos_reduced(r) : sin_reduced(r);
        if (q & 2) v = negated(v);
        if (a.sign()) v = negated(v);
        return v;
    };
    const auto cosine = [&] {
        Wide v = (q & 1) ? sin_reduced(r) : cos_reduced(r);
        if (((q + 1) & 2) != 0) v = negated(v);  // q = 1, 2
        return v;
    };
    switch (which) {
    case Trig::Sin: result.first = finish(sine(), env); break;
    case Trig::Cos: result.first = finish(cosine(), env); break;
    case Trig::SinCos: {
        // One rounding per result. C1 reports the cosine's rounding, the result left in ST(0):
        // the SDM only says "set if result was rounded up", and Intel silicon (Rocket Lake,
        // family 6 model 167) follows the cosine in 2975 of 2976 sampled cases where both
        // results were correctly rounded (the sine's direction agreed in 2612). The emulated
        // CPUs are Intel parts; AMD Zen 4 reports the sine's (docs/CONFORMANCE.md).
        Env sin_env = env;
        result.first = finish(sine(), sin_env);
        result.second = finish(cosine(), env);
        env.flags |= sin_env.flags;
        break;
    }
    case Trig::Tan: {
        Wide t;
        if (r.exp < kTinyExponent) {
            // tan r = r + r^3/3 and cot r = 1/r - r/3: just beside r and 1/r.
            if (q & 1) {
                bool exact = false;
                const Wide inverse = divide(kOne, r, &exact);
                t = negated(exact ? nudged_towards_zero(inverse) : inverse);
            } else {
                t = nudged_away_from_zero(r);
            }
        } else {
            const Wide s = sin_series(r), co = cos_series(r);
            t = (q & 1) ? negated(divide(co, s)) : divide(s, co);  // tan(r + pi/2) = -cot r
        }
        if (a.sign()) t = negated(t);
        result.first = finish(t, env);
        result.second = kPositiveOne;
        break;
    }
    }
    return result;
}

}  // namespace

TrigResult fsin(Float80 a, Env& env) { return trig(a, Trig::Sin, env); }
TrigResult fcos(Float80 a, Env& env) { return trig(a, Trig::Cos, env); }
TrigResult fsincos(Float80 a, Env& env) { return trig(a, Trig::SinCos, env); }
TrigResult fptan(Float80 a, Env& env) { return trig(a, Trig::Tan, env); }

}  // namespace x86emu::fpu
