// VkPipelineLayout: the set layouts a pipeline's shaders see, copied, and its push constant ranges.
#include <algorithm>

#include "descriptor.h"
#include "device.h"
#include "vk_entrypoints.h"

using namespace kiln;

static bool build(PipelineLayout& layout, const VkPipelineLayoutCreateInfo& info, const HostAllocator& allocator) {
    constexpr VkSystemAllocationScope kScope = VK_SYSTEM_ALLOCATION_SCOPE_OBJECT;
    if (!layout.sets.allocate(allocator, info.setLayoutCount, kScope) ||
        !layout.dynamic_offset_start.allocate(allocator, info.setLayoutCount, kScope) ||
        !layout.push_constant_ranges.allocate(allocator, info.pushConstantRangeCount, kScope))
        return false;
    uint32_t dynamic = 0;
    for (uint32_t set = 0; set < info.setLayoutCount; ++set) {
        layout.dynamic_offset_start[set] = dynamic;
        // A VK_NULL_HANDLE set layout (valid only with graphics pipeline libraries, not offered)
        // stays an empty table.
        if (const DescriptorSetLayout* source = DescriptorSetLayout::from(info.pSetLayouts[set])) {
            if (!layout.sets[set].copy_from(source->table, allocator, kScope))
                return false;
            dynamic += source->table.dynamic_count;
        }
    }
    layout.dynamic_offset_count = dynamic;
    std::copy_n(info.pPushConstantRanges, info.pushConstantRangeCount, layout.push_constant_ranges.begin());
    for (const VkPushConstantRange& range : layout.push_constant_ranges)
        layout.push_constant_size = std::max(layout.push_constant_size, range.offset + range.size);
    return true;
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkCreatePipelineLayout(VkDevice device,
                                                           const VkPipelineLayoutCreateInfo* pCreateInfo,
                                                           const VkAllocationCallbacks* pAllocator,
                                                           VkPipelineLayout* pPipelineLayout) {
    Device* parent = Device::from(device);
    PipelineLayout* layout = parent->create_child<PipelineLayout>(pAllocator);
    if (!layout)
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    if (!build(*layout, *pCreateInfo, parent->allocator_for(pAllocator))) {
        parent->destroy_child(pAllocator, layout);
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    }
    *pPipelineLayout = layout->handle();
    return VK_SUCCESS;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkDestroyPipelineLayout(VkDevice device, VkPipelineLayout pipelineLayout,
                                                        const VkAllocationCallbacks* pAllocator) {
    Device::from(device)->destroy_child(pAllocator, PipelineLayout::from(pipelineLayout));
}
