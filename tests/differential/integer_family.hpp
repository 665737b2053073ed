// x86emu differential tests — the integer families' shared machinery: operand locations, the
// edge-biased generator, per-case "undefined" masks and the comparator. Which flags and results
// are undefined comes from each instruction's page in Intel SDM vol. 2 ("Flags Affected");
// docs/DIFFERENTIAL.md tabulates every rule used.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "family.hpp"

namespace differential {

// Where an operand of the form under test lives, so that a shaper can set it (a divisor, a
// shift count) and an undefined rule can mask it. Registers are numbered as in ModRM: for width
// 8, 0-3 are AL CL DL BL and 4-7 AH CH DH BH; otherwise the Gpr index. Memory is the operand
// EBX addresses, at State::mem[kMemBase].
struct Operand {
    enum class Kind : std::uint8_t { Reg, Mem };
    Kind kind = Kind::Reg;
    std::uint8_t reg = 0;
    unsigned width = 32;

    static Operand r(std::uint8_t reg, unsigned width) { return {Kind::Reg, reg, width}; }
    static Operand m(unsigned width) { return {Kind::Mem, 0, width}; }
    bool is_mem() const { return kind == Kind::Mem; }
};

std::uint32_t read_operand(const State& s, Operand o);
void write_operand(State& s, Operand o, std::uint32_t value);

// Bits the SDM leaves undefined for one case: flags, register bits, memory bytes.
struct Undefined {
    std::uint32_t flags = 0;
    std::array<std::uint32_t, 8> gpr{};
    std::array<std::uint8_t, kMemBytes> mem{};
    void operand(Operand o);  // the whole operand is undefined
};

// An edge-biased value of `width` bits: zero, one, all ones, the signed extremes and their
// neighbours, powers of two and their neighbours, small numbers, or anything.
std::uint32_t edge_value(Rng& rng, unsigned width);
// A shift or rotate count: mostly 0-33 (0, 1, the widths and their neighbours, the 5-bit mask
// boundary), sometimes any byte (the CPU masks it to five bits).
std::uint32_t count_value(Rng& rng);

using Shaper = std::function<void(Rng&, Case&)>;
using UndefinedRule = std::function<Undefined(const Case&)>;

struct IntegerForm {
    Form form;
    unsigned width = 32;      // operand size the generator biases values for
    Shaper shape;             // optional: constrains the inputs after the generic generator
    UndefinedRule undefined;  // optional: what is undefined for these inputs (nothing if empty)
};

class IntegerFamily final : public Family {
public:
    IntegerFamily(std::string name, std::vector<IntegerForm> forms) : name_(std::move(name)), forms_(std::move(forms)) {}
    std::string_view name() const override { return name_; }
    std::size_t form_count() const override { return forms_.size(); }
    const Form& form(std::size_t index) const override { return forms_[index].form; }
    void generate(std::size_t index, Rng& rng, Case& c) const override;
    Verdict compare(std::size_t index, const Case& c, const Outcome& native, const Outcome& emulated) const override;

private:
    std::string name_;
    std::vector<IntegerForm> forms_;
};

// ---- building forms ----------------------------------------------------------------------------

std::uint8_t modrm(unsigned mod, unsigned reg, unsigned rm);
inline std::uint8_t modrm_rr(unsigned reg, unsigned rm) { return modrm(3, reg, rm); }
inline std::uint8_t modrm_mem(unsigned reg) { return modrm(0, reg, 3); }  // [EBX]
std::string reg_name(unsigned width, unsigned reg);
std::string operand_name(Operand o);  // "ecx", "dh", "dword [ebx]"
// The operand-size prefix a width needs in 32-bit code (66h for 16 bits).
std::vector<std::uint8_t> size_prefix(unsigned width);
// The register form's r/m (or the memory operand) for ModRM encodings.
std::uint8_t modrm_for(unsigned reg_field, Operand rm);

// A form of `width`-bit operands: `prefix` (66h for 16 bits, from size_prefix) then `code`.
IntegerForm integer_form(std::string name, unsigned width, std::vector<std::uint8_t> code, unsigned imm_bytes = 0,
                         bool memory = false, x86emu::CpuModel first_model = x86emu::CpuModel::i80386);

// Undefined rules.
UndefinedRule flags_undefined(std::uint32_t flags);

// The families (one file each).
std::unique_ptr<Family> make_alu_family();
std::unique_ptr<Family> make_shift_family();
std::unique_ptr<Family> make_muldiv_family();
std::unique_ptr<Family> make_bit_family();
std::unique_ptr<Family> make_move_family();
std::unique_ptr<Family> make_sequence_family();
std::unique_ptr<Family> make_branch_family();

}  // namespace differential
