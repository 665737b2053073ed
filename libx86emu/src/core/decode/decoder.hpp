// x86emu — decoder interface and the byte fetcher it reads instruction bytes through.
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/decode/insn.hpp"
#include "core/timing/timing.hpp"
#include "x86emu/model.hpp"

namespace x86emu {

class CpuCore;
struct ModelTraits;

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
    std::uint32_t length() const { return count; }
};

// Reads the bytes of one instruction from a buffer, for the disassembler (disassembler.cpp):
// what InstructionFetcher does without a CPU. Reading past the buffer stops it as Truncated,
// reading past the model's maximum instruction length as TooLong (where the CPU raises #GP(0)).
struct BufferFetcher {
    // Why the bytes ran out, if they did. From then on next() gives zeros: the decoder runs to its
    // end on them (it takes any bytes) and the caller discards what it made. Not an exception: a
    // throw costs about 17,000 host instructions, and a block that reaches its page's end with a
    // partial instruction makes one (callgrind, the Linux boot: 1.4 % of the whole, 2026-12-04).
    enum class Stop : std::uint8_t { None, Truncated, TooLong };
    const std::uint8_t* bytes;
    std::size_t size;
    unsigned max_length;  // 0 = unlimited (8086)
    std::uint32_t count = 0;
    Stop stop = Stop::None;

    std::uint8_t next() {
        if (stop != Stop::None) return 0;
        if (max_length && count >= max_length) {
            stop = Stop::TooLong;
            return 0;
        }
        if (count >= size) {
            stop = Stop::Truncated;
            return 0;
        }
        return bytes[count++];
    }
    std::uint32_t length() const { return count; }
};

// Everything the decoder reads from the CPU besides the bytes: the model, the default operand and
// address size of the code segment (CS.D), the clock table and whether an FPU is attached.
struct DecodeContext {
    const ModelTraits& traits;
    const TimingTable& timing;
    bool code32;
    bool has_fpu;
};

// The decoder. One body (decoder.cpp), instantiated for both fetchers, so the CPU and the
// disassembler cannot disagree about an encoding.
template <class Fetcher> void decode_with(const DecodeContext& context, Fetcher& fetcher, Insn& out);
extern template void decode_with<InstructionFetcher>(const DecodeContext&, InstructionFetcher&, Insn&);
extern template void decode_with<BufferFetcher>(const DecodeContext&, BufferFetcher&, Insn&);

// The CPU's entry point: decodes at CS:EIP with the core's model, CS.D and FPU.
void decode_instruction(CpuCore& cpu, InstructionFetcher& fetcher, Insn& out);

}  // namespace x86emu
