// x86emu differential tests — the host side: a thunk of x86-64 machine code in an executable
// page, built once per form. Encodings: Intel SDM vol. 2 (MOV 8B/89, LEA 8D, PUSHFQ/POPFQ,
// PUSH/POP with REX.B, CLD, RET); REX: SDM vol. 2 §2.2.1. Signal frames: the Linux x86-64 ABI's
// ucontext (mcontext gregs), which saves the registers at the faulting instruction.
#include "native_runner.hpp"

#include <csetjmp>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <sys/mman.h>
#include <ucontext.h>

namespace differential {

namespace {

constexpr std::size_t kPageBytes = 4096;

// Offsets in State the thunk addresses through R15 (disp8 encodings: all must be < 128).
constexpr std::uint8_t kGprOffset = offsetof(State, gpr);
constexpr std::uint8_t kFlagsOffset = offsetof(State, eflags);
constexpr std::size_t kMemOffset = offsetof(State, mem);
static_assert(kMemOffset + kMemBase < 128, "LEA RBX, [R15 + disp8] must reach the memory base");

struct Emitter {
    std::uint8_t* at;
    void bytes(std::initializer_list<std::uint8_t> b) {
        for (std::uint8_t x : b) *at++ = x;
    }
};

// The signal handler's way back into run(): one run at a time, so plain globals will do.
sigjmp_buf g_escape;
Outcome* g_faulted = nullptr;

void on_fault(int signo, siginfo_t*, void* context) {
    const auto* uc = static_cast<const ucontext_t*>(context);
    const greg_t* g = uc->uc_mcontext.gregs;
    // Registers in Gpr order (EAX ECX EDX EBX ESP EBP ESI EDI), low halves.
    const int order[8] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI};
    for (unsigned r = 0; r < 8; ++r) g_faulted->state.gpr[r] = static_cast<std::uint32_t>(g[order[r]]);
    g_faulted->state.eflags = static_cast<std::uint32_t>(g[REG_EFL]) & kStatusFlags;
    // The architectural vector behind each signal (SDM vol. 3 §6.3.1): #DE, #UD, #GP/#PF, #AC.
    g_faulted->vector = signo == SIGFPE ? 0 : signo == SIGILL ? 6 : signo == SIGBUS ? 17 : 13;
    siglongjmp(g_escape, 1);
}

}  // namespace

NativeRunner::NativeRunner() {
    // Writable and executable at once: immediates are patched per case without an mprotect pair.
    void* p = mmap(nullptr, kPageBytes, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::runtime_error("cannot map a writable and executable page for the native thunk");
    page_ = static_cast<std::uint8_t*>(p);
    struct sigaction sa {};
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    for (int s : {SIGFPE, SIGILL, SIGSEGV, SIGBUS}) sigaction(s, &sa, nullptr);
}

NativeRunner::~NativeRunner() {
    for (int s : {SIGFPE, SIGILL, SIGSEGV, SIGBUS}) std::signal(s, SIG_DFL);
    munmap(page_, kPageBytes);
}

void NativeRunner::load(const Form& form) {
    Emitter e{page_};
    // Callee-saved registers of the SysV ABI that the thunk or the instruction may change.
    e.bytes({0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57});  // push rbx rbp r12 r13 r14 r15
    e.bytes({0x49, 0x89, 0xFF});                                              // mov r15, rdi (the State)
    e.bytes({0x41, 0x8B, 0x47, kFlagsOffset, 0x50, 0x9D});                    // mov eax, [r15+flags]; push rax; popfq
    // mov r32, [r15 + 4*r] for every register but ESP; REX.B selects R15 as the base.
    for (std::uint8_t r = 0; r < 8; ++r) {
        if (r == 4) continue;
        e.bytes({0x41, 0x8B, static_cast<std::uint8_t>(0x47 | (r << 3)), static_cast<std::uint8_t>(kGprOffset + 4 * r)});
    }
    if (form.memory)  // lea base64, [r15 + mem + kMemBase]: a 64-bit pointer, as [base] needs
        e.bytes({0x49, 0x8D, static_cast<std::uint8_t>(0x47 | (form.base << 3)), static_cast<std::uint8_t>(kMemOffset + kMemBase)});
    for (std::uint8_t b : form.code) *e.at++ = b;
    imm_offset_ = static_cast<std::size_t>(e.at - page_);
    imm_bytes_ = form.imm_bytes;
    base_ = form.memory ? form.base : -1;
    e.at += form.imm_bytes;
    e.bytes({0x9C, 0x41, 0x5E});  // pushfq; pop r14 (before anything else can touch the flags)
    for (std::uint8_t r = 0; r < 8; ++r) {  // mov [r15 + 4*r], r32
        if (r == 4) continue;
        e.bytes({0x41, 0x89, static_cast<std::uint8_t>(0x47 | (r << 3)), static_cast<std::uint8_t>(kGprOffset + 4 * r)});
    }
    e.bytes({0x45, 0x89, 0x77, kFlagsOffset});  // mov [r15+flags], r14d
    e.bytes({0xFC});                            // cld: the ABI wants DF clear on return
    e.bytes({0x41, 0x5F, 0x41, 0x5E, 0x41, 0x5D, 0x41, 0x5C, 0x5D, 0x5B, 0xC3});  // pop r15..rbx; ret
    if (static_cast<std::size_t>(e.at - page_) > kPageBytes) throw std::runtime_error("native thunk too long");
}

Outcome NativeRunner::run(const Case& c) {
    for (unsigned k = 0; k < imm_bytes_; ++k) page_[imm_offset_ + k] = static_cast<std::uint8_t>(c.imm >> (8 * k));
    static Outcome out;  // static: the signal handler writes it across the siglongjmp
    out = Outcome{};
    out.state = c.in;
    out.state.eflags = c.in.eflags & kStatusFlags;
    g_faulted = &out;
    if (sigsetjmp(g_escape, 0) == 0) {  // no mask to restore: SA_NODEFER
        auto thunk = reinterpret_cast<void (*)(State*)>(page_);
        thunk(&out.state);
        out.state.eflags &= kStatusFlags;
    }
    // The base register holds a host pointer in memory forms and ESP the host stack: neither is
    // comparable.
    out.state.gpr[4] = c.in.gpr[4];
    if (base_ >= 0) out.state.gpr[base_] = c.in.gpr[base_];
    return out;
}

}  // namespace differential
