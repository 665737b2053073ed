// x86emu — IN and OUT with immediate and DX port numbers (Intel SDM vol. 2 IN, OUT). In
// protected mode with CPL > IOPL and in virtual-8086 mode, the TSS I/O permission bitmap decides
// (SDM vol. 1 §19.5; CpuCore::check_io). The embedder's port hooks are asked after that check
// (core/exec/intercept.hpp).
#pragma once
#include "core/exec/common.hpp"
#include "core/exec/intercept.hpp"

namespace x86emu::exec {

template <class T> inline void port_in(CpuCore& c, u16 port) {
    c.check_io(port, sizeof(T));
    T value;
    if (intercepted_port_in<T>(c, port, value)) c.set_reg<T>(EAX, value);
}
template <class T> inline void port_out(CpuCore& c, u16 port) {
    c.check_io(port, sizeof(T));
    intercepted_port_out<T>(c, port, c.reg<T>(EAX));
}
struct InImm {
    template <class T> static void run(CpuCore& c, const Insn& i) { port_in<T>(c, static_cast<u16>(i.imm & 0xFF)); }
};
struct InDx {
    template <class T> static void run(CpuCore& c, const Insn&) { port_in<T>(c, c.reg<u16>(EDX)); }
};
struct OutImm {
    template <class T> static void run(CpuCore& c, const Insn& i) { port_out<T>(c, static_cast<u16>(i.imm & 0xFF)); }
};
struct OutDx {
    template <class T> static void run(CpuCore& c, const Insn&) { port_out<T>(c, c.reg<u16>(EDX)); }
};

}  // namespace x86emu::exec
