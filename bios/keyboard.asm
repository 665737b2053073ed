; IRQ1 (INT 09h): set-1 scan codes (the 8042 translates) into the BDA's key buffer; INT 16h.
int09_keyboard:
        pusha
        push    ds
        mov     ax, BDA_SEG
        mov     ds, ax
        in      al, 60h
        mov     ah, 4Fh                 ; keyboard intercept: CF=1 keeps the key
        stc
        int     15h
        jnc     .eoi
        cmp     al, 0E0h
        jne     .notpfx
        or      byte [BDA_KBFLAG3], 02h
        jmp     .eoi
.notpfx:
        mov     bl, [BDA_KBFLAG3]
        and     byte [BDA_KBFLAG3], 0FDh
        mov     ah, al
        and     ah, 7Fh                 ; AH = make code
        ; shift keys: 2Ah left, 36h right (bits 1, 0), 1Dh ctrl (bit 2), 38h alt (bit 3)
        mov     cl, 02h
        cmp     ah, 2Ah
        je      .shift
        mov     cl, 01h
        cmp     ah, 36h
        je      .shift
        mov     cl, 04h
        cmp     ah, 1Dh
        je      .shift
        mov     cl, 08h
        cmp     ah, 38h
        je      .shift
        test    al, 80h                 ; other releases: nothing
        jnz     .eoi
        cmp     ah, 3Ah                 ; caps lock toggles
        jne     .key
        xor     byte [BDA_KBFLAG], 40h
        jmp     .eoi
.shift: test    al, 80h
        jz      .press
        not     cl
        and     [BDA_KBFLAG], cl
        jmp     .eoi
.press: or      [BDA_KBFLAG], cl
        jmp     .eoi
.key:   cmp     ah, 59h
        jae     .eoi
        movzx   si, ah
        test    bl, 02h                 ; E0-prefixed (cursor block): ASCII E0h
        jz      .plain
        mov     al, 0E0h
        cmp     ah, 35h                 ; keypad / and Enter: scan E0h, their ASCII (RBIL
        jne     .e1c                    ; INT 16h key table; 00h/01h give back 35h/1Ch)
        mov     ax, 0E02Fh
        jmp     .put
.e1c:   cmp     ah, 1Ch
        jne     .store
        mov     ax, 0E00Dh
        jmp     .put
.plain: mov     al, [cs:scan_plain+si]
        test    byte [BDA_KBFLAG], 08h
        jnz     .alt
        test    byte [BDA_KBFLAG], 04h
        jnz     .ctrl
        test    byte [BDA_KBFLAG], 03h
        jz      .caps
        mov     al, [cs:scan_shift+si]
        cmp     ah, 3Bh                 ; shifted F1-F10: 54h-5Dh
        jb      .shcaps
        cmp     ah, 44h
        ja      .shcaps
        add     ah, 19h
.shcaps:
        test    byte [BDA_KBFLAG], 40h  ; caps lock undoes shift on letters
        jz      .store
        cmp     al, 'A'
        jb      .store
        cmp     al, 'Z'
        ja      .store
        add     al, 20h
        jmp     .store
.caps:  test    byte [BDA_KBFLAG], 40h
        jz      .store
        cmp     al, 'a'
        jb      .store
        cmp     al, 'z'
        ja      .store
        sub     al, 20h
        jmp     .store
.ctrl:  cmp     al, 'a'
        jb      .store
        cmp     al, 'z'
        ja      .store
        sub     al, 60h
        jmp     .store
.alt:   xor     al, al
.store: cmp     ah, 57h                 ; F11, F12: 85h, 86h
        jb      .put
        add     ah, 85h - 57h
.put:   mov     cx, ax
        call    kb_put
.eoi:   cli
        mov     al, 20h
        out     20h, al
        pop     ds
        popa
        iret

; CX = scan/ASCII into the buffer; CF=1 if full. DS = BDA.
kb_put:
        push    bx
        push    si
        mov     bx, [BDA_KBTAIL]
        mov     si, bx
        add     si, 2
        cmp     si, [BDA_KBEND]
        jb      .w
        mov     si, [BDA_KBSTART]
.w:     cmp     si, [BDA_KBHEAD]
        je      .full
        mov     [bx], cx
        mov     [BDA_KBTAIL], si
        clc
        jmp     .out
.full:  stc
.out:   pop     si
        pop     bx
        ret

; BX = the buffer head -> the head moved past that key. DS = BDA.
kb_pop:
        add     bx, 2
        cmp     bx, [BDA_KBEND]
        jb      .h
        mov     bx, [BDA_KBSTART]
.h:     mov     [BDA_KBHEAD], bx
        ret

; AX = a buffered key in the form the extended functions (10h/11h) return -> the form of the
; standard functions 00h/01h (RBIL INT 16h 00h and its key table): AL = E0h of the cursor block
; becomes 00h, scan E0h (keypad Enter, /) becomes 1Ch/35h; CF=1 for the keys they discard
; (scan codes above 84h: F11, F12).
kb_standard:
        cmp     ah, 0E0h
        jne     .n
        mov     ah, 35h
        cmp     al, '/'
        je      .ok
        mov     ah, 1Ch
        jmp     .ok
.n:     cmp     ah, 84h
        ja      .drop
        cmp     al, 0E0h
        jne     .ok
        test    ah, ah
        jz      .ok
        xor     al, al
.ok:    clc
        ret
.drop:  stc
        ret

int16:
        sti
        push    ds
        push    bx
        mov     bx, BDA_SEG
        mov     ds, bx
        cmp     ah, 00h
        je      .read
        cmp     ah, 10h
        je      .read
        cmp     ah, 01h
        je      .peek
        cmp     ah, 11h
        je      .peek
        cmp     ah, 02h
        je      .flags
        cmp     ah, 12h
        je      .flags12
        cmp     ah, 05h
        je      .store
        cmp     ah, 03h
        je      .out
.out:   pop     bx
        pop     ds
        iret
.read:  push    cx
        mov     cl, ah                  ; 00h standard, 10h extended
.wait:  cli
        mov     bx, [BDA_KBHEAD]
        cmp     bx, [BDA_KBTAIL]
        jne     .got
        sti
        hlt
        jmp     .wait
.got:   mov     ax, [bx]
        call    kb_pop
        sti
        cmp     cl, 10h
        je      .rdone
        call    kb_standard
        jc      .wait                   ; 00h skips the keys only 10h returns
.rdone: pop     cx
        jmp     .out
.peek:  push    cx
        mov     cl, ah                  ; 01h standard, 11h extended
.pl:    cli
        mov     bx, [BDA_KBHEAD]
        cmp     bx, [BDA_KBTAIL]
        je      .pempty
        mov     ax, [bx]
        cmp     cl, 11h
        je      .avail
        call    kb_standard
        jnc     .avail
        call    kb_pop                  ; 01h drops them too
        sti
        jmp     .pl
.pempty:
        sti
        pop     cx
        jmp     .empty
.avail: sti
        pop     cx
        pop     bx
        pop     ds
        push    bp
        mov     bp, sp
        and     byte [bp+6], 0BFh       ; ZF=0
        pop     bp
        iret
.empty: pop     bx
        pop     ds
        push    bp
        mov     bp, sp
        or      byte [bp+6], 40h        ; ZF=1
        pop     bp
        iret
.flags: mov     al, [BDA_KBFLAG]
        jmp     .out
.flags12:
        mov     al, [BDA_KBFLAG]
        mov     ah, [BDA_KBFLAG1]
        jmp     .out
.store: push    cx
        call    kb_put
        pop     cx
        mov     al, 0
        jnc     .out
        mov     al, 1
        jmp     .out
