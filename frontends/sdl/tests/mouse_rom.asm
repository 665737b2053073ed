; x86emu-sdl tests — a 4 KiB BIOS image (nasm -f bin) for the PS/2 mouse behind the 8042
; (check_sdl.py mouse; IBM PS/2 Hardware Interface Technical Reference, keyboard/auxiliary device
; controller and pointing device): it enables the auxiliary interface (command A8h), sends the
; mouse F4h (enable reporting) through command D4h, and then polls the status port 64h and writes
; every byte it reads from port 60h to the debug console port E9h as "m" and two hex digits when
; status bit 5 said mouse data, "k" and two hex digits for keyboard data, and a space.
bits 16
cpu 386
org 0x10000 - 4096             ; the image ends at F000:FFFF

start:
    cli
    mov dx, 0xE9
    mov al, 0xA8                ; enable the auxiliary interface
    out 0x64, al
    mov al, 0xD4                ; the next data byte goes to the mouse:
    out 0x64, al
    mov al, 0xF4                ; enable reporting (the mouse answers FAh, logged below)
    out 0x60, al
.poll:
    in al, 0x64
    test al, 1
    jz .poll
    mov bl, 'k'
    test al, 0x20
    jz .read
    mov bl, 'm'
.read:
    in al, 0x60
    xchg al, bl
    out dx, al
    mov al, bl
    call hex_byte
    mov al, ' '
    out dx, al
    jmp .poll

%include "debug_console.inc"


%include "rom_image.inc"
    rom_tail 4096, 0
