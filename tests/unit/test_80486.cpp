// x86emu unit tests — the 486 model: its new instructions (BSWAP, XADD, CMPXCHG, INVD, WBINVD,
// INVLPG) and their #UD on the older models, CR0.WP and the other new CR0 bits, TR3-TR5,
// EFLAGS.AC and the alignment-check fault.
// Intel SDM vol. 2 under each mnemonic; vol. 3 §2.5 (CR0), §4.6 (WP), §4.10.4 (INVLPG), §6.15
// interrupt 17 (#AC). Real-mode cases use the Machine fixture (emu_test_support.hpp),
// protected-mode ones the flat world of protected_test_support.hpp.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "protected_test_support.hpp"

using namespace x86emu;
using x86emu_test::Machine;
using x86emu_test::ProtectedMachine;
using x86emu_test::kCodeIp;

namespace {

std::uint32_t data_phys(std::uint16_t off) { return (std::uint32_t{x86emu_test::kDataSeg} << 4) + off; }

struct NewOpcode {
    const char* name;
    std::vector<std::uint8_t> bytes;
};
// Each in a form that executes without fault on the 486 in real mode (CPL 0).
const NewOpcode kNewOpcodes[] = {
    {"BSWAP EAX", {0x0F, 0xC8}},
    {"BSWAP EDI", {0x0F, 0xCF}},
    {"XADD AL,CL", {0x0F, 0xC0, 0xC8}},
    {"XADD AX,CX", {0x0F, 0xC1, 0xC8}},
    {"CMPXCHG AL,CL", {0x0F, 0xB0, 0xC8}},
    {"CMPXCHG AX,CX", {0x0F, 0xB1, 0xC8}},
    {"INVD", {0x0F, 0x08}},
    {"WBINVD", {0x0F, 0x09}},
    {"INVLPG [BX]", {0x0F, 0x01, 0x3F}},
};

// Runs `code` in 32-bit protected mode on `model` with the fixture's identity paging (page
// 0x60000 read-only for everyone, user pages elsewhere); returns the vector it halted in.
int run_paged(ProtectedMachine& m, const std::vector<std::uint8_t>& code, unsigned cpl,
              std::uint32_t eflags = 0, std::uint32_t cr0_extra = 0) {
    m.put32(x86emu_test::kPageDir, x86emu_test::kPageTable | 0x7);
    for (std::uint32_t p = 0; p < 1024; ++p) m.put32(x86emu_test::kPageTable + 4 * p, (p << 12) | 0x7);
    m.put32(x86emu_test::kPageTable + 4 * 0x60, 0x60000 | 0x5);  // user, read-only
    m.start(code, cpl, eflags, 0x80000000u | cr0_extra, x86emu_test::kPageDir);
    return m.run_to_halt();
}

constexpr std::uint32_t kCr0WP = 1u << 16, kCr0AM = 1u << 18;

}  // namespace

TEST_CASE("486 opcodes: #UD on the 80286 and 80386, executed on the 486") {
    // The 8086 has no #UD and decodes 0F as POP CS (test_model_differences.cpp covers that).
    for (const NewOpcode& op : kNewOpcodes) {
        CAPTURE(op.name);
        x86emu_test::check_added_opcode(op.bytes, {CpuModel::i80286, CpuModel::i80386}, CpuModel::i80486);
    }
}

TEST_CASE("486: INVLPG with a register operand and LOCK on a register destination are #UD") {
    Machine m(CpuModel::i80486);
    CHECK(Machine::at_vector(m.run_one({0x0F, 0x01, 0xF8}, Machine::base_state()), 6));       // INVLPG EAX
    CHECK(Machine::at_vector(m.run_one({0xF0, 0x0F, 0xC1, 0xC8}, Machine::base_state()), 6)); // LOCK XADD AX,CX
    CHECK(Machine::at_vector(m.run_one({0xF0, 0x0F, 0xB1, 0xC8}, Machine::base_state()), 6)); // LOCK CMPXCHG AX,CX
    // With a memory destination LOCK is accepted.
    CpuState after = m.run_one({0xF0, 0x0F, 0xC1, 0x07}, Machine::base_state());  // LOCK XADD [BX],AX
    CHECK(after.eip == kCodeIp + 4);
    after = m.run_one({0xF0, 0x0F, 0xB1, 0x0F}, Machine::base_state());  // LOCK CMPXCHG [BX],CX
    CHECK(after.eip == kCodeIp + 4);
}

TEST_CASE("486: BSWAP reverses the bytes of a 32-bit register; the 16-bit form clears the word") {
    Machine m(CpuModel::i80486);
    CpuState s = Machine::base_state();
    s.gpr[EAX] = 0x12345678;
    s.gpr[EDI] = 0x89ABCDEF;
    s.eflags = 0x08D7;  // flags are not affected
    CpuState after = m.run_one({0x66, 0x0F, 0xC8}, s);  // BSWAP EAX (66 in a 16-bit segment)
    CHECK(after.gpr[EAX] == 0x78563412);
    CHECK((after.eflags & 0x0FD5) == 0x08D5);
    after = m.run_one({0x66, 0x0F, 0xCF}, s);  // BSWAP EDI
    CHECK(after.gpr[EDI] == 0xEFCDAB89);
    after = m.run_one({0x0F, 0xC8}, s);  // BSWAP AX: undefined, our choice is 0 in the low word
    CHECK(after.gpr[EAX] == 0x12340000);
}

TEST_CASE("486: XADD exchanges and adds, flags as ADD") {
    Machine m(CpuModel::i80486);
    SUBCASE("32-bit registers: carry out and zero") {
        CpuState s = Machine::base_state();
        s.gpr[EAX] = 0xFFFFFFFF;
        s.gpr[ECX] = 1;
        CpuState after = m.run_one({0x66, 0x0F, 0xC1, 0xC8}, s);  // XADD EAX,ECX
        CHECK(after.gpr[EAX] == 0);
        CHECK(after.gpr[ECX] == 0xFFFFFFFF);
        CHECK((after.eflags & (eflags::CF | eflags::ZF | eflags::AF | eflags::OF | eflags::SF)) ==
              (eflags::CF | eflags::ZF | eflags::AF));
    }
    SUBCASE("the same register as both operands keeps the sum") {
        CpuState s = Machine::base_state();
        s.gpr[EAX] = 0x41;
        CpuState after = m.run_one({0x0F, 0xC0, 0xC0}, s);  // XADD AL,AL
        CHECK((after.gpr[EAX] & 0xFF) == 0x82);
        CHECK((after.eflags & (eflags::OF | eflags::SF | eflags::CF)) == (eflags::OF | eflags::SF));
    }
    SUBCASE("memory destination: the sum goes to memory, the old value to the register") {
        CpuState s = Machine::base_state();
        s.gpr[EBX] = 0x0200;
        s.gpr[EAX] = 0x0001;
        m.bus.put_word(data_phys(0x0200), 0x7FFF);
        CpuState after = m.run_one({0x0F, 0xC1, 0x07}, s);  // XADD [BX],AX
        CHECK(m.bus.word(data_phys(0x0200)) == 0x8000);
        CHECK((after.gpr[EAX] & 0xFFFF) == 0x7FFF);
        CHECK((after.eflags & (eflags::OF | eflags::SF | eflags::AF)) == (eflags::OF | eflags::SF | eflags::AF));
    }
}

TEST_CASE("486: CMPXCHG compares with the accumulator (flags as CMP) and exchanges") {
    Machine m(CpuModel::i80486);
    SUBCASE("register, equal: destination = source, ZF = 1") {
        CpuState s = Machine::base_state();
        s.gpr[EAX] = 5;
        s.gpr[EDX] = 5;
        s.gpr[ECX] = 9;
        CpuState after = m.run_one({0x0F, 0xB1, 0xCA}, s);  // CMPXCHG DX,CX
        CHECK((after.gpr[EDX] & 0xFFFF) == 9);
        CHECK((after.gpr[EAX] & 0xFFFF) == 5);
        CHECK((after.eflags & (eflags::ZF | eflags::CF)) == eflags::ZF);
    }
    SUBCASE("register, different: accumulator = destination, flags of AX - DX") {
        CpuState s = Machine::base_state();
        s.gpr[EAX] = 4;
        s.gpr[EDX] = 5;
        s.gpr[ECX] = 9;
        CpuState after = m.run_one({0x0F, 0xB1, 0xCA}, s);  // CMPXCHG DX,CX
        CHECK((after.gpr[EDX] & 0xFFFF) == 5);
        CHECK((after.gpr[EAX] & 0xFFFF) == 5);
        CHECK((after.eflags & (eflags::ZF | eflags::CF | eflags::SF | eflags::AF)) ==
              (eflags::CF | eflags::SF | eflags::AF));
    }
    SUBCASE("byte memory forms, equal and different") {
        CpuState s = Machine::base_state();
        s.gpr[EBX] = 0x0300;
        s.gpr[EAX] = 0x80;
        s.gpr[ECX] = 0x11;
        m.bus.mem[data_phys(0x0300)] = 0x80;
        CpuState after = m.run_one({0x0F, 0xB0, 0x0F}, s);  // CMPXCHG [BX],CL
        CHECK(m.bus.mem[data_phys(0x0300)] == 0x11);
        CHECK((after.eflags & eflags::ZF) != 0);
        after = m.run_one({0x0F, 0xB0, 0x0F}, s);  // now [BX] = 11h, AL = 80h: different
        CHECK(m.bus.mem[data_phys(0x0300)] == 0x11);
        CHECK((after.gpr[EAX] & 0xFF) == 0x11);
        CHECK((after.eflags & (eflags::ZF | eflags::OF)) == eflags::OF);  // 80h - 11h overflows
    }
    SUBCASE("32-bit memory form, different: the 486 still writes the destination (read-only page faults)") {
        ProtectedMachine p(CpuModel::i80486);
        // mov ebx,60000h; mov eax,1; mov ecx,2; cmpxchg [ebx],ecx; hlt  ([60000h] = 0: different)
        CHECK(run_paged(p, {0xBB, 0x00, 0x00, 0x06, 0x00, 0xB8, 0x01, 0x00, 0x00, 0x00, 0xB9, 0x02, 0x00,
                            0x00, 0x00, 0x0F, 0xB1, 0x0B, 0xF4},
                        3) == 14);
        CHECK(p.frame(0) == 7);  // user write to a present page
        CHECK(p.cpu.state().cr2 == 0x60000);
        CHECK(p.frame(1) == x86emu_test::kCode + 15);  // the CMPXCHG itself
        CHECK(p.cpu.state().gpr[EAX] == 1);            // nothing committed
    }
    SUBCASE("32-bit memory form, equal: the source is stored") {
        ProtectedMachine p(CpuModel::i80486);
        p.put32(0x70000, 0xCAFEF00D);
        // mov ebx,70000h; mov eax,CAFEF00Dh; mov ecx,12345678h; cmpxchg [ebx],ecx; hlt (#GP at CPL 3)
        CHECK(run_paged(p, {0xBB, 0x00, 0x00, 0x07, 0x00, 0xB8, 0x0D, 0xF0, 0xFE, 0xCA, 0xB9, 0x78, 0x56,
                            0x34, 0x12, 0x0F, 0xB1, 0x0B, 0xF4},
                        3) == 13);
        CHECK(p.frame(1) == x86emu_test::kCode + 18);
        CHECK(p.get32(0x70000) == 0x12345678);
        CHECK((p.cpu.state().eflags & eflags::ZF) != 0);
    }
}

TEST_CASE("486: INVD, WBINVD and INVLPG are CPL-0 instructions") {
    for (std::vector<std::uint8_t> code : {std::vector<std::uint8_t>{0x0F, 0x08, 0xF4},
                                           std::vector<std::uint8_t>{0x0F, 0x09, 0xF4},
                                           std::vector<std::uint8_t>{0x0F, 0x01, 0x3B, 0xF4}}) {
        ProtectedMachine m(CpuModel::i80486);
        m.start(code, 3);
        CHECK(m.run_to_halt() == 13);
        CHECK(m.frame(0) == 0);
        CHECK(m.frame(1) == x86emu_test::kCode);
        ProtectedMachine k(CpuModel::i80486);
        k.start(code, 0);
        CHECK(k.run_to_halt() == -1);
    }
}

TEST_CASE("486: the cache test registers TR3-TR5 exist; the 386 has only TR6 and TR7") {
    // mov eax,12345678h; mov tr3,eax; mov ecx,tr3; hlt
    const std::vector<std::uint8_t> code = {0xB8, 0x78, 0x56, 0x34, 0x12, 0x0F, 0x26, 0xD8, 0x0F, 0x24, 0xD9, 0xF4};
    ProtectedMachine m486(CpuModel::i80486);
    m486.start(code, 0);
    CHECK(m486.run_to_halt() == -1);
    CHECK(m486.cpu.state().gpr[ECX] == 0x12345678);
    ProtectedMachine m386(CpuModel::i80386);
    m386.start(code, 0);
    CHECK(m386.run_to_halt() == 6);
    CHECK(m386.frame(0) == x86emu_test::kCode + 5);  // #UD has no error code: EIP first
}

TEST_CASE("486: INVLPG drops the stale translation of one page, and only that one") {
    ProtectedMachine m(CpuModel::i80486);
    m.bus.mem[0x63000] = 0x11;
    m.bus.mem[0x64000] = 0x22;
    m.bus.mem[0x65000] = 0x33;
    m.bus.mem[0x66000] = 0x44;
    const std::uint32_t pte63 = x86emu_test::kPageTable + 4 * 0x63, pte65 = x86emu_test::kPageTable + 4 * 0x65;
    auto b = [](std::uint32_t v, unsigned k) { return static_cast<std::uint8_t>(v >> (8 * k)); };
    // mov ebx,63000h; mov esi,65000h; mov al,[ebx]; mov ah,[esi] (both pages now in the TLB);
    // mov dword [PTE of 63000h],64007h; mov dword [PTE of 65000h],66007h; mov dl,[ebx];
    // invlpg [ebx]; mov cl,[ebx]; mov ch,[esi]; hlt
    CHECK(run_paged(m, {0xBB, 0x00, 0x30, 0x06, 0x00, 0xBE, 0x00, 0x50, 0x06, 0x00, 0x8A, 0x03, 0x8A, 0x26,
                        0xC7, 0x05, b(pte63, 0), b(pte63, 1), b(pte63, 2), 0x00, 0x07, 0x40, 0x06, 0x00,
                        0xC7, 0x05, b(pte65, 0), b(pte65, 1), b(pte65, 2), 0x00, 0x07, 0x60, 0x06, 0x00,
                        0x8A, 0x13, 0x0F, 0x01, 0x3B, 0x8A, 0x0B, 0x8A, 0x2E, 0xF4},
                    0) == -1);
    CpuState s = m.cpu.state();
    CHECK((s.gpr[EAX] & 0xFFFF) == 0x3311);
    CHECK((s.gpr[EDX] & 0xFF) == 0x11);    // stale translation still in the TLB
    CHECK((s.gpr[ECX] & 0xFF) == 0x22);    // INVLPG dropped it
    CHECK((s.gpr[ECX] >> 8 & 0xFF) == 0x33);  // the other page's stale entry is kept
}

TEST_CASE("CR0.WP: a supervisor write to a read-only page faults on the 486, not on the 386") {
    // mov eax,cr0; or eax,10000h; mov cr0,eax; mov eax,cr0; mov ebx,60000h; mov byte [ebx],5Ah; hlt
    const std::vector<std::uint8_t> code = {0x0F, 0x20, 0xC0, 0x0D, 0x00, 0x00, 0x01, 0x00, 0x0F, 0x22, 0xC0,
                                            0x0F, 0x20, 0xC0, 0xBB, 0x00, 0x00, 0x06, 0x00, 0xC6, 0x03, 0x5A, 0xF4};
    ProtectedMachine m486(CpuModel::i80486);
    CHECK(run_paged(m486, code, 0) == 14);
    CHECK(m486.frame(0) == 3);  // P = 1 (protection), W = 1, U = 0
    CHECK(m486.cpu.state().cr2 == 0x60000);
    CHECK((m486.cpu.state().gpr[EAX] & kCr0WP) != 0);
    CHECK(m486.bus.mem[0x60000] == 0);

    ProtectedMachine m386(CpuModel::i80386);
    CHECK(run_paged(m386, code, 0) == -1);
    CHECK((m386.cpu.state().gpr[EAX] & kCr0WP) == 0);  // the 386 has no WP bit
    CHECK(m386.bus.mem[0x60000] == 0x5A);
}

TEST_CASE("486 CR0: NE/AM/NW/CD are writable, NW without CD is #GP(0), ET stays 1") {
    // mov eax,60040020h (CD NW AM NE); or eax,1 (PE); mov cr0,eax; mov ecx,cr0;
    // mov eax,20000001h; mov cr0,eax (NW = 1 with CD = 0: #GP(0)); hlt
    const std::vector<std::uint8_t> code = {0xB8, 0x20, 0x00, 0x04, 0x60, 0x0D, 0x01, 0x00, 0x00, 0x00,
                                            0x0F, 0x22, 0xC0, 0x0F, 0x20, 0xC1, 0xB8, 0x01, 0x00, 0x00,
                                            0x20, 0x0F, 0x22, 0xC0, 0xF4};
    ProtectedMachine m(CpuModel::i80486);
    m.start(code, 0);
    CHECK(m.run_to_halt() == 13);
    CHECK(m.frame(0) == 0);
    CHECK(m.frame(1) == x86emu_test::kCode + 21);
    CHECK(m.cpu.state().gpr[ECX] == 0x60040031u);

    ProtectedMachine o(CpuModel::i80386);
    o.start(code, 0);
    CHECK(o.run_to_halt() == -1);  // the 386 ignores those bits
    CHECK(o.cpu.state().gpr[ECX] == 0x00000011u);
}

TEST_CASE("EFLAGS.AC is writable on the 486 and stays 0 on the 386") {
    // push 40000h; popfd; pushfd; pop eax; hlt
    const std::vector<std::uint8_t> code = {0x68, 0x00, 0x00, 0x04, 0x00, 0x9D, 0x9C, 0x58, 0xF4};
    ProtectedMachine m486(CpuModel::i80486);
    m486.start(code, 0);
    CHECK(m486.run_to_halt() == -1);
    CHECK((m486.cpu.state().gpr[EAX] & eflags::AC) != 0);
    ProtectedMachine m386(CpuModel::i80386);
    m386.start(code, 0);
    CHECK(m386.run_to_halt() == -1);
    CHECK((m386.cpu.state().gpr[EAX] & eflags::AC) == 0);
}

TEST_CASE("#AC(0): misaligned data accesses at CPL 3 with CR0.AM and EFLAGS.AC") {
    // mov ebx,70001h; mov ax,[ebx+1] (aligned word); mov al,[ebx] (byte); mov eax,[ebx+3] (aligned);
    // mov eax,[ebx+1] (dword at 70002h: misaligned); hlt (#GP(0) at CPL 3, which ends a run
    // without #AC at offset 17)
    const std::vector<std::uint8_t> code = {0xBB, 0x01, 0x00, 0x07, 0x00, 0x66, 0x8B, 0x43, 0x01, 0x8A, 0x03,
                                            0x8B, 0x43, 0x03, 0x8B, 0x43, 0x01, 0xF4};
    SUBCASE("CPL 3, AM = 1, AC = 1: fault at the misaligned dword, error code 0") {
        ProtectedMachine m(CpuModel::i80486);
        m.start(code, 3, eflags::AC, kCr0AM);
        CHECK(m.run_to_halt() == 17);
        CHECK(m.frame(0) == 0);
        CHECK(m.frame(1) == x86emu_test::kCode + 14);
        CHECK(m.frame(2) == x86emu_test::kCode3);
        CHECK((m.frame(3) & eflags::AC) != 0);
    }
    SUBCASE("the same with host pages: the TLB's fast path must not skip the check") {
        ProtectedMachine m(CpuModel::i80486);
        m.bus.host_pages = true;
        m.start(code, 3, eflags::AC, kCr0AM);
        CHECK(m.run_to_halt() == 17);
        CHECK(m.frame(0) == 0);
        CHECK(m.frame(1) == x86emu_test::kCode + 14);
        CHECK(m.frame(2) == x86emu_test::kCode3);
        CHECK((m.frame(3) & eflags::AC) != 0);
    }
    SUBCASE("with paging too, and for a misaligned word store") {
        ProtectedMachine m(CpuModel::i80486);
        // mov ebx,70001h; mov [ebx],ax; hlt
        m.bus.host_pages = true;
        CHECK(run_paged(m, {0xBB, 0x01, 0x00, 0x07, 0x00, 0x66, 0x89, 0x03, 0xF4}, 3, eflags::AC, kCr0AM) == 17);
        CHECK(m.frame(1) == x86emu_test::kCode + 5);
    }
    SUBCASE("AC set by POPFD at CPL 3 takes effect at once (host pages: TLB entries already made)") {
        ProtectedMachine m(CpuModel::i80486);
        m.bus.host_pages = true;
        // mov ebx,70002h; mov ax,[ebx] (aligned: the page gets a TLB entry); pushfd;
        // or dword [esp],40000h; popfd; mov eax,[ebx]; hlt
        m.start({0xBB, 0x02, 0x00, 0x07, 0x00, 0x66, 0x8B, 0x03, 0x9C, 0x81, 0x0C, 0x24, 0x00, 0x00, 0x04,
                 0x00, 0x9D, 0x8B, 0x03, 0xF4},
                3, 0, kCr0AM);
        CHECK(m.run_to_halt() == 17);
        CHECK(m.frame(1) == x86emu_test::kCode + 17);
    }
    SUBCASE("#AC is benign (SDM table 6-4): a #NP while delivering it is taken serially, not as #DF") {
        ProtectedMachine m(CpuModel::i80486);
        m.put32(x86emu_test::kIdt + 8 * 17 + 4, m.get32(x86emu_test::kIdt + 8 * 17 + 4) & ~0x8000u);
        m.start(code, 3, eflags::AC, kCr0AM);
        CHECK(m.run_to_halt() == 11);
        CHECK((m.frame(0) & ~1u) == ((17u << 3) | 2u));  // IDT entry 17 (EXT may be set)
    }
    SUBCASE("no #AC at CPL 0, with AM = 0, with AC = 0, or on the 386") {
        ProtectedMachine cpl0(CpuModel::i80486);
        cpl0.start(code, 0, eflags::AC, kCr0AM);
        CHECK(cpl0.run_to_halt() == -1);
        struct Case {
            CpuModel model;
            std::uint32_t eflags, cr0;
        };
        for (Case c : {Case{CpuModel::i80486, eflags::AC, 0}, Case{CpuModel::i80486, 0, kCr0AM},
                       Case{CpuModel::i80386, eflags::AC, kCr0AM}}) {
            ProtectedMachine m(c.model);
            m.start(code, 3, c.eflags, c.cr0);
            CHECK(m.run_to_halt() == 13);  // the final HLT
            CHECK(m.frame(1) == x86emu_test::kCode + 17);
        }
    }
}
