// vkCreateDevice, queues and submission.
#include "device.h"

#include <cstring>
#include <vector>

#include "command_buffer.h"
#include "instance.h"
#include "physical_device.h"
#include "sync.h"
#include "vk_entrypoints.h"

namespace kiln {

Device::Device(PhysicalDevice& physical_device, const HostAllocator& allocator, uint32_t api_version,
               const gen::DeviceExtensionSet& extensions)
    : physical_device(physical_device), allocator(allocator), api_version(api_version), extensions(extensions),
      memory_account(physical_device.heap_size, kMaxMemoryAllocationCount), object_names(allocator) {
    physical_device.add_device(this);
}

Device::~Device() {
    physical_device.remove_device(this);
    for (uint32_t i = 0; i < queue_count; ++i)
        destroy_object(allocator, queues[i]);  // joins each worker after its work is done
}

void Device::wait_idle() {
    for (uint32_t i = 0; i < queue_count; ++i)
        queues[i]->engine.wait_idle();
}

// True when a feature structure asks for a member Kiln does not implement: its VkBool32 members
// (up to f.end: the padding after them is not the application's to fill, and a layer's copy may hold
// anything there) are compared with the structure fill_supported_features answers for its sType.
static bool beyond_supported(const VkBaseInStructure& requested, const gen::FeatureStruct& f) {
    // On the stack (no allocation that could throw here); a structure larger than this buffer is
    // compared with all VK_FALSE, as Kiln supports nothing in any such structure.
    alignas(VkBaseOutStructure) char supported[2048] = {};
    if (f.size <= sizeof supported) {
        auto* s = reinterpret_cast<VkBaseOutStructure*>(supported);
        s->sType = requested.sType;
        fill_supported_features(s);
    }
    const auto* r = reinterpret_cast<const char*>(&requested);
    for (size_t at = sizeof(VkBaseInStructure); at + sizeof(VkBool32) <= f.end; at += sizeof(VkBool32)) {
        VkBool32 want, have = VK_FALSE;
        std::memcpy(&want, r + at, sizeof want);
        if (at + sizeof have <= sizeof supported)
            std::memcpy(&have, supported + at, sizeof have);
        if (want && !have)
            return true;
    }
    return false;
}

// True when `requested` asks for a core feature Kiln does not implement (supported_features()).
static bool beyond_supported(const VkPhysicalDeviceFeatures& requested) {
    const VkPhysicalDeviceFeatures supported = supported_features();
    const auto* r = reinterpret_cast<const VkBool32*>(&requested);
    const auto* s = reinterpret_cast<const VkBool32*>(&supported);
    for (size_t i = 0; i < sizeof(VkPhysicalDeviceFeatures) / sizeof(VkBool32); ++i)
        if (r[i] && !s[i])
            return true;
    return false;
}

// Asking for a feature Kiln does not implement is VK_ERROR_FEATURE_NOT_PRESENT: the core ones
// beyond supported_features(), and in every feature structure the registry describes
// (gen::feature_struct) any VK_TRUE that fill_supported_features does not answer.
static bool requests_unsupported_feature(const VkDeviceCreateInfo& info) {
    if (info.pEnabledFeatures && beyond_supported(*info.pEnabledFeatures))
        return true;
    for (auto* s = static_cast<const VkBaseInStructure*>(info.pNext); s; s = s->pNext) {
        if (s->sType == VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2) {
            if (beyond_supported(reinterpret_cast<const VkPhysicalDeviceFeatures2*>(s)->features))
                return true;
        } else if (const gen::FeatureStruct* f = gen::feature_struct(s->sType)) {
            if (beyond_supported(*s, *f))
                return true;
        }
    }
    return false;
}

}  // namespace kiln

using namespace kiln;

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkCreateDevice(VkPhysicalDevice physicalDevice,
                                                   const VkDeviceCreateInfo* pCreateInfo,
                                                   const VkAllocationCallbacks* pAllocator, VkDevice* pDevice) {
    PhysicalDevice* pd = PhysicalDevice::from(physicalDevice);
    gen::DeviceExtensionSet enabled;
    for (uint32_t i = 0; i < pCreateInfo->enabledExtensionCount; ++i) {
        const int index = find_device_extension(pCreateInfo->ppEnabledExtensionNames[i]);
        if (index < 0 || !pd->extensions.test(size_t(index)))
            return VK_ERROR_EXTENSION_NOT_PRESENT;
        enabled.set(size_t(index));
    }
    if (requests_unsupported_feature(*pCreateInfo))
        return VK_ERROR_FEATURE_NOT_PRESENT;
    for (uint32_t i = 0; i < pCreateInfo->queueCreateInfoCount; ++i) {
        const VkDeviceQueueCreateInfo& q = pCreateInfo->pQueueCreateInfos[i];
        // Invalid usage (VUID-VkDeviceQueueCreateInfo-queueFamilyIndex-00381, -queueCount-00382):
        // refused rather than trusted.
        if (q.queueFamilyIndex != 0 || q.queueCount == 0 || q.queueCount > kQueueCount)
            return VK_ERROR_INITIALIZATION_FAILED;
    }

    const HostAllocator allocator(pAllocator, pd->instance.allocator.callbacks());
    const uint32_t app_version = pd->instance.api_version;
    const uint32_t api_version = VK_MAKE_API_VERSION(0, VK_API_VERSION_MAJOR(app_version), VK_API_VERSION_MINOR(app_version), 0) <
                                         VK_MAKE_API_VERSION(0, 1, 1, 0)
                                     ? VK_API_VERSION_1_0
                                     : VK_API_VERSION_1_1;
    Device* device = create_object<Device>(allocator, VK_SYSTEM_ALLOCATION_SCOPE_DEVICE, *pd, allocator,
                                           api_version, enabled);
    if (!device)
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    for (uint32_t i = 0; i < pCreateInfo->queueCreateInfoCount; ++i) {
        const VkDeviceQueueCreateInfo& q = pCreateInfo->pQueueCreateInfos[i];
        for (uint32_t n = 0; n < q.queueCount; ++n) {
            Queue* queue = create_object<Queue>(allocator, VK_SYSTEM_ALLOCATION_SCOPE_DEVICE, *device,
                                                device->sync_hub, n, q.flags);
            if (!queue) {
                destroy_object(allocator, device);
                return VK_ERROR_OUT_OF_HOST_MEMORY;
            }
            device->queues[device->queue_count++] = queue;
        }
    }
    strict_track_device(*device);
    *pDevice = device->handle();
    return VK_SUCCESS;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkDestroyDevice(VkDevice handle, const VkAllocationCallbacks* pAllocator) {
    Device* device = Device::from(handle);
    if (!device)
        return;
    strict_untrack_device(*device);
    const HostAllocator allocator = device->allocator;
    destroy_object(allocator, device);
}

VKAPI_ATTR void VKAPI_CALL kiln_vkGetDeviceQueue(VkDevice handle, uint32_t family, uint32_t index, VkQueue* pQueue) {
    Device* device = Device::from(handle);
    *pQueue = VK_NULL_HANDLE;
    for (uint32_t i = 0; i < device->queue_count; ++i)
        if (device->queues[i]->index == index && device->queues[i]->flags == 0 && family == 0)
            *pQueue = device->queues[i]->handle();
}

VKAPI_ATTR void VKAPI_CALL kiln_vkGetDeviceQueue2(VkDevice handle, const VkDeviceQueueInfo2* pInfo, VkQueue* pQueue) {
    Device* device = Device::from(handle);
    *pQueue = VK_NULL_HANDLE;
    for (uint32_t i = 0; i < device->queue_count; ++i)
        if (device->queues[i]->index == pInfo->queueIndex && device->queues[i]->flags == pInfo->flags &&
            pInfo->queueFamilyIndex == 0)
            *pQueue = device->queues[i]->handle();
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkDeviceWaitIdle(VkDevice handle) {
    Device::from(handle)->wait_idle();
    return VK_SUCCESS;
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkQueueWaitIdle(VkQueue handle) {
    Queue::from(handle)->engine.wait_idle();
    return VK_SUCCESS;
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkQueueSubmit(VkQueue handle, uint32_t submitCount, const VkSubmitInfo* pSubmits,
                                                  VkFence fence) {
    Queue* queue = Queue::from(handle);
    std::vector<exec::Submission> batches;
    try {
        batches.resize(submitCount ? submitCount : 1);
        for (uint32_t i = 0; i < submitCount; ++i) {
            const VkSubmitInfo& info = pSubmits[i];
            exec::Submission& batch = batches[i];
            for (uint32_t w = 0; w < info.waitSemaphoreCount; ++w)
                batch.waits.push_back(&Semaphore::from(info.pWaitSemaphores[w])->state);
            for (uint32_t c = 0; c < info.commandBufferCount; ++c)
                batch.streams.push_back(&CommandBuffer::from(info.pCommandBuffers[c])->stream);
            for (uint32_t s = 0; s < info.signalSemaphoreCount; ++s)
                batch.signals.push_back(&Semaphore::from(info.pSignalSemaphores[s])->state);
        }
    } catch (const std::bad_alloc&) {
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    }
    if (fence != VK_NULL_HANDLE)
        batches.back().fence = &Fence::from(fence)->state;
    // Pending before the worker can see them, so that their state reads "pending" at once.
    for (exec::Submission& batch : batches)
        for (exec::CommandStream* stream : batch.streams)
            stream->pending.fetch_add(1, std::memory_order_acq_rel);
    for (uint32_t i = 0; i < submitCount; ++i)
        for (uint32_t c = 0; c < pSubmits[i].commandBufferCount; ++c) {
            CommandBuffer* cb = CommandBuffer::from(pSubmits[i].pCommandBuffers[c]);
            if (cb->usage & VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT)
                cb->state = CommandBuffer::State::Invalid;  // one-time buffers end invalid
        }
    if (!queue->engine.submit(batches)) {
        // Refused before taking anything (no worker thread): the batches are still ours.
        for (exec::Submission& batch : batches)
            for (exec::CommandStream* stream : batch.streams)
                stream->pending.fetch_sub(1, std::memory_order_acq_rel);
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    }
    return VK_SUCCESS;
}

// Device groups: Kiln's groups hold one device, so there is never a peer
// (VUID-vkGetDeviceGroupPeerMemoryFeatures-localDeviceIndex-00692 forbids asking about oneself).
VKAPI_ATTR void VKAPI_CALL kiln_vkGetDeviceGroupPeerMemoryFeatures(VkDevice, uint32_t, uint32_t, uint32_t,
                                                                   VkPeerMemoryFeatureFlags* pPeerMemoryFeatures) {
    *pPeerMemoryFeatures = 0;
}

// The only valid mask of a one-device group is 1, which is what every command runs on.
VKAPI_ATTR void VKAPI_CALL kiln_vkCmdSetDeviceMask(VkCommandBuffer, uint32_t) {}
