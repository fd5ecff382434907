#include "cube_map.h"

#include <algorithm>
#include <cmath>

namespace kiln::spirv::cube {

namespace {

// The spec's table: per face, the direction components that become sc, tc and ma.
struct Axes {
    float sc, tc, ma;
};

Axes axes(uint32_t face, const float r[3]) {
    switch (face) {
    case 0: return {-r[2], -r[1], r[0]};  // +X
    case 1: return {r[2], -r[1], r[0]};   // -X
    case 2: return {r[0], r[2], r[1]};    // +Y
    case 3: return {r[0], -r[2], r[1]};   // -Y
    case 4: return {r[0], -r[1], r[2]};   // +Z
    default: return {-r[0], -r[1], r[2]}; // -Z
    }
}

uint32_t face_of(const float r[3]) {
    // Ties (the spec leaves them to the implementation) go to X, then Y, as llvmpipe breaks them.
    const float ax = std::fabs(r[0]), ay = std::fabs(r[1]), az = std::fabs(r[2]);
    if (ax >= ay && ax >= az)
        return r[0] < 0 ? 1 : 0;
    if (ay >= az)
        return r[1] < 0 ? 3 : 2;
    return r[2] < 0 ? 5 : 4;
}

// The direction through face coordinates (sc, tc) in [-1, 1]: the inverse of axes().
void direction(uint32_t face, float sc, float tc, float r[3]) {
    switch (face) {
    case 0: r[0] = 1, r[1] = -tc, r[2] = -sc; break;
    case 1: r[0] = -1, r[1] = -tc, r[2] = sc; break;
    case 2: r[0] = sc, r[1] = 1, r[2] = tc; break;
    case 3: r[0] = sc, r[1] = -1, r[2] = -tc; break;
    case 4: r[0] = sc, r[1] = -tc, r[2] = 1; break;
    default: r[0] = -sc, r[1] = -tc, r[2] = -1; break;
    }
}

}  // namespace

FacePoint select(const float r[3]) {
    FacePoint p;
    p.face = face_of(r);
    const Axes a = axes(p.face, r);
    const float m = std::fabs(a.ma);
    // s_face = 1/2 (sc / |ma|) + 1/2; a zero direction (|ma| = 0) reads the face's center.
    p.s = m > 0 ? 0.5f * (a.sc / m) + 0.5f : 0.5f;
    p.t = m > 0 ? 0.5f * (a.tc / m) + 0.5f : 0.5f;
    return p;
}

float lambda(const float r[3], const float dx[3], const float dy[3], uint32_t size) {
    const uint32_t face = face_of(r);
    const Axes a = axes(face, r), ax = axes(face, dx), ay = axes(face, dy);
    const float m = std::fabs(a.ma), sign = a.ma < 0 ? -1.0f : 1.0f;
    if (!(m > 0))
        return 0.0f;
    // d(sc / |ma|) = (dsc |ma| - sc d|ma|) / ma^2, and half of it for s (likewise t).
    auto rho2 = [&](const Axes& d) {
        const float dm = sign * d.ma;
        const float ds = 0.5f * (d.sc * m - a.sc * dm) / (m * m) * float(size);
        const float dt = 0.5f * (d.tc * m - a.tc * dm) / (m * m) * float(size);
        return ds * ds + dt * dt;
    };
    return std::log2(std::sqrt(std::max(rho2(ax), rho2(ay))));
}

void across_edge(uint32_t face, int32_t i, int32_t j, int32_t size, uint32_t* out_face, int32_t* out_i,
                 int32_t* out_j) {
    // The texel's center as a direction (one coordinate just past +-1), then that direction's face.
    const float n = float(size);
    const float sc = 2.0f * (float(i) + 0.5f) / n - 1.0f, tc = 2.0f * (float(j) + 0.5f) / n - 1.0f;
    float r[3];
    direction(face, sc, tc, r);
    const FacePoint p = select(r);
    *out_face = p.face;
    *out_i = std::clamp(int32_t(std::floor(p.s * n)), 0, size - 1);
    *out_j = std::clamp(int32_t(std::floor(p.t * n)), 0, size - 1);
}

}  // namespace kiln::spirv::cube
