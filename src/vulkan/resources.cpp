// Buffers, images and their views: creation, memory requirements and layouts.
#include "buffer.h"
#include "device.h"
#include "external/create_rules.h"
#include "external/handle_types.h"
#include "image.h"
#include "physical_device.h"
#include "vk_entrypoints.h"

using namespace kiln;

static constexpr uint32_t kAllMemoryTypes = (1u << kMemoryTypeCount) - 1;

static VkDeviceSize align_up(VkDeviceSize v, VkDeviceSize a) { return (v + a - 1) / a * a; }

// A digest of a resource's creation parameters: two resources created alike have the same one.
// Never 0 (0 means "not dedicated" in a payload header); buffers and images never collide.
template <typename... Fields>
static uint64_t digest_of(uint64_t kind, Fields... fields) {
    uint64_t h = 0xcbf29ce484222325ull ^ kind;
    for (uint64_t field : {uint64_t(fields)...})
        for (int byte = 0; byte < 8; ++byte)
            h = (h ^ ((field >> (8 * byte)) & 0xff)) * 0x100000001b3ull;
    return h | 1;
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkCreateBuffer(VkDevice handle, const VkBufferCreateInfo* pCreateInfo,
                                                   const VkAllocationCallbacks* pAllocator, VkBuffer* pBuffer) {
    Device* device = Device::from(handle);
    // Sparse buffers are not supported (the sparse features are VK_FALSE).
    if (pCreateInfo->flags & (VK_BUFFER_CREATE_SPARSE_BINDING_BIT | VK_BUFFER_CREATE_SPARSE_RESIDENCY_BIT |
                              VK_BUFFER_CREATE_SPARSE_ALIASED_BIT | VK_BUFFER_CREATE_PROTECTED_BIT))
        return VK_ERROR_OUT_OF_DEVICE_MEMORY;
    if (pCreateInfo->size == 0 || pCreateInfo->size > device->physical_device.heap_size)
        return VK_ERROR_OUT_OF_DEVICE_MEMORY;
    if (!external::check_buffer_create(*device, *pCreateInfo))
        return VK_ERROR_VALIDATION_FAILED_EXT;
    Buffer* buffer = device->create_child<Buffer>(pAllocator);
    if (!buffer)
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    buffer->flags = pCreateInfo->flags;
    buffer->size = pCreateInfo->size;
    buffer->usage = pCreateInfo->usage;
    if (auto* external = find<VkExternalMemoryBufferCreateInfo>(pCreateInfo->pNext))
        buffer->external_types = external->handleTypes;
    buffer->digest = digest_of(1, pCreateInfo->flags, pCreateInfo->size, pCreateInfo->usage);
    *pBuffer = buffer->handle();
    return VK_SUCCESS;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkDestroyBuffer(VkDevice device, VkBuffer buffer, const VkAllocationCallbacks* pAllocator) {
    Device::from(device)->destroy_child(pAllocator, Buffer::from(buffer));
}

VkMemoryRequirements Buffer::memory_requirements() const {
    return {align_up(size, kBufferAlignment), kBufferAlignment, kAllMemoryTypes};
}

VkMemoryRequirements Image::memory_requirements() const {
    return {align_up(layout.size(), kImageAlignment), kImageAlignment, kAllMemoryTypes};
}

// Kiln prefers no dedicated allocations -- every allocation is host memory -- but requires one for
// resources that may be bound to memory of a dedicated-only handle type (D3D11_TEXTURE(_KMT),
// D3D12_RESOURCE), exactly when the capability queries report DEDICATED_ONLY.
static void fill_dedicated(void* chain, VkExternalMemoryHandleTypeFlags external_types) {
    if (auto* d = find_out<VkMemoryDedicatedRequirements>(chain)) {
        const VkBool32 required = external::requires_dedicated(external_types) ? VK_TRUE : VK_FALSE;
        d->prefersDedicatedAllocation = required;
        d->requiresDedicatedAllocation = required;
    }
}

VKAPI_ATTR void VKAPI_CALL kiln_vkGetBufferMemoryRequirements(VkDevice, VkBuffer buffer,
                                                              VkMemoryRequirements* pRequirements) {
    *pRequirements = Buffer::from(buffer)->memory_requirements();
}

VKAPI_ATTR void VKAPI_CALL kiln_vkGetBufferMemoryRequirements2(VkDevice, const VkBufferMemoryRequirementsInfo2* pInfo,
                                                               VkMemoryRequirements2* pRequirements) {
    const Buffer& buffer = *Buffer::from(pInfo->buffer);
    pRequirements->memoryRequirements = buffer.memory_requirements();
    fill_dedicated(pRequirements->pNext, buffer.external_types);
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkCreateBufferView(VkDevice handle, const VkBufferViewCreateInfo* pCreateInfo,
                                                       const VkAllocationCallbacks* pAllocator, VkBufferView* pView) {
    BufferView* view = Device::from(handle)->create_child<BufferView>(pAllocator);
    if (!view)
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    view->buffer = Buffer::from(pCreateInfo->buffer);
    view->format = pCreateInfo->format;
    view->offset = pCreateInfo->offset;
    view->range = pCreateInfo->range == VK_WHOLE_SIZE ? view->buffer->size - pCreateInfo->offset : pCreateInfo->range;
    *pView = view->handle();
    return VK_SUCCESS;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkDestroyBufferView(VkDevice device, VkBufferView view,
                                                    const VkAllocationCallbacks* pAllocator) {
    Device::from(device)->destroy_child(pAllocator, BufferView::from(view));
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkCreateImage(VkDevice handle, const VkImageCreateInfo* pCreateInfo,
                                                  const VkAllocationCallbacks* pAllocator, VkImage* pImage) {
    Device* device = Device::from(handle);
    VkImageFormatProperties limits;
    // Parameters beyond vkGetPhysicalDeviceImageFormatProperties are invalid usage
    // (VUID-VkImageCreateInfo-imageCreateMaxMipLevels-02251 and friends); Kiln refuses them
    // with the code that query returns rather than build an image it cannot serve.
    if (kiln_vkGetPhysicalDeviceImageFormatProperties(device->physical_device.handle(), pCreateInfo->format,
                                                      pCreateInfo->imageType, pCreateInfo->tiling, pCreateInfo->usage,
                                                      pCreateInfo->flags, &limits) != VK_SUCCESS ||
        pCreateInfo->mipLevels > limits.maxMipLevels || pCreateInfo->arrayLayers > limits.maxArrayLayers ||
        pCreateInfo->extent.width > limits.maxExtent.width || pCreateInfo->extent.height > limits.maxExtent.height ||
        pCreateInfo->extent.depth > limits.maxExtent.depth || !(pCreateInfo->samples & limits.sampleCounts) ||
        (pCreateInfo->samples != VK_SAMPLE_COUNT_1_BIT && pCreateInfo->mipLevels != 1))  // VUID-VkImageCreateInfo-samples-02257
        return VK_ERROR_FORMAT_NOT_SUPPORTED;
    format::ImageShape shape;
    shape.format = pCreateInfo->format;
    shape.type = pCreateInfo->imageType;
    shape.extent = pCreateInfo->extent;
    shape.mip_levels = pCreateInfo->mipLevels;
    shape.array_layers = pCreateInfo->arrayLayers;
    shape.samples = uint32_t(pCreateInfo->samples);  // the flag bit is the count
    format::ImageLayout layout;
    if (!format::ImageLayout::compute(shape, &layout))
        return VK_ERROR_FORMAT_NOT_SUPPORTED;
    if (layout.size() > device->physical_device.heap_size)
        return VK_ERROR_OUT_OF_DEVICE_MEMORY;
    if (!external::check_image_create(*device, *pCreateInfo))
        return VK_ERROR_VALIDATION_FAILED_EXT;
    Image* image = device->create_child<Image>(pAllocator);
    if (!image)
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    image->flags = pCreateInfo->flags;
    image->tiling = pCreateInfo->tiling;
    image->usage = pCreateInfo->usage;
    image->samples = pCreateInfo->samples;
    image->layout = layout;
    if (auto* external = find<VkExternalMemoryImageCreateInfo>(pCreateInfo->pNext))
        image->external_types = external->handleTypes;
    else if (auto* nv = find<VkExternalMemoryImageCreateInfoNV>(pCreateInfo->pNext))
        image->external_types = external::from_nv(nv->handleTypes);
    const VkExtent3D& e = pCreateInfo->extent;
    image->digest = digest_of(2, pCreateInfo->flags, pCreateInfo->imageType, pCreateInfo->format, e.width, e.height,
                              e.depth, pCreateInfo->mipLevels, pCreateInfo->arrayLayers, pCreateInfo->samples,
                              pCreateInfo->tiling, pCreateInfo->usage);
    *pImage = image->handle();
    return VK_SUCCESS;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkDestroyImage(VkDevice device, VkImage image, const VkAllocationCallbacks* pAllocator) {
    Device::from(device)->destroy_child(pAllocator, Image::from(image));
}

VKAPI_ATTR void VKAPI_CALL kiln_vkGetImageMemoryRequirements(VkDevice, VkImage image,
                                                             VkMemoryRequirements* pRequirements) {
    *pRequirements = Image::from(image)->memory_requirements();
}

VKAPI_ATTR void VKAPI_CALL kiln_vkGetImageMemoryRequirements2(VkDevice, const VkImageMemoryRequirementsInfo2* pInfo,
                                                              VkMemoryRequirements2* pRequirements) {
    const Image& image = *Image::from(pInfo->image);
    pRequirements->memoryRequirements = image.memory_requirements();
    fill_dedicated(pRequirements->pNext, image.external_types);
}

VKAPI_ATTR void VKAPI_CALL kiln_vkGetImageSparseMemoryRequirements(VkDevice, VkImage, uint32_t* pCount,
                                                                   VkSparseImageMemoryRequirements*) {
    *pCount = 0;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkGetImageSparseMemoryRequirements2(VkDevice, const VkImageSparseMemoryRequirementsInfo2*,
                                                                    uint32_t* pCount,
                                                                    VkSparseImageMemoryRequirements2*) {
    *pCount = 0;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkGetImageSubresourceLayout(VkDevice, VkImage handle,
                                                            const VkImageSubresource* pSubresource,
                                                            VkSubresourceLayout* pLayout) {
    const Image& image = *Image::from(handle);
    *pLayout = {};
    const format::PlaneLayout* plane = image.layout.plane_for(pSubresource->aspectMask);
    if (!plane || pSubresource->mipLevel >= image.layout.shape().mip_levels ||
        pSubresource->arrayLayer >= image.layout.shape().array_layers)
        return;  // invalid usage: leave a zero layout rather than read out of range
    const format::MipLayout& mip = plane->mips[pSubresource->mipLevel];
    pLayout->offset = mip.offset + pSubresource->arrayLayer * mip.array_pitch;
    pLayout->size = mip.array_pitch;
    pLayout->rowPitch = mip.row_pitch;
    pLayout->depthPitch = mip.depth_pitch;
    pLayout->arrayPitch = mip.array_pitch;
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkCreateImageView(VkDevice handle, const VkImageViewCreateInfo* pCreateInfo,
                                                      const VkAllocationCallbacks* pAllocator, VkImageView* pView) {
    ImageView* view = Device::from(handle)->create_child<ImageView>(pAllocator);
    if (!view)
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    view->image = Image::from(pCreateInfo->image);
    view->type = pCreateInfo->viewType;
    view->format = pCreateInfo->format;
    view->components = pCreateInfo->components;
    view->range = pCreateInfo->subresourceRange;
    *pView = view->handle();
    return VK_SUCCESS;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkDestroyImageView(VkDevice device, VkImageView view,
                                                   const VkAllocationCallbacks* pAllocator) {
    Device::from(device)->destroy_child(pAllocator, ImageView::from(view));
}
