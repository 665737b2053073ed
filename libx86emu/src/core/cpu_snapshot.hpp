// x86emu — the CPU part of a snapshot (docs/SNAPSHOTS.md, "cpu"): CpuCoreState field by field,
// the CPUID table, and the configuration it must be restored into. Restoring is two-phase so
// that a Machine can validate every part before it changes any: prepare() parses and checks
// everything against the target and returns the new state; commit() installs it and rebuilds
// the caches, and cannot fail.
#pragma once
#include <cstdint>

#include "core/cpu_core.hpp"
#include "core/snapshot_format.hpp"

namespace x86emu::snapshot {

struct PreparedCpu {
    CpuCoreState state;
    // The INTR level and the NMI latch, which live in CpuCore's signal word, not in the state.
    bool intr_line = false;
    bool nmi_pending = false;
    CpuidTable cpuid;
};

struct CpuStateCodec {
    static json save(const CpuCore& core, std::uint32_t clock_khz);
    static PreparedCpu prepare(const CpuCore& target, std::uint32_t clock_khz, const Field& cpu);
    static void commit(CpuCore& target, const PreparedCpu& prepared);
};

}  // namespace x86emu::snapshot
