// x86emu unit tests — time belongs to the machine: Machine::run slicing the budget at the
// scheduler's deadlines, an event scheduled from inside an instruction (OUT, REP OUTSB) pulling
// the running slice's end in, HLT fast-forward (idle time costs no instructions, the TSC
// follows), dead halts, progress and determinism however a run is sliced, and stop/NMI/INTR
// requests from another thread. Guests are real-mode code in RAM at 0000:0600, reached from a
// ROM whose reset vector jumps there.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <random>
#include <span>
#include <stdexcept>
#include <thread>
#include <vector>

#include "x86emu/machine.hpp"

using x86emu::CpuModel;
using x86emu::CpuState;
using x86emu::Machine;
using x86emu::MachineConfig;
using x86emu::PortHandler;
using x86emu::RunResult;
using x86emu::StopReason;

namespace {

constexpr std::uint64_t kForever = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint16_t kProgram = 0x0600;   // 0000:0600
constexpr std::uint16_t kCounter = 0x0500;   // the word the timer ISR increments
constexpr std::uint8_t kTimerVector = 0x20;

// The common prologue at 0000:0600: DS = ES = SS = 0, SP = 7000h (9 bytes, 0600-060C).
const std::vector<std::uint8_t> kPrologue = {
    0x31, 0xC0,        // xor ax, ax
    0x8E, 0xD8,        // mov ds, ax
    0x8E, 0xC0,        // mov es, ax
    0x8E, 0xD0,        // mov ss, ax
    0xBC, 0x00, 0x70,  // mov sp, 7000h
};
constexpr std::uint16_t kMain = kProgram + 11;  // where the code after the prologue starts

// A machine whose BIOS only jumps to 0000:0600, with `code` (after the prologue) there and the
// IVT entries `vectors` (vector, offset in segment 0) set.
std::unique_ptr<Machine> guest(CpuModel model, const std::vector<std::uint8_t>& code,
                               std::vector<std::pair<std::uint8_t, std::uint16_t>> vectors = {}) {
    MachineConfig config;
    config.model = model;
    config.memory_mib = 1;
    config.bios_image.assign(0x10000, 0xF4);
    const std::uint8_t jump_far_0000_0600[] = {0xEA, 0x00, 0x06, 0x00, 0x00};
    std::copy(std::begin(jump_far_0000_0600), std::end(jump_far_0000_0600), config.bios_image.begin() + 0xFFF0);
    auto machine = std::make_unique<Machine>(config);
    std::vector<std::uint8_t> program = kPrologue;
    program.insert(program.end(), code.begin(), code.end());
    machine->write_physical(kProgram, program);
    for (auto [vector, offset] : vectors) {
        const std::uint8_t entry[] = {static_cast<std::uint8_t>(offset), static_cast<std::uint8_t>(offset >> 8), 0, 0};
        machine->write_physical(vector * 4u, entry);
    }
    return machine;
}

std::uint16_t read_word(const Machine& machine, std::uint32_t paddr) {
    std::uint8_t bytes[2];
    machine.read_physical(paddr, bytes);
    return static_cast<std::uint16_t>(bytes[0] | (bytes[1] << 8));
}

std::uint16_t read_word_of(const std::vector<std::uint8_t>& memory, std::uint32_t paddr) {
    return static_cast<std::uint16_t>(memory[paddr] | (memory[paddr + 1] << 8));
}

// A periodic timer device: every `period` cycles (counted from each tick's scheduled cycle, so
// lateness does not accumulate) it asserts INTR, `ticks` times; it is its own interrupt
// controller and drops INTR when the CPU acknowledges.
struct TickTimer final : x86emu::InterruptController {
    struct Tick {
        std::uint64_t scheduled = 0, fired_at = 0;
        friend bool operator==(const Tick&, const Tick&) = default;
    };
    Machine& machine;
    std::uint64_t period;
    unsigned remaining;
    std::vector<Tick> ticks;
    unsigned acknowledged = 0;

    TickTimer(Machine& m, std::uint64_t period_cycles, unsigned count)
        : machine(m), period(period_cycles), remaining(count) {
        machine.cpu().set_interrupt_controller(this);
        if (remaining) machine.scheduler().schedule_in(period, [this](std::uint64_t t) { tick(t); });
    }
    ~TickTimer() override { machine.cpu().set_interrupt_controller(nullptr); }
    std::uint8_t acknowledge() override {
        machine.cpu().set_intr(false);
        ++acknowledged;
        return kTimerVector;
    }
    void tick(std::uint64_t scheduled) {
        ticks.push_back({scheduled, machine.cpu().cycles()});
        machine.cpu().set_intr(true);
        if (--remaining) machine.scheduler().schedule_at(scheduled + period, [this](std::uint64_t t) { tick(t); });
    }
};

// main: sti; hlt; cmp word [0500h], count; jb main; cli; hlt.  isr: inc word [0500h]; iret.
std::vector<std::uint8_t> halt_loop_code(std::uint16_t count) {
    return {
        0xFB,                                   // 060B main: sti
        0xF4,                                   // 060C       hlt
        0x81, 0x3E, 0x00, 0x05,                 // 060D       cmp word [0500h], count
        static_cast<std::uint8_t>(count), static_cast<std::uint8_t>(count >> 8),
        0x72, 0xF6,                             // 0613       jb main (060B - 0615)
        0xFA,                                   // 0615       cli
        0xF4,                                   // 0616       hlt
        0xFF, 0x06, 0x00, 0x05,                 // 0617 isr:  inc word [0500h]
        0xCF,                                   // 061B       iret
    };
}
constexpr std::uint16_t kHaltLoopIsr = kMain + 12;

}  // namespace

TEST_CASE("Machine: a guest idling in STI; HLT takes 1000 timer ticks of 1 ms in almost no instructions") {
    for (CpuModel model : {CpuModel::i80386, CpuModel::p5}) {
        CAPTURE(x86emu::cpu_model_name(model));
        auto machine = guest(model, halt_loop_code(1000), {{kTimerVector, kHaltLoopIsr}});
        const std::uint64_t one_ms = machine->cpu().clock_khz();  // cycles per millisecond
        TickTimer timer(*machine, one_ms, 1000);

        const RunResult result = machine->run(kForever);
        CHECK(result.reasons == StopReason::Halted);  // the final CLI; HLT: a dead halt
        CHECK(read_word(*machine, kCounter) == 1000);
        CHECK(timer.acknowledged == 1000);
        REQUIRE(timer.ticks.size() == 1000);
        // Each tick found the CPU halted, so time jumped exactly to it.
        for (unsigned k = 0; k < 1000; ++k) {
            CAPTURE(k);
            CHECK(timer.ticks[k].scheduled == (k + 1) * one_ms);
            CHECK(timer.ticks[k].fired_at == timer.ticks[k].scheduled);
        }
        // One second of guest time, plus the last ISR and the CLI; HLT.
        const std::uint64_t cycles = machine->cpu().cycles();
        CHECK(cycles >= 1000 * one_ms);
        CHECK(cycles < 1000 * one_ms + 200);
        CHECK(result.cycles == cycles);
        CHECK(machine->cpu().emulated_nanoseconds() >= 1'000'000'000);
        CHECK(machine->cpu().emulated_nanoseconds() < 1'000'010'000);
        // sti, hlt, inc, iret, cmp, jb per tick: the 33 or 100 million cycles cost ~6000
        // instructions, i.e. next to no host time, without the test timing anything.
        CHECK(machine->cpu().instructions() <= 6 * 1000 + 10);
        CHECK(result.instructions == machine->cpu().instructions());
        CHECK(machine->cpu().halted());
        if (model == CpuModel::p5) {
            const CpuState s = machine->cpu().state();
            REQUIRE(s.tsc.has_value());
            CHECK(*s.tsc == cycles);  // reset at cycle 0: the TSC followed every idle jump
        }
    }
}

TEST_CASE("Machine: the TSC the guest reads after an idle jump counts the skipped cycles") {
    // main: sti; hlt; (never reached).  isr: rdtsc; mov [0510h], eax; mov [0514h], edx; cli; hlt
    const std::vector<std::uint8_t> code = {
        0xFB, 0xF4, 0xF4,                    // 060B sti; hlt; hlt
        0x0F, 0x31,                          // 060E isr: rdtsc
        0x66, 0xA3, 0x10, 0x05,              //      mov [0510h], eax
        0x66, 0x89, 0x16, 0x14, 0x05,        //      mov [0514h], edx
        0xFA, 0xF4,                          //      cli; hlt
    };
    auto machine = guest(CpuModel::p5, code, {{kTimerVector, kMain + 3}});
    TickTimer timer(*machine, 5'000'000'000, 1);  // 50 s at 100 MHz
    CHECK(machine->run(kForever).reasons == StopReason::Halted);
    std::uint8_t tsc_bytes[8];
    machine->read_physical(0x510, tsc_bytes);
    std::uint64_t tsc = 0;
    for (unsigned k = 0; k < 8; ++k) tsc |= std::uint64_t{tsc_bytes[k]} << (8 * k);
    CHECK(tsc > 5'000'000'000);
    CHECK(tsc < 5'000'000'000 + 200);
    CHECK(machine->cpu().instructions() < 20);
}

TEST_CASE("Machine: halted with nothing to wake it returns Halted; waiting for a later event uses the budget") {
    SUBCASE("IF = 0: a dead halt returns Halted at once, the event stays scheduled and time does not jump") {
        auto machine = guest(CpuModel::i80386, {0xFA, 0xF4});  // cli; hlt
        bool fired = false;
        const x86emu::EventId id = machine->scheduler().schedule_at(50'000, [&](std::uint64_t) { fired = true; });
        const RunResult result = machine->run(kForever);
        CHECK(result.reasons == StopReason::Halted);
        CHECK(machine->cpu().cycles() < 100);
        CHECK_FALSE(fired);
        CHECK(machine->scheduler().pending(id));
        CHECK(machine->run(1'000'000).reasons == StopReason::Halted);  // again, and no time passes
        CHECK(machine->cpu().cycles() < 100);
    }
    SUBCASE("IF = 1 with nothing scheduled: Halted") {
        auto machine = guest(CpuModel::i80386, {0xFB, 0xF4});  // sti; hlt
        CHECK(machine->run(kForever).reasons == StopReason::Halted);
        CHECK(machine->cpu().cycles() < 100);
    }
    SUBCASE("IF = 1, an event beyond the budget: idle to the budget's end, BudgetExhausted, then on to the event") {
        auto machine = guest(CpuModel::i80386, {0xFB, 0xF4});  // sti; hlt
        std::vector<std::uint64_t> fired_at;
        machine->scheduler().schedule_at(1'000'000, [&](std::uint64_t) { fired_at.push_back(machine->cpu().cycles()); });
        RunResult result = machine->run(10'000);
        CHECK(result.reasons == StopReason::BudgetExhausted);
        CHECK(result.cycles == 10'000);  // the idle jump stops exactly at the budget's end
        CHECK(machine->cpu().cycles() == 10'000);
        CHECK(machine->cpu().halted());
        const std::uint64_t instructions = machine->cpu().instructions();
        // The event raises nothing, so after it the CPU is halted with nothing scheduled.
        result = machine->run(kForever);
        CHECK(result.reasons == StopReason::Halted);
        CHECK(fired_at == std::vector<std::uint64_t>{1'000'000});
        CHECK(machine->cpu().cycles() == 1'000'000);
        CHECK(result.instructions == 0);
        CHECK(machine->cpu().instructions() == instructions);
    }
    SUBCASE("Cpu::idle_until only while halted") {
        auto machine = guest(CpuModel::i80386, {0xEB, 0xFE});  // jmp $
        machine->run(100);
        const std::uint64_t before = machine->cpu().cycles();
        CHECK_THROWS_AS(machine->cpu().idle_until(before + 1000), std::logic_error);
        CHECK(machine->cpu().cycles() == before);
    }
}

TEST_CASE("Machine: an event scheduled by an OUT fires at the next boundary, not at the end of the run") {
    // mov al, 1; out 40h, al; spin: jmp spin
    auto machine = guest(CpuModel::i80386, {0xB0, 0x01, 0xE6, 0x40, 0xEB, 0xFE});
    struct Fire {
        std::uint64_t scheduled = 0, at = 0;
    };
    std::vector<Fire> fires;
    machine->add_port_handler(0x40, 0x40, PortHandler{{}, [&](std::uint16_t, std::uint8_t) {
        machine->scheduler().schedule_in(25, [&](std::uint64_t scheduled) {
            fires.push_back({scheduled, machine->cpu().cycles()});
        });
    }});
    const RunResult result = machine->run(1'000'000);
    CHECK(result.reasons == StopReason::BudgetExhausted);
    REQUIRE(fires.size() == 1);
    CHECK(fires[0].at >= fires[0].scheduled);
    CHECK(fires[0].at - fires[0].scheduled < 20);  // one JMP (7+m clocks on the 386) at most
    CHECK(fires[0].scheduled < 200);
}

TEST_CASE("Machine: an event scheduled inside a REP OUTSB stops the REP between iterations to fire") {
    // mov cx, 200; mov si, 1000h; mov dx, 40h; rep outsb; hlt
    auto machine = guest(CpuModel::i80386, {0xB9, 0xC8, 0x00, 0xBE, 0x00, 0x10, 0xBA, 0x40, 0x00, 0xF3, 0x6E, 0xF4});
    unsigned bytes_out = 0;
    struct Fire {
        std::uint64_t scheduled = 0, at = 0;
        unsigned bytes_out = 0;
    };
    std::vector<Fire> fires;
    machine->add_port_handler(0x40, 0x40, PortHandler{{}, [&](std::uint16_t, std::uint8_t) {
        if (++bytes_out == 1)
            machine->scheduler().schedule_in(30, [&](std::uint64_t scheduled) {
                fires.push_back({scheduled, machine->cpu().cycles(), bytes_out});
            });
    }});
    const RunResult result = machine->run(1'000'000);
    CHECK(result.reasons == StopReason::Halted);
    CHECK(bytes_out == 200);
    REQUIRE(fires.size() == 1);
    CHECK(fires[0].at >= fires[0].scheduled);
    CHECK(fires[0].at - fires[0].scheduled < 40);  // within one OUTSB iteration (the 386's
                                                   // real-mode OUTS is 14 clocks, plus 4 for REP)
    CHECK(fires[0].bytes_out < 10);  // mid-REP
}

TEST_CASE("Machine: events already due fire first, even with a zero budget") {
    auto machine = guest(CpuModel::i80386, {0xEB, 0xFE});
    int fired = 0;
    machine->scheduler().schedule_at(0, [&](std::uint64_t) { ++fired; });
    const RunResult result = machine->run(0);
    CHECK(result.reasons == StopReason::BudgetExhausted);
    CHECK(result.cycles == 0);
    CHECK(fired == 1);
}

namespace {

// A guest that does work while interrupts come: main fills 37 bytes with AL (REP STOSB), counts
// its rounds, until the ISR has counted 300 ticks; the ISR adds 3 to AL, so the bytes written
// depend on exactly where each interrupt lands, and logs the CX it interrupted at 2800h. A second, non-interrupting device writes into
// guest memory at another period. Everything a difference in slicing could change is recorded.
struct BusyRun {
    CpuState state;
    std::uint64_t cycles = 0, instructions = 0;
    std::vector<std::uint8_t> memory;
    std::vector<TickTimer::Tick> ticks;
    std::vector<std::uint64_t> dma_fired_at;
    bool progress_every_call = true;
};

// slice == 0: one run(kForever); otherwise run(slice) until Halted; slice == kRandomSlices:
// seeded random slices of 1 to 5000 cycles.
constexpr std::uint64_t kRandomSlices = ~std::uint64_t{0};

BusyRun run_busy_guest(std::uint64_t slice) {
    const std::vector<std::uint8_t> code = {
        0xFB,                                      // 060B       sti
        0xB9, 0x25, 0x00,                          // 060C main: mov cx, 37
        0xBF, 0x00, 0x10,                          // 060F       mov di, 1000h
        0xF3, 0xAA,                                // 0612       rep stosb
        0xFF, 0x06, 0x02, 0x05,                    // 0614       inc word [0502h]
        0x81, 0x3E, 0x00, 0x05, 0x2C, 0x01,        // 0618       cmp word [0500h], 300
        0x72, 0xEC,                                // 061E       jb main (060C - 0620)
        0xFA, 0xF4,                                // 0620       cli; hlt
        0xFF, 0x06, 0x00, 0x05,                    // 0622 isr:  inc word [0500h]
        0x04, 0x03,                                // 0626       add al, 3
        0x8B, 0x1E, 0x04, 0x05,                    // 0628       mov bx, [0504h]
        0x89, 0x8F, 0x00, 0x28,                    // 062C       mov [bx+2800h], cx
        0x83, 0x06, 0x04, 0x05, 0x02,              // 0630       add word [0504h], 2
        0xCF,                                      // 0635       iret
    };
    auto machine = guest(CpuModel::i80486, code, {{kTimerVector, kMain + 23}});
    TickTimer timer(*machine, 1237, 300);
    BusyRun out;
    std::function<void(std::uint64_t)> dma = [&](std::uint64_t scheduled) {
        out.dma_fired_at.push_back(machine->cpu().cycles());
        const std::uint8_t value = static_cast<std::uint8_t>(out.dma_fired_at.size());
        machine->write_physical(0x2000 + (out.dma_fired_at.size() % 64), std::span(&value, 1));
        machine->scheduler().schedule_at(scheduled + 977, dma);
    };
    machine->scheduler().schedule_at(500, dma);

    std::mt19937_64 random(99);
    if (slice == 0) {
        CHECK(machine->run(kForever).reasons == StopReason::Halted);
    } else {
        for (;;) {
            const std::uint64_t budget = slice == kRandomSlices ? 1 + random() % 5000 : slice;
            const std::uint64_t cycles = machine->cpu().cycles(), instructions = machine->cpu().instructions();
            const RunResult r = machine->run(budget);
            if (any(r.reasons, StopReason::Halted)) break;
            REQUIRE(any(r.reasons, StopReason::BudgetExhausted));
            // Progress: time passed (every call here has work to do or an event to wait for).
            if (machine->cpu().cycles() == cycles && machine->cpu().instructions() == instructions)
                out.progress_every_call = false;
        }
    }
    out.state = machine->cpu().state();
    out.cycles = machine->cpu().cycles();
    out.instructions = machine->cpu().instructions();
    out.memory.resize(0x3000);
    machine->read_physical(0, out.memory);
    out.ticks = timer.ticks;
    return out;
}

}  // namespace

TEST_CASE("Machine: a guest with scheduled events ends the same, cycle for cycle, however the run is sliced") {
    const BusyRun whole = run_busy_guest(0);
    // The run is what it claims: 300 ticks, the REPs interrupted (so AL varies in the buffer).
    CHECK(read_word_of(whole.memory, kCounter) == 300);
    CHECK(whole.ticks.size() == 300);
    CHECK(whole.dma_fired_at.size() > 300);
    CHECK(whole.instructions > 3000);
    unsigned mid_rep = 0;
    for (unsigned k = 0; k < 300; ++k) {
        const std::uint16_t cx = read_word_of(whole.memory, 0x2800 + 2 * k);
        if (cx > 0 && cx < 37) ++mid_rep;
    }
    CHECK(mid_rep > 100);  // most ticks land between REP iterations (267 of 300)
    const BusyRun again = run_busy_guest(0);
    for (std::uint64_t slice : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{7}, std::uint64_t{1000}, kRandomSlices}) {
        CAPTURE(slice);
        const BusyRun other = slice == 0 ? again : run_busy_guest(slice);
        CHECK(other.state == whole.state);
        CHECK(other.cycles == whole.cycles);
        CHECK(other.instructions == whole.instructions);
        CHECK(other.memory == whole.memory);
        CHECK(other.ticks == whole.ticks);
        CHECK(other.dma_fired_at == whole.dma_fired_at);
        CHECK(other.progress_every_call);
    }
}

TEST_CASE("Machine: request_stop from another thread ends run(forever) on a spinning guest") {
    // out 80h, al (tells the test the guest runs); spin: jmp spin
    auto machine = guest(CpuModel::i80386, {0xE6, 0x80, 0xEB, 0xFE});
    std::atomic<bool> started{false};
    machine->add_port_handler(0x80, 0x80, PortHandler{{}, [&](std::uint16_t, std::uint8_t) { started = true; }});
    std::thread stopper([&] {
        while (!started) std::this_thread::yield();
        machine->request_stop();
    });
    const RunResult result = machine->run(kForever);
    stopper.join();
    CHECK(result.reasons == StopReason::StopRequested);
    CHECK(result.instructions >= 6);  // the prologue and the OUT at least
    // The request was consumed: the next run goes on spinning to its budget.
    CHECK(machine->run(10'000).reasons == StopReason::BudgetExhausted);
}

TEST_CASE("Cpu: request_stop, raise_nmi and set_intr from another thread reach a running Cpu::run") {
    // out 80h, al; spin: jmp spin.  A handler at 0700h: out 81h, al; hlt (IF is clear in it: a
    // dead halt ends the run).
    const std::vector<std::uint8_t> code = {0xE6, 0x80, 0xEB, 0xFE};
    const std::vector<std::uint8_t> handler = {0xE6, 0x81, 0xF4};
    struct LateController final : x86emu::InterruptController {
        std::uint8_t vector = 0;  // written by the other thread before set_intr(true)
        std::uint8_t acknowledge() override { return vector; }
    };
    for (int kind = 0; kind < 3; ++kind) {
        CAPTURE(kind);
        auto machine = guest(CpuModel::i80486, kind == 2 ? std::vector<std::uint8_t>{0xFB, 0xE6, 0x80, 0xEB, 0xFE} : code,
                             {{2, 0x0700}, {0x42, 0x0700}});
        machine->write_physical(0x0700, handler);
        std::atomic<bool> started{false};
        int handler_ran = 0;
        machine->add_port_handler(0x80, 0x81, PortHandler{{}, [&](std::uint16_t port, std::uint8_t) {
            if (port == 0x80) started = true;
            else ++handler_ran;
        }});
        LateController controller;
        machine->cpu().set_interrupt_controller(&controller);
        x86emu::Cpu& cpu = machine->cpu();
        std::thread other([&] {
            while (!started) std::this_thread::yield();
            if (kind == 0) cpu.request_stop();
            if (kind == 1) cpu.raise_nmi();
            if (kind == 2) {
                controller.vector = 0x42;
                cpu.set_intr(true);
            }
        });
        const RunResult result = cpu.run(kForever);  // the bare Cpu, without the Machine's loop
        other.join();
        if (kind == 0) {
            CHECK(result.reasons == StopReason::StopRequested);
            CHECK(handler_ran == 0);
        } else {
            CHECK(result.reasons == StopReason::Halted);
            CHECK(handler_ran == 1);
            CHECK(cpu.state().eip == 0x0703);
        }
    }
}

TEST_CASE("Machine: HLT fast-forward lands on the same cycles whatever the slices") {
    struct Outcome {
        CpuState state;
        std::uint64_t cycles = 0, instructions = 0;
        std::vector<TickTimer::Tick> ticks;
    };
    auto play = [](std::uint64_t slice) {
        auto machine = guest(CpuModel::i80386, halt_loop_code(50), {{kTimerVector, kHaltLoopIsr}});
        TickTimer timer(*machine, machine->cpu().clock_khz(), 50);
        if (slice == 0) {
            CHECK(machine->run(kForever).reasons == StopReason::Halted);
        } else {
            unsigned calls = 0;
            while (machine->run(slice).reasons != StopReason::Halted) ++calls;
            CHECK(calls >= 50 * 33'000 / slice);  // the idle time was cut into the slices
        }
        return Outcome{machine->cpu().state(), machine->cpu().cycles(), machine->cpu().instructions(), timer.ticks};
    };
    const Outcome whole = play(0);
    CHECK(whole.ticks.size() == 50);
    for (std::uint64_t slice : {std::uint64_t{997}, std::uint64_t{33'000}, std::uint64_t{100'003}}) {
        CAPTURE(slice);
        const Outcome sliced = play(slice);
        CHECK(sliced.state == whole.state);
        CHECK(sliced.cycles == whole.cycles);
        CHECK(sliced.instructions == whole.instructions);
        CHECK(sliced.ticks == whole.ticks);
    }
}

TEST_CASE("Cpu: a budget of UINT64_MAX after cycles have run means forever, not a wrapped end") {
    // mov cx, 1000; again: loop again; cli; hlt
    auto machine = guest(CpuModel::i80386, {0xB9, 0xE8, 0x03, 0xE2, 0xFE, 0xFA, 0xF4});
    machine->cpu().run(10);
    REQUIRE(machine->cpu().cycles() > 0);
    const RunResult result = machine->cpu().run(kForever);
    CHECK(result.reasons == StopReason::Halted);
    CHECK(machine->cpu().state().gpr[x86emu::ECX] == 0);
}

TEST_CASE("Cpu: pull_deadline between runs changes nothing; the next run's budget decides") {
    auto machine = guest(CpuModel::i80386, {0xEB, 0xFE});  // jmp $
    machine->cpu().run(100);
    machine->cpu().pull_deadline(0);
    const RunResult result = machine->cpu().run(1000);
    CHECK(result.reasons == StopReason::BudgetExhausted);
    CHECK(result.cycles >= 1000);
}
