// Hostile SPIR-V through the loader: random truncations and bit flips of valid compute modules
// (made by glslc at build time) never crash vkCreateShaderModule or vkCreateComputePipelines --
// each returns an error, or makes a module and pipeline that can be destroyed. Runs under
// ASan+UBSan in test-all.sh's asan stage too.
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "vk_test_util.h"

namespace kiln_test {
namespace {

std::vector<uint32_t> load_spirv(const std::string& name) {
  std::ifstream f(std::string(KILN_TEST_HOSTILE_SHADER_DIR) + "/" + name, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(f)), {});
  std::vector<uint32_t> words(bytes.size() / 4);
  std::memcpy(words.data(), bytes.data(), words.size() * 4);
  return words;
}

TEST(HostileShaders, MutatedModulesNeverCrashModuleOrPipelineCreation) {
  KT_REQUIRE_KILN();
  auto instance = Instance::Create();
  auto device = Device::Create(*instance);
  auto layout_info = Struct<VkPipelineLayoutCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO);
  VkPipelineLayout layout = VK_NULL_HANDLE;
  KT_CHECK(vkCreatePipelineLayout(device->handle, &layout_info, nullptr, &layout));
  std::mt19937 rng(20261121);
  int modules = 0, pipelines = 0, refused = 0;
  for (const char* name : {"scale.spv", "control.spv"}) {
    const std::vector<uint32_t> original = load_spirv(name);
    ASSERT_GT(original.size(), 5u) << name;
    for (int i = 0; i < 1500; ++i) {
      std::vector<uint32_t> words = original;
      const int flips = 1 + int(rng() % 3);
      for (int f = 0; f < flips; ++f) words[5 + rng() % (words.size() - 5)] ^= 1u << (rng() % 32);
      if (rng() % 5 == 0) words.resize(rng() % words.size() + 1);
      auto info = Struct<VkShaderModuleCreateInfo>(VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO);
      info.codeSize = words.size() * 4;
      info.pCode = words.data();
      VkShaderModule module = VK_NULL_HANDLE;
      const VkResult created = vkCreateShaderModule(device->handle, &info, nullptr, &module);
      if (created != VK_SUCCESS) {
        EXPECT_EQ(created, VK_ERROR_INVALID_SHADER_NV);
        ++refused;
        continue;
      }
      ++modules;
      auto pipeline_info = Struct<VkComputePipelineCreateInfo>(VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO);
      pipeline_info.stage = Struct<VkPipelineShaderStageCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO);
      pipeline_info.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
      pipeline_info.stage.module = module;
      pipeline_info.stage.pName = "main";
      pipeline_info.layout = layout;
      VkPipeline pipeline = VK_NULL_HANDLE;
      const VkResult made = vkCreateComputePipelines(device->handle, VK_NULL_HANDLE, 1, &pipeline_info, nullptr, &pipeline);
      if (made == VK_SUCCESS) {
        ++pipelines;
        vkDestroyPipeline(device->handle, pipeline, nullptr);
      } else {
        EXPECT_EQ(made, VK_ERROR_INVALID_SHADER_NV);
        EXPECT_EQ(pipeline, VK_NULL_HANDLE);
      }
      vkDestroyShaderModule(device->handle, module, nullptr);
    }
  }
  vkDestroyPipelineLayout(device->handle, layout, nullptr);
  EXPECT_GT(refused, 0);
  RecordProperty("modules", modules);
  RecordProperty("pipelines", pipelines);
}

// Truncated or misaligned code sizes are refused before a word is read past the end.
TEST(HostileShaders, CodeSizesThatAreNotWholeWordsAreRefused) {
  KT_REQUIRE_KILN();
  auto instance = Instance::Create();
  auto device = Device::Create(*instance);
  const std::vector<uint32_t> words = load_spirv("scale.spv");
  for (size_t size : {size_t(0), size_t(3), size_t(17), words.size() * 4 - 2}) {
    auto info = Struct<VkShaderModuleCreateInfo>(VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO);
    info.codeSize = size;
    info.pCode = words.data();
    VkShaderModule module = VK_NULL_HANDLE;
    EXPECT_EQ(vkCreateShaderModule(device->handle, &info, nullptr, &module), VK_ERROR_INVALID_SHADER_NV) << size;
  }
}

}  // namespace
}  // namespace kiln_test
