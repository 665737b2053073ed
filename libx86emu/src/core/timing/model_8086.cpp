// x86emu — 8086 instruction timing table.
// Transcribes the Intel 8086 Family User's Manual (October 1979): Table 2-21 "Instruction Set
// Summary" clock counts and Table 2-20 "Effective Address Calculation Time". `mem` columns are
// the "+EA" counts without the EA part; the decoder adds the EA cost from the ea_* fields.
// Ranges (MUL/DIV) are stored as minimum with (max - min) in `extra`.
#include "core/timing/timing.hpp"

namespace x86emu {
namespace {

using TC = TimingClass;

constexpr TimingTable make_8086() {
    TimingTable t{};
    t.set(TC::None, 0);                     // prefixes: charged nothing here
    t.set(TC::AluRegRM, 3, 9);              // ADD.. reg,reg 3; reg,mem 9+EA
    t.set(TC::AluMemReg, 3, 16);            // ADD.. mem,reg 16+EA
    t.set(TC::AluRMImm, 4, 17);             // ADD.. reg,immed 4; mem,immed 17+EA
    t.set(TC::AluAccImm, 4);                // ADD.. accumulator,immed 4
    t.set(TC::CmpMemReg, 3, 9);             // CMP mem,reg 9+EA
    t.set(TC::CmpRMImm, 4, 10);             // CMP reg,immed 4; mem,immed 10+EA
    t.set(TC::TestRM, 3, 9);                // TEST reg,reg 3; reg,mem 9+EA
    t.set(TC::TestRMImm, 5, 11);            // TEST reg,immed 5; mem,immed 11+EA
    t.set(TC::TestAccImm, 4);               // TEST acc,immed 4
    t.set(TC::MovLoad, 2, 8);               // MOV reg,reg 2; reg,mem 8+EA
    t.set(TC::MovStore, 2, 9);              // MOV mem,reg 9+EA
    t.set(TC::MovRegImm, 4);                // MOV reg,immed 4
    t.set(TC::MovRMImm, 4, 10);             // MOV mem,immed 10+EA
    t.set(TC::MovAccMoffs, 10, 10);         // MOV accumulator,mem 10
    t.set(TC::MovMoffsAcc, 10, 10);         // MOV mem,accumulator 10
    t.set(TC::MovSregRM, 2, 8);             // MOV seg-reg,reg16 2; seg-reg,mem16 8+EA
    t.set(TC::MovRMSreg, 2, 9);             // MOV reg16,seg-reg 2; memory,seg-reg 9+EA
    t.set(TC::Lea, 2, 2);                   // LEA 2+EA
    t.set(TC::IncDecReg, 2);                // INC/DEC reg16 2
    t.set(TC::IncDecRM, 3, 15);             // INC/DEC reg8 3; memory 15+EA
    t.set(TC::NotNegRM, 3, 16);             // NOT/NEG reg 3; memory 16+EA
    t.set(TC::XchgRM, 4, 17);               // XCHG reg,reg 4; memory,reg 17+EA
    t.set(TC::XchgAcc, 3);                  // XCHG accumulator,reg16 3
    t.set(TC::Nop, 3);                      // NOP 3
    t.set(TC::PushReg, 11);                 // PUSH register 11
    t.set(TC::PushSreg, 10);                // PUSH seg-reg 10
    t.set(TC::PushRM, 11, 16);              // PUSH register 11; memory 16+EA
    t.set(TC::PushImm, 0);                  // (80186+: not on the 8086)
    t.set(TC::PopReg, 8);                   // POP register 8
    t.set(TC::PopSreg, 8);                  // POP seg-reg 8
    t.set(TC::PopRM, 8, 17);                // POP register 8; memory 17+EA
    t.set(TC::Pusha, 0);                    // (80186+)
    t.set(TC::Popa, 0);                     // (80186+)
    t.set(TC::Pushf, 10);                   // PUSHF 10
    t.set(TC::Popf, 8);                     // POPF 8
    t.set(TC::Enter, 0);                    // (80186+)
    t.set(TC::Leave, 0);                    // (80186+)
    t.set(TC::Cbw, 2);                      // CBW 2
    t.set(TC::Cwd, 5);                      // CWD 5
    t.set(TC::Sahf, 4);                     // SAHF 4
    t.set(TC::Lahf, 4);                     // LAHF 4
    t.set(TC::FlagOp, 2);                   // CLC CMC STC CLD STD 2
    t.set(TC::CliSti, 2);                   // CLI STI 2
    t.set(TC::Hlt, 2);                      // HLT 2
    t.set(TC::Wait, 3);                     // WAIT 3+5n (n = TEST polls; base only)
    t.set(TC::Jcc, 4, 0, 16);               // Jcc 16 or 4
    t.set(TC::Loop, 5, 0, 17);              // LOOP 17/5
    t.set(TC::Loope, 6, 0, 18);             // LOOPE/LOOPZ 18/6
    t.set(TC::Loopne, 5, 0, 19);            // LOOPNE/LOOPNZ 19/5
    t.set(TC::Jcxz, 6, 0, 18);              // JCXZ 18/6
    t.set(TC::JmpNear, 15);                 // JMP short 15; near-label 15
    t.set(TC::JmpFar, 15);                  // JMP far-label 15
    t.set(TC::JmpRM, 11, 18);               // JMP regptr16 11; memptr16 18+EA
    t.set(TC::JmpFarMem, 24, 24);           // JMP memptr32 24+EA
    t.set(TC::CallNear, 19);                // CALL near-proc 19
    t.set(TC::CallFar, 28);                 // CALL far-proc 28
    t.set(TC::CallRM, 16, 21);              // CALL regptr16 16; memptr16 21+EA
    t.set(TC::CallFarMem, 37, 37);          // CALL memptr32 37+EA
    t.set(TC::RetNear, 8);                  // RET (intra-segment, no pop) 8
    t.set(TC::RetNearImm, 12);              // RET immed8 (intra-segment, pop) 12
    t.set(TC::RetFar, 18);                  // RET (inter-segment, no pop) 18
    t.set(TC::RetFarImm, 17);               // RET immed8 (inter-segment, pop) 17
    t.set(TC::Int3, 52);                    // INT 3 (type 3) 52
    t.set(TC::IntImm, 51);                  // INT immed8 (type != 3) 51
    t.set(TC::Into, 4, 0, 53);              // INTO 53 or 4
    t.set(TC::Iret, 24);                    // IRET 24
    t.set(TC::Exception, 51);               // interrupt delivery charged as INT n: 51
    t.set(TC::Shift1, 2, 15);               // shift/rotate reg,1 2; mem,1 15+EA
    t.set(TC::ShiftCL, 8, 20, 4);           // reg,CL 8+4/bit; mem,CL 20+EA+4/bit
    t.set(TC::ShiftImm, 0);                 // (80186+: C0/C1 alias RET on the 8086)
    t.set(TC::RotateCarry, 8, 20, 4);       // RCL/RCR by CL: same row as ShiftCL on the 8086
    t.set(TC::Mul8, 70, 76, 7);             // MUL reg8 70-77; mem8 (76-83)+EA
    t.set(TC::Mul16, 118, 124, 15);         // MUL reg16 118-133; mem16 (124-139)+EA
    t.set(TC::Mul32, 0);                    // (80386 only)
    t.set(TC::Imul8, 80, 86, 18);           // IMUL reg8 80-98; mem8 (86-104)+EA
    t.set(TC::Imul16, 128, 134, 26);        // IMUL reg16 128-154; mem16 (134-160)+EA
    t.set(TC::Imul32, 0);                   // (80386 only)
    t.set(TC::ImulRegRM, 0);                // (80186+)
    t.set(TC::Div8, 80, 86, 10);            // DIV reg8 80-90; mem8 (86-96)+EA
    t.set(TC::Div16, 144, 150, 18);         // DIV reg16 144-162; mem16 (150-168)+EA
    t.set(TC::Div32, 0);                    // (80386 only)
    t.set(TC::Idiv8, 101, 107, 11);         // IDIV reg8 101-112; mem8 (107-118)+EA
    t.set(TC::Idiv16, 165, 171, 19);        // IDIV reg16 165-184; mem16 (171-190)+EA
    t.set(TC::Idiv32, 0);                   // (80386 only)
    t.set(TC::Daa, 4);                      // DAA/DAS 4
    t.set(TC::Aaa, 4);                      // AAA/AAS 4
    t.set(TC::Aam, 83);                     // AAM 83
    t.set(TC::Aad, 60);                     // AAD 60
    t.set(TC::Salc, 4);                     // undocumented: no Intel count; charged as LAHF (4)
    t.set(TC::Xlat, 11);                    // XLAT 11
    t.set(TC::LoadFarPtr, 16, 16);          // LDS/LES 16+EA
    t.set(TC::Bound, 0);                    // (80186+)
    t.set(TC::Movs, 18, 9, 17);             // MOVS 18; REP MOVS 9+17/rep
    t.set(TC::Cmps, 22, 9, 22);             // CMPS 22; REP CMPS 9+22/rep
    t.set(TC::Scas, 15, 9, 15);             // SCAS 15; REP SCAS 9+15/rep
    t.set(TC::Lods, 12, 9, 13);             // LODS 12; REP LODS 9+13/rep
    t.set(TC::Stos, 11, 9, 10);             // STOS 11; REP STOS 9+10/rep
    t.set(TC::Ins, 0);                      // (80186+)
    t.set(TC::Outs, 0);                     // (80186+)
    t.set(TC::InImm, 10);                   // IN accumulator,immed8 10
    t.set(TC::InDx, 8);                     // IN accumulator,DX 8
    t.set(TC::OutImm, 10);                  // OUT immed8,accumulator 10
    t.set(TC::OutDx, 8);                    // OUT DX,accumulator 8
    t.set(TC::Esc, 2, 8);                   // ESC immediate,register 2; immediate,memory 8+EA
    t.set(TC::SystemTable, 0);              // (80286+)
    t.set(TC::Msw, 0);                      // (80286+)
    t.set(TC::Lmsw, 0);                     // (80286+)
    t.set(TC::Clts, 0);                     // (80286+)
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
    t.set(TC::UndefinedOpcode, 0);          // no #UD on the 8086: executes as a no-op

    // Table 2-20: effective address calculation time.
    t.ea_disp_only = 6;             // displacement
    t.ea_base_or_index = 5;         // base or index (BX, BP, SI, DI)
    t.ea_base_index_fast = 7;       // BP+DI, BX+SI
    t.ea_base_index_slow = 8;       // BP+SI, BX+DI
    t.ea_disp_base_or_index = 9;    // displacement + base or index
    t.ea_disp_base_index_fast = 11; // BP+DI+disp, BX+SI+disp
    t.ea_disp_base_index_slow = 12; // BP+SI+disp, BX+DI+disp
    t.ea_segment_override = 2;      // segment override prefix
    t.ea_three_component = 0;       // (80286/80386 only; the 8086 uses the rows above)
    t.rep_setup = 0;                // REP fixed cost is the `mem` column of each string class
    t.odd_word_penalty = 4;         // +4 clocks per word transfer at an odd address
    return t;
}

}  // namespace

const TimingTable& timing_table_8086() {
    static constexpr TimingTable table = make_8086();
    return table;
}

}  // namespace x86emu
