; x86emu-sdl tests — a 64 KiB BIOS image (nasm -f bin) with no BIOS that draws through the VGA's
; planar write paths (IBM VGA Technical Reference: sequencer map mask 02h, graphics controller
; write mode 05h and bit mask 08h, attribute palette 00h-0Fh, DAC 3C8h/3C9h) in mode 12h
; (640x480x16, IBM's register values), then a Bochs DISPI 1024x768x32 mode through the 64 KiB
; bank window. check_sdl.py computes the same pictures:
;   attribute palette entry c = (5c + 3) & 63; DAC entry i = (i, 63 - i, (3i) & 63) (load_test_dac)
;   rows 0-239, write mode 2 one pixel at a time (bit mask 80h >> (x & 7), latches loaded by a
;     read): colour (x + y) & 15
;   rows 240-479, write mode 0 one plane at a time (map mask 1 << p): plane p's byte at column
;     b = x >> 3 of row y is (b * (2p + 1) + y) & 255, pixel bit 7 - (x & 7)
;   DISPI: pixel (x, y) = XRGB (x >> 2, y >> 2, (x + y) & 255)
bits 16
cpu 386
org 0

start:
    cli
    xor ax, ax
    mov ss, ax
    mov sp, 0x7000
    mov si, mode12_registers
    call load_vga_registers
    ; attribute palette 00h-0Fh: (5c + 3) & 63, palette address source back on
    mov dx, 0x3DA
    in al, dx
    mov dx, 0x3C0
    xor bl, bl
.attribute:
    mov al, bl
    out dx, al
    mov al, bl
    mov ah, 5
    mul ah
    add al, 3
    and al, 63
    out dx, al
    inc bl
    cmp bl, 16
    jne .attribute
    mov al, 0x20
    out dx, al
    call load_test_dac

    mov ax, 0xA000
    mov es, ax
    ; top half: write mode 2, one pixel per write through the bit mask
    mov dx, 0x3CE
    mov ax, 0x0205              ; graphics 05h = 02h: write mode 2
    out dx, ax
    xor di, di
    xor bp, bp                  ; y
.wm2_row:
    xor si, si                  ; x
.wm2_pixel:
    mov cx, si
    and cl, 7
    mov ah, 0x80
    shr ah, cl
    mov al, 8                   ; graphics 08h: bit mask
    out dx, ax
    mov al, [es:di]             ; load the latches: the other seven pixels keep their colour
    mov ax, si
    add ax, bp
    and al, 15
    mov [es:di], al
    inc si
    test si, 7
    jnz .wm2_same_byte
    inc di
.wm2_same_byte:
    cmp si, 640
    jne .wm2_pixel
    inc bp
    cmp bp, 240
    jne .wm2_row
    ; bottom half: write mode 0, bit mask FFh, one plane at a time through the map mask
    mov ax, 0x0005
    out dx, ax
    mov ax, 0xFF08
    out dx, ax
    xor cx, cx                  ; plane
.wm0_plane:
    mov dx, 0x3C4
    mov al, 2                   ; sequencer 02h: map mask
    mov ah, 1
    shl ah, cl
    out dx, ax
    mov di, 240 * 80
    mov bp, 240                 ; y
    mov bx, cx
    shl bx, 1
    inc bx                      ; 2p + 1
.wm0_row:
    xor si, si                  ; column byte
.wm0_byte:
    mov ax, si
    mul bl                      ; al = column * (2p + 1) (low byte)
    add ax, bp
    stosb
    inc si
    cmp si, 80
    jne .wm0_byte
    inc bp
    cmp bp, 480
    jne .wm0_row
    inc cx
    cmp cx, 4
    jne .wm0_plane

    mov ecx, 0x01000000         ; the mode 12h screenshot is taken in here
.wait:
    dec ecx
    jnz .wait

    ; DISPI 1024x768x32: ENABLE 0, XRES, YRES, BPP, then ENABLE = enabled + LFB
    mov dx, 0x1CE
    mov si, dispi_settings
    mov cx, 5
.dispi:
    cs lodsw
    out dx, ax
    inc dx
    cs lodsw
    out dx, ax
    dec dx
    loop .dispi
    ; 4096 bytes a row: bank n holds rows 16n to 16n + 15
    xor bx, bx                  ; bank
    xor bp, bp                  ; y
.bank:
    mov dx, 0x1CE
    mov ax, 5
    out dx, ax
    inc dx
    mov ax, bx
    out dx, ax
    xor di, di
.drow:
    xor si, si                  ; x
.dpixel:
    mov ax, si
    shr ax, 2
    movzx eax, al
    shl eax, 16                 ; red = x >> 2
    mov cx, bp
    shr cx, 2
    mov ah, cl                  ; green = y >> 2
    mov cx, si
    add cx, bp
    mov al, cl                  ; blue = (x + y) & 255
    mov [es:di], eax
    add di, 4
    inc si
    cmp si, 1024
    jne .dpixel
    inc bp
    test bp, 15
    jnz .drow
    inc bx
    cmp bx, 48
    jne .bank
.done:
    jmp .done                   ; the DISPI screenshot is taken in here

; IBM's mode 12h parameters: misc output, sequencer, CRTC, graphics controller, attribute controller
mode12_registers:
    db 0xE3
    db 0x03, 0x01, 0x0F, 0x00, 0x06
    db 0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0x0B, 0x3E, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
    db 0xEA, 0x8C, 0xDF, 0x28, 0x00, 0xE7, 0x04, 0xE3, 0xFF
    db 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0F, 0xFF
    db 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F
    db 0x01, 0x00, 0x0F, 0x00, 0x00
; DISPI index, value pairs
dispi_settings:
    dw 4, 0x00, 1, 1024, 2, 768, 3, 32, 4, 0x41

%include "vga_registers.inc"

%include "rom_image.inc"
    rom_tail 0x10000, 0xF4  ; HLT fill
