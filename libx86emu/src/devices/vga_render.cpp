// x86emu — drawing the VGA's picture into 32-bit XRGB (see vga.hpp): what the registers say is on
// screen (Geometry), each scan line rendered from video memory, and the dirty rectangle found by
// comparing each line with the previous frame (the LFB is written through host pointers, so the
// writes themselves are not seen).
#include <algorithm>
#include <cstring>

#include "devices/vga.hpp"

namespace x86emu {

namespace {

constexpr std::uint32_t kVgaMemoryMask = 256 * 1024 - 1;
constexpr std::uint32_t kMaxFrameSide = 4096;

std::uint32_t xrgb(std::uint32_t r, std::uint32_t g, std::uint32_t b) { return r << 16 | g << 8 | b; }
// A 6-bit DAC component on 8 bits: the high bits repeat in the low two, so 3Fh is FFh.
std::uint32_t dac6(std::uint8_t v) { return static_cast<std::uint32_t>((v & 0x3F) << 2 | (v & 0x3F) >> 4); }

}  // namespace

Vga::Geometry Vga::geometry() const {
    const State& s = state_;
    Geometry g;
    if (dispi_enabled()) {
        g.picture = Picture::Dispi;
        g.width = s.dispi[kDispiXres];
        g.height = s.dispi[kDispiYres];
        g.width = std::min<std::uint32_t>(g.width, kMaxFrameSide);
        g.height = std::min<std::uint32_t>(g.height, kMaxFrameSide);
        return g;
    }
    const auto& c = s.crtc;
    const Timing t = timing();
    const std::uint32_t scan_lines_per_row = (c[9] & 0x1F) + 1u;
    const std::uint32_t double_scan = (c[9] & 0x80) ? 2 : 1;
    const std::uint32_t columns = c[1] + 1u;
    g.start = std::uint32_t{c[0x0C]} << 8 | c[0x0D];
    g.pitch = c[0x13] * 2u;
    // Doubleword mode (CRTC 14h bit 6) or byte mode (CRTC 17h bit 6) address memory as the
    // counter counts; word mode doubles it. (Chain-4 already packs 4 pixels per plane offset.)
    g.address_scale = (c[0x14] & 0x40) || (c[0x17] & 0x40) ? 1 : 2;
    if ((s.attribute[0x10] & 0x01) == 0) {
        g.picture = Picture::Text;
        g.cell_width = (s.sequencer[1] & 0x01) ? 8 : 9;
        g.cell_height = scan_lines_per_row;
        const std::uint32_t rows = t.display_lines / double_scan / scan_lines_per_row;
        g.width = columns * g.cell_width;
        g.height = rows * g.cell_height;
    } else {
        g.picture = (s.graphics[5] & 0x40) ? Picture::Packed256 : Picture::Planar16;
        // In 256-colour mode two dots make one pixel: 4 pixels per character clock.
        g.width = columns * (g.picture == Picture::Packed256 ? 4 : 8);
        g.height = t.display_lines / double_scan / scan_lines_per_row;
    }
    // A frame no register combination of a real card reaches is cut, so the host buffer stays bounded.
    g.width = std::min<std::uint32_t>(g.width, kMaxFrameSide);
    g.height = std::min<std::uint32_t>(g.height, kMaxFrameSide);
    // Screen off (sequencer 01h bit 5), or the palette address source bit clear (the attribute
    // controller is being programmed): the picture is black.
    if ((s.sequencer[1] & 0x20) || (s.attribute_index & 0x20) == 0) g.picture = Picture::Blank;
    return g;
}

void Vga::build_palettes() {
    const State& s = state_;
    const bool eight_bit_dac = (s.dispi[kDispiEnable] & kDispi8BitDac) != 0;
    for (unsigned i = 0; i < 256; ++i) {
        const std::uint8_t* rgb = &s.dac[i * 3];
        dac_xrgb_[i] = eight_bit_dac ? xrgb(rgb[0], rgb[1], rgb[2]) : xrgb(dac6(rgb[0]), dac6(rgb[1]), dac6(rgb[2]));
    }
    const std::uint8_t mode = s.attribute[0x10], plane_enable = s.attribute[0x12] & 0x0F,
                       colour_select = s.attribute[0x14];
    for (unsigned colour = 0; colour < 16; ++colour) {
        unsigned index = s.attribute[colour & plane_enable] & 0x3F;
        if (mode & 0x80) index = (index & 0x0F) | (colour_select & 0x03) << 4;  // P5, P4 select
        index |= (colour_select & 0x0C) << 4;                                      // bits 7:6
        attribute_xrgb_[colour] = dac_xrgb_[index & s.dac_pixel_mask];
    }
}

void Vga::render_text_line(const Geometry& g, std::uint32_t y, std::uint32_t* out) const {
    const State& s = state_;
    const auto& c = s.crtc;
    const std::uint32_t row = y / g.cell_height, scan_line = y % g.cell_height;
    const std::uint32_t columns = g.width / g.cell_width;
    // Character map select: map A for attribute bit 3 set, map B for clear; map n starts at
    // (n & 3) * 16 KiB + (n >> 2) * 8 KiB of plane 2, 32 bytes per character.
    const std::uint8_t select = s.sequencer[3];
    const unsigned map_a = ((select >> 5) & 1) << 2 | ((select >> 2) & 3);
    const unsigned map_b = ((select >> 4) & 1) << 2 | (select & 3);
    auto font_base = [](unsigned map) { return (map & 3) * 0x4000u + (map >> 2) * 0x2000u; };
    const std::uint32_t cursor_at = std::uint32_t{c[0x0E]} << 8 | c[0x0F];
    const std::uint32_t cursor_first = c[0x0A] & 0x1F, cursor_last = c[0x0B] & 0x1F;
    const bool cursor_line = (c[0x0A] & 0x20) == 0 && cursor_phase_on_ && scan_line >= cursor_first &&
                             scan_line <= cursor_last;
    const bool blink_enabled = (s.attribute[0x10] & 0x08) != 0;
    const bool line_graphics = (s.attribute[0x10] & 0x04) != 0;
    for (std::uint32_t col = 0; col < columns; ++col) {
        const std::uint32_t counter = g.start + row * g.pitch + col;
        const std::uint32_t offset = counter * g.address_scale;
        const std::uint8_t ch = plane_byte(0, offset), attr = plane_byte(1, offset);
        const unsigned map = (attr & 0x08) ? map_a : map_b;
        std::uint8_t glyph = plane_byte(2, font_base(map) + ch * 32u + scan_line);
        unsigned fg = attr & 0x0F, bg = attr >> 4;
        if (blink_enabled) {
            bg &= 7;
            if ((attr & 0x80) && !blink_phase_on_) glyph = 0;
        }
        if (cursor_line && (counter & 0xFFFF) == cursor_at) glyph = 0xFF;
        const std::uint32_t fg_xrgb = attribute_xrgb_[fg], bg_xrgb = attribute_xrgb_[bg];
        for (unsigned bit = 0; bit < 8; ++bit) *out++ = (glyph & (0x80 >> bit)) ? fg_xrgb : bg_xrgb;
        if (g.cell_width == 9) {
            // The 9th dot repeats the 8th for the line-drawing characters C0h-DFh when enabled.
            const bool ninth = line_graphics && ch >= 0xC0 && ch <= 0xDF && (glyph & 1);
            *out++ = ninth ? fg_xrgb : bg_xrgb;
        }
    }
}

void Vga::render_planar_line(const Geometry& g, std::uint32_t y, std::uint32_t* out) const {
    const std::uint32_t base = (g.start + y * g.pitch) * g.address_scale;
    for (std::uint32_t x = 0; x < g.width; x += 8) {
        const std::uint32_t offset = base + x / 8;
        std::uint8_t planes[4];
        for (unsigned p = 0; p < 4; ++p) planes[p] = plane_byte(p, offset);
        for (unsigned bit = 0; bit < 8 && x + bit < g.width; ++bit) {
            const unsigned shift = 7 - bit;
            const unsigned colour = ((planes[0] >> shift) & 1) | ((planes[1] >> shift) & 1) << 1 |
                                    ((planes[2] >> shift) & 1) << 2 | ((planes[3] >> shift) & 1) << 3;
            out[x + bit] = attribute_xrgb_[colour];
        }
    }
}

void Vga::render_256_line(const Geometry& g, std::uint32_t y, std::uint32_t* out) const {
    // Plane offset o of plane p is byte 4o + p: pixel x of a row is byte 4 * base + x.
    const std::uint32_t base = (g.start + y * g.pitch) * g.address_scale * 4;
    const std::uint8_t mask = state_.dac_pixel_mask;
    for (std::uint32_t x = 0; x < g.width; ++x) out[x] = dac_xrgb_[vram_.get()[(base + x) & kVgaMemoryMask] & mask];
}

void Vga::render_dispi_line(const Geometry& g, std::uint32_t y, std::uint32_t* out) const {
    const auto& r = state_.dispi;
    const std::uint32_t bytes_per_pixel = dispi_bytes_per_pixel();
    const std::uint64_t stride = std::uint64_t{r[kDispiVirtWidth]} * bytes_per_pixel;
    std::uint64_t at = (std::uint64_t{y} + r[kDispiYOffset]) * stride + std::uint64_t{r[kDispiXOffset]} * bytes_per_pixel;
    const std::uint8_t* v = vram_.get();
    const std::uint8_t mask = state_.dac_pixel_mask;
    for (std::uint32_t x = 0; x < g.width; ++x, at += bytes_per_pixel) {
        if (at + bytes_per_pixel > vram_bytes_) {
            out[x] = 0;
            continue;
        }
        const std::uint8_t* p = v + at;
        switch (r[kDispiBpp]) {
        case 8: out[x] = dac_xrgb_[p[0] & mask]; break;
        case 15: {
            const unsigned w = p[0] | p[1] << 8, r5 = (w >> 10) & 31, g5 = (w >> 5) & 31, b5 = w & 31;
            out[x] = xrgb(r5 << 3 | r5 >> 2, g5 << 3 | g5 >> 2, b5 << 3 | b5 >> 2);
            break;
        }
        case 16: {
            const unsigned w = p[0] | p[1] << 8, r5 = (w >> 11) & 31, g6 = (w >> 5) & 63, b5 = w & 31;
            out[x] = xrgb(r5 << 3 | r5 >> 2, g6 << 2 | g6 >> 4, b5 << 3 | b5 >> 2);
            break;
        }
        default: out[x] = xrgb(p[2], p[1], p[0]); break;  // 24 and 32: B, G, R[, unused]
        }
    }
}

const DisplayFrame& Vga::refresh() {
    const Geometry g = geometry();
    build_palettes();
    const std::uint64_t frame = frame_count();
    // The cursor blinks every 16 frames (8 on, 8 off), blinking characters every 32.
    cursor_phase_on_ = (frame / 8) % 2 == 0;
    blink_phase_on_ = (frame / 16) % 2 == 0;
    const std::uint32_t width = g.width, height = g.height;
    const bool resized = display_frame_.pixels == nullptr || display_frame_.width != width || display_frame_.height != height;
    if (resized) frame_.assign(std::size_t{width} * height, 0);
    line_.assign(width, 0);
    std::uint32_t min_x = width, max_x = 0, min_y = height, max_y = 0;
    for (std::uint32_t y = 0; y < height; ++y) {
        switch (g.picture) {
        case Picture::Text: render_text_line(g, y, line_.data()); break;
        case Picture::Planar16: render_planar_line(g, y, line_.data()); break;
        case Picture::Packed256: render_256_line(g, y, line_.data()); break;
        case Picture::Dispi: render_dispi_line(g, y, line_.data()); break;
        case Picture::Blank: break;
        }
        std::uint32_t* row = frame_.data() + std::size_t{y} * width;
        std::uint32_t first = 0;
        while (first < width && row[first] == line_[first]) ++first;
        if (first == width) continue;
        std::uint32_t last = width - 1;
        while (row[last] == line_[last]) --last;
        std::copy(line_.begin() + first, line_.begin() + last + 1, row + first);
        min_x = std::min(min_x, first);
        max_x = std::max(max_x, last);
        min_y = std::min(min_y, y);
        max_y = y;
    }
    DisplayFrame& f = display_frame_;
    f.width = width;
    f.height = height;
    f.stride = width;
    f.pixels = frame_.data();
    if (resized)
        f.dirty = DirtyRect{0, 0, width, height};
    else if (min_y < height)
        f.dirty = DirtyRect{min_x, min_y, max_x - min_x + 1, max_y - min_y + 1};
    else
        f.dirty = DirtyRect{};
    f.text = TextModeInfo{};
    if (g.picture == Picture::Text && g.pitch != 0) {
        const auto& c = state_.crtc;
        TextModeInfo& t = f.text;
        t.active = true;
        t.cell_width = g.cell_width;
        t.cell_height = g.cell_height;
        t.columns = g.width / g.cell_width;
        t.rows = g.height / g.cell_height;
        const std::uint32_t cursor_at = std::uint32_t{c[0x0E]} << 8 | c[0x0F];
        if (cursor_at >= g.start) {
            t.cursor_row = (cursor_at - g.start) / g.pitch;
            t.cursor_column = (cursor_at - g.start) % g.pitch;
        }
        t.cursor_enabled = (c[0x0A] & 0x20) == 0 && (c[0x0A] & 0x1F) <= (c[0x0B] & 0x1F) && cursor_at >= g.start &&
                           t.cursor_row < t.rows && t.cursor_column < t.columns;
    }
    return f;
}

std::vector<TextCell> Vga::text_cells() const {
    const Geometry g = geometry();
    std::vector<TextCell> cells;
    if (g.picture != Picture::Text && !(g.picture == Picture::Blank && (state_.attribute[0x10] & 1) == 0 && !dispi_enabled()))
        return cells;
    const std::uint32_t columns = g.width / g.cell_width, rows = g.cell_height ? g.height / g.cell_height : 0;
    cells.reserve(std::size_t{columns} * rows);
    for (std::uint32_t row = 0; row < rows; ++row) {
        for (std::uint32_t col = 0; col < columns; ++col) {
            const std::uint32_t offset = (g.start + row * g.pitch + col) * g.address_scale;
            cells.push_back(TextCell{plane_byte(0, offset), plane_byte(1, offset)});
        }
    }
    return cells;
}

}  // namespace x86emu
