// x86emu — string instructions MOVS CMPS SCAS LODS STOS INS OUTS with REP/REPE/REPNE.
// Semantics: Intel SDM vol. 2 (MOVS, CMPS, ..., REP/REPE/REPZ/REPNE/REPNZ).
// The source segment is DS unless overridden; the destination is always ES. The index and count
// registers are SI/DI/CX or ESI/EDI/ECX by address size.
//
// A REP instruction runs iteration by iteration; when the run loop's budget is spent or an
// interrupt is pending it stops between iterations with EIP still on the instruction, so it
// resumes exactly where it left off (SDM vol. 3 §6.6: REP string instructions are interruptible).
#pragma once
#include "core/exec/alu.hpp"

namespace x86emu::exec {

struct StringRegs {
    CpuCore& c;
    const Insn& i;
    u32 index(unsigned r) const { return i.addr32() ? c.gpr[r] : (c.gpr[r] & 0xFFFF); }
    void advance(unsigned r, int delta) {
        if (i.addr32()) c.gpr[r] += static_cast<u32>(delta);
        else c.set_reg<u16>(r, static_cast<u16>(c.gpr[r] + static_cast<u32>(delta)));
    }
};

template <class T> inline int string_step(const CpuCore& c) {
    return c.df() ? -static_cast<int>(sizeof(T)) : static_cast<int>(sizeof(T));
}

// Runs `one` once, or under REP as many times as CX says. `one` returns false to end a
// REPE/REPNE loop early. The REP fixed cost and per-iteration cost come from the timing class.
template <class F> inline void repeat_string(CpuCore& c, const Insn& i, TimingClass cls, bool conditional, F&& one) {
    if (i.rep == Insn::kNoRep) {
        one();
        return;
    }
    const TimingEntry& t = c.timing[cls];
    // The decoder charged the single-iteration cost; a REP form costs setup + n * per-iteration.
    c.cycles -= t.reg;
    c.charge(t.mem);
    while (count_register(c, i) != 0) {
        if (c.rep_should_pause()) {
            c.next_eip = c.eip;  // resume this instruction later, prefixes and all
            return;
        }
        bool go_on = one();
        set_count_register(c, i, count_register(c, i) - 1);
        c.charge(t.extra);
        if (conditional && !go_on) return;
    }
}

struct Movs {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        StringRegs r{c, i};
        repeat_string(c, i, TimingClass::Movs, false, [&] {
            T v = c.read_mem<T>(i.seg, r.index(ESI));
            c.write_mem<T>(ES, r.index(EDI), v);
            r.advance(ESI, string_step<T>(c));
            r.advance(EDI, string_step<T>(c));
            return true;
        });
    }
};
struct Cmps {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        StringRegs r{c, i};
        repeat_string(c, i, TimingClass::Cmps, true, [&] {
            T a = c.read_mem<T>(i.seg, r.index(ESI));
            T b = c.read_mem<T>(ES, r.index(EDI));
            alu<AluOp::Cmp, T>(c, a, b);
            r.advance(ESI, string_step<T>(c));
            r.advance(EDI, string_step<T>(c));
            return c.zf() == (i.rep == Insn::kRepE);
        });
    }
};
struct Scas {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        StringRegs r{c, i};
        repeat_string(c, i, TimingClass::Scas, true, [&] {
            T b = c.read_mem<T>(ES, r.index(EDI));
            alu<AluOp::Cmp, T>(c, c.reg<T>(EAX), b);
            r.advance(EDI, string_step<T>(c));
            return c.zf() == (i.rep == Insn::kRepE);
        });
    }
};
struct Lods {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        StringRegs r{c, i};
        repeat_string(c, i, TimingClass::Lods, false, [&] {
            c.set_reg<T>(EAX, c.read_mem<T>(i.seg, r.index(ESI)));
            r.advance(ESI, string_step<T>(c));
            return true;
        });
    }
};
struct Stos {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        StringRegs r{c, i};
        repeat_string(c, i, TimingClass::Stos, false, [&] {
            c.write_mem<T>(ES, r.index(EDI), c.reg<T>(EAX));
            r.advance(EDI, string_step<T>(c));
            return true;
        });
    }
};
struct Ins {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        StringRegs r{c, i};
        repeat_string(c, i, TimingClass::Ins, false, [&] {
            T v = c.io_in<T>(c.reg<u16>(EDX));
            c.write_mem<T>(ES, r.index(EDI), v);
            r.advance(EDI, string_step<T>(c));
            return true;
        });
    }
};
struct Outs {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        StringRegs r{c, i};
        repeat_string(c, i, TimingClass::Outs, false, [&] {
            c.io_out<T>(c.reg<u16>(EDX), c.read_mem<T>(i.seg, r.index(ESI)));
            r.advance(ESI, string_step<T>(c));
            return true;
        });
    }
};

}  // namespace x86emu::exec
