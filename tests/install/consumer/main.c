/* An outside C11 program using an installed Kiln through Kiln::win32. */
#include <stdio.h>

#ifdef KILN_EXPECT_HEADER
/* The contract: <kiln/win32.h>, then the Vulkan headers with the Win32 part, compile. */
#include <kiln/win32.h>
#include <vulkan/vulkan.h>
#include <vulkan/vulkan_win32.h>
#endif

int main(void) {
#ifdef KILN_EXPECT_HEADER
    HANDLE handle = INVALID_HANDLE_VALUE;
    DWORD error = ERROR_SUCCESS;
    (void)handle;
    (void)error;
#ifdef KILN_EXPECT_LIBRARY
    SetLastError(ERROR_INVALID_HANDLE);
    if (GetLastError() != ERROR_INVALID_HANDLE) {
        fprintf(stderr, "GetLastError() did not return what SetLastError() set\n");
        return 1;
    }
#endif
#endif
    puts("kiln install consumer (C): ok");
    return 0;
}
