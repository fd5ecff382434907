// VK_KHR_swapchain: create, acquire, present.
//
// Presentation is synchronous: vkQueuePresentKHR waits for the queue's earlier work (and the wait
// semaphores), copies the image to the window and returns it to the swapchain before returning.
// So an image is never "queued for presentation", and acquire never waits for one unless every
// image is held by the application. The present modes then differ in nothing observable:
//  * FIFO: every presented image is shown, in order, and none tears. Xvfb has no vblank to wait
//    for; showing each image synchronously, in order, is that contract.
//  * MAILBOX: the newest image replaces a waiting one; none ever waits here.
//  * IMMEDIATE: may tear; showing at once without tearing is allowed.
#include "swapchain.h"

#include <algorithm>
#include <chrono>

#include "device.h"
#include "device_memory.h"
#include "enumerate.h"
#include "image.h"
#include "physical_device.h"
#include "sync.h"
#include "vk_entrypoints.h"

namespace kiln {

Swapchain::~Swapchain() {
    const VkDevice d = device.handle();
    for (Slot& slot : slots) {
        kiln_vkDestroyImage(d, slot.image, nullptr);
        kiln_vkFreeMemory(d, slot.memory, nullptr);
    }
}

VkResult Swapchain::init(const VkSwapchainCreateInfoKHR& info) {
    const VkDevice d = device.handle();
    VkImageCreateInfo image_info{};
    image_info.sType = VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO;
    image_info.imageType = VK_IMAGE_TYPE_2D;
    image_info.format = info.imageFormat;
    image_info.extent = {info.imageExtent.width, info.imageExtent.height, 1};
    image_info.mipLevels = 1;
    image_info.arrayLayers = info.imageArrayLayers;
    image_info.samples = VK_SAMPLE_COUNT_1_BIT;
    image_info.tiling = VK_IMAGE_TILING_OPTIMAL;
    image_info.usage = info.imageUsage;
    image_info.sharingMode = info.imageSharingMode;
    image_info.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED;
    const uint32_t count = std::max(info.minImageCount, kMinSwapchainImages);
    try {
        slots.resize(count);
    } catch (const std::bad_alloc&) {
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    }
    for (Slot& slot : slots) {
        if (VkResult r = kiln_vkCreateImage(d, &image_info, nullptr, &slot.image); r != VK_SUCCESS)
            return r;
        VkMemoryRequirements requirements;
        kiln_vkGetImageMemoryRequirements(d, slot.image, &requirements);
        VkMemoryAllocateInfo allocate{};
        allocate.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
        allocate.allocationSize = requirements.size;
        allocate.memoryTypeIndex = uint32_t(__builtin_ctz(requirements.memoryTypeBits));
        if (VkResult r = kiln_vkAllocateMemory(d, &allocate, nullptr, &slot.memory); r != VK_SUCCESS)
            return r;
        if (VkResult r = kiln_vkBindImageMemory(d, slot.image, slot.memory, 0); r != VK_SUCCESS)
            return r;
    }
    if (surface.headless())
        return VK_SUCCESS;
    switch (wsi::X11Presenter::create(surface.window, extent.width, extent.height, &presenter_)) {
    case wsi::Outcome::Ok:
        return VK_SUCCESS;
    case wsi::Outcome::Lost:
        return VK_ERROR_SURFACE_LOST_KHR;
    case wsi::Outcome::OutOfHostMemory:
        break;
    }
    return VK_ERROR_OUT_OF_HOST_MEMORY;
}

void Swapchain::retire() {
    std::lock_guard lock(mutex_);
    retired_ = true;
}

VkResult Swapchain::window_state(wsi::WindowGeometry* geometry) const {
    if (surface.headless())
        return VK_SUCCESS;  // no size to fall out of date with
    if (surface.window.geometry(geometry) != wsi::Outcome::Ok)
        return VK_ERROR_SURFACE_LOST_KHR;
    // The copy to the window is not scaled: a swapchain of another size can no longer present.
    // (The spec allows OUT_OF_DATE here, as currentExtent is the window's size; Kiln never says
    // SUBOPTIMAL, as the extent is the only surface property that can change.)
    if (geometry->width != extent.width || geometry->height != extent.height)
        return VK_ERROR_OUT_OF_DATE_KHR;
    return VK_SUCCESS;
}

VkResult Swapchain::acquire(uint64_t timeout, VkSemaphore semaphore, VkFence fence, uint32_t* index) {
    {
        std::lock_guard lock(mutex_);
        if (retired_)
            return VK_ERROR_OUT_OF_DATE_KHR;
    }
    wsi::WindowGeometry geometry;
    if (VkResult r = window_state(&geometry); r != VK_SUCCESS)
        return r;
    std::unique_lock lock(mutex_);
    auto free_slot = [&] {
        for (size_t i = 0; i < slots.size(); ++i)
            if (!slots[i].acquired)
                return int(i);
        return -1;
    };
    int slot = free_slot();
    if (slot < 0) {
        // Every image is the application's: only a present from another thread can give one back.
        if (timeout == 0)
            return VK_NOT_READY;
        auto available = [&] { return (slot = free_slot()) >= 0; };
        if (timeout == UINT64_MAX)
            released_.wait(lock, available);
        else if (!released_.wait_for(lock, std::chrono::nanoseconds(std::min<uint64_t>(timeout, INT64_MAX)),
                                     available))
            return VK_TIMEOUT;
    }
    slots[size_t(slot)].acquired = true;
    lock.unlock();
    // The image is not in use by presentation once acquired (present is synchronous): signal now.
    if (semaphore != VK_NULL_HANDLE)
        Semaphore::from(semaphore)->state.signal();
    if (fence != VK_NULL_HANDLE)
        Fence::from(fence)->state.signal();
    *index = uint32_t(slot);
    return VK_SUCCESS;
}

VkResult Swapchain::present(uint32_t index) {
    {
        std::lock_guard lock(mutex_);
        // VUID-VkPresentInfoKHR-pImageIndices-01430: the image must be acquired. Refused, not shown.
        if (index >= slots.size() || !slots[index].acquired)
            return VK_ERROR_UNKNOWN;
    }
    VkResult result = VK_SUCCESS;
    wsi::WindowGeometry geometry;
    if (presenter_) {
        result = window_state(&geometry);
        if (result == VK_SUCCESS) {
            const Image* image = Image::from(slots[index].image);
            const uint64_t row_pitch = image->layout.plane(0).mips[0].row_pitch;
            switch (presenter_->present(image->address(), row_pitch, geometry.depth)) {
            case wsi::Outcome::Ok:
                break;
            case wsi::Outcome::Lost:
                result = VK_ERROR_SURFACE_LOST_KHR;
                break;
            case wsi::Outcome::OutOfHostMemory:
                result = VK_ERROR_OUT_OF_HOST_MEMORY;
                break;
            }
        }
    }
    // Shown or refused, the image goes back to the swapchain: the spec counts a rejected
    // presentation as enqueued, and the application may not use the image again without acquiring it.
    {
        std::lock_guard lock(mutex_);
        slots[index].acquired = false;
    }
    released_.notify_all();
    return result;
}

// Worst first: the result vkQueuePresentKHR returns when swapchains disagree.
static int severity(VkResult r) {
    switch (r) {
    case VK_SUCCESS:
        return 0;
    case VK_SUBOPTIMAL_KHR:
        return 1;
    case VK_ERROR_OUT_OF_DATE_KHR:
        return 2;
    case VK_ERROR_SURFACE_LOST_KHR:
        return 3;
    default:
        return 4;
    }
}

}  // namespace kiln

using namespace kiln;

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkCreateSwapchainKHR(VkDevice handle, const VkSwapchainCreateInfoKHR* pCreateInfo,
                                                         const VkAllocationCallbacks* pAllocator,
                                                         VkSwapchainKHR* pSwapchain) {
    Device* device = Device::from(handle);
    Surface* surface = Surface::from(pCreateInfo->surface);
    Swapchain* old = Swapchain::from(pCreateInfo->oldSwapchain);
    // The old swapchain is retired even when this creation fails (vkCreateSwapchainKHR).
    if (old)
        old->retire();
    {
        std::lock_guard lock(surface->mutex);
        if (surface->current_swapchain == old)
            surface->current_swapchain = nullptr;
        if (surface->current_swapchain)
            return VK_ERROR_NATIVE_WINDOW_IN_USE_KHR;
    }
    // Parameters outside what the surface queries report are invalid usage; Kiln refuses them.
    const VkSwapchainCreateInfoKHR& info = *pCreateInfo;
    const bool format_ok = std::any_of(kSurfaceFormats.begin(), kSurfaceFormats.end(), [&](const VkSurfaceFormatKHR& f) {
        return f.format == info.imageFormat && f.colorSpace == info.imageColorSpace;
    });
    const bool mode_ok = std::find(kPresentModes.begin(), kPresentModes.end(), info.presentMode) != kPresentModes.end();
    if (!format_ok || !mode_ok || info.flags != 0 || info.imageArrayLayers != 1 ||
        info.minImageCount > kMaxSwapchainImages || info.imageExtent.width == 0 || info.imageExtent.height == 0 ||
        (info.imageUsage & ~swapchain_usage(device->physical_device.handle())) ||
        info.preTransform != VK_SURFACE_TRANSFORM_IDENTITY_BIT_KHR ||
        info.compositeAlpha != VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR)
        return VK_ERROR_INITIALIZATION_FAILED;
    if (!surface->headless()) {
        wsi::WindowGeometry geometry;
        if (surface->window.geometry(&geometry) != wsi::Outcome::Ok)
            return VK_ERROR_SURFACE_LOST_KHR;
    }
    Swapchain* swapchain = device->create_child<Swapchain>(pAllocator, *device, *surface, info);
    if (!swapchain)
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    if (VkResult r = swapchain->init(info); r != VK_SUCCESS) {
        device->destroy_child(pAllocator, swapchain);
        return r;
    }
    {
        std::lock_guard lock(surface->mutex);
        if (surface->current_swapchain) {  // another thread won the surface meanwhile
            device->destroy_child(pAllocator, swapchain);
            return VK_ERROR_NATIVE_WINDOW_IN_USE_KHR;
        }
        surface->current_swapchain = swapchain;
    }
    *pSwapchain = swapchain->handle();
    return VK_SUCCESS;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkDestroySwapchainKHR(VkDevice handle, VkSwapchainKHR swapchainHandle,
                                                      const VkAllocationCallbacks* pAllocator) {
    Swapchain* swapchain = Swapchain::from(swapchainHandle);
    if (!swapchain)
        return;
    {
        std::lock_guard lock(swapchain->surface.mutex);
        if (swapchain->surface.current_swapchain == swapchain)
            swapchain->surface.current_swapchain = nullptr;
    }
    Device::from(handle)->destroy_child(pAllocator, swapchain);
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkGetSwapchainImagesKHR(VkDevice, VkSwapchainKHR handle, uint32_t* pCount,
                                                            VkImage* pImages) {
    const Swapchain* swapchain = Swapchain::from(handle);
    return enumerate(uint32_t(swapchain->slots.size()), pCount, pImages,
                     [&](uint32_t i, VkImage& image) { image = swapchain->slots[i].image; });
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkAcquireNextImageKHR(VkDevice, VkSwapchainKHR swapchain, uint64_t timeout,
                                                          VkSemaphore semaphore, VkFence fence,
                                                          uint32_t* pImageIndex) {
    return Swapchain::from(swapchain)->acquire(timeout, semaphore, fence, pImageIndex);
}

// One physical device: deviceMask is 1 (VUID-VkAcquireNextImageInfoKHR-deviceMask-01290).
VKAPI_ATTR VkResult VKAPI_CALL kiln_vkAcquireNextImage2KHR(VkDevice, const VkAcquireNextImageInfoKHR* pAcquireInfo,
                                                           uint32_t* pImageIndex) {
    return Swapchain::from(pAcquireInfo->swapchain)
        ->acquire(pAcquireInfo->timeout, pAcquireInfo->semaphore, pAcquireInfo->fence, pImageIndex);
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkQueuePresentKHR(VkQueue handle, const VkPresentInfoKHR* pPresentInfo) {
    Queue* queue = Queue::from(handle);
    Device& device = queue->device;
    // The presentation waits for the semaphores, and so for the queue work that signals them, by
    // running as the queue's next batch: when its fence signals, everything before it is done.
    exec::Fence done(device.sync_hub, false);
    std::vector<exec::Submission> batch;
    try {
        batch.resize(1);
        for (uint32_t i = 0; i < pPresentInfo->waitSemaphoreCount; ++i)
            batch[0].waits.push_back(&Semaphore::from(pPresentInfo->pWaitSemaphores[i])->state);
    } catch (const std::bad_alloc&) {
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    }
    batch[0].fence = &done;
    if (!queue->engine.submit(batch))
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    exec::Fence* fences[] = {&done};
    exec::wait_for_fences(device.sync_hub, fences, true, UINT64_MAX);

    VkResult worst = VK_SUCCESS;
    for (uint32_t i = 0; i < pPresentInfo->swapchainCount; ++i) {
        const VkResult r =
            Swapchain::from(pPresentInfo->pSwapchains[i])->present(pPresentInfo->pImageIndices[i]);
        if (pPresentInfo->pResults)
            pPresentInfo->pResults[i] = r;
        if (severity(r) > severity(worst))
            worst = r;
    }
    return worst;
}

// One physical device, presenting its own images (VK_KHR_swapchain with Vulkan 1.1).
VKAPI_ATTR VkResult VKAPI_CALL kiln_vkGetDeviceGroupPresentCapabilitiesKHR(
    VkDevice, VkDeviceGroupPresentCapabilitiesKHR* pCapabilities) {
    for (uint32_t& mask : pCapabilities->presentMask)
        mask = 0;
    pCapabilities->presentMask[0] = 1;
    pCapabilities->modes = VK_DEVICE_GROUP_PRESENT_MODE_LOCAL_BIT_KHR;
    return VK_SUCCESS;
}
