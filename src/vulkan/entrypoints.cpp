// The *GetProcAddr commands: lookups in the registry-generated entry point table.
// A command Kiln does not implement has a NULL function there and is never returned.
#include <algorithm>
#include <cstring>

#include "device.h"
#include "instance.h"
#include "physical_device.h"
#include "vk_entrypoints.h"
#include "vk_entrypoints_table.h"

namespace kiln {

static const gen::EntryPoint* lookup(const char* name) {
    if (!name)
        return nullptr;
    size_t lo = 0, hi = gen::kEntryPointCount;
    while (lo < hi) {
        const size_t mid = (lo + hi) / 2;
        const int c = std::strcmp(gen::kEntryPoints[mid].name, name);
        if (c == 0)
            return gen::kEntryPoints[mid].function ? &gen::kEntryPoints[mid] : nullptr;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return nullptr;
}

static uint32_t major_minor(uint32_t version) {
    return VK_MAKE_API_VERSION(0, VK_API_VERSION_MAJOR(version), VK_API_VERSION_MINOR(version), 0);
}

static bool core_in(const gen::EntryPoint& e, uint32_t api_version) {
    return e.core_version != 0 && e.core_version <= major_minor(api_version);
}

static bool instance_ext_enabled(const gen::EntryPoint& e, const gen::InstanceExtensionSet& enabled) {
    for (uint8_t i = 0; i < e.instance_ext_count; ++i)
        if (enabled.test(e.instance_exts[i]))
            return true;
    return false;
}

// Instance-level lookup (vkGetInstanceProcAddr): commands of the instance's version and
// enabled instance extensions, and device commands of any extension the device offers.
static PFN_vkVoidFunction instance_proc(const Instance& instance, const char* name) {
    const gen::EntryPoint* e = lookup(name);
    if (!e)
        return nullptr;
    const uint32_t version = std::min(major_minor(instance.api_version), major_minor(kApiVersion));
    if (core_in(*e, version) || instance_ext_enabled(*e, instance.extensions))
        return e->function;
    if (e->level == gen::EntryLevel::Device || e->level == gen::EntryLevel::PhysicalDevice) {
        for (uint8_t i = 0; i < e->device_ext_count; ++i)
            if (instance.physical_device->extensions.test(e->device_exts[i]))
                return e->function;
    }
    return nullptr;
}

}  // namespace kiln

using namespace kiln;

VKAPI_ATTR PFN_vkVoidFunction VKAPI_CALL kiln_vkGetInstanceProcAddr(VkInstance handle, const char* pName) {
    const gen::EntryPoint* e = lookup(pName);
    if (!e)
        return nullptr;
    if (e->level == gen::EntryLevel::Global)
        return e->function;  // vkCreateInstance, vkEnumerateInstance*, vkGetInstanceProcAddr
    if (!handle)
        return nullptr;
    return instance_proc(*Instance::from(handle), pName);
}

VKAPI_ATTR PFN_vkVoidFunction VKAPI_CALL kiln_vkGetDeviceProcAddr(VkDevice handle, const char* pName) {
    const gen::EntryPoint* e = lookup(pName);
    if (!e || e->level != gen::EntryLevel::Device || !handle)
        return nullptr;
    const Device& device = *Device::from(handle);
    if (core_in(*e, device.api_version))
        return e->function;
    for (uint8_t i = 0; i < e->device_ext_count; ++i)
        if (device.extensions.test(e->device_exts[i]))
            return e->function;
    if (instance_ext_enabled(*e, device.physical_device.instance.extensions))
        return e->function;
    return nullptr;
}

namespace kiln {

PFN_vkVoidFunction physical_device_proc(VkInstance handle, const char* name) {
    const gen::EntryPoint* e = lookup(name);
    if (!e || e->level != gen::EntryLevel::PhysicalDevice || !handle)
        return nullptr;
    return instance_proc(*Instance::from(handle), name);
}

}  // namespace kiln
