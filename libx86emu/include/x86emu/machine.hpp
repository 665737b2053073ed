// x86emu — the public Machine: a CPU, its RAM, a BIOS ROM and I/O port hooks, ready to run.
// Frontends (headless, SDL) and embedders that want a PC-shaped memory map use a Machine instead
// of writing their own Bus. The memory map follows the IBM PC/AT convention: the BIOS ROM ends at
// physical 0xFFFFF and is aliased at the top of the address bus, where the 286/386 reset vector
// fetches (Intel SDM vol. 3 §9.1.4, "First instruction executed"). It is built on a
// PhysicalMemoryMap (x86emu/memory_map.hpp) and an IoPortMap (x86emu/io_ports.hpp), which
// memory() and ports() hand out so that devices can add MMIO, ROM and ports.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "x86emu/cpu.hpp"
#include "x86emu/disk_image.hpp"
#include "x86emu/display.hpp"
#include "x86emu/io_ports.hpp"
#include "x86emu/memory_map.hpp"
#include "x86emu/model.hpp"
#include "x86emu/scheduler.hpp"
#include "x86emu/snapshot.hpp"

namespace x86emu {

// Which devices surround the CPU. Bare: none (RAM, the BIOS ROM, and whatever port handlers the
// embedder adds). PC: the PC platform's devices (docs/DEVICES.md): the 8259A PIC pair as the
// CPU's interrupt controller, the 8254 PIT with port 61h, the FERR#/IRQ13 latch and port F0h,
// POST port 80h and the reset control register CF9h; it claims those ports (20h-21h, A0h-A1h,
// 4D0h-4D1h, 40h-43h, 61h, 80h, F0h, CF9h), so an embedder cannot add handlers there.
enum class Platform { Bare, PC };

// An IDE drive on the PC platform's PIIX3 IDE controller (docs/devices/ata.md): which of the four
// positions it takes, what it is and the image behind it. A HardDisk is an ATA disk with LBA48
// on a DiskImage with 512-byte sectors (writable unless the image is ReadOnly); a Cdrom is an
// ATAPI CD-ROM on an ISO image (DiskImage::open_file(path, DiskWriteMode::ReadOnly, 2048)).
// The Machine shares ownership of the image; the image contents are not part of a snapshot.
enum class IdeSlot : std::uint8_t { PrimaryMaster, PrimarySlave, SecondaryMaster, SecondarySlave };
enum class IdeDeviceKind : std::uint8_t { HardDisk, Cdrom };
struct IdeDrive {
    IdeSlot slot = IdeSlot::PrimaryMaster;
    IdeDeviceKind kind = IdeDeviceKind::HardDisk;
    std::shared_ptr<DiskImage> image;
};

// What to build. The constructor of Machine validates it and throws std::invalid_argument with a
// message naming the offending field when a rule below is broken:
//   * memory_mib: 1..3072, and at most the model's address space (8086: 1 MiB, 286: 16 MiB).
//     3072 MiB keeps RAM clear of the BIOS alias below 4 GiB on the 386.
//   * bios_image: empty on the PC platform = the built-in BIOS (x86emu/bios.hpp, docs/BIOS.md;
//     386 or later), whose Machine also writes the ACPI tables at E0000h at power-on and hard
//     reset; otherwise a non-empty multiple of 4 KiB (the host-page granule) of at most 128 KiB
//     (so that it fits the PC's ROM area 0xE0000-0xFFFFF).
//   * platform: Bare or PC.
//   * ide_drives: only with Platform::PC; each slot at most once; an image for each; a Cdrom's
//     image ReadOnly and a whole number of 2048-byte blocks.
struct MachineConfig {
    // The PC platform's RTC starts at this Unix time (seconds, UTC); unset: a fixed date
    // (2024-01-01 00:00 UTC), so that runs are reproducible.
    std::optional<std::int64_t> rtc_start_epoch;
    CpuModel model = CpuModel::i80386;
    CpuOptions cpu_options;  // e.g. a 387 for the 386 (x86emu/cpu.hpp)
    std::uint32_t memory_mib = 16;
    std::vector<std::uint8_t> bios_image;
    Platform platform = Platform::Bare;
    std::vector<IdeDrive> ide_drives;
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
// In the PhysicalMemoryMap (memory()) that is: RAM [0, bios_low_base) and, above 1 MiB,
// [0x100000, min(ram_bytes, bios_high_base)); ROM at bios_low_base; an alias of it at
// bios_high_base (when that differs). The A20 gate starts on.
struct MemoryMap {
    std::uint32_t address_mask = 0;  // 0xFFFFF, 0xFFFFFF or 0xFFFFFFFF
    std::uint32_t ram_bytes = 0;
    std::uint32_t bios_bytes = 0;
    std::uint32_t bios_low_base = 0;
    std::uint32_t bios_high_base = 0;
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

    // The event queue on this machine's emulated time (x86emu/scheduler.hpp): now() is
    // cpu().cycles(), the clock rate the CPU's. Devices schedule their callbacks here; an event
    // scheduled from inside an instruction (a port handler) earlier than where the current run
    // would stop pulls that stop in (Cpu::pull_deadline), so it fires on time.
    Scheduler& scheduler();
    const Scheduler& scheduler() const;

    // The CPU's reset line (and power-on after a power-off): registers go to their power-on
    // values, RAM keeps its contents, the
    // memory map (the A20 gate included) and the port handlers stay as they are. Emulated time
    // keeps counting and scheduled events stay (they belong to the devices).
    void reset();
    // Runs the CPU and the scheduler's events for `cycle_budget` cycles of emulated time: the
    // CPU runs up to the next event's deadline (or the budget's end, whichever is first), the
    // events due then fire, and so on. While the CPU is halted with IF = 1 (waiting for an
    // interrupt), time jumps straight to the next event (Cpu::idle_until), which costs no
    // host time however many cycles it skips; an event that raises INTR wakes the CPU. Returns
    //   * BudgetExhausted when `cycle_budget` cycles have passed (the last instruction may
    //     overshoot, as with Cpu::run), the CPU halted or not, as long as some event could
    //     still wake it: a halted CPU waiting for an event beyond the budget idles to the
    //     budget's end and is not reported as Halted;
    //   * Halted when the CPU is halted and nothing can wake it here: IF = 0 with no NMI
    //     pending (a dead halt), or IF = 1 with no event scheduled (only the embedder, or
    //     another thread through Cpu::set_intr / raise_nmi, can wake it);
    //   * any other reason from Cpu::run (StopRequested, Shutdown, NoInterruptController, ...)
    //     at once, with RepInProgress as Cpu::run reports it;
    //   * StopRequested right after a guest reset when set_stop_on_guest_reset(true).
    // RunResult::cycles includes idle time. Deterministic: the same guest, events and budgets
    // give the same cycles and state, however the run is sliced. Every call with a non-zero
    // budget makes progress (executes or delivers something, or lets time pass) unless it
    // returns Halted, Shutdown, StopRequested or NoInterruptController. Events already due
    // (scheduled at or before now) fire first, even with a zero budget.
    RunResult run(std::uint64_t cycle_budget);
    // Cpu::request_stop: safe to call from a port handler, a scheduler callback or another
    // thread; the current instruction completes.
    void request_stop();

    // ---- the PC platform (MachineConfig::platform = Platform::PC) ----
    Platform platform() const;
    // The last value written to POST port 80h; nullopt before any write, after a hard reset, and
    // on the Bare platform (which has no port 80h device).
    std::optional<std::uint8_t> post_code() const;
    // Called with every value written to port 80h, from inside the OUT (it may call
    // request_stop). Throws std::logic_error on the Bare platform, where the embedder claims
    // port 80h itself if it wants one.
    void set_post_code_handler(std::function<void(std::uint8_t code)> handler);
    // How many resets the guest asked for through the reset control register CF9h (or another
    // platform reset source) and run() carried out: a hard one resets the CPU and every platform
    // device, a soft one the CPU only; RAM keeps its contents either way.
    std::uint64_t guest_resets() const;
    // When set, run() returns with StopReason::StopRequested right after carrying out a guest
    // reset (the CPU at its reset vector, nothing executed since), so that a frontend can end
    // the run there (QEMU's -no-reboot). Off by default: the guest restarts and runs on.
    void set_stop_on_guest_reset(bool stop);
    // True once the guest powered the machine off (ACPI S5: PM1_CNT with SLP_EN and \_S5's
    // SLP_TYP, docs/devices/acpi.md); run() then returns StopReason::PoweredOff. Machine::reset()
    // powers it on again.
    bool powered_off() const;
    // What the platform's firmware would hand the operating system in memory (the PC platform's
    // ACPI tables: RSDP, RSDT, FADT, FACS, DSDT at E0000h); empty bytes on the Bare platform.
    // load_linux() takes it to place the tables (LinuxFirmwareTables).
    struct FirmwareTables {
        std::uint32_t address = 0;
        std::vector<std::uint8_t> bytes;
        std::uint32_t rsdp_address = 0;
    };
    FirmwareTables firmware_tables() const;
    // The display (x86emu/display.hpp) of the PC platform's VGA; nullptr on the Bare platform.
    Display* display();
    // The host side of the PC platform's serial port `index` (0 = COM1, 1 = COM2, 16550A):
    // `output` gets every byte the guest transmits, at the programmed line rate in emulated
    // time, on the thread running the machine; push_serial_input queues bytes for the guest's
    // receiver (safe from any thread; at most 1 MiB waits, the rest is dropped) which run()
    // feeds it between slices at the line rate, so nothing overruns the 16-byte FIFO.
    // std::out_of_range for another index, std::logic_error on the Bare platform.
    void set_serial_output(unsigned index, std::function<void(std::uint8_t)> output);
    void push_serial_input(unsigned index, std::span<const std::uint8_t> bytes);

    // Makes every IDE drive's writes durable (DiskImage::flush: fdatasync of a WriteThrough
    // file). Writes reach the image file before the guest sees them complete anyway; this is
    // for a clean exit (the destructor also flushes, silently). Throws DiskImageError if a flush
    // failed (after trying every drive). Nothing to do on the Bare platform.
    void flush_disks();

    // Claims ports first..last (inclusive) for an 8-bit ISA device (PortHandler, x86emu/io_ports.hpp):
    // a word or dword IN/OUT there is split into byte accesses, low byte at the lowest port
    // first. Throws std::invalid_argument if first > last or if any port in the range is already
    // claimed (the message names the port). Sized handlers: ports().add().
    void add_port_handler(std::uint16_t first, std::uint16_t last, PortHandler handler);

    // The machine's physical memory map and I/O ports, for devices and embedders: map MMIO or
    // ROM (unmap RAM first where they go), aliases, the A20 gate (memory().set_a20), sized or
    // 8-bit port handlers, the unmapped/unclaimed hooks. The map's listener that keeps the CPU's
    // caches right is the Machine's own; changes through these need nothing else.
    PhysicalMemoryMap& memory();
    IoPortMap& ports();

    // Physical memory as the CPU sees it (RAM, ROM, MMIO handlers, open bus reads 0xFF; the A20
    // gate applies). Addresses are masked to the model's address bus and wrap. Writes to ROM or
    // open bus are ignored, as the CPU's own writes would be; decoded instructions for the
    // written bytes are invalidated (PhysicalMemoryMap::read_physical/write_physical).
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
