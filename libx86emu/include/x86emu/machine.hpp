// x86emu — the public Machine: a CPU, its RAM, a BIOS ROM and I/O port hooks, ready to run.
// Frontends (headless, SDL) and embedders that want a PC-shaped memory map use a Machine instead
// of writing their own Bus. The memory map follows the IBM PC/AT convention: the BIOS ROM ends at
// physical 0xFFFFF and is aliased at the top of the address bus, where the 286/386 reset vector
// fetches (Intel SDM vol. 3 §9.1.4, "First instruction executed").
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "x86emu/cpu.hpp"
#include "x86emu/model.hpp"
#include "x86emu/snapshot.hpp"

namespace x86emu {

// What to build. The constructor of Machine validates it and throws std::invalid_argument with a
// message naming the offending field when a rule below is broken:
//   * memory_mib: 1..3072, and at most the model's address space (8086: 1 MiB, 286: 16 MiB).
//     3072 MiB keeps RAM clear of the BIOS alias below 4 GiB on the 386.
//   * bios_image: a non-empty multiple of 4 KiB (the host-page granule) of at most 128 KiB
//     (so that it fits the PC's ROM area 0xE0000-0xFFFFF).
struct MachineConfig {
    CpuModel model = CpuModel::i80386;
    CpuOptions cpu_options;  // e.g. a 387 for the 386 (x86emu/cpu.hpp)
    std::uint32_t memory_mib = 16;
    std::vector<std::uint8_t> bios_image;
};

inline constexpr std::uint32_t kMaxMachineMemoryMib = 3072;
inline constexpr std::size_t kBiosGranuleBytes = 4096;
inline constexpr std::size_t kMaxBiosBytes = 128 * 1024;

// Where things are, in physical addresses (after masking to the model's address bus).
//   [0, ram_bytes)                       RAM, including 640K-1M (no video memory or option ROMs
//                                        yet), except where the BIOS shadows it
//   [bios_low_base, 0x100000)            BIOS ROM, read-only, shadows RAM
//   [bios_high_base, address_mask]       the same ROM again (the reset vector's copy); on the
//                                        8086 it is the same range as the low copy
//   everything else                      open bus: reads 0xFF, writes are ignored
struct MemoryMap {
    std::uint32_t address_mask = 0;  // 0xFFFFF, 0xFFFFFF or 0xFFFFFFFF
    std::uint32_t ram_bytes = 0;
    std::uint32_t bios_bytes = 0;
    std::uint32_t bios_low_base = 0;
    std::uint32_t bios_high_base = 0;
};

// Byte-wide handlers for a range of I/O ports; both receive the port being accessed. An empty
// read function reads 0xFF (like an unclaimed port), an empty write function ignores the write.
// A word or dword IN/OUT is split into byte accesses, low byte at the lowest port first (port,
// port+1, ...), each routed to whichever handler claims that port, as an 8-bit ISA device sees
// it.
struct PortHandler {
    std::function<std::uint8_t(std::uint16_t port)> read;
    std::function<void(std::uint16_t port, std::uint8_t value)> write;
};

class Machine {
public:
    // Validates the configuration (see MachineConfig), maps RAM and the BIOS, and resets the CPU
    // so that the first run() starts at the reset vector. Throws std::bad_alloc if the host
    // cannot reserve the RAM.
    explicit Machine(MachineConfig config);
    ~Machine();
    Machine(const Machine&) = delete;
    Machine& operator=(const Machine&) = delete;

    CpuModel model() const;
    const MemoryMap& memory_map() const;

    Cpu& cpu();
    const Cpu& cpu() const;

    // The CPU's reset line: registers go to their power-on values, RAM keeps its contents.
    void reset();
    // Cpu::run on this machine's CPU.
    RunResult run(std::uint64_t cycle_budget);
    // Cpu::request_stop: safe to call from a port handler; the current instruction completes.
    void request_stop();

    // Claims ports first..last (inclusive). Throws std::invalid_argument if first > last or if
    // any port in the range is already claimed (the message names the port).
    void add_port_handler(std::uint16_t first, std::uint16_t last, PortHandler handler);

    // Physical memory as the CPU sees it (ROM wins over RAM, open bus reads 0xFF). Addresses are
    // masked to the model's address bus and wrap. Writes to ROM or open bus are ignored, as the
    // CPU's own writes would be; decoded instructions for the written bytes are invalidated.
    void read_physical(std::uint32_t paddr, std::span<std::uint8_t> out) const;
    void write_physical(std::uint32_t paddr, std::span<const std::uint8_t> data);

    // ---- snapshots (x86emu/snapshot.hpp, docs/SNAPSHOTS.md) ----
    // The whole machine: the CPU (as Cpu::save_snapshot), the configuration it must be restored
    // into (model, CPU options, RAM size, a hash of the BIOS image), every non-zero 4 KiB page
    // of RAM and the state of the machine's devices. Port handlers added by the embedder are
    // wiring, not state: their own state is the embedder's to save. Taken between instructions:
    // call it when run() has returned, not from a port handler.
    std::vector<std::uint8_t> save_snapshot() const;
    // Puts this machine into the snapshot's state: it continues exactly as the saved one would.
    // Throws SnapshotError, changing nothing, for bytes that are not a complete, valid
    // "machine" snapshot of a machine with this configuration. Not to be called from inside
    // run() (a port handler).
    void restore_snapshot(std::span<const std::uint8_t> bytes);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace x86emu
