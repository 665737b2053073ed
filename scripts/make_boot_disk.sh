#!/usr/bin/env bash
# scripts/make_boot_disk.sh — builds raw hard-disk images that boot the Linux guest of issue 11
# (scripts/fetch_guest.sh's kernel and initramfs) through a PC BIOS, with boot loaders from Debian's
# own packages: SYSLINUX (syslinux, syslinux-common) and GRUB 2 (grub-pc-bin). Without root and
# without loop devices (CI runs in a container): every tool works on the image file itself.
#
# Each image is a 32.5 MiB disk (66 cylinders of 16 heads x 63 sectors) with an MBR partition table
# (util-linux fdisk on the file) and one FAT16 partition from sector 2048 (1 MiB, fdisk's
# alignment; type 06h, active) to the end, made with `mkfs.fat --offset` and filled with mtools'
# mcopy at the partition's byte offset:
#   syslinux: syslinux-common's mbr.bin in the first 440 bytes of sector 0 (it loads the active
#             partition's boot sector), `syslinux --install --offset` (Debian's mtools-based
#             installer) writes the partition's boot sector and ldlinux.sys/.c32; syslinux.cfg has
#             LINUX/INITRD/APPEND, so SYSLINUX runs the kernel's real-mode setup code.
#   grub:     grub-mkimage -O i386-pc builds core.img (diskboot.img + kernel + modules + an embedded
#             early config); boot.img goes into the first 440 bytes of sector 0 (the partition table
#             and signature stay), core.img into the gap between sector 1 and the partition;
#             /boot/grub/grub.cfg has two entries, `linux16`/`initrd16` (the kernel's real-mode
#             setup code runs) and `linux`/`initrd` (GRUB sets up the 32-bit boot protocol itself),
#             and boots the first without waiting (timeout 0).
#   grub-linux: the same GRUB image with the second entry as the default.
# Both print to COM1 (115200 8N1) as well as the screen, and the kernel gets the command line of the
# direct-boot test: console=ttyS0,115200 cryptomgr.notests.
#
# Cache: ${X86EMU_DISK_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/x86emu/disk} (or --cache-dir DIR), beside
# the guest's cache, keyed by what goes into an image: the kernel package and version, the
# initramfs's file name (busybox version and /init hash), the loader package's version and a hash
# of this script (the recipe):
#   <kernel package>_<version>+<initramfs name>/<loader>-<loader version>-<recipe hash>.img
# The images are sparse files (about 7 MB used each; the partition table and FAT have random
# identifiers, so two builds are not byte-identical); building a new one removes the older images of
# the same loader in its directory. Prints "LOADER: PATH" for each.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<'EOF'
Usage: scripts/make_boot_disk.sh [--loader L] [--cache-dir DIR] [--offline] [--force] [--verify-qemu]
Builds (or finds cached) raw disk images that boot the reference Linux guest through a PC BIOS,
and prints their paths ("syslinux: PATH", "grub: PATH", "grub-linux: PATH").
  --loader L       syslinux, grub (GRUB booting linux16), grub-linux (GRUB booting linux) or all
                   (the default); may be given more than once
  --cache-dir DIR  image cache (default ${X86EMU_DISK_DIR:-${XDG_CACHE_HOME:-~/.cache}/x86emu/disk})
  --offline        pass --offline to scripts/fetch_guest.sh (use the cached guest, no apt for it)
  --force          rebuild even if a cached image exists
  --verify-qemu    then boot each image in Debian's qemu-system-i386 (a check of the image with a
                   BIOS we did not write) until "x86emu: initramfs ready" on COM1; fails if not
EOF
}

DISK_DIR="${X86EMU_DISK_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/x86emu/disk}"
ALL_LOADERS=(syslinux grub grub-linux)
LOADERS=()
FETCH_ARGS=()
FORCE=0
VERIFY_QEMU=0
QEMU_TIMEOUT_S=120
while [[ $# -gt 0 ]]; do
    case "$1" in
        --loader)
            [[ $# -ge 2 ]] || die "--loader needs syslinux, grub, grub-linux or all"
            case "$2" in
                syslinux|grub|grub-linux) LOADERS+=("$2") ;;
                all) LOADERS+=("${ALL_LOADERS[@]}") ;;
                *) die "unknown loader '$2' (syslinux, grub, grub-linux or all)" ;;
            esac
            shift 2 ;;
        --cache-dir) [[ $# -ge 2 ]] || die "--cache-dir needs a directory"; DISK_DIR="$2"; shift 2 ;;
        --offline) FETCH_ARGS+=(--offline); shift ;;
        --force) FORCE=1; shift ;;
        --verify-qemu) VERIFY_QEMU=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument '$1'" ;;
    esac
done
[[ ${#LOADERS[@]} -gt 0 ]] || LOADERS=("${ALL_LOADERS[@]}")

# ---- the disk layout ----------------------------------------------------------------------------
# The geometry: 16 heads and 63 sectors per track, the default geometry an ATA disk of this size
# reports in IDENTIFY DEVICE (and a BIOS passes on untranslated below 1024 cylinders), and a whole
# number of cylinders, so that every sector has a CHS address. The partition table's CHS fields
# (fdisk -H -S) and the FAT's BPB (mkfs.fat -g) use the same geometry: a loader that falls back to
# CHS (no INT 13h extensions) finds them consistent with INT 13h AH=08h's answer.
HEADS=16
SECTORS_PER_TRACK=63
CYLINDERS=66
# 66528 sectors: room for the kernel (5.5 MiB), the initramfs (1.1 MiB) and GRUB's core.img, and a
# FAT16 of 64480 sectors (more than FAT12's limit of 4084 clusters at mkfs.fat's 2 KiB clusters).
DISK_SECTORS=$((CYLINDERS * HEADS * SECTORS_PER_TRACK))
PART_START=2048                          # sectors; also the FAT's "hidden sectors"
PART_SECTORS=$((DISK_SECTORS - PART_START))
PART_OFFSET=$((PART_START * 512))        # bytes, for mtools' @@offset and syslinux --offset
APPEND="console=ttyS0,115200 cryptomgr.notests"
SYSLINUX_MBR=/usr/lib/syslinux/mbr/mbr.bin
GRUB_DIR=/usr/lib/grub/i386-pc

# ---- helpers ------------------------------------------------------------------------------------

# package_version PACKAGE — the installed version, colons spelled as in file names.
package_version() {
    local version
    version=$(dpkg-query -W -f='${Version}' "$1" 2>/dev/null) || die "package $1 is not installed"
    echo "${version//:/%3a}"
}

# mtools on the partition of IMAGE: "-i IMAGE@@OFFSET". MTOOLS_SKIP_CHECK: the FAT's geometry need
# not divide the partition's size (mtools would otherwise refuse the image).
m() {
    local tool="$1" image="$2"
    shift 2
    MTOOLS_SKIP_CHECK=1 "$tool" -i "$image@@$PART_OFFSET" "$@"
}

# new_disk IMAGE LABEL — a sparse disk with the partition table and an empty FAT16 on partition 1.
new_disk() {
    local image="$1" label="$2"
    rm -f "$image"
    truncate -s $((DISK_SECTORS * 512)) "$image"
    # One primary partition, FAT16 (06h), active: mbr.bin boots the active partition, and GRUB's
    # boot.img keeps the table for GRUB's part_msdos. fdisk, not sfdisk, because only fdisk takes
    # the geometry for the CHS fields (sfdisk assumes 255 heads for a file); its dialogue: new
    # label (o), new primary partition 1 from PART_START to the end (n p 1), active (a), type 06h
    # (t), write (w). sfdisk --dump then checks what was written.
    printf 'o\nn\np\n1\n%d\n\na\nt\n06\nw\n' "$PART_START" |
        fdisk -H "$HEADS" -S "$SECTORS_PER_TRACK" "$image" >"$image.fdisk.log" 2>&1 \
        || die "fdisk could not write the partition table of $image: $(cat "$image.fdisk.log")"
    rm -f "$image.fdisk.log"
    local table
    table=$(sfdisk --dump "$image" | grep '^[^ ]*1 :') || die "no partition 1 in $image"
    [[ "$table" =~ start=\ *$PART_START,\ *size=\ *$PART_SECTORS,\ *type=6,\ *bootable ]] \
        || die "fdisk wrote an unexpected partition table for $image: $table"
    mkfs.fat -F 16 --offset "$PART_START" -h "$PART_START" -g "$HEADS/$SECTORS_PER_TRACK" -n "$label" \
        "$image" $((PART_SECTORS / 2)) >/dev/null \
        || die "mkfs.fat could not make the FAT16 of $image"
}

# put_guest IMAGE DIR — copies the kernel and initramfs into the existing directory DIR of the
# partition ("" = the root directory) as vmlinuz and initrd.
put_guest() {
    local image="$1" dir="$2"
    m mcopy "$image" "$KERNEL" "::$dir/vmlinuz" || die "mcopy of the kernel failed on $image"
    m mcopy "$image" "$INITRD" "::$dir/initrd" || die "mcopy of the initramfs failed on $image"
}

# ---- SYSLINUX -----------------------------------------------------------------------------------

make_syslinux() {
    local image="$1" work="$2"
    new_disk "$image" X86EMU-SYSL
    put_guest "$image" ""
    # SERIAL 0 115200: SYSLINUX echoes its console to COM1 too, from the end of the file's parsing
    # on (it then prints its banner there, and "Loading vmlinuz... ok"). PROMPT 0 with no TIMEOUT
    # boots the default at once (Shift or Alt held at start-up would give the boot: prompt).
    cat >"$work/syslinux.cfg" <<EOF
SERIAL 0 115200
PROMPT 0
DEFAULT linux
LABEL linux
    LINUX vmlinuz
    INITRD initrd
    APPEND $APPEND
EOF
    m mcopy "$image" "$work/syslinux.cfg" ::/syslinux.cfg || die "mcopy syslinux.cfg failed"
    # The mtools installer: writes the FAT boot sector (keeping the BPB) and ldlinux.sys/.c32
    # through mtools, at the partition's byte offset. No mount, no root.
    syslinux --install --offset "$PART_OFFSET" "$image" || die "syslinux --install failed on $image"
    [[ -f "$SYSLINUX_MBR" && $(stat -c %s "$SYSLINUX_MBR") -eq 440 ]] \
        || die "$SYSLINUX_MBR is missing or not 440 bytes (syslinux-common)"
    dd if="$SYSLINUX_MBR" of="$image" bs=440 count=1 conv=notrunc status=none \
        || die "writing mbr.bin failed"
}

# ---- GRUB ---------------------------------------------------------------------------------------

# put_le FILE OFFSET BYTES VALUE — writes VALUE little-endian into FILE at OFFSET.
put_le() {
    local file="$1" offset="$2" bytes="$3" value="$4" hex="" i
    for ((i = 0; i < bytes; i++)); do
        hex+=$(printf '\\x%02x' $(((value >> (8 * i)) & 0xff)))
    done
    printf %b "$hex" | dd of="$file" bs=1 seek="$offset" conv=notrunc status=none
}

# make_grub IMAGE WORK DEFAULT — DEFAULT is the menu entry booted: 0 linux16, 1 linux.
make_grub() {
    local image="$1" work="$2" default="$3"
    new_disk "$image" X86EMU-GRUB
    m mmd "$image" ::/boot ::/boot/grub || die "mmd /boot/grub failed"
    put_guest "$image" /boot
    # Embedded early config: the serial terminal first, so that everything GRUB says (the menu,
    # errors) reaches COM1; then root and prefix, after which core.img loads the (embedded) normal
    # module, which reads $prefix/grub.cfg.
    cat >"$work/early.cfg" <<'EOF'
serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1
terminal_input serial console
terminal_output serial console
set root=(hd0,msdos1)
set prefix=(hd0,msdos1)/boot/grub
EOF
    cat >"$work/grub.cfg" <<EOF
set timeout=0
set default=$default
echo "x86emu: grub.cfg read"
menuentry "Debian i386, linux16 (the kernel's real-mode setup code)" {
    echo "x86emu: grub linux16 /boot/vmlinuz"
    linux16 /boot/vmlinuz $APPEND
    initrd16 /boot/initrd
}
menuentry "Debian i386, linux (GRUB's 32-bit boot protocol set-up)" {
    echo "x86emu: grub linux /boot/vmlinuz"
    set gfxpayload=text
    linux /boot/vmlinuz $APPEND
    initrd /boot/initrd
}
EOF
    m mcopy "$image" "$work/grub.cfg" ::/boot/grub/grub.cfg || die "mcopy grub.cfg failed"
    # Every module grub.cfg needs is inside core.img, so /boot/grub holds no i386-pc/ directory.
    # grub-mkimage adds their dependencies itself (moddep.lst).
    grub-mkimage -O i386-pc -d "$GRUB_DIR" -o "$work/core.img" -c "$work/early.cfg" \
        -p '(hd0,msdos1)/boot/grub' \
        biosdisk part_msdos fat normal linux linux16 serial terminal echo test boot configfile \
        || die "grub-mkimage failed"
    local core_sectors=$((($(stat -c %s "$work/core.img") + 511) / 512))
    [[ $core_sectors -lt $((PART_START - 1)) ]] \
        || die "core.img ($core_sectors sectors) does not fit between the MBR and the partition"
    # boot.img, patched as grub-install would for an MBR install at sector 1 (grub/i386/pc/boot.h):
    # 0x5C kernel_sector (8 bytes, LBA of core.img's first sector = diskboot.img) = 1; 0x64
    # boot_drive = FFh (use the drive the BIOS passed in DL); 0x66 the drive check, a 2-byte jump
    # over "force DL to 80h when it is not a hard disk" that grub-setup replaces with NOPs on hard
    # disks (for BIOSes that pass a bad DL). Only its first 440 bytes go to sector 0: the disk
    # signature, the partition table and 55AAh stay sfdisk's.
    cp "$GRUB_DIR/boot.img" "$work/boot.img"
    put_le "$work/boot.img" $((0x5C)) 8 1
    put_le "$work/boot.img" $((0x64)) 1 0xFF
    put_le "$work/boot.img" $((0x66)) 2 0x9090
    dd if="$work/boot.img" of="$image" bs=440 count=1 conv=notrunc status=none || die "writing boot.img failed"
    # core.img from sector 1: diskboot.img's block list (written by grub-mkimage) loads the rest of
    # core.img from sector 2 on, the sector after its own.
    dd if="$work/core.img" of="$image" bs=512 seek=1 conv=notrunc status=none || die "writing core.img failed"
}

# ---- the QEMU check -----------------------------------------------------------------------------

# verify_qemu LOADER IMAGE — boots IMAGE in qemu-system-i386 (SeaBIOS) on a throw-away overlay
# (-snapshot) until the initramfs's line appears on COM1, or fails after QEMU_TIMEOUT_S seconds.
verify_qemu() {
    local loader="$1" image="$2" log started
    log=$(mktemp)
    started=$(date +%s)
    timeout "$QEMU_TIMEOUT_S" qemu-system-i386 -m 256 -drive "file=$image,format=raw,if=ide" -snapshot \
        -display none -monitor none -serial "file:$log" -no-reboot </dev/null >/dev/null 2>&1 &
    local qemu=$!
    while kill -0 "$qemu" 2>/dev/null; do
        if grep -aq 'x86emu: initramfs ready' "$log"; then
            kill "$qemu" 2>/dev/null
            wait "$qemu" 2>/dev/null || true
            rm -f "$log"
            echo "==> qemu-system-i386: $loader image reached the initramfs in $(($(date +%s) - started)) s" >&2
            return 0
        fi
        sleep 1
    done
    wait "$qemu" 2>/dev/null || true
    echo "---- COM1 (last 2000 bytes) ----" >&2
    tail -c 2000 "$log" >&2
    rm -f "$log"
    die "qemu-system-i386 did not boot the $loader image to the initramfs within $QEMU_TIMEOUT_S s"
}

# ---- main ---------------------------------------------------------------------------------------

main() {
    ensure_packages "${X86EMU_DISK_PACKAGES[@]}"
    [[ $VERIFY_QEMU -eq 0 ]] || ensure_packages qemu-system-x86
    local fetch="$X86EMU_ROOT/scripts/fetch_guest.sh" out env_file
    out=$("$fetch" "${FETCH_ARGS[@]}") || die "$fetch failed: no guest to put on the disk"
    env_file=$(sed -n 's/^env: *//p' <<<"$out")
    [[ -f "$env_file" ]] || die "$fetch printed no env: file"
    # shellcheck disable=SC1090
    source "$env_file"
    KERNEL="$X86EMU_GUEST_KERNEL"
    INITRD="$X86EMU_GUEST_INITRD"
    [[ -s "$KERNEL" && -s "$INITRD" ]] || die "$env_file names no existing kernel and initramfs"

    local recipe key dir
    recipe=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-12)
    key="${X86EMU_GUEST_KERNEL_PACKAGE}_${X86EMU_GUEST_KERNEL_VERSION//:/%3a}+$(basename "$INITRD" .cpio.gz)"
    dir="$DISK_DIR/$key"
    mkdir -p "$dir" || die "cannot create $dir"

    local loader package image work build
    for loader in "${LOADERS[@]}"; do
        case "$loader" in
            syslinux) package=syslinux; build=(make_syslinux) ;;
            grub) package=grub-pc-bin; build=(make_grub 0) ;;
            grub-linux) package=grub-pc-bin; build=(make_grub 1) ;;
        esac
        image="$dir/$loader-$(package_version "$package")-$recipe.img"
        if [[ $FORCE -eq 1 || ! -s "$image" ]]; then
            echo "==> building the $loader disk image" >&2
            work=$(mktemp -d "$dir/tmp.XXXXXX")
            # shellcheck disable=SC2064
            trap "rm -rf '$work'" EXIT
            # Built under a temporary name, renamed when complete: an interrupted run leaves no
            # image that looks finished.
            "${build[0]}" "$work/disk.img" "$work" "${build[@]:1}"
            find "$dir" -maxdepth 1 -name "$loader-[0-9]*.img" -delete
            mv "$work/disk.img" "$image"
            rm -rf "$work"
            trap - EXIT
        else
            echo "==> $loader disk image: cached" >&2
        fi
        [[ $VERIFY_QEMU -eq 0 ]] || verify_qemu "$loader" "$image"
        echo "$loader: $image"
    done
}

main
