#include "image_descriptor.h"

#include <algorithm>

#include "buffer.h"
#include "descriptor.h"
#include "format/texel_codec.h"
#include "image.h"
#include "physical_device.h"
#include "sampler.h"

namespace kiln {

namespace {

// VkComponentSwizzle to image.h's selector (0-3 a component, 4 zero, 5 one).
uint8_t selector(VkComponentSwizzle swizzle, uint8_t identity) {
    switch (swizzle) {
    case VK_COMPONENT_SWIZZLE_ZERO: return 4;
    case VK_COMPONENT_SWIZZLE_ONE: return 5;
    case VK_COMPONENT_SWIZZLE_R: return 0;
    case VK_COMPONENT_SWIZZLE_G: return 1;
    case VK_COMPONENT_SWIZZLE_B: return 2;
    case VK_COMPONENT_SWIZZLE_A: return 3;
    default: return identity;  // IDENTITY
    }
}

void resolve_sampler(const Sampler& s, spirv::ImageDescriptor* out) {
    spirv::SamplerState& state = out->sampler;
    state.mag_filter = uint8_t(s.mag_filter == VK_FILTER_LINEAR);
    state.min_filter = uint8_t(s.min_filter == VK_FILTER_LINEAR);
    state.mipmap_mode = uint8_t(s.mipmap_mode == VK_SAMPLER_MIPMAP_MODE_LINEAR);
    const VkSamplerAddressMode modes[3] = {s.address_mode_u, s.address_mode_v, s.address_mode_w};
    for (int i = 0; i < 3; ++i)
        state.address[i] = uint8_t(std::clamp<int>(modes[i], 0, 4));
    state.unnormalized = s.unnormalized_coordinates;
    // Custom border colors need VK_EXT_custom_border_color, which Kiln does not offer.
    state.border = uint8_t(std::clamp<int>(s.border_color, 0, 5));
    state.compare_enable = s.compare_enable;
    state.compare_op = uint8_t(std::clamp<int>(s.compare_op, 0, 7));
    state.lod_bias = s.mip_lod_bias;
    state.min_lod = s.min_lod;
    state.max_lod = s.max_lod;
    out->has_sampler = 1;
}

void resolve_view(const ImageView& view, spirv::ImageDescriptor* out) {
    const Image* image = view.image;
    if (!image || !image->address())
        return;
    // Depth/stencil views are sampled through one aspect (VUID-VkDescriptorImageInfo-imageView-01976):
    // its plane, decoded as that aspect's component.
    const VkImageAspectFlags aspect =
        view.range.aspectMask & (VK_IMAGE_ASPECT_DEPTH_BIT | VK_IMAGE_ASPECT_STENCIL_BIT)
            ? (view.range.aspectMask & VK_IMAGE_ASPECT_DEPTH_BIT ? VK_IMAGE_ASPECT_DEPTH_BIT : VK_IMAGE_ASPECT_STENCIL_BIT)
            : VK_IMAGE_ASPECT_COLOR_BIT;
    const format::PlaneLayout* plane = image->layout.plane_for(aspect);
    const format::TexelCodec* codec = format::aspect_codec(view.format, aspect);
    // A view's format must be size-compatible with the image's (VUID-VkImageViewCreateInfo-image-01761).
    if (!plane || !codec || codec->texel_size != plane->texel_size)
        return;
    const format::ImageShape& shape = image->layout.shape();
    const VkImageSubresourceRange& r = view.range;
    if (r.baseMipLevel >= shape.mip_levels || r.baseArrayLayer >= shape.array_layers)
        return;
    const uint32_t levels = std::min(r.levelCount == VK_REMAINING_MIP_LEVELS ? shape.mip_levels - r.baseMipLevel
                                                                              : r.levelCount,
                                     shape.mip_levels - r.baseMipLevel);
    uint32_t layers = std::min(r.layerCount == VK_REMAINING_ARRAY_LAYERS ? shape.array_layers - r.baseArrayLayer
                                                                          : r.layerCount,
                                shape.array_layers - r.baseArrayLayer);
    if (levels == 0 || layers == 0)
        return;
    // Non-array views see one layer.
    if (view.type == VK_IMAGE_VIEW_TYPE_1D || view.type == VK_IMAGE_VIEW_TYPE_2D || view.type == VK_IMAGE_VIEW_TYPE_3D)
        layers = 1;
    out->base = image->address();
    out->codec = codec;
    out->texel_size = plane->texel_size;
    out->level_count = levels;
    out->layer_count = layers;
    for (uint32_t i = 0; i < levels; ++i) {
        const format::MipLayout& m = plane->mips[r.baseMipLevel + i];
        spirv::ImageLevel& level = out->levels[i];
        level.offset = m.offset + uint64_t(r.baseArrayLayer) * m.array_pitch;
        level.row_pitch = m.row_pitch;
        level.depth_pitch = m.depth_pitch;
        level.array_pitch = m.array_pitch;
        // A multisampled image's row is width x samples texels, a pixel's samples adjacent
        // (format/image_layout.h): OpImageFetch's Sample operand indexes it (spirv/lower_image.cpp).
        level.width = m.width * plane->samples;
        level.height = m.height;
        level.depth = m.depth;
    }
    const VkComponentMapping& c = view.components;
    out->swizzle[0] = selector(c.r, 0);
    out->swizzle[1] = selector(c.g, 1);
    out->swizzle[2] = selector(c.b, 2);
    out->swizzle[3] = selector(c.a, 3);
}

void resolve_texel_buffer(const BufferView& view, spirv::ImageDescriptor* out) {
    const Buffer* buffer = view.buffer;
    const format::TexelCodec* codec = format::texel_codec(view.format);
    if (!buffer || !buffer->address() || !codec || view.offset >= buffer->size)
        return;
    const VkDeviceSize range = std::min(view.range, buffer->size - view.offset);
    // The element count: whole texels in the range, at most maxTexelBufferElements.
    const uint64_t elements = std::min<uint64_t>(range / codec->texel_size, kMaxTexelBufferElements);
    if (elements == 0)
        return;
    out->base = buffer->address() + view.offset;
    out->codec = codec;
    out->texel_size = codec->texel_size;
    out->level_count = 1;
    out->layer_count = 1;
    out->levels[0].width = uint32_t(elements);
    out->levels[0].height = 1;
    out->levels[0].depth = 1;
}

}  // namespace

void resolve_image_descriptor(const Descriptor* d, spirv::ImageDescriptor* out) {
    *out = spirv::ImageDescriptor{};
    if (!d)
        return;
    switch (d->type) {
    case VK_DESCRIPTOR_TYPE_SAMPLER:
    case VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER:
    case VK_DESCRIPTOR_TYPE_SAMPLED_IMAGE:
    case VK_DESCRIPTOR_TYPE_STORAGE_IMAGE:
    case VK_DESCRIPTOR_TYPE_INPUT_ATTACHMENT:
        if (d->image_view && d->type != VK_DESCRIPTOR_TYPE_SAMPLER)
            resolve_view(*d->image_view, out);
        if (d->sampler && (d->type == VK_DESCRIPTOR_TYPE_SAMPLER || d->type == VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER))
            resolve_sampler(*d->sampler, out);
        break;
    case VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER:
    case VK_DESCRIPTOR_TYPE_STORAGE_TEXEL_BUFFER:
        if (d->buffer_view)
            resolve_texel_buffer(*d->buffer_view, out);
        break;
    default:
        break;  // buffers: nothing an image instruction reads
    }
}

}  // namespace kiln
