// vkAllocateMemory, mapping, and binding buffers and images to memory.
#include "device_memory.h"

#include <kiln/win32.h>

#include "buffer.h"
#include "device.h"
#include "external/allocation.h"
#include "image.h"
#include "physical_device.h"
#include "strict.h"
#include "swapchain.h"
#include "vk_entrypoints.h"

namespace kiln {

std::byte* Buffer::address() const { return memory ? memory->block.data() + memory_offset : nullptr; }
std::byte* Image::address() const { return memory ? memory->block.data() + memory_offset : nullptr; }

DeviceMemory::~DeviceMemory() {
    block.reset();
    payload = {};
    if (owned_handle)
        CloseHandle(reinterpret_cast<HANDLE>(owned_handle));  // an NV import's handle (allocation.cpp)
}

}  // namespace kiln

using namespace kiln;

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkAllocateMemory(VkDevice handle, const VkMemoryAllocateInfo* pAllocateInfo,
                                                     const VkAllocationCallbacks* pAllocator,
                                                     VkDeviceMemory* pMemory) {
    Device* device = Device::from(handle);
    PhysicalDevice& pd = device->physical_device;
    // VUID-vkAllocateMemory-pAllocateInfo-01714 makes an out-of-range index invalid usage;
    // Kiln refuses it as memory it cannot provide instead of reading past its type table.
    if (pAllocateInfo->memoryTypeIndex >= pd.memory_properties.memoryTypeCount)
        return VK_ERROR_OUT_OF_DEVICE_MEMORY;
    DeviceMemory* memory = device->create_child<DeviceMemory>(pAllocator, *device, pAllocateInfo->memoryTypeIndex);
    if (!memory)
        return VK_ERROR_OUT_OF_HOST_MEMORY;
    // Private pages, or a payload (exportable, imported) or host pages: src/vulkan/external.
    if (const VkResult result = external::allocate(*device, *pAllocateInfo, *memory); result != VK_SUCCESS) {
        device->destroy_child(pAllocator, memory);
        return result;
    }
    external::commit(*pAllocateInfo);
    if (strict_mode(*device) != StrictMode::Off)
        strict_track_memory(*device, *memory);
    *pMemory = memory->handle();
    return VK_SUCCESS;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkFreeMemory(VkDevice handle, VkDeviceMemory memoryHandle,
                                             const VkAllocationCallbacks* pAllocator) {
    if (memoryHandle == VK_NULL_HANDLE)
        return;
    Device* device = Device::from(handle);
    if (strict_mode(*device) != StrictMode::Off)
        strict_untrack_memory(*DeviceMemory::from(memoryHandle));
    device->destroy_child(pAllocator, DeviceMemory::from(memoryHandle));
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkMapMemory(VkDevice, VkDeviceMemory memoryHandle, VkDeviceSize offset,
                                                VkDeviceSize size, VkMemoryMapFlags, void** ppData) {
    DeviceMemory* memory = DeviceMemory::from(memoryHandle);
    *ppData = nullptr;
    // Not host visible (VUID-vkMapMemory-memory-00682), already mapped (-00678) or out of
    // range (-00679, -00680): invalid usage that Kiln answers with the map-failure code.
    if (!memory->device.physical_device.memory_type_is_host_visible(memory->type_index) || memory->mapped)
        return VK_ERROR_MEMORY_MAP_FAILED;
    const VkDeviceSize total = memory->block.size();
    if (offset >= total || (size != VK_WHOLE_SIZE && (size == 0 || size > total - offset)))
        return VK_ERROR_MEMORY_MAP_FAILED;
    memory->mapped = true;
    *ppData = memory->block.data() + offset;
    return VK_SUCCESS;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkUnmapMemory(VkDevice, VkDeviceMemory memoryHandle) {
    DeviceMemory::from(memoryHandle)->mapped = false;
}

// Every host-visible type is coherent: the device is the host. Flushes and invalidates are
// ordering points only, which the queue's submission already provides.
VKAPI_ATTR VkResult VKAPI_CALL kiln_vkFlushMappedMemoryRanges(VkDevice, uint32_t, const VkMappedMemoryRange*) {
    return VK_SUCCESS;
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkInvalidateMappedMemoryRanges(VkDevice, uint32_t, const VkMappedMemoryRange*) {
    return VK_SUCCESS;
}

VKAPI_ATTR void VKAPI_CALL kiln_vkGetDeviceMemoryCommitment(VkDevice, VkDeviceMemory memoryHandle,
                                                            VkDeviceSize* pCommittedMemoryInBytes) {
    // No lazily allocated type exists: all of an allocation is committed.
    *pCommittedMemoryInBytes = DeviceMemory::from(memoryHandle)->block.size();
}

static VkResult bind(DeviceMemory* memory, VkDeviceSize offset, VkDeviceSize size, DeviceMemory** out_memory,
                     VkDeviceSize* out_offset) {
    // VUID-vkBindBufferMemory-size-01037 / vkBindImageMemory-size-01049: the resource must fit.
    if (!memory || offset > memory->block.size() || size > memory->block.size() - offset)
        return VK_ERROR_OUT_OF_DEVICE_MEMORY;
    *out_memory = memory;
    *out_offset = offset;
    return VK_SUCCESS;
}

// The external-memory rules of a bind, as each bind command names them.
struct BindRules {
    const char* command;
    const char* exported;  // export types must include one of the resource's types
    const char* imported;  // the imported type must be one of the resource's types
};
constexpr BindRules kBindBuffer{"vkBindBufferMemory", "VUID-vkBindBufferMemory-memory-02726",
                                "VUID-vkBindBufferMemory-memory-02727"};
constexpr BindRules kBindImage{"vkBindImageMemory", "VUID-vkBindImageMemory-memory-02728",
                               "VUID-vkBindImageMemory-memory-02729"};
constexpr BindRules kBindBuffer2{"vkBindBufferMemory2", "VUID-VkBindBufferMemoryInfo-memory-02726",
                                 "VUID-VkBindBufferMemoryInfo-memory-02727"};
constexpr BindRules kBindImage2{"vkBindImageMemory2", "VUID-VkBindImageMemoryInfo-memory-02728",
                                "VUID-VkBindImageMemoryInfo-memory-02729"};

// Memory exported through VkExportMemoryAllocateInfo, or imported, binds only resources created
// for one of its handle types. Kiln's memory can hold any resource, so these rules are reported in
// strict mode and fail the bind only there, in error mode.
template <typename Resource>
static bool breaks_external_rules(const DeviceMemory* memory, const Resource& resource, const BindRules& rules) {
    if (!memory)
        return false;
    const DebugObject objects[] = {debug_object(memory->handle()), debug_object(const_cast<Resource&>(resource).handle())};
    if (memory->export_struct == DeviceMemory::ExportStruct::Khr && memory->export_types &&
        !(memory->export_types & resource.external_types) &&
        strict_violation(memory->device, rules.exported,
                         {rules.command, ": the memory was allocated for export (VkExportMemoryAllocateInfo::handleTypes"
                                         " is not 0), and the resource was created for none of its handle types."},
                         objects))
        return true;
    return memory->import_type && !(memory->import_type & resource.external_types) &&
           strict_violation(memory->device, rules.imported,
                            {rules.command, ": the memory was imported, and the resource was not created for the "
                                            "imported handle type (VkExternalMemory{Buffer,Image}CreateInfo::handleTypes)."},
                            objects);
}

static VkResult bind_buffer(VkBuffer buffer, VkDeviceMemory memory, VkDeviceSize offset, const BindRules& rules) {
    Buffer* b = Buffer::from(buffer);
    DeviceMemory* m = DeviceMemory::from(memory);
    if (breaks_external_rules(m, *b, rules))
        return VK_ERROR_VALIDATION_FAILED_EXT;
    return bind(m, offset, b->size, &b->memory, &b->memory_offset);
}

static VkResult bind_image(VkImage image, VkDeviceMemory memory, VkDeviceSize offset, const BindRules& rules) {
    Image* i = Image::from(image);
    DeviceMemory* m = DeviceMemory::from(memory);
    if (breaks_external_rules(m, *i, rules))
        return VK_ERROR_VALIDATION_FAILED_EXT;
    return bind(m, offset, i->layout.size(), &i->memory, &i->memory_offset);
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkBindBufferMemory(VkDevice, VkBuffer buffer, VkDeviceMemory memory,
                                                       VkDeviceSize offset) {
    return bind_buffer(buffer, memory, offset, kBindBuffer);
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkBindImageMemory(VkDevice, VkImage image, VkDeviceMemory memory,
                                                      VkDeviceSize offset) {
    return bind_image(image, memory, offset, kBindImage);
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkBindBufferMemory2(VkDevice, uint32_t count,
                                                        const VkBindBufferMemoryInfo* pInfos) {
    for (uint32_t i = 0; i < count; ++i) {
        const VkResult r = bind_buffer(pInfos[i].buffer, pInfos[i].memory, pInfos[i].memoryOffset, kBindBuffer2);
        if (r != VK_SUCCESS)
            return r;
    }
    return VK_SUCCESS;
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkBindImageMemory2(VkDevice, uint32_t count,
                                                       const VkBindImageMemoryInfo* pInfos) {
    for (uint32_t i = 0; i < count; ++i) {
        VkDeviceMemory memory = pInfos[i].memory;
        VkDeviceSize offset = pInfos[i].memoryOffset;
        // VK_KHR_swapchain with 1.1: an image made with VkImageSwapchainCreateInfoKHR (whose
        // parameters are the swapchain's) aliases one swapchain image's memory.
        if (auto* s = find<VkBindImageMemorySwapchainInfoKHR>(pInfos[i].pNext)) {
            const Swapchain* swapchain = Swapchain::from(s->swapchain);
            if (s->imageIndex >= swapchain->slots.size())
                return VK_ERROR_UNKNOWN;  // VUID-VkBindImageMemorySwapchainInfoKHR-imageIndex-01644
            memory = swapchain->slots[s->imageIndex].memory;
            offset = 0;
        }
        const VkResult r = bind_image(pInfos[i].image, memory, offset, kBindImage2);
        if (r != VK_SUCCESS)
            return r;
    }
    return VK_SUCCESS;
}
