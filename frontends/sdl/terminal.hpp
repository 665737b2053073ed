// x86emu-sdl — the terminal behind a serial-console pane (docs/SDL.md, "Serial panes"): a grid of
// character cells with scrollback that a byte stream from the guest draws on, as a VT100-style
// terminal would. No SDL and no emulator in here: bytes in, cells, cursor and replies out.
//
// What it understands (ECMA-48, 5th edition, and DEC's VT100 User Guide, chapter 3): UTF-8 text
// (a malformed sequence shows U+FFFD); the C0 controls BEL (counted), BS, HT (tab stops every 8
// columns, HTS/TBC), LF, VT, FF (a line feed: the guest's tty adds the CR), CR, CAN and SUB
// (abandon a sequence), ESC; ESC 7/8 (save/restore cursor), ESC D/E/M (IND, NEL, RI), ESC H
// (HTS), ESC c (RIS), ESC ( 0 / ESC ( B (DEC line drawing or ASCII in G0); CSI sequences CUU,
// CUD, CUF, CUB, CNL, CPL, CHA, HPA, VPA, CUP/HVP, CBT, ED (0-3), EL, ICH, DCH, ECH, IL, DL, SU,
// SD, DECSTBM (scroll region), SGR (bold, underline, reverse, the 8 and 16 colours, 38/48 with 5
// or 2 reduced to the nearest of the 16), SCOSC/SCORC (CSI s/u), DSR 5 and 6 and DA (answered
// through take_replies()), TBC, DEC private modes 6 (origin), 7 (autowrap), 25 (cursor) and
// 47/1047/1049 (the alternate screen). OSC, DCS, SOS, PM and APC strings are read and dropped.
// Everything else, and any sequence with too many parameters or intermediates, a parameter
// over 9999, a colon sub-parameter or a byte not allowed where it stands, is dropped whole;
// no input can make it fail. Autowrap is VT100's: a character in the last column leaves the
// cursor there and the next one wraps.
#pragma once
#include <array>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace x86emu::sdl {

struct TerminalCell {
    char32_t code_point = U' ';
    std::uint8_t foreground = 7, background = 0;  // colour numbers 0-15 (0 black .. 7 white, 8-15 bright)
    bool bold = false, underline = false, reverse = false;
    friend bool operator==(const TerminalCell&, const TerminalCell&) = default;
};

// The 16 colours as 0x00RRGGBB: 0-7 black, red, green, yellow (brown), blue, magenta, cyan,
// white in the VGA's default text palette (yellow is its brown, AA5500h), 8-15 their bright forms.
const std::array<std::uint32_t, 16>& terminal_palette();

// The colours a cell is drawn in: bold brightens colours 0-7, reverse swaps the two.
struct CellColours {
    std::uint8_t foreground, background;
};
CellColours cell_colours(const TerminalCell& cell);

class Terminal {
public:
    // columns and rows at least 2 (smaller sizes are raised to 2); scrollback_lines 0 keeps none.
    explicit Terminal(unsigned columns = 80, unsigned rows = 25, std::size_t scrollback_lines = 1000);

    void write(std::span<const std::uint8_t> bytes);
    void write(std::string_view text);

    unsigned columns() const { return columns_; }
    unsigned rows() const { return rows_; }
    // The screen (the alternate screen while it is active).
    const TerminalCell& cell(unsigned column, unsigned row) const { return screen_[row * columns_ + column]; }
    unsigned cursor_column() const { return cursor_.column; }
    unsigned cursor_row() const { return cursor_.row; }
    bool cursor_visible() const { return cursor_visible_; }

    // The view a person looks at: the screen, or `view_offset()` lines further back into the
    // scrollback (0: the live screen). scroll_view clamps to what the scrollback holds.
    std::size_t scrollback_size() const { return scrollback_.size(); }
    void scroll_view(int lines_back);
    void reset_view() { scroll_view(-static_cast<int>(view_offset_)); }
    unsigned view_offset() const { return view_offset_; }
    const TerminalCell& view_cell(unsigned column, unsigned row) const;

    // A screen row's text as UTF-8, trailing blanks removed; screen_text(): all rows, each
    // ending in '\n'.
    std::string row_text(unsigned row) const;
    std::string screen_text() const;

    // Bytes the terminal answers with (DSR, DA), for the host to send back to the guest; cleared.
    std::string take_replies();
    std::uint64_t bells() const { return bells_; }
    // Counts every change of what view_cell shows or of the cursor; a drawer redraws when it moved.
    std::uint64_t changes() const { return changes_; }

private:
    enum class State { Ground, Escape, EscapeIntermediate, Csi, String, StringEscape };
    struct Cursor {
        unsigned column = 0, row = 0;
        TerminalCell pen;  // the attributes new characters get (code_point unused)
        bool origin_mode = false, dec_graphics = false;
    };

    void byte(std::uint8_t b);
    void control(std::uint8_t b);  // a C0 control in any state
    void escape_final(std::uint8_t b);
    void csi_final(std::uint8_t b);
    void select_graphic_rendition();
    void set_private_mode(unsigned mode, bool on);
    void print(char32_t code_point);
    void line_feed();
    void reverse_index();
    void scroll_up(unsigned top, unsigned bottom, unsigned lines);
    void scroll_down(unsigned top, unsigned bottom, unsigned lines);
    void erase(std::size_t from, std::size_t to);  // cells [from, to) of the screen, in the pen's background
    TerminalCell blank() const;
    void move_to(int column, int row);       // clamped; rows relative to the screen
    void move_to_origin_relative(int column, int row);
    void reset();
    unsigned param(std::size_t index, unsigned if_zero) const;

    unsigned columns_, rows_;
    std::size_t scrollback_limit_;
    std::vector<TerminalCell> screen_, saved_primary_;
    std::deque<std::vector<TerminalCell>> scrollback_;
    std::vector<bool> tab_stops_;
    Cursor cursor_, saved_cursor_, saved_primary_cursor_;
    bool wrap_pending_ = false, autowrap_ = true, cursor_visible_ = true, alternate_ = false;
    unsigned top_ = 0, bottom_ = 0;  // the scroll region, inclusive
    unsigned view_offset_ = 0;

    State state_ = State::Ground;
    std::vector<unsigned> params_;
    bool param_started_ = false, sequence_bad_ = false;
    char private_marker_ = 0, intermediate_ = 0;
    unsigned intermediates_ = 0;
    char32_t utf8_value_ = 0;
    unsigned utf8_pending_ = 0, utf8_length_ = 0;

    std::string replies_;
    std::uint64_t bells_ = 0, changes_ = 0;
};

}  // namespace x86emu::sdl
