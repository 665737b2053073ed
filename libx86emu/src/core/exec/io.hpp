// x86emu — IN and OUT with immediate and DX port numbers (Intel SDM vol. 2 IN, OUT).
// Real mode has no I/O privilege checks; the protected-mode IOPL/bitmap checks arrive later.
#pragma once
#include "core/exec/common.hpp"

namespace x86emu::exec {

struct InImm {
    template <class T> static void run(CpuCore& c, const Insn& i) { c.set_reg<T>(EAX, c.io_in<T>(static_cast<u16>(i.imm & 0xFF))); }
};
struct InDx {
    template <class T> static void run(CpuCore& c, const Insn&) { c.set_reg<T>(EAX, c.io_in<T>(c.reg<u16>(EDX))); }
};
struct OutImm {
    template <class T> static void run(CpuCore& c, const Insn& i) { c.io_out<T>(static_cast<u16>(i.imm & 0xFF), c.reg<T>(EAX)); }
};
struct OutDx {
    template <class T> static void run(CpuCore& c, const Insn&) { c.io_out<T>(c.reg<u16>(EDX), c.reg<T>(EAX)); }
};

}  // namespace x86emu::exec
