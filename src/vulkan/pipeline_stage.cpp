// One shader stage of a pipeline lowered to Kiln's register IR (pipeline.h lower_stage): the
// module parsed into its model, the specialization constants applied, the entry point of the
// stage's execution model lowered; a refusal is reported to the application's messengers.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <spirv/unified1/spirv.hpp11>

#include "debug_report.h"
#include "device.h"
#include "pipeline.h"
#include "shader_module.h"
#include "spirv/module.h"

namespace kiln {

namespace {

spv::ExecutionModel model_of(VkShaderStageFlagBits stage) {
    switch (stage) {
    case VK_SHADER_STAGE_VERTEX_BIT: return spv::ExecutionModel::Vertex;
    case VK_SHADER_STAGE_FRAGMENT_BIT: return spv::ExecutionModel::Fragment;
    default: return spv::ExecutionModel::GLCompute;
    }
}

spirv::Specialization specialization_of(const VkSpecializationInfo* s) {
    spirv::Specialization specialization;
    for (uint32_t i = 0; s && i < s->mapEntryCount; ++i) {
        const VkSpecializationMapEntry& e = s->pMapEntries[i];
        // VUID-VkSpecializationInfo-offset-00773/00774: inside pData; 1 to 8 bytes.
        if (e.size == 0 || e.size > 8 || e.offset > s->dataSize || e.size > s->dataSize - e.offset)
            continue;
        uint64_t value = 0;
        std::memcpy(&value, static_cast<const std::byte*>(s->pData) + e.offset, e.size);
        specialization.values.push_back({e.constantID, value});
    }
    return specialization;
}

}  // namespace

VkResult lower_stage(Device& device, const char* command, uint32_t index, const VkPipelineShaderStageCreateInfo& stage,
                     VkShaderStageFlagBits expected, spirv::Program* out) {
    const ShaderModule* module = ShaderModule::from(stage.module);
    std::string error;
    spirv::Module model;
    if (!module || stage.stage != expected || !stage.pName)
        error = "not a shader stage of the expected kind with a module";
    else if (spirv::Module::build(module->binary, &model, &error) &&
             spirv::lower(model, uint32_t(model_of(expected)), stage.pName, specialization_of(stage.pSpecializationInfo),
                          out, &error))
        return VK_SUCCESS;
    if (std::getenv("KILN_DEBUG_SHADERS"))
        std::fprintf(stderr, "kiln: %s refused the shader: %s\n", command, error.c_str());
    // The failed pipeline will be VK_NULL_HANDLE, so the message names the module (or, without one,
    // the device) and which create info it was.
    char which[80];
    std::snprintf(which, sizeof which, "%s: pCreateInfos[%u]: ", command, index);
    const MessageText text = {which, "shader refused: ", error};
    const std::string id = std::string("Kiln-") + command + "-refused";
    if (stage.module != VK_NULL_HANDLE)
        report(device, VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT, VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT,
               id.c_str(), text, stage.module);
    else
        report(device, VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT, VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT,
               id.c_str(), text, device.handle());
    return VK_ERROR_INVALID_SHADER_NV;
}

}  // namespace kiln
