// VkDevice and VkQueue.
#pragma once

#include <array>
#include <atomic>
#include <memory>

#include "exec/queue.h"
#include "exec/sync.h"
#include "memory/allocator.h"
#include "object.h"
#include "object_names.h"
#include "vk_extensions.h"

namespace kiln {

class PhysicalDevice;
class Device;

class Queue : public DispatchableObject {
public:
    KILN_HANDLE_CASTS(Queue, VkQueue)
    Queue(Device& device, exec::SyncHub& hub, uint32_t index, VkDeviceQueueCreateFlags flags)
        : device(device), index(index), flags(flags), engine(hub) {}

    Device& device;
    uint32_t index;
    VkDeviceQueueCreateFlags flags;
    exec::Queue engine;
};

class Device : public DispatchableObject {
public:
    KILN_HANDLE_CASTS(Device, VkDevice)
    Device(PhysicalDevice& physical_device, const HostAllocator& allocator, uint32_t api_version,
           const gen::DeviceExtensionSet& extensions);
    ~Device();

    PhysicalDevice& physical_device;
    HostAllocator allocator;
    uint32_t api_version;  // the effective version: min(application's, Kiln's)
    gen::DeviceExtensionSet extensions;
    exec::SyncHub sync_hub;
    std::array<Queue*, 4> queues{};
    uint32_t queue_count = 0;
    // This device's VkDeviceMemory: how many and how many bytes (maxMemoryAllocationCount, heap size).
    memory::Account memory_account;
    // vkSetDebugUtilsObjectNameEXT's names, for the messages about this device's objects. Mutable:
    // names are the application's notes about objects, not device state (destroy_child is const).
    mutable ObjectNames object_names;

    void wait_idle();

    // Host memory for one of this device's objects: the call's callbacks, else the device's.
    HostAllocator allocator_for(const VkAllocationCallbacks* callbacks) const {
        return HostAllocator(callbacks, allocator.callbacks());
    }
    // Creates and destroys a child object (buffer, image, fence, ...) in that memory.
    template <typename T, typename... Args>
    T* create_child(const VkAllocationCallbacks* callbacks, Args&&... args) const {
        return create_object<T>(allocator_for(callbacks), VK_SYSTEM_ALLOCATION_SCOPE_OBJECT,
                                std::forward<Args>(args)...);
    }
    template <typename T>
    void destroy_child(const VkAllocationCallbacks* callbacks, T* object) const {
        object_names.forget(reinterpret_cast<uintptr_t>(object));
        destroy_object(allocator_for(callbacks), object);
    }
};

}  // namespace kiln
