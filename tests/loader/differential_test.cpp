// Differential tests: the same clears and copies on the driver under test and on lavapipe, in one
// process, compared byte for byte. Where the two disagree beyond rounding freedom, the host
// reference (format_codec.cpp, the spec's conversion rules) decides: the driver under test fails
// only if it is the one off the spec; lavapipe's own deviations are printed, not failed.
//
// Loader fact this relies on (measured, loader 1.3.239): VK_DRIVER_FILES is read at every
// vkCreateInstance, so two instances on two different drivers coexist in one process.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "format_codec.h"
#include "image_util.h"
#include "vk_test_util.h"

namespace kiln_test {
namespace {

bool FileExists(const char* path) { return access(path, R_OK) == 0; }

TEST(Loader, DriverFilesIsReadAtEachInstanceCreation) {
  if (!FileExists(KILN_LAVAPIPE_MANIFEST)) GTEST_SKIP() << "lavapipe is not installed";
  InstanceOptions lavapipeOptions;
  lavapipeOptions.validation = false;
  lavapipeOptions.driverFiles = KILN_LAVAPIPE_MANIFEST;
  auto lavapipe = Instance::Create(lavapipeOptions);
  VkPhysicalDeviceProperties lavapipeProperties;
  vkGetPhysicalDeviceProperties(lavapipe->PhysicalDevice(), &lavapipeProperties);
  EXPECT_EQ(std::strncmp(lavapipeProperties.deviceName, "llvmpipe", 8), 0) << lavapipeProperties.deviceName;

  // A manifest that does not exist: the loader finds no driver at this vkCreateInstance.
  InstanceOptions missingOptions;
  missingOptions.validation = false;
  missingOptions.driverFiles = "/nonexistent/kiln_icd.json";
  std::unique_ptr<Instance> missing;
  EXPECT_EQ(Instance::TryCreate(missingOptions, &missing), VK_ERROR_INCOMPATIBLE_DRIVER);

  // The driver under test, while the lavapipe instance lives on.
  InstanceOptions underTestOptions;
  underTestOptions.validation = false;
  auto underTest = Instance::Create(underTestOptions);
  VkPhysicalDeviceProperties underTestProperties;
  vkGetPhysicalDeviceProperties(underTest->PhysicalDevice(), &underTestProperties);
  if (OnKiln()) {
    EXPECT_EQ(std::strncmp(underTestProperties.deviceName, "Kiln", 4), 0) << underTestProperties.deviceName;
  }
  EXPECT_EQ(lavapipe->PhysicalDevices().size(), 1u) << "the first instance still sees lavapipe";
}

// One texel's worth of disagreement, for the report.
struct Disagreement {
  std::string format;
  std::string detail;
};

class Differential : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!FileExists(KILN_LAVAPIPE_MANIFEST)) GTEST_SKIP() << "lavapipe is not installed";
    InstanceOptions options;
    options.validation = false;
    underTestInstance_ = Instance::Create(options);
    options.driverFiles = KILN_LAVAPIPE_MANIFEST;
    referenceInstance_ = Instance::Create(options);
    underTest_ = Device::Create(*underTestInstance_);
    reference_ = Device::Create(*referenceInstance_);
    ASSERT_EQ(std::strncmp(reference_->properties.deviceName, "llvmpipe", 8), 0)
        << "the reference is not lavapipe: " << reference_->properties.deviceName;
    std::cout << "[ driver  ] under test: " << underTest_->properties.deviceName
              << "; reference: " << reference_->properties.deviceName << "\n";
  }

  bool BothSupport(const VkImageCreateInfo& info) const {
    return ImageSupported(underTest_->physical, info) && ImageSupported(reference_->physical, info);
  }

  void Report(const char* what, size_t compared, const std::vector<Disagreement>& referenceOff,
              const std::vector<Disagreement>& bothAllowed) {
    std::cout << "[ " << what << " ] compared " << compared << " formats\n";
    for (const auto& d : referenceOff) std::cout << "  lavapipe off the spec: " << d.format << ": " << d.detail << "\n";
    for (const auto& d : bothAllowed)
      std::cout << "  differ, both within the spec: " << d.format << ": " << d.detail << "\n";
  }

  std::unique_ptr<Instance> underTestInstance_, referenceInstance_;
  std::unique_ptr<Device> underTest_, reference_;
};

// Clears layer i of an 8x8, 3-layer image with values[i] and reads all layers back.
HostImage ClearAndRead(const Device& device, const VkImageCreateInfo& info,
                       const std::vector<VkClearColorValue>& values) {
  Image image(device, info);
  RunOnce(device, [&](VkCommandBuffer cmd) {
    TransitionImage(cmd, image, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL);
    for (uint32_t layer = 0; layer < values.size(); ++layer) {
      VkImageSubresourceRange range{VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, layer, 1};
      vkCmdClearColorImage(cmd, image.handle(), VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, &values[layer], 1, &range);
    }
  });
  return Download(device, image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL);
}

TEST_F(Differential, ClearColorMatchesLavapipeForEveryFormat) {
  size_t compared = 0;
  std::vector<Disagreement> referenceOff, bothAllowed;
  std::string onlyUnderTest, onlyReference;
  for (const FormatInfo& f : kFormatTable) {
    if (!ClearableColorFormat(f)) continue;
    VkImageCreateInfo info = ImageInfo(VK_IMAGE_TYPE_2D, f.format, {8, 8, 1}, 1, 3);
    bool underTestHas = ImageSupported(underTest_->physical, info);
    bool referenceHas = ImageSupported(reference_->physical, info);
    if (underTestHas != referenceHas) (underTestHas ? onlyUnderTest : onlyReference) += std::string(" ") + f.name;
    if (!underTestHas || !referenceHas) continue;
    ++compared;
    SCOPED_TRACE(f.name);
    std::vector<VkClearColorValue> values = SampleClearValues(f);
    HostImage mine = ClearAndRead(*underTest_, info, values);
    HostImage theirs = ClearAndRead(*reference_, info, values);
    for (uint32_t layer = 0; layer < values.size(); ++layer) {
      // Every texel of a layer holds the same value; the first texel of each speaks for the layer
      // after checking that the layer is uniform.
      const uint8_t* a = mine.Sub(0, layer).data();
      const uint8_t* b = theirs.Sub(0, layer).data();
      for (size_t at = f.blockSize; at < mine.Sub(0, layer).size(); at += f.blockSize)
        ASSERT_TRUE(CompareTexels(f, a + at, a, 0).empty())
            << "layer " << layer << " is not uniform on the driver under test";
      ExpectedTexel spec = EncodeClearColor(f, values[layer], /*strictNearest=*/false);
      std::string underTestVsSpec = CompareTexel(f, a, spec);
      EXPECT_EQ(underTestVsSpec, "") << "layer " << layer << ": the driver under test is off the spec";
      std::string difference = CompareTexels(f, a, b, /*ulps=*/1);
      if (difference.empty()) continue;
      std::string referenceVsSpec = CompareTexel(f, b, spec);
      if (!referenceVsSpec.empty())
        referenceOff.push_back({f.name, "layer " + std::to_string(layer) + ": " + referenceVsSpec});
      else if (underTestVsSpec.empty())
        bothAllowed.push_back({f.name, "layer " + std::to_string(layer) + ": " + difference});
    }
  }
  Report("clear", compared, referenceOff, bothAllowed);
  std::cout << "  transfer-capable only on the driver under test:" << onlyUnderTest << "\n"
            << "  transfer-capable only on lavapipe:" << onlyReference << "\n";
  EXPECT_GT(compared, 10u) << "too few formats supported by both drivers";
}

// Random texel blocks (compressed formats included) are uploaded, a block-aligned region is copied
// from layer 0 into layer 1 with vkCmdCopyImage, and everything is read back: copies are raw, so
// both drivers must reproduce the host model exactly.
TEST_F(Differential, CopiesMatchLavapipeForEveryFormat) {
  size_t compared = 0;
  std::vector<Disagreement> referenceOff, unused;
  for (const FormatInfo& f : kFormatTable) {
    if (HasDepthOrStencil(f)) continue;
    VkImageCreateInfo info = ImageInfo(VK_IMAGE_TYPE_2D, f.format, {16, 16, 1}, 1, 2);
    if (!BothSupport(info)) continue;
    ++compared;
    SCOPED_TRACE(f.name);
    HostImage model(f, info);
    model.FillRandom(1234);
    uint32_t width = f.blockWidth * std::max(1u, 8u / f.blockWidth);
    uint32_t height = f.blockHeight * std::max(1u, 8u / f.blockHeight);
    auto alignDown = [](uint32_t v, uint32_t a) { return v / a * a; };
    VkImageCopy region{{VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1},
                       {0, 0, 0},
                       {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 1},
                       {static_cast<int32_t>(alignDown(16 - width, f.blockWidth)),
                        static_cast<int32_t>(alignDown(16 - height, f.blockHeight)), 0},
                       {width, height, 1}};
    HostImage expected = model;
    CopyInModel(model, false, expected, false, region);

    auto run = [&](const Device& device) {
      Image image(device, info);
      Upload(device, image, model, VK_IMAGE_LAYOUT_GENERAL);
      RunOnce(device, [&](VkCommandBuffer cmd) {
        TransferBarrier(cmd);
        vkCmdCopyImage(cmd, image.handle(), VK_IMAGE_LAYOUT_GENERAL, image.handle(), VK_IMAGE_LAYOUT_GENERAL, 1,
                       &region);
      });
      return Download(device, image, VK_IMAGE_LAYOUT_GENERAL);
    };
    HostImage mine = run(*underTest_);
    HostImage theirs = run(*reference_);
    EXPECT_TRUE(SameImage(mine, expected)) << "the driver under test";
    if (!SameImage(theirs, expected)) referenceOff.push_back({f.name, "copy result differs from the host model"});
  }
  Report("copy", compared, referenceOff, unused);
  EXPECT_GT(compared, 10u) << "too few formats supported by both drivers";
}

// Depth/stencil clears, per layer, compared per aspect as copied out to a buffer.
TEST_F(Differential, DepthStencilClearsMatchLavapipe) {
  const VkFormat formats[] = {VK_FORMAT_D16_UNORM,         VK_FORMAT_X8_D24_UNORM_PACK32, VK_FORMAT_D32_SFLOAT,
                              VK_FORMAT_S8_UINT,           VK_FORMAT_D16_UNORM_S8_UINT,   VK_FORMAT_D24_UNORM_S8_UINT,
                              VK_FORMAT_D32_SFLOAT_S8_UINT};
  const float depths[4] = {0.0f, 0.25f, 0.3f, 1.0f};  // 0.3 * 65535 = 19660.5: a tie, either neighbour is allowed
  const uint32_t stencils[4] = {0, 0x5A, 0xA5, 0xFF};
  constexpr uint32_t kSide = 4, kLayers = 4;
  size_t compared = 0;
  std::vector<Disagreement> referenceOff, unused;
  for (VkFormat format : formats) {
    VkImageCreateInfo info = ImageInfo(VK_IMAGE_TYPE_2D, format, {kSide, kSide, 1}, 1, kLayers);
    if (!BothSupport(info)) continue;
    ++compared;
    const FormatInfo& f = FormatOf(format);
    SCOPED_TRACE(f.name);
    std::vector<VkImageAspectFlagBits> aspects;
    if (AspectsOf(format) & VK_IMAGE_ASPECT_DEPTH_BIT) aspects.push_back(VK_IMAGE_ASPECT_DEPTH_BIT);
    if (AspectsOf(format) & VK_IMAGE_ASPECT_STENCIL_BIT) aspects.push_back(VK_IMAGE_ASPECT_STENCIL_BIT);

    // Returns, per aspect and layer, the first texel's value (after checking the layer is uniform).
    auto run = [&](const Device& device, std::vector<std::vector<uint32_t>>* out) {
      Image image(device, info);
      std::vector<VkBufferImageCopy> regions;
      for (VkImageAspectFlagBits aspect : aspects)
        for (uint32_t layer = 0; layer < kLayers; ++layer) {
          VkBufferImageCopy r{};
          r.bufferOffset = regions.size() * kSide * kSide * 4;  // 4 bytes per texel is enough for any aspect
          r.imageSubresource = {static_cast<VkImageAspectFlags>(aspect), 0, layer, 1};
          r.imageExtent = {kSide, kSide, 1};
          regions.push_back(r);
        }
      Buffer readback(device, regions.size() * kSide * kSide * 4);
      RunOnce(device, [&](VkCommandBuffer cmd) {
        TransitionImage(cmd, image, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL);
        for (uint32_t layer = 0; layer < kLayers; ++layer) {
          VkClearDepthStencilValue value{depths[layer], stencils[layer]};
          VkImageSubresourceRange range{AspectsOf(format), 0, 1, layer, 1};
          vkCmdClearDepthStencilImage(cmd, image.handle(), VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, &value, 1, &range);
        }
        TransitionImage(cmd, image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL);
        vkCmdCopyImageToBuffer(cmd, image.handle(), VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, readback.handle(),
                               static_cast<uint32_t>(regions.size()), regions.data());
      });
      out->assign(aspects.size(), std::vector<uint32_t>(kLayers));
      for (size_t a = 0; a < aspects.size(); ++a) {
        uint32_t size = aspects[a] == VK_IMAGE_ASPECT_STENCIL_BIT                                  ? 1
                        : (format == VK_FORMAT_D16_UNORM || format == VK_FORMAT_D16_UNORM_S8_UINT) ? 2
                                                                                                   : 4;
        uint32_t mask = (aspects[a] == VK_IMAGE_ASPECT_DEPTH_BIT &&
                         (format == VK_FORMAT_X8_D24_UNORM_PACK32 || format == VK_FORMAT_D24_UNORM_S8_UINT))
                            ? 0x00FFFFFFu
                            : 0xFFFFFFFFu;
        for (uint32_t layer = 0; layer < kLayers; ++layer) {
          const uint8_t* base = readback.data() + regions[a * kLayers + layer].bufferOffset;
          uint32_t first = 0;
          std::memcpy(&first, base, size);
          for (uint32_t t = 1; t < kSide * kSide; ++t) {
            uint32_t v = 0;
            std::memcpy(&v, base + t * size, size);
            if ((v & mask) != (first & mask)) Fail("a cleared layer is not uniform");
          }
          (*out)[a][layer] = first & mask;
        }
      }
    };
    std::vector<std::vector<uint32_t>> mine, theirs;
    run(*underTest_, &mine);
    run(*reference_, &theirs);
    for (size_t a = 0; a < aspects.size(); ++a)
      for (uint32_t layer = 0; layer < kLayers; ++layer) {
        bool depth = aspects[a] == VK_IMAGE_ASPECT_DEPTH_BIT;
        uint32_t spec = depth ? EncodeDepth(format, depths[layer]) : stencils[layer];
        // UNORM depth may round either way at a tie (0.3 * 65535); D32 and stencil are exact.
        bool unorm = depth && format != VK_FORMAT_D32_SFLOAT && format != VK_FORMAT_D32_SFLOAT_S8_UINT;
        auto within = [&](uint32_t v) { return v == spec || (unorm && (v + 1 == spec || v == spec + 1)); };
        EXPECT_TRUE(within(mine[a][layer])) << (depth ? "depth" : "stencil") << " layer " << layer << ": got 0x"
                                            << std::hex << mine[a][layer] << ", spec 0x" << spec;
        if (!within(theirs[a][layer]))
          referenceOff.push_back(
              {f.name, std::string(depth ? "depth" : "stencil") + " layer " + std::to_string(layer)});
      }
  }
  Report("depth/stencil", compared, referenceOff, unused);
  EXPECT_GT(compared, 0u);
}

}  // namespace
}  // namespace kiln_test
