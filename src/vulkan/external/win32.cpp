// The entry points of VK_KHR_external_memory_win32 (reached through vkGetDeviceProcAddr: the
// loader on Linux exports no win32 symbol).
#include <kiln/win32.h>

#include "device.h"
#include "device_memory.h"
#include "family.h"
#include "handle_types.h"
#include "physical_device.h"
#include "vk_entrypoints.h"

using namespace kiln;

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkGetMemoryWin32HandleKHR(VkDevice, const VkMemoryGetWin32HandleInfoKHR* pInfo,
                                                              HANDLE* pHandle) {
    external::Exported exported;
    // Only the win32 types (VUID-VkMemoryGetWin32HandleInfoKHR-handleType-00664): an fd is not a HANDLE.
    if (!external::is_nt(pInfo->handleType) && !external::is_kmt(pInfo->handleType))
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    const VkResult result = external::export_handle(*DeviceMemory::from(pInfo->memory), pInfo->handleType, &exported);
    if (result == VK_SUCCESS)
        *pHandle = reinterpret_cast<HANDLE>(exported.handle);
    return result;
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkGetMemoryWin32HandlePropertiesKHR(
    VkDevice handle, VkExternalMemoryHandleTypeFlagBits handleType, HANDLE win32Handle,
    VkMemoryWin32HandlePropertiesKHR* pProperties) {
    // For handles made outside Vulkan: an opaque type is invalid usage
    // (VUID-vkGetMemoryWin32HandlePropertiesKHR-handleType-00666), answered as a bad handle.
    if (!external::is_d3d(handleType))
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    external::ImportSource source;
    source.type = handleType;
    source.handle = reinterpret_cast<uintptr_t>(win32Handle);
    external::Imported imported;
    if (external::family_of(handleType)->import(source, &imported) != VK_SUCCESS)
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    if (imported.payload->kind() != external::payload_origin(handleType))
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    // Every memory type can hold any payload: the device is the host.
    pProperties->memoryTypeBits = (1u << Device::from(handle)->physical_device.memory_properties.memoryTypeCount) - 1;
    return VK_SUCCESS;
}
