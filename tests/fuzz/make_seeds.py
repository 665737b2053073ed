#!/usr/bin/env python3
"""tests/fuzz/make_seeds.py — writes the seed corpus (tests/fuzz/corpus/): one input per model and
mode with a few header variants, each a schedule of long run() chunks over hand-picked guest code
(string instructions, port I/O, CPUID/RDTSC/MSRs, INT n, segment loads, control registers, x87,
far transfers) followed by pseudo-random bytes. Deterministic: the same files on every run.
The header layout is parse() in fuzz_cpu.cpp."""
import os
import random
import sys

MODELS = 6
MODES = 6  # Real, Protected16, Protected32, Ring3, V86, Paging

# Snippets valid in 16- and 32-bit code alike often enough; the rest is left to the mutator.
SNIPPETS = [
    bytes.fromhex("b90300f3a4"),          # mov cx,3 ; rep movsb
    bytes.fromhex("e460e661ec ee"),       # in al,60 ; out 61,al ; in al,dx ; out dx,al
    bytes.fromhex("0fa2 0f31 0f32 0f30"), # cpuid ; rdtsc ; rdmsr ; wrmsr
    bytes.fromhex("cd21 cd03 ce"),        # int 21 ; int3 ; into
    bytes.fromhex("8ed8 8ec0 8ee0 8ee8"), # mov ds,ax ; mov es,ax ; mov fs,ax ; mov gs,ax
    bytes.fromhex("0f20c0 0f22c0 0f22d8 0f22e0"),  # mov eax,cr0 ; mov cr0,eax ; mov cr3,eax ; mov cr4,eax
    bytes.fromhex("dbe3 d9e8 d9ee dec9 dff0 dd1e0020"),  # fninit fld1 fldz fmulp fcomip fstp [..]
    bytes.fromhex("9a00000800 ea00001800"),  # call far ; jmp far
    bytes.fromhex("0f0108 0f0110 0f00d8 0f00c8"),  # sgdt sidt ltr str-ish
    bytes.fromhex("f4 fa fb 9c 9d cf"),   # hlt cli sti pushf popf iret
    bytes.fromhex("66 0fc7 0e0020 0fc8 0fc1c8"),  # cmpxchg8b bswap xadd
    bytes.fromhex("f7f1 f6f1 d40a d50a 27 2f 37 3f"),  # div idiv aam aad daa das aaa aas
]


def header(rng, model, mode, variant):
    fpu = [0, 1, 2][variant % 3]
    h = bytearray()
    h.append((model + 6 * fpu) & 0xFF)
    h.append(mode | (0x80 if variant & 1 else 0) | (0x40 if variant == 3 else 0))
    flags = [0x00, 0x3E, 0x1B, 0x26][variant % 4]
    h.append(flags)
    h += bytes([0x00, 0x02 if variant & 2 else 0x00])  # EFLAGS bits: IF sometimes
    h.append([0x00, 0x22, 0x08, 0x40][variant % 4])     # CR0 extras: none, MP|NE, TS, WP
    h.append([0x00, 0x10, 0x04, 0x80][variant % 4])     # CR4: none, PSE, TSD, PGE
    chunks = 8
    h.append(chunks - 1)
    h.append(rng.randrange(chunks + 1))                 # split point
    for k in range(chunks):
        kind = 0 if k % 3 else rng.randrange(256)
        h += bytes([kind, rng.randrange(64, 256), rng.randrange(8), rng.randrange(256)])
    return bytes(h)


def main(out):
    os.makedirs(out, exist_ok=True)
    rng = random.Random(1)
    n = 0
    for model in range(MODELS):
        for mode in range(MODES):
            for variant in range(2 if model < 2 else 4):
                body = bytearray()
                for _ in range(6):
                    body += rng.choice(SNIPPETS)
                body += bytes(rng.randrange(256) for _ in range(rng.randrange(64, 512)))
                data = header(rng, model, mode, variant) + bytes(body)
                with open(os.path.join(out, f"seed-m{model}-mode{mode}-v{variant}"), "wb") as f:
                    f.write(data)
                n += 1
    print(f"{n} seeds written to {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus"))
