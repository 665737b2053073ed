#!/bin/sh
# tests/conformance/roms/run_on_bochs.sh — run one test ROM on Bochs (the reference), not CI.
#
#   tests/conformance/roms/run_on_bochs.sh build-roms/roms/pm_segments.bin [timeout-seconds]
#
# Writes a bochsrc that maps the 64 KiB image at 0xF0000 (Bochs also aliases the BIOS at
# 0xFFFF0000, so the CPU starts at its reset vector), starts Debian's Bochs 2.7 (built with the
# debugger, so a start-up command file says "continue"), and copies the guest's port-0xE9 text,
# which Bochs prints on its stdout, to our stdout. The guest ends with CLI; HLT, which Bochs never
# leaves, so the script stops Bochs once "ALL PASS" or "FAILED" has appeared (or at the timeout).
# Exit status: 0 when the ROM printed ALL PASS, 1 otherwise. The Bochs log is left in
# $WORK/bochs.log (WORK defaults to a fresh directory under /tmp, printed at the end).
# Bochs has no 80386 model; the default CPU (a P6-class bx_generic) is used and the ROMs stay in
# the 386 subset. Set BOCHS to use another binary.
set -u
rom=${1:?usage: run_on_bochs.sh ROM.bin [timeout-seconds]}
limit=${2:-60}
bochs=${BOCHS:-bochs}
case $rom in /*) ;; *) rom=$(pwd)/$rom ;; esac
[ -f "$rom" ] || { echo "run_on_bochs.sh: no such ROM: $rom" >&2; exit 2; }
size=$(stat -c %s "$rom")
[ "$size" -eq 65536 ] || { echo "run_on_bochs.sh: $rom is $size bytes, not 65536" >&2; exit 2; }
WORK=${WORK:-$(mktemp -d /tmp/x86emu-rom-bochs.XXXXXX)}
mkdir -p "$WORK"
cat > "$WORK/bochsrc" <<RC
megs: 16
romimage: file="$rom"
vgaromimage: file=/usr/share/vgabios/vgabios.bin
display_library: term
port_e9_hack: enabled=1
clock: sync=none, time0=local
cpu: count=1, reset_on_triple_fault=0
speaker: enabled=0
mouse: enabled=0
log: $WORK/bochs.log
panic: action=fatal
error: action=report
info: action=report
debug: action=ignore
RC
printf 'continue\n' > "$WORK/continue.rc"
out=$WORK/e9.txt
: > "$out"
# setsid: Bochs and its wrapper script get their own session and process group, which we can
# kill as one; setsid may fork, so the group leader writes its own pid to a file.
setsid sh -c 'echo $$ > "$1"; shift; exec "$@"' sh "$WORK/pid" \
    "$bochs" -q -f "$WORK/bochsrc" -rc "$WORK/continue.rc" < /dev/null > "$out" 2> "$WORK/stderr.txt" &
while [ ! -s "$WORK/pid" ]; do sleep 0.05; done
pid=$(cat "$WORK/pid")
t=0
status=1
while :; do
    if grep -q '^ALL PASS' "$out"; then status=0; break; fi
    if grep -q '^FAILED' "$out"; then break; fi
    if ! kill -0 "$pid" 2>/dev/null; then echo "run_on_bochs.sh: Bochs exited early (see $WORK/bochs.log)" >&2; break; fi
    if [ "$t" -ge $((limit * 10)) ]; then echo "run_on_bochs.sh: timed out after ${limit}s" >&2; break; fi
    sleep 0.1
    t=$((t + 1))
done
/bin/kill -s KILL -- "-$pid" 2>/dev/null
wait 2>/dev/null
# Bochs' own banner lines and debugger prompts go to stdout too; keep only the guest's text.
grep -v -e '^<bochs:' -e '^Next at' -e '^(0)' -e '^\[' -e '^=====' -e '^ *Bochs x86' -e '^ *Built from' -e '^ *Timestamp' -e '^000000' "$out" | tr -d '\r'
echo "bochs work dir: $WORK"
exit $status
