// x86emu conformance — GzipReader and read_gzip_file: decompression through zlib's gz*
// interface, which also passes plain (uncompressed) files through unchanged, up to a size limit.
#include "gzip_file.hpp"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <string>
#include <utility>

#include "test_case.hpp"

namespace conformance {
namespace {

// gzerror() prefixes its message with the file name, which the caller already prints.
std::string gzip_error_text(gzFile_s* file, const std::filesystem::path& path) {
    int code = 0;
    const char* message = gzerror(file, &code);
    std::string text = message ? message : "unknown zlib error";
    const std::string prefix = path.string() + ": ";
    if (text.starts_with(prefix)) text.erase(0, prefix.size());
    return path.string() + ": corrupt gzip data (" + text + ")";
}

}  // namespace

GzipReader::GzipReader(const std::filesystem::path& path, std::size_t max_bytes, std::string limit_name)
    : path_(path), max_bytes_(max_bytes), limit_name_(std::move(limit_name)) {
    std::error_code status_error;
    if (!std::filesystem::is_regular_file(path, status_error)) {
        throw InputError(path.string() + ": not a readable file");
    }
    file_ = gzopen(path.c_str(), "rb");
    if (!file_) throw InputError(path.string() + ": cannot open");
    gzbuffer(file_, 1 << 17);
}

GzipReader::~GzipReader() { gzclose(file_); }

std::size_t GzipReader::read(char* buffer, std::size_t size) {
    if (over_limit_) throw_over_limit();
    // One byte beyond the limit is asked for so that a file of exactly max_bytes is accepted and
    // one byte more is not; gzread's count is an int.
    const std::size_t room = max_bytes_ - bytes_read_;
    const auto wanted = static_cast<unsigned>(std::min({size, room + 1, std::size_t{INT_MAX}}));
    const int got = gzread(file_, buffer, wanted);
    if (got < 0) throw InputError(gzip_error_text(file_, path_));
    if (got == 0) {
        // gzread reports a truncated stream as a clean end of file; gzerror still knows.
        int code = Z_OK;
        gzerror(file_, &code);
        if (code != Z_OK && code != Z_STREAM_END) throw InputError(gzip_error_text(file_, path_));
        return 0;
    }
    if (static_cast<std::size_t>(got) > room) {
        // The bytes up to the limit are still handed out, and the error comes with the next
        // read: a streaming reader then meets it exactly where byte max_bytes + 1 would be, so
        // it can say which test that byte is in.
        over_limit_ = true;
        if (room == 0) throw_over_limit();
        bytes_read_ += room;
        return room;
    }
    bytes_read_ += static_cast<std::size_t>(got);
    return static_cast<std::size_t>(got);
}

void GzipReader::throw_over_limit() const {
    throw InputError(path_.string() + ": decompresses to more than " + std::to_string(max_bytes_) +
                     " bytes, " + limit_name_);
}

std::string read_gzip_file(const std::filesystem::path& path, std::size_t max_bytes) {
    GzipReader reader(path, max_bytes, "the limit for a file read whole");
    std::string contents;
    char chunk[1 << 16];
    while (const std::size_t got = reader.read(chunk, sizeof chunk)) contents.append(chunk, got);
    return contents;
}

}  // namespace conformance
