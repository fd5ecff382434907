// What the binding and dynamic-state commands of a command buffer have set for draws: read when a
// draw is recorded, which resolves it (pipeline, descriptors, vertex and index buffers, the dynamic
// states the pipeline leaves to the command buffer) into the command.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>
#include <vulkan/vulkan_core.h>

#include "spirv/image.h"
#include "spirv/ir.h"

namespace kiln {

class DescriptorSet;
class Pipeline;

// The descriptor sets bound at one bind point (vkCmdBindDescriptorSets), with their dynamic offsets.
struct BoundSets {
    static constexpr uint32_t kMaxSets = 8;  // maxBoundDescriptorSets
    std::array<const DescriptorSet*, kMaxSets> sets{};
    std::array<std::vector<uint32_t>, kMaxSets> dynamic_offsets;
};

// What `program` reaches through the sets of `state` (compute.cpp): ranges[slot] for its buffer
// bindings, then the push constants' copy at push_constant_slot (128 bytes), and images[slot] for
// its image bindings.
void resolve_resources(const BoundSets& state, const spirv::Program& program, const std::byte* push_constants,
                       spirv::Range* ranges, spirv::ImageDescriptor* images);

struct DrawState : BoundSets {
    static constexpr uint32_t kMaxVertexBuffers = 16;  // maxVertexInputBindings
    static constexpr uint32_t kMaxViewports = 1;       // maxViewports (no multiViewport)
    const Pipeline* pipeline = nullptr;
    struct VertexBuffer {
        std::byte* address = nullptr;  // the binding's first byte (buffer address + offset)
        uint64_t size = 0;             // bytes from there to the buffer's end
    };
    std::array<VertexBuffer, kMaxVertexBuffers> vertex_buffers{};
    std::byte* index_buffer = nullptr;
    uint64_t index_buffer_size = 0;
    VkIndexType index_type = VK_INDEX_TYPE_UINT16;
    // Dynamic states (vkCmdSet*): used where the bound pipeline names them dynamic.
    std::array<VkViewport, kMaxViewports> viewports{};
    std::array<VkRect2D, kMaxViewports> scissors{};
    float line_width = 1.0f;
    float depth_bias_constant = 0, depth_bias_clamp = 0, depth_bias_slope = 0;
    float blend_constants[4] = {0, 0, 0, 0};
    float min_depth_bounds = 0, max_depth_bounds = 1;
    uint32_t stencil_compare_mask[2] = {~0u, ~0u};  // front, back
    uint32_t stencil_write_mask[2] = {~0u, ~0u};
    uint32_t stencil_reference[2] = {0, 0};
};

}  // namespace kiln
