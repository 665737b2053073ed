// x86emu frontends — the POST and debug console ports (guest_ports.hpp, docs/HEADLESS.md).
#include "guest_ports.hpp"

#include <stdexcept>

namespace x86emu::frontend {

std::string hex_byte(std::uint8_t value) {
    char text[8];
    std::snprintf(text, sizeof text, "0x%02X", value);
    return text;
}

DebugConsole::DebugConsole(const std::string& path) {
    if (path.empty()) {
        out_ = stdout;
        return;
    }
    out_ = std::fopen(path.c_str(), "wb");
    if (!out_) throw UsageError("--debugcon-file: cannot open '" + path + "' for writing");
    owned_ = true;
}

void DebugConsole::put(std::uint8_t byte) {
    std::fputc(byte, out_);
    if (byte == '\n') std::fflush(out_);
}

bool DebugConsole::finish() {
    if (!out_) return ok_;
    if (std::fflush(out_) != 0 || std::ferror(out_)) ok_ = false;
    if (owned_ && std::fclose(out_) != 0) ok_ = false;
    out_ = nullptr;
    return ok_;
}

void GuestPorts::attach(Machine& machine) {
    machine_ = &machine;
    try {
        // The PC platform owns port 80h and passes its writes on.
        if (machine.platform() == Platform::PC && options_.post_port == 0x80)
            machine.set_post_code_handler([this](std::uint8_t code) { on_post(code); });
        else
            machine.add_port_handler(options_.post_port, options_.post_port,
                                     PortHandler{{}, [this](std::uint16_t, std::uint8_t code) { on_post(code); }});
        // Reading the port back gives 0xE9, the value guests use to detect a debug console.
        machine.add_port_handler(options_.debugcon_port, options_.debugcon_port,
                                 PortHandler{[](std::uint16_t) -> std::uint8_t { return 0xE9; },
                                             [this](std::uint16_t, std::uint8_t byte) { debugcon_.put(byte); }});
    } catch (const std::invalid_argument& error) {  // a port the PC platform's devices claim
        throw UsageError(std::string("--post-port/--debugcon: ") + error.what());
    }
}

void GuestPorts::on_post(std::uint8_t code) {
    post_codes_.record(code);
    if (options_.until_post && code == *options_.until_post && !post_reached_) {
        post_reached_ = true;
        machine_->request_stop();  // the OUT completes, then run() returns
    }
}

Outcome GuestPorts::post_outcome(std::uint64_t cycles) const {
    return {ExitCode::Success, "post_code_reached",
            "POST code " + hex_byte(options_.until_post.value_or(0)) + " reached after " + std::to_string(cycles) + " cycles"};
}

}  // namespace x86emu::frontend
