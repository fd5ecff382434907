// The current render pass instance of a command buffer, as draws need it: which image subresources
// the fragment outputs, depth and stencil go to, and where. Set by vkCmdBeginRenderPass{,2},
// vkCmdNextSubpass{,2} and vkCmdBeginRendering; cleared by the End commands. Everything here is
// resolved at record time (memory is bound before recording, VUID-vkCmdBeginRenderPass-...), so
// a draw copies what it needs into its command and never looks a handle up at execution.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "exec/commands.h"

namespace kiln {

class ImageView;
class RenderPass;
class Framebuffer;

// One attachment as the current subpass sees it. `view == nullptr` means "no attachment here"
// (VK_ATTACHMENT_UNUSED, a NULL imageView in VkRenderingAttachmentInfo, or no depth/stencil).
struct AttachmentBinding {
    const ImageView* view = nullptr;
    exec::ImageRef image;                      // the view's image: base address and layout
    VkFormat format = VK_FORMAT_UNDEFINED;     // the view's format (may differ from the image's)
    uint32_t mip_level = 0;                    // the view's base mip level: the only one rendered
    uint32_t base_layer = 0;                   // the view's first array layer (layer 0 of rendering)
    VkImageAspectFlags aspects = 0;            // COLOR, or the DEPTH/STENCIL aspects this binding writes
    // The render pass's attachment index (VkAttachmentReference::attachment); VK_ATTACHMENT_UNUSED
    // under dynamic rendering, which has no attachment list.
    uint32_t attachment = VK_ATTACHMENT_UNUSED;
    VkImageLayout layout = VK_IMAGE_LAYOUT_UNDEFINED;  // the layout the subpass uses it in

    bool bound() const { return view != nullptr; }
};

struct RenderingState {
    static constexpr uint32_t kMaxColorAttachments = 8;  // >= maxColorAttachments reported
    static constexpr uint32_t kMaxInputAttachments = 8;

    bool active = false;  // inside a render pass instance (render pass or dynamic rendering)
    VkRect2D render_area{};
    uint32_t layer_count = 1;  // framebuffer layers / VkRenderingInfo::layerCount

    // Render pass instances: the pass, its framebuffer and the subpass being recorded. Under
    // dynamic rendering render_pass and framebuffer are NULL and subpass is 0.
    const RenderPass* render_pass = nullptr;
    const Framebuffer* framebuffer = nullptr;
    uint32_t subpass = 0;

    // The current subpass's attachments. color[i] is fragment output location i.
    uint32_t color_count = 0;
    std::array<AttachmentBinding, kMaxColorAttachments> color{};
    // Depth and stencil are separate because dynamic rendering may name two different views; in a
    // render pass both refer to the same depth/stencil attachment (with its depth or stencil aspect).
    AttachmentBinding depth, stencil;
    // Input attachments (render passes only), by input attachment index; recorded for later.
    uint32_t input_count = 0;
    std::array<AttachmentBinding, kMaxInputAttachments> input{};

    // Dynamic rendering: where color[i], depth and stencil are resolved at vkCmdEndRendering
    // (unbound or mode NONE: not resolved), and whether the instance is suspended (its resolves
    // then wait for the instance that resumes it, "Dynamic Render Pass Instances").
    std::array<AttachmentBinding, kMaxColorAttachments> color_resolve{};
    std::array<VkResolveModeFlagBits, kMaxColorAttachments> color_resolve_mode{};
    AttachmentBinding depth_resolve, stencil_resolve;
    VkResolveModeFlagBits depth_resolve_mode = VK_RESOLVE_MODE_NONE, stencil_resolve_mode = VK_RESOLVE_MODE_NONE;
    bool suspending = false;

    // Render pass instances only: the views of the framebuffer (or of VkRenderPassAttachmentBeginInfo)
    // and the clear values of vkCmdBeginRenderPass, kept for the load ops of later subpasses.
    std::vector<const ImageView*> attachment_views;
    std::vector<VkClearValue> clear_values;
};

class CommandBuffer;

// Records the resolve of one aspect of `src` (multisampled) into `dst` over `area` and `layers`
// layers from each binding's first layer (resolve.cpp). Nothing when either is unbound, lacks the
// aspect, or `mode` is NONE.
void record_resolve(CommandBuffer* cb, const AttachmentBinding& src, const AttachmentBinding& dst,
                    VkImageAspectFlagBits aspect, VkResolveModeFlagBits mode, const VkRect2D& area, uint32_t layers);

// vkBeginCommandBuffer of a secondary command buffer with RENDER_PASS_CONTINUE_BIT: the inherited
// render pass and subpass, and the framebuffer's attachments when the inheritance names one (else
// the bindings stay unbound: the views are not known until vkCmdExecuteCommands). The render
// area is the whole framebuffer. Dynamic rendering inheritance carries formats only: active, with
// unbound attachments.
void begin_inherited_rendering(CommandBuffer* cb, const VkCommandBufferInheritanceInfo& inheritance);

}  // namespace kiln
