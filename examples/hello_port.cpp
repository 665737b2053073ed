// examples/hello_port.cpp — the smallest useful embedding of the x86emu CPU core: a Bus with
// 1 MiB of RAM (served through the host_page fast path) and an I/O hook on port 0xE9 that
// collects the characters the guest writes. It loads a flat real-mode binary at 0000:7C00,
// runs it until the guest halts, and prints the guest's output plus cycle/instruction counts.
#include <x86emu/bus.hpp>
#include <x86emu/cpu.hpp>
#include <x86emu/model.hpp>
#include <x86emu/state.hpp>

#include <boost/program_options.hpp>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#ifndef X86EMU_HELLO_BINARY
#define X86EMU_HELLO_BINARY "hello.bin"
#endif

namespace {

constexpr std::uint32_t kRamBytes = 1u << 20;  // a real-mode PC addresses 1 MiB
constexpr std::uint32_t kPageBytes = 4096;      // the granule Bus::host_page works in
constexpr std::uint32_t kLoadAddress = 0x7C00;  // where a BIOS puts a boot sector
constexpr std::uint16_t kDebugPort = 0xE9;      // Bochs/QEMU convention for "print this byte"

// Plain RAM plus one output port. Anything above the RAM reads as open bus (0xFF).
class HelloBus final : public x86emu::Bus {
public:
    HelloBus() : ram_(kRamBytes, 0) {}

    std::uint8_t read8(std::uint32_t paddr) override {
        return paddr < ram_.size() ? ram_[paddr] : 0xFF;
    }
    void write8(std::uint32_t paddr, std::uint8_t value) override {
        if (paddr < ram_.size()) ram_[paddr] = value;
    }
    // All of our RAM is ordinary memory, so the core may access it directly: this is what makes
    // instruction fetch and data accesses fast.
    std::uint8_t* host_page(std::uint32_t page_paddr, bool /*for_write*/) override {
        if (page_paddr % kPageBytes != 0 || page_paddr >= ram_.size()) return nullptr;
        return ram_.data() + page_paddr;
    }
    void io_write(std::uint16_t port, unsigned size, std::uint32_t value) override {
        if (port == kDebugPort) {
            // A word or dword OUT to the port writes its bytes low first, as on the ISA bus.
            for (unsigned i = 0; i < size; ++i) guest_output_.push_back(static_cast<char>(value >> (8 * i)));
        }
    }

    void load(std::uint32_t address, const std::vector<std::uint8_t>& image) {
        if (image.size() > ram_.size() - address)
            throw std::runtime_error("binary of " + std::to_string(image.size()) + " bytes does not fit in RAM at 0x7C00");
        std::copy(image.begin(), image.end(), ram_.begin() + address);
    }
    const std::string& guest_output() const { return guest_output_; }

private:
    std::vector<std::uint8_t> ram_;
    std::string guest_output_;
};

std::vector<std::uint8_t> read_binary(const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) throw std::runtime_error("cannot open guest binary '" + path.string() + "'");
    std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
    if (bytes.empty()) throw std::runtime_error("guest binary '" + path.string() + "' is empty");
    return bytes;
}

// Starts the CPU at 0000:7C00 instead of the reset vector, since there is no BIOS ROM here.
void enter_at_load_address(x86emu::Cpu& cpu) {
    x86emu::CpuState state = cpu.state();
    for (auto& segment : state.seg) {
        segment.selector = 0;
        segment.base = 0;
    }
    state.eip = kLoadAddress;
    state.gpr[x86emu::ESP] = kLoadAddress;
    cpu.set_state(state);
}

int run(int argc, char** argv) {
    namespace po = boost::program_options;
    std::string binary_path;
    std::string model_name;
    std::uint64_t max_cycles = 0;
    po::options_description options("Usage: x86emu-example-hello [options]\nOptions");
    options.add_options()
        ("help,h", "show this help")
        ("binary", po::value(&binary_path)->default_value(X86EMU_HELLO_BINARY), "flat real-mode binary to load at 0000:7C00")
        ("cpu", po::value(&model_name)->default_value("386"), "CPU model: 8086, 286, 386, 486, p5 or p6")
        ("max-cycles", po::value(&max_cycles)->default_value(100'000'000), "give up if the guest has not halted after this many cycles");
    po::variables_map args;
    po::store(po::command_line_parser(argc, argv).options(options).run(), args);
    if (args.count("help")) {
        std::cout << options << '\n';
        return 0;
    }
    po::notify(args);

    const auto model = x86emu::parse_cpu_model(model_name);
    if (!model) throw std::runtime_error("unknown CPU model '" + model_name + "' (expected 8086, 286, 386, 486, p5 or p6)");

    HelloBus bus;
    bus.load(kLoadAddress, read_binary(binary_path));
    x86emu::Cpu cpu(*model, bus);
    cpu.reset();
    enter_at_load_address(cpu);

    // Run in slices so that a guest that never halts cannot hang us.
    constexpr std::uint64_t kSliceCycles = 1'000'000;
    x86emu::RunResult result;
    while (cpu.cycles() < max_cycles) {
        result = cpu.run(kSliceCycles);
        if (any(result.reasons, x86emu::StopReason::Halted | x86emu::StopReason::Shutdown)) break;
    }

    std::cout << "guest wrote: " << bus.guest_output();
    if (!bus.guest_output().empty() && bus.guest_output().back() != '\n') std::cout << '\n';
    std::cout << "cpu: " << x86emu::cpu_model_name(*model) << "\n"
              << "cycles: " << cpu.cycles() << "\n"
              << "instructions: " << cpu.instructions() << "\n";

    // The CTest check matches "status: halted", so a failure must never print it.
    if (any(result.reasons, x86emu::StopReason::Shutdown)) {
        std::cout << "status: shutdown\n";
        std::cerr << "error: the CPU shut down (triple fault) before the guest halted\n";
        return 1;
    }
    if (!cpu.halted()) {
        std::cout << "status: running\n";
        std::cerr << "error: the guest did not halt within " << max_cycles << " cycles\n";
        return 1;
    }
    std::cout << "status: halted\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& error) {
        std::cerr << "x86emu-example-hello: error: " << error.what() << '\n';
        return 2;
    }
}
