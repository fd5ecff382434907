// Compute: vkCreateComputePipelines (the stage lowered to the register IR), and the commands that
// bind a pipeline, descriptor sets and push constants, and dispatch. A dispatch resolves what it
// will touch when it is recorded (Vulkan forbids updating a bound set without update-after-bind),
// so the queue's executor never looks at a descriptor.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <spirv/unified1/spirv.hpp11>

#include "buffer.h"
#include "command_buffer.h"
#include "debug_report.h"
#include "exec/commands.h"
#include "descriptor.h"
#include "device.h"
#include "image_descriptor.h"
#include "pipeline.h"
#include "shader_module.h"
#include "spirv/module.h"
#include "vk_entrypoints.h"

namespace kiln {

static VkResult create_compute(Device& device, uint32_t index, const VkComputePipelineCreateInfo& info,
                               Pipeline* pipeline) {
    return lower_stage(device, "vkCreateComputePipelines", index, info.stage, VK_SHADER_STAGE_COMPUTE_BIT,
                       &pipeline->program);
}

}  // namespace kiln

using namespace kiln;

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkCreateComputePipelines(VkDevice handle, VkPipelineCache, uint32_t count,
                                                             const VkComputePipelineCreateInfo* pCreateInfos,
                                                             const VkAllocationCallbacks* pAllocator,
                                                             VkPipeline* pPipelines) {
    return create_pipelines(*Device::from(handle), count, pCreateInfos, pAllocator, pPipelines, &create_compute);
}

VKAPI_ATTR void VKAPI_CALL kiln_vkDestroyPipeline(VkDevice handle, VkPipeline pipeline,
                                                  const VkAllocationCallbacks* pAllocator) {
    if (pipeline != VK_NULL_HANDLE)
        Device::from(handle)->destroy_child(pAllocator, Pipeline::from(pipeline));
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdBindPipeline(VkCommandBuffer handle, VkPipelineBindPoint bindPoint,
                                                  VkPipeline pipeline) {
    CommandBuffer* cb = CommandBuffer::from(handle);
    if (bindPoint == VK_PIPELINE_BIND_POINT_COMPUTE)
        cb->compute.pipeline = Pipeline::from(pipeline);
    else if (bindPoint == VK_PIPELINE_BIND_POINT_GRAPHICS)
        cb->draw.pipeline = Pipeline::from(pipeline);
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdBindDescriptorSets(VkCommandBuffer handle, VkPipelineBindPoint bindPoint,
                                                        VkPipelineLayout, uint32_t firstSet, uint32_t setCount,
                                                        const VkDescriptorSet* pSets, uint32_t dynamicOffsetCount,
                                                        const uint32_t* pDynamicOffsets) {
    CommandBuffer* cb = CommandBuffer::from(handle);
    if (bindPoint != VK_PIPELINE_BIND_POINT_COMPUTE && bindPoint != VK_PIPELINE_BIND_POINT_GRAPHICS)
        return;
    BoundSets& state = bindPoint == VK_PIPELINE_BIND_POINT_COMPUTE ? static_cast<BoundSets&>(cb->compute)
                                                                    : static_cast<BoundSets&>(cb->draw);
    uint32_t next_offset = 0;
    for (uint32_t i = 0; i < setCount && firstSet + i < BoundSets::kMaxSets; ++i) {
        const DescriptorSet* set = DescriptorSet::from(pSets[i]);
        state.sets[firstSet + i] = set;
        std::vector<uint32_t>& offsets = state.dynamic_offsets[firstSet + i];
        offsets.clear();
        // The set's dynamic buffers take the next offsets, in binding then element order.
        for (uint32_t k = 0; set && k < set->layout.dynamic_count && next_offset < dynamicOffsetCount; ++k)
            offsets.push_back(pDynamicOffsets[next_offset++]);
    }
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdPushConstants(VkCommandBuffer handle, VkPipelineLayout, VkShaderStageFlags,
                                                   uint32_t offset, uint32_t size, const void* pValues) {
    std::array<std::byte, 128>& push_constants = CommandBuffer::from(handle)->push_constants;
    // VUID-vkCmdPushConstants-offset-00370/size-00371: inside maxPushConstantsSize.
    if (offset >= push_constants.size())
        return;
    size = std::min<uint32_t>(size, uint32_t(push_constants.size()) - offset);
    std::memcpy(push_constants.data() + offset, pValues, size);
}

namespace kiln {

// The memory binding `slot` of a program reaches: the descriptor's buffer range, moved by its
// dynamic offset. An empty range (nothing bound, never written) makes every access read 0.
static spirv::Range range_of(const BoundSets& state, const spirv::BindingSlot& slot) {
    if (slot.set >= BoundSets::kMaxSets || !state.sets[slot.set])
        return {};
    const DescriptorSet& set = *state.sets[slot.set];
    const Descriptor* d = set.find(slot.binding, slot.array_element);
    if (!d || !d->address)
        return {};
    spirv::Range range{d->address, d->range};
    if (is_dynamic_buffer(d->type)) {
        const DescriptorBinding* binding = set.layout.find(slot.binding);
        const std::vector<uint32_t>& offsets = state.dynamic_offsets[slot.set];
        const uint32_t index = binding ? binding->first_dynamic + slot.array_element : UINT32_MAX;
        const uint32_t offset = index < offsets.size() ? offsets[index] : 0;
        range.base += offset;
    }
    return range;
}

void resolve_resources(const BoundSets& state, const spirv::Program& program, const std::byte* push_constants,
                       spirv::Range* ranges, spirv::ImageDescriptor* images) {
    for (uint32_t i = 0; i < program.bindings.size(); ++i)
        ranges[i] = range_of(state, program.bindings[i]);
    ranges[program.push_constant_slot] = {const_cast<std::byte*>(push_constants), 128};
    for (uint32_t i = 0; i < program.image_bindings.size(); ++i) {
        const spirv::BindingSlot& slot = program.image_bindings[i];
        const Descriptor* d = slot.set < BoundSets::kMaxSets && state.sets[slot.set]
                                  ? state.sets[slot.set]->find(slot.binding, slot.array_element)
                                  : nullptr;
        new (&images[i]) spirv::ImageDescriptor;
        resolve_image_descriptor(d, &images[i]);
    }
}

}  // namespace kiln

static void record_dispatch(VkCommandBuffer handle, const uint32_t base[3], const uint32_t groups[3],
                            const std::byte* indirect) {
    CommandBuffer* cb = CommandBuffer::from(handle);
    const ComputeState& state = cb->compute;
    if (!state.pipeline)
        return;  // VUID-vkCmdDispatch-None-02700: a pipeline must be bound
    const spirv::Program& program = state.pipeline->program;
    const uint32_t slots = uint32_t(program.bindings.size()) + 1;  // + the push constants
    const uint32_t images = uint32_t(program.image_bindings.size());
    static_assert(sizeof(spirv::Range) % alignof(spirv::ImageDescriptor) == 0);
    auto* cmd = record<exec::DispatchCmd>(cb, exec::Op::Dispatch,
                                          slots * sizeof(spirv::Range) + images * sizeof(spirv::ImageDescriptor));
    if (!cmd)
        return;
    cmd->program = &program;
    cmd->indirect = indirect;
    std::copy(base, base + 3, cmd->base_group);
    std::copy(groups, groups + 3, cmd->group_count);
    cmd->range_count = slots;
    std::memcpy(cmd->push_constants, cb->push_constants.data(), sizeof cmd->push_constants);
    // Buffer ranges, then image, sampler and texel buffer descriptors.
    cmd->image_count = images;
    spirv::Range* ranges = exec::trailing<spirv::Range>(cmd);
    resolve_resources(state, program, cmd->push_constants, ranges, reinterpret_cast<spirv::ImageDescriptor*>(ranges + slots));
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdDispatch(VkCommandBuffer handle, uint32_t x, uint32_t y, uint32_t z) {
    const uint32_t base[3] = {0, 0, 0}, groups[3] = {x, y, z};
    record_dispatch(handle, base, groups, nullptr);
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdDispatchBase(VkCommandBuffer handle, uint32_t baseX, uint32_t baseY,
                                                  uint32_t baseZ, uint32_t x, uint32_t y, uint32_t z) {
    const uint32_t base[3] = {baseX, baseY, baseZ}, groups[3] = {x, y, z};
    record_dispatch(handle, base, groups, nullptr);
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdDispatchIndirect(VkCommandBuffer handle, VkBuffer buffer, VkDeviceSize offset) {
    const uint32_t zero[3] = {0, 0, 0};
    record_dispatch(handle, zero, zero, Buffer::from(buffer)->address() + offset);
}
