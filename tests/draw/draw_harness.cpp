// Render(): one scene on one driver (draw_harness.h). Every image stays in the GENERAL layout and
// full memory barriers separate the steps, so the scene code needs no layout bookkeeping.
#include <gtest/gtest.h>

#include "draw_harness.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>

#include "png_image.h"
#include "vk_test_util.h"

namespace kiln_test {

namespace {

constexpr VkFormat kColorFormat = VK_FORMAT_R8G8B8A8_UNORM;

void ToGeneral(VkCommandBuffer cmd, const Image& image, VkImageAspectFlags aspects) {
  auto barrier = Struct<VkImageMemoryBarrier>(VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER);
  barrier.dstAccessMask = VK_ACCESS_MEMORY_READ_BIT | VK_ACCESS_MEMORY_WRITE_BIT;
  barrier.oldLayout = VK_IMAGE_LAYOUT_UNDEFINED;
  barrier.newLayout = VK_IMAGE_LAYOUT_GENERAL;
  barrier.srcQueueFamilyIndex = barrier.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
  barrier.image = image.handle();
  barrier.subresourceRange = {aspects, 0, VK_REMAINING_MIP_LEVELS, 0, VK_REMAINING_ARRAY_LAYERS};
  vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, 0, 0, nullptr, 0,
                       nullptr, 1, &barrier);
}

std::vector<uint32_t> ShaderWords(const std::string& name) {
  std::ifstream file(std::string(KILN_DRAW_SHADER_DIR) + "/" + name + ".spv", std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (bytes.empty()) Fail("missing shader " + name);
  std::vector<uint32_t> words(bytes.size() / 4);
  std::memcpy(words.data(), bytes.data(), words.size() * 4);
  return words;
}

// The Vulkan objects of one rendering, destroyed in reverse order of creation.
class Objects {
 public:
  explicit Objects(VkDevice device) : device_(device) {}
  ~Objects() {
    for (auto it = destroy_.rbegin(); it != destroy_.rend(); ++it) (*it)();
  }
  void Add(std::function<void()> destroy) { destroy_.push_back(std::move(destroy)); }

 private:
  VkDevice device_;
  std::vector<std::function<void()>> destroy_;
};

VkImageAspectFlags DepthAspects(VkFormat format) {
  switch (format) {
    case VK_FORMAT_D16_UNORM:
    case VK_FORMAT_D32_SFLOAT:
    case VK_FORMAT_X8_D24_UNORM_PACK32:
      return VK_IMAGE_ASPECT_DEPTH_BIT;
    case VK_FORMAT_S8_UINT:
      return VK_IMAGE_ASPECT_STENCIL_BIT;
    default:
      return VK_IMAGE_ASPECT_DEPTH_BIT | VK_IMAGE_ASPECT_STENCIL_BIT;
  }
}

}  // namespace

std::vector<uint8_t> Bytes(const std::vector<float>& values) {
  std::vector<uint8_t> bytes(values.size() * 4);
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

bool LavapipeInstalled() { return access(KILN_LAVAPIPE_MANIFEST, R_OK) == 0; }

VkResult CreatePipeline(VkDevice d, const Scene& scene, const VkPipelineShaderStageCreateInfo stages[2],
                        VkPipelineLayout pipelineLayout, VkRenderPass pass, VkPipeline* pipeline,
                        const VkPipelineRenderingCreateInfoKHR* rendering, uint32_t subpass) {
  std::vector<VkVertexInputBindingDescription> bindings;
  for (uint32_t i = 0; i < scene.buffers.size(); ++i)
    bindings.push_back({i, scene.buffers[i].stride, scene.buffers[i].rate});
  std::vector<VkVertexInputAttributeDescription> attributes;
  for (const Attribute& a : scene.attributes) attributes.push_back({a.location, a.binding, a.format, a.offset});
  auto vertexInput = Struct<VkPipelineVertexInputStateCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_VERTEX_INPUT_STATE_CREATE_INFO);
  vertexInput.vertexBindingDescriptionCount = uint32_t(bindings.size());
  vertexInput.pVertexBindingDescriptions = bindings.data();
  vertexInput.vertexAttributeDescriptionCount = uint32_t(attributes.size());
  vertexInput.pVertexAttributeDescriptions = attributes.data();
  auto assembly = Struct<VkPipelineInputAssemblyStateCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_INPUT_ASSEMBLY_STATE_CREATE_INFO);
  assembly.topology = scene.topology;
  assembly.primitiveRestartEnable = scene.primitive_restart;
  const VkViewport viewport = scene.viewport.value_or(VkViewport{0, 0, float(scene.width), float(scene.height), 0, 1});
  const VkRect2D scissor = scene.scissor.value_or(VkRect2D{{0, 0}, {scene.width, scene.height}});
  auto viewportState = Struct<VkPipelineViewportStateCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_VIEWPORT_STATE_CREATE_INFO);
  viewportState.viewportCount = viewportState.scissorCount = 1;
  viewportState.pViewports = &viewport;
  viewportState.pScissors = &scissor;
  auto raster = Struct<VkPipelineRasterizationStateCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_RASTERIZATION_STATE_CREATE_INFO);
  raster.polygonMode = scene.polygon_mode;
  raster.cullMode = scene.cull;
  raster.frontFace = scene.front_face;
  raster.depthBiasEnable = scene.depth_bias;
  raster.depthBiasConstantFactor = scene.bias_constant;
  raster.depthBiasSlopeFactor = scene.bias_slope;
  raster.depthBiasClamp = scene.bias_clamp;
  raster.lineWidth = 1;
  auto multisample = Struct<VkPipelineMultisampleStateCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_MULTISAMPLE_STATE_CREATE_INFO);
  multisample.rasterizationSamples = scene.samples;
  const VkSampleMask sampleMask = scene.sample_mask;
  if (scene.sample_mask != ~0u) multisample.pSampleMask = &sampleMask;
  multisample.sampleShadingEnable = scene.sample_shading;
  multisample.minSampleShading = 1;
  multisample.alphaToCoverageEnable = scene.alpha_to_coverage;
  multisample.alphaToOneEnable = scene.alpha_to_one;
  VkPipelineDepthStencilStateCreateInfo depthStencil = scene.depth_stencil;
  depthStencil.sType = VK_STRUCTURE_TYPE_PIPELINE_DEPTH_STENCIL_STATE_CREATE_INFO;
  depthStencil.maxDepthBounds = 1;
  auto blend = Struct<VkPipelineColorBlendStateCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_COLOR_BLEND_STATE_CREATE_INFO);
  blend.attachmentCount = 1;
  blend.pAttachments = &scene.blend;
  blend.logicOpEnable = scene.logic_op;
  blend.logicOp = VK_LOGIC_OP_XOR;
  std::copy(scene.blend_constants, scene.blend_constants + 4, blend.blendConstants);
  auto pipelineInfo = Struct<VkGraphicsPipelineCreateInfo>(VK_STRUCTURE_TYPE_GRAPHICS_PIPELINE_CREATE_INFO);
  pipelineInfo.stageCount = 2;
  pipelineInfo.pStages = stages;
  pipelineInfo.pVertexInputState = &vertexInput;
  pipelineInfo.pInputAssemblyState = &assembly;
  pipelineInfo.pViewportState = &viewportState;
  pipelineInfo.pRasterizationState = &raster;
  pipelineInfo.pMultisampleState = &multisample;
  pipelineInfo.pDepthStencilState = scene.depth_format != VK_FORMAT_UNDEFINED ? &depthStencil : nullptr;
  pipelineInfo.pColorBlendState = &blend;
  pipelineInfo.layout = pipelineLayout;
  pipelineInfo.renderPass = pass;
  pipelineInfo.pNext = rendering;
  pipelineInfo.subpass = subpass;
  return vkCreateGraphicsPipelines(d, VK_NULL_HANDLE, 1, &pipelineInfo, nullptr, pipeline);
}

namespace {

// The aspect a texture is sampled and uploaded through.
VkImageAspectFlags TextureAspect(const Texture& t) {
  if (t.aspect) return t.aspect;
  return t.format == VK_FORMAT_D16_UNORM || t.format == VK_FORMAT_X8_D24_UNORM_PACK32 || t.format == VK_FORMAT_D32_SFLOAT
             ? VK_IMAGE_ASPECT_DEPTH_BIT
             : VK_IMAGE_ASPECT_COLOR_BIT;
}

// Render() on an instance that lives as long as `log` needs: `log` gets the instance's message log
// (validation builds: every validation ERROR of the driver under test).
Pixels RenderWithLog(const std::string& manifest, const Scene& scene, std::shared_ptr<MessageLog>* log) {
  InstanceOptions instanceOptions;
  instanceOptions.driverFiles = manifest;
  // The validation binary (KILN_TEST_WITH_VALIDATION) checks the driver under test only.
  instanceOptions.validation = kWithValidation && manifest == KILN_TEST_MANIFEST;
  auto instance = Instance::Create(instanceOptions);
  *log = instance->log();
  // A depth bias clamp needs its feature (VUID-VkGraphicsPipelineCreateInfo-pDynamicStates-00754).
  VkPhysicalDeviceFeatures features{};
  features.depthBiasClamp = scene.depth_bias && scene.bias_clamp != 0.0f;
  // Point sizes other than 1 need largePoints ("Points").
  features.largePoints = scene.topology == VK_PRIMITIVE_TOPOLOGY_POINT_LIST;
  // Vertex shaders writing ClipDistance / CullDistance need their features (the SPIR-V environment's
  // capability requirements).
  features.shaderClipDistance = features.shaderCullDistance = scene.vert == "distances.vert";
  DeviceOptions deviceOptions;
  deviceOptions.features = &features;
  const bool multisampled = scene.samples != VK_SAMPLE_COUNT_1_BIT;
  const bool dynamicRendering = multisampled && scene.resolve == Scene::Resolve::DynamicRendering;
  auto dynamicFeatures =
      Struct<VkPhysicalDeviceDynamicRenderingFeaturesKHR>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DYNAMIC_RENDERING_FEATURES_KHR);
  dynamicFeatures.dynamicRendering = VK_TRUE;
  if (dynamicRendering) {
    deviceOptions.extensions = {"VK_KHR_depth_stencil_resolve", "VK_KHR_create_renderpass2", "VK_KHR_dynamic_rendering"};
    deviceOptions.pNext = &dynamicFeatures;
  }
  auto device = Device::Create(*instance, deviceOptions);
  const VkDevice d = device->handle;
  Objects objects(d);
  const uint32_t W = scene.width, H = scene.height;

  // Attachments.
  const bool twoSubpasses = !scene.subpass_frag.empty();
  VkImageCreateInfo colorInfo = ImageInfo(VK_IMAGE_TYPE_2D, kColorFormat, {W, H, 1});
  colorInfo.usage |= VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT;
  if (twoSubpasses) colorInfo.usage |= VK_IMAGE_USAGE_INPUT_ATTACHMENT_BIT;
  Image color(*device, colorInfo);
  std::unique_ptr<Image> final;  // the second subpass's target
  if (twoSubpasses) final = std::make_unique<Image>(*device, colorInfo);
  const Image& readBack = twoSubpasses ? *final : color;
  // Multisampled scenes render into msColor and resolve into `color`.
  std::unique_ptr<Image> msColor;
  if (multisampled) {
    VkImageCreateInfo info = colorInfo;
    info.samples = scene.samples;
    if (scene.fetch_samples) info.usage |= VK_IMAGE_USAGE_SAMPLED_BIT;
    msColor = std::make_unique<Image>(*device, info);
  }
  const Image& target = multisampled ? *msColor : color;
  std::unique_ptr<Image> depth;
  const bool hasDepth = scene.depth_format != VK_FORMAT_UNDEFINED;
  if (hasDepth) {
    VkImageCreateInfo depthInfo = ImageInfo(VK_IMAGE_TYPE_2D, scene.depth_format, {W, H, 1});
    depthInfo.usage |= VK_IMAGE_USAGE_DEPTH_STENCIL_ATTACHMENT_BIT;
    depthInfo.samples = scene.samples;
    depth = std::make_unique<Image>(*device, depthInfo);
  }
  // Dynamic rendering resolves depth and stencil too (SAMPLE_ZERO) into depthResolve, read back.
  std::unique_ptr<Image> depthResolve;
  if (hasDepth && dynamicRendering) {
    VkImageCreateInfo info = ImageInfo(VK_IMAGE_TYPE_2D, scene.depth_format, {W, H, 1});
    info.usage |= VK_IMAGE_USAGE_DEPTH_STENCIL_ATTACHMENT_BIT;
    depthResolve = std::make_unique<Image>(*device, info);
  }
  auto makeView = [&](VkImage image, VkFormat format, VkImageAspectFlags aspects, uint32_t mips) {
    auto info = Struct<VkImageViewCreateInfo>(VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO);
    info.image = image;
    info.viewType = VK_IMAGE_VIEW_TYPE_2D;
    info.format = format;
    info.subresourceRange = {aspects, 0, mips, 0, 1};
    VkImageView view;
    KT_CHECK(vkCreateImageView(d, &info, nullptr, &view));
    objects.Add([=] { vkDestroyImageView(d, view, nullptr); });
    return view;
  };
  const VkImageView depthResolveView =
      depthResolve ? makeView(depthResolve->handle(), scene.depth_format, DepthAspects(scene.depth_format), 1)
                   : VK_NULL_HANDLE;
  std::vector<VkImageView> views = {makeView(target.handle(), kColorFormat, VK_IMAGE_ASPECT_COLOR_BIT, 1)};
  if (hasDepth) views.push_back(makeView(depth->handle(), scene.depth_format, DepthAspects(scene.depth_format), 1));
  const uint32_t finalIndex = uint32_t(views.size());
  if (twoSubpasses) views.push_back(makeView(final->handle(), kColorFormat, VK_IMAGE_ASPECT_COLOR_BIT, 1));
  // The render pass's resolve attachment (last), or dynamic rendering's resolve view.
  const bool resolveAttachment = multisampled && scene.resolve != Scene::Resolve::ResolveImage;
  if (resolveAttachment) views.push_back(makeView(color.handle(), kColorFormat, VK_IMAGE_ASPECT_COLOR_BIT, 1));

  // Render pass: clear, store, everything in GENERAL.
  std::vector<VkAttachmentDescription> attachments(views.size());
  for (uint32_t i = 0; i < attachments.size(); ++i) {
    const bool resolve = resolveAttachment && i + 1 == attachments.size();
    const bool color_kind = i == 0 || resolve || (twoSubpasses && i == finalIndex);
    attachments[i].format = color_kind ? kColorFormat : scene.depth_format;
    attachments[i].samples = resolve || (twoSubpasses && i == finalIndex) ? VK_SAMPLE_COUNT_1_BIT : scene.samples;
    attachments[i].loadOp = attachments[i].stencilLoadOp =
        resolve ? VK_ATTACHMENT_LOAD_OP_DONT_CARE : VK_ATTACHMENT_LOAD_OP_CLEAR;
    attachments[i].storeOp = attachments[i].stencilStoreOp = VK_ATTACHMENT_STORE_OP_STORE;
    attachments[i].initialLayout = attachments[i].finalLayout = VK_IMAGE_LAYOUT_GENERAL;
  }
  VkAttachmentReference colorRef{0, VK_IMAGE_LAYOUT_GENERAL}, depthRef{1, VK_IMAGE_LAYOUT_GENERAL};
  VkAttachmentReference resolveRef{uint32_t(views.size() - 1), VK_IMAGE_LAYOUT_GENERAL};
  VkSubpassDescription subpass{};
  subpass.pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS;
  subpass.colorAttachmentCount = 1;
  subpass.pColorAttachments = &colorRef;
  subpass.pResolveAttachments = resolveAttachment ? &resolveRef : nullptr;
  subpass.pDepthStencilAttachment = hasDepth ? &depthRef : nullptr;
  // The second subpass reads attachment 0 at its own pixel (an input attachment) and writes the last.
  VkAttachmentReference inputRef{0, VK_IMAGE_LAYOUT_GENERAL}, finalRef{finalIndex, VK_IMAGE_LAYOUT_GENERAL};
  VkSubpassDescription subpasses[2] = {subpass, {}};
  subpasses[1].pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS;
  subpasses[1].inputAttachmentCount = 1;
  subpasses[1].pInputAttachments = &inputRef;
  subpasses[1].colorAttachmentCount = 1;
  subpasses[1].pColorAttachments = &finalRef;
  const VkSubpassDependency dependency{0,
                                       1,
                                       VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT,
                                       VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT,
                                       VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT,
                                       VK_ACCESS_INPUT_ATTACHMENT_READ_BIT,
                                       VK_DEPENDENCY_BY_REGION_BIT};
  auto passInfo = Struct<VkRenderPassCreateInfo>(VK_STRUCTURE_TYPE_RENDER_PASS_CREATE_INFO);
  passInfo.attachmentCount = uint32_t(attachments.size());
  passInfo.pAttachments = attachments.data();
  passInfo.subpassCount = twoSubpasses ? 2 : 1;
  passInfo.pSubpasses = subpasses;
  passInfo.dependencyCount = twoSubpasses ? 1 : 0;
  passInfo.pDependencies = &dependency;
  VkRenderPass pass;
  KT_CHECK(vkCreateRenderPass(d, &passInfo, nullptr, &pass));
  objects.Add([=] { vkDestroyRenderPass(d, pass, nullptr); });
  auto framebufferInfo = Struct<VkFramebufferCreateInfo>(VK_STRUCTURE_TYPE_FRAMEBUFFER_CREATE_INFO);
  framebufferInfo.renderPass = pass;
  framebufferInfo.attachmentCount = uint32_t(views.size());
  framebufferInfo.pAttachments = views.data();
  framebufferInfo.width = W;
  framebufferInfo.height = H;
  framebufferInfo.layers = 1;
  VkFramebuffer framebuffer;
  KT_CHECK(vkCreateFramebuffer(d, &framebufferInfo, nullptr, &framebuffer));
  objects.Add([=] { vkDestroyFramebuffer(d, framebuffer, nullptr); });

  // A descriptor set of one image descriptor at binding 0 for the fragment stage, its layout in
  // *layout; all of it destroyed with `objects`.
  auto makeImageSet = [&](VkDescriptorType type, VkSampler sampler, VkImageView view, VkDescriptorSetLayout* layout) {
    VkDescriptorSetLayoutBinding binding{0, type, 1, VK_SHADER_STAGE_FRAGMENT_BIT, nullptr};
    auto layoutInfo = Struct<VkDescriptorSetLayoutCreateInfo>(VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO);
    layoutInfo.bindingCount = 1;
    layoutInfo.pBindings = &binding;
    KT_CHECK(vkCreateDescriptorSetLayout(d, &layoutInfo, nullptr, layout));
    const VkDescriptorSetLayout created = *layout;
    objects.Add([=] { vkDestroyDescriptorSetLayout(d, created, nullptr); });
    VkDescriptorPoolSize poolSize{type, 1};
    auto poolInfo = Struct<VkDescriptorPoolCreateInfo>(VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO);
    poolInfo.maxSets = 1;
    poolInfo.poolSizeCount = 1;
    poolInfo.pPoolSizes = &poolSize;
    VkDescriptorPool pool;
    KT_CHECK(vkCreateDescriptorPool(d, &poolInfo, nullptr, &pool));
    objects.Add([=] { vkDestroyDescriptorPool(d, pool, nullptr); });
    auto allocInfo = Struct<VkDescriptorSetAllocateInfo>(VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO);
    allocInfo.descriptorPool = pool;
    allocInfo.descriptorSetCount = 1;
    allocInfo.pSetLayouts = layout;
    VkDescriptorSet set;
    KT_CHECK(vkAllocateDescriptorSets(d, &allocInfo, &set));
    VkDescriptorImageInfo imageInfo{sampler, view, VK_IMAGE_LAYOUT_GENERAL};
    auto write = Struct<VkWriteDescriptorSet>(VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET);
    write.dstSet = set;
    write.descriptorCount = 1;
    write.descriptorType = type;
    write.pImageInfo = &imageInfo;
    vkUpdateDescriptorSets(d, 1, &write, 0, nullptr);
    return set;
  };

  // The texture, its sampler and descriptor set.
  std::unique_ptr<Image> texture;
  std::unique_ptr<Buffer> upload;
  VkDescriptorSetLayout setLayout = VK_NULL_HANDLE;
  VkDescriptorSet set = VK_NULL_HANDLE;
  if (scene.texture) {
    const Texture& t = *scene.texture;
    VkImageCreateInfo info = ImageInfo(VK_IMAGE_TYPE_2D, t.format, {t.width, t.height, 1}, t.mips, t.cube ? 6 : 1);
    info.usage = VK_IMAGE_USAGE_SAMPLED_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT;
    if (t.cube) info.flags = VK_IMAGE_CREATE_CUBE_COMPATIBLE_BIT;
    texture = std::make_unique<Image>(*device, info);
    upload = std::make_unique<Buffer>(*device, t.rgba.size(), MemoryKind::Host);
    std::memcpy(upload->data(), t.rgba.data(), t.rgba.size());
    VkImageView view;
    if (t.cube) {
      auto viewInfo = Struct<VkImageViewCreateInfo>(VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO);
      viewInfo.image = texture->handle();
      viewInfo.viewType = VK_IMAGE_VIEW_TYPE_CUBE;
      viewInfo.format = t.format;
      viewInfo.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, t.mips, 0, 6};
      KT_CHECK(vkCreateImageView(d, &viewInfo, nullptr, &view));
      objects.Add([=] { vkDestroyImageView(d, view, nullptr); });
    } else {
      view = makeView(texture->handle(), t.format, TextureAspect(t), t.mips);
    }
    auto samplerInfo = Struct<VkSamplerCreateInfo>(VK_STRUCTURE_TYPE_SAMPLER_CREATE_INFO);
    samplerInfo.magFilter = t.mag;
    samplerInfo.minFilter = t.min;
    samplerInfo.mipmapMode = t.mipmap;
    samplerInfo.addressModeU = samplerInfo.addressModeV = samplerInfo.addressModeW = t.address;
    samplerInfo.borderColor = t.border;
    samplerInfo.maxLod = float(t.mips);
    samplerInfo.compareEnable = t.compare;
    samplerInfo.compareOp = t.compare_op;
    VkSampler sampler;
    KT_CHECK(vkCreateSampler(d, &samplerInfo, nullptr, &sampler));
    objects.Add([=] { vkDestroySampler(d, sampler, nullptr); });
    set = makeImageSet(VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, sampler, view, &setLayout);
  }

  // The pipeline.
  auto layoutInfo = Struct<VkPipelineLayoutCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO);
  layoutInfo.setLayoutCount = setLayout ? 1 : 0;
  layoutInfo.pSetLayouts = &setLayout;
  VkPipelineLayout pipelineLayout;
  KT_CHECK(vkCreatePipelineLayout(d, &layoutInfo, nullptr, &pipelineLayout));
  objects.Add([=] { vkDestroyPipelineLayout(d, pipelineLayout, nullptr); });
  auto makeStage = [&](const std::string& name, VkShaderStageFlagBits stage) {
    const std::vector<uint32_t> words = ShaderWords(name);
    auto moduleInfo = Struct<VkShaderModuleCreateInfo>(VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO);
    moduleInfo.codeSize = words.size() * 4;
    moduleInfo.pCode = words.data();
    VkShaderModule module;
    KT_CHECK(vkCreateShaderModule(d, &moduleInfo, nullptr, &module));
    objects.Add([=] { vkDestroyShaderModule(d, module, nullptr); });
    auto info = Struct<VkPipelineShaderStageCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO);
    info.stage = stage;
    info.module = module;
    info.pName = "main";
    return info;
  };
  const VkPipelineShaderStageCreateInfo stages[2] = {makeStage(scene.vert, VK_SHADER_STAGE_VERTEX_BIT),
                                                     makeStage(scene.frag, VK_SHADER_STAGE_FRAGMENT_BIT)};
  VkPipeline pipeline;
  auto renderingInfo = Struct<VkPipelineRenderingCreateInfoKHR>(VK_STRUCTURE_TYPE_PIPELINE_RENDERING_CREATE_INFO_KHR);
  renderingInfo.colorAttachmentCount = 1;
  renderingInfo.pColorAttachmentFormats = &kColorFormat;
  const VkImageAspectFlags depthAspects = hasDepth ? DepthAspects(scene.depth_format) : 0;
  if (depthAspects & VK_IMAGE_ASPECT_DEPTH_BIT) renderingInfo.depthAttachmentFormat = scene.depth_format;
  if (depthAspects & VK_IMAGE_ASPECT_STENCIL_BIT) renderingInfo.stencilAttachmentFormat = scene.depth_format;
  KT_CHECK(CreatePipeline(d, scene, stages, pipelineLayout, dynamicRendering ? VK_NULL_HANDLE : pass, &pipeline,
                          dynamicRendering ? &renderingInfo : nullptr));
  objects.Add([=] { vkDestroyPipeline(d, pipeline, nullptr); });

  // The second subpass: its own set (the input attachment), layout and pipeline.
  VkPipeline subpassPipeline = VK_NULL_HANDLE;
  VkPipelineLayout subpassLayout = VK_NULL_HANDLE;
  VkDescriptorSet inputSet = VK_NULL_HANDLE;
  if (twoSubpasses) {
    VkDescriptorSetLayout inputLayout;
    inputSet = makeImageSet(VK_DESCRIPTOR_TYPE_INPUT_ATTACHMENT, VK_NULL_HANDLE, views[0], &inputLayout);
    auto subpassLayoutInfo = Struct<VkPipelineLayoutCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO);
    subpassLayoutInfo.setLayoutCount = 1;
    subpassLayoutInfo.pSetLayouts = &inputLayout;
    KT_CHECK(vkCreatePipelineLayout(d, &subpassLayoutInfo, nullptr, &subpassLayout));
    objects.Add([=] { vkDestroyPipelineLayout(d, subpassLayout, nullptr); });
    Scene fullScreen;  // no vertex input, no depth, no blending
    fullScreen.width = W;
    fullScreen.height = H;
    const VkPipelineShaderStageCreateInfo subpassStages[2] = {
        makeStage("fullscreen.vert", VK_SHADER_STAGE_VERTEX_BIT),
        makeStage(scene.subpass_frag, VK_SHADER_STAGE_FRAGMENT_BIT)};
    KT_CHECK(CreatePipeline(d, fullScreen, subpassStages, subpassLayout, pass, &subpassPipeline, nullptr, 1));
    objects.Add([=] { vkDestroyPipeline(d, subpassPipeline, nullptr); });
  }
  // fetch_samples: the second pass (samples.frag reading msColor through a combined image sampler).
  VkRenderPass fetchPass = VK_NULL_HANDLE;
  VkFramebuffer fetchFramebuffer = VK_NULL_HANDLE;
  VkPipeline fetchPipeline = VK_NULL_HANDLE;
  VkPipelineLayout fetchLayout = VK_NULL_HANDLE;
  VkDescriptorSet fetchSet = VK_NULL_HANDLE;
  if (multisampled && scene.fetch_samples) {
    auto samplerInfo = Struct<VkSamplerCreateInfo>(VK_STRUCTURE_TYPE_SAMPLER_CREATE_INFO);
    VkSampler sampler;
    KT_CHECK(vkCreateSampler(d, &samplerInfo, nullptr, &sampler));
    objects.Add([=] { vkDestroySampler(d, sampler, nullptr); });
    VkDescriptorSetLayout fetchSetLayout;
    fetchSet = makeImageSet(VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, sampler, views[0], &fetchSetLayout);
    auto fetchLayoutInfo = Struct<VkPipelineLayoutCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO);
    fetchLayoutInfo.setLayoutCount = 1;
    fetchLayoutInfo.pSetLayouts = &fetchSetLayout;
    KT_CHECK(vkCreatePipelineLayout(d, &fetchLayoutInfo, nullptr, &fetchLayout));
    const VkPipelineLayout fl = fetchLayout;
    objects.Add([=] { vkDestroyPipelineLayout(d, fl, nullptr); });
    VkAttachmentDescription attachment{0, kColorFormat, VK_SAMPLE_COUNT_1_BIT, VK_ATTACHMENT_LOAD_OP_DONT_CARE,
                                       VK_ATTACHMENT_STORE_OP_STORE, VK_ATTACHMENT_LOAD_OP_DONT_CARE,
                                       VK_ATTACHMENT_STORE_OP_DONT_CARE, VK_IMAGE_LAYOUT_GENERAL,
                                       VK_IMAGE_LAYOUT_GENERAL};
    VkAttachmentReference ref{0, VK_IMAGE_LAYOUT_GENERAL};
    VkSubpassDescription fetchSubpass{};
    fetchSubpass.pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS;
    fetchSubpass.colorAttachmentCount = 1;
    fetchSubpass.pColorAttachments = &ref;
    auto fetchPassInfo = Struct<VkRenderPassCreateInfo>(VK_STRUCTURE_TYPE_RENDER_PASS_CREATE_INFO);
    fetchPassInfo.attachmentCount = 1;
    fetchPassInfo.pAttachments = &attachment;
    fetchPassInfo.subpassCount = 1;
    fetchPassInfo.pSubpasses = &fetchSubpass;
    KT_CHECK(vkCreateRenderPass(d, &fetchPassInfo, nullptr, &fetchPass));
    const VkRenderPass fp = fetchPass;
    objects.Add([=] { vkDestroyRenderPass(d, fp, nullptr); });
    const VkImageView colorView = makeView(color.handle(), kColorFormat, VK_IMAGE_ASPECT_COLOR_BIT, 1);
    auto fbInfo = Struct<VkFramebufferCreateInfo>(VK_STRUCTURE_TYPE_FRAMEBUFFER_CREATE_INFO);
    fbInfo.renderPass = fetchPass;
    fbInfo.attachmentCount = 1;
    fbInfo.pAttachments = &colorView;
    fbInfo.width = W;
    fbInfo.height = H;
    fbInfo.layers = 1;
    KT_CHECK(vkCreateFramebuffer(d, &fbInfo, nullptr, &fetchFramebuffer));
    const VkFramebuffer ff = fetchFramebuffer;
    objects.Add([=] { vkDestroyFramebuffer(d, ff, nullptr); });
    Scene fetchScene;  // no vertex input, one sample, no depth, no blending
    fetchScene.width = W;
    fetchScene.height = H;
    VkPipelineShaderStageCreateInfo fetchStages[2];
    fetchStages[0] = makeStage("fullscreen.vert", VK_SHADER_STAGE_VERTEX_BIT);
    fetchStages[1] = makeStage("samples.frag", VK_SHADER_STAGE_FRAGMENT_BIT);
    KT_CHECK(CreatePipeline(d, fetchScene, fetchStages, fetchLayout, fetchPass, &fetchPipeline));
    const VkPipeline fpl = fetchPipeline;
    objects.Add([=] { vkDestroyPipeline(d, fpl, nullptr); });
  }

  // Vertex and index buffers; readback buffers.
  std::vector<std::unique_ptr<Buffer>> vertexBuffers;
  std::vector<VkBuffer> vertexHandles;
  std::vector<VkDeviceSize> offsets;
  for (const VertexBuffer& vb : scene.buffers) {
    vertexBuffers.push_back(std::make_unique<Buffer>(*device, std::max<size_t>(vb.bytes.size(), 4), MemoryKind::Host,
                                                     VK_BUFFER_USAGE_VERTEX_BUFFER_BIT));
    std::memcpy(vertexBuffers.back()->data(), vb.bytes.data(), vb.bytes.size());
    vertexHandles.push_back(vertexBuffers.back()->handle());
    offsets.push_back(0);
  }
  std::unique_ptr<Buffer> indexBuffer;
  if (!scene.indices.empty()) {
    const size_t size = scene.indices.size() * (scene.index16 ? 2 : 4);
    indexBuffer = std::make_unique<Buffer>(*device, size, MemoryKind::Host, VK_BUFFER_USAGE_INDEX_BUFFER_BIT);
    for (size_t i = 0; i < scene.indices.size(); ++i) {
      if (scene.index16) {
        const uint16_t v = uint16_t(scene.indices[i]);
        std::memcpy(indexBuffer->data() + 2 * i, &v, 2);
      } else {
        std::memcpy(indexBuffer->data() + 4 * i, &scene.indices[i], 4);
      }
    }
  }
  // One indirect record per draw, 20 bytes apart (the larger of the two record kinds).
  constexpr uint32_t kRecord = sizeof(VkDrawIndexedIndirectCommand);
  Buffer indirect(*device, std::max<size_t>(scene.draws.size(), 1) * kRecord, MemoryKind::Host,
                  VK_BUFFER_USAGE_INDIRECT_BUFFER_BIT);
  for (size_t k = 0; k < scene.draws.size(); ++k) {
    const DrawCall& c = scene.draws[k];
    if (c.indexed) {
      const VkDrawIndexedIndirectCommand record{c.count, c.instances, c.first, c.vertex_offset, c.first_instance};
      std::memcpy(indirect.data() + k * kRecord, &record, sizeof record);
    } else {
      const VkDrawIndirectCommand record{c.count, c.instances, c.first, c.first_instance};
      std::memcpy(indirect.data() + k * kRecord, &record, sizeof record);
    }
  }
  Buffer colorOut(*device, size_t(W) * H * 4, MemoryKind::Host);
  std::unique_ptr<Buffer> depthOut, stencilOut;
  const Image* depthOutImage = depthResolve ? depthResolve.get() : depth.get();
  const bool readDepth = (!multisampled || depthResolve) && (scene.depth_format == VK_FORMAT_D32_SFLOAT ||
                                                             scene.depth_format == VK_FORMAT_D32_SFLOAT_S8_UINT);
  const bool readStencil = (!multisampled || depthResolve) && (scene.depth_format == VK_FORMAT_D32_SFLOAT_S8_UINT ||
                                                               scene.depth_format == VK_FORMAT_D24_UNORM_S8_UINT);
  auto beginRendering = reinterpret_cast<PFN_vkCmdBeginRenderingKHR>(vkGetDeviceProcAddr(d, "vkCmdBeginRenderingKHR"));
  auto endRendering = reinterpret_cast<PFN_vkCmdEndRenderingKHR>(vkGetDeviceProcAddr(d, "vkCmdEndRenderingKHR"));
  if (readDepth) depthOut = std::make_unique<Buffer>(*device, size_t(W) * H * 4, MemoryKind::Host);
  if (readStencil) stencilOut = std::make_unique<Buffer>(*device, size_t(W) * H, MemoryKind::Host);

  RunOnce(*device, [&](VkCommandBuffer cmd) {
    ToGeneral(cmd, color, VK_IMAGE_ASPECT_COLOR_BIT);
    if (final) ToGeneral(cmd, *final, VK_IMAGE_ASPECT_COLOR_BIT);
    if (msColor) ToGeneral(cmd, *msColor, VK_IMAGE_ASPECT_COLOR_BIT);
    if (hasDepth) ToGeneral(cmd, *depth, DepthAspects(scene.depth_format));
    if (depthResolve) ToGeneral(cmd, *depthResolve, DepthAspects(scene.depth_format));
    if (texture) {
      const VkImageAspectFlags aspect = TextureAspect(*scene.texture);
      // A layout transition covers every aspect of the format (VUID-VkImageMemoryBarrier-image-01207).
      ToGeneral(cmd, *texture, aspect == VK_IMAGE_ASPECT_COLOR_BIT ? aspect : DepthAspects(scene.texture->format));
      std::vector<VkBufferImageCopy> regions;
      VkDeviceSize offset = 0;
      const VkDeviceSize texel = aspect == VK_IMAGE_ASPECT_STENCIL_BIT           ? 1
                                 : scene.texture->format == VK_FORMAT_D16_UNORM ? 2
                                                                                : 4;
      for (uint32_t m = 0; m < scene.texture->mips; ++m) {
        const uint32_t w = std::max(1u, scene.texture->width >> m), h = std::max(1u, scene.texture->height >> m);
        const uint32_t layers = scene.texture->cube ? 6 : 1;
        VkBufferImageCopy r{};
        r.bufferOffset = offset;
        r.imageSubresource = {aspect, m, 0, layers};
        r.imageExtent = {w, h, 1};
        regions.push_back(r);
        offset += VkDeviceSize(w) * h * texel * layers;
      }
      vkCmdCopyBufferToImage(cmd, upload->handle(), texture->handle(), VK_IMAGE_LAYOUT_GENERAL, uint32_t(regions.size()),
                             regions.data());
    }
    FullBarrier(cmd);
    VkClearValue clears[3] = {};
    clears[0].color = scene.clear_color;
    clears[1].depthStencil = {scene.clear_depth, scene.clear_stencil};
    clears[finalIndex].color = scene.clear_color;
    auto begin = Struct<VkRenderPassBeginInfo>(VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO);
    begin.renderPass = pass;
    begin.framebuffer = framebuffer;
    begin.renderArea = {{0, 0}, {W, H}};
    begin.clearValueCount = uint32_t(views.size());
    begin.pClearValues = clears;
    auto colorAttachment = Struct<VkRenderingAttachmentInfoKHR>(VK_STRUCTURE_TYPE_RENDERING_ATTACHMENT_INFO_KHR);
    auto depthAttachment = Struct<VkRenderingAttachmentInfoKHR>(VK_STRUCTURE_TYPE_RENDERING_ATTACHMENT_INFO_KHR);
    if (dynamicRendering) {
      colorAttachment.imageView = views[0];
      colorAttachment.imageLayout = VK_IMAGE_LAYOUT_GENERAL;
      colorAttachment.resolveMode = VK_RESOLVE_MODE_AVERAGE_BIT;
      colorAttachment.resolveImageView = views.back();
      colorAttachment.resolveImageLayout = VK_IMAGE_LAYOUT_GENERAL;
      colorAttachment.loadOp = VK_ATTACHMENT_LOAD_OP_CLEAR;
      colorAttachment.storeOp = VK_ATTACHMENT_STORE_OP_STORE;
      colorAttachment.clearValue = clears[0];
      if (hasDepth) {
        depthAttachment.imageView = views[1];
        depthAttachment.imageLayout = VK_IMAGE_LAYOUT_GENERAL;
        depthAttachment.loadOp = VK_ATTACHMENT_LOAD_OP_CLEAR;
        depthAttachment.storeOp = VK_ATTACHMENT_STORE_OP_STORE;
        depthAttachment.clearValue = clears[1];
        depthAttachment.resolveMode = VK_RESOLVE_MODE_SAMPLE_ZERO_BIT;
        depthAttachment.resolveImageView = depthResolveView;
        depthAttachment.resolveImageLayout = VK_IMAGE_LAYOUT_GENERAL;
      }
      auto rendering = Struct<VkRenderingInfoKHR>(VK_STRUCTURE_TYPE_RENDERING_INFO_KHR);
      rendering.renderArea = {{0, 0}, {W, H}};
      rendering.layerCount = 1;
      rendering.colorAttachmentCount = 1;
      rendering.pColorAttachments = &colorAttachment;
      rendering.pDepthAttachment = depthAspects & VK_IMAGE_ASPECT_DEPTH_BIT ? &depthAttachment : nullptr;
      rendering.pStencilAttachment = depthAspects & VK_IMAGE_ASPECT_STENCIL_BIT ? &depthAttachment : nullptr;
      beginRendering(cmd, &rendering);
    } else {
      vkCmdBeginRenderPass(cmd, &begin, VK_SUBPASS_CONTENTS_INLINE);
    }
    vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, pipeline);
    if (set) vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, pipelineLayout, 0, 1, &set, 0, nullptr);
    if (!vertexHandles.empty())
      vkCmdBindVertexBuffers(cmd, 0, uint32_t(vertexHandles.size()), vertexHandles.data(), offsets.data());
    if (indexBuffer)
      vkCmdBindIndexBuffer(cmd, indexBuffer->handle(), 0, scene.index16 ? VK_INDEX_TYPE_UINT16 : VK_INDEX_TYPE_UINT32);
    for (size_t k = 0; k < scene.draws.size(); ++k) {
      const DrawCall& draw = scene.draws[k];
      if (draw.indirect && draw.indexed)
        vkCmdDrawIndexedIndirect(cmd, indirect.handle(), k * kRecord, 1, kRecord);
      else if (draw.indirect)
        vkCmdDrawIndirect(cmd, indirect.handle(), k * kRecord, 1, kRecord);
      else if (draw.indexed)
        vkCmdDrawIndexed(cmd, draw.count, draw.instances, draw.first, draw.vertex_offset, draw.first_instance);
      else
        vkCmdDraw(cmd, draw.count, draw.instances, draw.first, draw.first_instance);
    }
    if (twoSubpasses) {
      vkCmdNextSubpass(cmd, VK_SUBPASS_CONTENTS_INLINE);
      vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, subpassPipeline);
      vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, subpassLayout, 0, 1, &inputSet, 0, nullptr);
      vkCmdDraw(cmd, 3, 1, 0, 0);
    }
    if (dynamicRendering)
      endRendering(cmd);
    else
      vkCmdEndRenderPass(cmd);
    FullBarrier(cmd);
    if (multisampled && scene.resolve == Scene::Resolve::ResolveImage) {
      VkImageResolve resolve{};
      resolve.srcSubresource = resolve.dstSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
      resolve.extent = {W, H, 1};
      vkCmdResolveImage(cmd, msColor->handle(), VK_IMAGE_LAYOUT_GENERAL, color.handle(), VK_IMAGE_LAYOUT_GENERAL, 1,
                        &resolve);
      FullBarrier(cmd);
    }
    if (fetchPipeline) {
      auto fetchBegin = Struct<VkRenderPassBeginInfo>(VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO);
      fetchBegin.renderPass = fetchPass;
      fetchBegin.framebuffer = fetchFramebuffer;
      fetchBegin.renderArea = {{0, 0}, {W, H}};
      vkCmdBeginRenderPass(cmd, &fetchBegin, VK_SUBPASS_CONTENTS_INLINE);
      vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, fetchPipeline);
      vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, fetchLayout, 0, 1, &fetchSet, 0, nullptr);
      vkCmdDraw(cmd, 3, 1, 0, 0);
      vkCmdEndRenderPass(cmd);
      FullBarrier(cmd);
    }
    VkBufferImageCopy region{};
    region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
    region.imageExtent = {W, H, 1};
    vkCmdCopyImageToBuffer(cmd, readBack.handle(), VK_IMAGE_LAYOUT_GENERAL, colorOut.handle(), 1, &region);
    if (depthOut) {
      region.imageSubresource.aspectMask = VK_IMAGE_ASPECT_DEPTH_BIT;
      vkCmdCopyImageToBuffer(cmd, depthOutImage->handle(), VK_IMAGE_LAYOUT_GENERAL, depthOut->handle(), 1, &region);
    }
    if (stencilOut) {
      region.imageSubresource.aspectMask = VK_IMAGE_ASPECT_STENCIL_BIT;
      vkCmdCopyImageToBuffer(cmd, depthOutImage->handle(), VK_IMAGE_LAYOUT_GENERAL, stencilOut->handle(), 1, &region);
    }
  });
  Pixels out;
  out.width = W;
  out.height = H;
  out.color.assign(colorOut.data(), colorOut.data() + size_t(W) * H * 4);
  if (depthOut) {
    out.depth.resize(size_t(W) * H);
    std::memcpy(out.depth.data(), depthOut->data(), out.depth.size() * 4);
  }
  if (stencilOut) out.stencil.assign(stencilOut->data(), stencilOut->data() + size_t(W) * H);
  return out;
}

}  // namespace

Pixels Render(const std::string& manifest, const Scene& scene) {
  std::shared_ptr<MessageLog> log;
  Pixels pixels = RenderWithLog(manifest, scene, &log);
  // Every object, the device and the instance are gone: their destruction was validated too.
  if (log) {
    const std::vector<std::string> errors = log->Take();
    EXPECT_TRUE(errors.empty()) << errors.size() << " validation error(s):" << MessageLog::Join(errors);
  }
  return pixels;
}

::testing::AssertionResult SamePixels(const std::string& name, const Pixels& actual, const Pixels& expected,
                                      int tolerance, float depth_tolerance) {
  if (actual.width != expected.width || actual.height != expected.height || actual.color.size() != expected.color.size())
    return ::testing::AssertionFailure() << name << ": sizes differ";
  std::ostringstream report;
  uint32_t bad = 0;
  // The difference image: differing pixels red, the others the expected image's, dimmed to gray.
  std::vector<uint8_t> diff(actual.color.size());
  for (uint32_t y = 0; y < actual.height; ++y)
    for (uint32_t x = 0; x < actual.width; ++x) {
      const uint8_t *a = actual.at(x, y), *e = expected.at(x, y);
      bool differs = (a[3] == 0) != (e[3] == 0);  // coverage: exactly
      for (int c = 0; c < 4; ++c) differs |= std::abs(int(a[c]) - int(e[c])) > tolerance;
      const size_t i = size_t(y) * actual.width + x;
      if (!actual.depth.empty() && i < expected.depth.size())
        differs |= !(std::fabs(actual.depth[i] - expected.depth[i]) <= depth_tolerance);
      if (!actual.stencil.empty() && i < expected.stencil.size()) differs |= actual.stencil[i] != expected.stencil[i];
      const uint8_t gray = uint8_t((int(e[0]) + int(e[1]) + int(e[2])) / 6);
      const uint8_t shown[4] = {differs ? uint8_t(255) : gray, differs ? uint8_t(0) : gray, differs ? uint8_t(0) : gray, 255};
      std::copy(shown, shown + 4, &diff[i * 4]);
      if (differs && bad++ < 8) {
        report << "\n  (" << x << ", " << y << "): " << int(a[0]) << ' ' << int(a[1]) << ' ' << int(a[2]) << ' '
               << int(a[3]) << " vs " << int(e[0]) << ' ' << int(e[1]) << ' ' << int(e[2]) << ' ' << int(e[3]);
        if (!actual.depth.empty()) report << " depth " << actual.depth[i] << " vs " << expected.depth[i];
        if (!actual.stencil.empty()) report << " stencil " << int(actual.stencil[i]) << " vs " << int(expected.stencil[i]);
      }
    }
  if (bad == 0) return ::testing::AssertionSuccess();
  const std::string folder = KILN_DRAW_OUTPUT_DIR;
  if (std::system(("mkdir -p '" + folder + "'").c_str()) == 0) {
    WritePng(folder + "/" + name + "_actual.png", actual.width, actual.height, actual.color);
    WritePng(folder + "/" + name + "_expected.png", expected.width, expected.height, expected.color);
    WritePng(folder + "/" + name + "_diff.png", actual.width, actual.height, diff);
  }
  return ::testing::AssertionFailure() << name << ": " << bad << " pixels differ (tolerance " << tolerance
                                       << "); images in " << folder << report.str();
}

Pixels DrawOnBoth(const std::string& name, const Scene& scene, int tolerance, float depth_tolerance) {
  Pixels kiln = Render(KILN_TEST_MANIFEST, scene);
  if (LavapipeInstalled()) {
    const Pixels lavapipe = Render(KILN_LAVAPIPE_MANIFEST, scene);
    EXPECT_TRUE(SamePixels(name, kiln, lavapipe, tolerance, depth_tolerance));
  }
  return kiln;
}

}  // namespace kiln_test
