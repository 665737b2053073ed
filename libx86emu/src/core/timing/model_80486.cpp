// x86emu — i486 instruction timing table (real-address mode, cache hits).
// Transcribes the "Clocks" of the instruction descriptions in the i486 Microprocessor
// Programmer's Reference Manual (1990), chapter 26, which the i486 datasheet repeats in its
// clock count summary. Its assumptions apply here too: code and data hit the on-chip cache,
// operands are aligned, no wait states. The 486 pipeline folds the effective-address
// calculation into those counts; the manual's extra clock for an address that uses an index
// register is approximated by `ea_three_component` (charged for base + index + displacement).
// Where a count depends on the outcome (branch taken, comparison failed, REP count) the
// variable part is in `extra` as for the other models; ranges (early-out multiply) are stored as
// minimum with (max - min) in `extra`. The 486 has no "+m" prefetch-refill term.
// NOTE: the integer rows were not re-checked against the manual in the x87 proofreading pass
// (the i486 PRM was not among the reachable sources); treat them as unverified, docs/TIMING.md.
#include "core/timing/timing.hpp"

namespace x86emu {
namespace {

using TC = TimingClass;

constexpr TimingTable make_80486() {
    TimingTable t{};
    t.set(TC::None, 0);                     // prefixes: charged nothing here
    t.set(TC::AluRegRM, 1, 2);              // ADD.. r,r 1; r,m 2
    t.set(TC::AluMemReg, 1, 3);             // ADD.. m,r 3
    t.set(TC::AluRMImm, 1, 3);              // ADD.. r,imm 1; m,imm 3
    t.set(TC::AluAccImm, 1);                // ADD.. AL/eAX,imm 1
    t.set(TC::CmpMemReg, 1, 2);             // CMP m,r 2
    t.set(TC::CmpRMImm, 1, 2);              // CMP r,imm 1; m,imm 2
    t.set(TC::TestRM, 1, 2);                // TEST r,r 1; m,r 2
    t.set(TC::TestRMImm, 1, 2);             // TEST r,imm 1; m,imm 2
    t.set(TC::TestAccImm, 1);               // TEST AL/eAX,imm 1
    t.set(TC::MovLoad, 1, 1);               // MOV r,r 1; r,m 1
    t.set(TC::MovStore, 1, 1);              // MOV m,r 1
    t.set(TC::MovRegImm, 1);                // MOV r,imm 1
    t.set(TC::MovRMImm, 1, 1);              // MOV m,imm 1
    t.set(TC::MovAccMoffs, 1, 1);           // MOV AL/eAX,moffs 1
    t.set(TC::MovMoffsAcc, 1, 1);           // MOV moffs,AL/eAX 1
    t.set(TC::MovSregRM, 3, 3);             // MOV Sreg,r/m 3 (real; pm 9)
    t.set(TC::MovRMSreg, 3, 3);             // MOV r/m,Sreg 3
    t.set(TC::Lea, 1, 1);                   // LEA 1
    t.set(TC::IncDecReg, 1);                // INC/DEC r 1
    t.set(TC::IncDecRM, 1, 3);              // INC/DEC r/m 1/3
    t.set(TC::NotNegRM, 1, 3);              // NOT/NEG r/m 1/3
    t.set(TC::XchgRM, 3, 5);                // XCHG r,r 3; r,m 5
    t.set(TC::XchgAcc, 3);                  // XCHG eAX,r 3
    t.set(TC::Nop, 1);                      // NOP 1
    t.set(TC::PushReg, 1);                  // PUSH r 1
    t.set(TC::PushSreg, 3);                 // PUSH Sreg 3
    t.set(TC::PushRM, 4, 4);                // PUSH m 4 (the FF /6 register form is charged alike)
    t.set(TC::PushImm, 1);                  // PUSH imm 1
    t.set(TC::PopReg, 1);                   // POP r 1
    t.set(TC::PopSreg, 3);                  // POP DS/ES/FS/GS/SS 3 (real; pm 9)
    t.set(TC::PopRM, 4, 6);                 // POP r (8F) 4; POP m 6
    t.set(TC::Pusha, 11);                   // PUSHA/PUSHAD 11
    t.set(TC::Popa, 9);                     // POPA/POPAD 9
    t.set(TC::Pushf, 4);                    // PUSHF/PUSHFD 4 (real; pm 3)
    t.set(TC::Popf, 9);                     // POPF/POPFD 9 (real; pm 6)
    t.set(TC::Enter, 14, 17, 3);            // ENTER L=0 14; L=1 17; L>1 17+3L (charged 17+3(L-1))
    t.set(TC::Leave, 5);                    // LEAVE 5
    t.set(TC::Cbw, 3);                      // CBW/CWDE 3
    t.set(TC::Cwd, 3);                      // CWD/CDQ 3
    t.set(TC::Sahf, 2);                     // SAHF 2
    t.set(TC::Lahf, 3);                     // LAHF 3
    t.set(TC::FlagOp, 2);                   // CLC CMC STC CLD STD 2
    t.set(TC::CliSti, 5);                   // CLI 5; STI 5
    t.set(TC::Hlt, 4);                      // HLT 4
    t.set(TC::Wait, 1);                     // WAIT 1-3 (1 with no FPU error pending)
    t.set(TC::Jcc, 1, 0, 3);                // Jcc 3 taken, 1 not taken
    t.set(TC::Loop, 6, 0, 7);               // LOOP 7 taken, 6 not taken
    t.set(TC::Loope, 6, 0, 9);              // LOOPE/LOOPZ 9 taken, 6 not taken
    t.set(TC::Loopne, 6, 0, 9);             // LOOPNE/LOOPNZ 9 taken, 6 not taken
    t.set(TC::Jcxz, 5, 0, 8);               // JCXZ/JECXZ 8 taken, 5 not taken
    t.set(TC::JmpNear, 3);                  // JMP rel8/rel16/rel32 3
    t.set(TC::JmpFar, 17);                  // JMP ptr16:16 17 (real)
    t.set(TC::JmpRM, 5, 5);                 // JMP r/m 5/5
    t.set(TC::JmpFarMem, 13, 13);           // JMP m16:16 13 (real)
    t.set(TC::CallNear, 3);                 // CALL rel 3
    t.set(TC::CallFar, 18);                 // CALL ptr16:16 18 (real)
    t.set(TC::CallRM, 5, 5);                // CALL r/m 5/5
    t.set(TC::CallFarMem, 17, 17);          // CALL m16:16 17 (real)
    t.set(TC::RetNear, 5);                  // RET near 5
    t.set(TC::RetNearImm, 5);               // RET imm16 near 5
    t.set(TC::RetFar, 13);                  // RET far 13 (real)
    t.set(TC::RetFarImm, 14);               // RET imm16 far 14 (real)
    t.set(TC::Int3, 26);                    // INT 3 26 (real)
    t.set(TC::IntImm, 30);                  // INT imm8 30 (real)
    t.set(TC::Into, 3, 0, 28);              // INTO 28 if OF = 1, 3 if OF = 0 (real)
    t.set(TC::Iret, 15);                    // IRET 15 (real)
    t.set(TC::Exception, 30);               // interrupt/exception delivery charged as INT n: 30
    // Protected mode: surcharges are the pm count minus the real-mode count already charged.
    t.set(TC::FarProtected, 3);             // JMP 19-17, CALL 20-18, RET 18-13, IRET 20-15: ~3
    t.set(TC::CallGate, 17);                // CALL via call gate, same privilege 35 (- 18)
    t.set(TC::CallGatePrivilege, 51, 0, 4); // more privilege 69, x parameters 77+4x (- 18)
    t.set(TC::RetOuter, 20);                // RET far to outer level 33 (- 13)
    t.set(TC::IretOuter, 21);               // IRET to outer level 36 (- 15)
    t.set(TC::InterruptSame, 14);           // INT n, same privilege 44 (- 30)
    t.set(TC::InterruptPrivilege, 41);      // INT n, more privilege 71 (- 30)
    t.set(TC::InterruptFromV86, 52);        // INT n from virtual-8086 mode 82 (- 30)
    t.set(TC::TaskSwitch, 199);             // TS, 486 TSS to 486 TSS (VM = 0): 199
    t.set(TC::SegmentLoadProtected, 6);     // MOV Sreg,r 3 pm=9; POP Sreg 3 pm=9; LDS 6 pm=12
    t.set(TC::IoProtected, 15, 5);          // IN AL,imm8 14, pm=9 (CPL<=IOPL) / 29 (bitmap)
    t.set(TC::Arpl, 9, 9);                  // ARPL 9/9
    t.set(TC::StoreSelector, 2, 3);         // SLDT/STR 2/3
    t.set(TC::LoadSystemSelector, 11, 11);  // LLDT 11/11 (LTR 20/20)
    t.set(TC::VerifySelector, 11, 11);      // VERR/VERW 11/11
    t.set(TC::LoadAccessRights, 11, 11);    // LAR 11/11 (LSL 10/10)
    t.set(TC::Shift1, 3, 4);                // ROL/ROR/SAL/SAR/SHL/SHR r/m,1 3/4
    t.set(TC::ShiftCL, 3, 4, 0);            // ... r/m,CL 3/4 (no per-bit cost)
    t.set(TC::ShiftImm, 2, 4, 0);           // ... r/m,imm8 2/4
    t.set(TC::RotateCarry, 8, 9, 0);        // RCL/RCR r/m,CL / imm8 8-30/9-31 (minimum)
    t.set(TC::Mul8, 13, 13, 5);             // MUL r/m8 13-18
    t.set(TC::Mul16, 13, 13, 13);           // MUL r/m16 13-26
    t.set(TC::Mul32, 13, 13, 29);           // MUL r/m32 13-42
    t.set(TC::Imul8, 13, 13, 5);            // IMUL r/m8 13-18
    t.set(TC::Imul16, 13, 13, 13);          // IMUL r/m16 13-26
    t.set(TC::Imul32, 13, 13, 29);          // IMUL r/m32 13-42
    t.set(TC::ImulRegRM, 13, 13, 13);       // IMUL r16,r/m16(,imm) 13-26 (r32 forms 13-42)
    t.set(TC::Div8, 16, 16);                // DIV r/m8 16/16
    t.set(TC::Div16, 24, 24);               // DIV r/m16 24/24
    t.set(TC::Div32, 40, 40);               // DIV r/m32 40/40
    t.set(TC::Idiv8, 19, 20);               // IDIV r/m8 19/20
    t.set(TC::Idiv16, 27, 28);              // IDIV r/m16 27/28
    t.set(TC::Idiv32, 43, 44);              // IDIV r/m32 43/44
    t.set(TC::Daa, 2);                      // DAA/DAS 2
    t.set(TC::Aaa, 3);                      // AAA/AAS 3
    t.set(TC::Aam, 15);                     // AAM 15
    t.set(TC::Aad, 14);                     // AAD 14
    t.set(TC::Salc, 3);                     // undocumented: no Intel count; charged as LAHF (3)
    t.set(TC::Xlat, 4);                     // XLAT 4
    t.set(TC::LoadFarPtr, 6, 6);            // LDS/LES/LFS/LGS/LSS 6 (real; pm 12)
    t.set(TC::Bound, 7, 7);                 // BOUND 7 (in range)
    t.set(TC::Movs, 7, 12, 3);              // MOVS 7; REP MOVS 12+3n
    t.set(TC::Cmps, 8, 7, 7);               // CMPS 8; REP CMPS 7+7n
    t.set(TC::Scas, 6, 7, 5);               // SCAS 6; REP SCAS 7+5n
    t.set(TC::Lods, 5, 7, 4);               // LODS 5; REP LODS 7+4n
    t.set(TC::Stos, 5, 7, 4);               // STOS 5; REP STOS 7+4n
    t.set(TC::Ins, 17, 16, 8);              // INS 17; REP INS 16+8n (real)
    t.set(TC::Outs, 17, 17, 5);             // OUTS 17; REP OUTS 17+5n (real)
    t.set(TC::InImm, 14);                   // IN AL/eAX,imm8 14 (real)
    t.set(TC::InDx, 14);                    // IN AL/eAX,DX 14 (real)
    t.set(TC::OutImm, 16);                  // OUT imm8,AL/eAX 16 (real)
    t.set(TC::OutDx, 16);                   // OUT DX,AL/eAX 16 (real)
    t.set(TC::Esc, 0);                      // no FPU modelled yet: the escape itself costs nothing
    t.set(TC::SystemTable, 11, 11);         // LGDT/LIDT 11 (SGDT/SIDT 10)
    t.set(TC::Msw, 2, 3);                   // SMSW r16 2; m16 3
    t.set(TC::Lmsw, 13, 13);                // LMSW r/m16 13/13
    t.set(TC::Clts, 7);                     // CLTS 7
    t.set(TC::MovCr, 17, 4);                // MOV CR0,r32 17 (CR2, CR3 4); MOV r32,CRn 4
    t.set(TC::MovDr, 10, 9);                // MOV DRn,r32 10; MOV r32,DRn 9
    t.set(TC::BitTest, 3, 8);               // BT r,r 3; m,r 8
    t.set(TC::BitTestModify, 6, 13);        // BTS/BTR/BTC r,r 6; m,r 13
    t.set(TC::BitTestImm, 3, 3);            // BT r/m,imm8 3/3
    t.set(TC::BitTestModifyImm, 6, 8);      // BTS/BTR/BTC r/m,imm8 6/8
    t.set(TC::BitScan, 6, 7, 1);            // BSF 6-42, BSR 6-103: ~1 clock per bit scanned
    t.set(TC::DoubleShift, 2, 3);           // SHLD/SHRD r/m,r,imm8 2/3 (CL: 3/4)
    t.set(TC::Setcc, 3, 4);                 // SETcc r 3 (false)/4 (true); m 4 (false)/3 (true)
    t.set(TC::MovExtend, 3, 3);             // MOVSX/MOVZX 3/3
    t.set(TC::UndefinedOpcode, 30);         // #UD (interrupt 6) delivery, as INT n: 30
    // The 486 additions.
    t.set(TC::Bswap, 1);                    // BSWAP r32 1
    t.set(TC::Xadd, 3, 4);                  // XADD r,r 3; m,r 4
    t.set(TC::Cmpxchg, 6, 7, 3);            // CMPXCHG r,r 6; m,r 7, +3 if the comparison fails
    t.set(TC::InvalidateCache, 4);          // INVD 4 (WBINVD 5 plus the write-back)
    t.set(TC::Invlpg, 12, 12);              // INVLPG 12 (11 on a TLB miss)

    t.ea_three_component = 1;                // +1 for an index register (see the header)
    t.rep_setup = 0;                         // REP fixed cost is the `mem` column of each string class
    t.odd_word_penalty = 0;                  // (8086 only)
    // ---- x87: the i486 on-chip FPU (minimum of each range). Lines marked [T] were checked
    // against the "486" column of the x87 timing table circulated with Intel's figures
    // (8087/287/387/486/Pentium columns; copies at zs3.me/intel_f.html,
    // tdenis.tripod.com/download/fpuopcode.txt), see docs/TIMING.md; the i486 PRM itself was not
    // found. Every line without [T] is still an UNVERIFIED ESTIMATE written from memory.
    t.set(TC::FpLoad, 4, 3);
    t.set(TC::FpLoadExtended, 0, 6);
    t.set(TC::FpLoadInt, 0, 13);
    t.set(TC::FpLoadBcd, 0, 70);      // [T] FBLD 70-103 (confirmed)
    t.set(TC::FpStore, 3, 7);
    t.set(TC::FpStoreExtended, 0, 6);
    t.set(TC::FpStoreInt, 0, 29);
    t.set(TC::FpStoreBcd, 0, 172);    // [T] FBSTP 172-176 (confirmed)
    t.set(TC::FpExchange, 4, 0);
    t.set(TC::FpConstant, 4, 0);
    t.set(TC::FpAdd, 8, 8);           // [T] FADD reg/m32/m64 8-20 (confirmed)
    t.set(TC::FpAddInt, 0, 19);
    t.set(TC::FpMul, 16, 11);
    t.set(TC::FpMulInt, 0, 22);
    t.set(TC::FpDiv, 73, 73);
    t.set(TC::FpDivInt, 0, 84);
    t.set(TC::FpSqrt, 83, 0);
    t.set(TC::FpCompare, 4, 4);       // [T] FCOM reg/m32/m64 4 (confirmed)
    t.set(TC::FpCompareInt, 0, 15);
    t.set(TC::FpSign, 3, 0);          // [T] FABS 3, FCHS 6 (was 6)
    t.set(TC::FpExamine, 8, 0);
    t.set(TC::FpRound, 21, 0);
    t.set(TC::FpScale, 30, 0);
    t.set(TC::FpExtract, 16, 0);
    t.set(TC::FpRemainder, 70, 0);
    t.set(TC::Fp2xm1, 140, 0);        // [T] F2XM1 140-279 (confirmed)
    t.set(TC::FpLogarithm, 196, 0);
    t.set(TC::FpTangent, 200, 0);
    t.set(TC::FpArctangent, 218, 0);
    t.set(TC::FpSineCosine, 193, 0);
    t.set(TC::FpLoadControl, 0, 4);
    t.set(TC::FpStoreControl, 3, 3);
    t.set(TC::FpClear, 7, 0);         // [T] FNCLEX 7 (confirmed)
    t.set(TC::FpInit, 17, 0);
    t.set(TC::FpLoadEnvironment, 0, 44);
    t.set(TC::FpStoreEnvironment, 0, 56);
    t.set(TC::FpSave, 0, 143);
    t.set(TC::FpRestore, 0, 120);
    t.set(TC::FpStackMisc, 3, 0);
    return t;
}

}  // namespace

const TimingTable& timing_table_80486() {
    static constexpr TimingTable table = make_80486();
    return table;
}

}  // namespace x86emu
