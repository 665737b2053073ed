// x86emu-sdl — the serial pane's terminal model (terminal.hpp): a parser in the states of an
// ECMA-48 control-sequence reader (ground, escape, control sequence, control string) over a
// UTF-8 decoder, and the grid operations the VT100 User Guide, chapter 3, describes.
#include "terminal.hpp"

#include <algorithm>
#include <cstdio>

namespace x86emu::sdl {

namespace {

constexpr std::size_t kMaxParameters = 16;
constexpr unsigned kMaxParameterValue = 9999;

// The VT100's special graphics set (ESC ( 0) for the G0 codes 5Fh-7Eh, as Unicode.
constexpr char32_t kDecGraphics[32] = {
    0x00A0, 0x25C6, 0x2592, 0x2409, 0x240C, 0x240D, 0x240A, 0x00B0, 0x00B1, 0x2424, 0x240B,
    0x2518, 0x2510, 0x250C, 0x2514, 0x253C, 0x23BA, 0x23BB, 0x2500, 0x23BC, 0x23BD, 0x251C,
    0x2524, 0x2534, 0x252C, 0x2502, 0x2264, 0x2265, 0x03C0, 0x2260, 0x00A3, 0x00B7};

void append_utf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

// The nearest of the 16 colours to an RGB value (squared distance).
std::uint8_t nearest_colour(unsigned r, unsigned g, unsigned b) {
    std::uint8_t best = 0;
    unsigned best_distance = ~0u;
    for (std::uint8_t i = 0; i < 16; ++i) {
        const std::uint32_t c = terminal_palette()[i];
        const int dr = static_cast<int>((c >> 16) & 255) - static_cast<int>(r);
        const int dg = static_cast<int>((c >> 8) & 255) - static_cast<int>(g);
        const int db = static_cast<int>(c & 255) - static_cast<int>(b);
        const unsigned distance = static_cast<unsigned>(dr * dr + dg * dg + db * db);
        if (distance < best_distance) best = i, best_distance = distance;
    }
    return best;
}

// xterm's 256-colour numbering: 0-15 the 16 colours, 16-231 a 6x6x6 cube, 232-255 greys.
std::uint8_t colour_of_256(unsigned n) {
    if (n < 16) return static_cast<std::uint8_t>(n);
    if (n < 232) {
        static constexpr unsigned kLevels[6] = {0, 95, 135, 175, 215, 255};
        n -= 16;
        return nearest_colour(kLevels[n / 36], kLevels[(n / 6) % 6], kLevels[n % 6]);
    }
    const unsigned grey = 8 + 10 * (n - 232);
    return nearest_colour(grey, grey, grey);
}

}  // namespace

const std::array<std::uint32_t, 16>& terminal_palette() {
    static constexpr std::array<std::uint32_t, 16> kPalette = {
        0x000000, 0xAA0000, 0x00AA00, 0xAA5500, 0x0000AA, 0xAA00AA, 0x00AAAA, 0xAAAAAA,
        0x555555, 0xFF5555, 0x55FF55, 0xFFFF55, 0x5555FF, 0xFF55FF, 0x55FFFF, 0xFFFFFF};
    return kPalette;
}

CellColours cell_colours(const TerminalCell& cell) {
    std::uint8_t foreground = cell.foreground & 15, background = cell.background & 15;
    if (cell.bold && foreground < 8) foreground += 8;
    if (cell.reverse) std::swap(foreground, background);
    return {foreground, background};
}

Terminal::Terminal(unsigned columns, unsigned rows, std::size_t scrollback_lines)
    : columns_(std::max(columns, 2u)), rows_(std::max(rows, 2u)), scrollback_limit_(scrollback_lines) {
    reset();
}

void Terminal::reset() {
    screen_.assign(std::size_t{columns_} * rows_, TerminalCell{});
    saved_primary_.clear();
    tab_stops_.assign(columns_, false);
    for (unsigned c = 8; c < columns_; c += 8) tab_stops_[c] = true;
    cursor_ = saved_cursor_ = saved_primary_cursor_ = Cursor{};
    wrap_pending_ = false;
    autowrap_ = cursor_visible_ = true;
    alternate_ = false;
    top_ = 0;
    bottom_ = rows_ - 1;
    view_offset_ = 0;
}

void Terminal::write(std::string_view text) {
    write(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

void Terminal::write(std::span<const std::uint8_t> bytes) {
    if (bytes.empty()) return;
    for (const std::uint8_t b : bytes) byte(b);
    ++changes_;
}

std::string Terminal::take_replies() {
    std::string out;
    out.swap(replies_);
    return out;
}

// ---- the parser ---------------------------------------------------------------------------------

void Terminal::byte(std::uint8_t b) {
    // A byte that is not a UTF-8 continuation ends an incomplete character, which shows as U+FFFD.
    if (utf8_pending_ && (b & 0xC0) != 0x80) {
        utf8_pending_ = 0;
        print(0xFFFD);
    }
    if (b == 0x18 || b == 0x1A) {  // CAN, SUB: the sequence in progress is abandoned
        state_ = State::Ground;
        return;
    }
    if (b == 0x1B) {
        if (state_ == State::String) {
            state_ = State::StringEscape;  // perhaps ST (ESC \)
        } else {
            state_ = State::Escape;
            intermediate_ = 0;
        }
        return;
    }
    switch (state_) {
    case State::Ground:
        if (b < 0x20) return control(b);
        if (b == 0x7F) return;  // DEL is no character
        if (b < 0x80) return print(b);
        if (utf8_pending_) {  // a continuation byte
            utf8_value_ = (utf8_value_ << 6) | (b & 0x3F);
            if (--utf8_pending_) return;
            const char32_t c = utf8_value_;
            // Overlong forms, surrogates and values past U+10FFFF are not characters.
            static constexpr char32_t kSmallest[5] = {0, 0, 0x80, 0x800, 0x10000};
            const bool valid = c >= kSmallest[utf8_length_] && c <= 0x10FFFF && (c < 0xD800 || c > 0xDFFF);
            return print(valid ? c : 0xFFFD);
        }
        if (b >= 0xC2 && b <= 0xDF) utf8_length_ = 2, utf8_value_ = b & 0x1F;
        else if (b >= 0xE0 && b <= 0xEF) utf8_length_ = 3, utf8_value_ = b & 0x0F;
        else if (b >= 0xF0 && b <= 0xF4) utf8_length_ = 4, utf8_value_ = b & 0x07;
        else return print(0xFFFD);  // a stray continuation or a byte UTF-8 never uses
        utf8_pending_ = utf8_length_ - 1;
        return;
    case State::Escape:
        if (b < 0x20) return control(b);
        if (b >= 0x80) { state_ = State::Ground; return; }
        if (b >= 0x20 && b <= 0x2F) {
            intermediate_ = static_cast<char>(b);
            state_ = State::EscapeIntermediate;
            return;
        }
        if (b == '[') {
            state_ = State::Csi;
            params_.clear();
            param_started_ = sequence_bad_ = false;
            private_marker_ = 0;
            intermediates_ = 0;
            return;
        }
        if (b == ']' || b == 'P' || b == 'X' || b == '^' || b == '_') {  // OSC, DCS, SOS, PM, APC
            state_ = State::String;
            return;
        }
        state_ = State::Ground;
        if (b != 0x7F) escape_final(b);
        return;
    case State::EscapeIntermediate:
        if (b < 0x20) return control(b);
        if (b >= 0x20 && b <= 0x2F) { intermediate_ = 0x7F; return; }  // more than one: nothing we know
        if (b == 0x7F) return;
        state_ = State::Ground;
        if (intermediate_ == '(' && b == '0') cursor_.dec_graphics = true;
        else if (intermediate_ == '(' && b == 'B') cursor_.dec_graphics = false;
        return;
    case State::Csi:
        if (b < 0x20) return control(b);
        if (b >= 0x80) { state_ = State::Ground; return; }  // not part of a control sequence: dropped
        if (b >= '0' && b <= '9') {
            if (intermediates_) { sequence_bad_ = true; return; }
            if (!param_started_) {
                if (params_.size() == kMaxParameters) { sequence_bad_ = true; return; }
                params_.push_back(0);
                param_started_ = true;
            }
            unsigned& value = params_.back();
            value = value * 10 + (b - '0');
            if (value > kMaxParameterValue) { value = kMaxParameterValue; sequence_bad_ = true; }
            return;
        }
        if (b == ';') {
            if (intermediates_) { sequence_bad_ = true; return; }
            if (!param_started_) {
                if (params_.size() == kMaxParameters) { sequence_bad_ = true; return; }
                params_.push_back(0);  // an empty parameter is the default
            }
            param_started_ = false;
            return;
        }
        if (b == ':') { sequence_bad_ = true; return; }  // sub-parameters: not understood
        if (b >= 0x3C && b <= 0x3F) {
            if (params_.empty() && !param_started_ && !private_marker_ && !intermediates_) private_marker_ = static_cast<char>(b);
            else sequence_bad_ = true;
            return;
        }
        if (b >= 0x20 && b <= 0x2F) {
            if (++intermediates_ > 1) sequence_bad_ = true;
            intermediate_ = static_cast<char>(b);
            return;
        }
        if (b == 0x7F) return;
        state_ = State::Ground;
        if (!sequence_bad_) csi_final(b);
        return;
    case State::String:
        if (b == 0x07) state_ = State::Ground;  // BEL ends an OSC, as xterm accepts
        return;
    case State::StringEscape:
        if (b == '\\') { state_ = State::Ground; return; }  // ST
        state_ = State::Escape;                              // a new escape sequence instead
        intermediate_ = 0;
        return byte(b);
    }
}

void Terminal::control(std::uint8_t b) {
    switch (b) {
    case 0x07: ++bells_; break;
    case 0x08:
        if (cursor_.column > 0) --cursor_.column;
        wrap_pending_ = false;
        break;
    case 0x09: {
        unsigned column = cursor_.column + 1;
        while (column < columns_ && !tab_stops_[column]) ++column;
        cursor_.column = std::min(column, columns_ - 1);
        wrap_pending_ = false;
        break;
    }
    case 0x0A: case 0x0B: case 0x0C: line_feed(); break;
    case 0x0D:
        cursor_.column = 0;
        wrap_pending_ = false;
        break;
    default: break;  // NUL, SO, SI and the rest: no effect
    }
}

void Terminal::escape_final(std::uint8_t b) {
    switch (b) {
    case '7': saved_cursor_ = cursor_; break;
    case '8':
        cursor_ = saved_cursor_;
        move_to(static_cast<int>(cursor_.column), static_cast<int>(cursor_.row));
        break;
    case 'D': line_feed(); break;
    case 'E':
        cursor_.column = 0;
        line_feed();
        break;
    case 'M': reverse_index(); break;
    case 'H': tab_stops_[cursor_.column] = true; break;
    case 'c': reset(); break;
    default: break;  // ESC = / ESC > (keypad modes) and the rest: no effect on the screen
    }
}

unsigned Terminal::param(std::size_t index, unsigned if_zero) const {
    return index < params_.size() && params_[index] != 0 ? params_[index] : if_zero;
}

void Terminal::csi_final(std::uint8_t b) {
    if (private_marker_ == '?') {
        if (intermediates_ == 0 && (b == 'h' || b == 'l'))
            for (const unsigned mode : params_) set_private_mode(mode, b == 'h');
        return;
    }
    if (private_marker_ || intermediates_) return;  // CSI > c, CSI SP q, ...: nothing to draw
    const int column = static_cast<int>(cursor_.column), row = static_cast<int>(cursor_.row);
    const int n = static_cast<int>(param(0, 1));
    const std::size_t here = std::size_t{cursor_.row} * columns_ + cursor_.column;
    const std::size_t line_start = std::size_t{cursor_.row} * columns_;
    switch (b) {
    case 'A': move_to(column, std::max(row - n, cursor_.row >= top_ ? static_cast<int>(top_) : 0)); break;
    case 'B': move_to(column, std::min(row + n, static_cast<int>(cursor_.row <= bottom_ ? bottom_ : rows_ - 1))); break;
    case 'C': move_to(column + n, row); break;
    case 'D': move_to(column - n, row); break;
    case 'E': move_to(0, std::min(row + n, static_cast<int>(cursor_.row <= bottom_ ? bottom_ : rows_ - 1))); break;
    case 'F': move_to(0, std::max(row - n, cursor_.row >= top_ ? static_cast<int>(top_) : 0)); break;
    case 'G': case '`': move_to(n - 1, row); break;
    case 'd': move_to_origin_relative(column, n - 1); break;
    case 'H': case 'f':
        move_to_origin_relative(static_cast<int>(param(1, 1)) - 1, static_cast<int>(param(0, 1)) - 1);
        break;
    case 'I':
    case 'Z':
        for (int i = 0; i < n; ++i) {
            if (b == 'I') {
                control(0x09);
            } else {
                unsigned c = cursor_.column;
                while (c > 0 && !tab_stops_[--c]) {}
                cursor_.column = c;
            }
        }
        wrap_pending_ = false;
        break;
    case 'J':
        switch (param(0, 0)) {
        case 0: erase(here, screen_.size()); break;
        case 1: erase(0, here + 1); break;
        case 2: erase(0, screen_.size()); break;
        case 3:
            scrollback_.clear();
            view_offset_ = 0;
            break;
        default: break;
        }
        break;
    case 'K':
        switch (param(0, 0)) {
        case 0: erase(here, line_start + columns_); break;
        case 1: erase(line_start, here + 1); break;
        case 2: erase(line_start, line_start + columns_); break;
        default: break;
        }
        break;
    case '@': case 'P': {
        const unsigned count = std::min<unsigned>(static_cast<unsigned>(n), columns_ - cursor_.column);
        const auto first = screen_.begin() + static_cast<std::ptrdiff_t>(here);
        const auto end = screen_.begin() + static_cast<std::ptrdiff_t>(line_start + columns_);
        if (b == '@') {
            std::move_backward(first, end - count, end);
            erase(here, here + count);
        } else {
            std::move(first + count, end, first);
            erase(line_start + columns_ - count, line_start + columns_);
        }
        wrap_pending_ = false;
        break;
    }
    case 'X': erase(here, std::min(here + static_cast<unsigned>(n), line_start + columns_)); break;
    case 'L': case 'M':
        if (cursor_.row < top_ || cursor_.row > bottom_) break;
        if (b == 'L') scroll_down(cursor_.row, bottom_, static_cast<unsigned>(n));
        else scroll_up(cursor_.row, bottom_, static_cast<unsigned>(n));
        move_to(0, row);
        break;
    case 'S': scroll_up(top_, bottom_, static_cast<unsigned>(n)); break;
    case 'T':
        if (params_.size() <= 1) scroll_down(top_, bottom_, static_cast<unsigned>(n));  // 5 parameters: mouse tracking
        break;
    case 'r': {
        const unsigned top = param(0, 1) - 1, bottom = std::min(param(1, rows_), rows_) - 1;
        if (top >= bottom) break;
        top_ = top;
        bottom_ = bottom;
        move_to_origin_relative(0, 0);
        break;
    }
    case 'm': select_graphic_rendition(); break;
    case 's':
        if (params_.empty()) saved_cursor_ = cursor_;
        break;
    case 'u':
        cursor_ = saved_cursor_;
        move_to(static_cast<int>(cursor_.column), static_cast<int>(cursor_.row));
        break;
    case 'n':
        if (param(0, 0) == 5) {
            replies_ += "\x1b[0n";  // "ready, no malfunction"
        } else if (param(0, 0) == 6) {
            char report[32];
            const unsigned origin = cursor_.origin_mode ? top_ : 0;
            const unsigned row_reported = cursor_.row >= origin ? cursor_.row - origin + 1 : 1;
            std::snprintf(report, sizeof report, "\x1b[%u;%uR", row_reported, cursor_.column + 1);
            replies_ += report;
        }
        break;
    case 'c':
        if (param(0, 0) == 0) replies_ += "\x1b[?6c";  // a VT102
        break;
    case 'g':
        if (param(0, 0) == 0) tab_stops_[cursor_.column] = false;
        else if (param(0, 0) == 3) std::fill(tab_stops_.begin(), tab_stops_.end(), false);
        break;
    default: break;
    }
}

void Terminal::select_graphic_rendition() {
    TerminalCell& pen = cursor_.pen;
    if (params_.empty()) params_.push_back(0);
    for (std::size_t i = 0; i < params_.size(); ++i) {
        const unsigned p = params_[i];
        if (p == 0) {
            const TerminalCell plain;
            pen.foreground = plain.foreground;
            pen.background = plain.background;
            pen.bold = pen.underline = pen.reverse = false;
        } else if (p == 1) pen.bold = true;
        else if (p == 4) pen.underline = true;
        else if (p == 7) pen.reverse = true;
        else if (p == 22) pen.bold = false;
        else if (p == 24) pen.underline = false;
        else if (p == 27) pen.reverse = false;
        else if (p >= 30 && p <= 37) pen.foreground = static_cast<std::uint8_t>(p - 30);
        else if (p == 39) pen.foreground = TerminalCell{}.foreground;
        else if (p >= 40 && p <= 47) pen.background = static_cast<std::uint8_t>(p - 40);
        else if (p == 49) pen.background = TerminalCell{}.background;
        else if (p >= 90 && p <= 97) pen.foreground = static_cast<std::uint8_t>(p - 90 + 8);
        else if (p >= 100 && p <= 107) pen.background = static_cast<std::uint8_t>(p - 100 + 8);
        else if (p == 38 || p == 48) {
            std::uint8_t& target = p == 38 ? pen.foreground : pen.background;
            if (i + 2 < params_.size() && params_[i + 1] == 5) {
                if (params_[i + 2] < 256) target = colour_of_256(params_[i + 2]);
                i += 2;
            } else if (i + 4 < params_.size() && params_[i + 1] == 2) {
                if (params_[i + 2] < 256 && params_[i + 3] < 256 && params_[i + 4] < 256)
                    target = nearest_colour(params_[i + 2], params_[i + 3], params_[i + 4]);
                i += 4;
            } else {
                return;  // malformed: the rest cannot be told apart from its arguments
            }
        }
        // 2 (faint), 3 (italic), 5 (blink), 8 (hidden), ...: not drawn.
    }
}

void Terminal::set_private_mode(unsigned mode, bool on) {
    switch (mode) {
    case 6:
        cursor_.origin_mode = on;
        move_to_origin_relative(0, 0);
        break;
    case 7:
        autowrap_ = on;
        if (!on) wrap_pending_ = false;
        break;
    case 25: cursor_visible_ = on; break;
    case 47: case 1047: case 1049:
        if (on && !alternate_) {
            if (mode == 1049) saved_primary_cursor_ = cursor_;
            saved_primary_ = screen_;
            screen_.assign(screen_.size(), blank());
            alternate_ = true;
            view_offset_ = 0;
        } else if (!on && alternate_) {
            screen_ = saved_primary_;
            alternate_ = false;
            if (mode == 1049) {
                cursor_ = saved_primary_cursor_;
                move_to(static_cast<int>(cursor_.column), static_cast<int>(cursor_.row));
            }
        }
        break;
    default: break;
    }
}

// ---- the grid -----------------------------------------------------------------------------------

TerminalCell Terminal::blank() const {
    TerminalCell cell;
    cell.background = cursor_.pen.background;  // erasing fills with the current background
    return cell;
}

void Terminal::print(char32_t code_point) {
    if (cursor_.dec_graphics && code_point >= 0x5F && code_point <= 0x7E) code_point = kDecGraphics[code_point - 0x5F];
    if (wrap_pending_) {
        wrap_pending_ = false;
        cursor_.column = 0;
        line_feed();
    }
    TerminalCell cell = cursor_.pen;
    cell.code_point = code_point;
    screen_[std::size_t{cursor_.row} * columns_ + cursor_.column] = cell;
    if (cursor_.column + 1 < columns_) ++cursor_.column;
    else wrap_pending_ = autowrap_;
}

void Terminal::line_feed() {
    wrap_pending_ = false;
    if (cursor_.row == bottom_) {
        // Lines leave the top of the screen into the scrollback only from a region starting there.
        if (top_ == 0 && !alternate_ && scrollback_limit_ > 0) {
            scrollback_.emplace_back(screen_.begin(), screen_.begin() + columns_);
            if (scrollback_.size() > scrollback_limit_) scrollback_.pop_front();
            else if (view_offset_ > 0) ++view_offset_;  // a person reading history keeps their place
        }
        scroll_up(top_, bottom_, 1);
    } else if (cursor_.row + 1 < rows_) {
        ++cursor_.row;
    }
}

void Terminal::reverse_index() {
    wrap_pending_ = false;
    if (cursor_.row == top_) scroll_down(top_, bottom_, 1);
    else if (cursor_.row > 0) --cursor_.row;
}

void Terminal::scroll_up(unsigned top, unsigned bottom, unsigned lines) {
    lines = std::min(lines, bottom - top + 1);
    const auto row = [this](unsigned r) { return screen_.begin() + static_cast<std::ptrdiff_t>(std::size_t{r} * columns_); };
    std::move(row(top + lines), row(bottom + 1), row(top));
    erase(std::size_t{bottom + 1 - lines} * columns_, std::size_t{bottom + 1} * columns_);
}

void Terminal::scroll_down(unsigned top, unsigned bottom, unsigned lines) {
    lines = std::min(lines, bottom - top + 1);
    const auto row = [this](unsigned r) { return screen_.begin() + static_cast<std::ptrdiff_t>(std::size_t{r} * columns_); };
    std::move_backward(row(top), row(bottom + 1 - lines), row(bottom + 1));
    erase(std::size_t{top} * columns_, std::size_t{top + lines} * columns_);
}

void Terminal::erase(std::size_t from, std::size_t to) {
    to = std::min(to, screen_.size());
    if (from < to) std::fill(screen_.begin() + static_cast<std::ptrdiff_t>(from), screen_.begin() + static_cast<std::ptrdiff_t>(to), blank());
}

void Terminal::move_to(int column, int row) {
    cursor_.column = static_cast<unsigned>(std::clamp(column, 0, static_cast<int>(columns_) - 1));
    cursor_.row = static_cast<unsigned>(std::clamp(row, 0, static_cast<int>(rows_) - 1));
    wrap_pending_ = false;
}

void Terminal::move_to_origin_relative(int column, int row) {
    if (!cursor_.origin_mode) return move_to(column, row);
    move_to(column, std::clamp(row + static_cast<int>(top_), static_cast<int>(top_), static_cast<int>(bottom_)));
}

// ---- the view -----------------------------------------------------------------------------------

void Terminal::scroll_view(int lines_back) {
    const long limit = alternate_ ? 0 : static_cast<long>(scrollback_.size());
    const unsigned offset = static_cast<unsigned>(std::clamp(static_cast<long>(view_offset_) + lines_back, 0L, limit));
    if (offset != view_offset_) ++changes_;
    view_offset_ = offset;
}

const TerminalCell& Terminal::view_cell(unsigned column, unsigned row) const {
    const std::size_t line = scrollback_.size() + row - view_offset_;
    if (line < scrollback_.size()) return scrollback_[line][column];
    return screen_[(line - scrollback_.size()) * columns_ + column];
}

std::string Terminal::row_text(unsigned row) const {
    std::string text;
    std::size_t used = 0;
    for (unsigned column = 0; column < columns_; ++column) {
        append_utf8(text, cell(column, row).code_point);
        if (cell(column, row).code_point != U' ') used = text.size();
    }
    text.resize(used);
    return text;
}

std::string Terminal::screen_text() const {
    std::string text;
    for (unsigned row = 0; row < rows_; ++row) text += row_text(row) + '\n';
    return text;
}

}  // namespace x86emu::sdl
