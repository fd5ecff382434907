#include "raster_harness.h"

#include <cstring>

namespace kiln_test {

namespace {

const char* const kExtensions[] = {VK_KHR_CREATE_RENDERPASS_2_EXTENSION_NAME,
                                   VK_KHR_DEPTH_STENCIL_RESOLVE_EXTENSION_NAME,
                                   VK_KHR_DYNAMIC_RENDERING_EXTENSION_NAME};
const char* const kImagelessExtensions[] = {VK_KHR_IMAGE_FORMAT_LIST_EXTENSION_NAME,
                                            VK_KHR_IMAGELESS_FRAMEBUFFER_EXTENSION_NAME};

std::unique_ptr<Gpu> MakeGpu(const std::string& name, const std::string& driverFiles, bool validation) {
  auto gpu = std::make_unique<Gpu>();
  gpu->name = name;
  InstanceOptions options;
  options.validation = validation;
  options.driverFiles = driverFiles;
  gpu->instance = Instance::Create(options);
  DeviceOptions deviceOptions;
  for (const char* e : kExtensions)
    if (DeviceExtensionSupported(gpu->instance->PhysicalDevice(), e)) deviceOptions.extensions.push_back(e);
  auto dynamic = Struct<VkPhysicalDeviceDynamicRenderingFeatures>(
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DYNAMIC_RENDERING_FEATURES);
  const bool haveRenderPass2 = !deviceOptions.extensions.empty();  // the first of kExtensions
  const bool haveDynamic = deviceOptions.extensions.size() == 3;
  if (haveDynamic) {
    dynamic.dynamicRendering = VK_TRUE;
    deviceOptions.pNext = &dynamic;
  }
  auto imageless = Struct<VkPhysicalDeviceImagelessFramebufferFeatures>(
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_IMAGELESS_FRAMEBUFFER_FEATURES);
  if (DeviceExtensionSupported(gpu->instance->PhysicalDevice(), kImagelessExtensions[0]) &&
      DeviceExtensionSupported(gpu->instance->PhysicalDevice(), kImagelessExtensions[1])) {
    for (const char* e : kImagelessExtensions) deviceOptions.extensions.push_back(e);
    imageless.imagelessFramebuffer = VK_TRUE;
    imageless.pNext = const_cast<void*>(deviceOptions.pNext);
    deviceOptions.pNext = &imageless;
    gpu->imageless = true;
  }
  gpu->device = Device::Create(*gpu->instance, deviceOptions);
  if (haveRenderPass2) {
    gpu->createRenderPass2 = gpu->device->Proc<PFN_vkCreateRenderPass2KHR>("vkCreateRenderPass2KHR");
    gpu->beginRenderPass2 = gpu->device->Proc<PFN_vkCmdBeginRenderPass2KHR>("vkCmdBeginRenderPass2KHR");
    gpu->nextSubpass2 = gpu->device->Proc<PFN_vkCmdNextSubpass2KHR>("vkCmdNextSubpass2KHR");
    gpu->endRenderPass2 = gpu->device->Proc<PFN_vkCmdEndRenderPass2KHR>("vkCmdEndRenderPass2KHR");
  }
  if (haveDynamic) {
    gpu->beginRendering = gpu->device->Proc<PFN_vkCmdBeginRenderingKHR>("vkCmdBeginRenderingKHR");
    gpu->endRendering = gpu->device->Proc<PFN_vkCmdEndRenderingKHR>("vkCmdEndRenderingKHR");
  }
  return gpu;
}

// Bits of a float in [lo, hi), or of a half.
uint32_t FloatIn(uint64_t random, float lo, float hi) {
  float f = lo + float(random % 1000000) / 1000000.0f * (hi - lo);
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return bits;
}
uint16_t HalfIn(uint64_t random, float lo, float hi) {
  // Halves with a normal exponent: sign, exponent 14 (values in [0.5, 1)) or 15, random mantissa.
  (void)lo, (void)hi;
  return uint16_t(((random >> 11) & 0x8000) | ((14 + (random >> 20) % 2) << 10) | (random & 0x3ff));
}

}  // namespace

ImageBytes RandomContent(const ImageBytes& shape, uint32_t seed) {
  ImageBytes out = shape;
  out.bytes = RandomBytes(shape.bytes.size(), seed);
  const TexelLayout& l = shape.layout;
  std::vector<uint8_t> words = RandomBytes(shape.bytes.size() * 2 + 8, seed + 7777);
  size_t w = 0;
  auto next = [&] {
    uint64_t v;
    std::memcpy(&v, &words[w], 8);
    w = (w + 8) % (words.size() - 8);
    return v;
  };
  for (size_t at = 0; at + l.channelBytes <= out.bytes.size(); at += l.channelBytes) {
    switch (l.type) {
      case ChannelType::Float32: {
        uint32_t bits = FloatIn(next(), -2.0f, 2.0f);
        std::memcpy(&out.bytes[at], &bits, 4);
        break;
      }
      case ChannelType::D32: {
        uint32_t bits = FloatIn(next(), 0.0f, 1.0f);
        std::memcpy(&out.bytes[at], &bits, 4);
        break;
      }
      case ChannelType::D24: out.bytes[at + 3] = 0; break;
      case ChannelType::Half: {
        uint16_t bits = HalfIn(next(), -1.0f, 1.0f);
        std::memcpy(&out.bytes[at], &bits, 2);
        break;
      }
      case ChannelType::Snorm8:
        if (out.bytes[at] == 0x80) out.bytes[at] = 0x81;  // -128 and -127 both mean -1.0
        break;
      default: break;
    }
  }
  return out;
}

void RasterTest::SetUp() {
  if (kWithValidation && !InstanceLayerAvailable(kValidationLayer))
    GTEST_SKIP() << kValidationLayer << " is not installed (package vulkan-validationlayers)";
  gpus_.push_back(MakeGpu("kiln", "", kWithValidation));
  if (access(KILN_LAVAPIPE_MANIFEST, R_OK) == 0 && OnKiln()) gpus_.push_back(MakeGpu("lavapipe", KILN_LAVAPIPE_MANIFEST, false));
}

void RasterTest::TearDown() {
  std::shared_ptr<MessageLog> log;
  if (!gpus_.empty()) log = gpus_[0]->instance->log();
  gpus_.clear();
  if (log) {
    std::vector<std::string> errors = log->Take();
    EXPECT_TRUE(errors.empty()) << errors.size() << " validation error(s):" << MessageLog::Join(errors);
  }
}

std::string RasterTest::TestName() const {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(info->test_suite_name()) + "." + info->name();
  for (char& c : name)
    if (c == '/') c = '_';
  return name;
}

void RasterTest::ExpectImage(const std::string& name, const std::vector<ImageBytes>& results,
                             const ImageBytes* expected, Tolerance vsLavapipe, Tolerance vsHost) {
  const std::string stem = TestName() + "_" + name;
  if (expected) {
    EXPECT_TRUE(ImagesMatch(stem + "_vs_host", results[0], *expected, vsHost));
  }
  if (results.size() > 1) {
    EXPECT_TRUE(ImagesMatch(stem + "_vs_lavapipe", results[0], results[1], vsLavapipe));
  }
}

VkFramebuffer MakeFramebuffer(const Gpu& gpu, VkRenderPass pass, const std::vector<VkImageView>& views, uint32_t width,
                              uint32_t height, uint32_t layers) {
  auto info = Struct<VkFramebufferCreateInfo>(VK_STRUCTURE_TYPE_FRAMEBUFFER_CREATE_INFO);
  info.renderPass = pass;
  info.attachmentCount = uint32_t(views.size());
  info.pAttachments = views.data();
  info.width = width;
  info.height = height;
  info.layers = layers;
  VkFramebuffer framebuffer;
  KT_CHECK(vkCreateFramebuffer(gpu.vk(), &info, nullptr, &framebuffer));
  return framebuffer;
}

}  // namespace kiln_test
