; x86emu-sdl tests — a 64 KiB BIOS image (nasm -f bin) that draws known patterns through the VGA's
; registers, with no BIOS: mode 13h from IBM's VGA register values for that mode (misc output,
; sequencer, CRTC, graphics controller, attribute controller; IBM VGA Technical Reference), its
; own 256-entry DAC palette, then a Bochs DISPI mode (640x480x32, banked through A0000h). Between
; the two it waits in a delay loop so that the test can take a screenshot of each;
; check_sdl.py computes the same patterns:
;   mode 13h: pixel (x, y) = colour (x + 2y) & 255; DAC entry i = (i & 63, (i >> 2) & 63, 63 - (i & 63))
;   DISPI:    pixel (x, y) = XRGB (x & 255, y & 255, (x ^ y) & 255)
bits 16
cpu 386
org 0

start:
    cli
    xor ax, ax
    mov ss, ax
    mov sp, 0x7000
    mov ds, ax
    mov si, mode13_registers
    call load_vga_registers
    ; DAC: 256 entries from index 0
    mov dx, 0x3C8
    xor al, al
    out dx, al
    inc dx
    xor bx, bx
.dac:
    mov al, bl
    and al, 63
    out dx, al
    mov al, bl
    shr al, 2
    and al, 63
    out dx, al
    mov al, bl
    and al, 63
    neg al
    add al, 63
    out dx, al
    inc bx
    cmp bx, 256
    jne .dac
    ; the 13h pattern: A000:y*320+x = (x + 2y) & 255
    mov ax, 0xA000
    mov es, ax
    xor di, di
    xor dx, dx                  ; y
.row:
    xor cx, cx                  ; x
.pixel:
    mov ax, dx
    shl ax, 1
    add ax, cx
    stosb
    inc cx
    cmp cx, 320
    jne .pixel
    inc dx
    cmp dx, 200
    jne .row

    mov ecx, 0x01000000         ; the first screenshot is taken in here
.wait:
    dec ecx
    jnz .wait

    ; DISPI 640x480x32, banked (window A0000h-AFFFFh)
    mov dx, 0x1CE
    mov ax, 4                   ; ENABLE = 0 while the mode changes
    out dx, ax
    inc dx
    xor ax, ax
    out dx, ax
    dec dx
    mov ax, 1
    out dx, ax
    inc dx
    mov ax, 640
    out dx, ax
    dec dx
    mov ax, 2
    out dx, ax
    inc dx
    mov ax, 480
    out dx, ax
    dec dx
    mov ax, 3
    out dx, ax
    inc dx
    mov ax, 32
    out dx, ax
    dec dx
    mov ax, 4
    out dx, ax
    inc dx
    mov ax, 0x41                ; enabled, LFB
    out dx, ax
    ; 640 x 480 x 4 bytes = 19 banks (the last one part used); pixel (x, y) = (x, y, x ^ y)
    xor si, si                  ; x
    xor bp, bp                  ; y
    xor bx, bx                  ; bank
.bank:
    mov dx, 0x1CE
    mov ax, 5
    out dx, ax
    inc dx
    mov ax, bx
    out dx, ax
    xor di, di
.dpixel:
    mov ax, si
    xor ax, bp
    movzx eax, al               ; blue
    mov cx, bp
    mov ah, cl                  ; green
    mov cx, si
    and ecx, 0xFF
    shl ecx, 16
    or eax, ecx                 ; red
    mov [es:di], eax
    inc si
    cmp si, 640
    jne .next
    xor si, si
    inc bp
    cmp bp, 480
    je .done
.next:
    add di, 4
    jnz .dpixel
    inc bx
    jmp .bank
.done:
    jmp .done                   ; the second screenshot is taken in here

mode13_registers: db 0x63  ; misc output: colour addresses, 25 MHz clock, 400-line sync polarities
seq_values:  db 0x03, 0x01, 0x0F, 0x00, 0x0E
crtc_values: db 0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0x41, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
             db 0x9C, 0x8E, 0x8F, 0x28, 0x40, 0x96, 0xB9, 0xA3, 0xFF
gc_values:   db 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0F, 0xFF
ac_values:   db 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F
             db 0x41, 0x00, 0x0F, 0x00, 0x00

%include "vga_registers.inc"

%include "rom_image.inc"
    rom_tail 0x10000, 0xF4  ; HLT fill
