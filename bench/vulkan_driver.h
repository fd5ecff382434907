// One Vulkan driver opened by its loader manifest, so that a benchmark program can measure Kiln
// and lavapipe side by side in one run.
//
// The loader (1.3.239, Debian 12) reads VK_DRIVER_FILES and rescans the manifests at every
// vkCreateInstance: measured here, setenv to another manifest before a second instance switches
// the driver, whether or not the first instance was destroyed. Each Driver is opened right after
// its setenv all the same and keeps its instance for the whole run, so that nothing depends on when
// a future loader reads the variable; open() also checks deviceName to prove which driver it got.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <utility>
#include <vector>

namespace kiln::bench {

// The device functions the memory benchmarks call, taken from vkGetDeviceProcAddr so that the
// figures are the driver's, without the loader's trampoline.
struct DeviceFunctions {
    PFN_vkAllocateMemory allocate_memory = nullptr;
    PFN_vkFreeMemory free_memory = nullptr;
    PFN_vkMapMemory map_memory = nullptr;
    PFN_vkUnmapMemory unmap_memory = nullptr;
};

class Driver {
public:
    // Opens the first physical device of the driver that `manifest` names and a device with one
    // queue on it, with `device_extensions` enabled (each must be advertised). On failure the driver
    // is !ok() and error() says why: the benchmarks skip it.
    static Driver open(std::string label, const std::string& manifest, std::string_view name_prefix,
                       const std::vector<const char*>& device_extensions = {});

    Driver() = default;
    Driver(Driver&& other) noexcept { *this = std::move(other); }
    Driver& operator=(Driver&& other) noexcept {
        std::swap(label_, other.label_);
        std::swap(error_, other.error_);
        std::swap(device_name_, other.device_name_);
        std::swap(instance_, other.instance_);
        std::swap(physical_device_, other.physical_device_);
        std::swap(properties_, other.properties_);
        std::swap(device_, other.device_);
        std::swap(host_memory_type_, other.host_memory_type_);
        std::swap(host_memory_flags_, other.host_memory_flags_);
        std::swap(functions_, other.functions_);
        return *this;
    }
    Driver(const Driver&) = delete;
    Driver& operator=(const Driver&) = delete;
    ~Driver() {
        if (device_)
            vkDestroyDevice(device_, nullptr);
        if (instance_)
            vkDestroyInstance(instance_, nullptr);
    }

    bool ok() const { return error_.empty(); }
    const std::string& label() const { return label_; }
    const std::string& error() const { return error_; }
    const std::string& device_name() const { return device_name_; }
    VkDevice device() const { return device_; }
    // The physical device open() chose and its properties (limits included); valid once it got that far.
    VkPhysicalDevice physical_device() const { return physical_device_; }
    const VkPhysicalDeviceProperties& properties() const { return properties_; }
    // The first memory type that is HOST_VISIBLE | HOST_COHERENT, and all of its flags.
    uint32_t host_memory_type() const { return host_memory_type_; }
    VkMemoryPropertyFlags host_memory_flags() const { return host_memory_flags_; }
    const DeviceFunctions& functions() const { return functions_; }
    // Any other device function (an extension's), from vkGetDeviceProcAddr; NULL when it has none.
    PFN_vkVoidFunction device_function(const char* name) const {
        return device_ ? vkGetDeviceProcAddr(device_, name) : nullptr;
    }

    // One line for the benchmark context: which device and memory type, or why there is none.
    std::string describe() const;

private:
    Driver&& fail(std::string why) {
        error_ = label_ + ": " + why;
        return std::move(*this);
    }

    std::string label_;
    std::string error_;
    std::string device_name_;
    VkInstance instance_ = VK_NULL_HANDLE;
    VkPhysicalDevice physical_device_ = VK_NULL_HANDLE;
    VkPhysicalDeviceProperties properties_{};
    VkDevice device_ = VK_NULL_HANDLE;
    uint32_t host_memory_type_ = 0;
    VkMemoryPropertyFlags host_memory_flags_ = 0;
    DeviceFunctions functions_;
};

inline Driver Driver::open(std::string label, const std::string& manifest, std::string_view name_prefix,
                           const std::vector<const char*>& device_extensions) {
    Driver driver;
    driver.label_ = std::move(label);
    struct stat info {};
    if (stat(manifest.c_str(), &info) != 0)
        return driver.fail("no manifest at " + manifest);

    const char* previous = std::getenv("VK_DRIVER_FILES");
    const std::string saved = previous ? previous : "";
    setenv("VK_DRIVER_FILES", manifest.c_str(), 1);
    VkApplicationInfo app{};
    app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO;
    app.pApplicationName = "kiln_memory_bench";
    app.apiVersion = VK_API_VERSION_1_1;
    VkInstanceCreateInfo instance_info{};
    instance_info.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO;
    instance_info.pApplicationInfo = &app;
    const VkResult created = vkCreateInstance(&instance_info, nullptr, &driver.instance_);
    if (previous)
        setenv("VK_DRIVER_FILES", saved.c_str(), 1);
    else
        unsetenv("VK_DRIVER_FILES");
    if (created != VK_SUCCESS) {
        driver.instance_ = VK_NULL_HANDLE;
        return driver.fail("vkCreateInstance returned " + std::to_string(created));
    }

    uint32_t count = 0;
    vkEnumeratePhysicalDevices(driver.instance_, &count, nullptr);
    if (count == 0)
        return driver.fail("no physical device through " + manifest);
    std::vector<VkPhysicalDevice> physical_devices(count);
    vkEnumeratePhysicalDevices(driver.instance_, &count, physical_devices.data());
    const VkPhysicalDevice physical = physical_devices[0];

    VkPhysicalDeviceProperties properties{};
    vkGetPhysicalDeviceProperties(physical, &properties);
    driver.physical_device_ = physical;
    driver.properties_ = properties;
    driver.device_name_ = properties.deviceName;
    if (!driver.device_name_.starts_with(name_prefix))
        return driver.fail("the loader gave '" + driver.device_name_ + "', not " + std::string(name_prefix));

    VkPhysicalDeviceMemoryProperties memory{};
    vkGetPhysicalDeviceMemoryProperties(physical, &memory);
    constexpr VkMemoryPropertyFlags wanted =
        VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    bool found = false;
    for (uint32_t i = 0; i < memory.memoryTypeCount && !found; ++i) {
        if ((memory.memoryTypes[i].propertyFlags & wanted) == wanted) {
            driver.host_memory_type_ = i;
            driver.host_memory_flags_ = memory.memoryTypes[i].propertyFlags;
            found = true;
        }
    }
    if (!found)
        return driver.fail("no HOST_VISIBLE | HOST_COHERENT memory type");

    uint32_t extension_count = 0;
    vkEnumerateDeviceExtensionProperties(physical, nullptr, &extension_count, nullptr);
    std::vector<VkExtensionProperties> extensions(extension_count);
    vkEnumerateDeviceExtensionProperties(physical, nullptr, &extension_count, extensions.data());
    for (const char* wanted_extension : device_extensions) {
        bool advertised = false;
        for (const VkExtensionProperties& extension : extensions)
            advertised = advertised || std::string_view(extension.extensionName) == wanted_extension;
        if (!advertised)
            return driver.fail("device extension " + std::string(wanted_extension) + " not advertised");
    }

    const float priority = 1.0f;
    VkDeviceQueueCreateInfo queue_info{};
    queue_info.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO;
    queue_info.queueFamilyIndex = 0;
    queue_info.queueCount = 1;
    queue_info.pQueuePriorities = &priority;
    VkDeviceCreateInfo device_info{};
    device_info.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO;
    device_info.queueCreateInfoCount = 1;
    device_info.pQueueCreateInfos = &queue_info;
    device_info.enabledExtensionCount = uint32_t(device_extensions.size());
    device_info.ppEnabledExtensionNames = device_extensions.data();
    const VkResult device_created = vkCreateDevice(physical, &device_info, nullptr, &driver.device_);
    if (device_created != VK_SUCCESS) {
        driver.device_ = VK_NULL_HANDLE;
        return driver.fail("vkCreateDevice returned " + std::to_string(device_created));
    }

    DeviceFunctions& f = driver.functions_;
    f.allocate_memory = reinterpret_cast<PFN_vkAllocateMemory>(vkGetDeviceProcAddr(driver.device_, "vkAllocateMemory"));
    f.free_memory = reinterpret_cast<PFN_vkFreeMemory>(vkGetDeviceProcAddr(driver.device_, "vkFreeMemory"));
    f.map_memory = reinterpret_cast<PFN_vkMapMemory>(vkGetDeviceProcAddr(driver.device_, "vkMapMemory"));
    f.unmap_memory = reinterpret_cast<PFN_vkUnmapMemory>(vkGetDeviceProcAddr(driver.device_, "vkUnmapMemory"));
    if (!f.allocate_memory || !f.free_memory || !f.map_memory || !f.unmap_memory)
        return driver.fail("vkGetDeviceProcAddr returned NULL for a memory function");
    return driver;
}

inline std::string Driver::describe() const {
    if (!ok())
        return "skipped (" + error_ + ")";
    std::string flags;
    const std::pair<VkMemoryPropertyFlags, const char*> names[] = {
        {VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, "DEVICE_LOCAL"},
        {VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT, "HOST_VISIBLE"},
        {VK_MEMORY_PROPERTY_HOST_COHERENT_BIT, "HOST_COHERENT"},
        {VK_MEMORY_PROPERTY_HOST_CACHED_BIT, "HOST_CACHED"},
    };
    for (const auto& [bit, name] : names) {
        if (!(host_memory_flags_ & bit))
            continue;
        if (!flags.empty())
            flags += '|';
        flags += name;
    }
    return device_name_ + ", memory type " + std::to_string(host_memory_type_) + " (" + flags + ")";
}

}  // namespace kiln::bench
