// The rasterizer core (src/raster) alone: no Vulkan, no shader engine. Figures: docs/raster.md.
//
//   build/bench/kiln_raster_bench [--benchmark_filter=REGEX] [any Google Benchmark flag]
//
//   FillRate/<threads>           two triangles covering a 1024 x 1024 B8G8R8A8_UNORM attachment;
//                                pixels per second (items)
//   FillRateDepth/<threads>      the same with a D32_SFLOAT attachment, LESS test and write, which
//                                every pixel passes (the attachment is cleared each iteration)
//   FillRate4x/<threads>         FillRate with 4-sample attachments (rasterizationSamples = 4):
//                                pixels per second (each pixel's four samples written)
//   FillRateDepth4x/<threads>    FillRateDepth with 4 samples: depth tested and written per sample
//   SmallTriangles/<threads>     100 000 triangles of ~8 pixels (legs of 4 pixels) at random spots
//                                of 1024 x 1024; triangles per second (items)
//   SmallTrianglesVaryings/<t>   the same with 8 smooth varying words interpolated per lane
//   CubeFrame/<threads>          vkcube's frame for the core: a perspective cube (36 vertices, back faces
//                                culled, D16_UNORM LESS test and write with early tests, 4 smooth
//                                varying words) in 500 x 500 of the target; frames per second (items),
//                                the color and depth clears not timed
//
// The fragment shader is a trivial callback writing a constant color: what is measured is assembly,
// clipping tests, setup, binning, the quad walk, batching, interpolation and the output merge.
// <threads> 1 runs the tiles inline; more runs them on that many threads (a simple pool here; in
// the driver, exec::WorkerPool).

#include "bench_main.h"
#include "format/image_layout.h"
#include "raster/raster.h"

#include <benchmark/benchmark.h>

#include <atomic>
#include <cmath>
#include <bit>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

namespace {

using namespace kiln::raster;

constexpr uint32_t kSize = 1024;

// A persistent pool: workers wait for a generation, take job indices from an atomic counter.
class Pool final : public JobRunner {
public:
    explicit Pool(uint32_t threads) : threads_(threads) {
        for (uint32_t w = 1; w < threads; ++w)
            workers_.emplace_back([this, w] { loop(w); });
    }
    ~Pool() override {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        wake_.notify_all();
        for (auto& t : workers_)
            t.join();
    }
    uint32_t thread_count() const override { return threads_; }
    void run(uint32_t count, const Job& job) override {
        {
            std::lock_guard lock(mutex_);
            job_ = &job;
            count_ = count;
            next_ = 0;
            active_ = threads_ - 1;
            ++generation_;
        }
        wake_.notify_all();
        drain(0);
        std::unique_lock lock(mutex_);
        done_.wait(lock, [&] { return active_ == 0; });
        job_ = nullptr;
    }

private:
    void drain(uint32_t w) {
        for (uint32_t i; (i = next_.fetch_add(1)) < count_;)
            (*job_)(i, w);
    }
    void loop(uint32_t w) {
        uint64_t seen = 0;
        for (;;) {
            {
                std::unique_lock lock(mutex_);
                wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
                if (stop_)
                    return;
                seen = generation_;
            }
            drain(w);
            std::lock_guard lock(mutex_);
            if (--active_ == 0)
                done_.notify_all();
        }
    }

    uint32_t threads_;
    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_, done_;
    const Job* job_ = nullptr;
    uint32_t count_ = 0, active_ = 0;
    std::atomic<uint32_t> next_{0};
    uint64_t generation_ = 0;
    bool stop_ = false;
};

class ConstantShader final : public FragmentShader {
public:
    void shade(const FragmentBatch& in, FragmentOutput& out, uint32_t) override {
        const uint32_t c[4] = {std::bit_cast<uint32_t>(0.2f), std::bit_cast<uint32_t>(0.5f),
                               std::bit_cast<uint32_t>(0.8f), std::bit_cast<uint32_t>(1.0f)};
        for (uint32_t k = 0; k < 4; ++k)
            for (uint32_t l = 0; l < 4 * in.quad_count; ++l)
                out.color[0][k][l] = c[k];
    }
};

struct Target {
    kiln::format::ImageLayout color_layout, depth_layout;
    std::vector<std::byte> color, depth;
    explicit Target(uint32_t samples = 1) {
        kiln::format::ImageShape shape;
        shape.extent = {kSize, kSize, 1};
        shape.samples = samples;
        shape.format = VK_FORMAT_B8G8R8A8_UNORM;
        kiln::format::ImageLayout::compute(shape, &color_layout);
        shape.format = VK_FORMAT_D32_SFLOAT;
        kiln::format::ImageLayout::compute(shape, &depth_layout);
        color.resize(color_layout.size());
        depth.resize(depth_layout.size());
    }
};

Draw make_draw(Target& target, const std::vector<float>& positions, const std::vector<uint32_t>& varyings,
               uint32_t words, bool depth) {
    Draw d;
    d.vertices.positions = positions.data();
    d.vertices.vertex_count = uint32_t(positions.size() / 4);
    d.vertices.varyings = varyings.data();
    d.vertices.varying_words = words;
    d.vertices.varying_stride = words;
    d.primitives.count = d.vertices.vertex_count;
    d.raster.viewport = {0, 0, float(kSize), float(kSize), 0, 1};
    d.raster.scissor = {{0, 0}, {kSize, kSize}};
    d.raster.render_area = d.raster.scissor;
    d.output.color_count = 1;
    d.output.color[0] = {target.color.data(), &target.color_layout, VK_FORMAT_UNDEFINED, 0, 0};
    if (depth) {
        d.output.depth_stencil = {target.depth.data(), &target.depth_layout, VK_FORMAT_UNDEFINED, 0, 0};
        d.output.depth_test = d.output.depth_write = true;
        d.output.depth_compare = VK_COMPARE_OP_LESS;
        d.output.early_fragment_tests = true;
    }
    return d;
}

void run(benchmark::State& state, const Draw& draw, Target& target, bool clear_depth, uint64_t items) {
    const uint32_t threads = uint32_t(state.range(0));
    Pool pool(threads);
    InlineJobRunner inline_jobs;
    JobRunner& jobs = threads > 1 ? static_cast<JobRunner&>(pool) : inline_jobs;
    Rasterizer r;
    ConstantShader shader;
    const float one = 1.0f;
    for (auto _ : state) {
        if (clear_depth) {
            state.PauseTiming();
            for (size_t i = 0; i < target.depth.size(); i += 4)
                std::memcpy(&target.depth[i], &one, 4);
            state.ResumeTiming();
        }
        if (r.draw(draw, shader, jobs) != Status::Ok)
            state.SkipWithError("draw failed");
    }
    state.SetItemsProcessed(int64_t(state.iterations() * items));
    benchmark::DoNotOptimize(target.color.data());
}

void FillRate(benchmark::State& state, bool depth, uint32_t samples) {
    Target target(samples);
    const std::vector<float> p = {-1, -1, 0.5f, 1, -1, 1, 0.5f, 1, 1, 1, 0.5f, 1,
                                  -1, -1, 0.5f, 1, 1, 1, 0.5f, 1, 1, -1, 0.5f, 1};
    Draw d = make_draw(target, p, {}, 0, depth);
    d.raster.samples = samples;
    run(state, d, target, depth, uint64_t(kSize) * kSize);
}

void SmallTriangles(benchmark::State& state, uint32_t words) {
    Target target;
    std::mt19937 rng(1);
    std::vector<float> p;
    std::vector<uint32_t> v;
    constexpr uint32_t kTriangles = 100000;
    std::uniform_real_distribution<float> pos(-0.99f, 0.99f), z(0.0f, 1.0f);
    const float leg = 4.0f * 2.0f / kSize;  // 4 pixels in NDC
    for (uint32_t i = 0; i < kTriangles; ++i) {
        const float x = pos(rng), y = pos(rng), depth = z(rng);
        const float xs[3] = {x, x, x + leg}, ys[3] = {y, y + leg, y};
        for (int k = 0; k < 3; ++k) {
            p.insert(p.end(), {xs[k], ys[k], depth, 1.0f});
            for (uint32_t w = 0; w < words; ++w)
                v.push_back(std::bit_cast<uint32_t>(float(w + k)));
        }
    }
    const Draw d = make_draw(target, p, v, words, false);
    run(state, d, target, false, kTriangles);
}

void CubeFrame(benchmark::State& state) {
    Target target;
    kiln::format::ImageShape shape;
    shape.extent = {kSize, kSize, 1};
    shape.format = VK_FORMAT_D16_UNORM;
    kiln::format::ImageLayout d16;
    kiln::format::ImageLayout::compute(shape, &d16);
    std::vector<std::byte> depth(d16.size());
    // A unit cube turned 30 degrees about y and 20 about x, 4 units in front of a 45-degree camera.
    const float corners[8][3] = {{-1, -1, -1}, {1, -1, -1}, {-1, 1, -1}, {1, 1, -1},
                                 {-1, -1, 1},  {1, -1, 1},  {-1, 1, 1},  {1, 1, 1}};
    // Faces, counter-clockwise seen from outside.
    const int faces[6][4] = {{0, 2, 3, 1}, {4, 5, 7, 6}, {0, 1, 5, 4}, {2, 6, 7, 3}, {0, 4, 6, 2}, {1, 3, 7, 5}};
    const float cy = std::cos(0.52f), sy = std::sin(0.52f), cx = std::cos(0.35f), sx = std::sin(0.35f);
    const float f = 1.0f / std::tan(0.39f), znear = 0.1f, zfar = 100.0f;
    auto clip = [&](const float* p, std::vector<float>& out) {
        float x = cy * p[0] + sy * p[2], z = -sy * p[0] + cy * p[2], y = p[1];
        const float y2 = cx * y - sx * z, z2 = sx * y + cx * z + 4.0f;  // view space, +z forward
        // Vulkan clip space: y down, depth 0 at near, 1 at far.
        out.insert(out.end(), {f * x, -f * y2, (z2 - znear) * zfar / (zfar - znear), z2});
    };
    std::vector<float> p;
    std::vector<uint32_t> v;
    for (const auto& face : faces)
        for (int k : {0, 1, 2, 0, 2, 3}) {
            clip(corners[face[k]], p);
            for (int w = 0; w < 4; ++w)
                v.push_back(std::bit_cast<uint32_t>(float(face[k] & (1 << w) ? 1 : 0)));
        }
    Draw d = make_draw(target, p, v, 4, false);
    d.raster.viewport = {0, 0, 500, 500, 0, 1};
    d.raster.scissor = {{0, 0}, {500, 500}};
    d.raster.render_area = d.raster.scissor;
    d.raster.cull_mode = VK_CULL_MODE_BACK_BIT;
    d.raster.front_face = VK_FRONT_FACE_COUNTER_CLOCKWISE;
    d.output.depth_stencil = {depth.data(), &d16, VK_FORMAT_UNDEFINED, 0, 0};
    d.output.depth_test = d.output.depth_write = true;
    d.output.depth_compare = VK_COMPARE_OP_LESS;
    d.output.early_fragment_tests = true;

    const uint32_t threads = uint32_t(state.range(0));
    Pool pool(threads);
    InlineJobRunner inline_jobs;
    JobRunner& jobs = threads > 1 ? static_cast<JobRunner&>(pool) : inline_jobs;
    Rasterizer r;
    ConstantShader shader;
    uint64_t quads = 0;
    for (auto _ : state) {
        state.PauseTiming();
        std::memset(depth.data(), 0xff, depth.size());
        state.ResumeTiming();
        if (r.draw(d, shader, jobs) != Status::Ok)
            state.SkipWithError("draw failed");
        quads = r.last_stats().quads;
    }
    state.SetItemsProcessed(int64_t(state.iterations()));
    state.counters["quads"] = double(quads);
    state.counters["triangles"] = double(r.last_stats().triangles_rasterized);
}

const int kThreads[] = {1, 2};

}  // namespace

int main(int argc, char** argv) {
    for (int t : kThreads) {
        benchmark::RegisterBenchmark("FillRate", [](benchmark::State& s) { FillRate(s, false, 1); })->Arg(t)->UseRealTime();
        benchmark::RegisterBenchmark("FillRateDepth", [](benchmark::State& s) { FillRate(s, true, 1); })
            ->Arg(t)
            ->UseRealTime();
        benchmark::RegisterBenchmark("FillRate4x", [](benchmark::State& s) { FillRate(s, false, 4); })
            ->Arg(t)
            ->UseRealTime();
        benchmark::RegisterBenchmark("FillRateDepth4x", [](benchmark::State& s) { FillRate(s, true, 4); })
            ->Arg(t)
            ->UseRealTime();
        benchmark::RegisterBenchmark("SmallTriangles", [](benchmark::State& s) { SmallTriangles(s, 0); })->Arg(t)->UseRealTime();
        benchmark::RegisterBenchmark("SmallTrianglesVaryings", [](benchmark::State& s) { SmallTriangles(s, 8); })
            ->Arg(t)
            ->UseRealTime();
        benchmark::RegisterBenchmark("CubeFrame", CubeFrame)->Arg(t)->UseRealTime();
    }
    return kiln::bench::run_benchmarks(argc, argv, {"--benchmark_repetitions=3", "--benchmark_report_aggregates_only=true"},
                                       {{"raster", "Kiln rasterizer core, trivial fragment callback"}});
}
