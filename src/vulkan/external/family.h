// One small interface per external handle family (win32 NT, win32 KMT, fd, host pointer): how an
// import finds its payload, and how an export makes a handle for the application. The NV types
// are the NT and KMT families under other names (nv.cpp). Chosen by family_of(type).
#pragma once

#include <cstddef>
#include <cstdint>

#include "object.h"
#include "win32/payload.h"

namespace kiln {
class DeviceMemory;
}

namespace kiln::external {

// minImportedHostPointerAlignment: host pointers and their sizes come in pages.
inline constexpr uintptr_t kHostPointerAlignment = 4096;

// What an import names, as the allocate info gave it.
struct ImportSource {
    VkExternalMemoryHandleTypeFlagBits type{};
    uintptr_t handle = 0;            // an NT handle or a KMT value
    const char16_t* name = nullptr;  // instead of a handle, for NT types
    int fd = -1;                     // OPAQUE_FD
    void* host_pointer = nullptr;    // HOST_ALLOCATION_EXT
};

// What an import found: a payload (with a reference for the memory object), or application pages.
struct Imported {
    win32::Ref<win32::Payload> payload;
    std::byte* host_pointer = nullptr;
};

// What an export gives the application: an NT handle or KMT value, or a file descriptor.
struct Exported {
    uintptr_t handle = 0;
    int fd = -1;
};

class Family {
public:
    virtual ~Family() = default;
    // The payload `source` names; VK_ERROR_INVALID_EXTERNAL_HANDLE when it names none (never
    // issued, closed, wrong kind of object, gone). Checks nothing of the payload's header.
    virtual VkResult import(const ImportSource& source, Imported* out) const = 0;
    // A new handle of `type` to `memory`'s payload, owned as the family says.
    virtual VkResult export_handle(DeviceMemory& memory, VkExternalMemoryHandleTypeFlagBits type,
                                   Exported* out) const = 0;
};

// The family of a handle type; NULL for types Kiln does not implement.
const Family* family_of(VkExternalMemoryHandleTypeFlagBits type);

// A new handle of `type` to `memory`'s payload (vkGetMemoryWin32HandleKHR, vkGetMemoryFdKHR,
// vkGetMemoryWin32HandleNV): VK_ERROR_INVALID_EXTERNAL_HANDLE unless `type` is one bit of the
// memory's export types (VUID-VkMemoryGetWin32HandleInfoKHR-handleType-00662, -00664).
VkResult export_handle(DeviceMemory& memory, VkExternalMemoryHandleTypeFlagBits type, Exported* out);

const Family& win32_nt_family();
const Family& win32_kmt_family();
const Family& fd_family();
const Family& host_family();

}  // namespace kiln::external
