// x86emu unit tests — Machine over its PhysicalMemoryMap and IoPortMap: configuration checks, the
// BIOS at both of its addresses, ROM write protection, the RAM host-page fast path, I/O port
// routing (8-bit handlers split, sized handlers whole), devices mapped through memory(), the A20
// gate, and code running from the reset vector on every model.
#include <doctest/doctest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "x86emu/machine.hpp"

using x86emu::CpuModel;
using x86emu::Machine;
using x86emu::MachineConfig;
using x86emu::PortHandler;

namespace {

// A ROM whose every byte says where it is, so an alias that maps the wrong offset shows.
std::vector<std::uint8_t> patterned_rom(std::size_t bytes) {
    std::vector<std::uint8_t> rom(bytes);
    for (std::size_t k = 0; k < bytes; ++k) rom[k] = static_cast<std::uint8_t>((k * 7) ^ (k >> 8));
    return rom;
}

MachineConfig config_with(CpuModel model, std::uint32_t memory_mib, std::vector<std::uint8_t> rom) {
    MachineConfig config;
    config.model = model;
    config.memory_mib = memory_mib;
    config.bios_image = std::move(rom);
    return config;
}

std::vector<std::uint8_t> read_back(const Machine& machine, std::uint32_t paddr, std::size_t bytes) {
    std::vector<std::uint8_t> out(bytes);
    machine.read_physical(paddr, out);
    return out;
}

// Expects construction to throw std::invalid_argument whose message contains `expected_text`.
void check_rejected(const MachineConfig& config, const std::string& expected_text) {
    try {
        Machine machine(config);
        FAIL("accepted a config that should be rejected (" << expected_text << ")");
    } catch (const std::invalid_argument& error) {
        CAPTURE(error.what());
        CHECK(std::string(error.what()).find(expected_text) != std::string::npos);
    }
}

// 64 KiB ROM: the reset vector (offset 0xFFF0) far-jumps to F000:0000, i.e. into the low copy,
// where `program` sits. Exercises both aliases on the 286/386 (reset fetches from the top).
std::vector<std::uint8_t> rom_with_program(const std::vector<std::uint8_t>& program) {
    std::vector<std::uint8_t> rom(0x10000, 0xF4);  // HLT everywhere else
    std::copy(program.begin(), program.end(), rom.begin());
    const std::uint8_t jump_far_f000_0000[] = {0xEA, 0x00, 0x00, 0x00, 0xF0};
    std::copy(std::begin(jump_far_f000_0000), std::end(jump_far_f000_0000), rom.begin() + 0xFFF0);
    return rom;
}

// Records every byte written to port 0x80.
struct PostRecorder {
    std::vector<std::uint8_t> codes;
    void attach(Machine& machine) {
        machine.add_port_handler(0x80, 0x80, PortHandler{{}, [this](std::uint16_t, std::uint8_t value) { codes.push_back(value); }});
    }
};

}  // namespace

TEST_CASE("Machine config: memory size limits per model") {
    const auto rom = patterned_rom(0x10000);
    check_rejected(config_with(CpuModel::i80386, 0, rom), "out of range");
    check_rejected(config_with(CpuModel::i80386, 3073, rom), "out of range");
    check_rejected(config_with(CpuModel::i8086, 2, rom), "8086's address space of 1 MiB");
    check_rejected(config_with(CpuModel::i80286, 17, rom), "address space of 16 MiB");
    CHECK_NOTHROW(Machine(config_with(CpuModel::i8086, 1, rom)));
    CHECK_NOTHROW(Machine(config_with(CpuModel::i80286, 16, rom)));
    CHECK_NOTHROW(Machine(config_with(CpuModel::i80386, 64, rom)));
}

TEST_CASE("Machine config: BIOS image size rules") {
    check_rejected(config_with(CpuModel::i80386, 16, {}), "empty");
    check_rejected(config_with(CpuModel::i80386, 16, std::vector<std::uint8_t>(1000)), "multiple of 4096");
    check_rejected(config_with(CpuModel::i80386, 16, std::vector<std::uint8_t>(0x10000 + 1)), "multiple of 4096");
    check_rejected(config_with(CpuModel::i80386, 16, std::vector<std::uint8_t>(0x21000)), "at most 131072");
    CHECK_NOTHROW(Machine(config_with(CpuModel::i80386, 16, std::vector<std::uint8_t>(0x1000))));
    CHECK_NOTHROW(Machine(config_with(CpuModel::i80386, 16, std::vector<std::uint8_t>(0x20000))));
}

TEST_CASE("Machine: a 64 KiB BIOS ends at 0xFFFFF and at the top of the address bus") {
    const auto rom = patterned_rom(0x10000);
    SUBCASE("386: 0xF0000 and 0xFFFF0000") {
        Machine machine(config_with(CpuModel::i80386, 16, rom));
        CHECK(machine.memory_map().bios_low_base == 0xF0000);
        CHECK(machine.memory_map().bios_high_base == 0xFFFF0000u);
        CHECK(read_back(machine, 0xF0000, rom.size()) == rom);
        CHECK(read_back(machine, 0xFFFF0000u, rom.size()) == rom);
    }
    SUBCASE("286: 0xF0000 and 0xFF0000, and the 24-bit bus wraps 0xFFFF0000 onto it") {
        Machine machine(config_with(CpuModel::i80286, 4, rom));
        CHECK(machine.memory_map().bios_high_base == 0xFF0000);
        CHECK(read_back(machine, 0xF0000, rom.size()) == rom);
        CHECK(read_back(machine, 0xFF0000, rom.size()) == rom);
        CHECK(read_back(machine, 0xFFFF0000u, rom.size()) == rom);
    }
    SUBCASE("8086: both copies are the same 0xF0000") {
        Machine machine(config_with(CpuModel::i8086, 1, rom));
        CHECK(machine.memory_map().bios_high_base == 0xF0000);
        CHECK(read_back(machine, 0xF0000, rom.size()) == rom);
    }
}

TEST_CASE("Machine: a 128 KiB BIOS sits at 0xE0000 and 0xFFFE0000") {
    const auto rom = patterned_rom(0x20000);
    Machine machine(config_with(CpuModel::i80386, 16, rom));
    CHECK(read_back(machine, 0xE0000, rom.size()) == rom);
    CHECK(read_back(machine, 0xFFFE0000u, rom.size()) == rom);
    // Just below either copy is RAM (zeroed) or open bus, never ROM.
    CHECK(read_back(machine, 0xDFFFF, 1)[0] == 0x00);
    CHECK(read_back(machine, 0xFFFDFFFFu, 1)[0] == 0xFF);
}

TEST_CASE("Machine: RAM round-trips, open bus reads 0xFF, ROM ignores embedder writes") {
    const auto rom = patterned_rom(0x10000);
    Machine machine(config_with(CpuModel::i80386, 2, rom));
    const std::vector<std::uint8_t> data = {1, 2, 3, 4, 5};
    machine.write_physical(0x1FFFFE, data);  // straddles the end of the 2 MiB of RAM
    CHECK(read_back(machine, 0x1FFFFE, 5) == std::vector<std::uint8_t>{1, 2, 0xFF, 0xFF, 0xFF});
    machine.write_physical(0xA0000, data);  // the 640K-1M hole is plain RAM for now
    CHECK(read_back(machine, 0xA0000, 5) == data);
    machine.write_physical(0xF0010, data);
    machine.write_physical(0xFFFF0010u, data);
    CHECK(read_back(machine, 0xF0000, rom.size()) == rom);
}

TEST_CASE("Machine: its memory map has RAM, the BIOS and the BIOS's alias; host pages for RAM (read/write) and ROM (read only)") {
    const auto rom = patterned_rom(0x10000);
    Machine machine(config_with(CpuModel::i80386, 2, rom));
    x86emu::PhysicalMemoryMap& memory = machine.memory();
    const auto regions = memory.regions();
    REQUIRE(regions.size() == 4);
    CHECK(regions[0].base == 0);
    CHECK(regions[0].size == 0xF0000);
    CHECK(regions[1].base == 0xF0000);
    CHECK(regions[1].kind == x86emu::MemoryKind::Rom);
    CHECK(regions[2].base == 0x100000);
    CHECK(regions[2].size == 0x100000);
    CHECK(regions[2].kind == x86emu::MemoryKind::Ram);
    CHECK(regions[3].base == 0xFFFF0000u);
    CHECK(regions[3].alias);

    std::uint8_t* ram_page = memory.host_page(0x3000, true);
    REQUIRE(ram_page != nullptr);
    CHECK(memory.host_page(0x3000, false) == ram_page);
    ram_page[0x123] = 0xAB;
    CHECK(memory.read8(0x3123) == 0xAB);
    memory.write8(0x3124, 0xCD);
    CHECK(ram_page[0x124] == 0xCD);
    CHECK(memory.host_page(0x1FF000, true) != nullptr);  // last RAM page

    for (std::uint32_t rom_page : {0xF0000u, 0xFF000u, 0xFFFF0000u, 0xFFFFF000u}) {
        CAPTURE(rom_page);
        const std::uint8_t* readable = memory.host_page(rom_page, false);
        REQUIRE(readable != nullptr);
        CHECK(readable[0] == rom[rom_page & 0xF000]);
        CHECK(memory.host_page(rom_page, true) == nullptr);
        memory.write8(rom_page + 1, static_cast<std::uint8_t>(~rom[(rom_page & 0xF000) + 1]));
        CHECK(memory.read8(rom_page + 1) == rom[(rom_page & 0xF000) + 1]);
    }
    // Both copies are the same storage to the CPU's code tracking.
    CHECK(memory.backing_page(0xFFFF0000u) == memory.backing_page(0xF0000));
    CHECK(memory.host_page(0x200000, false) == nullptr);  // past RAM: open bus, slow path
    CHECK(memory.host_page(0x3001, false) == nullptr);    // not a page start
    CHECK(memory.read8(0x200000) == 0xFF);
}

TEST_CASE("Machine: the 286's top 64 KiB of a 16 MiB RAM lie under the BIOS's alias") {
    const auto rom = patterned_rom(0x10000);
    Machine machine(config_with(CpuModel::i80286, 16, rom));
    const auto regions = machine.memory().regions();
    REQUIRE(regions.size() == 4);
    CHECK(regions[2].base == 0x100000);
    CHECK(regions[2].size == 0xEF0000);
    CHECK(read_back(machine, 0xFF0000, rom.size()) == rom);
}

TEST_CASE("Machine: port handlers claim ranges, split wide accesses, and refuse overlaps") {
    Machine machine(config_with(CpuModel::i8086, 1, std::vector<std::uint8_t>(0x1000)));
    x86emu::IoPortMap& ports = machine.ports();

    std::vector<std::pair<std::uint16_t, std::uint8_t>> writes;
    machine.add_port_handler(0x60, 0x64, PortHandler{
        [](std::uint16_t port) { return static_cast<std::uint8_t>(port + 1); },
        [&writes](std::uint16_t port, std::uint8_t value) { writes.emplace_back(port, value); }});
    machine.add_port_handler(0x65, 0x65, PortHandler{});  // claimed, no functions: reads 0xFF

    CHECK(ports.read(0x60, 1) == 0x61);
    CHECK(ports.read(0x64, 1) == 0x65);
    CHECK(ports.read(0x5F, 1) == 0xFF);
    CHECK(ports.read(0x5F, 2) == 0x61FF);          // unclaimed 0x5F low, handler's 0x60 high
    CHECK(ports.read(0x62, 4) == 0xFF656463u);     // 0x65 is claimed but has no read function
    CHECK(ports.read(0x1234, 4) == 0xFFFFFFFFu);
    CHECK(machine.memory().io_read(0x62, 2) == 0x6463);  // the CPU's way in

    ports.write(0x63, 4, 0x44332211u);  // 0x63, 0x64 reach the handler; 0x65, 0x66 do not
    REQUIRE(writes.size() == 2);
    CHECK(writes[0] == std::pair<std::uint16_t, std::uint8_t>{0x63, 0x11});
    CHECK(writes[1] == std::pair<std::uint16_t, std::uint8_t>{0x64, 0x22});

    CHECK_THROWS_AS(machine.add_port_handler(0x64, 0x70, PortHandler{}), std::invalid_argument);
    CHECK_THROWS_AS(machine.add_port_handler(0x00, 0xFFFF, PortHandler{}), std::invalid_argument);
    CHECK_THROWS_AS(machine.add_port_handler(0x90, 0x80, PortHandler{}), std::invalid_argument);
    CHECK_NOTHROW(machine.add_port_handler(0x66, 0x66, PortHandler{}));  // adjacent is fine
    try {
        machine.add_port_handler(0x50, 0x60, PortHandler{});
        FAIL("an overlapping range was accepted");
    } catch (const std::invalid_argument& error) {
        CHECK(std::string(error.what()).find("port 0x60") != std::string::npos);
    }
}

TEST_CASE("Machine: a sized port handler gets the guest's word OUT whole, an 8-bit one its bytes") {
    // mov dx,1F0h; mov ax,0BEEFh; out dx,ax; out 80h,ax; hlt
    const auto rom = rom_with_program({0xBA, 0xF0, 0x01, 0xB8, 0xEF, 0xBE, 0xEF, 0xE7, 0x80, 0xF4});
    Machine machine(config_with(CpuModel::i80386, 1, rom));
    std::vector<std::pair<unsigned, std::uint32_t>> data_port;
    machine.ports().add(0x1F0, 0x1F7, x86emu::IoPortHandler{{}, [&](std::uint16_t, unsigned size, std::uint32_t value) {
                                                                data_port.emplace_back(size, value);
                                                            }});
    std::vector<std::pair<std::uint16_t, std::uint8_t>> post;
    machine.add_port_handler(0x80, 0x81, PortHandler{{}, [&](std::uint16_t port, std::uint8_t value) { post.emplace_back(port, value); }});
    CHECK(any(machine.run(10'000).reasons, x86emu::StopReason::Halted));
    CHECK(data_port == std::vector<std::pair<unsigned, std::uint32_t>>{{2, 0xBEEF}});
    CHECK(post == std::vector<std::pair<std::uint16_t, std::uint8_t>>{{0x80, 0xEF}, {0x81, 0xBE}});
}

TEST_CASE("Machine: a device mapped through memory() over RAM it unmapped sees the guest's accesses") {
    // mov ax,0A000h; mov ds,ax; mov word [10h],1234h; mov al,[10h]; out 80h,al; hlt
    const auto rom = rom_with_program({0xB8, 0x00, 0xA0, 0x8E, 0xD8, 0xC7, 0x06, 0x10, 0x00, 0x34, 0x12,
                                       0xA0, 0x10, 0x00, 0xE6, 0x80, 0xF4});
    Machine machine(config_with(CpuModel::i80386, 1, rom));
    std::vector<std::tuple<bool, std::uint32_t, unsigned, std::uint64_t>> vga;
    CHECK_THROWS_AS(machine.memory().map_mmio(0xA0000, 0x20000, {}), std::invalid_argument);  // RAM is there
    machine.memory().unmap(0xA0000, 0x20000);
    machine.memory().map_mmio(0xA0000, 0x20000, x86emu::MmioHandler{
        [&](std::uint32_t offset, unsigned size) {
            vga.emplace_back(false, offset, size, 0);
            return std::uint64_t{0x5A};
        },
        [&](std::uint32_t offset, unsigned size, std::uint64_t value) { vga.emplace_back(true, offset, size, value); }});
    PostRecorder post;
    post.attach(machine);
    machine.run(10'000);
    CHECK(vga == std::vector<std::tuple<bool, std::uint32_t, unsigned, std::uint64_t>>{{true, 0x10, 2, 0x1234}, {false, 0x10, 1, 0}});
    CHECK(post.codes == std::vector<std::uint8_t>{0x5A});
}

TEST_CASE("Machine: the A20 gate through memory(): off, 100000h shows 0") {
    const auto rom = patterned_rom(0x10000);
    Machine machine(config_with(CpuModel::i80386, 2, rom));
    const std::vector<std::uint8_t> low = {0x12}, high = {0x34};
    machine.write_physical(0, low);
    machine.write_physical(0x100000, high);
    machine.memory().set_a20(false);
    CHECK(read_back(machine, 0x100000, 1)[0] == 0x12);
    // FFFF0h-FFFFFh is the BIOS, 100000h wraps to RAM at 0: the last BIOS byte and the first RAM byte.
    CHECK(read_back(machine, 0xFFFFF, 2) == std::vector<std::uint8_t>{rom[0xFFFF], 0x12});
    machine.memory().set_a20(true);
    CHECK(read_back(machine, 0x100000, 1)[0] == 0x34);
}

TEST_CASE("Machine: every model starts at the reset vector and runs the BIOS") {
    // mov al,0x5A; out 0x80,al; hlt
    const auto rom = rom_with_program({0xB0, 0x5A, 0xE6, 0x80, 0xF4});
    for (CpuModel model : {CpuModel::i8086, CpuModel::i80286, CpuModel::i80386}) {
        CAPTURE(x86emu::cpu_model_name(model));
        Machine machine(config_with(model, 1, rom));
        PostRecorder post;
        post.attach(machine);
        x86emu::RunResult result = machine.run(10'000);
        CHECK(any(result.reasons, x86emu::StopReason::Halted));
        CHECK(post.codes == std::vector<std::uint8_t>{0x5A});
        CHECK(machine.cpu().state().seg[x86emu::CS].selector == 0xF000);
    }
}

TEST_CASE("Machine: the guest cannot write its ROM") {
    // mov ax,0xF000; mov ds,ax; mov byte [0x100],0x11; mov al,[0x100]; out 0x80,al; hlt
    auto rom = rom_with_program({0xB8, 0x00, 0xF0, 0x8E, 0xD8, 0xC6, 0x06, 0x00, 0x01, 0x11,
                                 0xA0, 0x00, 0x01, 0xE6, 0x80, 0xF4});
    rom[0x100] = 0x77;
    Machine machine(config_with(CpuModel::i80386, 1, rom));
    PostRecorder post;
    post.attach(machine);
    machine.run(10'000);
    CHECK(post.codes == std::vector<std::uint8_t>{0x77});
}

TEST_CASE("Machine: request_stop from a port handler ends run() after that instruction") {
    // out 0x80,al (AL=0 after reset); mov al,1; out 0x80,al; hlt
    const auto rom = rom_with_program({0xE6, 0x80, 0xB0, 0x01, 0xE6, 0x80, 0xF4});
    Machine machine(config_with(CpuModel::i80386, 1, rom));
    std::vector<std::uint8_t> codes;
    machine.add_port_handler(0x80, 0x80, PortHandler{{}, [&](std::uint16_t, std::uint8_t value) {
                                                         codes.push_back(value);
                                                         machine.request_stop();
                                                     }});
    x86emu::RunResult first = machine.run(10'000);
    CHECK(any(first.reasons, x86emu::StopReason::StopRequested));
    CHECK(codes == std::vector<std::uint8_t>{0x00});
    x86emu::RunResult second = machine.run(10'000);
    CHECK(any(second.reasons, x86emu::StopReason::StopRequested));
    CHECK(codes == std::vector<std::uint8_t>{0x00, 0x01});
    CHECK(any(machine.run(10'000).reasons, x86emu::StopReason::Halted));
}

TEST_CASE("Machine: write_physical over executed RAM code takes effect (decoded code invalidated)") {
    // The BIOS jumps to 0000:0500 in RAM: jmp far 0000:0500
    const auto rom = rom_with_program({0xEA, 0x00, 0x05, 0x00, 0x00});
    Machine machine(config_with(CpuModel::i80286, 1, rom));
    PostRecorder post;
    post.attach(machine);
    const std::vector<std::uint8_t> first = {0xB0, 0x01, 0xE6, 0x80, 0xF4};   // mov al,1; out; hlt
    const std::vector<std::uint8_t> second = {0xB0, 0x02, 0xE6, 0x80, 0xF4};  // mov al,2; out; hlt
    machine.write_physical(0x500, first);
    machine.run(10'000);
    machine.write_physical(0x500, second);
    machine.reset();
    machine.run(10'000);
    CHECK(post.codes == std::vector<std::uint8_t>{0x01, 0x02});
}
