// Strict mode and resources: binding memory exported through VkExportMemoryAllocateInfo, or
// imported, to a resource created for none of its types, and creating buffers and images with external-memory
// structs the format or the other struct rules out. Kiln's memory can hold any resource, so these
// rules fail the call only in error mode, with VK_ERROR_VALIDATION_FAILED_EXT.
#include <gtest/gtest.h>

#include "strict_fixture.h"

namespace kiln_test {
namespace {

constexpr VkResult kValidationFailed = VK_ERROR_VALIDATION_FAILED_EXT;

// ---- Binding.

TEST_F(Strict, BindingExportedMemoryToAPlainBufferBreaks02726) {
  Memory memory = Export(kOpaqueWin32);
  std::unique_ptr<Resource> buffer = Resource::Buffer(device(), 0);
  EXPECT_EQ(vkBindBufferMemory(vk(), buffer->buffer(), memory.get(), 0), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-vkBindBufferMemory-memory-02726"));
}

TEST_F(Strict, BindingExportedMemoryToAPlainBufferThroughBind2Breaks02726) {
  Memory memory = Export(kOpaqueWin32);
  std::unique_ptr<Resource> buffer = Resource::Buffer(device(), 0);
  auto bind = Struct<VkBindBufferMemoryInfo>(VK_STRUCTURE_TYPE_BIND_BUFFER_MEMORY_INFO);
  bind.buffer = buffer->buffer();
  bind.memory = memory.get();
  EXPECT_EQ(vkBindBufferMemory2(vk(), 1, &bind), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-VkBindBufferMemoryInfo-memory-02726"));
}

TEST_F(Strict, BindingExportedMemoryToAPlainImageBreaks02728) {
  std::unique_ptr<Resource> image = Resource::Image(device(), 0);
  Memory memory = Export(kOpaqueWin32, {}, image->requirements().size);
  EXPECT_EQ(vkBindImageMemory(vk(), image->image(), memory.get(), 0), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-vkBindImageMemory-memory-02728"));
}

TEST_F(Strict, BindingExportedMemoryToAPlainImageThroughBind2Breaks02728) {
  std::unique_ptr<Resource> image = Resource::Image(device(), 0);
  Memory memory = Export(kOpaqueWin32, {}, image->requirements().size);
  auto bind = Struct<VkBindImageMemoryInfo>(VK_STRUCTURE_TYPE_BIND_IMAGE_MEMORY_INFO);
  bind.image = image->image();
  bind.memory = memory.get();
  EXPECT_EQ(vkBindImageMemory2(vk(), 1, &bind), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-VkBindImageMemoryInfo-memory-02728"));
}

// Memory imported from a D3D12 heap of `size` bytes (the test keeps the heap's handle open).
Memory ImportD3D12Heap(const Device& device, uint32_t type, HANDLE heap, VkDeviceSize size) {
  auto import = Struct<VkImportMemoryWin32HandleInfoKHR>(VK_STRUCTURE_TYPE_IMPORT_MEMORY_WIN32_HANDLE_INFO_KHR);
  import.handleType = kD3D12Heap;
  import.handle = heap;
  return Allocate(device, size, type, &import);
}

// Heaps come in whole pages.
VkDeviceSize WholePages(VkDeviceSize size) { return (size + 4095) / 4096 * 4096; }

OwnedHandle D3D12Heap(VkDeviceSize size) { return OwnedHandle(CreateD3DPayload(kD3D12Heap, size)); }

TEST_F(Strict, BindingImportedMemoryToAPlainBufferBreaks02727) {
  OwnedHandle heap = D3D12Heap(kSize);
  Memory memory = ImportD3D12Heap(device(), hostVisible(), heap.get(), kSize);
  std::unique_ptr<Resource> buffer = Resource::Buffer(device(), 0);
  EXPECT_EQ(vkBindBufferMemory(vk(), buffer->buffer(), memory.get(), 0), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-vkBindBufferMemory-memory-02727"));
}

TEST_F(Strict, BindingImportedMemoryToAPlainBufferThroughBind2Breaks02727) {
  OwnedHandle heap = D3D12Heap(kSize);
  Memory memory = ImportD3D12Heap(device(), hostVisible(), heap.get(), kSize);
  std::unique_ptr<Resource> buffer = Resource::Buffer(device(), 0);
  auto bind = Struct<VkBindBufferMemoryInfo>(VK_STRUCTURE_TYPE_BIND_BUFFER_MEMORY_INFO);
  bind.buffer = buffer->buffer();
  bind.memory = memory.get();
  EXPECT_EQ(vkBindBufferMemory2(vk(), 1, &bind), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-VkBindBufferMemoryInfo-memory-02727"));
}

TEST_F(Strict, BindingImportedMemoryToAPlainImageBreaks02729) {
  std::unique_ptr<Resource> image = Resource::Image(device(), 0);
  const VkDeviceSize size = WholePages(image->requirements().size);
  OwnedHandle heap = D3D12Heap(size);
  Memory memory = ImportD3D12Heap(device(), hostVisible(), heap.get(), size);
  EXPECT_EQ(vkBindImageMemory(vk(), image->image(), memory.get(), 0), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-vkBindImageMemory-memory-02729"));
}

TEST_F(Strict, BindingImportedMemoryToAPlainImageThroughBind2Breaks02729) {
  std::unique_ptr<Resource> image = Resource::Image(device(), 0);
  const VkDeviceSize size = WholePages(image->requirements().size);
  OwnedHandle heap = D3D12Heap(size);
  Memory memory = ImportD3D12Heap(device(), hostVisible(), heap.get(), size);
  auto bind = Struct<VkBindImageMemoryInfo>(VK_STRUCTURE_TYPE_BIND_IMAGE_MEMORY_INFO);
  bind.image = image->image();
  bind.memory = memory.get();
  EXPECT_EQ(vkBindImageMemory2(vk(), 1, &bind), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-VkBindImageMemoryInfo-memory-02729"));
}

TEST_F(Strict, BindingImportedMemoryToAResourceCreatedForItsTypeIsNotReported) {
  std::unique_ptr<Resource> buffer = Resource::Buffer(device(), kD3D12Heap);
  OwnedHandle heap = D3D12Heap(kSize);
  Memory memory = ImportD3D12Heap(device(), hostVisible(), heap.get(), kSize);
  EXPECT_EQ(vkBindBufferMemory(vk(), buffer->buffer(), memory.get(), 0), VK_SUCCESS);
  EXPECT_TRUE(HeardNothing());
}

// ---- Creation.

class StrictCreate : public Strict {
 protected:
  // vkCreateImage(DefaultImageInfo() with `pNext` and `initialLayout`); an image made against
  // expectation is destroyed.
  VkResult CreateImage(const void* pNext, VkImageLayout initialLayout = VK_IMAGE_LAYOUT_UNDEFINED) {
    VkImageCreateInfo info = DefaultImageInfo();
    info.pNext = pNext;
    info.initialLayout = initialLayout;
    VkImage image = VK_NULL_HANDLE;
    const VkResult result = vkCreateImage(vk(), &info, nullptr, &image);
    if (image != VK_NULL_HANDLE) vkDestroyImage(vk(), image, nullptr);
    return result;
  }
  static VkExternalMemoryImageCreateInfo ExternalImage(VkExternalMemoryHandleTypeFlags types) {
    auto external = Struct<VkExternalMemoryImageCreateInfo>(VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_IMAGE_CREATE_INFO);
    external.handleTypes = types;
    return external;
  }
  static VkExternalMemoryImageCreateInfoNV ExternalImageNV(VkExternalMemoryHandleTypeFlagsNV types) {
    auto external = Struct<VkExternalMemoryImageCreateInfoNV>(VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_IMAGE_CREATE_INFO_NV);
    external.handleTypes = types;
    return external;
  }
};

TEST_F(StrictCreate, ImageWithKhrAndNvExternalStructsBreaks00988) {
  VkExternalMemoryImageCreateInfo khr = ExternalImage(kOpaqueWin32);
  VkExternalMemoryImageCreateInfoNV nv = ExternalImageNV(kNtNV);
  EXPECT_EQ(CreateImage(Chain({&khr, &nv})), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-VkImageCreateInfo-pNext-00988"));
}

TEST_F(StrictCreate, ImageForIncompatibleTypesBreaks00990) {
  VkExternalMemoryImageCreateInfo khr = ExternalImage(kOpaqueWin32 | kD3D12Heap);
  EXPECT_EQ(CreateImage(&khr), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-VkImageCreateInfo-pNext-00990"));
}

TEST_F(StrictCreate, ImageForIncompatibleNvTypesBreaks00991) {
  VkExternalMemoryImageCreateInfoNV nv = ExternalImageNV(kNtNV | kD3D11ImageNV);
  EXPECT_EQ(CreateImage(&nv), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-VkImageCreateInfo-pNext-00991"));
}

TEST_F(StrictCreate, ExternalImagePreinitializedBreaks01443) {
  VkExternalMemoryImageCreateInfo khr = ExternalImage(kOpaqueWin32);
  EXPECT_EQ(CreateImage(&khr, VK_IMAGE_LAYOUT_PREINITIALIZED), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-VkImageCreateInfo-pNext-01443"));
}

TEST_F(StrictCreate, NvImageTypesWithUndefinedBitsBreakHandleTypesParameter) {
  VkExternalMemoryImageCreateInfoNV nv = ExternalImageNV(kUndefinedNVBit);
  EXPECT_EQ(CreateImage(&nv), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-VkExternalMemoryImageCreateInfoNV-handleTypes-parameter"));
}

TEST_F(StrictCreate, BufferForIncompatibleTypesBreaks00920) {
  auto external = Struct<VkExternalMemoryBufferCreateInfo>(VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO);
  external.handleTypes = kOpaqueWin32 | kD3D12Heap;
  auto info = Struct<VkBufferCreateInfo>(VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO);
  info.pNext = &external;
  info.size = kSize;
  info.usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  VkBuffer buffer = VK_NULL_HANDLE;
  EXPECT_EQ(vkCreateBuffer(vk(), &info, nullptr, &buffer), kValidationFailed);
  EXPECT_TRUE(HeardOnly("VUID-VkBufferCreateInfo-pNext-00920"));
  if (buffer != VK_NULL_HANDLE) vkDestroyBuffer(vk(), buffer, nullptr);
}

}  // namespace
}  // namespace kiln_test
