#include "raster/output_merge.h"

#include "format/image_layout.h"
#include "format/texel.h"
#include "format/texel_codec.h"
#include "vk_formats.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace kiln::raster {

namespace {

bool is_dual_source(VkBlendFactor f) {
    return f == VK_BLEND_FACTOR_SRC1_COLOR || f == VK_BLEND_FACTOR_ONE_MINUS_SRC1_COLOR ||
           f == VK_BLEND_FACTOR_SRC1_ALPHA || f == VK_BLEND_FACTOR_ONE_MINUS_SRC1_ALPHA;
}

bool is_basic_op(VkBlendOp op) {
    return op == VK_BLEND_OP_ADD || op == VK_BLEND_OP_SUBTRACT || op == VK_BLEND_OP_REVERSE_SUBTRACT ||
           op == VK_BLEND_OP_MIN || op == VK_BLEND_OP_MAX;
}

// "Blend Factors": the factor of component i (0..2 color, 3 alpha).
float factor(VkBlendFactor f, int i, const float s[4], const float d[4], const float k[4]) {
    switch (f) {
    case VK_BLEND_FACTOR_ZERO: return 0.0f;
    case VK_BLEND_FACTOR_ONE: return 1.0f;
    case VK_BLEND_FACTOR_SRC_COLOR: return s[i];
    case VK_BLEND_FACTOR_ONE_MINUS_SRC_COLOR: return 1.0f - s[i];
    case VK_BLEND_FACTOR_DST_COLOR: return d[i];
    case VK_BLEND_FACTOR_ONE_MINUS_DST_COLOR: return 1.0f - d[i];
    case VK_BLEND_FACTOR_SRC_ALPHA: return s[3];
    case VK_BLEND_FACTOR_ONE_MINUS_SRC_ALPHA: return 1.0f - s[3];
    case VK_BLEND_FACTOR_DST_ALPHA: return d[3];
    case VK_BLEND_FACTOR_ONE_MINUS_DST_ALPHA: return 1.0f - d[3];
    case VK_BLEND_FACTOR_CONSTANT_COLOR: return k[i];
    case VK_BLEND_FACTOR_ONE_MINUS_CONSTANT_COLOR: return 1.0f - k[i];
    case VK_BLEND_FACTOR_CONSTANT_ALPHA: return k[3];
    case VK_BLEND_FACTOR_ONE_MINUS_CONSTANT_ALPHA: return 1.0f - k[3];
    case VK_BLEND_FACTOR_SRC_ALPHA_SATURATE: return i == 3 ? 1.0f : std::min(s[3], 1.0f - d[3]);
    default: return 0.0f;  // SRC1 factors: refused by prepare()
    }
}

float apply(VkBlendOp op, float s, float sf, float d, float df) {
    switch (op) {
    case VK_BLEND_OP_SUBTRACT: return s * sf - d * df;
    case VK_BLEND_OP_REVERSE_SUBTRACT: return d * df - s * sf;
    case VK_BLEND_OP_MIN: return std::min(s, d);  // factors are not used
    case VK_BLEND_OP_MAX: return std::max(s, d);
    default: return s * sf + d * df;
    }
}

// Four float components of n lanes to 8-bit UNORM texels (first argument in the low byte):
// round(clamp(f, 0, 1) * 255), NaN -> 0 ("Conversion from Floating-Point to Normalized Fixed-Point").
void pack_unorm8(const uint32_t* c0, const uint32_t* c1, const uint32_t* c2, const uint32_t* c3, uint32_t n,
                 uint32_t* out) {
    uint32_t l = 0;
#if defined(__SSE2__)
    // maxps(f, 0) gives 0 for NaN (the second operand), minps(v, 1) then keeps it.
    const __m128 zero = _mm_setzero_ps(), one = _mm_set1_ps(1.0f), scale = _mm_set1_ps(255.0f), half = _mm_set1_ps(0.5f);
    auto convert = [&](const uint32_t* c) {
        const __m128 f = _mm_loadu_ps(reinterpret_cast<const float*>(c + l));
        const __m128 v = _mm_min_ps(_mm_max_ps(f, zero), one);
        return _mm_cvttps_epi32(_mm_add_ps(_mm_mul_ps(v, scale), half));
    };
    for (; l + 4 <= n; l += 4) {
        const __m128i texel = _mm_or_si128(_mm_or_si128(convert(c0), _mm_slli_epi32(convert(c1), 8)),
                                           _mm_or_si128(_mm_slli_epi32(convert(c2), 16), _mm_slli_epi32(convert(c3), 24)));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + l), texel);
    }
#endif
    auto unorm8 = [](uint32_t bits) {
        const float f = std::bit_cast<float>(bits);
        float v = f > 0.0f ? f : 0.0f;
        v = v < 1.0f ? v : 1.0f;
        return uint32_t(int32_t(v * 255.0f + 0.5f));
    };
    for (; l < n; ++l)
        out[l] = unorm8(c0[l]) | unorm8(c1[l]) << 8 | unorm8(c2[l]) << 16 | unorm8(c3[l]) << 24;
}

}  // namespace

void blend(const BlendState& b, const float s[4], const float d[4], const float k[4], float out[4]) {
    for (int i = 0; i < 3; ++i)
        out[i] = apply(b.color_op, s[i], factor(b.src_color, i, s, d, k), d[i], factor(b.dst_color, i, s, d, k));
    out[3] = apply(b.alpha_op, s[3], factor(b.src_alpha, 3, s, d, k), d[3], factor(b.dst_alpha, 3, s, d, k));
}

Status OutputMerger::prepare(const OutputState& state, uint32_t samples, Rect* framebuffer) {
    if (state.color_count > kMaxColorAttachments)
        return Status::TooManyColorAttachments;
    auto narrow = [&](const format::MipLayout& m) {
        framebuffer->x1 = std::min<int64_t>(framebuffer->x1, m.width);
        framebuffer->y1 = std::min<int64_t>(framebuffer->y1, m.height);
    };
    auto plane_of = [&](const Attachment& a, const format::PlaneLayout& p) {
        const format::MipLayout& m = p.mips[a.mip];
        narrow(m);
        return Plane{a.base + a.layout->texel_offset(p, a.mip, a.layer, 0, 0, 0), m.row_pitch, p.pixel_stride(),
                     p.texel_size};
    };
    auto in_image = [](const Attachment& a) {
        return a.mip < a.layout->shape().mip_levels && a.layout->shape().mip_levels <= format::kMaxMipLevels &&
               a.layer < a.layout->shape().array_layers;
    };
    color_count_ = 0;
    for (uint32_t i = 0; i < state.color_count; ++i) {
        const Attachment& a = state.color[i];
        Color c;
        if (a.base && a.layout) {
            if (!in_image(a))
                return Status::InvalidAttachment;
            if (a.layout->shape().samples != samples)
                return Status::UnsupportedSampleCount;
            const VkFormat fmt = a.format != VK_FORMAT_UNDEFINED ? a.format : a.layout->shape().format;
            c.codec = format::texel_codec(fmt);
            const format::PlaneLayout* p = a.layout->plane_for(VK_IMAGE_ASPECT_COLOR_BIT);
            if (!c.codec || !p || c.codec->texel_size != p->texel_size)
                return Status::UnsupportedColorFormat;
            c.plane = plane_of(a, *p);
            c.blend = state.blend[i];
            const BlendState& b = c.blend;
            if (b.enable && (is_dual_source(b.src_color) || is_dual_source(b.dst_color) || is_dual_source(b.src_alpha) ||
                             is_dual_source(b.dst_alpha) || !is_basic_op(b.color_op) || !is_basic_op(b.alpha_op)))
                return Status::UnsupportedBlend;
            // "Blending": integer formats are not blended.
            c.blend_enabled = b.enable && c.codec->cls == format::TexelClass::Float;
            c.full_mask = (b.write_mask & c.codec->channels) == c.codec->channels;
            // "Blending": for fixed-point attachments the source, destination and constant are
            // clamped to the format's range ([0, 1] unsigned, [-1, 1] signed) before blending.
            const auto numeric = c.codec->info->components[0].numeric;
            c.clamp_lo = -std::numeric_limits<float>::infinity();
            c.clamp_hi = std::numeric_limits<float>::infinity();
            if (numeric == gen::Numeric::UNORM || numeric == gen::Numeric::SRGB)
                c.clamp_lo = 0.0f, c.clamp_hi = 1.0f;
            else if (numeric == gen::Numeric::SNORM)
                c.clamp_lo = -1.0f, c.clamp_hi = 1.0f;
            c.bgra8_fast = !c.blend_enabled && c.full_mask &&
                           (fmt == VK_FORMAT_B8G8R8A8_UNORM || fmt == VK_FORMAT_R8G8B8A8_UNORM);
            c.swap_rb = fmt == VK_FORMAT_B8G8R8A8_UNORM;
        }
        color_[color_count_++] = c;
    }
    for (int i = 0; i < 4; ++i)
        constants_[i] = state.blend_constants[i];

    depth_ = stencil_ = Plane{};
    const Attachment& ds = state.depth_stencil;
    if (ds.base && ds.layout) {
        if (!in_image(ds))
            return Status::InvalidAttachment;
        if (ds.layout->shape().samples != samples)
            return Status::UnsupportedSampleCount;
        if (!ds.layout->plane_for(VK_IMAGE_ASPECT_DEPTH_BIT) && !ds.layout->plane_for(VK_IMAGE_ASPECT_STENCIL_BIT))
            return Status::UnsupportedDepthFormat;
        const VkFormat fmt = ds.format != VK_FORMAT_UNDEFINED ? ds.format : ds.layout->shape().format;
        if (const format::PlaneLayout* p = ds.layout->plane_for(VK_IMAGE_ASPECT_DEPTH_BIT)) {
            switch (fmt) {
            case VK_FORMAT_D16_UNORM:
            case VK_FORMAT_D16_UNORM_S8_UINT: depth_kind_ = DepthKind::D16; break;
            case VK_FORMAT_X8_D24_UNORM_PACK32:
            case VK_FORMAT_D24_UNORM_S8_UINT: depth_kind_ = DepthKind::D24; break;
            case VK_FORMAT_D32_SFLOAT:
            case VK_FORMAT_D32_SFLOAT_S8_UINT: depth_kind_ = DepthKind::D32F; break;
            default: return Status::UnsupportedDepthFormat;
            }
            depth_ = plane_of(ds, *p);
        }
        if (const format::PlaneLayout* p = ds.layout->plane_for(VK_IMAGE_ASPECT_STENCIL_BIT)) {
            if (p->texel_size != 1)
                return Status::UnsupportedDepthFormat;
            stencil_ = plane_of(ds, *p);
        }
    }
    // "Depth Test" / "Stencil Test": without the attachment the test always passes and writes nothing.
    depth_test_ = state.depth_test && depth_.origin;
    depth_write_ = depth_test_ && state.depth_write;
    depth_compare_ = state.depth_compare;
    stencil_test_ = state.stencil_test && stencil_.origin;
    alpha_to_coverage_ = state.alpha_to_coverage;
    front_ = state.front;
    back_ = state.back;
    depth_quad_ = depth_test_ && !stencil_test_ ? choose_depth_quad(depth_kind_, depth_compare_) : nullptr;
    return Status::Ok;
}

// test_depth_stencil's depth half for the pixels of a quad, with the format and the compare op
// fixed at compile time: the same conversions and comparisons, without a branch on either.
template <OutputMerger::DepthKind Kind, VkCompareOp Op>
uint32_t OutputMerger::depth_quad(const OutputMerger& m, int32_t qx, int32_t qy, const float z[4], uint32_t mask) {
    for (uint32_t i = 0; i < 4; ++i) {
        if (!((mask >> i) & 1u))
            continue;
        std::byte* dp = m.depth_.at(qx + int32_t(i & 1), qy + int32_t(i >> 1));
        uint32_t as_stored = 0;
        if (!depth_passes<Kind>(Op, dp, z[i], &as_stored))
            mask &= ~(1u << i);
        else if (m.depth_write_)
            write_depth<Kind>(dp, z[i], as_stored);
    }
    return mask;
}

OutputMerger::DepthQuad OutputMerger::choose_depth_quad(DepthKind kind, VkCompareOp op) {
    auto for_kind = [&]<DepthKind K>() -> DepthQuad {
        switch (op) {
        case VK_COMPARE_OP_NEVER: return &depth_quad<K, VK_COMPARE_OP_NEVER>;
        case VK_COMPARE_OP_LESS: return &depth_quad<K, VK_COMPARE_OP_LESS>;
        case VK_COMPARE_OP_EQUAL: return &depth_quad<K, VK_COMPARE_OP_EQUAL>;
        case VK_COMPARE_OP_LESS_OR_EQUAL: return &depth_quad<K, VK_COMPARE_OP_LESS_OR_EQUAL>;
        case VK_COMPARE_OP_GREATER: return &depth_quad<K, VK_COMPARE_OP_GREATER>;
        case VK_COMPARE_OP_NOT_EQUAL: return &depth_quad<K, VK_COMPARE_OP_NOT_EQUAL>;
        case VK_COMPARE_OP_GREATER_OR_EQUAL: return &depth_quad<K, VK_COMPARE_OP_GREATER_OR_EQUAL>;
        default: return &depth_quad<K, VK_COMPARE_OP_ALWAYS>;
        }
    };
    switch (kind) {
    case DepthKind::D16: return for_kind.template operator()<DepthKind::D16>();
    case DepthKind::D24: return for_kind.template operator()<DepthKind::D24>();
    default: return for_kind.template operator()<DepthKind::D32F>();
    }
}

void OutputMerger::merge_batch(const FragmentBatch& in, const FragmentOutput& out, uint32_t lanes, bool late_tests,
                               bool shader_depth) const {
    if (alpha_to_coverage_) {  // one branch per batch
        for (uint32_t live = lanes; live;) {
            const uint32_t l = uint32_t(std::countr_zero(live));
            live &= live - 1;
            if (!(alpha_coverage(std::bit_cast<float>(out.color[0][3][l])) & 1))
                lanes &= ~(1u << l);
        }
    }
    if (late_tests) {
        for (uint32_t live = lanes; live;) {
            const uint32_t l = uint32_t(std::countr_zero(live));
            live &= live - 1;
            const float z = shader_depth ? out.depth[l] : in.z[l];
            if (!test_depth_stencil(in.x[l], in.y[l], z, (in.front_facing >> l) & 1))
                lanes &= ~(1u << l);
        }
    }
    for (uint32_t a = 0; a < color_count_; ++a) {
        const Color& c = color_[a];
        if (!c.codec)
            continue;
        if (c.bgra8_fast) {
            // "Conversion from Floating-Point to Normalized Fixed-Point": round(clamp(f, 0, 1) * 255),
            // NaN -> 0. All lanes in one loop the compiler vectorizes, then the live ones stored.
            const uint32_t n = 4 * in.quad_count;
            const int r = c.swap_rb ? 2 : 0, b = c.swap_rb ? 0 : 2;
            alignas(64) uint32_t packed[kLanes];
            pack_unorm8(out.color[a][r], out.color[a][1], out.color[a][b], out.color[a][3], n, packed);
            for (uint32_t live = lanes; live;) {
                const uint32_t l = uint32_t(std::countr_zero(live));
                live &= live - 1;
                std::memcpy(c.plane.at(in.x[l], in.y[l]), &packed[l], 4);
            }
            continue;
        }
        for (uint32_t live = lanes; live;) {
            const uint32_t l = uint32_t(std::countr_zero(live));
            live &= live - 1;
            write_one(c, c.plane.at(in.x[l], in.y[l]), out, a, l);
        }
    }
}

void OutputMerger::merge_batch_4x(const FragmentBatch& in, const FragmentOutput& out, uint32_t lanes, bool late_tests,
                                  bool shader_depth, const uint8_t* sample_coverage, const float (*sample_z)[4]) const {
    uint8_t samples[kLanes];
    for (uint32_t live = lanes; live;) {
        const uint32_t l = uint32_t(std::countr_zero(live));
        live &= live - 1;
        samples[l] = sample_coverage[l];
        if (alpha_to_coverage_)
            samples[l] &= uint8_t(alpha_coverage(std::bit_cast<float>(out.color[0][3][l])));
        if (!samples[l]) {
            lanes &= ~(1u << l);
            continue;
        }
        if (!late_tests)
            continue;
        // "Depth Test" per sample: at the sample's own depth, or FragDepth for all of them.
        for (uint32_t s = 0; s < 4; ++s) {
            if (!(samples[l] & (1u << s)))
                continue;
            const float z = shader_depth ? out.depth[l] : sample_z[l][s];
            if (!test_depth_stencil(in.x[l], in.y[l], z, (in.front_facing >> l) & 1, s))
                samples[l] &= uint8_t(~(1u << s));
        }
        if (!samples[l])
            lanes &= ~(1u << l);
    }
    for (uint32_t a = 0; a < color_count_; ++a) {
        const Color& c = color_[a];
        if (!c.codec)
            continue;
        if (c.bgra8_fast) {
            // As merge_batch: the lanes packed at once, then each lane's texel copied to its samples.
            const int r = c.swap_rb ? 2 : 0, b = c.swap_rb ? 0 : 2;
            alignas(64) uint32_t packed[kLanes];
            pack_unorm8(out.color[a][r], out.color[a][1], out.color[a][b], out.color[a][3], 4 * in.quad_count, packed);
            for (uint32_t live = lanes; live;) {
                const uint32_t l = uint32_t(std::countr_zero(live));
                live &= live - 1;
                std::byte* pixel = c.plane.at(in.x[l], in.y[l]);
                if (samples[l] == 0xf) {
                    const uint32_t four[4] = {packed[l], packed[l], packed[l], packed[l]};
                    std::memcpy(pixel, four, sizeof four);
                    continue;
                }
                for (uint32_t s = 0; s < 4; ++s)
                    if (samples[l] & (1u << s))
                        std::memcpy(pixel + s * 4, &packed[l], 4);
            }
            continue;
        }
        for (uint32_t live = lanes; live;) {
            const uint32_t l = uint32_t(std::countr_zero(live));
            live &= live - 1;
            std::byte* pixel = c.plane.at(in.x[l], in.y[l]);
            for (uint32_t s = 0; s < 4; ++s)
                if (samples[l] & (1u << s))
                    write_one(c, pixel + s * c.plane.sample_size, out, a, l);
        }
    }
}

void OutputMerger::write_one(const Color& c, std::byte* texel, const FragmentOutput& out, uint32_t a,
                             uint32_t lane) const {
    uint32_t src[4] = {out.color[a][0][lane], out.color[a][1][lane], out.color[a][2][lane], out.color[a][3][lane]};
    if (c.full_mask && !c.blend_enabled) {
        c.codec->write(*c.codec, src, texel);
        return;
    }
    uint32_t dst[4];
    c.codec->read(*c.codec, texel, dst);
    uint32_t result[4] = {src[0], src[1], src[2], src[3]};
    if (c.blend_enabled) {
        float s[4], d[4], k[4], r[4];
        for (int i = 0; i < 4; ++i) {
            s[i] = std::clamp(std::bit_cast<float>(src[i]), c.clamp_lo, c.clamp_hi);
            d[i] = std::bit_cast<float>(dst[i]);
            k[i] = std::clamp(constants_[i], c.clamp_lo, c.clamp_hi);
        }
        blend(c.blend, s, d, k, r);
        for (int i = 0; i < 4; ++i)
            result[i] = std::bit_cast<uint32_t>(r[i]);
    }
    // "Color Write Mask": masked-out components keep the attachment's value (read and written back
    // through the codec, which is exact for the formats Kiln renders to).
    for (int i = 0; i < 4; ++i)
        if (!(c.blend.write_mask & (1u << i)))
            result[i] = dst[i];
    c.codec->write(*c.codec, result, texel);
}

}  // namespace kiln::raster
