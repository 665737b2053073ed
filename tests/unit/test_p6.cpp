// x86emu unit tests — the Pentium Pro (P6) model: CMOVcc (taken, not taken, the memory read that
// happens either way), UD2, the long NOP and its lengths, RDPMC (CPL/CR4.PCE/ECX checks, counters
// reading zero), CR4.PGE/PCE writable on the P6 only (and PGE's TLB flush when toggled), the
// P6's 32-bit TSC write, IA32_BIOS_SIGN_ID (8Bh), CPUID (p6.json), and #UD of the new opcodes on
// the older models.
// Intel SDM vol. 2 CMOVcc, NOP, UD2, RDPMC, WRMSR; vol. 3 §2.5 (CR4), §4.10.4 (global pages),
// "Time-Stamp Counter"; Pentium Pro Family Developer's Manual vols. 2 and 3.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "protected_test_support.hpp"
#include "x86emu/cpuid.hpp"

using namespace x86emu;
using x86emu_test::Machine;
using x86emu_test::ProtectedMachine;
using x86emu_test::kCodeIp;

namespace {

constexpr std::uint32_t kCr4PSE = 1u << 4, kCr4PGE = 1u << 7, kCr4PCE = 1u << 8;
constexpr std::uint32_t kZF = 1u << 6;

void identity_paging(ProtectedMachine& m) {
    m.put32(x86emu_test::kPageDir, x86emu_test::kPageTable | 0x7);
    for (std::uint32_t p = 0; p < 1024; ++p) m.put32(x86emu_test::kPageTable + 4 * p, (p << 12) | 0x7);
}

int run_with_cr4(ProtectedMachine& m, const std::vector<std::uint8_t>& code, unsigned cpl, std::uint32_t cr4) {
    m.start(code, cpl);
    CpuState s = m.cpu.state();
    s.cr4 = cr4;
    m.cpu.set_state(s);
    return m.run_to_halt();
}

}  // namespace

TEST_CASE("P6 opcodes: CMOVcc, RDPMC and the long NOP are #UD on the 286, 386, 486 and P5") {
    const std::vector<std::vector<std::uint8_t>> ops = {
        {0x0F, 0x44, 0xC1},        // CMOVZ AX,CX
        {0x0F, 0x4F, 0x07},        // CMOVNLE AX,[BX]
        {0x0F, 0x33},              // RDPMC (ECX = 0)
        {0x0F, 0x1F, 0x00},        // NOP [BX+SI]
        {0x0F, 0x1F, 0xC0},        // NOP AX
    };
    for (const auto& op : ops) {
        CAPTURE(op.size());
        x86emu_test::check_added_opcode(
            op, {CpuModel::i80286, CpuModel::i80386, CpuModel::i80486, CpuModel::p5}, CpuModel::p6);
    }
}

TEST_CASE("P6 keeps the P5's instructions") {
    Machine m(CpuModel::p6);
    for (const std::vector<std::uint8_t>& op : {std::vector<std::uint8_t>{0x0F, 0xA2}, {0x0F, 0x31}, {0x0F, 0x32},
                                                 {0x0F, 0xC7, 0x0F}, {0x0F, 0x20, 0xE0}}) {
        CpuState after = m.run_one(op, Machine::base_state());
        CHECK(after.eip == kCodeIp + op.size());
    }
}

TEST_CASE("UD2 raises #UD on every model, the P6 included") {
    for (CpuModel model : {CpuModel::i80286, CpuModel::i80386, CpuModel::i80486, CpuModel::p5, CpuModel::p6}) {
        CAPTURE(cpu_model_name(model));
        Machine m(model);
        CHECK(Machine::at_vector(m.run_one({0x0F, 0x0B}, Machine::base_state()), 6));
        CHECK(m.bus.word(m.stack_phys(x86emu_test::kStackTop - 6)) == kCodeIp);  // a fault: IP of UD2
    }
}

TEST_CASE("P6 CMOVcc: register forms, taken and not taken") {
    Machine m(CpuModel::p6);
    SUBCASE("all sixteen conditions with every flag clear: the odd (negated) ones move") {
        for (unsigned cc = 0; cc < 16; ++cc) {
            CAPTURE(cc);
            CpuState s = Machine::base_state();
            s.gpr[EAX] = 0x11112222;
            s.gpr[ECX] = 0x33334444;
            CpuState after = m.run_one({0x66, 0x0F, static_cast<std::uint8_t>(0x40 + cc), 0xC1}, s);  // CMOVcc EAX,ECX
            CHECK(after.eip == kCodeIp + 4);
            CHECK(after.gpr[EAX] == ((cc & 1) ? 0x33334444u : 0x11112222u));
            CHECK(after.eflags == s.eflags);  // flags untouched
        }
    }
    SUBCASE("ZF set: CMOVZ moves, CMOVNZ does not; 16-bit keeps the high half") {
        CpuState s = Machine::base_state();
        s.eflags |= kZF;
        s.gpr[EAX] = 0xAAAA0000;
        s.gpr[ECX] = 0xBBBB1234;
        CHECK(m.run_one({0x0F, 0x44, 0xC1}, s).gpr[EAX] == 0xAAAA1234u);   // CMOVZ AX,CX
        CHECK(m.run_one({0x0F, 0x45, 0xC1}, s).gpr[EAX] == 0xAAAA0000u);   // CMOVNZ AX,CX
        // A false 32-bit CMOV leaves the destination alone (zero-extension is 64-bit mode only).
        CHECK(m.run_one({0x66, 0x0F, 0x45, 0xC1}, s).gpr[EAX] == 0xAAAA0000u);
    }
    SUBCASE("CMOVL: SF != OF") {
        CpuState s = Machine::base_state();
        s.eflags |= 1u << 7;  // SF
        s.gpr[ECX] = 7;
        CHECK(m.run_one({0x66, 0x0F, 0x4C, 0xC1}, s).gpr[EAX] == 7u);
        s.eflags |= 1u << 11;  // and OF
        CHECK(m.run_one({0x66, 0x0F, 0x4C, 0xC1}, s).gpr[EAX] == 0u);
    }
}

TEST_CASE("P6 CMOVcc: memory source, and its fault even when the condition is false") {
    Machine m(CpuModel::p6);
    const std::uint32_t data = std::uint32_t{x86emu_test::kDataSeg} << 4;
    m.bus.put_word(data + 0x10, 0xBEEF);
    CpuState s = Machine::base_state();
    s.gpr[EBX] = 0x10;
    s.eflags |= kZF;
    CHECK(m.run_one({0x0F, 0x44, 0x07}, s).gpr[EAX] == 0xBEEFu);  // CMOVZ AX,[BX]
    CHECK(m.run_one({0x0F, 0x45, 0x07}, s).gpr[EAX] == 0u);       // CMOVNZ AX,[BX]
    // A word at offset FFFFh crosses the real-mode segment limit: #GP (13), taken or not.
    s.gpr[EBX] = 0xFFFF;
    CHECK(Machine::at_vector(m.run_one({0x0F, 0x44, 0x07}, s), 13));
    CHECK(Machine::at_vector(m.run_one({0x0F, 0x45, 0x07}, s), 13));

    // With paging: a not-present source page is a #PF even when nothing would be moved.
    for (bool taken : {true, false}) {
        CAPTURE(taken);
        ProtectedMachine p(CpuModel::p6);
        identity_paging(p);
        p.put32(x86emu_test::kPageTable + 4 * 0x63, 0);  // 63000h not present
        // mov ebx,63000h; cmovz/cmovnz eax,[ebx]; hlt  (ZF from the fixture's EFLAGS: clear)
        p.start({0xBB, 0x00, 0x30, 0x06, 0x00, 0x0F, static_cast<std::uint8_t>(taken ? 0x45 : 0x44), 0x03, 0xF4}, 0,
                0, 0x80000000u, x86emu_test::kPageDir);
        CHECK(p.run_to_halt() == 14);
        CHECK(p.cpu.state().cr2 == 0x63000u);
    }
}

TEST_CASE("P6 long NOP: ModRM/SIB/displacement forms and their lengths; no memory access") {
    ProtectedMachine p(CpuModel::p6);
    identity_paging(p);
    p.put32(x86emu_test::kPageTable + 4 * 0x63, 0);  // 63000h not present
    // The recommended multi-byte NOPs (SDM vol. 2 NOP, table 4-12), then NOP [EBX] with EBX at a
    // not-present page (never read: no #PF), then HLT.
    const std::vector<std::vector<std::uint8_t>> nops = {
        {0x0F, 0x1F, 0x00},                                            // 3: NOP [EAX]
        {0x0F, 0x1F, 0x40, 0x00},                                      // 4: NOP [EAX+0]
        {0x0F, 0x1F, 0x44, 0x00, 0x00},                                // 5: NOP [EAX+EAX*1+0]
        {0x66, 0x0F, 0x1F, 0x44, 0x00, 0x00},                          // 6: 66 NOP [EAX+EAX*1+0]
        {0x0F, 0x1F, 0x80, 0x00, 0x00, 0x00, 0x00},                    // 7: NOP [EAX+0 (disp32)]
        {0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},              // 8: NOP [EAX+EAX*1+0 (disp32)]
        {0x66, 0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},        // 9
        {0x0F, 0x1F, 0xC0},                                            // 3: NOP EAX (register form)
        {0x0F, 0x1F, 0x03},                                            // 3: NOP [EBX]
    };
    std::vector<std::uint8_t> code = {0xBB, 0x00, 0x30, 0x06, 0x00};  // mov ebx,63000h
    for (const auto& n : nops) code.insert(code.end(), n.begin(), n.end());
    code.push_back(0xF4);
    p.start(code, 0, 0, 0x80000000u, x86emu_test::kPageDir);
    p.cpu.step();
    std::uint32_t eip = x86emu_test::kCode + 5;
    for (const auto& n : nops) {
        CAPTURE(n.size());
        CHECK(p.cpu.state().eip == eip);
        p.cpu.step();
        eip += static_cast<std::uint32_t>(n.size());
        CHECK(p.cpu.state().eip == eip);
    }
    CHECK(p.run_to_halt() == -1);
    // 0F 1F /1../7 are not NOP rows here: #UD.
    Machine m(CpuModel::p6);
    CHECK(Machine::at_vector(m.run_one({0x0F, 0x1F, 0xC8}, Machine::base_state()), 6));
    CHECK(Machine::at_vector(m.run_one({0x0F, 0x1F, 0x38}, Machine::base_state()), 6));
}

TEST_CASE("P6 RDPMC: counters 0 and 1 read zero; ECX > 1 and CPL > 0 without CR4.PCE are #GP(0)") {
    Machine m(CpuModel::p6);
    for (std::uint32_t counter : {0u, 1u}) {
        CpuState s = Machine::base_state();
        s.gpr[ECX] = counter;
        s.gpr[EAX] = s.gpr[EDX] = 0xFFFFFFFF;
        CpuState after = m.run_one({0x0F, 0x33}, s);
        CHECK(after.eip == kCodeIp + 2);
        CHECK(after.gpr[EAX] == 0);
        CHECK(after.gpr[EDX] == 0);
    }
    for (std::uint32_t counter : {2u, 0x10u, 0x80000000u}) {
        CAPTURE(counter);
        CpuState s = Machine::base_state();
        s.gpr[ECX] = counter;
        CHECK(Machine::at_vector(m.run_one({0x0F, 0x33}, s), 13));
    }
    // Protected mode: rdpmc; hlt (ECX = 0 from the fixture).
    ProtectedMachine user(CpuModel::p6);
    CHECK(run_with_cr4(user, {0x0F, 0x33, 0xF4}, 3, 0) == 13);
    CHECK(user.frame(0) == 0);
    CHECK(user.frame(1) == x86emu_test::kCode);
    ProtectedMachine user_pce(CpuModel::p6);
    // RDPMC passes; the #GP(0) is the HLT after it (privileged), at kCode + 2.
    CHECK(run_with_cr4(user_pce, {0x0F, 0x33, 0xF4}, 3, kCr4PCE) == 13);
    CHECK(user_pce.frame(1) == x86emu_test::kCode + 2);
    ProtectedMachine kernel(CpuModel::p6);
    CHECK(run_with_cr4(kernel, {0x0F, 0x33, 0xF4}, 0, 0) == -1);
}

TEST_CASE("P6 CR4: PGE and PCE are writable on the P6, #GP(0) on the P5; PAE and bits 9+ stay reserved") {
    // mov cr4,eax; mov ecx,cr4; hlt
    const std::vector<std::uint8_t> code = {0x0F, 0x22, 0xE0, 0x0F, 0x20, 0xE1, 0xF4};
    auto try_value = [&](CpuModel model, std::uint32_t value) {
        ProtectedMachine m(model);
        m.start(code, 0);
        CpuState s = m.cpu.state();
        s.gpr[EAX] = value;
        m.cpu.set_state(s);
        int vector = m.run_to_halt();
        return std::make_pair(vector, m.cpu.state().gpr[ECX]);
    };
    for (std::uint32_t ok : {kCr4PGE, kCr4PCE, kCr4PGE | kCr4PCE | kCr4PSE}) {
        CAPTURE(ok);
        auto [vector, ecx] = try_value(CpuModel::p6, ok);
        CHECK(vector == -1);
        CHECK(ecx == ok);
        CHECK(try_value(CpuModel::p5, ok).first == 13);
    }
    for (std::uint32_t bad : {1u << 0, 1u << 1, 1u << 3, 1u << 5, 1u << 9, 1u << 31}) {
        CAPTURE(bad);
        CHECK(try_value(CpuModel::p6, bad).first == 13);
    }
}

TEST_CASE("P6 CR4.PGE: set by MOV CR4, a global translation survives MOV CR3, clearing PGE flushes it") {
    // mov eax,80h; mov cr4,eax; mov ebx,63000h; mov al,[ebx]; mov dword [PTE of 63000h],64107h;
    // mov ecx,cr3; mov cr3,ecx; mov dl,[ebx]; xor esi,esi; mov cr4,esi; mov dh,[ebx]; hlt
    const std::vector<std::uint8_t> code = {0xB8, 0x80, 0x00, 0x00, 0x00, 0x0F, 0x22, 0xE0, 0xBB, 0x00, 0x30,
                                            0x06, 0x00, 0x8A, 0x03, 0xC7, 0x05, 0x8C, 0x11, 0x02, 0x00, 0x07,
                                            0x41, 0x06, 0x00, 0x0F, 0x20, 0xD9, 0x0F, 0x22, 0xD9, 0x8A, 0x13,
                                            0x31, 0xF6, 0x0F, 0x22, 0xE6, 0x8A, 0x33, 0xF4};
    ProtectedMachine m(CpuModel::p6);
    m.bus.mem[0x63000] = 0x11;
    m.bus.mem[0x64000] = 0x22;
    identity_paging(m);
    m.put32(x86emu_test::kPageTable + 4 * 0x63, 0x63107);  // global
    m.start(code, 0, 0, 0x80000000u, x86emu_test::kPageDir);
    CHECK(m.run_to_halt() == -1);
    CHECK((m.cpu.state().gpr[EAX] & 0xFF) == 0x11);
    CHECK((m.cpu.state().gpr[EDX] & 0xFF) == 0x11);         // kept across MOV CR3
    CHECK(((m.cpu.state().gpr[EDX] >> 8) & 0xFF) == 0x22);  // flushed by the PGE toggle
    CHECK(m.cpu.state().cr4 == 0);
}

TEST_CASE("P6 WRMSR to the TSC writes the low 32 bits and clears the high ones (the P5 writes 64)") {
    // wrmsr; rdtsc  (ECX = 10h, EDX:EAX = 5:0)
    for (CpuModel model : {CpuModel::p5, CpuModel::p6}) {
        CAPTURE(cpu_model_name(model));
        Machine m(model);
        m.load({0x0F, 0x30, 0x0F, 0x31});
        CpuState s = Machine::base_state();
        s.gpr[ECX] = 0x10;
        s.gpr[EDX] = 5;
        s.gpr[EAX] = 0;
        m.cpu.set_state(s);
        m.cpu.step();
        m.cpu.step();
        CHECK(m.cpu.state().gpr[EDX] == (model == CpuModel::p6 ? 0u : 5u));
        CHECK(m.cpu.state().gpr[EAX] < 1000u);
    }
}

TEST_CASE("P6 CPUID: the built-in data (p6.json)") {
    Machine m(CpuModel::p6);
    auto cpuid = [&](std::uint32_t leaf) {
        CpuState s = Machine::base_state();
        s.gpr[EAX] = leaf;
        return m.run_one({0x0F, 0xA2}, s);
    };
    x86emu_test::check_genuine_intel_leaf0(cpuid(0), 1);
    CpuState leaf1 = cpuid(1);
    CHECK(leaf1.gpr[EAX] == 0x619);  // family 6, model 1, stepping 9
    CHECK(leaf1.gpr[ECX] == 0);
    // FPU (0), PSE (3), TSC (4), MSR (5), MCE (7), CX8 (8), PGE (13), CMOV (15): with FPU and
    // CMOV together, FCMOVcc and FCOMI are offered.
    CHECK(leaf1.gpr[EDX] == 0xA1B9);
    CHECK(m.cpu.cpuid() == builtin_cpuid(CpuModel::p6));
    CHECK(model_has_cpuid(CpuModel::p6));
    CHECK(cpu_model_name(CpuModel::p6) == "p6");
}

TEST_CASE("P6 IA32_BIOS_SIGN_ID (MSR 8Bh): written, CPUID 1, read back as 0 (no microcode update); #GP(0) on the P5") {
    // The microcode-signature sequence Linux runs in early_init_intel (SDM vol. 3 §9.11.7.1):
    // ECX = 8Bh, EDX:EAX = 0; wrmsr; then rdmsr. A P6 without a loaded update reads 0.
    for (CpuModel model : {CpuModel::p5, CpuModel::p6}) {
        CAPTURE(cpu_model_name(model));
        Machine m(model);
        CpuState s = Machine::base_state();
        s.gpr[ECX] = 0x8B;
        s.gpr[EDX] = 0x12345678;  // written, but no update is loaded: the read gives 0
        s.gpr[EAX] = 0x9ABCDEF0;
        CpuState after_write = m.run_one({0x0F, 0x30}, s);
        CpuState r = Machine::base_state();
        r.gpr[ECX] = 0x8B;
        r.gpr[EDX] = r.gpr[EAX] = 0xFFFFFFFF;
        CpuState after_read = m.run_one({0x0F, 0x32}, r);
        if (model == CpuModel::p6) {
            CHECK(after_write.eip == kCodeIp + 2);
            CHECK(after_read.eip == kCodeIp + 2);
            CHECK(after_read.gpr[EDX] == 0);
            CHECK(after_read.gpr[EAX] == 0);
        } else {
            CHECK(Machine::at_vector(after_write, 13));
            CHECK(Machine::at_vector(after_read, 13));
        }
    }
}
