// x86emu — string instructions MOVS CMPS SCAS LODS STOS INS OUTS with REP/REPE/REPNE.
// Semantics: Intel SDM vol. 2 (MOVS, CMPS, ..., REP/REPE/REPZ/REPNE/REPNZ).
// The source segment is DS unless overridden; the destination is always ES. The index and count
// registers are SI/DI/CX or ESI/EDI/ECX by address size.
//
// A REP instruction runs iteration by iteration; when the run loop's budget is spent, an
// interrupt is pending, TF is set or the run is a step() it stops between iterations with EIP
// still on the instruction, so it resumes exactly where it left off (SDM vol. 3 §6.6: REP
// string instructions are interruptible). Every execution completes at least one iteration, so
// repeated short runs always make progress. A continuation (CpuCore::rep_resume) pays only its
// iterations: the fixed cost was charged once, by the execution that started the loop, so the
// cycle total does not depend on where the loop was split.
#pragma once
#include <algorithm>
#include <type_traits>

#include "core/exec/alu.hpp"
#include "core/exec/intercept.hpp"

namespace x86emu::exec {

template <class T> inline int string_step(const CpuCore& c) {
    return c.df() ? -static_cast<int>(sizeof(T)) : static_cast<int>(sizeof(T));
}

// QUIRK(80286): when a string access overruns its segment (a word at offset FFFFh, #GP in real
// mode) the 286 has already stepped the index register of that access, and of every access
// before it in the iteration, and under REP it has already decremented CX, sometimes twice;
// the saved CS:IP is the instruction's own. What each access has committed by then, from the
// SingleStepTests 80286 captures ("CX -n": decrements under REP in the faulting iteration):
//   MOVS  read [SI] faults: SI stepped, CX -1   write [DI] faults: SI, DI stepped, CX -2
//   CMPS  read [DI] faults: DI stepped, CX -0   read [SI] faults: DI, SI stepped, CX -1
//         (the 286 reads ES:DI before DS:SI)
//   LODS  read [SI] faults: SI stepped, CX -1
//   STOS  write [DI] faults: DI stepped, CX -2
//   SCAS  read [DI] faults: DI stepped, CX -1   (no REP capture; assumed as for LODS)
//   INS   write [DI] faults: DI stepped, CX -2  (no REP capture; assumed as for STOS)
//   OUTS  read [SI] faults: SI stepped, CX -1   (no REP capture; assumed as for LODS)
// The second decrement after a faulting write looks like the next iteration's, so it is not
// applied when CX has reached 0 (no capture covers that case). The 80386 faults with the
// registers as the previous iteration left them (SDM vol. 3 §6.6), like our default path.
struct FaultCommit {
    bool si = false;
    bool di = false;
    unsigned cx = 0;  // decrements under REP
};

template <class T> struct StringRegs {
    CpuCore& c;
    const Insn& i;
    u32 index(unsigned r) const { return i.addr32() ? c.gpr[r] : (c.gpr[r] & 0xFFFF); }
    void advance(unsigned r, int delta) {
        if (i.addr32()) c.gpr[r] += static_cast<u32>(delta);
        else c.set_reg<u16>(r, static_cast<u16>(c.gpr[r] + static_cast<u32>(delta)));
    }
    void step(unsigned r) { advance(r, string_step<T>(c)); }

    // Memory accesses of one iteration at [reg]; `done` is what a faulting access on the
    // 80286 leaves committed (see the QUIRK above): a fault fix-up, applied when the fault lands.
    T read(unsigned s, unsigned reg, FaultCommit done) {
        if (!commits_before_fault()) return c.read_mem<T>(s, index(reg));
        expect_fault(done);
        const T v = c.read_mem<T>(s, index(reg));
        c.fault_fixup = {};
        return v;
    }
    void write(unsigned reg, T value, FaultCommit done) {
        if (!commits_before_fault()) return c.write_mem<T>(ES, index(reg), value);
        expect_fault(done);
        c.write_mem<T>(ES, index(reg), value);
        c.fault_fixup = {};
    }

private:
    bool commits_before_fault() const { return c.traits.has286 && !c.traits.has386; }
    void expect_fault(FaultCommit done) {
        c.fault_fixup = {&commit_after_fault, &i, (done.si ? 1u : 0u) | (done.di ? 2u : 0u) | (done.cx << 2)};
    }
    static void commit_after_fault(CpuCore& c, const FaultFixup& fixup) {
        StringRegs{c, *fixup.insn}.commit(FaultCommit{(fixup.value & 1) != 0, (fixup.value & 2) != 0, fixup.value >> 2});
    }
    void commit(FaultCommit done) {
        if (done.si) step(ESI);
        if (done.di) step(EDI);
        if (i.rep == Insn::kNoRep) return;
        u32 n = count_register(c, i);
        set_count_register(c, i, n - std::min<u32>(n, done.cx));
    }
};

// A REP stops between iterations, to resume this instruction later, prefixes and all.
inline void pause_rep(CpuCore& c) {
    c.next_eip = c.eip;
    c.rep_in_progress = true;
}

// The common case of an unconditional REP with 32-bit addresses on the 386 and later: iterations
// whose accesses the TLB fast paths can make (flat segments, TLB hits with host pointers:
// `fast_one` does one with its index steps, or returns false having done nothing), without the
// general path's calls. Each is counted, charged and followed by the pause test as in
// repeat_string's loop; step() and TF, which no iteration changes, are tested once (they leave
// every iteration to that loop). True when the instruction is done or paused; false when that
// loop must go on from here (an access the fast paths cannot make).
template <class F> inline bool repeat_fast(CpuCore& c, const Insn& i, const TimingEntry& t, F&& fast_one) {
    if (!i.addr32() || !c.traits.has386 || c.rep_pauses_every_iteration()) return false;
    std::uint32_t& count = c.gpr[ECX];
    while (count != 0) {
        if (!fast_one()) return false;
        --count;
        c.charge_outside_chain(t.extra);
        if (count != 0 && c.rep_pause_due()) {
            pause_rep(c);
            return true;
        }
    }
    return true;
}
struct NoFastIteration {
    bool operator()() const { return false; }
};

// Runs `one` once, or under REP as many times as CX says. `one` returns false to end a
// REPE/REPNE loop early. The REP fixed cost and per-iteration cost come from the timing class.
// `fast_one`, for an unconditional REP, is its iteration by the fast paths (repeat_fast).
template <class F, class Fast = NoFastIteration>
inline void repeat_string(CpuCore& c, const Insn& i, TimingClass cls, bool conditional, F&& one, Fast&& fast_one = {}) {
    if (i.rep == Insn::kNoRep) {
        one();
        return;
    }
    const TimingEntry& t = c.timing[cls];
    if (c.rep_resume) {
        // The run loop charged the instruction's cost again; the first part already paid it.
        c.cycles -= i.cycles;
    } else {
        // The decoder charged the single-iteration cost; a REP form costs setup + n * per-iteration.
        c.cycles -= t.reg;
        c.charge_outside_chain(t.mem);
    }
    if constexpr (!std::is_same_v<std::remove_cvref_t<Fast>, NoFastIteration>) {
        if (repeat_fast(c, i, t, fast_one)) return;
    }
    while (count_register(c, i) != 0) {
        bool go_on = one();
        set_count_register(c, i, count_register(c, i) - 1);
        c.charge_outside_chain(t.extra);
        if (conditional && !go_on) return;
        if (count_register(c, i) != 0 && c.rep_should_pause()) {
            pause_rep(c);
            return;
        }
    }
}

struct Movs {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        StringRegs<T> r{c, i};
        repeat_string(
            c, i, TimingClass::Movs, false,
            [&] {
                T v = r.read(i.seg, ESI, {.si = true, .cx = 1});
                r.write(EDI, v, {.si = true, .di = true, .cx = 2});
                r.step(ESI);
                r.step(EDI);
                return true;
            },
            [&] {
                T v;
                if (!c.try_read_mem_fast<T>(i.seg, c.gpr[ESI], v) || !c.try_write_mem_fast<T>(ES, c.gpr[EDI], v))
                    return false;
                c.gpr[ESI] += static_cast<u32>(string_step<T>(c));
                c.gpr[EDI] += static_cast<u32>(string_step<T>(c));
                return true;
            });
    }
};
struct Cmps {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        StringRegs<T> r{c, i};
        repeat_string(c, i, TimingClass::Cmps, true, [&] {
            T a, b;
            if (c.traits.has286 && !c.traits.has386) {
                // QUIRK(80286): the destination ES:DI is read first (its bus cycle comes first
                // in the captures, and a fault on DS:SI finds DI already stepped).
                b = r.read(ES, EDI, {.di = true, .cx = 0});
                a = r.read(i.seg, ESI, {.si = true, .di = true, .cx = 1});
            } else {
                // The 8086 reads DS:SI first (its captures' bus order).
                a = r.read(i.seg, ESI, {});
                b = r.read(ES, EDI, {});
            }
            alu<AluOp::Cmp, T>(c, a, b);
            r.step(ESI);
            r.step(EDI);
            return c.zf() == (i.rep == Insn::kRepE);
        });
    }
};
struct Scas {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        StringRegs<T> r{c, i};
        repeat_string(c, i, TimingClass::Scas, true, [&] {
            T b = r.read(ES, EDI, {.di = true, .cx = 1});
            alu<AluOp::Cmp, T>(c, c.reg<T>(EAX), b);
            r.step(EDI);
            return c.zf() == (i.rep == Insn::kRepE);
        });
    }
};
struct Lods {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        StringRegs<T> r{c, i};
        repeat_string(c, i, TimingClass::Lods, false, [&] {
            c.set_reg<T>(EAX, r.read(i.seg, ESI, {.si = true, .cx = 1}));
            r.step(ESI);
            return true;
        });
    }
};
struct Stos {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        StringRegs<T> r{c, i};
        repeat_string(
            c, i, TimingClass::Stos, false,
            [&] {
                r.write(EDI, c.reg<T>(EAX), {.di = true, .cx = 2});
                r.step(EDI);
                return true;
            },
            [&] {
                if (!c.try_write_mem_fast<T>(ES, c.gpr[EDI], c.reg<T>(EAX))) return false;
                c.gpr[EDI] += static_cast<u32>(string_step<T>(c));
                return true;
            });
    }
};
struct Ins {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        StringRegs<T> r{c, i};
        repeat_string(c, i, TimingClass::Ins, false, [&] {
            c.check_io(c.reg<u16>(EDX), sizeof(T));
            T v;
            // A Skip decision stores nothing, but the iteration still completes.
            if (intercepted_port_in<T>(c, c.reg<u16>(EDX), v)) r.write(EDI, v, {.di = true, .cx = 2});
            r.step(EDI);
            return true;
        });
    }
};
struct Outs {
    template <class T> static void run(CpuCore& c, const Insn& i) {
        StringRegs<T> r{c, i};
        repeat_string(c, i, TimingClass::Outs, false, [&] {
            c.check_io(c.reg<u16>(EDX), sizeof(T));
            intercepted_port_out<T>(c, c.reg<u16>(EDX), r.read(i.seg, ESI, {.si = true, .cx = 1}));
            r.step(ESI);
            return true;
        });
    }
};

}  // namespace x86emu::exec
