// x86emu — CPU model identifiers.
// The models follow the Intel processor generations whose behaviour differs in ways a guest can
// observe (Intel 8086 Family User's Manual; iAPX 286, 80386 and i486 Programmer's Reference
// Manuals; Pentium Processor Family Developer's Manual; Pentium Pro Family Developer's Manual).
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace x86emu {

enum class CpuModel : std::uint8_t {
    i8086,   // Intel 8086/8088: 20-bit address bus, no #UD, FLAGS[15:12] read as 1
    i80286,  // Intel 80286 (real mode only so far): 24-bit address bus, 186/286 instructions
    i80386,  // Intel 80386: 32-bit registers, operand/address-size prefixes, 0F map
    i80486,  // Intel 486DX (no CPUID): BSWAP XADD CMPXCHG INVD WBINVD INVLPG, CR0.WP/AM/NE,
             // EFLAGS.AC and alignment-check faults, the on-chip x87 FPU
    p5,      // Intel Pentium (P5): the 486 plus CPUID, RDTSC, RDMSR/WRMSR, CMPXCHG8B, CR4 (TSD,
             // PSE, MCE); CPUID data from cpuid/p5.json
    p6,      // Intel Pentium Pro (P6): the P5 plus CMOVcc, FCMOVcc, FCOMI, RDPMC, UD2, the long
             // NOP (0F 1F /0), CR4.PGE/PCE; CPUID data from cpuid/p6.json
};

// Parses the names used on command lines ("8086", "286", "386", "486", "p5", "p6"); nullopt for unknown names.
std::optional<CpuModel> parse_cpu_model(std::string_view name);
std::string_view cpu_model_name(CpuModel model);

}  // namespace x86emu
