// VK_KHR_xlib_surface: an Xlib window is presented through its Display's xcb connection. Alone in
// this file because <X11/Xlib.h> (pulled in by VK_USE_PLATFORM_XLIB_KHR) defines macros such as
// None, Status and Bool.
#include "surface.h"
#include "vk_entrypoints.h"
#include "wsi/xlib.h"

using namespace kiln;

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkCreateXlibSurfaceKHR(VkInstance instance,
                                                           const VkXlibSurfaceCreateInfoKHR* pCreateInfo,
                                                           const VkAllocationCallbacks* pAllocator,
                                                           VkSurfaceKHR* pSurface) {
    return create_surface(instance, pAllocator, Surface::Platform::Xlib,
                          wsi::xcb_connection_of_display(pCreateInfo->dpy), xcb_window_t(pCreateInfo->window),
                          pSurface);
}

VKAPI_ATTR VkBool32 VKAPI_CALL kiln_vkGetPhysicalDeviceXlibPresentationSupportKHR(VkPhysicalDevice, uint32_t,
                                                                                  Display* dpy, VisualID visualID) {
    return wsi::visual_presentable(wsi::xcb_connection_of_display(dpy), xcb_visualid_t(visualID)) ? VK_TRUE
                                                                                                  : VK_FALSE;
}
