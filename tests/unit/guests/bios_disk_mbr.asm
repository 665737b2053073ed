; A boot sector for the bios_disk_boot test: INT 13h 41h (EDD), 42h (LBA 1), 02h (CHS sector 3 = LBA 2), 08h;
; prints DISK PASS or DISK FAIL to the debug port E9h and halts. The image is 4 MiB.
        bits 16
        org 7C00h
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov [drive], dl
        mov si, m_boot
        call puts
        mov ah, 41h
        mov bx, 55AAh
        mov dl, [drive]
        int 13h
        jc fail
        cmp bx, 0AA55h
        jne fail
        mov si, dap
        mov ah, 42h
        mov dl, [drive]
        int 13h
        jc fail
        cmp dword [8000h], 'SEC1'
        jne fail
        mov ax, 0201h
        mov cx, 0003h
        mov dx, 0
        mov dl, [drive]
        mov bx, 9000h
        int 13h
        jc fail
        cmp dword [9000h], 'SEC2'
        jne fail
        mov ah, 08h
        mov dl, [drive]
        int 13h
        jc fail
        mov si, m_pass
        call puts
        cli
        hlt
fail:   mov si, m_fail
        call puts
        cli
        hlt
puts:   lodsb
        test al, al
        jz .d
        out 0E9h, al
        jmp puts
.d:     ret
drive db 0
dap:    db 10h, 0
        dw 1
        dw 8000h, 0
        dq 1
m_boot db 'MBR', 10, 0
m_pass db 'DISK PASS', 10, 0
m_fail db 'DISK FAIL', 10, 0
        times 510-($-$$) db 0
        dw 0AA55h
        db 'SEC1'
        times 1024-($-$$) db 0
        db 'SEC2'
        times 4*1024*1024-($-$$) db 0
