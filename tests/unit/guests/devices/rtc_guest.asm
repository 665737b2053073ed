; x86emu unit-test guest (tests/unit/test_device_guests.cpp): the MC146818 RTC as a program sees
; it (Motorola MC146818A data sheet: registers A-D, the periodic, update-ended and alarm
; interrupts on IRQ8, the user RAM), with rates measured by RDTSC.
; Results at RESULT + :
;   0  byte   NVRAM bytes 0Eh-7Fh that did not read back what was written (0)
;   1  byte   register D (80h: VRT, the battery is good)
;   4  dword  TSC cycles for 64 periodic interrupts at rate 6 (1024 Hz: 62.5 ms)
;   8  dword  TSC cycles between two update-ended interrupts (1 s)
;  12  byte   the seconds register read in the alarm interrupt
;  13  byte   the seconds alarm that was set (BCD: seconds at the second update-ended + 2)
;  14  byte   register C read in the alarm interrupt (IRQF and AF set)
;  15  byte   register C read in a periodic interrupt (IRQF and PF set)
%include "pc_guest.inc"

%define PHASE 0x500
%define COUNT 0x502
%define T_FIRST 0x504
%define T_LAST 0x508

%macro cmos_write 2             ; register, value (AL)
    mov al, %1
    out 0x70, al
    mov al, %2
    out 0x71, al
%endmacro
%macro cmos_read 1              ; register -> AL
    mov al, %1
    out 0x70, al
    in al, 0x71
%endmacro

start:
    set_vector 0x70, irq8
    ; user RAM: write a pattern to 0Eh-7Fh, read it back
    mov bl, 0x0E
.fill:
    mov al, bl
    out 0x70, al
    mov al, bl
    xor al, 0xA5
    out 0x71, al
    inc bl
    cmp bl, 0x80
    jb .fill
    mov bl, 0x0E
    xor bh, bh
.check:
    mov al, bl
    out 0x70, al
    in al, 0x71
    xor al, 0xA5
    cmp al, bl
    je .same
    inc bh
.same:
    inc bl
    cmp bl, 0x80
    jb .check
    mov [RESULT + 0], bh
    cmos_read 0x0D
    mov [RESULT + 1], al

    mov al, 0xFB                ; the cascade
    out 0x21, al
    mov al, 0xFE                ; IRQ8
    out 0xA1, al

    ; periodic interrupt: 32.768 kHz time base, rate 6 = 1024 Hz
    mov byte [PHASE], 1
    mov word [COUNT], 0
    cmos_write 0x0A, 0x26
    cmos_write 0x0B, 0x42       ; PIE, 24-hour, BCD
    cmos_read 0x0C
    sti
.periodic:
    hlt
    cmp word [COUNT], 65
    jb .periodic
    cli
    mov eax, [T_LAST]
    sub eax, [T_FIRST]
    mov [RESULT + 4], eax

    ; update-ended interrupt: once a second
    mov byte [PHASE], 2
    mov word [COUNT], 0
    cmos_write 0x0B, 0x12       ; UIE, 24-hour
    cmos_read 0x0C
    sti
.update:
    hlt
    cmp word [COUNT], 2
    jb .update
    cli
    mov eax, [T_LAST]
    sub eax, [T_FIRST]
    mov [RESULT + 8], eax

    ; alarm: seconds now + 2 (BCD), minutes and hours "don't care" (C0h-FFh)
    cmos_read 0x00
    add al, 2
    daa
    cmp al, 0x60
    jb .in_range
    sub al, 0x60
.in_range:
    mov [RESULT + 13], al
    mov ah, al
    mov al, 0x01
    out 0x70, al
    mov al, ah
    out 0x71, al
    cmos_write 0x03, 0xFF
    cmos_write 0x05, 0xFF
    mov byte [PHASE], 3
    mov word [COUNT], 0
    cmos_write 0x0B, 0x22       ; AIE, 24-hour
    cmos_read 0x0C
    sti
.alarm:
    hlt
    cmp word [COUNT], 1
    jb .alarm
    cli
    cmos_write 0x0B, 0x02       ; every interrupt off
    jmp finish

irq8:
    push eax
    push edx
    cmos_read 0x0C              ; the flags; reading clears them and the request
    mov dl, al
    cmp byte [PHASE], 3
    je .alarm
    cmp byte [PHASE], 1
    jne .count
    mov [RESULT + 15], dl
.count:
    inc word [COUNT]
    cmp word [COUNT], 1
    jne .not_first
    tsc_to T_FIRST
    jmp .eoi
.not_first:
    tsc_to T_LAST
    jmp .eoi
.alarm:
    mov [RESULT + 14], dl
    cmos_read 0x00
    mov [RESULT + 12], al
    inc word [COUNT]
.eoi:
    call eoi_slave
    pop edx
    pop eax
    iret

rom_end
