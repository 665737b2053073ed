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

// The file is decompressed and parsed in one pass, chunk by chunk: memory is the TestCase
// vector plus one test's tree, whatever the size of the file, and an error is raised as soon as
// its first offending byte is read. Throws InputError naming the file (and the test's index and
// name, and the field) on corrupt or truncated gzip, a file decompressing to more than
// `max_bytes`, a test of more than `max_test_bytes` of text, bad JSON, a schema the harness does
// not understand, or a value that is not an integer in its field's range.
std::vector<TestCase> load_test_file(const std::filesystem::path& path,
                                     std::size_t max_bytes = kDefaultMaxDecompressedBytes,
                                     std::size_t max_test_bytes = kDefaultMaxTestBytes);

}  // namespace conformance
