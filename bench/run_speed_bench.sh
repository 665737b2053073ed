#!/usr/bin/env bash
# bench/run_speed_bench.sh — the speed benchmark of issue 13: bench/loop.asm (a ten-instruction
# integer loop in 32-bit flat protected mode) on x86emu (386 and p6), Debian's Bochs and QEMU TCG;
# prints one table of MIPS, ratios, callgrind host instructions per guest instruction and RSS.
# Usage: bench/run_speed_bench.sh [--instructions N] [--callgrind-instructions N] [--no-callgrind]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/speed_bench_lib.sh"

instructions=500000000
callgrind_instructions=20000000
run_callgrind=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --instructions) [[ $# -ge 2 ]] || die "--instructions needs a value"; instructions="$2"; shift 2 ;;
        --callgrind-instructions) [[ $# -ge 2 ]] || die "--callgrind-instructions needs a value"; callgrind_instructions="$2"; shift 2 ;;
        --no-callgrind) run_callgrind=0; shift ;;
        -h|--help) sed -n '2,5p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$1' (try --help)" ;;
    esac
done
for value in "$instructions" "$callgrind_instructions"; do
    [[ "$value" =~ ^[0-9]+$ ]] || die "instruction counts must be numbers, got '$value'"
done
# Ten guest instructions per loop pass; the pass count is a 32-bit register.
(( instructions / 10 > 0 && instructions / 10 < 4294967296 )) || die "--instructions must be from 10 to 42949672950"
(( callgrind_instructions / 10 > 0 && callgrind_instructions / 10 < 4294967296 )) || die "--callgrind-instructions must be from 10 to 42949672950"

bench_setup speed

# image NAME ITERATIONS — loop.asm with that many loop passes, as NAME.bin and the floppy NAME.img.
image() { assemble "$1" loop.asm "$2 loop passes" "-DITERATIONS=$2"; }
image loop $((instructions / 10))
image zero 0
image callgrind $((callgrind_instructions / 10))

declare -A mips=() rss=() cycles=() checksum=() per_guest=()

# ---- x86emu: the driver reads the clock at the markers, so start-up is not in its figure ----
for model in 386 p6; do
    echo "==> x86emu ($model)"
    report="$("$bin_dir/x86emu-bench" --cpu "$model" --workload "$work_dir/loop.bin")" || die "x86emu-bench --cpu $model failed"
    echo "$report" | sed 's/^/    /'
    mips[$model]="$(field "guest MIPS" "$report")"
    rss[$model]="$(field "host max RSS KiB" "$report")"
    cycles[$model]="$(field "guest cycles" "$report")"
    checksum[$model]="$(field "guest output" "$report")"
    measured="$(field "guest instructions" "$report")"
    [[ -n "${mips[$model]}" && -n "$measured" ]] || die "could not parse the x86emu-bench report"
done
zero_report="$("$bin_dir/x86emu-bench" --cpu 386 --workload "$work_dir/zero.bin")" || die "x86emu-bench (0 passes) failed"
zero_instructions="$(field "guest instructions" "$zero_report")"

# ---- Bochs and QEMU: wall time between the marker bytes, minus that of a 0-pass run ----
# other NAME COMMAND-BUILDER — times NAME on the loop and sets mips/rss/checksum[NAME].
other() {
    time_other "$1" "$2" loop zero "$measured"
    mips[$1]="$(awk -v n="$measured" -v z="$zero_instructions" -v s="$other_seconds" 'BEGIN { printf "%.2f", (s > 0 ? (n - z) / s / 1e6 : 0) }')"
    rss[$1]="$other_rss"
    checksum[$1]="$(field "guest output" "$other_report")"
}
bochsrc_for loop
bochsrc_for zero
other bochs bochs_command
other qemu qemu_command

# ---- callgrind: host instructions of x86emu per guest instruction ----
# Two runs (N passes and 0 passes) so start-up, set-up and exit cancel out:
#   (Ir(N) - Ir(0)) / (guest instructions(N) - guest instructions(0)).
if (( run_callgrind )); then
    for model in 386 p6; do
        echo "==> callgrind x86emu ($model, $callgrind_instructions guest instructions)"
        read -r ir_full guest_full <<<"$(callgrind_total "$model" callgrind)"
        read -r ir_zero guest_zero <<<"$(callgrind_total "$model" zero)"
        per_guest[$model]="$(awk -v a="$ir_full" -v b="$ir_zero" -v n="$guest_full" -v z="$guest_zero" 'BEGIN { printf "%.1f", (a - b) / (n - z) }')"
        echo "    $ir_full - $ir_zero host instructions over $guest_full - $guest_zero guest instructions: ${per_guest[$model]} per guest instruction"
        echo "    profile: callgrind_annotate $work_dir/callgrind.$model.callgrind.out"
    done
fi

for name in p6 bochs qemu; do
    if [[ "${checksum[$name]}" != "${checksum[386]}" ]]; then
        echo "WARNING: $name computed '${checksum[$name]}', x86emu (386) '${checksum[386]}': the results are not comparable" >&2
    fi
done

echo
echo "guest: bench/loop.asm, $measured instructions measured, ${checksum[386]}"
printf '| %-22s | %10s | %9s | %9s | %22s | %11s | %14s |\n' emulator "guest MIPS" "vs Bochs" "vs QEMU" "host instr/guest instr" "max RSS MiB" "guest cycles"
printf '|%s|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..24})" "$(printf -- '-%.0s' {1..12})" "$(printf -- '-%.0s' {1..11})" \
    "$(printf -- '-%.0s' {1..11})" "$(printf -- '-%.0s' {1..24})" "$(printf -- '-%.0s' {1..13})" "$(printf -- '-%.0s' {1..16})"
row() {  # row LABEL NAME
    printf '| %-22s | %10s | %9s | %9s | %22s | %11s | %14s |\n' "$1" "${mips[$2]}" \
        "$(calc "${mips[$2]} / ${mips[bochs]}")" "$(calc "${mips[$2]} / ${mips[qemu]}")" "${per_guest[$2]:--}" \
        "$(calc "${rss[$2]:-0} / 1024")" "${cycles[$2]:--}"
}
row "x86emu 386" 386
row "x86emu p6" p6
row "Bochs $(dpkg-query -W -f '${Version}' bochs 2>/dev/null | cut -d+ -f1) (Debian)" bochs
row "QEMU $(dpkg-query -W -f '${Version}' qemu-system-x86 2>/dev/null | cut -d+ -f1 | sed 's/^[0-9]*://') TCG" qemu
