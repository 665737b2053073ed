; INT 10h: the video services on the platform's VGA (docs/devices/vga.md), after the IBM VGA
; BIOS interface (PC/AT technical reference, Ralf Brown's interrupt list). Text functions work
; on the text modes, the character functions also on modes 12h and 13h. VBE: vbe.asm.

; Mode descriptors (ROM), 16 bytes each
%define MD_MODE     0
%define MD_TYPE     1           ; 0 text, 1 16-colour planar, 2 256-colour
%define MD_REGS     2
%define MD_COLS     4
%define MD_ROWS     6
%define MD_CHARH    7
%define MD_PAGE     8
%define MD_SEG      10
%define MD_CRTMODE  12
%define MD_SIZE     16

int10:
        sti
        cld
        push    ds
        push    bp
        mov     bp, BDA_SEG
        mov     ds, bp
        cmp     ah, 4Fh
        je      vbe_dispatch
        cmp     ah, 00h
        je      v_setmode
        cmp     ah, 01h
        je      v_cursor_shape
        cmp     ah, 02h
        je      v_set_cursor
        cmp     ah, 03h
        je      v_get_cursor
        cmp     ah, 05h
        je      v_select_page
        cmp     ah, 06h
        je      v_scroll_up
        cmp     ah, 07h
        je      v_scroll_down
        cmp     ah, 08h
        je      v_read_char
        cmp     ah, 09h
        je      v_write_char_attr
        cmp     ah, 0Ah
        je      v_write_char
        cmp     ah, 0Eh
        je      v_teletype
        cmp     ah, 0Fh
        je      v_get_mode
        cmp     ah, 10h
        je      v_palette
        cmp     ah, 11h
        je      v_font
        cmp     ah, 12h
        je      v_alt_select
        cmp     ah, 13h
        je      v_write_string
        cmp     ah, 1Ah
        je      v_dcc
v_done:
        pop     bp
        pop     ds
        iret

; SI = the current mode's descriptor (CF=1 and SI = mode 03h's if the BDA names no known mode)
cur_mode_desc:
        push    ax
        mov     al, [BDA_VMODE]
        call    find_mode
        pop     ax
        ret
; AL = mode -> SI = descriptor, CF=1 if unknown (then SI = mode 03h's)
find_mode:
        mov     si, mode_table
.l:     cmp     byte [cs:si], 0FFh
        je      .none
        cmp     [cs:si+MD_MODE], al
        je      .found
        add     si, MD_SIZE
        jmp     .l
.none:  mov     si, mode_table
        stc
        ret
.found: clc
        ret

; ---- AH=00h: set mode AL (bit 7: keep video memory) ---------------------------------------
v_setmode:
        pushad
        push    es
        mov     ah, al
        and     al, 7Fh
        call    find_mode
        jc      .out
        ; DISPI off: a VGA mode replaces a VBE mode
        push    ax
        mov     dx, 1CEh
        mov     ax, 4
        out     dx, ax
        inc     dx
        xor     ax, ax
        out     dx, ax
        pop     ax
        call    load_mode_registers
        call    load_default_dac
        test    ah, 80h
        jnz     .noclear
        call    clear_video_memory
.noclear:
        ; the BIOS data area's video fields
        mov     [BDA_VMODE], al
        mov     bx, [cs:si+MD_COLS]
        mov     [BDA_VCOLS], bx
        mov     bx, [cs:si+MD_PAGE]
        mov     [BDA_VPAGESIZE], bx
        mov     word [BDA_VPAGESTART], 0
        push    ds
        pop     es
        mov     di, BDA_CURPOS
        mov     cx, 8
        xor     bx, bx
        xchg    ax, bx
        rep     stosw
        xchg    ax, bx
        mov     byte [BDA_VPAGE], 0
        mov     word [BDA_CRTC], 3D4h
        mov     bl, [cs:si+MD_CRTMODE]
        mov     [BDA_CRTMODE], bl
        mov     byte [BDA_CRTPAL], 30h
        mov     bl, [cs:si+MD_ROWS]
        dec     bl
        mov     [BDA_VROWS], bl
        movzx   bx, byte [cs:si+MD_CHARH]
        mov     [BDA_VCHARH], bx
        mov     bl, ah
        and     bl, 80h
        or      bl, 60h
        mov     [BDA_VEGAINFO], bl
        mov     byte [BDA_VSWITCHES], 09h
        mov     byte [BDA_VGAFLAGS], 51h
        mov     byte [BDA_VDCC], 0Bh
        push    ax
        mov     ax, EBDA_SEG
        mov     es, ax
        pop     ax
        movzx   bx, al
        mov     [es:EBDA_VBEMODE], bx
        xor     bx, bx
        mov     es, bx
        cmp     byte [cs:si+MD_TYPE], 0
        jne     .graphics
        mov     word [BDA_CURTYPE], 0D0Eh
        push    cs
        pop     es
        mov     bp, font8x16
        mov     cx, 256
        xor     dx, dx
        mov     bx, 1000h               ; block 0, 16 bytes per character
        call    load_font
        xor     bx, bx
        mov     es, bx
        mov     word [es:43h*4], font8x8
        jmp     .fontdone
.graphics:
        mov     word [BDA_CURTYPE], 0
        mov     bx, font8x8
        cmp     byte [cs:si+MD_CHARH], 8
        je      .g8
        mov     bx, font8x16
.g8:    mov     [es:43h*4], bx
.fontdone:
        mov     word [es:43h*4+2], BIOS_SEG
.out:   pop     es
        popad
        jmp     v_done

; Programs the VGA from the register table of descriptor SI (misc, sequencer, CRTC, graphics,
; attribute: the layout of vga_mode_tables.inc).
load_mode_registers:
        pushad
        mov     bx, [cs:si+MD_REGS]
        mov     dx, 3C4h                ; sequencer synchronous reset while the clock changes
        mov     ax, 0100h
        out     dx, ax
        mov     dx, 3C2h
        mov     al, [cs:bx]
        out     dx, al
        inc     bx
        mov     dx, 3C4h
        mov     cx, 5
        xor     ah, ah
.seq:   mov     al, ah
        out     dx, al
        inc     dx
        mov     al, [cs:bx]
        cmp     ah, 0
        jne     .seqw
        mov     al, 01h                 ; keep the reset until the end
.seqw:  out     dx, al
        dec     dx
        inc     bx
        inc     ah
        loop    .seq
        mov     dx, 3D4h                ; CRTC: write-protect off first
        mov     ax, 0011h
        out     dx, ax
        mov     cx, 25
        call    out_indexed_block
        mov     dx, 3CEh                ; graphics controller
        mov     cx, 9
        call    out_indexed_block
        mov     dx, 3DAh
        in      al, dx                  ; attribute flip-flop to index
        mov     dx, 3C0h
        mov     cx, 21
        xor     ah, ah
.attr:  mov     al, ah
        out     dx, al
        mov     al, [cs:bx]
        out     dx, al
        inc     bx
        inc     ah
        loop    .attr
        mov     al, 20h                 ; palette address source: the display
        out     dx, al
        mov     dx, 3C4h                ; sequencer out of reset
        mov     ax, 0300h
        out     dx, ax
        mov     dx, 3C6h
        mov     al, 0FFh
        out     dx, al
        popad
        ret

; Writes CX registers of an index/data port pair (index port DX, data port DX+1: the CRTC and the
; graphics controller) from CS:BX, indexes 0 .. CX-1; BX ends past the last byte. AX, CX changed.
out_indexed_block:
        xor     ah, ah
.next:  mov     al, ah
        out     dx, al
        inc     dx
        mov     al, [cs:bx]
        out     dx, al
        dec     dx
        inc     bx
        inc     ah
        loop    .next
        ret

; The DAC's power-on contents for descriptor SI: the EGA 64 colours (text, 16-colour modes;
; index bits 2:0 R,G,B at 2Ah, bits 5:3 r,g,b at 15h) or, for 256-colour, the 16 text colours,
; a 16-step grey ramp and black.
load_default_dac:
        pushad
        mov     dx, 3C8h
        xor     al, al
        out     dx, al
        inc     dx
        cmp     byte [cs:si+MD_TYPE], 2
        je      .vga256
        xor     bx, bx
.ega:   mov     cl, 2
        mov     ch, 5
        call    .comp
        out     dx, al
        mov     cl, 1
        mov     ch, 4
        call    .comp
        out     dx, al
        xor     cl, cl
        mov     ch, 3
        call    .comp
        out     dx, al
        inc     bx
        cmp     bx, 64
        jb      .ega
        popad
        ret
.comp:  ; AL = (bit CL of BL) * 2Ah + (bit CH of BL) * 15h
        push    dx
        xor     al, al
        movzx   dx, cl
        bt      bx, dx
        jnc     .c1
        add     al, 2Ah
.c1:    movzx   dx, ch
        bt      bx, dx
        jnc     .c2
        add     al, 15h
.c2:    pop     dx
        ret
.vga256:
        xor     bx, bx
.t16:   xor     cl, cl                  ; CL = the bright part (index bit 3)
        test    bl, 8
        jz      .nb
        mov     cl, 15h
.nb:    mov     al, bl
        shr     al, 2
        and     al, 1
        mov     ch, 2Ah
        mul     ch
        add     al, cl
        out     dx, al                  ; red
        mov     al, bl
        cmp     al, 6
        jne     .green
        mov     al, 15h                 ; brown
        jmp     .gout
.green: shr     al, 1
        and     al, 1
        mov     ch, 2Ah
        mul     ch
        add     al, cl
.gout:  out     dx, al
        mov     al, bl
        and     al, 1
        mov     ch, 2Ah
        mul     ch
        add     al, cl
        out     dx, al                  ; blue
        inc     bx
        cmp     bx, 16
        jb      .t16
        mov     si, grey_ramp
        mov     cx, 16
.grey:  mov     al, [cs:si]
        out     dx, al
        out     dx, al
        out     dx, al
        inc     si
        loop    .grey
        mov     cx, 224*3
        xor     al, al
.black: out     dx, al
        loop    .black
        popad
        ret

; Clears the video memory of descriptor SI: text to light grey spaces, graphics to 0.
clear_video_memory:
        pushad
        push    es
        mov     es, [cs:si+MD_SEG]
        xor     di, di
        cmp     byte [cs:si+MD_TYPE], 0
        jne     .gfx
        mov     ax, 0720h
        mov     cx, 4000h
        rep     stosw
        jmp     .done
.gfx:   mov     dx, 3C4h                ; all planes
        mov     ax, 0F02h
        out     dx, ax
        xor     eax, eax
        mov     cx, 4000h
        rep     stosd
.done:  pop     es
        popad
        ret

; Loads CX glyphs of BH bytes each from ES:BP into font block BL starting at character DX
; (plane 2; 32 bytes per character slot; block n at (n & 3) * 16 KiB + (n >> 2) * 8 KiB).
load_font:
        pushad
        push    ds
        push    es
        push    es
        pop     ds                      ; DS:SI = source
        mov     si, bp
        push    dx
        mov     dx, 3C4h
        mov     ax, 0402h               ; map mask: plane 2
        out     dx, ax
        mov     ax, 0704h               ; sequential, extended memory
        out     dx, ax
        mov     dx, 3CEh
        mov     ax, 0204h               ; read map 2
        out     dx, ax
        mov     ax, 0005h               ; write mode 0, no odd/even
        out     dx, ax
        mov     ax, 0406h               ; A0000h, 64 KiB, graphics addressing off
        out     dx, ax
        pop     dx
        mov     ax, 0A000h
        mov     es, ax
        movzx   di, bl
        and     di, 3
        shl     di, 14
        movzx   ax, bl
        shr     ax, 2
        and     ax, 1
        shl     ax, 13
        add     di, ax
        shl     dx, 5
        add     di, dx
        movzx   dx, bh
.ch:    push    cx
        push    di
        mov     cx, dx
        rep     movsb
        mov     cx, 32
        sub     cx, dx
        xor     al, al
        rep     stosb
        pop     di
        add     di, 32
        pop     cx
        loop    .ch
        mov     dx, 3C4h
        mov     ax, 0302h
        out     dx, ax
        mov     ax, 0304h               ; odd/even again
        out     dx, ax
        mov     dx, 3CEh
        mov     ax, 0004h
        out     dx, ax
        mov     ax, 1005h
        out     dx, ax
        mov     ax, 0E06h               ; B8000h, odd/even
        out     dx, ax
        pop     es
        pop     ds
        popad
        ret

; ---- CRTC helpers ---------------------------------------------------------------------------
crtc_write:                             ; AL = index, AH = value
        push    dx
        mov     dx, [BDA_CRTC]
        out     dx, ax
        pop     dx
        ret

; Programs the hardware cursor from page BH's BDA position (if BH is the active page).
update_cursor:
        pusha
        cmp     bh, [BDA_VPAGE]
        jne     .out
        movzx   si, bh
        shl     si, 1
        mov     dx, [BDA_CURPOS+si]
        movzx   ax, dh
        mul     word [BDA_VCOLS]
        movzx   dx, dl
        add     ax, dx
        mov     bx, [BDA_VPAGESTART]
        shr     bx, 1
        add     bx, ax
        mov     al, 0Eh
        mov     ah, bh
        call    crtc_write
        mov     al, 0Fh
        mov     ah, bl
        call    crtc_write
.out:   popa
        ret

; DI = offset of page BH, row DH, column DL in a text mode's segment
text_offset:
        push    ax
        push    dx
        movzx   ax, dh
        mul     word [BDA_VCOLS]
        pop     dx
        push    dx
        movzx   di, dl
        add     di, ax
        shl     di, 1
        movzx   ax, bh
        mul     word [BDA_VPAGESIZE]
        add     di, ax
        pop     dx
        pop     ax
        ret

; ---- AH=01h: cursor shape CH = start (bit 5: off), CL = end -------------------------------
v_cursor_shape:
        push    ax
        push    cx
        mov     [BDA_CURTYPE], cx
        ; CGA-style shapes (lines 0-7) are scaled to the character height (cursor emulation)
        test    ch, 20h
        jnz     .prog
        cmp     cl, 8
        jae     .prog
        cmp     ch, 8
        jae     .prog
        mov     al, [BDA_VCHARH]
        cmp     al, 8
        jbe     .prog
        shr     al, 3                   ; lines per CGA line
        mov     ah, al
        mul     ch
        mov     ch, al
        mov     al, ah
        mul     cl
        add     al, ah
        dec     al
        mov     cl, al
.prog:  mov     al, 0Ah
        mov     ah, ch
        call    crtc_write
        mov     al, 0Bh
        mov     ah, cl
        call    crtc_write
        pop     cx
        pop     ax
        jmp     v_done

; ---- AH=02h: set cursor position of page BH to DH row, DL column ---------------------------
v_set_cursor:
        push    si
        cmp     bh, 7
        ja      .out
        movzx   si, bh
        shl     si, 1
        mov     [BDA_CURPOS+si], dx
        call    update_cursor
.out:   pop     si
        jmp     v_done

; ---- AH=03h: DX = position of page BH, CX = shape -------------------------------------------
v_get_cursor:
        push    si
        movzx   si, bh
        and     si, 7
        shl     si, 1
        mov     dx, [BDA_CURPOS+si]
        mov     cx, [BDA_CURTYPE]
        pop     si
        jmp     v_done

; ---- AH=05h: select the active page AL --------------------------------------------------------
v_select_page:
        pusha
        cmp     al, 7
        ja      .out
        mov     [BDA_VPAGE], al
        movzx   bx, al
        mov     ax, [BDA_VPAGESIZE]
        mul     bx
        mov     [BDA_VPAGESTART], ax
        shr     ax, 1
        mov     cx, ax
        mov     al, 0Ch
        mov     ah, ch
        call    crtc_write
        mov     al, 0Dh
        mov     ah, cl
        call    crtc_write
        mov     bh, bl
        call    update_cursor
.out:   popa
        jmp     v_done

; ---- AH=06h/07h: scroll the window CH,CL-DH,DL of the active page up/down by AL lines ---------
; (AL = 0: clear), new lines filled with attribute BH (in the graphics modes: colour BH, the
; cells' pixel lines moved whole).
%define SC_TL   bp-2            ; CX: top row (high), left column (low)
%define SC_BR   bp-4            ; DX: bottom row, right column
%define SC_N    bp-6            ; lines
%define SC_ATTR bp-7
%define SC_W    bp-8            ; width in cells
%define SC_DIR  bp-10
%define SC_DESC bp-12           ; the mode descriptor
v_scroll_up:
        push    word 0
        jmp     scroll
v_scroll_down:
        push    word 1
scroll:
        pop     bp
        pushad
        push    es
        mov     di, bp
        enter   12, 0
        mov     [SC_DIR], di
        call    cur_mode_desc
        mov     [SC_DESC], si
        mov     bl, [BDA_VROWS]
        cmp     dh, bl
        jbe     .r
        mov     dh, bl
.r:     mov     bl, [BDA_VCOLS]
        dec     bl
        cmp     dl, bl
        jbe     .c
        mov     dl, bl
.c:     cmp     ch, dh
        ja      .out
        cmp     cl, dl
        ja      .out
        mov     [SC_TL], cx
        mov     [SC_BR], dx
        mov     [SC_ATTR], bh
        mov     bl, dh
        sub     bl, ch
        inc     bl                      ; height
        test    al, al
        jz      .all
        cmp     al, bl
        jbe     .n
.all:   mov     al, bl
.n:     mov     [SC_N], al
        mov     al, dl
        sub     al, cl
        inc     al
        mov     [SC_W], al
        mov     ax, [cs:si+MD_SEG]
        mov     es, ax
        cmp     word [SC_DIR], 0
        jne     .down
        ; up: rows top..bottom-n take row + n, then the last n rows are blank
        mov     bl, [SC_TL+1]
.uc:    mov     al, bl
        add     al, [SC_N]
        cmp     al, [SC_BR+1]
        ja      .ufill
        mov     bh, al
        call    .copy
        inc     bl
        jmp     .uc
.ufill: cmp     bl, [SC_BR+1]
        ja      .out
        call    .blank
        inc     bl
        jmp     .ufill
.down:  mov     bl, [SC_BR+1]
.dc:    mov     al, bl
        sub     al, [SC_N]
        jc      .dfill
        cmp     al, [SC_TL+1]
        jl      .dfill
        jb      .dfill
        mov     bh, al
        call    .copy
        dec     bl
        jmp     .dc
.dfill: cmp     bl, [SC_TL+1]
        jb      .out
        call    .blank
        test    bl, bl
        jz      .out
        dec     bl
        jmp     .dfill
.out:   leave
        pop     es
        popad
        jmp     v_done
.copy:  ; row BH -> row BL
        mov     si, [SC_DESC]
        cmp     byte [cs:si+MD_TYPE], 0
        jne     .gcopy
        pusha
        push    bx
        mov     dh, bh
        mov     dl, [SC_TL]
        mov     bh, [BDA_VPAGE]
        call    text_offset
        mov     si, di
        pop     bx
        mov     dh, bl
        mov     dl, [SC_TL]
        mov     bh, [BDA_VPAGE]
        call    text_offset
        movzx   cx, byte [SC_W]
        push    ds
        push    es
        pop     ds
        rep     movsw
        pop     ds
        popa
        ret
.blank: ; row BL = spaces in the fill attribute
        mov     si, [SC_DESC]
        cmp     byte [cs:si+MD_TYPE], 0
        jne     .gblank
        pusha
        mov     dh, bl
        mov     dl, [SC_TL]
        mov     bh, [BDA_VPAGE]
        call    text_offset
        movzx   cx, byte [SC_W]
        mov     ah, [SC_ATTR]
        mov     al, ' '
        rep     stosw
        popa
        ret
.gcopy: ; graphics: the CHARH pixel lines of cell row BH -> those of row BL. In mode 12h write
        ; mode 1 stores the latches the read loaded, all four planes at once (VGA GC index 5).
        pusha
        mov     ax, 0105h
        call    .wmode
        mov     dh, bh
        mov     dl, [SC_TL]
        call    gfx_cell
        push    di
        mov     dh, bl
        call    gfx_cell                ; DI = destination, CX = line stride, AX = cell width
        pop     bx
        movzx   dx, byte [SC_W]
        imul    dx, ax                  ; bytes per pixel line of the window
        movzx   ax, byte [cs:si+MD_CHARH]
        mov     si, bx
        push    ds
        push    es
        pop     ds
.gcl:   push    si
        push    di
        push    cx
        mov     cx, dx
        rep     movsb
        pop     cx
        pop     di
        pop     si
        add     si, cx
        add     di, cx
        dec     ax
        jnz     .gcl
        pop     ds
        mov     ax, 0005h
        call    .wmode
        popa
        ret
.wmode: ; mode 12h only (mode 13h keeps its GC mode register 40h and needs no latch copy)
        push    si
        mov     si, [SC_DESC]
        cmp     byte [cs:si+MD_TYPE], 1
        jne     .wm
        call    vga_gc
.wm:    pop     si
        ret
.gblank: ; graphics: cell row BL in colour SC_ATTR (mode 12h: set/reset on all planes)
        pusha
        mov     ah, [SC_ATTR]
        mov     al, 00h
        call    .wmode                  ; set/reset value
        mov     ax, 0F01h
        call    .wmode                  ; set/reset enabled on all planes
        mov     dh, bl
        mov     dl, [SC_TL]
        call    gfx_cell
        movzx   dx, byte [SC_W]
        imul    dx, ax
        movzx   bx, byte [cs:si+MD_CHARH]
        mov     al, [SC_ATTR]
.gbl:   push    di
        push    cx
        mov     cx, dx
        rep     stosb
        pop     cx
        pop     di
        add     di, cx
        dec     bx
        jnz     .gbl
        mov     ax, 0001h
        call    .wmode
        popa
        ret

; ---- graphics-mode character cells (modes 12h and 13h) --------------------------------------
; VGA graphics controller register AL = AH (port 3CEh index/data)
vga_gc:
        push    dx
        mov     dx, 3CEh
        out     dx, ax
        pop     dx
        ret

; SI = graphics mode descriptor, DH = row, DL = column -> DI = offset in the mode's segment of
; the cell's top pixel line, CX = bytes per pixel line, AX = bytes per cell width (mode 13h: one
; byte a pixel, 8; mode 12h: one bit a pixel in each plane, 1).
gfx_cell:
        push    dx
        mov     cx, 80
        cmp     byte [cs:si+MD_TYPE], 2
        jne     .p
        mov     cx, 320
.p:     mov     al, dh
        mul     byte [cs:si+MD_CHARH]   ; AX = first pixel line
        mul     cx
        mov     di, ax
        pop     dx
        mov     ax, 1
        cmp     byte [cs:si+MD_TYPE], 2
        jne     .q
        mov     ax, 8
.q:     push    dx
        movzx   dx, dl
        imul    dx, ax
        add     di, dx
        pop     dx
        ret

; Draws character AL in colour BL at cell DH,DL of graphics mode SI: the glyph from the ROM
; font of the mode's cell height (font8x8/font8x16), foreground BL, background 0. Bit 7 of BL
; XORs the glyph onto the screen instead (IBM BIOS convention). Everything preserved.
gfx_put_char:
        pusha
        push    ds
        push    es
        mov     es, [cs:si+MD_SEG]
        push    ax
        call    gfx_cell
        pop     ax
        mov     bp, cx                  ; stride
        movzx   cx, byte [cs:si+MD_CHARH]
        mov     ah, bl                  ; colour
        movzx   bx, al
        cmp     cl, 8
        jne     .f16
        shl     bx, 3
        add     bx, font8x8
        jmp     .f
.f16:   shl     bx, 4
        add     bx, font8x16
.f:     mov     dl, [cs:si+MD_TYPE]
        mov     si, bx
        push    cs
        pop     ds
        cmp     dl, 2
        jne     .planar
        ; mode 13h: a byte a pixel
.l13:   mov     dl, [si]
        inc     si
        push    di
        mov     dh, 8
.px:    xor     al, al
        shl     dl, 1
        jnc     .bg
        mov     al, ah
.bg:    test    ah, 80h
        jz      .st
        and     al, 7Fh
        xor     [es:di], al
        inc     di
        jmp     .nx
.st:    stosb
.nx:    dec     dh
        jnz     .px
        pop     di
        add     di, bp
        loop    .l13
        jmp     .done
.planar: ; mode 12h: write mode 0, no set/reset, all bits; the sequencer's map mask picks the
        ; planes: first clear all four, then the glyph into the colour's planes (or XOR it).
        mov     bx, ax                  ; BH = colour
        mov     ax, 0005h
        call    vga_gc
        mov     ax, 0001h
        call    vga_gc
        mov     ax, 0FF08h
        call    vga_gc
        mov     ax, 0003h               ; function: replace
        test    bh, 80h
        jz      .fn
        mov     ah, 18h                 ; function: XOR with the latches
.fn:    call    vga_gc
        mov     dx, 3C4h
.l12:   mov     bl, [si]
        inc     si
        test    bh, 80h
        jnz     .x
        mov     ax, 0F02h
        out     dx, ax
        mov     byte [es:di], 0
.x:     mov     al, [es:di]             ; loads the latches (for XOR)
        mov     ah, bh
        and     ah, 0Fh
        mov     al, 02h
        out     dx, ax
        mov     [es:di], bl
        add     di, bp
        loop    .l12
        mov     ax, 0F02h
        out     dx, ax
        mov     ax, 0003h
        call    vga_gc
.done:  pop     es
        pop     ds
        popa
        ret

; ---- AH=08h: AL = character, AH = attribute at page BH's cursor ------------------------------
v_read_char:
        push    es
        push    di
        push    dx
        push    si
        call    cur_mode_desc
        xor     ax, ax
        cmp     byte [cs:si+MD_TYPE], 0
        jne     .out
        call    page_cursor
        call    text_offset
        mov     ax, 0B800h
        mov     es, ax
        mov     ax, [es:di]
.out:   pop     si
        pop     dx
        pop     di
        pop     es
        jmp     v_done

page_cursor:                            ; DX = the cursor of page BH
        push    si
        movzx   si, bh
        and     si, 7
        shl     si, 1
        mov     dx, [BDA_CURPOS+si]
        pop     si
        ret

; ---- AH=09h/0Ah: character AL (attribute BL) CX times at page BH's cursor ---------------------
v_write_char_attr:
        push    bp
        mov     bp, 1
        jmp     write_chars
v_write_char:
        push    bp
        xor     bp, bp
write_chars:
        pusha
        push    es
        call    cur_mode_desc
        call    page_cursor
        cmp     byte [cs:si+MD_TYPE], 0
        jne     .gfx
        call    text_offset
        mov     dx, 0B800h
        mov     es, dx
        jcxz    .out
.l:     mov     [es:di], al
        test    bp, bp
        jz      .na
        mov     [es:di+1], bl
.na:    add     di, 2
        loop    .l
        jmp     .out
.gfx:   ; graphics modes: BL is the colour for 09h and 0Ah alike; the cells right of the cursor
        jcxz    .out
.gl:    cmp     dl, [BDA_VCOLS]
        jae     .out
        call    gfx_put_char
        inc     dl
        loop    .gl
.out:   pop     es
        popa
        pop     bp
        jmp     v_done

; ---- AH=0Eh: teletype AL on the active page (BEL, BS, LF, CR interpreted) -------------------
v_teletype:
        call    tty_out
        jmp     v_done

; Writes AL at the active page's cursor as a teletype would: in text modes the character takes
; the attribute already in the cell, in graphics modes BL is its colour. DS = BDA.
tty_out:
        pusha
        push    es
        call    cur_mode_desc
        mov     bh, [BDA_VPAGE]
        call    page_cursor
        cmp     al, 0Dh
        je      .cr
        cmp     al, 0Ah
        je      .lf
        cmp     al, 08h
        je      .bs
        cmp     al, 07h
        je      .out
        cmp     byte [cs:si+MD_TYPE], 0
        jne     .gfx
        call    text_offset
        mov     cx, 0B800h
        mov     es, cx
        mov     [es:di], al
        jmp     .adv
.gfx:   call    gfx_put_char
.adv:   inc     dl
        cmp     dl, [BDA_VCOLS]
        jb      .set
        xor     dl, dl
        jmp     .lf
.cr:    xor     dl, dl
        jmp     .set
.bs:    test    dl, dl
        jz      .set
        dec     dl
        jmp     .set
.lf:    inc     dh
        cmp     dh, [BDA_VROWS]
        jbe     .set
        mov     dh, [BDA_VROWS]
        ; scroll the page up one line in the attribute of the cell at the cursor
        push    dx
        xor     bh, bh                  ; graphics modes: the new line in colour 0
        cmp     byte [cs:si+MD_TYPE], 0
        jne     .scr
        call    text_offset
        mov     cx, 0B800h
        mov     es, cx
        mov     bh, [es:di+1]
.scr:   mov     ax, 0601h
        xor     cx, cx
        mov     dh, [BDA_VROWS]
        mov     dl, [BDA_VCOLS]
        dec     dl
        int     10h
        pop     dx
        mov     bh, [BDA_VPAGE]
.set:   movzx   si, bh
        shl     si, 1
        mov     [BDA_CURPOS+si], dx
        call    update_cursor
.out:   pop     es
        popa
        ret

; ---- AH=0Fh: AL = mode, AH = columns, BH = active page --------------------------------------
v_get_mode:
        mov     al, [BDA_VEGAINFO]
        and     al, 80h
        or      al, [BDA_VMODE]
        mov     ah, [BDA_VCOLS]
        mov     bh, [BDA_VPAGE]
        jmp     v_done

; ---- AH=10h: palette and DAC ------------------------------------------------------------------
v_palette:
        push    dx
        push    ax
        push    cx
        push    bx
        cmp     al, 00h
        je      .setreg
        cmp     al, 01h
        je      .overscan
        cmp     al, 03h
        je      .blink
        cmp     al, 07h
        je      .getreg
        cmp     al, 10h
        je      .setdac
        cmp     al, 12h
        je      .setblock
        cmp     al, 15h
        je      .getdac
        cmp     al, 17h
        je      .getblock
        cmp     al, 1Ah
        je      .pagestate
.out:   pop     bx
        pop     cx
        pop     ax
        pop     dx
        jmp     v_done
.overscan:
        mov     bl, 11h
.setreg:
        mov     dx, 3DAh
        in      al, dx
        mov     dx, 3C0h
        mov     al, bl
        out     dx, al
        mov     al, bh
        out     dx, al
        mov     al, 20h
        out     dx, al
        jmp     .out
.getreg:
        mov     dx, 3DAh
        in      al, dx
        mov     dx, 3C0h
        mov     al, bl
        out     dx, al
        inc     dx
        in      al, dx
        dec     dx
        mov     [esp+1], al             ; BH of the saved BX
        mov     al, 20h
        out     dx, al
        jmp     .out
.blink: mov     dx, 3DAh
        in      al, dx
        mov     dx, 3C0h
        mov     al, 10h
        out     dx, al
        inc     dx
        in      al, dx
        dec     dx
        and     al, 0F7h
        test    bl, bl
        jz      .bl
        or      al, 08h
.bl:    out     dx, al
        mov     al, 20h
        out     dx, al
        jmp     .out
.setdac:
        mov     dx, 3C8h
        mov     al, bl
        out     dx, al
        inc     dx
        pop     bx
        pop     cx
        pop     ax
        pop     ax                      ; the caller's DX: DH = red
        push    ax
        mov     al, ah
        out     dx, al
        mov     al, ch
        out     dx, al
        mov     al, cl
        out     dx, al
        pop     dx
        jmp     v_done
.setblock:                              ; BX first, CX count, ES:DX table
        push    si
        mov     si, dx
        mov     dx, 3C8h
        mov     al, bl
        out     dx, al
        inc     dx
        imul    cx, cx, 3
        es      rep outsb
        pop     si
        jmp     .out
.getdac:
        mov     dx, 3C7h
        mov     al, bl
        out     dx, al
        add     dx, 2
        in      al, dx
        mov     ah, al
        in      al, dx
        mov     ch, al
        in      al, dx
        mov     cl, al
        pop     bx
        add     sp, 2                   ; CX is the result
        pop     dx                      ; AX
        xchg    ax, dx                  ; AX restored, DH = red
        add     sp, 2
        mov     dl, 0
        jmp     v_done
.getblock:
        push    di
        mov     di, dx
        mov     dx, 3C7h
        mov     al, bl
        out     dx, al
        add     dx, 2
        imul    cx, cx, 3
        rep     insb
        pop     di
        jmp     .out
.pagestate:
        pop     bx
        xor     bx, bx
        push    bx
        jmp     .out

; ---- AH=11h: fonts ------------------------------------------------------------------------------
v_font:
        pusha
        push    es
        cmp     al, 00h
        je      .user
        cmp     al, 10h
        je      .user
        cmp     al, 04h
        je      .rom16
        cmp     al, 14h
        je      .rom16
        cmp     al, 03h
        je      .block
        cmp     al, 30h
        je      .info
        jmp     .out
.user:  call    load_font
        jmp     .out
.rom16: push    cs
        pop     es
        mov     bp, font8x16
        mov     cx, 256
        xor     dx, dx
        mov     bh, 16
        call    load_font
        jmp     .out
.block: mov     dx, 3C4h
        mov     al, 03h
        mov     ah, bl
        out     dx, ax
        jmp     .out
.info:  ; BH selects the pointer: ES:BP, CX = character height, DL = rows - 1
        pop     es
        popa
        push    bx
        mov     bp, font8x16
        cmp     bh, 0
        jne     .i1
        push    word 0
        pop     es
        mov     bp, [es:1Fh*4]
        mov     es, [es:1Fh*4+2]
        jmp     .idone
.i1:    cmp     bh, 1
        jne     .irom
        push    word 0
        pop     es
        mov     bp, [es:43h*4]
        mov     es, [es:43h*4+2]
        jmp     .idone
.irom:  push    cs
        pop     es
        cmp     bh, 3
        je      .i8
        cmp     bh, 4
        jne     .idone
        mov     bp, font8x8 + 128*8
        jmp     .idone
.i8:    mov     bp, font8x8
.idone: pop     bx
        mov     cx, [BDA_VCHARH]
        mov     dl, [BDA_VROWS]
        ; BP is the caller's result here: return without the dispatcher's pop of BP
        pop     ds                      ; the dispatcher's saved BP (discarded)
        pop     ds
        iret
.out:   pop     es
        popa
        jmp     v_done

; ---- AH=12h: alternate select ---------------------------------------------------------------------
v_alt_select:
        cmp     bl, 10h
        jne     .other
        mov     bx, 0003h               ; colour, 256 KiB
        mov     cx, 0009h               ; no feature bits, switches 9
        jmp     v_done
.other: cmp     bl, 30h
        jb      v_done
        cmp     bl, 36h
        ja      v_done
        mov     al, 12h                 ; "function supported"
        jmp     v_done

; ---- AH=13h: write string ES:BP, CX characters at DH,DL of page BH; AL bit 0 moves the cursor,
; bit 1: the string alternates characters and attributes (else attribute BL) ---------------------
v_write_string:
        pusha
        mov     si, sp
        mov     si, [ss:si+16]          ; the caller's BP (ES:BP = string), saved by int10's push
        push    dx
        call    page_cursor
        mov     di, dx                  ; the cursor to restore
        pop     dx
        push    ax
        push    si
        movzx   si, bh
        shl     si, 1
        mov     [BDA_CURPOS+si], dx
        pop     si
        pop     ax
        mov     ah, al                  ; AH = mode
        jcxz    .done
.l:     mov     al, [es:si]
        inc     si
        test    ah, 2
        jz      .noattr
        mov     bl, [es:si]
        inc     si
.noattr:
        cmp     al, 0Dh
        je      .ctl
        cmp     al, 0Ah
        je      .ctl
        cmp     al, 08h
        je      .ctl
        cmp     al, 07h
        je      .ctl
        ; write with attribute, then advance as a teletype
        push    ax
        push    bx
        push    cx
        push    dx
        push    di
        push    si
        call    page_cursor
        call    cur_mode_desc
        cmp     byte [cs:si+MD_TYPE], 0
        je      .txt
        call    gfx_put_char            ; graphics modes: BL is the colour
        jmp     .wr
.txt:   call    text_offset
        push    es
        mov     cx, 0B800h
        mov     es, cx
        mov     [es:di], al
        mov     [es:di+1], bl
        pop     es
.wr:    pop     si
        pop     di
        pop     dx
        pop     cx
        pop     bx
        pop     ax
        mov     al, 0FFh                ; advance only: a character that tty_out writes over itself
        push    ax
        call    page_cursor
        inc     dl
        cmp     dl, [BDA_VCOLS]
        pop     ax
        jb      .adv
        push    ax
        mov     al, 0Dh
        call    tty_out
        mov     al, 0Ah
        call    tty_out
        pop     ax
        jmp     .next
.adv:   push    si
        movzx   si, bh
        shl     si, 1
        mov     [BDA_CURPOS+si], dx
        pop     si
        call    update_cursor
        jmp     .next
.ctl:   call    tty_out
.next:  loop    .l
.done:  test    ah, 1
        jnz     .keep
        movzx   si, bh
        shl     si, 1
        mov     [BDA_CURPOS+si], di
        call    update_cursor
.keep:  popa
        jmp     v_done

; ---- AH=1Ah: display combination: VGA with colour analog display ---------------------------------
v_dcc:
        cmp     al, 01h
        ja      v_done
        jb      .get
        mov     al, 1Ah
        jmp     v_done
.get:   mov     al, 1Ah
        mov     bx, 0008h
        jmp     v_done
