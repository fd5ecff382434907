// Image, sampler and texel buffer descriptors as the executor reads them: resolved once per
// dispatch (src/vulkan/image_descriptor.cpp) from the bound sets into plain values -- where the
// view's texels are, its levels' extents and pitches, how to decode and encode a texel, and the
// sampler's state -- so that image instructions never look at a Vulkan object.
//
// A shader holds an image, sampler or sampled image as one register word, its handle:
// bits 0-15 the slot of its image (Program::image_bindings) plus one, bits 16-31 the slot of its
// sampler plus one (0: none). A combined image sampler names one slot in both halves; OpSampledImage
// ORs an image's and a sampler's handles.
#pragma once

#include <cstddef>
#include <cstdint>

#include "format/image_layout.h"

namespace kiln::format {
struct TexelCodec;
}

namespace kiln::spirv {

inline constexpr uint32_t kImageHandleMask = 0xffff;
inline constexpr uint32_t kSamplerHandleShift = 16;

// VkSamplerCreateInfo's state, in the executor's terms (Vulkan enum values as they are).
struct SamplerState {
    uint8_t mag_filter = 0, min_filter = 0;  // VkFilter: NEAREST 0, LINEAR 1
    uint8_t mipmap_mode = 0;                 // VkSamplerMipmapMode: NEAREST 0, LINEAR 1
    uint8_t address[3] = {0, 0, 0};          // VkSamplerAddressMode for u, v, w
    uint8_t unnormalized = 0;
    uint8_t border = 0;  // VkBorderColor
    uint8_t compare_enable = 0;  // "Depth Compare Operation": Dref sampling compares each texel
    uint8_t compare_op = 0;      // VkCompareOp
    float lod_bias = 0, min_lod = 0, max_lod = 0;
};

// One level of a view (level 0 is the view's base level).
struct ImageLevel {
    uint64_t offset = 0;  // bytes from ImageDescriptor::base to texel (0, 0, 0) of the view's first layer
    uint64_t row_pitch = 0, depth_pitch = 0, array_pitch = 0;
    uint32_t width = 0, height = 0, depth = 0, pad_ = 0;
};

struct ImageDescriptor {
    std::byte* base = nullptr;  // NULL: nothing (valid) bound -- reads give 0, writes are dropped
    const format::TexelCodec* codec = nullptr;
    uint32_t texel_size = 0;
    uint32_t level_count = 0, layer_count = 0;
    uint8_t swizzle[4] = {0, 1, 2, 3};  // per output component: 0-3 a component, 4 zero, 5 one
    uint8_t has_sampler = 0;
    uint8_t pad_[3] = {};
    SamplerState sampler;
    ImageLevel levels[format::kMaxMipLevels];
};

}  // namespace kiln::spirv
