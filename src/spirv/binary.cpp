#include "binary.h"

#include <algorithm>
#include <cstdio>

#include "spirv_grammar.h"

namespace kiln::spirv {

namespace {

namespace g = grammar;

constexpr uint32_t kOpExtInstImport = 11;
constexpr uint32_t kOpCapability = 17;
constexpr uint32_t kOpExtension = 10;

std::string hex(uint32_t v) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%x", v);
    return buffer;
}

std::string version_text(uint32_t version) {
    return std::to_string(version >> 16) + "." + std::to_string((version >> 8) & 0xff);
}

// Walks one instruction's operands with the grammar, consuming exactly its words.
class OperandWalker {
public:
    OperandWalker(std::span<const uint32_t> words, uint32_t bound, uint32_t version, std::string* error)
        : words_(words), bound_(bound), version_(version), error_(error) {}

    // Operands [first, first + count) of kOperands; false (with *error) on any mismatch.
    bool walk(uint16_t first, uint16_t count) {
        for (uint16_t i = 0; i < count; ++i) {
            const g::Operand& o = g::kOperands[first + i];
            switch (o.quantifier) {
            case g::Quantifier::One:
                if (at_ == words_.size())
                    return fail(std::string("missing operand ") + g::info(o.kind).name);
                if (!operand(o.kind))
                    return false;
                break;
            case g::Quantifier::Optional:
                if (at_ < words_.size() && !operand(o.kind))
                    return false;
                break;
            case g::Quantifier::Many:
                while (at_ < words_.size())
                    if (!operand(o.kind))
                        return false;
                break;
            }
        }
        return true;
    }

    bool done() const { return at_ == words_.size(); }
    size_t position() const { return at_; }
    uint32_t result_id = 0;
    std::vector<uint16_t> enumerant_capabilities;  // first/count pairs flattened: what operands require
    std::vector<uint32_t> enumerant_versions;
    // Enumerants of a later SPIR-V version than the module's that an extension also enables: they
    // stand only if the module declares one of those extensions (OpExtension, checked at the end).
    std::vector<const g::Enumerant*> by_extension;

private:
    bool fail(const std::string& what) {
        *error_ = what;
        return false;
    }

    bool operand(g::OperandKind kind) {
        const g::OperandKindInfo& info = g::info(kind);
        switch (info.category) {
        case g::Category::Id: {
            const uint32_t id = words_[at_++];
            if (id == 0 || id >= bound_)
                return fail("ID " + std::to_string(id) + " is outside the bound " + std::to_string(bound_));
            if (kind == g::OperandKind::IdResult)
                result_id = id;
            return true;
        }
        case g::Category::Literal:
            return literal(kind);
        case g::Category::Composite: {
            // Pairs of two words; both IDs are checked where they are IDs.
            if (words_.size() - at_ < 2)
                return fail(std::string("truncated ") + info.name);
            const bool first_is_id = kind != g::OperandKind::PairLiteralIntegerIdRef;
            const uint32_t a = words_[at_], b = words_[at_ + 1];
            at_ += 2;
            if ((first_is_id && (a == 0 || a >= bound_)) || b == 0 || b >= bound_)
                return fail(std::string("ID outside the bound in ") + info.name);
            return true;
        }
        case g::Category::ValueEnum: {
            const uint32_t value = words_[at_++];
            const g::Enumerant* e = g::enumerant(kind, value);
            if (!e)
                return fail(std::string("unknown ") + info.name + " " + std::to_string(value));
            return parameters(*e, kind);
        }
        case g::Category::BitEnum: {
            const uint32_t mask = words_[at_++];
            // Parameters follow in the order of the bits, lowest first.
            for (uint32_t bit = 0; bit < 32; ++bit) {
                if (!(mask & (1u << bit)))
                    continue;
                const g::Enumerant* e = g::enumerant(kind, 1u << bit);
                if (!e)
                    return fail(std::string("unknown ") + info.name + " bit 0x" + hex(1u << bit));
                if (!parameters(*e))
                    return false;
            }
            return true;
        }
        }
        return fail("unknown operand kind");
    }

    bool parameters(const g::Enumerant& e, g::OperandKind kind = g::OperandKind::Capability) {
        // A BuiltIn decoration needs its capability only when the built-in is used, not where it is
        // declared: every glslang vertex shader decorates gl_PerVertex's ClipDistance and
        // CullDistance members without declaring those capabilities, and spirv-val accepts it (it
        // checks built-in capabilities at use). Kiln's lowering refuses the built-ins it lacks.
        if (e.capability_count && kind != g::OperandKind::BuiltIn) {
            enumerant_capabilities.push_back(e.first_capability);
            enumerant_capabilities.push_back(e.capability_count);
        }
        if (e.version)
            enumerant_versions.push_back(e.version);
        if (e.version > version_) {
            if (!e.extension_count)
                return fail(std::string(e.name) + " needs SPIR-V " + version_text(e.version));
            by_extension.push_back(&e);
        }
        return walk(e.first_parameter, e.parameter_count);
    }

    bool literal(g::OperandKind kind) {
        switch (kind) {
        case g::OperandKind::LiteralString:
            // Nul-terminated UTF-8, padded with nuls to a whole word.
            while (at_ < words_.size()) {
                const uint32_t w = words_[at_++];
                if ((w & 0xff) == 0 || (w & 0xff00) == 0 || (w & 0xff0000) == 0 || (w & 0xff000000) == 0)
                    return true;
            }
            return fail("string without its terminating nul");
        case g::OperandKind::LiteralContextDependentNumber:
        case g::OperandKind::LiteralSpecConstantOpInteger:
            // Their width (OpConstant: the type's; OpSpecConstantOp: the operation's operands) is
            // the module's business: here they take the rest of the instruction, at least a word.
            if (at_ == words_.size())
                return fail("missing literal");
            at_ = words_.size();
            return true;
        default:
            ++at_;  // LiteralInteger, LiteralExtInstInteger: one word
            return true;
        }
    }

    std::span<const uint32_t> words_;
    size_t at_ = 0;
    uint32_t bound_;
    uint32_t version_;
    std::string* error_;
};

// The capabilities a declared one implies (the grammar lists what each "depends on").
void add_with_implied(uint32_t capability, std::vector<uint32_t>* set) {
    if (std::find(set->begin(), set->end(), capability) != set->end())
        return;
    set->push_back(capability);
    if (const g::Enumerant* e = g::enumerant(g::OperandKind::Capability, capability))
        for (uint16_t i = 0; i < e->capability_count; ++i)
            add_with_implied(g::kCapabilities[e->first_capability + i], set);
}

bool any_declared(const std::vector<uint32_t>& declared, uint16_t first, uint16_t count) {
    if (count == 0)
        return true;
    for (uint16_t i = 0; i < count; ++i)
        if (std::find(declared.begin(), declared.end(), g::kCapabilities[first + i]) != declared.end())
            return true;
    return false;
}

std::string extension_names(uint16_t first, uint16_t count) {
    std::string names;
    for (uint16_t i = 0; i < count; ++i)
        names += (i ? " or " : "") + std::string(g::kExtensions[first + i]);
    return names;
}

bool any_extension_declared(const std::vector<std::string>& declared, uint16_t first, uint16_t count) {
    for (uint16_t i = 0; i < count; ++i)
        if (std::find(declared.begin(), declared.end(), g::kExtensions[first + i]) != declared.end())
            return true;
    return false;
}

std::string capability_names(uint16_t first, uint16_t count) {
    std::string names;
    for (uint16_t i = 0; i < count; ++i) {
        const g::Enumerant* e = g::enumerant(g::OperandKind::Capability, g::kCapabilities[first + i]);
        names += (i ? " or " : "") + std::string(e ? e->name : "?");
    }
    return names;
}

// The string operand starting at words[at] (already checked to be nul-terminated).
std::string string_at(std::span<const uint32_t> words, size_t at) {
    std::string s;
    for (; at < words.size(); ++at)
        for (int byte = 0; byte < 4; ++byte) {
            const char c = char((words[at] >> (8 * byte)) & 0xff);
            if (!c)
                return s;
            s += c;
        }
    return s;
}

}  // namespace

bool Binary::parse(std::span<const uint32_t> words, Binary* out, std::string* error) {
    Binary b;
    if (words.size() < 5) {
        *error = "a module is at least 5 words (the header); this one is " + std::to_string(words.size());
        return false;
    }
    if (words[0] != g::kMagic) {
        *error = "not SPIR-V: the first word is not the magic number 0x07230203";
        return false;
    }
    const uint32_t version = words[1];
    if ((version & 0xff0000ff) != 0 || version < 0x00010000 || version > g::kLatestVersion) {
        *error = "SPIR-V version word 0x" + hex(version) + " is not 1.0 to " +
                 version_text(g::kLatestVersion);
        return false;
    }
    const uint32_t bound = words[3];
    if (bound == 0 || bound > kMaxBound) {
        *error = "ID bound " + std::to_string(bound) + " is 0 or above Kiln's limit of " + std::to_string(kMaxBound);
        return false;
    }
    if (words[4] != 0) {
        *error = "the header's reserved word is not 0";
        return false;
    }
    b.version_ = version;
    b.bound_ = bound;
    b.words_.assign(words.begin(), words.end());

    std::vector<bool> defined(bound, false);
    std::vector<uint32_t> declared;
    // Capability needs are checked once every OpCapability is known (they come first, but a
    // hostile module need not follow the layout rules: this check must not depend on them).
    struct Need {
        uint32_t offset;
        uint16_t opcode;
        uint16_t first, count;
    };
    std::vector<Need> needs;
    // What is newer than the module's version but also enabled by an extension (the grammar's
    // "extensions" beside "version", e.g. StorageBuffer8BitAccess: SPIR-V 1.5 or SPV_KHR_8bit_storage):
    // checked once every OpExtension is known.
    struct ExtensionNeed {
        uint32_t offset;
        const char* name;
        uint32_t version;
        uint16_t first, count;
    };
    std::vector<ExtensionNeed> extension_needs;
    std::vector<std::string> extensions;
    for (size_t at = 5; at < words.size();) {
        const uint32_t first = words[at];
        const uint16_t count = uint16_t(first >> 16), opcode = uint16_t(first & 0xffff);
        const std::string where = "at word " + std::to_string(at) + ": ";
        if (count == 0) {
            *error = where + "instruction of 0 words";
            return false;
        }
        if (count > words.size() - at) {
            *error = where + "instruction of " + std::to_string(count) + " words runs past the end of the module";
            return false;
        }
        const g::Instruction* inst = g::instruction(opcode);
        if (!inst) {
            *error = where + "unknown opcode " + std::to_string(opcode);
            return false;
        }
        if (inst->version > version) {
            if (!inst->extension_count) {
                *error = where + inst->name + " needs SPIR-V " + version_text(inst->version);
                return false;
            }
            extension_needs.push_back({uint32_t(at), inst->name, inst->version, inst->first_extension,
                                       inst->extension_count});
        }
        const std::span<const uint32_t> operands = words.subspan(at + 1, count - 1);
        std::string why;
        OperandWalker walker(operands, bound, version, &why);
        if (!walker.walk(inst->first_operand, inst->operand_count) || !walker.done()) {
            *error = where + inst->name + ": " + (why.empty() ? "more words than its operands" : why);
            return false;
        }
        for (const g::Enumerant* e : walker.by_extension)
            extension_needs.push_back({uint32_t(at), e->name, e->version, e->first_extension, e->extension_count});
        if (walker.result_id) {
            if (defined[walker.result_id]) {
                *error = where + inst->name + " defines ID " + std::to_string(walker.result_id) + " a second time";
                return false;
            }
            defined[walker.result_id] = true;
        }
        if (inst->capability_count)
            needs.push_back({uint32_t(at), opcode, inst->first_capability, inst->capability_count});
        for (size_t i = 0; i + 1 < walker.enumerant_capabilities.size(); i += 2)
            needs.push_back({uint32_t(at), opcode, walker.enumerant_capabilities[i], walker.enumerant_capabilities[i + 1]});

        if (opcode == kOpCapability) {
            const uint32_t capability = operands[0];
            if (!capability_supported(capability)) {
                const g::Enumerant* e = g::enumerant(g::OperandKind::Capability, capability);
                *error = where + "capability " + (e ? e->name : std::to_string(capability)) +
                         " is not supported by Kiln";
                return false;
            }
            add_with_implied(capability, &declared);
        } else if (opcode == kOpExtension) {
            const std::string name = string_at(operands, 0);
            if (!extension_supported(name)) {
                *error = where + "extension " + name + " is not supported by Kiln";
                return false;
            }
            if (std::find(extensions.begin(), extensions.end(), name) == extensions.end())
                extensions.push_back(name);  // once: a hostile module may repeat it without end
        } else if (opcode == kOpExtInstImport) {
            const std::string name = string_at(operands, 1);
            if (name != "GLSL.std.450" && name.rfind("NonSemantic.", 0) != 0) {
                *error = where + "extended instruction set " + name + " is not supported by Kiln";
                return false;
            }
        }
        b.instructions_.push_back({opcode, count, uint32_t(at)});
        at += count;
    }
    for (const Need& need : needs) {
        if (!any_declared(declared, need.first, need.count)) {
            const g::Instruction* inst = g::instruction(need.opcode);
            *error = "at word " + std::to_string(need.offset) + ": " + inst->name + " needs capability " +
                     capability_names(need.first, need.count) + ", which the module does not declare";
            return false;
        }
    }
    for (const ExtensionNeed& need : extension_needs) {
        if (!any_extension_declared(extensions, need.first, need.count)) {
            *error = "at word " + std::to_string(need.offset) + ": " + need.name + " needs SPIR-V " +
                     version_text(need.version) + " or extension " + extension_names(need.first, need.count) +
                     ", which the module does not declare";
            return false;
        }
    }
    b.capabilities_ = std::move(declared);
    *out = std::move(b);
    return true;
}

}  // namespace kiln::spirv
