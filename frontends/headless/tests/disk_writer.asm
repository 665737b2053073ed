; x86emu-headless tests — a 64 KiB BIOS image that writes the primary master ATA disk in a loop
; for check_disk.py (the kill test, --snapshot, SIGTERM). Real mode, 386, nIEN set (polled, no
; interrupts). Write number n (0, 1, 2, ...) goes to sector n mod 64 with WRITE SECTORS (LBA28)
; and fills it with the word pattern (n mod 64) << 8 | generation, generation = n / 64 + 1 mod
; 256, at every word except word 0, which is n itself (low 16 bits); once the device reports the
; write complete (BSY and DRQ clear, no ERR), the sector is read back with READ SECTORS and
; compared, and only then "Wxxxx\n" (n in four hex digits) goes to the debug console port E9h.
; A failed command prints "E\n", a read-back mismatch "X\n", and the guest halts. nasm -f bin.
bits 16
cpu 386
org 0

%define ATA      0x1F0
%define BUF      0x1000         ; the sector written (0000:1000)
%define BACK     0x1400         ; the sector read back (0000:1400)

start:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7C00
    mov dx, 0x3F6
    mov al, 0x02                ; nIEN: this guest polls
    out dx, al
    xor ebp, ebp                ; n
next_write:
    ; the pattern of write n
    mov eax, ebp
    and eax, 63
    shl eax, 8
    mov ebx, ebp
    shr ebx, 6
    inc ebx
    and ebx, 0xFF
    or eax, ebx                 ; ax = (n mod 64) << 8 | generation
    mov di, BUF
    mov cx, 256
    rep stosw
    mov [BUF], bp
    ; WRITE SECTORS, 1 sector at LBA n mod 64
    call set_address
    mov al, 0x30
    call command
    call wait_drq
    mov si, BUF
    mov cx, 256
    mov dx, ATA
    rep outsw
    call wait_done
    ; READ SECTORS of the same sector, compared with what was written
    call set_address
    mov al, 0x20
    call command
    call wait_drq
    mov di, BACK
    mov cx, 256
    mov dx, ATA
    rep insw
    call wait_done
    mov si, BUF
    mov di, BACK
    mov cx, 256
    repe cmpsw
    jne mismatch
    ; report write n as complete
    mov al, 'W'
    out 0xE9, al
    mov ax, bp
    mov cl, 12
.hex:
    mov bx, ax
    shr bx, cl
    and bx, 15
    mov bl, [cs:hex_digits + bx]
    push ax
    mov al, bl
    out 0xE9, al
    pop ax
    sub cl, 4
    jnc .hex
    mov al, 10
    out 0xE9, al
    inc ebp
    jmp next_write

set_address:
    mov dx, ATA + 6
    mov al, 0xE0                ; LBA, device 0
    out dx, al
    mov dx, ATA + 2
    mov al, 1
    out dx, al
    mov ax, bp
    and al, 63
    mov dx, ATA + 3
    out dx, al
    xor al, al
    mov dx, ATA + 4
    out dx, al
    mov dx, ATA + 5
    out dx, al
    ret

command:
    mov dx, ATA + 7
    out dx, al
    ret

; BSY clear and DRQ set, or the command failed.
wait_drq:
    mov dx, ATA + 7
.poll:
    in al, dx
    test al, 0x80
    jnz .poll
    test al, 0x01
    jnz failed
    test al, 0x08
    jz .poll
    ret

; BSY and DRQ clear, no ERR: the command is complete.
wait_done:
    mov dx, ATA + 7
.poll:
    in al, dx
    test al, 0x88
    jnz .poll
    test al, 0x01
    jnz failed
    ret

failed:
    mov al, 'E'
    jmp stop
mismatch:
    mov al, 'X'
stop:
    out 0xE9, al
    mov al, 10
    out 0xE9, al
    hlt
    jmp stop

hex_digits: db "0123456789ABCDEF"

    times 0xFFF0 - ($ - $$) db 0xF4
reset_vector:
    jmp 0xF000:start
    times 0x10000 - ($ - $$) db 0xF4
