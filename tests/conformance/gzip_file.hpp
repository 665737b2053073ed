// x86emu conformance — reading a whole .gz (or plain) file into memory with zlib.
#pragma once
#include <filesystem>
#include <string>

namespace conformance {

// The decompressed contents; throws InputError naming the file on any I/O or gzip error.
std::string read_gzip_file(const std::filesystem::path& path);

}  // namespace conformance
