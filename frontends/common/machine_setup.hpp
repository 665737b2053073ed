// x86emu frontends — a Machine built as the shared command line (options.hpp) describes it: the
// model, clock, FPU, RAM, platform and RTC start; the BIOS image (or, for a direct Linux boot,
// the HLT stub ROM) and the kernel and initrd loaded per the x86 boot protocol
// (x86emu/linux_boot.hpp); the serial consoles wired to the PC platform's UARTs. One piece of
// code for every frontend, so that the same flags give the same machine in each.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <x86emu/linux_boot.hpp>
#include <x86emu/machine.hpp>

#include "options.hpp"
#include "serial_console.hpp"

namespace x86emu::frontend {

// Reads a whole input file for `option` (whose contents are `kind`); every failure (missing,
// a directory, larger than `max_bytes`, unreadable, empty) is a UsageError naming the option and
// the path.
std::vector<std::uint8_t> read_input_file(const std::string& option, const std::string& path, const char* kind,
                                          std::uint64_t max_bytes, const char* max_text);

struct BuiltMachine {
    std::unique_ptr<Machine> machine;
    std::optional<LinuxBootInfo> linux_boot;  // set for a --kernel run
};

// The machine `options` ask for, reset and (with --kernel) loaded, ready to run. The PC
// platform's devices come with --pc, --kernel or a serial port to connect. UsageError for a
// configuration the Machine refuses, an unreadable input file or a kernel load_linux refuses.
BuiltMachine build_machine(const Options& options);

// The serial consoles --serial/--serial2 ask for (none: no console), not yet connected.
using SerialConsoles = std::array<std::unique_ptr<SerialConsole>, 2>;  // COM1, COM2
SerialConsoles open_serial_consoles(const Options& options);
// Wires each open console to the machine's UART (PC platform; nothing on the Bare platform).
void connect_serial_consoles(Machine& machine, SerialConsoles& consoles);

}  // namespace x86emu::frontend
