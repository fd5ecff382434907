// vkCreateGraphicsPipelines: the vertex and fragment stages lowered to the register IR, the
// fixed-function state copied into GraphicsState (pipeline.h). What Kiln cannot do is refused here,
// at creation, with a message to the application's messengers -- never at draw time.
#include <cstdio>
#include <cstring>
#include <spirv/unified1/spirv.hpp11>

#include "debug_report.h"
#include "device.h"
#include "draw_state.h"
#include "physical_device.h"
#include "pipeline.h"
#include "raster/raster.h"
#include "vk_entrypoints.h"

namespace kiln {

namespace {

constexpr const char* kCommand = "vkCreateGraphicsPipelines";

// Everything refused here is invalid usage of a device that reports no feature for it; of the codes
// vkCreateGraphicsPipelines may return, VK_ERROR_INVALID_SHADER_NV ("the pipeline could not be
// compiled") says it best, and the message says why.
VkResult refuse(Device& device, uint32_t index, const std::string& why) {
    char which[64];
    std::snprintf(which, sizeof which, "%s: pCreateInfos[%u]: ", kCommand, index);
    report(device, VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT, VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT,
           "Kiln-vkCreateGraphicsPipelines-refused", MessageText{which, "", why}, device.handle());
    return VK_ERROR_INVALID_SHADER_NV;
}

// Vertex attributes are read through the texel codecs (exec/draw.cpp): the formats whose buffer
// features Kiln reports with VERTEX_BUFFER_BIT (physical_device.cpp says which).
bool vertex_format_supported(VkFormat format) {
    return format_properties(format).bufferFeatures & VK_FORMAT_FEATURE_VERTEX_BUFFER_BIT;
}

bool uses_second_source(VkBlendFactor f) {
    return f == VK_BLEND_FACTOR_SRC1_COLOR || f == VK_BLEND_FACTOR_ONE_MINUS_SRC1_COLOR ||
           f == VK_BLEND_FACTOR_SRC1_ALPHA || f == VK_BLEND_FACTOR_ONE_MINUS_SRC1_ALPHA;
}

VkResult stages(Device& device, uint32_t index, const VkGraphicsPipelineCreateInfo& info, GraphicsState& g) {
    bool vertex = false;
    for (uint32_t i = 0; i < info.stageCount; ++i) {
        const VkPipelineShaderStageCreateInfo& stage = info.pStages[i];
        spirv::Program* out = nullptr;
        if (stage.stage == VK_SHADER_STAGE_VERTEX_BIT && !vertex) {
            out = &g.vertex;
            vertex = true;
        } else if (stage.stage == VK_SHADER_STAGE_FRAGMENT_BIT && !g.has_fragment) {
            out = &g.fragment;
            g.has_fragment = true;
        } else {
            // Tessellation, geometry and mesh stages: Kiln reports none of their features.
            return refuse(device, index, "only one vertex and one fragment stage are supported");
        }
        const VkResult r = lower_stage(device, kCommand, index, stage, stage.stage, out);
        if (r != VK_SUCCESS)
            return r;
    }
    if (!vertex)
        return refuse(device, index, "a graphics pipeline needs a vertex stage");
    // maxCombinedClipAndCullDistances (the rasterizer's kMaxDistances).
    uint32_t distances = 0;
    for (const spirv::InterfaceSlot& slot : g.vertex.stage.builtin_outputs)
        if (slot.location == uint32_t(spv::BuiltIn::ClipDistance) || slot.location == uint32_t(spv::BuiltIn::CullDistance))
            distances += slot.words;
    if (distances > raster::kMaxDistances)
        return refuse(device, index, "more clip and cull distances than maxCombinedClipAndCullDistances (8)");
    return VK_SUCCESS;
}

VkResult vertex_input(Device& device, uint32_t index, const VkPipelineVertexInputStateCreateInfo* in, GraphicsState& g) {
    if (!in)
        return VK_SUCCESS;  // VUID-VkGraphicsPipelineCreateInfo-pStages-02097 wants it; treat as empty
    g.bindings.assign(in->pVertexBindingDescriptions, in->pVertexBindingDescriptions + in->vertexBindingDescriptionCount);
    g.attributes.assign(in->pVertexAttributeDescriptions,
                        in->pVertexAttributeDescriptions + in->vertexAttributeDescriptionCount);
    for (const VkVertexInputAttributeDescription& a : g.attributes) {
        if (!vertex_format_supported(a.format))
            return refuse(device, index, "vertex attribute format " + std::to_string(a.format) + " is not supported");
        bool bound = false;
        for (const VkVertexInputBindingDescription& b : g.bindings)
            bound |= b.binding == a.binding;
        // VUID-VkPipelineVertexInputStateCreateInfo-binding-00615
        if (!bound)
            return refuse(device, index, "a vertex attribute names a binding the pipeline does not describe");
    }
    for (const VkVertexInputBindingDescription& b : g.bindings)
        if (b.binding >= DrawState::kMaxVertexBuffers)
            return refuse(device, index, "vertex binding beyond maxVertexInputBindings");
    return VK_SUCCESS;
}

VkResult fixed_function(Device& device, uint32_t index, const VkGraphicsPipelineCreateInfo& info, GraphicsState& g) {
    if (info.pDynamicState)
        for (uint32_t i = 0; i < info.pDynamicState->dynamicStateCount; ++i) {
            const VkDynamicState state = info.pDynamicState->pDynamicStates[i];
            // The Vulkan 1.0 dynamic states; the extended ones belong to extensions Kiln does not offer.
            if (uint32_t(state) > uint32_t(VK_DYNAMIC_STATE_STENCIL_REFERENCE))
                return refuse(device, index, "dynamic state " + std::to_string(state) + " is not supported");
            g.dynamic.set(state);
        }
    if (info.pInputAssemblyState) {
        g.topology = info.pInputAssemblyState->topology;
        g.primitive_restart = info.pInputAssemblyState->primitiveRestartEnable;
    }
    // The rasterizer draws point lists, line lists and strips, and triangles (src/raster); the
    // adjacency topologies (geometryShader is not reported) and patch lists (tessellationShader is
    // not reported) are refused here rather than drawn as nothing.
    switch (g.topology) {
    case VK_PRIMITIVE_TOPOLOGY_POINT_LIST:
    case VK_PRIMITIVE_TOPOLOGY_LINE_LIST:
    case VK_PRIMITIVE_TOPOLOGY_LINE_STRIP:
    case VK_PRIMITIVE_TOPOLOGY_TRIANGLE_LIST:
    case VK_PRIMITIVE_TOPOLOGY_TRIANGLE_STRIP:
    case VK_PRIMITIVE_TOPOLOGY_TRIANGLE_FAN: break;
    default: return refuse(device, index, "adjacency and patch list topologies are not implemented");
    }
    if (!info.pRasterizationState)
        return refuse(device, index, "no rasterization state");
    g.rasterization = *info.pRasterizationState;
    g.rasterization.pNext = nullptr;
    if (g.rasterization.polygonMode != VK_POLYGON_MODE_FILL)
        return refuse(device, index, "polygon modes LINE and POINT are not implemented (fillModeNonSolid is not reported)");
    const bool discard = g.rasterization.rasterizerDiscardEnable;
    if (!discard) {
        const VkPipelineViewportStateCreateInfo* v = info.pViewportState;
        if (!v || v->viewportCount != 1 || v->scissorCount != 1)
            return refuse(device, index, "exactly one viewport and one scissor (no multiViewport)");
        if (!g.is_dynamic(VK_DYNAMIC_STATE_VIEWPORT) && v->pViewports)
            g.viewports.assign(v->pViewports, v->pViewports + v->viewportCount);
        if (!g.is_dynamic(VK_DYNAMIC_STATE_SCISSOR) && v->pScissors)
            g.scissors.assign(v->pScissors, v->pScissors + v->scissorCount);
        if (const VkPipelineMultisampleStateCreateInfo* m = info.pMultisampleState) {
            // The rasterizer's sample counts (kRenderSampleCounts); one fragment shader invocation
            // per pixel, so sample shading (sampleRateShading is not reported) is refused, and so
            // is alpha to one (alphaToOne is not reported). Alpha to coverage: raster.h.
            if (m->rasterizationSamples != VK_SAMPLE_COUNT_1_BIT && m->rasterizationSamples != VK_SAMPLE_COUNT_4_BIT)
                return refuse(device, index,
                              "rasterizationSamples " + std::to_string(m->rasterizationSamples) +
                                  ": Kiln renders with 1 or 4 samples (framebuffer*SampleCounts)");
            if (m->sampleShadingEnable)
                return refuse(device, index, "sample shading is not implemented (sampleRateShading is not reported)");
            if (m->alphaToOneEnable)
                return refuse(device, index, "alpha to one is not implemented (alphaToOne is not reported)");
            g.samples = uint32_t(m->rasterizationSamples);
            g.alpha_to_coverage = m->alphaToCoverageEnable;
            if (m->pSampleMask)
                g.sample_mask = m->pSampleMask[0];
        }
        if (info.pDepthStencilState) {
            g.has_depth_stencil = true;
            g.depth_stencil = *info.pDepthStencilState;
            g.depth_stencil.pNext = nullptr;
        }
        if (const VkPipelineColorBlendStateCreateInfo* c = info.pColorBlendState) {
            // The features Kiln does not report (logicOp, dualSrcBlend) are refused rather than
            // ignored: the rasterizer has neither logic ops nor second-source blending.
            if (c->logicOpEnable)
                return refuse(device, index, "logic ops are not implemented (logicOp is not reported)");
            g.blend.assign(c->pAttachments, c->pAttachments + c->attachmentCount);
            for (const VkPipelineColorBlendAttachmentState& b : g.blend)
                if (b.blendEnable && (uses_second_source(b.srcColorBlendFactor) || uses_second_source(b.dstColorBlendFactor) ||
                                      uses_second_source(b.srcAlphaBlendFactor) || uses_second_source(b.dstAlphaBlendFactor)))
                    return refuse(device, index, "SRC1 blend factors are not implemented (dualSrcBlend is not reported)");
            std::memcpy(g.blend_constants, c->blendConstants, sizeof g.blend_constants);
        }
    }
    return VK_SUCCESS;
}

VkResult create_graphics(Device& device, uint32_t index, const VkGraphicsPipelineCreateInfo& info, Pipeline* pipeline) {
    pipeline->bind_point = VK_PIPELINE_BIND_POINT_GRAPHICS;
    pipeline->graphics = std::make_unique<GraphicsState>();
    GraphicsState& g = *pipeline->graphics;
    VkResult r = stages(device, index, info, g);
    if (r == VK_SUCCESS)
        r = vertex_input(device, index, info.pVertexInputState, g);
    if (r == VK_SUCCESS)
        r = fixed_function(device, index, info, g);
    if (r == VK_SUCCESS)
        g.link = exec::link_stages(g.vertex, g.has_fragment ? &g.fragment : nullptr);
    return r;
}

}  // namespace

}  // namespace kiln

using namespace kiln;

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkCreateGraphicsPipelines(VkDevice handle, VkPipelineCache, uint32_t count,
                                                              const VkGraphicsPipelineCreateInfo* pCreateInfos,
                                                              const VkAllocationCallbacks* pAllocator,
                                                              VkPipeline* pPipelines) {
    return create_pipelines(*Device::from(handle), count, pCreateInfos, pAllocator, pPipelines, &create_graphics);
}
