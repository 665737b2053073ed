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
    // ---- x87: the Pentium FPU (Pentium Developer's Manual vol. 3, FPU instruction clock counts; latency, no pairing or FXCH overlap).
    // ESTIMATES written from memory of that source, to be proofread against it.
    t.set(TC::FpLoad, 1, 1);
    t.set(TC::FpLoadExtended, 0, 3);
    t.set(TC::FpLoadInt, 0, 3);
    t.set(TC::FpLoadBcd, 0, 48);
    t.set(TC::FpStore, 1, 2);
    t.set(TC::FpStoreExtended, 0, 3);
    t.set(TC::FpStoreInt, 0, 6);
    t.set(TC::FpStoreBcd, 0, 148);
    t.set(TC::FpExchange, 1, 0);
    t.set(TC::FpConstant, 2, 0);
    t.set(TC::FpAdd, 3, 3);
    t.set(TC::FpAddInt, 0, 7);
    t.set(TC::FpMul, 3, 3);
    t.set(TC::FpMulInt, 0, 7);
    t.set(TC::FpDiv, 39, 39);
    t.set(TC::FpDivInt, 0, 42);
    t.set(TC::FpSqrt, 70, 0);
    t.set(TC::FpCompare, 1, 1);
    t.set(TC::FpCompareInt, 0, 4);
    t.set(TC::FpSign, 1, 0);
    t.set(TC::FpExamine, 17, 0);
    t.set(TC::FpRound, 9, 0);
    t.set(TC::FpScale, 20, 0);
    t.set(TC::FpExtract, 12, 0);
    t.set(TC::FpRemainder, 16, 0);
    t.set(TC::Fp2xm1, 13, 0);
    t.set(TC::FpLogarithm, 22, 0);
    t.set(TC::FpTangent, 17, 0);
    t.set(TC::FpArctangent, 19, 0);
    t.set(TC::FpSineCosine, 16, 0);
    t.set(TC::FpLoadControl, 0, 7);
    t.set(TC::FpStoreControl, 2, 2);
    t.set(TC::FpClear, 9, 0);
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
