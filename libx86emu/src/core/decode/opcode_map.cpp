// x86emu — the public, read-only view of the opcode table (x86emu/opcodes.hpp) for the per-model
// coverage report, derived from the same rows the decoder uses (disassembly: disassembler.cpp).
#include <cstdio>

#include "core/decode/opcode_table.hpp"
#include "x86emu/opcodes.hpp"

namespace x86emu {

std::string OpcodeInfo::key() const {
    char buf[16];
    if (map == 1) std::snprintf(buf, sizeof buf, "0F.%02X", opcode);
    else std::snprintf(buf, sizeof buf, "%02X", opcode);
    std::string k = buf;
    if (group_reg >= 0) k.append(1, '.').append(1, static_cast<char>('0' + group_reg));
    return k;
}

std::vector<OpcodeInfo> opcode_map(CpuModel model) {
    std::vector<OpcodeInfo> out;
    std::uint8_t bit = model_bit(model);
    for (const OpcodeRow& row : opcode_rows())
        if (row.models & bit)
            out.push_back({row.map, row.opcode, row.ext, row.mnemonic, row.operands, row.is_prefix});
    return out;
}

}  // namespace x86emu
