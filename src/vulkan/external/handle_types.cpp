#include "handle_types.h"

#include "device_memory.h"
#include "family.h"

namespace kiln::external {

namespace {

constexpr VkExternalMemoryFeatureFlags kExport = VK_EXTERNAL_MEMORY_FEATURE_EXPORTABLE_BIT;
constexpr VkExternalMemoryFeatureFlags kImport = VK_EXTERNAL_MEMORY_FEATURE_IMPORTABLE_BIT;
constexpr VkExternalMemoryFeatureFlags kDedicated = VK_EXTERNAL_MEMORY_FEATURE_DEDICATED_ONLY_BIT;

struct TypeInfo {
    VkExternalMemoryHandleTypeFlagBits type;
    bool buffers;
    bool images;
    VkExternalMemoryFeatureFlags features;
    VkExternalMemoryHandleTypeFlags export_from_imported;
    VkExternalMemoryHandleTypeFlags compatible;
};

// The handle-type table of docs/external-memory.md. The opaque types are one payload (a sealed
// memfd) seen three ways, so they are compatible with each other and each can re-export the
// others. The D3D types are made by a D3D runtime: importable only, and compatible with
// themselves alone (a D3D11 texture is not a D3D12 heap).
constexpr TypeInfo kTypes[] = {
    {VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT, true, true, kExport | kImport, kExportableTypes, kExportableTypes},
    {VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_BIT, true, true, kExport | kImport, kExportableTypes,
     kExportableTypes},
    {VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_KMT_BIT, true, true, kExport | kImport, kExportableTypes,
     kExportableTypes},
    {VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_BIT, false, true, kImport | kDedicated, 0,
     VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_BIT},
    {VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_KMT_BIT, false, true, kImport | kDedicated, 0,
     VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_KMT_BIT},
    {VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_HEAP_BIT, true, true, kImport, 0, VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_HEAP_BIT},
    {VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_RESOURCE_BIT, true, true, kImport | kDedicated, 0,
     VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_RESOURCE_BIT},
    // Host pointers: buffers only (an optimal image in application memory buys nothing on a CPU).
    {VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT, true, false, kImport, 0,
     VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT},
};

const TypeInfo* info(VkExternalMemoryHandleTypeFlagBits type) {
    for (const TypeInfo& t : kTypes)
        if (t.type == type)
            return &t;
    return nullptr;
}

}  // namespace

VkExternalMemoryProperties memory_properties(VkExternalMemoryHandleTypeFlagBits type, Resource resource) {
    const TypeInfo* t = info(type);
    if (!t || !(resource == Resource::Buffer ? t->buffers : t->images))
        return {};
    return {t->features, t->export_from_imported, t->compatible};
}

bool is_nt(VkExternalMemoryHandleTypeFlagBits type) {
    return type == VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_BIT ||
           type == VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_BIT ||
           type == VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_HEAP_BIT ||
           type == VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_RESOURCE_BIT;
}

bool is_kmt(VkExternalMemoryHandleTypeFlagBits type) {
    return type == VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_KMT_BIT ||
           type == VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_KMT_BIT;
}

bool is_d3d(VkExternalMemoryHandleTypeFlagBits type) {
    return type == VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_BIT ||
           type == VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_KMT_BIT ||
           type == VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_HEAP_BIT ||
           type == VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_RESOURCE_BIT;
}

memory::PayloadOrigin payload_origin(VkExternalMemoryHandleTypeFlagBits type) {
    switch (type) {
    case VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_BIT:
    case VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_KMT_BIT: return memory::PayloadOrigin::D3D11Texture;
    case VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_HEAP_BIT: return memory::PayloadOrigin::D3D12Heap;
    case VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_RESOURCE_BIT: return memory::PayloadOrigin::D3D12Resource;
    default: return memory::PayloadOrigin::Vulkan;
    }
}

bool dedicated_only(VkExternalMemoryHandleTypeFlagBits type) {
    const TypeInfo* t = info(type);
    return t && (t->features & kDedicated);
}

bool requires_dedicated(VkExternalMemoryHandleTypeFlags types) {
    for (const TypeInfo& t : kTypes)
        if ((types & t.type) && (t.features & kDedicated))
            return true;
    return false;
}

namespace {
struct NvPair {
    VkExternalMemoryHandleTypeFlagBitsNV nv;
    VkExternalMemoryHandleTypeFlagBits khr;
};
constexpr NvPair kNvTypes[] = {
    {VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_BIT_NV, VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_BIT},
    {VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_KMT_BIT_NV, VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_KMT_BIT},
    {VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_IMAGE_BIT_NV, VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_BIT},
    {VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_IMAGE_KMT_BIT_NV, VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_KMT_BIT},
};
}  // namespace

VkExternalMemoryHandleTypeFlags from_nv(VkExternalMemoryHandleTypeFlagsNV types) {
    VkExternalMemoryHandleTypeFlags out = 0;
    for (const NvPair& p : kNvTypes)
        if (types & p.nv)
            out |= p.khr;
    return out;
}

VkExternalMemoryHandleTypeFlagsNV to_nv(VkExternalMemoryHandleTypeFlags types) {
    VkExternalMemoryHandleTypeFlagsNV out = 0;
    for (const NvPair& p : kNvTypes)
        if (types & p.khr)
            out |= p.nv;
    return out;
}

const Family* family_of(VkExternalMemoryHandleTypeFlagBits type) {
    switch (type) {
    case VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_BIT:
    case VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_BIT:
    case VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_HEAP_BIT:
    case VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_RESOURCE_BIT:
        return &win32_nt_family();
    case VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_KMT_BIT:
    case VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_KMT_BIT:
        return &win32_kmt_family();
    case VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT:
        return &fd_family();
    case VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT:
        return &host_family();
    default:
        return nullptr;
    }
}

VkResult export_handle(DeviceMemory& memory, VkExternalMemoryHandleTypeFlagBits type, Exported* out) {
    const Family* family = family_of(type);
    if (!family || !memory.payload || (type & (type - 1)) || !(memory.export_types & type))
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    return family->export_handle(memory, type, out);
}

}  // namespace kiln::external
