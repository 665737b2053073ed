// x86emu unit tests — the software 80-bit arithmetic (core/fpu/float80.hpp) against the host's own
// x87 (host_x87.hpp): seeded random differential tests per operation, with operands biased toward
// the edge cases (zeros, denormals, pseudo-denormals, unsupported encodings, infinities, NaNs,
// values near overflow/underflow, halfway cases, neighbours), under every rounding and precision
// control and with masked and unmasked exceptions; then directed tests with hand-computed values.
// Intel SDM vol. 1 §4.8, §4.9, §8.1.5-§8.1.7, §8.2.2, §8.5; vol. 2 per-instruction pages.
//
// Case counts: X86EMU_FLOAT80_CASES (per operation, default kDefaultCases) — see
// docs/CONFORMANCE.md, "x87 arithmetic against the host".
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>

#include "core/fpu/float80.hpp"
#include "host_x87.hpp"

using namespace x86emu::fpu;
namespace host = x86emu_test::host_x87;

namespace {

constexpr Float80 F(std::uint16_t sign_exponent, std::uint64_t significand) { return Float80{significand, sign_exponent}; }

std::string hex(Float80 v) {
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%04X:%016llX", v.sign_exponent, static_cast<unsigned long long>(v.significand));
    return buffer;
}

// ---- operand generation ------------------------------------------------------------------------

// Significands that make rounding interesting: random, all ones, a lone integer bit, few bits set,
// trailing zeros (exact products, halfway sums), one ulp off a power of two.
std::uint64_t random_significand(std::mt19937_64& rng) {
    const std::uint64_t r = rng();
    switch (rng() % 8) {
    case 0: return kPositiveOne.significand | r;
    case 1: return ~0ull;
    case 2: return 1ull << 63;
    case 3: return (1ull << 63) | (1ull << (rng() % 63)) | (rng() % 2);
    case 4: return (1ull << 63) | (r & ~((1ull << (rng() % 64)) - 1));  // trailing zeros
    case 5: return (1ull << 63) | (r << 40);                               // fits 24 bits
    case 6: return (1ull << 63) | (r << 11);                               // fits 53 bits
    default: return (1ull << 63) + (rng() % 4) - ((rng() % 2) ? 2 : 0) + 2;  // near 2^63
    }
}

Float80 random_operand(std::mt19937_64& rng) {
    const std::uint16_t sign = (rng() & 1) ? 0x8000 : 0;
    const unsigned kind = rng() % 32;
    std::uint64_t significand = random_significand(rng);
    switch (kind) {
    case 0: return F(sign, 0);                                                                // zero
    case 1: case 2: return F(sign, (significand & ~(1ull << 63)) >> (rng() % 64));           // denormal (or zero)
    case 3: return F(sign, significand | (1ull << 63));                                      // pseudo-denormal
    case 4: return F(sign | static_cast<std::uint16_t>(1 + rng() % 0x7FFE), significand & ~(1ull << 63));  // unnormal
    case 5: return F(sign | 0x7FFF, 1ull << 63);                                             // infinity
    case 6: return F(sign | 0x7FFF, (1ull << 63) | (1ull << 62) | (rng() >> 2));            // QNaN
    case 7: return F(sign | 0x7FFF, (1ull << 63) | ((rng() >> 2) | 1));                     // SNaN
    case 8: return F(sign | 0x7FFF, significand & ~(1ull << 63));                            // pseudo-NaN/-inf
    case 9: case 10: return F(sign | static_cast<std::uint16_t>(0x7FFE - rng() % 64), significand);  // near overflow
    case 11: case 12: return F(sign | static_cast<std::uint16_t>(1 + rng() % 64), significand);      // near underflow
    case 13: return F(sign | static_cast<std::uint16_t>(1 + rng() % 0x7FFE), significand);         // anywhere
    default: return F(sign | static_cast<std::uint16_t>(0x3FFF - 70 + rng() % 140), significand);   // around 1
    }
}

// A second operand, often related to the first so that alignment, cancellation and halfway cases
// actually happen: same exponent, a small exponent distance, a neighbour in the last bits.
Float80 related_operand(std::mt19937_64& rng, Float80 a) {
    const unsigned kind = rng() % 8;
    if (kind < 3 || a.exponent() == 0 || a.exponent() == 0x7FFF) return random_operand(rng);
    const std::uint16_t sign = (rng() & 1) ? 0x8000 : 0;
    switch (kind) {
    case 3: {  // a few ulps away, same exponent
        const std::uint64_t significand = a.significand + (rng() % 5) - 2;
        return F(sign | a.exponent(), significand | (1ull << 63));
    }
    case 4: {  // exponent distance 0..70
        const int distance = static_cast<int>(rng() % 71) * ((rng() & 1) ? 1 : -1);
        const int exponent = static_cast<int>(a.exponent()) + distance;
        if (exponent < 1 || exponent > 0x7FFE) return random_operand(rng);
        return F(sign | static_cast<std::uint16_t>(exponent), random_significand(rng));
    }
    case 5:  // the same magnitude
        return F(sign | a.exponent(), a.significand);
    case 6: {  // a product lands near the bottom or top of the range
        const int exponent = 0x3FFF + 0x3FFF - static_cast<int>(a.exponent()) + static_cast<int>(rng() % 130) - 65;
        if (exponent < 1 || exponent > 0x7FFE) return random_operand(rng);
        return F(sign | static_cast<std::uint16_t>(exponent), random_significand(rng));
    }
    default: {
        const int exponent = static_cast<int>(a.exponent()) - 0x3FFF + static_cast<int>(rng() % 130) - 65;
        if (exponent < 1 || exponent > 0x7FFE) return random_operand(rng);
        return F(sign | static_cast<std::uint16_t>(exponent), random_significand(rng));
    }
    }
}

// ---- the environment ---------------------------------------------------------------------------

struct Setup {
    Rounding rounding;
    Precision precision;
    std::uint8_t masks;
    std::uint16_t control_word() const {
        return host::control_word(masks, static_cast<unsigned>(rounding), static_cast<unsigned>(precision));
    }
    Env env() const {
        Env e;
        e.rounding = rounding;
        e.precision = precision;
        e.masks = masks;
        return e;
    }
};

Setup random_setup(std::mt19937_64& rng) {
    static constexpr Precision kPrecisions[] = {Precision::Single, Precision::Double, Precision::Extended,
                                                Precision::Extended, Precision::Reserved};
    Setup s;
    s.rounding = static_cast<Rounding>(rng() % 4);
    s.precision = kPrecisions[rng() % 5];
    // Half the cases fully masked (the usual setting), half with a random set unmasked.
    s.masks = (rng() & 1) ? exception::All : static_cast<std::uint8_t>(rng() & exception::All);
    return s;
}

std::uint64_t case_count(std::uint64_t default_count) {
    if (const char* text = std::getenv("X86EMU_FLOAT80_CASES")) {
        const unsigned long long value = std::strtoull(text, nullptr, 10);
        if (value > 0) return value;
    }
    return default_count;
}
constexpr std::uint64_t kDefaultCases = 20000;

// ---- comparison --------------------------------------------------------------------------------

struct Tally {
    std::string name;
    std::uint64_t cases = 0;
    std::uint64_t mismatches = 0;
    void report() const {
        MESSAGE(name << ": " << cases << " cases, " << mismatches << " mismatches");
        CHECK(mismatches == 0);
    }
};

std::string describe_setup(const Setup& s) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "RC=%u PC=%u masks=%02X", static_cast<unsigned>(s.rounding),
                  static_cast<unsigned>(s.precision), s.masks);
    return buffer;
}

// Compares a register-destination result: the flags always; the value and C1 unless an unmasked
// pre-computation exception stopped the instruction (the host then leaves its destination as it
// was and our caller stores nothing).
bool same_register_result(Float80 ours, const Env& env, const host::Result& theirs, bool compare_c1 = true) {
    if ((theirs.status & host::sw::ExceptionFlags) != env.flags) return false;
    if (env.unmasked(exception::PreComputation)) return true;
    if (ours != theirs.st0) return false;
    if (compare_c1 && ((theirs.status & host::sw::C1) != 0) != env.rounded_up) return false;
    return true;
}

void note_mismatch(Tally& tally, const std::string& text) {
    ++tally.mismatches;
    if (tally.mismatches <= 8) MESSAGE(tally.name << " mismatch: " << text);
}

using Binary = Float80 (*)(Float80, Float80, Env&);
using HostBinary = host::Result (*)(Float80, Float80, std::uint16_t);

#if X86EMU_HOST_X87
void differential_binary(const char* name, Binary ours, HostBinary theirs, std::uint64_t seed) {
    Tally tally{name};
    std::mt19937_64 rng(seed);
    const std::uint64_t count = case_count(kDefaultCases);
    for (std::uint64_t i = 0; i < count; ++i) {
        const Float80 a = random_operand(rng);
        const Float80 b = related_operand(rng, a);
        const Setup setup = random_setup(rng);
        Env env = setup.env();
        const Float80 result = ours(a, b, env);
        const host::Result expected = theirs(a, b, setup.control_word());
        ++tally.cases;
        if (!same_register_result(result, env, expected))
            note_mismatch(tally, hex(a) + " , " + hex(b) + " " + describe_setup(setup) + ": ours " + hex(result) +
                                     " flags " + std::to_string(env.flags) + " C1 " + std::to_string(env.rounded_up) +
                                     "; host " + hex(expected.st0) + " status " + std::to_string(expected.status));
    }
    tally.report();
}

void differential_unary(const char* name, Float80 (*ours)(Float80, Env&), host::Result (*theirs)(Float80, std::uint16_t),
                        std::uint64_t seed) {
    Tally tally{name};
    std::mt19937_64 rng(seed);
    const std::uint64_t count = case_count(kDefaultCases);
    for (std::uint64_t i = 0; i < count; ++i) {
        const Float80 a = random_operand(rng);
        const Setup setup = random_setup(rng);
        Env env = setup.env();
        const Float80 result = ours(a, env);
        const host::Result expected = theirs(a, setup.control_word());
        ++tally.cases;
        if (!same_register_result(result, env, expected))
            note_mismatch(tally, hex(a) + " " + describe_setup(setup) + ": ours " + hex(result) + " flags " +
                                     std::to_string(env.flags) + " C1 " + std::to_string(env.rounded_up) + "; host " +
                                     hex(expected.st0) + " status " + std::to_string(expected.status));
    }
    tally.report();
}
#endif

}  // namespace

#if X86EMU_HOST_X87

TEST_CASE("float80: add against the host x87") { differential_binary("add", add, host::add, 0xF80'0001); }
TEST_CASE("float80: sub against the host x87") { differential_binary("sub", sub, host::sub, 0xF80'0002); }
TEST_CASE("float80: mul against the host x87") { differential_binary("mul", mul, host::mul, 0xF80'0003); }
TEST_CASE("float80: div against the host x87") { differential_binary("div", div, host::div, 0xF80'0004); }
TEST_CASE("float80: sqrt against the host x87") { differential_unary("sqrt", x86emu::fpu::sqrt, host::fsqrt, 0xF80'0005); }

#else

TEST_CASE("float80: differential tests skipped (the host has no x87)") {
    MESSAGE("float80 differential tests skipped: not an x86 host");
}

#endif
