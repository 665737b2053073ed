// x86emu differential tests — x86emu-differential: runs integer instruction forms on the host
// CPU and on the emulator and compares results and defined flags (docs/DIFFERENTIAL.md).
//   x86emu-differential [--seed N] [--cases N] [--models p6,486,386] [--family NAME[,NAME]]
//                       [--form "NAME"] [--max-reports N] [--show-undefined N] [--report FILE.json]
//                       [--list]
// Exit status: 0 no mismatch, 1 some mismatch, 2 bad usage or an unwritable report.
#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "../common/host_cpu.hpp"
#include "driver.hpp"

namespace {

namespace po = boost::program_options;
using namespace differential;

constexpr int kExitOk = 0, kExitMismatch = 1, kExitUsage = 2;

std::vector<std::string> split(const std::string& list) {
    std::vector<std::string> items;
    std::stringstream s(list);
    for (std::string item; std::getline(s, item, ',');)
        if (!item.empty()) items.push_back(item);
    return items;
}

}  // namespace

int main(int argc, char** argv) {
    po::options_description described("x86emu-differential options");
    described.add_options()
        ("help,h", "show this help")
        ("seed", po::value<std::uint64_t>()->default_value(1), "seed of the case generator")
        ("cases", po::value<std::uint64_t>()->default_value(2000), "cases per instruction form")
        ("models", po::value<std::string>()->default_value("p6"),
         "emulated models to compare with the host, comma-separated (386, 486, p5, p6)")
        ("family", po::value<std::string>()->default_value(""), "only these families, comma-separated")
        ("form", po::value<std::string>()->default_value(""), "only the form with exactly this name")
        ("max-reports", po::value<unsigned>()->default_value(20), "mismatch descriptions printed, at most")
        ("show-undefined", po::value<unsigned>()->default_value(0),
         "also print this many cases that differ only in undefined flags or results")
        ("report", po::value<std::string>(), "write a JSON report to this file")
        ("list", "list the families and their forms, then exit");
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc, argv, described), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "x86emu-differential: " << e.what() << "\n" << described;
        return kExitUsage;
    }
    if (vm.count("help")) {
        std::cout << described;
        return kExitOk;
    }

    auto families = all_families();
    if (vm.count("list")) {
        for (const auto& f : families) {
            std::cout << f->name() << " (" << f->form_count() << " forms)\n";
            for (std::size_t k = 0; k < f->form_count(); ++k) std::cout << "  " << f->form(k).name << "\n";
        }
        return kExitOk;
    }

    RunOptions options;
    options.seed = vm["seed"].as<std::uint64_t>();
    options.cases = vm["cases"].as<std::uint64_t>();
    options.form = vm["form"].as<std::string>();
    options.max_reports = vm["max-reports"].as<unsigned>();
    options.show_undefined = vm["show-undefined"].as<unsigned>();
    options.families = split(vm["family"].as<std::string>());
    for (const std::string& name : split(vm["models"].as<std::string>())) {
        auto model = x86emu::parse_cpu_model(name);
        if (!model || *model < x86emu::CpuModel::i80386) {
            std::cerr << "x86emu-differential: --models: '" << name << "' is not a 32-bit model (386, 486, p5, p6)\n";
            return kExitUsage;
        }
        options.models.push_back(*model);
    }
    if (options.models.empty()) {
        std::cerr << "x86emu-differential: --models names no model\n";
        return kExitUsage;
    }
    for (const std::string& name : options.families) {
        bool known = false;
        for (const auto& f : families) known = known || f->name() == name;
        if (!known) {
            std::cerr << "x86emu-differential: unknown family '" << name << "' (--list shows them)\n";
            return kExitUsage;
        }
    }

    const auto start = std::chrono::steady_clock::now();
    std::vector<FormResult> results = run_differential(families, options, std::cout);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    std::uint64_t cases = 0, mismatches = 0;
    for (const FormResult& r : results) {
        cases += r.counts.cases;
        mismatches += r.counts.mismatches;
    }
    if (results.empty()) {
        std::cerr << "x86emu-differential: no form matches the selection\n";
        return kExitUsage;
    }
    // The host, since a few x87 masks depend on its vendor (family_x87.cpp, docs/DIFFERENTIAL.md).
    const x86emu_test::HostCpu& host = x86emu_test::host_cpu();
    std::cout << "host: " << host.vendor_name() << " family " << std::hex << std::uppercase << host.family << "h model "
              << host.model << "h" << std::dec << std::nouppercase << ", CPUID.7.EBX FDP_EXCPTN_ONLY "
              << host.fdp_exception_only << ", FCS/FDS deprecated " << host.fcs_fds_deprecated << "\n";
    std::cout << cases << " cases, " << mismatches << " mismatches (seed " << options.seed << ", " << options.cases
              << " cases per form, " << seconds << " s)\n";

    if (vm.count("report")) {
        nlohmann::json j;
        j["seed"] = options.seed;
        j["cases_per_form"] = options.cases;
        j["total_cases"] = cases;
        j["mismatches"] = mismatches;
        j["seconds"] = seconds;
        nlohmann::json forms = nlohmann::json::array();
        for (const FormResult& r : results) {
            forms.push_back({{"family", r.family},
                             {"form", r.form},
                             {"model", std::string(x86emu::cpu_model_name(r.model))},
                             {"cases", r.counts.cases},
                             {"mismatches", r.counts.mismatches},
                             {"undefined_only", r.counts.undefined_only},
                             {"tolerated", r.counts.tolerated},
                             {"host_masked", r.host_masked},
                             {"first_mismatches", r.first_mismatches}});
        }
        j["forms"] = forms;
        std::ofstream file(vm["report"].as<std::string>());
        file << j.dump(2) << "\n";
        if (!file) {
            std::cerr << "x86emu-differential: cannot write " << vm["report"].as<std::string>() << "\n";
            return kExitUsage;
        }
    }
    return mismatches == 0 ? kExitOk : kExitMismatch;
}
