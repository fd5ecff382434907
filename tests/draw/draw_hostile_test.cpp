// Hostile SPIR-V through vkCreateGraphicsPipelines: random bit flips and truncations of the draw
// suite's vertex and fragment modules never crash module or pipeline creation -- each returns an
// error, or makes a module and pipeline that can be destroyed. (The SPIR-V front end's fuzzer,
// tests/fuzz, lowers vertex and fragment entry points too; this goes through the loader and the
// graphics pipeline's own checks.)
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <random>

#include "draw_harness.h"
#include "vk_test_util.h"

namespace kiln_test {
namespace {

std::vector<uint32_t> Load(const std::string& name) {
  std::ifstream f(std::string(KILN_DRAW_SHADER_DIR) + "/" + name + ".spv", std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(f)), {});
  std::vector<uint32_t> words(bytes.size() / 4);
  std::memcpy(words.data(), bytes.data(), words.size() * 4);
  return words;
}

VkShaderModule Module(VkDevice device, const std::vector<uint32_t>& words, VkResult* result) {
  auto info = Struct<VkShaderModuleCreateInfo>(VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO);
  info.codeSize = words.size() * 4;
  info.pCode = words.data();
  VkShaderModule module = VK_NULL_HANDLE;
  *result = vkCreateShaderModule(device, &info, nullptr, &module);
  return module;
}

TEST(DrawHostile, MutatedStagesNeverCrashGraphicsPipelineCreation) {
  KT_REQUIRE_KILN();
  auto instance = Instance::Create();
  auto device = Device::Create(*instance);
  const VkDevice d = device->handle;
  VkAttachmentDescription attachment{0, VK_FORMAT_R8G8B8A8_UNORM, VK_SAMPLE_COUNT_1_BIT, VK_ATTACHMENT_LOAD_OP_CLEAR,
                                     VK_ATTACHMENT_STORE_OP_STORE, VK_ATTACHMENT_LOAD_OP_DONT_CARE,
                                     VK_ATTACHMENT_STORE_OP_DONT_CARE, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_GENERAL};
  VkAttachmentReference ref{0, VK_IMAGE_LAYOUT_GENERAL};
  VkSubpassDescription subpass{};
  subpass.pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS;
  subpass.colorAttachmentCount = 1;
  subpass.pColorAttachments = &ref;
  auto passInfo = Struct<VkRenderPassCreateInfo>(VK_STRUCTURE_TYPE_RENDER_PASS_CREATE_INFO);
  passInfo.attachmentCount = 1;
  passInfo.pAttachments = &attachment;
  passInfo.subpassCount = 1;
  passInfo.pSubpasses = &subpass;
  VkRenderPass pass;
  KT_CHECK(vkCreateRenderPass(d, &passInfo, nullptr, &pass));
  auto layoutInfo = Struct<VkPipelineLayoutCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO);
  VkPipelineLayout layout;
  KT_CHECK(vkCreatePipelineLayout(d, &layoutInfo, nullptr, &layout));

  // The draw suite's color scene: position and color attributes, a 16x16 target.
  Scene scene;
  scene.width = scene.height = 16;
  scene.buffers.push_back({{}, 32, VK_VERTEX_INPUT_RATE_VERTEX});
  scene.attributes = {{0, 0, VK_FORMAT_R32G32B32A32_SFLOAT, 0}, {1, 0, VK_FORMAT_R32G32B32A32_SFLOAT, 16}};

  const std::vector<uint32_t> originals[2] = {Load("color.vert"), Load("discard.frag")};
  std::mt19937 rng(61);
  int pipelines = 0, refused_modules = 0, refused_pipelines = 0;
  for (int i = 0; i < 8000; ++i) {
    const int mutated = i % 2;  // the vertex or the fragment stage
    std::vector<uint32_t> words[2] = {originals[0], originals[1]};
    std::vector<uint32_t>& w = words[mutated];
    for (int f = 0, flips = 1 + int(rng() % 3); f < flips; ++f) w[5 + rng() % (w.size() - 5)] ^= 1u << (rng() % 32);
    if (rng() % 5 == 0) w.resize(rng() % w.size() + 1);
    VkResult results[2];
    VkShaderModule modules[2] = {Module(d, words[0], &results[0]), Module(d, words[1], &results[1])};
    if (results[0] != VK_SUCCESS || results[1] != VK_SUCCESS) {
      EXPECT_EQ(results[mutated], VK_ERROR_INVALID_SHADER_NV);
      ++refused_modules;
    } else {
      VkPipelineShaderStageCreateInfo stages[2];
      for (int s = 0; s < 2; ++s) {
        stages[s] = Struct<VkPipelineShaderStageCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO);
        stages[s].stage = s == 0 ? VK_SHADER_STAGE_VERTEX_BIT : VK_SHADER_STAGE_FRAGMENT_BIT;
        stages[s].module = modules[s];
        stages[s].pName = "main";
      }
      VkPipeline pipeline = VK_NULL_HANDLE;
      const VkResult made = CreatePipeline(d, scene, stages, layout, pass, &pipeline);
      if (made == VK_SUCCESS) {
        ++pipelines;
        vkDestroyPipeline(d, pipeline, nullptr);
      } else {
        EXPECT_EQ(made, VK_ERROR_INVALID_SHADER_NV);
        EXPECT_EQ(pipeline, VK_NULL_HANDLE);
        ++refused_pipelines;
      }
    }
    for (VkShaderModule m : modules) vkDestroyShaderModule(d, m, nullptr);
  }
  vkDestroyPipelineLayout(d, layout, nullptr);
  vkDestroyRenderPass(d, pass, nullptr);
  // Both outcomes happen: the mutations are neither all refused nor all harmless.
  EXPECT_GT(pipelines, 0);
  EXPECT_GT(refused_modules + refused_pipelines, 0);
  std::printf("%d pipelines made, %d modules and %d pipelines refused\n", pipelines, refused_modules, refused_pipelines);
}

}  // namespace
}  // namespace kiln_test
