// x86emu unit tests — the host x87 helpers (host_x87.hpp) themselves: operand order, rounding and
// precision control reaching the host FPU, and the unmasked-exception sequence (result written,
// exception pending, nothing trapping). Intel SDM vol. 1 §8.1.3, §8.1.5, §8.5.3, §8.5.4, §8.6.
// If these fail, every differential float80 test built on the helpers is meaningless.
#include <doctest/doctest.h>

#include <cstdint>

#include "host_x87.hpp"

using x86emu::fpu::Float80;
namespace host = x86emu_test::host_x87;

#if X86EMU_HOST_X87

namespace {
constexpr Float80 kOne{0x8000000000000000ull, 0x3FFF};
constexpr Float80 kTwo{0x8000000000000000ull, 0x4000};
constexpr Float80 kThree{0xC000000000000000ull, 0x4000};
constexpr Float80 kLargest{0xFFFFFFFFFFFFFFFFull, 0x7FFE};
constexpr std::uint8_t kAllMasked = 0x3F;
}  // namespace

TEST_CASE("host_x87: operand order of the two-operand helpers") {
    const std::uint16_t cw = host::control_word(kAllMasked, 0, 3);
    CHECK(host::add(kOne, kTwo, cw).st0 == kThree);
    // 1 - 2 = -1: ST(0) - ST(1), not reversed.
    CHECK(host::sub(kOne, kTwo, cw).st0 == Float80{0x8000000000000000ull, 0xBFFF});
    // 1 / 2 = 0.5.
    CHECK(host::div(kOne, kTwo, cw).st0 == Float80{0x8000000000000000ull, 0x3FFE});
    CHECK((host::add(kOne, kTwo, cw).status & host::sw::ExceptionFlags) == 0);
}

TEST_CASE("host_x87: rounding and precision control reach the host FPU") {
    // 1/3 = 1.0101..b * 2^-2: the 64-bit significand is AAAA...AAAA and the bits after it are
    // 1010... (above half), so nearest and up give ...AAAB (C1 set: rounded away from zero),
    // down gives ...AAAA (C1 clear).
    const auto nearest = host::div(kOne, kThree, host::control_word(kAllMasked, 0, 3));
    const auto down = host::div(kOne, kThree, host::control_word(kAllMasked, 1, 3));
    CHECK(nearest.st0 == Float80{0xAAAAAAAAAAAAAAABull, 0x3FFD});
    CHECK(down.st0 == Float80{0xAAAAAAAAAAAAAAAAull, 0x3FFD});
    CHECK((nearest.status & host::sw::C1) != 0);
    CHECK((down.status & host::sw::C1) == 0);
    CHECK((down.status & host::sw::ExceptionFlags) == 0x20);  // PE
    // Single precision: 24 significand bits AAAAAA, then 1010...: nearest rounds up.
    const auto single = host::div(kOne, kThree, host::control_word(kAllMasked, 0, 0));
    CHECK(single.st0 == Float80{0xAAAAAB0000000000ull, 0x3FFD});
}

TEST_CASE("host_x87: an unmasked overflow delivers the bias-adjusted result without trapping") {
    // Largest * 2 overflows; OE unmasked: the result's exponent is reduced by 24576 (6000h), ES set.
    const auto r = host::mul(kLargest, kTwo, host::control_word(kAllMasked & ~0x08, 0, 3));
    CHECK(r.st0 == Float80{0xFFFFFFFFFFFFFFFFull, 0x7FFF - 0x6000});
    CHECK((r.status & 0x08) != 0);
    CHECK((r.status & host::sw::ErrorSummary) != 0);
    // The same masked gives infinity and no ES.
    const auto masked = host::mul(kLargest, kTwo, host::control_word(kAllMasked, 0, 3));
    CHECK(masked.st0 == Float80{0x8000000000000000ull, 0x7FFF});
    CHECK((masked.status & host::sw::ErrorSummary) == 0);
}

TEST_CASE("host_x87: an unmasked invalid operation leaves the destination and stores nothing") {
    const Float80 minus_one{0x8000000000000000ull, 0xBFFF};
    const auto r = host::fsqrt(minus_one, host::control_word(kAllMasked & ~0x01, 0, 3));
    CHECK(r.st0 == minus_one);
    CHECK((r.status & 0x01) != 0);
    const Float80 huge{0x8000000000000000ull, 0x3FFF + 40};  // 2^40 does not fit 16 bits
    const auto stored = host::fistp_m16(huge, host::control_word(kAllMasked & ~0x01, 0, 3));
    CHECK(stored.bytes[0] == host::kStoreSentinel);
    CHECK(stored.bytes[1] == host::kStoreSentinel);
    const auto masked = host::fistp_m16(huge, host::control_word(kAllMasked, 0, 3));
    CHECK(masked.bytes[0] == 0x00);
    CHECK(masked.bytes[1] == 0x80);  // the integer indefinite 8000h
}

TEST_CASE("host_x87: conversions and constants") {
    const auto one = host::fld_m32(0x3F800000u, host::kDefaultControlWord);
    CHECK(one.st0 == kOne);
    CHECK(host::fld_m64(0x4000000000000000ull, host::kDefaultControlWord).st0 == kTwo);
    const auto stored = host::fstp_m32(kThree, host::kDefaultControlWord);
    CHECK(stored.bytes[3] == 0x40);
    CHECK(stored.bytes[2] == 0x40);
    CHECK(host::fld1(host::kDefaultControlWord).st0 == kOne);
    // pi = C90FDAA2 2168C234 C4C6628B...: the bits after the 64th are C4.. (above half): nearest rounds up.
    CHECK(host::fldpi(host::kDefaultControlWord).st0 == Float80{0xC90FDAA22168C235ull, 0x4000});
}

#else

TEST_CASE("host_x87: skipped (the host has no x87)") {
    MESSAGE("host_x87 helpers skipped: not an x86 host");
}

#endif
