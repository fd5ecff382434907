// VkPhysicalDevice: the CPU, its properties, features, limits, queue family, memory
// types and format support. Everything reported here is true of the implementation.
#pragma once

#include <mutex>
#include <vector>

#include "memory/allocator.h"
#include "object.h"
#include "vk_extensions.h"

namespace kiln {

class Instance;
class Device;

inline constexpr uint32_t kQueueCount = 4;
inline constexpr uint32_t kMemoryTypeDeviceOnly = 0;
inline constexpr uint32_t kMemoryTypeHostVisible = 1;
inline constexpr uint32_t kMemoryTypeCount = 2;
inline constexpr uint32_t kMaxMemoryAllocationCount = 32768;  // well under vm.max_map_count
inline constexpr VkDeviceSize kBufferAlignment = 64;
inline constexpr VkDeviceSize kImageAlignment = 64;
// The sample counts Kiln renders with (raster::Draw's samples) and creates attachment images with.
inline constexpr VkSampleCountFlags kRenderSampleCounts = VK_SAMPLE_COUNT_1_BIT | VK_SAMPLE_COUNT_4_BIT;
inline constexpr uint32_t kMaxTexelBufferElements = 1u << 27;  // VkPhysicalDeviceLimits::maxTexelBufferElements

class PhysicalDevice : public DispatchableObject {
public:
    KILN_HANDLE_CASTS(PhysicalDevice, VkPhysicalDevice)

    explicit PhysicalDevice(Instance& instance);

    Instance& instance;
    uint64_t heap_size;
    VkPhysicalDeviceProperties properties{};
    VkPhysicalDeviceMemoryProperties memory_properties{};
    gen::DeviceExtensionSet extensions;  // supported device extensions

private:
    std::mutex devices_mutex_;
    std::vector<Device*> devices_;
public:

    // The devices made from this physical device, for the heap usage VK_EXT_memory_budget reports.
    void add_device(Device* device);
    void remove_device(Device* device);
    uint64_t heap_usage();

    bool memory_type_is_host_visible(uint32_t index) const {
        return memory_properties.memoryTypes[index].propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT;
    }
};

// Format support: what the transfer engine can do with each format.
VkFormatProperties format_properties(VkFormat format);

// The UUIDs and LUID identifying Kiln; identical in every process and instance.
void fill_id_properties(VkPhysicalDeviceIDProperties& id);

// The core features Kiln implements (the SPIR-V engine's 64-bit and 16-bit integer and 64-bit
// float arithmetic, tested by tests/compute); every other feature is VK_FALSE.
VkPhysicalDeviceFeatures supported_features();

// When `s` is a feature structure the registry describes (gen::feature_struct), writes every member
// after sType/pNext: VK_TRUE for what Kiln implements (float16/int8 arithmetic, 8/16-bit storage),
// VK_FALSE for the rest, and returns true; otherwise leaves it alone and returns false.
bool fill_supported_features(VkBaseOutStructure* s);

}  // namespace kiln
