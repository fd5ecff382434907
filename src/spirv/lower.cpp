// Lowering: one entry point of a module (module.h), with its specialization constants, to the
// register IR (ir.h). Registers are given to every value, constants are folded into registers
// filled at batch start, memory is laid out (buffers by their Offset/ArrayStride/MatrixStride
// decorations, everything else packed), functions are inlined at their call sites, and every
// block is split at workgroup barriers. What Kiln cannot run is refused here with the reason.
#include <algorithm>
#include <cstring>
#include <spirv/unified1/GLSL.std.450.h>
#include <spirv/unified1/spirv.hpp11>
#include <unordered_map>

#include "ir.h"
#include "lower_image.h"
#include "module.h"
#include "ops.h"
#include "ops_subgroup.h"
#include "spirv_grammar.h"

namespace kiln::spirv {

namespace {

using spv::Op;

// maxComputeSharedMemorySize (physical_device.cpp reports the same).
constexpr uint32_t kMaxWorkgroupBytes = 32768;

// How memory reached through a pointer is laid out.
struct Layout {
    bool explicit_ = false;       // buffers: the decorations say; otherwise packed
    uint32_t matrix_stride = 0;   // for a pointee that is (or holds) a matrix: the member's decoration
    bool row_major = false;
    uint32_t vector_stride = 0;   // a column of a row-major matrix: its components are this far apart
};

inline constexpr uint32_t kUnknownOffset = UINT32_MAX - 1;  // kNowhere (UINT32_MAX) is a known offset

// What lowering knows of a pointer value.
struct PointerInfo {
    MemoryKind kind = MemoryKind::Invocation;
    uint32_t slot_or_offset = 0;  // Buffer: slot; else the root variable's offset
    uint32_t size = 0;            // Invocation/Workgroup: the root variable's size
    Layout layout;
    // A built-in input, or a place in one reached by constant indices: the registers its value is
    // in (ir.h), and the built-in; UINT32_MAX when not a built-in / not a constant place in one.
    uint32_t value_reg = UINT32_MAX;
    uint32_t builtin = UINT32_MAX;
    // The same pointer in every lane into memory every lane shares (a buffer or workgroup variable
    // and constant indices): loads through it read once.
    bool uniform = false;
    // The pointer's value when lowering knows it (a variable, then constant indices): the same in
    // every lane; kUnknownOffset otherwise.
    uint32_t known_offset = kUnknownOffset;
    uint32_t element_reg = 0;  // BufferArray: the register of the descriptor index
};

// A block field naming a SPIR-V label, resolved to an IR block once the function is emitted.
struct Fixup {
    uint32_t block;   // IR block
    uint8_t field;    // 0: target, 1: target2
    uint32_t label;
};

class Lowerer {
public:
    Lowerer(const Module& m, const Specialization& s, Program& p, std::string* error)
        : m_(m), b_(m.binary()), spec_(s), p_(p), error_(error) {}

    bool run(uint32_t model, const std::string& name);

private:
    struct Instance {
        std::unordered_map<uint32_t, uint32_t> reg;  // function-local ID -> first register
        std::unordered_map<uint32_t, PointerInfo> pointers;
        std::unordered_map<uint32_t, std::pair<uint32_t, uint32_t>> labels;  // label -> first, last IR block
        std::vector<Fixup> fixups;
        std::vector<uint32_t> phi_incoming;  // Program::incoming entries whose block is still a label
        std::vector<uint32_t> case_targets;  // Program::cases entries whose block is still a label
        // Inlined calls: the blocks that return, and the registers of returned values.
        std::vector<uint32_t> return_blocks;
        std::vector<std::pair<uint32_t, uint32_t>> returns;  // (IR block, value register)
        uint32_t depth = 0;
    };

    // The type behind an ID, or an empty (Void) type: lowering never dereferences NULL, whatever
    // the module says (Module::build checked what it could; hostile modules still reach here).
    const Type* T(uint32_t id) const {
        static const Type kNone{};
        const Type* t = m_.type(id);
        return t ? t : &kNone;
    }

    bool fail(const std::string& what) {
        if (error_->empty())
            *error_ = what;
        return false;
    }

    // ---- types ----
    uint32_t words(uint32_t type) const {
        const Type* t = T(type);
        if (!t)
            return 0;
        switch (t->kind) {
        case TypeKind::Bool: return 1;
        case TypeKind::Int:
        case TypeKind::Float: return t->width == 64 ? 2 : 1;
        case TypeKind::Vector:
        case TypeKind::Matrix:
        case TypeKind::Array: return words(t->element) * length(t);
        case TypeKind::Struct: {
            uint32_t n = 0;
            for (uint32_t member : t->members)
                n += words(member);
            return n;
        }
        case TypeKind::Pointer: return 1;
        case TypeKind::Image:
        case TypeKind::Sampler:
        case TypeKind::SampledImage: return 1;  // a handle (image.h)
        default: return 0;
        }
    }
    uint32_t scalar_type(uint32_t type) const {
        const Type* t = T(type);
        while (t && (t->kind == TypeKind::Vector || t->kind == TypeKind::Matrix)) {
            type = t->element;
            t = T(type);
        }
        return type;
    }
    bool scalar_of(uint32_t type, Scalar* out) const {
        const Type* t = T(scalar_type(type));
        if (!t)
            return false;
        if (t->kind == TypeKind::Bool) {
            *out = Scalar::Bool;
            return true;
        }
        if (t->kind == TypeKind::Float) {
            *out = t->width == 16 ? Scalar::F16 : t->width == 32 ? Scalar::F32 : Scalar::F64;
            return true;
        }
        if (t->kind == TypeKind::Int) {
            switch (t->width) {
            case 8: *out = t->is_signed ? Scalar::I8 : Scalar::U8; return true;
            case 16: *out = t->is_signed ? Scalar::I16 : Scalar::U16; return true;
            case 32: *out = t->is_signed ? Scalar::I32 : Scalar::U32; return true;
            default: *out = t->is_signed ? Scalar::I64 : Scalar::U64; return true;
            }
        }
        return false;
    }
    uint32_t components(uint32_t type) const {
        const Type* t = T(type);
        if (!t)
            return 0;
        if (t->kind == TypeKind::Vector)
            return t->count;
        if (t->kind == TypeKind::Matrix)
            return t->count * components(t->element);
        return 1;
    }
    uint32_t scalar_bytes(uint32_t type) const {
        const Type* t = T(type);
        return t->kind == TypeKind::Bool ? 4 : t->width / 8;
    }
    // Bytes of a type in packed (non-buffer) memory.
    uint32_t packed_size(uint32_t type) const {
        const Type* t = T(type);
        switch (t->kind) {
        case TypeKind::Bool:
        case TypeKind::Int:
        case TypeKind::Float: return scalar_bytes(type);
        case TypeKind::Vector:
        case TypeKind::Matrix:
        case TypeKind::Array: return packed_size(t->element) * length(t);
        case TypeKind::Struct: {
            uint32_t n = 0;
            for (uint32_t member : t->members)
                n += packed_size(member);
            return n;
        }
        default: return 0;
        }
    }
    uint64_t member_offset(uint32_t struct_type, uint32_t member, const Layout& layout) const {
        if (layout.explicit_)
            return uint64_t(std::max<int64_t>(0, m_.member_decorations(struct_type, member).offset));
        const Type* t = T(struct_type);
        uint64_t offset = 0;
        for (uint32_t i = 0; i < member; ++i)
            offset += packed_size(t->members[i]);
        return offset;
    }
    Layout member_layout(uint32_t struct_type, uint32_t member, const Layout& layout) const {
        Layout l = layout;
        l.vector_stride = 0;
        if (layout.explicit_) {
            const Decorations& d = m_.member_decorations(struct_type, member);
            l.matrix_stride = d.matrix_stride > 0 ? uint32_t(d.matrix_stride) : 0;
            l.row_major = d.row_major;
        }
        return l;
    }
    uint64_t array_stride(uint32_t array_type, const Layout& layout) const {
        if (layout.explicit_) {
            const int64_t s = m_.decorations(array_type).array_stride;
            if (s > 0)
                return uint64_t(s);
        }
        return packed_size(T(array_type)->element);
    }
    uint64_t column_stride(uint32_t matrix_type, const Layout& layout) const {
        if (layout.explicit_ && layout.matrix_stride)
            return layout.matrix_stride;
        return packed_size(T(matrix_type)->element);
    }

    // The leaf moves of a value of `type` at `offset` (registers from `reg`).
    bool moves(uint32_t type, uint64_t offset, uint32_t reg, const Layout& layout, std::vector<Move>* out) const {
        const Type* t = T(type);
        if (offset > UINT32_MAX)
            return false;
        switch (t->kind) {
        case TypeKind::Bool:
        case TypeKind::Int:
        case TypeKind::Float:
            out->push_back(Move{uint32_t(offset), reg, uint8_t(scalar_bytes(type)),
                                uint8_t(t->kind == TypeKind::Int && t->is_signed ? 1 : 0)});
            return true;
        case TypeKind::Vector: {
            const uint32_t sb = layout.vector_stride ? layout.vector_stride : scalar_bytes(t->element), w = words(t->element);
            for (uint32_t i = 0; i < t->count; ++i)
                if (!moves(t->element, offset + i * sb, reg + i * w, layout, out))
                    return false;
            return true;
        }
        case TypeKind::Matrix: {
            const Type* column = T(t->element);
            const uint32_t sb = scalar_bytes(column->element), w = words(column->element);
            const uint64_t stride = column_stride(type, layout);
            for (uint32_t c = 0; c < t->count; ++c)
                for (uint32_t r = 0; r < column->count; ++r) {
                    const uint64_t at = layout.row_major ? r * stride + c * sb : c * stride + r * sb;
                    if (!moves(column->element, offset + at, reg + (c * column->count + r) * w, layout, out))
                        return false;
                }
            return true;
        }
        case TypeKind::Array: {
            const uint64_t stride = array_stride(type, layout);
            const uint32_t w = words(t->element);
            const uint32_t n = length(t);
            if (uint64_t(n) * w > (1u << 20))
                return false;
            for (uint32_t i = 0; i < n; ++i)
                if (!moves(t->element, offset + i * stride, reg + i * w, layout, out))
                    return false;
            return true;
        }
        case TypeKind::Struct: {
            uint32_t r = reg;
            for (uint32_t i = 0; i < t->members.size(); ++i) {
                if (!moves(t->members[i], offset + member_offset(type, i, layout), r,
                           member_layout(type, i, layout), out))
                    return false;
                r += words(t->members[i]);
            }
            return true;
        }
        default:
            return false;
        }
    }

    // ---- constants ----
    bool constant_words(uint32_t id, std::vector<uint32_t>* out, int depth = 0) const;
    // An array's length: its length constant, specialized.
    uint32_t length(const Type* t) const {
        std::vector<uint32_t> v;
        if (t->kind == TypeKind::Array && t->length_id && constant_words(t->length_id, &v) && !v.empty() && v[0])
            return v[0];
        return t->count;
    }
    uint64_t specialized(uint32_t id, const Constant& c) const {
        const int64_t spec_id = m_.decorations(id).spec_id;
        if (spec_id >= 0)
            for (const auto& [cid, value] : spec_.values)
                if (cid == uint32_t(spec_id))
                    return value;
        uint64_t v = c.words.empty() ? 0 : c.words[0];
        if (c.words.size() > 1)
            v |= uint64_t(c.words[1]) << 32;
        return v;
    }

    // ---- registers ----
    uint32_t allocate(uint32_t n) {
        const uint32_t r = p_.register_count;
        p_.register_count += std::max(n, 1u);
        return r;
    }
    // The registers of a value this instance defines: given before emission (phis may name values
    // defined later, on a loop's back edge), else now.
    uint32_t define(Instance& in, uint32_t id, uint32_t type) {
        if (auto it = in.reg.find(id); it != in.reg.end())
            return it->second;
        const uint32_t r = allocate(words(type));
        in.reg[id] = r;
        return r;
    }
    // True when a type is made of 32-bit scalars only (built-ins are: one register per scalar).
    bool is_words(uint32_t type) const {
        const Type* t = T(type);
        switch (t->kind) {
        case TypeKind::Int:
        case TypeKind::Float: return t->width == 32;
        case TypeKind::Vector:
        case TypeKind::Array: return is_words(t->element);
        default: return false;
        }
    }
    // A built-in indexed dynamically is also written into invocation memory at batch start.
    void need_builtin_memory(uint32_t builtin, uint32_t offset) {
        const std::pair<uint32_t, uint32_t> entry{builtin, offset};
        if (std::find(p_.builtin_memory.begin(), p_.builtin_memory.end(), entry) == p_.builtin_memory.end())
            p_.builtin_memory.push_back(entry);
    }
    // A register that holds `value` in every lane from the start of a dispatch.
    uint32_t constant_register(uint32_t value) {
        const uint32_t r = allocate(1);
        p_.constants.push_back(r);
        p_.constants.push_back(value);
        return r;
    }
    // The register of an operand: a value of this instance, a constant or a global variable.
    bool use(Instance& in, uint32_t id, uint32_t* out) {
        if (auto it = in.reg.find(id); it != in.reg.end()) {
            *out = it->second;
            return true;
        }
        if (auto it = globals_.find(id); it != globals_.end()) {
            *out = it->second;
            return true;
        }
        if (m_.constant(id)) {
            std::vector<uint32_t> words_;
            if (!constant_words(id, &words_))
                return fail("constant " + std::to_string(id) + " cannot be evaluated");
            const uint32_t r = allocate(uint32_t(words_.size()));
            for (uint32_t i = 0; i < words_.size(); ++i) {
                p_.constants.push_back(r + i);
                p_.constants.push_back(words_[i]);
            }
            globals_[id] = r;
            *out = r;
            return true;
        }
        // glslc hoists OpUndef to the global section: any value will do (registers start as zeros).
        if (const uint32_t type = m_.type_of(id); type && !m_.variable(id) && !m_.function(id)) {
            const uint32_t r = allocate(words(type));
            globals_[id] = r;
            *out = r;
            return true;
        }
        return fail("ID " + std::to_string(id) + " is used before it has a value (or is not supported)");
    }
    const PointerInfo* pointer_info(Instance& in, uint32_t id) {
        if (auto it = in.pointers.find(id); it != in.pointers.end())
            return &it->second;
        if (auto it = global_pointers_.find(id); it != global_pointers_.end())
            return &it->second;
        fail("pointer " + std::to_string(id) + " does not come from a variable Kiln knows");
        return nullptr;
    }

    // ---- emission ----
    uint32_t new_block() {
        p_.blocks.push_back(IrBlock{});
        p_.blocks.back().first = uint32_t(p_.code.size());
        p_.blocks.back().first_phi = uint32_t(p_.phis.size());
        return uint32_t(p_.blocks.size() - 1);
    }
    void emit(const Ins& ins) {
        p_.code.push_back(ins);
        ++p_.blocks.back().count;
    }
    // Points an instruction at the memory a pointer reaches, for its bounds checks.
    static void set_range(Ins& ins, const PointerInfo& info) {
        ins.imm = uint32_t(info.kind);
        ins.b = info.slot_or_offset;
        ins.c = info.size;
        if (info.kind == MemoryKind::BufferArray)
            ins.n = info.element_reg;
    }
    // Emits a load or store (`run`) of a value of `type` between registers `value` and the memory the
    // pointer in register `pointer` reaches; fails when the type cannot be laid out.
    bool emit_memory(Handler run, uint32_t value, uint32_t pointer, const PointerInfo& info, uint32_t type) {
        Ins ins;
        ins.run = run;
        ins.dst = value;
        ins.a = pointer;
        set_range(ins, info);
        ins.aux = uint32_t(p_.moves.size());
        if (!moves(type, 0, 0, info.layout, &p_.moves))
            return fail("cannot load or store a value of this type (a runtime array, or too large)");
        ins.aux_count = uint32_t(p_.moves.size()) - ins.aux;
        emit(ins);
        return true;
    }
    bool variables();
    bool subgroup(uint32_t opcode, std::span<const uint32_t> w, Instance& in);
    bool function(const Function& f, Instance& in);
    bool instruction(const Instruction& inst, Instance& in, uint32_t* current);
    bool call(std::span<const uint32_t> w, Instance& caller, uint32_t* current);

    const Ops& ops_ = ops();  // the handlers for this CPU
    const Module& m_;
    const Binary& b_;
    const Specialization& spec_;
    Program& p_;
    std::string* error_;
    std::unordered_map<uint32_t, uint32_t> globals_;            // constants and global variables
    std::unordered_map<uint32_t, PointerInfo> global_pointers_;  // global variables
    std::vector<std::pair<uint32_t, uint32_t>> private_initializers_;  // (variable, constant)
    struct DescriptorArray {
        uint32_t first_slot = 0, count = 0, first_reg = 0;
    };
    std::unordered_map<uint32_t, DescriptorArray> descriptor_arrays_;  // arrays of buffer blocks
    // Images, samplers and texel buffers (lower_image.cpp), and what it needs of this Lowerer.
    ImageLowering images_{m_, p_, ops_};
    ImageLowering::Hooks image_hooks(Instance& in) {
        ImageLowering::Hooks h;
        h.use = [this, &in](uint32_t id, uint32_t* reg) { return use(in, id, reg); };
        h.define = [this, &in](uint32_t id, uint32_t type) { return define(in, id, type); };
        h.allocate = [this](uint32_t n) { return allocate(n); };
        h.constant_register = [this](uint32_t value) { return constant_register(value); };
        h.emit = [this](const Ins& ins) { emit(ins); };
        h.fail = [this](const std::string& why) { return fail(why); };
        h.constant_words = [this](uint32_t id, std::vector<uint32_t>* out) { return constant_words(id, out); };
        h.length = [this](const Type* t) { return length(t); };
        return h;
    }
};

bool Lowerer::constant_words(uint32_t id, std::vector<uint32_t>* out, int depth) const {
    const Constant* c = m_.constant(id);
    if (!c || depth > 64)
        return false;
    const Type* t = T(c->type);
    if (c->null) {
        out->insert(out->end(), words(c->type), 0u);
        return true;
    }
    if (c->spec_opcode) {
        // OpSpecConstantOp: the integer operations glslang emits for sizes and indices.
        std::vector<uint32_t> a, b;
        if (c->constituents.empty() || !constant_words(c->constituents[0], &a, depth + 1))
            return false;
        const bool literal_operands = Op(c->spec_opcode) == Op::OpCompositeExtract;
        if (!literal_operands && c->constituents.size() > 1 && !constant_words(c->constituents[1], &b, depth + 1))
            return false;
        if (words(c->type) != 1 || a.empty())
            return false;  // scalar 32-bit results only
        const uint32_t x = a[0], y = b.empty() ? 0 : b[0];
        uint32_t r;
        switch (Op(c->spec_opcode)) {
        case Op::OpIAdd: r = x + y; break;
        case Op::OpISub: r = x - y; break;
        case Op::OpIMul: r = x * y; break;
        case Op::OpUDiv: r = y ? x / y : 0; break;
        case Op::OpSDiv: r = y && !(int32_t(x) == INT32_MIN && int32_t(y) == -1) ? uint32_t(int32_t(x) / int32_t(y)) : 0; break;
        case Op::OpUMod: r = y ? x % y : 0; break;
        case Op::OpShiftLeftLogical: r = x << (y & 31); break;
        case Op::OpShiftRightLogical: r = x >> (y & 31); break;
        case Op::OpBitwiseAnd: r = x & y; break;
        case Op::OpBitwiseOr: r = x | y; break;
        case Op::OpBitwiseXor: r = x ^ y; break;
        case Op::OpNot: r = ~x; break;
        case Op::OpSNegate: r = 0u - x; break;
        case Op::OpIEqual: r = x == y; break;
        case Op::OpINotEqual: r = x != y; break;
        case Op::OpULessThan: r = x < y; break;
        case Op::OpSLessThan: r = int32_t(x) < int32_t(y); break;
        case Op::OpULessThanEqual: r = x <= y; break;
        case Op::OpSLessThanEqual: r = int32_t(x) <= int32_t(y); break;
        case Op::OpUGreaterThan: r = x > y; break;
        case Op::OpSGreaterThan: r = int32_t(x) > int32_t(y); break;
        case Op::OpUGreaterThanEqual: r = x >= y; break;
        case Op::OpSGreaterThanEqual: r = int32_t(x) >= int32_t(y); break;
        case Op::OpLogicalEqual: r = (x != 0) == (y != 0); break;
        case Op::OpLogicalNotEqual: r = (x != 0) != (y != 0); break;
        case Op::OpShiftRightArithmetic: r = uint32_t(int32_t(x) >> (y & 31)); break;
        case Op::OpSRem: r = y && !(int32_t(x) == INT32_MIN && int32_t(y) == -1) ? uint32_t(int32_t(x) % int32_t(y)) : 0; break;
        case Op::OpUConvert:
        case Op::OpSConvert: r = x; break;  // 32-bit results only: the low word
        case Op::OpLogicalAnd: r = x && y; break;
        case Op::OpLogicalOr: r = x || y; break;
        case Op::OpLogicalNot: r = !x; break;
        case Op::OpCompositeExtract: {
            // (composite, literal index...): the words of a scalar member, by position.
            const std::vector<uint32_t>& whole = a;
            if (c->constituents.size() != 2)
                return false;
            const Type* composite = T(m_.constant(c->constituents[0]) ? m_.constant(c->constituents[0])->type : 0);
            const uint32_t index = c->constituents[1];
            if (composite->kind != TypeKind::Vector && composite->kind != TypeKind::Array)
                return false;
            const uint32_t w = words(composite->element);
            if (w != 1 || index >= whole.size())
                return false;
            r = whole[index];
            break;
        }
        case Op::OpSelect: {
            std::vector<uint32_t> z;
            if (c->constituents.size() < 3 || !constant_words(c->constituents[2], &z, depth + 1) || z.empty())
                return false;
            r = x ? y : z[0];
            break;
        }
        default:
            return false;
        }
        out->push_back(r);
        return true;
    }
    if (!c->constituents.empty()) {
        for (uint32_t part : c->constituents)
            if (!constant_words(part, out, depth + 1))
                return false;
        return true;
    }
    uint64_t v = c->specialization ? specialized(id, *c) : specialized(0, *c);
    if (t->kind == TypeKind::Bool) {
        out->push_back(v ? 1 : 0);
    } else if (words(c->type) == 2) {
        out->push_back(uint32_t(v));
        out->push_back(uint32_t(v >> 32));
    } else if (t->kind == TypeKind::Int && t->width < 32) {
        // Narrow integers live widened in registers.
        const uint32_t bits = t->width;
        uint32_t x = uint32_t(v) & ((1u << bits) - 1);
        if (t->is_signed && (x >> (bits - 1)))
            x |= ~((1u << bits) - 1);
        out->push_back(x);
    } else if (t->kind == TypeKind::Float && t->width == 16) {
        out->push_back(uint32_t(v) & 0xffff);
    } else {
        out->push_back(uint32_t(v));
    }
    return true;
}

bool Lowerer::variables() {
    for (uint32_t id = 1; id < b_.bound(); ++id) {
        const Variable* v = m_.variable(id);
        if (!v || v->storage_class == uint32_t(spv::StorageClass::Function))
            continue;
        const Type* pointer = T(v->type);
        const uint32_t pointee = pointer->element;
        PointerInfo info;
        const auto sc = spv::StorageClass(v->storage_class);
        const Decorations& d = m_.decorations(id);
        switch (sc) {
        case spv::StorageClass::Input:
        case spv::StorageClass::Private: {
            info.kind = MemoryKind::Invocation;
            info.slot_or_offset = (p_.invocation_bytes + 15) & ~15u;
            info.size = std::max(packed_size(pointee), 16u);
            p_.invocation_bytes = info.slot_or_offset + info.size;
            if (sc == spv::StorageClass::Input) {
                if (d.builtin < 0)
                    return fail("compute shaders have no inputs but built-ins");
                if (!is_words(pointee))
                    return fail("a built-in input that is not made of 32-bit words");
                info.builtin = uint32_t(d.builtin);
                info.value_reg = allocate(words(pointee));
                p_.builtins.push_back({info.builtin, info.value_reg});
            } else if (v->initializer) {
                private_initializers_.push_back({id, v->initializer});
            }
            break;
        }
        case spv::StorageClass::Workgroup:
            info.kind = MemoryKind::Workgroup;
            info.slot_or_offset = (p_.workgroup_bytes + 15) & ~15u;
            info.size = packed_size(pointee);
            p_.workgroup_bytes = info.slot_or_offset + info.size;
            if (p_.workgroup_bytes > kMaxWorkgroupBytes)
                return fail("workgroup memory beyond maxComputeSharedMemorySize");
            break;
        case spv::StorageClass::Uniform:
        case spv::StorageClass::StorageBuffer: {
            if (d.set < 0 || d.binding < 0)
                return fail("a buffer variable without DescriptorSet and Binding");
            // An array of blocks is an array of descriptors: a slot (and a pointer) per element,
            // chosen by the access chain's first index.
            const Type* outer = T(pointee);
            const bool array = outer->kind == TypeKind::Array;
            const uint32_t block = array ? outer->element : pointee;
            if (T(block)->kind != TypeKind::Struct || (outer->kind == TypeKind::RuntimeArray))
                return fail("buffer variables are blocks or fixed-size arrays of blocks");
            const uint32_t count = array ? length(outer) : 1;
            if (count > 64)
                return fail("arrays of more than 64 buffer descriptors are not supported");
            info.kind = MemoryKind::Buffer;
            info.slot_or_offset = uint32_t(p_.bindings.size());
            info.layout.explicit_ = true;
            for (uint32_t e = 0; e < count; ++e) {
                BindingSlot slot;
                slot.set = uint32_t(d.set);
                slot.binding = uint32_t(d.binding);
                slot.array_element = e;
                slot.storage = sc == spv::StorageClass::StorageBuffer || m_.decorations(block).buffer_block;
                p_.bindings.push_back(slot);
            }
            if (array) {
                DescriptorArray a;
                a.first_slot = info.slot_or_offset;
                a.count = count;
                a.first_reg = constant_register(0);  // every element's pointer: offset 0 in its buffer
                descriptor_arrays_[id] = a;
                globals_[id] = a.first_reg;
                continue;  // no pointer of its own: only its elements are memory
            }
            break;
        }
        case spv::StorageClass::PushConstant:
            info.kind = MemoryKind::Buffer;
            info.slot_or_offset = UINT32_MAX;  // set once every binding has its slot
            info.layout.explicit_ = true;
            break;
        case spv::StorageClass::UniformConstant: {
            // Images, samplers, sampled images: a handle, not memory (image.h).
            Instance none;
            uint32_t handle;
            if (!images_.variable(id, image_hooks(none), &handle))
                return false;
            globals_[id] = handle;
            continue;
        }
        case spv::StorageClass::Output:
            return fail("compute shaders have no outputs");
        default:
            return fail("variables of storage class " + std::to_string(v->storage_class) + " are not supported yet");
        }
        info.uniform = info.kind != MemoryKind::Invocation;
        // The variable's pointer: offset 0 in its buffer, or its place in invocation/workgroup memory.
        info.known_offset = info.kind == MemoryKind::Buffer ? 0 : info.slot_or_offset;
        globals_[id] = constant_register(info.known_offset);
        global_pointers_[id] = info;
    }
    // The push constants take the slot after the bindings.
    p_.push_constant_slot = uint32_t(p_.bindings.size());
    for (auto& [id, info] : global_pointers_)
        if (info.kind == MemoryKind::Buffer && info.slot_or_offset == UINT32_MAX)
            info.slot_or_offset = p_.push_constant_slot;
    return true;
}

// OpGroupNonUniform*: result type w[1], result w[2], execution scope w[3] (Subgroup: a batch), then
// the group operation where the instruction has one, the value and a second operand.
bool Lowerer::subgroup(uint32_t opcode, std::span<const uint32_t> w, Instance& in) {
    std::vector<uint32_t> scope;
    if (w.size() < 4 || !constant_words(w[3], &scope) || scope.empty() || scope[0] != uint32_t(spv::Scope::Subgroup))
        return fail("a group operation whose execution scope is not Subgroup");
    const Op op = Op(opcode);
    const bool has_group_operation = op == Op::OpGroupNonUniformBallotBitCount ||
                                     (opcode >= uint32_t(Op::OpGroupNonUniformIAdd) &&
                                      opcode <= uint32_t(Op::OpGroupNonUniformLogicalXor));
    size_t next = 4;
    uint32_t group_operation = 0;
    if (has_group_operation) {
        if (w.size() < 6)
            return fail("a group operation without its operands");
        group_operation = w[next++];
        if (w.size() > 6)
            return fail("clustered group operations are not supported");
    }
    Ins ins;
    ins.dst = define(in, w[2], w[1]);
    Scalar type = Scalar::Bool;
    if (op != Op::OpGroupNonUniformElect) {
        if (next >= w.size() || !use(in, w[next], &ins.a))
            return false;
        const uint32_t value_type = m_.type_of(w[next]);
        if (!scalar_of(value_type, &type))
            return fail("a group operation on a value that is not made of scalars");
        ins.n = words(value_type);  // for broadcasts and shuffles: words; arithmetic: components below
        ++next;
        if (next < w.size() && !use(in, w[next], &ins.b))
            return false;
    }
    if (has_group_operation && op != Op::OpGroupNonUniformBallotBitCount)
        ins.n /= words_of(type);  // components
    ins.run = subgroup_handler(opcode, group_operation, type);
    if (!ins.run)
        return fail("this group operation is not supported on this type or with this group operation");
    ins.imm = subgroup_immediate(group_operation, type);
    emit(ins);
    return true;
}

bool Lowerer::run(uint32_t model, const std::string& name) {
    const EntryPoint* entry = m_.entry_point(model, name);
    if (!entry)
        return fail("no entry point " + name + " for this stage");
    std::copy(entry->local_size, entry->local_size + 3, p_.local_size);
    for (int i = 0; i < 3; ++i)
        if (entry->local_size_id[i]) {
            std::vector<uint32_t> v;
            if (!constant_words(entry->local_size_id[i], &v) || v.empty())
                return fail("LocalSizeId is not a constant");
            p_.local_size[i] = v[0];
        }
    // A WorkgroupSize built-in constant overrides the execution mode (SPIR-V's rule).
    for (uint32_t id = 1; id < b_.bound(); ++id)
        if (m_.constant(id) && m_.decorations(id).builtin == kBuiltInWorkgroupSize) {
            std::vector<uint32_t> v;
            if (constant_words(id, &v) && v.size() == 3)
                std::copy(v.begin(), v.end(), p_.local_size);
        }
    const uint64_t invocations = uint64_t(p_.local_size[0]) * p_.local_size[1] * p_.local_size[2];
    if (invocations == 0 || invocations > 1024 || p_.local_size[0] > 1024 || p_.local_size[1] > 1024 ||
        p_.local_size[2] > 64)
        return fail("workgroup size beyond Kiln's limits (1024 invocations; 1024 x 1024 x 64)");
    if (!variables())
        return false;
    Instance in;
    new_block();  // the entry: private initializers, then the function's first block
    for (const auto& [variable, value] : private_initializers_) {
        uint32_t value_reg;
        if (!use(in, value, &value_reg))
            return false;
        if (!emit_memory(ops_.store, value_reg, globals_[variable], global_pointers_[variable], m_.constant(value)->type))
            return false;
    }
    p_.blocks.back().term = TermKind::Branch;
    p_.blocks.back().target = 1;
    if (!function(*m_.function(entry->function), in))
        return false;
    if (p_.register_count > (1u << 20))
        return fail("the shader needs more registers than Kiln allows");
    return error_->empty();
}

bool Lowerer::function(const Function& f, Instance& in) {
    if (in.depth > 32)
        return fail("calls nest too deep (recursion is not allowed in Vulkan SPIR-V)");
    // Every value of the function gets its registers first: a phi may use a value that a later
    // block (the loop's continue block) defines.
    for (const Block& block : f.blocks)
        for (uint32_t i = block.first; i <= block.last && i < b_.instructions().size(); ++i) {
            const std::span<const uint32_t> w = b_.words(b_.instructions()[i]);
            const grammar::Instruction* g = grammar::instruction(b_.instructions()[i].opcode);
            if (g && g->operand_count >= 2 && grammar::kOperands[g->first_operand].kind == grammar::OperandKind::IdResultType &&
                w.size() > 2 && !in.reg.count(w[2]))
                define(in, w[2], w[1]);
        }
    for (const Block& block : f.blocks) {
        const uint32_t first = new_block();
        in.labels[block.label] = {first, first};
        uint32_t current = first;
        for (uint32_t i = block.first; i <= block.last; ++i)
            if (!instruction(b_.instructions()[i], in, &current))
                return false;
        in.labels[block.label].second = current;
    }
    auto block_of = [&](uint32_t label, bool last, uint32_t* out) {
        auto it = in.labels.find(label);
        if (it == in.labels.end())
            return fail("a branch to label " + std::to_string(label) + ", which is not in the function");
        *out = last ? it->second.second : it->second.first;
        return true;
    };
    for (const Fixup& fix : in.fixups) {
        IrBlock& b = p_.blocks[fix.block];
        if (!block_of(fix.label, false, fix.field ? &b.target2 : &b.target))
            return false;
    }
    // A phi's predecessor is the last IR block of its SPIR-V block (calls and barriers split blocks).
    for (uint32_t i : in.phi_incoming)
        if (!block_of(p_.incoming[i].block, true, &p_.incoming[i].block))
            return false;
    for (uint32_t i : in.case_targets)
        if (!block_of(p_.cases[i].block, false, &p_.cases[i].block))
            return false;
    return true;
}

// The two operand registers of a unary or binary instruction; false (with the error) if missing.
bool Lowerer::instruction(const Instruction& inst, Instance& in, uint32_t* current) {
    const std::span<const uint32_t> w = b_.words(inst);
    const Op op = Op(inst.opcode);
    IrBlock* block = &p_.blocks[*current];
    auto reg = [&](uint32_t id, uint32_t* out) { return use(in, id, out); };
    auto fixup = [&](uint8_t field, uint32_t label) { in.fixups.push_back({*current, field, label}); };
    Scalar s{};
    if (images_.claims(inst, w))
        return images_.lower(inst, w, image_hooks(in));
    switch (op) {
    case Op::OpUndef:
        define(in, w[2], w[1]);  // any value will do: registers start as zeros
        return true;
    case Op::OpLine:
    case Op::OpNoLine:
    case Op::OpSelectionMerge:
    case Op::OpLoopMerge:
    case Op::OpNop:
    case Op::OpLabel:
        return true;
    case Op::OpVariable: {
        // A Function variable: its own piece of invocation memory, for this inlined copy.
        const uint32_t pointee = T(w[1])->element;
        PointerInfo info;
        info.kind = MemoryKind::Invocation;
        info.slot_or_offset = (p_.invocation_bytes + 15) & ~15u;
        info.size = std::max(packed_size(pointee), 1u);
        p_.invocation_bytes = info.slot_or_offset + info.size;
        if (p_.invocation_bytes > (1u << 20))
            return fail("function variables need more than 1 MiB per invocation");
        const uint32_t r = define(in, w[2], w[1]);
        info.known_offset = info.slot_or_offset;
        in.pointers[w[2]] = info;
        p_.constants.push_back(r);
        p_.constants.push_back(info.slot_or_offset);
        if (w.size() > 4) {
            uint32_t value;
            if (!reg(w[4], &value))
                return false;
            return emit_memory(ops_.store, value, r, info, pointee);
        }
        return true;
    }
    case Op::OpLoad:
    case Op::OpStore: {
        const bool is_load = op == Op::OpLoad;
        const uint32_t pointer_id = is_load ? w[3] : w[1];
        const PointerInfo* info = pointer_info(in, pointer_id);
        if (!info)
            return false;
        uint32_t pointer, value;
        if (!reg(pointer_id, &pointer))
            return false;
        const uint32_t value_type = is_load ? w[1] : m_.type_of(w[2]);
        if (!value_type)
            return fail("a store of a value without a type");
        if (is_load)
            value = define(in, w[2], w[1]);
        else if (!reg(w[2], &value))
            return false;
        if (is_load && info->value_reg != UINT32_MAX) {
            // A built-in: its registers, computed at batch start.
            Ins ins;
            ins.run = ops_.copy_words;
            ins.dst = value;
            ins.a = info->value_reg;
            ins.n = words(value_type);
            emit(ins);
            return true;
        }
        if (is_load && info->kind == MemoryKind::Buffer && info->slot_or_offset == p_.push_constant_slot &&
            info->known_offset != kUnknownOffset) {
            // Push constants do not change during a dispatch: read once per dispatch, at batch setup.
            Preload preload;
            preload.dst = value;
            preload.slot = info->slot_or_offset;
            preload.offset = info->known_offset;
            preload.first_move = uint32_t(p_.moves.size());
            if (!moves(value_type, 0, 0, info->layout, &p_.moves))
                return fail("cannot load a value of this type (a runtime array, or too large)");
            preload.move_count = uint32_t(p_.moves.size()) - preload.first_move;
            p_.preloads.push_back(preload);
            return true;
        }
        return emit_memory(is_load ? (info->uniform ? ops_.load_uniform : ops_.load) : ops_.store, value, pointer, *info,
                           value_type);
    }
    case Op::OpCopyMemory: {
        const PointerInfo* to = pointer_info(in, w[1]);
        const PointerInfo* from = pointer_info(in, w[2]);
        if (!to || !from)
            return false;
        const uint32_t type = T(m_.type_of(w[2]))->element;
        const uint32_t tmp = allocate(words(type));
        uint32_t source, target;
        return reg(w[2], &source) && reg(w[1], &target) && emit_memory(ops_.load, tmp, source, *from, type) &&
               emit_memory(ops_.store, tmp, target, *to, type);
    }
    case Op::OpAccessChain:
    case Op::OpInBoundsAccessChain: {
        PointerInfo info;
        Ins ins;
        ins.run = ops_.access_chain;
        uint32_t type = T(m_.type_of(w[3]))->element;
        size_t first_index = 4;
        if (auto a = descriptor_arrays_.find(w[3]); a != descriptor_arrays_.end()) {
            // The first index picks the descriptor: a constant, or (shader*BufferArrayDynamicIndexing)
            // a dynamically uniform value -- the same in every invocation, so a batch takes its
            // first active lane's (BufferArray).
            if (w.size() < 5)
                return fail("an access chain into an array of buffer descriptors without an index");
            std::vector<uint32_t> index;
            if (m_.constant(w[4])) {
                if (!constant_words(w[4], &index) || index.empty() || index[0] >= a->second.count)
                    return fail("a constant index past the end of an array of buffer descriptors");
                info.kind = MemoryKind::Buffer;
                info.slot_or_offset = a->second.first_slot + index[0];
            } else {
                const Type* index_type = T(m_.type_of(w[4]));
                if (index_type->kind != TypeKind::Int)
                    return fail("an array of buffer descriptors indexed by something not an integer");
                info.kind = MemoryKind::BufferArray;
                info.slot_or_offset = a->second.first_slot;
                info.size = a->second.count;
                if (!reg(w[4], &info.element_reg))  // a 64-bit index: its low word (larger ones are out of range)
                    return false;
            }
            info.layout.explicit_ = true;
            info.uniform = true;
            info.known_offset = 0;
            ins.a = a->second.first_reg;
            type = T(type)->element;
            first_index = 5;
        } else {
            const PointerInfo* base = pointer_info(in, w[3]);
            if (!base)
                return false;
            info = *base;
            if (!reg(w[3], &ins.a))
                return false;
        }
        uint64_t constant = 0;
        ins.aux = uint32_t(p_.tables.size());
        for (size_t i = first_index; i < w.size(); ++i) {
            const Type* t = T(type);
            const Constant* index_constant = m_.constant(w[i]);
            std::vector<uint32_t> index_words;
            const bool constant_index = index_constant && constant_words(w[i], &index_words);
            const int64_t index_value =
                constant_index ? (index_words.size() == 2 ? int64_t(uint64_t(index_words[0]) | uint64_t(index_words[1]) << 32)
                                                          : int64_t(int32_t(index_words[0])))
                               : 0;
            uint64_t stride = 0;
            uint32_t next = 0;
            switch (t->kind) {
            case TypeKind::Struct:
                if (!constant_index || index_value < 0 || uint64_t(index_value) >= t->members.size())
                    return fail("a struct member index is not a constant in range");
                constant += member_offset(type, uint32_t(index_value), info.layout);
                info.layout = member_layout(type, uint32_t(index_value), info.layout);
                type = t->members[uint32_t(index_value)];
                continue;
            case TypeKind::Array:
            case TypeKind::RuntimeArray:
                stride = array_stride(type, info.layout);
                info.layout.vector_stride = 0;
                next = t->element;
                break;
            case TypeKind::Matrix:
                if (info.layout.row_major) {
                    // Column c of a row-major matrix starts c scalars in; its rows are a stride apart.
                    stride = scalar_bytes(T(t->element)->element);
                    info.layout.vector_stride = uint32_t(column_stride(type, info.layout));
                } else {
                    stride = column_stride(type, info.layout);
                }
                next = t->element;
                break;
            case TypeKind::Vector:
                stride = info.layout.vector_stride ? info.layout.vector_stride : scalar_bytes(t->element);
                info.layout.vector_stride = 0;
                next = t->element;
                break;
            default:
                return fail("an access chain indexes a scalar");
            }
            if (constant_index) {
                constant += uint64_t(index_value) * stride;
            } else {
                uint32_t index_reg;
                if (!reg(w[i], &index_reg))
                    return false;
                p_.tables.push_back(index_reg);
                p_.tables.push_back(uint32_t(stride));
                p_.tables.push_back(words(m_.type_of(w[i])));
                ++ins.aux_count;
                if (stride > UINT32_MAX)
                    return fail("an array stride beyond 4 GiB");
            }
            type = next;
        }
        ins.b = uint32_t(constant);
        ins.c = uint32_t(constant >> 32);
        ins.dst = define(in, w[2], w[1]);
        info.uniform = info.uniform && ins.aux_count == 0;  // a run-time index may differ per lane
        if (info.builtin != UINT32_MAX) {
            // Into a built-in (all words): constant indices name registers; dynamic ones need
            // the built-in in invocation memory as well.
            if (ins.aux_count == 0 && info.value_reg != UINT32_MAX && constant % 4 == 0) {
                info.value_reg += uint32_t(constant / 4);
            } else {
                info.value_reg = UINT32_MAX;
                need_builtin_memory(info.builtin, info.slot_or_offset);
            }
        }
        if (ins.aux_count == 0 && info.known_offset != kUnknownOffset) {
            // Constant indices from a known pointer: a known pointer, in a constant register (as
            // access_chain would compute it: kNowhere when it leaves 32 bits). No instruction.
            const uint64_t offset = uint64_t(info.known_offset) + constant;
            info.known_offset = offset >= kNowhere ? kNowhere : uint32_t(offset);
            p_.constants.push_back(ins.dst);
            p_.constants.push_back(info.known_offset);
            in.pointers[w[2]] = info;
            return true;
        }
        info.known_offset = kUnknownOffset;
        in.pointers[w[2]] = info;
        emit(ins);
        return true;
    }
    case Op::OpArrayLength: {
        // The runtime array's element count from the bound buffer's range: (range - offset) / stride.
        const PointerInfo* info = pointer_info(in, w[3]);
        if (!info || info->kind != MemoryKind::Buffer)
            return fail("OpArrayLength of something that is not a buffer");
        const Type* st = T(T(m_.type_of(w[3]))->element);
        const uint32_t struct_type = T(m_.type_of(w[3]))->element;
        if (!st || st->kind != TypeKind::Struct || w[4] >= st->members.size())
            return fail("OpArrayLength of a member that does not exist");
        Ins ins;
        ins.run = ops_.array_length;
        ins.dst = define(in, w[2], w[1]);
        ins.imm = info->slot_or_offset;
        ins.b = uint32_t(member_offset(struct_type, w[4], info->layout));
        ins.c = uint32_t(array_stride(st->members[w[4]], info->layout));
        emit(ins);
        return true;
    }
    case Op::OpCompositeConstruct: {
        const uint32_t dst = define(in, w[2], w[1]);
        uint32_t at = 0;
        for (size_t i = 3; i < w.size(); ++i) {
            Ins ins;
            ins.run = ops_.copy_words;
            ins.dst = dst + at;
            if (!reg(w[i], &ins.a))
                return false;
            const uint32_t type = m_.type_of(w[i]);
            ins.n = words(type);
            at += ins.n;
            emit(ins);
        }
        return at == words(w[1]) ? true : fail("constituents do not fill the composite");
    }
    case Op::OpCompositeExtract:
    case Op::OpCompositeInsert: {
        const bool insert = op == Op::OpCompositeInsert;
        const uint32_t composite = insert ? w[4] : w[3];
        uint32_t type = m_.type_of(composite);
        uint32_t offset = 0;
        for (size_t i = insert ? 5 : 4; i < w.size(); ++i) {
            const Type* t = T(type);
            if (!t)
                return fail("composite index into a non-composite");
            if (t->kind == TypeKind::Struct) {
                if (w[i] >= t->members.size())
                    return fail("member index out of range");
                for (uint32_t mbr = 0; mbr < w[i]; ++mbr)
                    offset += words(t->members[mbr]);
                type = t->members[w[i]];
            } else if (t->kind == TypeKind::Vector || t->kind == TypeKind::Matrix || t->kind == TypeKind::Array) {
                if (w[i] >= length(t))
                    return fail("component index out of range");
                offset += w[i] * words(t->element);
                type = t->element;
            } else {
                return fail("composite index into a scalar");
            }
        }
        const uint32_t dst = define(in, w[2], w[1]);
        uint32_t src;
        if (!reg(composite, &src))
            return false;
        if (!insert) {
            Ins ins;
            ins.run = ops_.copy_words;
            ins.dst = dst;
            ins.a = src + offset;
            ins.n = words(w[1]);
            emit(ins);
        } else {
            Ins all;
            all.run = ops_.copy_words;
            all.dst = dst;
            all.a = src;
            all.n = words(w[1]);
            emit(all);
            Ins part;
            part.run = ops_.copy_words;
            part.dst = dst + offset;
            if (!reg(w[3], &part.a))
                return false;
            part.n = words(type);
            emit(part);
        }
        return true;
    }
    case Op::OpCopyObject:
    case Op::OpCopyLogical: {
        Ins ins;
        ins.run = ops_.copy_words;
        if (!reg(w[3], &ins.a))
            return false;
        ins.dst = define(in, w[2], w[1]);
        ins.n = words(w[1]);
        emit(ins);
        if (const PointerInfo* info = in.pointers.count(w[3]) || global_pointers_.count(w[3]) ? pointer_info(in, w[3]) : nullptr)
            in.pointers[w[2]] = *info;
        return true;
    }
    case Op::OpBitcast: {
        if (words(w[1]) != words(m_.type_of(w[3])))
            return fail("bitcasts that change the number of registers are not supported yet");
        Ins ins;
        ins.run = ops_.copy_words;
        if (!reg(w[3], &ins.a))
            return false;
        ins.dst = define(in, w[2], w[1]);
        ins.n = words(w[1]);
        emit(ins);
        return true;
    }
    case Op::OpVectorShuffle: {
        const uint32_t v1 = m_.type_of(w[3]);
        const uint32_t count1 = T(v1)->count, cw = words(T(v1)->element);
        const uint32_t dst = define(in, w[2], w[1]);
        uint32_t a, b;
        if (!reg(w[3], &a) || !reg(w[4], &b))
            return false;
        for (size_t i = 5; i < w.size(); ++i) {
            if (w[i] == 0xffffffff)
                continue;  // undefined component
            Ins ins;
            ins.run = ops_.copy_words;
            ins.dst = dst + uint32_t(i - 5) * cw;
            ins.a = w[i] < count1 ? a + w[i] * cw : b + (w[i] - count1) * cw;
            ins.n = cw;
            emit(ins);
        }
        return true;
    }
    case Op::OpVectorExtractDynamic:
    case Op::OpVectorInsertDynamic: {
        const uint32_t vector_type = op == Op::OpVectorInsertDynamic ? w[1] : (m_.type_of(w[3]));
        const Type* vt = T(vector_type);
        Ins ins;
        ins.run = op == Op::OpVectorExtractDynamic ? ops_.extract_dynamic : ops_.insert_dynamic;
        ins.n = words(vt->element);
        ins.imm = vt->count;
        if (!reg(w[3], &ins.a) || !reg(w[4], op == Op::OpVectorExtractDynamic ? &ins.b : &ins.b))
            return false;
        if (op == Op::OpVectorInsertDynamic && !reg(w[5], &ins.c))
            return false;
        ins.dst = define(in, w[2], w[1]);
        emit(ins);
        return true;
    }
    case Op::OpSelect: {
        Ins ins;
        ins.run = ops_.select_words;
        if (!reg(w[3], &ins.a) || !reg(w[4], &ins.b) || !reg(w[5], &ins.c))
            return false;
        ins.dst = define(in, w[2], w[1]);
        ins.n = words(w[1]);
        const Type* cond = T(m_.type_of(w[3]));
        ins.imm = cond && cond->kind == TypeKind::Vector ? 1 : 0;
        ins.aux = std::max(1u, words(scalar_type(w[1])));
        emit(ins);
        return true;
    }
    case Op::OpPhi: {
        Phi phi;
        phi.dst = define(in, w[2], w[1]);
        phi.words = words(w[1]);
        phi.first_incoming = uint32_t(p_.incoming.size());
        for (size_t i = 3; i + 1 < w.size(); i += 2) {
            uint32_t value;
            if (!reg(w[i], &value))
                return false;
            p_.incoming.push_back(Incoming{w[i + 1], value});
            ++phi.incoming_count;
        }
        p_.phis.push_back(phi);
        ++block->phi_count;
        // Predecessor labels become IR block numbers once the function is emitted.
        for (uint32_t k = 0; k < phi.incoming_count; ++k)
            in.phi_incoming.push_back(phi.first_incoming + k);
        return true;
    }
    case Op::OpFunctionCall:
        return call(w, in, current);
    case Op::OpGroupNonUniformElect:
    case Op::OpGroupNonUniformAll:
    case Op::OpGroupNonUniformAny:
    case Op::OpGroupNonUniformAllEqual:
    case Op::OpGroupNonUniformBroadcast:
    case Op::OpGroupNonUniformBroadcastFirst:
    case Op::OpGroupNonUniformBallot:
    case Op::OpGroupNonUniformInverseBallot:
    case Op::OpGroupNonUniformBallotBitExtract:
    case Op::OpGroupNonUniformBallotBitCount:
    case Op::OpGroupNonUniformBallotFindLSB:
    case Op::OpGroupNonUniformBallotFindMSB:
    case Op::OpGroupNonUniformShuffle:
    case Op::OpGroupNonUniformShuffleXor:
    case Op::OpGroupNonUniformShuffleUp:
    case Op::OpGroupNonUniformShuffleDown:
    case Op::OpGroupNonUniformIAdd:
    case Op::OpGroupNonUniformFAdd:
    case Op::OpGroupNonUniformIMul:
    case Op::OpGroupNonUniformFMul:
    case Op::OpGroupNonUniformSMin:
    case Op::OpGroupNonUniformUMin:
    case Op::OpGroupNonUniformFMin:
    case Op::OpGroupNonUniformSMax:
    case Op::OpGroupNonUniformUMax:
    case Op::OpGroupNonUniformFMax:
    case Op::OpGroupNonUniformBitwiseAnd:
    case Op::OpGroupNonUniformBitwiseOr:
    case Op::OpGroupNonUniformBitwiseXor:
    case Op::OpGroupNonUniformLogicalAnd:
    case Op::OpGroupNonUniformLogicalOr:
    case Op::OpGroupNonUniformLogicalXor:
        return subgroup(inst.opcode, w, in);
    case Op::OpControlBarrier: {
        std::vector<uint32_t> scope;
        if (!constant_words(w[1], &scope) || scope.empty())
            return fail("barrier scope is not a constant");
        if (scope[0] == uint32_t(spv::Scope::Workgroup)) {
            // The block ends here; the rest starts after the barrier.
            p_.uses_barriers = true;
            const uint32_t next = new_block();
            block = &p_.blocks[*current];
            block->term = TermKind::Branch;
            block->target = next;
            p_.blocks[next].barrier_before = true;
            *current = next;
        }
        Ins ins;
        ins.run = ops_.memory_barrier;
        emit(ins);
        return true;
    }
    case Op::OpMemoryBarrier: {
        Ins ins;
        ins.run = ops_.memory_barrier;
        emit(ins);
        return true;
    }
    // ---- terminators ----
    case Op::OpBranch:
        block->term = TermKind::Branch;
        fixup(0, w[1]);
        return true;
    case Op::OpBranchConditional:
        block->term = TermKind::Conditional;
        if (!reg(w[1], &block->cond))
            return false;
        fixup(0, w[2]);
        fixup(1, w[3]);
        return true;
    case Op::OpSwitch: {
        const Type* selector = T(m_.type_of(w[1]));
        if (!selector || selector->kind != TypeKind::Int || selector->width > 32)
            return fail("switch on a 64-bit selector is not supported yet");
        if ((w.size() - 3) % 2)
            return fail("switch cases are not (literal, label) pairs");
        uint32_t sel;
        if (!reg(w[1], &sel))
            return false;
        block = &p_.blocks[*current];
        block->term = TermKind::Switch;
        block->cond = sel;
        block->first_case = uint32_t(p_.cases.size());
        for (size_t i = 3; i + 1 < w.size(); i += 2) {
            uint32_t value = w[i];
            if (selector->width < 32 && selector->is_signed && (value >> (selector->width - 1)) & 1)
                value |= ~((1u << selector->width) - 1);  // registers hold narrow signed values widened
            p_.cases.push_back(SwitchCase{value, w[i + 1]});
            ++block->case_count;
        }
        for (uint32_t k = 0; k < block->case_count; ++k)
            in.case_targets.push_back(block->first_case + k);
        fixup(0, w[2]);
        return true;
    }
    case Op::OpReturn:
    case Op::OpReturnValue:
        if (in.depth == 0) {
            block->term = TermKind::Return;
            return true;
        }
        block->term = TermKind::Branch;
        in.return_blocks.push_back(*current);
        if (op == Op::OpReturnValue) {
            uint32_t value;
            if (!reg(w[1], &value))
                return false;
            in.returns.push_back({*current, value});
        }
        return true;
    case Op::OpKill:
    case Op::OpTerminateInvocation:
    case Op::OpUnreachable:
        block->term = op == Op::OpUnreachable ? TermKind::Return : TermKind::Kill;
        return true;
    // ---- atomics ----
    case Op::OpAtomicLoad:
    case Op::OpAtomicStore:
    case Op::OpAtomicExchange:
    case Op::OpAtomicCompareExchange:
    case Op::OpAtomicIIncrement:
    case Op::OpAtomicIDecrement:
    case Op::OpAtomicIAdd:
    case Op::OpAtomicISub:
    case Op::OpAtomicSMin:
    case Op::OpAtomicUMin:
    case Op::OpAtomicSMax:
    case Op::OpAtomicUMax:
    case Op::OpAtomicAnd:
    case Op::OpAtomicOr:
    case Op::OpAtomicXor: {
        const bool is_store = op == Op::OpAtomicStore;
        const uint32_t pointer_id = is_store ? w[1] : w[3];
        const PointerInfo* info = pointer_info(in, pointer_id);
        if (!info)
            return false;
        const uint32_t value_type = is_store ? T(m_.type_of(pointer_id))->element : w[1];
        if (!scalar_of(value_type, &s))
            return fail("atomic on a non-scalar");
        Ins ins;
        ins.run = ops_.atomic(inst.opcode, s);
        if (!ins.run)
            return fail("atomics on this type are not supported");
        if (!reg(pointer_id, &ins.a))
            return false;
        set_range(ins, *info);
        ins.aux = uint32_t(p_.tables.size());
        uint32_t value = 0, comparator = 0;
        if (is_store) {
            if (!reg(w[4], &value))
                return false;
        } else if (op == Op::OpAtomicCompareExchange) {
            if (!reg(w[7], &value) || !reg(w[8], &comparator))
                return false;
        } else if (w.size() > 6) {
            if (!reg(w[6], &value))
                return false;
        }
        p_.tables.push_back(value);
        p_.tables.push_back(comparator);
        ins.dst = is_store ? allocate(2) : define(in, w[2], w[1]);
        emit(ins);
        return true;
    }
    // ---- products ----
    case Op::OpDot: {
        const uint32_t vt = m_.type_of(w[3]);
        if (!scalar_of(w[1], &s) || !ops_.dot(s))
            return fail("OpDot on this type is not supported");
        Ins ins;
        ins.run = ops_.dot(s);
        if (!reg(w[3], &ins.a) || !reg(w[4], &ins.b))
            return false;
        ins.n = T(vt)->count;
        ins.dst = define(in, w[2], w[1]);
        emit(ins);
        return true;
    }
    case Op::OpVectorTimesScalar:
    case Op::OpMatrixTimesScalar:
    case Op::OpMatrixTimesVector:
    case Op::OpVectorTimesMatrix:
    case Op::OpMatrixTimesMatrix:
    case Op::OpTranspose:
    case Op::OpOuterProduct: {
        if (!scalar_of(w[1], &s))
            return false;
        uint32_t code = inst.opcode == uint32_t(Op::OpMatrixTimesScalar) ? uint32_t(Op::OpVectorTimesScalar) : inst.opcode;
        Ins ins;
        ins.run = ops_.matrix(code, s);
        if (!ins.run)
            return fail("matrix operation on this type is not supported");
        if (!reg(w[3], &ins.a))
            return false;
        if (op != Op::OpTranspose && !reg(w[4], &ins.b))
            return false;
        const Type* result = T(w[1]);
        const uint32_t a_type = m_.type_of(w[3]);
        const Type* at = T(a_type);
        switch (op) {
        case Op::OpVectorTimesScalar:
        case Op::OpMatrixTimesScalar:
            ins.n = components(w[1]);
            ins.imm = 1;
            break;
        case Op::OpMatrixTimesVector:  // matrix (columns of `rows`) x vector
            ins.n = result->count;
            ins.imm = 1;
            ins.aux = at->count;
            break;
        case Op::OpVectorTimesMatrix:
            ins.n = 1;
            ins.imm = result->count;
            ins.aux = at->count;
            break;
        case Op::OpMatrixTimesMatrix:
            ins.n = T(result->element)->count;
            ins.imm = result->count;
            ins.aux = at->count;
            break;
        case Op::OpTranspose:
            ins.n = T(result->element)->count;
            ins.imm = result->count;
            break;
        default:  // OuterProduct
            ins.n = T(result->element)->count;
            ins.imm = result->count;
            break;
        }
        ins.dst = define(in, w[2], w[1]);
        emit(ins);
        return true;
    }
    // ---- conversions ----
    case Op::OpConvertFToU:
    case Op::OpConvertFToS:
    case Op::OpConvertSToF:
    case Op::OpConvertUToF:
    case Op::OpUConvert:
    case Op::OpSConvert:
    case Op::OpFConvert: {
        const uint32_t from_type = m_.type_of(w[3]);
        Scalar from{}, to{};
        if (!scalar_of(w[1], &to) || !scalar_of(from_type, &from))
            return fail("conversion of a non-numeric value");
        // The spec names the signedness by the opcode, not the types: read and write accordingly.
        auto with_sign = [](Scalar x, bool is_signed) {
            switch (x) {
            case Scalar::I8: case Scalar::U8: return is_signed ? Scalar::I8 : Scalar::U8;
            case Scalar::I16: case Scalar::U16: return is_signed ? Scalar::I16 : Scalar::U16;
            case Scalar::I32: case Scalar::U32: return is_signed ? Scalar::I32 : Scalar::U32;
            case Scalar::I64: case Scalar::U64: return is_signed ? Scalar::I64 : Scalar::U64;
            default: return x;
            }
        };
        if (op == Op::OpConvertSToF || op == Op::OpSConvert)
            from = with_sign(from, true);
        if (op == Op::OpConvertUToF || op == Op::OpUConvert)
            from = with_sign(from, false);
        if (op == Op::OpConvertFToS || op == Op::OpSConvert)
            to = with_sign(to, true);
        if (op == Op::OpConvertFToU || op == Op::OpUConvert)
            to = with_sign(to, false);
        Ins ins;
        ins.run = ops_.conversion(inst.opcode, to, from);
        if (!ins.run)
            return fail("conversion between these types is not supported");
        if (!reg(w[3], &ins.a))
            return false;
        ins.n = components(w[1]);
        ins.dst = define(in, w[2], w[1]);
        emit(ins);
        return true;
    }
    // ---- extended instructions ----
    case Op::OpExtInst: {
        if (w[3] != m_.glsl_std_450())
            return fail("an extended instruction set other than GLSL.std.450");
        const uint32_t number = w[4];
        if (number == 59 || number == 65) {
            // PackDouble2x32 / UnpackDouble2x32: a double is its two words, low first, in registers
            // as in memory -- the same registers.
            Ins ins;
            ins.run = ops_.copy_words;
            if (w.size() < 6 || !reg(w[5], &ins.a))
                return false;
            ins.n = words(w[1]);
            ins.dst = define(in, w[2], w[1]);
            emit(ins);
            return true;
        }
        if (number == 36) {
            // ModfStruct: {fraction, whole part}, both of the operand's type.
            const uint32_t member = T(w[1])->members.empty() ? 0 : T(w[1])->members[0];
            if (!scalar_of(member, &s))
                return fail("ModfStruct of a non-float");
            Ins ins;
            ins.run = ops_.glsl(35, s);
            ins.n = components(member);
            if (!ins.run || w.size() < 6 || !reg(w[5], &ins.a))
                return fail("ModfStruct on this type is not supported");
            ins.dst = define(in, w[2], w[1]);
            ins.c = ins.dst + words(member);
            emit(ins);
            return true;
        }
        if (number != 52 && !scalar_of(w[1], &s))
            return fail("GLSL.std.450 instruction on a non-numeric type");
        // Length and Distance return a scalar of vector operands: the components come from the operand.
        const uint32_t operand_type = w.size() > 5 ? (m_.type_of(w[5])) : w[1];
        Ins ins;
        ins.run = ops_.glsl(number, s);
        ins.imm = number;  // the packing instructions read it
        if (number == 52) {
            // FrexpStruct: the struct's first member is the fraction type.
            if (!scalar_of(T(w[1])->members.empty() ? 0 : T(w[1])->members[0], &s))
                return fail("FrexpStruct of a non-float");
            ins.run = ops_.glsl(number, s);
            ins.n = components(T(w[1])->members[0]);
            if (!reg(w[5], &ins.a))
                return false;
            ins.dst = define(in, w[2], w[1]);
            emit(ins);
            return true;
        }
        if (number == 35 || number == 51) {
            // Modf, Frexp: the whole part (the exponent) goes through the pointer operand.
            const PointerInfo* info = pointer_info(in, w[6]);
            if (!ins.run || !info)
                return fail("Modf on this type or pointer is not supported");
            ins.n = components(w[1]);
            if (!reg(w[5], &ins.a))
                return false;
            const uint32_t stored_type = T(m_.type_of(w[6]))->element;
            ins.c = allocate(std::max(words(w[1]), words(stored_type)));
            ins.dst = define(in, w[2], w[1]);
            emit(ins);
            uint32_t pointer;
            return reg(w[6], &pointer) && emit_memory(ops_.store, ins.c, pointer, *info, stored_type);
        }
        if (!ins.run) {
            // Abs/Sign/Min/Max/Clamp name the signedness: the opcode decides, the type's width stays.
            return fail("GLSL.std.450 instruction " + std::to_string(number) + " is not supported on this type yet");
        }
        ins.n = (number == 66 || number == 67 || number == 69 || number == 70 || number == 71 || number == 72)
                    ? components(operand_type)
                : (number == 33 || number == 34) ? T(operand_type)->count
                                                 : components(w[1]);
        if (w.size() > 5 && !reg(w[5], &ins.a))
            return false;
        if (w.size() > 6 && !reg(w[6], &ins.b))
            return false;
        if (w.size() > 7 && !reg(w[7], &ins.c))
            return false;
        ins.dst = define(in, w[2], w[1]);
        emit(ins);
        return true;
    }
    default:
        break;
    }
    // Arithmetic, bits, comparisons, logic: one handler per opcode and operand scalar type.
    if (inst.opcode == uint32_t(Op::OpAny) || inst.opcode == uint32_t(Op::OpAll)) {
        Ins ins;
        ins.run = ops_.arithmetic(inst.opcode, Scalar::Bool);
        if (!reg(w[3], &ins.a))
            return false;
        ins.n = components(m_.type_of(w[3]));
        ins.imm = op == Op::OpAll ? 1 : 0;
        ins.dst = define(in, w[2], w[1]);
        emit(ins);
        return true;
    }
    if (w.size() >= 4 && T(w[1])) {
        const uint32_t operand_type = m_.type_of(w[3]);
        if (!operand_type || !scalar_of(operand_type, &s))
            return fail(std::string("operands of ") + std::to_string(inst.opcode) + " are not numbers");
        // Signedness of integer operations is the opcode's, not the type's.
        Ins ins;
        ins.run = ops_.arithmetic(inst.opcode, s);
        if (!ins.run) {
            const grammar::Instruction* g = grammar::instruction(inst.opcode);
            return fail(std::string(g ? g->name : "an instruction") + " is not supported yet");
        }
        if (!reg(w[3], &ins.a))
            return false;
        if (w.size() > 4 && !reg(w[4], &ins.b))
            return false;
        if (w.size() > 5 && !reg(w[5], &ins.c))
            return false;
        if (op == Op::OpBitFieldInsert && (w.size() < 7 || !reg(w[6], &ins.imm)))
            return fail("OpBitFieldInsert without its count");
        if (op == Op::OpShiftLeftLogical || op == Op::OpShiftRightLogical || op == Op::OpShiftRightArithmetic) {
            const uint32_t shift_type = m_.type_of(w[4]);
            ins.imm = words(scalar_type(shift_type));
        }
        ins.n = components(operand_type);
        ins.dst = define(in, w[2], w[1]);
        emit(ins);
        return true;
    }
    const grammar::Instruction* g = grammar::instruction(inst.opcode);
    return fail(std::string(g ? g->name : "an instruction") + " is not supported yet");
}

bool Lowerer::call(std::span<const uint32_t> w, Instance& caller, uint32_t* current) {
    const Function* callee = m_.function(w[3]);
    if (!callee)
        return fail("a call of something that is not a function");
    if (callee->parameters.size() != w.size() - 4)
        return fail("a call with the wrong number of arguments");
    Instance in;
    in.depth = caller.depth + 1;
    for (size_t i = 0; i < callee->parameters.size(); ++i) {
        uint32_t r;
        if (!use(caller, w[4 + i], &r))
            return false;
        in.reg[callee->parameters[i]] = r;
        if (caller.pointers.count(w[4 + i]) || global_pointers_.count(w[4 + i]))
            in.pointers[callee->parameters[i]] = *pointer_info(caller, w[4 + i]);
    }
    // The caller's block ends with a branch into the callee's first block (emitted next).
    const uint32_t entry = uint32_t(p_.blocks.size());
    p_.blocks[*current].term = TermKind::Branch;
    p_.blocks[*current].target = entry;
    if (!function(*callee, in))
        return false;
    // Returns go to the continuation, where the result is a phi of the returned values.
    const uint32_t continuation = new_block();
    for (uint32_t block : in.return_blocks)
        p_.blocks[block].target = continuation;
    const uint32_t result_type = callee->result_type;
    if (words(result_type)) {
        Phi phi;
        phi.dst = define(caller, w[2], result_type);
        phi.words = words(result_type);
        phi.first_incoming = uint32_t(p_.incoming.size());
        for (const auto& [block, value] : in.returns) {
            p_.incoming.push_back(Incoming{block, value});
            ++phi.incoming_count;
        }
        p_.phis.push_back(phi);
        ++p_.blocks[continuation].phi_count;
    }
    *current = continuation;
    return true;
}

}  // namespace

namespace {

// Joins a block that ends in a plain branch to the block it branches to, when that block has no
// other predecessor, no phis and no barrier, and its instructions follow in the code (SPIR-V's
// usual order for a loop body and its continue block): lanes then run both without going back to
// the scheduler. The joined block stays in the program, unreachable; edges that named it as a
// phi's predecessor now name the block it joined.
void merge_straight_blocks(Program& p) {
    std::vector<uint32_t> predecessors(p.blocks.size(), 0);
    auto count = [&](uint32_t target) {
        if (target < predecessors.size())
            ++predecessors[target];
    };
    for (const IrBlock& b : p.blocks) {
        switch (b.term) {
        case TermKind::Branch: count(b.target); break;
        case TermKind::Conditional: count(b.target); count(b.target2); break;
        case TermKind::Switch:
            count(b.target);
            for (uint32_t c = 0; c < b.case_count; ++c)
                count(p.cases[b.first_case + c].block);
            break;
        default: break;
        }
    }
    for (uint32_t a = 0; a < p.blocks.size(); ++a) {
        IrBlock& first = p.blocks[a];
        while (first.term == TermKind::Branch && first.target != 0 && first.target != a &&
               first.target < p.blocks.size()) {
            const uint32_t b = first.target;
            const IrBlock& next = p.blocks[b];
            if (predecessors[b] != 1 || next.phi_count || next.barrier_before || next.first != first.first + first.count)
                break;
            first.count += next.count;
            first.term = next.term;
            first.cond = next.cond;
            first.target = next.target;
            first.target2 = next.target2;
            first.first_case = next.first_case;
            first.case_count = next.case_count;
            for (Incoming& in : p.incoming)
                if (in.block == b)
                    in.block = a;
            predecessors[b] = 0;
        }
    }
}

}  // namespace

// The phi copies of each block's branch and conditional edges, listed once (Program::edge_copies)
// so that lanes taking an edge copy without searching each phi's predecessors. Edges into a block
// whose phis read each other, and switch edges, keep the general path (executor.cpp take_edge).
void plan_edges(Program& p) {
    for (uint32_t from = 0; from < p.blocks.size(); ++from) {
        IrBlock& block = p.blocks[from];
        const uint32_t targets[2] = {block.target, block.target2};
        const uint32_t edges = block.term == TermKind::Branch ? 1 : block.term == TermKind::Conditional ? 2 : 0;
        for (uint32_t e = 0; e < edges; ++e) {
            if (targets[e] >= p.blocks.size() || p.blocks[targets[e]].phis_read_phis)
                continue;
            const IrBlock& to = p.blocks[targets[e]];
            block.edge_first[e] = uint32_t(p.edge_copies.size());
            for (uint32_t i = 0; i < to.phi_count; ++i) {
                const Phi& phi = p.phis[to.first_phi + i];
                for (uint32_t k = 0; k < phi.incoming_count; ++k) {
                    const Incoming& in = p.incoming[phi.first_incoming + k];
                    if (in.block != from)
                        continue;
                    for (uint32_t w = 0; w < phi.words; ++w)
                        p.edge_copies.push_back({phi.dst + w, in.reg + w});
                    break;
                }
            }
            block.edge_count[e] = uint32_t(p.edge_copies.size()) - block.edge_first[e];
            block.edge_planned[e] = true;
        }
    }
}

bool lower(const Module& module, uint32_t execution_model, const std::string& entry_point,
           const Specialization& specialization, Program* out, std::string* error) {
    Program program;
    error->clear();
    Lowerer lowerer(module, specialization, program, error);
    if (!lowerer.run(execution_model, entry_point))
        return false;
    merge_straight_blocks(program);
    // Blocks whose phis read each other need their edge values gathered before any is written.
    for (IrBlock& block : program.blocks)
        for (uint32_t i = 0; i < block.phi_count && !block.phis_read_phis; ++i) {
            const Phi& phi = program.phis[block.first_phi + i];
            for (uint32_t k = 0; k < phi.incoming_count; ++k) {
                const uint32_t reg = program.incoming[phi.first_incoming + k].reg;
                for (uint32_t j = 0; j < block.phi_count; ++j) {
                    const Phi& other = program.phis[block.first_phi + j];
                    if (reg < other.dst + other.words && other.dst < reg + phi.words)
                        block.phis_read_phis = true;
                }
            }
        }
    plan_edges(program);
    *out = std::move(program);
    return true;
}

}  // namespace kiln::spirv
