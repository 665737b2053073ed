// x86emu-sdl — SDL scancodes (USB HID usage positions) to PS/2 scan code set 2 make sequences, as
// the IBM PS/2 Hardware Interface Technical Reference's keyboard tables give set 2 for the
// 101/102-key layout: one byte, or E0 and a byte for the extended keys. Pause and Print Screen
// have their own multi-byte sequences (Machine::HostKeyEvent::Key).
#pragma once
#include <SDL.h>

#include <optional>

#include <x86emu/machine.hpp>

namespace x86emu::sdl {

// The key event for `scancode` pressed (down) or released; nullopt for keys a PS/2 keyboard has not.
std::optional<Machine::HostKeyEvent> key_event_for(SDL_Scancode scancode, bool down);

}  // namespace x86emu::sdl
