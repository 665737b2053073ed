; bench/fault_storm.asm — the fault benchmark's guest (issue 13, "Faults"): a loop in 32-bit flat
; protected mode with paging on whose every pass takes one exception, identical for x86emu, Bochs
; and QEMU. It measures what raising, delivering and returning from an exception costs.
;
; Implements, from the guest's side: paging with 4 KiB pages (Intel SDM vol. 3 §4.3), INVLPG
; (§4.10.4.1) and the rule that setting a P bit needs no invalidation, since no TLB entry is made
; from a not-present entry (§4.10.4.3), the page-fault error code and CR2 (§4.7), interrupt gates
; and the exception stack frame (§6.11, §6.12.1, §6.13), #GP on a selector beyond the GDT limit
; (§5.4 and MOV's operation in vol. 2), #UD (UD2, vol. 2).
;
; Layout (one flat image, loaded at 0000:7C00), as in loop.asm:
;   0x7C00  boot sector: only used under a real BIOS (Bochs, QEMU). It loads the payload sectors
;           with INT 13h to 0x7E00 and jumps there. x86emu-bench loads the whole image at 0x7C00
;           and starts directly at 0000:7E00 in real mode.
;   0x7E00  payload: loads a GDT with flat 4 GiB code and data segments, sets CR0.PE (SDM vol. 3
;           §9.9.1), far-jumps into 32-bit code, builds an IDT and a page directory with one page
;           table identity-mapping the first 1 MiB, sets CR3 and CR0.PG (§9.9.1 again).
; Data (all below 1 MiB, the RAM x86emu-bench gives its guest): stack below 0x7000, the page
; directory at 0x10000, the page table at 0x11000, the IDT at 0x12000, the victim page at 0x20000.
;
; FAULT selects what every pass of the loop takes (default pf):
;   pf  #PF: the pass clears the victim page's P bit and INVLPGs it, then loads from the page;
;       the #PF handler sets P again (no INVLPG needed: a not-present entry is never cached) and
;       IRETs, which restarts the load. One read fault per pass, error code 0, CR2 = victim.
;       Needs INVLPG: a 486 or later.
;   gp  #GP(0x100): MOV FS, ECX with ECX = 0x100, a selector beyond the GDT's limit; the handler
;       moves the saved EIP past the MOV and IRETs. Any 386 or later.
;   ud  #UD: UD2 (0F 0B, undefined on every model, #UD from the 286 on); the handler moves the
;       saved EIP past it. Any 386 or later.
; Each handler checks it was entered for the expected reason (CR2, or the saved EIP), counts the
; fault and folds what the CPU pushed (and CR2) and the count into a hash; any other exception
; ends the run with a message.
;
; The measured part lies between the START and END marker bytes written to port 0xE9: exactly
; ITERATIONS passes, each taking one exception. After END the guest prints
; "checksum=XXXXXXXX faults=XXXXXXXX" (the hash of the handlers' and the loop's registers and of
; the victim page's word and page-table entry, and the handlers' fault count in hex, which must
; equal ITERATIONS) and halts with interrupts off. No result depends on a flag the SDM leaves
; undefined.
;
; Assemble: nasm -f bin -I bench/ [-DITERATIONS=n] [-DFAULT=pf|gp|ud] -o fault_storm.bin fault_storm.asm

cpu 686
org 0x7C00

%ifndef ITERATIONS
%define ITERATIONS 1000000
%endif
%ifndef FAULT
%define FAULT pf
%endif

debug_port      equ 0xE9
start_marker    equ 0x02        ; must match the drivers (ASCII STX)
end_marker      equ 0x03        ; ASCII ETX
payload_sectors equ 2
stack_top       equ 0x7000
page_directory  equ 0x10000
page_table      equ 0x11000     ; maps linear 0-4 MiB; only its first 256 entries (1 MiB) present
idt             equ 0x12000
idt_vectors     equ 32          ; the exceptions; IF stays 0, so nothing else can arrive
victim          equ 0x20000     ; the page the pf variant unmaps and maps again
victim_pte      equ page_table + (victim >> 12) * 4
pte_present     equ 0x001
pte_writable    equ 0x002
bad_selector    equ 0x0100      ; GDT index 32: beyond the three-entry GDT's limit

; ---------------------------------------------------------------------------------------------
; Boot sector (BIOS path only)
; ---------------------------------------------------------------------------------------------
bits 16
%include "boot_sector.inc"
%include "flat_protected.inc"
BENCH_BOOT_SECTOR payload_entry, payload_sectors, debug_port, "fault_storm: INT 13h failed to load the payload"

; ---------------------------------------------------------------------------------------------
; Payload: entered at 0000:7E00 in real mode
; ---------------------------------------------------------------------------------------------
FLAT_PROTECTED_ENTRY stack_top
    cld

    ; IDT: a 32-bit interrupt gate (type 0Eh, present, DPL 0) per exception vector, to a stub
    ; that reports an unexpected exception; the variant's own vector then gets its handler.
    mov edi, idt
    mov ebx, unexpected_stubs
    mov ecx, idt_vectors
.gate:
    mov eax, ebx
    call write_gate
    add ebx, unexpected_stub_size
    loop .gate
%ifidni FAULT, pf
    mov edi, idt + 14 * 8
    mov eax, pf_handler
%elifidni FAULT, gp
    mov edi, idt + 13 * 8
    mov eax, gp_handler
%elifidni FAULT, ud
    mov edi, idt + 6 * 8
    mov eax, ud_handler
%else
%error "FAULT must be pf, gp or ud"
%endif
    call write_gate
    lidt [idt_descriptor]

    ; Paging: one page-directory entry for linear 0-4 MiB, its table identity-mapping the first
    ; 1 MiB with supervisor, writable pages; the rest of both stays not present.
    mov edi, page_directory
    xor eax, eax
    mov ecx, 2 * 1024           ; the directory and the table
    rep stosd
    mov dword [page_directory], page_table | pte_writable | pte_present
    mov edi, page_table
    mov eax, pte_writable | pte_present
    mov ecx, 256
.pte:
    stosd
    add eax, 0x1000
    loop .pte
    mov eax, page_directory
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000          ; CR0.PG
    mov cr0, eax
    jmp .paging_on              ; a branch right after enabling paging (SDM vol. 3 §9.9.1)
.paging_on:

    ; Every register the loop and the handlers use starts from a fixed value.
    mov dword [victim], 0x55AA33CC
    mov ebx, 0x9ABCDEF1         ; the loop's accumulator
    mov ecx, bad_selector
    xor esi, esi                ; faults counted by the handlers
    mov edi, 0x12345678         ; the handlers' hash
    mov ebp, ITERATIONS

    mov al, start_marker
    out debug_port, al          ; ---- measured part starts after this instruction ----
    test ebp, ebp
    jz loop_done
fault_loop:
%ifidni FAULT, pf
    and byte [victim_pte], 0xFF & ~pte_present ; unmap the victim page...
    invlpg [victim]                     ; ...and drop its cached translation
    mov eax, [victim]                   ; #PF; the handler maps the page, the load restarts
    add ebx, eax
    rol ebx, 3
    mov [victim], ebx
%elifidni FAULT, gp
gp_site:
    mov fs, ecx                         ; #GP(0x100); the handler skips it
gp_site_end:
    add ebx, ebp
    rol ebx, 3
%else
ud_site:
    ud2                                 ; #UD; the handler skips it
ud_site_end:
    add ebx, ebp
    rol ebx, 3
%endif
    dec ebp
    jnz fault_loop
loop_done:
    mov al, end_marker
    out debug_port, al          ; ---- measured part ends with this instruction ----

    ; checksum = edi ^ rol(ebx, 8) ^ [victim] ^ rol(victim's PTE, 16)
    mov edx, edi
    rol ebx, 8
    xor edx, ebx
    xor edx, [victim]
    mov eax, [victim_pte]
    rol eax, 16
    xor edx, eax
    mov ebx, checksum_text
    call print_string
    call print_hex
    mov ebx, faults_text
    call print_string
    mov edx, esi
    call print_hex
    mov al, 10
    out debug_port, al
halt:
    hlt
    jmp halt

; ---- the handlers ---------------------------------------------------------------------------
; Each one folds what the CPU pushed into EDI, counts the fault in ESI and returns to the
; instruction the CPU or the handler chose; EAX is saved, every other register is left alone.
%ifidni FAULT, pf
; Stack: error code, EIP, CS, EFLAGS. The saved EIP is the faulting load's: IRET restarts it.
pf_handler:
    push eax
    mov eax, cr2
    cmp eax, victim
    jne wrong_fault
    or byte [victim_pte], pte_present
    inc esi
    add edi, [esp + 4]          ; the error code: 0 (not present, read, supervisor)
    xor edi, eax                ; CR2
    add edi, esi                ; the count, so that no constant cancels out over the passes
    rol edi, 5
    pop eax
    add esp, 4                  ; the error code is not popped by IRET
    iret
%elifidni FAULT, gp
; Stack: error code, EIP, CS, EFLAGS.
gp_handler:
    push eax
    cmp dword [esp + 8], gp_site
    jne wrong_fault
    add dword [esp + 8], gp_site_end - gp_site ; past the MOV
    inc esi
    add edi, [esp + 4]          ; the error code: 0x100, the selector without RPL
    xor edi, esi
    rol edi, 5
    pop eax
    add esp, 4
    iret
%else
; Stack: EIP, CS, EFLAGS (#UD has no error code).
ud_handler:
    push eax
    cmp dword [esp + 4], ud_site
    jne wrong_fault
    add dword [esp + 4], ud_site_end - ud_site ; past UD2
    inc esi
    add edi, [esp + 4]          ; the return address
    xor edi, esi
    rol edi, 5
    pop eax
    iret
%endif

wrong_fault:
    mov ebx, wrong_fault_text
    call print_string
    jmp halt

; One stub per exception vector: pushes its vector and reports it.
unexpected_stubs:
%assign vector 0
%rep idt_vectors
    push byte vector
    jmp near unexpected_exception
%assign vector vector + 1
%endrep
unexpected_stub_size equ (($ - unexpected_stubs) / idt_vectors)

unexpected_exception:
    mov ebx, unexpected_text
    call print_string
    pop edx
    call print_hex
    mov al, 10
    out debug_port, al
    jmp halt

; ---- helpers --------------------------------------------------------------------------------
; write_gate: writes at EDI a 32-bit interrupt gate to EAX in the code segment; EDI += 8.
write_gate:
    mov [edi], ax
    mov word [edi + 2], code_selector
    mov word [edi + 4], 0x8E00  ; present, DPL 0, 32-bit interrupt gate
    shr eax, 16
    mov [edi + 6], ax
    add edi, 8
    ret

; print_string: writes the zero-terminated string at EBX to the debug port.
print_string:
    mov al, [ebx]
    test al, al
    jz .done
    out debug_port, al
    inc ebx
    jmp print_string
.done:
    ret

; print_hex: writes EDX as eight hex digits to the debug port; EDX is left rotated back.
print_hex:
    push ecx
    mov ecx, 8
.digit:
    rol edx, 4
    mov al, dl
    and al, 0x0F
    add al, '0'
    cmp al, '9'
    jbe .ready
    add al, 'A' - '9' - 1
.ready:
    out debug_port, al
    loop .digit
    pop ecx
    ret

checksum_text:
    db "checksum=", 0
faults_text:
    db " faults=", 0
wrong_fault_text:
    db "fault_storm: the handler was entered for another reason", 10, 0
unexpected_text:
    db "fault_storm: unexpected exception ", 0

FLAT_GDT
idt_descriptor:
    dw idt_vectors * 8 - 1
    dd idt

    times (1 + payload_sectors) * 512 - ($ - $$) db 0  ; fails to assemble if the payload outgrows its sectors
