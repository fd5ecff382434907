#include "raster/setup.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace kiln::raster {

namespace {

Rect rect_of(const VkRect2D& r) {
    const int64_t x1 = int64_t(r.offset.x) + r.extent.width, y1 = int64_t(r.offset.y) + r.extent.height;
    return {r.offset.x, r.offset.y, int32_t(std::min<int64_t>(x1, INT32_MAX)), int32_t(std::min<int64_t>(y1, INT32_MAX))};
}

int64_t floor_div(int64_t a, int64_t b) {
    const int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

}  // namespace

SetupContext make_setup_context(const RasterState& state, const Rect& framebuffer, VkFormat depth_format) {
    SetupContext ctx;
    const VkViewport& vp = state.viewport;
    // "Coordinate Transformations": x_f = (p_x / 2) x_d + o_x with o_x = x + width / 2; a negative
    // height mirrors y about o_y (VK_KHR_maintenance1).
    ctx.half_width = double(vp.width) * 0.5;
    ctx.half_height = double(vp.height) * 0.5;
    ctx.ox = double(vp.x) + ctx.half_width;
    ctx.oy = double(vp.y) + ctx.half_height;
    ctx.pz = double(vp.maxDepth) - double(vp.minDepth);
    ctx.oz = vp.minDepth;
    // Clipping to -w <= x, y <= w keeps exactly the samples inside the viewport's rectangle; with the
    // guard band (clip.h) that is done here: pixels whose center lies within it.
    const double vx0 = std::min(double(vp.x), double(vp.x) + vp.width);
    const double vx1 = std::max(double(vp.x), double(vp.x) + vp.width);
    const double vy0 = std::min(double(vp.y), double(vp.y) + vp.height);
    const double vy1 = std::max(double(vp.y), double(vp.y) + vp.height);
    const Rect viewport{int32_t(std::ceil(vx0 - 0.5)), int32_t(std::ceil(vy0 - 0.5)),
                        int32_t(std::floor(vx1 - 0.5)) + 1, int32_t(std::floor(vy1 - 0.5)) + 1};
    ctx.rect = intersect(intersect(rect_of(state.scissor), rect_of(state.render_area)), intersect(viewport, framebuffer));
    if (state.samples == 4) {
        ctx.sample_lo = kSubpixelOne, ctx.sample_hi = 0;
        for (const auto& s : kStandardSamples4) {
            ctx.sample_lo = std::min<int64_t>({ctx.sample_lo, s[0], s[1]});
            ctx.sample_hi = std::max<int64_t>({ctx.sample_hi, s[0], s[1]});
        }
    }
    ctx.cull_mode = state.cull_mode;
    ctx.front_is_ccw = state.front_face == VK_FRONT_FACE_COUNTER_CLOCKWISE;
    ctx.depth_bias = state.depth_bias;
    ctx.bias_constant = state.depth_bias_constant;
    ctx.bias_slope = state.depth_bias_slope;
    ctx.bias_clamp = state.depth_bias_clamp;
    switch (depth_format) {
    case VK_FORMAT_D16_UNORM:
    case VK_FORMAT_D16_UNORM_S8_UINT: ctx.bias_unorm_bits = 16; break;
    case VK_FORMAT_X8_D24_UNORM_PACK32:
    case VK_FORMAT_D24_UNORM_S8_UINT: ctx.bias_unorm_bits = 24; break;
    default: ctx.bias_unorm_bits = 0; break;
    }
    if (state.depth_clamp) {
        // "Depth Clamping": z_f is clamped to [min(minDepth, maxDepth), max(minDepth, maxDepth)].
        ctx.z_min = std::min(vp.minDepth, vp.maxDepth);
        ctx.z_max = std::max(vp.minDepth, vp.maxDepth);
    } else {
        ctx.z_min = -std::numeric_limits<float>::infinity();
        ctx.z_max = std::numeric_limits<float>::infinity();
    }
    return ctx;
}

namespace {

// A vertex in window coordinates: snapped x and y, window depth, 1 / clip w.
struct WindowVertex {
    int64_t X, Y;
    double xf, yf;  // before snapping
    float z, iw;
};

bool to_window(const SetupContext& ctx, const float p[4], WindowVertex& v) {
    if (!(p[3] > 0.0f))
        return false;
    // Double precision: window coordinates reach 2^16 pixels, where a float has no 1/256 left.
    const double inv_w = 1.0 / double(p[3]);
    const double xf = ctx.half_width * (p[0] * inv_w) + ctx.ox;
    const double yf = ctx.half_height * (p[1] * inv_w) + ctx.oy;
    // NaN or infinity from the vertex shader, or a viewport beyond Vulkan's viewportBoundsRange
    // (2^20 pixels keeps the int64 edge products exact).
    if (!(std::fabs(xf - ctx.ox) <= 2.0 * kGuardBand && std::fabs(yf - ctx.oy) <= 2.0 * kGuardBand &&
          std::fabs(xf) < 1048576.0 && std::fabs(yf) < 1048576.0))
        return false;
    v.xf = xf;
    v.yf = yf;
    v.X = std::llround(xf * double(kSubpixelOne));
    v.Y = std::llround(yf * double(kSubpixelOne));
    v.z = float(ctx.pz * (p[2] * inv_w) + ctx.oz);
    v.iw = float(inv_w);
    return true;
}

// Twice the signed area in snapped units; the shoelace sum of "Basic Polygon Rasterization".
int64_t signed_area2(const int64_t X[3], const int64_t Y[3]) {
    return (X[1] - X[0]) * (Y[2] - Y[0]) - (X[2] - X[0]) * (Y[1] - Y[0]);
}

// The bounding box and the three edges of snapped triangle (X, Y) whose doubled area is `area2`
// (not 0). False when the box misses the rectangle.
bool set_edges(const SetupContext& ctx, const int64_t X[3], const int64_t Y[3], int64_t area2, TriangleSetup& out) {
    // Bounding box of the samples that may be covered: samples 256 px + [lo, hi] reaching [min X, max X]
    // (lo = hi = 128 with one sample: the centers).
    const int64_t xmin = std::min({X[0], X[1], X[2]}), xmax = std::max({X[0], X[1], X[2]});
    const int64_t ymin = std::min({Y[0], Y[1], Y[2]}), ymax = std::max({Y[0], Y[1], Y[2]});
    const int64_t lo = ctx.sample_lo, hi = ctx.sample_hi;
    const Rect box{int32_t(floor_div(xmin - hi + 255, 256)), int32_t(floor_div(ymin - hi + 255, 256)),
                   int32_t(floor_div(xmax - lo, 256) + 1), int32_t(floor_div(ymax - lo, 256) + 1)};
    out.bbox = intersect(box, ctx.rect);
    if (out.bbox.empty())
        return false;
    // Edge i runs from vertex i+1 to vertex i+2; its function is the cross product (v2 - v1) x (p - v1),
    // negated for clockwise triangles so that the inside is E > 0 for every winding.
    const int64_t sign = area2 > 0 ? 1 : -1;
    for (int i = 0; i < 3; ++i) {
        const int j = (i + 1) % 3, k = (i + 2) % 3;
        const int64_t a = -(Y[k] - Y[j]) * sign, b = (X[k] - X[j]) * sign;
        const bool inclusive = a > 0 || (a == 0 && b > 0);  // left or top edge
        out.a[i] = a;
        out.b[i] = b;
        out.c[i] = -(a * X[j] + b * Y[j]) - (inclusive ? 0 : 1);
    }
    return true;
}

void set_barycentric_steps(TriangleSetup& out) {
    for (int i = 0; i < 2; ++i) {
        out.dl_dx[i] = float(double(out.pa[i]) * kSubpixelOne * out.inv_area);
        out.dl_dy[i] = float(double(out.pb[i]) * kSubpixelOne * out.inv_area);
    }
}

// Splits the convex quadrilateral q[0..3] (snapped, either winding) into triangles (0, 1, 2) and
// (0, 2, 3); copies `proto`'s interpolation fields into each. Returns how many cover something.
uint32_t setup_quadrilateral(const SetupContext& ctx, const int64_t X[4], const int64_t Y[4], const TriangleSetup& proto,
                             TriangleSetup out[2]) {
    uint32_t n = 0;
    static constexpr int kHalves[2][3] = {{0, 1, 2}, {0, 2, 3}};
    for (const auto& t : kHalves) {
        const int64_t tx[3] = {X[t[0]], X[t[1]], X[t[2]]}, ty[3] = {Y[t[0]], Y[t[1]], Y[t[2]]};
        const int64_t area2 = signed_area2(tx, ty);
        if (area2 == 0)
            continue;
        out[n] = proto;
        if (set_edges(ctx, tx, ty, area2, out[n]))
            ++n;
    }
    return n;
}

}  // namespace

bool setup_triangle(const SetupContext& ctx, const ClipVertex vertex[3], bool clipped, const AssembledTriangle& tri,
                    TriangleSetup& out) {
    int64_t X[3], Y[3];
    float zw[3];
    for (int i = 0; i < 3; ++i) {
        WindowVertex w;
        if (!to_window(ctx, vertex[i].pos, w))
            return false;
        X[i] = w.X;
        Y[i] = w.Y;
        zw[i] = w.z;
        out.iw[i] = w.iw;
    }
    const int64_t area2 = signed_area2(X, Y);
    if (area2 == 0)
        return false;  // covers no sample
    // "Basic Polygon Rasterization": a = -area2 / 2 (y-down); front-facing when a > 0 with
    // COUNTER_CLOCKWISE, a < 0 with CLOCKWISE.
    out.front_facing = (area2 < 0) == ctx.front_is_ccw;
    if ((ctx.cull_mode & VK_CULL_MODE_FRONT_BIT) && out.front_facing)
        return false;
    if ((ctx.cull_mode & VK_CULL_MODE_BACK_BIT) && !out.front_facing)
        return false;
    if (!set_edges(ctx, X, Y, area2, out))
        return false;
    for (int i = 0; i < 2; ++i) {
        out.pa[i] = out.a[i + 1];
        out.pb[i] = out.b[i + 1];
        out.pc[i] = out.c[i + 1];
    }
    out.inv_area = 1.0 / double(area2 > 0 ? area2 : -area2);
    set_barycentric_steps(out);

    out.z0 = zw[0];
    out.dz1 = zw[1] - zw[0];
    out.dz2 = zw[2] - zw[0];
    if (ctx.depth_bias) {
        // "Depth Bias": o = m * depthBiasSlopeFactor + r * depthBiasConstantFactor, with m the
        // largest of |dz/dx| and |dz/dy| (window units) and r the depth format's resolution.
        const double dzdx = double(out.dl_dx[0]) * out.dz1 + double(out.dl_dx[1]) * out.dz2;
        const double dzdy = double(out.dl_dy[0]) * out.dz1 + double(out.dl_dy[1]) * out.dz2;
        const double m = std::max(std::fabs(dzdx), std::fabs(dzdy));
        double r;
        if (ctx.bias_unorm_bits) {
            r = std::ldexp(1.0, -ctx.bias_unorm_bits);  // fixed point: r = 2^-n
        } else {
            // Floating point: r = 2^(e - n), e the largest exponent of the primitive's z, n = 23.
            const float zmax = std::max({std::fabs(zw[0]), std::fabs(zw[1]), std::fabs(zw[2])});
            int e = 0;
            std::frexp(zmax, &e);  // zmax = f * 2^e with f in [0.5, 1): the IEEE exponent is e - 1
            r = zmax > 0.0f ? std::ldexp(1.0, e - 1 - 23) : std::ldexp(1.0, -149);
        }
        double o = m * ctx.bias_slope + r * ctx.bias_constant;
        if (ctx.bias_clamp > 0.0f)
            o = std::min(o, double(ctx.bias_clamp));
        else if (ctx.bias_clamp < 0.0f)
            o = std::max(o, double(ctx.bias_clamp));
        out.z0 = float(zw[0] + o);
    }

    for (int k = 0; k < 3; ++k)
        for (int i = 0; i < 3; ++i)
            out.weight[k][i] = vertex[k].weight[i];
    out.clipped = clipped;
    for (int i = 0; i < 3; ++i)
        out.v[i] = tri.v[i];
    out.primitive_id = tri.primitive_id;
    return true;
}

uint32_t setup_line(const SetupContext& ctx, const ClipVertex end[2], bool clipped, const AssembledTriangle& tri,
                    TriangleSetup out[2]) {
    WindowVertex a, b;
    if (!to_window(ctx, end[0].pos, a) || !to_window(ctx, end[1].pos, b))
        return 0;
    // The rectangle's half-width across the line, (-dy, dx) / (2 |d|), in float from the unsnapped
    // window coordinates and then snapped, as lavapipe does: both long sides are the ends' snapped
    // positions moved by the same snapped vector, so they are exactly parallel, and the end sides too.
    const float dx = float(b.xf) - float(a.xf), dy = float(b.yf) - float(a.yf);
    const float length2 = dx * dx + dy * dy;
    if (!(length2 > 0.0f) || !std::isfinite(length2))
        return 0;  // zero length: no rectangle, no fragment
    const float scale = 0.5f / std::sqrt(length2);
    const int64_t tx = std::llround(double(-dy * scale) * double(kSubpixelOne));
    const int64_t ty = std::llround(double(dx * scale) * double(kSubpixelOne));
    const int64_t X[4] = {a.X - tx, b.X - tx, b.X + tx, a.X + tx};
    const int64_t Y[4] = {a.Y - ty, b.Y - ty, b.Y + ty, a.Y + ty};

    TriangleSetup proto;
    // t of the sample's projection on the segment, (p - a) . (b - a) / |b - a|^2 ("Basic Line
    // Segment Rasterization"), from the snapped ends: exact integers up to the one division.
    const int64_t ex = b.X - a.X, ey = b.Y - a.Y;
    if (ex == 0 && ey == 0)
        return 0;
    proto.pa[0] = ex, proto.pb[0] = ey, proto.pc[0] = -(ex * a.X + ey * a.Y);
    proto.pa[1] = proto.pb[1] = proto.pc[1] = 0;
    proto.inv_area = 1.0 / (double(ex) * double(ex) + double(ey) * double(ey));
    set_barycentric_steps(proto);
    // Depth and 1/w along t; the third vertex repeats the second (its barycentric stays 0). Depth bias
    // is for polygons only ("Depth Bias").
    proto.z0 = a.z;
    proto.dz1 = b.z - a.z;
    proto.dz2 = 0.0f;
    proto.iw[0] = a.iw, proto.iw[1] = proto.iw[2] = b.iw;
    for (int i = 0; i < 3; ++i) {
        proto.weight[0][i] = end[0].weight[i];
        proto.weight[1][i] = proto.weight[2][i] = end[1].weight[i];
    }
    proto.clipped = clipped;
    proto.front_facing = true;  // "FrontFacing": lines and points are front-facing
    for (int i = 0; i < 3; ++i)
        proto.v[i] = tri.v[i];
    proto.primitive_id = tri.primitive_id;
    return setup_quadrilateral(ctx, X, Y, proto, out);
}

uint32_t setup_point(const SetupContext& ctx, const float pos[4], float size, const AssembledTriangle& tri,
                     TriangleSetup out[2]) {
    WindowVertex c;
    if (!to_window(ctx, pos, c))
        return 0;
    // The side in subpixels: clamped to pointSizeRange (NaN gives the smallest), kPointSizeGranularity.
    if (!(size >= kMinPointSize))
        size = kMinPointSize;
    size = std::min(size, kMaxPointSize);
    const int64_t side = std::llround(double(size) * double(kSubpixelOne));
    const int64_t X0 = c.X - side / 2, Y0 = c.Y - side / 2;
    const int64_t X[4] = {X0, X0 + side, X0 + side, X0};
    const int64_t Y[4] = {Y0, Y0, Y0 + side, Y0 + side};

    TriangleSetup proto;
    // The barycentrics are PointCoord: s = (x - x0) / size, t = (y - y0) / size from the top-left
    // corner (x0, y0) ("Basic Point Rasterization": s = 1/2 + (x_f - x_d) / size, y-down).
    proto.pa[0] = 1, proto.pb[0] = 0, proto.pc[0] = -X0;
    proto.pa[1] = 0, proto.pb[1] = 1, proto.pc[1] = -Y0;
    proto.inv_area = 1.0 / double(side);
    set_barycentric_steps(proto);
    proto.z0 = c.z;  // depth, 1/w and varyings are the vertex's
    proto.dz1 = proto.dz2 = 0.0f;
    proto.iw[0] = proto.iw[1] = proto.iw[2] = c.iw;
    for (int k = 0; k < 3; ++k)
        for (int i = 0; i < 3; ++i)
            proto.weight[k][i] = k == i ? 1.0f : 0.0f;
    proto.clipped = false;
    proto.front_facing = true;
    for (int i = 0; i < 3; ++i)
        proto.v[i] = tri.v[i];
    proto.primitive_id = tri.primitive_id;
    return setup_quadrilateral(ctx, X, Y, proto, out);
}

}  // namespace kiln::raster
