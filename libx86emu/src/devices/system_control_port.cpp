// x86emu devices — port 92h (system_control_port.hpp), after the IBM PS/2 Hardware Interface
// Technical Reference, "System Control Port A".
#include "devices/system_control_port.hpp"

#include "x86emu/io_ports.hpp"

namespace x86emu {

void SystemControlPortA::attach(IoPortMap& ports) {
    ports.add_isa8(kPort, kPort,
                   PortHandler{[this](std::uint16_t) { return read(); },
                               [this](std::uint16_t, std::uint8_t value) { write(value); }});
}

void SystemControlPortA::write(std::uint8_t value) {
    const std::uint8_t before = state_.value;
    state_.value = value & kWritable;
    if (((before ^ state_.value) & kA20) != 0 && a20_) a20_((state_.value & kA20) != 0);
    if ((before & kFastReset) == 0 && (state_.value & kFastReset) != 0 && reset_) reset_();
}

}  // namespace x86emu
