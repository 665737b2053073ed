// x86emu — software 80-bit extended-precision arithmetic for the x87 FPU.
// Implements the data formats and arithmetic rules of Intel SDM vol. 1 §4.2 (floating-point
// formats), §4.8 (real numbers, NaNs, indefinites, rounding), §4.9 (floating-point exception
// conditions), §8.1.5-§8.1.7 (precision and rounding control, the condition codes), §8.2 (the
// unsupported encodings of the double extended format), §8.3 (the instruction set) and §8.5
// (x87 exception conditions, masked responses). The host's floating point is never used for a
// guest result: every result is computed on integers, so it is bit-exact and independent of the
// host's compiler flags, rounding mode and architecture.
//
// The x87 rules these functions encode, which differ from plain IEEE 754 arithmetic:
//  - Precision control (CW.PC) rounds the significand of FADD/FSUB/FMUL/FDIV/FSQRT results to
//    24 or 53 bits while keeping the 15-bit exponent range (SDM vol. 1 §8.1.5.2). Other
//    operations ignore it (their `Env::precision` is not consulted).
//  - NaN propagation (SDM vol. 1 table 4-7): an SNaN operand is quietened; of two NaNs the one
//    with the larger significand wins, compared before quietening, so a QNaN beats an SNaN; equal
//    significands give the positive one (measured on the host); an invalid operation with no NaN
//    operand returns the real indefinite (FFFF C000000000000000).
//  - Unsupported encodings (pseudo-NaN, pseudo-infinity, unnormal) are invalid operands (IE)
//    on the 387 and later; pseudo-denormals are accepted as denormals (DE).
//  - Unmasked overflow/underflow with a register destination deliver the result with its
//    exponent divided by 2^24576 / multiplied by 2^24576 (SDM vol. 1 §8.5.3, §8.5.4). Callers
//    with a memory destination do not store anything in that case.
//  - Tininess is detected after rounding (to the destination precision with an unbounded
//    exponent; measured on the host x87); a masked underflow is flagged only when the result is
//    also inexact, an unmasked one whenever tiny. Denormal results with precision control 24/53
//    are rounded at the 24th/53rd bit of the 64-bit field.
//  - C1 after an inexact result tells whether the significand was rounded up (away from zero);
//    masked overflow sets it when the result is infinity, not when it is the largest finite value.
//  - Unmasked pre-computation exceptions (IE, DE, ZE): the instruction leaves its destination
//    alone, so the caller stores nothing; env.flags then holds only what was raised before the
//    computation, and the value returned is the masked response (indefinite, NaN, infinity) or,
//    for DE, the first operand unchanged.
//  - An Env describes one operation: start each instruction with flags 0 and rounded_up false.
#pragma once
#include <cstdint>
#include <utility>

namespace x86emu::fpu {

// The 128-bit unsigned integer of GCC and Clang (round_and_pack's wide significand); __extension__
// keeps -Wpedantic quiet about a non-ISO type.
__extension__ typedef unsigned __int128 Uint128;

// The double extended format (SDM vol. 1 figure 4-3): 1 sign bit, 15-bit biased exponent,
// 64-bit significand with an explicit integer bit (bit 63).
struct Float80 {
    std::uint64_t significand = 0;
    std::uint16_t sign_exponent = 0;  // bit 15 sign, bits 14-0 biased exponent (bias 16383)

    bool sign() const { return sign_exponent & 0x8000; }
    unsigned exponent() const { return sign_exponent & 0x7FFF; }
    friend bool operator==(const Float80&, const Float80&) = default;
};

inline constexpr int kExponentBias = 16383;
inline constexpr Float80 kRealIndefinite{0xC000000000000000ull, 0xFFFF};
inline constexpr Float80 kPositiveZero{0, 0x0000};
inline constexpr Float80 kNegativeZero{0, 0x8000};
inline constexpr Float80 kPositiveOne{0x8000000000000000ull, 0x3FFF};

// Rounding control (CW bits 11-10, SDM vol. 1 table 4-8) and precision control (CW bits 9-8).
enum class Rounding : std::uint8_t { Nearest = 0, Down = 1, Up = 2, TowardZero = 3 };
enum class Precision : std::uint8_t { Single = 0, Reserved = 1, Double = 2, Extended = 3 };

// Exception bits, at their positions in both the status word (flags) and the control word
// (masks): SDM vol. 1 §8.1.3, §8.1.5.
namespace exception {
inline constexpr std::uint8_t Invalid = 1u << 0;         // IE
inline constexpr std::uint8_t Denormal = 1u << 1;        // DE
inline constexpr std::uint8_t ZeroDivide = 1u << 2;      // ZE
inline constexpr std::uint8_t Overflow = 1u << 3;        // OE
inline constexpr std::uint8_t Underflow = 1u << 4;       // UE
inline constexpr std::uint8_t Precision = 1u << 5;       // PE
inline constexpr std::uint8_t All = 0x3F;
// Raised before the operation: when one of these is raised and unmasked, the instruction
// leaves its destination unchanged (SDM vol. 1 §8.5: "pre-computation" exceptions).
inline constexpr std::uint8_t PreComputation = Invalid | Denormal | ZeroDivide;
}  // namespace exception

// The environment one operation runs in and what it reports back.
struct Env {
    Rounding rounding = Rounding::Nearest;
    Precision precision = Precision::Extended;
    std::uint8_t masks = exception::All;  // CW bits 5-0: 1 = masked
    std::uint8_t flags = 0;               // exceptions raised by this operation (OR-ed in)
    bool rounded_up = false;              // C1: the inexact result was rounded away from zero

    bool unmasked(std::uint8_t bits) const { return flags & bits & ~masks; }
};

// Operand classes (FXAM, SDM vol. 2 FXAM, and the operand checks of every arithmetic op).
enum class Class : std::uint8_t {
    Zero, Denormal, PseudoDenormal, Normal, Infinity, QuietNaN, SignalingNaN,
    Unsupported,  // unnormal, pseudo-NaN, pseudo-infinity
};
Class classify(Float80 value);

// ---- basic arithmetic: bit-exact, rounded per env.rounding and env.precision --------------
Float80 add(Float80 a, Float80 b, Env& env);
Float80 sub(Float80 a, Float80 b, Env& env);  // a - b
Float80 mul(Float80 a, Float80 b, Env& env);
Float80 div(Float80 a, Float80 b, Env& env);  // a / b
Float80 sqrt(Float80 a, Env& env);

// FRNDINT: round to an integral value per env.rounding (precision control does not apply).
Float80 round_to_integral(Float80 a, Env& env);
// FSCALE: a * 2^trunc(b), no precision control. With OE/UE unmasked, a result still out of range
// after the 24576 wrap is infinity (OE, PE, C1 set) / a signed zero (UE, PE, C1 clear), measured.
// b = ±0 returns a itself (a denormal with DE only, never UE; a pseudo-denormal normalised), as
// the SDM's FSCALE table and Intel silicon do (docs/X87_CHOICES.md).
Float80 scale(Float80 a, Float80 b, Env& env);
// FXTRACT: {exponent as a real, significand with exponent 0}. For a zero operand the exponent is
// -infinity and ZE is raised (SDM vol. 2 FXTRACT).
std::pair<Float80, Float80> extract(Float80 a, Env& env);

// FPREM (ieee = false: quotient truncated) / FPREM1 (ieee = true: quotient rounded to nearest).
// One step reduces the exponent difference by at most 63 (SDM vol. 2 FPREM); `complete` false
// means C2 = 1 and the software loops. quotient_low holds the three low quotient bits
// (C0 = bit 2, C3 = bit 1, C1 = bit 0) when complete, 0 when partial (the host clears them).
// A partial step (exponent difference D >= 64) reduces the difference by N = 32 + D mod 32 with
// a truncated quotient, for FPREM1 too (measured on the host). The remainder is exact; a tiny
// one is delivered as any tiny result (denormal, or wrapped with UE unmasked). A finite a over an
// infinite b is a itself (a denormal with DE only, never UE; a pseudo-denormal normalised), as the
// SDM's FPREM table and Intel silicon do (docs/X87_CHOICES.md).
struct RemainderResult {
    Float80 remainder;
    unsigned quotient_low = 0;
    bool complete = true;
};
RemainderResult partial_remainder(Float80 a, Float80 b, bool ieee, Env& env);

// FCOM/FUCOM/FTST/FICOM ordering. `quiet` (FUCOM*) raises IE only for SNaNs; otherwise any NaN
// raises IE. Denormal operands raise DE.
enum class Ordering : std::uint8_t { Less, Equal, Greater, Unordered };
Ordering compare(Float80 a, Float80 b, bool quiet, Env& env);

// ---- conversions ----------------------------------------------------------------------------
Float80 from_int(std::int64_t value);  // exact (FILD of every size)
// FIST/FISTP: rounds per env.rounding to `bits` (16, 32 or 64); out of range or NaN raises IE and
// returns the integer indefinite (the most negative value of that size). No DE for denormals.
std::int64_t to_int(Float80 a, unsigned bits, Env& env);
// FLD m32/m64: exact; an SNaN raises IE and is quietened; a denormal raises DE (and is
// normalised, since every single/double value is a normal extended value).
Float80 from_float32(std::uint32_t bits, Env& env);
Float80 from_float64(std::uint64_t bits, Env& env);
// FST m32/m64: rounded per env.rounding to the format's precision AND exponent range. No DE for
// a denormal operand. Unmasked OE/UE (memory destination): the caller stores nothing; the host
// then raises OE or UE alone (no PE, C1 clear), which is what env reports.
std::uint32_t to_float32(Float80 a, Env& env);
std::uint64_t to_float64(Float80 a, Env& env);
// FBLD / FBSTP: 18-digit packed BCD, 10 bytes little-endian, sign in bit 7 of byte 9.
// FBLD of invalid digits gives an undefined result (documented here as: digits taken as their
// binary value). FBSTP rounds per env.rounding; out of range or NaN raises IE and stores the
// packed-BCD indefinite (FFFF C000000000000000 as bytes). No DE for denormals.
Float80 from_bcd(const std::uint8_t bytes[10]);
void to_bcd(Float80 a, std::uint8_t bytes[10], Env& env);

// FLD1/FLDL2T/FLDL2E/FLDPI/FLDLG2/FLDLN2/FLDZ. From the 387 on, the constants are held with
// more than 64 bits and rounded per RC (SDM vol. 1 §8.3.8): on the host each is the correctly
// rounded value of the exact constant under every RC, with no PE and C1 clear. An 8087/287 model
// passes Rounding::Nearest (those always load the nearest value).
enum class Constant : std::uint8_t { One, Log2Ten, Log2E, Pi, Log10Two, LnTwo, Zero };
Float80 load_constant(Constant which, Rounding rounding);

// ---- the shared rounding step ----------------------------------------------------------------
// Rounds value = (-1)^sign * (significand / 2^127) * 2^(exponent - kExponentBias) to
// env.precision (when `use_precision_control`) or 64 bits, into the 80-bit format: the exponent
// may be anywhere in int32 range (overflow, underflow, denormal results, the unmasked 24576 wrap
// are all handled here), with PE/UE/OE and C1 (env.rounded_up). The significand should be
// normalised (bit 127 set); if it is not, it is normalised first (the exponent adjusted), and a
// zero significand gives a zero of that sign. Bits below the 64th only matter through rounding,
// so a wide result keeps any nonzero remainder as a 1 in bit 0 ("sticky"). The building block of
// every rounding operation, exposed so that the transcendental functions can round their wide
// results once.
Float80 round_and_pack(bool sign, std::int32_t exponent, Uint128 significand, bool use_precision_control,
                       Env& env);

// ---- transcendental functions (fpu/transcendental.cpp) -----------------------------------------
// The manuals do not define their rounding. These are computed with a 128-bit internal significand
// and rounded once per env.rounding (precision control does not apply), so they are correctly
// rounded except in rare near-halfway cases; against the host x87 they agree bit for bit in about
// 97-99% of cases and are within 1 ulp always (docs/CONFORMANCE.md). What the silicon does that
// the true functions do not, reproduced here: FSIN/FCOS/FSINCOS/FPTAN reduce modulo pi/2 with the
// 66-bit pi of the x87; PE for every finite nonzero result, even an exact one (with UE when it is
// tiny); out of the documented domains, the host's results (F2XM1 with |a| > 1 returns a;
// FYL2XP1 with x <= -1 returns x); unmasked IE/DE/ZE stop before anything else is flagged (the
// caller stores nothing then).
Float80 f2xm1(Float80 a, Env& env);                 // 2^a - 1, -1 <= a <= 1
Float80 fyl2x(Float80 y, Float80 x, Env& env);       // y * log2(x)
Float80 fyl2xp1(Float80 y, Float80 x, Env& env);     // y * log2(x + 1)
Float80 fpatan(Float80 y, Float80 x, Env& env);      // arctan(y / x), quadrant from the signs
// FSIN/FCOS/FSINCOS/FPTAN: `in_range` false (|a| >= 2^63) sets C2 and leaves the operand alone
// (nothing is pushed); no exception then.
struct TrigResult {
    Float80 first;   // sin / cos / sin (FSINCOS) / tan
    // FSINCOS: the cosine (pushed last: ST(0)); FPTAN: +1.0 (pushed last). For a NaN or invalid
    // operand both are that NaN (the host pushes it twice). C1 (env.rounded_up) after FSINCOS
    // reports the cosine's rounding (ST(0)), as on Intel silicon.
    Float80 second;
    bool in_range = true;
};
TrigResult fsin(Float80 a, Env& env);
TrigResult fcos(Float80 a, Env& env);
TrigResult fsincos(Float80 a, Env& env);
TrigResult fptan(Float80 a, Env& env);

}  // namespace x86emu::fpu
