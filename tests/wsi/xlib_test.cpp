// VK_KHR_xlib_surface: an Xlib window, presented through its Display's xcb connection.
#include "wsi_harness.h"
// After gtest and the helpers: Xlib's macros (None, Bool, Status) would break them.
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <vulkan/vulkan_xlib.h>

namespace kiln_test {
namespace {

TEST(XlibSurface, FramesReachAnXlibWindow) {
  Xvfb x;
  Display* display = XOpenDisplay(x.display().c_str());
  ASSERT_NE(display, nullptr);
  const int screen = DefaultScreen(display);
  const Window window = XCreateSimpleWindow(display, RootWindow(display, screen), 0, 0, 120, 90, 0, 0, 0);
  XMapWindow(display, window);
  XSync(display, False);
  {
    WsiContext c = WsiContext::Create("", VK_KHR_XLIB_SURFACE_EXTENSION_NAME);
    EXPECT_EQ(vkGetPhysicalDeviceXlibPresentationSupportKHR(c.physical(), c.device->family, display,
                                                            XVisualIDFromVisual(DefaultVisual(display, screen))),
              VK_TRUE);
    auto info = Struct<VkXlibSurfaceCreateInfoKHR>(VK_STRUCTURE_TYPE_XLIB_SURFACE_CREATE_INFO_KHR);
    info.dpy = display;
    info.window = window;
    VkSurfaceKHR surface = VK_NULL_HANDLE;
    KT_CHECK(vkCreateXlibSurfaceKHR(c.vk(), &info, nullptr, &surface));
    EXPECT_EQ(Capabilities(c, surface).currentExtent.width, 120u);
    VkSwapchainKHR swapchain = CreateSwapchain(c, surface);
    {
      FrameLoop loop(c);
      for (Rgb colour : {Rgb{9, 99, 199}, Rgb{250, 128, 3}}) {
        EXPECT_EQ(loop.Frame(swapchain, colour), VK_SUCCESS);
        XImage* image = XGetImage(display, window, 0, 0, 120, 90, AllPlanes, ZPixmap);
        ASSERT_NE(image, nullptr);
        size_t wrong = 0;
        for (int y = 0; y < 90; ++y)
          for (int px = 0; px < 120; ++px) {
            const unsigned long p = XGetPixel(image, px, y);
            if (((p >> 16) & 0xff) != colour.r || ((p >> 8) & 0xff) != colour.g || (p & 0xff) != colour.b) ++wrong;
          }
        XDestroyImage(image);
        EXPECT_EQ(wrong, 0u);
      }
    }
    vkDestroySwapchainKHR(c.dev(), swapchain, nullptr);
    vkDestroySurfaceKHR(c.vk(), surface, nullptr);
  }
  XDestroyWindow(display, window);
  XCloseDisplay(display);
}

}  // namespace
}  // namespace kiln_test
