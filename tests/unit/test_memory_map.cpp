// x86emu unit tests — PhysicalMemoryMap: MMIO handlers see the guest's access sizes (byte, word,
// dword; what an FLD m64 and a CMPXCHG8B deliver), page-crossing and region-crossing splits,
// aliases (data, and decoded code invalidated by a write through the alias), the A20 gate
// (FFFF:0010 wrapping to 0, code tracking across the wrap, the gate flushing the CPU's caches),
// the unmapped and ROM-write hooks, host pages, overlap and granularity errors, unmap, and DMA
// writes through the map invalidating instructions the CPU has cached.
#include <doctest/doctest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "emu_test_support.hpp"
#include "protected_test_support.hpp"
#include "x86emu/cpu.hpp"
#include "x86emu/io_ports.hpp"
#include "x86emu/memory_map.hpp"

using x86emu::CpuModel;
using x86emu::MemoryAccess;
using x86emu::MmioHandler;
using x86emu::PhysicalMemoryMap;
using x86emu_test::real_seg;

namespace {

constexpr std::uint32_t kMmioBase = 0x80000;  // DS = 8000h reaches it in real mode

// Every MMIO access as the device saw it.
struct MmioLog {
    struct Access {
        bool write;
        std::uint32_t offset;
        unsigned size;
        std::uint64_t value;
        bool operator==(const Access&) const = default;
    };
    std::vector<Access> accesses;
    std::uint64_t read_value = 0x8877665544332211u;  // byte k of the device reads 0x11 * (k + 1)

    MmioHandler handler() {
        return MmioHandler{[this](std::uint32_t offset, unsigned size) {
                               accesses.push_back({false, offset, size, 0});
                               return read_value >> (8 * (offset % 8));
                           },
                           [this](std::uint32_t offset, unsigned size, std::uint64_t value) {
                               accesses.push_back({true, offset, size, value});
                           }};
    }
};

MmioLog::Access rd(std::uint32_t offset, unsigned size) { return {false, offset, size, 0}; }
MmioLog::Access wr(std::uint32_t offset, unsigned size, std::uint64_t value) { return {true, offset, size, value}; }

// A CPU in real mode over a PhysicalMemoryMap wired as Machine wires it (listener, I/O ports),
// with an 8-bit POST port at 80h.
struct MapRig {
    PhysicalMemoryMap map;
    x86emu::IoPortMap ports;
    x86emu::Cpu cpu;
    std::vector<std::uint8_t> post;

    explicit MapRig(CpuModel model = CpuModel::i80386, std::uint32_t address_mask = 0xFFFFFFFFu)
        : map(address_mask), cpu(model, map) {
        map.set_io_ports(&ports);
        map.add_listener(cpu);
        ports.add_isa8(0x80, 0x80, x86emu::PortHandler{{}, [this](std::uint16_t, std::uint8_t v) { post.push_back(v); }});
    }
    void load(std::uint32_t paddr, const std::vector<std::uint8_t>& bytes) { map.write_physical(paddr, bytes); }
    // Real mode at cs:ip with DS = ds, ES = es, stack at 7000:1000.
    void start(std::uint16_t cs, std::uint16_t ip, std::uint16_t ds, std::uint16_t es = 0) {
        x86emu::CpuState s;
        s.eip = ip;
        s.eflags = 0x0002;
        s.seg[x86emu::CS] = real_seg(cs, 0x9B);
        s.seg[x86emu::DS] = real_seg(ds);
        s.seg[x86emu::ES] = real_seg(es);
        s.seg[x86emu::SS] = real_seg(0x7000);
        s.seg[x86emu::FS] = real_seg(0);
        s.seg[x86emu::GS] = real_seg(0);
        s.gpr[x86emu::ESP] = 0x1000;
        s.idtr.limit = 0x3FF;
        cpu.set_state(s);
    }
    x86emu::RunResult run() { return cpu.run(200'000); }
    std::uint8_t byte_at(std::uint32_t paddr) {
        std::uint8_t b = 0;
        map.read_physical(paddr, std::span<std::uint8_t>(&b, 1));
        return b;
    }
};

// RAM below the MMIO window, `mmio_bytes` of MMIO at 80000h, RAM again above it up to 1 MiB.
void map_ram_and_mmio(MapRig& rig, MmioLog& log, std::uint32_t mmio_bytes = 0x2000) {
    rig.map.map_ram(0, kMmioBase);
    rig.map.map_mmio(kMmioBase, mmio_bytes, log.handler());
    rig.map.map_ram(kMmioBase + mmio_bytes, 0x100000 - kMmioBase - mmio_bytes);
}

void check_invalid(auto&& action, const std::string& expected_text) {
    try {
        action();
        FAIL("accepted (" << expected_text << ")");
    } catch (const std::invalid_argument& error) {
        CAPTURE(error.what());
        CHECK(std::string(error.what()).find(expected_text) != std::string::npos);
    }
}

}  // namespace

TEST_CASE("memory map: MMIO sees MOV byte, word and dword as one access of size 1, 2 and 4") {
    MapRig rig;
    MmioLog log;
    map_ram_and_mmio(rig, log);
    rig.load(0x1000, {
        0xA0, 0x00, 0x00,              // mov al,[0]
        0xA1, 0x02, 0x00,              // mov ax,[2]
        0x66, 0xA1, 0x04, 0x00,        // mov eax,[4]
        0x66, 0xA1, 0x09, 0x00,        // mov eax,[9]  (misaligned, inside the page)
        0xB8, 0x34, 0x12,              // mov ax,1234h
        0xA2, 0x10, 0x00,              // mov [10h],al
        0xA3, 0x12, 0x00,              // mov [12h],ax
        0x66, 0xB8, 0x78, 0x56, 0x34, 0x12,  // mov eax,12345678h
        0x66, 0xA3, 0x14, 0x00,        // mov [14h],eax
        0xF4,
    });
    rig.start(0, 0x1000, kMmioBase >> 4);
    CHECK(any(rig.run().reasons, x86emu::StopReason::Halted));
    CHECK(log.accesses == std::vector<MmioLog::Access>{rd(0, 1), rd(2, 2), rd(4, 4), rd(9, 4), wr(0x10, 1, 0x34),
                                                       wr(0x12, 2, 0x1234), wr(0x14, 4, 0x12345678)});
}

TEST_CASE("memory map: a read-modify-write and a PUSH reach MMIO at their operand size") {
    MapRig rig;
    MmioLog log;
    map_ram_and_mmio(rig, log);
    // add word [0],1; then SS = 8000h: push ax
    rig.load(0x1000, {0x83, 0x06, 0x00, 0x00, 0x01, 0xB8, 0x00, 0x80, 0x8E, 0xD0, 0x50, 0xF4});
    rig.start(0, 0x1000, kMmioBase >> 4);
    rig.run();
    // [0] reads 0x2211; SS:SP = 8000:0FFE after the push.
    CHECK(log.accesses == std::vector<MmioLog::Access>{rd(0, 2), wr(0, 2, 0x2212), wr(0xFFE, 2, 0x8000)});
}

TEST_CASE("memory map: FLD m64 and CMPXCHG8B reach MMIO as two dword accesses (no instruction makes an 8-byte one)") {
    MapRig rig(CpuModel::p5);
    MmioLog log;
    map_ram_and_mmio(rig, log);
    rig.load(0x1000, {
        0xDD, 0x06, 0x00, 0x00,        // fld qword [0]
        0x0F, 0xC7, 0x0E, 0x08, 0x00,  // cmpxchg8b [8]
        0xF4,
    });
    rig.start(0, 0x1000, kMmioBase >> 4);
    CHECK(any(rig.run().reasons, x86emu::StopReason::Halted));
    // EDX:EAX = 0 differs from the quadword: CMPXCHG8B writes it back as it was.
    CHECK(log.accesses == std::vector<MmioLog::Access>{rd(0, 4), rd(4, 4), rd(8, 4), rd(12, 4),
                                                       wr(8, 4, 0x44332211u), wr(12, 4, 0x88776655u)});
    // The Bus itself carries 8-byte accesses to MMIO whole.
    log.accesses.clear();
    CHECK(rig.map.read(kMmioBase + 0x10, 8) == 0x8877665544332211u);
    rig.map.write(kMmioBase + 0x18, 8, 0x0102030405060708u);
    CHECK(log.accesses == std::vector<MmioLog::Access>{rd(0x10, 8), wr(0x18, 8, 0x0102030405060708u)});
}

TEST_CASE("memory map: an access crossing a page is split at the boundary into natural pieces") {
    MapRig rig;
    MmioLog log;
    map_ram_and_mmio(rig, log);  // MMIO 80000h-81FFFh: two pages
    rig.load(0x1000, {
        0x66, 0xA1, 0xFE, 0x0F,  // mov eax,[0FFEh]: word + word
        0x66, 0xA1, 0xFF, 0x0F,  // mov eax,[0FFFh]: byte | word + byte
        0x66, 0xA1, 0xFD, 0x0F,  // mov eax,[0FFDh]: byte + word | byte
        0x66, 0xB8, 0x44, 0x33, 0x22, 0x11,  // mov eax,11223344h
        0x66, 0xA3, 0xFF, 0x0F,  // mov [0FFFh],eax
        0xA1, 0xFF, 0x0F,        // mov ax,[0FFFh]: byte | byte
        0xF4,
    });
    rig.start(0, 0x1000, kMmioBase >> 4);
    rig.run();
    CHECK(log.accesses == std::vector<MmioLog::Access>{
                              rd(0xFFE, 2), rd(0x1000, 2),
                              rd(0xFFF, 1), rd(0x1000, 2), rd(0x1002, 1),
                              rd(0xFFD, 1), rd(0xFFE, 2), rd(0x1000, 1),
                              wr(0xFFF, 1, 0x44), wr(0x1000, 2, 0x2233), wr(0x1002, 1, 0x11),
                              rd(0xFFF, 1), rd(0x1000, 1)});
    // The parts are put together little-endian: the last read, AX from 0FFFh and 1000h.
    CHECK((rig.cpu.state().gpr[x86emu::EAX] & 0xFFFF) == 0x1188);
}

TEST_CASE("memory map: an access crossing from RAM into MMIO gives the device only its bytes") {
    MapRig rig;
    MmioLog log;
    map_ram_and_mmio(rig, log);
    // A dword at 7FFFEh: two bytes of RAM (page 7Fh), then a word at the MMIO's offset 0.
    rig.load(0x7FFFE, {0xAA, 0xBB});
    rig.load(0x1000, {0x66, 0xA1, 0xFE, 0x0F, 0xF4});  // DS = 7F00h: mov eax,[0FFEh]
    rig.start(0, 0x1000, 0x7F00);
    rig.run();
    CHECK(log.accesses == std::vector<MmioLog::Access>{rd(0, 2)});
    CHECK(rig.cpu.state().gpr[x86emu::EAX] == 0x2211BBAAu);
}

TEST_CASE("memory map: sub-page MMIO regions get their own part of an access") {
    PhysicalMemoryMap map;
    MmioLog low, high;
    map.map_mmio(0x1000, 2, low.handler());
    map.map_mmio(0x1002, 6, high.handler());
    CHECK(map.read(0x1000, 4) == 0x22112211u);  // bytes 11 22 of `low`, then 11 22 of `high`
    CHECK(low.accesses == std::vector<MmioLog::Access>{rd(0, 2)});
    CHECK(high.accesses == std::vector<MmioLog::Access>{rd(0, 2)});
    map.write(0x1001, 4, 0xDDCCBBAAu);  // a byte to `low`, a word and a byte to `high`
    CHECK(low.accesses.back() == wr(1, 1, 0xAA));
    CHECK(high.accesses == std::vector<MmioLog::Access>{rd(0, 2), wr(0, 2, 0xCCBB), wr(2, 1, 0xDD)});
    // The last word of `high` (its offset 4 reads 55 66), then open bus.
    CHECK(map.read(0x1006, 4) == 0xFFFF6655u);
    CHECK(map.host_page(0x1000, false) == nullptr);
}

TEST_CASE("memory map: unmapped accesses read all ones and are reported with address and size") {
    MapRig rig;
    rig.map.map_ram(0, 0x80000);
    std::vector<MemoryAccess> seen;
    rig.load(0x1000, {
        0xA1, 0x10, 0x00,              // mov ax,[10h]     (DS = 9000h: unmapped)
        0x89, 0xC3,                    // mov bx,ax
        0x66, 0xB8, 0xEF, 0xBE, 0xAD, 0xDE,  // mov eax,DEADBEEFh
        0x66, 0xA3, 0x20, 0x00,        // mov [20h],eax
        0xA0, 0x30, 0x00,              // mov al,[30h]
        0xF4,
    });
    SUBCASE("without a hook") {
        rig.start(0, 0x1000, 0x9000);
        rig.run();
        CHECK((rig.cpu.state().gpr[x86emu::EBX] & 0xFFFF) == 0xFFFF);
        CHECK((rig.cpu.state().gpr[x86emu::EAX] & 0xFF) == 0xFF);
    }
    SUBCASE("with a hook that supplies a value") {
        rig.map.set_unmapped_hook([&](MemoryAccess& access) {
            seen.push_back(access);
            if (!access.write && access.size == 2) access.value = 0x1234;
        });
        rig.start(0, 0x1000, 0x9000);
        rig.run();
        REQUIRE(seen.size() == 3);
        CHECK(seen[0].paddr == 0x90010);
        CHECK(seen[0].size == 2);
        CHECK_FALSE(seen[0].write);
        CHECK(seen[0].value == 0xFFFF);
        CHECK(seen[1].paddr == 0x90020);
        CHECK(seen[1].size == 4);
        CHECK(seen[1].write);
        CHECK(seen[1].value == 0xDEADBEEFu);
        CHECK(seen[2].paddr == 0x90030);
        CHECK(seen[2].size == 1);
        CHECK((rig.cpu.state().gpr[x86emu::EBX] & 0xFFFF) == 0x1234);
        CHECK((rig.cpu.state().gpr[x86emu::EAX] & 0xFF) == 0xFF);
    }
}

TEST_CASE("memory map: ROM ignores writes (reported to the hook) and is read through a host page") {
    MapRig rig;
    rig.map.map_ram(0, 0x80000);
    std::vector<std::uint8_t> image(0x1000);
    for (std::size_t k = 0; k < image.size(); ++k) image[k] = static_cast<std::uint8_t>(k * 3);
    rig.map.map_rom(0xA0000, image);
    std::vector<MemoryAccess> rom_writes;
    rig.map.set_rom_write_hook([&](const MemoryAccess& access) { rom_writes.push_back(access); });
    // mov word [4],5555h; mov ax,[4]; hlt   (DS = A000h)
    rig.load(0x1000, {0xC7, 0x06, 0x04, 0x00, 0x55, 0x55, 0xA1, 0x04, 0x00, 0xF4});
    rig.start(0, 0x1000, 0xA000);
    rig.run();
    REQUIRE(rom_writes.size() == 1);
    CHECK(rom_writes[0].paddr == 0xA0004);
    CHECK(rom_writes[0].size == 2);
    CHECK(rom_writes[0].value == 0x5555);
    CHECK((rig.cpu.state().gpr[x86emu::EAX] & 0xFFFF) == (image[4] | (image[5] << 8)));
    // The embedder's writes are ignored the same way.
    rig.load(0xA0010, {1, 2, 3});
    CHECK(rig.byte_at(0xA0010) == image[0x10]);
    CHECK(rom_writes.size() == 3);  // a word and a byte
    const std::uint8_t* readable = rig.map.host_page(0xA0000, false);
    REQUIRE(readable != nullptr);
    CHECK(readable[7] == image[7]);
    CHECK(rig.map.host_page(0xA0000, true) == nullptr);
}

TEST_CASE("memory map: host pages for RAM and aliases of it; never for MMIO or open bus") {
    PhysicalMemoryMap map;
    MmioLog log;
    map.map_ram(0, 0x10000);
    map.map_alias(0x40000, 0x2000, 0x3000);
    map.map_mmio(0x50000, 0x1000, log.handler());
    map.map_mmio(0x51000, 0x10, log.handler());
    std::uint8_t* page = map.host_page(0x3000, true);
    REQUIRE(page != nullptr);
    CHECK(map.host_page(0x3000, false) == page);
    CHECK(map.host_page(0x40000, true) == page);
    CHECK(map.host_page(0x41000, false) == map.host_page(0x4000, false));
    CHECK(map.host_page(0x3001, false) == nullptr);  // not a page start
    CHECK(map.host_page(0x50000, false) == nullptr);
    CHECK(map.host_page(0x51000, false) == nullptr);
    CHECK(map.host_page(0x60000, false) == nullptr);
    // The backing pages the CPU tracks code by: an alias names its original's pages.
    CHECK(map.backing_page(0x40000) == 0x3);
    CHECK(map.backing_page(0x41000) == 0x4);
    CHECK(map.backing_page(0x5000) == 0x5);
    CHECK(map.backing_page(0x60000) == 0x60);
    CHECK(log.accesses.empty());
}

TEST_CASE("memory map: RAM in the embedder's memory") {
    std::vector<std::uint8_t> memory(0x2000, 0);
    PhysicalMemoryMap map;
    map.map_ram(0x10000, memory);
    memory[0x1234] = 0x5A;
    CHECK(map.read8(0x11234) == 0x5A);
    map.write(0x11000, 4, 0x04030201u);
    CHECK(memory[0x1000] == 1);
    CHECK(memory[0x1003] == 4);
    CHECK(map.host_page(0x11000, true) == memory.data() + 0x1000);
}

TEST_CASE("memory map: an alias shows the same storage; code decoded through the original is invalidated by a write through the alias") {
    MapRig rig;
    rig.map.map_ram(0, 0x80000);
    rig.map.map_alias(0x90000, 0x1000, 0x3000);  // DS = 9000h: offset k is physical 3000h + k
    SUBCASE("data") {
        rig.load(0x90010, {0x42});
        CHECK(rig.byte_at(0x3010) == 0x42);
        rig.load(0x3011, {0x43});
        CHECK(rig.byte_at(0x90011) == 0x43);
    }
    SUBCASE("code") {
        // At 2000h: the first alias write fills a writable TLB entry for the alias page while the
        // page at 3000h holds no code yet; decoding it (the call) must take that entry's host
        // pointer away; the second alias write patches the cached MOV AL's immediate.
        rig.load(0x2000, {
            0xC6, 0x06, 0x00, 0x00, 0x90,  // mov byte [0],90h      (alias of 3000h)
            0xE8, 0xF8, 0x0F,              // call 3000h
            0xC6, 0x06, 0x02, 0x00, 0x22,  // mov byte [2],22h      (alias of 3002h)
            0xE8, 0xF0, 0x0F,              // call 3000h
            0xF4,
        });
        rig.load(0x3000, {0xCC, 0xB0, 0x11, 0xE6, 0x80, 0xC3});  // int3 (patched to nop); mov al,11h; out 80h,al; ret
        rig.start(0, 0x2000, 0x9000);
        CHECK(any(rig.run().reasons, x86emu::StopReason::Halted));
        CHECK(rig.post == std::vector<std::uint8_t>{0x11, 0x22});
        CHECK(rig.cpu.state().eip == 0x2011);
    }
}

TEST_CASE("memory map: A20 off wraps FFFF:0010 to address 0; switching the gate flushes the CPU's host pointers") {
    MapRig rig;
    rig.map.map_ram(0, 0x200000);
    rig.load(0x0, {0xAB});
    rig.load(0x100000, {0xCD});
    CHECK(rig.map.a20());
    // mov al,es:[10h]; hlt  with ES = FFFFh
    rig.load(0x1000, {0x26, 0xA0, 0x10, 0x00, 0xF4});
    rig.start(0, 0x1000, 0, 0xFFFF);
    rig.run();
    CHECK((rig.cpu.state().gpr[x86emu::EAX] & 0xFF) == 0xCD);
    rig.map.set_a20(false);
    CHECK_FALSE(rig.map.a20());
    CHECK(rig.byte_at(0x100000) == 0xAB);
    CHECK(rig.map.host_page(0x100000, true) == rig.map.host_page(0, true));
    CHECK(rig.map.backing_page(0x100000) == 0);
    rig.start(0, 0x1000, 0, 0xFFFF);
    rig.run();
    CHECK((rig.cpu.state().gpr[x86emu::EAX] & 0xFF) == 0xAB);
    rig.map.set_a20(true);
    rig.start(0, 0x1000, 0, 0xFFFF);
    rig.run();
    CHECK((rig.cpu.state().gpr[x86emu::EAX] & 0xFF) == 0xCD);
}

TEST_CASE("memory map: code tracking across the A20 wrap") {
    MapRig rig;
    rig.map.map_ram(0, 0x200000);
    // Executed at FFFF:0510 (physical 100500h, 500h with A20 off); patches the MOV AL's
    // immediate through DS = 0 at 501h, which only the wrap makes the same byte.
    const std::vector<std::uint8_t> patcher = {
        0xB0, 0x11,                    // 500: mov al,11h
        0xE6, 0x80,                    // 502: out 80h,al
        0x3C, 0x22,                    // 504: cmp al,22h
        0x74, 0x07,                    // 506: je 50Fh
        0xC6, 0x06, 0x01, 0x05, 0x22,  // 508: mov byte [501h],22h
        0xEB, 0xF1,                    // 50D: jmp 500h
        0xF4,                          // 50F: hlt
    };
    SUBCASE("a write through the low address invalidates code decoded through the wrap") {
        rig.load(0x500, patcher);
        rig.map.set_a20(false);
        rig.start(0xFFFF, 0x510, 0);
        CHECK(any(rig.run().reasons, x86emu::StopReason::Halted));
        CHECK(rig.post == std::vector<std::uint8_t>{0x11, 0x22});
    }
    SUBCASE("switching the gate drops instructions decoded through the other storage") {
        // Both copies written once: their pages' generations are equal, so only forgetting the
        // decoded instructions at the switch keeps the 100500h copy's from running again.
        rig.load(0x500, {0xB0, 0x01, 0xE6, 0x80, 0xF4});     // mov al,1; out 80h,al; hlt
        rig.load(0x100500, {0xB0, 0x02, 0xE6, 0x80, 0xF4});  // mov al,2; out 80h,al; hlt
        rig.start(0xFFFF, 0x510, 0);
        rig.run();
        rig.map.set_a20(false);
        rig.start(0xFFFF, 0x510, 0);
        rig.run();
        rig.map.set_a20(true);
        rig.start(0xFFFF, 0x510, 0);
        rig.run();
        CHECK(rig.post == std::vector<std::uint8_t>{0x02, 0x01, 0x02});
    }
}

TEST_CASE("memory map: a DMA write through the map invalidates instructions the CPU has cached") {
    MapRig rig;
    rig.map.map_ram(0, 0x80000);
    // A "DMA device": a guest write to it makes the map store 22h over the MOV AL's immediate.
    rig.map.map_mmio(kMmioBase, 0x10, MmioHandler{{}, [&](std::uint32_t, unsigned, std::uint64_t) {
                                                      const std::uint8_t patch[] = {0x22};
                                                      rig.map.write_physical(0x501, patch);
                                                  }});
    rig.load(0x500, {
        0xB0, 0x11,        // 500: mov al,11h
        0xE6, 0x80,        // 502: out 80h,al
        0x3C, 0x22,        // 504: cmp al,22h
        0x74, 0x05,        // 506: je 50Dh
        0xA2, 0x00, 0x00,  // 508: mov [0],al   (DS = 8000h: the device)
        0xEB, 0xF3,        // 50B: jmp 500h
        0xF4,              // 50D: hlt
    });
    rig.start(0, 0x500, kMmioBase >> 4);
    CHECK(any(rig.run().reasons, x86emu::StopReason::Halted));
    CHECK(rig.post == std::vector<std::uint8_t>{0x11, 0x22});
}

TEST_CASE("memory map: unmap cuts regions and the CPU sees the hole at once") {
    MapRig rig;
    rig.map.map_ram(0, 0x80000);
    rig.load(0x20000, {0x77});
    // mov al,[0]; hlt   with DS = 2000h
    rig.load(0x1000, {0xA0, 0x00, 0x00, 0xF4});
    rig.start(0, 0x1000, 0x2000);
    rig.run();
    CHECK((rig.cpu.state().gpr[x86emu::EAX] & 0xFF) == 0x77);
    rig.map.unmap(0x20000, 0x1000);
    rig.start(0, 0x1000, 0x2000);
    rig.run();
    CHECK((rig.cpu.state().gpr[x86emu::EAX] & 0xFF) == 0xFF);
    const auto regions = rig.map.regions();
    REQUIRE(regions.size() == 2);
    CHECK(regions[0].base == 0);
    CHECK(regions[0].size == 0x20000);
    CHECK(regions[1].base == 0x21000);
    CHECK(regions[1].size == 0x5F000);
    // The part above the hole keeps its storage: the byte written before the cut is still there.
    rig.load(0x30000, {0x66});
    rig.map.unmap(0x2F000, 0x1000);
    CHECK(rig.byte_at(0x30000) == 0x66);
    // A new region fits the hole.
    MmioLog log;
    rig.map.map_mmio(0x20000, 0x1000, log.handler());
    rig.start(0, 0x1000, 0x2000);
    rig.run();
    CHECK(log.accesses == std::vector<MmioLog::Access>{rd(0, 1)});
}

TEST_CASE("memory map: overlaps, granularity and ranges are refused with the addresses named") {
    PhysicalMemoryMap map(0xFFFFFF);
    map.map_ram(0, 0x100000);
    MmioLog log;
    map.map_mmio(0x200000, 0x10, log.handler());
    check_invalid([&] { map.map_ram(0xF0000, 0x20000); }, "RAM 0xF0000-0x10FFFF overlaps the RAM region 0x0-0xFFFFF");
    check_invalid([&] { map.map_mmio(0x20000F, 4, {}); }, "overlaps the MMIO region 0x200000-0x20000F");
    check_invalid([&] { map.map_ram(0x300800, 0x1000); }, "4 KiB page");
    check_invalid([&] { map.map_rom(0x300000, std::vector<std::uint8_t>(100)); }, "4 KiB page");
    check_invalid([&] { map.map_ram(0xFFF000, 0x2000); }, "reaches past the address bus");
    check_invalid([&] { map.map_mmio(0x400000, 0, {}); }, "empty");
    check_invalid([&] { map.map_alias(0x500000, 0x1000, 0x600000); }, "does not lie inside one mapped region");
    check_invalid([&] { map.map_alias(0x500000, 0x1000, 0xFF800); }, "does not lie inside one mapped region");
    check_invalid([&] { map.map_alias(0x500000, 0x1000, 0x800); }, "page aligned");
    check_invalid([&] { map.map_alias(0x80000, 0x1000, 0x0); }, "overlaps the RAM region");
    check_invalid([&] { map.unmap(0x10, 0x1000); }, "inside a 4 KiB page");
    check_invalid([&] { PhysicalMemoryMap bad(0x12345); }, "not 2^n - 1");
    check_invalid([&] { (void)map.read(0, 9); }, "1 to 8");
    // An MMIO alias may be byte-sized; nothing above changed the map.
    CHECK_NOTHROW(map.map_alias(0x200100, 4, 0x200004));
    CHECK(map.regions().size() == 3);
    (void)map.read(0x200100, 2);
    CHECK(log.accesses == std::vector<MmioLog::Access>{rd(4, 2)});
}

TEST_CASE("memory map: listeners hear map changes and DMA writes; removal stops them") {
    PhysicalMemoryMap map;
    int changes = 0;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> written;
    const auto id = map.add_listener(x86emu::MemoryMapListener{
        [&] { ++changes; }, [&](std::uint32_t paddr, std::uint32_t length) { written.emplace_back(paddr, length); }});
    map.map_ram(0, 0x4000);
    map.set_a20(false);
    map.set_a20(false);  // no change
    map.set_a20(true);
    CHECK(changes == 3);
    const std::vector<std::uint8_t> data(0x1800, 0x5A);
    map.write_physical(0x800, data);  // two pages' worth, reported page by page
    CHECK(written == std::vector<std::pair<std::uint32_t, std::uint32_t>>{{0x800, 0x800}, {0x1000, 0x1000}});
    map.remove_listener(id);
    map.unmap(0, 0x1000);
    CHECK(changes == 3);
}

TEST_CASE("memory map: accesses wrap at the top of the address bus") {
    PhysicalMemoryMap map(0xFFFFF);  // 20 address lines
    map.map_ram(0, 0x1000);
    map.map_rom(0xFF000, std::vector<std::uint8_t>(0x1000, 0xEE));
    map.write(0x100001, 1, 0x42);  // bit 20 is not on this bus
    CHECK(map.read8(0x1) == 0x42);
    CHECK(map.read(0xFFFFF, 2) == 0x00EE);  // ROM's last byte, then RAM's first
}

TEST_CASE("memory map: a page-crossing access that faults on its second page leaves the device untouched") {
    // 32-bit protected mode with paging: linear = physical for pages 0-80h (80h is the MMIO page),
    // 81000h not present. A dword at 80FFEh straddles the two; its #PF (with no IDT: a
    // shutdown) must come before the device sees any part of it, reads included.
    for (const bool write : {false, true}) {
        CAPTURE(write);
        MapRig rig;
        MmioLog log;
        rig.map.map_ram(0, kMmioBase);
        rig.map.map_mmio(kMmioBase, 0x1000, log.handler());
        auto put32 = [&](std::uint32_t at, std::uint32_t v) {
            const std::uint8_t bytes[] = {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
                                          static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 24)};
            rig.map.write_physical(at, bytes);
        };
        put32(0x20000, 0x21000 | 3);  // PDE 0: the table at 21000h, present, writable
        for (std::uint32_t page = 0; page <= 0x80; ++page) put32(0x21000 + 4 * page, (page << 12) | 3);
        // mov eax,[80FFEh] or mov [80FFEh],eax
        rig.load(0x1000, {static_cast<std::uint8_t>(write ? 0xA3 : 0xA1), 0xFE, 0x0F, 0x08, 0x00, 0xF4});
        x86emu::CpuState s;
        s.eip = 0x1000;
        s.eflags = 0x2;
        s.cr0 = 0x80000011u;  // PG, ET, PE
        s.cr3 = 0x20000;
        s.seg[x86emu::CS] = x86emu_test::ProtectedMachine::flat(x86emu_test::kCode0, 0x9B);
        for (unsigned r : {x86emu::DS, x86emu::ES, x86emu::SS, x86emu::FS, x86emu::GS})
            s.seg[r] = x86emu_test::ProtectedMachine::flat(x86emu_test::kData0, 0x93);
        s.idtr.limit = 0;
        rig.cpu.set_state(s);
        CHECK(any(rig.run().reasons, x86emu::StopReason::Shutdown));
        CHECK(rig.cpu.state().cr2 == 0x81000);
        CHECK(log.accesses.empty());
    }
}
