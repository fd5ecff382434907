// Points and lines in the rasterizer core (src/raster): which pixels they cover against host
// references of the spec's square and rectangle, PointCoord, interpolation along a line, clipping,
// strips, and hostile input.
#include "raster/raster.h"
#include "raster_test_util.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace kiln::raster {
namespace {

using test::RecordingShader;
using test::TestDraw;

constexpr uint32_t kSize = 128;

double grid(std::mt19937& rng, double lo, double hi) {
    return std::nearbyint(std::uniform_real_distribution<double>(lo, hi)(rng) * 256.0) / 256.0;
}

struct Lane {
    int x, y;
    float b1, p1, z, vary[2];
    bool covered, front;
};

struct Result {
    RecordingShader shader{kSize, kSize};
    std::vector<Lane> lanes;
    DrawStats stats;
};

Result run(const Draw& draw) {
    Result r;
    r.shader.on_batch = [&](const FragmentBatch& in, FragmentOutput&) {
        for (uint32_t l = 0; l < 4 * in.quad_count; ++l) {
            Lane v{in.x[l], in.y[l], in.bary_linear[0][l], in.bary_perspective[0][l], in.z[l], {0, 0},
                   bool(in.coverage >> l & 1), bool(in.front_facing >> l & 1)};
            for (uint32_t w = 0; w < std::min(2u, draw.vertices.varying_words); ++w)
                v.vary[w] = std::bit_cast<float>(in.varyings[w][l]);
            r.lanes.push_back(v);
        }
    };
    Rasterizer rasterizer;
    InlineJobRunner jobs;
    EXPECT_EQ(rasterizer.draw(draw, r.shader, jobs), Status::Ok);
    r.stats = rasterizer.last_stats();
    return r;
}

// Signed distance of pixel (px, py)'s center from the border of the rectangle of width 1 around
// segment a-b (positive inside): the spec's strict line ("Basic Line Segment Rasterization").
double rectangle_distance(double ax, double ay, double bx, double by, int px, int py) {
    const double cx = px + 0.5, cy = py + 0.5;
    const double dx = bx - ax, dy = by - ay, len = std::hypot(dx, dy);
    const double along = ((cx - ax) * dx + (cy - ay) * dy) / len;
    const double across = std::fabs((cx - ax) * dy - (cy - ay) * dx) / len;
    return std::min({along, len - along, 0.5 - across});
}

TEST(RasterLines, CoverThePixelCentersInsideTheirRectangle) {
    // Random lines of every direction and length: a pixel is covered exactly when its center is
    // inside the width-1 rectangle around the segment. Centers within 1/64 pixel of the border
    // are left out of the check: Kiln snaps the rectangle's corners to 1/256 pixel, as lavapipe does.
    std::mt19937 rng(3);
    int checked = 0, near_border = 0;
    for (int iter = 0; iter < 400; ++iter) {
        const double ax = grid(rng, 2, kSize - 2), ay = grid(rng, 2, kSize - 2);
        double bx = grid(rng, 2, kSize - 2), by = grid(rng, 2, kSize - 2);
        if (iter % 4 == 0)
            bx = ax + std::floor(grid(rng, -40, 40));  // axis-aligned and diagonal ones too
        if (iter % 4 == 1)
            by = ay + std::floor(grid(rng, -40, 40));
        if (iter % 8 == 2)
            by = ay + (bx - ax);
        if (ax == bx && ay == by)
            continue;
        TestDraw t(kSize, kSize);
        t.add_window_vertex(ax, ay);
        t.add_window_vertex(bx, by);
        t.draw.primitives.topology = VK_PRIMITIVE_TOPOLOGY_LINE_LIST;
        const Result r = run(t.finish());
        for (int y = 0; y < int(kSize); ++y)
            for (int x = 0; x < int(kSize); ++x) {
                const double d = rectangle_distance(ax, ay, bx, by, x, y);
                if (std::fabs(d) < 1.0 / 64) {
                    ++near_border;
                    continue;
                }
                ASSERT_EQ(r.shader.count(x, y), d > 0 ? 1 : 0)
                    << "line " << ax << "," << ay << " - " << bx << "," << by << " pixel " << x << "," << y;
                ++checked;
            }
    }
    EXPECT_GT(checked, 1000000);
    EXPECT_LT(near_border, checked / 1000);
}

TEST(RasterLines, AxisAlignedLinesBetweenPixelCentersCoverTheirLengthInPixels) {
    // Ends on pixel centers: the end sides pass through the end pixels' centers, and the top-left
    // rule keeps the left (top) one only, so a line of length n covers n pixels, like a strip's
    // segments that share their ends, each pixel once.
    for (int n : {1, 2, 5, 17, 60}) {
        for (int dir = 0; dir < 4; ++dir) {
            const double x0 = 64.5, y0 = 64.5;
            const double x1 = x0 + (dir == 0 ? n : dir == 1 ? -n : 0), y1 = y0 + (dir == 2 ? n : dir == 3 ? -n : 0);
            TestDraw t(kSize, kSize);
            t.add_window_vertex(x0, y0);
            t.add_window_vertex(x1, y1);
            t.draw.primitives.topology = VK_PRIMITIVE_TOPOLOGY_LINE_LIST;
            const Result r = run(t.finish());
            int total = 0;
            for (int v : r.shader.counts)
                total += v;
            EXPECT_EQ(total, n) << "length " << n << " direction " << dir;
            // The left (top) end pixel is the included one.
            const int lx = int(std::min(x0, x1)), ly = int(std::min(y0, y1));
            EXPECT_EQ(r.shader.count(lx, ly), 1) << "length " << n << " direction " << dir;
        }
    }
}

TEST(RasterLines, XMajorLinesCoverOneOrTwoPixelsPerColumnContiguously) {
    // The rectangle is 1 / cos(angle) <= sqrt(2) pixels tall across each column of an x-major line:
    // every column well inside the ends has one or two covered pixels, one above the other.
    std::mt19937 rng(5);
    for (int iter = 0; iter < 200; ++iter) {
        const double ax = grid(rng, 4, 40), ay = grid(rng, 10, kSize - 10);
        const double bx = grid(rng, 80, kSize - 4), by = ay + grid(rng, -1, 1) * (bx - ax);
        if (by < 1 || by > kSize - 1)
            continue;
        TestDraw t(kSize, kSize);
        t.add_window_vertex(ax, ay);
        t.add_window_vertex(bx, by);
        t.draw.primitives.topology = VK_PRIMITIVE_TOPOLOGY_LINE_STRIP;
        const Result r = run(t.finish());
        for (int x = int(ax) + 2; x < int(bx) - 2; ++x) {
            int count = 0, first = -1, last = -1;
            for (int y = 0; y < int(kSize); ++y)
                if (r.shader.count(x, y)) {
                    EXPECT_EQ(r.shader.count(x, y), 1);
                    ++count;
                    if (first < 0)
                        first = y;
                    last = y;
                }
            ASSERT_TRUE(count == 1 || count == 2) << "column " << x << " has " << count << " pixels, iteration " << iter;
            EXPECT_EQ(last - first + 1, count);
        }
    }
}

TEST(RasterLines, CollinearStripSegmentsCoverEachPixelOnceLikeOneLine) {
    // A strip a -> b -> c along one direction, c - b = 2 (b - a): both rectangles are offset by the
    // same snapped vector, so the end side they share is one edge seen from both sides.
    for (const auto& d : {std::array<double, 2>{5, 2}, {3, 7}, {-6, 1}, {4, -4}, {8, 0}, {0, -9}, {7, 3.25}}) {
        const double ax = 64.25 - 3 * d[0] / 2, ay = 64.125 - 3 * d[1] / 2;
        TestDraw strip(kSize, kSize);
        strip.add_window_vertex(ax, ay);
        strip.add_window_vertex(ax + d[0], ay + d[1]);
        strip.add_window_vertex(ax + 3 * d[0], ay + 3 * d[1]);
        strip.draw.primitives.topology = VK_PRIMITIVE_TOPOLOGY_LINE_STRIP;
        const Result s = run(strip.finish());
        TestDraw one(kSize, kSize);
        one.add_window_vertex(ax, ay);
        one.add_window_vertex(ax + 3 * d[0], ay + 3 * d[1]);
        one.draw.primitives.topology = VK_PRIMITIVE_TOPOLOGY_LINE_LIST;
        const Result o = run(one.finish());
        int differ = 0, total = 0;
        for (size_t i = 0; i < s.shader.counts.size(); ++i) {
            ASSERT_LE(s.shader.counts[i], 1) << "direction " << d[0] << "," << d[1];
            differ += s.shader.counts[i] != o.shader.counts[i];
            total += s.shader.counts[i];
        }
        EXPECT_GT(total, 0);
        // The two are the same rectangle up to the snapping of the offset from one length to the
        // other: at most a pixel whose center is on the border differs.
        EXPECT_LE(differ, 2) << "direction " << d[0] << "," << d[1];
    }
}

TEST(RasterLines, VaryingsArePerspectiveCorrectAlongTheLineDepthLinearFlatFromTheFirst) {
    std::mt19937 rng(9);
    for (int iter = 0; iter < 30; ++iter) {
        const double ax = grid(rng, 4, kSize - 4), ay = grid(rng, 4, kSize - 4);
        const double bx = grid(rng, 4, kSize - 4), by = grid(rng, 4, kSize - 4);
        if (std::hypot(bx - ax, by - ay) < 8)
            continue;
        const double za = 0.2, zb = 0.7, wa = 1.0, wb = 5.0, fa = -3, fb = 9;
        TestDraw t(kSize, kSize);
        t.add_window_vertex(ax, ay, za, wa, {float(fa), 11.0f});
        t.add_window_vertex(bx, by, zb, wb, {float(fb), 22.0f});
        t.interpolation = {Interpolation::Smooth, Interpolation::Flat};
        t.draw.primitives.topology = VK_PRIMITIVE_TOPOLOGY_LINE_LIST;
        const Result r = run(t.finish());
        int covered = 0;
        for (const Lane& l : r.lanes) {
            // t of the center's projection on the segment (helpers too: their values extrapolate
            // the line's, so derivatives across a quad are the line's).
            const double cx = l.x + 0.5, cy = l.y + 0.5;
            const double tt = ((cx - ax) * (bx - ax) + (cy - ay) * (by - ay)) / ((bx - ax) * (bx - ax) + (by - ay) * (by - ay));
            EXPECT_NEAR(l.b1, tt, 1e-4);
            const double persp = (tt / wb) / ((1 - tt) / wa + tt / wb);
            EXPECT_NEAR(l.vary[0], fa + persp * (fb - fa), 2e-3);
            EXPECT_NEAR(l.z, za + tt * (zb - za), 1e-5);
            EXPECT_EQ(l.vary[1], 11.0f);
            EXPECT_TRUE(l.front);
            covered += l.covered;
        }
        EXPECT_GT(covered, 0);
    }
}

TEST(RasterLines, ClippedByTheNearPlaneKeepsTheVisiblePartAndItsValues) {
    // a is behind the near plane (z < 0). The visible part, from the crossing c to b, is drawn with
    // the original line's values: it matches the line c - b drawn with c's interpolated values,
    // away from c (where the two compute c in different precisions).
    const float a[4] = {-0.8f, -0.6f, -0.5f, 1.0f}, b[4] = {0.7f, 0.5f, 0.9f, 2.0f};
    const float fa = 1.0f, fb = 5.0f;
    const float u = a[2] / (a[2] - b[2]);  // z = 0
    float c[4];
    for (int i = 0; i < 4; ++i)
        c[i] = a[i] + u * (b[i] - a[i]);
    const float fc = fa + u * (fb - fa);
    TestDraw clipped(kSize, kSize);
    clipped.add_clip_vertex(a[0], a[1], a[2], a[3], {std::bit_cast<uint32_t>(fa)});
    clipped.add_clip_vertex(b[0], b[1], b[2], b[3], {std::bit_cast<uint32_t>(fb)});
    clipped.draw.primitives.topology = VK_PRIMITIVE_TOPOLOGY_LINE_LIST;
    const Result rc = run(clipped.finish());
    EXPECT_EQ(rc.stats.triangles_clipped, 1u);
    TestDraw visible(kSize, kSize);
    visible.add_clip_vertex(c[0], c[1], c[2], c[3], {std::bit_cast<uint32_t>(fc)});
    visible.add_clip_vertex(b[0], b[1], b[2], b[3], {std::bit_cast<uint32_t>(fb)});
    visible.draw.primitives.topology = VK_PRIMITIVE_TOPOLOGY_LINE_LIST;
    const Result rv = run(visible.finish());
    const double cx = (c[0] / c[3] + 1) * kSize / 2, cy = (c[1] / c[3] + 1) * kSize / 2;
    int compared = 0;
    for (int y = 0; y < int(kSize); ++y)
        for (int x = 0; x < int(kSize); ++x) {
            if (std::hypot(x + 0.5 - cx, y + 0.5 - cy) < 1.5)
                continue;
            ASSERT_EQ(rc.shader.count(x, y), rv.shader.count(x, y)) << x << "," << y;
        }
    for (const Lane& l : rc.lanes) {
        if (!l.covered || std::hypot(l.x + 0.5 - cx, l.y + 0.5 - cy) < 1.5)
            continue;
        for (const Lane& m : rv.lanes)
            if (m.covered && m.x == l.x && m.y == l.y) {
                EXPECT_NEAR(l.vary[0], m.vary[0], 1e-4) << l.x << "," << l.y;
                EXPECT_NEAR(l.z, m.z, 1e-6);
                ++compared;
            }
    }
    EXPECT_GT(compared, 20);
    // Nothing is drawn past the near plane: every covered pixel is on b's side of c.
    const double bxw = (b[0] / b[3] + 1) * kSize / 2;
    for (const Lane& l : rc.lanes) {
        if (l.covered) {
            EXPECT_GE(l.x + 1.0, std::min(cx, bxw));
        }
    }
}

TEST(RasterLines, LinesOutsideTheViewVolumeOrBehindTheEyeDrawNothing) {
    TestDraw t(kSize, kSize);
    t.add_clip_vertex(2.0f, 0.0f, 0.5f, 1.0f);  // right of the viewport
    t.add_clip_vertex(3.0f, 0.5f, 0.5f, 1.0f);
    t.add_clip_vertex(0.0f, 0.0f, 0.5f, -1.0f);  // behind the eye
    t.add_clip_vertex(0.5f, 0.5f, 0.5f, -2.0f);
    t.add_clip_vertex(0.0f, 0.0f, 1.5f, 1.0f);  // beyond the far plane
    t.add_clip_vertex(0.5f, 0.5f, 1.2f, 1.0f);
    t.draw.primitives.topology = VK_PRIMITIVE_TOPOLOGY_LINE_LIST;
    const Result r = run(t.finish());
    for (int v : r.shader.counts)
        ASSERT_EQ(v, 0);
    EXPECT_EQ(r.stats.triangles_culled, 3u);
}

// A point list of window-space centers and sizes.
struct PointDraw {
    TestDraw t{kSize, kSize};
    std::vector<float> sizes;
    void add(double x, double y, float size, std::vector<float> vary = {}) {
        t.add_window_vertex(x, y, 0.25, 2.0, vary);
        sizes.push_back(size);
    }
    const Draw& finish() {
        t.draw.primitives.topology = VK_PRIMITIVE_TOPOLOGY_POINT_LIST;
        t.finish();
        t.draw.vertices.point_sizes = sizes.data();
        return t.draw;
    }
};

TEST(RasterPoints, CoverThePixelCentersInTheirSquareTopLeftRule) {
    // "Basic Point Rasterization": the pixels whose centers lie in the square of side PointSize
    // centered on the point. With the corners snapped to 1/256 pixel a center on the left or top
    // side is in, on the right or bottom side out, so a point of integer size n covers n x n pixels.
    std::mt19937 rng(4);
    for (int iter = 0; iter < 300; ++iter) {
        const float size = iter < 40 ? float(1 + iter % 8) : float(grid(rng, 1, 12));
        double cx = grid(rng, 10, kSize - 10), cy = grid(rng, 10, kSize - 10);
        if (iter % 3 == 0)
            cx = std::floor(cx) + 0.5, cy = std::floor(cy) + 0.5;  // on a pixel center
        else if (iter % 3 == 1)
            cx = std::floor(cx), cy = std::floor(cy);  // on a pixel corner
        PointDraw p;
        p.add(cx, cy, size);
        const Result r = run(p.finish());
        const int64_t side = std::llround(double(size) * 256);
        const int64_t x0 = std::llround(cx * 256) - side / 2, y0 = std::llround(cy * 256) - side / 2;
        int total = 0;
        for (int y = 0; y < int(kSize); ++y)
            for (int x = 0; x < int(kSize); ++x) {
                const int64_t sx = int64_t(x) * 256 + 128, sy = int64_t(y) * 256 + 128;
                const bool in = sx >= x0 && sx < x0 + side && sy >= y0 && sy < y0 + side;
                ASSERT_EQ(r.shader.count(x, y), in ? 1 : 0)
                    << "size " << size << " center " << cx << "," << cy << " pixel " << x << "," << y;
                total += in;
            }
        if (size == std::floor(size)) {
            EXPECT_EQ(total, int(size * size)) << "size " << size << " center " << cx << "," << cy;
        }
    }
}

TEST(RasterPoints, PointCoordRunsFromTheTopLeftCornerAndValuesAreTheVertexs) {
    PointDraw p;
    p.add(40.5, 50.5, 6.0f, {1.25f, -7.5f});
    p.add(90.0, 20.0, 3.5f, {2.0f, 3.0f});
    const Result r = run(p.finish());
    int covered = 0;
    for (const Lane& l : r.lanes) {
        const bool first = l.x < 64;
        const double cx = first ? 40.5 : 90.0, size = first ? 6.0 : 3.5;
        // s = 1/2 + (x_f - x_d) / size (helpers extrapolate it).
        EXPECT_NEAR(l.b1, 0.5 + (l.x + 0.5 - cx) / size, 1e-5) << l.x << "," << l.y;
        EXPECT_EQ(l.vary[0], first ? 1.25f : 2.0f);
        EXPECT_EQ(l.vary[1], first ? -7.5f : 3.0f);
        EXPECT_EQ(l.z, 0.25f);
        EXPECT_TRUE(l.front);
        if (l.covered) {
            ++covered;
            EXPECT_GE(l.b1, 0.0f);  // the left side is inclusive: s = 0 on it
            EXPECT_LT(l.b1, 1.0f);
        }
    }
    EXPECT_EQ(covered, 36 + 16);  // 3.5 around a pixel corner: the centers at +-0.5 and +-1.5 are inside +-1.75
}

TEST(RasterPoints, AreClippedByTheirCenterAndTrimmedByTheViewport) {
    PointDraw p;
    p.add(kSize + 0.25, 64.5, 9.0f);  // center right of the viewport: culled though its square overlaps it
    p.add(kSize - 0.5, 20.5, 9.0f);   // center inside: the left half of its square is drawn
    p.add(-0.01, 100.5, 5.0f);        // center just left of the viewport: culled
    const Result r = run(p.finish());
    int total = 0;
    for (int v : r.shader.counts)
        total += v;
    EXPECT_EQ(total, 5 * 9);
    EXPECT_EQ(r.shader.count(kSize - 1, 20), 1);
    EXPECT_EQ(r.shader.count(kSize - 5, 20), 1);
    EXPECT_EQ(r.shader.count(kSize - 6, 20), 0);
    EXPECT_EQ(r.stats.triangles_culled, 2u);
    // Near and far: culled unless depth clamp keeps them.
    for (bool clamp : {false, true}) {
        TestDraw t(kSize, kSize);
        t.add_clip_vertex(0, 0, -0.1f, 1);
        t.add_clip_vertex(0.5f, 0.5f, 1.1f, 1);
        t.draw.primitives.topology = VK_PRIMITIVE_TOPOLOGY_POINT_LIST;
        t.draw.raster.depth_clamp = clamp;
        const Result rz = run(t.finish());
        int n = 0;
        for (int v : rz.shader.counts)
            n += v;
        EXPECT_EQ(n, clamp ? 2 : 0);
    }
}

TEST(RasterPoints, SizesAreClampedToTheReportedRange) {
    const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
    struct Case {
        float size;
        int pixels;
    };
    for (const Case c : {Case{0.0f, 1}, Case{-3.0f, 1}, Case{nan, 1}, Case{0.5f, 1}, Case{inf, int(kSize * kSize)},
                         Case{5000.0f, int(kSize * kSize)}, Case{kMaxPointSize, int(kSize * kSize)}}) {
        PointDraw p;
        p.add(64.5, 64.5, c.size);
        const Result r = run(p.finish());
        int total = 0;
        for (int v : r.shader.counts)
            total += v;
        EXPECT_EQ(total, c.pixels) << "size " << c.size;
    }
    // Without PointSize (NULL sizes) a point is 1 pixel.
    TestDraw t(kSize, kSize);
    t.add_window_vertex(10.5, 10.5);
    t.draw.primitives.topology = VK_PRIMITIVE_TOPOLOGY_POINT_LIST;
    const Result r = run(t.finish());
    EXPECT_EQ(r.shader.count(10, 10), 1);
}

TEST(RasterLines, ManyThreadsGiveTheSingleThreadedResult) {
    // Long lines and big points cross many 64x64 tiles: the halves of their rectangles and squares
    // are binned like triangles, and every worker sees the same pixels.
    std::mt19937 rng(12);
    for (VkPrimitiveTopology topology : {VK_PRIMITIVE_TOPOLOGY_LINE_STRIP, VK_PRIMITIVE_TOPOLOGY_POINT_LIST}) {
        TestDraw t(kSize, kSize);
        std::vector<float> sizes;
        for (int i = 0; i < 300; ++i) {
            t.add_window_vertex(grid(rng, -10, kSize + 10), grid(rng, -10, kSize + 10));
            sizes.push_back(float(grid(rng, 1, 40)));
        }
        t.draw.primitives.topology = topology;
        t.finish();
        t.draw.vertices.point_sizes = sizes.data();
        RecordingShader one(kSize, kSize), many(kSize, kSize);
        Rasterizer r;
        InlineJobRunner inline_jobs;
        test::ThreadJobRunner threads(4);
        ASSERT_EQ(r.draw(t.draw, one, inline_jobs), Status::Ok);
        ASSERT_EQ(r.draw(t.draw, many, threads), Status::Ok);
        EXPECT_EQ(one.counts, many.counts) << topology;
        int total = 0;
        for (int v : one.counts)
            total += v;
        EXPECT_GT(total, 1000) << topology;
    }
}

TEST(RasterHostile, NaNInfiniteAndZeroLengthPointsAndLinesDoNotCrash) {
    const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
    const float bad[][4] = {{nan, 0, 0.5f, 1}, {0, inf, 0.5f, 1}, {0, 0, nan, 1}, {0, 0, 0.5f, nan},
                            {inf, -inf, 0.5f, inf}, {1e30f, 1e30f, 0.5f, 1e-30f}, {0, 0, 0.5f, 0}};
    for (VkPrimitiveTopology topology :
         {VK_PRIMITIVE_TOPOLOGY_POINT_LIST, VK_PRIMITIVE_TOPOLOGY_LINE_LIST, VK_PRIMITIVE_TOPOLOGY_LINE_STRIP}) {
        TestDraw t(kSize, kSize);
        for (const auto& p : bad) {
            t.add_clip_vertex(p[0], p[1], p[2], p[3]);
            t.add_clip_vertex(0.1f, 0.2f, 0.5f, 1);
        }
        t.draw.primitives.topology = topology;
        const Result r = run(t.finish());
        for (const Lane& l : r.lanes) {
            if (l.covered) {
                ASSERT_TRUE(std::isfinite(l.z) && std::isfinite(l.b1));
            }
        }
        if (topology == VK_PRIMITIVE_TOPOLOGY_POINT_LIST) {
            // Every bad point is culled by the view volume test; the good ones are one pixel each.
            EXPECT_EQ(r.shader.count(70, 76), 7);
            int total = 0;
            for (int v : r.shader.counts)
                total += v;
            EXPECT_EQ(total, 7);
        }
    }
    // Zero-length lines, on a pixel center and off it: no rectangle, no fragment (lavapipe too).
    TestDraw t(kSize, kSize);
    for (float x : {0.0f, 0.013f, 0.0f, 0.013f})
        t.add_clip_vertex(x, 0.27f, 0.5f, 1);
    t.indices = {0, 2, 1, 3};
    t.draw.primitives.topology = VK_PRIMITIVE_TOPOLOGY_LINE_LIST;
    const Result r = run(t.finish());
    for (int v : r.shader.counts)
        ASSERT_EQ(v, 0);
}

}  // namespace
}  // namespace kiln::raster
