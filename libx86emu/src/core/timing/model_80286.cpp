// x86emu — 80286 instruction timing table (real-address mode).
// Transcribes the clock counts of the "80286 Instruction Set Summary" (80286 Programmer's
// Reference Manual, Appendix B; same table as the 80286 data sheet), real-address-mode column.
// The counts already include the effective-address calculation, except the +1 clock for a
// base+index+displacement address (ea_three_component). Not modelled: the "m" term of jump,
// call, return and interrupt timings (number of bytes in the next instruction, fetched after
// the prefetch queue is flushed); those classes carry the base count only. Ranges are stored
// as minimum with (max - min) in `extra`.
#include "core/timing/timing.hpp"

namespace x86emu {
namespace {

using TC = TimingClass;

constexpr TimingTable make_80286() {
    TimingTable t{};
    t.set(TC::None, 0);                     // prefixes: charged nothing here
    t.set(TC::AluRegRM, 2, 7);              // ADD.. reg/mem with register to either 2,7
    t.set(TC::AluMemReg, 2, 7);             // ADD.. reg/mem with register to either 2,7
    t.set(TC::AluRMImm, 3, 7);              // ADD.. immediate to register/memory 3,7
    t.set(TC::AluAccImm, 3);                // ADD.. immediate to accumulator 3
    t.set(TC::CmpMemReg, 2, 6);             // CMP register/memory with register 2,6
    t.set(TC::CmpRMImm, 3, 6);              // CMP immediate with register/memory 3,6
    t.set(TC::TestRM, 2, 6);                // TEST register/memory and register 2,6
    t.set(TC::TestRMImm, 3, 6);             // TEST immediate data and register/memory 3,6
    t.set(TC::TestAccImm, 3);               // TEST immediate data and accumulator 3
    t.set(TC::MovLoad, 2, 5);               // MOV register/memory to register 2,5
    t.set(TC::MovStore, 2, 3);              // MOV register to register/memory 2,3
    t.set(TC::MovRegImm, 2);                // MOV immediate to register 2
    t.set(TC::MovRMImm, 2, 3);              // MOV immediate to register/memory 2,3
    t.set(TC::MovAccMoffs, 5, 5);           // MOV memory to accumulator 5
    t.set(TC::MovMoffsAcc, 3, 3);           // MOV accumulator to memory 3
    t.set(TC::MovSregRM, 2, 5);             // MOV register/memory to segment register 2,5 (real)
    t.set(TC::MovRMSreg, 2, 3);             // MOV segment register to register/memory 2,3
    t.set(TC::Lea, 3, 3);                   // LEA 3
    t.set(TC::IncDecReg, 2);                // INC/DEC register 2
    t.set(TC::IncDecRM, 2, 7);              // INC/DEC register/memory 2,7
    t.set(TC::NotNegRM, 2, 7);              // NOT/NEG register/memory 2,7
    t.set(TC::XchgRM, 3, 5);                // XCHG register/memory with register 3,5
    t.set(TC::XchgAcc, 3);                  // XCHG register with accumulator 3
    t.set(TC::Nop, 3);                      // NOP 3
    t.set(TC::PushReg, 3);                  // PUSH register 3
    t.set(TC::PushSreg, 3);                 // PUSH segment register 3
    t.set(TC::PushRM, 3, 5);                // PUSH register 3; memory 5
    t.set(TC::PushImm, 3);                  // PUSH immediate 3
    t.set(TC::PopReg, 5);                   // POP register 5
    t.set(TC::PopSreg, 5);                  // POP segment register 5 (real)
    t.set(TC::PopRM, 5, 5);                 // POP register/memory 5
    t.set(TC::Pusha, 17);                   // PUSHA 17
    t.set(TC::Popa, 19);                    // POPA 19
    t.set(TC::Pushf, 3);                    // PUSHF 3
    t.set(TC::Popf, 5);                     // POPF 5
    t.set(TC::Enter, 11, 15, 4);            // ENTER L=0 11; L=1 15; L>1 12+4(L-1)
    t.set(TC::Leave, 5);                    // LEAVE 5
    t.set(TC::Cbw, 2);                      // CBW 2
    t.set(TC::Cwd, 2);                      // CWD 2
    t.set(TC::Sahf, 2);                     // SAHF 2
    t.set(TC::Lahf, 2);                     // LAHF 2
    t.set(TC::FlagOp, 2);                   // CLC CMC STC CLD STD 2
    t.set(TC::CliSti, 3);                   // CLI 3 (STI 2)
    t.set(TC::Hlt, 2);                      // HLT 2
    t.set(TC::Wait, 3);                     // WAIT 3
    t.set(TC::Jcc, 3, 0, 7);                // Jcc 7+m or 3
    t.set(TC::Loop, 4, 0, 8);               // LOOP 8+m or 4
    t.set(TC::Loope, 4, 0, 8);              // LOOPZ/LOOPE 8+m or 4
    t.set(TC::Loopne, 4, 0, 8);             // LOOPNZ/LOOPNE 8+m or 4
    t.set(TC::Jcxz, 4, 0, 8);               // JCXZ 8+m or 4
    t.set(TC::JmpNear, 7);                  // JMP short / direct within segment 7+m
    t.set(TC::JmpFar, 11);                  // JMP direct intersegment 11+m (real)
    t.set(TC::JmpRM, 7, 11);                // JMP register/memory indirect within segment 7+m, 11+m
    t.set(TC::JmpFarMem, 15, 15);           // JMP indirect intersegment 15+m (real)
    t.set(TC::CallNear, 7);                 // CALL direct within segment 7+m
    t.set(TC::CallFar, 13);                 // CALL direct intersegment 13+m (real)
    t.set(TC::CallRM, 7, 11);               // CALL register/memory indirect within segment 7+m, 11+m
    t.set(TC::CallFarMem, 16, 16);          // CALL indirect intersegment 16+m (real)
    t.set(TC::RetNear, 11);                 // RET within segment 11+m
    t.set(TC::RetNearImm, 11);              // RET within segment adding immediate to SP 11+m
    t.set(TC::RetFar, 15);                  // RET intersegment 15+m (real)
    t.set(TC::RetFarImm, 15);               // RET intersegment adding immediate to SP 15+m (real)
    t.set(TC::Int3, 23);                    // INT type 3 23+m (real)
    t.set(TC::IntImm, 23);                  // INT type specified 23+m (real)
    t.set(TC::Into, 3, 0, 24);              // INTO 24+m if OF = 1, 3 if OF = 0 (real)
    t.set(TC::Iret, 17);                    // IRET 17+m (real)
    t.set(TC::Exception, 23);               // interrupt/exception delivery charged as INT n: 23
    // Protected mode (80286 PRM appendix B: CALL pm=26+m vs 13+m, RET pm=25+m vs 15+m, IRET
    // pm=31+m vs 17+m; surcharges are the pm count minus the real-mode count).
    t.set(TC::FarProtected, 13);            // ~ CALL 26-13, RET 25-15, IRET 31-17, JMP 23-11
    t.set(TC::CallGate, 28);                // CALL via call gate, same privilege 41+m (- 13)
    t.set(TC::CallGatePrivilege, 69, 0, 4); // more privilege 82+m, x parameters 86+4x+m (- 13)
    t.set(TC::RetOuter, 40);                // RET to different privilege level 55+m (- 15)
    t.set(TC::IretOuter, 38);               // IRET to different privilege level 55+m (- 17)
    t.set(TC::InterruptSame, 17);           // INT, same privilege 40+m (- 23)
    t.set(TC::InterruptPrivilege, 55);      // INT, more privilege 78+m (- 23)
    t.set(TC::InterruptFromV86, 55);        // (no virtual-8086 mode on the 286)
    t.set(TC::TaskSwitch, 164);             // CALL via TSS 177+m (- 13)
    t.set(TC::SegmentLoadProtected, 15);    // MOV SR,r 2 pm=17; POP SR 5 pm=20; LDS 7 pm=21
    t.set(TC::Arpl, 10, 11);                // ARPL 10/11
    t.set(TC::StoreSelector, 2, 3);         // SLDT/STR 2/3
    t.set(TC::LoadSystemSelector, 17, 19);  // LLDT/LTR 17/19
    t.set(TC::VerifySelector, 14, 16);      // VERR/VERW 14/16
    t.set(TC::LoadAccessRights, 14, 16);    // LAR/LSL 14/16
    t.set(TC::Shift1, 2, 7);                // shift/rotate register/memory by 1 2,7
    t.set(TC::ShiftCL, 5, 8, 1);            // by CL 5+n, 8+n
    t.set(TC::ShiftImm, 5, 8, 1);           // by count 5+n, 8+n
    t.set(TC::RotateCarry, 5, 8, 1);        // RCL/RCR: same rows as the other shifts on the 286
    t.set(TC::Mul8, 13, 16);                // MUL register-byte 13; memory-byte 16
    t.set(TC::Mul16, 21, 24);               // MUL register-word 21; memory-word 24
    t.set(TC::Mul32, 0);                    // (80386 only)
    t.set(TC::Imul8, 13, 16);               // IMUL register-byte 13; memory-byte 16
    t.set(TC::Imul16, 21, 24);              // IMUL register-word 21; memory-word 24
    t.set(TC::Imul32, 0);                   // (80386 only)
    t.set(TC::ImulRegRM, 21, 24);           // IMUL integer immediate multiply 21,24
    t.set(TC::Div8, 14, 17);                // DIV register-byte 14; memory-byte 17
    t.set(TC::Div16, 22, 25);               // DIV register-word 22; memory-word 25
    t.set(TC::Div32, 0);                    // (80386 only)
    t.set(TC::Idiv8, 17, 20);               // IDIV register-byte 17; memory-byte 20
    t.set(TC::Idiv16, 25, 28);              // IDIV register-word 25; memory-word 28
    t.set(TC::Idiv32, 0);                   // (80386 only)
    t.set(TC::Daa, 3);                      // DAA/DAS 3
    t.set(TC::Aaa, 3);                      // AAA/AAS 3
    t.set(TC::Aam, 16);                     // AAM 16
    t.set(TC::Aad, 14);                     // AAD 14
    t.set(TC::Salc, 2);                     // undocumented: no Intel count; charged as LAHF (2)
    t.set(TC::Xlat, 5);                     // XLAT 5
    t.set(TC::LoadFarPtr, 7, 7);            // LDS/LES 7 (real)
    t.set(TC::Bound, 13, 13);               // BOUND 13 (in range; out of range adds INT 5)
    t.set(TC::Movs, 5, 5, 4);               // MOVS 5; REP MOVS 5+4n
    t.set(TC::Cmps, 8, 5, 9);               // CMPS 8; REP CMPS 5+9n
    t.set(TC::Scas, 7, 5, 8);               // SCAS 7; REP SCAS 5+8n
    t.set(TC::Lods, 5, 5, 4);               // LODS 5; REP LODS 5+4n
    t.set(TC::Stos, 3, 4, 3);               // STOS 3; REP STOS 4+3n
    t.set(TC::Ins, 5, 5, 4);                // INS 5; REP INS 5+4n
    t.set(TC::Outs, 5, 5, 4);               // OUTS 5; REP OUTS 5+4n
    t.set(TC::InImm, 5);                    // IN fixed port 5
    t.set(TC::InDx, 5);                     // IN variable port 5
    t.set(TC::OutImm, 3);                   // OUT fixed port 3
    t.set(TC::OutDx, 3);                    // OUT variable port 3
    t.set(TC::Esc, 9, 9);                   // processor extension escape 9-20 (minimum)
    t.set(TC::SystemTable, 11, 11);         // LGDT/SGDT 11 (LIDT/SIDT 12)
    t.set(TC::Msw, 2, 3);                   // SMSW register 2; memory 3
    t.set(TC::Lmsw, 3, 6);                  // LMSW register 3; memory 6
    t.set(TC::Clts, 2);                     // CLTS 2
    t.set(TC::MovCr, 0);                    // (80386 only)
    t.set(TC::MovDr, 0);                    // (80386 only)
    t.set(TC::BitTest, 0);                  // (80386 only)
    t.set(TC::BitTestModify, 0);            // (80386 only)
    t.set(TC::BitTestImm, 0);               // (80386 only)
    t.set(TC::BitTestModifyImm, 0);         // (80386 only)
    t.set(TC::BitScan, 0);                  // (80386 only)
    t.set(TC::DoubleShift, 0);              // (80386 only)
    t.set(TC::Setcc, 0);                    // (80386 only)
    t.set(TC::MovExtend, 0);                // (80386 only)
    t.set(TC::UndefinedOpcode, 23);         // #UD (interrupt 6) delivery, as INT n: 23

    t.ea_three_component = 1;                // +1 for base + index + displacement
    t.rep_setup = 0;                         // REP fixed cost is the `mem` column of each string class
    t.odd_word_penalty = 0;                  // (8086 only)
    // ---- x87: 80287 (execution time in 287 clocks; the 287 runs at 2/3 of the CPU clock, not modelled).
    // Minimum of each range. Lines marked [T] were checked against the "287" column of the x87
    // timing table circulated with Intel's figures (8087/287/387/486/Pentium columns; copies at
    // zs3.me/intel_f.html, tdenis.tripod.com/download/fpuopcode.txt), see docs/TIMING.md.
    // Every line without [T] is still an UNVERIFIED ESTIMATE written from memory.
    t.set(TC::FpLoad, 17, 43);
    t.set(TC::FpLoadExtended, 0, 57);
    t.set(TC::FpLoadInt, 0, 52);
    t.set(TC::FpLoadBcd, 0, 290);     // [T] FBLD 290-310 (was 300)
    t.set(TC::FpStore, 18, 87);
    t.set(TC::FpStoreExtended, 0, 55);
    t.set(TC::FpStoreInt, 0, 88);
    t.set(TC::FpStoreBcd, 0, 520);    // [T] FBSTP 520-540 (was 530)
    t.set(TC::FpExchange, 12, 0);
    t.set(TC::FpConstant, 18, 0);
    t.set(TC::FpAdd, 70, 90);         // [T] FADD reg 70-100, m32 90-120, m64 95-125 (was 85/120)
    t.set(TC::FpAddInt, 0, 125);
    t.set(TC::FpMul, 138, 120);
    t.set(TC::FpMulInt, 0, 136);
    t.set(TC::FpDiv, 198, 220);
    t.set(TC::FpDivInt, 0, 230);
    t.set(TC::FpSqrt, 183, 0);
    t.set(TC::FpCompare, 40, 60);     // [T] FCOM reg 40-50, m32 60-70, m64 65-75 (was 45/65)
    t.set(TC::FpCompareInt, 0, 80);
    t.set(TC::FpSign, 10, 0);         // [T] FABS 10-17, FCHS 10-17 (was 12)
    t.set(TC::FpExamine, 17, 0);
    t.set(TC::FpRound, 45, 0);
    t.set(TC::FpScale, 35, 0);
    t.set(TC::FpExtract, 50, 0);
    t.set(TC::FpRemainder, 125, 0);
    t.set(TC::Fp2xm1, 310, 0);        // [T] F2XM1 310-630 (was 500)
    t.set(TC::FpLogarithm, 950, 0);
    t.set(TC::FpTangent, 450, 0);
    t.set(TC::FpArctangent, 650, 0);
    t.set(TC::FpLoadControl, 0, 10);
    t.set(TC::FpStoreControl, 15, 15);
    t.set(TC::FpClear, 2, 0);         // [T] FNCLEX 2-8 (was 5)
    t.set(TC::FpInit, 5, 0);
    t.set(TC::FpLoadEnvironment, 0, 40);
    t.set(TC::FpStoreEnvironment, 0, 45);
    t.set(TC::FpSave, 0, 205);
    t.set(TC::FpRestore, 0, 205);
    t.set(TC::FpStackMisc, 12, 0);
    return t;
}

}  // namespace

const TimingTable& timing_table_80286() {
    static constexpr TimingTable table = make_80286();
    return table;
}

}  // namespace x86emu
