#!/usr/bin/env bash
# scripts/run.sh — one command for a fresh Debian 12 machine: installs what is missing, builds
# x86emu (Release) into build/, fetches the reference guest (Debian's i386 686 kernel and a
# busybox initramfs, scripts/fetch_guest.sh, cached in ~/.cache/x86emu/guest) and boots it on
# the PC platform with its serial console on this terminal: a busybox shell you can type into.
# `poweroff -f` in the guest (or Ctrl-C) ends the run. Extra arguments go to x86emu-headless,
# e.g. `scripts/run.sh -m 256M`. There is no window yet (the SDL frontend is issue 12), so it
# runs headless whether or not a display exists.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_packages "${X86EMU_BUILD_PACKAGES[@]}"
configure_and_build

runner="$X86EMU_BUILD_DIR/bin/x86emu-headless"
[[ -x "$runner" ]] || die "build finished but $runner is missing"

guest_listing="$(mktemp)"
trap 'rm -f "$guest_listing"' EXIT
step "fetching the reference guest" bash -c '"$1" | tee "$2"' _ "$X86EMU_ROOT/scripts/fetch_guest.sh" "$guest_listing"
kernel="$(sed -n 's/^kernel: *//p' "$guest_listing" | tail -1)"
initrd="$(sed -n 's/^initrd: *//p' "$guest_listing" | tail -1)"
[[ -f "$kernel" && -f "$initrd" ]] || die "scripts/fetch_guest.sh named no kernel/initrd"

echo "==> booting $(basename "$(dirname "$kernel")") on x86emu (p6, 128 MiB); the kernel's"
echo "    decompressor runs silently for about half a minute, then its log follows, then the shell."
echo "    Type 'poweroff -f' to end the run."
exec "$runner" -kernel "$kernel" -initrd "$initrd" -append "console=ttyS0,115200 cryptomgr.notests" \
    -m 128M -nographic -serial stdio "$@"
