// Lowering of the stage interface of vertex and fragment shaders (part of the Lowerer, lowerer.h):
// Input and Output variables live in each lane's invocation memory, and Program::stage says where
// each location and built-in is, so that the graphics pipeline can write vertex attributes and
// interpolated varyings there before a batch runs and read positions, varyings and colors after.
// Loads and stores of them are ordinary invocation-memory accesses.
#include "lowerer.h"

namespace kiln::spirv::lowering {

namespace {

using spv::BuiltIn;

// The built-ins Kiln's graphics stages provide (inputs) or consume (outputs), by stage.
bool builtin_allowed(uint32_t model, bool output, uint32_t which) {
    const auto b = BuiltIn(which);
    if (model == uint32_t(spv::ExecutionModel::Vertex))
        return output ? (b == BuiltIn::Position || b == BuiltIn::PointSize || b == BuiltIn::ClipDistance ||
                         b == BuiltIn::CullDistance)
                      : (b == BuiltIn::VertexIndex || b == BuiltIn::InstanceIndex || b == BuiltIn::BaseVertex ||
                         b == BuiltIn::BaseInstance || b == BuiltIn::DrawIndex);
    return output ? b == BuiltIn::FragDepth
                  : (b == BuiltIn::FragCoord || b == BuiltIn::FrontFacing || b == BuiltIn::PointCoord ||
                     b == BuiltIn::HelperInvocation);
}

}  // namespace

// The slots of a Location-decorated value of `type` at `offset`, from *location on: a scalar or
// vector fills one location (a 64-bit vec3/vec4 two), a matrix one per column, an array one run per
// element ("Location Assignment" in the Vulkan spec's interface chapter).
bool Lowerer::interface_slots(uint32_t type, uint32_t offset, int64_t* location, uint32_t component,
                              const Decorations& d, std::vector<InterfaceSlot>* out) {
    const Type* t = T(type);
    switch (t->kind) {
    case TypeKind::Array:
    case TypeKind::Matrix: {
        const uint32_t n = length(t);
        const uint32_t stride = packed_size(t->element);
        for (uint32_t i = 0; i < n; ++i)
            if (!interface_slots(t->element, offset + i * stride, location, component, d, out))
                return false;
        return true;
    }
    case TypeKind::Int:
    case TypeKind::Float:
    case TypeKind::Vector: {
        const Type* scalar = T(scalar_type(type));
        if (scalar->width != 32 && scalar->width != 64)
            return fail("stage inputs and outputs of 8- or 16-bit types are not supported");
        uint32_t remaining = words(type);
        while (remaining) {
            InterfaceSlot slot;
            slot.location = uint32_t(*location);
            slot.component = component;
            slot.offset = offset;
            slot.words = std::min(remaining, 4u - std::min(component, 4u));
            if (slot.words == 0)
                return fail("a Component decoration past the end of its location");
            slot.kind = scalar->kind == TypeKind::Float ? kFloatSlot : scalar->is_signed ? kSintSlot : kUintSlot;
            slot.width = uint8_t(scalar->width);
            slot.flat = d.flat;
            slot.no_perspective = d.no_perspective;
            slot.index = d.index > 0 ? uint32_t(d.index) : 0;
            out->push_back(slot);
            offset += 4 * slot.words;
            remaining -= slot.words;
            component = 0;
            ++*location;
        }
        return true;
    }
    default:
        return fail("a stage input or output of a type Kiln cannot pass between stages (bool, struct...)");
    }
}

// Input or Output variable `id` (pointee type `pointee`) at `offset` in invocation memory, or in
// registers from `reg` (UINT32_MAX: in memory).
bool Lowerer::interface_variable(uint32_t id, bool output, uint32_t pointee, uint32_t offset, uint32_t reg) {
    StageInterface& stage = p_.stage;
    std::vector<InterfaceSlot>* lists[2] = {output ? &stage.outputs : &stage.inputs,
                                            output ? &stage.builtin_outputs : &stage.builtin_inputs};
    const size_t before[2] = {lists[0]->size(), lists[1]->size()};
    if (!interface_slots_of(id, output, pointee, offset))
        return false;
    // The slots just described live in the variable's registers: packed offsets are word indices.
    if (reg != UINT32_MAX)
        for (int k = 0; k < 2; ++k)
            for (size_t i = before[k]; i < lists[k]->size(); ++i)
                (*lists[k])[i].reg = reg + ((*lists[k])[i].offset - offset) / 4;
    return true;
}

bool Lowerer::interface_slots_of(uint32_t id, bool output, uint32_t pointee, uint32_t offset) {
    StageInterface& stage = p_.stage;
    const Decorations& d = m_.decorations(id);
    auto builtin = [&](uint32_t which, uint32_t type, uint32_t at) {
        if (!builtin_allowed(model_, output, which))
            return fail("built-in " + std::to_string(which) + " is not supported as a" +
                        (output ? "n output" : "n input") + " of this stage");
        if (!is_words(type) && T(type)->kind != TypeKind::Bool)
            return fail("a built-in that is not made of 32-bit words");
        InterfaceSlot slot;
        slot.location = which;
        slot.offset = at;
        slot.words = words(type);
        const Type* scalar = T(scalar_type(type));
        if (scalar->kind == TypeKind::Array)
            scalar = T(scalar_type(scalar->element));
        slot.kind = scalar->kind == TypeKind::Float ? kFloatSlot : scalar->kind == TypeKind::Bool ? kUintSlot
                    : scalar->is_signed                   ? kSintSlot
                                                          : kUintSlot;
        (output ? stage.builtin_outputs : stage.builtin_inputs).push_back(slot);
        if (output && BuiltIn(which) == BuiltIn::FragDepth)
            stage.depth_replacing = true;
        return true;
    };
    if (d.builtin >= 0)
        return builtin(uint32_t(d.builtin), pointee, offset);
    const Type* t = T(pointee);
    if (t->kind == TypeKind::Struct) {
        // A block of built-ins (gl_PerVertex) or of located members.
        const Layout packed;
        for (uint32_t i = 0; i < t->members.size(); ++i) {
            const Decorations& md = m_.member_decorations(pointee, i);
            const uint32_t at = offset + uint32_t(member_offset(pointee, i, packed));
            if (md.builtin >= 0) {
                if (!builtin(uint32_t(md.builtin), t->members[i], at))
                    return false;
            } else {
                if (md.location < 0)
                    return fail("a member of an interface block without Location or BuiltIn");
                int64_t location = md.location;
                if (!interface_slots(t->members[i], at, &location, md.component > 0 ? uint32_t(md.component) : 0, md,
                                     output ? &stage.outputs : &stage.inputs))
                    return false;
            }
        }
        return true;
    }
    if (d.location < 0)
        return fail("a stage input or output without Location or BuiltIn");
    int64_t location = d.location;
    return interface_slots(pointee, offset, &location, d.component > 0 ? uint32_t(d.component) : 0, d,
                           output ? &stage.outputs : &stage.inputs);
}

uint32_t Lowerer::frag_coord_register() {
    for (const InterfaceSlot& slot : p_.stage.builtin_inputs)
        if (slot.location == uint32_t(BuiltIn::FragCoord))
            return slot.reg;
    InterfaceSlot slot;
    slot.location = uint32_t(BuiltIn::FragCoord);
    slot.words = 4;
    slot.kind = kFloatSlot;
    slot.reg = allocate(4);
    p_.stage.builtin_inputs.push_back(slot);
    return slot.reg;
}

}  // namespace kiln::spirv::lowering
