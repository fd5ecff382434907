// vkCmdDraw, vkCmdDrawIndexed and their indirect forms: resolve the bound graphics pipeline, the
// dynamic state, the vertex and index buffers, the render pass instance's attachments and what the
// shaders' descriptors reach into one exec::DrawCmd (commands.h), which exec/draw.cpp executes.
#include <algorithm>
#include <cstring>

#include "buffer.h"
#include "command_buffer.h"
#include "exec/commands.h"
#include "pipeline.h"
#include "vk_entrypoints.h"

using namespace kiln;

namespace {

raster::Attachment attachment_of(const AttachmentBinding& a) {
    raster::Attachment out;
    if (!a.bound())
        return out;
    out.base = a.image.base;
    out.layout = a.image.layout;
    out.format = a.format;
    out.mip = a.mip_level;
    out.layer = a.base_layer;
    return out;
}

raster::StencilFace stencil_face(const VkStencilOpState& s, const DrawState& state, const GraphicsState& g, int face) {
    raster::StencilFace f;
    f.fail = s.failOp;
    f.pass = s.passOp;
    f.depth_fail = s.depthFailOp;
    f.compare = s.compareOp;
    f.compare_mask = g.is_dynamic(VK_DYNAMIC_STATE_STENCIL_COMPARE_MASK) ? state.stencil_compare_mask[face] : s.compareMask;
    f.write_mask = g.is_dynamic(VK_DYNAMIC_STATE_STENCIL_WRITE_MASK) ? state.stencil_write_mask[face] : s.writeMask;
    f.reference = g.is_dynamic(VK_DYNAMIC_STATE_STENCIL_REFERENCE) ? state.stencil_reference[face] : s.reference;
    return f;
}

// The fixed-function part of a draw: the pipeline's state, or the command buffer's where the
// pipeline made it dynamic, and the current subpass's attachments.
void fixed_function(const CommandBuffer& cb, const GraphicsState& g, exec::DrawCmd& cmd) {
    const DrawState& state = cb.draw;
    const RenderingState& rendering = cb.rendering;
    raster::RasterState& r = cmd.raster;
    r.viewport = g.is_dynamic(VK_DYNAMIC_STATE_VIEWPORT) || g.viewports.empty() ? state.viewports[0] : g.viewports[0];
    r.scissor = g.is_dynamic(VK_DYNAMIC_STATE_SCISSOR) || g.scissors.empty() ? state.scissors[0] : g.scissors[0];
    r.render_area = rendering.render_area;
    r.cull_mode = g.rasterization.cullMode;
    r.front_face = g.rasterization.frontFace;
    r.depth_clamp = g.rasterization.depthClampEnable;
    r.depth_bias = g.rasterization.depthBiasEnable;
    const bool dynamic_bias = g.is_dynamic(VK_DYNAMIC_STATE_DEPTH_BIAS);
    r.depth_bias_constant = dynamic_bias ? state.depth_bias_constant : g.rasterization.depthBiasConstantFactor;
    r.depth_bias_slope = dynamic_bias ? state.depth_bias_slope : g.rasterization.depthBiasSlopeFactor;
    r.depth_bias_clamp = dynamic_bias ? state.depth_bias_clamp : g.rasterization.depthBiasClamp;
    cmd.rasterizer_discard = g.rasterization.rasterizerDiscardEnable;
    r.samples = g.samples;
    r.sample_mask = g.sample_mask;

    raster::OutputState& o = cmd.output;
    o.color_count = std::min<uint32_t>(rendering.color_count, raster::kMaxColorAttachments);
    for (uint32_t i = 0; i < o.color_count; ++i) {
        o.color[i] = attachment_of(rendering.color[i]);
        raster::BlendState& b = o.blend[i];
        if (i >= g.blend.size()) {
            b.write_mask = 0;  // the pipeline says nothing of this attachment: leave it alone
            continue;
        }
        const VkPipelineColorBlendAttachmentState& s = g.blend[i];
        b.enable = s.blendEnable;
        b.src_color = s.srcColorBlendFactor;
        b.dst_color = s.dstColorBlendFactor;
        b.color_op = s.colorBlendOp;
        b.src_alpha = s.srcAlphaBlendFactor;
        b.dst_alpha = s.dstAlphaBlendFactor;
        b.alpha_op = s.alphaBlendOp;
        b.write_mask = s.colorWriteMask;
    }
    std::memcpy(o.blend_constants, g.is_dynamic(VK_DYNAMIC_STATE_BLEND_CONSTANTS) ? state.blend_constants : g.blend_constants,
                sizeof o.blend_constants);
    const AttachmentBinding& ds = rendering.depth.bound() ? rendering.depth : rendering.stencil;
    o.depth_stencil = attachment_of(ds);
    if (g.has_depth_stencil) {
        const VkPipelineDepthStencilStateCreateInfo& d = g.depth_stencil;
        // Without a depth (stencil) attachment the depth (stencil) test passes and writes nothing.
        o.depth_test = d.depthTestEnable && rendering.depth.bound();
        o.depth_write = o.depth_test && d.depthWriteEnable;
        o.depth_compare = d.depthCompareOp;
        o.stencil_test = d.stencilTestEnable && rendering.stencil.bound();
        o.front = stencil_face(d.front, state, g, 0);
        o.back = stencil_face(d.back, state, g, 1);
    }
    if (g.has_fragment) {
        const spirv::StageInterface& f = g.fragment.stage;
        o.shader_writes_depth = f.depth_replacing;
        // "Early Fragment Tests": with EarlyFragmentTests, or where testing early cannot be told
        // from testing late (no discard, no FragDepth).
        // Alpha to coverage removes samples after shading, like a discard.
        o.alpha_to_coverage = g.alpha_to_coverage;
        o.early_fragment_tests = f.early_fragment_tests || (!f.discards && !f.depth_replacing && !g.alpha_to_coverage);
    } else {
        o.early_fragment_tests = true;
    }
}

void vertex_input(const DrawState& state, const GraphicsState& g, exec::DrawCmd& cmd) {
    for (const VkVertexInputBindingDescription& d : g.bindings) {
        if (d.binding >= exec::DrawCmd::kMaxBindings)
            continue;
        exec::DrawCmd::Binding& b = cmd.bindings[d.binding];
        b.address = state.vertex_buffers[d.binding].address;
        b.size = state.vertex_buffers[d.binding].size;
        b.stride = d.stride;
        b.per_instance = d.inputRate == VK_VERTEX_INPUT_RATE_INSTANCE;
    }
    cmd.attribute_count = std::min<uint32_t>(uint32_t(g.attributes.size()), exec::DrawCmd::kMaxAttributes);
    for (uint32_t i = 0; i < cmd.attribute_count; ++i) {
        const VkVertexInputAttributeDescription& a = g.attributes[i];
        cmd.attributes[i] = {a.location, a.binding, a.offset, a.format};
    }
}

// Records a draw of the bound pipeline into the current render pass instance; the caller sets the
// draw's parameters (counts, firsts, or where the indirect ones are). NULL: nothing to draw.
exec::DrawCmd* record_draw(VkCommandBuffer handle, bool indexed) {
    CommandBuffer* cb = CommandBuffer::from(handle);
    const Pipeline* pipeline = cb->draw.pipeline;
    // VUID-vkCmdDraw-None-08606 (a graphics pipeline bound), VUID-vkCmdDraw-renderpass (inside a
    // render pass instance): without them there is nothing to draw into.
    if (!pipeline || !pipeline->graphics || !cb->rendering.active)
        return nullptr;
    const GraphicsState& g = *pipeline->graphics;
    const uint32_t vertex_slots = uint32_t(g.vertex.bindings.size()) + 1;  // + the push constants
    const uint32_t fragment_slots = g.has_fragment ? uint32_t(g.fragment.bindings.size()) + 1 : 0;
    const uint32_t vertex_images = uint32_t(g.vertex.image_bindings.size());
    const uint32_t fragment_images = g.has_fragment ? uint32_t(g.fragment.image_bindings.size()) : 0;
    auto* cmd = record<exec::DrawCmd>(cb, exec::Op::Draw,
                                      (vertex_slots + fragment_slots) * sizeof(spirv::Range) +
                                          (vertex_images + fragment_images) * sizeof(spirv::ImageDescriptor));
    if (!cmd)
        return nullptr;
    new (cmd) exec::DrawCmd;
    cmd->vertex = &g.vertex;
    cmd->fragment = g.has_fragment ? &g.fragment : nullptr;
    cmd->link = &g.link;
    cmd->topology = g.topology;
    cmd->primitive_restart = g.primitive_restart;
    fixed_function(*cb, g, *cmd);
    vertex_input(cb->draw, g, *cmd);
    cmd->indexed = indexed;
    cmd->index_buffer = cb->draw.index_buffer;
    cmd->index_buffer_size = cb->draw.index_buffer_size;
    cmd->index_type = cb->draw.index_type;
    std::memcpy(cmd->push_constants, cb->push_constants.data(), sizeof cmd->push_constants);
    cmd->vertex_range_count = vertex_slots;
    cmd->fragment_range_count = fragment_slots;
    cmd->vertex_image_count = vertex_images;
    cmd->fragment_image_count = fragment_images;
    spirv::Range* ranges = exec::trailing<spirv::Range>(cmd);
    auto* images = reinterpret_cast<spirv::ImageDescriptor*>(ranges + vertex_slots + fragment_slots);
    resolve_resources(cb->draw, g.vertex, cmd->push_constants, ranges, images);
    if (g.has_fragment)
        resolve_resources(cb->draw, g.fragment, cmd->push_constants, ranges + vertex_slots, images + vertex_images);
    return cmd;
}

}  // namespace

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdDraw(VkCommandBuffer handle, uint32_t vertexCount, uint32_t instanceCount,
                                          uint32_t firstVertex, uint32_t firstInstance) {
    if (exec::DrawCmd* cmd = record_draw(handle, false)) {
        cmd->count = vertexCount;
        cmd->instance_count = instanceCount;
        cmd->first = firstVertex;
        cmd->first_instance = firstInstance;
    }
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdDrawIndexed(VkCommandBuffer handle, uint32_t indexCount, uint32_t instanceCount,
                                                 uint32_t firstIndex, int32_t vertexOffset, uint32_t firstInstance) {
    if (exec::DrawCmd* cmd = record_draw(handle, true)) {
        cmd->count = indexCount;
        cmd->instance_count = instanceCount;
        cmd->first = firstIndex;
        cmd->vertex_offset = vertexOffset;
        cmd->first_instance = firstInstance;
    }
}

static void record_indirect(VkCommandBuffer handle, bool indexed, VkBuffer buffer, VkDeviceSize offset,
                            uint32_t drawCount, uint32_t stride) {
    const Buffer* b = Buffer::from(buffer);
    if (!b || offset >= b->size)
        return;
    if (exec::DrawCmd* cmd = record_draw(handle, indexed)) {
        cmd->indirect = b->address() + offset;
        cmd->indirect_size = b->size - offset;
        cmd->draw_count = drawCount;
        // VUID-vkCmdDrawIndirect-drawCount-00476: a stride only matters for more than one draw.
        cmd->stride = drawCount > 1 ? stride : 0;
    }
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdDrawIndirect(VkCommandBuffer handle, VkBuffer buffer, VkDeviceSize offset,
                                                  uint32_t drawCount, uint32_t stride) {
    record_indirect(handle, false, buffer, offset, drawCount, stride);
}

VKAPI_ATTR void VKAPI_CALL kiln_vkCmdDrawIndexedIndirect(VkCommandBuffer handle, VkBuffer buffer, VkDeviceSize offset,
                                                         uint32_t drawCount, uint32_t stride) {
    record_indirect(handle, true, buffer, offset, drawCount, stride);
}
