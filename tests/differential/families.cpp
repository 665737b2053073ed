// x86emu differential tests — the list of families: the integer ones and the x87 ones. A new one
// is a Family subclass (family.hpp) added here.
#include "driver.hpp"
#include "integer_family.hpp"
#include "x87_family.hpp"

namespace differential {

std::vector<std::unique_ptr<Family>> all_families() {
    std::vector<std::unique_ptr<Family>> f;
    f.push_back(make_alu_family());
    f.push_back(make_shift_family());
    f.push_back(make_muldiv_family());
    f.push_back(make_bit_family());
    f.push_back(make_move_family());
    f.push_back(make_sequence_family());
    f.push_back(make_branch_family());
    for (auto& x87 : make_x87_families()) f.push_back(std::move(x87));
    return f;
}

}  // namespace differential
