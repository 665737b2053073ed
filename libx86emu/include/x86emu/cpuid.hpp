// x86emu — what the CPUID instruction answers, as data.
// CPUID: Intel SDM vol. 2 "CPUID" (leaf 0: maximum leaf and vendor string in EBX, EDX, ECX;
// leaf 1: family/model/stepping in EAX, feature flags in EDX and ECX, tables 3-10 and 3-11);
// Pentium Processor Family Developer's Manual vol. 3, CPUID.
//
// Each model with CPUID has its data in a JSON file (libx86emu/data/cpuid/<model>.json) that the
// library compiles in. An embedder can present a different CPU to the guest by loading its own
// file with load_cpuid_json() and handing the table to Cpu::set_cpuid(). The format:
//
//   {
//     "vendor":   "GenuineIntel",          12 ASCII characters (leaf 0 EBX, EDX, ECX)
//     "max_leaf": 1,                       highest basic leaf, 1..31 (leaf 0 EAX)
//     "type": 0, "family": 5, "model": 2, "stepping": 12,   leaf 1 EAX: 0..3, 0..15 each
//     "leaf1_edx": ["TSC", "MSR", ...],    leaf 1 EDX feature names (SDM table 3-11)
//     "leaf1_ecx": [],                     leaf 1 ECX feature names (SDM table 3-10)
//     "leaves": { "2": [eax, ebx, ecx, edx] }   optional raw leaves 2..max_leaf (others: zeros)
//   }
//
// Keys starting with "_" are comments; any other unknown key is an error (a misspelt key would
// otherwise be silently ignored). Feature names not listed in those SDM tables are errors too.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "x86emu/model.hpp"

namespace x86emu {

struct CpuidLeaf {
    std::uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
    friend bool operator==(const CpuidLeaf&, const CpuidLeaf&) = default;
};

struct CpuidTable {
    // leaves[n] answers CPUID with EAX = n; leaves[0].eax == leaves.size() - 1 (the maximum leaf).
    std::vector<CpuidLeaf> leaves;

    // The answer for `leaf`. Beyond the maximum basic leaf (including the extended range
    // 80000000h and up, which no model here has) the highest basic leaf's data is returned, as
    // Intel documents for its processors (SDM vol. 2 CPUID: "If a value entered for CPUID.EAX is
    // higher than the maximum input value for basic or extended function for that processor then
    // the data for the highest basic information leaf is returned").
    CpuidLeaf query(std::uint32_t leaf) const;
    friend bool operator==(const CpuidTable&, const CpuidTable&) = default;
};

// Parses the JSON text of a CPUID description. `source` names it in error messages.
// Throws std::invalid_argument naming the source and the offending field on malformed JSON,
// missing or mistyped fields, values out of range and unknown feature names.
CpuidTable parse_cpuid_json(std::string_view json_text, std::string_view source = "CPUID JSON");
// Reads and parses a file; std::runtime_error if it cannot be read, otherwise as above.
CpuidTable load_cpuid_json(const std::string& path);
// The data compiled into the library for `model`; std::invalid_argument for models without CPUID.
CpuidTable builtin_cpuid(CpuModel model);
// Whether the model has the CPUID instruction at all (the Pentium and later).
bool model_has_cpuid(CpuModel model);

}  // namespace x86emu
