// x86emu unit tests — the CPU's decoder on a bare CpuCore: instruction bytes placed at CS:IP of a
// real-mode code segment (CS.D set for 32-bit code) and decoded through decode_instruction(),
// the path the CPU runs. Shared by the decoder-length and the disassembler tests.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/cpu_core.hpp"
#include "core/decode/decoder.hpp"
#include "core/decode/opcode_table.hpp"
#include "emu_test_support.hpp"

namespace x86emu_test {

class CoreDecoder {
public:
    explicit CoreDecoder(x86emu::CpuModel model, bool fpu = false, bool code32 = false)
        : model_(model), core_(model, bus_, fpu) {
        // 0x4000: the D (default size) bit of the code-segment attributes.
        core_.seg[x86emu::CS] = real_seg(kCodeSeg, static_cast<std::uint16_t>(code32 ? 0x409B : 0x9B));
        core_.code_segment_changed();
    }
    // Decodes `bytes` (zeros after them) at the start of the code.
    x86emu::Insn decode(const std::vector<std::uint8_t>& bytes) {
        for (unsigned k = 0; k < 24; ++k) bus_.mem[kCodePhys + k] = k < bytes.size() ? bytes[k] : 0x00;
        core_.eip = kCodeIp;
        x86emu::InstructionFetcher f{core_};
        x86emu::Insn insn;
        x86emu::decode_instruction(core_, f, insn);
        return insn;
    }
    bool is_undefined(const x86emu::Insn& insn) const {
        return insn.exec == x86emu::undefined_opcode_handler(model_);
    }

private:
    x86emu::CpuModel model_;
    RamBus bus_;
    x86emu::CpuCore core_;
};

inline std::string hex_bytes(const std::vector<std::uint8_t>& v) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    std::string s;
    for (auto x : v) {
        s += kDigits[x >> 4];
        s += kDigits[x & 15];
        s += ' ';
    }
    return s;
}

}  // namespace x86emu_test
