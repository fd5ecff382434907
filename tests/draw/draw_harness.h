// The draw suite's harness: a Scene says what to draw (shaders, vertex and index data, the
// pipeline's fixed-function state, an optional texture, the draw calls); Render() draws it on one
// driver through the loader into an offscreen color (and depth/stencil) attachment and reads the
// pixels back, so that a test can draw the same scene on Kiln and on lavapipe and compare.
#pragma once

#include <vulkan/vulkan.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kiln_test {

struct VertexBuffer {
  std::vector<uint8_t> bytes;
  uint32_t stride = 0;
  VkVertexInputRate rate = VK_VERTEX_INPUT_RATE_VERTEX;
};

struct Attribute {
  uint32_t location, binding;
  VkFormat format;
  uint32_t offset;
};

// A texture with its mip levels one after another, and how it is sampled: RGBA8 UNORM, or a depth
// format whose texels `rgba` then holds as the format stores them (2 bytes for D16, 4 for X8_D24 and
// D32_SFLOAT), sampled through its depth aspect.
struct Texture {
  uint32_t width = 0, height = 0, mips = 1;
  VkFormat format = VK_FORMAT_R8G8B8A8_UNORM;
  std::vector<uint8_t> rgba;
  // For depth/stencil formats, the aspect sampled and uploaded (0: depth). `rgba` holds the
  // aspect's texels: 1 byte per stencil value.
  VkImageAspectFlags aspect = 0;
  bool cube = false;  // six faces (+X, -X, +Y, -Y, +Z, -Z) one after another, sampled as a cube
  VkBool32 compare = VK_FALSE;  // the sampler's compareEnable and compareOp
  VkCompareOp compare_op = VK_COMPARE_OP_ALWAYS;
  VkFilter mag = VK_FILTER_NEAREST, min = VK_FILTER_NEAREST;
  VkSamplerMipmapMode mipmap = VK_SAMPLER_MIPMAP_MODE_NEAREST;
  VkSamplerAddressMode address = VK_SAMPLER_ADDRESS_MODE_REPEAT;
  VkBorderColor border = VK_BORDER_COLOR_FLOAT_OPAQUE_BLACK;
};

struct DrawCall {
  uint32_t count = 0, instances = 1, first = 0, first_instance = 0;
  int32_t vertex_offset = 0;
  bool indexed = false;
  bool indirect = false;  // through vkCmdDraw(Indexed)Indirect, one record (first_instance must be 0)
};

struct Scene {
  std::string vert = "color.vert", frag = "color.frag";  // compiled modules in the suite's shader folder
  uint32_t width = 64, height = 64;
  VkFormat depth_format = VK_FORMAT_UNDEFINED;  // D32_SFLOAT, D32_SFLOAT_S8_UINT, ...
  VkClearColorValue clear_color{};
  float clear_depth = 1.0f;
  uint32_t clear_stencil = 0;
  std::vector<VertexBuffer> buffers;
  std::vector<Attribute> attributes;
  std::vector<uint32_t> indices;  // 32-bit indices (or 16-bit when index16)
  bool index16 = false;
  VkPrimitiveTopology topology = VK_PRIMITIVE_TOPOLOGY_TRIANGLE_LIST;
  bool primitive_restart = false;
  VkPolygonMode polygon_mode = VK_POLYGON_MODE_FILL;
  bool logic_op = false;  // logicOpEnable, with VK_LOGIC_OP_XOR
  VkCullModeFlags cull = VK_CULL_MODE_NONE;
  VkFrontFace front_face = VK_FRONT_FACE_COUNTER_CLOCKWISE;
  bool depth_bias = false;
  float bias_constant = 0, bias_slope = 0, bias_clamp = 0;
  VkPipelineDepthStencilStateCreateInfo depth_stencil{};  // sType set by Render()
  VkPipelineColorBlendAttachmentState blend{VK_FALSE,
                                            VK_BLEND_FACTOR_ONE,
                                            VK_BLEND_FACTOR_ZERO,
                                            VK_BLEND_OP_ADD,
                                            VK_BLEND_FACTOR_ONE,
                                            VK_BLEND_FACTOR_ZERO,
                                            VK_BLEND_OP_ADD,
                                            0xf};
  float blend_constants[4] = {0, 0, 0, 0};
  std::optional<VkViewport> viewport;  // default: the whole attachment, depth 0..1
  std::optional<VkRect2D> scissor;     // default: the whole attachment
  std::optional<Texture> texture;
  std::vector<DrawCall> draws;
  // A second subpass: a full-screen triangle whose fragment shader reads the first subpass's color
  // as input attachment 0 (set 0, binding 0) and writes the color that is read back.
  // One-sample scenes with a render pass only.
  std::string subpass_frag;
  // Multisampling: the color (and depth/stencil) attachments have `samples` samples; with more than
  // one the color attachment is resolved, as `resolve` says, into the one-sample image read back.
  // Depth and stencil are read back from multisampled scenes with DynamicRendering only, resolved
  // with SAMPLE_ZERO.
  VkSampleCountFlagBits samples = VK_SAMPLE_COUNT_1_BIT;
  uint32_t sample_mask = ~0u;  // pSampleMask[0]
  bool sample_shading = false, alpha_to_coverage = false, alpha_to_one = false;  // multisample state as named
  enum class Resolve { RenderPass, DynamicRendering, ResolveImage } resolve = Resolve::RenderPass;
  // Multisampled scenes: after the resolve, a second pass draws samples.frag over the read-back
  // image, which texelFetches each sample of the color attachment: component s = sample s's red.
  bool fetch_samples = false;
};

struct Pixels {
  uint32_t width = 0, height = 0;
  std::vector<uint8_t> color;    // RGBA8, rows top to bottom
  std::vector<float> depth;      // D32_SFLOAT(_S8_UINT) scenes
  std::vector<uint8_t> stencil;  // *_S8_UINT scenes
  const uint8_t* at(uint32_t x, uint32_t y) const { return &color[(size_t(y) * width + x) * 4]; }
};

// Draws `scene` on the driver of `manifest` (a loader manifest path).
Pixels Render(const std::string& manifest, const Scene& scene);

// The graphics pipeline of `scene` (its vertex input and fixed-function state) with `stages`
// (vertex, fragment), for `subpass` of `pass`: vkCreateGraphicsPipelines' result.
// `rendering`: dynamic rendering's attachment formats (with pass VK_NULL_HANDLE).
VkResult CreatePipeline(VkDevice device, const Scene& scene, const VkPipelineShaderStageCreateInfo stages[2],
                        VkPipelineLayout layout, VkRenderPass pass, VkPipeline* pipeline,
                        const VkPipelineRenderingCreateInfoKHR* rendering = nullptr, uint32_t subpass = 0);

// Float vertex data as bytes, for VertexBuffer::bytes.
std::vector<uint8_t> Bytes(const std::vector<float>& values);

// Compares two renderings: coverage (alpha == 0 or not) exactly, colors within `tolerance` codes
// per channel, depth within `depth_tolerance`, stencil exactly. On failure the message names the
// first differing pixels and the images (actual, expected, difference) are written as PNG to the suite's output folder.
::testing::AssertionResult SamePixels(const std::string& name, const Pixels& actual, const Pixels& expected,
                                      int tolerance = 1, float depth_tolerance = 1e-6f);

bool LavapipeInstalled();

// Draws `scene` on Kiln, and on lavapipe when installed, and compares the two (SamePixels).
Pixels DrawOnBoth(const std::string& name, const Scene& scene, int tolerance = 1, float depth_tolerance = 1e-6f);

}  // namespace kiln_test
