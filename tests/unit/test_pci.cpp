// x86emu unit tests — PCI configuration mechanism #1 (libx86emu/src/devices/pci_bus.hpp) through
// an IoPortMap: CONFIG_ADDRESS at CF8h (dword only), CONFIG_DATA byte/word/dword at CFCh-CFFh,
// the 440FX and PIIX3 identities, write masks, BAR size probing and the decode notification,
// unclaimed functions and buses, PIIX3 PIRQ routing registers, bad arguments.
#include <doctest/doctest.h>

#include <cstdint>
#include <stdexcept>

#include "devices/pci_bus.hpp"
#include "x86emu/io_ports.hpp"

using namespace x86emu;

namespace {

std::uint32_t address(unsigned bus, unsigned device, unsigned function, unsigned reg) {
    return 0x8000'0000u | bus << 16 | device << 11 | function << 8 | reg;
}

// A function with a 16 MiB prefetchable memory BAR0 and a 32-byte I/O BAR1 that counts decode changes.
class TestFunction final : public PciFunction {
public:
    TestFunction()
        : PciFunction(PciIdentity{.vendor_id = 0x1234, .device_id = 0x5678, .revision = 7, .class_code = 0x02,
                                  .subclass = 0x00, .prog_if = 0x00, .header_type = 0, .interrupt_pin = 1}) {
        define_bar(0, PciBarKind::Memory32Prefetchable, 16u << 20, 0xE000'0000u);
        define_bar(1, PciBarKind::Io, 32, 0xC000);
    }
    int decode_changes = 0;
    int writes = 0;

protected:
    void decode_changed() override { ++decode_changes; }
    void config_written(std::uint8_t, unsigned) override { ++writes; }
};

struct Rig {
    IoPortMap ports;
    PciBus bus;
    PciHostBridge440fx host;
    PciIsaBridgePiix3 isa;
    TestFunction test;
    Rig() {
        bus.add(0, 0, host);
        bus.add(1, 0, isa);
        bus.add(3, 0, test);
        bus.attach(ports);
    }
    std::uint32_t read(unsigned device, unsigned function, unsigned reg, unsigned size = 4) {
        ports.write(0xCF8, 4, address(0, device, function, reg & 0xFC));
        return ports.read(static_cast<std::uint16_t>(0xCFC + (reg & 3)), size);
    }
    void write(unsigned device, unsigned function, unsigned reg, std::uint32_t value, unsigned size = 4) {
        ports.write(0xCF8, 4, address(0, device, function, reg & 0xFC));
        ports.write(static_cast<std::uint16_t>(0xCFC + (reg & 3)), size, value);
    }
};

}  // namespace

TEST_CASE("pci: bridge identities by dword, word and byte configuration reads") {
    Rig rig;
    CHECK(rig.read(0, 0, 0x00) == 0x1237'8086u);
    CHECK(rig.read(0, 0, 0x08) == 0x0600'0002u);  // class 06 00 00, revision 02
    CHECK(rig.read(0, 0, 0x0E, 1) == 0x00);
    CHECK(rig.read(1, 0, 0x00) == 0x7000'8086u);
    CHECK((rig.read(1, 0, 0x08) >> 8) == 0x060100u);
    CHECK(rig.read(1, 0, 0x0E, 1) == 0x80);  // multi-function
    CHECK(rig.read(1, 0, 0x02, 2) == 0x7000);
    CHECK(rig.read(1, 0, 0x00, 2) == 0x8086);
    CHECK(rig.read(1, 0, 0x01, 1) == 0x80);
    CHECK(rig.read(1, 0, 0x03, 1) == 0x70);
    CHECK(rig.read(0, 0, 0x0B, 1) == 0x06);
}

TEST_CASE("pci: CONFIG_ADDRESS keeps enable, bus, device, function, register; low and reserved bits read 0") {
    Rig rig;
    rig.ports.write(0xCF8, 4, 0xFFFF'FFFFu);
    CHECK(rig.ports.read(0xCF8, 4) == 0x80FF'FFFCu);
    rig.ports.write(0xCF8, 4, 0x8000'0807u);
    CHECK(rig.ports.read(0xCF8, 4) == 0x8000'0804u);
}

TEST_CASE("pci: byte and word accesses to CF8h are not CONFIG_ADDRESS accesses") {
    Rig rig;
    rig.ports.write(0xCF8, 4, address(0, 1, 0, 0));
    rig.ports.write(0xCF8, 1, 0x00);
    rig.ports.write(0xCF8, 2, 0x0000);
    CHECK(rig.ports.read(0xCF8, 4) == address(0, 1, 0, 0));
    CHECK(rig.ports.read(0xCF8, 1) == 0xFF);
    CHECK(rig.ports.read(0xCF8, 2) == 0xFFFF);
    CHECK(rig.ports.read(0xCFC, 4) == 0x7000'8086u);  // the address still selects 00:01.0
    // CF9h is left to a reset-control register; nothing claims it here.
    CHECK(rig.ports.read(0xCF9, 1) == 0xFF);
}

TEST_CASE("pci: unclaimed functions, other buses and a disabled address read all ones") {
    Rig rig;
    CHECK(rig.read(5, 0, 0x00) == 0xFFFF'FFFFu);
    CHECK(rig.read(1, 1, 0x00) == 0xFFFF'FFFFu);
    CHECK(rig.read(31, 7, 0xFC) == 0xFFFF'FFFFu);
    CHECK(rig.read(5, 0, 0x02, 2) == 0xFFFF);
    rig.ports.write(0xCF8, 4, address(1, 0, 0, 0));
    CHECK(rig.ports.read(0xCFC, 4) == 0xFFFF'FFFFu);
    rig.ports.write(0xCF8, 4, address(0, 0, 0, 0) & 0x7FFF'FFFFu);
    CHECK(rig.ports.read(0xCFC, 4) == 0xFFFF'FFFFu);
    rig.ports.write(0xCFC, 4, 0);  // ignored
    CHECK(rig.read(0, 0, 0x00) == 0x1237'8086u);
    rig.write(7, 0, 0x04, 0xFFFF);  // to nobody: nothing happens
}

TEST_CASE("pci: write masks keep IDs, class and header read-only; command, latency, interrupt line writable") {
    Rig rig;
    rig.write(3, 0, 0x00, 0);
    rig.write(3, 0, 0x08, 0);
    rig.write(3, 0, 0x0C, 0xFFFF'FFFFu);
    CHECK(rig.read(3, 0, 0x00) == 0x5678'1234u);
    CHECK(rig.read(3, 0, 0x08) == 0x0200'0007u);
    CHECK(rig.read(3, 0, 0x0C) == 0x0000'FFFFu);  // cache line size, latency writable; header type, BIST not
    rig.write(3, 0, 0x3C, 0xFFFF'FF0Bu);
    CHECK(rig.read(3, 0, 0x3C, 1) == 0x0B);
    CHECK(rig.read(3, 0, 0x3D, 1) == 0x01);  // interrupt pin read-only
    rig.write(3, 0, 0x04, 0xFFFF, 2);
    CHECK(rig.read(3, 0, 0x04, 2) == 0x0547);
    CHECK(rig.read(3, 0, 0x06, 2) == 0x0000);  // status read-only
    rig.write(3, 0, 0x40, 0xFFFF'FFFFu);  // no device-specific registers: read-only zeros
    CHECK(rig.read(3, 0, 0x40) == 0);
}

TEST_CASE("pci: BAR size probing and the decode-changed notification") {
    Rig rig;
    CHECK(rig.read(3, 0, 0x10) == 0xE000'0008u);
    CHECK(rig.read(3, 0, 0x14) == 0x0000'C001u);
    const int before = rig.test.decode_changes;
    rig.write(3, 0, 0x10, 0xFFFF'FFFFu);
    CHECK(rig.read(3, 0, 0x10) == 0xFF00'0008u);  // 16 MiB, prefetchable, 32-bit
    rig.write(3, 0, 0x14, 0xFFFF'FFFFu);
    CHECK(rig.read(3, 0, 0x14) == 0xFFFF'FFE1u);  // 32 bytes of I/O
    CHECK(rig.test.decode_changes == before + 2);
    rig.write(3, 0, 0x10, 0xD123'4567u);
    CHECK(rig.read(3, 0, 0x10) == 0xD100'0008u);
    CHECK(rig.test.bar_base(0) == 0xD100'0000u);
    rig.write(3, 0, 0x10, 0xD100'0000u);  // the same base: no notification
    CHECK(rig.test.decode_changes == before + 3);
    rig.write(3, 0, 0x12, 0xC000, 2);  // a word write into the BAR's high half
    CHECK(rig.test.bar_base(0) == 0xC000'0000u);
    CHECK(rig.test.decode_changes == before + 4);
    rig.write(3, 0, 0x04, 0x0002, 2);  // memory decode on
    CHECK(rig.test.memory_decode_enabled());
    CHECK_FALSE(rig.test.io_decode_enabled());
    CHECK(rig.test.decode_changes == before + 5);
    rig.write(3, 0, 0x0D, 0x40, 1);  // latency timer: no decode change
    CHECK(rig.test.decode_changes == before + 5);
    CHECK(rig.test.writes > 0);
    // Unused BARs read 0 and stay 0.
    rig.write(3, 0, 0x18, 0xFFFF'FFFFu);
    CHECK(rig.read(3, 0, 0x18) == 0);
    CHECK(rig.read(3, 0, 0x30) == 0);  // no expansion ROM
}

TEST_CASE("pci: PIIX3 PIRQ route control registers 60h-63h") {
    Rig rig;
    CHECK(rig.read(1, 0, 0x60) == 0x8080'8080u);
    for (unsigned n = 0; n < 4; ++n) CHECK_FALSE(rig.isa.pirq_route(n).has_value());
    rig.write(1, 0, 0x60, 0x7B, 1);  // bits 6:4 reserved
    CHECK(rig.read(1, 0, 0x60, 1) == 0x0B);
    CHECK(rig.isa.pirq_route(0) == 11u);
    rig.write(1, 0, 0x61, 0x8A, 1);
    CHECK_FALSE(rig.isa.pirq_route(1).has_value());
    rig.write(1, 0, 0x62, 0x02, 1);  // IRQ 2 is reserved
    CHECK_FALSE(rig.isa.pirq_route(2).has_value());
    rig.write(1, 0, 0x63, 0x05, 1);
    CHECK(rig.isa.pirq_route(3) == 5u);
    CHECK(rig.read(1, 0, 0x60) == 0x0502'8A0Bu);
    CHECK_THROWS_AS((void)rig.isa.pirq_route(4), std::invalid_argument);
}

TEST_CASE("pci: bad registrations and definitions are refused") {
    Rig rig;
    TestFunction other;
    CHECK_THROWS_AS(rig.bus.add(3, 0, other), std::invalid_argument);
    CHECK_THROWS_AS(rig.bus.add(32, 0, other), std::invalid_argument);
    CHECK_THROWS_AS(rig.bus.add(4, 8, other), std::invalid_argument);
    CHECK_THROWS_AS(other.define_bar(0, PciBarKind::Memory32, 24, 0), std::invalid_argument);
    CHECK_THROWS_AS(other.define_bar(6, PciBarKind::Memory32, 4096, 0), std::invalid_argument);
    CHECK_THROWS_AS(other.define_bar(0, PciBarKind::Memory32, 8, 0), std::invalid_argument);
    CHECK_THROWS_AS(other.define_register(0x3C, 0xFF, 0), std::invalid_argument);
    CHECK_THROWS_AS((void)other.read_config(0x02, 4), std::invalid_argument);
    CHECK_THROWS_AS(other.write_config(0x03, 2, 0), std::invalid_argument);
    // A word access at CFEh reaches CFFh only; one at CFFh would cross the dword and reads all ones.
    rig.ports.write(0xCF8, 4, address(0, 1, 0, 0));
    CHECK(rig.ports.read(0xCFF, 2) == 0xFFFF);
}
