// x86emu — 8086 instruction timing table.
// Transcribes the Intel 8086 Family User's Manual (October 1979): Table 2-21 "Instruction Set
// Summary" clock counts and Table 2-20 "Effective Address Calculation Time". `mem` columns are
// the "+EA" counts without the EA part; the decoder adds the EA cost from the ea_* fields.
// Ranges (MUL/DIV) are stored as minimum with (max - min) in `extra`.
#include "core/timing/timing.hpp"

namespace x86emu {
namespace {

using TC = TimingClass;
constexpr void set(TimingTable& t, TC c, std::uint16_t reg, std::uint16_t mem = 0, std::uint16_t extra = 0) {
    t.entries[static_cast<unsigned>(c)] = TimingEntry{reg, mem, extra};
}

constexpr TimingTable make_8086() {
    TimingTable t{};
    set(t, TC::None, 0);                     // prefixes: charged nothing here
    set(t, TC::AluRegRM, 3, 9);              // ADD.. reg,reg 3; reg,mem 9+EA
    set(t, TC::AluMemReg, 3, 16);            // ADD.. mem,reg 16+EA
    set(t, TC::AluRMImm, 4, 17);             // ADD.. reg,immed 4; mem,immed 17+EA
    set(t, TC::AluAccImm, 4);                // ADD.. accumulator,immed 4
    set(t, TC::CmpMemReg, 3, 9);             // CMP mem,reg 9+EA
    set(t, TC::CmpRMImm, 4, 10);             // CMP reg,immed 4; mem,immed 10+EA
    set(t, TC::TestRM, 3, 9);                // TEST reg,reg 3; reg,mem 9+EA
    set(t, TC::TestRMImm, 5, 11);            // TEST reg,immed 5; mem,immed 11+EA
    set(t, TC::TestAccImm, 4);               // TEST acc,immed 4
    set(t, TC::MovLoad, 2, 8);               // MOV reg,reg 2; reg,mem 8+EA
    set(t, TC::MovStore, 2, 9);              // MOV mem,reg 9+EA
    set(t, TC::MovRegImm, 4);                // MOV reg,immed 4
    set(t, TC::MovRMImm, 4, 10);             // MOV mem,immed 10+EA
    set(t, TC::MovAccMoffs, 10, 10);         // MOV accumulator,mem 10
    set(t, TC::MovMoffsAcc, 10, 10);         // MOV mem,accumulator 10
    set(t, TC::MovSregRM, 2, 8);             // MOV seg-reg,reg16 2; seg-reg,mem16 8+EA
    set(t, TC::MovRMSreg, 2, 9);             // MOV reg16,seg-reg 2; memory,seg-reg 9+EA
    set(t, TC::Lea, 2, 2);                   // LEA 2+EA
    set(t, TC::IncDecReg, 2);                // INC/DEC reg16 2
    set(t, TC::IncDecRM, 3, 15);             // INC/DEC reg8 3; memory 15+EA
    set(t, TC::NotNegRM, 3, 16);             // NOT/NEG reg 3; memory 16+EA
    set(t, TC::XchgRM, 4, 17);               // XCHG reg,reg 4; memory,reg 17+EA
    set(t, TC::XchgAcc, 3);                  // XCHG accumulator,reg16 3
    set(t, TC::Nop, 3);                      // NOP 3
    set(t, TC::PushReg, 11);                 // PUSH register 11
    set(t, TC::PushSreg, 10);                // PUSH seg-reg 10
    set(t, TC::PushRM, 11, 16);              // PUSH register 11; memory 16+EA
    set(t, TC::PushImm, 0);                  // (80186+: not on the 8086)
    set(t, TC::PopReg, 8);                   // POP register 8
    set(t, TC::PopSreg, 8);                  // POP seg-reg 8
    set(t, TC::PopRM, 8, 17);                // POP register 8; memory 17+EA
    set(t, TC::Pusha, 0);                    // (80186+)
    set(t, TC::Popa, 0);                     // (80186+)
    set(t, TC::Pushf, 10);                   // PUSHF 10
    set(t, TC::Popf, 8);                     // POPF 8
    set(t, TC::Enter, 0);                    // (80186+)
    set(t, TC::Leave, 0);                    // (80186+)
    set(t, TC::Cbw, 2);                      // CBW 2
    set(t, TC::Cwd, 5);                      // CWD 5
    set(t, TC::Sahf, 4);                     // SAHF 4
    set(t, TC::Lahf, 4);                     // LAHF 4
    set(t, TC::FlagOp, 2);                   // CLC CMC STC CLD STD 2
    set(t, TC::CliSti, 2);                   // CLI STI 2
    set(t, TC::Hlt, 2);                      // HLT 2
    set(t, TC::Wait, 3);                     // WAIT 3+5n (n = TEST polls; base only)
    set(t, TC::Jcc, 4, 0, 16);               // Jcc 16 or 4
    set(t, TC::Loop, 5, 0, 17);              // LOOP 17/5
    set(t, TC::Loope, 6, 0, 18);             // LOOPE/LOOPZ 18/6
    set(t, TC::Loopne, 5, 0, 19);            // LOOPNE/LOOPNZ 19/5
    set(t, TC::Jcxz, 6, 0, 18);              // JCXZ 18/6
    set(t, TC::JmpNear, 15);                 // JMP short 15; near-label 15
    set(t, TC::JmpFar, 15);                  // JMP far-label 15
    set(t, TC::JmpRM, 11, 18);               // JMP regptr16 11; memptr16 18+EA
    set(t, TC::JmpFarMem, 24, 24);           // JMP memptr32 24+EA
    set(t, TC::CallNear, 19);                // CALL near-proc 19
    set(t, TC::CallFar, 28);                 // CALL far-proc 28
    set(t, TC::CallRM, 16, 21);              // CALL regptr16 16; memptr16 21+EA
    set(t, TC::CallFarMem, 37, 37);          // CALL memptr32 37+EA
    set(t, TC::RetNear, 8);                  // RET (intra-segment, no pop) 8
    set(t, TC::RetNearImm, 12);              // RET immed8 (intra-segment, pop) 12
    set(t, TC::RetFar, 18);                  // RET (inter-segment, no pop) 18
    set(t, TC::RetFarImm, 17);               // RET immed8 (inter-segment, pop) 17
    set(t, TC::Int3, 52);                    // INT 3 (type 3) 52
    set(t, TC::IntImm, 51);                  // INT immed8 (type != 3) 51
    set(t, TC::Into, 4, 0, 53);              // INTO 53 or 4
    set(t, TC::Iret, 24);                    // IRET 24
    set(t, TC::Exception, 51);               // interrupt delivery charged as INT n: 51
    set(t, TC::Shift1, 2, 15);               // shift/rotate reg,1 2; mem,1 15+EA
    set(t, TC::ShiftCL, 8, 20, 4);           // reg,CL 8+4/bit; mem,CL 20+EA+4/bit
    set(t, TC::ShiftImm, 0);                 // (80186+: C0/C1 alias RET on the 8086)
    set(t, TC::RotateCarry, 8, 20, 4);       // RCL/RCR by CL: same row as ShiftCL on the 8086
    set(t, TC::Mul8, 70, 76, 7);             // MUL reg8 70-77; mem8 (76-83)+EA
    set(t, TC::Mul16, 118, 124, 15);         // MUL reg16 118-133; mem16 (124-139)+EA
    set(t, TC::Mul32, 0);                    // (80386 only)
    set(t, TC::Imul8, 80, 86, 18);           // IMUL reg8 80-98; mem8 (86-104)+EA
    set(t, TC::Imul16, 128, 134, 26);        // IMUL reg16 128-154; mem16 (134-160)+EA
    set(t, TC::Imul32, 0);                   // (80386 only)
    set(t, TC::ImulRegRM, 0);                // (80186+)
    set(t, TC::Div8, 80, 86, 10);            // DIV reg8 80-90; mem8 (86-96)+EA
    set(t, TC::Div16, 144, 150, 18);         // DIV reg16 144-162; mem16 (150-168)+EA
    set(t, TC::Div32, 0);                    // (80386 only)
    set(t, TC::Idiv8, 101, 107, 11);         // IDIV reg8 101-112; mem8 (107-118)+EA
    set(t, TC::Idiv16, 165, 171, 19);        // IDIV reg16 165-184; mem16 (171-190)+EA
    set(t, TC::Idiv32, 0);                   // (80386 only)
    set(t, TC::Daa, 4);                      // DAA/DAS 4
    set(t, TC::Aaa, 4);                      // AAA/AAS 4
    set(t, TC::Aam, 83);                     // AAM 83
    set(t, TC::Aad, 60);                     // AAD 60
    set(t, TC::Salc, 4);                     // undocumented: no Intel count; charged as LAHF (4)
    set(t, TC::Xlat, 11);                    // XLAT 11
    set(t, TC::LoadFarPtr, 16, 16);          // LDS/LES 16+EA
    set(t, TC::Bound, 0);                    // (80186+)
    set(t, TC::Movs, 18, 9, 17);             // MOVS 18; REP MOVS 9+17/rep
    set(t, TC::Cmps, 22, 9, 22);             // CMPS 22; REP CMPS 9+22/rep
    set(t, TC::Scas, 15, 9, 15);             // SCAS 15; REP SCAS 9+15/rep
    set(t, TC::Lods, 12, 9, 13);             // LODS 12; REP LODS 9+13/rep
    set(t, TC::Stos, 11, 9, 10);             // STOS 11; REP STOS 9+10/rep
    set(t, TC::Ins, 0);                      // (80186+)
    set(t, TC::Outs, 0);                     // (80186+)
    set(t, TC::InImm, 10);                   // IN accumulator,immed8 10
    set(t, TC::InDx, 8);                     // IN accumulator,DX 8
    set(t, TC::OutImm, 10);                  // OUT immed8,accumulator 10
    set(t, TC::OutDx, 8);                    // OUT DX,accumulator 8
    set(t, TC::Esc, 2, 8);                   // ESC immediate,register 2; immediate,memory 8+EA
    set(t, TC::SystemTable, 0);              // (80286+)
    set(t, TC::Msw, 0);                      // (80286+)
    set(t, TC::Lmsw, 0);                     // (80286+)
    set(t, TC::Clts, 0);                     // (80286+)
    set(t, TC::MovCr, 0);                    // (80386 only)
    set(t, TC::MovDr, 0);                    // (80386 only)
    set(t, TC::BitTest, 0);                  // (80386 only)
    set(t, TC::BitTestModify, 0);            // (80386 only)
    set(t, TC::BitTestImm, 0);               // (80386 only)
    set(t, TC::BitTestModifyImm, 0);         // (80386 only)
    set(t, TC::BitScan, 0);                  // (80386 only)
    set(t, TC::DoubleShift, 0);              // (80386 only)
    set(t, TC::Setcc, 0);                    // (80386 only)
    set(t, TC::MovExtend, 0);                // (80386 only)
    set(t, TC::UndefinedOpcode, 0);          // no #UD on the 8086: executes as a no-op

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
