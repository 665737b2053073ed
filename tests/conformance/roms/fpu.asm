; fpu.asm — the x87 FPU as an operating system and a BIOS use it, in 32-bit protected mode.
;
; Manual sections checked:
;   SDM vol. 1 8.1.1-8.1.9 (data registers and TOP, status word: condition codes, SF, ES, B,
;   control word: masks, PC, RC; tag word; last instruction pointer FCS:FIP, opcode FOP, last
;   data pointer FDS:FDP), 8.1.3.3 (condition codes to EFLAGS through FNSTSW AX; SAHF), 8.1.10
;   and figures 8-9/8-10 (FSTENV/FSAVE image in 32-bit protected mode), 8.2 (formats: single,
;   double, extended, word/dword/qword integer, packed BCD), 8.3.4 (constants, rounded per RC
;   from the 387 on), 8.3.6-8.3.7 (comparisons, table 8-6), 8.5 and 8.5.1.1 (invalid operation:
;   stack overflow/underflow set IE and SF, C1 = 1 for overflow and 0 for underflow; masked
;   responses: the real indefinite and the integer indefinite), 8.5.3 (division by zero), 8.6
;   (exception synchronisation: an unmasked exception is reported at the next waiting FP
;   instruction or WAIT), 8.7 (CR0.NE = 1: native #MF), table 8-10 (FXAM classes);
;   vol. 2 pages FINIT/FNINIT, FSTENV/FNSTENV (masks every exception afterwards), FSAVE/FNSAVE
;   (re-initialises), FRSTOR, FCLEX, FLDCW, FXAM, FCOM, FTST, FBLD, FBSTP, FRNDINT, FCOMI, FCMOVcc;
;   vol. 3 2.5 (CR0.MP/EM/TS/NE) and table 2-2 (which of ESC and WAIT raise #NM), 6.15
;   (interrupt 7 #NM and interrupt 16 #MF: faults, no error code, saved EIP at the instruction
;   that reports them), 13.4 (lazy FPU context switching: CLTS in the #NM handler, then retry).
;   80387 Programmer's Reference Manual chapters 2-3 (the same state on the 386's coprocessor).
;
; Sections are skipped (with a note, no checks) where the CPU does not have the feature: #MF
; needs CR0.NE (486 and later; the 386 + 387 reports errors only through the PC's IRQ 13), and
; FCOMI/FCMOVcc need CPUID.1:EDX.CMOV and .FPU (the P6).
;
; Bochs 2.7 agreed with the manual on every check below.

%include "lib/rom.inc"

rom_name: db "fpu", 0

align 8
gdt_template:
    GDT_COMMON
gdt_template_end:

absolute FREE_RAM
fpu_env     resb 32             ; FNSTENV image (28 bytes in 32-bit mode)
area_a      resb 112            ; FNSAVE images (108 bytes in 32-bit mode)
area_b      resb 112
area_x      resb 112
mem_w       resd 1
mem_d       resd 1
mem_q       resd 2
mem_t       resd 3              ; 10-byte extended / BCD
nm_count    resd 1
nm_eip      resd 1
nm_switch   resd 1              ; 1: the #NM handler also swaps FPU contexts A -> B
has_ne      resd 1
has_fcmov   resd 1
section .text

; ------------------------------------------------------------------ constants in ROM
f32_1_5:    dd 0x3FC00000       ; 1.5
f32_100_75: dd 0x42C98000       ; 100.75
f32_zero:   dd 0
f64_pi:     dq 0x400921FB54442D18
f64_m1_25:  dq 0xBFF4000000000000 ; -1.25
t80_pat:    dq 0x8123456789ABCDEF ; an arbitrary normal extended value (sign set)
            dw 0xC00F
t80_denorm: dq 0x0000000000000001 ; the smallest extended denormal
            dw 0x0000
t80_minf:   dq 0x8000000000000000 ; -infinity
            dw 0xFFFF
t80_qnan:   dq 0xC000000000000000 ; a quiet NaN
            dw 0x7FFF
i16_m2:     dw -2
i16_3:      dw 3
i16_7:      dw 7
i32_big:    dd 123456789
i32_m7:     dd -7
i64_val:    dq 0x0123456789ABCDEF
bcd_pos:    db 0x90, 0x78, 0x56, 0x34, 0x12, 0, 0, 0, 0, 0x00    ; +1234567890
bcd_neg:    db 0x78, 0x56, 0x34, 0x12, 0x90, 0x78, 0x56, 0x34, 0x12, 0x80 ; -123456789012345678
f64_2_5:    dq 0x4004000000000000 ; 2.5
f64_m2_5:   dq 0xC004000000000000 ; -2.5
f64_3_5:    dq 0x400C000000000000 ; 3.5
cw_pc24:    dw 0x007F           ; all masked, PC = 24 bits, RC = nearest
cw_down:    dw 0x077F           ; RC = down (toward -inf)
cw_up:      dw 0x0B7F           ; RC = up
cw_chop:    dw 0x0F7F           ; RC = toward zero
cw_zm_off:  dw 0x037B           ; ZE unmasked
cw_im_off:  dw 0x037E           ; IE unmasked

; SW_IS expected, mask, "what": the status word (FNSTSW AX, which never waits).
%macro SW_IS 3+
    fnstsw ax
    movzx eax, ax
    CHKM eax, %1, %2, %3
%endmacro
; CW_IS expected, "what": the control word (FNSTCW).
%macro CW_IS 2+
    fnstcw [mem_w]
    movzx eax, word [mem_w]
    CHK eax, %1, %2
%endmacro
; T80_IS sign_exponent, significand high, significand low, "what": the 10 bytes at mem_t.
%macro T80_IS 4+
    CHK [mem_t], %3, %4, " (bits 31-0)"
    CHK [mem_t + 4], %2, %4, " (bits 63-32)"
    CHKM [mem_t + 8], %1, 0xFFFF, %4, " (sign, exponent)"
%endmacro
; Q_IS high, low, "what": the 8 bytes at mem_q.
%macro Q_IS 3+
    CHK [mem_q], %2, %3, " (low)"
    CHK [mem_q + 4], %1, %3, " (high)"
%endmacro

; set_cr0_fpu: CR0.MP/EM/TS := the bits of eax (0xE), NE as supported (set if has_ne).
set_cr0_fpu:
    push ebx
    mov ebx, cr0
    and ebx, ~0x2E
    and eax, 0xE
    or ebx, eax
    cmp dword [has_ne], 0
    je .w
    or ebx, 0x20
.w: mov cr0, ebx
    pop ebx
    ret

; The #NM handler of the lazy-switching checks: an operating system's one (SDM vol. 3 13.4):
; CLTS, optionally save the previous owner's state and load the new one, then IRETD, which
; restarts the faulting instruction (#NM is a fault).
nm_handler:
    push eax
    inc dword [ss:nm_count]
    mov eax, [esp + 4]
    mov [ss:nm_eip], eax
    clts
    cmp dword [ss:nm_switch], 0
    je .done
    fnsave [ss:area_a]
    frstor [ss:area_b]
.done:
    pop eax
    iretd

install_nm_handler:                         ; eax = handler offset
    push ebx
    push ecx
    push edx
    mov ebx, eax
    mov eax, 7
    mov ecx, SEL_CODE0
    mov edx, SYS_INTGATE386
    call set_idt_gate
    pop edx
    pop ecx
    pop ebx
    ret

test_main:
; ------------------------------------------------------------------ detection and FNINIT
    TEST "detection and FNINIT"
    ; CR0.NE exists from the 486 on (on the 386 the bit is reserved and reads 0).
    mov eax, cr0
    or eax, 0x20
    mov cr0, eax
    mov eax, cr0
    shr eax, 5
    and eax, 1
    mov [has_ne], eax
    mov eax, 0x2                            ; MP = 1, EM = TS = 0: an FPU is present
    call set_cr0_fpu
    ; The detection sequence of Linux (arch/x86 fpu__init_check) and of BIOSes: FNINIT, then
    ; FNSTSW must store 0 and FNSTCW must give (cw & 103Fh) = 3Fh. Without an FPU the stores
    ; would not happen, so the memory is preset to a value that fails.
    fninit
    mov word [mem_w], 0x5A5A
    fnstsw [mem_w]
    movzx eax, word [mem_w]
    CHK eax, 0, "FNSTSW m16 after FNINIT"
    mov word [mem_w], 0x5A5A
    fnstcw [mem_w]
    movzx eax, word [mem_w]
    CHKM eax, 0x003F, 0x103F, "FNSTCW after FNINIT (detection mask)"
    ; FNINIT: CW = 037Fh (all masked, 64-bit precision, nearest), SW = 0 (TOP = 0), all tags
    ; empty (11b each: 0FFFFh), FIP/FDP/FOP cleared (vol. 2 FINIT table).
    CW_IS 0x037F, "control word after FNINIT"
    mov eax, 0xA5A5A5A5
    fnstsw ax
    CHK eax, 0xA5A50000, "FNSTSW AX writes AX only"
    fnstenv [fpu_env]
    CHKM [fpu_env + 0], 0x037F, 0xFFFF, "FNSTENV CW"
    CHKM [fpu_env + 4], 0x0000, 0xFFFF, "FNSTENV SW"
    CHKM [fpu_env + 8], 0xFFFF, 0xFFFF, "FNSTENV tag word (all empty)"
    ; loading changes the tag of the physical register: TOP = 7 after one push, tag(7) = 00
    ; (valid) for 1.0, then TOP = 6 and tag(6) = 01 (zero) for +0.0
    fninit
    fld1
    fldz
    fnstenv [fpu_env]
    CHKM [fpu_env + 8], 0x1FFF, 0xFFFF, "tag word after FLD1, FLDZ"
    CHKM [fpu_env + 4], 0x3000, 0xFFFF, "SW after two pushes (TOP = 6)"
    fninit
    fldcw [cw_pc24]
    CW_IS 0x007F, "FLDCW / FNSTCW round trip"
    fninit

; ------------------------------------------------------------------ loads and stores
    TEST "loads and stores of every format"
    fninit
    fld dword [f32_1_5]
    fst qword [mem_q]
    Q_IS 0x3FF80000, 0, "m32 1.5 -> m64"
    fstp tword [mem_t]
    T80_IS 0x3FFF, 0xC0000000, 0, "m32 1.5 -> m80"
    fld dword [f32_100_75]
    fstp tword [mem_t]
    T80_IS 0x4005, 0xC9800000, 0, "m32 100.75 -> m80"
    fld qword [f64_m1_25]
    fstp dword [mem_d]
    CHK [mem_d], 0xBFA00000, "m64 -1.25 -> m32"
    ; pi as a double, rounded to nearest single: 40490FDBh (inexact: PE and C1 = 1, rounded up)
    fninit
    fld qword [f64_pi]
    fstp dword [mem_d]
    CHK [mem_d], 0x40490FDB, "m64 pi -> m32 (rounded to nearest)"
    SW_IS 0x0220, 0x02FF, "SW after the inexact store: PE, C1 = 1 (rounded up)"
    fld qword [f64_pi]
    fstp qword [mem_q]
    Q_IS 0x400921FB, 0x54442D18, "m64 pi -> m64"
    ; m80 loads and stores move the bits unchanged, denormals too
    fld tword [t80_pat]
    fstp tword [mem_t]
    T80_IS 0xC00F, 0x81234567, 0x89ABCDEF, "m80 -> m80"
    fld tword [t80_denorm]
    fstp tword [mem_t]
    T80_IS 0x0000, 0, 1, "m80 denormal -> m80"
    ; integers
    fninit
    fild word [i16_m2]
    fistp dword [mem_d]
    CHK [mem_d], 0xFFFFFFFE, "m16int -2 -> m32int"
    fild dword [i32_big]
    fist word [mem_w]                        ; 123456789 does not fit: masked IE -> 8000h
    movzx eax, word [mem_w]
    CHK eax, 0x8000, "m32int 123456789 -> m16int: integer indefinite"
    SW_IS 0x0001, 0x0041, "SW: IE without SF"
    fistp qword [mem_q]
    Q_IS 0, 123456789, "m32int -> m64int"
    fild qword [i64_val]
    fistp qword [mem_q]
    Q_IS 0x01234567, 0x89ABCDEF, "m64int -> m64int (exact in 64 bits)"
    fild dword [i32_m7]
    fstp tword [mem_t]
    T80_IS 0xC001, 0xE0000000, 0, "m32int -7 -> m80"
    ; packed BCD: 18 digits, sign in bit 79 (vol. 1 figure 4-9)
    fninit
    fbld tword [bcd_pos]
    fistp dword [mem_d]
    CHK [mem_d], 1234567890, "FBLD +1234567890 -> m32int"
    fbld tword [bcd_neg]
    fistp qword [mem_q]
    Q_IS 0xFE4964B4, 0x59CF0CB2, "FBLD -123456789012345678 -> m64int"
    fild qword [i64_val]                     ; 81985529216486895
    fbstp tword [mem_t]
    CHK [mem_t], 0x16486895, "FBSTP 81985529216486895 (bytes 0-3)"
    CHK [mem_t + 4], 0x19855292, "FBSTP (bytes 4-7)"
    CHKM [mem_t + 8], 0x0008, 0xFFFF, "FBSTP (bytes 8-9: sign clear)"
    fild dword [i32_m7]
    fbstp tword [mem_t]
    CHK [mem_t], 0x00000007, "FBSTP -7 (bytes 0-3)"
    CHK [mem_t + 4], 0, "FBSTP -7 (bytes 4-7)"
    CHKM [mem_t + 8], 0x8000, 0xFFFF, "FBSTP -7 (bytes 8-9: sign set)"
    SW_IS 0x0000, 0x38FF, "SW after balanced loads/stores: TOP 0, no flags"
    ; constants, rounded to nearest (RC = 00); from the 387 on RC applies to them
    fninit
    fldpi
    fstp tword [mem_t]
    T80_IS 0x4000, 0xC90FDAA2, 0x2168C235, "FLDPI (nearest)"
    fldl2e
    fstp tword [mem_t]
    T80_IS 0x3FFF, 0xB8AA3B29, 0x5C17F0BC, "FLDL2E (nearest)"
    fldl2t
    fstp tword [mem_t]
    T80_IS 0x4000, 0xD49A784B, 0xCD1B8AFE, "FLDL2T (nearest)"
    fldlg2
    fstp tword [mem_t]
    T80_IS 0x3FFD, 0x9A209A84, 0xFBCFF799, "FLDLG2 (nearest)"
    fldln2
    fstp tword [mem_t]
    T80_IS 0x3FFE, 0xB17217F7, 0xD1CF79AC, "FLDLN2 (nearest)"
    fldcw [cw_chop]
    fldpi
    fstp tword [mem_t]
    T80_IS 0x4000, 0xC90FDAA2, 0x2168C234, "FLDPI (toward zero)"
    fninit

; ------------------------------------------------------------------ arithmetic
    TEST "arithmetic"
    fninit
    fild word [i16_3]
    fiadd word [i16_7]
    fistp dword [mem_d]
    CHK [mem_d], 10, "3 + 7"
    fild word [i16_3]
    fimul dword [i32_m7]
    fistp dword [mem_d]
    CHK [mem_d], -21, "3 * -7"
    ; FSUBP ST(1),ST(0) computes ST(1) - ST(0); FSUBRP ST(1),ST(0) computes ST(0) - ST(1)
    fild word [i16_7]
    fild word [i16_3]
    fsubp st1, st0
    fistp dword [mem_d]
    CHK [mem_d], 4, "FSUBP: 7 - 3"
    fild word [i16_7]
    fild word [i16_3]
    fsubrp st1, st0
    fistp dword [mem_d]
    CHK [mem_d], -4, "FSUBRP: 3 - 7"
    fild word [i16_7]
    fidiv word [i16_m2]                      ; 7 / -2 = -3.5 exactly
    fstp dword [mem_d]
    CHK [mem_d], 0xC0600000, "7 / -2"
    ; 1/3 with 64-bit precision: 3FFD AAAAAAAAAAAAAAABh (rounded up, so C1 = 1)
    fninit
    fld1
    fidiv word [i16_3]
    SW_IS 0x3A20, 0x3AFF, "SW after 1/3: PE, C1 = 1 (rounded up), TOP 7"
    fstp tword [mem_t]
    T80_IS 0x3FFD, 0xAAAAAAAA, 0xAAAAAAAB, "1/3 (64-bit precision)"
    fld1
    fidiv word [i16_3]
    fstp dword [mem_d]
    CHK [mem_d], 0x3EAAAAAB, "1/3 -> m32"
    ; precision control 24 bits: the significand is rounded to 24 bits in the register
    fldcw [cw_pc24]
    fld1
    fidiv word [i16_3]
    fstp tword [mem_t]
    T80_IS 0x3FFD, 0xAAAAAB00, 0, "1/3 (PC = 24 bits)"
    fninit
    ; square root of 2, correctly rounded: 3FFF B504F333F9DE6484h
    fld1
    fadd st0, st0
    fsqrt
    fld st0                                   ; (there is no FST m80, only FSTP)
    fstp tword [mem_t]
    T80_IS 0x3FFF, 0xB504F333, 0xF9DE6484, "FSQRT(2)"
    fstp qword [mem_q]
    Q_IS 0x3FF6A09E, 0x667F3BCD, "FSQRT(2) -> m64"
    ; sign operations
    fld1
    fchs
    fst dword [mem_d]
    CHK [mem_d], 0xBF800000, "FCHS 1"
    fabs
    fstp dword [mem_d]
    CHK [mem_d], 0x3F800000, "FABS -1"
    ; FRNDINT and FIST by the rounding control: 2.5 and -2.5
    fninit
    fld qword [f64_2_5]
    frndint
    fistp dword [mem_d]
    CHK [mem_d], 2, "FRNDINT 2.5, nearest (even)"
    fld qword [f64_3_5]
    fistp dword [mem_d]
    CHK [mem_d], 4, "FISTP 3.5, nearest (even)"
    fldcw [cw_down]
    fld qword [f64_m2_5]
    fistp dword [mem_d]
    CHK [mem_d], -3, "FISTP -2.5, down"
    fldcw [cw_up]
    fld qword [f64_2_5]
    frndint
    fistp dword [mem_d]
    CHK [mem_d], 3, "FRNDINT 2.5, up"
    fldcw [cw_chop]
    fld qword [f64_m2_5]
    fistp dword [mem_d]
    CHK [mem_d], -2, "FISTP -2.5, toward zero"
    ; masked exceptions: the default results (vol. 1 8.5.3, 4.8.3.7)
    fninit
    fld1
    fdiv dword [f32_zero]
    fstp dword [mem_d]
    CHK [mem_d], 0x7F800000, "1 / 0 masked: +infinity"
    SW_IS 0x0004, 0x00FF, "SW: ZE only"
    fninit
    fldz
    fdiv dword [f32_zero]
    fstp dword [mem_d]
    CHK [mem_d], 0xFFC00000, "0 / 0 masked: the real indefinite"
    SW_IS 0x0001, 0x00FF, "SW: IE only (no SF)"
    fninit

; ------------------------------------------------------------------ comparisons and FXAM
    TEST "FCOM FTST FXAM condition codes"
    ; FCOM: C3 C2 C0 = 000 (>), 001 (<), 100 (=), 111 (unordered) — table 8-6
    fninit
    fld1
    fcom dword [f32_zero]
    SW_IS 0x0000, 0x4500, "FCOM 1 vs 0 (>)"
    fcom dword [f32_1_5]
    SW_IS 0x0100, 0x4500, "FCOM 1 vs 1.5 (<)"
    fld1
    fcomp st1
    SW_IS 0x4000, 0x4500, "FCOMP 1 vs 1 (=)"
    SW_IS 0x3800, 0x3800, "FCOMP popped (TOP = 7)"
    ; FNSTSW AX; SAHF maps C0 -> CF, C2 -> PF, C3 -> ZF (vol. 1 8.1.3.3)
    fcom dword [f32_1_5]
    fnstsw ax
    sahf
    pushfd
    pop eax
    CHKM eax, EFL_CF, EFL_CF | EFL_ZF | 0x4, "SAHF after FCOM <: CF"
    fcom dword [f32_zero]
    fnstsw ax
    sahf
    seta al
    movzx eax, al
    CHK eax, 1, "SAHF after FCOM >: JA taken"
    ; unordered with a QNaN: FUCOM raises nothing, FCOM raises IE
    fnclex
    fld tword [t80_qnan]
    fucom st1
    SW_IS 0x4500, 0x4501, "FUCOM NaN: unordered, no IE"
    fcom st1
    SW_IS 0x4501, 0x4501, "FCOM NaN: unordered, IE"
    fnstsw ax
    sahf
    pushfd
    pop eax
    CHKM eax, EFL_CF | EFL_ZF | 0x4, EFL_CF | EFL_ZF | 0x4, "SAHF after unordered: ZF PF CF"
    fninit
    ; FTST compares with +0.0
    fld1
    fchs
    ftst
    SW_IS 0x0100, 0x4500, "FTST -1 (<)"
    fldz
    ftst
    SW_IS 0x4000, 0x4500, "FTST +0 (=)"
    fninit
    ; FXAM: C3 C2 C0 class, C1 sign (table 8-10)
    fld1
    fxam
    SW_IS 0x0400, 0x4700, "FXAM +1: normal, positive"
    fninit
    fld tword [t80_minf]
    fxam
    SW_IS 0x0700, 0x4700, "FXAM -inf: infinity, negative"
    fninit
    fldz
    fxam
    SW_IS 0x4000, 0x4700, "FXAM +0: zero"
    fninit
    fld tword [t80_qnan]
    fxam
    SW_IS 0x0100, 0x4700, "FXAM QNaN: NaN"
    fninit
    fld tword [t80_denorm]
    fxam
    SW_IS 0x4400, 0x4700, "FXAM denormal"
    fninit
    fxam                                      ; C1 of an empty register is not defined
    SW_IS 0x4100, 0x4500, "FXAM empty ST(0)"
    fninit

; ------------------------------------------------------------------ stack faults, masked
    TEST "stack overflow and underflow (masked)"
    ; the ninth push overflows: IE + SF, C1 = 1, the real indefinite is pushed
    fninit
    mov ecx, 8
.push8:
    fld1
    loop .push8
    SW_IS 0x0000, 0x00FF, "eight pushes: no exception"
    fldz
    SW_IS 0x0241, 0x02FF, "ninth push: IE, SF, C1 = 1"
    fstp tword [mem_t]
    T80_IS 0xFFFF, 0xC0000000, 0, "pushed value: the real indefinite"
    ; popping an empty register: IE + SF, C1 = 0, the store writes the indefinite
    fninit
    fstp dword [mem_d]
    CHK [mem_d], 0xFFC00000, "FSTP m32 of an empty ST(0): indefinite"
    SW_IS 0x0841, 0x3AFF, "SW: IE, SF, C1 = 0, popped (TOP 1)"
    fninit
    fistp word [mem_w]
    movzx eax, word [mem_w]
    CHK eax, 0x8000, "FISTP m16 of an empty ST(0): integer indefinite"
    fninit
    fld1
    fadd st0, st3                             ; ST(3) is empty
    SW_IS 0x0041, 0x02FF, "FADD with an empty ST(3): IE, SF, C1 = 0"
    fstp tword [mem_t]
    T80_IS 0xFFFF, 0xC0000000, 0, "destination: the real indefinite"
    fninit

; ------------------------------------------------------------------ last instruction pointers
    TEST "last instruction and data pointers"
    ; FCS:FIP, FOP and FDS:FDP belong to the last non-control instruction: FLDCW, FNSTSW,
    ; FNCLEX and FNSTCW leave them alone (vol. 1 8.1.8, 8.1.9)
    fninit
.fldm_insn:
    fld dword [f32_1_5]                       ; D9 /0, ModRM 05h: FOP 105h
    fldcw [cw_up]
    fnstsw ax
    fnclex
    fnstcw [mem_w]
    fnstenv [fpu_env]
    CHK [fpu_env + 12], .fldm_insn, "FIP = the FLD m32 (control instructions skipped)"
    CHKM [fpu_env + 16], SEL_CODE0 | (0x0105 << 16), 0x07FFFFFF, "FOP and FCS"
    CHK [fpu_env + 20], f32_1_5, "FDP = the operand's offset"
    CHKM [fpu_env + 24], SEL_DATA0, 0xFFFF, "FDS"
    ; with a 16-bit operand size the protected-mode image is 14 bytes of words: CW SW TW FIP
    ; FCS FDP FDS, no FOP (vol. 1 figure 8-11); the bytes after it stay as they were
    mov dword [fpu_env + 12], 0x5A5A5A5A
    mov dword [fpu_env + 16], 0x5A5A5A5A
    o16 fnstenv [fpu_env]
    CHKM [fpu_env + 0], 0x0B7F, 0xFFFF, "16-bit image: CW"
    CHKM [fpu_env + 6], .fldm_insn, 0xFFFF, "16-bit image: FIP (bits 15-0)"
    CHKM [fpu_env + 8], SEL_CODE0, 0xFFFF, "16-bit image: FCS"
    CHKM [fpu_env + 10], f32_1_5, 0xFFFF, "16-bit image: FDP (bits 15-0)"
    CHKM [fpu_env + 12], SEL_DATA0, 0xFFFF, "16-bit image: FDS"
    CHKM [fpu_env + 14], 0x5A5A, 0xFFFF, "16-bit image: 14 bytes only"
.fadd_insn:
    db 0xD8, 0xC0                             ; FADD ST(0),ST(0), the D8 form: FOP 0C0h
    fnstenv [fpu_env]
    CHK [fpu_env + 12], .fadd_insn, "FIP = the FADD ST(0),ST(0)"
    CHKM [fpu_env + 16], SEL_CODE0 | (0x00C0 << 16), 0x07FFFFFF, "FOP and FCS of the FADD"
    fninit

; ------------------------------------------------------------------ #MF
    TEST "unmasked exceptions and #MF (CR0.NE = 1)"
    cmp dword [has_ne], 0
    jne .mf
    PUTS "  (skipped: no CR0.NE, errors go to IRQ 13 on this CPU)", 13, 10
    jmp .mf_done
.mf:
    mov eax, 0x2
    call set_cr0_fpu
    ; an unmasked ZE: the FDIVP itself completes without an exception, leaves the stack and
    ; its destination alone, and sets ZE, ES and B; #MF comes at the next waiting instruction
    fninit
    fldcw [cw_zm_off]
    fld1
    fldz
    TRY .mf1
.fdiv_insn:
    fdivp st1, st0                            ; ST(1) = 1 / 0
    mov dword [mem_d], 0x600D
    fnstsw ax                                 ; no wait: no #MF
    mov [mem_w], ax
.wait_insn:
    fwait
    mov dword [mem_d], 0xBAD
.mf1:
    mov dword [ss:catch_eip], 0
    CHKEXC 16, NO_ERR, .wait_insn
    CHK [mem_d], 0x600D, "FDIVP completed, FNSTSW did not wait"
    movzx eax, word [mem_w]
    CHKM eax, 0xB084, 0xB8FF, "SW: B, ES, ZE, TOP 6 (no pop)"
    ; the handler's FNSTENV: CS:EIP and opcode of the FDIVP (DE F9 -> 6F9h)
    fnstenv [fpu_env]
    CHKM [fpu_env + 0], 0x037B, 0xFFFF, "env CW"
    CHKM [fpu_env + 4], 0xB084, 0xB8FF, "env SW"
    CHKM [fpu_env + 8], 0x1FFF, 0xFFFF, "env tag word (1.0, 0.0 kept)"
    CHK [fpu_env + 12], .fdiv_insn, "env FIP = the FDIVP"
    CHKM [fpu_env + 16], SEL_CODE0, 0xFFFF, "env FCS"
    CHKM [fpu_env + 16], 0x06F9 << 16, 0x07FF0000, "env FOP"
    ; FNSTENV masks every exception afterwards
    CW_IS 0x037F, "CW after FNSTENV"
    fnclex
    SW_IS 0x3000, 0xB8FF, "SW after FNCLEX"
    NOFAULT fwait
    fstp tword [mem_t]
    T80_IS 0, 0, 0, "ST(0) kept: +0"
    ; a memory operand: FDP and FDS (FDIV m32 = D8 /6 with ModRM 35h -> FOP 035h)
    fninit
    fldcw [cw_zm_off]
    fld1
.fdivm_insn:
    fdiv dword [f32_zero]
    TRY .mf2
.fld_insn:
    fld1                                      ; waiting: reports the ZE first, does not load
    mov dword [mem_d], 0xBAD
.mf2:
    mov dword [ss:catch_eip], 0
    CHKEXC 16, NO_ERR, .fld_insn
    SW_IS 0xB884, 0xB8FF, "SW: FLD1 did not push (TOP 7)"
    fnstenv [fpu_env]
    CHK [fpu_env + 12], .fdivm_insn, "env FIP = the FDIV m32"
    CHKM [fpu_env + 16], 0x0035 << 16, 0x07FF0000, "env FOP"
    CHK [fpu_env + 20], f32_zero, "env FDP = the operand's offset"
    CHKM [fpu_env + 24], SEL_DATA0, 0xFFFF, "env FDS"
    ; FNSAVE / FRSTOR keep a pending exception: after FRSTOR the next waiting instruction
    ; reports it (the FPU state of a task, switched by an OS, carries its error along)
    fninit
    fldcw [cw_zm_off]
    fld1
    fldz
.fdiv_insn2:
    fdivp st1, st0
    fnsave [area_x]
    CHKM [area_x + 0], 0x037B, 0xFFFF, "FNSAVE CW"
    CHKM [area_x + 4], 0xB084, 0xB8FF, "FNSAVE SW"
    CHK [area_x + 28], 0, "FNSAVE ST(0) = +0 (bits 31-0)"
    CHKM [area_x + 36], 0, 0xFFFF, "FNSAVE ST(0) (sign, exponent)"
    CHK [area_x + 42], 0x80000000, "FNSAVE ST(1) = 1.0 (bits 63-32)"
    CHKM [area_x + 46], 0x3FFF, 0xFFFF, "FNSAVE ST(1) (sign, exponent)"
    ; FNSAVE initialises the FPU afterwards
    CW_IS 0x037F, "CW after FNSAVE"
    SW_IS 0, 0xFFFF, "SW after FNSAVE"
    NOFAULT fwait
    TRY .mf3
    frstor [area_x]
    mov dword [mem_d], 0x600D
.wait2_insn:
    fwait
    mov dword [mem_d], 0xBAD
.mf3:
    mov dword [ss:catch_eip], 0
    CHKEXC 16, NO_ERR, .wait2_insn
    CHK [mem_d], 0x600D, "FRSTOR itself did not fault"
    CW_IS 0x037B, "CW after FRSTOR"
    fnstenv [fpu_env]
    CHK [fpu_env + 12], .fdiv_insn2, "FIP after FRSTOR"
    fninit
    ; unmasking an exception whose flag is set makes it pending (FLDCW; vol. 1 8.1.3.3)
    fldz
    fdiv dword [f32_zero]                     ; masked IE (0/0)
    fldcw [cw_im_off]
    SW_IS 0x8081, 0x80FF, "FLDCW unmasking IE: ES and B set"
    FAULT 16, NO_ERR, fwait
    fninit
    NOFAULT fwait
    jmp .mf_done
.mf_done:

; ------------------------------------------------------------------ #NM
    TEST "#NM: CR0.EM, CR0.TS, CR0.MP"
    ; CR0.EM = 1: every ESC instruction raises #NM; WAIT ignores EM (vol. 3 table 2-2)
    mov eax, 0x4
    call set_cr0_fpu
    FAULT 7, NO_ERR, fld1
    FAULT 7, NO_ERR, fnstsw ax
    NOFAULT wait
    ; TS = 1, MP = 0: ESC faults, WAIT does not
    mov eax, 0x8
    call set_cr0_fpu
    FAULT 7, NO_ERR, fninit
    NOFAULT wait
    ; TS = 1, MP = 1: both fault
    mov eax, 0xA
    call set_cr0_fpu
    FAULT 7, NO_ERR, fwait
    FAULT 7, NO_ERR, fnsave [area_x]
    mov eax, 0x2
    call set_cr0_fpu

    TEST "lazy FPU context switch"
    ; an OS marks the FPU as not owned by setting TS at a task switch; the new task's first
    ; FP instruction raises #NM, the handler clears TS (CLTS), saves the old owner's state,
    ; loads the new task's state and returns to restart the instruction
    mov eax, nm_handler
    call install_nm_handler
    mov dword [nm_count], 0
    mov dword [nm_switch], 1
    fninit                                    ; task B's state: +0.0 on the stack, RC = up
    fldcw [cw_up]
    fldz
    fnsave [area_b]
    fld1                                      ; task A's state: 2.5 on the stack
    fadd dword [f32_1_5]
    mov eax, 0xA                              ; the switch to task B: TS (and MP) set
    call set_cr0_fpu
.nm_insn:
    fldpi                                     ; task B: #NM, switched, restarted
    mov dword [nm_switch], 0
    CHK [nm_count], 1, "one #NM"
    CHK [nm_eip], .nm_insn, "#NM saved EIP = the FLDPI"
    mov eax, cr0
    CHKM eax, 0, 0x8, "CR0.TS clear after the handler's CLTS"
    CW_IS 0x0B7F, "task B's control word"
    fstp tword [mem_t]
    T80_IS 0x4000, 0xC90FDAA2, 0x2168C235, "FLDPI in task B (RC = up)"
    fstp tword [mem_t]
    T80_IS 0, 0, 0, "task B's +0.0 under it"
    SW_IS 0x0000, 0x3800, "task B's stack empty again"
    CHKM [area_a + 0], 0x037F, 0xFFFF, "task A's saved CW"
    CHK [area_a + 32], 0xA0000000, "task A's ST(0) = 2.5 (bits 63-32)"
    CHKM [area_a + 36], 0x4000, 0xFFFF, "task A's ST(0) (sign, exponent)"
    ; with TS clear the next FP instruction runs without another #NM
    fld1
    fstp st0
    CHK [nm_count], 1, "no #NM once TS is clear"
    ; WAIT with TS and MP raises #NM too, and restarts after CLTS
    mov eax, 0xA
    call set_cr0_fpu
    fwait
    CHK [nm_count], 2, "WAIT with TS + MP: #NM, restarted"
    mov eax, exc_stubs + 7 * 8
    call install_nm_handler
    fninit

; ------------------------------------------------------------------ P6: FCOMI, FCMOVcc
    TEST "FCOMI and FCMOVcc (P6)"
    ; CPUID exists when EFLAGS.ID (bit 21) can be toggled; FCMOVcc/FCOMI exist when both
    ; CPUID.1:EDX.FPU (bit 0) and .CMOV (bit 15) are set (vol. 2 FCMOVcc, FCOMI)
    pushfd
    pop eax
    mov ecx, eax
    xor eax, 0x200000
    push eax
    popfd
    pushfd
    pop eax
    push ecx
    popfd
    xor eax, ecx
    test eax, 0x200000
    jz .no_p6
cpu 686
    mov eax, 1
    cpuid
    and edx, (1 << 15) | 1
    cmp edx, (1 << 15) | 1
    jne .no_p6
    fninit
    fld1
    fld dword [f32_1_5]                       ; ST(0) = 1.5, ST(1) = 1
    fcomi st0, st1                            ; 1.5 > 1: ZF PF CF = 000
    pushfd
    pop eax
    CHKM eax, 0, 0x8D5, "FCOMI >: ZF PF CF clear, OF SF AF clear"
    fld1
    fcomi st0, st2                            ; 1 = 1: ZF
    pushfd
    pop eax
    CHKM eax, EFL_ZF, 0x8D5, "FCOMI =: ZF"
    fcomip st0, st1                           ; 1 < 1.5: CF, pops
    pushfd
    pop eax
    CHKM eax, EFL_CF, 0x8D5, "FCOMIP <: CF"
    SW_IS 0x3000, 0x3800, "FCOMIP popped (TOP 6)"
    fld tword [t80_qnan]
    fucomip st0, st1                          ; unordered, quiet: ZF PF CF, no IE
    pushfd
    pop eax
    CHKM eax, EFL_ZF | 0x4 | EFL_CF, 0x8D5, "FUCOMIP NaN: ZF PF CF"
    SW_IS 0x0000, 0x0001, "FUCOMIP QNaN: no IE"
    ; FCMOVcc tests EFLAGS: ST(0) = 1.5, ST(1) = 1
    stc
    fcmovnb st0, st1                          ; CF = 1: no move
    fst dword [mem_d]
    CHK [mem_d], 0x3FC00000, "FCMOVNB with CF = 1: kept"
    fcmovb st0, st1                           ; CF = 1: move
    fst dword [mem_d]
    CHK [mem_d], 0x3F800000, "FCMOVB with CF = 1: moved"
    fld dword [f32_100_75]
    xor eax, eax                              ; ZF = 1, CF = 0
    fcmovne st0, st1
    fst dword [mem_d]
    CHK [mem_d], 0x42C98000, "FCMOVNE with ZF = 1: kept"
    fcmove st0, st1
    fst dword [mem_d]
    CHK [mem_d], 0x3F800000, "FCMOVE with ZF = 1: moved"
    fninit
    jmp .p6_done
cpu 386
.no_p6:
    PUTS "  (skipped: no FCMOVcc/FCOMI on this CPU)", 13, 10
.p6_done:
    fninit
    FINISH

ROM_END
