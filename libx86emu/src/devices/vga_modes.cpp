// x86emu — the register sets of the standard VGA modes 03h, 12h and 13h, as IBM's VGA BIOS
// programs them (the values are the documented parameter tables of the IBM VGA technical
// reference, register by register), and the mode set that loads them (see Vga::set_mode).
#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>
#include <string>

#include "devices/vga.hpp"
#include "devices/vga_font.hpp"

namespace x86emu {

namespace {

struct ModeRegisters {
    std::uint8_t misc_output;
    std::array<std::uint8_t, 5> sequencer;
    std::array<std::uint8_t, 25> crtc;
    std::array<std::uint8_t, 9> graphics;
    std::array<std::uint8_t, 21> attribute;
};

// Mode 03h: 80x25 text, 9x16 cells (720x400, 28.322 MHz, 70 Hz), odd/even at B8000h.
constexpr ModeRegisters kMode03 = {
    0x67,
    {0x03, 0x00, 0x03, 0x00, 0x02},
    {0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E, 0x00, 0x00, 0x00, 0x00,
     0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF},
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x00, 0xFF},
    {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F,
     0x0C, 0x00, 0x0F, 0x08, 0x00},
};

// Mode 12h: 640x480, 16 colours in 4 planes at A0000h (25.175 MHz, 60 Hz).
constexpr ModeRegisters kMode12 = {
    0xE3,
    {0x03, 0x01, 0x0F, 0x00, 0x06},
    {0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0x0B, 0x3E, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
     0xEA, 0x8C, 0xDF, 0x28, 0x00, 0xE7, 0x04, 0xE3, 0xFF},
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0F, 0xFF},
    {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F,
     0x01, 0x00, 0x0F, 0x00, 0x00},
};

// Mode 13h: 320x200, 256 colours, chain-4 at A0000h (400 lines, each row scanned twice).
constexpr ModeRegisters kMode13 = {
    0x63,
    {0x03, 0x01, 0x0F, 0x00, 0x0E},
    {0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0x41, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
     0x9C, 0x8E, 0x8F, 0x28, 0x40, 0x96, 0xB9, 0xA3, 0xFF},
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0F, 0xFF},
    {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F,
     0x41, 0x00, 0x0F, 0x00, 0x00},
};

// The EGA-compatible 64-colour DAC contents of the 16-colour modes: bits 2:0 of the index are
// red, green, blue at 2/3 intensity, bits 5:3 red, green, blue at 1/3 (the 6-bit DAC's 2Ah, 15h).
void load_ega_palette(std::array<std::uint8_t, 768>& dac) {
    for (unsigned i = 0; i < 64; ++i) {
        auto component = [i](unsigned high_bit, unsigned low_bit) {
            return static_cast<std::uint8_t>(((i >> high_bit) & 1) * 0x2A + ((i >> low_bit) & 1) * 0x15);
        };
        dac[i * 3 + 0] = component(2, 5);
        dac[i * 3 + 1] = component(1, 4);
        dac[i * 3 + 2] = component(0, 3);
    }
}

// Mode 13h's first 16 entries are the 16 text colours (CGA order), 16-31 a grey ramp; the rest
// are left black (programs using mode 13h load their own palette).
void load_256_palette(std::array<std::uint8_t, 768>& dac) {
    std::fill(dac.begin(), dac.end(), 0);
    for (unsigned i = 0; i < 16; ++i) {
        const unsigned bright = (i & 8) ? 0x15 : 0;
        dac[i * 3 + 0] = static_cast<std::uint8_t>(((i >> 2) & 1) * 0x2A + bright);
        dac[i * 3 + 1] = static_cast<std::uint8_t>(i == 6 ? 0x15 : ((i >> 1) & 1) * 0x2A + bright);  // brown
        dac[i * 3 + 2] = static_cast<std::uint8_t>((i & 1) * 0x2A + bright);
    }
    static constexpr std::uint8_t kGreys[16] = {0x00, 0x05, 0x08, 0x0B, 0x0E, 0x11, 0x14, 0x18,
                                                0x1C, 0x20, 0x24, 0x28, 0x2D, 0x32, 0x38, 0x3F};
    for (unsigned i = 0; i < 16; ++i) std::fill_n(dac.begin() + (16 + i) * 3, 3, kGreys[i]);
}

}  // namespace

void Vga::set_mode(std::uint8_t bios_mode) {
    const ModeRegisters* mode = nullptr;
    switch (bios_mode) {
    case 0x03: mode = &kMode03; break;
    case 0x12: mode = &kMode12; break;
    case 0x13: mode = &kMode13; break;
    default:
        throw std::invalid_argument("Vga::set_mode: only modes 03h, 12h and 13h have register tables, not " +
                                    std::to_string(bios_mode));
    }
    State& s = state_;
    s.dispi[kDispiEnable] = 0;
    s.misc_output = mode->misc_output;
    s.sequencer = mode->sequencer;
    s.crtc = mode->crtc;
    s.graphics = mode->graphics;
    s.attribute = mode->attribute;
    s.attribute_index = 0x20;  // palette address source: the display uses the palette
    s.attribute_flip_flop_data = false;
    s.dac_pixel_mask = 0xFF;
    if (bios_mode == 0x13)
        load_256_palette(s.dac);
    else
        load_ega_palette(s.dac);
    std::uint8_t* v = vram_.get();
    std::memset(v, 0, 256 * 1024);
    if (bios_mode == 0x03) {
        // Blank screen: spaces in light grey on black in planes 0 and 1 (odd/even halves), and
        // the CP437 font in plane 2, map 0, 32 bytes per character.
        for (std::uint32_t offset = 0; offset < 0x8000; offset += 2) {
            v[offset * 4 + 0] = 0x20;
            v[offset * 4 + 1] = 0x07;
        }
        const auto& font = vga_font_8x16();
        for (unsigned ch = 0; ch < 256; ++ch)
            for (unsigned line = 0; line < 16; ++line) v[(ch * 32u + line) * 4 + 2] = font[ch * 16 + line];
    }
    if (memory_ && lfb_mapped_base_) map_lfb();  // video memory changed under host pointers
}

}  // namespace x86emu
