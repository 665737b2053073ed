// x86emu frontends — building the machine the command line describes (machine_setup.hpp).
#include "machine_setup.hpp"

#include <x86emu/disk_image.hpp>

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace x86emu::frontend {

namespace {

// The largest inputs read: the BIOS by the ROM area's size, a kernel and an initrd by what a
// 32-bit guest could use (a stock bzImage is under 10 MiB, a busybox initramfs about 1 MiB).
constexpr std::uint64_t kMaxKernelBytes = 256ull << 20, kMaxInitrdBytes = 1024ull << 20;

std::vector<std::uint8_t> load_bios_image(const std::string& path) {
    return read_input_file("--bios", path, "a BIOS image", kMaxBiosBytes, "131072 bytes (128 KiB)");
}

// --hda, --hdb (primary master, slave), --cdrom (secondary master); a file that is missing,
// unreadable, unwritable (without --snapshot), locked or not whole sectors: a UsageError (exit 2).
void open_disks(const DiskOptions& disks, MachineConfig& config) {
    const DiskWriteMode hard_disk_mode = disks.snapshot ? DiskWriteMode::Overlay : DiskWriteMode::WriteThrough;
    const auto add = [&](const std::string& path, const char* option, IdeSlot slot, IdeDeviceKind kind) {
        if (path.empty()) return;
        try {
            auto image = kind == IdeDeviceKind::Cdrom ? DiskImage::open_file(path, DiskWriteMode::ReadOnly, 2048)
                                                      : DiskImage::open_file(path, hard_disk_mode);
            config.ide_drives.push_back({slot, kind, std::move(image)});
        } catch (const DiskImageError& error) {
            throw UsageError(std::string(option) + ": " + error.what());
        }
    };
    add(disks.hda, "--hda", IdeSlot::PrimaryMaster, IdeDeviceKind::HardDisk);
    add(disks.hdb, "--hdb", IdeSlot::PrimarySlave, IdeDeviceKind::HardDisk);
    add(disks.cdrom, "--cdrom", IdeSlot::SecondaryMaster, IdeDeviceKind::Cdrom);
}

}  // namespace

std::vector<std::uint8_t> read_input_file(const std::string& option, const std::string& path, const char* kind,
                                          std::uint64_t max_bytes, const char* max_text) {
    namespace fs = std::filesystem;
    std::error_code error;
    const fs::file_status status = fs::status(path, error);
    if (!fs::exists(status)) throw UsageError(option + ": '" + path + "' does not exist");
    if (fs::is_directory(status)) throw UsageError(option + ": '" + path + "' is a directory, not " + kind);
    if (fs::is_regular_file(status)) {
        // Refuse an oversized file before reading it all into memory.
        const std::uintmax_t bytes = fs::file_size(path, error);
        if (!error && bytes > max_bytes)
            throw UsageError(option + ": '" + path + "' is " + std::to_string(bytes) + " bytes; " + kind +
                             " is at most " + max_text);
    }
    std::ifstream file(path, std::ios::binary);
    if (!file) throw UsageError(option + ": cannot open '" + path + "' for reading");
    std::vector<std::uint8_t> image;
    char chunk[65536];
    while (file.read(chunk, sizeof chunk) || file.gcount() > 0) {
        image.insert(image.end(), chunk, chunk + file.gcount());
        if (image.size() > max_bytes)  // a device or pipe that never ends
            throw UsageError(option + ": '" + path + "' is larger than " + max_text);
    }
    if (file.bad()) throw UsageError(option + ": error reading '" + path + "'");
    if (image.empty()) throw UsageError(option + ": '" + path + "' is empty");
    return image;
}

BuiltMachine build_machine(const Options& options) {
    MachineConfig config;
    config.model = options.model;
    config.cpu_options.fpu = options.fpu;
    config.cpu_options.clock_khz = options.clock_khz;
    config.memory_mib = options.memory_mib;
    // The PC platform's devices for --pc, a kernel, a serial port to connect or a disk (the
    // UARTs and the IDE channels are PC devices); a plain --bios run keeps the bare machine it
    // always had.
    const bool wants_serial =
        options.serial.kind != SerialSpec::Kind::None || options.serial2.kind != SerialSpec::Kind::None;
    config.platform = (options.pc || !options.kernel_path.empty() || wants_serial || options.disks.any())
                          ? Platform::PC
                          : Platform::Bare;
    open_disks(options.disks, config);
    config.rtc_start_epoch = rtc_start_epoch(options);
    // A kernel run without --bios gets a HLT stub: the CPU starts at the kernel, not the ROM.
    // A --pc run without --bios gets the built-in BIOS (an empty image on the PC platform).
    if (!options.bios_path.empty())
        config.bios_image = load_bios_image(options.bios_path);
    else if (!options.kernel_path.empty())
        config.bios_image = linux_direct_boot_rom();
    std::vector<std::uint8_t> kernel, initrd;
    if (!options.kernel_path.empty()) {
        kernel = read_input_file("--kernel", options.kernel_path, "a kernel image", kMaxKernelBytes, "256 MiB");
        if (!options.initrd_path.empty())
            initrd = read_input_file("--initrd", options.initrd_path, "an initrd", kMaxInitrdBytes, "1 GiB");
    }
    BuiltMachine built;
    try {
        built.machine = std::make_unique<Machine>(std::move(config));
    } catch (const std::invalid_argument& error) {
        throw UsageError(error.what());
    }
    if (!options.kernel_path.empty()) {
        try {
            built.linux_boot =
                load_linux(*built.machine, kernel, initrd, options.append, built.machine->firmware_tables());
        } catch (const std::invalid_argument& error) {
            throw UsageError("--kernel '" + options.kernel_path + "': " + error.what());
        }
    }
    return built;
}

SerialConsoles open_serial_consoles(const Options& options) {
    SerialConsoles consoles;
    const SerialSpec* specs[] = {&options.serial, &options.serial2};
    for (unsigned com = 0; com < 2; ++com)
        if (specs[com]->kind != SerialSpec::Kind::None) consoles[com] = std::make_unique<SerialConsole>(*specs[com]);
    return consoles;
}

void connect_serial_consoles(Machine& machine, SerialConsoles& consoles) {
    if (machine.platform() != Platform::PC) return;
    for (unsigned com = 0; com < 2; ++com) {
        if (!consoles[com]) continue;
        consoles[com]->connect(SerialHostInterface{
            [&machine, com](std::function<void(std::uint8_t)> output) { machine.set_serial_output(com, std::move(output)); },
            [&machine, com](std::span<const std::uint8_t> bytes) { machine.push_serial_input(com, bytes); }});
    }
}

}  // namespace x86emu::frontend
