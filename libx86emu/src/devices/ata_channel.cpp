// x86emu — the ATA channel's registers, reset, IDENTIFY DEVICE and the ATA hard disk command set
// (ata_channel.hpp). Sections refer to T13 ATA/ATAPI-6 (1410D rev. 3b) unless noted.
#include "devices/ata_channel.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>

namespace x86emu::devices {

namespace {

// What the drives say they are (IDENTIFY words 10-19, 23-26, 27-46).
struct AtaModelStrings {
    std::string_view model;
    std::string_view firmware;
};
constexpr AtaModelStrings kHardDiskModel{"X86EMU HARDDISK", "1.0"};
constexpr AtaModelStrings kCdromModel{"X86EMU CD-ROM", "1.0"};

// The ATA command codes implemented for hard disks (§8; the obsolete RECALIBRATE 1xh and SEEK
// 7xh ranges as BIOSes still issue them).
enum : std::uint8_t {
    kNop = 0x00,
    kDeviceReset = 0x08,
    kReadSectors = 0x20,
    kReadSectorsNoRetry = 0x21,
    kReadSectorsExt = 0x24,
    kReadMultipleExt = 0x29,
    kWriteSectors = 0x30,
    kWriteSectorsNoRetry = 0x31,
    kWriteSectorsExt = 0x34,
    kWriteMultipleExt = 0x39,
    kReadVerify = 0x40,
    kReadVerifyNoRetry = 0x41,
    kReadVerifyExt = 0x42,
    kExecuteDiagnostic = 0x90,
    kInitializeParameters = 0x91,
    kPacket = 0xA0,
    kIdentifyPacket = 0xA1,
    kReadMultiple = 0xC4,
    kWriteMultiple = 0xC5,
    kSetMultiple = 0xC6,
    kStandbyImmediate = 0xE0,
    kIdleImmediate = 0xE1,
    kStandby = 0xE2,
    kIdle = 0xE3,
    kCheckPowerMode = 0xE5,
    kSleep = 0xE6,
    kFlushCache = 0xE7,
    kFlushCacheExt = 0xEA,
    kIdentify = 0xEC,
    kSetFeatures = 0xEF,
};

bool is_power_of_two(unsigned v) { return v != 0 && (v & (v - 1)) == 0; }

}  // namespace

std::string AtaChannel::serial_number(unsigned device) const {
    char text[24];
    std::snprintf(text, sizeof text, "X86EMU-%u%u", index_, device);
    return text;
}

void put_identify_string(std::array<std::uint16_t, 256>& words, unsigned first, unsigned count, std::string_view text) {
    for (unsigned i = 0; i < count; ++i) {
        const char hi = 2 * i < text.size() ? text[2 * i] : ' ';
        const char lo = 2 * i + 1 < text.size() ? text[2 * i + 1] : ' ';
        words[first + i] = static_cast<std::uint16_t>(static_cast<std::uint8_t>(hi) << 8 | static_cast<std::uint8_t>(lo));
    }
}

void put_identify_checksum(std::array<std::uint16_t, 256>& words) {
    unsigned sum = 0;
    for (unsigned i = 0; i < 255; ++i) sum += (words[i] & 0xFF) + (words[i] >> 8);
    sum += 0xA5;
    words[255] = static_cast<std::uint16_t>(((256 - (sum & 0xFF)) & 0xFF) << 8 | 0xA5);
}

AtaChannel::AtaChannel(Scheduler& scheduler, IrqLine irq, unsigned index)
    : scheduler_(scheduler), irq_(std::move(irq)), index_(index) {
    reset();
}

AtaChannel::~AtaChannel() {
    for (auto& drive : drives_) scheduler_.cancel(drive.event);
}

void AtaChannel::set_drive(unsigned device, DriveConfig config) {
    if (device > 1) throw std::invalid_argument("ATA: device " + std::to_string(device) + " (0 master, 1 slave)");
    if (config.kind != AtaDriveKind::None && !config.image)
        throw std::invalid_argument("ATA: a drive needs an image");
    if (config.kind == AtaDriveKind::Cdrom) {
        if (config.image->writable())
            throw std::invalid_argument("ATA: the CD-ROM image '" + config.image->name() + "' must be read-only");
        if (config.image->size_bytes() % kCdSectorBytes != 0)
            throw std::invalid_argument("ATA: the CD-ROM image '" + config.image->name() +
                                        "' is not a whole number of 2048-byte blocks");
    }
    scheduler_.cancel(drives_[device].event);
    drives_[device].kind = config.kind;
    drives_[device].image = config.kind == AtaDriveKind::None ? nullptr : std::move(config.image);
    reset();
}

void AtaChannel::attach(IoPortMap& ports, std::uint16_t base, std::uint16_t control_port) {
    // The data register decodes 16 and 32 bits (the PIIX makes a dword access two word
    // transfers, 82371SB §2.6.1); a byte access moves one word of which the host keeps the low
    // byte, as an 8-bit read strobe on a 16-bit device would.
    ports.add(base, base,
              IoPortHandler{[this](std::uint16_t, unsigned size) -> std::uint32_t {
                                const std::uint32_t low = read_data();
                                return size == 4 ? low | std::uint32_t{read_data()} << 16 : low;
                            },
                            [this](std::uint16_t, unsigned size, std::uint32_t value) {
                                write_data(static_cast<std::uint16_t>(value));
                                if (size == 4) write_data(static_cast<std::uint16_t>(value >> 16));
                            }});
    ports.add_isa8(static_cast<std::uint16_t>(base + 1), static_cast<std::uint16_t>(base + 7),
                   PortHandler{[this, base](std::uint16_t port) { return read_register(port - base); },
                               [this, base](std::uint16_t port, std::uint8_t value) { write_register(port - base, value); }});
    ports.add_isa8(control_port, control_port,
                   PortHandler{[this](std::uint16_t) { return read_alternate_status(); },
                               [this](std::uint16_t, std::uint8_t value) { write_device_control(value); }});
}

// ---- registers -----------------------------------------------------------------------------------

std::uint8_t AtaChannel::read_register(unsigned offset) {
    if (!decode_enabled_ || !any_present()) return 0xFF;
    if (!present(state_.selected)) return 0x00;
    DriveState& d = selected_state();
    const bool hob = (state_.device_control & kControlHob) != 0;
    const TaskFile& t = hob ? d.previous : d.current;
    switch (offset & 7) {
    case 0: return static_cast<std::uint8_t>(read_data());
    case 1: return d.error;
    case 2: return t.sector_count;
    case 3: return t.lba_low;
    case 4: return t.lba_mid;
    case 5: return t.lba_high;
    case 6: return d.device;
    default:
        // Reading Status clears the interrupt pending flag (§5.2.9).
        if (d.intrq) {
            d.intrq = false;
            update_irq();
        }
        return d.status;
    }
}

void AtaChannel::write_register(unsigned offset, std::uint8_t value) {
    if (!decode_enabled_) return;
    offset &= 7;
    if (offset == 0) {
        write_data(static_cast<std::uint16_t>(value));
        return;
    }
    clear_hob();  // any command-block write clears HOB (§7.8)
    if (offset == 7) {
        if (value == kExecuteDiagnostic) diagnostic();  // addressed to both devices (§8.11)
        else execute(state_.selected, value);
        return;
    }
    // Both devices take every command-block write (§5.2.2); the 48-bit registers push their
    // previous content one deep (§6.16.1).
    for (DriveState& d : state_.drives) {
        std::uint8_t* reg = nullptr;
        switch (offset) {
        case 1: reg = &d.current.features; d.previous.features = *reg; break;
        case 2: reg = &d.current.sector_count; d.previous.sector_count = *reg; break;
        case 3: reg = &d.current.lba_low; d.previous.lba_low = *reg; break;
        case 4: reg = &d.current.lba_mid; d.previous.lba_mid = *reg; break;
        case 5: reg = &d.current.lba_high; d.previous.lba_high = *reg; break;
        default: d.device = value; break;
        }
        if (reg) *reg = value;
    }
    if (offset == 6) {
        state_.selected = (value & kDeviceDev) ? 1 : 0;
        update_irq();  // only the selected device drives INTRQ
    }
}

std::uint8_t AtaChannel::read_alternate_status() {
    if (!decode_enabled_ || !any_present()) return 0xFF;
    if (!present(state_.selected)) return 0x00;
    return selected_state().status;
}

void AtaChannel::write_device_control(std::uint8_t value) {
    if (!decode_enabled_) return;
    const bool srst = (value & kControlSrst) != 0;
    state_.device_control = value;
    if (srst && !state_.srst) {
        // SRST asserted: every device stops what it does and is busy until SRST is cleared (§9.2).
        for (unsigned dev = 0; dev < 2; ++dev) {
            if (!present(dev)) continue;
            DriveState& d = state_.drives[dev];
            scheduler_.cancel(drives_[dev].event);
            d.pending = Pending::None;
            d.pending_at.reset();
            d.phase = Phase::Busy;
            d.status = kStatusBsy;
            d.intrq = false;
        }
    } else if (!srst && state_.srst) {
        for (unsigned dev = 0; dev < 2; ++dev) {
            if (!present(dev)) continue;
            state_.drives[dev].command = 0;
            schedule(dev, Pending::ResetDone, kResetLatencyNs);
        }
    }
    state_.srst = srst;
    update_irq();
}

std::uint16_t AtaChannel::read_data() {
    if (!decode_enabled_ || !present(state_.selected)) return 0xFFFF;
    const unsigned dev = state_.selected;
    DriveState& d = state_.drives[dev];
    if (d.phase != Phase::DataIn || d.position >= d.buffer.size()) return 0xFFFF;
    const std::uint16_t word =
        static_cast<std::uint16_t>(d.buffer[d.position] | (d.position + 1 < d.buffer.size() ? d.buffer[d.position + 1] << 8 : 0));
    d.position += 2;
    if (d.position >= d.buffer.size()) {
        if (drives_[dev].kind == AtaDriveKind::Cdrom) packet_end_data_block(dev);
        else end_data_in_block(dev);
    }
    return word;
}

void AtaChannel::write_data(std::uint16_t value) {
    if (!decode_enabled_ || !present(state_.selected)) return;
    const unsigned dev = state_.selected;
    DriveState& d = state_.drives[dev];
    if ((d.phase != Phase::DataOut && d.phase != Phase::Packet) || d.position >= d.buffer.size()) return;
    d.buffer[d.position] = static_cast<std::uint8_t>(value);
    if (d.position + 1 < d.buffer.size()) d.buffer[d.position + 1] = static_cast<std::uint8_t>(value >> 8);
    d.position += 2;
    if (d.position < d.buffer.size()) return;
    d.status = kStatusBsy;
    if (d.phase == Phase::Packet) {
        d.phase = Phase::Busy;
        schedule(dev, Pending::PacketExecute, kCommandLatencyNs);
    } else {
        d.phase = Phase::Busy;
        schedule(dev, Pending::DataOutBlock, kCommandLatencyNs);
    }
}

void AtaChannel::update_irq() {
    const DriveState& d = state_.drives[state_.selected];
    const bool level = decode_enabled_ && present(state_.selected) && d.intrq && !(state_.device_control & kControlNien);
    if (level == irq_level_) return;
    irq_level_ = level;
    if (irq_) irq_(level);
}

// ---- reset, signatures, diagnostics ----------------------------------------------------------------

AtaChannel::Geometry AtaChannel::default_geometry(unsigned device) const {
    Geometry g;
    if (drives_[device].kind != AtaDriveKind::HardDisk) return g;
    const std::uint64_t total = drives_[device].image->sector_count();
    // The usual default translation: 16 heads and 63 sectors per track, at most 16383 cylinders
    // (§6.2.1: the default CHS capacity is at most 16,514,064 sectors); smaller for tiny images.
    if (total >= 16 * 63) {
        g.heads = 16;
        g.sectors_per_track = 63;
    } else if (total >= 63) {
        g.heads = static_cast<std::uint16_t>(total / 63);
        g.sectors_per_track = 63;
    } else {
        g.heads = 1;
        g.sectors_per_track = static_cast<std::uint16_t>(total);
    }
    g.cylinders = static_cast<std::uint32_t>(std::min<std::uint64_t>(total / (g.heads * g.sectors_per_track), 16383));
    return g;
}

void AtaChannel::set_signature(unsigned device) {
    DriveState& d = state_.drives[device];
    const bool packet = drives_[device].kind == AtaDriveKind::Cdrom;
    d.current = TaskFile{0, 1, 1, static_cast<std::uint8_t>(packet ? 0x14 : 0x00), static_cast<std::uint8_t>(packet ? 0xEB : 0x00)};
    d.previous = d.current;
    d.device = 0;
}

void AtaChannel::reset() {
    for (unsigned dev = 0; dev < 2; ++dev) {
        scheduler_.cancel(drives_[dev].event);
        DriveState& d = state_.drives[dev];
        d = DriveState{};
        const Geometry g = default_geometry(dev);
        d.heads = g.heads;
        d.sectors_per_track = g.sectors_per_track;
        if (!present(dev)) continue;
        set_signature(dev);
        d.error = 0x01;  // diagnostic code: passed
        d.status = drives_[dev].kind == AtaDriveKind::HardDisk ? (kStatusDrdy | kStatusDsc) : 0;
    }
    state_.device_control = 0;
    state_.selected = 0;
    state_.srst = false;
    update_irq();
}

void AtaChannel::diagnostic() {
    if (!any_present()) return;
    for (unsigned dev = 0; dev < 2; ++dev) {
        if (!present(dev)) continue;
        DriveState& d = state_.drives[dev];
        if (d.sleeping) continue;
        d.intrq = false;
        d.status = kStatusBsy;
        d.phase = Phase::Busy;
        d.command = kExecuteDiagnostic;
        schedule(dev, Pending::ResetDone, kCommandLatencyNs);
    }
    update_irq();
}

// ---- scheduling ----------------------------------------------------------------------------------

void AtaChannel::schedule(unsigned device, Pending what, std::uint64_t latency_ns) {
    DriveState& d = state_.drives[device];
    scheduler_.cancel(drives_[device].event);
    d.pending = what;
    d.pending_at = scheduler_.now() + scheduler_.cycles_from_ns(latency_ns);
    drives_[device].event = scheduler_.schedule_at(*d.pending_at, [this, device](std::uint64_t cycle) { fire(device, cycle); });
}

void AtaChannel::rearm_events() {
    for (unsigned dev = 0; dev < 2; ++dev) {
        scheduler_.cancel(drives_[dev].event);
        const DriveState& d = state_.drives[dev];
        if (d.pending != Pending::None && d.pending_at)
            drives_[dev].event = scheduler_.schedule_at(*d.pending_at, [this, dev](std::uint64_t cycle) { fire(dev, cycle); });
    }
}

void AtaChannel::complete_later(unsigned device, std::uint8_t error, std::uint64_t latency_ns) {
    DriveState& d = state_.drives[device];
    d.final_error = error;
    d.final_status = static_cast<std::uint8_t>(
        (drives_[device].kind == AtaDriveKind::HardDisk ? kStatusDrdy | kStatusDsc : kStatusDrdy) | (error ? kStatusErr : 0));
    schedule(device, Pending::Complete, latency_ns);
}

void AtaChannel::fire(unsigned device, std::uint64_t) {
    DriveState& d = state_.drives[device];
    const Pending what = d.pending;
    d.pending = Pending::None;
    d.pending_at.reset();
    switch (what) {
    case Pending::None: return;
    case Pending::Complete:
        d.status = d.final_status;
        d.error = d.final_error;
        d.phase = Phase::Idle;
        d.intrq = true;
        // A packet command's end: interrupt reason I/O = 1, C/D = 1 (ATA-6 §9.10).
        if (d.command == kPacket) d.current.sector_count = static_cast<std::uint8_t>((d.current.sector_count & 0xF8) | 0x03);
        break;
    case Pending::DataInBlock: on_data_in_block(device); break;
    case Pending::DataOutFirst:
        d.block = std::min<std::uint32_t>(d.remaining, d.block);
        d.buffer.assign(std::size_t{d.block} * DiskImage::kSectorBytes, 0);
        d.position = 0;
        d.phase = Phase::DataOut;
        d.status = kStatusDrdy | kStatusDsc | kStatusDrq;  // no interrupt for the first block (§9.8)
        break;
    case Pending::DataOutBlock: on_data_out_block(device); break;
    case Pending::ResetDone: {
        const bool from_diagnostic = d.command == kExecuteDiagnostic;
        set_signature(device);
        state_.selected = 0;
        d.error = 0x01;  // §8.11 Table 26: device 0 passed, device 1 passed or not present
        d.status = drives_[device].kind == AtaDriveKind::HardDisk ? (kStatusDrdy | kStatusDsc) : 0;
        d.phase = Phase::Idle;
        d.sleeping = false;
        d.command = 0;
        if (d.revert_on_reset) {
            const Geometry g = default_geometry(device);
            d.multiple = 0;
            d.transfer_mode = 0x0C;
            d.heads = g.heads;
            d.sectors_per_track = g.sectors_per_track;
        }
        // EXECUTE DEVICE DIAGNOSTIC ends with an interrupt from device 0 (or device 1 alone).
        if (from_diagnostic && (device == 0 || !present(0))) d.intrq = true;
        break;
    }
    case Pending::PacketReady:
        d.buffer.assign(12, 0);
        d.position = 0;
        d.phase = Phase::Packet;
        d.current.sector_count = (d.current.sector_count & 0xF8) | 0x01;  // CoD = 1, I/O = 0
        d.status = kStatusDrdy | kStatusDrq;
        break;
    case Pending::PacketExecute: packet_command(device); break;
    case Pending::PacketData: packet_data_in_block(device); break;
    }
    update_irq();
}

// ---- commands ------------------------------------------------------------------------------------

void AtaChannel::execute(unsigned device, std::uint8_t command) {
    if (!present(device)) return;  // nobody there to take it
    DriveState& d = state_.drives[device];
    const bool packet = drives_[device].kind == AtaDriveKind::Cdrom;
    // A busy device takes no command, except DEVICE RESET for a packet device (§8.10); a
    // sleeping one only a reset (§8.40).
    if (packet && command == kDeviceReset) {
        scheduler_.cancel(drives_[device].event);
        d.pending = Pending::None;
        d.pending_at.reset();
        d.intrq = false;
        d.status = kStatusBsy;
        d.phase = Phase::Busy;
        d.command = 0;
        schedule(device, Pending::ResetDone, kCommandLatencyNs);
        update_irq();
        return;
    }
    if ((d.status & kStatusBsy) || d.sleeping) return;
    // A command written during a data transfer ends that transfer.
    scheduler_.cancel(drives_[device].event);
    d.pending = Pending::None;
    d.pending_at.reset();
    d.intrq = false;
    d.command = command;
    d.error = 0;
    d.status = kStatusBsy;
    d.phase = Phase::Busy;
    d.buffer.clear();
    d.position = 0;
    if (packet) execute_packet_device(device, command);
    else execute_ata(device, command);
    update_irq();
}

std::optional<std::uint64_t> AtaChannel::task_file_address(const DriveState& d, bool ext) const {
    if (ext)
        return std::uint64_t{d.current.lba_low} | std::uint64_t{d.current.lba_mid} << 8 |
               std::uint64_t{d.current.lba_high} << 16 | std::uint64_t{d.previous.lba_low} << 24 |
               std::uint64_t{d.previous.lba_mid} << 32 | std::uint64_t{d.previous.lba_high} << 40;
    if (d.device & kDeviceLba)
        return std::uint64_t{d.device & 0x0Fu} << 24 | std::uint64_t{d.current.lba_high} << 16 |
               std::uint64_t{d.current.lba_mid} << 8 | d.current.lba_low;
    // CHS through the current translation (§6.2.1): sector numbers start at 1.
    const unsigned cylinder = d.current.lba_high << 8 | d.current.lba_mid;
    const unsigned head = d.device & 0x0Fu;
    const unsigned sector = d.current.lba_low;
    if (d.sectors_per_track == 0 || sector == 0 || sector > d.sectors_per_track || head >= d.heads) return std::nullopt;
    return (std::uint64_t{cylinder} * d.heads + head) * d.sectors_per_track + (sector - 1);
}

void AtaChannel::put_address(DriveState& d, std::uint64_t lba) const {
    if (d.chs && d.sectors_per_track != 0 && d.heads != 0) {
        const std::uint64_t per_cylinder = std::uint64_t{d.heads} * d.sectors_per_track;
        const std::uint64_t cylinder = lba / per_cylinder;
        d.current.lba_low = static_cast<std::uint8_t>(lba % d.sectors_per_track + 1);
        d.current.lba_mid = static_cast<std::uint8_t>(cylinder);
        d.current.lba_high = static_cast<std::uint8_t>(cylinder >> 8);
        d.device = static_cast<std::uint8_t>((d.device & 0xF0) | ((lba / d.sectors_per_track) % d.heads));
    } else if (d.ext) {
        d.current.lba_low = static_cast<std::uint8_t>(lba);
        d.current.lba_mid = static_cast<std::uint8_t>(lba >> 8);
        d.current.lba_high = static_cast<std::uint8_t>(lba >> 16);
        d.previous.lba_low = static_cast<std::uint8_t>(lba >> 24);
        d.previous.lba_mid = static_cast<std::uint8_t>(lba >> 32);
        d.previous.lba_high = static_cast<std::uint8_t>(lba >> 40);
    } else {
        d.current.lba_low = static_cast<std::uint8_t>(lba);
        d.current.lba_mid = static_cast<std::uint8_t>(lba >> 8);
        d.current.lba_high = static_cast<std::uint8_t>(lba >> 16);
        d.device = static_cast<std::uint8_t>((d.device & 0xF0) | ((lba >> 24) & 0x0F));
    }
}

std::uint32_t AtaChannel::sector_count_of(const DriveState& d, bool ext) const {
    if (ext) {
        const std::uint32_t n = std::uint32_t{d.previous.sector_count} << 8 | d.current.sector_count;
        return n == 0 ? 65536 : n;
    }
    return d.current.sector_count == 0 ? 256 : d.current.sector_count;
}

void AtaChannel::execute_ata(unsigned device, std::uint8_t command) {
    DriveState& d = state_.drives[device];
    DiskImage& image = *drives_[device].image;
    switch (command) {
    case kReadSectors:
    case kReadSectorsNoRetry: start_transfer(device, command, false, false, false); return;
    case kReadSectorsExt: start_transfer(device, command, false, true, false); return;
    case kReadMultiple: start_transfer(device, command, false, false, true); return;
    case kReadMultipleExt: start_transfer(device, command, false, true, true); return;
    case kWriteSectors:
    case kWriteSectorsNoRetry: start_transfer(device, command, true, false, false); return;
    case kWriteSectorsExt: start_transfer(device, command, true, true, false); return;
    case kWriteMultiple: start_transfer(device, command, true, false, true); return;
    case kWriteMultipleExt: start_transfer(device, command, true, true, true); return;
    case kReadVerify:
    case kReadVerifyNoRetry: start_verify(device, false); return;
    case kReadVerifyExt: start_verify(device, true); return;
    case kInitializeParameters:
        // §8.16: heads from the Device register, sectors per track from Sector Count.
        if (d.current.sector_count == 0) {
            abort(device);
            return;
        }
        d.heads = static_cast<std::uint16_t>((d.device & 0x0F) + 1);
        d.sectors_per_track = d.current.sector_count;
        complete_later(device, 0);
        return;
    case kSetMultiple: {
        const unsigned count = d.current.sector_count;
        if (count != 0 && (!is_power_of_two(count) || count > kMaxMultiple)) {
            abort(device);
            return;
        }
        d.multiple = static_cast<std::uint8_t>(count);  // 0 disables multiple mode
        complete_later(device, 0);
        return;
    }
    case kIdentify:
        start_identify_transfer(device, identify_words(device));
        return;
    case kSetFeatures: set_features(device); return;
    case kFlushCache:
    case kFlushCacheExt:
        try {
            image.flush();
            complete_later(device, 0);
        } catch (const DiskImageError&) {
            note_host_error();
            abort(device);
        }
        return;
    case kStandbyImmediate:
    case kStandby:
        d.standby = true;
        complete_later(device, 0);
        return;
    case kIdleImmediate:
    case kIdle:
        d.standby = false;
        complete_later(device, 0);
        return;
    case kCheckPowerMode:
        // §8.6: Sector Count 00h Standby, FFh Active or Idle.
        d.current.sector_count = d.standby ? 0x00 : 0xFF;
        complete_later(device, 0);
        return;
    case kSleep:
        d.sleeping = true;
        complete_later(device, 0);
        return;
    default:
        break;
    }
    if ((command & 0xF0) == 0x10) {  // RECALIBRATE (obsolete since ATA-4): seek to cylinder 0
        complete_later(device, 0);
        return;
    }
    if ((command & 0xF0) == 0x70) {  // SEEK: IDNF outside the medium
        d.ext = false;
        d.chs = !(d.device & kDeviceLba);
        const auto lba = task_file_address(d, false);
        complete_later(device, lba && *lba < image.sector_count() ? 0 : kErrorIdnf);
        return;
    }
    // NOP (00h always aborts, §8.21), DEVICE RESET, PACKET and IDENTIFY PACKET DEVICE (not a
    // packet device), DMA, SMART, security, ... : not implemented, command aborted.
    abort(device);
}

void AtaChannel::start_transfer(unsigned device, std::uint8_t command, bool write, bool ext, bool multiple) {
    DriveState& d = state_.drives[device];
    DiskImage& image = *drives_[device].image;
    d.command = command;
    d.ext = ext;
    d.chs = !ext && !(d.device & kDeviceLba);
    // §8.23: READ/WRITE MULTIPLE without SET MULTIPLE MODE is aborted.
    if ((multiple && d.multiple == 0) || (write && !image.writable())) {
        abort(device);
        return;
    }
    const std::uint32_t count = sector_count_of(d, ext);
    const auto lba = task_file_address(d, ext);
    if (!lba || *lba >= image.sector_count() || count > image.sector_count() - *lba) {
        if (lba) put_address(d, std::min(*lba, image.sector_count()));
        complete_later(device, kErrorIdnf);
        return;
    }
    d.lba = *lba;
    d.remaining = count;
    d.block = multiple ? d.multiple : 1;
    schedule(device, write ? Pending::DataOutFirst : Pending::DataInBlock, kCommandLatencyNs);
}

void AtaChannel::start_verify(unsigned device, bool ext) {
    DriveState& d = state_.drives[device];
    const DiskImage& image = *drives_[device].image;
    d.ext = ext;
    d.chs = !ext && !(d.device & kDeviceLba);
    const std::uint32_t count = sector_count_of(d, ext);
    const auto lba = task_file_address(d, ext);
    if (!lba || *lba >= image.sector_count() || count > image.sector_count() - *lba) {
        if (lba) put_address(d, std::min(*lba, image.sector_count()));
        complete_later(device, kErrorIdnf);
        return;
    }
    put_address(d, *lba + count - 1);
    complete_later(device, 0);
}

void AtaChannel::set_features(unsigned device) {
    DriveState& d = state_.drives[device];
    switch (d.current.features) {
    case 0x03: {
        // §8.37.4 Table 33: 00h/01h PIO default mode, 08h-0Ch PIO flow control modes 0-4; the
        // DMA modes (20h.., 40h..) are refused: no DMA here.
        const std::uint8_t mode = d.current.sector_count;
        if (mode == 0x00 || mode == 0x01 || (mode >= 0x08 && mode <= 0x0C)) {
            d.transfer_mode = mode;
            complete_later(device, 0);
            return;
        }
        break;
    }
    case 0x66: d.revert_on_reset = false; complete_later(device, 0); return;
    case 0xCC: d.revert_on_reset = true; complete_later(device, 0); return;
    default: break;
    }
    abort(device);
}

void AtaChannel::end_with_host_error(unsigned device, std::uint8_t error) {
    DriveState& d = state_.drives[device];
    note_host_error();
    put_address(d, d.lba);
    d.status = kStatusDrdy | kStatusDsc | kStatusErr;
    d.error = error;
    d.phase = Phase::Idle;
    d.intrq = true;
}

void AtaChannel::start_identify_transfer(unsigned device, const std::array<std::uint16_t, 256>& words) {
    DriveState& d = state_.drives[device];
    d.buffer.resize(512);
    for (unsigned i = 0; i < 256; ++i) {
        d.buffer[2 * i] = static_cast<std::uint8_t>(words[i]);
        d.buffer[2 * i + 1] = static_cast<std::uint8_t>(words[i] >> 8);
    }
    d.remaining = 1;
    d.block = 1;
    schedule(device, Pending::DataInBlock, kCommandLatencyNs);
}

void AtaChannel::on_data_in_block(unsigned device) {
    DriveState& d = state_.drives[device];
    const bool identify = d.command == kIdentify || d.command == kIdentifyPacket;
    if (!identify) {
        d.block = std::min(d.remaining, std::max<std::uint32_t>(d.block, 1));
        d.buffer.resize(std::size_t{d.block} * DiskImage::kSectorBytes);
        try {
            drives_[device].image->read(d.lba, d.buffer);
        } catch (const DiskImageError&) {
            end_with_host_error(device, kErrorUnc);
            return;
        }
    }
    d.position = 0;
    d.phase = Phase::DataIn;
    d.status = static_cast<std::uint8_t>(
        (drives_[device].kind == AtaDriveKind::HardDisk ? kStatusDrdy | kStatusDsc : kStatusDrdy) | kStatusDrq);
    d.intrq = true;  // PIO data-in: an interrupt for every DRQ block (§9.7)
}

void AtaChannel::end_data_in_block(unsigned device) {
    DriveState& d = state_.drives[device];
    const bool identify = d.command == kIdentify || d.command == kIdentifyPacket;
    d.remaining -= std::min(d.remaining, d.block);
    if (!identify) {
        d.lba += d.block;
        put_address(d, d.lba - 1);
        d.current.sector_count = static_cast<std::uint8_t>(d.remaining);
    }
    if (d.remaining == 0) {
        // The last block read: the command is done, without another interrupt (§9.7).
        d.phase = Phase::Idle;
        d.status = drives_[device].kind == AtaDriveKind::HardDisk ? (kStatusDrdy | kStatusDsc) : kStatusDrdy;
        return;
    }
    d.phase = Phase::Busy;
    d.status = kStatusBsy;
    schedule(device, Pending::DataInBlock, kCommandLatencyNs);
}

void AtaChannel::on_data_out_block(unsigned device) {
    DriveState& d = state_.drives[device];
    // The block reaches the image (pwrite) before the status says it is written.
    try {
        drives_[device].image->write(d.lba, d.buffer);
    } catch (const DiskImageError&) {
        end_with_host_error(device, kErrorAbrt);
        return;
    }
    d.lba += d.block;
    d.remaining -= d.block;
    put_address(d, d.lba - 1);
    d.current.sector_count = static_cast<std::uint8_t>(d.remaining);
    d.intrq = true;  // PIO data-out: an interrupt after every block (§9.8)
    if (d.remaining == 0) {
        d.phase = Phase::Idle;
        d.status = kStatusDrdy | kStatusDsc;
        d.buffer.clear();
        return;
    }
    d.block = std::min(d.remaining, d.block);
    d.buffer.assign(std::size_t{d.block} * DiskImage::kSectorBytes, 0);
    d.position = 0;
    d.phase = Phase::DataOut;
    d.status = kStatusDrdy | kStatusDsc | kStatusDrq;
}

// ---- IDENTIFY DEVICE (§8.15, Table 19) -----------------------------------------------------------

std::array<std::uint16_t, 256> AtaChannel::identify_words(unsigned device) const {
    if (drives_.at(device).kind == AtaDriveKind::Cdrom) return identify_packet_words(device);
    std::array<std::uint16_t, 256> w{};
    if (drives_[device].kind != AtaDriveKind::HardDisk) return w;
    const DriveState& d = state_.drives[device];
    const std::uint64_t total = drives_[device].image->sector_count();
    const Geometry g = default_geometry(device);
    w[0] = 0x0040;  // ATA device, fixed (not removable)
    w[1] = static_cast<std::uint16_t>(g.cylinders);
    w[3] = g.heads;
    w[6] = g.sectors_per_track;
    put_identify_string(w, 10, 10, serial_number(device));
    put_identify_string(w, 23, 4, kHardDiskModel.firmware);
    put_identify_string(w, 27, 20, kHardDiskModel.model);
    w[47] = 0x8000 | kMaxMultiple;  // READ/WRITE MULTIPLE: at most 16 sectors per block
    w[49] = 0x0A00;                 // LBA supported, IORDY supported; no DMA
    w[50] = 0x4000;
    w[51] = 0x0200;  // PIO data transfer cycle timing mode 2 (obsolete word)
    w[53] = 0x0002;  // words 64-70 valid (bit 0 below, when a translation is current)
    if (d.sectors_per_track != 0 && d.heads != 0) {
        const std::uint64_t per_cylinder = std::uint64_t{d.heads} * d.sectors_per_track;
        const std::uint64_t cylinders = std::min<std::uint64_t>(total / per_cylinder, 65535);
        const std::uint64_t capacity = cylinders * per_cylinder;
        w[53] |= 0x0001;
        w[54] = static_cast<std::uint16_t>(cylinders);
        w[55] = d.heads;
        w[56] = d.sectors_per_track;
        w[57] = static_cast<std::uint16_t>(capacity);
        w[58] = static_cast<std::uint16_t>(capacity >> 16);
    }
    w[59] = d.multiple ? static_cast<std::uint16_t>(0x0100 | d.multiple) : 0;
    const std::uint64_t lba28 = std::min<std::uint64_t>(total, 0x0FFF'FFFF);
    w[60] = static_cast<std::uint16_t>(lba28);
    w[61] = static_cast<std::uint16_t>(lba28 >> 16);
    w[64] = 0x0003;  // PIO modes 3 and 4
    w[67] = 120;     // minimum PIO cycle without flow control (ns)
    w[68] = 120;     // with IORDY
    w[80] = 0x007E;  // ATA-1 .. ATA/ATAPI-6
    // Supported: word 82 NOP (14), power management (3); word 83 FLUSH CACHE EXT (13), FLUSH CACHE
    // (12), 48-bit address (10), bit 14 set as required; word 84 bit 14.
    w[82] = 0x4008;
    w[83] = 0x7400;
    w[84] = 0x4000;
    w[85] = 0x4008;  // enabled: the same
    w[86] = 0x3400;
    w[87] = 0x4000;
    for (unsigned i = 0; i < 4; ++i) w[100 + i] = static_cast<std::uint16_t>(total >> (16 * i));
    put_identify_checksum(w);
    return w;
}

}  // namespace x86emu::devices
