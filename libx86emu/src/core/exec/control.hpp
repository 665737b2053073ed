// x86emu — control transfer: Jcc, JMP, CALL, RET, LOOP/LOOPcc/JCXZ, INT/INT3/INTO/IRET, HLT.
// Semantics from Intel SDM vol. 2 under each mnemonic; the far forms delegate to CpuCore's
// mode-aware transfers (protected_mode.cpp), which implement gates, privilege changes and tasks.
#pragma once
#include "core/exec/common.hpp"
#include "core/exec/intercept.hpp"

namespace x86emu::exec {

inline void charge_taken(CpuCore& c, TimingClass cls) {
    const TimingEntry& t = c.timing[cls];
    c.charge_outside_chain(t.extra > t.reg ? t.extra - t.reg : 0);
}

// Instantiated per operand size (a V row): T is the width of the new EIP.
template <unsigned CC> struct Jcc {
    // Where it goes from `sequential` (the next instruction's EIP) and the clocks a taken branch
    // adds (charge_taken's figure, computed by the decoder). Also the linked form's
    // (chain.hpp), so that the two cannot differ; a jump has nothing to commit.
    template <class T> static bool destination(const CpuCore& c, const Insn& i, std::uint32_t sequential, Destination& to) {
        to = condition(c, CC) ? Destination{static_cast<T>(sequential + i.imm), i.taken_cycles} : Destination{sequential, 0};
        return true;
    }
    template <class T> static bool commit(CpuCore&, std::uint32_t) { return true; }
    template <class T> static void run(CpuCore& c, const Insn& i) {
        Destination to;
        destination<T>(c, i, c.next_eip, to);
        c.next_eip = to.eip;
        c.charge_outside_chain(to.extra_cycles);
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

struct JmpNear {  // per operand size, as Jcc
    template <class T> static bool destination(const CpuCore&, const Insn& i, std::uint32_t sequential, Destination& to) {
        to = {static_cast<T>(sequential + i.imm), 0};
        return true;
    }
    template <class T> static bool commit(CpuCore&, std::uint32_t) { return true; }
    template <class T> static void run(CpuCore& c, const Insn& i) { c.next_eip = static_cast<T>(c.next_eip + i.imm); }
};
struct CallNear {  // per operand size: T is the width of the return address and the new EIP
    template <class T> static bool destination(const CpuCore&, const Insn& i, std::uint32_t sequential, Destination& to) {
        to = {static_cast<T>(sequential + i.imm), 0};
        return true;
    }
    // The linked form's push (chain.hpp): the fast one only, which changes nothing when it fails.
    template <class T> static bool commit(CpuCore& c, std::uint32_t sequential) {
        return c.try_push_fast<T>(static_cast<T>(sequential));
    }
    template <class T> static void run(CpuCore& c, const Insn& i) {
        c.push<T>(static_cast<T>(c.next_eip));
        c.next_eip = static_cast<T>(c.next_eip + i.imm);
    }
};
struct JmpFar {
    static void run(CpuCore& c, const Insn& i) { c.jump_far(i.imm2, i.op32() ? i.imm : (i.imm & 0xFFFF), i.op32()); }
};
struct CallFar {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        c.call_far(i.imm2, static_cast<T>(i.imm), sizeof(T) == 4);
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
        c.jump_far(selector, offset, sizeof(T) == 4);
    }
};
struct CallFarE {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        if (i.is_reg()) raise_fault(Vector::UD);
        T offset;
        u16 selector;
        read_far_pointer<T>(c, i, offset, selector);
        c.call_far(selector, offset, sizeof(T) == 4);
    }
};

struct RetNear {
    // The linked form's (chain.hpp): the return address read as try_pop_fast reads it, without
    // the pop, which commit makes once the link is found (false when the fast read cannot be
    // made: the loop's RET then pops by the general path).
    template <class T> static bool destination(const CpuCore& c, const Insn&, std::uint32_t, Destination& to) {
        T ip;
        if (!c.stack32() || !c.try_read_mem_fast<T>(SS, c.gpr[ESP], ip)) return false;
        to = {ip, 0};
        return true;
    }
    template <class T> static bool commit(CpuCore& c, std::uint32_t) {
        c.gpr[ESP] += sizeof(T);
        return true;
    }
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
    template <class T> static void run(CpuCore& c, const Insn&) { c.return_far(sizeof(T) == 4, 0); }
};
struct RetFarImm {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        c.return_far(sizeof(T) == 4, static_cast<u16>(i.imm));
    }
};

struct Int3 {
    static void run(CpuCore& c, const Insn&) { c.interrupt(3, c.next_eip, CpuCore::EventKind::SoftwareTrap); }
};
struct Int1 {  // UNDOC: ICEBP raises #DB as a trap, without the gate DPL check
    static void run(CpuCore& c, const Insn&) { c.interrupt(1, c.next_eip, CpuCore::EventKind::Exception); }
};
struct IntImm {
    static void run(CpuCore& c, const Insn& i) { c.interrupt(static_cast<u8>(i.imm), c.next_eip); }
};
struct Into {
    static void run(CpuCore& c, const Insn&) {
        if (c.of()) {
            charge_taken(c, TimingClass::Into);
            c.interrupt(4, c.next_eip, CpuCore::EventKind::SoftwareTrap);
        }
    }
};
struct Iret {
    template <class T> static void run(CpuCore& c, const Insn&) { c.interrupt_return(sizeof(T) == 4); }
};

struct Hlt {
    static void run(CpuCore& c, const Insn&) {
        c.require_cpl0();  // #GP(0) at CPL > 0 and in virtual-8086 mode
        // Any decision but Run (Skip, or a Result, which HLT has none of) completes without halting.
        if (c.intercepts.hlt && ask_intercept(c.intercepts.hlt, HltEvent{}).kind != Intercept::Kind::Run) return;
        c.halted = true;
    }
};

}  // namespace x86emu::exec
