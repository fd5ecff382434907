// vkCreateInstance and the other global and instance-level commands.
#include "instance.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "debug_report.h"
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
        s.set(size_t(gen::InstanceExt::EXT_debug_utils));
        // WSI (src/wsi, surface.cpp): X11 windows through xcb or Xlib, and headless surfaces.
        s.set(size_t(gen::InstanceExt::KHR_surface));
        s.set(size_t(gen::InstanceExt::KHR_xcb_surface));
        s.set(size_t(gen::InstanceExt::KHR_xlib_surface));
        s.set(size_t(gen::InstanceExt::EXT_headless_surface));
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

// Copies the VkDebugUtilsMessengerCreateInfoEXT structs chained to VkInstanceCreateInfo (there may be
// several: VUID-VkInstanceCreateInfo-sType-unique excepts them) into the instance, for
// vkCreateInstance and vkDestroyInstance. False when the allocation fails.
static bool keep_lifetime_messengers(const VkInstanceCreateInfo& info, Instance& instance) {
    size_t count = 0;
    for (auto* s = static_cast<const VkBaseInStructure*>(info.pNext); s; s = s->pNext)
        count += s->sType == VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT;
    if (!instance.lifetime_messengers.allocate(instance.allocator, count, VK_SYSTEM_ALLOCATION_SCOPE_INSTANCE))
        return false;
    size_t i = 0;
    for (auto* s = static_cast<const VkBaseInStructure*>(info.pNext); s; s = s->pNext)
        if (s->sType == VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT) {
            VkDebugUtilsMessengerCreateInfoEXT& copy = instance.lifetime_messengers[i++];
            copy = *reinterpret_cast<const VkDebugUtilsMessengerCreateInfoEXT*>(s);
            copy.pNext = nullptr;  // the rest of the application's chain does not outlive this call
        }
    instance.messengers.set_lifetime_messengers(instance.lifetime_messengers.span());
    return true;
}

// "1.1.239": into a buffer, so that the message costs no allocation outside report().
struct VersionText {
    explicit VersionText(uint32_t version) {
        std::snprintf(text, sizeof text, "%u.%u.%u", VK_API_VERSION_MAJOR(version), VK_API_VERSION_MINOR(version),
                      VK_API_VERSION_PATCH(version));
    }
    char text[40];
};

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
    instance->strict = strict_mode_from_environment();
    instance->physical_device =
        create_object<PhysicalDevice>(allocator, VK_SYSTEM_ALLOCATION_SCOPE_INSTANCE, *instance);
    // VUID-VkInstanceCreateInfo-pNext-04926: chained messengers need VK_EXT_debug_utils enabled.
    if (!instance->physical_device ||
        (enabled.test(size_t(gen::InstanceExt::EXT_debug_utils)) && !keep_lifetime_messengers(*pCreateInfo, *instance))) {
        destroy_object(allocator, instance->physical_device);
        destroy_object(allocator, instance);
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    }
    // Which Vulkan the application gets, said once where it can be heard: an application asking for
    // a newer version than Kiln's is valid (Vulkan 1.1+), and then gets only Kiln's.
    instance->messengers.hear_lifetime_messengers(true);
    report(*instance, VK_DEBUG_UTILS_MESSAGE_SEVERITY_INFO_BIT_EXT, VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT,
           "Kiln-vkCreateInstance",
           {"vkCreateInstance: Kiln " KILN_VERSION_STRING " implements Vulkan ", VersionText(kApiVersion).text,
            "; the application asked for ", VersionText(api_version).text});
    instance->messengers.hear_lifetime_messengers(false);
    *pInstance = instance->handle();
    return VK_SUCCESS;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkDestroyInstance(VkInstance handle, const VkAllocationCallbacks* pAllocator) {
    Instance* instance = Instance::from(handle);
    if (!instance)
        return;
    instance->messengers.hear_lifetime_messengers(true);
    report(*instance, VK_DEBUG_UTILS_MESSAGE_SEVERITY_VERBOSE_BIT_EXT, VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT,
           "Kiln-vkDestroyInstance", {"vkDestroyInstance: the instance is destroyed"});
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
