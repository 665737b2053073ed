; pm_segments.asm — segment-register loads, descriptor checks, limits and descriptor instructions
; in protected mode (80386 target).
;
; Manual sections checked:
;   SDM vol. 3 3.4 (segment selectors, descriptors, types), 3.4.5.1 (code/data types),
;   3.5.1 (GDT/LDT), 5.2-5.4 (limit checking incl. expand-down and the B flag), 5.5-5.7 (privilege
;   levels, data and stack segment access checks), 5.10 (LAR, LSL, VERR, VERW, ARPL),
;   6.14/6.15 exception pages for #NP (11), #SS (12), #GP (13) and their error codes
;   (6.13 "Error Code": selector index | TI, RPL bits replaced by EXT/IDT), vol. 2 MOV (segment
;   register forms), LGDT/SGDT/SIDT/SLDT/LLDT/STR/LTR.
;   80386 Programmer's Reference Manual chapter 6 (protection: 6.3.1-6.3.2, 6.4), 5.1 (segment
;   translation), chapter 17 pages for MOV/LAR/LSL/VERR/VERW/ARPL/LLDT/LTR.
;
; Bochs 2.7 agreed with the manual on every check below (see docs/TEST_ROMS.md).

%include "lib/rom.inc"

rom_name: db "pm_segments", 0

LDT_BASE    equ 0x50000
MARK_BASE   equ 0x40000                     ; base of the small test segments

; ROM-specific selectors
D_RO        equ 0x48    ; read-only data, flat, DPL 0, accessed bit clear in the template
D_SMALL     equ 0x50    ; RW data, base 0x40000, limit 0xFFF (byte granular)
D_NP        equ 0x58    ; RW data, not present
C_XO        equ 0x60    ; execute-only code
C_XR        equ 0x68    ; execute/read code, base 0x40000, limit 0xFFF
D_DPL3      equ 0x70    ; RW data, flat, DPL 3
D_DPL1      equ 0x78    ; RW data, flat, DPL 1
D_ED16      equ 0x80    ; expand-down RW, base 0x40000, limit 0xFFF, B=0
D_ED32      equ 0x88    ; expand-down RW, base 0x40000, limit 0xFFF, B=1
D_4K        equ 0x90    ; RW data, base 0, limit 0x3F, G=1 (effective limit 0x3FFFF)
D_BYTE      equ 0x98    ; RW data, base 0x40000, limit 0x100, G=0
LDT_DESC    equ 0xA0    ; LDT at LDT_BASE, limit 0x17 (3 descriptors)
C_CONF      equ 0xA8    ; conforming execute/read code, DPL 0
S0_SMALL    equ 0xB0    ; RW data, base 0, limit 0x8FFFF, DPL 0 (stack)
S3_SMALL    equ 0xB8    ; RW data, base 0, limit 0x8FFFF, DPL 3 (stack)
G_INT       equ 0xC0    ; a 386 interrupt gate in the GDT (not valid for LAR/LSL)
TSS2        equ 0xC8    ; a second 386 TSS (available)
D_RW_NA     equ 0xD0    ; RW data flat, accessed bit clear (for the SS accessed-bit check)
TSS286      equ 0xD8    ; 286 TSS, available (type 1), limit 0x2B
TSS286_BUSY equ 0xE0    ; 286 TSS, busy (type 3)
G_TASK      equ 0xE8    ; task gate (type 5) in the GDT
G_CALL286   equ 0xF0    ; 286 call gate (type 4), DPL 0
GDT_END_SEL equ 0xF8    ; first selector beyond the GDT limit (limit = 0xF7)

; LDT selectors (TI = 1)
L_DATA      equ 0x04    ; LDT[0]: RW data flat DPL 0
L_NP        equ 0x0C    ; LDT[1]: RW data not present
L_CODE      equ 0x14    ; LDT[2]: execute-only code
L_BEYOND    equ 0x1C    ; LDT[3]: beyond the LDT limit

align 8
gdt_template:
    GDT_COMMON
    DESC 0, 0xFFFFF, ACC_DATA_R, FL_G | FL_D                ; 0x48 D_RO
    DESC MARK_BASE, 0xFFF, ACC_DATA_RW, FL_D                ; 0x50 D_SMALL
    DESC 0, 0xFFFFF, ACC_DATA_RW & 0x7F, FL_G | FL_D        ; 0x58 D_NP (P = 0)
    DESC 0, 0xFFFFF, ACC_CODE_X, FL_G | FL_D                ; 0x60 C_XO
    DESC MARK_BASE, 0xFFF, ACC_CODE_XR, FL_D                ; 0x68 C_XR
    DESC 0, 0xFFFFF, ACC_DATA_RW | ACC_DPL(3), FL_G | FL_D  ; 0x70 D_DPL3
    DESC 0, 0xFFFFF, ACC_DATA_RW | ACC_DPL(1), FL_G | FL_D  ; 0x78 D_DPL1
    DESC MARK_BASE, 0xFFF, ACC_DATA_RW_ED, 0                ; 0x80 D_ED16
    DESC MARK_BASE, 0xFFF, ACC_DATA_RW_ED, FL_D             ; 0x88 D_ED32
    DESC 0, 0x3F, ACC_DATA_RW, FL_G | FL_D                  ; 0x90 D_4K
    DESC MARK_BASE, 0x100, ACC_DATA_RW, FL_D                ; 0x98 D_BYTE
    DESC LDT_BASE, 0x17, SYS_LDT, 0                         ; 0xA0 LDT_DESC
    DESC 0, 0xFFFFF, 0x9E, FL_G | FL_D                      ; 0xA8 C_CONF
    DESC 0, 0x8FFFF, ACC_DATA_RW, FL_D                      ; 0xB0 S0_SMALL
    DESC 0, 0x8FFFF, ACC_DATA_RW | ACC_DPL(3), FL_D         ; 0xB8 S3_SMALL
    GATE SEL_CODE0, ABS(finish), SYS_INTGATE386, 0          ; 0xC0 G_INT
    DESC 0x22000, 0x67, SYS_TSS386, 0                       ; 0xC8 TSS2
    DESC 0, 0xFFFFF, ACC_DATA_RW, FL_G | FL_D               ; 0xD0 D_RW_NA
    DESC 0x22100, 0x2B, SYS_TSS286, 0                       ; 0xD8 TSS286
    DESC 0x22200, 0x2B, SYS_TSS286_BUSY, 0                  ; 0xE0 TSS286_BUSY
    GATE TSS2, 0, SYS_TASKGATE, 0                           ; 0xE8 G_TASK
    GATE SEL_CODE16, 0, SYS_CALLGATE286, 0                  ; 0xF0 G_CALL286
gdt_template_end:

ldt_template:
    DESC 0, 0xFFFFF, ACC_DATA_RW | 1, FL_G | FL_D           ; L_DATA
    DESC 0, 0xFFFFF, (ACC_DATA_RW | 1) & 0x7F, FL_G | FL_D  ; L_NP
    DESC 0, 0xFFFFF, ACC_CODE_X | 1, FL_G | FL_D            ; L_CODE
ldt_template_end:

; RESTORE_SEGS: flat DPL-0 data in DS/ES/FS/GS (SS is left alone)
%macro RESTORE_SEGS 0
    push eax
    mov ax, SEL_DATA0
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    pop eax
%endmacro

test_main:
    ; the LDT image and a few markers in the test segments' memory
    mov esi, ldt_template
    mov edi, LDT_BASE
    mov ecx, ldt_template_end - ldt_template
    rep movsb
    mov dword [MARK_BASE + 0x100], 0x11223344
    mov dword [MARK_BASE + 0x1000], 0x55667788
    mov dword [MARK_BASE + 0xFFC], 0x99AABBCC
    mov dword [MARK_BASE + 0xFC], 0xA1B2C3D4

; ------------------------------------------------------------------ accessed bit
    TEST "accessed bit"
    ; Loading a segment register sets the accessed bit (type bit 0) of the descriptor in memory.
    movzx eax, byte [GDT_BASE + D_RO + 5]
    CHK eax, ACC_DATA_R, "D_RO access byte before any load (A=0)"
    mov ax, D_RO
    mov es, ax
    movzx eax, byte [GDT_BASE + D_RO + 5]
    CHK eax, ACC_DATA_R | 1, "D_RO access byte after MOV ES (A=1)"
    movzx eax, byte [GDT_BASE + D_RW_NA + 5]
    CHK eax, ACC_DATA_RW, "D_RW_NA access byte before MOV SS"
    mov ax, D_RW_NA
    mov ss, ax
    mov ax, SEL_DATA0
    mov ss, ax
    movzx eax, byte [GDT_BASE + D_RW_NA + 5]
    CHK eax, ACC_DATA_RW | 1, "D_RW_NA access byte after MOV SS"
    RESTORE_SEGS

; ------------------------------------------------------------------ null selectors
    TEST "null selector"
    ; SDM 3.4.2 / MOV: a null selector (0-3) may be loaded into DS/ES/FS/GS without a fault;
    ; the fault comes on the first memory reference through it: #GP(0).
    xor eax, eax
    NOFAULT mov ds, ax
    mov eax, ds
    CHKM eax, 0, 0xFFFF, "DS = 0 after loading null"
    FAULT 13, 0, mov eax, [0x1000]
    RESTORE_SEGS
    mov ax, 3                               ; null selector with RPL 3
    NOFAULT mov es, ax
    FAULT 13, 0, mov byte [es:0x1000], 1
    RESTORE_SEGS
    mov ax, 0
    NOFAULT mov fs, ax
    FAULT 13, 0, mov eax, [fs:0]
    mov ax, 0
    NOFAULT mov gs, ax
    FAULT 13, 0, mov [gs:0x2000], eax
    RESTORE_SEGS
    ; MOV SS / POP SS with a null selector: #GP(0) immediately.
    xor eax, eax
    FAULT 13, 0, mov ss, ax
    push dword 0
    FAULT 13, 0, pop ss
    add esp, 4

; ------------------------------------------------------------------ table limits and the LDT
    TEST "descriptor table limits"
    ; Selector index beyond the GDT limit: #GP(selector), error code = index|TI with the RPL
    ; field replaced by EXT=0, IDT=0.
    mov ax, GDT_END_SEL
    FAULT 13, GDT_END_SEL, mov ds, ax
    mov ax, GDT_END_SEL | 3
    FAULT 13, GDT_END_SEL, mov es, ax
    mov ax, 0x1000                          ; far beyond
    FAULT 13, 0x1000, mov fs, ax
    mov ax, GDT_END_SEL
    FAULT 13, GDT_END_SEL, mov ss, ax
    ; the last descriptor inside the limit (0xD0) loads fine
    mov ax, D_RW_NA
    NOFAULT mov gs, ax
    RESTORE_SEGS

    TEST "LDT selectors"
    ; With a null LDTR, any TI=1 selector is beyond the (zero) LDT: #GP(selector).
    xor eax, eax
    lldt ax
    mov ax, L_DATA
    FAULT 13, L_DATA, mov ds, ax
    RESTORE_SEGS
    ; LLDT with a GDT selector to an LDT descriptor; SLDT reads it back.
    mov ax, LDT_DESC
    NOFAULT lldt ax
    mov eax, 0xFFFFFFFF
    sldt ax
    CHK eax, 0xFFFF0000 | LDT_DESC, "SLDT r16 (upper half of EAX unchanged)"
    mov ax, L_DATA
    NOFAULT mov ds, ax
    mov eax, [MARK_BASE + 0x100]            ; through the LDT flat data segment
    RESTORE_SEGS
    CHK eax, 0x11223344, "read through the LDT data segment"
    mov ax, L_DATA | 3                      ; RPL 3 > DPL 0 at CPL 0
    FAULT 13, L_DATA, mov ds, ax
    RESTORE_SEGS
    mov ax, L_NP
    FAULT 11, L_NP, mov ds, ax              ; not present: #NP(selector)
    mov ax, L_BEYOND
    FAULT 13, L_BEYOND, mov es, ax          ; beyond the LDT limit 0x17
    mov ax, L_CODE
    FAULT 13, L_CODE, mov fs, ax            ; execute-only code into a data register
    RESTORE_SEGS
    ; LLDT with a selector that is not an LDT descriptor: #GP(selector)
    mov ax, SEL_DATA0
    FAULT 13, SEL_DATA0, lldt ax
    ; LLDT with a TI=1 selector: #GP(selector)
    mov ax, L_DATA
    FAULT 13, L_DATA, lldt ax
    ; LLDT with null: allowed, LDTR becomes null
    xor eax, eax
    NOFAULT lldt ax
    mov eax, 0x12345678
    sldt eax
    CHKM eax, 0, 0xFFFF, "SLDT after LLDT 0"
    mov ax, L_DATA
    FAULT 13, L_DATA, mov ds, ax
    RESTORE_SEGS

; ------------------------------------------------------------------ presence
    TEST "not present"
    ; MOV DS/ES/FS/GS with a not-present descriptor: #NP(selector); MOV SS: #SS(selector).
    mov ax, D_NP
    FAULT 11, D_NP, mov ds, ax
    ; The privilege check comes before the presence check (SDM MOV pseudo-code; 80386 PRM
    ; MOV: "IF DPL < CPL or DPL < RPL THEN #GP(selector)" precedes "IF not present THEN #NP"):
    ; RPL 2 > DPL 0 gives #GP(selector), not #NP.
    mov ax, D_NP | 2
    FAULT 13, D_NP, mov gs, ax
    mov ax, D_NP
    FAULT 12, D_NP, mov ss, ax
    RESTORE_SEGS
    ; a load that faults must not set the accessed bit: D_NP stays A=0
    movzx eax, byte [GDT_BASE + D_NP + 5]
    CHK eax, ACC_DATA_RW & 0x7F, "D_NP access byte after failed loads"

; ------------------------------------------------------------------ types
    TEST "descriptor types"
    ; Data registers accept data and readable code; execute-only code and system descriptors
    ; give #GP(selector).
    mov ax, C_XO
    FAULT 13, C_XO, mov ds, ax
    mov ax, SEL_TSS0
    FAULT 13, SEL_TSS0, mov es, ax
    mov ax, LDT_DESC
    FAULT 13, LDT_DESC, mov fs, ax
    mov ax, SEL_GATE_R0 & ~3
    FAULT 13, SEL_GATE_R0 & ~3, mov gs, ax
    mov ax, C_XR
    NOFAULT mov ds, ax
    mov eax, [0x1000 - 4]                   ; readable code: reads are allowed (base 0x40000)
    RESTORE_SEGS
    CHK eax, 0x99AABBCC, "read through execute/read code"
    ; writes through a code segment: #GP(0)
    mov ax, C_XR
    mov ds, ax
    FAULT 13, 0, mov dword [0x10], 0
    RESTORE_SEGS
    ; writes through read-only data: #GP(0); reads are fine
    mov ax, D_RO
    mov es, ax
    FAULT 13, 0, mov dword [es:0x30000 + 0x200], 0
    mov eax, [es:MARK_BASE + 0x100]
    CHK eax, 0x11223344, "read through read-only data"
    RESTORE_SEGS
    ; SS must be a writable data segment: read-only data or code: #GP(selector)
    mov ax, D_RO
    FAULT 13, D_RO, mov ss, ax
    mov ax, C_XR
    FAULT 13, C_XR, mov ss, ax
    mov ax, SEL_TSS0
    FAULT 13, SEL_TSS0, mov ss, ax

; ------------------------------------------------------------------ privilege at CPL 0
    TEST "privilege at CPL 0"
    ; data segments: max(CPL, RPL) <= DPL, else #GP(selector)
    mov ax, D_DPL1 | 1
    NOFAULT mov ds, ax
    mov eax, ds
    RESTORE_SEGS
    CHKM eax, D_DPL1 | 1, 0xFFFF, "DS keeps the RPL of the loaded selector"
    mov ax, D_DPL1 | 2                      ; RPL 2 > DPL 1
    FAULT 13, D_DPL1, mov ds, ax
    mov ax, SEL_DATA0 | 1                   ; RPL 1 > DPL 0
    FAULT 13, SEL_DATA0, mov es, ax
    mov ax, D_DPL3 | 3
    NOFAULT mov fs, ax
    RESTORE_SEGS
    ; SS: RPL = CPL and DPL = CPL, else #GP(selector)
    mov ax, D_DPL3
    FAULT 13, D_DPL3, mov ss, ax
    mov ax, SEL_DATA0 | 3
    FAULT 13, SEL_DATA0, mov ss, ax
    mov ax, D_DPL1 | 1
    FAULT 13, D_DPL1, mov ss, ax
    ; conforming readable code: no privilege check for data-segment loads
    mov ax, C_CONF | 3
    NOFAULT mov ds, ax
    RESTORE_SEGS

    TEST "privilege at CPL 3"
    TO_RING3
    mov ax, SEL_DATA0 | 3                   ; DPL 0 < CPL 3
    FAULT3 13, SEL_DATA0, mov ds, ax
    TO_RING3
    mov ax, D_DPL1 | 3
    FAULT3 13, D_DPL1, mov es, ax
    TO_RING3
    mov ax, C_XR | 3                        ; readable non-conforming code, DPL 0
    FAULT3 13, C_XR, mov fs, ax
    TO_RING3
    mov ax, C_CONF | 3                      ; readable conforming code: allowed at any CPL
    mov gs, ax
    mov ax, D_DPL3                          ; RPL 0 <= DPL 3, CPL 3 <= DPL 3: allowed
    mov fs, ax
    mov ax, fs
    movzx ebx, ax
    mov ax, SEL_DATA3
    mov fs, ax
    mov gs, ax
    TO_RING0
    CHK ebx, D_DPL3, "FS loaded at CPL 3 with an RPL-0 selector keeps RPL 0"
    TO_RING3
    mov ax, SEL_DATA0                       ; SS at CPL 3: DPL 0 != CPL
    FAULT3 13, SEL_DATA0, mov ss, ax
    TO_RING3
    mov ax, D_DPL3                          ; RPL 0 != CPL 3
    FAULT3 13, D_DPL3, mov ss, ax
    TO_RING3
    mov ax, D_DPL3 | 3                      ; DPL = RPL = CPL = 3: allowed
    mov ss, ax
    mov ax, ss
    movzx ebx, ax
    mov ax, SEL_DATA3
    mov ss, ax
    TO_RING0
    CHK ebx, D_DPL3 | 3, "SS loaded at CPL 3"

; ------------------------------------------------------------------ limits
; The catcher reloads DS/ES/FS/GS with flat selectors, so every access below reloads ES first.
%macro ES_FAULT 4+   ; selector, vector, error code, instruction
    mov ax, %1
    mov es, ax
    FAULT %2, %3, %4
%endmacro
%macro ES_OK 2+      ; selector, instruction
    mov ax, %1
    mov es, ax
    NOFAULT %2
%endmacro
    TEST "byte-granular limit"
    ; Offsets 0..limit are valid; an access whose last byte is beyond the limit: #GP(0)
    ; (#SS(0) for SS-relative accesses).
    ES_OK D_BYTE, mov al, [es:0x100]
    ES_FAULT D_BYTE, 13, 0, mov al, [es:0x101]
    ES_FAULT D_BYTE, 13, 0, mov ax, [es:0x100]      ; word straddling the limit
    ES_FAULT D_BYTE, 13, 0, mov eax, [es:0xFE]      ; dword straddling the limit
    ES_FAULT D_BYTE, 13, 0, mov byte [es:0x101], 0  ; writes are checked the same way
    ES_OK D_BYTE, mov ax, [es:0xFF]
    mov eax, [es:0xFD]
    CHK eax, 0x44A1B2C3, "dword at limit-3 (base applied)"
    RESTORE_SEGS

    TEST "page-granular limit"
    ; G=1: effective limit = (limit << 12) | 0xFFF = 0x3FFFF
    ES_OK D_4K, mov al, [es:0x3FFFF]
    ES_FAULT D_4K, 13, 0, mov al, [es:0x40000]
    ES_FAULT D_4K, 13, 0, mov eax, [es:0x3FFFD]
    ES_OK D_4K, mov eax, [es:0x3FFFC]
    RESTORE_SEGS

    TEST "expand-down B=0"
    ; Expand-down: valid offsets are limit+1 .. 0xFFFF when B=0.
    ES_FAULT D_ED16, 13, 0, mov al, [es:0xFFF]
    ES_FAULT D_ED16, 13, 0, mov eax, [es:0xFFE]     ; straddles the lower bound
    ES_FAULT D_ED16, 13, 0, mov al, [es:0]
    ES_OK D_ED16, mov al, [es:0x1000]
    mov eax, [es:0x1000]
    CHK eax, 0x55667788, "read at limit+1 (base applied)"
    ES_OK D_ED16, mov al, [es:0xFFFF]
    ES_OK D_ED16, mov eax, [es:0xFFFC]
    ES_FAULT D_ED16, 13, 0, mov ax, [es:0xFFFF]     ; upper bound 0xFFFF
    ES_FAULT D_ED16, 13, 0, mov al, [es:0x10000]
    RESTORE_SEGS

    TEST "expand-down B=1"
    ; Expand-down with B=1: valid offsets are limit+1 .. 0xFFFFFFFF.
    ES_FAULT D_ED32, 13, 0, mov al, [es:0xFFF]
    ES_OK D_ED32, mov al, [es:0x1000]
    ES_OK D_ED32, mov al, [es:0x10000]
    ES_OK D_ED32, mov eax, [es:0xFFFFFFFC]
    ES_FAULT D_ED32, 13, 0, mov eax, [es:0xFFFFFFFD]
    RESTORE_SEGS

    TEST "stack segment limit"
    ; An SS-relative access beyond the SS limit: #SS(0). (Here at CPL 0 through EBP with the
    ; stack itself inside the limit, so the exception frame can be pushed.)
    mov ax, S0_SMALL
    mov ss, ax
    mov ebp, 0x90000
    FAULT 12, 0, mov eax, [ebp]
    ; (the catcher reloads SS with SEL_DATA0)
    mov ax, S0_SMALL
    mov ss, ax
    mov ebp, 0x8FFFE
    FAULT 12, 0, mov eax, [ebp]             ; dword straddling the limit
    mov ax, S0_SMALL
    mov ss, ax
    mov ebp, 0x8FFFC
    NOFAULT mov eax, [ebp]
    mov ax, SEL_DATA0
    mov ss, ax
    ; Stack overflow at CPL 3: PUSH with ESP beyond the limit: #SS(0), ESP unchanged in the frame.
    TO_RING3
    TRY3 .ss3_rec
    mov ax, S3_SMALL | 3
    mov ss, ax
    mov esp, 0x90004
.ss3_push:
    push eax
    TO_RING0
.ss3_rec:
    mov dword [catch_eip], 0
    CHKEXC 12, 0, .ss3_push
    CHK [exc_esp], 0x90004, "saved ESP (unchanged by the faulting PUSH)"
    CHK [exc_ss], S3_SMALL | 3, "saved SS"
    CHK [exc_cs], SEL_CODE3, "saved CS"

; ------------------------------------------------------------------ LAR / LSL / VERR / VERW
    TEST "LAR"
    ; LAR r32: ZF=1 and dest = dword 2 of the descriptor AND 00FxFF00H when the descriptor is
    ; visible at max(CPL,RPL) and of a valid type (code, data, LDT, TSS, call/task gates);
    ; otherwise ZF=0 and dest unchanged. Bits 16-19 are not compared (undefined).
%macro LAR_CHK 3    ; selector, expected (masked) or -1 for ZF=0, text
    mov ax, %1
    mov ebx, 0xCAFEF00D
  %if %2 == -1
    cmp eax, eax                            ; ZF=1 so that clearing it is visible
    lar ebx, ax
    ZF_TO_EAX
    CHK eax, 0, %3, " ZF"
    CHK ebx, 0xCAFEF00D, %3, " dest unchanged"
  %else
    test esp, esp                           ; ZF=0
    lar ebx, ax
    ZF_TO_EAX
    CHK eax, 1, %3, " ZF"
    CHKM ebx, %2, 0xFFF0FF00, %3, " value"
  %endif
%endmacro
    LAR_CHK SEL_CODE0, 0x00C09B00, "flat code"
    LAR_CHK D_RO, 0x00C09100, "read-only data"
    LAR_CHK D_SMALL, 0x00409200, "small data (not accessed)"
    LAR_CHK D_NP, 0x00C01200, "not-present data"
    LAR_CHK D_ED16, 0x00009700, "expand-down B=0 (accessed)"
    LAR_CHK SEL_TSS0, 0x00008B00, "busy 386 TSS"
    LAR_CHK TSS2, 0x00008900, "available 386 TSS"
    LAR_CHK LDT_DESC, 0x00008200, "LDT"
    LAR_CHK SEL_GATE_R0, 0x0000EC00, "386 call gate"
    LAR_CHK C_CONF | 3, 0x00C09F00, "conforming code, RPL 3 (accessed)"
    LAR_CHK D_DPL3 | 3, 0x00C0F300, "DPL-3 data (accessed)"
    LAR_CHK 0, -1, "null selector"
    LAR_CHK GDT_END_SEL, -1, "beyond GDT limit"
    LAR_CHK G_INT, -1, "interrupt gate"
    LAR_CHK SEL_DATA0 | 3, -1, "DPL-0 data with RPL 3"
    LAR_CHK D_DPL1 | 2, -1, "DPL-1 data with RPL 2"

    TEST "LSL"
    ; LSL: ZF=1 and dest = the byte-granular limit (scaled when G=1) for code, data, LDT, TSS;
    ; gates are not valid (ZF=0, dest unchanged).
%macro LSL_CHK 3
    mov ax, %1
    mov ebx, 0xCAFEF00D
  %if %2 == -1
    cmp eax, eax
    lsl ebx, ax
    ZF_TO_EAX
    CHK eax, 0, %3, " ZF"
    CHK ebx, 0xCAFEF00D, %3, " dest unchanged"
  %else
    test esp, esp
    lsl ebx, ax
    ZF_TO_EAX
    CHK eax, 1, %3, " ZF"
    CHK ebx, %2, %3, " value"
  %endif
%endmacro
    LSL_CHK SEL_CODE0, 0xFFFFFFFF, "flat code (G=1)"
    LSL_CHK D_4K, 0x3FFFF, "limit 0x3F, G=1"
    LSL_CHK D_BYTE, 0x100, "byte-granular"
    LSL_CHK D_ED16, 0xFFF, "expand-down (raw limit)"
    LSL_CHK SEL_TSS0, TSS0_LIMIT, "TSS"
    LSL_CHK LDT_DESC, 0x17, "LDT"
    LSL_CHK D_NP, 0xFFFFFFFF, "not present data"
    LSL_CHK SEL_GATE_R0, -1, "call gate"
    LSL_CHK 0, -1, "null"
    LSL_CHK SEL_DATA0 | 3, -1, "DPL-0 data with RPL 3"
    ; the 286 system types (SDM vol. 2 LAR Table "Segment and Gate Types": 286 TSS available/
    ; busy, 286 call gate and task gate are valid for LAR; LSL accepts the 286 TSS types but no
    ; gates)
    LAR_CHK TSS286, 0x00008100, "LAR available 286 TSS"
    LAR_CHK TSS286_BUSY, 0x00008300, "LAR busy 286 TSS"
    LAR_CHK G_TASK, 0x00008500, "LAR task gate"
    LAR_CHK G_CALL286, 0x00008400, "LAR 286 call gate"
    LSL_CHK TSS286, 0x2B, "LSL 286 TSS"
    LSL_CHK TSS286_BUSY, 0x2B, "LSL busy 286 TSS"
    LSL_CHK G_TASK, -1, "LSL task gate"

    TEST "LAR/LSL with 16-bit operand size"
    ; SDM vol. 2 LAR: with a 16-bit operand size the destination gets the descriptor's second
    ; dword AND FF00H; LSL: "If the operand size is 16 bits, ... the lower 16 bits of the limit"
    ; (a limit above FFFFH is truncated). A 16-bit destination write leaves bits 31-16 of the
    ; 32-bit register unchanged (vol. 1 3.4.1); on failure (ZF=0) nothing is written.
%macro LAR16_CHK 3  ; selector, expected 16-bit value or -1 for ZF=0, text
    mov ax, %1
    mov ebx, 0xCAFEF00D
  %if %2 == -1
    cmp eax, eax
    lar bx, ax
    ZF_TO_EAX
    CHK eax, 0, %3, " ZF"
    CHK ebx, 0xCAFEF00D, %3, " dest unchanged"
  %else
    test esp, esp
    lar bx, ax
    ZF_TO_EAX
    CHK eax, 1, %3, " ZF"
    CHK ebx, 0xCAFE0000 | (%2), %3, " value, bits 31-16 kept"
  %endif
%endmacro
%macro LSL16_CHK 3
    mov ax, %1
    mov ebx, 0xCAFEF00D
  %if %2 == -1
    cmp eax, eax
    lsl bx, ax
    ZF_TO_EAX
    CHK eax, 0, %3, " ZF"
    CHK ebx, 0xCAFEF00D, %3, " dest unchanged"
  %else
    test esp, esp
    lsl bx, ax
    ZF_TO_EAX
    CHK eax, 1, %3, " ZF"
    CHK ebx, 0xCAFE0000 | (%2), %3, " value, bits 31-16 kept"
  %endif
%endmacro
    LAR16_CHK SEL_CODE0, 0x9B00, "LAR16 flat code"
    LAR16_CHK D_DPL3 | 3, 0xF300, "LAR16 DPL-3 data"
    LAR16_CHK LDT_DESC, 0x8200, "LAR16 LDT"
    LAR16_CHK TSS2, 0x8900, "LAR16 available 386 TSS"
    LAR16_CHK SEL_TSS0, 0x8B00, "LAR16 busy 386 TSS"
    LAR16_CHK TSS286, 0x8100, "LAR16 available 286 TSS"
    LAR16_CHK TSS286_BUSY, 0x8300, "LAR16 busy 286 TSS"
    LAR16_CHK SEL_GATE_R0, 0xEC00, "LAR16 386 call gate"
    LAR16_CHK G_CALL286, 0x8400, "LAR16 286 call gate"
    LAR16_CHK G_TASK, 0x8500, "LAR16 task gate"
    LAR16_CHK G_INT, -1, "LAR16 interrupt gate"
    LAR16_CHK 0, -1, "LAR16 null"
    LAR16_CHK SEL_DATA0 | 3, -1, "LAR16 DPL-0 data with RPL 3"
    LSL16_CHK SEL_CODE0, 0xFFFF, "LSL16 flat code (limit FFFFFFFFH truncated)"
    LSL16_CHK D_4K, 0xFFFF, "LSL16 limit 3FFFFH truncated"
    LSL16_CHK D_BYTE, 0x0100, "LSL16 byte-granular"
    LSL16_CHK LDT_DESC, 0x0017, "LSL16 LDT"
    LSL16_CHK SEL_TSS0, TSS0_LIMIT & 0xFFFF, "LSL16 busy 386 TSS"
    LSL16_CHK TSS2, 0x0067, "LSL16 available 386 TSS"
    LSL16_CHK TSS286, 0x002B, "LSL16 286 TSS"
    LSL16_CHK SEL_GATE_R0, -1, "LSL16 call gate"
    LSL16_CHK G_INT, -1, "LSL16 interrupt gate"
    LSL16_CHK 0, -1, "LSL16 null"

    TEST "VERR/VERW"
    ; VERR: ZF=1 if readable (data, readable code) and visible; VERW: ZF=1 if writable data and
    ; visible. Conforming code is exempt from the privilege check for VERR.
%macro VER_CHK 4    ; verr/verw, selector, expected ZF, text
    mov ax, %2
  %if %3
    test esp, esp
  %else
    cmp eax, eax
  %endif
    %1 ax
    ZF_TO_EAX
    CHK eax, %3, %4
%endmacro
    VER_CHK verr, SEL_CODE0, 1, "VERR readable code"
    VER_CHK verr, C_XO, 0, "VERR execute-only code"
    VER_CHK verr, D_RO, 1, "VERR read-only data"
    VER_CHK verr, SEL_TSS0, 0, "VERR TSS"
    VER_CHK verr, 0, 0, "VERR null"
    VER_CHK verr, GDT_END_SEL, 0, "VERR beyond limit"
    VER_CHK verr, C_CONF | 3, 1, "VERR conforming code RPL 3"
    VER_CHK verr, SEL_DATA0 | 3, 0, "VERR DPL-0 data RPL 3"
    VER_CHK verw, SEL_DATA0, 1, "VERW RW data"
    VER_CHK verw, D_RO, 0, "VERW read-only data"
    VER_CHK verw, SEL_CODE0, 0, "VERW code"
    VER_CHK verw, 0, 0, "VERW null"
    VER_CHK verw, SEL_DATA0 | 3, 0, "VERW DPL-0 data RPL 3"
    VER_CHK verw, D_DPL3 | 3, 1, "VERW DPL-3 data RPL 3"

    TEST "ARPL"
    ; ARPL dest, src: if dest.RPL < src.RPL then dest.RPL := src.RPL, ZF=1; else ZF=0.
    mov eax, 0x12340008
    mov ebx, 0x00000003
    cmp eax, eax
    arpl ax, bx
    pushfd
    CHK eax, 0x1234000B, "ARPL raises RPL 0 -> 3"
    pop ecx
    CHKM ecx, EFL_ZF, EFL_ZF, "ARPL ZF=1 when adjusted"
    mov eax, 0x0000000B
    mov ebx, 0x00000001
    test esp, esp
    arpl ax, bx
    pushfd
    CHK eax, 0x0000000B, "ARPL leaves RPL 3 >= 1"
    pop ecx
    CHKM ecx, 0, EFL_ZF, "ARPL ZF=0 when not adjusted"
    mov word [scratch], 0x0011
    mov ebx, 2
    arpl [scratch], bx
    movzx eax, word [scratch]
    CHK eax, 0x0012, "ARPL on memory"

; ------------------------------------------------------------------ table registers
    TEST "SGDT/SIDT/STR"
    mov dword [scratch], 0xFFFFFFFF
    mov dword [scratch + 4], 0xFFFFFFFF
    sgdt [scratch]
    movzx eax, word [scratch]
    CHK eax, gdt_template_end - gdt_template - 1, "SGDT limit"
    CHK [scratch + 2], GDT_BASE, "SGDT base (32-bit operand size)"
    sidt [scratch]
    movzx eax, word [scratch]
    CHK eax, 0x7FF, "SIDT limit"
    CHK [scratch + 2], IDT_BASE, "SIDT base"
    mov eax, 0xFFFFFFFF
    str ax
    CHK eax, 0xFFFF0000 | SEL_TSS0, "STR r16"

    TEST "LTR"
    ; LTR: the descriptor must be an available TSS (else #GP(sel)); null: #GP(0); LTR marks it busy.
    mov ax, SEL_TSS0                        ; busy since the set-up LTR
    FAULT 13, SEL_TSS0, ltr ax
    mov ax, SEL_DATA0
    FAULT 13, SEL_DATA0, ltr ax
    xor eax, eax
    FAULT 13, 0, ltr ax
    mov ax, LDT_DESC
    FAULT 13, LDT_DESC, ltr ax
    movzx eax, byte [GDT_BASE + TSS2 + 5]
    CHK eax, SYS_TSS386, "TSS2 type before LTR (available)"
    mov ax, TSS2
    NOFAULT ltr ax
    movzx eax, byte [GDT_BASE + TSS2 + 5]
    CHK eax, SYS_TSS386_BUSY, "TSS2 type after LTR (busy)"
    str eax
    CHKM eax, TSS2, 0xFFFF, "STR after LTR"
    ; back to TSS0: clear its busy bit first (LTR refuses a busy TSS)
    and byte [GDT_BASE + SEL_TSS0 + 5], ~2
    mov ax, SEL_TSS0
    NOFAULT ltr ax
    str eax
    CHKM eax, SEL_TSS0, 0xFFFF, "STR back on TSS0"

    TEST "LGDT/LIDT reload"
    ; LGDT/LIDT with 32-bit operand size load a 32-bit base; SGDT reads back what was loaded.
    mov word [scratch], 0x1234
    mov dword [scratch + 2], 0x00ABCDEF
    sidt [scratch + 16]
    lidt [scratch]
    mov dword [scratch + 8], 0
    mov dword [scratch + 12], 0
    sidt [scratch + 8]
    lidt [scratch + 16]
    movzx eax, word [scratch + 8]
    CHK eax, 0x1234, "SIDT limit after LIDT"
    CHK [scratch + 10], 0x00ABCDEF, "SIDT base after LIDT"

    FINISH
ROM_END
