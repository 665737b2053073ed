// x86emu unit tests — run one x87 operation on the host's own FPU, for differential tests of the
// software float80 arithmetic (fpu/float80.hpp) and the transcendental functions.
// Intel SDM vol. 1 §8.1.3 (status word), §8.1.5 (control word), §8.5-§8.7 (exception handling,
// masked/unmasked responses, the "pending" exception model); vol. 2 FNINIT, FNSTSW, FNCLEX, FLDCW,
// FLD/FSTP m80fp and each arithmetic instruction used below.
//
// How an operation runs (every helper follows the same sequence):
//   FNINIT; load the operands with the default control word 037Fh (all masked: FLD m80fp never
//   raises for an SNaN, so loading cannot fault); FLDCW the requested control word; the operation;
//   FNSTSW (non-waiting) to capture the flags and condition codes; FNCLEX (non-waiting) to drop
//   the pending exception; FLDCW 037Fh; FSTP m80fp of the results; FNINIT.
// Why this works with unmasked exceptions: an unmasked x87 exception does not trap at the
// instruction that raises it. It only sets ES in the status word ("pending"), and the trap (#MF,
// SIGFPE on Linux) is taken by the NEXT waiting x87 instruction. FNSTSW/FNCLEX are non-waiting,
// so the status is read and the pending exception cleared before anything can trap; the result
// the instruction wrote (the bias-adjusted value for unmasked OE/UE, the untouched destination
// for unmasked IE/DE/ZE) is still in the register and is stored afterwards.
//
// Everything here is guarded by X86EMU_HOST_X87 (1 on x86 hosts with GCC/Clang extended asm);
// tests must check it and report "skipped" with MESSAGE on other hosts.
#pragma once

#include <cstdint>

#include "core/fpu/float80.hpp"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define X86EMU_HOST_X87 1
#else
#define X86EMU_HOST_X87 0
#endif

namespace x86emu_test::host_x87 {

using x86emu::fpu::Float80;

// The x87 control word for the given masks (1 = masked, SDM bit positions), rounding control
// (0 nearest, 1 down, 2 up, 3 toward zero) and precision control (0 single, 2 double, 3 extended).
// Bit 6 is reserved and reads as 1 after FNINIT (037Fh); we set it the same way.
constexpr std::uint16_t control_word(std::uint8_t masks, unsigned rounding, unsigned precision) {
    return static_cast<std::uint16_t>((masks & 0x3F) | 0x40 | ((precision & 3) << 8) | ((rounding & 3) << 10));
}
inline constexpr std::uint16_t kDefaultControlWord = 0x037F;

// Status word fields (SDM vol. 1 figure 8-4).
namespace sw {
inline constexpr std::uint16_t ExceptionFlags = 0x003F;  // IE DE ZE OE UE PE
inline constexpr std::uint16_t StackFault = 0x0040;      // SF
inline constexpr std::uint16_t ErrorSummary = 0x0080;    // ES: an unmasked exception is pending
inline constexpr std::uint16_t C0 = 0x0100;
inline constexpr std::uint16_t C1 = 0x0200;
inline constexpr std::uint16_t C2 = 0x0400;
inline constexpr std::uint16_t C3 = 0x4000;
}  // namespace sw

struct Result {
    Float80 st0;      // ST(0) after the operation (the result of most operations)
    Float80 st1;      // ST(1) after it (FXTRACT's exponent, FSINCOS's sine, FPTAN's tangent)
    std::uint16_t status = 0;  // FNSTSW right after the operation
};

// A memory-destination store (FIST, FST m32/m64, FBSTP): the bytes written, or the sentinel the
// buffer was filled with when the instruction stored nothing (unmasked pre-computation exception,
// unmasked overflow/underflow to memory).
struct StoreResult {
    std::uint8_t bytes[10];
    std::uint16_t status = 0;
};
inline constexpr std::uint8_t kStoreSentinel = 0xA5;

#if X86EMU_HOST_X87

// Every x87 register is clobbered: the sequence starts with FNINIT and leaves the stack empty
// (FNINIT again), as the x86-64 ABI requires across calls.
#define X86EMU_HOST_X87_CLOBBERS "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)", "memory"

// ST(0) = a, ST(1) = b, then INSN, then both registers stored. Popping instructions (FYL2X, FPATAN,
// FYL2XP1) leave their result in ST(0) and ST(1) empty (its store then reads the empty register,
// whose value is meaningless).
#define X86EMU_HOST_X87_TWO_OPERANDS(INSN)                                                                             \
    Result r;                                                                                                          \
    const std::uint16_t masked = kDefaultControlWord;                                                                  \
    asm volatile("fninit\n\t"                                                                                          \
                 "fldt %[b]\n\t"                                                                                       \
                 "fldt %[a]\n\t"                                                                                       \
                 "fldcw %[cw]\n\t" INSN "\n\t"                                                                         \
                 "fnstsw %[sw]\n\t"                                                                                    \
                 "fnclex\n\t"                                                                                          \
                 "fldcw %[mcw]\n\t"                                                                                    \
                 "fstpt %[o0]\n\t"                                                                                     \
                 "fstpt %[o1]\n\t"                                                                                     \
                 "fninit"                                                                                              \
                 : [o0] "=m"(r.st0), [o1] "=m"(r.st1), [sw] "=m"(r.status)                                             \
                 : [a] "m"(a), [b] "m"(b), [cw] "m"(cw), [mcw] "m"(masked)                                             \
                 : X86EMU_HOST_X87_CLOBBERS);                                                                          \
    return r;

// ST(0) = a, INSN, then ST(0) and ST(1) stored (ST(1) is the second result of FXTRACT, FSINCOS and
// FPTAN, which push; for the others it is the empty register and meaningless).
#define X86EMU_HOST_X87_ONE_OPERAND(INSN)                                                                              \
    Result r;                                                                                                          \
    const std::uint16_t masked = kDefaultControlWord;                                                                  \
    asm volatile("fninit\n\t"                                                                                          \
                 "fldt %[a]\n\t"                                                                                       \
                 "fldcw %[cw]\n\t" INSN "\n\t"                                                                         \
                 "fnstsw %[sw]\n\t"                                                                                    \
                 "fnclex\n\t"                                                                                          \
                 "fldcw %[mcw]\n\t"                                                                                    \
                 "fstpt %[o0]\n\t"                                                                                     \
                 "fstpt %[o1]\n\t"                                                                                     \
                 "fninit"                                                                                              \
                 : [o0] "=m"(r.st0), [o1] "=m"(r.st1), [sw] "=m"(r.status)                                             \
                 : [a] "m"(a), [cw] "m"(cw), [mcw] "m"(masked)                                                         \
                 : X86EMU_HOST_X87_CLOBBERS);                                                                          \
    return r;

// AT&T operand order: "fsub %st(1), %st" is ST(0) = ST(0) - ST(1) (D8 E1). The reversed-mnemonic
// quirk of GNU as only affects forms whose destination is ST(i), which we never use.
inline Result add(Float80 a, Float80 b, std::uint16_t cw) { X86EMU_HOST_X87_TWO_OPERANDS("fadd %%st(1), %%st") }
inline Result sub(Float80 a, Float80 b, std::uint16_t cw) { X86EMU_HOST_X87_TWO_OPERANDS("fsub %%st(1), %%st") }
inline Result mul(Float80 a, Float80 b, std::uint16_t cw) { X86EMU_HOST_X87_TWO_OPERANDS("fmul %%st(1), %%st") }
inline Result div(Float80 a, Float80 b, std::uint16_t cw) { X86EMU_HOST_X87_TWO_OPERANDS("fdiv %%st(1), %%st") }
// FPREM/FPREM1: ST(0) = a rem b; C2/C0/C3/C1 in the status.
inline Result fprem(Float80 a, Float80 b, std::uint16_t cw) { X86EMU_HOST_X87_TWO_OPERANDS("fprem") }
inline Result fprem1(Float80 a, Float80 b, std::uint16_t cw) { X86EMU_HOST_X87_TWO_OPERANDS("fprem1") }
// FSCALE: a * 2^trunc(b).
inline Result fscale(Float80 a, Float80 b, std::uint16_t cw) { X86EMU_HOST_X87_TWO_OPERANDS("fscale") }
// FYL2X / FYL2XP1 / FPATAN take y in ST(1) and x in ST(0): here y = b, x = a; result in st0.
inline Result fyl2x(Float80 y, Float80 x, std::uint16_t cw) {
    const Float80 a = x, b = y;
    X86EMU_HOST_X87_TWO_OPERANDS("fyl2x")
}
inline Result fyl2xp1(Float80 y, Float80 x, std::uint16_t cw) {
    const Float80 a = x, b = y;
    X86EMU_HOST_X87_TWO_OPERANDS("fyl2xp1")
}
inline Result fpatan(Float80 y, Float80 x, std::uint16_t cw) {
    const Float80 a = x, b = y;
    X86EMU_HOST_X87_TWO_OPERANDS("fpatan")
}
// FCOM ST(1) / FUCOM ST(1): ST(0) = a compared with b; C3/C2/C0 in the status.
inline Result fcom(Float80 a, Float80 b, std::uint16_t cw) { X86EMU_HOST_X87_TWO_OPERANDS("fcom %%st(1)") }
inline Result fucom(Float80 a, Float80 b, std::uint16_t cw) { X86EMU_HOST_X87_TWO_OPERANDS("fucom %%st(1)") }

inline Result fsqrt(Float80 a, std::uint16_t cw) { X86EMU_HOST_X87_ONE_OPERAND("fsqrt") }
inline Result frndint(Float80 a, std::uint16_t cw) { X86EMU_HOST_X87_ONE_OPERAND("frndint") }
inline Result ftst(Float80 a, std::uint16_t cw) { X86EMU_HOST_X87_ONE_OPERAND("ftst") }
inline Result fxam(Float80 a, std::uint16_t cw) { X86EMU_HOST_X87_ONE_OPERAND("fxam") }
// FXTRACT: st0 = significand, st1 = exponent.
inline Result fxtract(Float80 a, std::uint16_t cw) { X86EMU_HOST_X87_ONE_OPERAND("fxtract") }
inline Result f2xm1(Float80 a, std::uint16_t cw) { X86EMU_HOST_X87_ONE_OPERAND("f2xm1") }
inline Result fsin(Float80 a, std::uint16_t cw) { X86EMU_HOST_X87_ONE_OPERAND("fsin") }
inline Result fcos(Float80 a, std::uint16_t cw) { X86EMU_HOST_X87_ONE_OPERAND("fcos") }
// FSINCOS: st0 = cosine, st1 = sine. FPTAN: st0 = 1.0, st1 = tangent. Out of range (C2 = 1):
// st0 is the untouched operand and st1 meaningless.
inline Result fsincos(Float80 a, std::uint16_t cw) { X86EMU_HOST_X87_ONE_OPERAND("fsincos") }
inline Result fptan(Float80 a, std::uint16_t cw) { X86EMU_HOST_X87_ONE_OPERAND("fptan") }

// The constant loads: FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ under `cw`.
#define X86EMU_HOST_X87_CONSTANT(INSN)                                                                                 \
    Result r;                                                                                                          \
    const std::uint16_t masked = kDefaultControlWord;                                                                  \
    asm volatile("fninit\n\t"                                                                                          \
                 "fldcw %[cw]\n\t" INSN "\n\t"                                                                         \
                 "fnstsw %[sw]\n\t"                                                                                    \
                 "fnclex\n\t"                                                                                          \
                 "fldcw %[mcw]\n\t"                                                                                    \
                 "fstpt %[o0]\n\t"                                                                                     \
                 "fninit"                                                                                              \
                 : [o0] "=m"(r.st0), [sw] "=m"(r.status)                                                               \
                 : [cw] "m"(cw), [mcw] "m"(masked)                                                                     \
                 : X86EMU_HOST_X87_CLOBBERS);                                                                          \
    return r;
inline Result fld1(std::uint16_t cw) { X86EMU_HOST_X87_CONSTANT("fld1") }
inline Result fldl2t(std::uint16_t cw) { X86EMU_HOST_X87_CONSTANT("fldl2t") }
inline Result fldl2e(std::uint16_t cw) { X86EMU_HOST_X87_CONSTANT("fldl2e") }
inline Result fldpi(std::uint16_t cw) { X86EMU_HOST_X87_CONSTANT("fldpi") }
inline Result fldlg2(std::uint16_t cw) { X86EMU_HOST_X87_CONSTANT("fldlg2") }
inline Result fldln2(std::uint16_t cw) { X86EMU_HOST_X87_CONSTANT("fldln2") }
inline Result fldz(std::uint16_t cw) { X86EMU_HOST_X87_CONSTANT("fldz") }

// Loads from memory under `cw` (FLD m32fp / m64fp raise IE for an SNaN and DE for a denormal):
// the loaded value in st0. With an unmasked IE nothing is pushed and st0 is the stored empty
// register (a store of an empty register gives the real indefinite).
#define X86EMU_HOST_X87_LOAD(INSN, SOURCE_TYPE)                                                                        \
    Result r;                                                                                                          \
    const std::uint16_t masked = kDefaultControlWord;                                                                  \
    const SOURCE_TYPE source = bits;                                                                                   \
    asm volatile("fninit\n\t"                                                                                          \
                 "fldcw %[cw]\n\t" INSN " %[src]\n\t"                                                                  \
                 "fnstsw %[sw]\n\t"                                                                                    \
                 "fnclex\n\t"                                                                                          \
                 "fldcw %[mcw]\n\t"                                                                                    \
                 "fstpt %[o0]\n\t"                                                                                     \
                 "fninit"                                                                                              \
                 : [o0] "=m"(r.st0), [sw] "=m"(r.status)                                                               \
                 : [src] "m"(source), [cw] "m"(cw), [mcw] "m"(masked)                                                  \
                 : X86EMU_HOST_X87_CLOBBERS);                                                                          \
    return r;
inline Result fld_m32(std::uint32_t bits, std::uint16_t cw) { X86EMU_HOST_X87_LOAD("flds", std::uint32_t) }
inline Result fld_m64(std::uint64_t bits, std::uint16_t cw) { X86EMU_HOST_X87_LOAD("fldl", std::uint64_t) }
// FBLD m80bcd (exact; no exceptions).
inline Result fbld(const std::uint8_t bytes[10], std::uint16_t cw) {
    Result r;
    const std::uint16_t masked = kDefaultControlWord;
    struct Packed {
        std::uint8_t b[10];
    } source;
    for (int i = 0; i < 10; ++i) source.b[i] = bytes[i];
    asm volatile("fninit\n\t"
                 "fldcw %[cw]\n\t"
                 "fbld %[src]\n\t"
                 "fnstsw %[sw]\n\t"
                 "fnclex\n\t"
                 "fldcw %[mcw]\n\t"
                 "fstpt %[o0]\n\t"
                 "fninit"
                 : [o0] "=m"(r.st0), [sw] "=m"(r.status)
                 : [src] "m"(source), [cw] "m"(cw), [mcw] "m"(masked)
                 : X86EMU_HOST_X87_CLOBBERS);
    return r;
}

// Stores to memory under `cw`: FISTP m16/m32/m64, FSTP m32fp/m64fp, FBSTP m80bcd. The buffer is
// pre-filled with kStoreSentinel so that "nothing stored" (unmasked exceptions) is visible.
#define X86EMU_HOST_X87_STORE(INSN)                                                                                    \
    StoreResult r;                                                                                                     \
    for (auto& byte : r.bytes) byte = kStoreSentinel;                                                                  \
    const std::uint16_t masked = kDefaultControlWord;                                                                  \
    asm volatile("fninit\n\t"                                                                                          \
                 "fldt %[a]\n\t"                                                                                       \
                 "fldcw %[cw]\n\t" INSN " %[dst]\n\t"                                                                  \
                 "fnstsw %[sw]\n\t"                                                                                    \
                 "fnclex\n\t"                                                                                          \
                 "fninit"                                                                                              \
                 : [dst] "+m"(r.bytes), [sw] "=m"(r.status)                                                            \
                 : [a] "m"(a), [cw] "m"(cw), [mcw] "m"(masked)                                                         \
                 : X86EMU_HOST_X87_CLOBBERS);                                                                          \
    return r;
inline StoreResult fistp_m16(Float80 a, std::uint16_t cw) { X86EMU_HOST_X87_STORE("fistps") }
inline StoreResult fistp_m32(Float80 a, std::uint16_t cw) { X86EMU_HOST_X87_STORE("fistpl") }
inline StoreResult fistp_m64(Float80 a, std::uint16_t cw) { X86EMU_HOST_X87_STORE("fistpll") }
inline StoreResult fstp_m32(Float80 a, std::uint16_t cw) { X86EMU_HOST_X87_STORE("fstps") }
inline StoreResult fstp_m64(Float80 a, std::uint16_t cw) { X86EMU_HOST_X87_STORE("fstpl") }
inline StoreResult fbstp(Float80 a, std::uint16_t cw) { X86EMU_HOST_X87_STORE("fbstp") }

#undef X86EMU_HOST_X87_TWO_OPERANDS
#undef X86EMU_HOST_X87_ONE_OPERAND
#undef X86EMU_HOST_X87_CONSTANT
#undef X86EMU_HOST_X87_LOAD
#undef X86EMU_HOST_X87_STORE
#undef X86EMU_HOST_X87_CLOBBERS

#endif  // X86EMU_HOST_X87

}  // namespace x86emu_test::host_x87
