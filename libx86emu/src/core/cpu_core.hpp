// x86emu — CpuCore: the interpreter's state and the primitives every instruction handler uses.
//
// Implements: register file and 8/16/32-bit register views (Intel SDM vol. 1 §3.4.1),
// real-address-mode segmentation with segment-limit checks (SDM vol. 3 §20.1; 80286 PRM §5-§6:
// a word at offset 0FFFFh raises #GP/#SS on the 286 and later, wraps on the 8086),
// lazily evaluated arithmetic flags (SDM vol. 1 §3.4.3, Appendix A),
// and the host-pointer page cache that is the fast path of every memory access.
//
// Faults travel by one mechanism: a handler throws CpuFault; the run loop catches it at the
// instruction boundary and delivers the exception. Handlers commit architectural state only
// after every check that can fault has passed, so a faulting instruction leaves no trace.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>
#include <vector>

#include "core/decode/insn.hpp"
#include "core/timing/timing.hpp"
#include "x86emu/bus.hpp"
#include "x86emu/cpu.hpp"
#include "x86emu/model.hpp"
#include "x86emu/state.hpp"

static_assert(std::endian::native == std::endian::little,
              "register byte views assume a little-endian host");

namespace x86emu {

// Exception vectors (SDM vol. 3 table 6-1).
enum class Vector : std::uint8_t {
    DE = 0, DB = 1, NMI = 2, BP = 3, OF = 4, BR = 5, UD = 6, NM = 7, DF = 8,
    TS = 10, NP = 11, SS = 12, GP = 13, PF = 14, MF = 16, AC = 17,
};

struct CpuFault {
    Vector vector;
    bool has_error_code = false;
    std::uint32_t error_code = 0;
};

[[noreturn]] inline void raise_fault(Vector v) { throw CpuFault{v}; }
[[noreturn]] inline void raise_fault(Vector v, std::uint32_t error_code) {
    throw CpuFault{v, true, error_code};
}

// What the lazily kept arithmetic flags were last produced by. Only the hot ALU group is lazy;
// everything else (shifts, MUL/DIV, BCD, bit ops) writes flags eagerly.
enum class LazyKind : std::uint8_t {
    None,    // OSZAPC in eflags_ are current
    Add,     // r = a + b (+ carry): ADD, ADC
    Sub,     // r = a - b (- borrow): SUB, SBB, CMP, NEG (a = 0)
    Logic,   // AND, OR, XOR, TEST: CF = OF = AF = 0
    Inc,     // like Add with b = 1, CF kept from before
    Dec,     // like Sub with b = 1, CF kept from before
};

template <class T> inline constexpr std::uint32_t msb_of = std::uint32_t{1} << (8 * sizeof(T) - 1);
template <class T> inline constexpr std::uint32_t mask_of = static_cast<std::uint32_t>(T(~T{0}));

// Properties of a model the handlers branch on. Kept as plain data so a handler's QUIRK is one
// readable test (`if (c.traits.is8086)`) rather than a virtual call.
struct ModelTraits {
    CpuModel model;
    bool is8086;             // QUIRK(8086): no #UD, no segment-limit faults, FLAGS[15:12] = 1
    bool has186;             // 80186 instruction additions (PUSHA, ENTER, shifts by imm, ...)
    bool has286;             // 80286 additions (0F 00/01 system group, MSW)
    bool has386;             // 32-bit operands/addresses, FS/GS, 0F map of the 386
    std::uint32_t address_mask;  // physical address bus width
    unsigned max_insn_length;    // 0 = unlimited (8086)
};

ModelTraits traits_for(CpuModel model);

class CpuCore {
public:
    CpuCore(CpuModel model, Bus& bus);

    // ---- architectural state -------------------------------------------------------------
    // gpr[8] is always zero: the decoder names it for an absent base/index register so that
    // effective addresses are computed without branches.
    std::uint32_t gpr[9] = {};
    std::uint32_t eip = 0;       // address of the instruction being executed
    std::uint32_t next_eip = 0;  // where execution continues; control transfers overwrite it
    SegmentState seg[6];
    std::uint32_t cr0 = 0, cr2 = 0, cr3 = 0, cr4 = 0;
    TableRegister gdtr{}, idtr{};
    SegmentState ldtr{}, tr{};
    std::uint32_t dr[8] = {};
    std::uint32_t test_registers[8] = {};  // TR6/TR7 on the 386

    const ModelTraits traits;
    const TimingTable& timing;
    Bus& bus;
    InterruptController* interrupt_controller = nullptr;

    std::uint64_t cycles = 0;
    std::uint64_t instructions = 0;

    // Interrupt and run-control state.
    bool halted = false;
    bool intr_line = false;
    bool nmi_pending = false;
    bool stop_requested = false;
    bool inhibit_interrupts = false;  // MOV SS / POP SS / STI shadow for the next instruction

    // ---- flags ---------------------------------------------------------------------------
    std::uint32_t get_flags();
    void set_flags(std::uint32_t value);  // raw: caller applies model rules (see write_flags)
    // POPF/IRET/SAHF-style write honouring the model's fixed and writable bits.
    void write_flags(std::uint32_t value, std::uint32_t writable_mask);
    std::uint32_t flags_word_for_push();

    bool cf() const {
        switch (lazy_kind_) {
        case LazyKind::None:
        case LazyKind::Inc:
        case LazyKind::Dec: return eflags_ & eflags::CF;
        case LazyKind::Add: return ((lazy_a_ & lazy_b_) | ((lazy_a_ | lazy_b_) & ~lazy_r_)) & lazy_msb_;
        case LazyKind::Sub: return ((~lazy_a_ & lazy_b_) | ((~lazy_a_ | lazy_b_) & lazy_r_)) & lazy_msb_;
        case LazyKind::Logic: return false;
        }
        return false;
    }
    bool zf() const {
        return lazy_kind_ == LazyKind::None ? (eflags_ & eflags::ZF) : (lazy_r_ & lazy_mask_) == 0;
    }
    bool sf() const {
        return lazy_kind_ == LazyKind::None ? (eflags_ & eflags::SF) : (lazy_r_ & lazy_msb_);
    }
    bool of() const {
        switch (lazy_kind_) {
        case LazyKind::None: return eflags_ & eflags::OF;
        case LazyKind::Add:
        case LazyKind::Inc: return (lazy_a_ ^ lazy_r_) & (lazy_b_ ^ lazy_r_) & lazy_msb_;
        case LazyKind::Sub:
        case LazyKind::Dec: return (lazy_a_ ^ lazy_b_) & (lazy_a_ ^ lazy_r_) & lazy_msb_;
        case LazyKind::Logic: return false;
        }
        return false;
    }
    bool pf() const {
        return lazy_kind_ == LazyKind::None ? (eflags_ & eflags::PF)
                                            : !(std::popcount(lazy_r_ & 0xFFu) & 1);
    }
    bool af() const {
        switch (lazy_kind_) {
        case LazyKind::None: return eflags_ & eflags::AF;
        case LazyKind::Logic: return false;
        default: return (lazy_a_ ^ lazy_b_ ^ lazy_r_) & 0x10;
        }
    }
    bool df() const { return eflags_ & eflags::DF; }
    bool interrupts_enabled() const { return eflags_ & eflags::IF; }
    std::uint32_t raw_flags() const { return eflags_; }  // non-arithmetic bits are always current

    template <class T> void lazy(LazyKind kind, std::uint32_t a, std::uint32_t b, std::uint32_t r) {
        if (kind == LazyKind::Inc || kind == LazyKind::Dec) {
            // CF survives INC/DEC: freeze the current CF before the lazy state is replaced.
            bool carry = cf();
            eflags_ = (eflags_ & ~eflags::CF) | (carry ? eflags::CF : 0);
        }
        lazy_kind_ = kind;
        lazy_a_ = a;
        lazy_b_ = b;
        lazy_r_ = r;
        lazy_msb_ = msb_of<T>;
        lazy_mask_ = mask_of<T>;
    }
    // Eager write of the six arithmetic flags (bits outside OSZAPC in `value` are ignored).
    void set_arith_flags(std::uint32_t value) {
        constexpr std::uint32_t arith = eflags::CF | eflags::PF | eflags::AF | eflags::ZF |
                                        eflags::SF | eflags::OF;
        materialize_flags();
        eflags_ = (eflags_ & ~arith) | (value & arith);
    }
    std::uint32_t arith_flags() {
        materialize_flags();
        return eflags_;
    }
    void set_flag(std::uint32_t bit, bool on) {
        materialize_flags();
        eflags_ = on ? (eflags_ | bit) : (eflags_ & ~bit);
    }
    // Flags for a result of width T: SF, ZF, PF from r (others untouched).
    template <class T> static std::uint32_t szp_flags(std::uint32_t r) {
        std::uint32_t f = 0;
        if ((r & mask_of<T>) == 0) f |= eflags::ZF;
        if (r & msb_of<T>) f |= eflags::SF;
        if (!(std::popcount(r & 0xFFu) & 1)) f |= eflags::PF;
        return f;
    }

    // ---- registers -----------------------------------------------------------------------
    template <class T> T reg(unsigned index) const {
        if constexpr (sizeof(T) == 1) {
            return reinterpret_cast<const std::uint8_t*>(&gpr[index & 3])[index >> 2];
        } else {
            return static_cast<T>(gpr[index]);
        }
    }
    template <class T> void set_reg(unsigned index, T value) {
        if constexpr (sizeof(T) == 1) {
            reinterpret_cast<std::uint8_t*>(&gpr[index & 3])[index >> 2] = value;
        } else if constexpr (sizeof(T) == 2) {
            std::memcpy(&gpr[index], &value, 2);
        } else {
            gpr[index] = value;
        }
    }

    // ---- segments and memory -------------------------------------------------------------
    // Real-mode segment load: selector and base change, the descriptor cache limit/attributes
    // stay as they were (which is what makes "unreal mode" possible on the 386).
    void load_segment_real(unsigned s, std::uint16_t selector) {
        seg[s].selector = selector;
        seg[s].base = std::uint32_t{selector} << 4;
        if (s == CS) code_segment_changed();
    }
    void load_segment(unsigned s, std::uint16_t selector);  // mode-aware (real mode for now)
    void code_segment_changed() { code32_ = (seg[CS].attributes & 0x4000) != 0; }
    bool code32() const { return code32_; }
    bool stack32() const { return (seg[SS].attributes & 0x4000) != 0; }

    std::uint32_t effective_address(const Insn& i) const {
        std::uint32_t a = gpr[i.ea_base] + (gpr[i.ea_index] << i.ea_scale) + i.disp;
        return i.addr32() ? a : (a & 0xFFFF);
    }

    template <class T> T read_mem(unsigned s, std::uint32_t offset) {
        if (!segment_access_ok(s, offset, sizeof(T))) return read_mem_slow<T>(s, offset);
        return read_linear<T>(seg[s].base + offset);
    }
    template <class T> void write_mem(unsigned s, std::uint32_t offset, T value) {
        if (!segment_access_ok(s, offset, sizeof(T))) return write_mem_slow<T>(s, offset, value);
        write_linear<T>(seg[s].base + offset, value);
    }

    // The segment-limit check of an access of `size` bytes at s:offset, without the access
    // (for instructions whose operand goes elsewhere than the CPU's own bus cycles, like ESC).
    void check_access(unsigned s, std::uint32_t offset, unsigned size) const {
        if (!traits.is8086 && !segment_access_ok(s, offset, size)) segment_fault(s);
    }

    // Operand access through the decoded ModRM (register when mod == 3).
    template <class T> T read_E(const Insn& i) {
        return i.is_reg() ? reg<T>(i.rm) : read_mem<T>(i.seg, effective_address(i));
    }
    template <class T> void write_E(const Insn& i, T value) {
        if (i.is_reg()) set_reg<T>(i.rm, value);
        else write_mem<T>(i.seg, effective_address(i), value);
    }

    template <class T> T read_linear(std::uint32_t linear) {
        if ((linear & 0xFFF) <= 0x1000 - sizeof(T)) {
            if (const std::uint8_t* host = host_for_read(linear)) {
                T v;
                std::memcpy(&v, host + (linear & 0xFFF), sizeof(T));
                return v;
            }
        }
        T v = 0;
        for (unsigned k = 0; k < sizeof(T); ++k)
            v |= static_cast<T>(T{read_physical8(translate(linear + k))} << (8 * k));
        return v;
    }
    template <class T> void write_linear(std::uint32_t linear, T value) {
        if ((linear & 0xFFF) <= 0x1000 - sizeof(T)) {
            if (std::uint8_t* host = host_for_write(linear)) {
                std::memcpy(host + (linear & 0xFFF), &value, sizeof(T));
                return;
            }
        }
        for (unsigned k = 0; k < sizeof(T); ++k)
            write_physical8(translate(linear + k), static_cast<std::uint8_t>(value >> (8 * k)));
    }

    // ---- stack ---------------------------------------------------------------------------
    std::uint32_t sp_value() const { return stack32() ? gpr[ESP] : (gpr[ESP] & 0xFFFF); }
    void set_sp_value(std::uint32_t v) {
        if (stack32()) gpr[ESP] = v;
        else set_reg<std::uint16_t>(ESP, static_cast<std::uint16_t>(v));
    }
    std::uint32_t stack_offset(std::uint32_t v) const { return stack32() ? v : (v & 0xFFFF); }
    template <class T> void push(T value) {
        std::uint32_t sp = stack_offset(sp_value() - sizeof(T));
        write_mem<T>(SS, sp, value);
        set_sp_value(sp);
    }
    template <class T> T pop() {
        std::uint32_t sp = sp_value();
        T v = read_mem<T>(SS, sp);
        set_sp_value(stack_offset(sp + sizeof(T)));
        return v;
    }
    // Reads the stack `depth` bytes above SP without moving it (for instructions that must
    // check every pop before committing any).
    template <class T> T peek(std::uint32_t depth) { return read_mem<T>(SS, stack_offset(sp_value() + depth)); }

    // ---- I/O -----------------------------------------------------------------------------
    template <class T> T io_in(std::uint16_t port) {
        return static_cast<T>(bus.io_read(port, sizeof(T)));
    }
    template <class T> void io_out(std::uint16_t port, T value) { bus.io_write(port, sizeof(T), value); }

    // ---- control flow --------------------------------------------------------------------
    std::uint32_t ip_mask() const { return code32_ ? 0xFFFFFFFFu : 0xFFFFu; }
    void jump_near(std::uint32_t target) { next_eip = target & ip_mask(); }
    void jump_far(std::uint16_t selector, std::uint32_t offset);
    // Software/hardware interrupt through the real-mode IVT (or the IDT later).
    void interrupt(std::uint8_t vector, std::uint32_t return_eip);

    // ---- execution -----------------------------------------------------------------------
    RunResult run(std::uint64_t cycle_budget, bool single_step);
    void reset();
    CpuState state();
    void set_state(const CpuState& s);
    void invalidate_code(std::uint32_t paddr, std::uint32_t length);
    void flush_host_pointers();

    // A REP loop asks between iterations whether to give the run loop back control.
    bool rep_should_pause() const { return cycles >= end_cycle_ || events_pending(); }
    bool events_pending() const {
        return nmi_pending || stop_requested || (intr_line && interrupts_enabled());
    }

    // Charged by handlers for the variable part of an instruction (REP, shift counts, ...).
    void charge(std::uint32_t n) { cycles += n; }

private:
    // Lazy flag state.
    std::uint32_t eflags_ = 0x2;
    LazyKind lazy_kind_ = LazyKind::None;
    std::uint32_t lazy_a_ = 0, lazy_b_ = 0, lazy_r_ = 0, lazy_msb_ = 0x80, lazy_mask_ = 0xFF;
    void materialize_flags();

    bool code32_ = false;
    std::uint64_t end_cycle_ = 0;
    unsigned fault_depth_ = 0;  // nested deliveries: 2 = double fault, 3 = shutdown
    bool shutdown_ = false;

    bool segment_access_ok(unsigned s, std::uint32_t offset, unsigned size) const {
        // Fast path: the whole access lies inside the segment limit (normal, not expand-down).
        return offset <= seg[s].limit && seg[s].limit - offset >= size - 1;
    }
    template <class T> T read_mem_slow(unsigned s, std::uint32_t offset) {
        if (traits.is8086) {
            // QUIRK(8086): no limit checks; each byte's offset wraps within the 64 KiB segment.
            T v = 0;
            for (unsigned k = 0; k < sizeof(T); ++k)
                v |= static_cast<T>(T{read_linear<std::uint8_t>(seg[s].base + ((offset + k) & 0xFFFF))} << (8 * k));
            return v;
        }
        segment_fault(s);
    }
    template <class T> void write_mem_slow(unsigned s, std::uint32_t offset, T value) {
        if (traits.is8086) {
            for (unsigned k = 0; k < sizeof(T); ++k)
                write_linear<std::uint8_t>(seg[s].base + ((offset + k) & 0xFFFF),
                                           static_cast<std::uint8_t>(value >> (8 * k)));
            return;
        }
        segment_fault(s);
    }
    // #SS(0) for the stack segment, #GP(0) otherwise (SDM vol. 3 §20.1.3 real-mode exceptions).
    // QUIRK(80286): in real mode every segment overrun is interrupt 13, the stack segment's
    // included (80286 PRM, real-address-mode exceptions: "Interrupt 13 for operand at offset
    // 0FFFFH"; the SingleStepTests captures of POP, LEAVE, RETF and [BP+..] operands at SS:FFFFh
    // all take vector 13, none 12).
    [[noreturn]] void segment_fault(unsigned s) const {
        raise_fault(s == SS && traits.has386 ? Vector::SS : Vector::GP, 0);
    }

    // Linear to physical. Paging is not implemented yet: the address bus width applies.
    std::uint32_t translate(std::uint32_t linear) const { return linear & traits.address_mask; }

    // Host-pointer page cache, indexed by linear page. An entry whose host pointer is null
    // remembers that the page goes through the Bus byte by byte.
    struct PageEntry {
        std::uint32_t linear_page = 0xFFFFFFFF;
        std::uint32_t physical_page = 0;
        std::uint8_t* host = nullptr;
    };
    static constexpr unsigned kPageCacheSize = 256;
    PageEntry read_pages_[kPageCacheSize];
    PageEntry write_pages_[kPageCacheSize];
    const std::uint8_t* host_for_read(std::uint32_t linear) {
        PageEntry& e = read_pages_[(linear >> 12) % kPageCacheSize];
        if (e.linear_page == (linear >> 12)) return e.host;
        return fill_read_page(linear);
    }
    std::uint8_t* host_for_write(std::uint32_t linear) {
        PageEntry& e = write_pages_[(linear >> 12) % kPageCacheSize];
        if (e.linear_page == (linear >> 12)) return e.host;
        return fill_write_page(linear);
    }
    const std::uint8_t* fill_read_page(std::uint32_t linear);
    std::uint8_t* fill_write_page(std::uint32_t linear);
    std::uint8_t read_physical8(std::uint32_t paddr) {
        return bus.read8(paddr);
    }
    void write_physical8(std::uint32_t paddr, std::uint8_t value);

    // ---- decoded-instruction cache -------------------------------------------------------
    // Direct-mapped, keyed by the physical address of the first byte plus the decode mode.
    // Each physical page has a generation; writing to a page that holds decoded code bumps it,
    // which invalidates every cached instruction of that page at once.
    struct CachedInsn {
        std::uint32_t paddr = 0xFFFFFFFF;
        std::uint32_t generation = 0;
        std::uint8_t mode = 0xFF;
        Insn insn;
    };
    static constexpr unsigned kDecodeCacheSize = 1u << 15;
    std::unique_ptr<CachedInsn[]> decode_cache_;
    std::vector<std::uint32_t> page_generation_;
    std::vector<std::uint8_t> page_has_code_;
    std::uint32_t decode_mode() const { return code32_ ? 1u : 0u; }
    Insn scratch_insn_;  // instructions that cannot be cached (page- or wrap-crossing)

    const Insn& fetch_decoded();
    void mark_code_page(std::uint32_t physical_page);
    void code_page_written(std::uint32_t physical_page);

    void deliver_fault(const CpuFault& fault);
    bool service_events();
    void execute_loop(std::uint64_t end_cycle, bool single_step, RunResult& result);

    friend struct InstructionFetcher;
};

}  // namespace x86emu
