// The KMT family (global share handles): OPAQUE_WIN32_KMT, D3D11_TEXTURE_KMT. A KMT value is global
// to the user's processes and owns nothing: it finds its payload while any memory object or NT
// handle (in any process) still holds it, and nothing after.
#include "device_memory.h"
#include "family.h"

namespace kiln::external {

namespace {

class Win32KmtFamily final : public Family {
public:
    VkResult import(const ImportSource& source, Imported* out) const override {
        // KMT values are 32-bit (D3DKMT handles); anything wider was never one.
        if (source.handle == 0 || source.handle > UINT32_MAX)
            return VK_ERROR_INVALID_EXTERNAL_HANDLE;
        out->payload = win32::lookup_kmt(uint32_t(source.handle));
        return out->payload ? VK_SUCCESS : VK_ERROR_INVALID_EXTERNAL_HANDLE;
    }

    // The payload's one global value: the same on every call, owned by nobody.
    VkResult export_handle(DeviceMemory& memory, VkExternalMemoryHandleTypeFlagBits,
                           Exported* out) const override {
        out->handle = win32::register_kmt(*memory.payload);
        return out->handle ? VK_SUCCESS : VK_ERROR_TOO_MANY_OBJECTS;
    }
};

}  // namespace

const Family& win32_kmt_family() {
    static const Win32KmtFamily family;
    return family;
}

}  // namespace kiln::external
