// Helpers shared by the win32 API tests.
#pragma once

#include <gtest/gtest.h>
#include <kiln/win32.h>
#include <unistd.h>

#include <string>

namespace kiln_test {

// True while `h` is a live handle of this process.
inline bool is_live(HANDLE h) {
    DWORD flags;
    return GetHandleInformation(h, &flags) != FALSE;
}

// `base` made unique to this process: names are the user's, shared by every process through the
// broker, and test processes run side by side.
inline std::u16string test_name(const char16_t* base) {
    std::u16string name = base;
    name += u'-';
    for (char c : std::to_string(getpid()))
        name += char16_t(c);
    return name;
}

}  // namespace kiln_test

// FALSE (or NULL) with this thread's last error `error`.
#define EXPECT_FAILS_WITH(call, error)           \
    do {                                         \
        SetLastError(0xdeadbeefu);               \
        EXPECT_FALSE(call);                      \
        EXPECT_EQ(GetLastError(), DWORD(error)); \
    } while (0)
