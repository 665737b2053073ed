// x86emu unit tests — the Pentium (P5) model: its new instructions (CPUID, RDTSC, RDMSR, WRMSR,
// CMPXCHG8B, MOV to/from CR4) and their #UD on the older models, RSM's #UD, CPUID data (built in
// and from a user's JSON file, and the errors for bad files), the TSC, the MSR set, CR4's
// writable and reserved bits, 4 MiB pages (CR4.PSE), global pages across MOV CR3 (the TLB side,
// reached through set_state: CR4.PGE is reserved on the P5), and EFLAGS.ID.
// Intel SDM vol. 2 under each mnemonic; vol. 3 §2.5 (CR4), §4.3 (4 MiB pages), §4.10.4 (global
// pages); Pentium Processor Family Developer's Manual vol. 3 (CPUID, MSRs, TSC).
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "protected_test_support.hpp"
#include "x86emu/cpuid.hpp"

using namespace x86emu;
using x86emu_test::Machine;
using x86emu_test::ProtectedMachine;
using x86emu_test::kCodeIp;

namespace {

struct NewOpcode {
    const char* name;
    std::vector<std::uint8_t> bytes;
};
// Each in a form that executes without fault on the P5 in real mode (CPL 0); base_state() has
// ECX = 0, so RDMSR reads P5_MC_ADDR, and the WRMSR case loads ECX with 10h (the TSC) first.
const NewOpcode kNewOpcodes[] = {
    {"CPUID", {0x0F, 0xA2}},
    {"RDTSC", {0x0F, 0x31}},
    {"RDMSR", {0x0F, 0x32}},
    {"CMPXCHG8B [BX]", {0x0F, 0xC7, 0x0F}},
    {"MOV EAX,CR4", {0x0F, 0x20, 0xE0}},
    {"MOV CR4,EAX", {0x0F, 0x22, 0xE0}},
};

constexpr std::uint32_t kCr4TSD = 1u << 2, kCr4PSE = 1u << 4, kCr4MCE = 1u << 6, kCr4PGE = 1u << 7;
constexpr std::uint32_t kEflagsID = 1u << 21;

// Identity-maps the first 4 MiB with user-writable 4 KiB pages (the fixture's page slots).
void identity_paging(ProtectedMachine& m) {
    m.put32(x86emu_test::kPageDir, x86emu_test::kPageTable | 0x7);
    for (std::uint32_t p = 0; p < 1024; ++p) m.put32(x86emu_test::kPageTable + 4 * p, (p << 12) | 0x7);
}

// Enters protected mode at `cpl` with `code`, then loads CR4 (and optionally paging) as an
// embedder would through set_state, and runs to the first HLT; returns the vector or -1.
int run_with_cr4(ProtectedMachine& m, const std::vector<std::uint8_t>& code, unsigned cpl, std::uint32_t cr4,
                 bool paging = false) {
    if (paging) identity_paging(m);
    m.start(code, cpl, 0, paging ? 0x80000000u : 0u, paging ? x86emu_test::kPageDir : 0u);
    CpuState s = m.cpu.state();
    s.cr4 = cr4;
    m.cpu.set_state(s);
    return m.run_to_halt();
}

std::filesystem::path write_temp(const std::string& name, const std::string& text) {
    std::filesystem::path p = std::filesystem::temp_directory_path() / ("x86emu_test_" + name);
    std::ofstream(p, std::ios::binary) << text;
    return p;
}

// The error message of parsing `json` (empty if it parsed).
std::string parse_error(const std::string& json) {
    try {
        (void)parse_cpuid_json(json, "test.json");
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return {};
}

const std::string kMinimalJson = R"({"vendor": "GenuineIntel", "max_leaf": 1, "type": 0, "family": 5,
                                     "model": 2, "stepping": 12, "leaf1_edx": [], "leaf1_ecx": []})";

}  // namespace

TEST_CASE("P5 opcodes: #UD on the 80286, 80386 and 486, executed on the P5") {
    for (const NewOpcode& op : kNewOpcodes) {
        CAPTURE(op.name);
        x86emu_test::check_added_opcode(op.bytes, {CpuModel::i80286, CpuModel::i80386, CpuModel::i80486},
                                        CpuModel::p5);
    }
    SUBCASE("WRMSR") {
        for (CpuModel model : {CpuModel::i80286, CpuModel::i80386, CpuModel::i80486, CpuModel::p5}) {
            CAPTURE(cpu_model_name(model));
            Machine m(model);
            CpuState s = Machine::base_state();
            s.gpr[ECX] = 0x10;
            CpuState after = m.run_one({0x0F, 0x30}, s);
            CHECK(Machine::at_vector(after, 6) == (model != CpuModel::p5));
        }
    }
}

TEST_CASE("P5: RSM, CMPXCHG8B with a register operand and 0F C7 /0 are #UD") {
    for (CpuModel model : {CpuModel::i80386, CpuModel::i80486, CpuModel::p5}) {
        CAPTURE(cpu_model_name(model));
        Machine m(model);
        CHECK(Machine::at_vector(m.run_one({0x0F, 0xAA}, Machine::base_state()), 6));  // RSM: no SMM
    }
    Machine m(CpuModel::p5);
    CHECK(Machine::at_vector(m.run_one({0x0F, 0xC7, 0xC8}, Machine::base_state()), 6));  // CMPXCHG8B EAX
    CHECK(Machine::at_vector(m.run_one({0x0F, 0xC7, 0x07}, Machine::base_state()), 6));  // 0F C7 /0 [BX]
    CHECK(Machine::at_vector(m.run_one({0xF0, 0x0F, 0xC7, 0xC8}, Machine::base_state()), 6));  // LOCK, register
    // LOCK CMPXCHG8B m64 is the form every SMP-safe 64-bit update uses: accepted.
    CpuState locked = m.run_one({0xF0, 0x0F, 0xC7, 0x0F}, Machine::base_state());  // LOCK CMPXCHG8B [BX]
    CHECK(locked.eip == kCodeIp + 4);
    // Other M-operand rows stay unlockable: LOCK LGDT [BX] is #UD.
    CHECK(Machine::at_vector(m.run_one({0xF0, 0x0F, 0x01, 0x17}, Machine::base_state()), 6));
    // MOV to/from CR4 is #UD on the 486 (it has no CR4), as is MOV CR5 on the P5.
    Machine m486(CpuModel::i80486);
    CHECK(Machine::at_vector(m486.run_one({0x0F, 0x20, 0xE0}, Machine::base_state()), 6));
    CHECK(Machine::at_vector(m.run_one({0x0F, 0x20, 0xE8}, Machine::base_state()), 6));
}

TEST_CASE("P5 CPUID: the built-in data (p5.json)") {
    Machine m(CpuModel::p5);
    auto cpuid = [&](std::uint32_t leaf) {
        CpuState s = Machine::base_state();
        s.gpr[EAX] = leaf;
        s.gpr[ECX] = 0xDEAD;
        return m.run_one({0x0F, 0xA2}, s);
    };
    x86emu_test::check_genuine_intel_leaf0(cpuid(0), 1);
    CpuState leaf1 = cpuid(1);
    CHECK(leaf1.gpr[EAX] == 0x52C);  // family 5, model 2, stepping 12
    CHECK(leaf1.gpr[EBX] == 0);
    CHECK(leaf1.gpr[ECX] == 0);
    // FPU (0), PSE (3), TSC (4), MSR (5), MCE (7), CX8 (8); no VME, DE, APIC.
    CHECK(leaf1.gpr[EDX] == 0x1B9);
    // Beyond the maximum leaf: the highest basic leaf's data (SDM vol. 2 CPUID).
    for (std::uint32_t leaf : {2u, 5u, 0x80000000u, 0xFFFFFFFFu}) {
        CAPTURE(leaf);
        CpuState out = cpuid(leaf);
        CHECK(out.gpr[EAX] == leaf1.gpr[EAX]);
        CHECK(out.gpr[EDX] == leaf1.gpr[EDX]);
    }
    CHECK(m.cpu.cpuid() == builtin_cpuid(CpuModel::p5));
    CHECK(model_has_cpuid(CpuModel::p5));
    CHECK_FALSE(model_has_cpuid(CpuModel::i80486));
    CHECK_THROWS_AS(builtin_cpuid(CpuModel::i80486), std::invalid_argument);
}

TEST_CASE("P5 CPUID: a user's JSON file presents a different CPU") {
    const std::string json = R"({
        "_note": "a made-up CPU for the test",
        "vendor": "AuthenticAMD", "max_leaf": 3, "type": 1, "family": 5, "model": 8, "stepping": 7,
        "leaf1_edx": ["FPU", "TSC", "CX8", "MMX"], "leaf1_ecx": ["SSE3", "POPCNT"],
        "leaves": {"3": [1, 2, 3, 4294967295]}
    })";
    std::filesystem::path path = write_temp("cpuid_user.json", json);
    CpuidTable table = load_cpuid_json(path.string());
    std::filesystem::remove(path);
    Machine m(CpuModel::p5);
    m.cpu.set_cpuid(table);
    auto cpuid = [&](std::uint32_t leaf) {
        CpuState s = Machine::base_state();
        s.gpr[EAX] = leaf;
        return m.run_one({0x0F, 0xA2}, s);
    };
    CpuState leaf0 = cpuid(0);
    CHECK(leaf0.gpr[EAX] == 3);
    CHECK(leaf0.gpr[EBX] == 0x68747541);  // "Auth"
    CHECK(leaf0.gpr[EDX] == 0x69746E65);  // "enti"
    CHECK(leaf0.gpr[ECX] == 0x444D4163);  // "cAMD"
    CpuState leaf1 = cpuid(1);
    CHECK(leaf1.gpr[EAX] == 0x1587);
    CHECK(leaf1.gpr[EDX] == ((1u << 0) | (1u << 4) | (1u << 8) | (1u << 23)));
    CHECK(leaf1.gpr[ECX] == ((1u << 0) | (1u << 23)));
    CpuState leaf2 = cpuid(2);  // not given: zeros
    CHECK(leaf2.gpr[EAX] == 0);
    CHECK(leaf2.gpr[EDX] == 0);
    CpuState leaf3 = cpuid(3);
    CHECK(leaf3.gpr[EAX] == 1);
    CHECK(leaf3.gpr[EBX] == 2);
    CHECK(leaf3.gpr[ECX] == 3);
    CHECK(leaf3.gpr[EDX] == 0xFFFFFFFF);
    CHECK(cpuid(9).gpr[EDX] == 0xFFFFFFFF);  // beyond max_leaf: leaf 3's data
    // The table survives a reset.
    m.cpu.reset();
    CHECK(m.cpu.cpuid() == table);
}

TEST_CASE("P5 CPUID: bad JSON files give clear errors, never a crash") {
    CHECK(parse_error(kMinimalJson).empty());
    auto with = [](const std::string& from, const std::string& to) {
        std::string s = kMinimalJson;
        s.replace(s.find(from), from.size(), to);
        return s;
    };
    CHECK(parse_error("{ not json").find("not valid JSON") != std::string::npos);
    CHECK(parse_error("").find("not valid JSON") != std::string::npos);
    CHECK(parse_error("[1, 2]").find("object") != std::string::npos);
    CHECK(parse_error(with(R"("max_leaf": 1,)", "")).find("missing field \"max_leaf\"") != std::string::npos);
    CHECK(parse_error(with(R"("family": 5)", R"("family": 16)")).find("\"family\" = 16 is out of range") != std::string::npos);
    CHECK(parse_error(with(R"("family": 5)", R"("family": -1)")).find("\"family\" must be a non-negative integer") != std::string::npos);
    CHECK(parse_error(with(R"("family": 5)", R"("family": "5")")).find("\"family\"") != std::string::npos);
    CHECK(parse_error(with(R"("family": 5)", R"("family": 5.5)")).find("\"family\"") != std::string::npos);
    CHECK(parse_error(with(R"("max_leaf": 1)", R"("max_leaf": 0)")).find("max_leaf") != std::string::npos);
    CHECK(parse_error(with(R"("max_leaf": 1)", R"("max_leaf": 4000000000)")).find("out of range") != std::string::npos);
    CHECK(parse_error(with("GenuineIntel", "Intel")).find("12 characters") != std::string::npos);
    CHECK(parse_error(with(R"("leaf1_edx": [])", R"("leaf1_edx": ["TSC", "WARP"])")).find("unknown feature name \"WARP\"") != std::string::npos);
    CHECK(parse_error(with(R"("leaf1_edx": [])", R"("leaf1_edx": "TSC")")).find("array") != std::string::npos);
    CHECK(parse_error(with(R"("leaf1_ecx": [])", R"("leaf1_ecx": [], "stepp": 3)")).find("unknown field \"stepp\"") != std::string::npos);
    CHECK(parse_error(with(R"("leaf1_ecx": [])", R"("leaf1_ecx": [], "leaves": {"7": [0,0,0,0]})")).find("leaf \"7\"") != std::string::npos);
    CHECK(parse_error(with(R"("leaf1_ecx": [])", R"("leaf1_ecx": [], "leaves": {"1": [0,0,0,0]})")).find("leaf \"1\"") != std::string::npos);
    // The source name leads every message.
    CHECK(parse_error("{").rfind("test.json: ", 0) == 0);
    // Files: unreadable is a runtime_error; a bad file names its path.
    CHECK_THROWS_AS(load_cpuid_json("/nonexistent/x86emu/cpuid.json"), std::runtime_error);
    std::filesystem::path path = write_temp("cpuid_bad.json", "{\"vendor\": 5}");
    try {
        (void)load_cpuid_json(path.string());
        FAIL("a bad file must throw");
    } catch (const std::invalid_argument& e) {
        CHECK(std::string(e.what()).find(path.string()) != std::string::npos);
    }
    std::filesystem::remove(path);
    // set_cpuid: only on a model with CPUID, and only a consistent table.
    Machine m486(CpuModel::i80486);
    CHECK_THROWS_AS(m486.cpu.set_cpuid(builtin_cpuid(CpuModel::p5)), std::invalid_argument);
    Machine m(CpuModel::p5);
    CHECK_THROWS_AS(m.cpu.set_cpuid(CpuidTable{}), std::invalid_argument);
    CpuidTable inconsistent = builtin_cpuid(CpuModel::p5);
    inconsistent.leaves[0].eax = 5;
    CHECK_THROWS_AS(m.cpu.set_cpuid(inconsistent), std::invalid_argument);
}

TEST_CASE("P5 RDTSC: counts emulated clocks; reset clears it; WRMSR 10h sets it") {
    ProtectedMachine m(CpuModel::p5);
    // rdtsc; mov esi,eax; mov edi,edx; mov ecx,100; l: loop l; rdtsc; hlt
    m.start({0x0F, 0x31, 0x89, 0xC6, 0x89, 0xD7, 0xB9, 0x64, 0x00, 0x00, 0x00, 0xE2, 0xFE, 0x0F, 0x31, 0xF4}, 3);
    // RDTSC is unprivileged while CR4.TSD is clear: the first #GP is the final HLT's.
    CHECK(m.run_to_halt() == 13);
    CHECK(m.frame(1) == x86emu_test::kCode + 15);
    CpuState s = m.cpu.state();
    std::uint64_t first = (std::uint64_t{s.gpr[EDI]} << 32) | s.gpr[ESI];
    std::uint64_t second = (std::uint64_t{s.gpr[EDX]} << 32) | s.gpr[EAX];
    CHECK(second > first + 100);  // 100 LOOP iterations cost more than one clock each
    CHECK(second <= m.cpu.cycles());  // one tick per clock since the reset at creation
    SUBCASE("WRMSR 10h loads the counter, which then keeps counting") {
        ProtectedMachine w(CpuModel::p5);
        // mov ecx,10h; mov eax,FFFFFFF0h; mov edx,7; wrmsr; rdtsc; mov esi,eax; mov edi,edx;
        // mov ecx,10h; rdmsr; hlt
        w.start({0xB9, 0x10, 0x00, 0x00, 0x00, 0xB8, 0xF0, 0xFF, 0xFF, 0xFF, 0xBA, 0x07, 0x00, 0x00, 0x00,
                 0x0F, 0x30, 0x0F, 0x31, 0x89, 0xC6, 0x89, 0xD7, 0xB9, 0x10, 0x00, 0x00, 0x00, 0x0F, 0x32, 0xF4},
                0);
        CHECK(w.run_to_halt() == -1);
        CpuState ws = w.cpu.state();
        std::uint64_t by_rdtsc = (std::uint64_t{ws.gpr[EDI]} << 32) | ws.gpr[ESI];
        std::uint64_t by_rdmsr = (std::uint64_t{ws.gpr[EDX]} << 32) | ws.gpr[EAX];
        CHECK(by_rdtsc >= 0x7FFFFFFF0ull);
        CHECK(by_rdtsc < 0x7FFFFFFF0ull + 1000);
        CHECK(by_rdmsr > by_rdtsc);  // the carry into EDX went through
        CHECK(ws.gpr[EDX] == 8);
    }
    SUBCASE("reset clears it") {
        Machine r(CpuModel::p5);
        r.cpu.run(5000);
        r.cpu.reset();
        CpuState after = r.run_one({0x0F, 0x31}, Machine::base_state());
        CHECK(after.gpr[EDX] == 0);
        CHECK(after.gpr[EAX] < 100);
    }
}

TEST_CASE("P5 RDTSC with CR4.TSD: #GP(0) at CPL 3, allowed at CPL 0") {
    ProtectedMachine user(CpuModel::p5);
    CHECK(run_with_cr4(user, {0x0F, 0x31, 0xF4}, 3, kCr4TSD) == 13);
    CHECK(user.frame(0) == 0);
    CHECK(user.frame(1) == x86emu_test::kCode);
    ProtectedMachine kernel(CpuModel::p5);
    CHECK(run_with_cr4(kernel, {0x0F, 0x31, 0xF4}, 0, kCr4TSD) == -1);
    // TSD is set by MOV CR4 and reads back: mov eax,4; mov cr4,eax; mov eax,cr4; hlt
    ProtectedMachine m(CpuModel::p5);
    m.start({0xB8, 0x04, 0x00, 0x00, 0x00, 0x0F, 0x22, 0xE0, 0x0F, 0x20, 0xE0, 0xF4}, 0);
    CHECK(m.run_to_halt() == -1);
    CHECK(m.cpu.state().gpr[EAX] == kCr4TSD);
    CHECK(m.cpu.state().cr4 == kCr4TSD);
}

TEST_CASE("P5 RDMSR/WRMSR: CPL 0 only; the documented MSRs; #GP(0) for the rest") {
    auto run = [](const std::vector<std::uint8_t>& code, unsigned cpl, std::uint32_t ecx, std::uint32_t eax = 0,
                  std::uint32_t edx = 0) {
        auto m = std::make_unique<ProtectedMachine>(CpuModel::p5);
        m->start(code, cpl);
        CpuState s = m->cpu.state();
        s.gpr[ECX] = ecx;
        s.gpr[EAX] = eax;
        s.gpr[EDX] = edx;
        m->cpu.set_state(s);
        int vector = m->run_to_halt();
        return std::make_pair(vector, std::move(m));
    };
    const std::vector<std::uint8_t> rdmsr = {0x0F, 0x32, 0xF4}, wrmsr = {0x0F, 0x30, 0xF4};
    for (std::uint32_t msr : {0x00u, 0x01u}) {
        CAPTURE(msr);
        auto [vector, m] = run(rdmsr, 0, msr, 0x1234, 0x5678);
        CHECK(vector == -1);
        CHECK(m->cpu.state().gpr[EAX] == 0);  // P5_MC_ADDR / P5_MC_TYPE: no machine check latched
        CHECK(m->cpu.state().gpr[EDX] == 0);
        CHECK(run(wrmsr, 0, msr).first == 13);  // read-only here
    }
    CHECK(run(rdmsr, 0, 0x10).first == -1);
    CHECK(run(wrmsr, 0, 0x10).first == -1);
    for (std::uint32_t msr : {0x02u, 0x0Eu, 0x11u, 0x12u, 0x1Bu, 0x10000010u, 0xC0000080u}) {
        CAPTURE(msr);
        auto [rv, rm] = run(rdmsr, 0, msr);
        CHECK(rv == 13);
        CHECK(rm->frame(0) == 0);
        CHECK(run(wrmsr, 0, msr).first == 13);
    }
    for (const auto& code : {rdmsr, wrmsr}) {
        auto [vector, m] = run(code, 3, 0x10);
        CHECK(vector == 13);
        CHECK(m->frame(0) == 0);
        CHECK(m->frame(1) == x86emu_test::kCode);
    }
}

TEST_CASE("P5 CMPXCHG8B: both outcomes, ZF, and the write it always makes") {
    // cmpxchg8b [ebx]; hlt
    const std::vector<std::uint8_t> code = {0x0F, 0xC7, 0x0B, 0xF4};
    auto setup = [&](ProtectedMachine& m, std::uint32_t eax, std::uint32_t edx) {
        m.start(code, 0);
        CpuState s = m.cpu.state();
        s.gpr[EBX] = 0x70000;  // the operand's address, and the low half of the new value
        s.gpr[ECX] = 0xC1C1C1C1;
        s.gpr[EAX] = eax;
        s.gpr[EDX] = edx;
        s.eflags |= eflags::CF;
        m.cpu.set_state(s);
    };
    SUBCASE("equal: m64 = ECX:EBX, ZF = 1, other flags kept") {
        ProtectedMachine m(CpuModel::p5);
        m.put32(0x70000, 0x11111111);
        m.put32(0x70004, 0x22222222);
        setup(m, 0x11111111, 0x22222222);
        CHECK(m.run_to_halt() == -1);
        CHECK(m.get32(0x70000) == 0x70000);
        CHECK(m.get32(0x70004) == 0xC1C1C1C1);
        CpuState s = m.cpu.state();
        CHECK((s.eflags & (eflags::ZF | eflags::CF)) == (eflags::ZF | eflags::CF));
        CHECK(s.gpr[EAX] == 0x11111111);
        CHECK(s.gpr[EDX] == 0x22222222);
    }
    SUBCASE("different (high half only): EDX:EAX = m64, ZF = 0, memory unchanged") {
        ProtectedMachine m(CpuModel::p5);
        m.put32(0x70000, 0x11111111);
        m.put32(0x70004, 0x33333333);
        setup(m, 0x11111111, 0x22222222);
        CHECK(m.run_to_halt() == -1);
        CHECK(m.get32(0x70000) == 0x11111111);
        CHECK(m.get32(0x70004) == 0x33333333);
        CpuState s = m.cpu.state();
        CHECK((s.eflags & (eflags::ZF | eflags::CF)) == eflags::CF);
        CHECK(s.gpr[EAX] == 0x11111111);
        CHECK(s.gpr[EDX] == 0x33333333);
    }
    SUBCASE("different, on a read-only segment: the write is still made, so #GP(0) and no change") {
        ProtectedMachine m(CpuModel::p5);
        m.start(code, 0);
        CpuState s = m.cpu.state();
        s.seg[DS] = ProtectedMachine::flat(x86emu_test::kReadOnly, 0x90);
        s.seg[DS].base = 0x40000;
        s.seg[DS].limit = 0xFFFFF;
        s.gpr[EBX] = 0x100;
        s.gpr[EAX] = 1;
        m.cpu.set_state(s);
        CHECK(m.run_to_halt() == 13);
        CHECK(m.frame(0) == 0);
        CHECK(m.cpu.state().gpr[EAX] == 1);
    }
    SUBCASE("the quadword crossing the segment limit faults before any access") {
        ProtectedMachine m(CpuModel::p5);
        m.start(code, 0);
        CpuState s = m.cpu.state();
        s.seg[DS].limit = 0x70003;  // the low dword fits, the high one does not
        s.gpr[EBX] = 0x70000;
        s.gpr[EAX] = 0;
        s.gpr[EDX] = 0;
        m.cpu.set_state(s);
        CHECK(m.run_to_halt() == 13);
        CHECK(m.get32(0x70000) == 0);
    }
}

TEST_CASE("P5 CR4: TSD, PSE and MCE are writable; every other bit is #GP(0)") {
    // mov cr4,eax; mov ecx,cr4; hlt
    const std::vector<std::uint8_t> code = {0x0F, 0x22, 0xE0, 0x0F, 0x20, 0xE1, 0xF4};
    auto try_value = [&](std::uint32_t value, unsigned cpl = 0) {
        auto m = std::make_unique<ProtectedMachine>(CpuModel::p5);
        m->start(code, cpl);
        CpuState s = m->cpu.state();
        s.gpr[EAX] = value;
        m->cpu.set_state(s);
        int vector = m->run_to_halt();
        return std::make_pair(vector, std::move(m));
    };
    for (std::uint32_t ok : {0u, kCr4TSD, kCr4PSE, kCr4MCE, kCr4TSD | kCr4PSE | kCr4MCE}) {
        CAPTURE(ok);
        auto [vector, m] = try_value(ok);
        CHECK(vector == -1);
        CHECK(m->cpu.state().gpr[ECX] == ok);
    }
    // VME, PVI, DE (not offered), PAE (5), PGE (7: the P6's), and bits 8-31.
    for (std::uint32_t bad : {1u << 0, 1u << 1, 1u << 3, 1u << 5, kCr4PGE, 1u << 8, 1u << 9, 1u << 31}) {
        CAPTURE(bad);
        auto [vector, m] = try_value(bad | kCr4PSE);
        CHECK(vector == 13);
        CHECK(m->frame(0) == 0);
        CHECK(m->cpu.state().cr4 == 0);  // nothing written
    }
    CHECK(try_value(kCr4PSE, 3).first == 13);  // MOV CR4 is a CPL-0 instruction
}

TEST_CASE("P5 CR4.PSE: a 4 MiB page maps through the page directory alone") {
    // PDE 1 (linear 400000h-7FFFFFh): a 4 MiB page at physical 0, present, writable, user.
    auto setup = [](ProtectedMachine& m) {
        identity_paging(m);
        m.put32(x86emu_test::kPageDir + 4, 0x00000087);
        m.put32(0x70000, 0xDEADBEEF);
    };
    // mov eax,cr4; or eax,10h; mov cr4,eax; mov ebx,470000h; mov eax,[ebx]; hlt
    ProtectedMachine with_pse(CpuModel::p5);
    setup(with_pse);
    with_pse.start({0x0F, 0x20, 0xE0, 0x83, 0xC8, 0x10, 0x0F, 0x22, 0xE0, 0xBB, 0x00, 0x00, 0x47, 0x00, 0x8B,
                    0x03, 0xF4},
                   0, 0, 0x80000000u, x86emu_test::kPageDir);
    CHECK(with_pse.run_to_halt() == -1);
    CHECK(with_pse.cpu.state().gpr[EAX] == 0xDEADBEEF);
    CHECK((with_pse.get32(x86emu_test::kPageDir + 4) & 0x20) != 0);  // accessed bit set in the PDE
    // Without CR4.PSE the PS bit is ignored: the PDE names a page table at physical 0, whose
    // entry for 470000h is zero, so the read page-faults.
    ProtectedMachine without(CpuModel::p5);
    setup(without);
    // mov ebx,470000h; mov eax,[ebx]; hlt
    without.start({0xBB, 0x00, 0x00, 0x47, 0x00, 0x8B, 0x03, 0xF4}, 0, 0, 0x80000000u, x86emu_test::kPageDir);
    CHECK(without.run_to_halt() == 14);
    CHECK(without.cpu.state().cr2 == 0x470000);
}

TEST_CASE("Global pages: with CR4.PGE a G translation survives MOV CR3, without it it does not") {
    // PGE is reserved on the P5 (MOV CR4 #GP, tested above), so this exercises the TLB's side of
    // global pages (paging.cpp, for the P6) through set_state, which takes CR4 as given.
    // mov ebx,63000h; mov al,[ebx]; mov dword [PTE of 63000h],64107h; mov ecx,cr3; mov cr3,ecx;
    // mov dl,[ebx]; hlt
    const std::vector<std::uint8_t> code = {0xBB, 0x00, 0x30, 0x06, 0x00, 0x8A, 0x03, 0xC7, 0x05,
                                            0x8C, 0x11, 0x02, 0x00, 0x07, 0x41, 0x06, 0x00, 0x0F,
                                            0x20, 0xD9, 0x0F, 0x22, 0xD9, 0x8A, 0x13, 0xF4};
    for (bool pge : {true, false}) {
        CAPTURE(pge);
        ProtectedMachine m(CpuModel::p5);
        m.bus.mem[0x63000] = 0x11;
        m.bus.mem[0x64000] = 0x22;
        identity_paging(m);
        m.put32(x86emu_test::kPageTable + 4 * 0x63, 0x63107);  // global
        m.start(code, 0, 0, 0x80000000u, x86emu_test::kPageDir);
        CpuState s = m.cpu.state();
        s.cr4 = pge ? kCr4PGE : 0;
        m.cpu.set_state(s);
        CHECK(m.run_to_halt() == -1);
        CHECK((m.cpu.state().gpr[EAX] & 0xFF) == 0x11);
        CHECK((m.cpu.state().gpr[EDX] & 0xFF) == (pge ? 0x11 : 0x22));
    }
}

TEST_CASE("EFLAGS.ID is writable on the P5 (CPUID detection) and not on the 486") {
    // pushfd; pop eax; mov ecx,eax; xor eax,200000h; push eax; popfd; pushfd; pop eax; hlt
    const std::vector<std::uint8_t> code = {0x9C, 0x58, 0x89, 0xC1, 0x35, 0x00, 0x00, 0x20, 0x00, 0x50, 0x9D,
                                            0x9C, 0x58, 0xF4};
    for (CpuModel model : {CpuModel::i80486, CpuModel::p5}) {
        CAPTURE(cpu_model_name(model));
        ProtectedMachine m(model);
        m.start(code, 0);
        CHECK(m.run_to_halt() == -1);
        CpuState s = m.cpu.state();
        CHECK(((s.gpr[EAX] ^ s.gpr[ECX]) & kEflagsID) == (model == CpuModel::p5 ? kEflagsID : 0u));
    }
}
