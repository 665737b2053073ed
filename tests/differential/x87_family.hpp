// x86emu differential tests — the x87 families (family_x87.cpp): x87 instruction forms run through
// the whole emulator and on the host FPU, compared through FNSAVE images (docs/DIFFERENTIAL.md).
// Intel SDM vol. 1 chapter 8 (the x87 FPU), vol. 2 Appendix A.4 (escape opcodes).
#pragma once
#include <memory>
#include <vector>

#include "family.hpp"

namespace differential {

// x87_arith, x87_compare, x87_load_store, x87_transcendental, x87_sequence.
std::vector<std::unique_ptr<Family>> make_x87_families();

}  // namespace differential
