// x86emu unit tests — the special operands of the x87 transcendental tests and the record of one
// silicon's answers to them: shared by test_transcendental.cpp and the capture tool
// (tools/capture_transcendental_specials.cpp) that writes data/x87_transcendental_specials_*.inc.
// Intel SDM vol. 1 §4.2.2 and §8.2.2 (the operand classes: zeros, denormals, pseudo-denormals,
// infinities, QNaN/SNaN, the real indefinite, unsupported encodings), vol. 2 the special-operand
// tables of F2XM1, FYL2X, FYL2XP1, FPATAN, FSIN, FCOS, FSINCOS, FPTAN.
#pragma once

#include <cstdint>
#include <vector>

#include "core/fpu/float80.hpp"

namespace x86emu_test::transcendental {

using x86emu::fpu::Float80;

// The order is part of the data files' format (rows name operands by index): append only.
inline const std::vector<Float80>& special_operands() {
    static const std::vector<Float80> values = {
        {0, 0x0000}, {0, 0x8000},                                               // +-0
        {0x0000000000000123ull, 0x0000}, {0x7FFFFFFFFFFFFFFFull, 0x8000},      // +-denormal
        {0x8000000000000001ull, 0x0000},                                        // pseudo-denormal
        {0x8000000000000000ull, 0x3FFF}, {0x8000000000000000ull, 0xBFFF},      // +-1
        {0x8000000000000001ull, 0x3FFF}, {0x8000000000000001ull, 0xBFFF},      // +-(1 + ulp)
        {0xFFFFFFFFFFFFFFFFull, 0x3FFE}, {0xFFFFFFFFFFFFFFFFull, 0xBFFE},      // +-(1 - ulp/2)
        {0x8000000000000000ull, 0x3FFE}, {0x8000000000000000ull, 0xBFFE},      // +-1/2
        {0x95F619980C4336F7ull, 0x3FFD}, {0x95F619980C4336F7ull, 0xBFFD},      // +-(1 - sqrt(2)/2)
        {0xC000000000000000ull, 0x4000}, {0xC000000000000000ull, 0xC000},      // +-3
        {0x8000000000000000ull, 0x4001},                                        // 4
        {0xC90FDAA22168C235ull, 0x4000}, {0xC90FDAA22168C234ull, 0xC000},      // +-pi (rounded up/down)
        {0xC90FDAA22168C235ull, 0x3FFF},                                        // pi/2
        {0xFFFFFFFFFFFFFFFFull, 0x403D}, {0x8000000000000000ull, 0x403E},      // 2^63 - 1, 2^63
        {0x8000000000000000ull, 0xC03E},                                        // -2^63
        {0xFFFFFFFFFFFFFFFFull, 0x7FFE}, {0x8000000000000000ull, 0x0001},      // largest, smallest normal
        {0x8000000000000000ull, 0x7FFF}, {0x8000000000000000ull, 0xFFFF},      // +-infinity
        {0xC000000000000005ull, 0x7FFF}, {0xC000000000000005ull, 0xFFFF},      // +-QNaN, same payload
        {0xC000000000000009ull, 0xFFFF},                                        // -QNaN, larger payload
        {0x8000000000000007ull, 0x7FFF}, {0x800000000000000Bull, 0xFFFF},      // +-SNaN
        {0xC000000000000000ull, 0xFFFF},                                        // real indefinite
        {0x4000000000000000ull, 0x3FFF},                                        // unnormal
        {0x0000000000000000ull, 0x7FFF},                                        // pseudo-infinity
        {0x4000000000000001ull, 0x7FFF},                                        // pseudo-NaN
    };
    return values;
}

// The functions in the data files' order (the `function` field of a row).
enum Function : std::uint8_t { F2xm1, Fyl2x, Fyl2xp1, Fpatan, Fsin, Fcos, Fsincos, Fptan, FunctionCount };
inline constexpr const char* kFunctionNames[FunctionCount] = {"f2xm1", "fyl2x", "fyl2xp1", "fpatan",
                                                              "fsin",  "fcos",  "fsincos", "fptan"};
inline constexpr bool two_operands(Function f) { return f == Fyl2x || f == Fyl2xp1 || f == Fpatan; }
inline constexpr bool two_results(Function f) { return f == Fsincos || f == Fptan; }

// What the silicon did for one (function, operands, masks, rounding): the registers as FSTP m80
// stored them (ST(0), and ST(1) for FSINCOS/FPTAN, else 0) and the status word's six flags, C1
// and C2. Per operand set the all-masked round-to-nearest row always comes first; the other seven
// (masks, rc) rows are only recorded where they differ from it (most special results ignore the
// rounding and the masks, and the captures stay small).
struct SpecialRow {
    std::uint8_t function, a, b;  // b = 0 for the one-operand functions
    std::uint8_t masks;           // 3Fh all masked, 00h all unmasked
    std::uint8_t rc;
    std::uint16_t status;  // & 063Fh
    std::uint16_t st0_se;
    std::uint64_t st0_sig;
    std::uint16_t st1_se;
    std::uint64_t st1_sig;
};
inline constexpr std::uint16_t kRecordedStatus = 0x063F;  // IE DE ZE OE UE PE, C1, C2

}  // namespace x86emu_test::transcendental
