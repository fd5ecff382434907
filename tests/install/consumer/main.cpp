// An outside C++17 program using an installed Kiln through Kiln::win32.
#include <cstdio>

#ifdef KILN_EXPECT_HEADER
#include <kiln/win32.h>
#include <vulkan/vulkan.h>
#include <vulkan/vulkan_win32.h>
#endif

int main() {
#ifdef KILN_EXPECT_HEADER
    [[maybe_unused]] HANDLE handle = INVALID_HANDLE_VALUE;
    [[maybe_unused]] const char16_t* name = u"Local\\kiln-install-consumer";
    [[maybe_unused]] LPCWSTR wide = name;
#ifdef KILN_EXPECT_LIBRARY
    SetLastError(ERROR_ACCESS_DENIED);
    if (GetLastError() != ERROR_ACCESS_DENIED) {
        std::fprintf(stderr, "GetLastError() did not return what SetLastError() set\n");
        return 1;
    }
#endif
#endif
    std::puts("kiln install consumer (C++): ok");
    return 0;
}
