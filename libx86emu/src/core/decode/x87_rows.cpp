// x86emu — instantiates the x87 opcode map (x87_table.inc) and builds one escape dispatch table
// per CPU model, as opcode_rows.cpp does for the integer map. Intel SDM vol. 2 Appendix A.4.
#include <array>

#include "core/decode/opcode_table.hpp"
#include "core/exec/x87_arith.hpp"
#include "core/exec/x87_control.hpp"
#include "core/exec/x87_load_store.hpp"
#include "core/exec/x87_math.hpp"

namespace x86emu {
namespace {

using namespace exec::x87;

#define X87_ROW(escape, form, index, mnemonic, operands, models, timing, ...)                        \
    X87Row{static_cast<std::uint8_t>(escape), X87Row::form, static_cast<std::uint8_t>(index), #mnemonic, \
           operands, &__VA_ARGS__::run, models, TimingClass::timing},
#define X87_MEM(escape, reg, mnemonic, operands, models, timing, ...) \
    X87_ROW(escape, kMemory, reg, mnemonic, operands, models, timing, __VA_ARGS__)
#define X87_REG(escape, reg, mnemonic, operands, models, timing, ...) \
    X87_ROW(escape, kRegisterGroup, reg, mnemonic, operands, models, timing, __VA_ARGS__)
#define X87_ONE(escape, modrm, mnemonic, operands, models, timing, ...) \
    X87_ROW(escape, kRegisterOne, modrm, mnemonic, operands, models, timing, __VA_ARGS__)

const X87Row kX87Rows[] = {
#include "core/decode/x87_table.inc"
};
#undef X87_ONE
#undef X87_REG
#undef X87_MEM
#undef X87_ROW

X87Dispatch build_x87_dispatch(std::uint8_t model_mask) {
    X87Dispatch t;
    for (auto& e : t.memory) e.fill(kNoRow);
    for (auto& e : t.registers) e.fill(kNoRow);
    for (std::size_t r = 0; r < std::size(kX87Rows); ++r) {
        const X87Row& row = kX87Rows[r];
        if (!(row.models & model_mask)) continue;
        const unsigned escape = row.escape - 0xD8u;
        const auto index = static_cast<std::uint16_t>(r);
        switch (row.form) {
        case X87Row::kMemory: t.memory[escape][row.index] = index; break;
        case X87Row::kRegisterGroup:
            for (unsigned k = 0; k < 8; ++k) t.registers[escape][row.index * 8 + k] = index;
            break;
        case X87Row::kRegisterOne: t.registers[escape][row.index - 0xC0u] = index; break;
        }
    }
    return t;
}

}  // namespace

std::span<const X87Row> x87_rows() { return kX87Rows; }

const X87Dispatch& x87_dispatch(CpuModel model) {
    static const X87Dispatch t286 = build_x87_dispatch(kModel286);
    static const X87Dispatch t386 = build_x87_dispatch(kModel386);
    static const X87Dispatch t486 = build_x87_dispatch(kModel486);
    static const X87Dispatch tp5 = build_x87_dispatch(kModelP5);
    static const X87Dispatch tp6 = build_x87_dispatch(kModelP6);
    switch (model) {
    case CpuModel::i80286: return t286;
    case CpuModel::i80386: return t386;
    case CpuModel::i80486: return t486;
    case CpuModel::p5: return tp5;
    case CpuModel::p6: return tp6;
    default: return t386;  // the 8086 has no FPU model (the decoder never asks)
    }
}

}  // namespace x86emu
