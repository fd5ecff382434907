// Per-sample operations (Vulkan spec, "Fragment Operations" and "The Framebuffer"), for one sample per
// pixel: stencil test and ops, depth test and write, then per color attachment blending and the write
// mask. Attachments are addressed through format::ImageLayout; texels are read and written with
// format::TexelCodec (so sRGB attachments are decoded to linear before blending and encoded after,
// as "Blending" and "sRGB Conversion" say).
//
// Left out: depth bounds, logic ops, dual-source blending (SRC1 factors), advanced blend ops,
// multisampling and sample masks.
#pragma once

#include "raster/raster.h"
#include "raster/setup.h"

#include <cstddef>
#include <cstdint>

namespace kiln::format {
struct TexelCodec;
}

namespace kiln::raster {

class OutputMerger {
public:
    // Resolves the attachments of `state`; `framebuffer` is narrowed to the pixels every attachment has.
    Status prepare(const OutputState& state, Rect* framebuffer);

    bool has_depth_stencil_tests() const { return depth_test_ || stencil_test_; }
    bool has_depth() const { return depth_.origin != nullptr; }

    // "Stencil Test" then "Depth Test" for pixel (x, y) with fragment depth z, including their
    // writes (stencil ops, depth write). Returns whether the fragment survives both.
    bool test_depth_stencil(int32_t x, int32_t y, float z, bool front_facing) const;

    // "Blending" and "Color Write Mask" too: the whole merge of a shaded batch for the lanes in `lanes`: late depth/stencil tests (when
    // `late_tests`; depth from `out.depth` when `shader_depth`), then the colors of the survivors.
    // Per attachment in lane order, which is API order: a pixel covered by several quads of the batch
    // gets them in order, as the depth tests did.
    void merge_batch(const FragmentBatch& in, const FragmentOutput& out, uint32_t lanes, bool late_tests,
                     bool shader_depth) const;

private:
    enum class DepthKind : uint8_t { D16, D24, D32F };
    struct Plane {
        std::byte* origin = nullptr;  // texel (0, 0) of the mip level and layer
        uint64_t row_pitch = 0;
        uint32_t texel_size = 0;
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

    void write_one(const Color& c, int32_t x, int32_t y, const FragmentOutput& out, uint32_t a, uint32_t lane) const;

    uint32_t color_count_ = 0;
    Color color_[kMaxColorAttachments];
    float constants_[4] = {0, 0, 0, 0};
    Plane depth_, stencil_;
    DepthKind depth_kind_ = DepthKind::D32F;
    bool depth_test_ = false, depth_write_ = false, stencil_test_ = false;
    VkCompareOp depth_compare_ = VK_COMPARE_OP_ALWAYS;
    StencilFace front_, back_;
};

// Helpers, exposed for tests.
bool compare(VkCompareOp op, uint32_t reference, uint32_t stored);  // "reference op stored"
bool compare(VkCompareOp op, float reference, float stored);
uint8_t stencil_op(VkStencilOp op, uint8_t value, uint8_t reference);
// The four components through "Blend Factors" and "Blend Operations" (inputs already clamped).
void blend(const BlendState& state, const float src[4], const float dst[4], const float constants[4], float out[4]);

}  // namespace kiln::raster
