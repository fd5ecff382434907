// The Lowerer (lower.cpp): its state and small helpers, shared by the files that lower one kind of
// instruction each -- lower.cpp (control flow, functions, composites, arithmetic), lower_memory.cpp
// (variables, loads and stores, access chains, atomics), lower_glsl.cpp (GLSL.std.450),
// lower_image.cpp (images, samplers, texel buffers). Private to src/spirv.
#pragma once

#include <algorithm>
#include <cstring>
#include <span>
#include <spirv/unified1/GLSL.std.450.h>
#include <spirv/unified1/spirv.hpp11>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ir.h"
#include "lower_image.h"
#include "module.h"
#include "ops.h"

namespace kiln::spirv::lowering {

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
    // An Input variable (or a place in one): nothing writes its registers after the batch starts,
    // so a load may name them instead of copying them.
    bool read_only = false;
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
        // Forwarded variables (find_memory_variables): the register of the value stored.
        std::unordered_map<uint32_t, uint32_t> forwarded;
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
    // Defines `id` as the registers from `r` on, which hold its value already: a value defined by
    // copying words another value (or an input) keeps in registers nothing writes again while that
    // value lives -- values are written only where they are defined. When the id was given
    // registers before (a phi naming it), the words are copied there.
    void alias(Instance& in, uint32_t id, uint32_t type, uint32_t r);
    // The first of the four registers of the fragment's FragCoord built-in input, which the stage
    // fills at batch start; a hidden one is added when the shader declares none. UINT32_MAX when the
    // shader's own FragCoord lives in memory.
    uint32_t frag_coord_register();
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
    bool workgroup_size(const EntryPoint& entry);
    // Variables kept in registers instead of invocation memory (lower_memory.cpp): those of
    // Function, Private, and graphics Input/Output storage that every access reaches by whole
    // loads and stores or constant indices.
    void find_memory_variables();
    bool in_registers(uint32_t variable, uint32_t storage_class, uint32_t pointee) const;
    bool register_layout(uint32_t type) const;
    bool store_value(uint32_t value, uint32_t pointer, const PointerInfo& info, uint32_t type);
    // Vertex and fragment shaders' Input and Output variables (lower_interface.cpp): invocation
    // memory, described in Program::stage.
    bool interface_variable(uint32_t id, bool output, uint32_t pointee, uint32_t offset, uint32_t reg);
    bool interface_slots_of(uint32_t id, bool output, uint32_t pointee, uint32_t offset);
    bool interface_slots(uint32_t type, uint32_t offset, int64_t* location, uint32_t component,
                         const Decorations& d, std::vector<InterfaceSlot>* out);
    bool derivative(uint32_t opcode, std::span<const uint32_t> w, Instance& in);
    bool memory(const Instruction& inst, Instance& in);
    bool extended(std::span<const uint32_t> w, Instance& in);
    bool subgroup(uint32_t opcode, std::span<const uint32_t> w, Instance& in);
    bool function(const Function& f, Instance& in);
    bool instruction(const Instruction& inst, Instance& in, uint32_t* current);
    bool call(std::span<const uint32_t> w, Instance& caller, uint32_t* current);

    const Ops& ops_ = ops();  // the handlers for this CPU
    uint32_t model_ = 5;      // the entry point's ExecutionModel (5: GLCompute)
    const Module& m_;
    const Binary& b_;
    const Specialization& spec_;
    Program& p_;
    std::string* error_;
    std::unordered_map<uint32_t, uint32_t> globals_;            // constants and global variables
    std::unordered_map<uint32_t, PointerInfo> global_pointers_;  // global variables
    std::vector<std::pair<uint32_t, uint32_t>> private_initializers_;  // (variable, constant)
    std::unordered_set<uint32_t> memory_variables_;  // variables some access needs in memory
    // Function variables stored once and loaded only after that store in the same block (what
    // compilers emit for a local without optimization): the loads name the stored value's
    // registers, and the store emits nothing.
    std::unordered_set<uint32_t> forwarded_variables_;
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
        h.alias = [this, &in](uint32_t id, uint32_t type, uint32_t reg) { alias(in, id, type, reg); };
        h.allocate = [this](uint32_t n) { return allocate(n); };
        h.frag_coord = [this] { return frag_coord_register(); };
        h.constant_register = [this](uint32_t value) { return constant_register(value); };
        h.emit = [this](const Ins& ins) { emit(ins); };
        h.fail = [this](const std::string& why) { return fail(why); };
        h.constant_words = [this](uint32_t id, std::vector<uint32_t>* out) { return constant_words(id, out); };
        h.length = [this](const Type* t) { return length(t); };
        return h;
    }
};

}  // namespace kiln::spirv::lowering
