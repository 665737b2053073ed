; x86emu unit-test guest for tests/unit/test_device_snapshots.cpp: a 64 KiB BIOS ROM (F0000h)
; for a PC-platform machine. In real mode it programs the 8259A pair (IRQ0, IRQ4, IRQ8), the
; 8254 counter 0 in mode 2 (about 1 kHz on IRQ0), the RTC's periodic interrupt (1024 Hz on IRQ8)
; and COM1 at 38400 baud with FIFOs and the THRE interrupt (IRQ4), then HLT-waits in a loop.
; The 8042's A20 output is switched off. Every IRQ0 counts a tick, every 8th toggles A20 through port 92h and writes the tick count at
; FFFF:0610h (100600h, or 000600h while A20 is off); IRQ4 sends two bytes per THRE interrupt;
; IRQ8 counts and reads register C; after each wake-up the loop writes a VGA text cell at
; B800:(2 * (loops mod 2000)) from the counters. Build: nasm -f bin.
bits 16
org 0

%define TICKS     0x500
%define RTC_TICKS 0x502
%define SENT      0x504
%define LOOPS     0x506
%define COM1      0x3F8
%define PIT_COUNT 1193

start:
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7000
    mov word [0x08*4], irq0
    mov word [0x08*4+2], 0xF000
    mov word [0x0C*4], irq4
    mov word [0x0C*4+2], 0xF000
    mov word [0x70*4], irq8
    mov word [0x70*4+2], 0xF000
    ; the 8259A pair: vectors 08h and 70h, the slave on IR2
    mov al, 0x11
    out 0x20, al
    out 0xA0, al
    mov al, 0x08
    out 0x21, al
    mov al, 0x70
    out 0xA1, al
    mov al, 0x04
    out 0x21, al
    mov al, 0x02
    out 0xA1, al
    mov al, 0x01
    out 0x21, al
    out 0xA1, al
    mov al, 0xEA            ; IRQ0, IRQ2 (cascade), IRQ4
    out 0x21, al
    mov al, 0xFE            ; IRQ8
    out 0xA1, al
    ; the 8254: counter 0, LSB then MSB, mode 2
    mov al, 0x34
    out 0x43, al
    mov al, PIT_COUNT & 0xFF
    out 0x40, al
    mov al, PIT_COUNT >> 8
    out 0x40, al
    ; the RTC: 32.768 kHz, 1024 Hz periodic rate, PIE on; register C read to start clean
    mov al, 0x0A
    out 0x70, al
    mov al, 0x26
    out 0x71, al
    mov al, 0x0B
    out 0x70, al
    in al, 0x71
    or al, 0x40
    mov ah, al
    mov al, 0x0B
    out 0x70, al
    mov al, ah
    out 0x71, al
    mov al, 0x0C
    out 0x70, al
    in al, 0x71
    ; COM1: divisor 3 (38400), 8N1, FIFOs on, OUT2, the THRE interrupt
    mov dx, COM1+3
    mov al, 0x80
    out dx, al
    mov dx, COM1
    mov al, 3
    out dx, al
    inc dx
    xor al, al
    out dx, al
    mov dx, COM1+3
    mov al, 0x03
    out dx, al
    mov dx, COM1+2
    mov al, 0x07
    out dx, al
    mov dx, COM1+4
    mov al, 0x0B
    out dx, al
    mov dx, COM1+1
    mov al, 0x02
    out dx, al
    ; the 8042's A20 output off (D1: write output port, CDh = not in reset, A20 off), so that
    ; port 92h bit 1 alone switches A20 (the two are ORed)
    mov al, 0xD1
    out 0x64, al
    mov al, 0xCD
    out 0x60, al
    mov ax, 0xB800
    mov es, ax
    sti
main:
    hlt
    inc word [LOOPS]
    mov ax, [LOOPS]
    xor dx, dx
    mov bx, 2000
    div bx
    mov di, dx
    shl di, 1
    mov al, [RTC_TICKS]
    and al, 0x3F
    add al, 0x20
    mov ah, [TICKS]
    and ah, 0x7F
    or ah, 1
    mov [es:di], ax
    jmp main

irq0:
    push ax
    push es
    inc word [TICKS]
    test word [TICKS], 7
    jnz .eoi
    in al, 0x92
    xor al, 2
    and al, 0xFE            ; never the fast-reset bit
    out 0x92, al
    mov ax, 0xFFFF
    mov es, ax
    mov ax, [TICKS]
    mov [es:0x0610], ax
.eoi:
    mov al, 0x20
    out 0x20, al
    pop es
    pop ax
    iret

irq4:
    push ax
    push dx
    mov dx, COM1+2
    in al, dx               ; IIR: reading it with THRE the source clears THRE
    and al, 0x0F
    cmp al, 0x02
    jne .eoi
    mov dx, COM1
    mov al, [SENT]
    and al, 0x3F
    add al, 0x30
    out dx, al
    mov al, [TICKS]
    and al, 0x0F
    add al, 'a'
    out dx, al
    add word [SENT], 2
.eoi:
    mov al, 0x20
    out 0x20, al
    pop dx
    pop ax
    iret

irq8:
    push ax
    inc word [RTC_TICKS]
    mov al, 0x0C
    out 0x70, al
    in al, 0x71
    mov al, 0x20
    out 0xA0, al
    out 0x20, al
    pop ax
    iret

    times 0xFFF0 - ($ - $$) db 0xF4
    jmp 0xF000:start
    times 0x10000 - ($ - $$) db 0xF4
