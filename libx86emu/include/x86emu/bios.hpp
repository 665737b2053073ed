// x86emu — the built-in PC BIOS (bios/ in the source tree, docs/BIOS.md): a 64 KiB ROM image
// assembled at build time and embedded in the library. A PC-platform Machine whose
// MachineConfig::bios_image is empty uses it (x86emu/machine.hpp).
#pragma once
#include <cstdint>
#include <span>

namespace x86emu {

std::span<const std::uint8_t> builtin_bios_image();

}  // namespace x86emu
