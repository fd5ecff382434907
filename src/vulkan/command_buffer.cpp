// Command pools and command buffers: allocation, lifecycle and recording of transfer work.
#include "command_buffer.h"

#include <algorithm>
#include <cstring>

#include "buffer.h"
#include "device.h"
#include "exec/commands.h"
#include "format/texel.h"
#include "image.h"
#include "sync.h"
#include "vk_entrypoints.h"

namespace kiln {

void CommandBuffer::reset() {
    stream.reset();
    record_result = VK_SUCCESS;
    state = State::Initial;
    compute = ComputeState{};
    draw = DrawState{};
    push_constants.fill(std::byte{0});
    rendering = RenderingState{};
}

}  // namespace kiln

using namespace kiln;

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkCreateCommandPool(VkDevice handle, const VkCommandPoolCreateInfo* pCreateInfo,
                                                        const VkAllocationCallbacks* pAllocator,
                                                        VkCommandPool* pPool) {
    Device* device = Device::from(handle);
    if (pCreateInfo->queueFamilyIndex != 0)
        return VK_ERROR_INITIALIZATION_FAILED;  // invalid usage: Kiln has one family
    const HostAllocator allocator = device->allocator_for(pAllocator);
    CommandPool* pool =
        create_object<CommandPool>(allocator, VK_SYSTEM_ALLOCATION_SCOPE_OBJECT, *device, allocator, pCreateInfo->flags);
    if (!pool)
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    *pPool = pool->handle();
    return VK_SUCCESS;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkDestroyCommandPool(VkDevice, VkCommandPool handle, const VkAllocationCallbacks*) {
    CommandPool* pool = CommandPool::from(handle);
    if (!pool)
        return;
    for (CommandBuffer* cb : pool->buffers) {
        pool->device.object_names.forget(reinterpret_cast<uintptr_t>(cb));
        destroy_object(pool->allocator, cb);
    }
    pool->device.object_names.forget(reinterpret_cast<uintptr_t>(pool));
    const HostAllocator allocator = pool->allocator;
    destroy_object(allocator, pool);
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkResetCommandPool(VkDevice, VkCommandPool handle, VkCommandPoolResetFlags) {
    for (CommandBuffer* cb : CommandPool::from(handle)->buffers)
        cb->reset();
    return VK_SUCCESS;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkTrimCommandPool(VkDevice, VkCommandPool handle, VkCommandPoolTrimFlags) {
    CommandPool::from(handle)->buffers.shrink_to_fit();
}

VKAPI_ATTR void VKAPI_CALL kiln_vkFreeCommandBuffers(VkDevice, VkCommandPool handle, uint32_t count,
                                                     const VkCommandBuffer* pBuffers) {
    CommandPool* pool = CommandPool::from(handle);
    for (uint32_t i = 0; i < count; ++i) {
        CommandBuffer* cb = CommandBuffer::from(pBuffers[i]);
        if (!cb)
            continue;
        pool->buffers.erase(std::remove(pool->buffers.begin(), pool->buffers.end(), cb), pool->buffers.end());
        pool->device.object_names.forget(reinterpret_cast<uintptr_t>(cb));
        destroy_object(pool->allocator, cb);
    }
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkAllocateCommandBuffers(VkDevice device, const VkCommandBufferAllocateInfo* pInfo,
                                                             VkCommandBuffer* pBuffers) {
    CommandPool* pool = CommandPool::from(pInfo->commandPool);
    for (uint32_t i = 0; i < pInfo->commandBufferCount; ++i) {
        CommandBuffer* cb =
            create_object<CommandBuffer>(pool->allocator, VK_SYSTEM_ALLOCATION_SCOPE_OBJECT, *pool, pInfo->level);
        bool stored = false;
        if (cb) {
            try {
                pool->buffers.push_back(cb);
                stored = true;
            } catch (const std::bad_alloc&) {
                destroy_object(pool->allocator, cb);
            }
        }
        if (!stored) {
            // All or nothing: free what this call made, and NULL every output handle.
            kiln_vkFreeCommandBuffers(device, pInfo->commandPool, i, pBuffers);
            std::fill(pBuffers, pBuffers + pInfo->commandBufferCount, VK_NULL_HANDLE);
            return VK_ERROR_OUT_OF_HOST_MEMORY;
        }
        pBuffers[i] = cb->handle();
    }
    return VK_SUCCESS;
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkBeginCommandBuffer(VkCommandBuffer handle, const VkCommandBufferBeginInfo* pInfo) {
    CommandBuffer* cb = CommandBuffer::from(handle);
    cb->reset();  // an implicit reset (pool created with RESET_COMMAND_BUFFER_BIT)
    cb->usage = pInfo->flags;
    cb->state = CommandBuffer::State::Recording;
    // A secondary that continues a render pass instance records its clears and draws against it.
    if (cb->level == VK_COMMAND_BUFFER_LEVEL_SECONDARY && (pInfo->flags & VK_COMMAND_BUFFER_USAGE_RENDER_PASS_CONTINUE_BIT) &&
        pInfo->pInheritanceInfo)
        begin_inherited_rendering(cb, *pInfo->pInheritanceInfo);
    return VK_SUCCESS;
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkEndCommandBuffer(VkCommandBuffer handle) {
    CommandBuffer* cb = CommandBuffer::from(handle);
    if (cb->record_result != VK_SUCCESS) {
        cb->state = CommandBuffer::State::Invalid;
        return cb->record_result;
    }
    cb->state = CommandBuffer::State::Executable;
    return VK_SUCCESS;
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkResetCommandBuffer(VkCommandBuffer handle, VkCommandBufferResetFlags) {
    CommandBuffer::from(handle)->reset();
    return VK_SUCCESS;
}


static exec::ImageRef image_ref(VkImage handle) {
    const Image* image = Image::from(handle);
    return {image->address(), &image->layout};
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdCopyBuffer(VkCommandBuffer handle, VkBuffer src, VkBuffer dst, uint32_t count,
                                                const VkBufferCopy* pRegions) {
    auto* cmd = record<exec::CopyMemoryCmd, exec::MemoryRegion>(CommandBuffer::from(handle), exec::Op::CopyMemory, count);
    if (!cmd)
        return;
    cmd->src = Buffer::from(src)->address();
    cmd->dst = Buffer::from(dst)->address();
    cmd->region_count = count;
    for (uint32_t i = 0; i < count; ++i)
        exec::trailing<exec::MemoryRegion>(cmd)[i] = {pRegions[i].srcOffset, pRegions[i].dstOffset, pRegions[i].size};
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdFillBuffer(VkCommandBuffer handle, VkBuffer dst, VkDeviceSize offset,
                                                VkDeviceSize size, uint32_t data) {
    const Buffer* buffer = Buffer::from(dst);
    // VK_WHOLE_SIZE: to the end of the buffer, rounded down to a multiple of 4.
    if (size == VK_WHOLE_SIZE)
        size = (buffer->size - offset) & ~VkDeviceSize(3);
    auto* cmd = record<exec::FillMemoryCmd>(CommandBuffer::from(handle), exec::Op::FillMemory);
    if (!cmd)
        return;
    cmd->dst = buffer->address() + offset;
    cmd->size = size;
    cmd->value = data;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdUpdateBuffer(VkCommandBuffer handle, VkBuffer dst, VkDeviceSize offset,
                                                  VkDeviceSize size, const void* pData) {
    // The data is copied now: the application may reuse pData as soon as this returns.
    auto* cmd = record<exec::UpdateMemoryCmd>(CommandBuffer::from(handle), exec::Op::UpdateMemory, size);
    if (!cmd)
        return;
    cmd->dst = Buffer::from(dst)->address() + offset;
    cmd->size = size;
    std::memcpy(exec::trailing<std::byte>(cmd), pData, size);
}

static void record_buffer_image(VkCommandBuffer handle, exec::Op op, VkBuffer buffer, VkImage image, uint32_t count,
                                const VkBufferImageCopy* pRegions) {
    auto* cmd = record<exec::BufferImageCmd, VkBufferImageCopy>(CommandBuffer::from(handle), op, count);
    if (!cmd)
        return;
    cmd->buffer = Buffer::from(buffer)->address();
    cmd->image = image_ref(image);
    cmd->region_count = count;
    std::memcpy(exec::trailing<VkBufferImageCopy>(cmd), pRegions, count * sizeof(VkBufferImageCopy));
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdCopyBufferToImage(VkCommandBuffer handle, VkBuffer src, VkImage dst, VkImageLayout,
                                                       uint32_t count, const VkBufferImageCopy* pRegions) {
    record_buffer_image(handle, exec::Op::CopyBufferToImage, src, dst, count, pRegions);
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdCopyImageToBuffer(VkCommandBuffer handle, VkImage src, VkImageLayout, VkBuffer dst,
                                                       uint32_t count, const VkBufferImageCopy* pRegions) {
    record_buffer_image(handle, exec::Op::CopyImageToBuffer, dst, src, count, pRegions);
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdCopyImage(VkCommandBuffer handle, VkImage src, VkImageLayout, VkImage dst,
                                               VkImageLayout, uint32_t count, const VkImageCopy* pRegions) {
    auto* cmd = record<exec::CopyImageCmd, VkImageCopy>(CommandBuffer::from(handle), exec::Op::CopyImage, count);
    if (!cmd)
        return;
    cmd->src = image_ref(src);
    cmd->dst = image_ref(dst);
    cmd->region_count = count;
    std::memcpy(exec::trailing<VkImageCopy>(cmd), pRegions, count * sizeof(VkImageCopy));
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdClearColorImage(VkCommandBuffer handle, VkImage image, VkImageLayout,
                                                     const VkClearColorValue* pColor, uint32_t count,
                                                     const VkImageSubresourceRange* pRanges) {
    CommandBuffer* cb = CommandBuffer::from(handle);
    auto* cmd = record<exec::ClearColorCmd, VkImageSubresourceRange>(cb, exec::Op::ClearColorImage, count);
    if (!cmd)
        return;
    cmd->image = image_ref(image);
    // The texel is encoded once, at record time.
    if (!format::pack_color(cmd->image.layout->shape().format, *pColor, cmd->texel))
        count = 0;  // not a color format Kiln can encode (TRANSFER_DST is not advertised for it)
    cmd->range_count = count;
    std::memcpy(exec::trailing<VkImageSubresourceRange>(cmd), pRanges, count * sizeof(VkImageSubresourceRange));
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdClearDepthStencilImage(VkCommandBuffer handle, VkImage image, VkImageLayout,
                                                            const VkClearDepthStencilValue* pValue, uint32_t count,
                                                            const VkImageSubresourceRange* pRanges) {
    CommandBuffer* cb = CommandBuffer::from(handle);
    auto* cmd = record<exec::ClearDepthStencilCmd, VkImageSubresourceRange>(cb, exec::Op::ClearDepthStencilImage, count);
    if (!cmd)
        return;
    cmd->image = image_ref(image);
    format::pack_depth(cmd->image.layout->shape().format, pValue->depth, cmd->depth);
    cmd->stencil = uint8_t(pValue->stencil);
    cmd->range_count = count;
    std::memcpy(exec::trailing<VkImageSubresourceRange>(cmd), pRanges, count * sizeof(VkImageSubresourceRange));
}

// A queue runs its commands one after another on one thread, so every memory and execution
// dependency a barrier can express already holds: nothing to record.
VKAPI_ATTR void VKAPI_CALL kiln_vkCmdPipelineBarrier(VkCommandBuffer, VkPipelineStageFlags, VkPipelineStageFlags,
                                                     VkDependencyFlags, uint32_t, const VkMemoryBarrier*, uint32_t,
                                                     const VkBufferMemoryBarrier*, uint32_t,
                                                     const VkImageMemoryBarrier*) {}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdSetEvent(VkCommandBuffer handle, VkEvent event, VkPipelineStageFlags) {
    if (auto* cmd = record<exec::EventCmd>(CommandBuffer::from(handle), exec::Op::SetEvent))
        cmd->event = &Event::from(event)->state;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdResetEvent(VkCommandBuffer handle, VkEvent event, VkPipelineStageFlags) {
    if (auto* cmd = record<exec::EventCmd>(CommandBuffer::from(handle), exec::Op::ResetEvent))
        cmd->event = &Event::from(event)->state;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdWaitEvents(VkCommandBuffer handle, uint32_t eventCount, const VkEvent* pEvents,
                                                VkPipelineStageFlags, VkPipelineStageFlags, uint32_t,
                                                const VkMemoryBarrier*, uint32_t, const VkBufferMemoryBarrier*,
                                                uint32_t, const VkImageMemoryBarrier*) {
    auto* cmd = record<exec::WaitEventsCmd, exec::Event*>(CommandBuffer::from(handle), exec::Op::WaitEvents, eventCount);
    if (!cmd)
        return;
    cmd->event_count = eventCount;
    for (uint32_t i = 0; i < eventCount; ++i)
        exec::trailing<exec::Event*>(cmd)[i] = &Event::from(pEvents[i])->state;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdExecuteCommands(VkCommandBuffer handle, uint32_t count,
                                                     const VkCommandBuffer* pBuffers) {
    CommandBuffer* cb = CommandBuffer::from(handle);
    for (uint32_t i = 0; i < count; ++i)
        if (auto* cmd = record<exec::ExecuteStreamCmd>(cb, exec::Op::ExecuteStream))
            cmd->stream = &CommandBuffer::from(pBuffers[i])->stream;
}
