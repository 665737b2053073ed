#!/usr/bin/env bash
# scripts/run.sh — one command for a fresh Debian 12 machine: installs what is missing, builds
# x86emu (Release) into build/, and runs the main job. Until the PC platform exists the main job
# is the embedding example (build/bin/x86emu-example-hello).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_packages "${X86EMU_BUILD_PACKAGES[@]}"
configure_and_build

main_job="$X86EMU_BUILD_DIR/bin/x86emu-example-hello"
[[ -x "$main_job" ]] || die "build finished but $main_job is missing"
step "running $main_job" "$main_job"
