// x86emu unit tests — behaviour that differs between the 8086, the 80286 and the 80386 in real
// mode, each checked on all three models by executing the instruction through Cpu::step().
// Sources: Intel 8086 Family User's Manual; iAPX 286 Programmer's Reference Manual (appendix on
// 8086 compatibility: PUSH SP, FLAGS bits 12-15, shift count masking, divide-error return
// address, IDIV -128 quotient, segment wrap at offset FFFFh, new opcodes 60-6F and 0F);
// Intel SDM vol. 3 §22 (IA-32 architecture compatibility) and vol. 2 (instruction references).
// POPAD on a 16-bit stack and a SIB byte with no index and a non-zero scale: SDM vol. 2 POPA/POPAD
// and table 2-3 for the 486 and later, test386's README for the 80386.
#include <doctest/doctest.h>

#include "emu_test_support.hpp"

using namespace x86emu;
using x86emu_test::Machine;
using x86emu_test::kCodeIp;
using x86emu_test::kCodeSeg;
using x86emu_test::kStackTop;

namespace {
constexpr CpuModel kModels[] = {CpuModel::i8086, CpuModel::i80286, CpuModel::i80386, CpuModel::i80486, CpuModel::p5, CpuModel::p6};
std::uint32_t data_phys(std::uint16_t off) { return (std::uint32_t{x86emu_test::kDataSeg} << 4) + off; }

// Checks that the CPU took `vector` through the IVT with `return_ip` (and CS, FLAGS) pushed.
// The arithmetic flags in the pushed image are only compared for faults that leave them alone
// (#GP, #UD); after a divide error they are undefined (SDM DIV/IDIV), so only TF IF DF are.
void check_exception(Machine& m, const CpuState& after, unsigned vector, std::uint16_t return_ip,
                     std::uint16_t flags_before) {
    const std::uint16_t compared = vector == 0 ? 0x0700 : 0x0FD5;
    CHECK(Machine::at_vector(after, vector));
    CHECK(after.gpr[ESP] == kStackTop - 6);
    CHECK(m.bus.word(m.stack_phys(kStackTop - 6)) == return_ip);
    CHECK(m.bus.word(m.stack_phys(kStackTop - 4)) == kCodeSeg);
    CHECK((m.bus.word(m.stack_phys(kStackTop - 2)) & compared) == (flags_before & compared));
}
}  // namespace

TEST_CASE("PUSH SP: the 8086 pushes the decremented SP, the 80286/80386 the original value") {
    for (CpuModel model : kModels) {
        CAPTURE(cpu_model_name(model));
        Machine m(model);
        for (std::uint8_t opcode_modrm : {0, 1}) {
            CAPTURE(opcode_modrm);
            // 54 = PUSH SP; FF F4 = PUSH SP through FF /6.
            std::vector<std::uint8_t> code = opcode_modrm ? std::vector<std::uint8_t>{0xFF, 0xF4}
                                                          : std::vector<std::uint8_t>{0x54};
            CpuState after = m.run_one(code, Machine::base_state());
            CHECK(after.gpr[ESP] == kStackTop - 2);
            std::uint16_t pushed = m.bus.word(m.stack_phys(kStackTop - 2));
            CHECK(pushed == (model == CpuModel::i8086 ? kStackTop - 2 : kStackTop));
        }
    }
}

TEST_CASE("FLAGS bits 12-15 as PUSHF sees them after POPF") {
    for (CpuModel model : kModels) {
        CAPTURE(cpu_model_name(model));
        Machine m(model);
        // Code: POPF ; PUSHF
        for (std::uint16_t popped : {std::uint16_t{0x0000}, std::uint16_t{0x7000}, std::uint16_t{0xF000},
                                     std::uint16_t{0x3000}, std::uint16_t{0x4000}}) {
            CAPTURE(popped);
            CpuState s = Machine::base_state();
            m.bus.put_word(m.stack_phys(kStackTop), popped);
            s.gpr[ESP] = kStackTop;
            m.load({0x9D, 0x9C});
            m.cpu.set_state(s);
            m.cpu.step();
            m.cpu.step();
            CpuState after = m.cpu.state();
            CHECK(after.eip == kCodeIp + 2);
            CHECK(after.gpr[ESP] == kStackTop);
            std::uint16_t pushed = m.bus.word(m.stack_phys(kStackTop));
            std::uint16_t high = pushed & 0xF000;
            switch (model) {
            case CpuModel::i8086: CHECK(high == 0xF000); break;        // always ones
            case CpuModel::i80286: CHECK(high == 0x0000); break;       // real mode: always zero
            case CpuModel::i80386:
            case CpuModel::i80486:
            case CpuModel::p5:
            case CpuModel::p6: CHECK(high == (popped & 0x7000)); break;  // IOPL, NT writable; bit 15 zero
            }
            CHECK((pushed & 0x0002) == 0x0002);
        }
    }
}

TEST_CASE("SHL AL,CL with CL=33: the 8086 shifts 33 times, the 80286/80386 mask the count to 1") {
    for (CpuModel model : kModels) {
        CAPTURE(cpu_model_name(model));
        Machine m(model);
        CpuState s = Machine::base_state();
        s.gpr[EAX] = 0x01;
        s.gpr[ECX] = 33;
        CpuState after = m.run_one({0xD2, 0xE0}, s);  // SHL AL,CL
        CHECK(after.eip == kCodeIp + 2);
        CHECK((after.gpr[EAX] & 0xFF) == (model == CpuModel::i8086 ? 0x00 : 0x02));
    }
}

TEST_CASE("0F: POP CS on the 8086, the two-byte opcode escape on the 80286/80386") {
    for (CpuModel model : kModels) {
        CAPTURE(cpu_model_name(model));
        Machine m(model);
        CpuState s = Machine::base_state();
        m.bus.put_word(m.stack_phys(kStackTop), 0x1234);
        CpuState after = m.run_one({0x0F, 0x06}, s);  // 8086: POP CS, (PUSH ES). 286+: CLTS
        if (model == CpuModel::i8086) {
            CHECK(after.seg[CS].selector == 0x1234);
            CHECK(after.seg[CS].base == 0x12340);
            CHECK(after.eip == kCodeIp + 1);
            CHECK(after.gpr[ESP] == kStackTop + 2);
        } else {
            CHECK(after.seg[CS].selector == kCodeSeg);
            CHECK(after.eip == kCodeIp + 2);
            CHECK(after.gpr[ESP] == kStackTop);
        }
    }
}

TEST_CASE("60-6F alias the conditional jumps 70-7F on the 8086 only") {
    auto condition = [](unsigned cc, std::uint32_t f) {
        bool cf = f & eflags::CF, zf = f & eflags::ZF, sf = f & eflags::SF, of = f & eflags::OF,
             pf = f & eflags::PF;
        bool r = false;
        switch (cc >> 1) {
        case 0: r = of; break;
        case 1: r = cf; break;
        case 2: r = zf; break;
        case 3: r = cf || zf; break;
        case 4: r = sf; break;
        case 5: r = pf; break;
        case 6: r = sf != of; break;
        case 7: r = zf || (sf != of); break;
        }
        return (cc & 1) ? !r : r;
    };
    Machine m(CpuModel::i8086);
    const std::uint32_t flag_sets[] = {0, eflags::CF, eflags::ZF, eflags::SF, eflags::OF, eflags::PF,
                                       eflags::SF | eflags::OF, eflags::CF | eflags::ZF | eflags::SF};
    for (unsigned cc = 0; cc < 16; ++cc) {
        for (std::uint32_t f : flag_sets) {
            CAPTURE(cc);
            CAPTURE(f);
            CpuState s = Machine::base_state();
            s.eflags = 0x2 | f;
            CpuState after = m.run_one({static_cast<std::uint8_t>(0x60 + cc), 0x10}, s);
            CHECK(after.eip == (condition(cc, f) ? kCodeIp + 2 + 0x10 : kCodeIp + 2));
            CHECK(after.gpr[ESP] == kStackTop);
        }
    }
    // On the 80286/80386, 60 is PUSHA (eight words pushed) rather than JO.
    for (CpuModel model : {CpuModel::i80286, CpuModel::i80386}) {
        CAPTURE(cpu_model_name(model));
        Machine m2(model);
        CpuState s = Machine::base_state();
        s.gpr[EAX] = 0xA1A1;
        s.eflags = 0x2 | eflags::OF;
        CpuState after = m2.run_one({0x60, 0x10}, s);
        CHECK(after.eip == kCodeIp + 1);
        CHECK(after.gpr[ESP] == kStackTop - 16);
        CHECK(m2.bus.word(m2.stack_phys(kStackTop - 2)) == 0xA1A1);
    }
}

TEST_CASE("divide error: the 8086 saves the address after DIV, the 80286/80386 the DIV itself") {
    for (CpuModel model : kModels) {
        CAPTURE(cpu_model_name(model));
        Machine m(model);
        CpuState s = Machine::base_state();
        s.gpr[EAX] = 0x1234;
        s.gpr[EBX] = 0;  // DIV BL with BL = 0
        CpuState after = m.run_one({0xF6, 0xF3}, s);
        check_exception(m, after, 0, model == CpuModel::i8086 ? kCodeIp + 2 : kCodeIp, 0x0002);
        CHECK((after.gpr[EAX] & 0xFFFF) == 0x1234);
    }
}

TEST_CASE("IDIV with a quotient of -128: #DE on the 8086, a result on the 80286/80386") {
    for (CpuModel model : kModels) {
        CAPTURE(cpu_model_name(model));
        Machine m(model);
        CpuState s = Machine::base_state();
        s.gpr[EAX] = 0xFF80;  // AX = -128
        s.gpr[EBX] = 0x01;    // IDIV BL, BL = 1
        CpuState after = m.run_one({0xF6, 0xFB}, s);
        if (model == CpuModel::i8086) {
            CHECK(Machine::at_vector(after, 0));
        } else {
            CHECK(after.eip == kCodeIp + 2);
            CHECK(after.seg[CS].selector == kCodeSeg);
            CHECK((after.gpr[EAX] & 0xFFFF) == 0x0080);  // AL = 80h (-128), AH = remainder 0
        }
        // Word form: DX:AX = -32768, IDIV BX with BX = 1.
        s.gpr[EAX] = 0x8000;
        s.gpr[EDX] = 0xFFFF;
        s.gpr[EBX] = 0x0001;
        after = m.run_one({0xF7, 0xFB}, s);
        if (model == CpuModel::i8086) {
            CHECK(Machine::at_vector(after, 0));
        } else {
            CHECK(after.eip == kCodeIp + 2);
            CHECK((after.gpr[EAX] & 0xFFFF) == 0x8000);
            CHECK((after.gpr[EDX] & 0xFFFF) == 0x0000);
        }
    }
}

TEST_CASE("word access at offset FFFFh: wraps to offset 0 on the 8086, #GP on the 80286/80386") {
    for (CpuModel model : kModels) {
        CAPTURE(cpu_model_name(model));
        Machine m(model);
        m.bus.mem[data_phys(0xFFFF)] = 0x34;
        m.bus.mem[data_phys(0x0000)] = 0x12;
        m.bus.mem[data_phys(0xFFFF) + 1] = 0x56;  // what a non-wrapping access would read
        CpuState s = Machine::base_state();
        s.gpr[EAX] = 0xBEEF;
        CpuState after = m.run_one({0xA1, 0xFF, 0xFF}, s);  // MOV AX,[FFFF]
        if (model == CpuModel::i8086) {
            CHECK(after.eip == kCodeIp + 3);
            CHECK((after.gpr[EAX] & 0xFFFF) == 0x1234);
        } else {
            check_exception(m, after, 13, kCodeIp, 0x0002);
            CHECK((after.gpr[EAX] & 0xFFFF) == 0xBEEF);
        }
        // A word store at FFFFh: 8086 writes the high byte to offset 0.
        s.gpr[EAX] = 0xA55A;
        s.gpr[EBX] = 0xFFFF;
        after = m.run_one({0x89, 0x07}, s);  // MOV [BX],AX
        if (model == CpuModel::i8086) {
            CHECK(after.eip == kCodeIp + 2);
            CHECK(m.bus.mem[data_phys(0xFFFF)] == 0x5A);
            CHECK(m.bus.mem[data_phys(0x0000)] == 0xA5);
        } else {
            check_exception(m, after, 13, kCodeIp, 0x0002);
            CHECK(m.bus.mem[data_phys(0xFFFF)] == 0x34);  // nothing written
            CHECK(m.bus.mem[data_phys(0xFFFF) + 1] == 0x56);
        }
    }
}

TEST_CASE("0F A3 (BT): #UD through IVT vector 6 on the 80286, BT on the 80386") {
    {
        Machine m(CpuModel::i80286);
        CpuState s = Machine::base_state();
        s.gpr[EAX] = 0x0001;
        s.eflags = 0x0002;
        CpuState after = m.run_one({0x0F, 0xA3, 0xC0}, s);  // BT AX,AX
        check_exception(m, after, 6, kCodeIp, 0x0002);
    }
    {
        Machine m(CpuModel::i80386);
        CpuState s = Machine::base_state();
        s.gpr[EAX] = 0x0001;
        s.gpr[ECX] = 0x0000;
        CpuState after = m.run_one({0x0F, 0xA3, 0xC8}, s);  // BT AX,CX: bit 0 of AX = 1
        CHECK(after.eip == kCodeIp + 3);
        CHECK((after.eflags & eflags::CF) != 0);
    }
}

TEST_CASE("82h is an alias of 80h (group 1, Eb,Ib) on every model") {
    for (CpuModel model : kModels) {
        CAPTURE(cpu_model_name(model));
        Machine m(model);
        const std::uint8_t ops[8] = {0x00, 0x08, 0x10, 0x18, 0x20, 0x28, 0x30, 0x38};
        for (unsigned ext = 0; ext < 8; ++ext) {
            CAPTURE(ext);
            CpuState s = Machine::base_state();
            s.gpr[EAX] = 0x1293;
            s.eflags = 0x2 | eflags::CF;
            CpuState via80 = m.run_one({0x80, static_cast<std::uint8_t>(0xC0 | (ext << 3)), 0x35}, s);
            CpuState via82 = m.run_one({0x82, static_cast<std::uint8_t>(0xC0 | (ext << 3)), 0x35}, s);
            CHECK(via82.eip == kCodeIp + 3);
            CHECK(via82.gpr[EAX] == via80.gpr[EAX]);
            CHECK(via82.eflags == via80.eflags);
            (void)ops;
        }
        CpuState s = Machine::base_state();
        s.gpr[EAX] = 0x0003;
        CpuState after = m.run_one({0x82, 0xC0, 0x05}, s);  // ADD AL,5
        CHECK((after.gpr[EAX] & 0xFFFF) == 0x0008);
        after = m.run_one({0x82, 0xE8, 0x05}, s);  // SUB AL,5
        CHECK((after.gpr[EAX] & 0xFFFF) == 0x00FE);
        CHECK((after.eflags & eflags::CF) != 0);
    }
}

TEST_CASE("8086-only aliases: C0/C1 = RET imm16/RET, C8/C9 = RETF imm16/RETF; 286+: shifts, ENTER/LEAVE") {
    for (CpuModel model : kModels) {
        CAPTURE(cpu_model_name(model));
        Machine m(model);
        CpuState s = Machine::base_state();
        m.bus.put_word(m.stack_phys(kStackTop), 0x0500);      // return IP
        m.bus.put_word(m.stack_phys(kStackTop + 2), 0x0900);  // return CS (far)
        s.gpr[EAX] = 0x0001;
        CpuState after = m.run_one({0xC1, 0xE0, 0x03}, s);  // 286+: SHL AX,3
        if (model == CpuModel::i8086) {
            CHECK(after.eip == 0x0500);
            CHECK(after.gpr[ESP] == kStackTop + 2);
        } else {
            CHECK(after.eip == kCodeIp + 3);
            CHECK((after.gpr[EAX] & 0xFFFF) == 0x0008);
        }
        after = m.run_one({0xC9}, s);  // 8086: RETF; 286+: LEAVE
        if (model == CpuModel::i8086) {
            CHECK(after.seg[CS].selector == 0x0900);
            CHECK(after.eip == 0x0500);
            CHECK(after.gpr[ESP] == kStackTop + 4);
        } else {
            CHECK(after.eip == kCodeIp + 1);
            CHECK(after.seg[CS].selector == kCodeSeg);
        }
    }
}

TEST_CASE("64-67 are not prefixes on the 80286: #UD (vector 6)") {
    for (std::uint8_t op : {0x64, 0x65, 0x66, 0x67}) {
        CAPTURE(op);
        Machine m(CpuModel::i80286);
        CpuState after = m.run_one({op, 0x90}, Machine::base_state());
        check_exception(m, after, 6, kCodeIp, 0x0002);
    }
}

TEST_CASE("IDIV r/m8 divides the signed dividend AX (negative AX, all models)") {
    // SDM vol. 2 IDIV: "Signed divide AX by r/m8, with result stored in AL = Quotient,
    // AH = Remainder"; the quotient truncates toward zero, the remainder has the dividend's sign.
    for (CpuModel model : kModels) {
        CAPTURE(cpu_model_name(model));
        Machine m(model);
        CpuState s = Machine::base_state();
        s.gpr[EAX] = 0xFFF9;  // AX = -7
        s.gpr[EBX] = 0x02;    // BL = 2
        CpuState after = m.run_one({0xF6, 0xFB}, s);  // IDIV BL
        CHECK(after.eip == kCodeIp + 2);
        CHECK(after.seg[CS].selector == kCodeSeg);
        CHECK((after.gpr[EAX] & 0xFFFF) == 0xFFFD);  // AH = -1, AL = -3
    }
}

// The 386's undefined flags where test386's checks (validated on a 386SX) pin them down.
TEST_CASE("80386 undefined flags: shifts by the operand width or more, AF, BT's OF") {
    auto run386 = [](std::vector<std::uint8_t> code, std::uint32_t eax, std::uint32_t ecx) {
        Machine m(CpuModel::i80386);
        CpuState s = Machine::base_state();
        s.gpr[EAX] = eax;
        s.gpr[ECX] = ecx;
        return m.run_one(code, s).eflags & 0x8D5u;  // OF SF ZF AF PF CF
    };
    constexpr std::uint32_t CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, OF = 0x800;
    CHECK(run386({0xD2, 0xE8}, 0x80, 16) == (CF | PF | AF | ZF));       // SHR AL,CL: CF = MSB
    CHECK(run386({0xD2, 0xE8}, 0x82, 2) == (CF | AF));                  // AF = 1, OF from result
    CHECK(run386({0xD2, 0xE0}, 0x01, 8) == (CF | PF | AF | ZF | OF));  // SHL AL,CL: CF = LSB
    CHECK(run386({0xD2, 0xE0}, 0x81, 1) == (CF | AF | OF));             // SHL by 1 sets AF too
    CHECK(run386({0xD3, 0xE8}, 0x8000, 16) == (CF | PF | AF | ZF));     // SHR AX,CL
    // The same counts as immediates (C0/C1 have their own handlers), and 32-bit operands, whose
    // immediate count never reaches the width.
    constexpr std::uint32_t SF = 0x80;
    CHECK(run386({0xC0, 0xE8, 16}, 0x80, 0) == (CF | PF | AF | ZF));          // SHR AL,16
    CHECK(run386({0xC1, 0xE8, 16}, 0x8000, 0) == (CF | PF | AF | ZF));        // SHR AX,16
    CHECK(run386({0xC0, 0xE0, 8}, 0x01, 0) == (CF | PF | AF | ZF | OF));      // SHL AL,8
    CHECK(run386({0xC1, 0xE8, 1}, 0x8001, 0) == (CF | PF | AF | OF));            // SHR AX,1: OF = old MSB
    CHECK(run386({0x66, 0xC1, 0xE8, 31}, 0x40000000, 0) == (CF | PF | AF | ZF));  // SHR EAX,31
    CHECK(run386({0x66, 0xC1, 0xF8, 31}, 0x80000000, 0) == (SF | PF | AF));   // SAR EAX,31: CF = bit 30
    CHECK(run386({0x66, 0xC1, 0xF8, 30}, 0x60000000, 0) == (CF | AF));        // SAR EAX,30: CF = bit 29
    CHECK(run386({0x0F, 0xBA, 0xE0, 0x01}, 0x0001, 0) == OF);            // BT AX,1
    CHECK(run386({0x0F, 0xBA, 0xE0, 0x03}, 0x0001, 0) == 0);             // BT AX,3
    CHECK(run386({0x0F, 0xBA, 0xE0, 0x00}, 0x0001, 0) == CF);            // BT AX,0
}

// SDM vol. 2 POPA/POPAD: the ESP image is discarded. The 386 takes ESP[31:16] from it when the
// stack is 16-bit (test386's TEST_UNDEF check at POST 09h; its README describes the i386 so).
TEST_CASE("POPAD on a 16-bit stack: the 80386 loads ESP[31:16] from the popped image, later models discard it") {
    for (CpuModel model : {CpuModel::i80386, CpuModel::i80486, CpuModel::p5, CpuModel::p6}) {
        CAPTURE(cpu_model_name(model));
        Machine m(model);
        CpuState s = Machine::base_state();
        const std::uint32_t sp = kStackTop - 32;
        s.gpr[ESP] = 0x00050000u | sp;  // real mode: SS.B = 0, the upper half is not a pointer
        const std::uint32_t image[8] = {0x70707070, 0x60606060, 0x50505050, 0xABCD1234,
                                        0x30303030, 0x20202020, 0x10101010, 0x00C0FFEE};
        for (unsigned k = 0; k < 8; ++k) {
            m.bus.put_word(m.stack_phys(sp + 4 * k), static_cast<std::uint16_t>(image[k]));
            m.bus.put_word(m.stack_phys(sp + 4 * k + 2), static_cast<std::uint16_t>(image[k] >> 16));
        }
        CpuState after = m.run_one({0x66, 0x61}, s);  // POPAD
        CHECK(after.gpr[EDI] == 0x70707070);
        CHECK(after.gpr[EBP] == 0x50505050);
        CHECK(after.gpr[EAX] == 0x00C0FFEE);
        CHECK(after.gpr[ESP] == ((model == CpuModel::i80386 ? 0xABCD0000u : 0x00050000u) | kStackTop));
        // The 16-bit POPA never touches ESP[31:16] (its SP image is discarded on every model).
        after = m.run_one({0x61}, s);
        CHECK(after.gpr[ESP] == (0x00050000u | (sp + 16)));
    }
}

// SDM vol. 2 table 2-3: SIB index 100b is "none" under every scale. The 386 applies the scale to
// the base register then (test386's TEST_UNDEF LEA rows 60-67, A0-A7, E0-E7 at POST 0Eh).
TEST_CASE("SIB with no index and a non-zero scale: the 80386 scales the base, later models ignore the scale") {
    for (CpuModel model : {CpuModel::i80386, CpuModel::i80486, CpuModel::p5, CpuModel::p6}) {
        CAPTURE(cpu_model_name(model));
        const bool is386 = model == CpuModel::i80386;
        Machine m(model);
        CpuState s = Machine::base_state();
        s.gpr[EAX] = 0x11;
        s.gpr[ECX] = 0x300;
        CpuState after = m.run_one({0x66, 0x67, 0x8D, 0x04, 0x60}, s);  // LEA EAX,[EAX, SS=01]
        CHECK(after.gpr[EAX] == (is386 ? 0x22u : 0x11u));
        after = m.run_one({0x66, 0x67, 0x8D, 0x04, 0xE1}, s);  // LEA EAX,[ECX, SS=11]
        CHECK(after.gpr[EAX] == (is386 ? 0x1800u : 0x300u));
        // Base 101b with mod 00: disp32 and no base, so there is nothing to scale on any model.
        after = m.run_one({0x66, 0x67, 0x8D, 0x04, 0xA5, 0x00, 0x10, 0x00, 0x00}, s);
        CHECK(after.gpr[EAX] == 0x1000u);
        // A memory operand uses the same address; EBP as the base keeps SS as the segment.
        s.gpr[EBP] = 0x10;
        m.bus.mem[m.stack_phys(0x10 * 4 + 4)] = 0x5A;  // SS:(EBP*4 + 4)
        m.bus.mem[m.stack_phys(0x10 + 4)] = 0xA5;      // SS:(EBP + 4)
        after = m.run_one({0x67, 0x8A, 0x44, 0xA5, 0x04}, s);  // MOV AL,[EBP+4, SS=10]
        CHECK((after.gpr[EAX] & 0xFF) == (is386 ? 0x5Au : 0xA5u));
    }
}

namespace {
// One IDIV on the 80286: returns the state after it and the arithmetic flags it left (those
// pushed by #DE when it faulted).
struct Idiv286 { CpuState after; bool fault; std::uint16_t flags; };
Idiv286 idiv_286(const std::vector<std::uint8_t>& code, std::uint16_t ax, std::uint16_t dx, std::uint16_t bx) {
    Machine m(CpuModel::i80286);
    CpuState s = Machine::base_state();
    s.gpr[EAX] = ax;
    s.gpr[EDX] = dx;
    s.gpr[EBX] = bx;
    s.eflags = 0x0002 | 0x08D5;  // every arithmetic flag set beforehand
    Idiv286 r{m.run_one(code, s), false, 0};
    r.fault = Machine::at_vector(r.after, 0);
    r.flags = static_cast<std::uint16_t>((r.fault ? m.bus.word(m.stack_phys(kStackTop - 2)) : r.after.eflags) & 0x08D5);
    return r;
}
}  // namespace

// The 80286 IDIV rule (muldiv.hpp): a w-bit restoring loop on magnitudes that drops the bit
// shifted out (except in the last step with a non-negative divisor), #DE only when the loop's
// quotient leaves the signed range. Cases from the SingleStepTests 80286 captures and from
// SingleStepTests/80386 issue 3 (whose author found the same results in the 80286 suite).
TEST_CASE("80286 IDIV: the divide loop's own quotient decides #DE; flags from its remainder") {
    // AX = 9C71h (-25487) / 47h: the exact quotient -359 overflows, but the loop drops bit 14 of
    // the magnitude and ends with quotient 80h, remainder 0Fh: AL = 80h, AH = F1h, no #DE.
    Idiv286 r = idiv_286({0xF6, 0xFB}, 0x9C71, 0, 0x47);
    CHECK_FALSE(r.fault);
    CHECK((r.after.gpr[EAX] & 0xFFFF) == 0xF180);
    // AX = 6180h / BDh (-67): quotient -128 the same way, remainder 0.
    r = idiv_286({0xF6, 0xFB}, 0x6180, 0, 0xBD);
    CHECK_FALSE(r.fault);
    CHECK((r.after.gpr[EAX] & 0xFFFF) == 0x0080);
    // The captured case that the previous model (w-bit compare in every step) got wrong:
    // AX = AC52h / 29h. The last step's shifted value is exactly 100h; with a positive divisor
    // that step compares 9 bits, so it subtracts: remainder D7h, flags 0010h pushed by #DE.
    r = idiv_286({0xF6, 0xFB}, 0xAC52, 0, 0x29);
    CHECK(r.fault);
    CHECK((r.after.gpr[EAX] & 0xFFFF) == 0xAC52);  // AX left as it was
    CHECK(r.flags == 0x0010);
    // Captured r/m16 case with a negative divisor (CFE9h): the last step's bit 16 of the shifted
    // value (10997h) is dropped, no subtraction: remainder 0997h, flags 0094h pushed by #DE.
    r = idiv_286({0xF7, 0xFB}, 0x5697, 0xCFA0, 0xCFE9);
    CHECK(r.fault);
    CHECK(r.flags == 0x0094);
    CHECK((r.after.gpr[EAX] & 0xFFFF) == 0x5697);
    CHECK((r.after.gpr[EDX] & 0xFFFF) == 0xCFA0);
    // The r/m16 counterpart of the bit-14 case (bit 30 dropped): DX:AX = 95DD:6DEE / 5445h
    // gives AX = 8000h, DX = EDEEh instead of #DE.
    r = idiv_286({0xF7, 0xFB}, 0x6DEE, 0x95DD, 0x5445);
    CHECK_FALSE(r.fault);
    CHECK((r.after.gpr[EAX] & 0xFFFF) == 0x8000);
    CHECK((r.after.gpr[EDX] & 0xFFFF) == 0xEDEE);
    // Signed-range boundaries: -128 is a result, +128 a #DE; with a correct remainder CF = OF =
    // (divisor >= 0), SF/ZF/PF from the remainder, AF set.
    r = idiv_286({0xF6, 0xFB}, 0xFF80, 0, 0x01);
    CHECK_FALSE(r.fault);
    CHECK((r.after.gpr[EAX] & 0xFFFF) == 0x0080);
    CHECK(r.flags == 0x0855);  // remainder 0: ZF PF, AF, CF = OF = 1 (divisor 1 >= 0)
    r = idiv_286({0xF6, 0xFB}, 0x0080, 0, 0x01);
    CHECK(r.fault);
    r = idiv_286({0xF6, 0xFB}, 0x0080, 0, 0xFF);  // 128 / -1 = -128: a result
    CHECK_FALSE(r.fault);
    CHECK((r.after.gpr[EAX] & 0xFFFF) == 0x0080);
    CHECK(r.flags == 0x0054);  // remainder 0, divisor < 0: CF = OF = 0
    // 32767 * 3 + 2 = 98303 (0001:7FFF) / 3: quotient 7FFFh fits; / -3 also fits.
    r = idiv_286({0xF7, 0xFB}, 0x7FFF, 0x0001, 0x0003);
    CHECK_FALSE(r.fault);
    CHECK((r.after.gpr[EAX] & 0xFFFF) == 0x7FFF);
    CHECK((r.after.gpr[EDX] & 0xFFFF) == 0x0002);
    // 32768 * 3 = 98304 (0001:8000) / 3: +8000h overflows; / -3 gives -8000h.
    r = idiv_286({0xF7, 0xFB}, 0x8000, 0x0001, 0x0003);
    CHECK(r.fault);
    r = idiv_286({0xF7, 0xFB}, 0x8000, 0x0001, 0xFFFD);
    CHECK_FALSE(r.fault);
    CHECK((r.after.gpr[EAX] & 0xFFFF) == 0x8000);
    CHECK((r.after.gpr[EDX] & 0xFFFF) == 0x0000);
}

// AAM with a zero immediate (D4 00) raises #DE on every model (SDM AAM). What the flags in the
// #DE frame hold differs: the 8086's CORD leaves 0 - 0 (ZF PF); the 80286 ends like DIV r/m8 by
// zero on the dividend 00:AL (SF/ZF/PF of AL >> 1, AF CF OF clear). Nothing pins down the 386's
// (the SDM leaves them undefined), so only its #DE and AX are checked.
TEST_CASE("AAM 0: #DE with AX unchanged; the flags each model leaves in the frame") {
    for (CpuModel model : {CpuModel::i8086, CpuModel::i80286, CpuModel::i80386}) {
        CAPTURE(cpu_model_name(model));
        for (std::uint16_t ax : {std::uint16_t{0x12AD}, std::uint16_t{0xFF01}, std::uint16_t{0x0080}}) {
            CAPTURE(ax);
            Machine m(model);
            CpuState s = Machine::base_state();
            s.gpr[EAX] = ax;
            s.eflags = 0x0002 | 0x0891;  // OF SF AF CF set, ZF PF clear
            CpuState after = m.run_one({0xD4, 0x00}, s);
            CHECK(Machine::at_vector(after, 0));
            CHECK((after.gpr[EAX] & 0xFFFF) == ax);
            CHECK(m.bus.word(m.stack_phys(kStackTop - 6)) == (model == CpuModel::i8086 ? kCodeIp + 2 : kCodeIp));
            if (model == CpuModel::i80386) continue;
            const std::uint16_t pushed = m.bus.word(m.stack_phys(kStackTop - 2)) & 0x08D5;
            std::uint16_t expected = 0x0044;  // 8086
            if (model == CpuModel::i80286) {
                const std::uint8_t v = static_cast<std::uint8_t>((ax & 0xFF) >> 1);
                expected = static_cast<std::uint16_t>((v & 0x80) | (v == 0 ? 0x40 : 0) |
                                                      ((__builtin_popcount(v) % 2 == 0) ? 0x04 : 0));
            }
            CHECK(pushed == expected);
        }
    }
}

// test386.asm's POST E0 vectors (its source says they were validated on a 386SX): input AX or
// AL, CL, the arithmetic flags before, all six arithmetic flags after. Kept here because
// test386 itself is not part of the repository (licence).
TEST_CASE("80386 undefined flags: test386's POST E0 vectors (BCD, shifts by 8/16/24/32, RCR/RCL by 9/17, BT)") {
    constexpr std::uint32_t CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;
    constexpr std::uint32_t CAO = CF | AF | OF, PZSO = PF | ZF | SF | OF;
    struct Vec { std::vector<std::uint8_t> code; std::uint32_t eax, ecx, in, out; };
    const std::uint8_t AAA = 0x37, AAS = 0x3F, DAA = 0x27, DAS = 0x2F;
    const std::vector<std::uint8_t> AAD{0xD5, 0x0A}, AAM{0xD4, 0x0A};
    const std::vector<std::uint8_t> SHRB{0xD2, 0xE8}, SHLB{0xD2, 0xE0}, SHRW{0xD3, 0xE8}, SHLW{0xD3, 0xE0};
    const std::vector<std::uint8_t> RCRB{0xD2, 0xD8}, RCLB{0xD2, 0xD0}, RCRW{0xD3, 0xD8}, RCLW{0xD3, 0xD0};
    auto bt = [](std::uint8_t bit) { return std::vector<std::uint8_t>{0x0F, 0xBA, 0xE0, bit}; };  // BT AX,imm8
    const Vec vecs[] = {
        {{AAA}, 0x0000, 0, 0, PF | ZF}, {{AAA}, 0x0001, 0, PZSO, 0},
        {{AAA}, 0x007A, 0, 0, CF | AF | SF | OF}, {{AAA}, 0x007B, 0, AF, CF | PF | AF | SF | OF},
        {AAD, 0x0001, 0, CAO, 0}, {AAD, 0x0D8E, 0, 0, CAO}, {AAD, 0x0106, 0, 0, AF}, {AAD, 0x01F7, 0, 0, CF | AF},
        {AAM, 0x0000, 0, 0, ZF | PF}, {AAM, 0x0000, 0, CAO, ZF | PF},
        {{AAS}, 0x0000, 0, SF | OF, PF | ZF}, {{AAS}, 0x0000, 0, AF, CF | PF | AF | SF},
        {{AAS}, 0x0001, 0, PZSO, 0}, {{AAS}, 0x0680, 0, AF, CF | AF | OF},
        {{DAA}, 0x001A, 0, AF | OF, AF}, {{DAA}, 0x001A, 0, CF, CF | AF | SF | OF},
        {{DAS}, 0x0080, 0, OF, SF}, {{DAS}, 0x0080, 0, AF, AF | OF},
        {SHRB, 0x81, 1, 0, CF | AF | OF}, {SHRB, 0x82, 2, 0, CF | AF}, {SHRB, 0x80, 8, 0, CF | PF | AF | ZF},
        {SHRB, 0x00, 8, CF, PF | AF | ZF}, {SHRB, 0x80, 16, 0, CF | PF | AF | ZF}, {SHRB, 0x00, 16, CF, PF | AF | ZF},
        {SHRB, 0x80, 24, 0, CF | PF | AF | ZF}, {SHRB, 0x00, 24, CF, PF | AF | ZF}, {SHRB, 0x80, 32, 0, 0},
        {SHRW, 0x8000, 16, 0, CF | PF | AF | ZF}, {SHRW, 0x0000, 16, CF, PF | AF | ZF}, {SHRW, 0x8000, 32, 0, 0},
        {SHLB, 0x81, 1, 0, CF | AF | OF}, {SHLB, 0x41, 2, 0, CF | AF | OF}, {SHLB, 0x01, 8, 0, CF | PF | AF | ZF | OF},
        {SHLB, 0x00, 8, CF, PF | AF | ZF}, {SHLB, 0x01, 16, 0, CF | PF | AF | ZF | OF}, {SHLB, 0x00, 16, CF, PF | AF | ZF},
        {SHLB, 0x01, 24, 0, CF | PF | AF | ZF | OF}, {SHLB, 0x00, 24, CF, PF | AF | ZF}, {SHLB, 0x01, 32, 0, 0},
        {SHLW, 0x01, 16, 0, CF | PF | AF | ZF | OF}, {SHLW, 0x00, 16, CF, PF | AF | ZF}, {SHLW, 0x01, 32, 0, 0},
        {bt(0), 0x01, 0, 0, CF}, {bt(0), 0x01, 0, CF, CF}, {bt(1), 0x01, 0, 0, OF}, {bt(1), 0x01, 0, CF, OF},
        {bt(2), 0x01, 0, 0, OF}, {bt(2), 0x01, 0, CF, OF}, {bt(3), 0x01, 0, 0, 0}, {bt(3), 0x01, 0, CF, 0},
        {RCRB, 0, 9, 0, 0}, {RCRB, 0, 9, CF | OF, CF}, {RCRB, 0x40, 9, 0, OF}, {RCRB, 0x40, 9, CF | OF, CF | OF},
        {RCRW, 0, 17, 0, 0}, {RCRW, 0, 17, CF | OF, CF}, {RCRW, 0x4000, 17, 0, OF}, {RCRW, 0x4000, 17, CF | OF, CF | OF},
        {RCLB, 0, 9, 0, 0}, {RCLB, 0, 9, CF | OF, CF | OF}, {RCLB, 0x80, 9, 0, OF}, {RCLB, 0x80, 9, CF | OF, CF},
        {RCLW, 0, 17, 0, 0}, {RCLW, 0, 17, CF | OF, CF | OF}, {RCLW, 0x8000, 17, 0, OF}, {RCLW, 0x8000, 17, CF | OF, CF},
    };
    Machine m(CpuModel::i80386);
    for (const Vec& v : vecs) {
        CAPTURE(v.code[0]);
        CAPTURE(v.code.size() > 1 ? v.code[1] : 0);
        CAPTURE(v.eax);
        CAPTURE(v.ecx);
        CAPTURE(v.in);
        CpuState s = Machine::base_state();
        s.gpr[EAX] = v.eax;
        s.gpr[ECX] = v.ecx;
        s.eflags = 0x0002 | v.in;
        CHECK((m.run_one(v.code, s).eflags & 0x08D5u) == v.out);
    }
}
