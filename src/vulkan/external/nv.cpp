// VK_NV_external_memory_capabilities, VK_NV_external_memory and VK_NV_external_memory_win32: the NT
// and KMT families under NV names (handle_types.h translates the types). The NV import struct is
// handled with the KHR ones in allocation.cpp, where its ownership rule lives.
#include <kiln/win32.h>

#include "device_memory.h"
#include "family.h"
#include "handle_types.h"
#include "vk_entrypoints.h"

using namespace kiln;

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkGetMemoryWin32HandleNV(VkDevice, VkDeviceMemory memory,
                                                             VkExternalMemoryHandleTypeFlagsNV handleType,
                                                             HANDLE* pHandle) {
    // One bit, of the memory's export types (VUID-vkGetMemoryWin32HandleNV-handleType-01326).
    const VkExternalMemoryHandleTypeFlags type = external::from_nv(handleType);
    if (external::to_nv(type) != handleType)
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    external::Exported exported;
    const VkResult result =
        external::export_handle(*DeviceMemory::from(memory), VkExternalMemoryHandleTypeFlagBits(type), &exported);
    if (result == VK_SUCCESS)
        *pHandle = reinterpret_cast<HANDLE>(exported.handle);
    return result;
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkGetPhysicalDeviceExternalImageFormatPropertiesNV(
    VkPhysicalDevice physicalDevice, VkFormat format, VkImageType type, VkImageTiling tiling, VkImageUsageFlags usage,
    VkImageCreateFlags flags, VkExternalMemoryHandleTypeFlagsNV externalHandleType,
    VkExternalImageFormatPropertiesNV* pProperties) {
    pProperties->externalMemoryFeatures = 0;
    pProperties->exportFromImportedHandleTypes = 0;
    pProperties->compatibleHandleTypes = 0;
    // VUID-vkGetPhysicalDeviceExternalImageFormatPropertiesNV-usage-requiredbitmask: an image
    // with no usage is not an image Kiln can describe.
    if (usage == 0) {
        pProperties->imageFormatProperties = {};
        return VK_ERROR_FORMAT_NOT_SUPPORTED;
    }
    // Type 0 is the plain query.
    const VkResult result = kiln_vkGetPhysicalDeviceImageFormatProperties(physicalDevice, format, type, tiling, usage,
                                                                          flags, &pProperties->imageFormatProperties);
    if (result != VK_SUCCESS || externalHandleType == 0)
        return result;
    const VkExternalMemoryHandleTypeFlags khr = external::from_nv(externalHandleType);
    const VkExternalMemoryProperties p =
        khr && external::to_nv(khr) == externalHandleType && !(khr & (khr - 1))
            ? external::memory_properties(VkExternalMemoryHandleTypeFlagBits(khr), external::Resource::Image)
            : VkExternalMemoryProperties{};
    if (!p.externalMemoryFeatures) {
        pProperties->imageFormatProperties = {};
        return VK_ERROR_FORMAT_NOT_SUPPORTED;
    }
    if (p.externalMemoryFeatures & VK_EXTERNAL_MEMORY_FEATURE_DEDICATED_ONLY_BIT)
        pProperties->externalMemoryFeatures |= VK_EXTERNAL_MEMORY_FEATURE_DEDICATED_ONLY_BIT_NV;
    if (p.externalMemoryFeatures & VK_EXTERNAL_MEMORY_FEATURE_EXPORTABLE_BIT)
        pProperties->externalMemoryFeatures |= VK_EXTERNAL_MEMORY_FEATURE_EXPORTABLE_BIT_NV;
    if (p.externalMemoryFeatures & VK_EXTERNAL_MEMORY_FEATURE_IMPORTABLE_BIT)
        pProperties->externalMemoryFeatures |= VK_EXTERNAL_MEMORY_FEATURE_IMPORTABLE_BIT_NV;
    pProperties->exportFromImportedHandleTypes = external::to_nv(p.exportFromImportedHandleTypes);
    pProperties->compatibleHandleTypes = external::to_nv(p.compatibleHandleTypes);
    return VK_SUCCESS;
}
