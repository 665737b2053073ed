; x86emu unit-test guest (tests/unit/test_device_guests.cpp): the 8042 keyboard controller, its
; PS/2 keyboard and port 92h as a program sees them (IBM PS/2 Hardware Interface Technical
; Reference: controller commands 20h, AAh, ABh, D0h, D1h; keyboard EEh, F2h, FFh; system control
; port A), including the A20 gate seen as the memory wrap at 1 MiB.
; Results at RESULT + :
;   0  command byte (20h)            1  self-test AAh (55h)      2  interface test ABh (00h)
;   3  output port D0h at start      4  output port after D1h CDh (A20 bit clear)
;   5  wrap with the 8042's A20 off (1)        6  wrap with port 92h bit 1 on as well (0)
;   7  port 92h read back with bit 1 set       8  wrap with both off again (1)
;   9  wrap after D1h CFh (0)
;  10  keyboard echo EEh (EEh)       11-12  reset FFh (FAh, AAh)  13-15  ID F2h (FAh ABh 41h)
;  16  IRQ1 handler runs for one echo with IRQ1 enabled (1)     17  the byte it read (EEh)
%include "pc_guest.inc"

%define IRQ1_COUNT 0x500

start:
    set_vector 0x09, irq1
    mov al, 0x20
    call kbc_command
    call read_data
    mov [RESULT + 0], al
    mov al, 0xAA
    call kbc_command
    call read_data
    mov [RESULT + 1], al
    mov al, 0xAB
    call kbc_command
    call read_data
    mov [RESULT + 2], al
    mov al, 0xD0
    call kbc_command
    call read_data
    mov [RESULT + 3], al

    ; A20 through the 8042's output port, then port 92h (the two are ORed)
    mov ah, 0xCD
    call write_output_port
    mov al, 0xD0
    call kbc_command
    call read_data
    mov [RESULT + 4], al
    call wraps
    mov [RESULT + 5], al
    in al, 0x92
    or al, 0x02
    and al, 0xFE                ; never the fast-reset bit
    out 0x92, al
    in al, 0x92
    mov [RESULT + 7], al
    call wraps
    mov [RESULT + 6], al
    in al, 0x92
    and al, 0xFC
    out 0x92, al
    call wraps
    mov [RESULT + 8], al
    mov ah, 0xCF
    call write_output_port
    call wraps
    mov [RESULT + 9], al

    ; the keyboard (its answers pass the translation unchanged, the ID's 83h becomes 41h)
    mov al, 0xEE
    call kbd_send
    mov [RESULT + 10], al
    mov al, 0xFF
    call kbd_send
    mov [RESULT + 11], al
    call read_data
    mov [RESULT + 12], al
    mov al, 0xF2
    call kbd_send
    mov [RESULT + 13], al
    call read_data
    mov [RESULT + 14], al
    call read_data
    mov [RESULT + 15], al

    ; IRQ1: the command byte's bit 0 is on (45h); unmask it and echo once more
    mov byte [IRQ1_COUNT], 0
    mov al, 0xFD
    out 0x21, al
    sti
    mov al, 0xEE
    out 0x60, al
    mov cx, 1000
.wait:
    cmp byte [IRQ1_COUNT], 0
    jne .done
    loop .wait
.done:
    cli
    mov al, [IRQ1_COUNT]
    mov [RESULT + 16], al
    jmp finish

irq1:
    push ax
    in al, 0x60
    mov [RESULT + 17], al
    inc byte [IRQ1_COUNT]
    call eoi_master
    pop ax
    iret

; AL = a controller command
kbc_command:
    push ax
.busy:
    in al, 0x64
    test al, 0x02
    jnz .busy
    pop ax
    out 0x64, al
    ret

; AL = the next byte of the output buffer (0 if none comes within 65535 polls)
read_data:
    push cx
    mov cx, 0xFFFF
.poll:
    in al, 0x64
    test al, 0x01
    jnz .ready
    loop .poll
    xor al, al
    pop cx
    ret
.ready:
    in al, 0x60
    pop cx
    ret

; AH = the byte for D1h (write output port)
write_output_port:
    mov al, 0xD1
    call kbc_command
    mov al, ah
    out 0x60, al
    ret

; AL = a keyboard command; returns its first answer
kbd_send:
    out 0x60, al
    jmp read_data

; AL = 1 if 100800h aliases 000800h (A20 off), else 0
wraps:
    push es
    mov ax, 0xFFFF
    mov es, ax
    mov byte [0x0800], 0xA5
    mov byte [es:0x0810], 0x5A
    xor al, al
    cmp byte [0x0800], 0x5A
    jne .no
    mov al, 1
.no:
    pop es
    ret

rom_end
