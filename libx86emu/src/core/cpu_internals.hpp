// x86emu — the library's own way into a Cpu (the pimpl keeps CpuCore out of the public header):
// machine snapshots read and restore the CPU through it.
#pragma once
#include <cstdint>
#include <string>

#include "x86emu/cpu.hpp"
#include "x86emu/cpuid.hpp"

namespace x86emu {

struct CpuInternals {
    static CpuCore& core(Cpu& cpu) { return *cpu.core_; }
    static const CpuCore& core(const Cpu& cpu) { return *cpu.core_; }
    static std::uint32_t clock_khz(const Cpu& cpu) { return cpu.clock_khz_; }
};

// What is wrong with a CPUID table's shape (empty when nothing): the rule set_cpuid and a
// snapshot restore both apply.
std::string cpuid_table_error(const CpuidTable& table);

}  // namespace x86emu
