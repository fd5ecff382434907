// Writing descriptors into sets: vkUpdateDescriptorSets (writes and copies) and descriptor update
// templates. Every descriptor is resolved here, once, into the form the shader executor reads.
#include <algorithm>
#include <cstring>

#include "buffer.h"
#include "descriptor.h"
#include "device.h"
#include "image.h"
#include "sampler.h"
#include "vk_entrypoints.h"

using namespace kiln;

namespace {

// The descriptors from (binding, array element) on. Past the end of a binding an update goes on
// at element 0 of the next binding, skipping bindings of descriptorCount 0 ("consecutive binding
// updates", VkWriteDescriptorSet): the bindings behave as one array. The walk ends past the last
// binding, and at a binding of another type (VUID-VkWriteDescriptorSet-descriptorCount-00317), so
// that invalid updates never write outside the set or mix types.
class ConsecutiveDescriptors {
public:
    ConsecutiveDescriptors(const BindingTable& table, uint32_t binding, uint32_t array_element, VkDescriptorType type)
        : bindings_(table.bindings()), element_(array_element), type_(type) {
        const DescriptorBinding* first = table.find(binding);
        position_ = first ? static_cast<size_t>(first - bindings_.data()) : bindings_.size();
    }

    // The next descriptor's index in the set's array, and its binding; false at the end.
    bool next(uint32_t* index, const DescriptorBinding** binding) {
        while (position_ < bindings_.size() && element_ >= bindings_[position_].count)
            element_ -= bindings_[position_++].count;
        if (position_ == bindings_.size() || bindings_[position_].type != type_)
            return false;
        *binding = &bindings_[position_];
        *index = bindings_[position_].first + element_++;
        return true;
    }

private:
    std::span<const DescriptorBinding> bindings_;
    size_t position_;
    uint32_t element_;
    VkDescriptorType type_;
};

enum class InfoKind { Image, Buffer, TexelBuffer, None };

InfoKind info_kind(VkDescriptorType type) {
    switch (type) {
    case VK_DESCRIPTOR_TYPE_SAMPLER:
    case VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER:
    case VK_DESCRIPTOR_TYPE_SAMPLED_IMAGE:
    case VK_DESCRIPTOR_TYPE_STORAGE_IMAGE:
    case VK_DESCRIPTOR_TYPE_INPUT_ATTACHMENT:
        return InfoKind::Image;
    case VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER:
    case VK_DESCRIPTOR_TYPE_STORAGE_BUFFER:
    case VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER_DYNAMIC:
    case VK_DESCRIPTOR_TYPE_STORAGE_BUFFER_DYNAMIC:
        return InfoKind::Buffer;
    case VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER:
    case VK_DESCRIPTOR_TYPE_STORAGE_TEXEL_BUFFER:
        return InfoKind::TexelBuffer;
    default:
        return InfoKind::None;  // extension types Kiln does not offer
    }
}

// Writes `descriptor` of `binding` from `info`: a VkDescriptorImageInfo, VkDescriptorBufferInfo or
// VkBufferView as the type asks. Read with memcpy: a template's pData has no alignment promise.
void write(Descriptor& descriptor, const DescriptorBinding& binding, const void* info) {
    // An immutable sampler stays; the write's sampler is ignored (VkWriteDescriptorSet).
    Sampler* immutable = binding.has_immutable_samplers() ? descriptor.sampler : nullptr;
    descriptor = Descriptor{};
    descriptor.type = binding.type;
    switch (info_kind(binding.type)) {
    case InfoKind::Image: {
        VkDescriptorImageInfo image;
        std::memcpy(&image, info, sizeof image);
        if (binding.type == VK_DESCRIPTOR_TYPE_SAMPLER || binding.type == VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER)
            descriptor.sampler = Sampler::from(image.sampler);
        if (binding.type != VK_DESCRIPTOR_TYPE_SAMPLER) {
            descriptor.image_view = ImageView::from(image.imageView);
            descriptor.layout = image.imageLayout;
        }
        break;
    }
    case InfoKind::Buffer: {
        VkDescriptorBufferInfo buffer_info;
        std::memcpy(&buffer_info, info, sizeof buffer_info);
        const Buffer* buffer = Buffer::from(buffer_info.buffer);
        // VUID-VkDescriptorBufferInfo-offset-00340 (offset < size) and the bound-memory rule: a
        // buffer outside them stays an unwritten descriptor rather than a wild address.
        if (buffer && buffer->address() && buffer_info.offset < buffer->size) {
            descriptor.address = buffer->address() + buffer_info.offset;
            descriptor.range =
                buffer_info.range == VK_WHOLE_SIZE ? buffer->size - buffer_info.offset : buffer_info.range;
        }
        break;
    }
    case InfoKind::TexelBuffer: {
        VkBufferView view;
        std::memcpy(&view, info, sizeof view);
        descriptor.buffer_view = BufferView::from(view);
        break;
    }
    case InfoKind::None:
        break;
    }
    if (immutable)
        descriptor.sampler = immutable;
}

void apply(const VkWriteDescriptorSet& w) {
    DescriptorSet& set = *DescriptorSet::from(w.dstSet);
    const InfoKind kind = info_kind(w.descriptorType);
    const void* infos = kind == InfoKind::Image    ? static_cast<const void*>(w.pImageInfo)
                        : kind == InfoKind::Buffer ? static_cast<const void*>(w.pBufferInfo)
                                                   : static_cast<const void*>(w.pTexelBufferView);
    if (kind == InfoKind::None || !infos)
        return;
    ConsecutiveDescriptors targets(set.layout, w.dstBinding, w.dstArrayElement, w.descriptorType);
    uint32_t index;
    const DescriptorBinding* binding;
    for (uint32_t i = 0; i < w.descriptorCount && targets.next(&index, &binding); ++i) {
        const void* info = kind == InfoKind::Image    ? static_cast<const void*>(w.pImageInfo + i)
                           : kind == InfoKind::Buffer ? static_cast<const void*>(w.pBufferInfo + i)
                                                      : static_cast<const void*>(w.pTexelBufferView + i);
        write(set.descriptors[index], *binding, info);
    }
}

// A copied descriptor is already resolved: it is taken as it is, but for the destination's
// immutable sampler, which stays.
void apply(const VkCopyDescriptorSet& c) {
    const DescriptorSet& src = *DescriptorSet::from(c.srcSet);
    DescriptorSet& dst = *DescriptorSet::from(c.dstSet);
    const DescriptorBinding* first = src.layout.find(c.srcBinding);
    if (!first)
        return;
    ConsecutiveDescriptors sources(src.layout, c.srcBinding, c.srcArrayElement, first->type);
    ConsecutiveDescriptors targets(dst.layout, c.dstBinding, c.dstArrayElement, first->type);
    uint32_t from, to;
    const DescriptorBinding *source_binding, *target_binding;
    for (uint32_t i = 0; i < c.descriptorCount && sources.next(&from, &source_binding) &&
                         targets.next(&to, &target_binding);
         ++i) {
        Descriptor& target = dst.descriptors[to];
        Sampler* immutable = target_binding->has_immutable_samplers() ? target.sampler : nullptr;
        target = src.descriptors[from];
        if (immutable)
            target.sampler = immutable;
    }
}

}  // namespace

// Writes first, then copies, each in array order (vkUpdateDescriptorSets).
VKAPI_ATTR void VKAPI_CALL kiln_vkUpdateDescriptorSets(VkDevice, uint32_t descriptorWriteCount,
                                                       const VkWriteDescriptorSet* pDescriptorWrites,
                                                       uint32_t descriptorCopyCount,
                                                       const VkCopyDescriptorSet* pDescriptorCopies) {
    for (uint32_t i = 0; i < descriptorWriteCount; ++i)
        apply(pDescriptorWrites[i]);
    for (uint32_t i = 0; i < descriptorCopyCount; ++i)
        apply(pDescriptorCopies[i]);
}

// Only VK_DESCRIPTOR_UPDATE_TEMPLATE_TYPE_DESCRIPTOR_SET templates are valid: the push-descriptor
// type needs VK_KHR_push_descriptor, which Kiln does not offer. The entries are all it keeps.
VKAPI_ATTR VkResult VKAPI_CALL kiln_vkCreateDescriptorUpdateTemplate(
    VkDevice device, const VkDescriptorUpdateTemplateCreateInfo* pCreateInfo, const VkAllocationCallbacks* pAllocator,
    VkDescriptorUpdateTemplate* pDescriptorUpdateTemplate) {
    Device* parent = Device::from(device);
    DescriptorUpdateTemplate* update = parent->create_child<DescriptorUpdateTemplate>(pAllocator);
    if (!update)
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    if (!update->entries.allocate(parent->allocator_for(pAllocator), pCreateInfo->descriptorUpdateEntryCount,
                                  VK_SYSTEM_ALLOCATION_SCOPE_OBJECT)) {
        parent->destroy_child(pAllocator, update);
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    }
    std::copy_n(pCreateInfo->pDescriptorUpdateEntries, pCreateInfo->descriptorUpdateEntryCount,
                update->entries.begin());
    *pDescriptorUpdateTemplate = update->handle();
    return VK_SUCCESS;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkDestroyDescriptorUpdateTemplate(VkDevice device,
                                                                  VkDescriptorUpdateTemplate descriptorUpdateTemplate,
                                                                  const VkAllocationCallbacks* pAllocator) {
    Device::from(device)->destroy_child(pAllocator, DescriptorUpdateTemplate::from(descriptorUpdateTemplate));
}

// Entry e's descriptor i is read from pData + offset + i * stride, as the structure its type takes.
VKAPI_ATTR void VKAPI_CALL kiln_vkUpdateDescriptorSetWithTemplate(VkDevice, VkDescriptorSet descriptorSet,
                                                                  VkDescriptorUpdateTemplate descriptorUpdateTemplate,
                                                                  const void* pData) {
    DescriptorSet& set = *DescriptorSet::from(descriptorSet);
    const DescriptorUpdateTemplate& update = *DescriptorUpdateTemplate::from(descriptorUpdateTemplate);
    const auto* data = static_cast<const std::byte*>(pData);
    for (const VkDescriptorUpdateTemplateEntry& entry : update.entries) {
        if (info_kind(entry.descriptorType) == InfoKind::None)
            continue;
        ConsecutiveDescriptors targets(set.layout, entry.dstBinding, entry.dstArrayElement, entry.descriptorType);
        uint32_t index;
        const DescriptorBinding* binding;
        for (uint32_t i = 0; i < entry.descriptorCount && targets.next(&index, &binding); ++i)
            write(set.descriptors[index], *binding, data + entry.offset + size_t(i) * entry.stride);
    }
}
