// x86emu — CpuCore: the debugger-style hooks (x86emu/debug_hooks.hpp): code, memory, interrupt
// and invalid-opcode hooks, breakpoints, watchpoints, run limits and the stops they cause;
// per-register access; linear-to-physical translation and guest-virtual memory access without
// side effects (the page walk of SDM vol. 3 §4.3 through look_up_page, paging.cpp).
//
// How they stay off the hot path: see the "hook configuration" block in cpu_core.hpp. Every
// per-instruction check lives in watched_boundary(), reached through one bool the run loop tests
// anyway; memory hooks only see slow-path accesses, and fill_tlb sends exactly the hooked pages
// there.
#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

#include "core/cpu_core.hpp"

namespace x86emu {

namespace {
// Counts a hook call in progress for as long as it runs (also when it throws), and disarms the
// run loop's jump point meanwhile (call_embedder in cpu_core.hpp says why). Its scope holds the
// hook call only, so no fault of the core's can leave through it.
struct InHook {
    unsigned& depth;
    FaultJump* const armed = armed_fault_jump;
    explicit InHook(unsigned& d) : depth(d) {
        ++depth;
        armed_fault_jump = nullptr;
    }
    ~InHook() {
        --depth;
        armed_fault_jump = armed;
    }
    InHook(const InHook&) = delete;
    InHook& operator=(const InHook&) = delete;
};

void check_range(AddressRange range, const char* what) {
    if (range.first > range.last)
        throw std::invalid_argument(std::string(what) + ": the range's first address lies above its last");
}
template <class F> void check_hook(const F& hook, const char* what) {
    if (!hook) throw std::invalid_argument(std::string(what) + ": the hook is an empty std::function");
}
}  // namespace

// ---- configuration -----------------------------------------------------------------------------

void CpuCore::update_hook_flags() {
    instruction_watch_ = code_watch_active_ || !hooks_.code.empty() || !hooks_.breakpoints.empty() ||
                         hooks_.has_fetch_hooks() || run_max_instructions_.has_value() ||
                         run_stop_address_.has_value();
    memory_hooks_active_ = hooks_.has_data_hooks();
    access_watch_active_ = data_watch_active_ || memory_hooks_active_;
    interrupt_hooks_active_ = !hooks_.interrupt.empty() || hooks_.stop_on_exception;
}

void CpuCore::require_outside_hook(const char* what) const {
    if (in_hook_) throw std::logic_error(std::string(what) + " must not be called from inside a hook");
}

HookHandle CpuCore::add_code_hook(AddressRange range, std::function<HookAction(const CodeEvent&)> hook) {
    require_outside_hook("add_code_hook");
    check_range(range, "add_code_hook");
    check_hook(hook, "add_code_hook");
    HookHandle h = hooks_.new_handle();
    hooks_.code.push_back({h, range, std::move(hook)});
    resume_.valid = false;  // a new hook sees the instruction the last run stopped before
    update_hook_flags();
    return h;
}

HookHandle CpuCore::add_memory_hook(MemoryAccessKinds kinds, AddressRange range,
                                    std::function<HookAction(const MemoryEvent&)> hook) {
    require_outside_hook("add_memory_hook");
    check_range(range, "add_memory_hook");
    if (!kinds.read && !kinds.write && !kinds.fetch)
        throw std::invalid_argument("add_memory_hook: no access kind (read, write, fetch) selected");
    HookHandle h = hooks_.new_handle();
    hooks_.memory.push_back({h, kinds, range, std::move(hook)});
    update_hook_flags();
    flush_tlb(false);  // hooked pages lose their host pointers
    return h;
}

HookHandle CpuCore::add_interrupt_hook(std::function<InterruptAction(const InterruptEvent&)> hook) {
    require_outside_hook("add_interrupt_hook");
    check_hook(hook, "add_interrupt_hook");
    HookHandle h = hooks_.new_handle();
    hooks_.interrupt.push_back({h, std::move(hook)});
    update_hook_flags();
    return h;
}

HookHandle CpuCore::add_invalid_opcode_hook(std::function<InvalidOpcodeAction(const InvalidOpcodeEvent&)> hook) {
    require_outside_hook("add_invalid_opcode_hook");
    check_hook(hook, "add_invalid_opcode_hook");
    HookHandle h = hooks_.new_handle();
    hooks_.invalid_opcode.push_back({h, std::move(hook)});
    return h;
}

HookHandle CpuCore::add_breakpoint(std::uint32_t linear) {
    require_outside_hook("add_breakpoint");
    HookHandle h = hooks_.new_handle();
    hooks_.breakpoints.push_back({h, linear});
    resume_.valid = false;
    update_hook_flags();
    return h;
}

bool CpuCore::remove_hook(HookHandle handle) {
    require_outside_hook("remove_hook");
    const bool had_data_hooks = memory_hooks_active_;
    if (!hooks_.remove(handle)) return false;
    update_hook_flags();
    if (had_data_hooks) flush_tlb(false);  // pages no hook watches any more get host pointers again
    return true;
}

void CpuCore::set_stop_on_exception(bool on) {
    hooks_.stop_on_exception = on;
    update_hook_flags();
}

// ---- stops -------------------------------------------------------------------------------------

void CpuCore::request_stop_for(StopReason why, const StopDetail& detail) {
    // The first hook's detail (hook, address, vector) is kept; a later one only adds its bit.
    // The embedder's code is kept whatever came first (the last code given wins).
    constexpr StopReason from_hooks = StopReason::Watchpoint | StopReason::Exception;
    if (!any(pending_stop_, from_hooks) && any(why, from_hooks)) {
        const std::uint32_t code = pending_stop_detail_.embedder_code;
        pending_stop_detail_ = detail;
        pending_stop_detail_.embedder_code = code;
    }
    if (why == StopReason::EmbedderStop) pending_stop_detail_.embedder_code = detail.embedder_code;
    pending_stop_ = pending_stop_ | why;
    raise_signal(kSignalHookStop);
}

void CpuCore::report_requested_stop(RunResult& result) {
    // kSignalStop is a plain request_stop() (from any thread); kSignalHookStop carries the
    // reasons and detail a hook or Cpu::stop() recorded.
    const std::uint32_t raised = read_signals();
    clear_signal(kSignalStop | kSignalHookStop);
    if (raised & kSignalStop) result.reasons = result.reasons | StopReason::StopRequested;
    if (raised & kSignalHookStop) {
        result.reasons = result.reasons | pending_stop_;
        result.stop = pending_stop_detail_;
        pending_stop_ = StopReason::None;
        pending_stop_detail_ = {};
    }
}

RunResult CpuCore::run_limited(const RunLimits& limits) {
    struct ClearLimits {  // the limits belong to this run only, also when a hook throws
        CpuCore& c;
        ~ClearLimits() {
            c.run_max_instructions_.reset();
            c.run_stop_address_.reset();
            c.update_hook_flags();
        }
    } clear{*this};
    run_max_instructions_ = limits.max_instructions;
    run_stop_address_ = limits.stop_address;
    update_hook_flags();
    // cycles + budget must not wrap: the default "no cycle limit" is the largest budget there is.
    const std::uint64_t budget = std::min(limits.cycles, ~std::uint64_t{0} - cycles);
    return run(budget, false);
}

// ---- the instruction boundary ------------------------------------------------------------------

void CpuCore::leave_boundary(CpuCore& c, const FaultFixup&) {
    c.inhibit_interrupts = false;
    c.rep_in_progress = false;
}

bool CpuCore::watched_boundary(RunResult& result) {
    // Called by the run loop before it leaves the boundary (clears the interrupt shadow, takes
    // over a paused REP): stopping here leaves the CPU exactly at it.
    if (run_max_instructions_ && instructions - run_start_instructions_ >= *run_max_instructions_) {
        result.reasons = result.reasons | StopReason::InstructionLimit;
        return false;
    }
    const std::uint32_t linear = seg[CS].base + eip;
    const bool resuming = resume_.valid && resume_.linear == linear;
    const bool code_hooks_done = resuming && resume_.code_hooks_done;
    resume_.valid = false;
    // A paused REP was reported (and could have been stopped) when its first iteration began.
    const bool continuing_rep = rep_in_progress;
    auto stop_at = [&](StopReason why, HookHandle hook, bool code_hooks_ran) {
        resume_ = {true, linear, code_hooks_ran};
        result.reasons = result.reasons | why;
        result.stop = StopDetail{};
        result.stop.hook = hook;
        result.stop.linear = linear;
        return false;
    };
    if (!resuming && !continuing_rep) {
        if (run_stop_address_ && *run_stop_address_ == linear) return stop_at(StopReason::StopAtAddress, {}, false);
        for (const HookRegistry::Breakpoint& b : hooks_.breakpoints)
            if (b.linear == linear) return stop_at(StopReason::Breakpoint, b.handle, false);
    }
    const bool hooked = !continuing_rep && (!hooks_.code.empty() || hooks_.has_fetch_hooks());
    unsigned length = 0;
    // If the instruction faults here, the landing leaves the boundary as the run loop would have
    // before faulting (a fault fix-up).
    fault_fixup = {&leave_boundary, nullptr, 0};
    if (code_watch_active_) check_instruction_breakpoint();
    // Decoded here for its length; the run loop's own fetch_decoded() then hits the cache
    // (an uncacheable instruction, one crossing a page, is decoded twice).
    if (hooked) length = fetch_decoded().length;
    fault_fixup = {};
    if (!hooked) return true;
    if (!code_hooks_done) {
        HookHandle stopped_by{};
        const CodeEvent event{linear, eip, length};
        for (const HookRegistry::Code& h : hooks_.code) {
            if (!h.range.contains(linear)) continue;
            InHook in(in_hook_);
            if (h.hook(event) == HookAction::Stop && !stopped_by.valid()) stopped_by = h.handle;
        }
        if (stopped_by.valid()) return stop_at(StopReason::Breakpoint, stopped_by, true);
    }
    for (const HookRegistry::Memory& h : hooks_.memory) {
        if (!h.kinds.fetch || !h.range.overlaps(linear, length)) continue;
        const MemoryEvent event{MemoryAccessKind::Fetch, linear, physical_for(linear, false, user_), length, 0};
        InHook in(in_hook_);
        if (!h.hook || h.hook(event) == HookAction::Stop) {
            StopDetail d;
            d.hook = h.handle;
            d.linear = linear;
            request_stop_for(StopReason::Watchpoint, d);
        }
    }
    return true;
}

// ---- memory, interrupts, #UD -------------------------------------------------------------------

void CpuCore::access_watched(MemoryAccessKind kind, std::uint32_t linear, unsigned size, std::uint64_t value,
                             unsigned user) {
    if (data_watch_active_) check_data_breakpoint(linear, size, kind == MemoryAccessKind::Write);
    if (memory_hooks_active_) memory_accessed(kind, linear, size, value, user);
}

void CpuCore::memory_accessed(MemoryAccessKind kind, std::uint32_t linear, unsigned size, std::uint64_t value,
                              unsigned user) {
    const bool write = kind == MemoryAccessKind::Write;
    std::uint32_t physical = 0;
    bool translated = false;
    for (const HookRegistry::Memory& h : hooks_.memory) {
        if (!h.kinds.includes(kind) || !h.range.overlaps(linear, size)) continue;
        if (!translated) {  // the access just went through this translation: a TLB hit
            physical = physical_for(linear, write, user);
            translated = true;
        }
        const MemoryEvent event{kind, linear, physical, size, value};
        InHook in(in_hook_);
        if (!h.hook || h.hook(event) == HookAction::Stop) {
            StopDetail d;
            d.hook = h.handle;
            d.linear = linear;
            request_stop_for(StopReason::Watchpoint, d);
        }
    }
}

bool CpuCore::interrupt_allowed(std::uint8_t vector, InterruptKind kind, bool has_error_code,
                                std::uint32_t error_code, std::uint32_t return_eip) {
    const InterruptEvent event{vector, kind, has_error_code, error_code, return_eip};
    HookHandle stopped_by{};
    bool stop = hooks_.stop_on_exception && kind == InterruptKind::Exception;
    bool suppressed = false;
    for (const HookRegistry::Interrupt& h : hooks_.interrupt) {
        InterruptAction action;
        {
            InHook in(in_hook_);
            action = h.hook(event);
        }
        if (action == InterruptAction::Stop && !stopped_by.valid()) {
            stopped_by = h.handle;
            stop = true;
        }
        if (action == InterruptAction::Suppress) {
            suppressed = true;
            break;
        }
    }
    if (stop) {
        StopDetail d;
        d.hook = stopped_by;
        d.vector = vector;
        d.has_error_code = has_error_code;
        d.error_code = error_code;
        request_stop_for(StopReason::Exception, d);
    }
    return !suppressed;
}

bool CpuCore::invalid_opcode_handled() {
    InvalidOpcodeEvent event;
    event.linear = seg[CS].base + eip;
    event.eip = eip;
    // The bytes as far as they can be read without side effects: inside CS, on present pages.
    const std::uint64_t in_segment =
        traits.is8086 ? 15u : eip > seg[CS].limit ? 0u : std::min<std::uint64_t>(15u, std::uint64_t{seg[CS].limit} - eip + 1);
    for (std::uint32_t k = 0; k < in_segment; ++k) {
        auto phys = peek_physical(event.linear + k, false, 0, false);
        if (!phys) break;
        event.bytes.push_back(bus.read8(*phys));
    }
    for (const HookRegistry::InvalidOpcode& h : hooks_.invalid_opcode) {
        InvalidOpcodeAction action;
        {
            InHook in(in_hook_);
            action = h.hook(event);
        }
        switch (action.kind) {
        case InvalidOpcodeAction::Kind::Deliver: continue;
        case InvalidOpcodeAction::Kind::Skip:
            if (action.length < 1 || action.length > 15)
                throw std::invalid_argument("InvalidOpcodeAction::skip: the length must be 1 to 15, got " +
                                            std::to_string(action.length));
            eip = next_eip = (eip + action.length) & ip_mask();
            return true;
        case InvalidOpcodeAction::Kind::Stop: {
            StopDetail d;
            d.hook = h.handle;
            d.linear = event.linear;
            d.vector = static_cast<std::uint8_t>(Vector::UD);
            request_stop_for(StopReason::Exception, d);
            next_eip = eip;
            return true;
        }
        }
    }
    return false;
}

// ---- translation and guest memory --------------------------------------------------------------

std::optional<std::uint32_t> CpuCore::peek_physical(std::uint32_t linear, bool write, unsigned user,
                                                    bool check_rights) const {
    if (!paging()) return linear & traits.address_mask;
    const PageLookup w = look_up_page(linear, write, user, check_rights);
    if (w.faults) return std::nullopt;
    return ((w.physical_page << 12) | (linear & 0xFFF)) & traits.address_mask;
}

std::optional<std::uint32_t> CpuCore::translate(std::uint32_t linear, Access access,
                                                std::optional<unsigned> privilege) const {
    if (privilege && *privilege > 3)
        throw std::invalid_argument("translate: " + std::to_string(*privilege) + " is not a privilege level (0-3)");
    const unsigned level = privilege ? *privilege : cpl;
    return peek_physical(linear, access == Access::Write, level == 3 ? 1u : 0u, true);
}

bool CpuCore::read_virtual(std::uint32_t linear, std::span<std::uint8_t> bytes) const {
    // Every page is checked before any byte moves, so a failure has no effect (reads of device
    // registers included).
    for (std::size_t done = 0; done < bytes.size();) {
        const std::uint32_t at = linear + static_cast<std::uint32_t>(done);
        if (!peek_physical(at, false, 0, false)) return false;
        done += 0x1000 - (at & 0xFFF);
    }
    for (std::size_t k = 0; k < bytes.size(); ++k)
        bytes[k] = bus.read8(*peek_physical(linear + static_cast<std::uint32_t>(k), false, 0, false));
    return true;
}

bool CpuCore::write_virtual(std::uint32_t linear, std::span<const std::uint8_t> bytes) {
    require_outside_hook("write_virtual");
    for (std::size_t done = 0; done < bytes.size();) {
        const std::uint32_t at = linear + static_cast<std::uint32_t>(done);
        if (!peek_physical(at, true, 0, false)) return false;
        done += 0x1000 - (at & 0xFFF);
    }
    // write_physical8 forgets decoded instructions of the pages it writes.
    for (std::size_t k = 0; k < bytes.size(); ++k)
        write_physical(*peek_physical(linear + static_cast<std::uint32_t>(k), true, 0, false), 1, bytes[k]);
    return true;
}

// ---- registers ---------------------------------------------------------------------------------

namespace {
constexpr unsigned index_in(Register r, Register first) {
    return static_cast<unsigned>(r) - static_cast<unsigned>(first);
}
bool in(Register r, Register first, Register last) {
    return static_cast<unsigned>(r) >= static_cast<unsigned>(first) &&
           static_cast<unsigned>(r) <= static_cast<unsigned>(last);
}
}  // namespace

std::uint32_t CpuCore::register_value(Register r) {
    if (in(r, Register::EAX, Register::EDI)) return gpr[index_in(r, Register::EAX)];
    if (in(r, Register::AX, Register::DI)) return reg<std::uint16_t>(index_in(r, Register::AX));
    // AL..BH in the ModRM order: AL CL DL BL are bytes 0 of EAX..EBX, AH CH DH BH bytes 1.
    if (in(r, Register::AL, Register::BH)) return reg<std::uint8_t>(index_in(r, Register::AL));
    if (in(r, Register::ES, Register::GS)) return seg[index_in(r, Register::ES)].selector;
    if (in(r, Register::DR0, Register::DR7)) return dr[index_in(r, Register::DR0)];
    switch (r) {
    case Register::EIP: return eip;
    case Register::EFLAGS: return get_flags();
    case Register::CR0: return cr0;
    case Register::CR2: return cr2;
    case Register::CR3: return cr3;
    case Register::CR4: return cr4;
    default: break;
    }
    throw std::invalid_argument("reg: unknown register " + std::to_string(static_cast<unsigned>(r)));
}

void CpuCore::set_register(Register r, std::uint32_t value) {
    if (in(r, Register::EAX, Register::EDI)) {
        gpr[index_in(r, Register::EAX)] = value;
        return;
    }
    if (in(r, Register::AX, Register::DI)) {
        set_reg<std::uint16_t>(index_in(r, Register::AX), static_cast<std::uint16_t>(value));
        return;
    }
    if (in(r, Register::AL, Register::BH)) {
        set_reg<std::uint8_t>(index_in(r, Register::AL), static_cast<std::uint8_t>(value));
        return;
    }
    if (static_cast<unsigned>(r) > static_cast<unsigned>(Register::DR7))
        throw std::invalid_argument("set_reg: unknown register " + std::to_string(static_cast<unsigned>(r)));
    require_outside_hook("set_reg of a register other than EAX..EDI and their views");
    if (in(r, Register::ES, Register::GS)) {
        const unsigned s = index_in(r, Register::ES);
        if (!protected_mode()) load_segment_real(s, static_cast<std::uint16_t>(value));
        else seg[s].selector = static_cast<std::uint16_t>(value);  // raw: the cache stays
        fetch_page_ = 0xFFFFFFFF;
        return;
    }
    if (in(r, Register::DR0, Register::DR7)) {
        dr[index_in(r, Register::DR0)] = value;
        debug_registers_changed();
        return;
    }
    switch (r) {
    case Register::EIP:
        eip = next_eip = value;
        rep_in_progress = false;
        return;
    case Register::EFLAGS: {
        const bool was_v86 = v86();
        set_flags(value | 0x2u);
        if (v86() != was_v86) mode_changed();
        return;
    }
    case Register::CR0:
        cr0 = value;
        mode_changed();
        flush_tlb(false);
        return;
    case Register::CR2: cr2 = value; return;
    case Register::CR3:
        cr3 = value;
        flush_tlb(false);
        return;
    case Register::CR4:
        cr4 = value;
        flush_tlb(false);
        return;
    default: break;
    }
}

}  // namespace x86emu
