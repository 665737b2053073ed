// x86emu unit tests — the ATA channel (devices/ata_channel.hpp) at its ports, on a Scheduler with
// a test-owned clock: IDENTIFY DEVICE, PIO READ/WRITE SECTORS and MULTIPLE, the 48-bit commands
// and register FIFO, CHS addressing through INITIALIZE DEVICE PARAMETERS, IDNF/ABRT errors, the
// interrupt (per DRQ block, nIEN, cleared by Status), SRST and the signatures, absent devices,
// 32-bit data port accesses; the ATAPI CD-ROM's PACKET protocol; DiskImage's modes and errors;
// the Machine's IDE wiring (PCI 00:01.1, ide_drives rules).
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <unistd.h>
#include <fstream>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "devices/ata_channel.hpp"
#include "x86emu/disk_image.hpp"
#include "x86emu/io_ports.hpp"
#include "x86emu/machine.hpp"
#include "x86emu/scheduler.hpp"

using x86emu::DiskImage;
using x86emu::DiskImageError;
using x86emu::DiskWriteMode;
using x86emu::IoPortMap;
using x86emu::Scheduler;
using x86emu::devices::AtaChannel;
using x86emu::devices::AtaDriveKind;

namespace {

constexpr std::uint32_t kClockKhz = 100'000;  // 100 MHz: 1 cycle = 10 ns
constexpr std::uint16_t kBase = 0x1F0, kControl = 0x3F6;
constexpr std::uint8_t kBsy = 0x80, kDrdy = 0x40, kDrq = 0x08, kErr = 0x01;

// A disk whose sector n is filled with bytes (n * 7 + i) & 0xFF.
std::vector<std::uint8_t> patterned(std::size_t sectors) {
    std::vector<std::uint8_t> bytes(sectors * 512);
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>((i / 512) * 7 + i % 512);
    return bytes;
}

struct Rig {
    std::uint64_t clock = 0;
    Scheduler scheduler{kClockKhz, [this] { return clock; }};
    IoPortMap ports;
    std::vector<bool> irq_edges;  // every level change of IRQ14
    bool irq = false;
    AtaChannel channel{scheduler, [this](bool level) {
                           irq = level;
                           irq_edges.push_back(level);
                       },
                       0};

    explicit Rig(std::shared_ptr<DiskImage> master, std::shared_ptr<DiskImage> slave = {},
                 AtaDriveKind slave_kind = AtaDriveKind::HardDisk) {
        if (master) channel.set_drive(0, {AtaDriveKind::HardDisk, master});
        if (slave) channel.set_drive(1, {slave_kind, slave});
        channel.attach(ports, kBase, kControl);
    }
    void out(std::uint16_t port, std::uint8_t v) { ports.write(port, 1, v); }
    std::uint8_t in(std::uint16_t port) { return static_cast<std::uint8_t>(ports.read(port, 1)); }
    std::uint8_t status() { return in(kBase + 7); }
    std::uint8_t alt_status() { return in(kControl); }
    void advance_ns(std::uint64_t ns) {
        clock += scheduler.cycles_from_ns(ns);
        scheduler.run_due();
    }
    // Lets emulated time pass until BSY is clear (at most 10 ms).
    std::uint8_t wait_not_busy() {
        for (int i = 0; i < 10'000; ++i) {
            const std::uint8_t s = alt_status();
            if (!(s & kBsy)) return s;
            advance_ns(1'000);
        }
        FAIL("the device stayed busy");
        return 0;
    }
    void lba28(std::uint32_t lba, std::uint8_t count, unsigned device = 0) {
        out(kBase + 6, static_cast<std::uint8_t>(0xE0 | device << 4 | (lba >> 24 & 0x0F)));
        out(kBase + 2, count);
        out(kBase + 3, static_cast<std::uint8_t>(lba));
        out(kBase + 4, static_cast<std::uint8_t>(lba >> 8));
        out(kBase + 5, static_cast<std::uint8_t>(lba >> 16));
    }
    void lba48(std::uint64_t lba, std::uint16_t count) {
        out(kBase + 6, 0x40);
        out(kBase + 2, static_cast<std::uint8_t>(count >> 8));
        out(kBase + 3, static_cast<std::uint8_t>(lba >> 24));
        out(kBase + 4, static_cast<std::uint8_t>(lba >> 32));
        out(kBase + 5, static_cast<std::uint8_t>(lba >> 40));
        out(kBase + 2, static_cast<std::uint8_t>(count));
        out(kBase + 3, static_cast<std::uint8_t>(lba));
        out(kBase + 4, static_cast<std::uint8_t>(lba >> 8));
        out(kBase + 5, static_cast<std::uint8_t>(lba >> 16));
    }
    std::vector<std::uint8_t> read_block(std::size_t bytes) {
        std::vector<std::uint8_t> data;
        for (std::size_t i = 0; i < bytes; i += 2) {
            const std::uint16_t w = static_cast<std::uint16_t>(ports.read(kBase, 2));
            data.push_back(static_cast<std::uint8_t>(w));
            data.push_back(static_cast<std::uint8_t>(w >> 8));
        }
        return data;
    }
    void write_block(const std::vector<std::uint8_t>& data) {
        for (std::size_t i = 0; i < data.size(); i += 2) ports.write(kBase, 2, data[i] | data[i + 1] << 8);
    }
    std::size_t rising_edges() const {
        std::size_t n = 0;
        for (bool e : irq_edges) n += e;
        return n;
    }
};

std::array<std::uint16_t, 256> words_of(const std::vector<std::uint8_t>& bytes) {
    std::array<std::uint16_t, 256> w{};
    for (unsigned i = 0; i < 256; ++i) w[i] = static_cast<std::uint16_t>(bytes[2 * i] | bytes[2 * i + 1] << 8);
    return w;
}
std::string ata_string(const std::array<std::uint16_t, 256>& w, unsigned first, unsigned count) {
    std::string s;
    for (unsigned i = 0; i < count; ++i) {
        s += static_cast<char>(w[first + i] >> 8);
        s += static_cast<char>(w[first + i] & 0xFF);
    }
    return s;
}

}  // namespace

TEST_CASE("ata: IDENTIFY DEVICE completes after a delay with DRQ and an interrupt, and describes the disk") {
    Rig rig(DiskImage::from_bytes(patterned(20160), DiskWriteMode::WriteThrough));  // 20 cylinders of 16 x 63
    CHECK(rig.status() == (kDrdy | 0x10));
    rig.out(kBase + 6, 0xA0);
    rig.out(kBase + 7, 0xEC);
    CHECK(rig.alt_status() == kBsy);  // not instantly inside the OUT
    CHECK_FALSE(rig.irq);
    const std::uint8_t s = rig.wait_not_busy();
    CHECK((s & (kDrq | kDrdy | kErr)) == (kDrq | kDrdy));
    CHECK(rig.irq);
    CHECK((rig.status() & kDrq) != 0);  // reading Status clears the interrupt
    CHECK_FALSE(rig.irq);
    const auto w = words_of(rig.read_block(512));
    CHECK((rig.status() & (kDrq | kBsy)) == 0);
    CHECK(w[0] == 0x0040);
    CHECK(w[1] == 20);
    CHECK(w[3] == 16);
    CHECK(w[6] == 63);
    CHECK(ata_string(w, 27, 20) == "X86EMU HARDDISK                         ");
    CHECK(ata_string(w, 10, 10).rfind("X86EMU-00", 0) == 0);
    CHECK((w[60] | w[61] << 16) == 20160);
    CHECK((w[100] | w[101] << 16) == 20160);
    CHECK(w[47] == 0x8010);
    CHECK((w[49] & 0x0200) != 0);         // LBA
    CHECK((w[83] & 0x0400) != 0);         // 48-bit
    CHECK((w[53] & 1) != 0);
    CHECK((w[57] | w[58] << 16) == 20160);
    unsigned sum = 0;
    for (auto word : w) sum += (word & 0xFF) + (word >> 8);
    CHECK((sum & 0xFF) == 0);
    CHECK((w[255] & 0xFF) == 0xA5);
}

TEST_CASE("ata: READ SECTORS transfers the image, one interrupt per sector, registers at the last sector") {
    const auto bytes = patterned(100);
    Rig rig(DiskImage::from_bytes(bytes, DiskWriteMode::WriteThrough));
    rig.lba28(10, 3);
    rig.out(kBase + 7, 0x20);
    std::vector<std::uint8_t> got;
    for (int block = 0; block < 3; ++block) {
        rig.wait_not_busy();
        CHECK(rig.irq);
        CHECK((rig.status() & kDrq) != 0);
        auto b = rig.read_block(512);
        got.insert(got.end(), b.begin(), b.end());
    }
    CHECK(rig.status() == (kDrdy | 0x10));
    CHECK(rig.rising_edges() == 3);
    CHECK(got == std::vector<std::uint8_t>(bytes.begin() + 10 * 512, bytes.begin() + 13 * 512));
    CHECK(rig.in(kBase + 3) == 12);
    // 32-bit accesses to the data port move two words (the PIIX splits them).
    rig.lba28(5, 1);
    rig.out(kBase + 7, 0x21);
    rig.wait_not_busy();
    const std::uint32_t d = rig.ports.read(kBase, 4);
    CHECK(d == (bytes[5 * 512] | bytes[5 * 512 + 1] << 8 | bytes[5 * 512 + 2] << 16 | std::uint32_t{bytes[5 * 512 + 3]} << 24));
}

TEST_CASE("ata: READ/WRITE MULTIPLE need SET MULTIPLE MODE and move blocks of that size") {
    const auto bytes = patterned(64);
    Rig rig(DiskImage::from_bytes(bytes, DiskWriteMode::WriteThrough));
    rig.lba28(0, 10);
    rig.out(kBase + 7, 0xC4);
    CHECK((rig.wait_not_busy() & kErr) != 0);
    CHECK(rig.in(kBase + 1) == 0x04);  // ABRT: multiple mode is off
    rig.out(kBase + 2, 3);             // not a power of two
    rig.out(kBase + 7, 0xC6);
    CHECK((rig.wait_not_busy() & kErr) != 0);
    rig.out(kBase + 2, 4);
    rig.out(kBase + 7, 0xC6);
    CHECK((rig.wait_not_busy() & kErr) == 0);
    rig.status();
    rig.irq_edges.clear();
    rig.lba28(2, 10);
    rig.out(kBase + 7, 0xC4);
    std::vector<std::uint8_t> got;
    for (std::size_t size : {4, 4, 2}) {
        rig.wait_not_busy();
        rig.status();
        auto b = rig.read_block(size * 512);
        got.insert(got.end(), b.begin(), b.end());
    }
    CHECK(rig.status() == (kDrdy | 0x10));
    CHECK(rig.rising_edges() == 3);
    CHECK(got == std::vector<std::uint8_t>(bytes.begin() + 2 * 512, bytes.begin() + 12 * 512));

    // WRITE MULTIPLE: 6 sectors in blocks of 4 and 2, an interrupt after each.
    auto image = rig.channel.drive_image(0);
    rig.irq_edges.clear();
    rig.lba28(40, 6);
    rig.out(kBase + 7, 0xC5);
    std::vector<std::uint8_t> data(6 * 512);
    std::iota(data.begin(), data.end(), std::uint8_t{3});
    rig.wait_not_busy();
    CHECK(rig.rising_edges() == 0);  // DRQ for the first block without an interrupt
    rig.write_block({data.begin(), data.begin() + 4 * 512});
    CHECK((rig.alt_status() & kBsy) != 0);
    rig.wait_not_busy();
    CHECK(rig.rising_edges() == 1);
    rig.status();
    rig.write_block({data.begin() + 4 * 512, data.end()});
    rig.wait_not_busy();
    CHECK(rig.status() == (kDrdy | 0x10));
    CHECK(rig.rising_edges() == 2);
    std::vector<std::uint8_t> back(6 * 512);
    image->read(40, back);
    CHECK(back == data);
}

TEST_CASE("ata: WRITE SECTORS reaches the image before the status shows it complete") {
    Rig rig(DiskImage::from_bytes(std::vector<std::uint8_t>(64 * 512, 0), DiskWriteMode::WriteThrough));
    const DiskImage& image = *rig.channel.drive_image(0);
    rig.lba28(7, 1);
    rig.out(kBase + 7, 0x30);
    rig.wait_not_busy();
    std::vector<std::uint8_t> sector(512, 0xAB);
    rig.write_block(sector);
    CHECK(image.contents()[7 * 512] == 0);  // still busy: nothing written, nothing reported
    CHECK((rig.alt_status() & kBsy) != 0);
    rig.wait_not_busy();
    CHECK(rig.irq);
    CHECK(image.contents()[7 * 512] == 0xAB);
    CHECK(image.contents()[8 * 512 - 1] == 0xAB);
    CHECK(image.contents()[8 * 512] == 0);
}

TEST_CASE("ata: 48-bit commands use the register FIFO; HOB reads the previous bytes") {
    const auto bytes = patterned(300);
    Rig rig(DiskImage::from_bytes(bytes, DiskWriteMode::WriteThrough));
    rig.lba48(0x105, 2);
    rig.out(kControl, 0x80);  // HOB
    CHECK(rig.in(kBase + 2) == 0x00);
    CHECK(rig.in(kBase + 3) == 0x00);
    rig.out(kControl, 0x00);
    CHECK(rig.in(kBase + 3) == 0x05);
    CHECK(rig.in(kBase + 4) == 0x01);
    rig.out(kBase + 7, 0x24);  // READ SECTORS EXT
    std::vector<std::uint8_t> got;
    for (int i = 0; i < 2; ++i) {
        rig.wait_not_busy();
        auto b = rig.read_block(512);
        got.insert(got.end(), b.begin(), b.end());
    }
    CHECK(got == std::vector<std::uint8_t>(bytes.begin() + 0x105 * 512, bytes.begin() + 0x107 * 512));
    // A high byte beyond the disk gives IDNF, and a count of 0 means 65536 sectors.
    rig.lba48(std::uint64_t{1} << 24, 1);
    rig.out(kBase + 7, 0x24);
    CHECK((rig.wait_not_busy() & kErr) != 0);
    CHECK(rig.in(kBase + 1) == 0x10);
    rig.lba48(0, 0);
    rig.out(kBase + 7, 0x24);
    CHECK((rig.wait_not_busy() & kErr) != 0);
    CHECK(rig.in(kBase + 1) == 0x10);
    // The same count with 28-bit READ SECTORS is 256: fits.
    rig.lba28(0, 0);
    rig.out(kBase + 7, 0x20);
    CHECK((rig.wait_not_busy() & (kErr | kDrq)) == kDrq);
}

TEST_CASE("ata: CHS addressing through INITIALIZE DEVICE PARAMETERS") {
    const auto bytes = patterned(20160);
    Rig rig(DiskImage::from_bytes(bytes, DiskWriteMode::WriteThrough));
    // 4 heads, 17 sectors per track.
    rig.out(kBase + 6, 0xA3);
    rig.out(kBase + 2, 17);
    rig.out(kBase + 7, 0x91);
    CHECK((rig.wait_not_busy() & kErr) == 0);
    // Cylinder 2, head 1, sector 5 -> LBA (2 * 4 + 1) * 17 + 4 = 157.
    rig.out(kBase + 6, 0xA1);
    rig.out(kBase + 2, 1);
    rig.out(kBase + 3, 5);
    rig.out(kBase + 4, 2);
    rig.out(kBase + 5, 0);
    rig.out(kBase + 7, 0x20);
    rig.wait_not_busy();
    CHECK(rig.read_block(512) == std::vector<std::uint8_t>(bytes.begin() + 157 * 512, bytes.begin() + 158 * 512));
    CHECK(rig.in(kBase + 3) == 5);  // the registers hold the last sector's C/H/S
    CHECK((rig.in(kBase + 6) & 0x0F) == 1);
    // IDENTIFY's current translation.
    rig.out(kBase + 7, 0xEC);
    rig.wait_not_busy();
    const auto w = words_of(rig.read_block(512));
    CHECK(w[55] == 4);
    CHECK(w[56] == 17);
    CHECK(w[54] == 20160 / 68);
    // Sector 0 and a head beyond the translation are IDNF.
    rig.out(kBase + 6, 0xA0);
    rig.out(kBase + 3, 0);
    rig.out(kBase + 7, 0x20);
    CHECK((rig.wait_not_busy() & kErr) != 0);
    CHECK(rig.in(kBase + 1) == 0x10);
    rig.out(kBase + 6, 0xA5);
    rig.out(kBase + 3, 1);
    rig.out(kBase + 7, 0x20);
    CHECK((rig.wait_not_busy() & kErr) != 0);
    CHECK(rig.in(kBase + 1) == 0x10);
}

TEST_CASE("ata: errors: IDNF outside the disk, ABRT for unknown commands, DMA and read-only writes") {
    Rig rig(DiskImage::from_bytes(patterned(100), DiskWriteMode::ReadOnly));
    rig.lba28(99, 2);
    rig.out(kBase + 7, 0x20);
    CHECK(rig.wait_not_busy() == (kDrdy | 0x10 | kErr));
    CHECK(rig.irq);
    CHECK(rig.in(kBase + 1) == 0x10);
    for (std::uint8_t command : {0x00, 0xC8, 0xCA, 0xB0, 0xFF, 0xA0, 0xA1, 0x08}) {
        CAPTURE(command);
        rig.status();
        rig.out(kBase + 7, command);
        CHECK(rig.wait_not_busy() == (kDrdy | 0x10 | kErr));
        CHECK(rig.in(kBase + 1) == 0x04);
        CHECK(rig.irq);
    }
    rig.lba28(1, 1);
    rig.out(kBase + 7, 0x30);
    CHECK((rig.wait_not_busy() & (kErr | kDrq)) == kErr);
    CHECK(rig.in(kBase + 1) == 0x04);
    // SET FEATURES: PIO mode 4 accepted, UDMA refused; CHECK POWER MODE after STANDBY.
    rig.out(kBase + 1, 0x03);
    rig.out(kBase + 2, 0x0C);
    rig.out(kBase + 7, 0xEF);
    CHECK((rig.wait_not_busy() & kErr) == 0);
    rig.out(kBase + 2, 0x45);
    rig.out(kBase + 7, 0xEF);
    CHECK((rig.wait_not_busy() & kErr) != 0);
    rig.out(kBase + 7, 0xE0);
    rig.wait_not_busy();
    rig.out(kBase + 7, 0xE5);
    rig.wait_not_busy();
    CHECK(rig.in(kBase + 2) == 0x00);
    rig.out(kBase + 7, 0xE1);
    rig.wait_not_busy();
    rig.out(kBase + 7, 0xE5);
    rig.wait_not_busy();
    CHECK(rig.in(kBase + 2) == 0xFF);
    // READ VERIFY: no data phase.
    rig.lba28(3, 4);
    rig.out(kBase + 7, 0x40);
    CHECK(rig.wait_not_busy() == (kDrdy | 0x10));
    CHECK(rig.in(kBase + 3) == 6);
}

TEST_CASE("ata: nIEN masks the interrupt; SRST gives the signature; absent devices read 0, no devices FFh") {
    Rig rig(DiskImage::from_bytes(patterned(100), DiskWriteMode::WriteThrough));
    rig.out(kControl, 0x02);  // nIEN
    rig.out(kBase + 7, 0xEC);
    rig.wait_not_busy();
    CHECK_FALSE(rig.irq);
    rig.out(kControl, 0x00);  // the pending interrupt shows once enabled
    CHECK(rig.irq);
    rig.out(kBase + 3, 0x55);
    rig.out(kControl, 0x04);  // SRST: busy, transfer abandoned
    CHECK(rig.alt_status() == kBsy);
    CHECK_FALSE(rig.irq);
    rig.advance_ns(1'000'000);
    CHECK(rig.alt_status() == kBsy);  // still held in reset
    rig.out(kControl, 0x00);
    rig.advance_ns(AtaChannel::kResetLatencyNs - 1'000);
    CHECK(rig.alt_status() == kBsy);
    rig.advance_ns(2'000);
    CHECK(rig.alt_status() == (kDrdy | 0x10));
    CHECK(rig.in(kBase + 1) == 0x01);
    CHECK(rig.in(kBase + 2) == 0x01);
    CHECK(rig.in(kBase + 3) == 0x01);
    CHECK(rig.in(kBase + 4) == 0x00);
    CHECK(rig.in(kBase + 5) == 0x00);
    CHECK_FALSE(rig.irq);  // no interrupt after a software reset
    // Device 1 absent: its registers read 00h, a register read-back probe fails.
    rig.out(kBase + 6, 0xB0);
    rig.out(kBase + 2, 0x55);
    CHECK(rig.in(kBase + 2) == 0x00);
    CHECK(rig.status() == 0x00);
    rig.out(kBase + 7, 0xEC);  // ignored
    CHECK(rig.status() == 0x00);
    rig.out(kBase + 6, 0xA0);
    CHECK(rig.in(kBase + 2) == 0x55);  // device 0 took the write too
    // EXECUTE DEVICE DIAGNOSTIC: both devices, an interrupt from device 0, the signature.
    rig.out(kBase + 7, 0x90);
    rig.wait_not_busy();
    CHECK(rig.irq);
    CHECK(rig.in(kBase + 1) == 0x01);

    Rig empty(nullptr);
    CHECK(empty.status() == 0xFF);
    CHECK(empty.in(kBase + 2) == 0xFF);
    CHECK(empty.ports.read(kBase, 2) == 0xFFFF);
}

TEST_CASE("ata: a command written while busy is ignored; SLEEP needs a reset") {
    Rig rig(DiskImage::from_bytes(patterned(100), DiskWriteMode::WriteThrough));
    rig.lba28(1, 1);
    rig.out(kBase + 7, 0x20);
    rig.out(kBase + 7, 0xEC);  // BSY: ignored
    rig.wait_not_busy();
    const auto bytes = patterned(100);
    CHECK(rig.read_block(512) == std::vector<std::uint8_t>(bytes.begin() + 512, bytes.begin() + 1024));
    rig.out(kBase + 7, 0xE6);
    rig.wait_not_busy();
    rig.out(kBase + 7, 0xEC);
    rig.advance_ns(100'000);
    CHECK((rig.alt_status() & kDrq) == 0);
    rig.out(kControl, 0x04);
    rig.out(kControl, 0x00);
    rig.wait_not_busy();
    rig.out(kBase + 7, 0xEC);
    CHECK((rig.wait_not_busy() & kDrq) != 0);
}

TEST_CASE("ata: DiskImage modes: write-through, overlay keeps the file, read-only refuses; bad images") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("x86emu_ata_test_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const fs::path path = dir / "disk.img";
    {
        std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(patterned(8).data()), 8 * 512);
    }
    std::vector<std::uint8_t> ones(512, 0x11), back(512);
    {
        auto overlay = DiskImage::open_file(path.string(), DiskWriteMode::Overlay);
        CHECK(overlay->sector_count() == 8);
        overlay->write(3, ones);
        overlay->read(3, back);
        CHECK(back == ones);
        CHECK(overlay->overlay_sectors() == 1);
        // Overlay and read-only images share the file; a writer is refused while they hold it.
        CHECK_THROWS_AS(DiskImage::open_file(path.string(), DiskWriteMode::WriteThrough), DiskImageError);
    }
    std::vector<std::uint8_t> file_bytes(fs::file_size(path));
    std::ifstream(path, std::ios::binary).read(reinterpret_cast<char*>(file_bytes.data()), file_bytes.size());
    CHECK(file_bytes == patterned(8));
    {
        auto image = DiskImage::open_file(path.string(), DiskWriteMode::WriteThrough);
        image->write(2, ones);
        image->flush();
        CHECK_THROWS_AS(DiskImage::open_file(path.string(), DiskWriteMode::ReadOnly), DiskImageError);
    }
    std::ifstream(path, std::ios::binary).read(reinterpret_cast<char*>(file_bytes.data()), file_bytes.size());
    CHECK(std::vector<std::uint8_t>(file_bytes.begin() + 1024, file_bytes.begin() + 1536) == ones);
    {
        auto ro = DiskImage::open_file(path.string(), DiskWriteMode::ReadOnly);
        CHECK_FALSE(ro->writable());
        CHECK_THROWS_AS(ro->write(0, ones), std::logic_error);
        CHECK_THROWS_AS(ro->read(8, back), std::out_of_range);
    }
    CHECK_THROWS_WITH_AS(DiskImage::open_file((dir / "missing.img").string(), DiskWriteMode::ReadOnly),
                         doctest::Contains("does not exist"), DiskImageError);
    CHECK_THROWS_WITH_AS(DiskImage::open_file(dir.string(), DiskWriteMode::ReadOnly), doctest::Contains("directory"),
                         DiskImageError);
    {
        std::ofstream(dir / "odd.img", std::ios::binary) << "not a multiple of 512";
        std::ofstream(dir / "empty.img", std::ios::binary);
        std::ofstream(dir / "three.img", std::ios::binary).write(reinterpret_cast<const char*>(patterned(3).data()), 3 * 512);
    }
    CHECK_THROWS_WITH_AS(DiskImage::open_file((dir / "odd.img").string(), DiskWriteMode::ReadOnly),
                         doctest::Contains("not a multiple of 512"), DiskImageError);
    CHECK_THROWS_WITH_AS(DiskImage::open_file((dir / "empty.img").string(), DiskWriteMode::ReadOnly),
                         doctest::Contains("empty"), DiskImageError);
    CHECK_THROWS_WITH_AS(DiskImage::open_file((dir / "three.img").string(), DiskWriteMode::ReadOnly, 2048),
                         doctest::Contains("not a multiple of 2048"), DiskImageError);
    fs::remove_all(dir);
}

TEST_CASE("ata: ATAPI CD-ROM: signature, IDENTIFY PACKET DEVICE, PACKET commands with the interrupt reason") {
    std::vector<std::uint8_t> iso(16 * 2048);
    for (std::size_t i = 0; i < iso.size(); ++i) iso[i] = static_cast<std::uint8_t>(i / 2048 + i % 251);
    auto cd = DiskImage::from_bytes(iso, DiskWriteMode::ReadOnly, 2048);
    Rig rig(DiskImage::from_bytes(patterned(100), DiskWriteMode::WriteThrough), cd, AtaDriveKind::Cdrom);
    rig.out(kBase + 6, 0xB0);
    CHECK(rig.in(kBase + 4) == 0x14);
    CHECK(rig.in(kBase + 5) == 0xEB);
    CHECK(rig.status() == 0x00);
    rig.out(kBase + 7, 0xEC);  // IDENTIFY DEVICE: aborted, signature kept
    CHECK((rig.wait_not_busy() & kErr) != 0);
    CHECK(rig.in(kBase + 4) == 0x14);
    CHECK(rig.in(kBase + 5) == 0xEB);
    rig.out(kBase + 7, 0xA1);
    rig.wait_not_busy();
    const auto w = words_of(rig.read_block(512));
    CHECK(w[0] == 0x85C0);
    CHECK(ata_string(w, 27, 20).rfind("X86EMU CD-ROM", 0) == 0);

    // One PACKET command: returns the status after it and the data it sent.
    const auto packet = [&](std::vector<std::uint8_t> cdb, std::uint16_t limit, std::vector<std::uint8_t>* data,
                            unsigned* blocks = nullptr) -> std::uint8_t {
        cdb.resize(12, 0);
        rig.status();
        rig.out(kBase + 1, 0);
        rig.out(kBase + 4, static_cast<std::uint8_t>(limit));
        rig.out(kBase + 5, static_cast<std::uint8_t>(limit >> 8));
        rig.out(kBase + 7, 0xA0);
        rig.wait_not_busy();
        CHECK((rig.alt_status() & kDrq) != 0);
        CHECK((rig.in(kBase + 2) & 3) == 1);  // C/D = 1, I/O = 0: send the packet
        rig.write_block(cdb);
        if (blocks) *blocks = 0;
        for (;;) {
            const std::uint8_t s = rig.wait_not_busy();
            CHECK(rig.irq);
            rig.status();
            if (!(s & kDrq)) {
                CHECK((rig.in(kBase + 2) & 3) == 3);  // command complete
                return s;
            }
            CHECK((rig.in(kBase + 2) & 3) == 2);  // I/O = 1: data to the host
            const unsigned n = rig.in(kBase + 4) | rig.in(kBase + 5) << 8;
            CHECK(n <= limit);
            auto part = rig.read_block(n);
            if (data) data->insert(data->end(), part.begin(), part.end());
            if (blocks) ++*blocks;
        }
    };
    std::vector<std::uint8_t> data;
    // The first command sees UNIT ATTENTION (medium may have changed), REQUEST SENSE says so.
    CHECK((packet({0x00}, 0xFFFE, nullptr) & kErr) != 0);
    CHECK((rig.in(kBase + 1) >> 4) == 0x06);
    CHECK((packet({0x00}, 0xFFFE, nullptr) & kErr) == 0);
    data.clear();
    CHECK((packet({0x12, 0, 0, 0, 36}, 0xFFFE, &data) & kErr) == 0);
    REQUIRE(data.size() == 36);
    CHECK(data[0] == 0x05);
    CHECK((data[1] & 0x80) != 0);
    data.clear();
    packet({0x25}, 0xFFFE, &data);
    CHECK(data == std::vector<std::uint8_t>{0, 0, 0, 15, 0, 0, 8, 0});
    data.clear();
    unsigned blocks = 0;
    packet({0x28, 0, 0, 0, 0, 3, 0, 0, 2}, 2048, &data, &blocks);  // READ(10) 2 blocks at 3, one per DRQ
    CHECK(blocks == 2);
    CHECK(data == std::vector<std::uint8_t>(iso.begin() + 3 * 2048, iso.begin() + 5 * 2048));
    data.clear();
    packet({0xA8, 0, 0, 0, 0, 14, 0, 0, 0, 2}, 0xFFFE, &data, &blocks);  // READ(12), one DRQ block
    CHECK(blocks == 1);
    CHECK(data == std::vector<std::uint8_t>(iso.begin() + 14 * 2048, iso.end()));
    // Out of range: ILLEGAL REQUEST, LBA out of range.
    CHECK((packet({0x28, 0, 0, 0, 0, 15, 0, 0, 2}, 0xFFFE, nullptr) & kErr) != 0);
    CHECK((rig.in(kBase + 1) >> 4) == 0x05);
    data.clear();
    packet({0x03, 0, 0, 0, 18}, 0xFFFE, &data);
    REQUIRE(data.size() == 18);
    CHECK(data[2] == 0x05);
    CHECK(data[12] == 0x21);
    // READ TOC: track 1 at 0, lead-out at 16 (LBA), and in MSF 00:02:00.
    data.clear();
    packet({0x43, 0, 0, 0, 0, 0, 0, 0, 100}, 0xFFFE, &data);
    REQUIRE(data.size() == 20);
    CHECK(data[2] == 1);
    CHECK(data[6] == 1);
    CHECK(data[18] == 0 );
    CHECK(data[19] == 16);
    data.clear();
    packet({0x43, 0x02, 0, 0, 0, 0, 0, 0, 100}, 0xFFFE, &data);
    CHECK(data[9] == 0);
    CHECK(data[10] == 2);
    CHECK(data[11] == 0);
    // MODE SENSE(10) page 2Ah, GET CONFIGURATION's current profile CD-ROM.
    data.clear();
    packet({0x5A, 0, 0x2A, 0, 0, 0, 0, 0, 128}, 0xFFFE, &data);
    REQUIRE(data.size() == 28);
    CHECK(data[8] == 0x2A);
    data.clear();
    packet({0x46, 0, 0, 0, 0, 0, 0, 0, 64}, 0xFFFE, &data);
    CHECK(data[7] == 0x08);
    // Unknown opcode: ILLEGAL REQUEST; eject while locked refused.
    CHECK((packet({0xFF}, 0xFFFE, nullptr) & kErr) != 0);
    packet({0x1E, 0, 0, 0, 1}, 0xFFFE, nullptr);
    CHECK((packet({0x1B, 0, 0, 0, 2}, 0xFFFE, nullptr) & kErr) != 0);
    packet({0x1E, 0, 0, 0, 0}, 0xFFFE, nullptr);
    CHECK((packet({0x1B, 0, 0, 0, 2}, 0xFFFE, nullptr) & kErr) == 0);
    CHECK((packet({0x00}, 0xFFFE, nullptr) & kErr) != 0);  // NOT READY: no medium
    CHECK((rig.in(kBase + 1) >> 4) == 0x02);
}

TEST_CASE("ata: the Machine wires the IDE function at PCI 00:01.1 and checks ide_drives") {
    using x86emu::IdeDeviceKind;
    using x86emu::IdeSlot;
    using x86emu::Machine;
    using x86emu::MachineConfig;
    using x86emu::Platform;
    MachineConfig config;
    config.bios_image.assign(4096, 0xF4);
    config.ide_drives.push_back({IdeSlot::PrimaryMaster, IdeDeviceKind::HardDisk,
                                 DiskImage::from_bytes(patterned(16), DiskWriteMode::WriteThrough)});
    CHECK_THROWS_WITH_AS(Machine{config}, doctest::Contains("PC platform"), std::invalid_argument);
    config.platform = Platform::PC;
    config.ide_drives.push_back(config.ide_drives.front());
    CHECK_THROWS_WITH_AS(Machine{config}, doctest::Contains("twice"), std::invalid_argument);
    config.ide_drives.back() = {IdeSlot::SecondaryMaster, IdeDeviceKind::Cdrom,
                                DiskImage::from_bytes(patterned(16), DiskWriteMode::WriteThrough)};
    CHECK_THROWS_WITH_AS(Machine{config}, doctest::Contains("ReadOnly"), std::invalid_argument);
    config.ide_drives.back().image = DiskImage::from_bytes(patterned(16), DiskWriteMode::ReadOnly, 2048);
    Machine machine(config);
    auto& ports = machine.ports();
    ports.write(0xCF8, 4, 0x8000'0900u);  // 00:01.1, offset 0
    CHECK(ports.read(0xCFC, 4) == 0x7010'8086u);
    ports.write(0xCF8, 4, 0x8000'0908u);
    CHECK((ports.read(0xCFC, 4) >> 8) == 0x010180u);
    CHECK(ports.read(0x1F7, 1) == 0x50);
    CHECK(ports.read(0x174, 1) == 0x14);  // the secondary master is the CD-ROM
    // IDETIM decode off: the primary channel no longer answers.
    ports.write(0xCF8, 4, 0x8000'0940u);
    ports.write(0xCFD, 1, 0x00);
    CHECK(ports.read(0x1F7, 1) == 0xFF);
    CHECK(ports.read(0x174, 1) == 0x14);
    ports.write(0xCFD, 1, 0x80);
    CHECK(ports.read(0x1F7, 1) == 0x50);
    machine.flush_disks();
}

TEST_CASE("ata: a machine snapshot taken mid-transfer continues identically in a fresh machine") {
    using x86emu::IdeDeviceKind;
    using x86emu::IdeSlot;
    using x86emu::Machine;
    using x86emu::MachineConfig;
    using x86emu::Platform;
    const auto bytes = patterned(64);
    const auto make = [&] {
        MachineConfig config;
        config.platform = Platform::PC;
        config.memory_mib = 1;
        config.bios_image.assign(4096, 0x90);
        config.bios_image[0xFF0] = 0xEB;  // jmp $ at the reset vector: time passes, events fire
        config.bios_image[0xFF1] = 0xFE;
        config.ide_drives.push_back(
            {IdeSlot::PrimaryMaster, IdeDeviceKind::HardDisk, DiskImage::from_bytes(bytes, DiskWriteMode::Overlay)});
        return std::make_unique<Machine>(config);
    };
    const auto wait = [](Machine& m) {
        for (int i = 0; i < 1000 && (m.ports().read(0x3F6, 1) & kBsy); ++i) m.run(1000);
    };
    const auto words = [](Machine& m, unsigned n) {
        std::vector<std::uint16_t> w;
        for (unsigned i = 0; i < n; ++i) w.push_back(static_cast<std::uint16_t>(m.ports().read(0x1F0, 2)));
        return w;
    };
    auto original = make();
    Machine& m = *original;
    m.ports().write(0x1F6, 1, 0xE0);
    m.ports().write(0x1F2, 1, 3);
    m.ports().write(0x1F3, 1, 4);
    m.ports().write(0x1F7, 1, 0x20);
    wait(m);
    words(m, 100);  // a part of the first sector
    const auto snapshot = m.save_snapshot();
    auto copy = make();
    copy->restore_snapshot(snapshot);
    CHECK(copy->save_snapshot() == snapshot);
    std::vector<std::uint16_t> a, b;
    for (Machine* machine : {&m, copy.get()}) {
        auto& out = machine == &m ? a : b;
        auto rest = words(*machine, 156);
        out.insert(out.end(), rest.begin(), rest.end());
        for (int block = 0; block < 2; ++block) {
            wait(*machine);
            rest = words(*machine, 256);
            out.insert(out.end(), rest.begin(), rest.end());
        }
    }
    CHECK(a == b);
    CHECK(static_cast<std::uint8_t>(a.back() >> 8) == bytes[7 * 512 - 1]);
    CHECK(m.save_snapshot() == copy->save_snapshot());
    // A snapshot during the write's BSY: the block is written by the restored machine's event.
    m.ports().write(0x1F2, 1, 1);
    m.ports().write(0x1F3, 1, 9);
    m.ports().write(0x1F7, 1, 0x30);
    wait(m);
    for (int i = 0; i < 256; ++i) m.ports().write(0x1F0, 2, 0x4242);
    const auto busy = m.save_snapshot();
    auto third = make();
    third->restore_snapshot(busy);
    CHECK((third->ports().read(0x3F6, 1) & kBsy) != 0);
    wait(*third);
    third->ports().write(0x1F3, 1, 9);
    third->ports().write(0x1F2, 1, 1);
    third->ports().write(0x1F7, 1, 0x20);
    wait(*third);
    CHECK(words(*third, 1) == std::vector<std::uint16_t>{0x4242});
}
