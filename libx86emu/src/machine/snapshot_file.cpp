// x86emu — snapshot files (x86emu/snapshot.hpp): the byte form written whole through a temporary
// file and a rename, read whole.
#include <fstream>
#include <iterator>
#include <system_error>

#include "x86emu/snapshot.hpp"

namespace x86emu {

void write_snapshot_file(const std::filesystem::path& path, std::span<const std::uint8_t> bytes) {
    std::filesystem::path temporary = path;
    temporary += ".partial";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        out.flush();
        if (!out)
            throw SnapshotError(SnapshotErrorKind::Io, "cannot write " + temporary.string());
    }
    std::error_code error;
    std::filesystem::rename(temporary, path, error);
    if (error) {
        std::filesystem::remove(temporary, error);
        throw SnapshotError(SnapshotErrorKind::Io, "cannot rename " + temporary.string() + " to " + path.string() + ": " + error.message());
    }
}

std::vector<std::uint8_t> read_snapshot_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw SnapshotError(SnapshotErrorKind::Io, "cannot open " + path.string());
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw SnapshotError(SnapshotErrorKind::Io, "cannot read " + path.string());
    return bytes;
}

}  // namespace x86emu
