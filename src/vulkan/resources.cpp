// Buffers, images and their views: creation, memory requirements and layouts.
#include "buffer.h"
#include "device.h"
#include "image.h"
#include "physical_device.h"
#include "vk_entrypoints.h"

using namespace kiln;

static constexpr uint32_t kAllMemoryTypes = (1u << kMemoryTypeCount) - 1;

static VkDeviceSize align_up(VkDeviceSize v, VkDeviceSize a) { return (v + a - 1) / a * a; }

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkCreateBuffer(VkDevice handle, const VkBufferCreateInfo* pCreateInfo,
                                                   const VkAllocationCallbacks* pAllocator, VkBuffer* pBuffer) {
    Device* device = Device::from(handle);
    // Sparse buffers are not supported (the sparse features are VK_FALSE).
    if (pCreateInfo->flags & (VK_BUFFER_CREATE_SPARSE_BINDING_BIT | VK_BUFFER_CREATE_SPARSE_RESIDENCY_BIT |
                              VK_BUFFER_CREATE_SPARSE_ALIASED_BIT | VK_BUFFER_CREATE_PROTECTED_BIT))
        return VK_ERROR_OUT_OF_DEVICE_MEMORY;
    if (pCreateInfo->size == 0 || pCreateInfo->size > device->physical_device.heap_size)
        return VK_ERROR_OUT_OF_DEVICE_MEMORY;
    Buffer* buffer = device->create_child<Buffer>(pAllocator);
    if (!buffer)
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    buffer->flags = pCreateInfo->flags;
    buffer->size = pCreateInfo->size;
    buffer->usage = pCreateInfo->usage;
    *pBuffer = buffer->handle();
    return VK_SUCCESS;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkDestroyBuffer(VkDevice device, VkBuffer buffer, const VkAllocationCallbacks* pAllocator) {
    Device::from(device)->destroy_child(pAllocator, Buffer::from(buffer));
}

static VkMemoryRequirements buffer_requirements(const Buffer& buffer) {
    return {align_up(buffer.size, kBufferAlignment), kBufferAlignment, kAllMemoryTypes};
}

static VkMemoryRequirements image_requirements(const Image& image) {
    return {align_up(image.layout.size(), kImageAlignment), kImageAlignment, kAllMemoryTypes};
}

// Kiln has no preference for dedicated allocations: every allocation is plain host memory.
static void fill_dedicated(void* chain) {
    if (auto* d = find_out<VkMemoryDedicatedRequirements>(chain)) {
        d->prefersDedicatedAllocation = VK_FALSE;
        d->requiresDedicatedAllocation = VK_FALSE;
    }
}

VKAPI_ATTR void VKAPI_CALL kiln_vkGetBufferMemoryRequirements(VkDevice, VkBuffer buffer,
                                                              VkMemoryRequirements* pRequirements) {
    *pRequirements = buffer_requirements(*Buffer::from(buffer));
}

VKAPI_ATTR void VKAPI_CALL kiln_vkGetBufferMemoryRequirements2(VkDevice, const VkBufferMemoryRequirementsInfo2* pInfo,
                                                               VkMemoryRequirements2* pRequirements) {
    pRequirements->memoryRequirements = buffer_requirements(*Buffer::from(pInfo->buffer));
    fill_dedicated(pRequirements->pNext);
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
        pCreateInfo->extent.depth > limits.maxExtent.depth || !(pCreateInfo->samples & limits.sampleCounts))
        return VK_ERROR_FORMAT_NOT_SUPPORTED;
    format::ImageShape shape;
    shape.format = pCreateInfo->format;
    shape.type = pCreateInfo->imageType;
    shape.extent = pCreateInfo->extent;
    shape.mip_levels = pCreateInfo->mipLevels;
    shape.array_layers = pCreateInfo->arrayLayers;
    format::ImageLayout layout;
    if (!format::ImageLayout::compute(shape, &layout))
        return VK_ERROR_FORMAT_NOT_SUPPORTED;
    if (layout.size() > device->physical_device.heap_size)
        return VK_ERROR_OUT_OF_DEVICE_MEMORY;
    Image* image = device->create_child<Image>(pAllocator);
    if (!image)
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    image->flags = pCreateInfo->flags;
    image->tiling = pCreateInfo->tiling;
    image->usage = pCreateInfo->usage;
    image->samples = pCreateInfo->samples;
    image->layout = layout;
    *pImage = image->handle();
    return VK_SUCCESS;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkDestroyImage(VkDevice device, VkImage image, const VkAllocationCallbacks* pAllocator) {
    Device::from(device)->destroy_child(pAllocator, Image::from(image));
}

VKAPI_ATTR void VKAPI_CALL kiln_vkGetImageMemoryRequirements(VkDevice, VkImage image,
                                                             VkMemoryRequirements* pRequirements) {
    *pRequirements = image_requirements(*Image::from(image));
}

VKAPI_ATTR void VKAPI_CALL kiln_vkGetImageMemoryRequirements2(VkDevice, const VkImageMemoryRequirementsInfo2* pInfo,
                                                              VkMemoryRequirements2* pRequirements) {
    pRequirements->memoryRequirements = image_requirements(*Image::from(pInfo->image));
    fill_dedicated(pRequirements->pNext);
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
