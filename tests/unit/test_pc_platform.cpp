// x86emu unit tests — the PC platform through a Machine (MachineConfig::platform = Platform::PC):
// a real-mode guest that programs the 8259A pair and PIT channel 0 and counts timer interrupts
// in a HLT loop (the count after N ms of emulated time, and HLT fast-forward keeping the
// instructions few), the x87's FERR# on IRQ13 with port F0h's IGNNE#, POST port 80h, the reset
// control register CF9h (hard and soft), and what the Bare platform does not have.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

#include "x86emu/machine.hpp"

using x86emu::CpuModel;
using x86emu::Machine;
using x86emu::MachineConfig;
using x86emu::Platform;
using x86emu::RunResult;
using x86emu::StopReason;

namespace {

constexpr std::uint16_t kProgram = 0x0600;
constexpr std::uint16_t kIsr = 0x0700;

// DS = ES = SS = 0, SP = 7000h.
const std::vector<std::uint8_t> kPrologue = {0x31, 0xC0, 0x8E, 0xD8, 0x8E, 0xC0, 0x8E, 0xD0, 0xBC, 0x00, 0x70};

// The BIOS's PIC programming: master base 08h, slave base 70h on IR2, then the masks.
std::vector<std::uint8_t> init_pics(std::uint8_t master_mask, std::uint8_t slave_mask) {
    return {0xB0, 0x11, 0xE6, 0x20, 0xB0, 0x08, 0xE6, 0x21, 0xB0, 0x04, 0xE6, 0x21, 0xB0, 0x01, 0xE6, 0x21,
            0xB0, 0x11, 0xE6, 0xA0, 0xB0, 0x70, 0xE6, 0xA1, 0xB0, 0x02, 0xE6, 0xA1, 0xB0, 0x01, 0xE6, 0xA1,
            0xB0, master_mask, 0xE6, 0x21, 0xB0, slave_mask, 0xE6, 0xA1};
}

std::vector<std::uint8_t> cat(std::initializer_list<std::vector<std::uint8_t>> parts) {
    std::vector<std::uint8_t> all;
    for (const auto& part : parts) all.insert(all.end(), part.begin(), part.end());
    return all;
}

// A PC-platform machine whose BIOS jumps to 0000:0600, with `code` there (after the prologue),
// `isr` at 0000:0700 and IVT entry `vector` pointing at it.
std::unique_ptr<Machine> pc_guest(CpuModel model, std::uint32_t clock_khz, const std::vector<std::uint8_t>& code,
                                  const std::vector<std::uint8_t>& isr = {}, std::uint8_t vector = 0,
                                  Platform platform = Platform::PC) {
    MachineConfig config;
    config.model = model;
    config.cpu_options.clock_khz = clock_khz;
    config.memory_mib = 1;
    config.platform = platform;
    config.bios_image.assign(0x10000, 0xF4);
    const std::uint8_t jump_far_0000_0600[] = {0xEA, 0x00, 0x06, 0x00, 0x00};
    std::copy(std::begin(jump_far_0000_0600), std::end(jump_far_0000_0600), config.bios_image.begin() + 0xFFF0);
    auto machine = std::make_unique<Machine>(config);
    machine->write_physical(kProgram, cat({kPrologue, code}));
    if (!isr.empty()) {
        machine->write_physical(kIsr, isr);
        const std::uint8_t entry[] = {static_cast<std::uint8_t>(kIsr), static_cast<std::uint8_t>(kIsr >> 8), 0, 0};
        machine->write_physical(vector * 4u, entry);
    }
    return machine;
}

std::uint16_t read_word(const Machine& machine, std::uint32_t paddr) {
    std::uint8_t bytes[2];
    machine.read_physical(paddr, bytes);
    return static_cast<std::uint16_t>(bytes[0] | (bytes[1] << 8));
}

}  // namespace

TEST_CASE("PC platform: PIT channel 0 in mode 2 at ~1 kHz interrupts a HLT loop once per period") {
    constexpr std::uint32_t kKhz = 33'000;
    const std::vector<std::uint8_t> code = cat({
        init_pics(0xFE, 0xFF),                                      // IRQ0 only
        {0xB0, 0x34, 0xE6, 0x43},                                   // counter 0, LSB/MSB, mode 2
        {0xB0, 0xA9, 0xE6, 0x40, 0xB0, 0x04, 0xE6, 0x40},           // count 1193 (04A9h)
        {0xB0, 0x01, 0xE6, 0x80},                                   // POST 01h
        {0xFB, 0xF4, 0xEB, 0xFD},                                   // sti; hlt; jmp hlt
    });
    // inc word [0500h]; EOI; iret
    const std::vector<std::uint8_t> isr = {0xFF, 0x06, 0x00, 0x05, 0xB0, 0x20, 0xE6, 0x20, 0xCF};
    auto machine = pc_guest(CpuModel::i80386, kKhz, code, isr, 0x08);
    CHECK(machine->platform() == Platform::PC);

    // 100 ms: 119318 CLK pulses, the first periodic rising edge 1193 pulses after the load, so
    // 100 of them; plus the one at the control word, where OUT0 rises from mode 0's power-on low
    // to mode 2's initial high (IRR0 latches it; the ISR runs after STI).
    RunResult result = machine->run(100ull * kKhz);
    CHECK(any(result.reasons, StopReason::BudgetExhausted));
    CHECK(read_word(*machine, 0x500) == 1 + 100);
    CHECK(machine->post_code() == std::optional<std::uint8_t>(0x01));
    // HLT fast-forward: a few instructions per interrupt, not one per cycle.
    CHECK(machine->cpu().instructions() < 1'000);
    CHECK(machine->cpu().cycles() >= 100ull * kKhz);

    // 1.1 s in all: exactly 1312500 pulses, 1100 periods.
    machine->run(1000ull * kKhz);
    CHECK(read_word(*machine, 0x500) == 1 + 1100);
    CHECK(machine->cpu().instructions() < 10'000);
}

TEST_CASE("PC platform: the timer guest is deterministic however the run is sliced") {
    constexpr std::uint32_t kKhz = 33'000;
    const std::vector<std::uint8_t> code = cat({
        init_pics(0xFE, 0xFF),
        {0xB0, 0x34, 0xE6, 0x43, 0xB0, 0x2A, 0xE6, 0x40, 0xB0, 0x01, 0xE6, 0x40},  // mode 2, count 12Ah
        {0xFB},                                                                  // sti
        {0xFF, 0x06, 0x02, 0x05, 0xEB, 0xFA},  // busy: inc word [0502h]; jmp back (no HLT)
    });
    const std::vector<std::uint8_t> isr = {0xFF, 0x06, 0x00, 0x05, 0xB0, 0x20, 0xE6, 0x20, 0xCF};
    auto whole = pc_guest(CpuModel::i80386, kKhz, code, isr, 0x08);
    auto sliced = pc_guest(CpuModel::i80386, kKhz, code, isr, 0x08);
    whole->run(20ull * kKhz);
    std::uint64_t step = 1;
    while (sliced->cpu().cycles() < 20ull * kKhz) {
        sliced->run(std::min<std::uint64_t>(step, 20ull * kKhz - sliced->cpu().cycles()));
        step = step * 7 % 5003 + 1;
    }
    CHECK(read_word(*whole, 0x500) > 60);  // 20 ms / 0.25 ms
    CHECK(read_word(*whole, 0x500) == read_word(*sliced, 0x500));
    CHECK(read_word(*whole, 0x502) == read_word(*sliced, 0x502));
    CHECK(whole->cpu().cycles() == sliced->cpu().cycles());
    CHECK(whole->cpu().state() == sliced->cpu().state());
}

TEST_CASE("PC platform: the x87's FERR# raises IRQ13; port F0h clears it and lets the FPU proceed (IGNNE#)") {
    const std::vector<std::uint8_t> code = cat({
        init_pics(0x00, 0x00),
        {0xFB},                          // sti
        {0xDB, 0xE3},                    // fninit
        {0xD9, 0x2E, 0x40, 0x05},        // fldcw [0540h]: IE unmasked
        {0xDE, 0xC1},                    // faddp: stack underflow, an unmasked IE -> FERR#
        {0x9B},                          // fwait: would freeze on the pending exception
        {0xC6, 0x06, 0x31, 0x05, 0x01},  // mov byte [0531h], 1
        {0xFA, 0xF4},                    // cli; hlt
    });
    // out F0h, al; inc byte [0530h]; EOI slave and master; iret
    const std::vector<std::uint8_t> isr = {0xB0, 0x00, 0xE6, 0xF0, 0xFE, 0x06, 0x30, 0x05,
                                           0xB0, 0x20, 0xE6, 0xA0, 0xE6, 0x20, 0xCF};
    auto machine = pc_guest(CpuModel::i80486, 33'000, code, isr, 0x75);
    const std::uint8_t control[] = {0x7E, 0x03};
    machine->write_physical(0x540, control);
    const RunResult result = machine->run(1'000'000);
    CHECK(any(result.reasons, StopReason::Halted));
    std::uint8_t flags[2];
    machine->read_physical(0x530, flags);
    CHECK(flags[0] == 1);  // IRQ13 taken once: the latch does not fire again while FERR# stays
    CHECK(flags[1] == 1);  // the FWAIT went on after the handler
}

TEST_CASE("PC platform: CF9h resets the machine, hard (devices too) or soft (CPU only)") {
    for (const bool hard : {true, false}) {
        CAPTURE(hard);
        // First pass: POST 55h, then the reset; after it, the byte at 0520h says we were here.
        const std::vector<std::uint8_t> code = {
            0xA0, 0x20, 0x05,              // mov al, [0520h]
            0xFE, 0x06, 0x20, 0x05,        // inc byte [0520h]
            0x3C, 0x00,                    // cmp al, 0
            0x75, 0x0C,                    // jne done
            0xB0, 0x55, 0xE6, 0x80,        // POST 55h
            0xB0, static_cast<std::uint8_t>(hard ? 0x06 : 0x04),
            0xBA, 0xF9, 0x0C,              // mov dx, 0CF9h
            0xEE,                          // out dx, al
            0xEB, 0xFE,                    // jmp $ (never reached: the reset comes first)
            0xFA, 0xF4,                    // done: cli; hlt
        };
        auto machine = pc_guest(CpuModel::i80386, 33'000, code);
        const RunResult result = machine->run(1'000'000);
        CHECK(any(result.reasons, StopReason::Halted));
        CHECK(machine->guest_resets() == 1);
        std::uint8_t passes = 0;
        machine->read_physical(0x520, {&passes, 1});
        CHECK(passes == 2);
        // A hard reset puts the platform's devices back to power-on: the POST latch too.
        CHECK(machine->post_code() == (hard ? std::nullopt : std::optional<std::uint8_t>(0x55)));
    }
}

TEST_CASE("PC platform: set_stop_on_guest_reset ends run() at the reset, the CPU at its reset vector") {
    const std::vector<std::uint8_t> code = {0xB0, 0x06, 0xBA, 0xF9, 0x0C, 0xEE, 0xEB, 0xFE};  // out 0CF9h, 06h; jmp $
    auto machine = pc_guest(CpuModel::i80386, 33'000, code);
    machine->set_stop_on_guest_reset(true);
    const RunResult result = machine->run(1'000'000);
    CHECK(result.reasons == StopReason::StopRequested);
    CHECK(machine->guest_resets() == 1);
    CHECK(machine->cpu().state().eip == 0xFFF0);
    CHECK(result.cycles < 1'000);
    // The next run starts the guest again from the reset vector.
    machine->run(1'000);
    CHECK(machine->guest_resets() == 2);
}

TEST_CASE("PC platform: claimed ports, and the Bare platform has neither PIC nor POST latch") {
    auto pc = pc_guest(CpuModel::i80386, 33'000, {0xF4});
    CHECK_THROWS_AS(pc->add_port_handler(0x20, 0x21, {}), std::invalid_argument);
    CHECK_THROWS_AS(pc->add_port_handler(0x80, 0x80, {}), std::invalid_argument);
    pc->add_port_handler(0xE9, 0xE9, {});  // not the platform's

    auto bare = pc_guest(CpuModel::i80386, 33'000, {0xF4}, {}, 0, Platform::Bare);
    CHECK(bare->platform() == Platform::Bare);
    CHECK_FALSE(bare->post_code().has_value());
    CHECK_THROWS_AS(bare->set_post_code_handler([](std::uint8_t) {}), std::logic_error);
    bare->add_port_handler(0x20, 0x21, {});  // free on the bare platform

    MachineConfig bad;
    bad.bios_image.assign(4096, 0xF4);
    bad.platform = static_cast<Platform>(7);
    CHECK_THROWS_AS(Machine{bad}, std::invalid_argument);
}

TEST_CASE("PC platform: host key and mouse events are queued and reach the 8042 between slices") {
    auto pc = pc_guest(CpuModel::i80386, 33'000, {0xF4});
    using Key = Machine::HostKeyEvent;
    auto make = [](std::initializer_list<std::uint8_t> bytes, bool down) {
        Key event;
        event.down = down;
        event.make_bytes = static_cast<std::uint8_t>(bytes.size());
        std::copy(bytes.begin(), bytes.end(), event.make);
        return event;
    };
    auto read_all = [&] {
        std::vector<std::uint32_t> bytes;
        while (pc->ports().read(0x64, 1) & 0x01) bytes.push_back(pc->ports().read(0x60, 1));
        return bytes;
    };
    pc->push_key_event(make({0x1C}, true));   // A (set 2) ...
    pc->push_key_event(make({0x1C}, false));
    pc->push_key_event(make({0xE0, 0x14}, true));  // right Ctrl
    CHECK(pc->host_input_stats().key_events_delivered == 0);  // nothing until the machine runs
    CHECK(read_all().empty());
    pc->run(100);
    // ... as the guest sees it through the 8042's translation (command byte 45h): set 1.
    CHECK(read_all() == std::vector<std::uint32_t>{0x1E, 0x9E, 0xE0, 0x1D});
    Machine::HostInputStats stats = pc->host_input_stats();
    CHECK(stats.key_events_delivered == 3);
    CHECK(stats.keyboard_bytes_read == 4);
    CHECK(stats.last_read_cycle >= stats.last_delivery_cycle);

    Key print_screen;
    print_screen.key = Key::Key::PrintScreen;
    pc->push_key_event(print_screen);
    print_screen.down = false;
    pc->push_key_event(print_screen);
    pc->run(100);
    CHECK(read_all() == std::vector<std::uint32_t>{0xE0, 0x2A, 0xE0, 0x37, 0xE0, 0xB7, 0xE0, 0xAA});
    Key pause;  // (its 8 bytes after Print Screen's 10 would not fit in the keyboard's 16-byte buffer)
    pause.key = Key::Key::Pause;
    pc->push_key_event(pause);
    pause.down = false;  // Pause has no break
    pc->push_key_event(pause);
    pc->run(100);
    CHECK(read_all() == std::vector<std::uint32_t>{0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5});
    CHECK(pc->keyboard_typematic() == 0x2B);  // the keyboard's default until the guest sends F3

    CHECK_THROWS_AS(pc->push_key_event(make({0xE0}, true)), std::invalid_argument);
    CHECK_THROWS_AS(pc->push_key_event(make({0xF0}, true)), std::invalid_argument);
    CHECK_THROWS_AS(pc->push_key_event(make({0x12, 0x34}, true)), std::invalid_argument);
    CHECK_THROWS_AS(pc->push_key_event(make({0x80}, true)), std::invalid_argument);
    Key too_long = make({0x1C}, true);
    too_long.make_bytes = 3;
    CHECK_THROWS_AS(pc->push_key_event(too_long), std::invalid_argument);
    pc->push_key_event(make({0x83}, true));  // F7, the one set-2 make above 7Fh
    pc->run(100);
    CHECK(read_all() == std::vector<std::uint32_t>{0x41});

    // The mouse reports once the guest enabled it (D4 F4 through the controller).
    pc->ports().write(0x64, 1, 0xD4);
    pc->ports().write(0x60, 1, 0xF4);
    CHECK(read_all() == std::vector<std::uint32_t>{0xFA});
    pc->push_mouse_event(5, -3, 0, 0x01);
    pc->run(100);
    CHECK(read_all() == std::vector<std::uint32_t>{0x29, 0x05, 0xFD});  // left, Y negative; X, Y

    auto bare = pc_guest(CpuModel::i80386, 33'000, {0xF4}, {}, 0, Platform::Bare);
    CHECK_THROWS_AS(bare->push_key_event(make({0x1C}, true)), std::logic_error);
    CHECK_THROWS_AS(bare->push_mouse_event(1, 1, 0, 0), std::logic_error);
}
