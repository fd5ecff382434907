#include "image_layout.h"

#include <algorithm>

#include "texel.h"
#include "vk_formats.h"

namespace kiln::format {

static uint64_t align(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

static uint32_t mip_extent(uint32_t base, uint32_t level) { return std::max(1u, base >> level); }

static void lay_out_plane(PlaneLayout& plane, const ImageShape& shape, uint64_t* cursor) {
    for (uint32_t level = 0; level < shape.mip_levels; ++level) {
        MipLayout& m = plane.mips[level];
        m.width = mip_extent(shape.extent.width, level);
        m.height = mip_extent(shape.extent.height, level);
        m.depth = mip_extent(shape.extent.depth, level);
        const uint64_t blocks_x = (m.width + plane.block_width - 1) / plane.block_width;
        const uint64_t blocks_y = (m.height + plane.block_height - 1) / plane.block_height;
        const uint64_t blocks_z = (m.depth + plane.block_depth - 1) / plane.block_depth;
        m.row_pitch = blocks_x * plane.pixel_stride();
        m.depth_pitch = m.row_pitch * blocks_y;
        m.array_pitch = align(m.depth_pitch * blocks_z, 16);
        m.offset = *cursor;
        *cursor += m.array_pitch * shape.array_layers;
    }
}

bool ImageLayout::compute(const ImageShape& shape, ImageLayout* out) {
    const gen::FormatInfo* info = gen::format_info(shape.format);
    if (!info || shape.mip_levels == 0 || shape.mip_levels > kMaxMipLevels || shape.array_layers == 0)
        return false;
    // VUID-VkImageCreateInfo-samples-02257: multisampled images are 2D with one level.
    if (shape.samples != 1 && (shape.samples == 0 || shape.type != VK_IMAGE_TYPE_2D || shape.mip_levels != 1))
        return false;
    ImageLayout layout;
    layout.shape_ = shape;
    const uint32_t depth_size = depth_texel_size(shape.format);
    const bool has_stencil = shape.format == VK_FORMAT_S8_UINT || shape.format == VK_FORMAT_D16_UNORM_S8_UINT ||
                             shape.format == VK_FORMAT_D24_UNORM_S8_UINT ||
                             shape.format == VK_FORMAT_D32_SFLOAT_S8_UINT;
    if (depth_size) {
        PlaneLayout& p = layout.planes_[layout.plane_count_++];
        p.aspect = VK_IMAGE_ASPECT_DEPTH_BIT;
        p.texel_size = depth_size;
    }
    if (has_stencil) {
        PlaneLayout& p = layout.planes_[layout.plane_count_++];
        p.aspect = VK_IMAGE_ASPECT_STENCIL_BIT;
        p.texel_size = 1;
    }
    if (!depth_size && !has_stencil) {
        if (info->compressed || info->ycbcr || info->plane_count)
            return false;
        PlaneLayout& p = layout.planes_[layout.plane_count_++];
        p.aspect = VK_IMAGE_ASPECT_COLOR_BIT;
        p.texel_size = info->block_size;
        p.block_width = info->block_extent[0];
        p.block_height = info->block_extent[1];
        p.block_depth = info->block_extent[2];
    }
    for (uint32_t i = 0; i < layout.plane_count_; ++i)
        layout.planes_[i].samples = shape.samples;
    uint64_t cursor = 0;
    for (uint32_t i = 0; i < layout.plane_count_; ++i) {
        cursor = align(cursor, 64);
        lay_out_plane(layout.planes_[i], shape, &cursor);
    }
    layout.size_ = align(cursor, 16);
    *out = layout;
    return true;
}

const PlaneLayout* ImageLayout::plane_for(VkImageAspectFlags aspect) const {
    for (uint32_t i = 0; i < plane_count_; ++i)
        if (planes_[i].aspect == aspect)
            return &planes_[i];
    return nullptr;
}

VkImageAspectFlags ImageLayout::aspects() const {
    VkImageAspectFlags flags = 0;
    for (uint32_t i = 0; i < plane_count_; ++i)
        flags |= planes_[i].aspect;
    return flags;
}

}  // namespace kiln::format
