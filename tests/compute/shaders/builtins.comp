#version 450
// Compute built-ins: GlobalInvocationId, LocalInvocationId, WorkgroupId, NumWorkgroups,
// LocalInvocationIndex and WorkgroupSize, recorded by every invocation into a slot it takes with an
// atomic counter (so that a wrong id shows up as a duplicate or missing record, not an overwrite).
layout(local_size_x = 4, local_size_y = 2, local_size_z = 3) in;
struct Record {
  uvec4 global;  // w: LocalInvocationIndex
  uvec4 local;   // w: WorkgroupSize.x * 100 + y * 10 + z
  uvec4 group;
  uvec4 count;   // NumWorkgroups
};
layout(set = 0, binding = 0, std430) buffer Records {
  uint taken;
  Record records[];
} r;

void main() {
  uint slot = atomicAdd(r.taken, 1u);
  uvec3 size = gl_WorkGroupSize;
  r.records[slot].global = uvec4(gl_GlobalInvocationID, gl_LocalInvocationIndex);
  r.records[slot].local = uvec4(gl_LocalInvocationID, size.x * 100u + size.y * 10u + size.z);
  r.records[slot].group = uvec4(gl_WorkGroupID, 0u);
  r.records[slot].count = uvec4(gl_NumWorkGroups, 0u);
}
