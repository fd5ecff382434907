// The resource-binding objects: descriptor set layouts, descriptor pools and sets, descriptor
// update templates and pipeline layouts.
//
// A set holds its descriptors resolved at update time -- a buffer descriptor is an address and a
// range, not a VkBuffer -- because the spec requires a buffer to be bound to memory before it is
// written into a set (VUID-VkWriteDescriptorSet-descriptorType-00329) and forbids rebinding it.
// The shader executor reads Descriptor values as they are.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "host_array.h"
#include "object.h"

namespace kiln {

class BufferView;
class DescriptorPool;
class ImageView;
class ObjectNames;
class Sampler;

// The descriptor types of Vulkan 1.1 core: the only ones, as Kiln advertises no extension adding one.
inline constexpr uint32_t kDescriptorTypeCount = VK_DESCRIPTOR_TYPE_INPUT_ATTACHMENT + 1;
// The most descriptors in one set for which vkGetDescriptorSetLayoutSupport answers VK_TRUE: the
// value VkPhysicalDeviceMaintenance3Properties::maxPerSetDescriptors should report. Nothing in
// the layout or set code depends on it; it keeps one set's descriptor array (56 bytes each) sane.
inline constexpr uint32_t kMaxPerSetDescriptors = 65536;

inline bool is_dynamic_buffer(VkDescriptorType type) {
    return type == VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER_DYNAMIC || type == VK_DESCRIPTOR_TYPE_STORAGE_BUFFER_DYNAMIC;
}

// One descriptor, as the shader executor reads it. Which fields mean something depends on `type`;
// the others are zero.
struct Descriptor {
    VkDescriptorType type = VK_DESCRIPTOR_TYPE_SAMPLER;
    // UNIFORM_BUFFER, STORAGE_BUFFER (and _DYNAMIC): buffer->address() + offset, and the range with
    // VK_WHOLE_SIZE resolved to buffer size - offset. For _DYNAMIC types the bind-time dynamic
    // offset is added by the reader. NULL for a buffer never written.
    std::byte* address = nullptr;
    VkDeviceSize range = 0;
    // SAMPLER, COMBINED_IMAGE_SAMPLER, SAMPLED_IMAGE, STORAGE_IMAGE, INPUT_ATTACHMENT. An
    // immutable sampler is filled in when the set is allocated and never overwritten.
    ImageView* image_view = nullptr;
    Sampler* sampler = nullptr;
    VkImageLayout layout = VK_IMAGE_LAYOUT_UNDEFINED;
    // UNIFORM_TEXEL_BUFFER, STORAGE_TEXEL_BUFFER.
    BufferView* buffer_view = nullptr;
};

// One binding of a set layout.
struct DescriptorBinding {
    static constexpr uint32_t kNoImmutableSamplers = UINT32_MAX;

    uint32_t binding = 0;
    VkDescriptorType type = VK_DESCRIPTOR_TYPE_SAMPLER;
    uint32_t count = 0;  // descriptorCount; 0 reserves the binding number and holds nothing
    VkShaderStageFlags stages = 0;
    uint32_t first = 0;  // array element 0's index in the set's Descriptor array
    // Dynamic buffer types: array element 0's index among the set's dynamic offsets (the order of
    // pDynamicOffsets: binding number, then array element). 0 for other types.
    uint32_t first_dynamic = 0;
    // Index of array element 0's sampler in BindingTable::immutable_samplers(), or kNoImmutableSamplers.
    uint32_t first_immutable_sampler = kNoImmutableSamplers;

    bool has_immutable_samplers() const { return first_immutable_sampler != kNoImmutableSamplers; }
};

// A set layout's bindings, sorted by binding number, with the immutable samplers they name. Sets
// and pipeline layouts keep their own copies: the spec lets the set layout be destroyed while
// they live.
class BindingTable {
public:
    // False when out of host memory or when the descriptors do not fit one 32-bit index.
    bool build(const VkDescriptorSetLayoutCreateInfo& info, const HostAllocator& allocator,
               VkSystemAllocationScope scope);
    bool copy_from(const BindingTable& other, const HostAllocator& allocator, VkSystemAllocationScope scope);

    std::span<const DescriptorBinding> bindings() const { return bindings_.span(); }
    // The binding numbered `binding`, or NULL.
    const DescriptorBinding* find(uint32_t binding) const;
    // `binding`'s immutable samplers (count elements), or an empty span.
    std::span<Sampler* const> immutable_samplers(const DescriptorBinding& binding) const;

    uint32_t descriptor_count = 0;  // the length of a set's Descriptor array
    uint32_t dynamic_count = 0;     // UNIFORM_BUFFER_DYNAMIC and STORAGE_BUFFER_DYNAMIC descriptors
    std::array<uint32_t, kDescriptorTypeCount> type_counts{};  // descriptors per type: pool accounting

private:
    HostArray<DescriptorBinding> bindings_;
    HostArray<Sampler*> immutable_samplers_;
};

class DescriptorSetLayout {
public:
    KILN_HANDLE_CASTS(DescriptorSetLayout, VkDescriptorSetLayout)

    VkDescriptorSetLayoutCreateFlags flags = 0;
    BindingTable table;
};

class DescriptorSet {
public:
    KILN_HANDLE_CASTS(DescriptorSet, VkDescriptorSet)
    explicit DescriptorSet(DescriptorPool& pool) : pool(pool) {}

    DescriptorPool& pool;
    BindingTable layout;               // a copy of the set layout's table
    HostArray<Descriptor> descriptors;  // layout.descriptor_count of them

    // Array element `array_element` of binding `binding`; NULL when either is out of range.
    const Descriptor* find(uint32_t binding, uint32_t array_element) const;

private:
    friend class DescriptorPool;
    DescriptorSet* previous_ = nullptr;  // the pool's list of live sets
    DescriptorSet* next_ = nullptr;
};

// A set and its arrays come from the pool's host allocator (VkAllocationCallbacks given to
// vkCreateDescriptorPool); the pool counts sets and descriptors per type against the capacity the
// application gave it.
class DescriptorPool {
public:
    KILN_HANDLE_CASTS(DescriptorPool, VkDescriptorPool)
    DescriptorPool(ObjectNames& names, const HostAllocator& allocator, const VkDescriptorPoolCreateInfo& info);
    ~DescriptorPool() { reset(); }

    ObjectNames& names;  // the device's: a freed set's name goes with it
    HostAllocator allocator;
    VkDescriptorPoolCreateFlags flags;
    uint32_t max_sets;
    std::array<uint64_t, kDescriptorTypeCount> capacity{};  // summed over VkDescriptorPoolSize entries
    uint32_t set_count = 0;
    std::array<uint64_t, kDescriptorTypeCount> used{};

    // VK_ERROR_OUT_OF_POOL_MEMORY when a set or a descriptor of some type would exceed the capacity.
    VkResult allocate(const DescriptorSetLayout& layout, DescriptorSet** set);
    void free(DescriptorSet* set);
    void reset();  // frees every set

private:
    DescriptorSet* sets_ = nullptr;
};

class DescriptorUpdateTemplate {
public:
    KILN_HANDLE_CASTS(DescriptorUpdateTemplate, VkDescriptorUpdateTemplate)

    HostArray<VkDescriptorUpdateTemplateEntry> entries;
};

class PipelineLayout {
public:
    KILN_HANDLE_CASTS(PipelineLayout, VkPipelineLayout)

    HostArray<BindingTable> sets;  // per set number; copies, as set layouts may be destroyed first
    HostArray<VkPushConstantRange> push_constant_ranges;
    uint32_t push_constant_size = 0;  // bytes: the end of the furthest range
    // The dynamic descriptors of the sets below set s. vkCmdBindDescriptorSets(firstSet, ...) takes
    // set s's dynamic offsets from pDynamicOffsets[dynamic_offset_start[s] - dynamic_offset_start[firstSet]]
    // on, in the order of DescriptorBinding::first_dynamic.
    HostArray<uint32_t> dynamic_offset_start;
    uint32_t dynamic_offset_count = 0;  // over all sets
};

}  // namespace kiln
