// x86emu — vocabulary shared by the instruction-family files: operation selectors and the
// condition-code predicates of Jcc/SETcc/LOOPcc (Intel SDM vol. 1 Appendix B, condition codes).
// Each handler is a struct with a static `run`, templated on the operand width where the opcode
// table row says the width varies (`T` is uint8_t, uint16_t or uint32_t).
#pragma once
#include <cstdint>
#include <type_traits>

#include "core/cpu_core.hpp"

namespace x86emu::exec {

using u8 = std::uint8_t;
using u16 = std::uint16_t;
using u32 = std::uint32_t;
using u64 = std::uint64_t;

template <class T> using Signed = std::make_signed_t<T>;
template <class T> constexpr unsigned kBits = 8 * sizeof(T);

// Condition codes in opcode order (the low nibble of 7x / 0F 8x / 0F 9x).
inline bool condition(const CpuCore& c, unsigned cc) {
    bool r;
    switch (cc >> 1) {
    case 0: r = c.of(); break;
    case 1: r = c.cf(); break;
    case 2: r = c.zf(); break;
    case 3: r = c.cf() || c.zf(); break;
    case 4: r = c.sf(); break;
    case 5: r = c.pf(); break;
    case 6: r = c.sf() != c.of(); break;
    default: r = c.zf() || (c.sf() != c.of()); break;
    }
    return (cc & 1) ? !r : r;
}

// The count register of LOOP/JCXZ/REP: CX or ECX by address size.
inline std::uint32_t count_register(const CpuCore& c, const Insn& i) {
    return i.addr32() ? c.gpr[ECX] : (c.gpr[ECX] & 0xFFFF);
}
inline void set_count_register(CpuCore& c, const Insn& i, std::uint32_t v) {
    if (i.addr32()) c.gpr[ECX] = v;
    else c.set_reg<std::uint16_t>(ECX, static_cast<std::uint16_t>(v));
}

// A near jump's new EIP and the clocks it adds to its base ones (Jcc, JMP rel: destination<T>).
struct Destination {
    std::uint32_t eip;
    std::uint32_t extra_cycles;
};

// Near branch target: the new EIP is truncated to 16 bits when the operand size is 16. The
// handlers instantiated per operand size (Jcc, JMP rel) know it at compile time (T).
template <class T> inline void branch_to(CpuCore& c, std::uint32_t target) {
    c.next_eip = static_cast<T>(target);
}
inline void branch_to(CpuCore& c, const Insn& i, std::uint32_t target) {
    if (i.op32()) branch_to<std::uint32_t>(c, target);
    else branch_to<std::uint16_t>(c, target);
}

// #DE. Inside a decoded block the run loop does not store next_eip (no instruction there but a
// transfer reads it), so a handler whose fault depends on it says where the next instruction is:
// on the 8086 the divide error is a trap whose saved IP is that of the next instruction
// (CpuCore::deliver_fault), on the later models it is a fault and this value goes unused.
[[noreturn]] inline void divide_error(CpuCore& c, const Insn& i) {
    c.next_eip = (c.eip + i.length) & c.ip_mask();
    raise_fault(Vector::DE);
}

// Pushes of return addresses and far pointers use the operand size, not the handler's width.
inline void push_operand(CpuCore& c, const Insn& i, std::uint32_t v) {
    if (i.op32()) c.push<std::uint32_t>(v);
    else c.push<std::uint16_t>(static_cast<std::uint16_t>(v));
}

}  // namespace x86emu::exec
