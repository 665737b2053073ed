// x86emu-sdl-pane-tests — doctest unit tests of the serial pane's parts (no display needed):
// the terminal model (terminal.hpp: controls, the ECMA-48/VT100 sequences, wrap, scroll
// regions, scrollback, UTF-8, malformed input and random bytes), its drawing with the VGA font
// (serial_pane.hpp), the keys' bytes (serial_keys.hpp), the vc console's queue both ways and
// the option's parsing (frontends/common).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <random>
#include <string>

#include <x86emu/text_font.hpp>

#include "options.hpp"
#include "serial_console.hpp"
#include "serial_keys.hpp"
#include "serial_pane.hpp"
#include "terminal.hpp"

using namespace x86emu::sdl;
using x86emu::frontend::SerialConsole;
using x86emu::frontend::SerialSpec;

namespace {

// The screen's rows, each trimmed, for compact checks.
std::string row(const Terminal& t, unsigned r) { return t.row_text(r); }

void check_invariants(const Terminal& t) {
    REQUIRE(t.cursor_column() < t.columns());
    REQUIRE(t.cursor_row() < t.rows());
    REQUIRE(t.view_offset() <= t.scrollback_size());
}

}  // namespace

TEST_CASE("text, CR, LF, BS, TAB and BEL") {
    Terminal t(20, 5);
    t.write("ab\r\ncd");
    CHECK(row(t, 0) == "ab");
    CHECK(row(t, 1) == "cd");
    CHECK(t.cursor_column() == 2);
    t.write("\bX");  // BS moves left without erasing; X overwrites d
    CHECK(row(t, 1) == "cX");
    t.write("\r\tT");
    CHECK(row(t, 1) == "cX      T");
    CHECK(t.cursor_column() == 9);
    t.write("\t\t\t");  // past the last stop: the last column
    CHECK(t.cursor_column() == 19);
    t.write("\a\a");
    CHECK(t.bells() == 2);
    t.write("\n");  // LF alone keeps the column (the guest's tty adds the CR)
    CHECK(t.cursor_row() == 2);
    CHECK(t.cursor_column() == 19);
}

TEST_CASE("autowrap: a character in the last column leaves the cursor there until the next") {
    Terminal t(10, 3);
    t.write("0123456789");
    CHECK(t.cursor_row() == 0);
    CHECK(t.cursor_column() == 9);
    t.write("A");
    CHECK(row(t, 0) == "0123456789");
    CHECK(row(t, 1) == "A");
    // busybox's line editor: a space wraps, BS returns to the new line's start
    Terminal u(10, 3);
    u.write("0123456789 \b");
    CHECK(u.cursor_row() == 1);
    CHECK(u.cursor_column() == 0);
    // without autowrap the last column is overwritten
    Terminal v(10, 3);
    v.write("\x1b[?7l0123456789AB");
    CHECK(row(v, 0) == "012345678B");
    CHECK(v.cursor_row() == 0);
}

TEST_CASE("scrolling at the bottom keeps lines in the scrollback; the view goes back into it") {
    Terminal t(10, 4, 3);
    for (int i = 0; i < 8; ++i) t.write("line" + std::to_string(i) + "\r\n");
    // 8 lines and an empty one: line4..line7 and the cursor's row; line0 fell out of the 3 kept
    CHECK(row(t, 0) == "line5");
    CHECK(row(t, 2) == "line7");
    CHECK(row(t, 3) == "");
    CHECK(t.scrollback_size() == 3);
    t.scroll_view(2);
    CHECK(t.view_offset() == 2);
    CHECK(t.view_cell(0, 0).code_point == U'l');
    CHECK(t.view_cell(4, 0).code_point == U'3');  // line3, two back from line5
    CHECK(t.view_cell(4, 2).code_point == U'5');
    t.scroll_view(100);  // clamped to the scrollback
    CHECK(t.view_offset() == 3);
    CHECK(t.view_cell(4, 0).code_point == U'2');
    t.scroll_view(-100);
    CHECK(t.view_offset() == 0);
    t.write("\x1b[3J");  // ED 3 clears the scrollback
    CHECK(t.scrollback_size() == 0);
}

TEST_CASE("cursor movement: CUP, CUU/CUD/CUF/CUB clamped, CHA, VPA, CNL, CPL") {
    Terminal t(80, 25);
    t.write("\x1b[5;10H");
    CHECK(t.cursor_row() == 4);
    CHECK(t.cursor_column() == 9);
    t.write("\x1b[2A\x1b[3C");
    CHECK(t.cursor_row() == 2);
    CHECK(t.cursor_column() == 12);
    t.write("\x1b[99A\x1b[999D");
    CHECK(t.cursor_row() == 0);
    CHECK(t.cursor_column() == 0);
    t.write("\x1b[999B\x1b[999C");
    CHECK(t.cursor_row() == 24);
    CHECK(t.cursor_column() == 79);
    t.write("\x1b[H");
    CHECK(t.cursor_row() == 0);
    CHECK(t.cursor_column() == 0);
    t.write("\x1b[;7f");  // an empty parameter is the default, 1
    CHECK(t.cursor_row() == 0);
    CHECK(t.cursor_column() == 6);
    t.write("\x1b[20G\x1b[8d");
    CHECK(t.cursor_column() == 19);
    CHECK(t.cursor_row() == 7);
    t.write("\x1b[2E");
    CHECK(t.cursor_row() == 9);
    CHECK(t.cursor_column() == 0);
    t.write("\x1b[5`\x1b[F");
    CHECK(t.cursor_row() == 8);
    CHECK(t.cursor_column() == 0);
}

TEST_CASE("erase in line and display, insert and delete characters and lines") {
    Terminal t(10, 4);
    t.write("abcdefghij\r\nklmnopqrst\r\nuvwxyz\r\n0123");
    t.write("\x1b[1;4H\x1b[K");
    CHECK(row(t, 0) == "abc");
    t.write("\x1b[2;4H\x1b[1K");
    CHECK(row(t, 1) == "    opqrst");
    t.write("\x1b[2K");
    CHECK(row(t, 1) == "");
    t.write("\x1b[3;2H\x1b[2@");
    CHECK(row(t, 2) == "u  vwxyz");
    t.write("\x1b[3P");
    CHECK(row(t, 2) == "uwxyz");
    t.write("\x1b[2X");
    CHECK(row(t, 2) == "u  yz");
    t.write("\x1b[1;1H\x1b[L");  // insert a line at the top: the rest moves down, the last goes
    CHECK(row(t, 0) == "");
    CHECK(row(t, 1) == "abc");
    CHECK(row(t, 3) == "u  yz");
    t.write("\x1b[2M");  // delete two lines at the top
    CHECK(row(t, 0) == "");
    CHECK(row(t, 1) == "u  yz");
    CHECK(row(t, 2) == "");
    CHECK(t.scrollback_size() == 0);  // deleted lines are gone, not history
    t.write("\x1b[2;3H\x1b[J");
    CHECK(row(t, 1) == "u");
    t.write("zz\x1b[1J");
    CHECK(row(t, 1) == "");
    t.write("\x1b[1;1Hq\x1b[2J");
    CHECK(t.screen_text() == "\n\n\n\n");
}

TEST_CASE("a scroll region: LF at its bottom, RI at its top, SU, SD, origin mode") {
    Terminal t(10, 6);
    for (int i = 0; i < 6; ++i) t.write(std::string(i ? "\r\n" : "") + "r" + std::to_string(i));
    t.write("\x1b[2;4r");  // rows 2-4 (1-based); the cursor goes home
    CHECK(t.cursor_row() == 0);
    t.write("\x1b[4;1H\nX");
    CHECK(row(t, 0) == "r0");
    CHECK(row(t, 1) == "r2");
    CHECK(row(t, 2) == "r3");
    CHECK(row(t, 3) == "X");
    CHECK(row(t, 4) == "r4");
    CHECK(t.scrollback_size() == 0);  // a region below the top line keeps no history
    t.write("\x1b[2;1H\x1bM");        // reverse index at the region's top
    CHECK(row(t, 1) == "");
    CHECK(row(t, 2) == "r2");
    CHECK(row(t, 3) == "r3");
    CHECK(row(t, 5) == "r5");
    t.write("\x1b[S");
    CHECK(row(t, 1) == "r2");
    t.write("\x1b[2T");
    CHECK(row(t, 1) == "");
    CHECK(row(t, 3) == "r2");
    t.write("\x1b[?6h");  // origin mode: CUP is relative to the region and stays inside it
    CHECK(t.cursor_row() == 1);
    t.write("\x1b[9;1H");
    CHECK(t.cursor_row() == 3);
    t.write("\x1b[6n");
    CHECK(t.take_replies() == "\x1b[3;1R");
    t.write("\x1b[?6l\x1b[r\x1b[6;1H\n");  // the whole screen again: LF at the bottom scrolls it
    CHECK(row(t, 0) == "");
    CHECK(t.scrollback_size() == 1);
    t.write("\x1b[3;2r");  // top not above bottom: ignored
    t.write("\x1b[6;1H\n");
    CHECK(t.scrollback_size() == 2);
}

TEST_CASE("SGR: colours, bold, underline, reverse, 256 colours, reset") {
    Terminal t(20, 2);
    t.write("\x1b[1;31;44mA\x1b[0mB\x1b[7;32mC\x1b[27;4;93;101mD\x1b[mE\x1b[38;5;196;48;5;21mF\x1b[38;2;0;255;0mG");
    const TerminalCell& a = t.cell(0, 0);
    CHECK(a.bold);
    CHECK(a.foreground == 1);
    CHECK(a.background == 4);
    CHECK(cell_colours(a).foreground == 9);  // bold brightens
    CHECK(t.cell(1, 0) == TerminalCell{U'B'});
    const TerminalCell& c = t.cell(2, 0);
    CHECK(c.reverse);
    CHECK(cell_colours(c).foreground == 0);
    CHECK(cell_colours(c).background == 2);
    const TerminalCell& d = t.cell(3, 0);
    CHECK(!d.reverse);
    CHECK(d.underline);
    CHECK(d.foreground == 11);
    CHECK(d.background == 9);
    CHECK(t.cell(4, 0) == TerminalCell{U'E'});
    CHECK(t.cell(5, 0).foreground == 1);   // 196 = FF0000: nearest AA0000 (FF5555 is further)
    CHECK(t.cell(5, 0).background == 4);   // 21 = 0000FF: nearest 0000AA
    CHECK(t.cell(6, 0).foreground == 2);   // RGB 00FF00: nearest 00AA00
    CHECK(t.cell(6, 0).background == 4);
    // erasing fills with the current background
    t.write("\x1b[0;42m\x1b[2K");
    CHECK(t.cell(0, 0).background == 2);
    CHECK(t.cell(0, 0).code_point == U' ');
}

TEST_CASE("save and restore the cursor: ESC 7/8 with the attributes, CSI s/u") {
    Terminal t(20, 5);
    t.write("\x1b[3;4H\x1b[1;35m\x1b" "7\x1b[H\x1b[0mx\x1b" "8y");
    CHECK(t.cell(3, 2).code_point == U'y');
    CHECK(t.cell(3, 2).bold);
    CHECK(t.cell(3, 2).foreground == 5);
    CHECK(!t.cell(0, 0).bold);
    t.write("\x1b[2;2H\x1b[s\x1b[5;9H\x1b[u");
    CHECK(t.cursor_row() == 1);
    CHECK(t.cursor_column() == 1);
}

TEST_CASE("replies: DSR 5 and 6, DA; modes: cursor visibility, the alternate screen") {
    Terminal t(20, 5);
    t.write("\x1b[5n\x1b[2;7H\x1b[6n\x1b[c\x1b[>c");
    CHECK(t.take_replies() == "\x1b[0n\x1b[2;7R\x1b[?6c");
    CHECK(t.take_replies().empty());
    t.write("\x1b[?25l");
    CHECK(!t.cursor_visible());
    t.write("\x1b[?25h");
    CHECK(t.cursor_visible());
    t.write("\x1b[Hmain\x1b[?1049h");
    CHECK(row(t, 0) == "");
    t.write("\x1b[Halt");
    CHECK(row(t, 0) == "alt");
    t.write("\x1b[?1049l");
    CHECK(row(t, 0) == "main");
    CHECK(t.cursor_column() == 4);
}

TEST_CASE("UTF-8 and the DEC line-drawing set") {
    Terminal t(20, 3);
    t.write("\xc3\xa9\xe2\x94\x80\xf0\x9f\x98\x80");  // é, ─, an emoji
    CHECK(t.cell(0, 0).code_point == 0xE9);
    CHECK(t.cell(1, 0).code_point == 0x2500);
    CHECK(t.cell(2, 0).code_point == 0x1F600);
    CHECK(row(t, 0) == "\xc3\xa9\xe2\x94\x80\xf0\x9f\x98\x80");
    t.write("\r\n\xc3(\x80\xc0\xaf\xed\xa0\x80\xff");  // truncated, stray, overlong, surrogate, never used
    CHECK(t.cell(0, 1).code_point == 0xFFFD);
    CHECK(t.cell(1, 1).code_point == U'(');
    CHECK(t.cell(2, 1).code_point == 0xFFFD);
    CHECK(t.cell(3, 1).code_point == 0xFFFD);  // C0 is never a lead byte
    CHECK(t.cell(4, 1).code_point == 0xFFFD);
    CHECK(t.cell(5, 1).code_point == 0xFFFD);  // ED A0 80 decodes to a surrogate
    CHECK(t.cell(6, 1).code_point == 0xFFFD);
    t.write("\r\n\x1b(0lqk\x1b(Bq");
    CHECK(t.cell(0, 2).code_point == 0x250C);
    CHECK(t.cell(1, 2).code_point == 0x2500);
    CHECK(t.cell(2, 2).code_point == 0x2510);
    CHECK(t.cell(3, 2).code_point == U'q');
}

TEST_CASE("malformed and unknown sequences are dropped whole") {
    Terminal t(30, 3);
    t.write("a\x1b[1;2;3;4;5;6;7;8;9;10;11;12;13;14;15;16;17Hb");  // 17 parameters
    CHECK(row(t, 0) == "ab");
    t.write("\x1b[99999Hc");     // a parameter past 9999
    t.write("\x1b[38:5:1md");    // a colon sub-parameter
    t.write("\x1b[1$$He");       // two intermediates
    t.write("\x1b[1?Hf");        // a private marker after a parameter
    t.write("\x1b[5\x18g");      // CAN abandons the sequence; g is text
    t.write("\x1b[5\x1a" "h");   // so does SUB
    t.write("\x1b]0;a title\ai");           // OSC ended by BEL
    t.write("\x1b]2;t\x1b\\j");             // OSC ended by ST
    t.write("\x1bP1$r stuff\x1b\\k");       // DCS
    t.write("\x1b[12;5~l\x1b[?1000hm\x1b#8n\x1b(Xo\x1b[5\xe9p");  // unknown finals; a byte >= 80h in a CSI
    CHECK(row(t, 0) == "abcdefghijklmnop");
    CHECK(t.cell(2, 0).foreground == 7);
    CHECK(t.cursor_row() == 0);
    t.write("\x1b[1;2\r");  // a control inside a sequence is executed; the sequence goes on
    CHECK(t.cursor_column() == 0);
    t.write("Hq");          // ... and ends as CUP 1;2
    CHECK(t.cell(1, 0).code_point == U'q');
}

TEST_CASE("random bytes never break the terminal") {
    std::mt19937 random(12345);
    for (int round = 0; round < 40; ++round) {
        Terminal t(1 + round % 90, 1 + round % 30, round % 3 == 0 ? 0 : 50);
        std::string bytes;
        // Half the rounds bias towards the bytes sequences are made of, so that deep states are reached.
        static const char kSequenceBytes[] = "\x1b[;?0123456789HJKLMPSTXrmhlnsu@\r\n\b\t78DEMc(]\a\x18";
        for (int i = 0; i < 20000; ++i) {
            const unsigned r = random();
            bytes += (round % 2) ? kSequenceBytes[r % (sizeof kSequenceBytes - 1)] : static_cast<char>(r & 0xFF);
            if (i % 997 == 0) {
                t.write(bytes);
                bytes.clear();
                check_invariants(t);
                t.scroll_view(static_cast<int>(r % 7) - 3);
                check_invariants(t);
                std::vector<std::uint32_t> pixels;
                render_terminal(t, true, pixels);
                REQUIRE(pixels.size() == std::size_t{t.columns()} * 8 * t.rows() * 16);
            }
        }
        t.write(bytes);
        check_invariants(t);
        CHECK(t.screen_text().size() >= t.rows());
        (void)t.take_replies();
        // Whatever came before, a reset and plain text work.
        t.write("\x18\x1b" "c" "ok");
        CHECK(row(t, 0).rfind("ok", 0) == 0);
    }
}

TEST_CASE("drawing: glyphs of the VGA font in the cell's colours, underline and cursor") {
    Terminal t(4, 2);
    t.write("\x1b[1;33;44mA\x1b[0;4m\xc3\xa9\x1b[0m?\xe2\x98\x83");  // A, é underlined, ?, a snowman CP437 lacks
    std::vector<std::uint32_t> pixels;
    render_terminal(t, false, pixels);
    const auto& font = x86emu::vga_font_8x16();
    const auto& palette = terminal_palette();
    const unsigned width = 4 * 8;
    auto check_cell = [&](unsigned column, unsigned row, std::uint8_t character, std::uint32_t fg, std::uint32_t bg,
                          bool underline, bool cursor) {
        for (unsigned y = 0; y < 16; ++y)
            for (unsigned x = 0; x < 8; ++x) {
                const bool lit = (font[character * 16 + y] & (0x80 >> x)) || (underline && y == 15) || (cursor && y >= 14);
                REQUIRE(pixels[(row * 16 + y) * width + column * 8 + x] == (lit ? fg : bg));
            }
    };
    check_cell(0, 0, 'A', palette[11], palette[4], false, false);
    CHECK(cp437_for(0xE9) == 0x82);
    check_cell(1, 0, 0x82, palette[7], palette[0], true, false);
    check_cell(2, 0, '?', palette[7], palette[0], false, false);
    check_cell(3, 0, '?', palette[7], palette[0], false, false);
    render_terminal(t, true, pixels);  // the cursor waits in the last column of row 0 (wrap pending)
    check_cell(3, 0, '?', palette[7], palette[0], false, true);
    t.write("\x1b[2;2H");
    render_terminal(t, true, pixels);
    check_cell(1, 1, ' ', palette[7], palette[0], false, true);
}

TEST_CASE("keys: the bytes a VT100-style terminal sends") {
    CHECK(pane_key_action(SDLK_RETURN, 0, 25).bytes == "\r");
    CHECK(pane_key_action(SDLK_KP_ENTER, 0, 25).bytes == "\r");
    CHECK(pane_key_action(SDLK_BACKSPACE, 0, 25).bytes == "\x7f");
    CHECK(pane_key_action(SDLK_BACKSPACE, KMOD_LCTRL, 25).bytes == "\b");
    CHECK(pane_key_action(SDLK_UP, 0, 25).bytes == "\x1b[A");
    CHECK(pane_key_action(SDLK_LEFT, 0, 25).bytes == "\x1b[D");
    CHECK(pane_key_action(SDLK_HOME, 0, 25).bytes == "\x1b[H");
    CHECK(pane_key_action(SDLK_END, 0, 25).bytes == "\x1b[F");
    CHECK(pane_key_action(SDLK_DELETE, 0, 25).bytes == "\x1b[3~");
    CHECK(pane_key_action(SDLK_F1, 0, 25).bytes == "\x1bOP");
    CHECK(pane_key_action(SDLK_F12, 0, 25).bytes == "\x1b[24~");
    CHECK(pane_key_action(SDLK_TAB, KMOD_RSHIFT, 25).bytes == "\x1b[Z");
    CHECK(pane_key_action(SDLK_c, KMOD_LCTRL, 25).bytes == "\x03");
    CHECK(pane_key_action(SDLK_z, KMOD_RCTRL, 25).bytes == "\x1a");
    CHECK(pane_key_action(SDLK_SPACE, KMOD_LCTRL, 25).bytes == std::string(1, '\0'));
    CHECK(pane_key_action(SDLK_LEFTBRACKET, KMOD_LCTRL, 25).bytes == "\x1b");
    CHECK(pane_key_action(SDLK_c, 0, 25).bytes.empty());        // text input types it
    CHECK(pane_key_action(SDLK_LSHIFT, 0, 25).bytes.empty());
    const PaneKeyAction back = pane_key_action(SDLK_PAGEUP, KMOD_LSHIFT, 25);
    CHECK(back.bytes.empty());
    CHECK(back.scroll_view == 12);
    CHECK(pane_key_action(SDLK_PAGEDOWN, KMOD_LSHIFT, 25).scroll_view == -12);
    CHECK(pane_key_action(SDLK_PAGEUP, 0, 25).bytes == "\x1b[5~");
}

TEST_CASE("a vc console: the UART's bytes reach the pane, typed bytes and replies the UART") {
    SerialConsole console(SerialSpec{SerialSpec::Kind::Pane, {}});
    std::function<void(std::uint8_t)> uart_output;
    std::string received;
    console.connect({[&](std::function<void(std::uint8_t)> output) { uart_output = std::move(output); },
                     [&](std::span<const std::uint8_t> bytes) { received.append(bytes.begin(), bytes.end()); }});
    REQUIRE(uart_output);
    x86emu::frontend::SerialConsoles consoles;
    ConsoleSwitch panes(consoles);
    CHECK(!panes.any_pane());
    CHECK(panes.title().empty());
    SerialPane pane(console, "COM1");
    for (char c : std::string("~ # \x1b[6n")) uart_output(static_cast<std::uint8_t>(c));
    CHECK(pane.text().empty() == false);
    CHECK(pane.text().rfind("\n", 0) == 0);  // nothing moved in before update()
    pane.update();
    CHECK(pane.text().rfind("~ #\n", 0) == 0);
    CHECK(received == "\x1b[1;5R");  // the cursor report went back to the guest
    pane.type("ls\r");
    CHECK(received == "\x1b[1;5Rls\r");
    CHECK(console.bytes_out() == 8);
    // The queue keeps the newest bytes when nobody drains it.
    for (std::size_t i = 0; i < SerialConsole::kPaneQueueLimit + 10; ++i) uart_output('x');
    CHECK(console.pane_bytes_dropped() == SerialConsole::kPaneQueueLimit / 2);
    CHECK(console.finish());
}

TEST_CASE("the console switch: panes for the vc ports, Ctrl+Alt+1/2/3 in the title") {
    x86emu::frontend::SerialConsoles consoles;
    consoles[1] = std::make_unique<SerialConsole>(SerialSpec{SerialSpec::Kind::Pane, {}});
    ConsoleSwitch panes(consoles);
    CHECK(panes.any_pane());
    CHECK(panes.pane(1) == nullptr);
    REQUIRE(panes.pane(2) != nullptr);
    CHECK(panes.pane(2)->name() == "COM2");
    CHECK(panes.shown_or_first_pane() == panes.pane(2));
    CHECK(panes.title() == "console VGA (Ctrl+Alt+3 COM2)");
    CHECK(!panes.select(1));  // COM1 is not a pane
    CHECK(panes.shown() == ConsoleSwitch::kVga);
    CHECK(panes.select(2));
    CHECK(panes.shown_pane() == panes.pane(2));
    CHECK(panes.title() == "console COM2 (Ctrl+Alt+1 VGA)");
}

TEST_CASE("--serial vc is a window's: refused where no pane is drawn") {
    CHECK(x86emu::frontend::parse_serial_spec("vc", "--serial", true).kind == SerialSpec::Kind::Pane);
    CHECK_THROWS_AS(x86emu::frontend::parse_serial_spec("vc", "--serial", false), x86emu::frontend::UsageError);
}
