// x86emu — per-model instruction timing tables.
// Each model has one data table (timing/model_*.cpp) giving the documented clock counts of every
// timing class, taken from the model's datasheet/programmer's reference instruction-timing
// appendix. Handlers never hold numbers: the decoder charges `base` (plus the 8086's EA cost),
// handlers add the documented variable parts through the named fields.
#pragma once
#include <cstdint>

#include "x86emu/model.hpp"

namespace x86emu {

enum class TimingClass : std::uint8_t {
#define X86EMU_TIMING_CLASS(name) name,
#include "core/timing/timing_classes.inc"
#undef X86EMU_TIMING_CLASS
    Count
};

struct TimingEntry {
    std::uint16_t reg = 0;    // register (or no-operand) form
    std::uint16_t mem = 0;    // memory form (EA cost excluded; see ea_* below)
    std::uint16_t extra = 0;  // class-specific variable part: per REP iteration, per shift bit,
                              // branch taken, ... (documented per class in timing_classes.inc)
};

struct TimingTable {
    TimingEntry entries[static_cast<unsigned>(TimingClass::Count)];
    // 8086 effective-address calculation cost (8086 User's Manual table 2-20); zero on later
    // models where EA is folded into the instruction count except where noted.
    std::uint8_t ea_disp_only = 0, ea_base_or_index = 0, ea_base_index_fast = 0,
                 ea_base_index_slow = 0, ea_disp_base_or_index = 0, ea_disp_base_index_fast = 0,
                 ea_disp_base_index_slow = 0, ea_segment_override = 0;
    std::uint8_t ea_three_component = 0;  // 80286/80386: +1 for base+index+displacement
    std::uint8_t rep_setup = 0;           // REP prefix fixed cost where separate
    std::uint8_t odd_word_penalty = 0;    // 8086: +4 per word transfer at an odd address

    const TimingEntry& operator[](TimingClass c) const { return entries[static_cast<unsigned>(c)]; }
    // Used by the per-model tables: one line per class reads as data.
    constexpr void set(TimingClass c, std::uint16_t reg, std::uint16_t mem = 0, std::uint16_t extra = 0) {
        entries[static_cast<unsigned>(c)] = TimingEntry{reg, mem, extra};
    }
};

const TimingTable& timing_table_8086();
const TimingTable& timing_table_80286();
const TimingTable& timing_table_80386();
const TimingTable& timing_table_80486();
const TimingTable& timing_table_p5();
const TimingTable& timing_table_p6();

// The one model-to-table switch, for the CPU core and the disassembler's decoder alike.
inline const TimingTable& timing_table_for(CpuModel model) {
    switch (model) {
    case CpuModel::i8086: return timing_table_8086();
    case CpuModel::i80286: return timing_table_80286();
    case CpuModel::i80386: return timing_table_80386();
    case CpuModel::i80486: return timing_table_80486();
    case CpuModel::p5: return timing_table_p5();
    case CpuModel::p6: return timing_table_p6();
    }
    return timing_table_80386();
}

}  // namespace x86emu
