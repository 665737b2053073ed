// x86emu — the VGA font from the embedded PSF files (see vga_font.hpp).
#include "devices/vga_font.hpp"

#include <stdexcept>
#include <string>

namespace x86emu {

namespace vga_font_data {
std::span<const std::uint8_t> primary_psf();
std::span<const std::uint8_t> fallback_psf();
}  // namespace vga_font_data

namespace {

std::uint32_t le32(std::span<const std::uint8_t> b, std::size_t at) {
    return std::uint32_t{b[at]} | std::uint32_t{b[at + 1]} << 8 | std::uint32_t{b[at + 2]} << 16 |
           std::uint32_t{b[at + 3]} << 24;
}

[[noreturn]] void bad(const std::string& what) { throw std::invalid_argument("PSF font: " + what); }

// Decodes one UTF-8 sequence at `i` (advancing it); bad("...") on malformed input.
char32_t utf8_at(std::span<const std::uint8_t> t, std::size_t& i) {
    const std::uint8_t lead = t[i];
    unsigned length = lead < 0x80 ? 1 : (lead >> 5) == 6 ? 2 : (lead >> 4) == 14 ? 3 : (lead >> 3) == 30 ? 4 : 0;
    if (length == 0 || i + length > t.size()) bad("malformed UTF-8 in the Unicode table");
    char32_t c = length == 1 ? lead : lead & (0x7F >> length);
    for (unsigned k = 1; k < length; ++k) {
        if ((t[i + k] & 0xC0) != 0x80) bad("malformed UTF-8 in the Unicode table");
        c = (c << 6) | (t[i + k] & 0x3F);
    }
    i += length;
    return c;
}

}  // namespace

PsfFont parse_psf(std::span<const std::uint8_t> file) {
    PsfFont font;
    std::size_t table = 0;
    bool has_table = false, psf2 = false;
    if (file.size() >= 4 && file[0] == 0x36 && file[1] == 0x04) {
        const std::uint8_t mode = file[2];
        font.width = 8;
        font.height = file[3];
        font.glyph_count = (mode & 1) ? 512 : 256;
        font.bytes_per_glyph = font.height;
        has_table = (mode & 6) != 0;
        table = 4 + std::size_t{font.glyph_count} * font.bytes_per_glyph;
        if (font.height == 0 || table > file.size()) bad("PSF1 glyphs truncated");
        font.glyphs.assign(file.begin() + 4, file.begin() + static_cast<std::ptrdiff_t>(table));
    } else if (file.size() >= 32 && le32(file, 0) == 0x864AB572u) {
        psf2 = true;
        const std::uint32_t header = le32(file, 8), flags = le32(file, 12);
        font.glyph_count = le32(file, 16);
        font.bytes_per_glyph = le32(file, 20);
        font.height = le32(file, 24);
        font.width = le32(file, 28);
        has_table = (flags & 1) != 0;
        if (font.width == 0 || font.height == 0 || font.glyph_count == 0 || font.glyph_count > 65536 ||
            font.bytes_per_glyph != (font.width + 7) / 8 * font.height || header < 32 || header > file.size())
            bad("PSF2 header inconsistent");
        table = header + std::size_t{font.glyph_count} * font.bytes_per_glyph;
        if (table > file.size()) bad("PSF2 glyphs truncated");
        font.glyphs.assign(file.begin() + header, file.begin() + static_cast<std::ptrdiff_t>(table));
    } else {
        bad("not a PSF1 or PSF2 file");
    }
    if (!has_table) return font;
    const auto t = file.subspan(table);
    std::size_t i = 0;
    for (unsigned glyph = 0; glyph < font.glyph_count; ++glyph) {
        bool in_sequence = false;  // a combining sequence names no single code point
        for (;;) {
            if (psf2) {
                if (i >= t.size()) bad("PSF2 Unicode table truncated");
                if (t[i] == 0xFF) { ++i; break; }
                if (t[i] == 0xFE) { in_sequence = true; ++i; continue; }
                const char32_t c = utf8_at(t, i);
                if (!in_sequence) font.glyph_of.emplace(c, glyph);
            } else {
                if (i + 2 > t.size()) bad("PSF1 Unicode table truncated");
                const char32_t c = t[i] | t[i + 1] << 8;
                i += 2;
                if (c == 0xFFFF) break;
                if (c == 0xFFFE) { in_sequence = true; continue; }
                if (!in_sequence) font.glyph_of.emplace(c, glyph);
            }
        }
    }
    return font;
}

const std::array<char32_t, 256>& cp437_unicode() {
    // Code page 437 as IBM defines it, with the graphic characters of 01h-1Fh and 7Fh.
    static const std::array<char32_t, 256> table = {
        0x0000, 0x263A, 0x263B, 0x2665, 0x2666, 0x2663, 0x2660, 0x2022, 0x25D8, 0x25CB, 0x25D9, 0x2642, 0x2640, 0x266A, 0x266B, 0x263C,
        0x25BA, 0x25C4, 0x2195, 0x203C, 0x00B6, 0x00A7, 0x25AC, 0x21A8, 0x2191, 0x2193, 0x2192, 0x2190, 0x221F, 0x2194, 0x25B2, 0x25BC,
        0x0020, 0x0021, 0x0022, 0x0023, 0x0024, 0x0025, 0x0026, 0x0027, 0x0028, 0x0029, 0x002A, 0x002B, 0x002C, 0x002D, 0x002E, 0x002F,
        0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037, 0x0038, 0x0039, 0x003A, 0x003B, 0x003C, 0x003D, 0x003E, 0x003F,
        0x0040, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047, 0x0048, 0x0049, 0x004A, 0x004B, 0x004C, 0x004D, 0x004E, 0x004F,
        0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057, 0x0058, 0x0059, 0x005A, 0x005B, 0x005C, 0x005D, 0x005E, 0x005F,
        0x0060, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067, 0x0068, 0x0069, 0x006A, 0x006B, 0x006C, 0x006D, 0x006E, 0x006F,
        0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077, 0x0078, 0x0079, 0x007A, 0x007B, 0x007C, 0x007D, 0x007E, 0x2302,
        0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7, 0x00EA, 0x00EB, 0x00E8, 0x00EF, 0x00EE, 0x00EC, 0x00C4, 0x00C5,
        0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9, 0x00FF, 0x00D6, 0x00DC, 0x00A2, 0x00A3, 0x00A5, 0x20A7, 0x0192,
        0x00E1, 0x00ED, 0x00F3, 0x00FA, 0x00F1, 0x00D1, 0x00AA, 0x00BA, 0x00BF, 0x2310, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB,
        0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556, 0x2555, 0x2563, 0x2551, 0x2557, 0x255D, 0x255C, 0x255B, 0x2510,
        0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F, 0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x2567,
        0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256B, 0x256A, 0x2518, 0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580,
        0x03B1, 0x00DF, 0x0393, 0x03C0, 0x03A3, 0x03C3, 0x00B5, 0x03C4, 0x03A6, 0x0398, 0x03A9, 0x03B4, 0x221E, 0x03C6, 0x03B5, 0x2229,
        0x2261, 0x00B1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00F7, 0x2248, 0x00B0, 0x2219, 0x00B7, 0x221A, 0x207F, 0x00B2, 0x25A0, 0x00A0,
    };
    return table;
}

const std::array<std::uint8_t, 256 * 16>& vga_font_8x16() {
    static const std::array<std::uint8_t, 256 * 16> font = [] {
        const PsfFont primary = parse_psf(vga_font_data::primary_psf());
        const PsfFont fallback = parse_psf(vga_font_data::fallback_psf());
        for (const PsfFont* f : {&primary, &fallback})
            if (f->width != 8 || f->height != 16) bad("the embedded VGA fonts must be 8x16");
        // Shapes the fonts lack under CP437's code point, drawn by a close one they have.
        const std::map<char32_t, char32_t> substitutes = {{0x25BA, 0x25B6}, {0x25C4, 0x25C0}};
        std::array<std::uint8_t, 256 * 16> out{};
        for (unsigned ch = 1; ch < 256; ++ch) {
            const char32_t wanted = cp437_unicode()[ch];
            const std::uint8_t* glyph = nullptr;
            for (char32_t code : {wanted, substitutes.count(wanted) ? substitutes.at(wanted) : wanted}) {
                for (const PsfFont* f : {&primary, &fallback}) {
                    if (auto it = f->glyph_of.find(code); it != f->glyph_of.end() && glyph == nullptr)
                        glyph = &f->glyphs[std::size_t{it->second} * 16];
                }
            }
            if (glyph == nullptr) bad("the embedded fonts lack CP437 character " + std::to_string(ch));
            std::copy(glyph, glyph + 16, out.begin() + ch * 16);
        }
        return out;
    }();
    return font;
}

}  // namespace x86emu
