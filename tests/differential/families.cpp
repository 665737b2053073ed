// x86emu differential tests — the list of families. A new one (x87, say) is a Family subclass
// (family.hpp) added here.
#include "driver.hpp"
#include "integer_family.hpp"

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
    return f;
}

}  // namespace differential
