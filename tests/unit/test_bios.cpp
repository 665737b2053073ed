// The built-in BIOS (bios/, docs/BIOS.md) on a PC-platform Machine: POST results in the BIOS
// data area and the IVT, and services called by a test option ROM (guests/bios_probe_rom.asm)
// that POST finds at C8000h: E820/E801/88h, INT 11h/12h, the teletype reaching the VGA's text
// memory, characters (0Eh, 09h, 06h scroll, 13h) in modes 13h and 12h
// against the VGA font, VBE 4F00h-4F03h with the mode showing in the DISPI registers; INT 19h
// with no disk.
#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "devices/vga_font.hpp"
#include "x86emu/bios.hpp"
#include "x86emu/machine.hpp"

using namespace x86emu;

namespace {

// An option ROM built by tests/unit/CMakeLists.txt, its checksum byte patched
std::vector<std::uint8_t> option_rom(const char* path, std::size_t size) {
    std::ifstream file(path, std::ios::binary);
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    REQUIRE_MESSAGE(bytes.size() == size, "the option ROM was not built: " << path);
    std::uint8_t sum = 0;
    for (std::size_t i = 0; i + 1 < bytes.size(); ++i) sum = static_cast<std::uint8_t>(sum + bytes[i]);
    bytes.back() = static_cast<std::uint8_t>(-sum);
    return bytes;
}

std::uint32_t rd(Machine& m, std::uint32_t address, unsigned size) {
    std::uint8_t b[4] = {};
    m.read_physical(address, std::span<std::uint8_t>(b, size));
    return b[0] | b[1] << 8 | b[2] << 16 | std::uint32_t{b[3]} << 24;
}

std::uint16_t dispi(Machine& m, std::uint16_t index) {
    m.ports().write(0x1CE, 2, index);
    return static_cast<std::uint16_t>(m.ports().read(0x1CF, 2));
}

}  // namespace

TEST_CASE("built-in BIOS: POST, services through an option ROM, INT 19h without a disk") {
    MachineConfig config;
    config.model = CpuModel::p6;
    config.memory_mib = 64;
    config.platform = Platform::PC;  // no bios_image: the built-in BIOS
    Machine m(config);
    CHECK(m.memory_map().bios_bytes == builtin_bios_image().size());
    const auto rom = option_rom(X86EMU_BIOS_PROBE_ROM, 8192);
    m.write_physical(0xC8000, rom);
    std::string debug;
    m.add_port_handler(0xE9, 0xE9, PortHandler{{}, [&](std::uint16_t, std::uint8_t v) { debug += char(v); }});

    const RunResult result = m.run(400'000'000);
    REQUIRE(any(result.reasons, StopReason::Halted));
    CHECK(debug.find("x86emu BIOS") != std::string::npos);
    CHECK(debug.find("R") != std::string::npos);  // the option ROM ran
    CHECK(debug.find("No bootable disk") != std::string::npos);
    CHECK(m.post_code() == 0xEE);

    // BIOS data area
    CHECK(rd(m, 0x400, 2) == 0x3F8);
    CHECK(rd(m, 0x402, 2) == 0x2F8);
    CHECK(rd(m, 0x40E, 2) == 0x9FC0);
    CHECK((rd(m, 0x410, 2) & 0x0E32) == 0x0422);  // 2 COM ports, 80x25 colour, FPU
    CHECK(rd(m, 0x413, 2) == 639);
    CHECK(rd(m, 0x41A, 2) == 0x1E);
    CHECK(rd(m, 0x41C, 2) == 0x1E);
    CHECK(rd(m, 0x449, 1) == 0x12);  // the probe ROM's last INT 10h mode (mode 03h: 05A0h)
    CHECK(rd(m, 0x44A, 2) == 80);
    CHECK(rd(m, 0x463, 2) == 0x3D4);
    CHECK(rd(m, 0x475, 1) == 0);  // no ATA disk on this branch's platform yet
    CHECK(rd(m, 0x9FC00, 1) == 1);  // EBDA size
    // IVT: the services in the ROM segment, IRQ0 at 08h, IRQ8 at 70h
    for (unsigned v : {0x08u, 0x09u, 0x10u, 0x13u, 0x15u, 0x16u, 0x19u, 0x1Au, 0x70u})
        CHECK(rd(m, v * 4 + 2, 2) == 0xF000);

    // the option ROM's results
    CHECK(rd(m, 0x580, 2) == 639);
    CHECK(rd(m, 0x582, 2) == rd(m, 0x410, 2));
    CHECK(rd(m, 0x584, 2) == 63 * 1024);
    CHECK(rd(m, 0x586, 2) == 0x3C00);
    CHECK(rd(m, 0x588, 2) == (64 - 16) * 16);
    const unsigned entries = rd(m, 0x5FE, 2);
    REQUIRE(entries == 5);
    struct E { std::uint32_t base, length, type; };
    const E expected[] = {{0, 0x9FC00, 1}, {0x9FC00, 0x400, 2}, {0xE0000, 0x20000, 2},
                          {0x100000, (64u << 20) - 0x100000, 1}, {0xFFFF0000u, 0x10000, 2}};
    for (unsigned i = 0; i < entries; ++i) {
        const std::uint32_t at = 0x600 + i * 20;
        CHECK(rd(m, at, 4) == expected[i].base);
        CHECK(rd(m, at + 4, 4) == 0);
        CHECK(rd(m, at + 8, 4) == expected[i].length);
        CHECK(rd(m, at + 16, 4) == expected[i].type);
    }
    // the ACPI tables the Machine placed in the reserved E0000h range
    const auto tables = m.firmware_tables();
    REQUIRE(!tables.bytes.empty());
    std::vector<std::uint8_t> placed(tables.bytes.size());
    m.read_physical(tables.address, placed);
    CHECK(placed == tables.bytes);

    // text rows before the VBE mode set: the banner, then "OK" from the teletype at row 2
    std::string row0, row2;
    for (unsigned c = 0; c < 11; ++c) row0 += char(rd(m, 0x700 + c * 2, 1));
    for (unsigned c = 0; c < 2; ++c) row2 += char(rd(m, 0x700 + 320 + c * 2, 1));
    CHECK(row0 == "x86emu BIOS");
    CHECK(row2 == "OK");
    CHECK(rd(m, 0x701, 1) == 0x07);
    CHECK(rd(m, 0x5A2, 2) == 0x0202);  // cursor row 2, column 2
    CHECK(rd(m, 0x5A0, 2) == 0x5003);  // mode 03h, 80 columns
    CHECK(rd(m, 0x5A4, 1) == 1);       // no key waiting

    // the DAC as mode 03h left it: the EGA 64 colours (index bits 2:0 at 2Ah, 5:3 at 15h)
    auto dac = [&](std::uint8_t index) {
        m.ports().write(0x3C7, 1, index);
        std::uint32_t rgb = 0;
        for (int i = 0; i < 3; ++i) rgb = rgb << 8 | m.ports().read(0x3C9, 1);
        return rgb;
    };
    CHECK(dac(0x00) == 0x000000);
    CHECK(dac(0x01) == 0x00002A);
    CHECK(dac(0x06) == 0x2A2A00);
    CHECK(dac(0x38) == 0x151515);
    CHECK(dac(0x3F) == 0x3F3F3F);

    // INT 15h 87h block move above 1 MiB
    CHECK(rd(m, 0x5A6, 1) == 0);
    CHECK(rd(m, 0x5A7, 1) == 0);
    CHECK(rd(m, 0x200000, 4) == 0x45564F4Du);  // "MOVE"
    CHECK(rd(m, 0x200004, 4) == 0x454E4F44u);  // "DONE"

    // characters in the graphics modes against the VGA font (the ROM's 8x8 set is every other
    // line of the 8x16 set, libx86emu/tools/bios_font.cpp)
    const auto& font = vga_font_8x16();
    auto glyph8 = [&](std::uint8_t ch, unsigned line) { return font[ch * 16 + line * 2]; };
    auto check13 = [&](std::uint32_t base, unsigned cell, std::uint8_t ch, std::uint8_t colour) {
        unsigned bad = 0;
        for (unsigned y = 0; y < 8; ++y)
            for (unsigned x = 0; x < 8; ++x) {
                const std::uint8_t want = (glyph8(ch, y) & (0x80 >> x)) ? colour : 0;
                bad += rd(m, base + y * 320 + cell * 8 + x, 1) != want;
            }
        return bad;
    };
    CHECK(check13(0x2000, 0, 'A', 0x0E) == 0);
    CHECK(check13(0x2000, 1, ' ', 0) == 0);
    CHECK(rd(m, 0x5B0, 2) == 0x0001);       // the cursor moved one cell
    CHECK(check13(0x2A00, 0, 'Z', 0x0C) == 0);  // row 1 scrolled to row 0
    CHECK(check13(0x2A00, 1, 'Z', 0x0C) == 0);
    CHECK(check13(0x2A00, 2, ' ', 0) == 0);
    CHECK(check13(0x4000, 3, 'Q', 0x09) == 0);  // 13h write string
    CHECK(check13(0x4000, 4, ' ', 0) == 0);
    CHECK(check13(0x4A00, 39, 'W', 0x0B) == 0);  // scrolled up from row 24 by the wrap
    CHECK(check13(0x5400, 39, ' ', 0) == 0);     // the new bottom row is blank
    CHECK(rd(m, 0x5B4, 2) == 0x1800);            // cursor row 24, column 0
    auto check12 = [&](std::uint32_t base, std::uint8_t ch, std::uint8_t colour) {
        unsigned bad = 0;
        for (unsigned plane = 0; plane < 4; ++plane)
            for (unsigned y = 0; y < 16; ++y) {
                const std::uint8_t want = (colour >> plane & 1) ? font[ch * 16 + y] : 0;
                bad += rd(m, base + plane * 16 + y, 1) != want;
            }
        return bad;
    };
    CHECK(check12(0x3800, 'A', 0x0C) == 0);
    CHECK(rd(m, 0x5B2, 2) == 0x0001);
    CHECK(check12(0x3880, 'A', 0x00) == 0);  // XORed away
    CHECK(check12(0x3840, 'Z', 0x0A) == 0);
    CHECK(font['A' * 16 + 5] != 0);          // the glyphs checked are not blank

    // VBE
    CHECK(rd(m, 0x590, 2) == 0x004F);
    CHECK(rd(m, 0x1000, 4) == 0x41534556u);  // "VESA"
    CHECK(rd(m, 0x1004, 2) == 0x0300);
    CHECK(rd(m, 0x592, 2) == 0x004F);
    CHECK(rd(m, 0x1400 + 0x12, 2) == 1024);
    CHECK(rd(m, 0x1400 + 0x14, 2) == 768);
    CHECK(rd(m, 0x1400 + 0x19, 1) == 32);
    CHECK(rd(m, 0x1400 + 0x10, 2) == 4096);
    CHECK(rd(m, 0x594, 4) == 0xE0000000u);  // the VGA's BAR0
    CHECK(rd(m, 0x598, 2) == 0x004F);
    CHECK(rd(m, 0x59A, 2) == 0x4142);
    CHECK(dispi(m, 1) == 1024);
    CHECK(dispi(m, 2) == 768);
    CHECK(dispi(m, 3) == 32);
    CHECK((dispi(m, 4) & 0x41) == 0x41);  // enabled, LFB
    CHECK(m.display()->refresh().width == 1024);
}

TEST_CASE("built-in BIOS: the Machine refuses it for the 8086 and 286, and --bios-style images still win") {
    MachineConfig config;
    config.platform = Platform::PC;
    config.model = CpuModel::i80286;
    CHECK_THROWS_AS(Machine{config}, std::invalid_argument);
    config.model = CpuModel::p6;
    config.bios_image.assign(4096, 0xF4);
    Machine m(config);
    CHECK(m.memory_map().bios_bytes == 4096);
    config.platform = Platform::Bare;
    config.bios_image.clear();
    CHECK_THROWS_AS(Machine{config}, std::invalid_argument);
}

TEST_CASE("built-in BIOS: host key events through the 8042, INT 09h and the BDA buffer to INT 16h") {
    MachineConfig config;
    config.model = CpuModel::p6;
    config.memory_mib = 16;
    config.platform = Platform::PC;
    Machine m(config);
    m.write_physical(0xC8000, option_rom(X86EMU_BIOS_KEYS_ROM, 2048));
    std::string debug;
    m.add_port_handler(0xE9, 0xE9, PortHandler{{}, [&](std::uint16_t, std::uint8_t v) { debug += char(v); }});
    for (int i = 0; i < 100 && debug.find('K') == std::string::npos; ++i) m.run(1'000'000);
    REQUIRE(debug.find('K') != std::string::npos);  // the ROM waits for the keys

    using Key = Machine::HostKeyEvent;
    auto press = [&](std::initializer_list<std::uint8_t> make, bool down) {  // set-2 make codes
        Key event;
        event.down = down;
        event.make_bytes = static_cast<std::uint8_t>(make.size());
        std::copy(make.begin(), make.end(), event.make);
        m.push_key_event(event);
        m.run(1'000'000);  // 5 ms: the keyboard's 16-byte buffer drains as a typist's would
    };
    auto tap = [&](std::initializer_list<std::uint8_t> make) { press(make, true); press(make, false); };
    tap({0x1C});                    // a
    tap({0x5A});                    // Enter
    tap({0xE0, 0x75});              // Up (set 1: E0 48)
    tap({0xE0, 0x75});
    press({0x12}, true);            // left Shift + a
    tap({0x1C});
    press({0x12}, false);
    tap({0x1C});                    // a
    tap({0x78});                    // F11: only the extended functions return it
    tap({0x32});                    // b
    tap({0xE0, 0x5A});              // keypad Enter
    tap({0xE0, 0x5A});
    const RunResult result = m.run(400'000'000);
    REQUIRE(any(result.reasons, StopReason::Halted));
    CHECK(debug.find('D') != std::string::npos);
    // INT 16h AX for the ROM's functions 00h 00h 01h 00h 11h 10h 00h 10h 00h 00h 10h 01h
    const std::uint16_t expected[] = {0x1E61, 0x1C0D, 0x4800, 0x4800, 0x48E0, 0x48E0,
                                      0x1E41, 0x1E61, 0x3062, 0x1C0D, 0xE00D, 0xFFFF};
    for (unsigned i = 0; i < std::size(expected); ++i) {
        INFO("INT 16h call " << i);
        CHECK(rd(m, 0x500 + i * 2, 2) == expected[i]);
    }
    CHECK(rd(m, 0x41A, 2) == rd(m, 0x41C, 2));  // the buffer is empty again
    CHECK(rd(m, 0x41A, 2) == 0x1E + 10 * 2);    // its head went past the 10 keys the ROM took
    CHECK((rd(m, 0x417, 1) & 0x03) == 0);       // Shift released
}

