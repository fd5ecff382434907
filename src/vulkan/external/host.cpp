// The host-pointer family (VK_EXT_external_memory_host, HOST_ALLOCATION_EXT): the application's
// own pages become device memory. Nothing is copied or mapped; the application keeps the pages
// alive until the memory is freed. Import only.
#include "device.h"
#include "family.h"
#include "physical_device.h"
#include "vk_entrypoints.h"

namespace kiln::external {

namespace {

class HostFamily final : public Family {
public:
    VkResult import(const ImportSource& source, Imported* out) const override {
        // VUID-VkImportMemoryHostPointerInfoEXT-pHostPointer-01749: aligned to
        // minImportedHostPointerAlignment (the allocation size is checked by the caller).
        if (!source.host_pointer || reinterpret_cast<uintptr_t>(source.host_pointer) % kHostPointerAlignment)
            return VK_ERROR_INVALID_EXTERNAL_HANDLE;
        out->host_pointer = static_cast<std::byte*>(source.host_pointer);
        return VK_SUCCESS;
    }

    VkResult export_handle(DeviceMemory&, VkExternalMemoryHandleTypeFlagBits, Exported*) const override {
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;  // not exportable (docs/external-memory.md)
    }
};

}  // namespace

const Family& host_family() {
    static const HostFamily family;
    return family;
}

}  // namespace kiln::external

using namespace kiln;

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkGetMemoryHostPointerPropertiesEXT(
    VkDevice handle, VkExternalMemoryHandleTypeFlagBits handleType, const void* pHostPointer,
    VkMemoryHostPointerPropertiesEXT* pProperties) {
    // HOST_MAPPED_FOREIGN_MEMORY is not supported; pointers come in pages
    // (VUID-vkGetMemoryHostPointerPropertiesEXT-pHostPointer-01753).
    if (handleType != VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT || !pHostPointer ||
        reinterpret_cast<uintptr_t>(pHostPointer) % external::kHostPointerAlignment)
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    pProperties->memoryTypeBits = (1u << Device::from(handle)->physical_device.memory_properties.memoryTypeCount) - 1;
    return VK_SUCCESS;
}
