; ATA disks (ATA/ATAPI-6 PIO protocol: IDENTIFY DEVICE, READ/WRITE SECTORS (EXT)) and INT 13h
; with the EDD 3.0 extensions. Drives 80h-83h are the ATA hard disks in detection order
; (1F0h master, slave, 170h master, slave); drives below 80h (diskettes) do not exist.

; Waits until BSY clears at DX = status port; AL = status, CF=1 after ~2 s (36 ticks).
ata_wait_ready:
        push    ebx
        push    ds
        push    word BDA_SEG
        pop     ds
        mov     ebx, [BDA_TICKS]
.w:     in      al, dx
        test    al, 80h
        jz      .ok
        push    eax
        mov     eax, [BDA_TICKS]
        sub     eax, ebx
        cmp     eax, 36
        pop     eax
        jb      .w
        stc
        jmp     .out
.ok:    clc
.out:   pop     ds
        pop     ebx
        ret

; ---- detection --------------------------------------------------------------------------------
ata_detect:
        push    es
        mov     ax, EBDA_SEG
        mov     es, ax
        mov     bx, 1F0h
        mov     al, 0A0h
        call    ata_probe
        mov     al, 0B0h
        call    ata_probe
        mov     bx, 170h
        mov     al, 0A0h
        call    ata_probe
        mov     al, 0B0h
        call    ata_probe
        mov     al, [es:EBDA_HDNUM]
        push    ds
        push    word BDA_SEG
        pop     ds
        mov     [BDA_HDCOUNT], al
        pop     ds
        pop     es
        ret

; BX = base port, AL = A0h/B0h; ES = EBDA. Adds a found ATA disk to the table.
ata_probe:
        pusha
        mov     ah, al
        lea     dx, [bx+7]
        in      al, dx
        cmp     al, 0FFh                ; nothing on the channel (floating bus)
        je      .none
        lea     dx, [bx+6]
        mov     al, ah
        out     dx, al
        lea     dx, [bx+206h]           ; nIEN: no interrupts, the BIOS polls
        mov     al, 02h
        out     dx, al
        in      al, dx                  ; 400 ns
        in      al, dx
        in      al, dx
        in      al, dx
        lea     dx, [bx+7]
        in      al, dx
        test    al, al
        jz      .none
        cmp     al, 0FFh
        je      .none
        call    ata_wait_ready
        jc      .none
        mov     al, 0ECh                ; IDENTIFY DEVICE
        out     dx, al
        call    ata_wait_ready
        jc      .none
        test    al, 01h                 ; ERR: not ATA (an ATAPI device aborts it)
        jnz     .none
        test    al, 08h
        jz      .none
        lea     dx, [bx]
        mov     di, EBDA_SECTOR
        mov     cx, 256
        rep     insw
        ; the entry
        movzx   di, byte [es:EBDA_HDNUM]
        cmp     di, 4
        jae     .none
        shl     di, 5
        add     di, EBDA_HD
        or      ah, 40h                 ; LBA addressing
        mov     [es:di+HD_SELECT], ah
        mov     [es:di+HD_BASE], bx
        lea     ax, [bx+206h]
        mov     [es:di+HD_CTRL], ax
        mov     ax, [es:EBDA_SECTOR+1*2]
        mov     [es:di+HD_PCYLS], ax
        mov     ax, [es:EBDA_SECTOR+3*2]
        mov     [es:di+HD_PHEADS], ax
        mov     ax, [es:EBDA_SECTOR+6*2]
        mov     [es:di+HD_PSPT], ax
        mov     eax, [es:EBDA_SECTOR+60*2]
        mov     [es:di+HD_TOTAL], eax
        mov     dword [es:di+HD_TOTAL+4], 0
        test    word [es:EBDA_SECTOR+83*2], 400h
        jz      .geo
        mov     byte [es:di+HD_FLAGS], 1
        mov     eax, [es:EBDA_SECTOR+100*2]
        mov     [es:di+HD_TOTAL], eax
        mov     eax, [es:EBDA_SECTOR+102*2]
        mov     [es:di+HD_TOTAL+4], eax
.geo:   ; INT 13h geometry: IDENTIFY's while it has at most 1024 cylinders, else LBA-assisted
        ; (63 sectors, 16/32/64/128/255 heads, at most 1024 cylinders)
        mov     ax, [es:di+HD_PCYLS]
        cmp     ax, 1024
        ja      .lba
        cmp     word [es:di+HD_PHEADS], 16
        ja      .lba
        mov     [es:di+HD_CYLS], ax
        mov     ax, [es:di+HD_PHEADS]
        mov     [es:di+HD_HEADS], ax
        mov     ax, [es:di+HD_PSPT]
        mov     [es:di+HD_SPT], ax
        jmp     .named
.lba:   mov     word [es:di+HD_SPT], 63
        mov     cx, 16
.h:     mov     eax, [es:di+HD_TOTAL]
        cmp     dword [es:di+HD_TOTAL+4], 0
        je      .sm
        mov     eax, 0FFFFFFFFh
.sm:    xor     edx, edx
        movzx   ebx, cx
        imul    ebx, ebx, 63
        div     ebx
        cmp     eax, 1024
        jbe     .hset
        cmp     cx, 255
        je      .cap
        shl     cx, 1
        cmp     cx, 256
        jb      .h
        mov     cx, 255
        jmp     .h
.cap:   mov     eax, 1024
.hset:  mov     [es:di+HD_HEADS], cx
        mov     [es:di+HD_CYLS], ax
.named: inc     byte [es:EBDA_HDNUM]
        ; the fixed disk parameter table of drives 80h/81h (INT 41h/46h)
        movzx   bx, byte [es:EBDA_HDNUM]
        dec     bx
        cmp     bx, 2
        jae     .msg
        shl     bx, 4
        add     bx, EBDA_FDPT
        mov     ax, [es:di+HD_CYLS]
        mov     [es:bx+0], ax
        mov     al, [es:di+HD_HEADS]
        mov     [es:bx+2], al
        mov     word [es:bx+5], 0FFFFh
        mov     byte [es:bx+8], 08h
        mov     ax, [es:di+HD_CYLS]
        mov     [es:bx+12], ax
        mov     al, [es:di+HD_SPT]
        mov     [es:bx+14], al
        push    es
        xor     ax, ax
        mov     es, ax
        mov     ax, 41h*4
        cmp     bx, EBDA_FDPT
        je      .v
        mov     ax, 46h*4
.v:     mov     si, ax
        mov     [es:si], bx
        mov     word [es:si+2], EBDA_SEG
        pop     es
.msg:   mov     si, msg_disk
        call    print
        mov     eax, [es:di+HD_TOTAL]
        mov     edx, [es:di+HD_TOTAL+4]
        shrd    eax, edx, 11            ; MiB
        call    print_dec
        mov     si, msg_mib
        call    print
.none:  popa
        ret

; ---- the transfer -----------------------------------------------------------------------------
; FS:BP = disk entry, EAX = LBA low, EDX = LBA high, CX = sectors, EDI = linear buffer address
; (below 1 MiB + 64 KiB), BL = 0 read / 1 write. Returns AH = status, CX = sectors done;
; EAX, EDX, EDI clobbered.
ata_transfer:
        push    esi
        push    ebx
        xor     si, si                  ; sectors done
.chunk: test    cx, cx
        jz      .ok
        push    cx                      ; remaining
        cmp     cx, 128
        jbe     .cnt
        mov     cx, 128
.cnt:   push    cx                      ; this chunk
        push    eax
        push    edx
        mov     bh, 0                   ; LBA28 while it fits, else LBA48
        test    edx, edx
        jnz     .l48
        push    eax
        movzx   edx, cx
        add     eax, edx
        cmp     eax, 10000000h
        pop     eax
        jbe     .issue
.l48:   test    byte [fs:bp+HD_FLAGS], 1
        jz      .range
        mov     bh, 1
.issue: mov     dx, [fs:bp+HD_BASE]
        add     dx, 7
        push    ax
        call    ata_wait_ready
        pop     ax
        jc      .timeout_p
        dec     dx                      ; device register
        push    eax
        mov     al, [fs:bp+HD_SELECT]
        test    bh, bh
        jnz     .sel
        shr     eax, 24
        and     al, 0Fh
        or      al, [fs:bp+HD_SELECT]
.sel:   out     dx, al
        pop     eax
        sub     dx, 4                   ; sector count (base+2)
        test    bh, bh
        jz      .low
        ; LBA48: the previous-content bytes first (count 15:8, LBA 31:24, 39:32, 47:40)
        push    eax
        mov     al, ch
        out     dx, al
        inc     dx
        shr     eax, 24
        out     dx, al
        inc     dx
        mov     eax, [esp+4]            ; the LBA's high dword (the saved EDX)
        out     dx, al
        inc     dx
        mov     al, ah
        out     dx, al
        sub     dx, 3
        pop     eax
.low:   push    eax
        mov     al, cl
        out     dx, al
        inc     dx
        pop     eax
        out     dx, al                  ; LBA 7:0
        inc     dx
        mov     al, ah
        out     dx, al                  ; 15:8
        inc     dx
        push    eax
        shr     eax, 16
        out     dx, al                  ; 23:16
        pop     eax
        add     dx, 2                   ; command
        mov     al, 20h                 ; READ SECTORS
        test    bl, bl
        jz      .cmd
        mov     al, 30h                 ; WRITE SECTORS
.cmd:   test    bh, bh
        jz      .go
        add     al, 4                   ; READ/WRITE SECTORS EXT (24h/34h)
.go:    out     dx, al
        push    cx
.sect:  call    ata_wait_ready
        jc      .timeout_s
        test    al, 21h                 ; ERR or DF
        jnz     .error_s
        test    al, 08h                 ; DRQ
        jz      .error_s
        push    es
        push    di
        push    dx
        push    cx
        mov     eax, edi
        shr     eax, 4
        mov     es, ax
        and     di, 0Fh
        mov     dx, [fs:bp+HD_BASE]
        mov     cx, 256
        test    bl, bl
        jnz     .wr
        rep     insw
        jmp     .moved
.wr:    push    ds
        push    si
        push    es
        pop     ds
        mov     si, di
        rep     outsw
        pop     si
        pop     ds
.moved: pop     cx
        pop     dx
        pop     di
        pop     es
        add     edi, 512
        inc     si
        loop    .sect
        pop     cx
        test    bl, bl
        jz      .cdone
        call    ata_wait_ready          ; the last write's completion
        jc      .timeout_p
        test    al, 21h
        jnz     .error_p
.cdone: pop     edx
        pop     eax
        pop     cx                      ; this chunk
        movzx   ecx, cx
        add     eax, ecx
        adc     edx, 0
        sub     [esp], cx               ; remaining -= chunk
        pop     cx
        jmp     .chunk
.range: mov     ah, ST_NOTFOUND
        jmp     .fail
.timeout_s:
        pop     cx
.timeout_p:
        mov     ah, ST_TIMEOUT
        jmp     .fail
.error_s:
        pop     cx
.error_p:
        mov     ah, ST_BADSECTOR
.fail:  add     sp, 4+4+2+2
        jmp     .ret
.ok:    mov     ah, ST_OK
.ret:   mov     cx, si
        pop     ebx
        pop     esi
        ret

; ---- INT 13h ------------------------------------------------------------------------------------
; Frame after push ds, push es, pushad: [bp+0] EDI, +4 ESI, +8 EBP, +16 EBX, +20 EDX, +24 ECX,
; +28 EAX, +32 ES, +34 DS, +36 IP, +38 CS, +40 FLAGS.
%define F_DI    bp+0
%define F_SI    bp+4
%define F_BX    bp+16
%define F_BL    bp+16
%define F_BH    bp+17
%define F_DX    bp+20
%define F_DL    bp+20
%define F_DH    bp+21
%define F_CX    bp+24
%define F_CL    bp+24
%define F_CH    bp+25
%define F_AX    bp+28
%define F_AL    bp+28
%define F_AH    bp+29
%define F_ES    bp+32
%define F_DS    bp+34
%define F_FLAGS bp+40

int13:
        sti
        cld
        push    ds
        push    es
        pushad
        mov     bp, sp
        push    fs
        mov     ax, EBDA_SEG
        mov     fs, ax
        mov     ax, BDA_SEG
        mov     ds, ax
        mov     ah, [F_AH]
        mov     dl, [F_DL]
        cmp     dl, 80h
        jb      .nodrive
        sub     dl, 80h
        cmp     dl, [fs:EBDA_HDNUM]
        jae     .nodrive
        movzx   si, dl
        shl     si, 5
        add     si, EBDA_HD             ; FS:SI = the disk
        cmp     ah, 00h
        je      d_ok
        cmp     ah, 01h
        je      d_status
        cmp     ah, 02h
        je      d_read
        cmp     ah, 03h
        je      d_write
        cmp     ah, 04h
        je      d_verify
        cmp     ah, 08h
        je      d_params
        cmp     ah, 0Ch
        je      d_ok
        cmp     ah, 0Dh
        je      d_ok
        cmp     ah, 10h
        je      d_ok
        cmp     ah, 11h
        je      d_ok
        cmp     ah, 14h
        je      d_ok
        cmp     ah, 15h
        je      d_type
        cmp     ah, 41h
        je      d_edd_check
        cmp     ah, 42h
        je      d_ext_read
        cmp     ah, 43h
        je      d_ext_write
        cmp     ah, 44h
        je      d_ext_verify
        cmp     ah, 47h
        je      d_ok
        cmp     ah, 48h
        je      d_ext_params
        mov     ah, ST_BADCMD
        jmp     d_fail
.nodrive:
        cmp     ah, 15h                 ; "no such drive"
        jne     .nd
        mov     byte [F_AH], 0
        jmp     d_ret_ok
.nd:    cmp     ah, 08h
        jne     .nd2
        cmp     dl, 80h
        jb      .nd2
        ; AH=08h for a hard disk number past the last: DL = the count, error
        mov     al, [fs:EBDA_HDNUM]
        mov     [F_DL], al
.nd2:   mov     ah, ST_BADCMD
        jmp     d_fail

d_ok:   mov     ah, ST_OK
d_done: mov     [F_AH], ah
        mov     [BDA_HDSTATUS], ah
        test    ah, ah
        jnz     d_setcf
d_ret_ok:
        and     byte [F_FLAGS], 0FEh
        jmp     d_exit
d_fail: mov     [F_AH], ah
        mov     [BDA_HDSTATUS], ah
d_setcf:
        or      byte [F_FLAGS], 01h
d_exit: pop     fs
        popad
        pop     es
        pop     ds
        iret

d_status:
        mov     ah, [BDA_HDSTATUS]
        mov     [F_AH], ah
        test    ah, ah
        jnz     d_setcf
        jmp     d_ret_ok

; CHS of the frame (CH, CL, DH) -> EAX = LBA, EDX = 0; CF=1 if outside the geometry
chs_to_lba:
        movzx   eax, byte [F_CL]
        and     al, 3Fh
        jz      .bad
        cmp     ax, [fs:si+HD_SPT]
        ja      .bad
        dec     eax
        movzx   ecx, byte [F_CH]
        movzx   edx, byte [F_CL]
        shr     dl, 6
        shl     edx, 8
        or      ecx, edx                ; cylinder
        cmp     cx, [fs:si+HD_CYLS]
        jae     .bad
        movzx   ebx, byte [F_DH]
        cmp     bx, [fs:si+HD_HEADS]
        jae     .bad
        movzx   edx, word [fs:si+HD_HEADS]
        imul    ecx, edx
        add     ecx, ebx
        movzx   edx, word [fs:si+HD_SPT]
        imul    ecx, edx
        add     eax, ecx
        xor     edx, edx
        clc
        ret
.bad:   stc
        ret

d_read: xor     bl, bl
        jmp     d_chs
d_write:
        mov     bl, 1
d_chs:  push    bx
        call    chs_to_lba
        pop     bx
        jc      .bad
        movzx   cx, byte [F_AL]
        movzx   edi, word [F_ES]
        shl     edi, 4
        push    eax
        movzx   eax, word [F_BX]
        add     edi, eax
        pop     eax
        push    bp
        mov     bp, si
        call    ata_transfer
        pop     bp
        mov     [F_AL], cl
        jmp     d_done
.bad:   mov     byte [F_AL], 0
        mov     ah, ST_NOTFOUND
        jmp     d_fail

d_verify:
        call    chs_to_lba
        jc      .bad
        jmp     d_ok
.bad:   mov     ah, ST_NOTFOUND
        jmp     d_fail

d_params:
        mov     ax, [fs:si+HD_CYLS]
        dec     ax                      ; the last cylinder
        cmp     ax, 1023
        jbe     .c
        mov     ax, 1023
.c:     mov     [F_CH], al
        shl     ah, 6
        mov     al, [fs:si+HD_SPT]
        or      al, ah
        mov     [F_CL], al
        mov     al, [fs:si+HD_HEADS]
        dec     al
        mov     [F_DH], al
        mov     al, [fs:EBDA_HDNUM]
        mov     [F_DL], al
        mov     word [F_AX], 0
        mov     byte [F_BL], 0
        jmp     d_ok

d_type: mov     byte [F_AH], 03h        ; fixed disk, CX:DX = sectors
        movzx   eax, word [fs:si+HD_CYLS]
        movzx   ecx, word [fs:si+HD_HEADS]
        imul    eax, ecx
        movzx   ecx, word [fs:si+HD_SPT]
        imul    eax, ecx
        mov     [F_DX], ax
        shr     eax, 16
        mov     [F_CX], ax
        jmp     d_ret_ok

d_edd_check:
        cmp     word [F_BX], 55AAh
        jne     .no
        mov     word [F_BX], 0AA55h
        mov     byte [F_AH], 30h        ; EDD 3.0
        mov     word [F_CX], 0005h      ; extended access (42h-44h, 47h, 48h) and EDD (48h)
        jmp     d_ret_ok
.no:    mov     ah, ST_BADCMD
        jmp     d_fail

; DS:SI of the caller = the disk address packet -> ES:BX of the packet, EAX/EDX LBA, CX count
d_ext_read:
        xor     bl, bl
        jmp     d_ext
d_ext_write:
        mov     bl, 1
d_ext:  push    ds
        mov     ds, [F_DS]
        mov     di, [F_SI]
        cmp     byte [di], 10h
        jb      .badp
        mov     cx, [di+2]
        cmp     cx, 127
        ja      .badp
        cmp     dword [di+4], 0FFFFFFFFh
        je      .flat
        movzx   eax, word [di+6]
        shl     eax, 4
        movzx   edx, word [di+4]
        add     eax, edx
        jmp     .addr
.flat:  cmp     byte [di], 18h          ; a 64-bit flat address: only below 1 MiB here
        jb      .badp
        cmp     dword [di+14h], 0
        jne     .badp
        mov     eax, [di+10h]
        cmp     eax, 100000h
        jae     .badp
.addr:  push    eax                     ; the buffer
        mov     eax, [di+8]
        mov     edx, [di+12]
        push    ebx
        movzx   ebx, cx
        add     eax, ebx
        adc     edx, 0
        cmp     edx, [fs:si+HD_TOTAL+4]
        ja      .over
        jb      .inr
        cmp     eax, [fs:si+HD_TOTAL]
        ja      .over
.inr:   pop     ebx
        mov     eax, [di+8]
        mov     edx, [di+12]
        pop     edi
        push    bp
        mov     bp, si
        call    ata_transfer
        pop     bp
        mov     di, [F_SI]
        mov     [di+2], cx
        pop     ds
        jmp     d_done
.over:  pop     ebx
        pop     edi
.badp:  mov     di, [F_SI]
        mov     word [di+2], 0
        pop     ds
        mov     ah, ST_BADCMD
        jmp     d_fail

d_ext_verify:
        jmp     d_ok

; AH=48h: the drive parameters into DS:SI (EDD 3.0 result buffer, 1Ah/1Eh/42h bytes)
d_ext_params:
        push    es
        mov     es, [F_DS]
        mov     di, [F_SI]
        mov     ax, [es:di]
        cmp     ax, 1Ah
        jb      .bad
        mov     bx, 1Ah
        cmp     ax, 1Eh
        jb      .v1
        mov     bx, 1Eh
        cmp     ax, 42h
        jb      .v1
        mov     bx, 42h
.v1:    mov     [es:di], bx
        mov     word [es:di+2], 0002h   ; CHS information valid
        movzx   eax, word [fs:si+HD_PCYLS]
        mov     [es:di+4], eax
        movzx   eax, word [fs:si+HD_PHEADS]
        mov     [es:di+8], eax
        movzx   eax, word [fs:si+HD_PSPT]
        mov     [es:di+0Ch], eax
        mov     eax, [fs:si+HD_TOTAL]
        mov     [es:di+10h], eax
        mov     eax, [fs:si+HD_TOTAL+4]
        mov     [es:di+14h], eax
        mov     word [es:di+18h], 512
        cmp     bx, 1Eh
        jb      .done
        mov     dword [es:di+1Ah], 0FFFFFFFFh   ; no DPTE
        cmp     bx, 42h
        jb      .done
        mov     word [es:di+1Eh], 0BEDDh        ; device path information follows
        mov     byte [es:di+20h], 24h           ; its length
        mov     byte [es:di+21h], 0
        mov     word [es:di+22h], 0
        mov     dword [es:di+24h], 'ISA '
        mov     dword [es:di+28h], 'ATA '
        mov     dword [es:di+2Ch], '    '
        mov     ax, [fs:si+HD_BASE]
        mov     [es:di+30h], ax                 ; interface path: the base port
        mov     dword [es:di+32h], 0
        mov     word [es:di+36h], 0
        xor     eax, eax
        test    byte [fs:si+HD_SELECT], 10h
        jz      .m
        inc     al
.m:     mov     [es:di+38h], eax                ; device path: master 0 / slave 1
        mov     dword [es:di+3Ch], 0
        mov     word [es:di+40h], 0
        ; checksum over 1Eh-41h: the last byte makes the sum 0
        xor     al, al
        mov     cx, 41h - 1Eh
        lea     bx, [di+1Eh]
.s:     add     al, [es:bx]
        inc     bx
        loop    .s
        neg     al
        mov     [es:di+41h], al
.done:  pop     es
        jmp     d_ok
.bad:   pop     es
        mov     ah, ST_BADCMD
        jmp     d_fail
