; pm_paging.asm — two-level 4 KiB paging as on the 80386.
;
; Manual sections checked:
;   SDM vol. 3 4.3 (32-bit paging: CR3 -> page directory -> page table -> 4 KiB page),
;   4.6 (access rights: U/S and R/W of PDE and PTE combine, the more restrictive wins; on the
;   80386 supervisor-mode writes ignore R/W — CR0.WP does not exist, 4.6.1 "If CR0.WP = 0 ...
;   supervisor-mode write accesses are allowed to linear addresses with read-only access rights"),
;   4.7 (page-fault exceptions: error code bit 0 P, bit 1 W/R, bit 2 U/S; CR2 = faulting linear
;   address), 4.8 (accessed and dirty flags: A set on any access through the entry, D set on a
;   write to the page), 4.10.4 (MOV to CR3 invalidates the TLB); 6.15 #PF (vector 14, fault).
;   80386 Programmer's Reference Manual 5.2 (page translation, 5.2.4 protection, 5.2.4.3
;   combining protection of both levels, Table 6-5), 5.2.5 (TLB), 9.8.14 (page fault, error code,
;   CR2); an access that spans two pages faults with CR2 = the address in the page that faults.
;
; Bochs 2.7 agreed with the manual on every check below (CR0.WP is left 0: the 386 has none).

%include "lib/rom.inc"

rom_name: db "pm_paging", 0

align 8
gdt_template:
    GDT_COMMON
gdt_template_end:

PD          equ 0x40000         ; page directory
PT0         equ 0x41000         ; 0..4 MiB identity
PT2         equ 0x42000         ; 8 MiB: PDE supervisor, PTE user
PT3         equ 0x43000         ; 12 MiB: PDE read-only, PTE read/write
PG_P        equ 1
PG_RW       equ 2
PG_US       equ 4
PG_A        equ 0x20
PG_D        equ 0x40

T_NP        equ 0x60000         ; not present
T_RO        equ 0x61000         ; present, user, read-only
T_SUP       equ 0x62000         ; present, supervisor, read/write
T_AD        equ 0x63000         ; present, user, read/write, A = D = 0
T_REMAP     equ 0x64000         ; maps 0x64000, later 0x65000
T_STR       equ 0x66000         ; present; 0x67000 is not present
LIN_PDE_NP  equ 0x00400000      ; PDE 1 not present
LIN_PDE_SUP equ 0x00800000      ; PDE 2 supervisor -> PTE user, page at phys 0x68000
LIN_PDE_RO  equ 0x00C00000      ; PDE 3 read-only  -> PTE read/write, page at phys 0x69000

%define PTE(lin) dword [PT0 + ((lin) >> 12) * 4]

test_main:
    ; zero the paging structures, identity-map 0..4 MiB as user read/write
    mov edi, PD
    mov ecx, 4 * 4096 / 4
    xor eax, eax
    rep stosd
    mov edi, PT0
    mov eax, PG_P | PG_RW | PG_US
.fill:
    stosd
    add eax, 0x1000
    cmp edi, PT0 + 4096
    jb .fill
    mov dword [PD + 0 * 4], PT0 | PG_P | PG_RW | PG_US
    mov dword [PD + 2 * 4], PT2 | PG_P | PG_RW
    mov dword [PD + 3 * 4], PT3 | PG_P | PG_US
    mov dword [PT2], 0x68000 | PG_P | PG_RW | PG_US
    mov dword [PT3], 0x69000 | PG_P | PG_RW | PG_US
    mov PTE(T_NP), 0
    mov PTE(T_RO), T_RO | PG_P | PG_US
    mov PTE(T_SUP), T_SUP | PG_P | PG_RW
    mov PTE(T_AD), T_AD | PG_P | PG_RW | PG_US
    mov PTE(T_STR + 0x1000), 0
    mov dword [T_RO], 0xA0A0A0A0
    mov dword [0x64000], 0x64646464
    mov dword [0x65000], 0x65656565
    mov dword [0x68000], 0x68686868
    mov dword [0x69000], 0x69696969
    ; paging on
    mov eax, PD
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    jmp .paged                              ; (identity-mapped: execution just continues)
.paged:

    TEST "paging enabled"
    mov eax, cr0
    CHKM eax, 0x80000001, 0x80000001, "CR0.PG and PE"
    mov eax, cr3
    CHK eax, PD, "CR3"
    mov eax, [T_REMAP]
    CHK eax, 0x64646464, "identity-mapped read"
    ; the PDE used so far has A=1 now
    CHKM [PD], PG_A, PG_A, "PDE 0 accessed bit"

; ------------------------------------------------------------------ not present
    TEST "#PF not present"
    ; error code: P=0; W/R = 1 for writes; U/S = 1 at CPL 3. CR2 = the linear address.
    FAULT 14, 0, mov eax, [T_NP + 0x10]
    mov eax, cr2
    CHK eax, T_NP + 0x10, "CR2 (read, CPL 0)"
    FAULT 14, PG_RW, mov byte [T_NP + 0x123], 1
    mov eax, cr2
    CHK eax, T_NP + 0x123, "CR2 (write, CPL 0)"
    TO_RING3
    FAULT3 14, PG_US, mov eax, [T_NP + 0xFFC]
    mov eax, cr2
    CHK eax, T_NP + 0xFFC, "CR2 (read, CPL 3)"
    TO_RING3
    FAULT3 14, PG_US | PG_RW, mov [T_NP], eax
    mov eax, cr2
    CHK eax, T_NP, "CR2 (write, CPL 3)"
    ; not-present page directory entry
    FAULT 14, 0, mov eax, [LIN_PDE_NP + 0x2345]
    mov eax, cr2
    CHK eax, LIN_PDE_NP + 0x2345, "CR2 (PDE not present)"

; ------------------------------------------------------------------ protection
    TEST "#PF protection"
    ; user write to a read-only page: error code P|W|U = 7
    TO_RING3
    TRY3 .ro_read
    mov eax, [T_RO]
    mov [ss:scratch], eax
    TO_RING0
.ro_read:
    CHK [exc_vec], NO_EXC, "user read of a read-only user page"
    CHK [scratch], 0xA0A0A0A0, "value read"
    TO_RING3
    FAULT3 14, PG_P | PG_RW | PG_US, mov dword [T_RO + 4], 1
    mov eax, cr2
    CHK eax, T_RO + 4, "CR2 (user write to read-only)"
    ; user access to a supervisor page: P|U = 5 (read), 7 (write)
    TO_RING3
    FAULT3 14, PG_P | PG_US, mov eax, [T_SUP + 8]
    mov eax, cr2
    CHK eax, T_SUP + 8, "CR2 (user read of supervisor page)"
    TO_RING3
    FAULT3 14, PG_P | PG_RW | PG_US, mov byte [T_SUP + 9], 0
    ; supervisor accesses: allowed, including writes to the read-only page (no CR0.WP on the 386)
    NOFAULT mov dword [T_SUP], 0x5A5A5A5A
    NOFAULT mov dword [T_RO + 8], 0x12345678
    CHK [T_RO + 8], 0x12345678, "supervisor write to a read-only page took effect"
    ; PDE supervisor + PTE user: user access faults (the more restrictive wins)
    NOFAULT mov eax, [LIN_PDE_SUP]
    TO_RING3
    FAULT3 14, PG_P | PG_US, mov eax, [LIN_PDE_SUP + 4]
    mov eax, cr2
    CHK eax, LIN_PDE_SUP + 4, "CR2 (PDE supervisor)"
    ; PDE read-only + PTE read/write: user read ok, user write faults
    TO_RING3
    TRY3 .pde_ro_read
    mov eax, [LIN_PDE_RO]
    mov [ss:scratch], eax
    TO_RING0
.pde_ro_read:
    CHK [exc_vec], NO_EXC, "user read through a read-only PDE"
    CHK [scratch], 0x69696969, "value read (phys 0x69000)"
    TO_RING3
    FAULT3 14, PG_P | PG_RW | PG_US, mov dword [LIN_PDE_RO], 0
    ; supervisor write through the read-only PDE: allowed on the 386
    NOFAULT mov dword [LIN_PDE_RO + 4], 0x77
    CHK [0x69004], 0x77, "supervisor write through a read-only PDE reached phys 0x69004"
    CHK [LIN_PDE_SUP], 0x68686868, "PDE 2 maps phys 0x68000"

; ------------------------------------------------------------------ accessed / dirty
    TEST "accessed and dirty bits"
    CHKM PTE(T_AD), 0, PG_A | PG_D, "PTE before any access: A=0 D=0"
    mov eax, [T_AD]
    CHKM PTE(T_AD), PG_A, PG_A | PG_D, "after a read: A=1 D=0"
    mov dword [T_AD], 1
    CHKM PTE(T_AD), PG_A | PG_D, PG_A | PG_D, "after a write: A=1 D=1"
    CHKM [PD + 2 * 4], PG_A, PG_A | PG_D, "PDE 2 accessed"
    ; the supervisor page was written at CPL 0: A=1 D=1; a page never touched: A=0 D=0
    CHKM PTE(T_SUP), PG_A | PG_D, PG_A | PG_D, "supervisor page after CPL-0 write"
    CHKM PTE(0x6A000), 0, PG_A | PG_D, "untouched page: A=0 D=0"

; ------------------------------------------------------------------ TLB
    TEST "remap and CR3 reload"
    ; change the PTE of T_REMAP to phys 0x65000; after MOV CR3 the new mapping is used
    mov eax, [T_REMAP]
    CHK eax, 0x64646464, "old mapping"
    mov PTE(T_REMAP), 0x65000 | PG_P | PG_RW | PG_US
    mov eax, cr3
    mov cr3, eax
    mov eax, [T_REMAP]
    CHK eax, 0x65656565, "new mapping after the TLB flush"
    ; marking it not present + flush: #PF
    mov PTE(T_REMAP), 0
    mov eax, cr3
    mov cr3, eax
    FAULT 14, 0, mov eax, [T_REMAP]
    mov PTE(T_REMAP), T_REMAP | PG_P | PG_RW | PG_US
    mov eax, cr3
    mov cr3, eax

; ------------------------------------------------------------------ page-crossing access
    TEST "access straddling two pages"
    ; a dword at 0x66FFE covers 0x66FFE..0x67001; the second page is not present: #PF with
    ; CR2 = 0x67000 (the first byte in the faulting page), saved EIP at the instruction
    FAULT 14, 0, mov eax, [T_STR + 0xFFE]
    mov eax, cr2
    CHK eax, T_STR + 0x1000, "CR2 = start of the second page (read)"
    FAULT 14, PG_RW, mov dword [T_STR + 0xFFD], 0
    mov eax, cr2
    CHK eax, T_STR + 0x1000, "CR2 = start of the second page (write)"
    NOFAULT mov eax, [T_STR + 0xFFC]        ; entirely in the first page

; ------------------------------------------------------------------ paging off
    TEST "paging off"
    mov eax, cr0
    and eax, 0x7FFFFFFF
    mov cr0, eax
    jmp .unpaged
.unpaged:
    mov eax, [T_NP]                         ; physical addressing again: no fault
    mov eax, cr0
    CHKM eax, 0, 0x80000000, "CR0.PG cleared"
    CHK [0x69000], 0x69696969, "physical read of 0x69000"

    FINISH
ROM_END
