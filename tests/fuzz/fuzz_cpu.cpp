// x86emu — libFuzzer harness over the public API (docs/FUZZING.md).
//
// One input is one experiment:
//   * its header picks the model, the CPU options, the execution mode (real mode, 16-bit or 32-bit
//     protected mode at ring 0 or 3, virtual-8086 mode, 32-bit protected mode with paging), extra
//     EFLAGS/CR0/CR4/DR7 bits and a schedule of run()/step() calls with events between them
//     (NMI, INTR, IGNNE#, flush_host_pointers, invalidate_code);
//   * its body is the guest code at the start of the code segment, and the byte stream from which
//     the harness builds the environment in guest RAM (GDT, LDT, IDT, TSS with its I/O bitmap, page
//     tables, interrupt handler stubs, registers) and from which every callback answers: the
//     intercept hooks (Run/Result/Skip/Fault/request_stop), port reads, the interrupt controller's
//     vectors.
// The schedule runs twice: once on one Cpu (the reference) and once split by a snapshot into a
// fresh Cpu, which continues on the same memory: for an even split chunk through
// state()/fpu_state() of the first and set_state()/set_fpu_state() on the second, for an odd one
// through the snapshot bytes (Cpu::save_snapshot / restore_snapshot, x86emu/snapshot.hpp). Both must end in the same CPU state, memory, cycle and
// instruction counts; a difference aborts, as does any sanitizer report.
//
// Every run is bounded: the schedule has at most kMaxChunks chunks, each a cycle budget of at
// most kMaxChunkCycles (plus the overshoot of its last instruction) or a few step() calls.
//
// At exit the harness prints how many inputs it ran and how many guest instructions they retired.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "x86emu/bus.hpp"
#include "x86emu/cpu.hpp"
#include "x86emu/hooks.hpp"
#include "x86emu/model.hpp"
#include "x86emu/state.hpp"

namespace {

using namespace x86emu;

// ---- totals printed at exit -----------------------------------------------------------------
std::uint64_t g_inputs = 0;
std::uint64_t g_instructions = 0;
std::uint64_t g_cycles = 0;
std::uint64_t g_compared = 0;  // inputs whose split run was compared with the reference
bool g_trace = false;          // X86EMU_FUZZ_TRACE=1: one line per chunk on stderr

void print_totals() {
    std::printf("x86emu-fuzz: %llu inputs, %llu guest instructions, %llu guest cycles, %llu split runs compared\n",
                static_cast<unsigned long long>(g_inputs), static_cast<unsigned long long>(g_instructions),
                static_cast<unsigned long long>(g_cycles), static_cast<unsigned long long>(g_compared));
    std::fflush(stdout);
    // libFuzzer's -fork children run with their output in temporary logs: with
    // X86EMU_FUZZ_TOTALS=FILE each process also appends its figures to FILE (run_fuzz.sh sums them).
    if (const char* path = std::getenv("X86EMU_FUZZ_TOTALS"); path && g_inputs != 0) {
        if (FILE* f = std::fopen(path, "a")) {
            std::fprintf(f, "%llu %llu %llu %llu\n", static_cast<unsigned long long>(g_inputs),
                         static_cast<unsigned long long>(g_instructions), static_cast<unsigned long long>(g_cycles),
                         static_cast<unsigned long long>(g_compared));
            std::fclose(f);
        }
    }
}

[[noreturn]] void mismatch(const char* what, std::uint64_t a, std::uint64_t b) {
    std::fprintf(stderr, "x86emu-fuzz: split run differs from the reference run: %s (reference %#llx, split %#llx)\n",
                 what, static_cast<unsigned long long>(a), static_cast<unsigned long long>(b));
    std::abort();
}

// ---- guest memory layout (physical = linear unless the input's page tables say otherwise) ------
constexpr std::uint32_t kRamBytes = 0x100000;  // 1 MiB; above it the bus is open (reads 0xFF)
constexpr std::uint32_t kRealStubs = 0x8000;   // real mode: vector v at 0800:(16 v)
constexpr std::uint32_t kCode = 0x1000;        // the input's code (CS base in every mode)
constexpr std::uint32_t kMaxCode = 0x3000;
constexpr std::uint32_t kGdt = 0x10000, kLdt = 0x10800, kIdt = 0x11000, kStubs = 0x12000, kTss = 0x13000;
constexpr std::uint32_t kIoBitmap = kTss + 0x68;  // 8 KiB + the terminating byte
constexpr std::uint32_t kPageDir = 0x20000, kPageTable = 0x21000;
constexpr std::uint32_t kRing0Stack = 0x90000, kRing3Stack = 0x80000;
constexpr std::uint32_t kRing0Stack16 = 0xF000, kRing3Stack16 = 0xE000;  // 16-bit protected mode
constexpr unsigned kGdtEntries = 24;

// GDT selectors.
constexpr std::uint16_t kCode0 = 0x08, kData0 = 0x10, kCode3 = 0x18 | 3, kData3 = 0x20 | 3, kTssSel = 0x28,
                        kLdtSel = 0x30, kFirstRandom = 0x38;  // 0x38..: descriptors from the input

constexpr unsigned kMaxChunks = 8;
constexpr std::uint64_t kMaxChunkCycles = 16 * 1024;

enum class Mode : std::uint8_t { Real, Protected16, Protected32, Ring3, V86, Paging, Count };

// ---- the input ------------------------------------------------------------------------------
// Header bytes are read from the front (zero once exhausted); `stream` is a cyclic view of the
// body from which the environment and the callbacks draw their bytes.
struct Reader {
    const std::uint8_t* data;
    std::size_t size;
    std::size_t pos = 0;
    std::uint8_t u8() { return pos < size ? data[pos++] : 0; }
    std::uint16_t u16() { return static_cast<std::uint16_t>(u8() | (u8() << 8)); }
    std::uint32_t u32() { return u16() | (std::uint32_t{u16()} << 16); }
};

struct Stream {
    const std::uint8_t* data = nullptr;
    std::size_t size = 0;
    std::size_t pos = 0;
    std::uint8_t u8() {
        if (size == 0) return 0;
        std::uint8_t v = data[pos % size];
        ++pos;
        // Mix the lap number in, so that a short body does not repeat the same answers forever.
        return static_cast<std::uint8_t>(v ^ (pos / size) * 0x9D);
    }
    std::uint16_t u16() { return static_cast<std::uint16_t>(u8() | (u8() << 8)); }
    std::uint32_t u32() { return u16() | (std::uint32_t{u16()} << 16); }
};

struct Event {
    std::uint8_t kind;   // what the chunk does: run or step
    std::uint8_t arg;    // budget or step count
    std::uint8_t after;  // event after the chunk
    std::uint8_t extra;
};

struct Plan {
    CpuModel model;
    CpuOptions options;
    Mode mode;
    bool host_pages, hooks, random_descriptors, random_iomap, random_paging, random_dr, controller, paging_ring3;
    std::uint32_t extra_eflags, extra_cr0, cr4;
    unsigned chunks;
    unsigned split;  // the split run takes its snapshot after this many chunks
    std::array<Event, kMaxChunks> events{};
    std::vector<std::uint8_t> code;
    Stream body;
};

Plan parse(const std::uint8_t* data, std::size_t size) {
    Reader r{data, size};
    Plan p{};
    std::uint8_t m = r.u8();
    p.model = static_cast<CpuModel>(m % 6);
    std::uint8_t fpu_choice = static_cast<std::uint8_t>(m / 6 % 3);  // default, with FPU, without
    if (p.model != CpuModel::i8086 && fpu_choice != 0) p.options.fpu = fpu_choice == 1;
    std::uint8_t mode = r.u8();
    p.mode = static_cast<Mode>(mode % static_cast<unsigned>(Mode::Count));
    p.paging_ring3 = mode & 0x80;
    p.controller = (mode & 0x40) == 0;  // INTR without a controller otherwise
    std::uint8_t flags = r.u8();
    p.host_pages = flags & 1;
    p.hooks = flags & 2;
    p.random_descriptors = flags & 4;
    p.random_iomap = flags & 8;
    p.random_paging = flags & 16;
    p.random_dr = flags & 32;
    if (flags & 64) p.options.clock_khz = 1 + r.u16() * 150u;
    // EFLAGS: TF, DF, IF, IOPL, NT, AC, RF; the mode decides VM.
    std::uint16_t fl = r.u16();
    p.extra_eflags = fl & (eflags::TF | eflags::DF | eflags::IF | eflags::IOPL | eflags::NT | eflags::OF | eflags::CF);
    if (fl & 0x8000) p.extra_eflags |= eflags::AC;
    if (fl & 0x0020) p.extra_eflags |= eflags::RF;
    std::uint8_t c0 = r.u8();
    // MP EM TS ET NE WP AM NW/CD: bits 1-5 of CR0 and WP (16), AM (18), NW (29), CD (30).
    p.extra_cr0 = (c0 & 0x3E) | ((c0 & 0x40) ? (1u << 16) : 0) | ((c0 & 0x80) ? (1u << 18) : 0);
    p.cr4 = r.u8();  // VME PVI TSD DE PSE PAE MCE PGE
    p.chunks = 1 + r.u8() % kMaxChunks;
    p.split = r.u8() % (p.chunks + 1);
    for (unsigned k = 0; k < p.chunks; ++k) p.events[k] = {r.u8(), r.u8(), r.u8(), r.u8()};
    std::size_t body = r.pos;
    std::size_t code_len = std::min<std::size_t>(size - body, kMaxCode);
    p.code.assign(data + body, data + body + code_len);
    p.body = Stream{data + body, size - body};
    return p;
}

// ---- the bus ----------------------------------------------------------------------------------
// RAM with optional host pointers, port reads answered from the input stream. Pages that hold
// paging structures are never handed out as host pointers, so that every change to them is seen:
// a guest that edits a live page table without flushing the TLB sees the stale translation on
// the reference Cpu and the new one on the fresh Cpu of the split run (both are correct: the TLB
// is not coherent, SDM vol. 3 §4.10.4), so such a run is not compared.
struct FuzzBus final : Bus {
    std::vector<std::uint8_t> mem = std::vector<std::uint8_t>(kRamBytes, 0);
    bool host_pages = false;
    std::uint32_t watched_first = 0, watched_last = 0;  // page-table pages [first, last)
    bool paging_structure_edited = false;
    Stream* answers = nullptr;
    std::uint64_t io_out_hash = 0;

    std::uint8_t* host_page(std::uint32_t page, bool) override {
        if (!host_pages || page >= kRamBytes || (page >= watched_first && page < watched_last)) return nullptr;
        return &mem[page];
    }
    std::uint8_t read8(std::uint32_t a) override { return a < kRamBytes ? mem[a] : 0xFF; }
    void write8(std::uint32_t a, std::uint8_t v) override {
        if (a >= kRamBytes) return;
        if (a >= watched_first && a < watched_last) {
            // The CPU's own accessed/dirty updates (bits 5 and 6 of the low byte) are not edits.
            std::uint8_t changed = static_cast<std::uint8_t>(mem[a] ^ v);
            if ((a & 3) != 0 || (changed & ~0x60u) != 0) paging_structure_edited = true;
        }
        mem[a] = v;
    }
    std::uint32_t io_read(std::uint16_t port, unsigned size) override {
        std::uint32_t v = answers->u32() ^ port;
        return size == 4 ? v : v & ((1u << (8 * size)) - 1);
    }
    void io_write(std::uint16_t port, unsigned size, std::uint32_t value) override {
        io_out_hash = (io_out_hash ^ (port | (std::uint64_t{size} << 16) | (std::uint64_t{value} << 24))) * 0x100000001B3ull;
    }
    void reset() {
        std::fill(mem.begin(), mem.end(), std::uint8_t{0});
        host_pages = false;
        watched_first = watched_last = 0;
        paging_structure_edited = false;
        io_out_hash = 0;
    }
    void copy_from(const FuzzBus& o) {
        mem = o.mem;
        host_pages = o.host_pages;
        watched_first = o.watched_first;
        watched_last = o.watched_last;
        paging_structure_edited = false;
        io_out_hash = 0;
    }
    void put16(std::uint32_t a, std::uint16_t v) {
        mem[a] = static_cast<std::uint8_t>(v);
        mem[a + 1] = static_cast<std::uint8_t>(v >> 8);
    }
    void put32(std::uint32_t a, std::uint32_t v) {
        put16(a, static_cast<std::uint16_t>(v));
        put16(a + 2, static_cast<std::uint16_t>(v >> 16));
    }
};

struct Controller final : InterruptController {
    Stream* answers = nullptr;
    std::uint8_t acknowledge() override { return answers->u8(); }
};

// One execution: the bus, the callbacks' answer stream, and the Cpu currently running on them
// (the split run replaces it by a fresh one at the snapshot).
struct World {
    FuzzBus bus;
    Stream answers;
    Controller controller;
    // The Cpus this world has built, one per model and options. Constructing a Cpu costs more
    // than most inputs' whole run (its per-page tables of the 4 GiB space), so the first Cpu of
    // each execution is a pooled one brought back by reset(), exactly as an embedder reuses a
    // Cpu; the second Cpu of a split run is always newly constructed. A reset Cpu and a new
    // one must behave alike, which the split-run comparison checks too.
    std::map<std::pair<CpuModel, int>, std::unique_ptr<Cpu>> pool;
    std::unique_ptr<Cpu> fresh;
    Cpu* cpu = nullptr;
    bool intr = false, ignne = false;
    std::uint64_t cycles = 0, instructions = 0;  // over every Cpu of this world
    bool shutdown = false;                       // the last chunk ended in shutdown
    bool shutdown_at_split = false;

    Intercept decide() {
        std::uint8_t b = answers.u8();
        switch (b & 7) {
        case 0: case 1: case 2: return Intercept::run();
        case 3: return Intercept::skip();
        case 4: {
            Intercept d = Intercept::result(std::uint64_t{answers.u32()} | (std::uint64_t{answers.u32()} << 32));
            d.cpuid = {answers.u32(), answers.u32(), answers.u32(), answers.u32()};
            return d;
        }
        case 5: return Intercept::fault(answers.u8());
        case 6: return Intercept::fault(static_cast<std::uint8_t>(answers.u8() & 31), answers.u32());
        default:
            cpu->request_stop();
            return (b & 8) ? Intercept::skip() : Intercept::run();
        }
    }

    void attach(Cpu& c, bool hooks, bool with_controller) {
        c.set_interrupt_controller(with_controller ? &controller : nullptr);
        c.set_intr(intr);
        c.set_ignne(ignne);
        c.set_ferr_handler([](bool) {});
        if (!hooks) {
            c.set_intercepts({});  // a pooled Cpu may still hold the previous input's
            return;
        }
        InterceptHandlers h;
        h.cpuid = [this](const CpuidEvent&) { return decide(); };
        h.rdtsc = [this](const RdtscEvent&) { return decide(); };
        h.msr_read = [this](const MsrReadEvent&) { return decide(); };
        h.msr_write = [this](const MsrWriteEvent&) { return decide(); };
        h.port_in = [this](const PortInEvent&) { return decide(); };
        h.port_out = [this](const PortOutEvent&) { return decide(); };
        h.hlt = [this](const HltEvent&) { return decide(); };
        h.cr_write = [this](const CrWriteEvent&) { return decide(); };
        c.set_intercepts(std::move(h));
    }
};

// ---- building the environment -----------------------------------------------------------------
void descriptor(FuzzBus& bus, std::uint32_t table, std::uint16_t selector, std::uint32_t base, std::uint32_t limit,
                std::uint8_t access, std::uint8_t flags) {
    std::uint32_t at = table + (selector & ~7u);
    bus.put32(at, (limit & 0xFFFF) | (base << 16));
    bus.put32(at + 4, ((base >> 16) & 0xFF) | (std::uint32_t{access} << 8) | (limit & 0xF0000) |
                          ((std::uint32_t{flags} & 0xF) << 20) | (base & 0xFF000000u));
}

SegmentState cache(std::uint16_t selector, std::uint32_t base, std::uint32_t limit, std::uint16_t attributes) {
    SegmentState s;
    s.selector = selector;
    s.base = base;
    s.limit = limit;
    s.attributes = attributes;
    return s;
}

// A handler stub per vector: mostly one that steps the saved IP past one byte and returns, so that
// execution walks on through the input's code after a fault; otherwise HLT, IRET, HLT;IRET or 16
// bytes of the input. `frame32`: a 386 gate (32-bit frame); `code32`: the handler's code segment
// is 32-bit. The vectors whose exceptions push an error code drop it first.
void stubs(FuzzBus& bus, Stream& in, std::uint32_t at, bool protected_mode, bool frame32, bool code32) {
    for (unsigned v = 0; v < 256; ++v) {
        std::uint32_t s = at + 16 * v;
        std::uint8_t choice = in.u8();
        std::vector<std::uint8_t> code;
        const bool error_code = protected_mode && (v == 8 || (v >= 10 && v <= 14) || v == 17);
        const std::uint8_t iret_size = frame32 && !code32 ? 0x66 : 0x90;  // IRETD from 16-bit code
        switch (choice & 7) {
        case 0: code = {0xF4}; break;
        case 1: code = {iret_size, 0xCF}; break;
        case 2: code = {0xF4, iret_size, 0xCF}; break;
        case 3:
            for (unsigned b = 0; b < 16; ++b) code.push_back(in.u8());
            break;
        default:
            if (code32) {
                if (error_code) code = {0x83, 0xC4, 0x04};            // add esp, 4
                code.insert(code.end(), {0xFF, 0x04, 0x24, 0xCF});    // inc dword [esp]; iretd
            } else if (frame32) {
                if (error_code) code = {0x66, 0x83, 0xC4, 0x04};      // add esp, 4
                // push bp; mov bp, sp; inc dword [bp+2]; pop bp; iretd
                code.insert(code.end(), {0x55, 0x89, 0xE5, 0x66, 0xFF, 0x46, 0x02, 0x5D, 0x66, 0xCF});
            } else {
                if (error_code) code = {0x83, 0xC4, 0x02};            // add sp, 2
                // push bp; mov bp, sp; inc word [bp+2]; pop bp; iret
                code.insert(code.end(), {0x55, 0x89, 0xE5, 0xFF, 0x46, 0x02, 0x5D, 0xCF});
            }
        }
        for (unsigned b = 0; b < code.size() && b < 16; ++b) bus.mem[s + b] = code[b];
    }
}

struct Setup {
    CpuState state;
};

Setup build(World& w, const Plan& p, Stream in) {
    FuzzBus& bus = w.bus;
    Setup out;
    CpuState& s = out.state;
    const bool is286 = p.model == CpuModel::i80286, is8086 = p.model == CpuModel::i8086;
    const bool has386 = !is8086 && !is286;
    const bool has486 = has386 && p.model != CpuModel::i80386;
    const bool has_p5 = p.model == CpuModel::p5 || p.model == CpuModel::p6;
    Mode mode = p.mode;
    if (is8086) mode = Mode::Real;
    if (is286 && mode != Mode::Real) mode = mode == Mode::Protected16 ? Mode::Protected16 : Mode::Ring3;

    if (!p.code.empty()) std::memcpy(&bus.mem[kCode], p.code.data(), p.code.size());
    for (std::uint32_t a = kCode + static_cast<std::uint32_t>(p.code.size()); a < kCode + kMaxCode; ++a) bus.mem[a] = in.u8();
    for (unsigned r = 0; r < 8; ++r) s.gpr[r] = in.u32();
    s.eflags = 0x2 | p.extra_eflags;
    if (!has486) s.eflags &= ~eflags::AC;
    if (!has386) s.eflags &= 0xFFFF;
    if (is8086) s.eflags = (s.eflags & 0x0FFF) | 0xF002;
    bus.host_pages = p.host_pages;

    if (mode == Mode::Real) {
        for (unsigned v = 0; v < 256; ++v) {
            bus.put16(4 * v, static_cast<std::uint16_t>(16 * v));
            bus.put16(4 * v + 2, kRealStubs >> 4);
        }
        stubs(bus, in, kRealStubs, false, false, false);
        s.seg[CS] = cache(kCode >> 4, kCode, 0xFFFF, 0x9B);
        static constexpr std::uint16_t kSegs[] = {0x2000, 0, 0x5000, 0x3000, 0x6000, 0x7000};
        for (unsigned r : {ES, SS, DS, FS, GS}) s.seg[r] = cache(kSegs[r], std::uint32_t{kSegs[r]} << 4, 0xFFFF, 0x93);
        s.gpr[ESP] &= 0xFFFE;
        s.eip = 0;
        s.eflags &= ~(eflags::NT | eflags::RF);
        if (has386) s.cr0 = (p.extra_cr0 & 0x3E) | (has486 ? (p.extra_cr0 & (1u << 16 | 1u << 18)) : 0);
        if (is286) s.cr0 = 0xFFF0 | (p.extra_cr0 & 0xE);
        s.idtr = {0, 0x3FF};
        s.gdtr = {kGdt, 0xFFFF};
        if (has_p5) s.cr4 = p.cr4 & 0x9F;
        return out;
    }

    // Protected-mode structures (also used by V86 for its interrupts).
    const bool gates386 = has386;
    const bool code32 = mode != Mode::Protected16 && !is286;
    const std::uint8_t big = code32 ? 0xC : 0x0;     // G and D/B for the flat segments
    const std::uint32_t flat_limit = code32 ? 0xFFFFF : 0xFFFF;
    // 16-bit protected mode keeps the handlers and stacks inside its 64 KiB segments.
    const std::uint32_t stub_base = code32 ? kStubs : kRealStubs;
    const std::uint32_t ring0_stack = code32 ? kRing0Stack : kRing0Stack16;
    const std::uint32_t ring3_stack = code32 ? kRing3Stack : kRing3Stack16;
    descriptor(bus, kGdt, kCode0, 0, flat_limit, 0x9B, big);
    descriptor(bus, kGdt, kData0, 0, flat_limit, 0x93, big);
    descriptor(bus, kGdt, kCode3, 0, flat_limit, 0xFB, big);
    descriptor(bus, kGdt, kData3, 0, flat_limit, 0xF3, big);
    const bool random_iomap = p.random_iomap && has386;
    std::uint32_t tss_limit = gates386 ? (random_iomap ? 0x68 + 0x2000 : 0x67) : 0x2B;
    descriptor(bus, kGdt, kTssSel, kTss, tss_limit, gates386 ? 0x89 : 0x81, 0);
    descriptor(bus, kGdt, kLdtSel, kLdt, 0x7FF, 0x82, 0);
    if (p.random_descriptors) {
        // Random descriptors in the GDT's tail and the LDT: any type, DPL, base, limit, flags.
        for (std::uint16_t sel = kFirstRandom; sel < kGdtEntries * 8; sel += 8) {
            std::uint32_t base = (in.u8() & 1) ? in.u32() : (std::uint32_t{in.u8()} << 12);
            descriptor(bus, kGdt, sel, base, in.u32() & 0xFFFFF, in.u8(), in.u8());
        }
        for (std::uint16_t sel = 0; sel < 0x100; sel += 8) {
            std::uint32_t base = (in.u8() & 1) ? in.u32() : (std::uint32_t{in.u8()} << 12);
            descriptor(bus, kLdt, sel, base, in.u32() & 0xFFFFF, in.u8(), in.u8());
        }
        // Some gates to the flat code segments (call, interrupt, trap, task).
        for (unsigned k = 0; k < 4; ++k) {
            std::uint16_t sel = static_cast<std::uint16_t>(kFirstRandom + 8 * (in.u8() % (kGdtEntries - 7)));
            std::uint32_t target = stub_base + 16 * in.u8();
            std::uint8_t type = in.u8();
            std::uint16_t target_sel = (type & 0x10) ? kTssSel : ((type & 0x20) ? kCode3 : kCode0);
            bus.put32(kGdt + sel, (target & 0xFFFF) | (std::uint32_t{target_sel} << 16));
            bus.put32(kGdt + sel + 4, (target & 0xFFFF0000u) | (std::uint32_t{0x80u | (type & 0x6F)} << 8) | (in.u8() & 31));
        }
    }
    for (unsigned v = 0; v < 256; ++v) {
        std::uint32_t stub = stub_base + 16 * v;
        std::uint8_t access = gates386 ? 0x8E : 0x86;  // interrupt gate, DPL 0
        std::uint16_t sel = kCode0;
        if (mode == Mode::V86 || mode == Mode::Ring3) access |= 0x60;  // INT n allowed from ring 3
        if (p.random_descriptors && (in.u8() & 7) == 0) {
            std::uint8_t r = in.u8();
            access = static_cast<std::uint8_t>((r & 0xEF) | ((r & 0x80) ? 0 : 0x80));
            if (r & 0x10) sel = static_cast<std::uint16_t>(in.u8() & 0xFF);
        }
        bus.put32(kIdt + 8 * v, (stub & 0xFFFF) | (std::uint32_t{sel} << 16));
        bus.put32(kIdt + 8 * v + 4, (gates386 ? (stub & 0xFFFF0000u) : 0) | (std::uint32_t{access} << 8));
    }
    stubs(bus, in, stub_base, true, gates386, code32 || mode == Mode::V86);
    if (gates386) {
        bus.put32(kTss + 4, ring0_stack);
        bus.put32(kTss + 8, kData0);
        bus.put32(kTss + 0x1C, kPageDir);
        bus.put16(kTss + 0x66, 0x68);
        if (random_iomap) {
            std::uint8_t fill = in.u8();
            for (std::uint32_t k = 0; k < 0x2000; ++k) bus.mem[kIoBitmap + k] = (fill & 1) ? in.u8() : (fill & 2 ? 0xFF : 0);
            bus.mem[kIoBitmap + 0x2000] = 0xFF;
        }
    } else {
        bus.put16(kTss + 2, static_cast<std::uint16_t>(ring0_stack));
        bus.put16(kTss + 4, kData0);
    }
    s.cr0 = 0x1 | (has386 ? 0x10 : 0) | (p.extra_cr0 & 0xE) | (has486 ? (p.extra_cr0 & 0x20) : 0);
    if (has486) s.cr0 |= p.extra_cr0 & (1u << 16 | 1u << 18);
    if (is286) s.cr0 = 0xFFF0 | (s.cr0 & 0xF);
    if (has_p5) s.cr4 = p.cr4 & (p.model == CpuModel::p6 ? 0xBF : 0x5F);
    s.gdtr = {kGdt, kGdtEntries * 8 - 1};
    s.idtr = {kIdt, 0x7FF};
    s.tr = cache(kTssSel, kTss, tss_limit, gates386 ? 0x8B : 0x83);
    bus.mem[kGdt + kTssSel + 5] |= 2;  // busy
    s.ldtr = cache(kLdtSel, kLdt, 0x7FF, 0x82);
    if (mode == Mode::V86) {
        s.eflags |= eflags::VM;
        s.eflags &= ~(eflags::NT | eflags::RF);
        s.seg[CS] = cache(kCode >> 4, kCode, 0xFFFF, 0xF3);
        static constexpr std::uint16_t kSegs[] = {0x2000, 0, 0x5000, 0x3000, 0x6000, 0x7000};
        for (unsigned r : {ES, SS, DS, FS, GS}) s.seg[r] = cache(kSegs[r], std::uint32_t{kSegs[r]} << 4, 0xFFFF, 0xF3);
        s.gpr[ESP] &= 0xFFFE;
        s.eip = 0;
        return out;
    }
    const bool ring3 = mode == Mode::Ring3 || (mode == Mode::Paging && p.paging_ring3);
    const std::uint16_t attr_big = code32 ? 0xC000 : 0;
    const std::uint32_t seg_limit = code32 ? 0xFFFFFFFF : 0xFFFF;
    s.seg[CS] = cache(ring3 ? kCode3 : kCode0, 0, seg_limit, static_cast<std::uint16_t>((ring3 ? 0xFB : 0x9B) | attr_big));
    for (unsigned r : {ES, SS, DS, FS, GS})
        s.seg[r] = cache(ring3 ? kData3 : kData0, 0, seg_limit, static_cast<std::uint16_t>((ring3 ? 0xF3 : 0x93) | attr_big));
    s.eip = kCode;
    s.gpr[ESP] = (ring3 ? ring3_stack : ring0_stack) - (in.u8() & 0x7C);
    if (mode == Mode::Paging) {
        // Identity map of the first 4 MiB (user, writable), with edits from the input.
        bus.put32(kPageDir, kPageTable | 7);
        for (std::uint32_t k = 0; k < 1024; ++k) bus.put32(kPageTable + 4 * k, (k << 12) | 7);
        if (p.random_paging) {
            unsigned edits = in.u8() % 32;
            for (unsigned e = 0; e < edits; ++e) {
                std::uint32_t v = in.u32();
                if (in.u8() & 1) bus.put32(kPageTable + 4 * (v >> 22), (v & 0x000FFFFF) | ((in.u32() & 0xFF) << 12));
                else bus.put32(kPageDir + 4 * (in.u8() % 4), v & 0x003FFFFF);  // may be a 4 MiB page (PSE)
            }
            // Always keep the code, the stubs, the tables and the stacks mapped would be too
            // kind: the faults are the point. The page directory entry 0 stays, mostly.
            if (in.u8() & 1) bus.put32(kPageDir, kPageTable | 7);
        }
        s.cr0 |= 0x80000000u;
        s.cr3 = kPageDir;
        bus.watched_first = kPageDir;
        bus.watched_last = kPageTable + 0x1000;
    }
    if (p.random_dr && has386) {
        for (unsigned k = 0; k < 4; ++k) s.dr[k] = (in.u8() & 1) ? in.u32() : kCode + (in.u16() & 0x3FFF);
        s.dr[7] = in.u32() & 0xFFFF03FF;
    }
    return out;
}

// ---- running a schedule -------------------------------------------------------------------------
void event_after(World& w, const Event& e) {
    Cpu& c = *w.cpu;
    switch (e.after & 15) {
    case 1: c.raise_nmi(); break;
    case 2: w.intr = !w.intr; c.set_intr(w.intr); break;
    case 3: w.ignne = !w.ignne; c.set_ignne(w.ignne); break;
    case 4: c.flush_host_pointers(); break;
    case 5: c.invalidate_code(kCode + 64 * e.extra, 256); break;
    case 6:
        // The embedder patches guest memory (as DMA would) and says so.
        w.bus.mem[kCode + 16 * e.extra] = e.extra;
        c.invalidate_code(kCode + 16 * e.extra, 1);
        break;
    default: break;
    }
}

void chunk(World& w, const Event& e) {
    Cpu& c = *w.cpu;
    RunResult r;
    if (e.kind & 1) {
        unsigned n = 1 + (e.kind >> 1) % 4;
        for (unsigned k = 0; k < n; ++k) {
            RunResult one = c.step();
            r.reasons = r.reasons | one.reasons;
            r.cycles += one.cycles;
            r.instructions += one.instructions;
        }
    } else {
        r = c.run((std::uint64_t{e.arg} + 1) * (kMaxChunkCycles / 256) + (e.kind >> 1));
    }
    w.cycles += r.cycles;
    w.instructions += r.instructions;
    w.shutdown = any(r.reasons, StopReason::Shutdown);
    if (g_trace) {
        CpuState st = c.state();
        std::fprintf(stderr, "chunk kind=%u arg=%u: reasons=%#x cycles=%llu instructions=%llu cs:eip=%04x:%08x halted=%d\n",
                     e.kind, e.arg, static_cast<unsigned>(r.reasons), static_cast<unsigned long long>(r.cycles),
                     static_cast<unsigned long long>(r.instructions), st.seg[CS].selector, st.eip, c.halted());
    }
}

struct Outcome {
    CpuState state;
    std::optional<FpuState> fpu;
    bool halted;
    std::uint64_t cycles, instructions;
};

Outcome finish(World& w) {
    Cpu& c = *w.cpu;
    Outcome o{c.state(), std::nullopt, c.halted(), w.cycles, w.instructions};
    if (c.has_fpu()) o.fpu = c.fpu_state();
    return o;
}

void compare(const Outcome& a, const Outcome& b, const World& wa, const World& wb) {
    const CpuState &x = a.state, &y = b.state;
    static const char* const kGprNames[] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    for (unsigned r = 0; r < 8; ++r)
        if (x.gpr[r] != y.gpr[r]) mismatch(kGprNames[r], x.gpr[r], y.gpr[r]);
    if (x.eip != y.eip) mismatch("eip", x.eip, y.eip);
    if (x.eflags != y.eflags) mismatch("eflags", x.eflags, y.eflags);
    for (unsigned r = 0; r < 6; ++r) {
        const SegmentState &p = x.seg[r], &q = y.seg[r];
        if (p.selector != q.selector) mismatch("segment selector", p.selector, q.selector);
        if (p.base != q.base) mismatch("segment base", p.base, q.base);
        if (p.limit != q.limit) mismatch("segment limit", p.limit, q.limit);
        if (p.attributes != q.attributes) mismatch("segment attributes", p.attributes, q.attributes);
    }
    if (x.cr0 != y.cr0) mismatch("cr0", x.cr0, y.cr0);
    if (x.cr2 != y.cr2) mismatch("cr2", x.cr2, y.cr2);
    if (x.cr3 != y.cr3) mismatch("cr3", x.cr3, y.cr3);
    if (x.cr4 != y.cr4) mismatch("cr4", x.cr4, y.cr4);
    if (x.gdtr.base != y.gdtr.base || x.gdtr.limit != y.gdtr.limit) mismatch("gdtr", x.gdtr.base, y.gdtr.base);
    if (x.idtr.base != y.idtr.base || x.idtr.limit != y.idtr.limit) mismatch("idtr", x.idtr.base, y.idtr.base);
    if (x.ldtr.selector != y.ldtr.selector || x.ldtr.base != y.ldtr.base) mismatch("ldtr", x.ldtr.selector, y.ldtr.selector);
    if (x.tr.selector != y.tr.selector || x.tr.base != y.tr.base || x.tr.attributes != y.tr.attributes)
        mismatch("tr", x.tr.selector, y.tr.selector);
    for (unsigned r = 0; r < 8; ++r)
        if (x.dr[r] != y.dr[r]) mismatch("dr", x.dr[r], y.dr[r]);
    for (unsigned r = 0; r < 8; ++r)
        if (x.test_registers[r] != y.test_registers[r]) mismatch("test register", x.test_registers[r], y.test_registers[r]);
    if (x.cpl != y.cpl) mismatch("cpl", x.cpl.value_or(0xFF), y.cpl.value_or(0xFF));
    if (x.halted != y.halted) mismatch("state halted", x.halted, y.halted);
    if (x.interrupt_shadow != y.interrupt_shadow) mismatch("interrupt shadow", x.interrupt_shadow, y.interrupt_shadow);
    if (x.nmi_pending != y.nmi_pending) mismatch("nmi pending", x.nmi_pending, y.nmi_pending);
    if (x.nmi_blocked != y.nmi_blocked) mismatch("nmi blocked", x.nmi_blocked, y.nmi_blocked);
    if (x.rep_in_progress != y.rep_in_progress) mismatch("rep in progress", x.rep_in_progress, y.rep_in_progress);
    if (x.tsc != y.tsc) mismatch("tsc", x.tsc.value_or(0), y.tsc.value_or(0));
    // Whatever the field-by-field checks above do not name (a field added to CpuState later).
    if (!(x == y)) mismatch("CpuState (operator==)", 0, 1);
    if (a.fpu.has_value() != b.fpu.has_value()) mismatch("fpu present", a.fpu.has_value(), b.fpu.has_value());
    if (a.fpu) {
        const FpuState &f = *a.fpu, &g = *b.fpu;
        for (unsigned r = 0; r < 8; ++r)
            if (!(f.physical[r] == g.physical[r])) mismatch("fpu register", f.physical[r].significand, g.physical[r].significand);
        if (f.control != g.control) mismatch("fpu control", f.control, g.control);
        if (f.status != g.status) mismatch("fpu status", f.status, g.status);
        if (f.tag != g.tag) mismatch("fpu tag", f.tag, g.tag);
        if (f.last_ip != g.last_ip || f.last_cs != g.last_cs) mismatch("fpu last ip", f.last_ip, g.last_ip);
        if (f.last_opcode != g.last_opcode) mismatch("fpu last opcode", f.last_opcode, g.last_opcode);
        if (f.last_dp != g.last_dp || f.last_ds != g.last_ds) mismatch("fpu last dp", f.last_dp, g.last_dp);
    }
    if (a.halted != b.halted) mismatch("halted", a.halted, b.halted);
    if (a.cycles != b.cycles) mismatch("cycles", a.cycles, b.cycles);
    if (a.instructions != b.instructions) mismatch("instructions", a.instructions, b.instructions);
    if (wa.bus.io_out_hash != wb.bus.io_out_hash) mismatch("port writes", wa.bus.io_out_hash, wb.bus.io_out_hash);
    if (wa.bus.mem != wb.bus.mem) {
        std::uint32_t k = 0;
        while (wa.bus.mem[k] == wb.bus.mem[k]) ++k;
        std::fprintf(stderr, "x86emu-fuzz: memory differs first at %#x\n", k);
        mismatch("memory byte", wa.bus.mem[k], wb.bus.mem[k]);
    }
}

// Runs the plan on `w`; with `split`, snapshots after p.split chunks into a fresh Cpu.
void execute(World& w, const Plan& p, const Setup& setup, bool split) {
    w.answers = p.body;
    w.answers.pos = p.body.size / 2;  // the environment drew from the front
    w.bus.answers = &w.answers;
    w.controller.answers = &w.answers;
    w.intr = w.ignne = false;
    w.shutdown = w.shutdown_at_split = false;
    w.cycles = w.instructions = 0;
    // Pooled per model and FPU choice; a Cpu with its own clock rate is built for the input.
    auto key = std::make_pair(p.model, p.options.fpu ? int{*p.options.fpu} : -1);
    std::unique_ptr<Cpu> own;
    std::unique_ptr<Cpu>& pooled = p.options.clock_khz ? own : w.pool[key];
    if (!pooled) {
        pooled = std::make_unique<Cpu>(p.model, w.bus, p.options);
    } else {
        // The embedder rewrote all of memory since this Cpu last ran.
        pooled->reset();
        pooled->flush_host_pointers();
        pooled->invalidate_code(0, kRamBytes);
    }
    w.fresh = std::move(own);
    w.cpu = pooled ? pooled.get() : w.fresh.get();
    w.attach(*w.cpu, p.hooks, p.controller);
    w.cpu->set_state(setup.state);
    for (unsigned k = 0; k < p.chunks; ++k) {
        if (split && k == p.split) {
            // The snapshot bytes carry a pending shutdown; set_state() clears it.
            const bool through_bytes = p.split % 2 == 1;
            w.shutdown_at_split = w.shutdown && !through_bytes;
            auto fresh = std::make_unique<Cpu>(p.model, w.bus, p.options);
            w.attach(*fresh, p.hooks, p.controller);
            if (through_bytes) {
                fresh->restore_snapshot(w.cpu->save_snapshot());
            } else {
                CpuState snapshot = w.cpu->state();
                std::optional<FpuState> fpu;
                if (w.cpu->has_fpu()) fpu = w.cpu->fpu_state();
                fresh->set_state(snapshot);
                if (fpu) fresh->set_fpu_state(*fpu);
            }
            w.fresh = std::move(fresh);
            w.cpu = w.fresh.get();
        }
        chunk(w, p.events[k]);
        event_after(w, p.events[k]);
    }
    g_instructions += w.instructions;
    g_cycles += w.cycles;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    std::atexit(print_totals);
    g_trace = std::getenv("X86EMU_FUZZ_TRACE") != nullptr;
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    ++g_inputs;
    Plan plan = parse(data, size);
    static World worlds[2];
    World* reference = &worlds[0];
    World* split = &worlds[1];
    reference->bus.reset();
    Setup setup = build(*reference, plan, plan.body);
    split->bus.copy_from(reference->bus);  // same initial memory and bus configuration
    execute(*reference, plan, setup, false);
    execute(*split, plan, setup, true);
    // The split run is comparable unless the guest edited a live paging structure (see FuzzBus),
    // or the last chunk before a state()/set_state() split ended in shutdown: set_state() clears
    // a pending shutdown, as documented (cpu.hpp), so the fresh Cpu runs on where the reference
    // one stays stopped.
    bool comparable = !reference->bus.paging_structure_edited && !split->shutdown_at_split;
    if (comparable) {
        ++g_compared;
        compare(finish(*reference), finish(*split), *reference, *split);
    }
    return 0;
}
