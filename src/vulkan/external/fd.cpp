// The fd family (VK_KHR_external_memory_fd, OPAQUE_FD): the payload's memfd itself. An exported fd
// is a new descriptor of the payload file; an import checks the file's header (a foreign or
// truncated file is refused) and finds this process's payload object for that file, so that it
// shares the mapping of every other import. Importing an fd transfers it to Kiln (the spec), but
// only once the whole allocation has succeeded: import works on a duplicate, and the caller closes
// the application's descriptor after success.
#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

#include "device_memory.h"
#include "family.h"
#include "vk_entrypoints.h"

namespace kiln::external {

namespace {

class FdFamily final : public Family {
public:
    VkResult import(const ImportSource& source, Imported* out) const override {
        if (source.fd < 0)
            return VK_ERROR_INVALID_EXTERNAL_HANDLE;
        const int fd = fcntl(source.fd, F_DUPFD_CLOEXEC, 0);
        if (fd < 0)
            return errno == EMFILE ? VK_ERROR_TOO_MANY_OBJECTS : VK_ERROR_INVALID_EXTERNAL_HANDLE;
        memory::PayloadCheck check;
        out->payload = win32::Payload::adopt_fd(fd, &check);
        if (!out->payload) {
            close(fd);
            return VK_ERROR_INVALID_EXTERNAL_HANDLE;
        }
        return VK_SUCCESS;
    }

    VkResult export_handle(DeviceMemory& memory, VkExternalMemoryHandleTypeFlagBits,
                           Exported* out) const override {
        out->fd = fcntl(memory.payload->fd(), F_DUPFD_CLOEXEC, 0);
        if (out->fd < 0)
            return errno == EMFILE || errno == ENFILE ? VK_ERROR_TOO_MANY_OBJECTS : VK_ERROR_OUT_OF_HOST_MEMORY;
        return VK_SUCCESS;
    }
};

}  // namespace

const Family& fd_family() {
    static const FdFamily family;
    return family;
}

}  // namespace kiln::external

using namespace kiln;

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkGetMemoryFdKHR(VkDevice, const VkMemoryGetFdInfoKHR* pInfo, int* pFd) {
    // VUID-VkMemoryGetFdInfoKHR-handleType-00672: an fd type.
    if (pInfo->handleType != VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT)
        return VK_ERROR_INVALID_EXTERNAL_HANDLE;
    external::Exported exported;
    const VkResult result = external::export_handle(*DeviceMemory::from(pInfo->memory), pInfo->handleType, &exported);
    if (result == VK_SUCCESS)
        *pFd = exported.fd;
    return result;
}

VKAPI_ATTR VkResult VKAPI_CALL kiln_vkGetMemoryFdPropertiesKHR(VkDevice, VkExternalMemoryHandleTypeFlagBits, int,
                                                               VkMemoryFdPropertiesKHR*) {
    // OPAQUE_FD is invalid here (VUID-vkGetMemoryFdPropertiesKHR-handleType-00674) and Kiln imports
    // no other fd type (dma-buf): no fd can be asked about.
    return VK_ERROR_INVALID_EXTERNAL_HANDLE;
}
