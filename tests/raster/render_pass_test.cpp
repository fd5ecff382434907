// Render pass instances without draws: attachment load operations at each attachment's first use
// (CLEAR within the render area and the framebuffer's layers, LOAD, DONT_CARE), depth and stencil
// load ops apart, several attachments and subpasses, both create-info generations. Each result is
// checked against the host's model of the clear exactly, and against lavapipe texel by texel.
#include <gtest/gtest.h>

#include "raster_harness.h"

namespace kiln_test {
namespace {

constexpr VkImageUsageFlags kColor = VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT;
constexpr VkImageUsageFlags kDepth = VK_IMAGE_USAGE_DEPTH_STENCIL_ATTACHMENT_BIT;

VkAttachmentDescription Attachment(VkFormat format, VkAttachmentLoadOp load,
                                   VkAttachmentLoadOp stencilLoad = VK_ATTACHMENT_LOAD_OP_DONT_CARE) {
  return {0,
          format,
          VK_SAMPLE_COUNT_1_BIT,
          load,
          VK_ATTACHMENT_STORE_OP_STORE,
          stencilLoad,
          VK_ATTACHMENT_STORE_OP_STORE,
          VK_IMAGE_LAYOUT_GENERAL,
          VK_IMAGE_LAYOUT_GENERAL};
}

VkRenderPass MakeRenderPass(const Gpu& gpu, const std::vector<VkAttachmentDescription>& attachments,
                            const std::vector<VkSubpassDescription>& subpasses) {
  auto dependencies = Dependencies(uint32_t(subpasses.size()));
  auto info = Struct<VkRenderPassCreateInfo>(VK_STRUCTURE_TYPE_RENDER_PASS_CREATE_INFO);
  info.attachmentCount = uint32_t(attachments.size());
  info.pAttachments = attachments.data();
  info.subpassCount = uint32_t(subpasses.size());
  info.pSubpasses = subpasses.data();
  info.dependencyCount = uint32_t(dependencies.size());
  info.pDependencies = dependencies.data();
  VkRenderPass pass;
  KT_CHECK(vkCreateRenderPass(gpu.vk(), &info, nullptr, &pass));
  return pass;
}

VkSubpassDescription ColorSubpass(const std::vector<VkAttachmentReference>& colors,
                                  const VkAttachmentReference* depth = nullptr) {
  VkSubpassDescription s{};
  s.pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS;
  s.colorAttachmentCount = uint32_t(colors.size());
  s.pColorAttachments = colors.data();
  s.pDepthStencilAttachment = depth;
  return s;
}

// Records one render pass instance with `subpasses` subpasses and submits it.
void RunRenderPass(const Gpu& gpu, VkRenderPass pass, VkFramebuffer framebuffer, VkRect2D area,
                   const std::vector<VkClearValue>& clears, uint32_t subpasses = 1,
                   const std::function<void(VkCommandBuffer, uint32_t)>& inSubpass = nullptr) {
  RunOnce(*gpu.device, [&](VkCommandBuffer cmd) {
    auto begin = Struct<VkRenderPassBeginInfo>(VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO);
    begin.renderPass = pass;
    begin.framebuffer = framebuffer;
    begin.renderArea = area;
    begin.clearValueCount = uint32_t(clears.size());
    begin.pClearValues = clears.data();
    vkCmdBeginRenderPass(cmd, &begin, VK_SUBPASS_CONTENTS_INLINE);
    for (uint32_t i = 0; i < subpasses; ++i) {
      if (i) vkCmdNextSubpass(cmd, VK_SUBPASS_CONTENTS_INLINE);
      if (inSubpass) inSubpass(cmd, i);
    }
    vkCmdEndRenderPass(cmd);
    FullBarrier(cmd);
  });
}

const std::vector<uint8_t> kRgba8Clear = {51, 102, 153, 255};  // ColorValue(0.2, 0.4, 0.6, 1)

class KILN_SUITE(RenderPass) : public RasterTest {};

TEST_F(KILN_SUITE(RenderPass), ClearLoadOpFillsTheWholeRenderArea) {
  ImageBytes expected;
  auto results = OnEachGpu<ImageBytes>([&](Gpu& gpu) {
    TestImage target(gpu, VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, {32, 24, 1}, 1, kColor);
    ImageBytes before = RandomContent(target.Shape(), 1);
    target.Write(before);
    VkAttachmentReference ref{0, VK_IMAGE_LAYOUT_GENERAL};
    VkRenderPass pass = MakeRenderPass(gpu, {Attachment(target.format(), VK_ATTACHMENT_LOAD_OP_CLEAR)},
                                       {ColorSubpass({ref})});
    VkFramebuffer fb = MakeFramebuffer(gpu, pass, {target.View2D()}, 32, 24, 1);
    RunRenderPass(gpu, pass, fb, {{0, 0}, {32, 24}}, {ColorValue(0.2f, 0.4f, 0.6f, 1.0f)});
    vkDestroyFramebuffer(gpu.vk(), fb, nullptr);
    vkDestroyRenderPass(gpu.vk(), pass, nullptr);
    expected = before;
    HostFill(expected, kRgba8Clear, {{0, 0}, {32, 24}}, 0, 1);
    return target.Read();
  });
  ExpectImage("color", results, &expected);
}

TEST_F(KILN_SUITE(RenderPass), ClearLoadOpStaysInsideAPartialRenderArea) {
  ImageBytes expected;
  const VkRect2D area{{5, 3}, {17, 11}};
  auto results = OnEachGpu<ImageBytes>([&](Gpu& gpu) {
    TestImage target(gpu, VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, {32, 24, 1}, 1, kColor);
    ImageBytes before = RandomContent(target.Shape(), 2);
    target.Write(before);
    VkAttachmentReference ref{0, VK_IMAGE_LAYOUT_GENERAL};
    VkRenderPass pass = MakeRenderPass(gpu, {Attachment(target.format(), VK_ATTACHMENT_LOAD_OP_CLEAR)},
                                       {ColorSubpass({ref})});
    VkFramebuffer fb = MakeFramebuffer(gpu, pass, {target.View2D()}, 32, 24, 1);
    RunRenderPass(gpu, pass, fb, area, {ColorValue(0.2f, 0.4f, 0.6f, 1.0f)});
    vkDestroyFramebuffer(gpu.vk(), fb, nullptr);
    vkDestroyRenderPass(gpu.vk(), pass, nullptr);
    expected = before;
    HostFill(expected, kRgba8Clear, area, 0, 1);
    return target.Read();
  });
  ExpectImage("color", results, &expected);
}

// Three color attachments of different formats: CLEAR, LOAD (contents kept) and CLEAR again, in one
// subpass; a fourth with DONT_CARE is bound but its contents are not compared (undefined).
TEST_F(KILN_SUITE(RenderPass), SeveralColorAttachmentsEachWithItsLoadOp) {
  std::vector<ImageBytes> expected(3);
  const VkRect2D area{{2, 1}, {20, 13}};
  auto results = OnEachGpu<std::vector<ImageBytes>>([&](Gpu& gpu) {
    TestImage a(gpu, VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, {24, 16, 1}, 1, kColor);
    TestImage b(gpu, VK_IMAGE_TYPE_2D, VK_FORMAT_R16G16B16A16_SFLOAT, {24, 16, 1}, 1, kColor);
    TestImage c(gpu, VK_IMAGE_TYPE_2D, VK_FORMAT_R32_UINT, {24, 16, 1}, 1, kColor);
    TestImage d(gpu, VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, {24, 16, 1}, 1, kColor);
    std::vector<ImageBytes> before = {RandomContent(a.Shape(), 3), RandomContent(b.Shape(), 4),
                                      RandomContent(c.Shape(), 5)};
    a.Write(before[0]);
    b.Write(before[1]);
    c.Write(before[2]);
    std::vector<VkAttachmentReference> refs = {{0, VK_IMAGE_LAYOUT_GENERAL},
                                               {1, VK_IMAGE_LAYOUT_GENERAL},
                                               {2, VK_IMAGE_LAYOUT_GENERAL},
                                               {3, VK_IMAGE_LAYOUT_GENERAL}};
    VkRenderPass pass = MakeRenderPass(gpu,
                                       {Attachment(a.format(), VK_ATTACHMENT_LOAD_OP_CLEAR),
                                        Attachment(b.format(), VK_ATTACHMENT_LOAD_OP_LOAD),
                                        Attachment(c.format(), VK_ATTACHMENT_LOAD_OP_CLEAR),
                                        Attachment(d.format(), VK_ATTACHMENT_LOAD_OP_DONT_CARE)},
                                       {ColorSubpass(refs)});
    VkFramebuffer fb = MakeFramebuffer(gpu, pass, {a.View2D(), b.View2D(), c.View2D(), d.View2D()}, 24, 16, 1);
    VkClearValue uintClear{};
    uintClear.color.uint32[0] = 0xC0FFEE11u;
    RunRenderPass(gpu, pass, fb, area,
                  {ColorValue(0.2f, 0.4f, 0.6f, 1.0f), ColorValue(9, 9, 9, 9), uintClear, ColorValue(1, 0, 0, 1)});
    vkDestroyFramebuffer(gpu.vk(), fb, nullptr);
    vkDestroyRenderPass(gpu.vk(), pass, nullptr);
    expected = before;
    HostFill(expected[0], kRgba8Clear, area, 0, 1);
    HostFill(expected[2], {0x11, 0xEE, 0xFF, 0xC0}, area, 0, 1);
    return std::vector<ImageBytes>{a.Read(), b.Read(), c.Read()};
  });
  for (int i = 0; i < 3; ++i) {
    std::vector<ImageBytes> one;
    for (auto& r : results) one.push_back(r[i]);
    ExpectImage("attachment" + std::to_string(i), one, &expected[i]);
  }
}

// Depth CLEAR with stencil LOAD, and depth LOAD with stencil CLEAR: each aspect follows its own op.
TEST_F(KILN_SUITE(RenderPass), DepthAndStencilLoadOpsApplySeparately) {
  const VkFormat format = VK_FORMAT_D32_SFLOAT_S8_UINT;
  for (bool clearDepth : {true, false}) {
    SCOPED_TRACE(clearDepth ? "depth CLEAR, stencil LOAD" : "depth LOAD, stencil CLEAR");
    ImageBytes expectedDepth, expectedStencil;
    const VkRect2D area{{3, 2}, {9, 7}};
    auto results = OnEachGpu<std::vector<ImageBytes>>([&](Gpu& gpu) {
      TestImage ds(gpu, VK_IMAGE_TYPE_2D, format, {16, 12, 1}, 1, kDepth);
      ImageBytes depth = RandomContent(ds.Shape(VK_IMAGE_ASPECT_DEPTH_BIT), 6);
      ImageBytes stencil = RandomContent(ds.Shape(VK_IMAGE_ASPECT_STENCIL_BIT), 7);
      ds.Write(depth, VK_IMAGE_ASPECT_DEPTH_BIT);
      ds.Write(stencil, VK_IMAGE_ASPECT_STENCIL_BIT);
      VkAttachmentReference ref{0, VK_IMAGE_LAYOUT_GENERAL};
      VkRenderPass pass = MakeRenderPass(
          gpu,
          {Attachment(format, clearDepth ? VK_ATTACHMENT_LOAD_OP_CLEAR : VK_ATTACHMENT_LOAD_OP_LOAD,
                      clearDepth ? VK_ATTACHMENT_LOAD_OP_LOAD : VK_ATTACHMENT_LOAD_OP_CLEAR)},
          {ColorSubpass({}, &ref)});
      VkFramebuffer fb = MakeFramebuffer(gpu, pass, {ds.View2D()}, 16, 12, 1);
      RunRenderPass(gpu, pass, fb, area, {DepthStencilValue(0.375f, 0xA5)});
      vkDestroyFramebuffer(gpu.vk(), fb, nullptr);
      vkDestroyRenderPass(gpu.vk(), pass, nullptr);
      expectedDepth = depth;
      expectedStencil = stencil;
      const float d = 0.375f;
      std::vector<uint8_t> dBytes(4);
      std::memcpy(dBytes.data(), &d, 4);
      if (clearDepth)
        HostFill(expectedDepth, dBytes, area, 0, 1);
      else
        HostFill(expectedStencil, {0xA5}, area, 0, 1);
      return std::vector<ImageBytes>{ds.Read(VK_IMAGE_ASPECT_DEPTH_BIT), ds.Read(VK_IMAGE_ASPECT_STENCIL_BIT)};
    });
    std::vector<ImageBytes> depths, stencils;
    for (auto& r : results) depths.push_back(r[0]), stencils.push_back(r[1]);
    const std::string suffix = clearDepth ? "_clear_depth" : "_clear_stencil";
    ExpectImage("depth" + suffix, depths, &expectedDepth);
    ExpectImage("stencil" + suffix, stencils, &expectedStencil);
  }
}

// A D16 depth-only attachment cleared to a value that needs rounding (0.3 * 65535 = 19660.5).
TEST_F(KILN_SUITE(RenderPass), DepthOnlyAttachmentClears) {
  auto results = OnEachGpu<ImageBytes>([&](Gpu& gpu) {
    TestImage ds(gpu, VK_IMAGE_TYPE_2D, VK_FORMAT_D16_UNORM, {16, 16, 1}, 1, kDepth);
    VkAttachmentReference ref{0, VK_IMAGE_LAYOUT_GENERAL};
    VkRenderPass pass = MakeRenderPass(gpu, {Attachment(ds.format(), VK_ATTACHMENT_LOAD_OP_CLEAR)},
                                       {ColorSubpass({}, &ref)});
    VkFramebuffer fb = MakeFramebuffer(gpu, pass, {ds.View2D()}, 16, 16, 1);
    RunRenderPass(gpu, pass, fb, {{0, 0}, {16, 16}}, {DepthStencilValue(0.3f, 0)});
    vkDestroyFramebuffer(gpu.vk(), fb, nullptr);
    vkDestroyRenderPass(gpu.vk(), pass, nullptr);
    return ds.Read(VK_IMAGE_ASPECT_DEPTH_BIT);
  });
  // Depth conversion to 16-bit UNORM rounds to nearest; the spec allows the neighbour code too.
  ExpectImage("depth", results, nullptr, {1, 0});
  const uint16_t got = uint16_t(results[0].bytes[0] | results[0].bytes[1] << 8);
  EXPECT_TRUE(got == 19660 || got == 19661) << got;
}

// Attachment 0 is first used (and cleared) in subpass 0, attachment 1 in subpass 1 and attachment 2
// in subpass 2 (CLEAR, over the render area); attachment 0 is preserved through subpass 1 and then
// LOADed (it is not cleared again). vkCmdClearAttachments in subpass 1 reaches only subpass 1's.
TEST_F(KILN_SUITE(RenderPass), EachAttachmentIsClearedAtItsFirstSubpass) {
  std::vector<ImageBytes> expected(3);
  const VkRect2D area{{1, 1}, {14, 10}};
  const VkClearRect rect{{{4, 4}, {3, 2}}, 0, 1};
  auto results = OnEachGpu<std::vector<ImageBytes>>([&](Gpu& gpu) {
    std::vector<std::unique_ptr<TestImage>> images;
    std::vector<VkImageView> views;
    for (int i = 0; i < 3; ++i) {
      images.push_back(std::make_unique<TestImage>(gpu, VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM,
                                                   VkExtent3D{16, 12, 1}, 1, kColor));
      expected[i] = RandomContent(images[i]->Shape(), 10 + i);
      images[i]->Write(expected[i]);
      views.push_back(images[i]->View2D());
    }
    VkAttachmentReference r0{0, VK_IMAGE_LAYOUT_GENERAL}, r1{1, VK_IMAGE_LAYOUT_GENERAL},
        r2{2, VK_IMAGE_LAYOUT_GENERAL};
    std::vector<VkAttachmentReference> s0 = {r0}, s1 = {r1}, s2 = {r2, r0};
    uint32_t preserve = 0;
    std::vector<VkSubpassDescription> subpasses = {ColorSubpass(s0), ColorSubpass(s1), ColorSubpass(s2)};
    subpasses[1].preserveAttachmentCount = 1;
    subpasses[1].pPreserveAttachments = &preserve;
    auto att = Attachment(VK_FORMAT_R8G8B8A8_UNORM, VK_ATTACHMENT_LOAD_OP_CLEAR);
    VkRenderPass pass = MakeRenderPass(gpu, {att, att, att}, subpasses);
    VkFramebuffer fb = MakeFramebuffer(gpu, pass, views, 16, 12, 1);
    RunRenderPass(gpu, pass, fb, area,
                  {ColorValue(1, 0, 0, 1), ColorValue(0, 1, 0, 1), ColorValue(0, 0, 1, 1)}, 3,
                  [&](VkCommandBuffer cmd, uint32_t subpass) {
                    if (subpass != 1) return;
                    VkClearAttachment clear{VK_IMAGE_ASPECT_COLOR_BIT, 0, ColorValue(0.2f, 0.4f, 0.6f, 1.0f)};
                    vkCmdClearAttachments(cmd, 1, &clear, 1, &rect);
                  });
    vkDestroyFramebuffer(gpu.vk(), fb, nullptr);
    vkDestroyRenderPass(gpu.vk(), pass, nullptr);
    return std::vector<ImageBytes>{images[0]->Read(), images[1]->Read(), images[2]->Read()};
  });
  HostFill(expected[0], {255, 0, 0, 255}, area, 0, 1);
  HostFill(expected[1], {0, 255, 0, 255}, area, 0, 1);
  HostFill(expected[1], kRgba8Clear, rect.rect, 0, 1);
  HostFill(expected[2], {0, 0, 255, 255}, area, 0, 1);
  for (int i = 0; i < 3; ++i) {
    std::vector<ImageBytes> one;
    for (auto& r : results) one.push_back(r[i]);
    ExpectImage("attachment" + std::to_string(i), one, &expected[i]);
  }
}

// A layered framebuffer: the view covers layers 1..3 of a 5-layer image, the framebuffer has 2
// layers, so the clear reaches image layers 1 and 2 only.
TEST_F(KILN_SUITE(RenderPass), ClearCoversTheFramebufferLayersOfTheView) {
  ImageBytes expected;
  const VkRect2D area{{0, 2}, {12, 6}};
  auto results = OnEachGpu<ImageBytes>([&](Gpu& gpu) {
    TestImage target(gpu, VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, {12, 10, 1}, 5, kColor);
    expected = RandomContent(target.Shape(), 20);
    target.Write(expected);
    VkAttachmentReference ref{0, VK_IMAGE_LAYOUT_GENERAL};
    VkRenderPass pass = MakeRenderPass(gpu, {Attachment(target.format(), VK_ATTACHMENT_LOAD_OP_CLEAR)},
                                       {ColorSubpass({ref})});
    VkImageView view = target.View(VK_IMAGE_VIEW_TYPE_2D_ARRAY, VK_IMAGE_ASPECT_COLOR_BIT, 1, 3);
    VkFramebuffer fb = MakeFramebuffer(gpu, pass, {view}, 12, 10, 2);
    RunRenderPass(gpu, pass, fb, area, {ColorValue(0.2f, 0.4f, 0.6f, 1.0f)});
    vkDestroyFramebuffer(gpu.vk(), fb, nullptr);
    vkDestroyRenderPass(gpu.vk(), pass, nullptr);
    return target.Read();
  });
  HostFill(expected, kRgba8Clear, area, 1, 2);
  ExpectImage("layers", results, &expected);
}

// VK_KHR_create_renderpass2: the same clears through vkCreateRenderPass2KHR, vkCmdBeginRenderPass2KHR,
// vkCmdNextSubpass2KHR and vkCmdEndRenderPass2KHR; STORE keeps what the instance wrote.
TEST_F(KILN_SUITE(RenderPass), RenderPass2ClearsAndStores) {
  if (!UnderTest().createRenderPass2) GTEST_SKIP() << "VK_KHR_create_renderpass2 is not supported";
  ImageBytes expected0, expected1;
  const VkRect2D area{{2, 2}, {8, 8}};
  auto results = OnEachGpu<std::vector<ImageBytes>>([&](Gpu& gpu) {
    TestImage a(gpu, VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, {12, 12, 1}, 1, kColor);
    TestImage b(gpu, VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, {12, 12, 1}, 1, kColor);
    expected0 = RandomContent(a.Shape(), 30);
    expected1 = RandomContent(b.Shape(), 31);
    a.Write(expected0);
    b.Write(expected1);
    auto att = Struct<VkAttachmentDescription2>(VK_STRUCTURE_TYPE_ATTACHMENT_DESCRIPTION_2);
    att.format = VK_FORMAT_R8G8B8A8_UNORM;
    att.samples = VK_SAMPLE_COUNT_1_BIT;
    att.loadOp = VK_ATTACHMENT_LOAD_OP_CLEAR;
    att.storeOp = VK_ATTACHMENT_STORE_OP_STORE;
    att.stencilLoadOp = VK_ATTACHMENT_LOAD_OP_DONT_CARE;
    att.stencilStoreOp = VK_ATTACHMENT_STORE_OP_DONT_CARE;
    att.initialLayout = att.finalLayout = VK_IMAGE_LAYOUT_GENERAL;
    VkAttachmentDescription2 atts[2] = {att, att};
    auto ref0 = Struct<VkAttachmentReference2>(VK_STRUCTURE_TYPE_ATTACHMENT_REFERENCE_2);
    ref0.attachment = 0;
    ref0.layout = VK_IMAGE_LAYOUT_GENERAL;
    ref0.aspectMask = VK_IMAGE_ASPECT_COLOR_BIT;
    auto ref1 = ref0;
    ref1.attachment = 1;
    auto sub = Struct<VkSubpassDescription2>(VK_STRUCTURE_TYPE_SUBPASS_DESCRIPTION_2);
    sub.pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS;
    sub.colorAttachmentCount = 1;
    VkSubpassDescription2 subs[2] = {sub, sub};
    subs[0].pColorAttachments = &ref0;
    subs[1].pColorAttachments = &ref1;
    auto dep = Struct<VkSubpassDependency2>(VK_STRUCTURE_TYPE_SUBPASS_DEPENDENCY_2);
    dep.srcStageMask = dep.dstStageMask = VK_PIPELINE_STAGE_ALL_COMMANDS_BIT;
    dep.srcAccessMask = dep.dstAccessMask = VK_ACCESS_MEMORY_READ_BIT | VK_ACCESS_MEMORY_WRITE_BIT;
    VkSubpassDependency2 deps[3] = {dep, dep, dep};
    deps[0].srcSubpass = VK_SUBPASS_EXTERNAL;
    deps[0].dstSubpass = 0;
    deps[0].dstStageMask = VK_PIPELINE_STAGE_ALL_GRAPHICS_BIT;
    deps[1].srcStageMask = VK_PIPELINE_STAGE_ALL_GRAPHICS_BIT;
    deps[2].srcSubpass = 0;
    deps[2].dstSubpass = 1;
    deps[2].srcStageMask = deps[2].dstStageMask = VK_PIPELINE_STAGE_ALL_GRAPHICS_BIT;
    deps[1].srcSubpass = 1;
    deps[1].dstSubpass = VK_SUBPASS_EXTERNAL;
    auto info = Struct<VkRenderPassCreateInfo2>(VK_STRUCTURE_TYPE_RENDER_PASS_CREATE_INFO_2);
    info.attachmentCount = 2;
    info.pAttachments = atts;
    info.subpassCount = 2;
    info.pSubpasses = subs;
    info.dependencyCount = 3;
    info.pDependencies = deps;
    VkRenderPass pass;
    KT_CHECK(gpu.createRenderPass2(gpu.vk(), &info, nullptr, &pass));
    VkFramebuffer fb = MakeFramebuffer(gpu, pass, {a.View2D(), b.View2D()}, 12, 12, 1);
    VkClearValue clears[2] = {ColorValue(0.2f, 0.4f, 0.6f, 1.0f), ColorValue(1, 1, 0, 0)};
    RunOnce(*gpu.device, [&](VkCommandBuffer cmd) {
      auto begin = Struct<VkRenderPassBeginInfo>(VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO);
      begin.renderPass = pass;
      begin.framebuffer = fb;
      begin.renderArea = area;
      begin.clearValueCount = 2;
      begin.pClearValues = clears;
      auto subBegin = Struct<VkSubpassBeginInfo>(VK_STRUCTURE_TYPE_SUBPASS_BEGIN_INFO);
      subBegin.contents = VK_SUBPASS_CONTENTS_INLINE;
      auto subEnd = Struct<VkSubpassEndInfo>(VK_STRUCTURE_TYPE_SUBPASS_END_INFO);
      gpu.beginRenderPass2(cmd, &begin, &subBegin);
      gpu.nextSubpass2(cmd, &subBegin, &subEnd);
      gpu.endRenderPass2(cmd, &subEnd);
      FullBarrier(cmd);
    });
    vkDestroyFramebuffer(gpu.vk(), fb, nullptr);
    vkDestroyRenderPass(gpu.vk(), pass, nullptr);
    return std::vector<ImageBytes>{a.Read(), b.Read()};
  });
  HostFill(expected0, kRgba8Clear, area, 0, 1);
  HostFill(expected1, {255, 255, 0, 0}, area, 0, 1);
  std::vector<ImageBytes> first, second;
  for (auto& r : results) first.push_back(r[0]), second.push_back(r[1]);
  ExpectImage("subpass0", first, &expected0);
  ExpectImage("subpass1", second, &expected1);
}

// A secondary command buffer continuing the render pass (inheritance names the render pass, the
// subpass and the framebuffer) clears the subpass's attachment with vkCmdClearAttachments.
TEST_F(KILN_SUITE(RenderPass), SecondaryCommandBufferClearsInheritedAttachments) {
  ImageBytes expected;
  const VkRect2D area{{0, 0}, {16, 16}};
  const VkClearRect rect{{{3, 5}, {7, 4}}, 0, 1};
  auto results = OnEachGpu<ImageBytes>([&](Gpu& gpu) {
    TestImage target(gpu, VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, {16, 16, 1}, 1, kColor);
    expected = RandomContent(target.Shape(), 70);
    target.Write(expected);
    VkAttachmentReference ref{0, VK_IMAGE_LAYOUT_GENERAL};
    VkRenderPass pass = MakeRenderPass(gpu, {Attachment(target.format(), VK_ATTACHMENT_LOAD_OP_LOAD)},
                                       {ColorSubpass({ref})});
    VkFramebuffer fb = MakeFramebuffer(gpu, pass, {target.View2D()}, 16, 16, 1);
    CommandPool pool(*gpu.device);
    VkCommandBuffer secondary = pool.Allocate(VK_COMMAND_BUFFER_LEVEL_SECONDARY);
    auto inheritance = Struct<VkCommandBufferInheritanceInfo>(VK_STRUCTURE_TYPE_COMMAND_BUFFER_INHERITANCE_INFO);
    inheritance.renderPass = pass;
    inheritance.subpass = 0;
    inheritance.framebuffer = fb;
    auto begin = Struct<VkCommandBufferBeginInfo>(VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO);
    begin.flags = VK_COMMAND_BUFFER_USAGE_RENDER_PASS_CONTINUE_BIT;
    begin.pInheritanceInfo = &inheritance;
    KT_CHECK(vkBeginCommandBuffer(secondary, &begin));
    VkClearAttachment clear{VK_IMAGE_ASPECT_COLOR_BIT, 0, ColorValue(0.2f, 0.4f, 0.6f, 1.0f)};
    vkCmdClearAttachments(secondary, 1, &clear, 1, &rect);
    End(secondary);
    RunOnce(*gpu.device, [&](VkCommandBuffer cmd) {
      auto rpBegin = Struct<VkRenderPassBeginInfo>(VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO);
      rpBegin.renderPass = pass;
      rpBegin.framebuffer = fb;
      rpBegin.renderArea = area;
      vkCmdBeginRenderPass(cmd, &rpBegin, VK_SUBPASS_CONTENTS_SECONDARY_COMMAND_BUFFERS);
      vkCmdExecuteCommands(cmd, 1, &secondary);
      vkCmdEndRenderPass(cmd);
      FullBarrier(cmd);
    });
    vkDestroyFramebuffer(gpu.vk(), fb, nullptr);
    vkDestroyRenderPass(gpu.vk(), pass, nullptr);
    return target.Read();
  });
  HostFill(expected, kRgba8Clear, rect.rect, 0, 1);
  ExpectImage("color", results, &expected);
}

// VK_KHR_imageless_framebuffer: the framebuffer describes its attachments; the views come with
// vkCmdBeginRenderPass (VkRenderPassAttachmentBeginInfo), here a different layer of the same image
// in each of two instances recorded against the one framebuffer.
TEST_F(KILN_SUITE(RenderPass), ImagelessFramebufferTakesViewsAtBegin) {
  if (!UnderTest().imageless) GTEST_SKIP() << "VK_KHR_imageless_framebuffer is not supported";
  ImageBytes expected;
  const VkRect2D area{{1, 2}, {9, 5}};
  auto results = OnEachGpu<ImageBytes>([&](Gpu& gpu) {
    if (!gpu.imageless) return ImageBytes{};
    TestImage target(gpu, VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, {12, 8, 1}, 2, kColor);
    expected = RandomContent(target.Shape(), 80);
    target.Write(expected);
    VkAttachmentReference ref{0, VK_IMAGE_LAYOUT_GENERAL};
    VkRenderPass pass = MakeRenderPass(gpu, {Attachment(target.format(), VK_ATTACHMENT_LOAD_OP_CLEAR)},
                                       {ColorSubpass({ref})});
    const VkFormat format = target.format();
    auto attachmentInfo = Struct<VkFramebufferAttachmentImageInfo>(VK_STRUCTURE_TYPE_FRAMEBUFFER_ATTACHMENT_IMAGE_INFO);
    attachmentInfo.usage = target.info().usage;
    attachmentInfo.width = 12;
    attachmentInfo.height = 8;
    attachmentInfo.layerCount = 1;
    attachmentInfo.viewFormatCount = 1;
    attachmentInfo.pViewFormats = &format;
    auto attachments = Struct<VkFramebufferAttachmentsCreateInfo>(VK_STRUCTURE_TYPE_FRAMEBUFFER_ATTACHMENTS_CREATE_INFO);
    attachments.attachmentImageInfoCount = 1;
    attachments.pAttachmentImageInfos = &attachmentInfo;
    auto info = Struct<VkFramebufferCreateInfo>(VK_STRUCTURE_TYPE_FRAMEBUFFER_CREATE_INFO);
    info.pNext = &attachments;
    info.flags = VK_FRAMEBUFFER_CREATE_IMAGELESS_BIT;
    info.renderPass = pass;
    info.attachmentCount = 1;
    info.width = 12;
    info.height = 8;
    info.layers = 1;
    VkFramebuffer fb;
    KT_CHECK(vkCreateFramebuffer(gpu.vk(), &info, nullptr, &fb));
    VkImageView views[2] = {target.View2D(0), target.View2D(1)};
    VkClearValue clears[2] = {ColorValue(0.2f, 0.4f, 0.6f, 1.0f), ColorValue(1, 0, 1, 0)};
    RunOnce(*gpu.device, [&](VkCommandBuffer cmd) {
      for (int i = 0; i < 2; ++i) {
        auto viewsAtBegin = Struct<VkRenderPassAttachmentBeginInfo>(VK_STRUCTURE_TYPE_RENDER_PASS_ATTACHMENT_BEGIN_INFO);
        viewsAtBegin.attachmentCount = 1;
        viewsAtBegin.pAttachments = &views[i];
        auto begin = Struct<VkRenderPassBeginInfo>(VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO);
        begin.pNext = &viewsAtBegin;
        begin.renderPass = pass;
        begin.framebuffer = fb;
        begin.renderArea = area;
        begin.clearValueCount = 1;
        begin.pClearValues = &clears[i];
        vkCmdBeginRenderPass(cmd, &begin, VK_SUBPASS_CONTENTS_INLINE);
        vkCmdEndRenderPass(cmd);
      }
      FullBarrier(cmd);
    });
    vkDestroyFramebuffer(gpu.vk(), fb, nullptr);
    vkDestroyRenderPass(gpu.vk(), pass, nullptr);
    return target.Read();
  });
  if (results.size() > 1 && results[1].bytes.empty()) results.pop_back();
  HostFill(expected, kRgba8Clear, area, 0, 1);
  HostFill(expected, {255, 0, 255, 0}, area, 1, 1);
  ExpectImage("layers", results, &expected);
}

TEST_F(KILN_SUITE(RenderPass), RenderAreaGranularityIsOneTexel) {
  Gpu& gpu = UnderTest();
  VkAttachmentReference ref{0, VK_IMAGE_LAYOUT_GENERAL};
  VkRenderPass pass = MakeRenderPass(gpu, {Attachment(VK_FORMAT_R8G8B8A8_UNORM, VK_ATTACHMENT_LOAD_OP_CLEAR)},
                                     {ColorSubpass({ref})});
  VkExtent2D granularity{0, 0};
  vkGetRenderAreaGranularity(gpu.vk(), pass, &granularity);
  vkDestroyRenderPass(gpu.vk(), pass, nullptr);
  if (OnKiln()) {
    EXPECT_EQ(granularity.width, 1u);
    EXPECT_EQ(granularity.height, 1u);
  }
}

}  // namespace
}  // namespace kiln_test
