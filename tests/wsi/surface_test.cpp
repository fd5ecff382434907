// VK_KHR_surface queries on xcb and headless surfaces.
#include "wsi_harness.h"

namespace kiln_test {
namespace {

class XcbSurface : public ::testing::Test {
 protected:
  Xvfb x;
  WsiContext c = WsiContext::Create();
};

TEST_F(XcbSurface, InstanceAndDeviceAdvertiseTheWsiExtensions) {
  if (!OnKiln()) GTEST_SKIP() << "the list is Kiln's";
  uint32_t count = 0;
  KT_CHECK(vkEnumerateInstanceExtensionProperties(nullptr, &count, nullptr));
  std::vector<VkExtensionProperties> extensions(count);
  KT_CHECK(vkEnumerateInstanceExtensionProperties(nullptr, &count, extensions.data()));
  for (const char* name : {VK_KHR_SURFACE_EXTENSION_NAME, VK_KHR_XCB_SURFACE_EXTENSION_NAME, "VK_KHR_xlib_surface",
                           VK_EXT_HEADLESS_SURFACE_EXTENSION_NAME})
    EXPECT_TRUE(std::any_of(extensions.begin(), extensions.end(),
                            [&](const VkExtensionProperties& e) { return std::strcmp(e.extensionName, name) == 0; }))
        << name;
  EXPECT_TRUE(DeviceExtensionSupported(c.physical(), VK_KHR_SWAPCHAIN_EXTENSION_NAME));
}

TEST_F(XcbSurface, CapabilitiesFollowTheWindowSize) {
  const xcb_window_t window = x.CreateWindow(320, 200);
  VkSurfaceKHR surface = CreateXcbSurface(c, x.connection(), window);
  VkSurfaceCapabilitiesKHR caps = Capabilities(c, surface);
  EXPECT_EQ(caps.currentExtent.width, 320u);
  EXPECT_EQ(caps.currentExtent.height, 200u);
  EXPECT_GE(caps.minImageCount, 1u);
  EXPECT_TRUE(caps.maxImageCount == 0 || caps.maxImageCount >= caps.minImageCount);
  EXPECT_EQ(caps.maxImageArrayLayers, 1u);
  EXPECT_TRUE(caps.supportedTransforms & caps.currentTransform);
  EXPECT_TRUE(caps.supportedUsageFlags & VK_IMAGE_USAGE_TRANSFER_DST_BIT);
  x.Resize(window, 500, 123);
  caps = Capabilities(c, surface);
  EXPECT_EQ(caps.currentExtent.width, 500u);
  EXPECT_EQ(caps.currentExtent.height, 123u);
  vkDestroySurfaceKHR(c.vk(), surface, nullptr);
}

TEST_F(XcbSurface, SupportFormatsAndPresentModes) {
  const xcb_window_t window = x.CreateWindow(64, 64);
  VkSurfaceKHR surface = CreateXcbSurface(c, x.connection(), window);
  VkBool32 supported = VK_FALSE;
  KT_CHECK(vkGetPhysicalDeviceSurfaceSupportKHR(c.physical(), c.device->family, surface, &supported));
  EXPECT_EQ(supported, VK_TRUE);
  EXPECT_EQ(vkGetPhysicalDeviceXcbPresentationSupportKHR(c.physical(), c.device->family, x.connection(),
                                                         x.screen()->root_visual),
            VK_TRUE);

  uint32_t count = 0;
  KT_CHECK(vkGetPhysicalDeviceSurfaceFormatsKHR(c.physical(), surface, &count, nullptr));
  std::vector<VkSurfaceFormatKHR> formats(count);
  KT_CHECK(vkGetPhysicalDeviceSurfaceFormatsKHR(c.physical(), surface, &count, formats.data()));
  for (VkFormat f : {VK_FORMAT_B8G8R8A8_UNORM, VK_FORMAT_B8G8R8A8_SRGB})
    EXPECT_TRUE(std::any_of(formats.begin(), formats.end(), [&](const VkSurfaceFormatKHR& s) {
      return s.format == f && s.colorSpace == VK_COLOR_SPACE_SRGB_NONLINEAR_KHR;
    })) << f;
  // The enumeration idiom: a short array gets VK_INCOMPLETE.
  uint32_t one = 1;
  VkSurfaceFormatKHR first{};
  EXPECT_EQ(vkGetPhysicalDeviceSurfaceFormatsKHR(c.physical(), surface, &one, &first), VK_INCOMPLETE);

  KT_CHECK(vkGetPhysicalDeviceSurfacePresentModesKHR(c.physical(), surface, &count, nullptr));
  std::vector<VkPresentModeKHR> modes(count);
  KT_CHECK(vkGetPhysicalDeviceSurfacePresentModesKHR(c.physical(), surface, &count, modes.data()));
  for (VkPresentModeKHR m : {VK_PRESENT_MODE_FIFO_KHR, VK_PRESENT_MODE_IMMEDIATE_KHR, VK_PRESENT_MODE_MAILBOX_KHR})
    EXPECT_NE(std::find(modes.begin(), modes.end(), m), modes.end()) << m;

  // Vulkan 1.1 with VK_KHR_swapchain: one device presenting the window's whole area.
  KT_CHECK(vkGetPhysicalDevicePresentRectanglesKHR(c.physical(), surface, &count, nullptr));
  ASSERT_EQ(count, 1u);
  VkRect2D rect{};
  KT_CHECK(vkGetPhysicalDevicePresentRectanglesKHR(c.physical(), surface, &count, &rect));
  EXPECT_EQ(rect.extent.width, 64u);
  EXPECT_EQ(rect.extent.height, 64u);
  VkDeviceGroupPresentModeFlagsKHR groupModes = 0;
  KT_CHECK(vkGetDeviceGroupSurfacePresentModesKHR(c.dev(), surface, &groupModes));
  EXPECT_TRUE(groupModes & VK_DEVICE_GROUP_PRESENT_MODE_LOCAL_BIT_KHR);
  auto groupCaps = Struct<VkDeviceGroupPresentCapabilitiesKHR>(VK_STRUCTURE_TYPE_DEVICE_GROUP_PRESENT_CAPABILITIES_KHR);
  KT_CHECK(vkGetDeviceGroupPresentCapabilitiesKHR(c.dev(), &groupCaps));
  EXPECT_EQ(groupCaps.presentMask[0], 1u);
  EXPECT_TRUE(groupCaps.modes & VK_DEVICE_GROUP_PRESENT_MODE_LOCAL_BIT_KHR);
  vkDestroySurfaceKHR(c.vk(), surface, nullptr);
}

TEST_F(XcbSurface, QueriesOnADestroyedWindowReportSurfaceLost) {
  const xcb_window_t window = x.CreateWindow(64, 64);
  VkSurfaceKHR surface = CreateXcbSurface(c, x.connection(), window);
  x.Destroy(window);
  VkSurfaceCapabilitiesKHR caps{};
  EXPECT_EQ(vkGetPhysicalDeviceSurfaceCapabilitiesKHR(c.physical(), surface, &caps), VK_ERROR_SURFACE_LOST_KHR);
  VkSwapchainKHR swapchain = VK_NULL_HANDLE;
  auto info = Struct<VkSwapchainCreateInfoKHR>(VK_STRUCTURE_TYPE_SWAPCHAIN_CREATE_INFO_KHR);
  info.surface = surface;
  info.minImageCount = 2;
  info.imageFormat = VK_FORMAT_B8G8R8A8_UNORM;
  info.imageColorSpace = VK_COLOR_SPACE_SRGB_NONLINEAR_KHR;
  info.imageExtent = {64, 64};
  info.imageArrayLayers = 1;
  info.imageUsage = VK_IMAGE_USAGE_TRANSFER_DST_BIT;
  info.preTransform = VK_SURFACE_TRANSFORM_IDENTITY_BIT_KHR;
  info.compositeAlpha = VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR;
  info.presentMode = VK_PRESENT_MODE_FIFO_KHR;
  EXPECT_EQ(vkCreateSwapchainKHR(c.dev(), &info, nullptr, &swapchain), VK_ERROR_SURFACE_LOST_KHR);
  vkDestroySurfaceKHR(c.vk(), surface, nullptr);
}

// VK_EXT_headless_surface needs no X server.
TEST(HeadlessSurface, HasNoExtentAndPresentsWithoutAWindow) {
  if (!OnKiln()) GTEST_SKIP() << "lavapipe (Mesa 22.3) has no VK_EXT_headless_surface";
  WsiContext c = WsiContext::Create("", VK_EXT_HEADLESS_SURFACE_EXTENSION_NAME);
  auto info = Struct<VkHeadlessSurfaceCreateInfoEXT>(VK_STRUCTURE_TYPE_HEADLESS_SURFACE_CREATE_INFO_EXT);
  VkSurfaceKHR surface = VK_NULL_HANDLE;
  KT_CHECK(vkCreateHeadlessSurfaceEXT(c.vk(), &info, nullptr, &surface));
  const VkSurfaceCapabilitiesKHR caps = Capabilities(c, surface);
  EXPECT_EQ(caps.currentExtent.width, 0xFFFFFFFFu);
  EXPECT_EQ(caps.currentExtent.height, 0xFFFFFFFFu);
  EXPECT_GE(caps.maxImageExtent.width, 64u);
  VkBool32 supported = VK_FALSE;
  KT_CHECK(vkGetPhysicalDeviceSurfaceSupportKHR(c.physical(), c.device->family, surface, &supported));
  EXPECT_EQ(supported, VK_TRUE);

  SwapchainOptions options;
  options.extent = {64, 48};
  VkSwapchainKHR swapchain = CreateSwapchain(c, surface, options);
  {
    FrameLoop loop(c);
    for (int frame = 0; frame < 5; ++frame) EXPECT_EQ(loop.Frame(swapchain, {10, 20, 30}), VK_SUCCESS);
  }
  // The cleared image is really written: acquire it again and copy it back through a buffer.
  // (Kiln keeps a presented image's contents; the spec does not promise it, so Kiln only.)
  if (OnKiln()) {
    Fence acquired(c.dev());
    uint32_t index = 0;
    KT_CHECK(vkAcquireNextImageKHR(c.dev(), swapchain, kGenerousTimeoutNs, VK_NULL_HANDLE, acquired.handle(), &index));
    KT_CHECK(acquired.Wait());
    const VkImage image = SwapchainImages(c, swapchain).at(index);
    Buffer buffer(*c.device, 64 * 48 * 4, MemoryKind::Host);
    VkCommandBuffer cmd = c.pool->Allocate();
    Begin(cmd);
    ImageBarrier(cmd, image, VK_IMAGE_LAYOUT_PRESENT_SRC_KHR, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, 0,
                 VK_ACCESS_TRANSFER_READ_BIT, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT);
    VkBufferImageCopy region{};
    region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
    region.imageExtent = {64, 48, 1};
    vkCmdCopyImageToBuffer(cmd, image, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, buffer.handle(), 1, &region);
    End(cmd);
    Fence fence(c.dev());
    KT_CHECK(Submit(c.device->queue(), SubmitInfo{{cmd}}, fence.handle()));
    KT_CHECK(fence.Wait());
    std::vector<uint8_t> pixels(buffer.data(), buffer.data() + 64 * 48 * 4);
    EXPECT_EQ(CountWrong(pixels, {10, 20, 30}), 0u);
  }
  vkDestroySwapchainKHR(c.dev(), swapchain, nullptr);
  vkDestroySurfaceKHR(c.vk(), surface, nullptr);
}

}  // namespace
}  // namespace kiln_test
