// Lowering of memory (part of the Lowerer, lowerer.h): variables and where their memory lives
// (invocation, workgroup, descriptor buffers, push constants, built-ins), and the instructions that
// reach it -- OpVariable, loads and stores, OpCopyMemory, access chains, OpArrayLength, atomics.
#include "lowerer.h"

namespace kiln::spirv::lowering {

using spv::Op;

namespace {

// The compute built-ins the executor computes (executor.cpp write_builtins).
bool compute_builtin(uint32_t builtin) {
    switch (builtin) {
    case kBuiltInNumWorkgroups:
    case kBuiltInWorkgroupSize:
    case kBuiltInWorkgroupId:
    case kBuiltInLocalInvocationId:
    case kBuiltInGlobalInvocationId:
    case kBuiltInLocalInvocationIndex:
    case kBuiltInSubgroupSize:
    case kBuiltInNumSubgroups:
    case kBuiltInSubgroupId:
    case kBuiltInSubgroupLocalInvocationId: return true;
    default: return false;
    }
}

}  // namespace

void Lowerer::find_memory_variables() {
    // Pointers derived from each variable (access chains), in module order: SPIR-V defines a value
    // before any use in its blocks' order. A variable reached by a run-time index, passed to a call,
    // copied with OpCopyMemory, used atomically or in any other way than a load, a store or a
    // constant access chain stays in memory.
    std::unordered_map<uint32_t, uint32_t> root;
    // Function variables that may be forwarded: stored once, then loaded in the store's block.
    struct Uses {
        uint32_t stores = 0, store_block = 0;
        bool other = false;  // an initializer, an access chain, or a load elsewhere
    };
    std::unordered_map<uint32_t, Uses> locals;
    bool in_function = false;
    uint32_t block = 0;
    for (const Instruction& inst : b_.instructions()) {
        const std::span<const uint32_t> w = b_.words(inst);
        const Op op = Op(inst.opcode);
        if (op == Op::OpFunction)
            in_function = true;
        else if (op == Op::OpFunctionEnd)
            in_function = false;
        else if (op == Op::OpLabel && w.size() > 1)
            block = w[1];
        if (op == Op::OpVariable && w.size() > 2) {
            root[w[2]] = w[2];  // (an initializer is a constant, never a pointer)
            if (in_function && w.size() > 3 && w[3] == uint32_t(spv::StorageClass::Function))
                locals[w[2]].other = w.size() > 4;
            continue;
        }
        if (!in_function)
            continue;  // names, decorations and entry point interfaces name variables harmlessly
        switch (op) {
        case Op::OpAccessChain:
        case Op::OpInBoundsAccessChain: {
            if (w.size() < 4 || !root.count(w[3]))
                break;
            const uint32_t r = root[w[3]];
            root[w[2]] = r;
            if (auto local = locals.find(r); local != locals.end())
                local->second.other = true;
            for (size_t i = 4; i < w.size(); ++i)
                if (!m_.constant(w[i]))
                    memory_variables_.insert(r);
            break;
        }
        case Op::OpLoad:
            // (result type, result, pointer, memory operands): reads the variable only
            if (auto local = w.size() > 3 ? locals.find(w[3]) : locals.end(); local != locals.end())
                if (local->second.stores != 1 || local->second.store_block != block)
                    local->second.other = true;
            break;
        case Op::OpStore:
            if (w.size() > 2 && root.count(w[2]))
                memory_variables_.insert(root[w[2]]);  // a pointer stored: not without VariablePointers
            if (auto local = w.size() > 1 ? locals.find(w[1]) : locals.end(); local != locals.end()) {
                ++local->second.stores;
                local->second.store_block = block;
            }
            break;
        default:
            // Any other use of a pointer: conservatively, memory.
            for (size_t i = 1; i < w.size(); ++i)
                if (auto it = root.find(w[i]); it != root.end())
                    memory_variables_.insert(it->second);
            break;
        }
    }
    for (const auto& [variable, uses] : locals)
        if (uses.stores == 1 && !uses.other && !memory_variables_.count(variable))
            forwarded_variables_.insert(variable);
}

// Types whose packed layout (packed_size) is their register layout, word for word: 32- and 64-bit
// numbers and bools (4 bytes packed, one register), and composites of them.
bool Lowerer::register_layout(uint32_t type) const {
    const Type* t = T(type);
    switch (t->kind) {
    case TypeKind::Bool: return true;
    case TypeKind::Int:
    case TypeKind::Float: return t->width == 32 || t->width == 64;
    case TypeKind::Vector:
    case TypeKind::Matrix:
    case TypeKind::Array: return register_layout(t->element);
    case TypeKind::Struct:
        return std::all_of(t->members.begin(), t->members.end(), [&](uint32_t m) { return register_layout(m); });
    default: return false;
    }
}

bool Lowerer::in_registers(uint32_t variable, uint32_t storage_class, uint32_t pointee) const {
    const auto sc = spv::StorageClass(storage_class);
    const bool graphics_interface = model_ != uint32_t(spv::ExecutionModel::GLCompute) &&
                                    (sc == spv::StorageClass::Input || sc == spv::StorageClass::Output);
    if (sc != spv::StorageClass::Function && sc != spv::StorageClass::Private && !graphics_interface)
        return false;
    // Large arrays stay in memory: a register is kLanes words of every batch.
    constexpr uint32_t kMaxRegisterWords = 64;
    return !memory_variables_.count(variable) && register_layout(pointee) && words(pointee) <= kMaxRegisterWords;
}

// A store of `value` (of `type`) through `pointer`: to the registers of a variable kept in them (the
// lanes of the mask only), else to memory.
bool Lowerer::store_value(uint32_t value, uint32_t pointer, const PointerInfo& info, uint32_t type) {
    if (info.value_reg == UINT32_MAX || info.builtin != UINT32_MAX)
        return emit_memory(ops_.store, value, pointer, info, type);
    Ins ins;
    ins.run = ops_.store_register;
    ins.dst = info.value_reg;
    ins.a = value;
    ins.n = words(type);
    emit(ins);
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
        case spv::StorageClass::Output:
        case spv::StorageClass::Private: {
            info.kind = MemoryKind::Invocation;
            info.read_only = sc == spv::StorageClass::Input;
            info.slot_or_offset = (p_.invocation_bytes + 15) & ~15u;
            info.size = std::max(packed_size(pointee), 16u);
            p_.invocation_bytes = info.slot_or_offset + info.size;
            if (in_registers(id, v->storage_class, pointee))
                info.value_reg = allocate(words(pointee));
            if (sc != spv::StorageClass::Private && model_ != uint32_t(spv::ExecutionModel::GLCompute)) {
                if (!interface_variable(id, sc == spv::StorageClass::Output, pointee, info.slot_or_offset, info.value_reg))
                    return false;
            } else if (sc == spv::StorageClass::Output) {
                return fail("compute shaders have no outputs");
            } else if (sc == spv::StorageClass::Input) {
                if (d.builtin < 0)
                    return fail("compute shaders have no inputs but built-ins");
                if (!is_words(pointee))
                    return fail("a built-in input that is not made of 32-bit words");
                if (!compute_builtin(uint32_t(d.builtin)))
                    return fail("built-in " + std::to_string(d.builtin) + " is not a compute shader input Kiln provides");
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

bool Lowerer::memory(const Instruction& inst, Instance& in) {
    const std::span<const uint32_t> w = b_.words(inst);
    const Op op = Op(inst.opcode);
    auto reg = [&](uint32_t id, uint32_t* out) { return use(in, id, out); };
    Scalar s{};
    switch (op) {
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
        if (in_registers(w[2], uint32_t(spv::StorageClass::Function), pointee))
            info.value_reg = allocate(words(pointee));
        in.pointers[w[2]] = info;
        p_.constants.push_back(r);
        p_.constants.push_back(info.slot_or_offset);
        if (w.size() > 4) {
            uint32_t value;
            if (!reg(w[4], &value))
                return false;
            return store_value(value, r, info, pointee);
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
        if (forwarded_variables_.count(pointer_id)) {
            if (!is_load) {
                if (!reg(w[2], &value))
                    return false;
                in.forwarded[pointer_id] = value;
                return true;
            }
            auto stored = in.forwarded.find(pointer_id);
            if (stored == in.forwarded.end())
                return fail("a forwarded variable loaded before its store");  // find_memory_variables rules it out
            alias(in, w[2], value_type, stored->second);
            return true;
        }
        if (is_load && info->read_only && info->value_reg != UINT32_MAX) {
            alias(in, w[2], value_type, info->value_reg);
            return true;
        }
        if (is_load)
            value = define(in, w[2], w[1]);
        else if (!reg(w[2], &value))
            return false;
        if (!is_load)
            return store_value(value, pointer, *info, value_type);
        if (info->value_reg != UINT32_MAX) {
            // A built-in (its registers, computed at batch start) or a variable kept in registers.
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
        return emit_memory(info->uniform ? ops_.load_uniform : ops_.load, value, pointer, *info, value_type);
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
        } else if (info.value_reg != UINT32_MAX) {
            // Into a variable kept in registers: find_memory_variables admitted constant indices
            // only, and its packed layout is its register layout.
            if (ins.aux_count != 0 || constant % 4 != 0)
                return fail("a run-time index into a variable kept in registers");
            info.value_reg += uint32_t(constant / 4);
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
    default:
        break;
    }
    // Atomics (ops.h is_memory_atomic).
    if (is_memory_atomic(inst.opcode)) {
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
    return fail("not a memory instruction");  // not reached: instruction() sends only these here
}

}  // namespace kiln::spirv::lowering
