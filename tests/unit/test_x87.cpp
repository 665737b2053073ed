// x86emu unit tests — the x87 instruction layer (core/exec/x87_*.hpp, decode/x87_table.inc): which
// models have an FPU, #NM/#MF/FERR#, the register stack and its faults, loads/stores of every
// format, the condition codes, the environment layouts of FSTENV/FSAVE (SDM vol. 1 figures
// 8-9 to 8-12), P6 FCOMI/FCMOVcc, fault atomicity of memory stores. The arithmetic itself is
// tested against the host x87 in test_float80.cpp and test_transcendental.cpp.
#include <cstring>
#include <vector>

#include "emu_test_support.hpp"
#include "protected_test_support.hpp"

using namespace x86emu;
using namespace x86emu_test;

namespace {

constexpr std::uint32_t kData = std::uint32_t{kDataSeg} << 4;  // DS:0000 in the real-mode fixture

struct FpuMachine : Machine {
    explicit FpuMachine(CpuModel model, CpuOptions options = {}) : Machine(model, options) {}
    // Runs `code` followed by HLT in real mode; returns the state at the halt.
    CpuState run(std::vector<std::uint8_t> code, std::uint32_t cr0 = 0x10) {
        code.push_back(0xF4);
        load(code);
        CpuState s = base_state();
        s.cr0 = cr0;
        cpu.set_state(s);
        cpu.run(100000);
        return cpu.state();
    }
    // The CPU went through IVT[vector] and halted in that handler's HLT.
    static bool faulted(const CpuState& s, unsigned vector) {
        return s.seg[CS].selector == kHandlerSeg && s.eip == handler_ip(vector) + 1u;
    }
    bool halted_after_code(const CpuState& s, std::size_t code_size) const {
        return s.seg[CS].selector == kCodeSeg && s.eip == kCodeIp + code_size + 1;
    }
    std::uint64_t q(std::uint32_t offset) const {
        std::uint64_t v;
        std::memcpy(&v, &bus.mem[kData + offset], 8);
        return v;
    }
    std::uint32_t d(std::uint32_t offset) const {
        std::uint32_t v;
        std::memcpy(&v, &bus.mem[kData + offset], 4);
        return v;
    }
    std::uint16_t w(std::uint32_t offset) const { return bus.word(kData + offset); }
    void put_q(std::uint32_t offset, std::uint64_t v) { std::memcpy(&bus.mem[kData + offset], &v, 8); }
    void put_d(std::uint32_t offset, std::uint32_t v) { std::memcpy(&bus.mem[kData + offset], &v, 4); }
    void put_w(std::uint32_t offset, std::uint16_t v) { bus.put_word(kData + offset, v); }
};

// A few encodings (16-bit addressing, [disp16] operands).
std::vector<std::uint8_t> mem(std::uint8_t escape, unsigned reg, std::uint16_t disp) {
    return {escape, static_cast<std::uint8_t>(0x06 | (reg << 3)), static_cast<std::uint8_t>(disp), static_cast<std::uint8_t>(disp >> 8)};
}
std::vector<std::uint8_t> cat(std::initializer_list<std::vector<std::uint8_t>> parts) {
    std::vector<std::uint8_t> out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}
const std::vector<std::uint8_t> kFninit{0xDB, 0xE3}, kFld1{0xD9, 0xE8}, kFldz{0xD9, 0xEE}, kFldpi{0xD9, 0xEB},
    kFaddp{0xDE, 0xC1}, kFnstswAx{0xDF, 0xE0}, kFwait{0x9B}, kFchs{0xD9, 0xE0}, kFxam{0xD9, 0xE5};
std::vector<std::uint8_t> fstp_m64(std::uint16_t at) { return mem(0xDD, 3, at); }
std::vector<std::uint8_t> fld_m64(std::uint16_t at) { return mem(0xDD, 0, at); }

constexpr std::uint64_t kDoubleOne = 0x3FF0000000000000ull, kDoubleTwo = 0x4000000000000000ull;
constexpr std::uint64_t kDoubleIndefinite = 0xFFF8000000000000ull;

}  // namespace

TEST_CASE("x87: which models have an FPU, and CpuOptions") {
    RamBus bus;
    CHECK_FALSE(Cpu(CpuModel::i8086, bus).has_fpu());
    CHECK_FALSE(Cpu(CpuModel::i80286, bus).has_fpu());
    CHECK_FALSE(Cpu(CpuModel::i80386, bus).has_fpu());
    CHECK(Cpu(CpuModel::i80486, bus).has_fpu());
    CHECK(Cpu(CpuModel::p5, bus).has_fpu());
    CHECK(Cpu(CpuModel::p6, bus).has_fpu());
    CHECK(Cpu(CpuModel::i80386, bus, with_fpu(true)).has_fpu());
    CHECK(Cpu(CpuModel::i80286, bus, with_fpu(true)).has_fpu());
    CHECK_FALSE(Cpu(CpuModel::i80486, bus, with_fpu(false)).has_fpu());
    CHECK_THROWS_AS(Cpu(CpuModel::i8086, bus, with_fpu(true)), std::invalid_argument);
    Cpu no_fpu(CpuModel::i80386, bus);
    CHECK_THROWS_AS((void)no_fpu.fpu_state(), std::logic_error);
}

TEST_CASE("x87: reset state (SDM vol. 3 table 9-1) and FNINIT") {
    FpuMachine m(CpuModel::p5);
    FpuState s = m.cpu.fpu_state();
    CHECK(s.control == 0x0040);
    CHECK(s.status == 0);
    CHECK(s.tag == 0x5555);
    m.run(kFninit);
    s = m.cpu.fpu_state();
    CHECK(s.control == 0x037F);
    CHECK(s.tag == 0xFFFF);
}

TEST_CASE("x87: CPUID reports the FPU on the P5 and P6") {
    for (CpuModel model : {CpuModel::p5, CpuModel::p6}) {
        FpuMachine m(model);
        CpuState s = m.run({0x66, 0xB8, 1, 0, 0, 0, 0x0F, 0xA2});  // mov eax, 1; cpuid
        CHECK((s.gpr[EDX] & 1) == 1);
    }
}

TEST_CASE("x87: FLD1 + FLD1, FADDP, FSTP m64 gives 2.0; FLD/FSTP round trips of every format") {
    FpuMachine m(CpuModel::i80486);
    auto code = cat({kFninit, kFld1, kFld1, kFaddp, fstp_m64(0x00)});
    CpuState s = m.run(code);
    REQUIRE(m.halted_after_code(s, code.size()));
    CHECK(m.q(0x00) == kDoubleTwo);
    CHECK(m.cpu.fpu_state().tag == 0xFFFF);  // the stack is empty again

    // m32fp, m64fp, m80fp, m16/m32/m64int and BCD: load then store the same format.
    m.put_d(0x10, 0xC0490FDB);                      // -3.14159274f
    m.put_q(0x18, 0x400921FB54442D18ull);           // pi as a double
    m.put_q(0x20, 0xC90FDAA22168C235ull);           // pi as an extended: significand
    m.put_w(0x28, 0x4000);                          //                    sign/exponent
    m.put_w(0x30, 0x8001);                          // -32767
    m.put_d(0x34, 0x80000001);                      // -2147483647
    m.put_q(0x38, 0x7FFFFFFFFFFFFFFFull);           // the largest m64int
    m.put_q(0x40, 0x1234567890123456ull);           // BCD 901234567890123456 ... low 8 bytes
    m.put_w(0x48, 0x8090);                          // digits 90, negative
    code = cat({kFninit, mem(0xD9, 0, 0x10), mem(0xD9, 3, 0x50), mem(0xDD, 0, 0x18), mem(0xDD, 3, 0x58),
                mem(0xDB, 5, 0x20), mem(0xDB, 7, 0x60), mem(0xDF, 0, 0x30), mem(0xDF, 3, 0x70),
                mem(0xDB, 0, 0x34), mem(0xDB, 3, 0x74), mem(0xDF, 5, 0x38), mem(0xDF, 7, 0x78),
                mem(0xDF, 4, 0x40), mem(0xDF, 6, 0x80)});
    s = m.run(code);
    REQUIRE(m.halted_after_code(s, code.size()));
    CHECK(m.d(0x50) == 0xC0490FDB);
    CHECK(m.q(0x58) == 0x400921FB54442D18ull);
    CHECK(m.q(0x60) == 0xC90FDAA22168C235ull);
    CHECK(m.w(0x68) == 0x4000);
    CHECK(m.w(0x70) == 0x8001);
    CHECK(m.d(0x74) == 0x80000001);
    CHECK(m.q(0x78) == 0x7FFFFFFFFFFFFFFFull);
    CHECK(m.q(0x80) == 0x1234567890123456ull);
    CHECK(m.w(0x88) == 0x8090);
    CHECK((m.cpu.fpu_state().status & 0x3F) == 0);  // all exact
}

TEST_CASE("x87: stack overflow and underflow, masked responses") {
    FpuMachine m(CpuModel::p6);
    // Nine pushes: the ninth overflows (IE, SF, C1 = 1) and pushes the real indefinite, which
    // FSTP m64 then stores as the double indefinite.
    std::vector<std::uint8_t> code = kFninit;
    for (int k = 0; k < 9; ++k) code.insert(code.end(), kFld1.begin(), kFld1.end());
    code = cat({code, kFnstswAx, fstp_m64(0x00)});
    CpuState s = m.run(code);
    REQUIRE(m.halted_after_code(s, code.size()));
    std::uint16_t sw = static_cast<std::uint16_t>(s.gpr[EAX]);
    CHECK((sw & 0x41) == 0x41);   // IE and SF
    CHECK((sw & 0x200) == 0x200); // C1 = 1: overflow
    CHECK(m.q(0x00) == kDoubleIndefinite);

    // Underflow: FADDP on an empty stack stores the indefinite, C1 = 0.
    code = cat({kFninit, kFaddp, kFnstswAx, mem(0xDD, 2, 0x08) /* fst m64 */});
    s = m.run(code);
    sw = static_cast<std::uint16_t>(s.gpr[EAX]);
    CHECK((sw & 0x41) == 0x41);
    CHECK((sw & 0x200) == 0);
    // FADDP popped: the indefinite went to ST(1), which is now ST(0)... the stack had nothing,
    // so ST(0) after the pop is the result register.
    CHECK(m.q(0x08) == kDoubleIndefinite);
}

TEST_CASE("x87: #NM for CR0.EM and CR0.TS; WAIT only for MP and TS together") {
    FpuMachine m(CpuModel::i80486);
    CpuState s = m.run(kFld1, 0x10 | 0x4);  // EM
    CHECK(FpuMachine::faulted(s, 7));
    s = m.run(kFld1, 0x10 | 0x8);  // TS
    CHECK(FpuMachine::faulted(s, 7));
    s = m.run(kFwait, 0x10 | 0x8);  // TS without MP: WAIT runs
    CHECK_FALSE(FpuMachine::faulted(s, 7));
    s = m.run(kFwait, 0x10 | 0x8 | 0x2);  // TS and MP
    CHECK(FpuMachine::faulted(s, 7));
    s = m.run(kFwait, 0x10 | 0x4);  // EM alone does not stop WAIT
    CHECK_FALSE(FpuMachine::faulted(s, 7));
}

TEST_CASE("x87: an unmasked exception is reported at the next waiting instruction: #MF with CR0.NE") {
    FpuMachine m(CpuModel::i80486);
    m.put_w(0x00, 0x037E);  // IE unmasked
    // fninit; fldcw; faddp (underflow: IE, unmasked -> nothing stored, ES set); fnstsw ax
    // (non-waiting, runs); fwait -> #MF.
    auto code = cat({kFninit, mem(0xD9, 5, 0x00), kFaddp, kFnstswAx, kFwait});
    CpuState s = m.run(code, 0x10 | 0x20);
    CHECK(FpuMachine::faulted(s, 16));
    std::uint16_t sw = static_cast<std::uint16_t>(s.gpr[EAX]);
    CHECK((sw & 0x80C1) == 0x80C1);  // B, ES, SF, IE
    CHECK(m.cpu.fpu_state().tag == 0xFFFF);  // unmasked: the stack is untouched
    // The #MF return address is the FWAIT itself (a fault).
    CHECK(m.bus.word(m.stack_phys(kStackTop - 6)) == kCodeIp + code.size() - 1);
}

TEST_CASE("x87: without CR0.NE, FERR# goes up and a waiting instruction freezes until IGNNE#") {
    FpuMachine m(CpuModel::i80486);
    std::vector<bool> ferr_changes;
    m.cpu.set_ferr_handler([&](bool on) { ferr_changes.push_back(on); });
    m.put_w(0x00, 0x037E);
    auto code = cat({kFninit, mem(0xD9, 5, 0x00), kFaddp, kFwait});
    CpuState s = m.run(code, 0x10);
    REQUIRE(ferr_changes.size() >= 1);
    CHECK(ferr_changes.back() == true);
    CHECK(m.cpu.halted());
    CHECK(s.eip == kCodeIp + code.size() - 1);  // frozen at the FWAIT
    // IGNNE# lets it proceed: the FWAIT completes and the HLT after it runs.
    m.cpu.set_ignne(true);
    CpuState later = m.cpu.state();
    later.halted = false;  // the frozen FWAIT retries (set_state carries the halt otherwise)
    m.cpu.set_state(later);
    m.cpu.run(1000);
    CHECK(m.cpu.state().eip == kCodeIp + code.size() + 1);
    // FNCLEX drops FERR#.
    m.cpu.set_ignne(false);
    m.run(cat({kFninit, mem(0xD9, 5, 0x00), kFaddp, {0xDB, 0xE2}}), 0x10);
    CHECK(ferr_changes.back() == false);
}

TEST_CASE("x87: FXAM classes, FCHS, condition codes of FCOM/FTST") {
    FpuMachine m(CpuModel::p5);
    auto fxam_codes = [&](std::vector<std::uint8_t> load) {
        CpuState s = m.run(cat({kFninit, load, kFxam, kFnstswAx}));
        return static_cast<std::uint16_t>(s.gpr[EAX] & 0x4700);  // C3 C2 C1 C0
    };
    CHECK(fxam_codes({}) == 0x4100);                     // empty: C3 C0
    CHECK(fxam_codes(kFldz) == 0x4000);                  // zero: C3
    CHECK(fxam_codes(cat({kFldz, kFchs})) == 0x4200);    // -0: C3, C1 = sign
    CHECK(fxam_codes(kFld1) == 0x0400);                  // normal: C2
    m.put_q(0x00, 0x7FF0000000000000ull);
    CHECK(fxam_codes(fld_m64(0)) == 0x0500);             // infinity: C2 C0
    m.put_q(0x00, 0x7FF8000000000000ull);
    CHECK(fxam_codes(fld_m64(0)) == 0x0100);             // NaN: C0
    m.put_q(0x00, 0x8000000000000000ull);
    m.put_w(0x08, 0x0000);
    CHECK(fxam_codes(mem(0xDB, 5, 0)) == 0x4400);        // pseudo-denormal counts as denormal: C3 C2
    m.put_q(0x00, 0x4000000000000000ull);
    m.put_w(0x08, 0x4000);
    CHECK(fxam_codes(mem(0xDB, 5, 0)) == 0x0000);        // unnormal: unsupported

    auto compare = [&](std::vector<std::uint8_t> a_then_b) {  // FCOMPP: ST(0) vs ST(1)
        CpuState s = m.run(cat({kFninit, a_then_b, {0xDE, 0xD9}, kFnstswAx}));
        return static_cast<std::uint16_t>(s.gpr[EAX] & 0x4500);
    };
    CHECK(compare(cat({kFldz, kFld1})) == 0x0000);          // 1 > 0
    CHECK(compare(cat({kFld1, kFldz})) == 0x0100);          // 0 < 1: C0
    CHECK(compare(cat({kFld1, kFld1})) == 0x4000);          // equal: C3
    m.put_q(0x00, 0x7FF8000000000000ull);
    CHECK(compare(cat({kFld1, fld_m64(0)})) == 0x4500);     // unordered
    CpuState s = m.run(cat({kFninit, kFld1, kFchs, {0xD9, 0xE4}, kFnstswAx}));  // FTST of -1
    CHECK((s.gpr[EAX] & 0x4500) == 0x0100);
}

TEST_CASE("x87: FNSTENV and FNSAVE layouts, FLDENV/FRSTOR round trip") {
    FpuMachine m(CpuModel::i80486);
    // Real mode, 16-bit operand size: 14 bytes; FIP as a 20-bit linear address with the opcode.
    auto code = cat({kFninit, kFld1, kFldpi, mem(0xD9, 6, 0x100)});
    CpuState s = m.run(code);
    REQUIRE(m.halted_after_code(s, code.size()));
    CHECK(m.w(0x100) == 0x037F);            // control
    CHECK((m.w(0x102) >> 11 & 7) == 6);     // TOP = 6 after two pushes
    CHECK(m.w(0x104) == 0x0FFF);            // R7, R6 valid (00), the rest empty
    const std::uint32_t fldpi_linear = kCodePhys + kFninit.size() + kFld1.size();
    CHECK(m.w(0x106) == static_cast<std::uint16_t>(fldpi_linear));
    CHECK(m.w(0x108) == (((fldpi_linear >> 16) & 0xF) << 12 | 0x1EB));  // opcode D9 EB -> 1EBh
    CHECK((m.cpu.fpu_state().control & 0x3F) == 0x3F);

    // 32-bit operand size (66h): 28 bytes, reserved upper halves FFFFh.
    code = cat({kFninit, kFld1, {0x66}, mem(0xD9, 6, 0x100)});
    s = m.run(code);
    CHECK(m.d(0x100) == 0xFFFF037F);
    CHECK(m.d(0x108) == 0xFFFF3FFF);
    const std::uint32_t fld1_linear = kCodePhys + kFninit.size();
    CHECK(m.d(0x10C) == (fld1_linear & 0xFFFF));
    CHECK(m.d(0x110) == ((fld1_linear >> 16) << 12 | 0x1E8));

    // FNSAVE, FNINIT effect, FRSTOR brings it all back.
    code = cat({kFninit, kFld1, kFldpi, mem(0xDD, 6, 0x200), kFnstswAx});
    s = m.run(code);
    CHECK(m.cpu.fpu_state().tag == 0xFFFF);     // FNSAVE re-initialised the FPU
    CHECK(m.q(0x200 + 14) == 0xC90FDAA22168C235ull);  // ST(0) = pi first
    CHECK(m.w(0x200 + 14 + 8) == 0x4000);
    CHECK(m.q(0x200 + 24) == 0x8000000000000000ull);  // ST(1) = 1
    s = m.run(cat({mem(0xDD, 4, 0x200), mem(0xDD, 3, 0x300), mem(0xDD, 3, 0x308)}));
    CHECK(m.q(0x300) == 0x400921FB54442D18ull);
    CHECK(m.q(0x308) == kDoubleOne);
}

TEST_CASE("x87: a faulting store changes nothing (FSTP m80 across the segment limit)") {
    FpuMachine m(CpuModel::i80486);
    auto code = cat({kFninit, kFld1, mem(0xDB, 7, 0xFFF8)});  // 10 bytes at FFF8: crosses FFFF
    CpuState s = m.run(code);
    CHECK(FpuMachine::faulted(s, 13));
    FpuState f = m.cpu.fpu_state();
    CHECK(f.tag == 0x3FFF);                // ST(0) still there
    CHECK(m.w(0xFFF8) == 0);               // nothing written
}

TEST_CASE("x87: P6 FCOMI/FUCOMIP set ZF PF CF; FCMOVcc; #UD before the P6") {
    FpuMachine m(CpuModel::p6);
    // ST(0) = 0, ST(1) = 1: FCOMI ST(0),ST(1) -> below (CF).
    CpuState s = m.run(cat({kFninit, kFld1, kFldz, {0xDB, 0xF1}, {0x9C, 0x58}}));  // pushf; pop ax
    CHECK((s.gpr[EAX] & 0x8C5) == 0x01);
    // FUCOMIP of equal values: ZF, and one pop.
    s = m.run(cat({kFninit, kFld1, kFld1, {0xDF, 0xE9}, {0x9C, 0x58}}));
    CHECK((s.gpr[EAX] & 0x8C5) == 0x40);
    CHECK(m.cpu.fpu_state().tag == 0x3FFF);  // one register left (R7)
    // FCMOVB ST(0),ST(1) after STC takes ST(1); FCMOVNB does not.
    s = m.run(cat({kFninit, kFld1, kFldz, {0xF9}, {0xDA, 0xC1}, fstp_m64(0)}));
    CHECK(m.q(0) == kDoubleOne);
    s = m.run(cat({kFninit, kFld1, kFldz, {0xF9}, {0xDB, 0xC1}, fstp_m64(8)}));
    CHECK(m.q(8) == 0);
    check_added_opcode({0xDB, 0xF1}, {CpuModel::i80486, CpuModel::p5}, CpuModel::p6);
    check_added_opcode({0xDA, 0xC1}, {CpuModel::i80486, CpuModel::p5}, CpuModel::p6);
}

TEST_CASE("x87: the 286 with a 287 lacks the 387's additions; unassigned escapes raise #UD") {
    FpuMachine m287(CpuModel::i80286, with_fpu(true));
    CpuState s = m287.run(cat({kFninit, kFld1, {0xD9, 0xFE}}));  // FSIN
    CHECK(FpuMachine::faulted(s, 6));
    FpuMachine m(CpuModel::i80386, with_fpu(true));
    s = m.run(cat({kFninit, kFld1, {0xD9, 0xFE}}));
    CHECK_FALSE(FpuMachine::faulted(s, 6));
    s = m.run({0xD9, 0xD1});  // D9 D1: unassigned
    CHECK(FpuMachine::faulted(s, 6));
    s = m.run({0xD9, 0x0E, 0, 0});  // D9 /1 memory: unassigned
    CHECK(FpuMachine::faulted(s, 6));
}

TEST_CASE("x87: FIP/FOP/FDP record the last non-control instruction; FXCH, FDECSTP, FFREE") {
    FpuMachine m(CpuModel::p5);
    m.put_q(0x40, kDoubleTwo);
    auto code = cat({kFninit, kFld1, fld_m64(0x40), {0xD9, 0xC9} /* fxch */, mem(0xD9, 7, 0x50) /* fnstcw */});
    CpuState s = m.run(code);
    REQUIRE(m.halted_after_code(s, code.size()));
    FpuState f = m.cpu.fpu_state();
    CHECK(f.last_opcode == 0x1C9);  // FXCH, not the FNSTCW after it
    CHECK(f.last_dp == 0x40);       // from the FLD m64 (FXCH has no memory operand)
    CHECK(f.last_ds == kDataSeg);
    CHECK(f.physical[(f.status >> 11 & 7)].sign_exponent == 0x3FFF);  // ST(0) = 1.0 after FXCH
    code = cat({kFninit, kFld1, {0xDD, 0xC0} /* ffree st0 */, {0xD9, 0xF7} /* fincstp */});
    m.run(code);
    f = m.cpu.fpu_state();
    CHECK(f.tag == 0xFFFF);
    CHECK((f.status >> 11 & 7) == 0);
}

TEST_CASE("x87: set_fpu_state/fpu_state round trip and a pending exception from a loaded state") {
    FpuMachine m(CpuModel::p6);
    FpuState f;
    f.control = 0x037E;
    f.status = 0x0001 | (5u << 11);  // IE flagged and unmasked: ES must be derived
    f.tag = 0xFFFF & ~(3u << 10);     // R5 valid
    f.physical[5] = {0x8000000000000000ull, 0x3FFF};
    m.cpu.set_fpu_state(f);
    FpuState back = m.cpu.fpu_state();
    CHECK(back.physical[5] == f.physical[5]);
    CHECK((back.status & 0x8080) == 0x8080);
    CHECK(back.tag == f.tag);
    CpuState s = m.run(kFwait, 0x10 | 0x20);
    CHECK(FpuMachine::faulted(s, 16));
}

// ---- found by the differential x87 families (tests/differential/family_x87.cpp) -------------
// Each case reproduces what the host FPU does where the emulator differed; docs/DIFFERENTIAL.md.

TEST_CASE("x87: a memory operand's DE follows the operation (stack fault, unmasked DE, denormal / 0)") {
    FpuMachine m(CpuModel::p6);
    m.put_d(0x40, 0x00000001);  // the smallest denormal single
    m.put_w(0x50, 0x037D);      // DE unmasked
    // ST(0) empty: the stack underflow is reported alone, the operand is never examined.
    CpuState s = m.run(cat({kFninit, mem(0xD8, 0, 0x40) /* fadd dword */, kFnstswAx}));
    CHECK((s.gpr[EAX] & 0x7F) == 0x41);  // SF IE, no DE
    // Unmasked DE stops the operation before it computes: no PE, ST(0) unchanged.
    s = m.run(cat({kFninit, kFld1, mem(0xD9, 5, 0x50) /* fldcw */, mem(0xD8, 0, 0x40), kFnstswAx}));
    CHECK((s.gpr[EAX] & 0xBF) == 0x82);  // ES DE, no PE
    FpuState f = m.cpu.fpu_state();
    CHECK(f.physical[7].sign_exponent == 0x3FFF);
    CHECK(f.physical[7].significand == 0x8000000000000000ull);
    // A denormal divided by zero raises ZE only.
    s = m.run(cat({kFninit, kFldz, mem(0xD8, 7, 0x40) /* fdivr dword */, kFnstswAx}));
    CHECK((s.gpr[EAX] & 0x3F) == 0x04);
    // FLD of a denormal single onto a full stack: the overflow alone.
    // (FLD1 fills physical 7; FINCSTP makes it the push target.)
    s = m.run(cat({kFninit, kFld1, {0xD9, 0xF7} /* fincstp */, mem(0xD9, 0, 0x40) /* fld dword */, kFnstswAx}));
    CHECK((s.gpr[EAX] & 0x7F) == 0x41);
}

TEST_CASE("x87: comparisons after an unmasked stack underflow still say unordered") {
    FpuMachine m(CpuModel::p6);
    m.put_w(0x50, 0x037E);  // IE unmasked
    CpuState s = m.run(cat({kFninit, mem(0xD9, 5, 0x50), {0xD8, 0xD1} /* fcom st1 */, kFnstswAx}));
    const std::uint16_t sw = static_cast<std::uint16_t>(s.gpr[EAX]);
    CHECK((sw & 0x4700) == 0x4500);  // C3 C2 C0 = 111, C1 = 0
    CHECK((sw & 0xC1) == 0xC1);      // ES SF IE
}

TEST_CASE("x87: underflow and overflow at once report the underflow (C1 = 0)") {
    FpuMachine m(CpuModel::p6);
    // TOP = 0 with ST(1) empty and ST(7) (the push target) full.
    const auto setup = cat({kFninit, kFld1, {0xD9, 0xF7} /* fincstp */});
    CpuState s = m.run(cat({setup, {0xD9, 0xC1} /* fld st1 */, kFnstswAx}));
    CHECK((s.gpr[EAX] & 0x0241) == 0x0041);
    s = m.run(cat({setup, {0xD9, 0xF4} /* fxtract */, kFnstswAx}));
    CHECK((s.gpr[EAX] & 0x0241) == 0x0041);
}

TEST_CASE("x87: FPREM without a quotient keeps C0 C3; FCMOVcc keeps C1; FSIN clears C2 after a stack fault") {
    FpuMachine m(CpuModel::p6);
    // FLDZ; FTST sets C3 (equal); FFREE empties ST(0); FPREM underflows: C3 stays, C1 = C2 = 0.
    CpuState s = m.run(cat({kFninit, kFldz, {0xD9, 0xE4} /* ftst */, {0xDD, 0xC0}, {0xD9, 0xF8} /* fprem */, kFnstswAx}));
    CHECK((s.gpr[EAX] & 0x4741) == 0x4041);
    // FXAM of -1 sets C1 (the sign); FCMOVB without a fault leaves it.
    s = m.run(cat({kFninit, kFld1, kFld1, kFchs, kFxam, {0xDA, 0xC1} /* fcmovb st0, st1 */, kFnstswAx}));
    CHECK((s.gpr[EAX] & 0x0200) == 0x0200);
    // FXAM of 1.0 sets C2; FSIN of an empty ST(0) with IE unmasked clears it.
    m.put_w(0x50, 0x037E);
    s = m.run(cat({kFninit, kFld1, kFxam, {0xDD, 0xC0}, mem(0xD9, 5, 0x50), {0xD9, 0xFE} /* fsin */, kFnstswAx}));
    CHECK((s.gpr[EAX] & 0x04C1) == 0x00C1);
}
