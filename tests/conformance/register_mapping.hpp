// x86emu conformance — between the suites' 16-bit register sets and x86emu::CpuState.
#pragma once
#include "test_case.hpp"
#include "x86emu/model.hpp"
#include "x86emu/state.hpp"

namespace conformance {

// Real-mode state: 16-bit values in the low halves, segment bases = selector << 4, limits FFFFh.
x86emu::CpuState cpu_state_from_registers(const RegisterValues& registers);
RegisterValues registers_from_cpu_state(const x86emu::CpuState& state);

// The initial registers as the captured chip really held them. The 80286 in real mode keeps
// FLAGS bits 15-12 (NT, IOPL) clear whatever is loaded; the suite's initial flags are random
// there, and every final state (and every PUSHF result) shows those bits clear. Feeding them
// to the core unchanged would test the generator, not the CPU.
RegisterValues as_hardware_held(const RegisterValues& registers, x86emu::CpuModel model);

}  // namespace conformance
