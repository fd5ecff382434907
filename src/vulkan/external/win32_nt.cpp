// The NT handle family: OPAQUE_WIN32, D3D11_TEXTURE, D3D12_HEAP, D3D12_RESOURCE. An NT handle is a
// value in this process's handle table (libkiln_win32) that owns a reference to its payload; a
// name finds the payload the same way. Imports take a reference of their own and leave the
// handle the application's (VkImportMemoryWin32HandleInfoKHR).
#include <kiln/win32.h>

#include "device_memory.h"
#include "family.h"
#include "strict.h"
#include "win32/handle_table.h"

namespace kiln::external {

namespace {

class Win32NtFamily final : public Family {
public:
    VkResult import(const ImportSource& source, Imported* out) const override {
        win32::Ref<> object;
        if (source.name) {
            if (win32::open_name(source.name, &object) != win32::NameStatus::Ok)
                return VK_ERROR_INVALID_EXTERNAL_HANDLE;
        } else {
            win32::HandleInfo info;
            if (!win32::resolve_handle(source.handle, &info))
                return VK_ERROR_INVALID_EXTERNAL_HANDLE;
            object = info.object;
        }
        // A process handle (or any other object) is not memory.
        if (object->type() != win32::ObjectType::Payload)
            return VK_ERROR_INVALID_EXTERNAL_HANDLE;
        out->payload = win32::Ref<win32::Payload>::adopt(static_cast<win32::Payload*>(object.leak()));
        return VK_SUCCESS;
    }

    // vkGetMemoryWin32HandleKHR: a new handle on every call, owned by the application, with the
    // access and inheritance of VkExportMemoryWin32HandleInfo{KHR,NV}.
    VkResult export_handle(DeviceMemory& memory, VkExternalMemoryHandleTypeFlagBits,
                           Exported* out) const override {
        const uintptr_t h = win32::HandleTable::current().insert(win32::Ref<>::share(memory.payload.get()),
                                                                 memory.nt_access, memory.nt_flags);
        if (!h)
            return VK_ERROR_TOO_MANY_OBJECTS;  // the process's table is full
        // Strict mode remembers every NT handle given to the application, for the leak report.
        if (strict_mode(memory.device) != StrictMode::Off)
            strict_note_nt_export(memory, h);
        out->handle = h;
        return VK_SUCCESS;
    }
};

}  // namespace

const Family& win32_nt_family() {
    static const Win32NtFamily family;
    return family;
}

}  // namespace kiln::external
