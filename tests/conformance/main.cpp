// x86emu conformance — x86emu-conformance: runs the SingleStepTests suites (8086, 80286 real
// mode) against the core and reports per opcode. Usage:
//   x86emu-conformance singlestep --model 8086|286 --dir DIR [--report FILE.json]
//                                 [--filter OPCODE] [--metadata FILE] [--verbose]
//                                 [--expected-failures FILE] [--max-file-mib N]
// The last output line is "N passed, M failed". Exit status: 0 all passed, 1 a test failed,
// 2 bad usage or unreadable input (missing directory, corrupt gzip, bad JSON).
#include <boost/program_options.hpp>

#include <exception>
#include <filesystem>
#include <iostream>
#include <fstream>
#include <string>
#include <unordered_set>

#include "comparison.hpp"
#include "cycle_mapping.hpp"
#include "gzip_file.hpp"
#include "register_mapping.hpp"
#include "report.hpp"
#include "test_file_loader.hpp"
#include "test_runner.hpp"
#include "test_suite_files.hpp"
#include "x86emu/model.hpp"

namespace {

namespace po = boost::program_options;
using namespace conformance;

constexpr int kExitAllPassed = 0;
constexpr int kExitTestsFailed = 1;
constexpr int kExitBadInput = 2;

struct Options {
    x86emu::CpuModel model = x86emu::CpuModel::i8086;
    std::string model_name;
    std::filesystem::path directory;
    std::filesystem::path report_path;
    std::filesystem::path metadata_path;  // undefined-flag masks
    bool metadata_given = false;          // --metadata: then the file must exist
    std::string filter;
    bool verbose = false;
    // --expected-failures: hashes of tests we know we get wrong, each with its reason.
    std::unordered_set<std::string> expected_failures;
    std::size_t max_file_bytes = kDefaultMaxDecompressedBytes;  // per decompressed test file
};

constexpr const char* kUsage =
    "usage: x86emu-conformance singlestep --model 8086|286 --dir DIR [--report FILE.json] "
    "[--filter OPCODE] [--metadata FILE] [--verbose]";

// nullopt after printing help or an error; `exit_code` says which.
std::optional<Options> parse_command_line(int argc, char** argv, int& exit_code) {
    po::options_description described("singlestep options");
    described.add_options()
        ("help,h", "show this help")
        ("model", po::value<std::string>()->required(), "CPU model of the suite: 8086 or 286")
        ("dir", po::value<std::string>()->required(), "directory of the suite's *.json.gz files")
        ("report", po::value<std::string>(), "write a JSON report to this file")
        ("filter", po::value<std::string>()->default_value(""),
         "only files whose stem equals or starts with OPCODE (e.g. 80 or 80.1)")
        ("metadata", po::value<std::string>(),
         "suite metadata with the undefined-flag masks (default: DIR/metadata.json)")
        ("expected-failures", po::value<std::string>(),
         "file of test hashes known to fail ('#' starts a comment): they count as neither passed "
         "nor failed while they fail, and as failed once they pass (so the list stays true)")
        ("verbose,v", po::bool_switch(), "print every failing test, not only the first per opcode")
        ("max-file-mib", po::value<unsigned>(),
         "largest decompressed test file accepted, in MiB (default 1024; 1..65536): files are "
         "streamed, so this bounds the time a gzip bomb can take, not memory");

    if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
        std::cout << kUsage << "\n\n" << described;
        exit_code = argc < 2 ? kExitBadInput : kExitAllPassed;
        return std::nullopt;
    }
    if (std::string(argv[1]) != "singlestep") {
        std::cerr << "error: unknown command '" << argv[1] << "'\n" << kUsage << '\n';
        exit_code = kExitBadInput;
        return std::nullopt;
    }

    po::variables_map values;
    try {
        po::store(po::command_line_parser(argc - 1, argv + 1).options(described).run(), values);
        if (values.count("help")) {
            std::cout << kUsage << "\n\n" << described;
            exit_code = kExitAllPassed;
            return std::nullopt;
        }
        po::notify(values);
    } catch (const po::error& e) {
        std::cerr << "error: " << e.what() << '\n' << kUsage << '\n';
        exit_code = kExitBadInput;
        return std::nullopt;
    }

    Options options;
    options.model_name = values["model"].as<std::string>();
    const auto model = x86emu::parse_cpu_model(options.model_name);
    if (!model || (*model != x86emu::CpuModel::i8086 && *model != x86emu::CpuModel::i80286)) {
        std::cerr << "error: --model must be 8086 or 286 (the SingleStepTests suites this harness "
                     "reads), not '" << options.model_name << "'\n";
        exit_code = kExitBadInput;
        return std::nullopt;
    }
    options.model = *model;
    options.directory = values["dir"].as<std::string>();
    if (values.count("report")) options.report_path = values["report"].as<std::string>();
    options.filter = values["filter"].as<std::string>();
    if (values.count("max-file-mib")) {
        const unsigned mib = values["max-file-mib"].as<unsigned>();
        if (mib < 1 || mib > 65536) {
            std::cerr << "error: --max-file-mib must be 1..65536, not " << mib << '\n';
            exit_code = kExitBadInput;
            return std::nullopt;
        }
        options.max_file_bytes = std::size_t{mib} << 20;
    }
    options.metadata_given = values.count("metadata") != 0;
    options.metadata_path = options.metadata_given
                                ? std::filesystem::path(values["metadata"].as<std::string>())
                                : options.directory / "metadata.json";
    options.verbose = values["verbose"].as<bool>();
    if (values.count("expected-failures")) {
        const std::string path = values["expected-failures"].as<std::string>();
        std::ifstream in(path);
        if (!in) {
            std::cerr << "error: cannot read --expected-failures file " << path << '\n';
            exit_code = kExitBadInput;
            return std::nullopt;
        }
        for (std::string line; std::getline(in, line);) {
            line = line.substr(0, line.find('#'));
            const auto first = line.find_first_not_of(" \t\r");
            if (first == std::string::npos) continue;
            options.expected_failures.insert(line.substr(first, line.find_first_of(" \t\r", first) - first));
        }
    }
    return options;
}

// An explicit --metadata must exist. The default DIR/metadata.json may be missing (a suite
// copied without it): the run goes on, but says what it loses, on stderr and in the report.
FlagsMaskTable load_flags_masks(const Options& options, SuiteReport& report) {
    std::error_code error;
    if (!std::filesystem::exists(options.metadata_path, error)) {
        if (options.metadata_given)
            throw InputError("metadata file " + options.metadata_path.string() + " does not exist");
        std::cerr << "warning: " << options.metadata_path.string()
                  << " not found: without the suite's undefined-flag masks no failure can be told apart "
                     "as differing only in undefined flags (failed_masked_flags_only stays 0); "
                     "name the file with --metadata FILE\n";
        report.set_metadata(std::nullopt);
        return FlagsMaskTable{};
    }
    report.set_metadata(options.metadata_path);
    return FlagsMaskTable::load(options.metadata_path);
}

// The 80286 cycle mapping is calibrated on the NOP tests whatever --filter selects.
CycleMapping make_cycle_mapping(const Options& options, TestRunner& runner) {
    if (options.model == x86emu::CpuModel::i8086) return CycleMapping::for_8086();
    std::vector<TestCase> nop_tests;
    try {
        nop_tests = load_test_file(options.directory / "90.json.gz", options.max_file_bytes);
    } catch (const InputError& e) {
        std::cerr << "warning: cycle calibration without NOP tests: " << e.what() << '\n';
    }
    return CycleMapping::for_80286(nop_tests, runner.measure_lone_hlt_cycles());
}

void run_one_test(TestCase& test, const std::string& opcode,
                  std::optional<std::uint16_t> flags_mask, const Options& options,
                  TestRunner& runner, const CycleMapping& cycle_mapping, SuiteReport& report) {
    test.initial_registers = as_hardware_held(test.initial_registers, options.model);
    const TestOutcome outcome = runner.run(test);

    // Only runs that followed the hardware's path compare like with like; a wrong flag or data
    // byte leaves the cycle count meaningful, a wrong CS:IP or a runaway does not.
    const auto hardware_cycles = cycle_mapping.hardware_instruction_cycles(test);
    if (outcome.ran_to_end && !diverges_control_flow(outcome.differences) && hardware_cycles) {
        report.record_cycles(opcode, cycle_mapping.our_instruction_cycles(outcome.cycles),
                             *hardware_cycles);
    } else {
        report.record_cycles_excluded();
    }
    const bool expected_to_fail = options.expected_failures.contains(test.hash);
    if (outcome.differences.empty()) {
        if (expected_to_fail) {
            report.record_failure(opcode, test, "listed in --expected-failures but passed: remove it from the list", false);
            return;
        }
        report.record_pass(opcode);
        return;
    }
    std::string diff = describe(outcome.differences);
    if (expected_to_fail) {
        report.record_expected_failure(opcode, test, diff);
        return;
    }
    if (test.exception_vector) {
        diff += " [the hardware raised exception " + std::to_string(*test.exception_vector) + "]";
    }
    report.record_failure(opcode, test, diff,
                          differs_only_in_masked_flags(outcome.differences, flags_mask));
    if (options.verbose) {
        std::cout << "FAIL " << opcode << " \"" << test.name << "\" #" << test.index << ' '
                  << test.hash << ": " << diff << '\n';
    }
}

int run_singlestep(const Options& options) {
    const std::vector<TestFile> files = find_test_files(options.directory, options.filter);
    if (files.empty()) {
        throw InputError("no *.json.gz test files" +
                         (options.filter.empty() ? std::string()
                                                 : " matching '" + options.filter + "'") +
                         " in " + options.directory.string());
    }
    const auto revoked_hashes = load_revocation_list(options.directory);
    SuiteReport report(options.model_name, options.directory, options.filter);
    const FlagsMaskTable flags_masks = load_flags_masks(options, report);

    TestRunner runner(options.model);
    const CycleMapping cycle_mapping = make_cycle_mapping(options, runner);
    report.set_cycle_mapping(cycle_mapping.description());

    for (const TestFile& file : files) {
        std::vector<TestCase> tests;
        try {
            tests = load_test_file(file.path, options.max_file_bytes);
        } catch (const InputError& e) {
            std::cerr << "error: " << e.what() << '\n';
            report.record_file_error(file.opcode, e.what());
            continue;
        }
        const auto flags_mask = flags_masks.mask_for(file.opcode);
        for (TestCase& test : tests) {
            if (revoked_hashes.contains(test.hash)) {
                report.record_revoked(file.opcode);
                continue;
            }
            run_one_test(test, file.opcode, flags_mask, options, runner, cycle_mapping, report);
        }
    }

    report.print_text(std::cout);
    bool report_failed = false;
    if (!options.report_path.empty()) {
        try {
            report.write_json(options.report_path);
            std::cout << "report written to " << options.report_path.string() << '\n';
        } catch (const InputError& e) {
            std::cerr << "error: " << e.what() << '\n';
            report_failed = true;
        }
    }
    if (report.file_errors()) {
        std::cout << report.file_errors() << " test file(s) could not be read\n";
    }
    std::cout << report.passed() << " passed, " << report.failed() << " failed" << std::endl;
    if (report.file_errors() || report_failed) return kExitBadInput;
    return report.failed() ? kExitTestsFailed : kExitAllPassed;
}

}  // namespace

int main(int argc, char** argv) {
    int exit_code = kExitAllPassed;
    const auto options = parse_command_line(argc, argv, exit_code);
    if (!options) return exit_code;
    try {
        return run_singlestep(*options);
    } catch (const InputError& e) {
        std::cerr << "error: " << e.what() << '\n';
        std::cout << "0 passed, 0 failed" << std::endl;
        return kExitBadInput;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << '\n';
        std::cout << "0 passed, 0 failed" << std::endl;
        return kExitBadInput;
    }
}
