// x86emu unit tests — the conformance harness's own pieces: TestBus restore, suite file
// selection, revocation list, metadata flag masks, masked-flag classification, gzip/JSON
// loading errors and the 80286 cycle calibration.
#include <doctest/doctest.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

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
// JSON parser even saw it. Test files are now streamed, so a bomb of valid JSON only costs time
// up to the file limit (1 GiB by default); files read whole keep a 64 MiB limit. Built here at
// run time with zlib, not committed.
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
    CHECK(kDefaultMaxDecompressedBytes == 1024 * kMiB);
    CHECK(kDefaultMaxWholeFileBytes == 64 * kMiB);
    const std::string whole_limit = "decompresses to more than " + std::to_string(kDefaultMaxWholeFileBytes) + " bytes";
    CHECK(error_of([&] { read_gzip_file(bomb); }).find(whole_limit) != std::string::npos);
    const std::string from_loader = error_of([&] { load_test_file(bomb, {.file_bytes = 64 * kMiB, .test_bytes = 128 * kMiB}); });
    CHECK(from_loader.find(whole_limit) != std::string::npos);
    CHECK(from_loader.find("--max-file-mib") != std::string::npos);
    CHECK(from_loader.find(bomb.string()) != std::string::npos);
    // A higher limit reads it whole. Streamed, the file limit would accept it, but all of it is
    // text where a test would be: the per-test limit stops it after 16 MiB.
    CHECK(read_gzip_file(bomb, 66 * kMiB).size() == 65 * kMiB + 2);
    CHECK(error_of([&] { load_test_file(bomb); }).find("more than 16777216 bytes of text before test #0") != std::string::npos);
    CHECK(load_test_file(bomb, {.test_bytes = 66 * kMiB}).empty());
    // The limit is exact: max_bytes are accepted, one more is not.
    write_gzip(dir.path / "ten.json.gz", "0123456789");
    CHECK(read_gzip_file(dir.path / "ten.json.gz", 10) == "0123456789");
    CHECK(error_of([&] { read_gzip_file(dir.path / "ten.json.gz", 9); }).find("more than 9 bytes") != std::string::npos);
}

namespace {

// kOneTest8086's test `count` times with distinct hashes ("h0", "h1", ...) and test_num,
// `padding` spaces after each, and each test's [begin, end) offsets in the text.
struct ManyTests {
    std::string text;
    std::vector<std::pair<std::size_t, std::size_t>> spans;
};
ManyTests many_tests(std::size_t count, std::size_t padding = 0) {
    std::string one = kOneTest8086;
    one = one.substr(1, one.size() - 2);  // the object without the array brackets
    const std::string hash_field = "\"test_hash\": \"abc\", \"test_num\": 7";
    const auto at = one.find(hash_field);
    ManyTests result;
    result.text = "[";
    const std::string spaces(padding, ' ');
    for (std::size_t i = 0; i < count; ++i) {
        if (i) result.text += ",";
        result.text += spaces;
        std::string test = one;
        test.replace(at, hash_field.size(),
                     "\"test_hash\": \"h" + std::to_string(i) + "\", \"test_num\": " + std::to_string(i));
        result.spans.emplace_back(result.text.size(), result.text.size() + test.size());
        result.text += test;
    }
    result.text += "]";
    return result;
}

// The test whose text holds byte `offset`, if any.
std::optional<std::size_t> test_at(const ManyTests& tests, std::size_t offset) {
    for (std::size_t i = 0; i < tests.spans.size(); ++i) {
        if (offset >= tests.spans[i].first && offset < tests.spans[i].second) return i;
    }
    return std::nullopt;
}

std::string load_error(const fs::path& path, const LoadLimits& limits) {
    try {
        load_test_file(path, limits);
    } catch (const InputError& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

// The old whole-file reader needed --max-file-mib for anything over 64 MiB (the full upstream
// files are about 260 MB); streamed, such a file loads by default. The padding between tests
// makes it large while keeping it quick to build and parse.
TEST_CASE("load_test_file streams a file larger than 64 MiB by default") {
    ScratchDirectory dir("loader-large");
    constexpr std::size_t kMiB = std::size_t{1} << 20;
    const ManyTests tests = many_tests(1100, 64 * 1024);
    REQUIRE(tests.text.size() > 68 * kMiB);
    write_gzip(dir.path / "large.json.gz", tests.text);
    const auto loaded = load_test_file(dir.path / "large.json.gz");
    REQUIRE(loaded.size() == 1100);
    CHECK(loaded[0].hash == "h0");
    CHECK(loaded[1099].hash == "h1099");
    CHECK(loaded[1099].index == 1099);
    CHECK(loaded[1099].expected_final(TestRegister::ip) == 14);
}

TEST_CASE("load_test_file reports streaming errors at the test they occur in") {
    ScratchDirectory dir("loader-stream");
    const ManyTests tests = many_tests(2000);
    const fs::path good = dir.path / "good.json.gz";
    write_gzip(good, tests.text);
    REQUIRE(load_test_file(good).size() == 2000);

    SUBCASE("invalid JSON late in the file names the test, and stops there") {
        std::string text = tests.text;
        const auto at = text.find("[144]", tests.spans[1234].first);
        REQUIRE(at < tests.spans[1234].second);
        text.replace(at, 5, "[144,]");
        write_gzip(dir.path / "bad.json.gz", text);
        const std::string message = load_error(dir.path / "bad.json.gz", {});
        CHECK(message.find("test #1234 \"nop\": bad JSON") != std::string::npos);

        // Between two tests: the error says after which.
        text = tests.text;
        text.insert(tests.spans[1500].second, "x");
        write_gzip(dir.path / "between.json.gz", text);
        CHECK(load_error(dir.path / "between.json.gz", {}).find("bad JSON after test #1500") != std::string::npos);
    }
    SUBCASE("a bomb of zeros fails at its first byte") {
        const fs::path zeros = dir.path / "zeros.json.gz";
        gzFile file = gzopen(zeros.c_str(), "wb1");
        REQUIRE(file != nullptr);
        const std::string chunk(std::size_t{1} << 20, '\0');
        gzwrite(file, "[", 1);
        for (int i = 0; i < 16; ++i) gzwrite(file, chunk.data(), static_cast<unsigned>(chunk.size()));
        gzclose(file);
        const std::string message = load_error(zeros, {});
        CHECK(message.find("bad JSON") != std::string::npos);
        CHECK(message.find("column 2") != std::string::npos);  // nlohmann's position: byte 2
    }
    SUBCASE("gzip truncated in the middle of a test") {
        std::ifstream whole(good, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(whole)), {});
        const fs::path cut = dir.path / "cut.json.gz";
        std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
        // What zlib still delivers from the cut file: the parser asks for the next byte.
        std::size_t delivered = 0;
        {
            gzFile file = gzopen(cut.c_str(), "rb");
            REQUIRE(file != nullptr);
            char buffer[4096];
            int got = 0;
            while ((got = gzread(file, buffer, sizeof buffer)) > 0) delivered += static_cast<std::size_t>(got);
            gzclose(file);
        }
        REQUIRE(delivered < tests.text.size());
        const std::string message = load_error(cut, {});
        CAPTURE(message);
        CHECK(message.find(cut.string() + ": corrupt gzip data") == 0);
        // Half the compressed size cuts into a test (the gaps between tests are single commas).
        const auto index = test_at(tests, delivered);
        REQUIRE(index.has_value());
        CHECK(message.find(", in test #" + std::to_string(*index) + " \"nop\"") != std::string::npos);
    }
    SUBCASE("the file limit names the test holding the first byte beyond it") {
        for (const std::size_t limit : {std::size_t{100000}, tests.text.size() / 2, tests.text.size() - 1}) {
            CAPTURE(limit);
            const std::string message = load_error(good, {.file_bytes = limit});
            CHECK(message.find("decompresses to more than " + std::to_string(limit) + " bytes") != std::string::npos);
            if (const auto index = test_at(tests, limit)) {
                CHECK(message.find(", in test #" + std::to_string(*index) + " \"nop\"") != std::string::npos);
            } else {
                CHECK(message.find(", in test #") == std::string::npos);
            }
        }
        CHECK(load_test_file(good, tests.text.size()).size() == 2000);
    }
    SUBCASE("the per-test limit bounds one test's text") {
        std::size_t one_test = 0;  // the longest
        for (const auto& [begin, end] : tests.spans) one_test = std::max(one_test, end - begin);
        CHECK(load_test_file(good, {.test_bytes = one_test + 2}).size() == 2000);
        std::string text = tests.text;
        const auto at = text.find("[144]", tests.spans[3].first);
        text.replace(at, 5, "[144" + std::string(10000, ' ') + "]");
        write_gzip(dir.path / "big.json.gz", text);
        const std::string message = load_error(dir.path / "big.json.gz", {.test_bytes = one_test + 2});
        CAPTURE(message);
        CHECK(message.find("test #3 \"nop\": more than " + std::to_string(one_test + 2) + " bytes of text") !=
              std::string::npos);
        CHECK(load_test_file(dir.path / "big.json.gz").size() == 2000);  // the default is far larger
    }
    SUBCASE("the loaded tests' memory is limited") {
        const auto loaded = load_test_file(good);
        std::size_t total = 0;
        for (const TestCase& test : loaded) total += loaded_size(test);
        CHECK(total > 2000 * sizeof(TestCase));
        // Room for the vector's growth (it doubles): twice the tests themselves is enough.
        CHECK(load_test_file(good, {.loaded_bytes = 2 * total}).size() == 2000);
        const std::string message = load_error(good, {.loaded_bytes = total / 4});
        CAPTURE(message);
        CHECK(message.find("bytes of memory, the limit for one file's tests") != std::string::npos);
        CHECK(message.find(": test #") != std::string::npos);
    }
    SUBCASE("a test that is not an object fails at once") {
        std::string text = tests.text;
        text.insert(tests.spans[10].first, "[1], ");
        write_gzip(dir.path / "array.json.gz", text);
        CHECK(load_error(dir.path / "array.json.gz", {}).find("test #10: test is not an object") != std::string::npos);
    }
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
