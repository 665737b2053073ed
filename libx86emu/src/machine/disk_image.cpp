// x86emu — raw disk images on POSIX files or host memory (x86emu/disk_image.hpp): pread/pwrite
// loops that survive EINTR and short transfers, flock against a second writer, fdatasync for
// FLUSH CACHE, a copy-on-write sector map for Overlay mode.
#include "x86emu/disk_image.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace x86emu {

namespace {

std::string errno_text() { return std::strerror(errno); }

void check_size(const std::string& name, std::uint64_t bytes, std::uint32_t granule) {
    if (granule == 0 || granule % DiskImage::kSectorBytes != 0)
        throw DiskImageError("disk image '" + name + "': granule " + std::to_string(granule) +
                             " is not a multiple of 512 bytes");
    if (bytes == 0) throw DiskImageError("disk image '" + name + "' is empty");
    if (bytes % granule != 0)
        throw DiskImageError("disk image '" + name + "' is " + std::to_string(bytes) +
                             " bytes, not a multiple of " + std::to_string(granule) + " (a raw image of " +
                             std::to_string(granule) + "-byte sectors)");
}

}  // namespace

std::shared_ptr<DiskImage> DiskImage::open_file(const std::string& path, DiskWriteMode mode, std::uint32_t granule) {
    std::shared_ptr<DiskImage> image(new DiskImage());
    image->name_ = path;
    image->mode_ = mode;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        throw DiskImageError("disk image '" + path + "': " + (errno == ENOENT ? std::string("does not exist") : errno_text()));
    if (S_ISDIR(st.st_mode)) throw DiskImageError("disk image '" + path + "' is a directory");
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
        throw DiskImageError("disk image '" + path + "' is not a regular file or block device");
    const bool write = mode == DiskWriteMode::WriteThrough;
    const int fd = ::open(path.c_str(), (write ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (fd < 0)
        throw DiskImageError("disk image '" + path + "': cannot open for " + (write ? "reading and writing" : "reading") +
                             ": " + errno_text() + (write ? " (use --snapshot or a read-only mode to run without writing)" : ""));
    image->fd_ = fd;  // closed by the destructor from here on
    if (::flock(fd, (write ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0)
        throw DiskImageError("disk image '" + path + "' is in use by another process (" +
                             (errno == EWOULDBLOCK ? std::string("locked") : errno_text()) + ")");
    const off_t end = ::lseek(fd, 0, SEEK_END);
    if (end < 0) throw DiskImageError("disk image '" + path + "': cannot find its size: " + errno_text());
    image->size_bytes_ = static_cast<std::uint64_t>(end);
    check_size(path, image->size_bytes_, granule);
    return image;
}

std::shared_ptr<DiskImage> DiskImage::from_bytes(std::vector<std::uint8_t> bytes, DiskWriteMode mode,
                                                 std::uint32_t granule) {
    check_size("<memory>", bytes.size(), granule);
    std::shared_ptr<DiskImage> image(new DiskImage());
    image->name_ = "<memory>";
    image->mode_ = mode;
    image->size_bytes_ = bytes.size();
    image->memory_ = std::move(bytes);
    return image;
}

DiskImage::~DiskImage() {
    if (fd_ < 0) return;
    try {
        flush();
    } catch (const DiskImageError&) {
        // Nothing to report to from here; the embedder calls flush() to see errors.
    }
    ::close(fd_);
}

void DiskImage::check_range(std::uint64_t lba, std::size_t bytes, const char* what) const {
    if (bytes % kSectorBytes != 0 || lba > sector_count() || bytes / kSectorBytes > sector_count() - lba)
        throw std::out_of_range(std::string("DiskImage::") + what + ": " + std::to_string(bytes) + " bytes at sector " +
                                std::to_string(lba) + " are outside '" + name_ + "' (" +
                                std::to_string(sector_count()) + " sectors) or not whole sectors");
}

void DiskImage::read_base(std::uint64_t offset, std::span<std::uint8_t> out) {
    if (fd_ < 0) {
        std::memcpy(out.data(), memory_.data() + offset, out.size());
        return;
    }
    std::size_t done = 0;
    while (done < out.size()) {
        const ssize_t n = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw DiskImageError("disk image '" + name_ + "': read error: " + errno_text());
        if (n == 0) throw DiskImageError("disk image '" + name_ + "': the file shrank while in use");
        done += static_cast<std::size_t>(n);
    }
}

void DiskImage::read(std::uint64_t lba, std::span<std::uint8_t> out) {
    check_range(lba, out.size(), "read");
    read_base(lba * kSectorBytes, out);
    if (overlay_.empty()) return;
    for (std::size_t i = 0; i < out.size() / kSectorBytes; ++i) {
        const auto found = overlay_.find(lba + i);
        if (found != overlay_.end()) std::memcpy(out.data() + i * kSectorBytes, found->second.data(), kSectorBytes);
    }
}

void DiskImage::write(std::uint64_t lba, std::span<const std::uint8_t> data) {
    check_range(lba, data.size(), "write");
    if (mode_ == DiskWriteMode::ReadOnly) throw std::logic_error("DiskImage::write: '" + name_ + "' is read-only");
    if (mode_ == DiskWriteMode::Overlay) {
        for (std::size_t i = 0; i < data.size() / kSectorBytes; ++i) {
            const auto* sector = data.data() + i * kSectorBytes;
            overlay_[lba + i].assign(sector, sector + kSectorBytes);
        }
        return;
    }
    if (fd_ < 0) {
        std::memcpy(memory_.data() + lba * kSectorBytes, data.data(), data.size());
        return;
    }
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n =
            ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(lba * kSectorBytes + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw DiskImageError("disk image '" + name_ + "': write error: " + (n < 0 ? errno_text() : "no progress"));
        done += static_cast<std::size_t>(n);
    }
    dirty_ = true;
}

void DiskImage::flush() {
    if (fd_ < 0 || mode_ != DiskWriteMode::WriteThrough || !dirty_) return;
    int rc;
    do {
        rc = ::fdatasync(fd_);
    } while (rc != 0 && errno == EINTR);
    // A block device or a file system without fdatasync support: fsync is the fallback.
    if (rc != 0 && errno == EINVAL) rc = ::fsync(fd_);
    if (rc != 0) throw DiskImageError("disk image '" + name_ + "': flush (fdatasync) failed: " + errno_text());
    dirty_ = false;
}

}  // namespace x86emu
