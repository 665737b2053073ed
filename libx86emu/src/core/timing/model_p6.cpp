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
    // ---- x87: the Pentium Pro FPU (Intel's P6 optimization notes, latency of each instruction; out-of-order overlap not modelled).
    // ESTIMATES written from memory of that source, to be proofread against it.
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
    t.set(TC::FpDiv, 38, 38);
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
