// VkPipeline: shader stages lowered to Kiln's register IR (spirv/ir.h) at creation; for graphics,
// also the fixed-function state the pipeline fixes (what it leaves dynamic comes from the command
// buffer at each draw).
#pragma once

#include <bitset>
#include <memory>
#include <vector>

#include "device.h"
#include "exec/draw.h"
#include "object.h"
#include "spirv/ir.h"

namespace kiln {

class Device;

// What vkCreateGraphicsPipelines keeps of VkGraphicsPipelineCreateInfo: the create info's states,
// copied without their pNext chains (the draw reads nothing else).
struct GraphicsState {
    spirv::Program vertex, fragment;
    bool has_fragment = false;  // no fragment shader: depth/stencil only, colors untouched
    exec::StageLink link;       // fragment inputs matched to vertex outputs, once
    std::vector<VkVertexInputBindingDescription> bindings;
    std::vector<VkVertexInputAttributeDescription> attributes;
    VkPrimitiveTopology topology = VK_PRIMITIVE_TOPOLOGY_TRIANGLE_LIST;
    bool primitive_restart = false;
    std::vector<VkViewport> viewports;  // the static one (empty when dynamic)
    std::vector<VkRect2D> scissors;
    VkPipelineRasterizationStateCreateInfo rasterization{};
    bool has_depth_stencil = false;
    VkPipelineDepthStencilStateCreateInfo depth_stencil{};
    std::vector<VkPipelineColorBlendAttachmentState> blend;
    float blend_constants[4] = {0, 0, 0, 0};
    uint32_t samples = 1;         // rasterizationSamples: 1 or 4
    uint32_t sample_mask = ~0u;   // pSampleMask[0] (all ones without one)
    bool alpha_to_coverage = false;
    // The Vulkan 1.0 dynamic states (all Kiln accepts) set here come from the command buffer.
    std::bitset<64> dynamic;
    bool is_dynamic(VkDynamicState state) const { return uint32_t(state) < 64 && dynamic.test(state); }
};

class Pipeline {
public:
    KILN_HANDLE_CASTS(Pipeline, VkPipeline)

    VkPipelineBindPoint bind_point = VK_PIPELINE_BIND_POINT_COMPUTE;
    spirv::Program program;                  // compute
    std::unique_ptr<GraphicsState> graphics;  // graphics
};

// Lowers one stage of pCreateInfos[index] of `command` (for messages) into *out. The stage must be
// `expected`. VK_ERROR_INVALID_SHADER_NV for a shader Kiln cannot run, with the reason reported to
// the application's messengers (and on stderr under KILN_DEBUG_SHADERS).
VkResult lower_stage(Device& device, const char* command, uint32_t index, const VkPipelineShaderStageCreateInfo& stage,
                     VkShaderStageFlagBits expected, spirv::Program* out);

// vkCreate*Pipelines: `create(device, i, pCreateInfos[i], pipeline)` for each; a failed pipeline is
// VK_NULL_HANDLE and the others are still made (the spec's rule); the last failure is returned.
template <typename Info, typename Create>
VkResult create_pipelines(Device& device, uint32_t count, const Info* infos, const VkAllocationCallbacks* allocator,
                          VkPipeline* out, Create create) {
    VkResult result = VK_SUCCESS;
    for (uint32_t i = 0; i < count; ++i) {
        out[i] = VK_NULL_HANDLE;
        Pipeline* pipeline = device.create_child<Pipeline>(allocator);
        if (!pipeline) {
            result = VK_ERROR_OUT_OF_HOST_MEMORY;
            continue;
        }
        const VkResult r = create(device, i, infos[i], pipeline);
        if (r != VK_SUCCESS) {
            device.destroy_child(allocator, pipeline);
            result = r;
            continue;
        }
        out[i] = pipeline->handle();
    }
    return result;
}

}  // namespace kiln
