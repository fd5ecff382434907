// What the image handlers share (ops_image.cpp, the generic handlers; sample_rgba8.cpp, the sampler
// for 2D 8-bit RGBA textures): a handle's descriptor and sampler, the spec's wrapping of texel
// coordinates, and level-of-detail selection. One definition of each, so that the fast sampler
// computes the same bits as the generic one.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

#include "image.h"
#include "ir.h"

namespace kiln::spirv::image_access {

inline constexpr uint32_t kDim1D = 0, kDim2D = 1, kDim3D = 2, kDimCube = 3, kDimBuffer = 5;

// VkSamplerAddressMode values as SamplerState holds them.
inline constexpr uint8_t kRepeat = 0, kMirroredRepeat = 1, kClampToEdge = 2, kClampToBorder = 3,
                         kMirrorClampToEdge = 4;

// The descriptor a handle's image half names, or NULL (no slot, or nothing valid bound).
inline const ImageDescriptor* image_of(const Batch& b, uint32_t handle) {
    const uint32_t slot = handle & kImageHandleMask;
    if (slot == 0 || slot > b.dispatch->image_count)
        return nullptr;
    const ImageDescriptor* d = &b.dispatch->images[slot - 1];
    return d->base && d->codec ? d : nullptr;
}

// The sampler a handle's sampler half names, or NULL.
inline const SamplerState* sampler_of(const Batch& b, uint32_t handle) {
    const uint32_t slot = handle >> kSamplerHandleShift;
    if (slot == 0 || slot > b.dispatch->image_count)
        return nullptr;
    const ImageDescriptor* d = &b.dispatch->images[slot - 1];
    return d->has_sampler ? &d->sampler : nullptr;
}

inline int32_t mirror(int32_t n) { return n >= 0 ? n : -(1 + n); }

// The spec's wrapping of an integer texel coordinate ("Wrapping Operation"); may return -1 or size
// (a border texel) for CLAMP_TO_BORDER.
inline int32_t wrap(int32_t i, int32_t size, uint32_t mode) {
    if (size <= 0)
        return -1;
    switch (mode) {
    case kRepeat: return ((i % size) + size) % size;
    case kMirroredRepeat: {  // (size - 1) - mirror((i mod 2size) - size)
        const int32_t m = ((i % (2 * size)) + 2 * size) % (2 * size);
        return (size - 1) - mirror(m - size);
    }
    case kClampToBorder: return std::clamp(i, -1, size);
    case kMirrorClampToEdge: return std::clamp(mirror(i), 0, size - 1);
    default: return std::clamp(i, 0, size - 1);  // CLAMP_TO_EDGE
    }
}

// Floats beyond this exceed int32 when scaled: clamp coordinates so that the integer conversions
// stay defined (any texel beyond the image is wrapped or clamped alike).
inline float clamp_coordinate(float u) {
    if (std::isnan(u))
        return 0.0f;
    return std::clamp(u, -16777216.0f, 16777216.0f);
}

// lambda_base = log2(rho), rho the longest of the derivatives scaled by level 0's extent ("Scale
// Factor Operation"), of lane l's Grad operand.
inline float lambda_from_gradients(const Batch& b, uint32_t grad_x, uint32_t grad_y, uint32_t dims,
                                   const ImageLevel& level0, uint32_t l) {
    const float size[3] = {float(level0.width), float(level0.height), float(level0.depth)};
    float rx = 0, ry = 0;
    for (uint32_t a = 0; a < dims; ++a) {
        const float dx = std::bit_cast<float>(b.reg(grad_x + a)[l]) * size[a];
        const float dy = std::bit_cast<float>(b.reg(grad_y + a)[l]) * size[a];
        rx += dx * dx;
        ry += dy * dy;
    }
    return std::log2(std::sqrt(std::max(rx, ry)));
}

// Which levels a sample reads and how ("Level-of-Detail Operation", "Image Level(s) Selection"):
// level `first`, filtered as `linear` says; with `delta` > 0 also level `second`, the two mixed as
// (1 - delta) * first + delta * second.
struct LevelChoice {
    bool linear = false;
    uint32_t first = 0, second = 0;
    float delta = 0.0f;
};

// filterable: the format may be filtered linearly (integer formats read as NEAREST).
LevelChoice choose_levels(const ImageDescriptor& d, const SamplerState& s, float lambda_base, bool filterable);

}  // namespace kiln::spirv::image_access
