; Power-on self test: from the reset vector to INT 19h (docs/BIOS.md "POST sequence").

post:
        cli
        cld
        ; CMOS shutdown byte (0Fh; PC/AT technical reference): 05h and 0Ah are a program's way
        ; back to real mode through a CPU reset, resuming at the far pointer at 40:67h.
        mov     al, 8Fh                 ; index 0Fh, NMI masked
        out     70h, al
        in      al, 71h
        mov     bl, al
        mov     al, 8Fh
        out     70h, al
        xor     al, al
        out     71h, al
        cmp     bl, 05h
        je      .resume_eoi
        cmp     bl, 0Ah
        je      .resume
        jmp     .cold
.resume_eoi:
        mov     al, 20h
        out     20h, al
.resume:
        mov     ax, BDA_SEG
        mov     ds, ax
        jmp     far [BDA_RESUME]

.cold:
        POSTCODE POST_START
        xor     ax, ax
        mov     ss, ax
        mov     sp, 7C00h
        mov     ds, ax
        mov     es, ax
        ; IVT, BDA and the DOS communication area (0-7FFh) start zeroed
        xor     di, di
        mov     cx, 400h
        rep     stosw

        ; ---- interrupt vectors -----------------------------------------------------------
        POSTCODE POST_IVT
        xor     di, di
        mov     cx, 256
.vec:   mov     ax, dummy_iret
        stosw
        mov     ax, BIOS_SEG
        stosw
        loop    .vec
        mov     di, 08h*4               ; IRQ 0-7 -> 08h-0Fh
        mov     cx, 8
.vmaster:
        mov     word [es:di], irq_master_default
        add     di, 4
        loop    .vmaster
        mov     di, 70h*4               ; IRQ 8-15 -> 70h-77h
        mov     cx, 8
.vslave:
        mov     word [es:di], irq_slave_default
        add     di, 4
        loop    .vslave
        SETVEC  08h, int08_timer
        SETVEC  09h, int09_keyboard
        SETVEC  10h, int10
        SETVEC  11h, int11
        SETVEC  12h, int12
        SETVEC  13h, int13
        SETVEC  14h, int14
        SETVEC  15h, int15
        SETVEC  16h, int16
        SETVEC  17h, int17
        SETVEC  18h, int18
        SETVEC  19h, int19
        SETVEC  1Ah, int1a
        SETVEC  1Fh, font8x8 + 128*8
        SETVEC  43h, font8x8
        SETVEC  70h, int70_rtc
        mov     word [es:1Eh*4], 0      ; no diskette parameter table: no floppy drive
        mov     word [es:1Eh*4+2], 0

        ; ---- 8259A pair: ICW1-4, master vectors 08h, slave 70h, cascade on IRQ 2 --------
        POSTCODE POST_PIC
        mov     al, 11h
        out     20h, al
        out     0A0h, al
        mov     al, 08h
        out     21h, al
        mov     al, 70h
        out     0A1h, al
        mov     al, 04h
        out     21h, al
        mov     al, 02h
        out     0A1h, al
        mov     al, 01h
        out     21h, al
        out     0A1h, al
        mov     al, 0F8h                ; IRQ 0 (timer), 1 (keyboard), 2 (cascade) enabled
        out     21h, al
        mov     al, 0FFh
        out     0A1h, al

        ; ---- 8254 channel 0: mode 3, divisor 65536 (18.2 Hz) -------------------------------
        POSTCODE POST_PIT
        mov     al, 36h
        out     43h, al
        xor     al, al
        out     40h, al
        out     40h, al

        ; ---- RTC: 32.768 kHz time base, 24-hour BCD, no interrupts; memory sizes ----------
        POSTCODE POST_RTC
        mov     ax, 0A26h
        call    cmos_write
        mov     ax, 0B02h
        call    cmos_write
        mov     al, 0Ch
        call    cmos_read               ; clear pending flags
        mov     al, 0Dh
        call    cmos_read

        ; ---- BIOS data area ------------------------------------------------------------------
        mov     ax, BDA_SEG
        mov     ds, ax
        mov     word [BDA_COM1], 3F8h
        mov     word [BDA_COM1+2], 2F8h
        mov     word [BDA_EBDA], EBDA_SEG
        ; equipment: 2 serial ports (bits 11-9), 80x25 colour (bits 5-4 = 10b), FPU (bit 1)
        mov     ax, 0420h
        mov     bx, ax
        fninit                          ; FNSTSW leaves 0 in AX with an x87, FFFFh-ish without
        mov     word [BDA_EQUIP], 0FFFFh
        fnstsw  [BDA_EQUIP]
        cmp     word [BDA_EQUIP], 0
        jne     .nofpu
        or      bl, 02h
.nofpu: mov     [BDA_EQUIP], bx
        mov     word [BDA_MEMKB], 639   ; 640 KiB less the 1 KiB EBDA
        mov     word [BDA_KBHEAD], BDA_KBBUF
        mov     word [BDA_KBTAIL], BDA_KBBUF
        mov     word [BDA_KBSTART], BDA_KBBUF
        mov     word [BDA_KBEND], BDA_KBBUF + 32
        mov     byte [BDA_KBFLAG3], 10h ; enhanced (101-key) keyboard
        ; the timer count since midnight from the RTC's time
        call    rtc_to_ticks
        mov     [BDA_TICKS], eax

        ; ---- EBDA ---------------------------------------------------------------------------
        mov     ax, EBDA_SEG
        mov     es, ax
        xor     di, di
        mov     cx, 200h
        xor     ax, ax
        rep     stosw
        mov     byte [es:EBDA_SIZE], 1
        call    size_memory
        mov     [es:EBDA_RAMTOP], eax
        call    find_vga_pci
        mov     [es:EBDA_VGAPCI], eax

        ; ---- 8042: self-test, command byte, keyboard reset, A20 -----------------------------
        POSTCODE POST_KBC
        call    kbc_init

        sti                             ; the timer runs from here (disk time-outs count ticks)

        ; ---- video: mode 03h through our own INT 10h ----------------------------------------
        POSTCODE POST_VIDEO
        mov     ax, 0003h
        int     10h
        mov     si, msg_banner
        call    print
        mov     ax, EBDA_SEG
        mov     es, ax
        mov     eax, [es:EBDA_RAMTOP]
        shr     eax, 10
        call    print_dec
        mov     si, msg_kib
        call    print

        ; ---- ATA/ATAPI devices ----------------------------------------------------------------
        POSTCODE POST_ATA
        call    ata_detect

        ; ---- option ROMs at C0000h-DFFFFh (2 KiB steps, 55AAh, checksum, far call +3) -------
        POSTCODE POST_OPTROM
        call    scan_option_roms

        POSTCODE POST_BOOT
        int     19h
        jmp     halt_forever

; Reads CMOS register AL into AL (NMI stays enabled).
cmos_read:
        out     70h, al
        in      al, 71h
        ret
; Writes AL to CMOS register AH.
cmos_write:
        xchg    al, ah
        out     70h, al
        xchg    al, ah
        out     71h, al
        ret

; EAX = end of RAM below 4 GiB from the CMOS sizes: 34h/35h (64 KiB units above 16 MiB) if set,
; else 30h/31h (KiB above 1 MiB).
size_memory:
        mov     al, 35h
        call    cmos_read
        mov     ah, al
        mov     al, 34h
        call    cmos_read
        movzx   eax, ax
        test    eax, eax
        jz      .low
        shl     eax, 16
        add     eax, 1000000h
        ret
.low:   mov     al, 31h
        call    cmos_read
        mov     ah, al
        mov     al, 30h
        call    cmos_read
        movzx   eax, ax
        shl     eax, 10
        add     eax, 100000h
        ret

; The RTC's time of day as timer ticks (ticks = seconds * 1193180 / 65536) in EAX.
rtc_to_ticks:
        call    rtc_wait_update
        mov     al, 04h
        call    cmos_read
        call    bcd_to_bin
        movzx   ebx, al
        imul    ebx, 60
        mov     al, 02h
        call    cmos_read
        call    bcd_to_bin
        movzx   eax, al
        add     ebx, eax
        imul    ebx, 60
        mov     al, 00h
        call    cmos_read
        call    bcd_to_bin
        movzx   eax, al
        add     eax, ebx
        mov     ebx, 1193180
        mul     ebx                     ; EDX:EAX = seconds * PIT rate
        shrd    eax, edx, 16
        ret

bcd_to_bin:                             ; AL (BCD) -> AL
        push    cx
        mov     cl, al
        shr     al, 4
        mov     ch, 10
        mul     ch
        and     cl, 0Fh
        add     al, cl
        pop     cx
        ret

; Waits (bounded) until the RTC's update-in-progress bit is clear.
rtc_wait_update:
        push    cx
        mov     cx, 0FFFFh
.w:     mov     al, 0Ah
        call    cmos_read
        test    al, 80h
        loopnz  .w
        pop     cx
        ret

; The VGA's PCI configuration address (class 03h, bus 0) in EAX, 0 if none.
find_vga_pci:
        mov     ebx, 80000008h          ; device 0, register 08h (class code)
.next:  mov     eax, ebx
        mov     dx, 0CF8h
        out     dx, eax
        mov     dx, 0CFCh
        in      eax, dx
        shr     eax, 16
        cmp     ax, 0300h
        je      .found
        add     ebx, 800h               ; next device
        cmp     ebx, 80010008h
        jb      .next
        xor     eax, eax
        ret
.found: mov     eax, ebx
        and     eax, 0FFFFFF00h
        ret

; ---- 8042 --------------------------------------------------------------------------------
kbc_wait_write:                         ; until the input buffer is empty (bounded)
        push    cx
        mov     cx, 0FFFFh
.w:     in      al, 64h
        test    al, 02h
        loopnz  .w
        pop     cx
        ret
kbc_wait_read:                          ; until the output buffer is full; CF=1 on time-out
        push    cx
        mov     cx, 0FFFFh
.w:     in      al, 64h
        test    al, 01h
        jnz     .ok
        loop    .w
        pop     cx
        stc
        ret
.ok:    pop     cx
        clc
        ret
kbc_command:                            ; AL = command
        push    ax
        call    kbc_wait_write
        pop     ax
        out     64h, al
        ret
kbc_data:                               ; AL = data byte to port 60h
        push    ax
        call    kbc_wait_write
        pop     ax
        out     60h, al
        ret
kbc_flush:
        push    cx
        mov     cx, 32
.f:     in      al, 64h
        test    al, 01h
        jz      .done
        in      al, 60h
        loop    .f
.done:  pop     cx
        ret

kbc_init:
        call    kbc_flush
        mov     al, 0AAh                ; controller self-test: 55h
        call    kbc_command
        call    kbc_wait_read
        jc      .fail
        in      al, 60h
        cmp     al, 55h
        jne     .fail
        mov     al, 60h                 ; command byte: IRQ1, system flag, aux off, translate
        call    kbc_command
        mov     al, 65h
        call    kbc_data
        mov     al, 0AEh                ; keyboard interface on
        call    kbc_command
        mov     al, 0FFh                ; keyboard reset: FAh then AAh (BAT passed)
        call    kbc_data
        call    kbc_wait_read
        jc      .a20
        in      al, 60h
        call    kbc_wait_read
        jc      .a20
        in      al, 60h
        jmp     .a20
.fail:  mov     si, msg_kbc_fail
        call    print
.a20:   call    kbc_flush
        ; A20 on through the 8042's output port (D1h) and port 92h
        mov     al, 0D1h
        call    kbc_command
        mov     al, 0DFh
        call    kbc_data
        call    kbc_wait_write
        in      al, 92h
        or      al, 02h
        and     al, 0FEh                ; never the fast reset bit
        out     92h, al
        ret

; ---- option ROMs ---------------------------------------------------------------------------
scan_option_roms:
        mov     bx, 0C000h
.next:  mov     es, bx
        cmp     word [es:0], 0AA55h
        jne     .skip
        movzx   cx, byte [es:2]         ; size in 512-byte blocks
        jcxz    .skip
        shl     cx, 9
        xor     si, si
        xor     al, al
.sum:   add     al, [es:si]
        inc     si
        loop    .sum
        test    al, al
        jnz     .skip
        push    bx
        ; far call es:0003 through a pointer on the stack
        push    cs
        push    word .back
        push    es
        push    word 3
        retf
.back:  pop     bx
        mov     es, bx
        movzx   ax, byte [es:2]
        add     ax, 3                   ; round up to 2 KiB (80h paragraphs)
        shr     ax, 2
        shl     ax, 7
        add     bx, ax
        jmp     .check
.skip:  add     bx, 80h
.check: cmp     bx, 0E000h
        jb      .next
        ret

halt_forever:
        cli
.h:     hlt
        jmp     .h

; ---- console output: INT 10h teletype and the debug port E9h ------------------------------
print:                                  ; CS:SI = NUL-terminated string
        push    ax
        push    bx
        push    si
.l:     mov     al, [cs:si]
        inc     si
        test    al, al
        jz      .done
        out     0E9h, al
        mov     ah, 0Eh
        mov     bx, 0007h
        int     10h
        jmp     .l
.done:  pop     si
        pop     bx
        pop     ax
        ret

print_dec:                              ; EAX unsigned, decimal
        push    eax
        push    ebx
        push    ecx
        push    edx
        mov     ebx, 10
        xor     ecx, ecx
.div:   xor     edx, edx
        div     ebx
        push    dx
        inc     cx
        test    eax, eax
        jnz     .div
.out:   pop     ax
        add     al, '0'
        out     0E9h, al
        push    bx
        mov     ah, 0Eh
        mov     bx, 0007h
        int     10h
        pop     bx
        loop    .out
        pop     edx
        pop     ecx
        pop     ebx
        pop     eax
        ret
