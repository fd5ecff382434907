// VkSwapchainKHR: Kiln images (so every engine can write them) handed out by acquire and copied
// to the surface's window by present.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "object.h"
#include "surface.h"
#include "wsi/x11_presenter.h"

namespace kiln {

class Device;

class Swapchain {
public:
    static Swapchain* from(VkSwapchainKHR handle) { return reinterpret_cast<Swapchain*>(handle); }
    VkSwapchainKHR handle() { return reinterpret_cast<VkSwapchainKHR>(this); }

    Swapchain(Device& device, Surface& surface, const VkSwapchainCreateInfoKHR& info)
        : device(device), surface(surface), extent(info.imageExtent), format(info.imageFormat),
          present_mode(info.presentMode) {}
    ~Swapchain();

    // Creates the images and, for a window, the presenter.
    VkResult init(const VkSwapchainCreateInfoKHR& info);
    // Marks the swapchain retired: acquire then answers VK_ERROR_OUT_OF_DATE_KHR; images already
    // acquired may still be presented.
    void retire();

    VkResult acquire(uint64_t timeout, VkSemaphore semaphore, VkFence fence, uint32_t* index);
    // Shows image `index` (the queue's earlier work is complete) and gives it back.
    VkResult present(uint32_t index);

    Device& device;
    Surface& surface;
    const VkExtent2D extent;
    const VkFormat format;
    const VkPresentModeKHR present_mode;

    struct Slot {
        VkImage image = VK_NULL_HANDLE;
        VkDeviceMemory memory = VK_NULL_HANDLE;
        bool acquired = false;
    };
    std::vector<Slot> slots;

private:
    // The state of the window against this swapchain: SUCCESS, OUT_OF_DATE or SURFACE_LOST.
    VkResult window_state(wsi::WindowGeometry* geometry) const;

    std::mutex mutex_;
    std::condition_variable released_;  // an image was given back by present
    bool retired_ = false;
    std::unique_ptr<wsi::X11Presenter> presenter_;  // NULL for a headless surface
};

}  // namespace kiln
