; pm_gates.asm — call gates, interrupt/trap gates, privilege transitions (80386 target).
;
; Manual sections checked:
;   SDM vol. 3 5.8.3-5.8.6 (call gates: gate DPL and RPL/CPL checks, CALL to an inner level
;   switches to SS:ESP of the new level from the TSS and pushes SS, ESP, the copied parameters
;   (count from the gate, dwords for a 386 gate, words for a 286 gate), CS, EIP; RET imm pops the
;   parameters from both stacks and loads null into DS/ES/FS/GS whose DPL < the new CPL unless
;   they hold conforming code), 5.8.1-5.8.2 (direct far CALL: conforming code keeps CPL;
;   non-conforming with DPL != CPL is #GP(selector)), 6.12.1 (interrupt to an inner level: stack
;   switch, frame SS, ESP, EFLAGS, CS, EIP; an interrupt gate clears IF, a trap gate does not;
;   both clear TF/NT/RF), IRET to an outer level, 6.12.1.1 (gate DPL).
;   80386 Programmer's Reference Manual 6.3.4 (control transfers, gate descriptors), 6.3.4.1
;   (stack switching, Figure 6-8), 9.6.1 (interrupt procedures), chapter 17 CALL/RET/IRET pages.
;
; Bochs 2.7 agreed with the manual on every check below.

%include "lib/rom.inc"

rom_name: db "pm_gates", 0

CG_2P       equ 0x48    ; 386 call gate, DPL 3, 2 dword parameters -> SEL_CODE0:gate_2p
C_CONF      equ 0x50    ; conforming execute/read code, DPL 0, flat 32-bit
C16_3       equ 0x58    ; 16-bit code, DPL 3, base 0xF0000
CG286       equ 0x60    ; 286 call gate, DPL 3, 1 word parameter -> SEL_CODE16:gate286
CG_DPL0     equ 0x68    ; 386 call gate, DPL 0 -> SEL_CODE0:gate_2p

%define OFF16(x) ((x) - $$)             ; offset inside the 0xF0000-based 16-bit segments

align 8
gdt_template:
    GDT_COMMON
    GATE SEL_CODE0, ABS(gate_2p), SYS_CALLGATE386 | ACC_DPL(3), 2      ; 0x48
    DESC 0, 0xFFFFF, 0x9E, FL_G | FL_D                                  ; 0x50
    DESC ROM_BASE, 0xFFFF, ACC_CODE_XR | ACC_DPL(3), 0                  ; 0x58
    GATE SEL_CODE16, OFF16(gate286), SYS_CALLGATE286 | ACC_DPL(3), 1    ; 0x60
    GATE SEL_CODE0, ABS(gate_2p), SYS_CALLGATE386, 2                    ; 0x68
gdt_template_end:

; variables of this ROM
G_ESP       equ scratch + 0x80     ; ESP inside the gate / handler
G_SS        equ scratch + 0x84
G_CS        equ scratch + 0x88
G_EFL       equ scratch + 0x8C     ; EFLAGS inside the handler
G_FRAME     equ scratch + 0x90     ; 6 dwords copied from the handler's stack
R3_ESP0     equ scratch + 0xB0
R3_BEFORE   equ scratch + 0xB4
R3_AFTER    equ scratch + 0xB8
R3_SEGS     equ scratch + 0xBC     ; DS, ES, FS, GS, CS as words

test_main:
    ; mask both 8259s so that IF=1 below cannot let an interrupt in (OCW1 = IMR)
    mov al, 0xFF
    out 0x21, al
    out 0xA1, al
    ; IDT: 0x60 = 386 interrupt gate DPL 3, 0x61 = 386 trap gate DPL 0,
    ;      0x62 = 386 interrupt gate DPL 0, 0x63 = 286 interrupt gate DPL 0 (16-bit handler)
    mov eax, 0x60
    mov ebx, int_handler32
    mov ecx, SEL_CODE0
    mov edx, SYS_INTGATE386 | ACC_DPL(3)
    call set_idt_gate
    mov eax, 0x61
    mov edx, SYS_TRAPGATE386
    call set_idt_gate
    mov eax, 0x62
    mov edx, SYS_INTGATE386
    call set_idt_gate
    mov eax, 0x63
    mov ebx, OFF16(int_handler16)
    mov ecx, SEL_CODE16
    mov edx, SYS_INTGATE286
    call set_idt_gate

; ------------------------------------------------------------------ 386 call gate
    TEST "386 call gate CPL 3 -> 0 with 2 parameters"
    TO_RING3
    mov eax, [ss:TSS0_BASE + 4]
    mov [ss:R3_ESP0], eax
    mov [ss:R3_BEFORE], esp
    push dword 0x11111111
    push dword 0x22222222
    call CG_2P | 3 : 0x12345678             ; the offset in the instruction is ignored
.after_call:
    mov [ss:R3_AFTER], esp
    mov [ss:R3_SEGS], ds
    mov [ss:R3_SEGS + 2], es
    mov [ss:R3_SEGS + 4], fs
    mov [ss:R3_SEGS + 6], gs
    mov [ss:R3_SEGS + 8], cs
    TO_RING0
    ; inside the gate: CS = target selector (RPL 0), SS:ESP from TSS.SS0:ESP0, frame of 6 dwords
    CHKM [G_CS], SEL_CODE0, 0xFFFF, "CS inside the gate"
    CHKM [G_SS], SEL_DATA0, 0xFFFF, "SS = TSS.SS0"
    mov eax, [R3_ESP0]
    sub eax, 24
    CHK [G_ESP], eax, "ESP = TSS.ESP0 - 24"
    CHK [G_FRAME], .after_call, "frame: return EIP"
    CHKM [G_FRAME + 4], SEL_CODE3, 0xFFFF, "frame: return CS"
    CHK [G_FRAME + 8], 0x22222222, "frame: parameter 1 (from old [ESP])"
    CHK [G_FRAME + 12], 0x11111111, "frame: parameter 2 (from old [ESP+4])"
    mov eax, [R3_BEFORE]
    sub eax, 8
    CHK [G_FRAME + 16], eax, "frame: old ESP (after the parameter pushes)"
    CHKM [G_FRAME + 20], SEL_DATA3, 0xFFFF, "frame: old SS"
    ; RETF 8 back at CPL 3: both stacks lose the parameters; DS/ES that held DPL-0 data are
    ; null, FS (DPL-3 data) and GS (conforming code) are kept
    CHK [R3_AFTER], [R3_BEFORE], "CPL-3 ESP after RETF 8 = before the pushes"
    CHKM [R3_SEGS + 8], SEL_CODE3, 0xFFFF, "CS after RETF"
    CHKM [R3_SEGS], 0, 0xFFFF, "DS (was DPL-0 data) nulled"
    CHKM [R3_SEGS + 2], 0, 0xFFFF, "ES (was DPL-0 data) nulled"
    CHKM [R3_SEGS + 4], SEL_DATA3, 0xFFFF, "FS (DPL-3 data) kept"
    CHKM [R3_SEGS + 6], C_CONF, 0xFFFF, "GS (conforming code) kept"

    TEST "call gate checks"
    ; gate DPL 0 < CPL 3: #GP(gate selector)
    TO_RING3
    FAULT3 13, CG_DPL0, call CG_DPL0 | 3 : 0
    ; direct far CALL to non-conforming DPL-0 code from CPL 3: #GP(selector)
    TO_RING3
    FAULT3 13, SEL_CODE0, call SEL_CODE0 : conf_routine
    ; gate RPL 3 > gate DPL 0 at CPL 0: #GP(gate selector)
    FAULT 13, CG_DPL0, call CG_DPL0 | 3 : 0

    TEST "conforming code"
    ; a far CALL to a conforming segment with DPL <= CPL keeps CPL: CS.RPL = 3, no stack switch
    TO_RING3
    mov [ss:R3_BEFORE], esp
    call C_CONF : conf_routine
    TO_RING0
    CHKM [G_CS], C_CONF | 3, 0xFFFF, "CS in conforming code at CPL 3 (RPL = CPL = 3)"
    CHKM [G_SS], SEL_DATA3, 0xFFFF, "SS unchanged (no stack switch)"
    mov eax, [R3_BEFORE]
    sub eax, 8
    CHK [G_ESP], eax, "ESP = caller's ESP - 8 (CS, EIP only)"

; ------------------------------------------------------------------ INT / IRET across levels
    TEST "INT from CPL 3 to a CPL-0 handler, IRET back"
    TO_RING3
    mov eax, [ss:TSS0_BASE + 4]
    mov [ss:R3_ESP0], eax
    mov [ss:R3_BEFORE], esp
    int 0x60
.after_int:
    mov [ss:R3_AFTER], esp
    mov [ss:R3_SEGS + 8], cs
    mov [ss:R3_SEGS + 10], ss
    TO_RING0
    mov eax, [R3_ESP0]
    sub eax, 20
    CHK [G_ESP], eax, "handler ESP = TSS.ESP0 - 20"
    CHKM [G_SS], SEL_DATA0, 0xFFFF, "handler SS = TSS.SS0"
    CHKM [G_CS], SEL_CODE0, 0xFFFF, "handler CS"
    CHK [G_FRAME], .after_int, "frame: EIP after INT"
    CHKM [G_FRAME + 4], SEL_CODE3, 0xFFFF, "frame: CS"
    CHKM [G_FRAME + 8], 0x2, 0xFFFFF72A, "frame: EFLAGS (arithmetic flags not compared)"
    CHK [G_FRAME + 12], [R3_BEFORE], "frame: ESP"
    CHKM [G_FRAME + 16], SEL_DATA3, 0xFFFF, "frame: SS"
    CHK [R3_AFTER], [R3_BEFORE], "ESP after IRETD"
    CHKM [R3_SEGS + 8], SEL_CODE3, 0xFFFF, "CS after IRETD"
    CHKM [R3_SEGS + 10], SEL_DATA3, 0xFFFF, "SS after IRETD"

    TEST "interrupt gate vs trap gate"
    ; interrupt gate: IF cleared in the handler; trap gate: IF kept. Both clear TF. The pushed
    ; EFLAGS has the caller's IF=1; IRET restores it.
    pushfd
    or dword [esp], EFL_IF
    popfd
    mov [R3_BEFORE], esp
    int 0x62
    pushfd
    pop ebx
    cli
    CHKM [G_EFL], 0, EFL_IF, "IF in an interrupt-gate handler"
    CHKM [G_FRAME + 8], EFL_IF, EFL_IF, "pushed EFLAGS.IF (interrupt gate)"
    CHKM ebx, EFL_IF, EFL_IF, "IF restored by IRETD"
    mov eax, [R3_BEFORE]
    sub eax, 12
    CHK [G_ESP], eax, "same-level handler ESP = ESP - 12 (no stack switch)"
    pushfd
    or dword [esp], EFL_IF
    popfd
    int 0x61
    cli
    CHKM [G_EFL], EFL_IF, EFL_IF, "IF in a trap-gate handler"
    CHKM [G_FRAME + 8], EFL_IF, EFL_IF, "pushed EFLAGS.IF (trap gate)"
    ; NT is cleared by the gate too
    pushfd
    or dword [esp], EFL_NT
    popfd
    int 0x61
    CHKM [G_EFL], 0, EFL_NT, "NT cleared in the handler"
    CHKM [G_FRAME + 8], EFL_NT, EFL_NT, "pushed EFLAGS.NT"
    pushfd
    and dword [esp], ~EFL_NT
    popfd

; ------------------------------------------------------------------ 286 gates
    TEST "286 call gate from 16-bit CPL-3 code"
    ; A 286 call gate pushes 16-bit SS, SP, the parameter words, CS, IP; RETF 2 (16-bit) returns.
    TO_RING3
    mov eax, [ss:TSS0_BASE + 4]
    mov [ss:R3_ESP0], eax
    jmp C16_3 | 3 : OFF16(.c16)
bits 16
.c16:
    mov [ss:dword R3_BEFORE], esp
    push word 0x4321
    call CG286 | 3 : 0
.c16_after:
    mov [ss:dword R3_AFTER], esp
    jmp dword SEL_CODE3 : .back32
bits 32
.back32:
    TO_RING0
    mov eax, [R3_ESP0]
    sub eax, 10
    CHK [G_ESP], eax, "ESP = TSS.ESP0 - 10 (5 words)"
    CHKM [G_CS], SEL_CODE16, 0xFFFF, "CS inside the 286 gate target"
    CHKM [G_FRAME], OFF16(.c16_after) | ((C16_3 | 3) << 16), 0xFFFFFFFF, "frame: IP, CS (words)"
    mov eax, [R3_BEFORE]
    sub eax, 2
    shl eax, 16
    or eax, 0x4321
    CHK [G_FRAME + 4], eax, "frame: parameter word, SP (words)"
    CHKM [G_FRAME + 8], SEL_DATA3, 0xFFFF, "frame: SS (word)"
    ; a 16-bit RETF to an outer level loads only SP from the frame; the upper half of ESP is not
    ; compared (Bochs zero-extends it; the manuals do not pin it down)
    CHKM [R3_AFTER], [R3_BEFORE], 0xFFFF, "SP after 16-bit RETF 2"

    TEST "286 interrupt gate from 16-bit CPL-0 code"
    ; A 286 interrupt gate pushes 16-bit FLAGS, CS, IP and clears IF; 16-bit IRET returns.
    jmp SEL_CODE16 : OFF16(.i16)
bits 16
.i16:
    mov [ss:dword R3_BEFORE], esp
    int 0x63
.i16_after:
    mov [ss:dword R3_AFTER], esp
    jmp dword SEL_CODE0 : .i16_back
bits 32
.i16_back:
    mov eax, [R3_BEFORE]
    sub eax, 6
    CHK [G_ESP], eax, "handler ESP = ESP - 6 (3 words)"
    CHKM [G_FRAME], OFF16(.i16_after) | (SEL_CODE16 << 16), 0xFFFFFFFF, "frame: IP, CS (words)"
    CHKM [G_FRAME + 4], 0x0002, 0xF72A, "frame: FLAGS (word)"
    CHK [R3_AFTER], [R3_BEFORE], "ESP after 16-bit IRET"

    FINISH

; ------------------------------------------------------------------ handlers
; records ESP, SS, CS, 6 dwords of frame; clobbers EAX, ECX
%macro RECORD 0
    mov [ss:G_ESP], esp
    mov eax, 0
    mov ax, ss
    mov [ss:G_SS], eax
    mov ax, cs
    mov [ss:G_CS], eax
    pushfd
    pop dword [ss:G_EFL]
    mov eax, [esp]
    mov [ss:G_FRAME], eax
    mov eax, [esp + 4]
    mov [ss:G_FRAME + 4], eax
    mov eax, [esp + 8]
    mov [ss:G_FRAME + 8], eax
    mov eax, [esp + 12]
    mov [ss:G_FRAME + 12], eax
    mov eax, [esp + 16]
    mov [ss:G_FRAME + 16], eax
    mov eax, [esp + 20]
    mov [ss:G_FRAME + 20], eax
%endmacro

gate_2p:
    RECORD
    mov ax, SEL_DATA0
    mov ds, ax
    mov es, ax
    mov ax, SEL_DATA3
    mov fs, ax
    mov ax, C_CONF
    mov gs, ax
    retf 8

conf_routine:
    RECORD
    retf

int_handler32:
    RECORD
    iretd

bits 16
gate286:                                    ; in SEL_CODE16 (16-bit, base 0xF0000), CPL 0
    mov [ss:dword G_ESP], esp
    xor eax, eax
    mov ax, ss
    mov [ss:dword G_SS], eax
    mov ax, cs
    mov [ss:dword G_CS], eax
    mov eax, [esp]
    mov [ss:dword G_FRAME], eax
    mov eax, [esp + 4]
    mov [ss:dword G_FRAME + 4], eax
    mov eax, [esp + 8]
    mov [ss:dword G_FRAME + 8], eax
    retf 2

int_handler16:
    mov [ss:dword G_ESP], esp
    mov eax, [esp]
    mov [ss:dword G_FRAME], eax
    mov eax, [esp + 4]
    mov [ss:dword G_FRAME + 4], eax
    iret
bits 32

ROM_END
