// VkRenderPass and VkFramebuffer. A render pass is parsed once, from VkRenderPassCreateInfo or
// VkRenderPassCreateInfo2, into one description: its attachments with their load/store ops and the
// subpass where each is first used (where its load op happens, "Render Pass Load Operations"), and
// per subpass its attachment references and the formats and sample counts pipelines are created for.
#pragma once

#include <cstdint>
#include <vector>

#include "object.h"

namespace kiln {

class ImageView;

struct RenderPassAttachment {
    VkFormat format = VK_FORMAT_UNDEFINED;
    VkSampleCountFlagBits samples = VK_SAMPLE_COUNT_1_BIT;
    VkAttachmentLoadOp load_op = VK_ATTACHMENT_LOAD_OP_DONT_CARE;
    VkAttachmentStoreOp store_op = VK_ATTACHMENT_STORE_OP_DONT_CARE;
    VkAttachmentLoadOp stencil_load_op = VK_ATTACHMENT_LOAD_OP_DONT_CARE;
    VkAttachmentStoreOp stencil_store_op = VK_ATTACHMENT_STORE_OP_DONT_CARE;
    // The first and last subpass that use the attachment (color, depth/stencil, input or resolve);
    // VK_SUBPASS_EXTERNAL when no subpass does.
    uint32_t first_subpass = VK_SUBPASS_EXTERNAL;
    uint32_t last_subpass = VK_SUBPASS_EXTERNAL;
};

struct AttachmentReference {
    uint32_t attachment = VK_ATTACHMENT_UNUSED;
    VkImageLayout layout = VK_IMAGE_LAYOUT_UNDEFINED;
    VkImageAspectFlags aspects = 0;  // input attachments: the aspects read (0: all of the format's)
};

struct Subpass {
    std::vector<AttachmentReference> inputs;
    std::vector<AttachmentReference> colors;
    // pResolveAttachments (empty without): at the end of the subpass color attachment i is
    // resolved into resolves[i] unless it is UNUSED ("Render Pass Load/Store/Resolve Operations").
    std::vector<AttachmentReference> resolves;
    AttachmentReference depth_stencil;
    // VkSubpassDescriptionDepthStencilResolve (VkSubpassDescription2 only): the depth/stencil
    // attachment resolved into this one with these modes (NONE: that aspect is not resolved).
    AttachmentReference depth_stencil_resolve;
    VkResolveModeFlagBits depth_resolve_mode = VK_RESOLVE_MODE_NONE;
    VkResolveModeFlagBits stencil_resolve_mode = VK_RESOLVE_MODE_NONE;
    std::vector<uint32_t> preserves;
    uint32_t view_mask = 0;

    // What graphics pipeline creation checks against (VkGraphicsPipelineCreateInfo::renderPass +
    // subpass): the format of each color location (UNDEFINED where unused), of the depth/stencil
    // attachment, and the subpass's sample count (1 when it has no attachment).
    std::vector<VkFormat> color_formats;
    VkFormat depth_stencil_format = VK_FORMAT_UNDEFINED;
    VkSampleCountFlagBits samples = VK_SAMPLE_COUNT_1_BIT;
};

class RenderPass {
public:
    KILN_HANDLE_CASTS(RenderPass, VkRenderPass)

    std::vector<RenderPassAttachment> attachments;
    std::vector<Subpass> subpasses;

    // Both creation paths; false when the host is out of memory.
    bool parse(const VkRenderPassCreateInfo& info);
    bool parse(const VkRenderPassCreateInfo2& info);

private:
    void finish();  // first/last uses and per-subpass formats, once attachments and subpasses are read
};

class Framebuffer {
public:
    KILN_HANDLE_CASTS(Framebuffer, VkFramebuffer)

    uint32_t width = 0, height = 0, layers = 1;
    // Empty for an imageless framebuffer (views come with vkCmdBeginRenderPass).
    std::vector<const ImageView*> attachments;
    bool imageless = false;
};

}  // namespace kiln
