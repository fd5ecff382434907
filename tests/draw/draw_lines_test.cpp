// Point lists, line lists and line strips drawn on Kiln and on lavapipe and compared pixel by pixel
// (draw_harness.h), with host checks of the spec's rules where the answer is known exactly.
//
// Both drivers draw a line as the spec's rectangle of width 1 (strictLines = VK_TRUE; lavapipe's
// default line mode), its corners snapped to 1/256 pixel, and a point as its square of side
// PointSize, with the top-left rule on ties, so coverage is compared exactly, with two documented
// exceptions: pixel centers within 1/32 pixel of a line's border in the perspective scene
// (DrawLinesOnBoth says why), and wide points whose center is outside the viewport, which lavapipe
// keeps against the spec (ClippedByTheirCenterAndTrimmedByTheViewport). Colors: 1 code per channel
// (the two round interpolated values differently in the last bit), 2 for fine derivatives.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "draw_harness.h"
#include "vk_test_util.h"

namespace kiln_test {
namespace {

struct Vertex {
  float x, y, z, w, r, g, b, a, size;
};

// Position (location 0), color (1) and PointSize (2) per vertex, one buffer.
Scene VertexScene(const std::vector<Vertex>& vertices, VkPrimitiveTopology topology) {
  Scene s;
  std::vector<float> data;
  for (const Vertex& v : vertices) data.insert(data.end(), {v.x, v.y, v.z, v.w, v.r, v.g, v.b, v.a, v.size});
  s.buffers.push_back({Bytes(data), 36, VK_VERTEX_INPUT_RATE_VERTEX});
  s.attributes = {{0, 0, VK_FORMAT_R32G32B32A32_SFLOAT, 0},
                  {1, 0, VK_FORMAT_R32G32B32A32_SFLOAT, 16},
                  {2, 0, VK_FORMAT_R32_SFLOAT, 32}};
  s.topology = topology;
  if (topology == VK_PRIMITIVE_TOPOLOGY_POINT_LIST) s.vert = "points.vert";
  s.draws = {{uint32_t(vertices.size())}};
  return s;
}

// Clip coordinates (w = 1) of window position (x, y) in a width x height viewport at the origin.
Vertex At(const Scene& s, double x, double y, float r = 1, float g = 1, float b = 1, float size = 1) {
  return {float(2 * x / s.width - 1), float(2 * y / s.height - 1), 0.5f, 1, r, g, b, 1, size};
}

// Additive blending of 1/255 per fragment: each pixel's red channel counts the fragments it got.
void CountFragments(Scene& s) {
  s.blend.blendEnable = VK_TRUE;
  s.blend.srcColorBlendFactor = s.blend.dstColorBlendFactor = VK_BLEND_FACTOR_ONE;
  s.blend.srcAlphaBlendFactor = s.blend.dstAlphaBlendFactor = VK_BLEND_FACTOR_ONE;
}

uint32_t Covered(const Pixels& p) {
  uint32_t n = 0;
  for (size_t i = 3; i < p.color.size(); i += 4) n += p.color[i] != 0;
  return n;
}

// Signed distance (pixels, positive inside) of pixel (px, py)'s center from the border of the width-1
// rectangle around the window-space segment a-b.
double RectangleDistance(double ax, double ay, double bx, double by, uint32_t px, uint32_t py) {
  const double cx = px + 0.5, cy = py + 0.5;
  const double dx = bx - ax, dy = by - ay, len = std::hypot(dx, dy);
  const double along = ((cx - ax) * dx + (cy - ay) * dy) / len;
  const double across = std::fabs((cx - ax) * dy - (cy - ay) * dx) / len;
  return std::min({along, len - along, 0.5 - across});
}

// Draws a line list on Kiln and on lavapipe and compares them, except that a pixel whose center lies
// within 1/32 pixel of a line's rectangle border may be covered by one and not the other: lavapipe
// transforms and snaps the ends in float, Kiln in double, so a center that close to the border can
// fall on either side (at most `max_ties` such pixels). `vertices` are clip-space (x, y, z, w) pairs
// of the default viewport.
Pixels DrawLinesOnBoth(const std::string& name, const Scene& scene, const std::vector<Vertex>& vertices, int tolerance,
                       uint32_t max_ties) {
  Pixels kiln = Render(KILN_TEST_MANIFEST, scene);
  if (!LavapipeInstalled()) return kiln;
  Pixels lavapipe = Render(KILN_LAVAPIPE_MANIFEST, scene);
  Pixels compared = kiln;
  uint32_t ties = 0;
  for (uint32_t y = 0; y < kiln.height; ++y)
    for (uint32_t x = 0; x < kiln.width; ++x) {
      if ((kiln.at(x, y)[3] == 0) == (lavapipe.at(x, y)[3] == 0)) continue;
      bool near_border = false;
      for (size_t i = 0; i + 1 < vertices.size(); i += 2) {
        const Vertex &a = vertices[i], &b = vertices[i + 1];
        const double ax = (a.x / a.w + 1) * scene.width / 2, ay = (a.y / a.w + 1) * scene.height / 2;
        const double bx = (b.x / b.w + 1) * scene.width / 2, by = (b.y / b.w + 1) * scene.height / 2;
        near_border |= std::fabs(RectangleDistance(ax, ay, bx, by, x, y)) < 1.0 / 32;
      }
      if (!near_border) continue;  // SamePixels reports it
      ++ties;
      std::copy(lavapipe.at(x, y), lavapipe.at(x, y) + 4, &compared.color[(size_t(y) * kiln.width + x) * 4]);
    }
  EXPECT_LE(ties, max_ties) << name;
  EXPECT_TRUE(SamePixels(name, compared, lavapipe, tolerance));
  return kiln;
}

TEST(KILN_SUITE(DrawPoints), SizesOnAndBetweenPixelCenters) {
  // Eight sizes, each at a pixel center, a pixel corner and an arbitrary subpixel position; sizes
  // with halves put the square's sides on pixel centers (the top-left rule decides).
  Scene s;
  s.width = 96;
  s.height = 64;
  const float sizes[] = {1, 1.5f, 2, 2.5f, 3, 4, 5.75f, 8};
  std::vector<Vertex> v;
  for (int i = 0; i < 8; ++i) {
    const double x = 6 + 12 * i;
    v.push_back(At(s, x + 0.5, 10.5, 1, 0, 0, sizes[i]));
    v.push_back(At(s, x, 30, 0, 1, 0, sizes[i]));
    v.push_back(At(s, x + 0.3, 50.7, 0, 0, 1, sizes[i]));
  }
  Scene scene = VertexScene(v, VK_PRIMITIVE_TOPOLOGY_POINT_LIST);
  scene.width = s.width, scene.height = s.height;
  const Pixels p = DrawOnBoth("points_sizes", scene, 0);
  // Host: a point of integer size n on a pixel center covers n x n pixels.
  for (int i : {0, 2, 4, 5, 7}) {
    const int n = int(sizes[i]);
    uint32_t count = 0;
    for (uint32_t y = 0; y < 21; ++y)
      for (int x = 12 * i; x < 12 * i + 12; ++x) count += p.at(uint32_t(x), y)[3] != 0;
    EXPECT_EQ(count, uint32_t(n * n)) << "size " << n;
  }
}

TEST(KILN_SUITE(DrawPoints), ReportedLimitsAreTheSizesDrawn) {
  // Kiln reports largePoints with pointSizeRange [1, 1024] and clamps PointSize to it; lines are
  // strict and 1 wide.
  KT_REQUIRE_KILN();
  auto instance = Instance::Create();
  VkPhysicalDeviceFeatures features;
  vkGetPhysicalDeviceFeatures(instance->PhysicalDevice(), &features);
  VkPhysicalDeviceProperties properties;
  vkGetPhysicalDeviceProperties(instance->PhysicalDevice(), &properties);
  const VkPhysicalDeviceLimits& l = properties.limits;
  EXPECT_TRUE(features.largePoints);
  EXPECT_FALSE(features.wideLines);
  EXPECT_EQ(l.pointSizeRange[0], 1.0f);
  EXPECT_EQ(l.pointSizeRange[1], 1024.0f);
  EXPECT_EQ(l.pointSizeGranularity, 1.0f / 256);
  EXPECT_EQ(l.lineWidthRange[0], 1.0f);
  EXPECT_EQ(l.lineWidthRange[1], 1.0f);
  EXPECT_TRUE(l.strictLines);
  // A point of size s at a pixel center covers s columns of its row, up to pointSizeRange[1].
  for (float size : {1000.0f, l.pointSizeRange[1], l.pointSizeRange[1] + 100, 0.25f}) {
    Scene s;
    s.width = 1100;
    s.height = 4;
    Scene scene = VertexScene({At(s, 550.5, 2.5, 1, 1, 1, size)}, VK_PRIMITIVE_TOPOLOGY_POINT_LIST);
    scene.width = s.width, scene.height = s.height;
    const Pixels p = Render(KILN_TEST_MANIFEST, scene);
    uint32_t columns = 0;
    for (uint32_t x = 0; x < p.width; ++x) columns += p.at(x, 2)[3] != 0;
    EXPECT_EQ(columns, uint32_t(std::clamp(size, l.pointSizeRange[0], l.pointSizeRange[1]))) << "size " << size;
  }
}

TEST(KILN_SUITE(DrawPoints), PointCoordAsColor) {
  // PointCoord: (0, 0) at the square's top-left corner, (1, 1) at its bottom-right one.
  Scene s;
  std::vector<Vertex> v = {At(s, 16, 16, 0, 0, 1, 16), At(s, 44, 18, 0, 0, 0.5f, 9.5f), At(s, 20.25, 46.75, 0, 0, 0, 3),
                           At(s, 46.5, 46.5, 0, 0, 1, 24)};
  Scene scene = VertexScene(v, VK_PRIMITIVE_TOPOLOGY_POINT_LIST);
  scene.frag = "pointcoord.frag";
  const Pixels p = DrawOnBoth("points_coord", scene, 1);
  // Host: the 16-pixel point covers pixels 8..23; s = (x + 0.5 - 8) / 16, t likewise.
  EXPECT_EQ(p.at(7, 8)[3], 0);
  EXPECT_NEAR(p.at(8, 8)[0], 255 * 0.5 / 16, 1);
  EXPECT_NEAR(p.at(8, 8)[1], 255 * 0.5 / 16, 1);
  EXPECT_NEAR(p.at(23, 8)[0], 255 * 15.5 / 16, 1);
  EXPECT_NEAR(p.at(8, 23)[1], 255 * 15.5 / 16, 1);
  EXPECT_EQ(p.at(24, 8)[3], 0);
}

TEST(KILN_SUITE(DrawPoints), ClippedByTheirCenterAndTrimmedByTheViewport) {
  // A viewport inside the attachment: a big point whose center is inside it is cut at its edges; one
  // whose center is outside it is discarded whole (pointClippingBehavior ALL_CLIP_PLANES), and so is
  // one in front of the near plane.
  Scene s;
  s.width = s.height = 64;
  s.viewport = VkViewport{8, 8, 48, 48, 0, 1};
  auto at = [](double x, double y, float size, float z = 0.5f) {
    return Vertex{float(2 * (x - 8) / 48 - 1), float(2 * (y - 8) / 48 - 1), z, 1, 1, 1, 0, 1, size};
  };
  std::vector<Vertex> v = {at(54.5, 20.5, 12), at(9.5, 40.5, 7), at(57, 40, 8), at(30, 7, 8), at(30, 30, 5, -0.25f)};
  Scene scene = VertexScene(v, VK_PRIMITIVE_TOPOLOGY_POINT_LIST);
  scene.width = s.width, scene.height = s.height, scene.viewport = s.viewport;
  const Pixels p = Render(KILN_TEST_MANIFEST, scene);
  // The same scene without the three points that the spec discards draws the same pixels.
  Scene inside = VertexScene({v[0], v[1]}, VK_PRIMITIVE_TOPOLOGY_POINT_LIST);
  inside.width = s.width, inside.height = s.height, inside.viewport = s.viewport;
  EXPECT_TRUE(SamePixels("points_clipped_self", p, Render(KILN_TEST_MANIFEST, inside), 0));
  // lavapipe is compared on that scene only: it keeps wide points whose center is outside the
  // viewport but inside its guard band (the two at the viewport's right and top edges), although
  // it reports ALL_CLIP_PLANES, under which the spec discards them ("Primitive Clipping").
  if (LavapipeInstalled()) {
    EXPECT_TRUE(SamePixels("points_clipped", p, Render(KILN_LAVAPIPE_MANIFEST, inside), 1));
  }
  // Host: only the two points with centers inside, each trimmed to the viewport.
  EXPECT_EQ(Covered(p), uint32_t(12 * (56 - 48) + 7 * (13 - 8)));
  EXPECT_EQ(p.at(54, 40)[3], 0);  // inside the viewport and the square of the point centered right of it
  EXPECT_EQ(p.at(30, 9)[3], 0);   // ... of the point centered above it
  EXPECT_EQ(p.at(30, 30)[3], 0);  // the point in front of the near plane
}

TEST(KILN_SUITE(DrawLines), AStarOfLinesAtManyAngles) {
  // 48 lines from a center on a pixel center, then from one off it: horizontal, vertical, diagonal
  // and every angle between, ends on pixel centers and off them; colors interpolated along each.
  for (int off = 0; off < 2; ++off) {
    Scene s;
    s.width = s.height = 96;
    const double cx = 48.5 + 0.37 * off, cy = 48.5 - 0.21 * off;
    std::vector<Vertex> v;
    for (int i = 0; i < 48; ++i) {
      const double angle = 2 * M_PI * i / 48, r = 20 + 20 * (i % 2);
      const double ex = off ? cx + r * std::cos(angle) : std::round(cx + r * std::cos(angle) - 0.5) + 0.5;
      const double ey = off ? cy + r * std::sin(angle) : std::round(cy + r * std::sin(angle) - 0.5) + 0.5;
      v.push_back(At(s, cx + 2 * std::cos(angle), cy + 2 * std::sin(angle), 1, 0, 0));
      v.push_back(At(s, ex, ey, 0, 0.5f, 1));
    }
    Scene scene = VertexScene(v, VK_PRIMITIVE_TOPOLOGY_LINE_LIST);
    scene.width = s.width, scene.height = s.height;
    DrawOnBoth("lines_star_" + std::to_string(off), scene, 1);
  }
}

TEST(KILN_SUITE(DrawLines), AClosedSquareStripBetweenPixelCenters) {
  // Host check of the rectangle rule on a closed strip around a square, corners on pixel centers.
  // Each side's rectangle has its end sides through the corner pixels' centers, and the top-left
  // rule keeps the left (top) one: the top side covers columns 10..49 of row 10, the right side rows
  // 10..39 of column 50, the bottom columns 10..49 of row 40, the left rows 10..39 of column 10. So
  // (10, 10) is drawn twice and (50, 40) not at all -- the spec's rectangles do not join.
  Scene s;
  std::vector<Vertex> v = {At(s, 10.5, 10.5), At(s, 50.5, 10.5), At(s, 50.5, 40.5), At(s, 10.5, 40.5), At(s, 10.5, 10.5)};
  for (Vertex& x : v) x.r = x.g = x.b = 1.0f / 255;
  Scene scene = VertexScene(v, VK_PRIMITIVE_TOPOLOGY_LINE_STRIP);
  CountFragments(scene);
  const Pixels p = DrawOnBoth("lines_square", scene, 0);
  uint32_t twice = 0;
  for (size_t i = 0; i < p.color.size(); i += 4) twice += p.color[i] > 1;
  EXPECT_EQ(twice, 1u);
  EXPECT_EQ(p.at(10, 10)[0], 2);
  EXPECT_EQ(p.at(50, 40)[3], 0);
  EXPECT_EQ(p.at(50, 10)[0], 1);
  EXPECT_EQ(p.at(10, 40)[0], 1);
  EXPECT_EQ(Covered(p), 40u + 30u + 40u + 30u - 1u);
}

TEST(KILN_SUITE(DrawLines), IndexedStripsRestartWhereTheIndexSaysSo) {
  // A zigzag strip broken by restart indices, with 16- and 32-bit indices: no segment joins the
  // vertices on either side of a restart.
  for (bool index16 : {false, true}) {
    Scene s;
    std::vector<Vertex> v;
    for (int i = 0; i < 12; ++i)
      v.push_back(At(s, 4.5 + 5 * i, i % 2 ? 12.25 : 50.75, float(i % 3) / 2, 1 - float(i) / 12, 0.5f));
    Scene scene = VertexScene(v, VK_PRIMITIVE_TOPOLOGY_LINE_STRIP);
    scene.primitive_restart = true;
    scene.index16 = index16;
    const uint32_t restart = index16 ? 0xffffu : 0xffffffffu;
    scene.indices = {0, 1, 2, 3, restart, 4, 5, 6, restart, 7, 8, 9, 10, 11};
    scene.draws = {{uint32_t(scene.indices.size()), 1, 0, 0, 0, true}};
    const Pixels p = DrawOnBoth(std::string("lines_strip_restart_") + (index16 ? "16" : "32"), scene, 1);
    // Host: the segments 3-4 and 6-7 are not drawn: the pixels around their midpoints stay clear,
    // while those of 2-3 (before the first restart) are drawn.
    auto drawn_near_middle = [&](int from) {
      const int mx = int(4.5 + 5 * from + 2.5), my = int((12.25 + 50.75) / 2);
      uint32_t n = 0;
      for (int x = mx - 1; x <= mx + 1; ++x) n += p.at(uint32_t(x), uint32_t(my))[3] != 0;
      return n;
    };
    EXPECT_EQ(drawn_near_middle(3), 0u);
    EXPECT_EQ(drawn_near_middle(6), 0u);
    EXPECT_GT(drawn_near_middle(2), 0u);
  }
}

TEST(KILN_SUITE(DrawLines), PerspectiveCorrectColorsAndTheirDerivatives) {
  // Lines whose ends have different w: colors are interpolated perspective-correctly; a second
  // draw shows the color's derivatives (helper lanes must carry the line's values).
  Scene s;
  std::vector<Vertex> v;
  for (int i = 0; i < 6; ++i) {
    const float w0 = 1, w1 = 1 + i;
    const float y = -0.8f + 0.3f * i;
    v.push_back({-0.9f * w0, y * w0, 0.2f * w0, w0, 1, 0, 0, 1, 1});
    v.push_back({0.9f * w1, (y + 0.1f * i) * w1, 0.8f * w1, w1, 0, 1, 1, 1, 1});
  }
  Scene scene = VertexScene(v, VK_PRIMITIVE_TOPOLOGY_LINE_LIST);
  DrawLinesOnBoth("lines_perspective", scene, v, 1, 2);
  scene.frag = "derivative.frag";
  DrawLinesOnBoth("lines_derivatives", scene, v, 2, 2);
}

TEST(KILN_SUITE(DrawLines), FlatColorsComeFromEachSegmentsFirstVertex) {
  // A strip of differently colored vertices with flat shading: segment i has vertex i's color
  // (the provoking vertex, first-vertex convention).
  Scene s;
  std::vector<Vertex> v;
  for (int i = 0; i < 7; ++i)
    v.push_back(At(s, 6.5 + 8 * i, i % 2 ? 10.5 : 52.25, float(i) / 6, float(i % 3) / 2, 1 - float(i) / 6));
  Scene scene = VertexScene(v, VK_PRIMITIVE_TOPOLOGY_LINE_STRIP);
  scene.vert = "flat.vert";
  scene.frag = "flat.frag";
  const Pixels p = DrawOnBoth("lines_flat", scene, 1);
  // Host: the middle of segment i has vertex i's color.
  for (int i = 0; i < 6; ++i) {
    const uint32_t mx = uint32_t(6.5 + 8 * i + 4), my = uint32_t((10.5 + 52.25) / 2);
    uint32_t found = 0;
    for (uint32_t x = mx - 1; x <= mx + 1; ++x)
      if (p.at(x, my)[3] != 0) {
        ++found;
        EXPECT_NEAR(p.at(x, my)[0], 255.0 * i / 6, 1) << "segment " << i;
      }
    EXPECT_GT(found, 0u) << "segment " << i;
  }
}

TEST(KILN_SUITE(DrawLines), ClippedByTheNearPlaneAndTheViewportEdges) {
  // Lines reaching behind the near plane (z < 0) and beyond the far one, and lines crossing a
  // viewport that is smaller than the attachment: nothing is drawn outside the view volume.
  Scene s;
  s.width = s.height = 64;
  std::vector<Vertex> v = {
      {-0.9f, -0.9f, -0.6f, 1, 1, 0, 0, 1, 1}, {0.8f, 0.3f, 0.7f, 1, 0, 1, 0, 1, 1},     // near
      {-0.8f, 0.6f, 0.5f, 1, 1, 1, 0, 1, 1},   {0.9f, 0.9f, 1.6f, 1, 0, 0, 1, 1, 1},     // far
      {-0.5f, 0.0f, 0.4f, 1, 1, 0, 1, 1, 1},   {0.5f, 0.1f, 0.4f, -1, 0, 1, 1, 1, 1},    // through w = 0
      {-1.6f, -0.3f, 0.5f, 1, 1, 0.5f, 0, 1, 1}, {1.7f, -0.1f, 0.5f, 1, 0, 0.5f, 1, 1, 1},  // across the viewport
      {0.3f, -1.8f, 0.5f, 1, 0.5f, 1, 0, 1, 1},  {-0.2f, 1.9f, 0.5f, 1, 0, 1, 0.5f, 1, 1},
      {-1.3f, -1.4f, 0.5f, 1, 1, 1, 1, 1, 1},    {1.2f, 1.5f, 0.5f, 1, 0.2f, 0.2f, 0.2f, 1, 1}};
  for (bool small_viewport : {false, true}) {
    Scene scene = VertexScene(v, VK_PRIMITIVE_TOPOLOGY_LINE_LIST);
    scene.width = s.width, scene.height = s.height;
    if (small_viewport) scene.viewport = VkViewport{10, 6, 40, 50, 0, 1};
    const Pixels p = DrawOnBoth(std::string("lines_clipped_") + (small_viewport ? "viewport" : "full"), scene, 1);
    if (small_viewport) {
      for (uint32_t y = 0; y < p.height; ++y)
        for (uint32_t x = 0; x < p.width; ++x)
          if (x < 10 || x >= 50 || y < 6 || y >= 56) {
            ASSERT_EQ(p.at(x, y)[3], 0) << x << "," << y;
          }
    }
  }
}

TEST(KILN_SUITE(DrawLines), DegenerateAndNonFiniteLinesDoNotCrash) {
  // Zero-length lines and NaN / infinite positions: Kiln draws what lavapipe draws (nothing for a
  // zero-length line; the vertex shader's NaN makes the primitive undefined, so only "no crash" is
  // checked there).
  KT_REQUIRE_KILN();
  Scene s;
  const float nan = std::nanf(""), inf = INFINITY;
  std::vector<Vertex> zero = {At(s, 20.5, 20.5), At(s, 20.5, 20.5), At(s, 30.3, 40.1), At(s, 30.3, 40.1)};
  const Pixels p = DrawOnBoth("lines_zero_length", VertexScene(zero, VK_PRIMITIVE_TOPOLOGY_LINE_LIST), 0);
  EXPECT_EQ(Covered(p), 0u);
  std::vector<Vertex> bad = {{nan, 0, 0.5f, 1, 1, 1, 1, 1, nan}, {0.5f, 0.5f, 0.5f, 1, 1, 1, 1, 1, 1},
                             {inf, -inf, 0.5f, 1, 1, 1, 1, 1, inf}, {0, 0, 0.5f, inf, 1, 1, 1, 1, -inf},
                             {0, 0, nan, 1, 1, 1, 1, 1, 0}, {0.1f, 0.2f, 0.5f, 0, 1, 1, 1, 1, 1e30f}};
  for (VkPrimitiveTopology t :
       {VK_PRIMITIVE_TOPOLOGY_LINE_LIST, VK_PRIMITIVE_TOPOLOGY_LINE_STRIP, VK_PRIMITIVE_TOPOLOGY_POINT_LIST})
    Render(KILN_TEST_MANIFEST, VertexScene(bad, t));
}

}  // namespace
}  // namespace kiln_test
