// x86emu — the snapshot document (docs/SNAPSHOTS.md): the outer CBOR map with the format name,
// version, kind, CPU model and library version, the body as a CBOR byte string and its checksum; and Field, a validating view
// of a decoded value that names the path of whatever is missing, mistyped or out of range.
// Private to the library: the public API only sees bytes and SnapshotError.
#pragma once
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "x86emu/snapshot.hpp"

namespace x86emu::snapshot {

using nlohmann::json;

inline constexpr std::string_view kFormatName = "x86emu-snapshot";
inline constexpr std::string_view kKindCpu = "cpu";
inline constexpr std::string_view kKindMachine = "machine";

[[noreturn]] void fail(SnapshotErrorKind kind, const std::string& message);

// FNV-1a, 64 bits: the body checksum and the BIOS image's fingerprint. It finds corruption,
// not tampering, which is all a snapshot needs.
std::uint64_t fnv1a64(std::span<const std::uint8_t> bytes);

// The library's version ("0.1.0"), recorded in every body for diagnosis only.
std::string_view library_version();

// The whole byte form of a snapshot of `kind` whose body is `body` (a JSON object with
// "library_version" and "cpu"."model", copied into the header).
std::vector<std::uint8_t> encode_document(std::string_view kind, const json& body);
// Checks the outer document (CBOR, format name, version, kind, checksum, the header's copies of
// the model and library version) and returns the body.
// Throws SnapshotError (Truncated, Corrupt, NotASnapshot, UnsupportedVersion, WrongKind).
json decode_document(std::span<const std::uint8_t> bytes, std::string_view expected_kind);

// A decoded value and where it sits ("cpu.state.seg[2].limit"); every accessor checks the type
// and range it asks for and throws SnapshotError(InvalidField) naming the path otherwise.
class Field {
public:
    Field(const json& value, std::string path) : value_(&value), path_(std::move(path)) {}

    const std::string& path() const { return path_; }
    const json& value() const { return *value_; }

    bool has(std::string_view key) const;  // requires an object
    Field operator[](std::string_view key) const;  // a required member of an object
    std::size_t array_size() const;                // requires an array
    const Field& expect_size(std::size_t n) const;  // requires an array of exactly n elements
    Field at(std::size_t index) const;             // an element of an array (index < array_size())

    template <class T> T uint(std::uint64_t max = std::numeric_limits<T>::max()) const {
        return static_cast<T>(unsigned_value(max));
    }
    bool boolean() const;
    std::string string() const;
    const std::vector<std::uint8_t>& bytes() const;

    [[noreturn]] void invalid(const std::string& what) const;

private:
    std::uint64_t unsigned_value(std::uint64_t max) const;

    const json* value_;
    std::string path_;
};

}  // namespace x86emu::snapshot
