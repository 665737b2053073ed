; pm_tasks2.asm — more hardware task switching on the 80386: LDTs, the T bit, #DF task, #TS.
;
; Manual sections checked:
;   SDM vol. 3 7.2.1 (TSS fields: the LDT segment selector and the T (debug trap) flag are
;   static fields: loaded on a switch into the task, never written when the task is left),
;   7.3 (task switching, step 8-11: LDTR is loaded from the new TSS before the segment
;   registers, so that a TI=1 selector in the new TSS refers to the new task's LDT), 7.3 step 3
;   (a 386 TSS must have a limit >= 67H, a 286 TSS >= 2BH, else #TS(TSS selector): this holds
;   for a TSS reached by CALL, through a task gate and through an IDT task gate), 7.6 (16-bit
;   TSS: Figure 7-11, LDT selector at offset 2AH), 6.15 "Interrupt 8—Double Fault Exception
;   (#DF)" (the #DF handler should be a task, reached through a task gate; its error code is 0
;   and is pushed on the new task's stack), 6.12.2 (exception through a task gate), 17.2.3 /
;   17.3.1.5 (task-switch exception condition: when the T flag of the new TSS is set, a #DB
;   trap occurs after the task switch completes and before the first instruction of the new
;   task executes; DR6.BT (bit 15) is set; the T flag works with DR7 = 0).
;   80386 Programmer's Reference Manual 7.1-7.6 (TSS, T bit, LDT field, task switching),
;   12.3.1.5 (task-switch breakpoint, DR6.BT), 9.8.8 (double fault), 9.8.10 (invalid TSS:
;   "the limit of the TSS is less than 103").
;
; Bochs 2.7 agreed with the manual on every check below.

%include "lib/rom.inc"

rom_name: db "pm_tasks2", 0

TSS_L       equ 0x48    ; 386 TSS whose LDT field selects LDT_A, DS = an LDT selector
LDT_A       equ 0x50    ; LDT for the tasks L and C2
TSS_T       equ 0x58    ; 386 TSS with the T (debug trap) bit set
TSS_C2      equ 0x60    ; 286 TSS whose LDT field selects LDT_A
TSS_DF      equ 0x68    ; 386 TSS of the #DF task (IDT vector 8 = task gate)
TSS_SMALL   equ 0x70    ; 386 TSS, limit 0x60 (< 0x67)
TG_SMALL    equ 0x78    ; task gate -> TSS_SMALL
TSS2_SMALL  equ 0x80    ; 286 TSS, limit 0x20 (< 0x2B)

L_BASE      equ 0x45000
T_BASE      equ 0x45100
C2_BASE     equ 0x45200
DF_BASE     equ 0x45300
SMALL_BASE  equ 0x45400
SMALL2_BASE equ 0x45500
LDT_BASE    equ 0x46000
LSEG0_BASE  equ 0x47000     ; base of LDT entry 0
LSEG1_BASE  equ 0x47100     ; base of LDT entry 1

; LDT_A selectors (TI = 1, RPL 0)
LSEL0       equ 0x04
LSEL1       equ 0x0C

%define OFF16(x) ((x) - $$)
%define TYPE(sel) byte [GDT_BASE + (sel) + 5]
%define GATE_ACC(n) byte [IDT_BASE + (n) * 8 + 5]

align 8
gdt_template:
    GDT_COMMON
    DESC L_BASE, 0x67, SYS_TSS386, 0                        ; 0x48 TSS_L
    DESC LDT_BASE, 0x0F, SYS_LDT, 0                         ; 0x50 LDT_A
    DESC T_BASE, 0x67, SYS_TSS386, 0                        ; 0x58 TSS_T
    DESC C2_BASE, 0x2B, SYS_TSS286, 0                       ; 0x60 TSS_C2
    DESC DF_BASE, 0x67, SYS_TSS386, 0                       ; 0x68 TSS_DF
    DESC SMALL_BASE, 0x60, SYS_TSS386, 0                    ; 0x70 TSS_SMALL
    GATE TSS_SMALL, 0, SYS_TASKGATE, 0                      ; 0x78 TG_SMALL
    DESC SMALL2_BASE, 0x20, SYS_TSS286, 0                   ; 0x80 TSS2_SMALL
gdt_template_end:

ldt_template:
    DESC LSEG0_BASE, 0xFF, ACC_DATA_RW | 1, FL_D            ; LSEL0
    DESC LSEG1_BASE, 0xFF, ACC_DATA_RW | 1, FL_D            ; LSEL1
ldt_template_end:

; results written by the tasks
R_TR        equ scratch + 0x00
R_LDTR      equ scratch + 0x04
R_DS        equ scratch + 0x08
R_MARK0     equ scratch + 0x0C
R_MARK1     equ scratch + 0x10
R_EFL       equ scratch + 0x14
R_LINK      equ scratch + 0x18
R_ERR       equ scratch + 0x1C
R_ESP       equ scratch + 0x20
R_DR6       equ scratch + 0x24
R_T0TYPE    equ scratch + 0x28
R_FS        equ scratch + 0x2C

test_main:
    mov esi, ldt_template
    mov edi, LDT_BASE
    mov ecx, ldt_template_end - ldt_template
    rep movsb
    mov dword [LSEG0_BASE], 0x4C440000
    mov dword [LSEG1_BASE], 0x4C441111
    ; task L: DS = LSEL0 (TI=1) in its TSS, LDT field = LDT_A
    mov edi, L_BASE
    mov eax, task_l
    mov edx, 0x7A000
    xor ecx, ecx                            ; EAX of the new task = 0
    call init_tss386
    mov dword [L_BASE + 0x54], LSEL0        ; DS
    mov dword [L_BASE + 0x60], LDT_A        ; LDT segment selector
    ; task T: T bit (offset 64H, bit 0)
    mov edi, T_BASE
    mov eax, task_t
    mov edx, 0x7B000
    xor ecx, ecx                            ; EAX of the new task = 0
    call init_tss386
    mov word [T_BASE + 0x64], 1
    ; task DF
    mov edi, DF_BASE
    mov eax, task_df
    mov edx, 0x7C000
    xor ecx, ecx                            ; EAX of the new task = 0
    call init_tss386
    ; 286 task C2: CS = SEL_CODE16, SS = SEL_DATA16, ES = flat, DS = LSEL0, LDT = LDT_A
    mov edi, C2_BASE
    mov ecx, 0x2C
    xor eax, eax
    rep stosb
    mov word [C2_BASE + 0x0E], OFF16(task_c2) ; IP
    mov word [C2_BASE + 0x10], 2            ; FLAGS
    mov word [C2_BASE + 0x1A], 0xA800       ; SP
    mov word [C2_BASE + 0x22], SEL_DATA0    ; ES
    mov word [C2_BASE + 0x24], SEL_CODE16   ; CS
    mov word [C2_BASE + 0x26], SEL_DATA16   ; SS
    mov word [C2_BASE + 0x28], LSEL0        ; DS
    mov word [C2_BASE + 0x2A], LDT_A        ; LDT
    ; IDT 8 = task gate -> TSS_DF, IDT 0x81 = task gate -> TSS_SMALL
    mov eax, 8
    xor ebx, ebx
    mov ecx, TSS_DF
    mov edx, SYS_TASKGATE
    call set_idt_gate
    mov eax, 0x81
    mov ecx, TSS_SMALL
    call set_idt_gate

; ------------------------------------------------------------------ LDT switch (386 TSS)
    TEST "386 task with its own LDT"
    ; SDM 7.3: LDTR is loaded from the new TSS's LDT field, then the segment registers, so the
    ; TI=1 selector in TSS_L.DS is looked up in LDT_A. 7.2.1: the LDT field is static: the old
    ; task's LDTR is not saved, and on the way back LDTR is reloaded from TSS0's field (0).
    mov ax, LDT_A
    lldt ax                                 ; LDTR = LDT_A in the main task, TSS0.LDT = 0
    call TSS_L:0
    CHKM [R_TR], TSS_L, 0xFFFF, "task L: TR"
    CHKM [R_LDTR], LDT_A, 0xFFFF, "task L: LDTR from its TSS"
    CHKM [R_DS], LSEL0, 0xFFFF, "task L: DS = TI=1 selector from its TSS"
    CHK [R_MARK0], 0x4C440000, "task L: DS:0 reads LDT entry 0's segment"
    CHKM [R_FS], LSEL1, 0xFFFF, "task L: MOV FS, TI=1 selector"
    CHK [R_MARK1], 0x4C441111, "task L: FS:0 reads LDT entry 1's segment"
    sldt eax
    CHKM eax, 0, 0xFFFF, "main task: LDTR = TSS0.LDT (0) after IRET"
    movzx eax, word [TSS0_BASE + 0x60]
    CHK eax, 0, "TSS0.LDT field not written by the switch"
    movzx eax, word [L_BASE + 0x60]
    CHK eax, LDT_A, "TSS_L.LDT field unchanged"
    movzx eax, TYPE(TSS_L)
    CHK eax, SYS_TSS386, "TSS_L available after IRET"
    clts

; ------------------------------------------------------------------ LDT switch (286 TSS)
    TEST "286 task with its own LDT"
    ; SDM 7.6 Figure 7-11: the 16-bit TSS holds the LDT selector at 2AH.
    mov dword [R_MARK0], 0
    mov dword [R_LDTR], 0
    call TSS_C2:0
    CHKM [R_TR], TSS_C2, 0xFFFF, "task C2: TR"
    CHKM [R_LDTR], LDT_A, 0xFFFF, "task C2: LDTR from the 286 TSS"
    CHKM [R_DS], LSEL0, 0xFFFF, "task C2: DS = TI=1 selector"
    CHKM [R_MARK0], 0x0000, 0xFFFF, "task C2: DS:0 low word"
    CHKM [R_MARK1], 0x4C44, 0xFFFF, "task C2: DS:2 high word"
    CHKM [R_LINK], SEL_TSS0, 0xFFFF, "task C2: back link"
    sldt eax
    CHKM eax, 0, 0xFFFF, "main task: LDTR = 0 again"
    movzx eax, TYPE(TSS_C2)
    CHK eax, SYS_TSS286, "TSS_C2 available after IRET"
    clts

; ------------------------------------------------------------------ T bit
    TEST "T bit: #DB after the task switch"
    ; SDM 17.3.1.5: #DB (trap) after the switch into a task whose TSS has T=1, before its first
    ; instruction; DR6.BT=1. DR7 = 0: the T flag needs no DR7 enable. The #DB runs in the new
    ; task (its interrupt gate is in the shared IDT); the recovery code JMPs back to TSS0.
    xor eax, eax
    mov dr7, eax
    mov dr6, eax
    TRY .t_db
    jmp TSS_T:0
.t_back:                                    ; the main task again (task T JMPed to TSS0)
    CHKEXC 1, NO_ERR, task_t                ; trap: saved EIP = the new task's first instruction
    CHKM [exc_cs], SEL_CODE0, 0xFFFF, "saved CS = the new task's CS"
    CHKM [R_TR], TSS_T, 0xFFFF, "#DB handler runs in task T (TR)"
    CHKM [R_DR6], 0x8000, 0xE00F, "DR6: BT=1, BS=0, BD=0, B0-B3=0"
    CHK [R_EAX_T], 0, "task T's first instruction did not run before the #DB"
    CHK [R_T0TYPE], SYS_TSS386, "TSS0 not busy in task T (JMP)"
    movzx eax, TYPE(TSS_T)
    CHK eax, SYS_TSS386, "TSS_T available after the JMP back"
    movzx eax, word [T_BASE + 0x64]
    CHK eax, 1, "TSS_T.T bit not cleared by the CPU"
    xor eax, eax
    mov dr6, eax
    clts
    jmp .t_done
.t_db:                                      ; the #DB caught in task T
    str eax
    mov [R_TR], eax
    mov eax, dr6
    mov [R_DR6], eax
    movzx eax, TYPE(SEL_TSS0)
    mov [R_T0TYPE], eax
    jmp SEL_TSS0:0
.t_done:

; ------------------------------------------------------------------ #DF task
    TEST "#DF through a task gate"
    ; SDM 6.15 (#DF): a #GP whose gate is not present gives #NP during delivery, contributory
    ; + contributory = #DF (Table 6-5); IDT[8] is a task gate, so the #DF handler is a task with
    ; error code 0 pushed on its stack, back link = TSS0 and NT = 1 (6.12.2, 7.4).
    and GATE_ACC(13), 0x7F
    mov ax, 0x1000                          ; beyond the GDT limit: #GP(1000H)
    mov ds, ax
    jmp .df_rec                             ; not reached: task DF points TSS0.EIP at .df_rec
.df_rec:
    mov ax, SEL_DATA0
    mov ds, ax
    or GATE_ACC(13), 0x80
    CHKM [R_TR], TSS_DF, 0xFFFF, "task DF: TR"
    CHK [R_ERR], 0, "task DF: error code 0 on its stack"
    CHK [R_ESP], 0x7C000 - 4, "task DF: ESP = TSS ESP - 4"
    CHKM [R_LINK], SEL_TSS0, 0xFFFF, "task DF: back link = TSS0"
    CHKM [R_EFL], EFL_NT, EFL_NT, "task DF: NT=1"
    CHK [R_T0TYPE], SYS_TSS386_BUSY, "task DF: TSS0 still busy"
    movzx eax, TYPE(TSS_DF)
    CHK eax, SYS_TSS386, "TSS_DF available after its IRETD"
    str eax
    CHKM eax, SEL_TSS0, 0xFFFF, "TR = TSS0 again"
    clts

; ------------------------------------------------------------------ #TS for a short TSS
    TEST "#TS: TSS limit too small"
    ; SDM 7.3 step 3 / 6.15 (#TS): limit < 67H (386 TSS) or < 2BH (286 TSS): #TS(TSS selector),
    ; also when the TSS is reached through a task gate (the error code names the TSS, not the
    ; gate) or through an IDT task gate by INT n (software: EXT = 0). No switch happens.
    FAULT 10, TSS_SMALL, call TSS_SMALL:0
    FAULT 10, TSS_SMALL, call TG_SMALL:0
    FAULT 10, TSS_SMALL, jmp TG_SMALL:0
    FAULT 10, TSS_SMALL, int 0x81
    FAULT 10, TSS2_SMALL, call TSS2_SMALL:0
    FAULT 10, TSS2_SMALL, jmp TSS2_SMALL:0
    str eax
    CHKM eax, SEL_TSS0, 0xFFFF, "TR unchanged"
    movzx eax, TYPE(TSS_SMALL)
    CHK eax, SYS_TSS386, "TSS_SMALL not marked busy"
    movzx eax, TYPE(TSS2_SMALL)
    CHK eax, SYS_TSS286, "TSS2_SMALL not marked busy"
    movzx eax, TYPE(SEL_TSS0)
    CHK eax, SYS_TSS386_BUSY, "TSS0 still busy"
    pushfd
    pop eax
    CHKM eax, 0, EFL_NT, "NT still 0"

    FINISH

R_EAX_T     equ scratch + 0x30

; ------------------------------------------------------------------ tasks
task_l:                                     ; DS = LSEL0 here: results go through ES (flat)
    str eax
    mov [es:R_TR], eax
    sldt eax
    mov [es:R_LDTR], eax
    mov eax, ds
    mov [es:R_DS], eax
    mov eax, [0]
    mov [es:R_MARK0], eax
    mov ax, LSEL1
    mov fs, ax
    mov eax, fs
    mov [es:R_FS], eax
    mov eax, [fs:0]
    mov [es:R_MARK1], eax
    iretd
    jmp task_l

task_t:
    mov dword [R_EAX_T], 0x7777             ; must not run before the #DB
    jmp SEL_TSS0:0

task_df:
    str eax
    mov [R_TR], eax
    mov [R_ESP], esp
    pop dword [R_ERR]
    movzx eax, word [DF_BASE]
    mov [R_LINK], eax
    pushfd
    pop dword [R_EFL]
    movzx eax, TYPE(SEL_TSS0)
    mov [R_T0TYPE], eax
    mov dword [TSS0_BASE + 0x20], test_main.df_rec  ; resume the main task after the fault
    iretd
    jmp task_df

bits 16
task_c2:                                    ; 286 task: DS = LSEL0, ES flat
    str ax
    mov [es:dword R_TR], ax
    sldt ax
    mov [es:dword R_LDTR], ax
    mov ax, ds
    mov [es:dword R_DS], ax
    mov ax, [0]
    mov [es:dword R_MARK0], ax
    mov ax, [2]
    mov [es:dword R_MARK1], ax
    mov ax, [es:dword C2_BASE]
    mov [es:dword R_LINK], ax
    iret
    jmp task_c2
bits 32

ROM_END
