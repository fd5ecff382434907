/* <kiln/win32.h>: the Windows handle model on Linux, for code written for Windows interop.
 *
 * Win32 types, constants and functions with their Windows names and semantics (CloseHandle,
 * DuplicateHandle, GetLastError, ...), implemented by libkiln_win32.so over Kiln's emulated NT
 * object manager (docs/handles.md). Works from C11 and C++17 and later. Include it before
 * <vulkan/vulkan_win32.h>, or define VK_USE_PLATFORM_WIN32_KHR and include <vulkan/vulkan.h>
 * with Kiln's <windows.h> on the include path (pkg-config kiln-win32 / CMake Kiln::win32).
 *
 * Names are UTF-16 as on Windows: WCHAR is char16_t, so write u"Local\\name".
 */
#ifndef KILN_WIN32_H
#define KILN_WIN32_H

#include <stddef.h>
#include <stdint.h>
#ifndef __cplusplus
#include <uchar.h>
#endif
#include <vulkan/vulkan_core.h>

#if defined(KILN_WIN32_BUILDING)
#define KILN_WIN32_API __attribute__((visibility("default")))
#else
#define KILN_WIN32_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Types ------------------------------------------------------------------------------ */

typedef void* HANDLE;
typedef HANDLE* PHANDLE;
typedef HANDLE* LPHANDLE;
typedef uint32_t DWORD;
typedef DWORD* LPDWORD;
typedef int BOOL;
typedef int32_t LONG;
typedef void* LPVOID;
typedef char16_t WCHAR;
typedef const WCHAR* LPCWSTR;
typedef WCHAR* LPWSTR;

typedef struct _SECURITY_ATTRIBUTES {
    DWORD nLength;
    LPVOID lpSecurityDescriptor; /* stored, not interpreted: every object belongs to its user */
    BOOL bInheritHandle;
} SECURITY_ATTRIBUTES, *PSECURITY_ATTRIBUTES, *LPSECURITY_ATTRIBUTES;

typedef struct _LUID {
    DWORD LowPart;
    LONG HighPart;
} LUID, *PLUID;

/* Window-system handles that <vulkan/vulkan_win32.h> names; Kiln has no window system behind them. */
typedef struct HINSTANCE__* HINSTANCE;
typedef struct HWND__* HWND;
typedef struct HMONITOR__* HMONITOR;

/* ---- Constants ---------------------------------------------------------------------------- */

#define TRUE 1
#define FALSE 0
#define INVALID_HANDLE_VALUE ((HANDLE)(intptr_t)-1)

#define DUPLICATE_CLOSE_SOURCE 0x00000001u
#define DUPLICATE_SAME_ACCESS 0x00000002u

#define PROCESS_DUP_HANDLE 0x00000040u

#define HANDLE_FLAG_INHERIT 0x00000001u
#define HANDLE_FLAG_PROTECT_FROM_CLOSE 0x00000002u

#define GENERIC_READ 0x80000000u
#define GENERIC_WRITE 0x40000000u
#define GENERIC_EXECUTE 0x20000000u
#define GENERIC_ALL 0x10000000u

#define DXGI_SHARED_RESOURCE_READ 0x80000000u
#define DXGI_SHARED_RESOURCE_WRITE 0x00000001u

#define ERROR_SUCCESS 0u
#define ERROR_FILE_NOT_FOUND 2u
#define ERROR_ACCESS_DENIED 5u
#define ERROR_INVALID_HANDLE 6u
#define ERROR_NOT_ENOUGH_MEMORY 8u
#define ERROR_NOT_SUPPORTED 50u
#define ERROR_INVALID_PARAMETER 87u
#define ERROR_ALREADY_EXISTS 183u

/* ---- Handles ------------------------------------------------------------------------------ */

/* Drops one handle; the object lives while any handle or holder references it. */
KILN_WIN32_API BOOL CloseHandle(HANDLE hObject);

/* A new handle to the object of hSourceHandle in hTargetProcessHandle's table. Access cannot be
 * raised beyond the source handle's; DUPLICATE_SAME_ACCESS keeps it; DUPLICATE_CLOSE_SOURCE
 * closes the source handle (even on failure, as Windows does). */
KILN_WIN32_API BOOL DuplicateHandle(HANDLE hSourceProcessHandle, HANDLE hSourceHandle, HANDLE hTargetProcessHandle,
                                    LPHANDLE lpTargetHandle, DWORD dwDesiredAccess, BOOL bInheritHandle,
                                    DWORD dwOptions);

/* TRUE when both handles reference the same object. */
KILN_WIN32_API BOOL CompareObjectHandles(HANDLE hFirstObjectHandle, HANDLE hSecondObjectHandle);

KILN_WIN32_API BOOL GetHandleInformation(HANDLE hObject, LPDWORD lpdwFlags);
KILN_WIN32_API BOOL SetHandleInformation(HANDLE hObject, DWORD dwMask, DWORD dwFlags);

/* ---- Processes ---------------------------------------------------------------------------- */

/* The pseudo handle of the calling process ((HANDLE)-1, as on Windows): it needs no closing. */
KILN_WIN32_API HANDLE GetCurrentProcess(void);
KILN_WIN32_API DWORD GetCurrentProcessId(void);
KILN_WIN32_API HANDLE OpenProcess(DWORD dwDesiredAccess, BOOL bInheritHandle, DWORD dwProcessId);

/* ---- Errors ------------------------------------------------------------------------------- */

/* The calling thread's last error code. */
KILN_WIN32_API DWORD GetLastError(void);
KILN_WIN32_API void SetLastError(DWORD dwErrCode);

/* ---- A stand-in for D3D runtimes ------------------------------------------------------------ */

/* Makes a shared payload of `size` bytes as a D3D11 or D3D12 runtime would for a shared resource,
 * and returns a handle of `handleType`: D3D11_TEXTURE, D3D12_HEAP, D3D12_RESOURCE give a new NT
 * handle the caller closes; D3D11_TEXTURE_KMT gives a global share (KMT) handle the caller does not
 * own. `attributes` may be NULL; `access` 0 means read and write; `name` (NT types only) may be NULL.
 * Returns ERROR_SUCCESS, or ERROR_INVALID_PARAMETER, ERROR_ALREADY_EXISTS, ERROR_NOT_ENOUGH_MEMORY. */
KILN_WIN32_API DWORD kiln_create_external_payload(VkExternalMemoryHandleTypeFlagBits handleType, uint64_t size,
                                                  const SECURITY_ATTRIBUTES* attributes, DWORD access, LPCWSTR name,
                                                  HANDLE* pHandle);

#ifdef __cplusplus
}
#endif

#endif /* KILN_WIN32_H */
