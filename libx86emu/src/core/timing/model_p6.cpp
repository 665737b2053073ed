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
    return t;
}

}  // namespace

const TimingTable& timing_table_p6() {
    static const TimingTable table = make_p6();
    return table;
}

}  // namespace x86emu
