// x86emu differential tests — runs families on the host and on emulator models, counts and
// describes mismatches (docs/DIFFERENTIAL.md).
#pragma once
#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "family.hpp"

namespace differential {

struct RunOptions {
    std::uint64_t seed = 1;
    std::uint64_t cases = 2000;                 // per form
    std::vector<x86emu::CpuModel> models;       // emulated models, each compared with the host
    std::vector<std::string> families;          // empty: all
    std::string form;                           // empty: all; else the exact form name
    unsigned max_reports = 20;                  // mismatch descriptions printed, at most
    unsigned show_undefined = 0;                // undefined-only differences printed, at most
};

struct Counts {
    std::uint64_t cases = 0;
    std::uint64_t mismatches = 0;
    std::uint64_t undefined_only = 0;  // cases that differ only where the SDM says "undefined"
    std::uint64_t tolerated = 0;       // cases within a documented tolerance (x87 transcendentals)
};

struct FormResult {
    std::string family;
    std::string form;
    x86emu::CpuModel model;
    Counts counts;
    std::vector<std::string> first_mismatches;  // at most a few descriptions
    std::map<std::string, std::uint64_t> host_masked;  // cases per host-vendor mask that hid a difference
};

// The families this build knows (families.cpp).
std::vector<std::unique_ptr<Family>> all_families();

// Runs every selected form; prints mismatch descriptions and the per-family table to `out`.
std::vector<FormResult> run_differential(const std::vector<std::unique_ptr<Family>>& families,
                                         const RunOptions& options, std::ostream& out);

}  // namespace differential
