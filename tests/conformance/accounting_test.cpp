// Imports in bulk and how they are counted: every import is a new VkDeviceMemory that counts toward
// maxMemoryAllocationCount but not toward the heap's bytes (the pages are the exporter's), and a
// long run of imports leaves nothing behind.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "external_test_util.h"

namespace kiln_test {
namespace {

constexpr VkDeviceSize kSize = 4096;

class ExternalMemoryAccounting : public ExternalMemoryTest {
 protected:
  VkDeviceSize HeapUsage() {
    auto budget = Struct<VkPhysicalDeviceMemoryBudgetPropertiesEXT>(
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT);
    auto properties = Struct<VkPhysicalDeviceMemoryProperties2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2);
    properties.pNext = &budget;
    vkGetPhysicalDeviceMemoryProperties2(physical(), &properties);
    return budget.heapUsage[device().memory.memoryTypes[hostVisible_].heapIndex];
  }
};

// CTS "import_multiple_times" at scale: 4096 imports of one NT handle in a row, each mapped and
// checked, then freed. Nothing accumulates: no descriptor, no allocation slot, no heap byte.
TEST_F(ExternalMemoryAccounting, Importing4096TimesInARowLeaksNothing) {
  Memory memory = Export(kOpaqueWin32, kSize, hostVisible_);
  const std::vector<uint8_t> bytes = RandomBytes(kSize, 1000);
  std::memcpy(memory.Map(), bytes.data(), kSize);
  memory.Unmap();
  OwnedHandle h = GetNtHandle(memory);
  const int fds = OpenFdCount();
  const VkDeviceSize usage = HeapUsage();
  for (uint32_t i = 0; i < 4096; ++i) {
    Memory import;
    ASSERT_EQ(TryImportWin32(kOpaqueWin32, h.get(), nullptr, kSize, hostVisible_, &import), VK_SUCCESS)
        << "import #" << i;
    const uint8_t* mapped = import.Map();
    ASSERT_EQ(mapped[i % kSize], bytes[i % kSize]) << "import #" << i;
    import.Unmap();
  }
  EXPECT_EQ(OpenFdCount(), fds) << "imports in a row left descriptors behind";
  EXPECT_EQ(HeapUsage(), usage);
  EXPECT_TRUE(is_live(h.get()));
}

// The same through fds, which Kiln owns after each successful import.
TEST_F(ExternalMemoryAccounting, Importing1024FdsInARowLeaksNothing) {
  Memory memory = Export(kOpaqueFd, kSize, hostVisible_);
  const std::vector<uint8_t> bytes = RandomBytes(kSize, 1010);
  std::memcpy(memory.Map(), bytes.data(), kSize);
  memory.Unmap();
  const int fds = OpenFdCount();
  for (uint32_t i = 0; i < 1024; ++i) {
    Memory import;
    OwnedFd fd = GetFd(memory);
    ASSERT_EQ(TryImportFd(fd.get(), kSize, hostVisible_, &import), VK_SUCCESS) << "import #" << i;
    fd.release();
    ASSERT_EQ(import.Map()[i % kSize], bytes[i % kSize]) << "import #" << i;
  }
  EXPECT_EQ(OpenFdCount(), fds) << "imported fds were not closed";
}

// Imports count toward maxMemoryAllocationCount: with the device full of plain allocations but one,
// an import takes the last slot, and then a plain allocation is VK_ERROR_TOO_MANY_OBJECTS; freeing
// the import makes room again.
TEST_F(ExternalMemoryAccounting, ImportsCountTowardMaxMemoryAllocationCount) {
  const uint32_t limit = device().properties.limits.maxMemoryAllocationCount;
  ASSERT_GE(limit, 4096u);
  ASSERT_LE(limit, 65536u) << "too many allocations for a quick test";
  Memory exporter = Export(kOpaqueWin32, kSize, hostVisible_);
  OwnedHandle h = GetNtHandle(exporter);
  std::vector<Memory> plain;
  plain.reserve(limit);
  for (uint32_t i = 0; i + 2 < limit; ++i) plain.push_back(Allocate(device(), 64, hostVisible_));
  // exporter + (limit - 2) plain = limit - 1 allocations: one slot left.
  Memory import;
  ASSERT_EQ(TryImportWin32(kOpaqueWin32, h.get(), nullptr, kSize, hostVisible_, &import), VK_SUCCESS);
  Memory extra;
  EXPECT_EQ(TryAllocate(device(), 64, hostVisible_, nullptr, &extra), VK_ERROR_TOO_MANY_OBJECTS)
      << "the import did not count toward maxMemoryAllocationCount";
  Memory secondImport;
  EXPECT_EQ(TryImportWin32(kOpaqueWin32, h.get(), nullptr, kSize, hostVisible_, &secondImport),
            VK_ERROR_TOO_MANY_OBJECTS);
  import.Reset();
  EXPECT_EQ(TryAllocate(device(), 64, hostVisible_, nullptr, &extra), VK_SUCCESS);
}

// The exporter counts the payload's bytes toward its heap; imports (in this device or another)
// count none.
TEST_F(ExternalMemoryAccounting, ImportsDoNotCountTowardHeapUsage) {
  if (!device().ExtensionEnabled(VK_EXT_MEMORY_BUDGET_EXTENSION_NAME))
    GTEST_SKIP() << "VK_EXT_memory_budget is not offered";
  constexpr VkDeviceSize kBig = 4 * 1024 * 1024;
  const VkDeviceSize before = HeapUsage();
  Memory exporter = Export(kOpaqueWin32 | kOpaqueFd, kBig, hostVisible_);
  const VkDeviceSize exported = HeapUsage();
  EXPECT_GE(exported, before + kBig) << "the exporter counts its bytes";
  OwnedHandle h = GetNtHandle(exporter);
  {
    Memory a = ImportWin32(kOpaqueWin32, h.get(), nullptr, kBig, hostVisible_);
    Memory b = ImportWin32(kOpaqueWin32, h.get(), nullptr, kBig, hostVisible_);
    std::unique_ptr<Device> other = CreateExternalDevice(*instance_);
    Memory c;
    ASSERT_EQ(TryImportFd(GetFd(exporter).release(), kBig, hostVisible_, &c, {}, other.get()), VK_SUCCESS);
    EXPECT_EQ(HeapUsage(), exported) << "imports counted bytes toward the heap";
    c.Reset();
  }
  EXPECT_EQ(HeapUsage(), exported);
  h.reset();
  exporter.Reset();
  EXPECT_EQ(HeapUsage(), before);
}

// "All imports of one payload in one process share one mapping": two imports map at one address.
TEST_F(ExternalMemoryAccounting, ImportsOfOnePayloadShareOneMapping) {
  Memory memory = Export(kOpaqueWin32 | kOpaqueWin32Kmt | kOpaqueFd, kSize, hostVisible_);
  OwnedHandle h = GetNtHandle(memory);
  Memory a = ImportWin32(kOpaqueWin32, h.get(), nullptr, kSize, hostVisible_);
  Memory b = ImportWin32(kOpaqueWin32Kmt, GetKmtHandle(memory), nullptr, kSize, hostVisible_);
  Memory c;
  ASSERT_EQ(TryImportFd(GetFd(memory).release(), kSize, hostVisible_, &c), VK_SUCCESS);
  const uint8_t* pa = a.Map();
  EXPECT_EQ(b.Map(), pa);
  EXPECT_EQ(c.Map(), pa);
}

// Imports and frees of one payload from several threads at once (the shared mapping and the handle
// table are shared state): every import sees the payload, every thread's writes land, and nothing
// is left behind.
TEST_F(ExternalMemoryAccounting, ConcurrentImportsOfOnePayloadFromManyThreads) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 256;
  Memory memory = Export(kOpaqueWin32 | kOpaqueWin32Kmt, kSize, hostVisible_);
  uint8_t* exported = memory.Map();
  std::memset(exported, 0, kSize);
  OwnedHandle h = GetNtHandle(memory);
  const HANDLE kmt = GetKmtHandle(memory);
  const int fds = OpenFdCount();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        Memory import;
        const bool byKmt = (round + t) % 2 == 0;
        if (TryImportWin32(byKmt ? kOpaqueWin32Kmt : kOpaqueWin32, byKmt ? kmt : h.get(), nullptr, kSize,
                           hostVisible_, &import) != VK_SUCCESS) {
          ++failures;
          continue;
        }
        void* data = nullptr;
        if (vkMapMemory(vk(), import.get(), 0, VK_WHOLE_SIZE, 0, &data) != VK_SUCCESS) {
          ++failures;
          continue;
        }
        // Each thread owns its bytes: offset t * 256 + round % 256.
        static_cast<uint8_t*>(data)[t * 256 + round % 256] = uint8_t(round + 1);
        vkUnmapMemory(vk(), import.get());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  for (int t = 0; t < kThreads; ++t)
    for (int i = 0; i < 256; ++i)
      ASSERT_EQ(exported[t * 256 + i], uint8_t(kRounds - 256 + i + 1)) << "thread " << t << " byte " << i;
  EXPECT_EQ(OpenFdCount(), fds);
}

}  // namespace
}  // namespace kiln_test
