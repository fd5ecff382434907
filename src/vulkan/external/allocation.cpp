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
#include "vk_vuids.h"

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
    // Rules of an import about the general allocate structs.
    const VkMemoryOpaqueCaptureAddressAllocateInfo* capture_address = nullptr;
    const VkMemoryAllocateFlagsInfo* flags = nullptr;
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
        case gen::STypeOf<VkMemoryOpaqueCaptureAddressAllocateInfo>::value: ok = take(s, &r->capture_address); break;
        case gen::STypeOf<VkMemoryAllocateFlagsInfo>::value: ok = take(s, &r->flags); break;
        default: break;  // other structures (and the loader's own) are not this file's business
        }
        if (!ok)
            return false;
    }
    return true;
}

bool is_single_bit(uint32_t v) { return v && !(v & (v - 1)); }

// A broken rule that fails the allocation in every mode (Kiln cannot go on); strict mode names it.
VkResult refuse(const Device& device, const char* vuid, MessageText detail) {
    strict_violation(device, vuid, detail);
    return VK_ERROR_INVALID_EXTERNAL_HANDLE;
}

// The import a chain asks for, with which struct asked (the rules name their own struct).
struct Import {
    ImportSource source;
    bool nv = false;  // VkImportMemoryWin32HandleInfoNV
    bool any = false;
};

// The rules about which external structs one chain may hold together, and the -parameter rules of
// the export and import structs. Fills `import` with the one import the chain asks for, if any. A
// handleType of 0 means "no import" (the spec: the structure is then ignored).
VkResult check_structs(const Device& device, const Request& r, Import* import) {
    if (r.export_info && (r.export_nv || r.export_win32_nv))
        return refuse(device, "VUID-VkMemoryAllocateInfo-pNext-00640",
                      {"vkAllocateMemory: the pNext chain holds VkExportMemoryAllocateInfo and ",
                       r.export_nv ? "VkExportMemoryAllocateInfoNV." : "VkExportMemoryWin32HandleInfoNV."});
    if (r.import_win32 && r.import_win32_nv)
        return refuse(device, "VUID-VkMemoryAllocateInfo-pNext-00641",
                      {"vkAllocateMemory: the pNext chain holds both VkImportMemoryWin32HandleInfoKHR and "
                       "VkImportMemoryWin32HandleInfoNV."});
    if (r.export_info && (r.export_info->handleTypes & ~gen::kDefinedBits_VkExternalMemoryHandleTypeFlagBits))
        return refuse(device, "VUID-VkExportMemoryAllocateInfo-handleTypes-parameter",
                      {"vkAllocateMemory: VkExportMemoryAllocateInfo::handleTypes has bits no handle type defines."});
    if (r.export_nv && (r.export_nv->handleTypes & ~gen::kDefinedBits_VkExternalMemoryHandleTypeFlagBitsNV))
        return refuse(device, "VUID-VkExportMemoryAllocateInfoNV-handleTypes-parameter",
                      {"vkAllocateMemory: VkExportMemoryAllocateInfoNV::handleTypes has bits no NV handle type "
                       "defines."});
    int imports = 0;
    if (const auto* w = r.import_win32; w && w->handleType) {
        if (!is_single_bit(w->handleType) || !(w->handleType & gen::kDefinedBits_VkExternalMemoryHandleTypeFlagBits))
            return refuse(device, "VUID-VkImportMemoryWin32HandleInfoKHR-handleType-parameter",
                          {"vkAllocateMemory: VkImportMemoryWin32HandleInfoKHR::handleType is not one handle "
                           "type."});
        ++imports;
        import->source.type = w->handleType;
        import->source.handle = reinterpret_cast<uintptr_t>(w->handle);
        import->source.name = w->name;
    }
    if (const auto* nv = r.import_win32_nv; nv && nv->handleType) {
        if (nv->handleType & ~gen::kDefinedBits_VkExternalMemoryHandleTypeFlagBitsNV)
            return refuse(device, "VUID-VkImportMemoryWin32HandleInfoNV-handleType-parameter",
                          {"vkAllocateMemory: VkImportMemoryWin32HandleInfoNV::handleType has bits no NV handle "
                           "type defines."});
        if (!is_single_bit(nv->handleType))
            return refuse(device, "VUID-VkImportMemoryWin32HandleInfoNV-handleType-01327",
                          {"vkAllocateMemory: VkImportMemoryWin32HandleInfoNV::handleType has more than one bit."});
        ++imports;
        import->nv = true;
        import->source.type = VkExternalMemoryHandleTypeFlagBits(from_nv(nv->handleType));
        import->source.handle = reinterpret_cast<uintptr_t>(nv->handle);
    }
    if (r.import_fd && r.import_fd->handleType) {
        ++imports;
        import->source.type = r.import_fd->handleType;
        import->source.fd = r.import_fd->fd;
    }
    if (r.import_host && r.import_host->handleType) {
        ++imports;
        import->source.type = r.import_host->handleType;
        import->source.host_pointer = r.import_host->pHostPointer;
    }
    if (imports > 1)
        return refuse(device, "VUID-VkMemoryAllocateInfo-None-06657",
                      {"vkAllocateMemory: the pNext chain defines more than one import operation."});
    import->any = imports == 1;
    return VK_SUCCESS;
}

// The rules of an import that concern the request alone, before the handle is looked at.
VkResult check_import_request(const Device& device, const Request& r, const Import& import) {
    const ImportSource& s = import.source;
    if (r.import_win32 && !import.nv && r.import_win32->handleType) {
        // VUID-VkImportMemoryWin32HandleInfoKHR-handleType-00660: the win32 struct imports win32 types.
        if (!is_nt(s.type) && !is_kmt(s.type))
            return refuse(device, "VUID-VkImportMemoryWin32HandleInfoKHR-handleType-00660",
                          {"vkAllocateMemory: VkImportMemoryWin32HandleInfoKHR::handleType is neither an NT nor "
                           "a global share handle type."});
        // Handle and name are exclusive, one is required, and names are for NT types only.
        if (s.name && s.handle)
            return refuse(device, "VUID-VkImportMemoryWin32HandleInfoKHR-handle-01441",
                          {"vkAllocateMemory: VkImportMemoryWin32HandleInfoKHR has both a handle and a name."});
        if (s.name && !is_nt(s.type))
            return refuse(device, "VUID-VkImportMemoryWin32HandleInfoKHR-handleType-01439",
                          {"vkAllocateMemory: VkImportMemoryWin32HandleInfoKHR names a payload of a type that has "
                           "no names."});
        if (!s.name && !s.handle)
            return refuse(device, "VUID-VkImportMemoryWin32HandleInfoKHR-handleType-01440",
                          {"vkAllocateMemory: VkImportMemoryWin32HandleInfoKHR has neither a handle nor a name."});
        // VUID-VkImportMemoryWin32HandleInfoKHR-handleType-00658: D3D11 textures import as images only.
        const bool dedicated_buffer = r.dedicated && r.dedicated->buffer;
        if (dedicated_buffer && !(memory_properties(s.type, Resource::Buffer).externalMemoryFeatures &
                                  VK_EXTERNAL_MEMORY_FEATURE_IMPORTABLE_BIT))
            return refuse(device, "VUID-VkImportMemoryWin32HandleInfoKHR-handleType-00658",
                          {"vkAllocateMemory: the import is dedicated to a buffer, and VkExternalBufferProperties "
                           "does not report the handle type importable for buffers."});
    }
    if (is_nt(s.type) || is_kmt(s.type)) {
        // VUID-VkMemoryAllocateInfo-opaqueCaptureAddress-03333: imports choose no address.
        if (r.capture_address && r.capture_address->opaqueCaptureAddress)
            return refuse(device, "VUID-VkMemoryAllocateInfo-opaqueCaptureAddress-03333",
                          {"vkAllocateMemory: an import chains VkMemoryOpaqueCaptureAddressAllocateInfo with an "
                           "address other than 0."});
        // VUID-VkMemoryAllocateInfo-None-00643: every payload of Kiln's one physical device was
        // allocated for device mask 1.
        if (r.flags && (r.flags->flags & VK_MEMORY_ALLOCATE_DEVICE_MASK_BIT) && r.flags->deviceMask != 1 &&
            strict_violation(device, "VUID-VkMemoryAllocateInfo-None-00643",
                             {"vkAllocateMemory: the import's device mask differs from the mask (1) the payload "
                              "was allocated with."}))
            return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    }
    return VK_SUCCESS;
}

// Where a win32 import names its payload: which rule a bad handle or name breaks.
const char* bad_handle_rule(const Import& import) {
    if (import.nv)
        return "VUID-VkImportMemoryWin32HandleInfoNV-handle-01328";
    return import.source.name ? "VUID-VkImportMemoryWin32HandleInfoKHR-handleType-01440"
                              : "VUID-VkImportMemoryWin32HandleInfoKHR-handleType-00661";
}

// Checks an imported payload against the allocation and gives the memory's size.
VkResult check_payload(const Device& device, const win32::Payload& payload, const Import& import,
                       const VkMemoryAllocateInfo& info, const VkMemoryDedicatedAllocateInfo* dedicated,
                       uint64_t* size) {
    const VkExternalMemoryHandleTypeFlagBits type = import.source.type;
    const bool win32 = is_nt(type) || is_kmt(type);
    const memory::PayloadHeader& h = payload.header();
    const memory::Identity& me = memory::kiln_identity();
    // All six win32 types and OPAQUE_FD require matching driverUUID and deviceUUID (the spec's
    // "External memory handle types compatibility").
    if (std::memcmp(h.driver_uuid, me.driver_uuid, memory::kUuidSize) != 0) {
        if (!win32 || import.nv)
            return VK_ERROR_INVALID_EXTERNAL_HANDLE;
        return refuse(device,
                      import.source.name ? "VUID-VkImportMemoryWin32HandleInfoKHR-name-01519"
                                         : "VUID-VkImportMemoryWin32HandleInfoKHR-handle-01518",
                      {"vkAllocateMemory: the payload was made by another driver (its driverUUID is not Kiln's)."});
    }
    if (std::memcmp(h.device_uuid, me.device_uuid, memory::kUuidSize) != 0) {
        if (!win32 || import.nv)
            return VK_ERROR_INVALID_EXTERNAL_HANDLE;
        return refuse(device, "VUID-VkImportMemoryWin32HandleInfoKHR-handle-00659",
                      {"vkAllocateMemory: the payload was made on another physical device (its deviceUUID is not "
                       "this device's)."});
    }
    if (memory::PayloadOrigin(h.origin) != payload_origin(type)) {  // e.g. an OPAQUE_WIN32 handle given as D3D12_HEAP
        if (!win32)
            return VK_ERROR_INVALID_EXTERNAL_HANDLE;
        return refuse(device, bad_handle_rule(import),
                      {"vkAllocateMemory: the handle or name refers to memory of another handle type than "
                       "handleType."});
    }
    const Image* image = dedicated ? Image::from(dedicated->image) : nullptr;
    const Buffer* buffer = dedicated ? Buffer::from(dedicated->buffer) : nullptr;
    if (type == VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_HEAP_BIT) {
        if (info.allocationSize != h.size)
            return refuse(device, "VUID-VkMemoryAllocateInfo-allocationSize-00647",
                          {"vkAllocateMemory: allocationSize is not the size of the Direct3D 12 heap."});
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
        if (info.allocationSize != h.size || info.memoryTypeIndex != h.memory_type) {
            if (!win32)
                return VK_ERROR_INVALID_EXTERNAL_HANDLE;
            return refuse(device, "VUID-VkMemoryAllocateInfo-allocationSize-01743",
                          {"vkAllocateMemory: allocationSize or memoryTypeIndex differs from the exporter's."});
        }
        // A dedicated import of Vulkan-made memory must be dedicated to a resource created alike,
        // and only memory exported dedicated can be.
        if (image || buffer) {
            const uint64_t digest = image ? image->digest : buffer->digest;
            const char* rule = image ? "VUID-VkMemoryDedicatedAllocateInfo-image-01876"
                                     : "VUID-VkMemoryDedicatedAllocateInfo-buffer-01877";
            if (h.dedicated && digest != h.dedicated)
                return win32 ? refuse(device, rule,
                                      {"vkAllocateMemory: the import is dedicated to a resource created otherwise "
                                       "than the one the exporting allocation is dedicated to."})
                             : VK_ERROR_INVALID_EXTERNAL_HANDLE;
            if (!h.dedicated && win32 &&
                strict_violation(device, rule,
                                 {"vkAllocateMemory: the import is dedicated, but the exporting allocation was "
                                  "not a dedicated allocation."}))
                return VK_ERROR_INVALID_EXTERNAL_HANDLE;
        }
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
    } else if (r.export_win32_nv && r.export_nv) {  // ignored without the NV export struct
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
    Import import;
    if (const VkResult result = check_structs(device, r, &import); result != VK_SUCCESS)
        return result;

    // Export: the KHR or the NV struct (never both: check_structs).
    VkExternalMemoryHandleTypeFlags export_types = r.export_info ? r.export_info->handleTypes : 0;
    if (r.export_nv)
        export_types = from_nv(r.export_nv->handleTypes);
    if (export_types & ~kExportableTypes) {
        if (!r.export_info)
            return VK_ERROR_INVALID_EXTERNAL_HANDLE;  // the NV struct has no rule of its own for this
        return refuse(device, "VUID-VkExportMemoryAllocateInfo-handleTypes-00656",
                      {"vkAllocateMemory: VkExportMemoryAllocateInfo::handleTypes has types Kiln cannot export "
                       "(VkExternalBufferProperties and VkExternalImageFormatProperties do not report them "
                       "exportable)."});
    }
    if (r.export_win32 && !(r.export_info && (r.export_info->handleTypes & VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_BIT)))
        return refuse(device, "VUID-VkExportMemoryWin32HandleInfoKHR-handleTypes-00657",
                      {"vkAllocateMemory: VkExportMemoryWin32HandleInfoKHR is chained, but "
                       "VkExportMemoryAllocateInfo::handleTypes does not include OPAQUE_WIN32."});
    // SECURITY_ATTRIBUTES::nLength is the structure's size: anything else is not a valid one.
    if (r.export_win32 && r.export_win32->pAttributes &&
        r.export_win32->pAttributes->nLength != sizeof(SECURITY_ATTRIBUTES) &&
        strict_violation(device, "VUID-VkExportMemoryWin32HandleInfoKHR-pAttributes-parameter",
                         {"vkAllocateMemory: VkExportMemoryWin32HandleInfoKHR::pAttributes->nLength is not "
                          "sizeof(SECURITY_ATTRIBUTES)."}))
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    if (r.export_win32_nv && r.export_win32_nv->pAttributes &&
        r.export_win32_nv->pAttributes->nLength != sizeof(SECURITY_ATTRIBUTES) &&
        strict_violation(device, "VUID-VkExportMemoryWin32HandleInfoNV-pAttributes-parameter",
                         {"vkAllocateMemory: VkExportMemoryWin32HandleInfoNV::pAttributes->nLength is not "
                          "sizeof(SECURITY_ATTRIBUTES)."}))
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;

    memory.export_types = export_types;
    memory.export_struct = r.export_info  ? DeviceMemory::ExportStruct::Khr
                           : r.export_nv ? DeviceMemory::ExportStruct::Nv
                                         : DeviceMemory::ExportStruct::None;
    set_nt_export_rights(r, memory);

    if (!import.any) {
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

    // Import.
    const ImportSource& source = import.source;
    if (const VkResult result = check_import_request(device, r, import); result != VK_SUCCESS)
        return result;
    const Family* family = family_of(source.type);
    if (!family)
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    // Re-exporting imported memory: only the opaque types (exportFromImportedHandleTypes).
    if (export_types & ~memory_properties(source.type, Resource::Buffer).exportFromImportedHandleTypes)
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    // Dedicated-only types need a dedicated allocation (the spec's compatibility table); host
    // pointers never get one (-02806).
    const bool is_dedicated = r.dedicated && (r.dedicated->image || r.dedicated->buffer);
    if (dedicated_only(source.type) && !is_dedicated)
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    if (source.type == VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT && is_dedicated)
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;

    Imported imported;
    if (const VkResult result = family->import(source, &imported); result != VK_SUCCESS) {
        if (is_nt(source.type) || is_kmt(source.type))
            return refuse(device, bad_handle_rule(import),
                          {"vkAllocateMemory: the ", source.name ? "name" : "handle",
                           " to import refers to no memory of the handle type (never issued, closed, another kind "
                           "of object, or gone)."});
        return result;
    }
    std::byte* data = nullptr;
    uint64_t size = 0;
    if (imported.payload) {
        if (const VkResult result = check_payload(device, *imported.payload, import, info, r.dedicated, &size);
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
    memory.import_type = source.type;
    // The NV appendix: an import transfers ownership of an NT handle to the driver.
    if (import.nv && is_nt(source.type))
        memory.owned_handle = source.handle;
    return VK_SUCCESS;
}

void commit(const VkMemoryAllocateInfo& info) {
    // VK_KHR_external_memory_fd: a successful import owns the descriptor (import worked on a duplicate).
    if (auto* fd = find<VkImportMemoryFdInfoKHR>(info.pNext); fd && fd->handleType && fd->fd >= 0)
        close(fd->fd);
}

}  // namespace kiln::external
