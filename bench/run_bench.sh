#!/usr/bin/env bash
# bench/run_bench.sh — the CPU benchmark: runs bench/workload.asm on x86emu (real mode, and on the
# 386 also V86 and V86+paging) and in Bochs; prints guest MIPS and ratios, one run of each.
# A benchmark, not a test: CI never runs it. Usage: bench/run_bench.sh [--cpu 8086|286|386] [--iterations N]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

cpu_model=386
iterations=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --cpu) [[ $# -ge 2 ]] || die "--cpu needs a value (8086, 286 or 386)"; cpu_model="$2"; shift 2 ;;
        --iterations) [[ $# -ge 2 ]] || die "--iterations needs a value"; iterations="$2"; shift 2 ;;
        -h|--help) sed -n '2,4p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$1' (try --help)" ;;
    esac
done
[[ -z "$iterations" || "$iterations" =~ ^[0-9]+$ ]] || die "--iterations must be a number"

ensure_packages "${X86EMU_BUILD_PACKAGES[@]}" bochs bochsbios vgabios bochs-term

# Always pass the iteration count: the CMake cache would otherwise keep an earlier --iterations.
step "configuring (Release) into $X86EMU_BUILD_DIR" cmake -S "$X86EMU_ROOT" -B "$X86EMU_BUILD_DIR" \
    -DCMAKE_BUILD_TYPE=Release "-DX86EMU_BENCH_ITERATIONS=${iterations:-20000}"
step "building the benchmark" cmake --build "$X86EMU_BUILD_DIR" -j "$(nproc 2>/dev/null || echo 2)" \
    --target x86emu_bench x86emu_bench_bochs x86emu_bench_guest

bench_dir="$X86EMU_BUILD_DIR/bench"
bin_dir="$X86EMU_BUILD_DIR/bin"

# field "label" text — the value after "label: " in a report.
field() { awk -v label="$1" 'index($0, label ": ") == 1 { print substr($0, length(label) + 3); exit }' <<<"$2"; }

echo "==> x86emu ($cpu_model)"
ours_report="$("$bin_dir/x86emu-bench" --cpu "$cpu_model")" || die "x86emu-bench failed"
echo "$ours_report" | sed 's/^/    /'
instructions="$(field "guest instructions" "$ours_report")"
ours_mips="$(field "guest MIPS" "$ours_report")"
ours_checksum="$(field "guest output" "$ours_report")"
[[ -n "$instructions" && -n "$ours_mips" ]] || die "could not parse the x86emu-bench report"

echo "==> Bochs ($(dpkg-query -W -f '${Version}' bochs 2>/dev/null || echo unknown version))"
bochs_log="$bench_dir/bochs-stderr.log"
# Bochs resolves the floppy path from the bochsrc; run it inside the build dir so that any file
# it drops (e.g. a lock file) stays there.
bochs_report="$(cd "$bench_dir" && "$bin_dir/x86emu-bench-bochs" --instructions "$instructions" \
    --stderr-log "$bochs_log" -- bochs -q -f "$bench_dir/bochsrc" -rc "$bench_dir/continue.rc")" \
    || die "timing Bochs failed (its stderr is in $bochs_log)"
echo "$bochs_report" | sed 's/^/    /'
bochs_mips="$(field "guest MIPS" "$bochs_report")"
bochs_checksum="$(field "guest output" "$bochs_report")"
[[ -n "$bochs_mips" ]] || die "could not parse the x86emu-bench-bochs report"

if [[ "$ours_checksum" != "$bochs_checksum" ]]; then
    echo "WARNING: the guests disagree ($ours_checksum on x86emu, $bochs_checksum on Bochs):" \
         "x86emu computed something wrong, so its speed is not comparable" >&2
fi

# The same guest in virtual-8086 mode, without and with paging: only a 386 has them. Each is
# compared with the real-mode run above, so all ratios come from one invocation.
v86_modes=()
[[ "$cpu_model" == 386 ]] && v86_modes=(v86 v86-paging)
declare -A mode_mips=()
for mode in "${v86_modes[@]}"; do
    echo "==> x86emu ($cpu_model, --mode $mode)"
    mode_report="$("$bin_dir/x86emu-bench" --cpu "$cpu_model" --mode "$mode")" || die "x86emu-bench --mode $mode failed"
    echo "$mode_report" | sed 's/^/    /'
    mode_mips[$mode]="$(field "guest MIPS" "$mode_report")"
    [[ -n "${mode_mips[$mode]}" ]] || die "could not parse the x86emu-bench --mode $mode report"
    mode_checksum="$(field "guest output" "$mode_report")"
    mode_instructions="$(field "guest instructions" "$mode_report")"
    if [[ "$mode_checksum" != "$ours_checksum" || "$mode_instructions" != "$instructions" ]]; then
        echo "WARNING: --mode $mode disagrees with real mode ($mode_checksum, $mode_instructions instructions," \
             "against $ours_checksum, $instructions): the core mis-runs the guest in this mode" >&2
    fi
done

echo
printf '%-26s %s MIPS\n' "x86emu ($cpu_model, real):" "$ours_mips"
for mode in "${v86_modes[@]}"; do
    printf '%-26s %s MIPS\n' "x86emu ($cpu_model, $mode):" "${mode_mips[$mode]}"
done
printf '%-26s %s MIPS\n' "Bochs (real):" "$bochs_mips"
awk -v ours="$ours_mips" -v bochs="$bochs_mips" 'BEGIN { printf "ratio x86emu/Bochs (real): %.2f\n", ours / bochs }'
for mode in "${v86_modes[@]}"; do
    awk -v mode="$mode" -v theirs="${mode_mips[$mode]}" -v real="$ours_mips" \
        'BEGIN { printf "ratio %s/real: %.2f\n", mode, theirs / real }'
done
