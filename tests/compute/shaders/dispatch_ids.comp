#version 450
// One count per invocation in a grid (width and height from push constants): every dispatch form
// must run each invocation of its grid exactly once and none outside it. Also records
// NumWorkgroups as seen by the first invocation of every workgroup: ORed in atomically (plain
// stores to one location from several workgroups would be a data race), so a workgroup that saw
// other values would show as extra bits.
layout(local_size_x = 4, local_size_y = 4, local_size_z = 1) in;
layout(set = 0, binding = 0, std430) buffer Hits {
  uvec4 numWorkgroups;
  uint hits[];
} h;
layout(push_constant) uniform Grid {
  uint width;   // invocations in x
  uint height;  // invocations in y
  uint depth;
  uint weight;  // added per hit
};

void main() {
  uvec3 g = gl_GlobalInvocationID;
  if (g.x < width && g.y < height && g.z < depth) atomicAdd(h.hits[(g.z * height + g.y) * width + g.x], weight);
  else atomicAdd(h.numWorkgroups.w, 1u);  // out-of-grid invocations (the host expects none)
  if (gl_LocalInvocationIndex == 0u) {
    atomicOr(h.numWorkgroups.x, gl_NumWorkGroups.x);
    atomicOr(h.numWorkgroups.y, gl_NumWorkGroups.y);
    atomicOr(h.numWorkgroups.z, gl_NumWorkGroups.z);
  }
}
