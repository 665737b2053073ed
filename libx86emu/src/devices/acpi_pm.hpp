// x86emu devices — ACPI fixed hardware power management registers (ACPI Specification 6.x,
// §4.8 "ACPI Hardware Features": §4.8.3.1 PM1 event grouping, §4.8.3.2 PM1 control, §4.8.3.3
// power management timer; §7.4.2 / §16.1.7 sleeping states and soft-off S5), as the FADT
// built by acpi_tables.hpp describes them.
//
// I/O block of 16 ports at `base` (default 600h), laid out like the PIIX4's PM I/O space:
//   base+0  PM1a_STS (16 bits) bit 0 TMR_STS, 4 BM_STS, 5 GBL_STS, 8 PWRBTN_STS, 9 SLPBTN_STS,
//           10 RTC_STS, 15 WAK_STS; write 1 to clear
//   base+2  PM1a_EN (16 bits)  bit 0 TMR_EN, 5 GBL_EN, 8 PWRBTN_EN, 9 SLPBTN_EN, 10 RTC_EN
//   base+4  PM1a_CNT (16 bits) bit 0 SCI_EN, 1 BM_RLD, 2 GBL_RLS (write-only), 10-12 SLP_TYP,
//           13 SLP_EN (write-only, reads 0)
//   base+8  PM_TMR (32 bits, read-only) the 3.579545 MHz timer, 24 bits (or 32 with
//           TMR_VAL_EXT), computed from emulated time on each read
// Accesses of any size within the block work (a word read at base+0 reads PM1_STS, a dword at
// base+0 reads PM1_STS | PM1_EN << 16, bytes see their halves).
//
// ACPI mode: there is no SMI command port (FADT SMI_CMD = 0): the machine is always in ACPI mode,
// SCI_EN is set at reset and stays set (§4.8.2.5: hardware-only ACPI mode switching needs SMI_CMD).
// SCI: IRQ 9, the level of (PM1_STS & PM1_EN) != 0 while SCI_EN is set; active high towards the
// IrqLine (the platform's PIC must treat IRQ 9 as level-triggered, ELCR bit 9, for sharing).
// TMR_STS is set whenever bit 23 (bit 31 with 32-bit timer) of the counter changes; with
// TMR_EN set a scheduler event raises the SCI at that moment. Sleep: SLP_EN with
// SLP_TYP == kSlpTypS5 calls power_off; other sleep types are accepted and do nothing (no S1-S4).
// Not implemented: PM1b blocks, PM2_CNT, GPE blocks, processor control (P_BLK), the RTC alarm.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>

#include "devices/irq_line.hpp"
#include "x86emu/scheduler.hpp"

namespace x86emu {

class IoPortMap;

class AcpiPm {
public:
    static constexpr std::uint16_t kDefaultBase = 0x600;
    static constexpr std::uint16_t kBlockPorts = 16;
    static constexpr std::uint16_t kEvtOffset = 0, kCntOffset = 4, kTmrOffset = 8;
    static constexpr std::uint8_t kEvtLen = 4, kCntLen = 2, kTmrLen = 4;
    static constexpr std::uint64_t kTimerHz = 3'579'545;
    static constexpr std::uint8_t kSciIrq = 9;
    static constexpr std::uint8_t kSlpTypS5 = 5;  // the value \_S5 in the DSDT gives

    static constexpr std::uint16_t kTmrSts = 1u << 0, kBmSts = 1u << 4, kGblSts = 1u << 5, kPwrBtnSts = 1u << 8,
                                   kSlpBtnSts = 1u << 9, kRtcSts = 1u << 10, kWakSts = 1u << 15;
    static constexpr std::uint16_t kStsBits = kTmrSts | kBmSts | kGblSts | kPwrBtnSts | kSlpBtnSts | kRtcSts | kWakSts;
    static constexpr std::uint16_t kTmrEn = 1u << 0, kGblEn = 1u << 5, kPwrBtnEn = 1u << 8, kSlpBtnEn = 1u << 9,
                                   kRtcEn = 1u << 10;
    static constexpr std::uint16_t kEnBits = kTmrEn | kGblEn | kPwrBtnEn | kSlpBtnEn | kRtcEn;
    static constexpr std::uint16_t kSciEn = 1u << 0, kBmRld = 1u << 1, kGblRls = 1u << 2, kSlpEn = 1u << 13;
    static constexpr unsigned kSlpTypShift = 10;
    static constexpr std::uint16_t kSlpTypMask = 7u << kSlpTypShift;

    struct Config {
        std::uint16_t base = kDefaultBase;  // must leave room for the 16-port block
        bool timer_32bit = false;           // FADT flag TMR_VAL_EXT
    };
    struct Wiring {
        IrqLine sci;                        // IRQ 9
        std::function<void()> power_off;    // S5 entered (the platform ends the run, exit 0)
    };

    struct State {
        std::uint16_t sts = 0;              // PM1_STS bits other than TMR_STS
        bool tmr_sts = false;               // TMR_STS as of tmr_sts_checked_tick ...
        std::uint64_t tmr_sts_checked_tick = 0;  // ... later MSB changes are computed from time
        std::uint16_t en = 0;
        std::uint16_t cnt = kSciEn;         // SLP_EN and GBL_RLS never stored
        bool sci_level = false;
        std::optional<std::uint64_t> timer_event_cycle;  // the pending TMR_STS event, if armed
        friend bool operator==(const State&, const State&) = default;
    };

    // std::invalid_argument if the block would pass port FFFFh.
    AcpiPm(Scheduler& scheduler, Config config, Wiring wiring);
    ~AcpiPm();
    AcpiPm(const AcpiPm&) = delete;
    AcpiPm& operator=(const AcpiPm&) = delete;

    void attach(IoPortMap& ports);
    std::uint16_t base() const { return config_.base; }
    bool timer_32bit() const { return config_.timer_32bit; }

    // Sized register accesses at an offset inside the block (what attach() routes).
    std::uint32_t read(std::uint16_t offset, unsigned size);
    void write(std::uint16_t offset, unsigned size, std::uint32_t value);

    // The PM timer's full tick count since cycle 0 and the value the register shows.
    std::uint64_t ticks() const;
    std::uint32_t timer_value() const;

    // Host side: the fixed power button was pressed (PWRBTN_STS; an SCI if PWRBTN_EN).
    void press_power_button();

    void reset();  // power-on state; cancels the timer event
    const State& state() const { return state_; }
    State& state() { return state_; }
    void rearm_events();  // after a restore: re-arms timer_event_cycle, drives the SCI level

private:
    std::uint16_t pm1_sts();
    void update_sci();
    void arm_timer_event();
    std::uint64_t ticks_at(std::uint64_t cycle) const;
    std::uint64_t cycle_of_tick(std::uint64_t tick) const;  // the first cycle at which ticks() >= tick
    unsigned msb_shift() const { return config_.timer_32bit ? 31 : 23; }
    std::uint16_t read16(std::uint16_t offset);
    void write16(std::uint16_t offset, std::uint16_t value);

    Scheduler& scheduler_;
    Config config_;
    Wiring wiring_;
    State state_;
    EventId timer_event_;
};

}  // namespace x86emu
