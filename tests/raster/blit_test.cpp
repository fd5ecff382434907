// vkCmdBlitImage: NEAREST and LINEAR, scaling down and up, mirrored regions, sub-rectangles, array
// layers, 3D, format conversion and depth/stencil; and the format features that promise them.
//
// Checks: same-format NEAREST blits are predicted exactly on the host (the spec's coordinate
// transform, texel bytes copied). Every case also runs on lavapipe and is compared texel by texel:
// exactly for same-format NEAREST and depth/stencil, and within these tolerances otherwise:
//   * 8- and 16-bit integer-coded destination channels (UNORM, SNORM, SRGB): +-1 code. Filtering and
//     the float -> fixed-point conversion round at .5 boundaries, and lavapipe filters 8-bit formats
//     with 8-bit fixed-point weights, so one code of rounding freedom is the honest bound.
//   * half and float destinations of a LINEAR-filtered 8-bit source: one source code (1/255 for
//     UNORM, 1/127 for SNORM) plus a half ulp: lavapipe weights 8-bit texels in 8-bit fixed point.
// NEAREST cases use scale factors whose reduced numerator is odd (31 -> 16, 11 -> 30, 15 -> 7, ...):
// then no destination texel center maps exactly onto a source texel edge, where the spec's
// floor() and a driver's float arithmetic may legitimately pick different neighbours (lavapipe
// does, at 2:1 and 2:5 scales).
#include <gtest/gtest.h>

#include <cmath>

#include "raster_harness.h"

namespace kiln_test {
namespace {

struct BlitCase {
  std::string name;
  VkFormat src, dst;
  VkImageType type;
  VkExtent3D srcExtent, dstExtent;
  uint32_t srcLayers, dstLayers;
  VkImageBlit region;
  VkFilter filter;
  Tolerance tolerance;  // vs lavapipe
  VkImageAspectFlagBits aspect = VK_IMAGE_ASPECT_COLOR_BIT;
};

// gtest names a failing case by its name, not its bytes.
void PrintTo(const BlitCase& c, std::ostream* os) { *os << c.name; }

VkImageBlit Region(VkOffset3D s0, VkOffset3D s1, VkOffset3D d0, VkOffset3D d1, uint32_t srcLayer = 0,
                   uint32_t dstLayer = 0, uint32_t layers = 1,
                   VkImageAspectFlags aspect = VK_IMAGE_ASPECT_COLOR_BIT) {
  VkImageBlit r{};
  r.srcSubresource = {aspect, 0, srcLayer, layers};
  r.dstSubresource = {aspect, 0, dstLayer, layers};
  r.srcOffsets[0] = s0, r.srcOffsets[1] = s1;
  r.dstOffsets[0] = d0, r.dstOffsets[1] = d1;
  return r;
}

// The spec's transform for one axis: the source texel NEAREST reads for destination coordinate x.
uint32_t NearestSource(int32_t x, int32_t s0, int32_t s1, int32_t d0, int32_t d1, uint32_t size) {
  const double u = s0 + (x + 0.5 - d0) * double(s1 - s0) / double(d1 - d0);
  return uint32_t(std::clamp<int64_t>(int64_t(std::floor(u)), 0, int64_t(size) - 1));
}

// Host model of a same-format NEAREST blit.
ImageBytes HostNearest(const BlitCase& c, const ImageBytes& src, const ImageBytes& dstBefore) {
  ImageBytes out = dstBefore;
  const VkImageBlit& r = c.region;
  const bool volume = c.type == VK_IMAGE_TYPE_3D;
  const uint32_t texel = src.layout.size();
  auto range = [](int32_t a, int32_t b) { return std::make_pair(std::min(a, b), std::max(a, b)); };
  auto [x0, x1] = range(r.dstOffsets[0].x, r.dstOffsets[1].x);
  auto [y0, y1] = range(r.dstOffsets[0].y, r.dstOffsets[1].y);
  auto [z0, z1] = range(r.dstOffsets[0].z, r.dstOffsets[1].z);
  if (!volume) z0 = 0, z1 = int32_t(r.srcSubresource.layerCount);
  for (int32_t z = z0; z < z1; ++z)
    for (int32_t y = y0; y < y1; ++y)
      for (int32_t x = x0; x < x1; ++x) {
        const uint32_t sx = NearestSource(x, r.srcOffsets[0].x, r.srcOffsets[1].x, r.dstOffsets[0].x, r.dstOffsets[1].x, src.width);
        const uint32_t sy = NearestSource(y, r.srcOffsets[0].y, r.srcOffsets[1].y, r.dstOffsets[0].y, r.dstOffsets[1].y, src.height);
        const uint32_t sz = volume ? NearestSource(z, r.srcOffsets[0].z, r.srcOffsets[1].z, r.dstOffsets[0].z,
                                                   r.dstOffsets[1].z, src.layers)
                                   : r.srcSubresource.baseArrayLayer + uint32_t(z);
        const uint32_t dz = volume ? uint32_t(z) : r.dstSubresource.baseArrayLayer + uint32_t(z);
        std::memcpy(TexelAt(out, uint32_t(x), uint32_t(y), dz), TexelAt(src, sx, sy, sz), texel);
      }
  return out;
}

class KILN_SUITE(Blit) : public RasterTest, public ::testing::WithParamInterface<BlitCase> {};

TEST_P(KILN_SUITE(Blit), MatchesHostAndLavapipe) {
  const BlitCase& c = GetParam();
  const bool depthStencil = c.aspect != VK_IMAGE_ASPECT_COLOR_BIT;
  const bool exactOnHost = c.src == c.dst && (c.filter == VK_FILTER_NEAREST);
  ImageBytes expected;
  bool referenceRan = false;
  auto results = OnEachGpu<ImageBytes>([&](Gpu& gpu) {
    const bool underTest = &gpu == &UnderTest();
    VkFormatFeatureFlags need = VK_FORMAT_FEATURE_BLIT_SRC_BIT;
    if (c.filter == VK_FILTER_LINEAR) need |= VK_FORMAT_FEATURE_SAMPLED_IMAGE_FILTER_LINEAR_BIT;
    if (!gpu.Supports(c.src, need) || !gpu.Supports(c.dst, VK_FORMAT_FEATURE_BLIT_DST_BIT)) {
      if (underTest) ADD_FAILURE() << "the driver under test does not report the blit features for " << c.name;
      return ImageBytes{};
    }
    const VkImageUsageFlags usage = 0;
    TestImage src(gpu, c.type, c.src, c.srcExtent, c.srcLayers, usage);
    TestImage dst(gpu, c.type, c.dst, c.dstExtent, c.dstLayers, usage);
    const ImageBytes srcBytes = RandomContent(src.Shape(c.aspect), 100);
    const ImageBytes dstBytes = RandomContent(dst.Shape(c.aspect), 200);
    src.Write(srcBytes, c.aspect);
    dst.Write(dstBytes, c.aspect);
    RunOnce(*gpu.device, [&](VkCommandBuffer cmd) {
      FullBarrier(cmd);
      vkCmdBlitImage(cmd, src.handle(), VK_IMAGE_LAYOUT_GENERAL, dst.handle(), VK_IMAGE_LAYOUT_GENERAL, 1, &c.region,
                     c.filter);
      FullBarrier(cmd);
    });
    if (underTest && exactOnHost) expected = HostNearest(c, srcBytes, dstBytes);
    if (!underTest) referenceRan = true;
    return dst.Read(c.aspect);
  });
  if (results.size() > 1 && !referenceRan) results.pop_back();  // lavapipe lacks a feature: host only
  ExpectImage(c.name, results, exactOnHost ? &expected : nullptr, depthStencil ? Tolerance{} : c.tolerance);
}

constexpr VkFormat kRGBA8 = VK_FORMAT_R8G8B8A8_UNORM;
constexpr Tolerance kExact{};
constexpr Tolerance kOneCode{1, 0};

std::vector<BlitCase> Cases() {
  const VkImageType t2 = VK_IMAGE_TYPE_2D, t3 = VK_IMAGE_TYPE_3D;
  std::vector<BlitCase> cases = {
      {"NearestDown", kRGBA8, kRGBA8, t2, {31, 23, 1}, {16, 12, 1}, 1, 1,
       Region({0, 0, 0}, {31, 23, 1}, {0, 0, 0}, {16, 12, 1}), VK_FILTER_NEAREST, kExact},
      {"NearestUpNonInteger", kRGBA8, kRGBA8, t2, {11, 9, 1}, {30, 25, 1}, 1, 1,
       Region({0, 0, 0}, {11, 9, 1}, {0, 0, 0}, {30, 25, 1}), VK_FILTER_NEAREST, kExact},
      {"NearestMirrored", kRGBA8, kRGBA8, t2, {20, 16, 1}, {20, 16, 1}, 1, 1,
       Region({20, 0, 0}, {0, 16, 1}, {0, 16, 0}, {20, 0, 1}), VK_FILTER_NEAREST, kExact},
      {"NearestSubRectangles", kRGBA8, kRGBA8, t2, {24, 18, 1}, {16, 24, 1}, 1, 1,
       Region({3, 4, 0}, {20, 15, 1}, {5, 2, 0}, {11, 20, 1}), VK_FILTER_NEAREST, kExact},
      {"LinearDown", kRGBA8, kRGBA8, t2, {32, 24, 1}, {13, 9, 1}, 1, 1,
       Region({0, 0, 0}, {32, 24, 1}, {0, 0, 0}, {13, 9, 1}), VK_FILTER_LINEAR, kOneCode},
      {"LinearUp", kRGBA8, kRGBA8, t2, {8, 6, 1}, {29, 23, 1}, 1, 1,
       Region({0, 0, 0}, {8, 6, 1}, {0, 0, 0}, {29, 23, 1}), VK_FILTER_LINEAR, kOneCode},
      {"LinearMirroredBothWays", kRGBA8, kRGBA8, t2, {16, 16, 1}, {24, 12, 1}, 1, 1,
       Region({16, 16, 0}, {0, 0, 1}, {0, 0, 0}, {24, 12, 1}), VK_FILTER_LINEAR, kOneCode},
      {"LinearArrayLayers", kRGBA8, kRGBA8, t2, {16, 16, 1}, {10, 10, 1}, 3, 3,
       Region({0, 0, 0}, {16, 16, 1}, {0, 0, 0}, {10, 10, 1}, 1, 0, 2), VK_FILTER_LINEAR, kOneCode},
      {"NearestArrayLayers", kRGBA8, kRGBA8, t2, {15, 15, 1}, {10, 10, 1}, 3, 3,
       Region({0, 0, 0}, {15, 15, 1}, {2, 1, 0}, {9, 10, 1}, 0, 1, 2), VK_FILTER_NEAREST, kExact},
      {"Linear3D", kRGBA8, kRGBA8, t3, {8, 8, 8}, {5, 6, 3}, 1, 1,
       Region({0, 0, 0}, {8, 8, 8}, {0, 0, 0}, {5, 6, 3}), VK_FILTER_LINEAR, kOneCode},
      {"Nearest3DMirroredDepth", kRGBA8, kRGBA8, t3, {8, 8, 6}, {8, 8, 6}, 1, 1,
       Region({0, 0, 6}, {8, 8, 0}, {0, 0, 0}, {8, 8, 6}), VK_FILTER_NEAREST, kExact},
      // Format conversions.
      {"UnormToHalf", kRGBA8, VK_FORMAT_R16G16B16A16_SFLOAT, t2, {16, 16, 1}, {11, 13, 1}, 1, 1,
       Region({0, 0, 0}, {16, 16, 1}, {0, 0, 0}, {11, 13, 1}), VK_FILTER_LINEAR, {1, 1.0 / 255 + 1e-3}},
      {"SrgbToUnorm", VK_FORMAT_R8G8B8A8_SRGB, kRGBA8, t2, {16, 16, 1}, {9, 9, 1}, 1, 1,
       Region({0, 0, 0}, {16, 16, 1}, {0, 0, 0}, {9, 9, 1}), VK_FILTER_LINEAR, kOneCode},
      {"UnormToSrgb", kRGBA8, VK_FORMAT_R8G8B8A8_SRGB, t2, {16, 16, 1}, {16, 16, 1}, 1, 1,
       Region({0, 0, 0}, {16, 16, 1}, {0, 0, 0}, {16, 16, 1}), VK_FILTER_NEAREST, kOneCode},
      {"SrgbLinearFilteredInLinearSpace", VK_FORMAT_R8G8B8A8_SRGB, VK_FORMAT_R8G8B8A8_SRGB, t2, {16, 16, 1},
       {7, 7, 1}, 1, 1, Region({0, 0, 0}, {16, 16, 1}, {0, 0, 0}, {7, 7, 1}), VK_FILTER_LINEAR, kOneCode},
      {"SnormToFloat", VK_FORMAT_R8G8B8A8_SNORM, VK_FORMAT_R32G32B32A32_SFLOAT, t2, {16, 16, 1}, {12, 12, 1}, 1, 1,
       Region({0, 0, 0}, {16, 16, 1}, {0, 0, 0}, {12, 12, 1}), VK_FILTER_LINEAR, {0, 1.0 / 127 + 1e-6}},
      {"HalfToUnorm", VK_FORMAT_R16G16B16A16_SFLOAT, kRGBA8, t2, {16, 16, 1}, {10, 10, 1}, 1, 1,
       Region({0, 0, 0}, {16, 16, 1}, {0, 0, 0}, {10, 10, 1}), VK_FILTER_LINEAR, kOneCode},
      {"Unorm16ToUnorm8", VK_FORMAT_R16G16B16A16_UNORM, kRGBA8, t2, {16, 16, 1}, {16, 16, 1}, 1, 1,
       Region({0, 0, 0}, {16, 16, 1}, {16, 0, 0}, {0, 16, 1}), VK_FILTER_NEAREST, kOneCode},
      {"FloatToSnorm", VK_FORMAT_R32G32B32A32_SFLOAT, VK_FORMAT_R8G8B8A8_SNORM, t2, {16, 16, 1}, {8, 8, 1}, 1, 1,
       Region({0, 0, 0}, {16, 16, 1}, {0, 0, 0}, {8, 8, 1}), VK_FILTER_LINEAR, kOneCode},
      {"UintToWiderUint", VK_FORMAT_R8G8B8A8_UINT, VK_FORMAT_R16G16B16A16_UINT, t2, {15, 15, 1}, {10, 20, 1}, 1, 1,
       Region({0, 0, 0}, {15, 15, 1}, {0, 0, 0}, {10, 20, 1}), VK_FILTER_NEAREST, kExact},
      {"SintToWiderSint", VK_FORMAT_R8G8B8A8_SINT, VK_FORMAT_R32G32B32A32_SINT, t2, {15, 15, 1}, {10, 20, 1}, 1, 1,
       Region({0, 0, 0}, {15, 15, 1}, {0, 0, 0}, {10, 20, 1}), VK_FILTER_NEAREST, kExact},
      {"Uint32ToUint8Clamps", VK_FORMAT_R32G32B32A32_UINT, VK_FORMAT_R8G8B8A8_UINT, t2, {8, 8, 1}, {8, 8, 1}, 1, 1,
       Region({0, 0, 0}, {8, 8, 1}, {0, 0, 0}, {8, 8, 1}), VK_FILTER_NEAREST, kExact},
      // Depth and stencil: NEAREST, same format.
      {"DepthD32", VK_FORMAT_D32_SFLOAT, VK_FORMAT_D32_SFLOAT, t2, {15, 15, 1}, {10, 24, 1}, 1, 1,
       Region({0, 0, 0}, {15, 15, 1}, {10, 0, 0}, {0, 24, 1}, 0, 0, 1, VK_IMAGE_ASPECT_DEPTH_BIT), VK_FILTER_NEAREST,
       kExact, VK_IMAGE_ASPECT_DEPTH_BIT},
      {"DepthD16", VK_FORMAT_D16_UNORM, VK_FORMAT_D16_UNORM, t2, {15, 15, 1}, {7, 9, 1}, 1, 1,
       Region({0, 0, 0}, {15, 15, 1}, {0, 0, 0}, {7, 9, 1}, 0, 0, 1, VK_IMAGE_ASPECT_DEPTH_BIT), VK_FILTER_NEAREST,
       kExact, VK_IMAGE_ASPECT_DEPTH_BIT},
      {"DepthOfD32S8", VK_FORMAT_D32_SFLOAT_S8_UINT, VK_FORMAT_D32_SFLOAT_S8_UINT, t2, {15, 15, 1}, {12, 12, 1}, 1, 1,
       Region({0, 0, 0}, {15, 15, 1}, {0, 0, 0}, {12, 12, 1}, 0, 0, 1, VK_IMAGE_ASPECT_DEPTH_BIT), VK_FILTER_NEAREST,
       kExact, VK_IMAGE_ASPECT_DEPTH_BIT},
      {"StencilOfD32S8", VK_FORMAT_D32_SFLOAT_S8_UINT, VK_FORMAT_D32_SFLOAT_S8_UINT, t2, {15, 15, 1}, {12, 12, 1}, 1,
       1, Region({0, 15, 0}, {15, 0, 1}, {0, 0, 0}, {12, 12, 1}, 0, 0, 1, VK_IMAGE_ASPECT_STENCIL_BIT),
       VK_FILTER_NEAREST, kExact, VK_IMAGE_ASPECT_STENCIL_BIT},
  };
  return cases;
}

KT_INSTANTIATE_TEST_SUITE_P(Cases, KILN_SUITE(Blit), ::testing::ValuesIn(Cases()),
                            [](const ::testing::TestParamInfo<BlitCase>& info) { return info.param.name; });

class KILN_SUITE(BlitFormats) : public RasterTest {};

// BLIT_SRC and BLIT_DST come together with the transfer bits; LINEAR filtering is reported for
// blits exactly where sampling reports it (one filter implementation for both); integer formats
// are never linear-filtered.
TEST_F(KILN_SUITE(BlitFormats), BlitFeaturesAreConsistent) {
  KT_REQUIRE_KILN();
  for (int f = VK_FORMAT_R4G4_UNORM_PACK8; f <= VK_FORMAT_ASTC_12x12_SRGB_BLOCK; ++f) {
    VkFormatProperties p;
    vkGetPhysicalDeviceFormatProperties(UnderTest().device->physical, VkFormat(f), &p);
    const VkFormatFeatureFlags o = p.optimalTilingFeatures;
    SCOPED_TRACE(f);
    EXPECT_EQ(bool(o & VK_FORMAT_FEATURE_BLIT_SRC_BIT), bool(o & VK_FORMAT_FEATURE_BLIT_DST_BIT));
    if (o & VK_FORMAT_FEATURE_BLIT_SRC_BIT) {
      EXPECT_TRUE(o & VK_FORMAT_FEATURE_TRANSFER_SRC_BIT);
      EXPECT_TRUE(o & VK_FORMAT_FEATURE_TRANSFER_DST_BIT);
    }
    if (o & VK_FORMAT_FEATURE_SAMPLED_IMAGE_BIT) {
      EXPECT_TRUE(o & VK_FORMAT_FEATURE_BLIT_SRC_BIT);
    }
    if (o & VK_FORMAT_FEATURE_SAMPLED_IMAGE_FILTER_LINEAR_BIT) {
      EXPECT_TRUE(o & VK_FORMAT_FEATURE_BLIT_SRC_BIT);
    }
  }
  // The formats the blit cases run, and the spec's required ones among them.
  for (VkFormat f : {VK_FORMAT_R8G8B8A8_UNORM, VK_FORMAT_R8G8B8A8_SRGB, VK_FORMAT_R16G16B16A16_SFLOAT,
                     VK_FORMAT_R32G32B32A32_SFLOAT, VK_FORMAT_R8G8B8A8_UINT, VK_FORMAT_D16_UNORM, VK_FORMAT_D32_SFLOAT,
                     VK_FORMAT_D32_SFLOAT_S8_UINT})
    EXPECT_TRUE(UnderTest().Supports(f, VK_FORMAT_FEATURE_BLIT_SRC_BIT | VK_FORMAT_FEATURE_BLIT_DST_BIT)) << f;
  EXPECT_FALSE(UnderTest().Supports(VK_FORMAT_R8G8B8A8_UINT, VK_FORMAT_FEATURE_SAMPLED_IMAGE_FILTER_LINEAR_BIT));
  // Depth formats are sampled (and filtered linearly) through their depth aspect (the draw suite's
  // DrawDepthTexture cases); their blits stay NEAREST (VUID-vkCmdBlitImage-srcImage-00232).
  EXPECT_TRUE(UnderTest().Supports(VK_FORMAT_D32_SFLOAT,
                                   VK_FORMAT_FEATURE_SAMPLED_IMAGE_BIT | VK_FORMAT_FEATURE_SAMPLED_IMAGE_FILTER_LINEAR_BIT));
}

// The stencil aspect of a blit of a combined format leaves the depth plane alone.
TEST_F(KILN_SUITE(BlitFormats), StencilBlitLeavesDepthAlone) {
  const VkFormat format = VK_FORMAT_D32_SFLOAT_S8_UINT;
  ImageBytes expectedDepth;
  auto results = OnEachGpu<ImageBytes>([&](Gpu& gpu) {
    TestImage src(gpu, VK_IMAGE_TYPE_2D, format, {8, 8, 1}, 1, 0);
    TestImage dst(gpu, VK_IMAGE_TYPE_2D, format, {8, 8, 1}, 1, 0);
    src.Write(RandomContent(src.Shape(VK_IMAGE_ASPECT_STENCIL_BIT), 1), VK_IMAGE_ASPECT_STENCIL_BIT);
    src.Write(RandomContent(src.Shape(VK_IMAGE_ASPECT_DEPTH_BIT), 2), VK_IMAGE_ASPECT_DEPTH_BIT);
    expectedDepth = RandomContent(dst.Shape(VK_IMAGE_ASPECT_DEPTH_BIT), 3);
    dst.Write(expectedDepth, VK_IMAGE_ASPECT_DEPTH_BIT);
    VkImageBlit r = Region({0, 0, 0}, {8, 8, 1}, {0, 0, 0}, {8, 8, 1}, 0, 0, 1, VK_IMAGE_ASPECT_STENCIL_BIT);
    RunOnce(*gpu.device, [&](VkCommandBuffer cmd) {
      FullBarrier(cmd);
      vkCmdBlitImage(cmd, src.handle(), VK_IMAGE_LAYOUT_GENERAL, dst.handle(), VK_IMAGE_LAYOUT_GENERAL, 1, &r,
                     VK_FILTER_NEAREST);
      FullBarrier(cmd);
    });
    return dst.Read(VK_IMAGE_ASPECT_DEPTH_BIT);
  });
  // Host model only: lavapipe (Mesa 22.3) rewrites the depth of a D32_SFLOAT_S8_UINT destination
  // when only its stencil aspect is blitted (seen here: the depth plane shifted by one texel).
  results.resize(1);
  ExpectImage("depth", results, &expectedDepth);
}

}  // namespace
}  // namespace kiln_test
