#version 450
// Tiled matrix multiply (bench/compute_bench.cpp): c = a * b, n x n row-major floats, n a multiple of
// TILE. Each TILE x TILE workgroup walks the k dimension one tile at a time: every invocation loads one
// element of a's tile and one of b's into workgroup-shared memory, a barrier, TILE multiply-adds from
// shared memory, a barrier. TILE is given at build time (glslc -DTILE=16 or -DTILE=8).

#ifndef TILE
#define TILE 16
#endif

layout(local_size_x = TILE, local_size_y = TILE) in;

layout(std430, set = 0, binding = 0) readonly buffer A { float a[]; };
layout(std430, set = 0, binding = 1) readonly buffer B { float b[]; };
layout(std430, set = 0, binding = 2) writeonly buffer C { float c[]; };

layout(push_constant) uniform Params {
    uint n;
};

shared float tile_a[TILE][TILE];
shared float tile_b[TILE][TILE];

void main() {
    const uint tx = gl_LocalInvocationID.x;
    const uint ty = gl_LocalInvocationID.y;
    const uint column = gl_WorkGroupID.x * TILE + tx;
    const uint row = gl_WorkGroupID.y * TILE + ty;
    float sum = 0.0;
    for (uint t = 0u; t < n; t += TILE) {
        tile_a[ty][tx] = a[row * n + t + tx];
        tile_b[ty][tx] = b[(t + ty) * n + column];
        barrier();
        for (uint k = 0u; k < TILE; ++k)
            sum += tile_a[ty][k] * tile_b[k][tx];
        barrier();
    }
    c[row * n + column] = sum;
}
