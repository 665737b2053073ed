// x86emu differential tests — the run loop: per form, reproducible cases from the seed, the host
// once per case, every selected emulator model that has the form, the family's comparator.
#include "driver.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <ostream>
#include <sstream>

#include "emu_runner.hpp"
#include "native_runner.hpp"

namespace differential {

namespace {

std::string hex(std::uint32_t v, int digits = 8) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%0*X", digits, v);
    return buf;
}

std::string flags_text(std::uint32_t f) {
    std::string s;
    for (auto [bit, name] : {std::pair{0x800u, "OF"}, {0x80u, "SF"}, {0x40u, "ZF"}, {0x10u, "AF"}, {0x4u, "PF"}, {0x1u, "CF"}})
        if (f & bit) s += std::string(s.empty() ? "" : " ") + name;
    return "[" + s + "]";
}

std::string state_text(const State& s, const Form& form) {
    const bool memory = form.memory;
    static const char* const kRegs[8] = {"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"};
    std::string t;
    for (unsigned r = 0; r < 8; ++r) {
        if (r == 4 || (memory && r == form.base)) continue;
        t += std::string(kRegs[r]) + "=" + hex(s.gpr[r]) + " ";
    }
    t += "flags=" + flags_text(s.eflags);
    if (memory) {
        t += " mem[base..base+7]=";
        for (std::size_t k = kMemBase; k < kMemBase + 8; ++k) t += hex(s.mem[k], 2) + (k + 1 < kMemBase + 8 ? " " : "");
    }
    return t;
}

std::string describe(const Family& family, const Form& form, x86emu::CpuModel model, std::uint64_t seed,
                     std::uint64_t index, const Case& c, const Outcome& native, const Outcome& emulated,
                     const Verdict& v) {
    std::ostringstream o;
    o << (v.mismatch ? "MISMATCH " : "UNDEFINED-ONLY ") << family.name() << " / \"" << form.name << "\" on " << x86emu::cpu_model_name(model) << ", case "
      << index << "\n  reproduce: x86emu-differential --seed " << seed << " --family " << family.name() << " --form \""
      << form.name << "\" --cases " << index + 1 << " --models " << x86emu::cpu_model_name(model) << "\n  bytes:";
    for (std::uint8_t b : form.code) o << ' ' << hex(b, 2);
    for (unsigned k = 0; k < form.imm_bytes; ++k) o << ' ' << hex((c.imm >> (8 * k)) & 0xFF, 2);
    o << "\n  input:    " << state_text(c.in, form);
    o << "\n  native:   " << state_text(native.state, form) << (native.vector >= 0 ? " vector " + std::to_string(native.vector) : "");
    o << "\n  emulated: " << state_text(emulated.state, form)
      << (emulated.vector >= 0 ? " vector " + std::to_string(emulated.vector) : "") << "\n"
      << (v.mismatch ? v.detail : v.undefined_detail);
    return o.str();
}

}  // namespace

std::vector<FormResult> run_differential(const std::vector<std::unique_ptr<Family>>& families,
                                         const RunOptions& options, std::ostream& out) {
    NativeRunner native;
    std::vector<std::unique_ptr<EmulatorRunner>> emulators;
    for (x86emu::CpuModel m : options.models) emulators.push_back(std::make_unique<EmulatorRunner>(m));

    std::vector<FormResult> results;
    unsigned reported = 0, shown_undefined = 0;
    for (const auto& family : families) {
        if (!options.families.empty() &&
            std::find(options.families.begin(), options.families.end(), family->name()) == options.families.end())
            continue;
        for (std::size_t fi = 0; fi < family->form_count(); ++fi) {
            const Form& form = family->form(fi);
            if (!options.form.empty() && form.name != options.form) continue;
            std::vector<EmulatorRunner*> active;
            std::vector<std::size_t> slot;
            for (auto& e : emulators) {
                if (e->model() < form.first_model) continue;  // the model lacks the instruction
                e->load(form);
                active.push_back(e.get());
                slot.push_back(results.size());
                results.push_back({std::string(family->name()), form.name, e->model(), {}, {}, {}});
            }
            if (active.empty()) continue;
            native.load(form);
            Rng rng(derive_seed(options.seed, family->name(), form.name));
            Case c;
            for (std::uint64_t n = 0; n < options.cases; ++n) {
                family->generate(fi, rng, c);
                const Outcome host = native.run(c);
                for (std::size_t k = 0; k < active.size(); ++k) {
                    const Outcome emu = active[k]->run(c);
                    const Verdict v = family->compare(fi, c, host, emu);
                    FormResult& r = results[slot[k]];
                    ++r.counts.cases;
                    for (const std::string& m : v.host_masked) ++r.host_masked[m];
                    if (v.tolerated && !v.mismatch) ++r.counts.tolerated;
                    if (v.undefined_differs && !v.mismatch) {
                        ++r.counts.undefined_only;
                        if (shown_undefined < options.show_undefined) {
                            out << describe(*family, form, active[k]->model(), options.seed, n, c, host, emu, v);
                            ++shown_undefined;
                        }
                    }
                    if (!v.mismatch) continue;
                    ++r.counts.mismatches;
                    if (r.first_mismatches.size() < 3 || reported < options.max_reports) {
                        std::string text = describe(*family, form, active[k]->model(), options.seed, n, c, host, emu, v);
                        if (r.first_mismatches.size() < 3) r.first_mismatches.push_back(text);
                        if (reported < options.max_reports) {
                            out << text;
                            ++reported;
                        }
                    }
                }
            }
        }
    }

    // The per-family table, one row per family and model.
    struct Row { std::size_t forms = 0; Counts counts; };
    std::map<std::pair<std::string, x86emu::CpuModel>, Row> rows;
    std::vector<std::pair<std::string, x86emu::CpuModel>> order;
    for (const FormResult& r : results) {
        auto key = std::pair{r.family, r.model};
        if (!rows.count(key)) order.push_back(key);
        Row& row = rows[key];
        ++row.forms;
        row.counts.cases += r.counts.cases;
        row.counts.mismatches += r.counts.mismatches;
        row.counts.undefined_only += r.counts.undefined_only;
        row.counts.tolerated += r.counts.tolerated;
    }
    char line[160];
    std::snprintf(line, sizeof line, "%-18s %-5s %6s %10s %10s %16s %10s\n", "family", "model", "forms", "cases",
                  "mismatches", "undefined-only", "tolerated");
    out << line;
    for (const auto& key : order) {
        const Row& row = rows[key];
        std::snprintf(line, sizeof line, "%-18s %-5s %6zu %10llu %10llu %16llu %10llu\n", key.first.c_str(),
                      std::string(x86emu::cpu_model_name(key.second)).c_str(), row.forms,
                      static_cast<unsigned long long>(row.counts.cases),
                      static_cast<unsigned long long>(row.counts.mismatches),
                      static_cast<unsigned long long>(row.counts.undefined_only),
                      static_cast<unsigned long long>(row.counts.tolerated));
        out << line;
    }
    // What the host-vendor masks hid, as figures: on a host that differs from the emulated
    // models in documented ways these are the cases that were not compared (or compared with
    // the vendor's documented behaviour instead), one row per mask.
    std::map<std::string, std::uint64_t> masked;
    for (const FormResult& r : results)
        for (const auto& [name, count] : r.host_masked) masked[name] += count;
    if (!masked.empty()) {
        out << "host-vendor differences masked (cases, all models; docs/DIFFERENTIAL.md):\n";
        for (const auto& [name, count] : masked) {
            std::snprintf(line, sizeof line, "  %10llu  %s\n", static_cast<unsigned long long>(count), name.c_str());
            out << line;
        }
    }
    return results;
}

}  // namespace differential
