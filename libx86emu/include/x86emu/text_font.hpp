// x86emu — the VGA's built-in character set, for a frontend that draws text of its own (the SDL
// frontend's serial-console pane, docs/SDL.md): code page 437, the IBM PC's character set, and its
// 8x16 glyphs, the ones the VGA device and the built-in BIOS use (src/devices/vga_font.cpp builds
// them from Debian's console-setup-linux fonts, cmake/vga_font.cmake).
#pragma once
#include <array>
#include <cstdint>

namespace x86emu {

// The Unicode code point of each CP437 character (0 for character 00h, drawn blank).
const std::array<char32_t, 256>& cp437_unicode();

// 256 glyphs of 16 rows, one byte per row (bit 7 the leftmost pixel), in CP437 order: a VGA font
// ready for plane 2 (32 bytes per character there, the last 16 zero). Built once; thread-safe.
const std::array<std::uint8_t, 256 * 16>& vga_font_8x16();

}  // namespace x86emu
