// x86emu devices — the ACPI tables a PC without firmware hands to its operating system (ACPI
// Specification 6.x, chapter 5 "ACPI Software Programming Model": §5.2.5 RSDP, §5.2.6 the
// system description table header, §5.2.7 RSDT, §5.2.9 FADT, §5.2.10 FACS, §5.2.11.1 DSDT;
// §20 (AML grammar) for the DSDT's bytes; §7.4.2 for \_S5).
//
// One contiguous image, for a physical base address on a 16-byte boundary:
//   RSDP  revision 0 (ACPI 1.0 form, 20 bytes; checksum over them), -> RSDT
//   RSDT  revision 1, one entry: the FADT
//   FADT  revision 3 (244 bytes, ACPI 2.0 layout): FIRMWARE_CTRL -> FACS, DSDT -> DSDT,
//         SCI_INT 9, SMI_CMD 0 (always in ACPI mode), PM1a_EVT_BLK / PM1a_CNT_BLK / PM_TMR_BLK
//         at the AcpiPm block, IAPC_BOOT_ARCH = LEGACY_DEVICES | 8042, flags WBINVD, PROC_C1,
//         SLP_BUTTON (no fixed sleep button; the fixed power button is present), FIX_RTC,
//         RESET_REG_SUP (+ TMR_VAL_EXT for a 32-bit timer); RESET_REG = system I/O port 64h,
//         value FEh (the 8042's reset pulse); C2/C3 latencies say "not supported"; the 64-bit
//         X_ fields are 0, which tells the OS to use the 32-bit ones
//   FACS  64 bytes on a 64-byte boundary (version 1, no waking vector, no global lock owner)
//   DSDT  revision 2, AML: Name (\_S5, Package () {5, 5, 0, 0}), and optionally
//         Scope (\_SB) { Device (PCI0) { _HID PNP0A03, _ADR 0, _CRS (bus, I/O, memory windows) } }
// No MADT: the P6 model has no local APIC, and without an MADT an OS uses the 8259A PICs.
#pragma once
#include <cstdint>
#include <vector>

namespace x86emu {

struct AcpiTableConfig {
    std::uint32_t base = 0xE0000;     // physical address of the image (16-byte aligned)
    std::uint16_t pm_base = 0x600;    // AcpiPm's block: PM1a_EVT at +0, PM1a_CNT at +4, PM_TMR at +8
    bool timer_32bit = false;         // AcpiPm::Config::timer_32bit
    std::uint8_t sci_irq = 9;
    std::uint8_t slp_typ_s5 = 5;      // AcpiPm::kSlpTypS5
    // Declare the PCI host bridge \_SB.PCI0 (PNP0A03) in the DSDT. With ACPI enabled, Linux
    // scans PCI buses only below such a device, so a platform with PCI (CF8h/CFCh) sets this.
    // Its _CRS gives buses 0-FFh, I/O 0-CF7h and D00h-FFFFh, memory A0000h-BFFFFh and
    // pci_memory_base-FEBFFFFFh (which must lie above the RAM: the platform passes its RAM top,
    // or where its BARs go). No _PRT: the kernel then uses the devices' Interrupt Line registers.
    bool pci_host_bridge = false;
    std::uint32_t pci_memory_base = 0xC0000000;
};

struct AcpiTables {
    std::uint32_t base = 0;           // where `bytes` go
    std::vector<std::uint8_t> bytes;
    // Physical addresses of each table inside the image.
    std::uint32_t rsdp = 0, rsdt = 0, fadt = 0, facs = 0, dsdt = 0;
};

// Builds the image. std::invalid_argument if `base` is not 16-byte aligned, the image would
// pass 4 GiB, slp_typ_s5 does not fit SLP_TYP (0-7), the PM block passes port FFFFh, or
// pci_memory_base is outside 1 MiB-FEBFFFFFh.
AcpiTables build_acpi_tables(const AcpiTableConfig& config);

// The byte sum that makes [data, data + length) sum to 0 mod 256 (what every checksum field holds).
std::uint8_t acpi_checksum(const std::uint8_t* data, std::size_t length);

}  // namespace x86emu
