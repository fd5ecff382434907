// The handles vkGetMemoryWin32HandleKHR returns, and how long payloads live:
// - an NT (OPAQUE_WIN32) handle is new on every call, the application's, with the export's access
//   and inheritance; duplicates import like the original; an import does not take it;
// - a KMT value is the payload's global value, the same on every call, owned by nobody, valid while
//   any memory object or NT handle holds the payload.
#include <gtest/gtest.h>

#include <vector>

#include "external_test_util.h"

namespace kiln_test {
namespace {

constexpr VkDeviceSize kSize = 64 * 1024;

class ExternalMemoryWin32 : public ExternalMemoryTest {
 protected:
  Memory ExportNt(const VkExportMemoryWin32HandleInfoKHR* win32 = nullptr,
                  VkExternalMemoryHandleTypeFlags types = kOpaqueWin32) {
    return Export(types, kSize, hostVisible_, {win32});
  }
};

// "vkGetMemoryWin32HandleKHR with OPAQUE_WIN32 returns a new NT handle on every call" (a second call is
// invalid usage, VUID-VkMemoryGetWin32HandleInfoKHR-handleType-00663; Kiln returns a second handle
// to the same payload).
TEST_F(ExternalMemoryWin32, GetWin32HandleReturnsANewHandleToTheSamePayloadEachCall) {
  Memory memory = ExportNt();
  OwnedHandle first = GetNtHandle(memory);
  OwnedHandle second = GetNtHandle(memory);
  ASSERT_NE(first.get(), nullptr);
  ASSERT_NE(second.get(), nullptr);
  EXPECT_NE(first.get(), second.get());
  EXPECT_TRUE(CompareObjectHandles(first.get(), second.get()));
  // A handle to another payload is another object.
  Memory other = ExportNt();
  OwnedHandle third = GetNtHandle(other);
  EXPECT_FALSE(CompareObjectHandles(first.get(), third.get()));
}

// The NT handle belongs to the application: freeing the memory does not close it, CloseHandle does,
// exactly once.
TEST_F(ExternalMemoryWin32, ExportedNtHandleIsTheApplicationsAfterFree) {
  Memory memory = ExportNt();
  HANDLE h = nullptr;
  ASSERT_EQ(TryGetWin32Handle(memory, kOpaqueWin32, &h), VK_SUCCESS);
  memory.Reset();
  EXPECT_TRUE(is_live(h));
  EXPECT_TRUE(CloseHandle(h));
  EXPECT_FAILS_WITH(CloseHandle(h), ERROR_INVALID_HANDLE);
}

// dwAccess is the access of every NT handle the export returns: DuplicateHandle cannot raise it.
TEST_F(ExternalMemoryWin32, ExportAccessLimitsTheNtHandle) {
  auto win32 = Struct<VkExportMemoryWin32HandleInfoKHR>(VK_STRUCTURE_TYPE_EXPORT_MEMORY_WIN32_HANDLE_INFO_KHR);
  win32.dwAccess = DXGI_SHARED_RESOURCE_READ;
  Memory memory = ExportNt(&win32);
  OwnedHandle h = GetNtHandle(memory);
  HANDLE dup = nullptr;
  EXPECT_FAILS_WITH(
      DuplicateHandle(GetCurrentProcess(), h.get(), GetCurrentProcess(), &dup, DXGI_SHARED_RESOURCE_WRITE, FALSE, 0),
      ERROR_ACCESS_DENIED);
  EXPECT_FAILS_WITH(DuplicateHandle(GetCurrentProcess(), h.get(), GetCurrentProcess(), &dup,
                                    DXGI_SHARED_RESOURCE_READ | DXGI_SHARED_RESOURCE_WRITE, FALSE, 0),
                    ERROR_ACCESS_DENIED);
  ASSERT_TRUE(
      DuplicateHandle(GetCurrentProcess(), h.get(), GetCurrentProcess(), &dup, DXGI_SHARED_RESOURCE_READ, FALSE, 0));
  EXPECT_TRUE(CloseHandle(dup));
}

// Absent (or 0) dwAccess means DXGI_SHARED_RESOURCE_READ | DXGI_SHARED_RESOURCE_WRITE.
TEST_F(ExternalMemoryWin32, DefaultExportAccessIsReadAndWrite) {
  auto zero = Struct<VkExportMemoryWin32HandleInfoKHR>(VK_STRUCTURE_TYPE_EXPORT_MEMORY_WIN32_HANDLE_INFO_KHR);
  zero.dwAccess = 0;
  for (const VkExportMemoryWin32HandleInfoKHR* win32 :
       {static_cast<VkExportMemoryWin32HandleInfoKHR*>(nullptr), &zero}) {
    SCOPED_TRACE(win32 ? "dwAccess 0" : "no VkExportMemoryWin32HandleInfoKHR");
    Memory memory = ExportNt(win32);
    OwnedHandle h = GetNtHandle(memory);
    HANDLE dup = nullptr;
    ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), h.get(), GetCurrentProcess(), &dup, kReadWrite, FALSE, 0));
    EXPECT_TRUE(CloseHandle(dup));
  }
}

// pAttributes->bInheritHandle makes the exported handles inheritable; NULL attributes do not.
TEST_F(ExternalMemoryWin32, InheritableAttributesMakeInheritableHandles) {
  SECURITY_ATTRIBUTES inherit{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
  SECURITY_ATTRIBUTES noInherit{sizeof(SECURITY_ATTRIBUTES), nullptr, FALSE};
  struct Case {
    const char* what;
    const SECURITY_ATTRIBUTES* attributes;
    DWORD flags;
  };
  for (const Case& c : {Case{"bInheritHandle TRUE", &inherit, HANDLE_FLAG_INHERIT},
                        Case{"bInheritHandle FALSE", &noInherit, 0}, Case{"pAttributes NULL", nullptr, 0}}) {
    SCOPED_TRACE(c.what);
    auto win32 = Struct<VkExportMemoryWin32HandleInfoKHR>(VK_STRUCTURE_TYPE_EXPORT_MEMORY_WIN32_HANDLE_INFO_KHR);
    win32.pAttributes = c.attributes;
    Memory memory = ExportNt(&win32);
    OwnedHandle h = GetNtHandle(memory);  // once: VUID-VkMemoryGetWin32HandleInfoKHR-handleType-00663
    DWORD flags = 0xffffffffu;
    ASSERT_TRUE(GetHandleInformation(h.get(), &flags));
    EXPECT_EQ(flags & HANDLE_FLAG_INHERIT, c.flags);
  }
}

// A duplicate (DuplicateHandle into this process) imports like the original.
TEST_F(ExternalMemoryWin32, DuplicatedNtHandleImports) {
  Memory memory = ExportNt();
  OwnedHandle h = GetNtHandle(memory);
  HANDLE dup = nullptr;
  ASSERT_TRUE(
      DuplicateHandle(GetCurrentProcess(), h.get(), GetCurrentProcess(), &dup, 0, FALSE, DUPLICATE_SAME_ACCESS));
  OwnedHandle ownedDup(dup);
  h.reset();  // the duplicate alone holds the payload's handle now
  Memory import = ImportWin32(kOpaqueWin32, dup, nullptr, kSize, hostVisible_);
  ExpectSameBytesThroughMappings(memory, import, 400);
}

// VkImportMemoryWin32HandleInfoKHR does not take ownership: the handle stays live through the
// import and after the import is freed, and CloseHandle succeeds exactly once.
TEST_F(ExternalMemoryWin32, ImportDoesNotTakeOwnershipOfTheHandle) {
  Memory memory = ExportNt();
  HANDLE h = nullptr;
  ASSERT_EQ(TryGetWin32Handle(memory, kOpaqueWin32, &h), VK_SUCCESS);
  {
    Memory import = ImportWin32(kOpaqueWin32, h, nullptr, kSize, hostVisible_);
    EXPECT_TRUE(is_live(h));
  }
  EXPECT_TRUE(is_live(h));
  EXPECT_TRUE(CloseHandle(h));
  EXPECT_FAILS_WITH(CloseHandle(h), ERROR_INVALID_HANDLE);
}

// The KMT value is the payload's, the same on every call, and not an NT handle of this process.
TEST_F(ExternalMemoryWin32, KmtValueIsTheSameOnEveryCall) {
  Memory memory = Export(kOpaqueWin32Kmt, kSize, hostVisible_);
  const HANDLE first = GetKmtHandle(memory);
  const HANDLE second = GetKmtHandle(memory);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first, second);
  DWORD flags;
  EXPECT_FALSE(GetHandleInformation(first, &flags)) << "a KMT value is owned by nobody, not a handle";
  // Another payload has another value.
  Memory other = Export(kOpaqueWin32Kmt, kSize, hostVisible_);
  EXPECT_NE(GetKmtHandle(other), first);
  Memory import = ImportWin32(kOpaqueWin32Kmt, first, nullptr, kSize, hostVisible_);
  ExpectSameBytesThroughMappings(memory, import, 410);
}

// One allocation exported as both NT and KMT: both name one payload.
TEST_F(ExternalMemoryWin32, NtHandleAndKmtValueOfOneExportNameOnePayload) {
  Memory memory = Export(kOpaqueWin32 | kOpaqueWin32Kmt, kSize, hostVisible_);
  OwnedHandle nt = GetNtHandle(memory);
  const HANDLE kmt = GetKmtHandle(memory);
  Memory byNt = ImportWin32(kOpaqueWin32, nt.get(), nullptr, kSize, hostVisible_);
  Memory byKmt = ImportWin32(kOpaqueWin32Kmt, kmt, nullptr, kSize, hostVisible_);
  ExpectSameBytesThroughMappings(byNt, byKmt, 420);
}

// ---------------------------------------------------------------------------------------------
// Lifetime.

// An NT handle holds a reference: the payload and its bytes outlive the exporter.
TEST_F(ExternalMemoryWin32, NtHandleKeepsPayloadAliveAfterFree) {
  Memory memory = ExportNt();
  const std::vector<uint8_t> bytes = RandomBytes(kSize, 430);
  std::memcpy(memory.Map(), bytes.data(), kSize);
  OwnedHandle h = GetNtHandle(memory);
  memory.Reset();
  Memory import = ImportWin32(kOpaqueWin32, h.get(), nullptr, kSize, hostVisible_);
  EXPECT_TRUE(BytesEqual(import.Map(), bytes.data(), kSize));
  import.Unmap();
  // Through the queue as well.
  Memory second = ImportWin32(kOpaqueWin32, h.get(), nullptr, kSize, hostVisible_);
  std::unique_ptr<Resource> buffer = Resource::Buffer(device(), kOpaqueWin32);
  buffer->Bind(second.get());
  EXPECT_TRUE(BytesEqual(ReadThroughQueue(*buffer), bytes));
}

// An NT import holds a reference too: the payload outlives the exporter and every NT handle.
TEST_F(ExternalMemoryWin32, NtImportKeepsPayloadAliveAfterExporterAndHandleGo) {
  Memory memory = ExportNt();
  const std::vector<uint8_t> bytes = RandomBytes(kSize, 440);
  std::memcpy(memory.Map(), bytes.data(), kSize);
  OwnedHandle h = GetNtHandle(memory);
  Memory import = ImportWin32(kOpaqueWin32, h.get(), nullptr, kSize, hostVisible_);
  memory.Reset();
  h.reset();
  EXPECT_TRUE(BytesEqual(import.Map(), bytes.data(), kSize));
}

// A KMT value holds nothing: valid while a memory object (the exporter or an import) holds the
// payload, VK_ERROR_INVALID_EXTERNAL_HANDLE once none does.
TEST_F(ExternalMemoryWin32, KmtValueIsInvalidOnceEveryMemoryObjectIsFreed) {
  Memory memory = Export(kOpaqueWin32Kmt, kSize, hostVisible_);
  const std::vector<uint8_t> bytes = RandomBytes(kSize, 450);
  std::memcpy(memory.Map(), bytes.data(), kSize);
  const HANDLE kmt = GetKmtHandle(memory);
  Memory first = ImportWin32(kOpaqueWin32Kmt, kmt, nullptr, kSize, hostVisible_);
  memory.Reset();
  // The import holds the payload: the value is still good, and so are the bytes.
  Memory second;
  ASSERT_EQ(TryImportWin32(kOpaqueWin32Kmt, kmt, nullptr, kSize, hostVisible_, &second), VK_SUCCESS);
  EXPECT_TRUE(BytesEqual(second.Map(), bytes.data(), kSize));
  second.Reset();
  first.Reset();
  const int fds = OpenFdCount();
  Memory gone;
  EXPECT_EQ(TryImportWin32(kOpaqueWin32Kmt, kmt, nullptr, kSize, hostVisible_, &gone),
            VK_ERROR_INVALID_EXTERNAL_HANDLE);
  EXPECT_NO_FD_LEAK(fds);
}

// An NT handle holds the payload for its KMT value too.
TEST_F(ExternalMemoryWin32, KmtValueStaysValidWhileAnNtHandleHoldsThePayload) {
  Memory memory = Export(kOpaqueWin32 | kOpaqueWin32Kmt, kSize, hostVisible_);
  OwnedHandle nt = GetNtHandle(memory);
  const HANDLE kmt = GetKmtHandle(memory);
  memory.Reset();
  Memory byKmt;
  EXPECT_EQ(TryImportWin32(kOpaqueWin32Kmt, kmt, nullptr, kSize, hostVisible_, &byKmt), VK_SUCCESS);
  byKmt.Reset();
  nt.reset();
  EXPECT_EQ(TryImportWin32(kOpaqueWin32Kmt, kmt, nullptr, kSize, hostVisible_, &byKmt),
            VK_ERROR_INVALID_EXTERNAL_HANDLE);
}

}  // namespace
}  // namespace kiln_test
