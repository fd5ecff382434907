/* A small Windows-style interop program, the kind a D3D <-> Vulkan sharing path is written as.
 * tests/win32/CMakeLists.txt builds this same text four ways: headers in "kiln" style (below) or
 * in "vulkan" style (KILN_INTEROP_STYLE_VULKAN_H: VK_USE_PLATFORM_WIN32_KHR + <vulkan/vulkan.h>,
 * which includes <windows.h>: Kiln's, through the include path of kiln_headers), each as C11 and
 * (interop_program.cpp includes this file) as C++17. It runs without a Vulkan device: it fills in
 * the win32 structs, shares a payload the way a D3D producer would, and checks what comes back.
 * Exit status 0 = every check passed. */
#if defined(KILN_INTEROP_STYLE_VULKAN_H)
#define VK_USE_PLATFORM_WIN32_KHR
#include <vulkan/vulkan.h>
#else
#include <kiln/win32.h>
#include <vulkan/vulkan_core.h>
#include <vulkan/vulkan_win32.h>
#endif

#include <stdio.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            ++failures;                                                          \
        }                                                                        \
    } while (0)

/* What an application keeps to import a D3D11 texture into Vulkan. */
struct SharedTexture {
    HANDLE handle;
    DWORD access;
    LPCWSTR name;
};

static PFN_vkGetMemoryWin32HandleKHR g_getMemoryWin32Handle = NULL; /* fetched with vkGetDeviceProcAddr */

int main(void) {
    /* Names are the user's, shared by every process: this run's name ends in its pid. */
    WCHAR kName[64];
    {
        static const WCHAR prefix[] = u"Local\\kiln-interop-program-";
        char digits[16];
        size_t n = 0;
        snprintf(digits, sizeof digits, "%u", (unsigned)GetCurrentProcessId());
        for (; prefix[n]; ++n)
            kName[n] = prefix[n];
        for (size_t d = 0; digits[d]; ++d)
            kName[n++] = (WCHAR)digits[d];
        kName[n] = 0;
    }
    SECURITY_ATTRIBUTES sa;
    VkExportMemoryWin32HandleInfoKHR exportInfo;
    VkImportMemoryWin32HandleInfoKHR importInfo;
    struct SharedTexture texture;
    HANDLE duplicate = NULL;
    HANDLE again = INVALID_HANDLE_VALUE;
    HANDLE self = GetCurrentProcess();
    DWORD flags = 0xffffffffu;
    DWORD rc;

    /* The exporter's side: what vkAllocateMemory would be given to export an NT handle. */
    memset(&sa, 0, sizeof sa);
    sa.nLength = (DWORD)sizeof sa;
    sa.lpSecurityDescriptor = NULL;
    sa.bInheritHandle = TRUE;
    memset(&exportInfo, 0, sizeof exportInfo);
    exportInfo.sType = VK_STRUCTURE_TYPE_EXPORT_MEMORY_WIN32_HANDLE_INFO_KHR;
    exportInfo.pNext = NULL;
    exportInfo.pAttributes = &sa;
    exportInfo.dwAccess = DXGI_SHARED_RESOURCE_READ | DXGI_SHARED_RESOURCE_WRITE;
    exportInfo.name = kName;

    /* A D3D11 runtime (Kiln's stand-in) makes the shared texture. */
    texture.handle = NULL;
    texture.access = exportInfo.dwAccess;
    texture.name = exportInfo.name;
    rc = kiln_create_external_payload(VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_BIT, 65536, exportInfo.pAttributes,
                                      exportInfo.dwAccess, exportInfo.name, &texture.handle);
    CHECK(rc == ERROR_SUCCESS);
    CHECK(texture.handle != NULL && texture.handle != INVALID_HANDLE_VALUE);
    CHECK(((uintptr_t)texture.handle & 3u) == 0);
    CHECK(GetHandleInformation(texture.handle, &flags) == TRUE);
    CHECK(flags == HANDLE_FLAG_INHERIT);

    /* The same name again is taken. */
    rc = kiln_create_external_payload(VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_BIT, 65536, NULL, 0, kName, &again);
    CHECK(rc == ERROR_ALREADY_EXISTS);
    CHECK(again == INVALID_HANDLE_VALUE);

    /* The importer gets its own handle, as if duplicated for it. */
    CHECK(DuplicateHandle(self, texture.handle, self, &duplicate, 0, FALSE, DUPLICATE_SAME_ACCESS) == TRUE);
    CHECK(duplicate != NULL && duplicate != texture.handle);
    CHECK(CompareObjectHandles(duplicate, texture.handle) == TRUE);

    memset(&importInfo, 0, sizeof importInfo);
    importInfo.sType = VK_STRUCTURE_TYPE_IMPORT_MEMORY_WIN32_HANDLE_INFO_KHR;
    importInfo.pNext = NULL;
    importInfo.handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_BIT;
    importInfo.handle = duplicate;
    importInfo.name = NULL;
    CHECK(importInfo.handle == duplicate);
    CHECK(g_getMemoryWin32Handle == NULL);

    /* Access cannot be raised past the source's, and the error is the thread's. */
    {
        HANDLE readOnly = NULL;
        HANDLE writer = NULL;
        CHECK(DuplicateHandle(self, duplicate, self, &readOnly, GENERIC_READ, FALSE, 0) == TRUE);
        SetLastError(ERROR_SUCCESS);
        CHECK(DuplicateHandle(self, readOnly, self, &writer, GENERIC_WRITE, FALSE, DUPLICATE_CLOSE_SOURCE) == FALSE);
        CHECK(GetLastError() == ERROR_ACCESS_DENIED);
        CHECK(writer == NULL);
        CHECK(CloseHandle(readOnly) == FALSE); /* DUPLICATE_CLOSE_SOURCE closed it anyway */
        CHECK(GetLastError() == ERROR_INVALID_HANDLE);
    }

    CHECK(CloseHandle(texture.handle) == TRUE);
    CHECK(CloseHandle(duplicate) == TRUE);
    CHECK(CloseHandle(duplicate) == FALSE);
    CHECK(GetLastError() == ERROR_INVALID_HANDLE);
    CHECK(CloseHandle(self) == TRUE);
    CHECK(GetCurrentProcessId() != 0);

    /* Once the last handle is gone, so is the name. */
    again = NULL;
    rc = kiln_create_external_payload(VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_HEAP_BIT, 4096, NULL, 0, kName, &again);
    CHECK(rc == ERROR_SUCCESS);
    CHECK(again != NULL && CloseHandle(again) == TRUE);

    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("ok\n");
    return 0;
}
