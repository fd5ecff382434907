// Clipping against the view volume in clip space (Vulkan spec, "Primitive Clipping"):
// -w <= x, y <= w and 0 <= z <= w, the z planes dropped when depth clamp is on.
//
// Guard band: x and y are not clipped at the viewport's edges but at a square of +-kGuardBand
// pixels around the viewport's center. Inside that square every window coordinate fits the
// fixed-point edge equations of setup.h (with the viewport's center inside Vulkan's viewport bounds,
// coordinates stay below 2^17 pixels: 25 bits with the 8 subpixel bits, so products fit int64 easily),
// and the pixels outside the viewport are dropped by the rasterizer's pixel rectangle instead, which
// gives the same coverage. So only triangles reaching ~32k pixels away from the viewport, or crossing
// the near/far planes or w = 0, are clipped.
#pragma once

#include <cstdint>

#include "raster/raster.h"

namespace kiln::raster {

inline constexpr float kGuardBand = 32768.0f;  // pixels from the viewport center

// A vertex of a clipped polygon: its clip-space position and its weights of the original triangle's
// three vertices (positions and varyings are linear in clip space, so the same weights give both).
struct ClipVertex {
    float pos[4];
    float weight[3];
    float distance[kMaxDistances];  // the user clip distances (ClipDistance), linear like pos
};

// A triangle clipped by up to 7 planes and 8 clip distances has at most 3 + 15 vertices.
inline constexpr uint32_t kMaxClipVertices = 18;

// The view volume's planes (bits 0 .. count - 1 of a clip code, the w plane last), then the
// vertices' clip distances (bits count .. count + distance_count - 1: distance >= 0 is inside).
struct ClipPlanes {
    float plane[7][4];  // dot(plane, (x, y, z, w)) >= 0 is inside
    uint32_t count = 0;
    uint32_t distance_count = 0;
};

// The planes for a viewport of width `vp_width`, height `vp_height` (either sign).
ClipPlanes clip_planes(float vp_width, float vp_height, bool depth_clamp);

// Bit p set when `v` is outside plane (or clip distance) p.
uint32_t clip_code(const ClipPlanes& planes, const ClipVertex& v);

// Clips triangle `in` (weights: the unit vectors) against the planes whose bits are set in `planes_to_clip`;
// returns the vertex count of the convex polygon in `out` (0 when nothing is left). The polygon keeps
// the triangle's winding, so fan triangles (out[0], out[i], out[i+1]) keep its facing.
uint32_t clip_triangle(const ClipPlanes& planes, uint32_t planes_to_clip, const ClipVertex in[3],
                       ClipVertex out[kMaxClipVertices]);

// Clips line a-b (weights: (1, 0, 0) and (0, 1, 0)) against the planes whose bits are set; false when
// nothing is left. The ends keep their order, so `out[0]` stays the provoking end.
bool clip_line(const ClipPlanes& planes, uint32_t planes_to_clip, const ClipVertex in[2], ClipVertex out[2]);

// Points are clipped by their center against the view volume itself, not the guard band
// ("Primitive Clipping": a point whose vertex lies outside the clip volume is discarded;
// VK_POINT_CLIPPING_BEHAVIOR_ALL_CLIP_PLANES): -w <= x, y <= w, 0 <= z <= w unless depth clamp, w > 0.
bool point_in_view_volume(const float pos[4], bool depth_clamp);

}  // namespace kiln::raster
