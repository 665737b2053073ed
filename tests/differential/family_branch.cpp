// x86emu differential tests — the "branch" family: Jcc (short 70-7F and near 0F 80-8F) on every
// condition, LOOP/LOOPE/LOOPNE and JECXZ, each jumping over an INC ESI so that the path taken
// shows in ESI. Conditions: Intel SDM vol. 1 Appendix B; LOOPcc/JECXZ: SDM vol. 2 "LOOP/LOOPcc",
// "JCXZ/JECXZ/JRCXZ". On the host LOOP counts in RCX and E3 is JRCXZ, but RCX holds the
// zero-extended ECX, so the branch decisions and the low 32 bits of the count are those of
// 32-bit mode.
#include "integer_family.hpp"

namespace differential {

namespace {

constexpr const char* kConditions[16] = {"o", "no", "b", "ae", "e", "ne", "be", "a",
                                         "s", "ns", "p", "np", "l", "ge", "le", "g"};
constexpr std::uint8_t kIncEsi[] = {0xFF, 0xC6};  // the instruction jumped over (46h is REX on the host)

IntegerForm branch_form(std::string name, std::vector<std::uint8_t> code) {
    code.insert(code.end(), std::begin(kIncEsi), std::end(kIncEsi));
    return integer_form(std::move(name) + "; inc esi", 32, std::move(code));
}

}  // namespace

std::unique_ptr<Family> make_branch_family() {
    std::vector<IntegerForm> forms;
    for (unsigned cc = 0; cc < 16; ++cc) {
        const std::string cond = kConditions[cc];
        forms.push_back(branch_form("j" + cond + " short +2", {static_cast<std::uint8_t>(0x70 + cc), 0x02}));
        forms.push_back(branch_form("j" + cond + " near +2", {0x0F, static_cast<std::uint8_t>(0x80 + cc), 0x02, 0, 0, 0}));
        // The flags from a comparison just before, as compiled code has them.
        forms.push_back(branch_form("cmp ecx, edx; j" + cond + " short +2",
                                    {0x39, 0xD1, static_cast<std::uint8_t>(0x70 + cc), 0x02}));
    }
    // ECX mostly 0, 1 or 2, where the count runs out.
    Shaper small_ecx = [](Rng& rng, Case& c) {
        if (rng.chance(60)) c.in.gpr[1] = rng.below(3);
    };
    const struct { const char* name; std::uint8_t opcode; } loops[] = {
        {"loop", 0xE2}, {"loope", 0xE1}, {"loopne", 0xE0}, {"jecxz", 0xE3}};
    for (const auto& l : loops) {
        IntegerForm f = branch_form(std::string(l.name) + " +2", {l.opcode, 0x02});
        f.shape = small_ecx;
        forms.push_back(std::move(f));
    }
    return std::make_unique<IntegerFamily>("branch", std::move(forms));
}

}  // namespace differential
