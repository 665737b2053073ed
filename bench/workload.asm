; bench/workload.asm — the CPU benchmark guest, identical for x86emu and Bochs.
;
; Layout (one flat image, loaded at 0000:7C00):
;   0x7C00  boot sector: only used under a real BIOS (Bochs). It loads the payload sectors with
;           INT 13h to 0x7E00 and jumps to workload_entry. x86emu-bench skips it: it loads the
;           whole image at 0x7C00 and starts directly at workload_entry (0000:7E00).
;   0x7E00  workload_entry: sets up every register it uses, so the measured part runs exactly
;           the same instructions whichever way it was entered.
;
; The measured part lies between the START and END marker bytes written to port 0xE9. It mixes
; ALU work, loads/stores with many addressing modes, MUL/DIV/IMUL/IDIV, REP string operations,
; conditional/indirect branches and CALL/RET. After END it prints "checksum=XXXX" (a hash of all
; results, so a miscomputing emulator is caught) and halts with interrupts off.
;
; Only 8086 instructions (enforced by `cpu 8086`) so every x86emu model runs it. No result ever
; depends on flags the SDM leaves undefined (e.g. after MUL/DIV), so Bochs and x86emu agree.
;
; Assemble: nasm -f bin [-DITERATIONS=n] -o workload.bin workload.asm

cpu 8086
bits 16
org 0x7C00

%ifndef ITERATIONS
%define ITERATIONS 20000        ; outer iterations; ~7,200 instructions each if every REP iteration counts
%endif

debug_port      equ 0xE9
start_marker    equ 0x02        ; ASCII STX: cannot be confused with Bochs' text output
end_marker      equ 0x03        ; ASCII ETX
payload_sectors equ 17          ; rest of track 0 / head 0 on a 1.44 MB floppy

; Scratch data lives below the stack, well away from the BIOS data area and the code.
stack_top       equ 0x7000
source_buffer   equ 0x1000      ; 512 bytes
copy_buffer     equ 0x1200      ; 512 bytes
fill_buffer     equ 0x1400      ; 512 bytes
table           equ 0x1600      ; 256 words
checksum        equ 0x1800      ; word: running hash of every block's results
iterations_left equ 0x1802      ; word
lcg_state       equ 0x1804      ; word: pseudo-random state driving the branch block

; ---------------------------------------------------------------------------------------------
; Boot sector (BIOS path only)
; ---------------------------------------------------------------------------------------------
%include "boot_sector.inc"
BENCH_BOOT_SECTOR workload_entry, payload_sectors, debug_port, "workload: INT 13h failed to load the payload"

; ---------------------------------------------------------------------------------------------
; Payload: entered at 0000:7E00 by the boot sector (Bochs) or directly (x86emu-bench)
; ---------------------------------------------------------------------------------------------
workload_entry:
    cli
    cld
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, stack_top
    mov bp, ax
    mov [checksum], ax
    mov word [lcg_state], 0xACE1
    mov word [iterations_left], ITERATIONS

    ; Fill the source buffer and table with a deterministic pattern; RAM contents left by the
    ; BIOS must never leak into the results.
    mov di, source_buffer
    mov cx, 256
    mov ax, 0x1357
.fill_source:
    stosw
    add ax, 0x0F1D
    loop .fill_source
    mov di, table
    mov cx, 256
    mov ax, 0x2468
.fill_table:
    stosw
    rol ax, 1
    xor ax, 0x5A5A
    loop .fill_table

    mov al, start_marker
    out debug_port, al          ; ---- measured part starts after this instruction ----

    cmp word [iterations_left], 0
    je .finished
.outer:
    call alu_block
    call memory_block
    call muldiv_block
    call string_block
    call branch_block
    dec word [iterations_left]
    jnz .outer
.finished:

    mov al, end_marker
    out debug_port, al          ; ---- measured part ends with this instruction ----

    mov si, checksum_text
    call print_string
    mov ax, [checksum]
    call print_hex_word
    mov al, 10
    out debug_port, al
.halt:
    hlt                         ; IF=0: nothing can wake us
    jmp .halt

; ALU: add/adc/sub/sbb/and/or/xor/not/neg/inc/dec, rotates and shifts, on registers.
alu_block:
    mov ax, [checksum]
    mov bx, 0x1234
    mov dx, 0x5678
    mov si, 0x9ABC
    mov cx, 64
.round:
    add ax, bx
    adc dx, ax
    xor bx, dx
    rol ax, 1
    sub dx, cx
    sbb bx, 0x11
    and si, ax
    or si, 0x0101
    add si, dx
    shr bx, 1
    shl dx, 1
    rcr si, 1
    not ax
    neg bx
    inc dx
    dec si
    push cx
    mov cl, 3
    ror ax, cl
    sar dx, cl
    pop cx
    xchg ax, si
    loop .round
    add ax, bx
    xor ax, dx
    add ax, si
    add [checksum], ax
    ret

; Memory: byte/word loads, stores and read-modify-writes through [bx+si], [bx+di+disp8],
; [bp+si+disp8], [si+disp16], [di], direct addresses and a segment override.
memory_block:
    mov bx, table
    xor si, si
    mov di, 2
    mov bp, table
    mov cx, 120
.element:
    mov ax, [bx+si]
    add ax, [bx+di+4]
    mov [bx+di+8], ax           ; a later element becomes a function of earlier ones
    xor ax, [bp+si+6]
    mov dl, [si+source_buffer]
    add [si+copy_buffer], dl
    adc ax, [es:di+source_buffer]
    sub [bx+si+2], ax
    mov dx, [checksum]
    add dx, ax
    mov [checksum], dx
    inc byte [di+fill_buffer]
    add si, 2
    add di, 2
    loop .element
    ret

; MUL/IMUL/DIV/IDIV in byte and word forms. Divisors are kept non-zero and quotients in range,
; so no #DE is ever raised.
muldiv_block:
    mov cx, 40
    mov si, [checksum]
.round:
    mov ax, si
    mov bx, cx
    add bx, 0x0123
    mul bx                      ; DX:AX = AX * BX, DX < BX since AX < 0x10000
    div bx                      ; back to AX, remainder DX
    add si, dx
    mov ax, si
    and ax, 0x7FFF
    mov bx, 0x00FF
    cwd
    imul bx                     ; signed 15-bit * 255: DX:AX within +-2^23
    mov bx, cx
    add bx, 0x0200              ; |quotient| < 2^23 / 2^9 = 2^14
    idiv bx
    add si, ax
    xor si, dx
    mov al, cl
    mov bl, 7
    mul bl                      ; AX = AL * 7
    mov bl, 13
    div bl                      ; AL = AX / 13 (< 256 since AX < 1792), AH = remainder
    add si, ax
    mov al, cl
    neg al
    cbw
    mov bl, -5
    imul bl
    mov bl, 9
    idiv bl
    add si, ax
    loop .round
    add [checksum], si
    ret

; String operations: REP MOVSB, REP STOSW, REPE CMPSB, REPNE SCASB and a LODSW loop.
string_block:
    mov si, source_buffer
    mov di, copy_buffer
    mov cx, 512
    rep movsb
    mov ax, [checksum]
    mov di, fill_buffer
    mov cx, 256
    rep stosw
    mov si, source_buffer
    mov di, copy_buffer
    mov cx, 512
    repe cmpsb                  ; equal right after the copy: runs the full length
    add [checksum], cx          ; CX = 0 unless the copy went wrong
    mov di, source_buffer
    mov al, 0x2C
    mov cx, 512
    repne scasb
    add [checksum], cx
    mov si, fill_buffer
    mov cx, 32
    xor dx, dx
.sum:
    lodsw
    add dx, ax
    loop .sum
    add [checksum], dx
    ; Perturb the source so the next outer iteration copies different bytes.
    mov bx, [checksum]
    and bx, 0x01FE
    add [bx+source_buffer], dx
    ret

; Branches: a data-dependent mix of taken/not-taken conditional jumps, an indirect jump through a
; table and near calls, driven by a 16-bit linear congruential generator.
branch_block:
    mov cx, 48
.step:
    mov ax, [lcg_state]
    mov dx, 25173
    mul dx                      ; only AX (the low word) is used
    add ax, 13849
    mov [lcg_state], ax
    mov bx, ax
    test ax, 0x0100
    jz .even
    inc word [checksum]
    jmp .after_parity
.even:
    add word [checksum], 3
.after_parity:
    cmp ah, 0x80
    jb .low_half
    call leaf_high
    jmp .after_half
.low_half:
    call leaf_low
.after_half:
    and bx, 3 << 1
    call [bx+branch_targets]    ; indirect near call through a table
    loop .step
    ret

branch_targets:
    dw target_0, target_1, target_2, target_3

target_0:
    add word [checksum], 0x10
    ret
target_1:
    xor word [checksum], 0x0F0F
    ret
target_2:
    ror word [checksum], 1
    ret
target_3:
    jmp .go
.go:
    sub word [checksum], 0x21
    ret

leaf_high:
    mov dx, [checksum]
    rol dx, 1
    mov [checksum], dx
    ret
leaf_low:
    add word [checksum], 0x77
    ret

; Prints the NUL-terminated string at DS:SI to the debug port.
print_string:
    lodsb
    test al, al
    jz .done
    out debug_port, al
    jmp print_string
.done:
    ret

; Prints AX as four upper-case hex digits to the debug port.
print_hex_word:
    mov cx, 4
.digit:
    push cx
    mov cl, 4
    rol ax, cl
    pop cx
    push ax
    and al, 0x0F
    add al, '0'
    cmp al, '9'
    jbe .emit
    add al, 'A' - '9' - 1
.emit:
    out debug_port, al
    pop ax
    loop .digit
    ret

checksum_text:
    db "checksum=", 0

payload_end:
    ; Pad the payload to exactly the sectors the boot sector reads; fails to assemble if the
    ; payload ever outgrows them.
    times payload_sectors * 512 - ($ - workload_entry) db 0
