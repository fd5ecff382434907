// The three symbols the Vulkan loader looks for in an ICD (loader interface versions 5-7).
#include <cstring>
#include <vulkan/vk_icd.h>

#include "instance.h"
#include "vk_entrypoints.h"

// Interface 5 is the oldest that lets an ICD report a version above 1.0; 7 is the newest the
// Debian 12 loader offers.
// Interface 3 and up also means the loader lets Kiln create surfaces: every VkSurfaceKHR Kiln
// receives is its own object (src/vulkan/surface.h), never the loader's VkIcdSurface* structs.
static constexpr uint32_t kMinInterface = 5;
static constexpr uint32_t kMaxInterface = 7;

extern "C" {

__attribute__((visibility("default"))) VKAPI_ATTR VkResult VKAPI_CALL
vk_icdNegotiateLoaderICDInterfaceVersion(uint32_t* pSupportedVersion) {
    if (*pSupportedVersion < kMinInterface)
        return VK_ERROR_INCOMPATIBLE_DRIVER;
    if (*pSupportedVersion > kMaxInterface)
        *pSupportedVersion = kMaxInterface;
    return VK_SUCCESS;
}

__attribute__((visibility("default"))) VKAPI_ATTR PFN_vkVoidFunction VKAPI_CALL
vk_icdGetPhysicalDeviceProcAddr(VkInstance instance, const char* pName) {
    return kiln::physical_device_proc(instance, pName);
}

__attribute__((visibility("default"))) VKAPI_ATTR PFN_vkVoidFunction VKAPI_CALL
vk_icdGetInstanceProcAddr(VkInstance instance, const char* pName) {
    // Interface 7: the loader may ask for the interface functions through this one.
    if (pName && std::strcmp(pName, "vk_icdNegotiateLoaderICDInterfaceVersion") == 0)
        return reinterpret_cast<PFN_vkVoidFunction>(&vk_icdNegotiateLoaderICDInterfaceVersion);
    if (pName && std::strcmp(pName, "vk_icdGetPhysicalDeviceProcAddr") == 0)
        return reinterpret_cast<PFN_vkVoidFunction>(&vk_icdGetPhysicalDeviceProcAddr);
    return kiln_vkGetInstanceProcAddr(instance, pName);
}

}  // extern "C"
