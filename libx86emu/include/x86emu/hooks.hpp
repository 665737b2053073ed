// x86emu — interception hooks: trap-and-emulate for an embedder acting as a VMM.
//
// Before CPUID, RDTSC, RDMSR, WRMSR, IN/INS, OUT/OUTS, HLT and MOV to CRn take effect, the CPU
// can ask the embedder what to do with them. Each instruction kind has its own event type that
// carries exactly its operands, and the embedder answers with an Intercept decision:
//   Run     execute the instruction as the model would (the interpreter is the safety net)
//   Result  the instruction completes with the values supplied (CPUID: EAX..EDX; RDTSC, RDMSR:
//           EDX:EAX; IN: AL/AX/EAX; INS: the value stored at ES:EDI)
//   Skip    the instruction completes without effect (OUT/OUTS never reach the Bus, WRMSR and
//           MOV CRn leave the register as it was, HLT does not halt). On an instruction that
//           produces values (CPUID, RDTSC, RDMSR, IN) its destinations are left unchanged; an
//           INS iteration stores nothing but still steps EDI and the count.
//   Fault   the instruction raises the exception given (vector, optional error code) as a fault:
//           nothing of it is committed and the saved EIP is that of the instruction itself.
// For instructions without results (OUT, WRMSR, HLT, MOV CRn) a Result decision acts as Skip.
//
// When the hook is asked: after the instruction's own privilege and existence checks, before
// its effect. A CPL-3 RDMSR, an IN the I/O permission bitmap forbids, a MOV to CR4 on a model
// without CR4 fault exactly as without a hook and the hook is never called: the VMM only sees
// what the guest is allowed to attempt. Checks of the value itself come after the hook (an
// unknown MSR's #GP(0), CR0.PG without PE, reserved CR4 bits): they belong to Run, so a VMM can
// supply MSRs or accept CR values the model does not implement.
//
// Not intercepted: LMSW and CLTS (they change CR0 too), MOV from CRn, RDPMC. A hook may call
// Cpu::request_stop() (run() returns after the instruction completes or faults), but must not
// call Cpu::set_intercepts(), run() or step() from inside itself.
#pragma once
#include <cstdint>
#include <functional>

namespace x86emu {

// ---- events: what the guest attempted -----------------------------------------------------
struct CpuidEvent {
    std::uint32_t leaf;     // EAX
    std::uint32_t subleaf;  // ECX
};
struct RdtscEvent {};
struct MsrReadEvent {
    std::uint32_t index;  // ECX
};
struct MsrWriteEvent {
    std::uint32_t index;  // ECX
    std::uint64_t value;  // EDX:EAX
};
struct PortInEvent {  // IN and each iteration of INS
    std::uint16_t port;
    unsigned size;  // 1, 2 or 4 bytes
};
struct PortOutEvent {  // OUT and each iteration of OUTS
    std::uint16_t port;
    unsigned size;         // 1, 2 or 4 bytes
    std::uint32_t value;   // zero-extended from `size` bytes
};
struct HltEvent {};
struct CrWriteEvent {  // MOV CRn, r32
    unsigned cr;          // 0, 2, 3 or 4
    std::uint32_t value;  // as the guest wrote it, before the model masks or checks it
};

// What CPUID should answer when the decision is Result.
struct CpuidResult {
    std::uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
};

// ---- the decision --------------------------------------------------------------------------
// A plain struct with a kind rather than a variant: one type serves every hook, and the factory
// functions make each answer read as what it means (`return Intercept::fault(13, 0);`).
struct Intercept {
    enum class Kind : std::uint8_t { Run, Result, Skip, Fault };
    Kind kind = Kind::Run;
    std::uint64_t value = 0;  // Result of RDTSC/RDMSR (EDX:EAX) and IN (low `size` bytes)
    CpuidResult cpuid{};      // Result of CPUID
    std::uint8_t vector = 0;  // Fault: exception vector (13 = #GP, 6 = #UD, ...)
    bool has_error_code = false;
    std::uint32_t error_code = 0;

    static Intercept run() { return {}; }
    static Intercept skip() { return {.kind = Kind::Skip}; }
    static Intercept result(std::uint64_t value) { return {.kind = Kind::Result, .value = value}; }
    static Intercept result(const CpuidResult& registers) { return {.kind = Kind::Result, .cpuid = registers}; }
    static Intercept fault(std::uint8_t vector) { return {.kind = Kind::Fault, .vector = vector}; }
    static Intercept fault(std::uint8_t vector, std::uint32_t error_code) {
        return {.kind = Kind::Fault, .vector = vector, .has_error_code = true, .error_code = error_code};
    }
};

// ---- registration ----------------------------------------------------------------------------
// One optional handler per instruction kind; an empty std::function means "not intercepted" and
// costs one test at that instruction only (never on memory accesses or instruction fetch).
// Designated initializers name just the hooks wanted: `{.cpuid = ..., .msr_read = ...}`.
struct InterceptHandlers {
    std::function<Intercept(const CpuidEvent&)> cpuid{};
    std::function<Intercept(const RdtscEvent&)> rdtsc{};
    std::function<Intercept(const MsrReadEvent&)> msr_read{};
    std::function<Intercept(const MsrWriteEvent&)> msr_write{};
    std::function<Intercept(const PortInEvent&)> port_in{};
    std::function<Intercept(const PortOutEvent&)> port_out{};
    std::function<Intercept(const HltEvent&)> hlt{};
    std::function<Intercept(const CrWriteEvent&)> cr_write{};
};

}  // namespace x86emu
