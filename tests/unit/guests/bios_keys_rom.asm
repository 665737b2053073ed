; A test option ROM for test_bios.cpp's keyboard case: POST finds it at C8000h and far-calls
; offset 3. It writes 'K' to the debug port E9h (the test then pushes host key events), waits
; (HLT) until IRQ 1 has put 10 keys into the BIOS data area's buffer (tail - head = 20 bytes), then
; reads them through INT 16h with the functions of the table below (00h/10h reads, 01h/11h peeks) and
; stores each returned AX at 0000:0500h onwards (peeks: AX, or 0FFFFh if ZF said empty), then
; writes 'D' and halts with interrupts off.
        bits    16
        org     0
        db      55h, 0AAh, 4            ; 2 KiB
        jmp     init
init:
        xor     ax, ax
        mov     es, ax
        mov     al, 'K'
        out     0E9h, al
        sti
.w:     hlt
        mov     ax, [es:041Ch]
        sub     ax, [es:041Ah]
        cmp     ax, 20
        jne     .w
        mov     si, functions
        mov     di, 0500h
.l:     mov     ah, [cs:si]
        cmp     ah, 0FFh
        je      .done
        inc     si
        mov     bl, ah
        int     16h
        jnz     .st
        test    bl, 01h                 ; ZF=1 from a peek (01h/11h): empty
        jz      .st
        mov     ax, 0FFFFh
.st:    stosw
        jmp     .l
.done:  mov     al, 'D'
        out     0E9h, al
        cli
        hlt
functions:
        db      00h, 00h, 01h, 00h, 11h, 10h, 00h, 10h, 00h, 00h, 10h, 01h
        db      0FFh
        times   2048 - 1 - ($ - $$) db 0
        db      0                       ; checksum, patched by the test
