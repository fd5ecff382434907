// What the WSI tests share: an instance with the surface extensions and a device with
// VK_KHR_swapchain on the driver under test (or on lavapipe, for comparison), swapchain creation
// from the surface's capabilities, and one frame: acquire, clear to a colour, present.
#pragma once

#define VK_USE_PLATFORM_XCB_KHR
#include "vk_test_util.h"
#include "xvfb.h"

namespace kiln_test {

struct WsiContext {
  std::unique_ptr<Instance> instance;
  std::unique_ptr<Device> device;
  std::unique_ptr<CommandPool> pool;

  // driverFiles: "" for the driver under test, else a manifest (lavapipe's).
  static WsiContext Create(const std::string& driverFiles = "", const char* surfaceExtension =
                                                                     VK_KHR_XCB_SURFACE_EXTENSION_NAME) {
    WsiContext c;
    InstanceOptions options;
    options.extensions = {VK_KHR_SURFACE_EXTENSION_NAME, surfaceExtension};
    options.driverFiles = driverFiles;
    c.instance = Instance::Create(options);
    DeviceOptions deviceOptions;
    deviceOptions.extensions = {VK_KHR_SWAPCHAIN_EXTENSION_NAME};
    deviceOptions.queueCount = 1;
    c.device = Device::Create(*c.instance, deviceOptions);
    c.pool = std::make_unique<CommandPool>(*c.device);
    return c;
  }

  VkInstance vk() const { return instance->handle(); }
  VkDevice dev() const { return device->handle; }
  VkPhysicalDevice physical() const { return device->physical; }
};

inline VkSurfaceKHR CreateXcbSurface(const WsiContext& c, xcb_connection_t* connection, xcb_window_t window) {
  auto info = Struct<VkXcbSurfaceCreateInfoKHR>(VK_STRUCTURE_TYPE_XCB_SURFACE_CREATE_INFO_KHR);
  info.connection = connection;
  info.window = window;
  VkSurfaceKHR surface = VK_NULL_HANDLE;
  KT_CHECK(vkCreateXcbSurfaceKHR(c.vk(), &info, nullptr, &surface));
  return surface;
}

inline VkSurfaceCapabilitiesKHR Capabilities(const WsiContext& c, VkSurfaceKHR surface) {
  VkSurfaceCapabilitiesKHR caps{};
  KT_CHECK(vkGetPhysicalDeviceSurfaceCapabilitiesKHR(c.physical(), surface, &caps));
  return caps;
}

struct SwapchainOptions {
  VkExtent2D extent{0, 0};  // 0: the surface's currentExtent
  VkFormat format = VK_FORMAT_B8G8R8A8_UNORM;
  VkPresentModeKHR mode = VK_PRESENT_MODE_FIFO_KHR;
  uint32_t minImageCount = 0;  // 0: the surface's minimum
  VkSwapchainKHR oldSwapchain = VK_NULL_HANDLE;
};

inline VkResult TryCreateSwapchain(const WsiContext& c, VkSurfaceKHR surface, const SwapchainOptions& o,
                                   VkSwapchainKHR* out) {
  const VkSurfaceCapabilitiesKHR caps = Capabilities(c, surface);
  auto info = Struct<VkSwapchainCreateInfoKHR>(VK_STRUCTURE_TYPE_SWAPCHAIN_CREATE_INFO_KHR);
  info.surface = surface;
  info.minImageCount = o.minImageCount ? o.minImageCount : caps.minImageCount;
  info.imageFormat = o.format;
  info.imageColorSpace = VK_COLOR_SPACE_SRGB_NONLINEAR_KHR;
  info.imageExtent = o.extent.width ? o.extent : caps.currentExtent;
  info.imageArrayLayers = 1;
  info.imageUsage = VK_IMAGE_USAGE_TRANSFER_DST_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT;
  info.imageSharingMode = VK_SHARING_MODE_EXCLUSIVE;
  info.preTransform = VK_SURFACE_TRANSFORM_IDENTITY_BIT_KHR;
  info.compositeAlpha = VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR;
  info.presentMode = o.mode;
  info.clipped = VK_TRUE;
  info.oldSwapchain = o.oldSwapchain;
  return vkCreateSwapchainKHR(c.dev(), &info, nullptr, out);
}

inline VkSwapchainKHR CreateSwapchain(const WsiContext& c, VkSurfaceKHR surface, const SwapchainOptions& o = {}) {
  VkSwapchainKHR swapchain = VK_NULL_HANDLE;
  KT_CHECK(TryCreateSwapchain(c, surface, o, &swapchain));
  return swapchain;
}

inline std::vector<VkImage> SwapchainImages(const WsiContext& c, VkSwapchainKHR swapchain) {
  uint32_t count = 0;
  KT_CHECK(vkGetSwapchainImagesKHR(c.dev(), swapchain, &count, nullptr));
  std::vector<VkImage> images(count);
  KT_CHECK(vkGetSwapchainImagesKHR(c.dev(), swapchain, &count, images.data()));
  return images;
}

struct Rgb {
  uint8_t r, g, b;
};

inline void ImageBarrier(VkCommandBuffer cmd, VkImage image, VkImageLayout from, VkImageLayout to,
                         VkAccessFlags srcAccess, VkAccessFlags dstAccess, VkPipelineStageFlags srcStage,
                         VkPipelineStageFlags dstStage) {
  auto barrier = Struct<VkImageMemoryBarrier>(VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER);
  barrier.srcAccessMask = srcAccess;
  barrier.dstAccessMask = dstAccess;
  barrier.oldLayout = from;
  barrier.newLayout = to;
  barrier.srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
  barrier.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
  barrier.image = image;
  barrier.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
  vkCmdPipelineBarrier(cmd, srcStage, dstStage, 0, 0, nullptr, 0, nullptr, 1, &barrier);
}

// One frame: acquire (signalling a semaphore), clear the image to `colour` on the queue (waiting
// for that semaphore, signalling another), present (waiting for the second one). Returns the
// present's VkResult (or the acquire's, if that failed).
class FrameLoop {
 public:
  explicit FrameLoop(const WsiContext& c) : c_(c), acquired_(c.dev()), rendered_(c.dev()), done_(c.dev()) {
    cmd_ = c.pool->Allocate();
  }

  VkResult Frame(VkSwapchainKHR swapchain, Rgb colour, uint32_t* index = nullptr, float alpha = 1.0f) {
    uint32_t i = 0;
    VkResult r = vkAcquireNextImageKHR(c_.dev(), swapchain, kGenerousTimeoutNs, acquired_.handle(),
                                       VK_NULL_HANDLE, &i);
    if (r != VK_SUCCESS && r != VK_SUBOPTIMAL_KHR) return r;
    if (index) *index = i;
    const VkImage image = SwapchainImages(c_, swapchain).at(i);
    KT_CHECK(vkResetCommandBuffer(cmd_, 0));
    Begin(cmd_);
    ImageBarrier(cmd_, image, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 0,
                 VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT);
    VkClearColorValue value{};
    value.float32[0] = colour.r / 255.0f;
    value.float32[1] = colour.g / 255.0f;
    value.float32[2] = colour.b / 255.0f;
    value.float32[3] = alpha;
    const VkImageSubresourceRange range{VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
    vkCmdClearColorImage(cmd_, image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, &value, 1, &range);
    ImageBarrier(cmd_, image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_IMAGE_LAYOUT_PRESENT_SRC_KHR,
                 VK_ACCESS_TRANSFER_WRITE_BIT, 0, VK_PIPELINE_STAGE_TRANSFER_BIT,
                 VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT);
    End(cmd_);
    SubmitInfo submit;
    submit.commandBuffers = {cmd_};
    submit.waitSemaphores = {acquired_.handle()};
    submit.waitStages = {VK_PIPELINE_STAGE_TRANSFER_BIT};
    submit.signalSemaphores = {rendered_.handle()};
    const VkFence fence = done_.handle();
    KT_CHECK(vkResetFences(c_.dev(), 1, &fence));
    KT_CHECK(Submit(c_.device->queue(), submit, done_.handle()));
    auto present = Struct<VkPresentInfoKHR>(VK_STRUCTURE_TYPE_PRESENT_INFO_KHR);
    VkSemaphore wait = rendered_.handle();
    present.waitSemaphoreCount = 1;
    present.pWaitSemaphores = &wait;
    present.swapchainCount = 1;
    present.pSwapchains = &swapchain;
    present.pImageIndices = &i;
    VkResult perSwapchain = VK_RESULT_MAX_ENUM;
    present.pResults = &perSwapchain;
    r = vkQueuePresentKHR(c_.device->queue(), &present);
    KT_CHECK(done_.Wait());  // the command buffer is reused by the next frame
    if (perSwapchain != r) ADD_FAILURE() << "pResults[0] " << perSwapchain << " != vkQueuePresentKHR's " << r;
    return r;
  }

 private:
  const WsiContext& c_;
  Semaphore acquired_, rendered_;
  Fence done_;
  VkCommandBuffer cmd_;
};

// Counts the texels of `pixels` (B, G, R, X words) that are not `colour`.
inline size_t CountWrong(const std::vector<uint8_t>& pixels, Rgb colour) {
  size_t wrong = 0;
  for (size_t i = 0; i + 3 < pixels.size(); i += 4)
    if (pixels[i] != colour.b || pixels[i + 1] != colour.g || pixels[i + 2] != colour.r) ++wrong;
  return wrong;
}

}  // namespace kiln_test
