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
    return t;
}

}  // namespace

const TimingTable& timing_table_p5() {
    static const TimingTable table = make_p5();
    return table;
}

}  // namespace x86emu
