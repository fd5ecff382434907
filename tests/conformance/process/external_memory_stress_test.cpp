// Export, import, map, free and close on several threads at once, thousands of times: nothing may
// be left behind -- no descriptor, no mapping, no handle, no memory beyond a small slack -- and
// every import must map the exporter's pages. No timing threshold: the cycle count only keeps the
// run short (KILN_STRESS_CYCLES overrides it; sanitizer builds run fewer).
#include "process_util.h"
// process_util.h includes <kiln/win32.h> and the Vulkan headers in the order the contract asks.
#include "vk_test_util.h"

#include <atomic>
#include <dirent.h>
#include <fstream>
#include <mutex>
#include <set>

using namespace kiln_test;
using namespace kiln_process;

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kUnderSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kUnderSanitizer = true;
#else
constexpr bool kUnderSanitizer = false;
#endif
#else
constexpr bool kUnderSanitizer = false;
#endif

constexpr int kThreads = 4;

int CyclesPerThread() {
  if (const char* forced = std::getenv("KILN_STRESS_CYCLES")) return std::max(1, std::atoi(forced));
  return kUnderSanitizer ? 4000 : 25000;
}

int CountEntries(const char* directory) {
  DIR* dir = opendir(directory);
  if (!dir) return -1;
  int n = 0;
  while (readdir(dir)) ++n;
  closedir(dir);
  return n;
}

int CountMappings() {
  std::ifstream maps("/proc/self/maps");
  int n = 0;
  for (std::string line; std::getline(maps, line);) ++n;
  return n;
}

// VmRSS of this process, in KiB.
long ResidentKiB() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return -1;
}

struct Footprint {
  int fds = 0;
  int mappings = 0;
  long rssKiB = 0;
  static Footprint Now() { return {CountEntries("/proc/self/fd"), CountMappings(), ResidentKiB()}; }
};

class ExternalMemoryStress : public ::testing::Test {
 protected:
  void SetUp() override {
    KT_REQUIRE_KILN();
    instance_ = Instance::Create();
    DeviceOptions options;
    options.extensions = {VK_KHR_EXTERNAL_MEMORY_EXTENSION_NAME, VK_KHR_EXTERNAL_MEMORY_WIN32_EXTENSION_NAME,
                          VK_KHR_EXTERNAL_MEMORY_FD_EXTENSION_NAME};
    exporter_ = Device::Create(*instance_, options);
    importer_ = Device::Create(*instance_, options);
    procs_ = ExternalMemoryProcs::Load(exporter_->handle);
    ASSERT_NE(procs_.getWin32Handle, nullptr);
    memoryType_ = HostVisibleType(exporter_->memory, ~0u);
    ASSERT_NE(memoryType_, UINT32_MAX);
  }

  // Records the first few failures of any thread; counts all of them.
  void Report(const std::string& what) {
    std::lock_guard lock(mutex_);
    if (++failures_ <= 8) failureText_ += "\n  " + what;
  }

  // One cycle: exportable memory on the exporter, its NT handle, an import on the other device,
  // bytes written through each mapping read through the other, both freed, the handle closed.
  void Cycle(int thread, int cycle, HANDLE* handleOut) {
    const VkDeviceSize size = 4096 * VkDeviceSize(1 + (thread * 7 + cycle) % 16);
    VkExportMemoryAllocateInfo exportInfo = ExportInfo(kAllOpaque);
    auto allocate = Struct<VkMemoryAllocateInfo>(VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO);
    allocate.pNext = &exportInfo;
    allocate.allocationSize = size;
    allocate.memoryTypeIndex = memoryType_;
    VkDeviceMemory exported = VK_NULL_HANDLE;
    VkResult result = vkAllocateMemory(exporter_->handle, &allocate, nullptr, &exported);
    if (result != VK_SUCCESS) return Report("exporting vkAllocateMemory: " + std::string(VkResultName(result)));

    auto getInfo = Struct<VkMemoryGetWin32HandleInfoKHR>(VK_STRUCTURE_TYPE_MEMORY_GET_WIN32_HANDLE_INFO_KHR);
    getInfo.memory = exported;
    getInfo.handleType = kNt;
    HANDLE handle = nullptr;
    result = procs_.getWin32Handle(exporter_->handle, &getInfo, &handle);
    if (result != VK_SUCCESS || !handle) {
      vkFreeMemory(exporter_->handle, exported, nullptr);
      return Report("vkGetMemoryWin32HandleKHR: " + std::string(VkResultName(result)));
    }
    *handleOut = handle;

    VkImportMemoryWin32HandleInfoKHR importInfo = ImportWin32Info(kNt, handle);
    allocate.pNext = &importInfo;
    VkDeviceMemory imported = VK_NULL_HANDLE;
    result = vkAllocateMemory(importer_->handle, &allocate, nullptr, &imported);
    if (result == VK_SUCCESS) {
      void* there = nullptr;
      void* here = nullptr;
      if (vkMapMemory(exporter_->handle, exported, 0, VK_WHOLE_SIZE, 0, &there) != VK_SUCCESS ||
          vkMapMemory(importer_->handle, imported, 0, VK_WHOLE_SIZE, 0, &here) != VK_SUCCESS) {
        Report("vkMapMemory failed");
      } else {
        // A tag unique to this cycle at both ends of the payload, each way.
        const uint64_t tag = uint64_t(thread) << 32 | uint32_t(cycle);
        auto* a = static_cast<uint8_t*>(there);
        auto* b = static_cast<uint8_t*>(here);
        std::memcpy(a, &tag, sizeof tag);
        const uint64_t back = ~tag;
        std::memcpy(b + size - sizeof back, &back, sizeof back);
        uint64_t seenByImport = 0, seenByExport = 0;
        std::memcpy(&seenByImport, b, sizeof seenByImport);
        std::memcpy(&seenByExport, a + size - sizeof back, sizeof seenByExport);
        if (seenByImport != tag || seenByExport != back)
          Report("thread " + std::to_string(thread) + " cycle " + std::to_string(cycle) +
                 ": the import does not map the exporter's pages");
      }
      vkFreeMemory(importer_->handle, imported, nullptr);
    } else {
      Report("importing vkAllocateMemory: " + std::string(VkResultName(result)));
    }
    vkFreeMemory(exporter_->handle, exported, nullptr);
    // The application owns the NT handle: freeing the memory did not close it.
    if (!CloseHandle(handle)) Report("CloseHandle of the exported NT handle: error " + std::to_string(GetLastError()));
  }

  // `cycles` cycles on each of kThreads threads; the NT handle of cycle c of thread t lands in
  // handles[t * cycles + c] (sized and touched by the caller, so that recording them grows nothing).
  void RunThreads(int cycles, std::vector<HANDLE>* handles) {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([this, t, cycles, handles] {
        for (int c = 0; c < cycles; ++c) Cycle(t, c, &(*handles)[size_t(t) * size_t(cycles) + size_t(c)]);
      });
    for (std::thread& thread : threads) thread.join();
  }

  std::unique_ptr<Instance> instance_;
  std::unique_ptr<Device> exporter_;
  std::unique_ptr<Device> importer_;
  ExternalMemoryProcs procs_;
  uint32_t memoryType_ = UINT32_MAX;
  std::mutex mutex_;
  int failures_ = 0;
  std::string failureText_;
};

TEST_F(ExternalMemoryStress, ExportImportFreeCloseOnManyThreadsLeavesNothingBehind) {
  // A first round of one cycle per thread, so that what is made once (thread stacks, malloc
  // arenas, the driver's first-use state) is in place before the footprint is taken.
  const int cycles = CyclesPerThread();
  std::vector<HANDLE> warmUpHandles(kThreads, nullptr);
  std::vector<HANDLE> handles(size_t(kThreads) * size_t(cycles), nullptr);
  RunThreads(1, &warmUpHandles);
  const Footprint before = Footprint::Now();

  RunThreads(cycles, &handles);
  const Footprint after = Footprint::Now();

  std::printf("stress: %d threads x %d cycles; fds %d -> %d, mappings %d -> %d, VmRSS %ld -> %ld KiB\n", kThreads,
              cycles, before.fds, after.fds, before.mappings, after.mappings, before.rssKiB, after.rssKiB);
  RecordProperty("cycles", kThreads * cycles);
  RecordProperty("fds_before", before.fds);
  RecordProperty("fds_after", after.fds);
  RecordProperty("vmrss_kib_before", int(before.rssKiB));
  RecordProperty("vmrss_kib_after", int(after.rssKiB));

  EXPECT_EQ(failures_, 0) << failures_ << " failed cycle(s), the first:" << failureText_;
  EXPECT_EQ(after.fds, before.fds) << "file descriptors leaked";
  // Sanitizer runtimes map shadow and metadata as they go, and keep freed memory in quarantine: under
  // them only descriptors and handles are counted (LeakSanitizer checks the heap).
  if (!kUnderSanitizer) {
    // The payloads' mappings must all be gone; a few may come and go with malloc's arenas.
    EXPECT_LE(after.mappings, before.mappings + 16) << "mappings leaked";
    EXPECT_LT(after.rssKiB - before.rssKiB, 4 * 1024) << "resident memory grew by 4 MiB or more";
  }

  // Every NT handle was closed: none is live any more. (A value can come back after many reuses
  // of its slot, but nothing in this process holds a handle now.)
  std::set<HANDLE> distinct(handles.begin(), handles.end());
  distinct.insert(warmUpHandles.begin(), warmUpHandles.end());
  distinct.erase(nullptr);  // a failed cycle (already reported) leaves its slot empty
  size_t live = 0;
  for (HANDLE h : distinct) {
    DWORD flags = 0;
    SetLastError(ERROR_SUCCESS);
    if (GetHandleInformation(h, &flags) || GetLastError() != ERROR_INVALID_HANDLE) ++live;
  }
  EXPECT_EQ(live, 0u) << "of " << distinct.size() << " distinct handle values";
}

}  // namespace
