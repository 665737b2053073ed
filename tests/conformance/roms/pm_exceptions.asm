; pm_exceptions.asm — exception and interrupt delivery in protected mode (80386 target).
;
; Manual sections checked:
;   SDM vol. 3 6.4-6.5 (sources, faults vs traps: saved EIP at vs after the instruction),
;   6.10-6.12 (IDT, gate descriptors, delivery), 6.13 (error code: EXT, IDT, TI bits; a gate
;   beyond the IDT limit or not present gives #GP/#NP(vector*8+2+EXT)), 6.15 exception pages:
;   #DE(0), #DB(1), #BP(3), #OF(4), #BR(5), #UD(6), #NM(7), #DF(8) (Table 6-5: contributory +
;   contributory = #DF, error code 0), #NP(11), #GP(13); 17.2-17.3 (debug registers DR0-DR3,
;   DR6, DR7; instruction breakpoints are faults and RF suppresses them for one instruction; data
;   breakpoints are traps; single-step trap after the instruction following a POPF that sets
;   TF); 2.5 (CR0.EM/TS/MP and ESC/WAIT).
;   80386 Programmer's Reference Manual chapter 9 (exceptions and interrupts, 9.8 exception
;   conditions, 9.9 table of exception types), chapter 12 (debugging), 2.9/11 (coprocessor
;   emulation flags).
;
; Bochs 2.7 agreed with the manual on every check below.

%include "lib/rom.inc"

rom_name: db "pm_exceptions", 0

D_NP        equ 0x48        ; not-present data segment
align 8
gdt_template:
    GDT_COMMON
    DESC 0, 0xFFFFF, ACC_DATA_RW & 0x7F, FL_G | FL_D        ; 0x48 D_NP
gdt_template_end:

; gate access byte of vector n in the IDT
%define GATE_ACC(n) byte [IDT_BASE + (n) * 8 + 5]
%define GATE_SEL(n) word [IDT_BASE + (n) * 8 + 2]

bound_pair: dd 10, 20

test_main:
; ------------------------------------------------------------------ #DE
    TEST "#DE divide error"
    ; #DE is a fault: saved EIP points at the DIV/IDIV; no error code.
    xor ecx, ecx
    mov eax, 1
    xor edx, edx
    FAULT 0, NO_ERR, div ecx
    mov eax, 0x12345678
    mov edx, 0x10                           ; quotient does not fit in 32 bits
    mov ecx, 2
    FAULT 0, NO_ERR, div ecx
    mov edx, 0xFFFFFFFF                     ; -2^31 / -1 overflows IDIV
    mov eax, 0x80000000
    mov ecx, -1
    FAULT 0, NO_ERR, idiv ecx
    mov ax, 0x0400
    mov bl, 2                               ; 8-bit quotient 0x200 does not fit
    FAULT 0, NO_ERR, div bl

; ------------------------------------------------------------------ #BP, INTO, INT n
    TEST "#BP / INTO / INT n"
    ; INT3 and INT n are traps: the saved EIP is the next instruction; no error code.
    TRY .bp1
    int3
.bp1:
    CHKEXC 3, NO_ERR, .bp1
    TRY .bp2
    int 3                                   ; the two-byte form, CD 03
.bp2:
    CHKEXC 3, NO_ERR, .bp2
    ; INTO raises #OF (vector 4, trap) only when OF=1.
    mov al, 0x7F
    add al, 1                               ; OF=1
    TRY .of1
    into
.of1:
    CHKEXC 4, NO_ERR, .of1
    xor eax, eax                            ; OF=0
    NOFAULT into
    TRY .int1
    int 0x50
.int1:
    CHKEXC 0x50, NO_ERR, .int1
    ; INT n on a vector that has an error code when raised by the CPU pushes none (SDM 6.13):
    ; the saved EIP lands in the error-code slot only if one were pushed.
    TRY .int2
    int 0x0E
.int2:
    ; the catcher assumes an error code for vector 14, so it reads the pushed EIP as the error code
    CHK [exc_err], .int2, "INT 0Eh pushes no error code (EIP where the catcher expects it)"

; ------------------------------------------------------------------ BOUND
    TEST "#BR BOUND"
    ; BOUND r32, m32&32: #BR (fault, EIP at BOUND) if the index is below the lower or above the
    ; upper bound (inclusive bounds).
    mov eax, 9
    FAULT 5, NO_ERR, bound eax, [bound_pair]
    mov eax, 21
    FAULT 5, NO_ERR, bound eax, [bound_pair]
    mov eax, 10
    NOFAULT bound eax, [bound_pair]
    mov eax, 20
    NOFAULT bound eax, [bound_pair]
    mov eax, -1                             ; signed comparison: -1 < 10
    FAULT 5, NO_ERR, bound eax, [bound_pair]

; ------------------------------------------------------------------ #UD
    TEST "#UD invalid opcode"
    ; #UD is a fault; no error code.
    FAULT 6, NO_ERR, db 0x8D, 0xC0          ; LEA with a register operand
    FAULT 6, NO_ERR, db 0x8E, 0xC8          ; MOV CS, AX
    FAULT 6, NO_ERR, db 0xC4, 0xC3          ; LES with a register operand
    FAULT 6, NO_ERR, db 0xF0, 0x90          ; LOCK NOP: LOCK on a non-memory instruction
    FAULT 6, NO_ERR, db 0xF0, 0x8B, 0x03    ; LOCK MOV EAX,[EBX]: MOV is not lockable

; ------------------------------------------------------------------ #NM
    TEST "#NM device not available"
    ; CR0.EM=1: every ESC instruction raises #NM (fault). WAIT is not affected by EM.
    ; CR0.TS=1 and MP=1: ESC and WAIT raise #NM. TS=1, MP=0: ESC only.
    mov ebx, cr0
    mov eax, ebx
    and eax, ~0xE                           ; MP=EM=TS=0
    or eax, 0x4                             ; EM
    mov cr0, eax
    FAULT 7, NO_ERR, fnop
    FAULT 7, NO_ERR, fninit
    mov eax, ebx
    and eax, ~0xE
    or eax, 0xA                             ; TS + MP
    mov cr0, eax
    FAULT 7, NO_ERR, wait
    FAULT 7, NO_ERR, fnop
    mov eax, ebx
    and eax, ~0xE
    or eax, 0x8                             ; TS only
    mov cr0, eax
    NOFAULT wait
    FAULT 7, NO_ERR, fnop
    ; CLTS clears CR0.TS
    clts
    mov eax, cr0
    CHKM eax, 0, 0x8, "CR0.TS after CLTS"
    mov cr0, ebx

; ------------------------------------------------------------------ #GP sources
    TEST "#GP error codes"
    ; far JMP to a data segment: #GP(selector); to a null selector: #GP(0)
    FAULT 13, SEL_DATA0, jmp SEL_DATA0:0
    FAULT 13, 0, jmp 0:0
    ; far JMP beyond the CS limit (16-bit code segment, limit 0xFFFF): #GP(0)
    FAULT 13, 0, jmp SEL_CODE16:0x10000
    ; MOV to CR with an invalid register number: #UD
    FAULT 6, NO_ERR, db 0x0F, 0x22, 0xE8    ; MOV CR5, EAX

; ------------------------------------------------------------------ IDT checks
    TEST "IDT limit"
    ; An interrupt whose gate lies beyond the IDT limit: #GP(vector*8 + 2) (IDT bit set; EXT=0
    ; for INT n), and the saved EIP is the INT instruction.
    sidt [scratch + 32]
    mov word [scratch], 0x40 * 8 - 1        ; vectors 0..0x3F inside
    mov dword [scratch + 2], IDT_BASE
    lidt [scratch]
    FAULT 13, 0x40 * 8 + 2, int 0x40
    FAULT 13, 0xFF * 8 + 2, int 0xFF
    TRY .lim_ok
    int 0x3F
.lim_ok:
    CHKEXC 0x3F, NO_ERR, .lim_ok
    mov word [scratch], 0x40 * 8 - 2        ; the gate of 0x3F straddles the limit
    lidt [scratch]
    FAULT 13, 0x3F * 8 + 2, int 0x3F
    lidt [scratch + 32]

    TEST "IDT gate checks"
    ; not-present gate: #NP(vector*8 + 2)
    and GATE_ACC(0x41), 0x7F
    FAULT 11, 0x41 * 8 + 2, int 0x41
    or GATE_ACC(0x41), 0x80
    ; a descriptor type that is not a gate (here a TSS type 9): #GP(vector*8 + 2)
    mov GATE_ACC(0x42), 0x89
    FAULT 13, 0x42 * 8 + 2, int 0x42
    mov GATE_ACC(0x42), SYS_INTGATE386
    ; gate selector pointing at a data segment: #GP(selector)
    mov GATE_SEL(0x43), SEL_DATA0
    FAULT 13, SEL_DATA0, int 0x43
    ; gate selector null: #GP(0)
    mov GATE_SEL(0x43), 0
    FAULT 13, 0, int 0x43
    mov GATE_SEL(0x43), SEL_CODE0
    ; a benign exception (#UD) whose gate is not present: #NP(6*8 + 2 + EXT=1), no double fault
    and GATE_ACC(6), 0x7F
    FAULT 11, 6 * 8 + 3, db 0x8D, 0xC0
    or GATE_ACC(6), 0x80
    ; #BP (INT3) with a not-present gate: software interrupt, EXT=0: #NP(3*8 + 2)
    and GATE_ACC(3), 0x7F
    FAULT 11, 3 * 8 + 2, int3
    or GATE_ACC(3), 0x80

; ------------------------------------------------------------------ double fault
    TEST "#DF double fault"
    ; Table 6-5: a contributory exception (#DE, #TS, #NP, #SS, #GP) raised while delivering a
    ; contributory exception becomes #DF with error code 0. The saved CS:EIP of #DF is undefined,
    ; so only the vector and error code are compared.
    ; (a) #GP whose gate is not present -> #NP during delivery -> #DF
    and GATE_ACC(13), 0x7F
    mov ax, D_NP + 0x1000                   ; beyond the GDT limit
    TRY .df1
    mov ds, ax
.df1:
    or GATE_ACC(13), 0x80
    CHK [exc_vec], 8, "vector (#GP, gate 13 not present)"
    CHK [exc_err], 0, "error code"
    ; (b) #NP whose gate selector is null -> #GP(0) during delivery -> #DF
    mov GATE_SEL(11), 0
    mov ax, D_NP
    TRY .df2
    mov es, ax
.df2:
    mov GATE_SEL(11), SEL_CODE0
    CHK [exc_vec], 8, "vector (#NP, gate 11 selector null)"
    CHK [exc_err], 0, "error code"
    ; (c) #DE whose gate is not present -> #NP -> #DF
    and GATE_ACC(0), 0x7F
    xor ecx, ecx
    TRY .df3
    div ecx
.df3:
    or GATE_ACC(0), 0x80
    CHK [exc_vec], 8, "vector (#DE, gate 0 not present)"
    CHK [exc_err], 0, "error code"
    ; (d) control: the same #NP with intact gates is just #NP(selector)
    mov ax, D_NP
    FAULT 11, D_NP, mov es, ax

; ------------------------------------------------------------------ single step
    TEST "TF single step"
    ; A POPF that sets TF: the trap comes after the instruction following the POPF; saved EIP
    ; = the instruction after that; DR6.BS (bit 14) is set; the pushed EFLAGS has TF=1; the
    ; handler runs with TF=0.
    xor eax, eax
    mov dr6, eax
    pushfd
    or dword [esp], EFL_TF
    TRY .ss_after
    popfd
    inc eax                                 ; executes, then #DB
.ss_after:
    CHKEXC 1, NO_ERR, .ss_after
    CHK [EXC_EAX], 1, "the stepped instruction ran once"
    mov eax, dr6
    CHKM eax, 0x4000, 0x400F, "DR6: BS=1, B0-B3=0"
    CHKM [exc_eflags], EFL_TF, EFL_TF, "pushed EFLAGS.TF"
    pushfd
    pop eax
    CHKM eax, 0, EFL_TF, "TF clear in the handler context"

; ------------------------------------------------------------------ debug registers
    TEST "DR0 instruction breakpoint"
    ; An instruction breakpoint is a fault: #DB before the instruction executes, saved EIP =
    ; the instruction, DR6.B0 = 1. Resuming with EFLAGS.RF=1 executes it without a new #DB.
    xor eax, eax
    mov dr6, eax
    mov eax, .bp_insn
    mov dr0, eax
    mov eax, 0x00000001 | 0x200             ; L0, RW0=00 (execute), LEN0=00; GE
    mov dr7, eax
    mov ebx, 5
    mov dword [scratch + 60], .bp_rec
    TRY .bp_rec
.bp_insn:
    add ebx, 1
    jmp [scratch + 60]                      ; .bp_rec the first time (not reached if #DB fires)
.bp_rec:
    CHKEXC 1, NO_ERR, .bp_insn
    CHK [EXC_EBX], 5, "the instruction did not execute"
    mov eax, dr6
    CHKM eax, 0x0001, 0x400F, "DR6: B0=1, BS=0"
    ; resume with RF=1 through IRETD
    mov dword [scratch + 60], .rf_done
    TRY .rf_done
    pushfd
    or dword [esp], EFL_RF
    push dword SEL_CODE0
    push dword .bp_insn
    iretd
.rf_done:
    ; (reached either via the jmp after .bp_insn, or via an unwanted second #DB)
    CHK [exc_vec], NO_EXC, "no #DB with RF=1"
    CHK ebx, 6, "the instruction executed once with RF=1"
    mov eax, dr7
    CHKM eax, 0x00000201, 0xFFFF23FF, "DR7 read back"
    mov eax, dr0
    CHK eax, .bp_insn, "DR0 read back"
    xor eax, eax
    mov dr7, eax

    TEST "DR1 data breakpoint"
    ; A data breakpoint is a trap: the access completes, #DB with saved EIP = next instruction,
    ; DR6.B1 = 1. RW=01 breaks on writes only; RW=11 on reads and writes.
    xor eax, eax
    mov dr6, eax
    mov dword [scratch + 16], 0
    mov eax, scratch + 16
    mov dr1, eax
    mov eax, 0x00000004 | 0x200 | (01b << 20) | (11b << 22)     ; L1, GE, RW1=write, LEN1=4
    mov dr7, eax
    NOFAULT mov eax, [scratch + 16]         ; ignored: reads do not match RW=01
    TRY .db_w
    mov dword [scratch + 16], 0x1234
.db_w:
    CHKEXC 1, NO_ERR, .db_w
    CHK [scratch + 16], 0x1234, "the write completed"
    mov eax, dr6
    CHKM eax, 0x0002, 0x400F, "DR6: B1=1"
    ; a byte write inside the watched dword also matches
    xor eax, eax
    mov dr6, eax
    TRY .db_w2
    mov byte [scratch + 18], 0x55
.db_w2:
    CHKEXC 1, NO_ERR, .db_w2
    ; RW=11: reads match too
    mov eax, 0x00000004 | 0x200 | (11b << 20) | (11b << 22)
    mov dr7, eax
    xor eax, eax
    mov dr6, eax
    TRY .db_r
    mov ecx, [scratch + 16]
.db_r:
    CHKEXC 1, NO_ERR, .db_r
    CHK [EXC_ECX], 0x00551234, "the read completed"
    mov eax, dr6
    CHKM eax, 0x0002, 0x400F, "DR6: B1=1 for the read"
    ; an access outside the watched dword does not match
    NOFAULT mov dword [scratch + 20], 1
    ; L1 clear: disabled
    xor eax, eax
    mov dr7, eax
    NOFAULT mov dword [scratch + 16], 7
    mov eax, dr1
    CHK eax, scratch + 16, "DR1 read back"

    TEST "DR2/DR3 breakpoints, LEN 2 and 4"
    ; SDM 17.2.4-17.2.5: DR7 L2 = bit 4, R/W2 = bits 24-25, LEN2 = bits 26-27; L3 = bit 6,
    ; R/W3 = bits 28-29, LEN3 = bits 30-31; DR6 B2 = bit 2, B3 = bit 3. Execution breakpoints
    ; (R/W = 00, LEN = 00) are faults; data breakpoints are traps and fire when any byte of the
    ; access lies in the range DRn..DRn+LEN (LEN 01 = 2 bytes, 11 = 4 bytes, DRn aligned).
    ; The other DRn point at unused addresses so that no other Bn can match.
    mov eax, 0x3F000
    mov dr0, eax
    mov dr1, eax
    ; DR2 execution breakpoint
    mov eax, .bp2_insn
    mov dr2, eax
    xor eax, eax
    mov dr6, eax
    mov eax, 0x00000010 | 0x200             ; L2, R/W2 = 00, LEN2 = 00, GE
    mov dr7, eax
    mov ebx, 5
    TRY .bp2_rec
.bp2_insn:
    add ebx, 1
.bp2_rec:
    CHKEXC 1, NO_ERR, .bp2_insn             ; fault: saved EIP = the instruction
    CHK [EXC_EBX], 5, "DR2: the instruction did not execute"
    mov eax, dr6
    CHKM eax, 0x0004, 0x400F, "DR6: B2=1"
    mov eax, dr2
    CHK eax, .bp2_insn, "DR2 read back"
    ; DR3 execution breakpoint
    mov eax, 0x3F000
    mov dr2, eax
    mov eax, .bp3_insn
    mov dr3, eax
    xor eax, eax
    mov dr6, eax
    mov eax, 0x00000040 | 0x200             ; L3, R/W3 = 00, LEN3 = 00, GE
    mov dr7, eax
    TRY .bp3_rec
.bp3_insn:
    add ebx, 1
.bp3_rec:
    CHKEXC 1, NO_ERR, .bp3_insn
    mov eax, dr6
    CHKM eax, 0x0008, 0x400F, "DR6: B3=1"
    ; DR2 read/write data breakpoint, LEN 2: watches scratch+32..33
    mov eax, 0x3F000
    mov dr3, eax
    mov eax, scratch + 32
    mov dr2, eax
    mov eax, 0x00000010 | 0x200 | (11b << 24) | (01b << 26)     ; L2, R/W2 = 11, LEN2 = 2
    mov dr7, eax
%macro DB_HIT 2+    ; DR6 mask bit, instruction: a data breakpoint trap right after it
    xor eax, eax
    mov dr6, eax
    TRY %%rec
    %2
%%rec:
    CHKEXC 1, NO_ERR, %%rec                 ; trap: saved EIP = the next instruction
    mov eax, dr6
    CHKM eax, %1, 0x400F, "DR6 Bn"
%endmacro
    DB_HIT 0x0004, mov eax, [scratch + 30]      ; dword 30..33 overlaps 32..33
    DB_HIT 0x0004, mov ax, [scratch + 31]       ; word 31..32 overlaps byte 32
    DB_HIT 0x0004, mov byte [scratch + 33], 1   ; the last watched byte
    NOFAULT mov byte [scratch + 34], 1          ; just after the range
    NOFAULT mov word [scratch + 30], 1          ; just before the range
    ; DR3 write-only data breakpoint, LEN 4: watches scratch+40..43
    mov eax, 0x3F000
    mov dr2, eax
    mov eax, scratch + 40
    mov dr3, eax
    mov eax, 0x00000040 | 0x200 | (01b << 28) | (11b << 30)     ; L3, R/W3 = 01, LEN3 = 4
    mov dr7, eax
    DB_HIT 0x0008, mov dword [scratch + 38], 2  ; dword 38..41 overlaps 40..41
    DB_HIT 0x0008, mov word [scratch + 43], 3   ; word 43..44 overlaps byte 43
    DB_HIT 0x0008, mov byte [scratch + 41], 4   ; inside
    NOFAULT mov ecx, [scratch + 40]             ; a read: R/W3 = 01 breaks on writes only
    NOFAULT mov byte [scratch + 44], 5          ; just after the range
    NOFAULT mov word [scratch + 38], 6          ; just before the range
    xor eax, eax
    mov dr7, eax
    mov dr6, eax
    mov eax, dr3
    CHK eax, scratch + 40, "DR3 read back"

    FINISH
ROM_END
