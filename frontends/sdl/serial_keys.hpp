// x86emu-sdl — what a key pressed in a serial pane sends down the serial line: the bytes a
// VT100/xterm-style terminal sends (DEC's VT100 User Guide, chapter 3, "Cursor key codes" and
// "Control codes"; the editing and function keys as xterm numbers them). Printable characters
// are not here: they come from SDL's text input, in the host's keyboard layout.
#pragma once
#include <SDL.h>

#include <cstdint>
#include <string>

namespace x86emu::sdl {

struct PaneKeyAction {
    std::string bytes;    // for the guest; empty: nothing to send
    int scroll_view = 0;  // Shift+PageUp/PageDown: lines to move the view back (+) or forward (-)
};

// Return and keypad Enter: CR; Backspace: DEL (Ctrl+Backspace: BS); Tab: HT (Shift+Tab: CSI Z);
// Escape: ESC; the arrows: CSI A/B/C/D; Home and End: CSI H and CSI F; Insert, Delete, PageUp,
// PageDown: CSI 2~, 3~, 5~, 6~; F1-F4: SS3 P-S; F5-F12: CSI 15~ .. 24~; Ctrl+letter: 01h-1Ah,
// Ctrl+Space or Ctrl+2: NUL, Ctrl+[ \ ] (or 3 4 5): 1Bh-1Dh, Ctrl+6: 1Eh, Ctrl+- or Ctrl+7: 1Fh,
// Ctrl+8: DEL. `rows` is the pane's height: Shift+PageUp/PageDown scroll half of it.
PaneKeyAction pane_key_action(SDL_Keycode key, std::uint16_t modifiers, unsigned rows);

}  // namespace x86emu::sdl
