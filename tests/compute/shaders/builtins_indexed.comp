#version 450
// Built-ins indexed by a value known only at run time (gl_GlobalInvocationID[k]): the driver cannot
// turn these into fixed registers and must read the built-in as memory. Each invocation writes its
// global and local IDs in an order rotated by a push constant.
layout(local_size_x = 4, local_size_y = 2, local_size_z = 3) in;
layout(set = 0, binding = 0, std430) buffer Out { uint ids[]; } o;
layout(push_constant) uniform Params { uint rotate; uint groups_x; uint groups_y; };

void main() {
  uint group = (gl_WorkGroupID.z * groups_y + gl_WorkGroupID.y) * groups_x + gl_WorkGroupID.x;
  uint slot = (group * 24u + gl_LocalInvocationIndex) * 6u;
  for (uint j = 0u; j < 3u; ++j) {
    uint k = (j + rotate) % 3u;
    o.ids[slot + j] = gl_GlobalInvocationID[k];
    o.ids[slot + 3u + j] = gl_LocalInvocationID[k];
  }
}
