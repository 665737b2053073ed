// x86emu — direct Linux boot: loads a bzImage, an initrd and a command line into a Machine per
// the Linux x86 boot protocol (the kernel's Documentation/arch/x86/boot.rst, "32-bit boot
// protocol", and zero-page.rst for the boot_params layout) and leaves the CPU at the kernel's
// 32-bit entry point, so no BIOS has to run. What is implemented and the memory layout chosen:
// docs/LINUX_BOOT.md.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "x86emu/machine.hpp"

namespace x86emu {

// The fields of a bzImage's setup header (offsets 0x1F1.. of the image) that a 32-bit boot uses,
// as the image gives them. Fields the image's protocol version predates hold the protocol's
// documented default (noted per field).
struct LinuxSetupHeader {
    std::uint16_t protocol_version = 0;   // 0x206, e.g. 0x020F for 2.15
    std::uint8_t setup_sects = 0;         // 0x1F1, with 0 already replaced by 4
    std::uint32_t syssize = 0;            // 0x1F4, the protected-mode part in 16-byte units
    std::uint8_t loadflags = 0;           // 0x211 (bit 0 LOADED_HIGH)
    std::uint32_t code32_start = 0;       // 0x214
    std::uint32_t initrd_addr_max = 0;    // 0x22C: highest address an initrd byte may occupy
    std::uint32_t kernel_alignment = 0;   // 0x230 (before 2.05: 0, i.e. not relocatable)
    bool relocatable = false;             // 0x234 (before 2.05: false)
    std::uint16_t xloadflags = 0;         // 0x236 (before 2.12: 0)
    std::uint32_t cmdline_size = 0;       // 0x238: longest command line, without its NUL (before 2.06: 255)
    std::uint64_t pref_address = 0;       // 0x258 (before 2.10: 0x100000)
    std::uint32_t init_size = 0;          // 0x260: bytes the kernel needs from its runtime start
                                          // (before 2.10: the protected-mode part's size)
    std::uint32_t setup_bytes = 0;        // (setup_sects + 1) * 512: where the protected-mode part starts
    std::uint32_t kernel_bytes = 0;       // size of the protected-mode part (syssize * 16)
    std::uint32_t header_end = 0;         // 0x202 + image[0x201], clamped to 0x290: the copied header's end
};

inline constexpr std::uint8_t kLinuxLoadedHigh = 0x01;     // loadflags bit 0
inline constexpr std::uint8_t kLinuxCanUseHeap = 0x80;     // loadflags bit 7
inline constexpr std::uint16_t kLinuxOldestProtocol = 0x0204;  // 2.04: syssize is 32 bits
inline constexpr std::uint8_t kLinuxLoaderUndefined = 0xFF;    // type_of_loader: no assigned ID

// Parses and validates the setup header. Throws std::invalid_argument naming the problem: a file
// too short for its header or for the setup/protected-mode sizes it declares, a missing boot flag
// 0xAA55 or "HdrS" magic, a protocol older than 2.04, a kernel without LOADED_HIGH (a zImage),
// a relocatable kernel whose kernel_alignment is not a power of two.
LinuxSetupHeader parse_linux_setup_header(std::span<const std::uint8_t> bzimage);

// One BIOS-style E820 memory map entry (zero-page.rst: struct boot_e820_entry, 20 bytes).
struct E820Entry {
    std::uint64_t address = 0;
    std::uint64_t size = 0;
    std::uint32_t type = 0;  // 1 usable RAM, 2 reserved
    friend bool operator==(const E820Entry&, const E820Entry&) = default;
};
inline constexpr std::uint32_t kE820Ram = 1, kE820Reserved = 2, kE820Acpi = 3;  // 3: ACPI reclaimable

// Where load_linux put things, all physical addresses.
struct LinuxBootInfo {
    LinuxSetupHeader header;
    std::uint32_t kernel_address = 0;     // the protected-mode part: 1 MiB, or pref_address if relocatable
    std::uint32_t kernel_bytes = 0;
    std::uint32_t runtime_start = 0;      // where the kernel will decompress itself (boot.rst's algorithm)
    std::uint32_t runtime_end = 0;        // runtime_start + init_size: kept clear of the initrd
    std::uint32_t boot_params_address = 0;  // the 4 KiB "zero page"; ESI at entry
    std::uint32_t gdt_address = 0;
    std::uint32_t cmdline_address = 0;
    std::uint32_t cmdline_bytes = 0;      // without the terminating NUL
    std::uint32_t initrd_address = 0;     // 0 when no initrd was given
    std::uint32_t initrd_bytes = 0;
    std::uint32_t entry_point = 0;        // EIP at entry: the protected-mode part's load address
    std::vector<E820Entry> e820;
};

// Fixed places of the loader's own structures in low RAM (free conventional memory: the IVT and
// BIOS data area below are left alone).
inline constexpr std::uint32_t kLinuxBootParamsAddress = 0x10000;
inline constexpr std::uint32_t kLinuxGdtAddress = 0x11000;
inline constexpr std::uint32_t kLinuxCmdlineAddress = 0x20000;
inline constexpr std::uint32_t kLinuxCmdlineAreaBytes = 0x10000;  // NUL included
// The boot protocol's 32-bit convention: __BOOT_CS and __BOOT_DS.
inline constexpr std::uint16_t kLinuxBootCs = 0x10, kLinuxBootDs = 0x18;

// Firmware tables (the ACPI image of the PC platform, devices/acpi_tables.hpp) for a direct
// boot, which has no BIOS to provide them: `bytes` are written to RAM at `address`, which must
// lie with the bytes in 0xE0000-0xEFFFF (the BIOS area below the 64 KiB the ROM may take, one
// of the two ranges the kernel scans for the RSDP); the E820 map gets an ACPI-reclaimable
// (type 3) entry for the 4 KiB pages they occupy, and boot_params.acpi_rsdp_addr (0x070,
// protocol 2.14+) is set to `rsdp_address` when it is non-zero. Empty `bytes`: no tables.
// The same as Machine::FirmwareTables, so that Machine::firmware_tables() can be passed as is.
using LinuxFirmwareTables = Machine::FirmwareTables;
inline constexpr std::uint32_t kLinuxFirmwareTablesFirst = 0xE0000, kLinuxFirmwareTablesEnd = 0xF0000;

// Loads `bzimage` (and `initrd` if non-empty, and `cmdline`) into the machine's RAM, writes
// boot_params and a flat GDT, and sets the CPU to the 32-bit entry: protected mode, paging off,
// CS = 0x10 and DS/ES/SS/FS/GS = 0x18 flat 4 GiB at CPL 0, IF = 0, ESI = boot_params, EBP = EDI =
// EBX = 0, EIP = the kernel's load address; IDTR limit 0, so any exception before the kernel
// installs its own IDT ends in a clean shutdown rather than a jump through garbage.
// Everything is validated before memory is written: on std::invalid_argument (the header
// problems of parse_linux_setup_header; a CPU without 32-bit protected mode; a kernel whose
// runtime area does not fit in RAM; an initrd larger than the room between the kernel's runtime
// area and min(initrd_addr_max + 1, RAM top); a command line longer than cmdline_size or the
// loader's area, or holding a NUL byte; firmware tables outside their range or an
// rsdp_address outside them) the machine is untouched.
LinuxBootInfo load_linux(Machine& machine, std::span<const std::uint8_t> bzimage,
                         std::span<const std::uint8_t> initrd, std::string_view cmdline,
                         const LinuxFirmwareTables& firmware_tables = {});

// A 4 KiB ROM for a Machine that boots Linux directly (MachineConfig needs a BIOS image): HLT
// everywhere, and at the reset vector CLI; HLT; a jump back to the HLT. A reset (or a triple
// fault that resets) therefore stops the machine instead of running garbage.
std::vector<std::uint8_t> linux_direct_boot_rom();

}  // namespace x86emu
