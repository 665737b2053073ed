#!/usr/bin/env bash
# scripts/run.sh — one command for a fresh Debian 12 machine: installs what is missing, builds
# x86emu (Release) into build/, fetches the reference guest (Debian's i386 686 kernel and a
# busybox initramfs, scripts/fetch_guest.sh, cached in ~/.cache/x86emu/guest) and boots it on
# the PC platform. With a display ($DISPLAY or $WAYLAND_DISPLAY set and SDL able to open a
# window there) it runs in a window (x86emu-sdl, docs/SDL.md): the busybox shell is on the VGA
# console, typed into through the window, and the kernel log also goes to this terminal (COM1).
# Without one it runs headless (x86emu-headless) with the serial console on this terminal. Either
# way `poweroff -f` in the guest (or Ctrl-C here, or closing the window) ends the run. Extra
# arguments go to the runner, e.g. `scripts/run.sh -m 256M`; X86EMU_HEADLESS=1 forces headless.
# Headless at a terminal, the guest runs in real time (--realtime); with piped input it runs
# deterministically, skipping idle time.
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

sdl="$X86EMU_BUILD_DIR/bin/x86emu-sdl"
if [[ -z "${X86EMU_HEADLESS:-}" && ( -n "${DISPLAY:-}" || -n "${WAYLAND_DISPLAY:-}" ) && -x "$sdl" ]] &&
    "$sdl" --check-display; then
    echo "==> booting $(basename "$(dirname "$kernel")") on x86emu in a window (p6, 128 MiB); the kernel's"
    echo "    decompressor runs silently for about half a minute, then the shell appears on the VGA console."
    echo "    Ctrl+Alt+G grabs/releases the mouse, Ctrl+Alt+F fullscreen, Ctrl+Alt+S a PNG screenshot."
    exec "$sdl" -kernel "$kernel" -initrd "$initrd" -append "console=ttyS0,115200 console=tty0 cryptomgr.notests" \
        -m 128M -serial stdio "$@"
fi

echo "==> booting $(basename "$(dirname "$kernel")") on x86emu (p6, 128 MiB), no display; the kernel's"
echo "    decompressor runs silently for about half a minute, then its log follows, then the shell."
echo "    Type 'poweroff -f' to end the run."
# Someone typing at a terminal wants the guest's clock to follow the wall clock (an idle shell
# waits in HLT as long as it would on hardware, and `date` or `sleep 5` mean what they say);
# piped input (a script driving the guest) keeps the default deterministic mode, which skips idle
# time. Pacing never slows the boot itself: the emulator is slower than real time there.
pacing=()
[[ -t 0 && " $* " != *" --deterministic "* && " $* " != *" --realtime "* ]] && pacing=(--realtime)
exec "$runner" -kernel "$kernel" -initrd "$initrd" -append "console=ttyS0,115200 cryptomgr.notests" \
    -m 128M -nographic -serial stdio "${pacing[@]}" "$@"
