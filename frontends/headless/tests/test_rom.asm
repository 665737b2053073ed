; x86emu-headless tests — a 64 KiB BIOS image for the runner's own tests (nasm -f bin).
; It runs in real mode from the reset vector on the 8086, 286 and 386 and exercises what the
; runner observes: POST codes on port 0x80 (and one on 0x190 for --post-port), text on the debug
; console port 0xE9 (byte OUTs, and a word OUT to 0xE8 whose high byte lands on 0xE9), RAM and ROM behaviour, and one of three endings chosen
; with -DSCENARIO=:
;   1  writes POST codes 0x11, 0x22, 0x55 and halts
;   2  writes 0x11, 0x22, 0x33 and loops forever (for --max-cycles / --max-seconds)
;   3  writes 0x11, 0x22, 0x33, then INT 3 with an IDT limit of 0: #GP, #DF, shutdown (286+)
;   4  writes 0x11, 0x22, then 1000 codes counting 0, 1, ... 999 (mod 256), then 0x55 and
;      halts: more than the runner keeps (the report has the last 256 and the count)
; A failed self-check writes POST code 0xEE and halts.

%ifndef SCENARIO
  %define SCENARIO 1
%endif

bits 16
%if SCENARIO == 3
cpu 286
%else
cpu 8086
%endif
org 0                           ; the image is segment F000 (physical 0xF0000-0xFFFFF)

start:
    cli
    xor ax, ax
    mov ss, ax
    mov sp, 0x7C00
    mov ds, ax
    mov al, 0x11
    out 0x80, al

    ; The greeting, byte by byte, including bytes that are not ASCII: the runner must pass
    ; them through untouched.
    mov si, greeting
    mov cx, greeting_length
.print:
    cs lodsb
    out 0xE9, al
    loop .print
    ; "OK": the K comes from a word OUT to 0xE8, which the runner splits into byte writes, low
    ; byte to 0xE8 (unclaimed: the 'x' is dropped) and high byte to 0xE9.
    mov al, 'O'
    out 0xE9, al
    mov ax, 'xK'                ; nasm stores 'x' in AL, 'K' in AH
    out 0xE8, ax
    mov al, 10
    out 0xE9, al

    ; RAM holds what is written to it.
    mov byte [0x0500], 0xA5
    cmp byte [0x0500], 0xA5
    jne fail
    ; The ROM ignores writes.
    mov ax, cs
    mov es, ax
    mov byte [es:rom_probe], 0x00
    cmp byte [es:rom_probe], 0x5A
    jne fail

    mov al, 0x22
    out 0x80, al
    mov dx, 0x190               ; the alternate POST port the tests select with --post-port
    mov al, 0x42
    out dx, al

%if SCENARIO == 1
    mov al, 0x55
    out 0x80, al
    hlt
    jmp fail                    ; HLT with IF=0 and no NMI never resumes
%elif SCENARIO == 2
    mov al, 0x33
    out 0x80, al
.forever:
    jmp .forever
%elif SCENARIO == 3
    mov al, 0x33
    out 0x80, al
    lidt [cs:empty_idt]
    int3                        ; vector 3 lies past the limit: #GP, whose vector does too: #DF,
    jmp fail                    ; likewise: shutdown. Nothing after INT 3 may run.
%elif SCENARIO == 4
    xor cx, cx
.many:
    mov al, cl
    out 0x80, al
    inc cx
    cmp cx, 1000
    jne .many
    mov al, 0x55
    out 0x80, al
    hlt
    jmp fail
%else
  %error unknown SCENARIO
%endif

fail:
    mov al, 0xEE
    out 0x80, al
    hlt
    jmp fail

greeting:
    db "hello from the headless test ROM", 10, 0x01, 0xC3, 0xA9, 0x7F, 10
greeting_length equ $ - greeting

rom_probe:
    db 0x5A

empty_idt:
    dw 0                        ; limit 0: not even vector 0 fits
    dd 0

    times 0xFFF0 - ($ - $$) db 0xFF
reset_vector:                   ; physical 0xFFFF0 (8086) / 0xFFFFF0 (286) / 0xFFFFFFF0 (386)
    jmp 0xF000:start
    times 0x10000 - ($ - $$) db 0xFF
