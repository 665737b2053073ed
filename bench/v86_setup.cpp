// bench/v86_setup.cpp — the protected-mode scaffolding around the V86 benchmark guest. See
// v86_setup.hpp for the Intel SDM sections each structure follows.
#include "v86_setup.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <stdexcept>

namespace bench {
namespace {

// ---- memory layout (all above the workload, which stays below 0xA000) ----------------------
constexpr std::uint32_t kGdtAddress = 0x20000;
constexpr std::uint32_t kIdtAddress = 0x21000;
constexpr std::uint32_t kStubsAddress = 0x21800;  // one exception stub per vector
constexpr std::uint32_t kTssAddress = 0x22000;    // TSS, then its I/O bitmap, up to 0x24069
constexpr std::uint32_t kRing0StackTop = 0x26000; // the stack page is 0x25000-0x25FFF
constexpr std::uint32_t kPageDirectoryAddress = 0x30000;
constexpr std::uint32_t kPageTableAddress = 0x31000;
constexpr std::uint32_t kEnvironmentEnd = 0x40000;

// ---- GDT (SDM vol. 3 §3.4.5) -----------------------------------------------------------------
constexpr std::uint16_t kCodeSelector = 0x08;
constexpr std::uint16_t kDataSelector = 0x10;
constexpr std::uint16_t kTssSelector = 0x18;
constexpr unsigned kGdtEntries = 4;  // null, code, data, TSS
constexpr std::uint8_t kAccessCode = 0x9A;     // present, DPL 0, execute/read
constexpr std::uint8_t kAccessData = 0x92;     // present, DPL 0, read/write
constexpr std::uint8_t kAccessBusyTss = 0x8B;  // present, DPL 0, busy 386 TSS: TR already holds it
constexpr std::uint8_t kFlagsFlat32 = 0xC;     // G (4 KiB granularity) and D/B (32-bit)
constexpr std::uint32_t kFlatLimit = 0xFFFFF;  // in 4 KiB units: the whole 4 GiB

// ---- TSS (SDM vol. 3 §7.2.1) and I/O permission bitmap (vol. 1 §19.5) ---------------------
constexpr std::uint32_t kTssEsp0 = 0x04;
constexpr std::uint32_t kTssSs0 = 0x08;
constexpr std::uint32_t kTssCr3 = 0x1C;
constexpr std::uint32_t kTssIoMapBase = 0x66;
constexpr std::uint32_t kTssBytes = 0x68;
constexpr std::uint32_t kIoBitmapOffset = kTssBytes;    // the bitmap follows the TSS directly
constexpr std::uint32_t kIoBitmapBytes = 65536 / 8;     // one bit per port, all ports
// The CPU reads two bitmap bytes per check, so a byte of ones must follow the bitmap.
constexpr std::uint32_t kTssLimit = kIoBitmapOffset + kIoBitmapBytes;  // covers that byte too

// ---- IDT (SDM vol. 3 §6.11) ------------------------------------------------------------------
constexpr unsigned kIdtEntries = 256;
constexpr std::uint8_t kAccessInterruptGate32 = 0x8E;  // present, DPL 0, 32-bit interrupt gate
// Each stub is HLT; JMP back to the HLT. A separate stub per vector makes the vector readable
// from EIP once the CPU halts there. The interrupt gate has cleared IF, so nothing wakes it.
constexpr std::array<std::uint8_t, 4> kStubCode{0xF4, 0xEB, 0xFD, 0x90};
constexpr std::uint32_t kStubBytes = kStubCode.size();
constexpr unsigned kVectorGP = 13;
constexpr std::uint8_t kOpcodeHlt = 0xF4;

// ---- 32-bit paging (SDM vol. 3 §4.3) ---------------------------------------------------------
constexpr std::uint32_t kPagePresent = 1u << 0, kPageWritable = 1u << 1, kPageUser = 1u << 2;
constexpr std::uint32_t kPageBits = kPagePresent | kPageWritable | kPageUser;  // the V86 guest runs at CPL 3
constexpr std::uint32_t kPageBytes = 4096;
constexpr unsigned kPageTableEntries = 1024;  // one table maps 4 MiB

// ---- control registers and flags ---------------------------------------------------------------
constexpr std::uint32_t kCr0PE = 1u << 0, kCr0ET = 1u << 4, kCr0PG = 1u << 31;
constexpr std::uint16_t kAttributesV86Data = 0xF3;  // present, DPL 3, read/write, accessed
constexpr std::uint16_t kAttributesV86Code = 0xFB;  // present, DPL 3, execute/read, accessed

void check_range(std::span<const std::uint8_t> ram, std::uint32_t address, std::uint32_t bytes) {
    if (address > ram.size() || bytes > ram.size() - address)
        throw std::runtime_error("V86 environment: address outside the bench's RAM");
}

template <typename T>
void store(std::span<std::uint8_t> ram, std::uint32_t address, T value) {
    check_range(ram, address, sizeof(T));
    for (unsigned i = 0; i < sizeof(T); ++i) ram[address + i] = static_cast<std::uint8_t>(value >> (8 * i));
}

std::uint32_t load32(std::span<const std::uint8_t> ram, std::uint32_t address) {
    check_range(ram, address, 4);
    std::uint32_t value = 0;
    for (unsigned i = 0; i < 4; ++i) value |= std::uint32_t{ram[address + i]} << (8 * i);
    return value;
}

// A code/data/system segment descriptor (SDM vol. 3 §3.4.5, Figure 3-8). `flags` is the
// nibble holding G, D/B, L and AVL.
std::uint64_t segment_descriptor(std::uint32_t base, std::uint32_t limit, std::uint8_t access, std::uint8_t flags) {
    return (limit & 0xFFFFull) | (std::uint64_t{base & 0xFFFFFF} << 16) | (std::uint64_t{access} << 40) |
           (std::uint64_t{(limit >> 16) & 0xF} << 48) | (std::uint64_t{flags & 0xFu} << 52) |
           (std::uint64_t{base >> 24} << 56);
}

// A 32-bit interrupt gate (SDM vol. 3 §6.11, Figure 6-2).
std::uint64_t interrupt_gate(std::uint16_t selector, std::uint32_t offset) {
    return (offset & 0xFFFFull) | (std::uint64_t{selector} << 16) | (std::uint64_t{kAccessInterruptGate32} << 40) |
           (std::uint64_t{offset >> 16} << 48);
}

void write_gdt(std::span<std::uint8_t> ram) {
    const std::array<std::uint64_t, kGdtEntries> gdt{
        0,
        segment_descriptor(0, kFlatLimit, kAccessCode, kFlagsFlat32),
        segment_descriptor(0, kFlatLimit, kAccessData, kFlagsFlat32),
        segment_descriptor(kTssAddress, kTssLimit, kAccessBusyTss, 0),  // byte granular
    };
    for (unsigned i = 0; i < gdt.size(); ++i) store(ram, kGdtAddress + 8 * i, gdt[i]);
}

// Interrupts and exceptions out of V86 mode switch to SS0:ESP0; the all-zero bitmap lets the
// guest's OUTs to the debug port through (in V86 mode IOPL does not cover IN/OUT).
void write_tss(std::span<std::uint8_t> ram, std::uint32_t cr3) {
    check_range(ram, kTssAddress, kTssLimit + 1);
    std::fill_n(ram.begin() + kTssAddress, kTssLimit + 1, std::uint8_t{0});
    store(ram, kTssAddress + kTssEsp0, kRing0StackTop);
    store(ram, kTssAddress + kTssSs0, std::uint32_t{kDataSelector});
    store(ram, kTssAddress + kTssCr3, cr3);
    store(ram, kTssAddress + kTssIoMapBase, static_cast<std::uint16_t>(kIoBitmapOffset));
    store(ram, kTssAddress + kIoBitmapOffset + kIoBitmapBytes, std::uint8_t{0xFF});
}

void write_idt_and_stubs(std::span<std::uint8_t> ram) {
    for (unsigned vector = 0; vector < kIdtEntries; ++vector) {
        const std::uint32_t stub = kStubsAddress + kStubBytes * vector;
        for (unsigned i = 0; i < kStubBytes; ++i) store(ram, stub + i, kStubCode[i]);
        store(ram, kIdtAddress + 8 * vector, interrupt_gate(kCodeSelector, stub));
    }
}

// Identity map of the first 4 MiB with 4 KiB pages, user and writable.
void write_page_tables(std::span<std::uint8_t> ram) {
    store(ram, kPageDirectoryAddress, kPageTableAddress | kPageBits);
    for (std::uint32_t i = 1; i < kPageTableEntries; ++i) store(ram, kPageDirectoryAddress + 4 * i, std::uint32_t{0});
    for (std::uint32_t i = 0; i < kPageTableEntries; ++i)
        store(ram, kPageTableAddress + 4 * i, (i * kPageBytes) | kPageBits);
}

static_assert(kGdtAddress + 8 * kGdtEntries <= kIdtAddress);
static_assert(kIdtAddress + 8 * kIdtEntries <= kStubsAddress);
static_assert(kStubsAddress + kStubBytes * kIdtEntries <= kTssAddress);
static_assert(kTssAddress + kTssLimit < kRing0StackTop - kPageBytes);
static_assert(kRing0StackTop <= kPageDirectoryAddress);
static_assert(kPageDirectoryAddress % kPageBytes == 0 && kPageTableAddress % kPageBytes == 0);
static_assert(kPageTableAddress + kPageBytes <= kEnvironmentEnd);

bool has_error_code(unsigned vector) {
    return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17;
}

// The vector whose stub the CPU sits in, or -1 if it is elsewhere.
int stub_vector(const x86emu::CpuState& state) {
    if (state.seg[x86emu::CS].selector != kCodeSelector) return -1;
    if (state.eip < kStubsAddress || state.eip >= kStubsAddress + kStubBytes * kIdtEntries) return -1;
    return static_cast<int>((state.eip - kStubsAddress) / kStubBytes);
}

// What the CPU pushed on the ring-0 stack when it entered the stub (SDM vol. 3 §6.12.1 and
// Figure 20-2 for a V86 interrupted context).
struct ExceptionFrame {
    std::uint32_t error_code = 0;
    std::uint32_t eip = 0, cs = 0, eflags = 0;
};

ExceptionFrame read_frame(const x86emu::CpuState& state, std::span<const std::uint8_t> ram, unsigned vector) {
    std::uint32_t at = state.seg[x86emu::SS].base + state.gpr[x86emu::ESP];
    ExceptionFrame frame;
    if (has_error_code(vector)) {
        frame.error_code = load32(ram, at);
        at += 4;
    }
    frame.eip = load32(ram, at);
    frame.cs = load32(ram, at + 4) & 0xFFFF;
    frame.eflags = load32(ram, at + 8);
    return frame;
}

}  // namespace

void write_v86_environment(std::span<std::uint8_t> ram, bool paging) {
    check_range(ram, kGdtAddress, kEnvironmentEnd - kGdtAddress);
    write_gdt(ram);
    write_tss(ram, paging ? kPageDirectoryAddress : 0);
    write_idt_and_stubs(ram);
    if (paging) write_page_tables(ram);
}

x86emu::CpuState v86_entry_state(x86emu::CpuState state, bool paging, std::uint16_t entry_ip, std::uint16_t sp) {
    namespace fl = x86emu::eflags;
    state.cr0 = kCr0PE | kCr0ET | (paging ? kCr0PG : 0);
    state.cr3 = paging ? kPageDirectoryAddress : 0;
    // IOPL 3 so that the guest's CLI (and PUSHF/POPF/STI, INT n) run without trapping (SDM vol. 3
    // §20.2.7); IF stays clear as after a reset.
    state.eflags = fl::VM | fl::IOPL | 0x2;
    for (unsigned s = 0; s < state.seg.size(); ++s) {
        // Exactly what loading selector 0 in V86 mode gives (SDM vol. 3 §20.2.1).
        state.seg[s] = {0, 0, 0xFFFF, s == x86emu::CS ? kAttributesV86Code : kAttributesV86Data};
    }
    state.eip = entry_ip;
    state.gpr[x86emu::ESP] = sp;
    state.gdtr = {kGdtAddress, static_cast<std::uint16_t>(8 * kGdtEntries - 1)};
    state.idtr = {kIdtAddress, static_cast<std::uint16_t>(8 * kIdtEntries - 1)};
    state.tr = {kTssSelector, kTssAddress, kTssLimit, kAccessBusyTss};
    return state;
}

bool halted_on_guest_hlt(const x86emu::CpuState& state, std::span<const std::uint8_t> ram) {
    if (stub_vector(state) != static_cast<int>(kVectorGP)) return false;
    const ExceptionFrame frame = read_frame(state, ram, kVectorGP);
    if (frame.error_code != 0 || !(frame.eflags & x86emu::eflags::VM)) return false;
    const std::uint32_t linear = (frame.cs << 4) + (frame.eip & 0xFFFF);
    return linear < ram.size() && ram[linear] == kOpcodeHlt;
}

std::string describe_cpu(const x86emu::CpuState& state, std::span<const std::uint8_t> ram) {
    char text[256];
    std::snprintf(text, sizeof text, "CS:EIP=%04X:%08X CR0=%08X EFLAGS=%08X CR2=%08X CR3=%08X ESP=%08X",
                  state.seg[x86emu::CS].selector, state.eip, state.cr0, state.eflags, state.cr2, state.cr3,
                  state.gpr[x86emu::ESP]);
    std::string result = text;
    const int vector = stub_vector(state);
    if (vector < 0) return result;
    try {
        const ExceptionFrame frame = read_frame(state, ram, static_cast<unsigned>(vector));
        std::snprintf(text, sizeof text, "; in the stub of vector %d, error code %04X, interrupted at %04X:%08X EFLAGS=%08X%s",
                      vector, frame.error_code, frame.cs, frame.eip, frame.eflags,
                      (frame.eflags & x86emu::eflags::VM) ? " (V86)" : "");
        result += text;
    } catch (const std::exception&) {
        result += "; in the stub of vector " + std::to_string(vector) + ", ring-0 stack unreadable";
    }
    return result;
}

}  // namespace bench
