// Helpers shared by the win32 API tests.
#pragma once

#include <gtest/gtest.h>
#include <kiln/win32.h>

namespace kiln_test {

// True while `h` is a live handle of this process.
inline bool is_live(HANDLE h) {
    DWORD flags;
    return GetHandleInformation(h, &flags) != FALSE;
}

}  // namespace kiln_test

// FALSE (or NULL) with this thread's last error `error`.
#define EXPECT_FAILS_WITH(call, error)           \
    do {                                         \
        SetLastError(0xdeadbeefu);               \
        EXPECT_FALSE(call);                      \
        EXPECT_EQ(GetLastError(), DWORD(error)); \
    } while (0)
