#version 450
// Naive matrix multiply (bench/compute_bench.cpp): c = a * b, n x n row-major floats, one invocation per
// element of c, reading a row of a and a column of b straight from the storage buffers. TILE x TILE
// workgroups; TILE is given at build time (glslc -DTILE=16 or -DTILE=8).

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

void main() {
    const uint column = gl_GlobalInvocationID.x;
    const uint row = gl_GlobalInvocationID.y;
    if (row >= n || column >= n)
        return;
    float sum = 0.0;
    for (uint k = 0u; k < n; ++k)
        sum += a[row * n + k] * b[k * n + column];
    c[row * n + column] = sum;
}
