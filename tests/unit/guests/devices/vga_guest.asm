; x86emu unit-test guest (tests/unit/test_device_guests.cpp): the VGA as a program sees it (IBM
; VGA technical reference: text memory at B8000h, the DAC's write/read indexes and state at
; 3C7h-3C9h; the Bochs DISPI interface at 1CEh/1CFh, docs/devices/vga.md).
; Results at RESULT + :
;   0  4 bytes  "VGA!" read back from the text memory    4  attribute read back (1Fh)
;   5  3 bytes  DAC entry 5 read back (11h 22h 33h)       8  DAC state after a read index (3)
;  10  word     DISPI ID (B0C5h)                          12  word  VIDEO_MEMORY_64K (index 10)
; POST code 01h: the text is on screen (the test looks at the Display then).
%include "pc_guest.inc"

start:
    mov ax, 0xB800
    mov es, ax
    mov di, 0
    mov si, message
    mov cx, 4
.put:
    mov al, [cs:si]
    mov ah, 0x1F
    stosw
    inc si
    loop .put
    mov al, [es:0]
    mov [RESULT + 0], al
    mov al, [es:2]
    mov [RESULT + 1], al
    mov al, [es:4]
    mov [RESULT + 2], al
    mov al, [es:6]
    mov [RESULT + 3], al
    mov al, [es:1]
    mov [RESULT + 4], al
    mov al, 0x01
    out 0x80, al
    ; DAC entry 5
    mov dx, 0x3C8
    mov al, 5
    out dx, al
    inc dx
    mov al, 0x11
    out dx, al
    mov al, 0x22
    out dx, al
    mov al, 0x33
    out dx, al
    mov dx, 0x3C7
    mov al, 5
    out dx, al
    in al, dx
    mov [RESULT + 8], al
    mov dx, 0x3C9
    in al, dx
    mov [RESULT + 5], al
    in al, dx
    mov [RESULT + 6], al
    in al, dx
    mov [RESULT + 7], al
    ; DISPI
    mov dx, 0x1CE
    xor ax, ax
    out dx, ax
    inc dx
    in ax, dx
    mov [RESULT + 10], ax
    dec dx
    mov ax, 10
    out dx, ax
    inc dx
    in ax, dx
    mov [RESULT + 12], ax
    jmp finish

message: db "VGA!"

rom_end
