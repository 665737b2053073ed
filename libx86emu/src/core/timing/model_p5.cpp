// x86emu — Pentium (P5) instruction timing table.
// Source for the Pentium's own instructions: the "Clocks" column of the Pentium Processor Family
// Developer's Manual vol. 3 (Architecture and Programming Manual), instruction set chapter.
// Those manual pages could not be re-checked while this table was written, so every Pentium
// value below is marked ESTIMATE (the counts as remembered from the manual); verify them
// against the manual before relying on them.
//
// Everything else starts from the i486 table (timing/model_80486.cpp): the P5's counts for the
// simple integer instructions are mostly the 486's (one clock for register ALU forms), and the
// emulator models neither the second (V) pipe's pairing nor the branch predictor, which are
// what makes the Pentium faster in practice. That inheritance is itself an ESTIMATE, listed as a
// known gap: the per-class Pentium counts of that chapter are still to be transcribed.
#include "core/timing/timing.hpp"

namespace x86emu {
namespace {

using TC = TimingClass;

TimingTable make_p5() {
    TimingTable t = timing_table_80486();
    // The Pentium additions.
    t.set(TC::Cpuid, 14);                   // CPUID 14 (ESTIMATE)
    t.set(TC::Rdtsc, 20);                   // RDTSC 20 (ESTIMATE)
    t.set(TC::Rdmsr, 20);                   // RDMSR 20-24 (ESTIMATE; the minimum)
    t.set(TC::Wrmsr, 30);                   // WRMSR 30-45 (ESTIMATE; the minimum)
    t.set(TC::Cmpxchg8b, 10, 10);           // CMPXCHG8B m64 10 (ESTIMATE)
    // ---- x87: the Pentium FPU (latency, minimum of each range; no pairing or FXCH overlap).
    // The Pentium Developer's Manual vol. 3 itself was not found. Sources (docs/TIMING.md):
    //   [T] the "Pentium" column of the x87 timing table circulated with Intel's figures
    //       (copies at zs3.me/intel_f.html, tdenis.tripod.com/download/fpuopcode.txt);
    //   [AF] Agner Fog, "How to optimize for the Pentium family", section 28.2 "Floating point
    //       instructions" (measured minimum clocks; mirror xiaohui.com/dev/mmx/mmx_p_28_2.htm).
    // Every line without a tag is still an UNVERIFIED ESTIMATE written from memory.
    t.set(TC::FpLoad, 1, 1);          // [AF] FLD r/m32/m64 1 (confirmed)
    t.set(TC::FpLoadExtended, 0, 3);  // [AF] FLD m80 3 (confirmed)
    t.set(TC::FpLoadInt, 0, 3);       // [AF] FILD m 3 (confirmed)
    t.set(TC::FpLoadBcd, 0, 48);      // [T][AF] FBLD 48-58 (confirmed)
    t.set(TC::FpStore, 1, 2);         // [AF] FST(P) r 1, m32/m64 2 (confirmed)
    t.set(TC::FpStoreExtended, 0, 3); // [AF] FSTP m80 3 (confirmed)
    t.set(TC::FpStoreInt, 0, 6);      // [AF] FIST(P) m 6 (confirmed)
    t.set(TC::FpStoreBcd, 0, 148);    // [T][AF] FBSTP 148-154 (confirmed)
    t.set(TC::FpExchange, 1, 0);
    t.set(TC::FpConstant, 2, 0);      // [AF] FLDZ/FLD1 2 (confirmed; FLDPI, FLDL2E.. 5)
    t.set(TC::FpAdd, 3, 3);           // [T][AF] FADD(P)/FSUB(R)(P) r/m 3 (confirmed)
    t.set(TC::FpAddInt, 0, 6);        // [AF] FIADD/FISUB(R) m 6 (was 7)
    t.set(TC::FpMul, 3, 3);           // [AF] FMUL(P) r/m 3 (confirmed)
    t.set(TC::FpMulInt, 0, 6);        // [AF] FIMUL m 6 (was 7)
    t.set(TC::FpDiv, 39, 39);         // [AF] FDIV(R)(P) 19/33/39 at 24/53/64-bit precision; 64-bit (confirmed)
    t.set(TC::FpDivInt, 0, 42);       // [AF] FIDIV(R) 22/36/42; 64-bit precision (confirmed)
    t.set(TC::FpSqrt, 70, 0);         // [AF] FSQRT 70 (confirmed)
    t.set(TC::FpCompare, 1, 1);       // [AF] FCOM(P)(P)/FUCOM/FTST 1 (confirmed; [T] gives 4/1 latency/throughput)
    t.set(TC::FpCompareInt, 0, 4);    // [AF] FICOM m 4 (confirmed)
    t.set(TC::FpSign, 1, 0);          // [T][AF] FCHS/FABS 1 (confirmed)
    t.set(TC::FpExamine, 17, 0);      // [AF] FXAM 17-21 (confirmed)
    t.set(TC::FpRound, 9, 0);         // [AF] FRNDINT 9-20 (confirmed)
    t.set(TC::FpScale, 20, 0);        // [AF] FSCALE 20-32 (confirmed)
    t.set(TC::FpExtract, 12, 0);      // [AF] FXTRACT 12-66 (confirmed)
    t.set(TC::FpRemainder, 16, 0);    // [AF] FPREM 16-64, FPREM1 20-70 (confirmed)
    t.set(TC::Fp2xm1, 13, 0);         // [T] F2XM1 13-57 (confirmed; [AF] measured 53-59)
    t.set(TC::FpLogarithm, 103, 0);   // [AF] FYL2X 103, FYL2XP1 105 (was 22)
    t.set(TC::FpTangent, 17, 0);
    t.set(TC::FpArctangent, 19, 0);
    t.set(TC::FpSineCosine, 65, 0);   // [AF] FSIN/FCOS 65-100, FSINCOS 89-112 (was 16)
    t.set(TC::FpLoadControl, 0, 8);   // [AF] FLDCW m16 8 (was 7)
    t.set(TC::FpStoreControl, 6, 2);  // [AF] FNSTSW AX 6; FNSTCW m16 2, FNSTSW m16 6 (was 2/2)
    t.set(TC::FpClear, 9, 0);         // [T] FNCLEX 9 (confirmed)
    t.set(TC::FpInit, 16, 0);
    t.set(TC::FpLoadEnvironment, 0, 32);
    t.set(TC::FpStoreEnvironment, 0, 48);
    t.set(TC::FpSave, 0, 124);
    t.set(TC::FpRestore, 0, 70);
    t.set(TC::FpStackMisc, 1, 0);
    return t;
}

}  // namespace

const TimingTable& timing_table_p5() {
    static const TimingTable table = make_p5();
    return table;
}

}  // namespace x86emu
