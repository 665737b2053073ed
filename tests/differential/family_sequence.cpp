// x86emu differential tests — the "sequence" family: two or three instructions in a row, where
// the later ones read or keep flags the earlier ones produced. The emulator computes the ALU
// flags lazily (docs/ARCHITECTURE.md, "Flags"), so INC/DEC keeping CF, rotates keeping SF ZF AF
// PF, and ADC, SBB, SETcc, CMOVcc and CMC must all see the producer's flags exactly; the
// single-instruction families start from materialised flags and cannot show that. Flag rules:
// Intel SDM vol. 2 under each mnemonic; every producer here defines the flags its consumer reads.
#include "integer_family.hpp"

namespace differential {

namespace {

struct Sequence {
    const char* name;
    std::vector<std::uint8_t> code;
    unsigned width;
    std::uint32_t undefined_flags;  // left undefined at the end (by the last writer)
    bool count_in_cl;               // CL is a shift count: bias it
    x86emu::CpuModel first_model = x86emu::CpuModel::i80386;
};

}  // namespace

std::unique_ptr<Family> make_sequence_family() {
    constexpr std::uint32_t kAF = 0x10, kOF = 0x800;
    const Sequence sequences[] = {
        {"sub ecx, edx; inc ecx", {0x29, 0xD1, 0xFF, 0xC1}, 32, 0, false},
        {"add cl, dh; dec cl", {0x00, 0xF1, 0xFE, 0xC9}, 8, 0, false},
        {"sub dx, cx; inc dx", {0x66, 0x29, 0xCA, 0x66, 0xFF, 0xC2}, 16, 0, false},
        {"cmp ecx, edx; adc esi, edi", {0x39, 0xD1, 0x11, 0xFE}, 32, 0, false},
        {"sub ecx, edx; sbb esi, edi", {0x29, 0xD1, 0x19, 0xFE}, 32, 0, false},
        {"neg ecx; adc edx, 0", {0xF7, 0xD9, 0x83, 0xD2, 0x00}, 32, 0, false},
        {"add ecx, edx; rol ecx, 1", {0x01, 0xD1, 0xD1, 0xC1}, 32, 0, false},
        {"sub cl, dh; rcr cl, 1", {0x28, 0xF1, 0xD0, 0xD9}, 8, 0, false},
        {"xor ecx, edx; rcl esi, 1", {0x31, 0xD1, 0xD1, 0xD6}, 32, kAF, false},
        {"inc ecx; ror edx, 1", {0xFF, 0xC1, 0xD1, 0xCA}, 32, 0, false},
        {"dec dx; rol si, 1", {0x66, 0xFF, 0xCA, 0x66, 0xD1, 0xC6}, 16, 0, false},
        {"shl edx, cl; inc edx", {0xD3, 0xE2, 0xFF, 0xC2}, 32, 0, true},
        {"sar edx, cl; adc esi, edi", {0xD3, 0xFA, 0x11, 0xFE}, 32, 0, true},
        {"cmp ecx, edx; setl dh; setb dl", {0x39, 0xD1, 0x0F, 0x9C, 0xC6, 0x0F, 0x92, 0xC2}, 32, 0, false},
        {"sub cl, dh; setg al; setbe ah", {0x28, 0xF1, 0x0F, 0x9F, 0xC0, 0x0F, 0x96, 0xC4}, 8, 0, false},
        {"cmp esi, edi; cmovle ecx, edx", {0x39, 0xFE, 0x0F, 0x4E, 0xCA}, 32, 0, false, x86emu::CpuModel::p6},
        {"test ecx, edx; cmovs esi, edi", {0x85, 0xD1, 0x0F, 0x48, 0xF7}, 32, kAF, false, x86emu::CpuModel::p6},
        {"add ecx, edx; bt esi, 3", {0x01, 0xD1, 0x0F, 0xBA, 0xE6, 0x03}, 32, kOF | 0x80 | kAF | 0x4, false},
        {"sub ecx, edx; setp al; sets ah", {0x29, 0xD1, 0x0F, 0x9A, 0xC0, 0x0F, 0x98, 0xC4}, 32, 0, false},
        {"inc cl; cmc", {0xFE, 0xC1, 0xF5}, 8, 0, false},
        {"adc ecx, edx; xadd esi, edi; sbb ecx, esi", {0x11, 0xD1, 0x0F, 0xC1, 0xFE, 0x19, 0xF1}, 32, 0, false,
         x86emu::CpuModel::i80486},
    };
    std::vector<IntegerForm> forms;
    for (const Sequence& s : sequences) {
        IntegerForm f;
        f.form.name = s.name;
        f.form.code = s.code;
        f.form.first_model = s.first_model;
        f.width = s.width;
        if (s.undefined_flags) f.undefined = flags_undefined(s.undefined_flags);
        if (s.count_in_cl)  // counts 1-31: a zero count would leave the producer's flags, also fine
            f.shape = [](Rng& rng, Case& c) { c.in.gpr[1] = (c.in.gpr[1] & ~0xFFu) | count_value(rng); };
        forms.push_back(std::move(f));
    }
    return std::make_unique<IntegerFamily>("sequence", std::move(forms));
}

}  // namespace differential
