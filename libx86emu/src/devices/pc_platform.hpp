// x86emu — the PC platform: the devices of an AT-compatible PC around the CPU, owned and wired
// together in one place (MachineConfig::platform = Platform::PC builds one inside the Machine).
//
// Wiring:
//   * the 8259A pair (pic8259.hpp) is the Cpu's InterruptController, its INT output the Cpu's
//     INTR (Cpu::set_intr); every device gets its ISA IRQ as an IrqLine (irq_line(n) ->
//     Pic8259Pair::set_irq(n, level));
//   * the 8254 (pit8254.hpp) on 40h-43h and port B (61h), OUT0 on IRQ0;
//   * the x87's FERR# on IRQ13 through the AT's latch: FERR# asserted sets the latch (IRQ13
//     high); a write to port F0h clears it (IRQ13 low) and asserts IGNNE# until FERR# goes
//     inactive, so that DOS-style handlers that write F0h and re-execute the FPU instruction
//     proceed (PC/AT technical reference, the coprocessor ports F0h/F1h);
//   * POST port 80h: every write recorded (last_post_code, the post-code handler), reads give
//     the last value written (FFh before any);
//   * the reset control register CF9h (Intel PIIX/PIIX4, "RC - Reset Control Register"): a
//     write with bit 2 (RCPU) set starts a reset, hard when bit 1 (SRST) is set too (CPU and
//     every platform device to power-on state), soft otherwise (the CPU alone, like INIT); the
//     reset is done by the Machine at the next instruction boundary (request_reset). Bit 2
//     reads back 0 afterwards, so each write with it set resets; bits 1 and 3 read back.
//
// Ports claimed: 20h-21h, A0h-A1h, 4D0h-4D1h (PIC, ELCR), 40h-43h, 61h (PIT, port B), 80h, F0h,
// CF9h. A PCI host bridge must claim CF8h (dword CONFIG_ADDRESS) and CFCh-CFFh separately,
// leaving CF9h here.
//
// The other issue-11 devices plug in at the add_*_devices hook points in pc_platform.cpp.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "devices/pic8259.hpp"
#include "devices/pit8254.hpp"
#include "x86emu/cpu.hpp"
#include "x86emu/io_ports.hpp"
#include "x86emu/memory_map.hpp"
#include "x86emu/scheduler.hpp"

namespace x86emu::devices {

enum class ResetKind { Soft, Hard };

class PcPlatform {
public:
    // What the platform is wired to. `request_reset` performs a reset of the given kind at the
    // next instruction boundary (the Machine's; it must not reset the CPU from inside the call,
    // which comes from a port handler during an instruction).
    struct Wiring {
        Cpu& cpu;
        Scheduler& scheduler;
        PhysicalMemoryMap& memory;
        IoPortMap& ports;
        std::function<void(ResetKind)> request_reset;
    };

    // Builds and attaches every device; the CPU gets the PIC as its interrupt controller and
    // the FERR# handler. Throws std::invalid_argument if a port it claims is taken already.
    explicit PcPlatform(Wiring wiring);
    // Detaches the PIC and the FERR# handler from the CPU (the ports stay claimed: the
    // IoPortMap is the Machine's and goes with it).
    ~PcPlatform();
    PcPlatform(const PcPlatform&) = delete;
    PcPlatform& operator=(const PcPlatform&) = delete;

    Pic8259Pair& pic() { return pic_; }
    Pit8254& pit() { return pit_; }
    // The ISA IRQ input `irq` of the PIC as a device's output line. std::invalid_argument for
    // irq > 15 or the cascade IRQ 2.
    IrqLine irq_line(unsigned irq);

    // The platform's own guest-visible state (the devices keep theirs: pic().state(), ...).
    struct State {
        std::optional<std::uint8_t> last_post_code;  // port 80h
        std::uint8_t reset_control = 0;              // CF9h bits 1 and 3
        bool ferr_latch = false;                     // IRQ13
        friend bool operator==(const State&, const State&) = default;
    };
    const State& state() const { return state_; }

    // POST port 80h (see the top).
    std::optional<std::uint8_t> last_post_code() const { return state_.last_post_code; }
    void set_post_code_handler(std::function<void(std::uint8_t)> handler) { post_code_handler_ = std::move(handler); }

    // For devices that reset the machine (CF9h here; port 92h and the 8042's pulse elsewhere).
    void request_reset(ResetKind kind);
    // Every platform device to its power-on state (a hard reset; the Machine resets the CPU).
    void reset_devices();

private:
    // Hook points where the other issue-11 devices are constructed and attached.
    void add_serial_and_rtc_devices();
    void add_keyboard_and_power_devices();
    void add_video_and_pci_devices();
    void on_ferr(bool asserted);
    void write_coprocessor_port(std::uint8_t value);

    Wiring wiring_;
    Pic8259Pair pic_;
    Pit8254 pit_;
    std::function<void(std::uint8_t)> post_code_handler_;
    State state_;
};

}  // namespace x86emu::devices
