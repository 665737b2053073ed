// x86emu conformance — directory scanning, revocation_list.txt and metadata.json flag masks.
#include "test_suite_files.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>

#include <nlohmann/json.hpp>

#include "gzip_file.hpp"

namespace conformance {
namespace {

constexpr std::string_view kTestFileSuffix = ".json.gz";

std::string to_upper(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return text;
}

std::string trim(const std::string& text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return {};
    const auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

}  // namespace

std::vector<TestFile> find_test_files(const std::filesystem::path& directory,
                                      const std::string& opcode_filter) {
    std::error_code error;
    if (!std::filesystem::is_directory(directory, error)) {
        throw InputError("test directory " + directory.string() +
                         " does not exist or is not a directory");
    }
    const std::string wanted = to_upper(opcode_filter);
    std::vector<TestFile> files;
    for (std::filesystem::directory_iterator it(directory, error), end; !error && it != end;
         it.increment(error)) {
        const std::string file_name = it->path().filename().string();
        if (file_name.size() <= kTestFileSuffix.size() || !file_name.ends_with(kTestFileSuffix)) {
            continue;
        }
        const std::string stem = file_name.substr(0, file_name.size() - kTestFileSuffix.size());
        if (!to_upper(stem).starts_with(wanted)) continue;
        files.push_back({stem, it->path()});
    }
    if (error) {
        throw InputError("cannot list test directory " + directory.string() + ": " +
                         error.message());
    }
    std::sort(files.begin(), files.end(),
              [](const TestFile& a, const TestFile& b) { return a.opcode < b.opcode; });
    return files;
}

std::unordered_set<std::string> load_revocation_list(const std::filesystem::path& directory) {
    std::unordered_set<std::string> revoked;
    const auto path = directory / "revocation_list.txt";
    std::error_code error;
    if (!std::filesystem::exists(path, error)) return revoked;
    std::ifstream in(path);
    if (!in) throw InputError(path.string() + ": cannot open");
    std::string line;
    while (std::getline(in, line)) {
        line = trim(line.substr(0, line.find('#')));
        if (!line.empty()) revoked.insert(line);
    }
    return revoked;
}

FlagsMaskTable FlagsMaskTable::load(const std::filesystem::path& metadata_path) {
    FlagsMaskTable table;
    std::error_code error;
    if (!std::filesystem::exists(metadata_path, error)) return table;

    nlohmann::json metadata;
    try {
        metadata = nlohmann::json::parse(read_gzip_file(metadata_path));
    } catch (const nlohmann::json::exception& e) {
        throw InputError(metadata_path.string() + ": bad JSON (" + e.what() + ")");
    }
    try {
        const auto opcodes = metadata.find("opcodes");
        if (opcodes == metadata.end() || !opcodes->is_object()) {
            throw InputError(metadata_path.string() + ": no \"opcodes\" object");
        }
        auto add_mask = [&](const std::string& stem, const nlohmann::json& entry) {
            const auto mask = entry.find("flags-mask");
            if (mask != entry.end()) table.masks_[stem] = mask->get<std::uint16_t>();
        };
        for (const auto& [opcode, entry] : opcodes->items()) {
            const std::string stem = to_upper(opcode);
            add_mask(stem, entry);
            const auto groups = entry.find("reg");
            if (groups == entry.end()) continue;
            for (const auto& [reg, group_entry] : groups->items()) {
                add_mask(stem + "." + reg, group_entry);
            }
        }
    } catch (const nlohmann::json::exception& e) {
        throw InputError(metadata_path.string() + ": unexpected layout (" + e.what() + ")");
    }
    return table;
}

std::optional<std::uint16_t> FlagsMaskTable::mask_for(const std::string& opcode) const {
    const auto found = masks_.find(to_upper(opcode));
    if (found == masks_.end()) return std::nullopt;
    return found->second;
}

}  // namespace conformance
