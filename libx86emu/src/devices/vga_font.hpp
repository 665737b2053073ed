// x86emu — the VGA's built-in 8x16 character set: the glyphs of code page 437 (the IBM PC's
// character set, which a VGA BIOS loads into plane 2 and Linux's vgacon assumes), taken from the
// PSF fonts of Debian's console-setup-linux that the build embeds (cmake/vga_font.cmake), by
// looking each CP437 character's Unicode code point up in the fonts' Unicode tables.
//
// PSF formats read (as documented with the Linux kbd tools, psfaux.h): PSF1 (magic 36h 04h, a
// mode byte with 512-glyph and Unicode-table bits, a height byte; glyphs 8 pixels wide; a table
// of 16-bit code points per glyph ending in FFFFh, FFFEh starting a sequence) and PSF2 (magic
// 72h B5h 4Ah 86h, a header with glyph count, size, height and width; a UTF-8 table per glyph
// ending in FFh, FEh starting a sequence).
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include <x86emu/text_font.hpp>

namespace x86emu {

struct PsfFont {
    unsigned width = 0, height = 0, glyph_count = 0, bytes_per_glyph = 0;
    std::vector<std::uint8_t> glyphs;           // glyph_count * bytes_per_glyph, rows top first
    std::map<char32_t, unsigned> glyph_of;      // a code point's first glyph (single code points only)
};

// Parses a PSF1 or PSF2 file; std::invalid_argument naming what is wrong for anything else
// (bad magic, truncated glyphs or table).
PsfFont parse_psf(std::span<const std::uint8_t> file);

// cp437_unicode() and vga_font_8x16() are public: x86emu/text_font.hpp.

}  // namespace x86emu
