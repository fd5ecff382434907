// The NV family: VkExternalMemoryImageCreateInfoNV images, VkExportMemoryAllocateInfoNV +
// VkExportMemoryWin32HandleInfoNV, vkGetMemoryWin32HandleNV and VkImportMemoryWin32HandleInfoNV.
//
// Ownership differs from KHR, and Kiln follows the NV appendix: a successful NV import of an NT
// handle makes Kiln its owner (Kiln closes it when the memory is freed); a failed one leaves it the
// application's; KMT values are owned by nobody.
#include <gtest/gtest.h>

#include "external_test_util.h"

namespace kiln_test {
namespace {

constexpr VkExternalMemoryHandleTypeFlagBitsNV kNtNV = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_BIT_NV;
constexpr VkExternalMemoryHandleTypeFlagBitsNV kKmtNV = VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_KMT_BIT_NV;
constexpr VkExternalMemoryHandleTypeFlagBitsNV kD3D11ImageNV = VK_EXTERNAL_MEMORY_HANDLE_TYPE_D3D11_IMAGE_BIT_NV;

class ExternalMemoryNV : public ExternalMemoryTest {
 protected:
  std::unique_ptr<Resource> MakeImage(VkExternalMemoryHandleTypeFlagsNV types) {
    return Resource::Image(device(), types, DefaultImageInfo(), /*nv=*/true);
  }

  // Memory for `image` exported the NV way, with `win32` (VkExportMemoryWin32HandleInfoNV) if given.
  VkResult TryExportNV(const Resource& image, VkExternalMemoryHandleTypeFlagsNV types, uint32_t memoryType, Memory* out,
                       const VkExportMemoryWin32HandleInfoNV* win32 = nullptr) {
    auto exportInfo = Struct<VkExportMemoryAllocateInfoNV>(VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO_NV);
    exportInfo.handleTypes = types;
    return TryAllocate(device(), image.requirements().size, memoryType, ChainAfter(&exportInfo, {win32}), out);
  }
  Memory ExportNV(const Resource& image, VkExternalMemoryHandleTypeFlagsNV types, uint32_t memoryType,
                  const VkExportMemoryWin32HandleInfoNV* win32 = nullptr) {
    Memory memory;
    KT_CHECK(TryExportNV(image, types, memoryType, &memory, win32));
    return memory;
  }

  VkResult TryGetHandleNV(const Memory& memory, VkExternalMemoryHandleTypeFlagsNV type, HANDLE* out) {
    return fn_.getWin32HandleNV(vk(), memory.get(), type, out);
  }
  HANDLE GetHandleNV(const Memory& memory, VkExternalMemoryHandleTypeFlagsNV type) {
    HANDLE h = nullptr;
    KT_CHECK(TryGetHandleNV(memory, type, &h));
    return h;
  }

  VkResult TryImportNV(VkExternalMemoryHandleTypeFlagsNV type, HANDLE h, VkDeviceSize size, uint32_t memoryType,
                       Memory* out, const std::vector<const void*>& extra = {}) {
    auto import = Struct<VkImportMemoryWin32HandleInfoNV>(VK_STRUCTURE_TYPE_IMPORT_MEMORY_WIN32_HANDLE_INFO_NV);
    import.handleType = type;
    import.handle = h;
    return TryAllocate(device(), size, memoryType, ChainAfter(&import, extra), out);
  }
};

// vkGetMemoryWin32HandleNV(OPAQUE_WIN32_NV) returns a new NT handle on every call, to one payload,
// which an NV import maps.
TEST_F(ExternalMemoryNV, NtExportReturnsANewHandleEachCallAndImports) {
  std::unique_ptr<Resource> a = MakeImage(kNtNV);
  std::unique_ptr<Resource> b = MakeImage(kNtNV);
  auto win32 = Struct<VkExportMemoryWin32HandleInfoNV>(VK_STRUCTURE_TYPE_EXPORT_MEMORY_WIN32_HANDLE_INFO_NV);
  win32.pAttributes = nullptr;
  win32.dwAccess = 0;
  Memory memory = ExportNV(*a, kNtNV, hostVisible_, &win32);
  a->Bind(memory.get());
  HANDLE first = GetHandleNV(memory, kNtNV);
  OwnedHandle second(GetHandleNV(memory, kNtNV));
  ASSERT_NE(first, nullptr);
  EXPECT_NE(first, second.get());
  EXPECT_TRUE(CompareObjectHandles(first, second.get()));

  Memory import;
  ASSERT_EQ(TryImportNV(kNtNV, first, a->requirements().size, hostVisible_, &import), VK_SUCCESS);
  b->Bind(import.get());
  ExpectSameBytesThroughMappings(memory, import, 500);
  ExpectSameBytesThroughQueues(*a, *b, 510);
}

// After a successful NV import of an NT handle, Kiln owns the handle: it is live while the memory
// is, and closed when the memory is freed. The other handle stays the application's.
TEST_F(ExternalMemoryNV, NtImportOwnsTheHandleUntilTheMemoryIsFreed) {
  std::unique_ptr<Resource> a = MakeImage(kNtNV);
  Memory memory = ExportNV(*a, kNtNV, deviceOnly_);
  HANDLE taken = GetHandleNV(memory, kNtNV);
  OwnedHandle kept(GetHandleNV(memory, kNtNV));
  Memory import;
  ASSERT_EQ(TryImportNV(kNtNV, taken, a->requirements().size, deviceOnly_, &import), VK_SUCCESS);
  EXPECT_TRUE(is_live(taken));
  import.Reset();
  EXPECT_FALSE(is_live(taken)) << "Kiln owns an NV-imported NT handle and closes it with the memory";
  EXPECT_TRUE(is_live(kept.get()));
  // The application's other handle still imports (and is then Kiln's).
  Memory again;
  ASSERT_EQ(TryImportNV(kNtNV, kept.release(), a->requirements().size, deviceOnly_, &again), VK_SUCCESS);
}

// A failed NV import leaves the handle the application's.
TEST_F(ExternalMemoryNV, FailedNtImportLeavesTheHandleToTheApplication) {
  std::unique_ptr<Resource> a = MakeImage(kNtNV);
  Memory memory = ExportNV(*a, kNtNV, hostVisible_);
  HANDLE h = GetHandleNV(memory, kNtNV);
  const int fds = OpenFdCount();
  Memory import;
  EXPECT_EQ(TryImportNV(kNtNV, h, a->requirements().size * 2, hostVisible_, &import), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  EXPECT_EQ(TryImportNV(kKmtNV, h, a->requirements().size, hostVisible_, &import), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  EXPECT_NO_FD_LEAK(fds);
  EXPECT_TRUE(is_live(h));
  EXPECT_TRUE(CloseHandle(h));
}

// vkGetMemoryWin32HandleNV(OPAQUE_WIN32_KMT_NV) returns the payload's global value on every call;
// importing it takes nothing from anybody.
TEST_F(ExternalMemoryNV, KmtExportReturnsTheSameValueEachCallAndImports) {
  std::unique_ptr<Resource> a = MakeImage(kKmtNV);
  std::unique_ptr<Resource> b = MakeImage(kKmtNV);
  Memory memory = ExportNV(*a, kKmtNV, hostVisible_);
  a->Bind(memory.get());
  const HANDLE first = GetHandleNV(memory, kKmtNV);
  const HANDLE second = GetHandleNV(memory, kKmtNV);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first, second);
  Memory import;
  ASSERT_EQ(TryImportNV(kKmtNV, first, a->requirements().size, hostVisible_, &import), VK_SUCCESS);
  b->Bind(import.get());
  ExpectSameBytesThroughMappings(memory, import, 520);
  ExpectSameBytesThroughQueues(*b, *a, 530);
  import.Reset();
  // Still the exporter's value, importable again.
  EXPECT_EQ(GetHandleNV(memory, kKmtNV), first);
  EXPECT_EQ(TryImportNV(kKmtNV, first, a->requirements().size, hostVisible_, &import), VK_SUCCESS);
}

// VkExportMemoryWin32HandleInfoNV::dwAccess limits the handles; absent, they read and write.
TEST_F(ExternalMemoryNV, ExportAccessIsHonoured) {
  std::unique_ptr<Resource> a = MakeImage(kNtNV);
  auto readOnly = Struct<VkExportMemoryWin32HandleInfoNV>(VK_STRUCTURE_TYPE_EXPORT_MEMORY_WIN32_HANDLE_INFO_NV);
  readOnly.dwAccess = DXGI_SHARED_RESOURCE_READ;
  Memory limited = ExportNV(*a, kNtNV, hostVisible_, &readOnly);
  OwnedHandle h(GetHandleNV(limited, kNtNV));
  HANDLE dup = nullptr;
  EXPECT_FAILS_WITH(
      DuplicateHandle(GetCurrentProcess(), h.get(), GetCurrentProcess(), &dup, DXGI_SHARED_RESOURCE_WRITE, FALSE, 0),
      ERROR_ACCESS_DENIED);

  Memory open = ExportNV(*a, kNtNV, hostVisible_);
  OwnedHandle rw(GetHandleNV(open, kNtNV));
  ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), rw.get(), GetCurrentProcess(), &dup, kReadWrite, FALSE, 0));
  EXPECT_TRUE(CloseHandle(dup));
}

// A D3D11 texture imported the NV way (D3D11_IMAGE_NV, dedicated): Kiln owns the handle after.
TEST_F(ExternalMemoryNV, D3D11ImageImportOwnsTheHandle) {
  std::unique_ptr<Resource> a = MakeImage(kD3D11ImageNV);
  std::unique_ptr<Resource> b = MakeImage(kD3D11ImageNV);
  HANDLE first = nullptr;
  HANDLE second = nullptr;
  ASSERT_EQ(kiln_create_external_payload(kD3D11Texture, a->requirements().size, nullptr, 0, nullptr, &first),
            ERROR_SUCCESS);
  ASSERT_TRUE(
      DuplicateHandle(GetCurrentProcess(), first, GetCurrentProcess(), &second, 0, FALSE, DUPLICATE_SAME_ACCESS));
  Memory ma;
  Memory mb;
  ASSERT_EQ(TryImportNV(kD3D11ImageNV, first, a->requirements().size, deviceOnly_, &ma, {a->DedicatedInfo()}),
            VK_SUCCESS);
  ASSERT_EQ(TryImportNV(kD3D11ImageNV, second, b->requirements().size, hostVisible_, &mb, {b->DedicatedInfo()}),
            VK_SUCCESS);
  a->Bind(ma.get());
  b->Bind(mb.get());
  ExpectSameBytesThroughQueues(*a, *b, 540);
  ma.Reset();
  mb.Reset();
  EXPECT_FALSE(is_live(first));
  EXPECT_FALSE(is_live(second));
}

// VUID-VkMemoryAllocateInfo-pNext-00640: KHR and NV export structures together.
TEST_F(ExternalMemoryNV, KhrAndNvExportStructuresTogetherAreInvalid) {
  std::unique_ptr<Resource> a = MakeImage(kNtNV);
  auto khr = Struct<VkExportMemoryAllocateInfo>(VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO);
  khr.handleTypes = kOpaqueWin32;
  auto nv = Struct<VkExportMemoryAllocateInfoNV>(VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO_NV);
  nv.handleTypes = kNtNV;
  auto khrWin32 = Struct<VkExportMemoryWin32HandleInfoKHR>(VK_STRUCTURE_TYPE_EXPORT_MEMORY_WIN32_HANDLE_INFO_KHR);
  auto nvWin32 = Struct<VkExportMemoryWin32HandleInfoNV>(VK_STRUCTURE_TYPE_EXPORT_MEMORY_WIN32_HANDLE_INFO_NV);
  const int fds = OpenFdCount();
  Memory memory;
  EXPECT_EQ(TryAllocate(device(), a->requirements().size, hostVisible_, Chain({&khr, &nv}), &memory),
            VK_ERROR_INVALID_EXTERNAL_HANDLE);
  EXPECT_EQ(TryAllocate(device(), a->requirements().size, hostVisible_, Chain({&nv, &khr}), &memory),
            VK_ERROR_INVALID_EXTERNAL_HANDLE);
  EXPECT_EQ(
      TryAllocate(device(), a->requirements().size, hostVisible_, Chain({&khr, &khrWin32, &nv, &nvWin32}), &memory),
      VK_ERROR_INVALID_EXTERNAL_HANDLE);
  EXPECT_NO_FD_LEAK(fds);
}

// vkGetMemoryWin32HandleNV for a type the memory was not exported with
// (VUID-vkGetMemoryWin32HandleNV-handleType-01326).
TEST_F(ExternalMemoryNV, GetHandleOfATypeNotExportedIsInvalid) {
  std::unique_ptr<Resource> a = MakeImage(kNtNV);
  Memory memory = ExportNV(*a, kNtNV, hostVisible_);
  const int fds = OpenFdCount();
  HANDLE h = nullptr;
  EXPECT_EQ(TryGetHandleNV(memory, kKmtNV, &h), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  EXPECT_EQ(TryGetHandleNV(memory, kD3D11ImageNV, &h), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  Memory plain = Allocate(device(), a->requirements().size, hostVisible_);
  EXPECT_EQ(TryGetHandleNV(plain, kNtNV, &h), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  EXPECT_NO_FD_LEAK(fds);
}

// vkGetMemoryWin32HandleNV takes one bit (VUID-vkGetMemoryWin32HandleNV-handleType-requiredbitmask
// and the single-bit rule of its handleType): 0 or two bits is refused, even when both are exported.
TEST_F(ExternalMemoryNV, GetHandleOfNoTypeOrSeveralTypesIsInvalid) {
  std::unique_ptr<Resource> a = MakeImage(kNtNV | kKmtNV);
  Memory memory = ExportNV(*a, kNtNV | kKmtNV, hostVisible_);
  HANDLE h = nullptr;
  EXPECT_EQ(TryGetHandleNV(memory, 0, &h), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  EXPECT_EQ(TryGetHandleNV(memory, kNtNV | kKmtNV, &h), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  EXPECT_EQ(h, nullptr);
}

// VUID-VkImportMemoryWin32HandleInfoNV-handleType-01327: one type, not a set.
TEST_F(ExternalMemoryNV, ImportOfSeveralTypesAtOnceIsInvalid) {
  std::unique_ptr<Resource> a = MakeImage(kNtNV | kKmtNV);
  Memory memory = ExportNV(*a, kNtNV | kKmtNV, hostVisible_);
  HANDLE h = GetHandleNV(memory, kNtNV);
  Memory import;
  EXPECT_EQ(TryImportNV(kNtNV | kKmtNV, h, a->requirements().size, hostVisible_, &import),
            VK_ERROR_INVALID_EXTERNAL_HANDLE);
  EXPECT_TRUE(is_live(h)) << "a failed import leaves the handle the application's";
  EXPECT_TRUE(CloseHandle(h));
}

}  // namespace
}  // namespace kiln_test
