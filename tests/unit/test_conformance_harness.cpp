// x86emu unit tests — the conformance harness's own pieces: TestBus restore, suite file
// selection, revocation list, metadata flag masks, masked-flag classification, gzip/JSON
// loading errors and the 80286 cycle calibration.
#include <doctest/doctest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "comparison.hpp"
#include "cycle_mapping.hpp"
#include "gzip_file.hpp"
#include "report.hpp"
#include "test_bus.hpp"
#include "test_file_loader.hpp"
#include "test_suite_files.hpp"

using namespace conformance;
namespace fs = std::filesystem;

namespace {

// A fresh, empty directory under the system temp dir, removed at the end of the test.
struct ScratchDirectory {
    fs::path path;
    explicit ScratchDirectory(const std::string& name)
        : path(fs::temp_directory_path() / ("x86emu-unit-" + name)) {
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~ScratchDirectory() { fs::remove_all(path); }
};

void write_text(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

void write_gzip(const fs::path& path, const std::string& text) {
    gzFile file = gzopen(path.c_str(), "wb");
    REQUIRE(file != nullptr);
    gzwrite(file, text.data(), static_cast<unsigned>(text.size()));
    gzclose(file);
}

constexpr const char* kOneTest8086 = R"([{"name": "nop", "bytes": [144],
  "initial": {"regs": {"ax": 1, "bx": 2, "cx": 3, "dx": 4, "cs": 5, "ss": 6, "ds": 7, "es": 8,
                       "sp": 9, "bp": 10, "si": 11, "di": 12, "ip": 13, "flags": 61442},
              "ram": [[93, 144]], "queue": [144]},
  "final": {"regs": {"ip": 14}, "ram": [[93, 144]], "queue": []},
  "cycles": [[0], [0], [0]], "test_hash": "abc", "test_num": 7}])";

}  // namespace

TEST_CASE("TestBus restores exactly the bytes a test touched and tracks CPU writes") {
    TestBus bus(20);
    const RamByte setup[] = {{0x12345, 0xAA}, {0xFFFFF, 0xBB}};
    bus.load(setup);
    bus.write8(0x00010, 0x11);
    bus.write8(0x12345, 0xCC);
    bus.write8(0x100010, 0x22);  // beyond 1 MiB: wraps to 0x00010 on a 20-bit bus
    CHECK(bus.peek(0x12345) == 0xCC);
    CHECK(bus.peek(0x00010) == 0x22);
    CHECK(bus.cpu_written_addresses() == std::vector<std::uint32_t>{0x00010, 0x12345});
    CHECK(bus.io_read(0x60, 1) == 0xFF);
    CHECK(bus.io_read(0x60, 2) == 0xFFFF);

    std::vector<std::uint32_t> changed;
    bus.restore([&](std::uint32_t address) { changed.push_back(address); });
    CHECK(changed.size() == 3);
    CHECK(bus.peek(0x12345) == 0);
    CHECK(bus.peek(0xFFFFF) == 0);
    CHECK(bus.peek(0x00010) == 0);
    CHECK(bus.cpu_written_addresses().empty());
}

TEST_CASE("find_test_files selects by stem prefix and fails on a missing directory") {
    ScratchDirectory dir("files");
    for (const char* name : {"80.1.json.gz", "80.0.json.gz", "8A.json.gz", "A6.json.gz"}) {
        write_text(dir.path / name, "");
    }
    write_text(dir.path / "metadata.json", "{}");

    auto stems = [](const std::vector<TestFile>& files) {
        std::vector<std::string> result;
        for (const auto& file : files) result.push_back(file.opcode);
        return result;
    };
    CHECK(stems(find_test_files(dir.path, "")) ==
          std::vector<std::string>{"80.0", "80.1", "8A", "A6"});
    CHECK(stems(find_test_files(dir.path, "80")) == std::vector<std::string>{"80.0", "80.1"});
    CHECK(stems(find_test_files(dir.path, "80.1")) == std::vector<std::string>{"80.1"});
    CHECK(stems(find_test_files(dir.path, "a6")) == std::vector<std::string>{"A6"});
    CHECK_THROWS_AS(find_test_files(dir.path / "missing", ""), InputError);
}

TEST_CASE("the revocation list ignores comments and blank lines") {
    ScratchDirectory dir("revocation");
    CHECK(load_revocation_list(dir.path).empty());
    write_text(dir.path / "revocation_list.txt", "# withdrawn\n\n  abc123  \ndef456 # why\n");
    const auto revoked = load_revocation_list(dir.path);
    CHECK(revoked.size() == 2);
    CHECK(revoked.contains("abc123"));
    CHECK(revoked.contains("def456"));
}

TEST_CASE("metadata flag masks are found per opcode and per group reg field") {
    ScratchDirectory dir("metadata");
    write_text(dir.path / "metadata.json", R"({"opcodes": {
        "08": {"status": "normal", "flags-mask": 65519},
        "80": {"reg": {"1": {"flags-mask": 65519}, "2": {"status": "normal"}}},
        "a6": {"status": "normal"}}})");
    const auto masks = FlagsMaskTable::load(dir.path / "metadata.json");
    CHECK(masks.mask_for("08") == 65519);
    CHECK(masks.mask_for("80.1") == 65519);
    CHECK_FALSE(masks.mask_for("80.2").has_value());
    CHECK_FALSE(masks.mask_for("A6").has_value());
    CHECK(FlagsMaskTable::load(dir.path / "absent.json").empty());
    write_text(dir.path / "broken.json", "{\"opcodes\": ");
    CHECK_THROWS_AS(FlagsMaskTable::load(dir.path / "broken.json"), InputError);
}

TEST_CASE("a failure is masked-flags-only when every difference is an undefined flag") {
    constexpr std::uint16_t kAllButAf = 0xFFEF;
    Difference af_only{Difference::Kind::Register, "flags", true, 0xF002, 0xF012};
    Difference cf_too{Difference::Kind::Register, "flags", true, 0xF002, 0xF013};
    Difference ax{Difference::Kind::Register, "ax"};
    CHECK(differs_only_in_masked_flags({af_only}, kAllButAf));
    CHECK_FALSE(differs_only_in_masked_flags({cf_too}, kAllButAf));
    CHECK_FALSE(differs_only_in_masked_flags({af_only, ax}, kAllButAf));
    CHECK_FALSE(differs_only_in_masked_flags({af_only}, std::nullopt));
}

TEST_CASE("load_test_file reads the 8086 schema and rejects corrupt input clearly") {
    ScratchDirectory dir("loader");
    write_gzip(dir.path / "90.json.gz", kOneTest8086);
    const auto tests = load_test_file(dir.path / "90.json.gz");
    REQUIRE(tests.size() == 1);
    CHECK(tests[0].hash == "abc");
    CHECK(tests[0].index == 7);
    CHECK(tests[0].hardware_cycles == 3);
    CHECK(tests[0].expected_final(TestRegister::ip) == 14);
    CHECK(tests[0].expected_final(TestRegister::ax) == 1);  // unchanged: the initial value

    const std::string decompressed = read_gzip_file(dir.path / "90.json.gz");
    CHECK(decompressed == kOneTest8086);

    // Truncated gzip, JSON that is not a test array, a test without registers.
    {
        std::ifstream whole(dir.path / "90.json.gz", std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(whole)), {});
        std::ofstream(dir.path / "cut.json.gz", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    }
    CHECK_THROWS_AS(load_test_file(dir.path / "cut.json.gz"), InputError);
    write_gzip(dir.path / "object.json.gz", "{}");
    CHECK_THROWS_AS(load_test_file(dir.path / "object.json.gz"), InputError);
    write_gzip(dir.path / "noregs.json.gz", R"([{"name": "x", "bytes": [], "test_hash": "h"}])");
    CHECK_THROWS_AS(load_test_file(dir.path / "noregs.json.gz"), InputError);
    CHECK_THROWS_AS(load_test_file(dir.path / "missing.json.gz"), InputError);
}

// A register or RAM value that is not an exact integer in range used to be converted silently
// (1.5 -> 1, -1 -> FFFFh, a byte 300 -> 44).
TEST_CASE("load_test_file rejects non-integer, negative and out-of-range values, naming test and field") {
    ScratchDirectory dir("loader-values");
    const std::string good = kOneTest8086;
    struct Case {
        const char* from;
        const char* to;
        const char* message;
    };
    const Case cases[] = {
        {"\"ax\": 1,", "\"ax\": 1.5,", "initial.regs.ax = 1.5 is not an integer"},
        {"\"bx\": 2,", "\"bx\": -1,", "initial.regs.bx = -1 is outside 0..65535"},
        {"\"cx\": 3,", "\"cx\": 65536,", "initial.regs.cx = 65536 is outside 0..65535"},
        {"\"dx\": 4,", "\"dx\": 18446744073709551615,", "initial.regs.dx = 18446744073709551615 is outside"},
        {"\"dx\": 4,", "\"dx\": \"4\",", "initial.regs.dx = \"4\" is not an integer"},
        {"{\"ip\": 14}", "{\"ip\": 14.0}", "final.regs.ip = 14.0 is not an integer"},
        {"\"ram\": [[93, 144]], \"queue\": [144]", "\"ram\": [[93, 256]], \"queue\": [144]",
         "initial.ram[0] value = 256 is outside 0..255"},
        {"\"ram\": [[93, 144]], \"queue\": [144]", "\"ram\": [[-93, 144]], \"queue\": [144]",
         "initial.ram[0] address = -93 is outside 0..4294967295"},
        {"\"ram\": [[93, 144]], \"queue\": []", "\"ram\": [[93, 0.5]], \"queue\": []",
         "final.ram[0] value = 0.5 is not an integer"},
        {"\"bytes\": [144]", "\"bytes\": [300]", "bytes[0] = 300 is outside 0..255"},
        {"\"test_num\": 7", "\"test_num\": 7.5", "test_num = 7.5 is not an integer"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.message);
        std::string text = good;
        const auto at = text.find(c.from);
        REQUIRE(at != std::string::npos);
        text.replace(at, std::string(c.from).size(), c.to);
        write_gzip(dir.path / "bad.json.gz", text);
        std::string message;
        try {
            load_test_file(dir.path / "bad.json.gz");
        } catch (const InputError& e) {
            message = e.what();
        }
        CHECK(message.find("test #0 \"nop\"") != std::string::npos);
        CHECK(message.find(c.message) != std::string::npos);
    }
}

// A gzip bomb (2.7 MB unpacking to 600 MB) used to be read whole: 1.7 GB of memory before the
// JSON parser even saw it. Built here at run time with zlib, not committed.
TEST_CASE("read_gzip_file and load_test_file stop a gzip bomb at the decompressed-size limit") {
    ScratchDirectory dir("gzip-bomb");
    const fs::path bomb = dir.path / "90.json.gz";
    constexpr std::size_t kMiB = std::size_t{1} << 20;
    {
        gzFile file = gzopen(bomb.c_str(), "wb9");
        REQUIRE(file != nullptr);
        const std::string spaces(kMiB, ' ');  // valid JSON whitespace: only the size is wrong
        gzwrite(file, "[", 1);
        for (int i = 0; i < 65; ++i) gzwrite(file, spaces.data(), static_cast<unsigned>(spaces.size()));
        gzwrite(file, "]", 1);
        gzclose(file);
    }
    CHECK(fs::file_size(bomb) < kMiB);  // a bomb: 65 MiB from well under 1 MiB
    auto error_of = [](auto&& read) {
        try {
            read();
        } catch (const InputError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    const std::string limit_text = "decompresses to more than " + std::to_string(kDefaultMaxDecompressedBytes) + " bytes";
    CHECK(kDefaultMaxDecompressedBytes == 64 * kMiB);
    CHECK(error_of([&] { read_gzip_file(bomb); }).find(limit_text) != std::string::npos);
    const std::string from_loader = error_of([&] { load_test_file(bomb); });
    CHECK(from_loader.find(limit_text) != std::string::npos);
    CHECK(from_loader.find(bomb.string()) != std::string::npos);
    // A higher limit reads it whole (it is an empty test list).
    CHECK(read_gzip_file(bomb, 66 * kMiB).size() == 65 * kMiB + 2);
    CHECK(load_test_file(bomb, 66 * kMiB).empty());
    // The limit is exact: max_bytes are accepted, one more is not.
    write_gzip(dir.path / "ten.json.gz", "0123456789");
    CHECK(read_gzip_file(dir.path / "ten.json.gz", 10) == "0123456789");
    CHECK(error_of([&] { read_gzip_file(dir.path / "ten.json.gz", 9); }).find("more than 9 bytes") != std::string::npos);
}

// A report the stream only fails to flush (a full disk) used to be a silent success.
TEST_CASE("SuiteReport::write_json reports a write that fails at flush or close") {
    SuiteReport report("8086", "/nowhere", "");
    report.record_pass("90");
    if (fs::exists("/dev/full")) {
        std::string message;
        try {
            report.write_json("/dev/full");
        } catch (const InputError& e) {
            message = e.what();
        }
        CHECK(message.find("error while writing the report /dev/full") != std::string::npos);
    }
    ScratchDirectory dir("report");
    CHECK_THROWS_AS(report.write_json(dir.path / "missing-dir" / "r.json"), InputError);
    report.write_json(dir.path / "r.json");
    std::ifstream in(dir.path / "r.json");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    CHECK(text.find("\"passed\": 1") != std::string::npos);
}

TEST_CASE("the 80286 cycle mapping subtracts instruction length and the measured HLT overhead") {
    TestCase nop;
    nop.bytes = {0x90, 0xF4};
    nop.hardware_cycles = 12;  // what every NOP trace of the suite holds
    const auto mapping = CycleMapping::for_80286({nop, nop, nop}, 2);
    CHECK(mapping.hardware_overhead() == 8);
    CHECK(mapping.hardware_instruction_cycles(nop) == 3);
    CHECK(mapping.our_instruction_cycles(5) == 3);

    TestCase mov_ax_imm;
    mov_ax_imm.bytes = {0xB8, 0x50, 0xAA, 0xF4};
    mov_ax_imm.hardware_cycles = 13;
    CHECK(mapping.hardware_instruction_cycles(mov_ax_imm) == 2);

    TestCase hlt;  // the instruction under test is the HLT itself: nothing left to compare
    hlt.bytes = {0xF4, 0xF4};
    hlt.hardware_cycles = 9;
    CHECK_FALSE(mapping.hardware_instruction_cycles(hlt).has_value());
}

TEST_CASE("CycleStats counts tests within 10 and 20 percent") {
    CycleStats stats;
    stats.add(10, 10);
    stats.add(11, 10);
    stats.add(12, 10);
    stats.add(20, 10);
    CHECK(stats.tests() == 4);
    CHECK(stats.within_10pct() == doctest::Approx(0.5));
    CHECK(stats.within_20pct() == doctest::Approx(0.75));
    CHECK(stats.mean_abs_pct_error() == doctest::Approx((0 + 10 + 20 + 100) / 4.0));
}
