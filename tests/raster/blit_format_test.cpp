// Every format that reports BLIT_SRC and BLIT_DST converts as the spec says, against the loader
// tests' own format table and encoder (tests/loader/format_codec.h, generated from vk.xml
// independently of the driver):
//   * into the format: values held exactly in a 32-bit RGBA image of the same class (float, uint,
//     sint) are blitted into it and must be stored as the host encodes those values;
//   * out of the format: texels written by vkCmdClearColorImage are blitted into the 32-bit image,
//     and the host's encoding of what was read must give the stored texel back (the decode is the
//     encode's inverse, within the encoder's rounding freedom).
#include <gtest/gtest.h>

#include "format_codec.h"
#include "raster_harness.h"

namespace kiln_test {
namespace {

enum class Class { Float, Uint, Sint };

Class ClassOf(const FormatInfo& f) {
  bool allUint = true, allSint = true;
  for (unsigned i = 0; i < f.componentCount; ++i) {
    allUint = allUint && f.components[i].numeric == Numeric::UINT;
    allSint = allSint && f.components[i].numeric == Numeric::SINT;
  }
  return allUint ? Class::Uint : allSint ? Class::Sint : Class::Float;
}

VkFormat WideFormat(Class c) {
  return c == Class::Uint   ? VK_FORMAT_R32G32B32A32_UINT
         : c == Class::Sint ? VK_FORMAT_R32G32B32A32_SINT
                            : VK_FORMAT_R32G32B32A32_SFLOAT;
}

// Reads layer i's texel (0, 0) of every layer of a 2x2, `layers`-layer image.
std::vector<std::vector<uint8_t>> FirstTexels(const ImageBytes& image, uint32_t texelSize) {
  std::vector<std::vector<uint8_t>> out;
  for (uint32_t l = 0; l < image.layers; ++l) {
    const uint8_t* p = image.bytes.data() + size_t(l) * image.width * image.height * texelSize;
    out.emplace_back(p, p + texelSize);
  }
  return out;
}

class KILN_SUITE(BlitEveryFormat) : public RasterTest {};

TEST_F(KILN_SUITE(BlitEveryFormat), ConvertsIntoAndOutOfEveryBlitFormat) {
  KT_REQUIRE_KILN();
  Gpu& gpu = UnderTest();
  size_t tested = 0;
  for (const FormatInfo& f : kFormatTable) {
    if (!ClearableColorFormat(f) || !gpu.Supports(f.format, VK_FORMAT_FEATURE_BLIT_SRC_BIT | VK_FORMAT_FEATURE_BLIT_DST_BIT))
      continue;
    SCOPED_TRACE(f.name);
    ++tested;
    const VkFormat wide = WideFormat(ClassOf(f));
    const std::vector<VkClearColorValue> values = SampleClearValues(f);
    const uint32_t layers = uint32_t(values.size());
    TestImage narrowImage(gpu, VK_IMAGE_TYPE_2D, f.format, {2, 2, 1}, layers, 0);
    TestImage wideImage(gpu, VK_IMAGE_TYPE_2D, wide, {2, 2, 1}, layers, 0);
    VkImageBlit region{};
    region.srcSubresource = region.dstSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, layers};
    region.srcOffsets[1] = region.dstOffsets[1] = {2, 2, 1};
    auto clearLayers = [&](const TestImage& image) {
      RunOnce(*gpu.device, [&](VkCommandBuffer cmd) {
        FullBarrier(cmd);
        for (uint32_t l = 0; l < layers; ++l) {
          VkImageSubresourceRange range{VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, l, 1};
          vkCmdClearColorImage(cmd, image.handle(), VK_IMAGE_LAYOUT_GENERAL, &values[l], 1, &range);
        }
        FullBarrier(cmd);
      });
    };
    auto blit = [&](const TestImage& from, const TestImage& to) {
      RunOnce(*gpu.device, [&](VkCommandBuffer cmd) {
        FullBarrier(cmd);
        vkCmdBlitImage(cmd, from.handle(), VK_IMAGE_LAYOUT_GENERAL, to.handle(), VK_IMAGE_LAYOUT_GENERAL, 1, &region,
                       VK_FILTER_NEAREST);
        FullBarrier(cmd);
      });
    };
    narrowImage.SetRawTexelSize(f.blockSize);
    wideImage.SetRawTexelSize(16);
    auto readAll = [&](const TestImage& image, uint32_t texelSize) { return FirstTexels(image.Read(), texelSize); };

    // Into the format.
    clearLayers(wideImage);
    blit(wideImage, narrowImage);
    auto stored = readAll(narrowImage, f.blockSize);
    for (uint32_t l = 0; l < layers; ++l) {
      const std::string diff = CompareTexel(f, stored[l].data(), EncodeClearColor(f, values[l], false));
      EXPECT_TRUE(diff.empty()) << "blit into, value " << l << ": " << diff;
    }

    // Out of the format.
    clearLayers(narrowImage);
    auto cleared = readAll(narrowImage, f.blockSize);
    blit(narrowImage, wideImage);
    auto decoded = readAll(wideImage, 16);
    for (uint32_t l = 0; l < layers; ++l) {
      VkClearColorValue read;
      std::memcpy(&read, decoded[l].data(), 16);
      const std::string diff = CompareTexel(f, cleared[l].data(), EncodeClearColor(f, read, false));
      EXPECT_TRUE(diff.empty()) << "blit out of, value " << l << " (stored " << DescribeTexel(f, cleared[l].data())
                                << "): " << diff;
    }
  }
  EXPECT_GT(tested, 50u) << "fewer blit formats than expected";
  std::cout << "[ formats ] " << tested << " color formats blitted into and out of\n";
}

}  // namespace
}  // namespace kiln_test
