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

namespace {

// Vertex `index` of the stream as the clipper sees it: its position, its weight (the unit vector
// `corner`) and its clip distances.
ClipVertex clip_vertex(const VertexStream& vs, uint32_t index, int corner) {
    ClipVertex v;
    const float* p = vs.positions + size_t(index) * vs.position_stride;
    for (int c = 0; c < 4; ++c)
        v.pos[c] = p[c];
    for (int c = 0; c < 3; ++c)
        v.weight[c] = c == corner ? 1.0f : 0.0f;
    for (uint32_t k = 0; k < kMaxDistances; ++k)
        v.distance[k] = k < vs.clip_distance_count ? vs.distances[size_t(index) * vs.distance_stride + k] : 0.0f;
    return v;
}

// "Cull Distances": a primitive whose vertices all have a negative cull distance (the same one) is
// discarded.
bool culled_by_distance(const VertexStream& vs, const uint32_t* vertices, uint32_t count) {
    for (uint32_t k = 0; k < vs.cull_distance_count; ++k) {
        bool all_negative = true;
        for (uint32_t i = 0; i < count && all_negative; ++i)
            all_negative = vs.distances[size_t(vertices[i]) * vs.distance_stride + vs.clip_distance_count + k] < 0.0f;
        if (all_negative)
            return true;
    }
    return false;
}

void setup_triangles(RasterizerImpl& m, const SetupContext& ctx, const ClipPlanes& planes, const VertexStream& vs) {
    for (const AssembledTriangle& tri : m.assembled) {
        if (culled_by_distance(vs, tri.v, 3)) {
            ++m.stats.triangles_culled;
            continue;
        }
        ClipVertex v[3];
        uint32_t codes[3];
        for (int i = 0; i < 3; ++i) {
            v[i] = clip_vertex(vs, tri.v[i], i);
            codes[i] = clip_code(planes, v[i]);
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
}

// Lines (a, b, b): clipped in clip space against the same planes as triangles (the guard band's x
// and y, near/far, w > 0), then set up as the two triangles of their rectangle.
void setup_lines(RasterizerImpl& m, const SetupContext& ctx, const ClipPlanes& planes, const VertexStream& vs) {
    for (const AssembledTriangle& line : m.assembled) {
        if (culled_by_distance(vs, line.v, 2)) {
            ++m.stats.triangles_culled;
            continue;
        }
        ClipVertex v[2];
        uint32_t codes[2];
        for (int i = 0; i < 2; ++i) {
            v[i] = clip_vertex(vs, line.v[i], i);
            codes[i] = clip_code(planes, v[i]);
        }
        if (codes[0] & codes[1]) {
            ++m.stats.triangles_culled;
            continue;
        }
        ClipVertex ends[2] = {v[0], v[1]};
        const bool clipped = codes[0] | codes[1];
        if (clipped) {
            ++m.stats.triangles_clipped;
            if (!clip_line(planes, codes[0] | codes[1], v, ends))
                continue;
        }
        TriangleSetup setup[2];
        const uint32_t n = setup_line(ctx, ends, clipped, line, setup);
        if (n == 0 && !clipped)
            ++m.stats.triangles_culled;
        m.triangles.insert(m.triangles.end(), setup, setup + n);
    }
}

// Points (p, p, p): kept when their center is inside the view volume, then set up as the two
// triangles of their square (which may reach past the viewport: the pixel rectangle trims it).
void setup_points(RasterizerImpl& m, const SetupContext& ctx, const Draw& draw) {
    const VertexStream& vs = draw.vertices;
    for (const AssembledTriangle& point : m.assembled) {
        const float* p = vs.positions + size_t(point.v[0]) * vs.position_stride;
        const float size = vs.point_sizes ? vs.point_sizes[point.v[0]] : 1.0f;
        // A point goes whole when any clip distance is negative ("Primitive Clipping": points are
        // discarded, not clipped) or its cull distances cull it.
        bool inside = point_in_view_volume(p, draw.raster.depth_clamp) && !culled_by_distance(vs, point.v, 1);
        for (uint32_t k = 0; k < vs.clip_distance_count && inside; ++k)
            inside = vs.distances[size_t(point.v[0]) * vs.distance_stride + k] >= 0.0f;
        TriangleSetup setup[2];
        const uint32_t n = inside ? setup_point(ctx, p, size, point, setup) : 0;
        if (n == 0)
            ++m.stats.triangles_culled;
        m.triangles.insert(m.triangles.end(), setup, setup + n);
    }
}

}  // namespace

Status Rasterizer::draw(const Draw& draw, FragmentShader& shader, JobRunner& jobs) {
    RasterizerImpl& m = *impl_;
    m.stats = DrawStats{};
    if (!is_supported_topology(draw.primitives.topology))
        return Status::UnsupportedTopology;
    const VertexStream& vs = draw.vertices;
    if (vs.varying_words > kMaxVaryingWords)
        return Status::TooManyVaryings;
    if (vs.clip_distance_count + vs.cull_distance_count > kMaxDistances ||
        (vs.clip_distance_count + vs.cull_distance_count > 0 &&
         (!vs.distances || vs.distance_stride < vs.clip_distance_count + vs.cull_distance_count)))
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
    assemble_primitives(draw.primitives, vs.vertex_count, m.assembled);
    m.stats.triangles_in = m.assembled.size();
    m.triangles.clear();
    ClipPlanes planes = clip_planes(draw.raster.viewport.width, draw.raster.viewport.height, draw.raster.depth_clamp);
    planes.distance_count = vs.distances ? vs.clip_distance_count : 0;
    const VkPrimitiveTopology topology = draw.primitives.topology;
    if (topology == VK_PRIMITIVE_TOPOLOGY_POINT_LIST)
        setup_points(m, ctx, draw);
    else if (is_line_topology(topology))
        setup_lines(m, ctx, planes, vs);
    else
        setup_triangles(m, ctx, planes, vs);
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
