// x86emu conformance — load_test_file: JSON (nlohmann_json) to TestCase.
#include "test_file_loader.hpp"

#include <cstdint>
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

std::vector<TestCase> load_test_file(const std::filesystem::path& path, std::size_t max_bytes) {
    json document;
    try {
        document = json::parse(read_gzip_file(path, max_bytes));
    } catch (const json::exception& e) {
        throw InputError(path.string() + ": bad JSON (" + e.what() + ")");
    }
    if (!document.is_array()) throw InputError(path.string() + ": expected an array of tests");

    std::vector<TestCase> tests;
    tests.reserve(document.size());
    for (std::size_t i = 0; i < document.size(); ++i) {
        // Errors name the test by position and, when it has one, by name.
        std::string which = path.string() + ": test #" + std::to_string(i);
        if (document[i].is_object()) {
            if (const auto name = document[i].find("name"); name != document[i].end() && name->is_string())
                which += " \"" + name->get<std::string>() + "\"";
        }
        try {
            if (!document[i].is_object()) throw InputError("test is not an object");
            tests.push_back(read_test(document[i]));
        } catch (const InputError& e) {
            throw InputError(which + ": " + e.what());
        } catch (const json::exception& e) {
            throw InputError(which + ": unexpected value (" + e.what() + ")");
        }
    }
    return tests;
}

}  // namespace conformance
