// x86emu — CPUID data: parsing the per-model JSON descriptions (format: x86emu/cpuid.hpp) and
// the built-in data compiled from libx86emu/data/cpuid/*.json (see libx86emu/CMakeLists.txt).
// Leaf layout: Intel SDM vol. 2 CPUID (leaf 0, leaf 1 EAX version information, tables 3-10 and
// 3-11 for the ECX and EDX feature flags).
#include "x86emu/cpuid.hpp"

#include <array>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "x86emu_builtin_cpuid.hpp"  // generated: kBuiltinCpuidP5Json

namespace x86emu {

namespace {

// Leaf 1 feature-flag names, indexed by bit (SDM vol. 2 tables 3-10 and 3-11). Empty names are
// reserved bits, which a description cannot set.
constexpr std::array<std::string_view, 32> kLeaf1EdxNames = {
    "FPU", "VME", "DE", "PSE", "TSC", "MSR", "PAE", "MCE", "CX8", "APIC", "", "SEP", "MTRR", "PGE",
    "MCA", "CMOV", "PAT", "PSE-36", "PSN", "CLFSH", "", "DS", "ACPI", "MMX", "FXSR", "SSE", "SSE2",
    "SS", "HTT", "TM", "", "PBE"};
constexpr std::array<std::string_view, 32> kLeaf1EcxNames = {
    "SSE3", "PCLMULQDQ", "DTES64", "MONITOR", "DS-CPL", "VMX", "SMX", "EIST", "TM2", "SSSE3",
    "CNXT-ID", "SDBG", "FMA", "CMPXCHG16B", "xTPR", "PDCM", "", "PCID", "DCA", "SSE4_1", "SSE4_2",
    "x2APIC", "MOVBE", "POPCNT", "TSC-Deadline", "AESNI", "XSAVE", "OSXSAVE", "AVX", "F16C",
    "RDRAND", ""};

constexpr std::uint32_t kMaxBasicLeaf = 31;  // a sanity bound: the table is a dense vector

[[noreturn]] void fail(std::string_view source, const std::string& what) {
    throw std::invalid_argument(std::string(source) + ": " + what);
}

using Json = nlohmann::json;

const Json& required(const Json& doc, std::string_view source, const char* key) {
    auto it = doc.find(key);
    if (it == doc.end()) fail(source, std::string("missing field \"") + key + "\"");
    return *it;
}

std::uint32_t integer_in(const Json& value, std::string_view source, const std::string& name, std::uint64_t max) {
    if (!value.is_number_unsigned() && !(value.is_number_integer() && value.get<std::int64_t>() >= 0))
        fail(source, "\"" + name + "\" must be a non-negative integer");
    std::uint64_t v = value.get<std::uint64_t>();
    if (v > max) fail(source, "\"" + name + "\" = " + std::to_string(v) + " is out of range (0.." + std::to_string(max) + ")");
    return static_cast<std::uint32_t>(v);
}

std::uint32_t feature_bits(const Json& list, std::string_view source, const char* key,
                           const std::array<std::string_view, 32>& names) {
    if (!list.is_array()) fail(source, std::string("\"") + key + "\" must be an array of feature names");
    std::uint32_t bits = 0;
    for (const Json& entry : list) {
        if (!entry.is_string()) fail(source, std::string("\"") + key + "\" must hold strings");
        const std::string name = entry.get<std::string>();
        unsigned bit = 0;
        while (bit < 32 && (names[bit].empty() || names[bit] != name)) ++bit;
        if (bit == 32) fail(source, std::string("\"") + key + "\": unknown feature name \"" + name + "\"");
        bits |= 1u << bit;
    }
    return bits;
}

std::uint32_t vendor_word(std::string_view vendor, unsigned index) {
    std::uint32_t w = 0;
    for (unsigned k = 0; k < 4; ++k) w |= std::uint32_t{static_cast<unsigned char>(vendor[4 * index + k])} << (8 * k);
    return w;
}

}  // namespace

CpuidLeaf CpuidTable::query(std::uint32_t leaf) const {
    if (leaves.empty()) return {};
    if (leaf >= leaves.size()) return leaves.back();
    return leaves[leaf];
}

CpuidTable parse_cpuid_json(std::string_view json_text, std::string_view source) {
    Json doc;
    try {
        doc = Json::parse(json_text.begin(), json_text.end());
    } catch (const Json::parse_error& e) {
        fail(source, std::string("not valid JSON: ") + e.what());
    }
    if (!doc.is_object()) fail(source, "the top level must be a JSON object");
    static constexpr std::string_view kKnownKeys[] = {"vendor", "max_leaf", "type", "family", "model",
                                                      "stepping", "leaf1_edx", "leaf1_ecx", "leaves"};
    for (const auto& [key, value] : doc.items()) {
        if (key.starts_with("_")) continue;
        bool known = false;
        for (std::string_view k : kKnownKeys) known = known || key == k;
        if (!known) fail(source, "unknown field \"" + key + "\"");
    }

    const Json& vendor_value = required(doc, source, "vendor");
    if (!vendor_value.is_string()) fail(source, "\"vendor\" must be a string");
    const std::string vendor = vendor_value.get<std::string>();
    if (vendor.size() != 12) fail(source, "\"vendor\" must be exactly 12 characters (it fills EBX, EDX, ECX)");
    for (unsigned char ch : vendor)
        if (ch < 0x20 || ch > 0x7E) fail(source, "\"vendor\" must be printable ASCII");

    const std::uint32_t max_leaf = integer_in(required(doc, source, "max_leaf"), source, "max_leaf", kMaxBasicLeaf);
    if (max_leaf < 1) fail(source, "\"max_leaf\" must be at least 1 (leaf 1 holds the version and features)");
    const std::uint32_t type = integer_in(required(doc, source, "type"), source, "type", 3);
    const std::uint32_t family = integer_in(required(doc, source, "family"), source, "family", 15);
    const std::uint32_t model = integer_in(required(doc, source, "model"), source, "model", 15);
    const std::uint32_t stepping = integer_in(required(doc, source, "stepping"), source, "stepping", 15);

    CpuidTable table;
    table.leaves.resize(max_leaf + 1);
    // Leaf 0: the vendor string is read in the order EBX, EDX, ECX ("Genu" "ineI" "ntel").
    table.leaves[0] = {max_leaf, vendor_word(vendor, 0), vendor_word(vendor, 2), vendor_word(vendor, 1)};
    // Leaf 1 EAX: stepping [3:0], model [7:4], family [11:8], processor type [13:12].
    table.leaves[1].eax = stepping | (model << 4) | (family << 8) | (type << 12);
    table.leaves[1].edx = feature_bits(required(doc, source, "leaf1_edx"), source, "leaf1_edx", kLeaf1EdxNames);
    table.leaves[1].ecx = feature_bits(required(doc, source, "leaf1_ecx"), source, "leaf1_ecx", kLeaf1EcxNames);

    if (auto it = doc.find("leaves"); it != doc.end()) {
        if (!it->is_object()) fail(source, "\"leaves\" must be an object of \"leaf\": [eax, ebx, ecx, edx]");
        for (const auto& [key, regs] : it->items()) {
            std::uint32_t leaf = 0;
            bool digits = !key.empty() && key.size() <= 2;
            for (char ch : key) digits = digits && ch >= '0' && ch <= '9';
            if (digits) leaf = static_cast<std::uint32_t>(std::stoul(key));
            if (!digits || leaf < 2 || leaf > max_leaf)
                fail(source, "\"leaves\": leaf \"" + key + "\" must be a decimal number from 2 to max_leaf");
            if (!regs.is_array() || regs.size() != 4)
                fail(source, "\"leaves\": leaf " + key + " must be [eax, ebx, ecx, edx]");
            std::uint32_t v[4];
            for (unsigned r = 0; r < 4; ++r)
                v[r] = integer_in(regs[r], source, "leaves." + key + "[" + std::to_string(r) + "]", 0xFFFFFFFFu);
            table.leaves[leaf] = {v[0], v[1], v[2], v[3]};
        }
    }
    return table;
}

CpuidTable load_cpuid_json(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open CPUID file '" + path + "'");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw std::runtime_error("cannot read CPUID file '" + path + "'");
    return parse_cpuid_json(text.str(), path);
}

bool model_has_cpuid(CpuModel model) { return model == CpuModel::p5 || model == CpuModel::p6; }

CpuidTable builtin_cpuid(CpuModel model) {
    if (model == CpuModel::p5) {
        // Parsed once; the text is libx86emu/data/cpuid/p5.json, embedded at build time.
        static const CpuidTable p5 = parse_cpuid_json(kBuiltinCpuidP5Json, "built-in cpuid/p5.json");
        return p5;
    }
    if (model == CpuModel::p6) {
        static const CpuidTable p6 = parse_cpuid_json(kBuiltinCpuidP6Json, "built-in cpuid/p6.json");
        return p6;
    }
    throw std::invalid_argument("CPU model " + std::string(cpu_model_name(model)) + " has no CPUID instruction");
}

}  // namespace x86emu
