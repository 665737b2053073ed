#!/usr/bin/env bash
# bench/run_boot_bench.sh — Linux boot-to-shell time: x86emu against QEMU (TCG) and Bochs on
# Debian's i386 kernel and the busybox initramfs (issue 11), one run of each, printed as a table
# with time ratios. A benchmark, not a test: CI never runs it. Details in bench/README.md.
# Usage: bench/run_boot_bench.sh [--timeout SECONDS] [--only x86emu,qemu,bochs] [--offline]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

bench_args=()
fetch_args=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --timeout|--only) [[ $# -ge 2 ]] || die "$1 needs a value"; bench_args+=("$1" "$2"); shift 2 ;;
        --offline) fetch_args+=(--offline); shift ;;
        -h|--help) sed -n '2,5p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$1' (try --help)" ;;
    esac
done

ensure_packages "${X86EMU_BUILD_PACKAGES[@]}" "${X86EMU_GUEST_PACKAGES[@]}" "${X86EMU_BOOT_BENCH_PACKAGES[@]}"

guest_listing="$("$X86EMU_ROOT/scripts/fetch_guest.sh" "${fetch_args[@]}")" || die "scripts/fetch_guest.sh failed"
echo "$guest_listing" | sed 's/^/    /'
kernel="$(awk '$1 == "kernel:" { print $2 }' <<<"$guest_listing")"
initrd="$(awk '$1 == "initrd:" { print $2 }' <<<"$guest_listing")"
[[ -f "$kernel" && -f "$initrd" ]] || die "scripts/fetch_guest.sh printed no kernel/initrd paths"

step "configuring (Release) into $X86EMU_BUILD_DIR" cmake -S "$X86EMU_ROOT" -B "$X86EMU_BUILD_DIR" -DCMAKE_BUILD_TYPE=Release
step "building x86emu-headless" cmake --build "$X86EMU_BUILD_DIR" -j "$(nproc 2>/dev/null || echo 2)" --target x86emu_headless

exec python3 "$X86EMU_ROOT/bench/boot_bench.py" --x86emu "$X86EMU_BUILD_DIR/bin/x86emu-headless" \
    --kernel "$kernel" --initrd "$initrd" --work-dir "$X86EMU_BUILD_DIR/bench/boot" "${bench_args[@]}"
