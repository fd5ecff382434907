// Rasterizer coverage: the fill rule, exact coverage against a brute-force reference, clipping and
// the guard band, culling and facing, tiles, and threads (src/raster).
#include "raster/raster.h"
#include "raster_test_util.h"
#include "spirv/ir.h"

#include <gtest/gtest.h>

#include <random>

namespace kiln::raster {
namespace {

using test::RecordingShader;
using test::TestDraw;

static_assert(kLanes == spirv::kLanes, "a fragment batch is one run of the shader engine");

constexpr uint32_t kSize = 256;  // viewport 256: window coordinates on the 1/256 grid are exact in clip space

// Draws `draw` into a shader that counts coverage; no attachments.
RecordingShader render(const Draw& draw, JobRunner* jobs = nullptr, uint32_t size = kSize) {
    RecordingShader shader(size, size);
    Rasterizer r;
    InlineJobRunner inline_jobs;
    EXPECT_EQ(r.draw(draw, shader, jobs ? *jobs : inline_jobs), Status::Ok);
    return shader;
}

double grid(std::mt19937& rng, double lo, double hi) {
    return std::nearbyint(std::uniform_real_distribution<double>(lo, hi)(rng) * 256.0) / 256.0;
}

TEST(RasterFillRule, TwoTrianglesSharingAnEdgeCoverEachPixelOnce) {
    std::mt19937 rng(1);
    for (int iter = 0; iter < 300; ++iter) {
        // A quadrilateral a, b, c, d split along a random diagonal a-c; both halves wound alike.
        // Vertices on pixel centers, edges and random subpixel positions all occur.
        double px[4], py[4];
        for (int i = 0; i < 4; ++i) {
            const bool center = iter % 3 == 0;
            px[i] = center ? std::floor(grid(rng, 0, kSize)) + 0.5 : grid(rng, -20, kSize + 20);
            py[i] = center ? std::floor(grid(rng, 0, kSize)) + 0.5 : grid(rng, -20, kSize + 20);
        }
        TestDraw t(kSize, kSize);
        for (int i : {0, 1, 2, 0, 2, 3})
            t.add_window_vertex(px[i], py[i]);
        RecordingShader s = render(t.finish());
        // Each pixel: covered by exactly the reference's count of the two halves (a shared edge
        // sample goes to exactly one side).
        const double ax[3] = {px[0], px[1], px[2]}, ay[3] = {py[0], py[1], py[2]};
        const double bx[3] = {px[0], px[2], px[3]}, by[3] = {py[0], py[2], py[3]};
        for (int y = 0; y < int(kSize); ++y)
            for (int x = 0; x < int(kSize); ++x) {
                const int ref = test::reference_covers(ax, ay, x, y) + test::reference_covers(bx, by, x, y);
                ASSERT_EQ(s.count(x, y), ref) << "iteration " << iter << " pixel " << x << "," << y;
            }
    }
}

TEST(RasterFillRule, SharedEdgeIsCoveredOnceFromBothSides) {
    // Two triangles on either side of a random shared edge p-q, in opposite directions: every pixel
    // center on the edge's line inside both goes to one of them only.
    std::mt19937 rng(2);
    for (int iter = 0; iter < 400; ++iter) {
        const double qx = grid(rng, 0, kSize), qy = grid(rng, 0, kSize);
        const double px = grid(rng, 0, kSize), py = grid(rng, 0, kSize);
        // Apexes well on either side of the line.
        const double nx = -(qy - py), ny = qx - px;
        const double mx = (px + qx) / 2, my = (py + qy) / 2;
        TestDraw t(kSize, kSize);
        for (double side : {1.0, -1.0}) {
            t.add_window_vertex(px, py);
            t.add_window_vertex(qx, qy);
            t.add_window_vertex(std::nearbyint((mx + side * nx) * 256) / 256, std::nearbyint((my + side * ny) * 256) / 256);
        }
        RecordingShader s = render(t.finish());
        for (int v : s.counts)
            ASSERT_LE(v, 1) << "iteration " << iter;
    }
}

TEST(RasterFillRule, FullScreenQuadSplitAlongEitherDiagonalCoversEveryPixelOnce) {
    for (int diagonal = 0; diagonal < 2; ++diagonal) {
        for (const double inset : {0.0, 0.5, 0.25}) {
            TestDraw t(kSize, kSize);
            const double lo = inset, hi = kSize - inset;
            const double xs[4] = {lo, hi, hi, lo}, ys[4] = {lo, lo, hi, hi};
            const int order[2][6] = {{0, 1, 2, 0, 2, 3}, {1, 2, 3, 1, 3, 0}};
            for (int i : order[diagonal])
                t.add_window_vertex(xs[i], ys[i]);
            RecordingShader s = render(t.finish());
            for (int y = 0; y < int(kSize); ++y)
                for (int x = 0; x < int(kSize); ++x) {
                    // Pixel centers on the quad's own top/left edges are in, right/bottom ones out.
                    const double cx = x + 0.5, cy = y + 0.5;
                    const int expected = (cx >= lo && cx < hi && cy >= lo && cy < hi) ? 1 : 0;
                    ASSERT_EQ(s.count(x, y), expected) << diagonal << " " << inset << " " << x << "," << y;
                }
        }
    }
}

TEST(RasterFillRule, FanAroundAPointCoversEachPixelOnce) {
    // A regular polygon fanned around a center on a pixel center (the worst case: every triangle
    // has it as a vertex) and around a random point.
    std::mt19937 rng(3);
    for (int variant = 0; variant < 6; ++variant) {
        const double cx = variant == 0 ? 128.5 : grid(rng, 60, 190), cy = variant == 0 ? 128.5 : grid(rng, 60, 190);
        const int n = 7 + variant * 5;
        TestDraw t(kSize, kSize);
        t.draw.primitives.topology = VK_PRIMITIVE_TOPOLOGY_TRIANGLE_FAN;
        t.add_window_vertex(cx, cy);
        std::vector<std::pair<double, double>> rim;
        for (int i = 0; i <= n; ++i) {
            const double a = 2 * M_PI * (i % n) / n;
            rim.push_back({std::nearbyint((cx + 50 * std::cos(a)) * 256) / 256, std::nearbyint((cy + 50 * std::sin(a)) * 256) / 256});
            t.add_window_vertex(rim.back().first, rim.back().second);
        }
        RecordingShader s = render(t.finish());
        int covered = 0;
        for (int y = 0; y < int(kSize); ++y)
            for (int x = 0; x < int(kSize); ++x) {
                int ref = 0;
                for (int i = 0; i < n; ++i) {
                    const double xs[3] = {rim[i].first, rim[i + 1].first, cx}, ys[3] = {rim[i].second, rim[i + 1].second, cy};
                    ref += test::reference_covers(xs, ys, x, y);
                }
                ASSERT_LE(ref, 1);
                ASSERT_EQ(s.count(x, y), ref) << x << "," << y;
                covered += ref;
            }
        EXPECT_GT(covered, 0.97 * 0.5 * n * 2500 * std::sin(2 * M_PI / n));  // the n-gon's area
        EXPECT_EQ(s.count(int(cx), int(cy)), 1);
    }
}

TEST(RasterCoverage, SmallTrianglesMatchBruteForceReference) {
    std::mt19937 rng(4);
    for (int iter = 0; iter < 2000; ++iter) {
        const double ox = grid(rng, 2, kSize - 12), oy = grid(rng, 2, kSize - 12);
        const double scale = iter % 2 ? 3.0 : 10.0;
        double x[3], y[3];
        TestDraw t(kSize, kSize);
        for (int i = 0; i < 3; ++i) {
            x[i] = ox + grid(rng, 0, scale), y[i] = oy + grid(rng, 0, scale);
            t.add_window_vertex(x[i], y[i]);
        }
        RecordingShader s = render(t.finish());
        for (int py = int(oy) - 1; py < int(oy + scale) + 2; ++py)
            for (int px = int(ox) - 1; px < int(ox + scale) + 2; ++px)
                ASSERT_EQ(s.count(px, py), test::reference_covers(x, y, px, py) ? 1 : 0) << iter << " " << px << "," << py;
    }
}

TEST(RasterCoverage, OffGridVerticesSnapToSubpixels) {
    std::mt19937 rng(5);
    for (int iter = 0; iter < 200; ++iter) {
        double x[3], y[3];
        TestDraw t(kSize, kSize);
        for (int i = 0; i < 3; ++i) {
            x[i] = std::uniform_real_distribution<double>(0, kSize)(rng);
            y[i] = std::uniform_real_distribution<double>(0, kSize)(rng);
            t.add_window_vertex(x[i], y[i]);
            // What the rasterizer sees is the float clip coordinate: take the same window value.
            const float* p = &t.positions[t.positions.size() - 4];
            x[i] = double(p[0]) * 128.0 + 128.0, y[i] = double(p[1]) * 128.0 + 128.0;
        }
        RecordingShader s = render(t.finish());
        for (int py = 0; py < int(kSize); ++py)
            for (int px = 0; px < int(kSize); ++px)
                ASSERT_EQ(s.count(px, py), test::reference_covers(x, y, px, py) ? 1 : 0) << iter;
    }
}

TEST(RasterCoverage, TrianglesCrossingTileEdgesMatchReference) {
    // Vertices near multiples of the tile size, so edges run along and across tile borders.
    std::mt19937 rng(6);
    for (int iter = 0; iter < 200; ++iter) {
        double x[3], y[3];
        TestDraw t(kSize, kSize);
        for (int i = 0; i < 3; ++i) {
            x[i] = kTileSize * double(rng() % 5) + grid(rng, -3, 3);
            y[i] = kTileSize * double(rng() % 5) + grid(rng, -3, 3);
            t.add_window_vertex(x[i], y[i]);
        }
        RecordingShader s = render(t.finish());
        for (int py = 0; py < int(kSize); ++py)
            for (int px = 0; px < int(kSize); ++px)
                ASSERT_EQ(s.count(px, py), test::reference_covers(x, y, px, py) ? 1 : 0) << iter << " " << px << "," << py;
    }
}

TEST(RasterBatches, QuadsOfSeveralTrianglesShareABatchInApiOrder) {
    // 64 one-quad triangles in one tile: batches of 8 quads, each from 8 triangles in order.
    TestDraw t(kSize, kSize);
    for (int i = 0; i < 64; ++i) {
        const double x = 2 * (i % 8), y = 2 * (i / 8);
        t.add_window_vertex(x, y);
        t.add_window_vertex(x, y + 2);
        t.add_window_vertex(x + 2, y);
    }
    RecordingShader s(kSize, kSize);
    std::vector<uint32_t> ids;
    uint32_t batches = 0;
    s.on_batch = [&](const FragmentBatch& in, FragmentOutput&) {
        EXPECT_EQ(in.quad_count, kQuadsPerBatch);
        for (uint32_t q = 0; q < in.quad_count; ++q) {
            EXPECT_EQ((in.coverage >> (4 * q)) & 0xf, 1u);  // centers on the diagonal (a right/bottom edge) are out
            ids.push_back(in.primitive_id[4 * q]);
        }
        ++batches;
    };
    Rasterizer r;
    InlineJobRunner jobs;
    ASSERT_EQ(r.draw(t.finish(), s, jobs), Status::Ok);
    EXPECT_EQ(batches, 8u);
    ASSERT_EQ(ids.size(), 64u);
    for (uint32_t i = 0; i < 64; ++i)
        EXPECT_EQ(ids[i], i);
}

TEST(RasterCoverage, OddFramebufferAndScissorMatchReference) {
    // A framebuffer that is no multiple of the tile or quad size and a scissor at odd offsets: partial
    // tiles and quads half outside the rectangle.
    const uint32_t w = 203, h = 157;
    const int sx0 = 13, sy0 = 7, sx1 = 13 + 171, sy1 = 7 + 139;
    std::mt19937 rng(9);
    for (int iter = 0; iter < 100; ++iter) {
        TestDraw t(w, h);
        t.draw.raster.scissor = {{sx0, sy0}, {uint32_t(sx1 - sx0), uint32_t(sy1 - sy0)}};
        double x[3], y[3];
        for (int i = 0; i < 3; ++i) {
            t.add_window_vertex(std::uniform_real_distribution<double>(-30, w + 30)(rng),
                                std::uniform_real_distribution<double>(-30, h + 30)(rng));
            // The window position the rasterizer computes from the float clip coordinates.
            const float* p = &t.positions[t.positions.size() - 4];
            x[i] = w / 2.0 * double(p[0]) + w / 2.0, y[i] = h / 2.0 * double(p[1]) + h / 2.0;
        }
        RecordingShader s(w, h);
        Rasterizer r;
        InlineJobRunner jobs;
        ASSERT_EQ(r.draw(t.finish(), s, jobs), Status::Ok);
        for (int py = 0; py < int(h); ++py)
            for (int px = 0; px < int(w); ++px) {
                const bool inside = px >= sx0 && px < sx1 && py >= sy0 && py < sy1;
                ASSERT_EQ(s.count(px, py), inside && test::reference_covers(x, y, px, py) ? 1 : 0) << iter << " " << px << "," << py;
            }
    }
}

TEST(RasterCoverage, ScissorAndViewportLimitCoverage) {
    TestDraw t(kSize, kSize);
    t.add_window_vertex(-1000, -1000);
    t.add_window_vertex(3000, -1000);
    t.add_window_vertex(-1000, 3000);
    t.draw.raster.scissor = {{10, 20}, {100, 50}};
    t.draw.raster.viewport = {5.0f, 0.0f, 200.0f, 256.0f, 0, 1};  // x in [5, 205)
    RecordingShader s = render(t.finish());
    for (int y = 0; y < int(kSize); ++y)
        for (int x = 0; x < int(kSize); ++x)
            ASSERT_EQ(s.count(x, y), (x >= 10 && x < 110 && y >= 20 && y < 70) ? 1 : 0);
}

// Coverage of a clip-space triangle: a reference from the same vertices divided by w.
void expect_clipped_matches_reference(const float clip[3][4], uint32_t width_height) {
    TestDraw t(width_height, width_height);
    for (int i = 0; i < 3; ++i)
        t.add_clip_vertex(clip[i][0], clip[i][1], clip[i][2], clip[i][3]);
    RecordingShader s = render(t.finish(), nullptr, width_height);
    double x[3], y[3];
    const double h = width_height / 2.0;
    for (int i = 0; i < 3; ++i)
        x[i] = clip[i][0] / double(clip[i][3]) * h + h, y[i] = clip[i][1] / double(clip[i][3]) * h + h;
    int mismatches = 0, covered = 0;
    for (int py = 0; py < int(width_height); ++py)
        for (int px = 0; px < int(width_height); ++px) {
            const int ref = test::reference_covers(x, y, px, py);
            covered += ref;
            // The clipped polygon's new vertices lie on the original edges up to float rounding far
            // outside the viewport (1/256 pixel at 32768 pixels tilts an edge by ~1e-7): only a pixel
            // center within 1/64 pixel of an edge may go either way.
            double nearest = 1e9;
            for (int i = 0; i < 3; ++i) {
                const int j = (i + 1) % 3;
                const double ex = x[j] - x[i], ey = y[j] - y[i];
                nearest = std::min(nearest, std::fabs(ex * (py + 0.5 - y[i]) - ey * (px + 0.5 - x[i])) / std::hypot(ex, ey));
            }
            if (nearest > 1.0 / 64)
                mismatches += s.count(px, py) != ref;
        }
    EXPECT_EQ(mismatches, 0) << "of " << covered << " covered";
}

TEST(RasterClipping, HugeTrianglesClippedAtTheGuardBandCoverLikeUnclipped) {
    // Vertices ~10^6 pixels away: outside the guard band, so x/y clipping happens.
    const float big[3][4] = {{-5000.0f, -5000.0f, 0.5f, 1}, {8000.0f, -3000.0f, 0.5f, 1}, {-2000.0f, 9000.0f, 0.5f, 1}};
    TestDraw t(kSize, kSize);
    for (auto& v : big)
        t.add_clip_vertex(v[0], v[1], v[2], v[3]);
    Rasterizer r;
    RecordingShader s(kSize, kSize);
    InlineJobRunner jobs;
    ASSERT_EQ(r.draw(t.finish(), s, jobs), Status::Ok);
    EXPECT_EQ(r.last_stats().triangles_clipped, 1u);
    for (int v : s.counts)
        ASSERT_EQ(v, 1);  // the whole viewport is inside
    // Thin ones whose edges cross the viewport.
    const float thin[3][4] = {{-3000.0f, -0.5f, 0.5f, 1}, {3000.0f, 0.2f, 0.5f, 1}, {-3000.0f, 0.3f, 0.5f, 1}};
    expect_clipped_matches_reference(thin, kSize);
}

TEST(RasterClipping, RandomTrianglesReachingPastTheGuardBandCoverLikeTheReference) {
    std::mt19937 rng(8);
    std::uniform_real_distribution<float> far(-2000.0f, 2000.0f), near(-1.5f, 1.5f);
    for (int iter = 0; iter < 40; ++iter) {
        // Two vertices far outside (window coordinates up to 256 000 pixels), one near the viewport.
        const float clip[3][4] = {{far(rng), far(rng), 0.5f, 1}, {far(rng), far(rng), 0.5f, 1}, {near(rng), near(rng), 0.5f, 1}};
        expect_clipped_matches_reference(clip, kSize);
    }
}

TEST(RasterClipping, NearAndFarPlanesClipLikeTheReference) {
    // Crossing z = 0 (near) and z = w (far): the kept part's coverage is the reference's restricted
    // to the depth range, checked through the depth of each covered pixel.
    TestDraw t(kSize, kSize);
    t.add_clip_vertex(-0.8f, -0.8f, -0.5f, 1, {std::bit_cast<uint32_t>(-0.5f)});
    t.add_clip_vertex(0.8f, -0.8f, 1.5f, 1, {std::bit_cast<uint32_t>(1.5f)});
    t.add_clip_vertex(0.0f, 0.8f, 0.5f, 1, {std::bit_cast<uint32_t>(0.5f)});
    RecordingShader s(kSize, kSize);
    int lanes = 0;
    s.on_batch = [&](const FragmentBatch& in, FragmentOutput&) {
        for (uint32_t l = 0; l < 4 * in.quad_count; ++l)
            if (in.coverage & (1u << l)) {
                // z varies only with x here; the varying holds clip z = window z (w = 1).
                EXPECT_GE(in.z[l], 0.0f);
                EXPECT_LE(in.z[l], 1.0f);
                EXPECT_NEAR(std::bit_cast<float>(in.varyings[0][l]), in.z[l], 1e-4);
                ++lanes;
            }
    };
    Rasterizer r;
    InlineJobRunner jobs;
    ASSERT_EQ(r.draw(t.finish(), s, jobs), Status::Ok);
    EXPECT_EQ(r.last_stats().triangles_clipped, 1u);
    // Reference: the unclipped triangle's pixels whose interpolated depth is within [0, 1].
    const double x[3] = {0.2 * 128, 1.8 * 128, 128}, y[3] = {0.2 * 128, 0.2 * 128, 1.8 * 128};
    int mismatches = 0, expected = 0;
    for (int py = 0; py < int(kSize); ++py)
        for (int px = 0; px < int(kSize); ++px) {
            // z is linear in x only: -0.5 at x = 25.6, 1.5 at 230.4, 0.5 at the apex's x = 128.
            const double z = ((px + 0.5) - 25.6) / (230.4 - 25.6) * 2.0 - 0.5;
            const bool ref = test::reference_covers(x, y, px, py) && z >= 0.0 && z <= 1.0;
            expected += ref;
            mismatches += s.count(px, py) != int(ref);
        }
    EXPECT_GT(expected, 5000);
    EXPECT_EQ(mismatches, 0);
    EXPECT_EQ(lanes, expected);
}

TEST(RasterClipping, DepthClampKeepsThePartsBeyondNearAndFar) {
    TestDraw t(kSize, kSize);
    t.add_clip_vertex(-1, -1, -2, 1);
    t.add_clip_vertex(3, -1, 3, 1);
    t.add_clip_vertex(-1, 3, 3, 1);
    t.draw.raster.depth_clamp = true;
    t.draw.raster.viewport.minDepth = 0.25f;
    t.draw.raster.viewport.maxDepth = 0.75f;
    RecordingShader s(kSize, kSize);
    float zmin = 1, zmax = 0;
    s.on_batch = [&](const FragmentBatch& in, FragmentOutput&) {
        for (uint32_t l = 0; l < 4 * in.quad_count; ++l)
            zmin = std::min(zmin, in.z[l]), zmax = std::max(zmax, in.z[l]);
    };
    Rasterizer r;
    InlineJobRunner jobs;
    ASSERT_EQ(r.draw(t.finish(), s, jobs), Status::Ok);
    for (int v : s.counts)
        ASSERT_EQ(v, 1);
    EXPECT_EQ(zmin, 0.25f);
    EXPECT_EQ(zmax, 0.75f);
}

TEST(RasterClipping, TrianglesBehindTheEyeAreClippedAtWZero) {
    // One vertex behind the eye (w < 0): without clipping its projection would flip the triangle.
    const float clip[3][4] = {{-0.5f, -0.5f, 0.5f, 1}, {0.5f, -0.5f, 0.5f, 1}, {0.0f, 2.0f, -1.0f, -1.0f}};
    TestDraw t(kSize, kSize);
    for (auto& v : clip)
        t.add_clip_vertex(v[0], v[1], v[2], v[3]);
    t.draw.raster.depth_clamp = true;  // only the w > 0 plane limits it
    RecordingShader s = render(t.finish());
    // The visible part: between y = 64 (the front edge) and infinity toward +y (the vertex behind
    // the eye projects past it), so the bottom rows are covered around the center.
    EXPECT_EQ(s.count(128, 60), 0);
    EXPECT_EQ(s.count(128, 70), 1);
    EXPECT_EQ(s.count(128, 250), 1);
}

TEST(RasterFacing, CullModesAndFrontFace) {
    // Visually counter-clockwise in y-down framebuffer coordinates: down, then up-right.
    const double ccw[3][2] = {{10, 10}, {10, 50}, {50, 10}};
    for (int reverse = 0; reverse < 2; ++reverse)
        for (VkFrontFace front : {VK_FRONT_FACE_COUNTER_CLOCKWISE, VK_FRONT_FACE_CLOCKWISE})
            for (VkCullModeFlags cull : {VkCullModeFlags(VK_CULL_MODE_NONE), VkCullModeFlags(VK_CULL_MODE_FRONT_BIT),
                                         VkCullModeFlags(VK_CULL_MODE_BACK_BIT), VkCullModeFlags(VK_CULL_MODE_FRONT_AND_BACK)}) {
                TestDraw t(kSize, kSize);
                for (int i = 0; i < 3; ++i) {
                    const auto& v = ccw[reverse ? 2 - i : i];
                    t.add_window_vertex(v[0], v[1]);
                }
                t.draw.raster.front_face = front;
                t.draw.raster.cull_mode = cull;
                const bool is_front = (reverse == 0) == (front == VK_FRONT_FACE_COUNTER_CLOCKWISE);
                const bool culled = (is_front && (cull & VK_CULL_MODE_FRONT_BIT)) || (!is_front && (cull & VK_CULL_MODE_BACK_BIT));
                RecordingShader s(kSize, kSize);
                int lanes = 0;
                s.on_batch = [&](const FragmentBatch& in, FragmentOutput&) {
                    const uint32_t used = uint32_t((uint64_t{1} << (4 * in.quad_count)) - 1);
                    EXPECT_EQ(in.front_facing & used, is_front ? used : 0u);
                    lanes += std::popcount(in.coverage);
                };
                Rasterizer r;
                InlineJobRunner jobs;
                ASSERT_EQ(r.draw(t.finish(), s, jobs), Status::Ok);
                EXPECT_EQ(lanes > 0, !culled) << reverse << " " << front << " " << cull;
            }
}

TEST(RasterFacing, NegativeViewportHeightFlipsYAndFacing) {
    // The same clip-space triangle with a y-flipped viewport lands mirrored and changes facing.
    for (int flip = 0; flip < 2; ++flip) {
        TestDraw t(kSize, kSize);
        t.add_clip_vertex(-0.5f, -0.5f, 0.5f, 1);
        t.add_clip_vertex(-0.5f, 0.0f, 0.5f, 1);
        t.add_clip_vertex(0.0f, -0.5f, 0.5f, 1);
        if (flip)
            t.draw.raster.viewport = {0, float(kSize), float(kSize), -float(kSize), 0, 1};
        RecordingShader s(kSize, kSize);
        uint32_t facing = 0;
        s.on_batch = [&](const FragmentBatch& in, FragmentOutput&) { facing |= in.front_facing & in.coverage; };
        Rasterizer r;
        InlineJobRunner jobs;
        ASSERT_EQ(r.draw(t.finish(), s, jobs), Status::Ok);
        // y_clip = -0.5 maps to window 64 normally, to 192 flipped.
        EXPECT_EQ(s.count(70, flip ? 185 : 70), 1);
        EXPECT_EQ(s.count(70, flip ? 70 : 185), 0);
        EXPECT_EQ(facing != 0, flip == 0);  // CCW on screen when not flipped
    }
}

}  // namespace
}  // namespace kiln::raster
