// vkCreateShaderModule and vkDestroyShaderModule.
#include "shader_module.h"

#include <cstdio>
#include <cstdlib>

#include "debug_report.h"
#include "device.h"
#include "spirv/module.h"
#include "vk_entrypoints.h"

namespace kiln {

VkResult parse_shader(const VkShaderModuleCreateInfo& info, spirv::Binary* out, std::string* error) {
    // VUID-VkShaderModuleCreateInfo-codeSize-01085/01086: a whole, non-zero number of words.
    if (info.codeSize == 0 || info.codeSize % 4 != 0 || !info.pCode) {
        *error = "codeSize " + std::to_string(info.codeSize) + " is not a positive multiple of 4";
        return VK_ERROR_INVALID_SHADER_NV;
    }
    if (!spirv::Binary::parse(std::span<const uint32_t>(info.pCode, info.codeSize / 4), out, error))
        return VK_ERROR_INVALID_SHADER_NV;
    // The meaning is checked now too (types, functions, layouts), so that a module that cannot be
    // lowered is refused here rather than at pipeline creation; pipelines rebuild the model.
    spirv::Module module;
    if (!spirv::Module::build(*out, &module, error))
        return VK_ERROR_INVALID_SHADER_NV;
    return VK_SUCCESS;
}

}  // namespace kiln

using namespace kiln;

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkCreateShaderModule(VkDevice handle, const VkShaderModuleCreateInfo* pCreateInfo,
                                                         const VkAllocationCallbacks* pAllocator,
                                                         VkShaderModule* pShaderModule) {
    Device* device = Device::from(handle);
    spirv::Binary binary;
    std::string error;
    // Invalid SPIR-V is invalid usage (VUID-VkShaderModuleCreateInfo-pCode-01377); Kiln refuses it
    // rather than run it, with the code the spec gives shader rejection, and says why to the
    // application's messengers (there is no module yet: the message names the device).
    if (const VkResult result = parse_shader(*pCreateInfo, &binary, &error); result != VK_SUCCESS) {
        if (std::getenv("KILN_DEBUG_SHADERS"))
            std::fprintf(stderr, "kiln: vkCreateShaderModule refused the module: %s\n", error.c_str());
        report(*device, VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT, VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT,
               "Kiln-vkCreateShaderModule-refused", {"vkCreateShaderModule: SPIR-V refused: ", error}, handle);
        return result;
    }
    ShaderModule* module = device->create_child<ShaderModule>(pAllocator);
    if (!module)
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    module->binary = std::move(binary);
    *pShaderModule = module->handle();
    return VK_SUCCESS;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkDestroyShaderModule(VkDevice handle, VkShaderModule module,
                                                      const VkAllocationCallbacks* pAllocator) {
    Device::from(handle)->destroy_child(pAllocator, ShaderModule::from(module));
}
