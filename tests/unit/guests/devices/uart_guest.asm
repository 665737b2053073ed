; x86emu unit-test guest (tests/unit/test_device_guests.cpp): COM1's 16550A as a program sees it
; (PC16550D datasheet: the scratch register, loopback, the FIFOs and IIR's FIFO bits, the THRE
; interrupt on IRQ4 gated by MCR.OUT2, the character time), timed by RDTSC.
; Results at RESULT + :
;   0  scratch register read back (5Ah)
;   1  loopback: bytes of 8 that did not come back (0)
;   2  IIR with the FIFOs on and nothing pending (C1h)
;   3  loopback with FIFOs: bytes received of 16 written back to back (16)
;   4  of those, bytes that differ from what was sent (0)
;   5  IIR read in the THRE interrupt, low nibble (02h)
;   6  THRE interrupts taken (4; each sends one 'T' to the host)
;   8  dword  TSC cycles from writing one byte at 9600 baud 8N1 to LSR.TEMT (10 bits: 1.0417 ms)
%include "pc_guest.inc"

%define COM1 0x3F8
%define THRE_COUNT 0x500

%macro outp 2                   ; port offset, value
    mov dx, COM1 + %1
    mov al, %2
    out dx, al
%endmacro
%macro inp 1                    ; port offset -> AL
    mov dx, COM1 + %1
    in al, dx
%endmacro

start:
    set_vector 0x0C, irq4
    outp 7, 0x5A
    inp 7
    mov [RESULT + 0], al
    outp 3, 0x80                ; DLAB: divisor 1 (115200 baud)
    outp 0, 1
    outp 1, 0
    outp 3, 0x03                ; 8N1
    outp 2, 0x00                ; FIFOs off
    outp 4, 0x10                ; loopback
    ; loopback without FIFOs: one byte at a time
    xor bx, bx
    mov cl, 0x30
.loop1:
    mov dx, COM1
    mov al, cl
    out dx, al
.wait_dr:
    inp 5
    test al, 0x01
    jz .wait_dr
    inp 0
    cmp al, cl
    je .same1
    inc bl
.same1:
    inc cl
    cmp cl, 0x38
    jb .loop1
    mov [RESULT + 1], bl
    ; FIFOs on: 16 bytes written at once come back in the receiver FIFO
    outp 2, 0x07                ; enable, clear both
    inp 2
    mov [RESULT + 2], al
    mov cl, 0x40
.fill:
    mov dx, COM1
    mov al, cl
    out dx, al
    inc cl
    cmp cl, 0x50
    jb .fill
.wait_temt:
    inp 5
    test al, 0x40
    jz .wait_temt
    xor bx, bx                  ; BL received, BH mismatches
    mov cl, 0x40
.drain:
    inp 5
    test al, 0x01
    jz .drained
    inp 0
    inc bl
    cmp al, cl
    je .same2
    inc bh
.same2:
    inc cl
    jmp .drain
.drained:
    mov [RESULT + 3], bl
    mov [RESULT + 4], bh
    ; the character time at 9600 baud (divisor 12), FIFOs off, still in loopback
    outp 2, 0x00
    outp 3, 0x80
    outp 0, 12
    outp 3, 0x03
    rdtsc
    mov ebx, eax
    outp 0, 0x55
.wait_char:
    inp 5
    test al, 0x40
    jz .wait_char
    rdtsc
    sub eax, ebx
    mov [RESULT + 8], eax
    inp 0                       ; take the looped-back byte
    ; THRE interrupts to the host: loopback off, OUT2 on, divisor 1, IER.ETBEI
    outp 3, 0x80
    outp 0, 1
    outp 3, 0x03
    outp 4, 0x08
    mov byte [THRE_COUNT], 0
    mov al, 0xEF                ; IRQ4
    out 0x21, al
    sti
    outp 1, 0x02
.wait_irqs:
    cmp byte [THRE_COUNT], 4
    jb .wait_irqs
    cli
.wait_sent:
    inp 5
    test al, 0x40
    jz .wait_sent
    mov al, [THRE_COUNT]
    mov [RESULT + 6], al
    jmp finish

irq4:
    push ax
    push dx
    inp 2                       ; IIR: reading it with THRE the source clears THRE
    and al, 0x0F
    mov [RESULT + 5], al
    inc byte [THRE_COUNT]
    cmp byte [THRE_COUNT], 4
    jb .send
    outp 1, 0x00                ; enough: IER off
.send:
    outp 0, 'T'
    call eoi_master
    pop dx
    pop ax
    iret

rom_end
