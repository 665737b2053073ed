// x86emu — the CPU part of a snapshot (core/cpu_snapshot.hpp, docs/SNAPSHOTS.md): every field of
// CpuCoreState by name, the lazily kept flags materialised into "eflags", the x87 registers as
// significand + sign/exponent pairs; integers as CBOR unsigned integers, so the bytes are the
// same on every host. No cache and no host pointer is written: they are rebuilt on restore.
#include "core/cpu_snapshot.hpp"

#include <string>

#include "core/cpu_internals.hpp"

namespace x86emu::snapshot {

// A tripwire for whoever adds a field to CpuCoreState: it must be saved and restored below (and
// listed in docs/SNAPSHOTS.md), or be moved to the caches if it can be recomputed. Then update
// the size here.
static_assert(sizeof(CpuCoreState) == 496, "CpuCoreState changed: update the snapshot codec (cpu_snapshot.cpp)");

namespace {

json segment_json(const SegmentState& s) {
    return {{"selector", s.selector}, {"base", s.base}, {"limit", s.limit}, {"attributes", s.attributes}};
}
SegmentState segment_from(const Field& f) {
    SegmentState s;
    s.selector = f["selector"].uint<std::uint16_t>();
    s.base = f["base"].uint<std::uint32_t>();
    s.limit = f["limit"].uint<std::uint32_t>();
    s.attributes = f["attributes"].uint<std::uint16_t>();
    return s;
}
json table_json(const TableRegister& t) { return {{"base", t.base}, {"limit", t.limit}}; }
TableRegister table_from(const Field& f) {
    return TableRegister{f["base"].uint<std::uint32_t>(), f["limit"].uint<std::uint16_t>()};
}
template <std::size_t N> json words_json(const std::uint32_t (&words)[N], std::size_t count = N) {
    json a = json::array();
    for (std::size_t k = 0; k < count; ++k) a.push_back(words[k]);
    return a;
}
template <std::size_t N> void words_from(const Field& f, std::uint32_t (&words)[N], std::size_t count = N) {
    f.expect_size(count);
    for (std::size_t k = 0; k < count; ++k) words[k] = f.at(k).uint<std::uint32_t>();
}

json x87_json(const fpu::X87State& x) {
    json registers = json::array();
    for (const fpu::Float80& r : x.physical) registers.push_back({r.significand, r.sign_exponent});
    return {{"physical", registers}, {"control", x.control},  {"status", x.status},
            {"empty", x.empty},      {"last_ip", x.last_ip},  {"last_cs", x.last_cs},
            {"last_opcode", x.last_opcode}, {"last_dp", x.last_dp}, {"last_ds", x.last_ds}};
}
fpu::X87State x87_from(const Field& f) {
    fpu::X87State x;
    const Field registers = f["physical"];
    registers.expect_size(8);
    for (std::size_t r = 0; r < 8; ++r) {
        const Field pair = registers.at(r);
        pair.expect_size(2);
        x.physical[r].significand = pair.at(0).uint<std::uint64_t>();
        x.physical[r].sign_exponent = pair.at(1).uint<std::uint16_t>();
    }
    x.control = f["control"].uint<std::uint16_t>();
    x.status = f["status"].uint<std::uint16_t>();
    x.empty = f["empty"].uint<std::uint8_t>();
    x.last_ip = f["last_ip"].uint<std::uint32_t>();
    x.last_cs = f["last_cs"].uint<std::uint16_t>();
    x.last_opcode = f["last_opcode"].uint<std::uint16_t>(0x7FF);  // 11 bits (SDM vol. 1 §8.1.9)
    x.last_dp = f["last_dp"].uint<std::uint32_t>();
    x.last_ds = f["last_ds"].uint<std::uint16_t>();
    return x;
}

}  // namespace

json CpuStateCodec::save(const CpuCore& core, std::uint32_t clock_khz) {
    const CpuCoreState& c = core;
    json s = json::object();
    s["gpr"] = words_json(c.gpr, 8);  // gpr[8] is the constant zero
    s["eip"] = c.eip;
    s["next_eip"] = c.next_eip;
    s["eflags"] = core.current_flags();
    json segments = json::array();
    for (const SegmentState& seg : c.seg) segments.push_back(segment_json(seg));
    s["seg"] = segments;
    s["cr0"] = c.cr0;
    s["cr2"] = c.cr2;
    s["cr3"] = c.cr3;
    s["cr4"] = c.cr4;
    s["gdtr"] = table_json(c.gdtr);
    s["idtr"] = table_json(c.idtr);
    s["ldtr"] = segment_json(c.ldtr);
    s["tr"] = segment_json(c.tr);
    s["dr"] = words_json(c.dr);
    s["test_registers"] = words_json(c.test_registers);
    s["cycles"] = core.current_cycles();
    s["instructions"] = core.retired_instructions();
    s["tsc_offset"] = c.tsc_offset;
    s["x87"] = x87_json(c.x87);
    s["ignne"] = c.ignne;
    s["ferr"] = c.ferr;
    s["halted"] = c.halted;
    s["intr_line"] = core.intr_line();
    s["nmi_pending"] = core.nmi_pending();
    s["nmi_blocked"] = c.nmi_blocked;
    s["inhibit_interrupts"] = c.inhibit_interrupts;
    s["rep_in_progress"] = c.rep_in_progress;
    s["cpl"] = c.cpl;
    s["pending_debug_status"] = c.pending_debug_status;
    s["shutdown"] = c.shutdown_;
    s["delivery_ext"] = c.delivery_ext_;
    s["push_rf"] = c.push_rf_;

    json cpu = {{"model", cpu_model_name(core.traits.model)}, {"fpu", core.has_fpu}, {"clock_khz", clock_khz}};
    if (model_has_cpuid(core.traits.model)) {
        json leaves = json::array();
        for (const CpuidLeaf& l : core.cpuid_table.leaves) leaves.push_back({l.eax, l.ebx, l.ecx, l.edx});
        cpu["cpuid"] = leaves;
    }
    cpu["state"] = s;
    return cpu;
}

PreparedCpu CpuStateCodec::prepare(const CpuCore& target, std::uint32_t clock_khz, const Field& cpu) {
    // What the snapshot must be restored into.
    const std::string model = cpu["model"].string();
    const std::string target_model{cpu_model_name(target.traits.model)};
    if (model != target_model)
        fail(SnapshotErrorKind::Mismatch, "taken on CPU model " + model + ", restored into a " + target_model);
    const bool fpu = cpu["fpu"].boolean();
    if (fpu != target.has_fpu)
        fail(SnapshotErrorKind::Mismatch, std::string("taken on a CPU ") + (fpu ? "with" : "without") +
                                              " an FPU, restored into one " + (target.has_fpu ? "with" : "without"));
    const std::uint32_t clock = cpu["clock_khz"].uint<std::uint32_t>();
    if (clock != clock_khz)
        fail(SnapshotErrorKind::Mismatch, "taken on a CPU clocked at " + std::to_string(clock) +
                                              " kHz, restored into one at " + std::to_string(clock_khz) + " kHz");

    PreparedCpu p;
    if (model_has_cpuid(target.traits.model)) {
        const Field leaves = cpu["cpuid"];
        for (std::size_t k = 0; k < leaves.array_size(); ++k) {
            const Field leaf = leaves.at(k);
            leaf.expect_size(4);
            p.cpuid.leaves.push_back({leaf.at(0).uint<std::uint32_t>(), leaf.at(1).uint<std::uint32_t>(),
                                      leaf.at(2).uint<std::uint32_t>(), leaf.at(3).uint<std::uint32_t>()});
        }
        if (std::string problem = cpuid_table_error(p.cpuid); !problem.empty()) leaves.invalid(problem);
    } else if (cpu.has("cpuid")) {
        cpu["cpuid"].invalid("CPU model " + model + " has no CPUID instruction");
    }

    const Field s = cpu["state"];
    CpuCoreState& c = p.state;
    words_from(s["gpr"], c.gpr, 8);
    c.gpr[8] = 0;
    c.eip = s["eip"].uint<std::uint32_t>();
    c.next_eip = s["next_eip"].uint<std::uint32_t>();
    c.store_flags(s["eflags"].uint<std::uint32_t>());  // saved materialised
    const Field segments = s["seg"];
    segments.expect_size(6);
    for (std::size_t k = 0; k < 6; ++k) c.seg[k] = segment_from(segments.at(k));
    c.cr0 = s["cr0"].uint<std::uint32_t>();
    c.cr2 = s["cr2"].uint<std::uint32_t>();
    c.cr3 = s["cr3"].uint<std::uint32_t>();
    c.cr4 = s["cr4"].uint<std::uint32_t>();
    c.gdtr = table_from(s["gdtr"]);
    c.idtr = table_from(s["idtr"]);
    c.ldtr = segment_from(s["ldtr"]);
    c.tr = segment_from(s["tr"]);
    words_from(s["dr"], c.dr);
    words_from(s["test_registers"], c.test_registers);
    c.cycles = s["cycles"].uint<std::uint64_t>();
    c.instructions = s["instructions"].uint<std::uint64_t>();
    c.tsc_offset = s["tsc_offset"].uint<std::uint64_t>();
    c.x87 = x87_from(s["x87"]);
    c.ignne = s["ignne"].boolean();
    c.ferr = s["ferr"].boolean();
    c.halted = s["halted"].boolean();
    p.intr_line = s["intr_line"].boolean();
    p.nmi_pending = s["nmi_pending"].boolean();
    c.nmi_blocked = s["nmi_blocked"].boolean();
    c.inhibit_interrupts = s["inhibit_interrupts"].boolean();
    c.rep_in_progress = s["rep_in_progress"].boolean();
    c.cpl = s["cpl"].uint<unsigned>(3);
    c.pending_debug_status = s["pending_debug_status"].uint<std::uint32_t>();
    c.shutdown_ = s["shutdown"].boolean();
    c.delivery_ext_ = s["delivery_ext"].uint<std::uint32_t>(1);
    c.push_rf_ = s["push_rf"].boolean();
    // The CPL the mode fixes (SDM vol. 3 §20.1, §20.2): a snapshot never holds another.
    if (!(c.cr0 & kCr0PE) && c.cpl != 0) s["cpl"].invalid("must be 0 in real mode (CR0.PE = 0)");
    if ((c.cr0 & kCr0PE) && (c.eflags_ & eflags::VM) && c.cpl != 3)
        s["cpl"].invalid("must be 3 in virtual-8086 mode (EFLAGS.VM = 1)");
    return p;
}

void CpuStateCodec::commit(CpuCore& target, const PreparedCpu& p) {
    target.settle_running_block();  // the count is replaced, and EIP with it
    static_cast<CpuCoreState&>(target) = p.state;
    target.set_intr_line(p.intr_line);
    target.set_nmi_pending(p.nmi_pending);
    if (model_has_cpuid(target.traits.model)) target.cpuid_table = p.cpuid;
    target.rep_resume = false;
    target.rebuild_caches();
    target.invalidate_all_code();
}

}  // namespace x86emu::snapshot
