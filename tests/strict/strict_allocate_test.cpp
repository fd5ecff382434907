// Strict mode and vkAllocateMemory: each rule of the win32 export and import structs, broken alone,
// is reported once with its VUID and fails with VK_ERROR_INVALID_EXTERNAL_HANDLE; a failed import
// leaves the application's handle (or fd) open, and the handles the tests export are closed.
#include <gtest/gtest.h>

#include "strict_fixture.h"

namespace kiln_test {
namespace {

constexpr VkResult kInvalidHandle = VK_ERROR_INVALID_EXTERNAL_HANDLE;

// A second NT handle to the same object, as an application would pass to a second import.
OwnedHandle Duplicate(HANDLE h) {
  HANDLE copy = nullptr;
  if (!DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &copy, 0, FALSE, DUPLICATE_SAME_ACCESS))
    Fail("DuplicateHandle failed");
  return OwnedHandle(copy);
}

// A D3D runtime's shared resource (Kiln's stand-in): an NT handle the test owns.
OwnedHandle D3DPayload(VkExternalMemoryHandleTypeFlagBits type, VkDeviceSize size) {
  return OwnedHandle(CreateD3DPayload(type, size));
}

// ---- Which structs one chain may hold.

TEST_F(Strict, KhrAndNvExportStructsTogetherBreak00640) {
  // VkExportMemoryAllocateInfo with VkExportMemoryAllocateInfoNV ...
  auto khr = Struct<VkExportMemoryAllocateInfo>(VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO);
  khr.handleTypes = kOpaqueWin32;
  auto nv = Struct<VkExportMemoryAllocateInfoNV>(VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO_NV);
  nv.handleTypes = kNtNV;
  Memory memory;
  EXPECT_EQ(TryAllocate(device(), kSize, hostVisible(), Chain({&khr, &nv}), &memory), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkMemoryAllocateInfo-pNext-00640"));

  // ... and with VkExportMemoryWin32HandleInfoNV.
  Forget();
  auto win32NV = Struct<VkExportMemoryWin32HandleInfoNV>(VK_STRUCTURE_TYPE_EXPORT_MEMORY_WIN32_HANDLE_INFO_NV);
  EXPECT_EQ(TryAllocate(device(), kSize, hostVisible(), Chain({&khr, &win32NV}), &memory), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkMemoryAllocateInfo-pNext-00640"));
}

TEST_F(Strict, KhrAndNvImportStructsTogetherBreak00641) {
  Memory exporter = Export(kOpaqueWin32);
  OwnedHandle handle = NtHandle(exporter);
  OwnedHandle copy = Duplicate(handle.get());
  auto nv = Struct<VkImportMemoryWin32HandleInfoNV>(VK_STRUCTURE_TYPE_IMPORT_MEMORY_WIN32_HANDLE_INFO_NV);
  nv.handleType = kNtNV;
  nv.handle = copy.get();
  EXPECT_EQ(TryImport(kOpaqueWin32, handle.get(), nullptr, {&nv}), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkMemoryAllocateInfo-pNext-00641"));
  EXPECT_TRUE(is_live(handle.get()));
  EXPECT_TRUE(is_live(copy.get())) << "a failed NV import leaves the handle the application's";
}

TEST_F(Strict, TwoImportOperationsBreakNone06657) {
  Memory exporter = Export(kOpaqueWin32 | kOpaqueFd);
  OwnedHandle handle = NtHandle(exporter);
  OwnedFd fd = Fd(exporter);
  auto fdImport = Struct<VkImportMemoryFdInfoKHR>(VK_STRUCTURE_TYPE_IMPORT_MEMORY_FD_INFO_KHR);
  fdImport.handleType = kOpaqueFd;
  fdImport.fd = fd.get();
  const int fds = OpenFdCount();
  EXPECT_EQ(TryImport(kOpaqueWin32, handle.get(), nullptr, {&fdImport}), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkMemoryAllocateInfo-None-06657"));
  EXPECT_TRUE(FdIsOpen(fd.get())) << "a failed import leaves the fd the application's";
  EXPECT_NO_FD_LEAK(fds);
  EXPECT_TRUE(is_live(handle.get()));
}

// ---- The -parameter rules of the export and import structs.

TEST_F(Strict, ExportTypesWithUndefinedBitsBreakHandleTypesParameter) {
  Memory memory;
  EXPECT_EQ(TryExport(kUndefinedBit, &memory), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkExportMemoryAllocateInfo-handleTypes-parameter"));
}

TEST_F(Strict, NvExportTypesWithUndefinedBitsBreakHandleTypesParameter) {
  Memory memory;
  EXPECT_EQ(TryExportNV(kUndefinedNVBit, &memory), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkExportMemoryAllocateInfoNV-handleTypes-parameter"));
}

TEST_F(Strict, ImportTypeThatIsNotOneDefinedTypeBreaksHandleTypeParameter) {
  Memory exporter = Export(kOpaqueWin32);
  OwnedHandle handle = NtHandle(exporter);
  // Two bits ...
  EXPECT_EQ(TryImport(VkExternalMemoryHandleTypeFlagBits(kOpaqueWin32 | kOpaqueWin32Kmt), handle.get(), nullptr),
            kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkImportMemoryWin32HandleInfoKHR-handleType-parameter"));
  // ... or a bit no type defines.
  Forget();
  EXPECT_EQ(TryImport(VkExternalMemoryHandleTypeFlagBits(kUndefinedBit), handle.get(), nullptr), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkImportMemoryWin32HandleInfoKHR-handleType-parameter"));
  EXPECT_TRUE(is_live(handle.get()));
}

TEST_F(Strict, NvImportTypeWithUndefinedBitsBreaksHandleTypeParameter) {
  Memory exporter = ExportNV(kNtNV);
  OwnedHandle handle = NtHandleNV(exporter);
  EXPECT_EQ(TryImportNV(kUndefinedNVBit, handle.get()), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkImportMemoryWin32HandleInfoNV-handleType-parameter"));
  EXPECT_TRUE(is_live(handle.get()));
}

TEST_F(Strict, NvImportOfTwoTypesBreaks01327) {
  Memory exporter = ExportNV(kNtNV);
  OwnedHandle handle = NtHandleNV(exporter);
  EXPECT_EQ(TryImportNV(kNtNV | kKmtNV, handle.get()), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkImportMemoryWin32HandleInfoNV-handleType-01327"));
  EXPECT_TRUE(is_live(handle.get()));
}

// ---- Exports.

TEST_F(Strict, ExportOfATypeKilnCannotExportBreaks00656) {
  Memory memory;
  EXPECT_EQ(TryExport(kD3D12Heap, &memory), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkExportMemoryAllocateInfo-handleTypes-00656"));
}

TEST_F(Strict, Win32ExportInfoWithoutOpaqueWin32Breaks00657) {
  auto win32 = Struct<VkExportMemoryWin32HandleInfoKHR>(VK_STRUCTURE_TYPE_EXPORT_MEMORY_WIN32_HANDLE_INFO_KHR);
  Memory memory;
  EXPECT_EQ(TryExport(kOpaqueWin32Kmt, &memory, {&win32}), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkExportMemoryWin32HandleInfoKHR-handleTypes-00657"));
}

TEST_F(Strict, SecurityAttributesOfTheWrongLengthBreakPAttributesParameter) {
  SECURITY_ATTRIBUTES attributes{};
  attributes.nLength = 0;
  auto win32 = Struct<VkExportMemoryWin32HandleInfoKHR>(VK_STRUCTURE_TYPE_EXPORT_MEMORY_WIN32_HANDLE_INFO_KHR);
  win32.pAttributes = &attributes;
  Memory memory;
  EXPECT_EQ(TryExport(kOpaqueWin32, &memory, {&win32}), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkExportMemoryWin32HandleInfoKHR-pAttributes-parameter"));
}

TEST_F(Strict, NvSecurityAttributesOfTheWrongLengthBreakPAttributesParameter) {
  SECURITY_ATTRIBUTES attributes{};
  attributes.nLength = 3;
  auto win32 = Struct<VkExportMemoryWin32HandleInfoNV>(VK_STRUCTURE_TYPE_EXPORT_MEMORY_WIN32_HANDLE_INFO_NV);
  win32.pAttributes = &attributes;
  Memory memory;
  EXPECT_EQ(TryExportNV(kNtNV, &memory, {&win32}), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkExportMemoryWin32HandleInfoNV-pAttributes-parameter"));
}

// ---- Imports: the request.

TEST_F(Strict, Win32ImportOfAnFdTypeBreaks00660) {
  Memory exporter = Export(kOpaqueWin32);
  OwnedHandle handle = NtHandle(exporter);
  EXPECT_EQ(TryImport(kOpaqueFd, handle.get(), nullptr), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkImportMemoryWin32HandleInfoKHR-handleType-00660"));
  EXPECT_TRUE(is_live(handle.get()));
}

TEST_F(Strict, D3D11TextureImportDedicatedToABufferBreaks00658) {
  std::unique_ptr<Resource> buffer = Resource::Buffer(device(), 0);
  OwnedHandle texture = D3DPayload(kD3D11Texture, kSize);
  EXPECT_EQ(TryImport(kD3D11Texture, texture.get(), nullptr, {buffer->DedicatedInfo()}), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkImportMemoryWin32HandleInfoKHR-handleType-00658"));
  EXPECT_TRUE(is_live(texture.get()));
}

TEST_F(Strict, ImportWithAnOpaqueCaptureAddressBreaks03333) {
  Memory exporter = Export(kOpaqueWin32);
  OwnedHandle handle = NtHandle(exporter);
  auto capture =
      Struct<VkMemoryOpaqueCaptureAddressAllocateInfo>(VK_STRUCTURE_TYPE_MEMORY_OPAQUE_CAPTURE_ADDRESS_ALLOCATE_INFO);
  capture.opaqueCaptureAddress = 0x10000;
  EXPECT_EQ(TryImport(kOpaqueWin32, handle.get(), nullptr, {&capture}), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkMemoryAllocateInfo-opaqueCaptureAddress-03333"));
  EXPECT_TRUE(is_live(handle.get()));
}

TEST_F(Strict, ImportWithAnotherDeviceMaskBreaksNone00643) {
  Memory exporter = Export(kOpaqueWin32);
  OwnedHandle handle = NtHandle(exporter);
  auto flags = Struct<VkMemoryAllocateFlagsInfo>(VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_FLAGS_INFO);
  flags.flags = VK_MEMORY_ALLOCATE_DEVICE_MASK_BIT;
  flags.deviceMask = 0x2;
  EXPECT_EQ(TryImport(kOpaqueWin32, handle.get(), nullptr, {&flags}), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkMemoryAllocateInfo-None-00643"));
  EXPECT_TRUE(is_live(handle.get()));
}

// ---- Imports: the handle or name.

TEST_F(Strict, ImportOfAClosedOrNeverIssuedHandleBreaks00661) {
  Memory exporter = Export(kOpaqueWin32);
  HANDLE closed = NtHandle(exporter).release();
  ASSERT_TRUE(CloseHandle(closed));
  EXPECT_EQ(TryImport(kOpaqueWin32, closed, nullptr), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkImportMemoryWin32HandleInfoKHR-handleType-00661"));

  Forget();
  const HANDLE neverIssued = reinterpret_cast<HANDLE>(uintptr_t(0x7ffffff0));
  ASSERT_FALSE(is_live(neverIssued));
  EXPECT_EQ(TryImport(kOpaqueWin32, neverIssued, nullptr), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkImportMemoryWin32HandleInfoKHR-handleType-00661"));
}

TEST_F(Strict, ImportByANameNothingWasExportedUnderBreaks01440) {
  const std::u16string name = test_name(u"Local\\kiln-strict-never-exported");
  const int fds = OpenFdCount();
  EXPECT_EQ(TryImport(kOpaqueWin32, nullptr, name.c_str()), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkImportMemoryWin32HandleInfoKHR-handleType-01440"));
  EXPECT_NO_FD_LEAK(fds);
}

TEST_F(Strict, NvImportOfAClosedHandleBreaks01328) {
  Memory exporter = ExportNV(kNtNV);
  HANDLE closed = NtHandleNV(exporter).release();
  ASSERT_TRUE(CloseHandle(closed));
  EXPECT_EQ(TryImportNV(kNtNV, closed), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkImportMemoryWin32HandleInfoNV-handle-01328"));
}

// ---- Imports: the payload against the allocation.

TEST_F(Strict, D3D12HeapImportOfAnotherSizeBreaks00647) {
  OwnedHandle heap = D3DPayload(kD3D12Heap, kSize);
  EXPECT_EQ(TryImport(kD3D12Heap, heap.get(), nullptr, {}, kSize + 4096), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkMemoryAllocateInfo-allocationSize-00647"));
  EXPECT_TRUE(is_live(heap.get()));
}

TEST_F(Strict, OpaqueImportOfAnotherSizeBreaks01743) {
  Memory exporter = Export(kOpaqueWin32);
  OwnedHandle handle = NtHandle(exporter);
  EXPECT_EQ(TryImport(kOpaqueWin32, handle.get(), nullptr, {}, 2 * kSize), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkMemoryAllocateInfo-allocationSize-01743"));
  EXPECT_TRUE(is_live(handle.get()));
}

TEST_F(Strict, ImportDedicatedToAnImageUnlikeTheExportersBreaks01876) {
  // Exported dedicated to a 64x64 image, imported dedicated to a 32x32 one.
  std::unique_ptr<Resource> a = Resource::Image(device(), kOpaqueWin32);
  VkImageCreateInfo smaller = DefaultImageInfo();
  smaller.extent = {32, 32, 1};
  std::unique_ptr<Resource> b = Resource::Image(device(), kOpaqueWin32, smaller);
  const VkDeviceSize size = a->requirements().size;
  Memory exporter = Export(kOpaqueWin32, {a->DedicatedInfo()}, size);
  OwnedHandle handle = NtHandle(exporter);
  EXPECT_EQ(TryImport(kOpaqueWin32, handle.get(), nullptr, {b->DedicatedInfo()}, size), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkMemoryDedicatedAllocateInfo-image-01876"));
  EXPECT_TRUE(is_live(handle.get()));

  // Exported without a dedicated allocation, imported dedicated to an image.
  Forget();
  Memory plain = Export(kOpaqueWin32);
  OwnedHandle plainHandle = NtHandle(plain);
  EXPECT_EQ(TryImport(kOpaqueWin32, plainHandle.get(), nullptr, {a->DedicatedInfo()}), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkMemoryDedicatedAllocateInfo-image-01876"));
  EXPECT_TRUE(is_live(plainHandle.get()));
}

TEST_F(Strict, ImportDedicatedToABufferUnlikeTheExportersBreaks01877) {
  // Exported dedicated to a 64 KiB buffer, imported dedicated to a 32 KiB one.
  std::unique_ptr<Resource> a = Resource::Buffer(device(), kOpaqueWin32, kSize);
  std::unique_ptr<Resource> b = Resource::Buffer(device(), kOpaqueWin32, kSize / 2);
  Memory exporter = Export(kOpaqueWin32, {a->DedicatedInfo()});
  OwnedHandle handle = NtHandle(exporter);
  EXPECT_EQ(TryImport(kOpaqueWin32, handle.get(), nullptr, {b->DedicatedInfo()}), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkMemoryDedicatedAllocateInfo-buffer-01877"));
  EXPECT_TRUE(is_live(handle.get()));

  // Exported without a dedicated allocation, imported dedicated to a buffer.
  Forget();
  Memory plain = Export(kOpaqueWin32);
  OwnedHandle plainHandle = NtHandle(plain);
  EXPECT_EQ(TryImport(kOpaqueWin32, plainHandle.get(), nullptr, {a->DedicatedInfo()}), kInvalidHandle);
  EXPECT_TRUE(HeardOnly("VUID-VkMemoryDedicatedAllocateInfo-buffer-01877"));
  EXPECT_TRUE(is_live(plainHandle.get()));
}

}  // namespace
}  // namespace kiln_test
