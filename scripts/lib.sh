# scripts/lib.sh — shared helpers for run.sh, test.sh and bench/run_bench.sh: locating the repo,
# installing missing Debian packages idempotently, and running named steps with clear errors.
# Sourced, not executed.

# The repository root, whatever the caller's working directory is.
X86EMU_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
X86EMU_BUILD_DIR="${X86EMU_BUILD_DIR:-$X86EMU_ROOT/build}"

# Packages needed to build and test x86emu on Debian 12 (python3 runs the headless runner's tests;
# clang and libclang-rt-14-dev build the libFuzzer harness, tests/fuzz; console-setup-linux has
# the PSF fonts the VGA's font is built from, libx86emu/cmake/vga_font.cmake).
X86EMU_BUILD_PACKAGES=(build-essential cmake nasm nlohmann-json3-dev doctest-dev
    libboost-program-options-dev libboost-dev zlib1g-dev libsdl2-dev libpng-dev pkg-config python3
    clang libclang-rt-14-dev console-setup-linux)

# Packages the tests need besides the build list: xvfb (with xauth for xvfb-run) gives the SDL
# frontend's tests (frontends/sdl/tests) a display on a machine without one.
X86EMU_TEST_PACKAGES=(xvfb xauth)

# Packages scripts/fetch_guest.sh needs to build the Linux guest (issue 11): cpio packs the
# initramfs; apt, dpkg-deb and gzip are part of every Debian system. Separate from the build list
# because the emulator itself builds without them.
X86EMU_GUEST_PACKAGES=(cpio gzip)

# Packages scripts/make_boot_disk.sh needs to build the boot-disk images (issue 11's disk-boot
# path), all without root or loop devices: fdisk writes the partition table into the
# file, dosfstools' mkfs.fat --offset makes the FAT inside it, mtools copies files into it,
# syslinux's mtools-based installer and syslinux-common's mbr.bin make it boot SYSLINUX, and
# grub-pc-bin's grub-mkimage with boot.img make it boot GRUB 2.
X86EMU_DISK_PACKAGES=(fdisk dosfstools mtools syslinux syslinux-common grub-pc-bin)

# Packages bench/run_boot_bench.sh needs besides the build and guest lists (issue 11's Linux boot
# benchmark): the emulators it compares against (QEMU's TCG, Bochs with its BIOSes and the 'term'
# display library), and ISOLINUX with genisoimage for the CD Bochs boots the kernel from.
X86EMU_BOOT_BENCH_PACKAGES=(qemu-system-x86 bochs bochsbios vgabios bochs-term
    isolinux syslinux-common genisoimage)

# Packages bench/run_speed_bench.sh needs besides the build list (issue 13's speed benchmark): the
# emulators it compares against (Bochs with its BIOSes and the 'term' display library, QEMU's
# TCG) and valgrind, whose callgrind counts x86emu's host instructions per guest instruction.
X86EMU_SPEED_BENCH_PACKAGES=(bochs bochsbios vgabios bochs-term qemu-system-x86 valgrind)

die() {
    echo "error: $*" >&2
    exit 1
}

# step "description" command args... — runs the command; on failure names the step that broke,
# because a bare non-zero exit from deep inside cmake is hard to attribute.
step() {
    local description="$1"
    shift
    echo "==> $description"
    if ! "$@"; then
        die "step failed: $description (command: $*)"
    fi
}

# Root runs apt directly; everyone else goes through sudo (which must then exist).
as_root() {
    if [[ "$(id -u)" -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root to run '$*' and sudo is not installed; run this script as root"
    fi
}

# ensure_packages pkg... — installs only the packages dpkg does not report as installed, and
# runs apt-get update only when there is something to install, so repeated runs are quick and
# work offline once everything is present.
ensure_packages() {
    local missing=()
    local package
    for package in "$@"; do
        if ! dpkg -s "$package" 2>/dev/null | grep -q '^Status: install ok installed'; then
            missing+=("$package")
        fi
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        echo "==> all required packages are installed"
        return 0
    fi
    command -v apt-get >/dev/null 2>&1 || die "missing packages (${missing[*]}) and apt-get is unavailable; this script targets Debian 12"
    echo "==> installing missing packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q \
        || die "apt-get update failed (is the network/apt mirror reachable?)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
        || die "apt-get install failed for: ${missing[*]}"
}

# Configures (Release) and builds everything into the build directory, using both cores.
configure_and_build() {
    step "configuring (Release) into $X86EMU_BUILD_DIR" \
        cmake -S "$X86EMU_ROOT" -B "$X86EMU_BUILD_DIR" -DCMAKE_BUILD_TYPE=Release
    step "building" cmake --build "$X86EMU_BUILD_DIR" -j "$(nproc 2>/dev/null || echo 2)"
}
