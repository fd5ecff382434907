#version 450
// OpControlBarrier and OpMemoryBarrier: a Hillis-Steele prefix sum in workgroup memory (a barrier
// between every read and write step), invocations exchanging values through a coherent storage
// buffer (memoryBarrierBuffer then barrier), and memoryBarrierShared / groupMemoryBarrier before a
// barrier. The workgroup size is specialization constant 0, so one module runs every size.
layout(local_size_x_id = 0) in;
layout(set = 0, binding = 0, std430) readonly buffer Inputs { uint inputs[]; };
layout(set = 0, binding = 1, std430) writeonly buffer Sums { uint sums[]; };
layout(set = 0, binding = 2, std430) coherent buffer Scratch { uint scratch[]; };
layout(set = 0, binding = 3, std430) writeonly buffer Exchanged { uvec2 exchanged[]; };

shared uint data[1024];

void main() {
  uint lid = gl_LocalInvocationID.x;
  uint size = gl_WorkGroupSize.x;
  uint gid = gl_GlobalInvocationID.x;
  uint base = gl_WorkGroupID.x * size;
  data[lid] = inputs[gid];
  barrier();
  for (uint offset = 1u; offset < size; offset <<= 1u) {
    uint add = lid >= offset ? data[lid - offset] : 0u;
    barrier();
    data[lid] += add;
    barrier();
  }
  sums[gid] = data[lid];

  scratch[gid] = inputs[gid] * 3u + 1u;
  memoryBarrierBuffer();
  barrier();
  uint mirrored = scratch[base + size - 1u - lid];

  data[lid] = gid;
  memoryBarrierShared();
  groupMemoryBarrier();
  barrier();
  exchanged[gid] = uvec2(mirrored, data[(lid + 1u) % size]);
}
