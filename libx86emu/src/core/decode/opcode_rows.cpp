// x86emu — instantiates the opcode table (opcode_table.inc) into row data with handler pointers,
// and builds one dispatch table per CPU model from the rows' model masks.
#include <array>
#include <vector>

#include "core/decode/opcode_table.hpp"
#include "core/exec/alu.hpp"
#include "core/exec/bcd.hpp"
#include "core/exec/bitops.hpp"
#include "core/exec/chain.hpp"
#include "core/exec/control.hpp"
#include "core/exec/exchange.hpp"
#include "core/exec/io.hpp"
#include "core/exec/move.hpp"
#include "core/exec/muldiv.hpp"
#include "core/exec/pentium.hpp"
#include "core/exec/pentium_pro.hpp"
#include "core/exec/shift.hpp"
#include "core/exec/stack.hpp"
#include "core/exec/string.hpp"
#include "core/exec/system.hpp"

namespace x86emu {
namespace {

using namespace exec;

// A handler with its chained form when its class runs inside blocks (HandlerPair).
template <Handler Run, TimingClass Class> constexpr HandlerPair pair_of() {
    if constexpr (runs_inside_block(Class)) return {Run, &chained<Run, may_stop_chain(Class, false)>};
    else return {Run, nullptr};
}

// An untested form's chained handler (HandlerPair) with, from its handler type H, whether it
// leaves the flags alone (H::kLeavesFlags) and, for a register form, the unflagged form
// (H::run_unflagged<T>) and whether it writes all six flags (H::kSetsAllFlags).
template <class H, class T, Handler Run, bool RegisterForm> constexpr HandlerPair untested_pair() {
    HandlerPair pair{Run, &chained<Run, false>};
    if constexpr (requires { H::kLeavesFlags; }) pair.leaves_flags = H::kLeavesFlags;
    if constexpr (RegisterForm && requires { &H::template run_unflagged<T>; })
        pair.unflagged = &chained<&H::template run_unflagged<T>, false>;
    if constexpr (RegisterForm && requires { H::kSetsAllFlags; }) pair.sets_all_flags = H::kSetsAllFlags;
    return pair;
}

// The same for run<T> of a handler type, whose chained form is the split one (chain.hpp) when the
// type has a `fast<T>` part; a near transfer with destination<T> and commit<T> has the linked
// form (chain.hpp) where blocks may be linked (kLinkedBlocks).
template <class H, class T, TimingClass Class> constexpr HandlerPair typed_pair() {
    constexpr Handler run = &H::template run<T>;
    if constexpr (runs_inside_block(Class) && requires(CpuCore& c, const Insn& i) { H::template fast<T>(c, i); })
        return {run, &chained_split<H, T, &H::template fast<T>>};
    else if constexpr (kLinkedBlocks && requires { &H::template destination<T>; &H::template commit<T>; })
        return {run, nullptr, &linked<H, T>};
    else if constexpr (runs_inside_block(Class) && !may_stop_chain(Class, false))
        return untested_pair<H, T, run, true>();  // registers alone: INC/DEC reg, op AL/eAX, imm, ...
    else return pair_of<run, Class>();
}

// One form's handler pair: the split chained form (chain.hpp) for a memory form of a handler
// type that has one.
template <class H, class T, EaForm F, TimingClass Class> constexpr HandlerPair form_pair() {
    constexpr Handler run = &H::template run<T, F>;
    if constexpr (!runs_inside_block(Class)) return {run, nullptr};
    else if constexpr (F != EaForm::Any && F != EaForm::Reg && requires { &H::template fast<T, F>; })
        return {run, &chained_split<H, T, &H::template fast<T, F>>};
    else if constexpr (F == EaForm::Reg && !may_stop_chain(Class, true))
        return untested_pair<H, T, run, true>();
    else if constexpr (F != EaForm::Any && !may_stop_chain(Class, false))
        return untested_pair<H, T, run, false>();  // LEA
    else return {run, &chained<run, may_stop_chain(Class, F == EaForm::Reg)>};
}

// The per-form handlers of a handler type that takes the form (`run<T, EaForm>`); null for the
// others.
template <class H, class Narrow, class Wide, TimingClass Class> inline constexpr FormHandlers kFormHandlers = {
    {form_pair<H, Narrow, EaForm::Any, Class>(), form_pair<H, Narrow, EaForm::Reg, Class>(),
     form_pair<H, Narrow, EaForm::Mem16, Class>(), form_pair<H, Narrow, EaForm::Mem32, Class>(),
     form_pair<H, Narrow, EaForm::Mem32Base, Class>()},
    {form_pair<H, Wide, EaForm::Any, Class>(), form_pair<H, Wide, EaForm::Reg, Class>(),
     form_pair<H, Wide, EaForm::Mem16, Class>(), form_pair<H, Wide, EaForm::Mem32, Class>(),
     form_pair<H, Wide, EaForm::Mem32Base, Class>()},
};
template <class H, class Narrow, class Wide, TimingClass Class> constexpr const FormHandlers* form_handlers() {
    if constexpr (requires { &H::template run<Narrow, EaForm::Reg>; }) return &kFormHandlers<H, Narrow, Wide, Class>;
    else return nullptr;
}

#define X86EMU_HANDLERS_B(h, c) typed_pair<exec::h, std::uint8_t, c>(), typed_pair<exec::h, std::uint8_t, c>()
#define X86EMU_HANDLERS_V(h, c) typed_pair<exec::h, std::uint16_t, c>(), typed_pair<exec::h, std::uint32_t, c>()
#define X86EMU_HANDLERS_W(h, c) typed_pair<exec::h, std::uint16_t, c>(), typed_pair<exec::h, std::uint16_t, c>()
#define X86EMU_HANDLERS_N(h, c) pair_of<&exec::h::run, c>(), pair_of<&exec::h::run, c>()
#define X86EMU_FORMS_B(h, c) form_handlers<exec::h, std::uint8_t, std::uint8_t, c>()
#define X86EMU_FORMS_V(h, c) form_handlers<exec::h, std::uint16_t, std::uint32_t, c>()
#define X86EMU_FORMS_W(h, c) form_handlers<exec::h, std::uint16_t, std::uint16_t, c>()
#define X86EMU_FORMS_N(h, c) nullptr

#define ROW(map, opcode, ext, mnemonic, operands, handler, width, models, timing)                \
    OpcodeRow{map, static_cast<std::uint8_t>(opcode), ext, mnemonic_name(#mnemonic, false),      \
              mnemonic_name(#mnemonic, true), operands,                                           \
              X86EMU_HANDLERS_##width(handler, TimingClass::timing), OperandWidth::width, models, \
              TimingClass::timing, shape_from_operands(operands),                                 \
              std::string_view{#handler} == "Prefix", X86EMU_FORMS_##width(handler, TimingClass::timing)},

const OpcodeRow kRows[] = {
#include "core/decode/opcode_table.inc"
};
#undef ROW

struct Undefined8086 {
    // QUIRK(8086): there is no invalid-opcode exception; the few unassigned encodings (group
    // slots such as FE /2-/7) execute as no-operations here. Documented as not reproduced.
    static void run(CpuCore&, const Insn&) {}
};
struct UndefinedOpcode {
    static void run(CpuCore&, const Insn&) { raise_fault(Vector::UD); }
};

DispatchTable build_dispatch(std::uint8_t model_mask) {
    DispatchTable t{};
    for (std::size_t r = 0; r < std::size(kRows); ++r) {
        const OpcodeRow& row = kRows[r];
        if (!(row.models & model_mask)) continue;
        // Zb/Zv rows cover the eight opcodes whose low bits name the register.
        unsigned span = row.shape.reg_in_opcode ? 8 : 1;
        for (unsigned k = 0; k < span; ++k) {
            DispatchSlot& slot = t.slots[row.map * 256 + row.opcode + k];
            if (row.ext >= 0) {
                slot.is_group = true;
                slot.group[row.ext] = static_cast<std::uint16_t>(r);
            } else {
                slot.row = static_cast<std::uint16_t>(r);
            }
        }
    }
    if (model_mask == kModel8086) {
        // QUIRK(8086): 8F, C6 and C7 do not decode ModRM.reg; every value acts as /0.
        for (unsigned opcode : {0x8Fu, 0xC6u, 0xC7u}) {
            DispatchSlot& slot = t.slots[opcode];
            for (auto& g : slot.group)
                if (g == kNoRow) g = slot.group[0];
        }
    }
    return t;
}

}  // namespace

std::span<const OpcodeRow> opcode_rows() { return kRows; }

const FormHandlers& shift_by_zero_forms(OperandWidth width) {
    return width == OperandWidth::B ? kFormHandlers<ShiftByZero, std::uint8_t, std::uint8_t, TimingClass::ShiftImm>
                                    : kFormHandlers<ShiftByZero, std::uint16_t, std::uint32_t, TimingClass::ShiftImm>;
}

const HandlerPair* handler_pair_of(const Insn& insn) {
    const OpcodeRow& row = opcode_rows()[insn.row];
    const bool wide = row.width == OperandWidth::V && insn.op32();  // as the decoder chose
    if (row.forms)
        for (const HandlerPair& pair : wide ? row.forms->wide : row.forms->narrow)
            if (pair.exec == insn.exec) return &pair;
    const HandlerPair& pair = wide ? row.wide : row.narrow;
    return pair.exec == insn.exec ? &pair : nullptr;
}

std::uint8_t model_bit(CpuModel model) {
    switch (model) {
    case CpuModel::i8086: return kModel8086;
    case CpuModel::i80286: return kModel286;
    case CpuModel::i80386: return kModel386;
    case CpuModel::i80486: return kModel486;
    case CpuModel::p5: return kModelP5;
    case CpuModel::p6: return kModelP6;
    }
    return kModel386;
}

const DispatchTable& dispatch_table(CpuModel model) {
    static const DispatchTable t8086 = build_dispatch(kModel8086);
    static const DispatchTable t286 = build_dispatch(kModel286);
    static const DispatchTable t386 = build_dispatch(kModel386);
    static const DispatchTable t486 = build_dispatch(kModel486);
    static const DispatchTable tp5 = build_dispatch(kModelP5);
    static const DispatchTable tp6 = build_dispatch(kModelP6);
    switch (model) {
    case CpuModel::i8086: return t8086;
    case CpuModel::i80286: return t286;
    case CpuModel::i80386: return t386;
    case CpuModel::i80486: return t486;
    case CpuModel::p5: return tp5;
    case CpuModel::p6: return tp6;
    }
    return t386;
}

Handler undefined_opcode_handler(CpuModel model) {
    return model == CpuModel::i8086 ? &Undefined8086::run : &UndefinedOpcode::run;
}

}  // namespace x86emu
