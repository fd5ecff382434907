// VkDeviceMemory: a block of the host-memory allocator, or -- when exportable or imported -- a
// payload (memory/payload_file.h) shared with other memory objects, devices and processes.
#pragma once

#include <atomic>

#include "memory/allocator.h"
#include "object.h"
#include "win32/payload.h"

namespace kiln {

class Device;

class DeviceMemory {
public:
    static DeviceMemory* from(VkDeviceMemory handle) { return reinterpret_cast<DeviceMemory*>(handle); }
    VkDeviceMemory handle() const { return reinterpret_cast<VkDeviceMemory>(const_cast<DeviceMemory*>(this)); }

    DeviceMemory(Device& device, uint32_t type_index) : device(device), type_index(type_index) {}
    ~DeviceMemory();

    Device& device;
    uint32_t type_index;
    memory::Block block;  // the bytes (a payload's mapping or the application's, when external)
    bool mapped = false;

    // External memory (src/vulkan/external): the payload of exportable and imported memory, the
    // types it may be exported as, and what each NT handle exported from it gets.
    win32::Ref<win32::Payload> payload;
    VkExternalMemoryHandleTypeFlags export_types = 0;
    // Which struct asked for the export (the KHR and NV rules name their own struct), and the NT
    // types already exported once (VUID-VkMemoryGetWin32HandleInfoKHR-handleType-00663).
    enum class ExportStruct : uint8_t { None, Khr, Nv } export_struct = ExportStruct::None;
    std::atomic<VkExternalMemoryHandleTypeFlags> nt_exported{0};
    // The handle type the memory was imported as; 0 when it was not imported.
    VkExternalMemoryHandleTypeFlags import_type = 0;
    uint32_t nt_access = 0;
    uint32_t nt_flags = 0;
    // An NT handle Kiln owns: given to a VkImportMemoryWin32HandleInfoNV import, whose appendix
    // makes the driver its owner (docs/external-memory.md); closed with the memory.
    uintptr_t owned_handle = 0;
};

}  // namespace kiln
