// VK_KHR_swapchain on an X11 window: create and recreate, acquire and present, the pixels in the
// window (read back with xcb_get_image) on both presentation paths, and the spec's error codes.
#include <cstdlib>

#include "wsi_harness.h"

namespace kiln_test {
namespace {

constexpr Rgb kPalette[] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {17, 34, 51}, {200, 100, 50}};

// Sets (or clears) KILN_WSI_NO_SHM for the swapchains created while it lives.
class NoShm {
 public:
  explicit NoShm(bool on) {
    if (on) setenv("KILN_WSI_NO_SHM", "1", 1);
  }
  ~NoShm() { unsetenv("KILN_WSI_NO_SHM"); }
};

// Presents `frames` frames of the palette to a width x height window and checks, after each, that
// every pixel of the window has the frame's colour. Returns the last readback.
std::vector<uint8_t> PresentAndCheck(Xvfb& x, xcb_window_t window, uint16_t width, uint16_t height,
                                     const std::string& driverFiles, int frames,
                                     VkPresentModeKHR mode = VK_PRESENT_MODE_FIFO_KHR) {
  WsiContext c = WsiContext::Create(driverFiles);
  VkSurfaceKHR surface = CreateXcbSurface(c, x.connection(), window);
  SwapchainOptions options;
  options.mode = mode;
  VkSwapchainKHR swapchain = CreateSwapchain(c, surface, options);
  std::vector<uint8_t> pixels;
  {
    FrameLoop loop(c);
    for (int frame = 0; frame < frames; ++frame) {
      const Rgb colour = kPalette[frame % std::size(kPalette)];
      EXPECT_EQ(loop.Frame(swapchain, colour), VK_SUCCESS) << "frame " << frame;
      // Kiln presents synchronously: the frame is in the window when vkQueuePresentKHR returns.
      // Another driver (lavapipe) may show it later: give it up to 5 seconds.
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(driverFiles.empty() ? 0 : 5);
      do {
        x.Sync();
        pixels = x.Read(window, width, height);
      } while (CountWrong(pixels, colour) != 0 && std::chrono::steady_clock::now() < deadline);
      EXPECT_EQ(pixels.size(), size_t(width) * height * 4);
      EXPECT_EQ(CountWrong(pixels, colour), 0u) << "frame " << frame;
    }
  }
  KT_CHECK(vkDeviceWaitIdle(c.dev()));
  vkDestroySwapchainKHR(c.dev(), swapchain, nullptr);
  vkDestroySurfaceKHR(c.vk(), surface, nullptr);
  return pixels;
}

TEST(XcbPresent, FramesReachTheWindowThroughMitShm) {
  Xvfb x;
  const xcb_window_t window = x.CreateWindow(200, 150);
  NoShm env(false);
  PresentAndCheck(x, window, 200, 150, "", 6);
}

TEST(XcbPresent, FramesReachTheWindowThroughPutImageWithKilnWsiNoShm) {
  Xvfb x;
  const xcb_window_t window = x.CreateWindow(200, 150);
  NoShm env(true);
  PresentAndCheck(x, window, 200, 150, "", 6);
}

TEST(XcbPresent, FramesReachTheWindowWhenTheServerHasNoMitShm) {
  Xvfb x("1024x768x24", {"-extension", "MIT-SHM"});
  const xcb_window_t window = x.CreateWindow(123, 77);
  PresentAndCheck(x, window, 123, 77, "", 3);
}

// 2048 x 2080 x 4 bytes is more than the 16 MiB maximum request with BIG-REQUESTS: the plain path
// must split the image into several PutImage requests.
TEST(XcbPresent, ImagesLargerThanTheMaximumRequestAreSplit) {
  Xvfb x("2048x2080x24");
  const xcb_window_t window = x.CreateWindow(2048, 2080);
  const uint32_t maxBytes = xcb_get_maximum_request_length(x.connection()) * 4u;
  ASSERT_LT(maxBytes, 2048u * 2080u * 4u);
  NoShm env(true);
  PresentAndCheck(x, window, 2048, 2080, "", 2);
}

TEST(XcbPresent, EveryPresentModeShowsEveryFrame) {
  Xvfb x;
  const xcb_window_t window = x.CreateWindow(64, 64);
  for (VkPresentModeKHR mode : {VK_PRESENT_MODE_IMMEDIATE_KHR, VK_PRESENT_MODE_MAILBOX_KHR}) {
    SCOPED_TRACE(mode);
    PresentAndCheck(x, window, 64, 64, "", 3, mode);
  }
}

// The same frames on lavapipe give the same window contents.
TEST(XcbPresent, WindowMatchesLavapipe) {
  if (access(KILN_LAVAPIPE_MANIFEST, R_OK) != 0) GTEST_SKIP() << "lavapipe is not installed";
  Xvfb x;
  const xcb_window_t window = x.CreateWindow(96, 80);
  const std::vector<uint8_t> kiln = PresentAndCheck(x, window, 96, 80, "", 4);
  // Black in between, so that lavapipe's frames must really arrive.
  const uint32_t black = 0;
  xcb_change_window_attributes(x.connection(), window, XCB_CW_BACK_PIXEL, &black);
  xcb_clear_area(x.connection(), 0, window, 0, 0, 0, 0);
  x.Sync();
  ASSERT_GT(CountWrong(x.Read(window, 96, 80), kPalette[3]), 0u);
  const std::vector<uint8_t> lavapipe = PresentAndCheck(x, window, 96, 80, KILN_LAVAPIPE_MANIFEST, 4);
  ASSERT_EQ(kiln.size(), lavapipe.size());
  size_t differing = 0;
  for (size_t i = 0; i < kiln.size(); i += 4)
    if (kiln[i] != lavapipe[i] || kiln[i + 1] != lavapipe[i + 1] || kiln[i + 2] != lavapipe[i + 2]) ++differing;
  EXPECT_EQ(differing, 0u);
}

// Kiln offers only VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR: in a depth-32 (ARGB) window the image's
// alpha must not reach the window, on either copy path.
TEST(XcbPresent, ArgbWindowsGetOpaquePixels) {
  if (!OnKiln()) GTEST_SKIP() << "how a driver makes ARGB windows opaque is its own";
  Xvfb x;
  const xcb_window_t window = x.CreateArgbWindow(40, 30);
  if (!window) GTEST_SKIP() << "the server has no depth-32 visual";
  for (bool noShm : {false, true}) {
    SCOPED_TRACE(noShm ? "xcb_put_image" : "MIT-SHM");
    NoShm env(noShm);
    WsiContext c = WsiContext::Create();
    VkSurfaceKHR surface = CreateXcbSurface(c, x.connection(), window);
    VkBool32 supported = VK_FALSE;
    KT_CHECK(vkGetPhysicalDeviceSurfaceSupportKHR(c.physical(), c.device->family, surface, &supported));
    EXPECT_EQ(supported, VK_TRUE);
    VkSwapchainKHR swapchain = CreateSwapchain(c, surface);
    {
      FrameLoop loop(c);
      EXPECT_EQ(loop.Frame(swapchain, {40, 80, 120}, nullptr, /*alpha=*/0.0f), VK_SUCCESS);
    }
    const std::vector<uint8_t> pixels = x.Read(window, 40, 30);
    EXPECT_EQ(CountWrong(pixels, {40, 80, 120}), 0u);
    size_t transparent = 0;
    for (size_t i = 3; i < pixels.size(); i += 4) transparent += pixels[i] != 0xff;
    EXPECT_EQ(transparent, 0u);
    vkDestroySwapchainKHR(c.dev(), swapchain, nullptr);
    vkDestroySurfaceKHR(c.vk(), surface, nullptr);
  }
}

class XcbSwapchain : public ::testing::Test {
 protected:
  void SetUp() override {
    window = x.CreateWindow(160, 120);
    surface = CreateXcbSurface(c, x.connection(), window);
  }
  void TearDown() override {
    vkDeviceWaitIdle(c.dev());
    for (VkSwapchainKHR s : swapchains) vkDestroySwapchainKHR(c.dev(), s, nullptr);
    vkDestroySurfaceKHR(c.vk(), surface, nullptr);
  }
  VkSwapchainKHR Make(const SwapchainOptions& options = {}) {
    swapchains.push_back(CreateSwapchain(c, surface, options));
    return swapchains.back();
  }

  Xvfb x;
  WsiContext c = WsiContext::Create();
  xcb_window_t window = 0;
  VkSurfaceKHR surface = VK_NULL_HANDLE;
  std::vector<VkSwapchainKHR> swapchains;
};

TEST_F(XcbSwapchain, ImagesAreAtLeastMinImageCount) {
  SwapchainOptions options;
  options.minImageCount = 3;
  VkSwapchainKHR swapchain = Make(options);
  std::vector<VkImage> images = SwapchainImages(c, swapchain);
  EXPECT_GE(images.size(), 3u);
  uint32_t one = 1;
  VkImage image = VK_NULL_HANDLE;
  EXPECT_EQ(vkGetSwapchainImagesKHR(c.dev(), swapchain, &one, &image), VK_INCOMPLETE);
  EXPECT_EQ(image, images[0]);
}

TEST_F(XcbSwapchain, AcquireSignalsTheFenceAndTheSemaphore) {
  VkSwapchainKHR swapchain = Make();
  Fence fence(c.dev());
  Semaphore semaphore(c.dev());
  uint32_t index = UINT32_MAX;
  ASSERT_EQ(vkAcquireNextImageKHR(c.dev(), swapchain, kGenerousTimeoutNs, semaphore.handle(), fence.handle(), &index),
            VK_SUCCESS);
  EXPECT_LT(index, SwapchainImages(c, swapchain).size());
  EXPECT_EQ(fence.Wait(), VK_SUCCESS);
  // The semaphore is signalled: a submission waiting on it completes.
  Fence submitted(c.dev());
  SubmitInfo submit;
  submit.waitSemaphores = {semaphore.handle()};
  submit.waitStages = {VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT};
  KT_CHECK(Submit(c.device->queue(), submit, submitted.handle()));
  EXPECT_EQ(submitted.Wait(), VK_SUCCESS);
  // Acquire2 (Vulkan 1.1 with VK_KHR_swapchain) hands out another image.
  auto info = Struct<VkAcquireNextImageInfoKHR>(VK_STRUCTURE_TYPE_ACQUIRE_NEXT_IMAGE_INFO_KHR);
  info.swapchain = swapchain;
  info.timeout = 0;
  info.fence = fence.handle();
  info.deviceMask = 1;
  KT_CHECK(fence.Wait());
  const VkFence f = fence.handle();
  KT_CHECK(vkResetFences(c.dev(), 1, &f));
  uint32_t second = UINT32_MAX;
  ASSERT_EQ(vkAcquireNextImage2KHR(c.dev(), &info, &second), VK_SUCCESS);
  EXPECT_NE(second, index);
  EXPECT_EQ(fence.Wait(), VK_SUCCESS);
}

// vkAcquireNextImageKHR: with every image acquired, timeout 0 is VK_NOT_READY and a finite
// timeout is VK_TIMEOUT.
TEST_F(XcbSwapchain, AcquiringWithEveryImageHeldIsNotReadyOrTimeout) {
  VkSwapchainKHR swapchain = Make();
  const size_t count = SwapchainImages(c, swapchain).size();
  for (size_t i = 0; i < count; ++i) {
    uint32_t index = 0;
    Fence acquired(c.dev());
    ASSERT_EQ(vkAcquireNextImageKHR(c.dev(), swapchain, 0, VK_NULL_HANDLE, acquired.handle(), &index), VK_SUCCESS);
    KT_CHECK(acquired.Wait());
  }
  Fence fence(c.dev());
  uint32_t index = 0;
  EXPECT_EQ(vkAcquireNextImageKHR(c.dev(), swapchain, 0, VK_NULL_HANDLE, fence.handle(), &index), VK_NOT_READY);
  // (lavapipe answers VK_NOT_READY here too; the spec says VK_TIMEOUT.)
  if (OnKiln()) {
    EXPECT_EQ(vkAcquireNextImageKHR(c.dev(), swapchain, 1'000'000, VK_NULL_HANDLE, fence.handle(), &index),
              VK_TIMEOUT);
  }
  EXPECT_EQ(fence.Status(), VK_NOT_READY);  // not signalled by the failed acquires
}

TEST_F(XcbSwapchain, ResizingTheWindowMakesTheSwapchainOutOfDate) {
  // Kiln presents synchronously and so reports a changed or lost window at the call that meets
  // it; the spec also lets a driver notice later, or present scaled with VK_SUBOPTIMAL_KHR (lavapipe).
  if (!OnKiln()) GTEST_SKIP() << "the call that reports the change is the driver's choice";
  VkSwapchainKHR swapchain = Make();
  FrameLoop loop(c);
  EXPECT_EQ(loop.Frame(swapchain, kPalette[0]), VK_SUCCESS);
  // Acquired before the resize, presented after: the present is out of date.
  uint32_t index = 0;
  Fence fence(c.dev());
  ASSERT_EQ(vkAcquireNextImageKHR(c.dev(), swapchain, kGenerousTimeoutNs, VK_NULL_HANDLE, fence.handle(), &index),
            VK_SUCCESS);
  KT_CHECK(fence.Wait());
  x.Resize(window, 100, 90);
  auto present = Struct<VkPresentInfoKHR>(VK_STRUCTURE_TYPE_PRESENT_INFO_KHR);
  VkResult result = VK_SUCCESS;
  present.swapchainCount = 1;
  present.pSwapchains = &swapchain;
  present.pImageIndices = &index;
  present.pResults = &result;
  EXPECT_EQ(vkQueuePresentKHR(c.device->queue(), &present), VK_ERROR_OUT_OF_DATE_KHR);
  EXPECT_EQ(result, VK_ERROR_OUT_OF_DATE_KHR);
  // And acquiring from it now is out of date too.
  EXPECT_EQ(vkAcquireNextImageKHR(c.dev(), swapchain, 0, VK_NULL_HANDLE, Fence(c.dev()).handle(), &index),
            VK_ERROR_OUT_OF_DATE_KHR);
}

TEST_F(XcbSwapchain, RecreateWithOldSwapchainRetiresIt) {
  // Kiln presents synchronously and so reports a changed or lost window at the call that meets
  // it; the spec also lets a driver notice later, or present scaled with VK_SUBOPTIMAL_KHR (lavapipe).
  if (!OnKiln()) GTEST_SKIP() << "the call that reports the change is the driver's choice";
  VkSwapchainKHR old = Make();
  FrameLoop loop(c);
  EXPECT_EQ(loop.Frame(old, kPalette[1]), VK_SUCCESS);
  x.Resize(window, 90, 70);
  EXPECT_EQ(loop.Frame(old, kPalette[1]), VK_ERROR_OUT_OF_DATE_KHR);
  SwapchainOptions options;
  options.oldSwapchain = old;
  VkSwapchainKHR fresh = Make(options);
  EXPECT_EQ(Capabilities(c, surface).currentExtent.width, 90u);
  // Acquiring from a retired swapchain is invalid usage (VUID-vkAcquireNextImageKHR-swapchain-01285);
  // Kiln answers VK_ERROR_OUT_OF_DATE_KHR.
  uint32_t index = 0;
  EXPECT_EQ(vkAcquireNextImageKHR(c.dev(), old, 0, VK_NULL_HANDLE, Fence(c.dev()).handle(), &index),
            VK_ERROR_OUT_OF_DATE_KHR);
  for (int frame = 0; frame < 3; ++frame) {
    EXPECT_EQ(loop.Frame(fresh, kPalette[frame]), VK_SUCCESS);
    EXPECT_EQ(CountWrong(x.Read(window, 90, 70), kPalette[frame]), 0u);
  }
}

TEST_F(XcbSwapchain, ASecondSwapchainOnTheSurfaceIsNativeWindowInUse) {
  // "A native window cannot be associated with more than one non-retired swapchain at a time"
  // (VkSwapchainKHR). Kiln refuses the second with VK_ERROR_NATIVE_WINDOW_IN_USE_KHR; lavapipe lets it be.
  if (!OnKiln()) GTEST_SKIP() << "invalid usage: the answer is Kiln's choice";
  Make();
  VkSwapchainKHR second = VK_NULL_HANDLE;
  EXPECT_EQ(TryCreateSwapchain(c, surface, {}, &second), VK_ERROR_NATIVE_WINDOW_IN_USE_KHR);
}

TEST_F(XcbSwapchain, UnsupportedParametersAreRefused) {
  SwapchainOptions options;
  options.format = VK_FORMAT_R32G32B32A32_SFLOAT;  // not a surface format
  VkSwapchainKHR swapchain = VK_NULL_HANDLE;
  if (!OnKiln()) GTEST_SKIP() << "invalid usage: the error code is Kiln's choice";
  EXPECT_EQ(TryCreateSwapchain(c, surface, options, &swapchain), VK_ERROR_INITIALIZATION_FAILED);
}

TEST_F(XcbSwapchain, PresentingToADestroyedWindowIsSurfaceLost) {
  // Kiln presents synchronously and so reports a changed or lost window at the call that meets
  // it; the spec also lets a driver notice later, or present scaled with VK_SUBOPTIMAL_KHR (lavapipe).
  if (!OnKiln()) GTEST_SKIP() << "the call that reports the change is the driver's choice";
  VkSwapchainKHR swapchain = Make();
  FrameLoop loop(c);
  EXPECT_EQ(loop.Frame(swapchain, kPalette[2]), VK_SUCCESS);
  uint32_t index = 0;
  Fence fence(c.dev());
  ASSERT_EQ(vkAcquireNextImageKHR(c.dev(), swapchain, kGenerousTimeoutNs, VK_NULL_HANDLE, fence.handle(), &index),
            VK_SUCCESS);
  KT_CHECK(fence.Wait());
  x.Destroy(window);
  auto present = Struct<VkPresentInfoKHR>(VK_STRUCTURE_TYPE_PRESENT_INFO_KHR);
  present.swapchainCount = 1;
  present.pSwapchains = &swapchain;
  present.pImageIndices = &index;
  EXPECT_EQ(vkQueuePresentKHR(c.device->queue(), &present), VK_ERROR_SURFACE_LOST_KHR);
  EXPECT_EQ(vkAcquireNextImageKHR(c.dev(), swapchain, 0, VK_NULL_HANDLE, Fence(c.dev()).handle(), &index),
            VK_ERROR_SURFACE_LOST_KHR);
}

// VK_KHR_swapchain with Vulkan 1.1: an image created with VkImageSwapchainCreateInfoKHR and bound
// with VkBindImageMemorySwapchainInfoKHR aliases that swapchain image; what is cleared through it
// is what presenting the swapchain image shows.
TEST_F(XcbSwapchain, ImageBoundToSwapchainMemoryAliasesTheSwapchainImage) {
  VkSwapchainKHR swapchain = Make();
  Fence acquired(c.dev());
  uint32_t index = 0;
  ASSERT_EQ(vkAcquireNextImageKHR(c.dev(), swapchain, kGenerousTimeoutNs, VK_NULL_HANDLE, acquired.handle(), &index),
            VK_SUCCESS);
  KT_CHECK(acquired.Wait());
  auto swapchainInfo = Struct<VkImageSwapchainCreateInfoKHR>(VK_STRUCTURE_TYPE_IMAGE_SWAPCHAIN_CREATE_INFO_KHR);
  swapchainInfo.swapchain = swapchain;
  VkImageCreateInfo info = ImageInfo(VK_IMAGE_TYPE_2D, VK_FORMAT_B8G8R8A8_UNORM, {160, 120, 1});
  info.usage = VK_IMAGE_USAGE_TRANSFER_DST_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT;
  info.pNext = &swapchainInfo;
  VkImage alias = VK_NULL_HANDLE;
  KT_CHECK(vkCreateImage(c.dev(), &info, nullptr, &alias));
  auto bindSwapchain = Struct<VkBindImageMemorySwapchainInfoKHR>(VK_STRUCTURE_TYPE_BIND_IMAGE_MEMORY_SWAPCHAIN_INFO_KHR);
  bindSwapchain.swapchain = swapchain;
  bindSwapchain.imageIndex = index;
  auto bind = Struct<VkBindImageMemoryInfo>(VK_STRUCTURE_TYPE_BIND_IMAGE_MEMORY_INFO);
  bind.pNext = &bindSwapchain;
  bind.image = alias;
  KT_CHECK(vkBindImageMemory2(c.dev(), 1, &bind));

  VkCommandBuffer cmd = c.pool->Allocate();
  Begin(cmd);
  ImageBarrier(cmd, alias, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 0,
               VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT);
  VkClearColorValue value{};
  value.float32[0] = 1.0f;
  value.float32[2] = 1.0f;
  value.float32[3] = 1.0f;
  const VkImageSubresourceRange range{VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
  vkCmdClearColorImage(cmd, alias, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, &value, 1, &range);
  ImageBarrier(cmd, alias, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_IMAGE_LAYOUT_PRESENT_SRC_KHR,
               VK_ACCESS_TRANSFER_WRITE_BIT, 0, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT);
  End(cmd);
  Semaphore rendered(c.dev());
  SubmitInfo submit;
  submit.commandBuffers = {cmd};
  submit.signalSemaphores = {rendered.handle()};
  KT_CHECK(Submit(c.device->queue(), submit));
  auto present = Struct<VkPresentInfoKHR>(VK_STRUCTURE_TYPE_PRESENT_INFO_KHR);
  const VkSemaphore wait = rendered.handle();
  present.waitSemaphoreCount = 1;
  present.pWaitSemaphores = &wait;
  present.swapchainCount = 1;
  present.pSwapchains = &swapchain;
  present.pImageIndices = &index;
  EXPECT_EQ(vkQueuePresentKHR(c.device->queue(), &present), VK_SUCCESS);
  KT_CHECK(vkQueueWaitIdle(c.device->queue()));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(OnKiln() ? 0 : 5);
  std::vector<uint8_t> pixels;
  do {
    x.Sync();
    pixels = x.Read(window, 160, 120);
  } while (CountWrong(pixels, {255, 0, 255}) != 0 && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(CountWrong(pixels, {255, 0, 255}), 0u);
  vkDestroyImage(c.dev(), alias, nullptr);
}

}  // namespace
}  // namespace kiln_test
