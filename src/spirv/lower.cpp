// Lowering: one entry point of a module (module.h), with its specialization constants, to the
// register IR (ir.h). Registers are given to every value, constants are folded into registers
// filled at batch start, memory is laid out (buffers by their Offset/ArrayStride/MatrixStride
// decorations, everything else packed), functions are inlined at their call sites, and every
// block is split at workgroup barriers. What Kiln cannot run is refused here with the reason.
// This file: the entry point, functions and calls, control flow, composites, arithmetic and
// conversions, and the passes over the finished program; memory is lowered in lower_memory.cpp,
// GLSL.std.450 in lower_glsl.cpp, images in lower_image.cpp (the Lowerer itself: lowerer.h).
#include <algorithm>
#include <cstring>
#include <spirv/unified1/GLSL.std.450.h>
#include <spirv/unified1/spirv.hpp11>
#include <unordered_map>
#include <unordered_set>

#include "lowerer.h"
#include "ops_quad.h"
#include "ops_subgroup.h"
#include "spirv_grammar.h"

namespace kiln::spirv {

namespace lowering {

using spv::Op;

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

// Compute shaders: the workgroup size, from the execution mode or the WorkgroupSize built-in.
bool Lowerer::workgroup_size(const EntryPoint& entry) {
    std::copy(entry.local_size, entry.local_size + 3, p_.local_size);
    for (int i = 0; i < 3; ++i)
        if (entry.local_size_id[i]) {
            std::vector<uint32_t> v;
            if (!constant_words(entry.local_size_id[i], &v) || v.empty())
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
    return true;
}

// OpDPdx & co.: (result type, result, value), in fragment shaders, on 32-bit floats.
bool Lowerer::derivative(uint32_t opcode, std::span<const uint32_t> w, Instance& in) {
    if (model_ != uint32_t(spv::ExecutionModel::Fragment))
        return fail("derivatives are for fragment shaders");
    Scalar s{};
    if (w.size() < 4 || !scalar_of(w[1], &s) || s != Scalar::F32)
        return fail("derivatives of values other than 32-bit floats are not supported");
    Ins ins;
    ins.run = derivative_handler(opcode);
    if (!use(in, w[3], &ins.a))
        return false;
    ins.n = components(w[1]);
    ins.dst = define(in, w[2], w[1]);
    emit(ins);
    p_.stage.derivatives = true;
    return true;
}

bool Lowerer::run(uint32_t model, const std::string& name) {
    const EntryPoint* entry = m_.entry_point(model, name);
    if (!entry)
        return fail("no entry point " + name + " for this stage");
    model_ = model;
    p_.execution_model = model;
    if (model == uint32_t(spv::ExecutionModel::GLCompute)) {
        if (!workgroup_size(*entry))
            return false;
    } else if (model == uint32_t(spv::ExecutionModel::Vertex) || model == uint32_t(spv::ExecutionModel::Fragment)) {
        p_.stage.early_fragment_tests = entry->early_fragment_tests;
        p_.stage.origin_upper_left = entry->origin_upper_left;
    } else {
        return fail("only vertex, fragment and compute shaders are supported");
    }
    find_memory_variables();
    if (!variables())
        return false;
    Instance in;
    new_block();  // the entry: private initializers, then the function's first block
    for (const auto& [variable, value] : private_initializers_) {
        uint32_t value_reg;
        if (!use(in, value, &value_reg))
            return false;
        if (!store_value(value_reg, globals_[variable], global_pointers_[variable], m_.constant(value)->type))
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
    // A phi may use a value that a later block (the loop's continue block) defines: the values
    // phis use get their registers first. Every other value is used only after its definition (a
    // block comes after the blocks that dominate it), where it gets registers -- or names the
    // registers of the value it copies (alias()).
    std::unordered_set<uint32_t> phi_operands;
    for (const Block& block : f.blocks)
        for (uint32_t i = block.first; i <= block.last && i < b_.instructions().size(); ++i)
            if (Op(b_.instructions()[i].opcode) == Op::OpPhi) {
                const std::span<const uint32_t> w = b_.words(b_.instructions()[i]);
                for (size_t k = 3; k < w.size(); k += 2)
                    phi_operands.insert(w[k]);
            }
    for (const Block& block : f.blocks)
        for (uint32_t i = block.first; i <= block.last && i < b_.instructions().size(); ++i) {
            const std::span<const uint32_t> w = b_.words(b_.instructions()[i]);
            const grammar::Instruction* g = grammar::instruction(b_.instructions()[i].opcode);
            if (g && g->operand_count >= 2 && grammar::kOperands[g->first_operand].kind == grammar::OperandKind::IdResultType &&
                w.size() > 2 && !in.reg.count(w[2]) && phi_operands.count(w[2]))
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
    if (is_memory_atomic(inst.opcode))
        return memory(inst, in);
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
    // Memory (lower_memory.cpp) and GLSL.std.450 (lower_glsl.cpp).
    case Op::OpVariable:
    case Op::OpLoad:
    case Op::OpStore:
    case Op::OpCopyMemory:
    case Op::OpAccessChain:
    case Op::OpInBoundsAccessChain:
    case Op::OpArrayLength:
        return memory(inst, in);
    case Op::OpExtInst:
        return extended(w, in);
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
        uint32_t src;
        if (!reg(composite, &src))
            return false;
        if (!insert) {
            alias(in, w[2], w[1], src + offset);
        } else {
            const uint32_t dst = define(in, w[2], w[1]);
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
        uint32_t src;
        if (!reg(w[3], &src))
            return false;
        alias(in, w[2], w[1], src);
        if (const PointerInfo* info = in.pointers.count(w[3]) || global_pointers_.count(w[3]) ? pointer_info(in, w[3]) : nullptr)
            in.pointers[w[2]] = *info;
        return true;
    }
    case Op::OpBitcast: {
        if (words(w[1]) != words(m_.type_of(w[3])))
            return fail("bitcasts that change the number of registers are not supported yet");
        uint32_t src;
        if (!reg(w[3], &src))
            return false;
        alias(in, w[2], w[1], src);
        return true;
    }
    case Op::OpVectorShuffle: {
        const uint32_t v1 = m_.type_of(w[3]);
        const uint32_t count1 = T(v1)->count, cw = words(T(v1)->element);
        uint32_t a, b;
        if (!reg(w[3], &a) || !reg(w[4], &b))
            return false;
        // Consecutive components of one operand (v.xy, v.yzw): those registers, no copy.
        bool consecutive = w.size() > 5 && w[5] != 0xffffffff;
        for (size_t i = 6; i < w.size() && consecutive; ++i)
            consecutive = w[i] == w[i - 1] + 1 && (w[i] < count1) == (w[5] < count1);
        if (consecutive) {
            alias(in, w[2], w[1], w[5] < count1 ? a + w[5] * cw : b + (w[5] - count1) * cw);
            return true;
        }
        const uint32_t dst = define(in, w[2], w[1]);
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
        if (model_ != uint32_t(spv::ExecutionModel::Fragment))
            return fail("OpKill and OpTerminateInvocation are for fragment shaders");
        p_.stage.discards = true;
        block->term = TermKind::Kill;
        return true;
    case Op::OpUnreachable:
        block->term = TermKind::Return;
        return true;
    case Op::OpDPdx:
    case Op::OpDPdy:
    case Op::OpFwidth:
    case Op::OpDPdxFine:
    case Op::OpDPdyFine:
    case Op::OpFwidthFine:
    case Op::OpDPdxCoarse:
    case Op::OpDPdyCoarse:
    case Op::OpFwidthCoarse:
        return derivative(uint32_t(op), w, in);
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

}  // namespace lowering

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

using lowering::Lowerer;

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

namespace lowering {

void Lowerer::alias(Instance& in, uint32_t id, uint32_t type, uint32_t r) {
    if (auto it = in.reg.find(id); it != in.reg.end()) {
        Ins ins;
        ins.run = ops_.copy_words;
        ins.dst = it->second;
        ins.a = r;
        ins.n = words(type);
        emit(ins);
        return;
    }
    in.reg[id] = r;
}

}  // namespace lowering

}  // namespace kiln::spirv
