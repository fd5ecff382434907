// VK_NV_external_memory_capabilities, VK_NV_external_memory and VK_NV_external_memory_win32: the NT
// and KMT families under NV names (handle_types.h translates the types). The NV import struct is
// handled with the KHR ones in allocation.cpp, where its ownership rule lives.
#include <kiln/win32.h>

#include "device.h"
#include "device_memory.h"
#include "family.h"
#include "handle_types.h"
#include "strict.h"
#include "vk_entrypoints.h"
#include "vk_vuids.h"

using namespace kiln;

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkGetMemoryWin32HandleNV(VkDevice handle, VkDeviceMemory memoryHandle,
                                                             VkExternalMemoryHandleTypeFlagsNV handleType,
                                                             HANDLE* pHandle) {
    constexpr const char* kCommand = "vkGetMemoryWin32HandleNV";
    if (strict_unknown_device(handle, "VUID-vkGetMemoryWin32HandleNV-device-parameter", kCommand))
        return VK_ERROR_VALIDATION_FAILED_EXT;
    const Device& device = *Device::from(handle);
    if (!pHandle) {
        strict_violation(device, "VUID-vkGetMemoryWin32HandleNV-pHandle-parameter",
                         {"vkGetMemoryWin32HandleNV: pHandle is NULL."});
        return VK_ERROR_VALIDATION_FAILED_EXT;
    }
    const DebugObject objects[] = {debug_object(memoryHandle)};
    // A NULL memory object is refused in every mode: there is nothing to read.
    if (!memoryHandle) {
        strict_violation(device, "VUID-vkGetMemoryWin32HandleNV-memory-parameter",
                         {"vkGetMemoryWin32HandleNV: memory is VK_NULL_HANDLE."}, objects);
        return VK_ERROR_VALIDATION_FAILED_EXT;
    }
    // Only strict mode knows which memory objects are live, and whose.
    if (strict_mode(device) != StrictMode::Off) {
        const Device* owner = strict_memory_owner(memoryHandle);
        if (!owner) {
            strict_violation(device, "VUID-vkGetMemoryWin32HandleNV-memory-parameter",
                             {"vkGetMemoryWin32HandleNV: memory is not a live VkDeviceMemory."}, objects);
            return VK_ERROR_VALIDATION_FAILED_EXT;
        }
        if (owner != &device && strict_violation(device, "VUID-vkGetMemoryWin32HandleNV-memory-parent",
                                                  {"vkGetMemoryWin32HandleNV: memory was allocated from another "
                                                   "device."},
                                                  objects))
            return VK_ERROR_VALIDATION_FAILED_EXT;
    }
    DeviceMemory& memory = *DeviceMemory::from(memoryHandle);
    if (handleType == 0) {
        strict_violation(device, "VUID-vkGetMemoryWin32HandleNV-handleType-requiredbitmask",
                         {"vkGetMemoryWin32HandleNV: handleType is 0."}, objects);
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    }
    if (handleType & ~gen::kDefinedBits_VkExternalMemoryHandleTypeFlagBitsNV) {
        strict_violation(device, "VUID-vkGetMemoryWin32HandleNV-handleType-parameter",
                         {"vkGetMemoryWin32HandleNV: handleType has bits no NV handle type defines."}, objects);
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    }
    // One flag, of those VkExportMemoryAllocateInfoNV asked for (Kiln can export what the KHR
    // struct asked for too, so only strict mode minds which struct it was).
    const VkExternalMemoryHandleTypeFlags type = external::from_nv(handleType);
    if ((handleType & (handleType - 1)) || !(memory.export_types & type)) {
        strict_violation(device, "VUID-vkGetMemoryWin32HandleNV-handleType-01326",
                         {"vkGetMemoryWin32HandleNV: handleType is not one of the types the memory was allocated "
                          "for export as."},
                         objects);
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    }
    if (memory.export_struct != DeviceMemory::ExportStruct::Nv &&
        strict_violation(device, "VUID-vkGetMemoryWin32HandleNV-handleType-01326",
                         {"vkGetMemoryWin32HandleNV: the memory was allocated for export through "
                          "VkExportMemoryAllocateInfo, not VkExportMemoryAllocateInfoNV."},
                         objects))
        return VK_ERROR_VALIDATION_FAILED_EXT;
    external::Exported exported;
    const VkResult result =
        external::export_handle(memory, VkExternalMemoryHandleTypeFlagBits(type), &exported);
    if (result != VK_SUCCESS)
        return result;
    *pHandle = reinterpret_cast<HANDLE>(exported.handle);
    return VK_SUCCESS;
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
