// x86emu — the PC platform devices' snapshot adapters (device_snapshots.hpp; the keys:
// docs/SNAPSHOTS.md, "devices"). Every field of every device State by name: scalars as
// unsigned (or signed) integers and booleans, fixed arrays as arrays, optional deadlines as null
// or a cycle (pulse for the PIT), video memory as its non-zero 4 KiB pages.
#include "devices/device_snapshots.hpp"

#include <algorithm>
#include <cstring>
#include <functional>
#include <iterator>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>

#include "devices/pc_platform.hpp"

namespace x86emu::devices {

using snapshot::Field;
using snapshot::json;

namespace {

// ---- field helpers ------------------------------------------------------------------------------

template <class Container> json array_json(const Container& values) {
    json a = json::array();
    for (const auto& v : values) a.push_back(v);
    return a;
}
json optional_json(const std::optional<std::uint64_t>& v) { return v ? json(*v) : json(nullptr); }

std::optional<std::uint64_t> read_optional(const Field& f) {
    if (f.value().is_null()) return std::nullopt;
    return f.uint<std::uint64_t>();
}
template <class Container> void read_array(const Field& f, Container& out, std::uint64_t max) {
    using Element = std::remove_cvref_t<decltype(out[0])>;
    f.expect_size(std::size(out));
    for (std::size_t i = 0; i < std::size(out); ++i) out[i] = f.at(i).uint<Element>(max);
}
template <class Container> void read_array(const Field& f, Container& out) {
    read_array(f, out, std::numeric_limits<std::remove_cvref_t<decltype(out[0])>>::max());
}
// A byte queue (deque) of at most `capacity` bytes.
template <class Queue> void read_queue(const Field& f, Queue& out, std::size_t capacity) {
    const std::size_t n = f.array_size();
    if (n > capacity) f.invalid("at most " + std::to_string(capacity) + " bytes, found " + std::to_string(n));
    out.clear();
    for (std::size_t i = 0; i < n; ++i) out.push_back(f.at(i).uint<std::uint8_t>());
}
std::int64_t read_signed(const Field& f, std::int64_t min, std::int64_t max) {
    const json& v = f.value();
    if (!v.is_number_integer()) f.invalid("expected an integer");
    const auto range = [&] { return " is out of range (" + std::to_string(min) + " to " + std::to_string(max) + ")"; };
    if (v.is_number_unsigned()) {
        const std::uint64_t u = v.get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(max)) f.invalid(std::to_string(u) + range());
        return static_cast<std::int64_t>(u);
    }
    const std::int64_t s = v.get<std::int64_t>();
    if (s < min || s > max) f.invalid(std::to_string(s) + range());
    return s;
}
// Bits outside `allowed` must be clear.
template <class T> T read_bits(const Field& f, std::uint64_t allowed) {
    const T v = f.uint<T>();
    if (v & ~allowed) f.invalid(std::to_string(v) + " has bits set outside " + std::to_string(allowed));
    return v;
}

// One adapter for every device: `save` gives its entry, `load` decodes and checks an entry
// into a State and, when `apply` is set, hands it to the device (after check_state accepted
// the same entry, so it cannot throw then).
class DeviceSnapshot final : public Snapshottable {
public:
    using Save = std::function<json()>;
    using Load = std::function<void(const Field&, bool apply)>;
    DeviceSnapshot(std::string name, Save save, Load load)
        : name_(std::move(name)), save_(std::move(save)), load_(std::move(load)) {}
    std::string_view snapshot_name() const override { return name_; }
    json save_state() const override { return save_(); }
    void check_state(const Field& state) const override { load_(state, false); }
    void restore_state(const json& state) override { load_(Field(state, "machine.devices." + name_), true); }

private:
    std::string name_;
    Save save_;
    Load load_;
};

// ---- 8259A pair ---------------------------------------------------------------------------------

json pic_json(const Pic8259Pair::State& s) {
    json chips = json::array();
    for (const auto& c : s.chips)
        chips.push_back({{"irr", c.irr}, {"isr", c.isr}, {"imr", c.imr}, {"lines", c.lines}, {"elcr", c.elcr},
                         {"vector_base", c.vector_base}, {"icw3", c.icw3}, {"lowest_priority", c.lowest_priority},
                         {"init_step", c.init_step}, {"icw4_expected", c.icw4_expected}, {"single", c.single},
                         {"level_triggered", c.level_triggered}, {"auto_eoi", c.auto_eoi},
                         {"special_fully_nested", c.special_fully_nested}, {"rotate_on_auto_eoi", c.rotate_on_auto_eoi},
                         {"special_mask", c.special_mask}, {"read_isr", c.read_isr}, {"poll_pending", c.poll_pending}});
    return {{"chips", chips}, {"intr", s.intr}};
}
Pic8259Pair::State pic_state(const Field& f) {
    Pic8259Pair::State s;
    const Field chips = f["chips"];
    chips.expect_size(2);
    for (unsigned i = 0; i < 2; ++i) {
        const Field c = chips.at(i);
        auto& chip = s.chips[i];
        chip.irr = c["irr"].uint<std::uint8_t>();
        chip.isr = c["isr"].uint<std::uint8_t>();
        chip.imr = c["imr"].uint<std::uint8_t>();
        chip.lines = c["lines"].uint<std::uint8_t>();
        chip.elcr = read_bits<std::uint8_t>(c["elcr"], i == 0 ? Pic8259Pair::kElcrWritableMaster
                                                               : Pic8259Pair::kElcrWritableSlave);
        chip.vector_base = read_bits<std::uint8_t>(c["vector_base"], 0xF8);
        chip.icw3 = c["icw3"].uint<std::uint8_t>();
        chip.lowest_priority = c["lowest_priority"].uint<std::uint8_t>(7);
        chip.init_step = c["init_step"].uint<std::uint8_t>(4);
        if (chip.init_step == 1) c["init_step"].invalid("must be 0, 2, 3 or 4");
        chip.icw4_expected = c["icw4_expected"].boolean();
        chip.single = c["single"].boolean();
        chip.level_triggered = c["level_triggered"].boolean();
        chip.auto_eoi = c["auto_eoi"].boolean();
        chip.special_fully_nested = c["special_fully_nested"].boolean();
        chip.rotate_on_auto_eoi = c["rotate_on_auto_eoi"].boolean();
        chip.special_mask = c["special_mask"].boolean();
        chip.read_isr = c["read_isr"].boolean();
        chip.poll_pending = c["poll_pending"].boolean();
    }
    s.intr = f["intr"].boolean();
    return s;
}

// ---- 8254 ---------------------------------------------------------------------------------------

json pit_json(const Pit8254::State& s) {
    json counters = json::array();
    for (const auto& c : s.counters)
        counters.push_back({{"mode", c.mode}, {"access", c.access}, {"bcd", c.bcd}, {"count_register", c.count_register},
                            {"count_written", c.count_written}, {"write_msb_next", c.write_msb_next},
                            {"read_msb_next", c.read_msb_next}, {"count_latched", c.count_latched},
                            {"latched_count", c.latched_count}, {"status_latched", c.status_latched},
                            {"latched_status", c.latched_status}, {"gate", c.gate}, {"null_count", c.null_count},
                            {"null_count_clears_at", optional_json(c.null_count_clears_at)}, {"armed", c.armed},
                            {"suspended", c.suspended}, {"base_pulse", c.base_pulse}, {"base_value", c.base_value},
                            {"period", c.period}, {"next_period_at", optional_json(c.next_period_at)},
                            {"next_period", c.next_period}, {"terminal_reached", c.terminal_reached},
                            {"out_before_base", c.out_before_base}});
    return {{"counters", counters}, {"port61_low_bits", s.port61_low_bits}, {"irq0_level", s.irq0_level},
            {"irq0_event_pulse", optional_json(s.irq0_event_pulse)}};
}
Pit8254::State pit_state(const Field& f) {
    Pit8254::State s;
    const Field counters = f["counters"];
    counters.expect_size(3);
    for (unsigned i = 0; i < 3; ++i) {
        const Field c = counters.at(i);
        auto& k = s.counters[i];
        k.mode = c["mode"].uint<std::uint8_t>(5);
        k.access = c["access"].uint<std::uint8_t>(3);
        if (k.access == 0) c["access"].invalid("must be 1, 2 or 3");
        k.bcd = c["bcd"].boolean();
        const std::uint32_t modulus = k.bcd ? 10000u : 65536u;
        k.count_register = c["count_register"].uint<std::uint16_t>();
        k.count_written = c["count_written"].boolean();
        k.write_msb_next = c["write_msb_next"].boolean();
        k.read_msb_next = c["read_msb_next"].boolean();
        k.count_latched = c["count_latched"].boolean();
        k.latched_count = c["latched_count"].uint<std::uint16_t>();
        k.status_latched = c["status_latched"].boolean();
        k.latched_status = c["latched_status"].uint<std::uint8_t>();
        k.gate = c["gate"].boolean();
        k.null_count = c["null_count"].boolean();
        k.null_count_clears_at = read_optional(c["null_count_clears_at"]);
        k.armed = c["armed"].boolean();
        k.suspended = c["suspended"].boolean();
        k.base_pulse = c["base_pulse"].uint<std::uint64_t>();
        k.base_value = c["base_value"].uint<std::uint32_t>(modulus - 1);
        k.period = c["period"].uint<std::uint32_t>(modulus);
        if (k.period == 0) c["period"].invalid("must be 1 or more");
        k.next_period_at = read_optional(c["next_period_at"]);
        k.next_period = c["next_period"].uint<std::uint32_t>(modulus);
        if (k.next_period == 0) c["next_period"].invalid("must be 1 or more");
        k.terminal_reached = c["terminal_reached"].boolean();
        k.out_before_base = c["out_before_base"].boolean();
    }
    s.port61_low_bits = f["port61_low_bits"].uint<std::uint8_t>(0x0F);
    s.irq0_level = f["irq0_level"].boolean();
    s.irq0_event_pulse = read_optional(f["irq0_event_pulse"]);
    return s;
}

// ---- 16550A -------------------------------------------------------------------------------------

json uart_json(const Uart16550::State& s) {
    json rx = json::array();
    for (const auto& e : s.rx) rx.push_back({e.data, e.errors});
    return {{"divisor", s.divisor}, {"ier", s.ier}, {"lcr", s.lcr}, {"mcr", s.mcr}, {"scr", s.scr}, {"fcr", s.fcr},
            {"lsr_errors", s.lsr_errors}, {"msr_deltas", s.msr_deltas}, {"msr_lines", s.msr_lines},
            {"modem_inputs", s.modem_inputs}, {"thre_interrupt", s.thre_interrupt}, {"rx", rx},
            {"rx_head", s.rx_head}, {"rx_count", s.rx_count}, {"tx", array_json(s.tx)}, {"tx_head", s.tx_head},
            {"tx_count", s.tx_count}, {"shifting", s.shifting}, {"shift_data", s.shift_data},
            {"last_rx_activity", s.last_rx_activity}, {"tx_done_at", optional_json(s.tx_done_at)},
            {"rx_feed_at", optional_json(s.rx_feed_at)}, {"rx_timeout_at", optional_json(s.rx_timeout_at)}};
}
Uart16550::State uart_state(const Field& f) {
    constexpr std::uint64_t depth = Uart16550::kFifoDepth;
    Uart16550::State s;
    s.divisor = f["divisor"].uint<std::uint16_t>();
    s.ier = f["ier"].uint<std::uint8_t>();
    s.lcr = f["lcr"].uint<std::uint8_t>();
    s.mcr = f["mcr"].uint<std::uint8_t>();
    s.scr = f["scr"].uint<std::uint8_t>();
    s.fcr = f["fcr"].uint<std::uint8_t>();
    s.lsr_errors = f["lsr_errors"].uint<std::uint8_t>();
    s.msr_deltas = f["msr_deltas"].uint<std::uint8_t>();
    s.msr_lines = f["msr_lines"].uint<std::uint8_t>();
    s.modem_inputs = f["modem_inputs"].uint<std::uint8_t>();
    s.thre_interrupt = f["thre_interrupt"].boolean();
    const Field rx = f["rx"];
    rx.expect_size(depth);
    for (std::size_t i = 0; i < depth; ++i) {
        const Field e = rx.at(i);
        e.expect_size(2);
        s.rx[i] = {e.at(0).uint<std::uint8_t>(), e.at(1).uint<std::uint8_t>()};
    }
    s.rx_head = f["rx_head"].uint<std::uint8_t>(depth - 1);
    s.rx_count = f["rx_count"].uint<std::uint8_t>(depth);
    read_array(f["tx"], s.tx);
    s.tx_head = f["tx_head"].uint<std::uint8_t>(depth - 1);
    s.tx_count = f["tx_count"].uint<std::uint8_t>(depth);
    s.shifting = f["shifting"].boolean();
    s.shift_data = f["shift_data"].uint<std::uint8_t>();
    s.last_rx_activity = f["last_rx_activity"].uint<std::uint64_t>();
    s.tx_done_at = read_optional(f["tx_done_at"]);
    s.rx_feed_at = read_optional(f["rx_feed_at"]);
    s.rx_timeout_at = read_optional(f["rx_timeout_at"]);
    return s;
}

// ---- MC146818 -----------------------------------------------------------------------------------

json rtc_json(const Rtc146818::State& s) {
    return {{"bytes", array_json(s.bytes)}, {"index", s.index}, {"nmi_masked", s.nmi_masked},
            {"divider_origin", s.divider_origin}, {"caught_up_tick", s.caught_up_tick},
            {"event_at", optional_json(s.event_at)}};
}
Rtc146818::State rtc_state(const Field& f) {
    Rtc146818::State s;
    read_array(f["bytes"], s.bytes);
    s.index = f["index"].uint<std::uint8_t>(0x7F);
    s.nmi_masked = f["nmi_masked"].boolean();
    s.divider_origin = read_signed(f["divider_origin"], std::numeric_limits<std::int64_t>::min(),
                                   std::numeric_limits<std::int64_t>::max());
    s.caught_up_tick = f["caught_up_tick"].uint<std::uint64_t>();
    s.event_at = read_optional(f["event_at"]);
    return s;
}

// ---- 8042 with keyboard and mouse ----------------------------------------------------------------

constexpr std::size_t kMaxKbcReplies = 256;  // the controller queues a few replies at a time

json kbc_json(Kbc8042& kbc) {
    const Kbc8042::State& s = kbc.state();
    json replies = json::array();
    for (const auto& r : s.replies) replies.push_back({r.byte, static_cast<unsigned>(r.source)});
    const Ps2Keyboard::State& k = kbc.keyboard().state();
    const Ps2Mouse::State& m = kbc.mouse().state();
    return {{"ram", array_json(s.ram)}, {"output_port", s.output_port}, {"a2", s.a2}, {"output_full", s.output_full},
            {"output_buffer", s.output_buffer}, {"output_source", static_cast<unsigned>(s.output_source)},
            {"pending_command", s.pending_command}, {"translate_break_pending", s.translate_break_pending},
            {"replies", replies}, {"irq1_level", s.irq1_level}, {"irq12_level", s.irq12_level},
            {"keyboard",
             {{"scanning", k.scanning}, {"scancode_set", k.scancode_set}, {"leds", k.leds}, {"typematic", k.typematic},
              {"awaiting", k.awaiting}, {"last_sent", k.last_sent}, {"output", array_json(k.output)}}},
            {"mouse",
             {{"reporting", m.reporting}, {"remote", m.remote}, {"wrap", m.wrap}, {"scaling_2to1", m.scaling_2to1},
              {"sample_rate", m.sample_rate}, {"resolution", m.resolution}, {"device_id", m.device_id},
              {"rate_history", array_json(m.rate_history)}, {"buttons", m.buttons}, {"dx", m.dx}, {"dy", m.dy},
              {"dz", m.dz}, {"awaiting", m.awaiting}, {"last_sent", m.last_sent}, {"output", array_json(m.output)}}}};
}
struct KbcStates {
    Kbc8042::State controller;
    Ps2Keyboard::State keyboard;
    Ps2Mouse::State mouse;
};
Kbc8042::Source read_source(const Field& f) { return static_cast<Kbc8042::Source>(f.uint<std::uint8_t>(2)); }
KbcStates kbc_state(const Field& f) {
    KbcStates out;
    Kbc8042::State& s = out.controller;
    read_array(f["ram"], s.ram);
    s.output_port = f["output_port"].uint<std::uint8_t>();
    s.a2 = f["a2"].boolean();
    s.output_full = f["output_full"].boolean();
    s.output_buffer = f["output_buffer"].uint<std::uint8_t>();
    s.output_source = read_source(f["output_source"]);
    s.pending_command = f["pending_command"].uint<std::uint8_t>();
    s.translate_break_pending = f["translate_break_pending"].boolean();
    const Field replies = f["replies"];
    if (replies.array_size() > kMaxKbcReplies) replies.invalid("at most " + std::to_string(kMaxKbcReplies) + " replies");
    for (std::size_t i = 0; i < replies.array_size(); ++i) {
        const Field r = replies.at(i);
        r.expect_size(2);
        s.replies.push_back({r.at(0).uint<std::uint8_t>(), read_source(r.at(1))});
    }
    s.irq1_level = f["irq1_level"].boolean();
    s.irq12_level = f["irq12_level"].boolean();

    const Field k = f["keyboard"];
    Ps2Keyboard::State& kb = out.keyboard;
    kb.scanning = k["scanning"].boolean();
    kb.scancode_set = k["scancode_set"].uint<std::uint8_t>(2);
    if (kb.scancode_set == 0) k["scancode_set"].invalid("must be 1 or 2");
    kb.leds = k["leds"].uint<std::uint8_t>(7);
    kb.typematic = k["typematic"].uint<std::uint8_t>(0x7F);
    kb.awaiting = k["awaiting"].uint<std::uint8_t>();
    kb.last_sent = k["last_sent"].uint<std::uint8_t>();
    read_queue(k["output"], kb.output, Ps2Keyboard::kBufferBytes);

    const Field m = f["mouse"];
    Ps2Mouse::State& ms = out.mouse;
    ms.reporting = m["reporting"].boolean();
    ms.remote = m["remote"].boolean();
    ms.wrap = m["wrap"].boolean();
    ms.scaling_2to1 = m["scaling_2to1"].boolean();
    ms.sample_rate = m["sample_rate"].uint<std::uint8_t>();
    ms.resolution = m["resolution"].uint<std::uint8_t>(3);
    ms.device_id = m["device_id"].uint<std::uint8_t>(3);
    if (ms.device_id != 0 && ms.device_id != 3) m["device_id"].invalid("must be 0 or 3");
    read_array(m["rate_history"], ms.rate_history);
    ms.buttons = m["buttons"].uint<std::uint8_t>(7);
    constexpr std::int64_t lo = std::numeric_limits<std::int32_t>::min(), hi = std::numeric_limits<std::int32_t>::max();
    ms.dx = static_cast<std::int32_t>(read_signed(m["dx"], lo, hi));
    ms.dy = static_cast<std::int32_t>(read_signed(m["dy"], lo, hi));
    ms.dz = static_cast<std::int32_t>(read_signed(m["dz"], lo, hi));
    ms.awaiting = m["awaiting"].uint<std::uint8_t>();
    ms.last_sent = m["last_sent"].uint<std::uint8_t>();
    read_queue(m["output"], ms.output, Ps2Mouse::kBufferBytes);
    return out;
}

// ---- ACPI PM ------------------------------------------------------------------------------------

json acpi_json(const AcpiPm::State& s) {
    return {{"sts", s.sts}, {"tmr_sts", s.tmr_sts}, {"tmr_sts_checked_tick", s.tmr_sts_checked_tick}, {"en", s.en},
            {"cnt", s.cnt}, {"sci_level", s.sci_level}, {"timer_event_cycle", optional_json(s.timer_event_cycle)}};
}
AcpiPm::State acpi_state(const Field& f) {
    AcpiPm::State s;
    s.sts = read_bits<std::uint16_t>(f["sts"], AcpiPm::kStsBits & ~AcpiPm::kTmrSts);
    s.tmr_sts = f["tmr_sts"].boolean();
    s.tmr_sts_checked_tick = f["tmr_sts_checked_tick"].uint<std::uint64_t>();
    s.en = read_bits<std::uint16_t>(f["en"], AcpiPm::kEnBits);
    s.cnt = read_bits<std::uint16_t>(f["cnt"], 0xFFFF & ~(AcpiPm::kSlpEn | AcpiPm::kGblRls));
    s.sci_level = f["sci_level"].boolean();
    s.timer_event_cycle = read_optional(f["timer_event_cycle"]);
    return s;
}

// ---- PCI and the VGA ---------------------------------------------------------------------------

std::array<std::uint8_t, 256> config_space(const Field& f) {
    std::array<std::uint8_t, 256> config{};
    read_array(f, config);
    return config;
}

constexpr std::size_t kPageBytes = 4096;

json vram_json(std::span<const std::uint8_t> vram) {
    json pages = json::array();
    for (std::size_t page = 0; page < vram.size() / kPageBytes; ++page) {
        const std::uint8_t* bytes = vram.data() + page * kPageBytes;
        if (std::all_of(bytes, bytes + kPageBytes, [](std::uint8_t b) { return b == 0; })) continue;
        pages.push_back({page, json::binary(std::vector<std::uint8_t>(bytes, bytes + kPageBytes))});
    }
    return {{"page_bytes", kPageBytes}, {"pages", pages}};
}
struct VramPage {
    std::size_t page;
    const std::vector<std::uint8_t>* bytes;
};
std::vector<VramPage> vram_pages(const Field& f, std::size_t vram_bytes) {
    if (f["page_bytes"].uint<std::size_t>() != kPageBytes) f["page_bytes"].invalid("must be 4096");
    const Field pages = f["pages"];
    std::vector<VramPage> out;
    for (std::size_t k = 0; k < pages.array_size(); ++k) {
        const Field entry = pages.at(k);
        entry.expect_size(2);
        const std::size_t page = entry.at(0).uint<std::size_t>(vram_bytes / kPageBytes - 1);
        if (!out.empty() && page <= out.back().page) entry.at(0).invalid("pages must be in ascending order, each once");
        const std::vector<std::uint8_t>& bytes = entry.at(1).bytes();
        if (bytes.size() != kPageBytes) entry.at(1).invalid("a page is 4096 bytes, this one " + std::to_string(bytes.size()));
        out.push_back({page, &bytes});
    }
    return out;
}

json vga_json(Vga& vga) {
    const Vga::State& s = vga.state();
    return {{"misc_output", s.misc_output}, {"feature_control", s.feature_control},
            {"sequencer_index", s.sequencer_index}, {"sequencer", array_json(s.sequencer)},
            {"graphics_index", s.graphics_index}, {"graphics", array_json(s.graphics)}, {"crtc_index", s.crtc_index},
            {"crtc", array_json(s.crtc)}, {"attribute_index", s.attribute_index},
            {"attribute_flip_flop_data", s.attribute_flip_flop_data}, {"attribute", array_json(s.attribute)},
            {"dac_pixel_mask", s.dac_pixel_mask}, {"dac_read_index", s.dac_read_index},
            {"dac_write_index", s.dac_write_index}, {"dac_read_component", s.dac_read_component},
            {"dac_write_component", s.dac_write_component}, {"dac_reading", s.dac_reading},
            {"dac_write_latch", array_json(s.dac_write_latch)}, {"dac", array_json(s.dac)}, {"latches", s.latches},
            {"dispi_index", s.dispi_index}, {"dispi", array_json(s.dispi)},
            {"pci_config", array_json(vga.pci_function().state().config)}, {"video_memory", vram_json(vga.video_memory())}};
}
Vga::State vga_state(const Field& f) {
    Vga::State s;
    s.misc_output = f["misc_output"].uint<std::uint8_t>();
    s.feature_control = f["feature_control"].uint<std::uint8_t>();
    s.sequencer_index = f["sequencer_index"].uint<std::uint8_t>(0x07);
    read_array(f["sequencer"], s.sequencer);
    s.graphics_index = f["graphics_index"].uint<std::uint8_t>(0x0F);
    read_array(f["graphics"], s.graphics);
    s.crtc_index = f["crtc_index"].uint<std::uint8_t>(0x3F);
    read_array(f["crtc"], s.crtc);
    s.attribute_index = f["attribute_index"].uint<std::uint8_t>(0x3F);
    s.attribute_flip_flop_data = f["attribute_flip_flop_data"].boolean();
    read_array(f["attribute"], s.attribute);
    s.dac_pixel_mask = f["dac_pixel_mask"].uint<std::uint8_t>();
    s.dac_read_index = f["dac_read_index"].uint<std::uint8_t>();
    s.dac_write_index = f["dac_write_index"].uint<std::uint8_t>();
    s.dac_read_component = f["dac_read_component"].uint<std::uint8_t>(2);
    s.dac_write_component = f["dac_write_component"].uint<std::uint8_t>(2);
    s.dac_reading = f["dac_reading"].boolean();
    read_array(f["dac_write_latch"], s.dac_write_latch);
    read_array(f["dac"], s.dac);
    s.latches = f["latches"].uint<std::uint32_t>();
    s.dispi_index = f["dispi_index"].uint<std::uint16_t>();
    read_array(f["dispi"], s.dispi);
    return s;
}

// ---- ATA channels -------------------------------------------------------------------------------

json task_file_json(const AtaChannel::TaskFile& t) {
    return json::array({t.features, t.sector_count, t.lba_low, t.lba_mid, t.lba_high});
}
AtaChannel::TaskFile task_file_state(const Field& f) {
    f.expect_size(5);
    return {f.at(0).uint<std::uint8_t>(), f.at(1).uint<std::uint8_t>(), f.at(2).uint<std::uint8_t>(),
            f.at(3).uint<std::uint8_t>(), f.at(4).uint<std::uint8_t>()};
}
// A buffer of at most `max` bytes.
std::vector<std::uint8_t> buffer_state(const Field& f, std::size_t max) {
    const std::vector<std::uint8_t>& bytes = f.bytes();
    if (bytes.size() > max) f.invalid("at most " + std::to_string(max) + " bytes, found " + std::to_string(bytes.size()));
    return bytes;
}
json ata_json(const AtaChannel::State& s) {
    json drives = json::array();
    for (const auto& d : s.drives)
        drives.push_back({{"current", task_file_json(d.current)}, {"previous", task_file_json(d.previous)},
                          {"device", d.device}, {"status", d.status}, {"error", d.error}, {"intrq", d.intrq},
                          {"heads", d.heads}, {"sectors_per_track", d.sectors_per_track}, {"multiple", d.multiple},
                          {"transfer_mode", d.transfer_mode}, {"revert_on_reset", d.revert_on_reset},
                          {"standby", d.standby}, {"sleeping", d.sleeping}, {"phase", static_cast<unsigned>(d.phase)},
                          {"pending", static_cast<unsigned>(d.pending)}, {"pending_at", optional_json(d.pending_at)},
                          {"command", d.command}, {"lba", d.lba}, {"remaining", d.remaining}, {"block", d.block},
                          {"ext", d.ext}, {"chs", d.chs}, {"final_status", d.final_status},
                          {"final_error", d.final_error}, {"buffer", json::binary(d.buffer)}, {"position", d.position},
                          {"sense", json::array({d.sense_key, d.asc, d.ascq})}, {"unit_attention", d.unit_attention},
                          {"tray_locked", d.tray_locked}, {"medium_loaded", d.medium_loaded},
                          {"byte_limit", d.byte_limit}, {"response", json::binary(d.response)},
                          {"response_offset", d.response_offset}, {"medium_transfer", d.medium_transfer}});
    return {{"drives", drives}, {"device_control", s.device_control}, {"selected", s.selected}, {"srst", s.srst}};
}
AtaChannel::State ata_state(const Field& f) {
    // The largest buffers: a READ MULTIPLE block of 16 sectors, a CD READ block within the
    // 64 KiB byte count limit, a packet response.
    constexpr std::size_t kMaxBuffer = 64 * 1024;
    AtaChannel::State s;
    const Field drives = f["drives"];
    drives.expect_size(2);
    for (unsigned i = 0; i < 2; ++i) {
        const Field e = drives.at(i);
        auto& d = s.drives[i];
        d.current = task_file_state(e["current"]);
        d.previous = task_file_state(e["previous"]);
        d.device = e["device"].uint<std::uint8_t>();
        d.status = e["status"].uint<std::uint8_t>();
        d.error = e["error"].uint<std::uint8_t>();
        d.intrq = e["intrq"].boolean();
        d.heads = e["heads"].uint<std::uint16_t>(16);
        d.sectors_per_track = e["sectors_per_track"].uint<std::uint16_t>(255);
        d.multiple = e["multiple"].uint<std::uint8_t>(AtaChannel::kMaxMultiple);
        d.transfer_mode = e["transfer_mode"].uint<std::uint8_t>();
        d.revert_on_reset = e["revert_on_reset"].boolean();
        d.standby = e["standby"].boolean();
        d.sleeping = e["sleeping"].boolean();
        d.phase = static_cast<AtaChannel::Phase>(e["phase"].uint<std::uint8_t>(static_cast<unsigned>(AtaChannel::Phase::Packet)));
        d.pending = static_cast<AtaChannel::Pending>(
            e["pending"].uint<std::uint8_t>(static_cast<unsigned>(AtaChannel::Pending::PacketData)));
        d.pending_at = read_optional(e["pending_at"]);
        d.command = e["command"].uint<std::uint8_t>();
        d.lba = e["lba"].uint<std::uint64_t>();
        d.remaining = e["remaining"].uint<std::uint32_t>(65536);
        d.block = e["block"].uint<std::uint32_t>(65536);
        d.ext = e["ext"].boolean();
        d.chs = e["chs"].boolean();
        d.final_status = e["final_status"].uint<std::uint8_t>();
        d.final_error = e["final_error"].uint<std::uint8_t>();
        d.buffer = buffer_state(e["buffer"], kMaxBuffer);
        d.position = e["position"].uint<std::uint32_t>(static_cast<std::uint32_t>(d.buffer.size()));
        const Field sense = e["sense"];
        sense.expect_size(3);
        d.sense_key = sense.at(0).uint<std::uint8_t>(15);
        d.asc = sense.at(1).uint<std::uint8_t>();
        d.ascq = sense.at(2).uint<std::uint8_t>();
        d.unit_attention = e["unit_attention"].boolean();
        d.tray_locked = e["tray_locked"].boolean();
        d.medium_loaded = e["medium_loaded"].boolean();
        d.byte_limit = e["byte_limit"].uint<std::uint16_t>();
        d.response = buffer_state(e["response"], kMaxBuffer);
        d.response_offset = e["response_offset"].uint<std::uint32_t>(static_cast<std::uint32_t>(d.response.size()));
        d.medium_transfer = e["medium_transfer"].boolean();
        if ((d.pending == AtaChannel::Pending::None) != !d.pending_at)
            e["pending_at"].invalid("a pending event needs its cycle, and only then");
    }
    s.device_control = f["device_control"].uint<std::uint8_t>();
    s.selected = f["selected"].uint<std::uint8_t>(1);
    s.srst = f["srst"].boolean();
    return s;
}

}  // namespace

// ---- registration -------------------------------------------------------------------------------

void register_device_snapshots(PcPlatform& p, SnapshotRegistry& registry,
                               std::vector<std::unique_ptr<Snapshottable>>& adapters) {
    const auto add = [&](std::string name, DeviceSnapshot::Save save, DeviceSnapshot::Load load) {
        adapters.push_back(std::make_unique<DeviceSnapshot>(std::move(name), std::move(save), std::move(load)));
        registry.add(*adapters.back());
    };

    // The A20 sources first: the gate drives the memory map's A20 input, as the "a20" key of the
    // machine part already set it.
    add("a20_gate", [&p] { return json{{"from_kbc", p.a20_gate_->state().from_kbc}, {"from_port92", p.a20_gate_->state().from_port92}}; },
        [&p](const Field& f, bool apply) {
            const A20Gate::State s{f["from_kbc"].boolean(), f["from_port92"].boolean()};
            if (!apply) return;
            p.a20_gate_->state() = s;
            p.a20_gate_->state_restored();
        });
    add("port92", [&p] { return json{{"value", p.port92_->state().value}}; },
        [&p](const Field& f, bool apply) {
            const SystemControlPortA::State s{read_bits<std::uint8_t>(f["value"], SystemControlPortA::kWritable)};
            if (apply) p.port92_->state() = s;
        });
    add("kbc", [&p] { return kbc_json(*p.kbc_); },
        [&p](const Field& f, bool apply) {
            KbcStates s = kbc_state(f);
            if (!apply) return;
            p.kbc_->state() = std::move(s.controller);
            p.kbc_->keyboard().state() = std::move(s.keyboard);
            p.kbc_->mouse().state() = std::move(s.mouse);
            p.kbc_->state_restored();
        });
    add("pit", [&p] { return pit_json(p.pit_.state()); },
        [&p](const Field& f, bool apply) {
            const Pit8254::State s = pit_state(f);
            if (apply) p.pit_.restore_state(s);  // drives IRQ0, cancels and re-arms the OUT0 event
        });
    const auto add_uart = [&](std::string name, Uart16550& uart) {
        add(std::move(name), [&uart] { return uart_json(uart.state()); },
            [&uart](const Field& f, bool apply) {
                const Uart16550::State s = uart_state(f);
                if (!apply) return;
                uart.set_state(s);
                uart.rearm_events();  // cancels the pending ones first
                uart.rebuild();
            });
    };
    add_uart("com1", *p.com1_);
    add_uart("com2", *p.com2_);
    add("rtc", [&p] { return rtc_json(p.rtc_->state()); },
        [&p](const Field& f, bool apply) {
            const Rtc146818::State s = rtc_state(f);
            if (!apply) return;
            p.rtc_->set_state(s);
            p.rtc_->rearm_events();
            p.rtc_->rebuild();
        });
    add("acpi_pm", [&p] { return acpi_json(p.acpi_pm_->state()); },
        [&p](const Field& f, bool apply) {
            const AcpiPm::State s = acpi_state(f);
            if (!apply) return;
            p.acpi_pm_->state() = s;
            p.acpi_pm_->rearm_events();
            // rearm_events() updates the SCI, which checks TMR_STS at now(); TMR_STS is sticky and
            // a later read from the saved check tick gives the same answer, so putting the saved
            // pair back changes nothing observable and keeps the state exactly the saved one.
            p.acpi_pm_->state().tmr_sts = s.tmr_sts;
            p.acpi_pm_->state().tmr_sts_checked_tick = s.tmr_sts_checked_tick;
        });
    add("pci",
        [&p] {
            return json{{"config_address", p.pci_->state.config_address},
                        {"host_bridge", array_json(p.host_bridge_->state().config)},
                        {"isa_bridge", array_json(p.isa_bridge_->state().config)}};
        },
        [&p](const Field& f, bool apply) {
            const std::uint32_t address = read_bits<std::uint32_t>(f["config_address"], 0x80FF'FFFCu);
            const auto host = config_space(f["host_bridge"]);
            const auto isa = config_space(f["isa_bridge"]);
            if (!apply) return;
            p.pci_->state.config_address = address;
            p.host_bridge_->state().config = host;
            p.host_bridge_->state_restored();
            p.isa_bridge_->state().config = isa;
            p.isa_bridge_->state_restored();
        });
    // The VGA after PCI only by habit: its BAR0 is in its own "pci_config", and state_restored()
    // maps the LFB where that BAR says (unmapping it from where it was).
    add("vga", [&p] { return vga_json(*p.vga_); },
        [&p](const Field& f, bool apply) {
            Vga& vga = *p.vga_;
            const Vga::State s = vga_state(f);
            const auto config = config_space(f["pci_config"]);
            const std::vector<VramPage> pages = vram_pages(f["video_memory"], vga.video_memory().size());
            if (!apply) return;
            vga.state() = s;
            vga.pci_function().state().config = config;
            std::span<std::uint8_t> vram = vga.video_memory();
            auto next = pages.begin();
            for (std::size_t page = 0; page < vram.size() / kPageBytes; ++page) {
                std::uint8_t* bytes = vram.data() + page * kPageBytes;
                if (next != pages.end() && next->page == page) {
                    std::memcpy(bytes, next->bytes->data(), kPageBytes);
                    ++next;
                } else if (!std::all_of(bytes, bytes + kPageBytes, [](std::uint8_t b) { return b == 0; })) {
                    std::memset(bytes, 0, kPageBytes);
                }
            }
            vga.state_restored();
        });
    // The IDE function's configuration (its decode enables) and both channels; the drives' images
    // are not in the snapshot (docs/SNAPSHOTS.md): the restoring machine must have the same ones.
    add("ide",
        [&p] {
            return json{{"pci_config", array_json(p.ide_->state().config)},
                        {"primary", ata_json(p.ata_[0]->state())},
                        {"secondary", ata_json(p.ata_[1]->state())}};
        },
        [&p](const Field& f, bool apply) {
            const auto config = config_space(f["pci_config"]);
            const AtaChannel::State primary = ata_state(f["primary"]);
            const AtaChannel::State secondary = ata_state(f["secondary"]);
            if (!apply) return;
            p.ide_->state().config = config;
            p.ata_[0]->set_state(primary);
            p.ata_[1]->set_state(secondary);
            p.ide_->state_restored();  // the decode enables, then the IRQ lines from the state
            for (auto& channel : p.ata_) {
                channel->rearm_events();
                channel->rebuild();
            }
        });
    add("platform",
        [&p] {
            const PcPlatform::State& s = p.state_;
            return json{{"last_post_code", s.last_post_code ? json(*s.last_post_code) : json(nullptr)},
                        {"reset_control", s.reset_control}, {"ferr_latch", s.ferr_latch}};
        },
        [&p](const Field& f, bool apply) {
            PcPlatform::State s;
            const Field post = f["last_post_code"];
            if (!post.value().is_null()) s.last_post_code = post.uint<std::uint8_t>();
            s.reset_control = read_bits<std::uint8_t>(f["reset_control"], 0x0A);
            s.ferr_latch = f["ferr_latch"].boolean();
            if (apply) p.state_ = s;  // the IRQ13 level it drove is in the PIC's lines
        });
    // Last: the PIC's state holds the input levels and requests it latched; the devices above
    // re-drove their lines with the levels it records, and this makes its registers (and INTR)
    // exactly the saved ones whatever those calls did.
    add("pic", [&p] { return pic_json(p.pic_.state()); },
        [&p](const Field& f, bool apply) {
            const Pic8259Pair::State s = pic_state(f);
            if (apply) p.pic_.restore_state(s);
        });
}

}  // namespace x86emu::devices
