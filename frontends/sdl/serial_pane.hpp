// x86emu-sdl — a serial-console pane (docs/SDL.md, "Serial panes"): a `--serial vc` port's
// SerialConsole (frontends/common/serial_console.hpp) seen through a Terminal (terminal.hpp)
// and drawn with the VGA's 8x16 font (x86emu/text_font.hpp) into an XRGB frame of its own.
//
// Threads: the UART's bytes reach the console's queue on the machine thread during a slice;
// update() (the machine thread, after each slice) moves them into the terminal. render(),
// text(), type() and scroll_view() may be called from any thread: one mutex guards the terminal.
// No SDL in here.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "machine_setup.hpp"
#include "serial_console.hpp"
#include "terminal.hpp"

namespace x86emu::sdl {

// The terminal's view as XRGB pixels (columns x 8 by rows x 16): each cell's glyph in its
// colours (cell_colours), the underline attribute on the glyph's last row, and, if `cursor_on`
// and the view is the live screen with the cursor visible, the cursor as the cell's last two
// rows in its foreground colour. A code point CP437 lacks is drawn as '?'.
void render_terminal(const Terminal& terminal, bool cursor_on, std::vector<std::uint32_t>& pixels);

// The CP437 character that draws a code point ('?' for one CP437 lacks).
std::uint8_t cp437_for(char32_t code_point);

class SerialPane {
public:
    static constexpr unsigned kColumns = 80, kRows = 25, kCellWidth = 8, kCellHeight = 16;
    static constexpr unsigned kWidth = kColumns * kCellWidth, kHeight = kRows * kCellHeight;

    SerialPane(frontend::SerialConsole& console, std::string name) : console_(console), name_(std::move(name)) {}

    const std::string& name() const { return name_; }
    // Feeds the terminal what the UART sent, and sends the terminal's answers (DSR, DA) back.
    void update();
    // Sends what a key typed in the pane to the guest, and returns the view to the live screen.
    void type(std::string_view bytes);
    void scroll_view(int lines_back);
    void render(std::vector<std::uint32_t>& pixels, bool cursor_on) const;
    std::string text() const;              // the screen, one line per row (Terminal::screen_text)
    std::uint64_t changes() const;

private:
    frontend::SerialConsole& console_;
    std::string name_;
    mutable std::mutex mutex_;
    Terminal terminal_{kColumns, kRows};
    std::vector<std::uint8_t> incoming_;
};

// The consoles the window can show: 0 the VGA display, 1 COM1's pane, 2 COM2's pane (for the
// ports connected with --serial vc / --serial2 vc). Ctrl+Alt+1/2/3 select them (docs/SDL.md).
// select() and shown() are for any thread (the UI thread selects, script steps read).
class ConsoleSwitch {
public:
    static constexpr unsigned kVga = 0;
    // A pane for each console of Kind::Pane.
    explicit ConsoleSwitch(frontend::SerialConsoles& consoles);

    bool any_pane() const { return panes_[0] || panes_[1]; }
    // Shows `console` if it exists (the VGA always does); false, and no change, if not.
    bool select(unsigned console);
    unsigned shown() const { return shown_.load(); }
    SerialPane* shown_pane() { return pane(shown()); }
    SerialPane* pane(unsigned console) { return console >= 1 && console <= 2 ? panes_[console - 1].get() : nullptr; }
    // The pane on screen, else COM1's, else COM2's (nullptr without any).
    SerialPane* shown_or_first_pane();
    // Feeds every pane what its UART sent (the machine thread, after each slice).
    void update_all();
    // For the window title: "console VGA (Ctrl+Alt+2 COM1)"; empty without panes.
    std::string title() const;

private:
    std::unique_ptr<SerialPane> panes_[2];
    std::atomic<unsigned> shown_{kVga};
};

}  // namespace x86emu::sdl
