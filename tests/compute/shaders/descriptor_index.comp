#version 450
// Descriptor arrays indexed by a dynamically uniform value (a push constant):
// shaderStorageBufferArrayDynamicIndexing and shaderUniformBufferArrayDynamicIndexing.
layout(local_size_x = 16) in;
layout(set = 0, binding = 0, std430) readonly buffer Sources { uint v[]; } sources[3];
layout(set = 0, binding = 1, std140) uniform Factors { uvec4 f; } factors[2];
layout(set = 1, binding = 0, std430) writeonly buffer Destination { uint v[]; } destination;
layout(push_constant) uniform Params { uint which; uint factor; uint slot; };

void main() {
  uint i = gl_LocalInvocationID.x;
  destination.v[slot * 16u + i] = sources[which].v[i] * factors[factor].f.z;
}
