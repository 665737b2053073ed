// x86emu unit tests — ACPI: the table image (devices/acpi_tables.hpp: signatures, lengths,
// checksums, the pointers between the tables, the FADT's fields, the \_S5 AML decoded back by a
// small AML reader), and the PM registers (devices/acpi_pm.hpp: S5 power-off through PM1_CNT,
// other sleep types ignored, the PM timer at exactly 3.579545 MHz of emulated time and its wrap
// at 24 and 32 bits, PM1_STS write-1-to-clear, TMR_STS and the SCI), over a Scheduler with a
// test-owned clock; and the direct Linux boot placing the image (E820 type 3, acpi_rsdp_addr).
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "devices/acpi_pm.hpp"
#include "devices/acpi_tables.hpp"
#include "x86emu/io_ports.hpp"
#include "x86emu/scheduler.hpp"

using namespace x86emu;

namespace {

std::uint64_t le(const std::vector<std::uint8_t>& b, std::size_t at, unsigned n) {
    std::uint64_t v = 0;
    for (unsigned k = 0; k < n; ++k) v |= std::uint64_t{b.at(at + k)} << (8 * k);
    return v;
}
std::string text(const std::vector<std::uint8_t>& b, std::size_t at, std::size_t n) {
    return std::string(b.begin() + static_cast<std::ptrdiff_t>(at), b.begin() + static_cast<std::ptrdiff_t>(at + n));
}
unsigned sum(const std::vector<std::uint8_t>& b, std::size_t at, std::size_t n) {
    unsigned s = 0;
    for (std::size_t k = 0; k < n; ++k) s += b.at(at + k);
    return s & 0xFF;
}

// The sleep type values of `Name (_Sx, Package () {...})` found in an AML byte stream, decoded
// per ACPI §20.2 (NameOp, NameSeg, PackageOp, PkgLength, NumElements, integer data objects).
struct SleepPackage {
    bool found = false;
    std::vector<std::uint64_t> values;
};
SleepPackage find_sleep_package(const std::vector<std::uint8_t>& aml, const std::string& name) {
    SleepPackage out;
    for (std::size_t k = 0; k + 7 <= aml.size(); ++k) {
        if (aml[k] != 0x08 || std::memcmp(&aml[k + 1], name.data(), 4) != 0 || aml[k + 5] != 0x12) continue;
        std::size_t at = k + 6;
        const std::uint8_t lead = aml[at];
        const unsigned follow = lead >> 6;  // PkgLength: bits 7-6 count the bytes that follow
        std::size_t length = follow == 0 ? (lead & 0x3F) : (lead & 0x0F);
        for (unsigned f = 0; f < follow; ++f) length |= std::size_t{aml[at + 1 + f]} << (4 + 8 * f);
        const std::size_t end = at + length;
        REQUIRE(end <= aml.size());
        at += 1 + follow;
        const unsigned count = aml[at++];
        for (unsigned e = 0; e < count && at < end; ++e) {
            switch (aml[at]) {
            case 0x00: out.values.push_back(0); at += 1; break;            // ZeroOp
            case 0x01: out.values.push_back(1); at += 1; break;            // OneOp
            case 0x0A: out.values.push_back(aml[at + 1]); at += 2; break;  // BytePrefix
            case 0x0B: out.values.push_back(le(aml, at + 1, 2)); at += 3; break;  // WordPrefix
            case 0x0C: out.values.push_back(le(aml, at + 1, 4)); at += 5; break;  // DWordPrefix
            default: FAIL("unexpected AML data object"); return out;
            }
        }
        CHECK(at == end);  // the PkgLength covered exactly the elements
        out.found = true;
        return out;
    }
    return out;
}

struct Clock {
    std::uint64_t cycles = 0;
    Scheduler scheduler;
    explicit Clock(std::uint32_t khz) : scheduler(khz, [this] { return cycles; }) {}
    void advance_to(std::uint64_t c) {
        cycles = c;
        scheduler.run_due();
    }
};

struct PmRig {
    Clock clock;
    IoPortMap ports;
    std::vector<bool> sci;
    int power_offs = 0;
    AcpiPm pm;
    explicit PmRig(std::uint32_t khz = 33'000, bool timer_32bit = false)
        : clock(khz),
          pm(clock.scheduler, AcpiPm::Config{0x600, timer_32bit},
             AcpiPm::Wiring{[this](bool l) { sci.push_back(l); }, [this] { ++power_offs; }}) {
        pm.attach(ports);
    }
};

}  // namespace

TEST_CASE("acpi tables: RSDP, RSDT, FADT, FACS, DSDT with signatures, lengths, checksums and pointers") {
    const AcpiTables t = build_acpi_tables(AcpiTableConfig{});
    const auto& b = t.bytes;
    CHECK(t.base == 0xE0000);
    auto off = [&](std::uint32_t address) { return static_cast<std::size_t>(address - t.base); };

    // RSDP: on a 16-byte boundary inside E0000-FFFFF, revision 0, checksum over 20 bytes.
    CHECK(t.rsdp % 16 == 0);
    CHECK(t.rsdp >= 0xE0000);
    CHECK(t.rsdp + 20 <= 0x100000);
    CHECK(text(b, off(t.rsdp), 8) == "RSD PTR ");
    CHECK(sum(b, off(t.rsdp), 20) == 0);
    CHECK(b[off(t.rsdp) + 15] == 0);
    CHECK(le(b, off(t.rsdp) + 16, 4) == t.rsdt);

    // Every table: its signature, length inside the image, checksum over its length.
    struct Expect {
        std::uint32_t address;
        const char* signature;
        std::uint32_t length;
        std::uint8_t revision;
    };
    for (const Expect& e : {Expect{t.rsdt, "RSDT", 40, 1}, Expect{t.fadt, "FACP", 244, 3},
                            Expect{t.dsdt, "DSDT", 36 + 14, 2}}) {
        CAPTURE(e.signature);
        CHECK(text(b, off(e.address), 4) == e.signature);
        CHECK(le(b, off(e.address) + 4, 4) == e.length);
        CHECK(b[off(e.address) + 8] == e.revision);
        REQUIRE(off(e.address) + e.length <= b.size());
        CHECK(sum(b, off(e.address), e.length) == 0);
        CHECK(text(b, off(e.address) + 10, 6) == "X86EMU");
    }
    CHECK(le(b, off(t.rsdt) + 36, 4) == t.fadt);  // the RSDT's one entry

    // FACS: 64-byte aligned, 64 bytes, no checksum.
    CHECK(t.facs % 64 == 0);
    CHECK(text(b, off(t.facs), 4) == "FACS");
    CHECK(le(b, off(t.facs) + 4, 4) == 64);

    // FADT fields.
    const std::size_t f = off(t.fadt);
    CHECK(le(b, f + 36, 4) == t.facs);
    CHECK(le(b, f + 40, 4) == t.dsdt);
    CHECK(le(b, f + 46, 2) == 9);        // SCI_INT
    CHECK(le(b, f + 48, 4) == 0);        // SMI_CMD: always ACPI mode
    CHECK(le(b, f + 56, 4) == 0x600);    // PM1a_EVT_BLK
    CHECK(le(b, f + 60, 4) == 0);        // no PM1b
    CHECK(le(b, f + 64, 4) == 0x604);    // PM1a_CNT_BLK
    CHECK(le(b, f + 76, 4) == 0x608);    // PM_TMR_BLK
    CHECK(le(b, f + 80, 4) == 0);        // no GPE0
    CHECK(b[f + 88] == 4);
    CHECK(b[f + 89] == 2);
    CHECK(b[f + 91] == 4);
    CHECK(le(b, f + 109, 2) == 0x0003);  // IAPC_BOOT_ARCH: legacy devices, 8042
    const std::uint64_t flags = le(b, f + 112, 4);
    CHECK((flags & (1u << 0)) != 0);     // WBINVD
    CHECK((flags & (1u << 4)) == 0);     // fixed power button present
    CHECK((flags & (1u << 8)) == 0);     // 24-bit timer
    CHECK((flags & (1u << 10)) != 0);    // RESET_REG_SUP
    CHECK(b[f + 116] == 1);              // RESET_REG: system I/O ...
    CHECK(le(b, f + 120, 8) == 0x64);    // ... port 64h
    CHECK(b[f + 128] == 0xFE);           // RESET_VALUE
    CHECK(le(b, f + 132, 8) == 0);       // X_FIRMWARE_CTRL 0: the 32-bit field counts
    CHECK(le(b, f + 140, 8) == 0);       // X_DSDT 0 likewise

    // The DSDT's AML: \_S5 = {5, 5, 0, 0}.
    const std::vector<std::uint8_t> aml(b.begin() + static_cast<std::ptrdiff_t>(off(t.dsdt) + 36),
                                        b.begin() + static_cast<std::ptrdiff_t>(off(t.dsdt) + 36 + 14));
    const SleepPackage s5 = find_sleep_package(aml, "_S5_");
    REQUIRE(s5.found);
    CHECK(s5.values == std::vector<std::uint64_t>{AcpiPm::kSlpTypS5, AcpiPm::kSlpTypS5, 0, 0});
    CHECK(aml == std::vector<std::uint8_t>{0x08, 0x5F, 0x53, 0x35, 0x5F, 0x12, 0x08, 0x04, 0x0A, 0x05, 0x0A, 0x05,
                                           0x00, 0x00});
    CHECK_FALSE(find_sleep_package(aml, "_S3_").found);
}

namespace {

// One address space descriptor of a _CRS: resource type, min, max, length.
struct Window {
    std::uint8_t type;
    std::uint64_t min, max, length;
    friend bool operator==(const Window&, const Window&) = default;
};

// A PkgLength at `at` (ACPI §20.2.4): returns the package's end (at + its value) and moves `at`
// past the PkgLength bytes.
std::size_t package_end(const std::vector<std::uint8_t>& aml, std::size_t& at) {
    const std::size_t start = at;
    const std::uint8_t lead = aml.at(at++);
    const unsigned follow = lead >> 6;
    std::size_t length = follow == 0 ? (lead & 0x3F) : (lead & 0x0F);
    for (unsigned f = 0; f < follow; ++f) length |= std::size_t{aml.at(at++)} << (4 + 8 * f);
    return start + length;
}

}  // namespace

TEST_CASE("acpi tables: the optional PCI host bridge \\_SB.PCI0 (PNP0A03) with its _CRS windows") {
    AcpiTableConfig config;
    config.pci_host_bridge = true;
    config.pci_memory_base = 0x08000000;
    const AcpiTables t = build_acpi_tables(config);
    const auto& b = t.bytes;
    const std::size_t d = t.dsdt - t.base;
    const std::uint32_t length = static_cast<std::uint32_t>(le(b, d + 4, 4));
    REQUIRE(d + length <= b.size());
    CHECK(sum(b, d, length) == 0);
    const std::vector<std::uint8_t> aml(b.begin() + static_cast<std::ptrdiff_t>(d + 36),
                                        b.begin() + static_cast<std::ptrdiff_t>(d + length));
    CHECK(find_sleep_package(aml, "_S5_").values == std::vector<std::uint64_t>{5, 5, 0, 0});

    std::size_t at = 14;  // after \_S5
    REQUIRE(aml.at(at++) == 0x10);  // ScopeOp
    CHECK(package_end(aml, at) == aml.size());
    CHECK(text(aml, at, 5) == "\\_SB_");
    at += 5;
    REQUIRE(aml.at(at) == 0x5B);
    REQUIRE(aml.at(at + 1) == 0x82);  // DeviceOp
    at += 2;
    CHECK(package_end(aml, at) == aml.size());
    CHECK(text(aml, at, 4) == "PCI0");
    at += 4;
    // Name (_HID, DWordConst): the EISA ID decompresses to "PNP0A03".
    CHECK(aml.at(at) == 0x08);
    CHECK(text(aml, at + 1, 4) == "_HID");
    CHECK(aml.at(at + 5) == 0x0C);
    const std::uint32_t vendor = std::uint32_t{aml[at + 6]} << 8 | aml[at + 7];
    const std::uint32_t product = std::uint32_t{aml[at + 8]} << 8 | aml[at + 9];
    std::string id;
    for (int shift : {10, 5, 0}) id += static_cast<char>('@' + ((vendor >> shift) & 0x1F));
    char hex[5];
    std::snprintf(hex, sizeof hex, "%04X", product);
    id += hex;
    CHECK(id == "PNP0A03");
    at += 10;
    CHECK(aml.at(at) == 0x08);
    CHECK(text(aml, at + 1, 4) == "_ADR");
    CHECK(aml.at(at + 5) == 0x00);
    at += 6;
    // Name (_CRS, Buffer): BufferOp, PkgLength, BytePrefix size, the descriptors, the end tag.
    CHECK(aml.at(at) == 0x08);
    CHECK(text(aml, at + 1, 4) == "_CRS");
    REQUIRE(aml.at(at + 5) == 0x11);
    at += 6;
    const std::size_t buffer_end = package_end(aml, at);
    CHECK(buffer_end == aml.size());
    REQUIRE(aml.at(at) == 0x0A);
    const std::size_t size = aml.at(at + 1);
    at += 2;
    CHECK(at + size == buffer_end);
    std::vector<Window> windows;
    bool end_tag = false;
    while (at < buffer_end && !end_tag) {
        const std::uint8_t tag = aml[at];
        if (tag == 0x79) {
            end_tag = true;
            at += 2;
        } else if (tag == 0x88) {
            CHECK(le(aml, at + 1, 2) == 13);
            CHECK(aml[at + 4] == 0x0C);
            windows.push_back({aml[at + 3], le(aml, at + 8, 2), le(aml, at + 10, 2), le(aml, at + 14, 2)});
            at += 16;
        } else if (tag == 0x87) {
            CHECK(le(aml, at + 1, 2) == 23);
            CHECK(aml[at + 4] == 0x0C);
            windows.push_back({aml[at + 3], le(aml, at + 10, 4), le(aml, at + 14, 4), le(aml, at + 22, 4)});
            at += 26;
        } else {
            FAIL("unexpected resource descriptor");
            break;
        }
    }
    CHECK(end_tag);
    CHECK(at == buffer_end);
    const std::vector<Window> expected = {
        {2, 0x00, 0xFF, 0x100},  {1, 0x0000, 0x0CF7, 0x0CF8}, {1, 0x0D00, 0xFFFF, 0xF300},
        {0, 0xA0000, 0xBFFFF, 0x20000}, {0, 0x08000000, 0xFEBFFFFF, 0xF6C00000},
    };
    CHECK(windows == expected);

    // Without the option the DSDT holds only \_S5; a window start below 1 MiB is refused.
    const AcpiTables plain = build_acpi_tables(AcpiTableConfig{});
    CHECK(le(plain.bytes, plain.dsdt - plain.base + 4, 4) == 36 + 14);
    config.pci_memory_base = 0xF0000;
    CHECK_THROWS_AS(build_acpi_tables(config), std::invalid_argument);
}

TEST_CASE("acpi tables: configuration: base, PM block, 32-bit timer, SLP_TYP; bad configurations refused") {
    AcpiTableConfig config;
    config.base = 0xEF000;
    config.pm_base = 0xB000;
    config.timer_32bit = true;
    config.sci_irq = 10;
    config.slp_typ_s5 = 7;
    const AcpiTables t = build_acpi_tables(config);
    const auto& b = t.bytes;
    const std::size_t f = t.fadt - t.base;
    CHECK(t.rsdp == 0xEF000);
    CHECK(t.base + b.size() <= 0xF0000);  // small enough for the 4 KiB below the BIOS area
    CHECK(le(b, f + 46, 2) == 10);
    CHECK(le(b, f + 56, 4) == 0xB000);
    CHECK(le(b, f + 64, 4) == 0xB004);
    CHECK(le(b, f + 76, 4) == 0xB008);
    CHECK((le(b, f + 112, 4) & (1u << 8)) != 0);  // TMR_VAL_EXT
    CHECK(sum(b, f, 244) == 0);
    const std::vector<std::uint8_t> aml(b.begin() + static_cast<std::ptrdiff_t>(t.dsdt - t.base + 36), b.end());
    CHECK(find_sleep_package(aml, "_S5_").values == std::vector<std::uint64_t>{7, 7, 0, 0});

    CHECK_THROWS_AS(build_acpi_tables(AcpiTableConfig{0xE0008}), std::invalid_argument);
    AcpiTableConfig bad;
    bad.slp_typ_s5 = 8;
    CHECK_THROWS_AS(build_acpi_tables(bad), std::invalid_argument);
    bad = AcpiTableConfig{};
    bad.pm_base = 0xFFF8;
    CHECK_THROWS_AS(build_acpi_tables(bad), std::invalid_argument);
    bad = AcpiTableConfig{};
    bad.base = 0xFFFFFF00u;
    CHECK_THROWS_AS(build_acpi_tables(bad), std::invalid_argument);
}

TEST_CASE("acpi pm: SLP_EN with the S5 sleep type powers off; other types and SLP_TYP alone do not") {
    PmRig rig;
    CHECK(rig.ports.read(0x604, 2) == AcpiPm::kSciEn);  // always in ACPI mode
    rig.ports.write(0x604, 2, 5u << 10);  // SLP_TYP = S5 without SLP_EN
    CHECK(rig.power_offs == 0);
    CHECK(rig.ports.read(0x604, 2) == ((5u << 10) | AcpiPm::kSciEn));
    for (unsigned typ = 0; typ < 8; ++typ) {
        if (typ == AcpiPm::kSlpTypS5) continue;
        rig.ports.write(0x604, 2, (typ << 10) | AcpiPm::kSlpEn | AcpiPm::kSciEn);
        CHECK(rig.power_offs == 0);
        CHECK((rig.ports.read(0x604, 2) & AcpiPm::kSlpEn) == 0);  // write-only, reads 0
    }
    rig.ports.write(0x604, 2, (5u << 10) | AcpiPm::kSlpEn | AcpiPm::kSciEn);
    CHECK(rig.power_offs == 1);
    // Linux writes SLP_TYP first, then SLP_TYP | SLP_EN; a byte write of the high byte works too.
    rig.ports.write(0x605, 1, ((5u << 10) | AcpiPm::kSlpEn) >> 8);
    CHECK(rig.power_offs == 2);
    CHECK((rig.ports.read(0x604, 2) & AcpiPm::kSciEn) != 0);  // the low byte was kept
    // SCI_EN cannot be cleared: there is no legacy mode to return to.
    rig.ports.write(0x604, 2, 0);
    CHECK(rig.ports.read(0x604, 2) == AcpiPm::kSciEn);
}

TEST_CASE("acpi pm: the PM timer counts 3.579545 MHz of emulated time exactly and wraps at 24 bits") {
    PmRig rig(33'000);
    CHECK(rig.ports.read(0x608, 4) == 0);
    // 33 MHz: one second = 33,000,000 cycles = 3,579,545 ticks.
    rig.clock.advance_to(33'000'000);
    CHECK(rig.ports.read(0x608, 4) == 3'579'545);
    CHECK(rig.pm.ticks() == 3'579'545);
    // floor(cycles * 3579545 / 33e6) at an odd point.
    rig.clock.advance_to(123'456'789);
    CHECK(rig.pm.ticks() == 123'456'789ull * 3'579'545 / 33'000'000);
    // Wrap: 2^24 ticks take ceil(2^24 * 33e6 / 3579545) cycles.
    const std::uint64_t wrap_cycle = ((std::uint64_t{1} << 24) * 33'000'000 + 3'579'544) / 3'579'545;
    rig.clock.advance_to(wrap_cycle - 1);
    CHECK(rig.ports.read(0x608, 4) == 0xFFFFFF);
    rig.clock.advance_to(wrap_cycle);
    CHECK(rig.ports.read(0x608, 4) == 0);
    CHECK(rig.pm.ticks() == std::uint64_t{1} << 24);
    // Word and byte reads see the halves.
    rig.clock.advance_to(wrap_cycle + 33'000'000);
    const std::uint32_t value = rig.ports.read(0x608, 4);
    CHECK(value == 3'579'545);
    CHECK(rig.ports.read(0x608, 2) == (value & 0xFFFF));
    CHECK(rig.ports.read(0x60A, 2) == (value >> 16));
    CHECK(rig.ports.read(0x609, 1) == ((value >> 8) & 0xFF));
    rig.ports.write(0x608, 4, 0x12345678);  // read-only
    CHECK(rig.ports.read(0x608, 4) == value);
    // Big times stay exact (quotient/remainder arithmetic): 10^6 s at 33 MHz.
    rig.clock.advance_to(33'000'000ull * 1'000'000);
    CHECK(rig.pm.ticks() == 3'579'545ull * 1'000'000);
}

TEST_CASE("acpi pm: a 32-bit timer wraps at 2^32; another clock rate") {
    PmRig rig(100'000, true);
    const std::uint64_t wrap_cycle = ((std::uint64_t{1} << 32) * 100'000'000 + 3'579'544) / 3'579'545;
    rig.clock.advance_to(wrap_cycle - 1);
    CHECK(rig.ports.read(0x608, 4) == 0xFFFFFFFFu);
    rig.clock.advance_to(wrap_cycle);
    CHECK(rig.ports.read(0x608, 4) == 0);
    rig.clock.advance_to(wrap_cycle + 100'000'000);
    CHECK(rig.ports.read(0x608, 4) == 3'579'545);
}

TEST_CASE("acpi pm: PM1_STS is write-1-to-clear; TMR_STS on the top bit's change; the SCI") {
    PmRig rig(33'000);
    CHECK(rig.ports.read(0x600, 2) == 0);
    rig.pm.press_power_button();
    CHECK(rig.ports.read(0x600, 2) == AcpiPm::kPwrBtnSts);
    CHECK(rig.sci.empty());  // not enabled
    rig.ports.write(0x602, 2, AcpiPm::kPwrBtnEn);
    CHECK(rig.sci == std::vector<bool>{true});
    CHECK(rig.ports.read(0x602, 2) == AcpiPm::kPwrBtnEn);
    rig.ports.write(0x600, 2, 0);  // writing 0 changes nothing
    CHECK(rig.ports.read(0x600, 2) == AcpiPm::kPwrBtnSts);
    rig.ports.write(0x600, 2, AcpiPm::kPwrBtnSts);
    CHECK(rig.ports.read(0x600, 2) == 0);
    CHECK(rig.sci == std::vector<bool>{true, false});
    // A dword write at the event block writes PM1_STS and PM1_EN together.
    rig.ports.write(0x600, 4, std::uint32_t{AcpiPm::kTmrEn} << 16);
    CHECK(rig.ports.read(0x600, 4) == (std::uint32_t{AcpiPm::kTmrEn} << 16));

    // TMR_STS: bit 23 changes every 2^23 ticks; with TMR_EN an event raises the SCI then.
    const std::uint64_t half_wrap = ((std::uint64_t{1} << 23) * 33'000'000 + 3'579'544) / 3'579'545;
    CHECK(rig.clock.scheduler.next_deadline() == half_wrap);
    rig.clock.advance_to(half_wrap - 1);
    CHECK((rig.ports.read(0x600, 2) & AcpiPm::kTmrSts) == 0);
    rig.clock.advance_to(half_wrap);
    CHECK(rig.sci.back());
    CHECK((rig.ports.read(0x600, 2) & AcpiPm::kTmrSts) != 0);
    CHECK_FALSE(rig.clock.scheduler.next_deadline().has_value());  // nothing until cleared
    rig.ports.write(0x600, 2, AcpiPm::kTmrSts);
    CHECK((rig.ports.read(0x600, 2) & AcpiPm::kTmrSts) == 0);
    CHECK_FALSE(rig.sci.back());
    // The next change of bit 23 is the wrap at 2^24 ticks.
    const std::uint64_t wrap = ((std::uint64_t{1} << 24) * 33'000'000 + 3'579'544) / 3'579'545;
    CHECK(rig.clock.scheduler.next_deadline() == wrap);

    // Without TMR_EN no event is scheduled, and TMR_STS is still computed from time.
    rig.ports.write(0x602, 2, 0);
    CHECK_FALSE(rig.clock.scheduler.next_deadline().has_value());
    rig.clock.advance_to(10 * half_wrap);
    CHECK((rig.ports.read(0x600, 2) & AcpiPm::kTmrSts) != 0);
    CHECK(rig.sci.size() == 4);  // no SCI without the enable
    rig.ports.write(0x600, 1, AcpiPm::kTmrSts);  // a byte write clears it as well
    CHECK((rig.ports.read(0x600, 2) & AcpiPm::kTmrSts) == 0);

    // Reset: status and enables clear, SCI_EN set, the timer keeps running.
    rig.pm.press_power_button();
    rig.pm.reset();
    CHECK(rig.ports.read(0x600, 4) == 0);
    CHECK(rig.ports.read(0x604, 2) == AcpiPm::kSciEn);
    CHECK(rig.pm.ticks() == 10 * half_wrap * 3'579'545 / 33'000'000);
}

TEST_CASE("acpi pm: state round trip re-arms the timer event; odd accesses") {
    PmRig rig(33'000);
    rig.ports.write(0x602, 2, AcpiPm::kTmrEn);
    const AcpiPm::State saved = rig.pm.state();
    REQUIRE(saved.timer_event_cycle.has_value());
    PmRig other(33'000);
    other.pm.state() = saved;
    other.pm.rearm_events();
    CHECK(other.clock.scheduler.next_deadline() == saved.timer_event_cycle);
    CHECK(other.pm.state() == rig.pm.state());
    // Reserved ports read 0 and ignore writes; accesses past the block end are cut there.
    for (std::uint16_t port = 0x600; port < 0x610; ++port) rig.ports.write(port, 1, 0xFF);
    CHECK(rig.ports.read(0x606, 2) == 0);
    CHECK(rig.ports.read(0x60C, 4) == 0);
    CHECK(rig.ports.read(0x60E, 4) == 0);
    CHECK_THROWS_AS(AcpiPm(rig.clock.scheduler, AcpiPm::Config{0xFFF8, false}, AcpiPm::Wiring{}), std::invalid_argument);
}
