// The entry points of VK_KHR_external_memory_win32 (reached through vkGetDeviceProcAddr: the
// loader on Linux exports no win32 symbol), with their valid-usage rules: each broken rule is
// reported in strict mode (strict.h); the rules whose breach leaves Kiln nothing sensible to do
// fail the call in every mode.
#include <kiln/win32.h>

#include "device.h"
#include "device_memory.h"
#include "family.h"
#include "handle_types.h"
#include "physical_device.h"
#include "strict.h"
#include "vk_entrypoints.h"
#include "vk_structs.h"
#include "vk_vuids.h"

using namespace kiln;

namespace {

bool is_one_defined_type(VkExternalMemoryHandleTypeFlagBits type) {
    return type && !(type & (type - 1)) && (type & gen::kDefinedBits_VkExternalMemoryHandleTypeFlagBits);
}

}  // namespace

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkGetMemoryWin32HandleKHR(VkDevice handle, const VkMemoryGetWin32HandleInfoKHR* pInfo,
                                                              HANDLE* pHandle) {
    constexpr const char* kCommand = "vkGetMemoryWin32HandleKHR";
    if (strict_unknown_device(handle, "VUID-vkGetMemoryWin32HandleKHR-device-parameter", kCommand))
        return VK_ERROR_VALIDATION_FAILED_EXT;
    const Device& device = *Device::from(handle);
    // Nothing can be read from, or written to, a NULL pointer.
    if (!pInfo) {
        strict_violation(device, "VUID-vkGetMemoryWin32HandleKHR-pGetWin32HandleInfo-parameter",
                         {"vkGetMemoryWin32HandleKHR: pGetWin32HandleInfo is NULL."});
        return VK_ERROR_VALIDATION_FAILED_EXT;
    }
    if (!pHandle) {
        strict_violation(device, "VUID-vkGetMemoryWin32HandleKHR-pHandle-parameter",
                         {"vkGetMemoryWin32HandleKHR: pHandle is NULL."});
        return VK_ERROR_VALIDATION_FAILED_EXT;
    }
    if (pInfo->sType != gen::STypeOf<VkMemoryGetWin32HandleInfoKHR>::value &&
        strict_violation(device, "VUID-VkMemoryGetWin32HandleInfoKHR-sType-sType",
                         {"vkGetMemoryWin32HandleKHR: pGetWin32HandleInfo->sType is not "
                          "VK_STRUCTURE_TYPE_MEMORY_GET_WIN32_HANDLE_INFO_KHR."}))
        return VK_ERROR_VALIDATION_FAILED_EXT;
    if (pInfo->pNext && strict_violation(device, "VUID-VkMemoryGetWin32HandleInfoKHR-pNext-pNext",
                                         {"vkGetMemoryWin32HandleKHR: pGetWin32HandleInfo->pNext is not NULL."}))
        return VK_ERROR_VALIDATION_FAILED_EXT;
    // Only strict mode knows which memory objects are live; a dead one cannot be used at all. A
    // NULL one is refused in every mode: there is nothing to read.
    if (!pInfo->memory || (strict_mode(device) != StrictMode::Off && !strict_memory_owner(pInfo->memory))) {
        strict_violation(device, "VUID-VkMemoryGetWin32HandleInfoKHR-memory-parameter",
                         {"vkGetMemoryWin32HandleKHR: pGetWin32HandleInfo->memory is not a live VkDeviceMemory."},
                         {{debug_object(pInfo->memory)}});
        return VK_ERROR_VALIDATION_FAILED_EXT;
    }
    DeviceMemory& memory = *DeviceMemory::from(pInfo->memory);
    const VkExternalMemoryHandleTypeFlagBits type = pInfo->handleType;
    const DebugObject objects[] = {debug_object(pInfo->memory)};
    if (!is_one_defined_type(type)) {
        strict_violation(device, "VUID-VkMemoryGetWin32HandleInfoKHR-handleType-parameter",
                         {"vkGetMemoryWin32HandleKHR: handleType is not one handle type."}, objects);
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    }
    // Only the win32 types: an fd is not a HANDLE.
    if (!external::is_nt(type) && !external::is_kmt(type)) {
        strict_violation(device, "VUID-VkMemoryGetWin32HandleInfoKHR-handleType-00664",
                         {"vkGetMemoryWin32HandleKHR: handleType is neither an NT nor a global share handle type."},
                         objects);
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    }
    // The type must have been asked for at allocation, through VkExportMemoryAllocateInfo (Kiln
    // can export what the NV struct asked for too, so only strict mode minds which struct it was).
    if (!(memory.export_types & type)) {
        strict_violation(device, "VUID-VkMemoryGetWin32HandleInfoKHR-handleType-00662",
                         {"vkGetMemoryWin32HandleKHR: the memory was not allocated for export as handleType."},
                         objects);
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    }
    if (memory.export_struct != DeviceMemory::ExportStruct::Khr &&
        strict_violation(device, "VUID-VkMemoryGetWin32HandleInfoKHR-handleType-00662",
                         {"vkGetMemoryWin32HandleKHR: the memory was allocated for export through "
                          "VkExportMemoryAllocateInfoNV, not VkExportMemoryAllocateInfo."},
                         objects))
        return VK_ERROR_VALIDATION_FAILED_EXT;
    // A second NT export of one memory and type is invalid usage. Outside error mode Kiln gives a
    // new handle, as Windows drivers do; the application owns both.
    const bool nt = external::is_nt(type);
    if (nt && (memory.nt_exported.load(std::memory_order_relaxed) & type) &&
        strict_violation(device, "VUID-VkMemoryGetWin32HandleInfoKHR-handleType-00663",
                         {"vkGetMemoryWin32HandleKHR: this memory was exported as an NT handle of this type before. "
                          "Only one such call is allowed per memory object and NT handle type: keep the first "
                          "handle and DuplicateHandle it for more (each NT handle is the application's to close)."},
                         objects))
        return VK_ERROR_VALIDATION_FAILED_EXT;
    external::Exported exported;
    const VkResult result = external::export_handle(memory, type, &exported);
    if (result != VK_SUCCESS)
        return result;
    if (nt)
        memory.nt_exported.fetch_or(type, std::memory_order_relaxed);
    *pHandle = reinterpret_cast<HANDLE>(exported.handle);
    return VK_SUCCESS;
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkGetMemoryWin32HandlePropertiesKHR(
    VkDevice handle, VkExternalMemoryHandleTypeFlagBits handleType, HANDLE win32Handle,
    VkMemoryWin32HandlePropertiesKHR* pProperties) {
    constexpr const char* kCommand = "vkGetMemoryWin32HandlePropertiesKHR";
    if (strict_unknown_device(handle, "VUID-vkGetMemoryWin32HandlePropertiesKHR-device-parameter", kCommand))
        return VK_ERROR_VALIDATION_FAILED_EXT;
    const Device& device = *Device::from(handle);
    if (!pProperties) {
        strict_violation(device, "VUID-vkGetMemoryWin32HandlePropertiesKHR-pMemoryWin32HandleProperties-parameter",
                         {"vkGetMemoryWin32HandlePropertiesKHR: pMemoryWin32HandleProperties is NULL."});
        return VK_ERROR_VALIDATION_FAILED_EXT;
    }
    if (pProperties->sType != gen::STypeOf<VkMemoryWin32HandlePropertiesKHR>::value &&
        strict_violation(device, "VUID-VkMemoryWin32HandlePropertiesKHR-sType-sType",
                         {"vkGetMemoryWin32HandlePropertiesKHR: pMemoryWin32HandleProperties->sType is not "
                          "VK_STRUCTURE_TYPE_MEMORY_WIN32_HANDLE_PROPERTIES_KHR."}))
        return VK_ERROR_VALIDATION_FAILED_EXT;
    if (pProperties->pNext &&
        strict_violation(device, "VUID-VkMemoryWin32HandlePropertiesKHR-pNext-pNext",
                         {"vkGetMemoryWin32HandlePropertiesKHR: pMemoryWin32HandleProperties->pNext is not NULL."}))
        return VK_ERROR_VALIDATION_FAILED_EXT;
    if (!is_one_defined_type(handleType)) {
        strict_violation(device, "VUID-vkGetMemoryWin32HandlePropertiesKHR-handleType-parameter",
                         {"vkGetMemoryWin32HandlePropertiesKHR: handleType is not one handle type."});
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    }
    // For handles made outside Vulkan: an opaque type is invalid usage, answered as a bad handle.
    constexpr VkExternalMemoryHandleTypeFlags kOpaque = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT |
                                                        VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_BIT |
                                                        VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_KMT_BIT;
    if (handleType & kOpaque) {
        strict_violation(device, "VUID-vkGetMemoryWin32HandlePropertiesKHR-handleType-00666",
                         {"vkGetMemoryWin32HandlePropertiesKHR: handleType is an opaque type; the properties of "
                          "opaque handles are those of the memory they were exported from."});
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    }
    if (!external::is_d3d(handleType))
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    external::ImportSource source;
    source.type = handleType;
    source.handle = reinterpret_cast<uintptr_t>(win32Handle);
    external::Imported imported;
    // A handle that is no handle of the type is the command's documented failure, not invalid usage.
    if (external::family_of(handleType)->import(source, &imported) != VK_SUCCESS)
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    if (imported.payload->kind() == memory::PayloadOrigin::Vulkan) {
        strict_violation(device, "VUID-vkGetMemoryWin32HandlePropertiesKHR-handle-00665",
                         {"vkGetMemoryWin32HandlePropertiesKHR: the handle refers to memory Vulkan made (it was "
                          "exported by vkGetMemoryWin32HandleKHR), not to a resource made outside Vulkan."});
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    }
    if (imported.payload->kind() != external::payload_origin(handleType))
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    // Every memory type can hold any payload: the device is the host.
    pProperties->memoryTypeBits = (1u << device.physical_device.memory_properties.memoryTypeCount) - 1;
    return VK_SUCCESS;
}
