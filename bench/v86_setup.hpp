// bench/v86_setup.hpp — what an embedder puts in RAM and in the CPU state so that a 386 runs
// the 16-bit benchmark guest (bench/workload.asm) unchanged in virtual-8086 mode, with or
// without paging. The guest instruction stream is the same as in real mode; only the machinery
// around it differs, which is what the v86 benchmark modes measure.
//
// References (Intel SDM):
//   vol. 3 §3.4.5  segment descriptors (the GDT's code, data and TSS entries)
//   vol. 3 §6.11   IDT descriptors (the interrupt gates)
//   vol. 3 §7.2    the 32-bit TSS (SS0:ESP0, I/O map base) and its descriptor
//   vol. 3 §20.2   virtual-8086 mode (entry state, IOPL-sensitive instructions, #GP on HLT)
//   vol. 3 §4.3    32-bit paging (page directory and page tables)
//   vol. 1 §19.5   the I/O permission bitmap (checked by IN/OUT in V86 mode whatever IOPL is)
#pragma once
#include <x86emu/state.hpp>

#include <cstdint>
#include <span>
#include <string>

namespace bench {

enum class RunMode { Real, V86, V86Paging };

// Writes the GDT, TSS with its I/O bitmap, IDT, exception stubs, ring-0 stack and (with
// paging) the page directory and table into `ram`, all between 0x20000 and 0x40000, above
// everything the workload touches.
void write_v86_environment(std::span<std::uint8_t> ram, bool paging);

// `base` with everything a V86 entry needs: CR0 (PE, ET, optionally PG), CR3, EFLAGS
// (VM, IOPL 3), V86 segment caches with selector 0, GDTR, IDTR, TR, and CS:EIP/ESP as given.
x86emu::CpuState v86_entry_state(x86emu::CpuState base, bool paging, std::uint16_t entry_ip, std::uint16_t sp);

// True when the CPU is halted in the #GP stub because the V86 guest executed HLT with error
// code 0 — the only way the workload may end in V86 mode.
bool halted_on_guest_hlt(const x86emu::CpuState& state, std::span<const std::uint8_t> ram);

// Human-readable CPU state for a failure: CS:EIP, CR0, EFLAGS, CR2 and, if the CPU sits in an
// exception stub, the vector and the interrupted context from the ring-0 stack frame.
std::string describe_cpu(const x86emu::CpuState& state, std::span<const std::uint8_t> ram);

}  // namespace bench
