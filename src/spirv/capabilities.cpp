// What Kiln's SPIR-V engine implements: the capabilities and extensions a module may declare.
// One list, kept in step with the executor: a capability goes in when its instructions run and are
// tested (tests/compute), never before.
#include <algorithm>
#include <iterator>

#include "binary.h"
#include "spirv_grammar.h"

namespace kiln::spirv {

namespace {

// Capability enumerant values (the grammar's names, looked up at first use so that this list is
// written in names, not numbers).
constexpr const char* kSupportedCapabilities[] = {
    "Matrix", "Shader", "Int64", "Float64", "Int16",
    // VK_KHR_shader_float16_int8: half floats computed in float and rounded to nearest even (ops.cpp
    // Half), 8-bit integers in registers widened like 16-bit ones.
    "Float16", "Int8",
    // VK_KHR_16bit_storage and VK_KHR_8bit_storage: loads and stores move 1- and 2-byte leaves at the
    // module's explicit offsets (ir.h Move), in storage and uniform buffers and push constants alike.
    // Input/output (StorageInputOutput16) waits for the graphics stages.
    "StorageBuffer16BitAccess", "UniformAndStorageBuffer16BitAccess", "StoragePushConstant16",
    "StorageBuffer8BitAccess", "UniformAndStorageBuffer8BitAccess", "StoragePushConstant8",
    // VK_KHR_shader_atomic_int64: 64-bit atomics on buffers and workgroup memory (ops.cpp atomic).
    "Int64Atomics",
    // Subgroups (a batch is one: ops_subgroup.h).
    "GroupNonUniform", "GroupNonUniformVote", "GroupNonUniformArithmetic", "GroupNonUniformBallot",
    "GroupNonUniformShuffle", "GroupNonUniformShuffleRelative",
    // Images (lower_image.cpp, ops_image.cpp; tests/compute/image_test.cpp): 1D images and
    // texel buffers, the size and level queries, and every storage format a SPIR-V Image Format
    // names (shaderStorageImageExtendedFormats).
    "Sampled1D", "Image1D", "SampledBuffer", "ImageBuffer", "ImageQuery", "StorageImageExtendedFormats",
    // Fragment shaders' fine and coarse derivatives (ops_quad.h; tests/unit/spirv_stage_test.cpp).
    "DerivativeControl",
    // Input attachments (subpassLoad: ops_image.cpp image_read_subpass; tests/draw).
    "InputAttachment",
    // Vertex shaders' clip and cull distances (src/raster/clip.h, rasterizer.cpp; tests/draw).
    "ClipDistance", "CullDistance",
};

constexpr const char* kSupportedExtensions[] = {
    "SPV_KHR_storage_buffer_storage_class",  // core in SPIR-V 1.3, used by 1.0 modules
    "SPV_KHR_non_semantic_info",
    "SPV_KHR_16bit_storage",  // core in SPIR-V 1.3
    "SPV_KHR_8bit_storage",   // core in SPIR-V 1.5
};

}  // namespace

bool capability_supported(uint32_t capability) {
    const grammar::Enumerant* e = grammar::enumerant(grammar::OperandKind::Capability, capability);
    if (!e)
        return false;
    return std::any_of(std::begin(kSupportedCapabilities), std::end(kSupportedCapabilities),
                       [&](const char* name) { return std::string(name) == e->name; });
}

bool extension_supported(const std::string& name) {
    return std::any_of(std::begin(kSupportedExtensions), std::end(kSupportedExtensions),
                       [&](const char* supported) { return name == supported; });
}

}  // namespace kiln::spirv
