// x86emu conformance — read_gzip_file: whole-file decompression through zlib's gz* interface,
// which also passes plain (uncompressed) files through unchanged, up to a size limit.
#include "gzip_file.hpp"

#include <zlib.h>

#include <memory>
#include <string>

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

std::string read_gzip_file(const std::filesystem::path& path, std::size_t max_bytes) {
    std::error_code status_error;
    if (!std::filesystem::is_regular_file(path, status_error)) {
        throw InputError(path.string() + ": not a readable file");
    }
    struct GzCloser {
        void operator()(gzFile_s* file) const { gzclose(file); }
    };
    std::unique_ptr<gzFile_s, GzCloser> file(gzopen(path.c_str(), "rb"));
    if (!file) throw InputError(path.string() + ": cannot open");
    gzbuffer(file.get(), 1 << 17);

    std::string contents;
    char chunk[1 << 16];
    for (;;) {
        const int got = gzread(file.get(), chunk, sizeof chunk);
        if (got < 0) throw InputError(gzip_error_text(file.get(), path));
        if (got == 0) break;
        if (static_cast<std::size_t>(got) > max_bytes - contents.size()) {
            throw InputError(path.string() + ": decompresses to more than " + std::to_string(max_bytes) +
                             " bytes, the limit for one test file (x86emu-conformance --max-file-mib)");
        }
        contents.append(chunk, static_cast<std::size_t>(got));
    }
    // gzread reports a truncated stream as a clean end of file; gzerror still knows.
    int code = Z_OK;
    gzerror(file.get(), &code);
    if (code != Z_OK && code != Z_STREAM_END) throw InputError(gzip_error_text(file.get(), path));
    return contents;
}

}  // namespace conformance
