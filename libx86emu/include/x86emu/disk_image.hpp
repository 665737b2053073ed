// x86emu — disk images: the host side of an emulated ATA hard disk or ATAPI CD-ROM.
//
// A DiskImage is a raw image (a flat array of 512-byte sectors, as `dd` or `qemu-img -f raw`
// make them) in a host file or in host memory, in one of three modes:
//   * WriteThrough: the guest's writes go to the file with pwrite() before the device reports
//     the command complete, so that a host process killed at any moment (SIGKILL included) has
//     lost nothing the guest saw completed (the data is in the host's page cache, which outlives
//     the process); flush() (the guest's FLUSH CACHE, a clean exit, a triple fault) makes it
//     durable with fdatasync(). The file is locked (flock LOCK_EX) while open, so that two runs
//     cannot write one image at once.
//   * ReadOnly: the guest's writes fail (the drive reports them as aborted); the file is opened
//     read-only and shared-locked. A CD-ROM image is always this.
//   * Overlay: copy-on-write in host memory (QEMU's -snapshot): the guest reads back what it
//     wrote, the file is opened read-only and never modified; the overlay is lost when the image
//     is destroyed. Its size grows by 512 bytes (plus map overhead) per distinct sector written.
// Sizes: a non-empty multiple of `granule` bytes (512 for a disk, 2048 for a CD-ROM image).
// Every problem opening an image (missing, a directory, empty, a size that is not a multiple,
// unreadable, unwritable, locked by another process) is a DiskImageError naming the path.
//
// Threads: not thread-safe; the device uses it from the thread running the machine.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace x86emu {

// Opening or accessing an image failed on the host (the message names the image).
struct DiskImageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

enum class DiskWriteMode { WriteThrough, ReadOnly, Overlay };

class DiskImage {
public:
    static constexpr std::uint32_t kSectorBytes = 512;

    // Opens the raw image at `path` (see the top for the modes and the errors).
    static std::shared_ptr<DiskImage> open_file(const std::string& path, DiskWriteMode mode,
                                                std::uint32_t granule = kSectorBytes);
    // An image held in host memory (tests, embedders that build a disk on the fly): `bytes` is
    // its initial contents (a non-empty multiple of `granule`, DiskImageError otherwise).
    // WriteThrough writes into `bytes` (contents() shows them), Overlay keeps them apart.
    static std::shared_ptr<DiskImage> from_bytes(std::vector<std::uint8_t> bytes, DiskWriteMode mode,
                                                 std::uint32_t granule = kSectorBytes);

    // Flushes (as flush(), errors ignored: a destructor cannot report them) and closes.
    ~DiskImage();
    DiskImage(const DiskImage&) = delete;
    DiskImage& operator=(const DiskImage&) = delete;

    std::uint64_t sector_count() const { return size_bytes_ / kSectorBytes; }
    std::uint64_t size_bytes() const { return size_bytes_; }
    DiskWriteMode mode() const { return mode_; }
    bool writable() const { return mode_ != DiskWriteMode::ReadOnly; }
    const std::string& name() const { return name_; }  // the path, or "<memory>"

    // `out.size()` / 512 sectors starting at `lba` (out.size() a multiple of 512 and the range
    // inside the image: std::out_of_range otherwise). DiskImageError for a host I/O error.
    void read(std::uint64_t lba, std::span<std::uint8_t> out);
    // Likewise; std::logic_error for a ReadOnly image (the device checks writable() first).
    // Returns when the data is in the file (WriteThrough) or the overlay.
    void write(std::uint64_t lba, std::span<const std::uint8_t> data);
    // WriteThrough file: fdatasync(); DiskImageError if it fails. Nothing to do otherwise.
    void flush();

    // How many distinct sectors the Overlay holds; 0 in the other modes.
    std::size_t overlay_sectors() const { return overlay_.size(); }
    // The memory image's bytes (from_bytes); empty for a file.
    const std::vector<std::uint8_t>& contents() const { return memory_; }

private:
    DiskImage() = default;
    void check_range(std::uint64_t lba, std::size_t bytes, const char* what) const;
    void read_base(std::uint64_t offset, std::span<std::uint8_t> out);

    std::string name_;
    DiskWriteMode mode_ = DiskWriteMode::ReadOnly;
    std::uint64_t size_bytes_ = 0;
    int fd_ = -1;                       // a file image; -1 for a memory image
    std::vector<std::uint8_t> memory_;  // a memory image's contents
    bool dirty_ = false;                // written since the last flush (WriteThrough file)
    std::unordered_map<std::uint64_t, std::vector<std::uint8_t>> overlay_;  // lba -> 512 bytes
};

}  // namespace x86emu
