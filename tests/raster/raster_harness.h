// The raster suite's fixture: the driver under test and, where it is installed, lavapipe, each with a
// device that has the render pass and dynamic rendering extensions; scenarios run on both and their
// images are compared (image_compare.h). In the validation binary (KILN_TEST_WITH_VALIDATION) the
// driver under test runs under VK_LAYER_KHRONOS_validation with synchronization validation and any
// validation ERROR fails the test. Every image stays in the GENERAL layout, so scenarios need no
// layout bookkeeping; barriers are full memory barriers between steps.
#pragma once

#include <unistd.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "image_compare.h"
#include "vk_test_util.h"

namespace kiln_test {

struct Gpu {
  std::string name;
  std::unique_ptr<Instance> instance;
  std::unique_ptr<Device> device;
  PFN_vkCreateRenderPass2KHR createRenderPass2 = nullptr;
  PFN_vkCmdBeginRenderPass2KHR beginRenderPass2 = nullptr;
  PFN_vkCmdNextSubpass2KHR nextSubpass2 = nullptr;
  PFN_vkCmdEndRenderPass2KHR endRenderPass2 = nullptr;
  PFN_vkCmdBeginRenderingKHR beginRendering = nullptr;
  PFN_vkCmdEndRenderingKHR endRendering = nullptr;
  bool imageless = false;  // VK_KHR_imageless_framebuffer enabled

  VkDevice vk() const { return device->handle; }
  bool Supports(VkFormat format, VkFormatFeatureFlags features) const {
    VkFormatProperties p;
    vkGetPhysicalDeviceFormatProperties(device->physical, format, &p);
    return (p.optimalTilingFeatures & features) == features;
  }
};

// An image in GENERAL layout with views; memory is the device's own (not host-visible).
class TestImage {
 public:
  // Multisampled images (`samples`) cannot be Read or Written (copies to and from buffers need one sample).
  TestImage(const Gpu& gpu, VkImageType type, VkFormat format, VkExtent3D extent, uint32_t layers,
            VkImageUsageFlags usage, uint32_t mips = 1, VkImageCreateFlags flags = 0,
            VkSampleCountFlagBits samples = VK_SAMPLE_COUNT_1_BIT)
      : gpu_(gpu) {
    VkImageCreateInfo info = ImageInfo(type, format, extent, mips, layers);
    info.usage = usage | VK_IMAGE_USAGE_TRANSFER_SRC_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT;
    info.flags = flags;
    info.samples = samples;
    image_ = std::make_unique<Image>(*gpu.device, info);
    RunOnce(*gpu.device, [&](VkCommandBuffer cmd) {
      TransitionImage(cmd, *image_, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_GENERAL);
    });
  }
  ~TestImage() {
    for (VkImageView v : views_) vkDestroyImageView(gpu_.vk(), v, nullptr);
  }
  TestImage(const TestImage&) = delete;
  TestImage& operator=(const TestImage&) = delete;

  VkImage handle() const { return image_->handle(); }
  // Read and Shape see texels as `size` raw bytes (for formats TexelLayoutOf does not describe).
  void SetRawTexelSize(uint32_t size) { raw_texel_size_ = size; }
  const VkImageCreateInfo& info() const { return image_->info(); }
  VkFormat format() const { return info().format; }

  VkImageView View(VkImageViewType type, VkImageAspectFlags aspects, uint32_t baseLayer = 0, uint32_t layers = 1,
                   uint32_t mip = 0) {
    auto info = Struct<VkImageViewCreateInfo>(VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO);
    info.image = handle();
    info.viewType = type;
    info.format = format();
    info.subresourceRange = {aspects, mip, 1, baseLayer, layers};
    VkImageView view;
    KT_CHECK(vkCreateImageView(gpu_.vk(), &info, nullptr, &view));
    views_.push_back(view);
    return view;
  }
  VkImageView View2D(uint32_t layer = 0) { return View(VK_IMAGE_VIEW_TYPE_2D, AspectsOf(format()), layer, 1); }

  // One aspect of one mip, `layers` layers from `baseLayer` (3D: the mip's depth slices), tightly packed.
  ImageBytes Read(VkImageAspectFlagBits aspect = VK_IMAGE_ASPECT_COLOR_BIT, uint32_t baseLayer = 0,
                  uint32_t layers = 0, uint32_t mip = 0) const {
    ImageBytes out = Shape(aspect, layers, mip);
    Buffer buffer(*gpu_.device, out.bytes.size());
    const VkBufferImageCopy region = Region(aspect, baseLayer, out.layers, mip);
    RunOnce(*gpu_.device, [&](VkCommandBuffer cmd) {
      FullBarrier(cmd);
      vkCmdCopyImageToBuffer(cmd, handle(), VK_IMAGE_LAYOUT_GENERAL, buffer.handle(), 1, &region);
    });
    std::memcpy(out.bytes.data(), buffer.data(), out.bytes.size());
    return out;
  }

  void Write(const ImageBytes& data, VkImageAspectFlagBits aspect = VK_IMAGE_ASPECT_COLOR_BIT, uint32_t baseLayer = 0,
             uint32_t mip = 0) {
    Buffer buffer(*gpu_.device, data.bytes.size());
    std::memcpy(buffer.data(), data.bytes.data(), data.bytes.size());
    const VkBufferImageCopy region = Region(aspect, baseLayer, data.layers, mip);
    RunOnce(*gpu_.device, [&](VkCommandBuffer cmd) {
      FullBarrier(cmd);
      vkCmdCopyBufferToImage(cmd, buffer.handle(), handle(), VK_IMAGE_LAYOUT_GENERAL, 1, &region);
      FullBarrier(cmd);
    });
  }

  // A zero-filled ImageBytes of this image's shape (layers 0: all of them).
  ImageBytes Shape(VkImageAspectFlagBits aspect = VK_IMAGE_ASPECT_COLOR_BIT, uint32_t layers = 0,
                   uint32_t mip = 0) const {
    ImageBytes out;
    out.layout = raw_texel_size_ ? TexelLayout{ChannelType::Uint8, raw_texel_size_, 1} : TexelLayoutOf(format(), aspect);
    out.width = std::max(1u, info().extent.width >> mip);
    out.height = std::max(1u, info().extent.height >> mip);
    const bool volume = info().imageType == VK_IMAGE_TYPE_3D;
    out.layers = layers ? layers : volume ? std::max(1u, info().extent.depth >> mip) : info().arrayLayers;
    out.bytes.assign(size_t(out.width) * out.height * out.layers * out.layout.size(), 0);
    return out;
  }

 private:
  VkBufferImageCopy Region(VkImageAspectFlagBits aspect, uint32_t baseLayer, uint32_t layers, uint32_t mip) const {
    const bool volume = info().imageType == VK_IMAGE_TYPE_3D;
    VkBufferImageCopy r{};
    r.imageSubresource = {VkImageAspectFlags(aspect), mip, volume ? 0 : baseLayer, volume ? 1 : layers};
    r.imageOffset = {0, 0, volume ? int32_t(baseLayer) : 0};
    r.imageExtent = {std::max(1u, info().extent.width >> mip), std::max(1u, info().extent.height >> mip),
                     volume ? layers : 1};
    return r;
  }

  const Gpu& gpu_;
  uint32_t raw_texel_size_ = 0;
  std::unique_ptr<Image> image_;
  std::vector<VkImageView> views_;
};

// Deterministic content: random bytes, with float channels kept finite and normal (so that drivers
// flushing denormals or quieting NaNs differently do not matter) and depth within [0, 1].
ImageBytes RandomContent(const ImageBytes& shape, uint32_t seed);

// A texel of the ImageBytes at (x, y, layer).
inline uint8_t* TexelAt(ImageBytes& image, uint32_t x, uint32_t y, uint32_t layer = 0) {
  return image.bytes.data() + ((size_t(layer) * image.height + y) * image.width + x) * image.layout.size();
}
inline const uint8_t* TexelAt(const ImageBytes& image, uint32_t x, uint32_t y, uint32_t layer = 0) {
  return TexelAt(const_cast<ImageBytes&>(image), x, y, layer);
}

class RasterTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Runs `scenario` on the driver under test and on lavapipe (when installed); returns what each
  // produced, the driver under test first.
  template <typename Result>
  std::vector<Result> OnEachGpu(const std::function<Result(Gpu&)>& scenario) {
    std::vector<Result> results;
    for (auto& gpu : gpus_) results.push_back(scenario(*gpu));
    return results;
  }

  // Expects the driver under test's image to equal `expected` (a host computation, exactly unless a
  // tolerance is given) and, when lavapipe ran, lavapipe's within `vsLavapipe`.
  void ExpectImage(const std::string& name, const std::vector<ImageBytes>& results, const ImageBytes* expected,
                   Tolerance vsLavapipe = {}, Tolerance vsHost = {});

  Gpu& UnderTest() { return *gpus_[0]; }
  bool HaveLavapipe() const { return gpus_.size() > 1; }
  std::string TestName() const;

  std::vector<std::unique_ptr<Gpu>> gpus_;
};

// Render pass helpers.
VkFramebuffer MakeFramebuffer(const Gpu& gpu, VkRenderPass pass, const std::vector<VkImageView>& views, uint32_t width,
                              uint32_t height, uint32_t layers);
// Dependencies of the instance on everything before and after it, and of every subpass on every
// earlier one (synchronization validation checks the tests' own ordering).
inline std::vector<VkSubpassDependency> Dependencies(uint32_t subpassCount) {
  constexpr VkAccessFlags kAll = VK_ACCESS_MEMORY_READ_BIT | VK_ACCESS_MEMORY_WRITE_BIT;
  constexpr VkPipelineStageFlags kGraphics = VK_PIPELINE_STAGE_ALL_GRAPHICS_BIT;
  // A subpass's side may name only graphics stages (VUID-VkRenderPassCreateInfo-pDependencies-00837/00838).
  std::vector<VkSubpassDependency> deps = {
      {VK_SUBPASS_EXTERNAL, 0, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, kGraphics, kAll, kAll, 0},
      {subpassCount - 1, VK_SUBPASS_EXTERNAL, kGraphics, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, kAll, kAll, 0}};
  for (uint32_t j = 1; j < subpassCount; ++j)
    for (uint32_t i = 0; i < j; ++i) deps.push_back({i, j, kGraphics, kGraphics, kAll, kAll, 0});
  return deps;
}

// A clear color that encodes exactly in the test formats.
inline VkClearValue ColorValue(float r, float g, float b, float a) {
  VkClearValue v{};
  v.color.float32[0] = r, v.color.float32[1] = g, v.color.float32[2] = b, v.color.float32[3] = a;
  return v;
}
inline VkClearValue DepthStencilValue(float depth, uint32_t stencil) {
  VkClearValue v{};
  v.depthStencil = {depth, stencil};
  return v;
}

// Host model of a clear: `value` (one encoded texel) over rect x layers of `image`.
inline void HostFill(ImageBytes& image, const std::vector<uint8_t>& texel, VkRect2D rect, uint32_t baseLayer,
                     uint32_t layers) {
  for (uint32_t l = baseLayer; l < baseLayer + layers; ++l)
    for (uint32_t y = rect.offset.y; y < rect.offset.y + rect.extent.height; ++y)
      for (uint32_t x = rect.offset.x; x < rect.offset.x + rect.extent.width; ++x)
        std::memcpy(TexelAt(image, x, y, l), texel.data(), texel.size());
}

}  // namespace kiln_test
