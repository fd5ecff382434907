// Small scenes drawn on Kiln and, where it is installed, on lavapipe, compared pixel by pixel
// (draw_harness.h): the fill rule, clipping, depth, stencil, blending, textures with each filter
// and address mode, mipmaps, instancing, indexed strips and fans with primitive restart, culling,
// discard and depth bias. Where the answer is known exactly (each pixel covered once) the host
// checks it too. Tolerance: 1 code per 8-bit channel for interpolated colors (the two round
// differently in the last bit); coverage and stencil exactly.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "draw_harness.h"
#include "vk_test_util.h"

// INSTANTIATE_TEST_SUITE_P pastes its suite argument unexpanded: this expands KILN_SUITE first.
#define KILN_INSTANTIATE(prefix, suite, ...) INSTANTIATE_TEST_SUITE_P(prefix, suite, __VA_ARGS__)

namespace kiln_test {
namespace {

// Vertices of position (x, y, z, w) and color (r, g, b, a), in one buffer.
struct ColorVertex {
  float x, y, z, w, r, g, b, a;
};

Scene ColorScene(const std::vector<ColorVertex>& vertices) {
  Scene s;
  std::vector<float> data;
  for (const ColorVertex& v : vertices) data.insert(data.end(), {v.x, v.y, v.z, v.w, v.r, v.g, v.b, v.a});
  s.buffers.push_back({Bytes(data), 32, VK_VERTEX_INPUT_RATE_VERTEX});
  s.attributes = {{0, 0, VK_FORMAT_R32G32B32A32_SFLOAT, 0}, {1, 0, VK_FORMAT_R32G32B32A32_SFLOAT, 16}};
  s.draws = {{uint32_t(vertices.size())}};
  return s;
}

// Additive blending of 1/255 per fragment: each pixel's red channel counts the fragments it got.
void CountFragments(Scene& s) {
  s.blend.blendEnable = VK_TRUE;
  s.blend.srcColorBlendFactor = s.blend.dstColorBlendFactor = VK_BLEND_FACTOR_ONE;
  s.blend.srcAlphaBlendFactor = s.blend.dstAlphaBlendFactor = VK_BLEND_FACTOR_ONE;
}

TEST(KILN_SUITE(Draw), SharedEdgesOfAJitteredMeshCoverEveryPixelOnce) {
  // A 9x7 grid of vertices, inner ones jittered, the outer ones on the viewport's edges; two
  // triangles per cell. The top-left rule gives each pixel to exactly one triangle.
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> jitter(-0.09f, 0.09f);
  const int nx = 9, ny = 7;
  std::vector<std::pair<float, float>> grid;
  for (int j = 0; j < ny; ++j)
    for (int i = 0; i < nx; ++i) {
      float x = -1 + 2.0f * i / (nx - 1), y = -1 + 2.0f * j / (ny - 1);
      if (i > 0 && i < nx - 1) x += jitter(rng);
      if (j > 0 && j < ny - 1) y += jitter(rng);
      grid.push_back({x, y});
    }
  std::vector<ColorVertex> v;
  const float one = 1.0f / 255.0f;
  auto add = [&](int i, int j) { v.push_back({grid[j * nx + i].first, grid[j * nx + i].second, 0.5f, 1, one, 0, 0, 1}); };
  for (int j = 0; j + 1 < ny; ++j)
    for (int i = 0; i + 1 < nx; ++i) {
      add(i, j), add(i + 1, j), add(i, j + 1);
      add(i + 1, j), add(i + 1, j + 1), add(i, j + 1);
    }
  Scene s = ColorScene(v);
  s.width = 97;
  s.height = 61;
  CountFragments(s);
  const Pixels p = DrawOnBoth("shared_edges", s, 0);
  for (uint32_t y = 0; y < p.height; ++y)
    for (uint32_t x = 0; x < p.width; ++x) ASSERT_EQ(p.at(x, y)[0], 1) << "pixel (" << x << ", " << y << ")";
}

TEST(KILN_SUITE(Draw), TriangleFanAroundAPointCoversItsPolygonOnce) {
  Scene s;
  std::vector<float> data = {0.05f, -0.03f, 0.5f, 1, 1.0f / 255, 0, 0, 1};  // the center
  const int n = 13;
  for (int k = 0; k <= n; ++k) {
    const float a = 2 * 3.14159265f * k / n;
    data.insert(data.end(), {0.9f * std::cos(a), 0.8f * std::sin(a), 0.5f, 1, 1.0f / 255, 0, 0, 1});
  }
  s.buffers.push_back({Bytes(data), 32});
  s.attributes = {{0, 0, VK_FORMAT_R32G32B32A32_SFLOAT, 0}, {1, 0, VK_FORMAT_R32G32B32A32_SFLOAT, 16}};
  s.topology = VK_PRIMITIVE_TOPOLOGY_TRIANGLE_FAN;
  s.draws = {{uint32_t(n + 2)}};
  CountFragments(s);
  const Pixels p = DrawOnBoth("fan", s, 0);
  for (size_t i = 0; i < p.color.size(); i += 4) ASSERT_LE(p.color[i], 1) << "pixel " << i / 4 << " covered twice";
}

TEST(KILN_SUITE(Draw), ClippingAgainstNearFarAndFarBeyondTheGuardBand) {
  Scene s = ColorScene({
      // Crossing the near plane (z < 0 at one vertex) and the far plane (z > w at another).
      {-0.9f, -0.9f, -0.5f, 1, 1, 0, 0, 1}, {0.8f, -0.6f, 0.5f, 1, 0, 1, 0, 1}, {-0.2f, 0.9f, 1.6f, 1, 0, 0, 1, 1},
      // Far beyond the viewport in x and y, with perspective (w != 1).
      {-40, -30, 0.3f, 2, 1, 1, 0, 1}, {60, -2, 0.3f, 2, 0, 1, 1, 1}, {0.5f, 50, 0.3f, 2, 1, 0, 1, 1},
      // Behind the eye at one vertex (w < 0).
      {0.5f, 0.5f, 0.2f, 1, 1, 1, 1, 1}, {0.9f, 0.2f, 0.2f, -1, 1, 1, 1, 1}, {0.2f, 0.9f, 0.2f, 1, 1, 1, 1, 1},
  });
  s.depth_format = VK_FORMAT_D32_SFLOAT;
  s.depth_stencil.depthTestEnable = VK_TRUE;
  s.depth_stencil.depthWriteEnable = VK_TRUE;
  s.depth_stencil.depthCompareOp = VK_COMPARE_OP_ALWAYS;
  DrawOnBoth("clipping", s, 1, 1e-5f);
}

TEST(KILN_SUITE(Draw), SecondSubpassReadsTheFirstsColorAsAnInputAttachment) {
  // Subpass 0 draws interpolated colors over a clear; subpass 1 reads them at each pixel
  // (subpassLoad) and writes their complement. Against the first subpass drawn alone, on the host.
  Scene s = ColorScene({{-0.9f, -0.8f, 0.5f, 1, 1, 0, 0, 1},
                        {0.85f, -0.2f, 0.5f, 1, 0, 1, 0, 0.5f},
                        {-0.3f, 0.95f, 0.5f, 1, 0, 0, 1, 1}});
  s.clear_color = {{0.2f, 0.4f, 0.6f, 1.0f}};
  const Pixels first = Render(KILN_TEST_MANIFEST, s);
  s.subpass_frag = "invert_input.frag";
  const Pixels p = DrawOnBoth("input_attachment", s, 1);
  for (uint32_t y = 0; y < p.height; ++y)
    for (uint32_t x = 0; x < p.width; ++x)
      for (int c = 0; c < 4; ++c) {
        const int expected = c == 3 ? first.at(x, y)[3] : 255 - first.at(x, y)[c];
        ASSERT_NEAR(p.at(x, y)[c], expected, 1) << "pixel (" << x << ", " << y << ") component " << c;
      }
}

TEST(KILN_SUITE(Draw), DepthTestKeepsTheNearestOfOverlappingTriangles) {
  std::vector<ColorVertex> v;
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> pos(-1.1f, 1.1f), depth(0.05f, 0.95f), c(0, 1);
  for (int t = 0; t < 24; ++t) {
    const float r = c(rng), g = c(rng), b = c(rng);
    for (int k = 0; k < 3; ++k) v.push_back({pos(rng), pos(rng), depth(rng), 1, r, g, b, 1});
  }
  Scene s = ColorScene(v);
  s.depth_format = VK_FORMAT_D32_SFLOAT;
  s.depth_stencil.depthTestEnable = VK_TRUE;
  s.depth_stencil.depthWriteEnable = VK_TRUE;
  for (VkCompareOp op : {VK_COMPARE_OP_LESS, VK_COMPARE_OP_GREATER_OR_EQUAL}) {
    s.depth_stencil.depthCompareOp = op;
    s.clear_depth = op == VK_COMPARE_OP_LESS ? 1.0f : 0.0f;
    // Depth: Kiln interpolates z from vertex positions snapped to 1/256 pixel (subPixelPrecisionBits),
    // lavapipe from unsnapped ones: a steep triangle's depth differs by up to ~5e-4 between the two.
    // Which triangle wins each pixel (the color) must agree exactly.
    DrawOnBoth("depth_" + std::to_string(op), s, 1, 1e-3f);
  }
}

TEST(KILN_SUITE(Draw), StencilMarksThenMasks) {
  // Draw 1 writes stencil 1 where it covers (colors masked off); draw 2 draws only where stencil
  // equals 1 and increments it there.
  Scene s = ColorScene({{-0.9f, -0.9f, 0.5f, 1, 1, 0, 0, 1}, {0.6f, -0.9f, 0.5f, 1, 1, 0, 0, 1}, {-0.9f, 0.6f, 0.5f, 1, 1, 0, 0, 1},
                        {-0.5f, -0.4f, 0.5f, 1, 0, 1, 0, 1}, {0.9f, -0.2f, 0.5f, 1, 0, 0, 1, 1}, {0.1f, 0.9f, 0.5f, 1, 1, 1, 0, 1}});
  s.depth_format = VK_FORMAT_D32_SFLOAT_S8_UINT;
  s.depth_stencil.stencilTestEnable = VK_TRUE;
  VkStencilOpState op{VK_STENCIL_OP_KEEP, VK_STENCIL_OP_INCREMENT_AND_CLAMP, VK_STENCIL_OP_KEEP,
                      VK_COMPARE_OP_ALWAYS, 0xff, 0xff, 1};
  s.depth_stencil.front = s.depth_stencil.back = op;
  s.draws = {{6}};
  // One pipeline per scene in this harness: the first pass is one draw of both triangles with
  // ALWAYS + increment, which counts overlaps in the stencil buffer.
  DrawOnBoth("stencil_count", s, 1);
  s.depth_stencil.front.compareOp = s.depth_stencil.back.compareOp = VK_COMPARE_OP_EQUAL;
  s.depth_stencil.front.reference = s.depth_stencil.back.reference = 0;
  s.depth_stencil.front.passOp = s.depth_stencil.back.passOp = VK_STENCIL_OP_INVERT;
  s.depth_stencil.front.failOp = s.depth_stencil.back.failOp = VK_STENCIL_OP_REPLACE;
  DrawOnBoth("stencil_equal", s, 1);
}

struct BlendCase {
  const char* name;
  VkBlendFactor src, dst;
  VkBlendOp op;
};

class KILN_SUITE(DrawBlend) : public ::testing::TestWithParam<BlendCase> {};

TEST_P(KILN_SUITE(DrawBlend), BlendedTriangleOverAnOpaqueOne) {
  const BlendCase& b = GetParam();
  Scene s = ColorScene({{-1, -1, 0.5f, 1, 0.2f, 0.6f, 0.9f, 1}, {3, -1, 0.5f, 1, 0.2f, 0.6f, 0.9f, 1}, {-1, 3, 0.5f, 1, 0.2f, 0.6f, 0.9f, 1},
                        {-0.8f, -0.7f, 0.5f, 1, 0.9f, 0.1f, 0.3f, 0.25f}, {0.9f, -0.1f, 0.5f, 1, 0.4f, 0.8f, 0.2f, 0.75f},
                        {-0.1f, 0.9f, 0.5f, 1, 0.7f, 0.5f, 1.0f, 0.5f}});
  s.blend.blendEnable = VK_TRUE;
  s.blend.srcColorBlendFactor = s.blend.srcAlphaBlendFactor = b.src;
  s.blend.dstColorBlendFactor = s.blend.dstAlphaBlendFactor = b.dst;
  s.blend.colorBlendOp = s.blend.alphaBlendOp = b.op;
  const float constants[4] = {0.25f, 0.5f, 0.75f, 0.4f};
  std::copy(constants, constants + 4, s.blend_constants);
  // lavapipe blends UNORM8 attachments in 8-bit fixed point, Kiln in float rounded once: the spec
  // asks for at least the destination's precision, and the two differ by up to 2 codes.
  DrawOnBoth(std::string("blend_") + b.name, s, 2);
}

KILN_INSTANTIATE(
    Factors, KILN_SUITE(DrawBlend),
    ::testing::Values(BlendCase{"alpha", VK_BLEND_FACTOR_SRC_ALPHA, VK_BLEND_FACTOR_ONE_MINUS_SRC_ALPHA, VK_BLEND_OP_ADD},
                      BlendCase{"additive", VK_BLEND_FACTOR_ONE, VK_BLEND_FACTOR_ONE, VK_BLEND_OP_ADD},
                      BlendCase{"subtract", VK_BLEND_FACTOR_ONE, VK_BLEND_FACTOR_DST_COLOR, VK_BLEND_OP_SUBTRACT},
                      BlendCase{"reverse_subtract", VK_BLEND_FACTOR_SRC_COLOR, VK_BLEND_FACTOR_ONE,
                                VK_BLEND_OP_REVERSE_SUBTRACT},
                      BlendCase{"min", VK_BLEND_FACTOR_ONE, VK_BLEND_FACTOR_ONE, VK_BLEND_OP_MIN},
                      BlendCase{"max", VK_BLEND_FACTOR_ONE, VK_BLEND_FACTOR_ONE, VK_BLEND_OP_MAX},
                      BlendCase{"constant", VK_BLEND_FACTOR_CONSTANT_COLOR, VK_BLEND_FACTOR_ONE_MINUS_CONSTANT_ALPHA,
                                VK_BLEND_OP_ADD},
                      BlendCase{"dst_alpha", VK_BLEND_FACTOR_DST_ALPHA, VK_BLEND_FACTOR_SRC_ALPHA_SATURATE,
                                VK_BLEND_OP_ADD}),
    [](const ::testing::TestParamInfo<BlendCase>& info) { return std::string(info.param.name); });

// A textured quad: uv from `lo` to `hi` across it.
Scene TexturedQuad(float lo, float hi, const Texture& texture) {
  Scene s;
  std::vector<float> data = {-1, -1, 0.5f, 1, lo, lo, 1, -1, 0.5f, 1, hi, lo, -1, 1, 0.5f, 1, lo, hi,
                             1,  -1, 0.5f, 1, hi, lo, 1, 1,  0.5f, 1, hi, hi, -1, 1, 0.5f, 1, lo, hi};
  s.buffers.push_back({Bytes(data), 24});
  s.attributes = {{0, 0, VK_FORMAT_R32G32B32A32_SFLOAT, 0}, {1, 0, VK_FORMAT_R32G32_SFLOAT, 16}};
  s.vert = "texture.vert";
  s.frag = "texture.frag";
  s.texture = texture;
  s.draws = {{6}};
  return s;
}

Texture Checker(uint32_t size, uint32_t mips) {
  Texture t;
  t.width = t.height = size;
  t.mips = mips;
  for (uint32_t m = 0; m < mips; ++m) {
    const uint32_t n = std::max(1u, size >> m);
    for (uint32_t y = 0; y < n; ++y)
      for (uint32_t x = 0; x < n; ++x) {
        // Each level its own hue; a checkerboard with a gradient inside the level.
        const bool odd = ((x / 2) + (y / 2)) & 1;
        t.rgba.insert(t.rgba.end(), {uint8_t(odd ? 40 * m + 30 : 250 - 20 * m), uint8_t(x * 255 / std::max(1u, n - 1)),
                                     uint8_t(y * 255 / std::max(1u, n - 1)), 255});
      }
  }
  return t;
}

class KILN_SUITE(DrawTexture) : public ::testing::TestWithParam<std::tuple<VkFilter, VkSamplerAddressMode>> {};

TEST_P(KILN_SUITE(DrawTexture), QuadSampledWithFilterAndAddressMode) {
  Texture t = Checker(8, 1);
  t.mag = t.min = std::get<0>(GetParam());
  t.address = std::get<1>(GetParam());
  t.border = VK_BORDER_COLOR_FLOAT_OPAQUE_WHITE;
  Scene s = TexturedQuad(-1.25f, 2.25f, t);
  s.width = s.height = 48;
  DrawOnBoth("texture_" + std::to_string(t.mag) + "_" + std::to_string(t.address), s, 2);
}

KILN_INSTANTIATE(
    FiltersAndAddressModes, KILN_SUITE(DrawTexture),
    ::testing::Combine(::testing::Values(VK_FILTER_NEAREST, VK_FILTER_LINEAR),
                       ::testing::Values(VK_SAMPLER_ADDRESS_MODE_REPEAT, VK_SAMPLER_ADDRESS_MODE_MIRRORED_REPEAT,
                                         VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE, VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_BORDER)));

// A depth texture of `size` x `size` texels whose depths run through [0, 1] in a pattern that puts
// every neighbourhood on both sides of 0.3 and 0.5, stored as `format` stores depth.
Texture DepthTexture(VkFormat format, uint32_t size, std::vector<float>* depths) {
  Texture t;
  t.width = t.height = size;
  t.format = format;
  depths->clear();
  for (uint32_t y = 0; y < size; ++y)
    for (uint32_t x = 0; x < size; ++x) {
      const float d = float((x * 7 + y * 5) % 16) / 15.0f;
      if (format == VK_FORMAT_D16_UNORM) {
        const uint16_t v = uint16_t(std::lrint(d * 65535.0f));
        depths->push_back(float(v) / 65535.0f);
        t.rgba.insert(t.rgba.end(), {uint8_t(v), uint8_t(v >> 8)});
      } else {
        depths->push_back(d);
        uint8_t bytes[4];
        std::memcpy(bytes, &d, 4);
        t.rgba.insert(t.rgba.end(), bytes, bytes + 4);
      }
    }
  return t;
}

class KILN_SUITE(DrawDepthTexture) : public ::testing::TestWithParam<VkFormat> {};

TEST_P(KILN_SUITE(DrawDepthTexture), SampledThroughItsDepthAspect) {
  // One texel per pixel, nearest: each pixel's red is its texel's depth.
  std::vector<float> depths;
  Texture t = DepthTexture(GetParam(), 16, &depths);
  Scene s = TexturedQuad(0, 1, t);
  s.frag = "depth_texture.frag";
  s.width = s.height = 16;
  const Pixels p = DrawOnBoth("depth_texture_" + std::to_string(GetParam()), s);
  for (uint32_t y = 0; y < 16; ++y)
    for (uint32_t x = 0; x < 16; ++x) {
      // v = 0 at y = -1, the top row in Vulkan's clip space: pixel row y shows texel row y.
      const float d = depths[y * 16 + x];
      ASSERT_NEAR(p.at(x, y)[0], std::lrint(d * 255.0f), 1) << "pixel (" << x << ", " << y << ")";
    }
}

TEST_P(KILN_SUITE(DrawDepthTexture), ComparisonSamplerComparesEachTexelBeforeFiltering) {
  std::vector<float> depths;
  for (VkFilter filter : {VK_FILTER_NEAREST, VK_FILTER_LINEAR}) {
    Texture t = DepthTexture(GetParam(), 8, &depths);
    t.compare = VK_TRUE;
    t.compare_op = VK_COMPARE_OP_LESS_OR_EQUAL;  // lit where reference <= stored depth
    t.mag = t.min = filter;
    t.address = VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE;
    Scene s = TexturedQuad(0, 1, t);
    s.frag = "shadow.frag";
    s.width = s.height = 32;
    // Linear filtering averages the four 0/1 results (percentage-closer filtering): the same codes
    // as lavapipe's, exactly.
    const Pixels p = DrawOnBoth("shadow_" + std::to_string(GetParam()) + "_" + std::to_string(filter), s, 0);
    if (filter != VK_FILTER_NEAREST)
      continue;
    for (uint32_t y = 0; y < 32; ++y)
      for (uint32_t x = 0; x < 32; ++x) {
        const float d = depths[(y / 4) * 8 + x / 4];  // 4 x 4 pixels per texel
        ASSERT_EQ(p.at(x, y)[0], 0.5f <= d ? 255 : 0) << "pixel (" << x << ", " << y << ")";
        ASSERT_EQ(p.at(x, y)[1], 0.3f <= d ? 255 : 0) << "pixel (" << x << ", " << y << ")";
      }
  }
}

KILN_INSTANTIATE(Formats, KILN_SUITE(DrawDepthTexture), ::testing::Values(VK_FORMAT_D16_UNORM, VK_FORMAT_D32_SFLOAT),
                 [](const ::testing::TestParamInfo<VkFormat>& info) {
                   return std::string(info.param == VK_FORMAT_D16_UNORM ? "D16" : "D32");
                 });

TEST(KILN_SUITE(Draw), StencilAspectSampledAsUnsignedIntegers) {
  // The stencil aspect of D32_SFLOAT_S8_UINT and S8_UINT textures through a usampler2D: each
  // pixel's red is its texel's stencil value.
  for (VkFormat format : {VK_FORMAT_D32_SFLOAT_S8_UINT, VK_FORMAT_S8_UINT}) {
    Texture t;
    t.width = t.height = 16;
    t.format = format;
    t.aspect = VK_IMAGE_ASPECT_STENCIL_BIT;
    for (uint32_t i = 0; i < 256; ++i) t.rgba.push_back(uint8_t(i * 37 + 11));
    Scene s = TexturedQuad(0, 1, t);
    s.frag = "stencil_texture.frag";
    s.width = s.height = 16;
    const Pixels p = DrawOnBoth("stencil_texture_" + std::to_string(format), s, 0);
    for (uint32_t y = 0; y < 16; ++y)
      for (uint32_t x = 0; x < 16; ++x)
        ASSERT_EQ(p.at(x, y)[0], t.rgba[y * 16 + x]) << "pixel (" << x << ", " << y << ") of format " << format;
  }
}

class KILN_SUITE(DrawCube) : public ::testing::TestWithParam<VkFilter> {};

TEST_P(KILN_SUITE(DrawCube), DirectionsPickTheirFaceAndFilterAcrossEdges) {
  // Directions (x, y, 0.75) over x, y in [-2, 2]: the +Z face in the middle and the four side faces
  // around it, their edges and corners crossed by the linear filter ("Cube Map Edge Handling").
  // Each face its own hue, a gradient inside it.
  Texture t;
  t.width = t.height = 8;
  t.cube = true;
  t.mag = t.min = GetParam();
  for (uint32_t face = 0; face < 6; ++face)
    for (uint32_t y = 0; y < 8; ++y)
      for (uint32_t x = 0; x < 8; ++x)
        t.rgba.insert(t.rgba.end(), {uint8_t(40 * face + 20), uint8_t(x * 32 + 8), uint8_t(y * 32 + 8), 255});
  Scene s = TexturedQuad(-2.0f, 2.03f, t);
  s.frag = "cube.frag";
  s.width = s.height = 64;
  DrawOnBoth("cube_" + std::to_string(GetParam()), s, 1);
}

KILN_INSTANTIATE(Filters, KILN_SUITE(DrawCube), ::testing::Values(VK_FILTER_NEAREST, VK_FILTER_LINEAR),
                 [](const ::testing::TestParamInfo<VkFilter>& info) {
                   return std::string(info.param == VK_FILTER_NEAREST ? "Nearest" : "Linear");
                 });

TEST(KILN_SUITE(Draw), MipmappedTextureMinifiedInPerspective) {
  // A floor receding into the distance: the LOD grows along it and every level is reached.
  Texture t = Checker(64, 7);
  t.mag = VK_FILTER_LINEAR;
  t.min = VK_FILTER_LINEAR;
  for (VkSamplerMipmapMode mode : {VK_SAMPLER_MIPMAP_MODE_NEAREST, VK_SAMPLER_MIPMAP_MODE_LINEAR}) {
    t.mipmap = mode;
    Scene s = TexturedQuad(0, 16, t);
    std::vector<float> data = {-1, -1, 0.5f, 1, 0, 0, 1, -1, 0.5f, 1, 16, 0, -0.05f, 0.9f, 0.5f, 0.05f, 0, 16,
                               1,  -1, 0.5f, 1, 16, 0, 0.05f, 0.9f, 0.5f, 0.05f, 16, 16, -0.05f, 0.9f, 0.5f, 0.05f, 0, 16};
    s.buffers[0].bytes = Bytes(data);
    // Implementations may pick the level from slightly different derivatives: where two levels
    // meet, a pixel may come from the other one. Compare loosely; the coverage stays exact.
    DrawOnBoth("mipmaps_" + std::to_string(mode), s, 48);
  }
}

TEST(KILN_SUITE(Draw), InstancesTakePerInstanceAttributes) {
  Scene s;
  s.vert = "instanced.vert";
  s.buffers.push_back({Bytes({-0.1f, -0.1f, 0.1f, -0.1f, 0.0f, 0.12f}), 8, VK_VERTEX_INPUT_RATE_VERTEX});
  std::vector<float> instances;
  for (int i = 0; i < 9; ++i)
    instances.insert(instances.end(), {0.1f * i, 1 - 0.1f * i, 0.5f, 1, -0.7f + 0.17f * i, -0.6f + 0.13f * (i % 4)});
  s.buffers.push_back({Bytes(instances), 24, VK_VERTEX_INPUT_RATE_INSTANCE});
  s.attributes = {{0, 0, VK_FORMAT_R32G32_SFLOAT, 0}, {1, 1, VK_FORMAT_R32G32B32A32_SFLOAT, 0},
                  {2, 1, VK_FORMAT_R32G32_SFLOAT, 16}};
  s.draws = {{3, 7, 0, 2}};  // instances 2..8
  const Pixels p = DrawOnBoth("instances", s, 1);
  uint32_t covered = 0;
  for (size_t i = 3; i < p.color.size(); i += 4) covered += p.color[i] != 0;
  EXPECT_GT(covered, 7u * 20u) << "seven instances drawn";
}

TEST(KILN_SUITE(Draw), IndexedStripsAndFansRestartWhereTheIndexSaysSo) {
  std::vector<float> data;
  for (int j = 0; j < 4; ++j)
    for (int i = 0; i < 6; ++i) data.insert(data.end(), {-0.9f + 0.35f * i, -0.9f + 0.55f * j + 0.05f * (i & 1), 0.5f, 1,
                                                         0.15f * i, 0.3f * j, 1 - 0.1f * i, 1});
  for (bool index16 : {true, false}) {
    Scene s;
    s.buffers.push_back({Bytes(data), 32});
    s.attributes = {{0, 0, VK_FORMAT_R32G32B32A32_SFLOAT, 0}, {1, 0, VK_FORMAT_R32G32B32A32_SFLOAT, 16}};
    s.index16 = index16;
    const uint32_t restart = index16 ? 0xffff : 0xffffffff;
    s.topology = VK_PRIMITIVE_TOPOLOGY_TRIANGLE_STRIP;
    s.primitive_restart = true;
    // Two strips between rows 0-1 and 2-3, separated by a restart; vertexOffset moves them.
    s.indices = {0, 6, 1, 7, 2, 8, 3, 9, restart, 12, 18, 13, 19, 14, 20, 15, 21, 16, 22};
    s.draws = {{uint32_t(s.indices.size()), 1, 0, 0, 1, true}};
    DrawOnBoth(std::string("strip_restart_") + (index16 ? "16" : "32"), s, 1);
    s.topology = VK_PRIMITIVE_TOPOLOGY_TRIANGLE_FAN;
    s.indices = {7, 0, 1, 2, 8, restart, 16, 10, 11, 22, 21};
    s.draws = {{uint32_t(s.indices.size()), 1, 0, 0, 0, true}};
    DrawOnBoth(std::string("fan_restart_") + (index16 ? "16" : "32"), s, 1);
  }
}

TEST(KILN_SUITE(Draw), ClipAndCullDistancesClipTrianglesLinesAndPoints) {
  // One triangle over the whole viewport (z = 0.5), cut by the two clip distances of
  // distances.vert; one with every z below 0.2, culled; one straddling z = 0.2, kept. Then lines and
  // points with the same distances.
  Scene s = ColorScene({{-3, -1, 0.5f, 1, 1, 0, 0, 1},
                        {3, -1, 0.5f, 1, 1, 0, 0, 1},
                        {0, 3, 0.5f, 1, 1, 0, 0, 1},
                        {0.2f, -0.9f, 0.1f, 1, 0, 1, 0, 1},
                        {0.9f, -0.9f, 0.1f, 1, 0, 1, 0, 1},
                        {0.5f, -0.3f, 0.15f, 1, 0, 1, 0, 1},
                        {0.2f, 0.1f, 0.1f, 1, 0, 0, 1, 1},
                        {0.9f, 0.1f, 0.1f, 1, 0, 0, 1, 1},
                        {0.5f, 0.6f, 0.3f, 1, 0, 0, 1, 1}});
  s.vert = "distances.vert";
  s.depth_format = VK_FORMAT_D32_SFLOAT;
  s.depth_stencil.depthTestEnable = VK_TRUE;
  s.depth_stencil.depthWriteEnable = VK_TRUE;
  s.depth_stencil.depthCompareOp = VK_COMPARE_OP_LESS_OR_EQUAL;
  const Pixels p = DrawOnBoth("distances_triangles", s, 1, 1e-5f);
  // On the host: where a clip distance is clearly negative nothing is drawn; where both are clearly
  // positive the first triangle (red, or the third one in front of it) is.
  for (uint32_t y = 0; y < p.height; ++y)
    for (uint32_t x = 0; x < p.width; ++x) {
      const float px = (x + 0.5f) / p.width * 2 - 1, py = (y + 0.5f) / p.height * 2 - 1;
      const float d0 = px + 0.3f * py + 0.1f, d1 = 0.8f - py;
      const uint8_t* c = p.at(x, y);
      if (d0 < -0.04f || d1 < -0.04f) {
        ASSERT_EQ(c[3], 0) << "pixel (" << x << ", " << y << ") past a clip distance";
      }
      if (d0 > 0.04f && d1 > 0.04f) {
        ASSERT_NE(c[3], 0) << "pixel (" << x << ", " << y << ") inside both clip distances";
        ASSERT_EQ(c[1], 0) << "pixel (" << x << ", " << y << "): the culled triangle drawn";
      }
    }
  s.depth_format = VK_FORMAT_UNDEFINED;
  s.topology = VK_PRIMITIVE_TOPOLOGY_LINE_LIST;
  s.buffers[0].bytes = Bytes({-0.9f, -0.5f, 0.5f, 1, 1, 1, 0, 1, 0.9f, 0.7f, 0.5f, 1, 0, 1, 1, 1,   // cut by clip 0
                              -0.8f, 0.95f, 0.5f, 1, 1, 0, 1, 1, 0.8f, 0.5f, 0.5f, 1, 1, 1, 1, 1,   // cut by clip 1
                              0.1f, -0.8f, 0.1f, 1, 1, 1, 1, 1, 0.8f, -0.2f, 0.1f, 1, 1, 1, 1, 1}); // culled
  s.draws = {{6}};
  DrawOnBoth("distances_lines", s, 1);
  s.topology = VK_PRIMITIVE_TOPOLOGY_POINT_LIST;
  s.buffers[0].bytes = Bytes({-0.5f, 0.0f, 0.5f, 1, 1, 1, 0, 1,   // clip 0 negative: discarded
                              0.5f, 0.0f, 0.5f, 1, 1, 0, 1, 1,    // kept
                              0.5f, 0.9f, 0.5f, 1, 0, 1, 1, 1,    // clip 1 negative: discarded
                              0.3f, -0.5f, 0.1f, 1, 1, 1, 1, 1}); // culled
  s.draws = {{4}};
  const Pixels points = DrawOnBoth("distances_points", s, 0);
  uint32_t drawn = 0;
  for (size_t i = 3; i < points.color.size(); i += 4) drawn += points.color[i] != 0;
  EXPECT_EQ(drawn, 9u) << "one 3 x 3 point of four survives its distances";
}

TEST(KILN_SUITE(Draw), SharedAndFarApartIndicesDrawTheSameMesh) {
  // A grid of 6 x 4 vertices as an indexed triangle list (an inner vertex is used by six
  // triangles); the vertex buffer holds the grid twice, 5000 vertices apart. Drawn with dense
  // indices into the first copy, then with every odd vertex taken from the far copy and the whole
  // moved by vertexOffset: the same pixels each time, and lavapipe's.
  std::vector<float> grid;
  for (int j = 0; j < 4; ++j)
    for (int i = 0; i < 6; ++i)
      grid.insert(grid.end(), {-0.9f + 0.35f * i + 0.03f * j, -0.9f + 0.55f * j + 0.04f * (i & 1), 0.5f, 1, 0.15f * i,
                               0.3f * j, 1 - 0.1f * i, 1});
  constexpr uint32_t kFar = 5000;
  std::vector<float> data((kFar + 24) * 8, 0.0f);
  std::copy(grid.begin(), grid.end(), data.begin());
  std::copy(grid.begin(), grid.end(), data.begin() + kFar * 8);
  Scene s;
  s.buffers.push_back({Bytes(data), 32});
  s.attributes = {{0, 0, VK_FORMAT_R32G32B32A32_SFLOAT, 0}, {1, 0, VK_FORMAT_R32G32B32A32_SFLOAT, 16}};
  for (uint32_t j = 0; j < 3; ++j)
    for (uint32_t i = 0; i < 5; ++i) {
      const uint32_t a = j * 6 + i;
      s.indices.insert(s.indices.end(), {a, a + 1, a + 6, a + 1, a + 7, a + 6});
    }
  s.draws = {{uint32_t(s.indices.size()), 1, 0, 0, 0, true}};
  const Pixels dense = DrawOnBoth("grid_dense", s, 1);
  for (uint32_t& index : s.indices) index = (index % 2 ? index + kFar : index) + 3000000;
  s.draws[0].vertex_offset = -3000000;
  const Pixels sparse = DrawOnBoth("grid_sparse", s, 1);
  EXPECT_TRUE(SamePixels("grid_sparse_vs_dense", sparse, dense, 0));
}

TEST(KILN_SUITE(Draw), CullModesAndFrontFace) {
  // One counter-clockwise and one clockwise triangle (in framebuffer coordinates, y down).
  const std::vector<ColorVertex> v = {{-0.9f, -0.8f, 0.5f, 1, 1, 0, 0, 1}, {-0.9f, 0.8f, 0.5f, 1, 1, 0, 0, 1}, {-0.1f, 0, 0.5f, 1, 1, 0, 0, 1},
                                      {0.1f, 0, 0.5f, 1, 0, 1, 0, 1},      {0.9f, -0.8f, 0.5f, 1, 0, 1, 0, 1}, {0.9f, 0.8f, 0.5f, 1, 0, 1, 0, 1}};
  for (VkCullModeFlags cull : {VK_CULL_MODE_NONE, VK_CULL_MODE_FRONT_BIT, VK_CULL_MODE_BACK_BIT, VK_CULL_MODE_FRONT_AND_BACK})
    for (VkFrontFace front : {VK_FRONT_FACE_COUNTER_CLOCKWISE, VK_FRONT_FACE_CLOCKWISE}) {
      Scene s = ColorScene(v);
      s.cull = cull;
      s.front_face = front;
      const Pixels p = DrawOnBoth("cull_" + std::to_string(cull) + "_" + std::to_string(front), s, 1);
      uint32_t drawn = 0;
      for (size_t i = 3; i < p.color.size(); i += 4) drawn += p.color[i] != 0;
      // One triangle of each winding: none, one or both survive.
      const uint32_t one = 650;  // pixels either triangle covers
      if (cull == VK_CULL_MODE_FRONT_AND_BACK) {
        EXPECT_EQ(drawn, 0u);
      } else if (cull == VK_CULL_MODE_NONE) {
        EXPECT_EQ(drawn, 2 * one);
      } else {
        EXPECT_EQ(drawn, one);
      }
    }
}

TEST(KILN_SUITE(Draw), DiscardAndFragDepth) {
  Scene s = ColorScene({{-1, -1, 0.9f, 1, 0.25f, 0.5f, 0.75f, 1}, {3, -1, 0.9f, 1, 0.25f, 0.5f, 0.75f, 1}, {-1, 3, 0.9f, 1, 0.75f, 0.5f, 0.25f, 1}});
  s.frag = "discard.frag";
  s.depth_format = VK_FORMAT_D32_SFLOAT;
  s.depth_stencil.depthTestEnable = VK_TRUE;
  s.depth_stencil.depthWriteEnable = VK_TRUE;
  s.depth_stencil.depthCompareOp = VK_COMPARE_OP_LESS;
  const Pixels p = DrawOnBoth("discard", s, 1, 1e-6f);
  // Checkerboard cells of 4x4 pixels: odd cells discarded (cleared), even ones drawn.
  for (uint32_t y = 0; y < p.height; ++y)
    for (uint32_t x = 0; x < p.width; ++x) {
      const bool odd = ((x / 4 + y / 4) & 1) == 1;
      ASSERT_EQ(p.at(x, y)[3] != 0, !odd) << x << ", " << y;
      if (!odd) {
        ASSERT_NEAR(p.depth[size_t(y) * p.width + x], p.at(x, y)[0] / 255.0f, 0.01f);
      }
    }
}

TEST(KILN_SUITE(Draw), DepthBiasMovesDepthByTheSlopeAndConstant) {
  Scene s = ColorScene({{-0.9f, -0.9f, 0.2f, 1, 1, 0, 0, 1}, {0.9f, -0.8f, 0.6f, 1, 1, 0, 0, 1}, {-0.7f, 0.9f, 0.4f, 1, 1, 0, 0, 1}});
  s.depth_format = VK_FORMAT_D32_SFLOAT;
  s.depth_stencil.depthTestEnable = VK_TRUE;
  s.depth_stencil.depthWriteEnable = VK_TRUE;
  s.depth_stencil.depthCompareOp = VK_COMPARE_OP_ALWAYS;
  s.depth_bias = true;
  s.bias_constant = 1000;
  s.bias_slope = 2;
  s.bias_clamp = 0.05f;
  // The spec leaves r (the minimum resolvable difference of a float depth buffer) to the
  // implementation within a range: compare loosely.
  DrawOnBoth("depth_bias", s, 1, 1e-3f);
}

// vkCmdDrawIndirect and vkCmdDrawIndexedIndirect read their parameters from a buffer at execution:
// the same pictures as the direct draws (two records each, one strip with restart and an instanced
// list), on Kiln and lavapipe.
TEST(KILN_SUITE(Draw), IndirectDrawsReadTheirParametersFromTheBuffer) {
  std::vector<float> data;
  for (int j = 0; j < 3; ++j)
    for (int i = 0; i < 6; ++i)
      data.insert(data.end(), {-0.9f + 0.35f * i, -0.9f + 0.6f * j + 0.05f * (i & 1), 0.5f, 1, 0.15f * i, 0.3f * j, 0.6f, 1});
  Scene s;
  s.buffers.push_back({Bytes(data), 32});
  s.attributes = {{0, 0, VK_FORMAT_R32G32B32A32_SFLOAT, 0}, {1, 0, VK_FORMAT_R32G32B32A32_SFLOAT, 16}};
  s.topology = VK_PRIMITIVE_TOPOLOGY_TRIANGLE_STRIP;
  s.primitive_restart = true;
  s.indices = {0, 6, 1, 7, 2, 8, 0xffffffff, 9, 3, 10, 4, 11, 5};
  DrawCall indexed{uint32_t(s.indices.size()), 1, 0, 0, 6, true};  // vertexOffset 6: the next row
  DrawCall direct{4, 2, 12};                                        // the third row's first four, twice
  Scene expected = s;
  expected.draws = {indexed, direct};
  indexed.indirect = direct.indirect = true;
  s.draws = {indexed, direct};
  const Pixels viaBuffer = DrawOnBoth("indirect", s, 1);
  const Pixels viaArguments = Render(KILN_TEST_MANIFEST, expected);
  EXPECT_TRUE(SamePixels("indirect_vs_direct", viaBuffer, viaArguments, 0));
  // Both records drew: more than the first record alone covers, which is something.
  auto covered = [](const Pixels& p) {
    uint32_t n = 0;
    for (size_t i = 3; i < p.color.size(); i += 4) n += p.color[i] != 0;
    return n;
  };
  Scene first = expected;
  first.draws.resize(1);
  const uint32_t alone = covered(Render(KILN_TEST_MANIFEST, first));
  EXPECT_GT(alone, 0u);
  EXPECT_GT(covered(viaBuffer), alone);
}

// Vertex attributes of packed, normalized, scaled, half-float and BGR formats decode as lavapipe
// decodes them (the VERTEX_BUFFER feature Kiln reports for every format its texel codecs read):
// the color attribute's raw bytes, per vertex, in each format.
TEST(KILN_SUITE(Draw), VertexFormatsDecodeAsLavapipeDecodesThem) {
  struct Case {
    VkFormat format;
    uint32_t size;
    std::vector<uint8_t> bytes;  // three vertices
  };
  auto half = [](uint16_t h) { return std::vector<uint8_t>{uint8_t(h), uint8_t(h >> 8)}; };
  std::vector<uint8_t> halves;
  for (uint16_t h : {0x3400, 0x3800, 0x3A00, 0x3C00, 0x3800, 0x3000, 0x3C00, 0x3C00, 0x0000, 0x3A00, 0x3555, 0x3C00}) {
    const std::vector<uint8_t> b = half(h);
    halves.insert(halves.end(), b.begin(), b.end());
  }
  auto packed = [](uint32_t r, uint32_t g, uint32_t b, uint32_t a) {  // A2B10G10R10
    const uint32_t v = r | g << 10 | b << 20 | a << 30;
    return std::vector<uint8_t>{uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)};
  };
  std::vector<uint8_t> packed_bytes;
  for (const auto& v : {packed(1023, 300, 0, 3), packed(12, 1000, 512, 3), packed(700, 0, 1023, 3)})
    packed_bytes.insert(packed_bytes.end(), v.begin(), v.end());
  const std::vector<uint8_t> bytes4 = {250, 30, 90, 255, 20, 200, 140, 255, 120, 60, 240, 255};
  const std::vector<uint8_t> signed4 = {127, 0x81, 64, 127, 10, 100, 0x90, 127, 0, 60, 120, 127};
  const std::vector<uint8_t> scaled4 = {1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1};
  const std::vector<Case> cases = {
      {VK_FORMAT_R8G8B8A8_UNORM, 4, bytes4},   {VK_FORMAT_B8G8R8A8_UNORM, 4, bytes4},
      {VK_FORMAT_R8G8B8A8_SNORM, 4, signed4},  {VK_FORMAT_R8G8B8A8_USCALED, 4, scaled4},
      {VK_FORMAT_R16G16B16A16_SFLOAT, 8, halves}, {VK_FORMAT_A2B10G10R10_UNORM_PACK32, 4, packed_bytes},
      {VK_FORMAT_R8G8B8_UNORM, 3, {250, 30, 90, 20, 200, 140, 120, 60, 240}},
  };
  for (const Case& c : cases) {
    Scene s;
    s.buffers.push_back({Bytes({-0.9f, -0.9f, 0.5f, 1, 0.9f, -0.7f, 0.5f, 1, -0.2f, 0.9f, 0.5f, 1}), 16});
    s.buffers.push_back({c.bytes, c.size});
    s.attributes = {{0, 0, VK_FORMAT_R32G32B32A32_SFLOAT, 0}, {1, 1, c.format, 0}};
    s.draws = {{3}};
    const Pixels p = DrawOnBoth("vertex_format_" + std::to_string(c.format), s, 1);
    uint32_t covered = 0;
    for (size_t i = 3; i < p.color.size(); i += 4) covered += p.color[i] != 0;
    EXPECT_GT(covered, 500u) << "format " << c.format;
  }
}

// What Kiln does not draw is refused at pipeline creation (with a debug message), never made and
// then drawn as nothing: adjacency topologies and patch lists (geometryShader and tessellationShader
// are not reported), polygon modes LINE and POINT (fillModeNonSolid is not reported), logic ops and
// SRC1 blend factors (logicOp and dualSrcBlend are not reported).
void ExpectRefused(const std::string& what, const Scene& s) {
  try {
    Render(KILN_TEST_MANIFEST, s);
    ADD_FAILURE() << what << " was accepted";
  } catch (const VkError& e) {
    EXPECT_NE(std::string(e.what()).find("CreatePipeline("), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("-1000012000"), std::string::npos) << e.what();  // VK_ERROR_INVALID_SHADER_NV
  }
}

TEST(KILN_SUITE(Draw), PipelinesOfWhatKilnDoesNotDrawAreRefused) {
  KT_REQUIRE_KILN();
  const Scene base = ColorScene({{-1, -1, 0.5f, 1, 1, 1, 1, 1}});
  for (VkPrimitiveTopology topology :
       {VK_PRIMITIVE_TOPOLOGY_LINE_LIST_WITH_ADJACENCY, VK_PRIMITIVE_TOPOLOGY_LINE_STRIP_WITH_ADJACENCY,
        VK_PRIMITIVE_TOPOLOGY_TRIANGLE_LIST_WITH_ADJACENCY, VK_PRIMITIVE_TOPOLOGY_TRIANGLE_STRIP_WITH_ADJACENCY,
        VK_PRIMITIVE_TOPOLOGY_PATCH_LIST}) {
    Scene s = base;
    s.topology = topology;
    ExpectRefused("topology " + std::to_string(topology), s);
  }
  for (VkPolygonMode mode : {VK_POLYGON_MODE_LINE, VK_POLYGON_MODE_POINT}) {
    Scene s = base;
    s.polygon_mode = mode;
    ExpectRefused("polygon mode " + std::to_string(mode), s);
  }
  Scene logic = base;
  logic.logic_op = true;
  ExpectRefused("a logic op", logic);
  Scene dual = base;
  dual.blend.blendEnable = VK_TRUE;
  dual.blend.srcColorBlendFactor = VK_BLEND_FACTOR_SRC1_COLOR;
  ExpectRefused("an SRC1 blend factor", dual);
}

}  // namespace
}  // namespace kiln_test
