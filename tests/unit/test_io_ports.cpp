// x86emu unit tests — IoPortMap: a sized handler gets a 16- or 32-bit IN/OUT whole (the ATA data
// port, PCI's CF8h/CFCh), the ISA adapter splits wide accesses for 8-bit devices low byte first,
// unclaimed ports read all ones and are reported, overlaps and bad ranges are refused, and a
// handler may move its own ports while it runs.
#include <doctest/doctest.h>

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "emu_test_support.hpp"
#include "x86emu/cpu.hpp"
#include "x86emu/io_ports.hpp"
#include "x86emu/memory_map.hpp"

using x86emu::IoPortHandler;
using x86emu::IoPortMap;
using x86emu::PortAccess;
using x86emu::PortHandler;

namespace {

struct PortLog {
    // (write?, port, size, value)
    std::vector<std::tuple<bool, std::uint16_t, unsigned, std::uint32_t>> accesses;
    std::uint32_t read_value = 0xA1B2C3D4u;
    IoPortHandler sized() {
        return IoPortHandler{[this](std::uint16_t port, unsigned size) {
                                 accesses.emplace_back(false, port, size, 0);
                                 return read_value;
                             },
                             [this](std::uint16_t port, unsigned size, std::uint32_t value) {
                                 accesses.emplace_back(true, port, size, value);
                             }};
    }
    PortHandler isa8() {
        return PortHandler{[this](std::uint16_t port) {
                               accesses.emplace_back(false, port, 1, 0);
                               return static_cast<std::uint8_t>(port);
                           },
                           [this](std::uint16_t port, std::uint8_t value) { accesses.emplace_back(true, port, 1, value); }};
    }
};

using Access = std::tuple<bool, std::uint16_t, unsigned, std::uint32_t>;

void check_invalid(auto&& action, const std::string& expected_text) {
    try {
        action();
        FAIL("accepted (" << expected_text << ")");
    } catch (const std::invalid_argument& error) {
        CAPTURE(error.what());
        CHECK(std::string(error.what()).find(expected_text) != std::string::npos);
    }
}

// Runs real-mode `code` at 0000:1000 on a 386 whose Bus is a PhysicalMemoryMap with `ports`.
x86emu::CpuState run_code(IoPortMap& ports, const std::vector<std::uint8_t>& code, std::uint32_t edx = 0,
                          std::uint32_t eax = 0) {
    x86emu::PhysicalMemoryMap map;
    map.map_ram(0, 0x100000);
    map.set_io_ports(&ports);
    x86emu::Cpu cpu(x86emu::CpuModel::i80386, map);
    map.add_listener(cpu);
    map.write_physical(0x1000, code);
    x86emu::CpuState s;
    s.eip = 0x1000;
    s.seg[x86emu::CS] = x86emu_test::real_seg(0, 0x9B);
    for (unsigned r : {x86emu::DS, x86emu::ES, x86emu::FS, x86emu::GS}) s.seg[r] = x86emu_test::real_seg(0);
    s.seg[x86emu::SS] = x86emu_test::real_seg(0x7000);
    s.gpr[x86emu::ESP] = 0x1000;
    s.gpr[x86emu::EDX] = edx;
    s.gpr[x86emu::EAX] = eax;
    s.idtr.limit = 0x3FF;
    cpu.set_state(s);
    cpu.run(100'000);
    return cpu.state();
}

}  // namespace

TEST_CASE("I/O ports: a 16-bit IN/OUT at a 16-bit handler arrives as one access (the ATA data port)") {
    IoPortMap ports;
    PortLog ata;
    ports.add(0x1F0, 0x1F7, ata.sized());
    // in ax,dx; mov bx,ax; out dx,ax; hlt
    const auto after = run_code(ports, {0xED, 0x89, 0xC3, 0xEF, 0xF4}, 0x1F0);
    CHECK(ata.accesses == std::vector<Access>{{false, 0x1F0, 2, 0}, {true, 0x1F0, 2, 0xC3D4}});
    CHECK((after.gpr[x86emu::EBX] & 0xFFFF) == 0xC3D4);  // cut to the access size
}

TEST_CASE("I/O ports: a 32-bit OUT to CF8h and IN from CFCh arrive whole (PCI configuration)") {
    IoPortMap ports;
    PortLog pci;
    ports.add(0xCF8, 0xCFF, pci.sized());
    // out dx,eax; mov dx,0CFCh; in eax,dx; hlt
    const auto after = run_code(ports, {0x66, 0xEF, 0xBA, 0xFC, 0x0C, 0x66, 0xED, 0xF4}, 0xCF8, 0x80001234u);
    CHECK(pci.accesses == std::vector<Access>{{true, 0xCF8, 4, 0x80001234u}, {false, 0xCFC, 4, 0}});
    CHECK(after.gpr[x86emu::EAX] == 0xA1B2C3D4u);
    // A byte access at CFEh reaches the same handler, at its own port and size.
    pci.accesses.clear();
    CHECK(ports.read(0xCFE, 1) == 0xD4);
    CHECK(pci.accesses == std::vector<Access>{{false, 0xCFE, 1, 0}});
}

TEST_CASE("I/O ports: the ISA adapter splits wide accesses into byte accesses, low byte at the lowest port first") {
    IoPortMap ports;
    PortLog kbc;
    ports.add_isa8(0x60, 0x64, kbc.isa8());
    // in ax,60h; mov bx,ax; mov eax,44332211h; out 61h,eax; hlt
    const auto after = run_code(ports, {0xE5, 0x60, 0x89, 0xC3, 0x66, 0xB8, 0x11, 0x22, 0x33, 0x44, 0x66, 0xE7, 0x61, 0xF4});
    CHECK((after.gpr[x86emu::EBX] & 0xFFFF) == 0x6160);
    CHECK(kbc.accesses == std::vector<Access>{{false, 0x60, 1, 0}, {false, 0x61, 1, 0}, {true, 0x61, 1, 0x11},
                                              {true, 0x62, 1, 0x22}, {true, 0x63, 1, 0x33}, {true, 0x64, 1, 0x44}});
}

TEST_CASE("I/O ports: bytes of a split access go to whoever claims each port") {
    IoPortMap ports;
    PortLog isa, wide;
    ports.add_isa8(0x60, 0x60, isa.isa8());
    ports.add(0x61, 0x62, wide.sized());
    ports.add_isa8(0x63, 0x63, PortHandler{});  // claimed, no functions: reads FFh, drops writes
    // 5Fh is unclaimed (FFh), 60h is the ISA device's, 61h and 62h the sized handler's at size 1
    // (the access does not start at its ports).
    CHECK(ports.read(0x5F, 4) == 0xD4D460FFu);
    CHECK(isa.accesses == std::vector<Access>{{false, 0x60, 1, 0}});
    CHECK(wide.accesses == std::vector<Access>{{false, 0x61, 1, 0}, {false, 0x62, 1, 0}});
    // Starting at the sized handler's first port, the whole access is its own, past its last
    // port included.
    wide.accesses.clear();
    ports.write(0x62, 2, 0xBEEF);
    CHECK(wide.accesses == std::vector<Access>{{true, 0x62, 2, 0xBEEF}});
    CHECK(ports.read(0x63, 1) == 0xFF);
    // Port FFFFh's neighbour is port 0.
    ports.add_isa8(0xFFFF, 0xFFFF, isa.isa8());
    ports.add_isa8(0x0000, 0x0000, isa.isa8());
    isa.accesses.clear();
    CHECK(ports.read(0xFFFF, 2) == 0x00FF);
    CHECK(isa.accesses == std::vector<Access>{{false, 0xFFFF, 1, 0}, {false, 0x0000, 1, 0}});
}

TEST_CASE("I/O ports: unclaimed ports read all ones, drop writes, and are reported to the hook") {
    IoPortMap ports;
    CHECK(ports.read(0x300, 1) == 0xFF);
    CHECK(ports.read(0x300, 2) == 0xFFFF);
    CHECK(ports.read(0x300, 4) == 0xFFFFFFFFu);
    std::vector<PortAccess> seen;
    ports.set_unclaimed_hook([&](PortAccess& access) {
        seen.push_back(access);
        if (!access.write) access.value = 0x5A5A;
    });
    CHECK(ports.read(0x300, 2) == 0x5A5A);
    ports.write(0x304, 4, 0x12345678u);
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].port == 0x300);
    CHECK(seen[0].size == 2);
    CHECK_FALSE(seen[0].write);
    CHECK(seen[0].value == 0xFFFF);
    CHECK(seen[1].port == 0x304);
    CHECK(seen[1].size == 4);
    CHECK(seen[1].write);
    CHECK(seen[1].value == 0x12345678u);
    // Half claimed: the unclaimed byte is reported alone.
    PortLog isa;
    ports.add_isa8(0x311, 0x311, isa.isa8());
    seen.clear();
    CHECK(ports.read(0x310, 2) == 0x115A);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].port == 0x310);
    CHECK(seen[0].size == 1);
    // From the CPU: IN from an unclaimed port through a map without ports at all.
    x86emu::PhysicalMemoryMap bare;
    CHECK(bare.io_read(0x80, 2) == 0xFFFF);
}

TEST_CASE("I/O ports: overlaps and bad ranges are refused, naming the port; remove frees a range") {
    IoPortMap ports;
    ports.add(0x1F0, 0x1F7, {});
    ports.add_isa8(0x3F6, 0x3F6, {});
    check_invalid([&] { ports.add_isa8(0x1E0, 0x1F0, {}); }, "overlaps an existing handler at port 0x1F0");
    check_invalid([&] { ports.add(0x3F0, 0x3FF, {}); }, "at port 0x3F6");
    check_invalid([&] { ports.add(0x10, 0x0F, {}); }, "first port above last");
    check_invalid([&] { ports.remove(0x1F0, 0x1F6); }, "exactly the range 0x1F0-0x1F6");
    check_invalid([&] { ports.remove(0x100, 0x100); }, "exactly the range");
    check_invalid([&] { (void)ports.read(0x1F0, 3); }, "3 bytes");
    CHECK_NOTHROW(ports.add(0x1F8, 0x1F8, {}));  // adjacent is fine
    ports.remove(0x1F0, 0x1F7);
    PortLog moved;
    ports.add(0x1F0, 0x1F1, moved.sized());
    CHECK(ports.read(0x1F0, 2) == 0xC3D4);
    CHECK(ports.read(0x1F2, 1) == 0xFF);  // released
}

TEST_CASE("I/O ports: a handler may move its own ports while it runs (a relocated BAR)") {
    IoPortMap ports;
    int calls = 0;
    std::function<void(std::uint16_t)> place;
    place = [&](std::uint16_t base) {
        ports.add(base, base, IoPortHandler{{}, [&, base](std::uint16_t, unsigned, std::uint32_t value) {
                                                ++calls;
                                                ports.remove(base, base);  // destroys this handler's claim
                                                place(static_cast<std::uint16_t>(value));
                                            }});
    };
    place(0x500);
    ports.write(0x500, 2, 0x600);
    ports.write(0x500, 2, 0x700);  // gone from 500h: unclaimed
    ports.write(0x600, 2, 0x700);
    CHECK(calls == 2);
    CHECK_THROWS_AS(ports.remove(0x600, 0x600), std::invalid_argument);
    CHECK_NOTHROW(ports.remove(0x700, 0x700));
}
