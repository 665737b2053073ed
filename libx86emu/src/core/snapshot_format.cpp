// x86emu — the snapshot document's outer layer and the validating Field view
// (core/snapshot_format.hpp; the format: docs/SNAPSHOTS.md).
#include "core/snapshot_format.hpp"

#include <utility>

#ifndef X86EMU_LIBRARY_VERSION
#error "X86EMU_LIBRARY_VERSION is defined by libx86emu/CMakeLists.txt from the package version"
#endif

namespace x86emu {

std::string_view snapshot_error_kind_name(SnapshotErrorKind kind) {
    switch (kind) {
    case SnapshotErrorKind::Truncated: return "truncated";
    case SnapshotErrorKind::Corrupt: return "corrupt";
    case SnapshotErrorKind::NotASnapshot: return "not a snapshot";
    case SnapshotErrorKind::UnsupportedVersion: return "unsupported version";
    case SnapshotErrorKind::WrongKind: return "wrong kind";
    case SnapshotErrorKind::Mismatch: return "configuration mismatch";
    case SnapshotErrorKind::InvalidField: return "invalid field";
    case SnapshotErrorKind::Io: return "I/O error";
    }
    return "?";
}

namespace snapshot {

void fail(SnapshotErrorKind kind, const std::string& message) { throw SnapshotError(kind, message); }

std::uint64_t fnv1a64(std::span<const std::uint8_t> bytes) {
    std::uint64_t h = 0xCBF29CE484222325ull;  // the FNV-1a 64-bit offset basis and prime
    for (std::uint8_t b : bytes) {
        h ^= b;
        h *= 0x100000001B3ull;
    }
    return h;
}

std::string_view library_version() { return X86EMU_LIBRARY_VERSION; }

std::vector<std::uint8_t> encode_document(std::string_view kind, const json& body) {
    std::vector<std::uint8_t> body_bytes = json::to_cbor(body);
    const std::uint64_t checksum = fnv1a64(body_bytes);
    json document = {
        {"format", kFormatName},
        {"version", kSnapshotFormatVersion},
        {"kind", kind},
        {"model", body.at("cpu").at("model")},
        {"library_version", body.at("library_version")},
        {"body", json::binary(std::move(body_bytes))},
        {"body_fnv1a64", checksum},
    };
    return json::to_cbor(document);
}

namespace {
// nlohmann's CBOR reader reports both a premature end and trailing bytes as error 110; the
// position tells them apart.
json parse_cbor(std::span<const std::uint8_t> bytes, const std::string& what) {
    try {
        return json::from_cbor(bytes.begin(), bytes.end(), /*strict=*/true, /*allow_exceptions=*/true);
    } catch (const json::parse_error& e) {
        // e.byte is the 1-based position of the offending byte: one past the end when the reader
        // ran out of input.
        if (e.id == 110 && e.byte > bytes.size())
            fail(SnapshotErrorKind::Truncated, what + " ends after " + std::to_string(bytes.size()) +
                                                   " bytes, in the middle of the document");
        fail(SnapshotErrorKind::Corrupt, what + " is not valid CBOR (" + e.what() + ")");
    } catch (const json::exception& e) {
        // e.g. a damaged length that announces an impossibly large array
        fail(SnapshotErrorKind::Corrupt, what + " is not valid CBOR (" + e.what() + ")");
    }
}
}  // namespace

json decode_document(std::span<const std::uint8_t> bytes, std::string_view expected_kind) {
    if (bytes.empty()) fail(SnapshotErrorKind::Truncated, "no bytes (an empty snapshot)");
    json document = parse_cbor(bytes, "the snapshot");
    if (!document.is_object()) fail(SnapshotErrorKind::NotASnapshot, "the data is CBOR but not a snapshot (no map at the top)");
    auto format = document.find("format");
    if (format == document.end() || !format->is_string() || format->get_ref<const std::string&>() != kFormatName)
        fail(SnapshotErrorKind::NotASnapshot,
             "the data is CBOR but not an \"x86emu-snapshot\" (its \"format\" field is missing or different)");
    auto version = document.find("version");
    if (version == document.end() || !version->is_number_unsigned())
        fail(SnapshotErrorKind::Corrupt, "the \"version\" field is missing or not an unsigned integer");
    const std::uint64_t v = version->get<std::uint64_t>();
    if (v == 0 || v > kSnapshotFormatVersion)
        fail(SnapshotErrorKind::UnsupportedVersion,
             "format version " + std::to_string(v) + " is not readable by this library, which reads version " +
                 std::to_string(kSnapshotFormatVersion) + (v > kSnapshotFormatVersion ? " (the snapshot is newer)" : ""));
    auto kind = document.find("kind");
    if (kind == document.end() || !kind->is_string())
        fail(SnapshotErrorKind::Corrupt, "the \"kind\" field is missing or not a string");
    const std::string& k = kind->get_ref<const std::string&>();
    if (k != expected_kind)
        fail(SnapshotErrorKind::WrongKind, "this is a \"" + k + "\" snapshot; a \"" + std::string(expected_kind) +
                                               "\" snapshot is needed here");
    auto body = document.find("body");
    auto checksum = document.find("body_fnv1a64");
    if (body == document.end() || !body->is_binary() || checksum == document.end() || !checksum->is_number_unsigned())
        fail(SnapshotErrorKind::Corrupt, "the \"body\" byte string or its \"body_fnv1a64\" checksum is missing");
    const std::vector<std::uint8_t>& body_bytes = body->get_binary();
    if (fnv1a64(body_bytes) != checksum->get<std::uint64_t>())
        fail(SnapshotErrorKind::Corrupt, "the body's checksum does not match: the snapshot is damaged");
    json parsed = parse_cbor(body_bytes, "the snapshot's body");
    if (!parsed.is_object()) fail(SnapshotErrorKind::Corrupt, "the snapshot's body is not a map");
    // The header's model and library version are copies for readers that look no further; the
    // checksum covers the body, so a copy that differs from it is damage.
    auto model = document.find("model");
    auto version_text = document.find("library_version");
    const json* body_model = parsed.contains("cpu") && parsed["cpu"].is_object() && parsed["cpu"].contains("model")
                                 ? &parsed["cpu"]["model"] : nullptr;
    const json* body_version = parsed.contains("library_version") ? &parsed["library_version"] : nullptr;
    // (A body without them is reported by the reader of the body, naming the field.)
    if (model == document.end() || version_text == document.end() || (body_model && *model != *body_model) ||
        (body_version && *version_text != *body_version))
        fail(SnapshotErrorKind::Corrupt, "the header's \"model\" or \"library_version\" is missing or differs from the body's");
    return parsed;
}

// ---- Field --------------------------------------------------------------------------------------

void Field::invalid(const std::string& what) const { fail(SnapshotErrorKind::InvalidField, path_ + ": " + what); }

bool Field::has(std::string_view key) const {
    if (!value_->is_object()) invalid("expected a map");
    return value_->contains(key);
}

Field Field::operator[](std::string_view key) const {
    if (!value_->is_object()) invalid("expected a map");
    auto it = value_->find(key);
    std::string child = path_.empty() ? std::string(key) : path_ + "." + std::string(key);
    if (it == value_->end()) fail(SnapshotErrorKind::InvalidField, child + ": missing");
    return Field(*it, std::move(child));
}

std::size_t Field::array_size() const {
    if (!value_->is_array()) invalid("expected an array");
    return value_->size();
}

const Field& Field::expect_size(std::size_t n) const {
    if (array_size() != n)
        invalid("expected " + std::to_string(n) + " elements, found " + std::to_string(value_->size()));
    return *this;
}

Field Field::at(std::size_t index) const {
    if (index >= array_size()) invalid("no element " + std::to_string(index));
    return Field((*value_)[index], path_ + "[" + std::to_string(index) + "]");
}

std::uint64_t Field::unsigned_value(std::uint64_t max) const {
    if (!value_->is_number_unsigned()) invalid("expected an unsigned integer");
    const std::uint64_t v = value_->get<std::uint64_t>();
    if (v > max) invalid(std::to_string(v) + " is out of range (0 to " + std::to_string(max) + ")");
    return v;
}

bool Field::boolean() const {
    if (!value_->is_boolean()) invalid("expected true or false");
    return value_->get<bool>();
}

std::string Field::string() const {
    if (!value_->is_string()) invalid("expected a text string");
    return value_->get<std::string>();
}

const std::vector<std::uint8_t>& Field::bytes() const {
    if (!value_->is_binary()) invalid("expected a byte string");
    return value_->get_binary();
}

}  // namespace snapshot
}  // namespace x86emu
