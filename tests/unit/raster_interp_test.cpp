// Rasterizer inputs of the fragment shader: primitive assembly, perspective-correct, linear and flat
// interpolation, depth and depth bias (src/raster).
#include "raster/assembly.h"
#include "raster/raster.h"
#include "raster_test_util.h"

#include <gtest/gtest.h>

#include <random>

namespace kiln::raster {
namespace {

using test::RecordingShader;
using test::TestDraw;

constexpr uint32_t kSize = 128;

std::vector<std::array<uint32_t, 4>> assemble(VkPrimitiveTopology topology, std::vector<uint32_t> indices, bool restart,
                                              uint32_t vertex_count = 100) {
    PrimitiveInput in;
    in.topology = topology;
    in.indices = indices.data();
    in.count = uint32_t(indices.size());
    in.index_type = VK_INDEX_TYPE_UINT32;
    in.primitive_restart = restart;
    std::vector<AssembledTriangle> out;
    assemble_primitives(in, vertex_count, out);
    std::vector<std::array<uint32_t, 4>> r;
    for (auto& t : out)
        r.push_back({t.v[0], t.v[1], t.v[2], t.primitive_id});
    return r;
}

using Tris = std::vector<std::array<uint32_t, 4>>;
constexpr uint32_t R = 0xffffffffu;

TEST(RasterAssembly, TriangleListDropsTheIncompleteLastTriangle) {
    EXPECT_EQ(assemble(VK_PRIMITIVE_TOPOLOGY_TRIANGLE_LIST, {0, 1, 2, 3, 4, 5, 6, 7}, false),
              (Tris{{0, 1, 2, 0}, {3, 4, 5, 1}}));
}

TEST(RasterAssembly, StripOddTrianglesSwapToKeepWindingAndFirstVertexProvoking) {
    // "Triangle Strips": (v0 v1 v2), (v1 v3 v2), (v2 v3 v4), (v3 v5 v4).
    EXPECT_EQ(assemble(VK_PRIMITIVE_TOPOLOGY_TRIANGLE_STRIP, {0, 1, 2, 3, 4, 5}, false),
              (Tris{{0, 1, 2, 0}, {1, 3, 2, 1}, {2, 3, 4, 2}, {3, 5, 4, 3}}));
}

TEST(RasterAssembly, FanTrianglesStartAtTheirFirstRimVertex) {
    // "Triangle Fans": (v1 v2 v0), (v2 v3 v0), (v3 v4 v0).
    EXPECT_EQ(assemble(VK_PRIMITIVE_TOPOLOGY_TRIANGLE_FAN, {0, 1, 2, 3, 4}, false),
              (Tris{{1, 2, 0, 0}, {2, 3, 0, 1}, {3, 4, 0, 2}}));
}

TEST(RasterAssembly, PrimitiveRestartStartsANewStripOrFan) {
    EXPECT_EQ(assemble(VK_PRIMITIVE_TOPOLOGY_TRIANGLE_STRIP, {0, 1, 2, 3, R, 5, 6, 7, R, 8, 9, R, 10, 11, 12}, true),
              (Tris{{0, 1, 2, 0}, {1, 3, 2, 1}, {5, 6, 7, 2}, {10, 11, 12, 3}}));
    EXPECT_EQ(assemble(VK_PRIMITIVE_TOPOLOGY_TRIANGLE_FAN, {0, 1, 2, 3, R, 5, 6, 7}, true),
              (Tris{{1, 2, 0, 0}, {2, 3, 0, 1}, {6, 7, 5, 2}}));
    // Without restart enabled the all-ones index is an index (out of range here: dropped).
    EXPECT_EQ(assemble(VK_PRIMITIVE_TOPOLOGY_TRIANGLE_STRIP, {0, 1, 2, R, 4}, false), (Tris{{0, 1, 2, 0}}));
}

TEST(RasterAssembly, SixteenBitRestartIndex) {
    const uint16_t indices[] = {0, 1, 2, 0xffff, 3, 4, 5};
    PrimitiveInput in;
    in.topology = VK_PRIMITIVE_TOPOLOGY_TRIANGLE_STRIP;
    in.indices = indices;
    in.count = 7;
    in.index_type = VK_INDEX_TYPE_UINT16;
    in.primitive_restart = true;
    in.first_primitive_id = 10;
    std::vector<AssembledTriangle> out;
    assemble_primitives(in, 6, out);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[1].v[0], 3u);
    EXPECT_EQ(out[1].primitive_id, 11u);
}

TEST(RasterAssembly, OutOfRangeVerticesDropTheirTriangle) {
    EXPECT_EQ(assemble(VK_PRIMITIVE_TOPOLOGY_TRIANGLE_LIST, {0, 1, 2, 3, 4, 50}, false, 10), (Tris{{0, 1, 2, 0}}));
}

TEST(RasterAssembly, IndexedStripsAndFansWithRestartRenderEachPixelOnce) {
    // Two quads as strips (0 1 2 3 | 4 5 6 7) and the same two as fans, with the restart index
    // between them; each covers its rectangle exactly once and nothing between them.
    for (VkPrimitiveTopology topology : {VK_PRIMITIVE_TOPOLOGY_TRIANGLE_STRIP, VK_PRIMITIVE_TOPOLOGY_TRIANGLE_FAN}) {
        TestDraw t(kSize, kSize);
        for (double x0 : {8.0, 64.0}) {
            const double x1 = x0 + 40;
            if (topology == VK_PRIMITIVE_TOPOLOGY_TRIANGLE_STRIP) {
                const double xs[4] = {x0, x0, x1, x1}, ys[4] = {8, 100, 8, 100};
                for (int i = 0; i < 4; ++i)
                    t.add_window_vertex(xs[i], ys[i]);
            } else {
                const double xs[4] = {x0, x0, x1, x1}, ys[4] = {8, 100, 100, 8};
                for (int i = 0; i < 4; ++i)
                    t.add_window_vertex(xs[i], ys[i]);
            }
        }
        t.indices = {0, 1, 2, 3, 0xffffffffu, 4, 5, 6, 7};
        t.draw.primitives.topology = topology;
        t.draw.primitives.primitive_restart = true;
        RecordingShader s = [&] {
            RecordingShader rs(kSize, kSize);
            Rasterizer r;
            InlineJobRunner jobs;
            EXPECT_EQ(r.draw(t.finish(), rs, jobs), Status::Ok);
            EXPECT_EQ(r.last_stats().triangles_in, 4u);
            return rs;
        }();
        for (int y = 0; y < int(kSize); ++y)
            for (int x = 0; x < int(kSize); ++x) {
                const bool in_y = y >= 8 && y < 100;
                const bool in = in_y && ((x >= 8 && x < 48) || (x >= 64 && x < 104));
                ASSERT_EQ(s.count(x, y), in ? 1 : 0) << topology << " " << x << "," << y;
            }
    }
}

TEST(RasterAssembly, AdjacencyAndPatchTopologiesAreRefused) {
    for (VkPrimitiveTopology topology :
         {VK_PRIMITIVE_TOPOLOGY_LINE_LIST_WITH_ADJACENCY, VK_PRIMITIVE_TOPOLOGY_LINE_STRIP_WITH_ADJACENCY,
          VK_PRIMITIVE_TOPOLOGY_TRIANGLE_LIST_WITH_ADJACENCY, VK_PRIMITIVE_TOPOLOGY_TRIANGLE_STRIP_WITH_ADJACENCY,
          VK_PRIMITIVE_TOPOLOGY_PATCH_LIST}) {
        TestDraw t(kSize, kSize);
        for (int i = 0; i < 6; ++i)
            t.add_window_vertex(1 + 10 * i, 1 + 7 * (i % 3));
        t.draw.primitives.topology = topology;
        RecordingShader s(kSize, kSize);
        Rasterizer r;
        InlineJobRunner jobs;
        EXPECT_EQ(r.draw(t.finish(), s, jobs), Status::UnsupportedTopology) << topology;
    }
}

TEST(RasterAssembly, PointsLinesAndStripsWithRestart) {
    using P = std::array<uint32_t, 4>;
    // Points repeat their vertex; lines are (a, b, b), the first vertex provoking.
    EXPECT_EQ(assemble(VK_PRIMITIVE_TOPOLOGY_POINT_LIST, {4, 7, 9}, false), (Tris{P{4, 4, 4, 0}, P{7, 7, 7, 1}, P{9, 9, 9, 2}}));
    EXPECT_EQ(assemble(VK_PRIMITIVE_TOPOLOGY_LINE_LIST, {0, 1, 2, 3, 4}, false), (Tris{P{0, 1, 1, 0}, P{2, 3, 3, 1}}));
    EXPECT_EQ(assemble(VK_PRIMITIVE_TOPOLOGY_LINE_STRIP, {0, 1, 2, 3}, false),
              (Tris{P{0, 1, 1, 0}, P{1, 2, 2, 1}, P{2, 3, 3, 2}}));
    // "Primitive Restart": the strip starts again after the restart index; ids keep counting.
    EXPECT_EQ(assemble(VK_PRIMITIVE_TOPOLOGY_LINE_STRIP, {0, 1, 2, R, 5, R, 6, 7}, true),
              (Tris{P{0, 1, 1, 0}, P{1, 2, 2, 1}, P{6, 7, 7, 2}}));
    // Out-of-range vertices drop their primitives only.
    EXPECT_EQ(assemble(VK_PRIMITIVE_TOPOLOGY_LINE_STRIP, {0, 200, 2, 3}, false), (Tris{P{2, 3, 3, 2}}));
}

struct Lane {
    int x, y;
    float vary[3];
    float z, inv_w, b1, b2;
    bool covered;
};

std::vector<Lane> run_lanes(const Draw& draw) {
    std::vector<Lane> lanes;
    RecordingShader s(kSize, kSize);
    s.on_batch = [&](const FragmentBatch& in, FragmentOutput&) {
        for (uint32_t l = 0; l < 4 * in.quad_count; ++l) {
            Lane v{in.x[l], in.y[l], {}, in.z[l], in.inv_w[l], in.bary_perspective[0][l], in.bary_perspective[1][l],
                   bool(in.coverage & (1u << l))};
            for (uint32_t w = 0; w < std::min(3u, draw.vertices.varying_words); ++w)
                v.vary[w] = std::bit_cast<float>(in.varyings[w][l]);
            lanes.push_back(v);
        }
    };
    Rasterizer r;
    InlineJobRunner jobs;
    EXPECT_EQ(r.draw(draw, s, jobs), Status::Ok);
    return lanes;
}

// Host reference: screen-space barycentrics of the window-space triangle at the lane's center.
void screen_barycentrics(const double x[3], const double y[3], double px, double py, double l[3]) {
    const double area = (x[1] - x[0]) * (y[2] - y[0]) - (x[2] - x[0]) * (y[1] - y[0]);
    l[1] = ((x[2] - x[0]) * (py - y[0]) - (y[2] - y[0]) * (px - x[0])) / -area;
    l[2] = ((x[1] - x[0]) * (py - y[0]) - (y[1] - y[0]) * (px - x[0])) / area;
    l[0] = 1 - l[1] - l[2];
}

TEST(RasterInterpolation, SmoothIsPerspectiveCorrectNoPerspectiveIsLinear) {
    std::mt19937 rng(7);
    for (int iter = 0; iter < 20; ++iter) {
        TestDraw t(kSize, kSize);
        double x[3], y[3], z[3], w[3], a[3];
        for (int i = 0; i < 3; ++i) {
            x[i] = std::nearbyint(std::uniform_real_distribution<double>(0, kSize)(rng) * 256) / 256;
            y[i] = std::nearbyint(std::uniform_real_distribution<double>(0, kSize)(rng) * 256) / 256;
            z[i] = std::uniform_real_distribution<double>(0.1, 0.9)(rng);
            w[i] = std::uniform_real_distribution<double>(0.5, 8)(rng);
            a[i] = std::uniform_real_distribution<double>(-10, 10)(rng);
            t.add_window_vertex(x[i], y[i], z[i], w[i], {float(a[i]), float(a[i]), float(a[i])});
        }
        t.interpolation = {Interpolation::Smooth, Interpolation::NoPerspective, Interpolation::Flat};
        int checked = 0;
        for (const Lane& lane : run_lanes(t.finish())) {
            if (!lane.covered)
                continue;
            double l[3];
            screen_barycentrics(x, y, lane.x + 0.5, lane.y + 0.5, l);
            const double iw = l[0] / w[0] + l[1] / w[1] + l[2] / w[2];
            const double smooth = (l[0] / w[0] * a[0] + l[1] / w[1] * a[1] + l[2] / w[2] * a[2]) / iw;
            const double linear = l[0] * a[0] + l[1] * a[1] + l[2] * a[2];
            EXPECT_NEAR(lane.vary[0], smooth, 2e-3);
            EXPECT_NEAR(lane.vary[1], linear, 2e-3);
            EXPECT_EQ(lane.vary[2], float(a[0]));  // flat: the provoking vertex
            EXPECT_NEAR(lane.inv_w, iw, 1e-4 * iw);
            EXPECT_NEAR(lane.z, l[0] * z[0] + l[1] * z[1] + l[2] * z[2], 1e-4);  // window z is linear
            EXPECT_NEAR(lane.b1, l[1] / w[1] / iw, 1e-4);
            EXPECT_NEAR(lane.b2, l[2] / w[2] / iw, 1e-4);
            ++checked;
        }
        EXPECT_GT(checked, 0);
    }
}

TEST(RasterInterpolation, ClippedTrianglesInterpolateLikeTheOriginal) {
    // Crossing the near plane (z < 0 at one vertex, w > 0 everywhere): the fan triangles' varyings
    // must equal the original triangle's perspective-correct values at every pixel kept.
    const double x[3] = {10, 120, 30}, y[3] = {10, 40, 120}, z[3] = {-0.5, 0.6, 0.9}, w[3] = {1, 4, 2}, a[3] = {1, 5, -3};
    TestDraw t(kSize, kSize);
    for (int i = 0; i < 3; ++i)
        t.add_window_vertex(x[i], y[i], z[i], w[i], {float(a[i]), float(a[i])});
    t.interpolation = {Interpolation::Smooth, Interpolation::NoPerspective};
    int checked = 0;
    for (const Lane& lane : run_lanes(t.finish())) {
        if (!lane.covered)
            continue;
        double l[3];
        screen_barycentrics(x, y, lane.x + 0.5, lane.y + 0.5, l);
        const double iw = l[0] / w[0] + l[1] / w[1] + l[2] / w[2];
        EXPECT_NEAR(lane.vary[0], (l[0] / w[0] * a[0] + l[1] / w[1] * a[1] + l[2] / w[2] * a[2]) / iw, 2e-3);
        EXPECT_NEAR(lane.b1, l[1] / w[1] / iw, 1e-4);
        EXPECT_GE(lane.z, -1e-6f);
        ++checked;
    }
    EXPECT_GT(checked, 100);
}

TEST(RasterInterpolation, FlatIntegerVaryingsKeepTheirBitsFromTheProvokingVertex) {
    // A strip: triangle i's provoking vertex is v_i; words that are NaNs as floats must pass intact.
    TestDraw t(kSize, kSize);
    t.draw.primitives.topology = VK_PRIMITIVE_TOPOLOGY_TRIANGLE_STRIP;
    const double xs[4] = {0, 0, 128, 128}, ys[4] = {0, 128, 0, 128};
    for (uint32_t i = 0; i < 4; ++i) {
        t.add_window_vertex(xs[i], ys[i], 0.5, 1.0, {});
        t.varyings.push_back(0x7fc00000u + i);  // quiet NaN with payload
        t.varyings.push_back(0xffffffffu - i);
    }
    t.words = 2;
    t.interpolation = {Interpolation::Flat, Interpolation::Flat};
    std::vector<uint32_t> seen(kSize * kSize, 99);
    RecordingShader s(kSize, kSize);
    s.on_batch = [&](const FragmentBatch& in, FragmentOutput&) {
        for (uint32_t l = 0; l < 4 * in.quad_count; ++l) {
            EXPECT_EQ(in.varyings[0][l] - 0x7fc00000u, 0xffffffffu - in.varyings[1][l]);
            EXPECT_EQ(in.varyings[0][l] - 0x7fc00000u, in.primitive_id[l]);  // triangle i: v_i
            if (in.coverage & (1u << l))
                seen[in.y[l] * kSize + in.x[l]] = in.varyings[0][l] - 0x7fc00000u;
        }
    };
    Rasterizer r;
    InlineJobRunner jobs;
    ASSERT_EQ(r.draw(t.finish(), s, jobs), Status::Ok);
    EXPECT_EQ(seen[10 * kSize + 5], 0u);    // upper-left half: triangle 0 (v0 v1 v2)
    EXPECT_EQ(seen[120 * kSize + 120], 1u); // lower-right half: triangle 1 (v1 v3 v2)
    for (int v : s.counts)
        EXPECT_EQ(v, 1);
}

TEST(RasterInterpolation, HelperLanesGetExtrapolatedValues) {
    // A thin triangle: its quads have helper lanes; their barycentrics continue the plane, so that
    // derivatives across the quad are the triangle's.
    TestDraw t(kSize, kSize);
    t.add_window_vertex(0.5, 0.5, 0.5, 1, {0.0f});
    t.add_window_vertex(100.5, 0.5, 0.5, 1, {100.0f});
    t.add_window_vertex(0.5, 1.5, 0.5, 1, {0.0f});
    t.interpolation = {Interpolation::NoPerspective};
    int helpers = 0;
    for (const Lane& lane : run_lanes(t.finish())) {
        EXPECT_NEAR(lane.vary[0], lane.x, 1e-3) << lane.x << "," << lane.y;  // a = x - 0.5 + 0.5
        helpers += !lane.covered;
    }
    EXPECT_GT(helpers, 50);
}

float draw_one_depth(RasterState state, VkFormat depth_format, double z0, double z1, double z2) {
    TestDraw t(kSize, kSize);
    t.add_window_vertex(0, 0, z0);
    t.add_window_vertex(128, 0, z1);
    t.add_window_vertex(0, 128, z2);
    state.viewport = t.draw.raster.viewport;
    state.scissor = t.draw.raster.scissor;
    state.render_area = t.draw.raster.render_area;
    t.draw.raster = state;
    test::Image depth(depth_format, kSize, kSize);
    t.draw.output.depth_stencil = depth.attachment();
    float z_at = 0;
    RecordingShader s(kSize, kSize);
    s.on_batch = [&](const FragmentBatch& in, FragmentOutput&) {
        for (uint32_t l = 0; l < 4 * in.quad_count; ++l)
            if (in.x[l] == 0 && in.y[l] == 0)
                z_at = in.z[l];
    };
    Rasterizer r;
    InlineJobRunner jobs;
    EXPECT_EQ(r.draw(t.finish(), s, jobs), Status::Ok);
    return z_at;
}

TEST(RasterDepthBias, ConstantFactorUsesTheFormatsResolution) {
    RasterState st;
    st.depth_bias = true;
    st.depth_bias_constant = 3.0f;
    // Flat z = 0.5 at (0.5, 0.5): m = 0. UNORM: r = 2^-n.
    EXPECT_FLOAT_EQ(draw_one_depth(st, VK_FORMAT_D16_UNORM, 0.5, 0.5, 0.5), 0.5f + 3.0f / 65536.0f);
    EXPECT_FLOAT_EQ(draw_one_depth(st, VK_FORMAT_D24_UNORM_S8_UINT, 0.5, 0.5, 0.5), 0.5f + 3.0f / 16777216.0f);
    // Float: r = 2^(e - 23), e the largest exponent of the primitive's z (0.3 = 1.2 * 2^-2: e = -2).
    st.depth_bias_constant = 100.0f;
    EXPECT_NEAR(draw_one_depth(st, VK_FORMAT_D32_SFLOAT, 0.3, 0.3, 0.3), double(0.3f) + 100.0 * std::ldexp(1.0, -25), 1e-7);
    EXPECT_NEAR(draw_one_depth(st, VK_FORMAT_D32_SFLOAT, 0.6, 0.6, 0.6), double(0.6f) + 100.0 * std::ldexp(1.0, -24), 1e-7);
}

TEST(RasterDepthBias, SlopeFactorAndClamp) {
    RasterState st;
    st.depth_bias = true;
    st.depth_bias_slope = 2.0f;
    // z rises by 0.5 over 128 pixels in x, 0.25 in y: m = 0.5 / 128.
    const double z0 = 0.25;
    const float base = float(z0 + 0.5 * 0.5 / 128 + 0.25 * 0.5 / 128);
    EXPECT_NEAR(draw_one_depth(st, VK_FORMAT_D32_SFLOAT, z0, z0 + 0.5, z0 + 0.25), base + 2.0f * 0.5f / 128, 1e-6);
    st.depth_bias_clamp = 0.001f;
    EXPECT_NEAR(draw_one_depth(st, VK_FORMAT_D32_SFLOAT, z0, z0 + 0.5, z0 + 0.25), base + 0.001f, 1e-6);
    st.depth_bias_slope = -2.0f;
    st.depth_bias_clamp = -0.001f;
    EXPECT_NEAR(draw_one_depth(st, VK_FORMAT_D32_SFLOAT, z0, z0 + 0.5, z0 + 0.25), base - 0.001f, 1e-6);
}

}  // namespace
}  // namespace kiln::raster
