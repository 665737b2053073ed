// x86emu conformance — SuiteReport: per-opcode and total results of a run, printed as text and
// written as the JSON report (nlohmann_json).
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cycle_mapping.hpp"
#include "test_case.hpp"

namespace conformance {

struct FirstFailure {
    std::string name;
    std::string hash;
    std::int64_t index = 0;
    std::string diff;
};

struct OpcodeResult {
    std::size_t passed = 0;
    std::size_t failed = 0;
    std::size_t failed_masked_flags_only = 0;
    std::size_t revoked = 0;
    std::optional<FirstFailure> first_failure;
    CycleStats cycles;
};

class SuiteReport {
public:
    SuiteReport(std::string model_name, std::filesystem::path directory, std::string filter);

    void record_pass(const std::string& opcode);
    void record_failure(const std::string& opcode, const TestCase& test, const std::string& diff,
                        bool masked_flags_only);
    void record_revoked(const std::string& opcode);
    // A test listed in --expected-failures that failed as expected: neither passed nor failed,
    // reported by hash with its diff so the list stays visible.
    void record_expected_failure(const std::string& opcode, const TestCase& test, const std::string& diff);
    void record_cycles(const std::string& opcode, double ours, double hardware);
    void record_cycles_excluded() { ++cycles_excluded_; }
    void record_file_error(const std::string& opcode, const std::string& message);
    void set_cycle_mapping(std::string description) { cycle_mapping_ = std::move(description); }
    // The metadata file the undefined-flag masks came from; unset: none was read.
    void set_metadata(std::optional<std::filesystem::path> path) { metadata_ = std::move(path); }

    std::size_t passed() const { return passed_; }
    std::size_t failed() const { return failed_; }
    std::size_t file_errors() const { return file_errors_.size(); }

    // Per-opcode table, top failing opcodes, cycle summary; the caller prints the final line.
    void print_text(std::ostream& out) const;
    // Throws InputError if the file cannot be written.
    void write_json(const std::filesystem::path& path) const;

private:
    std::string model_name_;
    std::filesystem::path directory_;
    std::string filter_;
    std::map<std::string, OpcodeResult> opcodes_;
    std::size_t passed_ = 0;
    std::size_t failed_ = 0;
    std::size_t failed_masked_flags_only_ = 0;
    std::size_t revoked_ = 0;
    std::vector<FirstFailure> expected_failures_;
    std::size_t cycles_excluded_ = 0;
    CycleStats cycles_;
    std::string cycle_mapping_;
    std::optional<std::filesystem::path> metadata_;
    std::vector<std::pair<std::string, std::string>> file_errors_;  // opcode, message
};

}  // namespace conformance
