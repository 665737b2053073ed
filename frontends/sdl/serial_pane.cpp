// x86emu-sdl — the serial pane: the console's queue into the terminal, and the terminal drawn
// with the VGA font (serial_pane.hpp).
#include "serial_pane.hpp"

#include <unordered_map>

#include <x86emu/text_font.hpp>

namespace x86emu::sdl {

std::uint8_t cp437_for(char32_t code_point) {
    static const std::unordered_map<char32_t, std::uint8_t> kCharacterOf = [] {
        std::unordered_map<char32_t, std::uint8_t> map;
        for (unsigned c = 1; c < 256; ++c) map.emplace(cp437_unicode()[c], static_cast<std::uint8_t>(c));
        return map;
    }();
    if (code_point >= 0x20 && code_point < 0x7F) return static_cast<std::uint8_t>(code_point);
    const auto it = kCharacterOf.find(code_point);
    return it == kCharacterOf.end() ? static_cast<std::uint8_t>('?') : it->second;
}

void render_terminal(const Terminal& terminal, bool cursor_on, std::vector<std::uint32_t>& pixels) {
    constexpr unsigned kCellWidth = SerialPane::kCellWidth, kCellHeight = SerialPane::kCellHeight;
    const unsigned width = terminal.columns() * kCellWidth;
    pixels.resize(std::size_t{width} * terminal.rows() * kCellHeight);
    const auto& font = vga_font_8x16();
    const auto& palette = terminal_palette();
    const bool show_cursor = cursor_on && terminal.cursor_visible() && terminal.view_offset() == 0;
    for (unsigned row = 0; row < terminal.rows(); ++row) {
        for (unsigned column = 0; column < terminal.columns(); ++column) {
            const TerminalCell& cell = terminal.view_cell(column, row);
            const CellColours colours = cell_colours(cell);
            const std::uint32_t foreground = palette[colours.foreground], background = palette[colours.background];
            const std::uint8_t* glyph = &font[std::size_t{cp437_for(cell.code_point)} * kCellHeight];
            const bool cursor_here = show_cursor && row == terminal.cursor_row() && column == terminal.cursor_column();
            for (unsigned y = 0; y < kCellHeight; ++y) {
                std::uint8_t bits = glyph[y];
                if ((cell.underline && y == kCellHeight - 1) || (cursor_here && y >= kCellHeight - 2)) bits = 0xFF;
                std::uint32_t* out = &pixels[(std::size_t{row} * kCellHeight + y) * width + std::size_t{column} * kCellWidth];
                for (unsigned x = 0; x < kCellWidth; ++x) out[x] = (bits & (0x80 >> x)) ? foreground : background;
            }
        }
    }
}

void SerialPane::update() {
    std::lock_guard lock(mutex_);
    console_.take_pane_output(incoming_);
    if (incoming_.empty()) return;
    terminal_.write(incoming_);
    incoming_.clear();
    const std::string replies = terminal_.take_replies();
    console_.send_input(std::span(reinterpret_cast<const std::uint8_t*>(replies.data()), replies.size()));
}

void SerialPane::type(std::string_view bytes) {
    {
        std::lock_guard lock(mutex_);
        terminal_.reset_view();
    }
    console_.send_input(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

void SerialPane::scroll_view(int lines_back) {
    std::lock_guard lock(mutex_);
    terminal_.scroll_view(lines_back);
}

void SerialPane::render(std::vector<std::uint32_t>& pixels, bool cursor_on) const {
    std::lock_guard lock(mutex_);
    render_terminal(terminal_, cursor_on, pixels);
}

std::string SerialPane::text() const {
    std::lock_guard lock(mutex_);
    return terminal_.screen_text();
}

std::uint64_t SerialPane::changes() const {
    std::lock_guard lock(mutex_);
    return terminal_.changes();
}

ConsoleSwitch::ConsoleSwitch(frontend::SerialConsoles& consoles) {
    for (unsigned com = 0; com < 2; ++com)
        if (consoles[com] && consoles[com]->kind() == frontend::SerialSpec::Kind::Pane)
            panes_[com] = std::make_unique<SerialPane>(*consoles[com], "COM" + std::to_string(com + 1));
}

bool ConsoleSwitch::select(unsigned console) {
    if (console != kVga && !pane(console)) return false;
    shown_.store(console);
    return true;
}

SerialPane* ConsoleSwitch::shown_or_first_pane() {
    if (SerialPane* shown = shown_pane()) return shown;
    return panes_[0] ? panes_[0].get() : panes_[1].get();
}

void ConsoleSwitch::update_all() {
    for (auto& pane : panes_)
        if (pane) pane->update();
}

std::string ConsoleSwitch::title() const {
    if (!any_pane()) return {};
    const unsigned shown = shown_.load();
    std::string text = std::string("console ") + (shown == kVga ? "VGA" : panes_[shown - 1]->name()) + " (";
    bool first = true;
    for (unsigned console = 0; console < 3; ++console) {
        if (console == shown || (console != kVga && !panes_[console - 1])) continue;
        text += std::string(first ? "" : ", ") + "Ctrl+Alt+" + std::to_string(console + 1) + " " +
                (console == kVga ? "VGA" : panes_[console - 1]->name());
        first = false;
    }
    return text + ")";
}

}  // namespace x86emu::sdl
