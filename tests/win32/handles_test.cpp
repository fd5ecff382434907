// Handle values, CloseHandle, stale and forged values, handle flags, per-thread last error:
// through libkiln_win32.so and <kiln/win32.h> only (docs/handles.md).
#include <kiln/win32.h>

#include "win32_test_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

namespace {

uintptr_t value_of(HANDLE h) { return reinterpret_cast<uintptr_t>(h); }
HANDLE handle_of(uintptr_t v) { return reinterpret_cast<HANDLE>(v); }

// A new NT handle to a new payload (D3D12 heap, 4 KiB, read + write).
HANDLE new_payload(DWORD access = 0) {
    HANDLE h = nullptr;
    const DWORD rc = kiln_create_external_payload(VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_HEAP_BIT, 4096, nullptr,
                                                  access, nullptr, &h);
    EXPECT_EQ(rc, ERROR_SUCCESS);
    EXPECT_NE(h, nullptr);
    return h;
}

}  // namespace

TEST(HandleValues, AreNonZeroMultiplesOfFourAndDistinct) {
    std::vector<HANDLE> handles;
    const VkExternalMemoryHandleTypeFlagBits nt_types[] = {VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_BIT,
                                                           VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_HEAP_BIT,
                                                           VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_RESOURCE_BIT};
    for (int i = 0; i < 300; ++i) {
        HANDLE h = nullptr;
        ASSERT_EQ(kiln_create_external_payload(nt_types[i % 3], 4096, nullptr, 0, nullptr, &h), ERROR_SUCCESS);
        handles.push_back(h);
        HANDLE dup = nullptr;
        ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &dup, 0, FALSE, DUPLICATE_SAME_ACCESS));
        handles.push_back(dup);
        if (i % 50 == 0) {
            HANDLE p = OpenProcess(PROCESS_DUP_HANDLE, FALSE, GetCurrentProcessId());
            ASSERT_NE(p, nullptr);
            handles.push_back(p);
        }
        if (i % 7 == 0) {  // closed values leave holes that later handles may fill
            ASSERT_TRUE(CloseHandle(handles.back()));
            handles.pop_back();
        }
    }
    std::set<uintptr_t> seen;
    for (HANDLE h : handles) {
        EXPECT_NE(value_of(h), 0u);
        EXPECT_EQ(value_of(h) % 4, 0u) << std::hex << value_of(h);
        EXPECT_NE(h, INVALID_HANDLE_VALUE);
        EXPECT_TRUE(seen.insert(value_of(h)).second) << "two live handles share value " << std::hex << value_of(h);
    }
    for (HANDLE h : handles)
        EXPECT_TRUE(CloseHandle(h));
}

// Windows keeps handle values 32-bit significant ("it is safe to truncate the handle ... or
// sign-extend the handle" when passing it between 64-bit and 32-bit code), and interop code
// stores them in 32-bit fields. Values must stay below 2^31 however long handles churn.
TEST(HandleValues, StayBelow2To31AsOnWindowsHoweverLongHandlesChurn) {
    HANDLE source = new_payload();
    uintptr_t largest = value_of(source);
    for (int i = 0; i < 300 * 65; ++i) {  // every slot reused well over 128 times
        HANDLE dup = nullptr;
        ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), source, GetCurrentProcess(), &dup, 0, FALSE,
                                    DUPLICATE_SAME_ACCESS));
        largest = std::max(largest, value_of(dup));
        ASSERT_TRUE(CloseHandle(dup));
    }
    EXPECT_LE(largest, uintptr_t(0x7fffffff)) << "largest handle value " << std::hex << largest;
    EXPECT_TRUE(CloseHandle(source));
}

TEST(CloseHandle, DropsTheHandleAndASecondCloseFailsWithInvalidHandle) {
    HANDLE h = new_payload();
    DWORD flags = 0;
    ASSERT_TRUE(GetHandleInformation(h, &flags));
    SetLastError(1234);
    EXPECT_TRUE(CloseHandle(h));
    EXPECT_FAILS_WITH(CloseHandle(h), ERROR_INVALID_HANDLE);
    EXPECT_FAILS_WITH(GetHandleInformation(h, &flags), ERROR_INVALID_HANDLE);
    HANDLE dup = nullptr;
    EXPECT_FAILS_WITH(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &dup, 0, FALSE,
                                      DUPLICATE_SAME_ACCESS),
                      ERROR_INVALID_HANDLE);
    EXPECT_EQ(dup, nullptr);
}

// docs/handles.md: a closed value is not handed out again until its slot has been reused 128
// times, and slots are reused oldest-first once more than 64 are free. Between two reuses of a
// slot at least 64 other handles are made (the slot goes to the back of a queue of more than 64),
// so a closed value cannot come back within 128 + 127 * 64 = 8256 new handles, however they are
// made and closed.
TEST(CloseHandle, StaleValueIsNotHandedOutAgainUntilItsSlotIsReused128Times) {
    HANDLE source = new_payload();
    HANDLE stale = new_payload();
    ASSERT_TRUE(CloseHandle(stale));

    // Churn right away, while few slots are free: one handle duplicated and closed over and over.
    // A table that reused the freed slot at once, or dropped the generation, gives the stale value
    // back within 128 handles here.
    const int kBound = 128 + 127 * 64;
    for (int i = 0; i < kBound; ++i) {
        HANDLE dup = nullptr;
        ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), source, GetCurrentProcess(), &dup, 0, FALSE,
                                    DUPLICATE_SAME_ACCESS));
        ASSERT_NE(dup, stale) << "closed value reissued after " << (i + 1) << " new handles";
        ASSERT_TRUE(CloseHandle(dup));
        if (i % 1024 == 0)
            EXPECT_FAILS_WITH(SetHandleInformation(stale, HANDLE_FLAG_INHERIT, 0), ERROR_INVALID_HANDLE);
    }
    EXPECT_FAILS_WITH(CloseHandle(stale), ERROR_INVALID_HANDLE);
    EXPECT_FAILS_WITH(CompareObjectHandles(stale, source), ERROR_INVALID_HANDLE);

    // Many handles held at once (64+): none is the stale value, which still fails.
    std::vector<HANDLE> held;
    for (int i = 0; i < 100; ++i) {
        held.push_back(new_payload());
        ASSERT_NE(held.back(), stale) << "closed value reissued";
    }
    EXPECT_FAILS_WITH(CloseHandle(stale), ERROR_INVALID_HANDLE);
    DWORD flags;
    EXPECT_FAILS_WITH(GetHandleInformation(stale, &flags), ERROR_INVALID_HANDLE);
    for (HANDLE h : held)
        ASSERT_TRUE(CloseHandle(h));
    EXPECT_TRUE(CloseHandle(source));
}

TEST(ForgedHandles, FailWithInvalidHandleAndNeverCrash) {
    HANDLE live = new_payload();
    HANDLE live_process = OpenProcess(PROCESS_DUP_HANDLE, FALSE, GetCurrentProcessId());
    ASSERT_NE(live_process, nullptr);
    HANDLE closed = new_payload();
    ASSERT_TRUE(CloseHandle(closed));

    std::vector<uintptr_t> forged = {
        0, 1, 2, 3, 5, 6, 7, 0x7ffffffc, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff, 0x100000000,
        0x3fffffffc, 0x400000000, uintptr_t(-2), uintptr_t(-3), uintptr_t(-4), uintptr_t(-5), uintptr_t(-6),
        uintptr_t(-8), uintptr_t(INTPTR_MIN), uintptr_t(INTPTR_MAX), value_of(closed),
        value_of(live) + 1, value_of(live) + 2, value_of(live) ^ (uintptr_t(1) << 40),
        value_of(live) + (uintptr_t(1) << 26),  // same slot, another generation
        value_of(live) + 4 * 4096,              // a slot that does not exist
    };
    std::mt19937_64 rng(20240611);
    for (int i = 0; i < 2000; ++i) {
        forged.push_back(rng());
        forged.push_back(rng() & 0x3fffffffcULL);  // multiples of 4 in the encodable range
        forged.push_back(rng() & 0xffffcULL);      // small multiples of 4
    }
    int checked = 0;
    for (uintptr_t v : forged) {
        // A random value may happen to be one of the live handles (the only ones this process
        // holds now: every test closes what it opens); those are not forged.
        if (v == value_of(live) || v == value_of(live_process) || v == uintptr_t(-1))
            continue;
        HANDLE h = handle_of(v);
        DWORD flags = 0x5a5a5a5a;
        EXPECT_FAILS_WITH(GetHandleInformation(h, &flags), ERROR_INVALID_HANDLE);
        EXPECT_EQ(flags, 0x5a5a5a5au);
        ++checked;
        EXPECT_FAILS_WITH(CloseHandle(h), ERROR_INVALID_HANDLE);
        EXPECT_FAILS_WITH(SetHandleInformation(h, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT), ERROR_INVALID_HANDLE);
        EXPECT_FAILS_WITH(CompareObjectHandles(h, live), ERROR_INVALID_HANDLE);
        EXPECT_FAILS_WITH(CompareObjectHandles(live, h), ERROR_INVALID_HANDLE);
        HANDLE out = nullptr;
        EXPECT_FAILS_WITH(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &out, 0, FALSE,
                                          DUPLICATE_SAME_ACCESS),
                          ERROR_INVALID_HANDLE);
        EXPECT_FAILS_WITH(DuplicateHandle(h, live, GetCurrentProcess(), &out, 0, FALSE, DUPLICATE_SAME_ACCESS),
                          ERROR_INVALID_HANDLE);
        EXPECT_FAILS_WITH(DuplicateHandle(GetCurrentProcess(), live, h, &out, 0, FALSE, DUPLICATE_SAME_ACCESS),
                          ERROR_INVALID_HANDLE);
        EXPECT_EQ(out, nullptr);
        if (HasFailure())
            FAIL() << "forged value " << std::hex << v;
    }
    EXPECT_GT(checked, 5000);
    // The live handles are untouched.
    DWORD flags = 1;
    EXPECT_TRUE(GetHandleInformation(live, &flags));
    EXPECT_EQ(flags, 0u);
    EXPECT_TRUE(CloseHandle(live));
    EXPECT_TRUE(CloseHandle(live_process));
}

TEST(HandleInformation, SetAndClearFlagsWithMasks) {
    HANDLE h = new_payload();
    DWORD flags = 0xffffffff;
    ASSERT_TRUE(GetHandleInformation(h, &flags));
    EXPECT_EQ(flags, 0u);

    ASSERT_TRUE(SetHandleInformation(h, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT));
    ASSERT_TRUE(GetHandleInformation(h, &flags));
    EXPECT_EQ(flags, HANDLE_FLAG_INHERIT);

    ASSERT_TRUE(SetHandleInformation(h, HANDLE_FLAG_PROTECT_FROM_CLOSE, 0xffffffff));  // only the mask counts
    ASSERT_TRUE(GetHandleInformation(h, &flags));
    EXPECT_EQ(flags, HANDLE_FLAG_INHERIT | HANDLE_FLAG_PROTECT_FROM_CLOSE);

    ASSERT_TRUE(SetHandleInformation(h, HANDLE_FLAG_INHERIT, 0));
    ASSERT_TRUE(GetHandleInformation(h, &flags));
    EXPECT_EQ(flags, HANDLE_FLAG_PROTECT_FROM_CLOSE);

    ASSERT_TRUE(SetHandleInformation(h, 0, HANDLE_FLAG_INHERIT));  // empty mask: nothing changes
    ASSERT_TRUE(GetHandleInformation(h, &flags));
    EXPECT_EQ(flags, HANDLE_FLAG_PROTECT_FROM_CLOSE);

    ASSERT_TRUE(SetHandleInformation(h, HANDLE_FLAG_INHERIT | HANDLE_FLAG_PROTECT_FROM_CLOSE, HANDLE_FLAG_INHERIT));
    ASSERT_TRUE(GetHandleInformation(h, &flags));
    EXPECT_EQ(flags, HANDLE_FLAG_INHERIT);

    // Flags belong to the handle, not the object: a duplicate has its own.
    HANDLE dup = nullptr;
    ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &dup, 0, FALSE, DUPLICATE_SAME_ACCESS));
    ASSERT_TRUE(GetHandleInformation(dup, &flags));
    EXPECT_EQ(flags, 0u);
    ASSERT_TRUE(SetHandleInformation(dup, HANDLE_FLAG_PROTECT_FROM_CLOSE, HANDLE_FLAG_PROTECT_FROM_CLOSE));
    ASSERT_TRUE(GetHandleInformation(h, &flags));
    EXPECT_EQ(flags, HANDLE_FLAG_INHERIT);

    EXPECT_FAILS_WITH(GetHandleInformation(h, nullptr), ERROR_INVALID_PARAMETER);
    ASSERT_TRUE(SetHandleInformation(dup, HANDLE_FLAG_PROTECT_FROM_CLOSE, 0));
    EXPECT_TRUE(CloseHandle(dup));
    EXPECT_TRUE(CloseHandle(h));
}

TEST(HandleInformation, ProtectedHandleCannotBeClosedUntilTheFlagIsCleared) {
    HANDLE h = new_payload();
    HANDLE other = new_payload();
    ASSERT_TRUE(SetHandleInformation(h, HANDLE_FLAG_PROTECT_FROM_CLOSE, HANDLE_FLAG_PROTECT_FROM_CLOSE));
    for (int i = 0; i < 3; ++i)
        EXPECT_FAILS_WITH(CloseHandle(h), ERROR_INVALID_HANDLE);
    // Still a live handle to the same object.
    DWORD flags = 0;
    ASSERT_TRUE(GetHandleInformation(h, &flags));
    EXPECT_EQ(flags, HANDLE_FLAG_PROTECT_FROM_CLOSE);
    HANDLE dup = nullptr;
    ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &dup, 0, FALSE, DUPLICATE_SAME_ACCESS));
    EXPECT_TRUE(CompareObjectHandles(h, dup));
    EXPECT_FALSE(CompareObjectHandles(h, other));

    ASSERT_TRUE(SetHandleInformation(h, HANDLE_FLAG_PROTECT_FROM_CLOSE, 0));
    EXPECT_TRUE(CloseHandle(h));
    EXPECT_FAILS_WITH(CloseHandle(h), ERROR_INVALID_HANDLE);
    EXPECT_TRUE(CloseHandle(dup));
    EXPECT_TRUE(CloseHandle(other));
}

TEST(HandleInformation, UnknownMaskBitsFailWithInvalidParameter) {
    HANDLE h = new_payload();
    for (DWORD mask : {0x4u, 0x8u, 0x80000000u, 0xffffffffu, HANDLE_FLAG_INHERIT | 0x100u}) {
        EXPECT_FAILS_WITH(SetHandleInformation(h, mask, 0xffffffffu), ERROR_INVALID_PARAMETER);
        DWORD flags = 0xffffffff;
        ASSERT_TRUE(GetHandleInformation(h, &flags));
        EXPECT_EQ(flags, 0u) << "a refused call changed the flags (mask " << std::hex << mask << ")";
    }
    EXPECT_TRUE(CloseHandle(h));
}

TEST(LastError, SetAndGetRoundTrip) {
    for (DWORD e : {ERROR_SUCCESS, ERROR_INVALID_HANDLE, ERROR_ALREADY_EXISTS, 0x7fffffffu, 0xffffffffu, 1u}) {
        SetLastError(e);
        EXPECT_EQ(GetLastError(), e);
        EXPECT_EQ(GetLastError(), e);  // reading does not clear it
    }
}

TEST(LastError, IsPerThread) {
    SetLastError(1234);
    DWORD initial_in_thread = 0xdeadbeef, after_set = 0, after_failure = 0;
    std::thread t([&] {
        initial_in_thread = GetLastError();
        SetLastError(42);
        after_set = GetLastError();
        CloseHandle(handle_of(0x12345670));  // fails: ERROR_INVALID_HANDLE, in this thread only
        after_failure = GetLastError();
    });
    t.join();
    EXPECT_EQ(initial_in_thread, ERROR_SUCCESS) << "a new thread starts with no error";
    EXPECT_EQ(after_set, 42u);
    EXPECT_EQ(after_failure, ERROR_INVALID_HANDLE);
    EXPECT_EQ(GetLastError(), 1234u) << "another thread's SetLastError or failure changed this thread's error";

    // And the other way round: this thread's failure does not reach a waiting thread.
    std::mutex m;
    std::condition_variable cv;
    int stage = 0;
    DWORD seen = 0;
    std::thread waiter([&] {
        SetLastError(7);
        std::unique_lock lock(m);
        stage = 1;
        cv.notify_all();
        cv.wait(lock, [&] { return stage == 2; });
        seen = GetLastError();
    });
    {
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return stage == 1; });
        EXPECT_FAILS_WITH(CloseHandle(handle_of(0x12345670)), ERROR_INVALID_HANDLE);
        stage = 2;
        cv.notify_all();
    }
    waiter.join();
    EXPECT_EQ(seen, 7u);
}
