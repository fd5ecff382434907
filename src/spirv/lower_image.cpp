#include "lower_image.h"

#include <spirv/unified1/spirv.hpp11>

#include "image.h"
#include "module.h"
#include "ops.h"
#include "ops_image.h"
#include "ops_quad.h"

namespace kiln::spirv {

namespace {

using spv::Op;
namespace t = image_table;

constexpr uint32_t kDim1D = 0, kDim2D = 1, kDim3D = 2, kDimCube = 3, kDimBuffer = 5, kDimSubpassData = 6;
constexpr uint32_t kFragmentModel = uint32_t(spv::ExecutionModel::Fragment);
constexpr uint32_t kMaxImageDescriptors = 4096;  // slots of one pipeline (maxPerStageResources is far below)

uint32_t spatial_components(uint32_t dim) { return dim == kDim1D || dim == kDimBuffer ? 1 : dim == kDim3D ? 3 : 2; }

// The handle step between array elements of a descriptor type (image.h).
uint32_t handle_of(TypeKind kind, uint32_t slot) {
    const uint32_t s = slot + 1;
    switch (kind) {
    case TypeKind::Image: return s;
    case TypeKind::Sampler: return s << kSamplerHandleShift;
    default: return s | (s << kSamplerHandleShift);  // SampledImage: a combined image sampler
    }
}

}  // namespace

const Type* ImageLowering::T(uint32_t id) const {
    static const Type kNone{};
    const Type* t = m_.type(id);
    return t ? t : &kNone;
}

uint32_t ImageLowering::components(uint32_t type) const {
    const Type* t = T(type);
    return t->kind == TypeKind::Vector ? t->count : 1;
}

// The image type of an Image or SampledImage type, if Kiln runs its instructions.
bool ImageLowering::image_type(uint32_t type, const Type** image, const Hooks& hooks) const {
    const Type* t = T(type);
    if (t->kind == TypeKind::SampledImage)
        t = T(t->element);
    if (t->kind != TypeKind::Image)
        return hooks.fail("an image instruction on something that is not an image");
    if (t->dim == kDimSubpassData && p_.execution_model == kFragmentModel && !t->multisampled) {
        *image = t;  // an input attachment: only OpImageRead takes it (operation())
        return true;
    }
    // Multisampled images: 2D (arrayed or not); the instructions that take them check the rest.
    if (t->multisampled && t->dim != kDim2D)
        return hooks.fail("multisampled images are 2D (multisampled input attachments are not supported)");
    if (t->dim != kDim1D && t->dim != kDim2D && t->dim != kDim3D && t->dim != kDimBuffer && t->dim != kDimCube)
        return hooks.fail("images of Dim " + std::to_string(t->dim) +
                          " are not supported (Rect; SubpassData outside fragment shaders)");
    if (t->dim == kDim3D && t->arrayed)
        return hooks.fail("arrayed 3D images do not exist");
    *image = t;
    return true;
}

bool ImageLowering::is_handle_pointer(uint32_t pointer_id) const {
    const Type* pointer = T(m_.type_of(pointer_id));
    return pointer->kind == TypeKind::Pointer && pointer->storage_class == uint32_t(spv::StorageClass::UniformConstant);
}

bool ImageLowering::variable(uint32_t id, const Hooks& hooks, uint32_t* reg) {
    const Variable* v = m_.variable(id);
    const Decorations& d = m_.decorations(id);
    const Type* pointee = T(T(v->type)->element);
    if (pointee->kind == TypeKind::RuntimeArray)
        return hooks.fail("runtime arrays of image or sampler descriptors need descriptor indexing, which Kiln does not offer");
    const bool array = pointee->kind == TypeKind::Array;
    const Type* element = array ? T(pointee->element) : pointee;
    if (element->kind != TypeKind::Image && element->kind != TypeKind::Sampler &&
        element->kind != TypeKind::SampledImage)
        return hooks.fail("UniformConstant variables are images, samplers, sampled images or arrays of them");
    if (d.set < 0 || d.binding < 0)
        return hooks.fail("an image or sampler variable without DescriptorSet and Binding");
    const uint32_t count = array ? hooks.length(pointee) : 1;
    if (count == 0 || p_.image_bindings.size() + count > kMaxImageDescriptors)
        return hooks.fail("more image and sampler descriptors than Kiln allows in one pipeline");
    const uint32_t first = uint32_t(p_.image_bindings.size());
    for (uint32_t e = 0; e < count; ++e) {
        BindingSlot slot;
        slot.set = uint32_t(d.set);
        slot.binding = uint32_t(d.binding);
        slot.array_element = e;
        p_.image_bindings.push_back(slot);
    }
    *reg = hooks.constant_register(handle_of(element->kind, first));
    return true;
}

bool ImageLowering::claims(const Instruction& inst, std::span<const uint32_t> w) const {
    const Op op = Op(inst.opcode);
    switch (op) {
    case Op::OpLoad:
    case Op::OpAccessChain:
    case Op::OpInBoundsAccessChain:
        return w.size() > 3 && is_handle_pointer(w[3]);
    default:
        if (is_memory_atomic(inst.opcode)) {  // the pointer is w[1] for OpAtomicStore, else w[3]
            const size_t pointer = op == Op::OpAtomicStore ? 1 : 3;
            return w.size() > pointer && texel_pointers_.count(w[pointer]);
        }
        return (inst.opcode >= uint32_t(Op::OpSampledImage) && inst.opcode <= uint32_t(Op::OpImageQuerySamples)) ||
               op == Op::OpImageTexelPointer ||
               (inst.opcode >= uint32_t(Op::OpImageSparseSampleImplicitLod) &&
                inst.opcode <= uint32_t(Op::OpImageSparseRead));
    }
}

bool ImageLowering::lower(const Instruction& inst, std::span<const uint32_t> w, const Hooks& hooks) {
    switch (Op(inst.opcode)) {
    case Op::OpLoad:
    case Op::OpAccessChain:
    case Op::OpInBoundsAccessChain: return access(inst, w, hooks) == Outcome::Done;
    default: break;
    }
    if (inst.opcode >= uint32_t(Op::OpAtomicLoad) && inst.opcode <= uint32_t(Op::OpAtomicXor))
        return atomic(inst, w, hooks) == Outcome::Done;
    return operation(inst, w, hooks) == Outcome::Done;
}

// Loads of handles, and access chains into arrays of descriptors (constant indices).
ImageLowering::Outcome ImageLowering::access(const Instruction& inst, std::span<const uint32_t> w,
                                             const Hooks& hooks) {
    Ins ins;
    if (!hooks.use(w[3], &ins.a))
        return Outcome::Failed;
    if (Op(inst.opcode) == Op::OpLoad) {
        if (T(w[1])->kind != TypeKind::Image && T(w[1])->kind != TypeKind::Sampler &&
            T(w[1])->kind != TypeKind::SampledImage)
            return fail(hooks, "a load of a whole array of descriptors");
        // A handle's register is written once, when the dispatch starts or the chain is taken.
        hooks.alias(w[2], w[1], ins.a);
        return Outcome::Done;
    }
    // Access chain: one index, into an array of descriptors; the element's handle is the first
    // element's plus the index times the step (image.h: consecutive slots).
    const Type* array = T(T(m_.type_of(w[3]))->element);
    if (array->kind != TypeKind::Array || w.size() != 5)
        return fail(hooks, "an access chain into an image or sampler that is not an array of descriptors");
    std::vector<uint32_t> index;
    if (!m_.constant(w[4]) || !hooks.constant_words(w[4], &index) || index.empty() || index[0] >= hooks.length(array))
        return fail(hooks, "arrays of image and sampler descriptors are indexed by constants in range only "
                           "(dynamic indexing features are not reported)");
    const uint32_t step = handle_of(T(array->element)->kind, 0);
    ins.run = ops_.arithmetic(uint32_t(Op::OpIAdd), Scalar::U32);
    ins.b = hooks.constant_register(step * index[0]);
    ins.n = 1;
    ins.dst = hooks.define(w[2], w[1]);
    hooks.emit(ins);
    return Outcome::Done;
}

ImageLowering::Outcome ImageLowering::atomic(const Instruction& inst, std::span<const uint32_t> w,
                                             const Hooks& hooks) {
    const Op op = Op(inst.opcode);
    const bool is_store = op == Op::OpAtomicStore;
    const TexelPointer& pointer = texel_pointers_.at(is_store ? w[1] : w[3]);
    Ins ins;
    ins.run = image_atomic;
    ins.a = pointer.reg;
    ins.imm = inst.opcode;
    ins.aux = uint32_t(p_.tables.size());
    p_.tables.resize(p_.tables.size() + t::kSize, t::kNone);
    p_.tables[ins.aux + t::Shape] = pointer.shape;
    uint32_t value = t::kNone, comparator = t::kNone;
    if (is_store) {
        if (!hooks.use(w[4], &value))
            return Outcome::Failed;
    } else if (op == Op::OpAtomicCompareExchange) {
        if (w.size() < 9 || !hooks.use(w[7], &value) || !hooks.use(w[8], &comparator))
            return fail(hooks, "OpAtomicCompareExchange without its operands");
    } else if (w.size() > 6) {
        if (!hooks.use(w[6], &value))
            return Outcome::Failed;
    }
    if (!is_store) {
        const Type* result = T(w[1]);
        if (result->kind != TypeKind::Int || result->width != 32)
            return fail(hooks, "image atomics are on 32-bit integers only (R32_UINT, R32_SINT)");
    }
    p_.tables[ins.aux + t::Component] = value;
    p_.tables[ins.aux + t::Extra] = comparator;
    ins.dst = is_store ? hooks.allocate(1) : hooks.define(w[2], w[1]);
    hooks.emit(ins);
    return Outcome::Done;
}

// A multisampled image's descriptor sees each row as width x samples texels, a pixel's samples
// adjacent (format/image_layout.h; vulkan/image_descriptor.cpp), so sample s of pixel x is texel
// x * samples + s of the row. Every multisampled image Kiln creates has kMultisampleCount samples
// (framebufferColorSampleCounts = 1 | 4). A sample index out of range reads another sample of the
// image or, past the row's end, 0 -- an undefined value, as the spec allows without robustImageAccess.
constexpr uint32_t kMultisampleCount = 4;

uint32_t ImageLowering::multisampled_coordinate(uint32_t coordinate, uint32_t count, uint32_t sample,
                                                const Hooks& hooks) const {
    const uint32_t out = hooks.allocate(count);
    Ins copy;
    copy.run = ops_.copy_words;
    copy.a = coordinate;
    copy.dst = out;
    copy.n = count;
    hooks.emit(copy);
    Ins scale;
    scale.run = ops_.arithmetic(uint32_t(Op::OpIMul), Scalar::U32);
    scale.a = coordinate;
    scale.b = hooks.constant_register(kMultisampleCount);
    scale.dst = out;
    scale.n = 1;
    hooks.emit(scale);
    Ins add;
    add.run = ops_.arithmetic(uint32_t(Op::OpIAdd), Scalar::U32);
    add.a = out;
    add.b = sample;
    add.dst = out;
    add.n = 1;
    hooks.emit(add);
    return out;
}

void ImageLowering::multisampled_width(uint32_t size, const Hooks& hooks) const {
    Ins divide;
    divide.run = ops_.arithmetic(uint32_t(Op::OpUDiv), Scalar::U32);
    divide.a = size;
    divide.b = hooks.constant_register(kMultisampleCount);
    divide.dst = size;
    divide.n = 1;
    hooks.emit(divide);
}

// The image instructions proper.
ImageLowering::Outcome ImageLowering::operation(const Instruction& inst, std::span<const uint32_t> w,
                                                const Hooks& hooks) {
    const Op op = Op(inst.opcode);
    switch (op) {
    case Op::OpSampledImage: {
        // An image's handle with a sampler's: their halves do not overlap (image.h).
        Ins ins;
        ins.run = ops_.arithmetic(uint32_t(Op::OpBitwiseOr), Scalar::U32);
        if (!hooks.use(w[3], &ins.a) || !hooks.use(w[4], &ins.b))
            return Outcome::Failed;
        ins.n = 1;
        ins.dst = hooks.define(w[2], w[1]);
        hooks.emit(ins);
        return Outcome::Done;
    }
    case Op::OpImage: {
        Ins ins;
        ins.run = ops_.arithmetic(uint32_t(Op::OpBitwiseAnd), Scalar::U32);
        if (!hooks.use(w[3], &ins.a))
            return Outcome::Failed;
        ins.b = hooks.constant_register(kImageHandleMask);
        ins.n = 1;
        ins.dst = hooks.define(w[2], w[1]);
        hooks.emit(ins);
        return Outcome::Done;
    }
    case Op::OpImageSampleImplicitLod:
    case Op::OpImageSampleDrefImplicitLod:
        if (p_.execution_model == kFragmentModel)
            break;  // sampled with the coordinate's derivatives as gradients, below
        [[fallthrough]];
    case Op::OpImageSampleProjImplicitLod:
    case Op::OpImageSampleProjDrefImplicitLod:
    case Op::OpImageQueryLod:
        if (p_.execution_model == kFragmentModel)
            return fail(hooks, "projective, depth-comparison sampling and OpImageQueryLod are not supported yet");
        return fail(hooks, "implicit-LOD sampling needs derivatives, which only fragment shaders have "
                           "(Vulkan: OpImage*ImplicitLod and OpImageQueryLod are for fragment shaders); "
                           "use an explicit Lod or Grad");
    case Op::OpImageSampleProjExplicitLod:
    case Op::OpImageSampleProjDrefExplicitLod:
    case Op::OpImageDrefGather:
        return fail(hooks, "projective sampling and depth-comparison gathers are not supported yet");
    case Op::OpImageQueryFormat:
    case Op::OpImageQueryOrder:
        return fail(hooks, "OpImageQueryFormat/Order are OpenCL instructions");
    case Op::OpImageQuerySamples: {
        // Every multisampled image Kiln makes has kMultisampleCount samples.
        const Type* image = nullptr;
        if (!image_type(m_.type_of(w[3]), &image, hooks))
            return Outcome::Failed;
        if (!image->multisampled)
            return fail(hooks, "OpImageQuerySamples of an image that is not multisampled");
        Ins copy;
        copy.run = ops_.copy_words;
        copy.a = hooks.constant_register(kMultisampleCount);
        copy.n = 1;
        copy.dst = hooks.define(w[2], w[1]);
        hooks.emit(copy);
        return Outcome::Done;
    }
    case Op::OpImageTexelPointer: {
        // (result type, result, image pointer, coordinate, sample): the handle and the coordinates
        // in four registers that the atomics read.
        const Type* image = nullptr;
        if (!image_type(T(m_.type_of(w[3]))->element, &image, hooks))
            return Outcome::Failed;
        if (image->dim == kDimCube)
            return fail(hooks, "atomics on cube images are not supported");
        const uint32_t needed = spatial_components(image->dim) + (image->arrayed ? 1 : 0);
        if (components(m_.type_of(w[4])) < needed)
            return fail(hooks, "OpImageTexelPointer: too few coordinate components for the image");
        TexelPointer pointer;
        pointer.reg = hooks.allocate(4);
        pointer.shape = image->dim | image->arrayed << 8;
        Ins handle, coordinate;
        handle.run = coordinate.run = ops_.copy_words;
        if (!hooks.use(w[3], &handle.a) || !hooks.use(w[4], &coordinate.a))
            return Outcome::Failed;
        handle.dst = pointer.reg;
        handle.n = 1;
        coordinate.dst = pointer.reg + 1;
        coordinate.n = needed;
        hooks.emit(handle);
        hooks.emit(coordinate);
        texel_pointers_[w[2]] = pointer;
        return Outcome::Done;
    }
    default:
        break;
    }
    if (inst.opcode >= uint32_t(Op::OpImageSparseSampleImplicitLod))
        return fail(hooks, "sparse image instructions are not supported (no sparse residency)");

    // Read, Write, Fetch, SampleExplicitLod, Gather, QuerySize(Lod), QueryLevels.
    const bool write = op == Op::OpImageWrite;
    const uint32_t image_id = write ? w[1] : w[3];
    const Type* image = nullptr;
    if (!image_type(m_.type_of(image_id), &image, hooks))
        return Outcome::Failed;
    // Shaders read multisampled images with OpImageFetch and its Sample operand (texelFetch of a
    // sampler2DMS) and query their size; storage images with samples are not reported
    // (storageImageSampleCounts = 1).
    if (image->multisampled && op != Op::OpImageFetch && op != Op::OpImageQuerySize)
        return fail(hooks, "multisampled images are read with OpImageFetch (and a Sample operand) only");
    Ins ins;
    if (!hooks.use(image_id, &ins.a))
        return Outcome::Failed;
    ins.aux = uint32_t(p_.tables.size());
    p_.tables.resize(p_.tables.size() + t::kSize, t::kNone);
    auto table = [&](uint32_t field) -> uint32_t& { return p_.tables[ins.aux + field]; };
    table(t::Shape) = image->dim | image->arrayed << 8;
    // Cube images are sampled by a direction (three components); read and written as the 2D array
    // of their faces (x, y, face + 6 * cube).
    const bool cube = image->dim == kDimCube;
    const bool cube_as_array = cube && (op == Op::OpImageRead || op == Op::OpImageWrite || op == Op::OpImageFetch);
    if (cube_as_array)
        table(t::Shape) = kDim2D | 1u << 8;
    const uint32_t spatial = cube && !cube_as_array ? 3 : spatial_components(image->dim);
    const uint32_t coordinates = spatial + (image->arrayed || cube_as_array ? 1 : 0);

    if (!write) {
        const Type* result = T(w[1]);
        const Type* scalar = result->kind == TypeKind::Vector ? T(result->element) : result;
        if ((scalar->kind != TypeKind::Int && scalar->kind != TypeKind::Float) || scalar->width != 32)
            return fail(hooks, "image instructions with results other than 32-bit numbers are not supported");
        ins.n = components(w[1]);
        if (ins.n > 4)
            return fail(hooks, "an image result of more than four components");
    }
    if (image->dim == kDimSubpassData) {
        // subpassLoad: the input attachment's texel at the fragment's pixel plus the coordinate (an
        // offset; "Input Attachments" in the interfaces chapter).
        if (op != Op::OpImageRead || w.size() < 5 || (w.size() > 5 && w[5] != 0))
            return fail(hooks, "input attachments are read by OpImageRead without image operands only");
        const Type* coordinate = T(m_.type_of(w[4]));
        if (components(m_.type_of(w[4])) < 2 || T(coordinate->element)->kind != TypeKind::Int)
            return fail(hooks, "an input attachment read takes a 2-component integer coordinate");
        if (!hooks.use(w[4], &table(t::Coordinate)))
            return Outcome::Failed;
        const uint32_t frag_coord = hooks.frag_coord();
        if (frag_coord == UINT32_MAX)
            return fail(hooks, "input attachments in a shader that indexes FragCoord dynamically");
        table(t::Extra) = frag_coord;
        ins.run = image_read_subpass;
        ins.dst = hooks.define(w[2], w[1]);
        hooks.emit(ins);
        return Outcome::Done;
    }

    if (op == Op::OpImageQuerySize || op == Op::OpImageQuerySizeLod || op == Op::OpImageQueryLevels) {
        if (op == Op::OpImageQueryLevels) {
            ins.run = image_query_levels;
        } else {
            ins.run = image_query_size;
            if (ins.n != (image->dim == kDim3D ? 3 : cube ? 2 : spatial) + (image->arrayed ? 1 : 0))
                return fail(hooks, "OpImageQuerySize: the result's components do not match the image");
            if (op == Op::OpImageQuerySizeLod && !hooks.use(w[4], &table(t::Lod)))
                return Outcome::Failed;
        }
        ins.dst = hooks.define(w[2], w[1]);
        hooks.emit(ins);
        if (image->multisampled)
            multisampled_width(ins.dst, hooks);
        return Outcome::Done;
    }

    const uint32_t coordinate_id = write ? w[2] : w[4];
    if (components(m_.type_of(coordinate_id)) < coordinates)
        return fail(hooks, "an image coordinate with too few components for the image");
    if (!hooks.use(coordinate_id, &table(t::Coordinate)))
        return Outcome::Failed;

    // Depth-comparison sampling: the reference follows the coordinate.
    const bool dref = op == Op::OpImageSampleDrefImplicitLod || op == Op::OpImageSampleDrefExplicitLod;
    if (dref) {
        if (w.size() < 6 || !hooks.use(w[5], &table(t::Dref)))
            return fail(hooks, "depth-comparison sampling without a reference");
        const Type* reference = T(m_.type_of(w[5]));
        if (reference->kind != TypeKind::Float || reference->width != 32 || ins.n != 1)
            return fail(hooks, "depth-comparison sampling takes a 32-bit float reference and gives one float");
    }
    // Image operands: a mask, then one or two IDs per bit set, in bit order.
    size_t at = write ? 4 : op == Op::OpImageGather || dref ? 6 : 5;
    if (op == Op::OpImageGather && !hooks.use(w[5], &table(t::Component)))
        return Outcome::Failed;
    if (write) {
        if (!hooks.use(w[3], &table(t::Component)))
            return Outcome::Failed;
        table(t::Extra) = components(m_.type_of(w[3]));
    }
    const uint32_t mask = at < w.size() ? w[at++] : 0;
    auto operand = [&](uint32_t* out) {
        if (at >= w.size())
            return hooks.fail("an image operand is missing");
        return hooks.use(w[at++], out);
    };
    using M = spv::ImageOperandsMask;
    constexpr uint32_t kIgnored = uint32_t(M::NonPrivateTexel) | uint32_t(M::VolatileTexel) |
                                  uint32_t(M::SignExtend) | uint32_t(M::ZeroExtend) | uint32_t(M::Nontemporal);
    constexpr uint32_t kScopes = uint32_t(M::MakeTexelAvailable) | uint32_t(M::MakeTexelVisible);
    const uint32_t sample_operand = image->multisampled && op == Op::OpImageFetch ? uint32_t(M::Sample) : 0;
    constexpr uint32_t kKnown = uint32_t(M::Lod) | uint32_t(M::Grad) | uint32_t(M::ConstOffset) | uint32_t(M::Offset) |
                                kIgnored | kScopes;
    if (mask & ~(kKnown | sample_operand))
        return fail(hooks, "image operands Bias, ConstOffsets, Offsets, MinLod, and Sample on images that are not "
                           "multisampled, are not supported");
    // SPIR-V "Image Operands": Sample is there exactly when the image is multisampled (MS = 1), which
    // has one level, so no Lod.
    if (image->multisampled && (!(mask & uint32_t(M::Sample)) || (mask & uint32_t(M::Lod))))
        return fail(hooks, "OpImageFetch of a multisampled image needs the Sample operand and no Lod");
    const bool implicit = op == Op::OpImageSampleImplicitLod || op == Op::OpImageSampleDrefImplicitLod;
    const bool sample = op == Op::OpImageSampleExplicitLod || op == Op::OpImageSampleDrefExplicitLod || implicit;
    if (mask & uint32_t(M::Lod)) {
        if (!sample && op != Op::OpImageFetch)
            return fail(hooks, "a Lod operand on an instruction that takes none");
        if (!operand(&table(t::Lod)))
            return Outcome::Failed;
    }
    if (mask & uint32_t(M::Grad)) {
        if (!sample)
            return fail(hooks, "a Grad operand on an instruction that takes none");
        if (!operand(&table(t::GradX)) || !operand(&table(t::GradY)))
            return Outcome::Failed;
        if (components(m_.type_of(w[at - 1])) < spatial || components(m_.type_of(w[at - 2])) < spatial)
            return fail(hooks, "Grad derivatives with too few components");
    }
    for (uint32_t bit : {uint32_t(M::ConstOffset), uint32_t(M::Offset)})
        if (mask & bit) {
            if (!sample && op != Op::OpImageGather)
                return fail(hooks, "texel offsets are supported for sampling and gathers only");
            if (!operand(&table(t::Offset)))
                return Outcome::Failed;
            if (components(m_.type_of(w[at - 1])) < spatial)
                return fail(hooks, "an offset with too few components");
        }
    if (mask & uint32_t(M::Sample)) {
        uint32_t sample_reg;
        if (!operand(&sample_reg))
            return Outcome::Failed;
        table(t::Coordinate) = multisampled_coordinate(table(t::Coordinate), coordinates, sample_reg, hooks);
    }
    if (implicit) {
        // Implicit LOD = explicit gradients: the coordinate's derivatives across the fragment's quad
        // (the spec's "Scale Factor Operation" computes the same LOD from them).
        if (mask & (uint32_t(M::Lod) | uint32_t(M::Grad)))
            return fail(hooks, "OpImageSampleImplicitLod with a Lod or Grad operand");
        for (uint32_t axis = 0; axis < 2; ++axis) {
            Ins derivative;
            derivative.run = derivative_handler(axis == 0 ? uint32_t(Op::OpDPdxCoarse) : uint32_t(Op::OpDPdyCoarse));
            derivative.a = table(t::Coordinate);
            derivative.n = spatial;
            derivative.dst = hooks.allocate(spatial);
            hooks.emit(derivative);
            table(axis == 0 ? t::GradX : t::GradY) = derivative.dst;
        }
        p_.stage.derivatives = true;
    }
    if (sample && !implicit && !(mask & (uint32_t(M::Lod) | uint32_t(M::Grad))))
        return fail(hooks, "OpImageSampleExplicitLod without Lod or Grad");
    if ((sample || op == Op::OpImageGather) && T(m_.type_of(image_id))->kind != TypeKind::SampledImage)
        return fail(hooks, "sampling needs a sampled image");
    if ((sample || op == Op::OpImageGather) && image->dim == kDimBuffer)
        return fail(hooks, "texel buffers cannot be sampled");
    if (op == Op::OpImageGather && image->dim != kDim2D)
        return fail(hooks, "OpImageGather on an image that is not 2D");
    if (cube && (mask & (uint32_t(M::ConstOffset) | uint32_t(M::Offset))))
        return fail(hooks, "texel offsets on a cube image");
    switch (op) {
    case Op::OpImageRead:
    case Op::OpImageFetch: ins.run = image_read; break;
    case Op::OpImageWrite: ins.run = image_write; break;
    case Op::OpImageSampleImplicitLod:
    case Op::OpImageSampleExplicitLod:
    case Op::OpImageSampleDrefImplicitLod:
    case Op::OpImageSampleDrefExplicitLod: ins.run = image_sample; break;
    case Op::OpImageGather: ins.run = image_gather; break;
    default: {
        return fail(hooks, "this image instruction is not supported yet");
    }
    }
    if (write) {
        if (table(t::Extra) > 4)
            return fail(hooks, "a texel of more than four components");
        ins.dst = hooks.allocate(1);
    } else {
        ins.dst = hooks.define(w[2], w[1]);
    }
    hooks.emit(ins);
    return Outcome::Done;
}

}  // namespace kiln::spirv
