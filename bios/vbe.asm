; INT 10h AH=4Fh: VESA BIOS Extension 3.0 on the VGA's Bochs DISPI interface (1CEh index,
; 1CFh data; docs/devices/vga.md) with the linear framebuffer at the VGA's PCI BAR0.
%define DISPI_XRES   1
%define DISPI_YRES   2
%define DISPI_BPP    3
%define DISPI_ENABLE 4
%define DISPI_BANK   5
%define DISPI_VIDMEM 0Ah

dispi_write:                            ; AX = value, BX = index
        push    dx
        push    ax
        mov     dx, 1CEh
        mov     ax, bx
        out     dx, ax
        inc     dx
        pop     ax
        out     dx, ax
        pop     dx
        ret
dispi_read:                             ; BX = index -> AX
        push    dx
        mov     dx, 1CEh
        mov     ax, bx
        out     dx, ax
        inc     dx
        in      ax, dx
        pop     dx
        ret

; CX = mode number -> SI = entry of vbe_modes (mode, xres, yres, bpp), CF=1 if not listed
vbe_find:
        push    cx
        and     cx, 1FFh
        mov     si, vbe_modes
.l:     cmp     word [cs:si], 0FFFFh
        je      .no
        cmp     [cs:si], cx
        je      .yes
        add     si, 8
        jmp     .l
.no:    pop     cx
        stc
        ret
.yes:   pop     cx
        clc
        ret

vbe_dispatch:
        cmp     al, 00h
        je      vbe_info
        cmp     al, 01h
        je      vbe_mode_info
        cmp     al, 02h
        je      vbe_set_mode
        cmp     al, 03h
        je      vbe_get_mode
        mov     ax, 014Fh
        jmp     v_done

; ---- 4F00h: controller information into ES:DI --------------------------------------------------
vbe_info:
        pushad
        push    ds
        mov     eax, [es:di]
        push    di
        xor     ax, ax                  ; clear the 512 bytes (a "VBE2" caller) or 256
        mov     cx, 128
        cmp     dword [es:di], '2EBV'
        je      .clr
        mov     cx, 256/2
.clr:   push    di
        rep     stosw
        pop     di
        mov     dword [es:di], 'VESA'
        mov     word [es:di+04h], 0300h
        mov     word [es:di+06h], vbe_oem
        mov     word [es:di+08h], BIOS_SEG
        mov     dword [es:di+0Ah], 1    ; DAC switchable to 8 bits
        mov     word [es:di+0Eh], vbe_modes_list
        mov     word [es:di+10h], BIOS_SEG
        mov     bx, DISPI_VIDMEM
        call    dispi_read
        mov     [es:di+12h], ax         ; 64 KiB blocks
        mov     word [es:di+14h], 0001h
        mov     word [es:di+16h], vbe_vendor
        mov     word [es:di+18h], BIOS_SEG
        mov     word [es:di+1Ah], vbe_product
        mov     word [es:di+1Ch], BIOS_SEG
        mov     word [es:di+1Eh], vbe_revision
        mov     word [es:di+20h], BIOS_SEG
        pop     di
        pop     ds
        popad
        mov     ax, 004Fh
        jmp     v_done

; ---- 4F01h: mode CX's information into ES:DI -------------------------------------------------------
vbe_mode_info:
        pushad
        call    vbe_find
        jc      .fail
        push    di
        xor     ax, ax
        mov     cx, 128
        rep     stosw
        pop     di
        mov     word [es:di+00h], 009Bh ; supported, colour, graphics, LFB (bit 7)
        mov     byte [es:di+02h], 07h   ; window A: exists, readable, writable
        mov     word [es:di+04h], 64    ; granularity KiB
        mov     word [es:di+06h], 64    ; size KiB
        mov     word [es:di+08h], 0A000h
        mov     ax, [cs:si+2]
        mov     [es:di+12h], ax         ; XResolution
        mov     bx, [cs:si+6]           ; bpp
        mov     cx, bx
        add     cx, 7
        shr     cx, 3                   ; bytes per pixel
        mul     cx
        mov     [es:di+10h], ax         ; BytesPerScanLine
        mov     [es:di+32h], ax         ; LinBytesPerScanLine
        mov     ax, [cs:si+4]
        mov     [es:di+14h], ax         ; YResolution
        mov     byte [es:di+16h], 8
        mov     byte [es:di+17h], 16
        mov     byte [es:di+18h], 1     ; planes
        mov     [es:di+19h], bl         ; BitsPerPixel
        mov     byte [es:di+1Ah], 1     ; banks
        mov     byte [es:di+1Bh], 4     ; memory model: packed pixel
        cmp     bl, 8
        je      .mm
        mov     byte [es:di+1Bh], 6     ; direct colour
.mm:    mov     byte [es:di+1Eh], 1     ; reserved, 1
        ; colour masks: size/position R, G, B, reserved (bytes 1Fh-26h and 36h-3Dh)
        mov     si, masks32
        cmp     bl, 15
        jne     .m16
        mov     si, masks15
.m16:   cmp     bl, 16
        jne     .mset
        mov     si, masks16
.mset:  cmp     bl, 8
        je      .nomask
        mov     cx, 8
        push    di
.mc:    mov     al, [cs:si]
        mov     [es:di+1Fh], al
        mov     [es:di+36h], al
        inc     si
        inc     di
        loop    .mc
        pop     di
.nomask:
        ; PhysBasePtr: the VGA's BAR0
        push    es
        mov     ax, EBDA_SEG
        mov     es, ax
        mov     eax, [es:EBDA_VGAPCI]
        pop     es
        test    eax, eax
        jz      .nolfb
        or      eax, 10h
        mov     dx, 0CF8h
        out     dx, eax
        mov     dx, 0CFCh
        in      eax, dx
        and     eax, 0FFFFFFF0h
        mov     [es:di+28h], eax
.nolfb: ; image pages: video memory / (bytes per line * lines) - 1
        mov     bx, DISPI_VIDMEM
        call    dispi_read
        movzx   eax, ax
        shl     eax, 16
        movzx   ecx, word [es:di+10h]
        movzx   ebx, word [es:di+14h]
        imul    ecx, ebx
        xor     edx, edx
        div     ecx
        dec     eax
        cmp     eax, 255
        jbe     .pg
        mov     eax, 255
.pg:    mov     [es:di+1Dh], al
        mov     [es:di+34h], al
        mov     [es:di+35h], al
        popad
        mov     ax, 004Fh
        jmp     v_done
.fail:  popad
        mov     ax, 014Fh
        jmp     v_done

; ---- 4F02h: set mode BX (bit 14: linear framebuffer, bit 15: keep memory) ------------------------
vbe_set_mode:
        pushad
        push    es
        mov     cx, bx
        and     cx, 1FFh
        cmp     cx, 100h
        jae     .vesa
        mov     ax, cx                  ; a VGA mode through AH=00h
        test    bh, 80h
        jz      .vga
        or      al, 80h
.vga:   int     10h
        jmp     .ok
.vesa:  mov     di, bx
        call    vbe_find
        jc      .fail
        mov     bx, DISPI_ENABLE
        xor     ax, ax
        call    dispi_write
        mov     bx, DISPI_BPP
        mov     ax, [cs:si+6]
        call    dispi_write
        mov     bx, DISPI_XRES
        mov     ax, [cs:si+2]
        call    dispi_write
        mov     bx, DISPI_YRES
        mov     ax, [cs:si+4]
        call    dispi_write
        mov     bx, DISPI_BANK
        xor     ax, ax
        call    dispi_write
        mov     ax, 01h
        test    di, 4000h
        jz      .nolfb
        or      ax, 40h
.nolfb: test    di, 8000h
        jz      .clr
        or      ax, 80h
.clr:   mov     bx, DISPI_ENABLE
        call    dispi_write
        call    dispi_read
        test    al, 01h
        jz      .fail                   ; the device refused the mode
        mov     ax, EBDA_SEG
        mov     es, ax
        and     di, 0C1FFh
        mov     [es:EBDA_VBEMODE], di
.ok:    pop     es
        popad
        mov     ax, 004Fh
        jmp     v_done
.fail:  pop     es
        popad
        mov     ax, 014Fh
        jmp     v_done

; ---- 4F03h: BX = current mode -----------------------------------------------------------------
vbe_get_mode:
        push    es
        mov     ax, EBDA_SEG
        mov     es, ax
        mov     bx, [es:EBDA_VBEMODE]
        and     bx, 7FFFh
        pop     es
        mov     ax, 004Fh
        jmp     v_done
