// x86emu — Pentium Pro (P6) instruction timing table.
// The P6 is an out-of-order machine: an instruction has a latency and a throughput, not a fixed
// clock count, and the Pentium Pro manuals give no per-instruction "Clocks" column like the
// earlier processors' manuals. This table therefore starts from the P5 table (timing/model_p5.cpp,
// itself the 486 table plus estimates) and every P6 value is an ESTIMATE.
// Known gap: no latency/throughput model, no micro-op accounting, no decoder 4-1-1 rule.
#include "core/timing/timing.hpp"

namespace x86emu {
namespace {

using TC = TimingClass;

TimingTable make_p6() {
    TimingTable t = timing_table_p5();  // ESTIMATE: every inherited value is the P5's
    t.set(TC::Cmov, 2, 2);              // CMOVcc: 2 (ESTIMATE; two micro-ops per the P6 optimisation documentation)
    t.set(TC::Rdpmc, 20);               // RDPMC (ESTIMATE; unsourced, taken equal to RDTSC)
    // Integer multiply/divide latencies: [AF] Agner Fog, PPro/PII/PIII integer instruction list
    // (section 29; measured): MUL/IMUL r,(r),(i) and (r),m 4; DIV/IDIV r8 19, r16 23, r32 39.
    // No early out on the P6, so no variable part.
    t.set(TC::Mul8, 4, 4, 0);           // [AF] (was the 486's 13-18)
    t.set(TC::Mul16, 4, 4, 0);          // [AF] (was 13-26)
    t.set(TC::Mul32, 4, 4, 0);          // [AF] (was 13-42)
    t.set(TC::Imul8, 4, 4, 0);          // [AF] (was 13-18)
    t.set(TC::Imul16, 4, 4, 0);         // [AF] (was 13-26)
    t.set(TC::Imul32, 4, 4, 0);         // [AF] (was 13-42)
    t.set(TC::ImulRegRM, 4, 4, 0);      // [AF] (was 13-26)
    t.set(TC::Div8, 19, 19);            // [AF] DIV r8/m8 19 (was 16)
    t.set(TC::Div16, 23, 23);           // [AF] DIV r16/m16 23 (was 24)
    t.set(TC::Div32, 39, 39);           // [AF] DIV r32/m32 39 (was 40)
    t.set(TC::Idiv8, 19, 19);           // [AF] IDIV r8/m8 19 (was 19/20)
    t.set(TC::Idiv16, 23, 23);          // [AF] IDIV r16/m16 23 (was 27/28)
    t.set(TC::Idiv32, 39, 39);          // [AF] IDIV r32/m32 39 (was 43/44)
    // ---- x87: the Pentium Pro FPU (latency of each instruction; out-of-order overlap not modelled).
    // [AF] = Agner Fog, "How to optimize for the Pentium family", section 29 "List of instruction
    // timings and micro-op breakdown for PPro, PII and PIII" (measured), see docs/TIMING.md.
    // Every line without a tag is still an UNVERIFIED ESTIMATE written from memory.
    t.set(TC::FpLoad, 1, 1);
    t.set(TC::FpLoadExtended, 0, 3);
    t.set(TC::FpLoadInt, 0, 5);
    t.set(TC::FpLoadBcd, 0, 70);
    t.set(TC::FpStore, 1, 1);
    t.set(TC::FpStoreExtended, 0, 3);
    t.set(TC::FpStoreInt, 0, 5);
    t.set(TC::FpStoreBcd, 0, 150);
    t.set(TC::FpExchange, 1, 0);
    t.set(TC::FpConstant, 2, 0);
    t.set(TC::FpConditionalMove, 2, 0);
    t.set(TC::FpAdd, 3, 3);
    t.set(TC::FpAddInt, 0, 6);
    t.set(TC::FpMul, 5, 5);
    t.set(TC::FpMulInt, 0, 8);
    t.set(TC::FpDiv, 38, 38);         // [AF] FDIV latency 38 at 64-bit precision (32 at 53, 18 at 24) (confirmed)
    t.set(TC::FpDivInt, 0, 42);
    t.set(TC::FpSqrt, 69, 0);
    t.set(TC::FpCompare, 1, 1);
    t.set(TC::FpCompareInt, 0, 4);
    t.set(TC::FpCompareToFlags, 1, 0);
    t.set(TC::FpSign, 1, 0);
    t.set(TC::FpExamine, 2, 0);
    t.set(TC::FpRound, 20, 0);
    t.set(TC::FpScale, 30, 0);
    t.set(TC::FpExtract, 10, 0);
    t.set(TC::FpRemainder, 30, 0);
    t.set(TC::Fp2xm1, 60, 0);
    t.set(TC::FpLogarithm, 100, 0);
    t.set(TC::FpTangent, 120, 0);
    t.set(TC::FpArctangent, 100, 0);
    t.set(TC::FpSineCosine, 100, 0);
    t.set(TC::FpLoadControl, 0, 10);
    t.set(TC::FpStoreControl, 3, 3);
    t.set(TC::FpClear, 9, 0);
    t.set(TC::FpInit, 12, 0);
    t.set(TC::FpLoadEnvironment, 0, 40);
    t.set(TC::FpStoreEnvironment, 0, 50);
    t.set(TC::FpSave, 0, 120);
    t.set(TC::FpRestore, 0, 90);
    t.set(TC::FpStackMisc, 1, 0);
    return t;
}

}  // namespace

const TimingTable& timing_table_p6() {
    static const TimingTable table = make_p6();
    return table;
}

}  // namespace x86emu
