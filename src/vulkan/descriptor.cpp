// Descriptor set layouts, descriptor pools and the allocation of sets.
#include "descriptor.h"

#include <algorithm>

#include "device.h"
#include "sampler.h"
#include "vk_entrypoints.h"

using namespace kiln;

// The descriptors of a binding that pImmutableSamplers names: for SAMPLER and
// COMBINED_IMAGE_SAMPLER only (VkDescriptorSetLayoutBinding: ignored for other types).
static bool has_immutable_samplers(const VkDescriptorSetLayoutBinding& binding) {
    return binding.pImmutableSamplers && (binding.descriptorType == VK_DESCRIPTOR_TYPE_SAMPLER ||
                                          binding.descriptorType == VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER);
}

// VkDescriptorSetLayoutBindingFlagsCreateInfo is not read: every flag it can carry needs a
// descriptor indexing feature Kiln does not report (VUID-VkDescriptorSetLayoutBindingFlagsCreateInfo-*),
// so a valid chain holds only zeros.
bool BindingTable::build(const VkDescriptorSetLayoutCreateInfo& info, const HostAllocator& allocator,
                         VkSystemAllocationScope scope) {
    // The bindings by binding number: pBindings may come in any order.
    HostArray<uint32_t> order;
    if (!order.allocate(allocator, info.bindingCount, VK_SYSTEM_ALLOCATION_SCOPE_COMMAND))
        return false;
    size_t sampler_count = 0;
    for (uint32_t i = 0; i < info.bindingCount; ++i) {
        order[i] = i;
        if (has_immutable_samplers(info.pBindings[i]))
            sampler_count += info.pBindings[i].descriptorCount;
    }
    std::sort(order.begin(), order.end(),
              [&](uint32_t a, uint32_t b) { return info.pBindings[a].binding < info.pBindings[b].binding; });
    if (!bindings_.allocate(allocator, info.bindingCount, scope) ||
        !immutable_samplers_.allocate(allocator, sampler_count, scope))
        return false;

    uint64_t descriptors = 0, dynamic = 0, samplers = 0;
    type_counts = {};
    for (uint32_t i = 0; i < info.bindingCount; ++i) {
        const VkDescriptorSetLayoutBinding& source = info.pBindings[order[i]];
        DescriptorBinding& binding = bindings_[i];
        binding.binding = source.binding;
        binding.type = source.descriptorType;
        binding.count = source.descriptorCount;
        binding.stages = source.stageFlags;
        binding.first = static_cast<uint32_t>(descriptors);
        descriptors += source.descriptorCount;
        if (is_dynamic_buffer(source.descriptorType)) {
            binding.first_dynamic = static_cast<uint32_t>(dynamic);
            dynamic += source.descriptorCount;
        }
        if (has_immutable_samplers(source)) {
            binding.first_immutable_sampler = static_cast<uint32_t>(samplers);
            for (uint32_t s = 0; s < source.descriptorCount; ++s)
                immutable_samplers_[samplers++] = Sampler::from(source.pImmutableSamplers[s]);
        }
        if (static_cast<uint32_t>(source.descriptorType) < kDescriptorTypeCount)
            type_counts[source.descriptorType] += source.descriptorCount;
        if (descriptors > UINT32_MAX)
            return false;
    }
    descriptor_count = static_cast<uint32_t>(descriptors);
    dynamic_count = static_cast<uint32_t>(dynamic);
    return true;
}

bool BindingTable::copy_from(const BindingTable& other, const HostAllocator& allocator, VkSystemAllocationScope scope) {
    if (!bindings_.allocate(allocator, other.bindings_.size(), scope) ||
        !immutable_samplers_.allocate(allocator, other.immutable_samplers_.size(), scope))
        return false;
    std::copy(other.bindings_.begin(), other.bindings_.end(), bindings_.begin());
    std::copy(other.immutable_samplers_.begin(), other.immutable_samplers_.end(), immutable_samplers_.begin());
    descriptor_count = other.descriptor_count;
    dynamic_count = other.dynamic_count;
    type_counts = other.type_counts;
    return true;
}

const DescriptorBinding* BindingTable::find(uint32_t binding) const {
    auto it = std::lower_bound(bindings_.begin(), bindings_.end(), binding,
                               [](const DescriptorBinding& b, uint32_t number) { return b.binding < number; });
    return it != bindings_.end() && it->binding == binding ? it : nullptr;
}

std::span<Sampler* const> BindingTable::immutable_samplers(const DescriptorBinding& binding) const {
    if (!binding.has_immutable_samplers())
        return {};
    return std::span<Sampler* const>(immutable_samplers_.data() + binding.first_immutable_sampler, binding.count);
}

const Descriptor* DescriptorSet::find(uint32_t binding, uint32_t array_element) const {
    const DescriptorBinding* b = layout.find(binding);
    if (!b || array_element >= b->count)
        return nullptr;
    return &descriptors[b->first + array_element];
}

DescriptorPool::DescriptorPool(ObjectNames& names, const HostAllocator& allocator, const VkDescriptorPoolCreateInfo& info)
    : names(names), allocator(allocator), flags(info.flags), max_sets(info.maxSets) {
    // A type may appear in several VkDescriptorPoolSize entries; their counts add up.
    for (uint32_t i = 0; i < info.poolSizeCount; ++i)
        if (static_cast<uint32_t>(info.pPoolSizes[i].type) < kDescriptorTypeCount)
            capacity[info.pPoolSizes[i].type] += info.pPoolSizes[i].descriptorCount;
}

VkResult DescriptorPool::allocate(const DescriptorSetLayout& layout, DescriptorSet** out) {
    // Vulkan 1.1 (VK_KHR_maintenance1): a pool that lacks the sets or descriptors fails with
    // VK_ERROR_OUT_OF_POOL_MEMORY. Sets are separate allocations, so the pool never fragments.
    if (set_count >= max_sets)
        return VK_ERROR_OUT_OF_POOL_MEMORY;
    for (uint32_t type = 0; type < kDescriptorTypeCount; ++type)
        if (used[type] + layout.table.type_counts[type] > capacity[type])
            return VK_ERROR_OUT_OF_POOL_MEMORY;

    DescriptorSet* set = create_object<DescriptorSet>(allocator, VK_SYSTEM_ALLOCATION_SCOPE_OBJECT, *this);
    if (!set)
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    if (!set->layout.copy_from(layout.table, allocator, VK_SYSTEM_ALLOCATION_SCOPE_OBJECT) ||
        !set->descriptors.allocate(allocator, layout.table.descriptor_count, VK_SYSTEM_ALLOCATION_SCOPE_OBJECT)) {
        destroy_object(allocator, set);
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    }
    for (const DescriptorBinding& binding : set->layout.bindings()) {
        std::span<Sampler* const> immutable = set->layout.immutable_samplers(binding);
        for (uint32_t element = 0; element < binding.count; ++element) {
            Descriptor& descriptor = set->descriptors[binding.first + element];
            descriptor.type = binding.type;
            if (!immutable.empty())
                descriptor.sampler = immutable[element];
        }
    }

    set->next_ = sets_;
    if (sets_)
        sets_->previous_ = set;
    sets_ = set;
    ++set_count;
    for (uint32_t type = 0; type < kDescriptorTypeCount; ++type)
        used[type] += layout.table.type_counts[type];
    *out = set;
    return VK_SUCCESS;
}

void DescriptorPool::free(DescriptorSet* set) {
    if (set->previous_)
        set->previous_->next_ = set->next_;
    else
        sets_ = set->next_;
    if (set->next_)
        set->next_->previous_ = set->previous_;
    --set_count;
    for (uint32_t type = 0; type < kDescriptorTypeCount; ++type)
        used[type] -= set->layout.type_counts[type];
    names.forget(reinterpret_cast<uintptr_t>(set));
    destroy_object(allocator, set);
}

void DescriptorPool::reset() {
    while (sets_)
        free(sets_);
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkCreateDescriptorSetLayout(VkDevice device,
                                                                const VkDescriptorSetLayoutCreateInfo* pCreateInfo,
                                                                const VkAllocationCallbacks* pAllocator,
                                                                VkDescriptorSetLayout* pSetLayout) {
    Device* parent = Device::from(device);
    DescriptorSetLayout* layout = parent->create_child<DescriptorSetLayout>(pAllocator);
    if (!layout)
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    layout->flags = pCreateInfo->flags;
    if (!layout->table.build(*pCreateInfo, parent->allocator_for(pAllocator), VK_SYSTEM_ALLOCATION_SCOPE_OBJECT)) {
        parent->destroy_child(pAllocator, layout);
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    }
    *pSetLayout = layout->handle();
    return VK_SUCCESS;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkDestroyDescriptorSetLayout(VkDevice device, VkDescriptorSetLayout layout,
                                                             const VkAllocationCallbacks* pAllocator) {
    Device::from(device)->destroy_child(pAllocator, DescriptorSetLayout::from(layout));
}

// Any layout whose descriptors fit kMaxPerSetDescriptors can be created and allocated (host
// memory permitting); types beyond 1.1 core belong to extensions Kiln does not offer.
VKAPI_ATTR void VKAPI_CALL kiln_vkGetDescriptorSetLayoutSupport(VkDevice,
                                                                const VkDescriptorSetLayoutCreateInfo* pCreateInfo,
                                                                VkDescriptorSetLayoutSupport* pSupport) {
    uint64_t descriptors = 0;
    bool known_types = true;
    for (uint32_t i = 0; i < pCreateInfo->bindingCount; ++i) {
        const VkDescriptorSetLayoutBinding& binding = pCreateInfo->pBindings[i];
        descriptors += binding.descriptorCount;
        known_types = known_types && static_cast<uint32_t>(binding.descriptorType) < kDescriptorTypeCount;
    }
    pSupport->supported = known_types && descriptors <= kMaxPerSetDescriptors ? VK_TRUE : VK_FALSE;
    // No variable-sized bindings: descriptorBindingVariableDescriptorCount is not reported.
    if (auto* variable = find_out<VkDescriptorSetVariableDescriptorCountLayoutSupport>(pSupport->pNext))
        variable->maxVariableDescriptorCount = 0;
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkCreateDescriptorPool(VkDevice device,
                                                           const VkDescriptorPoolCreateInfo* pCreateInfo,
                                                           const VkAllocationCallbacks* pAllocator,
                                                           VkDescriptorPool* pDescriptorPool) {
    Device* parent = Device::from(device);
    DescriptorPool* pool =
        parent->create_child<DescriptorPool>(pAllocator, parent->object_names, parent->allocator_for(pAllocator),
                                             *pCreateInfo);
    if (!pool)
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    *pDescriptorPool = pool->handle();
    return VK_SUCCESS;
}

// Destroying a pool frees its sets (vkDestroyDescriptorPool).
VKAPI_ATTR void VKAPI_CALL kiln_vkDestroyDescriptorPool(VkDevice device, VkDescriptorPool pool,
                                                        const VkAllocationCallbacks* pAllocator) {
    Device::from(device)->destroy_child(pAllocator, DescriptorPool::from(pool));
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkResetDescriptorPool(VkDevice, VkDescriptorPool pool, VkDescriptorPoolResetFlags) {
    DescriptorPool::from(pool)->reset();
    return VK_SUCCESS;
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkAllocateDescriptorSets(VkDevice, const VkDescriptorSetAllocateInfo* pAllocateInfo,
                                                             VkDescriptorSet* pDescriptorSets) {
    DescriptorPool& pool = *DescriptorPool::from(pAllocateInfo->descriptorPool);
    for (uint32_t i = 0; i < pAllocateInfo->descriptorSetCount; ++i) {
        DescriptorSet* set = nullptr;
        VkResult result = pool.allocate(*DescriptorSetLayout::from(pAllocateInfo->pSetLayouts[i]), &set);
        if (result != VK_SUCCESS) {
            // vkAllocateDescriptorSets: on failure the sets this call made are freed and every
            // element of pDescriptorSets is VK_NULL_HANDLE.
            for (uint32_t made = 0; made < i; ++made)
                pool.free(DescriptorSet::from(pDescriptorSets[made]));
            std::fill_n(pDescriptorSets, pAllocateInfo->descriptorSetCount, VK_NULL_HANDLE);
            return result;
        }
        pDescriptorSets[i] = set->handle();
    }
    return VK_SUCCESS;
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkFreeDescriptorSets(VkDevice, VkDescriptorPool handle, uint32_t descriptorSetCount,
                                                         const VkDescriptorSet* pDescriptorSets) {
    DescriptorPool& pool = *DescriptorPool::from(handle);
    // VUID-vkFreeDescriptorSets-descriptorPool-00312: only pools created with
    // FREE_DESCRIPTOR_SET_BIT free single sets. Otherwise the sets stay, as they do in a valid program.
    if (!(pool.flags & VK_DESCRIPTOR_POOL_CREATE_FREE_DESCRIPTOR_SET_BIT))
        return VK_SUCCESS;
    for (uint32_t i = 0; i < descriptorSetCount; ++i)
        if (pDescriptorSets[i] != VK_NULL_HANDLE)  // VK_NULL_HANDLE entries are ignored
            pool.free(DescriptorSet::from(pDescriptorSets[i]));
    return VK_SUCCESS;
}
