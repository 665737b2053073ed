// x86emu devices — IrqLine: how a PC device drives its ISA interrupt request line.
//
// The device calls it with the line's level (true = asserted) whenever that level may have
// changed; the interrupt controller does its own edge or level detection. The one definition
// every device header includes.
#pragma once
#include <functional>

namespace x86emu {

using IrqLine = std::function<void(bool level)>;

}  // namespace x86emu
