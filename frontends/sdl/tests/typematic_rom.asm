; x86emu-sdl tests — a 4 KiB BIOS image (nasm -f bin, run with --model p6) for the host's typematic
; repeat (check_sdl.py typematic): it programs the keyboard's typematic byte with command F3h
; (IBM PS/2 Hardware Interface Technical Reference, keyboard commands: bits 6:5 delay
; (1 + n) x 250 ms, bits 4:0 rate) to 2Ch, a 500 ms delay and a period of (8 + 4) x 2^1 x 4.17 ms
; = 100.08 ms, writes "ready\n", then polls the 8042 (status 64h bit 0) and writes every byte
; read from port 60h to the debug console port E9h as "HH TTTTTTTTTTTTTTTT\n": the byte and the
; time stamp counter (RDTSC, one count per emulated cycle) when it was read.
bits 16
cpu 586
org 0x10000 - 4096             ; the image ends at F000:FFFF

start:
    cli
    mov dx, 0xE9
    mov al, 0xF3                ; set typematic rate/delay ...
    call send_keyboard
    mov al, 0x2C                ; ... 500 ms, 100.08 ms
    call send_keyboard
    mov si, ready
.ready:
    cs lodsb
    test al, al
    jz .poll
    out dx, al
    jmp .ready
.poll:
    in al, 0x64
    test al, 1
    jz .poll
    in al, 0x60
    mov bl, al
    rdtsc
    mov ebp, eax
    mov ecx, edx
    mov dx, 0xE9                ; the port number again
    mov al, bl
    call hex_byte
    mov al, ' '
    out dx, al
    mov ebx, ecx
    call hex_dword
    mov ebx, ebp
    call hex_dword
    mov al, 10
    out dx, al
    jmp .poll

send_keyboard:                  ; AL to the keyboard (port 60h), then wait for its ACK (FAh)
    out 0x60, al
.wait:
    in al, 0x64
    test al, 1
    jz .wait
    in al, 0x60
    cmp al, 0xFA
    jne .wait
    ret

hex_dword:                      ; EBX as 8 hex digits
    mov cx, 4
.byte:
    rol ebx, 8
    mov al, bl
    call hex_byte
    loop .byte
    ret

%include "debug_console.inc"


ready: db "ready", 10, 0

%include "rom_image.inc"
    rom_tail 4096, 0
