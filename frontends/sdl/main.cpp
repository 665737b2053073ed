// x86emu-sdl — the machine the shared command line (frontends/common/options.hpp) describes, in a
// window (docs/SDL.md). The machine runs on its own thread in short slices, paced to real time
// (RealtimePacer) unless --max-speed; the UI thread draws Machine::display() at the host's refresh
// rate, scaled to the window with the aspect of a 4:3 monitor for VGA resolutions, and turns SDL
// key and mouse events into PS/2 input (keymap.hpp, Machine::push_key_event). --script events
// are pushed into SDL's own event queue, so they take the same path as real keys.
#include <SDL.h>
#include <x86emu/disk_image.hpp>

#include <boost/program_options.hpp>

#include <algorithm>
#include <atomic>
#include <bit>
#include <bitset>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "guest_ports.hpp"
#include "keymap.hpp"
#include "machine_setup.hpp"
#include "options.hpp"
#include "realtime_pacer.hpp"
#include "report.hpp"
#include "screenshot.hpp"
#include "serial_keys.hpp"
#include "serial_pane.hpp"

namespace x86emu::sdl {

using namespace x86emu::frontend;

namespace {

constexpr const char* kProgram = "x86emu-sdl";
constexpr int kExitNoDisplay = 7;  // SDL could not open a window (scripts/run.sh falls back to headless)
constexpr std::uint64_t kSliceCycles = 200'000;  // ~1 ms at 200 MHz: input and frames wait at most that

volatile std::sig_atomic_t g_signal = 0;
extern "C" void note_signal(int number) {
    g_signal = number;
    restore_terminal_from_signal();
}

// "CYCLES:FILE" -> {cycles, file}.
std::pair<std::uint64_t, std::string> parse_at(const std::string& text, const char* option) {
    const auto colon = text.find(':');
    if (colon == std::string::npos || colon + 1 == text.size())
        throw UsageError(std::string(option) + ": expected CYCLES:FILE, not '" + text + "'");
    return {parse_unsigned(text.substr(0, colon), option, UINT64_MAX), text.substr(colon + 1)};
}

// One step of a --script file (docs/SDL.md, "Scripts").
struct Step {
    enum class Kind { At, Sleep, WaitText, Type, Key, KeyDown, KeyUp, MouseMove, MouseButton, MouseWheel, WindowSize, WindowShot, Screenshot, DumpText, DumpSerialPane, Mark, Quit } kind = Kind::Quit;
    std::uint64_t number = 0;  // At: cycles; Sleep: emulated ms
    std::string text;
    SDL_Scancode scancode = SDL_SCANCODE_UNKNOWN;
    std::uint16_t modifiers = 0;  // Key: KMOD_LCTRL, KMOD_LALT, KMOD_LSHIFT held around it
    int dx = 0, dy = 0;  // MouseMove: SDL's xrel, yrel (y down); MouseButton: dx the button, dy 1 = down; MouseWheel: dy
};

// A signed count of a mouse step, -10000..10000.
int parse_count(const std::string& text, const std::string& what) {
    std::size_t used = 0;
    int value = 0;
    try {
        value = std::stoi(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != text.size() || value < -10000 || value > 10000)
        throw UsageError(what + ": expected a count -10000..10000, not '" + text + "'");
    return value;
}

std::vector<Step> parse_script(const std::string& path) {
    std::ifstream file(path);
    if (!file) throw UsageError("--script: cannot open '" + path + "'");
    std::vector<Step> steps;
    std::string line;
    for (unsigned number = 1; std::getline(file, line); ++number) {
        const std::string where = "--script " + path + ":" + std::to_string(number);
        const auto first = line.find_first_not_of(" \t");
        if (first == std::string::npos || line[first] == '#') continue;
        const auto space = line.find(' ', first);
        const std::string verb = line.substr(first, space == std::string::npos ? std::string::npos : space - first);
        const std::string rest = space == std::string::npos ? "" : line.substr(space + 1);
        Step step;
        if (verb == "at") { step.kind = Step::Kind::At; step.number = parse_unsigned(rest, where + " at", UINT64_MAX); }
        else if (verb == "sleep") { step.kind = Step::Kind::Sleep; step.number = parse_unsigned(rest, where + " sleep", 3'600'000); }
        else if (verb == "wait-text") step.kind = Step::Kind::WaitText, step.text = rest;
        else if (verb == "type") {
            step.kind = Step::Kind::Type;
            for (std::size_t i = 0; i < rest.size(); ++i)  // \n is Return
                if (rest[i] == '\\' && i + 1 < rest.size() && rest[i + 1] == 'n') step.text += '\n', ++i;
                else step.text += rest[i];
        }
        else if (verb == "key" || verb == "key-down" || verb == "key-up") {
            step.kind = verb == "key" ? Step::Kind::Key : verb == "key-down" ? Step::Kind::KeyDown : Step::Kind::KeyUp;
            std::string name = rest;  // "Ctrl+Alt+2": modifiers held around the key (key only)
            for (bool more = step.kind == Step::Kind::Key; more;) {
                more = false;
                for (const auto& [prefix, modifier] : {std::pair{"Ctrl+", KMOD_LCTRL}, {"Alt+", KMOD_LALT}, {"Shift+", KMOD_LSHIFT}})
                    if (name.rfind(prefix, 0) == 0 && name.size() > std::string(prefix).size()) {
                        step.modifiers |= modifier;
                        name.erase(0, std::string(prefix).size());
                        more = true;
                    }
            }
            step.scancode = SDL_GetScancodeFromName(name.c_str());
            if (step.scancode == SDL_SCANCODE_UNKNOWN || !key_event_for(step.scancode, true))
                throw UsageError(where + ": unknown key '" + rest + "' (SDL scancode names: Return, F1, Up, ..., after Ctrl+, Alt+, Shift+)");
        }
        else if (verb == "mouse-move" || verb == "mouse-button" || verb == "mouse-wheel") {
            std::istringstream words(rest);
            std::string first, second, extra;
            words >> first >> second >> extra;
            if (verb == "mouse-wheel") {
                if (first.empty() || !second.empty()) throw UsageError(where + ": mouse-wheel N");
                step.kind = Step::Kind::MouseWheel, step.dy = parse_count(first, where);
            } else if (verb == "mouse-move") {
                if (second.empty() || !extra.empty()) throw UsageError(where + ": mouse-move DX DY");
                step.kind = Step::Kind::MouseMove, step.dx = parse_count(first, where), step.dy = parse_count(second, where);
            } else {
                if ((first != "1" && first != "2" && first != "3") || (second != "down" && second != "up") || !extra.empty())
                    throw UsageError(where + ": mouse-button 1|2|3 down|up (left, middle, right)");
                step.kind = Step::Kind::MouseButton, step.dx = first[0] - '0', step.dy = second == "down";
            }
        }
        else if (verb == "window-size") {
            std::istringstream words(rest);
            std::string width, height, extra;
            words >> width >> height >> extra;
            if (height.empty() || !extra.empty()) throw UsageError(where + ": window-size WIDTH HEIGHT");
            step.kind = Step::Kind::WindowSize;
            step.dx = static_cast<int>(parse_unsigned(width, where + " window-size", 8192));
            step.dy = static_cast<int>(parse_unsigned(height, where + " window-size", 8192));
            if (step.dx < 64 || step.dy < 64) throw UsageError(where + ": window-size is at least 64x64");
        }
        else if (verb == "window-shot") step.kind = Step::Kind::WindowShot, step.text = rest;
        else if (verb == "screenshot") step.kind = Step::Kind::Screenshot, step.text = rest;
        else if (verb == "dump-text") step.kind = Step::Kind::DumpText, step.text = rest;
        else if (verb == "dump-serial-pane") step.kind = Step::Kind::DumpSerialPane, step.text = rest;
        else if (verb == "mark") step.kind = Step::Kind::Mark, step.text = rest;
        else if (verb == "quit") step.kind = Step::Kind::Quit;
        else throw UsageError(where + ": unknown step '" + verb + "' (at, sleep, wait-text, type, key, key-down, key-up, mouse-move, mouse-button, mouse-wheel, window-size, window-shot, screenshot, dump-text, dump-serial-pane, mark, quit)");
        if ((step.kind == Step::Kind::WaitText || step.kind == Step::Kind::Type || step.kind == Step::Kind::Screenshot ||
             step.kind == Step::Kind::DumpText || step.kind == Step::Kind::DumpSerialPane || step.kind == Step::Kind::Mark ||
             step.kind == Step::Kind::WindowShot) &&
            rest.empty())
            throw UsageError(where + ": " + verb + " needs an argument");
        steps.push_back(step);
    }
    return steps;
}

// The US layout: which key (and whether Shift) types an ASCII character.
bool key_for_char(char c, SDL_Scancode& scancode, bool& shift) {
    static const std::string kPlain = "abcdefghijklmnopqrstuvwxyz1234567890\n \t-=[]\\;',./`";
    static const std::string kShifted = "ABCDEFGHIJKLMNOPQRSTUVWXYZ!@#$%^&*()\n \t_+{}|:\"<>?~";
    static const SDL_Scancode kKeys[] = {
        SDL_SCANCODE_A, SDL_SCANCODE_B, SDL_SCANCODE_C, SDL_SCANCODE_D, SDL_SCANCODE_E, SDL_SCANCODE_F, SDL_SCANCODE_G,
        SDL_SCANCODE_H, SDL_SCANCODE_I, SDL_SCANCODE_J, SDL_SCANCODE_K, SDL_SCANCODE_L, SDL_SCANCODE_M, SDL_SCANCODE_N,
        SDL_SCANCODE_O, SDL_SCANCODE_P, SDL_SCANCODE_Q, SDL_SCANCODE_R, SDL_SCANCODE_S, SDL_SCANCODE_T, SDL_SCANCODE_U,
        SDL_SCANCODE_V, SDL_SCANCODE_W, SDL_SCANCODE_X, SDL_SCANCODE_Y, SDL_SCANCODE_Z, SDL_SCANCODE_1, SDL_SCANCODE_2,
        SDL_SCANCODE_3, SDL_SCANCODE_4, SDL_SCANCODE_5, SDL_SCANCODE_6, SDL_SCANCODE_7, SDL_SCANCODE_8, SDL_SCANCODE_9,
        SDL_SCANCODE_0, SDL_SCANCODE_RETURN, SDL_SCANCODE_SPACE, SDL_SCANCODE_TAB, SDL_SCANCODE_MINUS,
        SDL_SCANCODE_EQUALS, SDL_SCANCODE_LEFTBRACKET, SDL_SCANCODE_RIGHTBRACKET, SDL_SCANCODE_BACKSLASH,
        SDL_SCANCODE_SEMICOLON, SDL_SCANCODE_APOSTROPHE, SDL_SCANCODE_COMMA, SDL_SCANCODE_PERIOD, SDL_SCANCODE_SLASH,
        SDL_SCANCODE_GRAVE};
    if (auto at = kPlain.find(c); at != std::string::npos) { scancode = kKeys[at]; shift = false; return true; }
    if (auto at = kShifted.find(c); at != std::string::npos) { scancode = kKeys[at]; shift = true; return true; }
    return false;
}

// The text-mode screen as lines of text (CP437 printable ASCII as itself, everything else '.').
std::string screen_text(Display& display) {
    const DisplayFrame& frame = display.refresh();
    const std::vector<TextCell> cells = display.text_cells();
    std::string text;
    if (!frame.text.active) return text;
    for (std::uint32_t row = 0; row < frame.text.rows; ++row) {
        std::string line;
        for (std::uint32_t column = 0; column < frame.text.columns; ++column) {
            const std::uint8_t c = cells[row * frame.text.columns + column].character;
            line += (c >= 0x20 && c < 0x7F) ? static_cast<char>(c) : (c == 0 ? ' ' : '.');
        }
        line.erase(line.find_last_not_of(' ') + 1);
        text += line + '\n';
    }
    return text;
}

void write_text_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    if (!(out << text) || !out.flush()) throw std::runtime_error("cannot write '" + path + "'");
}

// Pushes a key event into SDL's queue as the window system would (the same path as real keys),
// with the modifier state the script's own keys make (SDL's SDL_GetModState knows only real keys).
void push_sdl_key(SDL_Scancode scancode, bool down) {
    static std::uint16_t script_mods = KMOD_NONE;  // the machine thread's, the only caller
    std::uint16_t bit = KMOD_NONE;
    switch (scancode) {
    case SDL_SCANCODE_LCTRL: bit = KMOD_LCTRL; break;
    case SDL_SCANCODE_RCTRL: bit = KMOD_RCTRL; break;
    case SDL_SCANCODE_LALT: bit = KMOD_LALT; break;
    case SDL_SCANCODE_RALT: bit = KMOD_RALT; break;
    case SDL_SCANCODE_LSHIFT: bit = KMOD_LSHIFT; break;
    case SDL_SCANCODE_RSHIFT: bit = KMOD_RSHIFT; break;
    default: break;
    }
    script_mods = static_cast<std::uint16_t>(down ? (script_mods | bit) : (script_mods & ~bit));
    SDL_Event event{};
    event.key.keysym.mod = script_mods;
    event.type = down ? SDL_KEYDOWN : SDL_KEYUP;
    event.key.timestamp = SDL_GetTicks();
    event.key.state = down ? SDL_PRESSED : SDL_RELEASED;
    event.key.keysym.scancode = scancode;
    event.key.keysym.sym = SDL_GetKeyFromScancode(scancode);
    SDL_PushEvent(&event);
}

// The text input event the window system sends after a printable key's press.
void push_sdl_text(char c) {
    SDL_Event event{};
    event.type = SDL_TEXTINPUT;
    event.text.timestamp = SDL_GetTicks();
    event.text.text[0] = c;
    SDL_PushEvent(&event);
}

struct SdlOptions {
    bool max_speed = false;
    bool fullscreen = false;
    bool check_display = false;
    std::vector<std::string> screenshot_at, dump_text_at;
    std::string script_path, stats_path;
};

// The frame the machine thread hands the UI thread.
struct SharedFrame {
    std::mutex mutex;
    std::vector<std::uint32_t> pixels;
    std::uint32_t width = 0, height = 0;
    std::uint64_t serial = 0;
};

class SdlRun {
public:
    SdlRun(const Options& options, const SdlOptions& sdl, std::chrono::steady_clock::time_point start)
        : options_(options), sdl_(sdl), report_(report_for(options)), started_(start) {}

    // The run, then the --report (docs/HEADLESS.md's schema) whatever ended it: the window
    // closed, the machine stopped, a signal, no display or a configuration error.
    int run() {
        int code = 0;
        try {
            code = run_window();
        } catch (const std::exception& error) {
            std::cerr << kProgram << ": error: " << error.what() << '\n';
            code = static_cast<int>(ExitCode::UsageError);
            std::lock_guard lock(message_mutex_);
            stop_reason_ = "error";
            message_ = error.what();
        }
        if (ports_ && !ports_->finish()) {
            std::cerr << kProgram << ": error: the debug console output could not be written completely\n";
            if (code == 0) code = static_cast<int>(ExitCode::UsageError);
        }
        if (machine_) record_machine(report_, *machine_);
        if (!options_.report_path.empty()) {
            std::lock_guard lock(message_mutex_);
            const Outcome outcome{static_cast<ExitCode>(code), stop_reason_, message_.empty() ? "window closed" : message_};
            if (!emit_report(report_, outcome, options_.report_path, started_, kProgram) && code == 0)
                code = static_cast<int>(ExitCode::UsageError);
        }
        return code;
    }

private:
    // Exit 7 when there is no display (stop_reason no_display).
    int no_display() {
        std::lock_guard lock(message_mutex_);
        stop_reason_ = "no_display";
        message_ = "no display";
        return kExitNoDisplay;
    }

    int run_window() {
        for (const auto& text : sdl_.screenshot_at) screenshots_.push_back(parse_at(text, "--screenshot-at"));
        for (const auto& text : sdl_.dump_text_at) text_dumps_.push_back(parse_at(text, "--dump-text-at"));
        if (!sdl_.script_path.empty()) script_ = parse_script(sdl_.script_path);
        Options machine_options = options_;
        machine_options.pc = true;  // the window shows the PC platform's VGA
        ports_ = std::make_unique<GuestPorts>(options_, report_.post_codes);
        serial_ = open_serial_consoles(machine_options);
        BuiltMachine built = build_machine(machine_options);
        machine_ = std::move(built.machine);
        if (built.linux_boot) {
            report_.linux_entry = built.linux_boot->entry_point;
            report_.linux_protocol = built.linux_boot->header.protocol_version;
        }
        ports_->attach(*machine_);
        connect_serial_consoles(*machine_, serial_);
        consoles_ = std::make_unique<ConsoleSwitch>(serial_);
        for (const Step& step : script_)
            if (step.kind == Step::Kind::DumpSerialPane && !consoles_->any_pane())
                throw UsageError("--script: dump-serial-pane needs a --serial vc or --serial2 vc port");
        machine_->set_stop_on_guest_reset(options_.no_reboot);

        if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
            std::cerr << kProgram << ": error: cannot open a display: " << SDL_GetError() << '\n';
            return no_display();
        }
        if (const char* driver = SDL_GetCurrentVideoDriver();
            !driver || std::string(driver) == "offscreen" || std::string(driver) == "dummy") {
            std::cerr << kProgram << ": error: no display (SDL's video driver is '" << (driver ? driver : "none") << "')\n";
            SDL_Quit();
            return no_display();
        }
        SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "linear");
        window_ = SDL_CreateWindow("x86emu", SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, 960, 720,
                                   SDL_WINDOW_RESIZABLE | (sdl_.fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0));
        if (!window_) {
            std::cerr << kProgram << ": error: cannot open a window: " << SDL_GetError() << '\n';
            SDL_Quit();
            return no_display();
        }
        renderer_ = SDL_CreateRenderer(window_, -1, SDL_RENDERER_PRESENTVSYNC);
        if (!renderer_) renderer_ = SDL_CreateRenderer(window_, -1, SDL_RENDERER_SOFTWARE);
        if (!renderer_) {
            std::cerr << kProgram << ": error: no SDL renderer: " << SDL_GetError() << '\n';
            SDL_DestroyWindow(window_);
            SDL_Quit();
            return no_display();
        }
        SDL_DisplayMode mode;
        if (SDL_GetCurrentDisplayMode(0, &mode) == 0 && mode.refresh_rate > 0) refresh_hz_ = mode.refresh_rate;
        machine_done_event_ = SDL_RegisterEvents(1);
        if (consoles_->any_pane()) SDL_StartTextInput();  // a serial pane types the host layout's characters
        window_step_event_ = SDL_RegisterEvents(1);
        start_ = std::chrono::steady_clock::now();
        std::thread machine_thread([this] { machine_loop(); });
        ui_loop();
        stop_.store(true);
        machine_->request_stop();
        machine_thread.join();
        // Closing the window is a clean exit: the disks' writes are made durable (fdatasync),
        // as the headless runner does on every exit path. They reached the image files already.
        try {
            machine_->flush_disks();
        } catch (const DiskImageError& error) {
            std::cerr << kProgram << ": error: " << error.what() << '\n';
            if (exit_code_ == 0) exit_code_ = static_cast<int>(ExitCode::UsageError);
        }
        for (auto& console : serial_)
            if (console) console->finish();
        final_title_ = SDL_GetWindowTitle(window_);
        final_fullscreen_ = (SDL_GetWindowFlags(window_) & SDL_WINDOW_FULLSCREEN) != 0;
        if (texture_) SDL_DestroyTexture(texture_);
        SDL_DestroyRenderer(renderer_);
        SDL_DestroyWindow(window_);
        SDL_Quit();
        report();
        return exit_code_;
    }

    // ---- the machine thread --------------------------------------------------------------------
    void end_machine(int code, const std::string& stop_reason, const std::string& message) {
        {
            std::lock_guard lock(message_mutex_);
            exit_code_ = code;
            stop_reason_ = stop_reason;
            message_ = message;
        }
        machine_ended_.store(true);
        SDL_Event event{};
        event.type = machine_done_event_;
        SDL_PushEvent(&event);
    }

    // Of the console on screen: the VGA display or a serial pane (drawn with the cursor on).
    void take_screenshot(const std::string& path) {
        if (SerialPane* pane = consoles_->shown_pane()) {
            std::vector<std::uint32_t> pixels;
            pane->render(pixels, true);
            write_png(path, pixels.data(), SerialPane::kWidth, SerialPane::kHeight, SerialPane::kWidth);
        } else {
            const DisplayFrame& frame = machine_->display()->refresh();
            write_png(path, frame.pixels, frame.width, frame.height, frame.stride);
        }
        std::lock_guard lock(message_mutex_);
        shots_.push_back(path);
    }

    // Runs script steps that are due; false while waiting.
    void run_script() {
        Cpu& cpu = machine_->cpu();
        while (script_at_ < script_.size()) {
            const Step& step = script_[script_at_];
            switch (step.kind) {
            case Step::Kind::At: if (cpu.cycles() < step.number) return; break;
            case Step::Kind::Sleep:
                if (!sleep_until_) sleep_until_ = cpu.emulated_nanoseconds() + step.number * 1'000'000;
                if (cpu.emulated_nanoseconds() < *sleep_until_) return;
                sleep_until_.reset();
                break;
            case Step::Kind::WaitText: {  // on the console shown: the VGA text screen or a serial pane
                const SerialPane* pane = consoles_->shown_pane();
                if ((pane ? pane->text() : screen_text(*machine_->display())).find(step.text) == std::string::npos) return;
                break;
            }
            case Step::Kind::Type:
                // One character per 20 ms of emulated time: press (Shift first) now, release next.
                if (cpu.emulated_nanoseconds() < next_key_ns_) return;
                if (type_at_ < step.text.size() * 2) {
                    SDL_Scancode scancode;
                    bool shift;
                    if (!key_for_char(step.text[type_at_ / 2], scancode, shift)) {
                        type_at_ += 2;  // a character the US layout has no key for is skipped
                        continue;
                    }
                    const bool down = type_at_ % 2 == 0;
                    const char c = step.text[type_at_ / 2];
                    const bool text = down && c >= 0x20 && c < 0x7F;  // X11 follows a printable key's press with its text
                    await_keys_handled_ = keys_handled_.load() + (shift ? 2 : 1) + (text ? 1 : 0);
                    if (shift && down) push_sdl_key(SDL_SCANCODE_LSHIFT, true);
                    push_sdl_key(scancode, down);
                    if (text) push_sdl_text(c);
                    if (shift && !down) push_sdl_key(SDL_SCANCODE_LSHIFT, false);
                    ++type_at_;
                    next_key_ns_ = cpu.emulated_nanoseconds() + 20'000'000;
                    return;
                }
                type_at_ = 0;
                break;
            case Step::Kind::Key: {
                if (cpu.emulated_nanoseconds() < next_key_ns_) return;
                static constexpr std::pair<SDL_Scancode, std::uint16_t> kModifierKeys[] = {
                    {SDL_SCANCODE_LCTRL, KMOD_LCTRL}, {SDL_SCANCODE_LALT, KMOD_LALT}, {SDL_SCANCODE_LSHIFT, KMOD_LSHIFT}};
                await_keys_handled_ = keys_handled_.load() + 2 + 2 * static_cast<unsigned>(std::popcount(step.modifiers));
                for (const auto& [modifier_key, modifier] : kModifierKeys)
                    if (step.modifiers & modifier) push_sdl_key(modifier_key, true);
                push_sdl_key(step.scancode, true);
                push_sdl_key(step.scancode, false);
                for (const auto& [modifier_key, modifier] : kModifierKeys)
                    if (step.modifiers & modifier) push_sdl_key(modifier_key, false);
                next_key_ns_ = cpu.emulated_nanoseconds() + 20'000'000;
                break;
            }
            case Step::Kind::KeyDown:
            case Step::Kind::KeyUp:  // held until the matching key-up: the guest's typematic repeats it
                if (cpu.emulated_nanoseconds() < next_key_ns_) return;
                await_keys_handled_ = keys_handled_.load() + 1;
                push_sdl_key(step.scancode, step.kind == Step::Kind::KeyDown);
                next_key_ns_ = cpu.emulated_nanoseconds() + 20'000'000;
                break;
            case Step::Kind::MouseMove:
            case Step::Kind::MouseButton:
            case Step::Kind::MouseWheel: {
                // As the window system would send them (relative mode: xrel/yrel), one per slice.
                SDL_Event event{};
                if (step.kind == Step::Kind::MouseMove) {
                    event.type = SDL_MOUSEMOTION;
                    event.motion.xrel = step.dx;
                    event.motion.yrel = step.dy;
                } else if (step.kind == Step::Kind::MouseButton) {
                    event.type = step.dy ? SDL_MOUSEBUTTONDOWN : SDL_MOUSEBUTTONUP;
                    event.button.button = static_cast<std::uint8_t>(step.dx);
                    event.button.state = step.dy ? SDL_PRESSED : SDL_RELEASED;
                } else {
                    event.type = SDL_MOUSEWHEEL;
                    event.wheel.y = step.dy;
                }
                await_keys_handled_ = keys_handled_.load() + 1;
                SDL_PushEvent(&event);
                ++script_at_;
                return;
            }
            case Step::Kind::WindowSize:
            case Step::Kind::WindowShot: {
                // The window is the UI thread's: it runs the step (window_step) and the machine waits.
                if (step.kind == Step::Kind::WindowShot) hand_over_frame();  // the picture of now
                SDL_Event event{};
                event.type = window_step_event_;
                event.user.data1 = const_cast<Step*>(&step);
                await_keys_handled_ = keys_handled_.load() + 1;
                SDL_PushEvent(&event);
                ++script_at_;
                return;
            }
            case Step::Kind::Screenshot: take_screenshot(step.text); break;
            case Step::Kind::DumpText: write_text_file(step.text, screen_text(*machine_->display())); break;
            case Step::Kind::DumpSerialPane: write_text_file(step.text, consoles_->shown_or_first_pane()->text()); break;
            case Step::Kind::Mark: {
                std::lock_guard lock(message_mutex_);
                marks_.push_back({step.text, cpu.emulated_nanoseconds() / 1e9,
                                  std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count()});
                break;
            }
            case Step::Kind::Quit: {
                SDL_Event event{};
                event.type = SDL_QUIT;
                SDL_PushEvent(&event);
                ++script_at_;
                return;
            }
            }
            ++script_at_;
        }
    }

    // Typematic repeat on emulated time (the F3 byte: delay (1 + bits 6:5) x 250 ms, period
    // (8 + bits 2:0) x 2^(bits 4:3) x 4.17 ms, IBM's keyboard reference).
    void repeat_keys() {
        std::lock_guard lock(input_mutex_);
        if (!held_) return;
        const std::uint64_t now = machine_->cpu().emulated_nanoseconds();
        const std::uint8_t t = machine_->keyboard_typematic();
        if (!repeat_at_) repeat_at_ = held_since_ + (1 + ((t >> 5) & 3)) * 250'000'000ull;
        if (now < *repeat_at_) return;
        machine_->push_key_event(*held_);
        // From the due time, not from now: a slice's lateness must not add up over the repeats
        // (it made 100.08 ms periods 101 ms); a machine far behind starts afresh instead of bursting.
        const std::uint64_t period = (8 + (t & 7)) * (1ull << ((t >> 3) & 3)) * 4'170'000ull;
        repeat_at_ = *repeat_at_ + period > now ? *repeat_at_ + period : now + period;
    }

    // One key at a time: from its delivery to the 8042 (the start of a slice) to the guest's
    // first read of a keyboard byte after it, on emulated time; and from the SDL event to the end
    // of the slice in which that read happened, on host time.
    void measure_latency() {
        std::lock_guard lock(input_mutex_);
        const Machine::HostInputStats stats = machine_->host_input_stats();
        if (latency_pending_ && stats.key_events_delivered >= latency_events_target_) {
            if (!latency_delivered_cycle_) {
                latency_delivered_cycle_ = stats.last_delivery_cycle;
                latency_bytes_before_ = bytes_read_last_slice_;
            }
            if (stats.keyboard_bytes_read > latency_bytes_before_ && stats.last_read_cycle >= *latency_delivered_cycle_) {
                const double khz = machine_->cpu().clock_khz();
                latency_emulated_us_.push_back((stats.last_read_cycle - *latency_delivered_cycle_) / khz * 1000.0);
                latency_host_ms_.push_back(
                    std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - latency_host_start_).count());
                latency_pending_ = false;
                latency_delivered_cycle_.reset();
            }
        }
        bytes_read_last_slice_ = stats.keyboard_bytes_read;
    }

    void machine_loop() {
        RealtimePacer pacer(machine_->cpu().emulated_nanoseconds(), std::chrono::milliseconds(250));
        const bool paced = !sdl_.max_speed;
        Cpu& cpu = machine_->cpu();
        try {
            while (!stop_.load()) {
                // Script keys travel through SDL's queue and the UI thread: the guest waits for
                // them, so that emulated time between a press and its release is what the script
                // says however fast the machine runs (--max-speed), and no typematic repeat creeps in.
                if (keys_handled_.load() < await_keys_handled_) {
                    std::this_thread::sleep_for(std::chrono::microseconds(500));
                    continue;
                }
                std::uint64_t budget = kSliceCycles;
                for (const auto& [cycles, file] : screenshots_)
                    if (cycles > cpu.cycles()) budget = std::min(budget, cycles - cpu.cycles());
                for (const auto& [cycles, file] : text_dumps_)
                    if (cycles > cpu.cycles()) budget = std::min(budget, cycles - cpu.cycles());
                if (options_.max_cycles) {
                    if (cpu.cycles() >= *options_.max_cycles)
                        return end_machine(static_cast<int>(ExitCode::MaxCycles), "max_cycles", "--max-cycles reached");
                    budget = std::min(budget, *options_.max_cycles - cpu.cycles());
                }
                const std::uint64_t before = cpu.cycles();
                const RunResult result = machine_->run(budget);
                consoles_->update_all();  // the serial panes take what the UARTs sent
                for (auto it = screenshots_.begin(); it != screenshots_.end();)
                    if (cpu.cycles() >= it->first) take_screenshot(it->second), it = screenshots_.erase(it); else ++it;
                for (auto it = text_dumps_.begin(); it != text_dumps_.end();)
                    if (cpu.cycles() >= it->first) write_text_file(it->second, screen_text(*machine_->display())), it = text_dumps_.erase(it); else ++it;
                run_script();
                repeat_keys();
                measure_latency();
                if (frame_wanted_.exchange(false)) hand_over_frame();
                emulated_ns_.store(cpu.emulated_nanoseconds());  // for the UI thread's title and key repeat
                machine_cycles_.store(cpu.cycles());
                if (paced) pacer.pace(cpu.emulated_nanoseconds());
                if (ports_->post_reached()) {
                    const Outcome outcome = ports_->post_outcome(cpu.cycles());
                    return end_machine(static_cast<int>(outcome.code), outcome.stop_reason, outcome.message);
                }
                if (options_.no_reboot && machine_->guest_resets() > 0)
                    return end_machine(0, "guest_reset", "the guest reset the machine (-no-reboot)");
                if (any(result.reasons, StopReason::PoweredOff))
                    return end_machine(0, "powered_off", "the guest powered the machine off");
                if (any(result.reasons, StopReason::Shutdown))
                    return end_machine(static_cast<int>(ExitCode::TripleFault), "shutdown", "triple fault (shutdown)");
                // Halted with nothing to wake it: the picture stays; host input may still come.
                if (cpu.cycles() == before) std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
        } catch (const std::exception& error) {
            end_machine(static_cast<int>(ExitCode::UsageError), "error", error.what());
        }
    }

    void hand_over_frame() {
        const DisplayFrame& frame = machine_->display()->refresh();
        std::lock_guard lock(frame_.mutex);
        frame_.width = frame.width;
        frame_.height = frame.height;
        frame_.pixels.resize(static_cast<std::size_t>(frame.width) * frame.height);
        for (std::uint32_t y = 0; y < frame.height; ++y)
            std::copy_n(frame.pixels + static_cast<std::size_t>(y) * frame.stride, frame.width,
                        frame_.pixels.begin() + static_cast<std::size_t>(y) * frame.width);
        ++frame_.serial;
    }

    // ---- the UI thread -------------------------------------------------------------------------
    void key(const SDL_KeyboardEvent& key) {
        keys_handled_.fetch_add(1);
        const bool down = key.type == SDL_KEYDOWN;
        // The event's own modifiers (SDL sets them for real keys, push_sdl_key for scripted ones).
        const std::uint16_t mods = key.keysym.mod;
        const SDL_Scancode code = key.keysym.scancode;
        const bool console_key = code >= SDL_SCANCODE_1 && code <= SDL_SCANCODE_3;
        const bool hotkey_key = console_key || code == SDL_SCANCODE_G || code == SDL_SCANCODE_F || code == SDL_SCANCODE_S;
        // A hotkey's key reaches the guest neither pressed nor released (its release may come
        // after Ctrl or Alt went up).
        if (!down && hotkey_key && hotkeys_held_.erase(code)) return;
        if (down && hotkey_key && (mods & KMOD_CTRL) && (mods & KMOD_ALT)) {  // the host's, not the guest's
            hotkeys_held_.insert(code);
            if (key.repeat) return;
            if (console_key) return show_console(static_cast<unsigned>(code - SDL_SCANCODE_1));
            if (code == SDL_SCANCODE_G) return set_grab(!grabbed_);
            if (code == SDL_SCANCODE_F) {
                fullscreen_ = !fullscreen_;
                SDL_SetWindowFullscreen(window_, fullscreen_ ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
                return;
            }
            return hotkey_screenshot();
        }
        // A serial pane takes the presses (host repeat included: a terminal's); a release goes to
        // the PS/2 keyboard only for a key pressed there (so no key stays held in the guest).
        if (SerialPane* pane = consoles_->shown_pane(); pane && (down || !ps2_held_.test(key.keysym.scancode))) {
            if (!down) return;
            const PaneKeyAction action = pane_key_action(key.keysym.sym, mods, SerialPane::kRows);
            if (action.scroll_view) pane->scroll_view(action.scroll_view);
            if (!action.bytes.empty()) pane->type(action.bytes);
            return;
        }
        if (key.repeat) return;  // the repeat is the guest's typematic rate (repeat_keys)
        const auto event = key_event_for(key.keysym.scancode, down);
        if (!event) return;
        ps2_held_.set(key.keysym.scancode, down);
        std::lock_guard lock(input_mutex_);
        machine_->push_key_event(*event);
        if (down && event->key == Machine::HostKeyEvent::Key::Make) {
            held_ = *event;
            held_since_ = emulated_ns_.load();
            repeat_at_.reset();
        } else if (held_ && !down && std::equal(held_->make, held_->make + 2, event->make)) {
            held_.reset();
        }
        if (down && !latency_pending_) {  // one measurement at a time: this key to the guest's IN
            latency_pending_ = true;
            latency_host_start_ = std::chrono::steady_clock::now();
            latency_events_target_ = ++keys_pushed_;
        } else {
            ++keys_pushed_;
        }
    }

    // Ctrl+Alt+1/2/3: the VGA display, COM1's or COM2's serial pane (if that port is vc).
    void show_console(unsigned console) {
        if (!consoles_->select(console)) return;
        drawn_serial_ = 0;  // the frame shown next is uploaded again
        pane_drawn_ = {};
        update_title();
    }

    // SDL's text input: the characters a key typed in the host's layout, for a serial pane.
    void text_input(const SDL_TextInputEvent& text) {
        keys_handled_.fetch_add(1);
        if (SerialPane* pane = consoles_->shown_pane()) pane->type(text.text);
    }

    void set_grab(bool grab) {
        grabbed_ = grab;
        SDL_SetRelativeMouseMode(grab ? SDL_TRUE : SDL_FALSE);
        SDL_SetWindowGrab(window_, grab ? SDL_TRUE : SDL_FALSE);
        update_title();
    }

    // Of what is on screen: the VGA frame or the serial pane as last drawn.
    void hotkey_screenshot() {
        std::lock_guard lock(frame_.mutex);
        const std::string path = "x86emu-screenshot-" + std::to_string(++hotkey_shots_) + ".png";
        try {
            if (consoles_->shown_pane() && !pane_pixels_.empty())
                write_png(path, pane_pixels_.data(), SerialPane::kWidth, SerialPane::kHeight, SerialPane::kWidth);
            else
                write_png(path, frame_.pixels.data(), frame_.width, frame_.height, frame_.width);
            std::cerr << kProgram << ": screenshot " << path << '\n';
            std::lock_guard shots(message_mutex_);
            shots_.push_back(path);
        } catch (const std::exception& error) {
            std::cerr << kProgram << ": " << error.what() << '\n';
        }
    }

    void update_title() {
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - title_wall_).count();
        const std::uint64_t emulated = emulated_ns_.load(), cycles = machine_cycles_.load();
        char title[256];
        const double percent = wall > 0 ? (emulated - title_emulated_) / 1e9 / wall * 100 : 0;
        const double mhz = wall > 0 ? (cycles - title_cycles_) / wall / 1e6 : 0;
        const std::string console = consoles_->title();
        std::snprintf(title, sizeof title, "x86emu — %.1f MHz emulated, %.0f%% of real time%s — %s%s%s", mhz, percent,
                      sdl_.max_speed ? " (max speed)" : "",
                      grabbed_ ? "mouse grabbed: Ctrl+Alt+G releases" : "Ctrl+Alt+G grabs the mouse",
                      console.empty() ? "" : " — ", console.c_str());
        SDL_SetWindowTitle(window_, title);
    }

    // window-size: resize and wait (at most 2 s) until the renderer's output has the new size;
    // window-shot: draw the current frame and read back the whole window (letterbox included).
    void window_step(const Step& step) {
        if (step.kind == Step::Kind::WindowSize) {
            SDL_SetWindowSize(window_, step.dx, step.dy);
            for (int tries = 0; tries < 200; ++tries) {
                SDL_PumpEvents();
                int w = 0, h = 0;
                SDL_GetRendererOutputSize(renderer_, &w, &h);
                if (w == step.dx && h == step.dy) break;
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
        } else {
            draw(&step.text);
        }
        keys_handled_.fetch_add(1);
    }

    // The console on screen: a serial pane (its cursor blinking on host time, as a terminal's),
    // or the VGA frame the machine thread handed over. window_shot: also read the whole window
    // back into this PNG (letterbox included).
    void draw(const std::string* window_shot = nullptr) {
        if (SerialPane* pane = consoles_->shown_pane()) {
            const PaneDrawn now{pane, pane->changes(), SDL_GetTicks() / 500 % 2 == 0};
            const bool changed = now != pane_drawn_;
            if (changed) pane->render(pane_pixels_, now.cursor_on);
            pane_drawn_ = now;
            return present(pane_pixels_.data(), SerialPane::kWidth, SerialPane::kHeight, changed, window_shot);
        }
        std::lock_guard lock(frame_.mutex);
        if (frame_.width == 0) return;
        present(frame_.pixels.data(), frame_.width, frame_.height, frame_.serial != drawn_serial_, window_shot);
        drawn_serial_ = frame_.serial;
    }

    void present(const std::uint32_t* pixels, std::uint32_t width, std::uint32_t height, bool changed,
                 const std::string* window_shot) {
        if (!texture_ || texture_width_ != width || texture_height_ != height) {
            if (texture_) SDL_DestroyTexture(texture_);
            texture_ = SDL_CreateTexture(renderer_, SDL_PIXELFORMAT_RGB888, SDL_TEXTUREACCESS_STREAMING,
                                         static_cast<int>(width), static_cast<int>(height));
            texture_width_ = width;
            texture_height_ = height;
            changed = true;
        }
        if (changed) SDL_UpdateTexture(texture_, nullptr, pixels, static_cast<int>(width * 4));
        // VGA resolutions (up to 720x480) fill a 4:3 monitor; larger (DISPI) modes have square pixels.
        int window_w = 0, window_h = 0;
        SDL_GetRendererOutputSize(renderer_, &window_w, &window_h);
        const double aspect = (width <= 720 && height <= 480) ? 4.0 / 3.0 : static_cast<double>(width) / height;
        int w = window_w, h = static_cast<int>(window_w / aspect);
        if (h > window_h) h = window_h, w = static_cast<int>(window_h * aspect);
        const SDL_Rect target{(window_w - w) / 2, (window_h - h) / 2, w, h};
        SDL_SetRenderDrawColor(renderer_, 0, 0, 0, 255);
        SDL_RenderClear(renderer_);
        SDL_RenderCopy(renderer_, texture_, nullptr, &target);
        if (window_shot) {  // read before presenting: afterwards the back buffer is undefined
            std::vector<std::uint32_t> window_pixels(static_cast<std::size_t>(window_w) * window_h);
            try {
                if (SDL_RenderReadPixels(renderer_, nullptr, SDL_PIXELFORMAT_RGB888, window_pixels.data(), window_w * 4) != 0)
                    throw std::runtime_error(std::string("window-shot: ") + SDL_GetError());
                write_png(*window_shot, window_pixels.data(), static_cast<std::uint32_t>(window_w),
                          static_cast<std::uint32_t>(window_h), static_cast<std::uint32_t>(window_w));
            } catch (const std::exception& error) {
                std::cerr << kProgram << ": " << error.what() << '\n';
            }
        }
        SDL_RenderPresent(renderer_);
        ++frames_;
    }

    void ui_loop() {
        title_wall_ = std::chrono::steady_clock::now();
        auto next_title = title_wall_ + std::chrono::seconds(1);
        const auto frame_period = std::chrono::nanoseconds(1'000'000'000 / refresh_hz_);
        auto next_frame = std::chrono::steady_clock::now();
        for (;;) {
            SDL_Event event;
            while (SDL_PollEvent(&event)) {
                if (event.type == SDL_QUIT) return;
                if (event.type == machine_done_event_) return;
                if (event.type == window_step_event_) window_step(*static_cast<const Step*>(event.user.data1));
                if (event.type == SDL_KEYDOWN || event.type == SDL_KEYUP) key(event.key);
                else if (event.type == SDL_TEXTINPUT) text_input(event.text);
                else if (event.type == SDL_MOUSEMOTION || event.type == SDL_MOUSEBUTTONDOWN ||
                         event.type == SDL_MOUSEBUTTONUP || event.type == SDL_MOUSEWHEEL)
                    mouse(event);
            }
            if (g_signal != 0) {
                std::lock_guard lock(message_mutex_);
                exit_code_ = static_cast<int>(ExitCode::Interrupted);
                stop_reason_ = "interrupted";
                message_ = "interrupted by signal " + std::to_string(g_signal);
                return;
            }
            if (options_.max_seconds &&
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count() >= *options_.max_seconds) {
                std::lock_guard lock(message_mutex_);
                exit_code_ = static_cast<int>(ExitCode::MaxSeconds);
                stop_reason_ = "max_seconds";
                message_ = "--max-seconds reached";
                return;
            }
            frame_wanted_.store(true);
            draw();
            if (std::chrono::steady_clock::now() >= next_title) {
                update_title();
                title_wall_ = std::chrono::steady_clock::now();
                title_emulated_ = emulated_ns_.load();
                title_cycles_ = machine_cycles_.load();
                next_title = title_wall_ + std::chrono::seconds(1);
            }
            // Present with vsync paces to the refresh rate; without it (Xvfb), sleep to it.
            next_frame += frame_period;
            const auto now = std::chrono::steady_clock::now();
            if (next_frame > now) std::this_thread::sleep_until(next_frame);
            else next_frame = now;
        }
    }

    // Mouse events go to the PS/2 mouse only while grabbed. The buttons come from the events
    // themselves (SDL_GetMouseState does not see pushed ones): PS/2 bit 0 left, 1 right, 2 middle.
    void mouse(const SDL_Event& event) {
        keys_handled_.fetch_add(1);  // a script's mouse step waits for this as for keys
        if (event.type == SDL_MOUSEBUTTONDOWN || event.type == SDL_MOUSEBUTTONUP) {
            const std::uint8_t bit = event.button.button == SDL_BUTTON_LEFT    ? 1
                                     : event.button.button == SDL_BUTTON_RIGHT ? 2
                                     : event.button.button == SDL_BUTTON_MIDDLE ? 4 : 0;
            mouse_buttons_ = static_cast<std::uint8_t>(event.type == SDL_MOUSEBUTTONDOWN ? (mouse_buttons_ | bit)
                                                                                        : (mouse_buttons_ & ~bit));
        }
        if (!grabbed_) return;
        if (event.type == SDL_MOUSEMOTION) machine_->push_mouse_event(event.motion.xrel, -event.motion.yrel, 0, mouse_buttons_);
        else if (event.type == SDL_MOUSEWHEEL) machine_->push_mouse_event(0, 0, -event.wheel.y, mouse_buttons_);
        else machine_->push_mouse_event(0, 0, 0, mouse_buttons_);
    }

    void report() {
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
        const double emulated = machine_->cpu().emulated_nanoseconds() / 1e9;
        std::ostringstream stats;
        stats << "{\"exit_code\": " << exit_code_ << ", \"frames\": " << frames_ << ", \"wall_seconds\": " << wall
              << ", \"fps\": " << (wall > 0 ? frames_ / wall : 0) << ", \"emulated_seconds\": " << emulated
              << ", \"realtime_percent\": " << (wall > 0 ? emulated / wall * 100 : 0)
              << ", \"cycles\": " << machine_->cpu().cycles() << ", \"instructions\": " << machine_->cpu().instructions()
              << ", \"latency_emulated_us\": [";
        for (std::size_t i = 0; i < latency_emulated_us_.size(); ++i) stats << (i ? ", " : "") << latency_emulated_us_[i];
        stats << "], \"latency_host_ms\": [";
        for (std::size_t i = 0; i < latency_host_ms_.size(); ++i) stats << (i ? ", " : "") << latency_host_ms_[i];
        stats << "], \"marks\": [";
        for (std::size_t i = 0; i < marks_.size(); ++i)
            stats << (i ? ", " : "") << "{\"name\": \"" << marks_[i].name << "\", \"emulated_seconds\": " << marks_[i].emulated
                  << ", \"wall_seconds\": " << marks_[i].wall << "}";
        stats << "], \"screenshots\": " << shots_.size() << ", \"grabbed\": " << (grabbed_ ? "true" : "false")
              << ", \"fullscreen\": " << (final_fullscreen_ ? "true" : "false") << ", \"title\": \"" << final_title_ << "\"}\n";
        std::cerr << kProgram << ": " << (message_.empty() ? "window closed" : message_) << "; " << stats.str();
        if (!sdl_.stats_path.empty()) {
            try {
                write_text_file(sdl_.stats_path, stats.str());
            } catch (const std::exception& error) {
                std::cerr << kProgram << ": error: --stats: " << error.what() << '\n';
                if (exit_code_ == 0) exit_code_ = static_cast<int>(ExitCode::UsageError);
            }
        }
    }

    const Options& options_;
    const SdlOptions& sdl_;
    RunReport report_;
    std::chrono::steady_clock::time_point started_;
    std::unique_ptr<GuestPorts> ports_;  // before the machine, whose port handlers call it
    SerialConsoles serial_;
    std::unique_ptr<ConsoleSwitch> consoles_;  // which console is on screen; the serial panes
    std::vector<std::uint32_t> pane_pixels_;   // UI thread: the serial pane as last drawn
    struct PaneDrawn {                         // ... and what it showed then
        const SerialPane* pane = nullptr;
        std::uint64_t changes = 0;
        bool cursor_on = false;
        friend bool operator==(const PaneDrawn&, const PaneDrawn&) = default;
    } pane_drawn_;
    std::bitset<SDL_NUM_SCANCODES> ps2_held_;  // UI thread: keys pressed into the PS/2 keyboard
    std::unique_ptr<Machine> machine_;
    SDL_Window* window_ = nullptr;
    SDL_Renderer* renderer_ = nullptr;
    SDL_Texture* texture_ = nullptr;
    std::uint32_t texture_width_ = 0, texture_height_ = 0;
    std::uint64_t drawn_serial_ = 0;
    int refresh_hz_ = 60;
    std::uint32_t machine_done_event_ = 0, window_step_event_ = 0;
    std::chrono::steady_clock::time_point start_, title_wall_;
    std::uint64_t title_emulated_ = 0, title_cycles_ = 0;
    std::atomic<bool> stop_{false}, machine_ended_{false}, frame_wanted_{false};
    std::atomic<std::uint64_t> emulated_ns_{0}, machine_cycles_{0};
    SharedFrame frame_;
    std::uint64_t frames_ = 0;
    bool grabbed_ = false, fullscreen_ = false;
    std::uint8_t mouse_buttons_ = 0;  // UI thread: the PS/2 button mask the mouse events left
    std::set<SDL_Scancode> hotkeys_held_;  // UI thread: hotkey letters down, whose release is the host's too
    std::string final_title_;              // the window's title and fullscreen flag when it closed (--stats)
    bool final_fullscreen_ = false;
    unsigned hotkey_shots_ = 0;
    std::vector<std::pair<std::uint64_t, std::string>> screenshots_, text_dumps_;
    std::vector<Step> script_;
    std::size_t script_at_ = 0, type_at_ = 0;
    std::optional<std::uint64_t> sleep_until_;
    std::uint64_t next_key_ns_ = 0;
    std::atomic<std::uint64_t> keys_handled_{0};  // key events the UI thread took (real or scripted)
    std::uint64_t await_keys_handled_ = 0;        // machine thread: run on once keys_handled_ is here
    std::mutex message_mutex_;
    int exit_code_ = 0;
    std::string stop_reason_ = "window_closed";  // --report's stop_reason: closed, unless the run ended otherwise
    std::string message_;
    std::vector<std::string> shots_;
    struct Mark { std::string name; double emulated, wall; };
    std::vector<Mark> marks_;
    // Input shared by the UI thread (key) and the machine thread (repeat_keys, measure_latency).
    std::mutex input_mutex_;
    std::optional<Machine::HostKeyEvent> held_;
    std::uint64_t held_since_ = 0;
    std::optional<std::uint64_t> repeat_at_;
    bool latency_pending_ = false;
    std::chrono::steady_clock::time_point latency_host_start_;
    std::uint64_t keys_pushed_ = 0, latency_events_target_ = 0, latency_bytes_before_ = 0, bytes_read_last_slice_ = 0;
    std::optional<std::uint64_t> latency_delivered_cycle_;
    std::vector<double> latency_emulated_us_, latency_host_ms_;
};

int run_sdl(int argc, const char* const* argv) {
    const auto start = std::chrono::steady_clock::now();
    namespace po = boost::program_options;
    SdlOptions sdl;
    po::options_description extra("The window (x86emu-sdl, docs/SDL.md)");
    extra.add_options()
        ("max-speed", po::bool_switch(&sdl.max_speed), "run as fast as the host allows (default: real time at --mhz)")
        ("fullscreen", po::bool_switch(&sdl.fullscreen), "start in fullscreen (Ctrl+Alt+F toggles)")
        ("screenshot-at", po::value(&sdl.screenshot_at)->value_name("CYCLES:FILE"), "write a PNG of the display at this cycle (repeatable)")
        ("dump-text-at", po::value(&sdl.dump_text_at)->value_name("CYCLES:FILE"), "write the text-mode screen as text at this cycle (repeatable)")
        ("script", po::value(&sdl.script_path)->value_name("FILE"), "scripted input: at, sleep, wait-text, type, key, screenshot, dump-text, dump-serial-pane, mark, quit (docs/SDL.md)")
        ("stats", po::value(&sdl.stats_path)->value_name("FILE.json"), "write frame, pacing and input-latency measurements at the end")
        ("check-display", po::bool_switch(&sdl.check_display), "only check that SDL can open a window: exit 0, or 7 if not");
    FrontendFlags frontend{kProgram, "in a window (VGA display, PS/2 keyboard and mouse)", &extra, true};
    Options options;
    std::string report_path;
    // --check-display needs no machine: a dummy kernel name satisfies the shared parser's rule.
    try {
        std::vector<const char*> args(argv, argv + argc);
        const bool only_check = std::find_if(args.begin(), args.end(), [](const char* a) { return std::string(a) == "--check-display"; }) != args.end();
        if (only_check) {
            if (SDL_Init(SDL_INIT_VIDEO) != 0) return kExitNoDisplay;
            // SDL falls back to its window-less drivers when no display server answers: not a display.
            const std::string driver = SDL_GetCurrentVideoDriver() ? SDL_GetCurrentVideoDriver() : "";
            if (driver.empty() || driver == "offscreen" || driver == "dummy") {
                SDL_Quit();
                return kExitNoDisplay;
            }
            SDL_Window* window = SDL_CreateWindow("x86emu", 0, 0, 64, 64, SDL_WINDOW_HIDDEN);
            const int code = window ? 0 : kExitNoDisplay;
            if (window) SDL_DestroyWindow(window);
            SDL_Quit();
            return code;
        }
        options = parse_command_line(argc, argv, report_path, frontend);
        if (options.show_help) {
            std::cout << options.help_text << "  7  x86emu-sdl: no display (SDL could not open a window)\n";
            return 0;
        }
        if (options.realtime && sdl.max_speed) throw UsageError("--realtime and --max-speed exclude each other");
    } catch (const std::exception& error) {
        std::cerr << kProgram << ": error: " << error.what() << "\n(see " << kProgram << " --help)\n";
        // As the headless runner: a report once --report was known, even for a bad value after it.
        if (!report_path.empty()) {
            RunReport report;
            emit_report(report, {ExitCode::UsageError, "error", error.what()}, report_path, start, kProgram);
        }
        return static_cast<int>(ExitCode::UsageError);
    }
    // Find out now, not after a long run, whether the report can be written at all.
    if (!report_path.empty() && !std::ofstream(report_path, std::ios::binary | std::ios::trunc)) {
        std::cerr << kProgram << ": error: cannot open report file '" << report_path << "' for writing\n";
        return static_cast<int>(ExitCode::UsageError);
    }
    std::signal(SIGINT, note_signal);
    std::signal(SIGTERM, note_signal);
    SdlRun run(options, sdl, start);
    return run.run();
}

}  // namespace

}  // namespace x86emu::sdl

int main(int argc, char** argv) { return x86emu::sdl::run_sdl(argc, argv); }
