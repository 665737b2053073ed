// x86emu differential tests — runs a form's bytes on the emulator: a bare x86emu::Cpu over a
// small RAM bus, in 32-bit protected mode with flat ring-0 segments (Intel SDM vol. 3 §3.2.1,
// "basic flat model"), so the bytes mean what they mean on the host.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "family.hpp"
#include "x86emu/bus.hpp"
#include "x86emu/cpu.hpp"

namespace differential {

class EmulatorRunner {
public:
    explicit EmulatorRunner(x86emu::CpuModel model);
    ~EmulatorRunner();
    EmulatorRunner(const EmulatorRunner&) = delete;
    EmulatorRunner& operator=(const EmulatorRunner&) = delete;

    x86emu::CpuModel model() const { return model_; }
    void load(const Form& form);
    Outcome run(const Case& c);

private:
    struct Ram;
    x86emu::CpuModel model_;
    std::unique_ptr<Ram> ram_;
    std::unique_ptr<x86emu::Cpu> cpu_;
    std::uint32_t imm_at_ = 0;
    unsigned imm_bytes_ = 0;
    int base_ = -1;  // the memory base register, or -1
};

}  // namespace differential
