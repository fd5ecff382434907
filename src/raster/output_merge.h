// Per-sample operations (Vulkan spec, "Fragment Operations" and "The Framebuffer"), for one sample per
// pixel or for each of the four samples of multisampled attachments: stencil test and ops, depth test and write, then per color attachment blending and the write
// mask. Attachments are addressed through format::ImageLayout; texels are read and written with
// format::TexelCodec (so sRGB attachments are decoded to linear before blending and encoded after,
// as "Blending" and "sRGB Conversion" say).
//
// Left out: depth bounds, logic ops, dual-source blending (SRC1 factors), advanced blend ops,
// alpha to one.
#pragma once

#include "raster/raster.h"
#include "raster/setup.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace kiln::format {
struct TexelCodec;
}

namespace kiln::raster {

class OutputMerger {
public:
    // Resolves the attachments of `state`; `framebuffer` is narrowed to the pixels every attachment has.
    // Every attachment must have `samples` samples.
    Status prepare(const OutputState& state, uint32_t samples, Rect* framebuffer);

    bool has_depth_stencil_tests() const { return depth_test_ || stencil_test_; }
    bool has_depth() const { return depth_.origin != nullptr; }

    // "Stencil Test" then "Depth Test" for sample `sample` of pixel (x, y) with fragment depth z,
    // including their writes (stencil ops, depth write). Returns whether the sample survives both.
    bool test_depth_stencil(int32_t x, int32_t y, float z, bool front_facing, uint32_t sample = 0) const;

    // test_depth_stencil for the pixels of one 2x2 quad at (qx, qy) (bit i: pixel (qx + (i & 1),
    // qy + (i >> 1)), depth z[i]); returns the pixels of `mask` that survive. Without a stencil
    // test it runs a loop made for the draw's depth format and compare op.
    uint32_t test_quad(int32_t qx, int32_t qy, const float z[4], uint32_t mask, bool front_facing) const {
        if (depth_quad_)
            return depth_quad_(*this, qx, qy, z, mask);
        for (uint32_t i = 0; i < 4; ++i)
            if ((mask >> i) & 1u && !test_depth_stencil(qx + int32_t(i & 1), qy + int32_t(i >> 1), z[i], front_facing))
                mask &= ~(1u << i);
        return mask;
    }

    // "Blending" and "Color Write Mask" too: the whole merge of a shaded batch for the lanes in `lanes`: late depth/stencil tests (when
    // `late_tests`; depth from `out.depth` when `shader_depth`), then the colors of the survivors.
    // Per attachment in lane order, which is API order: a pixel covered by several quads of the batch
    // gets them in order, as the depth tests did.
    void merge_batch(const FragmentBatch& in, const FragmentOutput& out, uint32_t lanes, bool late_tests,
                     bool shader_depth) const;
    // The same for a multisampled draw: per lane the samples of sample_coverage[lane], tested late
    // with their own depths sample_z[lane][sample] (or FragDepth), and the color written to each
    // surviving sample (blended with that sample's value).
    void merge_batch_4x(const FragmentBatch& in, const FragmentOutput& out, uint32_t lanes, bool late_tests,
                        bool shader_depth, const uint8_t* sample_coverage, const float (*sample_z)[4]) const;

private:
    enum class DepthKind : uint8_t { D16, D24, D32F };
    struct Plane {
        std::byte* origin = nullptr;  // texel (0, 0) of the mip level and layer
        uint64_t row_pitch = 0;
        uint32_t texel_size = 0;   // bytes from one pixel to the next (all of its samples)
        uint32_t sample_size = 0;  // bytes from one sample to the next
        std::byte* at(int32_t x, int32_t y) const { return origin + uint64_t(y) * row_pitch + uint64_t(x) * texel_size; }
    };
    struct Color {
        Plane plane;
        const format::TexelCodec* codec = nullptr;
        BlendState blend;
        bool blend_enabled = false;  // blend.enable and the format is not an integer one
        bool full_mask = true;       // every component the format has is written
        float clamp_lo = 0, clamp_hi = 0;  // fixed-point formats clamp blend inputs; else +-inf
        bool bgra8_fast = false;     // B8G8R8A8/R8G8B8A8 UNORM, no blending, full mask
        bool swap_rb = false;
    };

    void write_one(const Color& c, std::byte* texel, const FragmentOutput& out, uint32_t a, uint32_t lane) const;

    // "Depth Test" in one depth format: whether z passes `op` against the depth stored at dp (a
    // fixed-point attachment's z is clamped to [0, 1] and converted first, so the comparison is
    // between stored representations); *as_stored gets z as the format stores it.
    template <DepthKind Kind>
    static bool depth_passes(VkCompareOp op, const std::byte* dp, float z, uint32_t* as_stored);
    template <DepthKind Kind>
    static void write_depth(std::byte* dp, float z, uint32_t as_stored);

    using DepthQuad = uint32_t (*)(const OutputMerger& m, int32_t qx, int32_t qy, const float z[4], uint32_t mask);
    template <DepthKind Kind, VkCompareOp Op>
    static uint32_t depth_quad(const OutputMerger& m, int32_t qx, int32_t qy, const float z[4], uint32_t mask);
    static DepthQuad choose_depth_quad(DepthKind kind, VkCompareOp op);
    DepthQuad depth_quad_ = nullptr;  // set when the depth test runs without a stencil test

    uint32_t color_count_ = 0;
    Color color_[kMaxColorAttachments];
    float constants_[4] = {0, 0, 0, 0};
    Plane depth_, stencil_;
    DepthKind depth_kind_ = DepthKind::D32F;
    bool depth_test_ = false, depth_write_ = false, stencil_test_ = false;
    bool alpha_to_coverage_ = false;
    VkCompareOp depth_compare_ = VK_COMPARE_OP_ALWAYS;
    StencilFace front_, back_;
};

// Inline: the depth and stencil tests run per pixel.

// "reference op stored", the table of "Depth Comparison" / "Stencil Test".
inline bool compare(VkCompareOp op, uint32_t reference, uint32_t stored) {
    switch (op) {
    case VK_COMPARE_OP_NEVER: return false;
    case VK_COMPARE_OP_LESS: return reference < stored;
    case VK_COMPARE_OP_EQUAL: return reference == stored;
    case VK_COMPARE_OP_LESS_OR_EQUAL: return reference <= stored;
    case VK_COMPARE_OP_GREATER: return reference > stored;
    case VK_COMPARE_OP_NOT_EQUAL: return reference != stored;
    case VK_COMPARE_OP_GREATER_OR_EQUAL: return reference >= stored;
    default: return true;  // ALWAYS
    }
}

inline bool compare(VkCompareOp op, float reference, float stored) {
    switch (op) {
    case VK_COMPARE_OP_NEVER: return false;
    case VK_COMPARE_OP_LESS: return reference < stored;
    case VK_COMPARE_OP_EQUAL: return reference == stored;
    case VK_COMPARE_OP_LESS_OR_EQUAL: return reference <= stored;
    case VK_COMPARE_OP_GREATER: return reference > stored;
    case VK_COMPARE_OP_NOT_EQUAL: return reference != stored;
    case VK_COMPARE_OP_GREATER_OR_EQUAL: return reference >= stored;
    default: return true;
    }
}

inline uint8_t stencil_op(VkStencilOp op, uint8_t value, uint8_t reference) {
    // "Stencil Test", table "Stencil Operations" (8-bit stencil: saturate at 0 and 255, wrap mod 256).
    switch (op) {
    case VK_STENCIL_OP_ZERO: return 0;
    case VK_STENCIL_OP_REPLACE: return reference;
    case VK_STENCIL_OP_INCREMENT_AND_CLAMP: return value == 255 ? 255 : uint8_t(value + 1);
    case VK_STENCIL_OP_DECREMENT_AND_CLAMP: return value == 0 ? 0 : uint8_t(value - 1);
    case VK_STENCIL_OP_INVERT: return uint8_t(~value);
    case VK_STENCIL_OP_INCREMENT_AND_WRAP: return uint8_t(value + 1);
    case VK_STENCIL_OP_DECREMENT_AND_WRAP: return uint8_t(value - 1);
    default: return value;  // KEEP
    }
}

template <OutputMerger::DepthKind Kind>
inline bool OutputMerger::depth_passes(VkCompareOp op, const std::byte* dp, float z, uint32_t* as_stored) {
    if constexpr (Kind == DepthKind::D32F) {
        float stored;
        std::memcpy(&stored, dp, 4);
        return compare(op, z, stored);
    } else {
        const float zc = std::isnan(z) ? 0.0f : std::clamp(z, 0.0f, 1.0f);
        uint32_t stored;
        if constexpr (Kind == DepthKind::D16) {
            *as_stored = uint32_t(std::lrint(zc * 65535.0f));
            uint16_t s16;
            std::memcpy(&s16, dp, 2);
            stored = s16;
        } else {
            *as_stored = uint32_t(std::llrint(double(zc) * 16777215.0));
            std::memcpy(&stored, dp, 4);
            stored &= 0xffffff;
        }
        return compare(op, *as_stored, stored);
    }
}

template <OutputMerger::DepthKind Kind>
inline void OutputMerger::write_depth(std::byte* dp, float z, uint32_t as_stored) {
    if constexpr (Kind == DepthKind::D32F) {
        std::memcpy(dp, &z, 4);
    } else if constexpr (Kind == DepthKind::D16) {
        const uint16_t v = uint16_t(as_stored);
        std::memcpy(dp, &v, 2);
    } else {
        std::memcpy(dp, &as_stored, 4);  // X8_D24: the top 8 bits are unused, written as 0
    }
}

inline bool OutputMerger::test_depth_stencil(int32_t x, int32_t y, float z, bool front_facing, uint32_t sample) const {
    bool depth_pass = true;
    uint32_t dz = 0;  // fixed-point depth as stored
    std::byte* dp = nullptr;
    if (depth_test_) {
        dp = depth_.at(x, y) + sample * depth_.sample_size;
        switch (depth_kind_) {
        case DepthKind::D16: depth_pass = depth_passes<DepthKind::D16>(depth_compare_, dp, z, &dz); break;
        case DepthKind::D24: depth_pass = depth_passes<DepthKind::D24>(depth_compare_, dp, z, &dz); break;
        case DepthKind::D32F: depth_pass = depth_passes<DepthKind::D32F>(depth_compare_, dp, z, &dz); break;
        }
    }
    if (stencil_test_) {
        const StencilFace& f = front_facing ? front_ : back_;
        std::byte* sp = stencil_.at(x, y) + sample * stencil_.sample_size;
        const uint8_t stored = uint8_t(*sp);
        const uint8_t ref = uint8_t(f.reference);
        // "Stencil Test": (reference & compareMask) op (stored & compareMask).
        const bool stencil_pass = compare(f.compare, uint32_t(ref & f.compare_mask), uint32_t(stored & f.compare_mask));
        const VkStencilOp op = !stencil_pass ? f.fail : !depth_pass ? f.depth_fail : f.pass;
        const uint8_t updated = stencil_op(op, stored, ref);
        // Only the bits of writeMask change.
        *sp = std::byte((stored & ~f.write_mask) | (updated & f.write_mask));
        if (!stencil_pass)
            return false;
    }
    if (!depth_pass)
        return false;
    if (depth_write_) {
        switch (depth_kind_) {
        case DepthKind::D16: write_depth<DepthKind::D16>(dp, z, dz); break;
        case DepthKind::D24: write_depth<DepthKind::D24>(dp, z, dz); break;
        case DepthKind::D32F: write_depth<DepthKind::D32F>(dp, z, dz); break;
        }
    }
    return true;
}

// Alpha to coverage's sample mask for an alpha value: round(4 alpha) samples, nested masks so that
// more alpha never covers fewer samples; NaN covers none.
inline uint32_t alpha_coverage(float alpha) {
    static constexpr uint8_t kMasks[5] = {0x0, 0x1, 0x5, 0x7, 0xf};
    if (!(alpha > 0.0f))
        return 0;
    return kMasks[alpha >= 1.0f ? 4 : int(alpha * 4.0f + 0.5f)];
}

// The four components through "Blend Factors" and "Blend Operations" (inputs already clamped).
void blend(const BlendState& state, const float src[4], const float dst[4], const float constants[4], float out[4]);

}  // namespace kiln::raster
