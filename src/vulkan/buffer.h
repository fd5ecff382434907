// VkBuffer and VkBufferView.
#pragma once

#include <cstddef>
#include <cstdint>

#include "object.h"

namespace kiln {

class DeviceMemory;

class Buffer {
public:
    static Buffer* from(VkBuffer handle) { return reinterpret_cast<Buffer*>(handle); }
    VkBuffer handle() { return reinterpret_cast<VkBuffer>(this); }

    VkBufferCreateFlags flags = 0;
    VkDeviceSize size = 0;
    VkBufferUsageFlags usage = 0;
    // VkExternalMemoryBufferCreateInfo::handleTypes, and a digest of the creation parameters
    // (what a dedicated import of exported memory is checked against: src/vulkan/external).
    VkExternalMemoryHandleTypeFlags external_types = 0;
    uint64_t digest = 0;
    DeviceMemory* memory = nullptr;
    VkDeviceSize memory_offset = 0;

    VkMemoryRequirements memory_requirements() const;
    // The buffer's first byte in device memory (bound buffers only).
    std::byte* address() const;
};

class BufferView {
public:
    static BufferView* from(VkBufferView handle) { return reinterpret_cast<BufferView*>(handle); }
    VkBufferView handle() { return reinterpret_cast<VkBufferView>(this); }

    Buffer* buffer = nullptr;
    VkFormat format = VK_FORMAT_UNDEFINED;
    VkDeviceSize offset = 0;
    VkDeviceSize range = 0;
};

}  // namespace kiln
