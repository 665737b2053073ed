// x86emu — how an instruction handler consults the embedder's interception hooks
// (x86emu/hooks.hpp). A handler calls ask_intercept() after its own privilege checks and before
// its effect, only when the hook is set (the caller's test keeps the unhooked path to one
// branch). A Fault decision is raised here (raise_fault), so it travels like any fault the
// handler itself raises: delivered at the instruction boundary with the instruction's own EIP
// saved, nothing committed. The hook is embedder code: it runs with the jump point disarmed.
#pragma once
#include <functional>

#include "core/exec/common.hpp"
#include "x86emu/hooks.hpp"

namespace x86emu::exec {

// Asks `hook` about `event`; returns Run, Result or Skip, raises the fault for Fault.
template <class Event>
inline Intercept ask_intercept(const std::function<Intercept(const Event&)>& hook, const Event& event) {
    const Intercept decision = call_embedder([&] { return hook(event); });
    if (decision.kind == Intercept::Kind::Fault)
        raise_fault(CpuFault{static_cast<Vector>(decision.vector), decision.has_error_code, decision.error_code});
    return decision;
}

// IN and INS: reads port `port` through the hook if there is one. Returns false when the
// decision was Skip (the destination must stay as it was); otherwise `value` holds what the
// port (Run) or the embedder (Result) supplied.
template <class T> inline bool intercepted_port_in(CpuCore& c, std::uint16_t port, T& value) {
    if (c.intercepts.port_in) {
        Intercept d = ask_intercept(c.intercepts.port_in, PortInEvent{port, sizeof(T)});
        if (d.kind == Intercept::Kind::Skip) return false;
        if (d.kind == Intercept::Kind::Result) {
            value = static_cast<T>(d.value);
            return true;
        }
    }
    value = c.io_in<T>(port);
    return true;
}

// OUT and OUTS: writes `value` to the port unless the hook says Skip (or Result, which for an
// output means the same: the embedder has dealt with it).
template <class T> inline void intercepted_port_out(CpuCore& c, std::uint16_t port, T value) {
    if (c.intercepts.port_out) {
        Intercept d = ask_intercept(c.intercepts.port_out, PortOutEvent{port, sizeof(T), value});
        if (d.kind != Intercept::Kind::Run) return;
    }
    c.io_out<T>(port, value);
}

}  // namespace x86emu::exec
