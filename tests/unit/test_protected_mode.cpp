// x86emu unit tests — protected mode through the public API: segment-load faults and their
// error codes, access windows (read-only, expand-down), privilege-sensitive instructions at
// CPL 3, paging (#PF error codes, CR2, accessed/dirty bits, TLB staleness until MOV CR3) and
// the shutdown stop reason, virtual-8086 entry/exit, and task switches (JMP, CALL + IRET via
// NT). Intel SDM vol. 3 §5 (protection), §4 (paging), §6.15 (exceptions), §7.3, §20.2.
//
// The fixture (protected_test_support.hpp) builds a flat 32-bit world in RAM on a 386.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "protected_test_support.hpp"

namespace {

using namespace x86emu;
using namespace x86emu_test;

std::vector<std::uint8_t> load_ds_with(std::uint16_t selector) {
    return {0x66, 0xB8, static_cast<std::uint8_t>(selector), static_cast<std::uint8_t>(selector >> 8),  // mov ax, sel
            0x8E, 0xD8,                                                                               // mov ds, ax
            0xF4};
}

}  // namespace

TEST_CASE("protected mode: segment loads fault with the selector as error code") {
    SUBCASE("not-present data segment: #NP(selector), EIP of the MOV") {
        ProtectedMachine m;
        m.start(load_ds_with(kNotPresent), 0);
        CHECK(m.run_to_halt() == 11);
        CHECK(m.frame(0) == kNotPresent);
        CHECK(m.frame(1) == kCode + 4);
        CHECK(m.cpu.state().seg[DS].selector == kData0);  // nothing committed
    }
    SUBCASE("selector beyond the GDT limit: #GP(selector & ~3)") {
        ProtectedMachine m;
        m.start(load_ds_with(0x0103), 0);
        CHECK(m.run_to_halt() == 13);
        CHECK(m.frame(0) == 0x0100);
    }
    SUBCASE("ring-0 data at CPL 3: #GP(selector)") {
        ProtectedMachine m;
        m.start(load_ds_with(kData0 | 3), 3);
        CHECK(m.run_to_halt() == 13);
        CHECK(m.frame(0) == kData0);
        // Inter-privilege frame: error, EIP, CS, EFLAGS, ESP, SS.
        CHECK(m.frame(2) == kCode3);
        CHECK(m.frame(4) == kRing3Stack);
        CHECK(m.frame(5) == kData3);
        CHECK(m.cpu.state().seg[CS].selector == kCode0);
    }
    SUBCASE("null selector loads into DS but using it is #GP(0)") {
        ProtectedMachine m;
        m.start({0x31, 0xC0, 0x8E, 0xD8,  // xor eax,eax; mov ds,ax
                 0x8B, 0x03,              // mov eax,[ebx]
                 0xF4},
                0);
        CHECK(m.run_to_halt() == 13);
        CHECK(m.frame(0) == 0);
        CHECK(m.frame(1) == kCode + 4);
    }
    SUBCASE("the accessed bit is set in the descriptor on load") {
        ProtectedMachine m;
        CHECK((m.bus.mem[kGdt + kReadOnly + 5] & 1) == 0);
        m.start(load_ds_with(kReadOnly), 0);
        CHECK(m.run_to_halt() == -1);  // halts in the test code, not in a handler
        CHECK((m.bus.mem[kGdt + kReadOnly + 5] & 1) == 1);
        CHECK(m.cpu.state().seg[DS].base == 0x40000);
        CHECK(m.cpu.state().seg[DS].limit == 0xFFFFFF);  // 4 KiB granular: (FFFh << 12) | FFFh
    }
}

TEST_CASE("protected mode: access rights and expand-down limits") {
    SUBCASE("write through a read-only data segment: #GP(0), memory unchanged") {
        ProtectedMachine m;
        m.start({0x66, 0xB8, kReadOnly, 0x00, 0x8E, 0xD8,  // mov ax,RO; mov ds,ax
                 0x88, 0x03, 0xF4},                        // mov [ebx],al; hlt
                0);
        CHECK(m.run_to_halt() == 13);
        CHECK(m.frame(0) == 0);
        CHECK(m.frame(1) == kCode + 6);
    }
    SUBCASE("expand-down: offsets at or below the limit fault, above it work") {
        ProtectedMachine m;
        // mov ax,ED; mov ds,ax; mov bx,1000h; mov al,[bx]... use 32-bit EBX.
        m.start({0x66, 0xB8, kExpandDown, 0x00, 0x8E, 0xD8,  // mov ax,sel; mov ds,ax
                 0xBB, 0x00, 0x10, 0x00, 0x00,             // mov ebx,1000h
                 0x8A, 0x03,                               // mov al,[ebx]    (ok)
                 0x4B,                                     // dec ebx -> 0FFFh
                 0x8A, 0x03,                               // mov al,[ebx]    (#GP(0))
                 0xF4},
                0);
        CHECK(m.run_to_halt() == 13);
        CHECK(m.frame(0) == 0);
        CHECK(m.frame(1) == kCode + 14);
    }
}

TEST_CASE("protected mode: sensitive instructions at CPL 3") {
    SUBCASE("POPF keeps IF and IOPL without faulting; PUSHF shows the real flags") {
        ProtectedMachine m;
        m.start({0x68, 0x00, 0x30, 0x00, 0x00,  // push 00003000h (IF=0, IOPL=3)
                 0x9D,                          // popf
                 0x9C,                          // pushf
                 0x58,                          // pop eax
                 0xFA},                         // cli -> #GP(0) at IOPL 0
                3, eflags::IF);
        CHECK(m.run_to_halt() == 13);
        CHECK((m.cpu.state().gpr[EAX] & (eflags::IF | eflags::IOPL)) == eflags::IF);
        CHECK(m.frame(0) == 0);
        CHECK(m.frame(1) == kCode + 8);
    }
    SUBCASE("SMSW and SGDT do not trap; LGDT and HLT do") {
        ProtectedMachine m;
        m.start({0x0F, 0x01, 0xE0,                    // smsw eax
                 0x0F, 0x01, 0x05, 0x00, 0x00, 0x07, 0x00,  // sgdt [70000h]
                 0x0F, 0x01, 0x15, 0x00, 0x00, 0x07, 0x00,  // lgdt [70000h] -> #GP(0)
                 0xF4},
                3);
        CHECK(m.run_to_halt() == 13);
        CHECK((m.cpu.state().gpr[EAX] & 0xFFFF) == 0x0011);
        CHECK(m.bus.word(0x70000) == 0x57);
        CHECK(m.get32(0x70002) == kGdt);
        CHECK(m.frame(1) == kCode + 10);
    }
}

TEST_CASE("paging: #PF error codes, CR2, accessed/dirty bits and the TLB") {
    auto with_paging = [](ProtectedMachine& m) {
        // Identity-map the first 4 MiB as user/writable, then make page 0x60000 read-only and
        // page 0x61000 supervisor-only, and leave 0x62000 not present.
        m.put32(kPageDir, kPageTable | 0x7);
        for (std::uint32_t p = 0; p < 1024; ++p) m.put32(kPageTable + 4 * p, (p << 12) | 0x7);
        m.put32(kPageTable + 4 * 0x60, 0x60000 | 0x5);
        m.put32(kPageTable + 4 * 0x61, 0x61000 | 0x3);
        m.put32(kPageTable + 4 * 0x62, 0);
    };
    // Runs `code` with that mapping at `cpl`; returns the vector it halted in.
    auto run_paged = [&](ProtectedMachine& m, const std::vector<std::uint8_t>& code, unsigned cpl) {
        with_paging(m);
        m.start(code, cpl, 0, 0x80000000u, kPageDir);
        return m.run_to_halt();
    };
    SUBCASE("user write to a read-only page: error 7, CR2 = address") {
        ProtectedMachine m;
        CHECK(run_paged(m, {0xBB, 0x10, 0x00, 0x06, 0x00, 0x88, 0x03, 0xF4}, 3) == 14);
        CHECK(m.frame(0) == 7);
        CHECK(m.cpu.state().cr2 == 0x60010);
    }
    SUBCASE("user read of a supervisor page: error 5; not-present write: error 6") {
        ProtectedMachine m;
        CHECK(run_paged(m, {0xBB, 0x00, 0x10, 0x06, 0x00, 0x8A, 0x03, 0xF4}, 3) == 14);
        CHECK(m.frame(0) == 5);
        ProtectedMachine n;
        CHECK(run_paged(n, {0xBB, 0x04, 0x20, 0x06, 0x00, 0x88, 0x03, 0xF4}, 3) == 14);
        CHECK(n.frame(0) == 6);
        CHECK(n.cpu.state().cr2 == 0x62004);
    }
    SUBCASE("386: supervisor writes ignore R/W; A and D bits are set") {
        ProtectedMachine m;
        CHECK(run_paged(m, {0xBB, 0x00, 0x00, 0x06, 0x00, 0xB0, 0x5A, 0x88, 0x03, 0xF4}, 0) == -1);
        CHECK(m.bus.mem[0x60000] == 0x5A);
        CHECK((m.get32(kPageTable + 4 * 0x60) & 0x60) == 0x60);  // accessed + dirty
        CHECK((m.get32(kPageDir) & 0x20) == 0x20);
        CHECK((m.get32(kPageTable + 4 * 0x01) & 0x40) == 0);      // code page: read only, not dirty
    }
    SUBCASE("a changed PTE is not seen until MOV CR3 flushes the TLB") {
        ProtectedMachine m;
        with_paging(m);
        m.bus.mem[0x63000] = 0x11;
        m.bus.mem[0x64000] = 0x22;
        // mov ebx,63000h; mov al,[ebx]; mov [PTE of 63000h],64007h; mov cl,[ebx];
        // mov eax,cr3; mov cr3,eax; mov dl,[ebx]; hlt
        std::uint32_t pte = kPageTable + 4 * 0x63;
        m.start({0xBB, 0x00, 0x30, 0x06, 0x00, 0x8A, 0x03,
                 0xC7, 0x05, static_cast<std::uint8_t>(pte), static_cast<std::uint8_t>(pte >> 8),
                 static_cast<std::uint8_t>(pte >> 16), 0x00, 0x07, 0x40, 0x06, 0x00,
                 0x8A, 0x0B, 0x0F, 0x20, 0xD8, 0x0F, 0x22, 0xD8, 0x8A, 0x13, 0xF4},
                0, 0, 0x80000000u, kPageDir);
        CHECK(m.run_to_halt() == -1);
        CpuState s = m.cpu.state();
        CHECK((s.gpr[ECX] & 0xFF) == 0x11);  // stale translation still in the TLB
        CHECK((s.gpr[EDX] & 0xFF) == 0x22);  // after the flush
    }
}

TEST_CASE("protected mode: a fault while delivering a double fault shuts the CPU down") {
    ProtectedMachine m;
    m.start({0x0F, 0x0B}, 0);  // UD2 is not a 386 opcode: #UD
    CpuState s = m.cpu.state();
    s.idtr.limit = 0;  // every vector is beyond the IDT: #UD -> #GP -> #DF -> shutdown
    m.cpu.set_state(s);
    RunResult r = m.cpu.run(1000);
    CHECK(any(r.reasons, StopReason::Shutdown));
}

TEST_CASE("virtual-8086 mode: entry by IRETD, INT n and IOPL-sensitive instructions") {
    // CPL-0 code that IRETDs into V86 mode at 0200:0000 with SS:SP = 0000:8000.
    auto enter_v86 = [](std::uint32_t eflags_image) {
        std::vector<std::uint8_t> code = {0x6A, 0x00, 0x6A, 0x00, 0x6A, 0x00, 0x6A, 0x00,  // GS FS DS ES
                                          0x6A, 0x00,                                      // SS
                                          0x68, 0x00, 0x80, 0x00, 0x00};                   // ESP
        code.push_back(0x68);
        for (unsigned k = 0; k < 4; ++k) code.push_back(static_cast<std::uint8_t>(eflags_image >> (8 * k)));
        for (std::uint8_t b : {0x68, 0x00, 0x02, 0x00, 0x00, 0x6A, 0x00, 0xCF}) code.push_back(b);  // CS, EIP, IRETD
        return code;
    };
    SUBCASE("IOPL 3: INT 21h reaches the ring-0 handler with the full V86 frame") {
        ProtectedMachine m;
        m.put32(kIdt + 8 * 0x21 + 4, m.get32(kIdt + 8 * 0x21 + 4) | 0x6000);  // gate DPL 3
        const std::uint8_t v86_code[] = {0xB8, 0x34, 0x12, 0xCD, 0x21};  // mov ax,1234h; int 21h
        for (unsigned k = 0; k < sizeof v86_code; ++k) m.bus.mem[0x2000 + k] = v86_code[k];
        m.start(enter_v86(eflags::VM | eflags::IOPL | 0x2), 0);
        CHECK(m.run_to_halt() == 0x21);
        CpuState s = m.cpu.state();
        CHECK((s.gpr[EAX] & 0xFFFF) == 0x1234);
        CHECK(m.frame(0) == 5);       // EIP after INT 21h
        CHECK(m.frame(1) == 0x0200);  // CS
        CHECK((m.frame(2) & eflags::VM) != 0);
        CHECK(m.frame(3) == 0x8000);  // ESP
        CHECK(m.frame(4) == 0);       // SS
        CHECK(s.gpr[ESP] == kRing0Stack - 9 * 4);
        CHECK(s.seg[DS].selector == 0);  // data segments nulled on the way out of V86
        CHECK((s.eflags & eflags::VM) == 0);
    }
    SUBCASE("IOPL 0: CLI traps to the monitor with #GP(0)") {
        ProtectedMachine m;
        m.bus.mem[0x2000] = 0xFA;  // cli
        m.start(enter_v86(eflags::VM | 0x2), 0);
        CHECK(m.run_to_halt() == 13);
        CHECK(m.frame(0) == 0);
        CHECK(m.frame(1) == 0);
        CHECK(m.frame(2) == 0x0200);
    }
}

TEST_CASE("task switches: JMP to a TSS, CALL and IRET through the back link") {
    constexpr std::uint16_t kTssB = 0x48;
    constexpr std::uint32_t kTssBBase = 0x14000;
    auto prepare = [&](ProtectedMachine& m, std::uint8_t task_b_code) {
        m.descriptor(kTssB, kTssBBase, 0x67, 0x89, 0x0);
        m.put32(kTssBBase + 0x20, 0x3000);         // EIP
        m.put32(kTssBBase + 0x24, 0x2);            // EFLAGS
        m.put32(kTssBBase + 0x28, 0x5555);         // EAX
        m.put32(kTssBBase + 0x38, 0x88000);        // ESP
        for (unsigned s = 0; s < 6; ++s) m.put32(kTssBBase + 0x48 + 4 * s, s == CS ? kCode0 : kData0);
        m.bus.mem[0x3000] = task_b_code;
        m.bus.mem[0x3001] = 0xF4;
    };
    SUBCASE("JMP: state saved, busy bits moved, TS set") {
        ProtectedMachine m;
        prepare(m, 0xF4);
        m.start({0xB8, 0x11, 0x11, 0x00, 0x00, 0xEA, 0x00, 0x00, 0x00, 0x00, kTssB, 0x00, 0xF4}, 0);
        CHECK(m.run_to_halt() == -1);
        CpuState s = m.cpu.state();
        CHECK(s.tr.selector == kTssB);
        CHECK(s.eip == 0x3001);
        CHECK(s.gpr[EAX] == 0x5555);
        CHECK(s.gpr[ESP] == 0x88000);
        CHECK((s.cr0 & 8) != 0);
        CHECK(m.get32(kTss + 0x20) == kCode + 12);  // old task resumes after the JMP
        CHECK(m.get32(kTss + 0x28) == 0x1111);      // its EAX
        CHECK(m.bus.mem[kGdt + kTssSel + 5] == 0x89);  // old TSS no longer busy
        CHECK(m.bus.mem[kGdt + kTssB + 5] == 0x8B);    // new TSS busy
        CHECK((s.eflags & eflags::NT) == 0);
    }
    SUBCASE("a not-present DS in the new TSS: #NP(selector) in the new task's context") {
        // CS and SS are loaded first, so an interrupt gate can take the fault on the new stack.
        ProtectedMachine m;
        prepare(m, 0xF4);
        m.put32(kTssBBase + 0x54, kNotPresent);  // DS field
        m.start({0xEA, 0x00, 0x00, 0x00, 0x00, kTssB, 0x00, 0xF4}, 0);
        CHECK(m.run_to_halt() == 11);
        CHECK(m.frame(0) == kNotPresent);
        CHECK(m.frame(1) == 0x3000);  // saved EIP: the new task's first instruction
        CHECK(m.cpu.state().tr.selector == kTssB);  // the switch had committed
    }
    SUBCASE("CALL nests (NT, back link); IRET returns to the caller") {
        ProtectedMachine m;
        prepare(m, 0xCF);  // task B: IRETD
        m.start({0x9A, 0x00, 0x00, 0x00, 0x00, kTssB, 0x00, 0xF4}, 0);
        CHECK(m.run_to_halt() == -1);
        CpuState s = m.cpu.state();
        CHECK(s.tr.selector == kTssSel);
        CHECK(s.eip == kCode + 8);                       // HLT after the CALL has executed
        CHECK(m.bus.mem[kTssBBase] == kTssSel);          // back link
        CHECK((m.get32(kTssBBase + 0x24) & eflags::NT) == 0);  // IRET saved B with NT clear
        CHECK(m.bus.mem[kGdt + kTssB + 5] == 0x89);      // B released by IRET
        CHECK(m.bus.mem[kGdt + kTssSel + 5] == 0x8B);    // A still busy
    }
}

// Three cases the third-party test386 ROM found (SDM vol. 2 POP, ENTER; vol. 3 §4.7 CR2).
TEST_CASE("stack-size and CR2 corner cases") {
    SUBCASE("POP SS from a 16-bit stack increments SP by the old stack's size") {
        ProtectedMachine m;
        m.start({0x66, 0xB8, kStack16, 0x00, 0x8E, 0xD0,  // mov ax,16-bit stack; mov ss,ax
                 0xBC, 0x00, 0x00, 0x02, 0x00,            // mov esp,20000h
                 0x6A, kData0,                            // push dword kData0: SP = FFFCh
                 0x17, 0xF4},                             // pop ss (32-bit SS now); hlt
                0);
        CHECK(m.run_to_halt() == -1);
        CpuState s = m.cpu.state();
        CHECK(s.seg[SS].selector == kData0);
        CHECK(s.gpr[ESP] == 0x20000);  // SP wrapped to 0, ESP's upper half kept
    }
    SUBCASE("32-bit ENTER on a 16-bit stack: FrameTemp is the whole ESP") {
        ProtectedMachine m;
        m.start({0x66, 0xB8, kStack16, 0x00, 0x8E, 0xD0,  // 16-bit stack
                 0xBC, 0x00, 0x00, 0x01, 0x00,            // mov esp,10000h
                 0xBD, 0xEC, 0xFF, 0x01, 0x00,            // mov ebp,1FFECh
                 0xC8, 0x08, 0x00, 0x00, 0xF4},           // enter 8,0; hlt
                0);
        CHECK(m.run_to_halt() == -1);
        CpuState s = m.cpu.state();
        CHECK(s.gpr[EBP] == 0x1FFFC);
        CHECK(s.gpr[ESP] == 0x1FFF4);
        CHECK(m.get32(0xFFFC) == 0x1FFEC);  // old EBP pushed at SS:FFFC
    }
    SUBCASE("a write fault inside one page reports the write's own address in CR2") {
        ProtectedMachine m;
        m.put32(kPageDir, kPageTable | 0x7);
        for (std::uint32_t p = 0; p < 1024; ++p) m.put32(kPageTable + 4 * p, (p << 12) | 0x7);
        m.put32(kPageTable + 4 * 0x62, 0);
        m.start({0xBB, 0x00, 0x20, 0x06, 0x00, 0x89, 0x03, 0xF4}, 0, 0, 0x80000000u, kPageDir);
        CHECK(m.run_to_halt() == 14);
        CHECK(m.frame(0) == 2);
        CHECK(m.cpu.state().cr2 == 0x62000);
    }
}

TEST_CASE("external interrupts in protected mode go through the IDT, EXT in error codes") {
    struct FixedVector final : InterruptController {
        std::uint8_t vector;
        explicit FixedVector(std::uint8_t v) : vector(v) {}
        std::uint8_t acknowledge() override { return vector; }
    };
    SUBCASE("INTR at CPL 3 enters the ring-0 handler with an inter-privilege frame") {
        ProtectedMachine m;
        FixedVector pic(0x40);
        m.cpu.set_interrupt_controller(&pic);
        m.start({0x90, 0xEB, 0xFE}, 3, eflags::IF);  // nop; jmp $
        m.cpu.set_intr(true);
        CHECK(m.run_to_halt() == 0x40);
        CHECK(m.frame(1) == kCode3);
        CHECK(m.frame(3) == kRing3Stack);
        CHECK((m.cpu.state().eflags & eflags::IF) == 0);  // interrupt gate
    }
    SUBCASE("a not-present gate for INTR: #NP(vector * 8 + 2 + EXT)") {
        ProtectedMachine m;
        FixedVector pic(0x41);
        m.cpu.set_interrupt_controller(&pic);
        m.put32(kIdt + 8 * 0x41 + 4, m.get32(kIdt + 8 * 0x41 + 4) & ~0x8000u);
        m.start({0x90, 0xEB, 0xFE}, 0, eflags::IF);
        m.cpu.set_intr(true);
        CHECK(m.run_to_halt() == 11);
        CHECK(m.frame(0) == 0x41u * 8 + 3);
    }
}

TEST_CASE("80286 protected mode: 16-bit descriptors and gates") {
    RamBus bus;
    Cpu cpu(CpuModel::i80286, bus);
    auto put = [&](std::uint32_t a, std::initializer_list<std::uint8_t> bytes) {
        for (std::uint8_t b : bytes) bus.mem[a++] = b;
    };
    constexpr std::uint32_t gdt = 0x1000, idt = 0x2000, code = 0x3000, handler = 0x4000;
    // GDT: 08 code (base 0, limit FFFFh), 10 data (base 5000h), 18 stack (base 0)
    put(gdt + 0x08, {0xFF, 0xFF, 0x00, 0x00, 0x00, 0x9B, 0x00, 0x00});
    put(gdt + 0x10, {0xFF, 0xFF, 0x00, 0x50, 0x00, 0x93, 0x00, 0x00});
    put(gdt + 0x18, {0xFF, 0xFF, 0x00, 0x00, 0x00, 0x93, 0x00, 0x00});
    // IDT 30h: 286 interrupt gate to 08:4000; 31h: a 386 gate type, invalid on the 286
    put(idt + 8 * 0x30, {0x00, 0x40, 0x08, 0x00, 0x00, 0x86, 0x00, 0x00});
    put(idt + 8 * 0x31, {0x00, 0x40, 0x08, 0x00, 0x00, 0x8E, 0x00, 0x00});
    bus.mem[handler] = 0xF4;
    bus.mem[0x5000] = 0x34;
    bus.mem[0x5001] = 0x12;
    // mov ax,10h; mov ds,ax; mov ax,[0]; int 30h
    put(code, {0xB8, 0x10, 0x00, 0x8E, 0xD8, 0xA1, 0x00, 0x00, 0xCD, 0x30});
    CpuState s;
    s.cr0 = 1;
    s.eip = code;
    s.eflags = 0x0202;
    s.gdtr = {gdt, 0x1F};
    s.idtr = {idt, 0x18F};
    s.seg[CS] = {0x08, 0, 0xFFFF, 0x9B};
    for (unsigned r : {ES, SS, DS, FS, GS}) s.seg[r] = {0x18, 0, 0xFFFF, 0x93};
    s.gpr[ESP] = 0x8000;
    cpu.set_state(s);
    RunResult r = cpu.run(100000);
    CHECK(any(r.reasons, StopReason::Halted));
    CpuState after = cpu.state();
    CHECK(after.eip == handler + 1);
    CHECK((after.gpr[EAX] & 0xFFFF) == 0x1234);
    CHECK(after.gpr[ESP] == 0x8000 - 6);  // 16-bit frame: FLAGS, CS, IP
    CHECK(bus.word(0x8000 - 6) == code + 10);
    CHECK(bus.word(0x8000 - 4) == 0x08);
    CHECK((after.eflags & eflags::IF) == 0);

    // INT 31h names a 386 gate type, which the 286 does not have: #GP(31h * 8 + 2).
    put(idt + 8 * 0x0D, {0x00, 0x40, 0x08, 0x00, 0x00, 0x86, 0x00, 0x00});
    put(code, {0xCD, 0x31});
    s.gpr[ESP] = 0x8000;
    cpu.invalidate_code(code, 16);
    cpu.set_state(s);
    cpu.run(100000);
    CHECK(cpu.state().eip == handler + 1);
    CHECK(bus.word(0x8000 - 8) == 0x31u * 8 + 2);  // error code below the frame
}

TEST_CASE("debug registers: DR7.GD makes the next MOV DRn a #DB fault with DR6.BD") {
    ProtectedMachine m;
    m.start({0xB8, 0x00, 0x20, 0x00, 0x00,  // mov eax,2000h (GD)
             0x0F, 0x23, 0xF8,              // mov dr7,eax
             0x0F, 0x21, 0xF0,              // mov eax,dr6 -> #DB
             0xF4},
            0);
    CHECK(m.run_to_halt() == 1);
    CHECK(m.frame(0) == kCode + 8);  // a fault: the MOV itself is the saved EIP
    CpuState s = m.cpu.state();
    CHECK((s.dr[6] & 0x2000) != 0);
    CHECK((s.dr[7] & 0x2000) == 0);
}

TEST_CASE("80386: a 32-bit PUSH of a segment register writes only the selector's 16 bits") {
    ProtectedMachine m;
    m.put32(kRing0Stack - 4, 0xDEADBEEF);
    m.start({0x1E, 0xF4}, 0);  // push ds (32-bit operand size); hlt
    CHECK(m.run_to_halt() == -1);
    CHECK(m.cpu.state().gpr[ESP] == kRing0Stack - 4);
    CHECK(m.get32(kRing0Stack - 4) == (0xDEAD0000u | kData0));
}
