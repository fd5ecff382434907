// Render pass and framebuffer objects: creation from both create-info generations, destruction,
// and the render area granularity.
#include "render_pass.h"

#include <new>

#include "device.h"
#include "image.h"
#include "vk_entrypoints.h"

namespace kiln {

static AttachmentReference reference_of(const VkAttachmentReference& r) {
    return {r.attachment, r.layout, 0};
}
static AttachmentReference reference_of(const VkAttachmentReference2& r) {
    return {r.attachment, r.layout, r.aspectMask};
}

template <typename Ref>
static std::vector<AttachmentReference> references_of(const Ref* refs, uint32_t count) {
    std::vector<AttachmentReference> out;
    if (refs)
        for (uint32_t i = 0; i < count; ++i)
            out.push_back(reference_of(refs[i]));
    return out;
}

template <typename Attachment>
static RenderPassAttachment attachment_of(const Attachment& a) {
    RenderPassAttachment out;
    out.format = a.format;
    out.samples = a.samples;
    out.load_op = a.loadOp;
    out.store_op = a.storeOp;
    out.stencil_load_op = a.stencilLoadOp;
    out.stencil_store_op = a.stencilStoreOp;
    return out;
}

template <typename Description>
static Subpass subpass_of(const Description& d) {
    Subpass s;
    s.inputs = references_of(d.pInputAttachments, d.inputAttachmentCount);
    s.colors = references_of(d.pColorAttachments, d.colorAttachmentCount);
    s.resolves = references_of(d.pResolveAttachments, d.colorAttachmentCount);
    if (d.pDepthStencilAttachment)
        s.depth_stencil = reference_of(*d.pDepthStencilAttachment);
    if (d.pPreserveAttachments)
        s.preserves.assign(d.pPreserveAttachments, d.pPreserveAttachments + d.preserveAttachmentCount);
    return s;
}

bool RenderPass::parse(const VkRenderPassCreateInfo& info) {
    try {
        for (uint32_t i = 0; i < info.attachmentCount; ++i)
            attachments.push_back(attachment_of(info.pAttachments[i]));
        for (uint32_t i = 0; i < info.subpassCount; ++i)
            subpasses.push_back(subpass_of(info.pSubpasses[i]));
        // VkRenderPassMultiviewCreateInfo: Kiln does not report the multiview feature, so a valid
        // chain carries no view masks (VUID-VkRenderPassMultiviewCreateInfo-multiview-06555).
        finish();
    } catch (const std::bad_alloc&) {
        return false;
    }
    return true;
}

bool RenderPass::parse(const VkRenderPassCreateInfo2& info) {
    try {
        for (uint32_t i = 0; i < info.attachmentCount; ++i)
            attachments.push_back(attachment_of(info.pAttachments[i]));
        for (uint32_t i = 0; i < info.subpassCount; ++i) {
            subpasses.push_back(subpass_of(info.pSubpasses[i]));
            Subpass& s = subpasses.back();
            s.view_mask = info.pSubpasses[i].viewMask;
            if (const auto* r = find<VkSubpassDescriptionDepthStencilResolve>(info.pSubpasses[i].pNext);
                r && r->pDepthStencilResolveAttachment) {
                s.depth_stencil_resolve = reference_of(*r->pDepthStencilResolveAttachment);
                s.depth_resolve_mode = r->depthResolveMode;
                s.stencil_resolve_mode = r->stencilResolveMode;
            }
        }
        finish();
    } catch (const std::bad_alloc&) {
        return false;
    }
    return true;
}

void RenderPass::finish() {
    auto use = [&](uint32_t attachment, uint32_t subpass) {
        if (attachment == VK_ATTACHMENT_UNUSED || attachment >= attachments.size())
            return;
        RenderPassAttachment& a = attachments[attachment];
        if (a.first_subpass == VK_SUBPASS_EXTERNAL)
            a.first_subpass = subpass;
        a.last_subpass = subpass;
    };
    for (uint32_t i = 0; i < subpasses.size(); ++i) {
        Subpass& s = subpasses[i];
        for (const AttachmentReference& r : s.inputs)
            use(r.attachment, i);
        for (const AttachmentReference& r : s.colors)
            use(r.attachment, i);
        for (const AttachmentReference& r : s.resolves)
            use(r.attachment, i);
        use(s.depth_stencil.attachment, i);
        use(s.depth_stencil_resolve.attachment, i);
        // Preserve attachments are not "used": their contents simply stay, which on Kiln they always do.

        s.color_formats.clear();
        for (const AttachmentReference& r : s.colors) {
            const bool used = r.attachment != VK_ATTACHMENT_UNUSED && r.attachment < attachments.size();
            s.color_formats.push_back(used ? attachments[r.attachment].format : VK_FORMAT_UNDEFINED);
            if (used)
                s.samples = attachments[r.attachment].samples;
        }
        if (s.depth_stencil.attachment != VK_ATTACHMENT_UNUSED && s.depth_stencil.attachment < attachments.size()) {
            s.depth_stencil_format = attachments[s.depth_stencil.attachment].format;
            s.samples = attachments[s.depth_stencil.attachment].samples;
        }
    }
}

}  // namespace kiln

using namespace kiln;

template <typename Info>
static VkResult create_render_pass(VkDevice handle, const Info* pCreateInfo, const VkAllocationCallbacks* pAllocator,
                                   VkRenderPass* pRenderPass) {
    Device* device = Device::from(handle);
    RenderPass* pass = device->create_child<RenderPass>(pAllocator);
    if (!pass)
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    if (!pass->parse(*pCreateInfo)) {
        device->destroy_child(pAllocator, pass);
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    }
    *pRenderPass = pass->handle();
    return VK_SUCCESS;
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkCreateRenderPass(VkDevice device, const VkRenderPassCreateInfo* pCreateInfo,
                                                       const VkAllocationCallbacks* pAllocator,
                                                       VkRenderPass* pRenderPass) {
    return create_render_pass(device, pCreateInfo, pAllocator, pRenderPass);
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkCreateRenderPass2(VkDevice device, const VkRenderPassCreateInfo2* pCreateInfo,
                                                        const VkAllocationCallbacks* pAllocator,
                                                        VkRenderPass* pRenderPass) {
    return create_render_pass(device, pCreateInfo, pAllocator, pRenderPass);
}

VKAPI_ATTR void VKAPI_CALL kiln_vkDestroyRenderPass(VkDevice device, VkRenderPass renderPass,
                                                    const VkAllocationCallbacks* pAllocator) {
    Device::from(device)->destroy_child(pAllocator, RenderPass::from(renderPass));
}

// Kiln renders any rectangle equally fast: a render area needs no alignment.
VKAPI_ATTR void VKAPI_CALL kiln_vkGetRenderAreaGranularity(VkDevice, VkRenderPass, VkExtent2D* pGranularity) {
    *pGranularity = {1, 1};
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkCreateFramebuffer(VkDevice handle, const VkFramebufferCreateInfo* pCreateInfo,
                                                        const VkAllocationCallbacks* pAllocator,
                                                        VkFramebuffer* pFramebuffer) {
    Device* device = Device::from(handle);
    Framebuffer* framebuffer = device->create_child<Framebuffer>(pAllocator);
    if (!framebuffer)
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    framebuffer->width = pCreateInfo->width;
    framebuffer->height = pCreateInfo->height;
    framebuffer->layers = pCreateInfo->layers;
    framebuffer->imageless = (pCreateInfo->flags & VK_FRAMEBUFFER_CREATE_IMAGELESS_BIT) != 0;
    if (!framebuffer->imageless && pCreateInfo->pAttachments) {
        try {
            for (uint32_t i = 0; i < pCreateInfo->attachmentCount; ++i)
                framebuffer->attachments.push_back(ImageView::from(pCreateInfo->pAttachments[i]));
        } catch (const std::bad_alloc&) {
            device->destroy_child(pAllocator, framebuffer);
            return VK_ERROR_OUT_OF_HOST_MEMORY;
        }
    }
    *pFramebuffer = framebuffer->handle();
    return VK_SUCCESS;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkDestroyFramebuffer(VkDevice device, VkFramebuffer framebuffer,
                                                     const VkAllocationCallbacks* pAllocator) {
    Device::from(device)->destroy_child(pAllocator, Framebuffer::from(framebuffer));
}
