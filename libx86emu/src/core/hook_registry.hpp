// x86emu — the embedder's debugger-style hooks as the core keeps them (x86emu/debug_hooks.hpp):
// plain lists per kind, searched linearly (an embedder sets a handful). Configuration, not guest
// state: snapshots (Cpu::state) do not carry it, reset keeps it.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "x86emu/debug_hooks.hpp"

namespace x86emu {

struct HookRegistry {
    struct Code {
        HookHandle handle;
        AddressRange range;
        std::function<HookAction(const CodeEvent&)> hook;
    };
    struct Breakpoint {
        HookHandle handle;
        std::uint32_t linear;
    };
    struct Memory {  // an empty `hook` is a watchpoint: it always answers Stop
        HookHandle handle;
        MemoryAccessKinds kinds;
        AddressRange range;
        std::function<HookAction(const MemoryEvent&)> hook;
    };
    struct Interrupt {
        HookHandle handle;
        std::function<InterruptAction(const InterruptEvent&)> hook;
    };
    struct InvalidOpcode {
        HookHandle handle;
        std::function<InvalidOpcodeAction(const InvalidOpcodeEvent&)> hook;
    };

    std::vector<Code> code;
    std::vector<Breakpoint> breakpoints;
    std::vector<Memory> memory;
    std::vector<Interrupt> interrupt;
    std::vector<InvalidOpcode> invalid_opcode;
    bool stop_on_exception = false;
    std::uint64_t next_id = 1;

    HookHandle new_handle() { return HookHandle{next_id++}; }
    bool has_data_hooks() const {
        for (const Memory& m : memory)
            if (m.kinds.read || m.kinds.write) return true;
        return false;
    }
    bool has_fetch_hooks() const {
        for (const Memory& m : memory)
            if (m.kinds.fetch) return true;
        return false;
    }
    // Does a hook of this kind (Read or Write) meet the 4 KiB linear page at `page_linear`?
    bool page_hooked(std::uint32_t page_linear, bool write) const {
        for (const Memory& m : memory)
            if ((write ? m.kinds.write : m.kinds.read) && m.range.overlaps(page_linear, 0x1000)) return true;
        return false;
    }
    // Removes the entry with this handle from whichever list holds it.
    bool remove(HookHandle handle) {
        auto drop = [&](auto& list) {
            for (auto it = list.begin(); it != list.end(); ++it)
                if (it->handle == handle) {
                    list.erase(it);
                    return true;
                }
            return false;
        };
        if (!handle.valid()) return false;
        return drop(code) || drop(breakpoints) || drop(memory) || drop(interrupt) || drop(invalid_opcode);
    }
};

}  // namespace x86emu
