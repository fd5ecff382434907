// VkSurfaceKHR: Kiln creates surfaces itself (loader interface >= 3), so the handle the loader
// passes back is this object. An xcb or Xlib window (both presented through xcb), or headless.
#pragma once

#include <array>
#include <mutex>

#include "object.h"
#include "wsi/x11_window.h"

namespace kiln {

class Swapchain;

class Surface {
public:
    static Surface* from(VkSurfaceKHR handle) { return reinterpret_cast<Surface*>(handle); }
    VkSurfaceKHR handle() { return reinterpret_cast<VkSurfaceKHR>(this); }

    enum class Platform { Xcb, Xlib, Headless };
    // `connection` and `window` are unused for a headless surface.
    Surface(Platform platform, xcb_connection_t* connection, xcb_window_t window)
        : platform(platform), window(connection, window) {}

    bool headless() const { return platform == Platform::Headless; }

    const Platform platform;
    const wsi::X11Window window;
    // The surface's one non-retired swapchain (VK_ERROR_NATIVE_WINDOW_IN_USE_KHR for a second one).
    std::mutex mutex;
    Swapchain* current_swapchain = nullptr;
};

// The formats Kiln presents: B8G8R8A8 is the byte order of a 32-bit X11 TrueColor pixel, so the
// image is copied as it is. R8G8B8A8 would need a swizzle and is not offered.
inline constexpr std::array<VkSurfaceFormatKHR, 2> kSurfaceFormats = {{
    {VK_FORMAT_B8G8R8A8_SRGB, VK_COLOR_SPACE_SRGB_NONLINEAR_KHR},
    {VK_FORMAT_B8G8R8A8_UNORM, VK_COLOR_SPACE_SRGB_NONLINEAR_KHR},
}};

inline constexpr std::array<VkPresentModeKHR, 3> kPresentModes = {
    VK_PRESENT_MODE_FIFO_KHR, VK_PRESENT_MODE_IMMEDIATE_KHR, VK_PRESENT_MODE_MAILBOX_KHR};

inline constexpr uint32_t kMinSwapchainImages = 2;
inline constexpr uint32_t kMaxSwapchainImages = 8;

// Creates a surface in the instance's memory (or pAllocator's).
VkResult create_surface(VkInstance instance, const VkAllocationCallbacks* pAllocator, Surface::Platform platform,
                        xcb_connection_t* connection, xcb_window_t window, VkSurfaceKHR* pSurface);

// The usage every swapchain image may have: what Kiln's images of every surface format support.
VkImageUsageFlags swapchain_usage(VkPhysicalDevice physical_device);

}  // namespace kiln
