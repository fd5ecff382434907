// Render pass instances: vkCmdBeginRenderPass{,2} / vkCmdNextSubpass{,2} / vkCmdEndRenderPass{,2},
// vkCmdBeginRendering / vkCmdEndRendering (VK_KHR_dynamic_rendering) and vkCmdClearAttachments.
// They keep the command buffer's RenderingState (rendering.h) and record the load operations and
// the resolves (resolve.cpp). Clears of multisampled attachments fill every sample.
//
// Kiln renders straight into attachment memory, so of the spec's attachment operations only a
// CLEAR load op does work: LOAD finds the contents where they are; DONT_CARE may leave anything,
// and leaving the old contents is allowed; every store op (STORE, DONT_CARE, NONE) leaves what was
// rendered, which the spec allows for all three; preserve attachments are never touched.
#include <algorithm>

#include "command_buffer.h"
#include "exec/commands.h"
#include "format/texel.h"
#include "image.h"
#include "render_pass.h"
#include "vk_entrypoints.h"

namespace kiln {
namespace {

AttachmentBinding bind(const ImageView* view, VkImageAspectFlags aspects, uint32_t attachment, VkImageLayout layout) {
    AttachmentBinding b;
    if (!view)
        return b;
    const Image* image = view->image;
    b.view = view;
    b.image = {image->address(), &image->layout};
    b.format = view->format;
    b.mip_level = view->range.baseMipLevel;
    b.base_layer = view->range.baseArrayLayer;
    b.aspects = aspects & image->layout.aspects();
    b.attachment = attachment;
    b.layout = layout;
    return b;
}

// Records a clear of one aspect of a bound attachment over `rects` (layers relative to the view).
void record_clear(CommandBuffer* cb, const AttachmentBinding& b, VkImageAspectFlagBits aspect,
                  const VkClearValue& value, const VkClearRect* rects, uint32_t count) {
    if (!b.bound() || !(b.aspects & aspect) || count == 0)
        return;
    const format::ImageLayout& layout = *b.image.layout;
    uint32_t plane = 0;
    while (plane < layout.plane_count() && layout.plane(plane).aspect != aspect)
        ++plane;
    if (plane == layout.plane_count())
        return;
    std::byte texel[32] = {};
    switch (aspect) {
    case VK_IMAGE_ASPECT_COLOR_BIT:
        // Encoded in the view's format: a mutable-format image is rendered (and cleared) as the view says.
        if (!format::pack_color(b.format, value.color, texel))
            return;  // COLOR_ATTACHMENT is not reported for formats Kiln cannot encode
        break;
    case VK_IMAGE_ASPECT_DEPTH_BIT:
        format::pack_depth(layout.shape().format, value.depthStencil.depth, texel);
        break;
    default:
        texel[0] = std::byte(uint8_t(value.depthStencil.stencil));  // the stencil plane is 8 bits
        break;
    }
    auto* cmd = record<exec::ClearRectsCmd, VkClearRect>(cb, exec::Op::ClearRects, count);
    if (!cmd)
        return;
    cmd->image = b.image;
    std::copy(std::begin(texel), std::end(texel), cmd->texel);
    cmd->plane = plane;
    cmd->mip_level = b.mip_level;
    cmd->base_layer = b.base_layer;
    cmd->rect_count = count;
    std::copy(rects, rects + count, exec::trailing<VkClearRect>(cmd));
}

// The load ops of the attachments whose first use is `index`, then the subpass's bindings.
void enter_subpass(CommandBuffer* cb, uint32_t index) {
    RenderingState& rs = cb->rendering;
    const RenderPass& pass = *rs.render_pass;
    rs.subpass = index;
    if (index >= pass.subpasses.size())
        return;  // invalid usage (one vkCmdNextSubpass too many)
    const Subpass& sp = pass.subpasses[index];
    auto view_of = [&](uint32_t attachment) -> const ImageView* {
        return attachment < rs.attachment_views.size() ? rs.attachment_views[attachment] : nullptr;
    };

    // "Render Pass Load Operations": at the first subpass that uses an attachment, over the render
    // area and every layer of the instance.
    const VkClearRect area{rs.render_area, 0, rs.layer_count};
    for (uint32_t a = 0; a < pass.attachments.size(); ++a) {
        const RenderPassAttachment& att = pass.attachments[a];
        if (att.first_subpass != index || a >= rs.clear_values.size())
            continue;
        const AttachmentBinding whole = bind(view_of(a), VK_IMAGE_ASPECT_COLOR_BIT | VK_IMAGE_ASPECT_DEPTH_BIT |
                                                             VK_IMAGE_ASPECT_STENCIL_BIT,
                                             a, VK_IMAGE_LAYOUT_UNDEFINED);
        if (att.load_op == VK_ATTACHMENT_LOAD_OP_CLEAR) {
            record_clear(cb, whole, VK_IMAGE_ASPECT_COLOR_BIT, rs.clear_values[a], &area, 1);
            record_clear(cb, whole, VK_IMAGE_ASPECT_DEPTH_BIT, rs.clear_values[a], &area, 1);
        }
        if (att.stencil_load_op == VK_ATTACHMENT_LOAD_OP_CLEAR)
            record_clear(cb, whole, VK_IMAGE_ASPECT_STENCIL_BIT, rs.clear_values[a], &area, 1);
    }

    rs.color_count = uint32_t(std::min<size_t>(sp.colors.size(), RenderingState::kMaxColorAttachments));
    for (uint32_t i = 0; i < rs.color_count; ++i) {
        const AttachmentReference& r = sp.colors[i];
        rs.color[i] = r.attachment == VK_ATTACHMENT_UNUSED
                          ? AttachmentBinding{}
                          : bind(view_of(r.attachment), VK_IMAGE_ASPECT_COLOR_BIT, r.attachment, r.layout);
    }
    for (uint32_t i = rs.color_count; i < RenderingState::kMaxColorAttachments; ++i)
        rs.color[i] = {};
    const AttachmentReference& ds = sp.depth_stencil;
    const ImageView* ds_view = ds.attachment == VK_ATTACHMENT_UNUSED ? nullptr : view_of(ds.attachment);
    rs.depth = bind(ds_view, VK_IMAGE_ASPECT_DEPTH_BIT, ds.attachment, ds.layout);
    rs.stencil = bind(ds_view, VK_IMAGE_ASPECT_STENCIL_BIT, ds.attachment, ds.layout);
    if (!rs.depth.aspects)
        rs.depth = {};  // the format has no depth: no depth attachment for draws
    if (!rs.stencil.aspects)
        rs.stencil = {};
    rs.input_count = uint32_t(std::min<size_t>(sp.inputs.size(), RenderingState::kMaxInputAttachments));
    for (uint32_t i = 0; i < rs.input_count; ++i) {
        const AttachmentReference& r = sp.inputs[i];
        const VkImageAspectFlags aspects = r.aspects ? r.aspects
                                                     : VK_IMAGE_ASPECT_COLOR_BIT | VK_IMAGE_ASPECT_DEPTH_BIT |
                                                           VK_IMAGE_ASPECT_STENCIL_BIT;
        rs.input[i] = r.attachment == VK_ATTACHMENT_UNUSED ? AttachmentBinding{}
                                                           : bind(view_of(r.attachment), aspects, r.attachment, r.layout);
    }
}

// "Render Pass Load/Store/Resolve Operations": at the end of a subpass its color attachments are
// resolved into their resolve attachments (averaged; integer formats take sample 0), and the
// depth/stencil attachment into VkSubpassDescriptionDepthStencilResolve's, over the render area.
void resolve_subpass(CommandBuffer* cb) {
    const RenderingState& rs = cb->rendering;
    if (!rs.render_pass || rs.subpass >= rs.render_pass->subpasses.size())
        return;
    const Subpass& sp = rs.render_pass->subpasses[rs.subpass];
    auto view_of = [&](uint32_t attachment) -> const ImageView* {
        return attachment < rs.attachment_views.size() ? rs.attachment_views[attachment] : nullptr;
    };
    for (uint32_t i = 0; i < sp.resolves.size() && i < rs.color_count; ++i) {
        const AttachmentReference& r = sp.resolves[i];
        if (r.attachment == VK_ATTACHMENT_UNUSED)
            continue;
        const AttachmentBinding dst = bind(view_of(r.attachment), VK_IMAGE_ASPECT_COLOR_BIT, r.attachment, r.layout);
        record_resolve(cb, rs.color[i], dst, VK_IMAGE_ASPECT_COLOR_BIT, VK_RESOLVE_MODE_AVERAGE_BIT, rs.render_area,
                       rs.layer_count);
    }
    const AttachmentReference& r = sp.depth_stencil_resolve;
    if (r.attachment != VK_ATTACHMENT_UNUSED) {
        const ImageView* view = view_of(r.attachment);
        record_resolve(cb, rs.depth, bind(view, VK_IMAGE_ASPECT_DEPTH_BIT, r.attachment, r.layout),
                       VK_IMAGE_ASPECT_DEPTH_BIT, sp.depth_resolve_mode, rs.render_area, rs.layer_count);
        record_resolve(cb, rs.stencil, bind(view, VK_IMAGE_ASPECT_STENCIL_BIT, r.attachment, r.layout),
                       VK_IMAGE_ASPECT_STENCIL_BIT, sp.stencil_resolve_mode, rs.render_area, rs.layer_count);
    }
}

void begin_render_pass(CommandBuffer* cb, const VkRenderPassBeginInfo& info) {
    RenderingState& rs = cb->rendering;
    rs = RenderingState{};
    rs.active = true;
    rs.render_pass = RenderPass::from(info.renderPass);
    rs.framebuffer = Framebuffer::from(info.framebuffer);
    rs.render_area = info.renderArea;
    rs.layer_count = rs.framebuffer->layers;
    try {
        if (rs.framebuffer->imageless) {
            if (const auto* views = find<VkRenderPassAttachmentBeginInfo>(info.pNext))
                for (uint32_t i = 0; i < views->attachmentCount; ++i)
                    rs.attachment_views.push_back(ImageView::from(views->pAttachments[i]));
        } else {
            rs.attachment_views = rs.framebuffer->attachments;
        }
        if (info.pClearValues)
            rs.clear_values.assign(info.pClearValues, info.pClearValues + info.clearValueCount);
    } catch (const std::bad_alloc&) {
        cb->record_result = VK_ERROR_OUT_OF_HOST_MEMORY;
        return;
    }
    enter_subpass(cb, 0);
}

}  // namespace

void begin_inherited_rendering(CommandBuffer* cb, const VkCommandBufferInheritanceInfo& inheritance) {
    RenderingState& rs = cb->rendering;
    rs = RenderingState{};
    rs.active = true;
    if (inheritance.renderPass == VK_NULL_HANDLE) {
        if (const auto* dynamic = find<VkCommandBufferInheritanceRenderingInfo>(inheritance.pNext))
            rs.color_count = std::min(dynamic->colorAttachmentCount, RenderingState::kMaxColorAttachments);
        return;
    }
    rs.render_pass = RenderPass::from(inheritance.renderPass);
    rs.framebuffer = Framebuffer::from(inheritance.framebuffer);
    if (rs.framebuffer) {
        rs.render_area = {{0, 0}, {rs.framebuffer->width, rs.framebuffer->height}};
        rs.layer_count = rs.framebuffer->layers;
        try {
            rs.attachment_views = rs.framebuffer->attachments;
        } catch (const std::bad_alloc&) {
            cb->record_result = VK_ERROR_OUT_OF_HOST_MEMORY;
            return;
        }
    }
    // No clear values: the load ops belong to the primary's vkCmdBeginRenderPass; enter_subpass
    // records none without them.
    enter_subpass(cb, inheritance.subpass);
}

}  // namespace kiln

using namespace kiln;

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdBeginRenderPass(VkCommandBuffer handle, const VkRenderPassBeginInfo* pInfo,
                                                     VkSubpassContents) {
    begin_render_pass(CommandBuffer::from(handle), *pInfo);
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdBeginRenderPass2(VkCommandBuffer handle, const VkRenderPassBeginInfo* pInfo,
                                                      const VkSubpassBeginInfo*) {
    begin_render_pass(CommandBuffer::from(handle), *pInfo);
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdNextSubpass(VkCommandBuffer handle, VkSubpassContents) {
    CommandBuffer* cb = CommandBuffer::from(handle);
    if (cb->rendering.render_pass) {
        resolve_subpass(cb);
        enter_subpass(cb, cb->rendering.subpass + 1);
    }
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdNextSubpass2(VkCommandBuffer handle, const VkSubpassBeginInfo*,
                                                  const VkSubpassEndInfo*) {
    kiln_vkCmdNextSubpass(handle, VK_SUBPASS_CONTENTS_INLINE);
}

// Store ops need no work (file comment); the last subpass's resolves do.
VKAPI_ATTR void VKAPI_CALL kiln_vkCmdEndRenderPass(VkCommandBuffer handle) {
    CommandBuffer* cb = CommandBuffer::from(handle);
    resolve_subpass(cb);
    cb->rendering = RenderingState{};
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdEndRenderPass2(VkCommandBuffer handle, const VkSubpassEndInfo*) {
    kiln_vkCmdEndRenderPass(handle);
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdBeginRendering(VkCommandBuffer handle, const VkRenderingInfo* pInfo) {
    CommandBuffer* cb = CommandBuffer::from(handle);
    RenderingState& rs = cb->rendering;
    rs = RenderingState{};
    rs.active = true;
    rs.render_area = pInfo->renderArea;
    rs.layer_count = pInfo->layerCount;
    rs.color_count = std::min(pInfo->colorAttachmentCount, RenderingState::kMaxColorAttachments);
    for (uint32_t i = 0; i < rs.color_count; ++i) {
        const VkRenderingAttachmentInfo& a = pInfo->pColorAttachments[i];
        rs.color[i] = bind(ImageView::from(a.imageView), VK_IMAGE_ASPECT_COLOR_BIT, VK_ATTACHMENT_UNUSED, a.imageLayout);
    }
    if (const VkRenderingAttachmentInfo* a = pInfo->pDepthAttachment)
        rs.depth = bind(ImageView::from(a->imageView), VK_IMAGE_ASPECT_DEPTH_BIT, VK_ATTACHMENT_UNUSED, a->imageLayout);
    if (const VkRenderingAttachmentInfo* a = pInfo->pStencilAttachment)
        rs.stencil =
            bind(ImageView::from(a->imageView), VK_IMAGE_ASPECT_STENCIL_BIT, VK_ATTACHMENT_UNUSED, a->imageLayout);
    // Resolves, done at vkCmdEndRendering (resolveImageView is ignored with mode NONE).
    for (uint32_t i = 0; i < rs.color_count; ++i) {
        const VkRenderingAttachmentInfo& a = pInfo->pColorAttachments[i];
        if (a.resolveMode == VK_RESOLVE_MODE_NONE)
            continue;
        rs.color_resolve[i] = bind(ImageView::from(a.resolveImageView), VK_IMAGE_ASPECT_COLOR_BIT,
                                   VK_ATTACHMENT_UNUSED, a.resolveImageLayout);
        rs.color_resolve_mode[i] = a.resolveMode;
    }
    if (const VkRenderingAttachmentInfo* a = pInfo->pDepthAttachment; a && a->resolveMode != VK_RESOLVE_MODE_NONE) {
        rs.depth_resolve = bind(ImageView::from(a->resolveImageView), VK_IMAGE_ASPECT_DEPTH_BIT, VK_ATTACHMENT_UNUSED,
                                a->resolveImageLayout);
        rs.depth_resolve_mode = a->resolveMode;
    }
    if (const VkRenderingAttachmentInfo* a = pInfo->pStencilAttachment; a && a->resolveMode != VK_RESOLVE_MODE_NONE) {
        rs.stencil_resolve = bind(ImageView::from(a->resolveImageView), VK_IMAGE_ASPECT_STENCIL_BIT,
                                  VK_ATTACHMENT_UNUSED, a->resolveImageLayout);
        rs.stencil_resolve_mode = a->resolveMode;
    }
    rs.suspending = pInfo->flags & VK_RENDERING_SUSPENDING_BIT;

    // A resumed instance continues the suspended one: its load ops already happened
    // ("Dynamic Render Pass Instances", VK_RENDERING_RESUMING_BIT).
    if (pInfo->flags & VK_RENDERING_RESUMING_BIT)
        return;
    const VkClearRect area{rs.render_area, 0, rs.layer_count};
    for (uint32_t i = 0; i < rs.color_count; ++i)
        if (pInfo->pColorAttachments[i].loadOp == VK_ATTACHMENT_LOAD_OP_CLEAR)
            record_clear(cb, rs.color[i], VK_IMAGE_ASPECT_COLOR_BIT, pInfo->pColorAttachments[i].clearValue, &area, 1);
    if (pInfo->pDepthAttachment && pInfo->pDepthAttachment->loadOp == VK_ATTACHMENT_LOAD_OP_CLEAR)
        record_clear(cb, rs.depth, VK_IMAGE_ASPECT_DEPTH_BIT, pInfo->pDepthAttachment->clearValue, &area, 1);
    if (pInfo->pStencilAttachment && pInfo->pStencilAttachment->loadOp == VK_ATTACHMENT_LOAD_OP_CLEAR)
        record_clear(cb, rs.stencil, VK_IMAGE_ASPECT_STENCIL_BIT, pInfo->pStencilAttachment->clearValue, &area, 1);
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdEndRendering(VkCommandBuffer handle) {
    CommandBuffer* cb = CommandBuffer::from(handle);
    RenderingState& rs = cb->rendering;
    if (!rs.suspending) {
        // "Dynamic Render Pass Instances": resolves at the end of the (last resumed) instance.
        for (uint32_t i = 0; i < rs.color_count; ++i)
            record_resolve(cb, rs.color[i], rs.color_resolve[i], VK_IMAGE_ASPECT_COLOR_BIT, rs.color_resolve_mode[i],
                           rs.render_area, rs.layer_count);
        record_resolve(cb, rs.depth, rs.depth_resolve, VK_IMAGE_ASPECT_DEPTH_BIT, rs.depth_resolve_mode,
                       rs.render_area, rs.layer_count);
        record_resolve(cb, rs.stencil, rs.stencil_resolve, VK_IMAGE_ASPECT_STENCIL_BIT, rs.stencil_resolve_mode,
                       rs.render_area, rs.layer_count);
    }
    rs = RenderingState{};
}

// The current subpass's attachments (or the dynamic rendering instance's), over the rects' areas
// and layers; layers count from each attachment view's first layer.
VKAPI_ATTR void VKAPI_CALL kiln_vkCmdClearAttachments(VkCommandBuffer handle, uint32_t attachmentCount,
                                                      const VkClearAttachment* pAttachments, uint32_t rectCount,
                                                      const VkClearRect* pRects) {
    CommandBuffer* cb = CommandBuffer::from(handle);
    const RenderingState& rs = cb->rendering;
    if (!rs.active)
        return;  // invalid usage outside a render pass instance (or a secondary without its state)
    for (uint32_t i = 0; i < attachmentCount; ++i) {
        const VkClearAttachment& a = pAttachments[i];
        if ((a.aspectMask & VK_IMAGE_ASPECT_COLOR_BIT) && a.colorAttachment < rs.color_count)
            record_clear(cb, rs.color[a.colorAttachment], VK_IMAGE_ASPECT_COLOR_BIT, a.clearValue, pRects, rectCount);
        if (a.aspectMask & VK_IMAGE_ASPECT_DEPTH_BIT)
            record_clear(cb, rs.depth, VK_IMAGE_ASPECT_DEPTH_BIT, a.clearValue, pRects, rectCount);
        if (a.aspectMask & VK_IMAGE_ASPECT_STENCIL_BIT)
            record_clear(cb, rs.stencil, VK_IMAGE_ASPECT_STENCIL_BIT, a.clearValue, pRects, rectCount);
    }
}
