// VkInstance: the enabled API version and extensions, the one physical device, and the debug
// messengers that hear Kiln's messages.
#pragma once

#include "debug_messenger.h"
#include "host_array.h"
#include "object.h"
#include "strict.h"
#include "vk_extensions.h"

namespace kiln {

class PhysicalDevice;

// The API version Kiln reports (also written into the manifest by icd/CMakeLists.txt).
inline constexpr uint32_t kApiVersion = VK_MAKE_API_VERSION(0, 1, 1, VK_HEADER_VERSION);

class Instance : public DispatchableObject {
public:
    KILN_HANDLE_CASTS(Instance, VkInstance)

    Instance(const HostAllocator& allocator, uint32_t api_version, const gen::InstanceExtensionSet& extensions)
        : allocator(allocator), api_version(api_version), extensions(extensions) {}

    HostAllocator allocator;
    uint32_t api_version;  // what the application asked for (1.0 when it did not say)
    gen::InstanceExtensionSet extensions;
    PhysicalDevice* physical_device = nullptr;
    // VK_EXT_debug_utils: the messengers, and copies of those chained to VkInstanceCreateInfo, which
    // vkDestroyInstance calls again (the application's structs are gone by then).
    DebugMessengers messengers;
    HostArray<VkDebugUtilsMessengerCreateInfoEXT> lifetime_messengers;
    // KILN_STRICT when the instance was created (strict.h).
    StrictMode strict = StrictMode::Off;
};

// The instance extensions Kiln implements.
const gen::InstanceExtensionSet& supported_instance_extensions();

// Index of an extension by name, or -1.
int find_instance_extension(const char* name);
int find_device_extension(const char* name);

// For the loader's vk_icdGetPhysicalDeviceProcAddr: physical-device commands only.
PFN_vkVoidFunction physical_device_proc(VkInstance instance, const char* name);

}  // namespace kiln
