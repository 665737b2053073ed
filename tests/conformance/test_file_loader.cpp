// x86emu conformance — load_test_file: JSON (nlohmann_json) to TestCase, streamed: the file is
// decompressed in chunks into the parser and each test is converted as soon as its object ends.
#include "test_file_loader.hpp"

#include <algorithm>
#include <cstdint>
#include <istream>
#include <optional>
#include <streambuf>
#include <string>

#include <nlohmann/json.hpp>

#include "gzip_file.hpp"

namespace conformance {
namespace {

using nlohmann::json;

const json& required(const json& object, const char* key) {
    const auto found = object.find(key);
    if (found == object.end()) throw InputError(std::string("missing field \"") + key + "\"");
    return *found;
}

// A JSON integer within [low, high]. nlohmann's get<> would convert 1.5 to 1, -1 to 65535 and
// 300 to a byte 44 without a word: a capture is exact, so anything else is a corrupt file.
// `field` names where the value sits in the test ("initial.regs.ax", "bytes[2]", ...).
std::int64_t integer_in(const json& value, std::int64_t low, std::int64_t high, const std::string& field) {
    if (!value.is_number_integer())
        throw InputError(field + " = " + value.dump() + " is not an integer");
    const bool too_big = value.is_number_unsigned() ? value.get<std::uint64_t>() > static_cast<std::uint64_t>(high)
                                                    : value.get<std::int64_t>() > high;
    if (too_big || (!value.is_number_unsigned() && value.get<std::int64_t>() < low))
        throw InputError(field + " = " + value.dump() + " is outside " + std::to_string(low) + ".." +
                         std::to_string(high));
    return value.get<std::int64_t>();
}

template <class Store>
void read_registers(const json& registers, const std::string& where, Store&& store) {
    if (!registers.is_object()) throw InputError(where + " is not an object");
    for (const auto& [name, value] : registers.items()) {
        const auto reg = test_register_from_name(name);
        if (!reg) throw InputError("unknown register \"" + name + "\" in " + where);
        store(*reg, static_cast<std::uint16_t>(integer_in(value, 0, 0xFFFF, where + "." + name)));
    }
}

std::vector<RamByte> read_ram(const json& ram, const std::string& where) {
    if (!ram.is_array()) throw InputError(where + " is not an array");
    std::vector<RamByte> bytes;
    bytes.reserve(ram.size());
    for (std::size_t i = 0; i < ram.size(); ++i) {
        const json& entry = ram[i];
        const std::string field = where + "[" + std::to_string(i) + "]";
        if (!entry.is_array() || entry.size() != 2) {
            throw InputError(field + " is not an [address, value] pair");
        }
        const auto address = integer_in(entry[0], 0, 0xFFFFFFFF, field + " address");
        const auto value = integer_in(entry[1], 0, 0xFF, field + " value");
        bytes.push_back({static_cast<std::uint32_t>(address), static_cast<std::uint8_t>(value)});
    }
    return bytes;
}

// Thrown by GzipStreamBuffer when one test's text outgrows its window; load_test_file turns it
// into an InputError naming the test.
struct TestTooLarge {};

// The decompressed text as the std::streambuf nlohmann's parser reads from, one 64 KiB chunk at
// a time. It also bounds the text of one test: the parser builds a tree of each test before it
// is converted, several times the size of its text (an array of small numbers: about 8 bytes per
// byte), so a single huge test in a bomb of valid JSON would otherwise take memory up to the
// file's limit times that factor.
class GzipStreamBuffer : public std::streambuf {
public:
    explicit GzipStreamBuffer(GzipReader& reader) : reader_(reader) { setg(chunk_, chunk_, chunk_); }

    // From here on, at most `max_bytes` more bytes may be read before the next call.
    void start_test_window(std::size_t max_bytes) {
        window_end_ = position() + max_bytes;
        windowed_ = true;
        expose();
    }
    // After the array: only whitespace may follow, which the parser does not keep.
    void end_test_window() {
        windowed_ = false;
        expose();
    }
    bool reader_failed() const { return reader_failed_; }

protected:
    int_type underflow() override {
        if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
        if (gptr() == chunk_ + filled_) {  // the chunk is used up: decompress the next
            consumed_ += filled_;
            std::size_t wanted = sizeof chunk_;
            // One byte beyond the window shows whether the text goes on past it.
            if (windowed_) wanted = std::min(wanted, window_end_ - position() + 1);
            filled_ = read_chunk(chunk_, wanted);
            setg(chunk_, chunk_, chunk_);
            if (filled_ == 0) return traits_type::eof();
        }
        expose();
        // More text is there, but the window ends here. A file that ends exactly at the window's
        // end is left to the parser (truncated, or complete if that was its last byte).
        if (gptr() == egptr()) throw TestTooLarge{};
        return traits_type::to_int_type(*gptr());
    }

private:
    std::size_t position() const { return consumed_ + static_cast<std::size_t>(gptr() - chunk_); }
    // The parser may read to the end of the chunk, or of the window when that comes first; the
    // rest stays in the chunk until a new window starts.
    void expose() {
        std::size_t end = filled_;
        if (windowed_) end = std::min(end, window_end_ - consumed_);
        setg(chunk_, gptr(), chunk_ + end);
    }
    std::size_t read_chunk(char* into, std::size_t size) {
        try {
            return reader_.read(into, size);
        } catch (const InputError&) {
            reader_failed_ = true;
            throw;
        }
    }

    GzipReader& reader_;
    char chunk_[1 << 16];
    std::size_t filled_ = 0;    // bytes of chunk_ holding text
    std::size_t consumed_ = 0;  // bytes before chunk_
    std::size_t window_end_ = 0;
    bool windowed_ = false;
    bool reader_failed_ = false;
};

TestCase read_test(const json& test) {
    TestCase result;
    result.name = required(test, "name").get<std::string>();
    if (const auto hash = test.find("hash"); hash != test.end()) {
        result.hash = hash->get<std::string>();
    } else {
        result.hash = required(test, "test_hash").get<std::string>();
    }
    if (const auto index = test.find("idx"); index != test.end()) {
        result.index = integer_in(*index, 0, INT64_MAX, "idx");
    } else if (const auto number = test.find("test_num"); number != test.end()) {
        result.index = integer_in(*number, 0, INT64_MAX, "test_num");
    }
    const json& bytes = required(test, "bytes");
    if (!bytes.is_array()) throw InputError("bytes is not an array");
    for (std::size_t i = 0; i < bytes.size(); ++i)
        result.bytes.push_back(static_cast<std::uint8_t>(integer_in(bytes[i], 0, 0xFF, "bytes[" + std::to_string(i) + "]")));

    const json& initial = required(test, "initial");
    bool seen[kTestRegisterCount] = {};
    read_registers(required(initial, "regs"), "initial.regs", [&](TestRegister reg, std::uint16_t value) {
        result.initial_registers[static_cast<std::size_t>(reg)] = value;
        seen[static_cast<std::size_t>(reg)] = true;
    });
    for (std::size_t i = 0; i < kTestRegisterCount; ++i) {
        if (!seen[i]) {
            throw InputError("initial state lacks register " + std::string(kTestRegisterNames[i]));
        }
    }
    result.initial_ram = read_ram(required(initial, "ram"), "initial.ram");

    const json& final_state = required(test, "final");
    read_registers(required(final_state, "regs"), "final.regs", [&](TestRegister reg, std::uint16_t value) {
        result.final_registers[static_cast<std::size_t>(reg)] = value;
    });
    result.final_ram = read_ram(required(final_state, "ram"), "final.ram");

    const json& cycles = required(test, "cycles");
    if (!cycles.is_array()) throw InputError("\"cycles\" is not an array");
    result.hardware_cycles = cycles.size();

    if (const auto exception = test.find("exception");
        exception != test.end() && exception->is_object()) {
        result.exception_vector = static_cast<int>(integer_in(required(*exception, "number"), 0, 255, "exception.number"));
    }
    return result;
}

}  // namespace

std::optional<TestRegister> test_register_from_name(std::string_view name) {
    for (std::size_t i = 0; i < kTestRegisterCount; ++i) {
        if (kTestRegisterNames[i] == name) return static_cast<TestRegister>(i);
    }
    return std::nullopt;
}

std::size_t loaded_size(const TestCase& test) {
    return sizeof(TestCase) + test.name.size() + test.hash.size() + test.bytes.capacity() +
           (test.initial_ram.capacity() + test.final_ram.capacity()) * sizeof(RamByte);
}

std::vector<TestCase> load_test_file(const std::filesystem::path& path, const LoadLimits& limits) {
    const std::size_t max_test_bytes = limits.test_bytes;
    GzipReader reader(path, limits.file_bytes);
    GzipStreamBuffer buffer(reader);
    std::istream stream(&buffer);

    std::vector<TestCase> tests;
    std::size_t owned_bytes = 0;  // the heap blocks of the loaded tests, beyond the vector
    std::size_t started = 0;      // top-level elements begun: the current test is #started - 1
    bool in_test = false;         // inside a top-level element
    bool top_is_array = false;
    std::string last_key;         // the current test's last top-level key
    std::optional<std::string> name;  // the current test's "name", once parsed
    auto which = [&](std::size_t index) {
        std::string text = path.string() + ": test #" + std::to_string(index);
        if (name) text += " \"" + *name + "\"";
        return text;
    };
    auto begin_test = [&] {
        ++started;
        in_test = true;
        name.reset();
        last_key.clear();
    };

    // Called by the parser at every event; depth 0 is the file's array, depth 1 a test, depth 2
    // a test's fields. Each test is converted when its object closes and then discarded
    // (returning false), so the parser's tree never holds more than one test.
    const json::parser_callback_t on_event = [&](int depth, json::parse_event_t event, json& parsed) {
        using E = json::parse_event_t;
        if (depth == 0) {
            if (event == E::array_start) {
                top_is_array = true;
                buffer.start_test_window(max_test_bytes);
                return true;
            }
            if (event == E::array_end) {
                buffer.end_test_window();
                return true;
            }
            // An object or a scalar: fail at its first byte, not after reading the whole file.
            throw InputError(path.string() + ": expected an array of tests");
        }
        if (depth == 1) {
            if (event == E::object_start) {
                begin_test();
                return true;
            }
            if (event == E::object_end) {
                try {
                    tests.push_back(read_test(parsed));
                    owned_bytes += loaded_size(tests.back()) - sizeof(TestCase);
                    if (owned_bytes + tests.capacity() * sizeof(TestCase) > limits.loaded_bytes) {
                        throw InputError("the tests loaded up to this one take more than " +
                                         std::to_string(limits.loaded_bytes) +
                                         " bytes of memory, the limit for one file's tests");
                    }
                } catch (const InputError& e) {
                    throw InputError(which(started - 1) + ": " + e.what());
                } catch (const json::exception& e) {
                    throw InputError(which(started - 1) + ": unexpected value (" + e.what() + ")");
                }
                in_test = false;
                buffer.start_test_window(max_test_bytes);
                return false;
            }
            if (event == E::key) {  // depth 1 keys belong to a top-level object: rejected above
                return true;
            }
            // A scalar or an array where a test should be.
            begin_test();
            throw InputError(which(started - 1) + ": test is not an object");
        }
        if (depth == 2 && in_test) {
            if (event == E::key) {
                last_key = parsed.get<std::string>();
            } else if (event == E::value && last_key == "name" && parsed.is_string()) {
                name = parsed.get<std::string>();
            }
        }
        return true;
    };

    json remainder;  // the top-level array, left empty: every test in it was discarded
    try {
        remainder = json::parse(stream, on_event);
    } catch (const TestTooLarge&) {
        // Outside a test the text may be a huge scalar where a test should be, or whitespace:
        // the stream cannot tell until it ends, so it counts against the next test too.
        const std::string limit = std::to_string(max_test_bytes) +
                                  " bytes of text, the limit for one test (it bounds the parser's memory)";
        if (in_test) throw InputError(which(started - 1) + ": more than " + limit);
        throw InputError(path.string() + ": more than " + limit.substr(0, limit.find(',')) + " before test #" +
                         std::to_string(started) + limit.substr(limit.find(',')));
    } catch (const json::exception& e) {
        // The parser stops at the first byte that is not JSON; say which test it was in.
        if (in_test) throw InputError(which(started - 1) + ": bad JSON (" + e.what() + ")");
        if (started > 0) {
            name.reset();
            throw InputError(path.string() + ": bad JSON after test #" + std::to_string(started - 1) + " (" + e.what() + ")");
        }
        throw InputError(path.string() + ": bad JSON (" + e.what() + ")");
    } catch (const InputError& e) {
        // A gzip error or the file's limit, met while the parser asked for more text.
        if (!buffer.reader_failed()) throw;
        if (in_test) throw InputError(std::string(e.what()) + ", in test #" + std::to_string(started - 1) +
                                      (name ? " \"" + *name + "\"" : std::string()));
        throw;
    }
    if (!top_is_array || !remainder.is_array()) throw InputError(path.string() + ": expected an array of tests");
    return tests;
}

}  // namespace conformance
