// x86emu unit tests — the VGA with DISPI (libx86emu/src/devices/vga.hpp) driven through an
// IoPortMap, a PhysicalMemoryMap and a Scheduler over a test clock: register access (I/O select,
// CRTC protect, attribute flip-flop, DAC), input status 1 against the CRTC timing over emulated
// time, write modes 0-3, read modes 0/1 with latches, chain-4 and odd/even addressing, and
// rendered pixels for text (font, attributes, blink, cursor), mode 12h and 13h, DISPI through the
// LFB and the bank window, BAR0 moves. Expected pixels are computed here from the documented
// rules (EGA palette bits, 6-bit DAC expansion, the CP437 font table), never from a captured frame.
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

#include "devices/pci_bus.hpp"
#include "devices/vga.hpp"
#include "devices/vga_font.hpp"
#include "x86emu/io_ports.hpp"
#include "x86emu/memory_map.hpp"
#include "x86emu/scheduler.hpp"

using namespace x86emu;

namespace {

constexpr std::uint32_t kWindow = 0xA0000;

// 1 GHz: one cycle is one nanosecond.
struct Rig {
    std::uint64_t clock = 0;
    Scheduler scheduler{1'000'000, [this] { return clock; }};
    IoPortMap ports;
    PhysicalMemoryMap memory{0xFFFF'FFFFu};
    PciBus bus;
    Vga vga{scheduler};
    Rig() {
        memory.map_ram(0, 0xA0000);
        vga.attach(ports, memory);
        bus.add(Vga::kPciDevice, 0, vga.pci_function());
        bus.attach(ports);
    }
    void out(std::uint16_t port, std::uint8_t value) { ports.write(port, 1, value); }
    std::uint8_t in(std::uint16_t port) { return ports.read(port, 1); }
    void seq(std::uint8_t index, std::uint8_t value) { ports.write(0x3C4, 2, static_cast<std::uint32_t>(value) << 8 | index); }
    void gc(std::uint8_t index, std::uint8_t value) { ports.write(0x3CE, 2, static_cast<std::uint32_t>(value) << 8 | index); }
    void crtc(std::uint8_t index, std::uint8_t value) { ports.write(0x3D4, 2, static_cast<std::uint32_t>(value) << 8 | index); }
    void attr(std::uint8_t index, std::uint8_t value) {
        (void)in(0x3DA);
        out(0x3C0, index);
        out(0x3C0, value);
        out(0x3C0, 0x20);  // palette address source back on
    }
    void poke(std::uint32_t address, std::uint8_t value) { memory.write(address, 1, value); }
    std::uint8_t peek(std::uint32_t address) { return static_cast<std::uint8_t>(memory.read(address, 1)); }
    std::uint8_t plane(unsigned p, std::uint32_t offset) { return vga.video_memory()[offset * 4 + p]; }
    void dispi(std::uint16_t index, std::uint16_t value) {
        ports.write(0x1CE, 2, index);
        ports.write(0x1CF, 2, value);
    }
    std::uint16_t dispi(std::uint16_t index) {
        ports.write(0x1CE, 2, index);
        return static_cast<std::uint16_t>(ports.read(0x1CF, 2));
    }
};

std::uint32_t expand6(unsigned v) { return (v << 2) | (v >> 4); }
std::uint32_t xrgb6(unsigned r, unsigned g, unsigned b) { return expand6(r) << 16 | expand6(g) << 8 | expand6(b); }
// The EGA 64-colour DAC value of an attribute palette entry: bits 2,1,0 = R,G,B at 2Ah, bits
// 5,4,3 = r,g,b at 15h.
std::uint32_t ega(unsigned i) {
    auto c = [i](unsigned hi, unsigned lo) { return ((i >> hi) & 1) * 0x2A + ((i >> lo) & 1) * 0x15; };
    return xrgb6(c(2, 5), c(1, 4), c(0, 3));
}
// The standard 16 text colours through mode 03h's attribute palette (00-05, 14, 07, 38-3F).
std::uint32_t text_colour(unsigned c) {
    static const unsigned palette[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07,
                                         0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F};
    return ega(palette[c]);
}

// Mode 03h timing from its documented register values: 28.322 MHz, 100 character clocks of 9
// dots per line, 449 lines, 400 displayed, vertical retrace on lines 412-413.
constexpr std::uint64_t kMode3DotClock = 28'322'000;
constexpr std::uint64_t kMode3FrameDots = 900ull * 449;
// The first nanosecond at which `frame` frames have passed.
std::uint64_t ns_of_frame(std::uint64_t frame) {
    return (frame * kMode3FrameDots * 1'000'000'000ull + kMode3DotClock - 1) / kMode3DotClock;
}

}  // namespace

TEST_CASE("vga: the misc output register's I/O select moves the CRTC between 3Bxh and 3Dxh") {
    Rig rig;
    CHECK(rig.in(0x3CC) == 0x67);
    rig.out(0x3D4, 0x0E);
    CHECK(rig.in(0x3D4) == 0x0E);
    CHECK(rig.in(0x3B4) == 0xFF);
    rig.out(0x3B4, 0x0C);  // ignored while at 3Dxh
    CHECK(rig.in(0x3D4) == 0x0E);
    rig.out(0x3C2, 0x66);
    CHECK(rig.in(0x3D5) == 0xFF);
    rig.out(0x3B4, 0x0F);
    rig.out(0x3B5, 0x42);
    CHECK(rig.in(0x3B5) == 0x42);
    CHECK(rig.vga.state().crtc[0x0F] == 0x42);
}

TEST_CASE("vga: sequencer and graphics controller index/data, also as word OUTs") {
    Rig rig;
    rig.seq(2, 0x05);
    rig.out(0x3C4, 2);
    CHECK(rig.in(0x3C5) == 0x05);
    rig.gc(8, 0x3C);
    CHECK(rig.in(0x3CE) == 8);
    CHECK(rig.in(0x3CF) == 0x3C);
    rig.out(0x3CE, 0x0C);  // beyond the registers
    CHECK(rig.in(0x3CF) == 0xFF);
}

TEST_CASE("vga: CRTC 11h bit 7 protects registers 0-7 except the line compare bit in 07h") {
    Rig rig;
    REQUIRE((rig.vga.state().crtc[0x11] & 0x80) != 0);  // mode 03h sets protect
    rig.crtc(0x01, 0x27);
    CHECK(rig.vga.state().crtc[0x01] == 0x4F);
    rig.crtc(0x07, 0x00);
    CHECK(rig.vga.state().crtc[0x07] == (0x1F & ~0x10));
    rig.crtc(0x11, 0x0E);
    rig.crtc(0x01, 0x27);
    CHECK(rig.vga.state().crtc[0x01] == 0x27);
}

TEST_CASE("vga: attribute controller flip-flop, reset by reading input status 1") {
    Rig rig;
    (void)rig.in(0x3DA);
    rig.out(0x3C0, 0x01);
    rig.out(0x3C0, 0x3F);
    CHECK(rig.vga.state().attribute[1] == 0x3F);
    rig.out(0x3C0, 0x21);  // an index again (with the palette address source bit)
    CHECK(rig.in(0x3C0) == 0x21);
    CHECK(rig.in(0x3C1) == 0x3F);
    rig.out(0x3C0, 0x0A);  // data for register 1
    CHECK(rig.vga.state().attribute[1] == 0x0A);
    rig.out(0x3C0, 0x02);  // index 2 ...
    (void)rig.in(0x3DA);   // ... then the flip-flop resets,
    rig.out(0x3C0, 0x05);  // so this is an index, not data
    CHECK(rig.vga.state().attribute[2] == 0x02);
    CHECK(rig.in(0x3C0) == 0x05);
    rig.out(0x3C2, 0x66);  // with the CRTC at 3Bxh, 3BAh resets it
    rig.out(0x3C0, 0x06);
    (void)rig.in(0x3BA);
    rig.out(0x3C0, 0x07);
    CHECK(rig.in(0x3C0) == 0x07);
}

TEST_CASE("vga: DAC read and write indexes, 6-bit components, auto-increment, state register") {
    Rig rig;
    rig.out(0x3C8, 0x05);
    for (std::uint8_t v : {0xFF, 0x20, 0x01, 0x11, 0x22, 0x33}) rig.out(0x3C9, v);
    CHECK(rig.in(0x3C8) == 0x07);
    CHECK(rig.in(0x3C7) == 0x00);
    rig.out(0x3C7, 0x05);
    CHECK(rig.in(0x3C7) == 0x03);
    std::vector<int> read;
    for (int i = 0; i < 6; ++i) read.push_back(rig.in(0x3C9));
    CHECK(read == std::vector<int>{0x3F, 0x20, 0x01, 0x11, 0x22, 0x33});
    rig.out(0x3C6, 0x0F);
    CHECK(rig.in(0x3C6) == 0x0F);
}

TEST_CASE("vga: input status 1 follows the mode 03h CRTC timing over emulated time") {
    Rig rig;
    int retrace_samples = 0, display_samples = 0, mismatches = 0;
    bool saw_retrace_edge = false;
    bool previous = false;
    // Every 3 us over two frames (28.5 ms).
    for (std::uint64_t ns = 0; ns < 28'600'000; ns += 3'000) {
        rig.clock = ns;
        const std::uint8_t status = rig.in(0x3DA);
        const std::uint64_t dot = (ns / 1'000'000'000) * kMode3DotClock + (ns % 1'000'000'000) * kMode3DotClock / 1'000'000'000;
        const std::uint64_t in_frame = dot % kMode3FrameDots;
        const std::uint64_t line = in_frame / 900, column = in_frame % 900;
        const bool retrace = line >= 412 && line < 414;
        const bool blank = line >= 400 || column >= 720;
        mismatches += ((status & 0x08) != 0) != retrace;
        mismatches += ((status & 0x01) != 0) != blank;
        retrace_samples += retrace;
        display_samples += !blank;
        if (retrace && !previous) saw_retrace_edge = true;
        previous = retrace;
    }
    CHECK(mismatches == 0);
    CHECK(retrace_samples > 0);
    CHECK(display_samples > 0);
    CHECK(saw_retrace_edge);
    // A guest polling for the end and then the start of retrace sees both as time passes.
    rig.clock = ns_of_frame(3);
    CHECK((rig.in(0x3DA) & 0x08) == 0);
    rig.clock = ns_of_frame(3) + (412ull * 900 * 1'000'000'000) / kMode3DotClock + 1000;
    CHECK((rig.in(0x3DA) & 0x09) == 0x09);
}

TEST_CASE("vga: write mode 0 with set/reset, rotate, functions and bit mask; write mode 1 copies latches") {
    Rig rig;
    rig.vga.set_mode(0x12);
    // Enable set/reset on all planes, value 0101b.
    rig.gc(1, 0x0F);
    rig.gc(0, 0x05);
    rig.poke(kWindow, 0x00);
    CHECK(rig.plane(0, 0) == 0xFF);
    CHECK(rig.plane(1, 0) == 0x00);
    CHECK(rig.plane(2, 0) == 0xFF);
    CHECK(rig.plane(3, 0) == 0x00);
    // Set/reset on plane 0 only; the others take the rotated CPU byte (rotate right by 1).
    rig.gc(1, 0x01);
    rig.gc(0, 0x00);
    rig.gc(3, 0x01);
    rig.poke(kWindow + 1, 0x03);
    CHECK(rig.plane(0, 1) == 0x00);
    CHECK(rig.plane(1, 1) == 0x81);
    CHECK(rig.plane(2, 1) == 0x81);
    // Bit mask keeps the latched bits: load latches from offset 0 (FF 00 FF 00).
    rig.gc(1, 0x00);
    rig.gc(3, 0x00);
    (void)rig.peek(kWindow);
    rig.gc(8, 0x0F);
    rig.poke(kWindow + 2, 0x00);
    CHECK(rig.plane(0, 2) == 0xF0);
    CHECK(rig.plane(1, 2) == 0x00);
    CHECK(rig.plane(2, 2) == 0xF0);
    // Functions against the latches (FF 00 FF 00): AND, OR, XOR of 0x3C.
    rig.gc(8, 0xFF);
    rig.gc(3, 0x08);
    rig.poke(kWindow + 3, 0x3C);
    CHECK(rig.plane(0, 3) == 0x3C);
    CHECK(rig.plane(1, 3) == 0x00);
    rig.gc(3, 0x10);
    rig.poke(kWindow + 4, 0x3C);
    CHECK(rig.plane(0, 4) == 0xFF);
    CHECK(rig.plane(1, 4) == 0x3C);
    rig.gc(3, 0x18);
    rig.poke(kWindow + 5, 0x3C);
    CHECK(rig.plane(0, 5) == 0xC3);
    CHECK(rig.plane(1, 5) == 0x3C);
    // Write mode 1: the latches of offset 1 land at offset 6 whatever the CPU writes.
    rig.gc(3, 0x00);
    rig.gc(5, 0x01);
    (void)rig.peek(kWindow + 1);
    rig.poke(kWindow + 6, 0x55);
    for (unsigned p = 0; p < 4; ++p) CHECK(rig.plane(p, 6) == rig.plane(p, 1));
    // Map mask limits the planes written.
    rig.gc(5, 0x00);
    rig.seq(2, 0x02);
    rig.poke(kWindow + 7, 0x77);
    CHECK(rig.plane(0, 7) == 0x00);
    CHECK(rig.plane(1, 7) == 0x77);
    CHECK(rig.plane(2, 7) == 0x00);
}

TEST_CASE("vga: write modes 2 and 3") {
    Rig rig;
    rig.vga.set_mode(0x12);
    rig.gc(5, 0x02);
    rig.gc(8, 0xFF);
    rig.poke(kWindow + 10, 0x0A);  // colour 1010b
    CHECK(rig.plane(0, 10) == 0x00);
    CHECK(rig.plane(1, 10) == 0xFF);
    CHECK(rig.plane(2, 10) == 0x00);
    CHECK(rig.plane(3, 10) == 0xFF);
    (void)rig.peek(kWindow + 10);
    rig.gc(8, 0x81);
    rig.poke(kWindow + 10, 0x05);  // only bits 7 and 0 take colour 0101b
    CHECK(rig.plane(0, 10) == 0x81);
    CHECK(rig.plane(1, 10) == 0x7E);
    // Write mode 3: the rotated CPU byte ANDed with the bit mask selects bits of set/reset.
    rig.gc(5, 0x03);
    rig.gc(8, 0xF0);
    rig.gc(0, 0x0C);
    (void)rig.peek(kWindow + 11);  // latches 0
    rig.poke(kWindow + 11, 0x3C);  // mask 0x30
    CHECK(rig.plane(0, 11) == 0x00);
    CHECK(rig.plane(1, 11) == 0x00);
    CHECK(rig.plane(2, 11) == 0x30);
    CHECK(rig.plane(3, 11) == 0x30);
}

TEST_CASE("vga: read mode 0 by read map select, read mode 1 colour compare with don't care") {
    Rig rig;
    rig.vga.set_mode(0x12);
    auto memory = rig.vga.video_memory();
    // Offset 20: plane 0 = F0, 1 = CC, 2 = AA, 3 = 0F.
    memory[80] = 0xF0;
    memory[81] = 0xCC;
    memory[82] = 0xAA;
    memory[83] = 0x0F;
    for (unsigned p = 0; p < 4; ++p) {
        rig.gc(4, static_cast<std::uint8_t>(p));
        CHECK(rig.peek(kWindow + 20) == memory[80 + p]);
    }
    CHECK(rig.vga.state().latches == 0x0FAACCF0u);
    rig.gc(5, 0x08);
    rig.gc(7, 0x0F);
    rig.gc(2, 0x03);  // colour 0011b: planes 0 and 1 set, 2 and 3 clear
    const unsigned expected_all = 0xF0 & 0xCC & static_cast<std::uint8_t>(~0xAA) & static_cast<std::uint8_t>(~0x0F);
    CHECK(rig.peek(kWindow + 20) == expected_all);
    rig.gc(7, 0x03);  // only planes 0 and 1 compared
    CHECK(rig.peek(kWindow + 20) == (0xF0 & 0xCC));
    rig.gc(7, 0x00);  // nothing compared: all ones
    CHECK(rig.peek(kWindow + 20) == 0xFF);
}

TEST_CASE("vga: chain-4 (mode 13h) and odd/even (mode 03h) addressing; memory map select") {
    Rig rig;
    rig.vga.set_mode(0x13);
    rig.poke(kWindow + 5, 0x42);
    CHECK(rig.plane(1, 1) == 0x42);
    CHECK(rig.vga.video_memory()[5] == 0x42);
    CHECK(rig.peek(kWindow + 5) == 0x42);
    CHECK(rig.peek(0xB8000) == 0xFF);  // mode 13h maps A0000h-AFFFFh only
    rig.vga.set_mode(0x03);
    rig.poke(0xB8000, 'A');
    rig.poke(0xB8001, 0x1F);
    rig.poke(0xB8002, 'B');
    CHECK(rig.plane(0, 0) == 'A');
    CHECK(rig.plane(1, 0) == 0x1F);
    CHECK(rig.plane(0, 2) == 'B');
    CHECK(rig.peek(0xB8001) == 0x1F);
    CHECK(rig.peek(0xA0000) == 0xFF);  // mode 03h maps B8000h-BFFFFh only
    rig.poke(0xA0000, 0x12);           // goes nowhere
    CHECK(rig.plane(0, 0) == 'A');
    const auto cells = rig.vga.text_cells();
    REQUIRE(cells.size() == 80u * 25);
    CHECK(cells[0] == TextCell{'A', 0x1F});
    CHECK(cells[1] == TextCell{'B', 0x07});
    CHECK(cells[2] == TextCell{' ', 0x07});
}

TEST_CASE("vga: the CP437 font table") {
    const auto& font = vga_font_8x16();
    for (unsigned line = 0; line < 16; ++line) {
        CHECK(font[0x20 * 16 + line] == 0x00);
        CHECK(font[0xDB * 16 + line] == 0xFF);  // full block
        CHECK(font[0x00 * 16 + line] == 0x00);
    }
    // Lower half block DCh: the top rows clear, the bottom rows set.
    CHECK(font[0xDC * 16 + 0] == 0x00);
    CHECK(font[0xDC * 16 + 15] == 0xFF);
    // Left half block DDh: only the left four pixels.
    CHECK(font[0xDD * 16 + 8] == 0xF0);
    int lit = 0;
    for (unsigned line = 0; line < 16; ++line) lit += font['A' * 16 + line] != 0;
    CHECK(lit >= 7);
    CHECK(cp437_unicode()[0xE1] == U'\u00DF');
    CHECK(cp437_unicode()[0x01] == U'\u263A');
    CHECK_THROWS_AS(parse_psf(std::vector<std::uint8_t>{1, 2, 3, 4}), std::invalid_argument);
    CHECK_THROWS_AS(parse_psf(std::vector<std::uint8_t>{0x36, 0x04, 0x00, 0x10, 0, 0}), std::invalid_argument);
}

TEST_CASE("vga: PSF1 and PSF2 parsing with Unicode tables") {
    std::vector<std::uint8_t> psf1 = {0x36, 0x04, 0x02, 0x01};  // 256 glyphs of 1 row, with a table
    for (unsigned g = 0; g < 256; ++g) psf1.push_back(static_cast<std::uint8_t>(g));
    for (unsigned g = 0; g < 256; ++g) {
        const unsigned code = g == 1 ? 0x263A : g;
        psf1.insert(psf1.end(), {static_cast<std::uint8_t>(code), static_cast<std::uint8_t>(code >> 8)});
        if (g == 2) psf1.insert(psf1.end(), {0xFE, 0xFF, 0x41, 0x00, 0x01, 0x03});  // a sequence: ignored
        psf1.insert(psf1.end(), {0xFF, 0xFF});
    }
    const PsfFont a = parse_psf(psf1);
    CHECK(a.width == 8);
    CHECK(a.height == 1);
    CHECK(a.glyph_of.at(0x263A) == 1u);
    CHECK(a.glyph_of.at(U'A') == 0x41u);
    psf1.resize(psf1.size() - 3);
    CHECK_THROWS_AS(parse_psf(psf1), std::invalid_argument);

    std::vector<std::uint8_t> psf2 = {0x72, 0xB5, 0x4A, 0x86, 0, 0, 0, 0, 32, 0, 0, 0, 1, 0, 0, 0,
                                      2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 8, 0, 0, 0};
    psf2.insert(psf2.end(), {0x18, 0x24, 0x3C, 0x42});
    psf2.insert(psf2.end(), {0xE2, 0x98, 0xBA, 0xFF, 'x', 0xFF});  // U+263A, then 'x'
    const PsfFont b = parse_psf(psf2);
    CHECK(b.glyph_count == 2u);
    CHECK(b.glyph_of.at(0x263A) == 0u);
    CHECK(b.glyph_of.at(U'x') == 1u);
    psf2[psf2.size() - 4] = 0xC0;  // a UTF-8 lead byte without its continuation
    CHECK_THROWS_AS(parse_psf(psf2), std::invalid_argument);
}

TEST_CASE("vga: mode 03h text renders the font with attribute colours, the 9th dot and the dirty rectangle") {
    Rig rig;
    const DisplayFrame& first = rig.vga.refresh();
    REQUIRE(first.width == 720);
    REQUIRE(first.height == 400);
    CHECK(first.dirty == DirtyRect{0, 0, 720, 400});
    CHECK(first.text.active);
    CHECK(first.text.columns == 80);
    CHECK(first.text.rows == 25);
    CHECK(first.text.cell_width == 9);
    CHECK(first.text.cell_height == 16);
    CHECK(rig.vga.refresh().dirty.empty());
    // Row 2, column 3: 'A' yellow on blue; column 4: C4h (horizontal line), white on black.
    const std::uint32_t cell = 2 * 80 + 3;
    rig.poke(0xB8000 + cell * 2, 'A');
    rig.poke(0xB8000 + cell * 2 + 1, 0x1E);
    rig.poke(0xB8000 + (cell + 1) * 2, 0xC4);
    rig.poke(0xB8000 + (cell + 1) * 2 + 1, 0x0F);
    const DisplayFrame& f = rig.vga.refresh();
    CHECK(f.dirty == DirtyRect{27, 32, 18, 16});
    const auto& font = vga_font_8x16();
    int mismatches = 0;
    for (unsigned line = 0; line < 16; ++line) {
        for (unsigned dot = 0; dot < 9; ++dot) {
            const std::uint8_t a_row = font['A' * 16 + line];
            const bool a_on = dot < 8 && (a_row & (0x80 >> dot));
            const std::uint32_t a_expected = a_on ? text_colour(0xE) : text_colour(0x1);
            mismatches += f.pixels[(32 + line) * f.stride + 27 + dot] != a_expected;
            const std::uint8_t h_row = font[0xC4 * 16 + line];
            const bool h_on = dot < 8 ? (h_row & (0x80 >> dot)) != 0 : (h_row & 1) != 0;  // line graphics
            mismatches += f.pixels[(32 + line) * f.stride + 36 + dot] != (h_on ? text_colour(0xF) : text_colour(0));
        }
    }
    CHECK(mismatches == 0);
    CHECK(text_colour(0xE) == 0xFFFF55u);  // yellow
    CHECK(text_colour(0x1) == 0x0000AAu);  // blue
    CHECK(text_colour(0x6) == 0xAA5500u);  // brown
    // The 8-dot clocking mode makes 640-pixel lines.
    rig.seq(1, 0x01);
    const DisplayFrame& narrow = rig.vga.refresh();
    CHECK(narrow.width == 640);
    CHECK(narrow.dirty == DirtyRect{0, 0, 640, 400});
}

TEST_CASE("vga: blink attribute versus bright background, blink period from emulated time") {
    Rig rig;
    rig.poke(0xB8000, 0xDB);  // full block
    rig.poke(0xB8001, 0x9E);  // blink, blue background, yellow
    rig.crtc(0x0A, 0x20);     // cursor off
    rig.clock = ns_of_frame(0);
    const DisplayFrame& on = rig.vga.refresh();
    CHECK(on.pixels[0] == text_colour(0xE));
    rig.clock = ns_of_frame(16);  // characters blink every 32 frames: off for frames 16-31
    CHECK(rig.vga.refresh().pixels[0] == text_colour(0x1));
    rig.clock = ns_of_frame(31);
    CHECK(rig.vga.refresh().pixels[0] == text_colour(0x1));
    rig.clock = ns_of_frame(32);
    CHECK(rig.vga.refresh().pixels[0] == text_colour(0xE));
    // Attribute mode control bit 3 clear: bit 7 is background intensity, no blinking.
    rig.attr(0x10, 0x04);
    rig.poke(0xB8000, ' ');
    rig.clock = ns_of_frame(16);
    CHECK(rig.vga.refresh().pixels[0] == text_colour(0x9));
}

TEST_CASE("vga: the text cursor from CRTC 0Ah/0Bh/0Eh/0Fh, blinking every 16 frames") {
    Rig rig;
    rig.crtc(0x0A, 0x0D);
    rig.crtc(0x0B, 0x0E);
    rig.crtc(0x0E, 0x00);
    rig.crtc(0x0F, 81);  // row 1, column 1
    rig.poke(0xB8000 + 81 * 2 + 1, 0x02);  // green on black
    rig.clock = ns_of_frame(1);
    const DisplayFrame& f = rig.vga.refresh();
    CHECK(f.text.cursor_enabled);
    CHECK(f.text.cursor_row == 1);
    CHECK(f.text.cursor_column == 1);
    for (unsigned line = 0; line < 16; ++line) {
        for (unsigned dot = 0; dot < 9; ++dot) {
            const bool cursor = line >= 13 && line <= 14 && dot < 8;
            CHECK(f.pixels[(16 + line) * f.stride + 9 + dot] == (cursor ? text_colour(2) : text_colour(0)));
        }
    }
    rig.clock = ns_of_frame(8);  // off phase
    const DisplayFrame& off = rig.vga.refresh();
    CHECK(off.pixels[(16 + 13) * off.stride + 9] == text_colour(0));
    CHECK(off.dirty == DirtyRect{9, 29, 8, 2});
    rig.crtc(0x0A, 0x2D);  // disabled
    rig.clock = ns_of_frame(16);
    CHECK_FALSE(rig.vga.refresh().text.cursor_enabled);
}

TEST_CASE("vga: a second font through character map select and attribute bit 3") {
    Rig rig;
    // Map A = 1 (plane 2 at 16 KiB) for attribute bit 3 set, map B = 0.
    rig.seq(3, 0x04);
    rig.vga.video_memory()[(0x4000 + 'Z' * 32 + 0) * 4 + 2] = 0xAA;
    rig.poke(0xB8000, 'Z');
    rig.poke(0xB8001, 0x0F);  // bright white: bit 3 set -> map A
    rig.crtc(0x0A, 0x20);
    const DisplayFrame& f = rig.vga.refresh();
    for (unsigned dot = 0; dot < 8; ++dot)
        CHECK(f.pixels[dot] == ((0xAA & (0x80 >> dot)) ? text_colour(0xF) : text_colour(0)));
}

TEST_CASE("vga: mode 13h pixels through the DAC") {
    Rig rig;
    rig.vga.set_mode(0x13);
    rig.out(0x3C8, 0x42);
    rig.out(0x3C9, 0x3F);
    rig.out(0x3C9, 0x20);
    rig.out(0x3C9, 0x01);
    rig.poke(kWindow + 320 * 10 + 7, 0x42);
    rig.poke(kWindow + 320 * 199 + 319, 0x0C);  // standard colour 12: light red
    const DisplayFrame& f = rig.vga.refresh();
    REQUIRE(f.width == 320);
    REQUIRE(f.height == 200);
    CHECK_FALSE(f.text.active);
    CHECK(f.pixels[10 * f.stride + 7] == xrgb6(0x3F, 0x20, 0x01));
    CHECK(f.pixels[10 * f.stride + 6] == 0u);
    CHECK(f.pixels[199 * f.stride + 319] == xrgb6(0x3F, 0x15, 0x15));
    // The DAC pixel mask applies: 42h & 0Fh = 2 (green).
    rig.out(0x3C6, 0x0F);
    CHECK(rig.vga.refresh().pixels[10 * 320 + 7] == xrgb6(0, 0x2A, 0));
    // Unchained (mode X): plane = x & 3, offset = x >> 2 shows the same pixel layout.
    rig.out(0x3C6, 0xFF);
    rig.seq(4, 0x06);
    rig.seq(2, 0x08);             // plane 3
    rig.poke(kWindow + 1, 0x42);  // pixel x = 4 * 1 + 3 = 7 of line 0
    CHECK(rig.vga.refresh().pixels[7] == xrgb6(0x3F, 0x20, 0x01));
}

TEST_CASE("vga: mode 12h planar pixels through the attribute palette and the DAC") {
    Rig rig;
    rig.vga.set_mode(0x12);
    // Pixel (9, 3) in colour 11 with write mode 2 and bit mask 40h (bit 6 of byte 1).
    rig.gc(5, 0x02);
    rig.gc(8, 0x40);
    (void)rig.peek(kWindow + 3 * 80 + 1);
    rig.poke(kWindow + 3 * 80 + 1, 0x0B);
    const DisplayFrame& f = rig.vga.refresh();
    REQUIRE(f.width == 640);
    REQUIRE(f.height == 480);
    CHECK(f.pixels[3 * f.stride + 9] == ega(0x3B));
    CHECK(ega(0x3B) == 0x55FFFFu);
    CHECK(f.pixels[3 * f.stride + 8] == 0u);
    CHECK(f.pixels[3 * f.stride + 10] == 0u);
    // Colour plane enable masks plane 3: colour 11 shows as 3 (cyan, palette 03h).
    rig.attr(0x12, 0x07);
    CHECK(rig.vga.refresh().pixels[3 * 640 + 9] == ega(0x03));
    // Palette register 3 reprogrammed to 3Ch.
    rig.attr(0x03, 0x3C);
    CHECK(rig.vga.refresh().pixels[3 * 640 + 9] == ega(0x3C));
    // The screen-off bit blanks the picture.
    rig.seq(1, 0x21);
    CHECK(rig.vga.refresh().pixels[3 * 640 + 9] == 0u);
}

TEST_CASE("vga: DISPI mode set, capabilities and LFB writes to pixels") {
    Rig rig;
    CHECK(rig.dispi(Vga::kDispiId) == 0xB0C5);
    rig.dispi(Vga::kDispiId, 0xB0C2);
    CHECK(rig.dispi(Vga::kDispiId) == 0xB0C2);
    rig.dispi(Vga::kDispiId, 0x1234);  // not an ID: ignored
    CHECK(rig.dispi(Vga::kDispiId) == 0xB0C2);
    CHECK(rig.dispi(Vga::kDispiVideoMemory64k) == 256);
    rig.dispi(Vga::kDispiEnable, Vga::kDispiGetCaps);
    CHECK(rig.dispi(Vga::kDispiXres) == Vga::kDispiMaxXres);
    CHECK(rig.dispi(Vga::kDispiBpp) == 32);
    rig.dispi(Vga::kDispiEnable, 0);
    rig.dispi(Vga::kDispiXres, 1024);
    rig.dispi(Vga::kDispiYres, 768);
    rig.dispi(Vga::kDispiBpp, 32);
    rig.dispi(Vga::kDispiEnable, Vga::kDispiEnabled | Vga::kDispiLfbEnabled);
    CHECK(rig.dispi(Vga::kDispiXres) == 1024);
    CHECK(rig.dispi(Vga::kDispiVirtWidth) == 1024);
    CHECK(rig.dispi(Vga::kDispiVirtHeight) == (16u << 20) / (1024 * 4));
    REQUIRE(rig.vga.lfb_mapped_base() == 0xE000'0000u);
    rig.memory.write(0xE000'0000u + (5 * 1024 + 3) * 4, 4, 0x00123456);
    const DisplayFrame& f = rig.vga.refresh();
    REQUIRE(f.width == 1024);
    REQUIRE(f.height == 768);
    CHECK(f.pixels[5 * f.stride + 3] == 0x123456u);
    CHECK(f.pixels[5 * f.stride + 4] == 0u);
    CHECK_FALSE(f.text.active);
    // Y offset pans: line 5 of memory becomes line 0.
    rig.dispi(Vga::kDispiYOffset, 5);
    CHECK(rig.vga.refresh().pixels[3] == 0x123456u);
    rig.dispi(Vga::kDispiYOffset, 0);
    // The mode is fixed while enabled.
    rig.dispi(Vga::kDispiXres, 800);
    CHECK(rig.dispi(Vga::kDispiXres) == 1024);
    // 16 bpp, 8 bpp via the bank window, with NOCLEAR keeping memory.
    rig.dispi(Vga::kDispiEnable, 0);
    rig.dispi(Vga::kDispiBpp, 16);
    rig.dispi(Vga::kDispiXres, 640);
    rig.dispi(Vga::kDispiYres, 480);
    rig.dispi(Vga::kDispiEnable, Vga::kDispiEnabled);
    rig.memory.write(0xE000'0000u + 2, 2, 0xF81F);  // pixel 1: red 31, green 0, blue 31
    CHECK(rig.vga.refresh().pixels[1] == 0xFF00FFu);
    rig.memory.write(0xE000'0000u + 4, 2, 0x07E0);  // pixel 2: green 63
    CHECK(rig.vga.refresh().pixels[2] == 0x00FF00u);
    rig.dispi(Vga::kDispiEnable, 0);
    rig.dispi(Vga::kDispiBpp, 8);
    rig.dispi(Vga::kDispiEnable, Vga::kDispiEnabled | Vga::kDispiNoClear);
    CHECK(rig.vga.video_memory()[2] == 0x1F);  // kept
    rig.dispi(Vga::kDispiBank, 2);
    rig.poke(kWindow + 0x10, 0x0C);  // byte 2 * 64 KiB + 10h of video memory
    CHECK(rig.vga.video_memory()[2 * 0x10000 + 0x10] == 0x0C);
    CHECK(rig.peek(kWindow + 0x10) == 0x0C);
    const std::uint32_t pixel = 2 * 0x10000 + 0x10;
    CHECK(rig.vga.refresh().pixels[pixel] == ega(0x0C));  // the DAC still holds mode 03h's EGA palette
    CHECK(rig.peek(0xB0000) == 0xFF);  // only A0000h-AFFFFh while DISPI is on
    // A mode beyond the maximum resolution is refused, as is one larger than video memory.
    rig.dispi(Vga::kDispiEnable, 0);
    rig.dispi(Vga::kDispiXres, 4000);
    rig.dispi(Vga::kDispiYres, 600);
    rig.dispi(Vga::kDispiBpp, 32);
    rig.dispi(Vga::kDispiEnable, Vga::kDispiEnabled);
    CHECK_FALSE(rig.vga.dispi_enabled());
    rig.dispi(Vga::kDispiEnable, Vga::kDispiEnabled);
    CHECK_FALSE(rig.vga.dispi_enabled());
    rig.dispi(Vga::kDispiBpp, 4);  // not supported here
    rig.dispi(Vga::kDispiXres, 640);
    rig.dispi(Vga::kDispiYres, 480);
    rig.dispi(Vga::kDispiEnable, Vga::kDispiEnabled);
    CHECK_FALSE(rig.vga.dispi_enabled());
}

TEST_CASE("vga: DISPI 24 and 15 bpp, virtual width and X offset, 8-bit DAC") {
    Rig rig;
    rig.dispi(Vga::kDispiXres, 320);
    rig.dispi(Vga::kDispiYres, 200);
    rig.dispi(Vga::kDispiBpp, 24);
    rig.dispi(Vga::kDispiEnable, Vga::kDispiEnabled | Vga::kDispiLfbEnabled);
    rig.dispi(Vga::kDispiVirtWidth, 400);
    CHECK(rig.dispi(Vga::kDispiVirtWidth) == 400);
    CHECK(rig.dispi(Vga::kDispiVirtHeight) == (16u << 20) / (400 * 3));
    rig.dispi(Vga::kDispiVirtWidth, 100);  // narrower than XRES: XRES
    CHECK(rig.dispi(Vga::kDispiVirtWidth) == 320);
    rig.dispi(Vga::kDispiVirtWidth, 400);
    // Pixel (x 50, y 2) of the virtual screen: byte (2 * 400 + 50) * 3, stored B, G, R.
    const std::uint32_t at = 0xE000'0000u + (2 * 400 + 50) * 3;
    rig.poke(at + 0, 0x11);
    rig.poke(at + 1, 0x22);
    rig.poke(at + 2, 0x33);
    CHECK(rig.vga.refresh().pixels[2 * 320 + 50] == 0x332211u);
    rig.dispi(Vga::kDispiXOffset, 40);
    CHECK(rig.vga.refresh().pixels[2 * 320 + 10] == 0x332211u);
    rig.dispi(Vga::kDispiEnable, 0);
    rig.dispi(Vga::kDispiBpp, 15);
    rig.dispi(Vga::kDispiEnable, Vga::kDispiEnabled);
    rig.memory.write(0xE000'0000u, 2, 0x7C00 | 0x0010);  // red 31, green 0, blue 16
    CHECK(rig.vga.refresh().pixels[0] == (0xFFu << 16 | ((16u << 3) | (16u >> 2))));
    // With DISPI's 8-bit DAC bit the components are 8 bits wide.
    rig.dispi(Vga::kDispiEnable, 0);
    rig.dispi(Vga::kDispiBpp, 8);
    rig.dispi(Vga::kDispiEnable, Vga::kDispiEnabled | Vga::kDispi8BitDac);
    rig.out(0x3C8, 0x01);
    rig.out(0x3C9, 0xC8);
    rig.out(0x3C9, 0x64);
    rig.out(0x3C9, 0x32);
    rig.poke(0xE000'0000u, 0x01);
    CHECK(rig.vga.refresh().pixels[0] == 0xC86432u);
}

TEST_CASE("vga: PCI function 1234:1111 at 00:02.0; BAR0 sizing and moving the LFB") {
    Rig rig;
    auto config_read = [&](std::uint8_t reg) { return rig.bus.config_read(0, 2, 0, reg, 4); };
    auto config_write = [&](std::uint8_t reg, std::uint32_t v) { rig.bus.config_write(0, 2, 0, reg, 4, v); };
    CHECK(config_read(0x00) == 0x1111'1234u);
    CHECK((config_read(0x08) >> 8) == 0x030000u);
    CHECK(config_read(0x10) == 0xE000'0008u);
    rig.memory.write(0xE000'0010u, 4, 0xCAFEF00Du);
    CHECK(rig.vga.video_memory()[0x10] == 0x0D);
    config_write(0x04, 0x0001);  // memory decode off: the LFB goes away
    CHECK_FALSE(rig.vga.lfb_mapped_base().has_value());
    CHECK(rig.memory.read(0xE000'0010u, 4) == 0xFFFF'FFFFu);
    config_write(0x10, 0xFFFF'FFFFu);
    CHECK(config_read(0x10) == 0xFF00'0008u);  // 16 MiB
    config_write(0x10, 0xD000'0000u);
    config_write(0x04, 0x0003);
    CHECK(rig.vga.lfb_mapped_base() == 0xD000'0000u);
    CHECK(rig.memory.read(0xD000'0010u, 4) == 0xCAFEF00Du);
    CHECK(rig.memory.read(0xE000'0010u, 4) == 0xFFFF'FFFFu);
    // A BAR over RAM (base 0) leaves the LFB unmapped instead of failing.
    config_write(0x10, 0x0000'0000u);
    CHECK_FALSE(rig.vga.lfb_mapped_base().has_value());
    CHECK(rig.memory.read(0x10, 4) == 0u);  // still RAM
    config_write(0x10, 0xE000'0000u);
    CHECK(rig.vga.lfb_mapped_base() == 0xE000'0000u);
}

TEST_CASE("vga: bad configuration and mode numbers are refused; random guest accesses never crash") {
    std::uint64_t clock = 0;
    Scheduler scheduler{1'000'000, [&] { return clock; }};
    CHECK_THROWS_AS(Vga(scheduler, VgaConfig{.video_memory_bytes = 3u << 20}), std::invalid_argument);
    CHECK_THROWS_AS(Vga(scheduler, VgaConfig{.video_memory_bytes = 128u << 10}), std::invalid_argument);
    {
        Vga small(scheduler, VgaConfig{.video_memory_bytes = 1u << 20});
        auto set = [&](std::uint16_t index, std::uint16_t value) {
            small.write_dispi(0x1CE, index);
            small.write_dispi(0x1CF, value);
        };
        set(Vga::kDispiXres, 1024);
        set(Vga::kDispiYres, 768);
        set(Vga::kDispiBpp, 16);  // 1.5 MiB: more than the card has
        set(Vga::kDispiEnable, Vga::kDispiEnabled);
        CHECK_FALSE(small.dispi_enabled());
        set(Vga::kDispiBpp, 8);
        set(Vga::kDispiEnable, Vga::kDispiEnabled);
        CHECK(small.dispi_enabled());
        small.write_dispi(0x1CE, Vga::kDispiVideoMemory64k);
        CHECK(small.read_dispi(0x1CF) == 16);
        CHECK(small.pci_function().bar_size(0) == (1u << 20));
    }
    Rig rig;
    CHECK_THROWS_AS(rig.vga.set_mode(0x07), std::invalid_argument);
    std::mt19937 random(11);
    for (int i = 0; i < 20000; ++i) {
        const unsigned what = random() % 4;
        if (what == 0)
            rig.out(static_cast<std::uint16_t>(0x3B0 + random() % 0x30), static_cast<std::uint8_t>(random()));
        else if (what == 1)
            rig.poke(kWindow + random() % Vga::kLegacyWindowSize, static_cast<std::uint8_t>(random()));
        else if (what == 2)
            rig.dispi(static_cast<std::uint16_t>(random() % 12), static_cast<std::uint16_t>(random()));
        else
            (void)rig.peek(kWindow + random() % Vga::kLegacyWindowSize);
        if (i % 2000 == 0) {
            rig.clock += 1'000'000;
            const DisplayFrame& f = rig.vga.refresh();
            CHECK(f.width <= 4096);
            (void)rig.vga.text_cells();
        }
    }
    rig.vga.set_mode(0x03);
    CHECK(rig.vga.refresh().width == 720);
}

#include "x86emu/machine.hpp"

TEST_CASE("vga: a real-mode guest on a Machine writes text, polls 3DAh for retrace and reads PCI IDs") {
    MachineConfig config;
    config.model = CpuModel::i80386;
    config.memory_mib = 1;
    config.bios_image.assign(0x10000, 0xF4);
    const std::uint8_t jump_far_0000_0600[] = {0xEA, 0x00, 0x06, 0x00, 0x00};
    std::copy(std::begin(jump_far_0000_0600), std::end(jump_far_0000_0600), config.bios_image.begin() + 0xFFF0);
    Machine machine(config);
    // What the platform does: free the legacy window of RAM, attach the card, register its function.
    machine.memory().unmap(Vga::kLegacyWindowBase, Vga::kLegacyWindowSize);
    Vga vga(machine.scheduler());
    vga.attach(machine.ports(), machine.memory());
    PciBus bus;
    bus.add(Vga::kPciDevice, 0, vga.pci_function());
    bus.attach(machine.ports());
    const std::vector<std::uint8_t> program = {
        0x31, 0xC0, 0x8E, 0xD8,                          // xor ax, ax; mov ds, ax
        0xB8, 0x00, 0xB8, 0x8E, 0xC0,                    // mov ax, 0B800h; mov es, ax
        0x26, 0xC7, 0x06, 0x00, 0x00, 0x48, 0x1F,        // mov word [es:0], 1F48h ('H')
        0x26, 0xC7, 0x06, 0x02, 0x00, 0x69, 0x1F,        // mov word [es:2], 1F69h ('i')
        0xBA, 0xDA, 0x03,                                // mov dx, 3DAh
        0xEC, 0xA8, 0x08, 0x74, 0xFB,                    // wait: in al, dx; test al, 8; jz wait
        0x66, 0xB8, 0x00, 0x10, 0x00, 0x80,              // mov eax, 80001000h (00:02.0, register 0)
        0xBA, 0xF8, 0x0C, 0x66, 0xEF,                    // mov dx, 0CF8h; out dx, eax
        0xBA, 0xFC, 0x0C, 0x66, 0xED,                    // mov dx, 0CFCh; in eax, dx
        0x66, 0xA3, 0x00, 0x05,                          // mov [500h], eax
        0xF4,                                            // hlt
    };
    machine.write_physical(0x600, program);
    const RunResult result = machine.run(2'000'000'000);
    CHECK(result.reasons == StopReason::Halted);
    std::uint8_t ids[4];
    machine.read_physical(0x500, ids);
    CHECK(ids[0] == 0x34);
    CHECK(ids[1] == 0x12);
    CHECK(ids[2] == 0x11);
    CHECK(ids[3] == 0x11);
    const auto cells = vga.text_cells();
    REQUIRE(cells.size() >= 2);
    CHECK(cells[0] == TextCell{'H', 0x1F});
    CHECK(cells[1] == TextCell{'i', 0x1F});
    // The loop ended in the first vertical retrace: line 412 of mode 03h's first frame.
    const std::uint64_t ns = machine.scheduler().ns_from_cycles(machine.scheduler().now());
    CHECK(ns >= 412ull * 900 * 1'000'000'000 / kMode3DotClock);
    CHECK(ns < kMode3FrameDots * 1'000'000'000 / kMode3DotClock);
}
