; The other services: timer and RTC interrupts, INT 11h/12h/14h/15h/17h/18h/19h/1Ah.
dummy_iret:
        iret

irq_master_default:
        push    ax
        mov     al, 20h
        out     20h, al
        pop     ax
        iret
irq_slave_default:
        push    ax
        mov     al, 20h
        out     0A0h, al
        out     20h, al
        pop     ax
        iret

int08_timer:
        push    ds
        push    eax
        mov     ax, BDA_SEG
        mov     ds, ax
        mov     eax, [BDA_TICKS]
        inc     eax
        cmp     eax, 1800B0h            ; ticks per day
        jb      .s
        xor     eax, eax
        mov     byte [BDA_MIDNIGHT], 1
.s:     mov     [BDA_TICKS], eax
        int     1Ch
        cli
        mov     al, 20h
        out     20h, al
        pop     eax
        pop     ds
        iret

int70_rtc:
        push    ax
        mov     al, 0Ch                 ; reading C acknowledges the RTC
        out     70h, al
        in      al, 71h
        mov     al, 20h
        out     0A0h, al
        out     20h, al
        pop     ax
        iret

int11:  push    ds
        mov     ax, BDA_SEG
        mov     ds, ax
        mov     ax, [BDA_EQUIP]
        pop     ds
        iret
int12:  push    ds
        mov     ax, BDA_SEG
        mov     ds, ax
        mov     ax, [BDA_MEMKB]
        pop     ds
        iret
int14:                                  ; serial services: not implemented (AH = timeout)
        mov     ah, 80h
        iret
int17:                                  ; no printer: "time-out"
        mov     ah, 01h
        iret

; Sets/clears CF in the caller's FLAGS and returns.
iret_cf1:
        push    bp
        mov     bp, sp
        or      byte [bp+6], 1
        pop     bp
        iret
iret_cf0:
        push    bp
        mov     bp, sp
        and     byte [bp+6], 0FEh
        pop     bp
        iret

; ---- INT 15h ------------------------------------------------------------------------------------
int15:
        sti
        cmp     ah, 4Fh
        je      .kbhook
        cmp     ah, 91h
        je      .post
        cmp     ah, 90h
        je      .post
        cmp     ax, 0E820h
        je      e820
        cmp     ax, 0E801h
        je      e801
        cmp     ah, 88h
        je      .ext
        cmp     ah, 0C0h
        je      .config
        cmp     ah, 86h
        je      wait_us
        cmp     ah, 24h
        je      a20_services
        cmp     ah, 87h
        je      block_move
        mov     ah, 86h                 ; unsupported (APM 53h included: not present)
        jmp     iret_cf1
.kbhook:
        iret                            ; CF as the caller set it: process the key
.post:  mov     ah, 0
        jmp     iret_cf0
.ext:   push    ds
        push    es
        mov     ax, EBDA_SEG
        mov     es, ax
        mov     eax, [es:EBDA_RAMTOP]
        sub     eax, 100000h
        shr     eax, 10
        cmp     eax, 0FFFFh
        jbe     .e
        mov     ax, 0FFFFh
.e:     pop     es
        pop     ds
        jmp     iret_cf0
.config:
        push    cs
        pop     es
        mov     bx, config_table
        mov     ah, 0
        jmp     iret_cf0

e801:   push    es
        mov     ax, EBDA_SEG
        mov     es, ax
        mov     eax, [es:EBDA_RAMTOP]
        pop     es
        push    eax
        sub     eax, 100000h
        shr     eax, 10
        cmp     eax, 3C00h
        jbe     .lo
        mov     eax, 3C00h
.lo:    mov     cx, ax
        pop     eax
        sub     eax, 1000000h
        jnc     .hi
        xor     eax, eax
.hi:    shr     eax, 16
        mov     bx, ax
        mov     dx, bx
        mov     ax, cx
        jmp     iret_cf0

; E820: EBX = continuation (entry index), ES:DI = 20-byte buffer, EDX = 'SMAP'
e820:   cmp     edx, 534D4150h
        jne     .bad
        cmp     ebx, 5
        jae     .bad
        push    ds
        push    esi
        push    ecx
        mov     si, EBDA_SEG
        mov     ds, si
        mov     si, bx
        shl     si, 4
        add     si, e820_fixed
        ; entries 0-4 fixed (ROM), entry 3's length and 5 (the top alias) computed
        mov     eax, [cs:si]
        mov     [es:di], eax
        mov     dword [es:di+4], 0
        mov     eax, [cs:si+4]
        mov     [es:di+8], eax
        mov     dword [es:di+12], 0
        mov     eax, [cs:si+8]
        mov     [es:di+16], eax
        cmp     bx, 3
        jne     .n3
        mov     eax, [EBDA_RAMTOP]
        sub     eax, 100000h
        mov     [es:di+8], eax
.n3:    inc     ebx
        cmp     ebx, 5
        jb      .more
        xor     ebx, ebx                ; the last entry
.more:  pop     ecx
        pop     esi
        pop     ds
        mov     eax, 534D4150h
        mov     ecx, 20
        jmp     iret_cf0
.bad:   mov     ah, 86h
        jmp     iret_cf1

; AH=86h: wait CX:DX microseconds (polling the 8254's channel 0)
wait_us:
        push    eax
        push    ebx
        push    ecx
        push    edx
        push    esi
        shl     ecx, 16
        mov     cx, dx
        mov     eax, ecx
        mov     ebx, 1193
        mul     ebx
        mov     ebx, 1000
        div     ebx
        mov     esi, eax                ; PIT counts to wait
        call    .count
        mov     bx, ax
.l:     test    esi, esi
        jz      .done
        call    .count
        mov     dx, bx
        sub     dx, ax                  ; the counter counts down
        mov     bx, ax
        movzx   edx, dx
        cmp     edx, esi
        jae     .done
        sub     esi, edx
        jmp     .l
.done:  pop     esi
        pop     edx
        pop     ecx
        pop     ebx
        pop     eax
        mov     ah, 0
        jmp     iret_cf0
.count: mov     al, 00h                 ; latch channel 0
        out     43h, al
        in      al, 40h
        mov     ah, al
        in      al, 40h
        xchg    al, ah
        ret

; AH=87h: move CX words between the linear bases of the descriptors at ES:SI+10h (source) and
; ES:SI+18h (destination), through protected mode with a flat data segment of our own (the
; caller's descriptors give only the bases; A20 is on since POST).
block_move:
        push    ds
        push    es
        pushad
        mov     ebx, [es:si+12h]
        and     ebx, 0FFFFFFh
        mov     al, [es:si+17h]
        shl     eax, 24
        or      ebx, eax                ; source
        mov     edx, [es:si+1Ah]
        and     edx, 0FFFFFFh
        mov     al, [es:si+1Fh]
        shl     eax, 24
        or      edx, eax                ; destination
        movzx   ecx, cx
        cli
        o32 lgdt [cs:bm_gdtr]
        mov     eax, cr0
        or      al, 1
        mov     cr0, eax
        jmp     08h:.pm
.pm:    mov     ax, 10h
        mov     ds, ax
        mov     es, ax
        mov     esi, ebx
        mov     edi, edx
        cld
        a32     rep movsw
        mov     eax, cr0
        and     al, 0FEh
        mov     cr0, eax
        jmp     BIOS_SEG:.rm
.rm:    popad
        pop     es
        pop     ds
        sti
        mov     ah, 0
        jmp     iret_cf0

; AH=24h: A20 gate (port 92h)
a20_services:
        cmp     al, 03h
        je      .support
        cmp     al, 02h
        je      .status
        cmp     al, 01h
        ja      .bad
        push    ax
        in      al, 92h
        and     al, 0FCh
        test    byte [esp], 1
        jz      .off
        or      al, 02h
.off:   out     92h, al
        pop     ax
        mov     ah, 0
        jmp     iret_cf0
.status:
        in      al, 92h
        shr     al, 1
        and     al, 1
        mov     ah, 0
        jmp     iret_cf0
.support:
        mov     bx, 0002h               ; port 92h
        mov     ah, 0
        jmp     iret_cf0
.bad:   mov     ah, 86h
        jmp     iret_cf1

; ---- INT 1Ah ------------------------------------------------------------------------------------
int1a:
        sti
        push    ds
        push    bx
        mov     bx, BDA_SEG
        mov     ds, bx
        cmp     ah, 00h
        je      .get
        cmp     ah, 01h
        je      .set
        cmp     ah, 02h
        je      .time
        cmp     ah, 04h
        je      .date
        cmp     ah, 03h
        je      .stime
        cmp     ah, 05h
        je      .sdate
        pop     bx
        pop     ds
        jmp     iret_cf1
.get:   cli
        mov     dx, [BDA_TICKS]
        mov     cx, [BDA_TICKS+2]
        mov     al, 0
        xchg    al, [BDA_MIDNIGHT]
        jmp     .ok
.set:   cli
        mov     [BDA_TICKS], dx
        mov     [BDA_TICKS+2], cx
        mov     byte [BDA_MIDNIGHT], 0
        jmp     .ok
.time:  call    rtc_wait_update
        mov     al, 00h
        call    cmos_read
        mov     dh, al
        mov     al, 02h
        call    cmos_read
        mov     cl, al
        mov     al, 04h
        call    cmos_read
        mov     ch, al
        mov     al, 0Bh
        call    cmos_read
        and     al, 1
        mov     dl, al
        jmp     .ok
.date:  call    rtc_wait_update
        mov     al, 07h
        call    cmos_read
        mov     dl, al
        mov     al, 08h
        call    cmos_read
        mov     dh, al
        mov     al, 09h
        call    cmos_read
        mov     cl, al
        mov     al, 32h
        call    cmos_read
        mov     ch, al
        jmp     .ok
.stime: call    rtc_wait_update
        mov     ah, 00h
        mov     al, dh
        call    cmos_write
        mov     ah, 02h
        mov     al, cl
        call    cmos_write
        mov     ah, 04h
        mov     al, ch
        call    cmos_write
        jmp     .ok
.sdate: call    rtc_wait_update
        mov     ah, 07h
        mov     al, dl
        call    cmos_write
        mov     ah, 08h
        mov     al, dh
        call    cmos_write
        mov     ah, 09h
        mov     al, cl
        call    cmos_write
        mov     ah, 32h
        mov     al, ch
        call    cmos_write
.ok:    pop     bx
        pop     ds
        sti
        jmp     iret_cf0

; ---- INT 18h/19h ----------------------------------------------------------------------------------
int18:  mov     si, msg_no_boot
        call    print
        POSTCODE POST_NOBOOT
        jmp     halt_forever

; Boots the first hard disk with a boot signature: its sector 0 at 0000:7C00, DL = drive.
int19:
        sti
        xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     sp, 7C00h
        mov     dl, 80h
.next:  mov     ax, EBDA_SEG
        mov     fs, ax
        mov     al, [fs:EBDA_HDNUM]
        add     al, 80h
        cmp     dl, al
        jae     .none
        push    dx
        mov     ax, 0201h
        mov     cx, 0001h
        mov     dh, 0
        mov     bx, 7C00h
        int     13h
        pop     dx
        jc      .skip
        cmp     word [7DFEh], 0AA55h
        jne     .skip
        mov     si, msg_booting
        call    print
        xor     ax, ax
        xor     bx, bx
        xor     cx, cx
        xor     si, si
        xor     di, di
        mov     dh, 0
        jmp     0000h:7C00h
.skip:  inc     dl
        jmp     .next
.none:  int     18h
        jmp     halt_forever
