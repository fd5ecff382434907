// External memory: Kiln beside lavapipe in one run (docs/external-memory.md is the contract). Figures:
// docs/performance.md, "External memory: share cycle, import, mapping bandwidth" and "Strict mode: cost on
// the share cycle".
//
//   build/bench/kiln_external_memory_bench [--benchmark_filter=REGEX] [any Google Benchmark flag]
//
//   ShareCycle/<variant>/<bytes>   allocate exportable in device A, export a handle, import it in device B,
//                                  map the import, write one byte per 4 KiB page, unmap, free both, close
//                                  the handle (CloseHandle for an NT handle; an fd is consumed by the import)
//   Import/<variant>/<bytes>       import + free in device B of a handle exported once before the loop;
//                                  manual time: for an fd the dup the import consumes is made outside the
//                                  timed window (its cost: FdDupClose)
//   ImportOrphan/<variant>/<bytes> the same, the exporting memory object freed before the loop: only the
//                                  handle holds the payload, which no memory object in this process holds
//                                  (as in a process that received the handle from another)
//   FdDupClose                     dup + close of a memfd: the per-iteration work Import leaves out
//   Memcpy/<destination>/<bytes>   memcpy from a malloc buffer into a destination whose pages were all
//                                  written once before the loop: malloc (the machine's limit) or the
//                                  mapping of an import; bytes/s
//
// <variant>: kiln_win32 (OPAQUE_WIN32, an NT handle), kiln_win32_strict (the same, in strict mode),
// kiln_fd (OPAQUE_FD), lavapipe_fd (OPAQUE_FD). kiln_win32_strict runs on its own two instances, created
// with KILN_STRICT=error in the environment (strict mode is per instance, so it lives beside the others in
// one run; no debug messenger: a valid share cycle reports nothing); it is registered for ShareCycle and
// Import/ImportOrphan only, where strict mode checks, not for Memcpy (a memcpy into a mapping makes no
// Vulkan call).
// Device A and device B are two VkDevices of two VkInstances of the same driver in this process; a variant
// whose driver is missing, or lacks the extensions, is skipped with the reason. By default every benchmark
// runs 9 times of at least 0.25 s each, the repetitions of all benchmarks interleaved at random, and only
// the aggregates are printed: quote the median. Later flags override these defaults
// (--benchmark_repetitions=1 for a quick look).

#include "bench_main.h"
#include "vulkan_driver.h"

#include <kiln/win32.h>
#include <vulkan/vulkan_win32.h>

#include <benchmark/benchmark.h>

#include <chrono>
#include <memory>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace {

using kiln::bench::Driver;
using kiln::bench::run_benchmarks;

constexpr int64_t KiB = int64_t{1} << 10;
constexpr int64_t MiB = int64_t{1} << 20;
constexpr int64_t GiB = int64_t{1} << 30;
constexpr int64_t kShareSizes[] = {4 * KiB, 1 * MiB, 64 * MiB, 1 * GiB};
constexpr int64_t kCopySizes[] = {64 * MiB, 256 * MiB};
constexpr uint64_t kTouchStride = 4096;

void touch_every_page(void* data, uint64_t size) {
    auto* bytes = static_cast<volatile unsigned char*>(data);
    for (uint64_t offset = 0; offset < size; offset += kTouchStride)
        bytes[offset] = 1;
}

std::string vk_error(const char* call, VkResult result) {
    return std::string(call) + " returned " + std::to_string(result);
}

// A handle as exported: an NT handle or an fd, owned by the application until closed or consumed.
struct Exported {
    HANDLE handle = nullptr;
    int fd = -1;
};

// One way of sharing memory between device A (exporter) and device B (importer) of one driver.
class Variant {
public:
    Variant(std::string name, const Driver* exporter, const Driver* importer, VkExternalMemoryHandleTypeFlagBits type)
        : name_(std::move(name)), exporter_(exporter), importer_(importer), type_(type) {
        if (!exporter_->ok()) {
            error_ = exporter_->error();
            return;
        }
        if (!importer_->ok()) {
            error_ = importer_->error();
            return;
        }
        if (is_fd()) {
            get_fd_ = reinterpret_cast<PFN_vkGetMemoryFdKHR>(exporter_->device_function("vkGetMemoryFdKHR"));
            if (!get_fd_)
                error_ = name_ + ": vkGetDeviceProcAddr(vkGetMemoryFdKHR) returned NULL";
        } else {
            get_win32_ = reinterpret_cast<PFN_vkGetMemoryWin32HandleKHR>(
                exporter_->device_function("vkGetMemoryWin32HandleKHR"));
            if (!get_win32_)
                error_ = name_ + ": vkGetDeviceProcAddr(vkGetMemoryWin32HandleKHR) returned NULL";
        }
        if (exporter_->host_memory_type() != importer_->host_memory_type())
            error_ = name_ + ": the two devices disagree on the host-visible memory type";
    }

    const std::string& name() const { return name_; }
    bool ok() const { return error_.empty(); }
    const std::string& error() const { return error_; }
    bool is_fd() const { return type_ == VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT; }
    VkDevice exporter() const { return exporter_->device(); }
    VkDevice importer() const { return importer_->device(); }
    const kiln::bench::DeviceFunctions& a() const { return exporter_->functions(); }
    const kiln::bench::DeviceFunctions& b() const { return importer_->functions(); }

    VkResult allocate_exportable(uint64_t size, VkDeviceMemory* memory) const {
        VkExportMemoryAllocateInfo export_info{};
        export_info.sType = VK_STRUCTURE_TYPE_EXPORT_MEMORY_ALLOCATE_INFO;
        export_info.handleTypes = type_;
        VkMemoryAllocateInfo info{};
        info.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
        info.pNext = &export_info;
        info.allocationSize = size;
        info.memoryTypeIndex = exporter_->host_memory_type();
        return a().allocate_memory(exporter(), &info, nullptr, memory);
    }

    VkResult export_handle(VkDeviceMemory memory, Exported* out) const {
        if (is_fd()) {
            VkMemoryGetFdInfoKHR info{};
            info.sType = VK_STRUCTURE_TYPE_MEMORY_GET_FD_INFO_KHR;
            info.memory = memory;
            info.handleType = type_;
            return get_fd_(exporter(), &info, &out->fd);
        }
        VkMemoryGetWin32HandleInfoKHR info{};
        info.sType = VK_STRUCTURE_TYPE_MEMORY_GET_WIN32_HANDLE_INFO_KHR;
        info.memory = memory;
        info.handleType = type_;
        return get_win32_(exporter(), &info, &out->handle);
    }

    // Imports in device B. An fd import consumes `exported.fd` on success (it becomes -1); an NT handle
    // stays the application's.
    VkResult import(uint64_t size, Exported& exported, VkDeviceMemory* memory) const {
        VkImportMemoryFdInfoKHR fd_info{};
        fd_info.sType = VK_STRUCTURE_TYPE_IMPORT_MEMORY_FD_INFO_KHR;
        fd_info.handleType = type_;
        fd_info.fd = exported.fd;
        VkImportMemoryWin32HandleInfoKHR win32_info{};
        win32_info.sType = VK_STRUCTURE_TYPE_IMPORT_MEMORY_WIN32_HANDLE_INFO_KHR;
        win32_info.handleType = type_;
        win32_info.handle = exported.handle;
        VkMemoryAllocateInfo info{};
        info.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
        info.pNext = is_fd() ? static_cast<const void*>(&fd_info) : static_cast<const void*>(&win32_info);
        info.allocationSize = size;
        info.memoryTypeIndex = importer_->host_memory_type();
        const VkResult result = b().allocate_memory(importer(), &info, nullptr, memory);
        if (result == VK_SUCCESS && is_fd())
            exported.fd = -1;
        return result;
    }

    static void release(Exported& exported) {
        if (exported.handle)
            CloseHandle(exported.handle);
        if (exported.fd >= 0)
            close(exported.fd);
        exported = Exported{};
    }

private:
    std::string name_;
    std::string error_;
    const Driver* exporter_;
    const Driver* importer_;
    VkExternalMemoryHandleTypeFlagBits type_;
    PFN_vkGetMemoryFdKHR get_fd_ = nullptr;
    PFN_vkGetMemoryWin32HandleKHR get_win32_ = nullptr;
};

// Memory exported by device A and imported by device B, made outside a timed loop; everything it holds
// is given back by its destructor. On failure error() says where.
class SharedAllocation {
public:
    SharedAllocation(const Variant& variant, uint64_t size, bool keep_handle) : variant_(variant), size_(size) {
        VkResult result = variant.allocate_exportable(size, &exported_memory_);
        if (result != VK_SUCCESS) {
            exported_memory_ = VK_NULL_HANDLE;
            error_ = vk_error("vkAllocateMemory (export)", result);
            return;
        }
        result = variant.export_handle(exported_memory_, &handle_);
        if (result != VK_SUCCESS) {
            handle_ = Exported{};
            error_ = vk_error(variant.is_fd() ? "vkGetMemoryFdKHR" : "vkGetMemoryWin32HandleKHR", result);
            return;
        }
        if (keep_handle)
            return;
        result = variant.import(size, handle_, &imported_memory_);
        if (result != VK_SUCCESS) {
            imported_memory_ = VK_NULL_HANDLE;
            error_ = vk_error("vkAllocateMemory (import)", result);
            return;
        }
        Variant::release(handle_);
        result = variant.b().map_memory(variant.importer(), imported_memory_, 0, VK_WHOLE_SIZE, 0, &imported_data_);
        if (result != VK_SUCCESS) {
            imported_data_ = nullptr;
            error_ = vk_error("vkMapMemory (import)", result);
        }
    }
    SharedAllocation(const SharedAllocation&) = delete;
    SharedAllocation& operator=(const SharedAllocation&) = delete;
    ~SharedAllocation() {
        if (imported_data_)
            variant_.b().unmap_memory(variant_.importer(), imported_memory_);
        if (imported_memory_)
            variant_.b().free_memory(variant_.importer(), imported_memory_, nullptr);
        if (exported_memory_)
            variant_.a().free_memory(variant_.exporter(), exported_memory_, nullptr);
        Variant::release(handle_);
    }

    bool ok() const { return error_.empty(); }
    const std::string& error() const { return error_; }
    const Exported& handle() const { return handle_; }
    void* imported_data() const { return imported_data_; }

    // Frees the exporting memory object: the handle alone keeps the payload, which no memory object in
    // this process holds any more, as in a process that received the handle from the exporting one. (A
    // Kiln NT handle holds the payload object, its mapping included; an fd holds only the file.)
    void free_exporter() {
        if (exported_memory_)
            variant_.a().free_memory(variant_.exporter(), exported_memory_, nullptr);
        exported_memory_ = VK_NULL_HANDLE;
    }

    // The exporter writes every page once, as an application that shares its results would.
    std::string fill_from_exporter() const {
        void* data = nullptr;
        const VkResult result =
            variant_.a().map_memory(variant_.exporter(), exported_memory_, 0, VK_WHOLE_SIZE, 0, &data);
        if (result != VK_SUCCESS)
            return vk_error("vkMapMemory (export)", result);
        touch_every_page(data, size_);
        variant_.a().unmap_memory(variant_.exporter(), exported_memory_);
        return {};
    }

private:
    const Variant& variant_;
    uint64_t size_;
    std::string error_;
    VkDeviceMemory exported_memory_ = VK_NULL_HANDLE;
    Exported handle_;
    VkDeviceMemory imported_memory_ = VK_NULL_HANDLE;
    void* imported_data_ = nullptr;
};

// The whole share cycle, every step inside the timed loop.
void ShareCycle(benchmark::State& state, const Variant* variant) {
    if (!variant->ok()) {
        state.SkipWithError(variant->error().c_str());
        return;
    }
    const uint64_t size = uint64_t(state.range(0));
    for (auto _ : state) {
        VkDeviceMemory exported = VK_NULL_HANDLE;
        VkResult result = variant->allocate_exportable(size, &exported);
        if (result != VK_SUCCESS) {
            state.SkipWithError(vk_error("vkAllocateMemory (export)", result).c_str());
            break;
        }
        Exported handle;
        result = variant->export_handle(exported, &handle);
        if (result != VK_SUCCESS) {
            variant->a().free_memory(variant->exporter(), exported, nullptr);
            state.SkipWithError(
                vk_error(variant->is_fd() ? "vkGetMemoryFdKHR" : "vkGetMemoryWin32HandleKHR", result).c_str());
            break;
        }
        VkDeviceMemory imported = VK_NULL_HANDLE;
        result = variant->import(size, handle, &imported);
        if (result != VK_SUCCESS) {
            variant->a().free_memory(variant->exporter(), exported, nullptr);
            Variant::release(handle);
            state.SkipWithError(vk_error("vkAllocateMemory (import)", result).c_str());
            break;
        }
        void* data = nullptr;
        result = variant->b().map_memory(variant->importer(), imported, 0, VK_WHOLE_SIZE, 0, &data);
        if (result != VK_SUCCESS) {
            variant->b().free_memory(variant->importer(), imported, nullptr);
            variant->a().free_memory(variant->exporter(), exported, nullptr);
            Variant::release(handle);
            state.SkipWithError(vk_error("vkMapMemory (import)", result).c_str());
            break;
        }
        touch_every_page(data, size);
        variant->b().unmap_memory(variant->importer(), imported);
        variant->b().free_memory(variant->importer(), imported, nullptr);
        variant->a().free_memory(variant->exporter(), exported, nullptr);
        Variant::release(handle);  // CloseHandle; nothing for an fd, which the import consumed
    }
}

// Import + free of one exported handle. The time of each iteration is measured around the import and
// the free only, so that the dup an fd import consumes is not counted (FdDupClose gives its cost).
// exporter_alive: the exporting memory object lives through the loop (the same process exported it);
// otherwise it is freed before the loop and only the handle holds the payload (another process exported it).
void Import(benchmark::State& state, const Variant* variant, bool exporter_alive) {
    if (!variant->ok()) {
        state.SkipWithError(variant->error().c_str());
        return;
    }
    const uint64_t size = uint64_t(state.range(0));
    SharedAllocation shared(*variant, size, /*keep_handle=*/true);
    if (!shared.ok()) {
        state.SkipWithError(shared.error().c_str());
        return;
    }
    if (const std::string error = shared.fill_from_exporter(); !error.empty()) {
        state.SkipWithError(error.c_str());
        return;
    }
    if (!exporter_alive)
        shared.free_exporter();
    using Clock = std::chrono::steady_clock;
    for (auto _ : state) {
        Exported handle = shared.handle();
        if (variant->is_fd()) {
            handle.fd = fcntl(shared.handle().fd, F_DUPFD_CLOEXEC, 0);
            if (handle.fd < 0) {
                state.SkipWithError("dup of the exported fd failed");
                break;
            }
        }
        const Clock::time_point start = Clock::now();
        VkDeviceMemory imported = VK_NULL_HANDLE;
        const VkResult result = variant->import(size, handle, &imported);
        if (result == VK_SUCCESS)
            variant->b().free_memory(variant->importer(), imported, nullptr);
        const Clock::time_point end = Clock::now();
        if (result != VK_SUCCESS) {
            if (handle.fd >= 0)
                close(handle.fd);
            state.SkipWithError(vk_error("vkAllocateMemory (import)", result).c_str());
            break;
        }
        state.SetIterationTime(std::chrono::duration<double>(end - start).count());
    }
}

// What Import leaves out for an fd: a dup (and the close that the import does in its place).
void FdDupClose(benchmark::State& state) {
    const int fd = memfd_create("kiln-bench", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0 || ftruncate(fd, 1 << 20) != 0) {
        state.SkipWithError("memfd_create failed");
        return;
    }
    for (auto _ : state) {
        const int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
        benchmark::DoNotOptimize(copy);
        close(copy);
    }
    close(fd);
}

// memcpy from a malloc buffer into `destination`; both written in full once before the loop, so that no
// page is touched for the first time while timed. variant == nullptr: the destination is a malloc buffer.
void Memcpy(benchmark::State& state, const Variant* variant) {
    if (variant && !variant->ok()) {
        state.SkipWithError(variant->error().c_str());
        return;
    }
    const size_t size = size_t(state.range(0));
    auto* source = static_cast<unsigned char*>(std::aligned_alloc(4096, size));
    if (!source) {
        state.SkipWithError("malloc refused the source");
        return;
    }
    std::memset(source, 0x5a, size);
    void* malloc_destination = nullptr;
    std::unique_ptr<SharedAllocation> shared;
    void* destination = nullptr;
    if (variant) {
        shared = std::make_unique<SharedAllocation>(*variant, size, /*keep_handle=*/false);
        if (!shared->ok()) {
            std::free(source);
            state.SkipWithError(shared->error().c_str());
            return;
        }
        destination = shared->imported_data();
    } else {
        malloc_destination = std::aligned_alloc(4096, size);
        destination = malloc_destination;
    }
    if (!destination) {
        std::free(source);
        state.SkipWithError("no destination");
        return;
    }
    std::memset(destination, 0, size);  // first touch, outside the timed loop
    for (auto _ : state) {
        std::memcpy(destination, source, size);
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(size));
    shared.reset();
    std::free(malloc_destination);
    std::free(source);
}

// Registration order is run order: the variants of one size sit next to each other in time, so that drift
// on a noisy machine hits all of them alike.
// `strict_variants` (strict mode) run ShareCycle and Import only, each right after the others of its size.
void register_benchmarks(const std::vector<const Variant*>& plain_variants,
                         const std::vector<const Variant*>& strict_variants) {
    std::vector<const Variant*> variants = plain_variants;
    variants.insert(variants.end(), strict_variants.begin(), strict_variants.end());
    for (const int64_t size : kShareSizes)
        for (const Variant* variant : variants)
            benchmark::RegisterBenchmark(("ShareCycle/" + variant->name()).c_str(), ShareCycle, variant)
                ->Arg(size)
                ->UseRealTime()
                ->Unit(benchmark::kMicrosecond);
    for (const int64_t size : kShareSizes)
        for (const Variant* variant : variants)
            for (const bool exporter_alive : {true, false})
                benchmark::RegisterBenchmark(
                    ((exporter_alive ? "Import/" : "ImportOrphan/") + variant->name()).c_str(), Import, variant,
                    exporter_alive)
                    ->Arg(size)
                    ->UseManualTime()
                    ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("FdDupClose", FdDupClose)->UseRealTime()->Unit(benchmark::kMicrosecond);
    for (const int64_t size : kCopySizes) {
        benchmark::RegisterBenchmark("Memcpy/malloc", Memcpy, nullptr)
            ->Arg(size)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
        for (const Variant* variant : plain_variants)
            benchmark::RegisterBenchmark(("Memcpy/" + variant->name()).c_str(), Memcpy, variant)
                ->Arg(size)
                ->UseRealTime()
                ->Unit(benchmark::kMillisecond);
    }
}

// Driver::open with KILN_STRICT=`mode` in the environment at its vkCreateInstance (Kiln reads it there;
// the instance keeps that mode), the previous value given back afterwards.
Driver open_with_strict(const char* mode, std::string label, const std::vector<const char*>& extensions) {
    const char* previous = std::getenv("KILN_STRICT");
    const std::string saved = previous ? previous : "";
    setenv("KILN_STRICT", mode, 1);
    Driver driver = Driver::open(std::move(label), KILN_BENCH_KILN_MANIFEST, "Kiln", extensions);
    if (previous)
        setenv("KILN_STRICT", saved.c_str(), 1);
    else
        unsetenv("KILN_STRICT");
    return driver;
}

}  // namespace

int main(int argc, char** argv) {
    // Mesa's implicit device-select layer would otherwise sit in both drivers' call chains.
    setenv("NODEVICE_SELECT", "1", 1);
    const std::vector<const char*> kiln_extensions = {"VK_KHR_external_memory", "VK_KHR_external_memory_win32",
                                                      "VK_KHR_external_memory_fd"};
    const std::vector<const char*> lavapipe_extensions = {"VK_KHR_external_memory", "VK_KHR_external_memory_fd"};
    // Two instances of each driver, one device each: device B imports what device A exports.
    Driver kiln_a = Driver::open("kiln A", KILN_BENCH_KILN_MANIFEST, "Kiln", kiln_extensions);
    Driver kiln_b = Driver::open("kiln B", KILN_BENCH_KILN_MANIFEST, "Kiln", kiln_extensions);
    // The same driver in strict mode: two more instances, made with KILN_STRICT=error.
    Driver kiln_strict_a = open_with_strict("error", "kiln strict A", kiln_extensions);
    Driver kiln_strict_b = open_with_strict("error", "kiln strict B", kiln_extensions);
    Driver lavapipe_a = Driver::open("lavapipe A", KILN_BENCH_LAVAPIPE_MANIFEST, "llvmpipe", lavapipe_extensions);
    Driver lavapipe_b = Driver::open("lavapipe B", KILN_BENCH_LAVAPIPE_MANIFEST, "llvmpipe", lavapipe_extensions);
    const Variant kiln_win32("kiln_win32", &kiln_a, &kiln_b, VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_BIT);
    const Variant kiln_win32_strict("kiln_win32_strict", &kiln_strict_a, &kiln_strict_b,
                                    VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_WIN32_BIT);
    const Variant kiln_fd("kiln_fd", &kiln_a, &kiln_b, VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT);
    const Variant lavapipe_fd("lavapipe_fd", &lavapipe_a, &lavapipe_b, VK_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD_BIT);
    register_benchmarks({&kiln_win32, &kiln_fd, &lavapipe_fd}, {&kiln_win32_strict});

    // Repetitions interleaved at random: fresh pages cost more in this kind of VM when the guest has
    // not backed them lately, which would otherwise penalise whichever benchmark runs first after a big free.
    return run_benchmarks(argc, argv,
                          {"--benchmark_repetitions=9", "--benchmark_report_aggregates_only=true",
                           "--benchmark_enable_random_interleaving=true", "--benchmark_min_time=0.25"},
                          {{"kiln A", kiln_a.describe()},
                           {"kiln B", kiln_b.describe()},
                           {"kiln strict A", kiln_strict_a.describe() + ", KILN_STRICT=error"},
                           {"kiln strict B", kiln_strict_b.describe() + ", KILN_STRICT=error"},
                           {"lavapipe A", lavapipe_a.describe()},
                           {"lavapipe B", lavapipe_b.describe()}});
}
