; A test option ROM for test_bios.cpp: the BIOS finds it at C8000h during POST (55AAh, checksum)
; and far-calls offset 3. It calls BIOS services and leaves their results at 0000:0600h onwards
; for the test to read; progress also goes to the debug port E9h.
;   0600h: E820 entries (20 bytes each), 05FEh: their count
;   0580h: INT 12h AX, 0582h: INT 11h AX, 0584h: INT 15h 88h AX, 0586h/0588h: E801 AX/BX
;   0590h: 4F00h AX, 0592h: 4F01h AX, 0594h: PhysBasePtr, 0598h: 4F02h AX, 059Ah: 4F03h BX
;   0700h: text rows 0-2 (before the VBE mode set)
;   05A6h: INT 15h 87h CF, 05A7h: its AH (moved 1800h -> 200000h, 8 bytes)
;   05A0h: 10h AH=0Fh AX, 05A2h: 03h DX after the teletype, 05A4h: INT 16h 01h ZF (1 = empty)
;   graphics-mode characters: 2000h mode 13h cell row 0 (8 lines x 320 bytes) after teletype
;   'A' (colour 0Eh); 2A00h the same row after 09h "ZZ" (colour 0Ch) at row 1 and 06h scroll up 1;
;   4000h mode 13h cell row 2 after 13h "Q" (colour 09h) at column 3; 4A00h/5400h rows 23/24
;   after teletype 'W' (colour 0Bh) in the last cell (wraps and scrolls), 05B4h the cursor then;
;   05B0h/05B2h: 03h DX after each teletype ('A' in 13h, 'A' in 12h); 3800h mode 12h planes
;   0-3 (16 bytes each: column 0, lines 0-15) after teletype 'A' (colour 0Ch); 3840h the same
;   after 09h 'Z' (colour 0Ah) at row 1 and 06h scroll up 1; 3880h cell 1 (09h 'A' colour 8Ch
;   over a teletype 'A' colour 0Ch: XOR, all clear)
        bits    16
        org     0
        db      55h, 0AAh, 16           ; 8 KiB
        jmp     init
init:
        pushad
        push    ds
        push    es
        xor     ax, ax
        mov     ds, ax
        mov     es, ax
        ; E820
        xor     ebx, ebx
        mov     di, 0600h
        xor     bp, bp
.e820:  mov     eax, 0E820h
        mov     edx, 534D4150h
        mov     ecx, 20
        int     15h
        jc      .e820done
        cmp     eax, 534D4150h
        jne     .e820done
        add     di, 20
        inc     bp
        test    ebx, ebx
        jnz     .e820
.e820done:
        mov     [05FEh], bp
        int     12h
        mov     [0580h], ax
        int     11h
        mov     [0582h], ax
        mov     ah, 88h
        int     15h
        mov     [0584h], ax
        mov     ax, 0E801h
        int     15h
        mov     [0586h], ax
        mov     [0588h], bx
        ; teletype: "OK" at the cursor, then CR LF
        mov     ax, 0E4Fh
        mov     bx, 0007h
        int     10h
        mov     ax, 0E4Bh
        int     10h
        mov     ah, 03h
        mov     bh, 0
        int     10h
        mov     [05A2h], dx
        mov     ah, 0Fh
        int     10h
        mov     [05A0h], ax
        mov     ah, 01h
        int     16h
        setz    al
        mov     [05A4h], al
        ; the first three text rows (char, attribute) to 0700h
        push    ds
        mov     ax, 0B800h
        mov     ds, ax
        xor     si, si
        mov     di, 0700h
        mov     cx, 80 * 3
        rep     movsw
        pop     ds
        ; mode 13h: teletype, 09h, scroll
        mov     ax, 0013h
        int     10h
        mov     ax, 0E41h
        mov     bx, 000Eh
        int     10h
        mov     ah, 03h
        mov     bh, 0
        int     10h
        mov     [05B0h], dx
        mov     di, 2000h
        xor     si, si
        call    copy13
        mov     ah, 02h
        mov     bh, 0
        mov     dx, 0100h
        int     10h
        mov     ax, 095Ah
        mov     bx, 000Ch
        mov     cx, 2
        int     10h
        mov     ax, 0601h
        xor     bh, bh
        xor     cx, cx
        mov     dx, 1827h
        int     10h
        mov     di, 2A00h
        xor     si, si
        call    copy13
        mov     ax, 1300h               ; string "Q" at row 2, column 3, colour 09h
        mov     bx, 0009h
        mov     cx, 1
        mov     dx, 0203h
        push    cs
        pop     es
        mov     bp, str_q
        int     10h
        push    ds
        pop     es
        mov     di, 4000h
        mov     si, 2 * 8 * 320
        call    copy13
        mov     ah, 02h                 ; teletype 'W' in the last cell: wrap, scroll
        mov     bh, 0
        mov     dx, 1827h
        int     10h
        mov     ax, 0E57h
        mov     bx, 000Bh
        int     10h
        mov     ah, 03h
        mov     bh, 0
        int     10h
        mov     [05B4h], dx
        mov     di, 4A00h
        mov     si, 23 * 8 * 320
        call    copy13
        mov     di, 5400h
        mov     si, 24 * 8 * 320
        call    copy13
        ; mode 12h: teletype, scroll, XOR
        mov     ax, 0012h
        int     10h
        mov     ax, 0E41h
        mov     bx, 000Ch
        int     10h
        mov     ah, 03h
        mov     bh, 0
        int     10h
        mov     [05B2h], dx
        mov     di, 3800h
        xor     si, si
        call    copy12
        mov     ax, 0E41h               ; cell 1: teletype 'A', then 09h 'A' XOR over it
        mov     bx, 000Ch
        int     10h
        mov     ah, 02h
        mov     bh, 0
        mov     dx, 0001h
        int     10h
        mov     ax, 0941h
        mov     bx, 008Ch
        mov     cx, 1
        int     10h
        mov     di, 3880h
        mov     si, 1
        call    copy12
        mov     ah, 02h
        mov     bh, 0
        mov     dx, 0100h
        int     10h
        mov     ax, 095Ah
        mov     bx, 000Ah
        mov     cx, 1
        int     10h
        mov     ax, 0601h
        xor     bh, bh
        xor     cx, cx
        mov     dx, 1D4Fh
        int     10h
        mov     di, 3840h
        xor     si, si
        call    copy12
        ; VBE: controller info, mode 142h info, set 142h with the LFB, get mode
        mov     di, 1000h
        mov     dword [di], 'VBE2'
        mov     ax, 4F00h
        int     10h
        mov     [0590h], ax
        mov     di, 1400h
        mov     ax, 4F01h
        mov     cx, 142h
        int     10h
        mov     [0592h], ax
        mov     eax, [1400h + 28h]
        mov     [0594h], eax
        mov     ax, 4F02h
        mov     bx, 4142h
        int     10h
        mov     [0598h], ax
        mov     ax, 4F03h
        int     10h
        mov     [059Ah], bx
        ; INT 15h 87h: 4 words from 1800h to 200000h
        mov     dword [1800h], 'MOVE'
        mov     dword [1804h], 'DONE'
        mov     di, 1900h
        xor     ax, ax
        mov     cx, 24
        rep     stosw
        mov     word [1900h + 10h], 0FFFFh
        mov     dword [1900h + 12h], 93001800h
        mov     word [1900h + 18h], 0FFFFh
        mov     dword [1900h + 1Ah], 93200000h
        mov     si, 1900h
        mov     cx, 4
        mov     ah, 87h
        int     15h
        setc    al
        mov     [05A6h], al
        mov     [05A7h], ah
        mov     al, 'R'
        out     0E9h, al
        pop     es
        pop     ds
        popad
        retf

copy13: ; mode 13h's 8 pixel lines from A000:SI -> 0000:DI
        push    ds
        mov     ax, 0A000h
        mov     ds, ax
        mov     cx, 8 * 320
        rep     movsb
        pop     ds
        ret
str_q:  db      'Q'
copy12: ; mode 12h's 16 lines of byte column SI, planes 0-3 (read map select) -> 0000:DI
        push    ds
        mov     ax, 0A000h
        mov     ds, ax
        xor     bl, bl
.p:     mov     dx, 3CEh
        mov     al, 04h
        mov     ah, bl
        out     dx, ax
        push    si
        mov     cx, 16
.l:     mov     al, [si]
        stosb
        add     si, 80
        loop    .l
        pop     si
        inc     bl
        cmp     bl, 4
        jb      .p
        pop     ds
        ret
        times   8192 - 1 - ($ - $$) db 0
        db      0                       ; checksum, patched by the test
