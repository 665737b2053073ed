; x86emu-sdl tests — a 4 KiB BIOS image (nasm -f bin) that shows the test which bytes the guest's
; keyboard sends (check_sdl.py hotkeys): it polls the 8042's status port 64h (bit 0, output
; buffer full; IBM PS/2 Hardware Interface Technical Reference, keyboard/auxiliary device
; controller) and writes every byte read from port 60h to the debug console port E9h as two hex
; digits and a space. The controller's reset command byte translates to scan code set 1.
bits 16
cpu 386
org 0x10000 - 4096             ; the image ends at F000:FFFF

start:
    cli
    mov dx, 0xE9
.poll:
    in al, 0x64
    test al, 1
    jz .poll
    in al, 0x60
    call hex_byte
    mov al, ' '
    out dx, al
    jmp .poll

%include "debug_console.inc"


%include "rom_image.inc"
    rom_tail 4096, 0
