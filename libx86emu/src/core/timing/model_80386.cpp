// x86emu — 80386 instruction timing table (real-address mode).
// Transcribes the "Clocks" column of the instruction descriptions in the 80386 Programmer's
// Reference Manual (1986), chapter 17 (real-address-mode counts where protected mode differs).
// The counts already include the effective-address calculation, except the +1 clock noted for
// an address with base, index and displacement (ea_three_component). Not modelled: the "m"
// term of jump, call and return timings (number of components of the next instruction, decoded
// after the prefetch queue is flushed); those classes carry the base count only. Ranges
// (early-out multiply) are stored as minimum with (max - min) in `extra`.
#include "core/timing/timing.hpp"

namespace x86emu {
namespace {

using TC = TimingClass;

constexpr TimingTable make_80386() {
    TimingTable t{};
    t.set(TC::None, 0);                     // prefixes: charged nothing here
    t.set(TC::AluRegRM, 2, 6);              // ADD.. r,r/m 2/6
    t.set(TC::AluMemReg, 2, 7);             // ADD.. r/m,r 2/7
    t.set(TC::AluRMImm, 2, 7);              // ADD.. r/m,imm 2/7
    t.set(TC::AluAccImm, 2);                // ADD.. AL/eAX,imm 2
    t.set(TC::CmpMemReg, 2, 5);             // CMP r/m,r 2/5
    t.set(TC::CmpRMImm, 2, 5);              // CMP r/m,imm 2/5
    t.set(TC::TestRM, 2, 5);                // TEST r/m,r 2/5
    t.set(TC::TestRMImm, 2, 5);             // TEST r/m,imm 2/5
    t.set(TC::TestAccImm, 2);               // TEST AL/eAX,imm 2
    t.set(TC::MovLoad, 2, 4);               // MOV r,r/m 2/4
    t.set(TC::MovStore, 2, 2);              // MOV r/m,r 2/2
    t.set(TC::MovRegImm, 2);                // MOV r,imm 2
    t.set(TC::MovRMImm, 2, 2);              // MOV r/m,imm 2/2
    t.set(TC::MovAccMoffs, 4, 4);           // MOV AL/eAX,moffs 4
    t.set(TC::MovMoffsAcc, 2, 2);           // MOV moffs,AL/eAX 2
    t.set(TC::MovSregRM, 2, 5);             // MOV Sreg,r/m16 2/5 (real)
    t.set(TC::MovRMSreg, 2, 2);             // MOV r/m16,Sreg 2/2
    t.set(TC::Lea, 2, 2);                   // LEA 2
    t.set(TC::IncDecReg, 2);                // INC/DEC r 2
    t.set(TC::IncDecRM, 2, 6);              // INC/DEC r/m 2/6
    t.set(TC::NotNegRM, 2, 6);              // NOT/NEG r/m 2/6
    t.set(TC::XchgRM, 3, 5);                // XCHG r/m,r 3/5
    t.set(TC::XchgAcc, 3);                  // XCHG eAX,r 3
    t.set(TC::Nop, 3);                      // NOP 3
    t.set(TC::PushReg, 2);                  // PUSH r 2
    t.set(TC::PushSreg, 2);                 // PUSH CS/SS/DS/ES/FS/GS 2
    t.set(TC::PushRM, 2, 5);                // PUSH r 2; PUSH m 5
    t.set(TC::PushImm, 2);                  // PUSH imm 2
    t.set(TC::PopReg, 4);                   // POP r 4
    t.set(TC::PopSreg, 7);                  // POP DS/ES/FS/GS/SS 7 (real)
    t.set(TC::PopRM, 4, 5);                 // POP r 4; POP m 5
    t.set(TC::Pusha, 18);                   // PUSHA/PUSHAD 18
    t.set(TC::Popa, 24);                    // POPA/POPAD 24
    t.set(TC::Pushf, 4);                    // PUSHF/PUSHFD 4
    t.set(TC::Popf, 5);                     // POPF/POPFD 5
    t.set(TC::Enter, 10, 12, 4);            // ENTER L=0 10; L=1 12; L>1 15+4(L-1)
    t.set(TC::Leave, 4);                    // LEAVE 4
    t.set(TC::Cbw, 3);                      // CBW/CWDE 3
    t.set(TC::Cwd, 2);                      // CWD/CDQ 2
    t.set(TC::Sahf, 3);                     // SAHF 3
    t.set(TC::Lahf, 2);                     // LAHF 2
    t.set(TC::FlagOp, 2);                   // CLC CMC STC CLD STD 2
    t.set(TC::CliSti, 3);                   // CLI 3; STI 3
    t.set(TC::Hlt, 5);                      // HLT 5
    t.set(TC::Wait, 6);                     // WAIT 6
    t.set(TC::Jcc, 3, 0, 7);                // Jcc 7+m taken, 3 not taken
    t.set(TC::Loop, 11, 0, 11);             // LOOP 11+m (one count given; used for both)
    t.set(TC::Loope, 11, 0, 11);            // LOOPE/LOOPZ 11+m (one count given)
    t.set(TC::Loopne, 11, 0, 11);           // LOOPNE/LOOPNZ 11+m (one count given)
    t.set(TC::Jcxz, 5, 0, 9);               // JCXZ/JECXZ 9+m taken, 5 not taken
    t.set(TC::JmpNear, 7);                  // JMP rel8/rel16/rel32 7+m
    t.set(TC::JmpFar, 12);                  // JMP ptr16:16 12+m (real)
    t.set(TC::JmpRM, 7, 10);                // JMP r/m16/r/m32 7+m/10+m
    t.set(TC::JmpFarMem, 43, 43);           // JMP m16:16 43+m (real)
    t.set(TC::CallNear, 7);                 // CALL rel16/rel32 7+m
    t.set(TC::CallFar, 17);                 // CALL ptr16:16 17+m (real)
    t.set(TC::CallRM, 7, 10);               // CALL r/m16/r/m32 7+m/10+m
    t.set(TC::CallFarMem, 22, 22);          // CALL m16:16 22+m (real)
    t.set(TC::RetNear, 10);                 // RET near 10+m
    t.set(TC::RetNearImm, 10);              // RET imm16 near 10+m
    t.set(TC::RetFar, 18);                  // RET far 18+m (real)
    t.set(TC::RetFarImm, 18);               // RET imm16 far 18+m (real)
    t.set(TC::Int3, 33);                    // INT 3 33 (real)
    t.set(TC::IntImm, 37);                  // INT imm8 37 (real)
    t.set(TC::Into, 3, 0, 35);              // INTO 35 if OF = 1, 3 if OF = 0 (real)
    t.set(TC::Iret, 22);                    // IRET 22 (real)
    t.set(TC::Exception, 37);               // interrupt/exception delivery charged as INT n: 37
    // Protected mode (80386 PRM appendix: CALL pm=34+m vs 17+m, RET pm=32+m vs 18+m, IRET pm=38
    // vs 22, JMP pm=27+m vs 12+m; surcharges are the pm count minus the real-mode count).
    t.set(TC::FarProtected, 16);            // ~ CALL 34-17, RET 32-18, IRET 38-22, JMP 27-12
    t.set(TC::CallGate, 35);                // CALL via call gate, same privilege 52+m (- 17)
    t.set(TC::CallGatePrivilege, 69, 0, 4); // more privilege 86+m, x parameters 94+4x+m (- 17)
    t.set(TC::RetOuter, 50);                // RET far to outer level 68+m (- 18)
    t.set(TC::IretOuter, 60);               // IRET to outer level 82 (- 22)
    t.set(TC::InterruptSame, 22);           // INT n, same privilege 59 (- 37)
    t.set(TC::InterruptPrivilege, 62);      // INT n, more privilege 99 (- 37)
    t.set(TC::InterruptFromV86, 82);        // INT n from virtual-8086 mode 119 (- 37)
    t.set(TC::TaskSwitch, 283);
    t.set(TC::SegmentLoadProtected, 16);    // MOV Sreg,r 2 pm=18; POP Sreg 7 pm=21; LDS 7 pm=22
    t.set(TC::IoProtected, 14, 6);          // e.g. IN AL,imm8 12, pm=6 (CPL<=IOPL) / 26 (bitmap)
    t.set(TC::Arpl, 20, 21);                // ARPL 20/21
    t.set(TC::StoreSelector, 2, 2);         // SLDT 2/2 (STR is charged alike)
    t.set(TC::LoadSystemSelector, 20, 24);  // LLDT 20/24 (LTR 23/27)
    t.set(TC::VerifySelector, 10, 11);      // VERR 10/11 (VERW 15/16)
    t.set(TC::LoadAccessRights, 15, 16);    // LAR 15/16 (LSL 20/21 byte granular)             // CALL/JMP to 386 TSS, ts = 300 (- 17)
    t.set(TC::Shift1, 3, 7);                // ROL/ROR/SAL/SAR/SHL/SHR r/m,1 3/7
    t.set(TC::ShiftCL, 3, 7, 0);            // ... r/m,CL 3/7 (barrel shifter: no per-bit cost)
    t.set(TC::ShiftImm, 3, 7, 0);           // ... r/m,imm8 3/7
    t.set(TC::RotateCarry, 9, 10, 0);       // RCL/RCR r/m,1 / CL / imm8 9/10
    t.set(TC::Mul8, 9, 12, 5);              // MUL AL,r/m8 9-14/12-17
    t.set(TC::Mul16, 9, 12, 13);            // MUL AX,r/m16 9-22/12-25
    t.set(TC::Mul32, 9, 12, 29);            // MUL EAX,r/m32 9-38/12-41
    t.set(TC::Imul8, 9, 12, 5);             // IMUL r/m8 9-14/12-17
    t.set(TC::Imul16, 9, 12, 13);           // IMUL r/m16 9-22/12-25
    t.set(TC::Imul32, 9, 12, 29);           // IMUL r/m32 9-38/12-41
    t.set(TC::ImulRegRM, 9, 12, 13);        // IMUL r16,r/m16(,imm) 9-22/12-25 (r32 forms 9-38/12-41)
    t.set(TC::Div8, 14, 17);                // DIV AL,r/m8 14/17
    t.set(TC::Div16, 22, 25);               // DIV AX,r/m16 22/25
    t.set(TC::Div32, 38, 41);               // DIV EAX,r/m32 38/41
    t.set(TC::Idiv8, 19, 22);               // IDIV r/m8 19/22
    t.set(TC::Idiv16, 27, 30);              // IDIV r/m16 27/30
    t.set(TC::Idiv32, 43, 46);              // IDIV r/m32 43/46
    t.set(TC::Daa, 4);                      // DAA/DAS 4
    t.set(TC::Aaa, 4);                      // AAA/AAS 4
    t.set(TC::Aam, 17);                     // AAM 17
    t.set(TC::Aad, 19);                     // AAD 19
    t.set(TC::Salc, 2);                     // undocumented: no Intel count; charged as LAHF (2)
    t.set(TC::Xlat, 5);                     // XLAT 5
    t.set(TC::LoadFarPtr, 7, 7);            // LDS/LES/LFS/LGS/LSS 7 (real)
    t.set(TC::Bound, 10, 10);               // BOUND 10 (in range; out of range adds INT 5)
    t.set(TC::Movs, 7, 7, 4);               // MOVS 7; REP MOVS 7+4n
    t.set(TC::Cmps, 10, 5, 9);              // CMPS 10; REP CMPS 5+9n
    t.set(TC::Scas, 7, 5, 8);               // SCAS 7; REP SCAS 5+8n
    t.set(TC::Lods, 5, 5, 6);               // LODS 5; REP LODS 5+6n
    t.set(TC::Stos, 4, 5, 5);               // STOS 4; REP STOS 5+5n
    t.set(TC::Ins, 15, 13, 6);              // INS 15; REP INS 13+6n (real)
    t.set(TC::Outs, 14, 12, 5);             // OUTS 14; REP OUTS 12+5n (real)
    t.set(TC::InImm, 12);                   // IN AL/eAX,imm8 12 (real)
    t.set(TC::InDx, 13);                    // IN AL/eAX,DX 13 (real)
    t.set(TC::OutImm, 10);                  // OUT imm8,AL/eAX 10 (real)
    t.set(TC::OutDx, 11);                   // OUT DX,AL/eAX 11 (real)
    t.set(TC::Esc, 0);                      // no CPU-side count for an escape in chapter 17
    t.set(TC::SystemTable, 11, 11);         // LGDT/LIDT 11 (SGDT/SIDT 9)
    t.set(TC::Msw, 10, 3);                  // SMSW r16 10; m16 3
    t.set(TC::Lmsw, 10, 13);                // LMSW r/m16 10/13
    t.set(TC::Clts, 5);                     // CLTS 5
    t.set(TC::MovCr, 10, 6);                // MOV CR0,r32 10 (CR2 4, CR3 5); MOV r32,CR0/2/3 6
    t.set(TC::MovDr, 22, 22);               // MOV DR0-3,r32 22 (DR6/7 16); MOV r32,DR0-3 22 (DR6/7 14)
    t.set(TC::BitTest, 3, 12);              // BT r/m,r 3/12
    t.set(TC::BitTestModify, 6, 13);        // BTS/BTR/BTC r/m,r 6/13
    t.set(TC::BitTestImm, 3, 6);            // BT r/m,imm8 3/6
    t.set(TC::BitTestModifyImm, 6, 8);      // BTS/BTR/BTC r/m,imm8 6/8
    t.set(TC::BitScan, 10, 10, 3);          // BSF/BSR 10+3n
    t.set(TC::DoubleShift, 3, 7);           // SHLD/SHRD r/m,r,imm8 / CL 3/7
    t.set(TC::Setcc, 4, 5);                 // SETcc r/m8 4/5
    t.set(TC::MovExtend, 3, 6);             // MOVSX/MOVZX 3/6
    t.set(TC::UndefinedOpcode, 37);         // #UD (interrupt 6) delivery, as INT n: 37

    t.ea_three_component = 1;                // +1 for base + index + displacement
    t.rep_setup = 0;                         // REP fixed cost is the `mem` column of each string class
    t.odd_word_penalty = 0;                  // (8086 only)
    // ---- x87: Intel387 DX execution times; minimum of each range, as in the integer rows above.
    // Lines marked [T] were checked against the "387" column of the x87 timing table circulated
    // with Intel's figures (8087/287/387/486/Pentium columns; copies at zs3.me/intel_f.html,
    // tdenis.tripod.com/download/fpuopcode.txt), see docs/TIMING.md. The Intel387 DX datasheet
    // itself was not found. Every line without [T] is still an UNVERIFIED ESTIMATE from memory.
    t.set(TC::FpLoad, 14, 20);
    t.set(TC::FpLoadExtended, 0, 44);
    t.set(TC::FpLoadInt, 0, 53);
    t.set(TC::FpLoadBcd, 0, 266);     // [T] FBLD 266-275 (was 270)
    t.set(TC::FpStore, 11, 44);
    t.set(TC::FpStoreExtended, 0, 53);
    t.set(TC::FpStoreInt, 0, 86);
    t.set(TC::FpStoreBcd, 0, 512);    // [T] FBSTP 512-534 (was 520)
    t.set(TC::FpExchange, 18, 0);
    t.set(TC::FpConstant, 20, 0);
    t.set(TC::FpAdd, 23, 24);         // [T] FADD reg 23-34, m32 24-32, m64 29-37 (was 26/26)
    t.set(TC::FpAddInt, 0, 65);
    t.set(TC::FpMul, 46, 29);
    t.set(TC::FpMulInt, 0, 76);
    t.set(TC::FpDiv, 88, 89);
    t.set(TC::FpDivInt, 0, 136);
    t.set(TC::FpSqrt, 122, 0);
    t.set(TC::FpCompare, 24, 26);     // [T] FCOM reg 24, m32 26, m64 31 (confirmed)
    t.set(TC::FpCompareInt, 0, 56);
    t.set(TC::FpSign, 22, 0);         // [T] FABS 22, FCHS 24-25 (was 24)
    t.set(TC::FpExamine, 30, 0);
    t.set(TC::FpRound, 66, 0);
    t.set(TC::FpScale, 67, 0);
    t.set(TC::FpExtract, 70, 0);
    t.set(TC::FpRemainder, 74, 0);
    t.set(TC::Fp2xm1, 211, 0);        // [T] F2XM1 211-476 (confirmed)
    t.set(TC::FpLogarithm, 120, 0);
    t.set(TC::FpTangent, 191, 0);
    t.set(TC::FpArctangent, 314, 0);
    t.set(TC::FpSineCosine, 122, 0);
    t.set(TC::FpLoadControl, 0, 19);
    t.set(TC::FpStoreControl, 13, 15);
    t.set(TC::FpClear, 11, 0);        // [T] FNCLEX 11 (confirmed)
    t.set(TC::FpInit, 33, 0);
    t.set(TC::FpLoadEnvironment, 0, 71);
    t.set(TC::FpStoreEnvironment, 0, 103);
    t.set(TC::FpSave, 0, 375);
    t.set(TC::FpRestore, 0, 308);
    t.set(TC::FpStackMisc, 18, 0);
    return t;
}

}  // namespace

const TimingTable& timing_table_80386() {
    static constexpr TimingTable table = make_80386();
    return table;
}

}  // namespace x86emu
