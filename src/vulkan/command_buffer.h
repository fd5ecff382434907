// VkCommandPool and VkCommandBuffer: recording into an exec::CommandStream.
#pragma once

#include <array>
#include <cstddef>
#include <vector>

#include "draw_state.h"
#include "exec/command_stream.h"
#include "object.h"
#include "rendering.h"

namespace kiln {

class Device;
class CommandBuffer;
class DescriptorSet;
class Pipeline;

// What vkCmdBindPipeline and vkCmdBindDescriptorSets have set for compute: read when a dispatch is
// recorded, which resolves it into the command.
struct ComputeState : BoundSets {
    const Pipeline* pipeline = nullptr;
};

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
    ComputeState compute;
    DrawState draw;  // draw_state.h
    std::array<std::byte, 128> push_constants{};  // vkCmdPushConstants (maxPushConstantsSize)
    RenderingState rendering;  // the current render pass instance (rendering.h)

    void reset();
    bool pending() const { return stream.pending.load(std::memory_order_acquire) != 0; }
};

// Appends a command with a trailing array of `count` Elements; a failed allocation is remembered
// for vkEndCommandBuffer (recording commands return void).
template <typename Cmd, typename Element = std::byte>
Cmd* record(CommandBuffer* cb, exec::Op op, size_t count = 0) {
    if (cb->record_result != VK_SUCCESS)
        return nullptr;
    Cmd* cmd = cb->stream.template append<Cmd>(op, count * sizeof(Element));
    if (!cmd)
        cb->record_result = VK_ERROR_OUT_OF_HOST_MEMORY;
    return cmd;
}

}  // namespace kiln
