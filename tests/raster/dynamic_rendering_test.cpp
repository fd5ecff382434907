// VK_KHR_dynamic_rendering's load operations, and vkCmdClearAttachments (rects with layers) inside
// render pass instances of both kinds; host model exactly, lavapipe texel by texel.
#include <gtest/gtest.h>

#include "raster_harness.h"

namespace kiln_test {
namespace {

constexpr VkImageUsageFlags kColor = VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT;
constexpr VkImageUsageFlags kDepth = VK_IMAGE_USAGE_DEPTH_STENCIL_ATTACHMENT_BIT;
const std::vector<uint8_t> kRgba8Clear = {51, 102, 153, 255};  // ColorValue(0.2, 0.4, 0.6, 1)

VkRenderingAttachmentInfo RenderingAttachment(VkImageView view, VkAttachmentLoadOp load, VkClearValue clear) {
  auto a = Struct<VkRenderingAttachmentInfo>(VK_STRUCTURE_TYPE_RENDERING_ATTACHMENT_INFO);
  a.imageView = view;
  a.imageLayout = VK_IMAGE_LAYOUT_GENERAL;
  a.resolveMode = VK_RESOLVE_MODE_NONE;
  a.loadOp = load;
  a.storeOp = VK_ATTACHMENT_STORE_OP_STORE;
  a.clearValue = clear;
  return a;
}

std::vector<uint8_t> FloatBytes(float f) {
  std::vector<uint8_t> b(4);
  std::memcpy(b.data(), &f, 4);
  return b;
}

class KILN_SUITE(DynamicRendering) : public RasterTest {
 protected:
  void SetUp() override {
    RasterTest::SetUp();
    if (IsSkipped()) return;
    if (!UnderTest().beginRendering) GTEST_SKIP() << "VK_KHR_dynamic_rendering is not supported";
  }
};

TEST_F(KILN_SUITE(DynamicRendering), FeatureIsReported) {
  auto dynamic =
      Struct<VkPhysicalDeviceDynamicRenderingFeatures>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DYNAMIC_RENDERING_FEATURES);
  auto features = Struct<VkPhysicalDeviceFeatures2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2);
  features.pNext = &dynamic;
  vkGetPhysicalDeviceFeatures2(UnderTest().device->physical, &features);
  EXPECT_EQ(dynamic.dynamicRendering, VK_TRUE);
}

// Two color attachments (CLEAR and LOAD), depth CLEAR and stencil LOAD on one D32S8 view, a partial
// render area over 2 of the views' 3 layers.
TEST_F(KILN_SUITE(DynamicRendering), LoadOpsOfEveryAttachment) {
  const VkRect2D area{{3, 1}, {10, 9}};
  std::vector<ImageBytes> expected(4);
  auto results = OnEachGpu<std::vector<ImageBytes>>([&](Gpu& gpu) {
    TestImage c0(gpu, VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, {16, 12, 1}, 3, kColor);
    TestImage c1(gpu, VK_IMAGE_TYPE_2D, VK_FORMAT_R16G16B16A16_SFLOAT, {16, 12, 1}, 3, kColor);
    TestImage ds(gpu, VK_IMAGE_TYPE_2D, VK_FORMAT_D32_SFLOAT_S8_UINT, {16, 12, 1}, 3, kDepth);
    expected = {RandomContent(c0.Shape(), 40), RandomContent(c1.Shape(), 41),
                RandomContent(ds.Shape(VK_IMAGE_ASPECT_DEPTH_BIT), 42),
                RandomContent(ds.Shape(VK_IMAGE_ASPECT_STENCIL_BIT), 43)};
    c0.Write(expected[0]);
    c1.Write(expected[1]);
    ds.Write(expected[2], VK_IMAGE_ASPECT_DEPTH_BIT);
    ds.Write(expected[3], VK_IMAGE_ASPECT_STENCIL_BIT);
    VkImageView dsView = ds.View(VK_IMAGE_VIEW_TYPE_2D_ARRAY, VK_IMAGE_ASPECT_DEPTH_BIT | VK_IMAGE_ASPECT_STENCIL_BIT, 0, 3);
    VkRenderingAttachmentInfo colors[2] = {
        RenderingAttachment(c0.View(VK_IMAGE_VIEW_TYPE_2D_ARRAY, VK_IMAGE_ASPECT_COLOR_BIT, 0, 3),
                            VK_ATTACHMENT_LOAD_OP_CLEAR, ColorValue(0.2f, 0.4f, 0.6f, 1.0f)),
        RenderingAttachment(c1.View(VK_IMAGE_VIEW_TYPE_2D_ARRAY, VK_IMAGE_ASPECT_COLOR_BIT, 0, 3),
                            VK_ATTACHMENT_LOAD_OP_LOAD, ColorValue(0, 0, 0, 0))};
    VkRenderingAttachmentInfo depth = RenderingAttachment(dsView, VK_ATTACHMENT_LOAD_OP_CLEAR, DepthStencilValue(0.75f, 0));
    VkRenderingAttachmentInfo stencil = RenderingAttachment(dsView, VK_ATTACHMENT_LOAD_OP_LOAD, DepthStencilValue(0, 0));
    auto info = Struct<VkRenderingInfo>(VK_STRUCTURE_TYPE_RENDERING_INFO);
    info.renderArea = area;
    info.layerCount = 2;
    info.colorAttachmentCount = 2;
    info.pColorAttachments = colors;
    info.pDepthAttachment = &depth;
    info.pStencilAttachment = &stencil;
    RunOnce(*gpu.device, [&](VkCommandBuffer cmd) {
      FullBarrier(cmd);
      gpu.beginRendering(cmd, &info);
      gpu.endRendering(cmd);
      FullBarrier(cmd);
    });
    return std::vector<ImageBytes>{c0.Read(), c1.Read(), ds.Read(VK_IMAGE_ASPECT_DEPTH_BIT),
                                   ds.Read(VK_IMAGE_ASPECT_STENCIL_BIT)};
  });
  HostFill(expected[0], kRgba8Clear, area, 0, 2);
  HostFill(expected[2], FloatBytes(0.75f), area, 0, 2);
  const char* names[] = {"color0", "color1", "depth", "stencil"};
  for (int i = 0; i < 4; ++i) {
    std::vector<ImageBytes> one;
    for (auto& r : results) one.push_back(r[i]);
    ExpectImage(names[i], one, &expected[i]);
  }
}

// A RESUMING instance continues the SUSPENDING one: its CLEAR load op must not run again, while
// vkCmdClearAttachments inside it does.
TEST_F(KILN_SUITE(DynamicRendering), ResumingInstanceDoesNotRepeatLoadOps) {
  ImageBytes expected;
  auto results = OnEachGpu<ImageBytes>([&](Gpu& gpu) {
    TestImage c(gpu, VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, {8, 8, 1}, 1, kColor);
    expected = RandomContent(c.Shape(), 50);
    c.Write(expected);
    VkRenderingAttachmentInfo color =
        RenderingAttachment(c.View2D(), VK_ATTACHMENT_LOAD_OP_CLEAR, ColorValue(0.2f, 0.4f, 0.6f, 1.0f));
    auto info = Struct<VkRenderingInfo>(VK_STRUCTURE_TYPE_RENDERING_INFO);
    info.renderArea = {{0, 0}, {4, 4}};
    info.layerCount = 1;
    info.colorAttachmentCount = 1;
    info.pColorAttachments = &color;
    RunOnce(*gpu.device, [&](VkCommandBuffer cmd) {
      FullBarrier(cmd);
      info.flags = VK_RENDERING_SUSPENDING_BIT;
      gpu.beginRendering(cmd, &info);
      gpu.endRendering(cmd);
      // Between suspended and resumed instances only the same instance may be recorded; the
      // resumed one has the same attachments and render area.
      info.flags = VK_RENDERING_RESUMING_BIT;
      gpu.beginRendering(cmd, &info);
      VkClearAttachment clear{VK_IMAGE_ASPECT_COLOR_BIT, 0, ColorValue(1, 0, 0, 1)};
      VkClearRect rect{{{1, 1}, {2, 2}}, 0, 1};
      vkCmdClearAttachments(cmd, 1, &clear, 1, &rect);
      gpu.endRendering(cmd);
      FullBarrier(cmd);
    });
    return c.Read();
  });
  HostFill(expected, kRgba8Clear, {{0, 0}, {4, 4}}, 0, 1);
  HostFill(expected, {255, 0, 0, 255}, {{1, 1}, {2, 2}}, 0, 1);
  ExpectImage("color", results, &expected);
}

// vkCmdClearAttachments: two rects on different layers of a layered color attachment, and depth and
// stencil apart, inside dynamic rendering over a view that starts at layer 1.
TEST_F(KILN_SUITE(DynamicRendering), ClearAttachmentsRectsAndLayers) {
  std::vector<ImageBytes> expected(3);
  const VkClearRect rects[2] = {{{{1, 2}, {5, 3}}, 0, 1}, {{{6, 0}, {4, 7}}, 1, 2}};
  auto results = OnEachGpu<std::vector<ImageBytes>>([&](Gpu& gpu) {
    TestImage c(gpu, VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, {12, 8, 1}, 4, kColor);
    TestImage ds(gpu, VK_IMAGE_TYPE_2D, VK_FORMAT_D32_SFLOAT_S8_UINT, {12, 8, 1}, 4, kDepth);
    expected = {RandomContent(c.Shape(), 60), RandomContent(ds.Shape(VK_IMAGE_ASPECT_DEPTH_BIT), 61),
                RandomContent(ds.Shape(VK_IMAGE_ASPECT_STENCIL_BIT), 62)};
    c.Write(expected[0]);
    ds.Write(expected[1], VK_IMAGE_ASPECT_DEPTH_BIT);
    ds.Write(expected[2], VK_IMAGE_ASPECT_STENCIL_BIT);
    VkRenderingAttachmentInfo color = RenderingAttachment(
        c.View(VK_IMAGE_VIEW_TYPE_2D_ARRAY, VK_IMAGE_ASPECT_COLOR_BIT, 1, 3), VK_ATTACHMENT_LOAD_OP_LOAD, {});
    VkImageView dsView =
        ds.View(VK_IMAGE_VIEW_TYPE_2D_ARRAY, VK_IMAGE_ASPECT_DEPTH_BIT | VK_IMAGE_ASPECT_STENCIL_BIT, 1, 3);
    VkRenderingAttachmentInfo depth = RenderingAttachment(dsView, VK_ATTACHMENT_LOAD_OP_LOAD, {});
    VkRenderingAttachmentInfo stencil = RenderingAttachment(dsView, VK_ATTACHMENT_LOAD_OP_LOAD, {});
    auto info = Struct<VkRenderingInfo>(VK_STRUCTURE_TYPE_RENDERING_INFO);
    info.renderArea = {{0, 0}, {12, 8}};
    info.layerCount = 3;
    info.colorAttachmentCount = 1;
    info.pColorAttachments = &color;
    info.pDepthAttachment = &depth;
    info.pStencilAttachment = &stencil;
    RunOnce(*gpu.device, [&](VkCommandBuffer cmd) {
      FullBarrier(cmd);
      gpu.beginRendering(cmd, &info);
      VkClearAttachment colorClear{VK_IMAGE_ASPECT_COLOR_BIT, 0, ColorValue(0.2f, 0.4f, 0.6f, 1.0f)};
      vkCmdClearAttachments(cmd, 1, &colorClear, 2, rects);
      VkClearAttachment depthClear{VK_IMAGE_ASPECT_DEPTH_BIT, 0, DepthStencilValue(0.25f, 0)};
      vkCmdClearAttachments(cmd, 1, &depthClear, 1, &rects[0]);
      VkClearAttachment stencilClear{VK_IMAGE_ASPECT_STENCIL_BIT, 0, DepthStencilValue(0, 0x3C)};
      vkCmdClearAttachments(cmd, 1, &stencilClear, 1, &rects[1]);
      gpu.endRendering(cmd);
      FullBarrier(cmd);
    });
    return std::vector<ImageBytes>{c.Read(), ds.Read(VK_IMAGE_ASPECT_DEPTH_BIT), ds.Read(VK_IMAGE_ASPECT_STENCIL_BIT)};
  });
  // Rect layers are relative to the view's first layer (1).
  HostFill(expected[0], kRgba8Clear, rects[0].rect, 1, 1);
  HostFill(expected[0], kRgba8Clear, rects[1].rect, 2, 2);
  HostFill(expected[1], FloatBytes(0.25f), rects[0].rect, 1, 1);
  HostFill(expected[2], {0x3C}, rects[1].rect, 2, 2);
  const char* names[] = {"color", "depth", "stencil"};
  for (int i = 0; i < 3; ++i) {
    std::vector<ImageBytes> one;
    for (auto& r : results) one.push_back(r[i]);
    ExpectImage(names[i], one, &expected[i]);
  }
}

}  // namespace
}  // namespace kiln_test
