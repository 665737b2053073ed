// x86emu — decoder interface and the byte fetcher it reads instruction bytes through.
#pragma once
#include <cstdint>

#include "core/decode/insn.hpp"

namespace x86emu {

class CpuCore;

// Reads the bytes of one instruction at CS:EIP, applying the code-segment limit (#GP(0) past it
// on the 80286 and later; QUIRK(8086): IP wraps within the segment) and the model's maximum
// instruction length (#GP(0) beyond 10 bytes on the 80286, 15 on the 80386; the 8086 has none).
// It records whether the bytes are physically contiguous in one page, the condition for caching.
struct InstructionFetcher {
    CpuCore& cpu;
    std::uint32_t count = 0;
    std::uint32_t first_physical = 0;
    bool cacheable = true;

    std::uint8_t next();
    std::uint16_t next16() {
        std::uint16_t lo = next();
        return static_cast<std::uint16_t>(lo | (next() << 8));
    }
    std::uint32_t next32() {
        std::uint32_t lo = next16();
        return lo | (std::uint32_t{next16()} << 16);
    }
    std::uint32_t length() const { return count; }
};

void decode_instruction(CpuCore& cpu, InstructionFetcher& fetcher, Insn& out);

}  // namespace x86emu
