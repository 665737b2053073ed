// x86emu conformance — parsing one SingleStepTests *.json.gz file into TestCase values.
// Accepts both the published 8086 schema (test_hash, test_num) and the documented 80286 schema
// (hash, idx, exception); the parts the harness uses are otherwise the same.
#pragma once
#include <filesystem>
#include <vector>

#include "test_case.hpp"

namespace conformance {

// Throws InputError naming the file (and the test index) on corrupt gzip, bad JSON or a
// schema the harness does not understand.
std::vector<TestCase> load_test_file(const std::filesystem::path& path);

}  // namespace conformance
