// x86emu conformance — finding a suite's files and side files: the per-opcode *.json.gz test
// files, revocation_list.txt (withdrawn test hashes) and metadata.json (undefined-flag masks).
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "test_case.hpp"

namespace conformance {

struct TestFile {
    std::string opcode;  // the file stem, e.g. "80.1", "D0.6", "A6"
    std::filesystem::path path;
};

// The *.json.gz files of `directory` whose stem equals or starts with `opcode_filter` (case
// insensitive; empty selects all), sorted by stem. Throws InputError if the directory is missing.
std::vector<TestFile> find_test_files(const std::filesystem::path& directory,
                                      const std::string& opcode_filter);

// Hashes listed in directory/revocation_list.txt ('#' starts a comment); empty if there is none.
std::unordered_set<std::string> load_revocation_list(const std::filesystem::path& directory);

// Per-opcode masks of the flags whose value the suite documents as meaningful: a failure that
// disappears under the mask differs only in flags the CPU leaves undefined.
class FlagsMaskTable {
public:
    // Reads metadata.json (SingleStepTests 8086 layout: opcodes -> OP [-> reg -> N] ->
    // "flags-mask"). A missing file gives an empty table; a malformed one throws InputError.
    static FlagsMaskTable load(const std::filesystem::path& metadata_path);

    // The mask for a file stem such as "80.1" or "A6"; nullopt when every flag is defined.
    std::optional<std::uint16_t> mask_for(const std::string& opcode) const;
    bool empty() const { return masks_.empty(); }

private:
    std::map<std::string, std::uint16_t> masks_;  // keyed by file stem
};

}  // namespace conformance
