// x86emu — one ATA/IDE channel (primary 1F0h-1F7h + 3F6h on IRQ14, secondary 170h-177h + 376h
// on IRQ15, as the Intel 82371SB PIIX3's IDE function decodes them in compatibility mode) with a
// master and a slave device: ATA hard disks on a DiskImage and ATAPI CD-ROMs on an ISO image.
// After T13 ATA/ATAPI-6 (1410D) and ATA/ATAPI-7 vol. 1-2:
//   * §7 the register set: Data (16-bit; 32-bit host accesses are split into two word transfers
//     by the PIIX, 82371SB §2.6), Error/Features, Sector Count, LBA Low/Mid/High, Device, Status/
//     Command, Alternate Status/Device Control (nIEN, SRST, HOB); the 48-bit feature set's
//     two-deep register "FIFO" (the previous content read back with HOB = 1, any command-block
//     write clears HOB);
//   * §8 the commands (the table in ata_channel.cpp), §9 the protocols: PIO data-in (one
//     interrupt per DRQ block), PIO data-out (DRQ for the first block without an interrupt, one
//     per further block and at the end), non-data, PACKET (ata_atapi.cpp), EXECUTE DEVICE
//     DIAGNOSTIC, software reset with the signatures (§9.12: Sector Count 01h, LBA Low 01h,
//     LBA Mid/High 00h/00h for ATA, 14h/EBh for a packet device);
//   * §6.2 the status/error semantics: BSY, DRDY, DSC, DRQ, ERR, and ABRT for a command the
//     device does not implement or parameters it refuses, IDNF for an address outside the medium,
//     UNC for a host read error; the interrupt pending flag cleared by reading Status or writing
//     Command, masked by nIEN; the selected device alone drives INTRQ.
// Device 1 absent while device 0 is present: reads with device 1 selected return 00h (ATA-6
// §9.16.1 gives Status 00h; the other registers read 00h as well, so a host's register
// read-back probe finds no device 1); commands to it are ignored. A channel without devices
// reads FFh everywhere (the bus floats high).
//
// Timing (emulated time, Scheduler): a command completes, or its next DRQ block becomes ready,
// a fixed latency (kCommandLatencyNs) after it was written or after the previous block's last
// word; the interrupt is raised then, never inside the OUT. A software reset takes
// kResetLatencyNs after SRST is cleared.
//
// Writes are never lost: a WRITE command's block goes to DiskImage::write (pwrite for a file)
// in the event that completes it, before the status or the interrupt show it done; FLUSH CACHE
// is DiskImage::flush (fdatasync). A host I/O error is reported to the guest (ERR with ABRT for
// a write, UNC for a read) and counted in host_io_errors(); it never ends the run.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "devices/irq_line.hpp"
#include "x86emu/disk_image.hpp"
#include "x86emu/io_ports.hpp"
#include "x86emu/scheduler.hpp"

namespace x86emu::devices {

enum class AtaDriveKind : std::uint8_t { None, HardDisk, Cdrom };

// IDENTIFY (PACKET) DEVICE helpers shared by the disk and the CD-ROM: an ATA string (two
// characters per word, the first in the high byte, space-padded, ATA-6 §6.2.4) and word 255,
// the integrity word (§8.15.61: A5h and a checksum making the 512 bytes sum to 0 mod 256).
void put_identify_string(std::array<std::uint16_t, 256>& words, unsigned first, unsigned count, std::string_view text);
void put_identify_checksum(std::array<std::uint16_t, 256>& words);

class AtaChannel {
public:
    // Status register (ATA-6 §7.15).
    static constexpr std::uint8_t kStatusBsy = 0x80, kStatusDrdy = 0x40, kStatusDf = 0x20, kStatusDsc = 0x10,
                                  kStatusDrq = 0x08, kStatusErr = 0x01;
    // Error register (ATA-6 §7.9).
    static constexpr std::uint8_t kErrorUnc = 0x40, kErrorIdnf = 0x10, kErrorAbrt = 0x04;
    // Device Control register (ATA-6 §7.8).
    static constexpr std::uint8_t kControlNien = 0x02, kControlSrst = 0x04, kControlHob = 0x80;
    // Device register: LBA mode, DEV (device 1 selected).
    static constexpr std::uint8_t kDeviceLba = 0x40, kDeviceDev = 0x10;
    // The largest READ/WRITE MULTIPLE block (IDENTIFY word 47).
    static constexpr unsigned kMaxMultiple = 16;
    static constexpr std::uint64_t kCommandLatencyNs = 5'000;   // 5 us
    static constexpr std::uint64_t kResetLatencyNs = 100'000;  // 100 us
    static constexpr std::uint32_t kCdSectorBytes = 2048;

    // What a device is doing.
    enum class Phase : std::uint8_t {
        Idle,        // no command (or it completed)
        Busy,        // BSY: a command's latency or a write block being stored
        DataIn,      // DRQ: the host reads buffer[position..]
        DataOut,     // DRQ: the host writes buffer[position..]
        Packet,      // DRQ: the host writes the 12-byte ATAPI command packet
    };
    // What the pending event does when it fires.
    enum class Pending : std::uint8_t {
        None,
        Complete,      // a non-data command (or an error) finishes: status, INTRQ
        DataInBlock,   // the next data-in block is read from the medium: DRQ, INTRQ
        DataOutFirst,  // DRQ for the first data-out block (no interrupt)
        DataOutBlock,  // the received block is written to the medium, then DRQ or completion
        ResetDone,     // the software reset ends: signature, status
        PacketReady,   // DRQ for the command packet (PACKET command)
        PacketExecute, // the received packet is executed
        PacketData,    // the next packet data-in block is ready: DRQ, INTRQ
    };

    // The 8-bit registers written by the host that the 48-bit feature set keeps two deep.
    struct TaskFile {
        std::uint8_t features = 0, sector_count = 0, lba_low = 0, lba_mid = 0, lba_high = 0;
        friend bool operator==(const TaskFile&, const TaskFile&) = default;
    };

    struct DriveState {
        TaskFile current, previous;  // previous: the 48-bit "HOB" content
        std::uint8_t device = 0;     // the Device register (bits 7 and 5 read back as written)
        std::uint8_t status = 0;
        std::uint8_t error = 0;
        bool intrq = false;          // the interrupt pending flag (ATA-6 §5.2.9)
        // INITIALIZE DEVICE PARAMETERS' CHS translation; sectors_per_track 0: none valid.
        std::uint16_t heads = 0, sectors_per_track = 0;
        std::uint8_t multiple = 0;   // SET MULTIPLE MODE's block size; 0: multiple mode disabled
        std::uint8_t transfer_mode = 0x0C;  // SET FEATURES 03h value (PIO mode 4 flow control)
        bool revert_on_reset = false;       // SET FEATURES CCh/66h
        bool standby = false;               // power mode: Standby (CHECK POWER MODE gives 00h)
        bool sleeping = false;              // SLEEP: only a reset wakes it
        Phase phase = Phase::Idle;
        Pending pending = Pending::None;
        std::optional<std::uint64_t> pending_at;  // the cycle the pending event fires
        std::uint8_t command = 0;     // the command being executed
        std::uint64_t lba = 0;        // the next sector (512 bytes; a CD block for ATAPI reads)
        std::uint32_t remaining = 0;  // sectors (ATAPI: blocks) still to transfer
        std::uint32_t block = 0;      // sectors in the current DRQ block
        bool ext = false;             // the command is a 48-bit one
        bool chs = false;             // the command addressed in CHS
        std::uint8_t final_status = 0, final_error = 0;  // Pending::Complete's result
        std::vector<std::uint8_t> buffer;
        std::uint32_t position = 0;  // the next byte of buffer the host transfers
        // ATAPI (ata_atapi.cpp): the sense data of the last command, the medium state and the
        // byte count limit of the PACKET command in progress.
        std::uint8_t sense_key = 0, asc = 0, ascq = 0;
        bool unit_attention = true;  // "medium may have changed" after power-on/reset
        bool tray_locked = false;    // PREVENT ALLOW MEDIUM REMOVAL
        bool medium_loaded = true;   // START STOP UNIT's eject/load
        std::uint16_t byte_limit = 0;
        std::vector<std::uint8_t> response;  // a packet command's data still to send
        std::uint32_t response_offset = 0;
        bool medium_transfer = false;        // the packet data comes from the medium (READ)
        friend bool operator==(const DriveState&, const DriveState&) = default;
    };

    struct State {
        std::array<DriveState, 2> drives{};
        std::uint8_t device_control = 0;  // as last written (HOB cleared by command-block writes)
        std::uint8_t selected = 0;        // DEV of the last Device register write
        bool srst = false;                // SRST is asserted
        friend bool operator==(const State&, const State&) = default;
    };

    // One device as attached: its kind and image (a Cdrom's image: 2048-byte granule, ReadOnly).
    struct DriveConfig {
        AtaDriveKind kind = AtaDriveKind::None;
        std::shared_ptr<DiskImage> image;
    };

    // `index` 0 primary, 1 secondary (for the model's serial number string). `irq` may be empty.
    AtaChannel(Scheduler& scheduler, IrqLine irq, unsigned index);
    ~AtaChannel();
    AtaChannel(const AtaChannel&) = delete;
    AtaChannel& operator=(const AtaChannel&) = delete;

    // Attaches `config` as device `device` (0 master, 1 slave). std::invalid_argument for a
    // missing image, a CD-ROM image that is writable or not whole 2048-byte blocks, device > 1.
    void set_drive(unsigned device, DriveConfig config);
    AtaDriveKind drive_kind(unsigned device) const { return drives_.at(device).kind; }
    DiskImage* drive_image(unsigned device) const { return drives_.at(device).image.get(); }

    // Claims command block base..base+7 (Data sized, the others 8-bit) and control_port.
    void attach(IoPortMap& ports, std::uint16_t base, std::uint16_t control_port);
    // The PIIX's IDE decode enable (IDETIM bit 15): while off, every register reads FFh and
    // writes are ignored.
    void set_decode_enabled(bool enabled) { decode_enabled_ = enabled; }
    bool decode_enabled() const { return decode_enabled_; }

    // Register access as the guest's IN/OUT: `offset` 0-7 of the command block, or the control
    // register; data() is the 16-bit data register (one word per call).
    std::uint8_t read_register(unsigned offset);
    void write_register(unsigned offset, std::uint8_t value);
    std::uint8_t read_alternate_status();
    void write_device_control(std::uint8_t value);
    std::uint16_t read_data();
    void write_data(std::uint16_t value);

    // Power-on / hardware reset (RESET-): every device to its power-on state, no interrupt.
    void reset();

    // The 256 IDENTIFY (PACKET) DEVICE words of device `device` as the device would return them.
    std::array<std::uint16_t, 256> identify_words(unsigned device) const;
    std::uint64_t host_io_errors() const { return host_io_errors_; }
    bool irq_level() const { return irq_level_; }

    // ---- snapshot support ----
    const State& state() const { return state_; }
    // Replaces the state (restore): call rearm_events() and rebuild() after it. The images are
    // not part of the state.
    void set_state(const State& state) { state_ = state; }
    void rearm_events();
    void rebuild() { update_irq(); }

private:
    struct Drive {
        AtaDriveKind kind = AtaDriveKind::None;
        std::shared_ptr<DiskImage> image;
        EventId event;
    };
    struct Geometry {
        std::uint32_t cylinders = 0;
        std::uint16_t heads = 0, sectors_per_track = 0;
    };

    bool present(unsigned device) const { return drives_[device].kind != AtaDriveKind::None; }
    bool any_present() const { return present(0) || present(1); }
    DriveState& selected_state() { return state_.drives[state_.selected]; }
    Geometry default_geometry(unsigned device) const;
    void update_irq();
    void clear_hob() { state_.device_control &= static_cast<std::uint8_t>(~kControlHob); }

    // Command dispatch (ata_channel.cpp) and the packet command set (ata_atapi.cpp).
    void execute(unsigned device, std::uint8_t command);
    void execute_ata(unsigned device, std::uint8_t command);
    void execute_packet_device(unsigned device, std::uint8_t command);
    void start_transfer(unsigned device, std::uint8_t command, bool write, bool ext, bool multiple);
    void start_verify(unsigned device, bool ext);
    void set_features(unsigned device);
    void diagnostic();
    void set_signature(unsigned device);
    // Ends the command after the latency with `status` (DRDY | DSC added for an ATA disk) and
    // `error` (ERR is set when error != 0), raising INTRQ.
    void complete_later(unsigned device, std::uint8_t error, std::uint64_t latency_ns = kCommandLatencyNs);
    void abort(unsigned device) { complete_later(device, kErrorAbrt); }
    void schedule(unsigned device, Pending what, std::uint64_t latency_ns);
    void fire(unsigned device, std::uint64_t cycle);
    void on_data_in_block(unsigned device);
    void on_data_out_block(unsigned device);
    void end_data_in_block(unsigned device);
    // The address the task file gives (LBA28, LBA48 or CHS through the current translation);
    // nullopt for a CHS address outside the translation.
    std::optional<std::uint64_t> task_file_address(const DriveState& d, bool ext) const;
    // Writes `lba` back into the registers (the last sector transferred, or the failing one).
    void put_address(DriveState& d, std::uint64_t lba) const;
    std::uint32_t sector_count_of(const DriveState& d, bool ext) const;
    void note_host_error() { ++host_io_errors_; }
    // A sector transfer the image refused (a host I/O error): the command ends with ERR and
    // `error` (UNC for a read, ABRT for a write) at the failing sector, and an interrupt.
    void end_with_host_error(unsigned device, std::uint8_t error);
    // IDENTIFY (PACKET) DEVICE: the 256 words as the one 512-byte data-in block, little-endian.
    void start_identify_transfer(unsigned device, const std::array<std::uint16_t, 256>& words);
    std::string serial_number(unsigned device) const;  // IDENTIFY words 10-19

    // ATAPI (ata_atapi.cpp).
    void packet_command(unsigned device);
    void packet_data_in_block(unsigned device);
    void packet_send(unsigned device, std::vector<std::uint8_t> data, std::uint32_t allocation_length);
    void packet_good(unsigned device);
    void packet_check_condition(unsigned device, std::uint8_t key, std::uint8_t asc, std::uint8_t ascq = 0);
    void packet_read(unsigned device, std::uint64_t lba, std::uint32_t blocks);
    void packet_end_data_block(unsigned device);
    std::array<std::uint16_t, 256> identify_packet_words(unsigned device) const;

    Scheduler& scheduler_;
    IrqLine irq_;
    unsigned index_;
    std::array<Drive, 2> drives_{};
    State state_;
    bool irq_level_ = false;
    bool decode_enabled_ = true;
    std::uint64_t host_io_errors_ = 0;
};

}  // namespace x86emu::devices
