#!/usr/bin/env bash
# bench/run_speed_bench.sh — the speed benchmark of issue 13: bench/loop.asm (a ten-instruction
# integer loop in 32-bit flat protected mode) on x86emu (386 and p6), Debian's Bochs and QEMU TCG;
# prints one table of MIPS, ratios, callgrind host instructions per guest instruction and RSS.
# Usage: bench/run_speed_bench.sh [--instructions N] [--callgrind-instructions N] [--no-callgrind]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

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

ensure_packages "${X86EMU_BUILD_PACKAGES[@]}" "${X86EMU_SPEED_BENCH_PACKAGES[@]}"

step "configuring (Release) into $X86EMU_BUILD_DIR" cmake -S "$X86EMU_ROOT" -B "$X86EMU_BUILD_DIR" -DCMAKE_BUILD_TYPE=Release
step "building the benchmark drivers" cmake --build "$X86EMU_BUILD_DIR" -j "$(nproc 2>/dev/null || echo 2)" \
    --target x86emu_bench x86emu_bench_bochs x86emu_bench_guest

bin_dir="$X86EMU_BUILD_DIR/bin"
work_dir="$X86EMU_BUILD_DIR/bench/speed"
mkdir -p "$work_dir"

# image NAME ITERATIONS — assembles loop.asm into NAME.bin and the 1.44 MB floppy NAME.img.
image() {
    step "assembling $1 ($2 loop passes)" nasm -f bin -I "$X86EMU_ROOT/bench/" "-DITERATIONS=$2" -o "$work_dir/$1.bin" "$X86EMU_ROOT/bench/loop.asm"
    step "wrapping $1 into a floppy" nasm -f bin "-DWORKLOAD_IMAGE=\"$work_dir/$1.bin\"" -o "$work_dir/$1.img" "$X86EMU_ROOT/bench/floppy.asm"
}
image loop $((instructions / 10))
image zero 0
image callgrind $((callgrind_instructions / 10))

# field "label" text — the value after "label: " in a report.
field() { awk -v label="$1" 'index($0, label ": ") == 1 { print substr($0, length(label) + 3); exit }' <<<"$2"; }
# calc EXPRESSION — floating-point arithmetic (awk), printed with 2 decimals.
calc() { awk "BEGIN { printf \"%.2f\", $1 }"; }

# The same bochsrc as the CPU benchmark, with this benchmark's floppy.
bochsrc_for() {
    sed "s|^floppya:.*|floppya: 1_44=\"$work_dir/$1.img\", status=inserted|" "$X86EMU_BUILD_DIR/bench/bochsrc" >"$work_dir/bochsrc-$1"
}
bochs_command() {
    echo bochs -q -f "$work_dir/bochsrc-$1" -rc "$X86EMU_BUILD_DIR/bench/continue.rc"
}
# QEMU: TCG only, no display, port 0xE9 (isa-debugcon) on stdout, which the driver timestamps.
qemu_command() {
    echo qemu-system-i386 -accel tcg -m 16 -display none -monitor none -serial none -parallel none \
        -drive "file=$work_dir/$1.img,if=floppy,format=raw" -boot a -debugcon stdio
}

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
# other NAME COMMAND-BUILDER — runs the full and the 0-pass image; sets mips/rss/checksum[NAME].
other() {
    local name="$1" builder="$2" full zero seconds
    echo "==> $name"
    full="$(cd "$work_dir" && "$bin_dir/x86emu-bench-bochs" --instructions "$measured" \
        --stderr-log "$work_dir/$name-stderr.log" -- $($builder loop))" || die "timing $name failed (stderr: $work_dir/$name-stderr.log)"
    echo "$full" | sed 's/^/    /'
    zero="$(cd "$work_dir" && "$bin_dir/x86emu-bench-bochs" --stderr-log "$work_dir/$name-stderr.log" -- $($builder zero))" \
        || die "timing $name with 0 passes failed (stderr: $work_dir/$name-stderr.log)"
    echo "    0-pass run: $(field "host seconds" "$zero") s between the markers (subtracted)"
    seconds="$(awk -v a="$(field "host seconds" "$full")" -v b="$(field "host seconds" "$zero")" 'BEGIN { printf "%.6f", a - b }')"
    mips[$name]="$(awk -v n="$measured" -v z="$zero_instructions" -v s="$seconds" 'BEGIN { printf "%.2f", (s > 0 ? (n - z) / s / 1e6 : 0) }')"
    rss[$name]="$(field "emulator max RSS KiB" "$full")"
    checksum[$name]="$(field "guest output" "$full")"
}
bochsrc_for loop
bochsrc_for zero
other bochs bochs_command
other qemu qemu_command

# ---- callgrind: host instructions of x86emu per guest instruction ----
# Two runs (N passes and 0 passes) so start-up, set-up and exit cancel out:
#   (Ir(N) - Ir(0)) / (guest instructions(N) - guest instructions(0)).
callgrind_total() {  # callgrind_total MODEL IMAGE -> "<Ir> <guest instructions>"
    local out="$work_dir/callgrind.$1.$2.out" report
    report="$(valgrind --tool=callgrind --callgrind-out-file="$out" "$bin_dir/x86emu-bench" --cpu "$1" \
        --workload "$work_dir/$2.bin" 2>"$work_dir/callgrind.$1.$2.log")" || die "valgrind failed (log: $work_dir/callgrind.$1.$2.log)"
    echo "$(callgrind_annotate "$out" | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }') $(field "guest instructions" "$report")"
}
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
