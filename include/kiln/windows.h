/* Kiln's <windows.h> compatibility header, for code written for Windows that defines
 * VK_USE_PLATFORM_WIN32_KHR and includes <vulkan/vulkan.h>: that header includes <windows.h>,
 * which this one answers with the Win32 subset of <kiln/win32.h>. The include flags of
 * pkg-config kiln-win32 and CMake's Kiln::win32 put this folder on the include path. */
#ifndef KILN_WINDOWS_H
#define KILN_WINDOWS_H
#include <kiln/win32.h>
#endif
