// x86emu unit tests — the interception hooks (x86emu/hooks.hpp, Cpu::set_intercepts): for CPUID,
// RDTSC, RDMSR, WRMSR, IN/OUT/INS/OUTS, HLT and MOV to CRn, that Run behaves as without a hook,
// Result supplies the instruction's values, Skip completes it without effect, Fault delivers the
// chosen exception with the instruction's own EIP saved (and its error code in protected mode),
// each hook sees the instruction's operands, and the instruction's privilege checks come before
// the hook (the hook is never asked about what the guest may not do). P5 model throughout.
#include <doctest/doctest.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "protected_test_support.hpp"
#include "x86emu/hooks.hpp"

using namespace x86emu;
using x86emu_test::kCodeIp;
using x86emu_test::Machine;
using x86emu_test::ProtectedMachine;

namespace {

constexpr std::uint8_t kGP = 13, kUD = 6;

// Real-mode P5 machine state with the given general registers.
CpuState state_with(std::uint32_t eax, std::uint32_t ecx = 0, std::uint32_t edx = 0) {
    CpuState s = Machine::base_state();
    s.gpr[EAX] = eax;
    s.gpr[ECX] = ecx;
    s.gpr[EDX] = edx;
    return s;
}

// The real-mode interrupt frame of a fault: the saved IP is the faulting instruction's.
std::uint16_t saved_ip(const Machine& m) { return m.bus.word(m.stack_phys(x86emu_test::kStackTop - 6)); }

// A bus that records port writes and answers every port read with a fixed pattern.
struct PortLogBus final : Bus {
    x86emu_test::RamBus ram;
    struct Write {
        std::uint16_t port;
        unsigned size;
        std::uint32_t value;
    };
    std::vector<Write> writes;
    unsigned reads = 0;
    std::uint8_t read8(std::uint32_t a) override { return ram.read8(a); }
    void write8(std::uint32_t a, std::uint8_t v) override { ram.write8(a, v); }
    std::uint32_t io_read(std::uint16_t, unsigned size) override {
        ++reads;
        return 0xA1B2C3D4u & (size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1);
    }
    void io_write(std::uint16_t port, unsigned size, std::uint32_t value) override {
        writes.push_back({port, size, value});
    }
};
struct PortMachine {
    PortLogBus bus;
    Cpu cpu{CpuModel::p5, bus};
    // One instruction: a REP string instruction takes one step() per iteration.
    CpuState run_one(const std::vector<std::uint8_t>& code, const CpuState& state) {
        for (std::size_t k = 0; k < code.size(); ++k) bus.ram.mem[x86emu_test::kCodePhys + k] = code[k];
        cpu.invalidate_code(x86emu_test::kCodePhys, static_cast<std::uint32_t>(code.size() + 16));
        cpu.set_state(state);
        while (any(cpu.step().reasons, StopReason::RepInProgress)) {
        }
        return cpu.state();
    }
};

}  // namespace

TEST_CASE("Intercept CPUID: operands, Run, Result, Skip, Fault") {
    const std::vector<std::uint8_t> cpuid = {0x0F, 0xA2};
    Machine plain(CpuModel::p5);
    const CpuState expected = plain.run_one(cpuid, state_with(1, 7));

    Machine m(CpuModel::p5);
    CpuidEvent seen{};
    Intercept decision = Intercept::run();
    unsigned calls = 0;
    m.cpu.set_intercepts({.cpuid = [&](const CpuidEvent& e) {
        seen = e;
        ++calls;
        return decision;
    }});

    SUBCASE("Run: as without the hook; the hook sees leaf (EAX) and subleaf (ECX)") {
        CpuState s = m.run_one(cpuid, state_with(1, 7));
        CHECK(calls == 1);
        CHECK(seen.leaf == 1);
        CHECK(seen.subleaf == 7);
        for (unsigned r : {EAX, EBX, ECX, EDX}) CHECK(s.gpr[r] == expected.gpr[r]);
        CHECK(s.eip == expected.eip);
    }
    SUBCASE("Result: the four registers the embedder supplies") {
        decision = Intercept::result(CpuidResult{0x11, 0x22, 0x33, 0x44});
        CpuState s = m.run_one(cpuid, state_with(0));
        CHECK(s.gpr[EAX] == 0x11);
        CHECK(s.gpr[EBX] == 0x22);
        CHECK(s.gpr[ECX] == 0x33);
        CHECK(s.gpr[EDX] == 0x44);
        CHECK(s.eip == kCodeIp + 2);
    }
    SUBCASE("Skip: registers unchanged, the instruction completes") {
        decision = Intercept::skip();
        CpuState s = m.run_one(cpuid, state_with(1, 7, 9));
        CHECK(s.gpr[EAX] == 1);
        CHECK(s.gpr[ECX] == 7);
        CHECK(s.gpr[EDX] == 9);
        CHECK(s.eip == kCodeIp + 2);
    }
    SUBCASE("Fault: the chosen vector with the instruction's own IP saved") {
        decision = Intercept::fault(kUD);
        CpuState s = m.run_one(cpuid, state_with(1));
        CHECK(Machine::at_vector(s, kUD));
        CHECK(saved_ip(m) == kCodeIp);
        CHECK(s.gpr[EAX] == 1);
    }
}

TEST_CASE("Intercept RDTSC: Run, Result, Fault") {
    const std::vector<std::uint8_t> rdtsc = {0x0F, 0x31};
    Machine plain(CpuModel::p5);
    const CpuState expected = plain.run_one(rdtsc, state_with(0));

    Machine m(CpuModel::p5);
    Intercept decision = Intercept::run();
    unsigned calls = 0;
    m.cpu.set_intercepts({.rdtsc = [&](const RdtscEvent&) {
        ++calls;
        return decision;
    }});
    SUBCASE("Run") {
        CpuState s = m.run_one(rdtsc, state_with(0));
        CHECK(calls == 1);
        CHECK(s.gpr[EAX] == expected.gpr[EAX]);
        CHECK(s.gpr[EDX] == expected.gpr[EDX]);
    }
    SUBCASE("Result: EDX:EAX") {
        decision = Intercept::result(0x0123456789ABCDEFull);
        CpuState s = m.run_one(rdtsc, state_with(0));
        CHECK(s.gpr[EAX] == 0x89ABCDEFu);
        CHECK(s.gpr[EDX] == 0x01234567u);
    }
    SUBCASE("Fault") {
        decision = Intercept::fault(kGP, 0);
        CpuState s = m.run_one(rdtsc, state_with(0x55));
        CHECK(Machine::at_vector(s, kGP));
        CHECK(saved_ip(m) == kCodeIp);
        CHECK(s.gpr[EAX] == 0x55);
    }
}

TEST_CASE("Intercept RDMSR: index, an MSR the model lacks, Run keeps the model's #GP") {
    const std::vector<std::uint8_t> rdmsr = {0x0F, 0x32};
    Machine m(CpuModel::p5);
    MsrReadEvent seen{};
    Intercept decision = Intercept::run();
    m.cpu.set_intercepts({.msr_read = [&](const MsrReadEvent& e) {
        seen = e;
        return decision;
    }});
    SUBCASE("Result supplies an MSR the P5 model does not implement") {
        decision = Intercept::result(0xFEE00900ull | (0x5ull << 32));
        CpuState s = m.run_one(rdmsr, state_with(0, 0x1B));
        CHECK(seen.index == 0x1B);
        CHECK_FALSE(Machine::at_vector(s, kGP));
        CHECK(s.gpr[EAX] == 0xFEE00900u);
        CHECK(s.gpr[EDX] == 5);
    }
    SUBCASE("Run: the unknown MSR still raises #GP (the interpreter is the safety net)") {
        CpuState s = m.run_one(rdmsr, state_with(0, 0x1B));
        CHECK(Machine::at_vector(s, kGP));
        CHECK(saved_ip(m) == kCodeIp);
    }
    SUBCASE("Run: a known MSR reads as without the hook") {
        CpuState s = m.run_one(rdmsr, state_with(0xDEAD, 0x00, 0xBEEF));  // P5_MC_ADDR reads 0
        CHECK(s.gpr[EAX] == 0);
        CHECK(s.gpr[EDX] == 0);
    }
    SUBCASE("Skip leaves EDX:EAX") {
        decision = Intercept::skip();
        CpuState s = m.run_one(rdmsr, state_with(0xDEAD, 0x1B, 0xBEEF));
        CHECK(s.gpr[EAX] == 0xDEAD);
        CHECK(s.gpr[EDX] == 0xBEEF);
        CHECK(s.eip == kCodeIp + 2);
    }
}

TEST_CASE("Intercept WRMSR: index and value; Skip leaves the TSC alone") {
    // WRMSR TSC := EDX:EAX, then RDTSC.
    const std::vector<std::uint8_t> code = {0x0F, 0x30, 0x0F, 0x31};
    Machine m(CpuModel::p5);
    MsrWriteEvent seen{};
    Intercept decision = Intercept::run();
    m.cpu.set_intercepts({.msr_write = [&](const MsrWriteEvent& e) {
        seen = e;
        return decision;
    }});
    m.load(code);
    m.cpu.set_state(state_with(0, 0x10, 0x12345678));
    SUBCASE("Run writes the TSC") {
        m.cpu.step();
        m.cpu.step();
        CHECK(seen.index == 0x10);
        CHECK(seen.value == 0x1234567800000000ull);
        CHECK(m.cpu.state().gpr[EDX] == 0x12345678u);
    }
    SUBCASE("Skip: the TSC keeps counting from where it was") {
        decision = Intercept::skip();
        m.cpu.step();
        m.cpu.step();
        CHECK(m.cpu.state().gpr[EDX] == 0);
        CHECK(m.cpu.state().gpr[EAX] < 1000);
    }
}

TEST_CASE("Intercept IN: port and size; Result lands in AL/AX/EAX; Skip leaves the register") {
    PortMachine m;
    PortInEvent seen{};
    Intercept decision = Intercept::run();
    m.cpu.set_intercepts({.port_in = [&](const PortInEvent& e) {
        seen = e;
        return decision;
    }});
    SUBCASE("Run reads the Bus") {
        CpuState s = m.run_one({0xE4, 0x60}, state_with(0xFFFFFF00u));  // IN AL,60h
        CHECK(seen.port == 0x60);
        CHECK(seen.size == 1);
        CHECK(m.bus.reads == 1);
        CHECK(s.gpr[EAX] == 0xFFFFFFD4u);
    }
    SUBCASE("Result: AL, AX, EAX; the Bus is not asked") {
        decision = Intercept::result(0x99887766u);
        CpuState s = m.run_one({0xEC}, state_with(0x11111111u, 0, 0x3F8));  // IN AL,DX
        CHECK(seen.port == 0x3F8);
        CHECK(s.gpr[EAX] == 0x11111166u);
        s = m.run_one({0xED}, state_with(0x11111111u, 0, 0x3F8));  // IN AX,DX
        CHECK(seen.size == 2);
        CHECK(s.gpr[EAX] == 0x11117766u);
        s = m.run_one({0x66, 0xED}, state_with(0x11111111u, 0, 0xCFC));  // IN EAX,DX
        CHECK(seen.port == 0xCFC);
        CHECK(seen.size == 4);
        CHECK(s.gpr[EAX] == 0x99887766u);
        CHECK(m.bus.reads == 0);
    }
    SUBCASE("Skip") {
        decision = Intercept::skip();
        CpuState s = m.run_one({0xE4, 0x60}, state_with(0x12345678u));
        CHECK(s.gpr[EAX] == 0x12345678u);
        CHECK(m.bus.reads == 0);
        CHECK(s.eip == kCodeIp + 2);
    }
    SUBCASE("REP INSB with Result stores the supplied bytes at ES:DI") {
        decision = Intercept::result(0x5A);
        CpuState st = state_with(0, 3, 0x80);
        st.gpr[EDI] = 0x10;
        CpuState s = m.run_one({0xF3, 0x6C}, st);
        CHECK(s.gpr[ECX] == 0);
        CHECK(s.gpr[EDI] == 0x13);
        const std::uint32_t es = std::uint32_t{x86emu_test::kExtraSeg} << 4;
        for (unsigned k = 0; k < 3; ++k) CHECK(m.bus.ram.mem[es + 0x10 + k] == 0x5A);
        CHECK(m.bus.reads == 0);
    }
}

TEST_CASE("Intercept IN: Fault") {
    Machine m(CpuModel::p5);
    m.cpu.set_intercepts({.port_in = [](const PortInEvent&) { return Intercept::fault(kGP, 0); }});
    CpuState s = m.run_one({0xE4, 0x60}, state_with(0x1234));
    CHECK(Machine::at_vector(s, kGP));
    CHECK(saved_ip(m) == kCodeIp);
    CHECK(s.gpr[EAX] == 0x1234);
}

TEST_CASE("Intercept OUT: port, size, value; Skip never reaches the Bus") {
    PortMachine m;
    std::vector<PortOutEvent> seen;
    Intercept decision = Intercept::run();
    m.cpu.set_intercepts({.port_out = [&](const PortOutEvent& e) {
        seen.push_back(e);
        return decision;
    }});
    SUBCASE("Run") {
        m.run_one({0x66, 0xEF}, state_with(0xCAFEF00Du, 0, 0xCF8));  // OUT DX,EAX
        REQUIRE(seen.size() == 1);
        CHECK(seen[0].port == 0xCF8);
        CHECK(seen[0].size == 4);
        CHECK(seen[0].value == 0xCAFEF00Du);
        REQUIRE(m.bus.writes.size() == 1);
        CHECK(m.bus.writes[0].value == 0xCAFEF00Du);
    }
    SUBCASE("Skip: OUT and REP OUTSB complete without a Bus write") {
        decision = Intercept::skip();
        CpuState s = m.run_one({0xE6, 0x80}, state_with(0x42));  // OUT 80h,AL
        CHECK(s.eip == kCodeIp + 2);
        REQUIRE(seen.size() == 1);
        CHECK(seen[0].port == 0x80);
        CHECK(seen[0].size == 1);
        CHECK(seen[0].value == 0x42);
        const std::uint32_t ds = std::uint32_t{x86emu_test::kDataSeg} << 4;
        m.bus.ram.mem[ds + 0x20] = 'o';
        m.bus.ram.mem[ds + 0x21] = 'k';
        CpuState st = state_with(0, 2, 0xE9);
        st.gpr[ESI] = 0x20;
        s = m.run_one({0xF3, 0x6E}, st);  // REP OUTSB
        CHECK(s.gpr[ECX] == 0);
        CHECK(s.gpr[ESI] == 0x22);
        REQUIRE(seen.size() == 3);
        CHECK(seen[1].value == 'o');
        CHECK(seen[2].value == 'k');
        CHECK(seen[2].port == 0xE9);
        CHECK(m.bus.writes.empty());
    }
}

TEST_CASE("Intercept HLT: Skip does not halt, Run halts, Fault") {
    Machine m(CpuModel::p5);
    Intercept decision = Intercept::run();
    unsigned calls = 0;
    m.cpu.set_intercepts({.hlt = [&](const HltEvent&) {
        ++calls;
        return decision;
    }});
    SUBCASE("Run") {
        m.run_one({0xF4}, Machine::base_state());
        CHECK(calls == 1);
        CHECK(m.cpu.halted());
    }
    SUBCASE("Skip") {
        decision = Intercept::skip();
        CpuState s = m.run_one({0xF4}, Machine::base_state());
        CHECK_FALSE(m.cpu.halted());
        CHECK(s.eip == kCodeIp + 1);
    }
    SUBCASE("Fault") {
        decision = Intercept::fault(kUD);
        CpuState s = m.run_one({0xF4}, Machine::base_state());
        CHECK(Machine::at_vector(s, kUD));
        CHECK(saved_ip(m) == kCodeIp);
        CHECK_FALSE(m.cpu.halted());
    }
}

TEST_CASE("Intercept MOV to CRn: register and value; Skip keeps CR0; Run keeps the value checks") {
    Machine m(CpuModel::p5);
    CrWriteEvent seen{};
    Intercept decision = Intercept::run();
    unsigned calls = 0;
    m.cpu.set_intercepts({.cr_write = [&](const CrWriteEvent& e) {
        seen = e;
        ++calls;
        return decision;
    }});
    const std::vector<std::uint8_t> mov_cr0_eax = {0x0F, 0x22, 0xC0};
    const std::uint32_t cr0_before = Machine::base_state().cr0;
    SUBCASE("Run sets CR0.MP") {
        CpuState s = m.run_one(mov_cr0_eax, state_with(cr0_before | 0x2));
        CHECK(seen.cr == 0);
        CHECK(seen.value == (cr0_before | 0x2));
        CHECK((s.cr0 & 0x2) != 0);
    }
    SUBCASE("Skip: CR0 unchanged") {
        decision = Intercept::skip();
        CpuState s = m.run_one(mov_cr0_eax, state_with(cr0_before | 0x2));
        CHECK(s.cr0 == cr0_before);
        CHECK(s.eip == kCodeIp + 3);
    }
    SUBCASE("Run: PG without PE is still #GP(0)") {
        CpuState s = m.run_one(mov_cr0_eax, state_with(0x80000000u));
        CHECK(calls == 1);
        CHECK(Machine::at_vector(s, kGP));
    }
    SUBCASE("MOV CR4: the register number; a missing register (CR5) is #UD without asking") {
        decision = Intercept::skip();
        m.run_one({0x0F, 0x22, 0xE0}, state_with(0x10));  // MOV CR4,EAX
        CHECK(seen.cr == 4);
        CHECK(seen.value == 0x10);
        CHECK(m.cpu.state().cr4 == 0);
        calls = 0;
        CpuState s = m.run_one({0x0F, 0x22, 0xE8}, state_with(0));  // MOV CR5,EAX
        CHECK(Machine::at_vector(s, kUD));
        CHECK(calls == 0);
    }
}

TEST_CASE("Intercept: Fault with an error code in protected mode; privilege checks come first") {
    ProtectedMachine m(CpuModel::p5);
    unsigned calls = 0;
    InterceptHandlers hooks;
    hooks.msr_read = [&](const MsrReadEvent&) {
        ++calls;
        return Intercept::fault(kGP, 0x1230);
    };
    hooks.port_in = [&](const PortInEvent&) {
        ++calls;
        return Intercept::skip();
    };
    m.cpu.set_intercepts(std::move(hooks));
    SUBCASE("CPL 0: the hook's #GP with its error code, EIP of RDMSR saved") {
        m.start({0x0F, 0x32, 0xF4}, 0);
        CHECK(m.run_to_halt() == kGP);
        CHECK(calls == 1);
        CHECK(m.frame(0) == 0x1230);
        CHECK(m.frame(1) == x86emu_test::kCode);
    }
    SUBCASE("CPL 3 RDMSR: #GP(0) from the CPU, the hook is never asked") {
        m.start({0x0F, 0x32, 0xF4}, 3);
        CHECK(m.run_to_halt() == kGP);
        CHECK(calls == 0);
        CHECK(m.frame(0) == 0);
    }
    SUBCASE("CPL 3 IN with IOPL 0 and no I/O bitmap: #GP(0), the hook is never asked") {
        m.start({0xE4, 0x60, 0xF4}, 3);
        CHECK(m.run_to_halt() == kGP);
        CHECK(calls == 0);
    }
}

TEST_CASE("Intercept: a hook may request a stop; removing the hooks restores plain execution") {
    Machine m(CpuModel::p5);
    m.load({0x0F, 0xA2, 0x0F, 0xA2, 0xF4});
    m.cpu.set_state(state_with(0));
    unsigned calls = 0;
    m.cpu.set_intercepts({.cpuid = [&](const CpuidEvent&) {
        ++calls;
        m.cpu.request_stop();
        return Intercept::run();
    }});
    RunResult r = m.cpu.run(1'000'000);
    CHECK(any(r.reasons, StopReason::StopRequested));
    CHECK(r.instructions == 1);
    CHECK(calls == 1);
    m.cpu.set_intercepts({});
    r = m.cpu.run(1'000'000);
    CHECK(any(r.reasons, StopReason::Halted));
    CHECK(calls == 1);
}
