// x86emu — a VGA (IBM VGA register set and memory organisation, as described in IBM's VGA
// technical reference and the FreeVGA register pages) with the Bochs VBE "DISPI" extension
// (ports 1CEh/1CFh) and a linear framebuffer behind PCI function 1234:1111 (class 03 00 00).
//
// Implemented: misc output (I/O address select, clock select), input status 0/1 (vertical retrace
// and display-disabled bits from emulated time and the CRTC timings), feature control, the
// sequencer (map mask, clocking mode: 8/9 dots, dot clock / 2, screen off; character map select;
// memory mode: odd/even, chain-4), the graphics controller (set/reset, enable set/reset, colour
// compare / don't care, data rotate, function select, read map select, write modes 0-3, read
// modes 0/1, host odd/even, memory map select, bit mask), the attribute controller (palette,
// mode control: graphics/text, line-graphics 9th dot, blink vs bright background, 8-bit colour,
// P5/P4 select; colour plane enable; colour select; the index/data flip-flop reset by reading
// input status 1; the palette address source bit), the CRTC registers with the protect bit, the
// DAC (pixel mask, read/write indexes, three 6-bit components per entry, the DAC state register),
// the A0000h-BFFFFh window as MMIO, 4 planes of 64 KiB with latches.
// Rendering (vga_render.cpp) into 32-bit XRGB with a dirty rectangle: text modes (character
// width 8/9, height from CRTC 09h, fonts from plane 2 by character map select, attributes,
// blink, cursor with blink), 16-colour planar graphics, 256-colour graphics (chain-4 and
// unchained), the resolution derived from the CRTC, sequencer and attribute registers.
// DISPI: ID B0C0h-B0C5h, XRES/YRES/BPP (8, 15, 16, 24, 32), ENABLE (GETCAPS 02h, 8-bit DAC 20h,
// LFB 40h, NOCLEAR 80h), BANK (64 KiB window at A0000h while DISPI is on), VIRT_WIDTH/HEIGHT,
// X/Y_OFFSET, VIDEO_MEMORY_64K; the whole video memory is BAR0 (prefetchable memory).
// Not implemented: CGA-compatible 4-colour shift mode (GC 05h bit 5), CRTC address wrap
// substitution bits (CRTC 17h bits 0/1), line compare (split screen), preset row scan, horizontal
// pixel panning, underline, cursor skew, light pen, the 256-colour path through the attribute
// palette (pixel values go to the DAC directly), DISPI 4 bpp, the VGA's own interrupt (IRQ 2/9),
// and a VGA BIOS (set_mode() programs the registers a BIOS would for modes 03h, 12h and 13h).
//
// Video memory: one buffer of VgaConfig::video_memory_bytes. Its first 256 KiB hold the VGA's
// four planes interleaved (plane p's byte at offset o is at 4 * o + p), so a chain-4 address a
// (plane a & 3, offset a >> 2) is byte a of the buffer and DISPI's linear modes see the same
// memory. The LFB maps the buffer as RAM (PhysicalMemoryMap::map_ram over device-owned storage),
// so the CPU writes it through host pointers and no write is seen: refresh() redraws the visible
// frame each time and the dirty rectangle comes from comparing each line with the previous frame.
#pragma once
#include <array>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "devices/pci_bus.hpp"
#include "x86emu/display.hpp"

namespace x86emu {

class IoPortMap;
class PhysicalMemoryMap;
class Scheduler;

struct VgaConfig {
    // A power of two from 256 KiB to 256 MiB (std::invalid_argument otherwise): the planes and
    // the LFB (BAR0's size).
    std::uint32_t video_memory_bytes = 16u << 20;
    // Where BAR0 starts until the guest moves it; 0 leaves the LFB unmapped until it does.
    std::uint32_t lfb_base = 0xE000'0000u;
};

class Vga final : public Display {
public:
    static constexpr std::uint32_t kLegacyWindowBase = 0xA0000;
    static constexpr std::uint32_t kLegacyWindowSize = 0x20000;
    static constexpr unsigned kPciDevice = 2;  // 00:02.0 on a PC platform

    // DISPI register indexes (port 1CEh) and ENABLE bits.
    enum DispiIndex : std::uint16_t {
        kDispiId = 0, kDispiXres, kDispiYres, kDispiBpp, kDispiEnable, kDispiBank, kDispiVirtWidth,
        kDispiVirtHeight, kDispiXOffset, kDispiYOffset, kDispiVideoMemory64k, kDispiRegisterCount
    };
    static constexpr std::uint16_t kDispiEnabled = 0x01, kDispiGetCaps = 0x02, kDispi8BitDac = 0x20,
                                   kDispiLfbEnabled = 0x40, kDispiNoClear = 0x80;
    static constexpr std::uint16_t kDispiMaxXres = 2560, kDispiMaxYres = 1600, kDispiMaxBpp = 32;

    // Every guest-visible register. Video memory is video_memory(); the PCI function's
    // configuration space is pci_function().state().
    struct State {
        std::uint8_t misc_output = 0;
        std::uint8_t feature_control = 0;
        std::uint8_t sequencer_index = 0;
        std::array<std::uint8_t, 5> sequencer{};
        std::uint8_t graphics_index = 0;
        std::array<std::uint8_t, 9> graphics{};
        std::uint8_t crtc_index = 0;
        std::array<std::uint8_t, 25> crtc{};
        std::uint8_t attribute_index = 0;     // bits 4:0 the register, bit 5 palette address source
        bool attribute_flip_flop_data = false;  // the next 3C0h write is data
        std::array<std::uint8_t, 21> attribute{};
        std::uint8_t dac_pixel_mask = 0xFF;
        std::uint8_t dac_read_index = 0, dac_write_index = 0;
        std::uint8_t dac_read_component = 0, dac_write_component = 0;
        bool dac_reading = false;  // the DAC state register (3C7h): last set up for reads
        std::array<std::uint8_t, 3> dac_write_latch{};
        std::array<std::uint8_t, 768> dac{};  // R, G, B per entry; 6 bits unless DISPI's 8-bit DAC
        std::uint32_t latches = 0;            // plane p in bits 8p+7:8p
        std::uint16_t dispi_index = 0;
        std::array<std::uint16_t, kDispiRegisterCount> dispi{};
        friend bool operator==(const State&, const State&) = default;
    };

    Vga(Scheduler& scheduler, VgaConfig config = {});
    ~Vga() override;
    Vga(const Vga&) = delete;
    Vga& operator=(const Vga&) = delete;

    // Claims the VGA ports (3B4h-3B5h, 3BAh, 3C0h-3CFh, 3D4h-3D5h, 3DAh as 8-bit ISA ports, DISPI
    // 1CEh-1CFh sized), maps the A0000h-BFFFFh window as MMIO (the platform must unmap the RAM
    // there first: memory.unmap(kLegacyWindowBase, kLegacyWindowSize)) and the LFB at BAR0.
    // Register pci_function() with the PCI bus as 00:02.0 (PciBus::add) for BAR0 to be seen.
    void attach(IoPortMap& ports, PhysicalMemoryMap& memory);
    PciFunction& pci_function() { return pci_; }

    // Programs the registers, DAC and memory as the IBM VGA BIOS's mode set would for BIOS mode
    // 03h (80x25 text, 9x16 cells, font loaded into plane 2 map 0, screen cleared to light grey
    // spaces), 12h (640x480x16) or 13h (320x200x256); DISPI is switched off. Any other mode
    // number throws std::invalid_argument. The constructor leaves the card in mode 03h, as a
    // VGA BIOS's POST would.
    void set_mode(std::uint8_t bios_mode);

    // ---- Display ----
    const DisplayFrame& refresh() override;
    std::vector<TextCell> text_cells() const override;

    // ---- the guest's accesses (what attach() wires; public for tests) ----
    std::uint8_t read_port(std::uint16_t port);
    void write_port(std::uint16_t port, std::uint8_t value);
    std::uint8_t read_memory(std::uint32_t window_offset);  // offset from A0000h
    void write_memory(std::uint32_t window_offset, std::uint8_t value);
    std::uint16_t read_dispi(std::uint16_t port);
    void write_dispi(std::uint16_t port, std::uint16_t value);

    State& state() { return state_; }
    const State& state() const { return state_; }
    // After state(), video_memory() or the PCI state were overwritten: re-maps the LFB and
    // forgets the previous frame (the next refresh is wholly dirty). No events to re-arm: the
    // retrace and blink are computed from the scheduler's now().
    void state_restored();
    std::span<std::uint8_t> video_memory() { return {vram_.get(), vram_bytes_}; }
    // Where the LFB is mapped now (nullopt: not decoded, or its BAR overlaps another region).
    std::optional<std::uint32_t> lfb_mapped_base() const { return lfb_mapped_base_; }
    bool dispi_enabled() const { return (state_.dispi[kDispiEnable] & kDispiEnabled) != 0; }

private:
    class PciVgaFunction final : public PciFunction {
    public:
        explicit PciVgaFunction(Vga& vga, std::uint32_t vram_bytes, std::uint32_t lfb_base);

    protected:
        void decode_changed() override { vga_.map_lfb(); }

    private:
        Vga& vga_;
    };

    // The CRT timing the CRTC registers describe, in dots of the dot clock (misc output clock
    // select: 25.175 or 28.322 MHz, halved by sequencer 01h bit 3). Degenerate register values
    // are clamped so that every count is at least 1.
    struct Timing {
        std::uint64_t dot_clock_hz = 25'175'000;
        std::uint32_t line_dots = 800, total_lines = 449;
        std::uint32_t display_dots = 720, display_lines = 400;
        std::uint32_t retrace_start = 412, retrace_lines = 2;
        std::uint64_t frame_dots() const { return std::uint64_t{line_dots} * total_lines; }
        bool in_vertical_retrace(std::uint32_t line) const {
            return line >= retrace_start && line < retrace_start + retrace_lines;
        }
    };
    enum class Picture : std::uint8_t { Blank, Text, Planar16, Packed256, Dispi };
    // What refresh() draws: the kind of picture, its logical size and where its memory starts.
    struct Geometry {
        Picture picture = Picture::Blank;
        std::uint32_t width = 0, height = 0;
        std::uint32_t cell_width = 8, cell_height = 16;  // text
        std::uint32_t start = 0;                         // CRTC start address (counter units)
        std::uint32_t pitch = 0;                         // counter units per row
        std::uint32_t address_scale = 1;                 // plane offset per counter unit
        std::uint32_t lines_per_row = 1;                 // graphics: scan lines per memory row
    };
    struct FreeDeleter {
        void operator()(std::uint8_t* p) const { std::free(p); }
    };

    bool crtc_at_3dx() const { return (state_.misc_output & 1) != 0; }
    std::uint8_t input_status_1();
    Timing timing() const;
    std::uint64_t dot_position() const;  // dots since time 0 at the current dot clock
    void write_crtc(std::uint8_t value);
    void write_attribute(std::uint8_t value);
    void map_lfb();
    void dispi_enable(std::uint16_t value);
    std::uint32_t dispi_bytes_per_pixel() const;
    std::uint8_t plane_byte(unsigned plane, std::uint32_t offset) const {
        return vram_.get()[(std::size_t{offset & 0xFFFF} << 2) | plane];
    }

    // Rendering (vga_render.cpp).
    Geometry geometry() const;
    void build_palettes();
    void render_text_line(const Geometry& g, std::uint32_t y, std::uint32_t* out) const;
    void render_planar_line(const Geometry& g, std::uint32_t y, std::uint32_t* out) const;
    void render_256_line(const Geometry& g, std::uint32_t y, std::uint32_t* out) const;
    void render_dispi_line(const Geometry& g, std::uint32_t y, std::uint32_t* out) const;
    std::uint64_t frame_count() const;

    Scheduler& scheduler_;
    PhysicalMemoryMap* memory_ = nullptr;
    std::uint32_t vram_bytes_;
    std::unique_ptr<std::uint8_t, FreeDeleter> vram_;
    State state_;
    PciVgaFunction pci_;
    std::optional<std::uint32_t> lfb_mapped_base_;

    // Rebuildable: the last frame and what refresh() draws with.
    std::vector<std::uint32_t> frame_;
    std::vector<std::uint32_t> line_;
    DisplayFrame display_frame_;
    std::array<std::uint32_t, 256> dac_xrgb_{};      // DAC entry -> XRGB
    std::array<std::uint32_t, 16> attribute_xrgb_{};  // 4-bit colour -> attribute palette -> DAC
    bool cursor_phase_on_ = true, blink_phase_on_ = true;
};

}  // namespace x86emu
