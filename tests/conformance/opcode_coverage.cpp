// x86emu conformance — x86emu-opcode-coverage: the coverage report derived from the opcode
// table. Lists every instruction form a model decodes (in the Intel manual's operand notation)
// and, with --dir, whether a SingleStepTests file exercises it; also lists suite files that name
// an opcode the model does not decode. Exit status 1 when such a file exists (the table is
// missing a row the hardware has), 2 on bad usage.
#include <boost/program_options.hpp>

#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <string>

#include "x86emu/model.hpp"
#include "x86emu/opcodes.hpp"

namespace po = boost::program_options;

int main(int argc, char** argv) {
    po::options_description described("x86emu-opcode-coverage options");
    described.add_options()("help,h", "show this help")(
        "model", po::value<std::string>()->required(), "8086, 286, 386, 486, p5 or p6")(
        "dir", po::value<std::string>(), "a SingleStepTests directory to compare with");
    po::variables_map values;
    try {
        po::store(po::parse_command_line(argc, argv, described), values);
        if (values.count("help")) {
            std::cout << described;
            return 0;
        }
        po::notify(values);
    } catch (const po::error& e) {
        std::cerr << "error: " << e.what() << '\n' << described;
        return 2;
    }
    auto model = x86emu::parse_cpu_model(values["model"].as<std::string>());
    if (!model) {
        std::cerr << "error: unknown model '" << values["model"].as<std::string>() << "'\n";
        return 2;
    }

    // Keys of the suite's files ("80.1", "A6"); the suites name group rows by ModRM.reg.
    std::set<std::string> suite_keys;
    if (values.count("dir")) {
        std::filesystem::path dir = values["dir"].as<std::string>();
        std::error_code error;
        if (!std::filesystem::is_directory(dir, error)) {
            std::cerr << "error: " << dir << " is not a directory\n";
            return 2;
        }
        for (const auto& entry : std::filesystem::directory_iterator(dir)) {
            std::string name = entry.path().filename().string();
            const std::string suffix = ".json.gz";
            if (name.size() > suffix.size() && name.ends_with(suffix))
                suite_keys.insert(name.substr(0, name.size() - suffix.size()));
        }
    }

    // Every key the model decodes; Zb/Zv rows cover eight opcodes.
    std::map<std::string, std::string> decoded;
    unsigned rows = 0, tested = 0;
    for (const x86emu::OpcodeInfo& row : x86emu::opcode_map(*model)) {
        ++rows;
        unsigned span = row.operands.starts_with("Z") ? 8 : 1;
        std::string name{row.mnemonic};
        if (!row.operands.empty()) name.append(" ").append(row.operands);
        bool any_tested = false;
        for (unsigned k = 0; k < span; ++k) {
            x86emu::OpcodeInfo one = row;
            one.opcode = static_cast<std::uint8_t>(row.opcode + k);
            decoded[one.key()] = name;
            any_tested = any_tested || suite_keys.count(one.key());
        }
        if (any_tested) ++tested;
        std::cout << std::left << std::setw(8) << row.key() << std::setw(24) << name
                  << (suite_keys.empty() ? "" : any_tested ? "tested" : "-") << '\n';
    }
    std::cout << rows << " rows decoded by the " << x86emu::cpu_model_name(*model) << " model";
    if (!suite_keys.empty()) std::cout << ", " << tested << " exercised by the suite";
    std::cout << '\n';

    unsigned unknown = 0;
    for (const std::string& key : suite_keys) {
        // A plain opcode file ("C0") matches a group's rows too ("C0.0"...) and vice versa.
        std::string base = key.substr(0, key.find('.'));
        bool known = decoded.count(key) || decoded.count(base) || decoded.count(base + ".0");
        if (!known) {
            std::cout << "suite file " << key << " names an opcode this model does not decode\n";
            ++unknown;
        }
    }
    return unknown == 0 ? 0 : 1;
}
