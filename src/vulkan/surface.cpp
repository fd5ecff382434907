// VK_KHR_surface, VK_KHR_xcb_surface and VK_EXT_headless_surface: surface creation and the
// physical-device surface queries. (Xlib surfaces: surface_xlib.cpp, to keep Xlib's macros out.)
#include "surface.h"

#include "enumerate.h"
#include "instance.h"
#include "physical_device.h"
#include "vk_entrypoints.h"

namespace kiln {

VkResult create_surface(VkInstance handle, const VkAllocationCallbacks* pAllocator, Surface::Platform platform,
                        xcb_connection_t* connection, xcb_window_t window, VkSurfaceKHR* pSurface) {
    Instance* instance = Instance::from(handle);
    Surface* surface = create_object<Surface>(HostAllocator(pAllocator, instance->allocator.callbacks()),
                                              VK_SYSTEM_ALLOCATION_SCOPE_OBJECT, platform, connection, window);
    if (!surface)
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    *pSurface = surface->handle();
    return VK_SUCCESS;
}

VkImageUsageFlags swapchain_usage(VkPhysicalDevice physical_device) {
    // Usages Kiln's images support grow with the engines (attachments come with the rasterizer):
    // ask the same question vkCreateImage will, for every surface format.
    constexpr VkImageUsageFlagBits candidates[] = {
        VK_IMAGE_USAGE_TRANSFER_SRC_BIT, VK_IMAGE_USAGE_TRANSFER_DST_BIT,     VK_IMAGE_USAGE_SAMPLED_BIT,
        VK_IMAGE_USAGE_STORAGE_BIT,      VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT, VK_IMAGE_USAGE_INPUT_ATTACHMENT_BIT};
    VkImageUsageFlags usage = 0;
    for (VkImageUsageFlagBits bit : candidates) {
        bool everywhere = true;
        for (const VkSurfaceFormatKHR& f : kSurfaceFormats) {
            VkImageFormatProperties p;
            everywhere = everywhere && kiln_vkGetPhysicalDeviceImageFormatProperties(
                                           physical_device, f.format, VK_IMAGE_TYPE_2D, VK_IMAGE_TILING_OPTIMAL, bit,
                                           0, &p) == VK_SUCCESS;
        }
        if (everywhere)
            usage |= bit;
    }
    return usage;
}

}  // namespace kiln

using namespace kiln;

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkCreateXcbSurfaceKHR(VkInstance instance,
                                                          const VkXcbSurfaceCreateInfoKHR* pCreateInfo,
                                                          const VkAllocationCallbacks* pAllocator,
                                                          VkSurfaceKHR* pSurface) {
    return create_surface(instance, pAllocator, Surface::Platform::Xcb, pCreateInfo->connection, pCreateInfo->window,
                          pSurface);
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkCreateHeadlessSurfaceEXT(VkInstance instance,
                                                               const VkHeadlessSurfaceCreateInfoEXT*,
                                                               const VkAllocationCallbacks* pAllocator,
                                                               VkSurfaceKHR* pSurface) {
    return create_surface(instance, pAllocator, Surface::Platform::Headless, nullptr, 0, pSurface);
}

VKAPI_ATTR void VKAPI_CALL kiln_vkDestroySurfaceKHR(VkInstance handle, VkSurfaceKHR surface,
                                                    const VkAllocationCallbacks* pAllocator) {
    Instance* instance = Instance::from(handle);
    destroy_object(HostAllocator(pAllocator, instance->allocator.callbacks()), Surface::from(surface));
}

VKAPI_ATTR VkBool32 VKAPI_CALL kiln_vkGetPhysicalDeviceXcbPresentationSupportKHR(VkPhysicalDevice, uint32_t,
                                                                                 xcb_connection_t* connection,
                                                                                 xcb_visualid_t visual_id) {
    return wsi::visual_presentable(connection, visual_id) ? VK_TRUE : VK_FALSE;
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkGetPhysicalDeviceSurfaceSupportKHR(VkPhysicalDevice, uint32_t,
                                                                         VkSurfaceKHR handle, VkBool32* pSupported) {
    Surface* surface = Surface::from(handle);
    if (surface->headless()) {
        *pSupported = VK_TRUE;
        return VK_SUCCESS;
    }
    wsi::WindowGeometry geometry;
    if (surface->window.geometry(&geometry) != wsi::Outcome::Ok)
        return VK_ERROR_SURFACE_LOST_KHR;
    *pSupported = surface->window.presentable() ? VK_TRUE : VK_FALSE;
    return VK_SUCCESS;
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkGetPhysicalDeviceSurfaceCapabilitiesKHR(VkPhysicalDevice physical_device,
                                                                              VkSurfaceKHR handle,
                                                                              VkSurfaceCapabilitiesKHR* pCaps) {
    Surface* surface = Surface::from(handle);
    VkSurfaceCapabilitiesKHR caps{};
    caps.minImageCount = kMinSwapchainImages;
    caps.maxImageCount = kMaxSwapchainImages;
    const uint32_t max_dimension = PhysicalDevice::from(physical_device)->properties.limits.maxImageDimension2D;
    if (surface->headless()) {
        // A headless surface has no size: the swapchain's extent decides (0xFFFFFFFF says so).
        caps.currentExtent = {0xFFFFFFFFu, 0xFFFFFFFFu};
        caps.minImageExtent = {1, 1};
        caps.maxImageExtent = {max_dimension, max_dimension};
    } else {
        // An X11 window's swapchain must match the window, as the copy to it is not scaled.
        wsi::WindowGeometry geometry;
        if (surface->window.geometry(&geometry) != wsi::Outcome::Ok)
            return VK_ERROR_SURFACE_LOST_KHR;
        caps.currentExtent = {geometry.width, geometry.height};
        caps.minImageExtent = caps.currentExtent;
        caps.maxImageExtent = caps.currentExtent;
    }
    caps.maxImageArrayLayers = 1;
    caps.supportedTransforms = VK_SURFACE_TRANSFORM_IDENTITY_BIT_KHR;
    caps.currentTransform = VK_SURFACE_TRANSFORM_IDENTITY_BIT_KHR;
    caps.supportedCompositeAlpha = VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR;
    caps.supportedUsageFlags = swapchain_usage(physical_device);
    *pCaps = caps;
    return VK_SUCCESS;
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkGetPhysicalDeviceSurfaceFormatsKHR(VkPhysicalDevice, VkSurfaceKHR handle,
                                                                         uint32_t* pCount,
                                                                         VkSurfaceFormatKHR* pFormats) {
    Surface* surface = Surface::from(handle);
    wsi::WindowGeometry geometry;
    if (!surface->headless() && surface->window.geometry(&geometry) != wsi::Outcome::Ok)
        return VK_ERROR_SURFACE_LOST_KHR;
    return enumerate(uint32_t(kSurfaceFormats.size()), pCount, pFormats,
                     [](uint32_t i, VkSurfaceFormatKHR& f) { f = kSurfaceFormats[i]; });
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkGetPhysicalDeviceSurfacePresentModesKHR(VkPhysicalDevice, VkSurfaceKHR handle,
                                                                              uint32_t* pCount,
                                                                              VkPresentModeKHR* pModes) {
    Surface* surface = Surface::from(handle);
    wsi::WindowGeometry geometry;
    if (!surface->headless() && surface->window.geometry(&geometry) != wsi::Outcome::Ok)
        return VK_ERROR_SURFACE_LOST_KHR;
    return enumerate(uint32_t(kPresentModes.size()), pCount, pModes,
                     [](uint32_t i, VkPresentModeKHR& m) { m = kPresentModes[i]; });
}

// One device, presenting the whole window: the rectangle is the window (VK_KHR_swapchain with 1.1).
VKAPI_ATTR VkResult VKAPI_CALL kiln_vkGetPhysicalDevicePresentRectanglesKHR(VkPhysicalDevice, VkSurfaceKHR handle,
                                                                            uint32_t* pCount, VkRect2D* pRects) {
    Surface* surface = Surface::from(handle);
    if (surface->headless())  // no size, so no area: nothing to report
        return enumerate(0u, pCount, pRects, [](uint32_t, VkRect2D&) {});
    wsi::WindowGeometry geometry;
    if (surface->window.geometry(&geometry) != wsi::Outcome::Ok)
        return VK_ERROR_SURFACE_LOST_KHR;
    return enumerate(1u, pCount, pRects, [&](uint32_t, VkRect2D& r) {
        r = {{0, 0}, {geometry.width, geometry.height}};
    });
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkGetDeviceGroupSurfacePresentModesKHR(VkDevice, VkSurfaceKHR,
                                                                           VkDeviceGroupPresentModeFlagsKHR* pModes) {
    *pModes = VK_DEVICE_GROUP_PRESENT_MODE_LOCAL_BIT_KHR;
    return VK_SUCCESS;
}
