// The commands that set DrawState (draw_state.h): vertex and index buffers, and the Vulkan 1.0
// dynamic states. They record nothing: a draw resolves what they set when it is recorded.
#include <algorithm>
#include <cstring>

#include "buffer.h"
#include "command_buffer.h"
#include "vk_entrypoints.h"

using namespace kiln;

namespace {

DrawState& draw_state(VkCommandBuffer handle) { return CommandBuffer::from(handle)->draw; }

// Front (0) and back (1) stencil values a face mask sets.
template <typename F>
void for_faces(VkStencilFaceFlags faces, F set) {
    if (faces & VK_STENCIL_FACE_FRONT_BIT)
        set(0);
    if (faces & VK_STENCIL_FACE_BACK_BIT)
        set(1);
}

}  // namespace

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdBindVertexBuffers(VkCommandBuffer handle, uint32_t firstBinding,
                                                       uint32_t bindingCount, const VkBuffer* pBuffers,
                                                       const VkDeviceSize* pOffsets) {
    DrawState& state = draw_state(handle);
    for (uint32_t i = 0; i < bindingCount && firstBinding + i < DrawState::kMaxVertexBuffers; ++i) {
        DrawState::VertexBuffer& vb = state.vertex_buffers[firstBinding + i];
        const Buffer* buffer = Buffer::from(pBuffers[i]);
        // VK_NULL_HANDLE (nullDescriptor) or an offset past the end: every fetch reads 0.
        if (!buffer || pOffsets[i] >= buffer->size || !buffer->address()) {
            vb = {};
            continue;
        }
        vb.address = buffer->address() + pOffsets[i];
        vb.size = buffer->size - pOffsets[i];
    }
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdBindIndexBuffer(VkCommandBuffer handle, VkBuffer buffer, VkDeviceSize offset,
                                                     VkIndexType indexType) {
    DrawState& state = draw_state(handle);
    const Buffer* b = Buffer::from(buffer);
    state.index_type = indexType;
    if (!b || offset >= b->size || !b->address()) {
        state.index_buffer = nullptr;
        state.index_buffer_size = 0;
        return;
    }
    state.index_buffer = b->address() + offset;
    state.index_buffer_size = b->size - offset;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdSetViewport(VkCommandBuffer handle, uint32_t first, uint32_t count,
                                                 const VkViewport* pViewports) {
    DrawState& state = draw_state(handle);
    for (uint32_t i = 0; i < count && first + i < DrawState::kMaxViewports; ++i)
        state.viewports[first + i] = pViewports[i];
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdSetScissor(VkCommandBuffer handle, uint32_t first, uint32_t count,
                                                const VkRect2D* pScissors) {
    DrawState& state = draw_state(handle);
    for (uint32_t i = 0; i < count && first + i < DrawState::kMaxViewports; ++i)
        state.scissors[first + i] = pScissors[i];
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdSetLineWidth(VkCommandBuffer handle, float width) {
    draw_state(handle).line_width = width;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdSetDepthBias(VkCommandBuffer handle, float constant, float clamp, float slope) {
    DrawState& state = draw_state(handle);
    state.depth_bias_constant = constant;
    state.depth_bias_clamp = clamp;
    state.depth_bias_slope = slope;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdSetBlendConstants(VkCommandBuffer handle, const float constants[4]) {
    std::memcpy(draw_state(handle).blend_constants, constants, 4 * sizeof(float));
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdSetDepthBounds(VkCommandBuffer handle, float min, float max) {
    DrawState& state = draw_state(handle);
    state.min_depth_bounds = min;
    state.max_depth_bounds = max;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdSetStencilCompareMask(VkCommandBuffer handle, VkStencilFaceFlags faces,
                                                           uint32_t mask) {
    DrawState& state = draw_state(handle);
    for_faces(faces, [&](int f) { state.stencil_compare_mask[f] = mask; });
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdSetStencilWriteMask(VkCommandBuffer handle, VkStencilFaceFlags faces,
                                                         uint32_t mask) {
    DrawState& state = draw_state(handle);
    for_faces(faces, [&](int f) { state.stencil_write_mask[f] = mask; });
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdSetStencilReference(VkCommandBuffer handle, VkStencilFaceFlags faces,
                                                         uint32_t reference) {
    DrawState& state = draw_state(handle);
    for_faces(faces, [&](int f) { state.stencil_reference[f] = reference; });
}
