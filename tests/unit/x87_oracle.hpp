// x86emu unit tests — a host-independent reference for the x87 transcendentals: the exact value of
// F2XM1, FYL2X, FYL2XP1, FPATAN, FSIN, FCOS, FSINCOS and FPTAN for float80 operands, computed in
// Boost.Multiprecision (cpp_bin_float, 320-bit significand), and its rounding to the float80
// register format under each rounding control.
// Intel SDM vol. 1 §4.2.2 (double extended-precision format, denormals), §4.8.4 (rounding control),
// §4.9.1.5 and §8.5.5 (numeric underflow: tininess, the masked and unmasked responses), §4.9.1.4
// and §8.5.4 (numeric overflow), §8.1.3.1 (C1 = rounded up), §8.3.10 (transcendental accuracy and
// the 66-bit pi of the argument reduction); vol. 2 the instruction pages (what each computes).
//
// Why a second implementation at all: the emulator's kernels (fpu/transcendental.cpp) must be
// checked against something that does not depend on whose CPU runs the tests. This one shares no
// code, constant or method with them: the functions are Boost's (or a short Taylor sum where
// Boost's form would cancel), the 66-bit pi is derived from Boost's pi here, and the rounding is
// done on the multiprecision value by plain floor/compare.
//
// The trigonometric functions are the documented architectural ones, not the true ones: the
// x87 reduces |x| modulo pi/2 with pi rounded to 66 bits (SDM vol. 1 §8.3.10), so sin x means
// sin(r) (or cos r, -sin r, -cos r by quadrant) for r = |x| - q * pi66/2 with q the nearest integer.
// That reduction is exact here (|x| < 2^63 has 64 bits, q * pi66/2 at most 129 bits: far inside 320).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>

#include <boost/math/constants/constants.hpp>
#include <boost/multiprecision/cpp_bin_float.hpp>

#include "core/fpu/float80.hpp"

namespace x86emu_test::oracle {

namespace mp = boost::multiprecision;
// 320 bits: 64 for the result, about 190 to tell how far the exact value lies from a rounding
// boundary, and the rest for the working losses of Boost's functions and of the reduction.
using Real = mp::number<mp::cpp_bin_float<320, mp::digit_base_2>, mp::et_off>;

using x86emu::fpu::Float80;
using x86emu::fpu::Rounding;

// An exact result: `v`, or a value infinitesimally beside it when `tail` is nonzero (-1 below,
// +1 above). The tail carries what 320 bits cannot hold but the rounding needs: sin x = x - x^3/6
// for x = 2^-16000 is x in any practical precision, yet it lies below x, and so C1 and the
// directed roundings must treat it.
struct Value {
    Real v;
    int tail = 0;
};

// A finite float80 (normal, denormal, pseudo-denormal) as its exact value.
inline Real value_of(Float80 f) {
    const int field = f.exponent() == 0 ? 1 : static_cast<int>(f.exponent());  // denormals: 2^-16382 scale
    Real v = ldexp(Real(f.significand), field - 16383 - 63);
    return f.sign() ? Real(-v) : v;
}

// The exact value rounded to the register format (64-bit significand, exponent -16382..16383,
// masked responses to overflow and underflow unless asked otherwise).
struct Rounded {
    Float80 value;
    bool inexact = false;
    bool up = false;         // |value| > |exact|: C1 after an inexact result (SDM vol. 1 §8.1.3.1)
    bool tiny = false;       // UE: tiny after rounding at full precision (see below)
    bool overflow = false;   // OE
    // How far the exact value lies from the nearest point where the rounding decision changes,
    // in units of the result's last place: a fraction in [0, 1/2]. A kernel good to about
    // 2^-k ulp may round the other way only when this is below 2^-k.
    double boundary_distance = 0.5;
};

namespace detail {
// m >= 0 scaled so that one unit is the last place at quantum exponent q: integer part and
// fraction.
inline void split(const Real& m, int q, Real& n, Real& fraction) {
    const Real t = ldexp(m, -q);
    n = floor(t);
    fraction = t - n;
}
inline bool rounds_up(const Real& n, const Real& fraction, bool negative, Rounding rc) {
    if (fraction == 0) return false;
    switch (rc) {
    case Rounding::Nearest: return fraction > Real(0.5) || (fraction == Real(0.5) && fmod(n, Real(2)) != 0);
    case Rounding::Up: return !negative;
    case Rounding::Down: return negative;
    case Rounding::TowardZero: return false;
    }
    return false;
}
// A tail makes an integral t a hair larger (fraction epsilon) or smaller (n - 1, fraction
// 1 - epsilon); elsewhere it cannot change the rounding. Epsilon is represented by the smallest
// positive fraction the comparisons above need: below every real fraction.
inline void apply_tail(Real& n, Real& fraction, int magnitude_tail) {
    if (fraction != 0 || magnitude_tail == 0) return;
    const Real epsilon = ldexp(Real(1), -1000);
    if (magnitude_tail > 0) {
        fraction = epsilon;
    } else {
        n -= 1;
        fraction = 1 - epsilon;
    }
}
}  // namespace detail

// With UE or OE unmasked the x87 delivers the 64-bit rounding of the exact value
// scaled by 2^+-24576 (SDM vol. 1 §8.5.4, §8.5.5); otherwise the masked response.
inline Rounded round_to_float80(const Value& value, Rounding rc, bool ue_unmasked = false, bool oe_unmasked = false) {
    Rounded r;
    const Real& exact = value.v;
    const bool negative = exact < 0;
    // The tail in terms of the magnitude: +1 when the true |value| is a little larger than |v|.
    const int magnitude_tail = negative ? -value.tail : value.tail;
    const auto pack = [&](int field, std::uint64_t significand) {
        return Float80{significand, static_cast<std::uint16_t>(field | (negative ? 0x8000 : 0))};
    };
    if (exact == 0) {
        r.value = pack(0, 0);
        return r;
    }
    const Real m = abs(exact);
    int e2 = 0;
    const Real f = frexp(m, &e2);
    int leading = e2 - 1;  // m in [2^leading, 2^(leading+1))
    // A power of two with a tail below lies in the binade below, where the last place is half
    // as large (cos x = 1 - x^2/2 rounds down to 1 - 2^-64, not 1 - 2^-63).
    if (f == Real(0.5) && magnitude_tail < 0) --leading;

    // Full-precision rounding with an unbounded exponent: what tininess (after rounding, as the
    // x87 detects it — measured, and the choice fpu/float80.cpp documents) and the wrapped
    // unmasked responses are judged on.
    Real n, fraction;
    detail::split(m, leading - 63, n, fraction);
    detail::apply_tail(n, fraction, magnitude_tail);
    bool up = detail::rounds_up(n, fraction, negative, rc);
    int full_leading = leading;
    if (up && n + 1 == ldexp(Real(1), 64)) full_leading = leading + 1;
    r.tiny = full_leading < -16382;
    r.overflow = full_leading > 16383;

    int q = std::max(leading, -16382) - 63;  // the quantum of the masked, denormalised result
    if ((r.tiny && ue_unmasked) || (r.overflow && oe_unmasked)) q = leading - 63;
    detail::split(m, q, n, fraction);
    detail::apply_tail(n, fraction, magnitude_tail);
    r.inexact = fraction != 0;
    r.boundary_distance = rc == Rounding::Nearest
                              ? static_cast<double>(abs(fraction - Real(0.5)))
                              : static_cast<double>(std::min(fraction, Real(1) - fraction));
    if (!r.inexact) r.boundary_distance = 0;  // exact: on a boundary of the directed modes
    // The tail is certain: the value lies just beside a boundary but on a known side, which the
    // kernels must (and do) get right, so it is no hard case.
    if (magnitude_tail != 0) r.boundary_distance = 0.5;
    // A result far below the smallest denormal sits next to the boundary at zero in absolute
    // terms only: a kernel's relative error scales with the value, so measure the distance
    // relative to it (normal results: unchanged).
    if (r.inexact && magnitude_tail == 0) {
        const double scale = static_cast<double>(ldexp(m, -q - 63));
        if (scale < 1) r.boundary_distance = scale == 0 ? 0.5 : std::min(0.5, r.boundary_distance / scale);
    }
    up = detail::rounds_up(n, fraction, negative, rc);
    r.up = up;
    if (up) n += 1;
    if (n == ldexp(Real(1), 64)) {
        n = ldexp(Real(1), 63);
        ++q;
    }
    const auto significand = static_cast<std::uint64_t>(n);
    int field = (significand >> 63) ? q + 63 + 16383 : 0;
    if (r.tiny && ue_unmasked) field += 24576;
    if (r.overflow && oe_unmasked) field -= 24576;
    if (r.overflow && !oe_unmasked) {
        // Masked overflow (SDM vol. 1 §4.9.1.4): infinity when the rounding points away from
        // zero, else the largest finite value; PE always.
        const bool to_infinity =
            rc == Rounding::Nearest || (rc == Rounding::Up && !negative) || (rc == Rounding::Down && negative);
        r.inexact = true;
        r.up = to_infinity;
        r.value = to_infinity ? pack(0x7FFF, 0x8000000000000000ull) : pack(0x7FFE, ~std::uint64_t{0});
        return r;
    }
    r.value = pack(field, significand);
    return r;
}

// ---- the functions -------------------------------------------------------------------------
inline const Real& ln2() {
    static const Real v = boost::math::constants::ln_two<Real>();
    return v;
}
inline const Real& pi() {
    static const Real v = boost::math::constants::pi<Real>();
    return v;
}
// pi rounded to nearest at 66 significant bits: pi is in [2, 4), so 64 bits after the point.
inline const Real& pi66() {
    static const Real v = ldexp(round(ldexp(pi(), 64)), -64);
    return v;
}

// e^t - 1 without the cancellation of exp(t) - 1 for small t: below 2^-40 nine Taylor terms
// leave an error under 2^-360 relative.
inline Real expm1(const Real& t) {
    if (abs(t) < ldexp(Real(1), -40)) {
        Real sum = 0, term = t;
        for (int n = 2; n <= 10; ++n) {
            sum += term;
            term = term * t / n;
        }
        return sum;
    }
    return exp(t) - 1;
}
// ln(1 + x), same reason: below 2^-40 the alternating series; above, 1 + x is exact in 320 bits
// (x has 64 significant bits and an exponent >= -40).
inline Real log1p(const Real& x) {
    if (abs(x) < ldexp(Real(1), -40)) {
        Real sum = 0, power = x;
        for (int n = 1; n <= 10; ++n) {
            sum += (n & 1) ? Real(power / n) : Real(-power / n);
            power *= x;
        }
        return sum;
    }
    return log(1 + x);
}
// log2 of a positive value; an exact integer for powers of two (log(x)/ln2 would be off in the
// last of 320 bits and hide that FYL2X(y, 2^k) = k*y can be exact).
inline Real log2(const Real& x) {
    int e = 0;
    const Real f = frexp(x, &e);
    if (f == Real(0.5)) return Real(e - 1);
    return log(x) / ln2();
}

inline Value f2xm1(Float80 x) { return {expm1(value_of(x) * ln2())}; }
inline Value fyl2x(Float80 y, Float80 x) { return {value_of(y) * log2(value_of(x))}; }
inline Value fyl2xp1(Float80 y, Float80 x) {
    const Real vx = value_of(x);
    const Real one_plus = 1 + vx;
    if (one_plus - 1 == vx) {  // exact: a power of two gives an exact logarithm
        int e = 0;
        if (frexp(one_plus, &e) == Real(0.5)) return {value_of(y) * Real(e - 1)};
    }
    return {value_of(y) * log1p(vx) / ln2()};
}

// Below 2^-100 the first two Taylor terms are the function to 2^-400 relative, and Boost's own
// functions may return the argument itself (they are built for their own precision, not for
// telling on which side of it the value lies). When the correction vanishes in 320 bits the
// tail keeps its sign.
inline bool tiny(const Real& r) { return abs(r) < ldexp(Real(1), -100); }
inline int sign_of(const Real& r) { return r < 0 ? -1 : 1; }
inline Value sine(const Real& r) {
    if (!tiny(r)) return {sin(r)};
    const Real v = r - r * r * r / 6;
    return {v, v == r ? -sign_of(r) : 0};
}
inline Value cosine(const Real& r) {
    if (!tiny(r)) return {cos(r)};
    const Real v = 1 - r * r / 2;
    return {v, v == 1 ? -1 : 0};
}
inline Value negated(Value a) { return {-a.v, -a.tail}; }

// arctan(y/x) in the quadrant of (x, y); the smaller ratio is always the argument so that
// neither a huge quotient nor pi/2 - arctan(tiny) loses the result's low bits.
inline Value fpatan(Float80 y, Float80 x) {
    const Real vy = abs(value_of(y)), vx = abs(value_of(x));
    Value angle;
    if (vy <= vx) {
        const Real u = vy / vx;
        if (tiny(u)) {
            // arctan u = u - u^3/3: below u. The tail is only known when u itself is exact
            // (else u's own rounding in the 320th bit hides it, and no float80 lies that close).
            angle.v = u - u * u * u / 3;
            if (angle.v == u && u * vx == vy) angle.tail = -1;
        } else {
            angle.v = atan(u);
        }
    } else {
        angle.v = pi() / 2 - atan(vx / vy);
    }
    if (x.sign()) angle = {pi() - angle.v, -angle.tail};
    return y.sign() ? negated(angle) : angle;
}

// The architectural reduction (SDM vol. 1 §8.3.10): |x| = q * pi66/2 + r, q nearest, |r| <= pi66/4.
struct Reduced {
    Real r;
    unsigned quadrant = 0;  // q mod 4
};
inline Reduced reduce(Float80 x) {
    const Real a = abs(value_of(x));
    const Real half = pi66() / 2;
    const Real q = round(a / half);
    Reduced out;
    out.r = a - q * half;
    out.quadrant = static_cast<unsigned>(static_cast<std::uint64_t>(fmod(q, Real(4))));
    return out;
}
inline Value fsin(Float80 x) {
    const Reduced red = reduce(x);
    Value v = (red.quadrant & 1) ? cosine(red.r) : sine(red.r);
    if (red.quadrant & 2) v = negated(v);
    return x.sign() ? negated(v) : v;
}
inline Value fcos(Float80 x) {
    const Reduced red = reduce(x);
    Value v = (red.quadrant & 1) ? sine(red.r) : cosine(red.r);
    if (red.quadrant == 1 || red.quadrant == 2) v = negated(v);
    return v;
}
inline Value fptan(Float80 x) {
    const Reduced red = reduce(x);
    Value v;
    if (red.quadrant & 1) {
        // tan(r + pi66/2) = -cot r: the reduction makes pi66/2 the half period, as on silicon.
        // r is at least 2^-66 here (|x| >= pi/4 is a multiple of 2^-64 and pi66/2 of 2^-65), so
        // cot r needs no tail.
        v.v = -cos(red.r) / sin(red.r);
    } else if (tiny(red.r)) {
        v.v = red.r + red.r * red.r * red.r / 3;  // tan r = r + r^3/3: above r
        if (v.v == red.r) v.tail = sign_of(red.r);
    } else {
        v.v = sin(red.r) / cos(red.r);
    }
    return x.sign() ? negated(v) : v;
}

}  // namespace x86emu_test::oracle
