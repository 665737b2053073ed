; pm_v86.asm — virtual-8086 mode on the 80386.
;
; Manual sections checked:
;   SDM vol. 3 20.2 (virtual-8086 execution environment: real-mode address formation, CPL 3),
;   20.2.5 (entering V86 mode by IRET with EFLAGS.VM=1 in the image: the frame holds GS, FS, DS,
;   ES, SS, ESP, EFLAGS, CS, EIP), 20.2.7 (sensitive instructions: CLI, STI, PUSHF, POPF, INT n,
;   IRET are IOPL-sensitive in V86 mode and raise #GP(0) when IOPL < 3, INT3 (CC) and INTO are
;   not and go through the IDT; IN/OUT/INS/OUTS are not IOPL-sensitive there but always use the
;   TSS I/O permission bitmap), 20.3.1.1-20.3.1.2
;   (interrupts/exceptions from V86 to a CPL-0 handler: the processor pushes GS, FS, DS, ES, SS,
;   ESP, EFLAGS, CS, EIP on the CPL-0 stack and loads null into DS, ES, FS, GS; IRET from CPL 0
;   with VM=1 in the image returns to V86), 20.2.6 (leaving V86 through an interrupt/exception),
;   vol. 2 PUSHF (VM and RF are cleared in the image).
;   80386 Programmer's Reference Manual chapter 15 (virtual 8086 mode: 15.1 execution,
;   15.2 structure of a V86 task, 15.3 entering and leaving V86 mode, 15.5 sensitive
;   instructions, 15.6 virtual I/O).
;
; Bochs 2.7 agreed with the manual on every check below.

%include "lib/rom.inc"

rom_name: db "pm_v86", 0

align 8
gdt_template:
    GDT_COMMON
gdt_template_end:

V86_CS      equ 0xF000
V86_SS      equ 0x5000
V86_SP      equ 0xFFF0
V86_DS      equ 0x3000      ; = VARS_BASE >> 4: V86 code addresses the variables as DS:(x - VARS_BASE)
V86_ES      equ 0x2000
V86_FS      equ 0x1234
V86_GS      equ 0x4321
IO_OK_PORT  equ 0x300
IO_NO_PORT  equ 0x304

%define OFF16(x) ((x) - $$)
%define GATE_ACC(n) byte [IDT_BASE + (n) * 8 + 5]
%define V(x) ((x) - VARS_BASE)      ; a variable's offset from V86_DS

; variables written by the V86 code or the handlers
V_FLAGS16   equ scratch + 0x00
V_FLAGS32   equ scratch + 0x04
V_CLI       equ scratch + 0x08
V_STI       equ scratch + 0x0C
V_POPF      equ scratch + 0x10
V_MARK      equ scratch + 0x14
V_HSEGS     equ scratch + 0x20      ; DS, ES, FS, GS at handler entry (dwords)
V_HCS       equ scratch + 0x30
V_HSS       equ scratch + 0x34
V_IRETS     equ scratch + 0x38
V_AFTER     equ scratch + 0x3C

test_main:
    mov al, 0xFF                            ; mask the 8259s (STI is executed below)
    out 0x21, al
    out 0xA1, al
    and byte [TSS0_BASE + TSS0_IOMAP + IO_OK_PORT / 8], ~0x0F   ; allow 0x300..0x303
    ; 0x70: 386 interrupt gate DPL 3 -> v86_exit (records the segment registers at entry, then
    ;       the catcher records the V86 frame and resumes at the TRY label)
    ; 0x71: 386 interrupt gate DPL 3 -> v86_reflect (IRETD straight back to V86)
    mov eax, 0x70
    mov ebx, v86_exit
    mov ecx, SEL_CODE0
    mov edx, SYS_INTGATE386 | ACC_DPL(3)
    call set_idt_gate
    mov eax, 0x71
    mov ebx, v86_reflect
    call set_idt_gate

; ------------------------------------------------------------------ IOPL 3
    TEST "V86 with IOPL 3"
    TRY .t1_done
    mov eax, OFF16(v86_t1)
    mov ebx, EFL_IOPL3
    call enter_v86
.t1_done:
    CHK [exc_vec], 0x70, "left V86 through INT 70h"
    CHK [exc_eip], OFF16(v86_t1_after), "frame: EIP (IP after INT)"
    CHK [exc_cs], V86_CS, "frame: CS"
    CHKM [exc_eflags], EFL_VM | EFL_IOPL3, EFL_VM | EFL_IOPL3 | EFL_IF, "frame: EFLAGS VM=1 IOPL=3 IF=0"
    CHK [exc_esp], V86_SP, "frame: ESP"
    CHK [exc_ss], V86_SS, "frame: SS"
    CHKM [exc_v86_es], V86_ES, 0xFFFF, "frame: ES"
    CHKM [exc_v86_ds], V86_DS, 0xFFFF, "frame: DS"
    CHKM [exc_v86_fs], V86_FS, 0xFFFF, "frame: FS"
    CHKM [exc_v86_gs], V86_GS, 0xFFFF, "frame: GS"
    CHKM [V_HSEGS], 0, 0xFFFF, "DS = 0 in the CPL-0 handler"
    CHKM [V_HSEGS + 4], 0, 0xFFFF, "ES = 0 in the CPL-0 handler"
    CHKM [V_HSEGS + 8], 0, 0xFFFF, "FS = 0 in the CPL-0 handler"
    CHKM [V_HSEGS + 12], 0, 0xFFFF, "GS = 0 in the CPL-0 handler"
    CHKM [V_HCS], SEL_CODE0, 0xFFFF, "handler CS"
    CHKM [V_HSS], SEL_DATA0, 0xFFFF, "handler SS = TSS.SS0"
    CHK [EXC_EAX], 0x1234ABCD, "EAX set in V86"
    ; values the V86 code stored
    CHKM [V_FLAGS16], EFL_IOPL3 | 2, 0xFFFF & ~0x8D5, "PUSHF in V86: IOPL=3"
    CHKM [V_FLAGS32], EFL_IOPL3, EFL_VM | EFL_RF | EFL_IOPL3, "PUSHFD in V86: VM and RF clear in the image"
    CHKM [V_CLI], 0, EFL_IF, "CLI worked (IF=0)"
    CHKM [V_STI], EFL_IF, EFL_IF, "STI worked (IF=1)"
    CHKM [V_POPF], EFL_IOPL3 | EFL_CF, EFL_IOPL3 | EFL_CF, "POPF set CF, kept IOPL=3"
    CHK [V_MARK], 0xBEEF, "DS:offset = DS*16 + offset"
    CHK [0x2FFF0], 0xCAFE, "ES:0xFFF0 -> linear 0x2FFF0"
    CHK [V_IRETS], 1, "INT 71h handler IRETD back into V86 once"
    CHK [V_AFTER], 0x7171, "V86 code ran after the IRETD (segments restored)"

; ------------------------------------------------------------------ IOPL < 3
    TEST "V86 sensitive instructions with IOPL 0"
    ; CLI, STI, PUSHF, POPF, INT n, IRET: #GP(0), frame from V86 (EIP = the instruction)
%macro V86_GP 1     ; label of the V86 instruction
    TRY %%rec
    mov eax, OFF16(%1)
    mov ebx, 0
    call enter_v86
%%rec:
    CHKEXC 13, 0, OFF16(%1)
    CHKM [exc_eflags], EFL_VM, EFL_VM, "frame: VM=1"
    CHK [exc_cs], V86_CS, "frame: CS"
%endmacro
    V86_GP v86_cli
    V86_GP v86_sti
    V86_GP v86_pushf
    V86_GP v86_popf
    V86_GP v86_pushfd
    V86_GP v86_int
    V86_GP v86_iret
    V86_GP v86_hlt
    ; with IOPL 1 or 2 too
    TRY .iopl2
    mov eax, OFF16(v86_cli)
    mov ebx, 0x2000
    call enter_v86
.iopl2:
    CHKEXC 13, 0, OFF16(v86_cli)

; ------------------------------------------------------------------ I/O
    TEST "V86 I/O and the bitmap"
    ; IN/OUT in V86 use the I/O bitmap whatever IOPL is.
    TRY .io1
    mov eax, OFF16(v86_io_ok)
    mov ebx, 0
    call enter_v86
.io1:
    CHKEXC 13, 0, OFF16(v86_io_ok_end)      ; reached the HLT at the end: IN/OUT passed
    mov edx, IO_NO_PORT
    TRY .io2
    mov eax, OFF16(v86_io_no)
    mov ebx, 0
    call enter_v86
.io2:
    CHKEXC 13, 0, OFF16(v86_io_no)
    mov edx, IO_NO_PORT
    TRY .io3
    mov eax, OFF16(v86_io_no)
    mov ebx, EFL_IOPL3                      ; IOPL 3 does not bypass the bitmap in V86
    call enter_v86
.io3:
    CHKEXC 13, 0, OFF16(v86_io_no)
    TRY .io4
    mov eax, OFF16(v86_io_word)
    mov ebx, EFL_IOPL3
    call enter_v86
.io4:
    CHKEXC 13, 0, OFF16(v86_io_word_in)     ; 0x303..0x304: 0x304 denied

    TEST "exceptions in V86"
    ; #DE in V86: a fault to the CPL-0 handler with the V86 frame (no IOPL involvement)
    TRY .de
    mov eax, OFF16(v86_div)
    mov ebx, EFL_IOPL3
    call enter_v86
.de:
    CHKEXC 0, NO_ERR, OFF16(v86_div_insn)
    CHK [exc_ss], V86_SS, "frame: SS"
    ; real-mode style segment limit: an access beyond offset 0xFFFF raises #GP(0)
    TRY .lim
    mov eax, OFF16(v86_limit)
    mov ebx, EFL_IOPL3
    call enter_v86
.lim:
    CHKEXC 13, 0, OFF16(v86_limit)

    TEST "INT3/INTO in V86 with IOPL 0"
    ; 80386 PRM 15.5 / INT page ("#GP(0) fault if IOPL is less than 3, for INT only"; INT3 and
    ; INTO are not IOPL-sensitive) and SDM vol. 2 INT n/INTO/INT3 (the V86 IOPL < 3 #GP(0)
    ; applies to INT n, opcode CD): with IOPL 0, INT3 (CC) and INTO go through the IDT like
    ; INT n at CPL 3, i.e. they need a DPL-3 gate (else #GP(vector*8+2), 6.12.1.1), and trap
    ; with the V86 frame (saved IP after the instruction). INT 3 (CD 03) still gives #GP(0).
    or GATE_ACC(3), ACC_DPL(3)
    or GATE_ACC(4), ACC_DPL(3)
    TRY .i3
    mov eax, OFF16(v86_int3)
    mov ebx, 0
    call enter_v86
.i3:
    CHKEXC 3, NO_ERR, OFF16(v86_int3_after)
    CHKM [exc_eflags], EFL_VM, EFL_VM | EFL_IOPL3, "frame: VM=1, IOPL=0"
    CHK [exc_cs], V86_CS, "frame: CS"
    CHK [exc_ss], V86_SS, "frame: SS"
    TRY .io
    mov eax, OFF16(v86_into)
    mov ebx, 0
    call enter_v86
.io:
    CHKEXC 4, NO_ERR, OFF16(v86_into_after)
    CHKM [exc_eflags], EFL_VM | EFL_OF, EFL_VM | EFL_IOPL3 | EFL_OF, "frame: VM=1, IOPL=0, OF=1"
    ; INT 3 in its two-byte form is INT n: IOPL-sensitive in V86
    TRY .icd
    mov eax, OFF16(v86_int_3)
    mov ebx, 0
    call enter_v86
.icd:
    CHKEXC 13, 0, OFF16(v86_int_3)
    ; INT3 through a DPL-0 gate from V86 (CPL 3): #GP(3*8+2), as at CPL 3 in protected mode
    and GATE_ACC(3), ~ACC_DPL(3)
    TRY .i3dpl
    mov eax, OFF16(v86_int3)
    mov ebx, 0
    call enter_v86
.i3dpl:
    CHKEXC 13, 3 * 8 + 2, OFF16(v86_int3)
    and GATE_ACC(4), ~ACC_DPL(3)

    FINISH

; enter_v86: eax = IP (CS = V86_CS), ebx = EFLAGS (VM and bit 1 are added). Never returns: the
; V86 code leaves through an exception/interrupt, which the TRY of the caller catches.
enter_v86:
    add esp, 4
    mov [TSS0_BASE + 4], esp
    push dword V86_GS
    push dword V86_FS
    push dword V86_DS
    push dword V86_ES
    push dword V86_SS
    push dword V86_SP
    or ebx, EFL_VM | 2
    push ebx
    push dword V86_CS
    push eax
    iretd

v86_exit:                                   ; INT 70h from V86
    mov [ss:V_HSEGS], ds
    mov [ss:V_HSEGS + 4], es
    mov [ss:V_HSEGS + 8], fs
    mov [ss:V_HSEGS + 12], gs
    mov [ss:V_HCS], cs
    mov [ss:V_HSS], ss
    jmp exc_stubs + 0x70 * 8

v86_reflect:                                ; INT 71h from V86: straight back
    inc dword [ss:V_IRETS]
    iretd

; ------------------------------------------------------------------ V86 code
bits 16
v86_t1:
    pushf
    pop ax
    mov [V(V_FLAGS16)], ax
    pushfd
    pop eax
    mov [V(V_FLAGS32)], eax
    cli
    pushf
    pop ax
    mov [V(V_CLI)], ax
    sti
    pushf
    pop ax
    mov [V(V_STI)], ax
    cli
    push word EFL_CF | 2                    ; IOPL field 0 in the image
    popf
    pushf
    pop ax
    mov [V(V_POPF)], ax
    mov word [V(V_MARK)], 0xBEEF
    mov word [es:0xFFF0], 0xCAFE
    int 0x71
    mov word [V(V_AFTER)], 0x7171
    mov eax, 0x1234ABCD
    int 0x70
v86_t1_after:
    hlt

v86_cli:    cli
v86_sti:    sti
v86_pushf:  pushf
v86_popf:   popf
v86_pushfd: pushfd
v86_int:    int 0x70
v86_iret:   iret
v86_hlt:    hlt
v86_int3:   int3
v86_int3_after:
            hlt
v86_into:   mov al, 0x7F
            add al, 1                       ; OF = 1
            into
v86_into_after:
            hlt
v86_int_3:  int 3                           ; CD 03
            hlt

v86_io_ok:
    mov dx, IO_OK_PORT
    in al, dx
    in ax, dx
    out dx, al
    mov dx, IO_OK_PORT + 3
    in al, dx
v86_io_ok_end:
    hlt
v86_io_no:
    in al, dx                               ; DX = IO_NO_PORT (set by the EDX of enter_v86's caller)
    hlt
v86_io_word:
    mov dx, IO_OK_PORT + 3
v86_io_word_in:
    in ax, dx
    hlt
v86_div:
    xor cl, cl
v86_div_insn:
    div cl
    hlt
v86_limit:
    mov ax, [0xFFFF]                        ; word at offset 0xFFFF: beyond the 64 KiB limit
    hlt
bits 32

ROM_END
