; pm_tasks.asm — hardware task switching on the 80386 (386 and 286 TSSs).
;
; Manual sections checked:
;   SDM vol. 3 7.2 (TSS layout: 32-bit Figure 7-2, 16-bit Figure 7-11; TSS descriptor, busy
;   flag; task gate), 7.3 (task switching: JMP/CALL to a TSS descriptor or task gate, INT/
;   exception through a task gate, IRET with NT=1; the old task's state is saved into the current
;   TSS, EIP = the next instruction; Table 7-2: JMP clears the old task's busy flag, CALL/INT
;   keep it set, set NT and write the back link; IRET clears the busy flag of the task it leaves;
;   CR0.TS is set on every task switch), 7.3 step 2-3 (the new TSS must be available, limit
;   >= 67H for a 386 TSS, else #GP(selector) / #TS(selector)), 7.4 (task linking, NT), 6.12.2
;   (exception through a task gate: the error code is pushed on the new task's stack).
;   80386 Programmer's Reference Manual chapter 7 (multitasking: 7.1-7.6), 9.6.2 (interrupt
;   tasks), 13 (80286 TSS on the 386).
;
; Bochs 2.7 agreed with the manual on every check below.

%include "lib/rom.inc"

rom_name: db "pm_tasks", 0

TSS_B       equ 0x48    ; 386 TSS, reached by JMP
TSS_B2      equ 0x50    ; 386 TSS, reached by CALL through a task gate
TSS_C       equ 0x58    ; 286 TSS, reached by CALL
TSS_D       equ 0x60    ; 386 TSS, INT 80h task gate
TSS_E       equ 0x68    ; 386 TSS, #GP task gate
TGATE       equ 0x70    ; task gate -> TSS_B2
TSS_SMALL   equ 0x78    ; 386 TSS with limit 0x60 (< 0x67)

B_BASE      equ 0x44000
B2_BASE     equ 0x44100
C_BASE      equ 0x44200
D_BASE      equ 0x44300
E_BASE      equ 0x44400
SMALL_BASE  equ 0x44500

%define OFF16(x) ((x) - $$)

align 8
gdt_template:
    GDT_COMMON
    DESC B_BASE, 0x67, SYS_TSS386, 0                        ; 0x48
    DESC B2_BASE, 0x67, SYS_TSS386, 0                       ; 0x50
    DESC C_BASE, 0x2B, SYS_TSS286, 0                        ; 0x58
    DESC D_BASE, 0x67, SYS_TSS386, 0                        ; 0x60
    DESC E_BASE, 0x67, SYS_TSS386, 0                        ; 0x68
    GATE TSS_B2, 0, SYS_TASKGATE, 0                         ; 0x70
    DESC SMALL_BASE, 0x60, SYS_TSS386, 0                    ; 0x78
gdt_template_end:

; results written by the tasks
R_TR        equ scratch + 0x00
R_EFL       equ scratch + 0x04
R_EAX       equ scratch + 0x08
R_T0TYPE    equ scratch + 0x0C      ; TSS0 access byte as seen by the new task
R_TNTYPE    equ scratch + 0x10      ; the new task's TSS access byte
R_LINK      equ scratch + 0x14
R_ERR       equ scratch + 0x18
R_ESP       equ scratch + 0x1C
R_T0EIP     equ scratch + 0x20
R_T0EAX     equ scratch + 0x24
R_T0EBX     equ scratch + 0x28
R_T0ESP     equ scratch + 0x2C
R_T0DS      equ scratch + 0x30
R_T0CS      equ scratch + 0x34
R_T0EFL     equ scratch + 0x38
MAIN_ESP    equ scratch + 0x3C

%define TYPE(sel) byte [GDT_BASE + (sel) + 5]

test_main:
    mov edi, B_BASE
    mov eax, task_b
    mov edx, 0x7A000
    mov ecx, 0xB0B0B0B0
    call init_tss386
    mov edi, B2_BASE
    mov eax, task_b2
    mov edx, 0x7B000
    mov ecx, 0xB2B2B2B2
    call init_tss386
    mov edi, D_BASE
    mov eax, task_d
    mov edx, 0x7C000
    mov ecx, 0xD0D0D0D0
    call init_tss386
    mov edi, E_BASE
    mov eax, task_e
    mov edx, 0x7D000
    mov ecx, 0xE0E0E0E0
    call init_tss386
    ; the 286 TSS of task C: 16-bit code in SEL_CODE16, stack in SEL_DATA16, DS flat
    mov edi, C_BASE
    mov ecx, 0x2C
    xor eax, eax
    rep stosb
    mov word [C_BASE + 0x0E], OFF16(task_c)  ; IP
    mov word [C_BASE + 0x10], 2             ; FLAGS
    mov word [C_BASE + 0x12], 0xC0C0        ; AX
    mov word [C_BASE + 0x1A], 0xA000        ; SP
    mov word [C_BASE + 0x22], SEL_DATA0     ; ES
    mov word [C_BASE + 0x24], SEL_CODE16    ; CS
    mov word [C_BASE + 0x26], SEL_DATA16    ; SS
    mov word [C_BASE + 0x28], SEL_DATA0     ; DS
    ; IDT 0x80: task gate -> TSS_D
    mov eax, 0x80
    xor ebx, ebx
    mov ecx, TSS_D
    mov edx, SYS_TASKGATE
    call set_idt_gate

; ------------------------------------------------------------------ JMP to a TSS
    TEST "JMP to a 386 TSS and back"
    clts
    mov eax, 0x0A0A0A0A
    mov ebx, 0x0B0B0B0B
    mov [MAIN_ESP], esp
    jmp TSS_B:0x12345                       ; the offset is ignored
.main_back:
    ; back from task B (which JMPed to TSS0): registers restored from TSS0
    CHK eax, 0x0A0A0A0A, "EAX restored from TSS0"
    CHK ebx, 0x0B0B0B0B, "EBX restored from TSS0"
    mov ecx, esp
    CHK ecx, [MAIN_ESP], "ESP restored from TSS0"
    mov eax, cr0
    CHKM eax, 8, 8, "CR0.TS set by the task switch"
    clts
    ; what task B saw
    CHKM [R_TR], TSS_B, 0xFFFF, "task B: TR"
    CHK [R_EAX], 0xB0B0B0B0, "task B: EAX loaded from its TSS"
    CHKM [R_EFL], 0, EFL_NT, "task B: NT=0 after JMP"
    CHK [R_T0TYPE], SYS_TSS386, "task B: TSS0 not busy after JMP"
    CHK [R_TNTYPE], SYS_TSS386_BUSY, "task B: its TSS busy"
    ; the state of the main task saved in TSS0 at the JMP
    CHK [R_T0EIP], .main_back, "TSS0.EIP = the instruction after the JMP"
    CHK [R_T0EAX], 0x0A0A0A0A, "TSS0.EAX"
    CHK [R_T0EBX], 0x0B0B0B0B, "TSS0.EBX"
    CHK [R_T0ESP], [MAIN_ESP], "TSS0.ESP"
    CHKM [R_T0DS], SEL_DATA0, 0xFFFF, "TSS0.DS"
    CHKM [R_T0CS], SEL_CODE0, 0xFFFF, "TSS0.CS"
    ; task B's state, saved when it JMPed back
    CHK [B_BASE + 0x20], task_b_after, "TSS_B.EIP saved"
    CHK [B_BASE + 0x28], 0xBBBB0001, "TSS_B.EAX saved"
    CHK [B_BASE], 0, "TSS_B back link untouched by JMP"
    movzx eax, TYPE(TSS_B)
    CHK eax, SYS_TSS386, "TSS_B available again"
    movzx eax, TYPE(SEL_TSS0)
    CHK eax, SYS_TSS386_BUSY, "TSS0 busy again"
    str eax
    CHKM eax, SEL_TSS0, 0xFFFF, "TR = TSS0"

; ------------------------------------------------------------------ CALL through a task gate
    TEST "CALL through a task gate, IRET back"
    mov ebx, 0x12121212
    call TGATE:0
.after_call:
    CHK ebx, 0x12121212, "EBX restored"
    CHKM [R_TR], TSS_B2, 0xFFFF, "task B2: TR"
    CHKM [R_EFL], EFL_NT, EFL_NT, "task B2: NT=1 after CALL"
    CHKM [R_LINK], SEL_TSS0, 0xFFFF, "task B2: back link = TSS0"
    CHK [R_T0TYPE], SYS_TSS386_BUSY, "task B2: TSS0 still busy (CALL)"
    CHK [R_TNTYPE], SYS_TSS386_BUSY, "task B2: its TSS busy"
    CHK [R_EAX], 0xB2B2B2B2, "task B2: EAX from its TSS"
    CHK [R_T0EIP], .after_call, "TSS0.EIP = after the CALL"
    movzx eax, TYPE(TSS_B2)
    CHK eax, SYS_TSS386, "IRET cleared TSS_B2 busy"
    CHK [B2_BASE + 0x20], task_b2_after, "TSS_B2.EIP = after its IRETD"
    pushfd
    pop eax
    CHKM eax, 0, EFL_NT, "main task NT=0 after the return"
    clts

; ------------------------------------------------------------------ 286 TSS
    TEST "CALL to a 286 TSS, 16-bit IRET back"
    mov esi, 0x5A5A5A5A
    call TSS_C:0
.after_c:
    CHK esi, 0x5A5A5A5A, "ESI restored (from the 386 TSS0)"
    CHKM [R_EAX], 0xC0C0, 0xFFFF, "task C: AX from the 286 TSS"
    CHKM [R_EFL], EFL_NT, EFL_NT, "task C: NT=1"
    CHKM [R_LINK], SEL_TSS0, 0xFFFF, "task C: back link"
    CHKM [R_TR], TSS_C, 0xFFFF, "task C: TR"
    CHKM [R_ESP], 0xA000, 0xFFFF, "task C: SP from the 286 TSS"
    CHK [R_TNTYPE], SYS_TSS286_BUSY, "task C: its TSS busy (286 type 3)"
    movzx eax, TYPE(TSS_C)
    CHK eax, SYS_TSS286, "286 TSS available after IRET"
    movzx eax, word [C_BASE + 0x0E]
    CHK eax, OFF16(task_c_after), "286 TSS.IP saved (after its IRET)"
    movzx eax, word [C_BASE + 0x12]
    CHK eax, 0xCC01, "286 TSS.AX saved"
    clts

; ------------------------------------------------------------------ task gates in the IDT
    TEST "INT through a task gate"
    mov edi, 0x77777777
    int 0x80
.after_int:
    CHK edi, 0x77777777, "EDI restored"
    CHKM [R_TR], TSS_D, 0xFFFF, "task D: TR"
    CHKM [R_EFL], EFL_NT, EFL_NT, "task D: NT=1"
    CHKM [R_LINK], SEL_TSS0, 0xFFFF, "task D: back link"
    CHK [R_T0EIP], .after_int, "TSS0.EIP = after INT 80h"
    movzx eax, TYPE(TSS_D)
    CHK eax, SYS_TSS386, "TSS_D available after IRET"
    clts

    TEST "exception through a task gate"
    ; #GP through a task gate: the error code is pushed on the handler task's stack
    mov eax, 13
    xor ebx, ebx
    mov ecx, TSS_E
    mov edx, SYS_TASKGATE
    call set_idt_gate
    mov ax, 0x1000                          ; beyond the GDT limit
.gp_insn:
    mov ds, ax
    ; not reached: task E makes TSS0.EIP point at .gp_rec
    jmp .gp_rec
.gp_rec:
    mov ax, SEL_DATA0
    mov ds, ax
    mov eax, 13
    mov ebx, exc_stubs + 13 * 8
    mov ecx, SEL_CODE0
    mov edx, SYS_INTGATE386
    call set_idt_gate
    CHK [R_ERR], 0x1000, "error code on task E's stack"
    CHK [R_ESP], 0x7D000 - 4, "task E: ESP = TSS ESP - 4 (the error code)"
    CHK [R_T0EIP], .gp_insn, "TSS0.EIP = the faulting instruction"
    CHKM [R_LINK], SEL_TSS0, 0xFFFF, "task E: back link"
    CHKM [R_EFL], EFL_NT, EFL_NT, "task E: NT=1"
    clts

; ------------------------------------------------------------------ checks before switching
    TEST "task switch checks"
    ; JMP/CALL to a busy TSS: #GP(selector)
    FAULT 13, SEL_TSS0, jmp SEL_TSS0:0
    FAULT 13, SEL_TSS0, call SEL_TSS0:0
    ; 386 TSS with limit < 67H: #TS(selector)
    FAULT 10, TSS_SMALL, jmp TSS_SMALL:0
    ; TSS selector with RPL 3 > DPL 0 at CPL 0: #GP(selector)
    FAULT 13, TSS_B, jmp TSS_B | 3 : 0
    ; IRET with NT=1 and a back link to an available (not busy) TSS: #TS(back link)
    mov word [TSS0_BASE], TSS_B
    pushfd
    or dword [esp], EFL_NT
    popfd
    FAULT 10, TSS_B, iretd
    pushfd
    and dword [esp], ~EFL_NT
    popfd
    mov word [TSS0_BASE], 0
    clts

    FINISH

; ------------------------------------------------------------------ tasks
%macro TASK_RECORD 1    ; own TSS selector
    str eax
    mov [R_TR], eax
    pushfd
    pop dword [R_EFL]
    mov [R_ESP], esp
    movzx eax, TYPE(SEL_TSS0)
    mov [R_T0TYPE], eax
    movzx eax, TYPE(%1)
    mov [R_TNTYPE], eax
    mov eax, [TSS0_BASE + 0x20]
    mov [R_T0EIP], eax
%endmacro

task_b:
    mov [R_EAX], eax
    TASK_RECORD TSS_B
    mov eax, [TSS0_BASE + 0x28]
    mov [R_T0EAX], eax
    mov eax, [TSS0_BASE + 0x34]
    mov [R_T0EBX], eax
    mov eax, [TSS0_BASE + 0x38]
    mov [R_T0ESP], eax
    mov eax, [TSS0_BASE + 0x54]
    mov [R_T0DS], eax
    mov eax, [TSS0_BASE + 0x4C]
    mov [R_T0CS], eax
    mov eax, 0xBBBB0001
    jmp SEL_TSS0:0
task_b_after:
    jmp task_b

task_b2:
    mov [R_EAX], eax
    TASK_RECORD TSS_B2
    movzx eax, word [B2_BASE]
    mov [R_LINK], eax
    iretd
task_b2_after:
    jmp task_b2

task_d:
    TASK_RECORD TSS_D
    movzx eax, word [D_BASE]
    mov [R_LINK], eax
    iretd
    jmp task_d

task_e:
    TASK_RECORD TSS_E
    pop dword [R_ERR]
    movzx eax, word [E_BASE]
    mov [R_LINK], eax
    mov dword [TSS0_BASE + 0x20], test_main.gp_rec   ; resume the main task after the fault
    iretd
    jmp task_e

bits 16
task_c:                                     ; 286 task: CS = SEL_CODE16 (base 0xF0000)
    mov [dword R_EAX], ax
    str ax
    mov [dword R_TR], ax
    pushf
    pop ax
    mov [dword R_EFL], ax
    mov [dword R_ESP], sp
    mov ax, [dword C_BASE]
    mov [dword R_LINK], ax
    xor eax, eax
    mov al, [dword GDT_BASE + TSS_C + 5]
    mov [dword R_TNTYPE], eax
    mov ax, 0xCC01
    iret
task_c_after:
    jmp task_c
bits 32

ROM_END
