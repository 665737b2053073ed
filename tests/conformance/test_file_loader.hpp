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

// Throws InputError naming the file (and the test's index and name, and the field) on corrupt
// gzip, a file decompressing to more than `max_bytes`, bad JSON, a schema the harness does not
// understand, or a value that is not an integer in its field's range.
std::vector<TestCase> load_test_file(const std::filesystem::path& path,
                                     std::size_t max_bytes = kDefaultMaxDecompressedBytes);

}  // namespace conformance
