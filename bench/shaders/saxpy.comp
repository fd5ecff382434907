#version 450
// saxpy: result[i] = a * x[i] + y[i] for i < n, one element per invocation (bench/compute_bench.cpp).
// Out of place, so that every run does the same work on the same input; the memory traffic is that of
// the in-place y = a * x + y (two 4-byte reads and one 4-byte write per element). The dispatch is
// two-dimensional because n / 128 groups exceed the 65535 a dimension is guaranteed to hold.

layout(local_size_x = 128) in;

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Y { float y[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Result { float result[]; };

layout(push_constant) uniform Params {
    uint n;
    float a;
};

void main() {
    const uint group = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    const uint i = group * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i < n)
        result[i] = a * x[i] + y[i];
}
