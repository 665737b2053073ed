// x86emu-sdl — keys to serial-line bytes for the serial pane (serial_keys.hpp).
#include "serial_keys.hpp"

namespace x86emu::sdl {

PaneKeyAction pane_key_action(SDL_Keycode key, std::uint16_t modifiers, unsigned rows) {
    const bool ctrl = modifiers & KMOD_CTRL, shift = modifiers & KMOD_SHIFT;
    const int half_screen = static_cast<int>(rows / 2);
    switch (key) {
    case SDLK_RETURN: case SDLK_KP_ENTER: return {"\r"};
    case SDLK_BACKSPACE: return {ctrl ? "\b" : "\x7f"};
    case SDLK_TAB: return {shift ? "\x1b[Z" : "\t"};
    case SDLK_ESCAPE: return {"\x1b"};
    case SDLK_UP: return {"\x1b[A"};
    case SDLK_DOWN: return {"\x1b[B"};
    case SDLK_RIGHT: return {"\x1b[C"};
    case SDLK_LEFT: return {"\x1b[D"};
    case SDLK_HOME: return {"\x1b[H"};
    case SDLK_END: return {"\x1b[F"};
    case SDLK_INSERT: return {"\x1b[2~"};
    case SDLK_DELETE: return {"\x1b[3~"};
    case SDLK_PAGEUP: return shift ? PaneKeyAction{"", half_screen} : PaneKeyAction{"\x1b[5~"};
    case SDLK_PAGEDOWN: return shift ? PaneKeyAction{"", -half_screen} : PaneKeyAction{"\x1b[6~"};
    case SDLK_F1: return {"\x1bOP"};
    case SDLK_F2: return {"\x1bOQ"};
    case SDLK_F3: return {"\x1bOR"};
    case SDLK_F4: return {"\x1bOS"};
    case SDLK_F5: return {"\x1b[15~"};
    case SDLK_F6: return {"\x1b[17~"};
    case SDLK_F7: return {"\x1b[18~"};
    case SDLK_F8: return {"\x1b[19~"};
    case SDLK_F9: return {"\x1b[20~"};
    case SDLK_F10: return {"\x1b[21~"};
    case SDLK_F11: return {"\x1b[23~"};
    case SDLK_F12: return {"\x1b[24~"};
    default: break;
    }
    if (!ctrl) return {};
    if (key >= SDLK_a && key <= SDLK_z) return {std::string(1, static_cast<char>(key - SDLK_a + 1))};
    switch (key) {
    case SDLK_SPACE: case SDLK_2: case SDLK_AT: return {std::string(1, '\0')};
    case SDLK_LEFTBRACKET: case SDLK_3: return {"\x1b"};
    case SDLK_BACKSLASH: case SDLK_4: return {"\x1c"};
    case SDLK_RIGHTBRACKET: case SDLK_5: return {"\x1d"};
    case SDLK_6: case SDLK_CARET: return {"\x1e"};
    case SDLK_MINUS: case SDLK_7: case SDLK_SLASH: return {"\x1f"};
    case SDLK_8: return {"\x7f"};
    default: return {};
    }
}

}  // namespace x86emu::sdl
