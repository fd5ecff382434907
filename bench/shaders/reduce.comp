#version 450
// One pass of a two-pass sum (bench/compute_bench.cpp): each workgroup sums its grid-stride share of
// values[0, n) into workgroup-shared memory, reduces the 128 partial sums as a tree with a barrier
// (OpControlBarrier, Workgroup scope, WorkgroupMemory semantics) after every level, and writes its total
// to sums[gl_WorkGroupID.x]. Pass 1: many groups over the input; pass 2: one group over pass 1's sums.
// Unsigned integers, so that any order of addition gives the same total (modulo 2^32) as the host's.

layout(local_size_x = 128) in;

layout(std430, set = 0, binding = 0) readonly buffer Values { uint values[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Sums { uint sums[]; };

layout(push_constant) uniform Params {
    uint n;
};

shared uint partial[128];

void main() {
    const uint lane = gl_LocalInvocationID.x;
    const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    uint sum = 0u;
    for (uint i = gl_GlobalInvocationID.x; i < n; i += stride)
        sum += values[i];
    partial[lane] = sum;
    barrier();
    for (uint width = gl_WorkGroupSize.x / 2u; width > 0u; width >>= 1u) {
        if (lane < width)
            partial[lane] += partial[lane + width];
        barrier();
    }
    if (lane == 0u)
        sums[gl_WorkGroupID.x] = partial[0];
}
