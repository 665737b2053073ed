; x86emu unit-test guest (tests/unit/test_device_guests.cpp): the 8259A pair as a program sees
; it (Intel 8259A datasheet 231468: ICWs, OCW1 masking, OCW2 EOI and set-priority, OCW3 IRR/ISR
; reads and the poll command, AEOI). Interrupt sources: the 8254's OUT0 in mode 0 (one rising
; edge at the terminal count, IRQ0) and the RTC's periodic interrupt (IRQ8, through IR2).
; Results at RESULT + :
;   0  master IMR read back after OCW1 A5h        1  slave IMR after 5Ah
;   2  master IRR with IRQ0 requested, IF = 0    3  the poll word (80h: a request, level 0)
;   4  master ISR after the poll (01h)            5  master ISR after a non-specific EOI (00h)
;   6  IRQ0 handler runs while IRQ0 is masked, IF = 1 (0)
;   7  IRQ0 handler runs once unmasked (1)
;   8  master ISR read inside the IRQ0 handler (01h)
;   9  service order, IRQ0 and IRQ8 both pending, fixed priority: 2 bytes (00h, 08h)
;  11  the same after OCW2 set-priority C0h (IR0 lowest): 2 bytes (08h, 00h)
;  13  master ISR inside the IRQ0 handler with ICW4 AEOI (00h)
;  14  slave IRR with IRQ8 requested (01h)
%include "pc_guest.inc"

%define ORDER_PTR 0x500
%define IRQ0_COUNT 0x502
%define AEOI_FLAG 0x504

start:
    mov word [ORDER_PTR], 0x520   ; scratch until the order matters
    mov byte [AEOI_FLAG], 0
    set_vector 0x08, irq0
    set_vector 0x70, irq8
    ; OCW1 read back
    mov al, 0xA5
    out 0x21, al
    mov al, 0x5A
    out 0xA1, al
    in al, 0x21
    mov [RESULT + 0], al
    in al, 0xA1
    mov [RESULT + 1], al
    ; IRQ0 unmasked but IF = 0: a request the CPU does not take
    mov al, 0xFE
    out 0x21, al
    mov al, 0xFF
    out 0xA1, al
    call pit_edge
    mov al, 0x0A            ; OCW3: read IRR
    out 0x20, al
    in al, 0x20
    mov [RESULT + 2], al
    mov al, 0x0C            ; OCW3: poll
    out 0x20, al
    in al, 0x20
    mov [RESULT + 3], al
    mov al, 0x0B            ; OCW3: read ISR
    out 0x20, al
    in al, 0x20
    mov [RESULT + 4], al
    call eoi_master
    in al, 0x20             ; still ISR (OCW3's register selection stays)
    mov [RESULT + 5], al

    ; masking: a pending IRQ0 behind IMR bit 0 waits; unmasked it is taken at once
    mov al, 0xFF
    out 0x21, al
    call pit_edge
    mov byte [IRQ0_COUNT], 0
    sti
    mov cx, 200
.masked:
    loop .masked
    cli
    mov al, [IRQ0_COUNT]
    mov [RESULT + 6], al
    mov al, 0xFE
    out 0x21, al
    sti
    nop
    nop
    cli
    mov al, [IRQ0_COUNT]
    mov [RESULT + 7], al

    ; priority: IRQ0 and IRQ8 both pending, then taken in priority order
    mov word [ORDER_PTR], RESULT + 9
    call both_pending
    ; OCW2 set priority, IR0 lowest: IR1 highest, so the cascade (IR2) comes before IR0
    mov al, 0xC0
    out 0x20, al
    mov word [ORDER_PTR], RESULT + 11
    call both_pending
    mov al, 0xC7            ; back to IR7 lowest
    out 0x20, al

    ; ICW4 with AEOI: the in-service bit is cleared at the acknowledge
    mov al, 0x11
    out 0x20, al
    mov al, 0x08
    out 0x21, al
    mov al, 0x04
    out 0x21, al
    mov al, 0x03            ; 8086 mode, AEOI
    out 0x21, al
    mov al, 0xFE
    out 0x21, al
    mov word [ORDER_PTR], 0x520   ; scratch: the order is not checked here
    mov byte [AEOI_FLAG], 1
    call pit_edge
    sti
    nop
    nop
    cli
    jmp finish

; IRQ0 and IRQ8 requested with IF = 0, then IF = 1 until both handlers ran
both_pending:
    mov al, 0xFF
    out 0x21, al
    call pit_edge
    call rtc_periodic_on
    ; wait for the slave's IRR bit 0 (the RTC's request)
.wait_rtc:
    mov al, 0x0A
    out 0xA0, al
    in al, 0xA0
    test al, 1
    jz .wait_rtc
    mov [RESULT + 14], al
    mov al, 0xFA            ; IRQ0 and the cascade
    out 0x21, al
    mov al, 0xFE            ; IRQ8
    out 0xA1, al
    mov byte [IRQ0_COUNT], 0
    sti
    mov cx, 100
.run:
    loop .run
    cli
    ret

; counter 0 in mode 0 with a count of 100: OUT0 rises 100 CLK pulses later (about 84 us);
; waits for it with the read-back command's status (bit 7 = OUT)
pit_edge:
    mov al, 0x30
    out 0x43, al
    mov al, 100
    out 0x40, al
    xor al, al
    out 0x40, al
.wait:
    mov al, 0xE2            ; read-back: status only, counter 0
    out 0x43, al
    in al, 0x40
    test al, 0x80
    jz .wait
    ret

; the RTC's periodic interrupt at 8192 Hz (rate 3), register C read to start clean
rtc_periodic_on:
    mov al, 0x0A
    out 0x70, al
    mov al, 0x23
    out 0x71, al
    mov al, 0x0B
    out 0x70, al
    mov al, 0x42            ; PIE, 24-hour
    out 0x71, al
    mov al, 0x0C
    out 0x70, al
    in al, 0x71
    ret

irq0:
    push ax
    push bx
    inc byte [IRQ0_COUNT]
    mov bx, [ORDER_PTR]
    mov byte [bx], 0x00
    inc word [ORDER_PTR]
    mov al, 0x0B
    out 0x20, al
    in al, 0x20
    cmp byte [AEOI_FLAG], 0
    jne .aeoi
    mov [RESULT + 8], al
    call eoi_master
    jmp .done
.aeoi:
    mov [RESULT + 13], al   ; no EOI: AEOI already cleared the ISR bit
.done:
    pop bx
    pop ax
    iret

irq8:
    push ax
    push bx
    mov bx, [ORDER_PTR]
    mov byte [bx], 0x08
    inc word [ORDER_PTR]
    mov al, 0x0B            ; PIE off, then register C: the request goes away
    out 0x70, al
    mov al, 0x02
    out 0x71, al
    mov al, 0x0C
    out 0x70, al
    in al, 0x71
    call eoi_slave
    pop bx
    pop ax
    iret

rom_end
