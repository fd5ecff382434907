// Kiln's one image memory layout. It is the same in every Kiln device and process, because
// an image imported from another device or process must read the same texels
// (docs/image-layout.md describes it for users).
//
//  * An image is one or more planes: the color plane, or a depth and/or a stencil plane
//    (combined depth/stencil formats are stored as two planes, so aspect copies are plain copies).
//  * A plane holds its mip levels in order; a level holds its array layers in order; a layer
//    is `depth` slices of `rows` rows of texel blocks, rows packed tightly.
//  * Levels start on 16-byte boundaries (array_pitch is a multiple of 16); planes on 64.
//  * LINEAR and OPTIMAL tiling use the same rule, so VkSubresourceLayout describes both.
//  * Multisampled images (2D, one level): the samples of a pixel are adjacent, sample s of pixel
//    (x, y) at texel_offset(x, y) + s * texel_size. A row is width * samples texels, so a whole-layer
//    fill clears every sample, and resolves and the rasterizer read a pixel's samples in one line.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vulkan/vulkan_core.h>

namespace kiln::format {

inline constexpr uint32_t kMaxMipLevels = 15;  // log2(maxImageDimension2D = 16384) + 1

struct MipLayout {
    uint64_t offset = 0;       // from the start of the image
    uint64_t row_pitch = 0;    // bytes between block rows
    uint64_t depth_pitch = 0;  // bytes between slices
    uint64_t array_pitch = 0;  // bytes between array layers
    uint32_t width = 0, height = 0, depth = 0;  // in texels
};

struct PlaneLayout {
    VkImageAspectFlagBits aspect = VK_IMAGE_ASPECT_COLOR_BIT;
    uint32_t texel_size = 0;  // bytes per texel block
    uint32_t block_width = 1, block_height = 1, block_depth = 1;
    uint32_t samples = 1;  // texels per pixel, adjacent (file comment)
    // Bytes from one pixel (texel block) to the next along a row: all of its samples.
    uint32_t pixel_stride() const { return texel_size * samples; }
    std::array<MipLayout, kMaxMipLevels> mips{};
};

struct ImageShape {
    VkFormat format = VK_FORMAT_UNDEFINED;
    VkImageType type = VK_IMAGE_TYPE_2D;
    VkExtent3D extent{1, 1, 1};
    uint32_t mip_levels = 1;
    uint32_t array_layers = 1;
    uint32_t samples = 1;  // VkSampleCountFlagBits as a count
};

class ImageLayout {
public:
    // False when the format has no layout in Kiln (compressed, multi-planar or unknown).
    static bool compute(const ImageShape& shape, ImageLayout* out);

    const ImageShape& shape() const { return shape_; }
    uint64_t size() const { return size_; }
    uint32_t plane_count() const { return plane_count_; }
    const PlaneLayout& plane(uint32_t index) const { return planes_[index]; }
    // The plane of one aspect, or NULL when the image has no such aspect.
    const PlaneLayout* plane_for(VkImageAspectFlags aspect) const;
    VkImageAspectFlags aspects() const;

    // Byte offset of texel (x, y, z) of `layer` in `mip` of a plane; x, y, z in texels,
    // multiples of the block extent. For multisampled images: the pixel's sample 0.
    uint64_t texel_offset(const PlaneLayout& plane, uint32_t mip, uint32_t layer,
                          uint32_t x, uint32_t y, uint32_t z) const {
        const MipLayout& m = plane.mips[mip];
        return m.offset + layer * m.array_pitch + (z / plane.block_depth) * m.depth_pitch +
               (y / plane.block_height) * m.row_pitch + (x / plane.block_width) * uint64_t(plane.pixel_stride());
    }

private:
    ImageShape shape_{};
    uint64_t size_ = 0;
    uint32_t plane_count_ = 0;
    std::array<PlaneLayout, 2> planes_{};
};

}  // namespace kiln::format
