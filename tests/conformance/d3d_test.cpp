// The D3D handle types, made by Kiln's stand-in for a D3D runtime (kiln_create_external_payload):
// D3D11_TEXTURE and D3D11_TEXTURE_KMT (images, dedicated, size from the payload), D3D12_HEAP
// (allocationSize is the heap's size), D3D12_RESOURCE (dedicated buffer or image), and
// vkGetMemoryWin32HandlePropertiesKHR, which answers for these types only.
#include <gtest/gtest.h>

#include <vector>

#include "external_test_util.h"

namespace kiln_test {
namespace {

constexpr VkDeviceSize kPage = 4096;

VkDeviceSize RoundUp(VkDeviceSize value, VkDeviceSize multiple) { return (value + multiple - 1) / multiple * multiple; }

class ExternalMemoryD3D : public ExternalMemoryTest {
 protected:
  // A D3D runtime's shared resource of `size` bytes: an NT handle the test owns (D3D11_TEXTURE,
  // D3D12_HEAP, D3D12_RESOURCE) or a KMT value nobody owns (D3D11_TEXTURE_KMT).
  HANDLE CreatePayload(VkExternalMemoryHandleTypeFlagBits type, VkDeviceSize size, const char16_t* name = nullptr) {
    HANDLE h = nullptr;
    const DWORD error = kiln_create_external_payload(type, size, nullptr, 0, name, &h);
    if (error != ERROR_SUCCESS) Fail("kiln_create_external_payload failed with " + std::to_string(error));
    if (type != kD3D11TextureKmt) owned_.emplace_back(h);
    return h;
  }

  VkResult HandleProperties(VkExternalMemoryHandleTypeFlagBits type, HANDLE h, uint32_t* typeBits) {
    // pNext must be NULL (VUID-VkMemoryWin32HandlePropertiesKHR-pNext-pNext): the suite also runs in
    // strict mode, which reports anything else.
    auto properties = Struct<VkMemoryWin32HandlePropertiesKHR>(VK_STRUCTURE_TYPE_MEMORY_WIN32_HANDLE_PROPERTIES_KHR);
    properties.memoryTypeBits = 0xdead0000u;
    VkResult result = fn_.getWin32HandleProperties(vk(), type, h, &properties);
    EXPECT_EQ(properties.sType, VK_STRUCTURE_TYPE_MEMORY_WIN32_HANDLE_PROPERTIES_KHR);
    EXPECT_EQ(properties.pNext, nullptr);
    *typeBits = properties.memoryTypeBits;
    return result;
  }

  // Imports of a dedicated-only type (D3D11_TEXTURE(_KMT), D3D12_RESOURCE) for two resources made by
  // `make`, through a payload of `payloadSize` bytes: both memory types, allocationSize ignored, and
  // one payload behind both.
  void ExpectDedicatedImportsShareThePayload(VkExternalMemoryHandleTypeFlagBits type,
                                             const std::function<std::unique_ptr<Resource>()>& make) {
    std::unique_ptr<Resource> a = make();
    std::unique_ptr<Resource> b = make();
    const VkDeviceSize payloadSize = RoundUp(a->requirements().size, kPage) + kPage;
    HANDLE h = CreatePayload(type, payloadSize);
    uint32_t typeBits = 0;
    ASSERT_EQ(HandleProperties(type, h, &typeBits), VK_SUCCESS);
    EXPECT_EQ(typeBits, 0x3u);

    // allocationSize is ignored for these types (0 and 1 here): the memory has the payload's size.
    Memory ma = ImportWin32(type, h, nullptr, 0, deviceOnly_, {a->DedicatedInfo()});
    Memory mb = ImportWin32(type, h, nullptr, 1, hostVisible_, {b->DedicatedInfo()});
    a->Bind(ma.get());
    b->Bind(mb.get());
    ExpectSameBytesThroughQueues(*a, *b, 100);

    // Two host-visible imports map the same bytes, all `payloadSize` of them.
    std::unique_ptr<Resource> c = make();
    Memory mc = ImportWin32(type, h, nullptr, 1, hostVisible_, {c->DedicatedInfo()});
    ExpectSameBytesThroughMappings(mb, mc, 110, payloadSize);
    c->Bind(mc.get());
    ExpectSameBytesThroughQueues(*c, *a, 120);
  }

  std::vector<OwnedHandle> owned_;
};

TEST_F(ExternalMemoryD3D, D3D11TextureImportsAsDedicatedImagesSizedByThePayload) {
  ExpectDedicatedImportsShareThePayload(kD3D11Texture, [&] { return Resource::Image(device(), kD3D11Texture); });
}

TEST_F(ExternalMemoryD3D, D3D11TextureKmtImportsAsDedicatedImagesSizedByThePayload) {
  ExpectDedicatedImportsShareThePayload(kD3D11TextureKmt, [&] { return Resource::Image(device(), kD3D11TextureKmt); });
}

TEST_F(ExternalMemoryD3D, D3D12ResourceImportsAsDedicatedBuffers) {
  ExpectDedicatedImportsShareThePayload(kD3D12Resource, [&] { return Resource::Buffer(device(), kD3D12Resource); });
}

TEST_F(ExternalMemoryD3D, D3D12ResourceImportsAsDedicatedImages) {
  ExpectDedicatedImportsShareThePayload(kD3D12Resource, [&] { return Resource::Image(device(), kD3D12Resource); });
}

// Dedicated-only handle types (the compatibility table of the spec; the import side of
// VUID-VkMemoryAllocateInfo-pNext-00639): without a dedicated allocation, INVALID_EXTERNAL_HANDLE;
// the handle stays the application's and nothing is held.
TEST_F(ExternalMemoryD3D, DedicatedOnlyTypesWithoutDedicatedAllocationAreInvalid) {
  for (VkExternalMemoryHandleTypeFlagBits type : {kD3D11Texture, kD3D11TextureKmt, kD3D12Resource}) {
    SCOPED_TRACE(HandleTypeName(type));
    std::unique_ptr<Resource> image = Resource::Image(device(), type);
    HANDLE h = CreatePayload(type, RoundUp(image->requirements().size, kPage));
    const int fds = OpenFdCount();
    Memory memory;
    EXPECT_EQ(TryImportWin32(type, h, nullptr, image->requirements().size, hostVisible_, &memory),
              VK_ERROR_INVALID_EXTERNAL_HANDLE);
    EXPECT_NO_FD_LEAK(fds);
    if (type != kD3D11TextureKmt) {
      EXPECT_TRUE(is_live(h)) << "a failed import leaves the handle the application's";
    }
    // ... and with the dedicated allocation it works.
    EXPECT_EQ(
        TryImportWin32(type, h, nullptr, image->requirements().size, hostVisible_, &memory, {image->DedicatedInfo()}),
        VK_SUCCESS);
  }
}

// "the payload must be at least as large as that resource's memory requirements"
TEST_F(ExternalMemoryD3D, DedicatedImportOfATooSmallPayloadIsInvalid) {
  for (VkExternalMemoryHandleTypeFlagBits type : {kD3D11Texture, kD3D11TextureKmt, kD3D12Resource}) {
    SCOPED_TRACE(HandleTypeName(type));
    VkImageCreateInfo info = DefaultImageInfo();
    info.extent = {256, 256, 1};  // 256 KiB of texels
    std::unique_ptr<Resource> image = Resource::Image(device(), type, info);
    ASSERT_GT(image->requirements().size, 2 * kPage);
    HANDLE h = CreatePayload(type, kPage);
    const int fds = OpenFdCount();
    Memory memory;
    EXPECT_EQ(
        TryImportWin32(type, h, nullptr, image->requirements().size, hostVisible_, &memory, {image->DedicatedInfo()}),
        VK_ERROR_INVALID_EXTERNAL_HANDLE);
    EXPECT_NO_FD_LEAK(fds);
  }
}

// D3D12_HEAP: not dedicated; buffers and images suballocate the heap; every import of the heap,
// in either memory type, sees the same bytes.
TEST_F(ExternalMemoryD3D, D3D12HeapImportsAreSuballocatedByBuffersAndImages) {
  constexpr VkDeviceSize kHeapSize = 256 * 1024;
  HANDLE h = CreatePayload(kD3D12Heap, kHeapSize);
  uint32_t typeBits = 0;
  ASSERT_EQ(HandleProperties(kD3D12Heap, h, &typeBits), VK_SUCCESS);
  EXPECT_EQ(typeBits, 0x3u);

  Memory deviceHeap = ImportWin32(kD3D12Heap, h, nullptr, kHeapSize, deviceOnly_);
  Memory hostHeap = ImportWin32(kD3D12Heap, h, nullptr, kHeapSize, hostVisible_);
  Memory hostHeap2 = ImportWin32(kD3D12Heap, h, nullptr, kHeapSize, hostVisible_);
  ExpectSameBytesThroughMappings(hostHeap, hostHeap2, 200);

  // A buffer at offset 0 and an image at offset 128 KiB of each heap import.
  std::unique_ptr<Resource> bufferA = Resource::Buffer(device(), kD3D12Heap);
  std::unique_ptr<Resource> bufferB = Resource::Buffer(device(), kD3D12Heap);
  std::unique_ptr<Resource> imageA = Resource::Image(device(), kD3D12Heap);
  std::unique_ptr<Resource> imageB = Resource::Image(device(), kD3D12Heap);
  constexpr VkDeviceSize kImageOffset = 128 * 1024;
  ASSERT_EQ(kImageOffset % imageA->requirements().alignment, 0u);
  ASSERT_LE(kImageOffset + imageA->requirements().size, kHeapSize);
  bufferA->Bind(deviceHeap.get(), 0);
  bufferB->Bind(hostHeap.get(), 0);
  imageA->Bind(deviceHeap.get(), kImageOffset);
  imageB->Bind(hostHeap.get(), kImageOffset);
  ExpectSameBytesThroughQueues(*bufferA, *bufferB, 210);
  ExpectSameBytesThroughQueues(*imageB, *imageA, 220);
  // The host sees the image's bytes at its offset in the heap.
  const std::vector<uint8_t> texels = RandomBytes(imageA->contentSize(), 230);
  WriteThroughQueue(*imageA, texels);
  uint8_t* mapped = hostHeap2.Map();
  EXPECT_TRUE(BytesEqual(mapped + kImageOffset, texels.data(), texels.size()))
      << "Kiln lays images out tightly packed (docs/image-layout.md)";
  hostHeap2.Unmap();
}

// VUID-VkMemoryAllocateInfo-allocationSize-00647 / contract: "D3D12_HEAP: allocationSize must be the
// heap's size".
TEST_F(ExternalMemoryD3D, D3D12HeapImportOfAnotherSizeIsInvalid) {
  constexpr VkDeviceSize kHeapSize = 64 * 1024;
  HANDLE h = CreatePayload(kD3D12Heap, kHeapSize);
  const int fds = OpenFdCount();
  for (VkDeviceSize size : {kHeapSize / 2, kHeapSize - 1, kHeapSize + 1, kHeapSize * 2, VkDeviceSize{0}}) {
    SCOPED_TRACE(size);
    Memory memory;
    EXPECT_EQ(TryImportWin32(kD3D12Heap, h, nullptr, size, hostVisible_, &memory), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  }
  EXPECT_NO_FD_LEAK(fds);
  EXPECT_TRUE(is_live(h));
  Memory memory;
  EXPECT_EQ(TryImportWin32(kD3D12Heap, h, nullptr, kHeapSize, hostVisible_, &memory), VK_SUCCESS);
}

// vkGetMemoryWin32HandlePropertiesKHR: memoryTypeBits 0x3 for every D3D type.
TEST_F(ExternalMemoryD3D, HandlePropertiesReportBothMemoryTypesForD3DHandles) {
  for (VkExternalMemoryHandleTypeFlagBits type : {kD3D11Texture, kD3D11TextureKmt, kD3D12Heap, kD3D12Resource}) {
    SCOPED_TRACE(HandleTypeName(type));
    HANDLE h = CreatePayload(type, 64 * 1024);
    uint32_t typeBits = 0;
    EXPECT_EQ(HandleProperties(type, h, &typeBits), VK_SUCCESS);
    EXPECT_EQ(typeBits, 0x3u) << "real memory-type bits, not handle-type bits";
  }
}

// VUID-vkGetMemoryWin32HandlePropertiesKHR-handleType-00666: opaque types are invalid usage; Kiln
// answers VK_ERROR_INVALID_EXTERNAL_HANDLE, even for a perfectly good opaque handle.
TEST_F(ExternalMemoryD3D, HandlePropertiesOfOpaqueTypesAreInvalid) {
  Memory memory = Export(kOpaqueWin32 | kOpaqueWin32Kmt, 64 * 1024, hostVisible_);
  OwnedHandle nt = GetNtHandle(memory);
  HANDLE kmt = GetKmtHandle(memory);
  uint32_t typeBits = 0;
  EXPECT_EQ(HandleProperties(kOpaqueWin32, nt.get(), &typeBits), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  EXPECT_EQ(HandleProperties(kOpaqueWin32Kmt, kmt, &typeBits), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  EXPECT_TRUE(is_live(nt.get()));
}

// Bad handles: NULL, closed, forged, a process, and a handle of another D3D type.
TEST_F(ExternalMemoryD3D, HandlePropertiesOfBadHandlesAreInvalid) {
  HANDLE closed = nullptr;
  ASSERT_EQ(kiln_create_external_payload(kD3D12Heap, kPage, nullptr, 0, nullptr, &closed), ERROR_SUCCESS);
  ASSERT_TRUE(CloseHandle(closed));
  OwnedHandle process(OpenProcess(PROCESS_DUP_HANDLE, FALSE, GetCurrentProcessId()));
  ASSERT_NE(process.get(), nullptr);
  HANDLE heap = CreatePayload(kD3D12Heap, kPage);
  HANDLE texture = CreatePayload(kD3D11Texture, kPage);
  HANDLE textureKmt = CreatePayload(kD3D11TextureKmt, kPage);
  struct Case {
    const char* what;
    VkExternalMemoryHandleTypeFlagBits type;
    HANDLE h;
  };
  const Case cases[] = {
      {"NULL", kD3D12Heap, nullptr},
      {"closed", kD3D12Heap, closed},
      {"forged", kD3D12Heap, reinterpret_cast<HANDLE>(uintptr_t{0x3ffff0f0})},
      {"forged KMT", kD3D11TextureKmt, reinterpret_cast<HANDLE>(uintptr_t{0x7ffffff2})},
      {"a process", kD3D12Heap, process.get()},
      {"the current-process pseudo handle", kD3D12Heap, GetCurrentProcess()},
      {"a D3D12 heap as a D3D11 texture", kD3D11Texture, heap},
      {"a D3D12 heap as a D3D12 resource", kD3D12Resource, heap},
      {"an NT handle as a KMT type", kD3D11TextureKmt, texture},
      {"a KMT value as an NT type", kD3D11Texture, textureKmt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    uint32_t typeBits = 0;
    EXPECT_EQ(HandleProperties(c.type, c.h, &typeBits), VK_ERROR_INVALID_EXTERNAL_HANDLE);
  }
  EXPECT_TRUE(is_live(heap));
  EXPECT_TRUE(is_live(texture));
}

}  // namespace
}  // namespace kiln_test
