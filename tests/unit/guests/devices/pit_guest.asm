; x86emu unit-test guest (tests/unit/test_device_guests.cpp): the 8254 as a program sees it
; (Intel 8254 datasheet 231164: modes 0, 2 and 3, the counter latch command, the read-back
; command, counter 2 through port 61h). Rates are measured with RDTSC.
; Results at RESULT + :
;   0  dword  TSC cycles for 20 IRQ0 periods, counter 0 in mode 2 with N = 11932
;   4  dword  the same in mode 3 (square wave), N = 11932
;   8  dword  TSC cycles from GATE2 (port 61h bit 0) going high on counter 2, loaded in mode 0
;             with N = 11932, to port 61h bit 5 (OUT2) going high
;  12  word   counter 0 (mode 0, N = FFFFh) latched, then latched again 2000 LOOPs later
;             (ignored: a latched count is held until read), read
;  14  word   latched and read once more afterwards (lower: it counts down)
;  16  byte   read-back status of counter 0 in mode 0 while counting (30h: OUT low, RW = 3)
;  17  byte   the same after the terminal count of N = 100 (B0h: OUT high)
;  18  byte   port 61h before counter 2 started (bit 5 clear)
%include "pc_guest.inc"

%define TICKS 0x500
%define T_FIRST 0x504
%define T_LAST 0x508
%define COUNT 11932

start:
    set_vector 0x08, irq0
    mov al, 0xFE
    out 0x21, al

    mov al, 0x34                ; counter 0, LSB then MSB, mode 2
    call measure_periods
    mov [RESULT + 0], eax
    mov al, 0x36                ; mode 3
    call measure_periods
    mov [RESULT + 4], eax

    ; counter 0 in mode 0 with FFFFh: latch, latch again (ignored), read; latch and read again
    mov al, 0xFF
    out 0x21, al
    mov al, 0x30
    out 0x43, al
    mov al, 0xFF
    out 0x40, al
    out 0x40, al
    mov cx, 50
.a: loop .a
    xor al, al                  ; counter latch command, counter 0
    out 0x43, al
    mov cx, 2000
.b: loop .b
    xor al, al                  ; a second latch before the read: ignored
    out 0x43, al
    in al, 0x40
    mov ah, al
    in al, 0x40
    xchg al, ah
    mov [RESULT + 12], ax
    xor al, al
    out 0x43, al
    in al, 0x40
    mov ah, al
    in al, 0x40
    xchg al, ah
    mov [RESULT + 14], ax
    mov al, 0xE2                ; read-back: status of counter 0
    out 0x43, al
    in al, 0x40
    mov [RESULT + 16], al
    mov al, 0x30
    out 0x43, al
    mov al, 100
    out 0x40, al
    xor al, al
    out 0x40, al
.tc:
    mov al, 0xE2
    out 0x43, al
    in al, 0x40
    test al, 0x80
    jz .tc
    mov [RESULT + 17], al

    ; counter 2, mode 0, started by GATE2 (port 61h bit 0; bit 1, the speaker, stays off)
    in al, 0x61
    and al, 0xFC
    out 0x61, al
    mov [RESULT + 18], al
    mov al, 0xB0                ; counter 2, LSB then MSB, mode 0
    out 0x43, al
    mov al, COUNT & 0xFF
    out 0x42, al
    mov al, COUNT >> 8
    out 0x42, al
    rdtsc
    mov ebx, eax
    in al, 0x61
    or al, 1
    out 0x61, al
.out2:
    in al, 0x61
    test al, 0x20
    jz .out2
    rdtsc
    sub eax, ebx
    mov [RESULT + 8], eax
    jmp finish

; AL = control word for counter 0; returns in EAX the TSC cycles of 20 IRQ0 periods (from the
; first IRQ0 to the 21st)
measure_periods:
    out 0x43, al
    mov al, COUNT & 0xFF
    out 0x40, al
    mov al, COUNT >> 8
    out 0x40, al
    mov word [TICKS], 0
    sti
.wait:
    hlt
    cmp word [TICKS], 21
    jb .wait
    cli
    mov eax, [T_LAST]
    sub eax, [T_FIRST]
    ret

irq0:
    push eax
    push edx
    inc word [TICKS]
    cmp word [TICKS], 1
    jne .not_first
    tsc_to T_FIRST
.not_first:
    cmp word [TICKS], 21
    jne .eoi
    tsc_to T_LAST
.eoi:
    call eoi_master
    pop edx
    pop eax
    iret

rom_end
