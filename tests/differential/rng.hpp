// x86emu differential tests — the seeded generator behind every case. SplitMix64 (Steele, Lea,
// Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014) written out here, so a
// seed gives the same cases with any standard library (std:: distributions are not portable).
#pragma once
#include <cstdint>
#include <string_view>

namespace differential {

class Rng {
public:
    explicit Rng(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next64() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    std::uint32_t next32() { return static_cast<std::uint32_t>(next64() >> 32); }
    // Uniform in [0, n) for n > 0 (the multiply-shift map; its bias is far below what matters here).
    std::uint32_t below(std::uint32_t n) {
        return static_cast<std::uint32_t>((static_cast<std::uint64_t>(next32()) * n) >> 32);
    }
    bool chance(unsigned percent) { return below(100) < percent; }

private:
    std::uint64_t state_;
};

// A per-form seed: the run's seed mixed with the family and form names, so that selecting a
// subset of families or forms (--family, --form) reproduces exactly the same cases.
inline std::uint64_t derive_seed(std::uint64_t seed, std::string_view family, std::string_view form) {
    std::uint64_t h = 0xCBF29CE484222325ull ^ seed;  // FNV-1a over the names
    for (std::string_view s : {family, std::string_view("/"), form})
        for (unsigned char ch : s) h = (h ^ ch) * 0x100000001B3ull;
    return h;
}

}  // namespace differential
