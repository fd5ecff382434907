// Compute kernels: Kiln beside lavapipe in one run, and a single-threaded host loop for context.
// Figures: docs/performance.md, "Compute kernels".
//
//   build/bench/kiln_compute_bench [--benchmark_filter=REGEX] [any Google Benchmark flag]
//
//   Saxpy/<driver>                  result = a * x + y over 16 Mi floats (out of place: two reads and one
//                                   write per element, as in-place saxpy), 128 invocations per workgroup
//   Reduce/<driver>                 the sum of 16 Mi uints in two dispatches: 1024 workgroups of 128 reduce
//                                   their grid-stride share in workgroup-shared memory (a tree with a
//                                   barrier per level), then one workgroup reduces the 1024 partial sums
//   Mandelbrot/<driver>             1024 x 1024 pixels, at most 256 iterations, the counts written to a
//                                   storage buffer; 16 x 8 workgroups
//   Matmul/naive_<T>x<T>/<driver>   c = a * b, 512 x 512 floats, one invocation per element of c reading
//                                   straight from the storage buffers; T x T workgroups (16 and 8)
//   Matmul/tiled_<T>x<T>/<driver>   the same through T x T tiles of a and b in workgroup-shared memory
//   <kernel>/host                   the same computation as a plain single-threaded C++ loop (one
//                                   Matmul/host: the naive i-j-k loop)
//
// <driver> is kiln or lavapipe. Each GPU iteration is one vkQueueSubmit of a command buffer recorded once
// (the dispatches, a compute-to-compute barrier between two dispatches, a compute-to-host barrier at
// the end) + vkWaitForFences + vkResetFences, wall-clock time. Buffers are HOST_VISIBLE | HOST_COHERENT,
// written once before the first iteration. Before any timing, each (kernel, driver) pair is run once with
// its output filled with a sentinel and compared against the host's result: a driver that lacks a
// command, refuses a shader or pipeline, exceeds a limit or computes a wrong result is skipped with the
// reason, not timed. The 16 x 16 matrix multiplies need 256 invocations per workgroup, more than the
// 128 the specification guarantees; the 8 x 8 ones run on any driver.
//
// By default every benchmark runs 9 repetitions of at least 0.25 s, interleaved at random, and only the
// aggregates are printed: quote the median. Later flags override these defaults
// (--benchmark_repetitions=1 for a quick look; --benchmark_filter=/kiln for Kiln's side only).

#include "bench_main.h"
#include "vulkan_driver.h"

#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace {

using kiln::bench::Driver;
using kiln::bench::run_benchmarks;

// The shaders of bench/shaders, compiled at build time by glslc into lists of SPIR-V words.
constexpr uint32_t kSaxpySpirv[] = {
#include "saxpy.inc"
};
constexpr uint32_t kReduceSpirv[] = {
#include "reduce.inc"
};
constexpr uint32_t kMandelbrotSpirv[] = {
#include "mandelbrot.inc"
};
constexpr uint32_t kMatmul16Spirv[] = {
#include "matmul_16.inc"
};
constexpr uint32_t kMatmul8Spirv[] = {
#include "matmul_8.inc"
};
constexpr uint32_t kMatmulTiled16Spirv[] = {
#include "matmul_tiled_16.inc"
};
constexpr uint32_t kMatmulTiled8Spirv[] = {
#include "matmul_tiled_8.inc"
};

struct Spirv {
    const char* name;
    const uint32_t* words;
    size_t bytes;
};

template <size_t N>
constexpr Spirv spirv(const char* name, const uint32_t (&words)[N]) {
    return {name, words, N * sizeof(uint32_t)};
}

// ---------------------------------------------------------------------------------------------------
// Problem sizes, and the push constants of each shader (the same layout on both sides).

constexpr uint32_t kSaxpyElements = uint32_t{1} << 24;
constexpr uint32_t kSaxpyGroupSize = 128;
constexpr uint32_t kSaxpyGroupsX = 4096;  // 2D: 131072 groups exceed the guaranteed 65535 per dimension
constexpr float kSaxpyA = 2.0f;
struct SaxpyParams {
    uint32_t n;
    float a;
};

constexpr uint32_t kReduceElements = uint32_t{1} << 24;
constexpr uint32_t kReduceGroupSize = 128;
constexpr uint32_t kReduceGroups = 1024;  // pass 1; pass 2 is one group over their sums
struct ReduceParams {
    uint32_t n;
};

struct MandelbrotParams {
    uint32_t width;
    uint32_t height;
    uint32_t max_iterations;
    float x0;
    float y0;
    float step;
};
constexpr MandelbrotParams kMandelbrot = {1024, 1024, 256, -2.0f, -1.5f, 3.0f / 1024.0f};
constexpr uint32_t kMandelbrotGroupX = 16;
constexpr uint32_t kMandelbrotGroupY = 8;

constexpr uint32_t kMatmulSize = 512;
struct MatmulParams {
    uint32_t n;
};

static_assert(kSaxpyElements % (kSaxpyGroupSize * kSaxpyGroupsX) == 0);
static_assert(kMandelbrot.width % kMandelbrotGroupX == 0 && kMandelbrot.height % kMandelbrotGroupY == 0);
static_assert(kMatmulSize % 16 == 0);  // the tiled shader has no bounds checks

// ---------------------------------------------------------------------------------------------------
// The host side: the reference every driver's result is compared with, and the baselines. Plain
// single-threaded loops, the same arithmetic in the same order as the shaders; compiled with the
// project's flags (Release: -O3, no -march), so GCC may vectorize saxpy and the sum with SSE2.

namespace host {

void saxpy(float a, const float* x, const float* y, float* result, uint32_t n) {
    for (uint32_t i = 0; i < n; ++i)
        result[i] = a * x[i] + y[i];
}

uint32_t reduce(const uint32_t* values, uint32_t n) {
    uint32_t sum = 0;
    for (uint32_t i = 0; i < n; ++i)
        sum += values[i];
    return sum;
}

// The shader's sequence of IEEE single-precision operations, none fused (C++ in ISO mode: GCC does not
// contract a * b + c unless asked to).
void mandelbrot(const MandelbrotParams& p, uint32_t* iterations) {
    for (uint32_t y = 0; y < p.height; ++y) {
        for (uint32_t x = 0; x < p.width; ++x) {
            const float cx = p.x0 + float(x) * p.step;
            const float cy = p.y0 + float(y) * p.step;
            float zx = 0.0f;
            float zy = 0.0f;
            uint32_t i = 0;
            for (; i < p.max_iterations; ++i) {
                const float zx2 = zx * zx;
                const float zy2 = zy * zy;
                if (zx2 + zy2 > 4.0f)
                    break;
                zy = 2.0f * zx * zy + cy;
                zx = zx2 - zy2 + cx;
            }
            iterations[y * p.width + x] = i;
        }
    }
}

// The naive i-j-k loop of the naive shader.
void matmul(const float* a, const float* b, float* c, uint32_t n) {
    for (uint32_t row = 0; row < n; ++row) {
        for (uint32_t column = 0; column < n; ++column) {
            float sum = 0.0f;
            for (uint32_t k = 0; k < n; ++k)
                sum += a[row * n + k] * b[k * n + column];
            c[row * n + column] = sum;
        }
    }
}

}  // namespace host

// Inputs and expected results, made once on first use. The float inputs are small multiples of 1/4 or
// small integers, so that every product and partial sum is exact in single precision: the expected
// result is the same whatever order a driver adds in and whether or not it fuses multiply-adds.

struct SaxpyData {
    std::vector<float> x, y, expected;
};
const SaxpyData& saxpy_data() {
    static const SaxpyData data = [] {
        SaxpyData d;
        d.x.resize(kSaxpyElements);
        d.y.resize(kSaxpyElements);
        d.expected.resize(kSaxpyElements);
        for (uint32_t i = 0; i < kSaxpyElements; ++i) {
            d.x[i] = float(int(i % 1000) - 500) * 0.25f;
            d.y[i] = float(int(i % 777)) * 0.5f;
        }
        host::saxpy(kSaxpyA, d.x.data(), d.y.data(), d.expected.data(), kSaxpyElements);
        return d;
    }();
    return data;
}

struct ReduceData {
    std::vector<uint32_t> values;
    uint32_t expected = 0;
};
const ReduceData& reduce_data() {
    static const ReduceData data = [] {
        ReduceData d;
        d.values.resize(kReduceElements);
        for (uint32_t i = 0; i < kReduceElements; ++i)
            d.values[i] = (i * 2654435761u) >> 24;  // 0..255, scattered
        d.expected = host::reduce(d.values.data(), kReduceElements);
        return d;
    }();
    return data;
}

struct MandelbrotData {
    std::vector<uint32_t> expected;
    uint64_t total_iterations = 0;  // sum of the counts: the z = z^2 + c steps of one image
};
const MandelbrotData& mandelbrot_data() {
    static const MandelbrotData data = [] {
        MandelbrotData d;
        d.expected.resize(size_t(kMandelbrot.width) * kMandelbrot.height);
        host::mandelbrot(kMandelbrot, d.expected.data());
        for (const uint32_t count : d.expected)
            d.total_iterations += count;
        return d;
    }();
    return data;
}

struct MatmulData {
    std::vector<float> a, b, expected;
};
const MatmulData& matmul_data() {
    static const MatmulData data = [] {
        constexpr uint32_t n = kMatmulSize;
        MatmulData d;
        d.a.resize(n * n);
        d.b.resize(n * n);
        d.expected.resize(n * n);
        for (uint32_t row = 0; row < n; ++row) {
            for (uint32_t column = 0; column < n; ++column) {
                d.a[row * n + column] = float(int((row * 3 + column * 5) % 11) - 5);
                d.b[row * n + column] = float(int((row * 7 + column * 2) % 13) - 6);
            }
        }
        host::matmul(d.a.data(), d.b.data(), d.expected.data(), n);
        return d;
    }();
    return data;
}

// ---------------------------------------------------------------------------------------------------
// Vulkan.

std::string result_name(VkResult result) {
    switch (result) {
    case VK_SUCCESS: return "VK_SUCCESS";
    case VK_NOT_READY: return "VK_NOT_READY";
    case VK_TIMEOUT: return "VK_TIMEOUT";
    case VK_INCOMPLETE: return "VK_INCOMPLETE";
    case VK_ERROR_OUT_OF_HOST_MEMORY: return "VK_ERROR_OUT_OF_HOST_MEMORY";
    case VK_ERROR_OUT_OF_DEVICE_MEMORY: return "VK_ERROR_OUT_OF_DEVICE_MEMORY";
    case VK_ERROR_INITIALIZATION_FAILED: return "VK_ERROR_INITIALIZATION_FAILED";
    case VK_ERROR_DEVICE_LOST: return "VK_ERROR_DEVICE_LOST";
    case VK_ERROR_MEMORY_MAP_FAILED: return "VK_ERROR_MEMORY_MAP_FAILED";
    case VK_ERROR_FEATURE_NOT_PRESENT: return "VK_ERROR_FEATURE_NOT_PRESENT";
    case VK_ERROR_TOO_MANY_OBJECTS: return "VK_ERROR_TOO_MANY_OBJECTS";
    case VK_ERROR_FRAGMENTED_POOL: return "VK_ERROR_FRAGMENTED_POOL";
    case VK_ERROR_OUT_OF_POOL_MEMORY: return "VK_ERROR_OUT_OF_POOL_MEMORY";
    case VK_ERROR_INVALID_SHADER_NV: return "VK_ERROR_INVALID_SHADER_NV";
    case VK_ERROR_UNKNOWN: return "VK_ERROR_UNKNOWN";
    default: return "VkResult";
    }
}

std::string vk_error(const char* call, VkResult result) {
    return std::string(call) + " returned " + std::to_string(result) + " (" + result_name(result) + ")";
}

// The device commands the compute benchmarks call, all from vkGetDeviceProcAddr: the driver's own
// functions, and a driver that does not have one is skipped (instead of calling through a NULL pointer).
#define KILN_COMPUTE_COMMANDS(X)                                                                           \
    X(GetDeviceQueue)                                                                                      \
    X(CreateBuffer)                                                                                        \
    X(DestroyBuffer)                                                                                       \
    X(GetBufferMemoryRequirements)                                                                         \
    X(BindBufferMemory)                                                                                    \
    X(CreateShaderModule)                                                                                  \
    X(DestroyShaderModule)                                                                                 \
    X(CreateDescriptorSetLayout)                                                                           \
    X(DestroyDescriptorSetLayout)                                                                          \
    X(CreatePipelineLayout)                                                                                \
    X(DestroyPipelineLayout)                                                                               \
    X(CreateComputePipelines)                                                                              \
    X(DestroyPipeline)                                                                                     \
    X(CreateDescriptorPool)                                                                                \
    X(DestroyDescriptorPool)                                                                               \
    X(AllocateDescriptorSets)                                                                              \
    X(UpdateDescriptorSets)                                                                                \
    X(CreateCommandPool)                                                                                   \
    X(DestroyCommandPool)                                                                                  \
    X(AllocateCommandBuffers)                                                                              \
    X(BeginCommandBuffer)                                                                                  \
    X(EndCommandBuffer)                                                                                    \
    X(CmdBindPipeline)                                                                                     \
    X(CmdBindDescriptorSets)                                                                               \
    X(CmdPushConstants)                                                                                    \
    X(CmdDispatch)                                                                                         \
    X(CmdPipelineBarrier)                                                                                  \
    X(CreateFence)                                                                                         \
    X(DestroyFence)                                                                                        \
    X(ResetFences)                                                                                         \
    X(WaitForFences)                                                                                       \
    X(QueueSubmit)

struct ComputeFunctions {
#define KILN_DECLARE_COMMAND(name) PFN_vk##name name = nullptr;
    KILN_COMPUTE_COMMANDS(KILN_DECLARE_COMMAND)
#undef KILN_DECLARE_COMMAND
};

// A generous bound on one submission, so that a hung driver is reported rather than waited for forever.
constexpr uint64_t kFenceTimeoutNs = uint64_t{120} * 1000 * 1000 * 1000;

enum class Kernel { Saxpy, Reduce, Mandelbrot, MatmulNaive16, MatmulNaive8, MatmulTiled16, MatmulTiled8 };

class Workload;

// One driver's compute side: its commands, its queue, and the workloads built on it (each built and
// verified once, on first use, and kept until the end of the run).
class Gpu {
public:
    explicit Gpu(const Driver& driver);
    ~Gpu();
    Gpu(const Gpu&) = delete;
    Gpu& operator=(const Gpu&) = delete;

    bool ok() const { return error_.empty(); }
    const std::string& error() const { return error_; }
    const std::string& label() const { return driver_.label(); }
    const Driver& driver() const { return driver_; }
    const ComputeFunctions& vk() const { return vk_; }
    VkQueue queue() const { return queue_; }
    const VkPhysicalDeviceLimits& limits() const { return driver_.properties().limits; }

    Workload& workload(Kernel kernel);

private:
    const Driver& driver_;
    std::string error_;
    ComputeFunctions vk_;
    VkQueue queue_ = VK_NULL_HANDLE;
    std::map<Kernel, std::unique_ptr<Workload>> workloads_;
};

Gpu::Gpu(const Driver& driver) : driver_(driver) {
    if (!driver.ok()) {
        error_ = driver.error();
        return;
    }
    std::vector<std::string> missing;
#define KILN_LOAD_COMMAND(name)                                                                            \
    vk_.name = reinterpret_cast<PFN_vk##name>(driver.device_function("vk" #name));                         \
    if (!vk_.name)                                                                                         \
        missing.push_back("vk" #name);
    KILN_COMPUTE_COMMANDS(KILN_LOAD_COMMAND)
#undef KILN_LOAD_COMMAND
    if (!missing.empty()) {
        std::string names;
        for (size_t i = 0; i < missing.size() && i < 4; ++i)
            names += (i ? ", " : "") + missing[i];
        if (missing.size() > 4)
            names += " and " + std::to_string(missing.size() - 4) + " more";
        error_ = label() + ": vkGetDeviceProcAddr returned NULL for " + names;
        return;
    }
    uint32_t family_count = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(driver.physical_device(), &family_count, nullptr);
    std::vector<VkQueueFamilyProperties> families(family_count);
    vkGetPhysicalDeviceQueueFamilyProperties(driver.physical_device(), &family_count, families.data());
    if (families.empty() || !(families[0].queueFlags & VK_QUEUE_COMPUTE_BIT)) {
        error_ = label() + ": queue family 0 (the one the device was created with) has no COMPUTE";
        return;
    }
    vk_.GetDeviceQueue(driver.device(), 0, 0, &queue_);
    if (!queue_)
        error_ = label() + ": vkGetDeviceQueue gave no queue";
}

struct Buffer {
    VkBuffer buffer = VK_NULL_HANDLE;
    VkDeviceMemory memory = VK_NULL_HANDLE;
    void* data = nullptr;
    VkDeviceSize size = 0;
};

struct Program {
    const char* name = nullptr;
    VkShaderModule module = VK_NULL_HANDLE;
    VkDescriptorSetLayout set_layout = VK_NULL_HANDLE;
    VkPipelineLayout layout = VK_NULL_HANDLE;
    VkPipeline pipeline = VK_NULL_HANDLE;
    uint32_t push_size = 0;
};

// What a shader asks of the device, checked against its limits before the pipeline is made.
struct Shape {
    uint32_t local_x;
    uint32_t local_y;
    uint32_t shared_bytes;
};

struct Dispatch {
    const Program* program = nullptr;
    VkDescriptorSet set = VK_NULL_HANDLE;
    std::array<uint32_t, 8> push{};
    uint32_t groups_x = 1;
    uint32_t groups_y = 1;
};

template <typename Params>
Dispatch dispatch(const Program* program, VkDescriptorSet set, const Params& params, uint32_t groups_x,
                  uint32_t groups_y) {
    static_assert(sizeof(Params) <= sizeof(Dispatch::push) && sizeof(Params) % 4 == 0);
    Dispatch d;
    d.program = program;
    d.set = set;
    std::memcpy(d.push.data(), &params, sizeof(Params));
    d.groups_x = groups_x;
    d.groups_y = groups_y;
    return d;
}

// The Vulkan objects of one benchmark on one driver: buffers, pipelines, descriptor sets, one command
// buffer recorded once, one fence. Every step after a failure does nothing; error() says what failed.
class Workload {
public:
    explicit Workload(const Gpu& gpu) : gpu_(gpu), device_(gpu.driver().device()), vk_(gpu.vk()) {}
    ~Workload();
    Workload(const Workload&) = delete;
    Workload& operator=(const Workload&) = delete;

    bool ok() const { return error_.empty(); }
    const std::string& error() const { return error_; }
    const std::string& note() const { return note_; }
    void set_note(std::string note) { note_ = std::move(note); }
    // Records a failure (the first one wins); an empty `why` is success.
    void fail(const std::string& why) {
        if (error_.empty() && !why.empty())
            error_ = gpu_.label() + ": " + why;
    }

    // A storage buffer in the driver's HOST_VISIBLE | HOST_COHERENT memory, mapped, every page written.
    Buffer* buffer(VkDeviceSize size);
    Program* program(const Spirv& spirv, uint32_t bindings, uint32_t push_size, Shape shape);
    VkDescriptorSet descriptor_set(const Program* program, std::initializer_list<const Buffer*> buffers);
    void record(const std::vector<Dispatch>& dispatches);
    // One submission of the command buffer, waited for; false (and error()) on failure.
    bool run();

private:
    const Gpu& gpu_;
    VkDevice device_;
    const ComputeFunctions& vk_;
    std::string error_;
    std::string note_;
    bool pending_ = false;  // a submission may still be executing: destroy nothing
    std::vector<std::unique_ptr<Buffer>> buffers_;
    std::vector<std::unique_ptr<Program>> programs_;
    VkDescriptorPool descriptor_pool_ = VK_NULL_HANDLE;
    VkCommandPool command_pool_ = VK_NULL_HANDLE;
    VkCommandBuffer command_buffer_ = VK_NULL_HANDLE;
    VkFence fence_ = VK_NULL_HANDLE;
};

Workload::~Workload() {
    if (pending_)
        return;  // leaked on purpose: the driver may still be using all of it
    if (fence_)
        vk_.DestroyFence(device_, fence_, nullptr);
    if (command_pool_)
        vk_.DestroyCommandPool(device_, command_pool_, nullptr);
    if (descriptor_pool_)
        vk_.DestroyDescriptorPool(device_, descriptor_pool_, nullptr);
    for (const std::unique_ptr<Program>& p : programs_) {
        if (p->pipeline)
            vk_.DestroyPipeline(device_, p->pipeline, nullptr);
        if (p->layout)
            vk_.DestroyPipelineLayout(device_, p->layout, nullptr);
        if (p->set_layout)
            vk_.DestroyDescriptorSetLayout(device_, p->set_layout, nullptr);
        if (p->module)
            vk_.DestroyShaderModule(device_, p->module, nullptr);
    }
    const kiln::bench::DeviceFunctions& memory = gpu_.driver().functions();
    for (const std::unique_ptr<Buffer>& b : buffers_) {
        if (b->data)
            memory.unmap_memory(device_, b->memory);
        if (b->buffer)
            vk_.DestroyBuffer(device_, b->buffer, nullptr);
        if (b->memory)
            memory.free_memory(device_, b->memory, nullptr);
    }
}

Buffer* Workload::buffer(VkDeviceSize size) {
    if (!ok())
        return nullptr;
    if (size > gpu_.limits().maxStorageBufferRange) {
        fail("a " + std::to_string(size) + "-byte storage buffer exceeds maxStorageBufferRange (" +
             std::to_string(gpu_.limits().maxStorageBufferRange) + ")");
        return nullptr;
    }
    Buffer* b = buffers_.emplace_back(std::make_unique<Buffer>()).get();
    b->size = size;
    VkBufferCreateInfo info{};
    info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
    info.size = size;
    info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
    info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    VkResult result = vk_.CreateBuffer(device_, &info, nullptr, &b->buffer);
    if (result != VK_SUCCESS) {
        b->buffer = VK_NULL_HANDLE;
        fail(vk_error("vkCreateBuffer", result));
        return nullptr;
    }
    VkMemoryRequirements requirements{};
    vk_.GetBufferMemoryRequirements(device_, b->buffer, &requirements);
    const uint32_t type = gpu_.driver().host_memory_type();
    if (!(requirements.memoryTypeBits & (1u << type))) {
        fail("a storage buffer cannot live in memory type " + std::to_string(type) + " (HOST_VISIBLE | HOST_COHERENT)");
        return nullptr;
    }
    VkMemoryAllocateInfo allocate{};
    allocate.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
    allocate.allocationSize = requirements.size;
    allocate.memoryTypeIndex = type;
    const kiln::bench::DeviceFunctions& memory = gpu_.driver().functions();
    result = memory.allocate_memory(device_, &allocate, nullptr, &b->memory);
    if (result != VK_SUCCESS) {
        b->memory = VK_NULL_HANDLE;
        fail(vk_error("vkAllocateMemory", result));
        return nullptr;
    }
    result = vk_.BindBufferMemory(device_, b->buffer, b->memory, 0);
    if (result != VK_SUCCESS) {
        fail(vk_error("vkBindBufferMemory", result));
        return nullptr;
    }
    result = memory.map_memory(device_, b->memory, 0, VK_WHOLE_SIZE, 0, &b->data);
    if (result != VK_SUCCESS) {
        b->data = nullptr;
        fail(vk_error("vkMapMemory", result));
        return nullptr;
    }
    std::memset(b->data, 0, size);  // first touch here, not in a timed iteration
    return b;
}

Program* Workload::program(const Spirv& spirv, uint32_t bindings, uint32_t push_size, Shape shape) {
    if (!ok())
        return nullptr;
    const VkPhysicalDeviceLimits& limits = gpu_.limits();
    const uint32_t invocations = shape.local_x * shape.local_y;
    if (invocations > limits.maxComputeWorkGroupInvocations || shape.local_x > limits.maxComputeWorkGroupSize[0] ||
        shape.local_y > limits.maxComputeWorkGroupSize[1]) {
        fail(std::string(spirv.name) + ": a " + std::to_string(shape.local_x) + "x" + std::to_string(shape.local_y) +
             " workgroup (" + std::to_string(invocations) + " invocations) exceeds the device's limits (" +
             "maxComputeWorkGroupInvocations " + std::to_string(limits.maxComputeWorkGroupInvocations) + ")");
        return nullptr;
    }
    if (shape.shared_bytes > limits.maxComputeSharedMemorySize) {
        fail(std::string(spirv.name) + ": " + std::to_string(shape.shared_bytes) +
             " bytes of workgroup memory exceed maxComputeSharedMemorySize (" +
             std::to_string(limits.maxComputeSharedMemorySize) + ")");
        return nullptr;
    }
    if (push_size > limits.maxPushConstantsSize) {
        fail(std::string(spirv.name) + ": push constants exceed maxPushConstantsSize");
        return nullptr;
    }
    Program* p = programs_.emplace_back(std::make_unique<Program>()).get();
    p->name = spirv.name;
    p->push_size = push_size;

    VkShaderModuleCreateInfo module_info{};
    module_info.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO;
    module_info.codeSize = spirv.bytes;
    module_info.pCode = spirv.words;
    VkResult result = vk_.CreateShaderModule(device_, &module_info, nullptr, &p->module);
    if (result != VK_SUCCESS) {
        p->module = VK_NULL_HANDLE;
        fail(vk_error("vkCreateShaderModule", result) + " for " + spirv.name);
        return nullptr;
    }

    std::vector<VkDescriptorSetLayoutBinding> layout_bindings(bindings);
    for (uint32_t i = 0; i < bindings; ++i) {
        layout_bindings[i].binding = i;
        layout_bindings[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        layout_bindings[i].descriptorCount = 1;
        layout_bindings[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
    }
    VkDescriptorSetLayoutCreateInfo set_info{};
    set_info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO;
    set_info.bindingCount = bindings;
    set_info.pBindings = layout_bindings.data();
    result = vk_.CreateDescriptorSetLayout(device_, &set_info, nullptr, &p->set_layout);
    if (result != VK_SUCCESS) {
        p->set_layout = VK_NULL_HANDLE;
        fail(vk_error("vkCreateDescriptorSetLayout", result));
        return nullptr;
    }

    VkPushConstantRange range{};
    range.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
    range.offset = 0;
    range.size = push_size;
    VkPipelineLayoutCreateInfo layout_info{};
    layout_info.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO;
    layout_info.setLayoutCount = 1;
    layout_info.pSetLayouts = &p->set_layout;
    layout_info.pushConstantRangeCount = push_size ? 1 : 0;
    layout_info.pPushConstantRanges = &range;
    result = vk_.CreatePipelineLayout(device_, &layout_info, nullptr, &p->layout);
    if (result != VK_SUCCESS) {
        p->layout = VK_NULL_HANDLE;
        fail(vk_error("vkCreatePipelineLayout", result));
        return nullptr;
    }

    VkComputePipelineCreateInfo pipeline_info{};
    pipeline_info.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO;
    pipeline_info.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
    pipeline_info.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    pipeline_info.stage.module = p->module;
    pipeline_info.stage.pName = "main";
    pipeline_info.layout = p->layout;
    pipeline_info.basePipelineIndex = -1;
    result = vk_.CreateComputePipelines(device_, VK_NULL_HANDLE, 1, &pipeline_info, nullptr, &p->pipeline);
    if (result != VK_SUCCESS) {
        p->pipeline = VK_NULL_HANDLE;
        fail(vk_error("vkCreateComputePipelines", result) + " for " + spirv.name);
        return nullptr;
    }
    return p;
}

VkDescriptorSet Workload::descriptor_set(const Program* program, std::initializer_list<const Buffer*> buffers) {
    if (!ok())
        return VK_NULL_HANDLE;
    if (!descriptor_pool_) {
        const VkDescriptorPoolSize size = {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 16};
        VkDescriptorPoolCreateInfo info{};
        info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO;
        info.maxSets = 4;
        info.poolSizeCount = 1;
        info.pPoolSizes = &size;
        const VkResult result = vk_.CreateDescriptorPool(device_, &info, nullptr, &descriptor_pool_);
        if (result != VK_SUCCESS) {
            descriptor_pool_ = VK_NULL_HANDLE;
            fail(vk_error("vkCreateDescriptorPool", result));
            return VK_NULL_HANDLE;
        }
    }
    VkDescriptorSetAllocateInfo allocate{};
    allocate.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO;
    allocate.descriptorPool = descriptor_pool_;
    allocate.descriptorSetCount = 1;
    allocate.pSetLayouts = &program->set_layout;
    VkDescriptorSet set = VK_NULL_HANDLE;
    const VkResult result = vk_.AllocateDescriptorSets(device_, &allocate, &set);
    if (result != VK_SUCCESS) {
        fail(vk_error("vkAllocateDescriptorSets", result));
        return VK_NULL_HANDLE;
    }
    std::vector<VkDescriptorBufferInfo> infos;
    for (const Buffer* b : buffers)
        infos.push_back({b->buffer, 0, VK_WHOLE_SIZE});
    std::vector<VkWriteDescriptorSet> writes(infos.size());
    for (size_t i = 0; i < infos.size(); ++i) {
        writes[i].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
        writes[i].dstSet = set;
        writes[i].dstBinding = uint32_t(i);
        writes[i].descriptorCount = 1;
        writes[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        writes[i].pBufferInfo = &infos[i];
    }
    vk_.UpdateDescriptorSets(device_, uint32_t(writes.size()), writes.data(), 0, nullptr);
    return set;
}

void Workload::record(const std::vector<Dispatch>& dispatches) {
    if (!ok())
        return;
    const VkPhysicalDeviceLimits& limits = gpu_.limits();
    for (const Dispatch& d : dispatches) {
        if (d.groups_x > limits.maxComputeWorkGroupCount[0] || d.groups_y > limits.maxComputeWorkGroupCount[1]) {
            fail(std::string(d.program->name) + ": " + std::to_string(d.groups_x) + "x" + std::to_string(d.groups_y) +
                 " workgroups exceed maxComputeWorkGroupCount");
            return;
        }
    }
    VkCommandPoolCreateInfo pool_info{};
    pool_info.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
    pool_info.queueFamilyIndex = 0;
    VkResult result = vk_.CreateCommandPool(device_, &pool_info, nullptr, &command_pool_);
    if (result != VK_SUCCESS) {
        command_pool_ = VK_NULL_HANDLE;
        fail(vk_error("vkCreateCommandPool", result));
        return;
    }
    VkCommandBufferAllocateInfo allocate{};
    allocate.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
    allocate.commandPool = command_pool_;
    allocate.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    allocate.commandBufferCount = 1;
    result = vk_.AllocateCommandBuffers(device_, &allocate, &command_buffer_);
    if (result != VK_SUCCESS) {
        command_buffer_ = VK_NULL_HANDLE;
        fail(vk_error("vkAllocateCommandBuffers", result));
        return;
    }
    VkCommandBufferBeginInfo begin{};
    begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;  // no ONE_TIME_SUBMIT: submitted again and again
    result = vk_.BeginCommandBuffer(command_buffer_, &begin);
    if (result != VK_SUCCESS) {
        fail(vk_error("vkBeginCommandBuffer", result));
        return;
    }
    VkMemoryBarrier barrier{};
    barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
    barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
    barrier.dstAccessMask = VK_ACCESS_SHADER_READ_BIT;
    for (size_t i = 0; i < dispatches.size(); ++i) {
        const Dispatch& d = dispatches[i];
        if (i > 0)  // the next dispatch reads what the previous one wrote
            vk_.CmdPipelineBarrier(command_buffer_, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                                   VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &barrier, 0, nullptr, 0, nullptr);
        vk_.CmdBindPipeline(command_buffer_, VK_PIPELINE_BIND_POINT_COMPUTE, d.program->pipeline);
        vk_.CmdBindDescriptorSets(command_buffer_, VK_PIPELINE_BIND_POINT_COMPUTE, d.program->layout, 0, 1, &d.set,
                                  0, nullptr);
        if (d.program->push_size)
            vk_.CmdPushConstants(command_buffer_, d.program->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0,
                                 d.program->push_size, d.push.data());
        vk_.CmdDispatch(command_buffer_, d.groups_x, d.groups_y, 1);
    }
    // The host reads the results after the fence.
    barrier.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    vk_.CmdPipelineBarrier(command_buffer_, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1,
                           &barrier, 0, nullptr, 0, nullptr);
    result = vk_.EndCommandBuffer(command_buffer_);
    if (result != VK_SUCCESS) {
        fail(vk_error("vkEndCommandBuffer", result));
        return;
    }
    VkFenceCreateInfo fence_info{};
    fence_info.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
    result = vk_.CreateFence(device_, &fence_info, nullptr, &fence_);
    if (result != VK_SUCCESS) {
        fence_ = VK_NULL_HANDLE;
        fail(vk_error("vkCreateFence", result));
    }
}

bool Workload::run() {
    if (!ok())
        return false;
    VkSubmitInfo submit{};
    submit.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
    submit.commandBufferCount = 1;
    submit.pCommandBuffers = &command_buffer_;
    VkResult result = vk_.QueueSubmit(gpu_.queue(), 1, &submit, fence_);
    if (result != VK_SUCCESS) {
        fail(vk_error("vkQueueSubmit", result));
        return false;
    }
    result = vk_.WaitForFences(device_, 1, &fence_, VK_TRUE, kFenceTimeoutNs);
    if (result != VK_SUCCESS) {
        pending_ = true;
        fail(vk_error("vkWaitForFences", result) + (result == VK_TIMEOUT ? " after 120 s" : ""));
        return false;
    }
    result = vk_.ResetFences(device_, 1, &fence_);
    if (result != VK_SUCCESS) {
        fail(vk_error("vkResetFences", result));
        return false;
    }
    return true;
}

// ---------------------------------------------------------------------------------------------------
// The kernels: each builds its workload, runs it once with a sentinel in its output, and compares the
// output with the host's.

template <typename T>
std::string compare_exact(const char* what, const T* actual, const std::vector<T>& expected) {
    size_t wrong = 0;
    size_t first = 0;
    for (size_t i = 0; i < expected.size(); ++i) {
        if (!(actual[i] == expected[i])) {
            if (wrong++ == 0)
                first = i;
        }
    }
    if (wrong == 0)
        return {};
    return "wrong result: " + std::to_string(wrong) + " of " + std::to_string(expected.size()) + " " + what +
           " differ from the host's; [" + std::to_string(first) + "] = " + std::to_string(actual[first]) +
           ", expected " + std::to_string(expected[first]);
}

std::unique_ptr<Workload> build_saxpy(const Gpu& gpu) {
    const SaxpyData& data = saxpy_data();
    auto w = std::make_unique<Workload>(gpu);
    const VkDeviceSize bytes = VkDeviceSize{kSaxpyElements} * sizeof(float);
    Buffer* x = w->buffer(bytes);
    Buffer* y = w->buffer(bytes);
    Buffer* result = w->buffer(bytes);
    if (!w->ok())
        return w;
    std::memcpy(x->data, data.x.data(), bytes);
    std::memcpy(y->data, data.y.data(), bytes);
    const Program* program =
        w->program(spirv("saxpy.comp", kSaxpySpirv), 3, sizeof(SaxpyParams), {kSaxpyGroupSize, 1, 0});
    const VkDescriptorSet set = w->descriptor_set(program, {x, y, result});
    const uint32_t groups = kSaxpyElements / kSaxpyGroupSize;
    w->record({dispatch(program, set, SaxpyParams{kSaxpyElements, kSaxpyA}, kSaxpyGroupsX, groups / kSaxpyGroupsX)});
    if (!w->ok())
        return w;
    std::memset(result->data, 0xff, bytes);  // NaN: a dispatch that writes nothing is wrong
    if (w->run())
        w->fail(compare_exact("elements", static_cast<const float*>(result->data), data.expected));
    return w;
}

std::unique_ptr<Workload> build_reduce(const Gpu& gpu) {
    const ReduceData& data = reduce_data();
    auto w = std::make_unique<Workload>(gpu);
    const VkDeviceSize bytes = VkDeviceSize{kReduceElements} * sizeof(uint32_t);
    Buffer* values = w->buffer(bytes);
    Buffer* partial = w->buffer(kReduceGroups * sizeof(uint32_t));
    Buffer* total = w->buffer(sizeof(uint32_t));
    if (!w->ok())
        return w;
    std::memcpy(values->data, data.values.data(), bytes);
    const Program* program = w->program(spirv("reduce.comp", kReduceSpirv), 2, sizeof(ReduceParams),
                                        {kReduceGroupSize, 1, kReduceGroupSize * sizeof(uint32_t)});
    const VkDescriptorSet first = w->descriptor_set(program, {values, partial});
    const VkDescriptorSet second = w->descriptor_set(program, {partial, total});
    w->record({dispatch(program, first, ReduceParams{kReduceElements}, kReduceGroups, 1),
               dispatch(program, second, ReduceParams{kReduceGroups}, 1, 1)});
    if (!w->ok())
        return w;
    std::memset(partial->data, 0xff, partial->size);
    std::memset(total->data, 0xff, total->size);
    if (!w->run())
        return w;
    const uint32_t actual = *static_cast<const uint32_t*>(total->data);
    if (actual != data.expected)
        w->fail("wrong result: the sum is " + std::to_string(actual) + ", the host's " + std::to_string(data.expected));
    return w;
}

std::unique_ptr<Workload> build_mandelbrot(const Gpu& gpu) {
    const MandelbrotData& data = mandelbrot_data();
    auto w = std::make_unique<Workload>(gpu);
    const size_t pixels = data.expected.size();
    Buffer* iterations = w->buffer(pixels * sizeof(uint32_t));
    const Program* program = w->program(spirv("mandelbrot.comp", kMandelbrotSpirv), 1, sizeof(MandelbrotParams),
                                        {kMandelbrotGroupX, kMandelbrotGroupY, 0});
    const VkDescriptorSet set = w->descriptor_set(program, {iterations});
    w->record({dispatch(program, set, kMandelbrot, kMandelbrot.width / kMandelbrotGroupX,
                        kMandelbrot.height / kMandelbrotGroupY)});
    if (!w->ok())
        return w;
    std::memset(iterations->data, 0xff, iterations->size);
    if (!w->run())
        return w;
    // The shader forbids fused multiply-adds (precise), so a conformant driver computes the host's counts
    // exactly, except where it flushes a denormal to zero (allowed): a pixel in a thousand may differ.
    const auto* actual = static_cast<const uint32_t*>(iterations->data);
    size_t wrong = 0;
    size_t first = 0;
    for (size_t i = 0; i < pixels; ++i) {
        if (actual[i] != data.expected[i] && wrong++ == 0)
            first = i;
    }
    if (wrong > pixels / 1000)
        w->fail(compare_exact("pixels", actual, data.expected));
    else if (wrong > 0)
        w->set_note(std::to_string(wrong) + " of " + std::to_string(pixels) + " pixels differ from the host's (first: " +
                    std::to_string(first) + ")");
    return w;
}

std::unique_ptr<Workload> build_matmul(const Gpu& gpu, bool tiled, uint32_t tile) {
    const MatmulData& data = matmul_data();
    constexpr uint32_t n = kMatmulSize;
    auto w = std::make_unique<Workload>(gpu);
    const VkDeviceSize bytes = VkDeviceSize{n} * n * sizeof(float);
    Buffer* a = w->buffer(bytes);
    Buffer* b = w->buffer(bytes);
    Buffer* c = w->buffer(bytes);
    if (!w->ok())
        return w;
    std::memcpy(a->data, data.a.data(), bytes);
    std::memcpy(b->data, data.b.data(), bytes);
    const Spirv code = tiled ? (tile == 16 ? spirv("matmul_tiled.comp (TILE=16)", kMatmulTiled16Spirv)
                                           : spirv("matmul_tiled.comp (TILE=8)", kMatmulTiled8Spirv))
                             : (tile == 16 ? spirv("matmul.comp (TILE=16)", kMatmul16Spirv)
                                           : spirv("matmul.comp (TILE=8)", kMatmul8Spirv));
    const uint32_t shared = tiled ? 2 * tile * tile * uint32_t(sizeof(float)) : 0;
    const Program* program = w->program(code, 3, sizeof(MatmulParams), {tile, tile, shared});
    const VkDescriptorSet set = w->descriptor_set(program, {a, b, c});
    w->record({dispatch(program, set, MatmulParams{n}, n / tile, n / tile)});
    if (!w->ok())
        return w;
    std::memset(c->data, 0xff, bytes);
    if (w->run())
        w->fail(compare_exact("elements", static_cast<const float*>(c->data), data.expected));
    return w;
}

Workload& Gpu::workload(Kernel kernel) {
    std::unique_ptr<Workload>& w = workloads_[kernel];
    if (w)
        return *w;
    switch (kernel) {
    case Kernel::Saxpy: w = build_saxpy(*this); break;
    case Kernel::Reduce: w = build_reduce(*this); break;
    case Kernel::Mandelbrot: w = build_mandelbrot(*this); break;
    case Kernel::MatmulNaive16: w = build_matmul(*this, false, 16); break;
    case Kernel::MatmulNaive8: w = build_matmul(*this, false, 8); break;
    case Kernel::MatmulTiled16: w = build_matmul(*this, true, 16); break;
    case Kernel::MatmulTiled8: w = build_matmul(*this, true, 8); break;
    }
    return *w;
}

Gpu::~Gpu() {
    workloads_.clear();  // before the driver's device goes
}

// items: elements (saxpy, reduce), pixels (Mandelbrot), multiply-adds (matrix multiply); bytes: what
// the kernel must read and write at least; Mandelbrot's `steps`: z = z^2 + c iterations per second.
void set_counters(benchmark::State& state, Kernel kernel) {
    const auto iterations = int64_t(state.iterations());
    switch (kernel) {
    case Kernel::Saxpy:
        state.SetItemsProcessed(iterations * kSaxpyElements);
        state.SetBytesProcessed(iterations * kSaxpyElements * 3 * int64_t(sizeof(float)));
        break;
    case Kernel::Reduce:
        state.SetItemsProcessed(iterations * kReduceElements);
        state.SetBytesProcessed(iterations * kReduceElements * int64_t(sizeof(uint32_t)));
        break;
    case Kernel::Mandelbrot: {
        const int64_t pixels = int64_t(kMandelbrot.width) * kMandelbrot.height;
        state.SetItemsProcessed(iterations * pixels);
        state.SetBytesProcessed(iterations * pixels * int64_t(sizeof(uint32_t)));
        state.counters["steps"] = benchmark::Counter(double(mandelbrot_data().total_iterations),
                                                     benchmark::Counter::kIsIterationInvariantRate);
        break;
    }
    case Kernel::MatmulNaive16:
    case Kernel::MatmulNaive8:
    case Kernel::MatmulTiled16:
    case Kernel::MatmulTiled8: {
        const int64_t n = kMatmulSize;
        state.SetItemsProcessed(iterations * n * n * n);
        state.SetBytesProcessed(iterations * 3 * n * n * int64_t(sizeof(float)));
        break;
    }
    }
}

// One submission + wait per iteration, of a workload built and verified before the first one.
void GpuKernel(benchmark::State& state, Gpu* gpu, Kernel kernel) {
    if (!gpu->ok()) {
        state.SkipWithError(gpu->error().c_str());
        return;
    }
    Workload& w = gpu->workload(kernel);
    if (!w.ok()) {
        state.SkipWithError(w.error().c_str());
        return;
    }
    for (auto _ : state) {
        if (!w.run()) {
            state.SkipWithError(w.error().c_str());
            break;
        }
    }
    set_counters(state, kernel);
    if (!w.note().empty())
        state.SetLabel(w.note());
}

// The host's single-threaded loop, into its own output (written once before the loop).
void HostKernel(benchmark::State& state, Kernel kernel) {
    switch (kernel) {
    case Kernel::Saxpy: {
        const SaxpyData& data = saxpy_data();
        std::vector<float> result(kSaxpyElements, 0.0f);
        for (auto _ : state) {
            host::saxpy(kSaxpyA, data.x.data(), data.y.data(), result.data(), kSaxpyElements);
            benchmark::ClobberMemory();
        }
        break;
    }
    case Kernel::Reduce: {
        const ReduceData& data = reduce_data();
        for (auto _ : state) {
            const uint32_t sum = host::reduce(data.values.data(), kReduceElements);
            benchmark::DoNotOptimize(sum);
        }
        break;
    }
    case Kernel::Mandelbrot: {
        std::vector<uint32_t> iterations(size_t(kMandelbrot.width) * kMandelbrot.height, 0);
        mandelbrot_data();  // for the counter, made before the loop
        for (auto _ : state) {
            host::mandelbrot(kMandelbrot, iterations.data());
            benchmark::ClobberMemory();
        }
        break;
    }
    default: {
        const MatmulData& data = matmul_data();
        std::vector<float> c(size_t(kMatmulSize) * kMatmulSize, 0.0f);
        for (auto _ : state) {
            host::matmul(data.a.data(), data.b.data(), c.data(), kMatmulSize);
            benchmark::ClobberMemory();
        }
        break;
    }
    }
    set_counters(state, kernel);
}

// Registration order: each kernel's drivers and host loop next to each other.
void register_benchmarks(const std::vector<Gpu*>& gpus) {
    const std::pair<const char*, Kernel> kernels[] = {
        {"Saxpy", Kernel::Saxpy},
        {"Reduce", Kernel::Reduce},
        {"Mandelbrot", Kernel::Mandelbrot},
        {"Matmul/naive_16x16", Kernel::MatmulNaive16},
        {"Matmul/naive_8x8", Kernel::MatmulNaive8},
        {"Matmul/tiled_16x16", Kernel::MatmulTiled16},
        {"Matmul/tiled_8x8", Kernel::MatmulTiled8},
    };
    for (const auto& [name, kernel] : kernels) {
        for (Gpu* gpu : gpus)
            benchmark::RegisterBenchmark((std::string(name) + "/" + gpu->label()).c_str(), GpuKernel, gpu, kernel)
                ->UseRealTime()
                ->Unit(benchmark::kMillisecond);
        if (kernel == Kernel::MatmulNaive16 || kernel == Kernel::MatmulNaive8 || kernel == Kernel::MatmulTiled16)
            continue;  // one host loop for the four matrix multiplies, registered after the last
        benchmark::RegisterBenchmark((std::string(kernel == Kernel::MatmulTiled8 ? "Matmul" : name) + "/host").c_str(),
                                     HostKernel, kernel)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
    }
}

std::string host_compiler() {
    std::string s = "single-threaded loops, g++ " __VERSION__;
#if defined(__AVX2__)
    s += ", AVX2";
#elif defined(__AVX__)
    s += ", AVX";
#else
    s += ", SSE2 (no -march)";
#endif
#if defined(__OPTIMIZE__)
    s += ", optimized";
#endif
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    // Mesa's implicit device-select layer would otherwise sit in both drivers' call chains.
    setenv("NODEVICE_SELECT", "1", 1);
    Driver kiln = Driver::open("kiln", KILN_BENCH_KILN_MANIFEST, "Kiln");
    Driver lavapipe = Driver::open("lavapipe", KILN_BENCH_LAVAPIPE_MANIFEST, "llvmpipe");
    // After the drivers, so that their workloads are destroyed before the devices.
    Gpu kiln_gpu(kiln);
    Gpu lavapipe_gpu(lavapipe);
    register_benchmarks({&kiln_gpu, &lavapipe_gpu});

    return run_benchmarks(argc, argv,
                          {"--benchmark_repetitions=9", "--benchmark_report_aggregates_only=true",
                           "--benchmark_enable_random_interleaving=true", "--benchmark_min_time=0.25"},
                          {{"kiln", kiln.describe() + (kiln_gpu.ok() ? "" : "; compute: " + kiln_gpu.error())},
                           {"lavapipe", lavapipe.describe() + (lavapipe_gpu.ok() ? "" : "; compute: " + lavapipe_gpu.error())},
                           {"host", host_compiler()}});
}
