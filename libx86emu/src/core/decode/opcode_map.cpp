// x86emu — the public, read-only view of the opcode table (x86emu/opcodes.hpp): names for
// disassembly and the per-model coverage report, derived from the same rows the decoder uses.
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

std::string describe_instruction(CpuModel model, const std::uint8_t* bytes, std::size_t size) {
    const DispatchTable& table = dispatch_table(model);
    std::size_t k = 0;
    auto is_prefix_byte = [&](std::uint8_t b) {
        const DispatchSlot& s = table.slots[b];
        return !s.is_group && s.row != kNoRow && opcode_rows()[s.row].is_prefix;
    };
    while (k < size && is_prefix_byte(bytes[k])) ++k;
    if (k >= size) return "(bad)";
    unsigned map = 0;
    if (bytes[k] == 0x0F && model != CpuModel::i8086) {
        map = 1;
        if (++k >= size) return "(bad)";
    }
    const DispatchSlot& slot = table.slots[map * 256 + bytes[k]];
    std::uint16_t row = slot.row;
    if (slot.is_group) {
        if (k + 1 >= size) return "(bad)";
        row = slot.group[(bytes[k + 1] >> 3) & 7];
    }
    if (row == kNoRow) return "(bad)";
    const OpcodeRow& r = opcode_rows()[row];
    std::string s{r.mnemonic};
    if (!r.operands.empty()) {
        s += ' ';
        s += r.operands;
    }
    return s;
}

}  // namespace x86emu
