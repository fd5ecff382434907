// Rasterizer::draw: the front end (assembly, clipping, setup, binning) on the calling thread, then
// the tiles on the job runner.
#include "format/image_layout.h"
#include "raster/assembly.h"
#include "raster/clip.h"
#include "raster/output_merge.h"
#include "raster/raster.h"
#include "raster/setup.h"
#include "raster/tiles.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>

namespace kiln::raster {

struct RasterizerImpl {
    std::vector<AssembledTriangle> assembled;
    std::vector<TriangleSetup> triangles;
    std::vector<Interpolation> interpolation;
    std::vector<uint32_t> busy_tiles;
    std::vector<std::unique_ptr<TileScratch>> scratch;
    TileGrid grid;
    OutputMerger merger;
    DrawStats stats;
};

Rasterizer::Rasterizer() : impl_(std::make_unique<RasterizerImpl>()) {}
Rasterizer::~Rasterizer() = default;

const DrawStats& Rasterizer::last_stats() const { return impl_->stats; }

Status Rasterizer::draw(const Draw& draw, FragmentShader& shader, JobRunner& jobs) {
    RasterizerImpl& m = *impl_;
    m.stats = DrawStats{};
    if (!is_triangle_topology(draw.primitives.topology))
        return Status::UnsupportedTopology;
    const VertexStream& vs = draw.vertices;
    if (vs.varying_words > kMaxVaryingWords)
        return Status::TooManyVaryings;

    const uint32_t samples = draw.raster.samples;
    if (samples != 1 && samples != 4)
        return Status::UnsupportedSampleCount;
    Rect framebuffer{0, 0, INT32_MAX / 2, INT32_MAX / 2};  // narrowed to the attachments' extent
    if (const Status s = m.merger.prepare(draw.output, samples, &framebuffer); s != Status::Ok)
        return s;
    const OutputState& os = draw.output;
    VkFormat depth_format = VK_FORMAT_UNDEFINED;
    if (m.merger.has_depth())
        depth_format = os.depth_stencil.format != VK_FORMAT_UNDEFINED ? os.depth_stencil.format
                                                                       : os.depth_stencil.layout->shape().format;
    const SetupContext ctx = make_setup_context(draw.raster, framebuffer, depth_format);
    if (ctx.rect.empty())
        return Status::Ok;

    m.interpolation.assign(vs.varying_words, Interpolation::Smooth);
    if (vs.interpolation)
        m.interpolation.assign(vs.interpolation, vs.interpolation + vs.varying_words);

    // Front end, in API order.
    assemble_triangles(draw.primitives, vs.vertex_count, m.assembled);
    m.stats.triangles_in = m.assembled.size();
    m.triangles.clear();
    const ClipPlanes planes = clip_planes(draw.raster.viewport.width, draw.raster.viewport.height, draw.raster.depth_clamp);
    for (const AssembledTriangle& tri : m.assembled) {
        ClipVertex v[3];
        uint32_t codes[3];
        for (int i = 0; i < 3; ++i) {
            const float* p = vs.positions + size_t(tri.v[i]) * vs.position_stride;
            for (int c = 0; c < 4; ++c)
                v[i].pos[c] = p[c];
            for (int c = 0; c < 3; ++c)
                v[i].weight[c] = c == i ? 1.0f : 0.0f;
            codes[i] = clip_code(planes, v[i].pos);
        }
        if (codes[0] & codes[1] & codes[2]) {  // all outside one plane
            ++m.stats.triangles_culled;
            continue;
        }
        TriangleSetup setup;
        if (!(codes[0] | codes[1] | codes[2])) {
            if (setup_triangle(ctx, v, false, tri, setup))
                m.triangles.push_back(setup);
            else
                ++m.stats.triangles_culled;
            continue;
        }
        ++m.stats.triangles_clipped;
        ClipVertex poly[kMaxClipVertices];
        const uint32_t n = clip_triangle(planes, codes[0] | codes[1] | codes[2], v, poly);
        for (uint32_t i = 1; i + 1 < n; ++i) {
            const ClipVertex fan[3] = {poly[0], poly[i], poly[i + 1]};
            if (setup_triangle(ctx, fan, true, tri, setup))
                m.triangles.push_back(setup);
        }
    }
    m.stats.triangles_rasterized = m.triangles.size();
    if (m.triangles.empty())
        return Status::Ok;

    int64_t reach = 0;  // how far a pixel's samples lie from its center, for binning
    if (samples == 4)
        for (const auto& p : kStandardSamples4)
            reach = std::max({reach, std::abs(p[0] - kSubpixelOne / 2), std::abs(p[1] - kSubpixelOne / 2)});
    m.grid.reset(ctx.rect, reach);
    for (uint32_t i = 0; i < m.triangles.size(); ++i)
        m.grid.bin(m.triangles[i], i);
    m.busy_tiles.clear();
    for (uint32_t t = 0; t < m.grid.columns * m.grid.rows; ++t)
        if (!m.grid.bins[t].empty())
            m.busy_tiles.push_back(t);

    DrawContext dc;
    dc.triangles = m.triangles.data();
    dc.vertices = &vs;
    dc.interpolation = m.interpolation.data();
    dc.merger = &m.merger;
    dc.shader = &shader;
    const bool tests = m.merger.has_depth_stencil_tests();
    dc.early_tests = tests && os.early_fragment_tests;
    dc.late_tests = tests && !os.early_fragment_tests;
    dc.shader_writes_depth = os.shader_writes_depth;
    dc.z_min = ctx.z_min;
    dc.z_max = ctx.z_max;
    dc.sample_mask = draw.raster.sample_mask;

    const uint32_t workers = std::max(1u, jobs.thread_count());
    while (m.scratch.size() < workers)
        m.scratch.push_back(std::make_unique<TileScratch>());
    for (uint32_t w = 0; w < workers; ++w) {
        m.scratch[w]->worker = w;
        m.scratch[w]->batches = m.scratch[w]->quads = 0;
    }
    jobs.run(uint32_t(m.busy_tiles.size()), [&](uint32_t index, uint32_t worker) {
        const uint32_t tile = m.busy_tiles[index];
        if (samples == 4)
            rasterize_tile_4x(dc, m.grid.bins[tile], m.grid.tile_rect(tile), *m.scratch[worker]);
        else
            rasterize_tile(dc, m.grid.bins[tile], m.grid.tile_rect(tile), *m.scratch[worker]);
    });
    for (uint32_t w = 0; w < workers; ++w) {
        m.stats.batches += m.scratch[w]->batches;
        m.stats.quads += m.scratch[w]->quads;
    }
    return Status::Ok;
}

}  // namespace kiln::raster
