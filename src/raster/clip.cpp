#include "raster/clip.h"

#include <algorithm>
#include <cmath>

namespace kiln::raster {

namespace {

float distance(const float plane[4], const float pos[4]) {
    return plane[0] * pos[0] + plane[1] * pos[1] + plane[2] * pos[2] + plane[3] * pos[3];
}

ClipVertex lerp(const ClipVertex& a, const ClipVertex& b, float t) {
    ClipVertex v;
    for (int i = 0; i < 4; ++i)
        v.pos[i] = a.pos[i] + t * (b.pos[i] - a.pos[i]);
    for (int i = 0; i < 3; ++i)
        v.weight[i] = a.weight[i] + t * (b.weight[i] - a.weight[i]);
    for (uint32_t i = 0; i < kMaxDistances; ++i)
        v.distance[i] = a.distance[i] + t * (b.distance[i] - a.distance[i]);
    return v;
}

// The signed distance of `v` to plane p: the view planes' (the w plane wants w strictly above 0),
// then the clip distances.
float plane_distance(const ClipPlanes& planes, uint32_t p, const ClipVertex& v) {
    if (p >= planes.count)
        return v.distance[p - planes.count];
    return distance(planes.plane[p], v.pos) - (p == planes.count - 1 ? 1e-30f : 0.0f);
}

}  // namespace

ClipPlanes clip_planes(float vp_width, float vp_height, bool depth_clamp) {
    ClipPlanes p;
    // Window x = center + (width / 2) * x / w stays within +-kGuardBand of the center when
    // |x| * |width| / 2 <= kGuardBand * w: planes +-x * |width| / 2 + kGuardBand * w >= 0.
    const float sx = std::fabs(vp_width) * 0.5f, sy = std::fabs(vp_height) * 0.5f;
    auto add = [&](float a, float b, float c, float d) {
        float* q = p.plane[p.count++];
        q[0] = a, q[1] = b, q[2] = c, q[3] = d;
    };
    add(sx, 0, 0, kGuardBand);
    add(-sx, 0, 0, kGuardBand);
    add(0, sy, 0, kGuardBand);
    add(0, -sy, 0, kGuardBand);
    if (!depth_clamp) {
        add(0, 0, 1, 0);   // z >= 0
        add(0, 0, -1, 1);  // z <= w
    }
    // w > 0: the division by w needs it. With the z planes it already holds except at w = z = 0;
    // with depth clamp ("Primitive Clipping": the z planes are ignored) it is the only near plane.
    add(0, 0, 0, 1);
    return p;
}

uint32_t clip_code(const ClipPlanes& planes, const ClipVertex& v) {
    uint32_t code = 0;
    for (uint32_t i = 0; i < planes.count; ++i)
        if (!(distance(planes.plane[i], v.pos) >= 0.0f))  // NaN is outside
            code |= 1u << i;
    // The w plane wants w strictly above 0: a tiny positive floor keeps 1 / w finite.
    if (!(v.pos[3] > 1e-30f))
        code |= 1u << (planes.count - 1);
    for (uint32_t k = 0; k < planes.distance_count; ++k)
        if (!(v.distance[k] >= 0.0f))
            code |= 1u << (planes.count + k);
    return code;
}

uint32_t clip_triangle(const ClipPlanes& planes, uint32_t planes_to_clip, const ClipVertex in[3],
                       ClipVertex out[kMaxClipVertices]) {
    ClipVertex buffer[2][kMaxClipVertices];
    ClipVertex* src = buffer[0];
    ClipVertex* dst = buffer[1];
    uint32_t n = 3;
    for (uint32_t i = 0; i < 3; ++i)
        src[i] = in[i];
    for (uint32_t p = 0; p < planes.count + planes.distance_count && n > 0; ++p) {
        if (!(planes_to_clip & (1u << p)))
            continue;
        auto dist = [&](const ClipVertex& v) { return plane_distance(planes, p, v); };
        // Sutherland-Hodgman: keep inside vertices, add the crossing point of every edge that
        // crosses the plane (computed from the inside vertex, so shared edges clip alike).
        uint32_t m = 0;
        for (uint32_t i = 0; i < n; ++i) {
            const ClipVertex& a = src[i];
            const ClipVertex& b = src[(i + 1) % n];
            const float da = dist(a), db = dist(b);
            const bool a_in = da >= 0.0f, b_in = db >= 0.0f;
            if (a_in)
                dst[m++] = a;
            if (a_in != b_in) {
                if (a_in)
                    dst[m++] = lerp(a, b, da / (da - db));
                else
                    dst[m++] = lerp(b, a, db / (db - da));
            }
        }
        n = m;
        ClipVertex* t = src;
        src = dst;
        dst = t;
    }
    for (uint32_t i = 0; i < n; ++i)
        out[i] = src[i];
    return n < 3 ? 0 : n;
}

bool clip_line(const ClipPlanes& planes, uint32_t planes_to_clip, const ClipVertex in[2], ClipVertex out[2]) {
    // Parametric clipping: the part t0 <= t <= t1 of a + t (b - a) inside every plane.
    float t0 = 0.0f, t1 = 1.0f;
    for (uint32_t p = 0; p < planes.count + planes.distance_count; ++p) {
        if (!(planes_to_clip & (1u << p)))
            continue;
        const float da = plane_distance(planes, p, in[0]);
        const float db = plane_distance(planes, p, in[1]);
        const bool a_in = da >= 0.0f, b_in = db >= 0.0f;  // NaN is outside
        if (!a_in && !b_in)
            return false;
        if (a_in && b_in)
            continue;
        const float t = da / (da - db);
        if (!std::isfinite(t))
            return false;
        if (a_in)
            t1 = std::min(t1, t);
        else
            t0 = std::max(t0, t);
    }
    if (!(t0 <= t1))
        return false;
    out[0] = t0 > 0.0f ? lerp(in[0], in[1], t0) : in[0];
    out[1] = t1 < 1.0f ? lerp(in[0], in[1], t1) : in[1];
    return true;
}

bool point_in_view_volume(const float pos[4], bool depth_clamp) {
    const float x = pos[0], y = pos[1], z = pos[2], w = pos[3];
    if (!(w > 1e-30f))  // also NaN
        return false;
    if (!(-w <= x && x <= w && -w <= y && y <= w))
        return false;
    return depth_clamp || (0.0f <= z && z <= w);
}

}  // namespace kiln::raster
