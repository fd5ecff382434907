// A SPIR-V module as words: the header, and every instruction found and checked against the
// grammar (scripts/gen_spirv.py) -- word counts, opcodes, operands, enumerants, ID bounds, single
// definitions, versions, capabilities and extensions. Structure only: what the words mean is
// module.h's business. A module that fails here is refused at vkCreateShaderModule with the reason.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace kiln::spirv {

struct Instruction {
    uint16_t opcode;
    uint16_t word_count;
    uint32_t offset;  // of its first word in the module
};

class Binary {
public:
    // Parses and checks `words`. On failure returns false and says why in *error (one line, with
    // the word offset and the instruction's name where there is one).
    static bool parse(std::span<const uint32_t> words, Binary* out, std::string* error);

    uint32_t version() const { return version_; }  // as in the header: 0x00MMmm00
    uint32_t bound() const { return bound_; }
    const std::vector<Instruction>& instructions() const { return instructions_; }
    // The words of an instruction, its first word (count and opcode) included.
    std::span<const uint32_t> words(const Instruction& i) const {
        return std::span<const uint32_t>(words_).subspan(i.offset, i.word_count);
    }
    const std::vector<uint32_t>& capabilities() const { return capabilities_; }  // declared, and implied

    // The largest ID bound Kiln accepts: tables are sized by it, so a hostile bound must not
    // decide how much memory the driver takes.
    static constexpr uint32_t kMaxBound = 1u << 22;

private:
    std::vector<uint32_t> words_;
    uint32_t version_ = 0;
    uint32_t bound_ = 0;
    std::vector<Instruction> instructions_;
    std::vector<uint32_t> capabilities_;
};

// The capabilities Kiln's engine implements (src/spirv/capabilities.cpp): a module declaring any
// other is refused, naming it.
bool capability_supported(uint32_t capability);
// A SPIR-V extension Kiln accepts (OpExtension).
bool extension_supported(const std::string& name);

}  // namespace kiln::spirv
