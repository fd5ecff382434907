// vkCmdClearColorImage and vkCmdClearDepthStencilImage: the bytes written are computed on the host
// from the spec's conversion rules (format_codec.cpp) and compared texel by texel.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "format_codec.h"
#include "image_util.h"
#include "vk_test_util.h"

namespace kiln_test {
namespace {

VkClearColorValue Floats(float r, float g, float b, float a) {
  VkClearColorValue c;
  c.float32[0] = r;
  c.float32[1] = g;
  c.float32[2] = b;
  c.float32[3] = a;
  return c;
}
VkClearColorValue Uints(uint32_t r, uint32_t g, uint32_t b, uint32_t a) {
  VkClearColorValue c;
  c.uint32[0] = r;
  c.uint32[1] = g;
  c.uint32[2] = b;
  c.uint32[3] = a;
  return c;
}
VkClearColorValue Ints(int32_t r, int32_t g, int32_t b, int32_t a) {
  VkClearColorValue c;
  c.int32[0] = r;
  c.int32[1] = g;
  c.int32[2] = b;
  c.int32[3] = a;
  return c;
}

// Checks that every texel of subresource (mip, layer) of `actual` is `expected`; reports the
// first mismatching texel.
::testing::AssertionResult EveryTexelIs(const HostImage& actual, uint32_t mip, uint32_t layer,
                                        const ExpectedTexel& expected) {
  const FormatInfo& f = actual.format();
  const std::vector<uint8_t>& sub = actual.Sub(mip, layer);
  size_t bad = 0;
  std::string first;
  for (size_t at = 0; at < sub.size(); at += f.blockSize) {
    std::string problem = CompareTexel(f, sub.data() + at, expected);
    if (problem.empty()) continue;
    if (bad++ == 0) first = "texel #" + std::to_string(at / f.blockSize) + ": " + problem;
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << f.name << " mip " << mip << " layer " << layer << ": " << bad
                                       << " texel(s) wrong; first " << first;
}

// ---------------------------------------------------------------------------------------------
// Clear color, per format.

struct ColorCase {
  VkFormat format;
  VkClearColorValue color;
  const char* label;  // test name suffix
};

void PrintTo(const ColorCase& c, std::ostream* os) { *os << FormatOf(c.format).name << " " << c.label; }

std::string CaseName(const ::testing::TestParamInfo<ColorCase>& info) {
  return std::string(FormatOf(info.param.format).name) + "_" + info.param.label;
}

// The values avoid ties (x.5 after scaling) so round-to-nearest is observable.
const ColorCase kColorCases[] = {
    // UNORM: 0.25*255 = 63.75 -> 64 (not truncated to 63), 0.33 -> 84.15, 0.66 -> 168.3.
    {VK_FORMAT_R8G8B8A8_UNORM, Floats(0.25f, 0.33f, 0.66f, 1.0f), "Rounds"},
    {VK_FORMAT_R8G8B8A8_UNORM, Floats(-0.5f, 1.5f, 0.2f, 0.0f), "Clamps"},
    {VK_FORMAT_B8G8R8A8_UNORM, Floats(0.25f, 0.33f, 0.66f, 0.125f), "Swizzles"},
    {VK_FORMAT_R8_UNORM, Floats(0.75f, 0.0f, 0.0f, 0.0f), "Rounds"},
    {VK_FORMAT_R16_UNORM, Floats(0.33f, 0.0f, 0.0f, 0.0f), "Rounds"},
    {VK_FORMAT_R16G16B16A16_UNORM, Floats(0.25f, 0.33f, 0.66f, 1.0f), "Rounds"},
    // SNORM: scale 2^(b-1)-1; -1.5 clamps to -1 -> -127 (never -128).
    {VK_FORMAT_R8G8B8A8_SNORM, Floats(-0.25f, 0.33f, -1.5f, 0.66f), "RoundsAndClamps"},
    {VK_FORMAT_R16G16_SNORM, Floats(-0.33f, 0.9f, 0.0f, 0.0f), "Rounds"},
    // sRGB: linear clear values are encoded; alpha stays linear.
    {VK_FORMAT_R8G8B8A8_SRGB, Floats(0.5f, 0.2f, 0.002f, 0.66f), "EncodesLinear"},
    {VK_FORMAT_B8G8R8A8_SRGB, Floats(0.1f, 0.5f, 0.9f, 0.33f), "EncodesLinear"},
    // Floats.
    {VK_FORMAT_R16G16B16A16_SFLOAT, Floats(0.5f, -2.0f, 1024.0f, 6.103515625e-05f), "Exact"},
    {VK_FORMAT_R16G16B16A16_SFLOAT, Floats(0.333f, -1e-7f, 65504.0f, -0.0f), "Rounds"},
    {VK_FORMAT_R32G32B32A32_SFLOAT, Floats(0.1f, -0.0f, 3.0e38f, std::numeric_limits<float>::infinity()), "Exact"},
    {VK_FORMAT_R32_SFLOAT, Floats(-123.456f, 0.0f, 0.0f, 0.0f), "Exact"},
    // Integers: cast to the component width.
    {VK_FORMAT_R8G8B8A8_UINT, Uints(0, 1, 200, 255), "InRange"},
    {VK_FORMAT_R8G8B8A8_SINT, Ints(-128, -1, 0, 127), "InRange"},
    {VK_FORMAT_R16G16_UINT, Uints(65535, 1234, 0, 0), "InRange"},
    {VK_FORMAT_R16G16_SINT, Ints(-32768, 32767, 0, 0), "InRange"},
    {VK_FORMAT_R32G32B32A32_UINT, Uints(0xFFFFFFFFu, 0, 0x12345678u, 0x80000000u), "InRange"},
    {VK_FORMAT_R32G32B32A32_SINT, Ints(std::numeric_limits<int32_t>::min(), -1, 7, std::numeric_limits<int32_t>::max()),
     "InRange"},
    // Packed: bit layouts from the format names (Formats, "Packed Formats").
    {VK_FORMAT_A2B10G10R10_UNORM_PACK32, Floats(0.25f, 0.33f, 0.66f, 0.66f), "Rounds"},
    {VK_FORMAT_A2B10G10R10_UINT_PACK32, Uints(1023, 512, 1, 3), "InRange"},
    {VK_FORMAT_R5G6B5_UNORM_PACK16, Floats(0.33f, 0.66f, 0.25f, 0.0f), "Rounds"},
    {VK_FORMAT_B5G6R5_UNORM_PACK16, Floats(0.33f, 0.66f, 0.25f, 0.0f), "Rounds"},
    {VK_FORMAT_A1R5G5B5_UNORM_PACK16, Floats(0.25f, 0.66f, 0.2f, 0.66f), "Rounds"},
    {VK_FORMAT_R4G4B4A4_UNORM_PACK16, Floats(0.33f, 0.66f, 0.25f, 1.0f), "Rounds"},
    {VK_FORMAT_B4G4R4A4_UNORM_PACK16, Floats(0.33f, 0.66f, 0.25f, 1.0f), "Rounds"},
    // Unsigned 11/10-bit floats: exact values, then negative -> 0 and large finite -> max finite.
    {VK_FORMAT_B10G11R11_UFLOAT_PACK32, Floats(1.5f, 0.25f, 100.0f, 0.0f), "Exact"},
    {VK_FORMAT_B10G11R11_UFLOAT_PACK32, Floats(-1.0f, 70000.0f, 64512.0f, 0.0f), "ClampsToRange"},
    // Shared exponent: (1, 0.5, 0.25) and (100, 3, 0) are exactly representable.
    {VK_FORMAT_E5B9G9R9_UFLOAT_PACK32, Floats(1.0f, 0.5f, 0.25f, 0.0f), "Exact"},
    {VK_FORMAT_E5B9G9R9_UFLOAT_PACK32, Floats(100.0f, 3.0f, 0.0f, 0.0f), "ExactLarge"},
    {VK_FORMAT_E5B9G9R9_UFLOAT_PACK32, Floats(0.3f, 0.1f, -0.7f, 0.0f), "Rounds"},
};

class KILN_SUITE(ClearColor) : public DeviceTest, public ::testing::WithParamInterface<ColorCase> {};

TEST_P(KILN_SUITE(ClearColor), WritesTheSpecConversionOfTheClearValue) {
  const ColorCase& c = GetParam();
  const FormatInfo& f = FormatOf(c.format);
  VkImageCreateInfo info = ImageInfo(VK_IMAGE_TYPE_2D, c.format, {13, 7, 1}, 2, 2);
  if (!ImageSupported(device().physical, info)) GTEST_SKIP() << f.name << " is not supported for transfers";
  Image image(device(), info);
  RunOnce(device(), [&](VkCommandBuffer cmd) {
    TransitionImage(cmd, image, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL);
    VkImageSubresourceRange all{VK_IMAGE_ASPECT_COLOR_BIT, 0, VK_REMAINING_MIP_LEVELS, 0, VK_REMAINING_ARRAY_LAYERS};
    vkCmdClearColorImage(cmd, image.handle(), VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, &c.color, 1, &all);
    TransitionImage(cmd, image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL);
  });
  HostImage readback = Download(device(), image, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL);
  // Round to nearest where it is observable: the spec's recommendation and Kiln's behaviour.
  ExpectedTexel expected = EncodeClearColor(f, c.color, /*strictNearest=*/true);
  for (uint32_t mip = 0; mip < 2; ++mip)
    for (uint32_t layer = 0; layer < 2; ++layer) EXPECT_TRUE(EveryTexelIs(readback, mip, layer, expected));
}

KT_INSTANTIATE_TEST_SUITE_P(Formats, KILN_SUITE(ClearColor), ::testing::ValuesIn(kColorCases), CaseName);

// Clears each layer of a small image with one of SampleClearValues(f) and checks every texel
// against the spec's conversion (either neighbour allowed where rounding is involved).
::testing::AssertionResult ClearMatchesSpec(const Device& device, const FormatInfo& f) {
  std::vector<VkClearColorValue> values = SampleClearValues(f);
  VkImageCreateInfo info = ImageInfo(VK_IMAGE_TYPE_2D, f.format, {5, 3, 1}, 1, static_cast<uint32_t>(values.size()));
  Image image(device, info);
  RunOnce(device, [&](VkCommandBuffer cmd) {
    TransitionImage(cmd, image, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL);
    for (uint32_t layer = 0; layer < values.size(); ++layer) {
      VkImageSubresourceRange range{VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, layer, 1};
      vkCmdClearColorImage(cmd, image.handle(), VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, &values[layer], 1, &range);
    }
  });
  HostImage readback = Download(device, image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL);
  for (uint32_t layer = 0; layer < values.size(); ++layer) {
    auto result = EveryTexelIs(readback, 0, layer, EncodeClearColor(f, values[layer], /*strictNearest=*/false));
    if (!result) return result << " (clear value #" << layer << ")";
  }
  return ::testing::AssertionSuccess();
}

class KILN_SUITE(ClearColorAllFormats) : public DeviceTest {
 protected:
  bool Supported(const FormatInfo& f) const {
    return ImageSupported(device().physical, ImageInfo(VK_IMAGE_TYPE_2D, f.format, {5, 3, 1}, 1, 3));
  }
};

// Every color format with components up to 32 bits that the driver supports for transfers. This
// covers the formats lavapipe lacks, which the differential test cannot compare.
TEST_F(KILN_SUITE(ClearColorAllFormats), EverySupportedFormatMatchesTheSpecConversion) {
  size_t tested = 0;
  for (const FormatInfo& f : kFormatTable) {
    if (!ClearableColorFormat(f) || f.components[0].bits == 64 || !Supported(f)) continue;
    ++tested;
    EXPECT_TRUE(ClearMatchesSpec(device(), f));
  }
  EXPECT_GT(tested, 10u) << "fewer than 10 color formats support transfers";
}

// 64-bit formats: "the first 2 array elements of each of the arrays above are reinterpreted as a
// single 64-bit element for the R component. The next 2 array elements are used in the same way
// for the G component" (VkClearColorValue, since spec 1.3.287; KhronosGroup/Vulkan-Docs#2375 — the
// 1.3.239 text left this unstated). Formats with more than two 64-bit components cannot be cleared
// (VUID-vkCmdClearColorImage-image-09678).
TEST_F(KILN_SUITE(ClearColorAllFormats), SixtyFourBitFormatsTakeTwoArrayElementsPerComponent) {
  size_t tested = 0;
  for (const FormatInfo& f : kFormatTable) {
    if (!ClearableColorFormat(f) || f.components[0].bits != 64 || !Supported(f)) continue;
    ++tested;
    EXPECT_TRUE(ClearMatchesSpec(device(), f));
  }
  if (tested == 0) GTEST_SKIP() << "no 64-bit format supports transfers";
}

// ---------------------------------------------------------------------------------------------
// Clear color, ranges.

class KILN_SUITE(ClearColorRange) : public DeviceTest {};

// Only the subresources named by the ranges change, including with VK_REMAINING_* counts and
// several ranges in one command.
TEST_F(KILN_SUITE(ClearColorRange), OnlyTheTargetedMipsAndLayersChange) {
  const FormatInfo& f = FormatOf(VK_FORMAT_R8G8B8A8_UNORM);
  VkImageCreateInfo info = ImageInfo(VK_IMAGE_TYPE_2D, f.format, {16, 16, 1}, 4, 5);
  Image image(device(), info);
  HostImage model(f, info);
  model.FillRandom(77);
  Upload(device(), image, model, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL);

  VkClearColorValue red = Floats(1, 0, 0, 1), blue = Floats(0, 0, 1, 0.5f);
  VkImageSubresourceRange middle{VK_IMAGE_ASPECT_COLOR_BIT, 1, 2, 1, 3};  // mips 1-2, layers 1-3
  VkImageSubresourceRange tail[2] = {
      {VK_IMAGE_ASPECT_COLOR_BIT, 3, VK_REMAINING_MIP_LEVELS, 4, VK_REMAINING_ARRAY_LAYERS},  // mip 3, layer 4
      {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1},                                                // mip 0, layer 0
  };
  RunOnce(device(), [&](VkCommandBuffer cmd) {
    TransferBarrier(cmd);
    vkCmdClearColorImage(cmd, image.handle(), VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, &red, 1, &middle);
    vkCmdClearColorImage(cmd, image.handle(), VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, &blue, 2, tail);
  });
  auto fill = [&](uint32_t mip, uint32_t layer, const VkClearColorValue& color) {
    ExpectedTexel t = EncodeClearColor(f, color, true);
    std::vector<uint8_t>& sub = model.Sub(mip, layer);
    for (size_t at = 0; at < sub.size(); at += 4) std::memcpy(&sub[at], t.bytes.data(), 4);
  };
  for (uint32_t mip = 1; mip <= 2; ++mip)
    for (uint32_t layer = 1; layer <= 3; ++layer) fill(mip, layer, red);
  fill(3, 4, blue);
  fill(0, 0, blue);
  EXPECT_TRUE(SameImage(Download(device(), image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL), model));
}

// A large image with odd extents: every texel of the cleared mip, none of the others.
TEST_F(KILN_SUITE(ClearColorRange), ClearsEveryTexelOfALargeOddMip) {
  const FormatInfo& f = FormatOf(VK_FORMAT_R16G16B16A16_SFLOAT);
  VkImageCreateInfo info = ImageInfo(VK_IMAGE_TYPE_2D, f.format, {513, 257, 1}, 3, 1);
  Image image(device(), info);
  HostImage model(f, info);
  model.FillRandom(99);
  Upload(device(), image, model, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL);
  VkClearColorValue color = Floats(0.5f, -1.0f, 2.0f, 1.0f);
  RunOnce(device(), [&](VkCommandBuffer cmd) {
    TransferBarrier(cmd);
    VkImageSubresourceRange mip0{VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
    vkCmdClearColorImage(cmd, image.handle(), VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, &color, 1, &mip0);
  });
  HostImage readback = Download(device(), image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL);
  EXPECT_TRUE(EveryTexelIs(readback, 0, 0, EncodeClearColor(f, color, true)));
  EXPECT_TRUE(BytesEqual(readback.Sub(1, 0), model.Sub(1, 0))) << "mip 1 changed";
  EXPECT_TRUE(BytesEqual(readback.Sub(2, 0), model.Sub(2, 0))) << "mip 2 changed";
}

// A 3D image has one layer; clearing a mip clears every depth slice of it, and only that mip.
TEST_F(KILN_SUITE(ClearColorRange), ClearsEverySliceOfA3DMip) {
  const FormatInfo& f = FormatOf(VK_FORMAT_R32G32B32A32_SFLOAT);
  VkImageCreateInfo info = ImageInfo(VK_IMAGE_TYPE_3D, f.format, {8, 8, 6}, 2, 1);
  Image image(device(), info);
  HostImage model(f, info);
  model.FillRandom(88);
  Upload(device(), image, model, VK_IMAGE_LAYOUT_GENERAL);
  VkClearColorValue color = Floats(1.25f, -3.5f, 0.0f, 42.0f);
  RunOnce(device(), [&](VkCommandBuffer cmd) {
    TransferBarrier(cmd);
    VkImageSubresourceRange mip1{VK_IMAGE_ASPECT_COLOR_BIT, 1, 1, 0, 1};
    vkCmdClearColorImage(cmd, image.handle(), VK_IMAGE_LAYOUT_GENERAL, &color, 1, &mip1);
  });
  HostImage readback = Download(device(), image, VK_IMAGE_LAYOUT_GENERAL);
  EXPECT_TRUE(BytesEqual(readback.Sub(0, 0), model.Sub(0, 0))) << "mip 0 changed";
  EXPECT_TRUE(EveryTexelIs(readback, 1, 0, EncodeClearColor(f, color, true)));
  EXPECT_EQ(readback.Sub(1, 0).size(), size_t(4 * 4 * 3 * 16)) << "mip 1 is 4x4x3";
}

// ---------------------------------------------------------------------------------------------
// Depth/stencil clears, per format.

// Bytes per texel of an aspect copied to a buffer (Copying Data Between Buffers and Images,
// depth/stencil formats): D16 2, D24 4 (value in the low 24 bits, the top 8 undefined), D32 4, S8 1.
uint32_t AspectTexelSize(VkFormat format, VkImageAspectFlagBits aspect) {
  if (aspect == VK_IMAGE_ASPECT_STENCIL_BIT) return 1;
  return (format == VK_FORMAT_D16_UNORM || format == VK_FORMAT_D16_UNORM_S8_UINT) ? 2 : 4;
}

uint32_t DepthMask(VkFormat format) {
  return (format == VK_FORMAT_X8_D24_UNORM_PACK32 || format == VK_FORMAT_D24_UNORM_S8_UINT) ? 0x00FFFFFFu : 0xFFFFFFFFu;
}

class KILN_SUITE(ClearDepthStencil) : public DeviceTest, public ::testing::WithParamInterface<VkFormat> {
 protected:
  static constexpr uint32_t kWidth = 9, kHeight = 5, kMips = 2, kLayers = 2;

  bool HasDepth() const { return AspectsOf(GetParam()) & VK_IMAGE_ASPECT_DEPTH_BIT; }
  bool HasStencil() const { return AspectsOf(GetParam()) & VK_IMAGE_ASPECT_STENCIL_BIT; }

  std::unique_ptr<Image> MakeImage() {
    VkImageCreateInfo info = ImageInfo(VK_IMAGE_TYPE_2D, GetParam(), {kWidth, kHeight, 1}, kMips, kLayers);
    if (!ImageSupported(device().physical, info)) {
      if (OnKiln()) ADD_FAILURE() << "Kiln must support format " << GetParam() << " for transfers in OPTIMAL tiling";
      return nullptr;
    }
    return std::make_unique<Image>(device(), info);
  }

  // Copies one aspect of every (mip, layer) out; returns per subresource the texel values.
  std::vector<std::vector<uint32_t>> ReadAspect(const Image& image, VkImageAspectFlagBits aspect,
                                                VkImageLayout layout) {
    const uint32_t texelSize = AspectTexelSize(GetParam(), aspect);
    std::vector<VkBufferImageCopy> regions;
    VkDeviceSize at = 0;
    for (uint32_t mip = 0; mip < kMips; ++mip)
      for (uint32_t layer = 0; layer < kLayers; ++layer) {
        VkExtent3D e = MipExtent({kWidth, kHeight, 1}, mip);
        VkBufferImageCopy r{};
        r.bufferOffset = at;  // multiples of 4 (VUID-vkCmdCopyImageToBuffer-srcImage-04053)
        r.imageSubresource = {static_cast<VkImageAspectFlags>(aspect), mip, layer, 1};
        r.imageExtent = e;
        regions.push_back(r);
        at += (VkDeviceSize(e.width) * e.height * texelSize + 3) / 4 * 4;
      }
    Buffer readback(device(), at);
    std::memset(readback.data(), 0xEE, at);
    RunOnce(device(), [&](VkCommandBuffer cmd) {
      TransferBarrier(cmd);
      CopyImageToBufferFrom(cmd, image, layout, readback.handle(), regions);
    });
    std::vector<std::vector<uint32_t>> values;
    for (const auto& r : regions) {
      std::vector<uint32_t> texels(r.imageExtent.width * r.imageExtent.height);
      for (size_t i = 0; i < texels.size(); ++i) {
        uint32_t v = 0;
        std::memcpy(&v, readback.data() + r.bufferOffset + i * texelSize, texelSize);
        texels[i] = aspect == VK_IMAGE_ASPECT_DEPTH_BIT ? v & DepthMask(GetParam()) : v;
      }
      values.push_back(std::move(texels));
    }
    return values;
  }

  // Every texel of subresource #index (mip-major) equals `want`.
  static ::testing::AssertionResult AllEqual(const std::vector<std::vector<uint32_t>>& values, size_t index,
                                             uint32_t want, const char* what) {
    const auto& texels = values.at(index);
    for (size_t i = 0; i < texels.size(); ++i)
      if (texels[i] != want)
        return ::testing::AssertionFailure() << what << ", subresource " << index << " texel " << i << ": got 0x"
                                             << std::hex << texels[i] << ", expected 0x" << want;
    return ::testing::AssertionSuccess();
  }

  void Clear(const Image& image, VkImageAspectFlags aspects, float depth, uint32_t stencil, uint32_t baseMip = 0,
             uint32_t mipCount = VK_REMAINING_MIP_LEVELS, uint32_t baseLayer = 0,
             uint32_t layerCount = VK_REMAINING_ARRAY_LAYERS, bool first = false) {
    RunOnce(device(), [&](VkCommandBuffer cmd) {
      if (first)
        TransitionImage(cmd, image, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL);
      else
        TransferBarrier(cmd);
      VkClearDepthStencilValue value{depth, stencil};
      VkImageSubresourceRange range{aspects, baseMip, mipCount, baseLayer, layerCount};
      vkCmdClearDepthStencilImage(cmd, image.handle(), VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, &value, 1, &range);
    });
  }
};

TEST_P(KILN_SUITE(ClearDepthStencil), WritesTheClearValueToEachAspect) {
  auto image = MakeImage();
  if (!image) GTEST_SKIP() << "format not supported";
  const VkFormat format = GetParam();
  // 0.25 * 65535 = 16383.75 -> 16384; 0.25 * (2^24 - 1) = 4194303.75 -> 4194304; D32 stores 0.25f.
  Clear(*image, AspectsOf(format), 0.25f, 0x5A, 0, VK_REMAINING_MIP_LEVELS, 0, VK_REMAINING_ARRAY_LAYERS, true);
  if (HasDepth()) {
    auto depth = ReadAspect(*image, VK_IMAGE_ASPECT_DEPTH_BIT, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL);
    for (size_t i = 0; i < depth.size(); ++i) EXPECT_TRUE(AllEqual(depth, i, EncodeDepth(format, 0.25f), "depth"));
  }
  if (HasStencil()) {
    auto stencil = ReadAspect(*image, VK_IMAGE_ASPECT_STENCIL_BIT, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL);
    for (size_t i = 0; i < stencil.size(); ++i) EXPECT_TRUE(AllEqual(stencil, i, 0x5A, "stencil"));
  }
}

// Clearing one aspect of a combined format leaves the other alone; a sub-range leaves other
// subresources alone.
TEST_P(KILN_SUITE(ClearDepthStencil), ClearsOnlyTheNamedAspectsAndSubresources) {
  auto image = MakeImage();
  if (!image) GTEST_SKIP() << "format not supported";
  const VkFormat format = GetParam();
  Clear(*image, AspectsOf(format), 1.0f, 0xFF, 0, VK_REMAINING_MIP_LEVELS, 0, VK_REMAINING_ARRAY_LAYERS, true);
  // Mip 0, layer 1 only: subresource index 1 (mip-major order).
  if (HasDepth()) Clear(*image, VK_IMAGE_ASPECT_DEPTH_BIT, 0.75f, 0, 0, 1, 1, 1);
  if (HasStencil()) Clear(*image, VK_IMAGE_ASPECT_STENCIL_BIT, 0.0f, 0x0F, 1, 1, 0, 1);  // mip 1, layer 0: index 2
  if (HasDepth()) {
    auto depth = ReadAspect(*image, VK_IMAGE_ASPECT_DEPTH_BIT, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL);
    for (size_t i = 0; i < depth.size(); ++i)
      EXPECT_TRUE(AllEqual(depth, i, EncodeDepth(format, i == 1 ? 0.75f : 1.0f), "depth"));
  }
  if (HasStencil()) {
    auto stencil = ReadAspect(*image, VK_IMAGE_ASPECT_STENCIL_BIT, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL);
    for (size_t i = 0; i < stencil.size(); ++i) EXPECT_TRUE(AllEqual(stencil, i, i == 2 ? 0x0F : 0xFF, "stencil"));
  }
}

// Depth and stencil data survive a buffer -> image -> buffer round trip per aspect. D24 uploads
// carry garbage in the top 8 bits, which the copy must ignore; D32 data stays within [0, 1]
// (VUID-vkCmdCopyBufferToImage-None-00214).
TEST_P(KILN_SUITE(ClearDepthStencil), AspectsSurviveABufferRoundTrip) {
  auto image = MakeImage();
  if (!image) GTEST_SKIP() << "format not supported";
  const VkFormat format = GetParam();
  std::vector<VkImageAspectFlagBits> aspects;
  if (HasDepth()) aspects.push_back(VK_IMAGE_ASPECT_DEPTH_BIT);
  if (HasStencil()) aspects.push_back(VK_IMAGE_ASPECT_STENCIL_BIT);

  std::vector<std::vector<uint32_t>> expected[2];
  std::vector<VkBufferImageCopy> regions;
  std::vector<uint8_t> bytes;
  uint32_t seed = 5;
  for (size_t a = 0; a < aspects.size(); ++a) {
    const uint32_t texelSize = AspectTexelSize(format, aspects[a]);
    for (uint32_t mip = 0; mip < kMips; ++mip)
      for (uint32_t layer = 0; layer < kLayers; ++layer) {
        VkExtent3D e = MipExtent({kWidth, kHeight, 1}, mip);
        VkBufferImageCopy r{};
        r.bufferOffset = bytes.size();
        r.imageSubresource = {static_cast<VkImageAspectFlags>(aspects[a]), mip, layer, 1};
        r.imageExtent = e;
        regions.push_back(r);
        std::vector<uint8_t> random = RandomBytes(size_t(e.width) * e.height * 4, seed++);
        std::vector<uint32_t> values(e.width * e.height);
        for (size_t i = 0; i < values.size(); ++i) {
          uint32_t v;
          std::memcpy(&v, &random[i * 4], 4);
          if (format == VK_FORMAT_D32_SFLOAT || format == VK_FORMAT_D32_SFLOAT_S8_UINT) {
            if (aspects[a] == VK_IMAGE_ASPECT_DEPTH_BIT) {
              float d = static_cast<float>(v % 1000001) / 1000000.0f;  // in [0, 1]
              std::memcpy(&v, &d, 4);
            }
          }
          uint32_t stored = v & (texelSize == 4 ? 0xFFFFFFFFu : (1u << (8 * texelSize)) - 1);
          bytes.resize(r.bufferOffset + (i + 1) * texelSize);
          std::memcpy(&bytes[r.bufferOffset + i * texelSize], &stored, texelSize);
          values[i] = aspects[a] == VK_IMAGE_ASPECT_DEPTH_BIT ? stored & DepthMask(format) : stored;
        }
        expected[a].push_back(std::move(values));
        bytes.resize((bytes.size() + 3) / 4 * 4);
      }
  }
  Buffer upload(device(), bytes.size());
  std::memcpy(upload.data(), bytes.data(), bytes.size());
  RunOnce(device(), [&](VkCommandBuffer cmd) {
    TransitionImage(cmd, *image, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL);
    vkCmdCopyBufferToImage(cmd, upload.handle(), image->handle(), VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                           static_cast<uint32_t>(regions.size()), regions.data());
    TransitionImage(cmd, *image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL);
  });
  for (size_t a = 0; a < aspects.size(); ++a) {
    auto got = ReadAspect(*image, aspects[a], VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL);
    for (size_t s = 0; s < got.size(); ++s)
      for (size_t i = 0; i < got[s].size(); ++i)
        ASSERT_EQ(got[s][i], expected[a][s][i]) << (aspects[a] == VK_IMAGE_ASPECT_DEPTH_BIT ? "depth" : "stencil")
                                                << ", subresource " << s << " texel " << i;
  }
}

std::string DepthFormatName(const ::testing::TestParamInfo<VkFormat>& info) { return FormatOf(info.param).name; }

KT_INSTANTIATE_TEST_SUITE_P(Formats, KILN_SUITE(ClearDepthStencil),
                            ::testing::Values(VK_FORMAT_D16_UNORM, VK_FORMAT_X8_D24_UNORM_PACK32, VK_FORMAT_D32_SFLOAT,
                                              VK_FORMAT_S8_UINT, VK_FORMAT_D16_UNORM_S8_UINT,
                                              VK_FORMAT_D24_UNORM_S8_UINT, VK_FORMAT_D32_SFLOAT_S8_UINT),
                            DepthFormatName);

}  // namespace
}  // namespace kiln_test
