; bench/floppy.asm — wraps the benchmark image into a 1.44 MB floppy image for Bochs: the image's
; first sector is the boot sector, the payload follows in sectors 2-18 of track 0, the rest is
; zero. Assemble: nasm -f bin -DWORKLOAD_IMAGE='"path/workload.bin"' -o floppy.img floppy.asm
%ifndef WORKLOAD_IMAGE
%error "define WORKLOAD_IMAGE as the quoted path of workload.bin"
%endif
    incbin WORKLOAD_IMAGE
    times 1474560 - ($ - $$) db 0
