// x86emu differential tests — the vocabulary shared by every family: the machine state both
// sides start from and end in, an instruction form, and the Family interface (a list of forms,
// a generator of inputs, a comparator of outcomes). See docs/DIFFERENTIAL.md.
// EFLAGS bit positions: Intel SDM vol. 1 §3.4.3.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "x86emu/model.hpp"
#include "rng.hpp"

namespace differential {

// The scratch memory every form may address. On both sides the form's base register (EBX unless
// it says otherwise) points kMemBase bytes into it for forms with `memory` set, so that negative
// BT offsets stay inside it too. The integer families use the first kIntegerMemBytes; the x87
// families need the rest for a 108-byte FRSTOR image in and a 108-byte FNSAVE image out.
inline constexpr std::size_t kMemBytes = 288;
inline constexpr std::size_t kIntegerMemBytes = 128;
inline constexpr std::size_t kMemBase = 32;

// The six status flags: the only EFLAGS bits a generator sets and a comparator looks at
// (a user-mode host cannot load TF, IF, IOPL, and AC would make it fault on unaligned accesses).
inline constexpr std::uint32_t kStatusFlags = 0x8D5;  // OF SF ZF AF PF CF

struct State {
    std::array<std::uint32_t, 8> gpr{};  // EAX ECX EDX EBX ESP EBP ESI EDI; ESP is never used
    std::uint32_t eflags = 0;            // status flags only (kStatusFlags)
    std::array<std::uint8_t, kMemBytes> mem{};
};

// One generated test: the inputs, plus the immediate appended to the form's bytes.
struct Case {
    State in;
    std::uint32_t imm = 0;
};

// What one side did with a case. `vector` is the exception raised (0 = #DE), or -1 for none;
// after an exception `state` holds the registers at the faulting instruction.
struct Outcome {
    State state;
    int vector = -1;
};

// One instruction form as both sides execute it: `code`, then `imm_bytes` bytes of Case::imm
// (little-endian), then (emulator only) a HLT. `code` may be a short sequence of instructions
// when a family needs set-up around the instruction under test (an x87 family loading its
// operands from memory, say); it must not touch ESP, nor the base register when `memory` is set.
struct Form {
    std::string name;                  // assembler text, e.g. "add cl, dh"
    std::vector<std::uint8_t> code;
    unsigned imm_bytes = 0;
    bool memory = false;               // the base register = &mem[kMemBase] on both sides, not compared
    std::uint8_t base = 3;             // that register (a Gpr; EBX unless the form needs EBX itself)
    x86emu::CpuModel first_model = x86emu::CpuModel::i80386;  // oldest model that has it
};

// The comparator's answer for one case on one model.
struct Verdict {
    bool mismatch = false;           // a defined result, flag or the exception differs
    bool undefined_differs = false;  // only bits the SDM leaves undefined differ (informational)
    bool tolerated = false;          // differs only within a documented tolerance (x87
                                     // transcendentals: 1 ulp), not a mismatch
    std::string detail;              // for a mismatch: what differs, one item per line
    std::string undefined_detail;    // for undefined_differs: which undefined bits differ
    // The host-vendor masks (documented host behaviours, docs/DIFFERENTIAL.md) that hid a
    // difference in this case, by short name; counted per name in the run's summary.
    std::vector<std::string> host_masked;
};

// A family: instruction forms, how to generate inputs for each, and how to judge outcomes.
// A new family (an x87 one, say) derives from this and registers itself in families.cpp.
class Family {
public:
    virtual ~Family() = default;
    virtual std::string_view name() const = 0;
    virtual std::size_t form_count() const = 0;
    virtual const Form& form(std::size_t index) const = 0;
    // Fills `c` with reproducible inputs drawn from `rng` for form `index`.
    virtual void generate(std::size_t index, Rng& rng, Case& c) const = 0;
    virtual Verdict compare(std::size_t index, const Case& c, const Outcome& native,
                            const Outcome& emulated) const = 0;
};

}  // namespace differential
