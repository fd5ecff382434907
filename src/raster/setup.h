// Triangle setup (Vulkan spec, "Rasterization"): division by w, the viewport transform, facing and
// culling, depth bias, and the fixed-point edge equations the tile walker steps.
//
// Conventions:
//  * Framebuffer coordinates are y-down: pixel (x, y) covers [x, x+1) x [y, y+1), its one sample is
//    at the center (x + 0.5, y + 0.5).
//  * Vertices are snapped to 1/256 pixel (subPixelPrecisionBits = 8); a sample's coordinate in these
//    units is X = 256 x + 128. Edge functions E = a X + b Y + c are exact in int64 (clip.h's guard band
//    bounds X and Y to 25 bits), so shared edges are evaluated identically from both sides.
//  * Fill rule ("Polygon Rasterization" leaves ties to the implementation as long as adjacent
//    triangles cover a sample exactly once): top-left. A sample exactly on an edge is covered when the
//    edge is a left edge (the inside is toward +x: a > 0) or a top edge (horizontal, the inside is
//    below it, toward +y: a == 0 && b > 0). This is folded into c (-1 for other edges), so coverage
//    is E >= 0 for all three edges.
#pragma once

#include "raster/assembly.h"
#include "raster/clip.h"
#include "raster/raster.h"

#include <cstdint>

namespace kiln::raster {

inline constexpr int kSubpixelBits = 8;
inline constexpr int64_t kSubpixelOne = int64_t{1} << kSubpixelBits;

// Pixels [x0, x1) x [y0, y1).
struct Rect {
    int32_t x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    bool empty() const { return x0 >= x1 || y0 >= y1; }
};

inline Rect intersect(const Rect& a, const Rect& b) {
    return {a.x0 > b.x0 ? a.x0 : b.x0, a.y0 > b.y0 ? a.y0 : b.y0, a.x1 < b.x1 ? a.x1 : b.x1, a.y1 < b.y1 ? a.y1 : b.y1};
}

// The state setup needs, derived once per draw.
struct SetupContext {
    double ox = 0, oy = 0, half_width = 0, half_height = 0;  // "Coordinate Transformations"
    double pz = 0, oz = 0;                                    // z_f = pz * z_d + oz
    Rect rect;  // pixels that may be written: scissor, render area, viewport, attachments
    VkCullModeFlags cull_mode = VK_CULL_MODE_NONE;
    bool front_is_ccw = true;
    bool depth_bias = false;
    float bias_constant = 0, bias_slope = 0, bias_clamp = 0;
    int bias_unorm_bits = 0;  // n of a UNORM depth attachment, 0 for float (or none)
    float z_min = 0, z_max = 0;  // the depth clamp range; +-infinity without depth clamp
    // The extreme sample offsets within a pixel, in subpixel units (128 and 128 for the center
    // alone): the bounding box takes every pixel one of whose samples may be covered.
    int64_t sample_lo = kSubpixelOne / 2, sample_hi = kSubpixelOne / 2;
};

// `depth_format`: the depth attachment's format (UNDEFINED without one), for depth bias's r.
SetupContext make_setup_context(const RasterState& state, const Rect& framebuffer, VkFormat depth_format);

// Points and lines are set up as two triangles each, the halves of their square or rectangle, whose
// barycentric planes (pa, pb, pc) are not their edges but the point's PointCoord or the line's t.
struct TriangleSetup {
    int64_t a[3], b[3], c[3];  // edge i is opposite vertex i; covered when every a X + b Y + c >= 0
    Rect bbox;                 // the pixels that may be covered, inside SetupContext::rect
    // Linear barycentric i (of vertex i + 1) at sample (X, Y): (pa[i] X + pb[i] Y + pc[i]) * inv_area.
    // Triangles: edges 1 and 2.
    int64_t pa[2], pb[2], pc[2];
    double inv_area;
    float dl_dx[2], dl_dy[2];  // steps of the linear barycentrics of vertices 1 and 2 per pixel
    float z0, dz1, dz2;        // window depth, bias included: z0 + l1 dz1 + l2 dz2
    float iw[3];               // 1 / clip w of the three vertices
    float weight[3][3];        // vertex k's weights of the original triangle (clip.h)
    bool clipped;              // weight is not the identity
    bool front_facing;
    uint32_t v[3];             // the original triangle's vertices; v[0] provoking
    uint32_t primitive_id;
};

// Sets up one triangle (an original one, or a fan triangle of a clipped polygon). Returns false when
// it covers nothing: culled, zero area, or outside the rectangle.
bool setup_triangle(const SetupContext& ctx, const ClipVertex vertex[3], bool clipped, const AssembledTriangle& tri,
                    TriangleSetup& out);

// Sets up a line ("Basic Line Segment Rasterization", strictLines: a rectangle of width 1 centered on
// the segment, its sides snapped to the subpixel grid) as two triangles in `out`; returns how many
// (0 for a zero-length line or one outside the rectangle). `end` are the line's ends after
// clipping, `tri` the original line (a, b, b). Lines are front-facing, never culled nor biased.
uint32_t setup_line(const SetupContext& ctx, const ClipVertex end[2], bool clipped, const AssembledTriangle& tri,
                    TriangleSetup out[2]);

// Sets up a point ("Basic Point Rasterization": the square of side `size` centered on it, snapped to the
// subpixel grid; `size` clamped to [kMinPointSize, kMaxPointSize]) as two triangles in `out`.
uint32_t setup_point(const SetupContext& ctx, const float pos[4], float size, const AssembledTriangle& tri,
                     TriangleSetup out[2]);

}  // namespace kiln::raster
