// x86emu unit tests — the direct Linux boot loader (x86emu/linux_boot.hpp) on synthetic bzImages
// built here: setup header parsing and every validation error, where the kernel, boot_params,
// the command line and the initrd land, the E820 map and screen_info, the 32-bit entry state
// (checked by running code that uses it), and the HLT stub ROM.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "x86emu/linux_boot.hpp"
#include "x86emu/machine.hpp"

using namespace x86emu;

namespace {

// What a synthetic bzImage declares; build() lays it out as a real one is: boot sector and setup
// sectors (the header at 0x1F1), then the protected-mode part.
struct SyntheticKernel {
    std::uint16_t version = 0x020F;
    std::uint8_t setup_sects = 4;  // as written at 0x1F1 (0 means 4)
    std::uint8_t loadflags = kLinuxLoadedHigh;
    std::uint32_t code32_start = 0x100000;
    std::uint32_t initrd_addr_max = 0x7FFFFFFF;
    std::uint32_t kernel_alignment = 0x200000;
    bool relocatable = true;
    std::uint16_t xloadflags = 0x4;
    std::uint32_t cmdline_size = 2047;
    std::uint64_t pref_address = 0x400000;
    std::uint32_t init_size = 0x300000;
    std::vector<std::uint8_t> protected_mode = default_code();
    std::int32_t syssize_adjust = 0;    // added to the true syssize, to declare a truncated kernel
    std::int32_t header_end_adjust = 0;  // added to the byte at 0x201

    // 32-bit code using the entry state: reads cmd_line_ptr through ESI and DS, the first command
    // line byte, pushes/pops through SS, reloads CS and DS from the loader's GDT, then halts.
    static std::vector<std::uint8_t> default_code() {
        static const std::uint8_t program[] = {
            0x8B, 0x86, 0x28, 0x02, 0x00, 0x00,  // mov eax, [esi + 0x228]   (cmd_line_ptr)
            0x8A, 0x18,                          // mov bl, [eax]
            0x50, 0x5A,                          // push eax; pop edx
            0xB9, 0x18, 0x00, 0x00, 0x00,        // mov ecx, 0x18
            0x8E, 0xD9,                          // mov ds, ecx
            0xEA, 0, 0, 0, 0, 0x10, 0x00,        // jmp far 0x10:target (offset patched by the loader test)
            0x8C, 0xDF,                          // target: mov edi, ds
            0xF4,                                // hlt
        };
        std::vector<std::uint8_t> code(8192, 0x90);  // NOPs after the program
        std::copy(std::begin(program), std::end(program), code.begin());
        return code;
    }

    std::uint32_t fields_end() const {
        if (version >= 0x020A) return 0x26C;
        if (version >= 0x0206) return 0x23C;
        if (version >= 0x0205) return 0x235;
        return 0x230;
    }

    std::vector<std::uint8_t> build() const {
        const std::uint32_t sects = setup_sects == 0 ? 4 : setup_sects;
        const std::uint32_t setup_bytes = (sects + 1) * 512;
        std::vector<std::uint8_t> image(setup_bytes, 0);
        auto put = [&](std::uint32_t at, std::uint64_t value, unsigned bytes) {
            for (unsigned k = 0; k < bytes; ++k) image[at + k] = static_cast<std::uint8_t>(value >> (8 * k));
        };
        put(0x1F1, setup_sects, 1);
        put(0x1F4, protected_mode.size() / 16 + syssize_adjust, 4);
        put(0x1FA, 0xFFFF, 2);  // vid_mode: copied like every header byte
        put(0x1FE, 0xAA55, 2);
        put(0x200, 0xEB, 1);
        put(0x201, fields_end() - 0x202 + header_end_adjust, 1);
        put(0x202, 0x53726448, 4);  // "HdrS"
        put(0x206, version, 2);
        put(0x20E, 0x1234, 2);  // kernel_version: a marker to find in boot_params
        put(0x211, loadflags, 1);
        put(0x214, code32_start, 4);
        put(0x22C, initrd_addr_max, 4);
        if (version >= 0x0205) {
            put(0x230, kernel_alignment, 4);
            put(0x234, relocatable ? 1 : 0, 1);
        }
        if (version >= 0x020C) put(0x236, xloadflags, 2);
        if (version >= 0x0206) put(0x238, cmdline_size, 4);
        if (version >= 0x020A) {
            put(0x258, pref_address, 8);
            put(0x260, init_size, 4);
        }
        image.insert(image.end(), protected_mode.begin(), protected_mode.end());
        return image;
    }
};

MachineConfig config_for(CpuModel model, std::uint32_t memory_mib) {
    MachineConfig config;
    config.model = model;
    config.memory_mib = memory_mib;
    config.bios_image = linux_direct_boot_rom();
    return config;
}

std::uint32_t read32(const Machine& machine, std::uint32_t paddr, unsigned bytes = 4) {
    std::vector<std::uint8_t> out(bytes);
    machine.read_physical(paddr, out);
    std::uint32_t value = 0;
    for (unsigned k = 0; k < bytes; ++k) value |= std::uint32_t{out[k]} << (8 * k);
    return value;
}
std::uint64_t read64(const Machine& machine, std::uint32_t paddr) {
    return read32(machine, paddr) | std::uint64_t{read32(machine, paddr + 4)} << 32;
}

std::string parse_error(const std::vector<std::uint8_t>& image) {
    try {
        parse_linux_setup_header(image);
    } catch (const std::invalid_argument& error) {
        return error.what();
    }
    return "(accepted)";
}

std::string load_error(Machine& machine, const std::vector<std::uint8_t>& image, const std::vector<std::uint8_t>& initrd,
                       const std::string& cmdline) {
    try {
        load_linux(machine, image, initrd, cmdline);
    } catch (const std::invalid_argument& error) {
        return error.what();
    }
    return "(accepted)";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("linux boot: the setup header's fields are read as declared") {
    SyntheticKernel kernel;
    const LinuxSetupHeader h = parse_linux_setup_header(kernel.build());
    CHECK(h.protocol_version == 0x020F);
    CHECK(h.setup_sects == 4);
    CHECK(h.setup_bytes == 5 * 512);
    CHECK(h.syssize == 8192 / 16);
    CHECK(h.kernel_bytes == 8192);
    CHECK(h.loadflags == kLinuxLoadedHigh);
    CHECK(h.code32_start == 0x100000);
    CHECK(h.initrd_addr_max == 0x7FFFFFFF);
    CHECK(h.kernel_alignment == 0x200000);
    CHECK(h.relocatable);
    CHECK(h.xloadflags == 0x4);
    CHECK(h.cmdline_size == 2047);
    CHECK(h.pref_address == 0x400000);
    CHECK(h.init_size == 0x300000);
    CHECK(h.header_end == 0x26C);

    SUBCASE("setup_sects 0 means 4") {
        kernel.setup_sects = 0;
        const LinuxSetupHeader zero = parse_linux_setup_header(kernel.build());
        CHECK(zero.setup_sects == 4);
        CHECK(zero.setup_bytes == 5 * 512);
    }
    SUBCASE("an older protocol gets the documented defaults for the fields it lacks") {
        kernel.version = 0x0204;
        kernel.setup_sects = 7;
        const LinuxSetupHeader old = parse_linux_setup_header(kernel.build());
        CHECK(old.setup_bytes == 8 * 512);
        CHECK(old.cmdline_size == 255);
        CHECK_FALSE(old.relocatable);
        CHECK(old.kernel_alignment == 0);
        CHECK(old.xloadflags == 0);
        CHECK(old.pref_address == 0x100000);
        CHECK(old.init_size == 8192);
        CHECK(old.header_end == 0x230);
    }
    SUBCASE("a header that claims to run past boot_params' header area is clamped to 0x290") {
        kernel.header_end_adjust = 0xFF - (0x26C - 0x202);
        CHECK(parse_linux_setup_header(kernel.build()).header_end == 0x290);
    }
}

TEST_CASE("linux boot: every malformed image is refused with a message naming the problem") {
    SyntheticKernel kernel;
    std::vector<std::uint8_t> image = kernel.build();

    CHECK(contains(parse_error({}), "truncated"));
    CHECK(contains(parse_error(std::vector<std::uint8_t>(image.begin(), image.begin() + 0x207)), "truncated"));

    auto broken = image;
    broken[0x1FE] = 0;
    CHECK(contains(parse_error(broken), "no boot flag 0xAA55"));

    broken = image;
    broken[0x203] = 'x';
    CHECK(contains(parse_error(broken), "\"HdrS\""));

    SUBCASE("protocol too old") {
        kernel.version = 0x0203;
        CHECK(contains(parse_error(kernel.build()), "boot protocol 2.3 is too old"));
    }
    SUBCASE("header shorter than its version's fields") {
        kernel.header_end_adjust = -9;  // ends at 0x263, inside init_size (0x260-0x263)
        CHECK(contains(parse_error(kernel.build()), "before the fields of protocol 2.15"));
    }
    SUBCASE("file shorter than the header") {
        CHECK(contains(parse_error(std::vector<std::uint8_t>(image.begin(), image.begin() + 0x260)),
                       "the setup header ends at 0x26C"));
    }
    SUBCASE("file shorter than its setup sectors") {
        kernel.setup_sects = 30;
        auto cut = kernel.build();
        cut.resize(20 * 512);
        CHECK(contains(parse_error(cut), "shorter than its 30 setup sectors"));
    }
    SUBCASE("a zImage (LOADED_HIGH clear)") {
        kernel.loadflags = 0;
        CHECK(contains(parse_error(kernel.build()), "LOADED_HIGH is clear"));
    }
    SUBCASE("no protected-mode part") {
        kernel.syssize_adjust = -static_cast<std::int32_t>(8192 / 16);
        CHECK(contains(parse_error(kernel.build()), "syssize is 0"));
    }
    SUBCASE("protected-mode part cut short") {
        kernel.syssize_adjust = 1;  // 16 bytes more than the file holds
        CHECK(contains(parse_error(kernel.build()), "bytes of protected-mode kernel"));
        kernel.syssize_adjust = 0;
        auto cut = kernel.build();
        cut.pop_back();
        CHECK(contains(parse_error(cut), "truncated"));
    }
    SUBCASE("relocatable with an alignment that is no power of two") {
        kernel.kernel_alignment = 0x300000;
        CHECK(contains(parse_error(kernel.build()), "not a power of two"));
        kernel.kernel_alignment = 0;
        CHECK(contains(parse_error(kernel.build()), "not a power of two"));
    }
    SUBCASE("bytes after the protected-mode part (an appended signature) are accepted") {
        image.resize(image.size() + 1000, 0xAB);
        CHECK(parse_linux_setup_header(image).kernel_bytes == 8192);
    }
}

TEST_CASE("linux boot: where everything lands, and boot_params as the kernel reads it") {
    Machine machine(config_for(CpuModel::p6, 16));
    SyntheticKernel kernel;
    const auto image = kernel.build();
    std::vector<std::uint8_t> initrd(10000);
    for (std::size_t k = 0; k < initrd.size(); ++k) initrd[k] = static_cast<std::uint8_t>(k * 13 + 1);
    const std::string cmdline = "console=ttyS0 earlyprintk=serial";
    const LinuxBootInfo info = load_linux(machine, image, initrd, cmdline);

    // A relocatable kernel goes to its preferred address, and decompresses there.
    CHECK(info.kernel_address == 0x400000);
    CHECK(info.entry_point == 0x400000);
    CHECK(info.kernel_bytes == 8192);
    CHECK(info.runtime_start == 0x400000);
    CHECK(info.runtime_end == 0x700000);
    std::vector<std::uint8_t> loaded(8192);
    machine.read_physical(0x400000, loaded);
    CHECK(loaded == kernel.protected_mode);

    // The initrd: highest page-aligned place below the RAM top (initrd_addr_max is far above).
    CHECK(info.initrd_bytes == 10000);
    CHECK(info.initrd_address == ((16u << 20) - 10000) / 4096 * 4096);
    std::vector<std::uint8_t> initrd_back(initrd.size());
    machine.read_physical(info.initrd_address, initrd_back);
    CHECK(initrd_back == initrd);

    // The command line with its NUL.
    CHECK(info.cmdline_address == kLinuxCmdlineAddress);
    CHECK(info.cmdline_bytes == cmdline.size());
    std::vector<std::uint8_t> line(cmdline.size() + 1, 0xEE);
    machine.read_physical(info.cmdline_address, line);
    CHECK(std::string(line.begin(), line.end() - 1) == cmdline);
    CHECK(line.back() == 0);

    const std::uint32_t bp = info.boot_params_address;
    CHECK(bp == kLinuxBootParamsAddress);
    // The image's header, copied to 0x1F1, with the loader's fields filled in.
    CHECK(read32(machine, bp + 0x1FE, 2) == 0xAA55);
    CHECK(read32(machine, bp + 0x202) == 0x53726448);
    CHECK(read32(machine, bp + 0x20E, 2) == 0x1234);
    CHECK(read32(machine, bp + 0x1FA, 2) == 0xFFFF);
    CHECK(read32(machine, bp + 0x238) == 2047);
    CHECK(read32(machine, bp + 0x210, 1) == 0xFF);  // type_of_loader: undefined
    CHECK(read32(machine, bp + 0x211, 1) == kLinuxLoadedHigh);  // no CAN_USE_HEAP: no heap set
    CHECK(read32(machine, bp + 0x214) == 0x400000);             // code32_start: where it is
    CHECK(read32(machine, bp + 0x218) == info.initrd_address);
    CHECK(read32(machine, bp + 0x21C) == 10000);
    CHECK(read32(machine, bp + 0x228) == kLinuxCmdlineAddress);
    CHECK(read32(machine, bp + 0x1EF, 1) == 0);  // sentinel: not a broken loader
    CHECK(read32(machine, bp + 0x290, 4) == 0);  // nothing copied past the header

    // screen_info: 80x25 VGA text mode 3, 16-line font.
    CHECK(read32(machine, bp + 0x06, 1) == 3);
    CHECK(read32(machine, bp + 0x07, 1) == 80);
    CHECK(read32(machine, bp + 0x0E, 1) == 25);
    CHECK(read32(machine, bp + 0x0F, 1) == 1);
    CHECK(read32(machine, bp + 0x10, 2) == 16);
    // Memory above 1 MiB in KiB.
    CHECK(read32(machine, bp + 0x02, 2) == 15 * 1024);
    CHECK(read32(machine, bp + 0x1E0) == 15 * 1024);

    // The E820 map: conventional RAM, the EBDA KiB, the BIOS area, RAM from 1 MiB to the top.
    const std::vector<E820Entry> expected = {
        {0, 0x9FC00, kE820Ram},
        {0x9FC00, 0x400, kE820Reserved},
        {0xF0000, 0x10000, kE820Reserved},
        {0x100000, (16u << 20) - 0x100000, kE820Ram},
    };
    CHECK(info.e820 == expected);
    REQUIRE(read32(machine, bp + 0x1E8, 1) == 4);
    for (unsigned k = 0; k < 4; ++k) {
        CAPTURE(k);
        const std::uint32_t at = bp + 0x2D0 + 20 * k;
        CHECK(read64(machine, at) == expected[k].address);
        CHECK(read64(machine, at + 8) == expected[k].size);
        CHECK(read32(machine, at + 16) == expected[k].type);
    }
    CHECK(read32(machine, bp + 0x2D0 + 20 * 4) == 0);
}

TEST_CASE("linux boot: the CPU is at the 32-bit entry, and code runs with it") {
    Machine machine(config_for(CpuModel::p6, 16));
    SyntheticKernel kernel;
    // The far jump's offset: the byte after it, at the kernel's load address (0x400000).
    const std::uint32_t target = 0x400000 + 24;
    for (unsigned k = 0; k < 4; ++k) kernel.protected_mode[18 + k] = static_cast<std::uint8_t>(target >> (8 * k));
    const LinuxBootInfo info = load_linux(machine, kernel.build(), {}, "c");

    const CpuState s = machine.cpu().state();
    CHECK(s.eip == 0x400000);
    CHECK(s.gpr[ESI] == kLinuxBootParamsAddress);
    CHECK(s.gpr[EBP] == 0);
    CHECK(s.gpr[EDI] == 0);
    CHECK(s.gpr[EBX] == 0);
    CHECK((s.eflags & eflags::IF) == 0);
    CHECK((s.cr0 & 1) == 1);             // PE
    CHECK((s.cr0 & 0x80000000u) == 0);   // PG
    CHECK((s.cr0 & 0x60000000u) == 0);   // caches on (CD = NW = 0)
    CHECK(s.cpl == 0);
    CHECK(s.seg[CS].selector == kLinuxBootCs);
    CHECK(s.seg[CS].base == 0);
    CHECK(s.seg[CS].limit == 0xFFFFFFFFu);
    CHECK(s.seg[CS].attributes == 0xC09B);
    for (SegmentRegister r : {DS, ES, SS}) {
        CAPTURE(static_cast<int>(r));
        CHECK(s.seg[r].selector == kLinuxBootDs);
        CHECK(s.seg[r].base == 0);
        CHECK(s.seg[r].limit == 0xFFFFFFFFu);
        CHECK(s.seg[r].attributes == 0xC093);
    }
    CHECK(s.gdtr.base == kLinuxGdtAddress);
    CHECK(s.gdtr.limit == 31);
    CHECK(s.idtr.limit == 0);
    // The GDT in memory: flat 4 GiB code and data at 0x10 and 0x18, null below.
    CHECK(read64(machine, kLinuxGdtAddress) == 0);
    CHECK(read64(machine, kLinuxGdtAddress + 8) == 0);
    CHECK(read64(machine, kLinuxGdtAddress + 0x10) == 0x00CF9B000000FFFFull);
    CHECK(read64(machine, kLinuxGdtAddress + 0x18) == 0x00CF93000000FFFFull);

    // The synthetic kernel's code: reads through ESI/DS, uses the stack, reloads DS and CS from
    // the GDT, and halts.
    const RunResult result = machine.run(100000);
    CHECK(any(result.reasons, StopReason::Halted));
    const CpuState after = machine.cpu().state();
    CHECK(after.gpr[EAX] == info.cmdline_address);
    CHECK((after.gpr[EBX] & 0xFF) == 'c');
    CHECK(after.gpr[EDX] == info.cmdline_address);
    CHECK(after.gpr[EDI] == kLinuxBootDs);
    CHECK(after.seg[CS].selector == kLinuxBootCs);
    CHECK(after.seg[CS].attributes == 0xC09B);
    CHECK(after.eip == target + 3);
}

TEST_CASE("linux boot: placement rules for other kernels and initrd limits") {
    SUBCASE("a kernel that is not relocatable loads at 1 MiB and decompresses at pref_address") {
        Machine machine(config_for(CpuModel::i80386, 16));
        SyntheticKernel kernel;
        kernel.relocatable = false;
        const LinuxBootInfo info = load_linux(machine, kernel.build(), {}, "");
        CHECK(info.kernel_address == 0x100000);
        CHECK(info.runtime_start == 0x400000);
        CHECK(info.initrd_address == 0);
        CHECK(read32(machine, kLinuxBootParamsAddress + 0x218) == 0);
        CHECK(read32(machine, kLinuxCmdlineAddress, 1) == 0);  // the empty command line: a NUL
        CHECK(machine.cpu().state().eip == 0x100000);
    }
    SUBCASE("a protocol 2.04 kernel: 1 MiB, 255-byte command lines") {
        Machine machine(config_for(CpuModel::i80486, 4));
        SyntheticKernel kernel;
        kernel.version = 0x0204;
        const LinuxBootInfo info = load_linux(machine, kernel.build(), {}, std::string(255, 'x'));
        CHECK(info.kernel_address == 0x100000);
        CHECK(info.runtime_end == 0x100000 + 8192);
        CHECK(contains(load_error(machine, kernel.build(), {}, std::string(256, 'x')), "at most 255"));
    }
    SUBCASE("a preferred address off the alignment falls back to 1 MiB") {
        Machine machine(config_for(CpuModel::p6, 16));
        SyntheticKernel kernel;
        kernel.pref_address = 0x480000;
        const LinuxBootInfo info = load_linux(machine, kernel.build(), {}, "");
        CHECK(info.kernel_address == 0x100000);
        CHECK(info.runtime_start == 0x600000);  // boot.rst: align_up(max(load, pref), alignment)
    }
    SUBCASE("initrd_addr_max below the RAM top bounds the initrd") {
        Machine machine(config_for(CpuModel::p6, 16));
        SyntheticKernel kernel;
        kernel.initrd_addr_max = 0x00BFFFFF;
        const std::vector<std::uint8_t> initrd(0x1801, 7);
        const LinuxBootInfo info = load_linux(machine, kernel.build(), initrd, "");
        CHECK(info.initrd_address == 0xBFE000);  // 0xC00000 - 0x1801, rounded down to a page
        CHECK(info.initrd_address + info.initrd_bytes <= 0xC00000);
        // Room from the runtime end (0x700000) to 0xC00000 is 5 MiB: one byte more is refused.
        const std::string error = load_error(machine, kernel.build(), std::vector<std::uint8_t>(0x500001), "");
        CHECK(contains(error, "initrd too large"));
        CHECK(contains(error, "initrd_addr_max + 1 (0xC00000)"));
        CHECK(load_linux(machine, kernel.build(), std::vector<std::uint8_t>(0x500000), "").initrd_address == 0x700000);
    }
    SUBCASE("an initrd too large for RAM") {
        Machine machine(config_for(CpuModel::p6, 16));
        const std::string error = load_error(machine, SyntheticKernel{}.build(), std::vector<std::uint8_t>(20u << 20), "");
        CHECK(contains(error, "initrd too large"));
        CHECK(contains(error, "the RAM top (0x1000000)"));
    }
}

TEST_CASE("linux boot: refused loads leave the machine untouched") {
    Machine machine(config_for(CpuModel::p6, 4));
    SyntheticKernel kernel;  // wants 0x400000..0x700000, the machine has 4 MiB

    const std::string too_big = load_error(machine, kernel.build(), {}, "");
    CHECK(contains(too_big, "larger than RAM"));
    CHECK(contains(too_big, "at least 7 MiB"));

    kernel.pref_address = 0x100000;
    kernel.init_size = 0x200000;
    kernel.cmdline_size = 8;
    CHECK(contains(load_error(machine, kernel.build(), {}, "123456789"), "command line too long: 9 bytes, at most 8"));
    CHECK(contains(load_error(machine, kernel.build(), {}, std::string("a\0b", 3)), "NUL byte"));
    CHECK(load_error(machine, kernel.build(), {}, "12345678") == "(accepted)");  // exactly cmdline_size

    Machine fresh(config_for(CpuModel::p6, 4));
    const CpuState before = fresh.cpu().state();
    kernel.cmdline_size = 0x20000;  // larger than the loader's 64 KiB area
    CHECK(contains(load_error(fresh, kernel.build(), {}, std::string(0x10000, 'x')), "the loader's area"));
    CHECK(fresh.cpu().state() == before);
    CHECK(read32(fresh, kLinuxBootParamsAddress + 0x202) == 0);
    CHECK(read32(fresh, 0x100000) == 0);
}

TEST_CASE("linux boot: a CPU without 32-bit protected mode is refused") {
    for (CpuModel model : {CpuModel::i8086, CpuModel::i80286}) {
        Machine machine(config_for(model, 1));
        CHECK(contains(load_error(machine, SyntheticKernel{}.build(), {}, ""), "32-bit protected mode"));
    }
}

TEST_CASE("linux boot: the stub ROM halts at the reset vector") {
    const std::vector<std::uint8_t> rom = linux_direct_boot_rom();
    REQUIRE(rom.size() == 4096);
    CHECK(rom[0] == 0xF4);
    CHECK(rom[0xFF0] == 0xFA);
    CHECK(rom[0xFF1] == 0xF4);
    CHECK(rom[0xFF2] == 0xEB);
    CHECK(rom[0xFF3] == 0xFD);
    Machine machine(config_for(CpuModel::p6, 16));
    const RunResult result = machine.run(1000);
    CHECK(any(result.reasons, StopReason::Halted));
    CHECK(result.instructions == 2);
    CHECK(machine.cpu().state().eip == 0xFFF2);
    CHECK((machine.cpu().state().eflags & eflags::IF) == 0);
}

TEST_CASE("linux boot: firmware tables go to E0000-EFFFF, with an E820 ACPI entry and acpi_rsdp_addr") {
    Machine machine(config_for(CpuModel::p6, 16));
    SyntheticKernel kernel;  // protocol 2.15: acpi_rsdp_addr is read
    LinuxFirmwareTables tables;
    tables.address = 0xE0000;
    tables.bytes.assign(0x1100, 0);  // spans two pages
    for (std::size_t k = 0; k < tables.bytes.size(); ++k) tables.bytes[k] = static_cast<std::uint8_t>(k * 7 + 3);
    tables.rsdp_address = 0xE0010;
    const LinuxBootInfo info = load_linux(machine, kernel.build(), {}, "", tables);
    const std::vector<E820Entry> expected = {
        {0, 0x9FC00, kE820Ram},
        {0x9FC00, 0x400, kE820Reserved},
        {0xE0000, 0x2000, kE820Acpi},
        {0xF0000, 0x10000, kE820Reserved},
        {0x100000, (16u << 20) - 0x100000, kE820Ram},
    };
    CHECK(info.e820 == expected);
    const std::uint32_t bp = info.boot_params_address;
    REQUIRE(read32(machine, bp + 0x1E8, 1) == 5);
    CHECK(read64(machine, bp + 0x2D0 + 20 * 2) == 0xE0000);
    CHECK(read32(machine, bp + 0x2D0 + 20 * 2 + 16) == kE820Acpi);
    CHECK(read64(machine, bp + 0x070) == 0xE0010);
    std::vector<std::uint8_t> back(tables.bytes.size());
    machine.read_physical(0xE0000, back);
    CHECK(back == tables.bytes);

    // Older protocols do not have the field: it stays 0.
    Machine older(config_for(CpuModel::p6, 16));
    SyntheticKernel old_kernel;
    old_kernel.version = 0x020D;
    load_linux(older, old_kernel.build(), {}, "", tables);
    CHECK(read64(older, bp + 0x070) == 0);

    // Refused: outside E0000-EFFFF, or an RSDP outside the tables; the machine stays untouched.
    Machine refused(config_for(CpuModel::p6, 16));
    auto error = [&](LinuxFirmwareTables t) {
        try {
            load_linux(refused, kernel.build(), {}, "", t);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("(accepted)");
    };
    LinuxFirmwareTables low = tables;
    low.address = 0xDFFF0;
    CHECK(contains(error(low), "do not fit in 0xE0000-0xF0000"));
    LinuxFirmwareTables high = tables;
    high.address = 0xEF000;
    CHECK(contains(error(high), "do not fit"));
    LinuxFirmwareTables stray = tables;
    stray.rsdp_address = 0xE2000;
    CHECK(contains(error(stray), "RSDP address 0xE2000"));
    CHECK(read32(refused, bp + 0x202) == 0);
    CHECK(read32(refused, 0xE0000) == 0);
}
