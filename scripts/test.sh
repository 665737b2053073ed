#!/usr/bin/env bash
# scripts/test.sh — installs what is missing, builds x86emu (Release) into build/, and runs every
# CTest test. This is what CI runs (.ci/run).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Everything the tests' own scripts (fetch_guest.sh, make_boot_disk.sh) would install, installed
# here once: tests run in parallel and two apt-get runs at once would collide on dpkg's lock.
ensure_packages "${X86EMU_BUILD_PACKAGES[@]}" "${X86EMU_TEST_PACKAGES[@]}" "${X86EMU_GUEST_PACKAGES[@]}" \
    "${X86EMU_DISK_PACKAGES[@]}"
configure_and_build
step "running tests" ctest --test-dir "$X86EMU_BUILD_DIR" --output-on-failure -j2
