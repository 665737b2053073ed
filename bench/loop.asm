; bench/loop.asm — the speed benchmark's guest (issue 13): a ten-instruction integer loop in
; 32-bit flat protected mode, identical for x86emu, Bochs and QEMU.
;
; Layout (one flat image, loaded at 0000:7C00), as in workload.asm:
;   0x7C00  boot sector: only used under a real BIOS (Bochs, QEMU). It loads the payload sector
;           with INT 13h to 0x7E00 and jumps there. x86emu-bench loads the whole image at 0x7C00
;           and starts directly at 0000:7E00 in real mode.
;   0x7E00  payload: loads a GDT with flat 4 GiB code and data segments (base 0), sets CR0.PE
;           (Intel SDM vol. 3, 9.9.1 "Switching to Protected Mode"), far-jumps into 32-bit code
;           and reloads every data segment register. No paging, no A20: everything is below 1 MiB.
;
; The measured part lies between the START and END marker bytes written to port 0xE9: exactly
; ITERATIONS passes of the loop below, ten instructions each (add, xor, shl, a load, add, a
; store, add, and, dec, jnz), plus the two instructions that skip it when ITERATIONS is 0.
; After END the guest prints "checksum=XXXXXXXX" (a hash of the loop's registers and memory
; word, so an emulator that miscomputes is caught) and halts with interrupts off.
; No result depends on a flag the SDM leaves undefined.
;
; Assemble: nasm -f bin [-DITERATIONS=n] -o loop.bin loop.asm   (n up to 2^32-1)

cpu 386
org 0x7C00

%ifndef ITERATIONS
%define ITERATIONS 50000000     ; 500 M guest instructions
%endif

debug_port      equ 0xE9
start_marker    equ 0x02        ; must match the drivers (ASCII STX)
end_marker      equ 0x03        ; ASCII ETX
payload_sectors equ 1
stack_top       equ 0x7000
data_word       equ 0x1000      ; the loop's load/store target

; ---------------------------------------------------------------------------------------------
; Boot sector (BIOS path only)
; ---------------------------------------------------------------------------------------------
bits 16
%include "boot_sector.inc"
%include "flat_protected.inc"
BENCH_BOOT_SECTOR payload_entry, payload_sectors, debug_port, "loop: INT 13h failed to load the payload"

; ---------------------------------------------------------------------------------------------
; Payload: entered at 0000:7E00 in real mode
; ---------------------------------------------------------------------------------------------
FLAT_PROTECTED_ENTRY stack_top
    ; Every register the loop uses starts from a fixed value: nothing the BIOS left leaks in.
    mov eax, 0x12345678
    mov ebx, 0x9ABCDEF1
    mov ecx, 0x0F1E2D3C
    mov esi, data_word
    mov dword [esi], 0x55AA33CC
    mov ebp, ITERATIONS

    mov al, start_marker        ; AL only: EAX's upper bytes stay as set above
    out debug_port, al          ; ---- measured part starts after this instruction ----
    test ebp, ebp
    jz .finished
.loop:
    add eax, ebx
    xor ebx, ecx
    shl ecx, 3
    mov edx, [esi]
    add edx, eax
    mov [esi], edx
    add ecx, edx
    and ebx, 0x7FFFFFFF
    dec ebp
    jnz .loop
.finished:
    mov edi, eax                ; OUT needs AL: keep EAX's value
    mov al, end_marker
    out debug_port, al          ; ---- measured part ends with this instruction ----

    ; checksum = eax ^ rol(ebx, 8) ^ rol(ecx, 16) ^ [data_word]
    mov edx, edi
    rol ebx, 8
    xor edx, ebx
    rol ecx, 16
    xor edx, ecx
    xor edx, [esi]
    mov esi, checksum_text
    call print_string
    mov ecx, 8
.hex_digit:
    rol edx, 4
    mov al, dl
    and al, 0x0F
    add al, '0'
    cmp al, '9'
    jbe .digit_ready
    add al, 'A' - '9' - 1
.digit_ready:
    out debug_port, al
    loop .hex_digit
    mov al, 10
    out debug_port, al
.halt:
    hlt
    jmp .halt

; print_string: writes the zero-terminated string at ESI to the debug port.
print_string:
    lodsb
    test al, al
    jz .done
    out debug_port, al
    jmp print_string
.done:
    ret

checksum_text:
    db "checksum=", 0

FLAT_GDT

    times 1024 - ($ - $$) db 0  ; fails to assemble if the payload outgrows its sector
