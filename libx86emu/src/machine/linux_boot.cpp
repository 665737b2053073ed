// x86emu — direct Linux boot (x86emu/linux_boot.hpp): the bzImage setup header, boot_params (the
// "zero page") and the CPU state of the 32-bit entry. Facts from the kernel's boot protocol
// description (Documentation/arch/x86/boot.rst: "The real-mode kernel header", "Details of header
// fields", "32-bit boot protocol") and its zero-page layout (zero-page.rst, screen_info, boot_e820_entry);
// descriptor formats from Intel SDM vol. 3 §3.4.5. docs/LINUX_BOOT.md explains the choices.
#include "x86emu/linux_boot.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace x86emu {

namespace {

// Offsets in the image, which are also the offsets in boot_params (the header is copied to 0x1F1).
namespace hdr {
constexpr std::uint32_t setup_sects = 0x1F1, syssize = 0x1F4, boot_flag = 0x1FE, jump = 0x200, magic = 0x202,
                        version = 0x206, type_of_loader = 0x210, loadflags = 0x211, code32_start = 0x214,
                        ramdisk_image = 0x218, ramdisk_size = 0x21C, cmd_line_ptr = 0x228,
                        initrd_addr_max = 0x22C, kernel_alignment = 0x230, relocatable_kernel = 0x234,
                        xloadflags = 0x236, cmdline_size = 0x238, pref_address = 0x258, init_size = 0x260;
constexpr std::uint32_t first = 0x1F1;
constexpr std::uint32_t limit = 0x290;  // boot_params: edd_mbr_sig_buffer follows the header
}  // namespace hdr

// Offsets of the rest of boot_params (zero-page.rst).
namespace zp {
constexpr std::uint32_t screen_info = 0x000, ext_mem_k = 0x002, acpi_rsdp_addr = 0x070, alt_mem_k = 0x1E0, e820_entries = 0x1E8,
                        e820_table = 0x2D0, size = 0x1000;
constexpr std::uint32_t e820_entry_bytes = 20, e820_max_entries = 128;
// screen_info fields (include/uapi/linux/screen_info.h layout, as zero-page.rst points to).
constexpr std::uint32_t orig_video_mode = 0x06, orig_video_cols = 0x07, orig_video_lines = 0x0E,
                        orig_video_is_vga = 0x0F, orig_video_points = 0x10;
}  // namespace zp

constexpr std::uint32_t kOneMiB = 0x100000;
constexpr std::uint32_t kPage = 0x1000;
// The PC's conventional memory ends at 639 KiB; the last KiB is the EBDA a BIOS would keep.
constexpr std::uint32_t kConventionalTop = 0x9FC00, kEbdaTop = 0xA0000;
constexpr std::uint32_t kBiosAreaBase = 0xF0000;

constexpr std::uint32_t kCr0PE = 1u << 0, kCr0NW = 1u << 29, kCr0CD = 1u << 30, kCr0PG = 1u << 31;

std::string hex(std::uint64_t value) {
    char text[24];
    std::snprintf(text, sizeof text, "0x%llX", static_cast<unsigned long long>(value));
    return text;
}

std::uint32_t read16(std::span<const std::uint8_t> b, std::uint32_t at) {
    return std::uint32_t{b[at]} | std::uint32_t{b[at + 1]} << 8;
}
std::uint32_t read32(std::span<const std::uint8_t> b, std::uint32_t at) {
    return read16(b, at) | read16(b, at + 2) << 16;
}
std::uint64_t read64(std::span<const std::uint8_t> b, std::uint32_t at) {
    return std::uint64_t{read32(b, at)} | std::uint64_t{read32(b, at + 4)} << 32;
}

template <std::size_t N>
void put(std::array<std::uint8_t, N>& b, std::uint32_t at, std::uint64_t value, unsigned bytes) {
    for (unsigned k = 0; k < bytes; ++k) b[at + k] = static_cast<std::uint8_t>(value >> (8 * k));
}

// The header must reach the last field its version defines, or those "fields" would be code.
std::uint32_t fields_end_for(std::uint16_t version) {
    if (version >= 0x020A) return hdr::init_size + 4;
    if (version >= 0x0206) return hdr::cmdline_size + 4;
    if (version >= 0x0205) return hdr::relocatable_kernel + 1;
    return hdr::initrd_addr_max + 4;
}

std::string version_text(std::uint16_t version) {
    return std::to_string(version >> 8) + "." + std::to_string(version & 0xFF);
}

// A flat 4 GiB segment's 8-byte GDT descriptor (SDM vol. 3 §3.4.5): limit 0xFFFFF in 4 KiB
// units (G = 1), 32-bit (D/B = 1), base 0, the given access byte.
std::uint64_t flat_descriptor(std::uint8_t access) {
    const std::uint64_t limit_low = 0xFFFF, limit_high = 0xF, flags = 0xC;  // flags: G = 1, D/B = 1
    return limit_low | std::uint64_t{access} << 40 | limit_high << 48 | flags << 52;  // base 0
}

constexpr std::uint8_t kCodeAccess = 0x9B;  // present, DPL 0, code, execute/read, accessed
constexpr std::uint8_t kDataAccess = 0x93;  // present, DPL 0, data, read/write, accessed

SegmentState flat_segment(std::uint16_t selector, std::uint8_t access) {
    SegmentState s;
    s.selector = selector;
    s.base = 0;
    s.limit = 0xFFFFFFFFu;
    s.attributes = static_cast<std::uint16_t>(access | 0xC000);  // D/B (bit 14), G (bit 15)
    return s;
}

// `tables_first`..`tables_end`: the pages firmware tables occupy (equal: none).
std::vector<E820Entry> e820_map(std::uint32_t ram_bytes, std::uint32_t tables_first, std::uint32_t tables_end) {
    std::vector<E820Entry> map = {
        {0, kConventionalTop, kE820Ram},
        {kConventionalTop, kEbdaTop - kConventionalTop, kE820Reserved},
    };
    if (tables_end > tables_first) map.push_back({tables_first, tables_end - tables_first, kE820Acpi});
    map.push_back({kBiosAreaBase, kOneMiB - kBiosAreaBase, kE820Reserved});
    map.push_back({kOneMiB, std::uint64_t{ram_bytes} - kOneMiB, kE820Ram});
    return map;
}

}  // namespace

LinuxSetupHeader parse_linux_setup_header(std::span<const std::uint8_t> image) {
    const auto size = image.size();
    if (size < hdr::version + 2)
        throw std::invalid_argument("bzImage: truncated: " + std::to_string(size) +
                                    " bytes, too short for the setup header (at least " +
                                    std::to_string(hdr::version + 2) + ")");
    if (read16(image, hdr::boot_flag) != 0xAA55)
        throw std::invalid_argument("bzImage: bad magic: no boot flag 0xAA55 at offset 0x1FE (found " +
                                    hex(read16(image, hdr::boot_flag)) + ")");
    if (read32(image, hdr::magic) != 0x53726448)  // "HdrS"
        throw std::invalid_argument("bzImage: bad magic: no \"HdrS\" signature at offset 0x202 (a kernel "
                                    "older than boot protocol 2.00, or not a Linux kernel)");
    LinuxSetupHeader h;
    h.protocol_version = static_cast<std::uint16_t>(read16(image, hdr::version));
    if (h.protocol_version < kLinuxOldestProtocol)
        throw std::invalid_argument("bzImage: boot protocol " + version_text(h.protocol_version) +
                                    " is too old (at least " + version_text(kLinuxOldestProtocol) +
                                    " is supported)");
    h.header_end = std::min<std::uint32_t>(hdr::jump + 2 + image[hdr::jump + 1], hdr::limit);
    if (h.header_end < fields_end_for(h.protocol_version))
        throw std::invalid_argument("bzImage: the setup header ends at " + hex(h.header_end) +
                                    " (0x202 + the byte at 0x201), before the fields of protocol " +
                                    version_text(h.protocol_version) + " (up to " +
                                    hex(fields_end_for(h.protocol_version)) + ")");
    if (size < h.header_end)
        throw std::invalid_argument("bzImage: truncated: " + std::to_string(size) +
                                    " bytes, the setup header ends at " + hex(h.header_end));

    h.setup_sects = image[hdr::setup_sects] == 0 ? 4 : image[hdr::setup_sects];
    h.setup_bytes = (std::uint32_t{h.setup_sects} + 1) * 512;
    if (size < h.setup_bytes)
        throw std::invalid_argument("bzImage: truncated: " + std::to_string(size) + " bytes, shorter than its " +
                                    std::to_string(h.setup_sects) + " setup sectors plus the boot sector (" +
                                    std::to_string(h.setup_bytes) + " bytes)");
    h.loadflags = image[hdr::loadflags];
    if (!(h.loadflags & kLinuxLoadedHigh))
        throw std::invalid_argument("bzImage: LOADED_HIGH is clear in loadflags: a zImage loaded at 0x10000, "
                                    "which is not supported (only bzImage)");
    h.syssize = read32(image, hdr::syssize);
    const std::uint64_t kernel_bytes = std::uint64_t{h.syssize} * 16;
    if (kernel_bytes == 0) throw std::invalid_argument("bzImage: syssize is 0: no protected-mode kernel");
    if (h.setup_bytes + kernel_bytes > size)
        throw std::invalid_argument("bzImage: truncated: " + std::to_string(size) + " bytes, but the header declares " +
                                    std::to_string(h.setup_bytes) + " bytes of setup and " +
                                    std::to_string(kernel_bytes) + " bytes of protected-mode kernel (syssize " +
                                    hex(h.syssize) + ")");
    h.kernel_bytes = static_cast<std::uint32_t>(kernel_bytes);

    h.code32_start = read32(image, hdr::code32_start);
    h.initrd_addr_max = read32(image, hdr::initrd_addr_max);
    if (h.protocol_version >= 0x0205) {
        h.kernel_alignment = read32(image, hdr::kernel_alignment);
        h.relocatable = image[hdr::relocatable_kernel] != 0;
        if (h.relocatable && (h.kernel_alignment == 0 || (h.kernel_alignment & (h.kernel_alignment - 1)) != 0))
            throw std::invalid_argument("bzImage: relocatable kernel with kernel_alignment " +
                                        hex(h.kernel_alignment) + ", which is not a power of two");
    }
    h.cmdline_size = h.protocol_version >= 0x0206 ? read32(image, hdr::cmdline_size) : 255;
    h.xloadflags = h.protocol_version >= 0x020C ? static_cast<std::uint16_t>(read16(image, hdr::xloadflags)) : 0;
    if (h.protocol_version >= 0x020A) {
        h.pref_address = read64(image, hdr::pref_address);
        h.init_size = read32(image, hdr::init_size);
    } else {
        h.pref_address = kOneMiB;
        h.init_size = h.kernel_bytes;
    }
    return h;
}

LinuxBootInfo load_linux(Machine& machine, std::span<const std::uint8_t> bzimage,
                         std::span<const std::uint8_t> initrd, std::string_view cmdline,
                         const LinuxFirmwareTables& firmware_tables) {
    if (machine.model() == CpuModel::i8086 || machine.model() == CpuModel::i80286)
        throw std::invalid_argument(std::string("direct Linux boot needs a CPU with 32-bit protected mode (386 or "
                                                "later), not the ") +
                                    std::string(cpu_model_name(machine.model())));
    LinuxBootInfo info;
    info.header = parse_linux_setup_header(bzimage);
    const LinuxSetupHeader& h = info.header;
    const std::uint64_t ram_top = machine.memory_map().ram_bytes;

    // Where the protected-mode part goes: a relocatable kernel at its preferred address (so it
    // need not move itself before decompressing), anything else at 1 MiB, as the protocol says.
    const bool pref_usable = h.relocatable && h.pref_address >= kOneMiB && h.pref_address < 0x100000000ull &&
                             (h.pref_address & (h.kernel_alignment - 1)) == 0;
    info.kernel_address = pref_usable ? static_cast<std::uint32_t>(h.pref_address) : kOneMiB;
    info.kernel_bytes = h.kernel_bytes;
    // The kernel runtime start address (boot.rst, init_size): where it decompresses itself.
    std::uint64_t runtime_start = h.pref_address;
    if (h.relocatable) {
        const std::uint64_t from = std::max<std::uint64_t>(info.kernel_address, h.pref_address);
        runtime_start = (from + h.kernel_alignment - 1) & ~std::uint64_t{h.kernel_alignment - 1};
    }
    const std::uint64_t runtime_end = runtime_start + std::max(h.init_size, h.kernel_bytes);
    const std::uint64_t kernel_end = std::max<std::uint64_t>(info.kernel_address + std::uint64_t{h.kernel_bytes},
                                                             runtime_end);
    if (kernel_end > ram_top)
        throw std::invalid_argument("bzImage: the kernel is larger than RAM: it needs memory up to " + hex(kernel_end) +
                                    " (runtime start " + hex(runtime_start) + " + init_size " + hex(h.init_size) +
                                    "), the machine has " + hex(ram_top) + " bytes; give it at least " +
                                    std::to_string((kernel_end + kOneMiB - 1) / kOneMiB) + " MiB");
    info.runtime_start = static_cast<std::uint32_t>(runtime_start);
    info.runtime_end = static_cast<std::uint32_t>(runtime_end);

    // The command line: at most cmdline_size bytes (the kernel's limit) and the loader's area.
    if (cmdline.find('\0') != std::string_view::npos)
        throw std::invalid_argument("kernel command line contains a NUL byte");
    const std::uint64_t cmdline_max = std::min<std::uint64_t>(h.cmdline_size, kLinuxCmdlineAreaBytes - 1);
    if (cmdline.size() > cmdline_max)
        throw std::invalid_argument("kernel command line too long: " + std::to_string(cmdline.size()) +
                                    " bytes, at most " + std::to_string(cmdline_max) +
                                    (cmdline_max == h.cmdline_size ? " (the kernel's cmdline_size)" : " (the loader's area)"));
    info.cmdline_address = kLinuxCmdlineAddress;
    info.cmdline_bytes = static_cast<std::uint32_t>(cmdline.size());

    // The initrd: as high as possible, page-aligned, below min(initrd_addr_max + 1, RAM top) and
    // above everything the kernel will use before it reads its memory map.
    if (!initrd.empty()) {
        const std::uint64_t addr_limit = std::uint64_t{h.initrd_addr_max} + 1;
        const std::uint64_t top = std::min(ram_top, addr_limit);
        const std::uint64_t bytes = initrd.size();
        const std::uint64_t address = top >= bytes ? (top - bytes) & ~std::uint64_t{kPage - 1} : 0;
        if (top < bytes || address < kernel_end) {
            const std::string bound = addr_limit < ram_top ? "initrd_addr_max + 1 (" + hex(addr_limit) + ")"
                                                           : "the RAM top (" + hex(ram_top) + ")";
            throw std::invalid_argument("initrd too large: " + std::to_string(bytes) + " bytes do not fit between the "
                                        "kernel's end (" + hex(kernel_end) + ") and " + bound);
        }
        info.initrd_address = static_cast<std::uint32_t>(address);
        info.initrd_bytes = static_cast<std::uint32_t>(bytes);
    }
    info.boot_params_address = kLinuxBootParamsAddress;
    info.gdt_address = kLinuxGdtAddress;
    info.entry_point = info.kernel_address;
    std::uint32_t tables_first = 0, tables_end = 0;
    if (!firmware_tables.bytes.empty()) {
        const std::uint64_t first = firmware_tables.address, end = first + firmware_tables.bytes.size();
        if (first < kLinuxFirmwareTablesFirst || end > kLinuxFirmwareTablesEnd)
            throw std::invalid_argument("firmware tables at " + hex(first) + "-" + hex(end) + " do not fit in " +
                                        hex(kLinuxFirmwareTablesFirst) + "-" + hex(kLinuxFirmwareTablesEnd));
        if (end > machine.memory_map().bios_low_base)
            throw std::invalid_argument("firmware tables at " + hex(first) + "-" + hex(end) +
                                        " overlap the BIOS ROM from " + hex(machine.memory_map().bios_low_base));
        if (firmware_tables.rsdp_address != 0 &&
            (firmware_tables.rsdp_address < first || firmware_tables.rsdp_address + 20 > end))
            throw std::invalid_argument("the RSDP address " + hex(firmware_tables.rsdp_address) +
                                        " is not inside the firmware tables");
        tables_first = static_cast<std::uint32_t>(first) & ~(kPage - 1);
        tables_end = static_cast<std::uint32_t>((end + kPage - 1) & ~std::uint64_t{kPage - 1});
    }
    info.e820 = e820_map(static_cast<std::uint32_t>(ram_top), tables_first, tables_end);

    // ---- everything is valid: write memory and set the CPU -----------------------------------
    std::array<std::uint8_t, zp::size> boot_params{};
    std::copy(bzimage.begin() + hdr::first, bzimage.begin() + h.header_end, boot_params.begin() + hdr::first);
    boot_params[hdr::type_of_loader] = kLinuxLoaderUndefined;
    // No heap: the real-mode setup code, its only user, does not run on this path.
    boot_params[hdr::loadflags] = static_cast<std::uint8_t>(h.loadflags & ~kLinuxCanUseHeap);
    put(boot_params, hdr::code32_start, info.kernel_address, 4);
    put(boot_params, hdr::ramdisk_image, info.initrd_address, 4);
    put(boot_params, hdr::ramdisk_size, info.initrd_bytes, 4);
    put(boot_params, hdr::cmd_line_ptr, info.cmdline_address, 4);

    // screen_info: the 80x25 colour text mode 3 a VGA BIOS leaves, cursor at the top left.
    boot_params[zp::screen_info + zp::orig_video_mode] = 3;
    boot_params[zp::screen_info + zp::orig_video_cols] = 80;
    boot_params[zp::screen_info + zp::orig_video_lines] = 25;
    boot_params[zp::screen_info + zp::orig_video_is_vga] = 1;
    put(boot_params, zp::screen_info + zp::orig_video_points, 16, 2);
    // Memory above 1 MiB in KiB: ext_mem_k as INT 15h AH=88h reports it (16 bits), alt_mem_k as E801.
    const std::uint64_t extended_k = (ram_top - kOneMiB) / 1024;
    put(boot_params, zp::ext_mem_k, std::min<std::uint64_t>(extended_k, 0xFFFF), 2);
    put(boot_params, zp::alt_mem_k, extended_k, 4);
    static_assert(5 <= zp::e820_max_entries);
    // Read by kernels of protocol 2.14 and later before they scan memory for the RSDP.
    if (h.protocol_version >= 0x020E) put(boot_params, zp::acpi_rsdp_addr, firmware_tables.rsdp_address, 8);
    boot_params[zp::e820_entries] = static_cast<std::uint8_t>(info.e820.size());
    for (std::size_t k = 0; k < info.e820.size(); ++k) {
        const std::uint32_t at = zp::e820_table + static_cast<std::uint32_t>(k) * zp::e820_entry_bytes;
        put(boot_params, at, info.e820[k].address, 8);
        put(boot_params, at + 8, info.e820[k].size, 8);
        put(boot_params, at + 16, info.e820[k].type, 4);
    }

    std::array<std::uint8_t, 4 * 8> gdt{};  // null, unused, __BOOT_CS, __BOOT_DS
    put(gdt, kLinuxBootCs, flat_descriptor(kCodeAccess), 8);
    put(gdt, kLinuxBootDs, flat_descriptor(kDataAccess), 8);

    machine.write_physical(info.boot_params_address, boot_params);
    machine.write_physical(info.gdt_address, gdt);
    std::vector<std::uint8_t> cmdline_bytes(cmdline.begin(), cmdline.end());
    cmdline_bytes.push_back(0);
    machine.write_physical(info.cmdline_address, cmdline_bytes);
    machine.write_physical(info.kernel_address, bzimage.subspan(h.setup_bytes, h.kernel_bytes));
    if (!initrd.empty()) machine.write_physical(info.initrd_address, initrd);
    if (!firmware_tables.bytes.empty()) machine.write_physical(firmware_tables.address, firmware_tables.bytes);

    // The 32-bit entry (boot.rst, "32-bit boot protocol").
    CpuState s = machine.cpu().state();
    s.gpr = {};
    s.gpr[ESI] = info.boot_params_address;
    s.gpr[ESP] = info.boot_params_address;  // free low memory below boot_params; the kernel sets its own
    s.eip = info.entry_point;
    s.eflags = 0x2;  // IF = 0
    s.seg[CS] = flat_segment(kLinuxBootCs, kCodeAccess);
    for (SegmentRegister r : {DS, ES, SS, FS, GS}) s.seg[r] = flat_segment(kLinuxBootDs, kDataAccess);
    // Protected mode, paging off, caches enabled as a BIOS leaves them (CD = NW = 0).
    s.cr0 = (s.cr0 & ~(kCr0PG | kCr0CD | kCr0NW)) | kCr0PE;
    s.cr3 = 0;
    s.cr4 = 0;
    s.gdtr = TableRegister{info.gdt_address, static_cast<std::uint16_t>(gdt.size() - 1)};
    s.idtr = TableRegister{0, 0};
    s.ldtr = SegmentState{};
    s.ldtr.attributes = 0;
    s.cpl = 0;
    s.halted = false;
    s.interrupt_shadow = false;
    s.rep_in_progress = false;
    machine.cpu().set_state(s);
    return info;
}

std::vector<std::uint8_t> linux_direct_boot_rom() {
    std::vector<std::uint8_t> rom(kBiosGranuleBytes, 0xF4);  // HLT
    const std::size_t reset_vector = rom.size() - 16;          // physical 0xFFFF0
    rom[reset_vector + 0] = 0xFA;                                // CLI
    rom[reset_vector + 1] = 0xF4;                                // HLT
    rom[reset_vector + 2] = 0xEB;                                // JMP short back to the HLT
    rom[reset_vector + 3] = 0xFD;
    return rom;
}

}  // namespace x86emu
