; examples/hello.asm — the guest for x86emu-example-hello: a flat real-mode binary loaded at
; 0000:7C00 (where a PC BIOS would put a boot sector) that prints a greeting through the debug
; port 0xE9, one character per OUT, and halts with interrupts off so the CPU stops for good.
; Only 8086 instructions, so it runs on every CpuModel.
bits 16
org 0x7C00

debug_port equ 0xE9

start:
    cli                     ; nothing may wake us from the final HLT
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7C00          ; stack grows down below the code
    cld                     ; LODSB walks the string forwards
    mov si, greeting
.next_char:
    lodsb
    test al, al
    jz .done
    out debug_port, al
    jmp .next_char
.done:
    hlt
    jmp .done               ; only reached if something woke the CPU anyway

greeting:
    db "Hello from the x86emu guest!", 10, 0
