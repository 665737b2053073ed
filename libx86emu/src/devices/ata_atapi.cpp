// x86emu — the ATAPI CD-ROM on an ATA channel (ata_channel.hpp): the PACKET feature set of
// T13 ATA/ATAPI-6 (§8.23 PACKET, §8.16 IDENTIFY PACKET DEVICE, §9.10 the PACKET PIO data-in
// protocol with the interrupt reason in Sector Count: C/D bit 0, I/O bit 1; the byte count in
// LBA Mid/High) and the commands of SFF-8020i rev. 2.6 / MMC-2 a CD-ROM drive needs for an
// operating system's driver and an El Torito BIOS: TEST UNIT READY, REQUEST SENSE (fixed format),
// INQUIRY, START STOP UNIT, PREVENT ALLOW MEDIUM REMOVAL, READ CAPACITY, READ(10), READ(12),
// SEEK(10), MODE SENSE(10) (pages 01h, 2Ah, 3Fh), READ TOC/PMA/ATIP formats 0 and 1 (LBA or
// MSF), GET CONFIGURATION (Profile List and Core features), GET EVENT STATUS NOTIFICATION
// (polled, media class). Errors are CHECK CONDITION: ERR in Status, the sense key in Error bits
// 7:4, the sense data for REQUEST SENSE.
// Not implemented: DMA and overlapped commands (PACKET with the DMA or OVL feature bit is
// aborted), audio (PLAY, READ SUB-CHANNEL), READ CD, writing, MODE SELECT, more than one track or
// session (an ISO image is one data track).
#include "devices/ata_channel.hpp"

#include <algorithm>
#include <cstring>

namespace x86emu::devices {

namespace {

constexpr std::uint8_t kPacketCommand = 0xA0, kIdentifyPacketCommand = 0xA1, kIdentifyCommand = 0xEC,
                       kSetFeaturesCommand = 0xEF, kStandbyImmediateCommand = 0xE0, kIdleImmediateCommand = 0xE1,
                       kCheckPowerModeCommand = 0xE5, kSleepCommand = 0xE6, kNopCommand = 0x00;

// Sense keys and additional sense codes (SPC/MMC).
constexpr std::uint8_t kNotReady = 0x02, kMediumError = 0x03, kIllegalRequest = 0x05, kUnitAttention = 0x06;
constexpr std::uint8_t kAscInvalidOpcode = 0x20, kAscLbaOutOfRange = 0x21, kAscInvalidField = 0x24,
                       kAscMediumChanged = 0x28, kAscMediumNotPresent = 0x3A, kAscRemovalPrevented = 0x53,
                       kAscUnrecoveredRead = 0x11;

std::uint32_t be16(const std::uint8_t* p) { return std::uint32_t{p[0]} << 8 | p[1]; }
std::uint32_t be32(const std::uint8_t* p) { return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3]; }
void put16(std::vector<std::uint8_t>& v, std::size_t at, std::uint32_t x) {
    v[at] = static_cast<std::uint8_t>(x >> 8);
    v[at + 1] = static_cast<std::uint8_t>(x);
}
void put32(std::vector<std::uint8_t>& v, std::size_t at, std::uint32_t x) {
    put16(v, at, x >> 16);
    put16(v, at + 2, x);
}
void put_text(std::vector<std::uint8_t>& v, std::size_t at, std::size_t n, const char* text) {
    const std::size_t len = std::strlen(text);
    for (std::size_t i = 0; i < n; ++i) v[at + i] = static_cast<std::uint8_t>(i < len ? text[i] : ' ');
}
// A CD address as MSF (Red Book: 75 frames per second, LBA 0 at 00:02:00).
void put_cd_address(std::vector<std::uint8_t>& v, std::size_t at, std::uint32_t lba, bool msf) {
    if (!msf) {
        put32(v, at, lba);
        return;
    }
    const std::uint32_t frames = lba + 150;
    v[at] = 0;
    v[at + 1] = static_cast<std::uint8_t>(frames / (60 * 75));
    v[at + 2] = static_cast<std::uint8_t>(frames / 75 % 60);
    v[at + 3] = static_cast<std::uint8_t>(frames % 75);
}

}  // namespace

void AtaChannel::execute_packet_device(unsigned device, std::uint8_t command) {
    DriveState& d = state_.drives[device];
    switch (command) {
    case kPacketCommand: {
        // Features bit 0 DMA, bit 1 OVL: neither is supported.
        if (d.current.features & 0x03) {
            abort(device);
            return;
        }
        std::uint16_t limit = static_cast<std::uint16_t>(d.current.lba_high << 8 | d.current.lba_mid);
        limit &= 0xFFFE;  // the byte count is even for a 16-bit data register
        d.byte_limit = limit == 0 ? 0xFFFE : limit;
        d.medium_transfer = false;
        d.response.clear();
        d.response_offset = 0;
        schedule(device, Pending::PacketReady, kCommandLatencyNs);
        return;
    }
    case kIdentifyPacketCommand:
        start_identify_transfer(device, identify_packet_words(device));
        return;
    case kIdentifyCommand:
        // A packet device aborts IDENTIFY DEVICE and shows its signature (§8.15): how a host
        // tells it from a hard disk.
        d.current.sector_count = 0x01;
        d.current.lba_low = 0x01;
        d.current.lba_mid = 0x14;
        d.current.lba_high = 0xEB;
        abort(device);
        return;
    case kSetFeaturesCommand:
    case kStandbyImmediateCommand:
    case kIdleImmediateCommand:
    case kCheckPowerModeCommand:
    case kSleepCommand:
        execute_ata(device, command);  // the same general feature set commands as a disk
        return;
    case kNopCommand:
    default:
        abort(device);
        return;
    }
}

void AtaChannel::packet_command(unsigned device) {
    DriveState& d = state_.drives[device];
    const std::uint8_t* cdb = d.buffer.data();
    const std::uint8_t opcode = cdb[0];
    DiskImage& image = *drives_[device].image;
    const std::uint32_t blocks = static_cast<std::uint32_t>(image.size_bytes() / kCdSectorBytes);
    // A unit attention is reported once, to the first command other than INQUIRY and REQUEST
    // SENSE (SPC-2 §5.6.5).
    if (d.unit_attention && opcode != 0x12 && opcode != 0x03 && opcode != 0x46 && opcode != 0x4A) {
        d.unit_attention = false;
        packet_check_condition(device, kUnitAttention, kAscMediumChanged);
        return;
    }
    const auto not_ready = [&] { packet_check_condition(device, kNotReady, kAscMediumNotPresent); };
    switch (opcode) {
    case 0x00:  // TEST UNIT READY
        if (!d.medium_loaded) return not_ready();
        return packet_good(device);
    case 0x03: {  // REQUEST SENSE: fixed format, 18 bytes
        std::vector<std::uint8_t> sense(18, 0);
        std::uint8_t key = d.sense_key, asc = d.asc, ascq = d.ascq;
        if (d.unit_attention) {
            key = kUnitAttention;
            asc = kAscMediumChanged;
            ascq = 0;
            d.unit_attention = false;
        }
        sense[0] = 0x70;
        sense[2] = key;
        sense[7] = 10;
        sense[12] = asc;
        sense[13] = ascq;
        d.sense_key = d.asc = d.ascq = 0;
        return packet_send(device, std::move(sense), cdb[4]);
    }
    case 0x12: {  // INQUIRY: standard data, 36 bytes
        if (cdb[1] & 0x01) return packet_check_condition(device, kIllegalRequest, kAscInvalidField);  // no VPD pages
        std::vector<std::uint8_t> data(36, 0);
        data[0] = 0x05;  // CD/DVD device
        data[1] = 0x80;  // removable medium
        data[2] = 0x00;
        data[3] = 0x21;  // ATAPI version 2 (SFF-8020i), response data format 1
        data[4] = 31;
        put_text(data, 8, 8, "X86EMU");
        put_text(data, 16, 16, "CD-ROM");
        put_text(data, 32, 4, "1.0");
        return packet_send(device, std::move(data), be16(cdb + 3));
    }
    case 0x1B: {  // START STOP UNIT: LoEj with Start = 0 ejects, with Start = 1 loads
        if (cdb[4] & 0x02) {
            if (!(cdb[4] & 0x01)) {
                if (d.tray_locked) return packet_check_condition(device, kIllegalRequest, kAscRemovalPrevented, 0x02);
                d.medium_loaded = false;
            } else {
                d.medium_loaded = true;
            }
        }
        return packet_good(device);
    }
    case 0x1E:  // PREVENT ALLOW MEDIUM REMOVAL
        d.tray_locked = (cdb[4] & 0x01) != 0;
        return packet_good(device);
    case 0x25: {  // READ CAPACITY: last block address, block length
        if (!d.medium_loaded) return not_ready();
        std::vector<std::uint8_t> data(8, 0);
        put32(data, 0, blocks - 1);
        put32(data, 4, kCdSectorBytes);
        return packet_send(device, std::move(data), 8);
    }
    case 0x28:    // READ(10)
    case 0xA8: {  // READ(12)
        if (!d.medium_loaded) return not_ready();
        const std::uint32_t lba = be32(cdb + 2);
        const std::uint32_t count = opcode == 0x28 ? be16(cdb + 7) : be32(cdb + 6);
        if (lba > blocks || count > blocks - lba) return packet_check_condition(device, kIllegalRequest, kAscLbaOutOfRange);
        if (count == 0) return packet_good(device);
        return packet_read(device, lba, count);
    }
    case 0x2B:  // SEEK(10)
        if (!d.medium_loaded) return not_ready();
        if (be32(cdb + 2) >= blocks) return packet_check_condition(device, kIllegalRequest, kAscLbaOutOfRange);
        return packet_good(device);
    case 0x5A: {  // MODE SENSE(10): current values of pages 01h and 2Ah
        const unsigned page = cdb[2] & 0x3F;
        const unsigned control = cdb[2] >> 6;
        if (control == 3) return packet_check_condition(device, kIllegalRequest, 0x39);  // saving not supported
        std::vector<std::uint8_t> data(8, 0);
        const auto add_error_recovery = [&] {
            const std::uint8_t p[12] = {0x01, 0x0A, 0x00, 0x05, 0, 0, 0, 0, 0x05, 0, 0, 0};
            data.insert(data.end(), p, p + sizeof p);
        };
        const auto add_capabilities = [&] {
            // MMC-2 §5.5.10: read CD-ROM only; lock, eject, tray loading; 4x (706 kB/s).
            std::uint8_t p[20] = {0x2A, 0x12, 0, 0, 0, 0, 0x29, 0, 0x02, 0xC2, 0, 0, 0, 0, 0x02, 0xC2, 0, 0, 0, 0};
            if (d.tray_locked) p[6] |= 0x02;
            data.insert(data.end(), p, p + sizeof p);
        };
        if (page == 0x01) add_error_recovery();
        else if (page == 0x2A) add_capabilities();
        else if (page == 0x3F) {
            add_error_recovery();
            add_capabilities();
        } else {
            return packet_check_condition(device, kIllegalRequest, kAscInvalidField);
        }
        put16(data, 0, static_cast<std::uint32_t>(data.size() - 2));
        data[2] = d.medium_loaded ? 0x01 : 0x70;  // medium type: 120 mm CD-ROM data, or door closed/no disc
        return packet_send(device, std::move(data), be16(cdb + 7));
    }
    case 0x43: {  // READ TOC/PMA/ATIP
        if (!d.medium_loaded) return not_ready();
        const bool msf = (cdb[1] & 0x02) != 0;
        unsigned format = cdb[2] & 0x0F;
        if (format == 0) format = cdb[9] >> 6;  // the SFF-8020i location of the format
        const unsigned track = cdb[6];
        std::vector<std::uint8_t> data(4, 0);
        if (format == 0) {
            if (track > 1 && track != 0xAA) return packet_check_condition(device, kIllegalRequest, kAscInvalidField);
            data[2] = 1;  // first track
            data[3] = 1;  // last track
            const auto add_track = [&](std::uint8_t number, std::uint32_t lba) {
                const std::size_t at = data.size();
                data.resize(at + 8, 0);
                data[at + 1] = 0x14;  // ADR 1 (position), control 4 (data track)
                data[at + 2] = number;
                put_cd_address(data, at + 4, lba, msf);
            };
            if (track <= 1) add_track(1, 0);
            add_track(0xAA, blocks);  // the lead-out
        } else if (format == 1) {  // session information: one complete session
            data[2] = 1;
            data[3] = 1;
            data.resize(12, 0);
            data[5] = 0x14;
            data[6] = 1;
            put_cd_address(data, 8, 0, msf);
        } else {
            return packet_check_condition(device, kIllegalRequest, kAscInvalidField);
        }
        put16(data, 0, static_cast<std::uint32_t>(data.size() - 2));
        return packet_send(device, std::move(data), be16(cdb + 7));
    }
    case 0x46: {  // GET CONFIGURATION: the Profile List and the Core feature
        const unsigned rt = cdb[1] & 0x03;
        const unsigned start = be16(cdb + 2);
        std::vector<std::uint8_t> data(8, 0);
        put16(data, 6, d.medium_loaded ? 0x0008 : 0x0000);  // current profile: CD-ROM
        const auto add_feature = [&](unsigned code, std::vector<std::uint8_t> body) {
            if ((rt == 2 && code != start) || code < start) return;
            const std::size_t at = data.size();
            data.resize(at + 4, 0);
            put16(data, at, code);
            data[at + 2] = static_cast<std::uint8_t>((code == 0 ? 0 : 1 << 2) | 0x03);  // version, persistent, current
            data[at + 3] = static_cast<std::uint8_t>(body.size());
            data.insert(data.end(), body.begin(), body.end());
        };
        add_feature(0x0000, {0x00, 0x08, static_cast<std::uint8_t>(d.medium_loaded ? 1 : 0), 0x00});
        add_feature(0x0001, {0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00});  // physical interface: ATAPI
        put32(data, 0, static_cast<std::uint32_t>(data.size() - 4));
        return packet_send(device, std::move(data), be16(cdb + 7));
    }
    case 0x4A: {  // GET EVENT STATUS NOTIFICATION, polled only (MMC-3 §6.1.6)
        if (!(cdb[1] & 0x01)) return packet_check_condition(device, kIllegalRequest, kAscInvalidField);
        std::vector<std::uint8_t> data(4, 0);
        data[3] = 0x10;  // supported classes: media
        if (cdb[4] & 0x10) {
            data[2] = 0x04;  // media class
            data.resize(8, 0);
            data[5] = d.medium_loaded ? 0x02 : 0x00;  // media present
        } else {
            data[2] = 0x80;  // no event available
        }
        put16(data, 0, static_cast<std::uint32_t>(data.size() - 2));
        return packet_send(device, std::move(data), be16(cdb + 7));
    }
    default:
        return packet_check_condition(device, kIllegalRequest, kAscInvalidOpcode);
    }
}

void AtaChannel::packet_good(unsigned device) {
    DriveState& d = state_.drives[device];
    d.sense_key = d.asc = d.ascq = 0;
    complete_later(device, 0);
}

void AtaChannel::packet_check_condition(unsigned device, std::uint8_t key, std::uint8_t asc, std::uint8_t ascq) {
    DriveState& d = state_.drives[device];
    d.sense_key = key;
    d.asc = asc;
    d.ascq = ascq;
    // CHECK CONDITION: ERR, the sense key in Error bits 7:4, ABRT for a refused command.
    complete_later(device, static_cast<std::uint8_t>(key << 4 | (key == kIllegalRequest ? kErrorAbrt : 0)));
}

void AtaChannel::packet_send(unsigned device, std::vector<std::uint8_t> data, std::uint32_t allocation_length) {
    DriveState& d = state_.drives[device];
    if (data.size() > allocation_length) data.resize(allocation_length);
    if (data.size() % 2) data.push_back(0);  // a word register moves whole words
    if (data.empty()) return packet_good(device);
    d.sense_key = d.asc = d.ascq = 0;
    d.response = std::move(data);
    d.response_offset = 0;
    d.medium_transfer = false;
    packet_data_in_block(device);
}

void AtaChannel::packet_read(unsigned device, std::uint64_t lba, std::uint32_t blocks) {
    DriveState& d = state_.drives[device];
    d.sense_key = d.asc = d.ascq = 0;
    d.medium_transfer = true;
    d.lba = lba;
    d.remaining = blocks;
    schedule(device, Pending::PacketData, kCommandLatencyNs);
}

// One DRQ block of a packet command's data: at most the byte count limit (a READ sends whole
// 2048-byte blocks, at least one however small the limit).
void AtaChannel::packet_data_in_block(unsigned device) {
    DriveState& d = state_.drives[device];
    std::uint32_t bytes = 0;
    if (d.medium_transfer) {
        const std::uint32_t per_block = std::max<std::uint32_t>(1, d.byte_limit / kCdSectorBytes);
        const std::uint32_t n = std::min(d.remaining, per_block);
        bytes = n * kCdSectorBytes;
        d.buffer.resize(bytes);
        try {
            drives_[device].image->read(d.lba * (kCdSectorBytes / DiskImage::kSectorBytes), d.buffer);
        } catch (const DiskImageError&) {
            note_host_error();
            d.phase = Phase::Busy;
            packet_check_condition(device, kMediumError, kAscUnrecoveredRead);
            return;
        }
        d.lba += n;
        d.remaining -= n;
    } else {
        bytes = std::min<std::uint32_t>(static_cast<std::uint32_t>(d.response.size()) - d.response_offset, d.byte_limit);
        d.buffer.assign(d.response.begin() + d.response_offset, d.response.begin() + d.response_offset + bytes);
        d.response_offset += bytes;
    }
    d.position = 0;
    d.phase = Phase::DataIn;
    d.current.lba_mid = static_cast<std::uint8_t>(bytes);
    d.current.lba_high = static_cast<std::uint8_t>(bytes >> 8);
    d.current.sector_count = static_cast<std::uint8_t>((d.current.sector_count & 0xF8) | 0x02);  // I/O = 1, C/D = 0
    d.status = kStatusDrdy | kStatusDrq;
    d.intrq = true;
}

// The host has read a DRQ block: the next one, or the command's completion (its own interrupt).
void AtaChannel::packet_end_data_block(unsigned device) {
    DriveState& d = state_.drives[device];
    if (d.command != kPacketCommand) {  // IDENTIFY PACKET DEVICE: the ATA data-in protocol
        end_data_in_block(device);
        return;
    }
    const bool more = d.medium_transfer ? d.remaining > 0 : d.response_offset < d.response.size();
    d.phase = Phase::Busy;
    d.status = kStatusBsy;
    if (more) {
        schedule(device, Pending::PacketData, kCommandLatencyNs);
        return;
    }
    d.response.clear();
    d.response_offset = 0;
    packet_good(device);
}

// IDENTIFY PACKET DEVICE (§8.16, Table 21).
std::array<std::uint16_t, 256> AtaChannel::identify_packet_words(unsigned device) const {
    std::array<std::uint16_t, 256> w{};
    // ATAPI, CD-ROM (05h), removable, DRQ within 50 us of PACKET (accelerated), 12-byte packets.
    w[0] = 0x85C0;
    put_identify_string(w, 10, 10, serial_number(device));
    put_identify_string(w, 23, 4, "1.0");
    put_identify_string(w, 27, 20, "X86EMU CD-ROM");
    w[49] = 0x0A00;  // LBA (shall be set), IORDY supported; no DMA
    w[50] = 0x4000;
    w[53] = 0x0002;  // words 64-70 valid
    w[64] = 0x0003;  // PIO modes 3 and 4
    w[67] = 120;
    w[68] = 120;
    w[80] = 0x007E;  // ATA-1 .. ATA/ATAPI-6
    // Word 82: NOP (14), DEVICE RESET (9), PACKET (4), power management (3).
    w[82] = 0x4218;
    w[83] = 0x4000;
    w[84] = 0x4000;
    w[85] = 0x4218;
    w[87] = 0x4000;
    put_identify_checksum(w);
    return w;
}

}  // namespace x86emu::devices
