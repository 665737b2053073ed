// x86emu unit tests — who the host CPU is: CPUID vendor string, family, model, so that host
// comparisons can name the silicon they compared against and mask only documented differences of
// one vendor or family.
// Intel SDM vol. 2 CPUID (leaf 0: vendor string in EBX, EDX, ECX; leaf 1 EAX: stepping, model,
// family, extended model and family, and how the displayed family/model are formed from them).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#define X86EMU_HOST_CPUID 1
#else
#define X86EMU_HOST_CPUID 0
#endif

namespace x86emu_test::host_cpu {

enum class Vendor { Intel, Amd, Other };

struct Identity {
    Vendor vendor = Vendor::Other;
    std::string vendor_string;  // "GenuineIntel", "AuthenticAMD", ...
    unsigned family = 0;        // displayed family (base + extended when base is 0Fh)
    unsigned model = 0;         // displayed model (extended model prefixed for family 06h or 0Fh)
    std::string describe() const {
        char text[96];
        std::snprintf(text, sizeof text, "%s family %u (%02Xh) model %u (%02Xh)", vendor_string.c_str(), family,
                      family, model, model);
        return text;
    }
};

// Read once: the answer cannot change while the tests run.
inline const Identity& identity() {
    static const Identity id = [] {
        Identity i;
#if X86EMU_HOST_CPUID
        unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
        if (__get_cpuid(0, &eax, &ebx, &ecx, &edx)) {
            char name[13] = {};
            std::memcpy(name, &ebx, 4);
            std::memcpy(name + 4, &edx, 4);
            std::memcpy(name + 8, &ecx, 4);
            i.vendor_string = name;
        }
        if (__get_cpuid(1, &eax, &ebx, &ecx, &edx)) {
            const unsigned base_family = (eax >> 8) & 0xF, base_model = (eax >> 4) & 0xF;
            const unsigned ext_family = (eax >> 20) & 0xFF, ext_model = (eax >> 16) & 0xF;
            i.family = base_family == 0xF ? base_family + ext_family : base_family;
            i.model = (base_family == 0x6 || base_family == 0xF) ? (ext_model << 4) + base_model : base_model;
        }
#endif
        if (i.vendor_string == "GenuineIntel") i.vendor = Vendor::Intel;
        if (i.vendor_string == "AuthenticAMD") i.vendor = Vendor::Amd;
        if (i.vendor_string.empty()) i.vendor_string = "unknown";
        return i;
    }();
    return id;
}

}  // namespace x86emu_test::host_cpu
