// VkCommandPool and VkCommandBuffer: recording into an exec::CommandStream.
#pragma once

#include <vector>

#include "exec/command_stream.h"
#include "object.h"

namespace kiln {

class Device;
class CommandBuffer;

class CommandPool {
public:
    static CommandPool* from(VkCommandPool handle) { return reinterpret_cast<CommandPool*>(handle); }
    VkCommandPool handle() { return reinterpret_cast<VkCommandPool>(this); }

    CommandPool(Device& device, const HostAllocator& allocator, VkCommandPoolCreateFlags flags)
        : device(device), allocator(allocator), flags(flags) {}

    Device& device;
    HostAllocator allocator;
    VkCommandPoolCreateFlags flags;
    std::vector<CommandBuffer*> buffers;
};

class CommandBuffer : public DispatchableObject {
public:
    KILN_HANDLE_CASTS(CommandBuffer, VkCommandBuffer)

    enum class State { Initial, Recording, Executable, Invalid };

    CommandBuffer(CommandPool& pool, VkCommandBufferLevel level) : pool(pool), level(level) {}

    CommandPool& pool;
    VkCommandBufferLevel level;
    VkCommandBufferUsageFlags usage = 0;
    State state = State::Initial;
    // A recording error (out of host memory) is reported by vkEndCommandBuffer.
    VkResult record_result = VK_SUCCESS;
    exec::CommandStream stream;

    void reset();
    bool pending() const { return stream.pending.load(std::memory_order_acquire) != 0; }
};

}  // namespace kiln
