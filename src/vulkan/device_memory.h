// VkDeviceMemory: a block of the host-memory allocator, mapped for the host when asked.
#pragma once

#include "memory/allocator.h"
#include "object.h"

namespace kiln {

class Device;

class DeviceMemory {
public:
    static DeviceMemory* from(VkDeviceMemory handle) { return reinterpret_cast<DeviceMemory*>(handle); }
    VkDeviceMemory handle() { return reinterpret_cast<VkDeviceMemory>(this); }

    DeviceMemory(Device& device, uint32_t type_index, memory::Block&& block)
        : device(device), type_index(type_index), block(static_cast<memory::Block&&>(block)) {}

    Device& device;
    uint32_t type_index;
    memory::Block block;
    bool mapped = false;
};

}  // namespace kiln
