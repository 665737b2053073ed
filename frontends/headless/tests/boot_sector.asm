; x86emu-headless tests — a hard-disk boot sector (nasm -f bin, 512 bytes) for check_disk_boot.py's
; boot-sector case: what every PC BIOS promises a boot sector (the IBM PC/AT convention, also in
; the BIOS Boot Specification 1.01, section 6.4 and appendix D): sector 0 of the boot drive is
; loaded at physical 7C00h and entered in real mode with DL = the BIOS drive number (80h for the
; first hard disk). The sector prints what it got — "x86emu: boot sector at CCCC:IIII DL=XX" — on
; COM1 (the 16550 at 3F8h, programmed here directly so no INT 14h is needed) and halts with
; interrupts off, which ends the headless run with exit 0.

bits 16
cpu 8086
org 0x7C00

start:
    cli
    mov [cs:boot_drive], dl     ; DL first: nothing below may clobber it unseen
    mov bx, cs                  ; CS and IP as entered (0000:7C00, or 07C0:0000 on some BIOSes)
    call .here
.here:
    pop bp
    sub bp, .here - start       ; IP of `start` in CS
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7C00

    ; 16550: DLAB, divisor 1 (115200 baud), 8N1, then the FIFOs on.
    mov dx, 0x3FB
    mov al, 0x80
    out dx, al
    mov dx, 0x3F8
    mov al, 1
    out dx, al
    inc dx
    xor al, al
    out dx, al
    mov dx, 0x3FB
    mov al, 0x03
    out dx, al
    mov dx, 0x3FA
    mov al, 0x07
    out dx, al

    mov si, msg_at
    call print
    mov ax, bx
    call print_hex16
    mov al, ':'
    call putc
    mov ax, bp
    call print_hex16
    mov si, msg_dl
    call print
    mov al, [boot_drive]
    call print_hex8
    mov si, msg_end
    call print
.halt:
    hlt                         ; IF = 0: the runner stops here ("halted", exit 0)
    jmp .halt

; putc AL: waits for THR empty (LSR bit 5), then writes AL.
putc:
    push dx
    push ax
    mov dx, 0x3FD
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    pop ax
    mov dx, 0x3F8
    out dx, al
    pop dx
    ret

; print DS:SI, NUL-terminated.
print:
    lodsb
    test al, al
    jz .done
    call putc
    jmp print
.done:
    ret

print_hex16:
    push ax
    mov al, ah
    call print_hex8
    pop ax
print_hex8:
    push ax
    mov cl, 4
    shr al, cl
    call print_nibble
    pop ax
print_nibble:
    and al, 0x0F
    add al, '0'
    cmp al, '9'
    jbe .digit
    add al, 'A' - '9' - 1
.digit:
    jmp putc

msg_at:  db "x86emu: boot sector at ", 0
msg_dl:  db " DL=", 0
msg_end: db 13, 10, 0
boot_drive: db 0

    times 510 - ($ - $$) db 0
    dw 0xAA55
