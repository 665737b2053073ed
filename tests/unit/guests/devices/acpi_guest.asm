; x86emu unit-test guest (tests/unit/test_device_guests.cpp): the ACPI PM timer (ACPI 1.0b
; 4.7.3.3: 3.579545 MHz, 24 bits at PM_TMR_BLK 608h) against RDTSC, port 80h read back, the
; reset control register CF9h (PIIX3: bit 2 resets, bit 1 selects hard), and finally S5 through
; PM1a_CNT (604h: SLP_TYP = 5 from the DSDT's \_S5, SLP_EN bit 13).
; The guest runs three times: the first boot resets softly (CF9h 04h), the second hard (06h);
; RAM keeps its contents, so BOOTS counts them.
; Results at RESULT + :
;   0  dword  PM timer ticks over the measurement      4  dword  TSC cycles over it
;   8  byte   port 80h read back after writing 42h      9  byte   boots seen (3)
;  10  byte   CF9h read back before the first reset (bits 1 and 3 as written, bit 2 reads 0: 0Ah)
%include "pc_guest.inc"

%define BOOTS 0x500

start:
    inc byte [BOOTS]
    mov al, [BOOTS]
    mov [RESULT + 9], al
    cmp al, 1
    je first_boot
    cmp al, 2
    je .hard
    jmp power_off
.hard:
    mov dx, 0xCF9
    mov al, 0x06
    out dx, al
    jmp $                       ; the reset happens at the next instruction boundary

first_boot:
    mov al, 0x42
    out 0x80, al
    in al, 0x80
    mov [RESULT + 8], al
    ; PM timer against the TSC over about 20 ms (a 24-bit counter: no wrap in 4.6 s)
    mov dx, 0x608
    in eax, dx
    and eax, 0xFFFFFF
    mov esi, eax
    rdtsc
    mov edi, eax
.busy:
    mov dx, 0x608
    in eax, dx
    and eax, 0xFFFFFF
    sub eax, esi
    and eax, 0xFFFFFF
    cmp eax, 71591              ; 20 ms of PM timer ticks
    jb .busy
    mov [RESULT + 0], eax
    rdtsc
    sub eax, edi
    mov [RESULT + 4], eax
    mov dx, 0xCF9
    mov al, 0x0A
    out dx, al
    in al, dx
    mov [RESULT + 10], al
    mov al, 0x04                ; soft reset
    out dx, al
    jmp $

power_off:
    mov dx, 0x604
    mov ax, (5 << 10)           ; SLP_TYP first, then with SLP_EN, as Linux does
    out dx, ax
    or ax, 0x2000
    out dx, ax
    jmp finish                  ; not reached: S5 ends the run

rom_end
