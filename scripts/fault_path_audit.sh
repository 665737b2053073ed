#!/usr/bin/env bash
# scripts/fault_path_audit.sh — redoes the audit that makes the fault path's _longjmp legal
# (core/cpu_core.hpp, raise_fault): no frame between the run loop's jump point and a raise_fault
# may hold an object with a non-trivial destructor (C++ [csetjmp.syn]).
#
# Method: raise_fault still contains a C++ throw (taken when no point is armed), so the compiler
# gives every function that has such an object alive across a call that may raise a clean-up
# landing pad, and with it an LSDA (.cfi_lsda in the assembly), after inlining; so do a catch
# and a noexcept. A function without an LSDA has nothing a longjmp could skip. This compiles the
# translation units that hold run-path code to assembly, lists the functions with an LSDA and
# compares them with the reviewed list below; a function not on it fails the audit (exit 1)
# until someone has checked it and added it with the reason it is safe.
# Usage: scripts/fault_path_audit.sh   (X86EMU_BUILD_DIR: a configured build, for the generated
# headers; default build/)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# how the demangled name begins (up to its "(" or "<") | why a longjmp never leaves through it
reviewed=(
    "x86emu::CpuCore::run(|above the jump point: its catch takes a CpuFault thrown out of embedder code"
    "x86emu::CpuCore::run_armed(|the jump point's own frame: a jump lands in it, never leaves it"
    "x86emu::CpuCore::run_limited(|above the jump point (clears the run's limits)"
    "x86emu::CpuCore::watched_boundary(|InHook scopes hold only hook calls (disarmed); the rest has no clean-up"
    "x86emu::CpuCore::memory_accessed(|InHook scope holds only the hook call (disarmed)"
    "x86emu::CpuCore::interrupt_allowed(|InHook scope holds only the hook call (disarmed)"
    "x86emu::CpuCore::invalid_opcode_handled(|its event's byte vector: nothing in its lifetime raises (peek_physical only looks; Bus and hooks disarmed)"
    "x86emu::CpuCore::build_block(|catches the decoder's BufferFetcher exceptions; the fetch #PF is raised before its try"
    "x86emu::CpuCore::CpuCore(|construction, not the run path"
    "x86emu::CpuCore::set_state(|API, outside run()"
    "x86emu::CpuCore::register_value(|API (also from hooks: disarmed there)"
    "x86emu::CpuCore::set_register(|API (also from hooks: disarmed there)"
    "x86emu::CpuCore::translate(|API (also from hooks: disarmed there)"
    "x86emu::CpuCore::remove_hook(|API, outside run()"
    "x86emu::CpuCore::require_outside_hook(|API checks"
    "x86emu::CpuCore::add_code_hook(|API, outside run()"
    "x86emu::CpuCore::add_memory_hook(|API, outside run()"
    "x86emu::CpuCore::add_interrupt_hook(|API, outside run()"
    "x86emu::CpuCore::add_invalid_opcode_hook(|API, outside run()"
    "x86emu::(anonymous namespace)::check_range(|API argument checks"
    "void x86emu::(anonymous namespace)::check_hook<|API argument checks"
    "x86emu::HookRegistry::~HookRegistry(|destructor"
    "x86emu::InterceptHandlers::~InterceptHandlers(|destructor"
    "std::|library code instantiated here (strings of error messages), not on the run path"
)
# The translation units with run-path code: the run loop and delivery, protected mode, paging,
# the hooks' boundary, the block builder, every handler (opcode_rows, x87_rows), the decoder, the FPU.
units=(cpu_core.cpp protected_mode.cpp paging.cpp debug_hooks.cpp decoded_blocks.cpp
    decode/opcode_rows.cpp decode/x87_rows.cpp decode/decoder.cpp fpu/float80.cpp fpu/transcendental.cpp)

[[ -d "$X86EMU_BUILD_DIR/libx86emu/generated" ]] || die "configure a build first ($X86EMU_BUILD_DIR/libx86emu/generated is missing)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0
for unit in "${units[@]}"; do
    asm="$work/$(basename "$unit").s"
    "${CXX:-c++}" -O3 -DNDEBUG -fPIC -std=c++20 -DX86EMU_LIBRARY_VERSION='"audit"' \
        -I "$X86EMU_ROOT/libx86emu/include" -I "$X86EMU_ROOT/libx86emu/src" -I "$X86EMU_BUILD_DIR/libx86emu/generated" \
        -S -o "$asm" "$X86EMU_ROOT/libx86emu/src/core/$unit"
    while IFS= read -r fn; do
        ok=""
        for entry in "${reviewed[@]}"; do
            name="${entry%%|*}"
            if [[ "$fn" == "$name"* ]]; then
                ok="${entry#*|}"
                break
            fi
        done
        if [[ -n "$ok" ]]; then
            echo "reviewed  $unit: $name: $ok"
        else
            echo "NEW       $unit: $fn"
            status=1
        fi
    done < <(awk '/^[_a-zA-Z][_a-zA-Z0-9.$]*:/ {label = $1} /\.cfi_startproc/ {fn = label; has = 0}
                  /\.cfi_lsda/ {has = 1} /\.cfi_endproc/ {if (has) print fn}' "$asm" | sed 's/:$//' | c++filt | sort -u)
done
if (( status )); then
    echo "fault_path_audit: functions marked NEW have a clean-up, catch or noexcept the audit has not reviewed:" \
         "check that no raise_fault can leave through it while the jump point is armed, then add it above" >&2
else
    echo "fault_path_audit: every function with a clean-up in the run-path units is reviewed"
fi
exit $status
