// x86emu — the public Cpu facade over CpuCore (pimpl keeps the core's layout private).
#include "x86emu/cpu.hpp"

#include "core/cpu_core.hpp"
#include "x86emu/emulated_time.hpp"
#include "core/cpu_internals.hpp"
#include "core/cpu_snapshot.hpp"

#include <stdexcept>
#include <string>
#include <utility>

namespace x86emu {

namespace {
bool fpu_for(CpuModel model, const CpuOptions& options) {
    if (model == CpuModel::i8086) {
        if (options.fpu.value_or(false)) throw std::invalid_argument("CpuOptions::fpu: the 8086 model has no FPU (no 8087 model)");
        return false;
    }
    const bool on_chip = model == CpuModel::i80486 || model == CpuModel::p5 || model == CpuModel::p6;
    return options.fpu.value_or(on_chip);
}

std::uint32_t clock_for(CpuModel model, const CpuOptions& options) {
    std::uint32_t khz = options.clock_khz.value_or(default_clock_khz(model));
    if (khz < 1 || khz > 10'000'000)
        throw std::invalid_argument("CpuOptions::clock_khz: " + std::to_string(khz) +
                                    " kHz is outside 1 kHz .. 10 GHz");
    return khz;
}
}  // namespace

std::uint32_t default_clock_khz(CpuModel model) {
    switch (model) {
    case CpuModel::i8086: return 4'770;
    case CpuModel::i80286: return 12'000;
    case CpuModel::i80386: return 33'000;
    case CpuModel::i80486: return 66'000;
    case CpuModel::p5: return 100'000;
    case CpuModel::p6: return 200'000;
    }
    return 33'000;
}

Cpu::Cpu(CpuModel model, Bus& bus, const CpuOptions& options)
    : core_(std::make_unique<CpuCore>(model, bus, fpu_for(model, options))), clock_khz_(clock_for(model, options)) {}

std::uint32_t Cpu::clock_khz() const { return clock_khz_; }
std::uint64_t Cpu::emulated_nanoseconds() const { return nanoseconds_from_cycles(core_->current_cycles(), clock_khz_); }
Cpu::~Cpu() = default;

CpuModel Cpu::model() const { return core_->traits.model; }
void Cpu::reset() { core_->reset(); }
RunResult Cpu::run(std::uint64_t cycle_budget) {
    core_->require_outside_hook("Cpu::run");
    return core_->run(cycle_budget, false);
}
RunResult Cpu::run(const RunLimits& limits) {
    core_->require_outside_hook("Cpu::run");
    return core_->run_limited(limits);
}
RunResult Cpu::step() {
    core_->require_outside_hook("Cpu::step");
    return core_->run(0, true);
}
CpuState Cpu::state() const { return core_->state(); }
void Cpu::set_state(const CpuState& state) {
    core_->require_outside_hook("Cpu::set_state");
    core_->set_state(state);
}
std::uint64_t Cpu::cycles() const { return core_->current_cycles(); }
std::uint64_t Cpu::instructions() const { return core_->retired_instructions(); }
bool Cpu::halted() const { return core_->halted; }
void Cpu::set_interrupt_controller(InterruptController* controller) { core_->interrupt_controller = controller; }
bool Cpu::interrupts_enabled() const { return core_->interrupts_enabled(); }
void Cpu::set_intr(bool asserted) { core_->set_intr_line(asserted); }
void Cpu::raise_nmi() { core_->set_nmi_pending(true); }
// Thread-safe: only the atomic signal word is touched (hook stops carry a reason: request_stop_for).
void Cpu::request_stop() { core_->raise_signal(CpuCore::kSignalStop); }
void Cpu::pull_deadline(std::uint64_t cycle) { core_->pull_deadline(cycle); }
void Cpu::idle_until(std::uint64_t cycle) {
    if (!core_->halted) throw std::logic_error("Cpu::idle_until: the CPU is not halted");
    core_->idle_until(cycle);
}
void Cpu::stop(std::uint32_t embedder_code) {
    StopDetail detail;
    detail.embedder_code = embedder_code;
    core_->request_stop_for(StopReason::EmbedderStop, detail);
}

HookHandle Cpu::add_code_hook(AddressRange range, std::function<HookAction(const CodeEvent&)> hook) {
    return core_->add_code_hook(range, std::move(hook));
}
HookHandle Cpu::add_memory_hook(MemoryAccessKinds kinds, AddressRange range,
                                std::function<HookAction(const MemoryEvent&)> hook) {
    if (!hook) throw std::invalid_argument("add_memory_hook: the hook is an empty std::function");
    return core_->add_memory_hook(kinds, range, std::move(hook));
}
HookHandle Cpu::add_interrupt_hook(std::function<InterruptAction(const InterruptEvent&)> hook) {
    return core_->add_interrupt_hook(std::move(hook));
}
HookHandle Cpu::add_invalid_opcode_hook(std::function<InvalidOpcodeAction(const InvalidOpcodeEvent&)> hook) {
    return core_->add_invalid_opcode_hook(std::move(hook));
}
HookHandle Cpu::add_breakpoint(std::uint32_t linear) { return core_->add_breakpoint(linear); }
// A watchpoint is a memory hook without a function: the core answers Stop for it.
HookHandle Cpu::add_watchpoint(MemoryAccessKinds kinds, AddressRange range) {
    return core_->add_memory_hook(kinds, range, nullptr);
}
bool Cpu::remove_hook(HookHandle handle) { return core_->remove_hook(handle); }
void Cpu::set_stop_on_exception(bool on) { core_->set_stop_on_exception(on); }
std::uint32_t Cpu::reg(Register r) const { return core_->register_value(r); }
void Cpu::set_reg(Register r, std::uint32_t value) { core_->set_register(r, value); }
std::optional<std::uint32_t> Cpu::translate(std::uint32_t linear, Access access, std::optional<unsigned> cpl) const {
    return core_->translate(linear, access, cpl);
}
bool Cpu::read_virtual(std::uint32_t linear, std::span<std::uint8_t> bytes) const {
    return core_->read_virtual(linear, bytes);
}
bool Cpu::write_virtual(std::uint32_t linear, std::span<const std::uint8_t> bytes) {
    return core_->write_virtual(linear, bytes);
}
void Cpu::invalidate_code(std::uint32_t paddr, std::uint32_t length) { core_->invalidate_code(paddr, length); }
void Cpu::flush_host_pointers() { core_->flush_host_pointers(); }

bool Cpu::has_fpu() const { return core_->has_fpu; }
FpuState Cpu::fpu_state() const {
    if (!core_->has_fpu) throw std::logic_error("fpu_state: this CPU has no FPU");
    const fpu::X87State& f = core_->x87;
    FpuState s;
    for (unsigned r = 0; r < 8; ++r) s.physical[r] = {f.physical[r].significand, f.physical[r].sign_exponent};
    s.control = f.control;
    s.status = f.status;
    s.tag = f.full_tag_word();
    s.last_ip = f.last_ip;
    s.last_cs = f.last_cs;
    s.last_opcode = f.last_opcode;
    s.last_dp = f.last_dp;
    s.last_ds = f.last_ds;
    return s;
}
void Cpu::set_fpu_state(const FpuState& s) {
    if (!core_->has_fpu) throw std::logic_error("set_fpu_state: this CPU has no FPU");
    fpu::X87State& f = core_->x87;
    for (unsigned r = 0; r < 8; ++r) f.physical[r] = {s.physical[r].significand, s.physical[r].sign_exponent};
    f.control = s.control;
    f.status = s.status;
    f.load_tag_word(s.tag);
    f.last_ip = s.last_ip;
    f.last_cs = s.last_cs;
    f.last_opcode = static_cast<std::uint16_t>(s.last_opcode & 0x7FF);
    f.last_dp = s.last_dp;
    f.last_ds = s.last_ds;
    core_->update_fpu_error_summary();
}
void Cpu::set_ferr_handler(std::function<void(bool)> handler) { core_->ferr_handler = std::move(handler); }
void Cpu::set_ignne(bool asserted) { core_->ignne = asserted; }

void Cpu::set_cpuid(const CpuidTable& table) {
    if (!model_has_cpuid(core_->traits.model))
        throw std::invalid_argument("set_cpuid: CPU model " + std::string(cpu_model_name(core_->traits.model)) +
                                    " has no CPUID instruction");
    if (std::string problem = cpuid_table_error(table); !problem.empty())
        throw std::invalid_argument("set_cpuid: " + problem);
    core_->cpuid_table = table;
}

std::string cpuid_table_error(const CpuidTable& table) {
    if (table.leaves.size() < 2 || table.leaves[0].eax != table.leaves.size() - 1)
        return "leaf 0 EAX must be the maximum leaf (at least 1), one less than the number of leaves";
    return {};
}

std::vector<std::uint8_t> Cpu::save_snapshot() const {
    snapshot::json body = {{"library_version", snapshot::library_version()},
                           {"cpu", snapshot::CpuStateCodec::save(*core_, clock_khz_)}};
    return snapshot::encode_document(snapshot::kKindCpu, body);
}

void Cpu::restore_snapshot(std::span<const std::uint8_t> bytes) {
    const snapshot::json body = snapshot::decode_document(bytes, snapshot::kKindCpu);
    const snapshot::PreparedCpu prepared =
        snapshot::CpuStateCodec::prepare(*core_, clock_khz_, snapshot::Field(body, "")["cpu"]);
    snapshot::CpuStateCodec::commit(*core_, prepared);
}
const CpuidTable& Cpu::cpuid() const { return core_->cpuid_table; }
void Cpu::set_intercepts(InterceptHandlers handlers) { core_->intercepts = std::move(handlers); }

std::optional<CpuModel> parse_cpu_model(std::string_view name) {
    if (name == "8086" || name == "8088") return CpuModel::i8086;
    if (name == "286" || name == "80286") return CpuModel::i80286;
    if (name == "386" || name == "80386") return CpuModel::i80386;
    if (name == "486" || name == "80486" || name == "i486") return CpuModel::i80486;
    if (name == "p5" || name == "pentium" || name == "586") return CpuModel::p5;
    if (name == "p6" || name == "pentiumpro" || name == "686") return CpuModel::p6;
    return std::nullopt;
}

std::string_view cpu_model_name(CpuModel model) {
    switch (model) {
    case CpuModel::i8086: return "8086";
    case CpuModel::i80286: return "286";
    case CpuModel::i80386: return "386";
    case CpuModel::i80486: return "486";
    case CpuModel::p5: return "p5";
    case CpuModel::p6: return "p6";
    }
    return "?";
}

}  // namespace x86emu
