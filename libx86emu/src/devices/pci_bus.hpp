// x86emu — PCI configuration space and configuration mechanism #1 (PCI Local Bus Specification
// rev. 2.1/2.2, §3.2.2.3.2 "Configuration Mechanism #1" and §6 "Configuration Space"), with the
// two bridges of an Intel 440FX/PIIX3 PC: the host bridge (82441FX PMC, 8086:1237) at 00:00.0 and
// the PCI-to-ISA bridge (82371SB PIIX3 function 0, 8086:7000) at 00:01.0.
//
// Implemented: CONFIG_ADDRESS at CF8h (dword accesses only; byte and word accesses there are
// ordinary I/O cycles, which no device claims here: reads see all ones, writes go nowhere, so CF9h
// stays free for a reset-control register), CONFIG_DATA at CFCh-CFFh (byte, word and dword at any
// offset inside the dword the address selects), a 256-byte configuration space per function with
// per-bit write masks (IDs, class code, header type, status read-only; command, cache line size,
// latency timer, interrupt line and BARs writable), 32-bit memory and I/O BARs with size probing
// (writing all ones reads back the size mask), and a notification when a function's decoded
// address ranges change (a BAR or the command register's decode enables).
// Not implemented: bus numbers other than 0 (configuration cycles to them read all ones, as with
// no bridge behind the host bridge), configuration mechanism #2, 64-bit BARs, expansion ROM BARs
// (read 0), capabilities lists, status write-one-to-clear bits (no function sets one), the
// 440FX's PAM shadow-RAM and SMRAM effects (the registers are stored only), the PIIX3's other
// functions (IDE, USB) and its ELCR at 4D0h/4D1h (that belongs to the interrupt controller).
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace x86emu {

class IoPortMap;

// Registers of the type 0 configuration header (PCI 2.2 §6.1).
namespace pci_config {
inline constexpr std::uint8_t kVendorId = 0x00;
inline constexpr std::uint8_t kDeviceId = 0x02;
inline constexpr std::uint8_t kCommand = 0x04;
inline constexpr std::uint8_t kStatus = 0x06;
inline constexpr std::uint8_t kRevisionId = 0x08;
inline constexpr std::uint8_t kProgIf = 0x09;
inline constexpr std::uint8_t kSubclass = 0x0A;
inline constexpr std::uint8_t kClassCode = 0x0B;
inline constexpr std::uint8_t kCacheLineSize = 0x0C;
inline constexpr std::uint8_t kLatencyTimer = 0x0D;
inline constexpr std::uint8_t kHeaderType = 0x0E;
inline constexpr std::uint8_t kBar0 = 0x10;
inline constexpr std::uint8_t kSubsystemVendorId = 0x2C;
inline constexpr std::uint8_t kSubsystemId = 0x2E;
inline constexpr std::uint8_t kInterruptLine = 0x3C;
inline constexpr std::uint8_t kInterruptPin = 0x3D;
inline constexpr std::uint16_t kCommandIo = 0x0001;      // I/O space decode enable
inline constexpr std::uint16_t kCommandMemory = 0x0002;  // memory space decode enable
inline constexpr std::uint8_t kHeaderMultiFunction = 0x80;
}  // namespace pci_config

// What a function is: the read-only part of its header.
struct PciIdentity {
    std::uint16_t vendor_id = 0xFFFF;
    std::uint16_t device_id = 0xFFFF;
    std::uint8_t revision = 0;
    std::uint8_t class_code = 0, subclass = 0, prog_if = 0;
    std::uint8_t header_type = 0;  // 00h, | 80h for a multi-function device's function 0
    std::uint16_t subsystem_vendor_id = 0, subsystem_id = 0;
    std::uint8_t interrupt_pin = 0;  // 0 none, 1-4 INTA#-INTD#
    std::uint16_t initial_command = 0;
};

enum class PciBarKind : std::uint8_t { Memory32, Memory32Prefetchable, Io };

// One function's configuration space. Devices own one (or derive from it) and register it with
// PciBus::add. Plain state: the 256 bytes; the write masks and BAR layout are fixed by the
// constructor and define_bar, so a restore only needs state().config and state_restored().
class PciFunction {
public:
    struct State {
        std::array<std::uint8_t, 256> config{};
        friend bool operator==(const State&, const State&) = default;
    };

    explicit PciFunction(const PciIdentity& identity);
    virtual ~PciFunction() = default;
    PciFunction(const PciFunction&) = delete;
    PciFunction& operator=(const PciFunction&) = delete;

    // BAR `index` (0-5) decodes `size` bytes (a power of two, at least 16 for memory, 4 for I/O;
    // std::invalid_argument otherwise) starting at `initial_base` (aligned down to `size`).
    void define_bar(unsigned index, PciBarKind kind, std::uint32_t size, std::uint32_t initial_base);
    // Makes device-specific register bits writable: `mask` for the byte at `offset` (>= 40h),
    // with `initial` as its value.
    void define_register(std::uint8_t offset, std::uint8_t mask, std::uint8_t initial);

    // A configuration cycle: `offset` within the space, `size` 1, 2 or 4, the access not
    // crossing a dword (std::invalid_argument otherwise; PciBus never does that).
    std::uint32_t read_config(std::uint8_t offset, unsigned size);
    void write_config(std::uint8_t offset, unsigned size, std::uint32_t value);

    // The base address BAR `index` decodes (the low flag bits stripped), and its size (0: none).
    std::uint32_t bar_base(unsigned index) const;
    std::uint32_t bar_size(unsigned index) const { return bar_sizes_.at(index); }
    std::uint16_t command() const;
    bool memory_decode_enabled() const { return (command() & pci_config::kCommandMemory) != 0; }
    bool io_decode_enabled() const { return (command() & pci_config::kCommandIo) != 0; }
    std::uint8_t config_byte(std::uint8_t offset) const { return state_.config[offset]; }

    const State& state() const { return state_; }
    State& state() { return state_; }
    // After state() was overwritten (a snapshot restore): tells the device its decoding changed.
    void state_restored() { decode_changed(); }

protected:
    // Called after every configuration write, with the bytes it touched.
    virtual void config_written(std::uint8_t /*offset*/, unsigned /*size*/) {}
    // Called when a BAR's base or the command register's decode enables changed: the device
    // re-maps what it decodes (bar_base, memory_decode_enabled).
    virtual void decode_changed() {}

private:
    State state_;
    std::array<std::uint8_t, 256> write_mask_{};
    std::array<std::uint32_t, 6> bar_sizes_{};
};

// The host side of configuration mechanism #1 on bus 0, device numbers 0-31, functions 0-7.
class PciBus {
public:
    struct State {
        std::uint32_t config_address = 0;  // CONFIG_ADDRESS as the guest last wrote it (bits 1:0, 30:24 zero)
        friend bool operator==(const State&, const State&) = default;
    };

    // Registers `function` as 00:device.function; it must outlive the bus. Throws
    // std::invalid_argument for device > 31, function > 7 or a slot already taken.
    void add(unsigned device, unsigned function, PciFunction& pci_function);
    PciFunction* find(unsigned device, unsigned function) const;

    // Claims CF8h (sized: dword accesses are CONFIG_ADDRESS) and CFCh-CFFh (CONFIG_DATA).
    void attach(IoPortMap& ports);

    // A configuration cycle as mechanism #1 would make it; absent functions and buses other
    // than 0 read all ones and ignore writes. `offset` + `size` must not cross a dword.
    std::uint32_t config_read(unsigned bus, unsigned device, unsigned function, std::uint8_t offset, unsigned size);
    void config_write(unsigned bus, unsigned device, unsigned function, std::uint8_t offset, unsigned size,
                      std::uint32_t value);

    // The port-level accesses attach() wires (public for tests and embedders without an IoPortMap).
    std::uint32_t read_port(std::uint16_t port, unsigned size);
    void write_port(std::uint16_t port, unsigned size, std::uint32_t value);

    State state;

private:
    std::array<PciFunction*, 32 * 8> functions_{};
};

// Intel 82441FX PMC (440FX host bridge), 8086:1237 rev 02h, class 06 00 00, at 00:00.0. PAM0-6
// (59h-5Fh) and SMRAM (72h) are stored but change nothing (no shadow RAM or SMRAM here).
class PciHostBridge440fx final : public PciFunction {
public:
    PciHostBridge440fx();
};

// Intel 82371SB PIIX3 function 0 (PCI-to-ISA bridge), 8086:7000, class 06 01 00, header type
// 80h (multi-function), at 00:01.0. PIRQRC[A:D] (60h-63h): bit 7 set = routing disabled
// (default 80h), bits 3:0 the ISA IRQ. The edge/level control registers (ELCR1/2 at 4D0h/4D1h)
// are I/O ports of the interrupt controller, not configuration registers, and are not here.
class PciIsaBridgePiix3 final : public PciFunction {
public:
    PciIsaBridgePiix3();
    // The ISA IRQ PIRQ[n]# (n 0-3 for A-D) is routed to; nullopt while disabled or reserved.
    std::optional<unsigned> pirq_route(unsigned n) const;
};

// Intel 82371SB PIIX3 function 1 (IDE), 8086:7010 rev 00h, class 01 01 80h (mass storage, IDE,
// prog-if 80h: both channels in compatibility mode at 1F0h/3F6h IRQ14 and 170h/376h IRQ15, not
// switchable to native mode, bus master capable), at 00:01.1 (82371SB datasheet §2.3 "PCI
// configuration registers - IDE interface"). IDETIM (40h-41h primary, 42h-43h secondary) and
// SIDETIM (44h) are writable and read back; bit 15 of IDETIM (IDE decode enable) together with
// PCICMD's I/O space enable decides whether the channel answers its ports, reported through
// `decode` whenever either changes. Both start enabled, as a PC BIOS leaves them (the datasheet's
// power-on default is disabled; with a direct Linux boot there is no BIOS to enable them, and
// ata_piix skips a channel whose decode bit is clear). The timing fields have no effect (PIO
// timing is not modelled). Not implemented: bus master IDE (BMIBA at 20h reads 0, so a driver
// falls back to PIO).
class PciIdePiix3 final : public PciFunction {
public:
    // `decode(channel, enabled)`: channel 0 primary, 1 secondary.
    explicit PciIdePiix3(std::function<void(unsigned channel, bool enabled)> decode);
    bool channel_decode_enabled(unsigned channel) const;
    // After a restore (or to push the initial state): reports both channels' decode.
    void report_decode() { decode_changed(); }

private:
    void config_written(std::uint8_t offset, unsigned size) override;
    void decode_changed() override;
    std::function<void(unsigned, bool)> decode_;
};

}  // namespace x86emu
