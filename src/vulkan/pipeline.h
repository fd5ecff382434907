// VkPipeline: for compute, a shader stage lowered to Kiln's register IR (spirv/ir.h) at creation.
#pragma once

#include "object.h"
#include "spirv/ir.h"

namespace kiln {

class Pipeline {
public:
    KILN_HANDLE_CASTS(Pipeline, VkPipeline)

    VkPipelineBindPoint bind_point = VK_PIPELINE_BIND_POINT_COMPUTE;
    spirv::Program program;
};

}  // namespace kiln
