#version 450
// Loops, a switch, function calls and 64-bit integers: a module with most of the structure kinds.
#extension GL_ARB_gpu_shader_int64 : require
layout(local_size_x = 8, local_size_y = 2) in;
layout(constant_id = 0) const int kSteps = 4;
layout(set = 0, binding = 0) buffer B { int64_t values[]; } b;
layout(set = 0, binding = 1) uniform U { ivec4 params; } u;
shared int scratch[16];

int step_of(int i) {
  switch (i % 3) {
    case 0: return i * 2;
    case 1: return i - 7;
    default: return -i;
  }
}

void main() {
  int acc = 0;
  for (int i = 0; i < kSteps + u.params.x; ++i) acc += step_of(i);
  scratch[gl_LocalInvocationIndex] = acc;
  barrier();
  b.values[gl_GlobalInvocationID.x] = int64_t(scratch[(gl_LocalInvocationIndex + 1) % 16]) << 33;
}
