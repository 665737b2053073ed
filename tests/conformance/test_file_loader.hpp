// x86emu conformance — parsing one SingleStepTests *.json.gz file into TestCase values.
// Accepts both the published 8086 schema (test_hash, test_num) and the documented 80286 schema
// (hash, idx, exception); the parts the harness uses are otherwise the same.
#pragma once
#include <cstddef>
#include <filesystem>
#include <vector>

#include "gzip_file.hpp"
#include "test_case.hpp"

namespace conformance {

// The most text one test may take by default: 16 MiB, about 70 times the largest test of the
// samples (233 KB, in 8086/A7.json.gz). The parser holds one test's JSON tree at a time, several
// times its text, so this bounds the loader's memory beyond the TestCase vector itself.
inline constexpr std::size_t kDefaultMaxTestBytes = std::size_t{16} << 20;

// The most memory the TestCase values loaded from one file may take by default: 128 MiB (their
// vector and what each holds: name, hash, bytes, RAM lists). 10 000 tests like those of the
// sample file that takes the most (8086/AD.json.gz, about 1.5 KB a test loaded) take 15 MB; a
// bomb of small valid tests (2.7 MB unpacking to 600 MB of one tiny test repeated) took 600 MB,
// since such a test is about as large loaded as its text.
inline constexpr std::size_t kDefaultMaxLoadedBytes = std::size_t{128} << 20;

struct LoadLimits {
    std::size_t file_bytes = kDefaultMaxDecompressedBytes;  // decompressed text of the file
    std::size_t test_bytes = kDefaultMaxTestBytes;          // text of one test
    std::size_t loaded_bytes = kDefaultMaxLoadedBytes;      // the loaded TestCase values
};

// The file is decompressed and parsed in one pass, chunk by chunk: memory is the TestCase
// vector plus one test's tree, whatever the size of the file, and an error is raised as soon as
// its first offending byte is read. Throws InputError naming the file (and the test's index and
// name, and the field) on corrupt or truncated gzip, bad JSON, a schema the harness does not
// understand, a value that is not an integer in its field's range, or going over one of the
// limits.
std::vector<TestCase> load_test_file(const std::filesystem::path& path, const LoadLimits& limits);
inline std::vector<TestCase> load_test_file(const std::filesystem::path& path,
                                            std::size_t max_bytes = kDefaultMaxDecompressedBytes) {
    return load_test_file(path, LoadLimits{.file_bytes = max_bytes});
}

// What `test` takes in memory: the object and the heap blocks it owns (strings beyond the
// small-string buffer counted by size, as the allocator rounds them only slightly).
std::size_t loaded_size(const TestCase& test);

}  // namespace conformance
