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
constexpr void set(TimingTable& t, TC c, std::uint16_t reg, std::uint16_t mem = 0, std::uint16_t extra = 0) {
    t.entries[static_cast<unsigned>(c)] = TimingEntry{reg, mem, extra};
}

constexpr TimingTable make_80286() {
    TimingTable t{};
    set(t, TC::None, 0);                     // prefixes: charged nothing here
    set(t, TC::AluRegRM, 2, 7);              // ADD.. reg/mem with register to either 2,7
    set(t, TC::AluMemReg, 2, 7);             // ADD.. reg/mem with register to either 2,7
    set(t, TC::AluRMImm, 3, 7);              // ADD.. immediate to register/memory 3,7
    set(t, TC::AluAccImm, 3);                // ADD.. immediate to accumulator 3
    set(t, TC::CmpMemReg, 2, 6);             // CMP register/memory with register 2,6
    set(t, TC::CmpRMImm, 3, 6);              // CMP immediate with register/memory 3,6
    set(t, TC::TestRM, 2, 6);                // TEST register/memory and register 2,6
    set(t, TC::TestRMImm, 3, 6);             // TEST immediate data and register/memory 3,6
    set(t, TC::TestAccImm, 3);               // TEST immediate data and accumulator 3
    set(t, TC::MovLoad, 2, 5);               // MOV register/memory to register 2,5
    set(t, TC::MovStore, 2, 3);              // MOV register to register/memory 2,3
    set(t, TC::MovRegImm, 2);                // MOV immediate to register 2
    set(t, TC::MovRMImm, 2, 3);              // MOV immediate to register/memory 2,3
    set(t, TC::MovAccMoffs, 5, 5);           // MOV memory to accumulator 5
    set(t, TC::MovMoffsAcc, 3, 3);           // MOV accumulator to memory 3
    set(t, TC::MovSregRM, 2, 5);             // MOV register/memory to segment register 2,5 (real)
    set(t, TC::MovRMSreg, 2, 3);             // MOV segment register to register/memory 2,3
    set(t, TC::Lea, 3, 3);                   // LEA 3
    set(t, TC::IncDecReg, 2);                // INC/DEC register 2
    set(t, TC::IncDecRM, 2, 7);              // INC/DEC register/memory 2,7
    set(t, TC::NotNegRM, 2, 7);              // NOT/NEG register/memory 2,7
    set(t, TC::XchgRM, 3, 5);                // XCHG register/memory with register 3,5
    set(t, TC::XchgAcc, 3);                  // XCHG register with accumulator 3
    set(t, TC::Nop, 3);                      // NOP 3
    set(t, TC::PushReg, 3);                  // PUSH register 3
    set(t, TC::PushSreg, 3);                 // PUSH segment register 3
    set(t, TC::PushRM, 3, 5);                // PUSH register 3; memory 5
    set(t, TC::PushImm, 3);                  // PUSH immediate 3
    set(t, TC::PopReg, 5);                   // POP register 5
    set(t, TC::PopSreg, 5);                  // POP segment register 5 (real)
    set(t, TC::PopRM, 5, 5);                 // POP register/memory 5
    set(t, TC::Pusha, 17);                   // PUSHA 17
    set(t, TC::Popa, 19);                    // POPA 19
    set(t, TC::Pushf, 3);                    // PUSHF 3
    set(t, TC::Popf, 5);                     // POPF 5
    set(t, TC::Enter, 11, 15, 4);            // ENTER L=0 11; L=1 15; L>1 12+4(L-1)
    set(t, TC::Leave, 5);                    // LEAVE 5
    set(t, TC::Cbw, 2);                      // CBW 2
    set(t, TC::Cwd, 2);                      // CWD 2
    set(t, TC::Sahf, 2);                     // SAHF 2
    set(t, TC::Lahf, 2);                     // LAHF 2
    set(t, TC::FlagOp, 2);                   // CLC CMC STC CLD STD 2
    set(t, TC::CliSti, 3);                   // CLI 3 (STI 2)
    set(t, TC::Hlt, 2);                      // HLT 2
    set(t, TC::Wait, 3);                     // WAIT 3
    set(t, TC::Jcc, 3, 0, 7);                // Jcc 7+m or 3
    set(t, TC::Loop, 4, 0, 8);               // LOOP 8+m or 4
    set(t, TC::Loope, 4, 0, 8);              // LOOPZ/LOOPE 8+m or 4
    set(t, TC::Loopne, 4, 0, 8);             // LOOPNZ/LOOPNE 8+m or 4
    set(t, TC::Jcxz, 4, 0, 8);               // JCXZ 8+m or 4
    set(t, TC::JmpNear, 7);                  // JMP short / direct within segment 7+m
    set(t, TC::JmpFar, 11);                  // JMP direct intersegment 11+m (real)
    set(t, TC::JmpRM, 7, 11);                // JMP register/memory indirect within segment 7+m, 11+m
    set(t, TC::JmpFarMem, 15, 15);           // JMP indirect intersegment 15+m (real)
    set(t, TC::CallNear, 7);                 // CALL direct within segment 7+m
    set(t, TC::CallFar, 13);                 // CALL direct intersegment 13+m (real)
    set(t, TC::CallRM, 7, 11);               // CALL register/memory indirect within segment 7+m, 11+m
    set(t, TC::CallFarMem, 16, 16);          // CALL indirect intersegment 16+m (real)
    set(t, TC::RetNear, 11);                 // RET within segment 11+m
    set(t, TC::RetNearImm, 11);              // RET within segment adding immediate to SP 11+m
    set(t, TC::RetFar, 15);                  // RET intersegment 15+m (real)
    set(t, TC::RetFarImm, 15);               // RET intersegment adding immediate to SP 15+m (real)
    set(t, TC::Int3, 23);                    // INT type 3 23+m (real)
    set(t, TC::IntImm, 23);                  // INT type specified 23+m (real)
    set(t, TC::Into, 3, 0, 24);              // INTO 24+m if OF = 1, 3 if OF = 0 (real)
    set(t, TC::Iret, 17);                    // IRET 17+m (real)
    set(t, TC::Exception, 23);               // interrupt/exception delivery charged as INT n: 23
    set(t, TC::Shift1, 2, 7);                // shift/rotate register/memory by 1 2,7
    set(t, TC::ShiftCL, 5, 8, 1);            // by CL 5+n, 8+n
    set(t, TC::ShiftImm, 5, 8, 1);           // by count 5+n, 8+n
    set(t, TC::RotateCarry, 5, 8, 1);        // RCL/RCR: same rows as the other shifts on the 286
    set(t, TC::Mul8, 13, 16);                // MUL register-byte 13; memory-byte 16
    set(t, TC::Mul16, 21, 24);               // MUL register-word 21; memory-word 24
    set(t, TC::Mul32, 0);                    // (80386 only)
    set(t, TC::Imul8, 13, 16);               // IMUL register-byte 13; memory-byte 16
    set(t, TC::Imul16, 21, 24);              // IMUL register-word 21; memory-word 24
    set(t, TC::Imul32, 0);                   // (80386 only)
    set(t, TC::ImulRegRM, 21, 24);           // IMUL integer immediate multiply 21,24
    set(t, TC::Div8, 14, 17);                // DIV register-byte 14; memory-byte 17
    set(t, TC::Div16, 22, 25);               // DIV register-word 22; memory-word 25
    set(t, TC::Div32, 0);                    // (80386 only)
    set(t, TC::Idiv8, 17, 20);               // IDIV register-byte 17; memory-byte 20
    set(t, TC::Idiv16, 25, 28);              // IDIV register-word 25; memory-word 28
    set(t, TC::Idiv32, 0);                   // (80386 only)
    set(t, TC::Daa, 3);                      // DAA/DAS 3
    set(t, TC::Aaa, 3);                      // AAA/AAS 3
    set(t, TC::Aam, 16);                     // AAM 16
    set(t, TC::Aad, 14);                     // AAD 14
    set(t, TC::Salc, 2);                     // undocumented: no Intel count; charged as LAHF (2)
    set(t, TC::Xlat, 5);                     // XLAT 5
    set(t, TC::LoadFarPtr, 7, 7);            // LDS/LES 7 (real)
    set(t, TC::Bound, 13, 13);               // BOUND 13 (in range; out of range adds INT 5)
    set(t, TC::Movs, 5, 5, 4);               // MOVS 5; REP MOVS 5+4n
    set(t, TC::Cmps, 8, 5, 9);               // CMPS 8; REP CMPS 5+9n
    set(t, TC::Scas, 7, 5, 8);               // SCAS 7; REP SCAS 5+8n
    set(t, TC::Lods, 5, 5, 4);               // LODS 5; REP LODS 5+4n
    set(t, TC::Stos, 3, 4, 3);               // STOS 3; REP STOS 4+3n
    set(t, TC::Ins, 5, 5, 4);                // INS 5; REP INS 5+4n
    set(t, TC::Outs, 5, 5, 4);               // OUTS 5; REP OUTS 5+4n
    set(t, TC::InImm, 5);                    // IN fixed port 5
    set(t, TC::InDx, 5);                     // IN variable port 5
    set(t, TC::OutImm, 3);                   // OUT fixed port 3
    set(t, TC::OutDx, 3);                    // OUT variable port 3
    set(t, TC::Esc, 9, 9);                   // processor extension escape 9-20 (minimum)
    set(t, TC::SystemTable, 11, 11);         // LGDT/SGDT 11 (LIDT/SIDT 12)
    set(t, TC::Msw, 2, 3);                   // SMSW register 2; memory 3
    set(t, TC::Lmsw, 3, 6);                  // LMSW register 3; memory 6
    set(t, TC::Clts, 2);                     // CLTS 2
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
    set(t, TC::UndefinedOpcode, 23);         // #UD (interrupt 6) delivery, as INT n: 23

    t.ea_three_component = 1;                // +1 for base + index + displacement
    t.rep_setup = 0;                         // REP fixed cost is the `mem` column of each string class
    t.odd_word_penalty = 0;                  // (8086 only)
    return t;
}

}  // namespace

const TimingTable& timing_table_80286() {
    static constexpr TimingTable table = make_80286();
    return table;
}

}  // namespace x86emu
