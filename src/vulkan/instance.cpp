// vkCreateInstance and the other global and instance-level commands.
#include "instance.h"

#include <algorithm>
#include <cstring>

#include "enumerate.h"
#include "physical_device.h"
#include "vk_entrypoints.h"

namespace kiln {

const gen::InstanceExtensionSet& supported_instance_extensions() {
    static const gen::InstanceExtensionSet set = [] {
        gen::InstanceExtensionSet s;
        s.set(size_t(gen::InstanceExt::KHR_get_physical_device_properties2));
        s.set(size_t(gen::InstanceExt::KHR_external_memory_capabilities));
        s.set(size_t(gen::InstanceExt::NV_external_memory_capabilities));
        return s;
    }();
    return set;
}

template <size_t N>
static int find_extension(const gen::ExtensionInfo (&table)[N], const char* name) {
    auto it = std::lower_bound(std::begin(table), std::end(table), name,
                               [](const gen::ExtensionInfo& e, const char* n) { return std::strcmp(e.name, n) < 0; });
    return (it != std::end(table) && std::strcmp(it->name, name) == 0) ? int(it - std::begin(table)) : -1;
}

int find_instance_extension(const char* name) { return find_extension(gen::kInstanceExtensions, name); }
int find_device_extension(const char* name) { return find_extension(gen::kDeviceExtensions, name); }

}  // namespace kiln

using namespace kiln;

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkEnumerateInstanceVersion(uint32_t* pApiVersion) {
    *pApiVersion = kApiVersion;
    return VK_SUCCESS;
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkEnumerateInstanceExtensionProperties(const char* pLayerName,
                                                                           uint32_t* pPropertyCount,
                                                                           VkExtensionProperties* pProperties) {
    if (pLayerName)
        return VK_ERROR_LAYER_NOT_PRESENT;  // Kiln has no layers of its own
    return enumerate_extensions(supported_instance_extensions(), gen::kInstanceExtensions, pPropertyCount,
                                pProperties);
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkCreateInstance(const VkInstanceCreateInfo* pCreateInfo,
                                                     const VkAllocationCallbacks* pAllocator, VkInstance* pInstance) {
    gen::InstanceExtensionSet enabled;
    for (uint32_t i = 0; i < pCreateInfo->enabledExtensionCount; ++i) {
        const int index = find_instance_extension(pCreateInfo->ppEnabledExtensionNames[i]);
        if (index < 0 || !supported_instance_extensions().test(size_t(index)))
            return VK_ERROR_EXTENSION_NOT_PRESENT;
        enabled.set(size_t(index));  // duplicated names are harmless
    }
    uint32_t api_version = VK_API_VERSION_1_0;
    if (pCreateInfo->pApplicationInfo && pCreateInfo->pApplicationInfo->apiVersion)
        api_version = pCreateInfo->pApplicationInfo->apiVersion;

    const HostAllocator allocator(pAllocator);
    Instance* instance = create_object<Instance>(allocator, VK_SYSTEM_ALLOCATION_SCOPE_INSTANCE, allocator,
                                                 api_version, enabled);
    if (!instance)
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    instance->physical_device =
        create_object<PhysicalDevice>(allocator, VK_SYSTEM_ALLOCATION_SCOPE_INSTANCE, *instance);
    if (!instance->physical_device) {
        destroy_object(allocator, instance);
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    }
    *pInstance = instance->handle();
    return VK_SUCCESS;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkDestroyInstance(VkInstance handle, const VkAllocationCallbacks* pAllocator) {
    Instance* instance = Instance::from(handle);
    if (!instance)
        return;
    const HostAllocator allocator = instance->allocator;
    destroy_object(allocator, instance->physical_device);
    destroy_object(allocator, instance);
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkEnumeratePhysicalDevices(VkInstance handle, uint32_t* pCount,
                                                               VkPhysicalDevice* pDevices) {
    Instance* instance = Instance::from(handle);
    return enumerate(1u, pCount, pDevices,
                     [&](uint32_t, VkPhysicalDevice& out) { out = instance->physical_device->handle(); });
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkEnumeratePhysicalDeviceGroups(VkInstance handle, uint32_t* pCount,
                                                                    VkPhysicalDeviceGroupProperties* pGroups) {
    Instance* instance = Instance::from(handle);
    return enumerate(1u, pCount, pGroups, [&](uint32_t, VkPhysicalDeviceGroupProperties& g) {
        g.physicalDeviceCount = 1;
        g.physicalDevices[0] = instance->physical_device->handle();
        g.subsetAllocation = VK_FALSE;
    });
}
