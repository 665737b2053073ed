// bench/bench_main.cpp — x86emu-bench: runs the benchmark guest (bench/workload.asm) on the
// x86emu CPU core and reports guest instructions, host seconds and guest MIPS for the measured
// part, i.e. the instructions between the guest's START and END marker bytes on port 0xE9.
// --mode runs the same guest in real mode, in virtual-8086 mode, or in V86 mode with paging on
// (the protected-mode scaffolding for the latter two is in v86_setup.cpp).
#include <x86emu/bus.hpp>
#include <x86emu/cpu.hpp>
#include <x86emu/model.hpp>
#include <x86emu/state.hpp>

#include "v86_setup.hpp"

#include <boost/program_options.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <iterator>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <sys/resource.h>

#ifndef X86EMU_BENCH_WORKLOAD
#define X86EMU_BENCH_WORKLOAD "workload.bin"
#endif

namespace {

constexpr std::uint32_t kRamBytes = 1u << 20;
constexpr std::uint32_t kPageBytes = 4096;
constexpr std::uint32_t kImageAddress = 0x7C00;  // where the BIOS puts the boot sector
constexpr std::uint32_t kEntryAddress = 0x7E00;  // workload_entry, right after the boot sector
constexpr std::uint16_t kDebugPort = 0xE9;
constexpr std::uint8_t kStartMarker = 0x02;      // must match workload.asm
constexpr std::uint8_t kEndMarker = 0x03;

// RAM through the host_page fast path, plus the debug port. The markers ask the CPU to stop so
// the driver can read the clock and the instruction counter exactly at the measured boundaries.
class BenchBus final : public x86emu::Bus {
public:
    BenchBus() : ram_(kRamBytes, 0) {}

    void attach(x86emu::Cpu& cpu) { cpu_ = &cpu; }

    std::uint8_t read8(std::uint32_t paddr) override { return paddr < ram_.size() ? ram_[paddr] : 0xFF; }
    void write8(std::uint32_t paddr, std::uint8_t value) override {
        if (paddr < ram_.size()) ram_[paddr] = value;
    }
    std::uint8_t* host_page(std::uint32_t page_paddr, bool /*for_write*/) override {
        if (page_paddr % kPageBytes != 0 || page_paddr >= ram_.size()) return nullptr;
        return ram_.data() + page_paddr;
    }
    void io_write(std::uint16_t port, unsigned size, std::uint32_t value) override {
        if (port != kDebugPort) return;
        for (unsigned i = 0; i < size; ++i) {
            const auto byte = static_cast<std::uint8_t>(value >> (8 * i));
            if (byte == kStartMarker) {
                start_seen_ = true;
                if (cpu_) cpu_->request_stop();
            } else if (byte == kEndMarker) {
                end_seen_ = true;
                if (cpu_) cpu_->request_stop();
            } else {
                guest_text_.push_back(static_cast<char>(byte));
            }
        }
    }

    void load(std::uint32_t address, const std::vector<std::uint8_t>& image) {
        if (image.size() > ram_.size() - address) throw std::runtime_error("workload image does not fit in 1 MiB of RAM");
        std::copy(image.begin(), image.end(), ram_.begin() + address);
    }
    std::span<std::uint8_t> ram() { return ram_; }
    std::span<const std::uint8_t> ram() const { return ram_; }
    bool start_seen() const { return start_seen_; }
    bool end_seen() const { return end_seen_; }
    const std::string& guest_text() const { return guest_text_; }

private:
    std::vector<std::uint8_t> ram_;
    x86emu::Cpu* cpu_ = nullptr;
    bool start_seen_ = false;
    bool end_seen_ = false;
    std::string guest_text_;
};

std::vector<std::uint8_t> read_binary(const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) throw std::runtime_error("cannot open workload '" + path.string() + "' (build it with: cmake --build build --target x86emu_bench)");
    std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
    if (bytes.size() <= kEntryAddress - kImageAddress)
        throw std::runtime_error("workload '" + path.string() + "' is too short: expected a boot sector followed by the payload");
    return bytes;
}

struct ModeName {
    bench::RunMode mode;
    const char* name;
};
constexpr ModeName kModeNames[] = {
    {bench::RunMode::Real, "real"},
    {bench::RunMode::V86, "v86"},
    {bench::RunMode::V86Paging, "v86-paging"},
};

bench::RunMode parse_mode(const std::string& name) {
    for (const auto& entry : kModeNames)
        if (name == entry.name) return entry.mode;
    throw std::runtime_error("unknown mode '" + name + "' (expected real, v86 or v86-paging)");
}

const char* mode_name(bench::RunMode mode) {
    for (const auto& entry : kModeNames)
        if (mode == entry.mode) return entry.name;
    return "?";
}

// Enters at workload_entry as the boot sector's far jump would: CS=DS=ES=SS=0, IP=7E00. In the
// V86 modes the same CS:IP and SP are entered in virtual-8086 mode instead.
void enter_workload(x86emu::Cpu& cpu, BenchBus& bus, bench::RunMode mode) {
    x86emu::CpuState state = cpu.state();
    if (mode == bench::RunMode::Real) {
        for (auto& segment : state.seg) {
            segment.selector = 0;
            segment.base = 0;
        }
        state.eip = kEntryAddress;
        state.gpr[x86emu::ESP] = kImageAddress;
    } else {
        const bool paging = mode == bench::RunMode::V86Paging;
        bench::write_v86_environment(bus.ram(), paging);
        state = bench::v86_entry_state(state, paging, kEntryAddress, kImageAddress);
    }
    cpu.set_state(state);
}

// Runs until `done()` holds or the CPU cannot continue; throws when the guest misbehaves.
// Large slices keep the per-call overhead out of the measurement.
template <typename Done>
void run_until(x86emu::Cpu& cpu, std::uint64_t max_total_cycles, const char* waiting_for, Done done) {
    constexpr std::uint64_t kSliceCycles = 1ull << 32;
    while (!done()) {
        if (cpu.cycles() >= max_total_cycles)
            throw std::runtime_error(std::string("guest ran ") + std::to_string(cpu.cycles()) + " cycles without " + waiting_for + " (raise --max-cycles?)");
        const x86emu::RunResult result = cpu.run(kSliceCycles);
        if (done()) return;
        if (any(result.reasons, x86emu::StopReason::Shutdown))
            throw std::runtime_error(std::string("CPU shut down (triple fault) before ") + waiting_for);
        if (any(result.reasons, x86emu::StopReason::Halted))
            throw std::runtime_error(std::string("guest halted before ") + waiting_for);
    }
}

int run(int argc, char** argv) {
    namespace po = boost::program_options;
    std::string workload_path;
    std::string model_name;
    std::string mode_text;
    std::uint64_t max_cycles = 0;
    po::options_description options("Usage: x86emu-bench [options]\nOptions");
    options.add_options()
        ("help,h", "show this help")
        ("workload", po::value(&workload_path)->default_value(X86EMU_BENCH_WORKLOAD), "benchmark image (boot sector + payload) built from bench/workload.asm")
        ("cpu", po::value(&model_name)->default_value("386"), "CPU model: 8086, 286, 386, 486, p5 or p6")
        ("mode", po::value(&mode_text)->default_value("real"), "run the guest in real mode, virtual-8086 mode (v86) or virtual-8086 mode with paging (v86-paging); the V86 modes need the 386, 486, p5 or p6 model")
        ("max-cycles", po::value(&max_cycles)->default_value(1'000'000'000'000ull), "abort if the guest has not finished after this many cycles");
    po::variables_map args;
    po::store(po::command_line_parser(argc, argv).options(options).run(), args);
    if (args.count("help")) {
        std::cout << options << '\n';
        return 0;
    }
    po::notify(args);

    const auto model = x86emu::parse_cpu_model(model_name);
    if (!model) throw std::runtime_error("unknown CPU model '" + model_name + "' (expected 8086, 286, 386, 486, p5 or p6)");
    const bench::RunMode mode = parse_mode(mode_text);
    if (mode != bench::RunMode::Real && (*model == x86emu::CpuModel::i8086 || *model == x86emu::CpuModel::i80286))
        throw std::runtime_error(std::string("--mode ") + mode_name(mode) + " needs the 386, 486, p5 or p6 model: only they have virtual-8086 mode and paging");

    BenchBus bus;
    bus.load(kImageAddress, read_binary(workload_path));
    x86emu::Cpu cpu(*model, bus);
    bus.attach(cpu);
    cpu.reset();
    enter_workload(cpu, bus, mode);

    // A failure report carries the CPU state: in the V86 modes a guest fault ends in an exception
    // stub, and the stub's vector and stack frame say which guest instruction faulted.
    std::uint64_t start_instructions = 0, start_cycles = 0, instructions = 0, cycles = 0;
    std::chrono::steady_clock::time_point start_time, end_time;
    try {
        run_until(cpu, max_cycles, "writing the start marker", [&] { return bus.start_seen(); });
        start_instructions = cpu.instructions();
        start_cycles = cpu.cycles();
        start_time = std::chrono::steady_clock::now();

        run_until(cpu, max_cycles, "writing the end marker", [&] { return bus.end_seen(); });
        end_time = std::chrono::steady_clock::now();
        instructions = cpu.instructions() - start_instructions;
        cycles = cpu.cycles() - start_cycles;

        // The checksum is printed after the end marker; finish the guest to collect it.
        run_until(cpu, cpu.cycles() + 10'000'000, "halting after the end marker", [&] { return cpu.halted(); });
        // In V86 mode the guest's HLT raises #GP(0) and the CPU halts in the #GP stub; halting
        // anywhere else means some other fault ended the guest.
        if (mode != bench::RunMode::Real && !bench::halted_on_guest_hlt(cpu.state(), bus.ram()))
            throw std::runtime_error("guest did not end with its HLT");
    } catch (const std::runtime_error& error) {
        throw std::runtime_error(std::string(error.what()) + " [" + mode_name(mode) + " mode, " +
                                 bench::describe_cpu(cpu.state(), bus.ram()) + "]");
    }

    const double seconds = std::chrono::duration<double>(end_time - start_time).count();
    const double mips = seconds > 0 ? static_cast<double>(instructions) / seconds / 1e6 : 0.0;
    std::string text = bus.guest_text();
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();

    std::cout << std::fixed << "cpu model: " << x86emu::cpu_model_name(*model) << '\n'
              << "mode: " << mode_name(mode) << '\n'
              << "guest output: " << text << '\n'
              << "guest instructions: " << instructions << '\n'
              << "guest cycles: " << cycles << '\n'
              << std::setprecision(3) << "host seconds: " << seconds << '\n'
              << std::setprecision(2) << "guest MIPS: " << mips << '\n';
    // Peak resident memory of the whole process (the bench's 1 MiB of guest RAM included), so
    // speed work that trades memory for time shows it.
    rusage usage{};
    if (getrusage(RUSAGE_SELF, &usage) == 0) std::cout << "host max RSS KiB: " << usage.ru_maxrss << '\n';
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& error) {
        std::cerr << "x86emu-bench: error: " << error.what() << '\n';
        return 2;
    }
}
