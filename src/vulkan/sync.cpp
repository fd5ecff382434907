// Fences, semaphores and events.
#include "sync.h"

#include <vector>

#include "device.h"
#include "vk_entrypoints.h"

using namespace kiln;

// Every sync object of a device shares the device's SyncHub.
template <typename T, typename... Args>
static VkResult create(VkDevice handle, const VkAllocationCallbacks* pAllocator, T** out, Args&&... args) {
    Device* device = Device::from(handle);
    *out = device->create_child<T>(pAllocator, device->sync_hub, std::forward<Args>(args)...);
    return *out ? VK_SUCCESS : VK_ERROR_OUT_OF_HOST_MEMORY;
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkCreateFence(VkDevice device, const VkFenceCreateInfo* pCreateInfo,
                                                  const VkAllocationCallbacks* pAllocator, VkFence* pFence) {
    Fence* fence = nullptr;
    const VkResult r = create(device, pAllocator, &fence, (pCreateInfo->flags & VK_FENCE_CREATE_SIGNALED_BIT) != 0);
    if (r == VK_SUCCESS)
        *pFence = fence->handle();
    return r;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkDestroyFence(VkDevice device, VkFence fence, const VkAllocationCallbacks* pAllocator) {
    Device::from(device)->destroy_child(pAllocator, Fence::from(fence));
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkResetFences(VkDevice, uint32_t count, const VkFence* pFences) {
    for (uint32_t i = 0; i < count; ++i)
        Fence::from(pFences[i])->state.reset();
    return VK_SUCCESS;
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkGetFenceStatus(VkDevice, VkFence fence) {
    return Fence::from(fence)->state.is_signaled() ? VK_SUCCESS : VK_NOT_READY;
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkWaitForFences(VkDevice handle, uint32_t count, const VkFence* pFences,
                                                    VkBool32 waitAll, uint64_t timeout) {
    std::vector<exec::Fence*> fences;
    try {
        fences.reserve(count);
    } catch (const std::bad_alloc&) {
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    }
    for (uint32_t i = 0; i < count; ++i)
        fences.push_back(&Fence::from(pFences[i])->state);
    return exec::wait_for_fences(Device::from(handle)->sync_hub, fences, waitAll == VK_TRUE, timeout) ? VK_SUCCESS
                                                                                                     : VK_TIMEOUT;
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkCreateSemaphore(VkDevice device, const VkSemaphoreCreateInfo*,
                                                      const VkAllocationCallbacks* pAllocator, VkSemaphore* pSemaphore) {
    Semaphore* semaphore = nullptr;
    const VkResult r = create(device, pAllocator, &semaphore);
    if (r == VK_SUCCESS)
        *pSemaphore = semaphore->handle();
    return r;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkDestroySemaphore(VkDevice device, VkSemaphore semaphore,
                                                   const VkAllocationCallbacks* pAllocator) {
    Device::from(device)->destroy_child(pAllocator, Semaphore::from(semaphore));
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkCreateEvent(VkDevice device, const VkEventCreateInfo*,
                                                  const VkAllocationCallbacks* pAllocator, VkEvent* pEvent) {
    Event* event = nullptr;
    const VkResult r = create(device, pAllocator, &event);
    if (r == VK_SUCCESS)
        *pEvent = event->handle();
    return r;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkDestroyEvent(VkDevice device, VkEvent event, const VkAllocationCallbacks* pAllocator) {
    Device::from(device)->destroy_child(pAllocator, Event::from(event));
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkGetEventStatus(VkDevice, VkEvent event) {
    return Event::from(event)->state.is_set() ? VK_EVENT_SET : VK_EVENT_RESET;
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkSetEvent(VkDevice, VkEvent event) {
    Event::from(event)->state.set();
    return VK_SUCCESS;
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkResetEvent(VkDevice, VkEvent event) {
    Event::from(event)->state.reset();
    return VK_SUCCESS;
}
