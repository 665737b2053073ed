// x86emu devices — ACPI table image (acpi_tables.hpp). Layouts from the ACPI Specification 6.x:
// §5.2.5.3 RSDP structure, §5.2.6 DESCRIPTION_HEADER (36 bytes), §5.2.7 RSDT, §5.2.9 FADT
// field table (offsets noted below), §5.2.10 FACS, §20.2 AML grammar.
#include "devices/acpi_tables.hpp"

#include <cstring>
#include <stdexcept>
#include <string_view>

namespace x86emu {
namespace {

constexpr std::string_view kOemId = "X86EMU";       // 6 bytes
constexpr std::string_view kOemTableId = "X86EMUPC";  // 8 bytes
constexpr std::string_view kCreatorId = "XEMU";     // 4 bytes
constexpr std::uint32_t kHeaderBytes = 36;

class Image {
public:
    explicit Image(std::uint32_t base) : base_(base) {}
    std::uint32_t here() const { return base_ + static_cast<std::uint32_t>(bytes_.size()); }
    void align(std::uint32_t to) {
        while (here() % to != 0) bytes_.push_back(0);
    }
    std::size_t offset_of(std::uint32_t address) const { return address - base_; }
    void put(std::size_t at, std::uint64_t value, unsigned n) {
        for (unsigned k = 0; k < n; ++k) bytes_[at + k] = static_cast<std::uint8_t>(value >> (8 * k));
    }
    void put_text(std::size_t at, std::string_view text) { std::memcpy(&bytes_[at], text.data(), text.size()); }
    // Room for `length` zero bytes; returns their start's offset.
    std::size_t reserve(std::size_t length) {
        const std::size_t at = bytes_.size();
        bytes_.resize(at + length, 0);
        return at;
    }
    void checksum(std::size_t at, std::size_t length, std::size_t field) {
        bytes_[field] = 0;
        bytes_[field] = acpi_checksum(&bytes_[at], length);
    }
    std::vector<std::uint8_t>& bytes() { return bytes_; }

private:
    std::uint32_t base_;
    std::vector<std::uint8_t> bytes_;
};

// A table with the standard header; `body` bytes follow it. Returns its offset; the checksum is
// filled by finish().
std::size_t begin_table(Image& image, std::string_view signature, std::uint32_t length, std::uint8_t revision) {
    const std::size_t at = image.reserve(length);
    image.put_text(at + 0, signature);
    image.put(at + 4, length, 4);
    image.put(at + 8, revision, 1);
    image.put_text(at + 10, kOemId);
    image.put_text(at + 16, kOemTableId);
    image.put(at + 24, 1, 4);           // OEM revision
    image.put_text(at + 28, kCreatorId);
    image.put(at + 32, 1, 4);           // creator revision
    return at;
}
void finish(Image& image, std::size_t at, std::uint32_t length) { image.checksum(at, length, at + 9); }

// The DSDT's AML (ACPI §20.2):
//   Name (\_S5, Package () { slp_typ, slp_typ, 0, 0 })
// encodes as
//   08                 NameOp
//   5F 53 35 5F        NameSeg "_S5_" (a name shorter than 4 characters is padded with '_')
//   12                 PackageOp
//   08                 PkgLength: one byte (bits 7-6 = 0), counting itself and what follows (8)
//   04                 NumElements
//   0A tt              BytePrefix, SLP_TYP for PM1a_CNT
//   0A tt              BytePrefix, SLP_TYP for PM1b_CNT (no PM1b block; the same value)
//   00 00              ZeroOp, ZeroOp (reserved)
// \_S5 is looked up from the root; the DSDT's definition block is the root scope, so the plain
// NameSeg names \_S5.
std::vector<std::uint8_t> s5_aml(std::uint8_t slp_typ) {
    return {0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0A, slp_typ, 0x0A, slp_typ, 0x00, 0x00};
}

// AML PkgLength (ACPI §20.2.4): the length of the package including the PkgLength bytes; one
// byte up to 63, else a lead byte (bits 7-6 = number of following bytes, bits 3-0 = low nibble)
// and the rest of the value in following bytes.
void append_with_pkg_length(std::vector<std::uint8_t>& out, const std::vector<std::uint8_t>& content) {
    std::size_t total = content.size() + 1;
    if (total > 0x3F) total = content.size() + 2;
    if (total > 0xFFF) total = content.size() + 3;  // the DSDT never needs 4 bytes
    if (total <= 0x3F) {
        out.push_back(static_cast<std::uint8_t>(total));
    } else {
        const unsigned follow = total <= 0xFFF ? 1 : 2;
        out.push_back(static_cast<std::uint8_t>((follow << 6) | (total & 0x0F)));
        for (unsigned k = 0; k < follow; ++k) out.push_back(static_cast<std::uint8_t>(total >> (4 + 8 * k)));
    }
    out.insert(out.end(), content.begin(), content.end());
}

void put_le(std::vector<std::uint8_t>& out, std::uint64_t value, unsigned n) {
    for (unsigned k = 0; k < n; ++k) out.push_back(static_cast<std::uint8_t>(value >> (8 * k)));
}

// Word Address Space Descriptor (ACPI §6.4.3.5.3), a producer window of the bridge: type 0x88,
// length 13, resource type (1 I/O, 2 bus numbers), general flags 0Ch (min and max fixed,
// positive decode, producer), type-specific flags, granularity, min, max, translation, length.
void word_window(std::vector<std::uint8_t>& out, std::uint8_t type, std::uint8_t type_flags, std::uint16_t min,
                 std::uint16_t max) {
    out.push_back(0x88);
    put_le(out, 13, 2);
    out.push_back(type);
    out.push_back(0x0C);
    out.push_back(type_flags);
    put_le(out, 0, 2);
    put_le(out, min, 2);
    put_le(out, max, 2);
    put_le(out, 0, 2);
    put_le(out, std::uint32_t{max} - min + 1, 2);
}
// DWord Address Space Descriptor (§6.4.3.5.2), a memory window: type 0x87, length 23, resource
// type 0, flags 0Ch, type-specific 01h (read-write, non-cacheable), then the five dwords.
void dword_memory_window(std::vector<std::uint8_t>& out, std::uint32_t min, std::uint32_t max) {
    out.push_back(0x87);
    put_le(out, 23, 2);
    out.push_back(0x00);
    out.push_back(0x0C);
    out.push_back(0x01);
    put_le(out, 0, 4);
    put_le(out, min, 4);
    put_le(out, max, 4);
    put_le(out, 0, 4);
    put_le(out, std::uint64_t{max} - min + 1, 4);
}

// The PCI host bridge (ACPI §6.1.1 _ADR, §6.1.5 _HID, §6.2.2 _CRS, §20.2 grammar):
//   Scope (\_SB) {
//     Device (PCI0) {
//       Name (_HID, EisaId ("PNP0A03"))
//       Name (_ADR, Zero)
//       Name (_CRS, ResourceTemplate () {
//         WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode, 0, 0, 0xFF, 0, 0x100)
//         WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange, 0, 0, 0xCF7, 0, 0xCF8)
//         WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange, 0, 0xD00, 0xFFFF, 0, 0xF300)
//         DWordMemory (..., NonCacheable, ReadWrite, 0, 0xA0000, 0xBFFFF, 0, 0x20000)
//         DWordMemory (..., NonCacheable, ReadWrite, 0, memory_base, 0xFEBFFFFF, 0, ...)
//       })
//     }
//   }
// encodes as ScopeOp 10, PkgLength, "\_SB_" (5C 5F 53 42 5F); DeviceOp 5B 82, PkgLength, "PCI0";
// 08 "_HID" 0C 41 D0 0A 03 (EisaId: letters 'P','N','P' as 5-bit values 10h, 0Eh, 10h packed
// into 41D0h, product 0A03h, stored big-endian); 08 "_ADR" 00; 08 "_CRS" then BufferOp 11,
// PkgLength, BufferSize (0A n), the descriptors and the end tag 79 00 (checksum 0: "valid").
// The I/O windows leave out CF8h-CFFh, the configuration ports the bridge itself decodes.
std::vector<std::uint8_t> pci_host_bridge_aml(std::uint32_t memory_base) {
    std::vector<std::uint8_t> resources;
    word_window(resources, 2, 0x00, 0x00, 0xFF);
    word_window(resources, 1, 0x03, 0x0000, 0x0CF7);
    word_window(resources, 1, 0x03, 0x0D00, 0xFFFF);
    dword_memory_window(resources, 0xA0000, 0xBFFFF);
    dword_memory_window(resources, memory_base, 0xFEBFFFFF);
    resources.push_back(0x79);
    resources.push_back(0x00);

    std::vector<std::uint8_t> buffer_body = {0x0A, static_cast<std::uint8_t>(resources.size())};
    buffer_body.insert(buffer_body.end(), resources.begin(), resources.end());
    std::vector<std::uint8_t> device_body = {'P', 'C', 'I', '0',
                                             0x08, '_', 'H', 'I', 'D', 0x0C, 0x41, 0xD0, 0x0A, 0x03,
                                             0x08, '_', 'A', 'D', 'R', 0x00,
                                             0x08, '_', 'C', 'R', 'S', 0x11};
    append_with_pkg_length(device_body, buffer_body);
    std::vector<std::uint8_t> scope_body = {0x5C, '_', 'S', 'B', '_', 0x5B, 0x82};
    append_with_pkg_length(scope_body, device_body);
    std::vector<std::uint8_t> out = {0x10};
    append_with_pkg_length(out, scope_body);
    return out;
}

// A Generic Address Structure (§5.2.3.2): system I/O space, bit width, access size.
void put_gas_io(Image& image, std::size_t at, std::uint16_t port, std::uint8_t bit_width, std::uint8_t access_size) {
    image.put(at + 0, 1, 1);  // address space: system I/O
    image.put(at + 1, bit_width, 1);
    image.put(at + 2, 0, 1);  // bit offset
    image.put(at + 3, access_size, 1);  // 1 byte, 2 word, 3 dword
    image.put(at + 4, port, 8);
}

}  // namespace

std::uint8_t acpi_checksum(const std::uint8_t* data, std::size_t length) {
    std::uint8_t sum = 0;
    for (std::size_t k = 0; k < length; ++k) sum = static_cast<std::uint8_t>(sum + data[k]);
    return static_cast<std::uint8_t>(-sum);
}

AcpiTables build_acpi_tables(const AcpiTableConfig& config) {
    if (config.base % 16 != 0) throw std::invalid_argument("acpi tables: the base address must be 16-byte aligned");
    if (config.slp_typ_s5 > 7) throw std::invalid_argument("acpi tables: SLP_TYP is a 3-bit field");
    if (config.pci_memory_base < 0x100000 || config.pci_memory_base > 0xFEBFFFFF)
        throw std::invalid_argument("acpi tables: the PCI memory window must start in 1 MiB-FEBFFFFFh");
    if (std::uint32_t{config.pm_base} + 16 > 0x10000)
        throw std::invalid_argument("acpi tables: the PM block must end at or below port FFFFh");

    Image image(config.base);
    AcpiTables out;
    out.base = config.base;

    // RSDP (§5.2.5.3, revision 0): "RSD PTR ", checksum, OEMID, revision, RSDT address.
    out.rsdp = image.here();
    const std::size_t rsdp = image.reserve(20);
    image.put_text(rsdp + 0, "RSD PTR ");
    image.put_text(rsdp + 9, kOemId);
    image.put(rsdp + 15, 0, 1);

    // RSDT with one entry.
    image.align(16);
    out.rsdt = image.here();
    constexpr std::uint32_t kRsdtBytes = kHeaderBytes + 4;
    const std::size_t rsdt = begin_table(image, "RSDT", kRsdtBytes, 1);

    // FADT, revision 3 (ACPI 2.0), 244 bytes.
    image.align(16);
    out.fadt = image.here();
    constexpr std::uint32_t kFadtBytes = 244;
    const std::size_t fadt = begin_table(image, "FACP", kFadtBytes, 3);

    // FACS (§5.2.10): 64-byte aligned, no checksum.
    image.align(64);
    out.facs = image.here();
    const std::size_t facs = image.reserve(64);
    image.put_text(facs + 0, "FACS");
    image.put(facs + 4, 64, 4);   // length
    image.put(facs + 8, 0, 4);    // hardware signature
    image.put(facs + 12, 0, 4);   // firmware waking vector: none (no S1-S4)
    image.put(facs + 16, 0, 4);   // global lock: free
    image.put(facs + 20, 0, 4);   // flags: no S4BIOS, no 64-bit wake
    image.put(facs + 32, 1, 1);   // version (ACPI 2.0 layout)

    // DSDT.
    image.align(16);
    out.dsdt = image.here();
    std::vector<std::uint8_t> aml = s5_aml(config.slp_typ_s5);
    if (config.pci_host_bridge) {
        const std::vector<std::uint8_t> pci = pci_host_bridge_aml(config.pci_memory_base);
        aml.insert(aml.end(), pci.begin(), pci.end());
    }
    const std::uint32_t dsdt_bytes = kHeaderBytes + static_cast<std::uint32_t>(aml.size());
    const std::size_t dsdt = begin_table(image, "DSDT", dsdt_bytes, 2);
    std::memcpy(&image.bytes()[dsdt + kHeaderBytes], aml.data(), aml.size());
    finish(image, dsdt, dsdt_bytes);

    if (std::uint64_t{config.base} + image.bytes().size() > 0x100000000ull)
        throw std::invalid_argument("acpi tables: the image would pass 4 GiB");

    // Fill the FADT now that every address is known (offsets from §5.2.9's table).
    const std::uint16_t pm = config.pm_base;
    image.put(fadt + 36, out.facs, 4);      // FIRMWARE_CTRL
    image.put(fadt + 40, out.dsdt, 4);      // DSDT
    image.put(fadt + 45, 1, 1);             // Preferred_PM_Profile: desktop
    image.put(fadt + 46, config.sci_irq, 2);  // SCI_INT
    image.put(fadt + 48, 0, 4);             // SMI_CMD: none, always in ACPI mode
    image.put(fadt + 56, pm + 0, 4);        // PM1a_EVT_BLK
    image.put(fadt + 64, pm + 4, 4);        // PM1a_CNT_BLK
    image.put(fadt + 76, pm + 8, 4);        // PM_TMR_BLK
    image.put(fadt + 88, 4, 1);             // PM1_EVT_LEN
    image.put(fadt + 89, 2, 1);             // PM1_CNT_LEN
    image.put(fadt + 91, 4, 1);             // PM_TMR_LEN
    image.put(fadt + 96, 101, 2);           // P_LVL2_LAT > 100: no C2
    image.put(fadt + 98, 1001, 2);          // P_LVL3_LAT > 1000: no C3
    image.put(fadt + 108, 0, 1);            // CENTURY: no RTC century register named
    image.put(fadt + 109, 0x0003, 2);       // IAPC_BOOT_ARCH: LEGACY_DEVICES | 8042
    std::uint32_t flags = (1u << 0)         // WBINVD works
                        | (1u << 2)         // PROC_C1 (HLT)
                        | (1u << 5)         // SLP_BUTTON: no fixed-feature sleep button
                        | (1u << 6)         // FIX_RTC: no RTC wake status in PM1
                        | (1u << 10);       // RESET_REG_SUP
    if (config.timer_32bit) flags |= 1u << 8;  // TMR_VAL_EXT
    image.put(fadt + 112, flags, 4);
    put_gas_io(image, fadt + 116, 0x64, 8, 1);  // RESET_REG: the 8042 command port ...
    image.put(fadt + 128, 0xFE, 1);             // ... RESET_VALUE: pulse the reset line
    finish(image, fadt, kFadtBytes);

    image.put(rsdt + kHeaderBytes, out.fadt, 4);
    finish(image, rsdt, kRsdtBytes);
    image.put(rsdp + 16, out.rsdt, 4);
    image.checksum(rsdp, 20, rsdp + 8);

    out.bytes = std::move(image.bytes());
    return out;
}

}  // namespace x86emu
