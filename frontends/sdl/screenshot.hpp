// x86emu-sdl — a display frame (x86emu/display.hpp, XRGB pixels) written as an 8-bit RGB PNG
// through Debian's libpng (the PNG specification's encoder is libpng's, not ours).
#pragma once
#include <cstdint>
#include <string>

namespace x86emu::sdl {

// std::runtime_error naming the file if it cannot be written.
void write_png(const std::string& path, const std::uint32_t* pixels, std::uint32_t width, std::uint32_t height,
               std::uint32_t stride);

}  // namespace x86emu::sdl
