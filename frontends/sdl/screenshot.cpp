// x86emu-sdl — PNG screenshots through libpng (screenshot.hpp).
#include "screenshot.hpp"

#include <png.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <vector>

namespace x86emu::sdl {

void write_png(const std::string& path, const std::uint32_t* pixels, std::uint32_t width, std::uint32_t height,
               std::uint32_t stride) {
    if (width == 0 || height == 0) throw std::runtime_error("screenshot '" + path + "': the display has no picture");
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "wb"), std::fclose);
    if (!file) throw std::runtime_error("screenshot: cannot open '" + path + "' for writing");
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    if (!png) throw std::runtime_error("screenshot: libpng could not start");
    png_infop info = png_create_info_struct(png);
    // libpng reports errors by longjmp; nothing with a destructor lives between here and there
    // except `rows` and `row_pointers`, declared before the jump buffer is set.
    std::vector<png_byte> rows(static_cast<std::size_t>(width) * 3 * height);
    std::vector<png_bytep> row_pointers(height);
    if (!info || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        throw std::runtime_error("screenshot: writing '" + path + "' failed");
    }
    for (std::uint32_t y = 0; y < height; ++y) {
        png_byte* out = &rows[static_cast<std::size_t>(y) * width * 3];
        row_pointers[y] = out;
        for (std::uint32_t x = 0; x < width; ++x) {
            const std::uint32_t p = pixels[static_cast<std::size_t>(y) * stride + x];
            out[3 * x] = static_cast<png_byte>(p >> 16);
            out[3 * x + 1] = static_cast<png_byte>(p >> 8);
            out[3 * x + 2] = static_cast<png_byte>(p);
        }
    }
    png_init_io(png, file.get());
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_set_rows(png, info, row_pointers.data());
    png_write_png(png, info, PNG_TRANSFORM_IDENTITY, nullptr);
    png_destroy_write_struct(&png, &info);
    if (std::fflush(file.get()) != 0 || std::ferror(file.get()))
        throw std::runtime_error("screenshot: writing '" + path + "' failed");
}

}  // namespace x86emu::sdl
