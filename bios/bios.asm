; x86emu BIOS — the project's own PC/AT BIOS: one 64 KiB ROM at F0000h-FFFFFh.
;
; Written from public interface specifications only: the IBM PC/AT Technical Reference (POST
; order, BIOS data area, interrupt vector assignments, the fixed entry point at F000:E05B and the
; date/model bytes at F000:FFF5/FFFE), Phoenix/IBM BIOS interface specs and Ralf Brown's interrupt
; list (register conventions of INT 10h-1Ah), the ACPI specification (INT 15h E820), the VESA BIOS
; Extension 3.0 (INT 10h 4Fxxh), BIOS Enhanced Disk Drive Services 3.0 (INT 13h 41h-48h) and the
; ATA/ATAPI-6 standard (the PIO protocol of the disk driver). docs/BIOS.md describes what is
; implemented, the POST sequence and the memory map.
;
; Needs a 386 or later (32-bit registers in real mode); the platform's default CPU is the P6.
; Generated includes (build time): vga_mode_tables.inc (the register tables of
; libx86emu/src/devices/vga_modes.cpp), bios_font.inc (the CP437 8x8/8x14/8x16 glyphs of the VGA's
; font source, libx86emu/cmake/vga_font.cmake).

        cpu     686
        bits    16
        org     0

%include "defs.inc"

rom_start:
%include "post.asm"
%include "video.asm"
%include "vbe.asm"
%include "disk.asm"
%include "keyboard.asm"
%include "services.asm"
%include "data.asm"

        ; Fonts (CP437; INT 1Fh points at the upper half of the 8x8 font, INT 43h at the one the
        ; current mode uses).
        align   16
%include "bios_font.inc"

; ---- fixed PC/AT entry points ---------------------------------------------------------------
        times   0E05Bh - ($ - $$) db 0FFh
post_entry:                             ; F000:E05B, where the reset vector jumps (PC/AT)
        jmp     post

        times   0E6F5h - ($ - $$) db 0FFh
config_table:                           ; INT 15h C0h: the system configuration table
        dw      8                       ; bytes that follow
        db      0FCh                    ; model: AT
        db      01h                     ; submodel
        db      00h                     ; BIOS revision
        db      74h                     ; feature 1: 2nd PIC (40h), RTC (20h), INT 15h 4Fh (10h), EBDA (04h)
        db      40h                     ; feature 2: INT 16h 09h (keyboard functionality) supported
        db      0, 0, 0

        times   0FFF0h - ($ - $$) db 0FFh
reset_vector:                           ; F000:FFF0 (and FFFFFFF0h through the top alias)
        jmp     0F000h:post_entry
        db      '12/02/26'              ; F000:FFF5: BIOS date
        db      0
        db      0FCh                    ; F000:FFFE: model byte (AT)
        db      0
