// The validation binary: transfer_test.cpp, clear_test.cpp and sync_test.cpp are compiled again
// with KILN_TEST_WITH_VALIDATION=1, so each of their tests runs under VK_LAYER_KHRONOS_validation
// with a debug messenger recording every ERROR, and fails on any (DeviceTest::TearDown prints
// them). This file adds the check that the machinery itself works on the driver under test: the
// layer loads, and an error is in fact reported and recorded.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "vk_test_util.h"

namespace kiln_test {
namespace {

static_assert(kWithValidation, "validation_test.cpp belongs to the validation binary");

// Copying into an image whose layout is still UNDEFINED while claiming TRANSFER_DST_OPTIMAL is an
// error the layer reports at submission (VUID-vkCmdCopyBufferToImage-dstImageLayout-00180 /
// image layout tracking). Harmless for a CPU driver, so the workload still runs to completion.
TEST(Validation, MessengerRecordsAnImageLayoutError) {
  if (!InstanceLayerAvailable(kValidationLayer)) GTEST_SKIP() << kValidationLayer << " is not installed";
  auto instance = Instance::Create();
  {
    auto device = Device::Create(*instance);
    Image image(*device, ImageInfo(VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, {16, 16, 1}));
    Buffer buffer(*device, 16 * 16 * 4);
    ASSERT_TRUE(instance->log()->Take().empty()) << "errors before the faulty command";
    RunOnce(*device, [&](VkCommandBuffer cmd) {
      VkBufferImageCopy region{};
      region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
      region.imageExtent = {16, 16, 1};
      vkCmdCopyBufferToImage(cmd, buffer.handle(), image.handle(), VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &region);
    });
  }
  std::vector<std::string> errors = instance->log()->Take();
  ASSERT_FALSE(errors.empty()) << "the layer reported nothing; validated tests would pass vacuously";
  bool mentionsLayout = std::any_of(errors.begin(), errors.end(), [](std::string e) {
    std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return std::tolower(c); });
    return e.find("layout") != std::string::npos;
  });
  EXPECT_TRUE(mentionsLayout) << MessageLog::Join(errors);
}

// A clean workload on the same instance setup records nothing: the error above came from the
// faulty command, not from the driver's ordinary behaviour.
TEST(Validation, CleanWorkloadRecordsNoError) {
  if (!InstanceLayerAvailable(kValidationLayer)) GTEST_SKIP() << kValidationLayer << " is not installed";
  auto instance = Instance::Create();
  {
    auto device = Device::Create(*instance);
    Image image(*device, ImageInfo(VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, {16, 16, 1}));
    Buffer buffer(*device, 16 * 16 * 4);
    RunOnce(*device, [&](VkCommandBuffer cmd) {
      TransitionImage(cmd, image, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL);
      VkBufferImageCopy region{};
      region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
      region.imageExtent = {16, 16, 1};
      vkCmdCopyBufferToImage(cmd, buffer.handle(), image.handle(), VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &region);
    });
  }
  std::vector<std::string> errors = instance->log()->Take();
  EXPECT_TRUE(errors.empty()) << MessageLog::Join(errors);
}

}  // namespace
}  // namespace kiln_test
