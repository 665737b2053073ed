// x86emu frontends — command-line parsing with Boost.Program_options. Numeric options are taken
// as text and parsed here, so that ports and POST codes accept hex ("0x80") as well as decimal and
// every malformed number gets a message naming its option.
#include "options.hpp"

#include <boost/program_options.hpp>

#include <charconv>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <x86emu/machine.hpp>

namespace x86emu::frontend {

namespace {

constexpr const char* kExitCodeTable =
    "Exit codes:\n"
    "  0  success: the --until-post code was written, or (without --until-post) the guest halted\n"
    "  1  the guest halted before writing the --until-post code\n"
    "  2  usage or configuration error (bad option or number, unreadable/invalid BIOS image,\n"
    "     missing or malformed kernel/initrd or disk image, conflicting ports, unwritable output file)\n"
    "  3  triple fault: the CPU shut down\n"
    "  4  --max-cycles reached\n"
    "  5  --max-seconds reached\n"
    "  6  interrupted by SIGINT or SIGTERM\n";

double parse_seconds(const std::string& text, const char* option) {
    double seconds = 0;
    const char* end = text.data() + text.size();
    auto [stop, error] = std::from_chars(text.data(), end, seconds);
    if (text.empty() || error != std::errc{} || stop != end || !std::isfinite(seconds) || seconds <= 0)
        throw UsageError(std::string(option) + ": '" + text + "' is not a positive number of seconds");
    return seconds;
}

// QEMU's single-dash spellings, as Boost.Program_options' extra parser: each token that is one
// of them becomes the option it stands for, and its value (if it takes one) is the next token,
// as for a long option. Tokens that are values of other options never reach this function.
std::pair<std::string, std::string> qemu_spelling(const std::string& token) {
    static const std::pair<const char*, const char*> kSpellings[] = {
        {"-kernel", "kernel"}, {"-initrd", "initrd"},       {"-append", "append"},     {"-m", "qemu-m"},
        {"-nographic", "nographic"}, {"-no-reboot", "no-reboot"}, {"-serial", "serial"},
        {"-hda", "hda"},         {"-hdb", "hdb"},             {"-cdrom", "cdrom"},       {"-snapshot", "snapshot"},
    };
    for (const auto& [spelling, option] : kSpellings)
        if (token == spelling) return {option, std::string()};
    return {};
}

}  // namespace

std::uint32_t parse_memory_mib(const std::string& text, const std::string& what, std::uint32_t max_mib) {
    std::string digits = text;
    std::uint64_t scale = 1;
    if (!digits.empty() && (digits.back() == 'M' || digits.back() == 'm')) {
        digits.pop_back();
    } else if (!digits.empty() && (digits.back() == 'G' || digits.back() == 'g')) {
        digits.pop_back();
        scale = 1024;
    }
    const bool is_hex = digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X');
    const char* begin = digits.data() + (is_hex ? 2 : 0);
    const char* end = digits.data() + digits.size();
    std::uint64_t value = 0;
    auto [stop, error] = std::from_chars(begin, end, value, is_hex ? 16 : 10);
    if (begin == end || error == std::errc::invalid_argument || stop != end)
        throw UsageError(what + ": '" + text + "' is not a size in MiB (a number, optionally followed by M or G)");
    if (value == 0) throw UsageError(what + ": must be at least 1 MiB");
    if (error == std::errc::result_out_of_range || value > max_mib / scale)
        throw UsageError(what + ": " + text + " is too large (at most " + std::to_string(max_mib) + " MiB)");
    return static_cast<std::uint32_t>(value * scale);
}

std::uint64_t parse_unsigned(const std::string& text, const std::string& what, std::uint64_t max) {
    const bool is_hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    const char* begin = text.data() + (is_hex ? 2 : 0);
    const char* end = text.data() + text.size();
    std::uint64_t value = 0;
    // from_chars accepts no sign, no spaces and no prefix, which is exactly what we want to reject.
    auto [stop, error] = std::from_chars(begin, end, value, is_hex ? 16 : 10);
    if (begin == end || error == std::errc::invalid_argument || stop != end)
        throw UsageError(what + ": '" + text + "' is not a number (use decimal, or hex with 0x)");
    if (error == std::errc::result_out_of_range || value > max) {
        std::ostringstream message;
        message << what << ": " << text << " is too large (at most " << max << " = 0x" << std::hex
                << std::uppercase << max << ")";
        throw UsageError(message.str());
    }
    return value;
}

// Whether two paths name one existing file, whatever the spelling (relative, "..", symbolic or
// hard links): std::filesystem::equivalent compares device and inode. A path that does not exist
// yet cannot be an existing input.
bool same_existing_file(const std::string& a, const std::string& b) {
    if (a.empty() || b.empty()) return false;
    std::error_code error;
    return std::filesystem::equivalent(a, b, error) && !error;
}

void refuse_as_input(const char* option, const std::string& path, const Options& options) {
    for (const auto& [disk, name] : {std::pair{&options.disks.hda, "--hda"}, std::pair{&options.disks.hdb, "--hdb"},
                                     std::pair{&options.disks.cdrom, "--cdrom"}})
        if (same_existing_file(path, *disk))
            throw UsageError(std::string(option) + " '" + path + "' is the " + name + " image '" + *disk +
                             "'; writing it would destroy the disk");
    if (same_existing_file(path, options.bios_path))
        throw UsageError(std::string(option) + " '" + path + "' is the --bios file '" + options.bios_path +
                         "'; writing it would destroy the ROM image");
    for (const auto& [input, name] : {std::pair{&options.kernel_path, "--kernel"}, std::pair{&options.initrd_path, "--initrd"}})
        if (same_existing_file(path, *input))
            throw UsageError(std::string(option) + " '" + path + "' is the " + name + " file '" + *input +
                             "'; writing it would destroy it");
}

// The report's own path: refused before the caller learns it, so not even the error report is
// written over the BIOS file or the debug console output.
void refuse_clobbering_report(const Options& options) {
    refuse_as_input("--report", options.report_path, options);
    if (!options.report_path.empty() &&
        (options.report_path == options.debugcon_path || same_existing_file(options.report_path, options.debugcon_path)))
        throw UsageError("--report and --debugcon-file name the same file '" + options.report_path +
                         "'; they need different files");
}

// --hda/--hdb/--cdrom: non-empty names, not one file twice (whether each opens and is a valid
// image is checked when the runner opens it, also exit 2).
static void check_disk_options(const Options& options, const boost::program_options::variables_map& given) {
    const std::pair<const std::string*, const char*> disks[] = {
        {&options.disks.hda, "--hda"}, {&options.disks.hdb, "--hdb"}, {&options.disks.cdrom, "--cdrom"}};
    for (const auto& [path, name] : disks)
        if (given.count(name + 2) && path->empty()) throw UsageError(std::string(name) + ": the file name is empty");
    for (std::size_t i = 0; i < 3; ++i)
        for (std::size_t j = i + 1; j < 3; ++j)
            if (!disks[i].first->empty() &&
                (*disks[i].first == *disks[j].first || same_existing_file(*disks[i].first, *disks[j].first)))
                throw UsageError(std::string(disks[i].second) + " and " + disks[j].second + " name the same file '" +
                                 *disks[i].first + "'");
    for (const auto& [path, name] : disks)
        if (same_existing_file(*path, options.bios_path) || same_existing_file(*path, options.kernel_path) ||
            same_existing_file(*path, options.initrd_path))
            throw UsageError(std::string(name) + " '" + *path + "' is also the --bios, --kernel or --initrd file");
    if (options.disks.snapshot && options.disks.hda.empty() && options.disks.hdb.empty())
        throw UsageError("--snapshot needs a hard disk (--hda or --hdb)");
}

std::optional<std::int64_t> rtc_start_epoch(const Options& options) {
    if (options.rtc_host_time) return static_cast<std::int64_t>(std::time(nullptr));
    return options.rtc_epoch;
}

SerialSpec parse_serial_spec(const std::string& text, const std::string& option, bool panes) {
    if (text == "none") return {};
    if (text == "stdio") return {SerialSpec::Kind::Stdio, {}};
    if (text == "vc") {
        if (!panes) throw UsageError(option + " vc: a terminal pane needs a window (x86emu-sdl)");
        return {SerialSpec::Kind::Pane, {}};
    }
    if (text.rfind("file:", 0) == 0) {
        if (text.size() == 5) throw UsageError(option + " file: needs a path (file:PATH)");
        return {SerialSpec::Kind::File, text.substr(5)};
    }
    throw UsageError(option + ": expected stdio, " + (panes ? "vc, " : "") + "file:PATH or none, not '" + text + "'");
}

Options parse_command_line(int argc, const char* const* argv, std::string& report_path_seen,
                           const FrontendFlags& frontend) {
    namespace po = boost::program_options;
    std::string model_text = "386", memory_text, qemu_memory_text, post_port_text = "0x80", until_post_text,
                debugcon_port_text = "0xE9", max_seconds_text, progress_text, max_cycles_text, fpu_text, mhz_text,
                serial_text, serial2_text, rtc_epoch_text;
    bool deterministic_flag = false;
    Options options;

    const std::string serial_values = frontend.serial_panes ? "stdio|vc|file:PATH|none" : "stdio|file:PATH|none";
    po::options_description described(
        "Usage: " + frontend.program + " --bios FILE [options]\n"
        "       " + frontend.program + " --kernel bzImage [--initrd FILE] [--append TEXT] [options]\n"
        "Runs a BIOS image from the reset vector, or boots a Linux bzImage directly (boot protocol\n"
        "32-bit entry, no BIOS), " + frontend.summary + ".\n"
        "Numbers accept decimal or hex with 0x. QEMU's spellings -kernel, -initrd, -append, -m,\n"
        "-nographic, -no-reboot, -serial, -hda, -hdb, -cdrom and -snapshot are accepted as well.\n\nOptions");
    described.add_options()
        ("help,h", "show this help")
        ("bios", po::value(&options.bios_path)->value_name("FILE"),
         "BIOS ROM image (4 KiB multiple, at most 128 KiB), mapped to end at 0xFFFFF and at the "
         "top of the address bus; optional with --kernel (then a 4 KiB HLT stub)")
        ("kernel", po::value(&options.kernel_path)->value_name("bzImage"),
         "boot this Linux kernel directly (-kernel): loaded per the x86 boot protocol, the CPU starts "
         "at its 32-bit entry; implies --model p6 and --memory 128 unless given (so do a disk and --pc without --bios)")
        ("initrd", po::value(&options.initrd_path)->value_name("FILE"),
         "initial ramdisk for --kernel (-initrd), placed at the top of RAM below initrd_addr_max")
        ("append", po::value(&options.append)->value_name("TEXT"), "kernel command line for --kernel (-append)")
        ("model", po::value(&model_text)->value_name("NAME"), "CPU model: 8086, 286, 386, 486, p5 or p6 (default 386; p6 with --kernel, a disk, or --pc without --bios)")
        ("fpu", po::value(&fpu_text)->value_name("yes|no"),
         "x87 FPU: default yes on 486/p5/p6 (on chip), no on 286/386 (yes adds a 287/387); "
         "the 8086 has none")
        ("mhz", po::value(&mhz_text)->value_name("MHz"),
         "emulated clock rate, e.g. 4.77 or 66 (default by model: 8086 4.77, 286 12, 386 33, 486 66, "
         "p5 100, p6 200); changes the guest time the cycles stand for, never the cycle counts")
        ("memory", po::value(&memory_text)->value_name("MiB"),
         "RAM size in MiB, optionally with suffix M or G (-m; default 16, 128 with --kernel, 1 on the "
         "8086, whose address space is 1 MiB)")
        ("post-port", po::value(&post_port_text)->value_name("PORT"),
         "I/O port whose byte writes are recorded as POST codes (default 0x80)")
        ("until-post", po::value(&until_post_text)->value_name("CODE"),
         "stop with exit code 0 as soon as this POST code is written")
        ("debugcon", po::value(&debugcon_port_text)->value_name("PORT"),
         "I/O port whose byte writes are copied verbatim to the debug console (default 0xE9)")
        ("debugcon-file", po::value(&options.debugcon_path)->value_name("FILE"),
         "where debug console bytes go (default: standard output)")
        ("max-seconds", po::value(&max_seconds_text)->value_name("S"),
         "give up after this much wall-clock time (exit 5)")
        ("progress", po::value(&progress_text)->value_name("S"),
         "every S seconds of wall-clock time, print a progress line on stderr (instructions, cycles, "
         "EIP, paging): long runs such as a kernel's decompression say they are alive")
        ("max-cycles", po::value(&max_cycles_text)->value_name("N"), "give up after this many CPU cycles (exit 4)")
        ("report", po::value(&options.report_path)->value_name("FILE.json"),
         "write a JSON report (stop reason, POST codes, counters, registers) on every exit path")
        ("pc", po::bool_switch(&options.pc),
         "build the PC platform's devices (PIC, PIT, UARTs, RTC, 8042, ACPI, PCI, VGA; docs/DEVICES.md) "
         "for a --bios run too (without --bios: the built-in BIOS, docs/BIOS.md); --kernel runs and --serial/--serial2 ports always have them")
        ("realtime", po::bool_switch(&options.realtime),
         "pace emulated time to the host clock: the run never gets ahead of real time (a guest idling in "
         "HLT waits as long as it would on hardware); cycles and results stay as without it")
        ("deterministic", po::bool_switch(&deterministic_flag),
         "the default: emulated time runs as fast as the host allows and skips idle time; with --realtime: exit 2")
        ("nographic", po::bool_switch(&options.nographic), "accepted for QEMU compatibility (-nographic); no effect")
        ("no-reboot", po::bool_switch(&options.no_reboot),
         "as QEMU's -no-reboot: a reset the guest asks for (reset control CF9h on the PC platform) "
         "ends the run (exit 0, guest_reset) instead of restarting the machine; a triple fault always "
         "ends the run (exit 3)")
        ("serial", po::value(&serial_text)->value_name(serial_values),
         ("COM1 (-serial): stdio = the terminal (raw mode if a TTY; Ctrl-C still ends the run), " +
          std::string(frontend.serial_panes ? "vc = a terminal pane in the window (Ctrl+Alt+2 shows it), " : "") +
          "file:PATH = output to a file, none = not connected (default)").c_str())
        ("serial2", po::value(&serial2_text)->value_name(serial_values),
         frontend.serial_panes ? "COM2, as --serial (vc: Ctrl+Alt+3)" : "COM2, as --serial")
        ("rtc-epoch", po::value(&rtc_epoch_text)->value_name("SECONDS"),
         "the RTC starts at this Unix time (UTC; default a fixed date, so runs are reproducible)")
        ("rtc-host-time", po::bool_switch(&options.rtc_host_time), "the RTC starts at the host's current time")
        ("hda", po::value(&options.disks.hda)->value_name("FILE"),
         "raw hard disk image (a multiple of 512 bytes) as the primary IDE master (-hda); the guest's "
         "writes reach the file before it sees them complete; implies the PC platform")
        ("hdb", po::value(&options.disks.hdb)->value_name("FILE"), "raw hard disk image as the primary IDE slave (-hdb)")
        ("cdrom", po::value(&options.disks.cdrom)->value_name("FILE"),
         "ISO 9660 image (a multiple of 2048 bytes) as an ATAPI CD-ROM, the secondary IDE master (-cdrom)")
        ("snapshot", po::bool_switch(&options.disks.snapshot),
         "the hard disks' writes go to a copy-on-write overlay in host memory, discarded at exit: the "
         "image files are never modified (-snapshot)");

    if (frontend.extra) described.add(*frontend.extra);

    po::variables_map given;
    // The runner takes no positional arguments; they are collected (hidden from --help) only to
    // name the first stray word in the error instead of ignoring it.
    std::vector<std::string> stray_arguments;
    po::options_description hidden;
    hidden.add_options()("stray", po::value(&stray_arguments))("qemu-m", po::value(&qemu_memory_text));
    po::options_description accepted;
    accepted.add(described).add(hidden);
    po::positional_options_description positional;
    positional.add("stray", -1);
    po::store(po::command_line_parser(argc, argv)
                  .options(accepted)
                  .positional(positional)
                  .extra_parser(qemu_spelling)
                  .run(),
              given);
    po::notify(given);
    // An output file that is the BIOS (or the other output) would be truncated when opened,
    // before the BIOS is read: refuse it before anything is opened.
    refuse_clobbering_report(options);
    report_path_seen = options.report_path;
    refuse_as_input("--debugcon-file", options.debugcon_path, options);
    if (!stray_arguments.empty())
        throw UsageError("unexpected argument '" + stray_arguments.front() + "' (options start with --)");

    if (given.count("help")) {
        std::ostringstream help;
        help << described << '\n' << kExitCodeTable;
        options.show_help = true;
        options.help_text = help.str();
        return options;
    }

    // Without --bios, a PC-platform run (--pc or a disk, as `qemu-system-i386 -hda disk.img`)
    // boots the built-in BIOS; a bare machine has no BIOS of its own.
    if (options.bios_path.empty() && options.kernel_path.empty() && !options.pc && !options.disks.any())
        throw UsageError("--bios FILE (or --kernel bzImage, or --pc or a disk for the built-in BIOS) is required");
    if (options.kernel_path.empty() && given.count("initrd")) throw UsageError("--initrd needs --kernel");
    if (options.kernel_path.empty() && given.count("append")) throw UsageError("--append needs --kernel");
    if (given.count("kernel") && options.kernel_path.empty()) throw UsageError("--kernel: the file name is empty");
    if (given.count("initrd") && options.initrd_path.empty()) throw UsageError("--initrd: the file name is empty");
    check_disk_options(options, given);
    if (deterministic_flag && options.realtime) throw UsageError("--realtime and --deterministic exclude each other");
    if (given.count("serial")) options.serial = parse_serial_spec(serial_text, "--serial", frontend.serial_panes);
    if (given.count("serial2")) options.serial2 = parse_serial_spec(serial2_text, "--serial2", frontend.serial_panes);
    if (options.serial.kind == SerialSpec::Kind::Stdio && options.serial2.kind == SerialSpec::Kind::Stdio)
        throw UsageError("--serial and --serial2 are both stdio; one terminal serves one port");
    for (const auto* spec : {&options.serial, &options.serial2}) {
        if (spec->kind != SerialSpec::Kind::File) continue;
        refuse_as_input(spec == &options.serial ? "--serial file:" : "--serial2 file:", spec->path, options);
        if (spec->path == options.report_path || same_existing_file(spec->path, options.report_path) ||
            spec->path == options.debugcon_path || same_existing_file(spec->path, options.debugcon_path))
            throw UsageError("--serial file '" + spec->path + "' is also the --report or --debugcon-file file");
    }
    if (options.serial.kind == SerialSpec::Kind::File && options.serial2.kind == SerialSpec::Kind::File &&
        (options.serial.path == options.serial2.path || same_existing_file(options.serial.path, options.serial2.path)))
        throw UsageError("--serial and --serial2 name the same file '" + options.serial.path + "'");
    if (given.count("rtc-epoch")) {
        if (options.rtc_host_time) throw UsageError("--rtc-epoch and --rtc-host-time both given; use one");
        const bool negative = !rtc_epoch_text.empty() && rtc_epoch_text[0] == '-';
        const std::uint64_t magnitude =
            parse_unsigned(negative ? rtc_epoch_text.substr(1) : rtc_epoch_text, "--rtc-epoch", 253'402'300'799);
        // 1900-01-01 .. 9999-12-31, the years the CMOS century byte holds.
        if (negative && magnitude > 2'208'988'800)
            throw UsageError("--rtc-epoch: " + rtc_epoch_text + " is before 1900");
        options.rtc_epoch = negative ? -static_cast<std::int64_t>(magnitude) : static_cast<std::int64_t>(magnitude);
    }
    // Issue 11's PC is a P6 with QEMU's 128 MiB: a run of the PC as a user starts it (a kernel,
    // a disk, or --pc with the built-in BIOS, as `qemu-system-i386 -hda disk.img`) defaults to
    // both. A --bios ROM run keeps the 386 and 16 MiB it always had.
    const bool pc_guest_run = !options.kernel_path.empty() || options.disks.any() ||
                              (options.pc && options.bios_path.empty());
    if (!given.count("model") && pc_guest_run) model_text = "p6";

    const auto model = parse_cpu_model(model_text);
    if (!model) throw UsageError("--model: unknown CPU model '" + model_text + "' (known: 8086, 286, 386, 486, p5, p6)");
    options.model = *model;
    if (given.count("fpu")) {
        if (fpu_text != "yes" && fpu_text != "no") throw UsageError("--fpu: expected yes or no, not '" + fpu_text + "'");
        options.fpu = fpu_text == "yes";
        if (*options.fpu && options.model == CpuModel::i8086)
            throw UsageError("--fpu yes: the 8086 model has no FPU (no 8087 model)");
    }

    if (given.count("mhz")) {
        // Up to three decimals (kHz resolution), 0.001 .. 10000 MHz.
        const std::string& t = mhz_text;
        std::size_t dot = t.find('.');
        std::string whole = t.substr(0, dot), fraction = dot == std::string::npos ? "" : t.substr(dot + 1);
        auto digits = [](const std::string& s) { return s.find_first_not_of("0123456789") == std::string::npos; };
        if (t.empty() || !digits(whole) || !digits(fraction) || fraction.size() > 3 || (whole.empty() && fraction.empty()) ||
            whole.size() > 5)
            throw UsageError("--mhz: expected a number of MHz with at most three decimals, not '" + t + "'");
        fraction.resize(3, '0');
        const std::uint64_t khz = (whole.empty() ? 0 : std::stoull(whole)) * 1000 + std::stoull(fraction);
        if (khz < 1 || khz > 10'000'000) throw UsageError("--mhz: " + t + " is outside 0.001 .. 10000");
        options.clock_khz = static_cast<std::uint32_t>(khz);
    }
    if (given.count("memory") && given.count("qemu-m")) throw UsageError("--memory and -m both given; use one");
    if (given.count("memory")) {
        options.memory_mib = parse_memory_mib(memory_text, "--memory", kMaxMachineMemoryMib);
    } else if (given.count("qemu-m")) {
        options.memory_mib = parse_memory_mib(qemu_memory_text, "-m", kMaxMachineMemoryMib);
    } else if (options.model == CpuModel::i8086) {
        options.memory_mib = 1;  // the default 16 MiB cannot exist on a 20-bit bus
    } else if (pc_guest_run) {
        options.memory_mib = 128;  // QEMU's default; a stock kernel decompresses at 16 MiB and beyond
    }
    // Whether the size fits the model's address bus is Machine's rule; its message names both.

    options.post_port = static_cast<std::uint16_t>(parse_unsigned(post_port_text, "--post-port", 0xFFFF));
    options.debugcon_port = static_cast<std::uint16_t>(parse_unsigned(debugcon_port_text, "--debugcon", 0xFFFF));
    if (options.post_port == options.debugcon_port)
        throw UsageError("--post-port and --debugcon are both port " + post_port_text + "; they need different ports");
    if (given.count("until-post"))
        options.until_post = static_cast<std::uint8_t>(parse_unsigned(until_post_text, "--until-post", 0xFF));
    if (given.count("max-seconds")) options.max_seconds = parse_seconds(max_seconds_text, "--max-seconds");
    if (given.count("progress")) options.progress_seconds = parse_seconds(progress_text, "--progress");
    if (given.count("max-cycles")) {
        options.max_cycles = parse_unsigned(max_cycles_text, "--max-cycles", UINT64_MAX);
        if (*options.max_cycles == 0) throw UsageError("--max-cycles: must be at least 1");
    }
    return options;
}

}  // namespace x86emu::frontend
