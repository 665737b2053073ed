// x86emu — the PC's pair of 8259A programmable interrupt controllers (Intel 8259A datasheet,
// order no. 231468: "Interrupt sequence", "Programming the 8259A" ICW1-ICW4 and OCW1-OCW3,
// "Fully nested mode", "End of interrupt", "Automatic rotation", "Specific rotation", "Special
// mask mode", "Poll command", "Cascade mode", "Special fully nested mode", "Edge and level
// triggered modes", "Reading the 8259A status"), plus the PIIX-style edge/level control registers
// ELCR1/ELCR2 at ports 4D0h/4D1h (Intel 82371AB PIIX4 datasheet, "ELCR1/ELCR2").
//
// Wiring (the PC/AT's): the master at 20h/21h, the slave at A0h/A1h, the slave's INT output on the
// master's IR2; IRQ 0-7 on the master, IRQ 8-15 on the slave. The master's INT output is the
// CPU's INTR (an IrqLine callback, called on every change), and acknowledge() is the CPU's INTA
// cycle pair: it resolves priorities, sets the in-service bits and returns the vector (the
// master's, or the slave's when the master picks its cascade input).
//
// Request semantics: set_irq(n, level) drives the level of input IRn. An edge-triggered input
// (the default) sets its IRR bit on a low-to-high transition; a level-triggered one (ICW1.LTIM,
// or its ELCR bit) has its IRR bit set while the input is high. In both modes an input that goes
// low clears its IRR bit, so a request that disappears before INTA is not serviced: INTA then
// gives the default IR7 vector (base + 7) without setting an ISR bit — the datasheet's spurious
// interrupt. The master's cascade input IR2 follows the slave's INT output as a level. Should the
// master resolve IR2 while the slave has nothing left to give (the request vanished inside the
// INTA sequence), the master's ISR bit 2 is set and the slave answers with its own default
// vector (slave base + 7, no slave ISR bit): the "spurious IRQ15" an OS must EOI at the master.
// INTR follows every change at once and the CPU acknowledges only while it is asserted, so under
// a Cpu neither spurious case arises; they are reached by a direct acknowledge() call or a
// restored State, and are there so that the INTA bookkeeping is the datasheet's in every case.
//
// Not implemented: the MCS-80/85 mode (ICW4.uPM = 0 and ICW1's A7-A5/ADI; the chips always answer
// with an 8086-style vector byte), buffered mode (ICW4.BUF/M/S only select SP/EN pin use, which a
// PC ties: the chip at 20h is always the master), more than one slave (ICW3 of the master is
// recorded but the slave is always on IR2).
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <optional>

#include "devices/irq_line.hpp"
#include "x86emu/bus.hpp"
#include "x86emu/io_ports.hpp"

namespace x86emu::devices {

class Pic8259Pair final : public InterruptController {
public:
    // One 8259A's registers and mode bits: everything the guest can observe, no derived data.
    struct Chip {
        std::uint8_t irr = 0;         // interrupt request register
        std::uint8_t isr = 0;         // in-service register
        std::uint8_t imr = 0;         // interrupt mask register (OCW1)
        std::uint8_t lines = 0;       // the current level of each IR input
        std::uint8_t elcr = 0;        // level-triggered inputs (ELCR), the forced-edge bits kept 0
        std::uint8_t vector_base = 0; // ICW2 & F8h
        std::uint8_t icw3 = 0;        // master: inputs with a slave; slave: its ID (2)
        std::uint8_t lowest_priority = 7;  // the IR level with the lowest priority (rotation)
        std::uint8_t init_step = 0;   // 0: initialised; 2, 3, 4: the ICW expected next
        bool icw4_expected = false;   // ICW1.IC4
        bool single = false;          // ICW1.SNGL
        bool level_triggered = false; // ICW1.LTIM
        bool auto_eoi = false;        // ICW4.AEOI
        bool special_fully_nested = false;  // ICW4.SFNM
        bool rotate_on_auto_eoi = false;    // OCW2 R=1 SL=0 EOI=0
        bool special_mask = false;    // OCW3 SMM
        bool read_isr = false;        // OCW3 RR/RIS: reads of the even port give ISR, else IRR
        bool poll_pending = false;    // OCW3 P: the next even-port read is the poll word
        friend bool operator==(const Chip&, const Chip&) = default;
    };
    struct State {
        std::array<Chip, 2> chips;    // [0] master (20h), [1] slave (A0h)
        bool intr = false;            // the master's INT output, as last given to the IntrLine
        friend bool operator==(const State&, const State&) = default;
    };

    static constexpr std::uint8_t kCascadeInput = 2;  // the master's input the slave drives
    // PIIX: IRQ 0, 1, 2, 8 and 13 are always edge-triggered; their ELCR bits read 0.
    static constexpr std::uint8_t kElcrWritableMaster = 0xF8, kElcrWritableSlave = 0xDE;

    // `intr` receives the master's INT output (the CPU's INTR) on every change; it may be empty.
    explicit Pic8259Pair(IrqLine intr);

    // Drives input IRQ `irq` (0-15) to `level`. IRQ 2 is the cascade and cannot be driven from
    // outside (a PC routes IRQ 2 of the ISA bus to IRQ 9): std::invalid_argument for it and for
    // irq > 15.
    void set_irq(unsigned irq, bool level);

    // The INTA cycle pair (InterruptController): returns the vector and updates ISR/IRR.
    std::uint8_t acknowledge() override;

    // Port accesses (20h/21h, A0h/A1h, 4D0h/4D1h); other ports read FFh / are ignored.
    std::uint8_t read_port(std::uint16_t port);
    void write_port(std::uint16_t port, std::uint8_t value);
    // Claims 20h-21h, A0h-A1h and 4D0h-4D1h as 8-bit ISA ports.
    void attach(IoPortMap& ports);

    // Power-on state (all registers cleared, uninitialised; input levels are kept, as the
    // devices driving them keep driving).
    void reset();

    const State& state() const { return state_; }
    // Replaces the state (a snapshot restore) and re-drives INTR to match it.
    void restore_state(const State& state);

private:
    std::optional<unsigned> highest_request(unsigned chip) const;
    bool chip_interrupt_output(unsigned chip) const { return highest_request(chip).has_value(); }
    void write_command(unsigned chip, std::uint8_t value);
    void write_data(unsigned chip, std::uint8_t value);
    void end_of_interrupt(unsigned chip, std::uint8_t value);
    std::uint8_t poll(unsigned chip);
    bool is_level(unsigned chip, unsigned input) const;
    void set_input(unsigned chip, unsigned input, bool level);
    void update_outputs();
    void take_request(unsigned chip, unsigned input);

    IrqLine intr_;
    State state_;
};

}  // namespace x86emu::devices
