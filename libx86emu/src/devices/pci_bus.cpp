// x86emu — PCI configuration mechanism #1 and configuration space (see pci_bus.hpp).
#include "devices/pci_bus.hpp"

#include <stdexcept>
#include <string>
#include <utility>

#include "x86emu/io_ports.hpp"

namespace x86emu {

namespace {

constexpr std::uint16_t kConfigAddressPort = 0xCF8;
constexpr std::uint16_t kConfigDataPort = 0xCFC;
constexpr std::uint32_t kConfigEnable = 0x8000'0000u;
// Bits 1:0 read as 0 (§3.2.2.3.2) and the reserved bits 30:24 are not kept either.
constexpr std::uint32_t kConfigAddressWritable = 0x80FF'FFFCu;
// Command: I/O, memory, bus master, parity error response, SERR# enable, interrupt disable.
constexpr std::uint16_t kCommandWritable = 0x0547;

void check_access(std::uint8_t offset, unsigned size) {
    if ((size != 1 && size != 2 && size != 4) || (offset & 3u) + size > 4)
        throw std::invalid_argument("PCI configuration access of " + std::to_string(size) + " bytes at offset " +
                                    std::to_string(offset) + " crosses a dword or has a bad size");
}

}  // namespace

PciFunction::PciFunction(const PciIdentity& id) {
    auto put16 = [this](std::uint8_t at, std::uint16_t v) {
        state_.config[at] = static_cast<std::uint8_t>(v);
        state_.config[at + 1] = static_cast<std::uint8_t>(v >> 8);
    };
    using namespace pci_config;
    put16(kVendorId, id.vendor_id);
    put16(kDeviceId, id.device_id);
    put16(kCommand, id.initial_command & kCommandWritable);
    state_.config[kRevisionId] = id.revision;
    state_.config[kProgIf] = id.prog_if;
    state_.config[kSubclass] = id.subclass;
    state_.config[kClassCode] = id.class_code;
    state_.config[kHeaderType] = id.header_type;
    put16(kSubsystemVendorId, id.subsystem_vendor_id);
    put16(kSubsystemId, id.subsystem_id);
    state_.config[kInterruptPin] = id.interrupt_pin;
    write_mask_[kCommand] = static_cast<std::uint8_t>(kCommandWritable);
    write_mask_[kCommand + 1] = static_cast<std::uint8_t>(kCommandWritable >> 8);
    write_mask_[kCacheLineSize] = 0xFF;
    write_mask_[kLatencyTimer] = 0xFF;
    write_mask_[kInterruptLine] = 0xFF;
}

void PciFunction::define_bar(unsigned index, PciBarKind kind, std::uint32_t size, std::uint32_t initial_base) {
    const std::uint32_t minimum = kind == PciBarKind::Io ? 4 : 16;
    if (index > 5 || size < minimum || (size & (size - 1)) != 0)
        throw std::invalid_argument("PCI BAR " + std::to_string(index) + ": size " + std::to_string(size) +
                                    " is not a power of two of at least " + std::to_string(minimum));
    bar_sizes_[index] = size;
    std::uint32_t flags = 0;
    if (kind == PciBarKind::Io) flags = 0x1;
    if (kind == PciBarKind::Memory32Prefetchable) flags = 0x8;  // type 00b: anywhere in 32 bits
    const std::uint32_t address_mask = ~(size - 1) & (kind == PciBarKind::Io ? 0xFFFF'FFFCu : 0xFFFF'FFF0u);
    const std::uint32_t value = (initial_base & address_mask) | flags;
    const unsigned at = pci_config::kBar0 + 4 * index;
    for (unsigned i = 0; i < 4; ++i) {
        state_.config[at + i] = static_cast<std::uint8_t>(value >> (8 * i));
        write_mask_[at + i] = static_cast<std::uint8_t>(address_mask >> (8 * i));
    }
}

void PciFunction::define_register(std::uint8_t offset, std::uint8_t mask, std::uint8_t initial) {
    if (offset < 0x40) throw std::invalid_argument("PciFunction::define_register: offset below 40h is the header");
    write_mask_[offset] = mask;
    state_.config[offset] = initial;
}

std::uint32_t PciFunction::read_config(std::uint8_t offset, unsigned size) {
    check_access(offset, size);
    std::uint32_t value = 0;
    for (unsigned i = 0; i < size; ++i) value |= std::uint32_t{state_.config[offset + i]} << (8 * i);
    return value;
}

void PciFunction::write_config(std::uint8_t offset, unsigned size, std::uint32_t value) {
    check_access(offset, size);
    std::array<std::uint32_t, 6> bases_before{};
    for (unsigned i = 0; i < 6; ++i) bases_before[i] = bar_base(i);
    const std::uint16_t decode_before = command() & (pci_config::kCommandIo | pci_config::kCommandMemory);
    for (unsigned i = 0; i < size; ++i) {
        const std::uint8_t mask = write_mask_[offset + i];
        const auto byte = static_cast<std::uint8_t>(value >> (8 * i));
        state_.config[offset + i] = static_cast<std::uint8_t>((state_.config[offset + i] & ~mask) | (byte & mask));
    }
    config_written(offset, size);
    bool changed = decode_before != (command() & (pci_config::kCommandIo | pci_config::kCommandMemory));
    for (unsigned i = 0; i < 6; ++i) changed = changed || bases_before[i] != bar_base(i);
    if (changed) decode_changed();
}

std::uint32_t PciFunction::bar_base(unsigned index) const {
    if (bar_sizes_.at(index) == 0) return 0;
    const unsigned at = pci_config::kBar0 + 4 * index;
    const std::uint32_t raw = std::uint32_t{state_.config[at]} | std::uint32_t{state_.config[at + 1]} << 8 |
                              std::uint32_t{state_.config[at + 2]} << 16 | std::uint32_t{state_.config[at + 3]} << 24;
    return (raw & 1u) ? (raw & 0xFFFF'FFFCu) : (raw & 0xFFFF'FFF0u);
}

std::uint16_t PciFunction::command() const {
    return static_cast<std::uint16_t>(state_.config[pci_config::kCommand] |
                                      state_.config[pci_config::kCommand + 1] << 8);
}

// ---- the bus ----

void PciBus::add(unsigned device, unsigned function, PciFunction& pci_function) {
    if (device > 31 || function > 7)
        throw std::invalid_argument("PciBus::add: 00:" + std::to_string(device) + "." + std::to_string(function) +
                                    " is outside device 0-31, function 0-7");
    PciFunction*& slot = functions_[device * 8 + function];
    if (slot != nullptr)
        throw std::invalid_argument("PciBus::add: 00:" + std::to_string(device) + "." + std::to_string(function) +
                                    " is taken");
    slot = &pci_function;
}

PciFunction* PciBus::find(unsigned device, unsigned function) const {
    if (device > 31 || function > 7) return nullptr;
    return functions_[device * 8 + function];
}

void PciBus::attach(IoPortMap& ports) {
    ports.add(kConfigAddressPort, kConfigAddressPort,
              IoPortHandler{[this](std::uint16_t port, unsigned size) { return read_port(port, size); },
                            [this](std::uint16_t port, unsigned size, std::uint32_t value) {
                                write_port(port, size, value);
                            }});
    ports.add(kConfigDataPort, kConfigDataPort + 3,
              IoPortHandler{[this](std::uint16_t port, unsigned size) { return read_port(port, size); },
                            [this](std::uint16_t port, unsigned size, std::uint32_t value) {
                                write_port(port, size, value);
                            }});
}

std::uint32_t PciBus::config_read(unsigned bus, unsigned device, unsigned function, std::uint8_t offset,
                                  unsigned size) {
    check_access(offset, size);
    const std::uint32_t all_ones = size == 4 ? 0xFFFF'FFFFu : (1u << (8 * size)) - 1;
    PciFunction* target = bus == 0 ? find(device, function) : nullptr;
    // A cycle nobody claims ends in a master abort, which reads all ones (PCI 2.2 §6.1).
    return target ? target->read_config(offset, size) : all_ones;
}

void PciBus::config_write(unsigned bus, unsigned device, unsigned function, std::uint8_t offset, unsigned size,
                          std::uint32_t value) {
    check_access(offset, size);
    if (PciFunction* target = bus == 0 ? find(device, function) : nullptr) target->write_config(offset, size, value);
}

std::uint32_t PciBus::read_port(std::uint16_t port, unsigned size) {
    const std::uint32_t all_ones = size == 4 ? 0xFFFF'FFFFu : (1u << (8 * size)) - 1;
    if (port == kConfigAddressPort) return size == 4 ? state.config_address : all_ones;
    const unsigned byte = port - kConfigDataPort;
    if (port < kConfigDataPort || byte + size > 4 || (state.config_address & kConfigEnable) == 0) return all_ones;
    const std::uint32_t a = state.config_address;
    return config_read((a >> 16) & 0xFF, (a >> 11) & 0x1F, (a >> 8) & 7, static_cast<std::uint8_t>((a & 0xFC) + byte),
                       size);
}

void PciBus::write_port(std::uint16_t port, unsigned size, std::uint32_t value) {
    if (port == kConfigAddressPort) {
        // Only a dword access is a CONFIG_ADDRESS write; narrower ones are plain I/O cycles.
        if (size == 4) state.config_address = value & kConfigAddressWritable;
        return;
    }
    const unsigned byte = port - kConfigDataPort;
    if (port < kConfigDataPort || byte + size > 4 || (state.config_address & kConfigEnable) == 0) return;
    const std::uint32_t a = state.config_address;
    config_write((a >> 16) & 0xFF, (a >> 11) & 0x1F, (a >> 8) & 7, static_cast<std::uint8_t>((a & 0xFC) + byte), size,
                 value);
}

// ---- the bridges ----

PciHostBridge440fx::PciHostBridge440fx()
    : PciFunction(PciIdentity{.vendor_id = 0x8086,
                              .device_id = 0x1237,
                              .revision = 0x02,
                              .class_code = 0x06,
                              .subclass = 0x00,
                              .prog_if = 0x00,
                              .header_type = 0x00,
                              .initial_command = 0x0006}) {
    // PAM0 (59h) holds only the BIOS area's bits 5:4; PAM1-6 two nibbles of bits 1:0 and 5:4.
    define_register(0x59, 0x30, 0x00);
    for (std::uint8_t pam = 0x5A; pam <= 0x5F; ++pam) define_register(pam, 0x33, 0x00);
    define_register(0x72, 0x78, 0x02);  // SMRAM: default 02h (C_BASE_SEG = A0000h)
}

PciIsaBridgePiix3::PciIsaBridgePiix3()
    : PciFunction(PciIdentity{.vendor_id = 0x8086,
                              .device_id = 0x7000,
                              .revision = 0x00,
                              .class_code = 0x06,
                              .subclass = 0x01,
                              .prog_if = 0x00,
                              .header_type = pci_config::kHeaderMultiFunction,
                              .initial_command = 0x0007}) {
    for (std::uint8_t pirq = 0x60; pirq <= 0x63; ++pirq) define_register(pirq, 0x8F, 0x80);
}

std::optional<unsigned> PciIsaBridgePiix3::pirq_route(unsigned n) const {
    if (n > 3) throw std::invalid_argument("PciIsaBridgePiix3::pirq_route: PIRQ index above 3");
    const std::uint8_t value = config_byte(static_cast<std::uint8_t>(0x60 + n));
    const unsigned irq = value & 0x0F;
    // IRQ 0, 1, 2, 8 and 13 are reserved routing values (82371SB datasheet, PIRQRC).
    if ((value & 0x80) != 0 || irq <= 2 || irq == 8 || irq == 13) return std::nullopt;
    return irq;
}

PciIdePiix3::PciIdePiix3(std::function<void(unsigned, bool)> decode)
    : PciFunction(PciIdentity{.vendor_id = 0x8086,
                              .device_id = 0x7010,
                              .revision = 0x00,
                              .class_code = 0x01,
                              .subclass = 0x01,
                              .prog_if = 0x80,
                              .header_type = 0x00,
                              .initial_command = pci_config::kCommandIo}),
      decode_(std::move(decode)) {
    // IDETIM: bits 15 IDE, 14 SITRE, 13:12 ISP, 9:8 RTC, 7:0 the drive timing enables (11:10
    // reserved); SIDETIM: slave timings of both channels.
    for (std::uint8_t channel = 0; channel < 2; ++channel) {
        define_register(static_cast<std::uint8_t>(0x40 + 2 * channel), 0xFF, 0x00);
        define_register(static_cast<std::uint8_t>(0x41 + 2 * channel), 0xF3, 0x80);
    }
    define_register(0x44, 0xFF, 0x00);
}

bool PciIdePiix3::channel_decode_enabled(unsigned channel) const {
    if (channel > 1) throw std::invalid_argument("PciIdePiix3: channel above 1");
    return io_decode_enabled() && (config_byte(static_cast<std::uint8_t>(0x41 + 2 * channel)) & 0x80) != 0;
}

void PciIdePiix3::config_written(std::uint8_t offset, unsigned size) {
    if (offset <= 0x43 && offset + size > 0x40) decode_changed();
}

void PciIdePiix3::decode_changed() {
    if (!decode_) return;
    for (unsigned channel = 0; channel < 2; ++channel) decode_(channel, channel_decode_enabled(channel));
}

}  // namespace x86emu
