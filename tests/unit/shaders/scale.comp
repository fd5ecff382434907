#version 450
layout(local_size_x = 64) in;
layout(set = 0, binding = 0) buffer B { float data[]; } b;
layout(push_constant) uniform P { float scale; } p;
void main() {
  uint i = gl_GlobalInvocationID.x;
  if (i < b.data.length()) b.data[i] = b.data[i] * p.scale + sin(float(i));
}
