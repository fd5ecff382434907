// Device memory: allocation, mapping, limits, budgets, dedicated allocations and bind2.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "vk_test_util.h"

namespace kiln_test {
namespace {

constexpr VkDeviceSize kMiB = 1024 * 1024;

class Memory : public DeviceTest {
 protected:
  std::vector<const char*> WantedDeviceExtensions() const override { return {VK_EXT_MEMORY_BUDGET_EXTENSION_NAME}; }

  VkResult Allocate(VkDeviceSize size, uint32_t typeIndex, VkDeviceMemory* memory, const void* pNext = nullptr) {
    auto info = Struct<VkMemoryAllocateInfo>(VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO);
    info.pNext = pNext;
    info.allocationSize = size;
    info.memoryTypeIndex = typeIndex;
    *memory = VK_NULL_HANDLE;
    return vkAllocateMemory(vk(), &info, nullptr, memory);
  }

  VkBuffer CreateBuffer(VkDeviceSize size, VkBufferUsageFlags usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                                                                      VK_BUFFER_USAGE_TRANSFER_DST_BIT) {
    auto info = Struct<VkBufferCreateInfo>(VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO);
    info.size = size;
    info.usage = usage;
    VkBuffer buffer = VK_NULL_HANDLE;
    KT_CHECK(vkCreateBuffer(vk(), &info, nullptr, &buffer));
    return buffer;
  }

  struct Budget {
    VkDeviceSize usage;
    VkDeviceSize budget;
  };
  Budget QueryBudget(uint32_t heap) {
    auto budget = Struct<VkPhysicalDeviceMemoryBudgetPropertiesEXT>(
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT);
    auto properties = Struct<VkPhysicalDeviceMemoryProperties2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2);
    properties.pNext = &budget;
    vkGetPhysicalDeviceMemoryProperties2(device().physical, &properties);
    return {budget.heapUsage[heap], budget.heapBudget[heap]};
  }
};

TEST_F(Memory, KilnExposesOneHeapWithADeviceOnlyAndAHostVisibleType) {
  KT_REQUIRE_KILN();
  const VkPhysicalDeviceMemoryProperties& m = device().memory;
  ASSERT_EQ(m.memoryHeapCount, 1u);
  ASSERT_EQ(m.memoryTypeCount, 2u);
  EXPECT_EQ(m.memoryTypes[0].propertyFlags, VkMemoryPropertyFlags(VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT));
  EXPECT_EQ(m.memoryTypes[1].propertyFlags,
            VkMemoryPropertyFlags(VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT | VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                  VK_MEMORY_PROPERTY_HOST_COHERENT_BIT | VK_MEMORY_PROPERTY_HOST_CACHED_BIT));
  EXPECT_EQ(m.memoryTypes[0].heapIndex, 0u);
  EXPECT_EQ(m.memoryTypes[1].heapIndex, 0u);
  EXPECT_TRUE(m.memoryHeaps[0].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT);
  EXPECT_GT(m.memoryHeaps[0].size, 0u);
}

TEST_F(Memory, HostVisibleTypesKeepBytesAcrossUnmapAndRemap) {
  constexpr VkDeviceSize kSize = kMiB;
  const VkDeviceSize minMapAlignment = device().properties.limits.minMemoryMapAlignment;
  const VkDeviceSize atomSize = device().properties.limits.nonCoherentAtomSize;
  int tested = 0;
  for (uint32_t type = 0; type < device().memory.memoryTypeCount; ++type) {
    VkMemoryPropertyFlags flags = device().memory.memoryTypes[type].propertyFlags;
    if (!(flags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT)) continue;
    SCOPED_TRACE("memory type " + std::to_string(type));
    ++tested;
    VkDeviceMemory memory;
    ASSERT_EQ(Allocate(kSize, type, &memory), VK_SUCCESS);
    std::vector<uint8_t> pattern = RandomBytes(kSize, 1000 + type);

    void* mapped = nullptr;
    ASSERT_EQ(vkMapMemory(vk(), memory, 0, VK_WHOLE_SIZE, 0, &mapped), VK_SUCCESS);
    ASSERT_NE(mapped, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(mapped) % minMapAlignment, 0u) << "minMemoryMapAlignment";
    std::memcpy(mapped, pattern.data(), kSize);
    // Flushing is required for non-coherent types and allowed (a no-op) for coherent ones.
    auto range = Struct<VkMappedMemoryRange>(VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE);
    range.memory = memory;
    range.offset = 0;
    range.size = VK_WHOLE_SIZE;
    EXPECT_EQ(vkFlushMappedMemoryRanges(vk(), 1, &range), VK_SUCCESS);
    vkUnmapMemory(vk(), memory);

    // A partial mapping at an offset sees the same bytes; (pointer - offset) keeps the alignment.
    const VkDeviceSize offset = 3 * 4096;
    const VkDeviceSize length = 64 * 1024;
    ASSERT_EQ(vkMapMemory(vk(), memory, offset, length, 0, &mapped), VK_SUCCESS);
    EXPECT_EQ((reinterpret_cast<uintptr_t>(mapped) - offset) % minMapAlignment, 0u);
    range.offset = offset;
    range.size = (length + atomSize - 1) / atomSize * atomSize;
    EXPECT_EQ(vkInvalidateMappedMemoryRanges(vk(), 1, &range), VK_SUCCESS);
    EXPECT_TRUE(BytesEqual(static_cast<uint8_t*>(mapped), pattern.data() + offset, length));
    // Write through the partial mapping, then check the whole allocation.
    std::memset(mapped, 0x5A, 16);
    std::memset(pattern.data() + offset, 0x5A, 16);
    vkUnmapMemory(vk(), memory);

    ASSERT_EQ(vkMapMemory(vk(), memory, 0, VK_WHOLE_SIZE, 0, &mapped), VK_SUCCESS);
    EXPECT_TRUE(BytesEqual(static_cast<uint8_t*>(mapped), pattern.data(), kSize));
    vkUnmapMemory(vk(), memory);
    vkFreeMemory(vk(), memory, nullptr);
  }
  EXPECT_GT(tested, 0) << "no host-visible memory type";
}

// Invalid usage (VUID-vkMapMemory-memory-00682): Kiln answers VK_ERROR_MEMORY_MAP_FAILED, the code
// the spec names for a mapping that cannot be made, instead of handing out a pointer.
TEST_F(Memory, MappingDeviceOnlyMemoryFails) {
  KT_REQUIRE_KILN();
  uint32_t deviceOnly = device().FindMemoryType(~0u, 0, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT);
  ASSERT_NE(deviceOnly, UINT32_MAX) << "Kiln must offer a memory type without HOST_VISIBLE";
  VkDeviceMemory memory;
  ASSERT_EQ(Allocate(65536, deviceOnly, &memory), VK_SUCCESS);
  void* mapped = reinterpret_cast<void*>(uintptr_t{0x1234});
  EXPECT_EQ(vkMapMemory(vk(), memory, 0, VK_WHOLE_SIZE, 0, &mapped), VK_ERROR_MEMORY_MAP_FAILED);
  vkFreeMemory(vk(), memory, nullptr);
}

// Invalid usage (VUID-vkAllocateMemory-pAllocateInfo-01713: allocationSize must not exceed the
// heap size). Kiln answers VK_ERROR_OUT_OF_DEVICE_MEMORY rather than trying.
TEST_F(Memory, AllocationLargerThanTheHeapFails) {
  KT_REQUIRE_KILN();
  uint32_t type = device().FindMemoryType(~0u, 0);
  VkDeviceSize heapSize = device().memory.memoryHeaps[device().memory.memoryTypes[type].heapIndex].size;
  VkDeviceMemory memory;
  EXPECT_EQ(Allocate(heapSize + 1, type, &memory), VK_ERROR_OUT_OF_DEVICE_MEMORY);
  EXPECT_EQ(memory, VK_NULL_HANDLE);
  EXPECT_EQ(Allocate(VkDeviceSize{1} << 62, type, &memory), VK_ERROR_OUT_OF_DEVICE_MEMORY);
  EXPECT_EQ(Allocate(~VkDeviceSize{0}, type, &memory), VK_ERROR_OUT_OF_DEVICE_MEMORY) << "size overflow";
  // The device still works afterwards.
  ASSERT_EQ(Allocate(4096, type, &memory), VK_SUCCESS);
  vkFreeMemory(vk(), memory, nullptr);
}

// Invalid usage (VUID-vkAllocateMemory-pAllocateInfo-01714: memoryTypeIndex must be below
// memoryTypeCount). Kiln's choice: no crash, VK_ERROR_OUT_OF_DEVICE_MEMORY.
TEST_F(Memory, OutOfRangeMemoryTypeIndexFails) {
  KT_REQUIRE_KILN();
  VkDeviceMemory memory;
  EXPECT_EQ(Allocate(4096, device().memory.memoryTypeCount, &memory), VK_ERROR_OUT_OF_DEVICE_MEMORY);
  EXPECT_EQ(Allocate(4096, 31, &memory), VK_ERROR_OUT_OF_DEVICE_MEMORY);
  EXPECT_EQ(Allocate(4096, UINT32_MAX, &memory), VK_ERROR_OUT_OF_DEVICE_MEMORY);
}

// "If memory is not VK_NULL_HANDLE, memory must be a valid VkDeviceMemory handle" — so NULL is
// valid and does nothing (vkFreeMemory).
TEST_F(Memory, FreeingNullMemoryIsANoOp) {
  vkFreeMemory(vk(), VK_NULL_HANDLE, nullptr);
  vkFreeMemory(vk(), VK_NULL_HANDLE, nullptr);
  // The device is intact: allocate, use and free.
  Buffer buffer(device(), 4096);
  RunOnce(device(), [&](VkCommandBuffer cmd) { vkCmdFillBuffer(cmd, buffer.handle(), 0, VK_WHOLE_SIZE, 0x01020304); });
  std::vector<uint8_t> expected(4096);
  for (size_t i = 0; i < expected.size(); ++i) expected[i] = static_cast<uint8_t>(4 - i % 4);
  EXPECT_TRUE(BytesEqual(buffer.data(), expected.data(), 4096));
}

TEST_F(Memory, BudgetTracksAllocationAndFree) {
  KT_REQUIRE_KILN();
  ASSERT_TRUE(device().ExtensionEnabled(VK_EXT_MEMORY_BUDGET_EXTENSION_NAME))
      << "Kiln must offer " VK_EXT_MEMORY_BUDGET_EXTENSION_NAME;
  constexpr VkDeviceSize kSize = 64 * kMiB;
  uint32_t type = device().FindMemoryType(~0u, 0);
  uint32_t heap = device().memory.memoryTypes[type].heapIndex;
  // Warm up once so that lazily created driver state is not mistaken for the allocation.
  VkDeviceMemory memory;
  ASSERT_EQ(Allocate(kSize, type, &memory), VK_SUCCESS);
  vkFreeMemory(vk(), memory, nullptr);

  Budget before = QueryBudget(heap);
  EXPECT_GT(before.budget, 0u);
  EXPECT_LE(before.budget, device().memory.memoryHeaps[heap].size) << "heapBudget above the heap size";
  ASSERT_EQ(Allocate(kSize, type, &memory), VK_SUCCESS);
  Budget during = QueryBudget(heap);
  EXPECT_GE(during.usage, before.usage + kSize) << "heapUsage did not grow by the allocation";
  vkFreeMemory(vk(), memory, nullptr);
  Budget after = QueryBudget(heap);
  EXPECT_EQ(after.usage, before.usage) << "heapUsage did not return after vkFreeMemory";
}

// 4096 is the spec's minimum for maxMemoryAllocationCount (Limits); check the claim holds by
// keeping that many allocations alive at once.
TEST_F(Memory, MaxMemoryAllocationCountAllocationsCanCoexist) {
  const uint32_t limit = device().properties.limits.maxMemoryAllocationCount;
  EXPECT_GE(limit, 4096u);
  const uint32_t count = std::min(limit, 4096u);
  uint32_t type = device().FindMemoryType(~0u, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT);
  std::vector<VkDeviceMemory> memories;
  memories.reserve(count);
  VkResult result = VK_SUCCESS;
  for (uint32_t i = 0; i < count && result == VK_SUCCESS; ++i) {
    VkDeviceMemory memory;
    result = Allocate(256, type, &memory);
    if (result == VK_SUCCESS) memories.push_back(memory);
  }
  EXPECT_EQ(result, VK_SUCCESS) << "allocation #" << memories.size() << " failed";
  EXPECT_EQ(memories.size(), count);
  // Each is distinct and mappable.
  if (!memories.empty()) {
    void* first = nullptr;
    void* last = nullptr;
    ASSERT_EQ(vkMapMemory(vk(), memories.front(), 0, VK_WHOLE_SIZE, 0, &first), VK_SUCCESS);
    ASSERT_EQ(vkMapMemory(vk(), memories.back(), 0, VK_WHOLE_SIZE, 0, &last), VK_SUCCESS);
    std::memset(first, 0xAA, 256);
    std::memset(last, 0x55, 256);
    EXPECT_EQ(static_cast<uint8_t*>(first)[255], 0xAA);
    vkUnmapMemory(vk(), memories.front());
    vkUnmapMemory(vk(), memories.back());
  }
  for (VkDeviceMemory memory : memories) vkFreeMemory(vk(), memory, nullptr);
}

// maxMemoryAllocationCount is enforced: one allocation beyond it is VK_ERROR_TOO_MANY_OBJECTS
// (vkAllocateMemory's error for it), and freeing one makes room again. Kiln only: other drivers
// may let more allocations exist than they report.
TEST_F(Memory, AllocationBeyondMaxMemoryAllocationCountIsTooManyObjects) {
  KT_REQUIRE_KILN();
  const uint32_t limit = device().properties.limits.maxMemoryAllocationCount;
  const uint32_t type = device().FindMemoryType(~0u, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT);
  std::vector<VkDeviceMemory> memories;
  memories.reserve(limit);
  for (uint32_t i = 0; i < limit; ++i) {
    VkDeviceMemory memory;
    ASSERT_EQ(Allocate(64, type, &memory), VK_SUCCESS) << "allocation #" << i;
    memories.push_back(memory);
  }
  VkDeviceMemory extra = VK_NULL_HANDLE;
  EXPECT_EQ(Allocate(64, type, &extra), VK_ERROR_TOO_MANY_OBJECTS);
  vkFreeMemory(vk(), memories.back(), nullptr);
  memories.pop_back();
  EXPECT_EQ(Allocate(64, type, &extra), VK_SUCCESS);
  memories.push_back(extra);
  for (VkDeviceMemory memory : memories) vkFreeMemory(vk(), memory, nullptr);
}

// "If buffer is a VkBuffer not created with the VK_BUFFER_CREATE_SPARSE_BINDING_BIT bit set ...
// memoryTypeBits [includes] at least one ... HOST_VISIBLE and HOST_COHERENT" type; alignment is a
// power of two; size covers the buffer (VkMemoryRequirements).
TEST_F(Memory, BufferRequirementsAreUsable) {
  for (VkDeviceSize size : {VkDeviceSize{1}, VkDeviceSize{3}, VkDeviceSize{4096}, VkDeviceSize{1000003}}) {
    VkBuffer buffer = CreateBuffer(size);
    VkMemoryRequirements r;
    vkGetBufferMemoryRequirements(vk(), buffer, &r);
    EXPECT_GE(r.size, size);
    EXPECT_NE(r.alignment, 0u);
    EXPECT_EQ(r.alignment & (r.alignment - 1), 0u) << "alignment " << r.alignment;
    EXPECT_NE(device().FindMemoryType(r.memoryTypeBits,
                                      VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT),
              UINT32_MAX)
        << "memoryTypeBits 0x" << std::hex << r.memoryTypeBits;
    EXPECT_EQ(r.memoryTypeBits >> device().memory.memoryTypeCount, 0u) << "bits beyond memoryTypeCount";
    vkDestroyBuffer(vk(), buffer, nullptr);
  }
}

TEST_F(Memory, MemoryRequirements2ReportDedicatedRequirements) {
  VkBuffer buffer = CreateBuffer(65536);
  VkMemoryRequirements plain;
  vkGetBufferMemoryRequirements(vk(), buffer, &plain);

  auto dedicated = Struct<VkMemoryDedicatedRequirements>(VK_STRUCTURE_TYPE_MEMORY_DEDICATED_REQUIREMENTS);
  dedicated.prefersDedicatedAllocation = 0xCD;  // poison: must be overwritten with a VkBool32
  dedicated.requiresDedicatedAllocation = 0xCD;
  auto requirements = Struct<VkMemoryRequirements2>(VK_STRUCTURE_TYPE_MEMORY_REQUIREMENTS_2);
  requirements.pNext = &dedicated;
  auto info = Struct<VkBufferMemoryRequirementsInfo2>(VK_STRUCTURE_TYPE_BUFFER_MEMORY_REQUIREMENTS_INFO_2);
  info.buffer = buffer;
  vkGetBufferMemoryRequirements2(vk(), &info, &requirements);
  EXPECT_EQ(requirements.memoryRequirements.size, plain.size);
  EXPECT_EQ(requirements.memoryRequirements.alignment, plain.alignment);
  EXPECT_EQ(requirements.memoryRequirements.memoryTypeBits, plain.memoryTypeBits);
  // Without external memory, "requiresDedicatedAllocation will be VK_FALSE".
  EXPECT_EQ(dedicated.requiresDedicatedAllocation, VK_FALSE);
  EXPECT_TRUE(dedicated.prefersDedicatedAllocation == VK_TRUE || dedicated.prefersDedicatedAllocation == VK_FALSE)
      << dedicated.prefersDedicatedAllocation;
  vkDestroyBuffer(vk(), buffer, nullptr);

  // The same for an image.
  VkImageCreateInfo imageInfo = ImageInfo(VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, {64, 64, 1}, 3, 2);
  VkImage image;
  ASSERT_EQ(vkCreateImage(vk(), &imageInfo, nullptr, &image), VK_SUCCESS);
  VkMemoryRequirements plainImage;
  vkGetImageMemoryRequirements(vk(), image, &plainImage);
  dedicated.prefersDedicatedAllocation = 0xCD;
  dedicated.requiresDedicatedAllocation = 0xCD;
  auto imageRequirementsInfo =
      Struct<VkImageMemoryRequirementsInfo2>(VK_STRUCTURE_TYPE_IMAGE_MEMORY_REQUIREMENTS_INFO_2);
  imageRequirementsInfo.image = image;
  vkGetImageMemoryRequirements2(vk(), &imageRequirementsInfo, &requirements);
  EXPECT_EQ(requirements.memoryRequirements.size, plainImage.size);
  EXPECT_GE(plainImage.size, VkDeviceSize{64 * 64 * 4 * 2});
  EXPECT_EQ(requirements.memoryRequirements.alignment, plainImage.alignment);
  EXPECT_EQ(requirements.memoryRequirements.memoryTypeBits, plainImage.memoryTypeBits);
  EXPECT_EQ(dedicated.requiresDedicatedAllocation, VK_FALSE);
  EXPECT_TRUE(dedicated.prefersDedicatedAllocation == VK_TRUE || dedicated.prefersDedicatedAllocation == VK_FALSE);
  vkDestroyImage(vk(), image, nullptr);
}

TEST_F(Memory, DedicatedAllocationBacksABuffer) {
  constexpr VkDeviceSize kSize = 256 * 1024;
  Buffer dedicated(device(), kSize, MemoryKind::Device,
                   VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT, /*dedicated=*/true);
  Buffer upload(device(), kSize);
  Buffer readback(device(), kSize);
  std::vector<uint8_t> pattern = RandomBytes(kSize, 7);
  std::memcpy(upload.data(), pattern.data(), kSize);
  std::memset(readback.data(), 0, kSize);
  RunOnce(device(), [&](VkCommandBuffer cmd) {
    VkBufferCopy all{0, 0, kSize};
    vkCmdCopyBuffer(cmd, upload.handle(), dedicated.handle(), 1, &all);
    TransferBarrier(cmd);
    vkCmdCopyBuffer(cmd, dedicated.handle(), readback.handle(), 1, &all);
  });
  EXPECT_TRUE(BytesEqual(readback.data(), pattern.data(), kSize));
}

TEST_F(Memory, DedicatedAllocationBacksAnImage) {
  VkImageCreateInfo info = ImageInfo(VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, {128, 64, 1});
  Image image(device(), info, MemoryKind::Device, /*dedicated=*/true);
  constexpr VkDeviceSize kSize = 128 * 64 * 4;
  Buffer upload(device(), kSize);
  Buffer readback(device(), kSize);
  std::vector<uint8_t> pattern = RandomBytes(kSize, 8);
  std::memcpy(upload.data(), pattern.data(), kSize);
  std::memset(readback.data(), 0, kSize);
  RunOnce(device(), [&](VkCommandBuffer cmd) {
    VkBufferImageCopy region{};
    region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
    region.imageExtent = info.extent;
    TransitionImage(cmd, image, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL);
    vkCmdCopyBufferToImage(cmd, upload.handle(), image.handle(), VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &region);
    TransitionImage(cmd, image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL);
    vkCmdCopyImageToBuffer(cmd, image.handle(), VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, readback.handle(), 1, &region);
  });
  EXPECT_TRUE(BytesEqual(readback.data(), pattern.data(), kSize));
}

// vkBindBufferMemory2 binds several buffers in one call, each at its own offset of one allocation.
TEST_F(Memory, BindBufferMemory2BindsSeveralBuffersAtTheirOffsets) {
  constexpr VkDeviceSize kSize = 64 * 1024;
  VkBuffer buffers[2] = {CreateBuffer(kSize), CreateBuffer(kSize)};
  VkMemoryRequirements r[2];
  for (int i = 0; i < 2; ++i) vkGetBufferMemoryRequirements(vk(), buffers[i], &r[i]);
  // Leave a gap so that an implementation ignoring memoryOffset is caught.
  VkDeviceSize secondOffset = (r[0].size + 8192 + r[1].alignment - 1) / r[1].alignment * r[1].alignment;
  VkDeviceSize total = secondOffset + r[1].size;
  uint32_t type = device().FindMemoryType(r[0].memoryTypeBits & r[1].memoryTypeBits,
                                          VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
  ASSERT_NE(type, UINT32_MAX);
  VkDeviceMemory memory;
  ASSERT_EQ(Allocate(total, type, &memory), VK_SUCCESS);
  void* mapped = nullptr;
  ASSERT_EQ(vkMapMemory(vk(), memory, 0, VK_WHOLE_SIZE, 0, &mapped), VK_SUCCESS);
  auto* bytes = static_cast<uint8_t*>(mapped);
  std::memset(bytes, 0, total);

  VkBindBufferMemoryInfo binds[2] = {Struct<VkBindBufferMemoryInfo>(VK_STRUCTURE_TYPE_BIND_BUFFER_MEMORY_INFO),
                                     Struct<VkBindBufferMemoryInfo>(VK_STRUCTURE_TYPE_BIND_BUFFER_MEMORY_INFO)};
  binds[0].buffer = buffers[0];
  binds[0].memory = memory;
  binds[0].memoryOffset = 0;
  binds[1].buffer = buffers[1];
  binds[1].memory = memory;
  binds[1].memoryOffset = secondOffset;
  ASSERT_EQ(vkBindBufferMemory2(vk(), 2, binds), VK_SUCCESS);

  RunOnce(device(), [&](VkCommandBuffer cmd) {
    vkCmdFillBuffer(cmd, buffers[0], 0, kSize, 0x11111111);
    vkCmdFillBuffer(cmd, buffers[1], 0, kSize, 0x22222222);
  });
  std::vector<uint8_t> expected(total, 0);
  std::memset(expected.data(), 0x11, kSize);
  std::memset(expected.data() + secondOffset, 0x22, kSize);
  EXPECT_TRUE(BytesEqual(bytes, expected.data(), total));

  vkUnmapMemory(vk(), memory);
  for (VkBuffer b : buffers) vkDestroyBuffer(vk(), b, nullptr);
  vkFreeMemory(vk(), memory, nullptr);
}

// vkBindImageMemory2 at a nonzero offset: the image's texels land inside the allocation after that
// offset and nothing before it is touched.
TEST_F(Memory, BindImageMemory2BindsAtAnOffset) {
  VkImageCreateInfo info = ImageInfo(VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, {32, 32, 1});
  VkImage image;
  ASSERT_EQ(vkCreateImage(vk(), &info, nullptr, &image), VK_SUCCESS);
  VkMemoryRequirements r;
  vkGetImageMemoryRequirements(vk(), image, &r);
  VkDeviceSize offset = (4096 + r.alignment - 1) / r.alignment * r.alignment;
  uint32_t type = device().FindMemoryType(r.memoryTypeBits,
                                          VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
  if (type == UINT32_MAX) type = device().FindMemoryType(r.memoryTypeBits, 0);
  bool mappable = device().memory.memoryTypes[type].propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT;
  VkDeviceMemory memory;
  ASSERT_EQ(Allocate(offset + r.size, type, &memory), VK_SUCCESS);
  uint8_t* bytes = nullptr;
  if (mappable) {
    void* mapped = nullptr;
    ASSERT_EQ(vkMapMemory(vk(), memory, 0, VK_WHOLE_SIZE, 0, &mapped), VK_SUCCESS);
    bytes = static_cast<uint8_t*>(mapped);
    std::memset(bytes, 0x77, offset + r.size);
  }
  auto bind = Struct<VkBindImageMemoryInfo>(VK_STRUCTURE_TYPE_BIND_IMAGE_MEMORY_INFO);
  bind.image = image;
  bind.memory = memory;
  bind.memoryOffset = offset;
  ASSERT_EQ(vkBindImageMemory2(vk(), 1, &bind), VK_SUCCESS);

  Buffer readback(device(), 32 * 32 * 4);
  RunOnce(device(), [&](VkCommandBuffer cmd) {
    auto barrier = Struct<VkImageMemoryBarrier>(VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER);
    barrier.dstAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    barrier.oldLayout = VK_IMAGE_LAYOUT_UNDEFINED;
    barrier.newLayout = VK_IMAGE_LAYOUT_GENERAL;
    barrier.srcQueueFamilyIndex = barrier.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
    barrier.image = image;
    barrier.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 0, nullptr, 0,
                         nullptr, 1, &barrier);
    VkClearColorValue color{};
    color.float32[0] = 1.0f;  // 0x000000FF per texel
    vkCmdClearColorImage(cmd, image, VK_IMAGE_LAYOUT_GENERAL, &color, 1, &barrier.subresourceRange);
    TransferBarrier(cmd);
    VkBufferImageCopy region{};
    region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
    region.imageExtent = {32, 32, 1};
    vkCmdCopyImageToBuffer(cmd, image, VK_IMAGE_LAYOUT_GENERAL, readback.handle(), 1, &region);
  });
  std::vector<uint8_t> expected(32 * 32 * 4);
  for (size_t i = 0; i < expected.size(); ++i) expected[i] = (i % 4 == 0) ? 0xFF : 0x00;
  EXPECT_TRUE(BytesEqual(readback.data(), expected.data(), expected.size()));
  if (mappable) {
    std::vector<uint8_t> untouched(offset, 0x77);
    EXPECT_TRUE(BytesEqual(bytes, untouched.data(), offset)) << "bytes before memoryOffset were written";
    vkUnmapMemory(vk(), memory);
  }
  vkDestroyImage(vk(), image, nullptr);
  vkFreeMemory(vk(), memory, nullptr);
}

}  // namespace
}  // namespace kiln_test
