# bench/speed_bench_lib.sh — what the issue-13 benchmarks (run_speed_bench.sh, run_fault_bench.sh)
# share: building the two drivers, assembling a boot-sector guest into a flat image and a 1.44 MB
# boot floppy, timing Bochs and QEMU from the guest's port-0xE9 marker bytes, and callgrind
# totals. Source it after scripts/lib.sh, then call bench_setup with the work directory's name.

# bench_setup SUBDIR — installs what is missing, builds the drivers (Release) and sets bin_dir and
# work_dir (build/bench/SUBDIR, where every image, log and profile of the run goes).
bench_setup() {
    ensure_packages "${X86EMU_BUILD_PACKAGES[@]}" "${X86EMU_SPEED_BENCH_PACKAGES[@]}"
    step "configuring (Release) into $X86EMU_BUILD_DIR" cmake -S "$X86EMU_ROOT" -B "$X86EMU_BUILD_DIR" -DCMAKE_BUILD_TYPE=Release
    step "building the benchmark drivers" cmake --build "$X86EMU_BUILD_DIR" -j "$(nproc 2>/dev/null || echo 2)" \
        --target x86emu_bench x86emu_bench_bochs x86emu_bench_guest
    bin_dir="$X86EMU_BUILD_DIR/bin"
    work_dir="$X86EMU_BUILD_DIR/bench/$1"
    mkdir -p "$work_dir"
}

# assemble NAME SOURCE "what" [nasm -D options...] — assembles bench/SOURCE into NAME.bin (for
# x86emu-bench) and wraps it into the 1.44 MB floppy NAME.img (for the BIOS of Bochs and QEMU).
assemble() {
    local name="$1" source="$2" what="$3"
    shift 3
    step "assembling $name ($what)" nasm -f bin -I "$X86EMU_ROOT/bench/" "$@" -o "$work_dir/$name.bin" "$X86EMU_ROOT/bench/$source"
    step "wrapping $name into a floppy" nasm -f bin "-DWORKLOAD_IMAGE=\"$work_dir/$name.bin\"" -o "$work_dir/$name.img" "$X86EMU_ROOT/bench/floppy.asm"
}

# field "label" text — the value after "label: " in a report.
field() { awk -v label="$1" 'index($0, label ": ") == 1 { print substr($0, length(label) + 3); exit }' <<<"$2"; }
# calc EXPRESSION — floating-point arithmetic (awk), printed with 2 decimals.
calc() { awk "BEGIN { printf \"%.2f\", $1 }"; }

# The same bochsrc as the CPU benchmark, with the floppy NAME.img.
bochsrc_for() {
    sed "s|^floppya:.*|floppya: 1_44=\"$work_dir/$1.img\", status=inserted|" "$X86EMU_BUILD_DIR/bench/bochsrc" >"$work_dir/bochsrc-$1"
}
# bochs_command NAME — Bochs booting NAME.img (bochsrc_for NAME first).
bochs_command() {
    echo bochs -q -f "$work_dir/bochsrc-$1" -rc "$X86EMU_BUILD_DIR/bench/continue.rc"
}
# qemu_command NAME — QEMU booting NAME.img: TCG only, no display, port 0xE9 (isa-debugcon) on
# stdout, which the driver timestamps.
qemu_command() {
    echo qemu-system-i386 -accel tcg -m 16 -display none -monitor none -serial none -parallel none \
        -drive "file=$work_dir/$1.img,if=floppy,format=raw" -boot a -debugcon stdio
}

# time_other LABEL BUILDER FULL ZERO [INSTRUCTIONS] — runs the command BUILDER makes for the image
# FULL and for the image ZERO (no loop passes) under x86emu-bench-bochs, and sets other_seconds
# (seconds between the markers, FULL's minus ZERO's, so anything the markers still enclose besides
# the loop cancels), other_rss (the emulator's peak RSS on FULL, KiB) and other_report (FULL's
# report). INSTRUCTIONS, when given, only makes the driver print MIPS too.
time_other() {
    local label="$1" builder="$2" full="$3" zero="$4" instructions="${5:-0}" zero_report log="$work_dir/$1-stderr.log"
    echo "==> $label"
    other_report="$(cd "$work_dir" && "$bin_dir/x86emu-bench-bochs" --instructions "$instructions" \
        --stderr-log "$log" -- $($builder "$full"))" || die "timing $label failed (stderr: $log)"
    echo "$other_report" | sed 's/^/    /'
    zero_report="$(cd "$work_dir" && "$bin_dir/x86emu-bench-bochs" --stderr-log "$log" -- $($builder "$zero"))" \
        || die "timing $label with 0 passes failed (stderr: $log)"
    echo "    0-pass run: $(field "host seconds" "$zero_report") s between the markers (subtracted)"
    other_seconds="$(awk -v a="$(field "host seconds" "$other_report")" -v b="$(field "host seconds" "$zero_report")" 'BEGIN { printf "%.6f", a - b }')"
    other_rss="$(field "emulator max RSS KiB" "$other_report")"
}

# callgrind_total MODEL IMAGE -> "<Ir> <guest instructions>": x86emu-bench on IMAGE.bin under
# callgrind, Ir being callgrind_annotate's PROGRAM TOTALS. The profile stays in
# callgrind.MODEL.IMAGE.out for callgrind_annotate (and callgrind_inclusive below).
callgrind_total() {
    local out="$work_dir/callgrind.$1.$2.out" report
    report="$(valgrind --tool=callgrind --callgrind-out-file="$out" "$bin_dir/x86emu-bench" --cpu "$1" \
        --workload "$work_dir/$2.bin" 2>"$work_dir/callgrind.$1.$2.log")" || die "valgrind failed (log: $work_dir/callgrind.$1.$2.log)"
    echo "$(callgrind_annotate "$out" | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }') $(field "guest instructions" "$report")"
}

# callgrind_inclusive PROFILE FUNCTION... -> the summed inclusive Ir of the named functions (exact
# names as callgrind_annotate prints them after "file:"). Name only functions that never call one
# another, or their costs count twice.
callgrind_inclusive() {
    local profile="$1"
    shift
    callgrind_annotate --inclusive=yes --threshold=100 --auto=no "$profile" | awk -v names="$*" '
        BEGIN { n = split(names, list, " "); for (k = 1; k <= n; ++k) wanted[list[k]] = 1 }
        # "  1,234 ( 5.67%)  file:function [object]"
        /^ *[0-9,]+ +\( *[0-9.]+%\) +/ {
            name = $0
            sub(/^ *[0-9,]+ +\( *[0-9.]+%\) +/, "", name)
            sub(/ \[[^]]*\]$/, "", name)
            sub(/^[^:]*:/, "", name)
            if (name in wanted) { v = $1; gsub(",", "", v); sum += v }
        }
        END { printf "%d\n", sum }'
}
