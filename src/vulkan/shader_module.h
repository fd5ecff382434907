// VkShaderModule: a SPIR-V module checked against the grammar at creation (spirv::Binary), so that
// a malformed, truncated or unsupported module is refused there with the reason.
#pragma once

#include <string>

#include "object.h"
#include "spirv/binary.h"

namespace kiln {

class ShaderModule {
public:
    static ShaderModule* from(VkShaderModule handle) { return reinterpret_cast<ShaderModule*>(handle); }
    VkShaderModule handle() { return reinterpret_cast<VkShaderModule>(this); }

    spirv::Binary binary;
};

// Checks and copies SPIR-V words (vkCreateShaderModule, and VkShaderModuleCreateInfo chained to a
// pipeline stage). VK_ERROR_INVALID_SHADER_NV with the reason in *error for a module Kiln refuses.
VkResult parse_shader(const VkShaderModuleCreateInfo& info, spirv::Binary* out, std::string* error);

}  // namespace kiln
