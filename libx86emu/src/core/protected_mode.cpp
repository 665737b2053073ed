// x86emu — protected-mode segmentation, far control transfers, interrupts and task switches.
//
// Implements (Intel SDM vol. 3 unless noted; 80386 Programmer's Reference Manual ch. 6-9):
//   §3.4-§3.5   descriptor tables and segment descriptors, descriptor caches, accessed bit
//   §5.5-§5.8   type and privilege checks on segment loads; conforming code; call gates with
//               stack switch and parameter copy; RET to an outer level (segment nulling)
//   §6.10-§6.14 IDT gates (interrupt, trap, task), privilege change on interrupts, error codes
//               with the EXT bit, the stack frame with and without a privilege change
//   §7.2-§7.3   286 and 386 TSS formats, busy bits, NT and the back link, task switches through
//               JMP, CALL, INT/exceptions and IRET
//   §20.2-§20.3 virtual-8086 mode: segment loads, entry through IRET, exit through interrupts
//   vol. 1 §19.5 the I/O permission bitmap
// Error codes follow SDM vol. 2 pseudocode of JMP, CALL, RET, IRET, INT n, MOV, LLDT, LTR.
// Every routine checks everything before it commits any register: a fault leaves the old state
// (memory below the stack pointer may have been written, as on the silicon).
#include "core/cpu_core.hpp"

#include <algorithm>

namespace x86emu {

namespace {

// System descriptor types (SDM vol. 3 table 3-2).
constexpr unsigned kTss286Available = 1, kLdt = 2, kTss286Busy = 3, kCallGate286 = 4,
                   kTaskGate = 5, kIntGate286 = 6, kTrapGate286 = 7, kTss386Available = 9,
                   kTss386Busy = 11, kCallGate386 = 12, kIntGate386 = 14, kTrapGate386 = 15;

std::uint32_t selector_error(std::uint16_t selector) { return selector & 0xFFFCu; }
bool is_null(std::uint16_t selector) { return (selector & 0xFFFC) == 0; }

[[noreturn]] void fault(Vector v, std::uint32_t error_code) { raise_fault(v, error_code); }

bool tss_is_32bit(const SegmentState& tr) { return tr.attributes & 0x08; }

}  // namespace

// ---- descriptors ----------------------------------------------------------------------------

bool CpuCore::try_read_descriptor(std::uint16_t selector, Descriptor& d) {
    std::uint32_t offset = selector & 0xFFF8u;
    std::uint32_t base, limit;
    if (selector & 4) {
        if (!(ldtr.attributes & 0x80)) return false;  // no usable LDT
        base = ldtr.base;
        limit = ldtr.limit;
    } else {
        base = gdtr.base;
        limit = gdtr.limit;
    }
    if (offset + 7 > limit) return false;
    // Descriptor-table reads are supervisor accesses whatever the CPL (SDM vol. 3 §4.6.1).
    d.low = read_linear_as<std::uint32_t>(base + offset, 0);
    d.high = read_linear_as<std::uint32_t>(base + offset + 4, 0);
    return true;
}

CpuCore::Descriptor CpuCore::read_descriptor(std::uint16_t selector, Vector vector) {
    Descriptor d;
    if (!try_read_descriptor(selector, d)) fault(vector, selector_error(selector) | delivery_ext_);
    return d;
}

SegmentState CpuCore::cache_from(std::uint16_t selector, const Descriptor& d) const {
    SegmentState c;
    c.selector = selector;
    c.base = (d.low >> 16) | ((d.high & 0xFF) << 16);
    c.limit = d.low & 0xFFFF;
    c.attributes = static_cast<std::uint16_t>((d.high >> 8) & 0xFF);
    if (traits.has386) {
        // QUIRK(80286): bytes 6-7 of a descriptor are reserved; the 386 adds base 31:24,
        // limit 19:16 and the AVL/D/G bits there.
        c.base |= d.high & 0xFF000000u;
        c.limit |= d.high & 0x000F0000u;
        c.attributes |= static_cast<std::uint16_t>((d.high >> 8) & 0xF000);
        if (d.high & 0x00800000u) c.limit = (c.limit << 12) | 0xFFF;  // 4 KiB granularity
    }
    return c;
}

void CpuCore::set_accessed(std::uint16_t selector, Descriptor& d) {
    if (!d.is_segment() || (d.high & 0x100)) return;
    d.high |= 0x100;
    std::uint32_t table = (selector & 4) ? ldtr.base : gdtr.base;
    write_linear_as<std::uint8_t>(table + (selector & 0xFFF8u) + 5, static_cast<std::uint8_t>(d.high >> 8), 0);
}

// ---- segment register loads ----------------------------------------------------------------

void CpuCore::load_segment(unsigned s, std::uint16_t selector) {
    if (!protected_mode()) load_segment_real(s, selector);
    else if (v86()) load_segment_v86(s, selector);
    else load_segment_protected(s, selector);
}

void CpuCore::load_segment_v86(unsigned s, std::uint16_t selector) {
    // Virtual-8086 segments: base = selector * 16, 64 KiB limit, DPL 3 (SDM vol. 3 §20.2.1).
    SegmentState c;
    c.selector = selector;
    c.base = std::uint32_t{selector} << 4;
    c.limit = 0xFFFF;
    c.attributes = s == CS ? 0xFB : 0xF3;
    set_segment_cache(s, c);
}

void CpuCore::load_segment_protected(unsigned s, std::uint16_t selector) {
    if (is_null(selector)) {
        // A null selector may sit in DS/ES/FS/GS; using it faults later (SDM vol. 3 §3.4.2).
        if (s == SS) fault(Vector::GP, 0);
        SegmentState c = seg[s];
        c.selector = selector;
        c.attributes = 0;  // unusable
        set_segment_cache(s, c);
        return;
    }
    Descriptor d = read_descriptor(selector);
    const unsigned rpl = selector & 3;
    if (s == SS) {
        if (rpl != cpl || !d.writable() || d.dpl() != cpl) fault(Vector::GP, selector_error(selector));
        if (!d.present()) fault(Vector::SS, selector_error(selector));
    } else {
        if (!d.is_segment() || !d.readable()) fault(Vector::GP, selector_error(selector));
        if ((d.is_data() || !d.conforming()) && (d.dpl() < cpl || d.dpl() < rpl))
            fault(Vector::GP, selector_error(selector));
        if (!d.present()) fault(Vector::NP, selector_error(selector));
    }
    set_accessed(selector, d);
    set_segment_cache(s, cache_from(selector, d));
    cycles += timing[TimingClass::SegmentLoadProtected].reg;
}

SegmentState CpuCore::checked_stack_segment(std::uint16_t selector, unsigned level, Vector vector,
                                             std::uint32_t ext) {
    if (is_null(selector)) fault(vector, ext);
    Descriptor d;
    if (!try_read_descriptor(selector, d)) fault(vector, selector_error(selector) | ext);
    if ((selector & 3u) != level || d.dpl() != level || !d.writable())
        fault(vector, selector_error(selector) | ext);
    if (!d.present()) fault(Vector::SS, selector_error(selector) | ext);
    set_accessed(selector, d);
    return cache_from(selector, d);
}

void CpuCore::invalidate_segments_for_outer_level() {
    // SDM vol. 2 RET/IRET: a data or non-conforming code segment whose DPL is below the new CPL
    // is not usable there; its register is loaded with a null selector.
    for (unsigned s : {ES, DS, FS, GS}) {
        const SegmentState& c = seg[s];
        if (!(c.attributes & 0x80)) continue;
        bool conforming_code = (c.attributes & 0x0C) == 0x0C;
        unsigned dpl = (c.attributes >> 5) & 3;
        if (!conforming_code && dpl < cpl) {
            SegmentState n = c;
            n.selector = 0;
            n.attributes = 0;
            set_segment_cache(s, n);
        }
    }
}

void CpuCore::load_ldtr(std::uint16_t selector) {
    if (is_null(selector)) {
        ldtr = SegmentState{};
        ldtr.selector = selector;
        ldtr.attributes = 0;
        return;
    }
    if (selector & 4) fault(Vector::GP, selector_error(selector));
    Descriptor d = read_descriptor(selector);
    if (d.is_segment() || d.type() != kLdt) fault(Vector::GP, selector_error(selector));
    if (!d.present()) fault(Vector::NP, selector_error(selector));
    ldtr = cache_from(selector, d);
}

void CpuCore::load_task_register(std::uint16_t selector) {
    if (is_null(selector)) fault(Vector::GP, 0);
    if (selector & 4) fault(Vector::GP, selector_error(selector));
    Descriptor d = read_descriptor(selector);
    unsigned type = d.type();
    bool available = !d.is_segment() && (type == kTss286Available || (traits.has386 && type == kTss386Available));
    if (!available) fault(Vector::GP, selector_error(selector));
    if (!d.present()) fault(Vector::NP, selector_error(selector));
    // LTR marks the TSS busy in its descriptor (SDM vol. 2 LTR).
    d.high |= 0x200;
    write_linear_as<std::uint8_t>(gdtr.base + (selector & 0xFFF8u) + 5, static_cast<std::uint8_t>(d.high >> 8), 0);
    tr = cache_from(selector, d);
}

// ---- stack frames for transfers ---------------------------------------------------------------

namespace {

// Writes a frame onto a stack that is not (yet) SS: the whole frame is checked against the
// segment's limit first, then stored top down, then the new stack pointer is handed back.
class FrameWriter {
public:
    FrameWriter(CpuCore& c, const SegmentState& ss, std::uint32_t sp, unsigned user)
        : c_(c), ss_(ss), sp_(sp), user_(user), big_(ss.attributes & 0x4000) {}

    // #SS(error) unless `bytes` fit below the current stack pointer.
    void reserve(std::uint32_t bytes, std::uint32_t error_code) const {
        std::uint32_t low = (sp_ - bytes) & (big_ ? 0xFFFFFFFFu : 0xFFFFu);
        CpuCore::AccessWindow w = CpuCore::window_of(ss_, true, true);
        if (low < w.first || low > w.last || w.last - low < bytes - 1) raise_fault(Vector::SS, error_code);
    }
    void push(std::uint32_t value, unsigned size) {
        std::uint32_t mask = big_ ? 0xFFFFFFFFu : 0xFFFFu;
        sp_ = (sp_ - size) & mask;
        if (size == 4) c_.write_linear_as<std::uint32_t>(ss_.base + sp_, value, user_);
        else c_.write_linear_as<std::uint16_t>(ss_.base + sp_, static_cast<std::uint16_t>(value), user_);
    }
    std::uint32_t sp() const { return sp_; }

private:
    CpuCore& c_;
    SegmentState ss_;
    std::uint32_t sp_;
    unsigned user_;
    bool big_;
};

}  // namespace

void CpuCore::stack_from_tss(unsigned level, std::uint16_t& ss, std::uint32_t& esp) {
    if (tss_is_32bit(tr)) {
        std::uint32_t offset = 4 + 8 * level;
        if (offset + 5 > tr.limit) fault(Vector::TS, selector_error(tr.selector) | delivery_ext_);
        esp = read_linear_as<std::uint32_t>(tr.base + offset, 0);
        ss = read_linear_as<std::uint16_t>(tr.base + offset + 4, 0);
    } else {
        std::uint32_t offset = 2 + 4 * level;
        if (offset + 3 > tr.limit) fault(Vector::TS, selector_error(tr.selector) | delivery_ext_);
        esp = read_linear_as<std::uint16_t>(tr.base + offset, 0);
        ss = read_linear_as<std::uint16_t>(tr.base + offset + 2, 0);
    }
}

// ---- JMP and CALL ---------------------------------------------------------------------------

void CpuCore::jump_far(std::uint16_t selector, std::uint32_t offset, bool op32) {
    if (pm()) return far_transfer_protected(selector, offset, false, op32);
    load_segment(CS, selector);
    next_eip = offset;
}

void CpuCore::call_far(std::uint16_t selector, std::uint32_t offset, bool op32) {
    if (pm()) return far_transfer_protected(selector, offset, true, op32);
    // Real and virtual-8086 mode: both pushes are checked before CS changes.
    unsigned size = op32 ? 4 : 2;
    std::uint32_t sp = sp_value();
    if (op32) {
        write_mem<std::uint32_t>(SS, stack_offset(sp - 4), seg[CS].selector);
        write_mem<std::uint32_t>(SS, stack_offset(sp - 8), next_eip);
    } else {
        write_mem<std::uint16_t>(SS, stack_offset(sp - 2), seg[CS].selector);
        write_mem<std::uint16_t>(SS, stack_offset(sp - 4), static_cast<std::uint16_t>(next_eip));
    }
    load_segment(CS, selector);
    set_sp_value(stack_offset(sp - 2 * size));
    next_eip = op32 ? offset : (offset & 0xFFFF);
}

void CpuCore::far_transfer_protected(std::uint16_t selector, std::uint32_t offset, bool is_call, bool op32) {
    if (is_null(selector)) fault(Vector::GP, 0);
    Descriptor d = read_descriptor(selector);
    const unsigned rpl = selector & 3;
    const std::uint32_t return_eip = next_eip;

    // Pushes CS:EIP on the current stack (same privilege level), checked as a whole.
    auto push_return = [&](unsigned size) {
        FrameWriter frame(*this, seg[SS], sp_value(), user_);
        frame.reserve(2 * size, 0);
        frame.push(seg[CS].selector, size);
        frame.push(return_eip, size);
        return frame.sp();
    };
    auto commit_code = [&](std::uint16_t cs_selector, Descriptor& cd, std::uint32_t target) {
        set_accessed(cs_selector, cd);
        SegmentState cs = cache_from(static_cast<std::uint16_t>((cs_selector & ~3u) | cpl), cd);
        set_segment_cache(CS, cs);
        next_eip = target;
    };

    if (d.is_segment()) {
        if (!d.is_code()) fault(Vector::GP, selector_error(selector));
        if (d.conforming() ? d.dpl() > cpl : (rpl > cpl || d.dpl() != cpl))
            fault(Vector::GP, selector_error(selector));
        if (!d.present()) fault(Vector::NP, selector_error(selector));
        std::uint32_t target = op32 ? offset : (offset & 0xFFFF);
        if (target > cache_from(selector, d).limit) fault(Vector::GP, 0);
        if (is_call) {
            std::uint32_t sp = push_return(op32 ? 4 : 2);
            set_sp_value(sp);
        }
        commit_code(selector, d, target);
        cycles += timing[TimingClass::FarProtected].reg;
        return;
    }

    switch (d.type()) {
    case kCallGate286:
    case kCallGate386: {
        if (d.type() == kCallGate386 && !traits.has386) fault(Vector::GP, selector_error(selector));
        if (d.dpl() < cpl || d.dpl() < rpl) fault(Vector::GP, selector_error(selector));
        if (!d.present()) fault(Vector::NP, selector_error(selector));
        const bool gate32 = d.type() == kCallGate386;
        const std::uint16_t cs_sel = d.gate_selector();
        const std::uint32_t target = d.gate_offset(gate32);
        if (is_null(cs_sel)) fault(Vector::GP, 0);
        Descriptor cd = read_descriptor(cs_sel);
        if (!cd.is_code() || cd.dpl() > cpl) fault(Vector::GP, selector_error(cs_sel));
        if (!cd.present()) fault(Vector::NP, selector_error(cs_sel));
        const std::uint32_t cs_limit = cache_from(cs_sel, cd).limit;
        const unsigned size = gate32 ? 4 : 2;

        if (!is_call || cd.conforming() || cd.dpl() == cpl) {
            // No privilege change (JMP through a gate may not change it at all).
            if (!is_call && !cd.conforming() && cd.dpl() != cpl) fault(Vector::GP, selector_error(cs_sel));
            if (target > cs_limit) fault(Vector::GP, 0);
            if (is_call) set_sp_value(push_return(size));
            commit_code(cs_sel, cd, target);
            cycles += timing[TimingClass::CallGate].reg;
            return;
        }

        // CALL to a more privileged level: new stack from the TSS, parameters copied over
        // (SDM vol. 3 §5.8.5, figure 5-13).
        const unsigned new_cpl = cd.dpl();
        std::uint16_t new_ss;
        std::uint32_t new_esp;
        stack_from_tss(new_cpl, new_ss, new_esp);
        SegmentState ss_cache = checked_stack_segment(new_ss, new_cpl, Vector::TS, 0);
        const unsigned params = d.gate_param_count();
        FrameWriter frame(*this, ss_cache, new_esp, new_cpl == 3 ? 1 : 0);
        frame.reserve((4 + params) * size, selector_error(new_ss));
        if (target > cs_limit) fault(Vector::GP, 0);
        // Parameters are read from the caller's stack before anything is written.
        std::uint32_t copied[32];
        std::uint32_t old_sp = sp_value();
        for (unsigned k = 0; k < params; ++k) {
            std::uint32_t at = stack_offset(old_sp + k * size);
            copied[k] = size == 4 ? read_mem<std::uint32_t>(SS, at) : read_mem<std::uint16_t>(SS, at);
        }
        frame.push(seg[SS].selector, size);
        frame.push(gpr[ESP], size);
        for (unsigned k = params; k-- > 0;) frame.push(copied[k], size);
        frame.push(seg[CS].selector, size);
        frame.push(return_eip, size);
        // Commit.
        cpl = new_cpl;
        privilege_changed();
        set_segment_cache(SS, ss_cache);
        if (ss_cache.attributes & 0x4000) gpr[ESP] = frame.sp();
        else set_reg<std::uint16_t>(ESP, static_cast<std::uint16_t>(frame.sp()));
        commit_code(cs_sel, cd, target);
        cycles += timing[TimingClass::CallGatePrivilege].reg + params * timing[TimingClass::CallGatePrivilege].extra;
        return;
    }
    case kTaskGate: {
        if (d.dpl() < cpl || d.dpl() < rpl) fault(Vector::GP, selector_error(selector));
        if (!d.present()) fault(Vector::NP, selector_error(selector));
        std::uint16_t tss_sel = d.gate_selector();
        if (tss_sel & 4) fault(Vector::GP, selector_error(tss_sel));
        Descriptor t = read_descriptor(tss_sel);
        unsigned type = t.type();
        if (t.is_segment() || (type != kTss286Available && type != kTss386Available))
            fault(Vector::GP, selector_error(tss_sel));
        if (!t.present()) fault(Vector::NP, selector_error(tss_sel));
        task_switch(tss_sel, t, is_call ? TaskSwitchSource::Call : TaskSwitchSource::Jmp, return_eip);
        return;
    }
    case kTss286Available:
    case kTss386Available:
        if (d.dpl() < cpl || d.dpl() < rpl) fault(Vector::GP, selector_error(selector));
        if (!d.present()) fault(Vector::NP, selector_error(selector));
        task_switch(selector, d, is_call ? TaskSwitchSource::Call : TaskSwitchSource::Jmp, return_eip);
        return;
    default:
        fault(Vector::GP, selector_error(selector));
    }
}

// ---- RET and IRET -----------------------------------------------------------------------------

void CpuCore::return_far(bool op32, std::uint16_t release_bytes) {
    if (pm()) return return_far_protected(op32, release_bytes);
    unsigned size = op32 ? 4 : 2;
    std::uint32_t ip = op32 ? peek<std::uint32_t>(0) : peek<std::uint16_t>(0);
    std::uint16_t cs = op32 ? static_cast<std::uint16_t>(peek<std::uint32_t>(4)) : peek<std::uint16_t>(2);
    load_segment(CS, cs);
    next_eip = ip;
    set_sp_value(stack_offset(sp_value() + 2 * size + release_bytes));
}

void CpuCore::return_far_protected(bool op32, std::uint16_t release_bytes) {
    const unsigned size = op32 ? 4 : 2;
    std::uint32_t target = op32 ? peek<std::uint32_t>(0) : peek<std::uint16_t>(0);
    std::uint16_t cs_sel = static_cast<std::uint16_t>(op32 ? peek<std::uint32_t>(4) : peek<std::uint16_t>(2));
    if (is_null(cs_sel)) fault(Vector::GP, 0);
    Descriptor cd = read_descriptor(cs_sel);
    const unsigned rpl = cs_sel & 3;
    if (rpl < cpl) fault(Vector::GP, selector_error(cs_sel));
    if (!cd.is_code()) fault(Vector::GP, selector_error(cs_sel));
    if (cd.conforming() ? cd.dpl() > rpl : cd.dpl() != rpl) fault(Vector::GP, selector_error(cs_sel));
    if (!cd.present()) fault(Vector::NP, selector_error(cs_sel));
    SegmentState cs = cache_from(cs_sel, cd);

    if (rpl == cpl) {
        if (target > cs.limit) fault(Vector::GP, 0);
        set_accessed(cs_sel, cd);
        set_segment_cache(CS, cs);
        next_eip = target;
        set_sp_value(stack_offset(sp_value() + 2 * size + release_bytes));
        cycles += timing[TimingClass::FarProtected].reg;
        return;
    }
    // Return to an outer level: the caller's SS:ESP sit above the released parameters.
    std::uint32_t outer_esp = op32 ? peek<std::uint32_t>(2 * size + release_bytes)
                                   : peek<std::uint16_t>(2 * size + release_bytes);
    std::uint16_t outer_ss = static_cast<std::uint16_t>(op32 ? peek<std::uint32_t>(3 * size + release_bytes)
                                                             : peek<std::uint16_t>(3 * size + release_bytes));
    SegmentState ss = checked_stack_segment(outer_ss, rpl, Vector::GP, 0);
    if (target > cs.limit) fault(Vector::GP, 0);
    set_accessed(cs_sel, cd);
    cpl = rpl;
    privilege_changed();
    set_segment_cache(CS, cs);
    set_segment_cache(SS, ss);
    std::uint32_t esp = op32 ? outer_esp : ((gpr[ESP] & 0xFFFF0000u) | (outer_esp & 0xFFFF));
    gpr[ESP] = esp;
    set_sp_value(stack_offset(sp_value() + release_bytes));
    next_eip = target;
    invalidate_segments_for_outer_level();
    cycles += timing[TimingClass::RetOuter].reg;
}

void CpuCore::interrupt_return(bool op32) {
    nmi_blocked = false;  // any IRET re-enables NMI, even one that faults afterwards
    if (protected_mode()) return iret_protected(op32);
    const unsigned size = op32 ? 4 : 2;
    std::uint32_t ip = op32 ? peek<std::uint32_t>(0) : peek<std::uint16_t>(0);
    std::uint16_t cs = op32 ? static_cast<std::uint16_t>(peek<std::uint32_t>(4)) : peek<std::uint16_t>(2);
    std::uint32_t flags = op32 ? peek<std::uint32_t>(8) : peek<std::uint16_t>(4);
    load_segment(CS, cs);
    next_eip = ip;
    set_sp_value(stack_offset(sp_value() + 3 * size));
    std::uint32_t writable = op32 ? 0xFFFFFFFFu : 0xFFFFu;
    write_flags((raw_flags() & ~writable) | flags, writable);
}

void CpuCore::iret_protected(bool op32) {
    const unsigned size = op32 ? 4 : 2;
    if (v86()) {
        // Virtual-8086 IRET is IOPL-sensitive (SDM vol. 3 §20.2.7); with IOPL 3 it is the
        // real-mode IRET, and IOPL itself cannot change.
        if (iopl() < 3) fault(Vector::GP, 0);
        std::uint32_t ip = op32 ? peek<std::uint32_t>(0) : peek<std::uint16_t>(0);
        std::uint16_t cs = op32 ? static_cast<std::uint16_t>(peek<std::uint32_t>(4)) : peek<std::uint16_t>(2);
        std::uint32_t flags = op32 ? peek<std::uint32_t>(8) : peek<std::uint16_t>(4);
        if (ip > 0xFFFF) fault(Vector::GP, 0);
        load_segment_v86(CS, cs);
        next_eip = ip;
        set_sp_value(stack_offset(sp_value() + 3 * size));
        std::uint32_t writable = op32 ? 0xFFFFFFFFu : 0xFFFFu;
        write_flags((raw_flags() & ~writable) | flags, writable);
        return;
    }
    if (eflags_ & eflags::NT) {
        // Return from a nested task through the back link (SDM vol. 3 §7.4).
        std::uint16_t link = read_linear_as<std::uint16_t>(tr.base, 0);
        if (link & 4) fault(Vector::TS, selector_error(link));
        Descriptor t;
        if (is_null(link) || !try_read_descriptor(link, t)) fault(Vector::TS, selector_error(link));
        unsigned type = t.type();
        if (t.is_segment() || (type != kTss286Busy && type != kTss386Busy)) fault(Vector::TS, selector_error(link));
        if (!t.present()) fault(Vector::NP, selector_error(link));
        task_switch(link, t, TaskSwitchSource::Iret, next_eip);
        return;
    }
    std::uint32_t target = op32 ? peek<std::uint32_t>(0) : peek<std::uint16_t>(0);
    std::uint16_t cs_sel = static_cast<std::uint16_t>(op32 ? peek<std::uint32_t>(4) : peek<std::uint16_t>(2));
    std::uint32_t flags = op32 ? peek<std::uint32_t>(8) : peek<std::uint16_t>(4);

    if (op32 && (flags & eflags::VM) && cpl == 0) {
        // Return to virtual-8086 mode: the frame continues with ESP, SS, ES, DS, FS, GS.
        std::uint32_t esp = peek<std::uint32_t>(12);
        std::uint16_t sels[6];
        sels[SS] = static_cast<std::uint16_t>(peek<std::uint32_t>(16));
        sels[ES] = static_cast<std::uint16_t>(peek<std::uint32_t>(20));
        sels[DS] = static_cast<std::uint16_t>(peek<std::uint32_t>(24));
        sels[FS] = static_cast<std::uint16_t>(peek<std::uint32_t>(28));
        sels[GS] = static_cast<std::uint16_t>(peek<std::uint32_t>(32));
        sels[CS] = cs_sel;
        set_flags((flags & traits.eflags_loadable) | 0x2u);
        cpl = 3;
        privilege_changed();
        for (unsigned s = 0; s < 6; ++s) load_segment_v86(s, sels[s]);
        gpr[ESP] = esp;
        next_eip = target & 0xFFFF;
        cycles += timing[TimingClass::IretOuter].reg;
        return;
    }

    if (is_null(cs_sel)) fault(Vector::GP, 0);
    Descriptor cd = read_descriptor(cs_sel);
    const unsigned rpl = cs_sel & 3;
    if (rpl < cpl || !cd.is_code()) fault(Vector::GP, selector_error(cs_sel));
    if (cd.conforming() ? cd.dpl() > rpl : cd.dpl() != rpl) fault(Vector::GP, selector_error(cs_sel));
    if (!cd.present()) fault(Vector::NP, selector_error(cs_sel));
    SegmentState cs = cache_from(cs_sel, cd);
    std::uint32_t writable = op32 ? 0xFFFFFFFFu : 0xFFFFu;
    std::uint32_t new_flags = (raw_flags() & ~writable) | flags;

    if (rpl == cpl) {
        if (target > cs.limit) fault(Vector::GP, 0);
        set_accessed(cs_sel, cd);
        set_segment_cache(CS, cs);
        next_eip = target;
        set_sp_value(stack_offset(sp_value() + 3 * size));
        write_flags(new_flags, writable);
        if (op32) eflags_ = (eflags_ & ~eflags::RF) | (flags & eflags::RF);
        cycles += timing[TimingClass::FarProtected].reg;
        return;
    }
    std::uint32_t outer_esp = op32 ? peek<std::uint32_t>(12) : peek<std::uint16_t>(6);
    std::uint16_t outer_ss = static_cast<std::uint16_t>(op32 ? peek<std::uint32_t>(16) : peek<std::uint16_t>(8));
    SegmentState ss = checked_stack_segment(outer_ss, rpl, Vector::GP, 0);
    if (target > cs.limit) fault(Vector::GP, 0);
    set_accessed(cs_sel, cd);
    // Flags follow the rules of the old CPL (IOPL and IF are written only when allowed there).
    write_flags(new_flags, writable);
    if (op32) eflags_ = (eflags_ & ~eflags::RF) | (flags & eflags::RF);
    cpl = rpl;
    privilege_changed();
    set_segment_cache(CS, cs);
    set_segment_cache(SS, ss);
    gpr[ESP] = op32 ? outer_esp : ((gpr[ESP] & 0xFFFF0000u) | (outer_esp & 0xFFFF));
    next_eip = target;
    invalidate_segments_for_outer_level();
    cycles += timing[TimingClass::IretOuter].reg;
}

// ---- interrupts and exceptions ----------------------------------------------------------------

void CpuCore::interrupt(std::uint8_t vector, std::uint32_t return_eip, EventKind kind, bool has_error_code,
                        std::uint32_t error_code) {
    // External events ask the interrupt hooks in service_events(), where INTR and NMI differ.
    if (interrupt_hooks_active_ && kind != EventKind::External &&
        !interrupt_allowed(vector, kind == EventKind::Exception ? InterruptKind::Exception : InterruptKind::Software,
                           has_error_code, error_code, return_eip)) {
        next_eip = return_eip;  // suppressed: on as if the handler had returned at once
        return;
    }
    if (!protected_mode()) return interrupt_real(vector, return_eip);
    interrupt_protected(vector, return_eip, kind, has_error_code, error_code);
}

void CpuCore::interrupt_real(std::uint8_t vector, std::uint32_t return_eip) {
    std::uint32_t entry = std::uint32_t{vector} * 4;
    if (!traits.is8086 && entry + 3 > idtr.limit) raise_fault(Vector::GP, entry + 2);
    std::uint16_t new_ip = read_linear<std::uint16_t>(idtr.base + entry);
    std::uint16_t new_cs = read_linear<std::uint16_t>(idtr.base + entry + 2);
    std::uint32_t flags = flags_word_for_push();
    push<std::uint16_t>(static_cast<std::uint16_t>(flags));
    push<std::uint16_t>(seg[CS].selector);
    push<std::uint16_t>(static_cast<std::uint16_t>(return_eip));
    eflags_ &= ~(eflags::IF | eflags::TF);
    load_segment_real(CS, new_cs);
    next_eip = new_ip;
}

void CpuCore::interrupt_protected(std::uint8_t vector, std::uint32_t return_eip, EventKind kind,
                                  bool has_error_code, std::uint32_t error_code) {
    const bool software = kind == EventKind::SoftwareInt || kind == EventKind::SoftwareTrap;
    // Errors found while delivering an event the program did not ask for by INT n/INT3/INTO
    // (an external interrupt or a processor exception) carry EXT (SDM vol. 3 §6.13).
    const bool not_by_instruction = !software;
    const std::uint32_t saved_ext = delivery_ext_;
    if (not_by_instruction) delivery_ext_ = 1;
    const std::uint32_t ext = delivery_ext_;
    // EXT applies to this delivery only: restored on both ways out below. A fault leaves by the
    // jump point instead, and the landing sets EXT as the double-fault rule wants it.

    // INT n in virtual-8086 mode is IOPL-sensitive (SDM vol. 3 §20.2.7); INT3/INTO are not.
    if (kind == EventKind::SoftwareInt && v86() && iopl() < 3) fault(Vector::GP, 0);

    const std::uint32_t idt_error = std::uint32_t{vector} * 8 + 2 + ext;
    if (std::uint32_t{vector} * 8 + 7 > idtr.limit) fault(Vector::GP, idt_error);
    Descriptor gate;
    gate.low = read_linear_as<std::uint32_t>(idtr.base + vector * 8u, 0);
    gate.high = read_linear_as<std::uint32_t>(idtr.base + vector * 8u + 4, 0);
    const unsigned type = gate.type();
    bool valid = !gate.is_segment() &&
                 (type == kTaskGate || type == kIntGate286 || type == kTrapGate286 ||
                  (traits.has386 && (type == kIntGate386 || type == kTrapGate386)));
    if (!valid) fault(Vector::GP, idt_error);
    if (software && gate.dpl() < cpl) fault(Vector::GP, idt_error);
    if (!gate.present()) fault(Vector::NP, idt_error);

    if (type == kTaskGate) {
        std::uint16_t tss_sel = gate.gate_selector();
        if (tss_sel & 4) fault(Vector::TS, selector_error(tss_sel) | ext);
        Descriptor t;
        if (is_null(tss_sel) || !try_read_descriptor(tss_sel, t)) fault(Vector::TS, selector_error(tss_sel) | ext);
        unsigned ttype = t.type();
        if (t.is_segment() || (ttype != kTss286Available && ttype != kTss386Available))
            fault(Vector::GP, selector_error(tss_sel) | ext);
        if (!t.present()) fault(Vector::NP, selector_error(tss_sel) | ext);
        task_switch(tss_sel, t, TaskSwitchSource::Int, return_eip);
        if (has_error_code) {
            // The error code goes onto the new task's stack (SDM vol. 3 §6.12.2).
            if (tss_is_32bit(tr)) push<std::uint32_t>(error_code);
            else push<std::uint16_t>(static_cast<std::uint16_t>(error_code));
        }
        delivery_ext_ = saved_ext;
        return;
    }

    const bool gate32 = type == kIntGate386 || type == kTrapGate386;
    const unsigned size = gate32 ? 4 : 2;
    const std::uint16_t cs_sel = gate.gate_selector();
    const std::uint32_t target = gate.gate_offset(gate32);
    if (is_null(cs_sel)) fault(Vector::GP, ext);
    Descriptor cd;
    if (!try_read_descriptor(cs_sel, cd)) fault(Vector::GP, selector_error(cs_sel) | ext);
    if (!cd.is_code() || cd.dpl() > cpl) fault(Vector::GP, selector_error(cs_sel) | ext);
    if (!cd.present()) fault(Vector::NP, selector_error(cs_sel) | ext);
    SegmentState cs = cache_from(cs_sel, cd);
    const bool from_v86 = v86();
    const unsigned new_cpl = cd.conforming() ? cpl : cd.dpl();
    const std::uint32_t old_flags = get_flags() | (push_rf_ ? eflags::RF : 0u);
    // The part of the frame common to both stacks: EFLAGS, CS, EIP and the error code.
    auto push_return_frame = [&](FrameWriter& frame) {
        frame.push(old_flags, size);
        frame.push(seg[CS].selector, size);
        frame.push(return_eip, size);
        if (has_error_code) frame.push(error_code, size);
    };
    // The handler starts with TF, NT, RF, VM clear, and IF clear behind an interrupt gate.
    auto clear_flags_on_entry = [&] {
        eflags_ &= ~(eflags::TF | eflags::NT | eflags::RF | eflags::VM);
        if (type == kIntGate286 || type == kIntGate386) eflags_ &= ~eflags::IF;
    };

    if (new_cpl < cpl) {
        // Inter-privilege interrupt: new stack from the TSS (SDM vol. 3 §6.12.1, figure 6-4).
        if (from_v86 && new_cpl != 0) fault(Vector::GP, selector_error(cs_sel) | ext);
        std::uint16_t new_ss;
        std::uint32_t new_esp;
        stack_from_tss(new_cpl, new_ss, new_esp);
        SegmentState ss_cache = checked_stack_segment(new_ss, new_cpl, Vector::TS, ext);
        FrameWriter frame(*this, ss_cache, new_esp, new_cpl == 3 ? 1 : 0);
        unsigned words = (from_v86 ? 9 : 5) + (has_error_code ? 1 : 0);
        frame.reserve(words * size, selector_error(new_ss) | ext);
        if (target > cs.limit) fault(Vector::GP, ext);
        if (from_v86) {
            frame.push(seg[GS].selector, size);
            frame.push(seg[FS].selector, size);
            frame.push(seg[DS].selector, size);
            frame.push(seg[ES].selector, size);
        }
        frame.push(seg[SS].selector, size);
        frame.push(gpr[ESP], size);
        push_return_frame(frame);
        // Commit.
        clear_flags_on_entry();
        cpl = new_cpl;
        privilege_changed();
        if (from_v86) {
            // The handler starts with null data segments (SDM vol. 3 §20.3.1.1).
            for (unsigned s : {ES, DS, FS, GS}) {
                SegmentState n = seg[s];
                n.selector = 0;
                n.attributes = 0;
                seg[s] = n;
            }
        }
        set_segment_cache(SS, ss_cache);
        if (ss_cache.attributes & 0x4000) gpr[ESP] = frame.sp();
        else set_reg<std::uint16_t>(ESP, static_cast<std::uint16_t>(frame.sp()));
        cycles += timing[from_v86 ? TimingClass::InterruptFromV86 : TimingClass::InterruptPrivilege].reg;
    } else {
        if (from_v86) fault(Vector::GP, selector_error(cs_sel) | ext);
        FrameWriter frame(*this, seg[SS], sp_value(), user_);
        unsigned words = 3 + (has_error_code ? 1 : 0);
        frame.reserve(words * size, ext);
        if (target > cs.limit) fault(Vector::GP, ext);
        push_return_frame(frame);
        clear_flags_on_entry();
        set_sp_value(frame.sp());
        cycles += timing[TimingClass::InterruptSame].reg;
    }
    set_accessed(cs_sel, cd);
    cs.selector = static_cast<std::uint16_t>((cs_sel & ~3u) | cpl);
    set_segment_cache(CS, cs);
    // Leaving V86 mode (VM cleared) puts every segment under the protected-mode rules and nulled
    // DS, ES, FS and GS above; otherwise only CS and SS changed, and set_segment_cache refreshed
    // their windows.
    if (from_v86) refresh_all_segments();
    next_eip = target;
    delivery_ext_ = saved_ext;
}

// ---- task switch ------------------------------------------------------------------------------

void CpuCore::task_switch(std::uint16_t selector, Descriptor nd, TaskSwitchSource source, std::uint32_t return_eip) {
    const std::uint32_t ext = delivery_ext_;
    const bool new32 = nd.type() & 8;
    SegmentState new_tr = cache_from(selector, nd);
    if (new_tr.limit < (new32 ? 0x67u : 0x2Bu)) fault(Vector::TS, selector_error(selector) | ext);
    if (tr.selector == 0 && !(tr.attributes & 0x80) && source != TaskSwitchSource::Iret) {
        // No current task (LTR never executed): the state cannot be saved anywhere.
        fault(Vector::TS, selector_error(selector) | ext);
    }
    const std::uint32_t nb = new_tr.base;

    // Read the whole incoming state first, so that a page fault on the new TSS changes nothing.
    std::uint32_t n_eip, n_flags, n_regs[8], n_cr3 = cr3;
    std::uint16_t n_sel[6], n_ldt;
    bool n_trap = false;
    if (new32) {
        n_cr3 = read_linear_as<std::uint32_t>(nb + 0x1C, 0);
        n_eip = read_linear_as<std::uint32_t>(nb + 0x20, 0);
        n_flags = read_linear_as<std::uint32_t>(nb + 0x24, 0);
        for (unsigned r = 0; r < 8; ++r) n_regs[r] = read_linear_as<std::uint32_t>(nb + 0x28 + 4 * r, 0);
        for (unsigned s = 0; s < 6; ++s) n_sel[s] = read_linear_as<std::uint16_t>(nb + 0x48 + 4 * s, 0);
        n_ldt = read_linear_as<std::uint16_t>(nb + 0x60, 0);
        n_trap = read_linear_as<std::uint16_t>(nb + 0x64, 0) & 1;
    } else {
        n_eip = read_linear_as<std::uint16_t>(nb + 0x0E, 0);
        n_flags = read_linear_as<std::uint16_t>(nb + 0x10, 0);
        for (unsigned r = 0; r < 8; ++r)
            n_regs[r] = (gpr[r] & 0xFFFF0000u) | read_linear_as<std::uint16_t>(nb + 0x12 + 2 * r, 0);
        for (unsigned s = 0; s < 4; ++s) n_sel[s] = read_linear_as<std::uint16_t>(nb + 0x22 + 2 * s, 0);
        n_sel[FS] = n_sel[GS] = 0;
        n_ldt = read_linear_as<std::uint16_t>(nb + 0x2A, 0);
    }

    // Save the outgoing state into the current TSS.
    std::uint32_t old_flags = get_flags();
    if (source == TaskSwitchSource::Iret) old_flags &= ~eflags::NT;
    const std::uint32_t ob = tr.base;
    if (tss_is_32bit(tr)) {
        write_linear_as<std::uint32_t>(ob + 0x20, return_eip, 0);
        write_linear_as<std::uint32_t>(ob + 0x24, old_flags, 0);
        for (unsigned r = 0; r < 8; ++r) write_linear_as<std::uint32_t>(ob + 0x28 + 4 * r, gpr[r], 0);
        for (unsigned s = 0; s < 6; ++s) write_linear_as<std::uint16_t>(ob + 0x48 + 4 * s, seg[s].selector, 0);
    } else {
        write_linear_as<std::uint16_t>(ob + 0x0E, static_cast<std::uint16_t>(return_eip), 0);
        write_linear_as<std::uint16_t>(ob + 0x10, static_cast<std::uint16_t>(old_flags), 0);
        for (unsigned r = 0; r < 8; ++r) write_linear_as<std::uint16_t>(ob + 0x12 + 2 * r, static_cast<std::uint16_t>(gpr[r]), 0);
        for (unsigned s = 0; s < 4; ++s) write_linear_as<std::uint16_t>(ob + 0x22 + 2 * s, seg[s].selector, 0);
    }

    // Busy bits and the back link (SDM vol. 3 §7.3 steps 4-9).
    auto set_busy = [&](std::uint16_t sel, bool busy) {
        std::uint32_t at = gdtr.base + (sel & 0xFFF8u) + 5;
        std::uint8_t access = read_linear_as<std::uint8_t>(at, 0);
        access = busy ? (access | 2) : (access & ~2);
        write_linear_as<std::uint8_t>(at, access, 0);
    };
    if (source == TaskSwitchSource::Jmp || source == TaskSwitchSource::Iret) set_busy(tr.selector, false);
    if (source == TaskSwitchSource::Call || source == TaskSwitchSource::Int) {
        write_linear_as<std::uint16_t>(nb, tr.selector, 0);
        n_flags |= eflags::NT;
    }
    if (source != TaskSwitchSource::Iret) set_busy(selector, true);

    // Commit the new task's registers; segment checks below fault in the new task's context.
    new_tr.attributes |= 2;  // busy
    tr = new_tr;
    cr0 |= kCr0TS;
    if (new32 && paging() && n_cr3 != cr3) {
        cr3 = n_cr3;
        flush_tlb(true);
    }
    if (!new32) n_flags = (eflags_ & 0xFFFF0000u & ~(eflags::VM | eflags::RF)) | (n_flags & 0xFFFF);
    if (!traits.has386) n_flags &= 0x7FFF;
    set_flags((n_flags & (traits.eflags_loadable | 0x2u)) | 0x2u);
    for (unsigned r = 0; r < 8; ++r) gpr[r] = n_regs[r];
    eip = next_eip = n_eip;
    // Selectors first, unchecked and unusable, so a fault leaves them visible in the new task.
    for (unsigned s = 0; s < 6; ++s) {
        seg[s].selector = n_sel[s];
        seg[s].attributes = 0;
    }
    ldtr.selector = n_ldt;
    ldtr.attributes = 0;
    if (v86()) {
        cpl = 3;
    } else {
        cpl = n_sel[CS] & 3;
    }
    privilege_changed();
    refresh_all_segments();
    cycles += timing[TimingClass::TaskSwitch].reg;
    // Local breakpoint enables belong to the old task (SDM vol. 3 §17.2.4: L0-L3 cleared).
    if (dr[7] & 0x55u) {
        dr[7] &= ~0x55u;
        debug_registers_changed();
    }
    if (n_trap) pending_debug_status |= 0x8000;  // T bit: #DB after the switch (DR6.BT)

    // LDT.
    if (!is_null(n_ldt)) {
        if (n_ldt & 4) fault(Vector::TS, selector_error(n_ldt) | ext);
        Descriptor ld;
        if (!try_read_descriptor(n_ldt, ld) || ld.is_segment() || ld.type() != kLdt)
            fault(Vector::TS, selector_error(n_ldt) | ext);
        if (!ld.present()) fault(Vector::TS, selector_error(n_ldt) | ext);
        ldtr = cache_from(n_ldt, ld);
    }
    if (v86()) {
        for (unsigned s = 0; s < 6; ++s) load_segment_v86(s, n_sel[s]);
        return;
    }
    // CS.
    {
        std::uint16_t sel = n_sel[CS];
        Descriptor d;
        if (is_null(sel) || !try_read_descriptor(sel, d) || !d.is_code())
            fault(Vector::TS, selector_error(sel) | ext);
        if (d.conforming() ? d.dpl() > (sel & 3u) : d.dpl() != (sel & 3u)) fault(Vector::TS, selector_error(sel) | ext);
        if (!d.present()) fault(Vector::NP, selector_error(sel) | ext);
        set_accessed(sel, d);
        set_segment_cache(CS, cache_from(sel, d));
    }
    // SS.
    {
        std::uint16_t sel = n_sel[SS];
        Descriptor d;
        if (is_null(sel) || !try_read_descriptor(sel, d)) fault(Vector::TS, selector_error(sel) | ext);
        if ((sel & 3u) != cpl || d.dpl() != cpl || !d.writable()) fault(Vector::TS, selector_error(sel) | ext);
        if (!d.present()) fault(Vector::SS, selector_error(sel) | ext);
        set_accessed(sel, d);
        set_segment_cache(SS, cache_from(sel, d));
    }
    // Data segments.
    for (unsigned s : {ES, DS, FS, GS}) {
        std::uint16_t sel = n_sel[s];
        if (is_null(sel)) continue;
        Descriptor d;
        if (!try_read_descriptor(sel, d) || !d.is_segment() || !d.readable())
            fault(Vector::TS, selector_error(sel) | ext);
        if ((d.is_data() || !d.conforming()) && (d.dpl() < cpl || d.dpl() < (sel & 3u)))
            fault(Vector::TS, selector_error(sel) | ext);
        if (!d.present()) fault(Vector::NP, selector_error(sel) | ext);
        set_accessed(sel, d);
        set_segment_cache(s, cache_from(sel, d));
    }
    if (next_eip > seg[CS].limit) fault(Vector::GP, ext);
}

// ---- I/O permission ---------------------------------------------------------------------------

void CpuCore::check_io_bitmap(std::uint16_t port, unsigned size) {
    // Only a 386 TSS has a bitmap; a 286 TSS (or none) denies every port (SDM vol. 1 §19.5.2).
    if (!(tr.attributes & 0x80) || !tss_is_32bit(tr) || tr.limit < 0x67) fault(Vector::GP, 0);
    std::uint32_t map = read_linear_as<std::uint16_t>(tr.base + 0x66, 0);
    std::uint32_t at = map + port / 8;
    if (at + 1 > tr.limit) fault(Vector::GP, 0);
    std::uint32_t bits = read_linear_as<std::uint16_t>(tr.base + at, 0);
    std::uint32_t mask = ((1u << size) - 1) << (port & 7);
    if (bits & mask) fault(Vector::GP, 0);
}

}  // namespace x86emu
