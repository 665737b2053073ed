#!/usr/bin/env bash
# scripts/fetch_guest.sh — fetches the Linux guest of issue 11 from Debian's archive and caches it:
# the current stock i386 kernel of flavour 686 (whatever linux-image-686:i386 depends on today) and
# an initramfs built around busybox-static:i386. Prints the resolved paths at the end and writes
# them to guest.env in the cache, a shell fragment the build and tests read.
#
# Cache: ${X86EMU_GUEST_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/x86emu/guest} (or --cache-dir DIR).
# Outside build/ on purpose: a fresh clone, a new build directory or another worktree on the same
# machine reuse it. Each artefact is keyed by its Debian package name and version:
#   kernel/<package>_<version>/vmlinuz, config                 (boot/ of the .deb)
#   kernel/<package>_<version>/modules-<list hash>/*.ko, load-order
#                                     (the storage modules of GUEST_MODULES and what they depend on)
#   busybox/<version>/busybox                                  (the static i386 binary)
#   initramfs/busybox-<version>-<hash of /init, kernel, modules>.cpio.gz (newc, gzip -9 -n)
#   guest.env                                                  (the last resolved set)
# A newer Debian kernel therefore lands beside the old one when the archive has it; offline, the
# newest cached set is used with a warning, and with nothing cached the script stops with a clear
# error. Idempotent: a second run with everything cached downloads nothing.
#
# apt-get update runs only when needed: after adding the i386 architecture, when the i386 package
# lists are missing or older than X86EMU_GUEST_LIST_MAX_AGE_DAYS (default 7), or with --refresh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<'EOF'
Usage: scripts/fetch_guest.sh [--cache-dir DIR] [--refresh] [--offline]
Fetches Debian's current i386 686 kernel and busybox-static:i386, builds initramfs.cpio.gz,
caches both, and prints their paths (also written to DIR/guest.env).
  --cache-dir DIR  cache directory (default ${X86EMU_GUEST_DIR:-${XDG_CACHE_HOME:-~/.cache}/x86emu/guest})
  --refresh        run apt-get update even if the i386 package lists are recent
  --offline        never touch the network or apt: use the cached set named in guest.env
EOF
}

GUEST_DIR="${X86EMU_GUEST_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/x86emu/guest}"
REFRESH=0
OFFLINE=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --cache-dir) [[ $# -ge 2 ]] || die "--cache-dir needs a directory"; GUEST_DIR="$2"; shift 2 ;;
        --refresh) REFRESH=1; shift ;;
        --offline) OFFLINE=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument '$1'" ;;
    esac
done
mkdir -p "$GUEST_DIR" || die "cannot create the cache directory $GUEST_DIR"
GUEST_DIR="$(cd "$GUEST_DIR" && pwd)"
# One fetch at a time per cache: CTest starts several Linux tests at once on a fresh machine, and
# each runs this script; the others wait here and then find everything cached.
exec 9>"$GUEST_DIR/.lock" || die "cannot create the lock file $GUEST_DIR/.lock"
flock 9 || die "cannot lock $GUEST_DIR/.lock"
ENV_FILE="$GUEST_DIR/guest.env"
LIST_MAX_AGE_DAYS="${X86EMU_GUEST_LIST_MAX_AGE_DAYS:-7}"

warn() { echo "warning: $*" >&2; }

# The /init of the initramfs. Its hash is part of the initramfs's cache key, so editing it here
# rebuilds the archive. /dev/console exists before /init runs because the kernel's built-in
# initramfs (usr/default_cpio_list: /dev, /dev/console c 5 1, /root) is unpacked first; ours is
# unpacked over it, so no device node (and no root for mknod) is needed here.
read -r -d '' INIT_SCRIPT <<'EOF' || true
#!/bin/sh
# /init of the x86emu guest initramfs, written by scripts/fetch_guest.sh.
/bin/busybox mkdir -p /proc /sys /dev /tmp /sbin /usr/bin /usr/sbin
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
# Applet links (poweroff, setsid, cttyhack, ls, ...): --install finds busybox through /proc.
/bin/busybox --install -s
# The storage drivers (scripts/fetch_guest.sh, GUEST_MODULES), in dependency order.
if [ -f /lib/modules/load-order ]; then
    for module in $(cat /lib/modules/load-order); do
        insmod "/lib/modules/$module" || echo "x86emu: insmod $module failed"
    done
fi
echo "x86emu: initramfs ready"
# cttyhack opens the active console (ttyS0 with console=ttyS0) as the shell's controlling tty,
# so job control and ^C work; without it the shell still runs on /dev/console.
setsid cttyhack sh || sh
echo "x86emu: shell exited, powering off"
poweroff -f
EOF

# The kernel modules the initramfs carries and /init loads, with everything they depend on
# (modules.dep of the same kernel package): the PIIX3 IDE controller (ata_piix, over libata and
# the SCSI mid layer), disks (sd_mod) and CD-ROMs (sr_mod). Debian's 686 kernel builds them as
# modules, so without them the guest sees no /dev/sda or /dev/sr0 (docs/devices/ata.md).
GUEST_MODULES=(ata_piix sd_mod sr_mod)

# ---- apt: architecture, lists, candidates -------------------------------------------------------

ensure_i386_architecture() {
    if dpkg --print-architecture | grep -qx i386 || dpkg --print-foreign-architectures | grep -qx i386; then
        return 1  # nothing added
    fi
    echo "==> adding the i386 architecture to dpkg"
    as_root dpkg --add-architecture i386 || die "dpkg --add-architecture i386 failed"
    return 0
}

# True when no i386 package list is present, or the newest is older than LIST_MAX_AGE_DAYS.
i386_lists_stale() {
    local lists=(/var/lib/apt/lists/*_binary-i386_Packages*)
    [[ -e "${lists[0]}" ]] || return 0
    [[ -z "$(find "${lists[@]}" -maxdepth 0 -mtime "-$LIST_MAX_AGE_DAYS" 2>/dev/null | head -n 1)" ]]
}

apt_update() {
    echo "==> apt-get update (i386 package lists)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
}

# candidate_version PACKAGE — the version apt would download for PACKAGE:i386, or nothing.
candidate_version() {
    apt-cache show --no-all-versions "$1:i386" 2>/dev/null | sed -n 's/^Version: //p' | head -n 1
}

# The kernel package of linux-image-686:i386's current dependency. That dependency is the signed
# image (linux-image-6.1.0-NN-686, from linux-signed-i386: the same kernel with a signature
# appended); issue 11 names the unsigned build, linux-image-6.1.0-NN-686-unsigned, which is taken
# when apt has it, the signed one otherwise.
resolve_kernel_package() {
    local depended
    depended=$(apt-cache show --no-all-versions linux-image-686:i386 2>/dev/null |
        sed -n 's/^Depends: //p' | head -n 1 | tr ',|' '\n\n' | sed 's/^ *//; s/[ (].*//' |
        grep -E '^linux-image-[0-9].*-686(-unsigned)?$' | head -n 1)
    [[ -n "$depended" ]] || return 0
    if [[ "$depended" != *-unsigned && -n "$(candidate_version "$depended-unsigned")" ]]; then
        echo "$depended-unsigned"
    else
        echo "$depended"
    fi
}

# Debian's file-name spelling of a version (apt-get download writes the epoch colon as %3a).
version_key() { echo "${1//:/%3a}"; }

# download PACKAGE VERSION DIR — apt-get download into DIR; prints the .deb path.
download() {
    local package="$1" version="$2" dir="$3" started elapsed deb
    started=$(date +%s)
    # As root, apt downloads as the _apt user, which cannot enter a cache under /root and would
    # warn; the download then runs as root anyway, so say so up front.
    local sandbox=()
    [[ "$(id -u)" -eq 0 ]] && sandbox=(-o APT::Sandbox::User=root)
    echo "==> downloading $package:i386 $version" >&2
    (cd "$dir" && apt-get "${sandbox[@]}" download "$package:i386=$version" >&2) || return 1
    deb=$(find "$dir" -maxdepth 1 -name "${package}_*_i386.deb" | head -n 1)
    [[ -n "$deb" ]] || return 1
    elapsed=$(( $(date +%s) - started ))
    echo "==> downloaded $(basename "$deb") ($(du -h "$deb" | cut -f1), ${elapsed} s)" >&2
    echo "$deb"
}

# ---- the kernel ---------------------------------------------------------------------------------

# The modules directory's name for GUEST_MODULES (a changed list extracts a new set).
modules_key() { printf '%s\n' "${GUEST_MODULES[@]}" | sha256sum | cut -c1-12; }

# fetch_kernel PACKAGE VERSION — makes kernel/<package>_<version>/vmlinuz and the modules
# directory; true if both exist now. The .deb is downloaded again when only the modules are
# missing (a cache from before they were kept).
fetch_kernel() {
    local package="$1" version="$2"
    local dir="$GUEST_DIR/kernel/${package}_$(version_key "$version")"
    local modules_dir="$dir/modules-$(modules_key)"
    if [[ -s "$dir/vmlinuz" && -s "$modules_dir/load-order" ]]; then
        echo "==> kernel $package $version: cached"
        return 0
    fi
    local work deb
    work=$(mktemp -d "$GUEST_DIR/tmp.XXXXXX")
    if ! deb=$(download "$package" "$version" "$work"); then
        rm -rf "$work"
        return 1
    fi
    # boot/ and lib/modules/ are extracted (dpkg-deb's data archive, filtered), the modules only
    # into the temporary directory: of some 300 MB, the initramfs keeps the few it needs.
    echo "==> extracting boot/ and lib/modules/ from $(basename "$deb")"
    mkdir -p "$work/root"
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/root" --wildcards './boot/*' './lib/modules/*' \
        || { rm -rf "$work"; die "dpkg-deb could not extract boot/ and lib/modules/ from $deb"; }
    local vmlinuz
    vmlinuz=$(find "$work/root/boot" -maxdepth 1 -name 'vmlinuz-*' | head -n 1)
    [[ -n "$vmlinuz" ]] || { rm -rf "$work"; die "$deb holds no boot/vmlinuz-*"; }
    local order
    order=$(module_load_order "$work/root/lib/modules" "${GUEST_MODULES[@]}") || { rm -rf "$work"; die "$deb: $order"; }
    echo "==> keeping ${#GUEST_MODULES[@]} modules and their dependencies: $(for path in $order; do basename "$path"; done | tr '\n' ' ')"
    mkdir -p "$work/out/modules"
    cp "$vmlinuz" "$work/out/vmlinuz"
    cp "$work"/root/boot/config-* "$work/out/config" 2>/dev/null || true
    for path in $order; do
        local file="$path" name
        name=$(basename "$path")
        case "$name" in  # a compressed module is stored decompressed: busybox insmod takes plain ELF
            *.ko.xz) xz -dc "$file" >"$work/out/modules/${name%.xz}"; name=${name%.xz} ;;
            *.ko.zst) zstd -qdc "$file" >"$work/out/modules/${name%.zst}"; name=${name%.zst} ;;
            *) cp "$file" "$work/out/modules/$name" ;;
        esac
        echo "$name" >>"$work/out/modules/load-order"
    done
    mkdir -p "$dir"
    rm -rf "$modules_dir"
    mv "$work/out/modules" "$modules_dir"
    [[ -s "$dir/vmlinuz" ]] || mv "$work/out/vmlinuz" "$dir/vmlinuz"
    [[ -s "$dir/config" || ! -f "$work/out/config" ]] || mv "$work/out/config" "$dir/config"
    rm -rf "$work"
    echo "==> kernel: $dir/vmlinuz ($(du -h "$dir/vmlinuz" | cut -f1)), modules: $modules_dir"
}

# module_depends FILE — the "depends=" field of a module's .modinfo section (NUL-separated
# key=value strings), as modinfo -F depends prints it, without needing kmod.
module_depends() {
    case "$1" in
        *.ko.xz) xz -dc "$1" ;;
        *.ko.zst) zstd -qdc "$1" ;;
        *) cat "$1" ;;
    esac | tr '\0' '\n' | sed -n 's/^depends=//p' | head -n 1 | tr ',' ' '
}

# module_load_order MODULES_TREE NAME... — the files of the named modules and of everything they
# depend on (transitively), each after its dependencies: the order insmod must load them in.
module_load_order() {
    local tree="$1"
    shift
    local -A path_of=() seen=()
    local file name
    while IFS= read -r file; do
        name=$(basename "$file")
        name=${name%%.ko*}
        path_of[${name//-/_}]="$file"
    done < <(find "$tree" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst')
    visit() {
        local key="${1//-/_}" dep
        [[ -n "${seen[$key]:-}" ]] && return 0
        [[ -n "${path_of[$key]:-}" ]] || { echo "no module $1 in the kernel package"; return 1; }
        seen[$key]=1
        for dep in $(module_depends "${path_of[$key]}"); do visit "$dep" || return 1; done
        echo "${path_of[$key]}"
    }
    for name in "$@"; do visit "$name" || return 1; done
}

# ---- busybox and the initramfs ------------------------------------------------------------------

fetch_busybox() {
    local version="$1"
    local dir="$GUEST_DIR/busybox/$(version_key "$version")"
    if [[ -x "$dir/busybox" ]]; then
        echo "==> busybox-static $version: cached"
        return 0
    fi
    local work deb
    work=$(mktemp -d "$GUEST_DIR/tmp.XXXXXX")
    if ! deb=$(download busybox-static "$version" "$work"); then
        rm -rf "$work"
        return 1
    fi
    mkdir -p "$work/root" "$work/out"
    dpkg-deb -x "$deb" "$work/root" || { rm -rf "$work"; die "dpkg-deb -x failed on $deb"; }
    [[ -f "$work/root/bin/busybox" ]] || { rm -rf "$work"; die "$deb holds no bin/busybox"; }
    cp "$work/root/bin/busybox" "$work/out/busybox"
    chmod 0755 "$work/out/busybox"
    mkdir -p "$GUEST_DIR/busybox"
    rm -rf "$dir"
    mv "$work/out" "$dir"
    rm -rf "$work"
}

# build_initramfs BUSYBOX_VERSION MODULES_DIR — prints the path of the (possibly cached) archive.
build_initramfs() {
    local version="$1" modules_dir="$2"
    local busybox="$GUEST_DIR/busybox/$(version_key "$version")/busybox"
    local init_hash
    # The key covers /init, the kernel the modules belong to and the modules themselves.
    init_hash=$( (printf '%s\n' "$INIT_SCRIPT" "$modules_dir"; cat "$modules_dir/load-order") | sha256sum | cut -c1-12)
    local archive="$GUEST_DIR/initramfs/busybox-$(version_key "$version")-$init_hash.cpio.gz"
    if [[ -s "$archive" ]]; then
        echo "==> initramfs: cached" >&2
        echo "$archive"
        return 0
    fi
    echo "==> building the initramfs (busybox $version, /init $init_hash)" >&2
    local work
    work=$(mktemp -d "$GUEST_DIR/tmp.XXXXXX")
    local tree="$work/tree"
    mkdir -p "$tree"/{bin,sbin,dev,proc,sys,tmp,root,etc,usr/bin,usr/sbin}
    cp "$busybox" "$tree/bin/busybox"
    ln -s busybox "$tree/bin/sh"  # /init's interpreter, before --install has run
    mkdir -p "$tree/lib/modules"
    cp "$modules_dir"/*.ko "$modules_dir/load-order" "$tree/lib/modules/"
    printf '%s\n' "$INIT_SCRIPT" >"$tree/init"
    chmod 0755 "$tree/init" "$tree/bin/busybox"
    # Fixed times and owners: the same inputs give the same archive, byte for byte.
    find "$tree" -exec touch -h -d @0 {} +
    mkdir -p "$GUEST_DIR/initramfs"
    (cd "$tree" && find . -mindepth 1 | LC_ALL=C sort |
        cpio -o -H newc -R 0:0 --reproducible --quiet | gzip -9 -n) >"$archive.partial" \
        || { rm -rf "$work" "$archive.partial"; die "cpio/gzip failed building $archive"; }
    mv "$archive.partial" "$archive"
    rm -rf "$work"
    echo "==> initramfs: $archive ($(du -h "$archive" | cut -f1))" >&2
    echo "$archive"
}

# ---- the resolved set ---------------------------------------------------------------------------

write_env() {
    local kernel="$1" initrd="$2" kernel_package="$3" kernel_version="$4" busybox_version="$5"
    {
        echo "# written by scripts/fetch_guest.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ)"
        printf 'X86EMU_GUEST_KERNEL=%q\n' "$kernel"
        printf 'X86EMU_GUEST_INITRD=%q\n' "$initrd"
        printf 'X86EMU_GUEST_KERNEL_PACKAGE=%q\n' "$kernel_package"
        printf 'X86EMU_GUEST_KERNEL_VERSION=%q\n' "$kernel_version"
        printf 'X86EMU_GUEST_BUSYBOX_VERSION=%q\n' "$busybox_version"
    } >"$ENV_FILE.partial"
    mv "$ENV_FILE.partial" "$ENV_FILE"
}

print_env() {
    # shellcheck disable=SC1090
    source "$ENV_FILE"
    [[ -s "$X86EMU_GUEST_KERNEL" && -s "$X86EMU_GUEST_INITRD" ]] \
        || die "$ENV_FILE names files that are gone; run scripts/fetch_guest.sh without --offline"
    echo "kernel package: $X86EMU_GUEST_KERNEL_PACKAGE $X86EMU_GUEST_KERNEL_VERSION (i386)"
    echo "busybox-static: $X86EMU_GUEST_BUSYBOX_VERSION (i386)"
    echo "kernel: $X86EMU_GUEST_KERNEL"
    echo "initrd: $X86EMU_GUEST_INITRD"
    echo "env:    $ENV_FILE"
}

use_cached_set() {
    [[ -f "$ENV_FILE" ]] || die "$1, and nothing is cached in $GUEST_DIR yet: connect to Debian's archive and run scripts/fetch_guest.sh again"
    warn "$1; using the cached guest from $ENV_FILE"
    print_env
    exit 0
}

main() {
    if [[ $OFFLINE -eq 1 ]]; then
        use_cached_set "--offline given"
    fi
    ensure_packages "${X86EMU_GUEST_PACKAGES[@]}"

    local need_update=$REFRESH
    ensure_i386_architecture && need_update=1
    i386_lists_stale && need_update=1
    if [[ $need_update -eq 1 ]] && ! apt_update; then
        warn "apt-get update failed (offline?); resolving from the package lists apt already has"
    fi

    local kernel_package kernel_version busybox_version
    kernel_package=$(resolve_kernel_package)
    if [[ -z "$kernel_package" && $need_update -eq 0 ]]; then
        # Lists present but without the package (a trimmed mirror list, say): one update, then retry.
        apt_update || warn "apt-get update failed"
        kernel_package=$(resolve_kernel_package)
    fi
    [[ -n "$kernel_package" ]] || use_cached_set "cannot resolve linux-image-686:i386's kernel package"
    kernel_version=$(candidate_version "$kernel_package")
    busybox_version=$(candidate_version busybox-static)
    [[ -n "$kernel_version" ]] || use_cached_set "apt knows no version of $kernel_package:i386"
    [[ -n "$busybox_version" ]] || use_cached_set "apt knows no version of busybox-static:i386"
    echo "==> resolved: $kernel_package $kernel_version, busybox-static $busybox_version (i386)"

    fetch_kernel "$kernel_package" "$kernel_version" \
        || use_cached_set "downloading $kernel_package $kernel_version failed"
    fetch_busybox "$busybox_version" || use_cached_set "downloading busybox-static $busybox_version failed"
    local initrd
    initrd=$(build_initramfs "$busybox_version" \
        "$GUEST_DIR/kernel/${kernel_package}_$(version_key "$kernel_version")/modules-$(modules_key)")
    write_env "$GUEST_DIR/kernel/${kernel_package}_$(version_key "$kernel_version")/vmlinuz" "$initrd" \
        "$kernel_package" "$kernel_version" "$busybox_version"
    print_env
}

main
