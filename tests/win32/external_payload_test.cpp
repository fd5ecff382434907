// kiln_create_external_payload, the stand-in for a D3D11/D3D12 runtime, and the named-object
// namespace (Local\, Global\): through libkiln_win32.so and <kiln/win32.h> only.
#include <kiln/win32.h>

#include "win32_test_util.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <vector>

namespace {

uintptr_t value_of(HANDLE h) { return reinterpret_cast<uintptr_t>(h); }

constexpr VkExternalMemoryHandleTypeFlagBits kD3D11 = VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_BIT;
constexpr VkExternalMemoryHandleTypeFlagBits kD3D11Kmt = VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_TEXTURE_KMT_BIT;
constexpr VkExternalMemoryHandleTypeFlagBits kD3D12Heap = VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_HEAP_BIT;
constexpr VkExternalMemoryHandleTypeFlagBits kD3D12Resource = VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D12_RESOURCE_BIT;

HANDLE const kUntouched = reinterpret_cast<HANDLE>(uintptr_t(0xabcdef00));

// Creates a named D3D12 heap payload; returns the error code, the handle in *out.
DWORD create_named(const char16_t* name, HANDLE* out, VkExternalMemoryHandleTypeFlagBits type = kD3D12Heap) {
    *out = kUntouched;
    return kiln_create_external_payload(type, 4096, nullptr, 0, name, out);
}

}  // namespace

TEST(ExternalPayload, NtTypesReturnAHandleThatClosesExactlyOnce) {
    for (auto type : {kD3D11, kD3D12Heap, kD3D12Resource}) {
        SCOPED_TRACE(type);
        HANDLE h = kUntouched;
        ASSERT_EQ(kiln_create_external_payload(type, 1 << 20, nullptr, 0, nullptr, &h), ERROR_SUCCESS);
        ASSERT_NE(h, kUntouched);
        EXPECT_NE(value_of(h), 0u);
        EXPECT_EQ(value_of(h) % 4, 0u);
        DWORD flags = 0xffffffff;
        EXPECT_TRUE(GetHandleInformation(h, &flags));
        EXPECT_EQ(flags, 0u);
        EXPECT_TRUE(CloseHandle(h));
        EXPECT_FAILS_WITH(CloseHandle(h), ERROR_INVALID_HANDLE);
    }
    // Each call makes a new object.
    HANDLE a = nullptr, b = nullptr;
    ASSERT_EQ(kiln_create_external_payload(kD3D11, 4096, nullptr, 0, nullptr, &a), ERROR_SUCCESS);
    ASSERT_EQ(kiln_create_external_payload(kD3D11, 4096, nullptr, 0, nullptr, &b), ERROR_SUCCESS);
    EXPECT_NE(a, b);
    SetLastError(ERROR_SUCCESS);
    EXPECT_FALSE(CompareObjectHandles(a, b));
    EXPECT_EQ(GetLastError(), ERROR_SUCCESS) << "two valid handles to different objects are not an error";
    EXPECT_TRUE(CloseHandle(a));
    EXPECT_TRUE(CloseHandle(b));
}

TEST(ExternalPayload, KmtTypeReturnsAGlobalValueThatIsNotAnNtHandle) {
    HANDLE k1 = kUntouched, k2 = kUntouched;
    ASSERT_EQ(kiln_create_external_payload(kD3D11Kmt, 4096, nullptr, 0, nullptr, &k1), ERROR_SUCCESS);
    ASSERT_EQ(kiln_create_external_payload(kD3D11Kmt, 4096, nullptr, 0, nullptr, &k2), ERROR_SUCCESS);
    ASSERT_NE(k1, kUntouched);
    EXPECT_NE(value_of(k1), 0u);
    EXPECT_LE(value_of(k1), 0xffffffffu) << "KMT values are 32-bit";
    EXPECT_LE(value_of(k2), 0xffffffffu);
    EXPECT_NE(k1, k2);
    // D3DKMT-style values (docs/handles.md: 0x40000002, 0x40000006, ...): never a valid NT handle
    // value, which is a multiple of 4.
    EXPECT_EQ(value_of(k1) & 3, 2u) << std::hex << value_of(k1);
    for (HANDLE k : {k1, k2}) {
        DWORD flags;
        EXPECT_FAILS_WITH(GetHandleInformation(k, &flags), ERROR_INVALID_HANDLE);
        EXPECT_FAILS_WITH(CloseHandle(k), ERROR_INVALID_HANDLE);
        HANDLE dup = nullptr;
        EXPECT_FAILS_WITH(DuplicateHandle(GetCurrentProcess(), k, GetCurrentProcess(), &dup, 0, FALSE,
                                          DUPLICATE_SAME_ACCESS),
                          ERROR_INVALID_HANDLE);
        EXPECT_EQ(dup, nullptr);
    }
}

TEST(ExternalPayload, OpaqueTypesAndBadArgumentsFailWithInvalidParameter) {
    const VkExternalMemoryHandleTypeFlagBits refused[] = {
        VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_BIT,
        VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_KMT_BIT,
        VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT,
        VK_EXTERNAL_MEMORY_HANDLE_TYPE_DMA_BUF_BIT_EXT,
        VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT,
        VkExternalMemoryHandleTypeFlagBits(0),
        VkExternalMemoryHandleTypeFlagBits(kD3D11 | kD3D12Heap),  // one type, not a set
        VkExternalMemoryHandleTypeFlagBits(0x40000000),  // no such type (within the enum's range)
    };
    for (auto type : refused) {
        HANDLE h = kUntouched;
        EXPECT_EQ(kiln_create_external_payload(type, 4096, nullptr, 0, nullptr, &h), ERROR_INVALID_PARAMETER)
            << std::hex << type;
        EXPECT_EQ(h, kUntouched);
    }
    for (auto type : {kD3D11, kD3D11Kmt, kD3D12Heap, kD3D12Resource}) {
        HANDLE h = kUntouched;
        EXPECT_EQ(kiln_create_external_payload(type, 0, nullptr, 0, nullptr, &h), ERROR_INVALID_PARAMETER) << type;
        EXPECT_EQ(h, kUntouched);
        EXPECT_EQ(kiln_create_external_payload(type, 4096, nullptr, 0, nullptr, nullptr), ERROR_INVALID_PARAMETER)
            << type;
        EXPECT_EQ(kiln_create_external_payload(type, 4096, nullptr, 0, kiln_test::test_name(u"Local\\kiln-null-phandle").c_str(), nullptr),
                  ERROR_INVALID_PARAMETER)
            << type;
    }
    // None of the refused calls took the name.
    HANDLE h;
    ASSERT_EQ(create_named(kiln_test::test_name(u"Local\\kiln-null-phandle").c_str(), &h), ERROR_SUCCESS);
    EXPECT_TRUE(CloseHandle(h));
}

TEST(ExternalPayload, NameOnKmtTypeFailsWithInvalidParameter) {
    HANDLE h = kUntouched;
    EXPECT_EQ(create_named(kiln_test::test_name(u"Local\\kiln-kmt-named").c_str(), &h, kD3D11Kmt), ERROR_INVALID_PARAMETER);
    EXPECT_EQ(h, kUntouched);
    // ... and did not take the name.
    ASSERT_EQ(create_named(kiln_test::test_name(u"Local\\kiln-kmt-named").c_str(), &h), ERROR_SUCCESS);
    EXPECT_TRUE(CloseHandle(h));
}

TEST(ExternalPayload, SameNameTwiceFailsWithAlreadyExists) {
    HANDLE first, second;
    ASSERT_EQ(create_named(kiln_test::test_name(u"Local\\kiln-twice").c_str(), &first), ERROR_SUCCESS);
    EXPECT_EQ(create_named(kiln_test::test_name(u"Local\\kiln-twice").c_str(), &second), ERROR_ALREADY_EXISTS);
    EXPECT_EQ(second, kUntouched);
    // One namespace for every payload type.
    for (auto type : {kD3D11, kD3D12Resource}) {
        EXPECT_EQ(create_named(kiln_test::test_name(u"Local\\kiln-twice").c_str(), &second, type), ERROR_ALREADY_EXISTS) << type;
        EXPECT_EQ(second, kUntouched);
    }
    DWORD flags;
    EXPECT_TRUE(GetHandleInformation(first, &flags)) << "the refused call disturbed the first handle";
    EXPECT_TRUE(CloseHandle(first));
}

TEST(ExternalPayload, LocalAndGlobalNamespacesAreDistinct) {
    HANDLE local, global, again;
    ASSERT_EQ(create_named(kiln_test::test_name(u"Local\\kiln-ns").c_str(), &local), ERROR_SUCCESS);
    ASSERT_EQ(create_named(kiln_test::test_name(u"Global\\kiln-ns").c_str(), &global), ERROR_SUCCESS);
    EXPECT_FALSE(CompareObjectHandles(local, global));
    EXPECT_EQ(create_named(kiln_test::test_name(u"Global\\kiln-ns").c_str(), &again), ERROR_ALREADY_EXISTS);
    EXPECT_EQ(create_named(kiln_test::test_name(u"Local\\kiln-ns").c_str(), &again), ERROR_ALREADY_EXISTS);
    // Closing one leaves the other's name in place.
    EXPECT_TRUE(CloseHandle(local));
    EXPECT_EQ(create_named(kiln_test::test_name(u"Global\\kiln-ns").c_str(), &again), ERROR_ALREADY_EXISTS);
    ASSERT_EQ(create_named(kiln_test::test_name(u"Local\\kiln-ns").c_str(), &again), ERROR_SUCCESS);
    EXPECT_TRUE(CloseHandle(again));
    EXPECT_TRUE(CloseHandle(global));
}

TEST(ExternalPayload, NameWithoutPrefixIsTheLocalName) {
    HANDLE h, again;
    ASSERT_EQ(create_named(kiln_test::test_name(u"kiln-plain").c_str(), &h), ERROR_SUCCESS);
    EXPECT_EQ(create_named(kiln_test::test_name(u"Local\\kiln-plain").c_str(), &again), ERROR_ALREADY_EXISTS);
    EXPECT_EQ(create_named(kiln_test::test_name(u"kiln-plain").c_str(), &again), ERROR_ALREADY_EXISTS);
    ASSERT_EQ(create_named(kiln_test::test_name(u"Global\\kiln-plain").c_str(), &again), ERROR_SUCCESS);
    EXPECT_TRUE(CloseHandle(again));
    EXPECT_TRUE(CloseHandle(h));

    // The other order: Local\ first, then the bare name.
    ASSERT_EQ(create_named(kiln_test::test_name(u"Local\\kiln-plain2").c_str(), &h), ERROR_SUCCESS);
    EXPECT_EQ(create_named(kiln_test::test_name(u"kiln-plain2").c_str(), &again), ERROR_ALREADY_EXISTS);
    EXPECT_TRUE(CloseHandle(h));
}

TEST(ExternalPayload, NamesAreCaseSensitive) {
    HANDLE upper, lower, again;
    ASSERT_EQ(create_named(kiln_test::test_name(u"Local\\A").c_str(), &upper), ERROR_SUCCESS);
    ASSERT_EQ(create_named(kiln_test::test_name(u"Local\\a").c_str(), &lower), ERROR_SUCCESS) << "Local\\A and Local\\a are different names";
    EXPECT_FALSE(CompareObjectHandles(upper, lower));
    EXPECT_EQ(create_named(kiln_test::test_name(u"Local\\A").c_str(), &again), ERROR_ALREADY_EXISTS);
    EXPECT_EQ(create_named(kiln_test::test_name(u"Local\\a").c_str(), &again), ERROR_ALREADY_EXISTS);
    EXPECT_TRUE(CloseHandle(upper));
    EXPECT_TRUE(CloseHandle(lower));
}

TEST(ExternalPayload, InvalidNamesFailWithInvalidParameter) {
    const char16_t* invalid[] = {u"",           u"Local\\",  u"Global\\",        u"Local\\a\\b",
                                 u"Global\\a\\b", u"a\\b",     u"\\",              u"\\a",
                                 u"Local\\\\",   u"Local\\a\\", u"Session\\1\\kiln"};
    for (const char16_t* name : invalid) {
        HANDLE h = kUntouched;
        EXPECT_EQ(create_named(name, &h), ERROR_INVALID_PARAMETER)
            << "name of " << std::char_traits<char16_t>::length(name) << " UTF-16 units";
        EXPECT_EQ(h, kUntouched);
    }
    // Names are UTF-16: units beyond ASCII are allowed and kept apart.
    HANDLE a, b;
    ASSERT_EQ(create_named(kiln_test::test_name(u"Local\\kiln-\u00e9t\u00e9-\u6f22").c_str(), &a), ERROR_SUCCESS);
    ASSERT_EQ(create_named(kiln_test::test_name(u"Local\\kiln-\u00c9t\u00e9-\u6f22").c_str(), &b), ERROR_SUCCESS);
    EXPECT_TRUE(CloseHandle(a));
    EXPECT_TRUE(CloseHandle(b));
}

TEST(ExternalPayload, NameCanBeCreatedAgainAfterTheLastHandleCloses) {
    HANDLE h, dup, again;
    ASSERT_EQ(create_named(kiln_test::test_name(u"Local\\kiln-reborn").c_str(), &h), ERROR_SUCCESS);
    ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &dup, 0, FALSE, DUPLICATE_SAME_ACCESS));
    EXPECT_TRUE(CloseHandle(h));
    // The duplicate keeps the object, and with it the name.
    EXPECT_EQ(create_named(kiln_test::test_name(u"Local\\kiln-reborn").c_str(), &again), ERROR_ALREADY_EXISTS);
    EXPECT_TRUE(CloseHandle(dup));
    // The name held no reference: it went with the object.
    ASSERT_EQ(create_named(kiln_test::test_name(u"Local\\kiln-reborn").c_str(), &again), ERROR_SUCCESS);
    EXPECT_TRUE(CloseHandle(again));
    for (int i = 0; i < 100; ++i) {
        ASSERT_EQ(create_named(kiln_test::test_name(u"kiln-reborn").c_str(), &again), ERROR_SUCCESS) << i;
        ASSERT_TRUE(CloseHandle(again));
    }
}

TEST(ExternalPayload, InheritFromSecurityAttributesSetsHandleFlagInherit) {
    SECURITY_ATTRIBUTES sa{};
    sa.nLength = sizeof sa;
    for (BOOL inherit : {TRUE, FALSE}) {
        sa.bInheritHandle = inherit;
        for (auto type : {kD3D11, kD3D12Heap, kD3D12Resource}) {
            HANDLE h = nullptr;
            ASSERT_EQ(kiln_create_external_payload(type, 4096, &sa, 0, nullptr, &h), ERROR_SUCCESS);
            DWORD flags = 0xffffffff;
            ASSERT_TRUE(GetHandleInformation(h, &flags));
            EXPECT_EQ(flags, inherit ? HANDLE_FLAG_INHERIT : 0u) << type;
            EXPECT_TRUE(CloseHandle(h));
        }
    }
    // KMT values are not handles: attributes are accepted and change nothing.
    sa.bInheritHandle = TRUE;
    HANDLE k = nullptr;
    EXPECT_EQ(kiln_create_external_payload(kD3D11Kmt, 4096, &sa, 0, nullptr, &k), ERROR_SUCCESS);
}

TEST(ExternalPayload, AccessZeroMeansReadAndWrite) {
    HANDLE h = nullptr, w = nullptr, r = nullptr;
    ASSERT_EQ(kiln_create_external_payload(kD3D12Resource, 4096, nullptr, 0, nullptr, &h), ERROR_SUCCESS);
    EXPECT_TRUE(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &w, GENERIC_WRITE, FALSE, 0));
    EXPECT_TRUE(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &r, GENERIC_READ, FALSE, 0));
    EXPECT_TRUE(CloseHandle(h));
    EXPECT_TRUE(CloseHandle(w));
    EXPECT_TRUE(CloseHandle(r));
}
