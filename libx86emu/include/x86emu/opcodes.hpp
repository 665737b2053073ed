// x86emu — read-only view of the opcode table a model decodes: for disassembler names,
// documentation and coverage reports. Rows use the Intel manual's operand notation
// (SDM vol. 2 Appendix A), e.g. {0x00, map 0, "ADD", "Eb,Gb"}.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "x86emu/model.hpp"

namespace x86emu {

struct OpcodeInfo {
    std::uint8_t map;     // 0 = one-byte opcodes, 1 = 0F xx
    std::uint8_t opcode;  // first opcode of the row (Zb/Zv rows cover opcode..opcode+7)
    int group_reg;        // ModRM.reg for group rows, -1 otherwise
    std::string_view mnemonic;
    std::string_view operands;
    bool is_prefix;
    // "80.1", "0F.A3", "D0.6": the key used by test suites and reports.
    std::string key() const;
};

// Rows the model decodes (prefix rows included), in table order.
std::vector<OpcodeInfo> opcode_map(CpuModel model);

// The mnemonic and operand notation the model decodes for the instruction bytes `bytes`
// (prefixes skipped), e.g. "ADD Eb,Gb"; "(bad)" when the model raises #UD for them.
std::string describe_instruction(CpuModel model, const std::uint8_t* bytes, std::size_t size);

}  // namespace x86emu
