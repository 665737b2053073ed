// x86emu conformance — SuiteReport: text output and JSON report.
#include "report.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

namespace conformance {
namespace {

constexpr std::size_t kTopFailingOpcodes = 15;
constexpr std::size_t kWorstCycleOpcodes = 15;

std::string percent(double fraction) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f%%", 100.0 * fraction);
    return text;
}

std::string decimal(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", value);
    return text;
}

nlohmann::json cycles_json(const CycleStats& stats) {
    return {{"tests", stats.tests()},
            {"within_10pct", stats.within_10pct()},
            {"within_20pct", stats.within_20pct()},
            {"mean_abs_pct_error", stats.mean_abs_pct_error()}};
}

}  // namespace

SuiteReport::SuiteReport(std::string model_name, std::filesystem::path directory,
                         std::string filter)
    : model_name_(std::move(model_name)), directory_(std::move(directory)),
      filter_(std::move(filter)) {}

void SuiteReport::record_pass(const std::string& opcode) {
    ++opcodes_[opcode].passed;
    ++passed_;
}

void SuiteReport::record_failure(const std::string& opcode, const TestCase& test,
                                 const std::string& diff, bool masked_flags_only) {
    OpcodeResult& result = opcodes_[opcode];
    ++result.failed;
    ++failed_;
    if (masked_flags_only) {
        ++result.failed_masked_flags_only;
        ++failed_masked_flags_only_;
    }
    if (!result.first_failure) result.first_failure = FirstFailure{test.name, test.hash, test.index, diff};
}

void SuiteReport::record_expected_failure(const std::string& opcode, const TestCase& test,
                                          const std::string& diff) {
    expected_failures_.push_back({opcode + " \"" + test.name + "\"", test.hash, test.index, diff});
}

void SuiteReport::record_revoked(const std::string& opcode) {
    ++opcodes_[opcode].revoked;
    ++revoked_;
}

void SuiteReport::record_cycles(const std::string& opcode, double ours, double hardware) {
    opcodes_[opcode].cycles.add(ours, hardware);
    cycles_.add(ours, hardware);
}

void SuiteReport::record_file_error(const std::string& opcode, const std::string& message) {
    file_errors_.emplace_back(opcode, message);
}

void SuiteReport::print_text(std::ostream& out) const {
    out << "SingleStepTests " << model_name_ << " from " << directory_.string();
    if (!filter_.empty()) out << " (filter " << filter_ << ")";
    out << "\n\nper opcode: passed/total, failed (of which only masked flags)\n";
    for (const auto& [opcode, result] : opcodes_) {
        char line[160];
        std::snprintf(line, sizeof line, "  %-6s %4zu/%-4zu", opcode.c_str(), result.passed,
                      result.passed + result.failed);
        out << line;
        if (result.failed) {
            out << "  FAIL " << result.failed;
            if (result.failed_masked_flags_only) {
                out << " (" << result.failed_masked_flags_only << " masked flags only)";
            }
        }
        if (result.revoked) out << "  [" << result.revoked << " revoked]";
        out << '\n';
    }

    std::vector<std::pair<std::string, const OpcodeResult*>> failing;
    for (const auto& [opcode, result] : opcodes_) {
        if (result.failed) failing.emplace_back(opcode, &result);
    }
    std::stable_sort(failing.begin(), failing.end(), [](const auto& a, const auto& b) {
        return a.second->failed - a.second->failed_masked_flags_only >
               b.second->failed - b.second->failed_masked_flags_only;
    });
    if (!failing.empty()) {
        out << "\nfailing opcodes (most real failures first; "
            << failing.size() << " opcodes fail), first failure of each:\n";
        for (std::size_t i = 0; i < failing.size() && i < kTopFailingOpcodes; ++i) {
            const auto& [opcode, result] = failing[i];
            const FirstFailure& first = *result->first_failure;
            out << "  " << opcode << ": " << result->failed << " failed";
            if (result->failed_masked_flags_only) {
                out << " (" << result->failed_masked_flags_only << " masked flags only)";
            }
            out << "; e.g. \"" << first.name << "\" #" << first.index << " " << first.hash
                << "\n      " << first.diff << '\n';
        }
        if (failing.size() > kTopFailingOpcodes) {
            out << "  ... " << failing.size() - kTopFailingOpcodes
                << " more failing opcodes (see the table above or the JSON report)\n";
        }
    }

    if (!file_errors_.empty()) {
        out << "\nfiles that could not be read (" << file_errors_.size() << "):\n";
        for (const auto& [opcode, message] : file_errors_) out << "  " << message << '\n';
    }

    out << "\ncycles (" << cycle_mapping_ << "):\n";
    out << "  " << cycles_.tests() << " tests compared";
    if (cycles_excluded_) out << ", " << cycles_excluded_ << " excluded (HLT under test, or our CPU took another path)";
    out << "; within 10%: " << percent(cycles_.within_10pct())
        << ", within 20%: " << percent(cycles_.within_20pct())
        << ", mean |error|: " << decimal(cycles_.mean_abs_pct_error()) << "%\n";

    std::vector<std::pair<std::string, const OpcodeResult*>> by_cycle_error;
    for (const auto& [opcode, result] : opcodes_) {
        if (result.cycles.tests() && result.cycles.mean_abs_pct_error() > 0) {
            by_cycle_error.emplace_back(opcode, &result);
        }
    }
    std::stable_sort(by_cycle_error.begin(), by_cycle_error.end(), [](const auto& a, const auto& b) {
        return a.second->cycles.mean_abs_pct_error() > b.second->cycles.mean_abs_pct_error();
    });
    if (!by_cycle_error.empty()) {
        out << "  largest mean cycle errors:";
        for (std::size_t i = 0; i < by_cycle_error.size() && i < kWorstCycleOpcodes; ++i) {
            out << ' ' << by_cycle_error[i].first << ' '
                << decimal(by_cycle_error[i].second->cycles.mean_abs_pct_error()) << '%';
        }
        out << '\n';
    }
    out << "  failures masked-flags-only: " << failed_masked_flags_only_ << " of " << failed_;
    if (revoked_) out << "; revoked tests skipped: " << revoked_;
    out << '\n';
    for (const FirstFailure& f : expected_failures_)
        out << "  expected failure " << f.name << " #" << f.index << ' ' << f.hash << ": " << f.diff << '\n';
}

void SuiteReport::write_json(const std::filesystem::path& path) const {
    nlohmann::json report;
    report["model"] = model_name_;
    report["directory"] = directory_.string();
    report["filter"] = filter_;
    report["total"] = passed_ + failed_;
    report["passed"] = passed_;
    report["failed"] = failed_;
    report["failed_masked_flags_only"] = failed_masked_flags_only_;
    report["revoked_skipped"] = revoked_;
    // null: no undefined-flag masks, so failed_masked_flags_only cannot count anything.
    report["metadata"] = metadata_ ? nlohmann::json(metadata_->string()) : nlohmann::json(nullptr);
    nlohmann::json expected = nlohmann::json::array();
    for (const FirstFailure& f : expected_failures_)
        expected.push_back({{"test", f.name}, {"hash", f.hash}, {"index", f.index}, {"diff", f.diff}});
    report["expected_failures"] = expected;

    nlohmann::json opcodes = nlohmann::json::object();
    for (const auto& [opcode, result] : opcodes_) {
        nlohmann::json entry = {{"passed", result.passed},
                                {"failed", result.failed},
                                {"failed_masked_flags_only", result.failed_masked_flags_only},
                                {"revoked_skipped", result.revoked},
                                {"cycles", cycles_json(result.cycles)}};
        if (result.first_failure) {
            entry["first_failure"] = {{"name", result.first_failure->name},
                                      {"hash", result.first_failure->hash},
                                      {"index", result.first_failure->index},
                                      {"diff", result.first_failure->diff}};
        }
        opcodes[opcode] = std::move(entry);
    }
    report["opcodes"] = std::move(opcodes);

    nlohmann::json cycles = cycles_json(cycles_);
    cycles["excluded"] = cycles_excluded_;
    cycles["mapping"] = cycle_mapping_;
    report["cycles"] = std::move(cycles);

    nlohmann::json errors = nlohmann::json::array();
    for (const auto& [opcode, message] : file_errors_) {
        errors.push_back({{"opcode", opcode}, {"error", message}});
    }
    report["file_errors"] = std::move(errors);

    std::ofstream out(path);
    if (!out) throw InputError("cannot write the report " + path.string());
    out << report.dump(2) << '\n';
    // Most of a report sits in the stream's buffer until it is flushed, so a full disk (or
    // /dev/full) shows only in flush() and close(), which the destructor would do silently.
    out.flush();
    if (out) out.close();
    if (!out) throw InputError("error while writing the report " + path.string() + " (disk full or I/O error)");
}

}  // namespace conformance
