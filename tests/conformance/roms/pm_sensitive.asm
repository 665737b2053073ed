; pm_sensitive.asm — privileged and "sensitive" instructions at CPL 3 (80386 target).
;
; The x86 is not classically virtualisable: some instructions that reveal or change privileged
; state do not trap at CPL 3. This ROM checks both halves:
;   * must NOT fault at CPL 3, and must show the real values: SGDT, SIDT, SLDT, STR, SMSW, PUSHF
;     (real IOPL/IF), POPF/IRETD (silently keep IOPL and IF when CPL > IOPL / CPL > 0), PUSH CS
;     (RPL 3), LAR/LSL/VERR on the own code segment;
;   * must fault with #GP(0) at CPL 3: CLI/STI with IOPL < CPL, HLT, LGDT, LIDT, LLDT, LTR, LMSW,
;     CLTS, MOV to/from CRn and DRn; IN/OUT when IOPL < CPL and the TSS I/O bitmap denies a port
;     (allowed when every bit for the accessed bytes is clear, or IOPL >= CPL), also for INS and
;     OUTS and when the port's bitmap byte (or the whole bitmap) lies beyond the TSS limit; INT n
;     through a gate whose DPL < CPL: #GP(n*8+2).
;
; Manual sections checked:
;   SDM vol. 3 2.8 (system instruction summary: which are privileged), 5.9 (privileged
;   instructions: "can be executed only at CPL 0"), 2.3 / vol. 1 3.4.3 (EFLAGS: IOPL and IF
;   changes by POPF/IRET depend on CPL and IOPL, without a fault), vol. 1 18.3 / vol. 3 (I/O
;   permission bitmap), 6.12.1.1 (INT n: gate DPL < CPL gives #GP(vector*8+2)); vol. 2 pages of
;   SGDT, SIDT, SLDT, STR, SMSW ("not privileged" in these processors), POPF, IRET, CLI, STI, HLT.
;   80386 Programmer's Reference Manual 4.4 ("system instructions" and which are privileged),
;   8.3 (protection and I/O: IOPL, I/O permission bitmap), 10/17 instruction pages.
;
; Bochs 2.7 agreed with the manual on every check below.

%include "lib/rom.inc"

rom_name: db "pm_sensitive", 0

LDT_DESC    equ 0x48
IO_OK_PORT  equ 0x300       ; the I/O bitmap allows ports 0x300..0x303 at CPL 3
IO_NO_PORT  equ 0x304

align 8
gdt_template:
    GDT_COMMON
    DESC 0x50000, 0x17, SYS_LDT, 0                          ; 0x48 LDT_DESC
gdt_template_end:

%define GATE_ACC(n) byte [IDT_BASE + (n) * 8 + 5]

; set EFLAGS.IOPL (0..3) at CPL 0
%macro SET_IOPL 1
    pushfd
    and dword [esp], ~EFL_IOPL3
    or dword [esp], (%1) << 12
    popfd
%endmacro

test_main:
    mov ax, LDT_DESC
    lldt ax
    ; allow ports 0x300..0x303 in TSS0's I/O bitmap (bit = 0 means allowed)
    and byte [TSS0_BASE + TSS0_IOMAP + IO_OK_PORT / 8], ~0x0F
    ; the real values, read at CPL 0
    sgdt [scratch]
    sidt [scratch + 8]
    mov eax, cr0
    mov [scratch + 16], eax

; ------------------------------------------------------------------ descriptor-table stores
    TEST "SGDT/SIDT/SLDT/STR at CPL 3"
    ; These are not privileged: they execute at CPL 3 and store the real register contents.
    TO_RING3
    mov dword [scratch + 32], 0
    mov dword [scratch + 36], 0
    mov dword [scratch + 40], 0
    mov dword [scratch + 44], 0
    sgdt [scratch + 32]
    sidt [scratch + 40]
    mov eax, 0xFFFFFFFF
    sldt ax
    mov [scratch + 48], eax
    mov eax, 0xFFFFFFFF
    str ax
    mov [scratch + 52], eax
    smsw ax
    mov [scratch + 56], eax
    TO_RING0
    CHKM [scratch + 32], [scratch], 0xFFFF, "SGDT limit"
    CHK [scratch + 34], [scratch + 2], "SGDT base"
    CHKM [scratch + 40], [scratch + 8], 0xFFFF, "SIDT limit"
    CHK [scratch + 42], [scratch + 10], "SIDT base"
    CHK [scratch + 48], 0xFFFF0000 | LDT_DESC, "SLDT"
    CHK [scratch + 52], 0xFFFF0000 | SEL_TSS0, "STR"
    ; SMSW: the low 16 bits of CR0 (ET, bit 4, is 1 on Bochs's 387-equipped CPU and may be 0 on
    ; a 386 without a coprocessor, so it is not compared)
    mov eax, [scratch + 16]
    CHKM [scratch + 56], eax, 0xFFEF, "SMSW = CR0[15:0]"
    CHKM [scratch + 56], 1, 1, "SMSW shows PE=1"

; ------------------------------------------------------------------ flags
    TEST "PUSHF/POPF at CPL 3"
    ; PUSHF shows the real IOPL and IF.
    SET_IOPL 2
    TO_RING3
    pushfd
    pop dword [scratch + 32]
    TO_RING0
    CHKM [scratch + 32], 0x2000, EFL_IOPL3 | EFL_IF, "PUSHF: IOPL=2, IF=0"
    ; POPF at CPL 3 (> IOPL 0): IOPL and IF are silently left unchanged, no fault; the
    ; arithmetic flags and DF change as requested.
    SET_IOPL 0
    TO_RING3
    TRY3 .popf_rec
    push dword EFL_IOPL3 | EFL_IF | EFL_CF | EFL_DF | EFL_OF | 2
    popfd
    pushfd
    pop dword [scratch + 32]
    cld
    TO_RING0
.popf_rec:
    CHK [exc_vec], NO_EXC, "POPFD with IOPL 0 does not fault"
    CHKM [scratch + 32], EFL_CF | EFL_DF | EFL_OF, EFL_IOPL3 | EFL_IF | EFL_CF | EFL_DF | EFL_OF, "POPFD kept IOPL=0 and IF=0, set CF/DF/OF"
    ; the 16-bit POPF likewise
    TO_RING3
    push word EFL_IOPL3 | EFL_IF | EFL_ZF | 2
    popf
    pushfd
    pop dword [scratch + 32]
    TO_RING0
    CHKM [scratch + 32], EFL_ZF, EFL_IOPL3 | EFL_IF | EFL_ZF, "POPF (16-bit) kept IOPL and IF, set ZF"
    ; with IOPL = 3 = CPL, POPF at CPL 3 may change IF but still not IOPL (CPL > 0)
    SET_IOPL 3
    TO_RING3
    pushfd
    and dword [esp], ~EFL_IOPL3             ; try IOPL := 0
    popfd
    pushfd
    pop dword [scratch + 32]
    TO_RING0
    CHKM [scratch + 32], EFL_IOPL3, EFL_IOPL3, "POPFD at CPL 3 cannot lower IOPL 3"
    SET_IOPL 0
    ; IRETD to the same level (CPL 3): IOPL and IF are not changed either
    TO_RING3
    push dword EFL_IOPL3 | EFL_IF | EFL_CF | 2
    push dword SEL_CODE3
    push dword .iret_target
    iretd
.iret_target:
    pushfd
    pop dword [scratch + 32]
    TO_RING0
    CHKM [scratch + 32], EFL_CF, EFL_IOPL3 | EFL_IF | EFL_CF, "IRETD at CPL 3 kept IOPL and IF"

; ------------------------------------------------------------------ CS visibility
    TEST "PUSH CS / LAR / LSL at CPL 3"
    TO_RING3
    push cs
    pop eax
    mov [scratch + 32], eax
    mov ax, cs
    xor ebx, ebx
    test esp, esp
    lar ebx, ax
    setz cl
    mov [scratch + 36], ebx
    mov [scratch + 40], cl
    xor ebx, ebx
    lsl ebx, ax
    mov [scratch + 44], ebx
    verr ax
    setz cl
    mov [scratch + 41], cl
    mov ax, SEL_CODE0                       ; DPL 0: invisible at CPL 3
    mov ebx, 0x1234
    lar ebx, ax
    setz cl
    mov [scratch + 42], cl
    mov [scratch + 48], ebx
    TO_RING0
    CHKM [scratch + 32], SEL_CODE3, 0xFFFF, "PUSH CS shows RPL 3"
    CHKM [scratch + 36], 0x00C0FB00, 0xFFF0FF00, "LAR own CS (DPL 3 code)"
    CHKM [scratch + 40], 1, 0xFF, "LAR own CS ZF=1"
    CHK [scratch + 44], 0xFFFFFFFF, "LSL own CS"
    CHKM [scratch + 41], 1, 0xFF, "VERR own CS ZF=1"
    CHKM [scratch + 42], 0, 0xFF, "LAR of DPL-0 code at CPL 3: ZF=0"
    CHK [scratch + 48], 0x1234, "LAR of DPL-0 code at CPL 3: dest unchanged"

; ------------------------------------------------------------------ privileged instructions
    TEST "privileged instructions at CPL 3"
    ; Each of these is privileged: #GP(0) at CPL > 0 (fault, EIP at the instruction).
    TO_RING3
    FAULT3 13, 0, hlt
    TO_RING3
    FAULT3 13, 0, lgdt [scratch]
    TO_RING3
    FAULT3 13, 0, lidt [scratch + 8]
    TO_RING3
    xor eax, eax
    FAULT3 13, 0, lldt ax
    TO_RING3
    mov ax, SEL_TSS0
    FAULT3 13, 0, ltr ax
    TO_RING3
    mov ax, 1
    FAULT3 13, 0, lmsw ax
    TO_RING3
    FAULT3 13, 0, clts
    TO_RING3
    FAULT3 13, 0, mov eax, cr0
    TO_RING3
    FAULT3 13, 0, mov cr0, eax
    TO_RING3
    FAULT3 13, 0, mov eax, cr2
    TO_RING3
    FAULT3 13, 0, mov cr3, eax
    TO_RING3
    FAULT3 13, 0, mov eax, dr7
    TO_RING3
    xor eax, eax
    FAULT3 13, 0, mov dr7, eax
    TO_RING3
    FAULT3 13, 0, mov eax, dr6

    TEST "CLI/STI and IOPL"
    ; CLI/STI: #GP(0) when CPL > IOPL.
    SET_IOPL 0
    TO_RING3
    FAULT3 13, 0, cli
    TO_RING3
    FAULT3 13, 0, sti
    SET_IOPL 2
    TO_RING3
    FAULT3 13, 0, cli
    ; IOPL = 3: CLI executes at CPL 3 (STI is not tried, so that no interrupt can come in)
    SET_IOPL 3
    TO_RING3
    TRY3 .cli_rec
    cli
    pushfd
    pop dword [scratch + 32]
    TO_RING0
.cli_rec:
    CHK [exc_vec], NO_EXC, "CLI with IOPL 3 at CPL 3 does not fault"
    CHKM [scratch + 32], EFL_IOPL3, EFL_IOPL3 | EFL_IF, "IF=0, IOPL=3 after CLI"
    SET_IOPL 0

    TEST "IN/OUT and the I/O bitmap"
    ; With CPL > IOPL, IN/OUT consult the TSS I/O bitmap: allowed only if the bit of every
    ; accessed port is 0, else #GP(0).
    SET_IOPL 0
    TO_RING3
    TRY3 .io_ok
    mov dx, IO_OK_PORT
    in al, dx
    in eax, dx                              ; 0x300..0x303 all allowed
    out dx, al
    mov dx, IO_OK_PORT + 2
    out dx, ax
    TO_RING0
.io_ok:
    CHK [exc_vec], NO_EXC, "IN/OUT on allowed ports 0x300-0x303"
    TO_RING3
    mov dx, IO_NO_PORT
    FAULT3 13, 0, in al, dx
    TO_RING3
    mov dx, IO_OK_PORT + 2
    FAULT3 13, 0, in eax, dx                ; 0x302..0x305: 0x304 is denied
    TO_RING3
    mov dx, IO_OK_PORT - 1
    FAULT3 13, 0, out dx, ax                ; 0x2FF..0x300: 0x2FF is denied
    TO_RING3
    FAULT3 13, 0, in al, 0x80               ; immediate form, port denied
    TO_RING3
    FAULT3 13, 0, out 0xE9, al
    ; IOPL = 3 >= CPL: the bitmap is not consulted
    SET_IOPL 3
    TO_RING3
    TRY3 .io_iopl
    mov dx, IO_NO_PORT
    in al, dx
    TO_RING0
.io_iopl:
    CHK [exc_vec], NO_EXC, "IN on a denied port with IOPL 3"
    SET_IOPL 0

    TEST "I/O bitmap limit, word OUT, INS/OUTS"
    ; SDM vol. 1 19.5.2 / 80386 PRM 8.3.2: the bitmap is part of the TSS; a port whose bitmap
    ; byte lies beyond the TSS limit (or an I/O map base beyond the limit) is denied: #GP(0).
    ; TR caches the limit, so the descriptor is changed and TR reloaded (LTR needs an available
    ; TSS). The byte for ports 0x300-0x307 is at TSS offset 68H + 60H = C8H.
%macro SET_TSS0_LIMIT 1
    mov word [GDT_BASE + SEL_TSS0], (%1) & 0xFFFF
    and byte [GDT_BASE + SEL_TSS0 + 6], 0xF0
    or byte [GDT_BASE + SEL_TSS0 + 6], ((%1) >> 16) & 0x0F
    mov byte [GDT_BASE + SEL_TSS0 + 5], SYS_TSS386
    mov ax, SEL_TSS0
    ltr ax
%endmacro
    SET_TSS0_LIMIT TSS0_IOMAP + IO_OK_PORT / 8 - 1  ; limit C7H: the byte at C8H is beyond it
    TO_RING3
    mov dx, IO_OK_PORT
    FAULT3 13, 0, in al, dx                 ; allowed bit, but beyond the limit
    TO_RING3
    mov dx, IO_OK_PORT
    FAULT3 13, 0, out dx, al
    ; control: limit C9H holds the byte at C8H (and the one after it): allowed again
    SET_TSS0_LIMIT TSS0_IOMAP + IO_OK_PORT / 8 + 1
    TO_RING3
    TRY3 .lim_ok
    mov dx, IO_OK_PORT
    in al, dx
    TO_RING0
.lim_ok:
    CHK [exc_vec], NO_EXC, "IN 0x300 with the bitmap byte inside the limit"
    SET_TSS0_LIMIT TSS0_LIMIT
    ; I/O map base (TSS offset 66H) beyond the limit: no bitmap, every port denied
    mov word [TSS0_BASE + 0x66], TSS0_LIMIT + 0x100
    TO_RING3
    mov dx, IO_OK_PORT
    FAULT3 13, 0, in al, dx
    mov word [TSS0_BASE + 0x66], TSS0_IOMAP
    ; word/dword OUT: every accessed port's bit must be 0
    TO_RING3
    TRY3 .out_ok
    mov dx, IO_OK_PORT + 2
    out dx, ax                              ; 0x302..0x303
    mov dx, IO_OK_PORT
    out dx, eax                             ; 0x300..0x303
    TO_RING0
.out_ok:
    CHK [exc_vec], NO_EXC, "word OUT 0x302, dword OUT 0x300 (allowed)"
    TO_RING3
    mov dx, IO_OK_PORT + 3
    FAULT3 13, 0, out dx, ax                ; 0x303 allowed, 0x304 denied
    TO_RING3
    mov dx, IO_OK_PORT + 1
    FAULT3 13, 0, out dx, eax               ; 0x301..0x304
    ; INS/OUTS (vol. 2 INS/OUTS "Protected Mode Exceptions": #GP(0) if CPL > IOPL and any
    ; corresponding I/O permission bit is 1) are checked like IN/OUT; a faulting string
    ; instruction leaves EDI/ESI/ECX unchanged.
    TO_RING3
    TRY3 .ins_ok
    mov edi, scratch + 0x80
    mov esi, scratch + 0x90
    mov dx, IO_OK_PORT
    insb                                    ; 0x300
    mov dx, IO_OK_PORT + 2
    insw                                    ; 0x302..0x303
    mov dx, IO_OK_PORT
    outsb
    outsd                                   ; 0x300..0x303
    mov ecx, 3
    rep insb
    TO_RING0
.ins_ok:
    CHK [exc_vec], NO_EXC, "INSB/INSW/OUTSB/OUTSD/REP INSB on allowed ports"
    CHK edi, scratch + 0x80 + 1 + 2 + 3, "EDI advanced by 6"
    CHK esi, scratch + 0x90 + 1 + 4, "ESI advanced by 5"
    CHK ecx, 0, "REP INSB: ECX = 0"
    TO_RING3
    mov edi, scratch + 0x80
    mov dx, IO_NO_PORT
    FAULT3 13, 0, insb                      ; 0x304 denied
    CHK [EXC_EDI], scratch + 0x80, "EDI unchanged by the faulting INSB"
    TO_RING3
    mov edi, scratch + 0x80
    mov dx, IO_OK_PORT + 3
    FAULT3 13, 0, insw                      ; 0x303..0x304
    TO_RING3
    mov esi, scratch + 0x90
    mov dx, IO_OK_PORT - 1
    FAULT3 13, 0, outsb                     ; 0x2FF denied
    CHK [EXC_ESI], scratch + 0x90, "ESI unchanged by the faulting OUTSB"
    TO_RING3
    mov esi, scratch + 0x90
    mov dx, IO_OK_PORT + 1
    FAULT3 13, 0, outsd                     ; 0x301..0x304
    TO_RING3
    mov esi, scratch + 0x90
    mov ecx, 2
    mov dx, IO_NO_PORT
    FAULT3 13, 0, rep outsw
    CHK [EXC_ECX], 2, "ECX unchanged by the faulting REP OUTSW"
    ; IOPL 3 >= CPL: INS/OUTS on a denied port do not consult the bitmap
    SET_IOPL 3
    TO_RING3
    TRY3 .ins_iopl
    mov edi, scratch + 0x80
    mov esi, scratch + 0x90
    mov dx, IO_NO_PORT
    insb
    outsb
    TO_RING0
.ins_iopl:
    CHK [exc_vec], NO_EXC, "INSB/OUTSB on a denied port with IOPL 3"
    SET_IOPL 0

    TEST "INT n and gate DPL"
    ; INT n (and INT3, INTO) at CPL 3 through a gate with DPL 0: #GP(vector*8 + 2).
    TO_RING3
    FAULT3 13, 0x50 * 8 + 2, int 0x50
    TO_RING3
    FAULT3 13, 3 * 8 + 2, int3
    TO_RING3
    mov al, 0x7F
    add al, 1
    FAULT3 13, 4 * 8 + 2, into
    ; gate DPL 3: the INT goes through (the handler records vector 0x51 and the CPL-3 frame)
    or GATE_ACC(0x51), ACC_DPL(3)
    TO_RING3
    TRY3 .int_ok
    int 0x51
.int_after:
    TO_RING0
.int_ok:
    CHKEXC 0x51, NO_ERR, .int_after
    CHK [exc_cs], SEL_CODE3, "saved CS (RPL 3)"
    CHK [exc_ss], SEL_DATA3, "saved SS"
    ; exceptions raised by the CPU ignore the gate DPL: #DE at CPL 3 with a DPL-0 gate
    TO_RING3
    xor ecx, ecx
    FAULT3 0, NO_ERR, div ecx

    FINISH
ROM_END
