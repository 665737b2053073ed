; x86emu-sdl tests — a 64 KiB BIOS image (nasm -f bin) with no BIOS that tests the VGA text path
; (IBM VGA Technical Reference: font loading through plane 2 with sequencer 02h/04h and graphics
; 04h-06h, CRTC 09h maximum scan line, 0Ah/0Bh cursor shape, 0Eh/0Fh cursor location, input
; status 1 bit 3 vertical retrace, DAC 3C8h/3C9h). check_sdl.py text computes the same pictures:
;   font: glyph row r (0-31) of character c is (5c + 29r) & 255, loaded into plane 2, map 0
;   registers: IBM's mode 03h values but attribute 10h = 04h (line graphics on, blink off, so bit 7
;     of an attribute is a bright background); DAC entry i = (i, 63 - i, (3i) & 63) (load_test_dac)
;   80x25 (16 scan lines a row): cell i holds character (7i) & 255, attribute (3i) & 255; the
;     cursor at cell 1000 (row 12, column 40) on scan lines 0Dh-0Eh
;   after 40 vertical retraces, 80x50 (CRTC 09h = 47h: 8 scan lines a row), cursor off (0Ah bit
;     5), attribute 10h = 0Ch (attribute bit 7 blinks, 3-bit backgrounds): cell i holds character
;     (11i) & 255, attribute (5i + 1) & 255
bits 16
cpu 386
org 0

start:
    cli
    xor ax, ax
    mov ss, ax
    mov sp, 0x7000
    ; plane 2 alone, linear: map mask 4, sequential (memory mode 06h), read map 2, write mode 0,
    ; A0000h-AFFFFh without odd/even
    mov dx, 0x3C4
    mov ax, 0x0402
    out dx, ax
    mov ax, 0x0604
    out dx, ax
    mov dx, 0x3CE
    mov ax, 0x0204
    out dx, ax
    mov ax, 0x0005
    out dx, ax
    mov ax, 0x0406
    out dx, ax
    mov ax, 0xFF08
    out dx, ax
    mov ax, 0xA000
    mov es, ax
    xor di, di
    xor bx, bx                  ; character
.font_char:
    mov al, bl
    mov ah, 5
    mul ah                      ; al = 5c
    mov cx, 32
.font_row:
    stosb
    add al, 29
    loop .font_row
    inc bx
    cmp bx, 256
    jne .font_char

    mov si, mode03_registers
    call load_vga_registers
    mov dx, 0x3C6
    mov al, 0xFF
    out dx, al
    call load_test_dac

    ; 80x25: character 7i, attribute 3i
    mov ax, 0xB800
    mov es, ax
    xor di, di
    xor ax, ax
    mov cx, 2000
.cells25:
    stosw
    add al, 7
    add ah, 3
    loop .cells25
    mov dx, 0x3D4
    mov ax, 0x030E              ; cursor location 1000 = 03E8h
    out dx, ax
    mov ax, 0xE80F
    out dx, ax
    ; both cursor screenshots are taken while this waits for 40 vertical retraces
    mov cx, 40
    mov dx, 0x3DA
.retrace_end:
    in al, dx
    test al, 8
    jnz .retrace_end
.retrace_start:
    in al, dx
    test al, 8
    jz .retrace_start
    loop .retrace_end

    ; 80x50: 8 scan lines a character row, cursor off, attribute 10h = 0Ch: bit 7 blinks
    in al, dx                   ; (DX = 3DAh) the attribute flip-flop to "index"
    mov dx, 0x3C0
    mov al, 0x30                ; index 10h with the palette address source on
    out dx, al
    mov al, 0x0C
    out dx, al
    mov dx, 0x3D4
    mov ax, 0x4709
    out dx, ax
    mov ax, 0x200A
    out dx, ax
    xor di, di
    mov ax, 0x0100
    mov cx, 4000
.cells50:
    stosw
    add al, 11
    add ah, 5
    loop .cells50
.done:
    jmp .done                   ; the 80x50 screenshot is taken in here

; IBM's mode 03h parameters (attribute 10h 04h instead of 0Ch: blink off): misc output, sequencer,
; CRTC, graphics controller, attribute controller
mode03_registers:
    db 0x67
    db 0x03, 0x00, 0x03, 0x00, 0x02
    db 0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E, 0x00, 0x00, 0x00, 0x00
    db 0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF
    db 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x00, 0xFF
    db 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F
    db 0x04, 0x00, 0x0F, 0x08, 0x00

%include "vga_registers.inc"

%include "rom_image.inc"
    rom_tail 0x10000, 0xF4  ; HLT fill
