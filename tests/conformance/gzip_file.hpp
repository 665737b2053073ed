// x86emu conformance — reading .gz (or plain) files with zlib: chunk by chunk (GzipReader, which
// the test file loader streams into the JSON parser) or whole (read_gzip_file, for small files
// such as metadata.json), each under a limit on the decompressed size.
#pragma once
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

struct gzFile_s;

namespace conformance {

// The most a test file may decompress to by default: 1 GiB. Test files are streamed into the
// parser (test_file_loader.cpp), so memory does not grow with this number; it only bounds the
// time a gzip bomb of valid JSON (e.g. a few MB unpacking to many small tests) can take. The
// full upstream 8086 suite holds 10 000 tests per file, an estimated 260 MB decompressed for the
// largest; the samples hold 150 (8086/AD.json.gz: 3.9 MB). x86emu-conformance --max-file-mib
// changes it.
inline constexpr std::size_t kDefaultMaxDecompressedBytes = std::size_t{1} << 30;

// read_gzip_file holds the whole text in memory, so its default stays small: 64 MiB, over a
// thousand times the suites' metadata.json (46 KB for the 80286).
inline constexpr std::size_t kDefaultMaxWholeFileBytes = std::size_t{64} << 20;

// The decompressed bytes of one file in chunks. Every error (I/O, corrupt or truncated gzip,
// more than `max_bytes` coming out) throws InputError naming the file, at the read that meets it.
class GzipReader {
public:
    // `limit_name` ends the limit's error message: what the limit is and how to change it.
    GzipReader(const std::filesystem::path& path, std::size_t max_bytes,
               std::string limit_name = "the limit for one test file (x86emu-conformance --max-file-mib)");
    ~GzipReader();
    GzipReader(const GzipReader&) = delete;
    GzipReader& operator=(const GzipReader&) = delete;

    // Up to `size` further bytes into `buffer`; 0 only at the (verified) end of the data.
    std::size_t read(char* buffer, std::size_t size);
    std::size_t bytes_read() const { return bytes_read_; }
    std::size_t max_bytes() const { return max_bytes_; }
    const std::filesystem::path& path() const { return path_; }

private:
    [[noreturn]] void throw_over_limit() const;

    std::filesystem::path path_;
    std::size_t max_bytes_;
    std::string limit_name_;
    std::size_t bytes_read_ = 0;
    bool over_limit_ = false;  // the next read throws: more than max_bytes_ came out
    gzFile_s* file_ = nullptr;
};

// The whole decompressed contents; the same errors as GzipReader.
std::string read_gzip_file(const std::filesystem::path& path,
                           std::size_t max_bytes = kDefaultMaxWholeFileBytes);

}  // namespace conformance
