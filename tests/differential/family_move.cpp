// x86emu differential tests — the "move" family: XADD and CMPXCHG (the 486's additions),
// CMPXCHG8B (the Pentium's), MOV, XCHG, XLAT, MOVZX/MOVSX, CBW/CWDE, CWD/CDQ, CLC/STC/CMC, LAHF/SAHF
// and LEA. Intel SDM vol. 2 under each mnemonic: XADD sets the flags as ADD, CMPXCHG as CMP of
// the accumulator with the destination, CMPXCHG8B writes ZF only; the others define everything
// they touch. LAHF/SAHF exist in 64-bit mode only when CPUID.80000001H:ECX bit 0 says so;
// without it the forms are left out.
#include "integer_family.hpp"

#include <cpuid.h>

namespace differential {

namespace {

bool host_has_lahf_sahf() {
    unsigned eax, ebx, ecx, edx;
    return __get_cpuid(0x80000001u, &eax, &ebx, &ecx, &edx) && (ecx & 1u);
}

}  // namespace

std::unique_ptr<Family> make_move_family() {
    std::vector<IntegerForm> forms;
    for (unsigned w : {8u, 16u, 32u}) {
        const bool b = w == 8;
        const Operand e = Operand::r(1, w), g = Operand::r(b ? 6 : 2, w), mem = Operand::m(w);  // CL/ECX, DH/EDX
        const Operand acc = Operand::r(0, w);
        for (Operand d : {e, mem}) {
            forms.push_back(integer_form("xadd " + operand_name(d) + ", " + operand_name(g), w,
                                         {0x0F, static_cast<std::uint8_t>(b ? 0xC0 : 0xC1), modrm_for(g.reg, d)}, 0,
                                         d.is_mem(), x86emu::CpuModel::i80486));
            IntegerForm cx = integer_form("cmpxchg " + operand_name(d) + ", " + operand_name(g), w,
                                          {0x0F, static_cast<std::uint8_t>(b ? 0xB0 : 0xB1), modrm_for(g.reg, d)}, 0,
                                          d.is_mem(), x86emu::CpuModel::i80486);
            // Half the cases compare equal, so both outcomes (store, or load the accumulator) run.
            cx.shape = [d, acc](Rng& rng, Case& c) {
                if (rng.chance(50)) write_operand(c.in, acc, read_operand(c.in, d));
            };
            forms.push_back(std::move(cx));
            forms.push_back(integer_form("xchg " + operand_name(d) + ", " + operand_name(g), w,
                                         {static_cast<std::uint8_t>(b ? 0x86 : 0x87), modrm_for(g.reg, d)}, 0, d.is_mem()));
        }
        // MOV Eb,Gb / Ev,Gv (88/89), Gb,Eb / Gv,Ev (8A/8B), r,imm (B0+r / B8+r), Eb/Ev,imm (C6/C7).
        const std::uint8_t mov_eg = b ? 0x88 : 0x89, mov_ge = b ? 0x8A : 0x8B, mov_ei = b ? 0xC6 : 0xC7;
        const unsigned imm = b ? 1 : w / 8;
        forms.push_back(integer_form("mov " + operand_name(e) + ", " + operand_name(g), w, {mov_eg, modrm_for(g.reg, e)}));
        forms.push_back(integer_form("mov " + operand_name(mem) + ", " + operand_name(g), w, {mov_eg, modrm_for(g.reg, mem)}, 0, true));
        forms.push_back(integer_form("mov " + operand_name(g) + ", " + operand_name(e) + " (8A/8B)", w, {mov_ge, modrm_for(g.reg, e)}));
        forms.push_back(integer_form("mov " + operand_name(g) + ", " + operand_name(mem), w, {mov_ge, modrm_for(g.reg, mem)}, 0, true));
        forms.push_back(integer_form("mov " + operand_name(mem) + ", imm" + std::to_string(w), w, {mov_ei, modrm_for(0, mem)}, imm, true));
        for (unsigned r = 0; r < 8; ++r) {
            if (!b && r == 4) continue;
            forms.push_back(integer_form("mov " + reg_name(w, r) + ", imm" + std::to_string(w), w,
                                         {static_cast<std::uint8_t>((b ? 0xB0 : 0xB8) + r)}, imm));
        }
        if (!b) {
            for (unsigned r : {1u, 2u, 3u, 5u, 6u, 7u})  // 90+r: XCHG eAX, r (90 itself is NOP, 94 is ESP)
                forms.push_back(integer_form("xchg " + reg_name(w, 0) + ", " + reg_name(w, r), w,
                                             {static_cast<std::uint8_t>(0x90 + r)}));
            // MOVZX/MOVSX Gv, Eb and Gd, Ew (the 16-bit destination of Ew is a plain move).
            const Operand dest = Operand::r(2, w);
            for (bool sign : {false, true}) {
                const char* name = sign ? "movsx " : "movzx ";
                for (Operand s : {Operand::r(5, 8), Operand::m(8)})  // CH
                    forms.push_back(integer_form(name + operand_name(dest) + ", " + operand_name(s), w,
                                                 {0x0F, static_cast<std::uint8_t>(sign ? 0xBE : 0xB6), modrm_for(dest.reg, s)},
                                                 0, s.is_mem()));
                if (w == 32)
                    for (Operand s : {Operand::r(1, 16), Operand::m(16)})  // CX
                        forms.push_back(integer_form(name + operand_name(dest) + ", " + operand_name(s), w,
                                                     {0x0F, static_cast<std::uint8_t>(sign ? 0xBF : 0xB7), modrm_for(dest.reg, s)},
                                                     0, s.is_mem()));
            }
            forms.push_back(integer_form(w == 16 ? "cbw" : "cwde", w, {0x98}));
            forms.push_back(integer_form(w == 16 ? "cwd" : "cdq", w, {0x99}));
            // LEA Gv, [ECX + ESI*4 + disp32]: 32-bit address arithmetic, truncated to a 16-bit
            // destination. (On the host the sum is formed in 64 bits from zero-extended registers;
            // its low 32 bits are the 32-bit mode result.)
            forms.push_back(integer_form("lea " + reg_name(w, 2) + ", [ecx+esi*4+disp32]", w, {0x8D, 0x94, 0xB1}, 4));
            // SIB index 100b (none) with a non-zero scale: the 486 and later (and the host)
            // ignore the scale (SDM vol. 2 table 2-3). The 386 scales the base instead, a
            // QUIRK covered by tests/unit/test_model_differences.cpp, so it is not compared.
            forms.push_back(integer_form("lea " + reg_name(w, 2) + ", [ecx] (SIB 61h: no index, SS=01)", w,
                                         {0x8D, 0x14, 0x61}, 0, false, x86emu::CpuModel::i80486));
            forms.push_back(integer_form("lea " + reg_name(w, 2) + ", [esi+disp8] (SIB E6h: no index, SS=11)", w,
                                         {0x8D, 0x54, 0xE6}, 1, false, x86emu::CpuModel::i80486));
        }
    }
    // XLAT: AL = [EBX + AL]; AL below 96 keeps the byte inside State::mem.
    IntegerForm xlat = integer_form("xlat", 8, {0xD7}, 0, true);
    xlat.shape = [](Rng& rng, Case& c) { c.in.gpr[0] = (c.in.gpr[0] & ~0xFFu) | rng.below(kMemBytes - kMemBase); };
    forms.push_back(std::move(xlat));
    // CMPXCHG8B [ESI] (the Pentium's): EDX:EAX against the qword, ECX:EBX stored on equality;
    // only ZF is written. ESI is the base because EBX is an operand.
    IntegerForm cx8 = integer_form("cmpxchg8b qword [esi]", 32, {0x0F, 0xC7, modrm(0, 1, 6)}, 0, true, x86emu::CpuModel::p5);
    cx8.form.base = 6;
    cx8.shape = [](Rng& rng, Case& c) {
        if (!rng.chance(50)) return;
        Operand low = Operand::m(32);
        c.in.gpr[0] = read_operand(c.in, low);
        c.in.gpr[2] = static_cast<std::uint32_t>(c.in.mem[kMemBase + 4] | (c.in.mem[kMemBase + 5] << 8) |
                                                 (c.in.mem[kMemBase + 6] << 16) | (std::uint32_t{c.in.mem[kMemBase + 7]} << 24));
    };
    forms.push_back(std::move(cx8));
    forms.push_back(integer_form("clc", 32, {0xF8}));
    forms.push_back(integer_form("stc", 32, {0xF9}));
    forms.push_back(integer_form("cmc", 32, {0xF5}));
    if (host_has_lahf_sahf()) {
        forms.push_back(integer_form("lahf", 8, {0x9F}));
        forms.push_back(integer_form("sahf", 8, {0x9E}));
    }
    return std::make_unique<IntegerFamily>("move", std::move(forms));
}

}  // namespace differential
