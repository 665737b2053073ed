; x86emu unit-test guest (tests/unit/test_device_guests.cpp): PCI configuration mechanism #1
; (PCI Local Bus Specification 2.1, 3.7.4.1: CONFIG_ADDRESS CF8h, CONFIG_DATA CFCh) scanning
; bus 0, and BAR sizing (6.2.5.1) of the VGA's BAR0.
; Results at RESULT + :
;   0  byte   functions found on bus 0 (function 0 of devices 0-31 whose vendor is not FFFFh)
;   4  dword  per device 0-31: vendor | device << 16 (FFFFFFFFh where nothing answers), 128 bytes
; 132  dword  class code register (offset 08h) of 00:00.0, 00:01.0, 00:02.0 (12 bytes)
; 144  dword  00:02.0 BAR0 as found       148  dword  BAR0 after writing FFFFFFFFh
; 152  dword  BAR0 after writing the original back
; 156  dword  CONFIG_ADDRESS read back after writing 80001008h
%include "pc_guest.inc"

start:
    xor bx, bx                  ; device number
    xor cl, cl                  ; found
.scan:
    mov eax, ebx
    shl eax, 11
    or eax, 0x80000000
    call config_read
    mov di, bx
    shl di, 2
    mov [RESULT + 4 + di], eax
    cmp ax, 0xFFFF
    je .absent
    inc cl
.absent:
    inc bx
    cmp bx, 32
    jb .scan
    mov [RESULT + 0], cl
    mov eax, 0x80000008
    call config_read
    mov [RESULT + 132], eax
    mov eax, 0x80000808
    call config_read
    mov [RESULT + 136], eax
    mov eax, 0x80001008
    call config_read
    mov [RESULT + 140], eax
    mov dx, 0xCF8
    in eax, dx
    mov [RESULT + 156], eax
    ; BAR sizing
    mov eax, 0x80001010
    call config_read
    mov [RESULT + 144], eax
    mov esi, eax
    mov eax, 0x80001010
    mov ecx, 0xFFFFFFFF
    call config_write
    mov eax, 0x80001010
    call config_read
    mov [RESULT + 148], eax
    mov eax, 0x80001010
    mov ecx, esi
    call config_write
    mov eax, 0x80001010
    call config_read
    mov [RESULT + 152], eax
    jmp finish

; EAX = CONFIG_ADDRESS -> EAX = the dword
config_read:
    mov dx, 0xCF8
    out dx, eax
    mov dx, 0xCFC
    in eax, dx
    ret

; EAX = CONFIG_ADDRESS, ECX = the dword
config_write:
    mov dx, 0xCF8
    out dx, eax
    mov dx, 0xCFC
    mov eax, ecx
    out dx, eax
    ret

rom_end
