// x86emu conformance — register set <-> CpuState conversion for real-mode tests.
#include "register_mapping.hpp"

namespace conformance {
namespace {

using x86emu::Gpr;
using x86emu::SegmentRegister;

struct GprSlot {
    TestRegister test_register;
    Gpr gpr;
};
constexpr GprSlot kGprSlots[] = {
    {TestRegister::ax, x86emu::EAX}, {TestRegister::bx, x86emu::EBX},
    {TestRegister::cx, x86emu::ECX}, {TestRegister::dx, x86emu::EDX},
    {TestRegister::sp, x86emu::ESP}, {TestRegister::bp, x86emu::EBP},
    {TestRegister::si, x86emu::ESI}, {TestRegister::di, x86emu::EDI},
};

struct SegmentSlot {
    TestRegister test_register;
    SegmentRegister segment;
};
constexpr SegmentSlot kSegmentSlots[] = {
    {TestRegister::cs, x86emu::CS}, {TestRegister::ds, x86emu::DS},
    {TestRegister::es, x86emu::ES}, {TestRegister::ss, x86emu::SS},
};

std::uint16_t& at(RegisterValues& values, TestRegister reg) {
    return values[static_cast<std::size_t>(reg)];
}
std::uint16_t at(const RegisterValues& values, TestRegister reg) {
    return values[static_cast<std::size_t>(reg)];
}

}  // namespace

x86emu::CpuState cpu_state_from_registers(const RegisterValues& registers) {
    x86emu::CpuState state{};
    for (const auto& slot : kGprSlots) state.gpr[slot.gpr] = at(registers, slot.test_register);
    for (const auto& slot : kSegmentSlots) {
        auto& segment = state.seg[slot.segment];
        segment.selector = at(registers, slot.test_register);
        segment.base = std::uint32_t{segment.selector} << 4;
        segment.limit = 0xFFFF;
    }
    state.eip = at(registers, TestRegister::ip);
    state.eflags = at(registers, TestRegister::flags);
    return state;
}

RegisterValues registers_from_cpu_state(const x86emu::CpuState& state) {
    RegisterValues registers{};
    for (const auto& slot : kGprSlots) {
        at(registers, slot.test_register) = static_cast<std::uint16_t>(state.gpr[slot.gpr]);
    }
    for (const auto& slot : kSegmentSlots) {
        at(registers, slot.test_register) = state.seg[slot.segment].selector;
    }
    at(registers, TestRegister::ip) = static_cast<std::uint16_t>(state.eip);
    at(registers, TestRegister::flags) = static_cast<std::uint16_t>(state.eflags);
    return registers;
}

RegisterValues as_hardware_held(const RegisterValues& registers, x86emu::CpuModel model) {
    RegisterValues held = registers;
    if (model == x86emu::CpuModel::i80286) at(held, TestRegister::flags) &= 0x0FFF;
    return held;
}

}  // namespace conformance
