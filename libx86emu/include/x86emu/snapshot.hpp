// x86emu — snapshots: the complete state of a Cpu or a Machine as portable bytes
// (Cpu::save_snapshot / restore_snapshot, Machine::save_snapshot / restore_snapshot), the error
// they raise on bad input, and file helpers. The format (CBOR, versioned, no host pointers) is
// documented in docs/SNAPSHOTS.md; the bytes are the whole interface, so no serialisation
// library's types appear here.
#pragma once
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace x86emu {

// The format version this library writes, and the newest it reads (docs/SNAPSHOTS.md,
// "Versioning").
inline constexpr std::uint32_t kSnapshotFormatVersion = 1;

// What was wrong with a snapshot. A restore that throws has changed nothing.
enum class SnapshotErrorKind : std::uint8_t {
    Truncated,           // the bytes end in the middle of the document
    Corrupt,             // not CBOR, not the document's shape, or the checksum does not match
    NotASnapshot,        // valid CBOR without the "x86emu-snapshot" format name
    UnsupportedVersion,  // a format version this library does not read (newer, or 0)
    WrongKind,           // a "machine" snapshot given to a Cpu, or a "cpu" one to a Machine
    Mismatch,            // taken on another configuration: CPU model, FPU, clock, RAM size, BIOS
    InvalidField,        // a field missing, of the wrong type or out of range (the message names it)
    Io,                  // read_snapshot_file / write_snapshot_file could not read or write the file
};

std::string_view snapshot_error_kind_name(SnapshotErrorKind kind);

class SnapshotError : public std::runtime_error {
public:
    SnapshotError(SnapshotErrorKind kind, const std::string& message)
        : std::runtime_error("snapshot: " + message), kind_(kind) {}
    SnapshotErrorKind kind() const { return kind_; }

private:
    SnapshotErrorKind kind_;
};

// Whole-file helpers around the byte form (SnapshotErrorKind::Io on failure, naming the path).
// Writing goes to a temporary file next to `path` that is renamed over it, so a crash never
// leaves a half-written snapshot under the real name.
void write_snapshot_file(const std::filesystem::path& path, std::span<const std::uint8_t> bytes);
std::vector<std::uint8_t> read_snapshot_file(const std::filesystem::path& path);

}  // namespace x86emu
