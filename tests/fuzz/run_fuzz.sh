#!/usr/bin/env bash
# tests/fuzz/run_fuzz.sh [seconds] [jobs] — a long fuzzing session on demand (docs/FUZZING.md).
# Builds the harness if needed (build/fuzz/, via the main build's x86emu_fuzz_build target), then
# fuzzes for `seconds` (default 600) with `jobs` parallel processes (default 1; more use libFuzzer's
# -fork mode, which carries on after a finding), growing the working
# corpus in build/fuzz/corpus/ (seeded from tests/fuzz/corpus/). Findings are written to
# build/fuzz/findings/ (crash-*, timeout-*, leak-*); the script exits non-zero if there is any.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"

seconds="${1:-600}"
jobs="${2:-1}"
fuzzer="$X86EMU_BUILD_DIR/fuzz/x86emu-fuzz-cpu"
corpus="$X86EMU_BUILD_DIR/fuzz/corpus"
findings="$X86EMU_BUILD_DIR/fuzz/findings"

if [[ ! -x "$fuzzer" ]]; then
    if [[ ! -f "$X86EMU_BUILD_DIR/CMakeCache.txt" ]]; then
        step "configuring (Release) into $X86EMU_BUILD_DIR" \
            cmake -S "$X86EMU_ROOT" -B "$X86EMU_BUILD_DIR" -DCMAKE_BUILD_TYPE=Release
    fi
    step "building the fuzzer" cmake --build "$X86EMU_BUILD_DIR" --target x86emu_fuzz_build -j "$(nproc 2>/dev/null || echo 2)"
fi
mkdir -p "$corpus" "$findings"
echo "==> fuzzing for ${seconds}s with ${jobs} job(s); findings go to $findings/"
parallel=()
# With several jobs libFuzzer writes one fuzz-N.log per job into the working directory.
[[ "$jobs" -gt 1 ]] && parallel=(-fork="$jobs" -ignore_crashes=1)
totals="$X86EMU_BUILD_DIR/fuzz/totals.txt"
: >"$totals"
status=0
(cd "$X86EMU_BUILD_DIR/fuzz" && X86EMU_FUZZ_TOTALS="$totals" "$fuzzer" -max_total_time="$seconds" -timeout=10 -max_len=4096 \
    -print_final_stats=1 "${parallel[@]}" -artifact_prefix="$findings/" \
    "$corpus" "$X86EMU_ROOT/tests/fuzz/corpus") || status=$?
# Every process's figures (one process, or each -fork child), summed.
awk '{ n += $1; i += $2; c += $3; s += $4 } END { printf "==> session total: %d inputs, %d guest instructions, %d guest cycles, %d split runs compared\n", n, i, c, s }' "$totals"
if compgen -G "$findings/*-*" >/dev/null; then
    echo "==> findings:" && ls -l "$findings"
    exit 1
fi
exit "$status"
