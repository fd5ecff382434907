// Helpers of the rasterizer unit tests: attachments in host memory, a thread-spawning job runner,
// shaders that record what they were given, and draws built from window-space triangles.
#pragma once

#include "format/image_layout.h"
#include "raster/raster.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstring>
#include <functional>
#include <thread>
#include <vector>

namespace kiln::raster::test {

// One 2D image of `format` in host memory, Kiln's layout.
struct Image {
    format::ImageLayout layout;
    std::vector<std::byte> memory;
    Image(VkFormat format, uint32_t width, uint32_t height) {
        format::ImageShape shape;
        shape.format = format;
        shape.extent = {width, height, 1};
        EXPECT_TRUE(format::ImageLayout::compute(shape, &layout));
        memory.assign(layout.size(), std::byte{0});
    }
    Attachment attachment() { return Attachment{memory.data(), &layout, VK_FORMAT_UNDEFINED, 0, 0}; }
    std::byte* texel(VkImageAspectFlags aspect, uint32_t x, uint32_t y) {
        const auto* p = layout.plane_for(aspect);
        return memory.data() + layout.texel_offset(*p, 0, 0, x, y, 0);
    }
    float depth_f32(uint32_t x, uint32_t y) {
        float v;
        std::memcpy(&v, texel(VK_IMAGE_ASPECT_DEPTH_BIT, x, y), 4);
        return v;
    }
    uint8_t stencil(uint32_t x, uint32_t y) { return uint8_t(*texel(VK_IMAGE_ASPECT_STENCIL_BIT, x, y)); }
    uint32_t word(uint32_t x, uint32_t y) {
        uint32_t v = 0;
        const auto* p = layout.plane_for(VK_IMAGE_ASPECT_COLOR_BIT);
        std::memcpy(&v, texel(VK_IMAGE_ASPECT_COLOR_BIT, x, y), std::min<uint32_t>(4, p->texel_size));
        return v;
    }
};

// Runs jobs on `threads` threads started for each run (the real caller uses exec::WorkerPool).
class ThreadJobRunner final : public JobRunner {
public:
    explicit ThreadJobRunner(uint32_t threads) : threads_(threads) {}
    uint32_t thread_count() const override { return threads_; }
    void run(uint32_t count, const Job& job) override {
        std::atomic<uint32_t> next{0};
        std::vector<std::thread> pool;
        for (uint32_t w = 0; w < threads_; ++w)
            pool.emplace_back([&, w] {
                for (uint32_t i; (i = next.fetch_add(1)) < count;)
                    job(i, w);
            });
        for (auto& t : pool)
            t.join();
    }

private:
    uint32_t threads_;
};

// Shader: FragmentOutput color 0 = the batch's varyings 0..3 (or 0 when fewer), counts every covered
// pixel, and lets a test look at each batch.
class RecordingShader final : public FragmentShader {
public:
    RecordingShader(uint32_t width, uint32_t height) : width(width), height(height), counts(size_t(width) * height) {}
    void shade(const FragmentBatch& in, FragmentOutput& out, uint32_t worker) override {
        EXPECT_LE(in.quad_count, kQuadsPerBatch);
        EXPECT_EQ(in.coverage & ~uint32_t((uint64_t{1} << (4 * in.quad_count)) - 1), 0u);
        for (uint32_t l = 0; l < 4 * in.quad_count; ++l) {
            // Quad layout: (x,y), (x+1,y), (x,y+1), (x+1,y+1), quads on even coordinates.
            const uint32_t q = l & ~3u;
            EXPECT_EQ(in.x[q] % 2, 0);
            EXPECT_EQ(in.y[q] % 2, 0);
            EXPECT_EQ(in.x[l], in.x[q] + int32_t(l & 1));
            EXPECT_EQ(in.y[l], in.y[q] + int32_t((l >> 1) & 1));
            if (in.coverage & (1u << l)) {
                EXPECT_GE(in.x[l], 0);
                EXPECT_GE(in.y[l], 0);
                EXPECT_LT(in.x[l], int32_t(width));
                EXPECT_LT(in.y[l], int32_t(height));
                if (in.x[l] >= 0 && in.y[l] >= 0 && in.x[l] < int32_t(width) && in.y[l] < int32_t(height))
                    ++counts[size_t(in.y[l]) * width + in.x[l]];
            }
            for (uint32_t c = 0; c < 4; ++c)
                out.color[0][c][l] = c < words ? in.varyings[c][l] : 0;
            out.depth[l] = depth_value;
        }
        if (on_batch)
            on_batch(in, out);
    }
    int count(int x, int y) const { return counts[size_t(y) * width + x]; }

    uint32_t width, height;
    uint32_t words = 0;  // varyings copied to color 0
    float depth_value = 0;
    std::vector<int> counts;
    std::function<void(const FragmentBatch&, FragmentOutput&)> on_batch;  // inline runner only
};

// A draw of clip-space vertices over a width x height framebuffer with the viewport, scissor and
// render area covering it.
struct TestDraw {
    std::vector<float> positions;   // x, y, z, w
    std::vector<uint32_t> varyings;
    uint32_t words = 0;
    std::vector<Interpolation> interpolation;
    std::vector<uint32_t> indices;
    Draw draw;

    TestDraw(uint32_t width, uint32_t height) {
        draw.raster.viewport = {0, 0, float(width), float(height), 0, 1};
        draw.raster.scissor = {{0, 0}, {width, height}};
        draw.raster.render_area = draw.raster.scissor;
        draw.primitives.topology = VK_PRIMITIVE_TOPOLOGY_TRIANGLE_LIST;
    }
    // A vertex given in window coordinates (x, y, z in [0, 1]) and clip w.
    void add_window_vertex(double x, double y, double z = 0.5, double w = 1.0, std::vector<float> vary = {}) {
        const VkViewport& vp = draw.raster.viewport;
        const double hx = vp.width / 2.0, hy = vp.height / 2.0;
        positions.push_back(float((x - (vp.x + hx)) / hx * w));
        positions.push_back(float((y - (vp.y + hy)) / hy * w));
        positions.push_back(float(z * w));
        positions.push_back(float(w));
        for (float v : vary)
            varyings.push_back(std::bit_cast<uint32_t>(v));
        words = uint32_t(vary.size());
    }
    void add_clip_vertex(float x, float y, float z, float w, std::vector<uint32_t> vary = {}) {
        positions.insert(positions.end(), {x, y, z, w});
        varyings.insert(varyings.end(), vary.begin(), vary.end());
        words = uint32_t(vary.size());
    }
    const Draw& finish() {
        draw.vertices.positions = positions.data();
        draw.vertices.position_stride = 4;
        draw.vertices.vertex_count = uint32_t(positions.size() / 4);
        draw.vertices.varyings = varyings.data();
        draw.vertices.varying_words = words;
        draw.vertices.varying_stride = words;
        draw.vertices.interpolation = interpolation.empty() ? nullptr : interpolation.data();
        if (!indices.empty()) {
            draw.primitives.indices = indices.data();
            draw.primitives.index_type = VK_INDEX_TYPE_UINT32;
            draw.primitives.count = uint32_t(indices.size());
        } else {
            draw.primitives.count = draw.vertices.vertex_count;
        }
        return draw;
    }
};

// Reference coverage of the pixel center (px + 0.5, py + 0.5) by the triangle with window
// vertices (x[i], y[i]) snapped to 1/256, evaluated in double with the top-left rule.
inline bool reference_covers(const double x[3], const double y[3], int px, int py) {
    double sx[3], sy[3];
    for (int i = 0; i < 3; ++i)
        sx[i] = std::nearbyint(x[i] * 256.0) / 256.0, sy[i] = std::nearbyint(y[i] * 256.0) / 256.0;
    const double area = (sx[1] - sx[0]) * (sy[2] - sy[0]) - (sx[2] - sx[0]) * (sy[1] - sy[0]);
    if (area == 0)
        return false;
    const double cx = px + 0.5, cy = py + 0.5;
    for (int i = 0; i < 3; ++i) {
        const int j = (i + 1) % 3, k = (i + 2) % 3;
        // Inward normal n of edge j -> k; the sample is inside when n . (p - v_j) > 0, and on the
        // edge when the edge is left (n.x > 0) or top (n.x == 0, n.y > 0), y pointing down.
        double nx = -(sy[k] - sy[j]), ny = sx[k] - sx[j];
        if (area < 0)
            nx = -nx, ny = -ny;
        const double e = nx * (cx - sx[j]) + ny * (cy - sy[j]);
        if (e < 0 || (e == 0 && !(nx > 0 || (nx == 0 && ny > 0))))
            return false;
    }
    return true;
}

}  // namespace kiln::raster::test
