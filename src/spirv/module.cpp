#include "module.h"

#include <spirv/unified1/spirv.hpp11>

#include "spirv_grammar.h"

namespace kiln::spirv {

namespace {

using spv::Op;

// The string operand starting at words[at] (Binary checked that it is nul-terminated); `after`
// receives the index of the word after it.
std::string read_string(std::span<const uint32_t> words, size_t at, size_t* after) {
    std::string s;
    for (; at < words.size(); ++at) {
        const uint32_t w = words[at];
        for (int byte = 0; byte < 4; ++byte) {
            const char c = char((w >> (8 * byte)) & 0xff);
            if (!c) {
                *after = at + 1;
                return s;
            }
            s += c;
        }
    }
    *after = words.size();
    return s;
}

bool is_terminator(Op op) {
    switch (op) {
    case Op::OpBranch:
    case Op::OpBranchConditional:
    case Op::OpSwitch:
    case Op::OpReturn:
    case Op::OpReturnValue:
    case Op::OpKill:
    case Op::OpUnreachable:
    case Op::OpTerminateInvocation:
        return true;
    default:
        return false;
    }
}

bool is_scalar(const Type* t) {
    return t && (t->kind == TypeKind::Bool || t->kind == TypeKind::Int || t->kind == TypeKind::Float);
}

bool has_storage_layout(uint32_t storage_class) {
    const auto sc = spv::StorageClass(storage_class);
    return sc == spv::StorageClass::Uniform || sc == spv::StorageClass::StorageBuffer ||
           sc == spv::StorageClass::PushConstant || sc == spv::StorageClass::PhysicalStorageBuffer;
}

const Decorations kNoDecorations{};

Type make_type(TypeKind kind) {
    Type t;
    t.kind = kind;
    return t;
}

}  // namespace

const Decorations& Module::decorations(uint32_t id) const {
    auto it = decorations_.find(id);
    return it == decorations_.end() ? kNoDecorations : it->second;
}

const Decorations& Module::member_decorations(uint32_t struct_id, uint32_t member) const {
    auto it = member_decorations_.find(uint64_t(struct_id) << 32 | member);
    return it == member_decorations_.end() ? kNoDecorations : it->second;
}

const EntryPoint* Module::entry_point(uint32_t model, const std::string& name) const {
    for (const EntryPoint& e : entry_points_)
        if (e.execution_model == model && e.name == name)
            return &e;
    return nullptr;
}

uint64_t Module::size_of(uint32_t id) const {
    const Type* t = type(id);
    if (!t)
        return 0;
    switch (t->kind) {
    case TypeKind::Bool:
        return 4;
    case TypeKind::Int:
    case TypeKind::Float:
        return t->width / 8;
    case TypeKind::Vector:
        return size_of(t->element) * t->count;
    case TypeKind::Matrix: {
        // Column major unless decorated otherwise; the stride is a member decoration, so a bare
        // matrix is tightly packed columns.
        return size_of(t->element) * t->count;
    }
    case TypeKind::Array: {
        const int64_t stride = decorations(id).array_stride;
        return (stride > 0 ? uint64_t(stride) : size_of(t->element)) * t->count;
    }
    case TypeKind::Struct: {
        uint64_t end = 0;
        for (uint32_t m = 0; m < t->members.size(); ++m) {
            const Decorations& d = member_decorations(id, m);
            const Type* mt = type(t->members[m]);
            uint64_t size = size_of(t->members[m]);
            if (mt && mt->kind == TypeKind::Matrix && d.matrix_stride > 0) {
                const Type* column = type(mt->element);
                const uint64_t vectors = d.row_major && column ? column->count : mt->count;
                size = uint64_t(d.matrix_stride) * vectors;
            }
            const uint64_t offset = d.offset >= 0 ? uint64_t(d.offset) : end;
            end = std::max(end, offset + size);
        }
        return end;
    }
    case TypeKind::Pointer:
        return 8;
    default:
        return 0;
    }
}

bool Module::build(const Binary& binary, Module* out, std::string* error) {
    Module m;
    m.binary_ = &binary;
    m.result_types_.assign(binary.bound(), 0);
    Function* function = nullptr;
    Block* block = nullptr;
    bool in_block = false;
    const auto& instructions = binary.instructions();

    for (uint32_t index = 0; index < instructions.size(); ++index) {
        const Instruction& inst = instructions[index];
        const std::span<const uint32_t> w = binary.words(inst);
        const Op op = Op(inst.opcode);
        const grammar::Instruction* g = grammar::instruction(inst.opcode);
        auto fail = [&](const std::string& what) {
            *error = "at word " + std::to_string(inst.offset) + ": " + g->name + ": " + what;
            return false;
        };
        // Every result type must be a type declared before (SPIR-V's layout rules).
        if (g->operand_count >= 2 && grammar::kOperands[g->first_operand].kind == grammar::OperandKind::IdResultType) {
            if (!m.type(w[1]))
                return fail("result type " + std::to_string(w[1]) + " is not a type");
            m.result_types_[w[2]] = w[1];
        }
        auto type_of_kind = [&](uint32_t id, std::initializer_list<TypeKind> kinds) -> const Type* {
            const Type* t = m.type(id);
            if (!t)
                return nullptr;
            for (TypeKind k : kinds)
                if (t->kind == k)
                    return t;
            return nullptr;
        };

        switch (op) {
        // ---- entry points, modes, names ----
        case Op::OpEntryPoint: {
            EntryPoint e;
            e.execution_model = w[1];
            e.function = w[2];
            size_t after = 0;
            e.name = read_string(w, 3, &after);
            e.interface.assign(w.begin() + std::min(after, w.size()), w.end());
            m.entry_points_.push_back(std::move(e));
            break;
        }
        case Op::OpExecutionMode:
        case Op::OpExecutionModeId: {
            const auto mode = spv::ExecutionMode(w[2]);
            for (EntryPoint& e : m.entry_points_) {
                if (e.function != w[1])
                    continue;
                if (mode == spv::ExecutionMode::OriginUpperLeft)
                    e.origin_upper_left = true;
                else if (mode == spv::ExecutionMode::EarlyFragmentTests)
                    e.early_fragment_tests = true;
                else if (mode == spv::ExecutionMode::DepthReplacing)
                    e.depth_replacing = true;
                if ((mode != spv::ExecutionMode::LocalSize && mode != spv::ExecutionMode::LocalSizeId) || w.size() < 6)
                    continue;
                for (int i = 0; i < 3; ++i) {
                    if (mode == spv::ExecutionMode::LocalSize)
                        e.local_size[i] = w[3 + i];
                    else
                        e.local_size_id[i] = w[3 + i];
                }
            }
            break;
        }
        case Op::OpDecorationGroup:
        case Op::OpGroupDecorate:
        case Op::OpGroupMemberDecorate:
            return fail("decoration groups are not supported (deprecated since SPIR-V 1.2)");
        case Op::OpDecorate:
        case Op::OpDecorateId:
        case Op::OpMemberDecorate: {
            const bool member = op == Op::OpMemberDecorate;
            Decorations& d = member ? m.member_decorations_[uint64_t(w[1]) << 32 | w[2]] : m.decorations_[w[1]];
            const size_t at = member ? 3 : 2;
            const auto decoration = spv::Decoration(w[at]);
            const int64_t value = at + 1 < w.size() ? int64_t(w[at + 1]) : 0;
            switch (decoration) {
            case spv::Decoration::Binding: d.binding = value; break;
            case spv::Decoration::DescriptorSet: d.set = value; break;
            case spv::Decoration::Location: d.location = value; break;
            case spv::Decoration::BuiltIn: d.builtin = value; break;
            case spv::Decoration::Offset: d.offset = value; break;
            case spv::Decoration::ArrayStride: d.array_stride = value; break;
            case spv::Decoration::MatrixStride: d.matrix_stride = value; break;
            case spv::Decoration::SpecId: d.spec_id = value; break;
            case spv::Decoration::Block: d.block = true; break;
            case spv::Decoration::BufferBlock: d.buffer_block = true; break;
            case spv::Decoration::RowMajor: d.row_major = true; break;
            case spv::Decoration::ColMajor: d.col_major = true; break;
            case spv::Decoration::NonWritable: d.non_writable = true; break;
            case spv::Decoration::NonReadable: d.non_readable = true; break;
            case spv::Decoration::RelaxedPrecision: d.relaxed_precision = true; break;
            case spv::Decoration::NoContraction: d.no_contraction = true; break;
            case spv::Decoration::Component: d.component = value; break;
            case spv::Decoration::Index: d.index = value; break;
            case spv::Decoration::Flat: d.flat = true; break;
            case spv::Decoration::NoPerspective: d.no_perspective = true; break;
            case spv::Decoration::Centroid: d.centroid = true; break;
            default: break;  // decorations that change nothing Kiln does
            }
            break;
        }
        case Op::OpExtInstImport: {
            size_t after = 0;
            if (read_string(w, 2, &after) == "GLSL.std.450")
                m.glsl_std_450_ = w[1];
            break;
        }

        // ---- types ----
        case Op::OpTypeVoid: m.types_[w[1]] = make_type(TypeKind::Void); break;
        case Op::OpTypeBool: m.types_[w[1]] = make_type(TypeKind::Bool); break;
        case Op::OpTypeInt: {
            if (w[2] != 8 && w[2] != 16 && w[2] != 32 && w[2] != 64)
                return fail("integer width " + std::to_string(w[2]));
            if (w[3] > 1)
                return fail("signedness " + std::to_string(w[3]));
            Type t = make_type(TypeKind::Int);
            t.width = w[2];
            t.is_signed = w[3] == 1;
            m.types_[w[1]] = t;
            break;
        }
        case Op::OpTypeFloat: {
            if (w[2] != 16 && w[2] != 32 && w[2] != 64)
                return fail("float width " + std::to_string(w[2]));
            Type t = make_type(TypeKind::Float);
            t.width = w[2];
            m.types_[w[1]] = t;
            break;
        }
        case Op::OpTypeVector: {
            if (!is_scalar(m.type(w[2])) || w[3] < 2 || w[3] > 4)
                return fail("a vector is 2 to 4 scalars");
            Type t = make_type(TypeKind::Vector);
            t.element = w[2];
            t.count = w[3];
            m.types_[w[1]] = t;
            break;
        }
        case Op::OpTypeMatrix: {
            const Type* column = type_of_kind(w[2], {TypeKind::Vector});
            if (!column || m.type(column->element)->kind != TypeKind::Float || w[3] < 2 || w[3] > 4)
                return fail("a matrix is 2 to 4 float vectors");
            Type t = make_type(TypeKind::Matrix);
            t.element = w[2];
            t.count = w[3];
            m.types_[w[1]] = t;
            break;
        }
        case Op::OpTypeArray: {
            const Type* element = m.type(w[2]);
            const Constant* length = m.constant(w[3]);
            const Type* length_type = length ? m.type(length->type) : nullptr;
            if (!element || element->kind == TypeKind::Void || element->kind == TypeKind::RuntimeArray)
                return fail("bad array element type");
            if (!length || !length_type || length_type->kind != TypeKind::Int || length->words.empty())
                return fail("array length is not an integer constant");
            // A specialization-constant length gets its value at pipeline creation; the default here.
            if (length->words[0] == 0 || (length_type->width == 64 && length->words.size() > 1 && length->words[1]))
                return fail("array length must be 1 to 2^32-1");
            Type t = make_type(TypeKind::Array);
            t.element = w[2];
            t.count = length->words[0];
            t.length_id = w[3];
            m.types_[w[1]] = t;
            break;
        }
        case Op::OpTypeRuntimeArray: {
            const Type* element = m.type(w[2]);
            if (!element || element->kind == TypeKind::Void || element->kind == TypeKind::RuntimeArray)
                return fail("bad runtime array element type");
            Type t = make_type(TypeKind::RuntimeArray);
            t.element = w[2];
            m.types_[w[1]] = t;
            break;
        }
        case Op::OpTypeStruct: {
            Type t = make_type(TypeKind::Struct);
            for (size_t i = 2; i < w.size(); ++i) {
                const Type* member = m.type(w[i]);
                if (!member || member->kind == TypeKind::Void || member->kind == TypeKind::Function)
                    return fail("member " + std::to_string(i - 2) + " is not a data type");
                t.members.push_back(w[i]);
            }
            m.types_[w[1]] = t;
            break;
        }
        case Op::OpTypeForwardPointer:
            return fail("forward pointers (physical storage buffers) are not supported");
        case Op::OpTypePointer: {
            if (!m.type(w[3]))
                return fail("pointee is not a type");
            Type t = make_type(TypeKind::Pointer);
            t.storage_class = w[2];
            t.element = w[3];
            m.types_[w[1]] = t;
            break;
        }
        case Op::OpTypeFunction: {
            Type t = make_type(TypeKind::Function);
            t.element = w[2];
            for (size_t i = 3; i < w.size(); ++i) {
                if (!m.type(w[i]))
                    return fail("parameter type is not a type");
                t.members.push_back(w[i]);
            }
            if (!m.type(w[2]))
                return fail("return type is not a type");
            m.types_[w[1]] = t;
            break;
        }
        case Op::OpTypeImage: {
            const Type* sampled = m.type(w[2]);
            if (!sampled || (sampled->kind != TypeKind::Void && !is_scalar(sampled)))
                return fail("sampled type is not a scalar");
            Type t = make_type(TypeKind::Image);
            t.element = w[2];
            t.dim = w[3];
            t.depth = w[4];
            t.arrayed = w[5];
            t.multisampled = w[6];
            t.sampled = w[7];
            t.format = w[8];
            m.types_[w[1]] = t;
            break;
        }
        case Op::OpTypeSampler: m.types_[w[1]] = make_type(TypeKind::Sampler); break;
        case Op::OpTypeSampledImage: {
            if (!type_of_kind(w[2], {TypeKind::Image}))
                return fail("not an image type");
            Type t = make_type(TypeKind::SampledImage);
            t.element = w[2];
            m.types_[w[1]] = t;
            break;
        }

        // ---- constants ----
        case Op::OpConstantTrue:
        case Op::OpConstantFalse:
        case Op::OpSpecConstantTrue:
        case Op::OpSpecConstantFalse: {
            if (!type_of_kind(w[1], {TypeKind::Bool}))
                return fail("not a Bool type");
            Constant c;
            c.type = w[1];
            c.specialization = op == Op::OpSpecConstantTrue || op == Op::OpSpecConstantFalse;
            c.words = {op == Op::OpConstantTrue || op == Op::OpSpecConstantTrue ? 1u : 0u};
            m.constants_[w[2]] = c;
            break;
        }
        case Op::OpConstant:
        case Op::OpSpecConstant: {
            const Type* t = type_of_kind(w[1], {TypeKind::Int, TypeKind::Float});
            if (!t)
                return fail("a literal constant is an integer or a float");
            const size_t words = t->width == 64 ? 2 : 1;
            if (w.size() != 3 + words)
                return fail("a " + std::to_string(t->width) + "-bit constant is " + std::to_string(words) + " word(s)");
            Constant c;
            c.type = w[1];
            c.specialization = op == Op::OpSpecConstant;
            c.words.assign(w.begin() + 3, w.end());
            m.constants_[w[2]] = c;
            break;
        }
        case Op::OpConstantComposite:
        case Op::OpSpecConstantComposite: {
            const Type* t = type_of_kind(w[1], {TypeKind::Vector, TypeKind::Matrix, TypeKind::Array, TypeKind::Struct});
            if (!t)
                return fail("not a composite type");
            const size_t expected = t->kind == TypeKind::Struct ? t->members.size() : t->count;
            if (w.size() - 3 != expected)
                return fail("wrong number of constituents");
            Constant c;
            c.type = w[1];
            c.specialization = op == Op::OpSpecConstantComposite;
            for (size_t i = 3; i < w.size(); ++i) {
                const Constant* part = m.constant(w[i]);
                const uint32_t want = t->kind == TypeKind::Struct ? t->members[i - 3] : t->element;
                if (!part || part->type != want)
                    return fail("constituent " + std::to_string(i - 3) + " is not a constant of the right type");
                c.constituents.push_back(w[i]);
            }
            m.constants_[w[2]] = c;
            break;
        }
        case Op::OpConstantNull: {
            Constant c;
            c.type = w[1];
            c.null = true;
            m.constants_[w[2]] = c;
            break;
        }
        case Op::OpSpecConstantOp: {
            Constant c;
            c.type = w[1];
            c.specialization = true;
            c.spec_opcode = w[3];
            // Operands are IDs, or literals for the composite operations: lowering checks which.
            for (size_t i = 4; i < w.size(); ++i)
                c.constituents.push_back(w[i]);
            m.constants_[w[2]] = c;
            break;
        }

        // ---- variables and functions ----
        case Op::OpVariable: {
            const Type* pointer = type_of_kind(w[1], {TypeKind::Pointer});
            if (!pointer || pointer->storage_class != w[3])
                return fail("result type is not a pointer of the variable's storage class");
            if (w.size() > 4 && !m.constant(w[4]) && !m.variables_.count(w[4]))
                return fail("initializer is not a constant or global variable");
            Variable v;
            v.type = w[1];
            v.storage_class = w[3];
            v.initializer = w.size() > 4 ? w[4] : 0;
            if (spv::StorageClass(w[3]) == spv::StorageClass::Function) {
                if (!function || !in_block || !block || block != &function->blocks.front())
                    return fail("a Function variable belongs at the start of a function's first block");
            } else if (function) {
                return fail("only Function variables may be declared inside a function");
            }
            // Buffers are laid out by their decorations: a block without offsets cannot be read.
            if (has_storage_layout(w[3])) {
                uint32_t pointee = pointer->element;
                while (const Type* a = type_of_kind(pointee, {TypeKind::Array, TypeKind::RuntimeArray}))
                    pointee = a->element;
                const Type* s = type_of_kind(pointee, {TypeKind::Struct});
                if (!s)
                    return fail("a buffer or push-constant variable must be a struct (or an array of them)");
                for (uint32_t i = 0; i < s->members.size(); ++i)
                    if (m.member_decorations(pointee, i).offset < 0)
                        return fail("member " + std::to_string(i) + " of a buffer block has no Offset");
            }
            m.variables_[w[2]] = v;
            break;
        }
        case Op::OpFunction: {
            if (function)
                return fail("a function inside a function");
            const Type* ft = type_of_kind(w[4], {TypeKind::Function});
            if (!ft || ft->element != w[1])
                return fail("function type does not match its result type");
            Function f;
            f.id = w[2];
            f.type = w[4];
            f.result_type = w[1];
            function = &(m.functions_[w[2]] = std::move(f));
            break;
        }
        case Op::OpFunctionParameter: {
            if (!function || !function->blocks.empty())
                return fail("a parameter outside a function's head");
            function->parameters.push_back(w[2]);
            break;
        }
        case Op::OpFunctionEnd: {
            if (!function || in_block)
                return fail("function end inside a block or outside a function");
            if (function->blocks.empty())
                return fail("function declarations (Linkage) are not supported");
            if (function->parameters.size() != m.type(function->type)->members.size())
                return fail("parameter count does not match the function type");
            function = nullptr;
            block = nullptr;
            break;
        }
        case Op::OpLabel: {
            if (!function || in_block)
                return fail("a label outside a function or inside a block");
            function->blocks.push_back(Block{w[1], index + 1, 0});
            block = &function->blocks.back();
            in_block = true;
            break;
        }
        default:
            if (is_terminator(op)) {
                if (!in_block)
                    return fail("a terminator outside a block");
                block->last = index;
                in_block = false;
            } else if (function && !in_block && g->operand_count &&
                       std::string(g->name) != "OpLine" && std::string(g->name) != "OpNoLine") {
                return fail("an instruction outside a block");
            }
            break;
        }
    }
    if (function) {
        *error = "the module ends inside a function";
        return false;
    }
    if (m.entry_points_.empty()) {
        *error = "no entry point";
        return false;
    }
    for (const EntryPoint& e : m.entry_points_) {
        if (!m.function(e.function)) {
            *error = "entry point " + e.name + " names no function";
            return false;
        }
    }
    *out = std::move(m);
    return true;
}

}  // namespace kiln::spirv
