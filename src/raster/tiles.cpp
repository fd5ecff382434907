#include "raster/tiles.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdlib>

namespace kiln::raster {

namespace {

constexpr int32_t kTileShift = std::countr_zero(kTileSize);

// Sample coordinate, in subpixel units, of the center of pixel p.
inline int64_t sample(int32_t p) { return int64_t(p) * kSubpixelOne + kSubpixelOne / 2; }

inline int64_t edge_at(const TriangleSetup& t, int i, int32_t x, int32_t y) {
    return t.a[i] * sample(x) + t.b[i] * sample(y) + t.c[i];
}

// Linear barycentrics of vertices 1 and 2 (a line's t, a point's PointCoord) at the centers of the four pixels of quad (qx, qy): exact
// (from the integer edge functions) at the first pixel, one float step of the plane for the others.
// Computed once, as the quad enters the batch: the early tests and the batch's inputs use the same
// values, so the depth tested early is the FragCoord.z the shader sees and what late tests would write.
inline void quad_barycentrics(const TriangleSetup& t, int32_t qx, int32_t qy, float* l1, float* l2) {
    const int64_t X = sample(qx), Y = sample(qy);
    const float b1 = float(double(t.pa[0] * X + t.pb[0] * Y + t.pc[0]) * t.inv_area);
    const float b2 = float(double(t.pa[1] * X + t.pb[1] * Y + t.pc[1]) * t.inv_area);
    l1[0] = b1, l1[1] = b1 + t.dl_dx[0], l1[2] = b1 + t.dl_dy[0], l1[3] = b1 + t.dl_dx[0] + t.dl_dy[0];
    l2[0] = b2, l2[1] = b2 + t.dl_dx[1], l2[2] = b2 + t.dl_dy[1], l2[3] = b2 + t.dl_dx[1] + t.dl_dy[1];
}

inline float window_depth(const DrawContext& d, const TriangleSetup& t, float l1, float l2) {
    return std::clamp(t.z0 + l1 * t.dz1 + l2 * t.dz2, d.z_min, d.z_max);
}

}  // namespace

void TileGrid::reset(const Rect& r, int64_t reach) {
    rect = r;
    sample_reach = reach;
    if (r.empty()) {
        columns = rows = 0;
        return;
    }
    tile_x0 = r.x0 >> kTileShift;
    tile_y0 = r.y0 >> kTileShift;
    columns = uint32_t(((r.x1 - 1) >> kTileShift) - tile_x0 + 1);
    rows = uint32_t(((r.y1 - 1) >> kTileShift) - tile_y0 + 1);
    // resize keeps each bin's capacity from earlier draws: no allocation once warmed up.
    if (bins.size() < size_t(columns) * rows)
        bins.resize(size_t(columns) * rows);
    for (size_t i = 0; i < size_t(columns) * rows; ++i)
        bins[i].clear();
}

Rect TileGrid::tile_rect(uint32_t index) const {
    const int32_t tx = tile_x0 + int32_t(index % columns), ty = tile_y0 + int32_t(index / columns);
    const Rect t{tx << kTileShift, ty << kTileShift, (tx + 1) << kTileShift, (ty + 1) << kTileShift};
    return intersect(t, rect);
}

void TileGrid::bin(const TriangleSetup& tri, uint32_t index) {
    const Rect& b = tri.bbox;
    const int32_t cx0 = (b.x0 >> kTileShift) - tile_x0, cx1 = ((b.x1 - 1) >> kTileShift) - tile_x0;
    const int32_t cy0 = (b.y0 >> kTileShift) - tile_y0, cy1 = ((b.y1 - 1) >> kTileShift) - tile_y0;
    if (cx0 == cx1 && cy0 == cy1) {  // small triangles: one tile, no tests worth doing
        bins[size_t(cy0) * columns + cx0].push_back(index);
        return;
    }
    for (int32_t cy = cy0; cy <= cy1; ++cy) {
        for (int32_t cx = cx0; cx <= cx1; ++cx) {
            const uint32_t tile = uint32_t(cy) * columns + uint32_t(cx);
            const Rect r = intersect(tile_rect(tile), b);
            // E is linear: over the rectangle's sample points its extremes are at corners chosen
            // by the signs of a and b. All maxima >= 0 is needed to cover anything; all minima >= 0
            // means every pixel is covered.
            // With several samples per pixel the extremes move out by the samples' reach.
            bool reject = false, full = true;
            for (int i = 0; i < 3; ++i) {
                const int32_t xmax = tri.a[i] > 0 ? r.x1 - 1 : r.x0, xmin = tri.a[i] > 0 ? r.x0 : r.x1 - 1;
                const int32_t ymax = tri.b[i] > 0 ? r.y1 - 1 : r.y0, ymin = tri.b[i] > 0 ? r.y0 : r.y1 - 1;
                const int64_t reach = sample_reach * (std::abs(tri.a[i]) + std::abs(tri.b[i]));
                if (edge_at(tri, i, xmax, ymax) + reach < 0)
                    reject = true;
                if (edge_at(tri, i, xmin, ymin) - reach < 0)
                    full = false;
            }
            if (!reject)
                bins[tile].push_back(index | (full ? kFullTileBit : 0));
        }
    }
}

namespace {

// Fills the batch's per-lane inputs, shades it, and merges the surviving fragments in lane order
// (which is API order: quads enter the batch in the order of their triangles).
template <bool Multisampled>
void flush(const DrawContext& d, TileScratch& s) {
    FragmentBatch& fb = s.batch;
    const uint32_t quads = fb.quad_count;
    if (quads == 0)
        return;
    const VertexStream& vs = *d.vertices;
    const uint32_t words = vs.varying_words;
    fb.front_facing = 0;
    for (uint32_t q = 0; q < quads;) {
        // A run of quads of one triangle shares its vertex data.
        const uint32_t ti = s.quad_triangle[q];
        uint32_t end = q + 1;
        while (end < quads && s.quad_triangle[end] == ti)
            ++end;
        const TriangleSetup& t = d.triangles[ti];
        const uint32_t lane0 = q * 4, lane1 = end * 4;
        if (t.front_facing)
            fb.front_facing |= uint32_t((uint64_t{1} << lane1) - (uint64_t{1} << lane0));
        // The linear barycentrics were written when the quads entered the batch.
        float* l1 = fb.bary_linear[0];
        float* l2 = fb.bary_linear[1];
        float* p1 = fb.bary_perspective[0];
        float* p2 = fb.bary_perspective[1];
        const float iw0 = t.iw[0], iw1 = t.iw[1], iw2 = t.iw[2];
        for (uint32_t l = lane0; l < lane1; ++l) {  // plain float arithmetic: vectorized
            // "Barycentric Interpolation": 1/w is linear in screen space; dividing by it makes the
            // weights perspective-correct.
            const float iw = iw0 + l1[l] * (iw1 - iw0) + l2[l] * (iw2 - iw0);
            const float rcp = 1.0f / iw;
            p1[l] = l1[l] * iw1 * rcp;
            p2[l] = l2[l] * iw2 * rcp;
            fb.inv_w[l] = iw;
            fb.z[l] = window_depth(d, t, l1[l], l2[l]);
            fb.primitive_id[l] = t.primitive_id;
        }
        if (t.clipped) {
            // Back to the original triangle: the fan vertices are weighted sums of its vertices.
            const auto& m = t.weight;
            for (uint32_t l = lane0; l < lane1; ++l) {
                const float s1 = l1[l], s2 = l2[l], s0 = 1.0f - s1 - s2;
                const float q1 = p1[l], q2 = p2[l], q0 = 1.0f - q1 - q2;
                l1[l] = s0 * m[0][1] + s1 * m[1][1] + s2 * m[2][1];
                l2[l] = s0 * m[0][2] + s1 * m[1][2] + s2 * m[2][2];
                p1[l] = q0 * m[0][1] + q1 * m[1][1] + q2 * m[2][1];
                p2[l] = q0 * m[0][2] + q1 * m[1][2] + q2 * m[2][2];
            }
        }
        const uint32_t* v0 = vs.varyings + size_t(t.v[0]) * vs.varying_stride;
        const uint32_t* v1 = vs.varyings + size_t(t.v[1]) * vs.varying_stride;
        const uint32_t* v2 = vs.varyings + size_t(t.v[2]) * vs.varying_stride;
        for (uint32_t w = 0; w < words; ++w) {
            uint32_t* row = fb.varyings[w];
            const Interpolation mode = d.interpolation[w];
            if (mode == Interpolation::Flat) {  // the provoking vertex's bits ("Flat Interpolation")
                for (uint32_t l = lane0; l < lane1; ++l)
                    row[l] = v0[w];
                continue;
            }
            const float* b1 = mode == Interpolation::Smooth ? fb.bary_perspective[0] : fb.bary_linear[0];
            const float* b2 = mode == Interpolation::Smooth ? fb.bary_perspective[1] : fb.bary_linear[1];
            const float a0 = std::bit_cast<float>(v0[w]);
            const float d1 = std::bit_cast<float>(v1[w]) - a0, d2 = std::bit_cast<float>(v2[w]) - a0;
            // a0 + b1 (a1 - a0) + b2 (a2 - a0): a varying equal at the three vertices stays exact.
            for (uint32_t l = lane0; l < lane1; ++l)
                row[l] = std::bit_cast<uint32_t>(a0 + b1[l] * d1 + b2[l] * d2);
        }
        q = end;
    }

    FragmentOutput& out = s.output;
    out.alive = fb.coverage;
    d.shader->shade(fb, out, s.worker);
    if constexpr (Multisampled)
        d.merger->merge_batch_4x(fb, out, fb.coverage & out.alive, d.late_tests, d.shader_writes_depth,
                                 s.sample_coverage, s.sample_z);
    else
        d.merger->merge_batch(fb, out, fb.coverage & out.alive, d.late_tests, d.shader_writes_depth);
    ++s.batches;
    s.quads += quads;
    fb.quad_count = 0;
    fb.coverage = 0;
}

}  // namespace

void rasterize_tile(const DrawContext& d, const std::vector<uint32_t>& bin, const Rect& tile, TileScratch& s) {
    FragmentBatch& fb = s.batch;
    fb.quad_count = 0;
    fb.coverage = 0;
    const size_t entries = bin.size();
    for (size_t e = 0; e < entries; ++e) {
        const uint32_t entry = bin[e];
        // Bins of many small triangles jump through the triangle array: fetch ahead.
        if (e + 2 < entries) {
            const char* ahead = reinterpret_cast<const char*>(&d.triangles[bin[e + 2] & ~kFullTileBit]);
            for (size_t line = 0; line < sizeof(TriangleSetup); line += 64)
                __builtin_prefetch(ahead + line);
        }
        if (e + 1 < entries && d.vertices->varying_words) {
            // And the next triangle's varyings (its record was fetched ahead an entry ago).
            const TriangleSetup& next = d.triangles[bin[e + 1] & ~kFullTileBit];
            const VertexStream& vs = *d.vertices;
            for (int i = 0; i < 3; ++i) {
                const char* words = reinterpret_cast<const char*>(vs.varyings + size_t(next.v[i]) * vs.varying_stride);
                for (size_t line = 0; line < vs.varying_words * sizeof(uint32_t); line += 64)
                    __builtin_prefetch(words + line);
            }
        }
        const uint32_t ti = entry & ~kFullTileBit;
        const bool full = entry & kFullTileBit;
        const TriangleSetup& t = d.triangles[ti];
        const Rect r = intersect(t.bbox, tile);
        // Quads sit on even coordinates, so a pixel is in the same quad for every triangle.
        const int32_t qx0 = r.x0 & ~1, qy0 = r.y0 & ~1;
        const int64_t step_x = 2 * kSubpixelOne * t.a[0], step_x1 = 2 * kSubpixelOne * t.a[1],
                      step_x2 = 2 * kSubpixelOne * t.a[2];
        const int64_t ox[3] = {kSubpixelOne * t.a[0], kSubpixelOne * t.a[1], kSubpixelOne * t.a[2]};
        const int64_t oy[3] = {kSubpixelOne * t.b[0], kSubpixelOne * t.b[1], kSubpixelOne * t.b[2]};
        for (int32_t qy = qy0; qy < r.y1; qy += 2) {
            // Rows of the quad inside the rectangle: bits 0-1 for y, 2-3 for y + 1.
            uint32_t row_mask = 0xf;
            if (qy < r.y0)
                row_mask &= 0xc;
            if (qy + 1 >= r.y1)
                row_mask &= 0x3;
            // Edge values at the quad's first pixel, stepped by two pixels along the row.
            int64_t e0 = edge_at(t, 0, qx0, qy), e1 = edge_at(t, 1, qx0, qy), e2 = edge_at(t, 2, qx0, qy);
            for (int32_t qx = qx0; qx < r.x1; qx += 2, e0 += step_x, e1 += step_x1, e2 += step_x2) {
                uint32_t mask = row_mask;
                if (qx < r.x0)
                    mask &= 0xa;
                if (qx + 1 >= r.x1)
                    mask &= 0x5;
                if (!full) {
                    // Covered when no edge value is negative: the sign bit of their OR.
                    const int64_t c0 = e0 | e1 | e2;
                    const int64_t c1 = (e0 + ox[0]) | (e1 + ox[1]) | (e2 + ox[2]);
                    const int64_t c2 = (e0 + oy[0]) | (e1 + oy[1]) | (e2 + oy[2]);
                    const int64_t c3 = (e0 + ox[0] + oy[0]) | (e1 + ox[1] + oy[1]) | (e2 + ox[2] + oy[2]);
                    mask &= uint32_t(c0 >= 0) | uint32_t(c1 >= 0) << 1 | uint32_t(c2 >= 0) << 2 | uint32_t(c3 >= 0) << 3;
                    // Past the triangle's right side: an edge that only falls toward +x is already
                    // negative at this quad's left column in both rows, so no quad further right
                    // can be covered.
                    if (!mask && ((t.a[0] <= 0 && (e0 & (e0 + oy[0])) < 0) || (t.a[1] <= 0 && (e1 & (e1 + oy[1])) < 0) ||
                                  (t.a[2] <= 0 && (e2 & (e2 + oy[2])) < 0)))
                        break;
                }
                if (!mask)
                    continue;
                const uint32_t q = fb.quad_count;
                const uint32_t l = q * 4;
                float* l1 = fb.bary_linear[0] + l;
                float* l2 = fb.bary_linear[1] + l;
                quad_barycentrics(t, qx, qy, l1, l2);
                if (d.early_tests) {
                    // "Early Fragment Tests": tested and written as the quad enters the batch, in API
                    // order, so a later quad of the same batch on the same pixel sees this one's depth
                    // and stencil, exactly as late tests in lane order would (the shader cannot
                    // discard or change depth when the caller enables this).
                    const float z[4] = {window_depth(d, t, l1[0], l2[0]), window_depth(d, t, l1[1], l2[1]),
                                        window_depth(d, t, l1[2], l2[2]), window_depth(d, t, l1[3], l2[3])};
                    mask = d.merger->test_quad(qx, qy, z, mask, t.front_facing);
                    if (!mask)
                        continue;
                }
                fb.quad_count = q + 1;
                s.quad_triangle[q] = ti;
                fb.x[l] = qx, fb.x[l + 1] = qx + 1, fb.x[l + 2] = qx, fb.x[l + 3] = qx + 1;
                fb.y[l] = qy, fb.y[l + 1] = qy, fb.y[l + 2] = qy + 1, fb.y[l + 3] = qy + 1;
                fb.coverage |= mask << l;
                if (fb.quad_count == kQuadsPerBatch)
                    flush<false>(d, s);
            }
        }
    }
    flush<false>(d, s);
}

void rasterize_tile_4x(const DrawContext& d, const std::vector<uint32_t>& bin, const Rect& tile, TileScratch& s) {
    FragmentBatch& fb = s.batch;
    fb.quad_count = 0;
    fb.coverage = 0;
    const uint32_t sample_mask = d.sample_mask & 0xf;
    const bool tests = d.early_tests || d.late_tests;
    // Each sample's offset from the pixel center, in pixels (for its depth).
    float sdx[4], sdy[4];
    for (int k = 0; k < 4; ++k) {
        sdx[k] = float(kStandardSamples4[k][0] - kSubpixelOne / 2) / float(kSubpixelOne);
        sdy[k] = float(kStandardSamples4[k][1] - kSubpixelOne / 2) / float(kSubpixelOne);
    }
    for (const uint32_t entry : bin) {
        const uint32_t ti = entry & ~kFullTileBit;
        const bool full = entry & kFullTileBit;
        const TriangleSetup& t = d.triangles[ti];
        const Rect r = intersect(t.bbox, tile);
        const int32_t qx0 = r.x0 & ~1, qy0 = r.y0 & ~1;
        // Edge i at sample k of a pixel = its value at the pixel's center + so[k][i] (exact integers,
        // so the fill rule holds per sample as it does per center).
        int64_t so[4][3], so_max[3];
        for (int i = 0; i < 3; ++i) {
            so_max[i] = INT64_MIN;
            for (int k = 0; k < 4; ++k) {
                so[k][i] = t.a[i] * (kStandardSamples4[k][0] - kSubpixelOne / 2) +
                           t.b[i] * (kStandardSamples4[k][1] - kSubpixelOne / 2);
                so_max[i] = std::max(so_max[i], so[k][i]);
            }
        }
        const int64_t ox[3] = {kSubpixelOne * t.a[0], kSubpixelOne * t.a[1], kSubpixelOne * t.a[2]};
        const int64_t oy[3] = {kSubpixelOne * t.b[0], kSubpixelOne * t.b[1], kSubpixelOne * t.b[2]};
        for (int32_t qy = qy0; qy < r.y1; qy += 2) {
            uint32_t row_mask = 0xf;
            if (qy < r.y0)
                row_mask &= 0xc;
            if (qy + 1 >= r.y1)
                row_mask &= 0x3;
            int64_t e[3] = {edge_at(t, 0, qx0, qy), edge_at(t, 1, qx0, qy), edge_at(t, 2, qx0, qy)};
            for (int32_t qx = qx0; qx < r.x1; qx += 2, e[0] += 2 * ox[0], e[1] += 2 * ox[1], e[2] += 2 * ox[2]) {
                uint32_t mask = row_mask;
                if (qx < r.x0)
                    mask &= 0xa;
                if (qx + 1 >= r.x1)
                    mask &= 0x5;
                uint8_t cov[4] = {0, 0, 0, 0};
                uint32_t pixels = 0;
                for (uint32_t p = 0; p < 4; ++p) {
                    if (!(mask & (1u << p)))
                        continue;
                    uint32_t m = 0xf;
                    if (!full) {
                        m = 0;
                        const int64_t px = p & 1, py = p >> 1;
                        const int64_t c0 = e[0] + px * ox[0] + py * oy[0], c1 = e[1] + px * ox[1] + py * oy[1],
                                      c2 = e[2] + px * ox[2] + py * oy[2];
                        for (uint32_t k = 0; k < 4; ++k)
                            m |= uint32_t(((c0 + so[k][0]) | (c1 + so[k][1]) | (c2 + so[k][2])) >= 0) << k;
                    }
                    // "Sample Mask Test".
                    cov[p] = uint8_t(m & sample_mask);
                    pixels |= uint32_t(cov[p] != 0) << p;
                }
                if (!pixels) {
                    // Past the triangle's right side (as in rasterize_tile, with the samples' reach).
                    if (!full && ((t.a[0] <= 0 && e[0] + so_max[0] < 0 && e[0] + oy[0] + so_max[0] < 0) ||
                                  (t.a[1] <= 0 && e[1] + so_max[1] < 0 && e[1] + oy[1] + so_max[1] < 0) ||
                                  (t.a[2] <= 0 && e[2] + so_max[2] < 0 && e[2] + oy[2] + so_max[2] < 0)))
                        break;
                    continue;
                }
                const uint32_t q = fb.quad_count;
                const uint32_t l = q * 4;
                float* l1 = fb.bary_linear[0] + l;
                float* l2 = fb.bary_linear[1] + l;
                quad_barycentrics(t, qx, qy, l1, l2);
                if (tests) {
                    // Depth at each sample's own position ("Depth Test": z of the sample), then
                    // "Early Fragment Tests" per sample.
                    for (uint32_t p = 0; p < 4; ++p) {
                        for (uint32_t k = 0; k < 4; ++k) {
                            if (!(cov[p] & (1u << k)))
                                continue;
                            const float b1 = l1[p] + t.dl_dx[0] * sdx[k] + t.dl_dy[0] * sdy[k];
                            const float b2 = l2[p] + t.dl_dx[1] * sdx[k] + t.dl_dy[1] * sdy[k];
                            const float z = window_depth(d, t, b1, b2);
                            s.sample_z[l + p][k] = z;
                            if (d.early_tests &&
                                !d.merger->test_depth_stencil(qx + int32_t(p & 1), qy + int32_t(p >> 1), z,
                                                              t.front_facing, k))
                                cov[p] &= uint8_t(~(1u << k));
                        }
                        if (!cov[p])
                            pixels &= ~(1u << p);
                    }
                    if (!pixels)
                        continue;
                }
                fb.quad_count = q + 1;
                s.quad_triangle[q] = ti;
                fb.x[l] = qx, fb.x[l + 1] = qx + 1, fb.x[l + 2] = qx, fb.x[l + 3] = qx + 1;
                fb.y[l] = qy, fb.y[l + 1] = qy, fb.y[l + 2] = qy + 1, fb.y[l + 3] = qy + 1;
                for (uint32_t p = 0; p < 4; ++p)
                    s.sample_coverage[l + p] = cov[p];
                fb.coverage |= pixels << l;
                if (fb.quad_count == kQuadsPerBatch)
                    flush<true>(d, s);
            }
        }
    }
    flush<true>(d, s);
}

}  // namespace kiln::raster
