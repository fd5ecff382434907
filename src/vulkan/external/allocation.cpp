#include "allocation.h"

#include <cstring>
#include <kiln/win32.h>
#include <unistd.h>

#include "buffer.h"
#include "device.h"
#include "family.h"
#include "handle_types.h"
#include "image.h"
#include "physical_device.h"
#include "strict.h"
#include "vk_structs.h"

namespace kiln::external {

namespace {

// The external structs of one VkMemoryAllocateInfo chain, each at most once.
struct Request {
    const VkExportMemoryAllocateInfo* export_info = nullptr;
    const VkExportMemoryAllocateInfoNV* export_nv = nullptr;
    const VkExportMemoryWin32HandleInfoKHR* export_win32 = nullptr;
    const VkExportMemoryWin32HandleInfoNV* export_win32_nv = nullptr;
    const VkImportMemoryWin32HandleInfoKHR* import_win32 = nullptr;
    const VkImportMemoryWin32HandleInfoNV* import_win32_nv = nullptr;
    const VkImportMemoryFdInfoKHR* import_fd = nullptr;
    const VkImportMemoryHostPointerInfoEXT* import_host = nullptr;
    const VkMemoryDedicatedAllocateInfo* dedicated = nullptr;
};

template <typename T>
bool take(const VkBaseInStructure* s, const T** slot) {
    if (*slot)
        return false;  // a structure twice in one chain (VUID-VkMemoryAllocateInfo-sType-unique)
    *slot = reinterpret_cast<const T*>(s);
    return true;
}

// More structures than any valid chain can hold: a chain this long is a loop.
constexpr int kMaxChainLength = 256;

bool parse(const void* chain, Request* r) {
    int length = 0;
    for (auto* s = static_cast<const VkBaseInStructure*>(chain); s; s = s->pNext) {
        if (++length > kMaxChainLength)
            return false;
        bool ok = true;
        switch (s->sType) {
        case gen::STypeOf<VkExportMemoryAllocateInfo>::value: ok = take(s, &r->export_info); break;
        case gen::STypeOf<VkExportMemoryAllocateInfoNV>::value: ok = take(s, &r->export_nv); break;
        case gen::STypeOf<VkExportMemoryWin32HandleInfoKHR>::value: ok = take(s, &r->export_win32); break;
        case gen::STypeOf<VkExportMemoryWin32HandleInfoNV>::value: ok = take(s, &r->export_win32_nv); break;
        case gen::STypeOf<VkImportMemoryWin32HandleInfoKHR>::value: ok = take(s, &r->import_win32); break;
        case gen::STypeOf<VkImportMemoryWin32HandleInfoNV>::value: ok = take(s, &r->import_win32_nv); break;
        case gen::STypeOf<VkImportMemoryFdInfoKHR>::value: ok = take(s, &r->import_fd); break;
        case gen::STypeOf<VkImportMemoryHostPointerInfoEXT>::value: ok = take(s, &r->import_host); break;
        case gen::STypeOf<VkMemoryDedicatedAllocateInfo>::value: ok = take(s, &r->dedicated); break;
        default: break;  // other structures (and the loader's own) are not this file's business
        }
        if (!ok)
            return false;
    }
    return true;
}

bool is_single_bit(uint32_t v) { return v && !(v & (v - 1)); }

// The one import the chain asks for, if any. A handleType of 0 means "no import" (the spec: the
// structure is then ignored). False when more than one import is asked for
// (VUID-VkMemoryAllocateInfo-None-06657, VUID-VkMemoryAllocateInfo-pNext-00641).
bool import_source(const Request& r, ImportSource* out, bool* nv, bool* any) {
    int count = 0;
    if (r.import_win32 && r.import_win32->handleType) {
        ++count;
        out->type = r.import_win32->handleType;
        out->handle = reinterpret_cast<uintptr_t>(r.import_win32->handle);
        out->name = r.import_win32->name;
    }
    if (r.import_win32_nv && r.import_win32_nv->handleType) {
        ++count;
        *nv = true;
        // VUID-VkImportMemoryWin32HandleInfoNV-handleType-01327: one bit.
        const VkExternalMemoryHandleTypeFlags type = from_nv(r.import_win32_nv->handleType);
        if (!is_single_bit(r.import_win32_nv->handleType) || !type)
            return false;
        out->type = VkExternalMemoryHandleTypeFlagBits(type);
        out->handle = reinterpret_cast<uintptr_t>(r.import_win32_nv->handle);
    }
    if (r.import_fd && r.import_fd->handleType) {
        ++count;
        out->type = r.import_fd->handleType;
        out->fd = r.import_fd->fd;
    }
    if (r.import_host && r.import_host->handleType) {
        ++count;
        out->type = r.import_host->handleType;
        out->host_pointer = r.import_host->pHostPointer;
    }
    *any = count > 0;
    return count <= 1;
}

// Checks an imported payload against the allocation and gives the memory's size.
VkResult check_payload(const win32::Payload& payload, VkExternalMemoryHandleTypeFlagBits type,
                       const VkMemoryAllocateInfo& info, const VkMemoryDedicatedAllocateInfo* dedicated,
                       uint64_t* size) {
    const memory::PayloadHeader& h = payload.header();
    const memory::Identity& me = memory::kiln_identity();
    // All six win32 types and OPAQUE_FD require matching driverUUID and deviceUUID.
    if (std::memcmp(h.driver_uuid, me.driver_uuid, memory::kUuidSize) != 0 ||
        std::memcmp(h.device_uuid, me.device_uuid, memory::kUuidSize) != 0)
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    if (memory::PayloadOrigin(h.origin) != payload_origin(type))
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;  // e.g. an OPAQUE_WIN32 handle given as D3D12_HEAP
    const Image* image = dedicated ? Image::from(dedicated->image) : nullptr;
    const Buffer* buffer = dedicated ? Buffer::from(dedicated->buffer) : nullptr;
    if (type == VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_HEAP_BIT) {
        // VUID-VkMemoryAllocateInfo-allocationSize-00647: the heap's size.
        if (info.allocationSize != h.size)
            return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    } else if (is_d3d(type)) {
        // Dedicated-only D3D types: the size is the payload's, allocationSize is ignored, and the
        // resource must fit in it.
        const bool images_only = type != VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_RESOURCE_BIT;
        if (!image && (images_only || !buffer))
            return VK_ERROR_INVALID_EXTERNAL_HANDLE;
        const VkDeviceSize needed = image ? image->memory_requirements().size : buffer->memory_requirements().size;
        if (needed > h.size)
            return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    } else {
        // VUID-VkMemoryAllocateInfo-allocationSize-01743: the exporter's size and memory type.
        if (info.allocationSize != h.size || info.memoryTypeIndex != h.memory_type)
            return VK_ERROR_INVALID_EXTERNAL_HANDLE;
        // A dedicated import of memory exported dedicated must be for a resource created alike.
        if (h.dedicated && (image || buffer) && (image ? image->digest : buffer->digest) != h.dedicated)
            return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    }
    *size = h.size;
    return VK_SUCCESS;
}

VkResult from_status(memory::Status status) {
    switch (status) {
    case memory::Status::Ok: return VK_SUCCESS;
    case memory::Status::TooManyBlocks: return VK_ERROR_TOO_MANY_OBJECTS;
    case memory::Status::OutOfHostMemory: return VK_ERROR_OUT_OF_HOST_MEMORY;
    case memory::Status::OutOfHeap: break;
    }
    return VK_ERROR_OUT_OF_DEVICE_MEMORY;
}

// NT handles exported from `memory` get this access and inheritance.
void set_nt_export_rights(const Request& r, DeviceMemory& memory) {
    const SECURITY_ATTRIBUTES* attributes = nullptr;
    DWORD access = 0;
    if (r.export_win32) {
        attributes = r.export_win32->pAttributes;
        access = r.export_win32->dwAccess;
    } else if (r.export_win32_nv) {
        attributes = r.export_win32_nv->pAttributes;
        access = r.export_win32_nv->dwAccess;
    }
    // Absent or 0: read and write, as a D3D runtime's shared handle has.
    memory.nt_access = access ? access : (DXGI_SHARED_RESOURCE_READ | DXGI_SHARED_RESOURCE_WRITE);
    memory.nt_flags = attributes && attributes->bInheritHandle ? HANDLE_FLAG_INHERIT : 0;
}

}  // namespace

VkResult allocate(Device& device, const VkMemoryAllocateInfo& info, DeviceMemory& memory) {
    Request r;
    if (!parse(info.pNext, &r))
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;

    // Export: the KHR or the NV struct, never both (VUID-VkMemoryAllocateInfo-pNext-00640).
    if (r.export_info && r.export_nv)
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    VkExternalMemoryHandleTypeFlags export_types = r.export_info ? r.export_info->handleTypes : 0;
    if (r.export_nv) {
        export_types = from_nv(r.export_nv->handleTypes);
        if (to_nv(export_types) != r.export_nv->handleTypes)
            return VK_ERROR_INVALID_EXTERNAL_HANDLE;  // bits NV does not define
    }
    // VUID-VkExportMemoryAllocateInfo-handleTypes-00656: types Kiln can export, together.
    if (export_types & ~kExportableTypes)
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    // VUID-VkExportMemoryWin32HandleInfoKHR-handleTypes-00657: only with OPAQUE_WIN32.
    if ((r.export_win32 || r.export_win32_nv) && !(export_types & VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_BIT))
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    if (r.export_win32 && r.export_win32_nv)
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;

    ImportSource source;
    bool nv_import = false, importing = false;
    if (!import_source(r, &source, &nv_import, &importing))
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;

    memory.export_types = export_types;
    set_nt_export_rights(r, memory);

    if (!importing) {
        if (!export_types) {
            memory::Block block;
            const VkResult result =
                from_status(memory::Block::allocate(device.memory_account, info.allocationSize, &block));
            memory.block = std::move(block);
            return result;
        }
        // Exportable: a new payload holds the pages; the exporter counts them in its heap.
        if (info.allocationSize == 0)  // VUID-VkMemoryAllocateInfo-allocationSize-07899
            return VK_ERROR_OUT_OF_DEVICE_MEMORY;
        uint64_t dedicated = 0;
        if (r.dedicated && r.dedicated->image)
            dedicated = Image::from(r.dedicated->image)->digest;
        else if (r.dedicated && r.dedicated->buffer)
            dedicated = Buffer::from(r.dedicated->buffer)->digest;
        memory.payload = win32::Ref<win32::Payload>::adopt(win32::Payload::create(memory::make_payload_header(
            memory::PayloadOrigin::Vulkan, info.allocationSize, info.memoryTypeIndex, dedicated)));
        std::byte* data = memory.payload ? memory.payload->map() : nullptr;
        if (!data) {
            memory.payload = {};
            return VK_ERROR_OUT_OF_HOST_MEMORY;
        }
        memory::Block block;
        const VkResult result = from_status(
            memory::Block::adopt(device.memory_account, data, info.allocationSize, info.allocationSize, &block));
        if (result != VK_SUCCESS) {
            memory.payload = {};
            return result;
        }
        memory.block = std::move(block);
        // The name is filed last, so that a failed allocation never shows it to anyone.
        if (r.export_win32 && r.export_win32->name &&
            win32::bind_name(*memory.payload, r.export_win32->name) != win32::NameStatus::Ok) {
            memory.block.reset();
            memory.payload = {};
            return VK_ERROR_INVALID_EXTERNAL_HANDLE;  // malformed, or taken already
        }
        return VK_SUCCESS;
    }

    // Import. A type must be importable; handle and name are exclusive, one is required, and names
    // are for NT types only (VUID-VkImportMemoryWin32HandleInfoKHR-handle-01441, -01440, -01439).
    const Family* family = family_of(source.type);
    if (!family)
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    // Each broken rule fails the import; strict mode also names it.
    if (source.name && source.handle) {
        strict_violation(device, "VUID-VkImportMemoryWin32HandleInfoKHR-handle-01441",
                         {"vkAllocateMemory: VkImportMemoryWin32HandleInfoKHR has both a handle and a name."});
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    }
    if (source.name && !is_nt(source.type)) {
        strict_violation(device, "VUID-VkImportMemoryWin32HandleInfoKHR-handleType-01439",
                         {"vkAllocateMemory: VkImportMemoryWin32HandleInfoKHR names a payload of a type that has no names."});
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    }
    if (r.import_win32 && !source.name && !source.handle) {
        strict_violation(device, "VUID-VkImportMemoryWin32HandleInfoKHR-handleType-01440",
                         {"vkAllocateMemory: VkImportMemoryWin32HandleInfoKHR has neither a handle nor a name."});
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    }
    // Re-exporting imported memory: only the opaque types (exportFromImportedHandleTypes).
    if (export_types & ~memory_properties(source.type, Resource::Buffer).exportFromImportedHandleTypes)
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    // Dedicated-only types need a dedicated allocation (the spec's compatibility table; the import
    // side of VUID-VkMemoryAllocateInfo-pNext-00639); host pointers never get one (-02806).
    const bool is_dedicated = r.dedicated && (r.dedicated->image || r.dedicated->buffer);
    if (dedicated_only(source.type) && !is_dedicated)
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    if (source.type == VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT && is_dedicated)
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;

    Imported imported;
    if (const VkResult result = family->import(source, &imported); result != VK_SUCCESS)
        return result;
    std::byte* data = nullptr;
    uint64_t size = 0;
    if (imported.payload) {
        if (const VkResult result = check_payload(*imported.payload, source.type, info, r.dedicated, &size);
            result != VK_SUCCESS)
            return result;
        data = imported.payload->map();
        if (!data)
            return VK_ERROR_OUT_OF_HOST_MEMORY;
    } else {
        // Host pages: whole pages of the application's (VUID-VkMemoryAllocateInfo-allocationSize-01745).
        size = info.allocationSize;
        if (size == 0 || size % kHostPointerAlignment)
            return VK_ERROR_INVALID_EXTERNAL_HANDLE;
        data = imported.host_pointer;
    }
    // An import counts as an allocation but not as bytes: the payload is counted once, by its exporter.
    memory::Block block;
    if (const VkResult result = from_status(memory::Block::adopt(device.memory_account, data, size, 0, &block));
        result != VK_SUCCESS)
        return result;
    memory.block = std::move(block);
    memory.payload = std::move(imported.payload);
    // The NV appendix: an import transfers ownership of an NT handle to the driver.
    if (nv_import && is_nt(source.type))
        memory.owned_handle = source.handle;
    return VK_SUCCESS;
}

void commit(const VkMemoryAllocateInfo& info) {
    // VK_KHR_external_memory_fd: a successful import owns the descriptor (import worked on a duplicate).
    if (auto* fd = find<VkImportMemoryFdInfoKHR>(info.pNext); fd && fd->handleType && fd->fd >= 0)
        close(fd->fd);
}

}  // namespace kiln::external
