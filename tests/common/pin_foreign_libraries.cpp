// Under AddressSanitizer, keeps the libraries of other vendors' Vulkan code (lavapipe, the
// Khronos validation layer) mapped for the whole process. The loader unloads them at
// vkDestroyInstance; their leaks would then be reported with no module name, and
// tests/lsan.supp could not tell them from Kiln's.
#if defined(__SANITIZE_ADDRESS__)
#include <dlfcn.h>

#include <initializer_list>

namespace {
struct PinForeignLibraries {
    PinForeignLibraries() {
        for (const char* name : {"libvulkan_lvp.so", "libVkLayer_khronos_validation.so"})
            dlopen(name, RTLD_LAZY | RTLD_LOCAL);  // absent libraries are simply not pinned
    }
} pin;
}  // namespace
#endif
