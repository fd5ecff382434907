#version 450
// Descriptor arrays indexed by constants (no feature needed), two descriptor sets, a binding gap,
// and OpArrayLength through an array element whose descriptor has a smaller range. Four storage
// buffers in all: the spec's minimum for maxPerStageDescriptorStorageBuffers.
layout(local_size_x = 16) in;
layout(set = 0, binding = 0, std430) readonly buffer Sources { uint v[]; } sources[3];
layout(set = 0, binding = 1, std140) uniform Factors { uvec4 f; } factors[2];
layout(set = 1, binding = 0, std430) writeonly buffer Destination { uint v[]; } destination;
layout(set = 1, binding = 3, std140) uniform Bias { uint bias; } far;

void main() {
  uint i = gl_LocalInvocationID.x;
  destination.v[i] = sources[0].v[i] + sources[1].v[i] * factors[0].f.x + sources[2].v[i] * factors[1].f.y + far.bias;
  if (i == 0u) destination.v[16] = uint(sources[1].v.length()) * 1000u + uint(sources[2].v.length());
}
