// kiln_create_external_payload: the stand-in for a D3D11/D3D12 runtime creating a shared resource.
#include "handle_table.h"
#include "kiln/win32.h"
#include "payload.h"

using namespace kiln::win32;

extern "C" DWORD kiln_create_external_payload(VkExternalMemoryHandleTypeFlagBits handleType, uint64_t size,
                                              const SECURITY_ATTRIBUTES* attributes, DWORD access, LPCWSTR name,
                                              HANDLE* pHandle) {
    if (!pHandle || size == 0)
        return ERROR_INVALID_PARAMETER;
    PayloadKind kind;
    bool nt = true;
    switch (handleType) {
    case VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_BIT:
        kind = PayloadKind::D3D11Texture;
        break;
    case VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_KMT_BIT:
        kind = PayloadKind::D3D11Texture;
        nt = false;
        break;
    case VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_HEAP_BIT:
        kind = PayloadKind::D3D12Heap;
        break;
    case VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_RESOURCE_BIT:
        kind = PayloadKind::D3D12Resource;
        break;
    default:
        return ERROR_INVALID_PARAMETER;  // opaque types are made by Vulkan, not by a D3D runtime
    }
    if (!nt && name)
        return ERROR_INVALID_PARAMETER;  // global share handles have no names
    Ref<Payload> payload = Ref<Payload>::adopt(Payload::create(size, kind));
    if (!payload)
        return ERROR_NOT_ENOUGH_MEMORY;
    if (name) {
        switch (bind_name(*payload, name)) {
        case NameStatus::Ok:
            break;
        case NameStatus::AlreadyExists:
            return ERROR_ALREADY_EXISTS;
        default:
            return ERROR_INVALID_PARAMETER;
        }
    }
    if (!nt) {
        // The runtime's resource is the registered holder of a KMT payload; this stand-in has
        // no call to destroy it, so it lives as long as the process (docs/handles.md).
        const uint32_t kmt = register_kmt(*payload);
        payload.leak();
        *pHandle = reinterpret_cast<HANDLE>(uintptr_t(kmt));
        return ERROR_SUCCESS;
    }
    const DWORD rights = access ? access : (DXGI_SHARED_RESOURCE_READ | DXGI_SHARED_RESOURCE_WRITE);
    const uintptr_t h = HandleTable::current().insert(Ref<>::share(payload.get()), rights,
                                                      attributes && attributes->bInheritHandle ? HANDLE_FLAG_INHERIT : 0);
    if (!h)
        return ERROR_NOT_ENOUGH_MEMORY;
    *pHandle = reinterpret_cast<HANDLE>(h);
    return ERROR_SUCCESS;
}
