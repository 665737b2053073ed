// x86emu differential tests — runs a form's bytes on the host CPU. The host is x86-64: in 64-bit
// mode the same bytes without a REX prefix have 32-bit operands by default, 16-bit ones after
// 66h, and the 8-bit registers AL..BH (Intel SDM vol. 1 §3.6.1, vol. 2 §2.2.1), so register and
// [EBX] forms mean what they mean in 32-bit protected mode. Not so for 40h-4Fh (REX prefixes),
// the BCD instructions, PUSHA/POPA, BOUND, INTO, LDS/LES, SALC and ARPL (invalid or other
// instructions in 64-bit mode, SDM vol. 2 Appendix A.2.5): no form may use them.
#pragma once
#include <cstddef>
#include <cstdint>

#include "family.hpp"

namespace differential {

class NativeRunner {
public:
    NativeRunner();
    ~NativeRunner();
    NativeRunner(const NativeRunner&) = delete;
    NativeRunner& operator=(const NativeRunner&) = delete;

    // Builds the thunk for `form`: load registers and flags from a State, the form's bytes,
    // store registers and flags back.
    void load(const Form& form);
    // Runs the loaded form on `c`. A fault (SIGFPE for #DE, SIGILL, SIGSEGV, SIGBUS) is caught
    // and reported as its vector with the registers the signal context saw.
    Outcome run(const Case& c);

private:
    std::uint8_t* page_ = nullptr;
    std::size_t imm_offset_ = 0;  // where Case::imm goes in the thunk
    unsigned imm_bytes_ = 0;
    int base_ = -1;  // the memory base register, or -1
};

}  // namespace differential
