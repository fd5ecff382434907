// Rasterizer output merge: depth and stencil tests and ops, blending, sRGB, write masks, formats,
// early fragment tests, and threads giving the single-threaded result bit for bit (src/raster).
#include "exec/worker_pool.h"
#include "format/texel.h"
#include "raster/output_merge.h"
#include "raster/raster.h"
#include "raster_test_util.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace kiln::raster {
namespace {

using test::Image;
using test::RecordingShader;
using test::TestDraw;

constexpr uint32_t kSize = 16;

// A full-screen rectangle (two triangles) at depth z whose shader writes `color` (4 words, as
// FragmentOutput words) to attachment 0; `configure` edits the draw before it runs.
void fill(const std::array<uint32_t, 4>& color, float z, const std::function<void(Draw&)>& configure,
          VkFrontFace front = VK_FRONT_FACE_COUNTER_CLOCKWISE) {
    TestDraw t(kSize, kSize);
    for (int i : {0, 1, 2, 0, 2, 3}) {
        const double xs[4] = {0, 0, kSize, kSize}, ys[4] = {0, kSize, kSize, 0};  // counter-clockwise
        t.add_window_vertex(xs[i], ys[i], z);
        t.varyings.insert(t.varyings.end(), color.begin(), color.end());
    }
    t.words = 4;
    t.interpolation.assign(4, Interpolation::Flat);
    t.draw.raster.front_face = front;
    configure(t.draw);
    RecordingShader s(kSize, kSize);
    s.words = 4;
    Rasterizer r;
    InlineJobRunner jobs;
    ASSERT_EQ(r.draw(t.finish(), s, jobs), Status::Ok);
}

std::array<uint32_t, 4> fcolor(float r, float g, float b, float a) {
    return {std::bit_cast<uint32_t>(r), std::bit_cast<uint32_t>(g), std::bit_cast<uint32_t>(b), std::bit_cast<uint32_t>(a)};
}

const VkCompareOp kCompareOps[] = {VK_COMPARE_OP_NEVER, VK_COMPARE_OP_LESS, VK_COMPARE_OP_EQUAL,
                                   VK_COMPARE_OP_LESS_OR_EQUAL, VK_COMPARE_OP_GREATER, VK_COMPARE_OP_NOT_EQUAL,
                                   VK_COMPARE_OP_GREATER_OR_EQUAL, VK_COMPARE_OP_ALWAYS};

bool host_compare(VkCompareOp op, double a, double b) {
    switch (op) {
    case VK_COMPARE_OP_NEVER: return false;
    case VK_COMPARE_OP_LESS: return a < b;
    case VK_COMPARE_OP_EQUAL: return a == b;
    case VK_COMPARE_OP_LESS_OR_EQUAL: return a <= b;
    case VK_COMPARE_OP_GREATER: return a > b;
    case VK_COMPARE_OP_NOT_EQUAL: return a != b;
    case VK_COMPARE_OP_GREATER_OR_EQUAL: return a >= b;
    default: return true;
    }
}

TEST(RasterDepth, EveryCompareOpOnEveryDepthFormat) {
    const VkFormat formats[] = {VK_FORMAT_D32_SFLOAT, VK_FORMAT_D16_UNORM, VK_FORMAT_D24_UNORM_S8_UINT,
                                VK_FORMAT_X8_D24_UNORM_PACK32, VK_FORMAT_D32_SFLOAT_S8_UINT};
    for (VkFormat fmt : formats)
        for (VkCompareOp op : kCompareOps)
            for (float z : {0.25f, 0.5f, 0.75f}) {
                Image color(VK_FORMAT_R32_UINT, kSize, kSize);
                Image depth(fmt, kSize, kSize);
                // Both passes quantize 0.5 identically, so EQUAL passes at 0.5 on every format.
                fill({0, 0, 0, 0}, 0.5f, [&](Draw& d) {
                    d.output.depth_stencil = depth.attachment();
                    d.output.depth_test = d.output.depth_write = true;
                });
                fill({7, 0, 0, 0}, z, [&](Draw& d) {
                    d.output.color_count = 1;
                    d.output.color[0] = color.attachment();
                    d.output.depth_stencil = depth.attachment();
                    d.output.depth_test = d.output.depth_write = true;
                    d.output.depth_compare = op;
                });
                const bool pass = host_compare(op, z, 0.5);
                for (uint32_t y = 0; y < kSize; ++y)
                    for (uint32_t x = 0; x < kSize; ++x) {
                        ASSERT_EQ(color.word(x, y), pass ? 7u : 0u) << fmt << " op " << op << " z " << z;
                        uint32_t stored = 0;
                        std::memcpy(&stored, depth.texel(VK_IMAGE_ASPECT_DEPTH_BIT, x, y), fmt == VK_FORMAT_D16_UNORM ? 2 : 4);
                        const float expect = pass ? z : 0.5f;
                        if (fmt == VK_FORMAT_D16_UNORM)
                            ASSERT_EQ(stored, uint32_t(std::lrint(expect * 65535.0)));
                        else if (fmt == VK_FORMAT_D32_SFLOAT || fmt == VK_FORMAT_D32_SFLOAT_S8_UINT)
                            ASSERT_EQ(stored, std::bit_cast<uint32_t>(expect));
                        else
                            ASSERT_EQ(stored, uint32_t(std::llrint(expect * 16777215.0)));
                    }
            }
}

TEST(RasterDepth, DepthWriteOffKeepsTheAttachment) {
    Image depth(VK_FORMAT_D32_SFLOAT, kSize, kSize);
    fill({0, 0, 0, 0}, 0.25f, [&](Draw& d) {
        d.output.depth_stencil = depth.attachment();
        d.output.depth_test = true;
        d.output.depth_write = false;
    });
    EXPECT_EQ(depth.depth_f32(3, 3), 0.0f);
}

uint8_t host_stencil_op(VkStencilOp op, uint8_t v, uint8_t ref) {
    switch (op) {
    case VK_STENCIL_OP_KEEP: return v;
    case VK_STENCIL_OP_ZERO: return 0;
    case VK_STENCIL_OP_REPLACE: return ref;
    case VK_STENCIL_OP_INCREMENT_AND_CLAMP: return uint8_t(std::min(255, v + 1));
    case VK_STENCIL_OP_DECREMENT_AND_CLAMP: return uint8_t(std::max(0, v - 1));
    case VK_STENCIL_OP_INVERT: return uint8_t(~v);
    case VK_STENCIL_OP_INCREMENT_AND_WRAP: return uint8_t((v + 1) & 0xff);
    default: return uint8_t((v + 255) & 0xff);  // DECREMENT_AND_WRAP
    }
}

TEST(RasterStencil, EveryOpOnFailDepthFailAndPassWithMasks) {
    const VkStencilOp ops[] = {VK_STENCIL_OP_KEEP, VK_STENCIL_OP_ZERO, VK_STENCIL_OP_REPLACE,
                               VK_STENCIL_OP_INCREMENT_AND_CLAMP, VK_STENCIL_OP_DECREMENT_AND_CLAMP,
                               VK_STENCIL_OP_INVERT, VK_STENCIL_OP_INCREMENT_AND_WRAP, VK_STENCIL_OP_DECREMENT_AND_WRAP};
    for (VkStencilOp op : ops)
        for (uint8_t initial : {uint8_t(0), uint8_t(0x5a), uint8_t(255)})
            for (int path = 0; path < 3; ++path)  // 0 stencil fails, 1 depth fails, 2 both pass
                for (uint32_t write_mask : {0xffu, 0x0fu}) {
                    Image color(VK_FORMAT_R32_UINT, kSize, kSize);
                    Image ds(VK_FORMAT_D24_UNORM_S8_UINT, kSize, kSize);
                    for (uint32_t y = 0; y < kSize; ++y)
                        for (uint32_t x = 0; x < kSize; ++x)
                            *ds.texel(VK_IMAGE_ASPECT_STENCIL_BIT, x, y) = std::byte(initial);
                    const uint8_t ref = 0x3c;
                    fill({9, 0, 0, 0}, path == 1 ? 1.0f : 0.0f, [&](Draw& d) {
                        d.output.color_count = 1;
                        d.output.color[0] = color.attachment();
                        d.output.depth_stencil = ds.attachment();
                        d.output.depth_test = true;  // stored depth 0: LESS fails at z = 1, passes at z = 0
                        d.output.depth_compare = VK_COMPARE_OP_LESS_OR_EQUAL;
                        d.output.stencil_test = true;
                        StencilFace f;
                        // compareMask 0xf0: (ref & 0xf0) = 0x30 against stored & 0xf0.
                        f.compare = path == 0 ? VK_COMPARE_OP_NEVER : VK_COMPARE_OP_ALWAYS;
                        f.compare_mask = 0xf0;
                        f.write_mask = write_mask;
                        f.reference = ref;
                        f.fail = path == 0 ? op : VK_STENCIL_OP_KEEP;
                        f.depth_fail = path == 1 ? op : VK_STENCIL_OP_KEEP;
                        f.pass = path == 2 ? op : VK_STENCIL_OP_KEEP;
                        d.output.front = f;
                        d.output.back.compare = VK_COMPARE_OP_NEVER;  // the rectangle is front-facing
                    });
                    const uint8_t updated = host_stencil_op(op, initial, ref);
                    const uint8_t expect = uint8_t((initial & ~write_mask) | (updated & write_mask));
                    ASSERT_EQ(ds.stencil(5, 7), expect) << "op " << op << " initial " << int(initial) << " path " << path;
                    ASSERT_EQ(color.word(5, 7), path == 2 ? 9u : 0u);
                }
}

TEST(RasterStencil, CompareMaskAndBackFaceState) {
    for (int back = 0; back < 2; ++back)
        for (VkCompareOp op : kCompareOps) {
            Image color(VK_FORMAT_R32_UINT, kSize, kSize);
            Image ds(VK_FORMAT_D32_SFLOAT_S8_UINT, kSize, kSize);
            const uint8_t stored = 0xa7;
            for (uint32_t y = 0; y < kSize; ++y)
                for (uint32_t x = 0; x < kSize; ++x)
                    *ds.texel(VK_IMAGE_ASPECT_STENCIL_BIT, x, y) = std::byte(stored);
            const uint32_t ref = 0x1a, mask = 0x3c;
            fill({1, 0, 0, 0}, 0.5f, [&](Draw& d) {
                d.output.color_count = 1;
                d.output.color[0] = color.attachment();
                d.output.depth_stencil = ds.attachment();
                d.output.stencil_test = true;
                StencilFace f;
                f.compare = op;
                f.compare_mask = mask;
                f.reference = ref;
                StencilFace never;
                never.compare = VK_COMPARE_OP_NEVER;
                d.output.front = back ? never : f;
                d.output.back = back ? f : never;
            }, back ? VK_FRONT_FACE_CLOCKWISE : VK_FRONT_FACE_COUNTER_CLOCKWISE);
            const bool pass = host_compare(op, ref & mask, stored & mask);
            ASSERT_EQ(color.word(1, 1), pass ? 1u : 0u) << op << " back " << back;
        }
}

const VkBlendFactor kFactors[] = {
    VK_BLEND_FACTOR_ZERO, VK_BLEND_FACTOR_ONE, VK_BLEND_FACTOR_SRC_COLOR, VK_BLEND_FACTOR_ONE_MINUS_SRC_COLOR,
    VK_BLEND_FACTOR_DST_COLOR, VK_BLEND_FACTOR_ONE_MINUS_DST_COLOR, VK_BLEND_FACTOR_SRC_ALPHA,
    VK_BLEND_FACTOR_ONE_MINUS_SRC_ALPHA, VK_BLEND_FACTOR_DST_ALPHA, VK_BLEND_FACTOR_ONE_MINUS_DST_ALPHA,
    VK_BLEND_FACTOR_CONSTANT_COLOR, VK_BLEND_FACTOR_ONE_MINUS_CONSTANT_COLOR, VK_BLEND_FACTOR_CONSTANT_ALPHA,
    VK_BLEND_FACTOR_ONE_MINUS_CONSTANT_ALPHA, VK_BLEND_FACTOR_SRC_ALPHA_SATURATE};
const VkBlendOp kOps[] = {VK_BLEND_OP_ADD, VK_BLEND_OP_SUBTRACT, VK_BLEND_OP_REVERSE_SUBTRACT, VK_BLEND_OP_MIN,
                          VK_BLEND_OP_MAX};

// The spec's table "Blend Factors", written out again for the host reference.
double host_factor(VkBlendFactor f, int i, const double s[4], const double d[4], const double k[4]) {
    switch (f) {
    case VK_BLEND_FACTOR_ZERO: return 0;
    case VK_BLEND_FACTOR_ONE: return 1;
    case VK_BLEND_FACTOR_SRC_COLOR: return s[i];
    case VK_BLEND_FACTOR_ONE_MINUS_SRC_COLOR: return 1 - s[i];
    case VK_BLEND_FACTOR_DST_COLOR: return d[i];
    case VK_BLEND_FACTOR_ONE_MINUS_DST_COLOR: return 1 - d[i];
    case VK_BLEND_FACTOR_SRC_ALPHA: return s[3];
    case VK_BLEND_FACTOR_ONE_MINUS_SRC_ALPHA: return 1 - s[3];
    case VK_BLEND_FACTOR_DST_ALPHA: return d[3];
    case VK_BLEND_FACTOR_ONE_MINUS_DST_ALPHA: return 1 - d[3];
    case VK_BLEND_FACTOR_CONSTANT_COLOR: return k[i];
    case VK_BLEND_FACTOR_ONE_MINUS_CONSTANT_COLOR: return 1 - k[i];
    case VK_BLEND_FACTOR_CONSTANT_ALPHA: return k[3];
    case VK_BLEND_FACTOR_ONE_MINUS_CONSTANT_ALPHA: return 1 - k[3];
    default: return i == 3 ? 1 : std::min(s[3], 1 - d[3]);  // SRC_ALPHA_SATURATE
    }
}

double host_blend(VkBlendOp op, double s, double sf, double d, double df) {
    switch (op) {
    case VK_BLEND_OP_ADD: return s * sf + d * df;
    case VK_BLEND_OP_SUBTRACT: return s * sf - d * df;
    case VK_BLEND_OP_REVERSE_SUBTRACT: return d * df - s * sf;
    case VK_BLEND_OP_MIN: return std::min(s, d);
    default: return std::max(s, d);
    }
}

TEST(RasterBlend, EveryFactorAndOpOnAFloatAttachment) {
    const double s[4] = {0.6, 0.3, 0.9, 0.7}, d[4] = {0.2, 0.8, 0.5, 0.4}, k[4] = {0.25, 0.5, 0.75, 0.1};
    for (VkBlendFactor sf : kFactors)
        for (VkBlendFactor df : kFactors)
            for (VkBlendOp op : kOps) {
                Image color(VK_FORMAT_R32G32B32A32_SFLOAT, kSize, kSize);
                fill(fcolor(float(d[0]), float(d[1]), float(d[2]), float(d[3])), 0.5f, [&](Draw& dr) {
                    dr.output.color_count = 1;
                    dr.output.color[0] = color.attachment();
                });
                fill(fcolor(float(s[0]), float(s[1]), float(s[2]), float(s[3])), 0.5f, [&](Draw& dr) {
                    dr.output.color_count = 1;
                    dr.output.color[0] = color.attachment();
                    // Color and alpha factors swapped roles, to test them apart.
                    dr.output.blend[0] = {true, sf, df, op, df, sf, kOps[(&op - kOps + 2) % 5], 0xf};
                    for (int i = 0; i < 4; ++i)
                        dr.output.blend_constants[i] = float(k[i]);
                });
                float got[4];
                std::memcpy(got, color.texel(VK_IMAGE_ASPECT_COLOR_BIT, 4, 9), 16);
                for (int i = 0; i < 3; ++i)
                    ASSERT_NEAR(got[i], host_blend(op, s[i], host_factor(sf, i, s, d, k), d[i], host_factor(df, i, s, d, k)), 1e-6)
                        << sf << " " << df << " " << op << " component " << i;
                const VkBlendOp alpha_op = kOps[(&op - kOps + 2) % 5];
                ASSERT_NEAR(got[3], host_blend(alpha_op, s[3], host_factor(df, 3, s, d, k), d[3], host_factor(sf, 3, s, d, k)), 1e-6);
            }
}

TEST(RasterBlend, UnormClampsSourceAndRoundsAndIntegerFormatsDoNotBlend) {
    Image color(VK_FORMAT_R8G8B8A8_UNORM, kSize, kSize);
    fill(fcolor(0.2f, 0.4f, 0.6f, 0.8f), 0.5f, [&](Draw& d) {
        d.output.color_count = 1;
        d.output.color[0] = color.attachment();
    });
    fill(fcolor(2.0f, -1.0f, 0.5f, 0.5f), 0.5f, [&](Draw& d) {
        d.output.color_count = 1;
        d.output.color[0] = color.attachment();
        d.output.blend[0] = {true, VK_BLEND_FACTOR_SRC_ALPHA, VK_BLEND_FACTOR_ONE_MINUS_SRC_ALPHA, VK_BLEND_OP_ADD,
                             VK_BLEND_FACTOR_ONE, VK_BLEND_FACTOR_ZERO, VK_BLEND_OP_ADD, 0xf};
    });
    const uint32_t w = color.word(2, 3);
    auto unorm = [](double v) { return uint32_t(std::lrint(v * 255)); };
    const double dst[3] = {unorm(0.2) / 255.0, unorm(0.4) / 255.0, unorm(0.6) / 255.0};
    // Source clamped to [0, 1] first: (1, 0, 0.5) * 0.5 + dst * 0.5.
    EXPECT_EQ(w & 0xff, unorm(0.5 + dst[0] * 0.5));
    EXPECT_EQ((w >> 8) & 0xff, unorm(dst[1] * 0.5));
    EXPECT_EQ((w >> 16) & 0xff, unorm(0.25 + dst[2] * 0.5));
    EXPECT_EQ(w >> 24, unorm(0.5));

    for (VkFormat fmt : {VK_FORMAT_R8_UINT, VK_FORMAT_R16_SINT, VK_FORMAT_R32_UINT}) {
        Image ints(fmt, kSize, kSize);
        fill({uint32_t(-3), 0, 0, 1}, 0.5f, [&](Draw& d) {
            d.output.color_count = 1;
            d.output.color[0] = ints.attachment();
            d.output.blend[0] = {true, VK_BLEND_FACTOR_ONE, VK_BLEND_FACTOR_ONE, VK_BLEND_OP_ADD,
                                 VK_BLEND_FACTOR_ONE, VK_BLEND_FACTOR_ONE, VK_BLEND_OP_ADD, 0xf};
        });
        const uint32_t v = ints.word(0, 0);
        if (fmt == VK_FORMAT_R8_UINT)
            EXPECT_EQ(v & 0xff, 255u);  // clamped to the component's range
        else if (fmt == VK_FORMAT_R16_SINT)
            EXPECT_EQ(v & 0xffff, 0xfffdu);
        else
            EXPECT_EQ(v, uint32_t(-3));
    }
}

TEST(RasterBlend, SrgbBlendsInLinearAndEncodesOnWrite) {
    Image color(VK_FORMAT_R8G8B8A8_SRGB, kSize, kSize);
    const uint8_t stored[4] = {40, 128, 230, 100};
    for (uint32_t y = 0; y < kSize; ++y)
        for (uint32_t x = 0; x < kSize; ++x)
            std::memcpy(color.texel(VK_IMAGE_ASPECT_COLOR_BIT, x, y), stored, 4);
    fill(fcolor(0.9f, 0.1f, 0.5f, 0.25f), 0.5f, [&](Draw& d) {
        d.output.color_count = 1;
        d.output.color[0] = color.attachment();
        d.output.blend[0] = {true, VK_BLEND_FACTOR_SRC_ALPHA, VK_BLEND_FACTOR_ONE_MINUS_SRC_ALPHA, VK_BLEND_OP_ADD,
                             VK_BLEND_FACTOR_ONE, VK_BLEND_FACTOR_ONE, VK_BLEND_OP_ADD, 0xf};
    });
    auto decode = [](double c) { c /= 255; return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4); };
    auto encode = [](double l) {
        const double c = l <= 0.0031308 ? l * 12.92 : 1.055 * std::pow(l, 1 / 2.4) - 0.055;
        return int(std::lrint(std::clamp(c, 0.0, 1.0) * 255));
    };
    const double src[3] = {0.9, 0.1, 0.5};
    uint8_t got[4];
    std::memcpy(got, color.texel(VK_IMAGE_ASPECT_COLOR_BIT, 7, 7), 4);
    for (int i = 0; i < 3; ++i)
        EXPECT_NEAR(got[i], encode(src[i] * 0.25 + decode(stored[i]) * 0.75), 1) << i;
    EXPECT_EQ(got[3], std::lrint(std::min(1.0, 0.25 + 100 / 255.0) * 255));  // alpha is linear
}

TEST(RasterWriteMask, MaskedComponentsKeepTheirBytes) {
    for (VkFormat fmt : {VK_FORMAT_R8G8B8A8_UNORM, VK_FORMAT_B8G8R8A8_UNORM, VK_FORMAT_R8G8B8A8_SRGB, VK_FORMAT_B8G8R8A8_SRGB})
        for (uint32_t mask = 0; mask < 16; ++mask) {
            Image color(fmt, kSize, kSize);
            const uint8_t old[4] = {11, 77, 133, 201};
            for (uint32_t y = 0; y < kSize; ++y)
                for (uint32_t x = 0; x < kSize; ++x)
                    std::memcpy(color.texel(VK_IMAGE_ASPECT_COLOR_BIT, x, y), old, 4);
            fill(fcolor(1.0f, 1.0f, 1.0f, 1.0f), 0.5f, [&](Draw& d) {
                d.output.color_count = 1;
                d.output.color[0] = color.attachment();
                d.output.blend[0].write_mask = mask;
            });
            const bool bgra = fmt == VK_FORMAT_B8G8R8A8_UNORM || fmt == VK_FORMAT_B8G8R8A8_SRGB;
            uint8_t got[4];
            std::memcpy(got, color.texel(VK_IMAGE_ASPECT_COLOR_BIT, 3, 3), 4);
            for (int byte = 0; byte < 4; ++byte) {
                const int component = bgra && byte != 3 ? 2 - byte : byte;
                EXPECT_EQ(got[byte], (mask >> component) & 1 ? 255 : old[byte]) << fmt << " mask " << mask;
            }
        }
}

TEST(RasterFormats, Unorm8StoresClampRoundAndZeroNaN) {
    for (VkFormat fmt : {VK_FORMAT_R8G8B8A8_UNORM, VK_FORMAT_B8G8R8A8_UNORM}) {
        Image color(fmt, kSize, kSize);
        fill(fcolor(std::numeric_limits<float>::quiet_NaN(), -1.0f, 2.0f, 0.5f), 0.5f, [&](Draw& d) {
            d.output.color_count = 1;
            d.output.color[0] = color.attachment();
        });
        uint8_t got[4];
        std::memcpy(got, color.texel(VK_IMAGE_ASPECT_COLOR_BIT, 9, 2), 4);
        const bool bgra = fmt == VK_FORMAT_B8G8R8A8_UNORM;
        EXPECT_EQ(got[bgra ? 2 : 0], 0);    // NaN
        EXPECT_EQ(got[1], 0);               // -1
        EXPECT_EQ(got[bgra ? 0 : 2], 255);  // 2
        EXPECT_EQ(got[3], 128);             // round(0.5 * 255)
    }
}

TEST(RasterFormats, HalfAndFloatAttachments) {
    Image r16(VK_FORMAT_R16_SFLOAT, kSize, kSize), r32(VK_FORMAT_R32_SFLOAT, kSize, kSize);
    fill(fcolor(0.3f, 0, 0, 1), 0.5f, [&](Draw& d) {
        d.output.color_count = 2;
        d.output.color[0] = r16.attachment();
        d.output.color[1] = r32.attachment();
    });
    // RecordingShader writes attachment 0 only; attachment 1 gets the zero-initialized output row.
    EXPECT_EQ(r16.word(5, 5) & 0xffff, format::float_to_half(0.3f));
}

TEST(RasterOutput, SeveralAttachmentsEachWithItsFormatBlendAndMask) {
    // Attachment 0 RGBA8 blended, 1 R32_UINT, 2 R16_SFLOAT with its write mask off, 3 unused.
    Image a0(VK_FORMAT_R8G8B8A8_UNORM, kSize, kSize), a1(VK_FORMAT_R32_UINT, kSize, kSize),
        a2(VK_FORMAT_R16_SFLOAT, kSize, kSize);
    for (uint32_t y = 0; y < kSize; ++y)
        for (uint32_t x = 0; x < kSize; ++x) {
            const uint8_t old[4] = {101, 101, 101, 255};
            std::memcpy(a0.texel(VK_IMAGE_ASPECT_COLOR_BIT, x, y), old, 4);
            const uint16_t h = 0x3c00;  // 1.0
            std::memcpy(a2.texel(VK_IMAGE_ASPECT_COLOR_BIT, x, y), &h, 2);
        }
    struct Shader final : FragmentShader {
        void shade(const FragmentBatch& in, FragmentOutput& out, uint32_t) override {
            for (uint32_t l = 0; l < 4 * in.quad_count; ++l) {
                for (uint32_t c = 0; c < 4; ++c) {
                    out.color[0][c][l] = std::bit_cast<uint32_t>(c == 3 ? 0.5f : 1.0f);
                    out.color[1][c][l] = uint32_t(in.x[l] + 100 * in.y[l]);
                    out.color[2][c][l] = std::bit_cast<uint32_t>(2.0f);
                }
            }
        }
    } shader;
    TestDraw t(kSize, kSize);
    for (int i : {0, 1, 2, 0, 2, 3}) {
        const double xs[4] = {0, 0, kSize, kSize}, ys[4] = {0, kSize, kSize, 0};
        t.add_window_vertex(xs[i], ys[i]);
    }
    t.draw.output.color_count = 4;
    t.draw.output.color[0] = a0.attachment();
    t.draw.output.color[1] = a1.attachment();
    t.draw.output.color[2] = a2.attachment();
    t.draw.output.blend[0] = {true, VK_BLEND_FACTOR_SRC_ALPHA, VK_BLEND_FACTOR_ONE_MINUS_SRC_ALPHA, VK_BLEND_OP_ADD,
                              VK_BLEND_FACTOR_ZERO, VK_BLEND_FACTOR_ONE, VK_BLEND_OP_ADD, 0xf};
    t.draw.output.blend[1].enable = true;  // ignored: integer format
    t.draw.output.blend[2].write_mask = 0xe;  // R is masked out: R16 keeps its value
    Rasterizer r;
    InlineJobRunner jobs;
    ASSERT_EQ(r.draw(t.finish(), shader, jobs), Status::Ok);
    for (uint32_t y = 0; y < kSize; ++y)
        for (uint32_t x = 0; x < kSize; ++x) {
            uint8_t c0[4];
            std::memcpy(c0, a0.texel(VK_IMAGE_ASPECT_COLOR_BIT, x, y), 4);
            ASSERT_EQ(c0[0], 178);  // (0.5 * 1 + 0.5 * 101 / 255) * 255
            ASSERT_EQ(c0[3], 255);  // alpha: 0 * src + 1 * dst
            ASSERT_EQ(a1.word(x, y), x + 100 * y);
            ASSERT_EQ(a2.word(x, y) & 0xffff, 0x3c00u);
        }
}

TEST(RasterOutput, UnsupportedBlendIsRefused) {
    Image color(VK_FORMAT_R8G8B8A8_UNORM, kSize, kSize);
    TestDraw t(kSize, kSize);
    t.add_window_vertex(0, 0);
    t.draw.output.color_count = 1;
    t.draw.output.color[0] = color.attachment();
    t.draw.output.blend[0].enable = true;
    t.draw.output.blend[0].src_color = VK_BLEND_FACTOR_SRC1_COLOR;
    RecordingShader s(kSize, kSize);
    Rasterizer r;
    InlineJobRunner jobs;
    EXPECT_EQ(r.draw(t.finish(), s, jobs), Status::UnsupportedBlend);
}

TEST(RasterOutput, InvalidStateIsRefusedWithItsStatus) {
    Image color(VK_FORMAT_R8G8B8A8_UNORM, kSize, kSize);
    Image depth(VK_FORMAT_D32_SFLOAT, kSize, kSize);
    auto status = [&](const std::function<void(TestDraw&)>& edit) {
        TestDraw t(kSize, kSize);
        t.add_window_vertex(0, 0);
        t.add_window_vertex(0, 8);
        t.add_window_vertex(8, 0);
        edit(t);
        RecordingShader s(kSize, kSize);
        Rasterizer r;
        InlineJobRunner jobs;
        return r.draw(t.finish(), s, jobs);
    };
    EXPECT_EQ(status([](TestDraw&) {}), Status::Ok);
    EXPECT_EQ(status([](TestDraw& t) { t.words = kMaxVaryingWords + 1; t.varyings.resize(3 * t.words); }),
              Status::TooManyVaryings);
    EXPECT_EQ(status([](TestDraw& t) { t.draw.output.color_count = kMaxColorAttachments + 1; }),
              Status::TooManyColorAttachments);
    EXPECT_EQ(status([&](TestDraw& t) {
                  t.draw.output.color_count = 1;
                  t.draw.output.color[0] = depth.attachment();  // a depth image as a color attachment
              }),
              Status::UnsupportedColorFormat);
    EXPECT_EQ(status([&](TestDraw& t) { t.draw.output.depth_stencil = color.attachment(); }), Status::UnsupportedDepthFormat);
    EXPECT_EQ(status([&](TestDraw& t) {
                  t.draw.output.color_count = 1;
                  t.draw.output.color[0] = color.attachment();
                  t.draw.output.color[0].mip = 1;
              }),
              Status::InvalidAttachment);
    EXPECT_EQ(status([&](TestDraw& t) {
                  t.draw.output.depth_stencil = depth.attachment();
                  t.draw.output.depth_stencil.layer = 1;
              }),
              Status::InvalidAttachment);
}

TEST(RasterOutput, WritesStayInsideAttachmentsSmallerThanTheRenderArea) {
    // The render area, scissor and viewport say 16 x 16; the attachments have 8 x 8 and 16 x 4.
    Image color(VK_FORMAT_R32_UINT, 8, 8);
    Image depth(VK_FORMAT_D32_SFLOAT, 16, 4);
    fill({5, 0, 0, 0}, 0.5f, [&](Draw& d) {
        d.output.color_count = 1;
        d.output.color[0] = color.attachment();
        d.output.depth_stencil = depth.attachment();
        d.output.depth_test = d.output.depth_write = true;
    });
    for (uint32_t y = 0; y < 4; ++y)
        for (uint32_t x = 0; x < 8; ++x)
            EXPECT_EQ(color.word(x, y), 5u);
    EXPECT_EQ(color.word(3, 5), 0u);  // outside the depth attachment: not in the framebuffer
    EXPECT_EQ(depth.depth_f32(7, 3), 0.5f);
    EXPECT_EQ(depth.depth_f32(12, 3), 0.0f);
}

// Many small overlapping triangles (several per batch on the same pixels), depth-tested, blended:
// the order-dependent result of a scene.
std::vector<std::byte> render_scene(JobRunner& jobs, bool early, uint32_t size, uint64_t* batches = nullptr) {
    std::mt19937 rng(11);
    TestDraw t(size, size);
    for (int i = 0; i < 3000; ++i) {
        const double cx = std::uniform_real_distribution<double>(0, size)(rng);
        const double cy = std::uniform_real_distribution<double>(0, size)(rng);
        const double r = i % 10 == 0 ? 60 : 4;
        const float z = std::uniform_real_distribution<float>(0, 1)(rng);
        const float c[4] = {float(rng() % 256) / 255, float(rng() % 256) / 255, float(rng() % 256) / 255, 0.5f};
        for (int k = 0; k < 3; ++k)
            t.add_window_vertex(cx + std::uniform_real_distribution<double>(-r, r)(rng),
                                cy + std::uniform_real_distribution<double>(-r, r)(rng), z + 0.01 * k, 1.0,
                                {c[0], c[1], c[2], c[3]});
    }
    Image color(VK_FORMAT_R8G8B8A8_UNORM, size, size);
    // Depth and stencil: the stencil ops make the stencil plane order-dependent too (INVERT on depth
    // fail, INCREMENT_AND_WRAP on pass), with back faces (half the triangles) keeping theirs.
    Image depth(VK_FORMAT_D32_SFLOAT_S8_UINT, size, size);
    t.draw.output.stencil_test = true;
    t.draw.output.front.depth_fail = VK_STENCIL_OP_INVERT;
    t.draw.output.front.pass = VK_STENCIL_OP_INCREMENT_AND_WRAP;
    t.draw.output.back.compare = VK_COMPARE_OP_NOT_EQUAL;
    t.draw.output.back.reference = 7;
    t.draw.output.back.fail = VK_STENCIL_OP_ZERO;
    t.draw.output.back.pass = VK_STENCIL_OP_REPLACE;
    t.draw.output.color_count = 1;
    t.draw.output.color[0] = color.attachment();
    t.draw.output.blend[0] = {true, VK_BLEND_FACTOR_SRC_ALPHA, VK_BLEND_FACTOR_ONE_MINUS_SRC_ALPHA, VK_BLEND_OP_ADD,
                              VK_BLEND_FACTOR_ONE, VK_BLEND_FACTOR_ZERO, VK_BLEND_OP_ADD, 0xf};
    t.draw.output.depth_stencil = depth.attachment();
    t.draw.output.depth_test = t.draw.output.depth_write = true;
    t.draw.output.depth_compare = VK_COMPARE_OP_GREATER;  // the cleared depth is 0
    t.draw.output.early_fragment_tests = early;
    RecordingShader s(size, size);
    s.words = 4;
    Rasterizer r;
    EXPECT_EQ(r.draw(t.finish(), s, jobs), Status::Ok);
    if (batches)
        *batches = r.last_stats().batches;
    std::set<uint8_t> stencil_values;
    for (uint32_t y = 0; y < size; ++y)
        for (uint32_t x = 0; x < size; ++x)
            stencil_values.insert(depth.stencil(x, y));
    EXPECT_GT(stencil_values.size(), 4u);  // the scene exercises the stencil ops
    std::vector<std::byte> out = color.memory;
    out.insert(out.end(), depth.memory.begin(), depth.memory.end());
    return out;
}

TEST(RasterEarlyTests, EarlyDepthTestsGiveTheLateResult) {
    InlineJobRunner jobs;
    uint64_t late_batches = 0, early_batches = 0;
    const auto late = render_scene(jobs, false, 200, &late_batches);
    const auto early = render_scene(jobs, true, 200, &early_batches);
    EXPECT_TRUE(late == early);
    EXPECT_LT(early_batches, late_batches);  // quads that fail early are not shaded
}

TEST(RasterThreads, ManyThreadsGiveTheSingleThreadedResultBitForBit) {
    InlineJobRunner one;
    test::ThreadJobRunner four(4);
    for (bool early : {false, true}) {
        const auto a = render_scene(one, early, 300);
        const auto b = render_scene(four, early, 300);
        EXPECT_TRUE(a == b) << "early " << early;
    }
}

// The adapter jobs.h describes: exec::WorkerPool as the rasterizer's JobRunner.
struct PoolJobs final : JobRunner {
    explicit PoolJobs(exec::WorkerPool& pool) : pool(pool) {}
    uint32_t thread_count() const override { return pool.thread_count(); }
    void run(uint32_t count, const Job& job) override { pool.parallel_for(count, job); }
    exec::WorkerPool& pool;
};

TEST(RasterThreads, TheQueuesWorkerPoolGivesTheSingleThreadedResult) {
    exec::WorkerPool pool;
    PoolJobs jobs(pool);
    InlineJobRunner one;
    for (bool early : {false, true})
        EXPECT_TRUE(render_scene(one, early, 300) == render_scene(jobs, early, 300)) << "early " << early;
}

}  // namespace
}  // namespace kiln::raster
