// VkImage and VkImageView. The memory layout is format::ImageLayout, the same in every
// Kiln device and process.
#pragma once

#include <cstddef>
#include <cstdint>

#include "format/image_layout.h"
#include "object.h"

namespace kiln {

class DeviceMemory;

class Image {
public:
    static Image* from(VkImage handle) { return reinterpret_cast<Image*>(handle); }
    VkImage handle() { return reinterpret_cast<VkImage>(this); }

    VkImageCreateFlags flags = 0;
    VkImageTiling tiling = VK_IMAGE_TILING_OPTIMAL;
    VkImageUsageFlags usage = 0;
    VkSampleCountFlagBits samples = VK_SAMPLE_COUNT_1_BIT;
    format::ImageLayout layout;
    // VkExternalMemoryImageCreateInfo{,NV}::handleTypes (as KHR types), and a digest of the
    // creation parameters (what a dedicated import of exported memory is checked against).
    VkExternalMemoryHandleTypeFlags external_types = 0;
    uint64_t digest = 0;
    DeviceMemory* memory = nullptr;
    VkDeviceSize memory_offset = 0;

    VkMemoryRequirements memory_requirements() const;
    std::byte* address() const;
};

class ImageView {
public:
    static ImageView* from(VkImageView handle) { return reinterpret_cast<ImageView*>(handle); }
    VkImageView handle() { return reinterpret_cast<VkImageView>(this); }

    Image* image = nullptr;
    VkImageViewType type = VK_IMAGE_VIEW_TYPE_2D;
    VkFormat format = VK_FORMAT_UNDEFINED;
    VkComponentMapping components{};
    VkImageSubresourceRange range{};
};

}  // namespace kiln
