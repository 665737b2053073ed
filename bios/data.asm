; Strings and tables in ROM.
msg_banner      db 'x86emu BIOS', 13, 10, 'Memory: ', 0
msg_kib         db ' KiB', 13, 10, 0
msg_disk        db 'ATA disk: ', 0
msg_mib         db ' MiB', 13, 10, 0
msg_kbc_fail    db '8042 self-test failed', 13, 10, 0
msg_booting     db 'Booting from hard disk', 13, 10, 0
msg_no_boot     db 'No bootable disk found (no 55AAh boot signature on any disk). System halted.', 13, 10, 0
vbe_oem         db 'x86emu VBE', 0
vbe_vendor      db 'x86emu', 0
vbe_product     db 'Bochs DISPI adapter', 0
vbe_revision    db '1.0', 0

grey_ramp       db 00h, 05h, 08h, 0Bh, 0Eh, 11h, 14h, 18h, 1Ch, 20h, 24h, 28h, 2Dh, 32h, 38h, 3Fh

; The register tables of vga_modes.cpp (generated)
%include "vga_mode_tables.inc"

;               mode type regs            cols rows charh page   seg    crtmode
mode_table:
        db      03h, 0
        dw      vga_mode_03, 80
        db      25, 16
        dw      1000h, 0B800h
        db      29h, 0, 0, 0
        db      12h, 1
        dw      vga_mode_12, 80
        db      30, 16
        dw      0, 0A000h
        db      0, 0, 0, 0
        db      13h, 2
        dw      vga_mode_13, 40
        db      25, 8
        dw      0, 0A000h
        db      0, 0, 0, 0
        db      0FFh

; VBE modes: number, width, height, bits per pixel
vbe_modes:
        dw      100h, 640, 400, 8
        dw      101h, 640, 480, 8
        dw      103h, 800, 600, 8
        dw      105h, 1024, 768, 8
        dw      110h, 640, 480, 15
        dw      111h, 640, 480, 16
        dw      112h, 640, 480, 24
        dw      113h, 800, 600, 15
        dw      114h, 800, 600, 16
        dw      115h, 800, 600, 24
        dw      116h, 1024, 768, 15
        dw      117h, 1024, 768, 16
        dw      118h, 1024, 768, 24
        dw      119h, 1280, 1024, 15
        dw      11Ah, 1280, 1024, 16
        dw      11Bh, 1280, 1024, 24
        dw      140h, 640, 480, 32
        dw      141h, 800, 600, 32
        dw      142h, 1024, 768, 32
        dw      143h, 1280, 1024, 32
        dw      144h, 1920, 1080, 32
        dw      0FFFFh
vbe_modes_list:
        dw      100h, 101h, 103h, 105h, 110h, 111h, 112h, 113h, 114h, 115h, 116h, 117h, 118h
        dw      119h, 11Ah, 11Bh, 140h, 141h, 142h, 143h, 144h, 0FFFFh
;               R size/pos, G, B, reserved
masks15 db      5, 10, 5, 5, 5, 0, 1, 15
masks16 db      5, 11, 6, 5, 5, 0, 0, 0
masks32 db      8, 16, 8, 8, 8, 0, 8, 24

; E820 (base, length, type; 16 bytes each); entry 3's length is the RAM above 1 MiB
e820_fixed:
        dd      0, 9FC00h, 1, 0
        dd      9FC00h, 400h, 2, 0              ; the EBDA
        dd      0E0000h, 20000h, 2, 0           ; ACPI tables (E0000h) and this ROM
        dd      100000h, 0, 1, 0
        dd      0FFFF0000h, 10000h, 2, 0        ; the ROM's copy below 4 GiB

; Set-1 scan code -> ASCII, unshifted and shifted (00h: none / extended key)
scan_plain:
        db      0, 1Bh, '1234567890-=', 08h, 09h
        db      'qwertyuiop[]', 0Dh, 0, 'asdfghjkl;', 27h, '`', 0, '\'
        db      'zxcvbnm,./', 0, '*', 0, ' ', 0
        db      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
        db      '789-456+1230.', 0, 0, 0, 0, 0
scan_shift:
        db      0, 1Bh, '!@#$%^&*()_+', 08h, 0
        db      'QWERTYUIOP{}', 0Dh, 0, 'ASDFGHJKL:"~', 0, '|'
        db      'ZXCVBNM<>?', 0, '*', 0, ' ', 0
        db      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
        db      '789-456+1230.', 0, 0, 0, 0, 0

; The block move's GDT: null, 16-bit code at F0000h, flat 4 GiB data (16-bit, G = 1)
        align   8
bm_gdt: dq      0
        dw      0FFFFh, 0
        db      0Fh, 9Bh, 00h, 00h
        dw      0FFFFh, 0
        db      00h, 93h, 8Fh, 00h
bm_gdtr:
        dw      23
        dd      0F0000h + bm_gdt
