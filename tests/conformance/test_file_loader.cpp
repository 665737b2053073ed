// x86emu conformance — load_test_file: JSON (nlohmann_json) to TestCase.
#include "test_file_loader.hpp"

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

std::uint16_t register_value(const json& value, const std::string& name) {
    const auto number = value.get<std::int64_t>();
    if (number < 0 || number > 0xFFFF) {
        throw InputError("register " + name + " = " + std::to_string(number) +
                         " does not fit 16 bits");
    }
    return static_cast<std::uint16_t>(number);
}

template <class Store>
void read_registers(const json& registers, Store&& store) {
    for (const auto& [name, value] : registers.items()) {
        const auto reg = test_register_from_name(name);
        if (!reg) throw InputError("unknown register \"" + name + "\"");
        store(*reg, register_value(value, name));
    }
}

std::vector<RamByte> read_ram(const json& ram) {
    std::vector<RamByte> bytes;
    bytes.reserve(ram.size());
    for (const auto& entry : ram) {
        if (!entry.is_array() || entry.size() != 2) {
            throw InputError("ram entry is not an [address, value] pair");
        }
        const auto address = entry[0].get<std::int64_t>();
        const auto value = entry[1].get<std::int64_t>();
        if (address < 0 || address > 0xFFFFFFFF || value < 0 || value > 0xFF) {
            throw InputError("ram entry [" + std::to_string(address) + ", " +
                             std::to_string(value) + "] out of range");
        }
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
        result.index = index->get<std::int64_t>();
    } else if (const auto number = test.find("test_num"); number != test.end()) {
        result.index = number->get<std::int64_t>();
    }
    for (const auto& byte : required(test, "bytes")) result.bytes.push_back(byte.get<std::uint8_t>());

    const json& initial = required(test, "initial");
    bool seen[kTestRegisterCount] = {};
    read_registers(required(initial, "regs"), [&](TestRegister reg, std::uint16_t value) {
        result.initial_registers[static_cast<std::size_t>(reg)] = value;
        seen[static_cast<std::size_t>(reg)] = true;
    });
    for (std::size_t i = 0; i < kTestRegisterCount; ++i) {
        if (!seen[i]) {
            throw InputError("initial state lacks register " + std::string(kTestRegisterNames[i]));
        }
    }
    result.initial_ram = read_ram(required(initial, "ram"));

    const json& final_state = required(test, "final");
    read_registers(required(final_state, "regs"), [&](TestRegister reg, std::uint16_t value) {
        result.final_registers[static_cast<std::size_t>(reg)] = value;
    });
    result.final_ram = read_ram(required(final_state, "ram"));

    const json& cycles = required(test, "cycles");
    if (!cycles.is_array()) throw InputError("\"cycles\" is not an array");
    result.hardware_cycles = cycles.size();

    if (const auto exception = test.find("exception");
        exception != test.end() && exception->is_object()) {
        result.exception_vector = required(*exception, "number").get<int>();
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

std::vector<TestCase> load_test_file(const std::filesystem::path& path) {
    json document;
    try {
        document = json::parse(read_gzip_file(path));
    } catch (const json::exception& e) {
        throw InputError(path.string() + ": bad JSON (" + e.what() + ")");
    }
    if (!document.is_array()) throw InputError(path.string() + ": expected an array of tests");

    std::vector<TestCase> tests;
    tests.reserve(document.size());
    for (std::size_t i = 0; i < document.size(); ++i) {
        try {
            if (!document[i].is_object()) throw InputError("test is not an object");
            tests.push_back(read_test(document[i]));
        } catch (const InputError& e) {
            throw InputError(path.string() + ": test #" + std::to_string(i) + ": " + e.what());
        } catch (const json::exception& e) {
            throw InputError(path.string() + ": test #" + std::to_string(i) +
                             ": unexpected value (" + e.what() + ")");
        }
    }
    return tests;
}

}  // namespace conformance
