// Multisample resolves: vkCmdResolveImage, and the resolves of render pass instances (subpass
// resolve attachments, VkSubpassDescriptionDepthStencilResolve, and dynamic rendering's
// resolveImageView), all recorded as exec::ResolveCmd (exec/resolve.cpp does the work).
#include "command_buffer.h"
#include "exec/commands.h"
#include "image.h"
#include "rendering.h"
#include "vk_entrypoints.h"

namespace kiln {

void record_resolve(CommandBuffer* cb, const AttachmentBinding& src, const AttachmentBinding& dst,
                    VkImageAspectFlagBits aspect, VkResolveModeFlagBits mode, const VkRect2D& area, uint32_t layers) {
    if (!src.bound() || !dst.bound() || mode == VK_RESOLVE_MODE_NONE || !(src.image.layout->aspects() & aspect) ||
        !(dst.image.layout->aspects() & aspect))
        return;
    auto* cmd = record<exec::ResolveCmd>(cb, exec::Op::Resolve);
    if (!cmd)
        return;
    cmd->src = src.image;
    cmd->dst = dst.image;
    cmd->format = src.format;
    cmd->aspect = aspect;
    cmd->mode = mode;
    cmd->src_mip = src.mip_level;
    cmd->src_layer = src.base_layer;
    cmd->dst_mip = dst.mip_level;
    cmd->dst_layer = dst.base_layer;
    cmd->layer_count = layers;
    cmd->src_offset = cmd->dst_offset = area.offset;
    cmd->extent = area.extent;
}

}  // namespace kiln

using namespace kiln;

// "Resolving Multisample Images": color images only (VUID-vkCmdResolveImage-srcImage-06762 asks
// for COLOR_ATTACHMENT format features), averaged for float and normalized formats, sample 0 for
// integer ones.
VKAPI_ATTR void VKAPI_CALL kiln_vkCmdResolveImage(VkCommandBuffer handle, VkImage srcImage, VkImageLayout,
                                                  VkImage dstImage, VkImageLayout, uint32_t regionCount,
                                                  const VkImageResolve* pRegions) {
    CommandBuffer* cb = CommandBuffer::from(handle);
    const Image* src = Image::from(srcImage);
    const Image* dst = Image::from(dstImage);
    for (uint32_t i = 0; i < regionCount; ++i) {
        const VkImageResolve& r = pRegions[i];
        auto* cmd = record<exec::ResolveCmd>(cb, exec::Op::Resolve);
        if (!cmd)
            return;
        cmd->src = {src->address(), &src->layout};
        cmd->dst = {dst->address(), &dst->layout};
        cmd->format = src->layout.shape().format;
        cmd->aspect = VK_IMAGE_ASPECT_COLOR_BIT;
        cmd->mode = VK_RESOLVE_MODE_AVERAGE_BIT;
        cmd->src_mip = r.srcSubresource.mipLevel;
        cmd->src_layer = r.srcSubresource.baseArrayLayer;
        cmd->dst_mip = r.dstSubresource.mipLevel;
        cmd->dst_layer = r.dstSubresource.baseArrayLayer;
        // VUID-VkImageResolve-layerCount-08803: the two layer counts match (REMAINING: the source's rest).
        cmd->layer_count = r.srcSubresource.layerCount == VK_REMAINING_ARRAY_LAYERS
                               ? src->layout.shape().array_layers - r.srcSubresource.baseArrayLayer
                               : r.srcSubresource.layerCount;
        cmd->src_offset = {r.srcOffset.x, r.srcOffset.y};
        cmd->dst_offset = {r.dstOffset.x, r.dstOffset.y};
        cmd->extent = {r.extent.width, r.extent.height};
    }
}
