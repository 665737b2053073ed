// x86emu — VGA registers, video memory access, input status timing, DISPI and the LFB's PCI
// function (see vga.hpp). Rendering is vga_render.cpp, the BIOS mode tables vga_modes.cpp.
#include "devices/vga.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "x86emu/io_ports.hpp"
#include "x86emu/memory_map.hpp"
#include "x86emu/scheduler.hpp"

namespace x86emu {

namespace {

constexpr std::uint32_t kPlaneBytes = 64 * 1024;
constexpr std::uint32_t kBankBytes = 64 * 1024;

// 0xFF in every byte whose plane bit is set in `planes` (bits 3:0).
constexpr std::uint32_t expand_planes(unsigned planes) {
    std::uint32_t out = 0;
    for (unsigned p = 0; p < 4; ++p)
        if (planes & (1u << p)) out |= 0xFFu << (8 * p);
    return out;
}

constexpr std::uint8_t rotate_right(std::uint8_t v, unsigned count) {
    count &= 7;
    return static_cast<std::uint8_t>((v >> count) | (v << ((8 - count) & 7)));
}

}  // namespace

// ---- the PCI function ----

Vga::PciVgaFunction::PciVgaFunction(Vga& vga, std::uint32_t vram_bytes, std::uint32_t lfb_base)
    : PciFunction(PciIdentity{.vendor_id = 0x1234,
                              .device_id = 0x1111,
                              .revision = 0x02,
                              .class_code = 0x03,
                              .subclass = 0x00,
                              .prog_if = 0x00,
                              .header_type = 0x00,
                              // As firmware would leave it: memory and I/O decoding on.
                              .initial_command = pci_config::kCommandIo | pci_config::kCommandMemory}),
      vga_(vga) {
    define_bar(0, PciBarKind::Memory32Prefetchable, vram_bytes, lfb_base);
}

// ---- construction, wiring ----

namespace {
std::uint32_t checked_video_memory(std::uint32_t size) {
    if (size < (256u << 10) || size > (256u << 20) || (size & (size - 1)) != 0)
        throw std::invalid_argument("VgaConfig::video_memory_bytes must be a power of two from 256 KiB to 256 MiB, not " +
                                    std::to_string(size));
    return size;
}
}  // namespace

Vga::Vga(Scheduler& scheduler, VgaConfig config)
    : scheduler_(scheduler),
      vram_bytes_(checked_video_memory(config.video_memory_bytes)),
      vram_(nullptr),
      pci_(*this, vram_bytes_, config.lfb_base) {
    const std::uint32_t size = vram_bytes_;
    // calloc: untouched video memory costs no host memory; page-aligned enough for map_ram
    // (the map needs no alignment of the host pointer, only of the guest address).
    vram_.reset(static_cast<std::uint8_t*>(std::calloc(size, 1)));
    if (!vram_) throw std::bad_alloc();
    state_.dispi[kDispiId] = 0xB0C5;
    state_.dispi[kDispiXres] = 640;
    state_.dispi[kDispiYres] = 480;
    state_.dispi[kDispiBpp] = 8;
    state_.dispi[kDispiVirtWidth] = 640;
    state_.dispi[kDispiVirtHeight] = 480;
    state_.dispi[kDispiVideoMemory64k] = static_cast<std::uint16_t>(std::min<std::uint32_t>(size / kBankBytes, 0xFFFF));
    set_mode(0x03);
}

// The handlers attach() registered point at this object, so the machine must not run after it
// is gone (as with every device); the map is not touched here because it may be gone first.
Vga::~Vga() = default;

void Vga::attach(IoPortMap& ports, PhysicalMemoryMap& memory) {
    PortHandler vga_ports{[this](std::uint16_t port) { return read_port(port); },
                          [this](std::uint16_t port, std::uint8_t value) { write_port(port, value); }};
    ports.add_isa8(0x3B4, 0x3B5, vga_ports);
    ports.add_isa8(0x3BA, 0x3BA, vga_ports);
    ports.add_isa8(0x3C0, 0x3CF, vga_ports);
    ports.add_isa8(0x3D4, 0x3D5, vga_ports);
    ports.add_isa8(0x3DA, 0x3DA, vga_ports);
    ports.add(0x1CE, 0x1CF,
              IoPortHandler{[this](std::uint16_t port, unsigned) -> std::uint32_t { return read_dispi(port); },
                            [this](std::uint16_t port, unsigned, std::uint32_t value) {
                                write_dispi(port, static_cast<std::uint16_t>(value));
                            }});
    memory.map_mmio(kLegacyWindowBase, kLegacyWindowSize,
                    MmioHandler{[this](std::uint32_t offset, unsigned size) {
                                    std::uint64_t value = 0;
                                    for (unsigned i = 0; i < size; ++i)
                                        value |= std::uint64_t{read_memory(offset + i)} << (8 * i);
                                    return value;
                                },
                                [this](std::uint32_t offset, unsigned size, std::uint64_t value) {
                                    for (unsigned i = 0; i < size; ++i)
                                        write_memory(offset + i, static_cast<std::uint8_t>(value >> (8 * i)));
                                }});
    memory_ = &memory;
    map_lfb();
}

void Vga::map_lfb() {
    if (memory_ == nullptr) return;
    if (lfb_mapped_base_) {
        memory_->unmap(*lfb_mapped_base_, vram_bytes_);
        lfb_mapped_base_.reset();
    }
    const std::uint32_t base = pci_.bar_base(0);
    if (!pci_.memory_decode_enabled() || base == 0) return;
    try {
        memory_->map_ram(base, std::span<std::uint8_t>(vram_.get(), vram_bytes_));
        lfb_mapped_base_ = base;
    } catch (const std::invalid_argument&) {
        // The BAR points over RAM, ROM or another device (e.g. all ones while the guest sizes it
        // with decoding on): real hardware would conflict on the bus; here the LFB stays unmapped
        // until the BAR is moved somewhere free.
    }
}

void Vga::state_restored() {
    map_lfb();
    frame_.clear();
    display_frame_ = DisplayFrame{};
}

// ---- I/O ports ----

std::uint8_t Vga::read_port(std::uint16_t port) {
    State& s = state_;
    const bool mono_port = port >= 0x3B0 && port <= 0x3BF, colour_port = port >= 0x3D0 && port <= 0x3DF;
    if ((mono_port && crtc_at_3dx()) || (colour_port && !crtc_at_3dx())) return 0xFF;
    switch (port) {
    case 0x3C0: return s.attribute_index;
    case 0x3C1: return (s.attribute_index & 0x1F) < s.attribute.size() ? s.attribute[s.attribute_index & 0x1F] : 0;
    case 0x3C2: return 0x00;  // input status 0: no CRT interrupt, switch sense 0
    case 0x3C3: return 0x01;  // video subsystem enabled
    case 0x3C4: return s.sequencer_index;
    case 0x3C5: return s.sequencer_index < s.sequencer.size() ? s.sequencer[s.sequencer_index] : 0xFF;
    case 0x3C6: return s.dac_pixel_mask;
    case 0x3C7: return s.dac_reading ? 0x03 : 0x00;
    case 0x3C8: return s.dac_write_index;
    case 0x3C9: {
        const std::uint8_t value = s.dac[s.dac_read_index * 3u + s.dac_read_component];
        if (++s.dac_read_component == 3) {
            s.dac_read_component = 0;
            ++s.dac_read_index;
        }
        return value;
    }
    case 0x3CA: return s.feature_control;
    case 0x3CC: return s.misc_output;
    case 0x3CE: return s.graphics_index;
    case 0x3CF: return s.graphics_index < s.graphics.size() ? s.graphics[s.graphics_index] : 0xFF;
    case 0x3B4:
    case 0x3D4: return s.crtc_index;
    case 0x3B5:
    case 0x3D5: return s.crtc_index < s.crtc.size() ? s.crtc[s.crtc_index] : 0xFF;
    case 0x3BA:
    case 0x3DA: return input_status_1();
    default: return 0xFF;
    }
}

void Vga::write_port(std::uint16_t port, std::uint8_t value) {
    State& s = state_;
    const bool mono_port = port >= 0x3B0 && port <= 0x3BF, colour_port = port >= 0x3D0 && port <= 0x3DF;
    if ((mono_port && crtc_at_3dx()) || (colour_port && !crtc_at_3dx())) return;
    switch (port) {
    case 0x3C0:
    case 0x3C1: write_attribute(value); break;
    case 0x3C2: s.misc_output = value; break;
    case 0x3C4: s.sequencer_index = value & 0x07; break;
    case 0x3C5:
        if (s.sequencer_index < s.sequencer.size()) s.sequencer[s.sequencer_index] = value;
        break;
    case 0x3C6: s.dac_pixel_mask = value; break;
    case 0x3C7:
        s.dac_read_index = value;
        s.dac_read_component = 0;
        s.dac_reading = true;
        break;
    case 0x3C8:
        s.dac_write_index = value;
        s.dac_write_component = 0;
        s.dac_reading = false;
        break;
    case 0x3C9: {
        const std::uint8_t mask = (s.dispi[kDispiEnable] & kDispi8BitDac) ? 0xFF : 0x3F;
        s.dac_write_latch[s.dac_write_component] = value & mask;
        if (++s.dac_write_component == 3) {
            std::copy(s.dac_write_latch.begin(), s.dac_write_latch.end(), s.dac.begin() + s.dac_write_index * 3u);
            s.dac_write_component = 0;
            ++s.dac_write_index;
        }
        break;
    }
    case 0x3CE: s.graphics_index = value & 0x0F; break;
    case 0x3CF:
        if (s.graphics_index < s.graphics.size()) s.graphics[s.graphics_index] = value;
        break;
    case 0x3B4:
    case 0x3D4: s.crtc_index = value & 0x3F; break;
    case 0x3B5:
    case 0x3D5: write_crtc(value); break;
    case 0x3BA:
    case 0x3DA: s.feature_control = value; break;
    default: break;
    }
}

void Vga::write_attribute(std::uint8_t value) {
    State& s = state_;
    if (!s.attribute_flip_flop_data) {
        s.attribute_index = value & 0x3F;
    } else if ((s.attribute_index & 0x1F) < s.attribute.size()) {
        s.attribute[s.attribute_index & 0x1F] = value;
    }
    s.attribute_flip_flop_data = !s.attribute_flip_flop_data;
}

void Vga::write_crtc(std::uint8_t value) {
    State& s = state_;
    const unsigned index = s.crtc_index;
    if (index >= s.crtc.size()) return;
    // CRTC 11h bit 7 protects registers 0-7, except the line compare bit 8 in 07h bit 4.
    if ((s.crtc[0x11] & 0x80) && index <= 7) {
        if (index == 7) s.crtc[7] = static_cast<std::uint8_t>((s.crtc[7] & ~0x10) | (value & 0x10));
        return;
    }
    s.crtc[index] = value;
}

// ---- timing: input status 1 ----

Vga::Timing Vga::timing() const {
    const auto& c = state_.crtc;
    const auto& q = state_.sequencer;
    Timing t;
    t.dot_clock_hz = ((state_.misc_output >> 2) & 3) == 1 ? 28'322'000 : 25'175'000;
    if (q[1] & 0x08) t.dot_clock_hz /= 2;
    const std::uint32_t char_dots = (q[1] & 1) ? 8 : 9;
    // Horizontal total counts character clocks minus 5, display end minus 1 (CRTC 00h, 01h).
    t.line_dots = (c[0] + 5u) * char_dots;
    t.display_dots = std::min(t.line_dots, (c[1] + 1u) * char_dots);
    // The vertical counts carry bits 8 and 9 in the overflow register (CRTC 07h).
    const std::uint32_t o = c[7];
    const std::uint32_t vertical_total = c[6] | (o & 0x01) << 8 | (o & 0x20) << 4;
    const std::uint32_t display_end = c[0x12] | (o & 0x02) << 7 | (o & 0x40) << 3;
    const std::uint32_t retrace_start = c[0x10] | (o & 0x04) << 6 | (o & 0x80) << 2;
    t.total_lines = vertical_total + 2;
    t.display_lines = std::min(display_end + 1, t.total_lines);
    t.retrace_start = retrace_start;
    // Retrace ends on the first line whose low 4 bits equal CRTC 11h bits 3:0.
    const std::uint32_t length = ((c[0x11] & 0x0Fu) - retrace_start) & 0x0F;
    t.retrace_lines = length == 0 ? 16 : length;
    return t;
}

std::uint64_t Vga::dot_position() const {
    const Timing t = timing();
    // Whole seconds and the rest apart, so that the product cannot overflow.
    const std::uint64_t ns = scheduler_.ns_from_cycles(scheduler_.now());
    const std::uint64_t seconds = ns / 1'000'000'000u, rest = ns % 1'000'000'000u;
    return seconds * t.dot_clock_hz + rest * t.dot_clock_hz / 1'000'000'000u;
}

std::uint8_t Vga::input_status_1() {
    state_.attribute_flip_flop_data = false;  // reading input status 1 resets the flip-flop
    const Timing t = timing();
    const std::uint64_t in_frame = dot_position() % t.frame_dots();
    const std::uint32_t line = static_cast<std::uint32_t>(in_frame / t.line_dots);
    const std::uint32_t dot = static_cast<std::uint32_t>(in_frame % t.line_dots);
    std::uint8_t value = 0;
    if (t.in_vertical_retrace(line)) value |= 0x08;
    if (line >= t.display_lines || dot >= t.display_dots) value |= 0x01;
    return value;
}

std::uint64_t Vga::frame_count() const { return dot_position() / timing().frame_dots(); }

// ---- video memory through the A0000h window ----

std::uint8_t Vga::read_memory(std::uint32_t window_offset) {
    const State& s = state_;
    if (dispi_enabled()) {
        if (window_offset >= kBankBytes) return 0xFF;
        const std::uint64_t at = std::uint64_t{s.dispi[kDispiBank]} * kBankBytes + window_offset;
        return at < vram_bytes_ ? vram_.get()[at] : 0xFF;
    }
    static constexpr std::uint32_t kWindowStart[4] = {0x00000, 0x00000, 0x10000, 0x18000};
    static constexpr std::uint32_t kWindowSize[4] = {0x20000, 0x10000, 0x08000, 0x08000};
    const unsigned map = (s.graphics[6] >> 2) & 3;
    if (window_offset < kWindowStart[map] || window_offset - kWindowStart[map] >= kWindowSize[map]) return 0xFF;
    const std::uint32_t a = window_offset - kWindowStart[map];
    unsigned plane;
    std::uint32_t offset;
    if (s.sequencer[4] & 0x08) {  // chain-4: the two low address bits pick the plane
        plane = a & 3;
        offset = a >> 2;
    } else if (s.graphics[5] & 0x10) {  // host odd/even: A0 picks plane 0/1 (or 2/3)
        plane = (s.graphics[4] & 2) | (a & 1);
        offset = a & ~1u;
    } else {
        plane = s.graphics[4] & 3;
        offset = a;
    }
    offset &= kPlaneBytes - 1;
    std::uint32_t latches;
    std::memcpy(&latches, vram_.get() + std::size_t{offset} * 4, 4);
    state_.latches = latches;
    if ((s.graphics[5] & 0x08) == 0) return static_cast<std::uint8_t>(latches >> (8 * plane));
    // Read mode 1: a bit is 1 where every plane selected by colour don't care matches colour compare.
    std::uint8_t mismatch = 0;
    for (unsigned p = 0; p < 4; ++p) {
        if ((s.graphics[7] & (1u << p)) == 0) continue;
        const auto plane_bits = static_cast<std::uint8_t>(latches >> (8 * p));
        mismatch |= plane_bits ^ ((s.graphics[2] & (1u << p)) ? 0xFF : 0x00);
    }
    return static_cast<std::uint8_t>(~mismatch);
}

void Vga::write_memory(std::uint32_t window_offset, std::uint8_t value) {
    const State& s = state_;
    if (dispi_enabled()) {
        if (window_offset >= kBankBytes) return;
        const std::uint64_t at = std::uint64_t{s.dispi[kDispiBank]} * kBankBytes + window_offset;
        if (at < vram_bytes_) vram_.get()[at] = value;
        return;
    }
    static constexpr std::uint32_t kWindowStart[4] = {0x00000, 0x00000, 0x10000, 0x18000};
    static constexpr std::uint32_t kWindowSize[4] = {0x20000, 0x10000, 0x08000, 0x08000};
    const unsigned map = (s.graphics[6] >> 2) & 3;
    if (window_offset < kWindowStart[map] || window_offset - kWindowStart[map] >= kWindowSize[map]) return;
    const std::uint32_t a = window_offset - kWindowStart[map];
    unsigned planes = s.sequencer[2] & 0x0F;
    std::uint32_t offset;
    if (s.sequencer[4] & 0x08) {
        planes &= 1u << (a & 3);
        offset = a >> 2;
    } else if ((s.sequencer[4] & 0x04) == 0) {  // odd/even: even addresses planes 0/2, odd 1/3
        planes &= (a & 1) ? 0x0A : 0x05;
        offset = a & ~1u;
    } else {
        offset = a;
    }
    offset &= kPlaneBytes - 1;
    const std::uint32_t latches = s.latches;
    const std::uint8_t rotated = rotate_right(value, s.graphics[3] & 7);
    std::uint8_t bit_mask = s.graphics[8];
    std::uint32_t data;
    bool apply_logic = true;
    switch (s.graphics[5] & 3) {
    case 0: {
        const std::uint32_t enable = expand_planes(s.graphics[1]);
        data = (rotated * 0x01010101u & ~enable) | (expand_planes(s.graphics[0]) & enable);
        break;
    }
    case 1:
        data = latches;
        apply_logic = false;
        break;
    case 2: data = expand_planes(value); break;
    default:
        data = expand_planes(s.graphics[0]);
        bit_mask &= rotated;
        break;
    }
    if (apply_logic) {
        switch ((s.graphics[3] >> 3) & 3) {
        case 1: data &= latches; break;
        case 2: data |= latches; break;
        case 3: data ^= latches; break;
        default: break;
        }
        const std::uint32_t mask = bit_mask * 0x01010101u;
        data = (data & mask) | (latches & ~mask);
    }
    std::uint8_t* cell = vram_.get() + std::size_t{offset} * 4;
    for (unsigned p = 0; p < 4; ++p)
        if (planes & (1u << p)) cell[p] = static_cast<std::uint8_t>(data >> (8 * p));
}

// ---- DISPI ----

std::uint32_t Vga::dispi_bytes_per_pixel() const {
    switch (state_.dispi[kDispiBpp]) {
    case 8: return 1;
    case 15:
    case 16: return 2;
    case 24: return 3;
    case 32: return 4;
    default: return 0;
    }
}

std::uint16_t Vga::read_dispi(std::uint16_t port) {
    const State& s = state_;
    if (port == 0x1CE) return s.dispi_index;
    if (s.dispi_index >= kDispiRegisterCount) return 0xFFFF;
    if (s.dispi[kDispiEnable] & kDispiGetCaps) {
        if (s.dispi_index == kDispiXres) return kDispiMaxXres;
        if (s.dispi_index == kDispiYres) return kDispiMaxYres;
        if (s.dispi_index == kDispiBpp) return kDispiMaxBpp;
    }
    return s.dispi[s.dispi_index];
}

void Vga::write_dispi(std::uint16_t port, std::uint16_t value) {
    State& s = state_;
    if (port == 0x1CE) {
        s.dispi_index = value;
        return;
    }
    auto& r = s.dispi;
    switch (s.dispi_index) {
    case kDispiId:
        if (value >= 0xB0C0 && value <= 0xB0C5) r[kDispiId] = value;
        break;
    case kDispiXres:
    case kDispiYres:
    case kDispiBpp:
        // Like the Bochs interface, the mode is fixed while DISPI is on.
        if (!dispi_enabled()) r[s.dispi_index] = value;
        break;
    case kDispiEnable: dispi_enable(value); break;
    case kDispiBank:
        if (std::uint64_t{value} * kBankBytes < vram_bytes_) r[kDispiBank] = value;
        break;
    case kDispiVirtWidth: {
        const std::uint32_t bpp = dispi_bytes_per_pixel();
        if (value == 0 || bpp == 0) break;
        r[kDispiVirtWidth] = std::max<std::uint16_t>(value, r[kDispiXres]);
        r[kDispiVirtHeight] = static_cast<std::uint16_t>(
            std::min<std::uint32_t>(vram_bytes_ / (std::uint32_t{r[kDispiVirtWidth]} * bpp), 0xFFFF));
        break;
    }
    case kDispiXOffset:
    case kDispiYOffset: r[s.dispi_index] = value; break;
    default: break;  // VIRT_HEIGHT and VIDEO_MEMORY_64K are read-only
    }
}

void Vga::dispi_enable(std::uint16_t value) {
    auto& r = state_.dispi;
    const bool was_enabled = dispi_enabled();
    const std::uint16_t kept = value & (kDispiEnabled | kDispiGetCaps | kDispi8BitDac | kDispiLfbEnabled | kDispiNoClear);
    if ((value & kDispiEnabled) && !was_enabled) {
        const std::uint32_t bpp = dispi_bytes_per_pixel();
        const std::uint64_t bytes = std::uint64_t{r[kDispiXres]} * r[kDispiYres] * bpp;
        if (bpp == 0 || r[kDispiXres] == 0 || r[kDispiYres] == 0 || r[kDispiXres] > kDispiMaxXres ||
            r[kDispiYres] > kDispiMaxYres || bytes > vram_bytes_) {
            r[kDispiEnable] = kept & ~kDispiEnabled;  // a mode that cannot be shown is refused
            return;
        }
        r[kDispiVirtWidth] = r[kDispiXres];
        r[kDispiVirtHeight] = static_cast<std::uint16_t>(
            std::min<std::uint32_t>(vram_bytes_ / (std::uint32_t{r[kDispiXres]} * bpp), 0xFFFF));
        r[kDispiXOffset] = 0;
        r[kDispiYOffset] = 0;
        r[kDispiBank] = 0;
        if ((value & kDispiNoClear) == 0) {
            std::memset(vram_.get(), 0, vram_bytes_);
            // The CPU may hold decoded code from the LFB's host pages: re-mapping tells it.
            if (lfb_mapped_base_) map_lfb();
        }
    }
    r[kDispiEnable] = kept;
}

}  // namespace x86emu
