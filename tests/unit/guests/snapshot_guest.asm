; tests/unit/guests/snapshot_guest.asm — the guest of the snapshot round-trip test
; (tests/unit/test_snapshot.cpp): a BIOS ROM image for a Machine that runs forever, touching as
; much CPU state as it can, so that a snapshot taken anywhere in it and restored into a fresh
; Machine must reproduce every bit of it to end identically.
;
; Every loop iteration does: 16-bit (or 32-bit) ALU work driven by a linear congruential
; generator, MUL/DIV, REP MOVS / REP STOS / REPE CMPS, a software interrupt (INT 40h), an
; external interrupt (an OUT to port 80h makes the test raise INTR; STI opens a window; the
; test's interrupt controller answers vector 41h and drops the line), self-modifying code
; (the immediate of a routine in RAM is rewritten, then the routine is called), x87 arithmetic
; (a no-op on a CPU without an FPU: ESC instructions do nothing there), and every 16th
; iteration a HLT that the test wakes with an NMI (vector 2).
;
; Built twice (tests/unit/CMakeLists.txt):
;   snapshot_guest_8086.bin  8086 instructions only (8086, 286 models): the real-mode loop forever.
;   snapshot_guest_386.bin   -DPROTECTED: REAL_ITERATIONS real-mode iterations, then protected
;                            mode with paging (identity-mapped 4 MiB, one page made not-present
;                            again and again and mapped back by the #PF handler), a 32-bit loop
;                            with FSIN and 32-bit string instructions, forever.
;   snapshot_guest_p5.bin    -DPROTECTED -DPENTIUM (P5, P6): as the 386 one, plus a WRMSR that
;                            moves the time-stamp counter away from the cycle count and an RDTSC
;                            in every iteration, whose value goes into the hash.
;
; Memory (physical, RAM): IVT 0-3FFh, IDT 800h, variables 500h, stack below 7000h, string
; buffers 1000h-3FFFh, the self-modifying routine 9000h (a page of its own), page directory 10000h, page table 11000h.
; The image is 16 KiB at F000:C000 (physical FC000h), the reset vector's far jump at its end.

bits 16
org 0xC000

ROMBASE         equ 0xF0000
STACK_TOP       equ 0x7000
SMC_ROUTINE     equ 0x9000
SRC_BUF         equ 0x1000
DST_BUF         equ 0x2000
FILL_BUF        equ 0x3000
IDT_BASE        equ 0x0800
PAGE_DIR        equ 0x10000
PAGE_TABLE      equ 0x11000
VICTIM_PAGE     equ 0x200000        ; linear = physical 2 MiB, unmapped and remapped
INTR_PORT       equ 0x80

%ifndef REAL_ITERATIONS
%define REAL_ITERATIONS 600
%endif

; variables (DS = 0 in real mode, flat in protected mode)
lcg             equ 0x500           ; dword
hash            equ 0x504           ; dword
count           equ 0x508           ; dword: loop iterations
nmi_count       equ 0x50C
intr_count      equ 0x510
soft_count      equ 0x514
pf_count        equ 0x518
iterations_left equ 0x51C
facc            equ 0x520           ; qword
fsin_acc        equ 0x528           ; qword
fsw             equ 0x530           ; word
half            equ 0x534           ; dword float 0.5

start:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, STACK_TOP
    cld
    ; the real-mode IVT
    mov word [2*4], rm_nmi
    mov word [2*4+2], 0xF000
    mov word [0x40*4], rm_int40
    mov word [0x40*4+2], 0xF000
    mov word [0x41*4], rm_int41
    mov word [0x41*4+2], 0xF000
    ; the self-modifying routine goes to RAM
    push cs
    pop ds
    mov si, smc_template
    mov di, SMC_ROUTINE
    mov cx, smc_template_end - smc_template
    rep movsb
    xor ax, ax
    mov ds, ax
    mov word [lcg], 0x1234
    mov word [lcg+2], 0x5678
    mov word [iterations_left], REAL_ITERATIONS
    mov word [half], 0
    mov word [half+2], 0x3F00       ; 0.5f
    ; source buffer: 4 KiB of generator output
    mov di, SRC_BUF
    mov cx, 2048
.fill:
    call rm_next
    stosw
    loop .fill
    fninit

rm_loop:
    ; ---- ALU: 16 rounds of generator, xor/add/rotate/adc into the hash ----
    mov cx, 16
.alu:
    call rm_next
    xor [hash], ax
    add [hash+2], ax
    mov bx, [hash]
    rol bx, 1
    adc bx, [hash+2]
    mov [hash], bx
    sub dx, bx
    sbb [hash+2], dx
    loop .alu
    ; ---- MUL / DIV (DX = 0, divisor odd: never faults) ----
    mov ax, [hash]
    mov bx, [lcg]
    or bx, 1
    xor dx, dx
    div bx
    add [hash+2], dx
    mul word [lcg+2]
    xor [hash], dx
    ; ---- strings ----
    mov si, SRC_BUF
    mov di, DST_BUF
    mov cx, 128
    rep movsb
    mov di, FILL_BUF
    mov ax, [hash]
    mov cx, 64
    rep stosw
    mov si, SRC_BUF
    mov di, DST_BUF
    mov cx, 128
    repe cmpsb
    adc word [hash], 0
    ; ---- interrupts: INT 40h, then INTR through the controller ----
    int 0x40
    out INTR_PORT, al
    sti
    nop
    nop
    cli
    ; ---- self-modifying code: patch "mov ax, imm16", then call it ----
    mov ax, [lcg]
    mov [SMC_ROUTINE + 1], ax
    call 0x0000:SMC_ROUTINE
    ; ---- x87 (nothing happens without an FPU) ----
    fild word [lcg]
    fabs
    fsqrt
    fadd qword [facc]
    fmul dword [half]
    fstp qword [facc]
    fnstsw [fsw]
    ; ---- HLT every 16 iterations: the test wakes it with an NMI ----
    inc word [count]
    test word [count], 15
    jnz .awake
    hlt
.awake:
%ifdef PROTECTED
    dec word [iterations_left]
    jnz rm_loop
    jmp enter_protected
%else
    jmp rm_loop
%endif

; AX = next generator value (lcg = lcg * 25173 + 13849, 16-bit); clobbers DX
rm_next:
    mov ax, [lcg]
    mov dx, 25173
    mul dx
    add ax, 13849
    mov [lcg], ax
    ret

rm_nmi:
    inc word [nmi_count]
    iret
rm_int40:
    push ax
    mov ax, [lcg]
    xor [hash+2], ax
    inc word [soft_count]
    pop ax
    iret
rm_int41:
    inc word [intr_count]
    iret

smc_template:
    mov ax, 0x0000              ; B8 iw: the immediate is rewritten before each call
    add [hash], ax
    retf
smc_template_end:

%ifdef PROTECTED
; ---------------------------------------------------------------------------------------------
; protected mode with paging (386 and later)
; ---------------------------------------------------------------------------------------------
enter_protected:
    ; IDT: 32-bit interrupt gates for 2 (NMI), 14 (#PF), 40h, 41h; every other vector is not
    ; present, so a stray exception ends in a shutdown the test reports.
    mov di, IDT_BASE
    mov cx, 0x42 * 4
    xor ax, ax
    rep stosw
    mov bx, 2
    mov eax, ROMBASE + pm_nmi
    call set_gate
    mov bx, 14
    mov eax, ROMBASE + pm_page_fault
    call set_gate
    mov bx, 0x40
    mov eax, ROMBASE + pm_int40
    call set_gate
    mov bx, 0x41
    mov eax, ROMBASE + pm_int41
    call set_gate
    ; page directory and table: identity map of the first 4 MiB, the victim page not present
    mov ax, PAGE_DIR >> 4
    mov es, ax
    xor di, di
    mov eax, PAGE_TABLE | 3
    stosd
    mov cx, 1023
    xor eax, eax
    rep stosd                   ; DI ends at 1000h: the page table follows the directory
    mov eax, 3
    mov cx, 1024
.pte:
    stosd
    add eax, 0x1000
    loop .pte
    mov dword [es:0x1000 + (VICTIM_PAGE >> 12) * 4], VICTIM_PAGE | 2
    xor ax, ax
    mov es, ax
    lgdt [cs:gdt_descriptor]
    lidt [cs:idt_descriptor]
    mov eax, cr0
    or eax, 1
    mov cr0, eax
    jmp dword 0x08:(ROMBASE + pm_entry)

; BX = vector, EAX = handler offset: a present 32-bit interrupt gate, DPL 0, selector 08h
set_gate:
    shl bx, 3
    mov [IDT_BASE + bx], ax
    mov word [IDT_BASE + bx + 2], 0x08
    mov word [IDT_BASE + bx + 4], 0x8E00
    shr eax, 16
    mov [IDT_BASE + bx + 6], ax
    ret

align 8
gdt:
    dq 0
    dq 0x00CF9A000000FFFF       ; 08h: flat 32-bit code
    dq 0x00CF92000000FFFF       ; 10h: flat 32-bit data
gdt_end:
gdt_descriptor:
    dw gdt_end - gdt - 1
    dd ROMBASE + gdt
idt_descriptor:
    dw 0x42 * 8 - 1
    dd IDT_BASE

bits 32
pm_entry:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov fs, ax
    mov gs, ax
    mov esp, STACK_TOP
    mov eax, PAGE_DIR
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    jmp .paged
.paged:
    fninit
%ifdef PENTIUM
    mov ecx, 0x10               ; IA32_TIME_STAMP_COUNTER
    mov eax, 0x89ABCDEF
    xor edx, edx
    wrmsr
%endif

pm_loop:
    ; ---- ALU, 32-bit ----
    mov ecx, 16
.alu:
    call pm_next
    xor [hash], eax
    mov ebx, [hash]
    rol ebx, 5
    add ebx, eax
    mov [hash], ebx
    imul edx, ebx, 31
    sub [hash], edx
    loop .alu
    mov eax, [hash]
    mov ebx, [lcg]
    or ebx, 1
    xor edx, edx
    div ebx
    add [hash], edx
    ; ---- strings, 32-bit ----
    mov esi, SRC_BUF
    mov edi, DST_BUF
    mov ecx, 256
    rep movsd
    mov edi, FILL_BUF
    mov eax, [hash]
    mov ecx, 128
    rep stosd
    mov esi, SRC_BUF
    mov edi, DST_BUF
    mov ecx, 256
    repe cmpsd
    ; ---- the victim page: a write faults (#PF maps it) every 8th iteration ----
    mov eax, [lcg]
    and eax, 0xFFC
    mov edx, [hash]
    mov [VICTIM_PAGE + eax], edx
    test dword [count], 7
    jnz .mapped
    mov dword [PAGE_TABLE + (VICTIM_PAGE >> 12) * 4], VICTIM_PAGE | 2
    mov eax, cr3
    mov cr3, eax                ; flush the TLB (the 386 has no INVLPG)
.mapped:
    ; ---- interrupts ----
    int 0x40
    out INTR_PORT, al
    sti
    nop
    nop
    cli
    ; ---- x87, with a transcendental ----
    fild dword [lcg]
    fabs
    fsqrt
    fadd qword [facc]
    fmul dword [half]
    fst qword [facc]
    fsin
    fadd qword [fsin_acc]
    fstp qword [fsin_acc]
    fnstsw [fsw]
%ifdef PENTIUM
    rdtsc
    xor [hash], eax
%endif
    ; ---- HLT every 16 iterations ----
    inc dword [count]
    test dword [count], 15
    jnz .awake
    hlt
.awake:
    jmp pm_loop

; EAX = next generator value (lcg = lcg * 1664525 + 1013904223, 32-bit); clobbers EDX
pm_next:
    mov eax, [lcg]
    mov edx, 1664525
    mul edx
    add eax, 1013904223
    mov [lcg], eax
    ret

pm_nmi:
    inc dword [nmi_count]
    iret
pm_int40:
    push eax
    mov eax, [lcg]
    xor [hash + 4], eax
    inc dword [soft_count]
    pop eax
    iret
pm_int41:
    inc dword [intr_count]
    iret
pm_page_fault:
    push eax
    push ebx
    mov eax, cr2
    shr eax, 12
    mov ebx, eax
    shl ebx, 12
    or ebx, 3
    mov [PAGE_TABLE + eax * 4], ebx
    inc dword [pf_count]
    pop ebx
    pop eax
    add esp, 4                  ; the error code
    iret
bits 16
%endif

    times 0x3FF0 - ($ - $$) db 0xF4
reset_vector:
    jmp 0xF000:start
    times 0x4000 - ($ - $$) db 0xF4
