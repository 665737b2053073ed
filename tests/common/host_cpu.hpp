// x86emu tests — which x86 CPU the tests run on, read once from CPUID, for the tests that compare
// the emulator with the host's own x87 (tests/unit/test_float80.cpp, test_transcendental.cpp,
// tests/unit/tools, tests/differential): the one place that reads the host's identity. Where
// the manuals leave a choice and Intel and AMD silicon choose differently, those tests mask the
// host vendor's documented behaviour, and only on that vendor's hosts (docs/X87_CHOICES.md).
// Intel SDM vol. 2 CPUID: leaf 0 (vendor string), leaf 1 EAX (family/model, with the extended
// family and model fields), leaf 7 subleaf 0 EBX bit 6 (FDP_EXCPTN_ONLY) and bit 13 (FCS/FDS
// deprecated); vol. 1 §8.1.9.1 (fopcode compatibility sub-mode, Pentium 4 and later).
#pragma once

#include <cstdio>
#include <cstring>
#include <string>

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#define X86EMU_TEST_HOST_CPUID 1
#else
#define X86EMU_TEST_HOST_CPUID 0
#endif

namespace x86emu_test {

enum class HostVendor { Intel, Amd, Other };

struct HostCpu {
    HostVendor vendor = HostVendor::Other;
    std::string vendor_string = "unknown";  // "GenuineIntel", "AuthenticAMD", ...
    unsigned family = 0;  // the displayed family: base, plus the extended family when base is 0Fh
    unsigned model = 0;   // the displayed model: base, plus the extended model for families 06h/0Fh
    bool fdp_exception_only = false;  // CPUID.(7,0):EBX[6]: FDP updated only on x87 exceptions
    bool fcs_fds_deprecated = false;  // CPUID.(7,0):EBX[13]: FCS and FDS saved as zero

    bool intel() const { return vendor == HostVendor::Intel; }
    bool amd() const { return vendor == HostVendor::Amd; }

    // An Intel part of the Pentium 4's generation or later: these record FOP only for an
    // instruction that raises an unmasked exception unless the fopcode compatibility sub-mode
    // (IA32_MISC_ENABLE bit 2, off by default, unsupported on recent parts) is on (SDM vol. 1
    // §8.1.9.1). The Pentium 4 is family 0Fh; the family-6 parts after it start with the Core 2
    // (model 0Fh). Every Intel x86-64 host is one of them.
    bool intel_fop_on_unmasked_exception_only() const {
        return intel() && (family >= 0x0F || (family == 6 && model >= 0x0F));
    }

    // "GenuineIntel family 6 (06h) model 167 (A7h)": names the silicon in test output and in
    // data captured from it (tests/unit/data/x87_transcendental_specials_*.inc).
    std::string describe() const {
        char text[96];
        std::snprintf(text, sizeof text, "%s family %u (%02Xh) model %u (%02Xh)", vendor_string.c_str(), family,
                      family, model, model);
        return text;
    }

    const char* vendor_name() const {
        switch (vendor) {
        case HostVendor::Intel: return "Intel";
        case HostVendor::Amd: return "AMD";
        case HostVendor::Other: break;
        }
        return "other";
    }
};

inline HostCpu read_host_cpu() {
    HostCpu cpu;
#if X86EMU_TEST_HOST_CPUID
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return cpu;
    const unsigned max_leaf = eax;
    char vendor[13] = {};
    std::memcpy(vendor + 0, &ebx, 4);
    std::memcpy(vendor + 4, &edx, 4);
    std::memcpy(vendor + 8, &ecx, 4);
    cpu.vendor_string = vendor;
    if (std::strcmp(vendor, "GenuineIntel") == 0) cpu.vendor = HostVendor::Intel;
    else if (std::strcmp(vendor, "AuthenticAMD") == 0) cpu.vendor = HostVendor::Amd;
    if (max_leaf >= 1 && __get_cpuid(1, &eax, &ebx, &ecx, &edx)) {
        const unsigned base_family = (eax >> 8) & 0xF, base_model = (eax >> 4) & 0xF;
        cpu.family = base_family == 0xF ? base_family + ((eax >> 20) & 0xFF) : base_family;
        cpu.model = (base_family == 6 || base_family == 0xF) ? (((eax >> 16) & 0xF) << 4) | base_model : base_model;
    }
    if (max_leaf >= 7) {
        __cpuid_count(7, 0, eax, ebx, ecx, edx);
        cpu.fdp_exception_only = (ebx >> 6) & 1;
        cpu.fcs_fds_deprecated = (ebx >> 13) & 1;
    }
#endif
    return cpu;
}

// Read once per process.
inline const HostCpu& host_cpu() {
    static const HostCpu cpu = read_host_cpu();
    return cpu;
}

}  // namespace x86emu_test
