// x86emu conformance — reading a whole .gz (or plain) file into memory with zlib.
#pragma once
#include <cstddef>
#include <filesystem>
#include <string>

namespace conformance {

// The most a test file may decompress to by default: 64 MiB, 16 times the largest file of the
// SingleStepTests samples (8086/AD.json.gz, 3.9 MB). The whole file is held in memory and parsed
// into a JSON tree several times its size, so a gzip bomb (2.7 MB unpacking to 600 MB took
// 1.7 GB) must be stopped while it is being decompressed. x86emu-conformance --max-file-mib
// raises it (full upstream suites with 10 000 tests per file are far larger than the samples).
inline constexpr std::size_t kDefaultMaxDecompressedBytes = std::size_t{64} << 20;

// The decompressed contents; throws InputError naming the file on any I/O or gzip error, or
// as soon as more than `max_bytes` have come out.
std::string read_gzip_file(const std::filesystem::path& path,
                           std::size_t max_bytes = kDefaultMaxDecompressedBytes);

}  // namespace conformance
