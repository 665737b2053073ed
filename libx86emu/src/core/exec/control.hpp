// x86emu — control transfer: Jcc, JMP, CALL, RET, LOOP/LOOPcc/JCXZ, INT/INT3/INTO/IRET, HLT.
// Real-mode semantics from Intel SDM vol. 2 under each mnemonic (the protected-mode paths arrive
// with the segmentation work).
#pragma once
#include "core/exec/common.hpp"

namespace x86emu::exec {

inline void charge_taken(CpuCore& c, TimingClass cls) {
    const TimingEntry& t = c.timing[cls];
    c.charge(t.extra > t.reg ? t.extra - t.reg : 0);
}

template <unsigned CC> struct Jcc {
    static void run(CpuCore& c, const Insn& i) {
        if (condition(c, CC)) {
            branch_to(c, i, c.next_eip + i.imm);
            charge_taken(c, TimingClass::Jcc);
        }
    }
};

enum class LoopKind : std::uint8_t { Plain, WhileZero, WhileNotZero };
template <LoopKind K> struct Loop {
    static void run(CpuCore& c, const Insn& i) {
        u32 count = count_register(c, i) - 1;
        set_count_register(c, i, count);
        if (!i.addr32()) count &= 0xFFFF;
        bool taken = count != 0 && (K == LoopKind::Plain || (K == LoopKind::WhileZero) == c.zf());
        if (taken) {
            branch_to(c, i, c.next_eip + i.imm);
            charge_taken(c, K == LoopKind::Plain ? TimingClass::Loop
                            : K == LoopKind::WhileZero ? TimingClass::Loope : TimingClass::Loopne);
        }
    }
};
struct Jcxz {
    static void run(CpuCore& c, const Insn& i) {
        if (count_register(c, i) == 0) {
            branch_to(c, i, c.next_eip + i.imm);
            charge_taken(c, TimingClass::Jcxz);
        }
    }
};

struct JmpNear {
    static void run(CpuCore& c, const Insn& i) { branch_to(c, i, c.next_eip + i.imm); }
};
struct CallNear {
    static void run(CpuCore& c, const Insn& i) {
        push_operand(c, i, c.next_eip);
        branch_to(c, i, c.next_eip + i.imm);
    }
};
struct JmpFar {
    static void run(CpuCore& c, const Insn& i) { c.jump_far(i.imm2, i.op32() ? i.imm : (i.imm & 0xFFFF)); }
};
struct CallFar {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        c.push<T>(c.seg[CS].selector);
        c.push<T>(static_cast<T>(c.next_eip));
        c.jump_far(i.imm2, static_cast<T>(i.imm));
    }
};
struct JmpE {
    template <class T> static void run(CpuCore& c, const Insn& i) { c.next_eip = c.read_E<T>(i); }
};
struct CallE {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        T target = c.read_E<T>(i);
        c.push<T>(static_cast<T>(c.next_eip));
        c.next_eip = target;
    }
};

// Far pointer operand m16:16 / m16:32 (offset first, selector after it).
template <class T> inline void read_far_pointer(CpuCore& c, const Insn& i, T& offset, u16& selector) {
    u32 off = c.effective_address(i);
    offset = c.read_mem<T>(i.seg, off);
    u32 sel_off = off + sizeof(T);
    if (!i.addr32()) sel_off &= 0xFFFF;
    selector = c.read_mem<u16>(i.seg, sel_off);
}

struct JmpFarE {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        if (i.is_reg()) raise_fault(Vector::UD);
        T offset;
        u16 selector;
        read_far_pointer<T>(c, i, offset, selector);
        c.jump_far(selector, offset);
    }
};
struct CallFarE {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        if (i.is_reg()) raise_fault(Vector::UD);
        T offset;
        u16 selector;
        read_far_pointer<T>(c, i, offset, selector);
        c.push<T>(c.seg[CS].selector);
        c.push<T>(static_cast<T>(c.next_eip));
        c.jump_far(selector, offset);
    }
};

struct RetNear {
    template <class T> static void run(CpuCore& c, const Insn&) { c.next_eip = c.pop<T>(); }
};
struct RetNearImm {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        T ip = c.pop<T>();
        c.set_sp_value(c.stack_offset(c.sp_value() + (i.imm & 0xFFFF)));
        c.next_eip = ip;
    }
};
struct RetFar {
    template <class T> static void run(CpuCore& c, const Insn&) {
        T ip = c.peek<T>(0);
        u16 cs = static_cast<u16>(c.peek<T>(sizeof(T)));
        c.jump_far(cs, ip);
        c.set_sp_value(c.stack_offset(c.sp_value() + 2 * sizeof(T)));
    }
};
struct RetFarImm {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        T ip = c.peek<T>(0);
        u16 cs = static_cast<u16>(c.peek<T>(sizeof(T)));
        c.jump_far(cs, ip);
        c.set_sp_value(c.stack_offset(c.sp_value() + 2 * sizeof(T) + (i.imm & 0xFFFF)));
    }
};

struct Int3 {
    static void run(CpuCore& c, const Insn&) { c.interrupt(3, c.next_eip); }
};
struct Int1 {  // UNDOC: ICEBP raises #DB as a trap
    static void run(CpuCore& c, const Insn&) { c.interrupt(1, c.next_eip); }
};
struct IntImm {
    static void run(CpuCore& c, const Insn& i) { c.interrupt(static_cast<u8>(i.imm), c.next_eip); }
};
struct Into {
    static void run(CpuCore& c, const Insn&) {
        if (c.of()) {
            charge_taken(c, TimingClass::Into);
            c.interrupt(4, c.next_eip);
        }
    }
};
struct Iret {
    template <class T> static void run(CpuCore& c, const Insn&) {
        T ip = c.peek<T>(0);
        u16 cs = static_cast<u16>(c.peek<T>(sizeof(T)));
        T flags = c.peek<T>(2 * sizeof(T));
        c.jump_far(cs, ip);
        c.set_sp_value(c.stack_offset(c.sp_value() + 3 * sizeof(T)));
        u32 writable = sizeof(T) == 2 ? 0xFFFFu : 0xFFFFFFFFu;
        c.write_flags((c.raw_flags() & ~writable) | flags, writable);
    }
};

struct Hlt {
    static void run(CpuCore& c, const Insn&) { c.halted = true; }
};

}  // namespace x86emu::exec
