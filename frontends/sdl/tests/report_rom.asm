; x86emu-sdl tests — a 4 KiB BIOS image (nasm -f bin) for --report, --until-post and
; --debugcon-file in the window (check_sdl.py report): it writes "sdl debugcon\n" to the debug
; console port E9h, POST codes 11h and then 55h to port 80h, and then loops forever (so only
; --until-post, --max-cycles, a signal or closing the window ends the run).
bits 16
cpu 386
org 0x10000 - 4096             ; the image ends at F000:FFFF

start:
    cli
    mov si, message
    mov dx, 0xE9
.put:
    cs lodsb
    test al, al
    jz .posts
    out dx, al
    jmp .put
.posts:
    mov al, 0x11
    out 0x80, al
    mov al, 0x55
    out 0x80, al
.forever:
    jmp .forever

message: db "sdl debugcon", 10, 0


%include "rom_image.inc"
    rom_tail 4096, 0
