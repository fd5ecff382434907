// Offscreen rasterization on Kiln beside lavapipe: fill rate (full-screen triangles over a
// 1024x1024 RGBA8 attachment) and triangle rate (many small triangles), with a shader that passes
// an interpolated color through. Each iteration submits a prerecorded command buffer and waits for
// its fence.
//
//   build/bench/kiln_draw_bench [--benchmark_filter=...]
#include <vulkan/vulkan.h>

#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "bench_main.h"
#include "vulkan_driver.h"

namespace {

const uint32_t kVertexShader[] = {
#include "draw_color.vert.inc"
};
const uint32_t kFragmentShader[] = {
#include "draw_color.frag.inc"
};

constexpr uint32_t kSize = 1024;

// A Vulkan struct with its sType and every other member zero.
template <typename T>
T make(VkStructureType type) {
    T value{};
    value.sType = type;
    return value;
}

// One driver's offscreen target, pipeline and a command buffer drawing `vertices` (x, y, r, g, b).
class Scene {
public:
    Scene(const kiln::bench::Driver& driver, const std::vector<float>& vertices) : d_(driver.device()) {
        vkGetDeviceQueue(d_, 0, 0, &queue_);
        VkPhysicalDeviceMemoryProperties memory;
        vkGetPhysicalDeviceMemoryProperties(driver.physical_device(), &memory);
        // The target image.
        auto image = make<VkImageCreateInfo>(VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO);
        image.imageType = VK_IMAGE_TYPE_2D;
        image.format = VK_FORMAT_R8G8B8A8_UNORM;
        image.extent = {kSize, kSize, 1};
        image.mipLevels = image.arrayLayers = 1;
        image.samples = VK_SAMPLE_COUNT_1_BIT;
        image.usage = VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT;
        ok_ = vkCreateImage(d_, &image, nullptr, &image_) == VK_SUCCESS;
        VkMemoryRequirements req;
        vkGetImageMemoryRequirements(d_, image_, &req);
        image_memory_ = allocate(req, memory, 0);
        ok_ = ok_ && image_memory_ && vkBindImageMemory(d_, image_, image_memory_, 0) == VK_SUCCESS;
        auto view = make<VkImageViewCreateInfo>(VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO);
        view.image = image_;
        view.viewType = VK_IMAGE_VIEW_TYPE_2D;
        view.format = image.format;
        view.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
        ok_ = ok_ && vkCreateImageView(d_, &view, nullptr, &view_) == VK_SUCCESS;
        // Render pass and framebuffer.
        VkAttachmentDescription attachment{0, image.format, VK_SAMPLE_COUNT_1_BIT, VK_ATTACHMENT_LOAD_OP_CLEAR,
                                           VK_ATTACHMENT_STORE_OP_STORE, VK_ATTACHMENT_LOAD_OP_DONT_CARE,
                                           VK_ATTACHMENT_STORE_OP_DONT_CARE, VK_IMAGE_LAYOUT_UNDEFINED,
                                           VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL};
        VkAttachmentReference ref{0, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL};
        VkSubpassDescription subpass{};
        subpass.pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS;
        subpass.colorAttachmentCount = 1;
        subpass.pColorAttachments = &ref;
        auto pass = make<VkRenderPassCreateInfo>(VK_STRUCTURE_TYPE_RENDER_PASS_CREATE_INFO);
        pass.attachmentCount = 1;
        pass.pAttachments = &attachment;
        pass.subpassCount = 1;
        pass.pSubpasses = &subpass;
        ok_ = ok_ && vkCreateRenderPass(d_, &pass, nullptr, &pass_) == VK_SUCCESS;
        auto framebuffer = make<VkFramebufferCreateInfo>(VK_STRUCTURE_TYPE_FRAMEBUFFER_CREATE_INFO);
        framebuffer.renderPass = pass_;
        framebuffer.attachmentCount = 1;
        framebuffer.pAttachments = &view_;
        framebuffer.width = framebuffer.height = kSize;
        framebuffer.layers = 1;
        ok_ = ok_ && vkCreateFramebuffer(d_, &framebuffer, nullptr, &framebuffer_) == VK_SUCCESS;
        ok_ = ok_ && make_pipeline();
        // Vertices.
        auto buffer = make<VkBufferCreateInfo>(VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO);
        buffer.size = vertices.size() * sizeof(float);
        buffer.usage = VK_BUFFER_USAGE_VERTEX_BUFFER_BIT;
        ok_ = ok_ && vkCreateBuffer(d_, &buffer, nullptr, &buffer_) == VK_SUCCESS;
        vkGetBufferMemoryRequirements(d_, buffer_, &req);
        buffer_memory_ = allocate(req, memory, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
        void* mapped = nullptr;
        ok_ = ok_ && buffer_memory_ && vkBindBufferMemory(d_, buffer_, buffer_memory_, 0) == VK_SUCCESS &&
              vkMapMemory(d_, buffer_memory_, 0, VK_WHOLE_SIZE, 0, &mapped) == VK_SUCCESS;
        if (ok_)
            std::memcpy(mapped, vertices.data(), buffer.size);
        vertex_count_ = uint32_t(vertices.size() / 5);
        ok_ = ok_ && record();
    }

    ~Scene() {
        vkDeviceWaitIdle(d_);
        vkDestroyFence(d_, fence_, nullptr);
        vkDestroyCommandPool(d_, pool_, nullptr);
        vkDestroyBuffer(d_, buffer_, nullptr);
        vkFreeMemory(d_, buffer_memory_, nullptr);
        vkDestroyPipeline(d_, pipeline_, nullptr);
        vkDestroyPipelineLayout(d_, layout_, nullptr);
        for (VkShaderModule m : modules_)
            vkDestroyShaderModule(d_, m, nullptr);
        vkDestroyFramebuffer(d_, framebuffer_, nullptr);
        vkDestroyRenderPass(d_, pass_, nullptr);
        vkDestroyImageView(d_, view_, nullptr);
        vkDestroyImage(d_, image_, nullptr);
        vkFreeMemory(d_, image_memory_, nullptr);
    }

    bool ok() const { return ok_; }

    bool run() {
        auto submit = make<VkSubmitInfo>(VK_STRUCTURE_TYPE_SUBMIT_INFO);
        submit.commandBufferCount = 1;
        submit.pCommandBuffers = &cmd_;
        return vkResetFences(d_, 1, &fence_) == VK_SUCCESS && vkQueueSubmit(queue_, 1, &submit, fence_) == VK_SUCCESS &&
               vkWaitForFences(d_, 1, &fence_, VK_TRUE, UINT64_MAX) == VK_SUCCESS;
    }

private:
    VkDeviceMemory allocate(const VkMemoryRequirements& req, const VkPhysicalDeviceMemoryProperties& memory,
                            VkMemoryPropertyFlags flags) {
        for (uint32_t i = 0; i < memory.memoryTypeCount; ++i)
            if ((req.memoryTypeBits >> i & 1) && (memory.memoryTypes[i].propertyFlags & flags) == flags) {
                auto info = make<VkMemoryAllocateInfo>(VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO);
                info.allocationSize = req.size;
                info.memoryTypeIndex = i;
                VkDeviceMemory m = VK_NULL_HANDLE;
                return vkAllocateMemory(d_, &info, nullptr, &m) == VK_SUCCESS ? m : VK_NULL_HANDLE;
            }
        return VK_NULL_HANDLE;
    }

    bool make_pipeline() {
        const std::pair<const uint32_t*, size_t> code[2] = {{kVertexShader, sizeof kVertexShader},
                                                            {kFragmentShader, sizeof kFragmentShader}};
        VkPipelineShaderStageCreateInfo stages[2] = {};
        for (int i = 0; i < 2; ++i) {
            auto info = make<VkShaderModuleCreateInfo>(VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO);
            info.codeSize = code[i].second;
            info.pCode = code[i].first;
            if (vkCreateShaderModule(d_, &info, nullptr, &modules_[i]) != VK_SUCCESS)
                return false;
            stages[i].sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
            stages[i].stage = i == 0 ? VK_SHADER_STAGE_VERTEX_BIT : VK_SHADER_STAGE_FRAGMENT_BIT;
            stages[i].module = modules_[i];
            stages[i].pName = "main";
        }
        auto layout = make<VkPipelineLayoutCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO);
        if (vkCreatePipelineLayout(d_, &layout, nullptr, &layout_) != VK_SUCCESS)
            return false;
        VkVertexInputBindingDescription binding{0, 20, VK_VERTEX_INPUT_RATE_VERTEX};
        VkVertexInputAttributeDescription attributes[2] = {{0, 0, VK_FORMAT_R32G32_SFLOAT, 0},
                                                           {1, 0, VK_FORMAT_R32G32B32_SFLOAT, 8}};
        auto input = make<VkPipelineVertexInputStateCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_VERTEX_INPUT_STATE_CREATE_INFO);
        input.vertexBindingDescriptionCount = 1;
        input.pVertexBindingDescriptions = &binding;
        input.vertexAttributeDescriptionCount = 2;
        input.pVertexAttributeDescriptions = attributes;
        auto assembly = make<VkPipelineInputAssemblyStateCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_INPUT_ASSEMBLY_STATE_CREATE_INFO);
        assembly.topology = VK_PRIMITIVE_TOPOLOGY_TRIANGLE_LIST;
        VkViewport viewport{0, 0, float(kSize), float(kSize), 0, 1};
        VkRect2D scissor{{0, 0}, {kSize, kSize}};
        auto viewports = make<VkPipelineViewportStateCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_VIEWPORT_STATE_CREATE_INFO);
        viewports.viewportCount = viewports.scissorCount = 1;
        viewports.pViewports = &viewport;
        viewports.pScissors = &scissor;
        auto raster = make<VkPipelineRasterizationStateCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_RASTERIZATION_STATE_CREATE_INFO);
        raster.lineWidth = 1;
        auto multisample = make<VkPipelineMultisampleStateCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_MULTISAMPLE_STATE_CREATE_INFO);
        multisample.rasterizationSamples = VK_SAMPLE_COUNT_1_BIT;
        VkPipelineColorBlendAttachmentState blend{};
        blend.colorWriteMask = 0xf;
        auto blending = make<VkPipelineColorBlendStateCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_COLOR_BLEND_STATE_CREATE_INFO);
        blending.attachmentCount = 1;
        blending.pAttachments = &blend;
        auto info = make<VkGraphicsPipelineCreateInfo>(VK_STRUCTURE_TYPE_GRAPHICS_PIPELINE_CREATE_INFO);
        info.stageCount = 2;
        info.pStages = stages;
        info.pVertexInputState = &input;
        info.pInputAssemblyState = &assembly;
        info.pViewportState = &viewports;
        info.pRasterizationState = &raster;
        info.pMultisampleState = &multisample;
        info.pColorBlendState = &blending;
        info.layout = layout_;
        info.renderPass = pass_;
        return vkCreateGraphicsPipelines(d_, VK_NULL_HANDLE, 1, &info, nullptr, &pipeline_) == VK_SUCCESS;
    }

    bool record() {
        auto pool = make<VkCommandPoolCreateInfo>(VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO);
        auto fence = make<VkFenceCreateInfo>(VK_STRUCTURE_TYPE_FENCE_CREATE_INFO);
        if (vkCreateCommandPool(d_, &pool, nullptr, &pool_) != VK_SUCCESS ||
            vkCreateFence(d_, &fence, nullptr, &fence_) != VK_SUCCESS)
            return false;
        auto allocate = make<VkCommandBufferAllocateInfo>(VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO);
        allocate.commandPool = pool_;
        allocate.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
        allocate.commandBufferCount = 1;
        auto begin = make<VkCommandBufferBeginInfo>(VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO);
        if (vkAllocateCommandBuffers(d_, &allocate, &cmd_) != VK_SUCCESS || vkBeginCommandBuffer(cmd_, &begin) != VK_SUCCESS)
            return false;
        VkClearValue clear{};
        auto pass = make<VkRenderPassBeginInfo>(VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO);
        pass.renderPass = pass_;
        pass.framebuffer = framebuffer_;
        pass.renderArea = {{0, 0}, {kSize, kSize}};
        pass.clearValueCount = 1;
        pass.pClearValues = &clear;
        vkCmdBeginRenderPass(cmd_, &pass, VK_SUBPASS_CONTENTS_INLINE);
        vkCmdBindPipeline(cmd_, VK_PIPELINE_BIND_POINT_GRAPHICS, pipeline_);
        const VkDeviceSize offset = 0;
        vkCmdBindVertexBuffers(cmd_, 0, 1, &buffer_, &offset);
        vkCmdDraw(cmd_, vertex_count_, 1, 0, 0);
        vkCmdEndRenderPass(cmd_);
        return vkEndCommandBuffer(cmd_) == VK_SUCCESS;
    }

    VkDevice d_;
    bool ok_ = false;
    VkQueue queue_ = VK_NULL_HANDLE;
    VkImage image_ = VK_NULL_HANDLE;
    VkDeviceMemory image_memory_ = VK_NULL_HANDLE, buffer_memory_ = VK_NULL_HANDLE;
    VkImageView view_ = VK_NULL_HANDLE;
    VkRenderPass pass_ = VK_NULL_HANDLE;
    VkFramebuffer framebuffer_ = VK_NULL_HANDLE;
    VkShaderModule modules_[2] = {};
    VkPipelineLayout layout_ = VK_NULL_HANDLE;
    VkPipeline pipeline_ = VK_NULL_HANDLE;
    VkBuffer buffer_ = VK_NULL_HANDLE;
    VkCommandPool pool_ = VK_NULL_HANDLE;
    VkFence fence_ = VK_NULL_HANDLE;
    VkCommandBuffer cmd_ = VK_NULL_HANDLE;
    uint32_t vertex_count_ = 0;
};

// 16 full-screen triangles (each covers the whole target): 16 Mi pixels a frame.
std::vector<float> full_screen(uint32_t layers) {
    std::vector<float> v;
    for (uint32_t i = 0; i < layers; ++i) {
        const float c = float(i) / float(layers);
        v.insert(v.end(), {-1, -1, c, 0.5f, 1 - c, 3, -1, 1 - c, c, 0.5f, -1, 3, 0.5f, c, 1 - c});
    }
    return v;
}

// `count` small triangles of about 8 pixels each, spread over the target.
std::vector<float> small_triangles(uint32_t count) {
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> where(-0.99f, 0.99f), color(0, 1);
    const float step = 4.0f / float(kSize);  // 4 pixels in NDC
    std::vector<float> v;
    for (uint32_t i = 0; i < count; ++i) {
        const float x = where(rng), y = where(rng), r = color(rng), g = color(rng), b = color(rng);
        v.insert(v.end(), {x, y, r, g, b, x + step, y, r, g, b, x, y + step, r, g, b});
    }
    return v;
}

struct Drivers {
    kiln::bench::Driver kiln = kiln::bench::Driver::open("kiln", KILN_BENCH_KILN_MANIFEST, "Kiln");
    kiln::bench::Driver lavapipe = kiln::bench::Driver::open("lavapipe", KILN_BENCH_LAVAPIPE_MANIFEST, "llvmpipe");
};

Drivers& drivers() {
    static Drivers d;
    return d;
}

void draw(benchmark::State& state, bool on_kiln, bool fill) {
    const kiln::bench::Driver& driver = on_kiln ? drivers().kiln : drivers().lavapipe;
    if (!driver.ok()) {
        state.SkipWithError(driver.error().c_str());
        return;
    }
    constexpr uint32_t kLayers = 16, kTriangles = 100000;
    Scene scene(driver, fill ? full_screen(kLayers) : small_triangles(kTriangles));
    if (!scene.ok()) {
        state.SkipWithError("could not build the scene");
        return;
    }
    scene.run();  // warm up: lavapipe compiles its shaders on first use
    for (auto _ : state)
        if (!scene.run()) {
            state.SkipWithError("submission failed");
            return;
        }
    if (fill)
        state.counters["pixels_per_second"] = benchmark::Counter(double(kLayers) * kSize * kSize * double(state.iterations()),
                                                                 benchmark::Counter::kIsRate);
    else
        state.counters["triangles_per_second"] =
            benchmark::Counter(double(kTriangles) * double(state.iterations()), benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK_CAPTURE(draw, FillRate_kiln, true, true)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(draw, FillRate_lavapipe, false, true)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(draw, TriangleRate_kiln, true, false)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(draw, TriangleRate_lavapipe, false, false)->Unit(benchmark::kMillisecond)->UseRealTime();

int main(int argc, char** argv) {
    return kiln::bench::run_benchmarks(argc, argv, {"--benchmark_repetitions=7", "--benchmark_report_aggregates_only=true"},
                                       {{"kiln", drivers().kiln.describe()}, {"lavapipe", drivers().lavapipe.describe()},
                                        {"target", "1024x1024 R8G8B8A8_UNORM, color interpolated, no depth"}});
}
