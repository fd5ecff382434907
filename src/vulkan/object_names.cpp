// Object names and tags (VK_EXT_debug_utils): vkSetDebugUtilsObjectNameEXT and
// vkSetDebugUtilsObjectTagEXT.
#include "object_names.h"

#include <mutex>

#include "device.h"
#include "vk_entrypoints.h"

namespace kiln {

ObjectNames::ObjectNames(const HostAllocator& allocator)
    : memory_(allocator, VK_SYSTEM_ALLOCATION_SCOPE_OBJECT), names_(&memory_) {}

VkResult ObjectNames::set(VkObjectType type, uint64_t handle, std::string_view name) {
    std::unique_lock lock(mutex_);
    if (name.empty()) {
        names_.erase(handle);
        return VK_SUCCESS;
    }
    try {
        auto [it, inserted] = names_.try_emplace(handle, Entry{type, std::pmr::string(&memory_)});
        it->second.type = type;
        it->second.name.assign(name);  // may throw after the insertion: the entry then stays unnamed
    } catch (const std::bad_alloc&) {
        names_.erase(handle);  // the old name is gone either way: better none than a stale one
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    }
    any_named_.store(true, std::memory_order_release);
    return VK_SUCCESS;
}

std::string ObjectNames::lookup(VkObjectType type, uint64_t handle) const {
    if (!any_named_.load(std::memory_order_acquire))
        return {};
    std::shared_lock lock(mutex_);
    auto it = names_.find(handle);
    if (it == names_.end() || it->second.type != type)
        return {};
    return std::string(std::string_view(it->second.name));
}

void ObjectNames::forget(uint64_t handle) {
    if (!any_named_.load(std::memory_order_acquire))
        return;
    std::unique_lock lock(mutex_);
    names_.erase(handle);
}

}  // namespace kiln

using namespace kiln;

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkSetDebugUtilsObjectNameEXT(VkDevice handle,
                                                                 const VkDebugUtilsObjectNameInfoEXT* pNameInfo) {
    // VUID-VkDebugUtilsObjectNameInfoEXT-objectType-02589 and -objectHandle-02590 forbid UNKNOWN and
    // VK_NULL_HANDLE; such a name could never be shown, so it is dropped rather than stored.
    if (pNameInfo->objectType == VK_OBJECT_TYPE_UNKNOWN || pNameInfo->objectHandle == 0)
        return VK_SUCCESS;
    // A NULL pObjectName removes the name (VkDebugUtilsObjectNameInfoEXT).
    const std::string_view name = pNameInfo->pObjectName ? pNameInfo->pObjectName : "";
    return Device::from(handle)->object_names.set(pNameInfo->objectType, pNameInfo->objectHandle, name);
}

// Tags are binary data for tools and layers that know their tagName; Kiln has no tag it
// understands, so it keeps none (the command has nothing to fail on).
VKAPI_ATTR VkResult VKAPI_CALL kiln_vkSetDebugUtilsObjectTagEXT(VkDevice, const VkDebugUtilsObjectTagInfoEXT*) {
    return VK_SUCCESS;
}
