// DuplicateHandle within the current process (GetCurrentProcess() for both process arguments),
// CompareObjectHandles and object lifetime: through libkiln_win32.so and <kiln/win32.h> only.
#include <kiln/win32.h>

#include "win32_test_util.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace {

using kiln_test::is_live;

uintptr_t value_of(HANDLE h) { return reinterpret_cast<uintptr_t>(h); }
HANDLE const kUntouched = reinterpret_cast<HANDLE>(uintptr_t(0xabcdef00));
HANDLE const kSelf = GetCurrentProcess();

HANDLE new_payload(DWORD access = 0, const char16_t* name = nullptr) {
    HANDLE h = nullptr;
    EXPECT_EQ(kiln_create_external_payload(VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_BIT, 4096, nullptr, access,
                                           name, &h),
              ERROR_SUCCESS);
    EXPECT_NE(h, nullptr);
    return h;
}

// Duplicates within this process; FALSE leaves *out untouched (checked by the callers).
BOOL dup(HANDLE source, HANDLE* out, DWORD access, DWORD options, BOOL inherit = FALSE) {
    *out = kUntouched;
    return DuplicateHandle(kSelf, source, kSelf, out, access, inherit, options);
}

}  // namespace

TEST(DuplicateHandle, DuplicateIsANewValueForTheSameObject) {
    HANDLE a = new_payload();
    HANDLE b = new_payload();
    HANDLE a2;
    ASSERT_TRUE(dup(a, &a2, 0, DUPLICATE_SAME_ACCESS));
    EXPECT_NE(a2, a);
    EXPECT_NE(a2, kUntouched);
    EXPECT_EQ(value_of(a2) % 4, 0u);
    EXPECT_TRUE(CompareObjectHandles(a, a2));
    EXPECT_TRUE(CompareObjectHandles(a2, a));
    EXPECT_TRUE(CompareObjectHandles(a, a));
    EXPECT_FALSE(CompareObjectHandles(a, b));
    EXPECT_FALSE(CompareObjectHandles(a2, b));
    // A duplicate of a duplicate is still the same object.
    HANDLE a3;
    ASSERT_TRUE(dup(a2, &a3, GENERIC_READ, 0));
    EXPECT_TRUE(CompareObjectHandles(a3, a));
    for (HANDLE h : {a, a2, a3, b})
        EXPECT_TRUE(CloseHandle(h));
}

TEST(DuplicateHandle, ObjectLivesWhileAnyHandleReferencesIt) {
    // Named, so that the object's life can be seen from outside: the name goes with it.
    HANDLE original = new_payload(0, kiln_test::test_name(u"Local\\kiln-lifetime").c_str());
    HANDLE copy;
    ASSERT_TRUE(dup(original, &copy, 0, DUPLICATE_SAME_ACCESS));
    ASSERT_TRUE(CloseHandle(original));

    HANDLE again;
    ASSERT_TRUE(dup(copy, &again, 0, DUPLICATE_SAME_ACCESS)) << "the duplicate no longer works";
    EXPECT_TRUE(CompareObjectHandles(copy, again));
    HANDLE other = kUntouched;
    EXPECT_EQ(kiln_create_external_payload(VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_BIT, 4096, nullptr, 0,
                                           kiln_test::test_name(u"Local\\kiln-lifetime").c_str(), &other),
              ERROR_ALREADY_EXISTS)
        << "the object died with its first handle";
    ASSERT_TRUE(CloseHandle(copy));
    EXPECT_EQ(kiln_create_external_payload(VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_BIT, 4096, nullptr, 0,
                                           kiln_test::test_name(u"Local\\kiln-lifetime").c_str(), &other),
              ERROR_ALREADY_EXISTS);
    ASSERT_TRUE(CloseHandle(again));
    // The last handle is gone: so is the object, and its name is free.
    ASSERT_EQ(kiln_create_external_payload(VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_BIT, 4096, nullptr, 0,
                                           kiln_test::test_name(u"Local\\kiln-lifetime").c_str(), &other),
              ERROR_SUCCESS);
    EXPECT_TRUE(CloseHandle(other));
}

TEST(DuplicateHandle, SameAccessCopiesTheSourceAccessAndIgnoresDesiredAccess) {
    HANDLE read_only = new_payload(DXGI_SHARED_RESOURCE_READ);
    HANDLE copy, out;
    // dwDesiredAccess is ignored with DUPLICATE_SAME_ACCESS, even when it asks for more.
    ASSERT_TRUE(dup(read_only, &copy, GENERIC_ALL, DUPLICATE_SAME_ACCESS));
    // The copy holds exactly read: writing cannot be had from it either.
    EXPECT_FAILS_WITH(dup(copy, &out, GENERIC_WRITE, 0), ERROR_ACCESS_DENIED);
    EXPECT_EQ(out, kUntouched);
    EXPECT_TRUE(dup(copy, &out, GENERIC_READ, 0));
    EXPECT_TRUE(CloseHandle(out));

    HANDLE full = new_payload(GENERIC_ALL);
    HANDLE full_copy;
    ASSERT_TRUE(dup(full, &full_copy, GENERIC_READ, DUPLICATE_SAME_ACCESS));  // not reduced to GENERIC_READ
    EXPECT_TRUE(dup(full_copy, &out, GENERIC_ALL, 0));
    EXPECT_TRUE(CloseHandle(out));
    for (HANDLE h : {read_only, copy, full, full_copy})
        EXPECT_TRUE(CloseHandle(h));
}

TEST(DuplicateHandle, AccessCannotBeRaised) {
    HANDLE read_only = new_payload(DXGI_SHARED_RESOURCE_READ);
    HANDLE out;
    for (DWORD wanted : {GENERIC_WRITE, GENERIC_ALL, DXGI_SHARED_RESOURCE_WRITE, GENERIC_READ | GENERIC_WRITE,
                         DXGI_SHARED_RESOURCE_READ | DXGI_SHARED_RESOURCE_WRITE, 0x00000004u}) {
        EXPECT_FAILS_WITH(dup(read_only, &out, wanted, 0), ERROR_ACCESS_DENIED);
        EXPECT_EQ(out, kUntouched) << std::hex << wanted;
    }
    // Reading is held: GENERIC_READ and DXGI_SHARED_RESOURCE_READ are the same bit.
    for (DWORD wanted : {GENERIC_READ, DXGI_SHARED_RESOURCE_READ, 0u}) {
        ASSERT_TRUE(dup(read_only, &out, wanted, 0)) << std::hex << wanted;
        EXPECT_TRUE(CompareObjectHandles(out, read_only));
        EXPECT_TRUE(CloseHandle(out));
    }
    // Dropping access is one-way.
    HANDLE rw = new_payload(DXGI_SHARED_RESOURCE_READ | DXGI_SHARED_RESOURCE_WRITE);
    HANDLE reduced;
    ASSERT_TRUE(dup(rw, &reduced, GENERIC_READ, 0));
    EXPECT_FAILS_WITH(dup(reduced, &out, GENERIC_WRITE, 0), ERROR_ACCESS_DENIED);
    // Both write bits grant writing, but not everything.
    ASSERT_TRUE(dup(rw, &out, GENERIC_WRITE, 0));
    EXPECT_TRUE(CloseHandle(out));
    EXPECT_FAILS_WITH(dup(rw, &out, GENERIC_ALL, 0), ERROR_ACCESS_DENIED);
    // Specific rights are held bit for bit.
    HANDLE specific = new_payload(0x00000004u);
    ASSERT_TRUE(dup(specific, &out, 0x00000004u, 0));
    EXPECT_TRUE(CloseHandle(out));
    EXPECT_FAILS_WITH(dup(specific, &out, 0x00000002u, 0), ERROR_ACCESS_DENIED);
    EXPECT_FAILS_WITH(dup(specific, &out, 0x00000006u, 0), ERROR_ACCESS_DENIED);
    for (HANDLE h : {read_only, rw, reduced, specific})
        EXPECT_TRUE(CloseHandle(h));
}

TEST(DuplicateHandle, CloseSourceClosesTheSourceEvenWhenDuplicationFails) {
    HANDLE out;
    // Success: the source is gone, the duplicate holds the object.
    HANDLE source = new_payload();
    ASSERT_TRUE(dup(source, &out, 0, DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE));
    EXPECT_FALSE(is_live(source));
    EXPECT_FAILS_WITH(CloseHandle(source), ERROR_INVALID_HANDLE);
    EXPECT_TRUE(is_live(out));
    EXPECT_TRUE(CloseHandle(out));

    // Access denied: the duplication fails, the source is closed anyway.
    source = new_payload(DXGI_SHARED_RESOURCE_READ);
    EXPECT_FAILS_WITH(dup(source, &out, GENERIC_WRITE, DUPLICATE_CLOSE_SOURCE), ERROR_ACCESS_DENIED);
    EXPECT_EQ(out, kUntouched);
    EXPECT_FALSE(is_live(source));
    EXPECT_FAILS_WITH(CloseHandle(source), ERROR_INVALID_HANDLE);

    // No place to put the result: fails, closes the source.
    source = new_payload();
    EXPECT_FAILS_WITH(DuplicateHandle(kSelf, source, kSelf, nullptr, 0, FALSE,
                                      DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE),
                      ERROR_INVALID_PARAMETER);
    EXPECT_FALSE(is_live(source));

    // An unusable target process: fails, closes the source.
    source = new_payload();
    HANDLE not_a_process = new_payload();
    out = kUntouched;
    EXPECT_FAILS_WITH(DuplicateHandle(kSelf, source, not_a_process, &out, 0, FALSE,
                                      DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE),
                      ERROR_INVALID_HANDLE);
    EXPECT_EQ(out, kUntouched);
    EXPECT_FALSE(is_live(source));
    EXPECT_TRUE(CloseHandle(not_a_process));

    // Without DUPLICATE_CLOSE_SOURCE a failure leaves the source alone.
    source = new_payload(DXGI_SHARED_RESOURCE_READ);
    EXPECT_FAILS_WITH(dup(source, &out, GENERIC_WRITE, 0), ERROR_ACCESS_DENIED);
    EXPECT_TRUE(is_live(source));
    EXPECT_TRUE(CloseHandle(source));
}

TEST(DuplicateHandle, InheritArgumentSetsHandleFlagInheritOnTheDuplicateOnly) {
    HANDLE source = new_payload();
    HANDLE inheritable, plain;
    DWORD flags = 0xffffffff;
    ASSERT_TRUE(dup(source, &inheritable, 0, DUPLICATE_SAME_ACCESS, TRUE));
    ASSERT_TRUE(GetHandleInformation(inheritable, &flags));
    EXPECT_EQ(flags, HANDLE_FLAG_INHERIT);
    ASSERT_TRUE(GetHandleInformation(source, &flags));
    EXPECT_EQ(flags, 0u);
    // Flags are not copied from the source: an inheritable, protected source gives a plain duplicate.
    ASSERT_TRUE(SetHandleInformation(inheritable, HANDLE_FLAG_PROTECT_FROM_CLOSE, HANDLE_FLAG_PROTECT_FROM_CLOSE));
    ASSERT_TRUE(dup(inheritable, &plain, 0, DUPLICATE_SAME_ACCESS, FALSE));
    ASSERT_TRUE(GetHandleInformation(plain, &flags));
    EXPECT_EQ(flags, 0u);
    ASSERT_TRUE(SetHandleInformation(inheritable, HANDLE_FLAG_PROTECT_FROM_CLOSE, 0));
    for (HANDLE h : {source, inheritable, plain})
        EXPECT_TRUE(CloseHandle(h));
}

TEST(DuplicateHandle, UnknownOptionsFailWithInvalidParameter) {
    HANDLE source = new_payload();
    HANDLE out;
    for (DWORD options : {0x4u, 0x8u, 0x80000000u, DUPLICATE_SAME_ACCESS | 0x10u, 0xffffffffu & ~DUPLICATE_CLOSE_SOURCE}) {
        EXPECT_FAILS_WITH(dup(source, &out, 0, options), ERROR_INVALID_PARAMETER);
        EXPECT_EQ(out, kUntouched) << std::hex << options;
    }
    EXPECT_TRUE(is_live(source));
    EXPECT_TRUE(CloseHandle(source));
}

TEST(DuplicateHandle, InvalidSourceHandleFailsWithInvalidHandle) {
    HANDLE closed = new_payload();
    ASSERT_TRUE(CloseHandle(closed));
    HANDLE out;
    for (HANDLE bad : {closed, HANDLE(nullptr), reinterpret_cast<HANDLE>(uintptr_t(0x7ffffffc)),
                       reinterpret_cast<HANDLE>(uintptr_t(-2))}) {
        EXPECT_FAILS_WITH(dup(bad, &out, 0, DUPLICATE_SAME_ACCESS), ERROR_INVALID_HANDLE);
        EXPECT_EQ(out, kUntouched);
        EXPECT_FAILS_WITH(dup(bad, &out, 0, DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE), ERROR_INVALID_HANDLE);
        EXPECT_EQ(out, kUntouched);
    }
}

TEST(DuplicateHandle, NullTargetPointerFailsWithInvalidParameter) {
    HANDLE source = new_payload();
    EXPECT_FAILS_WITH(DuplicateHandle(kSelf, source, kSelf, nullptr, 0, FALSE, DUPLICATE_SAME_ACCESS),
                      ERROR_INVALID_PARAMETER);
    EXPECT_TRUE(is_live(source));
    EXPECT_TRUE(CloseHandle(source));
}

TEST(DuplicateHandle, PseudoHandleOfCurrentProcessGivesARealProcessHandle) {
    HANDLE process;
    ASSERT_TRUE(dup(GetCurrentProcess(), &process, 0, DUPLICATE_SAME_ACCESS));
    EXPECT_NE(process, GetCurrentProcess());
    EXPECT_NE(value_of(process), 0u);
    EXPECT_EQ(value_of(process) % 4, 0u);
    EXPECT_TRUE(CompareObjectHandles(process, GetCurrentProcess()));
    DWORD flags = 0xffffffff;
    EXPECT_TRUE(GetHandleInformation(process, &flags));
    EXPECT_EQ(flags, 0u);
    // It is a process handle with the pseudo handle's (full) access: usable as a process argument.
    HANDLE payload = new_payload();
    HANDLE out;
    ASSERT_TRUE(DuplicateHandle(process, payload, process, &out, 0, FALSE, DUPLICATE_SAME_ACCESS));
    EXPECT_TRUE(CompareObjectHandles(out, payload));
    EXPECT_TRUE(CloseHandle(out));
    EXPECT_TRUE(CloseHandle(payload));
    EXPECT_TRUE(CloseHandle(process));
    EXPECT_FAILS_WITH(CloseHandle(process), ERROR_INVALID_HANDLE);
    // The pseudo handle itself still works.
    ASSERT_TRUE(dup(GetCurrentProcess(), &process, PROCESS_DUP_HANDLE, 0));
    EXPECT_TRUE(CloseHandle(process));
}

TEST(DuplicateHandle, NonProcessHandleAsProcessArgumentFailsWithInvalidHandle) {
    HANDLE payload = new_payload();
    HANDLE other = new_payload();
    HANDLE out = kUntouched;
    EXPECT_FAILS_WITH(DuplicateHandle(payload, other, kSelf, &out, 0, FALSE, DUPLICATE_SAME_ACCESS),
                      ERROR_INVALID_HANDLE);
    EXPECT_FAILS_WITH(DuplicateHandle(kSelf, other, payload, &out, 0, FALSE, DUPLICATE_SAME_ACCESS),
                      ERROR_INVALID_HANDLE);
    EXPECT_EQ(out, kUntouched);
    EXPECT_TRUE(CloseHandle(payload));
    EXPECT_TRUE(CloseHandle(other));
}
