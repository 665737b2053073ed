#!/usr/bin/env bash
# bench/run_fault_bench.sh — the fault benchmark of issue 13: bench/fault_storm.asm (one exception
# per loop pass: #PF, #GP or #UD) on x86emu, Debian's Bochs and QEMU TCG; prints one table of
# faults per second, ratios, callgrind host instructions per fault and the C++ unwinder's share.
# Usage: bench/run_fault_bench.sh [--faults N] [--callgrind-faults N] [--cpu 486|p5|p6] [--only pf,gp,ud] [--no-callgrind]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/speed_bench_lib.sh"

faults=2000000
callgrind_faults=20000
model=p6
kinds=pf,gp,ud
run_callgrind=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --faults) [[ $# -ge 2 ]] || die "--faults needs a value"; faults="$2"; shift 2 ;;
        --callgrind-faults) [[ $# -ge 2 ]] || die "--callgrind-faults needs a value"; callgrind_faults="$2"; shift 2 ;;
        --cpu) [[ $# -ge 2 ]] || die "--cpu needs a value"; model="$2"; shift 2 ;;
        --only) [[ $# -ge 2 ]] || die "--only needs a value"; kinds="$2"; shift 2 ;;
        --no-callgrind) run_callgrind=0; shift ;;
        -h|--help) sed -n '2,5p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$1' (try --help)" ;;
    esac
done
for value in "$faults" "$callgrind_faults"; do
    if ! [[ "$value" =~ ^[0-9]+$ ]] || (( value == 0 || value > 4294967295 )); then
        die "fault counts must be numbers from 1 to 4294967295, got '$value'"
    fi
done
IFS=, read -r -a kind_list <<<"$kinds"
for kind in "${kind_list[@]}"; do
    [[ "$kind" == pf || "$kind" == gp || "$kind" == ud ]] || die "--only takes pf, gp and ud, got '$kind'"
done
# The guest is 32-bit code (a 386 at least), and the #PF loop's INVLPG is a 486 instruction.
case "$model" in
    486|p5|p6) ;;
    386) [[ ",$kinds," != *,pf,* ]] || die "the pf guest needs INVLPG (486, p5 or p6); --cpu 386 runs --only gp,ud" ;;
    *) die "--cpu must be 386 (gp, ud only), 486, p5 or p6, got '$model'" ;;
esac

bench_setup faults

# The C++ exception runtime's entry points (libstdc++ and libgcc_s): throwing, the two-phase
# unwind with its personality routine and FDE look-ups, catching. None calls another, so their
# inclusive costs add up without counting anything twice.
unwinder_functions=(__cxa_allocate_exception __cxa_throw __cxa_rethrow __cxa_begin_catch __cxa_end_catch _Unwind_Resume)

declare -A rate=() ratio_bochs=() ratio_qemu=() per_pass=() per_fault=() unwinder=() share=() cycles=()
expected_faults="faults=$(printf '%08X' "$faults")"
# check_faults LABEL OUTPUT — the guest's own count must be the number of passes.
check_faults() {
    [[ "$2" == *"$expected_faults"* ]] || die "$1 printed '$2', expected $expected_faults"
}
# per_second SECONDS — faults per second; "-" when the run was too short for the clock.
per_second() { awk -v n="$faults" -v s="$1" 'BEGIN { if (s > 0) printf "%.0f", n / s; else printf "-" }'; }
# ratio A B — A / B with 2 decimals; "-" when either is missing.
ratio() { if [[ "$1" == - || "$2" == - ]]; then echo -; else calc "$1 / $2"; fi; }

for kind in "${kind_list[@]}"; do
    assemble "$kind" fault_storm.asm "FAULT=$kind, $faults faults" "-DFAULT=$kind" "-DITERATIONS=$faults"
    assemble "$kind-zero" fault_storm.asm "FAULT=$kind, 0 faults" "-DFAULT=$kind" -DITERATIONS=0
    assemble "$kind-callgrind" fault_storm.asm "FAULT=$kind, $callgrind_faults faults" "-DFAULT=$kind" "-DITERATIONS=$callgrind_faults"

    # ---- x86emu: the driver reads the clock at the markers ----
    echo "==> x86emu ($model, $kind)"
    report="$("$bin_dir/x86emu-bench" --cpu "$model" --workload "$work_dir/$kind.bin")" || die "x86emu-bench --cpu $model ($kind) failed"
    echo "$report" | sed 's/^/    /'
    output="$(field "guest output" "$report")"
    check_faults "x86emu ($kind)" "$output"
    rate[$kind.x86emu]="$(per_second "$(field "host seconds" "$report")")"
    cycles[$kind]="$(field "guest cycles" "$report")"
    zero_report="$("$bin_dir/x86emu-bench" --cpu "$model" --workload "$work_dir/$kind-zero.bin")" || die "x86emu-bench --cpu $model ($kind, 0 faults) failed"
    # Guest instructions x86emu retires per pass: an instruction that faults is not counted, the
    # #PF load once, when its restart completes.
    per_pass[$kind]="$(awk -v n="$(field "guest instructions" "$report")" -v z="$(field "guest instructions" "$zero_report")" \
        -v f="$faults" 'BEGIN { printf "%.1f", (n - z) / f }')"

    # ---- Bochs and QEMU: wall time between the marker bytes, minus that of a 0-fault run ----
    bochsrc_for "$kind"
    bochsrc_for "$kind-zero"
    for other in bochs qemu; do
        time_other "$other-$kind" "${other}_command" "$kind" "$kind-zero"
        other_output="$(field "guest output" "$other_report")"
        check_faults "$other ($kind)" "$other_output"
        [[ "$other_output" == "$output" ]] || echo "WARNING: $other computed '$other_output', x86emu '$output': the results are not comparable" >&2
        rate[$kind.$other]="$(per_second "$other_seconds")"
    done
    ratio_bochs[$kind]="$(ratio "${rate[$kind.x86emu]}" "${rate[$kind.bochs]}")"
    ratio_qemu[$kind]="$(ratio "${rate[$kind.x86emu]}" "${rate[$kind.qemu]}")"

    # ---- callgrind: host instructions of x86emu per fault, and the unwinder's part ----
    # Two runs (N faults and 0) so start-up, set-up and exit cancel out: (Ir(N) - Ir(0)) / N.
    # What a pass costs besides the exception (its few other guest instructions, the handler's)
    # stays in; the guest instructions per pass (from the x86emu runs above) say how many.
    if (( run_callgrind )); then
        echo "==> callgrind x86emu ($model, $kind, $callgrind_faults faults)"
        read -r ir_full _ <<<"$(callgrind_total "$model" "$kind-callgrind")"
        read -r ir_zero _ <<<"$(callgrind_total "$model" "$kind-zero")"
        unwinder_full="$(callgrind_inclusive "$work_dir/callgrind.$model.$kind-callgrind.out" "${unwinder_functions[@]}")"
        unwinder_zero="$(callgrind_inclusive "$work_dir/callgrind.$model.$kind-zero.out" "${unwinder_functions[@]}")"
        per_fault[$kind]="$(awk -v a="$ir_full" -v b="$ir_zero" -v f="$callgrind_faults" 'BEGIN { printf "%.0f", (a - b) / f }')"
        unwinder[$kind]="$(awk -v a="$unwinder_full" -v b="$unwinder_zero" -v f="$callgrind_faults" 'BEGIN { printf "%.0f", (a - b) / f }')"
        share[$kind]="$(ratio "$(( 100 * unwinder[$kind] ))" "${per_fault[$kind]}")"
        echo "    $ir_full - $ir_zero host instructions over $callgrind_faults faults: ${per_fault[$kind]} per fault," \
             "of which the C++ exception runtime ${unwinder[$kind]} (${share[$kind]} %)"
        echo "    profile: callgrind_annotate $work_dir/callgrind.$model.$kind-callgrind.out"
    fi
done

echo
echo "guest: bench/fault_storm.asm, $faults faults per kind; x86emu model $model," \
     "Bochs $(dpkg-query -W -f '${Version}' bochs 2>/dev/null | cut -d+ -f1) (Debian)," \
     "QEMU $(dpkg-query -W -f '${Version}' qemu-system-x86 2>/dev/null | cut -d+ -f1 | sed 's/^[0-9]*://') TCG"
columns=(fault "x86emu faults/s" "Bochs faults/s" "QEMU faults/s" "vs Bochs" "vs QEMU" "guest instr/pass" \
    "host instr/fault" "unwinder/fault" "unwinder %" "guest cycles")
row() {  # row VALUE... — one table row, each cell as wide as its column's title
    local cells=("$@") k line="|"
    for (( k = 0; k < ${#columns[@]}; ++k )); do line+="$(printf ' %*s |' "${#columns[k]}" "${cells[k]}")"; done
    echo "$line"
}
row "${columns[@]}"
rule="|"
for title in "${columns[@]}"; do rule+="$(printf -- '-%.0s' $(seq $(( ${#title} + 2 ))))|"; done
echo "$rule"
for kind in "${kind_list[@]}"; do
    row "#${kind^^}" "${rate[$kind.x86emu]}" "${rate[$kind.bochs]}" "${rate[$kind.qemu]}" "${ratio_bochs[$kind]}" "${ratio_qemu[$kind]}" "${per_pass[$kind]:--}" \
        "${per_fault[$kind]:--}" "${unwinder[$kind]:--}" "${share[$kind]:--}" "${cycles[$kind]}"
done
