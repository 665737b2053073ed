// x86emu — the disassembler (x86emu/opcodes.hpp). It has no opcode knowledge of its own: the
// bytes go through the CPU's decoder (decode_with over a buffer, with the model's traits), and
// the decoded Insn is printed from the names and the operand notation of the opcode-table row it
// names (or of its x87-table row). So an encoding disassembles as valid exactly when the CPU
// would execute it, and with the length the CPU would give it.
#include <string>
#include <string_view>
#include <vector>

#include "core/cpu_core.hpp"
#include "core/decode/decoder.hpp"
#include "core/decode/opcode_table.hpp"
#include "x86emu/opcodes.hpp"

namespace x86emu {
namespace {

constexpr std::string_view kReg8[8] = {"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"};
constexpr std::string_view kReg16[8] = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
constexpr std::string_view kReg32[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
// ModRM.reg 6 and 7 name no segment register (MOV raises #UD when it executes, not at decode).
constexpr std::string_view kSreg[8] = {"es", "cs", "ss", "ds", "fs", "gs", "sreg6", "sreg7"};

std::string_view reg_name(unsigned size, unsigned r) {
    return size == 1 ? kReg8[r & 7] : size == 2 ? kReg16[r & 7] : kReg32[r & 7];
}

std::string_view size_keyword(unsigned size) {
    switch (size) {
    case 1: return "byte";
    case 2: return "word";
    case 4: return "dword";
    case 8: return "qword";
    case 10: return "tword";
    default: return "";
    }
}

// Intel's notation: hexadecimal with an h suffix and a leading 0 before a letter digit; 0-9 as is.
std::string number(std::uint32_t v) {
    if (v < 10) return std::string(1, static_cast<char>('0' + v));
    static constexpr char kDigits[] = "0123456789ABCDEF";
    std::string s;
    for (; v; v >>= 4) s.insert(s.begin(), kDigits[v & 15]);
    if (s[0] > '9') s.insert(s.begin(), '0');
    return s + 'h';
}

std::string lower(std::string_view s) {
    std::string out{s};
    for (char& ch : out)
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    return out;
}

// Bytes of the memory operand an x87 operand code names (SDM vol. 2 instruction pages); 0 for
// the environment/state images, whose size the operand size chooses and no keyword names.
unsigned x87_memory_size(std::string_view tok) {
    if (tok == "m16int" || tok == "m2byte") return 2;
    if (tok == "m32fp" || tok == "m32int") return 4;
    if (tok == "m64fp" || tok == "m64int") return 8;
    if (tok == "m80fp" || tok == "m80bcd") return 10;
    return 0;
}

struct Operand {
    std::string text;         // for memory: without the size keyword
    bool memory = false;
    unsigned memory_size = 0;  // the size keyword's size, 0 = never printed
    unsigned implies = 0;      // a register operand: its size, which a memory operand then needn't say
    bool by_operand_size = false;  // its size is the operand size (v, z codes)
};

class Printer {
public:
    Printer(const Insn& insn, std::uint32_t address) : i_(insn), address_(address) {}

    // The operands of `notation` (an operand column of either table), comma-separated.
    std::string operands(std::string_view notation) {
        std::vector<Operand> ops;
        unsigned immediates = 0;
        while (!notation.empty()) {
            std::size_t comma = notation.find(',');
            std::string_view tok = notation.substr(0, comma);
            notation = comma == std::string_view::npos ? std::string_view{} : notation.substr(comma + 1);
            ops.push_back(operand(tok, immediates));
        }
        std::string s;
        for (const Operand& op : ops) {
            if (!s.empty()) s += ", ";
            if (op.memory) {
                bool implied = false;
                for (const Operand& other : ops) implied = implied || (other.implies && other.implies == op.memory_size);
                if (op.memory_size && !implied) {
                    s += size_keyword(op.memory_size);
                    s += ' ';
                    if (op.by_operand_size) shows_operand_size = true;
                }
            } else if (op.by_operand_size) {
                shows_operand_size = true;
            }
            s += op.text;
        }
        return s;
    }

    std::string memory() {
        shows_address_size = true;
        std::string s;
        if (i_.has_seg_override()) {
            s += kSreg[i_.seg];
            s += ':';
            shows_segment = true;
        }
        s += '[';
        const bool a32 = i_.addr32();
        const unsigned asize = a32 ? 4 : 2;
        bool any = false;
        if (i_.ea_base != 8) {
            s += reg_name(asize, i_.ea_base);
            any = true;
        }
        if (i_.ea_index != 8) {
            if (any) s += '+';
            s += reg_name(asize, i_.ea_index);
            if (i_.ea_scale) {
                s += '*';
                s += static_cast<char>('0' + (1u << i_.ea_scale));
            }
            any = true;
        }
        // The displacement wraps at the address size, so with a register it reads as signed.
        const std::uint32_t mask = a32 ? 0xFFFFFFFFu : 0xFFFFu;
        const std::uint32_t d = i_.disp & mask;
        if (!any) {
            s += number(d);
        } else if (d != 0) {
            const bool negative = (d & (mask ^ (mask >> 1))) != 0;
            s += negative ? '-' : '+';
            s += number(negative ? (0u - d) & mask : d);
        }
        s += ']';
        return s;
    }

    unsigned vsize() const { return i_.op32() ? 4 : 2; }

    bool shows_operand_size = false;  // a register, size keyword or mnemonic reflects it
    bool shows_address_size = false;  // a memory operand reflects it
    bool shows_segment = false;       // a memory operand carries the override

private:
    Operand reg(unsigned size, unsigned r, bool by_v = false) {
        return Operand{std::string{reg_name(size, r)}, false, 0, size, by_v};
    }

    // The r/m operand (E, M codes and the x87 memory forms) of `size` bytes.
    Operand rm(unsigned size, unsigned keyword_size, bool by_v = false) {
        if (i_.is_reg()) return reg(size, i_.rm, by_v);
        return Operand{memory(), true, keyword_size, 0, by_v};
    }

    std::uint32_t next_immediate(unsigned& count) { return count++ == 0 ? i_.imm : i_.imm2; }

    Operand text(std::string s) { return Operand{std::move(s), false, 0, 0, false}; }

    Operand operand(std::string_view tok, unsigned& immediates) {
        const unsigned v = vsize();
        const std::uint32_t vmask = i_.op32() ? 0xFFFFFFFFu : 0xFFFFu;
        // x87 operand codes.
        if (tok == "ST(i)") return text("st(" + std::to_string(i_.rm) + ")");
        if (tok == "ST(0)") return text("st(0)");
        if (tok == "AX") return text("ax");
        if (tok.starts_with("m") && tok.size() > 1) return rm(2, x87_memory_size(tok));
        // Fixed operands of the integer table.
        if (tok == "AL") return reg(1, EAX);
        if (tok == "eAX") return reg(v, EAX, true);
        if (tok == "CL" || tok == "DX" || tok == "1") return text(lower(tok));
        if (tok == "ES" || tok == "CS" || tok == "SS" || tok == "DS" || tok == "FS" || tok == "GS")
            return text(lower(tok));
        const char kind = tok[0];
        const char width = tok.size() > 1 ? tok[1] : '\0';
        const bool fixed = width == 'b' || width == 'w' || width == 'd' || width == 'q';
        const unsigned size = width == 'b' ? 1 : width == 'w' ? 2 : width == 'd' ? 4 : width == 'q' ? 8 : v;
        switch (kind) {
        case 'E': return rm(size, size, !fixed);
        case 'M':
            // M, Ma, Mp name an address, not a sized datum (LEA, LGDT, BOUND, LES, far CALL);
            // the 8086 accepts their register form, which then names a register of the operand size.
            return rm(size, width == 'q' ? 8 : 0, !fixed);
        case 'G': return reg(size, i_.reg, !fixed);
        case 'Z': return reg(size, i_.reg, !fixed);
        case 'R': return reg(4, i_.rm);
        case 'S': return Operand{std::string{kSreg[i_.reg]}, false, 0, 2, false};
        case 'C': return text("cr" + std::to_string(i_.reg));
        case 'D': return text("dr" + std::to_string(i_.reg));
        case 'T': return text("tr" + std::to_string(i_.reg));
        case 'O': return Operand{memory(), true, size, 0, !fixed};
        case 'I': {
            std::uint32_t value = next_immediate(immediates);
            if (tok == "Ib") return text(number(value & 0xFF));
            if (tok == "Iw") return text(number(value & 0xFFFF));
            return text(number(value & vmask));  // Ibs (sign-extended to the operand size), Iz, Iv
        }
        case 'J': {
            // The target wraps at the operand size (EIP is truncated to IP by a 16-bit jump).
            std::uint32_t rel = next_immediate(immediates);
            return text(number((address_ + i_.length + rel) & vmask));
        }
        case 'A': {
            ++immediates;
            return text(number(i_.imm2) + ":" + number(i_.imm & vmask));
        }
        default: return text(std::string{tok});
        }
    }

    const Insn& i_;
    std::uint32_t address_;
};

std::string mnemonic_text(const OpcodeRow& row, const Insn& insn, Printer& p) {
    std::string_view name = row.mnemonic;
    if (row.mnemonic32 != row.mnemonic) {
        // V rows name the operand sizes apart; JCXZ/JECXZ (an N row) the address sizes.
        bool second = row.width == OperandWidth::V ? insn.op32() : insn.addr32();
        name = second ? row.mnemonic32 : row.mnemonic;
        (row.width == OperandWidth::V ? p.shows_operand_size : p.shows_address_size) = true;
    }
    // The table's short names of the far forms (SDM: "CALL ptr16:16", "JMP m16:16").
    if (name == "CALLF") return "call far";
    if (name == "JMPF") return "jmp far";
    return lower(name);
}

}  // namespace

Disassembly disassemble(CpuModel model, const std::uint8_t* bytes, std::size_t size,
                        const DisassemblyOptions& options) {
    const ModelTraits traits = traits_for(model);
    const bool code32 = options.mode == CodeMode::Bits32 && traits.has386;
    // The 8086 has no FPU model: its escapes are decoded as ESC with no x87 row.
    const bool fpu = options.fpu && !traits.is8086;
    const DecodeContext context{traits, timing_table_for(model), code32, fpu};
    BufferFetcher fetcher{bytes, size, traits.max_insn_length};
    Insn insn;
    Disassembly out;
    decode_with(context, fetcher, insn);
    if (fetcher.stop == BufferFetcher::Stop::Truncated) {
        out.status = Disassembly::Status::Truncated;
        out.length = size;
        out.text = "(truncated)";
        return out;
    }
    if (fetcher.stop == BufferFetcher::Stop::TooLong) {
        out.status = Disassembly::Status::TooLong;
        out.length = fetcher.length();
        out.text = "(bad)";
        return out;
    }
    out.length = insn.length;
    if (insn.exec == undefined_opcode_handler(model)) {
        out.status = Disassembly::Status::Invalid;
        out.text = "(bad)";
        return out;
    }
    out.status = Disassembly::Status::Valid;

    const OpcodeRow& row = opcode_rows()[insn.row];
    Printer p(insn, options.address);
    std::string body;
    if (insn.x87_row != kNoRow) {
        const X87Row& x = x87_rows()[insn.x87_row];
        body = lower(x.mnemonic);
        std::string ops = p.operands(x.operands);
        if (!ops.empty()) body += ' ' + ops;
    } else if (row.map == 0 && row.opcode >= 0xD8 && row.opcode <= 0xDF) {
        // No FPU: Intel's 8086 ESC, with the six-bit external opcode (escape low bits, ModRM.reg).
        body = "esc " + number(((insn.opcode & 7u) << 3) | insn.reg) + ", ";
        body += insn.is_reg() ? std::string{kReg16[insn.rm]} : p.memory();
    } else if (row.map == 0 && row.opcode == 0x90 && insn.reg == EAX) {
        // XCHG eAX,eAX is NOP (SDM vol. 2 NOP: "90 NOP", an alias of XCHG (E)AX,(E)AX).
        body = "nop";
    } else {
        body = mnemonic_text(row, insn, p);
        std::string ops = p.operands(row.operands);
        if (!ops.empty()) body += ' ' + ops;
    }

    // Prefixes no operand shows, as words in front (lock, repeat, segment, sizes).
    std::string prefix;
    if (insn.flags & Insn::kLock) prefix += "lock ";
    if (insn.rep != Insn::kNoRep) {
        const bool compares = row.mnemonic.starts_with("CMPS") || row.mnemonic.starts_with("SCAS");
        prefix += insn.rep == Insn::kRepNE ? "repne " : compares ? "repe " : "rep ";
    }
    if (insn.has_seg_override() && !p.shows_segment) prefix += std::string{kSreg[insn.seg]} + ' ';
    if (insn.op32() != code32 && !p.shows_operand_size) prefix += insn.op32() ? "o32 " : "o16 ";
    if (insn.addr32() != code32 && !p.shows_address_size) prefix += insn.addr32() ? "a32 " : "a16 ";
    out.text = prefix + body;
    return out;
}

std::string describe_instruction(CpuModel model, const std::uint8_t* bytes, std::size_t size) {
    return disassemble(model, bytes, size).text;
}

}  // namespace x86emu
