// x86emu — what a frontend sees of a machine's display: a frame of 32-bit XRGB pixels (0x00RRGGBB,
// the byte order SDL_PIXELFORMAT_XRGB8888 / RGB888 expects on a little-endian host), the
// rectangle that changed since the last refresh, and for text modes the character grid, the
// cursor and (for tests and screen scrapers) the characters and attributes themselves.
//
// The pixels are the guest's logical resolution (mode 13h: 320x200, mode 03h with 9-dot
// characters: 720x400, a DISPI mode: its XRES x YRES); scaling to the window and aspect
// correction are the frontend's. A Machine hands out its display as Machine::display() (see the
// platform's documentation); the VGA (libx86emu/src/devices/vga.hpp) implements Display.
//
// Threads: not thread-safe. Call refresh() from the thread that runs the CPU, between runs (a
// frontend thread copies the frame out while the machine is paused, or the emulation thread
// refreshes and hands the frame over).
#pragma once
#include <cstdint>
#include <vector>

namespace x86emu {

// In pixels; empty (width or height 0) when nothing changed.
struct DirtyRect {
    std::uint32_t x = 0, y = 0, width = 0, height = 0;
    bool empty() const { return width == 0 || height == 0; }
    friend bool operator==(const DirtyRect&, const DirtyRect&) = default;
};

struct TextModeInfo {
    bool active = false;  // the display is in an alphanumeric mode
    std::uint32_t columns = 0, rows = 0;
    std::uint32_t cell_width = 0, cell_height = 0;  // pixels per character box
    bool cursor_enabled = false;                    // not disabled by CRTC 0Ah bit 5 and on screen
    std::uint32_t cursor_column = 0, cursor_row = 0;
    friend bool operator==(const TextModeInfo&, const TextModeInfo&) = default;
};

struct DisplayFrame {
    std::uint32_t width = 0, height = 0;
    std::uint32_t stride = 0;  // pixels from one row's start to the next's
    const std::uint32_t* pixels = nullptr;  // width x height, valid until the next refresh()
    DirtyRect dirty;           // what differs from the frame the previous refresh() returned
    TextModeInfo text;
};

struct TextCell {
    std::uint8_t character = 0;  // code page 437
    std::uint8_t attribute = 0;  // bits 3:0 foreground, 6:4 background, 7 blink or bright background
    friend bool operator==(const TextCell&, const TextCell&) = default;
};

class Display {
public:
    virtual ~Display() = default;
    // Draws the screen as the guest's registers and video memory describe it now (blinking at
    // the machine's emulated time) and returns it. A change of resolution marks the whole frame
    // dirty.
    virtual const DisplayFrame& refresh() = 0;
    // In a text mode: the characters on screen, row by row (columns x rows cells); empty in a
    // graphics mode.
    virtual std::vector<TextCell> text_cells() const = 0;
};

}  // namespace x86emu
