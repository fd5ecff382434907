// Cube maps for the sampler (ops_image.cpp): the spec's "Cube Map Face Selection and
// Transformations" (a direction to a face and the face's normalized coordinates), the level of
// detail of a cube sample, and "Cube Map Edge Handling" (a texel past a face's edge is the
// adjacent face's texel). Faces are numbered as layers: +X, -X, +Y, -Y, +Z, -Z.
#pragma once

#include <cstdint>

namespace kiln::spirv::cube {

struct FacePoint {
    uint32_t face = 0;
    float s = 0, t = 0;  // normalized coordinates in the face
};

// The face the direction r points at (the largest magnitude; ties go to X, then Y) and where.
FacePoint select(const float r[3]);

// lambda_base of a cube sample at direction r with derivatives dx, dy of r, for faces of `size`
// texels: log2 of the longer derivative of the face coordinates, scaled to texels.
float lambda(const float r[3], const float dx[3], const float dy[3], uint32_t size);

// Texel (i, j) of `face`, just past one of its edges (i or j in {-1, size}, not both): the texel of
// the adjacent face that continues the surface there.
void across_edge(uint32_t face, int32_t i, int32_t j, int32_t size, uint32_t* out_face, int32_t* out_i,
                 int32_t* out_j);

}  // namespace kiln::spirv::cube
