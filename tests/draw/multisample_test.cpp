// 4x multisampling: scenes rendered with four samples per pixel and resolved by the render pass, by
// dynamic rendering and by vkCmdResolveImage, checked against a host model of the spec's coverage
// rule (the "Standard Sample Locations" with the top-left rule per sample) and, where it is
// installed, against lavapipe pixel by pixel.
//
// Tolerance: 1 code per 8-bit channel. A resolved pixel is the mean of its four samples, k/4 of the
// way between two colors; for k = 2 that is x.5 codes, which Kiln rounds up (round to nearest, ties
// away from zero, as its UNORM encoder does) and another driver may round either way. Coverage
// itself (which samples) must agree exactly: vertices sit on the 1/256 pixel grid, so every edge
// function value is exact on both drivers.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <random>

#include "draw_harness.h"
#include "vk_test_util.h"

namespace kiln_test {
namespace {

// "Standard Sample Locations", VK_SAMPLE_COUNT_4_BIT.
constexpr double kSamples4[4][2] = {{0.375, 0.125}, {0.875, 0.375}, {0.125, 0.625}, {0.625, 0.875}};

struct Vertex {
  float x, y, z, r, g, b, a;  // x, y in pixels of a 32x32 target
};

constexpr uint32_t kSize = 32;

Scene PixelScene(const std::vector<Vertex>& vertices) {
  Scene s;
  s.width = s.height = kSize;
  std::vector<float> data;
  for (const Vertex& v : vertices)
    data.insert(data.end(), {v.x * 2 / kSize - 1, v.y * 2 / kSize - 1, v.z, 1, v.r, v.g, v.b, v.a});
  s.buffers.push_back({Bytes(data), 32, VK_VERTEX_INPUT_RATE_VERTEX});
  s.attributes = {{0, 0, VK_FORMAT_R32G32B32A32_SFLOAT, 0}, {1, 0, VK_FORMAT_R32G32B32A32_SFLOAT, 16}};
  s.draws = {{uint32_t(vertices.size())}};
  s.samples = VK_SAMPLE_COUNT_4_BIT;
  return s;
}

// A white triangle on the 1/256 grid, with edges of several slopes.
const std::vector<Vertex> kTriangle = {
    {2.0f, 3.0f, 0.5f, 1, 1, 1, 1}, {29.5f, 7.25f, 0.5f, 1, 1, 1, 1}, {9.75f, 28.5f, 0.5f, 1, 1, 1, 1}};

// The host model: which of pixel (x, y)'s four samples the triangle covers, bit s for sample s ("Polygon
// Rasterization": a sample is covered when it is inside every edge, or on an edge that is a top or
// left edge; exact in units of 1/256 pixel).
uint32_t SampleMask(const std::vector<Vertex>& t, uint32_t x, uint32_t y) {
  int64_t X[3], Y[3];
  for (int i = 0; i < 3; ++i) X[i] = std::llround(t[i].x * 256), Y[i] = std::llround(t[i].y * 256);
  const int64_t area = (X[1] - X[0]) * (Y[2] - Y[0]) - (X[2] - X[0]) * (Y[1] - Y[0]);
  const int64_t sign = area > 0 ? 1 : -1;
  uint32_t mask = 0;
  for (uint32_t n = 0; n < 4; ++n) {
    const auto& s = kSamples4[n];
    const int64_t sx = int64_t(x) * 256 + int64_t(s[0] * 256), sy = int64_t(y) * 256 + int64_t(s[1] * 256);
    bool inside = true;
    for (int i = 0; i < 3; ++i) {
      const int j = (i + 1) % 3, k = (i + 2) % 3;
      // The inside is E > 0; on the edge (E == 0) only left (a > 0) and top (a == 0, b > 0) edges count.
      const int64_t a = -(Y[k] - Y[j]) * sign, b = (X[k] - X[j]) * sign;
      const int64_t e = a * (sx - X[j]) + b * (sy - Y[j]);
      inside &= e > 0 || (e == 0 && (a > 0 || (a == 0 && b > 0)));
    }
    mask |= uint32_t(inside) << n;
  }
  return mask;
}

int CoveredSamples(const std::vector<Vertex>& t, uint32_t x, uint32_t y) {
  return __builtin_popcount(SampleMask(t, x, y));
}

// round(255 * k / 4) as Kiln's UNORM encoder rounds (ties up).
int Mean8(int k) { return int(255.0 * k / 4 + 0.5); }

Pixels TriangleResolvedBy(Scene::Resolve resolve, const std::string& name) {
  Scene s = PixelScene(kTriangle);
  s.resolve = resolve;
  return DrawOnBoth(name, s);
}

TEST(KILN_SUITE(Multisample), TriangleResolvedByTheRenderPassAveragesTheCoveredSamples) {
  const Pixels p = TriangleResolvedBy(Scene::Resolve::RenderPass, "msaa_render_pass");
  int partial[5] = {};
  for (uint32_t y = 0; y < kSize; ++y)
    for (uint32_t x = 0; x < kSize; ++x) {
      const int k = CoveredSamples(kTriangle, x, y);
      ++partial[k];
      for (int c = 0; c < 4; ++c)
        ASSERT_EQ(int(p.at(x, y)[c]), Mean8(k)) << "pixel (" << x << ", " << y << ") channel " << c << ", " << k
                                                << " samples covered";
    }
  // The edges really cross pixels at every fraction: 1, 2 and 3 covered samples all occur.
  EXPECT_GT(partial[1], 0);
  EXPECT_GT(partial[2], 0);
  EXPECT_GT(partial[3], 0);
  EXPECT_GT(partial[4], 100);
}

TEST(KILN_SUITE(Multisample), DynamicRenderingResolveEqualsTheRenderPassResolve) {
  const Pixels pass = Render(KILN_TEST_MANIFEST, PixelScene(kTriangle));
  const Pixels dynamic = TriangleResolvedBy(Scene::Resolve::DynamicRendering, "msaa_dynamic_rendering");
  EXPECT_TRUE(SamePixels("msaa_dynamic_vs_pass", dynamic, pass, 0));
}

TEST(KILN_SUITE(Multisample), ResolveImageEqualsTheRenderPassResolve) {
  const Pixels pass = Render(KILN_TEST_MANIFEST, PixelScene(kTriangle));
  const Pixels resolved = TriangleResolvedBy(Scene::Resolve::ResolveImage, "msaa_resolve_image");
  EXPECT_TRUE(SamePixels("msaa_resolve_image_vs_pass", resolved, pass, 0));
}

TEST(KILN_SUITE(Multisample), APixelHalfCoveredResolvesToHalfTheColor) {
  // A rectangle whose right edge is the vertical line x = 10.5: in column 10 the samples at x
  // offsets 0.375 and 0.125 (samples 0 and 2) are covered, those at 0.875 and 0.625 are not.
  Scene s = PixelScene({{0, 0, 0.5f, 1, 0, 0, 1}, {10.5f, 0, 0.5f, 1, 0, 0, 1}, {0, 32, 0.5f, 1, 0, 0, 1},
                        {10.5f, 0, 0.5f, 1, 0, 0, 1}, {10.5f, 32, 0.5f, 1, 0, 0, 1}, {0, 32, 0.5f, 1, 0, 0, 1}});
  const Pixels p = DrawOnBoth("msaa_half_covered", s);
  for (uint32_t y = 0; y < kSize; ++y) {
    EXPECT_EQ(p.at(9, y)[0], 255);
    EXPECT_EQ(p.at(10, y)[0], 128) << "row " << y;  // 255 * 2 / 4 = 127.5
    EXPECT_EQ(p.at(10, y)[3], 128);
    EXPECT_EQ(p.at(11, y)[0], 0);
  }
}

TEST(KILN_SUITE(Multisample), DepthIsTestedAtEachSample) {
  // Two rectangles whose depths cross at the vertical line x = 16.5 (red nearer left of it, green
  // right of it), depth test LESS: in column 16 samples 0 and 2 (x = 16.375, 16.125) keep red,
  // samples 1 and 3 (x = 16.875, 16.625) get green. Depth per pixel would give one color.
  const float k = 0.01f;
  auto z = [&](float x, float sign) { return 0.5f + sign * k * (x - 16.5f); };
  std::vector<Vertex> v;
  for (float sign : {1.0f, -1.0f}) {
    const float r = sign > 0 ? 1.0f : 0.0f, g = 1 - r;
    v.insert(v.end(), {{0, 0, z(0, sign), r, g, 0, 1},
                       {32, 0, z(32, sign), r, g, 0, 1},
                       {0, 32, z(0, sign), r, g, 0, 1},
                       {32, 0, z(32, sign), r, g, 0, 1},
                       {32, 32, z(32, sign), r, g, 0, 1},
                       {0, 32, z(0, sign), r, g, 0, 1}});
  }
  Scene s = PixelScene(v);
  s.depth_format = VK_FORMAT_D32_SFLOAT;
  s.depth_stencil.depthTestEnable = VK_TRUE;
  s.depth_stencil.depthWriteEnable = VK_TRUE;
  s.depth_stencil.depthCompareOp = VK_COMPARE_OP_LESS;
  const Pixels p = DrawOnBoth("msaa_depth_per_sample", s);
  for (uint32_t y = 0; y < kSize; ++y) {
    EXPECT_EQ(p.at(15, y)[0], 255);
    EXPECT_EQ(p.at(15, y)[1], 0);
    EXPECT_EQ(p.at(16, y)[0], 128) << "row " << y;
    EXPECT_EQ(p.at(16, y)[1], 128) << "row " << y;
    EXPECT_EQ(p.at(17, y)[0], 0);
    EXPECT_EQ(p.at(17, y)[1], 255);
  }
  // The same with dynamic rendering, whose depth resolve (SAMPLE_ZERO) is read back: each pixel's
  // depth is the nearer rectangle's at sample 0, (x + 0.375, y + 0.125), compared with lavapipe
  // (1e-6, the two interpolate in float) and with the plane's value.
  // Stencil counts, per sample, the rectangles that passed the depth test: 1 where red is nearer
  // at sample 0, 2 where green (drawn second) is.
  s.resolve = Scene::Resolve::DynamicRendering;
  s.depth_format = VK_FORMAT_D32_SFLOAT_S8_UINT;
  s.depth_stencil.stencilTestEnable = VK_TRUE;
  s.depth_stencil.front = {VK_STENCIL_OP_KEEP, VK_STENCIL_OP_INCREMENT_AND_CLAMP, VK_STENCIL_OP_KEEP,
                           VK_COMPARE_OP_ALWAYS, 0xff, 0xff, 0};
  s.depth_stencil.back = s.depth_stencil.front;
  const Pixels d = DrawOnBoth("msaa_depth_resolve", s);
  ASSERT_EQ(d.depth.size(), size_t(kSize) * kSize);
  ASSERT_EQ(d.stencil.size(), size_t(kSize) * kSize);
  EXPECT_TRUE(SamePixels("msaa_depth_resolve_vs_pass", d, p, 0, 1.0f)) << "colors as with the render pass";
  for (uint32_t y = 0; y < kSize; ++y)
    for (uint32_t x = 0; x < kSize; ++x) {
      const float sx = float(x) + 0.375f;
      const float expected = std::min(z(sx, 1.0f), z(sx, -1.0f));
      ASSERT_NEAR(d.depth[size_t(y) * kSize + x], expected, 1e-5f) << "pixel (" << x << ", " << y << ")";
      ASSERT_EQ(d.stencil[size_t(y) * kSize + x], sx > 16.5f ? 2 : 1) << "pixel (" << x << ", " << y << ")";
    }
}

TEST(KILN_SUITE(Multisample), SampleMaskKeepsOnlyItsSamples) {
  // A rectangle over the whole target: every sample is covered, the mask keeps 1 (0x1) or 2 (0x5).
  const std::vector<Vertex> full = {{0, 0, 0.5f, 1, 1, 1, 1},  {32, 0, 0.5f, 1, 1, 1, 1}, {0, 32, 0.5f, 1, 1, 1, 1},
                                    {32, 0, 0.5f, 1, 1, 1, 1}, {32, 32, 0.5f, 1, 1, 1, 1}, {0, 32, 0.5f, 1, 1, 1, 1}};
  for (const auto& [mask, kept] : {std::pair{0x1u, 1}, std::pair{0x5u, 2}, std::pair{0xeu, 3}}) {
    Scene s = PixelScene(full);
    s.sample_mask = mask;
    const Pixels p = DrawOnBoth("msaa_sample_mask_" + std::to_string(mask), s);
    for (uint32_t y = 0; y < kSize; ++y)
      for (uint32_t x = 0; x < kSize; ++x)
        ASSERT_EQ(int(p.at(x, y)[0]), Mean8(kept)) << "mask " << mask << " pixel (" << x << ", " << y << ")";
  }
  // With partial coverage: the mask removes samples of the edge pixels too (against lavapipe).
  Scene s = PixelScene(kTriangle);
  s.sample_mask = 0x6;
  DrawOnBoth("msaa_sample_mask_edges", s);
}

TEST(KILN_SUITE(Multisample), BlendingHappensPerSample) {
  // Two overlapping triangles with additive blending on a cleared (0.25 red) target: where both
  // cover a sample it gets both contributions.
  std::vector<Vertex> v = kTriangle;
  for (Vertex& t : v) t.r = 0.25f, t.g = 0.5f, t.b = 0, t.a = 1;
  const std::vector<Vertex> second = {{30.0f, 2.5f, 0.5f, 0.5f, 0, 0.25f, 1},
                                      {27.25f, 30.0f, 0.5f, 0.5f, 0, 0.25f, 1},
                                      {3.5f, 16.125f, 0.5f, 0.5f, 0, 0.25f, 1}};
  v.insert(v.end(), second.begin(), second.end());
  Scene s = PixelScene(v);
  s.clear_color.float32[0] = 0.25f;
  s.blend.blendEnable = VK_TRUE;
  s.blend.srcColorBlendFactor = s.blend.dstColorBlendFactor = VK_BLEND_FACTOR_ONE;
  s.blend.srcAlphaBlendFactor = s.blend.dstAlphaBlendFactor = VK_BLEND_FACTOR_ONE;
  DrawOnBoth("msaa_blend", s);
}

TEST(KILN_SUITE(Multisample), SharedEdgesCoverEverySampleOnce) {
  // A 9x7 grid of jittered vertices on the 1/256 grid, two triangles per cell, additive blending
  // of 60 codes per fragment: a sample covered twice would make its pixel 75, one missed 45.
  std::mt19937 rng(23);
  std::uniform_int_distribution<int> jitter(-300, 300);  // in 1/256 pixel, small enough that no triangle folds over
  const int nx = 9, ny = 7;
  std::vector<std::pair<float, float>> grid;
  for (int j = 0; j < ny; ++j)
    for (int i = 0; i < nx; ++i) {
      float x = 32.0f * i / (nx - 1), y = 32.0f * j / (ny - 1);
      x = std::round(x * 256) / 256, y = std::round(y * 256) / 256;
      if (i > 0 && i < nx - 1) x += jitter(rng) / 256.0f;
      if (j > 0 && j < ny - 1) y += jitter(rng) / 256.0f;
      grid.push_back({x, y});
    }
  const float step = 60.0f / 255.0f;
  std::vector<Vertex> v;
  auto add = [&](int i, int j) { v.push_back({grid[j * nx + i].first, grid[j * nx + i].second, 0.5f, step, 0, 0, 1}); };
  for (int j = 0; j + 1 < ny; ++j)
    for (int i = 0; i + 1 < nx; ++i) {
      add(i, j), add(i + 1, j), add(i, j + 1);
      add(i + 1, j), add(i + 1, j + 1), add(i, j + 1);
    }
  Scene s = PixelScene(v);
  s.blend.blendEnable = VK_TRUE;
  s.blend.srcColorBlendFactor = s.blend.dstColorBlendFactor = VK_BLEND_FACTOR_ONE;
  s.blend.srcAlphaBlendFactor = s.blend.dstAlphaBlendFactor = VK_BLEND_FACTOR_ONE;
  const Pixels p = DrawOnBoth("msaa_shared_edges", s, 0);
  for (uint32_t y = 0; y < kSize; ++y)
    for (uint32_t x = 0; x < kSize; ++x) ASSERT_EQ(p.at(x, y)[0], 60) << "pixel (" << x << ", " << y << ")";
}

// Five columns of alpha 0, 0.25, 0.5, 0.75, 1 (red 1) over the whole target.
std::vector<Vertex> AlphaColumns() {
  std::vector<Vertex> v;
  for (int c = 0; c < 5; ++c) {
    const float x0 = 6.0f * c, x1 = x0 + 6.0f, a = 0.25f * c;
    v.insert(v.end(), {{x0, 0, 0.5f, 1, 0, 0, a}, {x1, 0, 0.5f, 1, 0, 0, a}, {x0, 32, 0.5f, 1, 0, 0, a},
                       {x1, 0, 0.5f, 1, 0, 0, a}, {x1, 32, 0.5f, 1, 0, 0, a}, {x0, 32, 0.5f, 1, 0, 0, a}});
  }
  return v;
}

TEST(KILN_SUITE(Multisample), AlphaToCoverageKeepsSamplesInProportionToAlpha) {
  // "Multisample Coverage": which samples alpha keeps is the implementation's; Kiln keeps round(4 alpha)
  // (raster.h), so the columns resolve to 0, 1, 2, 3 and 4 quarters of red. lavapipe's dither may
  // differ, so only the ends (alpha 0: nothing; alpha 1: everything) are compared with it.
  Scene s = PixelScene(AlphaColumns());
  s.alpha_to_coverage = true;
  const Pixels p = Render(KILN_TEST_MANIFEST, s);
  for (uint32_t y = 0; y < kSize; ++y)
    for (int c = 0; c < 5; ++c)
      for (uint32_t x = 6 * c; x < 6u * c + 6; ++x)
        ASSERT_EQ(int(p.at(x, y)[0]), Mean8(c)) << "pixel (" << x << ", " << y << "), alpha " << 0.25 * c;
  if (LavapipeInstalled()) {
    const Pixels lavapipe = Render(KILN_LAVAPIPE_MANIFEST, s);
    for (uint32_t y = 0; y < kSize; ++y) {
      for (uint32_t x = 0; x < 6; ++x) EXPECT_EQ(lavapipe.at(x, y)[0], p.at(x, y)[0]) << x << ", " << y;
      for (uint32_t x = 24; x < 30; ++x) EXPECT_EQ(lavapipe.at(x, y)[0], p.at(x, y)[0]) << x << ", " << y;
    }
  }
  // With one sample, alpha 0 writes nothing and the others write the pixel.
  s.samples = VK_SAMPLE_COUNT_1_BIT;
  const Pixels one = Render(KILN_TEST_MANIFEST, s);
  for (uint32_t y = 0; y < kSize; ++y)
    for (uint32_t x = 0; x < 30; ++x) ASSERT_EQ(int(one.at(x, y)[0]), x < 6 ? 0 : 255) << x << ", " << y;
  // Samples alpha removes get no depth either: a farther opaque green rectangle drawn after the
  // columns fills exactly the samples the columns left (depth LESS, written).
  std::vector<Vertex> v = AlphaColumns();
  const std::vector<Vertex> green = {{0, 0, 0.7f, 0, 1, 0, 1},  {32, 0, 0.7f, 0, 1, 0, 1}, {0, 32, 0.7f, 0, 1, 0, 1},
                                     {32, 0, 0.7f, 0, 1, 0, 1}, {32, 32, 0.7f, 0, 1, 0, 1}, {0, 32, 0.7f, 0, 1, 0, 1}};
  v.insert(v.end(), green.begin(), green.end());
  Scene d = PixelScene(v);
  d.alpha_to_coverage = true;
  d.depth_format = VK_FORMAT_D32_SFLOAT;
  d.depth_stencil.depthTestEnable = VK_TRUE;
  d.depth_stencil.depthWriteEnable = VK_TRUE;
  d.depth_stencil.depthCompareOp = VK_COMPARE_OP_LESS;
  const Pixels pd = Render(KILN_TEST_MANIFEST, d);
  for (uint32_t y = 0; y < kSize; ++y)
    for (int c = 0; c < 5; ++c)
      for (uint32_t x = 6 * c; x < 6u * c + 6; ++x) {
        ASSERT_EQ(int(pd.at(x, y)[0]), Mean8(c)) << "pixel (" << x << ", " << y << ")";
        ASSERT_EQ(int(pd.at(x, y)[1]), Mean8(4 - c)) << "pixel (" << x << ", " << y << ")";
      }
}

TEST(KILN_SUITE(Multisample), TexelFetchReadsEachSample) {
  // The triangle rendered with 4 samples, then samples.frag fetches sample s of each pixel into
  // component s: 255 where the host model covers that sample, 0 elsewhere.
  Scene s = PixelScene(kTriangle);
  s.fetch_samples = true;
  const Pixels p = DrawOnBoth("msaa_texel_fetch", s, 0);
  int partial = 0;
  for (uint32_t y = 0; y < kSize; ++y)
    for (uint32_t x = 0; x < kSize; ++x) {
      const uint32_t mask = SampleMask(kTriangle, x, y);
      partial += mask != 0 && mask != 0xf;
      for (uint32_t c = 0; c < 4; ++c)
        ASSERT_EQ(int(p.at(x, y)[c]), (mask >> c) & 1 ? 255 : 0)
            << "pixel (" << x << ", " << y << ") sample " << c << ", covered samples " << mask;
    }
  EXPECT_GT(partial, 10);
}

// ---- What is reported and what is refused (Kiln only; not in the validated binary, whose layer
// would rightly flag the invalid requests).
#if !KILN_TEST_WITH_VALIDATION

TEST(MultisampleReport, LimitsAndFormatPropertiesReportOneAndFourSamples) {
  KT_REQUIRE_KILN();
  auto instance = Instance::Create();
  const VkPhysicalDevice pd = instance->PhysicalDevice();
  VkPhysicalDeviceProperties props;
  vkGetPhysicalDeviceProperties(pd, &props);
  const VkSampleCountFlags four = VK_SAMPLE_COUNT_1_BIT | VK_SAMPLE_COUNT_4_BIT;
  EXPECT_EQ(props.limits.framebufferColorSampleCounts, four);
  EXPECT_EQ(props.limits.framebufferDepthSampleCounts, four);
  EXPECT_EQ(props.limits.framebufferStencilSampleCounts, four);
  EXPECT_EQ(props.limits.framebufferNoAttachmentsSampleCounts, four);
  EXPECT_EQ(props.limits.sampledImageColorSampleCounts, four);
  EXPECT_EQ(props.limits.sampledImageIntegerSampleCounts, four);
  EXPECT_EQ(props.limits.storageImageSampleCounts, VkSampleCountFlags(VK_SAMPLE_COUNT_1_BIT));
  EXPECT_EQ(props.limits.standardSampleLocations, VK_TRUE);

  auto counts = [&](VkFormat format, VkImageType type, VkImageTiling tiling, VkImageUsageFlags usage,
                    VkImageCreateFlags flags = 0) {
    VkImageFormatProperties p{};
    const VkResult r = vkGetPhysicalDeviceImageFormatProperties(pd, format, type, tiling, usage, flags, &p);
    return r == VK_SUCCESS ? p.sampleCounts : VkSampleCountFlags(0);
  };
  constexpr VkImageUsageFlags color = VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT;
  constexpr VkImageUsageFlags depth = VK_IMAGE_USAGE_DEPTH_STENCIL_ATTACHMENT_BIT;
  for (VkFormat f : {VK_FORMAT_R8G8B8A8_UNORM, VK_FORMAT_B8G8R8A8_SRGB, VK_FORMAT_R32G32B32A32_SFLOAT, VK_FORMAT_R32_UINT}) {
    EXPECT_EQ(counts(f, VK_IMAGE_TYPE_2D, VK_IMAGE_TILING_OPTIMAL, color), four) << f;
    EXPECT_EQ(counts(f, VK_IMAGE_TYPE_2D, VK_IMAGE_TILING_LINEAR, color), VkSampleCountFlags(VK_SAMPLE_COUNT_1_BIT)) << f;
    EXPECT_EQ(counts(f, VK_IMAGE_TYPE_2D, VK_IMAGE_TILING_OPTIMAL, color | VK_IMAGE_USAGE_SAMPLED_BIT), four) << f;
    if (f != VK_FORMAT_B8G8R8A8_SRGB) {  // sRGB formats are no storage formats
      EXPECT_EQ(counts(f, VK_IMAGE_TYPE_2D, VK_IMAGE_TILING_OPTIMAL, color | VK_IMAGE_USAGE_STORAGE_BIT),
                VkSampleCountFlags(VK_SAMPLE_COUNT_1_BIT))
          << f;
    }
    EXPECT_EQ(counts(f, VK_IMAGE_TYPE_2D, VK_IMAGE_TILING_OPTIMAL, color, VK_IMAGE_CREATE_CUBE_COMPATIBLE_BIT),
              VkSampleCountFlags(VK_SAMPLE_COUNT_1_BIT))
        << f;
  }
  for (VkFormat f : {VK_FORMAT_D16_UNORM, VK_FORMAT_D32_SFLOAT, VK_FORMAT_D24_UNORM_S8_UINT, VK_FORMAT_D32_SFLOAT_S8_UINT})
    EXPECT_EQ(counts(f, VK_IMAGE_TYPE_2D, VK_IMAGE_TILING_OPTIMAL, depth), four) << f;
  // Not an attachment format: one sample.
  EXPECT_EQ(counts(VK_FORMAT_R8G8B8A8_UNORM, VK_IMAGE_TYPE_3D, VK_IMAGE_TILING_OPTIMAL, VK_IMAGE_USAGE_TRANSFER_SRC_BIT),
            VkSampleCountFlags(VK_SAMPLE_COUNT_1_BIT));

  auto resolve = Struct<VkPhysicalDeviceDepthStencilResolveProperties>(
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DEPTH_STENCIL_RESOLVE_PROPERTIES);
  auto props2 = Struct<VkPhysicalDeviceProperties2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2);
  props2.pNext = &resolve;
  vkGetPhysicalDeviceProperties2(pd, &props2);
  EXPECT_EQ(resolve.supportedDepthResolveModes, VkResolveModeFlags(VK_RESOLVE_MODE_SAMPLE_ZERO_BIT));
  EXPECT_EQ(resolve.supportedStencilResolveModes, VkResolveModeFlags(VK_RESOLVE_MODE_SAMPLE_ZERO_BIT));

  VkPhysicalDeviceFeatures features;
  vkGetPhysicalDeviceFeatures(pd, &features);
  EXPECT_EQ(features.sampleRateShading, VK_FALSE);
  EXPECT_EQ(features.alphaToOne, VK_FALSE);
}

TEST(MultisampleReport, ImagesOfOtherSampleCountsAreRefused) {
  KT_REQUIRE_KILN();
  auto instance = Instance::Create();
  auto device = Device::Create(*instance);
  VkImageCreateInfo info = ImageInfo(VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, {16, 16, 1});
  info.usage |= VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT;
  VkImage image = VK_NULL_HANDLE;
  for (VkSampleCountFlagBits samples : {VK_SAMPLE_COUNT_2_BIT, VK_SAMPLE_COUNT_8_BIT, VK_SAMPLE_COUNT_16_BIT}) {
    info.samples = samples;
    EXPECT_EQ(vkCreateImage(device->handle, &info, nullptr, &image), VK_ERROR_FORMAT_NOT_SUPPORTED) << samples;
  }
  info.samples = VK_SAMPLE_COUNT_4_BIT;
  info.usage |= VK_IMAGE_USAGE_STORAGE_BIT;  // storageImageSampleCounts = 1
  EXPECT_EQ(vkCreateImage(device->handle, &info, nullptr, &image), VK_ERROR_FORMAT_NOT_SUPPORTED);
  info.usage &= ~VkImageUsageFlags(VK_IMAGE_USAGE_STORAGE_BIT);
  info.mipLevels = 2;  // VUID-VkImageCreateInfo-samples-02257
  EXPECT_EQ(vkCreateImage(device->handle, &info, nullptr, &image), VK_ERROR_FORMAT_NOT_SUPPORTED);
  info.mipLevels = 1;
  ASSERT_EQ(vkCreateImage(device->handle, &info, nullptr, &image), VK_SUCCESS);
  // Four samples of four bytes per pixel.
  VkMemoryRequirements req;
  vkGetImageMemoryRequirements(device->handle, image, &req);
  EXPECT_GE(req.size, VkDeviceSize(16 * 16 * 4 * 4));
  vkDestroyImage(device->handle, image, nullptr);
}

TEST(MultisampleReport, PipelinesKilnCannotRunAreRefused) {
  KT_REQUIRE_KILN();
  auto instance = Instance::Create();
  auto device = Device::Create(*instance);
  const VkDevice d = device->handle;
  auto layoutInfo = Struct<VkPipelineLayoutCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO);
  VkPipelineLayout layout;
  KT_CHECK(vkCreatePipelineLayout(d, &layoutInfo, nullptr, &layout));
  auto pass_for = [&](VkSampleCountFlagBits samples) {
    VkAttachmentDescription attachment{0, VK_FORMAT_R8G8B8A8_UNORM, samples, VK_ATTACHMENT_LOAD_OP_CLEAR,
                                       VK_ATTACHMENT_STORE_OP_STORE, VK_ATTACHMENT_LOAD_OP_DONT_CARE,
                                       VK_ATTACHMENT_STORE_OP_DONT_CARE, VK_IMAGE_LAYOUT_UNDEFINED,
                                       VK_IMAGE_LAYOUT_GENERAL};
    VkAttachmentReference ref{0, VK_IMAGE_LAYOUT_GENERAL};
    VkSubpassDescription subpass{};
    subpass.pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS;
    subpass.colorAttachmentCount = 1;
    subpass.pColorAttachments = &ref;
    auto passInfo = Struct<VkRenderPassCreateInfo>(VK_STRUCTURE_TYPE_RENDER_PASS_CREATE_INFO);
    passInfo.attachmentCount = 1;
    passInfo.pAttachments = &attachment;
    passInfo.subpassCount = 1;
    passInfo.pSubpasses = &subpass;
    VkRenderPass pass;
    KT_CHECK(vkCreateRenderPass(d, &passInfo, nullptr, &pass));
    return pass;
  };
  VkShaderModule modules[2];
  VkPipelineShaderStageCreateInfo stages[2];
  const char* names[2] = {"color.vert", "color.frag"};
  for (int i = 0; i < 2; ++i) {
    std::ifstream f(std::string(KILN_DRAW_SHADER_DIR) + "/" + names[i] + ".spv", std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(f)), {});
    auto info = Struct<VkShaderModuleCreateInfo>(VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO);
    info.codeSize = bytes.size();
    info.pCode = reinterpret_cast<const uint32_t*>(bytes.data());
    KT_CHECK(vkCreateShaderModule(d, &info, nullptr, &modules[i]));
    stages[i] = Struct<VkPipelineShaderStageCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO);
    stages[i].stage = i == 0 ? VK_SHADER_STAGE_VERTEX_BIT : VK_SHADER_STAGE_FRAGMENT_BIT;
    stages[i].module = modules[i];
    stages[i].pName = "main";
  }
  Scene scene = PixelScene(kTriangle);
  auto create = [&](const Scene& s) {
    const VkRenderPass pass = pass_for(s.samples);
    VkPipeline pipeline = VK_NULL_HANDLE;
    const VkResult r = CreatePipeline(d, s, stages, layout, pass, &pipeline);
    vkDestroyPipeline(d, pipeline, nullptr);
    vkDestroyRenderPass(d, pass, nullptr);
    return r;
  };
  EXPECT_EQ(create(scene), VK_SUCCESS);
  for (VkSampleCountFlagBits samples : {VK_SAMPLE_COUNT_2_BIT, VK_SAMPLE_COUNT_8_BIT, VK_SAMPLE_COUNT_16_BIT}) {
    Scene s = scene;
    s.samples = samples;
    EXPECT_EQ(create(s), VK_ERROR_INVALID_SHADER_NV) << samples;
  }
  // One fragment shader invocation per pixel: no sample shading; no alpha to one.
  for (int which = 0; which < 2; ++which) {
    Scene s = scene;
    (which == 0 ? s.sample_shading : s.alpha_to_one) = true;
    EXPECT_EQ(create(s), VK_ERROR_INVALID_SHADER_NV) << which;
  }
  Scene a2c = scene;
  a2c.alpha_to_coverage = true;
  EXPECT_EQ(create(a2c), VK_SUCCESS);
  vkDestroyShaderModule(d, modules[0], nullptr);
  vkDestroyShaderModule(d, modules[1], nullptr);
  vkDestroyPipelineLayout(d, layout, nullptr);
}

#endif  // KILN_TEST_WITH_VALIDATION

}  // namespace
}  // namespace kiln_test
