// x86emu unit tests — issues the libFuzzer harness (tests/fuzz, docs/FUZZING.md) found, each
// reproduced through the public API in the plain build. A test names the harness's symptom.
#include <doctest/doctest.h>

#include "emu_test_support.hpp"
#include "x86emu/hooks.hpp"

using namespace x86emu;
using namespace x86emu_test;

// Symptom: a run split by a snapshot differed from the unsplit run. A hook called request_stop()
// during step(); step() returned without reporting it and the request stayed pending, so the
// next run() returned before its first instruction (a fresh Cpu given the same state did not).
TEST_CASE("fuzz finding: a stop requested during step() is reported by that step and not left pending") {
    for (bool fault : {false, true}) {
        CAPTURE(fault);
        Machine m(CpuModel::i80386);
        m.load({0xE6, 0x80, 0x90, 0x90, 0xF4});  // out 80h, al ; nop ; nop ; hlt
        m.cpu.set_intercepts({.port_out = [&](const PortOutEvent&) {
            m.cpu.request_stop();
            return fault ? Intercept::fault(13, 0) : Intercept::run();
        }});
        RunResult r = m.cpu.step();
        CHECK(any(r.reasons, StopReason::Stepped));
        CHECK(any(r.reasons, StopReason::StopRequested));
        // The next run starts at once: the two NOPs and the HLT, or the #GP handler's HLT.
        r = m.cpu.run(1'000'000);
        CHECK_FALSE(any(r.reasons, StopReason::StopRequested));
        CHECK(any(r.reasons, StopReason::Halted));
        CHECK(r.instructions == (fault ? 1u : 3u));
        CpuState s = m.cpu.state();
        if (fault) {
            CHECK(s.seg[CS].selector == kHandlerSeg);
            CHECK(s.eip == handler_ip(13) + 1u);
        } else {
            CHECK(s.eip == kCodeIp + 5u);
        }
    }
}
