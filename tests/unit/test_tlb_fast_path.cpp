// x86emu unit tests — the TLB's fast path (CpuCore::tlb_host: Intel SDM vol. 3 §4.10 caches the
// translations, the host pointer is ours): with host pages on, an access that crosses into a
// page mapped elsewhere, or wraps past 4 GiB, must leave the fast path and reach both physical
// pages; an access inside a page must use it; and the half of the TLB used by ordinary accesses
// must follow the privilege level (a supervisor translation cached at CPL 0 must not serve CPL 3).
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "protected_test_support.hpp"

using namespace x86emu;
using namespace x86emu_test;

namespace {

constexpr std::uint32_t kHighTable = 0x22000;  // page table of the last 4 MiB (linear FFC00000h-)

// Identity map of the first 2 MiB (user, writable) with two exceptions set by the tests.
void identity_paging(ProtectedMachine& m) {
    m.put32(kPageDir, kPageTable | 0x7);
    for (std::uint32_t p = 0; p < 0x200; ++p) m.put32(kPageTable + 4 * p, (p << 12) | 0x7);
}

}  // namespace

TEST_CASE("TLB fast path: page-crossing and 4 GiB-wrapping accesses reach both physical pages") {
    ProtectedMachine m;
    m.bus.host_pages = true;
    identity_paging(m);
    // Linear 300000h -> physical 150000h, 301000h -> 120000h: adjacent linear pages, far apart
    // physically, so a crossing access served from the first page's host pointer reads wrong.
    m.put32(kPageTable + 4 * 0x300, 0x150000 | 0x7);
    m.put32(kPageTable + 4 * 0x301, 0x120000 | 0x7);
    // Linear FFFFF000h -> physical 170000h; the page after it is linear page 0 (identity).
    m.put32(kPageDir + 4 * 1023, kHighTable | 0x7);
    m.put32(kHighTable + 4 * 1023, 0x170000 | 0x7);
    m.put32(0x150FFC, 0x04030201);
    m.put32(0x120000, 0x08070605);
    m.put32(0x170FFC, 0x2211FFEE);
    m.bus.mem[0] = 0x33;
    m.bus.mem[1] = 0x44;
    // mov ebx,300000h; mov eax,[ebx]; mov [ebx],eax (both entries of page 300h filled, with host
    // pointers); mov ecx,[ebx+0FFEh]; add dword [ebx+0FFEh],10101010h; mov edx,0A1B2C3D4h;
    // mov [ebx+0FFDh],edx; mov esi,[ebx+0FFCh]; mov al,[0FFFFF000h]; mov [0FFFFF000h],al;
    // mov edi,[0FFFFFFFEh]; mov ebp,55667788h; mov [0FFFFFFFDh],ebp; hlt
    m.start({0xbb, 0x00, 0x00, 0x30, 0x00, 0x8b, 0x03, 0x89, 0x03, 0x8b, 0x8b, 0xfe, 0x0f, 0x00, 0x00, 0x81,
             0x83, 0xfe, 0x0f, 0x00, 0x00, 0x10, 0x10, 0x10, 0x10, 0xba, 0xd4, 0xc3, 0xb2, 0xa1, 0x89, 0x93,
             0xfd, 0x0f, 0x00, 0x00, 0x8b, 0xb3, 0xfc, 0x0f, 0x00, 0x00, 0xa0, 0x00, 0xf0, 0xff, 0xff, 0xa2,
             0x00, 0xf0, 0xff, 0xff, 0x8b, 0x3d, 0xfe, 0xff, 0xff, 0xff, 0xbd, 0x88, 0x77, 0x66, 0x55, 0x89,
             0x2d, 0xfd, 0xff, 0xff, 0xff, 0xf4},
            0, 0, 0x80000000u, kPageDir);
    CHECK(m.run_to_halt() == -1);
    const CpuState s = m.cpu.state();
    CHECK(s.gpr[ECX] == 0x06050403u);              // 150FFEh, 150FFFh, 120000h, 120001h
    CHECK(m.get32(0x150FFC) == 0xB2C3D401u);       // the RMW's two low bytes, then EDX's three
    CHECK(m.get32(0x120000) == 0x080716A1u);       // EDX's top byte, then the RMW's 16h
    CHECK(s.gpr[ESI] == 0xB2C3D401u);              // inside the page
    CHECK(s.gpr[EDI] == 0x44332211u);              // 170FFEh, 170FFFh, then physical 0 and 1
    CHECK(m.get32(0x170FFC) == 0x667788EEu);
    CHECK(m.bus.mem[0] == 0x55);
    CHECK(m.bus.mem[1] == 0x44);
}

TEST_CASE("TLB fast path: a supervisor translation cached at CPL 0 does not serve CPL 3") {
    ProtectedMachine m;
    m.bus.host_pages = true;
    identity_paging(m);
    m.put32(kPageTable + 4 * 0x61, 0x61000 | 0x3);  // supervisor, writable
    // mov eax,[61000h]; push 23h (SS); push 80000h (ESP); push 2 (EFLAGS); push 1Bh (CS);
    // push ring3; iretd; ring3: mov ecx,[ss:61000h] (SS: the IRETD nulled DS); hlt
    m.start({0xa1, 0x00, 0x10, 0x06, 0x00, 0x6a, 0x23, 0x68, 0x00, 0x00, 0x08, 0x00, 0x6a, 0x02, 0x6a, 0x1b,
             0x68, 0x16, 0x10, 0x00, 0x00, 0xcf, 0x36, 0x8b, 0x0d, 0x00, 0x10, 0x06, 0x00, 0xf4},
            0, 0, 0x80000000u, kPageDir);
    CHECK(m.run_to_halt() == 14);
    CHECK(m.frame(0) == 5);  // user, read, present
    CHECK(m.cpu.state().cr2 == 0x61000);
    CHECK(m.frame(1) == kCode + 0x16);
}
