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
    shr al, 4
    call hex_digit
    mov al, bl
    and al, 0x0F
    call hex_digit
    mov al, ' '
    out dx, al
    jmp .poll

hex_digit:                      ; AL = 0..15 -> its digit on the debug console
    add al, '0'
    cmp al, '9'
    jbe .out
    add al, 'A' - '9' - 1
.out:
    out dx, al
    ret

    times 4096 - 16 - ($ - $$) db 0
reset:                          ; the reset vector, F000:FFF0 (the image's last 16 bytes)
    jmp 0xF000:start
    times 4096 - ($ - $$) db 0
