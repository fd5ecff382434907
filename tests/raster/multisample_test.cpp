// Multisampled images outside draws: load-op clears and vkCmdClearAttachments fill every sample,
// VkRenderPassCreateInfo2's color and depth/stencil resolve attachments
// (VkSubpassDescriptionDepthStencilResolve, SAMPLE_ZERO), vkCmdClearColorImage and vkCmdCopyImage
// on 4-sample images, vkCmdResolveImage with offsets. Exact against host models (every sample of
// a pixel holds the same value, so the average is that value) and lavapipe.
#include <gtest/gtest.h>

#include "raster_harness.h"

namespace kiln_test {
namespace {

constexpr VkImageUsageFlags kColor = VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT;
constexpr VkImageUsageFlags kDepth = VK_IMAGE_USAGE_DEPTH_STENCIL_ATTACHMENT_BIT;
constexpr VkFormat kDS = VK_FORMAT_D32_SFLOAT_S8_UINT;

class KILN_SUITE(MultisampleImages) : public RasterTest {};

TEST_F(KILN_SUITE(MultisampleImages), RenderPass2ResolvesColorDepthAndStencilOfClearedSamples) {
  if (!UnderTest().createRenderPass2) GTEST_SKIP() << "VK_KHR_create_renderpass2 is not supported";
  const VkRect2D inner{{3, 2}, {6, 5}};
  auto results = OnEachGpu<std::vector<ImageBytes>>([&](Gpu& gpu) {
    TestImage color(gpu, VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, {12, 10, 1}, 1, kColor, 1, 0,
                    VK_SAMPLE_COUNT_4_BIT);
    TestImage depth(gpu, VK_IMAGE_TYPE_2D, kDS, {12, 10, 1}, 1, kDepth, 1, 0, VK_SAMPLE_COUNT_4_BIT);
    TestImage colorResolve(gpu, VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, {12, 10, 1}, 1, kColor);
    TestImage depthResolve(gpu, VK_IMAGE_TYPE_2D, kDS, {12, 10, 1}, 1, kDepth);
    auto att = Struct<VkAttachmentDescription2>(VK_STRUCTURE_TYPE_ATTACHMENT_DESCRIPTION_2);
    att.samples = VK_SAMPLE_COUNT_4_BIT;
    att.loadOp = att.stencilLoadOp = VK_ATTACHMENT_LOAD_OP_CLEAR;
    att.storeOp = att.stencilStoreOp = VK_ATTACHMENT_STORE_OP_STORE;
    att.initialLayout = att.finalLayout = VK_IMAGE_LAYOUT_GENERAL;
    VkAttachmentDescription2 atts[4] = {att, att, att, att};
    atts[0].format = atts[2].format = VK_FORMAT_R8G8B8A8_UNORM;
    atts[1].format = atts[3].format = kDS;
    atts[2].samples = atts[3].samples = VK_SAMPLE_COUNT_1_BIT;
    atts[2].loadOp = atts[3].loadOp = atts[2].stencilLoadOp = atts[3].stencilLoadOp = VK_ATTACHMENT_LOAD_OP_DONT_CARE;
    VkAttachmentReference2 refs[4];
    for (uint32_t i = 0; i < 4; ++i) {
      refs[i] = Struct<VkAttachmentReference2>(VK_STRUCTURE_TYPE_ATTACHMENT_REFERENCE_2);
      refs[i].attachment = i;
      refs[i].layout = VK_IMAGE_LAYOUT_GENERAL;
      refs[i].aspectMask = i % 2 ? VK_IMAGE_ASPECT_DEPTH_BIT | VK_IMAGE_ASPECT_STENCIL_BIT : VK_IMAGE_ASPECT_COLOR_BIT;
    }
    auto dsResolve =
        Struct<VkSubpassDescriptionDepthStencilResolve>(VK_STRUCTURE_TYPE_SUBPASS_DESCRIPTION_DEPTH_STENCIL_RESOLVE);
    dsResolve.depthResolveMode = dsResolve.stencilResolveMode = VK_RESOLVE_MODE_SAMPLE_ZERO_BIT;
    dsResolve.pDepthStencilResolveAttachment = &refs[3];
    auto sub = Struct<VkSubpassDescription2>(VK_STRUCTURE_TYPE_SUBPASS_DESCRIPTION_2);
    sub.pNext = &dsResolve;
    sub.pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS;
    sub.colorAttachmentCount = 1;
    sub.pColorAttachments = &refs[0];
    sub.pResolveAttachments = &refs[2];
    sub.pDepthStencilAttachment = &refs[1];
    auto dep = Struct<VkSubpassDependency2>(VK_STRUCTURE_TYPE_SUBPASS_DEPENDENCY_2);
    dep.srcAccessMask = dep.dstAccessMask = VK_ACCESS_MEMORY_READ_BIT | VK_ACCESS_MEMORY_WRITE_BIT;
    VkSubpassDependency2 deps[2] = {dep, dep};
    deps[0].srcSubpass = VK_SUBPASS_EXTERNAL;
    deps[0].dstSubpass = 0;
    deps[0].srcStageMask = VK_PIPELINE_STAGE_ALL_COMMANDS_BIT;
    deps[0].dstStageMask = VK_PIPELINE_STAGE_ALL_GRAPHICS_BIT;
    deps[1].srcSubpass = 0;
    deps[1].dstSubpass = VK_SUBPASS_EXTERNAL;
    deps[1].srcStageMask = VK_PIPELINE_STAGE_ALL_GRAPHICS_BIT;
    deps[1].dstStageMask = VK_PIPELINE_STAGE_ALL_COMMANDS_BIT;
    auto info = Struct<VkRenderPassCreateInfo2>(VK_STRUCTURE_TYPE_RENDER_PASS_CREATE_INFO_2);
    info.attachmentCount = 4;
    info.pAttachments = atts;
    info.subpassCount = 1;
    info.pSubpasses = &sub;
    info.dependencyCount = 2;
    info.pDependencies = deps;
    VkRenderPass pass;
    KT_CHECK(gpu.createRenderPass2(gpu.vk(), &info, nullptr, &pass));
    VkFramebuffer fb =
        MakeFramebuffer(gpu, pass, {color.View2D(), depth.View2D(), colorResolve.View2D(), depthResolve.View2D()}, 12,
                        10, 1);
    const VkClearValue clears[4] = {ColorValue(0.2f, 0.4f, 0.6f, 1.0f), DepthStencilValue(0.25f, 7), {}, {}};
    RunOnce(*gpu.device, [&](VkCommandBuffer cmd) {
      auto begin = Struct<VkRenderPassBeginInfo>(VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO);
      begin.renderPass = pass;
      begin.framebuffer = fb;
      begin.renderArea = {{0, 0}, {12, 10}};
      begin.clearValueCount = 4;
      begin.pClearValues = clears;
      auto subBegin = Struct<VkSubpassBeginInfo>(VK_STRUCTURE_TYPE_SUBPASS_BEGIN_INFO);
      subBegin.contents = VK_SUBPASS_CONTENTS_INLINE;
      auto subEnd = Struct<VkSubpassEndInfo>(VK_STRUCTURE_TYPE_SUBPASS_END_INFO);
      gpu.beginRenderPass2(cmd, &begin, &subBegin);
      const VkClearAttachment clearInner[2] = {
          {VK_IMAGE_ASPECT_COLOR_BIT, 0, ColorValue(1.0f, 0.0f, 0.2f, 0.6f)},
          {VK_IMAGE_ASPECT_DEPTH_BIT | VK_IMAGE_ASPECT_STENCIL_BIT, 0, DepthStencilValue(0.75f, 200)}};
      const VkClearRect rect{inner, 0, 1};
      vkCmdClearAttachments(cmd, 2, clearInner, 1, &rect);
      gpu.endRenderPass2(cmd, &subEnd);
      FullBarrier(cmd);
    });
    vkDestroyFramebuffer(gpu.vk(), fb, nullptr);
    vkDestroyRenderPass(gpu.vk(), pass, nullptr);
    return std::vector<ImageBytes>{colorResolve.Read(), depthResolve.Read(VK_IMAGE_ASPECT_DEPTH_BIT),
                                   depthResolve.Read(VK_IMAGE_ASPECT_STENCIL_BIT)};
  });
  ImageBytes color = results[0][0], depth = results[0][1], stencil = results[0][2];
  const VkRect2D all{{0, 0}, {12, 10}};
  HostFill(color, {51, 102, 153, 255}, all, 0, 1);
  HostFill(color, {255, 0, 51, 153}, inner, 0, 1);
  auto floatBytes = [](float f) {
    std::vector<uint8_t> b(4);
    std::memcpy(b.data(), &f, 4);
    return b;
  };
  HostFill(depth, floatBytes(0.25f), all, 0, 1);
  HostFill(depth, floatBytes(0.75f), inner, 0, 1);
  HostFill(stencil, {7}, all, 0, 1);
  HostFill(stencil, {200}, inner, 0, 1);
  std::vector<ImageBytes> colors, depths, stencils;
  for (auto& r : results) colors.push_back(r[0]), depths.push_back(r[1]), stencils.push_back(r[2]);
  ExpectImage("color_resolve", colors, &color);
  ExpectImage("depth_resolve", depths, &depth);
  ExpectImage("stencil_resolve", stencils, &stencil);
}

TEST_F(KILN_SUITE(MultisampleImages), ClearCopyAndResolveImageCoverEverySample) {
  const VkRect2D copied{{2, 1}, {5, 4}};
  const VkOffset3D dstOffset{4, 3, 0};
  auto results = OnEachGpu<ImageBytes>([&](Gpu& gpu) {
    TestImage a(gpu, VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, {12, 10, 1}, 1, kColor, 1, 0, VK_SAMPLE_COUNT_4_BIT);
    TestImage b(gpu, VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, {12, 10, 1}, 1, kColor, 1, 0, VK_SAMPLE_COUNT_4_BIT);
    TestImage out(gpu, VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, {12, 10, 1}, 1, kColor);
    out.Write(out.Shape());  // zeros
    RunOnce(*gpu.device, [&](VkCommandBuffer cmd) {
      const VkImageSubresourceRange range{VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
      const VkClearColorValue red = ColorValue(1, 0, 0, 1).color, blue = ColorValue(0, 0, 1, 0.2f).color;
      vkCmdClearColorImage(cmd, a.handle(), VK_IMAGE_LAYOUT_GENERAL, &red, 1, &range);
      vkCmdClearColorImage(cmd, b.handle(), VK_IMAGE_LAYOUT_GENERAL, &blue, 1, &range);
      FullBarrier(cmd);
      VkImageCopy copy{};
      copy.srcSubresource = copy.dstSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
      copy.srcOffset = {copied.offset.x, copied.offset.y, 0};
      copy.dstOffset = dstOffset;
      copy.extent = {copied.extent.width, copied.extent.height, 1};
      vkCmdCopyImage(cmd, a.handle(), VK_IMAGE_LAYOUT_GENERAL, b.handle(), VK_IMAGE_LAYOUT_GENERAL, 1, &copy);
      FullBarrier(cmd);
      // Resolve all but the first column and row, shifted by one.
      VkImageResolve resolve{};
      resolve.srcSubresource = resolve.dstSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
      resolve.srcOffset = {0, 0, 0};
      resolve.dstOffset = {1, 1, 0};
      resolve.extent = {11, 9, 1};
      vkCmdResolveImage(cmd, b.handle(), VK_IMAGE_LAYOUT_GENERAL, out.handle(), VK_IMAGE_LAYOUT_GENERAL, 1, &resolve);
      FullBarrier(cmd);
    });
    return out.Read();
  });
  ImageBytes expected = results[0];
  HostFill(expected, {0, 0, 0, 0}, {{0, 0}, {12, 10}}, 0, 1);
  HostFill(expected, {0, 0, 255, 51}, {{1, 1}, {11, 9}}, 0, 1);
  HostFill(expected, {255, 0, 0, 255}, {{dstOffset.x + 1, dstOffset.y + 1}, copied.extent}, 0, 1);
  ExpectImage("clear_copy_resolve", results, &expected);
}

}  // namespace
}  // namespace kiln_test
