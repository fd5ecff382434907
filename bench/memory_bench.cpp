// Device-memory latency: Kiln beside lavapipe in one run, and the host backings Kiln could give
// non-exported memory (the evidence for src/memory's choice). Figures: docs/performance.md.
//
//   build/bench/kiln_memory_bench [--benchmark_filter=REGEX] [any Google Benchmark flag]
//
//   AllocateFree/<driver>/<bytes>          vkAllocateMemory + vkFreeMemory, HOST_VISIBLE | HOST_COHERENT
//   MapUnmap/<driver>/<bytes>              vkMapMemory(VK_WHOLE_SIZE) + vkUnmapMemory of one allocation
//   AllocateMapTouchFree/<driver>/<bytes>  allocate, map, write one byte per page, unmap, free
//   HostBacking/<backing>[_touch]/<bytes>  the same without Vulkan, per host backing
//
// <driver> is kiln or lavapipe; one that is missing (not built, not installed) is skipped. The
// machines this runs on are small and noisy, so by default every benchmark runs 9 times and only
// the aggregates are printed: quote the median. Later flags override these defaults
// (--benchmark_repetitions=1 for a quick look). KILN_BENCH_COLD_MALLOC=1: see warm_malloc().

#include "bench_main.h"
#include "vulkan_driver.h"

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace {

using kiln::bench::DeviceFunctions;
using kiln::bench::Driver;
using kiln::bench::run_benchmarks;

// 4 KiB, 64 KiB, 1 MiB, 16 MiB, 256 MiB.
constexpr int64_t kSizes[] = {int64_t{4} << 10, int64_t{64} << 10, int64_t{1} << 20, int64_t{16} << 20,
                              int64_t{256} << 20};

const uint64_t kPageSize = uint64_t(sysconf(_SC_PAGESIZE));

// Writes one byte in every page, so that the kernel has to back each of them: the first-touch cost
// that an allocation alone does not show.
void touch_every_page(void* data, uint64_t size) {
    auto* bytes = static_cast<volatile unsigned char*>(data);
    for (uint64_t offset = 0; offset < size; offset += kPageSize)
        bytes[offset] = 1;
}

std::string vk_error(const char* call, VkResult result) {
    return std::string(call) + " returned " + std::to_string(result);
}

VkMemoryAllocateInfo host_allocation(const Driver& driver, int64_t size) {
    VkMemoryAllocateInfo info{};
    info.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
    info.allocationSize = uint64_t(size);
    info.memoryTypeIndex = driver.host_memory_type();
    return info;
}

// vkAllocateMemory + vkFreeMemory of a plain (not exportable) host-visible allocation.
void AllocateFree(benchmark::State& state, const Driver* driver) {
    if (!driver->ok()) {
        state.SkipWithError(driver->error().c_str());
        return;
    }
    const DeviceFunctions& vk = driver->functions();
    const VkMemoryAllocateInfo info = host_allocation(*driver, state.range(0));
    for (auto _ : state) {
        VkDeviceMemory memory = VK_NULL_HANDLE;
        const VkResult result = vk.allocate_memory(driver->device(), &info, nullptr, &memory);
        if (result != VK_SUCCESS) {
            state.SkipWithError(vk_error("vkAllocateMemory", result).c_str());
            break;
        }
        vk.free_memory(driver->device(), memory, nullptr);
    }
}

// vkMapMemory of the whole allocation + vkUnmapMemory; the allocation is made once, outside the loop.
void MapUnmap(benchmark::State& state, const Driver* driver) {
    if (!driver->ok()) {
        state.SkipWithError(driver->error().c_str());
        return;
    }
    const DeviceFunctions& vk = driver->functions();
    const VkMemoryAllocateInfo info = host_allocation(*driver, state.range(0));
    VkDeviceMemory memory = VK_NULL_HANDLE;
    const VkResult allocated = vk.allocate_memory(driver->device(), &info, nullptr, &memory);
    if (allocated != VK_SUCCESS) {
        state.SkipWithError(vk_error("vkAllocateMemory", allocated).c_str());
        return;
    }
    for (auto _ : state) {
        void* data = nullptr;
        const VkResult result = vk.map_memory(driver->device(), memory, 0, VK_WHOLE_SIZE, 0, &data);
        if (result != VK_SUCCESS) {
            state.SkipWithError(vk_error("vkMapMemory", result).c_str());
            break;
        }
        benchmark::DoNotOptimize(data);
        vk.unmap_memory(driver->device(), memory);
    }
    vk.free_memory(driver->device(), memory, nullptr);
}

// The whole life of a fresh host-written allocation: allocate, map, write one byte per page, unmap,
// free. Unlike AllocateFree it pays for the pages the kernel has to provide on first touch.
void AllocateMapTouchFree(benchmark::State& state, const Driver* driver) {
    if (!driver->ok()) {
        state.SkipWithError(driver->error().c_str());
        return;
    }
    const DeviceFunctions& vk = driver->functions();
    const VkMemoryAllocateInfo info = host_allocation(*driver, state.range(0));
    for (auto _ : state) {
        VkDeviceMemory memory = VK_NULL_HANDLE;
        VkResult result = vk.allocate_memory(driver->device(), &info, nullptr, &memory);
        if (result != VK_SUCCESS) {
            state.SkipWithError(vk_error("vkAllocateMemory", result).c_str());
            break;
        }
        void* data = nullptr;
        result = vk.map_memory(driver->device(), memory, 0, VK_WHOLE_SIZE, 0, &data);
        if (result != VK_SUCCESS) {
            vk.free_memory(driver->device(), memory, nullptr);
            state.SkipWithError(vk_error("vkMapMemory", result).c_str());
            break;
        }
        touch_every_page(data, info.allocationSize);
        vk.unmap_memory(driver->device(), memory);
        vk.free_memory(driver->device(), memory, nullptr);
    }
}

// The host backings src/memory can choose for device memory, without Vulkan: what one block costs
// to get and give back, with and without touching its pages.
enum class HostBacking {
    AlignedAlloc64,    // std::aligned_alloc(64) + free: memory::kBlockAlignment, Kiln's choice so far
    AlignedAllocPage,  // std::aligned_alloc(4096) + free, as lavapipe does (posix_memalign)
    MallocAlignUp64,   // std::malloc(size + 63), the pointer rounded up to 64 bytes, + free
    Memfd,             // memfd_create + ftruncate + mmap(MAP_SHARED) + munmap + close: exportable
    MmapAnonymous,     // mmap(MAP_PRIVATE | MAP_ANONYMOUS) + munmap
};

void HostBackingCost(benchmark::State& state, HostBacking backing, bool touch) {
    const uint64_t size = uint64_t(state.range(0));
    const uint64_t mapped_size = (size + kPageSize - 1) / kPageSize * kPageSize;
    for (auto _ : state) {
        void* allocation = nullptr;  // what goes back to free or munmap
        std::byte* data = nullptr;   // what the device would use
        int fd = -1;
        switch (backing) {
        case HostBacking::AlignedAlloc64:
            allocation = std::aligned_alloc(64, (size + 63) / 64 * 64);
            data = static_cast<std::byte*>(allocation);
            break;
        case HostBacking::AlignedAllocPage:
            allocation = std::aligned_alloc(kPageSize, mapped_size);
            data = static_cast<std::byte*>(allocation);
            break;
        case HostBacking::MallocAlignUp64:
            allocation = std::malloc(size + 63);
            data = reinterpret_cast<std::byte*>((reinterpret_cast<uintptr_t>(allocation) + 63) & ~uintptr_t{63});
            break;
        case HostBacking::Memfd:
            fd = memfd_create("kiln-bench", MFD_CLOEXEC | MFD_ALLOW_SEALING);
            if (fd >= 0 && ftruncate(fd, off_t(mapped_size)) == 0)
                allocation = mmap(nullptr, mapped_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            data = static_cast<std::byte*>(allocation);
            break;
        case HostBacking::MmapAnonymous:
            allocation = mmap(nullptr, mapped_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            data = static_cast<std::byte*>(allocation);
            break;
        }
        if (allocation == nullptr || allocation == MAP_FAILED) {
            if (fd >= 0)
                close(fd);
            state.SkipWithError("the host refused the allocation");
            break;
        }
        if (touch)
            touch_every_page(data, size);
        benchmark::DoNotOptimize(data);
        if (backing == HostBacking::Memfd || backing == HostBacking::MmapAnonymous) {
            munmap(allocation, mapped_size);
            if (fd >= 0)
                close(fd);
        } else {
            std::free(allocation);
        }
    }
}

// Benchmarks run in registration order: each size's Kiln and lavapipe runs sit next to each other,
// in the output and in time, so that drift on a noisy machine hits both alike.
void register_benchmarks(const std::vector<const Driver*>& drivers) {
    using VulkanBenchmark = void (*)(benchmark::State&, const Driver*);
    const std::pair<const char*, VulkanBenchmark> vulkan[] = {
        {"AllocateFree", AllocateFree},
        {"MapUnmap", MapUnmap},
        {"AllocateMapTouchFree", AllocateMapTouchFree},
    };
    for (const auto& [name, function] : vulkan) {
        for (const int64_t size : kSizes) {
            for (const Driver* driver : drivers) {
                benchmark::RegisterBenchmark((std::string(name) + "/" + driver->label()).c_str(), function, driver)
                    ->Arg(size)
                    ->UseRealTime();
            }
        }
    }

    const std::pair<const char*, HostBacking> backings[] = {
        {"aligned_alloc_64", HostBacking::AlignedAlloc64},
        {"aligned_alloc_4096", HostBacking::AlignedAllocPage},
        {"malloc_align_up_64", HostBacking::MallocAlignUp64},
        {"memfd", HostBacking::Memfd},
        {"mmap_anonymous", HostBacking::MmapAnonymous},
    };
    for (const bool touch : {false, true}) {
        for (const int64_t size : kSizes) {
            for (const auto& [name, backing] : backings) {
                const std::string full = std::string("HostBacking/") + name + (touch ? "_touch" : "");
                benchmark::RegisterBenchmark(full.c_str(), HostBackingCost, backing, touch)->Arg(size)->UseRealTime();
            }
        }
    }
}

// glibc serves a malloc above its mmap threshold with a fresh mmap and gives it back on free; the first
// free of such a block (up to 32 MiB) raises the threshold for the whole process, after which blocks
// up to that size are recycled from the heap. Both drivers share this process, so whichever frees a
// large block first would change the figures of the other. Freeing one 32 MiB block up front puts the
// threshold at its maximum for both: the state of any application that has once freed a large block.
// KILN_BENCH_COLD_MALLOC=1 skips it (then run one driver per process, with --benchmark_filter).
std::string warm_malloc() {
    if (const char* cold = std::getenv("KILN_BENCH_COLD_MALLOC"); cold && std::string(cold) == "1")
        return "cold (KILN_BENCH_COLD_MALLOC=1)";
    // The chunk, header and flag bits included, must stay below glibc's DEFAULT_MMAP_THRESHOLD_MAX
    // (32 MiB) for the threshold to follow it; 64 KiB less leaves room for both.
    void* block = std::malloc((std::size_t{32} << 20) - (std::size_t{64} << 10));
    benchmark::DoNotOptimize(block);
    std::free(block);
    return "warm (one 32 MiB block freed before the first benchmark)";
}

}  // namespace

int main(int argc, char** argv) {
    // Mesa's implicit device-select layer would otherwise sit in both drivers' call chains.
    setenv("NODEVICE_SELECT", "1", 1);
    Driver kiln = Driver::open("kiln", KILN_BENCH_KILN_MANIFEST, "Kiln");
    Driver lavapipe = Driver::open("lavapipe", KILN_BENCH_LAVAPIPE_MANIFEST, "llvmpipe");
    register_benchmarks({&kiln, &lavapipe});
    const std::string malloc_state = warm_malloc();

    return run_benchmarks(argc, argv, {"--benchmark_repetitions=9", "--benchmark_report_aggregates_only=true"},
                          {{"kiln", kiln.describe()}, {"lavapipe", lavapipe.describe()}, {"malloc", malloc_state}});
}
